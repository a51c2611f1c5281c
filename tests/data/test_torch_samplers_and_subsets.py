"""Samplers, Subset, ConcatDataset, random_split and the DataLoader's torch arguments (batch_sampler, collate_fn,
the worker options), compared with torch.utils.data where the result does not depend on the random draws."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (BatchSampler, ConcatDataset, DataLoader, RandomSampler, SequentialSampler, Subset,
                           SubsetRandomSampler, TensorDataset, WeightedRandomSampler, random_split)

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def _pair(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n)
    return TensorDataset(mg.tensor(x), mg.tensor(y)), tdata.TensorDataset(torch.tensor(x), torch.tensor(y))


class PerSample:
    """A PyTorch-style dataset: one int in, one sample out."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not isinstance(i, int):
            raise TypeError("one int")
        return np.full(2, i, dtype=np.float32), i


def test_subset_reads_the_given_indices_in_order_as_torch():
    ours, theirs = _pair()
    sub, tsub = Subset(ours, [7, 2, 2, -1]), tdata.Subset(theirs, [7, 2, 2, -1])
    assert len(sub) == len(tsub) == 4
    for i in range(4):
        assert sub[i][1].tolist() == tsub[i][1].tolist()
    assert [b[1].tolist() for b in DataLoader(sub, batch_size=3)] == [[7, 2, 2], [9]]
    with pytest.raises(IndexError, match="^Subset: an index is out of range for a dataset of 10 samples$"):
        Subset(ours, [10])


def test_subset_keeps_its_indices_as_given_as_torch():
    # .indices used to come back as an int64 NumPy array whatever was given (a list no longer JSON-serializable).
    ours, theirs = _pair()
    for given, tgiven in (([3, 1, 4], [3, 1, 4]), (np.array([3, 1, 4]), np.array([3, 1, 4])),
                          (mg.tensor([3, 1, 4]), torch.tensor([3, 1, 4]))):
        sub, tsub = Subset(ours, given), tdata.Subset(theirs, tgiven)
        assert sub.indices is given and tsub.indices is tgiven
        assert len(sub) == len(tsub) == 3
        assert [sub[i][1].item() for i in (0, 1, 2, -1)] == [tsub[i][1].item() for i in (0, 1, 2, -1)] == [3, 1, 4, 4]
        assert sub[[2, 0]][1].tolist() == [4, 3]
    sub.indices = [9, 8]
    assert sub.indices == [9, 8] and len(sub) == 2 and sub[1][1].item() == 8
    with pytest.raises(IndexError, match="^Subset: an index is out of range for a dataset of 10 samples$"):
        sub.indices = [10]


def test_concat_dataset_batches_across_its_parts():
    a, _ = _pair(4)
    b = PerSample(3)
    cat = ConcatDataset([a, Subset(a, [3, 2])])
    assert len(cat) == 6 and cat.cumulative_sizes == [4, 6]
    assert cat[5][1] == 2 and cat[-1][1] == 2
    assert [batch[1].tolist() for batch in DataLoader(cat, batch_size=4)] == [[0, 1, 2, 3], [3, 2]]
    order = [5, 0, 4, 1]
    assert next(iter(DataLoader(cat, batch_size=4, sampler=order)))[1].tolist() == [2, 0, 3, 1]
    mixed = ConcatDataset([PerSample(2), b])
    assert [batch[1].tolist() for batch in DataLoader(mixed, batch_size=5)] == [[0, 1, 0, 1, 2]]
    with pytest.raises(IndexError, match="^ConcatDataset: index 6 is out of range for 6 samples$"):
        cat[6]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.34, 0.33, 0.33], [10, 0]])
def test_random_split_sizes_as_torch_and_disjoint(lengths):
    ours, theirs = _pair()
    parts = random_split(ours, lengths, generator=np.random.default_rng(0))
    tparts = tdata.random_split(theirs, lengths)
    assert [len(p) for p in parts] == [len(p) for p in tparts]
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen.tolist()) == list(range(10))


