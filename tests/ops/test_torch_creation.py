"""PyTorch's creation names and tensor properties, checked against torch: empty/empty_like, full_like,
rand_like/randn_like/randint_like (minigrad's generator), Tensor.new_*, and is_floating_point, is_complex,
is_contiguous, nelement, ndimension, element_size, itemsize, nbytes, stride, is_cpu, is_cuda, get_device
and the half/byte/short/char casts."""
import importlib
import re

import numpy as np
import pytest
import torch

import minigrad as mg

TORCH_DTYPE = {np.dtype(k): v for k, v in [("float16", torch.float16), ("float32", torch.float32),
                                            ("float64", torch.float64), ("int64", torch.int64),
                                            ("int32", torch.int32), ("int16", torch.int16), ("int8", torch.int8),
                                            ("uint8", torch.uint8), ("bool", torch.bool)]}


def alike(ours, theirs):
    """Same shape and dtype (values not compared: empty, random)."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert TORCH_DTYPE[np.dtype(ours.dtype)] == theirs.dtype


@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([4],), ((),)])
def test_empty_takes_ints_or_one_tuple(size):
    alike(mg.empty(*size), torch.empty(*size))
    alike(mg.empty(*size, dtype="float64"), torch.empty(*size, dtype=torch.float64))
    assert mg.empty(*size, requires_grad=True).requires_grad


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_like_functions_keep_shape_dtype_and_device(dtype):
    x = mg.zeros(2, 3, dtype=dtype)
    tx = torch.zeros(2, 3, dtype=TORCH_DTYPE[np.dtype(dtype)])
    alike(mg.empty_like(x), torch.empty_like(tx))
    alike(mg.full_like(x, 7), torch.full_like(tx, 7))
    np.testing.assert_array_equal(mg.full_like(x, 7).numpy(), torch.full_like(tx, 7).numpy())
    alike(mg.full_like(x, 2, dtype="float64"), torch.full_like(tx, 2, dtype=torch.float64))
    alike(mg.randint_like(x, 5), torch.randint_like(tx, 5))
    alike(mg.randint_like(x, 3, 5), torch.randint_like(tx, 3, 5))
    r = mg.randint_like(x, 3, 5).numpy()
    assert ((r >= 3) & (r < 5)).all() and (r == np.round(r)).all()
    assert mg.empty_like(x).device == x.device == mg.full_like(x, 1).device
    if dtype.startswith("float"):
        alike(mg.rand_like(x), torch.rand_like(tx))
        alike(mg.randn_like(x), torch.randn_like(tx))
        u = mg.rand_like(x).numpy()
        assert ((u >= 0) & (u < 1)).all()
    else:
        for name in ("rand_like", "randn_like"):
            with pytest.raises(Exception):
                getattr(torch, name)(tx)
            with pytest.raises(TypeError, match=f"{name}: draws floating-point values"):
                getattr(mg, name)(x)


def test_random_like_functions_follow_manual_seed():
    x = mg.zeros(3, 4)
    draws = []
    for _ in range(2):
        mg.manual_seed(5)
        draws.append([mg.rand_like(x).numpy(), mg.randn_like(x).numpy(), mg.randint_like(x, 10).numpy()])
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(mg.rand_like(x).numpy(), draws[0][0])


def test_like_functions_refuse_bad_arguments():
    x = mg.zeros(2)
    with pytest.raises(TypeError, match="full_like: expected a Tensor"):
        mg.full_like(np.zeros(2), 1.0)
    with pytest.raises(TypeError, match="full_like: fill_value must be a number"):
        mg.full_like(x, "a")
    with pytest.raises(TypeError, match="randint_like: expected"):
        mg.randint_like(x)
    with pytest.raises(ValueError, match="low must be less than high"):
        mg.randint_like(x, 5, 5)


@pytest.mark.parametrize("dtype", ["float64", "int64", "float32"])
def test_new_methods_keep_dtype_and_device(dtype):
    x = mg.ones(2, dtype=dtype)
    tx = torch.ones(2, dtype=TORCH_DTYPE[np.dtype(dtype)])
    for name, args in [("new_zeros", (2, 3)), ("new_zeros", ((2, 3),)), ("new_ones", (4,)), ("new_empty", (1, 2)),
                       ("new_full", ((2, 2), 3)), ("new_tensor", ([1, 2, 3],))]:
        ours, theirs = getattr(x, name)(*args), getattr(tx, name)(*args)
        alike(ours, theirs)
        assert ours.device == x.device and not ours.requires_grad
        if name != "new_empty":
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    alike(x.new_zeros(3, dtype="float64"), tx.new_zeros(3, dtype=torch.float64))
    assert x.new_ones(2, dtype="float64", requires_grad=True).requires_grad
    t = mg.tensor([1.5, 2.5])
    copy = x.new_tensor(t)
    assert copy.dtype == x.dtype and (dtype.startswith("int") or not np.shares_memory(copy.numpy(), t.numpy()))


def test_properties_match_torch():
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    x, tx = mg.tensor(a, dtype="float64"), torch.tensor(a)
    for ours, theirs in [(x, tx), (x.permute(2, 0, 1), tx.permute(2, 0, 1)), (x[:, 1], tx[:, 1]),
                         (x[..., ::2], tx[..., ::2]), (x.movedim(0, -1), tx.movedim(0, -1)),
                         (x.reshape(6, 4)[1:3], tx.reshape(6, 4)[1:3]), (x[0, 0, 0], tx[0, 0, 0])]:
        assert ours.stride() == theirs.stride()
        for d in range(-ours.ndim, ours.ndim):
            assert ours.stride(d) == theirs.stride(d)
        assert ours.is_contiguous() == theirs.is_contiguous()
        assert ours.nelement() == theirs.nelement() and ours.ndimension() == theirs.ndimension()
        assert ours.element_size() == theirs.element_size() and ours.itemsize == theirs.itemsize
        assert ours.nbytes == theirs.nbytes
    with pytest.raises(IndexError):
        tx.stride(3)
    with pytest.raises(IndexError, match="stride: dim 3 is out of range"):
        x.stride(3)
    for dtype in ["float16", "float32", "float64", "int64", "int8", "uint8", "bool"]:
        ours, theirs = mg.zeros(2, dtype=dtype), torch.zeros(2, dtype=TORCH_DTYPE[np.dtype(dtype)])
        assert ours.is_floating_point() == theirs.is_floating_point()
        assert ours.is_complex() == theirs.is_complex() is False
        assert ours.element_size() == theirs.element_size()
    assert mg.from_numpy(np.zeros(2, dtype=np.complex128)).is_complex()
    assert x.is_cpu and not x.is_cuda and x.get_device() == tx.get_device() == -1


@pytest.mark.parametrize("shape", [(0,), (2, 0, 3), (3, 0), (0, 3), (0, 1, 0)])
def test_an_empty_tensors_strides_are_torchs(shape):
    """NumPy gives an empty array strides of 0: zeros(2, 0, 3).stride() was (0, 0, 0), torch's is (3, 3, 1)."""
    ours, theirs = mg.zeros(*shape), torch.zeros(*shape)
    assert ours.stride() == theirs.stride()
    assert [ours.stride(d) for d in range(-len(shape), len(shape))] == [theirs.stride(d) for d in
                                                                        range(-len(shape), len(shape))]
    assert mg.empty(shape, dtype=mg.int8).stride() == torch.empty(shape, dtype=torch.int8).stride()


