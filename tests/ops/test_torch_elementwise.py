"""PyTorch's elementwise arithmetic, comparisons and math functions, checked against torch itself in float64.

Each op as ``minigrad.<name>`` and as a Tensor method: values, result dtypes (integers to float32 where torch
gives its default float, integers kept where torch keeps them, float32 kept, float_power's float64), gradients
(at kinks, domain edges, zeros, infinities and NaNs too, where torch defines a value), a few second derivatives,
and the errors for input torch refuses. The rule the names follow is docs/autodiff.md, section 15.
"""
import math
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import TOL, agree, pair, same

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(2024)
GRID = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.0, 0.0, 1.25, 3.7, -3.7, -0.2, INF, -INF, NAN])
WIDE = np.array([-100.0, -3.0, -1.0, -0.25, 0.0, 1e-9, 0.5, 2.0, 30.0])

# name -> (minigrad function, torch function, float64 inputs). The inputs include each op's special points.
UNARY = {
    "floor": GRID, "ceil": GRID, "round": GRID, "trunc": GRID, "fix": GRID, "frac": GRID,
    "square": WIDE,
    "rsqrt": np.array([0.0, 0.25, 1.0, 4.0, INF, -1.0, NAN]),
    "reciprocal": np.array([0.0, -0.0, 2.0, -3.0, INF, 1e-300]),
    "log1p": np.array([-1.0, -0.5, 0.0, 1e-10, 3.0, INF, -2.0]),
    "expm1": np.array([-5.0, -1e-10, 0.0, 1e-10, 2.5, 50.0]),
    "log2": np.array([0.0, 0.5, 1.0, 8.0, INF, -1.0]),
    "log10": np.array([0.0, 0.5, 1.0, 1000.0, INF, -1.0]),
    "exp2": np.array([-3.0, 0.0, 0.5, 10.0, -INF]),
    "tan": np.array([-1.5, -0.3, 0.0, 0.7, 1.5, 4.0]),
    "sinh": np.array([-3.0, -0.5, 0.0, 0.5, 3.0]),
    "cosh": np.array([-3.0, -0.5, 0.0, 0.5, 3.0]),
    "asin": np.array([-1.0, -0.5, 0.0, 0.5, 0.999, 1.0, 1.5]),
    "acos": np.array([-1.0, -0.5, 0.0, 0.5, 0.999, 1.0, 1.5]),
    "atan": WIDE, "asinh": WIDE,
    "acosh": np.array([1.0, 1.5, 3.0, 100.0, 0.5]),
    "atanh": np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0]),
    "arcsin": np.array([-0.7, 0.2]), "arccos": np.array([-0.7, 0.2]), "arctan": WIDE, "arcsinh": WIDE,
    "arccosh": np.array([1.5, 3.0]), "arctanh": np.array([-0.7, 0.2]),
    "erf": np.array([-3.0, -0.5, 0.0, 0.5, 3.0, 10.0]),
    "erfc": np.array([-3.0, -0.5, 0.0, 0.5, 3.0, 10.0]),
    "erfinv": np.array([-1.0, -0.5, 0.0, 0.3, 0.99, 1.0, 1.5]),
    "sinc": np.array([0.0, -0.0, 0.5, 1.0, -2.5, 0.02, 7.3]),   # near 0 torch cancels: tested on its own
    "logit": np.array([0.0, 0.1, 0.5, 0.9, 1.0, -0.5, 1.5]),
    "nan_to_num": np.array([NAN, INF, -INF, 1.5, -0.0]),
    "deg2rad": WIDE, "rad2deg": WIDE,
}


def _torch(name):
    return getattr(torch, name)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients_match_torch(name):
    data = UNARY[name]
    y, _ = agree(getattr(mg, name), _torch(name), [data])
    x, tx = pair(data)
    same(getattr(x, name)(), getattr(tx, name)())      # the Tensor method is the same function


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_keeps_float32(name):
    data = np.array([0.3, -0.7, 0.9, 0.05]) if name not in ("acosh", "arccosh") else np.array([1.3, 2.0])
    agree(getattr(mg, name), _torch(name), [data], dtype="float32")


UNARY_FLOAT_RESULT = ["rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10", "exp2", "tan", "sinh", "cosh",
                      "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "erfc", "erfinv", "sinc", "logit",
                      "deg2rad", "rad2deg"]


@pytest.mark.parametrize("name", UNARY_FLOAT_RESULT)
def test_integer_input_gives_float32_as_torch(name):
    data = np.array([0, 1, 2, -1, 5]) if name not in ("acosh",) else np.array([1, 2, 3])
    ours, theirs = getattr(mg, name)(mg.tensor(data)), _torch(name)(torch.tensor(data))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6, atol=1e-6)


def test_sgn_is_sign_with_a_zero_gradient_as_torch():
    x, tx = pair(np.array([-2.0, -0.0, 0.0, 3.0]))
    y, ty = x.sgn(), tx.sgn()
    same(y, ty)
    same(mg.sgn(x), torch.sgn(tx))
    y.backward(mg.tensor([1.0, INF, NAN, 2.0], dtype="float64"))
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))
    np.testing.assert_array_equal(tx.grad.to_dense() if tx.grad.layout != torch.strided else
                                  torch.zeros(4) + tx.grad, np.zeros(4))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix", "square", "sgn", "nan_to_num"])
def test_integer_input_keeps_its_dtype_as_torch(name):
    data = np.array([3, -2, 0, 7], dtype=np.int32)
    ours, theirs = getattr(mg, name)(mg.tensor(data)), _torch(name)(torch.tensor(data))
    assert ours.dtype == np.int32 and theirs.dtype == torch.int32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
def test_round_with_decimals_takes_halves_to_even_as_torch(decimals):
    data = np.array([0.5, 1.5, 2.5, -0.5, 1.25, 2.675, 0.125, -0.375, 1234.5678, 15.0, 25.0, 150.0, 250.0, -0.0])
    for dtype in ("float64", "float32"):
        x, tx = mg.tensor(data, dtype=dtype, requires_grad=True), torch.tensor(data, dtype=getattr(torch, dtype))
        y = x.round(decimals=decimals)
        np.testing.assert_array_equal(y.numpy(), torch.round(tx, decimals=decimals).numpy())
        assert y.dtype == np.dtype(dtype)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(data.shape))   # a step function: 0, as torch


@pytest.mark.parametrize("decimals", [1, 2, 6, -1, -3])
def test_float16_round_with_decimals_scales_in_float32_as_torch(decimals):
    # x * 10^d in float16 overflowed (60000 * 100, and 10^6 itself is inf: every value NaN), torch's kernel scales
    # half in float32
    data = np.array([60000.0, 1000.5, 1.25, 2.675, -0.375, 0.00012345, 65504.0, -0.0], dtype=np.float16)
    x = mg.tensor(data, dtype="float16", requires_grad=True)
    y = x.round(decimals=decimals)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y.numpy(), torch.round(torch.tensor(data), decimals=decimals).numpy())
    assert np.isfinite(y.numpy()).all() or decimals < 0   # 65504 to thousands is 66000: inf in float16, as torch
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(data.shape, dtype=np.float16))


