"""minigrad.sparse_coo_tensor and the SparseCOOTensor type against torch's sparse COO tensors in float64: attributes,
coalesce, to_dense, t, Tensor.to_sparse, the gradients that reach the values, the printed form, and the refusals."""
import numpy as np
import pytest
import torch

import minigrad as mg

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

# Unsorted, with the position (1, 2) three times and (0, 3) twice.
INDEX = np.array([[1, 0, 1, 2, 0, 1, 2], [2, 3, 2, 0, 3, 2, 1]], dtype=np.int64)
VALUES = np.array([1.5, -2.0, 0.25, 3.0, 4.0, -1.0, 0.5])


def _both(index=INDEX, values=VALUES, size=(3, 4), requires_grad=False):
    """The same sparse tensor in minigrad and torch, and their values (leaves that require grad if asked)."""
    vs = mg.tensor(values, dtype="float64", requires_grad=requires_grad)
    vt = torch.tensor(values, requires_grad=requires_grad)
    return mg.sparse_coo_tensor(index, vs, size), torch.sparse_coo_tensor(torch.tensor(index), vt, size), vs, vt


def test_attributes_match_torch():
    s, t, vs, vt = _both()
    assert s.shape == tuple(t.shape) == (3, 4)
    assert s.size() == tuple(t.size()) and s.size(1) == t.size(1) == 4 and s.size(-2) == 3
    assert s._nnz() == t._nnz() == 7
    assert (s.sparse_dim(), s.dense_dim(), s.ndim, s.dim()) == (t.sparse_dim(), t.dense_dim(), 2, 2)
    assert s.is_coalesced() is t.is_coalesced() is False
    assert s.is_sparse is True and s.layout is mg.sparse_coo and str(s.layout) == "sparse_coo"
    assert s.dtype == np.float64 and s.device == "cpu"
    np.testing.assert_array_equal(s._indices().numpy(), t._indices().numpy())
    np.testing.assert_array_equal(s._values().numpy(), t._values().detach().numpy())


def test_dense_tensors_report_the_strided_layout():
    x = mg.tensor([[1.0, 0.0]])
    assert x.layout is mg.strided and x.is_sparse is False and x.to_dense() is x
    assert mg.strided is not mg.sparse_coo and repr(mg.sparse_coo) == "minigrad.sparse_coo"


def test_size_is_inferred_from_the_largest_index_and_the_values():
    index = np.array([[0, 4], [2, 1]])
    s = mg.sparse_coo_tensor(index, np.ones((2, 3)))
    t = torch.sparse_coo_tensor(torch.tensor(index), torch.ones(2, 3))
    assert s.shape == tuple(t.shape) == (5, 3, 3)
    assert (s.sparse_dim(), s.dense_dim()) == (2, 1)
    assert s.dtype == mg.get_default_dtype()   # float data takes the default float, as torch's


def test_coalesce_sorts_and_sums_duplicates_as_torch():
    s, t, vs, vt = _both()
    c, tc = s.coalesce(), t.coalesce()
    assert c.is_coalesced() and c._nnz() == tc._nnz() == 4
    np.testing.assert_array_equal(c.indices().numpy(), tc.indices().numpy())
    np.testing.assert_allclose(c.values().numpy(), tc.values().numpy(), rtol=1e-15, atol=0)
    assert c.coalesce() is c


def test_coalesce_of_hybrid_values_sums_whole_blocks():
    values = np.arange(14.0).reshape(7, 2)
    s, t, vs, vt = _both(values=values, size=(3, 4, 2))
    c, tc = s.coalesce(), t.coalesce()
    np.testing.assert_array_equal(c.indices().numpy(), tc.indices().numpy())
    np.testing.assert_array_equal(c.values().numpy(), tc.values().numpy())