def test_cast_methods_match_torch_and_half_is_differentiable():
    a = np.array([[-1.7, 0.2], [3.9, 130.4]])
    x, tx = mg.tensor(a, dtype="float64", requires_grad=True), torch.tensor(a, requires_grad=True)
    for name in ("half", "byte", "short", "char"):
        ours, theirs = getattr(x, name)(), getattr(tx, name)()
        alike(ours, theirs)
        if name != "byte":   # NumPy and torch wrap negative floats into uint8 differently (undefined in C)
            np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
        assert ours.requires_grad == theirs.requires_grad == (name == "half")
    h, th = x.half(), tx.half()
    (h * h).sum().backward()
    (th * th).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-3)
    y = mg.tensor([1.0, 2.0], dtype="float16")
    assert y.half() is y


@pytest.mark.parametrize("fill", [3, np.int32(3), True, 2.5, np.float64(2.5)])
def test_full_without_dtype_follows_the_fill_value_as_torch(fill):
    mine = mg.full((2, 3), fill)
    theirs = torch.full((2, 3), fill.item() if isinstance(fill, np.generic) else fill)
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("size", [(2, 3), [4], (0, 2)])
def test_creators_take_torchs_size_keyword(name, size):
    # PyTorch's gat example writes torch.empty(size=(in_features, n_hidden * n_heads)).
    theirs = getattr(torch, name)(size=size)
    ours = getattr(mg, name)(size=size)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float32
    if name in ("zeros", "ones"):
        np.testing.assert_array_equal(np.asarray(ours.data), theirs.numpy())
    assert getattr(mg, name)(size=size, dtype=mg.float64).dtype == np.float64
    with pytest.raises(TypeError):
        getattr(torch, name)(2, size=size)
    with pytest.raises(TypeError, match=rf"{name}: got the sizes twice, positionally \(2,\) and as size="):
        getattr(mg, name)(2, size=size)
    with pytest.raises(TypeError):
        getattr(torch, name)(size=5)
    with pytest.raises(TypeError, match=rf"{name}: size must be a tuple or list of integers \(as torch's\), got int 5"):
        getattr(mg, name)(size=5)


def test_rand_with_size_draws_what_the_positional_call_draws():
    mg.manual_seed(3)
    a = mg.randn(size=(2, 3))
    mg.manual_seed(3)
    np.testing.assert_array_equal(np.asarray(a.data), np.asarray(mg.randn(2, 3).data))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8"])