def test_step_functions_pass_exactly_zero_even_for_infinite_gradients():
    for name in ("floor", "ceil", "round", "trunc"):
        x = mg.tensor([0.5, 1.5, -2.0], dtype="float64", requires_grad=True)
        getattr(mg, name)(x).backward(mg.tensor([INF, NAN, 1.0], dtype="float64"))
        np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("eps", [0.1, 0.25, 1e-6])
def test_logit_with_eps_clamps_and_zeroes_the_gradient_outside(eps):
    data = np.array([0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0, -1.0, 2.0])
    agree(lambda x: mg.logit(x, eps=eps), lambda x: torch.logit(x, eps=eps), [data])
    x, tx = pair(data)
    same(x.logit(eps), tx.logit(eps))


def test_logit_jvp_outside_0_1_is_nan_as_torchs():
    # the gradient outside [0, 1] was the constant NaN, so the double-vjp jvp (func.jvp, jacfwd) gave 0 there
    # where the gradient and torch.func.jvp give NaN
    data = np.array([-1.0, 0.25, 3.0])
    x, v = mg.tensor(data, dtype="float64"), mg.tensor([0.5, 2.0, 1.5], dtype="float64")
    _, tangent = mg.func.jvp(mg.logit, (x,), (v,))
    _, expected = torch.func.jvp(torch.logit, (torch.tensor(data),), (torch.tensor([0.5, 2.0, 1.5]),))
    np.testing.assert_allclose(tangent.numpy(), expected.numpy(), rtol=1e-14)   # [nan, 2 / (1/4 * 3/4), nan]


def test_nan_to_num_values_and_gradient_match_torch():
    data = np.array([NAN, INF, -INF, 1.5, -0.0, 3.0])
    for kwargs in ({}, {"nan": 2.0}, {"posinf": 7.5}, {"neginf": -1.0, "nan": -3.0}, {"nan": 1, "posinf": 2}):
        agree(lambda x: mg.nan_to_num(x, **kwargs), lambda x: torch.nan_to_num(x, **kwargs), [data])
        agree(lambda x: x.nan_to_num(**kwargs), lambda x: x.nan_to_num(**kwargs), [data], dtype="float32")


def test_nan_to_num_defaults_are_the_dtype_extremes():
    y = mg.nan_to_num(mg.tensor([INF, -INF], dtype="float32"))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [np.finfo(np.float32).max, np.finfo(np.float32).min])


# ------------------------------------------------------------------ binary math
def _grid2(a_values, b_values):
    a, b = np.meshgrid(np.asarray(a_values, float), np.asarray(b_values, float), indexing="ij")
    return [a.ravel(), b.ravel()]


BINARY = {
    "atan2": _grid2([-1.0, -0.0, 0.0, 2.0, INF], [-3.0, -0.0, 0.0, 0.5, -INF]),
    "arctan2": _grid2([-1.0, 2.0], [-3.0, 0.5]),
    "hypot": _grid2([-1.0, 0.0, 3.0, 1e200, INF], [0.0, -4.0, 1e200, NAN]),
    "logaddexp": _grid2([-INF, -800.0, -1.0, 0.0, 5.0, INF], [-INF, -1.0, 2.0, 800.0, INF]),
    "logaddexp2": _grid2([-INF, -800.0, -1.0, 0.0, 5.0, INF], [-INF, -1.0, 2.0, 800.0, INF]),
    "xlogy": _grid2([0.0, -0.0, 1.0, -2.0, NAN, 2.5], [0.0, NAN, 3.0, 0.5, INF, -1.0]),
    "copysign": _grid2([0.0, -0.0, 1.0, -2.0, INF], [-1.0, 1.0, -0.0, 0.0, -INF]),
    "fmod": _grid2([-7.5, -3.0, -0.0, 0.0, 2.5, 5.25, INF], [-2.0, 1.5, 0.0, 4.0]),
    "remainder": _grid2([-7.5, -3.0, -0.0, 0.0, 2.5, 5.25, INF], [-2.0, 1.5, 0.0, 4.0]),
    "fmax": _grid2([NAN, -1.0, 0.0, 2.0], [NAN, -1.0, 0.0, 3.0]),
    "fmin": _grid2([NAN, -1.0, 0.0, 2.0], [NAN, -1.0, 0.0, 3.0]),
    "maximum": _grid2([-1.0, 0.0, 2.0], [-1.0, 0.5, 2.0]),
    "minimum": _grid2([-1.0, 0.0, 2.0], [-1.0, 0.5, 2.0]),
    "add": _grid2([-1.0, 2.0], [0.5, 3.0]), "sub": _grid2([-1.0, 2.0], [0.5, 3.0]),
    "subtract": _grid2([-1.0, 2.0], [0.5, 3.0]), "mul": _grid2([-1.0, 2.0], [0.5, 3.0]),
    "multiply": _grid2([-1.0, 2.0], [0.5, 3.0]), "div": _grid2([-1.0, 2.0], [0.5, -3.0]),
    "divide": _grid2([-1.0, 2.0], [0.5, -3.0]), "true_divide": _grid2([-1.0, 2.0], [0.5, -3.0]),
    "float_power": _grid2([0.5, 2.0, 3.0], [-1.5, 0.0, 2.0, 2.5]),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_gradients_match_torch(name):
    arrays = BINARY[name]
    agree(getattr(mg, name), _torch(name), arrays)
    (a, ta), (b, tb) = pair(arrays[0]), pair(arrays[1])
    same(getattr(a, name)(b), getattr(ta, name)(tb))


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "fmod",
                                  "remainder", "fmax", "fmin", "lerp"])
def test_binary_broadcasts_and_keeps_float32(name):
    a, b = RNG.standard_normal((3, 1, 4)), RNG.uniform(0.5, 2.0, (2, 4))
    if name == "lerp":
        agree(lambda x, y: mg.lerp(x, y, 0.3), lambda x, y: torch.lerp(x, y, 0.3), [a, b], dtype="float32")
        return
    agree(getattr(mg, name), _torch(name), [a, b], dtype="float32")
    agree(getattr(mg, name), _torch(name), [a, b])


@pytest.mark.parametrize("name", ["atan2", "xlogy", "copysign", "fmod", "remainder", "fmax", "fmin"])
def test_binary_with_a_python_number_matches_torch(name):
    data = np.array([-2.5, -0.0, 0.0, 1.0, 3.5])
    for number in (2.0, -1.5):
        x, tx = pair(data)
        # torch takes a number here only for xlogy, copysign, fmod and remainder; a 0-d tensor is the same value
        y, ty = getattr(mg, name)(x, number), _torch(name)(tx, torch.tensor(number, dtype=torch.float64))
        same(y, ty)
        y.sum().backward()
        ty.sum().backward()
        same(x.grad, tx.grad)


