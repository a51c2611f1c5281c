"""PyTorch's joining names and index helpers, checked against torch itself in float64: hstack, vstack, row_stack,
dstack, column_stack, concatenate, block_diag, cartesian_prod, combinations, tensordot (and NumPy's axes), vander,
msort (values, dtypes, gradients); tril_indices/triu_indices (and the call NumPy reads differently),
unravel_index, isin and histogram (values and dtypes); the errors. Section 15 of docs/autodiff.md has the rule.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import pair, same

RNG = np.random.default_rng(1010)


def agree(fn, tfn, *arrays):
    """Outputs (one or a tuple) and every input's gradient under a random cotangent agree with torch's."""
    pairs = [pair(a) for a in arrays]
    ours, theirs = fn(*[p[0] for p in pairs]), tfn(*[p[1] for p in pairs])
    same(ours, theirs)
    cot = RNG.standard_normal(tuple(theirs.shape))
    (ours * T(cot, dtype="float64")).sum().backward()
    (theirs * torch.tensor(cot)).sum().backward()
    for x, tx in pairs:
        same(x.grad, tx.grad)
    return ours


def T(a, dtype=None):
    """A minigrad tensor keeping the array's dtype (mg.tensor makes float64 data float32 by default)."""
    a = np.asarray(a)
    return mg.tensor(a, dtype=dtype or str(a.dtype))


def r(*shape):
    return RNG.standard_normal(shape)


# ------------------------------------------------------------------ stacking
@pytest.mark.parametrize("name,shapes", [
    ("hstack", [(3,), (2,)]), ("hstack", [(2, 3), (2, 1), (2, 2)]), ("hstack", [(), (2,)]),
    ("vstack", [(3,), (2, 3)]), ("vstack", [(2, 2, 2), (1, 2, 2)]), ("vstack", [(), ()]),
    ("row_stack", [(3,), (3,)]),
    ("dstack", [(3,), (3,)]), ("dstack", [(2, 3), (2, 3, 2)]), ("dstack", [(), ()]),
    ("column_stack", [(3,), (3, 2)]), ("column_stack", [(), (1,)]), ("column_stack", [(2, 2, 1), (2, 1, 1)]),
])
def test_stacking_agrees_with_torch(name, shapes):
    arrays = [r(*s) for s in shapes]
    agree(lambda *xs: getattr(mg, name)(xs), lambda *xs: getattr(torch, name)(xs), *arrays)


def test_concatenate_is_cat_and_numpys_axis_none_flattens():
    agree(lambda a, b: mg.concatenate([a, b], axis=1), lambda a, b: torch.concatenate([a, b], axis=1),
          r(2, 3), r(2, 2))
    agree(lambda a, b: mg.concatenate((a, b)), lambda a, b: torch.concatenate((a, b)), r(2, 3), r(1, 3))
    a, b = r(2, 2), r(3)
    np.testing.assert_array_equal(mg.concatenate([T(a), T(b)], axis=None).numpy(),
                                  np.concatenate([a, b], axis=None))



@pytest.mark.parametrize("name", ["concat", "concatenate"])
def test_concat_and_concatenate_take_torchs_dim_keyword(name):
    # torch.concat(tensors, dim=1) and torch.concatenate(tensors, dim=1) were a TypeError (unexpected keyword 'dim')
    agree(lambda a, b: getattr(mg, name)([a, b], dim=1), lambda a, b: getattr(torch, name)([a, b], dim=1),
          r(2, 3), r(2, 2))
    agree(lambda a, b: getattr(mg, name)((a, b), dim=-2), lambda a, b: getattr(torch, name)((a, b), dim=-2),
          r(2, 3), r(1, 3))
    with pytest.raises(TypeError, match=f"{name}: give the axis once"):
        getattr(mg, name)([T(r(2)), T(r(2))], 0, dim=0)


