"""Edge cases of the ops: infinite and zero gradients, NumPy-scalar and integer inputs, error messages,
0-d tensors, reductions and splits over nothing, and the cases differential fuzzing against PyTorch found
(issue 11; expected values are PyTorch's, float64, written out).

Each test failed before its fix."""
import re
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def test_where_sends_exact_zero_to_the_unselected_branch_even_for_infinite_gradients(device):
    # The branch not selected receives a gradient of exactly 0. Building that zero
    # as gy * 0.0 turned an infinite upstream gradient into NaN (0 * inf).
    a = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    b = mg.tensor([3.0, 4.0], requires_grad=True, device=device)
    cond = mg.tensor([True, False], device=device)
    y = mg.where(cond, a, b)
    y.backward(mg.tensor([np.inf, np.inf], device=device))
    np.testing.assert_array_equal(a.grad.numpy(), [np.inf, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, np.inf])


def test_pow_exponent_gradient_at_a_zero_base_is_zero(device):
    # d(a^b)/db = a^b ln a, whose limit at a = 0 (b > 0) is 0 (PyTorch masks it so too);
    # 0^b * log(0) = 0 * -inf made it NaN.
    a = mg.tensor([0.0, 2.0], dtype="float64", requires_grad=True, device=device)
    b = mg.tensor([2.0, 3.0], dtype="float64", requires_grad=True, device=device)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 8.0 * np.log(2.0)], rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 12.0], rtol=1e-12)


def test_pow_with_a_numpy_scalar_exponent_keeps_float32(device):
    # A NumPy float64 scalar is not "weak" under NumPy 2's promotion rules: x ** np.float64(c)
    # made a float64 output on a float32 path, and backward then failed in the engine.
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x ** np.float64(2.5)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), 2.5 * np.array([1.0, 2.0]) ** 1.5, rtol=1e-6)


def test_numpy_scalar_parameters_of_leaky_relu_and_clip_keep_float32(device):
    x = mg.tensor([-1.0, 2.0], requires_grad=True, device=device)
    assert mg.leaky_relu(x, np.float64(0.1)).dtype == np.float32
    assert mg.clip(x, np.float64(0.0), np.float64(1.0)).dtype == np.float32
    assert mg.clip(mg.tensor([1, 7], device=device), np.int64(0), np.int64(5)).dtype == np.int64


@pytest.mark.filterwarnings("ignore:divide by zero")  # sqrt'(0) = inf is the point of this test
def test_relu_blocks_an_infinite_gradient_at_inactive_units(device):
    # sqrt'(0) = inf; relu'(x <= 0) = 0, and the chain rule's 0 there must win, as in PyTorch.
    x = mg.tensor([-1.0, 4.0], requires_grad=True, device=device)
    mg.sqrt(mg.relu(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.25])
    # the same through the graph-recording backward, and for clip's flat regions
    x2 = mg.tensor([-1.0, 4.0], requires_grad=True, device=device)
    (g,) = mg.grad(mg.sqrt(mg.relu(x2)).sum(), x2, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.25])
    x3 = mg.tensor([-1.0, 0.25], requires_grad=True, device=device)
    mg.sqrt(mg.clip(x3, 0.0, 1.0)).sum().backward()
    np.testing.assert_array_equal(x3.grad.numpy(), [0.0, 1.0])


_FLOAT_VALUED = {
    "exp": mg.exp, "log": mg.log, "sqrt": mg.sqrt, "sin": mg.sin, "cos": mg.cos, "tanh": mg.tanh,
    "sigmoid": mg.sigmoid, "softplus": mg.softplus, "logsumexp": mg.logsumexp,
    "leaky_relu": mg.leaky_relu, "pow_half": lambda t: t ** 0.5,
}