def test_float_power_is_float64_and_returns_float32_gradients():
    data = np.array([0.5, 2.0, 3.0], dtype=np.float32)
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = x.float_power(2.5), tx.float_power(2.5)
    assert y.dtype == np.float64 and ty.dtype == torch.float64
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-15)
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    ints = mg.float_power(mg.tensor([1, 2, 3]), mg.tensor([2, -1, 0]))
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints.numpy(), torch.float_power(torch.tensor([1, 2, 3]),
                                                                  torch.tensor([2, -1, 0])).numpy())


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_float_power_reads_integers_exactly_as_float64(dtype):
    # integers went to float64 by way of float32: 2**31 - 1 became 2**31, so (-7) ** (2**31 - 1) was +inf (an even
    # power) and (2**31 - 1) ** -7 was off in the eighth digit
    base, exponent = np.array([-7, 2**31 - 1, 3], dtype=dtype), np.array([2**31 - 1, -7, 2], dtype=dtype)
    with np.errstate(over="ignore"):   # (-7) ** (2**31 - 1) overflows to -inf, as intended
        got = mg.float_power(mg.tensor(base, dtype=dtype), mg.tensor(exponent, dtype=dtype))
    expected = torch.float_power(torch.tensor(base), torch.tensor(exponent)).numpy()
    assert got.dtype == np.float64
    assert got.numpy()[0] == -np.inf
    np.testing.assert_array_equal(got.numpy(), expected)
    assert mg.float_power(mg.tensor(base, dtype=dtype), 1).tolist() == [-7.0, 2147483647.0, 3.0]


@pytest.mark.parametrize("name", ["atan2", "xlogy", "copysign"])
def test_integer_operands_give_float32_as_torch(name):
    a, b = np.array([0, 1, -2, 3]), np.array([1, 2, 2, -1])
    ours, theirs = getattr(mg, name)(mg.tensor(a), mg.tensor(b)), _torch(name)(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6)


@pytest.mark.parametrize("name", ["fmod", "remainder", "floor_divide", "fmax", "fmin"])
def test_integer_operands_keep_integers_as_torch(name):
    a, b = np.array([7, -7, 7, -7, 0, 5]), np.array([2, 2, -2, -2, 3, 5])
    ours, theirs = getattr(mg, name)(mg.tensor(a), mg.tensor(b)), _torch(name)(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.int64 and theirs.dtype == torch.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_match_torch(mode):
    a, b = _grid2([-7.5, -3.0, -0.0, 0.0, 2.5, 5.25, INF], [-2.0, 1.5, 0.0, 4.0, -0.0])
    agree(lambda x, y: mg.div(x, y, rounding_mode=mode), lambda x, y: torch.div(x, y, rounding_mode=mode), [a, b])
    agree(lambda x, y: x.divide(y, rounding_mode=mode), lambda x, y: x.divide(y, rounding_mode=mode),
          [a[:4], b[:4]], dtype="float32")
    ia, ib = np.array([7, -7, 7, -7, 0, 9]), np.array([2, 2, -2, -2, 3, -4])
    ours, theirs = mg.tensor(ia).div(mg.tensor(ib), rounding_mode=mode), torch.tensor(ia).div(
        torch.tensor(ib), rounding_mode=mode)
    assert ours.dtype == (np.float32 if mode is None else np.int64)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_python_operators_floordiv_mod_and_xor_are_torchs():
    a, b = np.array([-7.5, -3.0, 2.5, 5.25]), np.array([-2.0, 1.5, 4.0, 2.0])
    (x, tx), (y, ty) = pair(a), pair(b)
    same(x // y, tx // ty)
    same(x % y, tx % ty)
    same(7.0 // y, 7.0 // ty)
    same(7.0 % y, 7.0 % ty)
    p, q = np.array([True, False, True]), np.array([True, True, False])
    np.testing.assert_array_equal((mg.tensor(p) ^ mg.tensor(q)).numpy(), (torch.tensor(p) ^ torch.tensor(q)).numpy())
    ints = np.array([5, 3, -2])
    for ours, theirs in ((1 ^ mg.tensor(ints), 1 ^ torch.tensor(ints)), (mg.tensor(ints) ^ 6, torch.tensor(ints) ^ 6),
                         (True ^ mg.tensor(p), True ^ torch.tensor(p))):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.numpy().dtype == theirs.numpy().dtype


def test_integer_division_by_zero_is_one_zero_division_error():
    a, zero = mg.tensor([1, 2]), mg.tensor([1, 0])
    for call, name in ((lambda: mg.div(a, zero, rounding_mode="floor"), "div"),
                       (lambda: a.div(zero, rounding_mode="trunc"), "div"), (lambda: a // zero, "floor_divide"),
                       (lambda: mg.fmod(a, 0), "fmod"), (lambda: a % zero, "remainder")):
        with pytest.raises(ZeroDivisionError, match=f"^{name}: integer division by zero"):
            call()
        assert "int64" in str(pytest.raises(ZeroDivisionError, call).value)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 0.7, 1.0, -0.4, 1.8])
def test_lerp_matches_torch_for_number_and_tensor_weights(weight):
    start, end = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    agree(lambda s, e: mg.lerp(s, e, weight), lambda s, e: torch.lerp(s, e, weight), [start, end])
    agree(lambda s, e: s.lerp(e, weight), lambda s, e: s.lerp(e, weight), [start, end], dtype="float32")
    w = np.full((3, 1), weight)
    agree(mg.lerp, torch.lerp, [start, end, w])


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, 0.5, -2.0])
def test_addcmul_and_addcdiv_match_torch(name, value):
    x, t1, t2 = RNG.standard_normal((3, 1)), RNG.standard_normal((4,)), RNG.uniform(0.5, 2.0, (2, 3, 4))
    agree(lambda *ts: getattr(mg, name)(*ts, value=value), lambda *ts: _torch(name)(*ts, value=value), [x, t1, t2])
    agree(lambda a, b, c: getattr(a, name)(b, c, value=value), lambda a, b, c: getattr(a, name)(b, c, value=value),
          [x, t1, t2], dtype="float32")
    if name == "addcmul":
        ints = [np.array([1, 2]), np.array([3, -1]), np.array([2, 2])]
        ours = mg.addcmul(*[mg.tensor(a) for a in ints], value=3)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), torch.addcmul(*[torch.tensor(a) for a in ints], value=3).numpy())


