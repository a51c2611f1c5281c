"""A scalar argument the input's dtype cannot hold (elu's alpha=1e308 for float32) is refused with RuntimeError, as
torch refuses it, where NumPy's cast made it inf (or NaN) with at most a RuntimeWarning. inf and NaN stay accepted
where torch accepts them, and float64 inputs hold 1e308."""
import contextlib
import math
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TF = torch.nn.functional
BIG = 1e308
FLOAT32_MAX = float(np.finfo(np.float32).max)

# (id, argument named in the message, minigrad call, torch call): each takes the input and the scalar
CASES = [
    ("elu", "alpha", lambda x, v: F.elu(x, alpha=v), lambda x, v: TF.elu(x, alpha=v)),
    ("elu_inplace", "alpha", lambda x, v: F.elu(x.detach().clone(), alpha=v, inplace=True),
     lambda x, v: TF.elu(x.clone(), alpha=v, inplace=True)),
    ("ELU_layer", "alpha", lambda x, v: nn.ELU(alpha=v)(x), lambda x, v: torch.nn.ELU(alpha=v)(x)),
    ("celu", "alpha", lambda x, v: F.celu(x, alpha=v), lambda x, v: TF.celu(x, alpha=v)),
    ("leaky_relu", "negative_slope", lambda x, v: F.leaky_relu(x, v), lambda x, v: TF.leaky_relu(x, v)),
    ("hardtanh_min", "min_val", lambda x, v: F.hardtanh(x, -v, 1.0), lambda x, v: TF.hardtanh(x, -v, 1.0)),
    ("hardtanh_max", "max_val", lambda x, v: F.hardtanh(x, -1.0, v), lambda x, v: TF.hardtanh(x, -1.0, v)),
    ("softplus_beta", "beta", lambda x, v: F.softplus(x, beta=v), lambda x, v: TF.softplus(x, beta=v)),
    ("softplus_threshold", "threshold", lambda x, v: F.softplus(x, threshold=v),
     lambda x, v: TF.softplus(x, threshold=v)),
    ("threshold_threshold", "threshold", lambda x, v: F.threshold(x, v, 0.0), lambda x, v: TF.threshold(x, v, 0.0)),
    ("threshold_value", "value", lambda x, v: F.threshold(x, 0.0, v), lambda x, v: TF.threshold(x, 0.0, v)),
    ("clamp_min", "min", lambda x, v: x.clamp(min=-v), lambda x, v: x.clamp(min=-v)),
    ("clamp_max", "max", lambda x, v: mg.clamp(x, max=v), lambda x, v: torch.clamp(x, max=v)),
    ("clamp_max_only", "max", lambda x, v: mg.clamp_max(x, v), lambda x, v: torch.clamp_max(x, v)),
    ("clip", "lo", lambda x, v: mg.clip(x, -v, v), lambda x, v: torch.clip(x, -v, v)),
    ("hardshrink", "lambd", lambda x, v: F.hardshrink(x, v), lambda x, v: TF.hardshrink(x, v)),
    ("softshrink", "lambd", lambda x, v: F.softshrink(x, v), lambda x, v: TF.softshrink(x, v)),
]
IDS = [case[0] for case in CASES]
# where torch computes a float16 input in float32 (its opmath type), only float32's range binds the argument
FLOAT32_COMPUTE = {"elu", "elu_inplace", "ELU_layer", "celu", "leaky_relu", "softplus_beta", "softplus_threshold",
                   "threshold_threshold"}


def _op_name(case_id):
    return "leaky_relu" if case_id == "leaky_relu" else case_id.split("_")[0].lower()


def _inputs(dtype, device):
    data = np.array([-1.0, 0.5, 2.0], dtype=dtype)
    return mg.tensor(data, dtype=dtype, device=device), torch.tensor(data)


@contextlib.contextmanager
def _warnings_as_errors():
    """NumPy's RuntimeWarnings raised, so that a test sees one torch would not give."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def _raises(call):
    """The exception ``call`` raises (None when it returns), with NumPy's RuntimeWarnings as errors."""
    with _warnings_as_errors():
        try:
            call()
        except Exception as exc:  # noqa: BLE001  (the type is what is compared)
            return exc
    return None