def test_random_split_refuses_lengths_that_do_not_add_up():
    ours, _ = _pair()
    with pytest.raises(ValueError, match=r"^random_split: the lengths \[3, 3\] must be counts >= 0 that add up to "
                                         r"the dataset's 10 samples"):
        random_split(ours, [3, 3])


def test_samplers_give_what_torchs_give_where_it_is_not_random():
    ours, theirs = _pair()
    assert list(SequentialSampler(ours)) == list(tdata.SequentialSampler(theirs))
    for drop_last in (False, True):
        assert (list(BatchSampler(SequentialSampler(ours), 4, drop_last))
                == list(tdata.BatchSampler(tdata.SequentialSampler(theirs), 4, drop_last)))
        assert len(BatchSampler(range(10), 4, drop_last)) == len(tdata.BatchSampler(range(10), 4, drop_last))
    for kwargs in (dict(), dict(replacement=True), dict(num_samples=25), dict(replacement=True, num_samples=3)):
        assert len(RandomSampler(ours, **kwargs)) == len(tdata.RandomSampler(theirs, **kwargs))


def test_random_samplers_are_permutations_and_follow_the_seed():
    ours, _ = _pair()
    mg.manual_seed(3)
    first = list(RandomSampler(ours))
    mg.manual_seed(3)
    assert list(RandomSampler(ours)) == first and sorted(first) == list(range(10))
    many = RandomSampler(ours, num_samples=25, generator=np.random.default_rng(1)).indices()
    assert len(many) == 25 and sorted(many[:10].tolist()) == sorted(many[10:20].tolist()) == list(range(10))
    assert len(set(many[20:].tolist())) == 5
    picks = SubsetRandomSampler([4, 8, 1], generator=np.random.default_rng(0)).indices()
    assert sorted(picks.tolist()) == [1, 4, 8]


def test_weighted_sampler_draws_by_weight():
    counts = np.bincount(WeightedRandomSampler([1.0, 3.0, 0.0], 40000, generator=np.random.default_rng(0))
                         .indices(), minlength=3)
    assert counts[2] == 0 and abs(counts[1] / 40000 - 0.75) < 0.01   # binomial sd 0.0022
    unique = WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], 3, replacement=False).indices()
    assert sorted(unique.tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="^WeightedRandomSampler: cannot draw 4 samples without replacement from 3"):
        WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], 4, replacement=False)
    with pytest.raises(ValueError, match="^WeightedRandomSampler: weights must be a 1-D sequence of finite numbers"):
        WeightedRandomSampler([1.0, -1.0], 2)


def test_weighted_sampler_refuses_a_replacement_that_is_not_a_bool_as_torch():
    # replacement=0 was read as False without a word; torch refuses it
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        tdata.WeightedRandomSampler([1.0, 1.0], 2, replacement=0)
    with pytest.raises(ValueError, match=r"^WeightedRandomSampler: replacement must be True or False, got 0$"):
        WeightedRandomSampler([1.0, 1.0], 2, replacement=0)
    assert WeightedRandomSampler([1.0, 1.0], 2, replacement=np.bool_(False)).replacement is False


def test_dataloader_takes_a_batch_sampler_and_a_collate_fn_as_torch():
    ours, theirs = _pair()
    batches = BatchSampler(SequentialSampler(ours), 3, drop_last=True)
    got = [b[1].tolist() for b in DataLoader(ours, batch_sampler=batches)]
    expected = [b[1].tolist() for b in tdata.DataLoader(theirs, batch_sampler=tdata.BatchSampler(
        tdata.SequentialSampler(theirs), 3, drop_last=True))]
    assert got == expected and len(DataLoader(ours, batch_sampler=batches)) == 3

    def collate(samples):   # a custom collate_fn sees the samples and its result is yielded as it is
        return {"n": len(samples), "labels": [int(s[1]) for s in samples]}
    assert list(DataLoader(PerSample(5), batch_size=2, collate_fn=collate)) == [
        {"n": 2, "labels": [0, 1]}, {"n": 2, "labels": [2, 3]}, {"n": 1, "labels": [4]}]
    with pytest.raises(ValueError, match="^DataLoader: batch_sampler is mutually exclusive with batch_size"):
        DataLoader(ours, batch_size=4, batch_sampler=batches)