def test_integer_arange_with_fractional_arguments_follows_torch(dtype):
    # torch truncates the arguments to integers (int64 counts with the truncated ones, the others with the
    # originals); NumPy counts in floats and steps by int(start + step) - int(start): arange(2.5, dtype=int64) was
    # [0, 1, 2] (torch [0, 1]), arange(-1, 1, 0.1, dtype=int64) [-1, 0, ..., 18] (torch: step must be nonzero)
    for args in [(2.5,), (0.5,), (1.5, 4.7), (-2.5, 3), (0, 7, 2.5), (5.5, 0, -1.5), (1, 5, 1.0), (0.0, 4)]:
        expected = torch.arange(*args, dtype=getattr(torch, dtype))
        got = mg.arange(*args, dtype=getattr(mg, dtype))
        assert got.dtype == np.dtype(dtype) and got.tolist() == expected.tolist(), args
    with pytest.raises(ValueError, match=rf"^arange: step=0.5 is 0 as {dtype} \(the arguments are truncated"):
        mg.arange(-1, 1, 0.5, dtype=getattr(mg, dtype))


def test_tensor_of_complex_data_keeps_the_imaginary_part_in_the_default_floats_complex_dtype_as_torch():
    # it became float32, dropping .imag with only NumPy's ComplexWarning: tensor([1+2j]) held [1.]
    ours, theirs = mg.tensor([1 + 2j, 3]), torch.tensor([1 + 2j, 3])
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.") == "complex64"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # a complex128 array follows minigrad's rule for float64 arrays (the default dtype; torch keeps the array's)
    ours = mg.tensor(np.array([1 + 2j, 3 - 1j]))
    assert ours.dtype == np.complex64
    np.testing.assert_array_equal(ours.numpy(), [1 + 2j, 3 - 1j])
    previous = mg.get_default_dtype()
    mg.set_default_dtype("float64")
    try:
        assert mg.tensor([1 + 2j]).dtype == np.complex128
    finally:
        mg.set_default_dtype(previous)


def test_arange_reads_a_0d_tensor_as_its_number_as_torch():
    """torch.arange(lengths.max()) (a 0-d int64 tensor) is int64, as arange(3); it used to give float32."""
    for args in ((3,), (2.5,), (1, 7, 2), (True,)):
        ours = mg.arange(*(mg.tensor(a) for a in args))
        theirs = torch.arange(*(torch.tensor(a) for a in args))
        assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    lengths = mg.tensor([2, 4, 1])
    mask = mg.arange(lengths.max())[None, :] < lengths[:, None]
    np.testing.assert_array_equal(mask.numpy(), [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]])
    assert mg.arange(mg.tensor(3, dtype=mg.int32)).dtype == np.int64   # torch's: int64 whatever the tensor's int
    with pytest.raises(TypeError, match=r"^arange: end must be a number or a 0-d tensor, got a tensor of shape "
                                        r"\(1,\)$"):
        mg.arange(mg.tensor([3]))


def test_tensor_of_a_list_of_one_element_tensors_with_dims_asks_which_reading():
    """[pred.argmax(1) for ...] at batch size 1 is a list of (1,) tensors: torch.tensor makes it (n,), NumPy's
    asarray (n, 1); minigrad used to give (n, 1) silently, so `(preds == labels).float().mean()` broadcast to (n, n)."""
    preds = [mg.tensor([2]), mg.tensor([0]), mg.tensor([1])]
    assert tuple(torch.tensor([torch.tensor([2]), torch.tensor([0]), torch.tensor([1])]).shape) == (3,)
    with pytest.raises(TypeError, match=r"^tensor: a list of one-element tensors of shape \(1,\) reads two ways: "
                                        r"NumPy's stacks them \(shape \(3, 1\)\), PyTorch's takes each as its number "
                                        r"\(shape \(3,\)\); write minigrad.stack\(...\) for NumPy's, or "
                                        r"\[t.item\(\) for t in ...\] for PyTorch's$"):
        mg.tensor(preds)
    with pytest.raises(TypeError, match=r"of shape \(1, 1\) reads two ways: NumPy's stacks them "
                                        r"\(shape \(2, 2, 1, 1\)\), PyTorch's .* \(shape \(2, 2\)\)"):
        mg.tensor([[mg.ones((1, 1))] * 2] * 2)
    np.testing.assert_array_equal(mg.tensor([t.item() for t in preds]).numpy(), [2, 0, 1])
    assert mg.stack(preds).shape == (3, 1)
    # the readings agree for 0-d tensors; tensors of more elements are stacked (torch refuses them)
    np.testing.assert_array_equal(mg.tensor([mg.tensor(1.5), mg.tensor(2.5)]).numpy(), [1.5, 2.5])
    assert mg.tensor([mg.ones(2), mg.zeros(2)]).shape == (2, 2)


@pytest.mark.parametrize("data", [[2 ** 63], [2 ** 64], [-2 ** 63 - 1], [1, 2 ** 63], [True, 2 ** 63],
                                  [[1], [2 ** 63]], 2 ** 63, -2 ** 63 - 1, [2 ** 1100]])
def test_tensor_of_integers_past_int64_is_refused_as_torch(data):
    """Integer data is int64: NumPy made [2**63] uint64, [-2**63 - 1] and [1, 2**63] rounded float32."""
    with pytest.raises(ValueError, match="Overflow"):
        torch.tensor(data)
    for make in (mg.tensor, mg.as_tensor, mg.asarray):
        with pytest.raises(OverflowError, match=r"^tensor: the integer -?\d+(\.\.\.\(\d+ digits\))? is out of range "
                                                r"for int64 \(-9223372036854775808 to 9223372036854775807\), the "
                                                r"dtype of integer data \(torch refuses it too\); pass "
                                                r"dtype=minigrad.uint64 or a floating dtype$"):
            make(data)


