"""Everyday torch.utils.data code with minigrad: datasets of dicts and namedtuples through the DataLoader,
batch_size=None, collate_fn, random_split by fractions with a minigrad.Generator, Dataset + Dataset, StackDataset,
TensorDataset samples, torch's import paths; compared with torch where the result does not depend on random draws."""
from collections import namedtuple

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (ConcatDataset, DataLoader, Dataset, RandomSampler, SequentialSampler, StackDataset,
                           Subset, TensorDataset, random_split)

from batch_compare import assert_same_batch

torch = pytest.importorskip("torch")
tdata = torch.utils.data

Sample = namedtuple("Sample", "x y")
X = np.arange(30, dtype=np.float32).reshape(10, 3) / 4
Y = np.arange(10) % 3


def _records(base, tensor, indexable_by_arrays):
    """A dataset of dicts (torch's everyday kind) over ``base``; its storage is a Tensor (answers an index array
    too) or a list of per-sample Tensors (one int only)."""

    class Records(base):
        def __init__(self):
            self.x = tensor(X) if indexable_by_arrays else [tensor(row) for row in X]
            self.y = Y.tolist()

        def __len__(self):
            return len(X)

        def __getitem__(self, i):
            y = self.y[i] if isinstance(i, int) else np.asarray(self.y)[i]
            return {"x": self.x[i], "y": y, "name": f"r{i}"}

    return Records()


@pytest.mark.parametrize("by_arrays", [False, True])
@pytest.mark.parametrize("kwargs", [dict(batch_size=4), dict(batch_size=4, drop_last=True),
                                    dict(batch_size=3, sampler=[9, 0, 4, 4, 2]), dict(batch_size=10)])
def test_a_dataset_of_dicts_batches_as_torchs(by_arrays, kwargs):
    ours = _records(Dataset, mg.tensor, by_arrays)
    theirs = _records(tdata.Dataset, torch.tensor, False)
    got, expected = list(DataLoader(ours, **kwargs)), list(tdata.DataLoader(theirs, **kwargs))
    assert len(got) == len(expected) == len(DataLoader(ours, **kwargs))
    for a, b in zip(got, expected):
        assert_same_batch(a, b) if not by_arrays else assert_same_batch(
            {k: v for k, v in a.items() if k != "name"}, {k: v for k, v in b.items() if k != "name"})
        assert list(a) == ["x", "y", "name"]


def test_a_shuffled_dataset_of_dicts_keeps_every_field_of_a_sample_together():
    ours = _records(Dataset, mg.tensor, False)
    loader = DataLoader(ours, batch_size=4, shuffle=True, generator=mg.Generator().manual_seed(3))
    batches = list(loader)
    ids = [int(name[1:]) for b in batches for name in b["name"]]
    assert sorted(ids) == list(range(10)) and ids != list(range(10))
    np.testing.assert_array_equal(np.concatenate([b["x"].numpy() for b in batches]), X[ids])
    np.testing.assert_array_equal(np.concatenate([b["y"].numpy() for b in batches]), Y[ids])


def test_namedtuple_samples_give_namedtuple_batches_as_torch():
    class Points:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return Sample(np.full(2, i, np.int64), i)

    got = next(iter(DataLoader(Points(), batch_size=5)))
    assert type(got) is Sample
    assert_same_batch(got, next(iter(tdata.DataLoader(Points(), batch_size=5))))


def test_batch_size_none_yields_samples_as_torch():
    ours, theirs = _records(Dataset, mg.tensor, False), _records(tdata.Dataset, torch.tensor, False)
    for kwargs in (dict(), dict(sampler=[3, 1, 1])):
        got = list(DataLoader(ours, batch_size=None, **kwargs))
        expected = list(tdata.DataLoader(theirs, batch_size=None, **kwargs))
        assert len(got) == len(expected) == len(DataLoader(ours, batch_size=None, **kwargs))
        for a, b in zip(got, expected):
            assert_same_batch(a, b)
            assert type(a["y"]) is int and a["x"].shape == (3,)
    loader = DataLoader(ours, batch_size=None)
    assert loader.batch_size is None and len(loader) == 10
    with pytest.raises(ValueError, match="^DataLoader: batch_size=None option disables auto-batching and is mutually "
                                         "exclusive with drop_last$"):
        DataLoader(ours, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="^batch_size=None option disables auto-batching and is mutually exclusive "
                                         "with drop_last$"):
        tdata.DataLoader(theirs, batch_size=None, drop_last=True)
    assert [s["name"] for s in DataLoader(ours, batch_size=None, collate_fn=lambda s: s)][:2] == ["r0", "r1"]


def test_a_batch_never_aliases_the_samples_without_batching():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    sample = next(iter(DataLoader(TensorDataset(x), batch_size=None)))
    sample[0].data[...] = -1
    assert x[0, 0] == 0