@pytest.mark.parametrize("name", list(_FLOAT_VALUED))
def test_float_valued_ops_of_integer_tensors_are_float32_and_exact(name, device):
    # Integers become float32 (as mean and / already do). NumPy made float64 here, and
    # softplus and logsumexp cast their result back to int64: softplus([1, 2]) gave [1, 2].
    ints = np.array([1, 2, 3])
    out = _FLOAT_VALUED[name](mg.tensor(ints, device=device))
    expected = _FLOAT_VALUED[name](mg.tensor(ints.astype(np.float32), device=device))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_of_integer_logits_is_float32(fn, device):
    from minigrad.nn import functional as F

    out = getattr(F, fn)(mg.tensor([1, 2], device=device))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), getattr(F, fn)(mg.tensor([1.0, 2.0], device=device)).numpy())


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_float16_softmax_is_computed_in_float32_as_torch(fn):
    # float16 x - max(x) rounds (x = -9 and max 9 differ by -18, spaced 2^-6 apart in float16), which put softmax
    # 13 float16 ulps (0.75%) from torch's; torch computes half in float32 and rounds once, as minigrad now does
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(0).standard_normal((8, 256)) * 3).astype(np.float16)
    expected = getattr(torch, fn)(torch.tensor(x), dim=1).numpy()
    got = getattr(F, fn)(mg.tensor(x, dtype=mg.float16), dim=1)
    assert got.dtype == np.float16
    np.testing.assert_array_max_ulp(got.numpy(), expected, maxulp=1)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_float16_softmax_gradients_are_computed_in_float32_as_torch(fn):
    # log_softmax's forward and both backwards summed a row of 1000 float16 values in float16: twice torch's error
    # (0.031 against 0.016 for log_softmax's gradient); torch's half kernels sum in float32 and round once. Each is
    # measured against torch's float64 result for the same float16 values
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 1000)) * 3).astype(np.float16)
    g = rng.standard_normal((64, 1000)).astype(np.float16)
    errors = {}
    for name, dtype in (("exact", torch.float64), ("torch", torch.float16)):
        xt = torch.tensor(x, dtype=dtype, requires_grad=True)
        yt = getattr(torch, fn)(xt, dim=1)
        yt.backward(torch.tensor(g, dtype=dtype))
        errors[name] = (yt.detach().double().numpy(), xt.grad.double().numpy())
    xm = mg.tensor(x, dtype=mg.float16, requires_grad=True)
    y = getattr(F, fn)(xm, dim=1)
    y.backward(mg.tensor(g, dtype=mg.float16))
    assert y.dtype == xm.grad.dtype == np.float16
    for got, torch_half, exact in zip((y.numpy(), xm.grad.numpy()), errors["torch"], errors["exact"]):
        assert np.abs(got - exact).max() <= np.abs(torch_half - exact).max()


@pytest.mark.parametrize("call,op", [
    (lambda: mg.ones(2) + mg.ones(3), "add"),
    (lambda: mg.maximum(mg.ones(2, 3), mg.ones(4, 3)), "maximum"),
    (lambda: mg.where(mg.ones(2) > 0, mg.ones(3), mg.ones(3)), "where"),
])
def test_broadcast_errors_name_the_op_and_the_shapes(call, op):
    # NumPy's "operands could not be broadcast together" said neither which op nor which call.
    with pytest.raises(ValueError, match=rf"(?i)^{op}\b.*could not be broadcast.*\(\d, ?\d?\)"):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: mg.ones(2, 3) + mg.ones(4, 5),
     "Add: operands could not be broadcast together: input shapes (2, 3) and (4, 5)"),
    (lambda: mg.where(mg.ones(2) > 0, mg.ones(2), mg.ones(3)),
     "Where: operands could not be broadcast together: input shapes (2,), (2,) and (3,)"),
])
def test_broadcast_errors_give_each_shape_once_in_the_tensor_spelling(call, message):
    # NumPy's own "with shapes (2,3) (4,5)" repeated the shapes in another spelling.
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        call()


def test_argmax_over_several_axes_is_a_clear_error():
    with pytest.raises(TypeError, match=r"argmax: axis must be None or one int, got \(0, 1\)"):
        mg.argmax(mg.ones(2, 3), axis=(0, 1))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp_over_an_empty_axis_is_minus_infinity_as_torch(dtype):
    # log of an empty sum is log 0 = -inf (torch.logsumexp(torch.zeros(0, 3), 0) is [-inf, -inf, -inf]);
    # it raised "cannot reduce over an empty axis" as max does.
    x = mg.zeros(0, 3, dtype=dtype, requires_grad=True)
    y = mg.logsumexp(x, axis=0)
    assert y.dtype == dtype and y.shape == (3,) and np.all(np.isneginf(y.numpy()))
    assert mg.logsumexp(x, axis=(0, 1)).shape == () and mg.logsumexp(x, axis=(0, 1)).item() == -np.inf
    assert mg.logsumexp(x, axis=0, keepdims=True).shape == (1, 3)
    assert mg.logsumexp(x, axis=1).shape == (0,)   # nothing reduced over an empty axis: empty
    y.sum().backward()
    assert x.grad.shape == (0, 3) and x.grad.dtype == dtype


