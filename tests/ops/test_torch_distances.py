"""PyTorch's distances, chained products, sampled calculus and *_copy functions, checked against torch itself in
float64: cdist (every p, batches, gradient at zero distance), pdist (also F.pdist), chain_matmul, trapezoid/trapz,
cumulative_trapezoid, gradient (spacing, dim, edge_order 1 and 2, and the call NumPy reads differently), and each
*_copy (values, gradients, and that the result owns its memory); the errors.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.nn import functional as F
from torch_agreement import given_dtype, pair, pairs_agree, same, second_derivatives_match

RNG = np.random.default_rng(3030)
INF = float("inf")


T = given_dtype


def r(*shape):
    return RNG.standard_normal(shape)


def both(fn, tfn, *arrays):
    """Values and the gradients of every float input agree with torch's (a random cotangent per output)."""
    return pairs_agree(fn, tfn, arrays, RNG)


# ------------------------------------------------------------------ cdist, pdist
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, INF, 0.0])
@pytest.mark.parametrize("s1,s2", [((3, 2), (4, 2)), ((2, 3, 4), (2, 5, 4)), ((1, 3, 2), (2, 4, 2)), ((3, 3), (2, 1, 3))])
def test_cdist_agrees_with_torch(p, s1, s2):
    mode = "donot_use_mm_for_euclid_dist"   # torch's exact path, the one minigrad always takes
    both(lambda a, b: mg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p, compute_mode=mode), r(*s1), r(*s2))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, INF])
def test_cdist_gradient_at_zero_distance_is_torchs(p):
    a = r(3, 2)
    b = np.concatenate([a[1:2], r(2, 2), a[2:3]])     # rows 1 and 2 of a sit on rows 0 and 3 of b
    both(lambda x, y: mg.cdist(x, y, p), lambda x, y: torch.cdist(x, y, p, compute_mode="donot_use_mm_for_euclid_dist"),
         a, b)
    x, y = T(a).requires_grad_(), T(b).requires_grad_()
    mg.cdist(x, y, p).sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and np.isfinite(y.grad.numpy()).all()


def test_cdist_second_derivative_and_compute_mode():
    # torch's exact cdist has no double backward ("the derivative for '_cdist_backward' is not implemented"); the
    # same distances as vector norms of the differences have one.
    second_derivatives_match(lambda a, b: mg.cdist(a, b), lambda a, b: torch.linalg.vector_norm(
        a[:, None] - b[None], dim=-1), [r(3, 2), r(4, 2)], RNG)
    a, b = r(30, 3), r(28, 3)   # above 25 rows torch's default switches to its matrix-product path for p = 2
    ours = mg.cdist(T(a), T(b), compute_mode="use_mm_for_euclid_dist")
    np.testing.assert_allclose(ours.numpy(), torch.cdist(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-10)
    same(ours, torch.cdist(torch.tensor(a), torch.tensor(b), compute_mode="donot_use_mm_for_euclid_dist"))
    assert mg.cdist(T(r(2, 2), "float32"), T(r(3, 2), "float32")).dtype == np.float32


def test_cdist_errors():
    with pytest.raises(ValueError, match=r"cdist: expects tensors of at least 2 dims .* got shapes \(3,\) and \(4, 3\)"):
        mg.cdist(T(r(3)), T(r(4, 3)))
    with pytest.raises(ValueError, match="same number of features"):
        mg.cdist(T(r(2, 3)), T(r(4, 2)))
    with pytest.raises(ValueError, match="p must be >= 0"):
        mg.cdist(T(r(2, 3)), T(r(4, 3)), -1.0)
    with pytest.raises(ValueError, match="compute_mode must be one of"):
        mg.cdist(T(r(2, 3)), T(r(4, 3)), compute_mode="fast")
    with pytest.raises(ValueError, match="batch dims .* do not broadcast"):
        mg.cdist(T(r(2, 2, 3)), T(r(3, 4, 3)))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, INF, 0.0, 0.7])
@pytest.mark.parametrize("n", [4, 1, 2])
def test_pdist_agrees_with_torch(p, n):
    x = r(n, 3)
    if n == 4:
        x[3] = x[1]   # a zero distance
    if n > 1:
        both(lambda t: mg.pdist(t, p), lambda t: torch.pdist(t, p), x)
        both(lambda t: F.pdist(t, p), lambda t: torch.nn.functional.pdist(t, p), x)
    else:
        same(mg.pdist(T(x), p), torch.pdist(torch.tensor(x), p))


def test_pdist_errors():
    with pytest.raises(ValueError, match=r"pdist: expects a 2-D tensor \(N, M\), got shape \(2, 2, 2\)"):
        mg.pdist(T(r(2, 2, 2)))
    with pytest.raises(TypeError, match="pdist: expects a floating tensor"):
        mg.pdist(T(np.ones((2, 2), dtype=np.int64)))


