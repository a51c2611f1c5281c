"""A value past float16's largest (65504) cast to float16 is inf, silently, as torch's cast: NumPy's warns "overflow
encountered in cast" (an error under ``python -W error``). Every such cast goes through ``backend.cast`` or
``backend.quiet_if_half``: conversions, creation, writes, promotion, float16 scans and gradients cast back; float16
powers too. Each mechanism against torch's values
with warnings as errors, forward and backward; ``full`` of 70000.0 in float16 stays refused, as torch refuses it."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

BIG = np.array([70000.0, 1.0, -1e6, 65504.0], dtype=np.float32)


def _setitem(L):
    z = L.zeros(2, dtype=L.float16)
    z[0] = 70000.0
    return z


def _setitem_recorded(L):
    a = L.tensor(np.array([1.0, 2.0], dtype=np.float16), dtype=L.float16, requires_grad=True)
    z = a * 1
    z[0] = 70000.0
    return z


# name: call(lib) -> a tensor; each an overflowing cast (or power) that torch makes inf without a word
CASTS = {
    "Tensor.to(float16)": lambda L: L.tensor(BIG).to(L.float16),
    "Tensor.half()": lambda L: L.tensor(BIG).half(),
    "Tensor.type(float16)": lambda L: L.tensor(BIG).type(L.float16),
    "float64 Tensor.to(float16)": lambda L: L.tensor(BIG.astype(np.float64), dtype=L.float64).to(L.float16),
    "int64 Tensor.to(float16)": lambda L: L.tensor(np.array([70000, 1])).to(L.float16),
    "tensor(list, dtype=float16)": lambda L: L.tensor([70000.0, -70000.0, 1.0], dtype=L.float16),
    "tensor(number, dtype=float16)": lambda L: L.tensor(70000.0, dtype=L.float16),
    "tensor(int list, dtype=float16)": lambda L: L.tensor([70000, 1], dtype=L.float16),
    "tensor(ndarray, dtype=float16)": lambda L: L.tensor(np.array([70000.0, 2.0]), dtype=L.float16),
    "as_tensor(ndarray, dtype=float16)": lambda L: L.as_tensor(np.array([70000.0, 2.0]), dtype=L.float16),
    "zeros(float16).copy_(float32)": lambda L: L.zeros(4, dtype=L.float16).copy_(L.tensor(BIG)),
    "z[0] = 70000.0 (float16)": _setitem,
    "z[0] = 70000.0 (float16, recorded)": _setitem_recorded,
    "float16 tensor + 70000.0": lambda L: L.tensor(np.array([1.0, -2.0], dtype=np.float16), dtype=L.float16) + 70000.0,
    "float16 x ** 2": lambda L: L.tensor(np.array([300.0, 2.0], dtype=np.float16), dtype=L.float16) ** 2,
    "float16 x ** 0-d float16 tensor": lambda L: L.tensor([300.0, 2.0], dtype=L.float16) ** L.tensor(2.0,
                                                                                                     dtype=L.float16),
    "float16 x ** float16 y": lambda L: L.tensor([300.0, 2.0], dtype=L.float16) ** L.tensor([2.0, 3.0],
                                                                                             dtype=L.float16),
    "int64 tensor + float16 tensor (promotion)": lambda L: L.tensor([70000, 1]) + L.ones(2, dtype=L.float16),
    "float16 tensor + float64 ndarray": lambda L: L.tensor([1.0, 2.0], dtype=L.float16) + (
        np.array([70000.0, 1.0]) if L is mg else L.tensor([70000.0, 1.0], dtype=L.float16)),
    "cumsum float16": lambda L: L.cumsum(L.tensor([60000.0, 60000.0], dtype=L.float16), 0),
    "cumprod float16": lambda L: L.cumprod(L.tensor([300.0, 300.0], dtype=L.float16), 0),
}


@pytest.mark.parametrize("name", list(CASTS))
def test_an_overflowing_cast_is_inf_without_a_warning_as_torch(name):
    theirs = CASTS[name](torch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = CASTS[name](mg)
    assert str(theirs.dtype) == f"torch.{ours.dtype}"
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    assert np.isinf(ours.detach().numpy()).any()


def _grad_of_half_input(L, cast):
    """A float16 leaf cast to float32 and scaled: the float32 gradient (70000 and 1) cast back to float16."""
    a = L.tensor(np.array([1.0, 2.0], dtype=np.float16), dtype=L.float16, requires_grad=True)
    y = cast(a)
    y.backward(L.tensor(np.array([70000.0, 1.0], dtype=np.float32)))
    return a.grad


@pytest.mark.parametrize("cast", [lambda a: a.float(), lambda a: a.to(np.float32 if isinstance(a, mg.Tensor)
                                                                      else torch.float32),
                                  lambda a: a.type(np.float32 if isinstance(a, mg.Tensor) else torch.float32)],
                         ids=["float()", "to(float32)", "type(float32)"])
def test_the_gradient_cast_back_to_float16_overflows_silently_as_torch(cast):
    theirs = _grad_of_half_input(torch, cast)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _grad_of_half_input(mg, cast)
    assert ours.dtype == np.float16 and theirs.dtype == torch.float16
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())   # [inf, 1]


def test_a_float32_gradient_through_half_overflows_silently_as_torch():
    """x.half() of a float32 x needing a gradient: the forward's cast is inf at 70000, the gradient passes."""
    results = []
    for L in (torch, mg):
        x = L.tensor(BIG, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = x.half()
            (y.float() * 2).backward(L.ones(4))   # not .sum(): inf + -inf is NaN (NumPy's "invalid" warning)
        results.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    np.testing.assert_array_equal(results[1][1], results[0][1])


def _power_and_gradient(L, data, c, dtype):
    x = L.tensor(np.array(data, dtype=dtype), dtype=getattr(L, np.dtype(dtype).name), requires_grad=True)
    y = x ** c
    y.backward(L.ones_like(y))
    return y.detach().numpy(), x.grad.numpy()


def _overflow_warnings(f):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = f()
    return result, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


# PowScalar's one rule: float16 overflow silent; float32 overflow warns (NumPy's, as x * 1e30) whatever the exponent,
# in the forward when x ** c overflows, in the backward when c x ** (c - 1) does: torch's values in every case
POWERS = [   # (data, c, dtype, forward warns, backward warns)
    ([1e20, 2.0], 2, np.float32, True, False),
    ([1e20, 2.0], 200, np.float32, True, True),
    ([70000.0, 1.0, 0.5, -1.0], 2**63, np.float32, True, True),
    ([0.5, 2.0], -127, np.float32, False, True),      # 0.5 ** -127 = 2 ** 127 fits; -127 * 0.5 ** -128 does not
    ([1e20, 2.0], 3, np.float64, False, False),
    ([1e200, 2.0], 2, np.float64, True, False),
    ([300.0, 2.0], 2, np.float16, False, False),
    ([40000.0, 2.0], 2, np.float16, False, False),    # the gradient 2 x = 80000: inf, silently
    ([300.0, 0.5], -3, np.float16, False, False),
]


@pytest.mark.parametrize("data, c, dtype, forward_warns, backward_warns", POWERS,
                         ids=[f"{np.dtype(p[2]).name}-c={p[1]}-x={p[0][0]:g}" for p in POWERS])
def test_power_overflow_warns_by_dtype_and_overflow_not_by_exponent(data, c, dtype, forward_warns, backward_warns):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ty, tg = _power_and_gradient(torch, data, c, dtype)
    x = mg.tensor(np.array(data, dtype=dtype), dtype=dtype, requires_grad=True)
    y, forward = _overflow_warnings(lambda: x ** c)
    _, backward = _overflow_warnings(lambda: y.backward(mg.ones_like(y)))
    assert all("overflow" in m for m in forward + backward), forward + backward
    assert (bool(forward), bool(backward)) == (forward_warns, backward_warns)
    np.testing.assert_array_equal(y.detach().numpy(), ty)
    np.testing.assert_array_equal(x.grad.numpy(), tg)


def test_full_of_a_value_float16_cannot_hold_stays_refused_as_torch():
    with pytest.raises(RuntimeError):
        torch.full((2,), 70000.0, dtype=torch.float16)
    with pytest.raises(RuntimeError, match="out of range for dtype float16"):
        mg.full((2,), 70000.0, dtype=mg.float16)


def _half_backward(L, f, x, g):
    x = L.tensor(x, dtype=L.float16, requires_grad=True)
    f(L, x).backward(L.tensor(g, dtype=L.float16))
    return x.grad


class _Scale70000:
    """A custom Function whose backward returns a float32 gradient (70000 g) for a float16 input."""

    def __init__(self, L):
        class Scale(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g.float() * 70000.0

        self.apply = Scale.apply


GRADIENTS = {   # name: (f(L, x), x, g): a float16 gradient past 65504, inf silently in torch
    "gelu": (lambda L, x: L.nn.functional.gelu(x), [3.0], [65000.0]),
    "gelu tanh": (lambda L, x: L.nn.functional.gelu(x, approximate="tanh"), [3.0], [65000.0]),
    "x ** y, dL/dy": (lambda L, x: L.tensor([200.0], dtype=L.float16, requires_grad=True) ** x, [2.0], [1.0]),
    "x ** y, dL/dx": (lambda L, x: x ** L.tensor([2.0], dtype=L.float16), [40000.0], [1.0]),
    "cumsum (its reversed running sum)": (lambda L, x: L.cumsum(x, 0), [1.0, 1.0], [60000.0, 60000.0]),
    "custom Function's float32 gradient": (lambda L, x: _Scale70000(L).apply(x), [1.0, 2.0], [1.0, 0.5]),
}


@pytest.mark.parametrize("name", list(GRADIENTS))
def test_a_float16_gradient_past_65504_is_inf_without_a_warning_as_torch(name):
    f, x, g = GRADIENTS[name]
    theirs = _half_backward(torch, f, x, g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _half_backward(mg, f, x, g)
    assert ours.dtype == np.float16 and theirs.dtype == torch.float16
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert np.isinf(ours.numpy()).any()


def test_one_half_dtype_and_no_hand_copied_errstate():
    """float16's silent overflow lives in ``backend`` (``cast``, ``quiet_if_half``): no module defines its own."""
    import pathlib
    root = pathlib.Path(mg.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "_HALF = np.dtype(np.float16)" not in text, path
        assert "is _HALF" not in text, path
