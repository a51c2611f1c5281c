"""Bad input to x[index] = value, minigrad.tensor(data) and axis arguments: one error naming the op and shapes."""
import re
import warnings

import numpy as np
import pytest

import minigrad as mg


def _plain():
    return mg.zeros(2, 3)


def _recorded():
    return mg.zeros(2, 3, requires_grad=True) * 1


@pytest.mark.parametrize("make", [_plain, _recorded])
def test_setitem_with_a_value_that_does_not_broadcast_names_both_shapes(make):
    x = make()
    with pytest.raises(ValueError, match=re.escape(
            "x[index] = value: a value of shape (2,) does not broadcast to the indexed shape (3,) "
            "(tensor of shape (2, 3))")):
        x[0] = [1.0, 2.0]
    with pytest.raises(ValueError, match=re.escape(
            "x[index] = value: a value of shape (5,) does not broadcast to the indexed shape (3,)")):
        x[0] = mg.ones(5)


@pytest.mark.parametrize("make", [_plain, _recorded])
def test_setitem_out_of_range_names_the_op_and_the_shape(make):
    x = make()
    with pytest.raises(IndexError, match=r"^x\[index\] = value: index 5 is out of bounds for axis 0 with size 2 "
                                         r"\(tensor of shape \(2, 3\)\)$"):
        x[5] = 1.0


@pytest.mark.parametrize("make", [_plain, _recorded])
@pytest.mark.parametrize("value, shown", [(None, "NoneType"), ("x", "str")])
def test_setitem_refuses_a_non_number_instead_of_writing_nan(make, value, shown):
    x = make()
    with pytest.raises(TypeError, match=rf"^x\[index\] = value: cannot write a {shown} into a tensor of dtype "
                                        r"float32 \(shape \(2, 3\)\); the value must be numbers or a Tensor$"):
        x[0] = value
    assert not np.isnan(x.numpy()).any()


def test_setitem_still_writes_numbers_lists_and_tensors():
    x = mg.zeros(2, 3)
    x[0] = [1.0, 2.0, 3.0]
    x[1, 1:] = mg.tensor([4.0, 5.0])
    x[1, 0] = 7
    np.testing.assert_array_equal(x.numpy(), np.array([[1, 2, 3], [7, 4, 5]], dtype=np.float32))


@pytest.mark.parametrize("data", [None, [1.0, None], [[1.0], [None]]])
def test_tensor_refuses_none_instead_of_making_nan(data):
    with pytest.raises(TypeError, match=r"^tensor: data holds None, which is not a number"):
        mg.tensor(data)


@pytest.mark.parametrize("data, where, shapes", [
    ([[1, 2], [3]], "data", "[(2,), (1,)]"),
    ([[[1, 2], [3, 4]], [[5, 6], [7]]], "data[1]", "[(2,), (1,)]"),
])
def test_tensor_of_ragged_lists_names_where_the_lengths_differ(data, where, shapes):
    with pytest.raises(ValueError, match="^" + re.escape(
            f"tensor: data must be rectangular (nested lists of equal lengths), but the items of {where} have "
            f"shapes {shapes}")):
        mg.tensor(data)


def test_tensor_of_a_dict_names_the_op_and_the_type():
    with pytest.raises(TypeError, match=r"^tensor: cannot make a tensor from a dict"):
        mg.tensor({"a": 1})


@pytest.mark.parametrize("call", [lambda x: x.squeeze(0.0), lambda x: x.sum(axis=1.0), lambda x: x.mean(axis="0")])
def test_a_non_integer_axis_names_the_op_and_the_axis(call):
    with pytest.raises(TypeError, match=r"^(squeeze|sum|mean): axis must be an int or a tuple of ints, got "
                                        r"(0\.0|1\.0|'0')$"):
        call(mg.zeros(1, 3))


@pytest.mark.parametrize("make", [lambda data: mg.Tensor(data), lambda data: mg.ones(2) + data])
def test_ragged_data_turned_into_a_tensor_anywhere_names_where_the_lengths_differ(make):
    with pytest.raises(ValueError, match=re.escape(
            "data must be rectangular (nested lists of equal lengths), but the items of data have shapes "
            "[(2,), (1,)]")):
        make([[1, 2], [3]])