# ------------------------------------------------------------------ chain_matmul
def test_chain_matmul_agrees_with_torch():
    both(lambda *m: mg.chain_matmul(*m), lambda *m: torch.chain_matmul(*m), r(2, 3), r(3, 5), r(5, 2), r(2, 4))
    both(mg.chain_matmul, torch.chain_matmul, r(2, 3))
    with pytest.raises(ValueError, match="chain_matmul: expects one or more matrices"):
        mg.chain_matmul()
    with pytest.raises(ValueError, match=r"chain_matmul: expects 2-D tensors, tensor 1 has shape \(3,\)"):
        mg.chain_matmul(T(r(2, 3)), T(r(3)))


# ------------------------------------------------------------------ trapezoid, trapz, cumulative_trapezoid
@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("ys,xs,kw", [((3, 4), None, {}), ((3, 4), (4,), {}), ((3, 4), (3, 4), {"dim": 0}),
                                      ((2, 3), None, {"dx": 0.5}), ((4, 3), (4,), {"dim": 0}), ((5,), (5,), {}),
                                      ((3, 4, 2), (3, 1, 1), {"dim": 0}), ((2, 1), None, {"dim": -1})])
def test_trapezoid_family_agrees_with_torch(name, ys, xs, kw):
    if xs is None:
        both(lambda y: getattr(mg, name)(y, **kw), lambda y: getattr(torch, name)(y, **kw), r(*ys))
    else:
        xv = np.sort(r(*xs), axis=kw.get("dim", -1)) if len(xs) > 1 else np.sort(r(*xs))
        both(lambda y, x: getattr(mg, name)(y, x, **kw), lambda y, x: getattr(torch, name)(y, x, **kw), r(*ys), xv)


def test_trapezoid_integers_empty_and_numpy_spelling():
    same(mg.trapezoid(T(np.arange(4))), torch.trapezoid(torch.arange(4)))   # float32, as torch's default float
    same(mg.cumulative_trapezoid(T(np.arange(4))), torch.cumulative_trapezoid(torch.arange(4)))
    same(mg.trapezoid(T(np.ones((3, 0)))), torch.trapezoid(torch.ones(3, 0, dtype=torch.float64)))
    y, x = r(3, 4), np.sort(r(3))
    np.testing.assert_allclose(mg.trapezoid(T(y), T(x), axis=0).numpy(), np.trapezoid(y, x, axis=0), rtol=1e-12)
    np.testing.assert_allclose(mg.trapezoid(T(y), None, 0.5).numpy(), np.trapezoid(y, None, 0.5), rtol=1e-12)
    with pytest.raises(TypeError, match="give x .* or dx .* not both"):
        mg.trapezoid(T(y), T(x), dx=1.0)
    with pytest.raises(TypeError, match="a constant spacing is dx="):
        mg.trapezoid(T(y), 2.0)
    with pytest.raises(ValueError, match="a 1-D x must have y's length 4 along dim 1, got 3"):
        mg.trapezoid(T(y), T(x))
    with pytest.raises(TypeError, match="got both dim= .* and axis="):
        mg.trapezoid(T(y), dim=0, axis=0)


# ------------------------------------------------------------------ gradient
@pytest.mark.parametrize("shape,kw", [
    ((5,), {"dim": 0}), ((4, 3), {}), ((4, 3), {"dim": 1}), ((4, 3), {"dim": (0, 1), "edge_order": 2}),
    ((4, 3), {"spacing": 2.0}), ((4, 3), {"spacing": [2.0, 0.5]}), ((4, 5), {"spacing": (0.5,), "dim": 1}),
    ((5,), {"dim": 0, "edge_order": 2}), ((3, 4, 3), {"dim": [0, 2], "edge_order": 2}),
    ((4, 3), {"coords": True}), ((4, 3), {"coords": True, "edge_order": 2}),
])
def test_gradient_agrees_with_torch(shape, kw):
    kw = dict(kw)
    tkw = dict(kw)
    if kw.pop("coords", False):
        tkw.pop("coords")
        c = [np.cumsum(RNG.uniform(0.3, 1.5, n)) for n in shape]
        kw["spacing"], tkw["spacing"] = [T(v) for v in c], [torch.tensor(v) for v in c]
    both(lambda f: list(mg.gradient(f, **kw)), lambda f: list(torch.gradient(f, **tkw)), r(*shape))


