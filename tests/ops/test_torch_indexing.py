"""PyTorch's indexing, shape and creation names, checked against torch itself in float64.

gather, scatter_add, masked_fill, chunk, split (dim=), repeat, tile, t, tril, triu, outer, einsum,
clone, contiguous, zero_, pow, softmax, log_softmax, unsqueeze, linspace, randint, randperm: values,
gradients (and second derivatives where the op has them), negative dims, edge cases and errors.
Where NumPy reads a call another way (minigrad.split, Tensor.repeat) the call is refused with both
readings (docs/autodiff.md, section 15).
"""
import re
from functools import partial

import numpy as np
import pytest
import torch

import minigrad as mg
import torch_agreement
from torch_agreement import pair, same

RNG = np.random.default_rng(11)


grads_match = partial(torch_agreement.grads_match, rng=RNG)
second_derivatives_match = partial(torch_agreement.second_derivatives_match, rng=RNG)


X = RNG.standard_normal((3, 4, 5))


# ------------------------------------------------------------------ gather, scatter_add
GATHER_CASES = [
    ((3, 4, 5), 0, (2, 4, 5)), ((3, 4, 5), 1, (3, 6, 5)), ((3, 4, 5), -1, (2, 3, 7)), ((3, 4, 5), -3, (1, 1, 1)),
    ((3, 4, 5), 2, (3, 0, 2)), ((4,), 0, (9,)), ((4,), -1, (0,)),
]


@pytest.mark.parametrize("shape,dim,index_shape", GATHER_CASES, ids=str)
def test_gather_matches_torch(shape, dim, index_shape):
    x, tx = pair(RNG.standard_normal(shape))
    index = RNG.integers(0, shape[dim], index_shape)   # repeated entries: their gradients add up
    ours, theirs = x.gather(dim, index), torch.gather(tx, dim, torch.as_tensor(index))
    grads_match(ours, theirs, [x], [tx])
    same(mg.gather(x, dim, mg.tensor(index)), theirs)   # a Tensor index, and the function
    second_derivatives_match(lambda t: mg.gather(t * t, dim, index), lambda t: torch.gather(t * t, dim,
                             torch.as_tensor(index)), [RNG.standard_normal(shape)])


def test_gather_of_a_0d_tensor_and_float32():
    x, tx = pair(np.array(2.5))
    same(mg.gather(x, 0, np.array(0)), torch.gather(tx, 0, torch.tensor(0)))
    y = mg.tensor(X).gather(1, np.zeros((3, 1, 5), dtype=np.int64))
    assert y.dtype == np.float32 and y.shape == (3, 1, 5)


def test_gather_refuses_bad_indices_naming_op_and_shapes():
    x = mg.tensor(X)
    with pytest.raises(IndexError, match=r"gather: index 4 is out of bounds for dim 1 of size 4 "
                                         r"\(input shape \(3, 4, 5\)"):
        x.gather(1, np.full((3, 2, 5), 4))
    with pytest.raises(IndexError, match="gather: index -1 is out of bounds"):   # torch takes no negative index
        x.gather(0, np.full((1, 1, 1), -1))
    with pytest.raises(ValueError, match=r"gather: index has 2 dims \(shape \(3, 4\)\) and the input 3"):
        x.gather(0, np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"gather: index of shape \(3, 5, 5\) is longer than the input of shape "
                                         r"\(3, 4, 5\) at dim 1"):
        x.gather(0, np.zeros((3, 5, 5), dtype=np.int64))
    with pytest.raises(TypeError, match="gather: index must hold integers.*float64"):
        x.gather(0, np.zeros((1, 1, 1)))
    with pytest.raises(ValueError, match=r"gather: dim 3 is out of range for a tensor of shape \(3, 4, 5\)"):
        x.gather(3, np.zeros((1, 1, 1), dtype=np.int64))