@pytest.mark.parametrize("name,shapes", [
    ("cat", [(2, 3), (1, 3)]), ("concat", [(2, 3), (1, 3)]), ("concatenate", [(2, 3), (1, 3)]),
    ("stack", [(2, 3), (2, 3)]), ("hstack", [(3,), (2,)]), ("vstack", [(3,), (2, 3)]), ("row_stack", [(3,), (3,)]),
    ("dstack", [(2, 3), (2, 3)]), ("column_stack", [(3,), (3, 2)]),
])
def test_joins_write_into_out_as_torch(name, shapes):
    # torch's out= on the joining functions was a TypeError (unexpected keyword 'out')
    arrays = [r(*s) for s in shapes]
    expected = getattr(torch, name)([torch.tensor(a) for a in arrays])
    out, tout = T(np.zeros(tuple(expected.shape))), torch.zeros(tuple(expected.shape), dtype=torch.float64)
    result = getattr(mg, name)([T(a) for a in arrays], out=out)
    assert getattr(torch, name)([torch.tensor(a) for a in arrays], out=tout) is tout
    assert result is out
    same(out, tout)
    out32 = T(np.zeros(tuple(expected.shape), dtype=np.float32))   # the result cast to out's dtype, as torch's
    getattr(mg, name)([T(a) for a in arrays], out=out32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.numpy(), expected.numpy().astype(np.float32))
    with pytest.raises(RuntimeError, match=f"{name}\\(\\): functions with out=... arguments don't support"):
        getattr(mg, name)([T(a).requires_grad_() for a in arrays], out=T(np.zeros(tuple(expected.shape))))


@pytest.mark.parametrize("build", [
    lambda L, x: L.cat([L.tensor([]), x]),                       # out = torch.tensor([]); out = torch.cat([out, x])
    lambda L, x: L.cat([x, L.tensor([]), x], 1),
    lambda L, x: L.cat([L.tensor([]), x], -1),
    lambda L, x: L.cat([L.zeros(0, dtype=L.int64), x, L.tensor([])]),
])
def test_cat_leaves_out_empty_1d_tensors_as_torch(build):
    # torch's legacy rule for the accumulate-into-an-empty-tensor idiom; minigrad refused the shapes as differing
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = build(mg, x), build(torch, tx)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("dim, where", [(0, 0), (1, 1), (-1, 2), (0, 2)])
def test_cat_gives_an_empty_1d_tensor_that_requires_grad_its_empty_gradient_as_torch(dim, where):
    # the empty tensor was left out of the graph, so its gradient was None where torch's is zeros of shape (0,)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    xs = [mg.tensor(a, requires_grad=True), mg.zeros(0, requires_grad=True), mg.tensor(a + 1.0)]
    txs = [torch.tensor(a, requires_grad=True), torch.zeros(0, requires_grad=True), torch.tensor(a + 1.0)]
    xs.insert(where, xs.pop(1))
    txs.insert(where, txs.pop(1))
    ours, theirs = mg.cat(xs, dim), torch.cat(txs, dim)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    for x, tx in zip(xs, txs):
        assert (x.grad is None) == (tx.grad is None)
        if tx.grad is not None:
            assert x.grad.shape == tuple(tx.grad.shape) and x.grad.dtype == np.float32
            np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    empty = xs[where]
    (g,) = mg.grad((mg.cat(xs, dim) ** 2).sum(), [empty], create_graph=True)
    (tg,) = torch.autograd.grad((torch.cat(txs, dim) ** 2).sum(), [txs[where]], create_graph=True)
    assert g.shape == tuple(tg.shape) == (0,)


def test_cat_of_empty_1d_tensors_alone_gives_each_its_gradient():
    a, b = mg.zeros(0, requires_grad=True), mg.ones(3, requires_grad=True)
    ta, tb = torch.zeros(0, requires_grad=True), torch.ones(3, requires_grad=True)
    mg.cat([a, b]).sum().backward()
    torch.cat([ta, tb]).sum().backward()
    assert a.grad.shape == tuple(ta.grad.shape) == (0,) and b.grad.tolist() == tb.grad.tolist()
    s, ts = mg.stack([a, a]), torch.stack([ta, ta])
    assert s.shape == tuple(ts.shape) == (2, 0)


def test_cat_of_integers_and_an_empty_float_tensor_is_float_as_torch():
    ours = mg.cat([mg.tensor([]), mg.tensor([[1, 2]])])
    theirs = torch.cat([torch.tensor([]), torch.tensor([[1, 2]])])
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    assert ours.tolist() == theirs.tolist()