def test_coalesce_gradient_gives_each_duplicate_its_position_gradient():
    s, t, vs, vt = _both(requires_grad=True)
    w = np.array([0.5, -1.0, 2.0, 3.0])
    (s.coalesce().values() * mg.tensor(w, dtype="float64")).sum().backward()
    (t.coalesce().values() * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(vs.grad.numpy(), vt.grad.numpy())


@pytest.mark.parametrize("values,size", [(VALUES, (3, 4)), (np.arange(21.0).reshape(7, 3) - 5, (3, 4, 3))])
def test_to_dense_matches_torch_with_its_gradient(values, size):
    s, t, vs, vt = _both(values=values, size=size, requires_grad=True)
    ds, dt = s.to_dense(), t.to_dense()
    assert ds.shape == tuple(dt.shape) and ds.dtype == np.float64
    np.testing.assert_allclose(ds.numpy(), dt.detach().numpy(), rtol=1e-15, atol=0)
    g = np.random.default_rng(0).standard_normal(size)
    ds.backward(mg.tensor(g, dtype="float64"))
    dt.backward(torch.tensor(g))
    np.testing.assert_array_equal(vs.grad.numpy(), vt.grad.numpy())


def test_empty_sparse_tensor():
    index = np.zeros((2, 0), dtype=np.int64)
    s, t, vs, vt = _both(index=index, values=np.zeros(0), size=(2, 3), requires_grad=True)
    assert s._nnz() == t._nnz() == 0 and s.is_coalesced() is t.is_coalesced() is True
    np.testing.assert_array_equal(s.to_dense().numpy(), t.to_dense().detach().numpy())
    s.to_dense().sum().backward()
    assert vs.grad.shape == (0,)
    inferred = mg.sparse_coo_tensor(index, np.zeros(0))
    assert inferred.shape == tuple(torch.sparse_coo_tensor(torch.tensor(index), torch.zeros(0)).shape) == (0, 0)


def test_transpose_matches_torch():
    s, t, vs, vt = _both(requires_grad=True)
    st, tt = s.t(), t.t()
    assert st.shape == tuple(tt.shape) == (4, 3) and st.is_coalesced() is tt.is_coalesced() is False
    np.testing.assert_array_equal(st._indices().numpy(), tt._indices().numpy())
    np.testing.assert_array_equal(st.to_dense().numpy(), tt.to_dense().detach().numpy())
    w = np.arange(12.0).reshape(4, 3)
    (st.to_dense() * mg.tensor(w, dtype="float64")).sum().backward()
    (tt.to_dense() * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(vs.grad.numpy(), vt.grad.numpy())


@pytest.mark.parametrize("sparse_dim", [None, 1])
def test_to_sparse_of_a_dense_tensor_matches_torch(sparse_dim):
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0], [0.0, 0.0, 0.0]])
    x = mg.tensor(a, dtype="float64", requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    s = x.to_sparse() if sparse_dim is None else x.to_sparse(sparse_dim)
    t = xt.to_sparse() if sparse_dim is None else xt.to_sparse(sparse_dim)
    assert s.is_coalesced() is t.is_coalesced() is True and s.shape == tuple(t.shape)
    np.testing.assert_array_equal(s.indices().numpy(), t.indices().numpy())
    np.testing.assert_array_equal(s.values().numpy(), t.values().detach().numpy())
    w = np.arange(1.0, 1.0 + s.values().numpy().size).reshape(s.values().shape)
    (s.values() * mg.tensor(w, dtype="float64")).sum().backward()
    (t.values() * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_float32_values_stay_float32():
    s = mg.sparse_coo_tensor(INDEX, mg.tensor(VALUES.astype(np.float32)), (3, 4))
    assert s.dtype == np.float32 and s.to_dense().dtype == np.float32 and s.coalesce().dtype == np.float32
    assert mg.sparse_coo_tensor(INDEX, VALUES, (3, 4), dtype=mg.float64).dtype == np.float64


def test_to_converts_the_values_and_keeps_the_entries():
    s = mg.sparse_coo_tensor(INDEX, mg.tensor(VALUES.astype(np.float32), requires_grad=True), (3, 4))
    assert s.to("cpu") is s and s.float() is s
    d = s.double()
    assert d.dtype == np.float64 and d.shape == s.shape and not d.is_coalesced()
    np.testing.assert_array_equal(d._indices().numpy(), INDEX)
    np.testing.assert_array_equal(d.to_dense().numpy(), s.to_dense().numpy().astype(np.float64))
    d.to_dense().sum().backward()   # through the cast, back to the float32 values
    assert s._values().grad.dtype == np.float32 and np.all(s._values().grad.numpy() == 1.0)


def test_uncoalesced_indices_and_values_are_refused_as_torch():
    s, _, _, _ = _both()
    with pytest.raises(RuntimeError, match="indices: cannot get indices on an uncoalesced"):
        s.indices()
    with pytest.raises(RuntimeError, match="values: cannot get values on an uncoalesced"):
        s.values()


def test_repr_shows_indices_values_size_nnz_and_layout():
    s, _, _, _ = _both(requires_grad=True)
    text = repr(s)
    assert text.startswith("tensor(indices=tensor([[1, 0, 1, 2, 0, 1, 2],")
    assert "values=tensor([ 1.5 , -2.  ,  0.25,  3.  ,  4.  , -1.  ,  0.5 ], dtype=float64)" in text
    assert "size=(3, 4), nnz=7, dtype=float64, layout=sparse_coo" in text
    assert text.endswith("requires_grad=True)")
    assert "grad_fn=<" in repr(s.coalesce())


def test_leaf_made_with_requires_grad():
    s = mg.sparse_coo_tensor(INDEX, VALUES, (3, 4), requires_grad=True)
    assert s.requires_grad and s.is_leaf and s.grad is None
    s.to_dense().sum().backward()
    assert s.grad.is_sparse and s.grad.is_coalesced() and s.grad._nnz() == 4
    np.testing.assert_array_equal(s.grad.to_dense().numpy(), (s.to_dense().numpy() != 0) * 1.0)
    s.grad = None
    assert s.grad is None
    v = mg.tensor(VALUES, dtype="float64", requires_grad=True)
    made = mg.sparse_coo_tensor(INDEX, v, (3, 4))   # from values that require grad: not a leaf, as torch's
    made.to_dense().sum().backward()
    assert not made.is_leaf and made.grad is None and v.grad is not None


@pytest.mark.parametrize("index,values,size,error,match", [
    ([[0, -1], [1, 1]], [1.0, 2.0], (2, 2), ValueError, "found negative index -1 for dim 0"),
    ([[0, 2], [1, 1]], [1.0, 2.0], (2, 2), ValueError, "for dim 0, size is 2 but found index 2"),
    ([[0, 1], [1, 1]], [1.0, 2.0, 3.0], (2, 2), ValueError, r"give 2 entries but values \(3,\) give 3"),
    ([[0.0, 1.0], [1.0, 1.0]], [1.0, 2.0], (2, 2), TypeError, "indices must be integers"),
    ([0, 1], [1.0, 2.0], (2,), ValueError, r"indices must be 2-D \(sparse_dim, nnz\), got shape \(2,\)"),
    ([[0, 1], [1, 1]], [1.0, 2.0], (2, 2, 2), ValueError, r"size \(2, 2, 2\) does not fit"),
])
def test_bad_construction_is_refused_with_the_value(index, values, size, error, match):
    with pytest.raises(error, match=match):
        mg.sparse_coo_tensor(index, values, size)


@pytest.mark.parametrize("op,name", [
    (lambda s: s + 1.0, "add"), (lambda s: 2.0 * s, "mul"), (lambda s: s - s, "sub"), (lambda s: -s, "neg"),
    (lambda s: s / 2.0, "div"), (lambda s: s ** 2, "pow")])
def test_elementwise_ops_on_a_sparse_tensor_are_refused_by_name(op, name):
    s, _, _, _ = _both()
    with pytest.raises(NotImplementedError, match=rf"^{name}: elementwise ops on sparse COO tensors are not "
                                                  r"supported \(got sparse_coo \(3, 4\) \(nnz=7\)"):
        op(s)


def test_dense_ops_handed_a_sparse_tensor_name_the_op_and_the_layout():
    s, _, _, _ = _both()
    x = mg.ones(3, 4, dtype=mg.float64)
    with pytest.raises(NotImplementedError, match=r"^add: got strided \(3, 4\) and sparse_coo \(3, 4\)"):
        x + s
    # A unary op converts its operand before its node runs; the refusal then names the layout (the traceback the op).
    with pytest.raises(TypeError, match=r"a sparse COO tensor \(sparse_coo \(3, 4\) \(nnz=7\)\) cannot be an "
                                        "operand of a dense op"):
        mg.exp(s)


def test_csr_is_refused():
    with pytest.raises(NotImplementedError, match="sparse_csr_tensor: minigrad has no CSR layout"):
        mg.sparse_csr_tensor([0, 1], [0], [1.0], (1, 1))
    s, _, _, _ = _both()
    with pytest.raises(NotImplementedError, match="to_sparse_csr: minigrad has no CSR layout"):
        s.to_sparse_csr()
    with pytest.raises(NotImplementedError, match="to_sparse: minigrad supports the sparse_coo layout only"):
        mg.ones(2, 2).to_sparse(layout=mg.strided)
