"""PyTorch's shape names, checked against torch itself in float64: flips and rolls, diagonals, narrowing and
moving dims, splits, repeat_interleave, sliding windows (Tensor.unfold), broadcasting helpers, and their
errors; values, dtypes, gradients, and whether a result shares memory with its input where torch's does.
The rule for names NumPy has too is docs/autodiff.md, section 15.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import pair, same

RNG = np.random.default_rng(23)
X = RNG.standard_normal((3, 4, 5))
M = RNG.standard_normal((4, 6))


def outputs(y):
    return list(y) if isinstance(y, (tuple, list)) else [y]


def agree(fn, tfn, *arrays):
    """fn and tfn give the same outputs (one or a tuple) and the same gradients for a random cotangent."""
    pairs = [pair(a) for a in arrays]
    ours, theirs = outputs(fn(*[p[0] for p in pairs])), outputs(tfn(*[p[1] for p in pairs]))
    assert len(ours) == len(theirs)
    total, ttotal = 0.0, 0.0
    for o, t in zip(ours, theirs):
        same(o, t)
        cot = RNG.standard_normal(tuple(t.shape))
        total = total + (o * mg.tensor(cot, dtype="float64")).sum()
        ttotal = ttotal + (t * torch.tensor(cot)).sum()
    total.backward()
    ttotal.backward()
    for (x, tx) in pairs:
        same(x.grad, tx.grad)
    return ours


def second_order(fn, tfn, array):
    """The gradient under create_graph and the gradient of <u, gradient> agree with torch's."""
    x, tx = pair(array)
    y, ty = fn(x), tfn(tx)
    cot = RNG.standard_normal(tuple(ty.shape))
    (gx,) = mg.grad((y * mg.tensor(cot, dtype="float64") * y).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((ty * torch.tensor(cot) * ty).sum(), [tx], create_graph=True)
    same(gx, gt)
    u = RNG.standard_normal(array.shape)
    (hx,) = mg.grad((gx * mg.tensor(u, dtype="float64")).sum(), [x])
    (ht,) = torch.autograd.grad((gt * torch.tensor(u)).sum(), [tx])
    same(hx, ht)


def errors_alike(call, tcall, error, message):
    """Both libraries refuse; ours with ``error`` and a message naming what is wrong."""
    with pytest.raises(Exception):
        tcall()
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------ flip, fliplr, flipud, roll, rot90
@pytest.mark.parametrize("dims", [(0,), (2,), (-1,), (0, 2), (1, -1, 0), ()])
def test_flip_matches_torch(dims):
    agree(lambda x: mg.flip(x, dims), lambda t: torch.flip(t, dims), X)
    if dims:   # torch's x.flip() needs dims; ours flips every dim, as numpy.flip (below)
        agree(lambda x: x.flip(*dims), lambda t: t.flip(*dims), X)
    agree(lambda x: mg.flip(x, axis=dims), lambda t: torch.flip(t, dims), X)   # NumPy's keyword, same meaning


def test_flip_is_a_copy_and_numpys_default_flips_every_dim():
    x, tx = pair(M, requires_grad=False)
    y = mg.flip(x, (0,))
    y[0, 0] = 100.0
    assert x.numpy()[-1, 0] == M[-1, 0]                       # torch.flip copies; so does ours
    np.testing.assert_array_equal(mg.flip(x).numpy(), np.flip(M))   # no dims: numpy.flip's every dim
    same(mg.flip(mg.tensor(2.5, dtype="float64"), ()), torch.flip(torch.tensor(2.5, dtype=torch.float64), ()))


def test_fliplr_flipud_match_torch():
    agree(mg.fliplr, torch.fliplr, X)
    agree(mg.flipud, torch.flipud, X)
    agree(lambda x: x.flipud(), lambda t: t.flipud(), M[0])
    errors_alike(lambda: mg.fliplr(mg.tensor(M[0])), lambda: torch.fliplr(torch.tensor(M[0])), ValueError, "2 dims")
    errors_alike(lambda: mg.flipud(mg.tensor(1.0)), lambda: torch.flipud(torch.tensor(1.0)), ValueError, "1 dim")


@pytest.mark.parametrize("shifts,dims", [(1, 0), (-2, 1), (7, -1), ((1, 2), (0, 2)), ((1, -3), (2, 2)),
                                         (3, None), (-13, None)])
def test_roll_matches_torch(shifts, dims):
    agree(lambda x: mg.roll(x, shifts, dims), lambda t: torch.roll(t, shifts, dims), X)
    agree(lambda x: x.roll(shifts, dims), lambda t: t.roll(shifts, dims), X)
    np.testing.assert_array_equal(mg.roll(mg.tensor(X), shift=shifts, axis=dims).numpy(),
                                  np.roll(X, shifts, dims).astype("float32"))


def test_roll_numpy_readings_where_torch_refuses_and_errors():
    x = mg.tensor(M, dtype="float64")
    for shift, axis in ((1, (0, 1)), ((1, 2), None)):      # torch refuses both; NumPy's meaning
        with pytest.raises(RuntimeError):
            torch.roll(torch.tensor(M), shift, axis)
        np.testing.assert_array_equal(mg.roll(x, shift, axis).numpy(), np.roll(M, shift, axis))
    errors_alike(lambda: mg.roll(x, (1, 2, 3), (0, 1)), lambda: torch.roll(torch.tensor(M), (1, 2, 3), (0, 1)),
                 ValueError, "one shift per dim")
    errors_alike(lambda: mg.roll(x, 1, 2), lambda: torch.roll(torch.tensor(M), 1, 2), ValueError, "out of range")
    with pytest.raises(TypeError, match="both shifts=1 and shift=1"):
        mg.roll(x, 1, shift=1)
    with pytest.raises(TypeError, match="shifts must be an int"):
        mg.roll(x, 1.5)


@pytest.mark.parametrize("k,dims", [(1, (0, 1)), (2, (0, 1)), (3, (1, 2)), (-1, (0, 2)), (0, (2, 0)), (5, (-1, -2))])
def test_rot90_matches_torch(k, dims):
    agree(lambda x: mg.rot90(x, k, dims), lambda t: torch.rot90(t, k, dims), X)
    np.testing.assert_array_equal(mg.rot90(mg.tensor(X, dtype="float64"), k, axes=dims).numpy(),
                                  np.rot90(X, k, dims))
    second_order(lambda x: x.rot90(k, dims), lambda t: t.rot90(k, dims), X)


def test_rot90_errors():
    x, tx = pair(M, requires_grad=False)
    errors_alike(lambda: mg.rot90(x, 1, (0, 0)), lambda: torch.rot90(tx, 1, (0, 0)), ValueError, "repeat")
    errors_alike(lambda: mg.rot90(x, 1, (0,)), lambda: torch.rot90(tx, 1, (0,)), ValueError, "two dims")
    errors_alike(lambda: mg.rot90(x[0]), lambda: torch.rot90(tx[0]), ValueError, "at least 2 dims")


# ------------------------------------------------------------------ narrow, unbind, movedim, swapaxes, unflatten, ravel
@pytest.mark.parametrize("dim,start,length", [(0, 1, 2), (2, 0, 5), (-1, -3, 2), (1, 4, 0), (1, -4, 4)])
def test_narrow_matches_torch_and_is_a_view(dim, start, length):
    agree(lambda x: mg.narrow(x, dim, start, length), lambda t: torch.narrow(t, dim, start, length), X)
    x = mg.tensor(X, dtype="float64")
    y = x.narrow(dim, start, length)
    assert np.shares_memory(y.numpy(), x.numpy()) or y.size == 0


def test_narrow_errors():
    x, tx = pair(M, requires_grad=False)
    errors_alike(lambda: x.narrow(0, 3, 2), lambda: tx.narrow(0, 3, 2), ValueError, "exceeds")
    errors_alike(lambda: x.narrow(1, -7, 1), lambda: tx.narrow(1, -7, 1), IndexError, "out of range")
    errors_alike(lambda: x.narrow(2, 0, 1), lambda: tx.narrow(2, 0, 1), ValueError, "out of range")
    errors_alike(lambda: x.narrow(0, 0, -1), lambda: tx.narrow(0, 0, -1), ValueError, "length")
    same(x.narrow(0, mg.tensor(1), 2), tx.narrow(0, torch.tensor(1), 2))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_matches_torch(dim):
    agree(lambda x: mg.unbind(x, dim), lambda t: torch.unbind(t, dim), X)
    x = mg.tensor(X, dtype="float64")
    assert all(np.shares_memory(y.numpy(), x.numpy()) for y in x.unbind(dim))   # views, as torch's


def test_unbind_of_a_vector_gives_0d_views_that_write_into_it_as_torchs():
    # x[t] of a 1-D array is a NumPy scalar, so each slice was a 0-d copy: a.fill_(5) left x as it was
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        a, b, _ = x.unbind()
        a.fill_(5.0)
        b.mul_(10.0)
        return x.tolist()

    assert run(mg) == run(torch) == [5.0, 20.0, 3.0]


def test_unbind_of_one_slice_and_some_slices_unused():
    agree(lambda x: mg.unbind(x, 0), lambda t: torch.unbind(t, 0), X[:1])
    agree(lambda x: mg.unbind(x, 1)[2], lambda t: torch.unbind(t, 1)[2], X)
    errors_alike(lambda: mg.unbind(mg.tensor(1.0)), lambda: torch.unbind(torch.tensor(1.0)), ValueError, "0-d")


@pytest.mark.parametrize("src,dst", [(0, 2), (-1, 0), ((0, 1), (2, 0)), ((2, 0), (0, 1)), (1, 1)])
def test_movedim_and_moveaxis_match_torch(src, dst):
    agree(lambda x: mg.movedim(x, src, dst), lambda t: torch.movedim(t, src, dst), X)
    agree(lambda x: x.moveaxis(src, dst), lambda t: t.moveaxis(src, dst), X)
    np.testing.assert_array_equal(mg.moveaxis(mg.tensor(X, dtype="float64"), src, dst).numpy(),
                                  np.moveaxis(X, src, dst))


def test_movedim_errors():
    x, tx = pair(X, requires_grad=False)
    errors_alike(lambda: x.movedim((0, 1), (1,)), lambda: tx.movedim((0, 1), (1,)), ValueError, "same number")
    errors_alike(lambda: x.movedim((0, 0), (1, 2)), lambda: tx.movedim((0, 0), (1, 2)), ValueError, "repeat")
    errors_alike(lambda: x.movedim(3, 0), lambda: tx.movedim(3, 0), ValueError, "out of range")


@pytest.mark.parametrize("a,b", [(0, 2), (-1, 1), (1, 1)])
def test_swapaxes_and_swapdims_match_torch_and_numpy(a, b):
    agree(lambda x: mg.swapaxes(x, a, b), lambda t: torch.swapaxes(t, a, b), X)
    agree(lambda x: x.swapdims(a, b), lambda t: t.swapdims(a, b), X)
    agree(lambda x: mg.swapdims(x, dim0=a, dim1=b), lambda t: torch.swapdims(t, dim0=a, dim1=b), X)
    agree(lambda x: mg.swapaxes(x, axis0=a, axis1=b), lambda t: torch.swapaxes(t, axis0=a, axis1=b), X)
    np.testing.assert_array_equal(mg.swapaxes(mg.tensor(X, dtype="float64"), axis1=a, axis2=b).numpy(),
                                  np.swapaxes(X, axis1=a, axis2=b))
    with pytest.raises(TypeError, match="two dims"):
        mg.swapaxes(mg.tensor(X), 0)


@pytest.mark.parametrize("dim,sizes", [(1, (2, 2)), (-1, (5, 1)), (0, (-1, 1)), (2, [1, -1])])
def test_unflatten_and_ravel_match_torch(dim, sizes):
    agree(lambda x: mg.unflatten(x, dim, sizes), lambda t: torch.unflatten(t, dim, sizes), X)
    agree(lambda x: x.ravel(), lambda t: t.ravel(), X)
    x, tx = pair(X, requires_grad=False)
    errors_alike(lambda: x.unflatten(1, (3, 2)), lambda: tx.unflatten(1, (3, 2)), ValueError, "multiply")
    errors_alike(lambda: x.unflatten(1, (-1, -1)), lambda: tx.unflatten(1, (-1, -1)), ValueError, "multiply")


def test_expand_as_view_as_reshape_as_type_as():
    y = mg.tensor(np.zeros((2, 4, 5)))
    agree(lambda x: x.expand_as(y), lambda t: t.expand_as(torch.zeros(2, 4, 5)), X[:1, :, :])
    agree(lambda x: x.view_as(mg.tensor(np.zeros((12, 5)))), lambda t: t.view_as(torch.zeros(12, 5)), X)
    agree(lambda x: x.reshape_as(mg.tensor(np.zeros(60))), lambda t: t.reshape_as(torch.zeros(60)), X)
    x = mg.tensor(M, dtype="float64", requires_grad=True)
    assert x.type_as(mg.tensor([1.0])).dtype == np.float32 and x.type_as(mg.tensor([1])).dtype == np.int64
    x.type_as(mg.tensor([1.0])).sum().backward()
    assert x.grad.dtype == np.float64 and np.all(x.grad.numpy() == 1.0)


# ------------------------------------------------------------------ diagonals
@pytest.mark.parametrize("offset,d1,d2", [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (2, 1, 2), (-1, 2, 0), (0, -1, -3),
                                          (7, 0, 1)])
def test_diagonal_matches_torch_and_numpy(offset, d1, d2):
    agree(lambda x: mg.diagonal(x, offset, d1, d2), lambda t: torch.diagonal(t, offset, d1, d2), X)
    agree(lambda x: x.diagonal(offset, dim1=d1, dim2=d2), lambda t: t.diagonal(offset, dim1=d1, dim2=d2), X)
    np.testing.assert_array_equal(mg.diagonal(mg.tensor(X, dtype="float64"), offset, axis1=d1, axis2=d2).numpy(),
                                  np.diagonal(X, offset, axis1=d1, axis2=d2))
    second_order(lambda x: x.diagonal(offset, d1, d2), lambda t: t.diagonal(offset, d1, d2), X)


def test_diagonal_is_a_writable_view_as_torchs():
    x, tx = pair(M.copy(), requires_grad=False)
    d, td = x.diagonal(1), tx.diagonal(1)
    d[0] = 50.0
    td[0] = 50.0
    same(x, tx)


@pytest.mark.parametrize("offset,d1,d2", [(0, -2, -1), (1, 0, 2), (-2, 2, 0), (0, 1, 3)])
def test_diag_embed_matches_torch(offset, d1, d2):
    agree(lambda x: mg.diag_embed(x, offset, d1, d2), lambda t: torch.diag_embed(t, offset, d1, d2), X)
    second_order(lambda x: x.diag_embed(offset, d1, d2), lambda t: t.diag_embed(offset, d1, d2), X)


@pytest.mark.parametrize("k", [0, 1, -2, 5])
def test_diag_and_diagflat_match_torch_and_numpy(k):
    agree(lambda x: mg.diag(x, k), lambda t: torch.diag(t, k), M[0])           # 1-D -> 2-D
    agree(lambda x: mg.diag(x, k), lambda t: torch.diag(t, k), M)              # 2-D -> 1-D
    agree(lambda x: x.diagflat(k), lambda t: t.diagflat(k), M[:2, :3])
    for a in (M[0], M):
        np.testing.assert_array_equal(mg.diag(mg.tensor(a, dtype="float64"), k=k).numpy(), np.diag(a, k=k))
    np.testing.assert_array_equal(mg.diagflat(mg.tensor(M, dtype="float64"), k=k).numpy(), np.diagflat(M, k=k))
    errors_alike(lambda: mg.diag(mg.tensor(X)), lambda: torch.diag(torch.tensor(X)), ValueError, "1-D or 2-D")


def test_trace_matches_torch_and_keeps_numpys_extra_arguments():
    agree(mg.trace, torch.trace, M)
    agree(lambda x: x.trace(), lambda t: t.trace(), M.T)
    i = np.arange(12, dtype=np.int32).reshape(3, 4)
    same(mg.trace(mg.tensor(i)), torch.trace(torch.tensor(i)))                  # int64, as torch's
    a = mg.tensor(X, dtype="float64")
    np.testing.assert_allclose(mg.trace(a, 1, 1, 2).numpy(), np.trace(X, 1, 1, 2), rtol=1e-12)
    errors_alike(lambda: mg.trace(mg.tensor(M[0])), lambda: torch.trace(torch.tensor(M[0])), ValueError, "matrix")


def test_diagonal_errors_and_spellings():
    x = mg.tensor(X)
    with pytest.raises(TypeError, match="both dim1=0 and axis1=0"):
        mg.diagonal(x, 0, 0, 1, axis1=0)
    errors_alike(lambda: x.diagonal(0, 1, 1), lambda: torch.tensor(X).diagonal(0, 1, 1), ValueError, "repeat")
    errors_alike(lambda: mg.diagonal(x[0, 0]), lambda: torch.diagonal(torch.tensor(X)[0, 0]), ValueError, "2 dims")
    errors_alike(lambda: mg.diag_embed(x, 0, 0, 0), lambda: torch.diag_embed(torch.tensor(X), 0, 0, 0),
                 ValueError, "repeat")


# ------------------------------------------------------------------ splits
@pytest.mark.parametrize("spec,dim", [(3, 1), (2, 0), (5, -1), (7, 2), ([1, 3], 1), ([3, 1], 2), ([0, -1], 1),
                                      ((2,), 0), ([], 1)])
def test_tensor_split_matches_torch_and_array_split(spec, dim):
    agree(lambda x: mg.tensor_split(x, spec, dim), lambda t: torch.tensor_split(t, spec, dim), X)
    agree(lambda x: x.tensor_split(spec, dim=dim), lambda t: t.tensor_split(spec, dim=dim), X)
    for ours, theirs in zip(mg.tensor_split(mg.tensor(X, dtype="float64"), spec, axis=dim),
                            np.array_split(X, spec, axis=dim)):
        np.testing.assert_array_equal(ours.numpy(), theirs)


def test_tensor_split_takes_an_integer_tensor_and_refuses_bad_sections():
    agree(lambda x: mg.tensor_split(x, mg.tensor([1, 3]), 1), lambda t: torch.tensor_split(t, torch.tensor([1, 3]), 1),
          X)
    agree(lambda x: mg.tensor_split(x, mg.tensor(2), 1), lambda t: torch.tensor_split(t, torch.tensor(2), 1), X)
    x, tx = pair(X, requires_grad=False)
    errors_alike(lambda: mg.tensor_split(x, 0), lambda: torch.tensor_split(tx, 0), ValueError, "positive")
    errors_alike(lambda: mg.tensor_split(x, 2.0), lambda: torch.tensor_split(tx, 2.0), TypeError, "int")


@pytest.mark.parametrize("name,array,spec", [("hsplit", X, 2), ("hsplit", M[0], 3), ("hsplit", M, [1, 4]),
                                             ("vsplit", M, 2), ("vsplit", X, [2]), ("dsplit", X, 5),
                                             ("dsplit", X, [1, 1, 3])])
def test_h_v_dsplit_match_torch_and_numpy(name, array, spec):
    agree(lambda x: getattr(mg, name)(x, spec), lambda t: getattr(torch, name)(t, spec), array)
    for ours, theirs in zip(getattr(mg.tensor(array, dtype="float64"), name)(spec), getattr(np, name)(array, spec)):
        np.testing.assert_array_equal(ours.numpy(), theirs)


def test_h_v_dsplit_errors():
    errors_alike(lambda: mg.hsplit(mg.tensor(X), 3), lambda: torch.hsplit(torch.tensor(X), 3), ValueError, "equal")
    errors_alike(lambda: mg.vsplit(mg.tensor(M[0]), 2), lambda: torch.vsplit(torch.tensor(M[0]), 2), ValueError,
                 "at least 2 dims")
    errors_alike(lambda: mg.dsplit(mg.tensor(M), 2), lambda: torch.dsplit(torch.tensor(M), 2), ValueError,
                 "at least 3 dims")


def test_split_with_sizes_matches_torch():
    agree(lambda x: x.split_with_sizes([1, 2, 2], 2), lambda t: t.split_with_sizes([1, 2, 2], 2), X)
    agree(lambda x: mg.split_with_sizes(x, [4], dim=-2), lambda t: torch.split_with_sizes(t, [4], dim=-2), X)
    errors_alike(lambda: mg.split_with_sizes(mg.tensor(X), [1, 2], 2),
                 lambda: torch.split_with_sizes(torch.tensor(X), [1, 2], 2), ValueError, "add up")


# ------------------------------------------------------------------ repeat_interleave
@pytest.mark.parametrize("repeats,dim", [(2, 0), (3, -1), (1, 1), (0, 1), (2, None),
                                         ("t", 1), ("t1", 2), ("t0", 0)])
def test_repeat_interleave_matches_torch_and_numpy_repeat(repeats, dim):
    counts = {"t": [2, 0, 1, 3], "t1": [4], "t0": 3}.get(repeats, repeats)
    ours = (mg.tensor(counts) if isinstance(repeats, str) else counts)
    theirs = (torch.tensor(counts) if isinstance(repeats, str) else counts)
    agree(lambda x: mg.repeat_interleave(x, ours, dim), lambda t: torch.repeat_interleave(t, theirs, dim), X)
    agree(lambda x: x.repeat_interleave(ours, dim=dim), lambda t: t.repeat_interleave(theirs, dim=dim), X)
    np.testing.assert_array_equal(mg.repeat_interleave(mg.tensor(X, dtype="float64"), counts, axis=dim).numpy(),
                                  np.repeat(X, counts, axis=dim))


def test_repeat_interleave_one_argument_form_output_size_and_errors():
    same(mg.repeat_interleave(mg.tensor([1, 0, 3])), torch.repeat_interleave(torch.tensor([1, 0, 3])))
    same(mg.repeat_interleave(mg.tensor(M, dtype="float64"), 2, 0, output_size=8),
         torch.repeat_interleave(torch.tensor(M), 2, 0, output_size=8))
    with pytest.raises(ValueError, match="output_size=7"):
        mg.repeat_interleave(mg.tensor(M), 2, 0, output_size=7)
    x, tx = pair(M, requires_grad=False)
    errors_alike(lambda: mg.repeat_interleave(x, -1), lambda: torch.repeat_interleave(tx, -1), ValueError, ">= 0")
    errors_alike(lambda: mg.repeat_interleave(x, mg.tensor([1, 2]), 0),
                 lambda: torch.repeat_interleave(tx, torch.tensor([1, 2]), 0), ValueError, "one int per element")
    errors_alike(lambda: mg.repeat_interleave(x, mg.tensor([1, -1, 1, 1]), 0),
                 lambda: torch.repeat_interleave(tx, torch.tensor([1, -1, 1, 1]), 0), ValueError, ">= 0")


# ------------------------------------------------------------------ Tensor.unfold
@pytest.mark.parametrize("dim,size,step", [(2, 2, 1), (2, 3, 2), (1, 4, 1), (0, 1, 5), (-1, 5, 3), (1, 2, 2),
                                           (2, 0, 2)])
def test_unfold_matches_torch(dim, size, step):
    agree(lambda x: x.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), X)
    second_order(lambda x: x.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), X)


