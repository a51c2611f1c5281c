"""Result dtypes of the arithmetic operators and logical ops over every pair of dtypes, against torch.

minigrad follows torch's type promotion, with one deliberate difference: two different floating dtypes
(float32 with float64) are refused rather than promoted (docs/autodiff.md, "float32 stays float32").
torch also refuses what these tests expect minigrad to refuse: subtraction with a bool and a bool raised to a
bool power.
"""
import itertools
import operator

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "**": operator.pow, "//": operator.floordiv, "%": operator.mod}
NUMBERS = [True, 2, 2.5]


def _result(f, a, b):
    """The result's dtype name, or "error" when the op refuses."""
    try:
        out = f(a, b)
    except (TypeError, RuntimeError, NotImplementedError):
        return "error"
    return str(out.dtype).replace("torch.", "")


def _pair(dtype):
    values = np.array([1, 1, 1]).astype(dtype)   # no zeros: the integer divisions refuse division by zero
    return torch.tensor(values), mg.tensor(values, dtype=dtype)


def _mixed_floats(*dtypes):
    return {"float32", "float64"} <= set(dtypes)


@pytest.mark.parametrize("symbol", OPERATORS)
@pytest.mark.parametrize("left,right", list(itertools.product(DTYPES, DTYPES)))
def test_tensor_with_tensor_gives_torchs_dtype(symbol, left, right):
    f = OPERATORS[symbol]
    (ta, ma), (tb, mb) = _pair(left), _pair(right)
    expected = "error" if _mixed_floats(left, right) else _result(f, ta, tb)
    assert _result(f, ma, mb) == expected


@pytest.mark.parametrize("symbol", OPERATORS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_tensor_with_python_number_gives_torchs_dtype(symbol, dtype, number):
    f = OPERATORS[symbol]
    t, m = _pair(dtype)
    assert _result(f, m, number) == _result(f, t, number)
    assert _result(f, number, m) == _result(f, number, t)


def test_subtraction_with_a_bool_is_refused_everywhere_as_in_torch():
    # torch's RuntimeError ("Subtraction, the `-` operator, with a bool tensor is not supported")
    mask, ints = mg.tensor([True, False]), mg.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"^sub: cannot subtract bools \(a tensor of dtype bool and shape \(2,\) "
                                           r"and a tensor of dtype bool and shape \(2,\)\), as in torch; use "
                                           r"logical_xor or \^ instead"):
        mask - mask
    for call in (lambda: ints - True, lambda: 1 - mask, lambda: mg.sub(ints, mask, alpha=2), lambda: ints.sub_(True)):
        with pytest.raises(RuntimeError, match="^sub: subtraction with a bool operand is not supported"):
            call()
    with mg.no_grad():   # the in-place path too
        with pytest.raises(RuntimeError, match=r"^sub: subtraction with a bool operand is not supported \(a tensor "
                                               r"of dtype int64 and shape \(2,\) and True\)"):
            ints -= True
    assert ints.tolist() == [1, 2]


def test_bool_powers_follow_torch():
    mask = mg.tensor([True, False])
    assert (mask ** True).tolist() == [True, False] and (mask ** True).dtype == np.bool_
    assert (mask ** False).tolist() == [True, True]
    assert (mask ** 2).dtype == np.int64 and (mask ** 2).tolist() == [1, 0]
    with pytest.raises(TypeError, match=r"^pow: a bool raised to a bool tensor \(shape \(2,\)\) is not supported"):
        mask ** mask