# float16 with 1e5 only where torch refuses it: the ops it computes in float32 take it
REFUSED = [pytest.param(*case, dtype, value, id=f"{dtype_id}-{case[0]}")
           for dtype, value, dtype_id in [(np.float32, BIG, "f32_1e308"), (np.float32, 3.5e38, "f32_3.5e38"),
                                          (np.float16, 1e5, "f16_1e5")]
           for case in CASES if not (dtype == np.float16 and case[0] in FLOAT32_COMPUTE)]


def _assert_refused(error, case_id, arg, value, dtype):
    assert type(error) is RuntimeError, error
    message = str(error)
    assert message.startswith(_op_name(case_id) + ":"), message
    assert f"{arg}=" in message and repr(abs(float(value))) in message and np.dtype(dtype).name in message, message


@pytest.mark.parametrize("case_id, arg, call, torch_call, dtype, value", REFUSED)
def test_overflowing_argument_refused_as_torch(case_id, arg, call, torch_call, dtype, value, device):
    x, tx = _inputs(dtype, device)
    assert isinstance(_raises(lambda: torch_call(tx, value)), RuntimeError)
    _assert_refused(_raises(lambda: call(x, value)), case_id, arg, value, dtype)


@pytest.mark.parametrize("case_id", ["elu", "leaky_relu", "celu", "threshold_value"])
def test_negative_overflowing_argument_refused(case_id, device):
    _, arg, call, torch_call = CASES[IDS.index(case_id)]
    x, tx = _inputs(np.float32, device)
    assert isinstance(_raises(lambda: torch_call(tx, -BIG)), RuntimeError)
    error = _raises(lambda: call(x, -BIG))
    assert type(error) is RuntimeError and f"{arg}=-1e+308" in str(error), error


@pytest.mark.parametrize("case_id", sorted(FLOAT32_COMPUTE))
def test_float16_input_takes_float32_range_where_torch_computes_in_float32(case_id, device):
    _, _, call, torch_call = CASES[IDS.index(case_id)]
    x, tx = _inputs(np.float16, device)
    assert _raises(lambda: torch_call(tx, 7e4)) is None
    error = _raises(lambda: call(x, 7e4))
    assert not isinstance(error, RuntimeError) or "overflow" not in str(error), error
    assert type(_raises(lambda: call(x, 1e39))) is RuntimeError   # past float32's largest: torch refuses it too
    assert isinstance(_raises(lambda: torch_call(tx, 1e39)), RuntimeError)


@pytest.mark.parametrize("case_id, arg, call, torch_call", CASES, ids=IDS)
def test_float64_input_holds_1e308(case_id, arg, call, torch_call, device):
    """The limit is the input's dtype's: 1e308 fits float64, where float32 refuses it."""
    x64, tx64 = _inputs(np.float64, device)
    assert _raises(lambda: torch_call(tx64, BIG)) is None
    with np.errstate(over="ignore", invalid="ignore"):   # the formula may overflow, as torch's does
        assert not isinstance(_raises(lambda: call(x64, BIG)), RuntimeError)
    _assert_refused(_raises(lambda: call(_inputs(np.float32, device)[0], BIG)), case_id, arg, BIG, np.float32)


@pytest.mark.parametrize("case_id, arg, call, torch_call", CASES, ids=IDS)
def test_float32_largest_accepted_and_next_refused(case_id, arg, call, torch_call, device):
    x, tx = _inputs(np.float32, device)
    above = float(np.nextafter(FLOAT32_MAX, math.inf))   # a float64 just past it: NumPy's cast rounds it to inf
    assert _raises(lambda: torch_call(tx, FLOAT32_MAX)) is None
    assert isinstance(_raises(lambda: torch_call(tx, above)), RuntimeError)
    with np.errstate(over="ignore", invalid="ignore"):
        assert not isinstance(_raises(lambda: call(x, FLOAT32_MAX)), RuntimeError)
    _assert_refused(_raises(lambda: call(x, above)), case_id, arg, above, np.float32)


