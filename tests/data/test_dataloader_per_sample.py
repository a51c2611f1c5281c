"""DataLoader with PyTorch-style datasets (``ds[i]`` takes one int, returns one sample): the per-sample path,
``__getitems__``, the automatic decision (``batched=None``), the errors, and resuming."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from minigrad.data import ConcatDataset, DataLoader, StackDataset, Subset, TensorDataset

N = 11


def _arrays(n=N):
    x = np.arange(n, dtype=np.float32)[:, None] + np.arange(3, dtype=np.float32) * 0.5
    return x, np.arange(n, dtype=np.int64)


class ListDataset:
    """PyTorch's style: samples kept in a Python list, ``ds[i]`` for one int only; counts the calls."""

    def __init__(self, n=N, as_tensor=False):
        x, y = _arrays(n)
        self.samples = [(mg.tensor(x[i]) if as_tensor else x[i], int(y[i])) for i in range(n)]
        self.calls = []

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        self.calls.append(i)
        return self.samples[i]          # a list: an index array raises TypeError


class WithGetItems(ListDataset):
    def __init__(self, n=N):
        super().__init__(n)
        self.batches = []

    def __getitems__(self, indices):
        self.batches.append(indices)
        return [self.samples[i] for i in indices]

    def __getitem__(self, i):
        raise AssertionError("__getitems__ should have been used")


def _batches(loader):
    return [tuple(t.numpy() for t in batch) for batch in loader]


def _assert_same(a, b):
    assert len(a) == len(b)
    for fa, fb in zip(a, b):
        assert len(fa) == len(fb)
        for u, v in zip(fa, fb):
            assert u.dtype == v.dtype and u.shape == v.shape
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("shuffle, drop_last", [(False, False), (True, False), (True, True)])
def test_a_list_backed_dataset_gives_the_batches_of_an_array_backed_one(as_tensor, shuffle, drop_last):
    reference = DataLoader(TensorDataset(*_arrays()), batch_size=4, shuffle=shuffle, drop_last=drop_last, seed=5)
    dataset = ListDataset(as_tensor=as_tensor)
    loader = DataLoader(dataset, batch_size=4, shuffle=shuffle, drop_last=drop_last, seed=5)
    for _ in range(2):                                  # two epochs: the same reshuffling too
        _assert_same(_batches(loader), _batches(reference))
    assert loader._fetch == "per_sample"
    assert all(type(i) is int for i in dataset.calls)   # never asked with an index array, as torch's


def test_getitems_is_called_once_per_batch_with_a_list_of_ints():
    dataset = WithGetItems()
    loader = DataLoader(dataset, batch_size=4, shuffle=True, seed=2)
    reference = DataLoader(TensorDataset(*_arrays()), batch_size=4, shuffle=True, seed=2)
    _assert_same(_batches(loader), _batches(reference))
    assert [len(b) for b in dataset.batches] == [4, 4, 3]
    assert all(type(i) is int for b in dataset.batches for i in b)
    assert sorted(i for b in dataset.batches for i in b) == list(range(N))


def test_getitems_must_return_one_sample_per_index():
    class Short(WithGetItems):
        def __getitems__(self, indices):
            return [self.samples[i] for i in indices[:-1]]

    with pytest.raises(ValueError, match=r"Short.__getitems__ was given 4 indices and returned 3 items"):
        next(iter(DataLoader(Short(), batch_size=4)))


def test_batched_false_reads_minigrad_datasets_per_sample_with_the_same_result():
    dataset = TensorDataset(*_arrays())
    _assert_same(_batches(DataLoader(dataset, batch_size=3, shuffle=True, seed=1, batched=False)),
                 _batches(DataLoader(dataset, batch_size=3, shuffle=True, seed=1)))
    assert DataLoader(dataset)._fetch == "batched"                  # minigrad's datasets: known at once
    for made_of_them in (Subset(dataset, [3, 1, 2]), ConcatDataset([dataset, dataset]), StackDataset(dataset, dataset)):
        assert DataLoader(made_of_them)._fetch == "batched"         # and what is made of them only
    assert DataLoader(ConcatDataset([dataset, ListDataset()]))._fetch == "per_sample"
    assert DataLoader(ListDataset(), batched=True)._fetch == "batched"
    assert DataLoader(WithGetItems())._fetch == "getitems"
    assert DataLoader(ListDataset())._fetch is None                 # decided by the first batch