@pytest.mark.parametrize("base_dtype", ["int64", "int8", "uint8", "bool"])
@pytest.mark.parametrize("exponent_dtype", ["int64", "int16"])
def test_integer_tensor_powers_with_negative_exponent_tensors_are_torchs(base_dtype, exponent_dtype):
    # torch truncates a^b: 1 for a = 1, +-1 for a = -1, 0 otherwise (0 ** -2 too); NumPy's integer power raised
    # "Integers to negative integer powers are not allowed" from inside the op
    base = np.array([2, -2, 1, -1, 0, 3, -1, 5, 1])
    base = (np.abs(base) if base_dtype == "uint8" else base).astype(base_dtype)
    exponent = np.array([-1, -1, -2, -3, -2, -2, -4, 3, 0]).astype(exponent_dtype)
    cases = [(mg.tensor(base, dtype=base_dtype) ** mg.tensor(exponent, dtype=exponent_dtype),
              torch.tensor(base) ** torch.tensor(exponent)),
             (2 ** mg.tensor(exponent, dtype=exponent_dtype), 2 ** torch.tensor(exponent)),
             (mg.pow(-1, mg.tensor(exponent, dtype=exponent_dtype)), torch.pow(-1, torch.tensor(exponent)))]
    for got, expected in cases:
        assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
        assert got.tolist() == expected.tolist()


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("left,right", [("float32", "bool"), ("int64", "float64"), ("float32", "float64"),
                                        ("uint8", "int8")])
def test_logical_ops_take_truth_values_of_any_dtype(name, left, right):
    values_a, values_b = np.array([0, 2, -1, 0]), np.array([1, 0, 3, 0])
    expected = getattr(torch, name)(torch.tensor(values_a.astype(left)), torch.tensor(values_b.astype(right)))
    got = getattr(mg, name)(mg.tensor(values_a.astype(left), dtype=left), mg.tensor(values_b.astype(right), dtype=right))
    assert got.dtype == np.bool_ and got.tolist() == expected.tolist()


def test_logical_not_of_numbers_and_nan():
    x = np.array([0.0, 1.5, np.nan, -0.0], dtype=np.float32)
    assert mg.logical_not(mg.tensor(x)).tolist() == torch.logical_not(torch.tensor(x)).tolist() == [True, False,
                                                                                                     False, True]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "uint16", "int8", "int32"])
def test_sum_of_integers_is_int64_as_in_torch(dtype):
    x = mg.tensor(np.array([[200, 100], [1, 1]]).astype(dtype), dtype=dtype)
    assert x.sum().dtype == np.int64 and x.sum(axis=0).dtype == np.int64 and mg.sum(x, dim=1).dtype == np.int64
    assert x.sum().item() == int(np.array([[200, 100], [1, 1]]).astype(dtype).astype(np.int64).sum())


@pytest.mark.parametrize("name", ["cat", "stack"])
@pytest.mark.parametrize("left,right", list(itertools.product(DTYPES, DTYPES)))
def test_joining_promotes_as_torch(name, left, right):
    (ta, ma), (tb, mb) = _pair(left), _pair(right)
    expected = "error" if _mixed_floats(left, right) else _result(lambda a, b: getattr(torch, name)([a, b]), ta, tb)
    got = _result(lambda a, b: getattr(mg, name)([a, b]), ma, mb)
    assert got == expected
    if got != "error":
        assert getattr(mg, name)([ma, mb]).tolist() == getattr(torch, name)([ta, tb]).tolist()


def test_joining_a_float_tensor_with_integers_keeps_its_gradient_and_refuses_two_floats():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.cat([x, mg.tensor([3])])
    assert y.dtype == np.float32 and y.tolist() == [1.0, 2.0, 3.0]
    (y * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"^concat: tensors have different floating dtypes \['float32', 'float64'\]"):
        mg.concat([x, mg.tensor([1.0], dtype="float64")])



ZERO_D_OPS = {**OPERATORS, "&": operator.and_, "maximum": "maximum", "fmod": "fmod", "where": "where"}


def _zero_d_call(name, lib):
    if name == "where":
        return lambda a, b: lib.where(lib.tensor([True, False, True, False, True]), a, b)
    return getattr(lib, name) if isinstance(name, str) else name


