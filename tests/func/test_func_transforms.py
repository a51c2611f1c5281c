"""minigrad.func's transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian) against torch.func in
float64: values, structures (argnums tuples, tuple outputs, dict arguments, has_aux), composition, errors."""
import numpy as np
import pytest
import torch
import torch.func as tfunc

import minigrad as mg
import minigrad.func as mfunc
from func_agreement import close

RNG = np.random.default_rng(0)
XA = RNG.standard_normal(3)
YA = RNG.standard_normal((2, 3))
A = RNG.standard_normal((2, 3))


def m(a):
    return mg.tensor(a, dtype=mg.float64)


def t(a):
    return torch.tensor(a, dtype=torch.float64)



def scalar(lib):
    return lambda x, y: (x.sin() * x).sum() * (y.exp() ** 2).mean()


def vector(lib):
    mat = t(A) if lib is torch else m(A)
    return lambda x, y: (mat @ x.tanh()) * y.sum(0)[:2].cos()


def pair(lib):
    return lambda x, y: ((x * x).sum() * y, x.exp())


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0), -1])
def test_grad_matches_torch(argnums):
    mine = mfunc.grad(scalar(mg), argnums=argnums)(m(XA), m(YA))
    theirs = tfunc.grad(scalar(torch), argnums=argnums)(t(XA), t(YA))
    close(mine, theirs)


def test_grad_and_value_and_has_aux_match_torch():
    def f(lib):
        return lambda x: ((x ** 3).sum(), {"square": x * x})
    g, (v, aux) = mfunc.grad_and_value(f(mg), has_aux=True)(m(XA))
    tg, (tv, taux) = tfunc.grad_and_value(f(torch), has_aux=True)(t(XA))
    close((g, v, aux), (tg, tv, taux))
    g2, aux2 = mfunc.grad(f(mg), has_aux=True)(m(XA))
    close((g2, aux2), (tg, taux))
    assert not v.requires_grad and not aux["square"].requires_grad


def test_grad_with_respect_to_a_dict_and_a_tuple():
    def f(p, x):
        return (p["w"] * x).sum() + (p["b"] ** 2).sum() + (p["pair"][0] * p["pair"][1]).sum()
    params = {"w": XA, "b": XA[:2], "pair": (XA, XA * 2)}
    mine = mfunc.grad(f)({"w": m(XA), "b": m(XA[:2]), "pair": (m(XA), m(XA * 2))}, m(XA))
    theirs = tfunc.grad(f)({k: (t(v[0]), t(v[1])) if isinstance(v, tuple) else t(v) for k, v in params.items()}, t(XA))
    close(mine, theirs)


def test_grad_composes():
    f = lambda x: (x.sin() * x.exp()).sum()  # noqa: E731
    mine = mfunc.grad(lambda x: mfunc.grad(f)(x).sum())(m(XA))
    theirs = tfunc.grad(lambda x: tfunc.grad(f)(x).sum())(t(XA))
    close(mine, theirs)


def test_grad_does_not_write_grad_of_closure_tensors():
    w = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    g = mfunc.grad(lambda x: (x * w).sum())(m(XA))
    assert w.grad is None and np.array_equal(g.numpy(), w.numpy())


def test_grad_of_an_unused_argument_is_zero():
    g = mfunc.grad(lambda x, y: (x * 2).sum(), argnums=1)(m(XA), m(YA))
    assert np.array_equal(g.numpy(), np.zeros((2, 3)))


def test_vjp_matches_torch():
    out, fn = mfunc.vjp(vector(mg), m(XA), m(YA))
    tout, tfn = tfunc.vjp(vector(torch), t(XA), t(YA))
    close(out, tout)
    cot = RNG.standard_normal(2)
    close(fn(m(cot)), tfn(t(cot)))
    close(fn(m(cot * 3)), tfn(t(cot * 3)))   # vjp_fn may be called again
    out2, fn2 = mfunc.vjp(pair(mg), m(XA), m(YA))
    tout2, tfn2 = tfunc.vjp(pair(torch), t(XA), t(YA))
    close(out2, tout2)
    cots = (RNG.standard_normal((2, 3)), RNG.standard_normal(3))
    close(fn2((m(cots[0]), m(cots[1]))), tfn2((t(cots[0]), t(cots[1]))))


