"""minigrad.FloatTensor, LongTensor, ... (torch's legacy typed constructors) against torch's."""
import numpy as np
import pytest
import torch

import minigrad as mg

TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("data", [[1.7, -2.2, 0.0], [[1, 0], [3, 4]], np.array([2.5, -0.5, 3.0]),
                                  np.arange(6, dtype=np.int32).reshape(2, 3), [True, False]])
def test_data_is_cast_to_the_types_dtype_as_torch(name, data):
    if name == "ByteTensor":   # a negative float into uint8 is undefined in C; each library wraps its own way
        data = np.abs(np.asarray(data)) if isinstance(data, np.ndarray) else np.abs(np.asarray(data)).tolist()
    theirs = getattr(torch, name)(data)
    ours = getattr(mg, name)(data)
    assert isinstance(ours, mg.Tensor) and ours.dtype == np.dtype(_dtype_name(theirs))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(np.asarray(ours.data), theirs.numpy())
    assert isinstance(ours, getattr(mg, name)) and isinstance(theirs, getattr(torch, name))
    assert ours.type() == theirs.type().replace("torch.", "minigrad.")


@pytest.mark.parametrize("name", ["FloatTensor", "LongTensor", "BoolTensor"])
@pytest.mark.parametrize("sizes", [(), (6,), (2, 3), (0, 4)])
def test_integers_are_sizes_as_torch(name, sizes):
    theirs = getattr(torch, name)(*sizes)
    ours = getattr(mg, name)(*sizes)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.dtype(_dtype_name(theirs))


def test_a_numpy_array_of_the_dtype_is_shared_and_another_is_copied_as_torch():
    for lib in (torch, mg):
        a = np.ones(3, dtype=np.float32)
        lib.FloatTensor(a)[0] = 5.0
        b = np.ones(3, dtype=np.float64)
        lib.FloatTensor(b)[0] = 5.0
        assert a[0] == 5.0 and b[0] == 1.0


