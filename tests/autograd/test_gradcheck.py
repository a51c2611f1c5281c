"""gradcheck and gradgradcheck themselves: they must catch wrong derivatives and say where."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


class OffByFactor(Function):
    """y = x * x with a backward off by 5%: 2.1 x instead of 2 x."""

    def forward(self, x):
        return x * x

    def backward(self, F, gy, x):
        return gy * x * 2.1


class WrongSecondInput(Function):
    """y = a * b whose gradient for b is wrong (a + 1 instead of a)."""

    def forward(self, a, b):
        return a * b

    def backward(self, F, gy, a, b):
        return gy * b, gy * (a + 1.0)


class ConstantBackwardCube(Function):
    """y = x^3 with a right first derivative written as a constant array (no graph), so its
    second derivative comes out as zero."""

    def forward(self, x):
        self.x = x
        return x ** 3

    def backward(self, F, gy, x):
        return gy * F.const(3.0 * self.x ** 2)


class OpsBackwardCube(Function):
    """y = x^3 with the backward written in minigrad ops: right to every order."""

    def forward(self, x):
        return x ** 3

    def backward(self, F, gy, x):
        return gy * x * x * 3.0


def _x(device):
    return mg.tensor([[1.0, 2.0], [3.0, -1.5]], dtype="float64", requires_grad=True, device=device)


def test_gradcheck_passes_for_a_correct_function(device):
    assert mg.gradcheck(lambda a: (a.sin() * a).sum(axis=0), (_x(device),)) is True


def test_gradcheck_error_names_input_element_and_values(device):
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda a: OffByFactor.apply(a), (_x(device),))
    message = str(info.value)
    assert "input 0" in message
    assert "element (0, 0)" in message
    analytic = float(re.search(r"analytic: (\S+)", message).group(1))
    numeric = float(re.search(r"numeric: +(\S+)", message).group(1))
    np.testing.assert_allclose(analytic, 2.1 * 1.0)
    np.testing.assert_allclose(numeric, 2.0 * 1.0, rtol=1e-6)


def test_gradcheck_error_names_the_right_input(device):
    a = mg.tensor([0.5, -1.0], dtype="float64", requires_grad=True, device=device)
    b = mg.tensor([2.0, 3.0], dtype="float64", requires_grad=True, device=device)
    with pytest.raises(mg.GradcheckError, match=r"input 1 \(shape \(2,\)\) at element \(0,\)"):
        mg.gradcheck(lambda p, q: WrongSecondInput.apply(p, q), (a, b))


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(mg.GradcheckError, AssertionError)


def test_gradcheck_raise_exception_false_returns_false(device):
    assert mg.gradcheck(lambda a: OffByFactor.apply(a), (_x(device),), raise_exception=False) is False


def test_fast_mode_catches_the_wrong_backward(device):
    with pytest.raises(mg.GradcheckError, match="fast mode.*input 0"):
        mg.gradcheck(lambda a: OffByFactor.apply(a), (_x(device),), fast_mode=True)
    assert mg.gradcheck(lambda a: OffByFactor.apply(a), (_x(device),), fast_mode=True,
                        raise_exception=False) is False
    assert mg.gradcheck(lambda a: (a.sin() * a).sum(axis=0), (_x(device),), fast_mode=True) is True


def test_gradgradcheck_catches_a_constant_backward_that_gradcheck_accepts(device):
    fn = lambda a: ConstantBackwardCube.apply(a)  # noqa: E731
    assert mg.gradcheck(fn, (_x(device),)) is True
    with pytest.raises(mg.GradcheckError, match="input 0") as info:
        mg.gradgradcheck(fn, (_x(device),))
    # A second-derivative failure is labelled as one (it used to say "gradcheck: Jacobian mismatch").
    assert str(info.value).startswith("gradgradcheck: Jacobian mismatch")
    assert "output gradients v" in str(info.value)
    assert mg.gradgradcheck(fn, (_x(device),), raise_exception=False) is False
    assert mg.gradgradcheck(fn, (_x(device),), fast_mode=True, raise_exception=False) is False


def test_gradgradcheck_passes_a_backward_written_in_ops(device):
    fn = lambda a: OpsBackwardCube.apply(a)  # noqa: E731
    assert mg.gradcheck(fn, (_x(device),)) is True
    assert mg.gradgradcheck(fn, (_x(device),)) is True


def test_gradcheck_with_tuple_outputs(device):
    a = mg.tensor([0.3, -0.8, 1.2], dtype="float64", requires_grad=True, device=device)
    b = mg.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.1]], dtype="float64", requires_grad=True, device=device)

    def fn(p, q):
        return p.exp() * 2.0, p @ q, (q * q).sum()

    assert mg.gradcheck(fn, (a, b)) is True
    assert mg.gradcheck(fn, (a, b), fast_mode=True) is True
    assert mg.gradgradcheck(fn, (a, b)) is True


def test_gradcheck_catches_a_wrong_derivative_in_one_of_several_outputs(device):
    a = mg.tensor([0.3, -0.8], dtype="float64", requires_grad=True, device=device)
    with pytest.raises(mg.GradcheckError, match="input 0"):
        mg.gradcheck(lambda p: (p.sin(), OffByFactor.apply(p)), (a,))


def test_gradcheck_with_index_array_inputs(device):
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float64", requires_grad=True, device=device)
    rows = mg.tensor([1, 0, 1, 1], device=device)
    cols = mg.tensor([2, 2, 0, 2], device=device)

    def fn(t, r, c):
        return t[r, c] * t[r, c]

    assert mg.gradcheck(fn, (x, rows, cols)) is True
    assert mg.gradgradcheck(fn, (x, rows, cols)) is True


def test_gradcheck_with_bool_mask_input(device):
    x = mg.tensor([1.0, -2.0, 3.0], dtype="float64", requires_grad=True, device=device)
    mask = mg.tensor([True, False, True], device=device)
    assert mg.gradcheck(lambda t, m: mg.where(m, t * t, t.exp()), (x, mask)) is True


def test_gradcheck_checks_float32_inputs_in_float64(device):
    x = mg.tensor([0.5, 1.5], requires_grad=True, device=device)   # float32
    assert mg.gradcheck(lambda t: t.tanh() * t, (x,)) is True
    assert x.dtype == np.float32 and x.grad is None
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(lambda t: OffByFactor.apply(t), (x,))


def test_gradcheck_leaves_inputs_unchanged(device):
    x = _x(device)
    before = x.numpy().copy()
    mg.gradcheck(lambda a: a.exp(), (x,))
    mg.gradcheck(lambda a: a.exp(), (x,), fast_mode=True)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.grad is None


def test_gradcheck_without_differentiable_inputs_raises():
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda a: a * 2.0, (mg.tensor([1.0], dtype="float64"),))


def test_gradcheck_with_float32_constant_inputs(device):
    # Checked inputs become float64 copies; float32 constants must follow, or the op
    # would refuse to mix float64 and float32.
    x = mg.tensor([0.5, -1.0], requires_grad=True, device=device)
    w = mg.tensor([[1.0, 2.0, 0.5], [3.0, -4.0, 1.5]], device=device)
    assert mg.gradcheck(lambda a, b: (a @ b).tanh(), (x, w)) is True
    assert mg.gradgradcheck(lambda a, b: (a @ b).tanh(), (x, w)) is True
    assert w.dtype == np.float32


@pytest.mark.parametrize("check", [mg.gradcheck, mg.gradgradcheck], ids=lambda f: f.__name__)
def test_a_function_closing_over_float32_weights_is_told_they_must_be_float64(check):
    """gradcheck of a float32 layer: its weights met the float64 copies and the error was the layer's 'convert with
    x.astype('float32')', which would defeat the check. The error now says why and what to change."""
    layer = mg.nn.Linear(3, 2)
    name = check.__name__
    with pytest.raises(TypeError, match="^" + re.escape(
            f"{name}: the function failed on the float64 copies of its float32 inputs ({name} checks in float64): "
            "Linear: input dtype float64 does not match weight dtype float32; convert with x.astype('float32'). "
            "Tensors it uses besides its inputs (a layer's weights, constants) must be float64 too: make them so "
            "(nn.Linear(..., dtype=minigrad.float64), model.double()) or pass them as inputs") + "$"):
        check(lambda x: layer(x).sum(), (mg.randn(4, 3, requires_grad=True),))
    layer.double()
    assert check(lambda x: layer(x).sum(), (mg.randn(4, 3, requires_grad=True),))


def test_gradcheck_with_a_non_contiguous_float64_leaf(device):
    w = mg.tensor(np.arange(6.0).reshape(3, 2) * 0.3, dtype="float64", device=device)
    x = w.T.detach().requires_grad_()          # a transposed view: not C-contiguous
    assert mg.gradcheck(lambda a: a.sin() * a, (x,)) is True
    assert mg.gradcheck(lambda a: a.sin() * a, (x,), fast_mode=True) is True
    np.testing.assert_array_equal(w.numpy(), np.arange(6.0).reshape(3, 2) * 0.3)