def test_unfold_of_0d_and_errors():
    same(mg.tensor(2.0, dtype="float64").unfold(0, 1, 1), torch.tensor(2.0, dtype=torch.float64).unfold(0, 1, 1))
    x, tx = pair(M, requires_grad=False)
    errors_alike(lambda: x.unfold(1, 7, 1), lambda: tx.unfold(1, 7, 1), ValueError, "does not fit")
    errors_alike(lambda: x.unfold(1, 2, 0), lambda: tx.unfold(1, 2, 0), ValueError, "step must be positive")
    errors_alike(lambda: x.unfold(2, 2, 1), lambda: tx.unfold(2, 2, 1), ValueError, "out of range")


# ------------------------------------------------------------------ broadcast_tensors, meshgrid, atleast_nd
def test_broadcast_tensors_matches_torch():
    agree(lambda a, b, c: mg.broadcast_tensors(a, b, c), lambda a, b, c: torch.broadcast_tensors(a, b, c),
          X[:, :1, :], M[:, :1], RNG.standard_normal(5))
    errors_alike(lambda: mg.broadcast_tensors(mg.tensor(X), mg.tensor(M)),
                 lambda: torch.broadcast_tensors(torch.tensor(X), torch.tensor(M)), ValueError, "do not broadcast")


@pytest.mark.parametrize("shape", [(2, -1, 4, -1), (-1, 5, -1), (-1, -1, -1)])
def test_broadcast_to_keeps_a_size_given_as_minus_1_as_torch(shape):
    # -1 (torch's "keep this dim") was refused as a shape NumPy cannot broadcast to
    agree(lambda a: mg.broadcast_to(a, shape), lambda a: torch.broadcast_to(a, shape), X[:, :1, :])
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast a tensor of shape \(3, 1, 5\) to shape "
                                         r"\(-1, 3, 1, 5\) \(-1 keeps the size of one of its dims"):
        mg.broadcast_to(mg.tensor(X[:, :1, :]), (-1, 3, 1, 5))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch_and_numpy(indexing):
    a, b, c = RNG.standard_normal(3), RNG.standard_normal(4), RNG.standard_normal(2)
    agree(lambda *xs: mg.meshgrid(*xs, indexing=indexing), lambda *ts: torch.meshgrid(*ts, indexing=indexing), a, b, c)
    agree(lambda *xs: mg.meshgrid(list(xs), indexing=indexing), lambda *ts: torch.meshgrid(list(ts), indexing=indexing),
          a, b)
    for ours, theirs in zip(mg.meshgrid(mg.tensor(a, dtype="float64"), mg.tensor(b, dtype="float64"),
                                        indexing=indexing), np.meshgrid(a, b, indexing=indexing)):
        np.testing.assert_array_equal(ours.numpy(), theirs)