def test_a_tensor_argument_must_have_the_types_dtype_and_shares_memory():
    x = mg.zeros(3)
    y = mg.FloatTensor(x)
    y[1] = 2.0
    assert float(x[1].item()) == 2.0 and not y.requires_grad
    with pytest.raises(Exception):
        torch.FloatTensor(torch.zeros(2, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"FloatTensor: a Tensor of dtype float64 is not a FloatTensor \(float32\)"):
        mg.FloatTensor(mg.zeros(2, dtype=mg.float64))


def test_isinstance_and_type_cast_as_torch():
    x = mg.from_numpy(np.arange(3.0))
    t = torch.from_numpy(np.arange(3.0))
    for lib, v in ((mg, x), (torch, t)):
        assert isinstance(v, lib.DoubleTensor) and not isinstance(v, lib.FloatTensor)
        assert not isinstance(np.arange(3.0), lib.DoubleTensor)
    cast = x.type(mg.FloatTensor)
    assert cast.dtype == np.float32 and t.type(torch.FloatTensor).dtype == torch.float32
    np.testing.assert_array_equal(np.asarray(cast.data), t.type(torch.FloatTensor).numpy())
    assert x.type(mg.DoubleTensor) is x


def test_a_tuple_of_integers_is_asked_since_torch_reads_it_two_ways():
    assert torch.FloatTensor((2, 3)).shape == (2,) and torch.FloatTensor(torch.Size((2, 3))).shape == (2, 3)
    with pytest.raises(TypeError, match=r"FloatTensor: a tuple of integers \(2, 3\) is data in torch but sizes when "
                                        r"it is a torch.Size.*FloatTensor\(\*shape\)"):
        mg.FloatTensor((2, 3))
    assert mg.FloatTensor([2, 3]).shape == (2,) and mg.FloatTensor(*mg.zeros(2, 3).shape).shape == (2, 3)
    assert mg.FloatTensor((1.5, 2.0)).shape == (2,)   # a tuple with a float can only be data


@pytest.mark.parametrize("call, message", [
    (lambda: mg.FloatTensor(-1), r"FloatTensor: sizes must be non-negative, got \(-1,\)"),
    (lambda: mg.FloatTensor(2, [3]), r"FloatTensor: expected sizes \(integers\) or one sequence, array or Tensor "
                                     r"of data, got int, list"),
    (lambda: mg.LongTensor("ab"), r"LongTensor: expected sizes .* got str 'ab'"),
    (lambda: mg.FloatTensor(2.5), r"FloatTensor: expected sizes .* got float 2.5"),
])
def test_bad_arguments_get_one_clear_error(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
    torch_calls = {"-1": lambda: torch.FloatTensor(-1), "list": lambda: torch.FloatTensor(2, [3]),
                   "str": lambda: torch.LongTensor("ab"), "float": lambda: torch.FloatTensor(2.5)}
    for c in torch_calls.values():
        with pytest.raises((TypeError, RuntimeError)):
            c()


def test_tensor_new_reads_its_arguments_as_the_legacy_constructors_in_the_tensors_dtype():
    x, tx = mg.tensor([1.5, 2.0], dtype=mg.float64), torch.tensor([1.5, 2.0], dtype=torch.float64)
    for args in [(3,), (2, 4), ()]:
        ours, theirs = x.new(*args), tx.new(*args)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64
    ours, theirs = x.new([1, 2, 7]), tx.new([1, 2, 7])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == theirs.numpy().dtype == np.float64 and not ours.requires_grad
    assert mg.tensor([1, 2]).new([2.7]).dtype == np.int64
    with pytest.raises(TypeError, match=r"Tensor.new: a tuple of integers \(2, 3\) is data in torch"):
        x.new((2, 3))


def test_tensor_new_of_a_tensor_of_another_dtype_names_the_dtype_it_expects():
    # torch: "expected Float (got Double)"; the legacy constructors' wording ("is not a FloatTensor") does not fit
    x = mg.tensor([1.0, 2.0], dtype=mg.float32)
    with pytest.raises(TypeError, match=r"^Tensor.new: a Tensor of dtype float64 is not of this tensor's dtype "
                                        r"float32; convert it with \.to\(float32\)$"):
        x.new(mg.tensor([1.0], dtype=mg.float64))
    with pytest.raises(TypeError):
        torch.ones(2).new(torch.ones(1, dtype=torch.float64))


def test_pin_memory_gives_a_copy_and_nothing_is_pinned():
    x, tx = mg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    pinned = x.pin_memory()
    assert pinned is not x and not x.is_pinned() and not pinned.is_pinned()
    np.testing.assert_array_equal(pinned.numpy(), x.numpy())
    pinned.data[0] = 5.0
    assert x.numpy()[0] == 1.0 and not tx.is_pinned()   # a copy, as torch's of an unpinned tensor


@pytest.mark.parametrize("data", [[1, 2], [[1.5, -2.0], [0.25, 3.0]], (True, False), [1.5]])
def test_tensor_of_python_lists_is_the_default_float_as_torch_tensor(data):
    # mg.Tensor([1, 2]) was int64 and mg.Tensor([1.5]) float64, where torch.Tensor gives float32 (its FloatTensor)
    theirs = torch.Tensor(data)
    ours = mg.Tensor(data)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.Tensor(data, requires_grad=True).requires_grad
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.Tensor(data).dtype == np.float64
    finally:
        mg.set_default_dtype(mg.float32)


def test_tensor_of_an_array_keeps_its_dtype_and_a_python_float_is_the_default_float():
    assert mg.Tensor(np.arange(3)).dtype == np.int64 and mg.Tensor(np.ones(2)).dtype == np.float64
    assert mg.Tensor(2.5).dtype == np.float32 and mg.Tensor(2.5).item() == 2.5


@pytest.mark.parametrize("args", [(2,), (2, 3), (4, 0)])
def test_tensor_of_integers_asks_for_sizes_or_data(args):
    # torch.Tensor(2, 3) is an uninitialised (2, 3) tensor; mg.Tensor(2, 3) read 3 as requires_grad and blamed
    # the dtype, and mg.Tensor(2) was the 0-d tensor 2
    with pytest.raises(TypeError, match=r"Tensor\(" + ", ".join(map(str, args)) + r"\): minigrad\.Tensor\(data, "
                                        r"requires_grad=False\) reads data.*minigrad\.empty\(" +
                                        ", ".join(map(str, args)) + r"\).*minigrad\.tensor\(\[" +
                                        ", ".join(map(str, args)) + r"\]\)"):
        mg.Tensor(*args)