def test_gather_takes_torchs_sparse_grad_keyword_and_refuses_true_by_name():
    """torch.gather(x, dim, index, sparse_grad=False) and x.gather(..., sparse_grad=False) were a TypeError."""
    x, tx = pair(RNG.standard_normal((3, 4)))
    index = RNG.integers(0, 4, (3, 2))
    theirs = torch.gather(tx, 1, torch.as_tensor(index), sparse_grad=False)
    grads_match(mg.gather(x, 1, index, sparse_grad=False), theirs, [x], [tx])
    same(x.gather(1, index, sparse_grad=False), tx.gather(1, torch.as_tensor(index), sparse_grad=False))
    assert torch.gather(tx, 1, torch.as_tensor(index), sparse_grad=True).sum().backward() is None
    for call in (lambda: mg.gather(x, 1, index, sparse_grad=True), lambda: x.gather(1, index, sparse_grad=True)):
        with pytest.raises(ValueError, match=r"^gather: sparse_grad=True is not supported \(minigrad's gradients "
                                             r"are dense; drop it, the dense gradient holds the same values\)$"):
            call()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_add_matches_torch(dim):
    x, tx = pair(RNG.standard_normal((3, 4)))
    index_shape = (2, 3) if dim == 0 else (3, 5)
    index = RNG.integers(0, x.shape[dim], index_shape)
    longer = RNG.standard_normal((4, 5))   # longer than the index: only its covered part is used
    same(x.scatter_add(dim, index, mg.tensor(longer, dtype="float64")),
         torch.scatter_add(tx, dim, torch.as_tensor(index), torch.tensor(longer)))
    # torch's backward refuses a src longer than the index, so the gradients compare on one that fits
    src, tsrc = pair(RNG.standard_normal(index_shape))
    ours = x.scatter_add(dim, index, src)
    theirs = torch.scatter_add(tx, dim, torch.as_tensor(index), tsrc)
    grads_match(ours, theirs, [x, src], [tx, tsrc])
    second_derivatives_match(lambda a, b: mg.scatter_add(a * a, dim, index, b * b),
                             lambda a, b: torch.scatter_add(a * a, dim, torch.as_tensor(index), b * b),
                             [RNG.standard_normal((3, 4)), RNG.standard_normal(index_shape)])
    s_long = mg.tensor(longer, dtype="float64", requires_grad=True)
    mg.scatter_add(mg.zeros(3, 4, dtype="float64"), dim, index, s_long).sum().backward()
    covered = np.zeros((4, 5))
    covered[:index_shape[0], :index_shape[1]] = 1.0   # each covered entry is added once; the rest is unused
    np.testing.assert_array_equal(s_long.grad.numpy(), covered)


def test_scatter_add_refuses_bad_arguments():
    x = mg.tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"scatter_add: index of shape \(2, 3\) is longer than the src of shape "
                                         r"\(2, 2\) at dim 1"):
        x.scatter_add(0, np.zeros((2, 3), dtype=np.int64), mg.zeros(2, 2))
    with pytest.raises(IndexError, match="scatter_add: index 3 is out of bounds for dim 0 of size 3"):
        x.scatter_add(0, np.full((1, 1), 3), mg.zeros(1, 1))
    with pytest.raises(TypeError, match="scatter_add: src has dtype float64 and the input float32"):
        x.scatter_add(0, np.zeros((1, 1), dtype=np.int64), mg.zeros(1, 1, dtype="float64"))


# ------------------------------------------------------------------ masked_fill
@pytest.mark.parametrize("mask_shape", [(3, 4, 5), (5,), (4, 1), (2, 1, 1, 1)], ids=str)
def test_masked_fill_matches_torch_broadcasting_both_ways(mask_shape):
    x, tx = pair(X)
    mask = RNG.standard_normal(mask_shape) > 0
    ours, theirs = x.masked_fill(mask, -1.5), torch.masked_fill(tx, torch.as_tensor(mask), -1.5)
    grads_match(ours, theirs, [x], [tx])
    same(mg.masked_fill(x, mg.tensor(mask), -1.5), theirs)


def test_masked_fill_gradient_is_exactly_zero_under_the_mask_even_for_inf():
    x, tx = pair(np.arange(4.0))
    mask = np.array([True, False, True, False])
    g = np.array([np.inf, np.inf, -np.inf, 1.0])
    x.masked_fill(mask, 0.0).backward(mg.tensor(g, dtype="float64"))
    torch.masked_fill(tx, torch.as_tensor(mask), 0.0).backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, np.inf, 0.0, 1.0])
    same(x.grad, tx.grad)


def test_masked_fill_keeps_the_dtype_and_takes_a_0d_value():
    ints = mg.tensor(np.arange(3))
    filled = ints.masked_fill(np.array([True, False, True]), 1.7)   # cast to the input's dtype, as torch does
    np.testing.assert_array_equal(filled.numpy(), torch.arange(3).masked_fill(torch.tensor([True, False, True]),
                                                                               1.7).numpy())
    assert filled.dtype == np.int64
    assert mg.tensor(X).masked_fill(mg.tensor(X) > 0, np.inf).dtype == np.float32
    x, tx = pair(X)
    v, tv = pair(np.array(0.25))
    ours = x.masked_fill(X > 0, v)
    theirs = tx.masked_fill(torch.as_tensor(X > 0), tv)
    grads_match(ours, theirs, [x, v], [tx, tv])
    with pytest.raises(TypeError, match=r"masked_fill: mask must be a bool tensor, got dtype float64"):
        x.masked_fill(X, 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(3,\) does not broadcast with the input of "
                                         r"shape \(3, 4, 5\)"):
        x.masked_fill(np.ones(3, dtype=bool), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: value must be a number or a 0-d tensor, got a tensor of "
                                         r"shape \(2,\)"):
        x.masked_fill(X > 0, mg.zeros(2, dtype="float64"))



