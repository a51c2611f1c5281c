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


def pytree_out(x, y):
    return {"p": [x * y.sum(), x.exp()], "q": (y.sin() * x[0],)}


def pytree_args(d, y):
    return [d["a"] * d["b"].sum() * y, (d["a"] ** 2).sum()]


def mt(lib, a):
    return m(a) if lib is mg else t(a)


def close_tree(mine, theirs):
    """Same nesting, container types and dict keys; Tensors equal to float64 round-off."""
    if isinstance(theirs, (tuple, list)):
        assert type(mine) is type(theirs) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs):
            close_tree(a, b)
    elif isinstance(theirs, dict):
        assert isinstance(mine, dict) and list(mine) == list(theirs)
        for k in theirs:
            close_tree(mine[k], theirs[k])
    else:
        assert isinstance(mine, mg.Tensor) and tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobians_of_list_and_dict_outputs_keep_their_structure(transform):
    Y = RNG.standard_normal(2)
    mine = getattr(mfunc, transform)(pytree_out, argnums=(0, 1))(m(XA), m(Y))
    theirs = getattr(tfunc, transform)(pytree_out, argnums=(0, 1))(t(XA), t(Y))
    close_tree(mine, theirs)
    close_tree(getattr(mfunc, transform)(lambda x: [x * 2, x.sum()])(m(XA)),
               getattr(tfunc, transform)(lambda x: [x * 2, x.sum()])(t(XA)))


def test_jvp_takes_pytree_primals_and_keeps_the_output_structure():
    Y, T = RNG.standard_normal(3), RNG.standard_normal(3)

    def args(lib):
        return ({"a": mt(lib, XA), "b": mt(lib, WA)}, mt(lib, Y)), ({"a": mt(lib, T), "b": mt(lib, XA)}, mt(lib, WA))
    close_tree(mfunc.jvp(pytree_args, *args(mg)), tfunc.jvp(pytree_args, *args(torch)))
    close_tree(mfunc.jvp(pytree_out, (m(XA), m(Y[:2])), (m(T), m(WA[:2]))),
               tfunc.jvp(pytree_out, (t(XA), t(Y[:2])), (t(T), t(WA[:2]))))


def test_jvp_of_a_closure_stays_differentiable_in_the_closed_over_tensor():
    # jvp used to decide from the primals alone whether to record, so its output, product and aux came back
    # detached from a closed-over tensor: a later gradient with respect to it was silently zero
    w, tw = m(WA, True), t(WA, True)
    out, jv, aux = mfunc.jvp(lambda x: ((x * w).sin(), w * 2), (m(XA),), (m(WA),), has_aux=True)
    tout, tjv, taux = tfunc.jvp(lambda x: ((x * tw).sin(), tw * 2), (t(XA),), (t(WA),), has_aux=True)
    assert out.requires_grad and jv.requires_grad and aux.requires_grad
    np.testing.assert_allclose(jv.numpy(), tjv.detach().numpy(), rtol=1e-13)
    (dw,) = mg.grad((jv ** 2).sum() + out.sum() + aux.sum(), [w])
    (tdw,) = torch.autograd.grad((tjv ** 2).sum() + tout.sum() + taux.sum(), [tw])
    np.testing.assert_allclose(dw.numpy(), tdw.numpy(), rtol=1e-12)
    jac = mfunc.jacrev(lambda v: mfunc.jvp(lambda x: (x * v).sin(), (m(XA),), (m(WA),))[1])(m(WA))
    tjac = tfunc.jacrev(lambda v: tfunc.jvp(lambda x: (x * v).sin(), (t(XA),), (t(WA),))[1])(t(WA))
    np.testing.assert_allclose(jac.numpy(), tjac.numpy(), rtol=1e-12)


def test_jvp_is_differentiable_in_its_tangents():
    # J v is linear in v with derivative J; the product used to be detached from tangents requiring grad
    f = lambda x: x.sin() * x.sum()  # noqa: E731
    g = mfunc.grad(lambda v: mfunc.jvp(f, (m(XA),), (v,))[1].sum())(m(WA))
    tg = tfunc.grad(lambda v: tfunc.jvp(f, (t(XA),), (v,))[1].sum())(t(WA))
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)


def test_linearize_of_a_closure_stays_differentiable_and_passes_gradcheck():
    w, tw = m(WA, True), t(WA, True)
    out, jvp_fn = mfunc.linearize(lambda x: (x * w).sin() * x, m(XA))
    jv = jvp_fn(m(WA))
    tout, tjv = tfunc.jvp(lambda x: (x * tw).sin() * x, (t(XA),), (t(WA),))
    assert out.requires_grad and jv.requires_grad
    (dw,) = mg.grad((jv ** 2).sum() + out.sum(), [w])
    (tdw,) = torch.autograd.grad((tjv ** 2).sum() + tout.sum(), [tw])
    np.testing.assert_allclose(dw.numpy(), tdw.numpy(), rtol=1e-12)
    # the product's derivatives in the closed-over tensor and in the tangent, against central differences
    v = m(XA[::-1].copy(), True)
    assert mg.autograd.gradcheck(lambda w, v: mfunc.linearize(lambda x: (x * w).sin() * x, m(XA))[1](v), (w, v))
    assert mg.autograd.gradgradcheck(lambda w, v: mfunc.linearize(lambda x: (x * w).sin() * x, m(XA))[1](v), (w, v))