@pytest.mark.parametrize("data", [[-2 ** 63], [2 ** 63 - 1], [1.5, 2 ** 63], [2 ** 63, 1.5], [1j, 2 ** 63],
                                  [1j, 2 ** 64], [2 ** 64, 1j], [float("inf"), 2 ** 63], [True, 1], [True, 1.0],
                                  [1, 1j], [True, 1j], [[True], [2]], [True, False]])
def test_tensor_infers_torchs_dtype_for_mixed_and_edge_of_int64_data(data):
    """Beside a float or complex number a big integer is a float, as torch's; [1j, 2**64] was refused as "a object"."""
    theirs, ours = torch.tensor(data), mg.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


def test_tensor_with_an_integer_dtype_too_narrow_names_the_op_and_dtype():
    with pytest.raises(OverflowError, match=r"^tensor: Python int too large to convert to C long \(dtype=int64\)$"):
        mg.tensor([2 ** 63], dtype=mg.int64)
    with pytest.raises(OverflowError, match=r"^tensor: Python integer 300 out of bounds for uint8 \(dtype=uint8\)$"):
        mg.tensor([300], dtype=mg.uint8)
    assert mg.tensor([2 ** 63], dtype=mg.uint64).tolist() == torch.tensor([2 ** 63], dtype=torch.uint64).tolist()


def test_tensor_of_a_foreign_byte_order_array_is_in_this_machines_order():
    """Its dtype was >i4, a dtype no minigrad op expects (minigrad.int32 != it); the copy is native int32 now."""
    ours = mg.tensor(np.array([1, 2], dtype=">i4"))
    assert ours.dtype == mg.int32 and ours.data.dtype.isnative and ours.tolist() == [1, 2]


@pytest.mark.parametrize("dtype, name", [("M8[s]", "datetime64"), ("m8[s]", "timedelta64")])
def test_tensor_of_datetimes_is_refused_as_torch(dtype, name):
    """They were taken, and held dates no op can compute with."""
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy"):
        torch.tensor(np.array([1], dtype=dtype))
    with pytest.raises(TypeError, match=rf"^Tensor: cannot hold an array of dtype {name}\[s\] \(shape \(1,\)\)"):
        mg.tensor(np.array([1], dtype=dtype))