def test_gradient_numpy_call_and_the_asked_one():
    f = r(5)
    np.testing.assert_allclose(mg.gradient(T(f), axis=0).numpy(), np.gradient(f, axis=0), rtol=1e-12)
    np.testing.assert_allclose(mg.gradient(T(f), 0.5).numpy(), np.gradient(f, 0.5), rtol=1e-12)
    coords = np.cumsum(RNG.uniform(0.3, 1.5, 5))
    np.testing.assert_allclose(mg.gradient(T(f), T(coords), edge_order=2).numpy(),
                               np.gradient(f, coords, edge_order=2), rtol=1e-12)
    g = r(3, 4)
    for ours, theirs in zip(mg.gradient(T(g)), np.gradient(g)):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-12)
    with pytest.raises(TypeError, match=r"gradient\(f\) of a 1-D f: PyTorch returns a tuple of one tensor, NumPy the "
                                        "tensor"):
        mg.gradient(T(f))
    with pytest.raises(TypeError, match="give one spelling"):
        mg.gradient(T(g), 0.5, dim=0)
    with pytest.raises(ValueError, match=r"gradient: dim 0 has 2 samples \(shape \(2,\)\); edge_order=2 needs at "
                                         "least 3"):
        mg.gradient(T(r(2)), dim=0, edge_order=2)
    with pytest.raises(ValueError, match="edge_order must be 1 or 2"):
        mg.gradient(T(g), dim=0, edge_order=3)
    with pytest.raises(ValueError, match="2 spacings for 1 dims"):
        mg.gradient(T(g), spacing=[1.0, 2.0], dim=0)
    assert all(t.dtype == np.float32 for t in mg.gradient(T(np.arange(6).reshape(2, 3))))


# ------------------------------------------------------------------ *_copy
COPY_CASES = [
    ("diagonal_copy", (3, 4), (1,)), ("permute_copy", (2, 3, 4), ((2, 0, 1),)), ("transpose_copy", (2, 3, 4), (0, 2)),
    ("t_copy", (2, 3), ()), ("unsqueeze_copy", (2, 3), (-1,)), ("squeeze_copy", (2, 1, 1), ((1, 2),)),
    ("squeeze_copy", (2, 1), (0,)), ("squeeze_copy", (1, 2, 1), ()), ("expand_copy", (1, 3), ((2, 3),)),
    ("view_copy", (2, 3), ((3, 2),)), ("unfold_copy", (2, 5), (1, 2, 1)), ("select_copy", (2, 3), (1, -1)),
    ("slice_copy", (2, 5), (1, -4, 10, 2)), ("slice_copy", (4, 2), ()), ("split_copy", (2, 5), (2, 1)),
    ("split_with_sizes_copy", (5, 2), ([3, 2],)), ("unbind_copy", (2, 3), (1,)), ("narrow_copy", (2, 5), (1, 1, 3)),
    ("alias_copy", (2, 3), ()), ("as_strided_copy", (2, 5), ((4, 3), (2, 1), 1)),
]


@pytest.mark.parametrize("name,shape,args", COPY_CASES)
def test_copies_agree_with_torch_and_own_their_memory(name, shape, args):
    x = r(*shape)
    both(lambda t: getattr(mg, name)(t, *args), lambda t: getattr(torch, name)(t, *args), x)
    src = T(x)
    out = getattr(mg, name)(src, *args)
    for piece in (out if isinstance(out, tuple) else (out,)):
        piece.numpy()[...] = 99.0
    np.testing.assert_array_equal(src.numpy(), x)


def test_detach_copy_and_the_narrow_copy_method():
    x, tx = pair(r(2, 3))
    d = mg.detach_copy(x)
    same(d, torch.detach_copy(tx))
    assert not d.requires_grad
    both(lambda t: t.narrow_copy(1, 1, 2), lambda t: t.narrow_copy(1, 1, 2), r(2, 4))


def test_cdist_inf_shares_a_tie_where_torch_gives_each_tied_coordinate_all_of_it():
    # Deliberate difference (docs/autodiff.md, section 15): p = inf is the largest |difference|, whose gradient
    # minigrad shares among tied coordinates, as torch.dist and torch.amax do; torch's cdist and pdist give each
    # tied coordinate the whole of it, so their gradient is not that of the distance along the tie.
    a, b = np.array([[0.0, 0.0]]), np.array([[1.0, -1.0], [2.0, 0.5]])
    x = T(a).requires_grad_()
    mg.cdist(x, T(b), INF).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[-1.5, 0.5]])
    tx = torch.tensor(a, requires_grad=True)
    torch.cdist(tx, torch.tensor(b), INF, compute_mode="donot_use_mm_for_euclid_dist").sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), [[-2.0, 1.0]])
    ty = torch.tensor(a, requires_grad=True)
    torch.dist(ty, torch.tensor(b[:1]), INF).backward()
    np.testing.assert_array_equal(ty.grad.numpy(), [[-0.5, 0.5]])