def test_logsumexp_of_an_all_minus_infinity_slice_is_silent_minus_infinity_with_nan_gradient():
    # As torch: value -inf, gradient NaN; NumPy's "divide by zero in log" and "invalid value" warnings leaked.
    x = mg.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], dtype="float64", requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = mg.logsumexp(x, axis=1)
        y.sum().backward()
    assert y.tolist() == [-np.inf, 0.0]
    assert np.isnan(x.grad.numpy()[0]).all() and x.grad.numpy()[1].tolist() == [1.0, 0.0]


@pytest.mark.filterwarnings("ignore:divide by zero")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_relu_and_clip_also_block_infinite_gradients_exactly(device, dtype):
    # The array fast path selects by multiplying the bits by the mask, not by where(): exact zeros too.
    n = 4096
    values = np.linspace(-1.0, 1.0, n)
    x = mg.tensor(values, dtype=dtype, requires_grad=True, device=device)
    mg.sqrt(mg.relu(x)).sum().backward()
    g = x.grad.numpy()
    assert g.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(g[values <= 0], 0.0)
    np.testing.assert_allclose(g[values > 0], 0.5 / np.sqrt(values[values > 0]), rtol=1e-5)
    y = mg.tensor(values, dtype=dtype, requires_grad=True, device=device)
    mg.sqrt(mg.clip(y, 0.0, 0.5)).sum().backward()
    inside = (values >= 0) & (values <= 0.5)
    np.testing.assert_array_equal(y.grad.numpy()[~inside], 0.0)


# ---------------------------------------------------------------- found by differential fuzzing (issue 11)
def _leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype="float64", requires_grad=True)


# ---------------------------------------------------------------- 3: a ** b with a tensor exponent at a = 0
def test_tensor_exponent_at_a_zero_base_gives_torchs_derivatives():
    a = _leaf([0.0, 0.0, 0.0, 0.0])
    b = _leaf([0.0, -1.0, 2.0, 0.5])
    (a ** b).sum().backward()
    # d/da = b a^(b-1), taken as 0 where b = 0; d/db = a^b log a, taken as 0 where a = 0 and b >= 0.
    assert a.grad.tolist() == [0.0, -np.inf, 0.0, np.inf]
    assert b.grad.tolist() == [0.0, -np.inf, 0.0, 0.0]


def test_tensor_exponent_at_zero_matches_the_number_exponent_path():
    for exponent in (0.0, 2.0, 3.0):
        a1, a2 = _leaf([0.0]), _leaf([0.0])
        (a1 ** exponent).sum().backward()
        (a2 ** mg.tensor([exponent], dtype="float64")).sum().backward()
        assert a2.grad.tolist() == a1.grad.tolist()