@pytest.mark.parametrize("symbol", ZERO_D_OPS)
def test_a_zero_dim_tensor_promotes_only_by_category_as_in_torch(symbol):
    # torch.result_type: a 0-d tensor of the same category does not widen a tensor with dims (uint8 image - tensor(1)
    # stays uint8 and wraps); NumPy 2 gives 0-d arrays a full vote, which made these int16/int64 (and 1 - 2 = -1)
    values_a, value_b = np.array([3, 1, 7, 2, 100]), np.array(5)
    tf, mf = _zero_d_call(ZERO_D_OPS[symbol], torch), _zero_d_call(ZERO_D_OPS[symbol], mg)
    for left, right in itertools.product(DTYPES, DTYPES):
        if _mixed_floats(left, right):
            continue
        ta, ma = torch.tensor(values_a.astype(left)), mg.tensor(values_a.astype(left), dtype=left)
        tb, mb = torch.tensor(value_b.astype(right)), mg.tensor(value_b.astype(right), dtype=right)
        for (t1, t2), (m1, m2) in (((ta, tb), (ma, mb)), ((tb, ta), (mb, ma))):
            expected = _result(tf, t1, t2)
            assert _result(mf, m1, m2) == expected, (left, right, t1.dim())
            if expected != "error":
                np.testing.assert_array_equal(mf(m1, m2).numpy(), tf(t1, t2).numpy())


@pytest.mark.parametrize("alpha", [2, -1, 0])
def test_alpha_and_value_take_the_tensors_result_type_as_in_torch(alpha):
    # torch casts alpha (add/sub) and value (addcmul) to the tensors' result type; NumPy's 2 * mask is int64, which
    # made add(int8, mask, alpha=2) int64 and add(mask, mask, alpha=2) the int64 [3, 0] where torch's is a mask
    masks, ints = np.array([True, False, True]), np.array([100, -2, 7])
    for left, right in [("int8", "bool"), ("uint8", "bool"), ("int16", "int8"), ("bool", "bool"), ("bool", "int32")]:
        ta, tb = torch.tensor(ints.astype(left)), torch.tensor(masks.astype(right))
        ma, mb = mg.tensor(ints.astype(left), dtype=left), mg.tensor(masks.astype(right), dtype=right)
        calls = [(lambda a, b: torch.add(a, b, alpha=alpha), lambda a, b: mg.add(a, b, alpha=alpha))]
        if (left, right) != ("bool", "int32"):   # an int32 result cannot be written into a mask
            calls.append((lambda a, b: a.clone().add_(b, alpha=alpha), lambda a, b: a.clone().add_(b, alpha=alpha)))
        for tf, mf in calls:
            expected, got = tf(ta, tb), mf(ma, mb)
            assert str(got.dtype) == str(expected.dtype).replace("torch.", "") and got.tolist() == expected.tolist()
        if left != "bool":
            expected = torch.addcmul(ta, tb, tb, value=alpha)
            got = mg.addcmul(ma, mb, mb, value=alpha)
            assert str(got.dtype) == str(expected.dtype).replace("torch.", "") and got.tolist() == expected.tolist()
    with pytest.raises(NotImplementedError, match=r"^addcmul: bool tensors are not supported"):   # torch's type
        mg.addcmul(mg.tensor(masks), mg.tensor(masks), mg.tensor(masks))


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8"])
@pytest.mark.parametrize("value", [1.0, 2.0, 1.5, -1.5, 2.9, 0.5, -0.0, np.float64(1.0), np.float32(2.5), True,
                                   np.True_, float("nan"), float("inf"), 1e30, 300.0, 300, -1, -255, -256, -1.0, 255],
                         ids=repr)
def test_addcmul_with_integer_tensors_converts_value_to_their_dtype_as_torch(value, dtype):
    """torch converts addcmul's value to the integer result's dtype: a float truncated (1.5 is 1), a negative int
    wrapped into an unsigned dtype (uint8's -1 is 255), refused past the range (RuntimeError: NaN, inf, 300 for int8);
    minigrad refused every float value (TypeError) and wrapped 300 into int8 silently."""
    a, b, c = np.array([1, 2]), np.array([3, 4]), np.array([5, 6])
    try:
        expected = torch.addcmul(*(torch.tensor(v.astype(dtype)) for v in (a, b, c)), value=value)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"^addcmul \(value\): the value .* is out of range for dtype " + dtype):
            mg.addcmul(*(mg.tensor(v, dtype=dtype) for v in (a, b, c)), value=value)
        return
    got = mg.addcmul(*(mg.tensor(v, dtype=dtype) for v in (a, b, c)), value=value)
    assert str(got.dtype) == str(expected.dtype).replace("torch.", "") and got.tolist() == expected.tolist()
    mixed = mg.addcmul(mg.tensor(a, dtype=dtype), mg.tensor(b, dtype=dtype), mg.tensor(c, dtype="float32"), value=value)
    theirs = torch.addcmul(torch.tensor(a.astype(dtype)), torch.tensor(b.astype(dtype)),
                           torch.tensor(c.astype("float32")), value=value)
    np.testing.assert_allclose(mixed.numpy(), theirs.numpy(), rtol=1e-6)   # a float result keeps the value as it is


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int64"])
@pytest.mark.parametrize("beta, alpha", [(1, 2), (2, 1), (1, 0), (0, 0), (1, -1), (-1, 1), (1, True), (True, 2),
                                         (1, np.int64(2)), (1, 300), (300, 1), (1, 2.0), (1, -256)], ids=repr)