@pytest.mark.parametrize("value", [math.inf, math.nan], ids=["inf", "nan"])
@pytest.mark.parametrize("case_id, arg, call, torch_call", CASES, ids=IDS)
def test_inf_and_nan_not_refused_as_overflow(case_id, arg, call, torch_call, value, device):
    """torch takes inf and NaN for all of these but softshrink (a range check of its own, refused as torch's), never
    as an overflow; a finite 1e308 is refused."""
    x, _ = _inputs(np.float32, device)
    with np.errstate(over="ignore", invalid="ignore"):
        error = _raises(lambda: call(x, value))
    if case_id == "softshrink":
        assert type(error) is RuntimeError and "must be in the range [0, the largest float32]" in str(error), error
    else:
        assert error is None, error
    _assert_refused(_raises(lambda: call(x, BIG)), case_id, arg, BIG, np.float32)


@pytest.mark.parametrize("bound", ["min", "max"])
def test_clamp_integer_input_float_bound_checked_against_float32(bound, device):
    """A float bound makes an integer input float32 (torch's result type too), so 1e20 fits and 1e308 does not."""
    x = mg.tensor(np.array([-1, 0, 2]), device=device)
    tx = torch.tensor([-1, 0, 2])
    kwargs = {bound: 1e20}
    np.testing.assert_array_equal(mg.clamp(x, **kwargs).numpy(), torch.clamp(tx, **kwargs).numpy())
    assert isinstance(_raises(lambda: torch.clamp(tx, **{bound: BIG})), RuntimeError)
    error = _raises(lambda: mg.clamp(x, **{bound: BIG}))
    assert type(error) is RuntimeError and f"clamp: {bound}=1e+308" in str(error) and "float32" in str(error)


@pytest.mark.parametrize("which", ["threshold", "value"])
def test_threshold_integer_input_refuses_past_int64(which, device):
    x = mg.tensor(np.array([-1, 0, 2]), device=device)
    args = (1e20, 0) if which == "threshold" else (0, 1e20)
    assert isinstance(_raises(lambda: TF.threshold(torch.tensor([-1, 0, 2]), *args)), RuntimeError)
    error = _raises(lambda: F.threshold(x, *args))
    assert type(error) is RuntimeError and f"threshold: {which}=1e+20" in str(error) and "int64" in str(error)


def test_python_int_past_int64_is_overflow_error_as_torch(device):
    x, tx = _inputs(np.float32, device)
    with pytest.raises(OverflowError):
        torch.clamp(tx, max=10 ** 40)
    with pytest.raises(OverflowError, match="clamp: max="):
        mg.clamp(x, max=10 ** 40)


# An integer input's bound, each call taking the input and the bound (torch's spellings share minigrad's names)
INTEGER_BOUND_CALLS = [
    ("clamp_min", lambda m, x, v: m.clamp(x, min=v)),
    ("clamp_max", lambda m, x, v: m.clamp(x, max=v)),
    ("clamp_both", lambda m, x, v: m.clamp(x, v, 3)),   # a wrapped min past max: every value becomes max
    ("clip_max", lambda m, x, v: m.clip(x, min=0, max=v)),
    ("clamp_min_fn", lambda m, x, v: m.clamp_min(x, v)),
    ("clamp_max_fn", lambda m, x, v: m.clamp_max(x, v)),
    ("clamp_inplace", lambda m, x, v: x.clone().clamp_(min=v)),
    ("hardtanh", lambda m, x, v: (F if m is mg else TF).hardtanh(x, _low(x), v)),
]


def _low(x):
    """hardtanh's lower bound for x: int8's smallest (a signed input), else 0 (an unsigned one refuses < 0)."""
    return -128 if str(x.dtype).replace("torch.", "") == "int8" else 0


def _integer_bounds(dtype):
    info = np.iinfo(dtype)
    values = [int(info.max) + 1, int(info.min) - 1, 2 ** 63, 2 ** 64, -2 ** 63 - 1]
    if info.min == 0:   # torch wraps -255..-1 into uint8 (-1 is 255) and refuses -256
        values += [-1, -128, -int(info.max), -int(info.max) - 1]
    return values


