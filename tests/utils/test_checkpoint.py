"""minigrad.utils.checkpoint: gradients equal the un-checkpointed ones bit for bit (parameters of modules called
inside included), activations inside are freed after the forward, dropout sees the same masks when recomputed,
second derivatives are exact; compared with torch.utils.checkpoint (use_reentrant=False) in float64."""
import gc
import weakref

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as torch_checkpoint

import minigrad as mg
from minigrad import nn
from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential

SIZES = [(5, 8), (8, 8), (8, 3)]


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((o, i)) / np.sqrt(i), rng.standard_normal(o) * 0.1) for i, o in SIZES]


def _mg_mlp(dropout):
    """Linear-ReLU-Dropout-Linear-Tanh-Dropout-Linear in float64 with _weights()' values (torch's (out, in) layout)."""
    linears = [nn.Linear(i, o, dtype=mg.float64) for i, o in SIZES]
    for lin, (w, b) in zip(linears, _weights()):
        lin.weight.data = np.ascontiguousarray(w.T)
        lin.bias.data = b.copy()
    return nn.Sequential(linears[0], nn.ReLU(), nn.Dropout(dropout), linears[1], nn.Tanh(), nn.Dropout(dropout),
                         linears[2])


def _torch_mlp():
    linears = [torch.nn.Linear(i, o, dtype=torch.float64) for i, o in SIZES]
    with torch.no_grad():
        for lin, (w, b) in zip(linears, _weights()):
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
    return torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.Tanh(), linears[2])


X = np.random.default_rng(1).standard_normal((4, 5))


def _grads_of(model, run):
    """(output, input grad, parameter grads) of sum(run(model, x) ** 2) after backward()."""
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    out = run(model, x)
    (out ** 2).sum().backward()
    return out.numpy(), x.grad.numpy(), [p.grad.numpy() for p in model.parameters()]


def _same(a, b):
    out_a, gx_a, gp_a = a
    out_b, gx_b, gp_b = b
    assert np.array_equal(out_a, out_b)
    assert np.array_equal(gx_a, gx_b)
    assert len(gp_a) == len(gp_b) == 6
    for p, q in zip(gp_a, gp_b):
        assert np.array_equal(p, q)


def test_mlp_with_dropout_gives_the_plain_gradients_exactly():
    model = _mg_mlp(0.3)
    mg.manual_seed(0)
    plain = _grads_of(model, lambda m, x: m(x))
    after_plain = mg.rand(3).numpy()
    model.zero_grad()
    mg.manual_seed(0)
    checked = _grads_of(model, lambda m, x: checkpoint(m, x, use_reentrant=False))
    after_checked = mg.rand(3).numpy()
    _same(checked, plain)
    model.eval()
    with mg.no_grad():
        assert not np.array_equal(model(mg.tensor(X, dtype=mg.float64)).numpy(), plain[0])   # dropout was on
    # the recomputation put the generator back: the stream continues as if the forward had run once
    assert np.array_equal(after_plain, after_checked)


def test_without_preserve_rng_state_the_masks_differ():
    model = _mg_mlp(0.5)
    mg.manual_seed(0)
    plain = _grads_of(model, lambda m, x: m(x))
    model.zero_grad()
    mg.manual_seed(0)
    loose = _grads_of(model, lambda m, x: checkpoint(m, x, preserve_rng_state=False))
    assert np.array_equal(loose[0], plain[0])          # the forward is the same call
    assert not np.array_equal(loose[1], plain[1])      # the recomputation drew other masks


def test_mlp_gradients_match_torch_checkpoint():
    model, tmodel = _mg_mlp(0.0), _torch_mlp()
    out, gx, gp = _grads_of(model, lambda m, x: checkpoint(m, x))
    tx = torch.tensor(X, requires_grad=True)
    tout = torch_checkpoint.checkpoint(tmodel, tx, use_reentrant=False)
    (tout ** 2).sum().backward()
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    tparams = [p for lin in (tmodel[0], tmodel[2], tmodel[4]) for p in (lin.weight, lin.bias)]
    for mine, theirs in zip(gp, tparams):
        theirs = theirs.grad.numpy()
        np.testing.assert_allclose(mine, theirs.T if theirs.ndim == 2 else theirs, rtol=1e-12, atol=1e-14)