def test_addr_converts_beta_and_alpha_to_an_integer_or_bool_result_as_torch(beta, alpha, dtype):
    """torch converts addr's beta and alpha to the result's dtype: for bool tensors alpha=2 is True (a bool result;
    minigrad gave int64), for integers a negative int wraps into uint8 and 300 is refused for int8 (RuntimeError)."""
    x, v1, v2 = np.array([[1, 0], [0, 2]]), np.array([1, 3]), np.array([2, 0])
    cast = (lambda a: a % 2 == 1) if dtype == "bool" else (lambda a: a.astype(dtype))
    try:
        expected = torch.addr(*(torch.tensor(cast(a)) for a in (x, v1, v2)), beta=beta, alpha=alpha)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"^addr"):
            mg.addr(*(mg.tensor(cast(a)) for a in (x, v1, v2)), beta=beta, alpha=alpha)
        return
    got = mg.addr(*(mg.tensor(cast(a)) for a in (x, v1, v2)), beta=beta, alpha=alpha)
    assert str(got.dtype) == str(expected.dtype).replace("torch.", "") and got.tolist() == expected.tolist()


def test_addcmul_of_bool_tensors_and_integer_addcdiv_raise_torchs_types():
    masks = np.array([True, False])
    for module, expected in ((torch, NotImplementedError), (mg, NotImplementedError)):
        with pytest.raises(expected):
            module.addcmul(module.tensor(masks), module.tensor(masks), module.tensor(masks))
    for module in (torch, mg):
        with pytest.raises(RuntimeError, match="(?i)integer division"):
            module.addcdiv(module.tensor([1.0]), module.tensor([1]), module.tensor([2]))


@pytest.mark.parametrize("name", ["div", "atan2", "copysign", "xlogy", "ldexp", "add", "eq"])
def test_a_zero_dim_integer_the_other_dtype_cannot_hold_keeps_its_value(name):
    # tensor(-1, int8) meeting uint8: torch computes division, atan2, copysign, ... on the true value -1; casting it
    # to uint8 first (255) gave uint8 / tensor(-1) = 3/255. Where torch instead wraps it (integer results), minigrad
    # keeps NumPy's wider dtype (int16): the values agree, the dtype differs (docs/autodiff.md, section 12)
    a, b = np.array([3, 4], dtype=np.uint8), np.array(-1, dtype=np.int8)
    ours, theirs = (mg.tensor(a, dtype="uint8"), mg.tensor(b, dtype="int8")), (torch.tensor(a), torch.tensor(b))
    for (x, y), (tx, ty) in [(ours, theirs), (ours[::-1], theirs[::-1])]:
        expected, got = getattr(torch, name)(tx, ty), getattr(mg, name)(x, y)
        if name == "add":
            assert got.dtype == np.int16 and expected.dtype == torch.uint8
            assert (got.numpy() % 256).tolist() == expected.tolist()
        elif name == "eq":
            assert got.tolist() == [False, False]
        else:
            assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["div", "true_divide", "atan2", "copysign", "xlogy"])