@pytest.mark.parametrize("call", [lambda lib, a, b, w: lib.lerp(a, b, 0.5), lambda lib, a, b, w: lib.lerp(a, b, w),
                                  lambda lib, a, b, w: lib.addcmul(a, b, w, value=0.5),
                                  lambda lib, a, b, w: lib.addcmul(w, a, b, value=1e-5),
                                  lambda lib, a, b, w: lib.addcdiv(a, b, b, value=2)])
def test_float16_lerp_addcmul_and_addcdiv_compute_in_float32_as_torch(call):
    # their float16 intermediates overflowed where the result does not: end - start for -3e4 and 5e4, 40000 * 40000
    # scaled by 1e-5, 2 * 40000 / 40000 gave inf (torch's kernels compute half in float32, rounding once)
    a = np.array([40000.0, -30000.0, 1e-4, 3.0, 60000.0, 0.5, -2.0, 1000.0], dtype=np.float16)
    b = np.array([40000.0, 50000.0, 1e-4, 4.0, -0.001, 60000.0, 3.0, 1000.0], dtype=np.float16)
    w = np.array([0.5, 0.25, 0.5, 0.75, 0.5, 0.9, 0.1, 0.5], dtype=np.float16)
    ours = call(mg, *(mg.tensor(v, dtype="float16") for v in (a, b, w)))
    theirs = call(torch, *(torch.tensor(v) for v in (a, b, w)))
    assert ours.dtype == np.float16
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert np.isfinite(ours.numpy()).all()


@pytest.mark.parametrize("name", ["sinc", "hardswish"])
def test_float16_sinc_and_hardswish_compute_in_float32_as_torch(name):
    # in float16, pi x lost sin(pi x) (sinc(1000.5) had no correct digit) and x * 6 overflowed past 10922
    # (hardswish(30000) was inf); torch's kernels compute half in float32
    rng = np.random.default_rng(3)
    data = np.concatenate([rng.standard_normal(500) * 10.0 ** rng.integers(-4, 5, 500),
                           [1000.5, 30000.0, 65504.0, -65504.0, 12000.0, 3.0, -3.0, 0.0]]).astype(np.float16)
    fm, ft = (mg.sinc, torch.sinc) if name == "sinc" else (mg.nn.functional.hardswish, torch.nn.functional.hardswish)
    ours, theirs = fm(mg.tensor(data, dtype="float16")), ft(torch.tensor(data))
    assert ours.dtype == np.float16
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_add_and_sub_with_alpha_match_torch():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    for alpha in (1, 2, -0.5):
        agree(lambda x, y: mg.add(x, y, alpha=alpha), lambda x, y: torch.add(x, y, alpha=alpha), [a, b])
        agree(lambda x, y: x.sub(y, alpha=alpha), lambda x, y: x.sub(y, alpha=alpha), [a, b])
        agree(lambda x, y: x.subtract(y, alpha=alpha), lambda x, y: x.subtract(y, alpha=alpha), [a, b],
              dtype="float32")
    ours = mg.tensor([1, 2]).add(mg.tensor([3, 4]), alpha=3)
    assert ours.dtype == np.int64 and ours.tolist() == [10, 14]


def test_plain_operators_skip_the_alpha_machinery(monkeypatch):
    # ``x + y`` and ``x - y`` are the training step's hot path: the default alpha must cost no validation call
    from minigrad.ops import arithmetic

    def refuse(*args, **kwargs):
        raise AssertionError("python_real called for the default alpha")
    monkeypatch.setattr(arithmetic, "python_real", refuse)
    x, y = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 5.0])
    assert (x + y).tolist() == [4.0, 7.0] and (x - y).tolist() == [-2.0, -3.0]
    assert (2 + x).tolist() == [3.0, 4.0] and (2 - x).tolist() == [1.0, 0.0]
    with pytest.raises(AssertionError):
        mg.add(x, y, alpha=2)


def test_clamp_min_and_clamp_max_match_torch():
    data = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    agree(lambda x: mg.clamp_min(x, 0.0), lambda x: torch.clamp_min(x, 0.0), [data])
    agree(lambda x: x.clamp_max(0.5), lambda x: x.clamp_max(0.5), [data])
    ours = mg.tensor([1, -2, 3]).clamp_min(0)
    assert ours.dtype == np.int64 and ours.tolist() == [1, 0, 3]


def test_floor_divide_matches_torch_and_has_a_zero_gradient():
    a, b = _grid2([-7.5, -3.0, -0.0, 0.0, 2.5, INF], [-2.0, 1.5, 0.0, 4.0])
    (x, tx), (y, ty) = pair(a), pair(b, requires_grad=False)
    out = mg.floor_divide(x, y)
    same(out, torch.floor_divide(tx, ty))
    same(x.floor_divide(y), torch.floor_divide(tx, ty))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(a.shape))   # torch defines no derivative; the steps' is 0


def test_neg_negative_and_positive():
    data = np.array([-1.5, 0.0, 2.0])
    for name in ("neg", "negative", "positive"):
        agree(getattr(mg, name), _torch(name), [data])
        x, tx = pair(data)
        same(getattr(x, name)(), getattr(tx, name)())
    x = mg.tensor([1.0])
    assert mg.positive(x) is x


# ------------------------------------------------------------------ derivatives at the points torch defines
def _grads(fm, ft, arrays, dtype="float64"):
    """Each input's gradient of sum(f(inputs)) in both libraries, compared (NaN where torch has NaN)."""
    xs = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    fm(*xs).sum().backward()
    ft(*ts).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=0, equal_nan=True)
    return [x.grad.numpy() for x in xs]


def test_named_kink_values():
    ga, gb = _grads(mg.hypot, torch.hypot, [np.array([0.0, 3.0]), np.array([0.0, 4.0])])
    assert np.isnan(ga[0]) and np.isnan(gb[0]) and ga[1] == 0.6            # torch's 0/0 at the origin
    gx, gy = _grads(mg.xlogy, torch.xlogy, [np.array([0.0, 0.0, 0.0, 1.0]), np.array([2.0, 0.0, -1.0, 2.0])])
    np.testing.assert_array_equal(gx, [math.log(2.0), 0.0, 0.0, math.log(2.0)])  # x = 0: ln y for y > 0, else 0
    assert gy[0] == 0.0 and np.isnan(gy[1])
    (gc, gs) = _grads(mg.copysign, torch.copysign, [np.array([0.0, -0.0, 2.0, -2.0, INF]),
                                                    np.array([-1.0, 1.0, -3.0, 0.0, 1.0])])
    np.testing.assert_array_equal(gc, [0.0, 0.0, -1.0, -1.0, NAN])        # 0 at 0, NaN at inf (inf / inf)
    np.testing.assert_array_equal(gs, [0.0, 0.0, 0.0, 0.0, 0.0])
    (gs,) = _grads(mg.sinc, torch.sinc, [np.array([0.0, -0.0, 1.0])])
    assert gs[0] == 0.0 and gs[2] == -1.0
    ga, gb = _grads(mg.fmax, torch.fmax, [np.array([1.0, NAN, 2.0, NAN]), np.array([1.0, 3.0, NAN, NAN])])
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0, 1.0])                # ties and NaN-NaN go to the first
    ga, gb = _grads(mg.atan2, torch.atan2, [np.array([0.0, -0.0, 1.0]), np.array([0.0, -0.0, 0.0])])
    np.testing.assert_array_equal(ga, [0.0, -0.0, 0.0])                     # 0 at the origin, as torch
    np.testing.assert_array_equal(gb, [-0.0, 0.0, -1.0])


