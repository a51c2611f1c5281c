"""Gradients at NaN, infinite, signed-zero and tied inputs, as PyTorch's (computed by torch in each test, float64),
and gradcheck/gradgradcheck of the backward each fix changed, away from the kinks.

Each agreement test failed before its fix; the prod test pins a kept difference from torch's first-order shortcut."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

NAN, INF = np.nan, np.inf


def _grads(fn, arrays, g, device):
    xs = [mg.tensor(a, dtype="float64", requires_grad=True, device=device) for a in arrays]
    y = fn(*xs)
    y.backward(mg.tensor(g, dtype="float64", device=device))
    return y.numpy(), [x.grad.numpy() for x in xs]


def _torch_grads(fn, arrays, g):
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(torch.tensor(g, dtype=torch.float64).expand(y.shape))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


def _as_torch(ours, theirs, arrays, g, device):
    """minigrad's value and gradients of ``ours`` equal torch's of ``theirs``, NaNs and signs of zeros included."""
    got, expected = _grads(ours, arrays, g, device), _torch_grads(theirs, arrays, g)
    for a, b in zip([got[0], *got[1]], [expected[0], *expected[1]]):
        np.testing.assert_array_equal(a, b)
        numbers = ~np.isnan(b)   # a NaN's sign bit is no one's choice
        np.testing.assert_array_equal(np.signbit(a[numbers]), np.signbit(b[numbers]))


# ------------------------------------------------------------------ maximum / minimum
def test_maximum_and_minimum_send_the_gradient_to_both_sides_where_either_is_nan(device):
    # torch: where(a == b, g / 2, g), then 0 where the side loses (a < b for max); a NaN loses no comparison, so
    # both sides get g there. minigrad gave the NaN side 0 and the other side g.
    a, b, g = [NAN, 1.0, 2.0, NAN, 3.0], [0.5, NAN, 2.0, NAN, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0]
    _as_torch(mg.maximum, torch.maximum, (a, b), g, device)
    _as_torch(mg.minimum, torch.minimum, (a, b), g, device)
    _, (ga, gb) = _grads(mg.maximum, (a, b), g, device)
    assert ga.tolist()[:2] == [1.0, 2.0] and gb.tolist()[:2] == [1.0, 2.0]   # the case the fix was for


def test_maximum_with_nan_and_ties_broadcasts_and_sums_back(device):
    _as_torch(mg.maximum, torch.maximum, ([[NAN, 1.0, 2.0]], [[1.0], [NAN]]), np.ones((2, 3)), device)


@pytest.mark.parametrize("op", [mg.maximum, mg.minimum])
def test_maximum_and_minimum_give_the_losing_side_exactly_0_for_an_infinite_gradient(op, device):
    # The loser's 0 is selected as torch's masked_fill: g * 0 made it NaN.
    _as_torch(op, getattr(torch, op.__name__), ([1.0, 3.0], [2.0, 2.0]), [INF, INF], device)


@pytest.mark.parametrize("op", [mg.maximum, mg.minimum])
def test_maximum_and_minimum_pass_gradcheck_and_gradgradcheck_away_from_ties(op):
    rng = np.random.default_rng(0)
    a = mg.tensor(rng.standard_normal((3, 4)), dtype="float64", requires_grad=True)
    b = mg.tensor(rng.standard_normal(4), dtype="float64", requires_grad=True)
    assert mg.autograd.gradcheck(op, (a, b))
    assert mg.autograd.gradgradcheck(op, (a, b))


# ------------------------------------------------------------------ abs (and the norms made of it)
def test_abs_gradient_is_0_at_nan_and_at_zero_as_torchs_sgn(device):
    _as_torch(mg.abs, torch.abs, ([NAN, 0.0, -0.0, -2.0, 3.0, INF, -INF],), np.ones(7), device)


@pytest.mark.parametrize("ord_", [1, INF, -INF])
def test_vector_norm_of_a_vector_with_nan_gives_torchs_0_at_the_nan(ord_, device):
    # p = 1 and +-inf are sums and extrema of abs: abs's NaN sign made the NaN entry's gradient NaN.
    _as_torch(lambda t: mg.linalg.vector_norm(t, ord=ord_), lambda t: torch.linalg.vector_norm(t, ord=ord_),
              ([0.0, NAN, -1.0],), 1.0, device)


@pytest.mark.parametrize("ord_", [2, 0.5, 1, 1.5, 3, INF])
def test_vector_norm_of_a_zero_vector_passes_a_nan_or_inf_gradient_on_as_torch(ord_, device):
    # torch's p = 2 (and p < 1) backward is g times the masked x / ||x||: NaN for a NaN or infinite g on a zero
    # vector (F.normalize with eps=0 there); minigrad masked g / ||x|| itself and gave 0 (1 < p < 2, p > 2: 0 in both)
    _as_torch(lambda t: mg.linalg.vector_norm(t, ord=ord_, dim=1),
              lambda t: torch.linalg.vector_norm(t, ord=ord_, dim=1), (np.zeros((3, 2)),), [NAN, INF, 2.0], device)
    x = [[0.0, 0.0], [3.0, -4.0]]
    _as_torch(lambda t: mg.nn.functional.normalize(t, eps=0.0), lambda t: torch.nn.functional.normalize(t, eps=0.0),
              (x,), [[1.0, 2.0], [0.5, -1.0]], device)


def test_the_norm_op_with_p_1_passes_a_nan_or_inf_gradient_on_as_torch(device):
    # norm() sends p = 1 to sum(abs(x)), but the Norm op takes it too, and its docstring says a NaN or infinite g on a
    # zero slice stays NaN for p = 1, as torch's sgn(x) g; its p = 1 branch masked g and gave 0 there
    from minigrad.ops.norm import Norm

    _as_torch(lambda t: Norm.apply(t, p=1.0, axis=(1,), keepdims=False),
              lambda t: torch.linalg.vector_norm(t, ord=1, dim=1), ([[0.0, 0.0], [0.0, 0.0], [3.0, -4.0]],),
              [NAN, INF, 2.0], device)


def test_abs_passes_gradcheck_and_gradgradcheck_away_from_0():
    x = mg.tensor([-2.0, -0.5, 0.3, 4.0], dtype="float64", requires_grad=True)
    assert mg.autograd.gradcheck(mg.abs, (x,))
    assert mg.autograd.gradgradcheck(mg.abs, (x,))


# ------------------------------------------------------------------ clamp with tensor bounds
def test_clamp_with_tensor_bounds_gives_a_nan_x_no_gradient_as_torch(device):
    # the last two have min > max: all of the gradient goes to max, as torch's
    x, lo, hi = [NAN, 0.5, 2.0, 5.0, 0.5], [0.0, 0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0, 0.0]
    _as_torch(mg.clamp, torch.clamp, (x, lo, hi), [1.0, 2.0, 3.0, 4.0, 5.0], device)


def test_clamp_with_one_number_and_one_tensor_bound_works_as_two_tensor_bounds(device):
    # The NaN check read bound.dtype of the number: an AttributeError.
    x = mg.tensor([NAN, -1.0, 0.5, 3.0], dtype="float64", requires_grad=True, device=device)
    hi = mg.tensor([1.0, 1.0, NAN, 1.0], dtype="float64", requires_grad=True, device=device)
    y = mg.clamp(x, 0.0, hi)
    y.backward(mg.ones(4, dtype="float64", device=device))
    np.testing.assert_array_equal(y.numpy(), [NAN, 0.0, NAN, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi.grad.numpy(), [0.0, 0.0, 0.0, 1.0])
    assert np.isnan(mg.clamp(x, NAN, hi).numpy()).all()   # a NaN number bound, as a NaN tensor bound


def test_clamp_with_tensor_bounds_passes_gradcheck_and_gradgradcheck_away_from_the_bounds():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal(8) * 2.0, dtype="float64", requires_grad=True)
    lo = mg.tensor(np.full(8, -0.7), dtype="float64", requires_grad=True)
    hi = mg.tensor(np.full(8, 0.9), dtype="float64", requires_grad=True)
    assert mg.autograd.gradcheck(mg.clamp, (x, lo, hi))
    assert mg.autograd.gradgradcheck(mg.clamp, (x, lo, hi))


# ------------------------------------------------------------------ x ** 0.5, x ** -0.5
@pytest.mark.parametrize("c", [0.5, -0.5])
def test_power_of_plus_minus_one_half_is_torchs_sqrt_and_rsqrt_at_minus_zero_and_minus_inf(c, device):
    # NumPy's pow gave x ** -0.5 (so x ** 0.5's gradient) +inf at -0 and 0 at -inf; torch's sqrt(-0) is -0.
    _as_torch(lambda t: t ** c, lambda t: t ** c, ([-0.0, -INF, 4.0],), np.ones(3), device)


@pytest.mark.parametrize("c", [0.5, -0.5, 1.5])
def test_power_of_halves_passes_gradcheck_and_gradgradcheck(c):
    x = mg.tensor([0.3, 1.0, 2.5, 7.0], dtype="float64", requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: t ** c, (x,))
    assert mg.autograd.gradgradcheck(lambda t: mg.pow(t, c), (x,))


# ------------------------------------------------------------------ logcumsumexp
def test_logcumsumexp_passes_gradcheck_and_gradgradcheck():
    # The backward's inner call keeps exactly 0 for its absent (-inf) terms, which the second derivative needs.
    x = mg.tensor([[0.3, -1.2, 2.0, 0.1], [1.0, 0.5, -0.5, 2.0]], dtype="float64", requires_grad=True)
    for dim in (1, 0):
        assert mg.autograd.gradcheck(lambda t: mg.logcumsumexp(t, dim), (x,))
        assert mg.autograd.gradgradcheck(lambda t: mg.logcumsumexp(t, dim), (x,))


# ------------------------------------------------------------------ prod beside two zeros (kept, not torch's shortcut)
@pytest.mark.parametrize("dim", [None, 0])
def test_prod_gradient_beside_two_zeros_is_the_product_of_the_others_nan_at_0_times_inf(dim, device):
    # torch's prod(x, dim) and its create_graph pass give [nan, nan, 0]: d/dx_0 = x_1 x_2 = 0 * inf. Only torch's
    # first-order x.prod() answers 0 everywhere, a shortcut for two zeros that does not look at the infinity.
    x = mg.tensor([0.0, 0.0, np.inf], dtype="float64", requires_grad=True, device=device)
    (x.prod() if dim is None else x.prod(dim=dim)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [NAN, NAN, 0.0])
    t = torch.tensor([0.0, 0.0, np.inf], dtype=torch.float64, requires_grad=True)
    t.prod(dim=0).backward()
    np.testing.assert_array_equal(t.grad.numpy(), x.grad.numpy())   # torch's prod(x, dim) gives the same
    x = mg.tensor([0.0, 0.0, 3.0], dtype="float64", requires_grad=True, device=device)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ sigmoid's second derivative
def test_sigmoid_second_derivative_under_an_infinite_gradient_is_torchs_signed_inf(device):
    # d/dx of g sigmoid'(x) with g = +-inf was inf (1 - s) - inf s = NaN (sigmoid's backward composed of
    # g s (1 - s)); torch's sigmoid_backward differentiates to g (1 - 2s): +-inf, NaN only at x = 0
    x = np.array([-3.0, -0.5, 0.0, 0.5, 2.0, 40.0])
    scale = np.array([INF, INF, INF, -INF, -INF, 1.0])

    def second(lib, tensor, x):
        y = (lib.sigmoid(x) * tensor(scale)).sum()
        g, = lib.autograd.grad(y, x, create_graph=True) if lib is torch else mg.grad(y, x, create_graph=True)
        return g, (lib.autograd.grad(g.sum(), x)[0] if lib is torch else mg.grad(g.sum(), x)[0])

    xm = mg.tensor(x, dtype="float64", requires_grad=True, device=device)
    with np.errstate(invalid="ignore"):
        gm, hm = second(mg, lambda a: mg.tensor(a, dtype="float64", device=device), xm)
    gt, ht = second(torch, lambda a: torch.tensor(a, dtype=torch.float64), torch.tensor(x, requires_grad=True))
    np.testing.assert_array_equal(gm.numpy(), gt.detach().numpy())
    np.testing.assert_array_equal(hm.numpy(), ht.numpy())   # [-inf, -inf, nan, inf, inf, finite]
    xs = mg.tensor([-2.0, 0.3, 1.7], dtype="float64", requires_grad=True)
    assert mg.autograd.gradgradcheck(mg.sigmoid, (xs,))