def test_python_numbers_become_arrays_of_the_right_kind_and_a_bare_sample_is_one_field():
    class Numbers:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return [float(i) / 2, i, i % 2 == 0, np.float64(i)]

    x, i, even, f64 = next(iter(DataLoader(Numbers(), batch_size=4, batched=False)))
    assert (x.dtype, i.dtype, even.dtype, f64.dtype) == (np.float32, np.int64, np.bool_, np.float64)
    np.testing.assert_array_equal(x.numpy(), [0, 0.5, 1, 1.5])
    np.testing.assert_array_equal(even.numpy(), [True, False, True, False])

    class Lists(Numbers):
        def __getitem__(self, i):
            return [float(i), 0.5], [i, 2 * i], [i > 0, False]

    # A list inside a sample is a sequence of fields, as in torch's default_collate: one Tensor per position.
    floats, ints, flags = next(iter(DataLoader(Lists(), batch_size=4, batched=False)))
    assert isinstance(floats, list) and [f.shape for f in floats] == [(4,), (4,)]
    assert (floats[0].dtype, ints[1].dtype, flags[0].dtype) == (np.float32, np.int64, np.bool_)
    np.testing.assert_array_equal(floats[0].numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(ints[1].numpy(), [0, 2, 4, 6])

    class Bare(Numbers):
        images = [np.full((2, 2), i, dtype=np.float32) for i in range(4)]

        def __getitem__(self, i):
            return self.images[i]

    images = next(iter(DataLoader(Bare(), batch_size=3)))    # a bare sample gives a bare Tensor, as torch's
    assert isinstance(images, mg.Tensor) and images.shape == (3, 2, 2) and images.numpy()[2, 0, 0] == 2


@pytest.mark.parametrize("error", [TypeError, IndexError, KeyError])
def test_a_dataset_that_would_refuse_an_index_array_is_never_handed_one(error):
    class Picky(ListDataset):
        def __getitem__(self, i):
            if not isinstance(i, int):
                self.calls.append("array")
                raise error("ints only")
            return super().__getitem__(i)

    dataset = Picky()
    loader = DataLoader(dataset, batch_size=5)
    assert len(list(loader)) == 3 and len(list(loader)) == 3
    assert dataset.calls.count("array") == 0 and loader._fetch == "per_sample"


def test_errors_of_the_first_batch_are_not_swallowed():
    class Broken(ListDataset):
        def __getitem__(self, i):
            raise ValueError(f"corrupt file {i!r}")

    with pytest.raises(ValueError, match=r"^corrupt file 0$") as caught:   # torch's ds[0], as it met it
        next(iter(DataLoader(Broken(), batch_size=2)))
    assert not getattr(caught.value, "__notes__", None)


def test_a_batched_read_of_the_wrong_length_is_read_per_sample_or_refused_with_batched_true():
    class Scalar(ListDataset):
        """An index array goes through NumPy but gives one value, not a batch."""

        def __getitem__(self, i):
            x, y = _arrays()
            return np.float32(x[i].mean()), y[i]

    with pytest.raises(ValueError, match=r"DataLoader: Scalar\[indices\] for a batch of 4 \(with batched=True\) "
                                         r"returned fields of lengths \[None, 4\]: the dataset looks per-sample .* "
                                         r"pass batched=False"):
        next(iter(DataLoader(Scalar(), batch_size=4, batched=True)))
    for batched in (None, False):    # not a batch: asked without batched=, the loader reads it per sample
        loader = DataLoader(Scalar(), batch_size=4, batched=batched)
        (x, y), = list(loader)[:1]
        assert x.shape == (4,) and y.shape == (4,) and loader._fetch == "per_sample"
        np.testing.assert_allclose(x.numpy(), _arrays()[0][:4].mean(axis=1))


def test_a_dataset_that_answers_an_index_array_with_another_batch_is_read_per_sample_as_torch():
    class PerSampleNormalised(ListDataset):
        """PyTorch's style, but an index array goes through too: x.mean() is then the batch's, not the sample's."""

        def __getitem__(self, i):
            self.calls.append(i)
            x, y = _arrays()
            return (x[i] - x[i].mean()) / x[i].std(), y[i]

    dataset = PerSampleNormalised()
    loader = DataLoader(dataset, batch_size=4)
    x, y = next(iter(loader))                                     # it used to be a ValueError asking for batched=
    np.testing.assert_allclose(x.numpy().mean(axis=1), 0, atol=1e-6)     # each sample normalised by itself
    np.testing.assert_array_equal(y.numpy(), [0, 1, 2, 3])
    assert dataset.calls == [0, 1, 2, 3] and loader._fetch == "per_sample"
    (xb, _), = list(DataLoader(PerSampleNormalised(n=4), batch_size=4, batched=True))
    assert abs(float(xb.numpy().mean())) < 1e-6 and not np.allclose(xb.numpy().mean(axis=1), 0)   # the batch's

    class ArraysByIndex(ListDataset):
        """Answers an index array and one int alike: per sample unless batched=True says otherwise."""

        def __getitem__(self, i):
            self.calls.append(i)
            x, y = _arrays()
            return x[i], y[i]

    reference = _batches(DataLoader(TensorDataset(*_arrays()), batch_size=4))
    for batched, kinds in ((None, [int] * N), (True, [np.ndarray] * 3)):   # 11 samples: 3 batches
        dataset = ArraysByIndex()
        loader = DataLoader(dataset, batch_size=4, batched=batched)
        _assert_same(_batches(loader), reference)
        assert [type(c) for c in dataset.calls] == kinds


class Augmented(ListDataset):
    """torchvision's habit: a random per-sample transform drawn from a seeded generator at each ``ds[i]``. An
    index array goes through too (NumPy broadcasts), drawing once for the whole batch."""

    def __init__(self, seed, n=N):
        super().__init__(n)
        self.x = _arrays(n)[0]
        self.rng = np.random.default_rng(seed)

    def __getitem__(self, i):
        self.calls.append(i)
        shift = self.rng.integers(-2, 3)                      # one draw per call
        flip = self.rng.random() < 0.5
        x = self.x[i] + np.float32(shift)
        return (x[..., ::-1] if flip else x), i


@pytest.mark.parametrize("shuffle", [False, True])
def test_an_augmenting_dataset_gives_what_a_per_sample_loop_with_the_same_seed_gives(shuffle):
    # It answers an index array too, with other values (one draw per batch): that used to be a ValueError
    # asking for batched=; now it is read as torch reads it, and no probe draws from its generator.
    loader = DataLoader(Augmented(seed=7), batch_size=4, shuffle=shuffle, seed=3)
    orders = DataLoader(TensorDataset(np.arange(N)), batch_size=4, shuffle=shuffle, seed=3)   # the same orders
    by_hand = Augmented(seed=7)
    for _epoch in range(2):                                       # the second epoch draws on, as the loop does
        order = [int(i) for (batch,) in orders for i in batch.numpy()]
        expected = [by_hand[i] for i in order]                    # torch's loop: ds[i] per index, then stacked
        got = _batches(loader)
        assert [len(x) for x, _ in got] == [4, 4, 3]
        np.testing.assert_array_equal(np.concatenate([x for x, _ in got]), np.stack([x for x, _ in expected]))
        np.testing.assert_array_equal(np.concatenate([i for _, i in got]), order)
    assert loader._fetch == "per_sample" and all(type(i) is int for i in loader.dataset.calls)


def test_samples_that_do_not_stack_give_one_clear_error():
    class Ragged(ListDataset):
        def __getitem__(self, i):
            return np.zeros(3 if i != 6 else 2, np.float32), i

    with pytest.raises(ValueError, match=r"field 0 of sample 6 has shape \(2,\) but sample 4's has shape \(3,\)"):
        list(DataLoader(Ragged(), batch_size=4, batched=False))

    class Uneven(ListDataset):
        def __getitem__(self, i):
            return (np.zeros(3), i) if i != 2 else (np.zeros(3),)

    with pytest.raises(ValueError, match=r"sample 2 has 1 fields but sample 0 has 2"):
        list(DataLoader(Uneven(), batch_size=4, batched=False))

    class Records(ListDataset):
        def __getitem__(self, i):
            if not isinstance(i, int):
                raise TypeError
            return {"x": np.zeros(3 if i != 5 else 4), "y": i}

    with pytest.raises(ValueError, match=r"DataLoader: field 'x' of sample 5 has shape \(4,\) but sample 4's has "
                                         r"shape \(3,\)"):
        list(DataLoader(Records(), batch_size=4))

    class Nothing(ListDataset):
        def __getitem__(self, i):
            return np.zeros(3), None

    with pytest.raises(TypeError, match=r"DataLoader: field 1 of sample 0 is a NoneType; a batch is made of "
                                        r"Tensors, arrays, numbers"):
        list(DataLoader(Nothing(), batch_size=4, batched=False))

    class Words(ListDataset):
        def __getitem__(self, i):
            return np.array(["word"]), i

    with pytest.raises(TypeError, match=r"field 0 of the samples holds <U4 values \(sample 0: ndarray\)"):
        list(DataLoader(Words(), batch_size=4, batched=False))


def test_batched_is_checked():
    with pytest.raises(ValueError, match="DataLoader: batched must be True, False or None, got 'yes'"):
        DataLoader(ListDataset(), batched="yes")


def test_per_sample_batches_go_to_the_device_and_never_alias_the_samples(device):
    dataset = ListDataset()
    x, y = next(iter(DataLoader(dataset, batch_size=4, device=device)))
    assert x.device == y.device == backend.normalize_device(device)
    x.data[...] = -1
    assert dataset.samples[0][0][0] == 0


def test_state_dict_and_resume_are_unchanged_by_the_per_sample_path():
    whole = DataLoader(ListDataset(), batch_size=4, shuffle=True, seed=9)
    list(whole)
    state = whole.state_dict()
    assert set(state) == {"seed", "epoch", "generator"}
    expected = _batches(whole)                          # epoch 2 of the uninterrupted run
    resumed = DataLoader(ListDataset(), batch_size=4, shuffle=True, seed=0)
    resumed.load_state_dict(state)
    _assert_same(_batches(resumed), expected)