def _second_order(fm, ft, array):
    x, tx = pair(array)
    cot = RNG.standard_normal(array.shape)
    (gx,) = mg.grad((fm(x) * mg.tensor(cot, dtype="float64")).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((ft(tx) * torch.tensor(cot)).sum(), [tx], create_graph=True)
    same(gx, gt)
    u = RNG.standard_normal(array.shape)
    (hx,) = mg.grad((gx * mg.tensor(u, dtype="float64")).sum(), [x], allow_unused=True)
    (ht,) = torch.autograd.grad((gt * torch.tensor(u)).sum(), [tx], allow_unused=True)
    np.testing.assert_allclose(hx.numpy(), ht.detach().numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", ["tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh", "erf", "erfc",
                                  "erfinv", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10", "exp2",
                                  "logit", "sinc"])
def test_second_derivatives_match_torch(name):
    _second_order(getattr(mg, name), _torch(name), np.array([0.15, -0.4, 0.6, 0.85]) if name != "rsqrt"
                  else np.array([0.15, 0.4, 2.0]))


def test_sinc_second_derivative_at_zero_is_exact():
    x = mg.tensor([0.0, -0.0, 0.4], dtype="float64", requires_grad=True)
    (g,) = mg.grad(mg.sinc(x).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy()[:2], [0.0, 0.0])
    (h,) = mg.grad(g.sum(), [x])
    np.testing.assert_allclose(h.numpy()[:2], [-math.pi ** 2 / 3] * 2, rtol=1e-15)   # torch's is NaN here
    tx = torch.tensor([0.4], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.sinc(tx).sum(), [tx], create_graph=True)
    np.testing.assert_allclose(h.numpy()[2], torch.autograd.grad(tg.sum(), [tx])[0].item(), rtol=1e-12)


def test_sinc_second_derivative_at_large_float32_x_as_torch():
    # the series branch was computed on every x: (pi x)^10 of x = 1e19 is inf in float32, and the 0 that the where
    # sends that branch times it made the second and third derivatives NaN (torch: finite, 0 at 1e30)
    x = np.array([1e19, -1e19, 1e30, 2.5], dtype="float32")
    t = mg.tensor(x, dtype="float32", requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    g, = mg.grad(mg.sinc(t).sum(), t, create_graph=True)
    tg, = torch.autograd.grad(torch.sinc(tx).sum(), tx, create_graph=True)
    h, = mg.grad(g.sum(), t)
    th, = torch.autograd.grad(tg.sum(), tx)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-5, atol=0)


def test_sinc_gradient_near_zero_is_its_series_where_the_quotient_cancels():
    # (pi x cos(pi x) - sin(pi x)) / (pi x^2) cancels near 0 and is 0 / 0 once pi x^2 underflows: minigrad gave NaN
    # for |x| < 1e-154 (torch: 0) and, as torch, 0 for 1e-10 and -2.1e-8 for 1e-8 (exact: -3.29e-10, -3.29e-8).
    for dtype, rtol in (("float64", 1e-14), ("float32", 1e-6)):
        x = np.array([1e-300, -1e-200, 1e-160, 1e-10, -1e-8, 1e-6, 1e-4, 0.03] if dtype == "float64"
                     else [1e-35, -1e-30, 1e-10, -1e-4, 0.03], dtype=dtype)
        u = math.pi * x.astype("float64")
        exact = math.pi * (-u / 3 + u ** 3 / 30 - u ** 5 / 840 + u ** 7 / 45360 - u ** 9 / 3991680)   # its series
        t = mg.tensor(x, dtype=dtype, requires_grad=True)
        (g,) = mg.grad(mg.sinc(t).sum(), [t], create_graph=True)
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g.numpy(), exact, rtol=rtol, atol=0)
        (h,) = mg.grad(g.sum(), [t])
        np.testing.assert_allclose(h.numpy(), math.pi ** 2 * (-1 / 3 + u ** 2 / 10 - u ** 4 / 168 + u ** 6 / 6480
                                                              - u ** 8 / 443520), rtol=rtol)
    tx = torch.tensor([1e-300, -1e-200])      # torch's gradient there is 0: the same to 1e-200 absolute
    assert not torch.autograd.grad(torch.sinc(tx.requires_grad_()).sum(), [tx])[0].any()


def test_second_derivatives_of_binary_ops_match_torch():
    b = np.array([0.7, -1.3, 2.0, 0.4])
    for fm, ft in ((lambda x: mg.atan2(x, x * 0.5 + 2.0), lambda x: torch.atan2(x, x * 0.5 + 2.0)),
                   (lambda x: mg.hypot(x, x * x + 1.0), lambda x: torch.hypot(x, x * x + 1.0)),
                   (lambda x: mg.logaddexp(x, x * x), lambda x: torch.logaddexp(x, x * x)),
                   (lambda x: mg.logaddexp2(x, -x), lambda x: torch.logaddexp2(x, -x)),
                   (lambda x: mg.xlogy(x, x * x + 0.5), lambda x: torch.xlogy(x, x * x + 0.5)),
                   (lambda x: mg.copysign(x * x, x), lambda x: torch.copysign(x * x, x)),
                   (lambda x: mg.fmod(x * 3.0, x * x + 0.7), lambda x: torch.fmod(x * 3.0, x * x + 0.7)),
                   (lambda x: mg.remainder(x * 3.0, x * x + 0.7), lambda x: torch.remainder(x * 3.0, x * x + 0.7)),
                   (lambda x: mg.lerp(x, x * x, x), lambda x: torch.lerp(x, x * x, x)),
                   (lambda x: mg.addcmul(x, x, x * x, value=0.5), lambda x: torch.addcmul(x, x, x * x, value=0.5)),
                   (lambda x: mg.addcdiv(x, x, x * x + 1.0, value=2), lambda x: torch.addcdiv(x, x, x * x + 1.0, value=2)),
                   (lambda x: mg.fmax(x, x * x), lambda x: torch.fmax(x, x * x))):
        _second_order(fm, ft, b)