def test_collate_fn_receives_the_list_of_samples_as_in_torch():
    seen = {"ours": [], "torch": []}

    def collate_into(key):
        def collate(samples):
            seen[key].append([(type(s).__name__, s["name"]) for s in samples])
            return samples
        return collate

    ours, theirs = _records(Dataset, mg.tensor, True), _records(tdata.Dataset, torch.tensor, False)
    list(DataLoader(ours, batch_size=4, collate_fn=collate_into("ours")))
    list(tdata.DataLoader(theirs, batch_size=4, collate_fn=collate_into("torch")))
    assert seen["ours"] == seen["torch"] and len(seen["ours"]) == 3


def test_random_split_by_fractions_with_a_minigrad_generator():
    ours = _records(Dataset, mg.tensor, False)
    theirs = _records(tdata.Dataset, torch.tensor, False)
    for fractions in ([0.8, 0.2], [0.5, 0.3, 0.2], [0.33, 0.33, 0.34], [0.25, 0.25, 0.25, 0.25]):
        parts = random_split(ours, fractions, generator=mg.Generator().manual_seed(42))
        tparts = tdata.random_split(theirs, fractions, generator=torch.Generator().manual_seed(42))
        assert [len(p) for p in parts] == [len(p) for p in tparts]
        assert sorted(i for p in parts for i in p.indices.tolist()) == list(range(10))
    with pytest.warns(UserWarning, match=r"^random_split: the split at index 2 has length 0 \(fraction 0.0 of 10 "
                                         r"samples\); it is an empty dataset$"):
        parts = random_split(ours, [0.7, 0.3, 0.0])
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        tparts = tdata.random_split(theirs, [0.7, 0.3, 0.0])
    assert [len(p) for p in parts] == [len(p) for p in tparts] == [7, 3, 0]
    again = random_split(ours, [0.8, 0.2], generator=mg.Generator().manual_seed(42))
    first = random_split(ours, [0.8, 0.2], generator=mg.Generator().manual_seed(42))
    other = random_split(ours, [0.8, 0.2], generator=mg.Generator().manual_seed(7))
    assert again[0].indices.tolist() == first[0].indices.tolist() != other[0].indices.tolist()
    train, val = first
    assert isinstance(train, Subset) and train[0]["name"] == f"r{train.indices[0]}"
    assert sum(len(b["y"]) for b in DataLoader(val, batch_size=7)) == 2


def test_a_minigrad_generator_drives_the_shuffling_and_the_samplers():
    ds = TensorDataset(np.arange(20))
    orders = [[b[0].tolist() for b in DataLoader(ds, batch_size=20, shuffle=True,
                                                 generator=mg.Generator().manual_seed(s))][0] for s in (1, 1, 2)]
    assert orders[0] == orders[1] != orders[2] and sorted(orders[0]) == list(range(20))
    picks = [list(RandomSampler(ds, generator=mg.Generator().manual_seed(5))) for _ in range(2)]
    assert picks[0] == picks[1] and sorted(picks[0]) == list(range(20))


def test_dataset_plus_dataset_is_a_concat_dataset_as_torch():
    a, b = TensorDataset(np.zeros((3, 2), np.float32)), TensorDataset(np.ones((4, 2), np.float32))
    ta, tb = tdata.TensorDataset(torch.zeros(3, 2)), tdata.TensorDataset(torch.ones(4, 2))
    joined, tjoined = a + b, ta + tb
    assert type(joined) is ConcatDataset and len(joined) == len(tjoined) == 7
    assert_same_batch(joined[5], tjoined[5])
    assert_same_batch(next(iter(DataLoader(joined, batch_size=7))), next(iter(tdata.DataLoader(tjoined, batch_size=7))))
    records = _records(Dataset, mg.tensor, True) + _records(Dataset, mg.tensor, True)
    batch = next(iter(DataLoader(records, batch_size=20)))
    assert batch["x"].shape == (20, 3) and batch["y"].tolist() == Y.tolist() * 2


def test_dataset_is_torchs_base_class():
    class Squares(Dataset[int]):       # generic, as torch's
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i * i

    assert next(iter(DataLoader(Squares(), batch_size=4))).tolist() == [0, 1, 4, 9]
    assert isinstance([1, 2], Dataset) and isinstance(np.zeros(3), Dataset) and not isinstance(3, Dataset)

    class Unfinished(Dataset):
        def __len__(self):
            return 1

    with pytest.raises(NotImplementedError, match="Unfinished must define __getitem__"):
        Unfinished()[0]