def test_tensor_exponent_at_a_zero_base_has_torchs_hessian_and_jvp():
    # the branch not taken at b = 0 held b a^(b-1) = 0 * inf; the 0 the where sends it times that inf made the
    # Hessian of sum(x ** p) at x = 0, p = 0 NaN, and func.jvp/jacfwd (the double vjp) too (torch: 0)
    p = mg.tensor([0.0, 1.0, 2.0], dtype="float64")
    x = mg.zeros(3, dtype=mg.float64)
    hessian = mg.func.hessian(lambda x: (x ** p).sum())(x)
    np.testing.assert_array_equal(hessian.numpy(), np.diag([0.0, 0.0, 2.0]))   # torch.func.hessian's
    _, tangent = mg.func.jvp(lambda x: x ** p, (x,), (mg.ones(3, dtype=mg.float64),))
    np.testing.assert_array_equal(tangent.numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(mg.func.jacfwd(lambda x: x ** p)(x).numpy(), np.diag([0.0, 1.0, 0.0]))


# ---------------------------------------------------------------- 5: 0-d gradient summed from two consumers
def test_relu_of_a_0d_tensor_used_twice():
    x = _leaf(2.0)
    y = mg.relu(x)
    (y * y).backward()
    assert x.grad.shape == () and x.grad.item() == 4.0


def test_0d_gradients_summed_along_every_route():
    x = _leaf(-1.5)
    y = mg.leaky_relu(x, 0.1)
    z = mg.clip(x, -1.0, 1.0)
    (y * y + y * z + mg.abs(x) * z).backward()
    # y = -0.15, dy/dx = 0.1; z = -1 (clipped, dz/dx = 0); |x| = 1.5, d|x|/dx = -1
    assert x.grad.item() == pytest.approx(2 * -0.15 * 0.1 + 0.1 * -1.0 + -1.0 * -1.0)


# ---------------------------------------------------------------- 6: frozen weight, trainable bias, 1-D and 3-D input
@pytest.mark.parametrize("shape", [(3,), (4, 5, 3), (2, 3)])
def test_linear_with_a_frozen_weight_and_a_trainable_bias(shape):
    lin = mg.nn.Linear(3, 2, dtype="float64")
    lin.weight.requires_grad_(False)
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), dtype="float64")
    lin(x).sum().backward()
    rows = int(np.prod(shape[:-1]))
    assert lin.bias.grad.shape == (2,)
    np.testing.assert_allclose(lin.bias.grad.numpy(), [rows, rows])
    assert lin.weight.grad is None


@pytest.mark.parametrize("shape", [(3,), (4, 5, 3)])
def test_functional_linear_bias_gradient_on_1d_and_3d_input(shape):
    w = mg.tensor(np.ones((3, 2)), dtype="float64")
    b = _leaf([0.5, -0.5])
    x = mg.tensor(np.ones(shape), dtype="float64")
    (F.linear(x, w, b) * mg.tensor([1.0, 2.0], dtype="float64")).sum().backward()
    rows = int(np.prod(shape[:-1]))
    np.testing.assert_allclose(b.grad.numpy(), [rows, 2 * rows])