# ------------------------------------------------------------------ comparisons, logical, bitwise, tests
COMPARISONS = ["eq", "ne", "gt", "ge", "lt", "le", "greater", "greater_equal", "less", "less_equal", "not_equal"]


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_as_methods_and_functions_match_torch(name):
    a, b = np.array([1.0, NAN, 2.0, -1.0, INF]), np.array([1.0, NAN, 3.0, -2.0, INF])
    ta, tb = torch.tensor(a), torch.tensor(b)
    expected = getattr(ta, name)(tb).numpy()
    for ours in (getattr(mg.tensor(a), name)(mg.tensor(b)), getattr(mg.tensor(a), name)(2.0),
                 getattr(mg, name)(mg.tensor(a), mg.tensor(b))):
        assert ours.dtype == np.bool_
    np.testing.assert_array_equal(getattr(mg.tensor(a), name)(mg.tensor(b)).numpy(), expected)
    np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(a), 2.0).numpy(), getattr(torch, name)(ta, 2.0).numpy())


def test_tensor_equal_is_torchs_one_bool():
    a = mg.tensor([1.0, 2.0])
    assert a.equal(mg.tensor([1.0, 2.0])) is True and torch.equal(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    assert a.equal(mg.tensor([1.0, 3.0])) is False
    assert a.equal(mg.tensor([[1.0, 2.0]])) is False                       # another shape
    assert mg.tensor([NAN]).equal(mg.tensor([NAN])) is False and not torch.equal(torch.tensor([NAN]),
                                                                                  torch.tensor([NAN]))
    assert mg.eq(a, mg.tensor([1.0, 3.0])).tolist() == [True, False] == (a == mg.tensor([1.0, 3.0])).tolist()
    with pytest.raises(TypeError, match=r"^equal: NumPy's equal\(a, b\) is elementwise \(a bool tensor\), PyTorch's one "
                                        r"bool .* write a == b or minigrad.eq\(a, b\) for NumPy's, a.equal\(b\) for "
                                        r"PyTorch's$"):
        mg.equal(a, a)   # the two libraries read it differently (docs/autodiff.md, section 15)
    with pytest.raises(TypeError, match="equal: expected a Tensor, got list"):
        a.equal([1.0, 2.0])


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_ops_on_bools_match_torch(name):
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    expected = getattr(torch, name)(torch.tensor(p), torch.tensor(q)).numpy()
    np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(p), mg.tensor(q)).numpy(), expected)
    np.testing.assert_array_equal(getattr(mg.tensor(p), name)(mg.tensor(q)).numpy(), expected)
    np.testing.assert_array_equal(mg.tensor(p).logical_not().numpy(), ~p)


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bitwise_ops_match_torch(name):
    a, b = np.array([12, -7, 0, 255], dtype=np.int64), np.array([10, 3, -1, 15], dtype=np.int64)
    for x, y in ((a, b), (a.astype(np.int32), 6), (a > 0, b > 0)):
        tx, ty = torch.tensor(x), torch.tensor(y) if isinstance(y, np.ndarray) else y
        mx, my = mg.tensor(x), mg.tensor(y) if isinstance(y, np.ndarray) else y
        ours, theirs = getattr(mg, name)(mx, my), getattr(torch, name)(tx, ty)
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(getattr(mx, name)(my).numpy(), theirs.numpy())
    np.testing.assert_array_equal(mg.bitwise_not(mg.tensor(a)).numpy(), torch.bitwise_not(torch.tensor(a)).numpy())
    np.testing.assert_array_equal(mg.tensor(a > 0).bitwise_not().numpy(), ~(a > 0))


@pytest.mark.parametrize("symbol", ["&", "|", "^"])
def test_operators_and_or_xor_invert_are_bitwise_as_in_torch_and_numpy(symbol):
    """``a & b`` on integers is bit by bit (it once gave a logical and, a bool tensor); on masks it is logical."""
    a, b = np.array([12, -7, 0, 255], dtype=np.int64), np.array([10, 3, -1, 15], dtype=np.int64)
    for x, y in ((a, b), (a.astype(np.int32), 6), (5, a), (a > 0, b > 0), (a > 0, True)):
        mx, my = (mg.tensor(v) if isinstance(v, np.ndarray) else v for v in (x, y))
        tx, ty = (torch.tensor(v) if isinstance(v, np.ndarray) else v for v in (x, y))
        ours, theirs = eval(f"mx {symbol} my"), eval(f"tx {symbol} ty")
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        if isinstance(x, np.ndarray) and x.dtype == np.result_type(x, y):   # in place keeps x's dtype
            alias = mx
            exec(f"mx {symbol}= my")
            assert mx is alias
            np.testing.assert_array_equal(mx.numpy(), theirs.numpy())
    with pytest.raises(TypeError, match=r"^bitwise_\w+: expected integer or bool tensors, got dtype float32"):
        eval(f"mg.tensor([1.5]) {symbol} mg.tensor([1.0])")


def test_bitwise_ops_take_integer_arrays_and_lists_as_the_other_operators_do():
    """``t & np_array`` and ``t & [..]`` read the operand's dtype, as ``t + np_array`` does (they were refused as
    if not integers); a float array is still refused, naming its dtype."""
    a, b = np.array([12, -7, 0, 255], dtype=np.int64), np.array([10, 3, -1, 15], dtype=np.int64)
    want = torch.bitwise_and(torch.tensor(a), torch.tensor(b)).numpy()
    for got in (mg.tensor(a) & b, b & mg.tensor(a), mg.tensor(a) & b.tolist(), mg.bitwise_and(a, mg.tensor(b))):
        assert isinstance(got, mg.Tensor) and got.dtype == np.int64
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal((mg.tensor(a > 0) | (b > 0)).numpy(), (a > 0) | (b > 0))
    with pytest.raises(TypeError, match=r"^bitwise_xor: expected integer or bool tensors, got dtype float64 "
                                        r"\(shape \(2,\)\)"):
        mg.tensor([1, 2]) ^ np.array([1.0, 2.0])


def test_invert_is_bitwise_not_as_in_torch():
    a = np.array([12, -7, 0, 255], dtype=np.int64)
    for x in (a, a.astype(np.int8), a > 0):
        assert np.array_equal((~mg.tensor(x)).numpy(), (~torch.tensor(x)).numpy())
    with pytest.raises(TypeError, match="^bitwise_not: expected integer or bool tensors, got dtype float32"):
        ~mg.tensor([1.5])


def test_isclose_matches_torch():
    a = np.array([1.0, 1.0 + 1e-9, NAN, INF, INF, -INF, 0.0, 1e-9, 100.0])
    b = np.array([1.0, 1.0, NAN, INF, -INF, -INF, 1e-9, 0.0, 100.001])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 1e-3}, {"atol": 1e-8, "rtol": 0.0}, {"rtol": 0, "atol": 0}):
        expected = torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs).numpy()
        (x, _), (y, _) = pair(a, requires_grad=False), pair(b, requires_grad=False)
        np.testing.assert_array_equal(mg.isclose(x, y, **kwargs).numpy(), expected)
        np.testing.assert_array_equal(x.isclose(y, **kwargs).numpy(), expected)
    i, j = np.array([1, 5, -3]), np.array([1, 6, 3])
    np.testing.assert_array_equal(mg.isclose(mg.tensor(i), mg.tensor(j), atol=1).numpy(),
                                  torch.isclose(torch.tensor(i), torch.tensor(j), atol=1).numpy())