@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
def test_like_creators_given_a_list_name_the_op(name):
    with pytest.raises(TypeError, match=rf"^{name}: expected a Tensor to take the shape from, got list$"):
        getattr(mg, name)([1, 2])


def test_arange_with_step_zero_names_the_op_and_the_step():
    with pytest.raises(ValueError, match=r"^arange: step must be nonzero, got step=0 \(start=0, end=5\)$"):
        mg.arange(0, 5, 0)


@pytest.mark.parametrize("make", [lambda: mg.tensor([1, 2], dtype="flaot32"), lambda: mg.zeros(2, dtype="flaot32")])
def test_a_misspelled_dtype_names_the_argument(make):
    with pytest.raises(TypeError, match=r"^dtype='flaot32' is not a dtype minigrad understands \(data type 'flaot32' "
                                        r"not understood\)"):
        make()


def _int8():
    return mg.tensor(np.array([1, 2, 3], dtype=np.int8))


@pytest.mark.parametrize("call, op", [
    (lambda x: x.masked_fill(mg.tensor([True, False, True]), 1000), "masked_fill"),
    (lambda x: x.clone().fill_(1000), "fill_"),
    (lambda x: mg.full((2,), 1000, dtype=mg.int8), "full"),
    (lambda x: mg.full_like(x, 1000), "full_like"),
    (lambda x: x.index_fill(0, mg.tensor([0]), 1000), "index_fill"),   # the op called, not the one it runs on
    (lambda x: x.scatter(0, mg.tensor([0]), value=1000), "scatter"),
])
def test_an_integer_fill_value_the_dtype_cannot_hold_names_the_op_and_the_range(call, op):
    # NumPy's own error named neither the op nor the range; torch refuses these too (it wraps a negative int into an
    # unsigned dtype only, uint8's -1 being 255: test_a_number_written_into_a_dtype_as_torch)
    with pytest.raises(RuntimeError, match=re.escape(f"{op}: the value 1000 is out of range for dtype int8 "
                                                      "(-128 to 127)")):
        call(_int8())


_FILLS = [
    (lambda x, v: x.masked_fill(mg.tensor([True, False, True]), v), "masked_fill"),
    (lambda x, v: x.clone().fill_(v), "fill_"),
    (lambda x, v: mg.full((2,), v, dtype=mg.int8), "full"),
    (lambda x, v: mg.full_like(x, v), "full_like"),
    (lambda x, v: x.index_fill(0, mg.tensor([0]), mg.tensor(v)), "index_fill"),   # a 0-d tensor value named it masked_fill
]


@pytest.mark.parametrize("call, op", _FILLS)
@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (float("inf"), "inf"), (70000.0, "70000.0"),
                                          (127.5, "127.5"), (-128.5, "-128.5")])
def test_a_float_fill_value_the_integer_dtype_cannot_hold_names_the_op_and_the_range(call, op, value, shown):
    # NumPy's cast wrote garbage silently (int8 NaN 0, 70000.0 as 112); torch: "value cannot be converted to
    # type int8_t without overflow"
    with pytest.raises(RuntimeError, match=re.escape(f"{op}: the value {shown} is out of range for dtype int8 "
                                                      "(-128 to 127)")):
        call(_int8(), value)


@pytest.mark.parametrize("call, op", _FILLS[:4])   # full_like takes a 0-d tensor too, as torch's (it refused one)
def test_a_zero_dim_tensor_fill_value_the_integer_dtype_cannot_hold_is_refused(call, op):
    # masked_fill and full cast a 0-d tensor into the dtype, wrapping int16 300 to 44 where torch refuses it
    for value, shown in [(mg.tensor(300, dtype=mg.int16), "300"), (mg.tensor(float("nan")), "nan")]:
        with pytest.raises(RuntimeError, match=re.escape(f"{op}: the value {shown} is out of range for dtype int8")):
            call(_int8(), value)


