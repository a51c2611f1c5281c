"""PyTorch's writes into slices, checked against torch itself in float64: select, slice_scatter, select_scatter,
diagonal_scatter, index_reduce (prod/mean/amax/amin, include_self, ties and zeros), put (accumulate), sum_to_size,
renorm and dist, as functions and Tensor methods (in-place forms too): values, dtypes, first and second
derivatives, and the errors.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import given_dtype, pair, pairs_agree, same, second_derivatives_match

RNG = np.random.default_rng(2020)
INF = float("inf")


T = given_dtype


def r(*shape):
    return RNG.standard_normal(shape)


def both(fn, tfn, *arrays):
    """Values and the gradients of every float input agree with torch's (a random cotangent per output)."""
    return pairs_agree(fn, tfn, arrays, RNG)


# ------------------------------------------------------------------ select
@pytest.mark.parametrize("shape,dim,index", [((3, 4), 0, 1), ((3, 4), 1, -1), ((2, 3, 4), -2, 2), ((5,), 0, -5)])
def test_select_agrees_with_torch(shape, dim, index):
    both(lambda t: t.select(dim, index), lambda t: t.select(dim, index), r(*shape))


def test_select_is_a_view_and_refuses_bad_positions():
    x = T(np.zeros((2, 3)))
    x.select(1, 2).numpy()[...] = 7.0
    assert x.numpy()[0, 2] == 7.0
    with pytest.raises(IndexError, match=r"select: index 3 is out of range for dim 1 of size 3 \(shape \(2, 3\)\)"):
        x.select(1, 3)
    with pytest.raises(IndexError, match="cannot select from a 0-d tensor"):
        T(np.float64(1.0)).select(0, 0)


# ------------------------------------------------------------------ slice/select/diagonal scatter
@pytest.mark.parametrize("shape,src,kw", [
    ((4, 3), (2, 3), dict(dim=0, start=1, end=3)), ((3, 5), (3, 2), dict(dim=1, start=1, step=2)),
    ((3, 5), (3, 1), dict(dim=-1, start=-2, end=-1)), ((3, 5), (3, 3), dict(dim=1, start=None, end=None, step=2)),
    ((2, 5), (2, 2), dict(dim=1, start=-10, end=2)), ((4, 2), (0, 2), dict(start=3, end=1)),
])
def test_slice_scatter_agrees_with_torch(shape, src, kw):
    both(lambda x, s: mg.slice_scatter(x, s, **kw), lambda x, s: torch.slice_scatter(x, s, **kw), r(*shape), r(*src))
    both(lambda x, s: x.slice_scatter(s, **kw), lambda x, s: x.slice_scatter(s, **kw), r(*shape), r(*src))


@pytest.mark.parametrize("shape,dim,index", [((3, 4), 0, 1), ((3, 4), 1, -1), ((2, 3, 2), 2, 0)])
def test_select_scatter_agrees_with_torch(shape, dim, index):
    src = list(shape)
    del src[dim]
    both(lambda x, s: mg.select_scatter(x, s, dim, index), lambda x, s: torch.select_scatter(x, s, dim, index),
         r(*shape), r(*src))
    both(lambda x, s: x.select_scatter(s, dim, index), lambda x, s: x.select_scatter(s, dim, index),
         r(*shape), r(*src))


@pytest.mark.parametrize("shape,offset,d1,d2", [((3, 4), 0, 0, 1), ((3, 4), 2, 0, 1), ((3, 4), -2, 0, 1),
                                                ((2, 3, 4), 1, 1, 2), ((3, 2, 3), 0, 2, 0), ((4, 3), 0, 1, 0),
                                                ((2, 2), 5, 0, 1)])
def test_diagonal_scatter_agrees_with_torch(shape, offset, d1, d2):
    src = tuple(torch.diagonal(torch.zeros(shape), offset, d1, d2).shape)
    both(lambda x, s: mg.diagonal_scatter(x, s, offset, d1, d2),
         lambda x, s: torch.diagonal_scatter(x, s, offset, d1, d2), r(*shape), r(*src))
    both(lambda x, s: x.diagonal_scatter(s, offset, dim1=d1, dim2=d2),
         lambda x, s: x.diagonal_scatter(s, offset, dim1=d1, dim2=d2), r(*shape), r(*src))