def _outcome(call):
    """("values", dtype name, list) or ("raises", exception type)."""
    try:
        out = call()
    except Exception as exc:  # noqa: BLE001  (the type is what is compared)
        return ("raises", type(exc))
    return ("values", str(out.dtype).replace("torch.", ""), out.tolist())


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
@pytest.mark.parametrize("call_id, call", INTEGER_BOUND_CALLS, ids=[c[0] for c in INTEGER_BOUND_CALLS])
def test_integer_bound_the_dtype_cannot_hold_follows_torch(call_id, call, dtype, device):
    """A Python int bound outside an integer input's dtype: torch raises RuntimeError (OverflowError past 64 bits),
    but wraps -255..-1 into uint8 (clamp(x, min=-1) is clamp(x, min=255)); minigrad raised OverflowError for all."""
    data = np.array([0, 1, 100, 3], dtype=dtype)
    for value in _integer_bounds(dtype):
        if call_id == "hardtanh" and abs(value) >= 2 ** 63:
            continue   # F.hardtanh takes its bounds as floats (2**63 - 1 would read as 2**63)
        expected = _outcome(lambda: call(torch, torch.tensor(data), value))
        got = _outcome(lambda: call(mg, mg.tensor(data, device=device), value))
        assert got == expected, (value, got, expected)
        if expected[0] == "raises" and expected[1] is RuntimeError and call_id != "hardtanh":
            with pytest.raises(RuntimeError, match=rf"^(clamp|clip): (min|max)={value} cannot be converted to {dtype}"):
                call(mg, mg.tensor(data, device=device), value)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64"])
def test_hardtanh_integer_input_refuses_as_torch(dtype, device):
    """torch refuses a non-finite bound of an integer input, and a negative one of an unsigned input, with
    RuntimeError (minigrad raised ValueError); a float bound is truncated first, then checked (int8 takes 127.9)."""
    data = np.array([0, 1, 100, 3], dtype=dtype)
    x, tx = mg.tensor(data, device=device), torch.tensor(data)
    for lo, hi in [(-math.inf, 0.0), (0.0, math.inf), (-1.0, 5.0), (0, 127.9), (-128.5, 0), (0.0, 300.5)]:
        expected = _outcome(lambda: TF.hardtanh(tx, lo, hi))
        assert _outcome(lambda: F.hardtanh(x, lo, hi)) == expected, (lo, hi, expected)
    with pytest.raises(RuntimeError, match=rf"^hardtanh: min_val=0.0 and max_val=inf cannot be converted to the "
                                           rf"integer dtype {dtype}"):
        F.hardtanh(x, 0.0, math.inf)


