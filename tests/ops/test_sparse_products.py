"""Sparse COO x dense products (minigrad.sparse.mm, spmm, mm, matmul, @) against torch in float64: values, the
gradients of the dense operand and of the sparse values (duplicates, no entries), a sparse leaf's sparse gradient,
a 2-layer GCN trained one step as with torch.sparse.mm, the ONNX export, and the refusals."""
import numpy as np
import onnxruntime as ort
import pytest
import torch

import minigrad as mg
from minigrad.onnx import export

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

RNG = np.random.default_rng(4)
# (3, 4) with the position (1, 2) twice and (0, 3) three times; row 2 and column 1 hold nothing.
INDEX = np.array([[1, 0, 1, 0, 0, 1], [2, 3, 2, 3, 3, 0]], dtype=np.int64)

PRODUCTS = {
    "sparse.mm": (lambda s, d: mg.sparse.mm(s, d), lambda s, d: torch.sparse.mm(s, d)),
    "spmm": (mg.spmm, torch.spmm),
    "mm": (mg.mm, torch.mm),
    "matmul": (mg.matmul, torch.matmul),
    "@": (lambda s, d: s @ d, lambda s, d: s @ d),
    "Tensor.mm": (lambda s, d: s.mm(d), lambda s, d: s.mm(d)),
}


