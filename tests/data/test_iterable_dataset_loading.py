"""IterableDataset, ChainDataset and get_worker_info, and the DataLoader reading streams, against torch.utils.data:
the same batches, lengths and errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import ChainDataset, ConcatDataset, DataLoader, IterableDataset, TensorDataset, get_worker_info

from batch_compare import assert_same_batch

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def _stream_class(base, tensor, n=10, with_len=False):
    """A stream of ``n`` samples (an (x, y) pair, x = [i, 2i]) over ``base`` (ours or torch's IterableDataset)."""

    class Stream(base):
        def __init__(self):
            self.epochs = 0

        def __iter__(self):
            self.epochs += 1
            for i in range(n):
                yield tensor([i, 2 * i]), i

    if with_len:
        Stream.__len__ = lambda self: n
    return Stream


def _pair(n=10, with_len=False):
    return (_stream_class(IterableDataset, mg.tensor, n, with_len)(),
            _stream_class(tdata.IterableDataset, torch.tensor, n, with_len)())


@pytest.mark.parametrize("batch_size, drop_last", [(4, False), (4, True), (5, False), (5, True), (1, False),
                                                   (12, False), (12, True)])
def test_batches_of_a_stream_are_torchs(batch_size, drop_last):
    ours, theirs = _pair()
    got = list(DataLoader(ours, batch_size=batch_size, drop_last=drop_last))
    expected = list(tdata.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert_same_batch(a, b)
    assert all(isinstance(b, tuple) for b in got)


def test_each_epoch_reads_the_stream_again():
    ours, _ = _pair()
    loader = DataLoader(ours, batch_size=3)
    first, second = [b[1].tolist() for b in loader], [b[1].tolist() for b in loader]
    assert first == second == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert ours.epochs == 2 and loader.epoch == 2


def test_a_stream_of_dicts_and_a_collate_fn_as_torch():
    class Records(IterableDataset):
        def __iter__(self):
            for i in range(5):
                yield {"x": np.full(3, i, np.float32), "name": str(i)}

    class TorchRecords(tdata.IterableDataset):
        __iter__ = Records.__iter__

    for a, b in zip(DataLoader(Records(), batch_size=2), tdata.DataLoader(TorchRecords(), batch_size=2)):
        assert_same_batch(a, b)
    seen = []

    def collate(samples):        # a collate_fn gets the list of samples; its result is yielded as it is
        seen.append(samples)
        return len(samples)

    assert list(DataLoader(Records(), batch_size=2, collate_fn=collate)) == [2, 2, 1]
    assert [[s["name"] for s in batch] for batch in seen] == [["0", "1"], ["2", "3"], ["4"]]


def test_batch_size_none_yields_each_sample_converted_as_torch():
    ours, theirs = _pair(4)
    got, expected = list(DataLoader(ours, batch_size=None)), list(tdata.DataLoader(theirs, batch_size=None))
    assert len(got) == len(expected) == 4
    for a, b in zip(got, expected):
        assert_same_batch(a, b)
        assert type(a[1]) is int       # a number stays a number, as torch's default_convert leaves it
    assert list(DataLoader(ours, batch_size=None, collate_fn=lambda s: s[1])) == [0, 1, 2, 3]


def test_shuffle_sampler_and_batch_sampler_are_refused_as_torch_refuses_them():
    ours, theirs = _pair()
    for name, value in (("shuffle", True), ("sampler", [0, 1]), ("batch_sampler", [[0, 1]])):
        message = (f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                   f"{name}={value!r}")
        with pytest.raises(ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
            DataLoader(ours, **{name: value})
        with pytest.raises(ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]") + "$"):
            tdata.DataLoader(theirs, **{name: value})
    assert len(list(DataLoader(ours, shuffle=False, batch_size=5))) == 2     # shuffle=False is "unspecified"


def test_len_of_a_stream_loader_is_torchs():
    ours, theirs = _pair()
    with pytest.raises(TypeError, match=r"^object of type 'Stream' has no len\(\)$"):
        len(DataLoader(ours, batch_size=3))
    with pytest.raises(TypeError, match=r"^object of type 'Stream' has no len\(\)$"):
        len(tdata.DataLoader(theirs, batch_size=3))
    ours, theirs = _pair(with_len=True)
    for kwargs in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=5), dict(batch_size=None)):
        assert len(DataLoader(ours, **kwargs)) == len(tdata.DataLoader(theirs, **kwargs)), kwargs
    assert [len(DataLoader(ours, batch_size=b)) for b in (3, 5, None)] == [4, 2, 10]


def test_chain_dataset_reads_its_streams_in_turn_as_torch():
    (a, ta), (b, tb) = _pair(3), _pair(4)
    chained, tchained = ChainDataset([a, b]), tdata.ChainDataset([ta, tb])
    got, expected = list(DataLoader(chained, batch_size=3)), list(tdata.DataLoader(tchained, batch_size=3))
    assert len(got) == len(expected) == 3
    for x, y in zip(got, expected):
        assert_same_batch(x, y)
    added = a + b
    assert type(added) is ChainDataset and [s[1] for s in added] == [0, 1, 2, 0, 1, 2, 3]
    with pytest.raises(TypeError, match=r"^object of type 'Stream' has no len\(\)$"):
        len(chained)
    (c, tc), (d, td) = _pair(3, with_len=True), _pair(4, with_len=True)
    assert len(ChainDataset([c, d])) == len(tdata.ChainDataset([tc, td])) == 7
    with pytest.raises(TypeError, match=r"^ChainDataset: dataset 1 is a TensorDataset, not an IterableDataset"):
        ChainDataset([c, TensorDataset(np.zeros(3))])
    with pytest.raises(TypeError, match=r"^ConcatDataset: dataset 0 is a Stream, an IterableDataset; ChainDataset "
                                        r"joins streams$"):
        ConcatDataset([c, TensorDataset(np.zeros(3))])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        tdata.ConcatDataset([tc, tdata.TensorDataset(torch.zeros(3))])


def test_a_stream_is_a_dataset_without_indexing():
    ours, _ = _pair()
    assert isinstance(ours, mg.data.Dataset) and isinstance(ours, IterableDataset)
    with pytest.raises(TypeError, match=r"^Stream is an IterableDataset: iterate over it, it has no ds\[0\]$"):
        ours[0]

    class NoIter(IterableDataset):
        pass

    with pytest.raises(NotImplementedError, match="NoIter must define __iter__"):
        list(DataLoader(NoIter(), batch_size=2))


def test_get_worker_info_is_none_here_as_in_torchs_main_process_and_workers_read_nothing_twice():
    assert get_worker_info() is None and tdata.get_worker_info() is None

    class Sharded(IterableDataset):
        """The usual torch idiom: each worker reads its share, or everything when there is no worker."""

        def __iter__(self):
            info = get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, 10, step))

    for workers in (0, 2):
        loader = DataLoader(Sharded(), batch_size=4, num_workers=workers)
        assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_errors_in_a_stream_name_the_sample_by_its_place_in_the_stream():
    class Ragged(IterableDataset):
        def __iter__(self):
            for i in range(8):
                yield np.zeros(2 if i != 6 else 3), i

    with pytest.raises(ValueError, match=r"^DataLoader: field 0 of sample 6 has shape \(3,\) but sample 4's has "
                                         r"shape \(2,\)"):
        list(DataLoader(Ragged(), batch_size=4))