# ---------------------------------------------------------------- 7: mean over empty axes and empty losses
@pytest.mark.parametrize("shape, axis", [((0, 3), None), ((2, 0), 1), ((0, 3), 0), ((0,), None), ((2, 0, 3), (0, 1))])
def test_mean_over_nothing_has_an_empty_gradient(shape, axis):
    x = mg.tensor(np.ones(shape), dtype="float64", requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = mg.mean(x, axis=axis)
        assert np.isnan(y.numpy()).all()
        y.sum().backward()
    assert x.grad.shape == shape


def test_mean_over_an_empty_axis_of_a_nonempty_result_is_differentiable_twice():
    x = mg.tensor(np.ones((0, 3)), dtype="float64", requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        (gx,) = mg.grad(mg.mean(x, axis=0).sum(), [x], create_graph=True)
    assert gx.shape == (0, 3)


@pytest.mark.parametrize("loss", [F.l1_loss, F.mse_loss])
def test_mean_losses_on_an_empty_batch_are_nan_with_an_empty_gradient(loss):
    x = mg.tensor(np.ones((0, 3)), dtype="float64", requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = loss(x, np.ones((0, 3)))
        assert np.isnan(value.item())
        value.backward()
    assert x.grad.shape == (0, 3)
    s = loss(x, np.ones((0, 3)), reduction="sum")
    assert s.item() == 0.0



@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mean_over_nothing_and_mean_losses_on_an_empty_batch_are_quiet_as_torch(dtype):
    """NumPy's mean warned 'Mean of empty slice' and '0/0' on every batch of 0; torch gives its NaN silently."""
    x = mg.zeros(0, 3, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = [mg.mean(x), mg.mean(x, axis=0, keepdims=True), F.l1_loss(x, mg.zeros(0, 3, dtype=dtype)),
                  F.binary_cross_entropy_with_logits(x, mg.zeros(0, 3, dtype=dtype))]
        sum(v.sum() for v in values).backward()
    assert [v.shape for v in values] == [(), (1, 3), (), ()]
    assert all(v.dtype == np.dtype(dtype) and np.isnan(v.numpy()).all() for v in values)
    assert x.grad.shape == (0, 3) and x.grad.dtype == np.dtype(dtype)


# ---------------------------------------------------------------- 8: split with non-increasing indices
def test_split_with_overlapping_pieces_sums_their_gradients():
    x = _leaf(np.arange(5.0))
    pieces = mg.split(x, [3, 1], axis=0)
    assert [p.shape for p in pieces] == [(3,), (0,), (4,)]   # NumPy's pieces: x[:3], x[3:1], x[1:]
    (pieces[0].sum() * 2.0 + (pieces[2] * 3.0).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 5.0, 5.0, 3.0, 3.0])


def test_split_with_repeated_indices_along_an_axis():
    x = _leaf(np.arange(12.0).reshape(3, 4))
    pieces = mg.split(x, [2, 2, 1], axis=1)
    assert [p.shape for p in pieces] == [(3, 2), (3, 0), (3, 0), (3, 3)]
    sum(p.sum() for p in pieces).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile([1.0, 2.0, 1.0, 1.0], (3, 1)))  # overlap at column 1


# ---------------------------------------------------------------- 9: softmax along a size-0 axis
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, axis", [((2, 0), 1), ((0, 3), 0), ((0, 3), 1), ((0,), 0)])
def test_softmax_along_an_empty_axis_is_empty(fn, shape, axis):
    x = mg.tensor(np.ones(shape), dtype="float64", requires_grad=True)
    y = fn(x, axis=axis)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape


# ---------------------------------------------------------------- 10: float32 stays the rule for integer inputs
def test_clip_of_an_integer_tensor_with_float_bounds_is_float32():
    t = mg.tensor(np.array([1, 2, 3]))
    y = mg.clip(t, 0.5, 2.5)
    assert y.dtype == np.float32
    assert y.tolist() == [1.0, 2.0, 2.5]


@pytest.mark.parametrize("scalar", [np.float64(1.5), np.float32(1.5), 1.5])
def test_integer_tensor_plus_a_numpy_float_scalar_is_float32(scalar):
    t = mg.tensor(np.array([1, 2, 3]))
    for y in (t + scalar, scalar + t, t * scalar, t - scalar, t / scalar):
        assert y.dtype == np.float32


# ---------------------------------------------------------------- found by the differential fuzz test
@pytest.mark.parametrize("op", [mg.max, mg.min])
def test_max_and_min_over_a_nonempty_axis_of_an_empty_tensor_are_empty(op):
    x = mg.tensor(np.ones((2, 0)), dtype="float64", requires_grad=True)
    y = op(x, axis=0)
    assert y.shape == (0,)
    y.sum().backward()
    assert x.grad.shape == (2, 0)
    with pytest.raises(ValueError, match=r"cannot reduce over an empty axis of a tensor of shape \(2, 0\)"):
        op(x, axis=1)


@pytest.mark.parametrize("create_graph", [False, True])
def test_split_into_one_piece_is_differentiable(create_graph):
    x = _leaf(np.arange(6.0).reshape(2, 3))
    (piece,) = mg.split(x, 1, axis=0)
    (g,) = mg.grad((piece * piece).sum(), [x], create_graph=create_graph)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    (piece,) = mg.split(mg.tensor(np.ones((1, 0)), dtype="float64", requires_grad=True), 1, axis=0)
    assert piece.shape == (1, 0)


def test_division_gradient_of_the_divisor_is_a_over_b_over_b_without_squaring_b(device):
    # dL/db was -g a / (b * b): b * b overflowed in float32 (1e40), so 1e30 / b gave b a gradient of -0 where
    # torch's -g (a / b) / b gives -1e-10; and the higher derivatives of ln x divided by b^4 (0 * inf = NaN at 0, inf).
    a = mg.tensor([1e30], dtype="float32", device=device)
    b = mg.tensor([1e20], dtype="float32", requires_grad=True, device=device)
    (a / b).sum().backward()
    assert b.grad.dtype == mg.float32
    np.testing.assert_allclose(b.grad.numpy(), [-1e-10], rtol=1e-6)
    x = mg.tensor([0.0, np.inf, 2.0], dtype="float64", requires_grad=True, device=device)
    with np.errstate(divide="ignore", invalid="ignore"):
        g, = mg.grad(mg.log(x).sum(), x, create_graph=True)
        h, = mg.grad(g.sum(), x, create_graph=True)
        t, = mg.grad(h.sum(), x)
    np.testing.assert_array_equal(t.numpy(), [np.inf, 0.0, 2.0 / 8.0])   # (ln x)''' = 2 / x^3, torch's values