def test_stacking_keeps_float32_and_refuses_bad_input():
    x = T(np.ones((2, 2), dtype=np.float32))
    assert mg.hstack([x, x]).dtype == np.float32 and mg.dstack([x]).shape == (2, 2, 1)
    with pytest.raises(TypeError, match="hstack: expected a list or tuple"):
        mg.hstack(x)
    with pytest.raises(ValueError, match="vstack: shapes"):
        mg.vstack([T(np.ones(3)), T(np.ones(2))])
    with pytest.raises(TypeError, match="column_stack: tensors have different floating dtypes"):
        mg.column_stack([x, T(np.ones((2, 2)))])
    same(mg.hstack([T(np.arange(2)), T(np.ones(2))]), torch.hstack([torch.arange(2), torch.ones(2, dtype=torch.float64)]))


# ------------------------------------------------------------------ block_diag, cartesian_prod, combinations
def test_block_diag_agrees_with_torch():
    agree(lambda *xs: mg.block_diag(*xs), lambda *xs: torch.block_diag(*xs), r(2, 3), r(), r(2), r(1, 2), r(0, 2))
    agree(mg.block_diag, torch.block_diag, r(2, 2))
    same(mg.block_diag(), torch.block_diag())
    ints = mg.block_diag(T(np.ones((2, 2))), T(np.arange(2)))
    same(ints, torch.block_diag(torch.ones(2, 2, dtype=torch.float64), torch.arange(2)))
    same(mg.block_diag(T(np.arange(3))), torch.block_diag(torch.arange(3)))
    with pytest.raises(ValueError, match="block_diag: input tensors must have 2 or fewer dims; tensor 0 has shape"):
        mg.block_diag(T(np.ones((1, 2, 2))))
    with pytest.raises(TypeError, match="block_diag: tensors have different floating dtypes"):
        mg.block_diag(T(np.ones(2, dtype=np.float32)), T(np.ones(2)))


def test_block_diag_with_an_empty_vector_has_the_right_gradient_where_torchs_is_off_by_a_row():
    # An empty 1-D block is a row of width 0 (torch's forward agrees); torch 2.13's backward then gives the block
    # below it the gradient of that empty row, minigrad the gradient of its own row.
    x, tx = pair(np.array([[0.5]]))
    out = mg.block_diag(T(np.zeros(0)), x)
    tout = torch.block_diag(torch.zeros(0, dtype=torch.float64), tx)
    same(out, tout)
    g = np.array([[2.0], [3.0]])
    out.backward(T(g))
    tout.backward(torch.tensor(g))
    assert x.grad.numpy()[0, 0] == 3.0 and tx.grad.numpy()[0, 0] == 2.0


def test_cartesian_prod_agrees_with_torch():
    agree(mg.cartesian_prod, torch.cartesian_prod, r(3), r(2))
    agree(mg.cartesian_prod, torch.cartesian_prod, r(2), r(1), r(3))
    agree(mg.cartesian_prod, torch.cartesian_prod, r(3))
    same(mg.cartesian_prod(T(r(3)), T(r(0))), torch.cartesian_prod(torch.tensor(r(3)),
                                                                                   torch.tensor(r(0))))
    with pytest.raises(ValueError, match="cartesian_prod: expects 1-D tensors, tensor 1 has shape"):
        mg.cartesian_prod(T(r(2)), T(r(2, 2)))


@pytest.mark.parametrize("n,k,rep", [(4, 2, False), (5, 3, False), (4, 2, True), (3, 3, True), (3, 0, False),
                                     (3, 4, False), (1, 2, False), (3, 1, True), (0, 2, False)])
def test_combinations_agree_with_torch(n, k, rep):
    x = r(n)
    if n and k and (rep or k <= n):
        agree(lambda t: mg.combinations(t, k, with_replacement=rep),
              lambda t: torch.combinations(t, k, with_replacement=rep), x)
    else:
        same(mg.combinations(T(x), k, rep), torch.combinations(torch.tensor(x), k, rep))


def test_combinations_keep_integers_and_refuse_bad_input():
    same(mg.combinations(T(np.arange(4)), 3), torch.combinations(torch.arange(4), 3))
    with pytest.raises(ValueError, match="combinations: expects a 1-D tensor, got shape"):
        mg.combinations(T(np.ones((2, 2))))
    with pytest.raises(ValueError, match="r must be a non-negative int"):
        mg.combinations(T(np.ones(3)), -1)