NAN = math.nan
# (id, minigrad call, torch call), each taking the input: the NaN (or infinite) arguments torch takes
NAN_ARGUMENT_CASES = [
    ("elu", lambda x: F.elu(x, alpha=NAN), lambda x: TF.elu(x, alpha=NAN)),
    ("ELU", lambda x: nn.ELU(alpha=NAN)(x), lambda x: torch.nn.ELU(alpha=NAN)(x)),
    ("celu", lambda x: F.celu(x, alpha=NAN), lambda x: TF.celu(x, alpha=NAN)),
    ("CELU", lambda x: nn.CELU(alpha=NAN)(x), lambda x: torch.nn.CELU(alpha=NAN)(x)),
    ("hardtanh_min", lambda x: F.hardtanh(x, NAN, 1.0), lambda x: TF.hardtanh(x, NAN, 1.0)),
    ("hardtanh_max", lambda x: F.hardtanh(x, -1.0, NAN), lambda x: TF.hardtanh(x, -1.0, NAN)),
    ("Hardtanh", lambda x: nn.Hardtanh(NAN, 1.0)(x), lambda x: torch.nn.Hardtanh(NAN, 1.0)(x)),
    ("softplus_beta_nan", lambda x: F.softplus(x, beta=NAN), lambda x: TF.softplus(x, beta=NAN)),
    ("softplus_beta_inf", lambda x: F.softplus(x, beta=math.inf), lambda x: TF.softplus(x, beta=math.inf)),
    ("softplus_beta_-inf", lambda x: F.softplus(x, beta=-math.inf), lambda x: TF.softplus(x, beta=-math.inf)),
    ("Softplus_beta_inf", lambda x: nn.Softplus(beta=math.inf)(x), lambda x: torch.nn.Softplus(beta=math.inf)(x)),
    ("softplus_threshold", lambda x: F.softplus(x, threshold=NAN), lambda x: TF.softplus(x, threshold=NAN)),
    ("Softplus_threshold", lambda x: nn.Softplus(threshold=NAN)(x), lambda x: torch.nn.Softplus(threshold=NAN)(x)),
    ("hardshrink", lambda x: F.hardshrink(x, NAN), lambda x: TF.hardshrink(x, NAN)),
    ("Hardshrink", lambda x: nn.Hardshrink(NAN)(x), lambda x: torch.nn.Hardshrink(NAN)(x)),
    ("leaky_relu", lambda x: F.leaky_relu(x, NAN), lambda x: TF.leaky_relu(x, NAN)),
    ("LeakyReLU", lambda x: nn.LeakyReLU(NAN)(x), lambda x: torch.nn.LeakyReLU(NAN)(x)),
    ("threshold", lambda x: F.threshold(x, NAN, 0.5), lambda x: TF.threshold(x, NAN, 0.5)),
    ("Threshold", lambda x: nn.Threshold(NAN, 0.5)(x), lambda x: torch.nn.Threshold(NAN, 0.5)(x)),
]
NAN_X = np.array([-math.inf, -30.0, -1.0, -0.0, 0.0, 0.5, 3.0, 30.0, math.inf, NAN])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case_id, call, torch_call", NAN_ARGUMENT_CASES, ids=[c[0] for c in NAN_ARGUMENT_CASES])
def test_nan_argument_taken_as_torch_values_and_gradients(case_id, call, torch_call, dtype, device):
    """torch takes a NaN alpha, bound, beta, threshold, lambd and slope (and softplus's +-inf beta), where minigrad
    refused them with a ValueError; values and gradients match torch's, each element in a tensor of its own for
    torch (its CPU vector kernels differ from its scalar ones, which its CUDA kernels follow, at NaN)."""
    x = NAN_X
    if case_id.lower() == "softplus_threshold":   # torch's g z / (z + 1), z = e^x, is inf / inf = NaN at x = inf,
        x = x[x != math.inf]                      # where minigrad's g sigmoid(x) gives the limit, 1
    _assert_values_and_gradients_as_torch(call, torch_call, x, dtype, device, rtol=1e-6)


def _assert_values_and_gradients_as_torch(call, torch_call, x, dtype, device, rtol, gradients=True, quiet=False):
    """y and dL/dx of L = sum(y) as torch's, torch's computed element by element (its scalar kernels: the CUDA ones'
    rule where its CPU vector kernels differ, at NaN). ``quiet``: and without a NumPy warning, as torch's."""
    expected_y, expected_g = [], []
    for v in x:
        t = torch.tensor([v], dtype=getattr(torch, dtype), requires_grad=True)
        y = torch_call(t)
        y.sum().backward()
        expected_y.append(y.item())
        expected_g.append(t.grad.item())
    xm = mg.tensor(x, dtype=dtype, device=device, requires_grad=True)
    with _warnings_as_errors() if quiet else np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        y = call(xm)   # inf * 0 in the formulas, as torch's
        y.sum().backward()
    assert y.dtype == xm.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), np.array(expected_y, dtype=dtype), rtol=rtol, equal_nan=True)
    if gradients:
        np.testing.assert_allclose(xm.grad.numpy(), np.array(expected_g, dtype=dtype), rtol=rtol, equal_nan=True)


@pytest.mark.parametrize("lambd", [NAN, math.inf, -math.inf, -0.5])
def test_softshrink_refuses_nan_inf_and_negative_lambd_with_torch_s_runtime_error(lambd, device):
    """torch's one refusal among these NaN arguments: softshrink's range check, a RuntimeError at the call (its
    layer takes the number and refuses it in forward); minigrad raised ValueError, the layer at construction."""
    tx, x = torch.tensor([1.0, -2.0]), mg.tensor([1.0, -2.0], device=device)
    for torch_call in (lambda: TF.softshrink(tx, lambd), lambda: torch.nn.Softshrink(lambd)(tx)):
        assert type(_raises(torch_call)) is RuntimeError
    for call in (lambda: F.softshrink(x, lambd), lambda: nn.Softshrink(lambd)(x)):
        with pytest.raises(RuntimeError, match=rf"^softshrink: lambd={lambd!r} must be in the range \[0, the largest "
                                               r"float32\]"):
            call()