@pytest.mark.parametrize("dtype, number", [("uint8", -3), ("int8", 1000), ("uint8", 300)])
def test_a_python_int_an_integer_tensor_cannot_hold_keeps_its_value_in_float_ops(name, dtype, number):
    # Ops that compute in floats read the number as it is, as torch does; NumPy 2's conversion of it into the
    # tensor's dtype raised "Python integer -3 out of bounds for uint8" first
    a = np.array([1, 120], dtype=dtype)
    for args, targs in [((mg.tensor(a, dtype=dtype), number), (torch.tensor(a), number)),
                        ((number, mg.tensor(a, dtype=dtype)), (number, torch.tensor(a)))]:
        targs = [torch.tensor(float(t)) if t is number and name != "div" and name != "true_divide" else t
                 for t in targs]   # torch's atan2/copysign/xlogy take no Python number: its float as a 0-d tensor
        got, expected = getattr(mg, name)(*args), getattr(torch, name)(*targs)
        assert got.dtype == np.float32 and expected.dtype == torch.float32
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op, name", [(operator.add, "add"), (operator.floordiv, "floor_divide"),
                                      (operator.lt, "less"), (lambda a, b: mg.maximum(a, b), "maximum")])
def test_a_python_int_an_integer_tensor_cannot_hold_is_refused_naming_the_op(op, name):
    # torch wraps it into the dtype (uint8 + -3 is uint8 + 253); NumPy 2's bare OverflowError named neither op
    # nor tensor
    x = mg.tensor([1, 250], dtype="uint8")
    with pytest.raises(OverflowError, match=rf"^{name}: the Python integer -3 is out of range for the uint8 tensor "
                                            r"of shape \(2,\) it meets \(0 to 255\)"):
        op(x, -3)


@pytest.mark.parametrize("call", [
    lambda x: x.clamp(min=-1, max=2),       # torch wraps min to 255 > max 2: all 2 (NumPy's true compare: 0, 1, 2, 2)
    lambda x: x.clamp(min=2, max=-1),       # max 255
    lambda x: x.clamp_(min=-5),             # min 251, in place
    lambda x: x.clip(-1, 2),
])
def test_a_negative_python_int_clamp_bound_of_an_unsigned_tensor_wraps_as_torch(call):
    # torch converts the bound to uint8 as C does (-1 is 255) for -255..-1; minigrad refused it (OverflowError).
    # Past the range both refuse with RuntimeError: tests/nn/test_scalar_overflow.py
    data = np.array([0, 1, 7, 200], dtype=np.uint8)
    x, tx = mg.tensor(data), torch.tensor(data)
    got, expected = call(x), call(tx)
    assert got.dtype == np.uint8 and got.tolist() == expected.tolist()


@pytest.mark.parametrize("op, name", [(operator.add, "add"), (operator.mul, "mul"), (operator.truediv, "div"),
                                      (operator.lt, "less"), (lambda a, b: mg.maximum(a, b), "maximum")])
def test_uint64_with_a_signed_integer_is_refused_not_computed_in_float64(op, name):
    # NumPy promotes uint64 with int64 (or int8, or a 0-d -1) to float64: 2**63 + 1 came back as 9.223372e+18
    # in float64 (float32 stays float32 and neither operand was a float); torch refuses to promote uint64 at all
    big = mg.tensor([2**63 + 1], dtype="uint64")
    for other in (mg.tensor([1]), mg.tensor([1], dtype="int8"), mg.tensor(-1)):
        with pytest.raises(TypeError, match=rf"^{name}: operands of dtypes uint64 and {other.dtype} have no common "
                                            r"integer dtype \(NumPy would compute in float64"):
            op(big, other)
    with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64 types is not supported"):
        torch.tensor([1], dtype=torch.uint64) + torch.tensor([1])
    assert (big + 1).tolist() == [2**63 + 2] and (big + mg.tensor([1], dtype="uint8")).dtype == np.uint64


def test_kron_with_a_zero_dim_tensor_promotes_in_full_as_in_torch():
    # kron is a product of reshaped tensors, not an elementwise op: torch's 0-d rule does not apply to it
    a, b = np.array([100, 2], dtype=np.uint8), np.array(3, dtype=np.int8)
    for x, y in ((a, b), (b, a)):
        expected = torch.kron(torch.tensor(x), torch.tensor(y))
        got = mg.kron(mg.tensor(x, dtype=x.dtype), mg.tensor(y, dtype=y.dtype))
        assert str(got.dtype) == str(expected.dtype).replace("torch.", "") == "int16"
        assert got.tolist() == expected.tolist() == [300, 6]