def _grads_of_product(fm, ft, index, values, dense, size):
    """Values of fm/ft and the gradients of <g, product> w.r.t. the values and the dense operand, for both."""
    g = None
    out = []
    for lib, fn in (("mg", fm), ("torch", ft)):
        if lib == "mg":
            v = mg.tensor(values, dtype="float64", requires_grad=True)
            d = mg.tensor(dense, dtype="float64", requires_grad=True)
            y = fn(mg.sparse_coo_tensor(index, v, size), d)
            g = RNG.standard_normal(y.shape)
            y.backward(mg.tensor(g, dtype="float64"))
            out.append((y.numpy(), v.grad.numpy(), d.grad.numpy()))
        else:
            v, d = torch.tensor(values, requires_grad=True), torch.tensor(dense, requires_grad=True)
            y = fn(torch.sparse_coo_tensor(torch.tensor(index), v, size), d)
            y.backward(torch.tensor(g))
            out.append((y.detach().numpy(), v.grad.numpy(), d.grad.numpy()))
    return out


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_and_its_gradients_match_torch(name):
    fm, ft = PRODUCTS[name]
    values, dense = RNG.standard_normal(6), RNG.standard_normal((4, 5))
    (y, gv, gd), (ty, tgv, tgd) = _grads_of_product(fm, ft, INDEX, values, dense, (3, 4))
    assert y.shape == ty.shape == (3, 5) and y.dtype == np.float64
    np.testing.assert_allclose(y, ty, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(gv, tgv, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(gd, tgd, rtol=1e-13, atol=1e-14)
    assert not np.any(y[2]) and not np.any(gd[1])   # an empty row gives zeros; an unused column no gradient


def test_matmul_with_a_vector_matches_torch():
    values, vector = RNG.standard_normal(6), RNG.standard_normal(4)
    (y, gv, gd), (ty, tgv, tgd) = _grads_of_product(mg.matmul, torch.matmul, INDEX, values, vector, (3, 4))
    assert y.shape == ty.shape == (3,)
    for a, b in ((y, ty), (gv, tgv), (gd, tgd)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


def test_product_with_no_entries_is_zero_with_empty_value_gradients():
    index = np.zeros((2, 0), dtype=np.int64)
    (y, gv, gd), (ty, tgv, tgd) = _grads_of_product(*PRODUCTS["sparse.mm"], index, np.zeros(0),
                                                    RNG.standard_normal((4, 2)), (3, 4))
    np.testing.assert_array_equal(y, ty)
    np.testing.assert_array_equal(gd, tgd)
    assert not np.any(y) and gv.shape == tgv.shape == (0,)


def test_product_of_a_transpose_and_of_a_large_random_matrix_match_torch():
    rows, cols = RNG.integers(0, 50, 400), RNG.integers(0, 30, 400)   # many duplicate positions
    index = np.stack([rows, cols])
    values, dense = RNG.standard_normal(400), RNG.standard_normal((50, 7))
    (y, gv, gd), (ty, tgv, tgd) = _grads_of_product(lambda s, d: s.t() @ d, lambda s, d: s.t() @ d, index, values,
                                                    dense, (50, 30))
    for a, b in ((y, ty), (gv, tgv), (gd, tgd)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_sparse_leaf_gradient_is_sparse_at_its_positions_as_torch_sparse_mm():
    values, dense = RNG.standard_normal(6), RNG.standard_normal((4, 2))
    s = mg.sparse_coo_tensor(INDEX, values, (3, 4), dtype=mg.float64, requires_grad=True)
    t = torch.sparse_coo_tensor(torch.tensor(INDEX), torch.tensor(values), (3, 4), requires_grad=True)
    mg.sparse.mm(s, mg.tensor(dense, dtype="float64")).sum().backward()
    torch.sparse.mm(t, torch.tensor(dense)).sum().backward()
    assert s.grad.is_sparse and s.grad.is_coalesced() and t.grad.layout == torch.sparse_coo
    expected = t.grad.coalesce()
    assert s.grad._nnz() == t.grad._nnz() == 3   # the distinct positions
    np.testing.assert_array_equal(s.grad.indices().numpy(), expected.indices().numpy())
    np.testing.assert_allclose(s.grad.values().numpy(), expected.values().numpy(), rtol=1e-14, atol=1e-15)


def test_mm_leaf_gradient_is_torch_dense_gradient_read_at_the_stored_positions():
    """torch.mm gives a sparse leaf the dense gradient g @ d^T; minigrad gives it torch.sparse.mm's sparse one, which
    is that gradient at the stored positions (docs/autodiff.md, "Sparse COO tensors")."""
    values, dense = RNG.standard_normal(6), RNG.standard_normal((4, 2))
    s = mg.sparse_coo_tensor(INDEX, values, (3, 4), dtype=mg.float64, requires_grad=True)
    t = torch.sparse_coo_tensor(torch.tensor(INDEX), torch.tensor(values), (3, 4), requires_grad=True)
    mg.mm(s, mg.tensor(dense, dtype="float64")).sum().backward()
    torch.mm(t, torch.tensor(dense)).sum().backward()
    assert t.grad.layout == torch.strided and s.grad.is_sparse
    mask = s.to_dense().detach().numpy() != 0
    np.testing.assert_allclose(s.grad.to_dense().numpy(), np.where(mask, t.grad.numpy(), 0.0), rtol=1e-14)


def test_float32_product_stays_float32():
    s = mg.sparse_coo_tensor(INDEX, mg.tensor(RNG.standard_normal(6).astype(np.float32)), (3, 4))
    d = mg.tensor(RNG.standard_normal((4, 2)).astype(np.float32), requires_grad=True)
    y = mg.sparse.mm(s, d)
    y.sum().backward()
    assert y.dtype == np.float32 and d.grad.dtype == np.float32


def _normalized_adjacency(n, edges):
    """D^-1/2 (A + I) D^-1/2 of an undirected graph, as a (2, nnz) index and values (GCN's propagation matrix)."""
    a = np.eye(n)
    a[edges[0], edges[1]] = a[edges[1], edges[0]] = 1.0
    d = 1.0 / np.sqrt(a.sum(axis=1))
    rows, cols = np.nonzero(a)
    return np.stack([rows, cols]), d[rows] * a[rows, cols] * d[cols]


def test_two_layer_gcn_forward_and_backward_match_torch_sparse_mm():
    n, features, hidden, classes = 12, 5, 8, 3
    edges = RNG.integers(0, n, (2, 20))
    index, adj_values = _normalized_adjacency(n, edges)
    x, w1, w2 = RNG.standard_normal((n, features)), RNG.standard_normal((features, hidden)) * 0.5, \
        RNG.standard_normal((hidden, classes)) * 0.5
    labels = RNG.integers(0, classes, n)

    def run(lib):
        if lib is mg:
            leaves = [mg.tensor(a, dtype="float64", requires_grad=True) for a in (adj_values, x, w1, w2)]
            a, xs, p1, p2 = leaves
            adj = mg.sparse_coo_tensor(index, a, (n, n))
            h = mg.relu(mg.sparse.mm(adj, xs @ p1))
            logits = mg.sparse.mm(adj, h @ p2)
            loss = mg.nn.functional.cross_entropy(logits, mg.tensor(labels))
        else:
            leaves = [torch.tensor(a, requires_grad=True) for a in (adj_values, x, w1, w2)]
            a, xs, p1, p2 = leaves
            adj = torch.sparse_coo_tensor(torch.tensor(index), a, (n, n))
            h = torch.relu(torch.sparse.mm(adj, xs @ p1))
            logits = torch.sparse.mm(adj, h @ p2)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
        loss.backward()
        return [float(loss.item())] + [leaf.grad.numpy() for leaf in leaves] + [logits.detach().numpy()]

    got, expected = run(mg), run(torch)
    assert abs(got[0] - expected[0]) <= 1e-13 * abs(expected[0])
    for a, b, what in zip(got[1:], expected[1:], ("adjacency values", "x", "w1", "w2", "logits")):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13, err_msg=what)


def test_onnx_export_of_a_sparse_propagation_matches_onnx_runtime(tmp_path):
    index, values = _normalized_adjacency(6, RNG.integers(0, 6, (2, 7)))
    adj = mg.sparse_coo_tensor(index, values.astype(np.float32), (6, 6))
    w = mg.tensor(RNG.standard_normal((4, 3)).astype(np.float32))

    def layer(x):
        return mg.relu(mg.sparse.mm(adj, x @ w))

    x = RNG.standard_normal((6, 4)).astype(np.float32)
    path = tmp_path / "gcn.onnx"
    export(layer, mg.tensor(x), path, opset=17, dynamic_batch=False)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, layer(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def _sparse(shape=(3, 4), index=INDEX):
    return mg.sparse_coo_tensor(index, np.ones(index.shape[1]), shape)


@pytest.mark.parametrize("call,error,match", [
    (lambda: mg.sparse.mm(_sparse(), _sparse((4, 2), np.array([[0], [1]]))), NotImplementedError,
     r"sparse.mm: sparse x sparse products are not supported \(got sparse_coo \(3, 4\) \(nnz=6\) and sparse_coo "
     r"\(4, 2\) \(nnz=1\)\)"),
    (lambda: mg.ones(2, 3) @ _sparse(), NotImplementedError,
     r"matmul: got strided \(2, 3\) and sparse_coo \(3, 4\); minigrad multiplies a sparse left operand"),
    (lambda: mg.mm(mg.ones(2, 3), _sparse()), NotImplementedError, r"mm: got strided \(2, 3\) and sparse_coo"),
    (lambda: mg.sparse.mm(_sparse((2, 3, 4), np.array([[0], [1], [2]])), mg.ones(4, 2)), ValueError,
     r"sparse.mm: the sparse operand must be a 2-D matrix \(sparse_dim 2, no dense dims\), got sparse_coo "
     r"\(2, 3, 4\)"),
    (lambda: mg.sparse.mm(mg.sparse_coo_tensor(INDEX, np.ones((6, 2)), (3, 4, 2)), mg.ones(4, 2)), ValueError,
     "sparse_dim 2 and dense_dim 1"),
    (lambda: mg.sparse.mm(_sparse(), mg.ones(2, 4, 2)), ValueError,
     r"sparse.mm: expects a 2-D \(k, n\) dense right operand .* got sparse_coo \(3, 4\) \(nnz=6\) and strided "
     r"\(2, 4, 2\)"),
    (lambda: _sparse() @ mg.ones(5, 2), ValueError, r"matmul: shapes do not match: .* \(4 != 5\)"),
    (lambda: mg.sparse.mm(_sparse(), mg.ones(4, 2, dtype=mg.float64)), TypeError,
     "sparse.mm: operands have different dtypes"),
    (lambda: mg.sparse.mm(mg.ones(3, 4), mg.ones(4, 2)), TypeError,
     r"sparse.mm: expects a sparse COO tensor as its first argument, got strided \(3, 4\)"),
])
def test_unsupported_products_are_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()