def test_celu_refuses_a_zero_alpha_with_torch_s_runtime_error(device):
    x = mg.tensor([1.0, -2.0], device=device)
    assert type(_raises(lambda: TF.celu(torch.tensor([1.0, -2.0]), 0.0))) is RuntimeError
    for call in (lambda: F.celu(x, 0.0), lambda: nn.CELU(0.0)(x)):
        with pytest.raises(RuntimeError, match=r"^celu: alpha=0.0 cannot be 0 \(x is divided by it\), for the input "
                                               r"of dtype float32"):
            call()


@pytest.mark.parametrize("which", ["threshold", "value"])
@pytest.mark.parametrize("number", [NAN, math.inf])
def test_threshold_integer_input_refuses_nan_and_inf_with_torch_s_runtime_error(which, number, device):
    args = (number, 0) if which == "threshold" else (0, number)
    assert type(_raises(lambda: TF.threshold(torch.tensor([1, 2, 3]), *args))) is RuntimeError
    with pytest.raises(RuntimeError, match=rf"^threshold: {which}={number!r} cannot be converted to int64"):
        F.threshold(mg.tensor([1, 2, 3], device=device), *args)


@pytest.mark.parametrize("bound", ["min_val", "max_val"])
def test_hardtanh_integer_input_refuses_a_nan_bound_with_torch_s_runtime_error(bound, device):
    kwargs = {bound: NAN}
    assert type(_raises(lambda: TF.hardtanh(torch.tensor([1, 2, 3]), **kwargs))) is RuntimeError
    with pytest.raises(RuntimeError, match=r"^hardtanh: min_val=.* and max_val=.* cannot be converted to the integer "
                                           r"dtype int64"):
        F.hardtanh(mg.tensor([1, 2, 3], device=device), **kwargs)


FLOAT16_X = np.array([-6e4, -2.0, -1e-4, -0.0, 0.0, 1e-3, 0.5, 2.0, 100.0, 6e4, math.inf, -math.inf, NAN])


@pytest.mark.parametrize("value", [65520.0, 1e5, 1e30])
@pytest.mark.parametrize("case_id", sorted(FLOAT32_COMPUTE))
def test_float16_input_with_an_argument_past_float16_computes_in_float32_as_torch(case_id, value, device):
    """torch computes these ops' float16 inputs in float32, so an argument past 65504 is a float32 number there;
    minigrad computed in float16, where it is inf: elu(-1e-4, alpha=65520) was -inf, not torch's -6.55, and
    leaky_relu(0, 1e5) NaN. Now computed in float32 and rounded once to float16, values and gradients."""
    _, _, call, torch_call = CASES[IDS.index(case_id)]
    if case_id == "elu_inplace":   # written into a clone that keeps the graph (CASES' detaches)
        call = lambda x, v: F.elu(x.clone(), alpha=v, inplace=True)  # noqa: E731
        torch_call = lambda x, v: TF.elu(x.clone(), alpha=v, inplace=True)  # noqa: E731
    x = FLOAT16_X
    if case_id == "softplus_threshold":   # torch's log1p(e^x) overflows float32 past x = 88 (docs/layers.md),
        x = x[~(x > 88)]                  # where minigrad's logaddexp(0, x) gives x
    # torch's in-place elu reads its gradient off the float16 output (y + alpha: rounded, or -inf where y overflowed)
    _assert_values_and_gradients_as_torch(lambda t: call(t, value), lambda t: torch_call(t, value), x, "float16",
                                          device, rtol=1e-3, gradients=case_id != "elu_inplace")