def test_meshgrid_without_indexing_reads_two_ways_and_is_refused():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0, 5.0])
    with pytest.raises(TypeError, match="NumPy's meshgrid uses indexing='xy'.*PyTorch's indexing='ij'"):
        mg.meshgrid(a, b)
    (only,) = mg.meshgrid(a)                                  # one input: both read it alike
    assert only.shape == (2,)
    with pytest.raises(ValueError, match="'ij' or 'xy'"):
        mg.meshgrid(a, b, indexing="xx")


@pytest.mark.parametrize("n", [1, 2, 3])
def test_atleast_nd_match_torch(n):
    name = f"atleast_{n}d"
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        array = RNG.standard_normal(shape)
        agree(getattr(mg, name), getattr(torch, name), array)
        assert getattr(mg, name)(mg.tensor(array)).shape == getattr(np, name)(array).shape
    agree(lambda a, b: getattr(mg, name)(a, b), lambda a, b: getattr(torch, name)(a, b), M[0], M)
    with pytest.raises(TypeError, match="reads two ways"):
        getattr(mg, name)([mg.tensor(1.0), mg.tensor(2.0)])


@pytest.mark.parametrize("size,step", [(3, 2), (2, 1), (2, 3)], ids=["overlapping", "stride 1", "with gaps"])
def test_unfold_gives_a_view_as_torch(size, step):
    # it was a copy: a write into x did not reach the windows, nor one into a window x
    x, tx = pair(M.copy(), requires_grad=False)
    w, tw = x.unfold(1, size, step), tx.unfold(1, size, step)
    assert w.data_ptr() == x.data_ptr() and tw.data_ptr() == tx.data_ptr()
    assert w.stride() == tw.stride() and w.is_contiguous() == tw.is_contiguous()
    x[0, 2], tx[0, 2] = 7.0, 7.0          # the last entry of window 0 and, where windows overlap, the first of 1
    x[1:].mul_(-2.0)
    tx[1:].mul_(-2.0)
    same(w, tw)
    w[2, 1, 0], tw[2, 1, 0] = -5.0, -5.0   # x[2, step]
    w[3].zero_()
    tw[3].zero_()
    same(x, tx)
    same(w, tw)