def _same_as_torch(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.") and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_full_of_a_complex_value_is_complex_as_torch():
    """full((2,), 1j) was float32 zeros: NumPy's cast dropped the imaginary part."""
    _same_as_torch(mg.full((2,), 1j), torch.full((2,), 1j))
    _same_as_torch(mg.full((2,), 1 + 0j, dtype=mg.float64), torch.full((2,), 1 + 0j, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.full((2,), 1j, dtype=torch.float64)
    with pytest.raises(RuntimeError, match=r"^full: the complex value 1j does not fit dtype float64 \(its imaginary "
                                            r"part would be dropped; torch refuses it too\); pass a complex dtype or "
                                            r"the real part$"):
        mg.full((2,), 1j, dtype=mg.float64)


@pytest.mark.parametrize("fill, what", [(None, "NoneType None"), ("a", "str 'a'"), ([1.0], "list [1.0]")])
def test_full_refuses_a_fill_value_that_is_not_a_number_as_torch(fill, what):
    """None was NaN, a 1-element tensor or list broadcast, a string failed in NumPy's words."""
    with pytest.raises(TypeError, match="must be Number"):
        torch.full((2,), fill)
    with pytest.raises(TypeError, match=rf"^full: fill_value must be a number or a 0-d tensor \(as torch's\), got "
                                        rf"{re.escape(what)}$"):
        mg.full((2,), fill)
    with pytest.raises(TypeError, match=r"got a tensor of shape \(1,\)$"):
        mg.full((2,), mg.tensor([1.0]))
    _same_as_torch(mg.full(size=(2,), fill_value=1.5), torch.full(size=(2,), fill_value=1.5))   # torch's keyword


@pytest.mark.parametrize("dtype, value", [("float32", 1e40), ("float32", -3.4028236e38), ("float16", 70000.0),
                                          ("float16", 65505.0), ("float64", 2 ** 1100)])
def test_a_finite_fill_past_a_float_dtypes_range_is_refused_as_torch(dtype, value):
    """full, fill_, masked_fill and index_fill wrote inf where torch refuses the value."""
    tx, x = torch.zeros(2, dtype=getattr(torch, dtype)), mg.zeros(2, dtype=getattr(mg, dtype))
    calls = {"full": (lambda L, t: L.full((2,), value, dtype=t.dtype)), "fill_": (lambda L, t: t.clone().fill_(value)),
             "masked_fill": (lambda L, t: t.masked_fill(t == 0, value)),
             "index_fill": (lambda L, t: t.index_fill(0, L.tensor([0]), value))}
    for name, call in calls.items():   # torch's type: RuntimeError, OverflowError for an int past 64 bits
        with pytest.raises((RuntimeError, OverflowError)) as theirs:
            call(torch, tx)
        with pytest.raises(theirs.type, match=rf"^{name}: (the value .* is out of range for dtype {dtype} \(.*; torch "
                                              r"refuses it too, where NumPy's cast rounds it to inf\)$|the integer "
                                              r".+ is past 64 bits)") as ours:
            call(mg, x)
        assert ours.type is theirs.type
    for edge in (float("inf"), float("-inf"), float(np.finfo(dtype).max)):   # inf and the largest are taken
        _same_as_torch(mg.full((2,), edge, dtype=getattr(mg, dtype)),
                       torch.full((2,), edge, dtype=getattr(torch, dtype)))
    assert np.isnan(mg.full((2,), float("nan")).numpy()).all()


def test_arange_takes_torchs_end_keyword():
    """arange(end=4) and arange(start=1, end=4) were TypeErrors (the parameter was NumPy's stop)."""
    for kwargs in ({"end": 4}, {"start": 1, "end": 4}, {"start": 1, "end": 6, "step": 2}):
        _same_as_torch(mg.arange(**kwargs), torch.arange(**kwargs))
    assert mg.arange(1, stop=4).tolist() == [1, 2, 3]
    with pytest.raises(TypeError, match=r"^arange: got the end twice, end=4 and stop=4"):
        mg.arange(1, 4, stop=4)


@pytest.mark.parametrize("args", [(0, 5, -1), (5, 0), (-1,), (0.0, -0.5, 0.1), (0, 0.5, -0.1)])
def test_arange_refuses_bounds_that_disagree_with_the_steps_sign_as_torch(args):
    """An empty tensor came back where torch refuses."""
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        torch.arange(*args)
    with pytest.raises(ValueError, match=r"^arange: the bounds and the step's sign disagree: start=.*, end=.*, "
                                         r"step=.* \(torch refuses it too; an empty range is start == end\)$"):
        mg.arange(*args)
    _same_as_torch(mg.arange(5, 5, -1), torch.arange(5, 5, -1))


@pytest.mark.parametrize("args, what", [((0, float("inf")), "end"), ((float("nan"), 3), "start"),
                                        ((0, 3, float("inf")), "step")])
def test_arange_refuses_a_bound_that_is_not_finite_by_name(args, what):
    """NumPy's "Maximum allowed size exceeded" or "cannot compute length" named neither the op nor the argument.
    (An infinite step gives torch an empty tensor, NumPy [0.]: refused too.)"""
    if what != "step":
        with pytest.raises(RuntimeError, match="unsupported range"):
            torch.arange(*args)
    with pytest.raises(ValueError, match=rf"^arange: {what} must be finite, got {what}="):
        mg.arange(*args)


@pytest.mark.parametrize("args, what", [((-1,), "n must be a non-negative int, got -1"),
                                        ((2, -1), "m must be a non-negative int, got -1"),
                                        ((2.0,), "n must be a non-negative int, got 2.0"),
                                        ((True,), "n must be a non-negative int, got True")])
def test_eye_refuses_bad_sizes_by_name(args, what):
    """NumPy's "negative dimensions are not allowed" or "an integer is required" named neither op nor argument."""
    with pytest.raises((RuntimeError, TypeError)):
        torch.eye(*args)
    with pytest.raises(ValueError, match=rf"^eye: {re.escape(what)}$"):
        mg.eye(*args)


def test_counts_may_be_0d_integer_tensors_as_torch():
    """eye(tensor(2)) worked before the sizes were checked by name, and torch takes such counts."""
    _same_as_torch(mg.eye(mg.tensor(2)), torch.eye(torch.tensor(2)))
    _same_as_torch(mg.eye(2, mg.tensor(3)), torch.eye(2, torch.tensor(3)))
    _same_as_torch(mg.linspace(0, 1, mg.tensor(3)), torch.linspace(0, 1, torch.tensor(3)))
    assert sorted(mg.randperm(mg.tensor(4)).tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"^eye: n must be a non-negative int, got tensor\(2\.\)$"):
        mg.eye(mg.tensor(2.0))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_sizes_may_be_0d_integer_tensors_or_arrays_as_torch(name):
    """zeros(lengths.max(), 3) with a 0-d int64 tensor was "invalid shape (tensor(2), 3): sizes must be non-negative
    integers" (also as a tuple, or a 0-d NumPy array), where torch takes it as the number; a float one stays refused."""
    ours, theirs = getattr(mg, name), getattr(torch, name)
    assert ours(mg.tensor(2), 3).shape == tuple(theirs(torch.tensor(2), 3).shape) == (2, 3)
    assert ours((mg.tensor(2, dtype=mg.int32), 4)).shape == tuple(theirs((torch.tensor(2, dtype=torch.int32), 4)).shape)
    assert ours(np.array(3)).shape == tuple(theirs(np.array(3)).shape) == (3,)
    assert mg.full((mg.tensor(2),), 1.5).shape == tuple(torch.full((torch.tensor(2),), 1.5).shape)
    with pytest.raises((TypeError, RuntimeError)):
        theirs(torch.tensor(2.0))
    with pytest.raises(ValueError, match=r"^invalid shape \(tensor\(2\.\),\): sizes must be non-negative integers$"):
        ours(mg.tensor(2.0))


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_linspace_and_logspace_take_0d_tensors_bools_and_complex_endpoints_as_torch(name):
    """A 0-d tensor endpoint, a bool and a complex number were refused ("must be a real number")."""
    ours, theirs = getattr(mg, name), getattr(torch, name)
    _same_as_torch(ours(mg.tensor(0.5), mg.tensor(2), 4), theirs(torch.tensor(0.5), torch.tensor(2), 4))
    _same_as_torch(ours(mg.tensor(0.0, dtype=mg.float64), 2, 3), theirs(torch.tensor(0.0, dtype=torch.float64), 2, 3))
    _same_as_torch(ours(True, 3, 3), theirs(True, 3, 3))
    _same_as_torch(ours(0, 1j, 3), theirs(0, 1j, 3))
    with pytest.raises(RuntimeError, match="can't be safely cast"):
        theirs(0, 1j, 3, dtype=torch.float32)
    with pytest.raises(TypeError, match=rf"^{name}: a complex endpoint \(0.0, 1j\) needs a complex dtype, got "
                                        r"dtype=float32$"):
        ours(0, 1j, 3, dtype=mg.float32)
    with pytest.raises(TypeError, match=rf"^{name}: start must be a number or a 0-d tensor, got a tensor of shape "
                                        r"\(1,\)$"):
        ours(mg.tensor([0.0]), 2, 3)


def test_randint_and_randint_like_take_torchs_low_high_keywords():
    """randint(low=1, high=5, size=(2,)) and randint_like(t, low=1, high=5) were TypeErrors."""
    for kwargs in ({"low": 1, "high": 5, "size": (50,)}, {"high": 5, "size": (50,)}):
        ours, theirs = mg.randint(**kwargs), torch.randint(**kwargs)
        assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
        assert kwargs.get("low", 0) <= int(ours.min()) and int(ours.max()) < 5
    assert set(mg.randint(1, high=3, size=(50,)).tolist()) == {1, 2}
    x = mg.zeros(40)
    assert set(mg.randint_like(x, low=1, high=3).tolist()) == {1.0, 2.0}
    alike(mg.randint_like(x, high=3), torch.randint_like(torch.zeros(40), high=3))
    with pytest.raises(TypeError, match=r"^randint: expected randint\(high, \.\.\.\) or randint\(low, high, \.\.\.\) "
                                        r"\(or low=, high=\), got 2 positional numbers \(1, 2\), low=None, high=3$"):
        mg.randint(1, 2, high=3, size=(2,))


@pytest.mark.parametrize("name, args, dtype", [("randint", (300, (4,)), "uint8"), ("randint", (-1, 5, (4,)), "uint8"),
                                               ("randint", (0, 70000, (3,)), "float16"),
                                               ("randint", (3, (4,)), "bool"), ("randperm", (129,), "int8"),
                                               ("randperm", (2050,), "float16")])
def test_random_integers_a_dtype_cannot_hold_are_refused_as_torch(name, args, dtype):
    """NumPy's cast wrapped them: randint(300, dtype=uint8) drew values up to 299 and wrote them mod 256."""
    with pytest.raises(RuntimeError, match="out of bounds|cannot be greater|without overflow"):
        getattr(torch, name)(*args, dtype=getattr(torch, dtype))
    with pytest.raises(ValueError, match=rf"^{name}: values from -?\d+ to \d+ do not fit dtype {dtype} "):
        getattr(mg, name)(*args, dtype=getattr(mg, dtype))
    assert sorted(mg.randperm(128, dtype=mg.int8).tolist()) == list(range(128))   # the largest that fits
    assert set(mg.randint(256, (3000,), dtype=mg.uint8).tolist()) == set(range(256))


@pytest.mark.parametrize("name", ["rand", "randn"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_rand_and_randn_refuse_a_dtype_that_is_not_floating_as_torch(name, dtype):
    """rand(2, dtype=int64) was all zeros (the draws cast to integers), randn's nearly so."""
    with pytest.raises(NotImplementedError):
        getattr(torch, name)(2, dtype=getattr(torch, dtype))
    with pytest.raises(TypeError, match=rf"^{name}: draws floating-point values, but the dtype is {dtype}; pass a "
                                        r"floating dtype=$"):
        getattr(mg, name)(2, dtype=getattr(mg, dtype))
    with pytest.raises(TypeError, match=r"^randperm: dtype must be an integer or floating dtype \(as torch's\), got "
                                        r"bool$"):
        mg.randperm(3, dtype=mg.bool)


def test_zeros_like_and_ones_like_take_device_and_full_like_a_0d_tensor_as_torch():
    """zeros_like(x, device=...) and full_like(x, tensor(2.)) were TypeErrors."""
    x, tx = mg.zeros(2, 3, dtype=mg.int32), torch.zeros(2, 3, dtype=torch.int32)
    for name in ("zeros_like", "ones_like"):
        ours, theirs = getattr(mg, name)(x, device="cpu"), getattr(torch, name)(tx, device="cpu")
        alike(ours, theirs)
        assert ours.device == x.device
        _same_as_torch(getattr(mg, name)(x, dtype=mg.float64), getattr(torch, name)(tx, dtype=torch.float64))
    _same_as_torch(mg.full_like(x, mg.tensor(7)), torch.full_like(tx, torch.tensor(7)))
    _same_as_torch(mg.full_like(mg.zeros(2), mg.tensor(2.5)), torch.full_like(torch.zeros(2), torch.tensor(2.5)))
    with pytest.raises(RuntimeError, match=r"^full_like: the complex value 1j does not fit dtype float32"):
        mg.full_like(mg.zeros(2), 1j)


@pytest.mark.parametrize("name", ["new_zeros", "new_ones", "new_empty"])
def test_new_methods_take_torchs_size_keyword(name):
    """x.new_zeros(size=(2, 3)) was a TypeError (new_full took size= already)."""
    x, tx = mg.zeros(1, dtype=mg.int32), torch.zeros(1, dtype=torch.int32)
    alike(getattr(x, name)(size=(2, 3)), getattr(tx, name)(size=(2, 3)))
    alike(getattr(x, name)(size=[4], dtype=mg.float64), getattr(tx, name)(size=[4], dtype=torch.float64))
    with pytest.raises(TypeError, match=r"got the sizes twice, positionally \(2,\) and as size=\(3,\)"):
        getattr(x, name)(2, size=(3,))


@pytest.mark.parametrize("items", [
    lambda L: [L.tensor(1.5, dtype=L.float64), L.tensor(2.0, dtype=L.float64)],
    lambda L: [L.tensor(1.5, dtype=L.float64), 2],
    lambda L: [L.tensor(1.5, dtype=L.float16), L.tensor(2.5, dtype=L.float16)],
    lambda L: [L.tensor(1.5, dtype=L.float16), 2.5],
    lambda L: [L.tensor(1, dtype=L.int32), 2.5],
    lambda L: [[L.tensor(1.5, dtype=L.float64)], [L.tensor(True)]],
    lambda L: [L.tensor(1.5), np.float64(2.5)],
    lambda L: [L.tensor(1.5), np.complex128(2j)],
], ids=["float64 tensors", "float64 tensor and int", "float16 tensors", "float16 tensor and float", "int32 and float",
        "nested", "numpy float64 number", "numpy complex128 number"])
def test_tensor_of_a_list_of_0d_tensors_promotes_their_dtypes_as_torch(items):
    """[loss64_a, loss64_b] became float32: the float array NumPy made was cast to the default float."""
    ours, theirs = mg.tensor(items(mg)), torch.tensor(items(torch))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("pair", [
    lambda L: [np.float64(1.5), L.tensor(2.0)],
    lambda L: [np.float16(1.5), L.tensor(2, dtype=L.int64)],
    lambda L: [np.complex128(2j), L.tensor(2.0)],
    lambda L: [[1.5, np.float64(0.5)], [2.5, L.tensor(2.0)]],
], ids=["numpy float64 and float32 tensor", "numpy float16 and int tensor", "numpy complex128 and float32 tensor",
        "nested, the tensor last"])
def test_tensor_of_a_list_holding_a_tensor_has_torchs_dtype_in_either_order(pair):
    """The tensor's dtype took part only when it came first: [np.float64(1.5), t] was float32, [t, np.float64(1.5)]
    float64 (torch's, either way)."""
    for order in (lambda items: items, lambda items: items[::-1]):
        ours, theirs = mg.tensor(order(pair(mg))), torch.tensor(order(pair(torch)))
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert ours.tolist() == theirs.tolist()


def test_tensor_of_a_one_element_tensor_beside_a_list_has_torchs_dtype():
    # the other order, [t, [np.float64(1.5)]], is refused by both (torch: "must be real number, not list")
    ours = mg.tensor([[np.float64(1.5)], mg.tensor([2.0])])
    theirs = torch.tensor([[np.float64(1.5)], torch.tensor([2.0])])
    assert ours.dtype == np.float64 and theirs.dtype == torch.float64 and ours.tolist() == theirs.tolist()


def test_only_data_in_which_numpy_met_a_tensor_is_searched_item_by_item(monkeypatch):
    """A walk of every item in Python for every float list made mg.tensor of a 200,000 x 10 list 3-5x slower:
    the search runs only when NumPy asked a Tensor for its values."""
    creation = importlib.import_module("minigrad.creation")
    searched, search = [], creation._dtype_of_items
    monkeypatch.setattr(creation, "_dtype_of_items", lambda data: searched.append(data) or search(data))
    assert mg.tensor([[1.5, 2.5]] * 100).dtype == np.float32 and mg.tensor([np.float64(1.5), 2.5]).dtype == np.float32
    assert searched == []
    assert mg.tensor([[1.5], [mg.tensor(2.0, dtype=mg.float64)]]).dtype == np.float64 and len(searched) == 1


@pytest.mark.parametrize("name, start, end, steps, base, expected", [
    ("linspace", 4.95, 1.28, 6, None, [4, 3, 2, 2, 1, 1]),      # spaced from the untruncated ends: [4, 4, 3, 2, 2, 1]
    ("linspace", 5.84, -1.32, 10, None, [5, 4, 3, 3, 2, 1, 0, 0, 0, -1]),   # -1 + (2/3) * 3 rounded once: 0.99999...
    ("linspace", -5, 5, 3, None, [-5, 0, 5]),
    ("logspace", 0.5, 2.5, 3, 10.0, [1, 10, 100]),             # 10 ** [0.5, 1.5, 2.5] truncated: [3, 31, 316]
    ("logspace", 4.95, 1.28, 6, 2.0, [16, 10, 6, 4, 3, 2]),    # [30, 18, 11, 6, 4, 2]
    ("logspace", 1.79, -1.0, 7, 10.0, [10, 4, 2, 1, 0, 0, 0]),  # exponent -1 + (1/3) * 3 rounded twice: 0
    ("logspace", 0.9, 5.5, 1, 10.0, [7]),                       # one step: base ** start, untruncated
])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16"])
def test_integer_linspace_and_logspace_truncate_their_ends_first_as_torch(name, start, end, steps, base, expected,
                                                                       dtype):
    """An integer linspace/logspace spaced the float endpoints and truncated the values; torch truncates the ends
    to the dtype first and spaces those (one value in four of random calls differed)."""
    kwargs = {} if base is None else {"base": base}
    ours = getattr(mg, name)(start, end, steps, dtype=getattr(mg, dtype), **kwargs)
    theirs = getattr(torch, name)(start, end, steps, dtype=getattr(torch, dtype), **kwargs)
    assert theirs.tolist() == expected
    _same_as_torch(ours, theirs)


def test_integer_linspace_and_logspace_agree_with_torch_on_random_calls():
    rng = np.random.default_rng(0)
    for _ in range(300):
        start, end = (round(float(v), 2) for v in rng.uniform(-6, 6, 2))
        steps = int(rng.integers(1, 12))
        _same_as_torch(mg.linspace(start, end, steps, dtype=mg.int64),
                       torch.linspace(start, end, steps, dtype=torch.int64))
        _same_as_torch(mg.logspace(start, end, steps, base=2.5, dtype=mg.int64),
                       torch.logspace(start, end, steps, base=2.5, dtype=torch.int64))


@pytest.mark.parametrize("start, end, step, dtype", [(1000.1, 2000, 0.1, "float32"), (-4.66, 100, 0.05, "float32"),
                                                     (1000.1, 2000, 0.1, "float16"), (-4.66, 100, 0.05, "float16"),
                                                     (3.0, -2.0, -0.3, "float32"), (1000.1, 2000, 0.1, "float64")])
def test_floating_arange_is_start_plus_i_step_without_drift(start, end, step, dtype):
    """NumPy's arange steps by the rounded difference of its first two values in the dtype: float32
    arange(1000.1, 2000, 0.1) ended at 2000.27 (torch: 1999.9, the end excluded), float16 arange(1000.1, 2000, 0.1)
    was 1000 throughout and float16 arange(-4.66, 100, 0.05) ended at 101.6."""
    ours = mg.arange(start, end, step, dtype=getattr(mg, dtype))
    theirs = torch.arange(start, end, step, dtype=getattr(torch, dtype))
    assert ours.dtype == np.dtype(dtype) and ours.shape == tuple(theirs.shape)
    exact = start + np.arange(ours.shape[0]) * step
    np.testing.assert_array_equal(ours.numpy(), exact.astype(dtype))   # each value rounded once
    widest = float(np.spacing(np.abs(exact).max().astype(dtype)))   # torch's within 2 ulps of the largest value
    assert np.abs(theirs.numpy().astype(np.float64) - exact).max() <= 2 * widest
    assert mg.arange(1e8, 1e8 + 10, dtype=mg.float16).tolist() == [float("inf")] * 10


@pytest.mark.parametrize("name", ["linspace", "logspace"])
@pytest.mark.parametrize("start, shown", [(float("nan"), "nan"), (float("inf"), "inf"), (1e30, "1e\\+30")])
def test_integer_linspace_and_logspace_refuse_an_end_the_dtype_cannot_hold_by_name(name, start, shown):
    """Truncating the ends first met NaN, inf or 1e30 in int(): "cannot convert float NaN to integer", naming neither
    the op nor the dtype; torch refuses them too ("value cannot be converted to type int64_t without overflow")."""
    with pytest.raises(RuntimeError, match="without overflow"):
        getattr(torch, name)(start, 1, 3, dtype=torch.int64)
    with pytest.raises(RuntimeError, match=rf"^{name}: the value {shown} is out of range for dtype int64 "):
        getattr(mg, name)(start, 1, 3, dtype=mg.int64)


@pytest.mark.parametrize("key", [(slice(None), slice(0, 0)), (slice(0, 0),), (slice(1, 1), slice(None, None, 2))])
def test_an_empty_slice_of_a_filled_tensor_keeps_its_strides_as_torchs(key):
    # The rule above gave every empty tensor row-major strides: zeros(4, 3)[:, :0].stride() became (1, 1), torch (3, 1)
    assert mg.zeros(4, 3)[key].stride() == torch.zeros(4, 3)[key].stride()
