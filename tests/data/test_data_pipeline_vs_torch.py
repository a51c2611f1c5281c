"""Differential checks of the data pipeline against torch.utils.data: where minigrad gave another result
without a word (a sampler subclass's own ``__iter__`` ignored, an out-of-range index wrapped around) or
accepted worker options that torch refuses."""
import numpy as np
import pytest

from minigrad.data import BatchSampler, ConcatDataset, DataLoader, SequentialSampler, TensorDataset
from minigrad.distributed import DistributedSampler

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def _values(loader):
    return [batch[0].numpy().tolist() for batch in loader]


def test_sampler_subclass_overriding_iter_gives_its_order_as_torch():
    # A torch-style subclass that only overrides __iter__ must be read through it, not its base's indices().
    class Reversed(SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    class TReversed(tdata.SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    ours = _values(DataLoader(TensorDataset(np.arange(5.0, dtype=np.float32)), batch_size=2,
                              sampler=Reversed(range(5))))
    theirs = [b[0].tolist() for b in tdata.DataLoader(tdata.TensorDataset(torch.arange(5.0)), batch_size=2,
                                                        sampler=TReversed(range(5)))]
    assert ours == theirs == [[4.0, 3.0], [2.0, 1.0], [0.0]]
    assert list(BatchSampler(Reversed(range(5)), 2, False)) == list(tdata.BatchSampler(TReversed(range(5)), 2, False)) \
        == [[4, 3], [2, 1], [0]]


def test_distributed_sampler_subclass_overriding_iter_is_read_through_it():
    class Firsts(DistributedSampler):
        def __iter__(self):
            return iter([0] * len(self))

    sampler = Firsts(range(4), num_replicas=2, rank=1, shuffle=False)
    assert _values(DataLoader(TensorDataset(np.arange(4.0, dtype=np.float32)), batch_size=2, sampler=sampler)) \
        == [[0.0, 0.0]]


def test_concat_dataset_index_array_out_of_range_is_an_index_error():
    cat = ConcatDataset([TensorDataset(np.arange(3.0)), TensorDataset(np.arange(10.0, 12.0))])
    tcat = tdata.ConcatDataset([tdata.TensorDataset(torch.arange(3.0)), tdata.TensorDataset(torch.arange(10.0, 12.0))])
    for bad in (5, -6):
        with pytest.raises((IndexError, ValueError)):
            tcat[bad]
        with pytest.raises(IndexError, match=rf"^ConcatDataset: index {bad} is out of range for 5 samples$"):
            cat[np.array([0, bad])]
    x, = cat[np.array([-1, 4, 0, -5])]
    assert x.tolist() == [11.0, 11.0, 0.0, 0.0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(persistent_workers=True), r"^DataLoader: persistent_workers=True needs num_workers > 0"),
    (dict(num_workers=2, prefetch_factor=-1), r"^DataLoader: prefetch_factor must be an integer >= 0, got -1$"),
    (dict(multiprocessing_context="spawn"), r"^DataLoader: multiprocessing_context='spawn' needs num_workers > 0"),
])
def test_worker_options_torch_refuses_without_workers_are_refused(kwargs, message):
    with pytest.raises(ValueError):
        tdata.DataLoader(tdata.TensorDataset(torch.zeros(3)), **kwargs)
    with pytest.raises(ValueError, match=message):
        DataLoader(TensorDataset(np.zeros(3)), **kwargs)


def test_random_split_takes_numpy_float32_fractions_as_torch():
    from minigrad.data import random_split

    fractions = list(np.array([0.3, 0.7], dtype=np.float32))
    theirs = [len(s) for s in tdata.random_split(range(10), fractions)]
    ours = random_split(range(10), fractions, generator=np.random.default_rng(0))
    assert [len(s) for s in ours] == theirs == [3, 7]
    assert sorted(np.concatenate([s.indices for s in ours]).tolist()) == list(range(10))