# ------------------------------------------------------------------ tensordot
@pytest.mark.parametrize("shapes,dims", [
    (((2, 3, 4), (3, 4, 2)), 2), (((2, 3), (3, 2)), 1), (((2, 3), (4, 2)), 0), (((2, 3, 2), (3, 2)), ([1, 0], [0, 1])),
    (((2, 3, 4), (4, 2, 3)), [[1, 2], [2, 0]]), (((3,), (3,)), 1), (((2, 3, 4), (4, 3)), ([-1, -2], [0, 1])),
])
def test_tensordot_agrees_with_torch(shapes, dims):
    agree(lambda a, b: mg.tensordot(a, b, dims), lambda a, b: torch.tensordot(a, b, dims), *[r(*s) for s in shapes])
    agree(lambda a, b: mg.tensordot(a, b, dims=dims), lambda a, b: torch.tensordot(a, b, dims=dims),
          *[r(*s) for s in shapes])


def test_tensordot_takes_a_dims_tensor_and_the_default_two():
    a, b = r(2, 3, 4), r(3, 4, 5)
    agree(lambda x, y: mg.tensordot(x, y, T(1)), lambda x, y: torch.tensordot(x, y, torch.tensor(1)),
          r(2, 3), r(3, 2))
    agree(lambda x, y: mg.tensordot(x, y, T([[1], [0]])),
          lambda x, y: torch.tensordot(x, y, torch.tensor([[1], [0]])), r(2, 3), r(3, 2))
    agree(mg.tensordot, torch.tensordot, a, b)


def test_tensordot_keeps_numpys_readings_where_torch_refuses():
    # NumPy's axes=(1, 0) pairs two single axes and axes=-1 contracts nothing; torch refuses both calls, so the
    # NumPy meaning stays (docs/autodiff.md, section 15).
    a, b = r(2, 3), r(3, 2)
    for spec in [(1, 0), -1, [1, 0]]:
        expected = np.tensordot(a, b, spec)
        np.testing.assert_allclose(mg.tensordot(T(a), T(b), spec).numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(mg.tensordot(T(a), T(b), axes=spec).numpy(), expected, rtol=1e-12)
    with pytest.raises(TypeError):
        torch.tensordot(torch.tensor(a), torch.tensor(b), (1, 0))
    with pytest.raises(RuntimeError):
        torch.tensordot(torch.tensor(a), torch.tensor(b), -1)


def test_tensordot_errors():
    a, b = T(r(2, 3)), T(r(4, 2))
    with pytest.raises(ValueError, match=r"tensordot: contracted dims differ in size: dim 1 of a \(2, 3\)"):
        mg.tensordot(a, b, 1)
    with pytest.raises(ValueError, match="cannot contract 3 dims"):
        mg.tensordot(a, b, 3)
    with pytest.raises(TypeError, match="got dims= .* and axes="):
        mg.tensordot(a, b, dims=1, axes=1)
    with pytest.raises(ValueError, match="must pair up"):
        mg.tensordot(a, b, ([0, 1], [0]))
    with pytest.raises(TypeError, match="different floating dtypes"):
        mg.tensordot(a, T(np.ones((3, 2), dtype=np.float32)), 1)


# ------------------------------------------------------------------ vander, msort
def torch_vander(t, n=None, increasing=False):
    """torch.vander's own construction (a running product of x), written out: torch 2.13's vander refuses to
    backward ("modified by an inplace operation"), so its gradient is taken from this."""
    n = t.shape[0] if n is None else n
    ones = torch.ones(t.shape[0], min(n, 1), dtype=t.dtype)
    cols = torch.cat([ones, torch.cumprod(t.unsqueeze(1).expand(-1, max(n - 1, 0)), 1)], 1) if n > 1 else ones
    return cols if increasing else cols.flip(1)


def test_torch_vander_cannot_backward_in_this_torch():
    x = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="inplace operation"):
        torch.vander(x).sum().backward()


@pytest.mark.parametrize("n,increasing", [(None, False), (None, True), (4, False), (2, True), (1, False), (0, True)])
def test_vander_agrees_with_torch_and_numpy(n, increasing):
    x = np.array([0.0, 1.5, -0.5, 2.0])
    same(mg.vander(T(x), n, increasing), torch.vander(torch.tensor(x), n, increasing))
    ours = mg.vander(T(x), n, increasing)
    if n is None or n > 1:   # N = 0 or 1 does not depend on x (ones or nothing): no graph, as in torch
        ours = agree(lambda t: mg.vander(t, n, increasing), lambda t: torch_vander(t, n, increasing), x)
    np.testing.assert_allclose(ours.numpy(), np.vander(x, n, increasing), rtol=1e-15)
    assert mg.vander(T(x), N=n, increasing=increasing).shape == np.vander(x, n).shape