def test_scatters_pass_exactly_zero_over_the_written_slice_and_keep_float32():
    x = T(np.ones((2, 3)), "float64").requires_grad_()
    out = mg.slice_scatter(x, T(np.zeros((2, 1))), 1, 0, 1)
    out.backward(T(np.full((2, 3), np.inf)))
    np.testing.assert_array_equal(x.grad.numpy()[:, 0], [0.0, 0.0])   # inf * 0 would be NaN
    f32 = T(np.ones((3, 3), np.float32))
    assert mg.diagonal_scatter(f32, T(np.zeros(3, np.float32))).dtype == np.float32
    second_derivatives_match(lambda a, b: mg.diagonal_scatter(a * a, b * b, 1),
                             lambda a, b: torch.diagonal_scatter(a * a, b * b, 1), [r(3, 4), r(3)], RNG)


def test_scatter_errors_name_the_op_and_shapes():
    x = T(r(3, 4))
    with pytest.raises(ValueError, match=r"slice_scatter: src has shape \(2, 4\), the slice of the input of shape "
                                         r"\(3, 4\) it replaces has shape \(1, 4\)"):
        mg.slice_scatter(x, T(r(2, 4)), 0, 0, 1)
    with pytest.raises(ValueError, match="step must be a positive int"):
        mg.slice_scatter(x, T(r(3, 4)), step=0)
    with pytest.raises(ValueError, match=r"select_scatter: src has shape \(3,\)"):
        mg.select_scatter(x, T(r(3)), 0, 0)
    with pytest.raises(ValueError, match=r"diagonal_scatter: src has shape \(2,\)"):
        mg.diagonal_scatter(x, T(r(2)))
    with pytest.raises(TypeError, match="source has dtype float32 and the input float64"):
        mg.select_scatter(x, T(np.ones(4, np.float32)), 0, 0)


# ------------------------------------------------------------------ index_reduce
CASES = [
    ((4, 3), 0, [0, 2, 0, 3, 2], (5, 3)),
    ((3, 4), 1, [1, 1, 3], (3, 3)),
    ((2, 3, 2), 2, [1, 1, 1, 0], (2, 3, 4)),
    ((3,), 0, [2, 2], (2,)),
    ((), 0, [0], ()),   # a 0-d input is one element along dim 0, as torch's (it used to be refused)
    ((), -1, 0, ()),
]


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("shape,dim,index,src", CASES)
def test_index_reduce_agrees_with_torch(shape, dim, index, src, reduce, include_self):
    idx = np.array(index)

    def ours(x, s):
        return mg.index_reduce(x, dim, T(idx), s, reduce, include_self=include_self)

    def theirs(x, s):
        return torch.index_reduce(x, dim, torch.tensor(idx), s, reduce, include_self=include_self)

    both(ours, theirs, r(*shape), r(*src))
    both(lambda x, s: x.index_reduce(dim, idx, s, reduce, include_self=include_self),
         lambda x, s: x.index_reduce(dim, torch.tensor(idx), s, reduce, include_self=include_self), r(*shape), r(*src))


@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_prod_is_exact_at_zeros(include_self):
    x = np.array([[0.0, 2.0], [3.0, 0.0], [1.0, 1.0]])
    s = np.array([[1.5, 0.0], [0.0, 0.0], [2.0, -1.0]])
    idx = np.array([0, 1, 0])
    both(lambda a, b: mg.index_reduce(a, 0, idx, b, "prod", include_self=include_self),
         lambda a, b: torch.index_reduce(a, 0, torch.tensor(idx), b, "prod", include_self=include_self), x, s)
    second_derivatives_match(lambda a, b: mg.index_reduce(a, 0, idx, b, "prod", include_self=include_self),
                             lambda a, b: torch.index_reduce(a, 0, torch.tensor(idx), b, "prod",
                                                             include_self=include_self), [x, s], RNG)


def test_index_reduce_amax_ties_share_the_gradient_as_torch():
    x = np.array([[1.0, 5.0], [2.0, 0.0]])
    s = np.array([[1.0, 3.0], [1.0, 5.0], [2.0, 5.0]])   # ties within the source and with x
    idx = np.array([0, 0, 1])
    both(lambda a, b: mg.index_reduce(a, 0, idx, b, "amax"),
         lambda a, b: torch.index_reduce(a, 0, torch.tensor(idx), b, "amax"), x, s)