def test_dataloader_accepts_torchs_worker_options_and_reads_in_process():
    ours, _ = _pair()
    loader = DataLoader(ours, batch_size=4, num_workers=2, pin_memory=True, persistent_workers=True,
                        prefetch_factor=2, timeout=0)
    assert loader.num_workers == 2 and [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    with pytest.raises(ValueError, match="^DataLoader: num_workers must be an integer >= 0, got -1$"):
        DataLoader(ours, num_workers=-1)
    with pytest.raises(ValueError, match="^DataLoader: prefetch_factor is for worker processes"):
        DataLoader(ours, prefetch_factor=2)
    shuffled = DataLoader(ours, batch_size=10, shuffle=True, generator=np.random.default_rng(5))
    again = DataLoader(ours, batch_size=10, shuffle=True, generator=np.random.default_rng(5))
    assert next(iter(shuffled))[1].tolist() == next(iter(again))[1].tolist()


@pytest.mark.parametrize("kwargs", [{}, {"num_workers": 2}, {"num_workers": 3, "prefetch_factor": 4, "persistent_workers": True,
                                                "timeout": 2.5, "pin_memory": True, "worker_init_fn": print,
                                                "pin_memory_device": "cuda", "in_order": False}])
def test_dataloader_keeps_the_worker_options_as_attributes_as_torch(kwargs):
    # They were checked and dropped: loader.pin_memory, .timeout, .prefetch_factor, ... raised AttributeError, where
    # torch's hold them (prefetch_factor 2 by default with workers), for code that reads them back or rebuilds a
    # loader from its attributes.
    ours, theirs = _pair()
    loader, torch_loader = DataLoader(ours, **kwargs), tdata.DataLoader(theirs, **kwargs)
    for name in ("num_workers", "pin_memory", "timeout", "worker_init_fn", "multiprocessing_context",
                 "prefetch_factor", "persistent_workers", "pin_memory_device", "in_order"):
        assert getattr(loader, name) == getattr(torch_loader, name), name


def test_a_subset_of_a_dataset_without_len_as_torch():
    # torch's Subset needs only the dataset's __getitem__; minigrad's asked len(dataset) to check the indices and
    # refused it with "object of type 'Items' has no len()". Indices are then not checked, as torch's.
    class Items:
        def __getitem__(self, i):
            return i * 10

    ours, theirs = Subset(Items(), [3, 1]), tdata.Subset(Items(), [3, 1])
    assert len(ours) == len(theirs) == 2 and (ours[0], ours[1]) == (theirs[0], theirs[1]) == (30, 10)
    assert [b.tolist() for b in DataLoader(ours, batch_size=2)] == [b.tolist() for b in
                                                                     tdata.DataLoader(theirs, batch_size=2)]


@pytest.mark.parametrize("kwargs", [dict(sampler=[3, 1, 2], batch_size=2), dict(batch_sampler=[[3, 1], [2]]),
                                    dict(sampler=[3, 1], batch_size=None)])
def test_a_dataset_without_len_is_read_through_a_sampler_as_torch(kwargs):
    # torch's DataLoader asks a map-style dataset's len only for its default sampler; minigrad's refused a dataset
    # without one up front ("dataset must support len() and indexing") even when a sampler gave the indices.
    class Items:
        def __getitem__(self, i):
            return i * 10

    ours = [b if isinstance(b, int) else b.tolist() for b in DataLoader(Items(), **kwargs)]
    assert ours == [b if isinstance(b, int) else b.tolist() for b in tdata.DataLoader(Items(), **kwargs)]
    with pytest.raises(TypeError, match="must support len"):   # the default sampler needs the len
        DataLoader(Items(), batch_size=2)


@pytest.mark.parametrize("kwargs", [dict(sampler=["a", "b", "c"], batch_size=2),
                                    dict(sampler=["a", "b", "c"], batch_size=2, drop_last=True),
                                    dict(batch_sampler=[["a", "b"], ["c"]]),
                                    dict(sampler=[(0, 1), (2, 3), (4, 5)], batch_size=2)])
def test_a_sampler_of_keys_that_are_not_numbers_reads_a_keyed_dataset_as_torch(kwargs):
    # torch's map-style dataset maps "possibly non-integral indices/keys" to samples: a dict read through a
    # sampler of its keys. minigrad refused the keys as non-integer indices ("the sampler gave <U1 indices",
    # "batch_sampler must yield lists of indices").
    keys = ["a", "b", "c"] if "sampler" not in kwargs or isinstance(kwargs["sampler"][0], str) else kwargs["sampler"]
    keys = keys if "batch_sampler" not in kwargs else ["a", "b", "c"]
    dataset = {key: float(k) for k, key in enumerate(keys)}
    ours = [b.tolist() for b in DataLoader(dataset, **kwargs)]
    assert ours == [b.tolist() for b in tdata.DataLoader(dataset, **kwargs)]
    assert list(BatchSampler(keys, 2, False)) == list(tdata.BatchSampler(keys, 2, False))


@pytest.mark.parametrize("name", ["Dataset", "IterableDataset", "Sampler", "Subset", "ConcatDataset", "StackDataset",
                                  "ChainDataset"])
def test_the_generic_classes_take_a_type_parameter_as_torchs(name):
    # torch's typed idioms, class MySampler(Sampler[int]) and class Stream(IterableDataset[dict]), raised TypeError
    # ("type 'Sampler' is not subscriptable") at the class statement
    import minigrad.data as ours
    getattr(tdata, name)[int]
    getattr(ours, name)[int]


def test_a_typed_sampler_and_stream_subclass_as_torch():
    import minigrad.data as ours
    from minigrad.utils.data.distributed import DistributedSampler

    class Reversed(ours.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    class Stream(ours.IterableDataset[int]):
        def __iter__(self):
            return iter(range(5))

    assert [b.tolist() for b in DataLoader(list(range(10, 15)), batch_size=2, sampler=Reversed(5))] == [
        [14, 13], [12, 11], [10]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert not isinstance([1], ours.IterableDataset) and isinstance(Stream(), ours.Dataset)
    DistributedSampler[int]   # noqa: B018 (torch's is generic too)


def test_concat_dataset_cumsum_as_torchs():
    # torch's static ConcatDataset.cumsum, which subclasses call, was missing (AttributeError)
    for parts in ([[1, 2], [3]], [], [[], [1], []]):
        assert ConcatDataset.cumsum(parts) == tdata.ConcatDataset.cumsum(parts)
    assert ConcatDataset([[1, 2], [3]]).cumulative_sizes == [2, 3]


def test_a_0d_integer_tensor_index_reads_one_sample_of_a_tensor_dataset_as_torch():
    # torch's idiom ds[torch.randint(len(ds), ())]: minigrad's TensorDataset read the 0-d index as a batch index and
    # gave raw NumPy values, (ndarray (2,), np.int64), where torch gives the sample as Tensors
    ours, theirs = _pair(5)
    for index, torch_index in ((mg.tensor(2), torch.tensor(2)), (np.array(-1), torch.tensor(-1))):
        sample, torch_sample = ours[index], theirs[torch_index]
        assert all(isinstance(field, mg.Tensor) for field in sample)
        assert [f.tolist() for f in sample] == [f.tolist() for f in torch_sample]
        assert [f.shape for f in sample] == [tuple(f.shape) for f in torch_sample]
    with pytest.raises(IndexError, match="TensorDataset index 7 is out of range for 5 samples"):
        ours[mg.tensor(7)]


def test_a_0d_integer_tensor_index_reads_one_sample_of_a_concat_dataset_as_torch():
    # it failed inside NumPy: "Calling nonzero on 0d arrays is not allowed"
    parts = [list(range(10, 13)), list(range(20, 25))]
    ours, theirs = ConcatDataset(parts), tdata.ConcatDataset(parts)
    for index, torch_index in ((mg.tensor(4), torch.tensor(4)), (np.array(-1), np.array(-1))):
        assert ours[index] == theirs[torch_index]


def test_torch_utils_data_path():
    from minigrad.utils.data import DataLoader as Loader, TensorDataset as Tensors
    assert Loader is DataLoader and Tensors is TensorDataset and mg.utils.data.random_split is random_split
