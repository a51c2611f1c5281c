"""DataLoader.sampler, .batch_sampler and .collate_fn are always set, as torch's: the given ones, or the defaults torch
makes."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import data as mg_data
from minigrad.data import DataLoader, IterableDataset, TensorDataset

torch = pytest.importorskip("torch")
tdata = torch.utils.data

X = np.arange(14, dtype=np.float32).reshape(7, 2)


def _pair(**kwargs):
    """The same loader over the same 7 samples, in minigrad and in torch; samplers named by class in kwargs."""
    def make(lib, data):
        options = {k: (getattr(lib, v[0])(*v[1:]) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
        if "batch_sampler" in options:
            options["batch_sampler"] = lib.BatchSampler(lib.SequentialSampler(range(7)), 3, False)
        return (DataLoader if lib is mg_data else tdata.DataLoader)(data, **options)
    return make(mg_data, TensorDataset(mg.tensor(X))), make(tdata, tdata.TensorDataset(torch.tensor(X)))


def _describe(loader):
    s, b = loader.sampler, loader.batch_sampler
    described = [type(s).__name__, len(s), loader.batch_size, loader.drop_last]
    if type(s).__name__ == "SequentialSampler":
        described.append(list(s))
    if b is None:
        return described + [None]
    described += [type(b).__name__, b.batch_size, b.drop_last, b.sampler is s, len(b)]
    if type(s).__name__ == "SequentialSampler":
        described.append([list(map(int, batch)) for batch in b])
    return described


CASES = [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=3, shuffle=True),
         dict(batch_size=None), dict(batch_size=None, shuffle=True), dict(batch_sampler=True),
         dict(batch_size=2, sampler=("SequentialSampler", range(5)))]


@pytest.mark.parametrize("kwargs", CASES, ids=[str(c) for c in CASES])
def test_sampler_and_batch_sampler_are_torchs(kwargs):
    ours, theirs = _pair(**kwargs)
    assert _describe(ours) == _describe(theirs)


def test_a_given_sampler_and_batch_sampler_are_kept():
    sampler = mg_data.SequentialSampler(range(7))
    loader = DataLoader(TensorDataset(mg.tensor(X)), batch_size=2, sampler=sampler)
    assert loader.sampler is sampler and loader.batch_sampler.sampler is sampler
    batches = mg_data.BatchSampler(sampler, 4, True)
    loader = DataLoader(TensorDataset(mg.tensor(X)), batch_sampler=batches)
    assert loader.batch_sampler is batches and type(loader.sampler).__name__ == "SequentialSampler"


def test_the_default_random_sampler_draws_from_the_loaders_generator():
    loader = DataLoader(TensorDataset(mg.tensor(X)), batch_size=3, shuffle=True, seed=5)
    assert loader.sampler.generator is loader.generator
    assert sorted(loader.sampler) == list(range(7))


def test_the_samplers_are_not_set_after_construction_as_in_torch():
    for lib, loader in zip(("minigrad", "torch"), _pair(batch_size=2)):
        for name in ("sampler", "batch_sampler"):
            with pytest.raises(ValueError, match=f"{name} attribute should not be set after DataLoader is "
                                                 "initialized"):
                setattr(loader, name, None)


def test_the_default_samplers_leave_the_fast_path_and_its_order(monkeypatch):
    # The batches still come from the loader's own order (one permutation per epoch from its seed), never
    # through the default samplers.
    def refuse(self):
        raise AssertionError("a default sampler was read")

    monkeypatch.setattr(mg_data.SequentialSampler, "indices", refuse)
    monkeypatch.setattr(mg_data.RandomSampler, "indices", refuse)
    for shuffle in (False, True):
        loader = DataLoader(TensorDataset(mg.tensor(X)), batch_size=3, shuffle=shuffle, seed=11)
        assert loader.sampler is not None and loader.batch_sampler is not None
        got = np.concatenate([b[0].numpy() for b in loader])
        order = np.random.default_rng(11).permutation(7) if shuffle else np.arange(7)
        np.testing.assert_array_equal(got, X[order])


def test_a_stream_has_torchs_infinite_sampler():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(X)

    class TorchStream(tdata.IterableDataset):
        def __iter__(self):
            return iter(X)

    ours, theirs = DataLoader(Stream(), batch_size=2), tdata.DataLoader(TorchStream(), batch_size=2)
    assert type(ours.sampler).__name__ == type(theirs.sampler).__name__ == "_InfiniteConstantSampler"
    assert [next(iter(ours.sampler)), type(ours.batch_sampler).__name__] == \
        [next(iter(theirs.sampler)), type(theirs.batch_sampler).__name__]
    assert sum(len(b[0]) if isinstance(b, (list, tuple)) else len(b) for b in ours) == 7


@pytest.mark.parametrize("batch_size, default", [(3, "default_collate"), (None, "default_convert")])
def test_collate_fn_is_torchs_default_when_none_is_given(batch_size, default):
    # it was None, so torch code that reuses loader.collate_fn (for samples read by hand) called None
    ours, theirs = _pair(batch_size=batch_size)
    assert theirs.collate_fn is getattr(tdata, default)
    assert ours.collate_fn is getattr(mg_data, default)
    if batch_size:   # a batch collated by hand, as the loader collates its batches
        by_hand = ours.collate_fn([(mg.tensor(X[0]),), (mg.tensor(X[1]),)])[0]
        expected = X[:2]
    else:            # one sample converted: its arrays made Tensors
        by_hand = ours.collate_fn((X[0],))[0]
        expected = X[0]
    assert isinstance(by_hand, mg.Tensor)
    np.testing.assert_array_equal(by_hand.numpy(), expected)


def test_collate_fn_given_or_set_later_is_the_one_used():
    pick_first = lambda samples: samples[0]  # noqa: E731
    loader = DataLoader(TensorDataset(mg.tensor(X)), batch_size=3, collate_fn=pick_first)
    assert loader.collate_fn is pick_first
    loader.collate_fn = lambda samples: len(samples)
    assert list(loader) == [3, 3, 1]
    with pytest.raises(TypeError, match="^DataLoader: collate_fn must be callable, got int$"):
        loader.collate_fn = 3