def test_index_reduce_without_self_shares_a_tie_among_the_values_reduced_only():
    # Deliberate difference (docs/autodiff.md, section 15), as scatter_reduce's: with include_self=False torch also
    # counts the left-out x entry when it equals the result, so its source gradients add up to less than g.
    x = np.array([[1.0, 5.0], [2.0, 0.0]])
    s = np.array([[1.0, 3.0], [1.0, 5.0], [2.0, 5.0]])
    idx = np.array([0, 0, 1])
    a, b = T(x).requires_grad_(), T(s).requires_grad_()
    mg.index_reduce(a, 0, idx, b, "amax", include_self=False).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [[0.5, 0.0], [0.5, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(a.grad.numpy(), [[0.0, 0.0], [0.0, 0.0]])
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(s, requires_grad=True)
    torch.index_reduce(ta, 0, torch.tensor(idx), tb, "amax", include_self=False).sum().backward()
    np.testing.assert_allclose(tb.grad.numpy(), [[1 / 3, 0.0], [1 / 3, 0.5], [0.5, 1.0]])


def test_index_reduce_in_place_and_errors():
    x = T(np.ones((3, 2)))
    out = x.index_reduce_(0, T(np.array([0, 0])), T(np.array([[2.0, 3.0], [4.0, 5.0]])), "prod")
    assert out is x
    np.testing.assert_array_equal(x.numpy(), [[8.0, 15.0], [1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="index_reduce: reduce must be one of 'prod', 'mean', 'amax', 'amin', got "
                                         "reduce='sum'"):
        mg.index_reduce(x, 0, T(np.array([0])), T(np.ones((1, 2))), "sum")
    with pytest.raises(ValueError, match=r"source of shape \(2, 2\) must have the input's shape \(3, 2\) with 1"):
        mg.index_reduce(x, 0, T(np.array([0])), T(np.ones((2, 2))), "mean")
    with pytest.raises(TypeError, match="index must hold integers"):
        mg.index_reduce(x, 0, T(np.array([0.0])), T(np.ones((1, 2))), "mean")
    with pytest.raises(RuntimeError):
        T(np.ones((3, 2))).requires_grad_().index_reduce_(0, T(np.array([0])), T(np.ones((1, 2))), "mean")


# ------------------------------------------------------------------ put
@pytest.mark.parametrize("shape,index,accumulate", [((3, 4), [0, 5, -1], False), ((2, 3), [1, 1, 4], True),
                                                    ((2, 3), [[0, 2]], False), ((4,), [3, -4, 3], True)])
def test_put_agrees_with_torch(shape, index, accumulate):
    idx = np.array(index)
    src = r(*idx.shape)
    both(lambda x, s: mg.put(x, T(idx), s, accumulate), lambda x, s: torch.put(x, torch.tensor(idx), s, accumulate),
         r(*shape), src)
    both(lambda x, s: x.put(idx, s, accumulate=accumulate),
         lambda x, s: x.put(torch.tensor(idx), s, accumulate=accumulate), r(*shape), src)


def test_put_in_place_and_errors():
    x = T(np.zeros((2, 2)))
    assert x.put_(T(np.array([3, 3])), T(np.array([1.0, 2.0])), accumulate=True) is x
    np.testing.assert_array_equal(x.numpy(), [[0.0, 0.0], [0.0, 3.0]])
    # named put, with x's own shape (it used to be index_put's error about a flat (4,) input)
    with pytest.raises(IndexError, match=r"^put: index 4 is out of bounds for the flattened input of size 4 "
                                         r"\(input shape \(2, 2\); indices must be in \[-4, 3\]\)$"):
        mg.put(x, T(np.array([4])), T(np.array([1.0])))
    with pytest.raises(IndexError, match=r"^put: index -5 is out of bounds .* \(input shape \(2, 2\);"):
        x.put_(T(np.array([-5])), T(np.array([1.0])))
    with pytest.raises(ValueError, match=r"put: index has 2 entries \(shape \(2,\)\) and source 1"):
        mg.put(x, T(np.array([0, 1])), T(np.array([1.0])))


# ------------------------------------------------------------------ sum_to_size
@pytest.mark.parametrize("shape,size", [((2, 3), (1, 3)), ((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3, 4), (3, 1)),
                                        ((2, 3), (2, 3)), ((2, 3), ())])
def test_sum_to_size_agrees_with_torch(shape, size):
    both(lambda t: t.sum_to_size(size), lambda t: t.sum_to_size(size), r(*shape))
    if size:
        both(lambda t: t.sum_to_size(*size), lambda t: t.sum_to_size(*size), r(*shape))


def test_sum_to_size_refuses_a_size_that_does_not_expand():
    with pytest.raises(ValueError, match=r"sum_to_size: size \(1, 1, 3\) does not expand to the tensor's shape"):
        T(r(2, 3)).sum_to_size(1, 1, 3)
    with pytest.raises(ValueError, match="does not expand"):
        T(r(2, 3)).sum_to_size(2, 2)


# ------------------------------------------------------------------ renorm, dist
@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 2.5), (1, 1, 3.0), (3, -1, 1.5), (INF, 0, 1.2), (2, 1, 100.0),
                                           (0.5, 0, 4.0)])
def test_renorm_agrees_with_torch(p, dim, maxnorm):
    x = r(3, 4) * 2.0
    both(lambda t: mg.renorm(t, p, dim, maxnorm), lambda t: torch.renorm(t, p, dim, maxnorm), x)
    both(lambda t: t.renorm(p, dim, maxnorm), lambda t: t.renorm(p, dim, maxnorm), r(2, 3, 2))
    second_derivatives_match(lambda t: mg.renorm(t, p, dim, maxnorm), lambda t: torch.renorm(t, p, dim, maxnorm),
                             [x], RNG)


def test_renorm_in_place_and_errors():
    x = T(np.array([[3.0, 4.0], [0.3, 0.4]]))
    assert x.renorm_(2, 0, 1.0) is x
    np.testing.assert_allclose(x.numpy(), [[0.6 * 5 / (5 + 1e-7), 0.8 * 5 / (5 + 1e-7)], [0.3, 0.4]], rtol=1e-12)
    with pytest.raises(ValueError, match="renorm: p must be > 0, got p=0"):
        mg.renorm(x, 0, 0, 1.0)
    with pytest.raises(ValueError, match=r"renorm: the input needs at least 2 dims, got shape \(3,\)"):
        mg.renorm(T(r(3)), 2, 0, 1.0)
    with pytest.raises(ValueError, match="maxnorm must be >= 0"):
        mg.renorm(x, 2, 0, -1.0)


@pytest.mark.parametrize("p", [2, 1, 3.5, INF, 0.5])
def test_dist_agrees_with_torch(p):
    a, b = r(3, 4), r(4)
    b[1] = a[0, 1]   # one zero difference: the gradient there is torch's
    both(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), a, b)
    both(lambda x, y: x.dist(y, p), lambda x, y: x.dist(y, p), a, b)