def test_stack_dataset_as_torch():
    x, y = TensorDataset(X), TensorDataset(Y)
    tx, ty = tdata.TensorDataset(torch.from_numpy(X)), tdata.TensorDataset(torch.from_numpy(Y))
    for ours, theirs in ((StackDataset(x, y), tdata.StackDataset(tx, ty)),
                         (StackDataset(a=x, b=y), tdata.StackDataset(a=tx, b=ty))):
        assert len(ours) == len(theirs) == 10
        assert_same_batch(ours[3], theirs[3])
        for a, b in zip(DataLoader(ours, batch_size=4), tdata.DataLoader(theirs, batch_size=4)):
            assert_same_batch(a, b)
    with pytest.raises(ValueError, match=r"^StackDataset: the datasets must have one length, got \{0: 10, 1: 3\}$"):
        StackDataset(x, TensorDataset(np.zeros(3)))
    with pytest.raises(ValueError, match="^StackDataset: give the datasets as positional arguments"):
        StackDataset(x, b=y)
    with pytest.raises(ValueError, match="^StackDataset: expected at least one dataset$"):
        StackDataset()


def test_tensor_dataset_samples_are_tensors_as_torchs():
    ds, tds = TensorDataset(mg.tensor(X), mg.tensor(Y)), tdata.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    x, y = ds[2]
    assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
    assert_same_batch(ds[2], tds[2])
    assert_same_batch(ds[-1], tds[-1])
    assert_same_batch(ds.tensors, tds.tensors)
    assert_same_batch(Subset(ds, [4, 1])[1], tdata.Subset(tds, [4, 1])[1])


def test_torchs_import_paths():
    from minigrad.utils.data import ChainDataset, IterableDataset, StackDataset as Stacked, get_worker_info
    from minigrad.utils.data.dataloader import DataLoader as Loader, default_collate, default_convert
    from minigrad.utils.data.dataset import Dataset as Base, random_split as split
    from minigrad.utils.data.distributed import DistributedSampler
    from minigrad.utils.data.sampler import Sampler, SequentialSampler as Sequential

    assert Loader is DataLoader and Base is Dataset and split is random_split and Stacked is StackDataset
    assert Sequential is SequentialSampler and Sampler is mg.data.Sampler and get_worker_info() is None
    assert default_collate is mg.data.default_collate and default_convert is mg.data.default_convert
    assert ChainDataset is mg.data.ChainDataset and IterableDataset is mg.data.IterableDataset
    assert mg.utils.data.DistributedSampler is DistributedSampler is mg.distributed.DistributedSampler


def test_batch_sampler_loader_reports_batch_size_none_as_torch():
    ds, tds = TensorDataset(np.arange(5)), tdata.TensorDataset(torch.arange(5))
    loader = DataLoader(ds, batch_sampler=[[0, 1], [4]])
    tloader = tdata.DataLoader(tds, batch_sampler=[[0, 1], [4]])
    assert loader.batch_size is tloader.batch_size is None and len(loader) == len(tloader) == 2
    for a, b in zip(loader, tloader):
        assert_same_batch(a, b)


def test_every_tensor_of_a_structured_batch_goes_to_the_device(device):
    from minigrad import backend

    ours = _records(Dataset, mg.tensor, False)
    for kwargs in (dict(batch_size=4), dict(batch_size=None)):
        batch = next(iter(DataLoader(ours, device=device, **kwargs)))
        assert batch["x"].device == backend.normalize_device(device)
        assert kwargs["batch_size"] is None or batch["y"].device == backend.normalize_device(device)


def test_errors_through_a_batch_sampler_name_the_dataset_indices():
    class Ragged:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.zeros(2 if i != 4 else 3)

    with pytest.raises(ValueError, match=r"^DataLoader: sample 4 has shape \(3,\) but sample 5's has shape \(2,\); "
                                         r"samples must agree to be stacked$"):
        list(DataLoader(Ragged(), batch_sampler=[[0, 1], [5, 4]]))


def test_distributed_sampler_loads_on_first_access_in_a_fresh_process():
    # In this process another test may have imported the submodule already; a fresh one asks __getattr__ first.
    import subprocess
    import sys
    code = ("import minigrad as mg; s = mg.utils.data.DistributedSampler; d = mg.utils.data.distributed; "
            "print(s.__name__, d.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["DistributedSampler", "minigrad.utils.data.distributed"]


def test_dataloader_takes_torchs_arguments_in_torchs_order():
    import inspect
    ours = inspect.signature(DataLoader).parameters
    theirs = inspect.signature(torch.utils.data.DataLoader).parameters
    own = ["seed", "device", "batched"]   # minigrad's, keyword-only, after torch's
    assert list(ours) == list(theirs) + own
    assert all(ours[name].kind == inspect.Parameter.KEYWORD_ONLY for name in own)
    assert {k: ours[k].default for k in theirs} == {k: v.default for k, v in theirs.items()}
    # torch code passing the sampler, the collate_fn or drop_last by position means the same here
    data = [np.float64(i) for i in range(10)]
    order = [7, 1, 4, 0, 9, 3, 2]
    ours = [b.numpy().tolist() for b in DataLoader(data, 3, False, order, None, 0, None, False, True)]
    theirs = [b.tolist() for b in torch.utils.data.DataLoader(data, 3, False, order, None, 0, None, False, True)]
    assert ours == theirs == [[7.0, 1.0, 4.0], [0.0, 9.0, 3.0]]