def test_random_split_reads_a_zero_among_fractions_as_a_fraction_as_torch():
    # [0.5, 0.5, 0] adds up to 1: torch splits 10 samples 5, 5, 0; it was refused as neither counts nor fractions
    from minigrad.data import random_split

    for lengths in ([0.5, 0.5, 0], [0, 0.3, 0.7], [1, 0]):
        with pytest.warns(UserWarning):
            theirs = [len(s) for s in tdata.random_split(range(10), lengths)]
        with pytest.warns(UserWarning, match="^random_split: the split at index"):
            ours = random_split(range(10), lengths, generator=np.random.default_rng(0))
        assert [len(s) for s in ours] == theirs
        assert sorted(np.concatenate([s.indices for s in ours]).tolist()) == list(range(10))
    # counts that already add up to the dataset's length stay counts ([1, 0] of one sample)
    assert [len(s) for s in random_split(range(1), [1, 0])] == [1, 0]


def test_batch_size_none_hands_each_sampler_item_to_the_dataset_as_torch():
    # torch's bulk-loading idiom: sampler=BatchSampler(...), batch_size=None; the dataset gets each list of indices
    class Bulk:
        def __init__(self, n):
            self.x = np.arange(n, dtype=np.float32)

        def __len__(self):
            return len(self.x)

        def __getitem__(self, index):
            assert isinstance(index, list)
            return self.x[np.asarray(index)]

    ours = DataLoader(Bulk(5), batch_size=None, sampler=BatchSampler(SequentialSampler(range(5)), 2, False))
    theirs = tdata.DataLoader(Bulk(5), batch_size=None,
                              sampler=tdata.BatchSampler(tdata.SequentialSampler(range(5)), 2, False))
    expected = [[0.0, 1.0], [2.0, 3.0], [4.0]]
    assert [b.tolist() for b in theirs] == expected and len(theirs) == 3
    got = list(ours)
    assert [b.numpy().tolist() for b in got] == expected and len(ours) == 3
    assert all(b.dtype == np.float32 for b in got)


def test_normalize_is_bitwise_torchvisions_sub_then_div_in_float32():
    # torchvision: tensor.sub_(as_tensor(mean, dtype)).div_(as_tensor(std, dtype)); a multiply by a rounded 1/std
    # was one float32 ulp off in most pixels
    from minigrad.data import transforms

    x = np.random.default_rng(0).random((2, 3, 5, 5), dtype=np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    ours = transforms.Normalize(mean, std)(x)
    t = torch.from_numpy(x)
    as_channels = lambda values: torch.as_tensor(values, dtype=t.dtype)[:, None, None]
    theirs = t.sub(as_channels(mean)).div(as_channels(std))
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs.numpy())


class _PerSample:
    """torch-style: one int in, one sample out; an index array fails in int()."""

    def __init__(self, n, offset):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.float32(i), int(i) + self.offset


def test_concat_of_a_tensor_dataset_and_a_per_sample_one_reads_every_batch_as_torch():
    # The first batch lies in the TensorDataset, so an index array read it fine; later batches reach the
    # per-sample part, which the loader went on asking with index arrays (a TypeError from its int()).
    from minigrad.data import Subset

    ours = ConcatDataset([TensorDataset(np.arange(2, dtype=np.float32), np.arange(2)), _PerSample(3, 2)])
    theirs = tdata.ConcatDataset([tdata.TensorDataset(torch.arange(2.0), torch.arange(2)), _PerSample(3, 2)])
    expected = [b[1].tolist() for b in tdata.DataLoader(theirs, batch_size=1)]
    assert expected == [[0], [1], [2], [3], [4]]
    assert [b[1].numpy().tolist() for b in DataLoader(ours, batch_size=1)] == expected
    picked = [b[1].numpy().tolist() for b in DataLoader(Subset(ours, [0, 1, 4, 3]), batch_size=2)]
    assert picked == [b[1].tolist() for b in tdata.DataLoader(tdata.Subset(theirs, [0, 1, 4, 3]), batch_size=2)] \
        == [[0, 1], [4, 3]]


