"""minigrad.func's transforms over a function that closes over a tensor requiring grad (a model's weights in
MAML-style code: ``grad(inner_loss)(x)`` then a backward to the weights): as torch.func, the results stay
differentiable with respect to the closed-over tensor. Also torch's keyword arguments of jacrev/jacfwd."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.func as mfunc

torch = pytest.importorskip("torch")
tfunc = torch.func

RNG = np.random.default_rng(7)
XA = RNG.standard_normal(3)
WA = RNG.standard_normal(3)


def m(a, requires_grad=False):
    return mg.tensor(a, dtype=mg.float64, requires_grad=requires_grad)


def t(a, requires_grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)


def inner(w):
    return lambda x: (x.sin() * x * w).sum() * w.sum()


def test_grad_and_value_of_a_closure_stay_differentiable_in_the_closed_over_tensor():
    w, tw = m(WA, True), t(WA, True)
    g, value = mfunc.grad_and_value(inner(w))(m(XA))
    tg, tvalue = tfunc.grad_and_value(inner(tw))(t(XA))
    assert g.requires_grad and value.requires_grad and tg.requires_grad and tvalue.requires_grad
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-13)
    (dw,) = mg.grad((g * g).sum() + value, [w])
    (tdw,) = torch.autograd.grad((tg * tg).sum() + tvalue, [tw])
    np.testing.assert_allclose(dw.numpy(), tdw.numpy(), rtol=1e-12)


def test_grad_of_a_closure_under_no_grad_is_plain():
    w = m(WA, True)
    with mg.no_grad():
        g = mfunc.grad(inner(w))(m(XA))
    assert not g.requires_grad


def test_vjp_of_a_closure_stays_differentiable_in_the_closed_over_tensor():
    w, tw = m(WA, True), t(WA, True)
    out, fn = mfunc.vjp(lambda x: x.exp() * w, m(XA))
    tout, tfn = tfunc.vjp(lambda x: x.exp() * tw, t(XA))
    (g,), (tg,) = fn(m(WA)), tfn(t(WA))
    assert out.requires_grad and g.requires_grad and tout.requires_grad and tg.requires_grad
    (dw,) = mg.grad((g ** 2).sum() + out.sum(), [w])
    (tdw,) = torch.autograd.grad((tg ** 2).sum() + tout.sum(), [tw])
    np.testing.assert_allclose(dw.numpy(), tdw.numpy(), rtol=1e-12)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobian_of_a_closure_stays_differentiable_in_the_closed_over_tensor(transform):
    w, tw = m(WA, True), t(WA, True)
    jac = getattr(mfunc, transform)(lambda x: x.tanh() * w * w.sum())(m(XA))
    tjac = getattr(tfunc, transform)(lambda x: x.tanh() * tw * tw.sum())(t(XA))
    assert jac.requires_grad and tjac.requires_grad
    np.testing.assert_allclose(jac.numpy(), tjac.detach().numpy(), rtol=1e-13)
    (dw,) = mg.grad((jac ** 2).sum(), [w])
    (tdw,) = torch.autograd.grad((tjac ** 2).sum(), [tw])
    np.testing.assert_allclose(dw.numpy(), tdw.numpy(), rtol=1e-12)


def test_jacobian_without_closure_is_still_plain():
    jac = mfunc.jacrev(lambda x: x.tanh() * x.sum())(m(XA))
    g = mfunc.grad(lambda x: (x ** 3).sum())(m(XA))
    assert not jac.requires_grad and not g.requires_grad


def test_jacrev_takes_chunk_size_and_jacfwd_takes_randomness():
    f = lambda x: x.sin() * x.sum()  # noqa: E731
    np.testing.assert_allclose(mfunc.jacrev(f, chunk_size=1)(m(XA)).numpy(),
                               tfunc.jacrev(f, chunk_size=1)(t(XA)).numpy(), rtol=1e-13)
    np.testing.assert_allclose(mfunc.jacfwd(f, randomness="same")(m(XA)).numpy(),
                               tfunc.jacfwd(f, randomness="same")(t(XA)).numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match=r"jacrev: chunk_size should be None or greater than 0. \(got 0\)"):
        mfunc.jacrev(f, chunk_size=0)
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are 'error', 'different', or 'same'. "
                                           "Got x"):
        mfunc.jacfwd(f, randomness="x")