@pytest.mark.parametrize("size,step", [(3, 2), (2, 3)])
def test_unfold_passes_gradcheck_and_gradgradcheck(size, step):
    x = mg.tensor(M, dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: t.unfold(1, size, step), (x,))
    assert mg.autograd.gradgradcheck(lambda t: t.unfold(1, size, step), (x,))


@pytest.mark.parametrize("build", [
    lambda L, x: L.broadcast_tensors(x[:1], L.zeros(4, 6, dtype=L.float64)),
    lambda L, x: L.broadcast_tensors(x[:, 0].unsqueeze(1), x),
    lambda L, x: L.meshgrid(x[0], x[:3, 1], indexing="ij"),
    lambda L, x: L.meshgrid(x[0], x[:3, 1], x[1, :2], indexing="xy"),
])
def test_broadcast_tensors_and_meshgrid_give_views_as_torch(build):
    """torch's results are expanded views of the inputs: a later write into an input shows in them, and a write
    into one that repeats entries is refused. minigrad's were filled copies that kept the old values."""
    x, tx = pair(M.copy(), requires_grad=False)
    ours, theirs = build(mg, x), build(torch, tx)
    x.mul_(-2.0)
    tx.mul_(-2.0)
    for o, t in zip(ours, theirs):
        same(o, t)
        if 0 in t.stride():
            with pytest.raises(RuntimeError):
                t.add_(1.0)
            with pytest.raises(RuntimeError, match="read-only"):
                o.add_(1.0)
    agree(lambda x: build(mg, x), lambda t: build(torch, t), M)