@pytest.mark.parametrize("yielded, claimed", [(5, 8), (7, 4)])
def test_drop_last_cuts_the_indices_the_sampler_gave_not_its_len(yielded, claimed):
    # torch batches what the sampler yields; minigrad cut at len(sampler) * batch_size: a short batch and an empty
    # one despite drop_last (5 given, 8 claimed), or a whole batch lost (7 given, 4 claimed)
    class Claims:
        def __iter__(self):
            return iter(range(yielded))

        def __len__(self):
            return claimed

    theirs = [b[0].tolist() for b in tdata.DataLoader(tdata.TensorDataset(torch.arange(10)), batch_size=2,
                                                        drop_last=True, sampler=Claims())]
    assert theirs == [[2 * k, 2 * k + 1] for k in range(yielded // 2)]
    assert _values(DataLoader(TensorDataset(np.arange(10)), batch_size=2, drop_last=True, sampler=Claims())) == theirs
    per_sample = DataLoader(TensorDataset(np.arange(10)), batch_size=2, drop_last=True, sampler=Claims(),
                            collate_fn=lambda samples: [int(s[0]) for s in samples])
    assert list(per_sample) == theirs


class _Endless:
    """torch's infinite-sampler idiom for step-counted training: no len, never ends."""

    def __iter__(self):
        k = 0
        while True:
            yield k % 5
            k += 1


class _NoLen:
    def __iter__(self):
        return iter([3, 1, 2, 0, 4])


class _NoLenBatches:
    def __iter__(self):
        return iter([[0, 1], [4]])


@pytest.mark.parametrize("options", [dict(sampler=_NoLen(), batch_size=2), dict(sampler=_NoLen(), batch_size=None),
                                     dict(sampler=_NoLen(), batch_size=2, drop_last=True),
                                     dict(sampler=_NoLen(), batch_size=2, collate_fn=lambda batch: batch),
                                     dict(batch_sampler=_NoLenBatches()), dict(sampler=_Endless(), batch_size=2),
                                     dict(sampler=_Endless(), batch_size=None),
                                     dict(batch_sampler=BatchSampler(_Endless(), 3, drop_last=False))])
def test_a_sampler_without_len_or_without_end_loads_as_torch(options):
    # torch asks a sampler's len only for len(loader); minigrad refused one without len (TypeError) and read an
    # endless one to its end first (it never returned)
    import itertools

    def values(loader):
        return [b.tolist() if hasattr(b, "tolist") else b for b in itertools.islice(loader, 4)]

    theirs = tdata.DataLoader(list(range(10, 15)), **options)
    ours = DataLoader(list(range(10, 15)), **options)
    assert values(ours) == values(theirs)
    with pytest.raises(TypeError):
        len(theirs)
    with pytest.raises(TypeError):
        len(ours)


def test_batch_sampler_reads_an_endless_sampler_as_it_yields():
    import itertools

    assert list(itertools.islice(BatchSampler(_Endless(), 2, drop_last=True), 3)) == [[0, 1], [2, 3], [4, 0]]
    assert list(BatchSampler(_NoLen(), 2, drop_last=True)) == [[3, 1], [2, 0]]


def test_a_sampler_subclass_without_len_has_a_len_that_is_a_type_error():
    # torch's Sampler has no __len__: len() is a TypeError, which tqdm and len-probing loops catch
    from minigrad.data import Sampler

    class Ours(Sampler):
        def __iter__(self):
            return iter([1, 0])

    with pytest.raises(TypeError, match="^Ours does not define __len__$"):
        len(Ours())
    loader = DataLoader(list(range(3)), sampler=Ours(), batch_size=2)
    assert [b.tolist() for b in loader] == [[1, 0]]
    with pytest.raises(TypeError):
        len(loader)
