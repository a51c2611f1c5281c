"""minigrad.sparse.sum, softmax and log_softmax against torch.sparse's in float64: values, which results are sparse
and which dense, and the gradients that reach the sparse values (duplicate positions, empty rows, no entries)."""
import numpy as np
import pytest
import torch

import minigrad as mg

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

RNG = np.random.default_rng(11)
# (3, 4): (0, 1) twice, row 2 holds one entry, column 3 none.
INDEX = np.array([[0, 1, 0, 2, 1, 0], [1, 0, 1, 2, 2, 0]], dtype=np.int64)


def _run(fm, ft, values, size=(3, 4), index=INDEX):
    """fm/ft applied to the same sparse tensor; each result as (is_sparse, indices or None, values or dense array)
    and the gradient of <w, result's values> w.r.t. the sparse values."""
    out = []
    w = None
    for lib in ("mg", "torch"):
        if lib == "mg":
            v = mg.tensor(values, dtype="float64", requires_grad=True)
            r = fm(mg.sparse_coo_tensor(index, v, size))
            part = r.values() if r.is_sparse else r   # a sparse result is coalesced (torch's are too)
            w = RNG.standard_normal(part.shape)
            (part * mg.tensor(w, dtype="float64")).sum().backward()
            out.append((r.is_sparse, r.indices().numpy() if r.is_sparse else None, part.detach().numpy(),
                        v.grad.numpy()))
        else:
            v = torch.tensor(values, requires_grad=True)
            r = ft(torch.sparse_coo_tensor(torch.tensor(index), v, size))
            part = r.coalesce().values() if r.is_sparse else r
            (part * torch.tensor(w)).sum().backward()
            out.append((r.is_sparse, r.coalesce().indices().numpy() if r.is_sparse else None, part.detach().numpy(),
                        v.grad.numpy()))
    return out


def _agree(got, expected, rtol=1e-13):
    assert got[0] is expected[0]
    if got[0]:
        np.testing.assert_array_equal(got[1], expected[1])
    assert got[2].shape == expected[2].shape
    np.testing.assert_allclose(got[2], expected[2], rtol=rtol, atol=1e-14)
    np.testing.assert_allclose(got[3], expected[3], rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (1, 0)])
def test_sum_matches_torch(dim):
    fm = (lambda s: mg.sparse.sum(s)) if dim is None else (lambda s: mg.sparse.sum(s, dim))
    ft = (lambda s: torch.sparse.sum(s)) if dim is None else (lambda s: torch.sparse.sum(s, dim))
    _agree(*_run(fm, ft, RNG.standard_normal(6)))


@pytest.mark.parametrize("dim", [0, 2, (1, 2), (0, 1)])
def test_sum_of_a_hybrid_tensor_matches_torch(dim):
    values = RNG.standard_normal((6, 2))
    _agree(*_run(lambda s: mg.sparse.sum(s, dim), lambda s: torch.sparse.sum(s, dim), values, size=(3, 4, 2)))


def test_tensor_sum_method_is_sparse_sum():
    s = mg.sparse_coo_tensor(INDEX, np.arange(6.0), (3, 4), dtype=mg.float64)
    assert s.sum().item() == 15.0
    np.testing.assert_array_equal(s.sum(0).to_dense().numpy(), s.to_dense().numpy().sum(0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_matches_torch(name, dim):
    """torch 2.x's sparse softmax backward mishandles a negative dim: its gradient for dim=-1 differs from its own
    for dim=1 and from the dense softmax over the stored entries (test_softmax_gradient_is_the_dense_one), while its
    values agree. So torch is asked for the same dim written non-negative; the values for -1 are compared as given."""
    fm, ft = getattr(mg.sparse, name), getattr(torch.sparse, name)
    _agree(*_run(lambda s: fm(s, dim), lambda s: ft(s, dim % 2), RNG.standard_normal(6)))
    values = RNG.standard_normal(6)
    got = fm(mg.sparse_coo_tensor(INDEX, values, (3, 4), dtype=mg.float64), dim)
    expected = ft(torch.sparse_coo_tensor(torch.tensor(INDEX), torch.tensor(values), (3, 4)), dim).coalesce()
    np.testing.assert_allclose(got.values().numpy(), expected.values().numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_gradient_is_the_dense_one(dim):
    """The softmax of the dense tensor with -inf at the missing positions, read at the stored ones (torch, dense)."""
    values, w = RNG.standard_normal(6), RNG.standard_normal(5)
    v = mg.tensor(values, dtype="float64", requires_grad=True)
    (mg.sparse.softmax(mg.sparse_coo_tensor(INDEX, v, (3, 4)), dim).values() * mg.tensor(w, dtype="float64")
     ).sum().backward()
    vt = torch.tensor(values, requires_grad=True)
    dense = torch.sparse_coo_tensor(torch.tensor(INDEX), vt, (3, 4)).to_dense()
    stored = torch.zeros(3, 4, dtype=torch.bool)
    stored[tuple(torch.tensor(INDEX))] = True
    full = torch.softmax(torch.where(stored, dense, torch.tensor(-np.inf, dtype=torch.float64)), dim)
    (full[stored] * torch.tensor(w)).sum().backward()   # row-major, the coalesced order
    np.testing.assert_allclose(v.grad.numpy(), vt.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_large_values(name):
    values = np.array([1000.0, -1000.0, 999.0, 800.0, 1e4, -5.0])
    fm, ft = getattr(mg.sparse, name), getattr(torch.sparse, name)
    got, expected = _run(lambda s: fm(s, 1), lambda s: ft(s, 1), values)
    assert np.all(np.isfinite(got[2])) and np.all(np.isfinite(got[3]))
    _agree(got, expected)


def test_softmax_of_a_sparse_vector_and_of_no_entries():
    index = np.array([[3, 0, 5]])
    _agree(*_run(lambda s: mg.sparse.softmax(s, 0), lambda s: torch.sparse.softmax(s, 0), RNG.standard_normal(3),
                 size=(6,), index=index))
    empty = mg.sparse_coo_tensor(np.zeros((2, 0), dtype=np.int64), np.zeros(0), (2, 3))
    out = mg.sparse.softmax(empty, 1)
    assert out.is_sparse and out._nnz() == 0 and out.shape == (2, 3)


def test_softmax_of_a_hybrid_tensor_is_refused():
    s = mg.sparse_coo_tensor(INDEX, np.ones((6, 2)), (3, 4, 2))
    with pytest.raises(NotImplementedError, match=r"sparse.softmax: hybrid sparse tensors .* got sparse_coo "
                                                  r"\(3, 4, 2\) \(nnz=6\) with dense_dim 1"):
        mg.sparse.softmax(s, 1)


def test_bad_dims_are_refused_with_the_value():
    s = mg.sparse_coo_tensor(INDEX, np.ones(6), (3, 4))
    with pytest.raises(IndexError, match="sparse.sum: dim 2 is out of range for a sparse tensor of 2 dims"):
        mg.sparse.sum(s, 2)
    with pytest.raises(TypeError, match="sparse.softmax: dim must be an int, got 'x'"):
        mg.sparse.softmax(s, "x")