def test_activations_inside_are_freed_after_the_forward():
    w = mg.tensor(np.ones((3, 3)), dtype=mg.float64, requires_grad=True)
    refs = []

    def f(a):
        hidden = (a @ w).tanh()
        refs.append(weakref.ref(hidden))
        return (hidden * hidden).sum(axis=1)

    x = mg.tensor(np.ones((2, 3)), dtype=mg.float64, requires_grad=True)
    kept = f(x)
    gc.collect()
    assert refs[0]() is not None          # a plain call keeps the activation for backward
    out = checkpoint(f, x)
    gc.collect()
    assert refs[1]() is None              # the checkpointed call does not
    out.sum().backward()
    assert len(refs) == 3 and refs[2]() is None   # nor does the recomputation, once backward is done
    expected, = mg.grad(kept.sum(), [w])
    assert np.array_equal(w.grad.numpy(), expected.numpy())


def test_grad_reaches_parameters_through_minigrad_grad():
    model = _mg_mlp(0.0)
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    params = list(model.parameters())
    plain = mg.grad((model(x) ** 2).sum(), [x] + params)
    checked = mg.grad((checkpoint(model, x) ** 2).sum(), [x] + params)
    for a, b in zip(plain, checked):
        assert np.array_equal(a.numpy(), b.numpy())
    assert all(p.grad is None for p in params)   # grad() writes no .grad


def test_parameters_get_gradients_when_no_argument_requires_grad():
    model = _mg_mlp(0.0)
    x = mg.tensor(X, dtype=mg.float64)
    (checkpoint(model, x) ** 2).sum().backward()
    checked = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    (model(x) ** 2).sum().backward()
    for a, p in zip(checked, model.parameters()):
        assert np.array_equal(a, p.grad.numpy())


def test_second_derivatives_are_exact():
    w = mg.tensor(np.random.default_rng(2).standard_normal((3, 3)), dtype=mg.float64, requires_grad=True)
    x = mg.tensor(np.random.default_rng(3).standard_normal((2, 3)), dtype=mg.float64, requires_grad=True)

    def block(a, w):
        return ((a @ w).tanh() * a).sin() @ w

    assert mg.gradcheck(lambda a, w: checkpoint(lambda b: block(b, w), a), [x, w])
    assert mg.gradgradcheck(lambda a, w: checkpoint(lambda b: block(b, w), a), [x, w])
    # a Hessian-vector product through the checkpoint equals torch's
    v = np.random.default_rng(4).standard_normal((2, 3))
    gx, gw = mg.grad(checkpoint(lambda b: block(b, w), x).sum(), [x, w], create_graph=True)
    hx, hw = mg.grad((gx * mg.tensor(v, dtype=mg.float64)).sum(), [x, w])
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tw = torch.tensor(w.numpy(), requires_grad=True)
    tgx, _ = torch.autograd.grad(torch_checkpoint.checkpoint(lambda b: block(b, tw), tx, use_reentrant=False).sum(),
                                 [tx, tw], create_graph=True)
    thx, thw = torch.autograd.grad((tgx * torch.from_numpy(v)).sum(), [tx, tw])
    np.testing.assert_allclose(hx.numpy(), thx.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hw.numpy(), thw.numpy(), rtol=1e-12, atol=1e-14)


def test_a_captured_intermediate_of_the_outer_graph_gets_its_gradient():
    x = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64, requires_grad=True)
    h = x * x                     # recorded outside, used inside by closure
    y = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    out = checkpoint(lambda a: (a * h).sin(), y)
    (out.sum() + h.sum()).backward()
    xn, yn = x.numpy(), y.numpy()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(yn * xn * xn) * yn * 2 * xn + 2 * xn, rtol=1e-14)
    np.testing.assert_allclose(y.grad.numpy(), np.cos(yn * xn * xn) * xn * xn, rtol=1e-14)
    assert h.creator is not None and not h.is_leaf   # put back after the recomputation


def test_hooks_on_boundary_tensors_run_once():
    w = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    calls = []
    w.register_hook(lambda g: calls.append(g.numpy().copy()))
    checkpoint(lambda a: a * w, mg.tensor([3.0, 4.0], dtype=mg.float64)).sum().backward()
    assert len(calls) == 1 and np.array_equal(calls[0], [3.0, 4.0])
    assert np.array_equal(w.grad.numpy(), [3.0, 4.0])


def test_tuple_outputs_kwargs_and_passthrough():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)

    def f(a, scale=1.0):
        return a.exp() * scale, a, "label"

    e, same, label = checkpoint(f, x, scale=3.0)
    assert same is x and label == "label"
    (e.sum() + (same * 2).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([1.0, 2.0]) + 2, rtol=1e-15)