def test_mT_and_mH_swap_the_last_two_dims_as_torch_and_refuse_fewer_than_two():
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    mine, theirs = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(mine.mT.data, theirs.mT.detach().numpy())
    np.testing.assert_array_equal(mine.mH.data, theirs.mH.detach().numpy())
    g = np.random.default_rng(5).standard_normal((2, 4, 3))
    (mine.mT * mg.tensor(g, dtype="float64")).sum().backward()
    (theirs.mT * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(mine.grad.data, theirs.grad.numpy())
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices or batches of matrices. Got 1-D"):
        mg.tensor([1.0, 2.0]).mT
    with pytest.raises(RuntimeError, match="only supported on matrices or batches of matrices"):
        torch.tensor([1.0, 2.0]).mT


def test_torchs_keywords_flip_dims_and_squeeze_dim_are_taken_with_torchs_meaning():
    """x.flip(dims=...) and squeeze(x, dim=...) are torch's spellings (they were refused with a TypeError); squeeze's
    dim= is torch's squeeze, where a named dim of another length stays (NumPy's axis= refuses it)."""
    x, tx = pair(X)
    same(x.flip(dims=(0, 2)), tx.flip(dims=(0, 2)))
    same(x.flip(dims=[-1]), tx.flip(dims=[-1]))
    y, ty = pair(RNG.standard_normal((3, 1, 4, 1)))
    for dim in (1, -1, (1, 3), 0, (0, 1)):
        same(mg.squeeze(y, dim=dim), torch.squeeze(ty, dim=dim))
        same(y.squeeze(dim=dim), ty.squeeze(dim=dim))
    ours, theirs = y.squeeze(dim=(0, 1)), ty.squeeze(dim=(0, 1))
    (ours * mg.tensor(np.arange(12.0).reshape(3, 4, 1), dtype="float64")).sum().backward()
    (theirs * torch.arange(12.0, dtype=torch.float64).reshape(3, 4, 1)).sum().backward()
    same(y.grad, ty.grad)
    with pytest.raises(ValueError, match=r"^squeeze: axis 0 has length 3, not 1"):
        mg.squeeze(y, axis=0)   # NumPy's keeps its refusal
    with pytest.raises(TypeError, match=r"^squeeze: got both axis=1 and dim=1; give one"):
        mg.squeeze(y, 1, dim=1)
    with pytest.raises(TypeError, match=r"^flip: got both"):
        x.flip(0, dims=(0,))


def test_squeeze_of_a_dim_longer_than_one_by_position_names_torchs_dim_keyword():
    """x.squeeze(0) is NumPy's refusal for a dim of length 3; torch's x.squeeze(0) keeps it, so the error says
    how to ask for that (dim=) rather than leaving a PyTorch user with NumPy's rule alone."""
    y = mg.tensor(RNG.standard_normal((3, 1)))
    with pytest.raises(ValueError, match=r"^squeeze: axis 0 has length 3, not 1 \(shape \(3, 1\)\); "
                                         r"squeeze\(dim=0\) is PyTorch's, which keeps a dim of another length$"):
        y.squeeze(0)
    assert y.squeeze(dim=0).shape == (3, 1)


@pytest.mark.parametrize("shape, start, end", [((0, 4, 5), 1, -1), ((0, 4, 5), 0, 1), ((2, 0, 3), 1, 2),
                                               ((3, 2, 0), 0, 1)])
def test_flatten_of_an_empty_tensor_matches_torch(shape, start, end):
    """flatten(x, 1) of a batch of 0 asked NumPy to reshape (0, 4, 5) into (0, -1), which it refuses."""
    x, tx = pair(np.zeros(shape))
    ours, theirs = mg.flatten(x, start, end), torch.flatten(tx, start, end)
    same(ours, theirs)
    same(x.flatten(start, end), theirs)
    ours.sum().backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64


def test_diag_of_a_matrix_is_a_copy_as_torchs():
    """torch.diag(2-D) returns new memory (diagonal() is the view); minigrad's diag gave the writable view, so a
    write into the result changed x and a write into x showed in the result."""
    x, tx = pair(M.copy(), requires_grad=False)
    d, td = mg.diag(x, 1), torch.diag(tx, 1)
    d.add_(100.0)
    td.add_(100.0)
    same(x, tx)
    x.mul_(-1.0)
    tx.mul_(-1.0)
    same(d, td)
    agree(lambda x: mg.diag(x, -1), lambda t: torch.diag(t, -1), M)
    assert mg.gradcheck(lambda x: mg.diag(x, 1), (mg.tensor(M, dtype="float64", requires_grad=True),))
    assert mg.gradgradcheck(lambda x: mg.diag(x, 1), (mg.tensor(M, dtype="float64", requires_grad=True),))


@pytest.mark.parametrize("dim", [0, -1, (0,), (-1,)])
def test_squeeze_of_a_0d_tensor_takes_dim_0_or_minus_1_as_torch(dim):
    """torch's x.squeeze(0) of a 0-d tensor returns it (NumPy's refuses the axis); minigrad refused it as NumPy's
    out-of-range axis, though no reading gives another result. Other dims stay refused."""
    x, tx = pair(np.array(2.5))
    y = x.squeeze(dim)
    same(y, tx.squeeze(dim))
    same(mg.squeeze(x, dim), torch.squeeze(tx, dim))
    y.backward()
    assert x.grad.shape == () and x.grad.item() == 1.0
    with pytest.raises(ValueError, match=r"squeeze: dim 1 is out of range for a tensor of shape \(\)"):
        x.squeeze(1)


@pytest.mark.parametrize("kwargs", [dict(sections=4), dict(indices=[1, 4]), dict(indices=(2,)),
                                    dict(tensor_indices_or_sections=torch.tensor([1, 3])),
                                    dict(tensor_indices_or_sections=torch.tensor(3)), dict(sections=torch.tensor(3)),
                                    dict(sections=torch.tensor([3])), dict(sections=torch.tensor(2, dtype=torch.uint8))],
                         ids=str)
def test_tensor_split_takes_torchs_keywords(kwargs):
    # torch.tensor_split(x, sections=...) / indices= / tensor_indices_or_sections= were an unexpected keyword;
    # sections= refused a one-element integer tensor, which torch reads as its int
    ours = {k: mg.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
    agree(lambda x: mg.tensor_split(x, dim=1, **ours), lambda t: torch.tensor_split(t, dim=1, **kwargs), X)
    agree(lambda x: x.tensor_split(**ours), lambda t: t.tensor_split(**kwargs), X)


@pytest.mark.parametrize("kwargs,message", [
    (dict(), "give the split once"), (dict(sections=2, indices=[1]), "give the split once"),
    (dict(sections=[1]), "sections must be an int"), (dict(indices=2), "indices must be a list or tuple of ints"),
    (dict(sections=mg.tensor(3.0)), "sections must be an int"), (dict(sections=mg.tensor([2, 3])), "sections must be"),
])
def test_tensor_split_keywords_misused_are_one_type_error(kwargs, message):
    with pytest.raises(TypeError, match=f"tensor_split: {message}"):
        mg.tensor_split(mg.tensor(X), **kwargs)


@pytest.mark.parametrize("source,target", [("float64", "int64"), ("float64", "float32"), ("float32", "float64"),
                                           ("float32", "uint8"), ("float64", "int16"), ("int64", "float64")])
def test_view_as_a_dtype_reads_the_same_memory_as_torch(source, target):
    """x.view(dtype) is torch's reinterpretation (the last dim rescaled by the element sizes); minigrad read the
    dtype as a size ('reshape: sizes must be ints')."""
    a = np.arange(24).reshape(2, 3, 4).astype(source) * 3
    x, tx = mg.tensor(a, dtype=source, requires_grad=source == "float64"), torch.tensor(a)
    ours, theirs = x.view(np.dtype(target)), tx.view(getattr(torch, target))
    assert ours.dtype == np.dtype(target) and not ours.requires_grad
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with mg.no_grad():
        ours.mul_(2) if target.startswith("float") else ours.add_(1)   # shared memory, both ways, as torch's
    theirs.mul_(2) if target.startswith("float") else theirs.add_(1)
    np.testing.assert_array_equal(x.detach().numpy(), tx.numpy())
    assert mg.tensor(a, dtype=source).view(getattr(mg, target)).dtype == np.dtype(target)


def test_view_takes_torchs_dtype_and_size_keywords():
    """x.view(dtype=torch.int32) and x.view(size=(2, 3)) were "got an unexpected keyword argument"."""
    a = np.arange(6.0).reshape(2, 3)
    x, tx = mg.tensor(a, dtype="float64"), torch.tensor(a)
    ours, theirs = x.view(dtype=mg.int32), tx.view(dtype=torch.int32)
    assert ours.dtype == np.int32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert x.view(size=(3, 2)).shape == tuple(tx.view(size=(3, 2)).shape) == (3, 2)
    with pytest.raises(TypeError):
        tx.view(2, dtype=torch.int32)
    with pytest.raises(TypeError, match=r"^view: takes one of a shape, size= or dtype="):
        x.view(6, dtype=mg.int32)


def test_view_as_a_dtype_refuses_what_torch_refuses():
    x = mg.tensor(np.arange(12.0).reshape(4, 3), dtype="float64")
    with pytest.raises(RuntimeError, match=r"view: the last dim's size must be divisible by 2 to view float32 as "
                                           r"float64 .*but it is 3"):
        x.float().view(np.float64)
    with pytest.raises(RuntimeError, match=r"view: the last dim's stride must be 1 to view float64 as int32"):
        x.T.view(np.int32)
    with pytest.raises(RuntimeError, match=r"view: a 0-d tensor of dtype float64 cannot be viewed as int32"):
        x[0, 0].view(np.int32)
    for bad in (lambda: torch.zeros(4, 3).view(torch.float64), lambda: torch.zeros(4, 3).t().view(torch.int16),
                lambda: torch.tensor(1.0).view(torch.int16)):
        with pytest.raises(RuntimeError):
            bad()


@pytest.mark.parametrize("name", ["mH", "H", "adjoint"])
def test_conjugate_transposes_conjugate_a_complex_tensor_as_torchs(name):
    """x.mH, x.H and x.adjoint() of a complex tensor were the plain transpose (mH was mT); torch conjugates. A real
    tensor's stay the transpose, still differentiable."""
    a = np.array([[1 + 2j, 3 - 1j, -2j], [0.5 + 0j, 1j, 4 - 4j]], dtype=np.complex128)
    x, tx = mg.tensor(a, dtype="complex128"), torch.tensor(a)
    ours, theirs = getattr(x, name), getattr(tx, name)
    ours, theirs = (ours(), theirs()) if callable(ours) else (ours, theirs)
    assert ours.dtype == np.complex128
    np.testing.assert_array_equal(ours.numpy(), theirs.resolve_conj().numpy())
    real = lambda t: getattr(t, name)() if name == "adjoint" else getattr(t, name)   # noqa: E731
    agree(real, real, M)


def test_mH_of_a_vector_names_mH_in_its_error_as_torch():
    with pytest.raises(RuntimeError, match=r"tensor\.mH is only supported on matrices or batches of matrices\. Got "
                                           r"1-D tensor\."):
        mg.tensor([1.0, 2.0]).mH
    with pytest.raises(RuntimeError, match=r"tensor\.mH is only supported on matrices or batches of matrices"):
        torch.tensor([1.0, 2.0]).mH


def test_the_view_fixes_on_every_device(device):
    """diag's copy, view(dtype), the expanded views of broadcast_tensors, a recorded t_ and cat's out= on each
    device (CuPy's arrays have no writeable flag and their views other bases than NumPy's)."""
    x = mg.tensor(M, dtype="float64", device=device)
    d = mg.diag(x)
    d.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), M)
    assert x.view(np.int64).device == x.device and x.view(np.float32).shape == (4, 12)
    b, _ = mg.broadcast_tensors(x[:1], mg.zeros(3, 6, dtype="float64", device=device))
    x.mul_(2.0)
    np.testing.assert_array_equal(b.numpy(), np.broadcast_to(2.0 * M[:1], (3, 6)))
    with pytest.raises(RuntimeError, match="read-only"):
        b.add_(1.0)
    w = mg.tensor(M, dtype="float64", device=device, requires_grad=True)
    y = w * 2.0
    y.t_()
    (y * y).sum().backward()
    assert y.shape == (6, 4) and w.grad.device == w.device
    np.testing.assert_allclose(w.grad.numpy(), 8.0 * M, rtol=1e-14)
    out = mg.zeros(8, 6, dtype="float64", device=device)
    assert mg.cat([x, x], out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.concatenate([2.0 * M, 2.0 * M]))