def test_heaviside_matches_torch():
    x = np.array([-1.5, -0.0, 0.0, 2.0, NAN, INF, -INF])
    for values in (np.array(0.5), np.array([0.25, 0.5, 0.75, 1.0, 2.0, 3.0, 4.0])):
        ours = mg.heaviside(mg.tensor(x, dtype="float64"), mg.tensor(values, dtype="float64"))
        theirs = torch.heaviside(torch.tensor(x), torch.tensor(values))
        assert ours.dtype == np.float64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ints = mg.tensor(np.array([-2, 0, 3])).heaviside(mg.tensor(np.array(7)))
    assert ints.dtype == np.int64 and ints.tolist() == [0, 7, 1]


@pytest.mark.parametrize("name", ["signbit", "isneginf", "isposinf", "isreal"])
def test_sign_and_infinity_tests_match_torch(name):
    for data in (np.array([-1.5, -0.0, 0.0, 2.0, NAN, INF, -INF]), np.array([-3, 0, 4])):
        ours, theirs = getattr(mg, name)(mg.tensor(data)), getattr(torch, name)(torch.tensor(data))
        assert ours.dtype == np.bool_
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(getattr(mg.tensor(data), name)().numpy(), theirs.numpy())


def test_elementwise_names_are_exported():
    names = ["multiply", "subtract", "divide", "true_divide", "negative", "positive", "logical_xor", "eq", "ne", "gt",
             "ge", "lt", "le", "fix", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2"]
    for name in names + list(UNARY) + list(BINARY):
        assert callable(getattr(mg, name)), name


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.frac(mg.tensor([1, 2])), TypeError, "frac: expected a floating tensor, got dtype int64"),
    (lambda: mg.floor(mg.tensor([True])), TypeError, "floor: expected a numeric tensor, got a bool tensor"),
    (lambda: mg.round(mg.tensor([1, 2]), decimals=1), TypeError, "round: decimals=1 needs a floating tensor"),
    (lambda: mg.round(mg.tensor([1.0]), decimals=1.5), TypeError, "round: decimals must be an int"),
    (lambda: mg.hypot(mg.tensor([1]), mg.tensor([2])), TypeError, "hypot: expected floating tensors, got dtype int64"),
    (lambda: mg.logaddexp(mg.tensor([1]), 2), TypeError, "logaddexp: expected floating tensors"),
    (lambda: mg.lerp(mg.tensor([1]), mg.tensor([2]), 0.5), TypeError, "lerp: expected floating tensors"),
    (lambda: mg.lerp(mg.tensor([1.0]), mg.tensor([2.0]), "a"), TypeError, "lerp: weight must be a real number"),
    (lambda: mg.addcdiv(mg.tensor([1.0]), mg.tensor([1]), mg.tensor([2])), RuntimeError,   # torch's RuntimeError
     "addcdiv: integer division is not supported"),
    (lambda: mg.addcmul(mg.tensor([1]), mg.tensor([1]), mg.tensor([2]), value=float("nan")), RuntimeError,
     "addcmul (value): the value nan is out of range for dtype int64"),   # torch's RuntimeError
    (lambda: mg.add(mg.tensor([1]), mg.tensor([2]), alpha=0.5), RuntimeError,   # torch's RuntimeError
     "add: for integer tensors (dtypes int64 and int64), alpha must be an int, got alpha=0.5"),
    (lambda: mg.sub(mg.tensor([True]), mg.tensor([False])), RuntimeError, "sub: cannot subtract bools"),
    (lambda: mg.neg(mg.tensor([True])), TypeError, "neg: cannot negate a bool tensor"),
    (lambda: mg.positive(mg.tensor([True])), TypeError, "positive: unary + is not supported on a bool tensor"),
    (lambda: mg.div(mg.tensor([1.0]), 2.0, rounding_mode="round"), ValueError,
     "div: rounding_mode must be None, 'trunc' or 'floor', got rounding_mode='round'"),
    (lambda: mg.bitwise_and(mg.tensor([1.0]), mg.tensor([1.0])), TypeError,
     "bitwise_and: expected integer or bool tensors, got dtype float32 (shape (1,))"),
    (lambda: mg.bitwise_or(mg.tensor([1]), 1.5), TypeError, "bitwise_or: expected integer or bool tensors, got 1.5"),
    (lambda: mg.bitwise_not(mg.tensor([1.0])), TypeError, "bitwise_not: expected integer or bool tensors"),
    (lambda: mg.heaviside(mg.tensor([1.0]), mg.tensor([1.0], dtype="float64")), TypeError,
     "heaviside: input and values must have the same dtype, got float32 and float64"),
    (lambda: mg.isclose(mg.tensor([1.0]), mg.tensor([1.0]), rtol=-1), ValueError,
     "isclose: rtol must be a real number >= 0, got rtol=-1"),
    (lambda: mg.isclose(mg.tensor([1.0]), mg.tensor([1.0]), equal_nan=1), TypeError,
     "isclose: equal_nan must be True or False"),
    (lambda: mg.isclose(mg.tensor([1.0]), mg.tensor([1.0], dtype="float64")), TypeError,
     "isclose: operands have different floating dtypes (float32 and float64)"),
    (lambda: mg.logit(mg.tensor([0.5]), eps="x"), TypeError, "logit: eps must be a real number"),
    (lambda: mg.nan_to_num(mg.tensor([0.5]), nan=None), TypeError, "nan_to_num: nan must be a real number"),
    (lambda: mg.atan2(mg.tensor([1.0]), mg.tensor([1.0], dtype="float64")), TypeError,
     "atan2: operands have different floating dtypes"),
    (lambda: mg.float_power(mg.tensor([1.0]), "2"), TypeError, "float_power: exponent must be a real number"),
    (lambda: mg.fmod(mg.tensor([True]), mg.tensor([True])), TypeError, "fmod: cannot divide bool tensors"),
])
def test_bad_input_is_one_clear_error(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


def test_float32_results_stay_float32_for_binary_ops_with_numbers():
    x = mg.tensor([0.5, 1.5], requires_grad=True)
    for y in (mg.atan2(x, 2.0), mg.xlogy(x, 3.0), mg.copysign(x, -1.0), mg.fmod(x, 0.7), mg.remainder(x, 0.7),
              mg.fmax(x, 1.0), mg.lerp(x, 3.0, 0.5), mg.addcmul(x, x, 2.0, value=0.5), x.hypot(mg.tensor([1.0, 2.0])),
              mg.logaddexp(x, 1.0), x.div(0.3, rounding_mode="floor")):
        assert y.dtype == np.float32
    assert TOL["float32"]["rtol"] <= 2e-6   # the tolerance the float32 agreements above are held to


SHIFT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


@pytest.mark.parametrize("dtype", SHIFT_DTYPES)
def test_shifts_match_torch(dtype):
    info = np.iinfo(dtype)
    a = np.array([0, 1, 5, info.max, info.min, info.max // 3, -1 if info.min < 0 else 200], dtype=dtype)
    amounts = np.array([0, 1, 3, 7, 2, 5, 1], dtype=dtype)
    ta, tb = torch.tensor(a), torch.tensor(amounts)
    for ours, theirs in [(mg.tensor(a) << mg.tensor(amounts), ta << tb), (mg.tensor(a) >> mg.tensor(amounts), ta >> tb),
                         (mg.bitwise_left_shift(a, mg.tensor(amounts)), torch.bitwise_left_shift(ta, tb)),
                         (mg.tensor(a).bitwise_right_shift(mg.tensor(amounts)), ta.bitwise_right_shift(tb))]:
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    bits = np.dtype(dtype).itemsize * 8
    for s in [0, 1, 3, bits - 1, bits, bits + 5, 300]:   # Python ints, up to past the width (torch: 0 or -1)
        for ours, theirs in [(mg.tensor(a) << s, ta << s), (mg.tensor(a) >> s, ta >> s)]:
            assert ours.dtype == theirs.numpy().dtype, s
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"shift {s}")
    np.testing.assert_array_equal((3 << mg.tensor(amounts)).numpy(), (3 << tb).numpy())
    np.testing.assert_array_equal((100 >> mg.tensor(amounts)).numpy(), (100 >> tb).numpy())
    x, tx = mg.tensor(a), ta.clone()
    x <<= 1
    tx <<= 1
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    x.bitwise_right_shift_(2)
    tx.bitwise_right_shift_(2)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_shifts_of_bools_and_floats_as_torch():
    np.testing.assert_array_equal((mg.tensor([True, False]) << 1).numpy(), (torch.tensor([True, False]) << 1).numpy())
    with pytest.raises((TypeError, NotImplementedError)):
        torch.tensor([1.0]) << 1
    with pytest.raises(TypeError, match=r"bitwise_left_shift: expected integer or bool tensors, got dtype float32"):
        mg.tensor([1.0]) << 1


def test_bool_tensors_shift_as_int64_and_two_bools_are_refused_as_in_torch():
    # a bool tensor took the bit width of bool (8) for the Python-shift clamp: True << 70 and True << -2 gave 256
    # (torch: 0, the shift happens in int64); bool << bool gave NumPy's int8 where torch has no kernel
    b, tb = mg.tensor([True, False]), torch.tensor([True, False])
    for s in [-2, 1, 8, 63, 64, 70]:
        for ours, theirs in [(b << s, tb << s), (b >> s, tb >> s)]:
            assert ours.dtype == np.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"shift {s}")
    for fn in [lambda x: x << x, lambda x: x >> True, lambda x: True << x, lambda x: x.bitwise_left_shift(x[0])]:
        with pytest.raises(NotImplementedError):
            fn(tb)
        with pytest.raises(TypeError, match=r"^bitwise_(left|right)_shift: not defined for two bool operands"):
            fn(b)


@pytest.mark.parametrize("name, args", [("lgamma_", ()), ("digamma_", ()), ("polygamma_", (1,)), ("i0_", ()),
                                        ("mvlgamma_", (2,)), ("igamma_", ("other",)), ("igammac_", ("other",)),
                                        ("ldexp_", ("int_other",)), ("nextafter_", ("other",))])
def test_special_function_and_float_bit_in_place_methods_match_torch(name, args):
    data = np.random.default_rng(8).uniform(1.5, 4.0, (3, 4))
    other = np.random.default_rng(9).uniform(0.5, 2.0, (3, 4))
    ints = np.random.default_rng(10).integers(-2, 3, (3, 4))

    def resolve(lib, arg):
        if arg == "other":
            return lib.tensor(other, dtype=lib.float64)
        if arg == "int_other":
            return lib.tensor(ints)
        return arg
    x, tx = mg.tensor(data, dtype=mg.float64), torch.tensor(data)
    expected = getattr(mg.tensor(data, dtype=mg.float64), name[:-1])(*[resolve(mg, a) for a in args]).numpy()
    assert getattr(x, name)(*[resolve(mg, a) for a in args]) is x
    np.testing.assert_array_equal(x.numpy(), expected)   # the out-of-place result, written into x
    getattr(tx, name)(*[resolve(torch, a) for a in args])
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-8)   # the special functions' own accuracy aside