def test_masked_fill_casts_a_0d_tensor_value_to_the_inputs_dtype_as_torch():
    mask = np.array([True, False, True])
    ints = mg.tensor(np.arange(3)).masked_fill(mask, mg.tensor(1.5, dtype="float64"))
    theirs = torch.arange(3).masked_fill(torch.tensor(mask), torch.tensor(1.5, dtype=torch.float64))
    assert ints.dtype == np.int64   # was float64: the value's dtype leaked into an integer tensor
    np.testing.assert_array_equal(ints.numpy(), theirs.numpy())
    x32 = mg.tensor(np.arange(3.0, dtype=np.float32), requires_grad=True)
    v64 = mg.tensor(1.5, dtype="float64", requires_grad=True)
    out = x32.masked_fill(mask, v64)
    assert out.dtype == np.float32   # was a TypeError naming where
    tx, tv = torch.arange(3.0, requires_grad=True), torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    tout = tx.masked_fill(torch.tensor(mask), tv)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    assert v64.grad.dtype == np.float64 and float(v64.grad.numpy()) == float(tv.grad)
    np.testing.assert_array_equal(x32.grad.numpy(), tx.grad.numpy())

# ------------------------------------------------------------------ chunk, split, repeat, tile
@pytest.mark.parametrize("n", [0, 1, 5, 6, 7])
@pytest.mark.parametrize("chunks", [1, 2, 3, 4, 8])
def test_chunk_matches_torch_for_uneven_sizes(n, chunks):
    x, tx = pair(RNG.standard_normal((2, n)))
    ours, theirs = x.chunk(chunks, -1), torch.chunk(tx, chunks, -1)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    grads_match(list(ours), list(theirs), [x], [tx])
    assert [p.shape for p in mg.chunk(x, chunks, dim=1)] == [tuple(p.shape) for p in theirs]


@pytest.mark.parametrize("sizes", [1, 2, 3, 5, 9, [2, 3], [0, 5, 0], [1, 1, 3]], ids=str)
def test_split_with_dim_and_the_method_match_torch(sizes):
    x, tx = pair(RNG.standard_normal((5, 3)))
    ours, theirs = x.split(sizes), torch.split(tx, sizes)
    assert isinstance(ours, tuple)
    grads_match(list(ours), list(theirs), [x], [tx])
    for a, b in zip(mg.split(x, sizes, dim=0), theirs):
        same(a, b)
    for a, b in zip(mg.split(x, split_size_or_sections=sizes, dim=-2), theirs):
        same(a, b)


@pytest.mark.parametrize("split", [lambda t: t.split([], 1), lambda t: t.split([], dim=-1),
                                   lambda t: t.split_with_sizes([], 1)], ids=["method", "dim", "split_with_sizes"])
def test_split_of_an_empty_dim_into_no_sizes_gives_no_pieces(split):
    # torch.split(x, [], dim) of a dim of length 0 gives (); minigrad gave the whole tensor as one piece
    x, tx = pair(np.zeros((2, 0)))
    assert split(x) == () and split(tx) == ()
    assert mg.split(x, [], dim=1) == ()


def test_a_piece_without_gradient_gets_zero():
    x, tx = pair(np.arange(7.0))
    a, _, c = x.split(3)
    ta, _, tc = tx.split(3)
    (a.sum() + 2 * c.sum()).backward()
    (ta.sum() + 2 * tc.sum()).backward()
    same(x.grad, tx.grad)
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1, 0, 0, 0, 2])


def test_split_asks_which_reading_and_keeps_numpys_with_axis():
    x = mg.tensor(np.arange(6.0))
    with pytest.raises(TypeError, match=r"split: NumPy's split\(x, 2\) cuts 2 equal pieces, PyTorch's cuts pieces "
                                        r"of size 2; write axis= for NumPy's or dim= for PyTorch's"):
        mg.split(x, 2)
    with pytest.raises(TypeError, match=r"NumPy's split\(x, \[1, 3\]\) cuts at indices \[1, 3\], PyTorch's cuts "
                                        r"pieces of sizes \[1, 3\]"):
        mg.split(x, [1, 3], 0)
    with pytest.raises(TypeError, match="split: got NumPy's axis= and PyTorch's dim="):
        mg.split(x, 2, axis=0, dim=0)
    assert [p.shape for p in mg.split(x, 2, axis=0)] == [(3,), (3,)]           # NumPy's: two equal pieces
    assert [p.shape for p in mg.split(x, 2, dim=0)] == [(2,), (2,), (2,)]      # PyTorch's: pieces of size 2
    assert [p.shape for p in mg.split(x, [1, 3], axis=0)] == [(1,), (2,), (3,)]
    assert [p.shape for p in mg.split(x, [1, 3, 2], dim=0)] == [(1,), (3,), (2,)]


