"""minigrad.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) against central differences in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import functional as AF

EPS = 1e-6
TOL = dict(rtol=1e-6, atol=1e-8)


def t64(a, requires_grad=False):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype="float64", requires_grad=requires_grad)


def numeric_jacobian(f, xs):
    """d f_i / d x_j by central differences: blocks [i][j] of shape out_i.shape + x_j.shape."""
    outs = f(*xs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    blocks = [[np.zeros(o.shape + x.shape) for x in xs] for o in outs]
    for j, x in enumerate(xs):
        base = x.numpy().copy()
        for k in range(base.size):
            shifted = []
            for sign in (1, -1):
                a = base.copy().reshape(-1)
                a[k] += sign * EPS
                args = list(xs)
                args[j] = t64(a.reshape(base.shape))
                r = f(*args)
                shifted.append([t.numpy() for t in (r if isinstance(r, tuple) else (r,))])
            for i in range(len(outs)):
                col = (shifted[0][i] - shifted[1][i]) / (2 * EPS)
                blocks[i][j].reshape(outs[i].shape + (-1,))[..., k] = col
    return blocks


def two_in_two_out(a, b):
    return mg.sin(a) * b.sum() + a * a, mg.exp(b) * (a ** 2).sum()


def scalar(a, b):
    return (mg.sin(a) * a).sum() * mg.tanh(b).sum() + (a ** 3).sum()


@pytest.fixture
def ab():
    rng = np.random.default_rng(1)
    return t64(rng.normal(size=3)), t64(rng.normal(size=(2,)))


def test_vjp_matches_finite_differences(ab):
    a, b = ab
    rng = np.random.default_rng(2)
    v = (t64(rng.normal(size=3)), t64(rng.normal(size=2)))
    outs, (ga, gb) = AF.vjp(two_in_two_out, (a, b), v)
    J = numeric_jacobian(two_in_two_out, (a, b))
    expect_a = v[0].numpy() @ J[0][0] + v[1].numpy() @ J[1][0]
    expect_b = v[0].numpy() @ J[0][1] + v[1].numpy() @ J[1][1]
    np.testing.assert_allclose(ga.numpy(), expect_a, **TOL)
    np.testing.assert_allclose(gb.numpy(), expect_b, **TOL)
    np.testing.assert_allclose(outs[0].numpy(), two_in_two_out(a, b)[0].numpy())
    assert not outs[0].requires_grad and not ga.requires_grad


def test_jvp_matches_finite_differences(ab):
    a, b = ab
    rng = np.random.default_rng(3)
    v = (t64(rng.normal(size=3)), t64(rng.normal(size=2)))
    _, (ja, jb) = AF.jvp(two_in_two_out, (a, b), v)
    J = numeric_jacobian(two_in_two_out, (a, b))
    np.testing.assert_allclose(ja.numpy(), J[0][0] @ v[0].numpy() + J[0][1] @ v[1].numpy(), **TOL)
    np.testing.assert_allclose(jb.numpy(), J[1][0] @ v[0].numpy() + J[1][1] @ v[1].numpy(), **TOL)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_structure_and_values(ab, strategy):
    a, b = ab
    J = AF.jacobian(two_in_two_out, (a, b), strategy=strategy)
    N = numeric_jacobian(two_in_two_out, (a, b))
    assert isinstance(J, tuple) and all(isinstance(row, tuple) and len(row) == 2 for row in J)
    for i in range(2):
        for j in range(2):
            assert J[i][j].shape == N[i][j].shape
            np.testing.assert_allclose(J[i][j].numpy(), N[i][j], **TOL)
    single = AF.jacobian(lambda x: mg.sin(x).reshape(3, 1) * x, a, strategy=strategy)
    assert isinstance(single, mg.Tensor) and single.shape == (3, 3, 3)
    np.testing.assert_allclose(single.numpy(),
                               numeric_jacobian(lambda x: mg.sin(x).reshape(3, 1) * x, (a,))[0][0], **TOL)


def test_hessian_vhp_hvp_match_finite_differences(ab):
    a, b = ab
    H = AF.hessian(scalar, (a, b))
    grad_fn = lambda x, y: tuple(AF.vjp(scalar, (x, y))[1])  # noqa: E731
    N = numeric_jacobian(grad_fn, (a, b))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(H[i][j].numpy(), N[i][j], rtol=1e-5, atol=1e-7)
    rng = np.random.default_rng(4)
    v = (t64(rng.normal(size=3)), t64(rng.normal(size=2)))
    Hv = [N[i][0] @ v[0].numpy() + N[i][1] @ v[1].numpy() for i in range(2)]
    vH = [v[0].numpy() @ N[0][j] + v[1].numpy() @ N[1][j] for j in range(2)]
    out, hv = AF.hvp(scalar, (a, b), v)
    _, vh = AF.vhp(scalar, (a, b), v)
    np.testing.assert_allclose(out.numpy(), scalar(a, b).numpy())
    for i in range(2):
        np.testing.assert_allclose(hv[i].numpy(), Hv[i], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(vh[i].numpy(), vH[i], rtol=1e-5, atol=1e-7)


def test_hessian_of_single_input_and_linear_part_is_zero():
    x = t64([0.5, -1.0])
    H = AF.hessian(lambda t: (3.0 * t).sum(), x)       # used, but only linearly: H = 0, no error
    assert isinstance(H, mg.Tensor) and H.shape == (2, 2)
    np.testing.assert_array_equal(H.numpy(), np.zeros((2, 2)))
    H = AF.hessian(lambda t: (t ** 3).sum(), x)
    np.testing.assert_allclose(H.numpy(), np.diag(6 * x.numpy()))


def test_create_graph_results_are_differentiable():
    x = t64([0.3, 0.7], requires_grad=True)
    _, jv = AF.jvp(lambda t: mg.sin(t) * t, x, t64([1.0, 1.0]), create_graph=True)
    assert jv.requires_grad
    (d,) = mg.grad(jv.sum(), [x])
    # jv_i = cos(x_i) x_i + sin(x_i); its derivative is -sin x x + 2 cos x
    xs = x.numpy()
    np.testing.assert_allclose(d.numpy(), -np.sin(xs) * xs + 2 * np.cos(xs), **TOL)
    J = AF.jacobian(lambda t: t * t, x, create_graph=True)
    (dJ,) = mg.grad(J.sum(), [x])
    np.testing.assert_allclose(dJ.numpy(), [2.0, 2.0], **TOL)


def test_inputs_are_not_touched():
    x = t64([1.0, 2.0], requires_grad=True)
    AF.vjp(lambda t: (t * t).sum(), x)
    AF.hessian(lambda t: (t * t).sum(), x)
    assert x.grad is None


def test_float32_stays_float32():
    x = mg.tensor([1.0, 2.0])
    _, g = AF.vjp(lambda t: (t * t).sum(), x)
    assert g.dtype == np.float32
    assert AF.jacobian(lambda t: t * t, x).dtype == np.float32


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [AF.vjp, AF.jvp, AF.jacobian, AF.hessian, AF.vhp, AF.hvp])
def test_non_tensor_output_is_a_clear_error(fn):
    with pytest.raises(TypeError, match=r"must return a Tensor or a tuple of Tensors, got float"):
        fn(lambda t: 3.0, t64([1.0]))


def test_non_tensor_inputs_are_a_clear_error():
    with pytest.raises(TypeError, match=r"jacobian: inputs must be a Tensor or a tuple of Tensors, got list of"):
        AF.jacobian(lambda t: t, [np.ones(2)])
    with pytest.raises(TypeError, match=r"vjp: input 0 has dtype int64"):
        AF.vjp(lambda t: t, mg.tensor([1, 2]))


def test_mismatched_v_shapes_are_clear_errors(ab):
    a, b = ab
    with pytest.raises(ValueError, match=r"vjp: v\[1\] has shape \(3,\) but output 1 has shape \(2,\)"):
        AF.vjp(two_in_two_out, (a, b), (t64(np.ones(3)), t64(np.ones(3))))
    with pytest.raises(ValueError, match=r"jvp: v has shape \(2,\) but the input has shape \(3,\)"):
        AF.jvp(lambda t: t * t, a, t64(np.ones(2)))
    with pytest.raises(ValueError, match=r"hvp: v has 1 Tensor\(s\) but the input has 2"):
        AF.hvp(scalar, (a, b), t64(np.ones(3)))
    with pytest.raises(ValueError, match=r"vjp: v can be left out only when the output is a single one-element"):
        AF.vjp(lambda t: t * t, a)
    with pytest.raises(TypeError, match=r"vhp: v has dtype float32 but the input has dtype float64"):
        AF.vhp(lambda t: (t * t).sum(), a, mg.ones(3))


def test_function_must_be_scalar_for_hessian(ab):
    a, _ = ab
    with pytest.raises(ValueError,
                       match=r"hessian: the function must return a single one-element Tensor, got shape \(3,\)"):
        AF.hessian(lambda t: t * t, a)


@pytest.mark.parametrize("call", [
    lambda f, x, y: AF.vjp(f, (x, y), t64(np.ones(2))),
    lambda f, x, y: AF.jvp(f, (x, y), (t64(np.ones(2)), t64(np.ones(1)))),
    lambda f, x, y: AF.jacobian(f, (x, y)),
    lambda f, x, y: AF.jacobian(f, (x, y), strategy="forward-mode"),
])
def test_unused_input_is_a_clear_error_unless_not_strict(call):
    x, y = t64([1.0, 2.0]), t64([5.0])
    f = lambda a, b: a * a  # noqa: E731  (b is not used)
    with pytest.raises(RuntimeError, match=r"does not depend on input 1 \(shape \(1,\)\).*strict=False"):
        call(f, x, y)


def test_unused_input_with_strict_false_gives_zeros():
    x, y = t64([1.0, 2.0]), t64([5.0])
    _, (gx, gy) = AF.vjp(lambda a, b: a * a, (x, y), t64(np.ones(2)), strict=False)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0])
    H = AF.hessian(lambda a, b: (a * a).sum(), (x, y), strict=False)
    np.testing.assert_array_equal(H[1][1].numpy(), [[0.0]])
    np.testing.assert_allclose(H[0][0].numpy(), 2 * np.eye(2))
    with pytest.raises(RuntimeError, match=r"hvp: the function's output does not depend on input 1"):
        AF.hvp(lambda a, b: (a * a).sum(), (x, y), (t64(np.ones(2)), t64(np.ones(1))))


def test_bad_strategy():
    with pytest.raises(ValueError, match="strategy must be 'reverse-mode' or 'forward-mode', got 'fwd'"):
        AF.jacobian(lambda t: t, t64([1.0]), strategy="fwd")


def test_jacobian_and_hessian_take_torchs_vectorize_and_strategy_arguments_in_torchs_order():
    # torch.autograd.functional.jacobian(func, inputs, create_graph, strict, vectorize, strategy) and
    # hessian(..., vectorize, outer_jacobian_strategy): vectorize changes only how torch batches its passes.
    import torch
    from torch.autograd import functional as TAF

    a = np.array([0.3, -1.2, 2.0])
    def f(x):
        return x.exp() * x[0]

    def s(x):
        return (x.sin() * x).sum()

    theirs = TAF.jacobian(f, torch.tensor(a), False, False, True, "forward-mode").numpy()
    for args in [(False, True, True, "forward-mode"), (False, True, False, "reverse-mode")]:
        np.testing.assert_allclose(AF.jacobian(f, t64(a), *args).numpy(), theirs, rtol=1e-14)
    theirs = TAF.hessian(s, torch.tensor(a), vectorize=True, outer_jacobian_strategy="forward-mode")
    ours = AF.hessian(s, t64(a), vectorize=True, outer_jacobian_strategy="forward-mode")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-14)
    with pytest.raises(ValueError, match="outer_jacobian_strategy must be 'reverse-mode' or 'forward-mode', got 'x'"):
        AF.hessian(s, t64(a), outer_jacobian_strategy="x")


@pytest.mark.parametrize("name", ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"])
def test_functions_differentiate_under_an_outer_no_grad(name):
    # torch.autograd.functional runs under enable_grad; these used to record nothing under no_grad and then
    # called every input unused (strict) or returned zeros (strict=False)
    x, v = t64([0.3, -1.2, 2.0]), t64([1.0, 0.5, -2.0])
    f = lambda t: (mg.sin(t) * t).sum() * t  # noqa: E731
    s = lambda t: (mg.sin(t) * t * t).sum()  # noqa: E731
    calls = {"vjp": lambda: AF.vjp(f, x, v)[1], "jvp": lambda: AF.jvp(f, x, v)[1],
             "jacobian": lambda: AF.jacobian(f, x), "hessian": lambda: AF.hessian(s, x),
             "vhp": lambda: AF.vhp(s, x, v)[1], "hvp": lambda: AF.hvp(s, x, v)[1]}
    expected = calls[name]()
    with mg.no_grad():
        got = calls[name]()
    assert not got.requires_grad and np.abs(expected.numpy()).max() > 0.1
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_forward_mode_with_an_integer_output_gives_integer_zeros_for_it():
    # as torch's jvp / jacobian(strategy="forward-mode"); the dummy u of the double vjp used to be made for the
    # integer output too and failed with "only floating-point tensors can require grad"
    x, v = t64([0.3, -1.2, 2.0]), t64([1.0, 0.5, -2.0])
    f = lambda t: (t * 2, (t > 0).long())  # noqa: E731
    (y, flags), (jv, jflags) = AF.jvp(f, x, v)
    np.testing.assert_array_equal(jv.numpy(), 2 * v.numpy())
    assert jflags.dtype == np.int64 and np.array_equal(jflags.numpy(), [0, 0, 0])
    J, Jflags = AF.jacobian(f, x, strategy="forward-mode")
    np.testing.assert_array_equal(J.numpy(), 2 * np.eye(3))
    assert Jflags.dtype == np.int64 and Jflags.shape == (3, 3) and not Jflags.numpy().any()


def test_a_tensor_given_twice_with_create_graph_gets_each_positions_partial_derivative():
    # with create_graph the inputs themselves were differentiated: a tensor passed as both inputs got the sum of
    # both partials in each block (d(a*b)/da came out as 2x, not x). torch's blocks are per position
    x, v = t64([0.3, -0.7, 1.1], requires_grad=True), t64([1.0, 2.0, 3.0])
    f = lambda a, b: a * b * b  # noqa: E731
    xs = x.numpy()
    J = AF.jacobian(f, (x, x), create_graph=True)
    np.testing.assert_allclose(J[0].numpy(), np.diag(xs ** 2))
    np.testing.assert_allclose(J[1].numpy(), np.diag(2 * xs * xs))
    _, jv = AF.jvp(f, (x, x), (v, t64(np.zeros(3))), create_graph=True)
    np.testing.assert_allclose(jv.numpy(), xs ** 2 * v.numpy())
    _, (ga, gb) = AF.vjp(f, (x, x), v, create_graph=True)
    np.testing.assert_allclose(ga.numpy(), xs ** 2 * v.numpy())
    np.testing.assert_allclose(gb.numpy(), 2 * xs * xs * v.numpy())
    H = AF.hessian(lambda a, b: (a * b * b).sum(), (x, x), create_graph=True)
    np.testing.assert_allclose(H[0][0].numpy(), np.zeros((3, 3)))
    np.testing.assert_allclose(H[0][1].numpy(), np.diag(2 * xs))
    (d,) = mg.grad(J[0].sum(), [x])   # still differentiable in x, through both positions
    np.testing.assert_allclose(d.numpy(), 2 * xs)


def test_jvp_of_a_backward_that_treats_a_zero_gradient_apart():
    # the double-vjp trick's dummy u was zeros, and logcumsumexp's backward splits g by sign and records nothing
    # where g = 0: its jvp (functional.jvp, func.jvp, jacfwd) was 0 everywhere. Against central differences
    x = t64([2.0, -2.0, 0.5, 3.0])
    v = t64([0.3, -1.0, 2.0, 0.5])
    f = lambda x: mg.logcumsumexp(x, dim=0)   # noqa: E731
    expected = numeric_jacobian(f, [x])[0][0] @ v.numpy()
    np.testing.assert_allclose(AF.jvp(f, x, v)[1].numpy(), expected, **TOL)
    np.testing.assert_allclose(mg.func.jvp(f, (x,), (v,))[1].numpy(), expected, **TOL)
    np.testing.assert_allclose(mg.func.jacfwd(f)(x).numpy() @ v.numpy(), expected, **TOL)
