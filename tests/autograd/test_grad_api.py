"""``minigrad.grad``, higher-order derivatives (create_graph), Hessian-vector products and
``record_backward_graph``."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import record_backward_graph


def f64(values, device, requires_grad=True):
    return mg.tensor(values, dtype="float64", requires_grad=requires_grad, device=device)


# ------------------------------------------------------------------ minigrad.grad


def test_grad_returns_gradients_without_touching_dot_grad(device):
    x = f64([1.0, 2.0], device)
    y = (x * x * x).sum()
    (gx,) = mg.grad(y, x)
    np.testing.assert_allclose(gx.numpy(), [3.0, 12.0])
    assert x.grad is None
    assert gx.creator is None and not gx.requires_grad


def test_grad_leaves_existing_dot_grad_unchanged(device):
    x = f64([1.0, 2.0], device)
    (x * 5.0).sum().backward()
    (gx,) = mg.grad((x * x).sum(), [x])
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_grad_multiple_outputs_and_inputs(device):
    a = f64([1.0, 2.0], device)
    b = f64([3.0, 4.0], device)
    y1 = (a * b).sum()
    y2 = (a * a).sum()
    ga, gb = mg.grad([y1, y2], [a, b])
    np.testing.assert_allclose(ga.numpy(), [3.0 + 2.0, 4.0 + 4.0])   # b + 2a
    np.testing.assert_allclose(gb.numpy(), [1.0, 2.0])               # a


def test_grad_with_grad_outputs(device):
    x = f64([1.0, 2.0, 3.0], device)
    y = x * x
    (gx,) = mg.grad(y, x, grad_outputs=mg.tensor([1.0, -1.0, 0.5], dtype="float64", device=device))
    np.testing.assert_allclose(gx.numpy(), [2.0, -4.0, 3.0])


def test_grad_with_grad_outputs_for_several_outputs(device):
    x = f64([1.0, 2.0], device)
    y1 = x * 3.0
    y2 = x.sum() * x.sum()
    v1 = mg.tensor([1.0, 2.0], dtype="float64", device=device)
    v2 = mg.tensor(0.5, dtype="float64", device=device)
    (gx,) = mg.grad([y1, y2], [x], grad_outputs=[v1, v2])
    # 3 v1 + v2 * 2 (x1 + x2)
    np.testing.assert_allclose(gx.numpy(), [3.0 + 3.0, 6.0 + 3.0])


def test_grad_with_respect_to_a_non_leaf(device):
    x = f64([1.0, 2.0], device)
    h = x * 3.0
    y = (h * h).sum()
    gh, gx = mg.grad(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])       # 2h
    np.testing.assert_allclose(gx.numpy(), [18.0, 36.0])      # 2h * 3


def test_grad_allow_unused_returns_none(device):
    x = f64([1.0, 2.0], device)
    unused = f64([5.0], device)
    y = (x * x).sum()
    gx, gu = mg.grad(y, [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])


def test_grad_unused_input_without_allow_unused_raises():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    unused = mg.tensor([5.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 .*not used.*allow_unused=True"):
        mg.grad((x * x).sum(), [x, unused])


def test_grad_of_input_not_requiring_grad_raises():
    x = mg.tensor([1.0], requires_grad=True)
    c = mg.tensor([2.0])
    with pytest.raises(RuntimeError, match="input 1 .*does not require grad"):
        mg.grad((x * c).sum(), [x, c])


def test_grad_frees_graph_unless_retained():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp()).sum()
    mg.grad(y, x, retain_graph=True)
    (g,) = mg.grad(y, x)
    np.testing.assert_allclose(g.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        mg.grad(y, x)


def test_grad_mismatched_grad_outputs_count_raises():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="2 grad_outputs for 1 outputs"):
        mg.grad(x * 2.0, x, grad_outputs=[mg.tensor([1.0]), mg.tensor([1.0])])


# ------------------------------------------------------------------ higher order


def test_second_and_third_derivative_of_x4(device):
    x = f64([2.0, -1.5], device)
    y = (x ** 4).sum()
    (g1,) = mg.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g1.numpy(), 4 * np.array([2.0, -1.5]) ** 3)
    assert g1.requires_grad and g1.creator is not None
    (g2,) = mg.grad(g1.sum(), x, create_graph=True)
    np.testing.assert_allclose(g2.numpy(), 12 * np.array([2.0, -1.5]) ** 2)
    (g3,) = mg.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(), 24 * np.array([2.0, -1.5]))


def test_higher_derivatives_of_a_sin_chain(device):
    v = np.array([0.3, 1.1, -0.7])
    x = f64(v, device)
    y = mg.sin(mg.sin(x)).sum()                        # f = sin(sin x)
    (g1,) = mg.grad(y, x, create_graph=True)
    (g2,) = mg.grad(g1.sum(), x, create_graph=True)
    (g3,) = mg.grad(g2.sum(), x)
    s, c = np.sin(v), np.cos(v)
    cs, ss = np.cos(s), np.sin(s)
    f1 = cs * c
    f2 = -ss * c ** 2 - cs * s
    f3 = -cs * c ** 3 + 3 * ss * c * s - cs * c
    np.testing.assert_allclose(g1.numpy(), f1, rtol=1e-12)
    np.testing.assert_allclose(g2.numpy(), f2, rtol=1e-12)
    np.testing.assert_allclose(g3.numpy(), f3, rtol=1e-12)


def test_create_graph_backward_then_grad_of_grad(device):
    x = f64([3.0], device)
    y = (x ** 3).sum()
    y.backward(create_graph=True)
    assert x.grad.creator is not None
    np.testing.assert_allclose(x.grad.numpy(), [27.0])
    (h,) = mg.grad(x.grad.sum(), x)
    np.testing.assert_allclose(h.numpy(), [18.0])


def _f(x):
    # f(x) = x0^2 x1 + sin(x1) x2 + exp(x0 x2)
    return x[0] * x[0] * x[1] + mg.sin(x[1]) * x[2] + mg.exp(x[0] * x[2])


def _analytic_hessian(v):
    x0, x1, x2 = v
    e = np.exp(x0 * x2)
    return np.array([
        [2 * x1 + x2 * x2 * e, 2 * x0, e + x0 * x2 * e],
        [2 * x0, -np.sin(x1) * x2, np.cos(x1)],
        [e + x0 * x2 * e, np.cos(x1), x0 * x0 * e],
    ])


def test_hessian_vector_product_matches_analytic_hessian(device):
    v = np.array([0.5, -1.2, 0.8])
    x = f64(v, device)
    (g,) = mg.grad(_f(x), x, create_graph=True)
    H = _analytic_hessian(v)
    for direction in (np.array([1.0, 0.0, 0.0]), np.array([0.3, -2.0, 1.5])):
        (hv,) = mg.grad(g, x, grad_outputs=mg.tensor(direction, dtype="float64", device=device),
                        retain_graph=True)
        np.testing.assert_allclose(hv.numpy(), H @ direction, rtol=1e-10)


def test_record_backward_graph_makes_backward_differentiable(device):
    v = np.array([0.5, -1.2, 0.8])
    p = f64(v, device)
    with record_backward_graph():
        loss = _f(p)
        loss.backward()
    assert p.grad.creator is not None and p.grad.requires_grad
    direction = np.array([0.3, -2.0, 1.5])
    (hv,) = mg.grad(p.grad, p, grad_outputs=mg.tensor(direction, dtype="float64", device=device))
    np.testing.assert_allclose(hv.numpy(), _analytic_hessian(v) @ direction, rtol=1e-10)


def test_record_backward_graph_is_scoped():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    with record_backward_graph():
        pass
    (p * p).sum().backward()
    assert p.grad.creator is None


def test_record_backward_graph_as_decorator():
    p = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)

    @record_backward_graph()
    def closure():
        loss = (p ** 3).sum()
        loss.backward()
        return loss

    closure()
    assert p.grad.creator is not None
    (hv,) = mg.grad(p.grad, p, grad_outputs=mg.tensor([1.0, 1.0], dtype="float64"))
    np.testing.assert_allclose(hv.numpy(), [6.0, 12.0])


def test_grad_with_the_same_input_twice(device):
    x = f64([1.0, 2.0], device)
    h = x * 3.0
    g1, g2 = mg.grad((x * x).sum(), [x, x], retain_graph=True)
    np.testing.assert_allclose(g1.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(g2.numpy(), [2.0, 4.0])
    gh, gx, gh2 = mg.grad((h * h).sum(), [h, x, h])
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(gh2.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(gx.numpy(), [18.0, 36.0])


def test_grad_takes_torchs_arguments_in_torchs_order():
    """WGAN-GP's call, verbatim: only_inputs is accepted (and ignored, as in torch); materialize_grads gives zeros."""
    import torch

    x_np = np.random.default_rng(0).standard_normal((3, 2))
    ours, theirs = [], []
    for lib, out in ((mg, ours), (torch, theirs)):
        x = lib.tensor(x_np, dtype=lib.float64).requires_grad_(True)
        unused = lib.tensor(x_np[0], dtype=lib.float64).requires_grad_(True)
        y = (x ** 3).sum(1, keepdim=True)
        ga = lib.autograd.grad(outputs=y, inputs=x, grad_outputs=lib.ones(3, 1, dtype=y.dtype), create_graph=True,
                               retain_graph=True, only_inputs=True)[0]
        gb = lib.autograd.grad(y.sum(), [x, unused], None, True, False, True, None, False, True)   # positional
        out += [ga.detach().numpy(), gb[0].numpy(), gb[1].numpy()]
        out.append(lib.autograd.grad((ga ** 2).sum(), x)[0].numpy())   # ga carries a graph
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(ours[2], np.zeros(2))
    x = mg.tensor(x_np, requires_grad=True)
    with pytest.raises(ValueError, match="^grad: materialize_grads=True needs allow_unused to be None or True"):
        mg.autograd.grad(x.sum(), x, allow_unused=False, materialize_grads=True)
    with pytest.raises(RuntimeError, match="^grad: is_grads_batched=True needs grad_outputs"):
        mg.autograd.grad(x.sum(), x, is_grads_batched=True)