def test_split_and_chunk_refuse_bad_sizes():
    x = mg.tensor(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"split: section sizes \[2, 2\] must be >= 0 and add up to the length 5 "
                                         r"of dim 0 \(shape \(5, 3\)\), they add up to 4"):
        x.split([2, 2])
    with pytest.raises(ValueError, match="split: split_size must be positive"):
        x.split(0)
    with pytest.raises(ValueError, match="chunk: chunks must be a positive int, got 0"):
        x.chunk(0)
    with pytest.raises(ValueError, match=r"chunk: dim 2 is out of range for a tensor of shape \(5, 3\)"):
        x.chunk(2, 2)
    with pytest.raises(ValueError, match="chunk: expects a tensor with at least one dim"):
        mg.tensor(1.0).chunk(2)


REPEATS = [((2, 3), (1, 2, 3)), ((2, 3), (2, 3)), ((2, 3), (3, 4)), ((2, 3), (0, 2)), ((3,), (2, 2)), ((3,), (4, 2)),
           ((), (4,)), ((), (2, 3)), ((2, 1, 2), (1, 2, 3, 1))]


@pytest.mark.parametrize("shape,sizes", REPEATS, ids=str)
def test_repeat_matches_torch_where_numpy_cannot_read_it(shape, sizes):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours, theirs = x.repeat(*sizes), tx.repeat(*sizes)
    grads_match(ours, theirs, [x], [tx])
    np.testing.assert_array_equal(ours.numpy(), np.tile(a, sizes))   # PyTorch's repeat is NumPy's tile


@pytest.mark.parametrize("shape,sizes", [((3,), (2,)), ((3,), ((2,),)), ((2, 3), (2, 1)), ((2, 3), (1, 0)),
                                         ((3,), (2, 0)), ((2, 3), ((1,) * 6,))], ids=str)
def test_repeat_asks_where_numpys_repeat_reads_it_too(shape, sizes):
    x = mg.tensor(np.zeros(shape))
    with pytest.raises(TypeError, match=r"repeat: x\.repeat\(.*\) on a tensor of shape .* reads two ways: NumPy's "
                                        r"repeats each element.*PyTorch's tiles the whole tensor; write x\.tile\("):
        x.repeat(*sizes)


def test_repeat_refuses_numpy_only_readings_too_few_sizes_and_numpys_keywords():
    x = mg.tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"repeat: x.repeat\(2\) on a tensor of shape \(2, 3\) is NumPy's repeat "
                                        r"\(repeats each element \(of the flattened tensor\)\), which minigrad does "
                                        r"not have; PyTorch's repeat takes one count >= 0 per dim \(2\)"):
        x.repeat(2)
    with pytest.raises(TypeError, match=r"x.repeat\(3, -1\) .* is NumPy's repeat \(repeats each element 3 times "
                                        r"along axis -1\)"):
        x.repeat(3, -1)
    with pytest.raises(ValueError, match=r"repeat: 2 counts \(2, 3\) for a tensor of shape \(1, 1, 1\); PyTorch's "
                                         r"repeat takes at least one per dim \(3\)"):
        mg.tensor(np.zeros((1, 1, 1))).repeat(2, 3)
    with pytest.raises(TypeError, match="repeat: got keyword axis=; x.repeat.repeats, axis=.... is NumPy's repeat"):
        x.repeat(2, axis=0)
    with pytest.raises(ValueError, match=r"repeat: counts must be >= 0, got \(2, -2, 1\)"):
        x.repeat(2, -2, 1)


@pytest.mark.parametrize("shape,reps", [((2, 3), (2, 1)), ((2, 3), (3,)), ((3,), (2, 2)), ((), (2, 3)),
                                        ((2, 1, 3), (2, 1, 1, 2)), ((2, 3), ()), ((2, 3), (0, 1))], ids=str)
def test_tile_matches_torch_and_numpy(shape, reps):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours, theirs = x.tile(*reps) if reps else x.tile(()), torch.tile(tx, reps)
    grads_match(ours, theirs, [x], [tx])
    np.testing.assert_array_equal(mg.tile(mg.tensor(a, dtype="float64"), reps).numpy(), np.tile(a, reps))


@pytest.mark.parametrize("call", [lambda x: x.tile((1,)), lambda x: x.tile(1, 1), lambda x: mg.tile(x, (1, 1, 1)),
                                  lambda x: x.repeat(1, 1, 1)])
