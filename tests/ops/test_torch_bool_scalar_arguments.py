"""A bool (Python's or NumPy's) as an op's real-number argument, read as torch reads it.

Where torch's argument is a float (lerp's weight, addcmul's and addcdiv's value, addmm's, addmv's, baddbmm's and
addbmm's beta and alpha, nan_to_num's replacements, logit's eps, float_power's exponent, renorm's p and maxnorm,
trapz's dx) both bools are 1 or 0. Where it is a Scalar that tells them apart (add's and sub's alpha, addr's beta and
alpha, trapezoid's and cumulative_trapezoid's dx) a Python bool is refused (RuntimeError) unless the result is bool,
and a NumPy bool is the float 1.0 or 0.0, itself refused with integer tensors. Values and gradients against torch,
float32 and float64; integer and bool inputs by their dtype and values, or torch's exception type."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

BOOLS = [True, False, np.True_, np.False_]
_rng = np.random.default_rng(0)
M, N, V, BATCH = (_rng.standard_normal(s) for s in ((3, 3), (3, 3), (3,), (2, 3, 3)))
P = _rng.uniform(0.05, 0.95, 6)   # logit's inputs: inside (0, 1)
Y = _rng.standard_normal(5)
SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])

# name: (the input arrays, call(lib, *tensors, v)); every input gets a gradient where the dtype is floating
CASES = {
    "lerp weight": ((V, V[::-1] * 2), lambda L, a, b, v: L.lerp(a, b, v)),
    "Tensor.lerp weight": ((V, V[::-1] * 2), lambda L, a, b, v: a.lerp(b, v)),
    "addcmul value": ((V, V * 2, V + 3), lambda L, a, b, c, v: L.addcmul(a, b, c, value=v)),
    "addcdiv value": ((V, V * 2, V * V + 3), lambda L, a, b, c, v: L.addcdiv(a, b, c, value=v)),
    "addmm beta": ((M, N, M.T), lambda L, x, a, b, v: L.addmm(x, a, b, beta=v)),
    "addmm alpha": ((M, N, M.T), lambda L, x, a, b, v: L.addmm(x, a, b, alpha=v)),
    "Tensor.addmm beta alpha": ((M, N, M.T), lambda L, x, a, b, v: x.addmm(a, b, beta=v, alpha=v)),
    "addmv beta": ((V, M, V), lambda L, x, a, b, v: L.addmv(x, a, b, beta=v)),
    "addmv alpha": ((V, M, V), lambda L, x, a, b, v: L.addmv(x, a, b, alpha=v)),
    "baddbmm beta": ((BATCH, BATCH, BATCH), lambda L, x, a, b, v: L.baddbmm(x, a, b, beta=v)),
    "baddbmm alpha": ((BATCH, BATCH, BATCH), lambda L, x, a, b, v: L.baddbmm(x, a, b, alpha=v)),
    "addbmm beta": ((M, BATCH, BATCH), lambda L, x, a, b, v: L.addbmm(x, a, b, beta=v)),
    "addbmm alpha": ((M, BATCH, BATCH), lambda L, x, a, b, v: L.addbmm(x, a, b, alpha=v)),
    "addr beta": ((M, V, V * 2), lambda L, x, a, b, v: L.addr(x, a, b, beta=v)),
    "addr alpha": ((M, V, V * 2), lambda L, x, a, b, v: L.addr(x, a, b, alpha=v)),
    "nan_to_num nan": ((SPECIAL,), lambda L, x, v: L.nan_to_num(x, nan=v)),
    "nan_to_num posinf": ((SPECIAL,), lambda L, x, v: L.nan_to_num(x, posinf=v)),
    "nan_to_num neginf": ((SPECIAL,), lambda L, x, v: L.nan_to_num(x, neginf=v)),
    "Tensor.nan_to_num all": ((SPECIAL,), lambda L, x, v: x.nan_to_num(v, v, v)),
    "logit eps": ((P,), lambda L, x, v: L.logit(x, eps=v)),
    "float_power exponent": ((np.abs(V) + 0.5,), lambda L, x, v: L.float_power(x, v)),
    "Tensor.float_power exponent": ((np.abs(V) + 0.5,), lambda L, x, v: x.float_power(v)),
    "renorm p": ((M,), lambda L, x, v: L.renorm(x, v, 0, 1.0)),
    "renorm maxnorm": ((M,), lambda L, x, v: L.renorm(x, 2, 1, v)),
    "add alpha": ((V, V * 3), lambda L, a, b, v: L.add(a, b, alpha=v)),
    "Tensor.add alpha": ((V, V * 3), lambda L, a, b, v: a.add(b, alpha=v)),
    "sub alpha": ((V, V * 3), lambda L, a, b, v: L.sub(a, b, alpha=v)),
    "Tensor.sub alpha": ((V, V * 3), lambda L, a, b, v: a.sub(b, alpha=v)),
    "trapezoid dx": ((Y,), lambda L, y, v: L.trapezoid(y, dx=v)),
    "trapz dx": ((Y,), lambda L, y, v: L.trapz(y, dx=v)),
    "cumulative_trapezoid dx": ((Y,), lambda L, y, v: L.cumulative_trapezoid(y, dx=v)),
}


def _outcome(call, *args):
    try:
        return call(*args), None
    except Exception as exc:   # noqa: BLE001  (compared with torch's below)
        return None, exc


def _same_refusal(ours, theirs):
    # torch's RuntimeError for a value it refuses (renorm's p=False: "non-positive-norm") is minigrad's ValueError
    assert ours is not None, f"torch refused ({theirs!r}), minigrad did not"
    assert type(ours) is type(theirs) or (type(theirs) is RuntimeError and type(ours) is ValueError), (ours, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("value", BOOLS, ids=repr)
@pytest.mark.parametrize("name", list(CASES))
def test_a_bool_argument_gives_torchs_values_and_gradients(name, value, dtype):
    arrays, call = CASES[name]
    ours_in = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs, their_error = _outcome(call, torch, *theirs_in, value)
    ours, our_error = _outcome(call, mg, *ours_in, value)
    if their_error is not None:   # a Python bool alpha, beta or dx; renorm's p=False
        _same_refusal(our_error, their_error)
        if type(their_error) is RuntimeError and "Boolean" in str(their_error):
            assert "Python bool" in str(our_error) and "bool results" in str(our_error), our_error
        return
    assert our_error is None, our_error
    assert str(theirs.dtype) == f"torch.{ours.dtype}", (ours.dtype, theirs.dtype)
    # the bool is exactly the number 1 or 0: the result is the number's
    np.testing.assert_array_equal(
        ours.detach().numpy(), call(mg, *[mg.tensor(a, dtype=dtype) for a in arrays], int(value)).numpy())
    rtol = 1e-5 if ours.dtype == np.float32 else 1e-12   # matrix products may sum in another order than torch's
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol / 10)
    seed = np.linspace(-1.0, 2.0, theirs.numel()).reshape(theirs.shape).astype(str(theirs.dtype)[6:])
    ours.backward(mg.tensor(seed, dtype=seed.dtype))
    theirs.backward(torch.tensor(seed))
    for o, t in zip(ours_in, theirs_in):   # beta=0 (False) too: the ignored input's gradient is 0 in both
        assert (o.grad is None) == (t.grad is None), (o.grad, t.grad)
        if o.grad is not None:
            assert o.grad.dtype == o.dtype
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=rtol / 10)


BETA_ZERO_CALLS = {
    "addmm": (((2, 3), (2, 4), (4, 3)), lambda L, x, a, b, beta: L.addmm(x, a, b, beta=beta)),
    "addmm broadcast": (((3,), (2, 4), (4, 3)), lambda L, x, a, b, beta: L.addmm(x, a, b, beta=beta)),
    "addmv": (((2,), (2, 4), (4,)), lambda L, x, a, b, beta: L.addmv(x, a, b, beta=beta)),
    "addr": (((2, 3), (2,), (3,)), lambda L, x, a, b, beta: L.addr(x, a, b, beta=beta)),
    "baddbmm": (((2, 2, 3), (2, 2, 4), (2, 4, 3)), lambda L, x, a, b, beta: L.baddbmm(x, a, b, beta=beta)),
    "addbmm": (((2, 3), (2, 2, 4), (2, 4, 3)), lambda L, x, a, b, beta: L.addbmm(x, a, b, beta=beta)),
    "Tensor.addmm": (((2, 3), (2, 4), (4, 3)), lambda L, x, a, b, beta: x.addmm(a, b, beta=beta)),
}


@pytest.mark.parametrize("beta", [0, 0.0, np.False_], ids=repr)
@pytest.mark.parametrize("others_need_grad", [True, False])
@pytest.mark.parametrize("name", list(BETA_ZERO_CALLS))
def test_beta_zero_gives_the_ignored_input_a_zero_gradient_as_torch(name, others_need_grad, beta):
    """With beta=0 torch ignores the input's values (a NaN in it too) but keeps it in the graph: its gradient is
    beta * g = 0, and the result requires grad when the input alone does. minigrad dropped it: grad None, or
    'does not require grad' when only the input did."""
    shapes, call = BETA_ZERO_CALLS[name]
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in shapes]
    arrays[0].flat[0] = np.nan   # ignored by both
    ours_in = [mg.tensor(a, dtype="float64", requires_grad=(i == 0 or others_need_grad)) for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a, requires_grad=(i == 0 or others_need_grad)) for i, a in enumerate(arrays)]
    ours, theirs = call(mg, *ours_in, beta), call(torch, *theirs_in, beta)
    assert ours.requires_grad and theirs.requires_grad
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None), (o.grad, t.grad)
        if o.grad is not None:
            assert o.grad.shape == o.shape
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)


# the cases torch takes integer (and, for add and addr, bool) inputs in, with the bool read by the same rules
INTEGER_CASES = ["addcmul value", "addmm beta", "addmm alpha", "addmv beta", "addmv alpha", "baddbmm beta",
                 "baddbmm alpha", "addbmm beta", "addbmm alpha", "addr beta", "addr alpha", "nan_to_num nan",
                 "logit eps", "float_power exponent", "add alpha", "sub alpha", "trapezoid dx", "trapz dx",
                 "cumulative_trapezoid dx"]


@pytest.mark.parametrize("value", BOOLS, ids=repr)
@pytest.mark.parametrize("name,dtype", [(name, dtype) for name in INTEGER_CASES for dtype in ("int64", "int32")] +
                         [(name, "bool") for name in ("add alpha", "addr beta", "addr alpha")])
def test_integer_and_bool_inputs_take_or_refuse_a_bool_as_torch(name, value, dtype):
    arrays, call = CASES[name]
    whole = [np.round(np.where(np.isfinite(a), a, 0.0) * 3) for a in arrays]   # nan_to_num's NaN and inf: 0
    data = [w % 2 == 0 if dtype == "bool" else w.astype(dtype) for w in whole]
    theirs, their_error = _outcome(call, torch, *[torch.tensor(a) for a in data], value)
    ours, our_error = _outcome(call, mg, *[mg.tensor(a, dtype=a.dtype) for a in data], value)
    if their_error is not None:   # "Boolean alpha only ..." or "For integral input tensors, ... floating point"
        _same_refusal(our_error, their_error)
        return
    assert our_error is None, our_error
    assert str(theirs.dtype) == f"torch.{ours.dtype}", (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [lambda L, a, b: L.add(a, b, alpha=1.0), lambda L, a, b: L.sub(a, b, alpha=2.5),
                                  lambda L, a, b: L.addr(a[:, None] * b, a, b, beta=1.0)])
def test_a_float_alpha_with_integer_tensors_is_torchs_runtime_error(call):
    a = np.array([1, 2, 3])
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor(a), torch.tensor(a))
    with pytest.raises(RuntimeError, match="for integer tensors.*must be an int"):
        call(mg, mg.tensor(a), mg.tensor(a))


@pytest.mark.parametrize("call", [
    lambda L, y, x: L.trapezoid(y), lambda L, y, x: L.trapezoid(y, x), lambda L, y, x: L.trapezoid(y, dx=2.0),
    lambda L, y, x: L.trapz(y), lambda L, y, x: L.trapz(y, x), lambda L, y, x: L.cumulative_trapezoid(y),
    lambda L, y, x: L.cumulative_trapezoid(y, x)])
@pytest.mark.parametrize("y_dtype, x_dtype", [("bool", "float32"), ("float32", "bool"), ("int64", "bool"),
                                              ("bool", "int64"), ("int64", "int64"), ("float32", "float32")])
def test_trapezoid_refuses_bool_samples_as_torch(call, y_dtype, x_dtype):
    """torch refuses a bool y or x in trapezoid, trapz and cumulative_trapezoid ("received a bool input for `y`, but
    bool is not supported": RuntimeError); minigrad read a bool y as float32."""
    y, x = np.array([1, 0, 1, 1]), np.array([0, 1, 3, 4])
    as_ = {"bool": lambda a: a % 2 == 1, "int64": lambda a: a, "float32": lambda a: a.astype("float32")}
    args = as_[y_dtype](y), as_[x_dtype](x)
    theirs, their_error = _outcome(call, torch, *[torch.tensor(a) for a in args])
    ours, our_error = _outcome(call, mg, *[mg.tensor(a) for a in args])
    if their_error is not None:
        assert type(our_error) is type(their_error) is RuntimeError, (our_error, their_error)
        assert "received a bool input for `" in str(our_error) and "bool is not supported" in str(our_error)
        return
    assert our_error is None, our_error
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