def test_materialized_zeros_require_grad_exactly_under_create_graph_as_torchs():
    # under create_graph they did not, so a penalty made of them alone could not be differentiated
    import torch

    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        unused = lib.tensor([3.0], dtype=lib.float64, requires_grad=True)
        kept = lib.autograd.grad((x * x).sum(), [x, unused], create_graph=True, materialize_grads=True)
        assert [g.requires_grad for g in kept] == [True, True]
        assert kept[1].tolist() == [0.0] and kept[1].dtype == lib.float64
        (kept[1] ** 2).sum().backward()   # no graph to the inputs, and no error
        assert x.grad is None and unused.grad is None
        plain = lib.autograd.grad((x * x).sum(), [x, unused], materialize_grads=True)
        assert [g.requires_grad for g in plain] == [False, False]


def test_batched_grad_outputs_give_one_gradient_per_row_as_torch():
    import torch

    rng = np.random.default_rng(5)
    x_np, w_np, v_np = rng.standard_normal(3), rng.standard_normal((2, 3)), rng.standard_normal((4, 2))
    results = []
    for lib in (mg, torch):
        x = lib.tensor(x_np, dtype=lib.float64).requires_grad_(True)
        y = lib.tensor(w_np, dtype=lib.float64) @ x.tanh()
        (g,) = lib.autograd.grad(y, x, lib.tensor(v_np, dtype=lib.float64), create_graph=True, is_grads_batched=True)
        (gg,) = lib.autograd.grad(g.sum(), x)   # the batched gradients carry a graph with create_graph
        results.append((g.detach().numpy(), gg.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert results[0][0].shape == (4, 3)
    x = mg.tensor(x_np, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad: is_grads_batched=True needs each grad_outputs entry to be "
                                           r"\(B, \*output shape\) with one B; got \[\(4, 3\)\] for outputs of shapes "
                                           r"\[\(2,\)\]"):
        mg.autograd.grad(mg.tensor(w_np) @ x, x, mg.ones(4, 3), is_grads_batched=True)


def test_tensor_backward_with_inputs_fills_only_their_grad_as_torch():
    import torch

    def run(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([3.0, -1.0], dtype=lib.float64, requires_grad=True)
        h = x * w
        h.retain_grad()
        (h * h).sum().backward(inputs=[w, h], retain_graph=True)
        first = (x.grad, w.grad.tolist(), h.grad.tolist())
        (h * h).sum().backward(inputs=w)   # one tensor; accumulates into w.grad
        return first, w.grad.tolist()

    assert run(mg) == run(torch)
    assert run(mg) == ((None, [6.0, -8.0], [6.0, -4.0]), [12.0, -16.0])   # retain_grad() adds h's once


def test_backward_with_an_input_listed_twice_adds_its_gradient_once_as_torch():
    # backward(inputs=[x, x]) added x's gradient once per entry: (x * x).sum() at [2, 3] gave x.grad [8, 12]
    # where torch gives [4, 6]; so did a retained non-leaf listed twice with torch.autograd.backward
    import torch

    def run(lib):
        x = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
        (x * x).sum().backward(inputs=[x, x])
        first = x.grad.tolist()
        x.grad = None
        (x * x).sum().backward(inputs=[x, x], create_graph=True)
        second = x.grad.tolist()
        w = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
        h = w * w
        lib.autograd.backward([(h * w).sum()], inputs=[w, h, w])
        return first, second, w.grad.tolist(), h.grad.tolist()

    assert run(mg) == run(torch) == ([4.0, 6.0], [4.0, 6.0], [12.0, 27.0], [2.0, 3.0])


def test_backward_with_inputs_gives_each_grad_its_own_memory_as_torch():
    # Add sends one gradient array to both of its inputs, and a leaf root receives the caller's gradient itself:
    # a .grad sharing either would change when the other is accumulated into, or when the caller writes.
    import torch

    def run(lib):
        a, b, c = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]))
        (a + b).sum().backward(inputs=[a, b])
        (a * 5.0).sum().backward()          # accumulates into a.grad in place
        seed = lib.tensor([1.0, 3.0], dtype=lib.float64)
        c.backward(seed, inputs=[c])
        with lib.no_grad():
            seed.mul_(10.0)
        return a.grad.tolist(), b.grad.tolist(), c.grad.tolist()

    assert run(mg) == run(torch) == ([6.0, 6.0], [1.0, 1.0], [1.0, 3.0])