def test_tile_and_repeat_by_ones_copy_as_torch(call):
    # counts of 1 returned a reshape of x, a view: a write into the result changed x (torch and NumPy copy)
    x = mg.tensor(RNG.standard_normal((2, 3)), dtype="float64")
    before = x.numpy().copy()
    y = call(x)
    y[..., 0, 0] = 100.0
    np.testing.assert_array_equal(x.numpy(), before)


@pytest.mark.parametrize("write", [False, True])
def test_a_uint8_index_tensor_is_asked_not_read_as_positions(write):
    # torch 2.13 still reads x[uint8_index] as a mask (rows 0 and 2), NumPy as positions (rows 1, 0, 1); minigrad
    # silently took NumPy's
    x = mg.tensor(np.arange(12.0).reshape(3, 4))
    index = mg.tensor(np.array([1, 0, 1], dtype=np.uint8), dtype="uint8")
    with pytest.raises(TypeError, match=r"^x\[index\]: a uint8 index tensor \(shape \(3,\)\) reads two ways: "
                                        r"NumPy's as integer positions, PyTorch's as a mask"):
        if write:
            x[index] = 0.0
        else:
            x[index]
    assert x[index.bool()].tolist() == torch.tensor(x.numpy())[torch.tensor([True, False, True])].tolist()
    assert x[index.long()].shape == (3, 4)


# ------------------------------------------------------------------ t, tril, triu, outer
def test_t_matches_torch():
    for shape in [(3, 4), (4,), ()]:
        x, tx = pair(RNG.standard_normal(shape))
        grads_match(x.t(), tx.t(), [x], [tx])
        same(mg.t(x), torch.t(tx))
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dims, got shape \(3, 4, 5\)"):
        mg.tensor(X).t()


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [-5, -1, 0, 1, 2, 6])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 5, 3), (0, 3)], ids=str)
def test_tril_and_triu_match_torch(name, diagonal, shape):
    x, tx = pair(RNG.standard_normal(shape))
    ours, theirs = getattr(x, name)(diagonal), getattr(torch, name)(tx, diagonal)
    grads_match(ours, theirs, [x], [tx])
    same(getattr(mg, name)(x, diagonal=diagonal), theirs)


def test_tril_gradient_is_exactly_zero_outside_and_keeps_dtypes():
    x = mg.tensor(np.ones((2, 2)), dtype="float64", requires_grad=True)
    x.tril().backward(mg.tensor(np.full((2, 2), np.inf), dtype="float64"))
    np.testing.assert_array_equal(x.grad.numpy(), [[np.inf, 0.0], [np.inf, np.inf]])
    assert mg.tensor(X).triu().dtype == np.float32
    ints = mg.tensor(np.arange(4).reshape(2, 2)).triu()
    assert ints.dtype == np.int64 and ints.tolist() == [[0, 1], [0, 3]]
    with pytest.raises(ValueError, match=r"tril: expects a tensor with at least 2 dims, got shape \(3,\)"):
        mg.tril(mg.zeros(3))
    with pytest.raises(TypeError, match="triu: diagonal must be an int, got 0.5"):
        mg.triu(mg.zeros(3, 3), 0.5)


def test_outer_matches_torch():
    a, ta = pair(RNG.standard_normal(3))
    b, tb = pair(RNG.standard_normal(4))
    grads_match(a.outer(b), ta.outer(tb), [a, b], [ta, tb])
    same(mg.outer(a, b), torch.outer(ta, tb))
    with pytest.raises(ValueError, match=r"outer: expects two 1-D tensors, got shapes \(3, 4\) and \(4,\)"):
        mg.outer(mg.zeros(3, 4), mg.zeros(4))


