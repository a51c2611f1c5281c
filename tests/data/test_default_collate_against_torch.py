"""``default_collate`` and ``default_convert`` against torch.utils.data's on the same samples: nesting, keys, field
types, dtypes, shapes and values, with minigrad's two documented differences (a tuple stays a tuple, Python floats
become the default float dtype), and the errors."""
from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import default_collate, default_convert

from batch_compare import assert_same_batch

torch = pytest.importorskip("torch")
tdata = torch.utils.data

Point = namedtuple("Point", "x label")


def _samples(n=3):
    """Samples of every kind default_collate batches, inside dicts, tuples, lists and a namedtuple."""
    rng = np.random.default_rng(0)
    return [{"image": rng.standard_normal((2, 3)).astype(np.float32),
             "label": i,
             "weight": 0.25 * i,
             "flag": i % 2 == 0,
             "name": f"sample-{i}",
             "raw": bytes([i]),
             "scalar": np.int32(7 * i),
             "pair": (np.arange(2, dtype=np.int64) + i, [1.5 * i, i]),
             "point": Point(np.float64(i) / 4, i + 1)} for i in range(n)]


def _torch_version(sample):
    """The same sample with torch tensors where ours has minigrad Tensors."""
    if isinstance(sample, mg.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return {k: _torch_version(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_torch_version(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(_torch_version(v) for v in sample)
    return sample


PYTHON_FLOATS = {("weight",), ("pair", 1, 0)}


def test_nested_samples_collate_as_torchs():
    samples = _samples()
    ours, theirs = default_collate(samples), tdata.default_collate(samples)
    assert_same_batch(ours, theirs, python_floats=PYTHON_FLOATS)
    assert list(ours) == list(samples[0])                          # the keys, in the sample's order
    assert isinstance(ours["pair"], tuple) and isinstance(theirs["pair"], list)   # ours keeps the tuple
    assert isinstance(ours["pair"][1], list)
    assert type(ours["point"]) is Point
    assert ours["name"] == ["sample-0", "sample-1", "sample-2"] and ours["raw"] == [b"\x00", b"\x01", b"\x02"]
    assert ours["label"].dtype == np.int64 and ours["flag"].dtype == np.bool_ and ours["scalar"].dtype == np.int32
    assert ours["weight"].dtype == np.float32                       # minigrad's rule for Python floats
    assert all(isinstance(t, mg.Tensor) for t in (ours["image"], ours["pair"][0], ours["point"].x))


def test_tensors_are_stacked_as_torchs_and_keep_their_dtype():
    rng = np.random.default_rng(1)
    for dtype in (np.float64, np.float32, np.int64, np.uint8, np.bool_):
        arrays = [(rng.standard_normal((4, 2)) * 3).astype(dtype) for _ in range(5)]
        ours = default_collate([mg.tensor(a, dtype=a.dtype) for a in arrays])
        theirs = tdata.default_collate([torch.from_numpy(a) for a in arrays])
        assert_same_batch(ours, theirs)
        assert_same_batch(default_collate(arrays), tdata.default_collate(arrays))   # NumPy arrays too


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_arrays_and_scalars_collate_and_convert_as_torchs(dtype):
    # they were refused ("a batch field must hold numbers") and default_convert left them NumPy arrays
    arrays = [np.array([1 + 2j, 3j], dtype=dtype), np.array([-1j, 2], dtype=dtype)]
    assert_same_batch(default_collate(arrays), tdata.default_collate(arrays))
    scalars = [{"z": dtype(1 - 1j)}, {"z": dtype(2j)}]
    assert_same_batch(default_collate(scalars), tdata.default_collate(scalars))
    assert_same_batch(default_convert(arrays[0]), tdata.default_convert(arrays[0]))
    with pytest.raises(TypeError, match="found <class 'complex'>"):   # a Python complex is refused by both
        tdata.default_collate([1j, 2j])
    with pytest.raises(TypeError, match="^default_collate: sample 0 is a complex;"):
        default_collate([1j, 2j])


def test_a_batch_is_data_not_part_of_a_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([x, x * 2])
    assert not batch.requires_grad and batch.grad_fn is None
    batch.data[0, 0] = -5
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("samples, python_floats", [
    ([(1, 2.0), (3, 4.0)], {(1,)}),
    ([[1, 2], [3, 4]], ()),
    ([True, False, True], ()),
    ([1, 2.5], ()),                     # the first is an int, a later one a float: floats, as torch (float32)
    ([np.float64(0.5), np.float64(1.5)], ()),
    ([np.array(3, dtype=np.int16), np.array(4, dtype=np.int16)], ()),
    ([OrderedDict(b=1, a=np.ones(2)), OrderedDict(b=2, a=np.zeros(2))], ()),
    ([("a", b"x", 1), ("b", b"y", 2)], ()),
])
def test_small_batches_as_torchs(samples, python_floats):
    assert_same_batch(default_collate(samples), tdata.default_collate(samples), python_floats=python_floats)


def test_mapping_types_are_kept_as_torch_keeps_them():
    ordered = default_collate([OrderedDict(b=1, a=2), OrderedDict(b=3, a=4)])
    assert type(ordered) is OrderedDict and list(ordered) == ["b", "a"] and ordered["a"].tolist() == [2, 4]
    counts = default_collate([defaultdict(list, k=1), defaultdict(list, k=2)])
    theirs = tdata.default_collate([defaultdict(list, k=1), defaultdict(list, k=2)])
    assert type(counts) is type(theirs) is defaultdict and counts.default_factory is list
    assert counts["k"].tolist() == theirs["k"].tolist() == [1, 2]


def test_python_floats_follow_the_default_dtype():
    previous = mg.get_default_dtype()
    try:
        mg.set_default_dtype("float64")
        batch = default_collate([(0.5, 1), (1.5, 2)])
        assert batch[0].dtype == np.float64 and batch[0].tolist() == [0.5, 1.5]
    finally:
        mg.set_default_dtype(previous)
    assert default_collate([0.5, 1.5]).dtype == np.float32


def test_default_convert_as_torchs():
    sample = {"x": np.arange(3, dtype=np.float32), "n": 4, "f": 0.5, "s": "a", "np": np.float32(2.5),
              "words": np.array(["a", "b"]), "nested": (np.ones(2, np.int64), [np.zeros(1)]),
              "point": Point(np.zeros(2), 1)}
    ours, theirs = default_convert(sample), tdata.default_convert(sample)
    assert_same_batch({k: v for k, v in ours.items() if k != "words"},
                      {k: v for k, v in theirs.items() if k != "words"})
    assert ours["n"] == 4 and type(ours["n"]) is int and ours["f"] == 0.5 and ours["s"] == "a"   # numbers stay
    assert ours["words"] is sample["words"] and theirs["words"] is sample["words"]    # strings are not converted
    assert isinstance(ours["nested"], tuple) and isinstance(theirs["nested"], list)  # ours keeps the tuple
    assert type(ours["point"]) is Point and isinstance(ours["np"], mg.Tensor) and ours["np"].shape == ()
    x = mg.tensor([1.0])
    assert default_convert(x) is not None and default_convert(x).tolist() == [1.0]


def test_errors_name_the_sample_and_the_field():
    with pytest.raises(ValueError, match=r"^default_collate: field 'x'\[1\] of sample 2 has shape \(3,\) but sample "
                                         r"0's has shape \(2,\); samples must agree to be stacked$"):
        default_collate([{"x": (1, np.zeros(2))}, {"x": (2, np.zeros(2))}, {"x": (3, np.zeros(3))}])
    with pytest.raises(ValueError, match=r"^default_collate: sample 1 has 1 fields but sample 0 has 2"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        tdata.default_collate([(1, 2), (3,)])       # torch refuses it too
    with pytest.raises(KeyError, match=r"default_collate: sample 1 has no key 'a', but sample 0 is a dict with keys "
                                       r"\['a'\]"):
        default_collate([{"a": 1}, {"b": 2}])
    with pytest.raises(TypeError, match=r"^default_collate: field 1 of sample 0 is a NoneType; a batch is made of "
                                        r"Tensors, arrays, numbers, str/bytes"):
        default_collate([(1, None), (2, None)])
    with pytest.raises(TypeError, match=r"^default_collate: the samples hold <U1 values \(sample 0: ndarray\); a "
                                        r"batch field must hold numbers$"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        tdata.default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(ValueError, match=r"^default_collate: there are no samples to collate"):
        default_collate([])