@pytest.mark.parametrize("left, right",
                         [("int32", "int8"), ("int16", "uint8"), ("int64", "int32"), ("float64", "int8")])
def test_alpha_and_value_scale_in_the_result_type_not_the_narrower_operands(left, right):
    # torch computes alpha * b and value * t1 * t2 in the result type: int32 + 2 * int8(100) is 200; scaling in the
    # narrower operand's dtype first wrapped it (-56), and addcmul(int32, int8(100), int8(100)) gave 16, not 10000
    big = {"int8": 100, "uint8": 200, "int32": 2**30}[right]
    values = np.array([big, 1, 3]).astype(right)
    base = np.array([1, 2, 3]).astype(left)
    ta, tb = torch.tensor(base), torch.tensor(values)
    ma, mb = mg.tensor(base, dtype=left), mg.tensor(values, dtype=right)
    pairs = [(torch.add(ta, tb, alpha=2), mg.add(ma, mb, alpha=2)),
             (torch.sub(ta, tb, alpha=3), mg.sub(ma, mb, alpha=3)),
             (ta.clone().add_(tb, alpha=2), ma.clone().add_(mb, alpha=2)),
             (torch.addcmul(ta, tb, tb), mg.addcmul(ma, mb, mb)),
             (torch.addcmul(ta, tb, tb, value=2), mg.addcmul(ma, mb, mb, value=2))]
    for expected, got in pairs:
        assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
        assert got.tolist() == expected.tolist()


HALF_NUMBERS = [0.1, 1e-5, 3.3, 1 / 3, 100000, 70000.0, 65504.0, 2.0, 0.5, -1e-8]


@pytest.mark.parametrize("number", HALF_NUMBERS)
@pytest.mark.parametrize("name", ["x * c", "c * x", "x / c", "x + c", "x - c", "c - x"])
def test_a_float16_tensor_with_a_number_is_torchs_bit_for_bit_with_its_gradient(name, number):
    # torch multiplies and divides in float32 and rounds once (a number cast to float16 first overflowed: x * 1e5
    # was inf for x = 0.001, where torch gives 100.06); it adds and subtracts with the number cast to float16
    f = {"x * c": lambda x, c: x * c, "c * x": lambda x, c: c * x, "x / c": lambda x, c: x / c,
         "x + c": lambda x, c: x + c, "x - c": lambda x, c: x - c, "c - x": lambda x, c: c - x}[name]
    values = (np.random.default_rng(0).standard_normal(2000) * 10).astype(np.float16)
    g = np.linspace(-3, 3, 2000).astype(np.float16)
    results = []
    for lib in (mg, torch):
        x = lib.tensor(values, dtype=lib.float16, requires_grad=True)
        with np.errstate(over="ignore"):
            y = f(x, number)
            y.backward(lib.tensor(g, dtype=lib.float16))
        assert y.dtype == lib.float16 and x.grad.dtype == lib.float16
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_a_number_divided_by_a_float16_tensor_is_rounded_once_from_float32():
    # torch computes c / x as c * (1 / x), rounding twice: 1e5 / 300 is 333.5 there, 333.33 rounded once is 333.25
    x = mg.tensor([0.001, 300.0, -7.0], dtype="float16", requires_grad=True)
    with np.errstate(over="ignore"):
        y = 1e5 / x
    expected = (np.float32(1e5) / x.numpy().astype(np.float32)).astype(np.float16)
    np.testing.assert_array_equal(y.numpy(), expected)
    assert y.numpy()[1] == 333.25 and y.dtype == mg.float16


@pytest.mark.parametrize("number", [1e5, 1e-5, 0.1, 2.0])
def test_a_float16_tensor_multiplied_or_divided_in_place_by_a_number_is_torchs(number):
    values = (np.random.default_rng(1).standard_normal(500) * 10).astype(np.float16)
    for update in (lambda t: t.__imul__(number), lambda t: t.__itruediv__(number),
                   lambda t: t.mul_(number), lambda t: t.div_(number)):
        ours, theirs = mg.tensor(values, dtype="float16"), torch.tensor(values)
        with np.errstate(over="ignore"):
            assert update(ours) is ours
        update(theirs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == mg.float16