def test_full_with_a_zero_dim_tensor_takes_the_dtype_of_the_number_it_holds_as_torch():
    # it was float32 for any 0-d tensor (torch.full((2,), torch.tensor(3)) is int64, of tensor(True) bool)
    assert mg.full((2,), mg.tensor(3)).dtype == np.int64
    assert mg.full((2,), mg.tensor(True)).dtype == np.bool_
    assert mg.full((2,), mg.tensor(3.5)).dtype == np.float32
    assert mg.full((2,), mg.tensor(3), dtype=mg.float64).tolist() == [3.0, 3.0]


def test_a_float_fill_value_within_the_integer_range_is_truncated_as_in_torch():
    x = _int8()
    assert x.masked_fill(mg.tensor([True, False, True]), -127.9).tolist() == [-127, 2, -127]
    assert x.clone().fill_(126.5).tolist() == [126, 126, 126]
    assert mg.full((2,), 2.5, dtype=mg.int8).tolist() == [2, 2]
    assert x.masked_fill(mg.tensor([True, False, True]), mg.tensor(-3.7)).tolist() == [-3, 2, -3]


def test_an_integer_written_by_index_that_the_dtype_cannot_hold_names_the_op_and_the_shape():
    x = _int8()
    with pytest.raises(RuntimeError, match=r"^x\[index\] = value: the value 300 is out of range for dtype int8"):
        x[0] = 300   # torch's RuntimeError (it was NumPy's OverflowError)
    with pytest.raises(OverflowError, match=r"x\[index\] = value: .*300.*int8 \(tensor of shape \(3,\)\)"):
        x[0:2] = [1, 300]
    assert x.tolist() == [1, 2, 3]


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("value, shown", [(1e40, r"1e\+40"), (-1e39, r"-1e\+39"),
                                          (10**40, r"1000000000000\.\.\.\(41 digits\)"),
                                          (np.float64(1e40), r"np\.float64\(1e\+40\)")])
@pytest.mark.parametrize("index", [0, slice(None), "mask"])
def test_a_python_number_past_float32s_range_written_by_index_is_refused_as_torch(dtype, value, shown, index):
    """x[0] = 1e40 into float32 (or complex64) wrote inf silently, as NumPy's cast rounds it; torch refuses it ("value
    cannot be converted to type float without overflow"), as minigrad's fill_, masked_fill and full do."""
    import torch
    index = mg.tensor([True, False]) if index == "mask" else index
    x, tx = mg.zeros(2, dtype=getattr(mg, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
    with pytest.raises((RuntimeError, ValueError)):
        tx[torch.tensor([True, False]) if isinstance(index, mg.Tensor) else index] = value
    # torch's RuntimeError; an int past 64 bits is no torch Scalar (torch's ValueError here, OverflowError in full)
    if isinstance(value, int):
        expected, match = ValueError, rf"^x\[index\] = value: the integer {shown} is outside int64's range"
    else:
        expected, match = RuntimeError, rf"^x\[index\] = value: the value {shown} is out of range for dtype {dtype} \("
    with pytest.raises(expected, match=match):
        x[index] = value
    assert x.tolist() == [0, 0]
    x[0], x[1] = float("inf"), float("nan")   # inf and NaN themselves are written, as in torch
    assert np.isinf(x.numpy()[0]) and np.isnan(x.numpy()[1])
    big = mg.zeros(1, dtype=mg.float64)
    big[0] = 1e40
    assert big.tolist() == [1e40]


@pytest.mark.parametrize("value", [1e40j, -1e40j, complex(1, 1e39), np.complex128(1e40j)])
def test_a_complex_number_whose_imaginary_part_is_past_complex64s_range_is_refused_as_torch(value):
    # Only the real part was checked: zeros(2, dtype=complex64)[0] = 1e40j wrote 0+infj; torch refuses it
    import torch
    with pytest.raises(RuntimeError):
        torch.zeros(2, dtype=torch.complex64)[0] = value
    x = mg.zeros(2, dtype=mg.complex64)
    with pytest.raises(RuntimeError, match=r"^x\[index\] = value: the value .* is out of range for dtype complex64"):
        x[0] = value
    assert x.tolist() == [0, 0]


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "uint8"])
def test_a_complex_number_without_imaginary_part_is_written_into_a_real_tensor_as_torch(dtype):
    """x[0] = 1 + 0j and x.fill_(3 + 0j) on a real tensor were NumPy's "float() argument must be a string or a real
    number, not 'complex'"; torch writes the real part, and refuses an imaginary part, as minigrad does by name."""
    import torch
    x, tx = mg.zeros(3, dtype=getattr(mg, dtype)), torch.zeros(3, dtype=getattr(torch, dtype))
    for t in (x, tx):
        t[0] = 1 + 0j
        t[1:] = 2 + 0j
    assert x.tolist() == tx.tolist() == [1, 2, 2]
    assert x.fill_(3 + 0j).tolist() == tx.fill_(3 + 0j).tolist() == [3, 3, 3]
    with pytest.raises(RuntimeError):
        tx[0] = 1j
    with pytest.raises(RuntimeError, match=rf"^x\[index\] = value: the complex value 1j does not fit dtype {dtype} "):
        x[0] = 1j
    with pytest.raises(RuntimeError, match=rf"^fill_: the complex value \(1\+1j\) does not fit dtype {dtype} "):
        x.fill_(1 + 1j)
    assert x.tolist() == [3, 3, 3]