UNBOUNDED_BETAS = [0, 0.0, -0.0, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("beta", UNBOUNDED_BETAS, ids=["0", "0.0", "-0.0", "inf", "-inf", "nan"])
def test_softplus_zero_or_infinite_beta_gives_torch_s_values_without_a_warning(beta, dtype, device):
    """torch takes beta = 0 (ln 2 / 0: every finite x gives inf, -inf for beta = -0.0), where minigrad raised
    ValueError; beta = 0, +-inf and NaN give their inf and NaN (0 * inf at x = 0 or +-inf) without a word, where
    NumPy warned. The functional (both thresholds), the layer and minigrad.softplus (no threshold: torch's inf)."""
    calls = [(lambda t: F.softplus(t, beta=beta), lambda t: TF.softplus(t, beta=beta)),
             (lambda t: F.softplus(t, beta, -1.0), lambda t: TF.softplus(t, beta, -1.0)),
             (lambda t: nn.Softplus(beta)(t), lambda t: torch.nn.Softplus(beta)(t))]
    if beta == 0:   # with an infinite beta torch's inf / inf differs from minigrad's limit past its threshold
        calls.append((lambda t: mg.softplus(t, beta), lambda t: TF.softplus(t, beta, math.inf)))
    for call, torch_call in calls:
        _assert_values_and_gradients_as_torch(call, torch_call, NAN_X, dtype, device, rtol=1e-6, quiet=True)


@pytest.mark.parametrize("case_id, value", [("leaky_relu", 2.0), ("leaky_relu", 1e3), ("leaky_relu", 1e5),
                                            ("elu", 1e5), ("ELU_layer", 1e5), ("celu", 1e5)])
def test_float16_result_past_65504_is_inf_without_a_warning_as_torch(case_id, value, device):
    """torch computes these float16 inputs in float32 and rounds a result past 65504 to +-inf without a word; NumPy
    warned of the overflow: in leaky_relu's float16 x * slope (at 6e4 * 2 too, in the branch not taken) and in the
    rounding of a float32 result (an argument past 65504). The gradient where the slope fits float16 too (past it
    the gradient's own rounding to float16, a cast's, still warns)."""
    _, _, call, torch_call = CASES[IDS.index(case_id)]
    x = np.array([-6e4, -100.0, -2.0, -0.0, 0.0, 2.0, 6e4], dtype=np.float16)
    tx = torch.tensor(x, requires_grad=True)
    expected = torch_call(tx, value)
    expected.sum().backward()
    xm = mg.tensor(x, dtype="float16", device=device, requires_grad=True)
    with _warnings_as_errors():
        y = call(xm, value)
        if value <= 65504:
            y.sum().backward()
            np.testing.assert_array_equal(xm.grad.numpy(), tx.grad.numpy())
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y.numpy(), expected.detach().numpy())