@pytest.mark.parametrize("name", ["grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian"])
def test_transforms_differentiate_under_an_outer_no_grad(name):
    # they used to return zeros there: nothing was recorded to differentiate. torch.func ignores the outer
    # no_grad for its own differentiation and respects it for what it returns (plain tensors)
    w, tw = m(WA, True), t(WA, True)
    calls = {"grad": lambda lib, f, x, v: lib.grad(lambda x: f(x).sum())(x),
             "vjp": lambda lib, f, x, v: lib.vjp(f, x)[1](v)[0],
             "jvp": lambda lib, f, x, v: lib.jvp(f, (x,), (v,))[1],
             "linearize": lambda lib, f, x, v: lib.linearize(f, x)[1](v),
             "jacrev": lambda lib, f, x, v: lib.jacrev(f)(x),
             "jacfwd": lambda lib, f, x, v: lib.jacfwd(f)(x),
             "hessian": lambda lib, f, x, v: lib.hessian(lambda x: f(x).sum())(x)}
    with mg.no_grad():
        mine = calls[name](mfunc, lambda x: x.sin() * x * w, m(XA), m(WA))
    with torch.no_grad():
        theirs = calls[name](tfunc, lambda x: x.sin() * x * tw, t(XA), t(WA))
    assert not mine.requires_grad and not theirs.requires_grad
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_linearize_products_stay_differentiable_in_primals_that_require_grad():
    # as jvp's (torch.func.jvp's): torch 2.13's linearize traces jvp_fn with make_fx and drops this dependence
    f = lambda x: x.sin() * x.sum()  # noqa: E731
    x, tx = m(XA, True), t(XA, True)
    out, jvp_fn = mfunc.linearize(f, x)
    jv = jvp_fn(m(WA))
    tout, tjv = tfunc.jvp(f, (tx,), (t(WA),))
    (dx,) = mg.grad((out ** 2).sum() + (jv ** 2).sum(), [x])
    (tdx,) = torch.autograd.grad((tout ** 2).sum() + (tjv ** 2).sum(), [tx])
    np.testing.assert_allclose(dx.numpy(), tdx.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["grad of jvp in its tangent", "grad of vjp_fn in its cotangent",
                                  "jacfwd of linearize's jvp_fn", "jacrev of a closure's jacfwd"])
def test_differentiating_an_inner_product_gives_plain_results(name):
    # the inner product, kept differentiable in the outer transform's leaf, also reaches the leaves the inner
    # transform made for itself; these used to count as tensors from outside, so the outer results came back
    # attached to a graph (requires_grad=True) where torch.func's are plain
    f = lambda x: x.sin() * x.sum()  # noqa: E731
    calls = {"grad of jvp in its tangent": lambda lib, x, v: lib.grad(lambda w: lib.jvp(f, (x,), (w,))[1].sum())(v),
             "grad of vjp_fn in its cotangent": lambda lib, x, v: lib.grad(lambda w: lib.vjp(f, x)[1](w)[0].sum())(v),
             "jacfwd of linearize's jvp_fn": lambda lib, x, v: lib.jacfwd(
                 lambda w: (lib.linearize(f, x)[1](w) if lib is mfunc else lib.jvp(f, (x,), (w,))[1]))(v),
             "jacrev of a closure's jacfwd": lambda lib, x, v: lib.jacrev(
                 lambda w: lib.jacfwd(lambda z: (z * w).sin())(x))(v)}
    mine = calls[name](mfunc, m(XA), m(WA))
    theirs = calls[name](tfunc, t(XA), t(WA))
    assert not mine.requires_grad and not theirs.requires_grad
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["grad", "vjp", "jvp", "jacrev", "jacfwd"])
def test_aux_that_reaches_a_closed_over_tensor_stays_differentiable_in_it(name):
    # aux was detached whenever the output itself did not reach the closed-over tensor
    calls = {"grad": lambda lib, f, x: lib.grad(lambda x: (f(x)[0].sum(), f(x)[1]), has_aux=True)(x)[1],
             "vjp": lambda lib, f, x: lib.vjp(f, x, has_aux=True)[2],
             "jvp": lambda lib, f, x: lib.jvp(f, (x,), (x,), has_aux=True)[2],
             "jacrev": lambda lib, f, x: lib.jacrev(f, has_aux=True)(x)[1],
             "jacfwd": lambda lib, f, x: lib.jacfwd(f, has_aux=True)(x)[1]}
    w, tw = m(WA, True), t(WA, True)
    aux = calls[name](mfunc, lambda x: (x ** 2, w * 3), m(XA))
    taux = calls[name](tfunc, lambda x: (x ** 2, tw * 3), t(XA))
    assert aux.requires_grad and taux.requires_grad
    (dw,) = mg.grad((aux ** 2).sum(), [w])
    (tdw,) = torch.autograd.grad((taux ** 2).sum(), [tw])
    np.testing.assert_allclose(dw.numpy(), tdw.numpy(), rtol=1e-13)