def test_fill_values_at_the_ends_of_the_range_are_written():
    x = _int8()
    assert x.masked_fill(mg.tensor([True, False, True]), -128).tolist() == [-128, 2, -128]
    assert x.clone().fill_(127).tolist() == [127, 127, 127]
    assert mg.full((2,), 255, dtype=mg.uint8).tolist() == [255, 255]
    assert x.clone().fill_(2.5).tolist() == [2, 2, 2]   # a float is cast, as torch casts it


def _outcome(call):
    """The exception's class name, or the result's dtype and values, for comparing a write with torch's."""
    try:
        out = call()
    except Exception as exc:   # noqa: BLE001  (compared with torch's)
        return type(exc).__name__, None
    return str(out.dtype).replace("torch.", ""), repr(out.numpy().tolist())   # repr: NaN equals NaN


def _written(L, dtype, index, value):
    x = L.zeros(2, dtype=getattr(L, dtype))
    x[index(L)] = value(L)
    return x


# every write of one number: the one rule of scalars.fill_number, as torch converts a Scalar
_NUMBER_WRITES = {
    "full": lambda L, dt, v: L.full((2,), v(L), dtype=getattr(L, dt)),
    "new_full": lambda L, dt, v: L.zeros(2, dtype=getattr(L, dt)).new_full((2,), v(L)),
    "full_like": lambda L, dt, v: L.full_like(L.zeros(2, dtype=getattr(L, dt)), v(L)),
    "fill_": lambda L, dt, v: L.zeros(2, dtype=getattr(L, dt)).fill_(v(L)),
    "masked_fill": lambda L, dt, v: L.zeros(2, dtype=getattr(L, dt)).masked_fill(L.tensor([True, False]), v(L)),
    "index_fill": lambda L, dt, v: L.zeros(2, dtype=getattr(L, dt)).index_fill(0, L.tensor([0]), v(L)),
    "scatter": lambda L, dt, v: L.zeros(2, dtype=getattr(L, dt)).scatter(0, L.tensor([0]), v(L)),
    "x[0] = v": lambda L, dt, v: _written(L, dt, lambda L: 0, v),
    "x[:] = v": lambda L, dt, v: _written(L, dt, lambda L: slice(None), v),
    "x[mask] = v": lambda L, dt, v: _written(L, dt, lambda L: L.tensor([True, False]), v),
    "x[tensor] = v": lambda L, dt, v: _written(L, dt, lambda L: L.tensor([1]), v),
}
_NUMBERS = [-1, -255, -256, 255, 256, -1.0, -0.5, 300, -129, 127.5, float("nan"), float("inf"), 70000.0, 1e40,
            True, np.int64(-1), np.float64(300.0), 1 + 0j, 2 + 1j]