def test_vander_gradient_is_exact_at_zero_and_integers_stay_int64():
    # torch's cumprod gradient at x = 0 is sum_k k 0^(k-1) g_k: g of the x^1 column (x^k / x would be 0/0).
    x, tx = pair(np.array([0.0, 0.0, 2.0]))
    mg.vander(x).sum().backward()
    torch_vander(tx).sum().backward()
    same(x.grad, tx.grad)
    np.testing.assert_array_equal(x.grad.numpy()[:2], [1.0, 1.0])
    same(mg.vander(T(np.arange(3))), torch.vander(torch.arange(3)))
    with pytest.raises(ValueError, match="vander: x must be a 1-D tensor"):
        mg.vander(T(np.ones((2, 2))))
    with pytest.raises(ValueError, match="N must be a non-negative int"):
        mg.vander(T(np.ones(2)), -1)


def test_msort_agrees_with_torch():
    agree(mg.msort, torch.msort, r(4, 3))
    agree(lambda t: t.msort(), lambda t: t.msort(), r(5))
    assert mg.msort(T(np.array([[3, 1], [1, 2]]))).dtype == np.int64


# ------------------------------------------------------------------ tril_indices, triu_indices
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("row,col,offset", [(3, 4, 0), (4, 3, -1), (3, 3, 2), (0, 4, 0), (3, 3, -5), (2, 5, 10)])
def test_triangle_indices_agree_with_torch(name, row, col, offset):
    ours = getattr(mg, name)(row=row, col=col, offset=offset)
    same(ours, getattr(torch, name)(row, col, offset))
    same(getattr(mg, name)(row, col=col), getattr(torch, name)(row, col))
    assert getattr(mg, name)(row=row, col=col, dtype="int32").dtype == np.int32
    # minigrad's own dtypes (numpy.dtype objects) were refused: "dtype must be int64 or int32, got dtype('int32')"
    for dtype in (mg.int32, mg.int64, np.dtype("int32")):
        same(getattr(mg, name)(row=row, col=col, offset=offset, dtype=dtype),
             getattr(torch, name)(row, col, offset, dtype=torch.int32 if dtype == np.int32 else torch.int64))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_triangle_indices_keep_numpys_call_and_ask_where_the_two_differ(name):
    i, j = getattr(mg, name)(4)
    ni, nj = getattr(np, name)(4)
    np.testing.assert_array_equal(i.numpy(), ni)
    np.testing.assert_array_equal(j.numpy(), nj)
    i, j = getattr(mg, name)(3, k=1, m=5)
    ni, nj = getattr(np, name)(3, k=1, m=5)
    np.testing.assert_array_equal(i.numpy(), ni)
    np.testing.assert_array_equal(j.numpy(), nj)
    with pytest.raises(TypeError, match=r"NumPy reads \(n, k, m\) = \(3, 4\).*PyTorch reads \(row, col, offset\)"):
        getattr(mg, name)(3, 4)
    with pytest.raises(TypeError, match="give one spelling"):
        getattr(mg, name)(row=3, k=1)
    with pytest.raises(ValueError, match="row must be a non-negative int"):
        getattr(mg, name)(row=-1, col=3)


# ------------------------------------------------------------------ unravel_index, isin, histogram
def test_unravel_index_agrees_with_torch():
    for idx, shape in [([5, 0, 3], (2, 3)), ([[7, 23], [0, 11]], (2, 3, 4)), (4, (2, 3)), ([5, -1, 7], (2, 3)),
                       ([3], 6), ([], (2, 2))]:
        ours = mg.unravel_index(T(np.array(idx, dtype=np.int64)), shape)
        theirs = torch.unravel_index(torch.tensor(idx, dtype=torch.int64), shape)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
    with pytest.raises(TypeError, match="unravel_index: expected integer indices, got dtype float64"):
        mg.unravel_index(T([1.0], dtype="float64"), (2, 3))