# ------------------------------------------------------------------ einsum
EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk", [(3, 4), (4, 2)]), ("ij->ji", [(3, 4)]), ("ij", [(3, 4)]),
    ("ba", [(3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(2, 2, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]), ("i,j->ij", [(3,), (2,)]), ("ij->", [(3, 4)]), ("ij->j", [(3, 4)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]), ("ij,kj->ikj", [(3, 1), (2, 5)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]), ("...j,j", [(2, 3, 4), (4,)]), ("i...->...", [(3, 2, 2)]),
    ("a...b,b...->a", [(2, 3, 4), (4, 3)]), ("Ab,bC->AC", [(2, 3), (3, 4)]), ("ab,cB", [(2, 3), (4, 5)]),
    ("i j , j -> i", [(3, 2), (2,)]), ("ij,ij->ij", [(1, 3), (0, 3)]), ("...i,...i->...", [(1, 3, 4), (2, 1, 4)]), ("ij,jk->ik", [(0, 3), (3, 2)]), ("ijk,ikl->", [(2, 0, 3), (2, 3, 2)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_torch_with_second_derivatives(equation, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    xs, txs = zip(*(pair(a) for a in arrays))
    ours, theirs = mg.einsum(equation, *xs), torch.einsum(equation, *txs)
    grads_match(ours, theirs, xs, txs)
    same(mg.einsum(equation, list(xs)), theirs)   # the operands as one list, as torch takes them
    second_derivatives_match(lambda *ts: mg.einsum(equation, *[t * t for t in ts]),
                             lambda *ts: torch.einsum(equation, *[t * t for t in ts]), arrays)


SUBLISTS = [((0, 1), (1, 2), [0, 2]), ((0, 1), (1, 2), None), ((Ellipsis, 0, 1), (1,), [Ellipsis, 0]),
            ((3, 3), None, []), ((30, 2), (2, 30), [2])]


@pytest.mark.parametrize("subs", SUBLISTS, ids=str)
def test_einsum_takes_torchs_and_numpys_sublist_form(subs):
    """einsum(a, [0, 1], b, [1, 2], [0, 2]): operands each followed by its dims as ints (and ...), then the
    output's; it was refused ("the equation must be a string")."""
    sub_a, sub_b, sub_out = subs
    shape = {0: 3, 1: 4, 2: 2, 3: 3, 30: 2, Ellipsis: 2}
    arrays = [RNG.standard_normal(tuple(d for s in sub for d in ([2] if s is Ellipsis else [shape[s]])))
              for sub in (sub_a, sub_b) if sub is not None]
    xs, txs = zip(*(pair(a) for a in arrays))

    def interleave(ops):
        args = [v for op, sub in zip(ops, (sub_a, sub_b)) for v in (op, list(sub))]
        return args if sub_out is None else args + [sub_out]
    ours, theirs = mg.einsum(*interleave(xs)), torch.einsum(*interleave(txs))
    grads_match(ours, theirs, xs, txs)
    with pytest.raises(ValueError, match=r"^einsum: a sublist holds ints in \[0, 52\) and \.\.\., got \[0, 52\]$"):
        mg.einsum(xs[0], [0, 52])


def test_einsum_keeps_float32_and_refuses_bad_equations_clearly():
    a, b = mg.tensor(RNG.standard_normal((3, 4))), mg.tensor(RNG.standard_normal((4, 2)))
    assert mg.einsum("ij,jk->ik", a, b).dtype == np.float32
    with pytest.raises(ValueError, match=r"einsum: equation 'ij,jk->ik' has 2 operand terms but 1 operands were "
                                         r"given \(shapes \[\(3, 4\)\]\)"):
        mg.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match=r"einsum: equation 'ijk,jk->ik': term 'ijk' names 3 dims but its operand "
                                         r"has shape \(3, 4\)"):
        mg.einsum("ijk,jk->ik", a, b)
    with pytest.raises(ValueError, match=r"einsum: equation 'ij,ik->jk': letter 'i' has lengths \[3, 4\]"):
        mg.einsum("ij,ik->jk", a, b)
    with pytest.raises(ValueError, match=r"einsum: equation 'ij,jk->iz': output letter 'z' is in no operand"):
        mg.einsum("ij,jk->iz", a, b)
    with pytest.raises(ValueError, match=r"einsum: equation 'ij->ii': the output repeats a letter"):
        mg.einsum("ij->ii", a)
    with pytest.raises(ValueError, match=r"einsum: equation 'i1,jk': 'i1' is not letters"):
        mg.einsum("i1,jk", a, b)
    with pytest.raises(ValueError, match=r"einsum: equation 'ii->i': letter 'i' repeats in 'ii' with lengths 3 and 4"):
        mg.einsum("ii->i", a)
    with pytest.raises(TypeError, match=r"einsum: operands have different floating dtypes \['float32', 'float64'\]"):
        mg.einsum("ij,jk", a, b.double())


# ------------------------------------------------------------------ clone, contiguous, zero_
def test_clone_is_a_differentiable_copy_in_new_memory():
    x, tx = pair(X)
    y = x.clone()
    assert not np.shares_memory(y.numpy(), x.numpy())
    grads_match(y * y, tx.clone() * tx.clone(), [x], [tx])
    with mg.no_grad():
        y[0] = 7.0
    assert x.numpy()[0, 0, 0] == X[0, 0, 0]
    assert mg.clone(mg.tensor(X)).dtype == np.float32
    assert x.contiguous() is x


def test_zero_writes_in_place_with_torchs_leaf_rule():
    p = mg.tensor(np.ones(3), dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError, match=r"zero_\(\): a leaf tensor that requires grad \(shape \(3,\)\) cannot be "
                                           r"written in place while grad mode is on"):
        p.zero_()
    tp = torch.ones(3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tp.zero_()
    q, tq = p * 2, tp * 2
    assert q.zero_() is q and tq.zero_() is tq   # a non-leaf's write is recorded, as torch's
    assert q.requires_grad and tq.requires_grad and q.tolist() == [0.0, 0.0, 0.0]
    y = (p * p).sum()
    with mg.no_grad():
        assert p.zero_() is p
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="modified"):   # stamped: the graph recorded before refuses
        y.backward()
    plain = mg.tensor(np.arange(4.0))
    view = plain[1:3]
    assert plain.zero_() is plain and view.tolist() == [0.0, 0.0]   # the memory itself, as in torch
    p.grad = mg.tensor(np.ones(3), dtype="float64")
    p.grad.zero_()
    assert p.grad.tolist() == [0.0, 0.0, 0.0]


# ------------------------------------------------------------------ pow, softmax, log_softmax, unsqueeze
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_methods_and_functions_match_torch(name, dim):
    x, tx = pair(X)
    grads_match(getattr(x, name)(dim), getattr(tx, name)(dim), [x], [tx])
    same(getattr(mg, name)(x, dim), getattr(torch, name)(tx, dim))
    same(getattr(mg, name)(x, dim=dim), getattr(torch, name)(tx, dim=dim))
    assert getattr(mg.tensor(X), name)(dim).dtype == np.float32
    with pytest.raises(ValueError, match=rf"{name}: dim=3 is out of range for input of shape \(3, 4, 5\)"):
        getattr(x, name)(3)


def test_pow_method_and_unsqueeze_function_match_torch():
    x, tx = pair(np.abs(X) + 0.5)
    grads_match(x.pow(2.5), tx.pow(2.5), [x], [tx])
    same(x.pow(x), tx.pow(tx))
    for dim in [0, 2, 3, -1, -4]:
        same(mg.unsqueeze(x, dim), torch.unsqueeze(tx, dim))


# ------------------------------------------------------------------ creation
@pytest.mark.parametrize("start,end,steps", [(0, 1, 5), (-2.5, 3, 7), (3, -1, 4), (1, 1, 3), (0, 1, 1), (0, 1, 0),
                                             (0, 10, 101)], ids=str)
def test_linspace_matches_torch(start, end, steps):
    same(mg.linspace(start, end, steps, dtype="float64"), torch.linspace(start, end, steps, dtype=torch.float64))
    ours, theirs = mg.linspace(start, end, steps), torch.linspace(start, end, steps)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    assert mg.linspace(0, 1, 3, dtype="float64", requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="linspace: steps must be a non-negative int, got -1"):
        mg.linspace(0, 1, -1)


def test_randint_and_randperm_follow_the_seed_and_torchs_forms():
    mg.manual_seed(5)
    a = mg.randint(10, (3, 4))
    b = mg.randint(-3, 4, (1000,))
    p = mg.randperm(7)
    mg.manual_seed(5)
    assert mg.randint(10, (3, 4)).tolist() == a.tolist()
    assert mg.randint(-3, 4, (1000,)).tolist() == b.tolist()
    assert mg.randperm(7).tolist() == p.tolist()
    assert a.dtype == np.int64 and a.shape == (3, 4) and 0 <= a.numpy().min() and a.numpy().max() < 10
    assert b.numpy().min() == -3 and b.numpy().max() == 3       # [low, high): high never drawn
    assert sorted(p.tolist()) == list(range(7)) and p.dtype == np.int64
    assert mg.randint(0, 5, size=(2,), dtype="float64").dtype == np.float64
    assert mg.randperm(0).shape == (0,) and mg.randperm(3, dtype="float32").dtype == np.float32
    with pytest.raises(ValueError, match="randint: low must be less than high, got low=3, high=3"):
        mg.randint(3, 3, (2,))
    with pytest.raises(TypeError, match=r"randint: expected randint\(high, size\) or randint\(low, high, size\)"):
        mg.randint(3)
    with pytest.raises(TypeError, match=r"randint: size must be a tuple of ints, e\.g\. size=\(4,\), got size=4"):
        mg.randint(3, 10, size=4)   # was "'int' object is not iterable"
    with pytest.raises(RuntimeError, match="only floating-point and complex tensors can require grad"):
        mg.randint(3, (2,), requires_grad=True)
    with pytest.raises(ValueError, match="randperm: n must be a non-negative int, got -2"):
        mg.randperm(-2)


# ------------------------------------------------------------------ float32 stays float32
FLOAT32_CALLS = {
    "gather": lambda x: x.gather(1, np.zeros((3, 2, 5), dtype=np.int64)),
    "scatter_add": lambda x: x.scatter_add(0, np.zeros((1, 4, 5), dtype=np.int64), x),
    "masked_fill": lambda x: x.masked_fill(np.ones(5, dtype=bool), 2.0),
    "chunk": lambda x: x.chunk(2, 1)[0], "split": lambda x: x.split(3, 2)[1], "repeat": lambda x: x.repeat(1, 2, 2, 1),
    "tile": lambda x: x.tile(2), "t": lambda x: x[0].t(), "tril": lambda x: x.tril(), "triu": lambda x: x.triu(-1),
    "outer": lambda x: x[0, 0].outer(x[0, 1]), "einsum": lambda x: mg.einsum("ijk,ik->j", x, x[:, 0]),
    "clone": lambda x: x.clone(), "pow": lambda x: x.pow(2), "softmax": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(-1),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CALLS))
def test_float32_stays_float32_in_value_and_gradient(name):
    x = mg.tensor(X, requires_grad=True)
    y = FLOAT32_CALLS[name](x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("index", [lambda: np.array([]), lambda: np.array([[]]), lambda: np.zeros(0, np.float32),
                                   lambda: (slice(None), np.array([])), lambda: (np.array([]), 0)],
                         ids=["1-d", "2-d", "float32", "after a slice", "before an int"])
def test_an_empty_float_numpy_array_indexes_nothing_as_torch(index):
    """torch reads a NumPy index array as a list, so an empty float one (np.array([]) is float64) indexes nothing;
    NumPy refused it ("arrays used as indices must be of integer (or boolean) type")."""
    x, tx = pair(X[:, :, 0])
    ours, theirs = x[index()], tx[index()]
    same(ours, theirs)
    grads_match(ours, theirs, [x], [tx])
    y, ty = pair(X[:, :, 0], requires_grad=False)
    y[index()], ty[index()] = 1.0, 1.0
    same(y, ty)


def test_an_empty_float_tensor_index_stays_refused_as_torch():
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        torch.zeros(2, 3)[torch.tensor([])]
    with pytest.raises(IndexError, match=r"^getitem: arrays used as indices must be of integer \(or boolean\) type "
                                         r"\(tensor of shape \(2, 3\)\)$"):
        mg.zeros(2, 3)[mg.tensor([])]


@pytest.mark.parametrize("index, dims, at", [
    (lambda: np.zeros(0, bool), (3,), 0), (lambda: (slice(None), np.zeros(0, bool)), (4,), 1),
    (lambda: (Ellipsis, np.zeros(0, bool)), (5,), 2), (lambda: (0, np.zeros(0, bool)), (4,), 1),
    (lambda: np.zeros((3, 0), bool), (3, 4), 0), (lambda: mg.tensor([], dtype=mg.bool), (3,), 0),
], ids=["alone", "after a slice", "after ...", "after an int", "2-d", "a tensor"])
def test_an_empty_mask_that_does_not_match_its_dims_is_refused_as_torch(index, dims, at):
    """NumPy reads an empty boolean mask as no positions, so x[mask] was empty (and x[mask] = v wrote nothing) where
    torch refuses the mask's shape."""
    x, tx = pair(X)
    torch_index = index()
    torch_index = (torch.as_tensor(torch_index.numpy()) if isinstance(torch_index, mg.Tensor) else
                   tuple(torch.as_tensor(p) if isinstance(p, np.ndarray) else p for p in torch_index)
                   if isinstance(torch_index, tuple) else torch.as_tensor(torch_index))
    with pytest.raises(IndexError, match="The shape of the mask"):
        tx[torch_index]
    message = (rf"^x\[index\]: the boolean mask of shape \(.*\) does not match the indexed dims "
               rf"{re.escape(str(dims))} \(from dim {at} of a tensor of shape \(3, 4, 5\)\); NumPy reads an empty "
               r"mask as no positions, torch refuses it$")
    with pytest.raises(IndexError, match=message):
        x[index()]
    with pytest.raises(IndexError, match=message):
        mg.tensor(X)[index()] = 1.0


def test_an_empty_mask_of_an_empty_dim_selects_nothing_as_torch():
    x, tx = pair(np.zeros((0, 3)))
    same(x[np.zeros(0, bool)], tx[torch.zeros(0, dtype=torch.bool)])
    same(x[mg.tensor([], dtype=mg.bool)], tx[torch.zeros(0, dtype=torch.bool)])


def test_repeat_of_a_0d_tensor_by_no_counts_is_a_copy_as_torch():
    """x.repeat(()) on a 0-d tensor is torch's copy of it; minigrad died in min() of no counts."""
    x, tx = pair(np.array(1.5))
    y, ty = x.repeat(()), tx.repeat(())
    same(y, ty)
    y.backward()
    assert x.grad.item() == 1.0