# each call takes the module (minigrad or torch) and the input
BOOL_BOUND_CALLS = [
    ("clamp_min", lambda m, x: m.clamp(x, min=True)),
    ("clamp_max", lambda m, x: m.clamp(x, max=False)),
    ("clamp_both", lambda m, x: m.clamp(x, False, True)),
    ("clamp_past_max", lambda m, x: m.clamp(x, True, False)),   # min > max: every value becomes max
    ("clamp_float_max", lambda m, x: m.clamp(x, min=True, max=2.5)),
    ("clamp_min_fn", lambda m, x: m.clamp_min(x, True)),
    ("clamp_max_fn", lambda m, x: m.clamp_max(x, False)),
    ("clip", lambda m, x: m.clip(x, True, 2)),
    ("clip_keywords", lambda m, x: m.clip(x, min=False, max=True)),
    ("method", lambda m, x: x.clamp(max=True)),
    ("clamp_inplace", lambda m, x: x.clone().clamp_(min=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "uint8", "bool"])
@pytest.mark.parametrize("call_id, call", BOOL_BOUND_CALLS, ids=[c[0] for c in BOOL_BOUND_CALLS])
def test_bool_bound_is_one_or_zero_as_torch(call_id, call, dtype, device):
    """torch reads a bool bound as 1 or 0, keeping an integer input's dtype (a bool input with bool bounds only is
    refused: NotImplementedError); minigrad refused every bool bound with TypeError."""
    data = np.array([-2, 0, 1, 3]).astype(dtype)
    expected = _outcome(lambda: call(torch, torch.tensor(data)))
    assert _outcome(lambda: call(mg, mg.tensor(data, dtype=dtype, device=device))) == expected
    if expected[0] == "raises":
        message = r"^(clamp|clip): a bool tensor \(shape \(4,\)\) with bool bounds is not supported"
        with pytest.raises(NotImplementedError, match=message):
            call(mg, mg.tensor(data, device=device))


def test_bool_bound_gradient_as_torch(device):
    x, tx = mg.tensor([-1.0, 0.5, 2.0], device=device, requires_grad=True), torch.tensor([-1.0, 0.5, 2.0],
                                                                                       requires_grad=True)
    mg.clamp(x, False, True).sum().backward()
    torch.clamp(tx, False, True).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


# each call takes the module (minigrad or torch), the input and the number
BIG_INT_CALLS = [
    ("clamp_min", lambda m, x, v: m.clamp(x, min=v)),
    ("clamp_max", lambda m, x, v: m.clamp(x, max=v)),
    ("clamp_both", lambda m, x, v: m.clamp(x, v, v)),
    ("clamp_max_fn", lambda m, x, v: m.clamp_max(x, v)),
    ("clip", lambda m, x, v: m.clip(x, min=v)),
    ("clamp_inplace", lambda m, x, v: x.clone().clamp_(max=v)),
    ("elu_alpha", lambda m, x, v: (F if m is mg else TF).elu(x, alpha=v)),
    ("threshold_value", lambda m, x, v: (F if m is mg else TF).threshold(x, 1.5, v)),
    ("add", lambda m, x, v: x + v),
    ("rsub", lambda m, x, v: v - x),
    ("mul", lambda m, x, v: x * v),
    ("div", lambda m, x, v: x / v),
    ("rdiv", lambda m, x, v: v / x),
    ("eq", lambda m, x, v: x == v),
    ("where", lambda m, x, v: m.where(x > 1, x, v)),
    ("full", lambda m, x, v: m.full((2,), v, dtype=x.dtype)),
    ("fill_", lambda m, x, v: x.clone().fill_(v)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("call_id, call", BIG_INT_CALLS, ids=[c[0] for c in BIG_INT_CALLS])
def test_python_int_up_to_uint64_s_largest_on_a_float_tensor_as_torch(call_id, call, dtype, device):
    """torch reads a Python int up to 2**64 - 1 (its uint64 scalar) and computes it in the float dtype; minigrad's
    scalar arguments (clamp's bounds, elu's alpha) refused one past int64 with OverflowError."""
    data = np.array([-1.0, 1.5, 2.0], dtype=dtype)
    for value in [2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, -2 ** 63]:
        expected = _outcome(lambda: call(torch, torch.tensor(data), value))
        assert expected[0] == "values"
        assert _outcome(lambda: call(mg, mg.tensor(data, dtype=dtype, device=device), value)) == expected, value


@pytest.mark.parametrize("call_id, call", BIG_INT_CALLS[:8], ids=[c[0] for c in BIG_INT_CALLS[:8]])
def test_python_int_past_int64_on_a_float16_tensor_refused_as_torch(call_id, call, device):
    """2**63 is past float16's largest: torch refuses it as an overflow (RuntimeError), but where it computes
    float16 in float32 (elu's alpha); minigrad raised OverflowError."""
    data = np.array([-1.0, 1.5, 2.0], dtype=np.float16)
    expected = _outcome(lambda: call(torch, torch.tensor(data), 2 ** 63))
    assert _outcome(lambda: call(mg, mg.tensor(data, dtype="float16", device=device), 2 ** 63)) == expected


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("call_id, call", BIG_INT_CALLS[8:15], ids=[c[0] for c in BIG_INT_CALLS[8:15]])
def test_python_int_past_float64_is_an_overflow_error_naming_the_op(call_id, call, dtype, device):
    """An int no float holds (10**400) meeting a tensor: torch's OverflowError; minigrad raised NumPy's ValueError
    "Invalid integer data type 'f'" for a float tensor, and printed all 401 digits for an integer one."""
    data = np.array([-1.0, 1.5, 2.0]).astype(dtype)
    assert _outcome(lambda: call(torch, torch.tensor(data), 10 ** 400)) == ("raises", OverflowError)
    op = {"add": "add", "rsub": "sub", "mul": "mul", "div": "div", "rdiv": "div", "eq": "equal", "where": "where"}
    message = rf"^{op[call_id]}: the Python integer 1000000000000\.\.\.\(401 digits\) is too big for the {dtype} tensor"
    with pytest.raises(OverflowError, match=message + r" of shape \(3,\) it meets"):
        call(mg, mg.tensor(data, dtype=dtype, device=device), 10 ** 400)