def test_isin_agrees_with_torch():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 2.0, 0.0]])
    t = np.array([2.0, 0.0, 9.0])
    for kw in [{}, {"invert": True}, {"assume_unique": True}]:
        same(mg.isin(T(x), T(t), **kw), torch.isin(torch.tensor(x), torch.tensor(t), **kw))
    same(mg.isin(T(x), 2.0), torch.isin(torch.tensor(x), 2.0))
    same(mg.isin(3.0, T(x)), torch.isin(3.0, torch.tensor(x)))
    same(mg.isin(T(np.arange(5)), T(np.array([1, 3]))), torch.isin(torch.arange(5),
                                                                                    torch.tensor([1, 3])))
    with pytest.raises(TypeError, match="invert must be True or False"):
        mg.isin(T(x), 2.0, invert=1)


@pytest.mark.parametrize("kwargs", [{}, {"range": (-1.0, 2.0)}, {"density": True}, {"weight": True},
                                    {"weight": True, "density": True, "range": (0.0, 1.0)}])
@pytest.mark.parametrize("bins", [5, 1, "edges"])
def test_histogram_agrees_with_torch(bins, kwargs):
    x = np.concatenate([RNG.standard_normal(40), [0.0, 1.0, 2.5]])
    w = RNG.uniform(0.1, 2.0, x.shape)
    kw, tkw = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        kw["weight"], tkw["weight"] = T(w), torch.tensor(w)
    if bins == "edges":
        if "range" in kwargs:
            return
        edges = np.array([-2.0, -0.5, 0.0, 1.0, 2.5])
        b, tb = T(edges), torch.tensor(edges)
    else:
        b, tb = bins, bins
    ours, theirs = mg.histogram(T(x), b, **kw), torch.histogram(torch.tensor(x), tb, **tkw)
    assert type(ours).__name__ == "histogram" and ours._fields == ("hist", "bin_edges")
    same(ours.hist, theirs.hist)
    same(ours.bin_edges, theirs.bin_edges)
    method = T(x).histogram(b, **kw)
    same(method.hist, theirs.hist)


def test_histogram_float32_edges_and_constant_data_match_torch():
    x = RNG.standard_normal(50).astype(np.float32)
    ours, theirs = mg.histogram(T(x), 7), torch.histogram(torch.tensor(x), 7)
    np.testing.assert_array_equal(ours.bin_edges.numpy(), theirs.bin_edges.numpy())
    np.testing.assert_array_equal(ours.hist.numpy(), theirs.hist.numpy())
    assert ours.hist.dtype == np.float32
    ours, theirs = mg.histogram(T(np.ones(3)), 2), torch.histogram(torch.ones(3, dtype=torch.float64), 2)
    same(ours.bin_edges, theirs.bin_edges)
    same(ours.hist, theirs.hist)


def test_histogram_of_no_data_spans_zero_to_one_as_torch():
    # It widened the (0, 0) "range" of no data by 0.5 each way: edges [-0.5, 0, 0.5] for torch's [0, 0.5, 1].
    for dtype, tdtype in (("float32", torch.float32), ("float64", torch.float64)):
        ours, theirs = mg.histogram(mg.zeros(0, dtype=dtype), 2), torch.histogram(torch.zeros(0, dtype=tdtype), 2)
        assert ours.bin_edges.dtype == dtype and ours.bin_edges.tolist() == theirs.bin_edges.tolist() == [0, 0.5, 1]
        assert ours.hist.dtype == dtype and ours.hist.tolist() == theirs.hist.tolist() == [0.0, 0.0]
    ours = mg.histogram(mg.zeros(0), 2, range=(3.0, 3.0))   # an explicit empty range still widens, as torch
    assert ours.bin_edges.tolist() == torch.histogram(torch.zeros(0), 2, range=(3.0, 3.0)).bin_edges.tolist()


def test_histogram_asks_for_bins_and_refuses_integers():
    x = T(np.ones(3))
    with pytest.raises(TypeError, match="NumPy's histogram\\(x\\) uses 10 bins, PyTorch's 100"):
        mg.histogram(x)
    with pytest.raises(TypeError, match="histogram: the input must be floating, got dtype int64"):
        mg.histogram(T(np.arange(3)), 2)
    with pytest.raises(ValueError, match="bins must be a positive int"):
        mg.histogram(x, 0)
    with pytest.raises(ValueError, match="range .* must be finite with min <= max"):
        mg.histogram(x, 2, range=(1.0, 0.0))