def _torch_write(write, number):
    """The torch write minigrad's ``write`` is compared with: itself, but for index_fill of a complex number, which
    torch's refuses for any dtype but a complex one, imaginary part or not (a difference kept on purpose): minigrad's
    index_fill writes as the same write by masked_fill, torch's too, does (1 + 0j is 1; 2 + 1j refused)."""
    if write == "index_fill" and isinstance(number, complex):
        return _NUMBER_WRITES["masked_fill"]
    return _NUMBER_WRITES[write]


@pytest.mark.parametrize("write", sorted(_NUMBER_WRITES))
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "float16", "bool"])
@pytest.mark.parametrize("number", _NUMBERS, ids=repr)
def test_a_number_written_into_a_dtype_as_torch(write, dtype, number):
    """torch converts a written number as a Scalar (c10's checked_convert): a negative int wraps into an unsigned
    dtype down to minus its largest (uint8's -1 is 255, -256 refused), and what the dtype cannot hold (int8's 300,
    NaN for an integer dtype, a float below 0 for uint8, 70000.0 for float16) is a RuntimeError, every write alike."""
    torch = pytest.importorskip("torch")
    make = _NUMBER_WRITES[write]
    expected = _outcome(lambda: _torch_write(write, number)(torch, dtype, lambda L: number))
    assert _outcome(lambda: make(mg, dtype, lambda L: number)) == expected


_FILL_WRITES = sorted(w for w in _NUMBER_WRITES if not w.startswith("x["))   # x[i] = 2**64 is ValueError (below)


@pytest.mark.parametrize("write", _FILL_WRITES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bool", "int64", "uint8", "complex64"])
@pytest.mark.parametrize("number", [2 ** 64, 2 ** 64 - 1, 2 ** 63, -2 ** 63, -2 ** 63 - 1, -2 ** 64, 10 ** 400, 1e40,
                                    1e40j], ids=repr)
def test_an_integer_past_64_bits_written_by_a_fill_as_torch(write, dtype, number):
    """torch's Scalar takes an int from int64's lowest to uint64's largest and refuses one past that for every dtype,
    OverflowError ("int too big to convert"); minigrad wrote 2**64 and -2**63 - 1 into float and bool tensors, its
    full(2**63, dtype=bool) was NumPy's bare "Python int too large to convert to C long", and complex64 took 1e40 as
    inf with a RuntimeWarning (review)."""
    torch = pytest.importorskip("torch")
    make = _NUMBER_WRITES[write]
    expected = _outcome(lambda: _torch_write(write, number)(torch, dtype, lambda L: number))
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no overflow in NumPy's cast
        assert _outcome(lambda: make(mg, dtype, lambda L: number)) == expected


def test_an_integer_past_64_bits_is_refused_naming_the_op():
    with pytest.raises(OverflowError, match=r"^full: the integer 18446744073709551616 is past 64 bits"):
        mg.full((2,), 2 ** 64, dtype=mg.float32)
    with pytest.raises(OverflowError, match=r"^masked_fill: the integer -9223372036854775809 is past 64 bits"):
        mg.zeros(2, dtype=mg.bool).masked_fill(mg.tensor([True, False]), -2 ** 63 - 1)
    assert mg.full((2,), 2 ** 63, dtype=mg.bool).tolist() == [True, True]   # NumPy's "too large to convert to C long"


@pytest.mark.parametrize("write", ["full", "full_like", "masked_fill", "index_fill"])
@pytest.mark.parametrize("number", [-1, -255, -256, 300, -1.0], ids=repr)
def test_a_zero_dim_tensor_written_into_uint8_as_torch(write, number):
    # these read the tensor's number as a Scalar; torch's fill_ copies it with a tensor cast instead (-256 is 0),
    # where minigrad's refuses what the dtype cannot hold (test_a_zero_dim_tensor_fill_value_..._is_refused)
    torch = pytest.importorskip("torch")
    make = _NUMBER_WRITES[write]
    expected = _outcome(lambda: make(torch, "uint8", lambda L: L.tensor(number)))
    assert _outcome(lambda: make(mg, "uint8", lambda L: L.tensor(number))) == expected


def test_the_review_cases_of_negative_ints_for_uint8():
    assert mg.full((2,), -1, dtype=mg.uint8).tolist() == [255, 255]
    assert mg.zeros(2, dtype=mg.uint8).fill_(-1).tolist() == [255, 255]
    x = mg.zeros(2, dtype=mg.uint8)
    x[0] = -1
    assert x.tolist() == [255, 0] and x.dtype == np.uint8
    with pytest.raises(RuntimeError, match=re.escape("full: the value -256 is out of range for dtype uint8 (0 to "
                                                     "255)")):
        mg.full((2,), -256, dtype=mg.uint8)


def test_a_number_the_integer_dtype_cannot_hold_written_by_index_is_torchs_runtime_error():
    x = mg.zeros(2, dtype=mg.int8)
    with pytest.raises(RuntimeError, match=re.escape("x[index] = value: the value 300 is out of range for dtype int8 "
                                                     "(-128 to 127)")):
        x[0] = 300   # NumPy's OverflowError
    with pytest.raises(RuntimeError, match=re.escape("x[index] = value: the value nan is out of range for dtype int8")):
        x[0] = float("nan")   # NumPy's ValueError
    assert x.tolist() == [0, 0]


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "int32", "int64", "uint8", "bool", "complex64"])
@pytest.mark.parametrize("value", [2 ** 63, -2 ** 63 - 1, 2 ** 100, 2 ** 63 - 1, 1 + 0j, 1 + 2j, np.complex128(1 + 0j),
                                   np.complex128(1 + 2j)], ids=repr)