def test_vjp_has_aux_and_shape_error():
    out, fn, aux = mfunc.vjp(lambda x: (x.exp(), x.sum()), m(XA), has_aux=True)
    assert np.allclose(aux.numpy(), XA.sum())
    with pytest.raises(ValueError, match=r"cotangent 0 has shape \(2,\) but output 0 has shape \(3,\)"):
        fn(mg.ones(2, dtype=mg.float64))


def test_jvp_matches_torch():
    tangents = (RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    mine = mfunc.jvp(vector(mg), (m(XA), m(YA)), (m(tangents[0]), m(tangents[1])))
    theirs = tfunc.jvp(vector(torch), (t(XA), t(YA)), (t(tangents[0]), t(tangents[1])))
    close(mine, theirs)
    mine = mfunc.jvp(pair(mg), (m(XA), m(YA)), (m(tangents[0]), m(tangents[1])))
    theirs = tfunc.jvp(pair(torch), (t(XA), t(YA)), (t(tangents[0]), t(tangents[1])))
    close(mine, theirs)


def test_jvp_arguments_must_be_tuples():
    with pytest.raises(TypeError, match="Expected primals to be a tuple"):
        mfunc.jvp(lambda x: x, m(XA), (m(XA),))
    with pytest.raises(RuntimeError, match="same number of Tensors, got 1 and 2"):
        mfunc.jvp(lambda x: x, (m(XA),), (m(XA), m(XA)))


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacobians_match_torch(transform, argnums):
    for fn in (vector, pair, scalar):
        mine = getattr(mfunc, transform)(fn(mg), argnums=argnums)(m(XA), m(YA))
        theirs = getattr(tfunc, transform)(fn(torch), argnums=argnums)(t(XA), t(YA))
        close(mine, theirs)


def test_jacrev_has_aux_and_composition():
    jac, aux = mfunc.jacrev(lambda x: (x.exp() * x, x.sum()), has_aux=True)(m(XA))
    tjac, taux = tfunc.jacrev(lambda x: (x.exp() * x, x.sum()), has_aux=True)(t(XA))
    close((jac, aux), (tjac, taux))
    f = lambda x: x.sin() * x.sum()  # noqa: E731
    close(mfunc.jacrev(mfunc.jacrev(f))(m(XA)), tfunc.jacrev(tfunc.jacrev(f))(t(XA)))


@pytest.mark.parametrize("argnums", [0, 1])
def test_hessian_matches_torch(argnums):
    close(mfunc.hessian(scalar(mg), argnums=argnums)(m(XA), m(YA)),
           tfunc.hessian(scalar(torch), argnums=argnums)(t(XA), t(YA)))
    close(mfunc.hessian(vector(mg), argnums=argnums)(m(XA), m(YA)),
           tfunc.hessian(vector(torch), argnums=argnums)(t(XA), t(YA)))


def test_errors():
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor, got tensor with 1 dims"):
        mfunc.grad(lambda x: x * 2)(m(XA))
    with pytest.raises(ValueError, match="argnums 2 is out of range for a function called with 2 positional"):
        mfunc.grad(scalar(mg), argnums=2)(m(XA), m(YA))
    with pytest.raises(TypeError, match="argnums must be an int or a non-empty tuple of ints, got 'x'"):
        mfunc.jacrev(scalar(mg), argnums="x")(m(XA), m(YA))
    with pytest.raises(TypeError,
                       match="argument 0: only floating-point Tensors can be differentiated; got dtype int64"):
        mfunc.grad(lambda x: x.sum())(mg.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"output of function f should be a tuple: \(output, aux\)"):
        mfunc.grad(lambda x: x.sum(), has_aux=True)(m(XA))


def test_jvp_tangent_errors_name_the_tangent_and_primal():
    with pytest.raises(ValueError, match=r"jvp: tangent 1 has shape \(3,\) but primal 1 has shape \(2, 3\)"):
        mfunc.jvp(scalar(mg), (m(XA), m(YA)), (m(XA), m(XA)))
    with pytest.raises(TypeError, match="jvp: tangent 0 has dtype float32 but primal 0 has dtype float64"):
        mfunc.jvp(scalar(mg), (m(XA), m(YA)), (mg.tensor(XA, dtype=mg.float32), m(YA)))


def test_linearize_matches_torch_for_several_tangents():
    def f(x, y):
        return {"p": vector(torch if isinstance(x, torch.Tensor) else mg)(x, y), "q": (x.exp() * y).sum()}
    out, jvp_fn = mfunc.linearize(f, m(XA), m(YA))
    tout, tjvp_fn = tfunc.linearize(f, t(XA), t(YA))
    close(out, tout)
    for _ in range(3):   # one recorded graph, reused by every call
        tangents = (RNG.standard_normal(3), RNG.standard_normal((2, 3)))
        close(jvp_fn(m(tangents[0]), m(tangents[1])), tjvp_fn(t(tangents[0]), t(tangents[1])))
        close(jvp_fn(m(tangents[0]), m(tangents[1])),
              tfunc.jvp(f, (t(XA), t(YA)), (t(tangents[0]), t(tangents[1])))[1])


def test_linearize_takes_pytree_primals_and_keeps_float32():
    f = lambda d, x: d["a"].sin() * d["b"] + x  # noqa: E731
    x32 = XA.astype(np.float32)
    out, jvp_fn = mfunc.linearize(f, {"a": mg.tensor(x32), "b": mg.tensor(x32 * 2)}, mg.tensor(x32))
    tout, tjvp_fn = tfunc.linearize(f, {"a": torch.tensor(x32), "b": torch.tensor(x32 * 2)}, torch.tensor(x32))
    mine = jvp_fn({"a": mg.tensor(x32[::-1].copy()), "b": mg.tensor(x32)}, mg.tensor(x32))
    theirs = tjvp_fn({"a": torch.tensor(x32[::-1].copy()), "b": torch.tensor(x32)}, torch.tensor(x32))
    assert out.dtype == mg.float32 and mine.dtype == mg.float32
    close(mine, theirs, rtol=1e-6, atol=1e-6)
    close(out, tout, rtol=1e-6, atol=1e-6)


def test_linearize_of_an_unused_primal_or_a_constant_output_gives_zeros():
    _, jvp_fn = mfunc.linearize(lambda x, y: x * 2, m(XA), m(YA))
    close(jvp_fn(m(XA), m(YA)), torch.tensor(XA * 2))
    _, jvp_fn = mfunc.linearize(lambda x: mg.ones(2, dtype=mg.float64), m(XA))
    close(jvp_fn(m(XA)), torch.zeros(2, dtype=torch.float64))


def test_linearize_jvp_fn_errors_name_the_tangent():
    _, jvp_fn = mfunc.linearize(scalar(mg), m(XA), m(YA))
    with pytest.raises(ValueError, match=r"linearize: jvp_fn: tangent 0 has shape \(2,\) but primal 0 has shape "
                                         r"\(3,\)"):
        jvp_fn(m(XA[:2]), m(YA))
    with pytest.raises(TypeError, match="linearize: jvp_fn: tangent 1 has dtype float32 but primal 1 has dtype "
                                        "float64"):
        jvp_fn(m(XA), mg.tensor(YA, dtype=mg.float32))
    with pytest.raises(RuntimeError, match=r"jvp_fn expected tangents with the structure of the primals, \(\*, \*\), "
                                           r"got \(\*,\)"):
        jvp_fn(m(XA))
    with pytest.raises(RuntimeError, match=r"structure of the primals, \(\*, \*\), got \(\(\*, \*\),\)"):
        jvp_fn((m(XA), m(YA)))


def test_vjp_fn_cotangent_dtype_error_names_the_cotangent():
    # it used to surface as the engine's "grad: gradient has dtype float32, but the tensor has dtype float64"
    _, fn = mfunc.vjp(pair(mg), m(XA), m(YA))
    with pytest.raises(TypeError, match="vjp_fn: cotangent 1 has dtype float32 but output 1 has dtype float64"):
        fn((m(YA), mg.tensor(XA, dtype=mg.float32)))


def test_forward_mode_of_a_function_with_an_integer_output_matches_torch():
    # the double vjp used to make a dummy u shaped like every output, and an integer u cannot require grad:
    # "only floating-point tensors can require grad". torch.func gives integer zeros for such an output
    f = lambda x: (x.exp() * 2, (x > 0).long())  # noqa: E731
    close(mfunc.jvp(f, (m(XA),), (m(XA * 3),)), tfunc.jvp(f, (t(XA),), (t(XA * 3),)))
    close(mfunc.jacfwd(f)(m(XA)), tfunc.jacfwd(f)(t(XA)))
    close(mfunc.linearize(f, m(XA))[1](m(XA * 3)), tfunc.jvp(f, (t(XA),), (t(XA * 3),))[1])


def test_jvp_and_linearize_name_a_primal_that_cannot_be_differentiated():
    # these used to surface as functional's "jvp: input 0 has dtype int64" and "inputs must be a Tensor or a
    # tuple of Tensors, got empty tuple", naming arguments the caller never passed
    with pytest.raises(TypeError, match="jvp: primal 1 has dtype int64; only floating-point primals can be "
                                        "differentiated"):
        mfunc.jvp(lambda x, i: x * i, (m(XA), mg.tensor([1, 2, 3])), (m(XA), mg.tensor([1, 2, 3])))
    with pytest.raises(TypeError, match="linearize: primal 0 has dtype int64"):
        mfunc.linearize(lambda i: i * 2, mg.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match="jvp: Expected primals to contain at least one Tensor"):
        mfunc.jvp(lambda: mg.ones(2), (), ())


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobians_name_the_argument_that_cannot_be_differentiated(transform):
    # it used to be functional's "input 0 has dtype int64", numbered among the differentiated tensors only
    with pytest.raises(TypeError, match=f"{transform}: argument 1: only floating-point Tensors can be "
                                        "differentiated; got dtype int64"):
        getattr(mfunc, transform)(lambda x, i: x * i, argnums=(0, 1))(m(XA), mg.tensor([1, 2, 3]))


def test_vjp_fn_refuses_cotangents_of_another_structure():
    # cotangents were paired with the outputs by position alone: a dict with its keys in another order gave the
    # cotangent of "b" to output "a", a silently wrong product
    _, fn = mfunc.vjp(lambda x: {"a": x * 2, "b": x * 5}, m(XA))
    ones, zeros = m(np.ones(3)), m(np.zeros(3))
    close(fn({"a": zeros, "b": ones}), (torch.full((3,), 5.0, dtype=torch.float64),))
    with pytest.raises(RuntimeError, match=r"vjp_fn: Expected pytree structure of cotangents to be the same as "
                                           r"pytree structure of outputs to the function. cotangents: \{'b': \*, "
                                           r"'a': \*\}, primal output: \{'a': \*, 'b': \*\}"):
        fn({"b": ones, "a": zeros})
    with pytest.raises(RuntimeError, match=r"cotangents: \(\*, \*\), primal output: \{'a': \*, 'b': \*\}"):
        fn((ones, zeros))


def test_a_tensor_requiring_grad_given_twice_gets_each_positions_partial_derivative():
    # such a primal (a parameter, an outer transform's argument) was differentiated itself, once per position:
    # each position's derivative came out as the sum of both
    f = lambda a, b: a * b * b  # noqa: E731
    x, tx = m(XA), t(XA)
    x.requires_grad, tx.requires_grad = True, True
    close(mfunc.jvp(f, (x, x), (m(YA[0]), m(np.zeros(3)))), tfunc.jvp(f, (tx, tx), (t(YA[0]), t(np.zeros(3)))))
    close(mfunc.linearize(f, x, x)[1](m(YA[0]), m(np.zeros(3))), tfunc.jvp(f, (tx, tx), (t(YA[0]), t(np.zeros(3))))[1])
    for transform in ("jacrev", "jacfwd"):
        close(getattr(mfunc, transform)(f, argnums=(0, 1))(x, x), getattr(tfunc, transform)(f, argnums=(0, 1))(tx, tx))
    close(mfunc.grad(lambda x: mfunc.jacrev(f, argnums=(0, 1))(x, x)[0].sum())(m(XA)),
          tfunc.grad(lambda x: tfunc.jacrev(f, argnums=(0, 1))(x, x)[0].sum())(t(XA)))
