"""DataLoader and TensorDataset on small synthetic data."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import backend
from minigrad.data import DataLoader, TensorDataset


def _dataset(n=10, features=3):
    """x[i] = [i, i + 0.5, ...] (float32), y[i] = i (int64): every batch tells which samples it holds."""
    x = np.arange(n, dtype=np.float32)[:, None] + np.arange(features, dtype=np.float32) * 0.5
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(x, y)


def _epoch_order(loader):
    """The sample indices of one epoch, in the order the loader yielded them."""
    return np.concatenate([y.numpy() for _, y in loader])


def test_batches_in_order_with_a_partial_last_batch():
    loader = DataLoader(_dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [x.shape for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert [y.shape for _, y in batches] == [(4,), (4,), (2,)]
    np.testing.assert_array_equal(batches[2][1].numpy(), [8, 9])
    np.testing.assert_array_equal(batches[0][0].numpy()[:, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(batches[0][0].numpy()[1], [1.0, 1.5, 2.0])


def test_drop_last_drops_only_the_partial_batch():
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [y.shape for _, y in loader] == [(4,), (4,)]
    exact = DataLoader(_dataset(8), batch_size=4, drop_last=True)
    assert len(exact) == 2 and len(list(exact)) == 2
    shuffled = DataLoader(_dataset(10), batch_size=4, drop_last=True, shuffle=True, seed=3)
    order = _epoch_order(shuffled)
    assert len(order) == 8 and len(set(order.tolist())) == 8


def test_batch_larger_than_the_dataset():
    loader = DataLoader(_dataset(5), batch_size=8)
    assert len(loader) == 1 and [y.shape for _, y in loader] == [(5,)]
    assert len(DataLoader(_dataset(5), batch_size=8, drop_last=True)) == 0
    assert list(DataLoader(_dataset(5), batch_size=8, drop_last=True)) == []


def test_yields_tensors_of_the_dataset_dtypes_on_the_device(device):
    loader = DataLoader(_dataset(6), batch_size=4, device=device)
    for x, y in loader:
        assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.device == backend.normalize_device(device) == y.device
        assert not x.requires_grad and x.is_leaf


def test_device_dataset_stays_on_its_device(device):
    ds = _dataset(6).to(device)
    assert ds.device == backend.normalize_device(device)
    loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)  # device=None: keep it where it is
    batches = list(loader)
    assert all(x.device == backend.normalize_device(device) for x, _ in batches)
    order = np.concatenate([y.numpy() for _, y in batches])
    np.testing.assert_array_equal(np.sort(order), np.arange(6))
    # Each image row still matches its label after slicing on the device.
    for x, y in batches:
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy().astype(np.float32))


def test_shuffle_covers_every_index_once_and_changes_every_epoch():
    loader = DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=1)
    orders = [_epoch_order(loader) for _ in range(3)]
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(50))
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    assert not np.array_equal(orders[0], np.arange(50))
    assert loader.epoch == 3


def test_without_shuffle_every_epoch_is_in_order_and_the_generator_is_untouched():
    loader = DataLoader(_dataset(7), batch_size=3, seed=5)
    state = loader.state_dict()
    for _ in range(2):
        np.testing.assert_array_equal(_epoch_order(loader), np.arange(7))
    assert loader.state_dict()["generator"] == state["generator"]


def test_same_seed_same_orders_different_seed_different_orders():
    a = DataLoader(_dataset(40), batch_size=7, shuffle=True, seed=123)
    b = DataLoader(_dataset(40), batch_size=7, shuffle=True, seed=123)
    c = DataLoader(_dataset(40), batch_size=7, shuffle=True, seed=124)
    for _ in range(2):
        order_a, order_b, order_c = _epoch_order(a), _epoch_order(b), _epoch_order(c)
        np.testing.assert_array_equal(order_a, order_b)
        assert not np.array_equal(order_a, order_c)
    # The order is the loader generator's permutation, drawn once per epoch.
    expected = np.random.default_rng(123)
    d = DataLoader(_dataset(40), batch_size=7, shuffle=True, seed=123)
    for _ in range(2):
        np.testing.assert_array_equal(_epoch_order(d), expected.permutation(40))


def test_seed_none_follows_minigrad_manual_seed():
    mg.manual_seed(2024)
    first = _epoch_order(DataLoader(_dataset(30), batch_size=4, shuffle=True))
    mg.manual_seed(2024)
    again = _epoch_order(DataLoader(_dataset(30), batch_size=4, shuffle=True))
    mg.manual_seed(2025)
    other = _epoch_order(DataLoader(_dataset(30), batch_size=4, shuffle=True))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_seed_none_follows_a_manual_seed_made_after_the_loader_as_torch():
    # The seed was drawn when the loader was built, so seeding afterwards (a training function that calls
    # manual_seed, loaders built earlier) changed nothing and two runs shuffled differently; torch's order
    # follows its generator's state when iterated.
    orders = []
    for _ in range(2):
        mg.manual_seed(99)
        loader = DataLoader(_dataset(30), batch_size=4, shuffle=True)
        mg.randn(5)   # other draws between building and seeding
        mg.manual_seed(2024)
        orders.append((_epoch_order(loader), _epoch_order(loader), loader.seed))
    np.testing.assert_array_equal(orders[0][0], orders[1][0])
    np.testing.assert_array_equal(orders[0][1], orders[1][1])
    assert orders[0][2] == orders[1][2]
    mg.manual_seed(2024)
    assert DataLoader(_dataset(30), batch_size=4, shuffle=True).seed == orders[0][2]


def test_state_dict_of_an_unseeded_loader_before_its_first_epoch_fixes_its_orders():
    loader = DataLoader(_dataset(25), batch_size=4, shuffle=True)
    saved = loader.state_dict()
    first = _epoch_order(loader)
    resumed = DataLoader(_dataset(25), batch_size=4, shuffle=True)
    mg.manual_seed(5)
    resumed.load_state_dict(saved)   # draws nothing from minigrad's generator: a resumed run's stream stays put
    after_load = mg.randn(3).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(after_load, mg.randn(3).numpy())
    np.testing.assert_array_equal(_epoch_order(resumed), first)
    assert resumed.seed == loader.seed == saved["seed"]


def test_state_dict_round_trip_resumes_the_next_epoch_order():
    uninterrupted = DataLoader(_dataset(25), batch_size=4, shuffle=True, seed=7)
    _epoch_order(uninterrupted)
    saved = uninterrupted.state_dict()
    expected_next = [_epoch_order(uninterrupted) for _ in range(2)]

    resumed = DataLoader(_dataset(25), batch_size=4, shuffle=True, seed=99)
    resumed.load_state_dict(saved)
    assert resumed.epoch == 1 and resumed.seed == 7
    for expected in expected_next:
        np.testing.assert_array_equal(_epoch_order(resumed), expected)


def test_state_dict_is_a_snapshot_and_survives_a_checkpoint_file(tmp_path):
    loader = DataLoader(_dataset(25), batch_size=4, shuffle=True, seed=11)
    _epoch_order(loader)
    saved = loader.state_dict()
    generator_before = repr(saved["generator"])
    _epoch_order(loader)  # advancing the loader must not change what was saved
    assert repr(saved["generator"]) == generator_before

    path = tmp_path / "loader.npz"
    mg.save({"loader": saved}, path)
    restored = DataLoader(_dataset(25), batch_size=4, shuffle=True, seed=0)
    restored.load_state_dict(mg.load(path)["loader"])
    reference = np.random.default_rng(11)
    reference.permutation(25)  # epoch 1, already consumed when the state was saved
    np.testing.assert_array_equal(_epoch_order(restored), reference.permutation(25))


def test_load_state_dict_rejects_bad_states():
    loader = DataLoader(_dataset(5), batch_size=2, seed=0)
    with pytest.raises(KeyError, match="generator"):
        loader.load_state_dict({"seed": 0, "epoch": 0})
    state = loader.state_dict()
    state["generator"] = dict(state["generator"], bit_generator="MT19937")
    with pytest.raises(ValueError, match="MT19937"):
        loader.load_state_dict(state)


class _IndexRecordingDataset:
    """Records every index it is called with, to check how the loader slices batches."""

    def __init__(self, n):
        self.n = n
        self.calls = []

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.calls.append(index)
        return np.asarray(index, dtype=np.float32) * 2, np.asarray(index)


def test_each_batch_is_one_array_index_call():
    ds = _IndexRecordingDataset(23)
    loader = DataLoader(ds, batch_size=5, shuffle=True, seed=2, batched=True)
    batches = list(loader)
    calls = list(ds.calls)
    assert len(calls) == len(loader) == 5
    assert all(isinstance(i, np.ndarray) and i.dtype.kind == "i" for i in calls)
    list(loader)
    assert len(ds.calls) == 10                           # the next epoch: one array call per batch only
    for (doubled, index), called in zip(batches, calls):
        np.testing.assert_array_equal(index.numpy(), called)
        np.testing.assert_array_equal(doubled.numpy(), called.astype(np.float32) * 2)
        assert doubled.dtype == np.float32
    # Without batched=True a dataset that is not minigrad's is read as torch reads it, one int at a time, and
    # never handed an index array; the batches are the same here.
    ds = _IndexRecordingDataset(23)
    loader = DataLoader(ds, batch_size=5, shuffle=True, seed=2)
    for (doubled, index), (ours, their_index) in zip(loader, batches):
        np.testing.assert_array_equal(index.numpy(), their_index.numpy())
        np.testing.assert_array_equal(doubled.numpy(), ours.numpy())
    assert len(ds.calls) == 23 and all(type(i) is int for i in ds.calls) and loader._fetch == "per_sample"


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2**32))
def test_batch_sizes_and_coverage_for_any_sizes(n, batch_size, drop_last, shuffle, seed):
    ds = TensorDataset(np.arange(n, dtype=np.int64))
    loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last, shuffle=shuffle, seed=seed)
    sizes = [batch.shape[0] for (batch,) in loader]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert len(loader) == len(sizes)
    seen = np.concatenate([b.numpy() for (b,) in loader]) if sizes else np.array([], dtype=np.int64)
    assert len(set(seen.tolist())) == len(seen) == sum(sizes)
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_tensor_dataset_takes_tensors_and_arrays():
    x = mg.tensor(np.ones((4, 2)), requires_grad=True)
    y = np.array([3, 1, 2, 0])
    ds = TensorDataset(x, y, [0.5, 1.5, 2.5, 3.5])
    assert len(ds) == 4
    bx, by, bz = ds[np.array([3, 0])]
    assert bx.dtype == np.float32 and by.dtype == np.int64
    assert bz.dtype == np.float32  # float data follows minigrad.tensor: float32, never float64
    np.testing.assert_array_equal(by, [0, 3])
    np.testing.assert_allclose(bz, [3.5, 0.5])
    one = ds[-1]
    assert one[1] == 0 and one[0].shape == (2,)
    with pytest.raises(IndexError, match="out of range for 4"):
        ds[4]


def test_tensor_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same first dimension.*\(5, 3\).*\(4,\)"):
        TensorDataset(np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="first \\(sample\\) dimension"):
        TensorDataset(mg.tensor(1.0))


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True, "4"])   # None: no batching, as torch's
def test_invalid_batch_size_is_rejected(batch_size):
    with pytest.raises(ValueError, match=f"batch_size must be a positive integer, got {batch_size!r}"):
        DataLoader(_dataset(4), batch_size=batch_size)


@pytest.mark.parametrize("seed", [-1, 1.5, "7"])
def test_invalid_seed_is_rejected(seed):
    with pytest.raises(ValueError, match="seed"):
        DataLoader(_dataset(4), seed=seed)


def test_non_dataset_is_rejected():
    with pytest.raises(TypeError, match="int"):
        DataLoader(42)
    with pytest.raises(ValueError, match="Unknown device"):
        DataLoader(_dataset(4), device="tpu")


def test_batches_never_alias_the_dataset_storage():
    class Views:  # a dataset that hands out views of its storage
        def __init__(self):
            self.x = np.arange(12, dtype=np.float32).reshape(6, 2)

        def __len__(self):
            return 6

        def __getitem__(self, idx):
            start = int(idx[0])
            return (self.x[start:start + len(idx)],)

    ds = Views()
    (xb,) = next(iter(DataLoader(ds, batch_size=3)))
    xb.data[...] = -1.0
    np.testing.assert_array_equal(ds.x[:3], np.arange(6, dtype=np.float32).reshape(3, 2))


def test_a_dataset_on_a_gpu_gets_each_epoch_order_uploaded_once(monkeypatch):
    # No GPU needed: a dataset that says it lives on "cuda:0", and a to_device that records its calls.
    uploads = []

    def fake_to_device(array, device):
        uploads.append((device, array.copy()))
        return array

    class OnGpu:
        device = "cuda:0"

        def __init__(self):
            self.seen = []

        def __len__(self):
            return 10

        def __getitem__(self, index):
            self.seen.append(index)
            return (np.asarray(index, dtype=np.float32),)

    monkeypatch.setattr(backend, "to_device", fake_to_device)
    dataset = OnGpu()
    loader = DataLoader(dataset, batch_size=4, shuffle=True, seed=3, batched=True)
    for _epoch in range(2):
        for _ in loader:
            pass
    orders = [order for device, order in uploads if device == "cuda:0" and order.shape == (10,)]
    assert len(orders) == 2                                          # one upload per epoch
    assert sorted(orders[0]) == list(range(10)) and not np.array_equal(orders[0], orders[1])
    seen = dataset.seen
    assert [len(i) for i in seen] == [4, 4, 2, 4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(seen[:3]), orders[0])   # batches slice that order


def test_a_dataset_with_arrays_on_the_gpu_and_on_the_host_still_batches(monkeypatch):
    # ArrayDataset's device is its first array's: with that one on a GPU the epoch order is uploaded,
    # and a field still on the host must get its batch indices back on the host. No GPU needed: a
    # stand-in "device array" that, like a CuPy array, refuses to become a NumPy array implicitly.
    from minigrad.data.dataset import ArrayDataset

    class DeviceArray:
        def __init__(self, host):
            self.host = np.asarray(host)
            self.shape, self.dtype = self.host.shape, self.host.dtype

        def __len__(self):
            return len(self.host)

        def __getitem__(self, index):
            if not isinstance(index, (DeviceArray, slice)):
                raise TypeError("a device array takes device indices")
            return DeviceArray(self.host[index.host if isinstance(index, DeviceArray) else index])

        def __array__(self, *args, **kwargs):
            raise TypeError("Implicit conversion to a NumPy array is not allowed")

    real_to_device, real_device_of = backend.to_device, backend.device_of

    def fake_to_device(array, device):
        if device == "cpu":
            return array.host if isinstance(array, DeviceArray) else real_to_device(array, device)
        return array if isinstance(array, DeviceArray) else DeviceArray(array)

    monkeypatch.setattr(backend, "to_device", fake_to_device)
    monkeypatch.setattr(backend, "device_of",
                        lambda a: "cuda:0" if isinstance(a, DeviceArray) else real_device_of(a))
    x = DeviceArray(np.arange(10, dtype=np.float32) * 2)
    y = np.arange(10, dtype=np.int64)
    dataset = ArrayDataset(x, y)
    assert dataset.device == "cuda:0"
    batches = list(DataLoader(dataset, batch_size=4, shuffle=True, seed=1, device="cpu"))
    xs = np.concatenate([xb.numpy() for xb, _ in batches])
    ys = np.concatenate([yb.numpy() for _, yb in batches])
    np.testing.assert_array_equal(xs, 2 * ys)
    assert sorted(ys) == list(range(10))


def test_a_dataset_that_says_cuda_without_an_index_gets_a_canonical_device(monkeypatch):
    seen = []

    def fake_to_device(array, device):
        seen.append(device)
        return array

    class SaysCuda:
        device = "cuda"

        def __len__(self):
            return 4

        def __getitem__(self, index):
            return (np.asarray(index, dtype=np.float32),)

    monkeypatch.setattr(backend, "to_device", fake_to_device)
    assert len(list(DataLoader(SaysCuda(), batch_size=2))) == 2
    assert seen and set(seen) <= {"cuda:0", "cpu"}


def test_a_batched_dataset_that_returns_dicts_gives_dicts_of_tensors():
    class Records:
        def __len__(self):
            return 8

        def __getitem__(self, index):
            return {"x": np.zeros((len(index), 3)) + index[:, None], "y": np.ones(len(index), np.int32)}

    for batched in (None, True):
        batch = next(iter(DataLoader(Records(), batch_size=4, batched=batched)))
        assert list(batch) == ["x", "y"] and all(isinstance(v, mg.Tensor) for v in batch.values())
        assert (batch["x"].shape, batch["x"].dtype, batch["y"].dtype) == ((4, 3), np.float64, np.int32)
        np.testing.assert_array_equal(batch["x"].numpy()[:, 0], [0, 1, 2, 3])