def test_a_python_int_past_64_bits_or_a_complex_number_written_by_index_as_torch(dtype, value):
    """torch refuses an int past 64 bits for every dtype (ValueError), and a complex number with an imaginary part
    for a real one (RuntimeError; a bool takes it as True); minigrad wrote 2**63 into float32, and NumPy's complex
    scalar lost its imaginary part with a ComplexWarning (review)."""
    import torch
    x, tx = mg.zeros(2, dtype=getattr(mg, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
    try:
        tx[0] = value
    except (RuntimeError, ValueError) as exc:
        with pytest.raises(type(exc), match=r"^x\[index\] = value: "):
            x[0] = value
        assert x.tolist() == tx.tolist()   # nothing written
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no ComplexWarning for a complex number without an imaginary part
        x[0] = value
    assert x.tolist() == tx.tolist()


def test_an_unpickled_float32_tensor_still_refuses_a_number_past_its_range():
    """An unpickled array's float32 is equal to NumPy's but another object: an identity test let x[0] = 1e40 write
    inf (review); torch refuses it."""
    import pickle
    for dtype in (mg.float32, mg.complex64):
        x = pickle.loads(pickle.dumps(mg.zeros(3, dtype=dtype)))
        assert x.data.dtype is not np.dtype(x.data.dtype.name)
        with pytest.raises(RuntimeError, match=r"^x\[index\] = value: the value 1e\+40 is out of range"):
            x[0] = 1e40
        assert x.tolist() == [0, 0, 0]


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64"])
@pytest.mark.parametrize("value", [3 + 0j, 300 + 0j, -1 + 0j, complex(float("nan"), 0)], ids=repr)
@pytest.mark.parametrize("write", ["full", "fill_", "index_add alpha"])
def test_a_complex_number_without_an_imaginary_part_is_range_checked_for_an_integer_dtype_as_torch(dtype, value,
                                                                                                   write):
    """300 + 0j passed check_fits for int8 (neither an integer nor a real number): full wrote 44, fill_ raised NumPy's
    bare OverflowError, index_add's alpha an error naming mul (review); torch refuses it (RuntimeError)."""
    import torch

    def run(lib):
        if write == "full":
            return lib.full((2,), value, dtype=getattr(lib, dtype))
        if write == "fill_":
            return lib.zeros(2, dtype=getattr(lib, dtype)).fill_(value)
        return lib.zeros(2, dtype=getattr(lib, dtype)).index_add(0, lib.tensor([0]), lib.ones(1, dtype=getattr(
            lib, dtype)), alpha=value)
    try:
        expected = run(torch).tolist()
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"out of range for dtype"):
            run(mg)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(mg).tolist() == expected