def test_backward_with_inputs_runs_the_post_accumulate_hooks_as_torch():
    import torch

    def run(lib):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        log = []
        a.register_hook(lambda g: log.append(("hook", g.tolist())))
        a.register_post_accumulate_grad_hook(lambda p: log.append(("post", p.grad.tolist())))
        (a * 2.0).sum().backward(inputs=[a])
        return log

    assert run(mg) == run(torch) == [("hook", [2.0, 2.0]), ("post", [2.0, 2.0])]


def test_backward_with_empty_inputs_is_refused_as_torch():
    # an empty inputs list (a filter that matched nothing, say) would silently write no gradient at all
    import torch

    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match="inputs.* cannot be empty"):
            (x * 2.0).sum().backward(inputs=[])
        with pytest.raises(RuntimeError, match="inputs.* cannot be empty"):
            lib.autograd.backward((x * 2.0).sum(), inputs=())
        assert x.grad is None


def test_backward_with_inputs_names_backward_in_its_errors():
    # they came from grad(), which backward(inputs=...) runs, and said "grad:" of a call that never named it
    import torch

    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^backward\b.*: the gradient can be implied only for a one-element output"):
        (x * 2.0).backward(inputs=[x])
    with pytest.raises(RuntimeError):
        (tx * 2.0).backward(inputs=[tx])
    with pytest.raises(ValueError, match=r"^backward\b.*: gradient has shape \(3,\), expected \(\)"):
        (x * 2.0).sum().backward(mg.tensor([1.0, 1.0, 1.0], dtype=mg.float64), inputs=[x])
    with pytest.raises(RuntimeError, match=r"^backward: inputs entry 0 \(shape \(2,\)\) does not require grad"):
        (x * 2.0).sum().backward(inputs=[mg.tensor([1.0, 2.0])])
    with pytest.raises(RuntimeError):
        (tx * 2.0).sum().backward(inputs=[torch.tensor([1.0, 2.0])])
    assert x.grad is None


def test_an_empty_batch_of_grad_outputs_is_one_clear_error():
    """B = 0 rows ran no pass and then failed with 'tuple index out of range' (torch's own fails with an IndexError)."""
    x = mg.ones(3, dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^grad: is_grads_batched=True got an empty batch \(B = 0\) of "
                                           r"grad_outputs \[\(0, 3\)\]; there is no row to differentiate with$"):
        mg.autograd.grad(x * 2, x, mg.zeros(0, 3, dtype="float64"), is_grads_batched=True)