def test_dist_with_p_zero_counts_and_has_gradient_zero():
    # torch.dist(x, y, 0) counts the differing entries; its backward fails in torch 2.13 ("Expected a proper
    # Tensor but got None"), minigrad's gradient is 0 (the count is a step function).
    a, b = r(3, 4), r(4)
    b[1] = a[0, 1]
    x, y = T(a).requires_grad_(), T(b).requires_grad_()
    d = mg.dist(x, y, 0)
    same(d, torch.dist(torch.tensor(a), torch.tensor(b), 0))
    d.backward()
    assert not x.grad.numpy().any() and not y.grad.numpy().any()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    with pytest.raises(RuntimeError, match="Expected a proper Tensor"):
        torch.dist(tx, ty, 0).backward()


def test_dist_of_equal_tensors_has_gradient_zero_as_torch():
    for p in (2, 1, INF, 3.0):
        both(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"^dist: p must be a number \(inf, -inf, 0 and negative p included\), "
                                         r"got p=nan$"):
        mg.dist(T(r(2)), T(r(2)), float("nan"))


def test_dist_of_negative_order_matches_torch():
    # torch.dist takes p < 0 (vector_norm's (sum |d|^p)^(1/p), 0 when any entry is equal); minigrad refused it
    a, b = np.array([[1.5, 3.0, -2.0], [3.0, 4.0, 0.5]]), np.ones((2, 3))
    for p in (-1, -2.5, -INF):
        both(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), a, b)
        both(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), a, np.array([1.5, 0.0, 0.0]))