def test_gcd_lcm_in_place_and_hardshrink_method_match_torch():
    a, b = np.array([12, 18, -7, 0]), np.array([8, 12, 21, 5])
    for name in ("gcd_", "lcm_"):
        x, tx = mg.tensor(a), torch.tensor(a)
        getattr(x, name)(mg.tensor(b))
        getattr(tx, name)(torch.tensor(b))
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
    v = np.array([-1.0, -0.3, 0.2, 0.7])
    np.testing.assert_array_equal(mg.tensor(v, dtype=mg.float64).hardshrink(0.5).numpy(),
                                  torch.tensor(v).hardshrink(0.5).numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_expm1_derivative_keeps_its_tail(dtype):
    # expm1' = y + 1 for very negative x was 0 (from x = -37 in float64, -17 in float32) where the derivative is
    # e^x (torch's is 0 too); NumPy's exp in float64 is the truth
    x = np.array([20.0, 30.0, 40.0, 80.0, -1.0, 2.0])
    t = mg.tensor(x, dtype=dtype, requires_grad=True)
    g, = mg.grad(mg.expm1(-t).sum(), [t])
    assert g.dtype == dtype
    np.testing.assert_allclose(g.data, (-np.exp(-x)).astype(dtype), rtol=1e-6)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 4e-16), (np.float32, 2e-7)])
def test_logit_near_one_half_keeps_its_relative_accuracy(dtype, rtol):
    # log(x / (1 - x)) rounded the quotient near 1 and kept nothing of a small result (0.2% off at 0.5 + 1e-14,
    # torch's too); mpmath at 40 digits is the truth
    import mpmath
    x = np.concatenate([0.5 + np.logspace(-15, -0.7, 12), 0.5 - np.logspace(-15, -0.7, 12), [0.3, 0.7]]).astype(dtype)
    x = x[x != 0.5]
    with mpmath.workdps(40):
        exact = np.array([float(mpmath.log(mpmath.mpf(float(v)) / (1 - mpmath.mpf(float(v))))) for v in x])
    y = mg.special.logit(mg.tensor(x, dtype=dtype))
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, exact.astype(dtype), rtol=rtol)