def test_a_namedtuple_output_keeps_its_type():
    from collections import namedtuple

    Pair = namedtuple("Pair", "double square")
    x = mg.tensor([1.0, 3.0], dtype=mg.float64, requires_grad=True)
    out = checkpoint(lambda a: Pair(a * 2, a * a), x)
    assert type(out) is Pair
    (out.double + out.square).sum().backward()
    assert np.array_equal(x.grad.numpy(), [4.0, 8.0])


def test_under_no_grad_it_is_the_plain_call():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        y = checkpoint(lambda a: a * 2, x)
    assert not y.requires_grad and np.array_equal(y.numpy(), [2.0, 4.0])


def test_checkpoint_sequential_matches_plain_and_torch():
    model, tmodel = _mg_mlp(0.0), _torch_mlp()
    plain = _grads_of(model, lambda m, x: m(x))
    model.zero_grad()
    for segments in (1, 2, 3, 7):
        model.zero_grad()
        _same(_grads_of(model, lambda m, x: checkpoint_sequential(m, segments, x, use_reentrant=False)), plain)
    tx = torch.tensor(X, requires_grad=True)
    (torch_checkpoint.checkpoint_sequential(tmodel, 2, tx, use_reentrant=False) ** 2).sum().backward()
    np.testing.assert_allclose(plain[1], tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_checkpoint_sequential_on_a_list_of_functions():
    x = mg.tensor([0.1, 0.2], dtype=mg.float64, requires_grad=True)
    out = checkpoint_sequential([mg.sin, mg.exp, mg.tanh, mg.cos], 2, x)
    out.sum().backward()
    expected, = mg.grad(mg.cos(mg.tanh(mg.exp(mg.sin(x)))).sum(), [x])
    assert np.array_equal(x.grad.numpy(), expected.numpy())


def test_bad_arguments():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="use_reentrant must be None, True or False, got 'yes'"):
        checkpoint(lambda a: a, x, use_reentrant="yes")
    with pytest.raises(TypeError, match="function must be callable, got int"):
        checkpoint(3, x)
    with pytest.raises(ValueError, match=r"segments must be an int from 1 to the number of functions \(2\), got 0"):
        checkpoint_sequential([mg.sin, mg.cos], 0, x)


def test_a_recomputation_that_changes_shape_is_refused():
    calls = []

    def f(a):
        calls.append(1)
        return a[: len(calls)] * 2

    y = checkpoint(f, mg.tensor([1.0, 2.0, 3.0], requires_grad=True))
    with pytest.raises(RuntimeError,
                       match=r"recomputation of output 0 gave shape \(2,\).*first call gave shape \(1,\)"):
        y.sum().backward()


def test_determinism_check_and_unsupported_options():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(ValueError, match="determinism_check must be 'default' or 'none', got 'strict'"):
        checkpoint(lambda a: a, x, determinism_check="strict")
    with pytest.raises(NotImplementedError, match="context_fn"):
        checkpoint(lambda a: a, x, context_fn=lambda: None)
    y = checkpoint(lambda a, scale: a * scale, x, 2.0, debug=True)   # debug is not passed on to the function
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_nested_checkpoints_with_dropout_give_the_plain_gradients():
    model = _mg_mlp(0.3)
    mg.manual_seed(5)
    plain = _grads_of(model, lambda m, x: m(x))
    model.zero_grad()
    mg.manual_seed(5)
    nested = _grads_of(model, lambda m, x: checkpoint(lambda a: checkpoint(m, a) * 1.0, x))
    _same(nested, plain)


def test_two_outputs_one_used_and_a_retained_graph_run_twice():
    w = mg.tensor([0.5, -2.0], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([1.5, 3.0], dtype=mg.float64, requires_grad=True)
    a, b = checkpoint(lambda v: ((v * w).sin(), (v + w).exp()), x)
    xn, wn = x.numpy(), w.numpy()
    gb, = mg.grad(b.sum(), [w], retain_graph=True)
    np.testing.assert_allclose(gb.numpy(), np.exp(xn + wn), rtol=1e-15)
    loss = a.sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xn * wn) * wn, rtol=1e-15)
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.cos(xn * wn) * xn, rtol=1e-15)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        b.sum().backward()   # the node was freed by the last backward, as in torch
