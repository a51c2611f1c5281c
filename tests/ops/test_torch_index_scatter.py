"""PyTorch's indexing, scatter and counting names, checked against torch itself in float64.

index_select, masked_select, take, take_along_dim, nonzero, argwhere, Tensor.where, index_add, index_fill,
index_copy, scatter, scatter_reduce, masked_scatter, index_put (and their in-place forms), bincount, histc,
unique, unique_consecutive, searchsorted, bucketize, count_nonzero: values, dtypes, gradients (second
derivatives where the op has them), repeated indices, ties, negative dims and indices, and the errors.
Deliberate differences (docs/autodiff.md, section 15) are tested as such.
"""
from functools import partial

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.ops.scatter_reduce import segment_reduce
import torch_agreement
from torch_agreement import pair, same

RNG = np.random.default_rng(2024)
X = RNG.standard_normal((3, 4, 5))


def T(array):
    return torch.as_tensor(array)


grads_match = partial(torch_agreement.grads_match, rng=RNG)
second_derivatives_match = partial(torch_agreement.second_derivatives_match, rng=RNG)


# ------------------------------------------------------------------ index_select, masked_select, take, take_along_dim
@pytest.mark.parametrize("dim,index", [(0, [2, 0, 2]), (1, [3]), (-1, [4, 4, 0, 1, 4]), (-3, []), (2, 1)], ids=str)
def test_index_select_matches_torch_with_repeats(dim, index):
    index = np.array(index, dtype=np.int64)
    x, tx = pair(X)
    grads_match(x.index_select(dim, index), torch.index_select(tx, dim, T(index)), [x], [tx])
    same(mg.index_select(x, dim, mg.tensor(index)), torch.index_select(tx, dim, T(index)))
    second_derivatives_match(lambda t: (t * t).index_select(dim, index),
                             lambda t: (t * t).index_select(dim, T(index)), [X])


def test_index_select_of_a_0d_tensor_and_its_errors():
    x, tx = pair(np.array(1.5))
    grads_match(x.index_select(0, np.array([0])), tx.index_select(0, torch.tensor([0])), [x], [tx])
    with pytest.raises(IndexError, match="index_select: the input is 0-d, so index must hold one value, got 2"):
        x.index_select(0, np.array([0, 0]))
    y = mg.tensor(X)
    assert y.index_select(1, np.array([1], dtype=np.int32)).dtype == np.float32   # int32 is taken, as by torch
    with pytest.raises(TypeError, match=r"index_select: index must hold integers .* got dtype float64"):
        y.index_select(1, np.array([1.0]))
    with pytest.raises(TypeError, match="index_select: index must hold integers .* got dtype bool"):
        y.index_select(1, np.array([True]))
    with pytest.raises(IndexError, match=r"index_select: index must be a vector .* got shape \(1, 1\)"):
        y.index_select(1, np.array([[1]]))
    with pytest.raises(IndexError, match=r"index_select: index 4 is out of bounds for dim 1 of size 4"):
        y.index_select(1, np.array([0, 4]))
    with pytest.raises(IndexError, match="index_select: index -1 is out of bounds"):   # torch refuses it too
        y.index_select(-1, np.array([-1]))
    with pytest.raises(ValueError, match=r"index_select: dim 3 is out of range for a tensor of shape \(3, 4, 5\)"):
        y.index_select(3, np.array([0]))


@pytest.mark.parametrize("mask_shape", [(3, 4, 5), (4, 1), (5,), (), (2, 3, 4, 5)], ids=str)
def test_masked_select_matches_torch_with_broadcasting(mask_shape):
    mask = RNG.standard_normal(mask_shape) > 0
    x, tx = pair(X)
    ours, theirs = x.masked_select(mask), torch.masked_select(tx, T(mask))
    assert ours.ndim == 1
    grads_match(ours, theirs, [x], [tx])


def test_masked_select_errors():
    with pytest.raises(TypeError, match="masked_select: mask must be a bool tensor, got dtype int64"):
        mg.masked_select(mg.tensor(X), np.ones((3, 4, 5), dtype=np.int64))
    with pytest.raises(ValueError, match=r"masked_select: mask of shape \(2,\) does not broadcast .* \(3, 4, 5\)"):
        mg.masked_select(mg.tensor(X), np.ones(2, dtype=bool))


def test_take_counts_negative_indices_from_the_end_and_adds_repeats():
    index = np.array([[0, -1, 59], [7, 7, -60]])
    x, tx = pair(X)
    grads_match(x.take(index), torch.take(tx, T(index)), [x], [tx])
    x, tx = pair(np.array(3.0))
    grads_match(mg.take(x, np.array(0)), torch.take(tx, torch.tensor(0)), [x], [tx])
    with pytest.raises(IndexError, match=r"take: index 60 is out of bounds for the flattened input of size 60 "
                                         r"\(input shape \(3, 4, 5\); indices must be in \[-60, 59\]\)"):
        mg.take(mg.tensor(X), np.array([60]))
    with pytest.raises(TypeError, match="take: index must hold integers"):
        mg.take(mg.tensor(X), np.array([0.0]))


@pytest.mark.parametrize("dim,index_shape", [(1, (3, 6, 5)), (-1, (1, 4, 2)), (0, (2, 1, 1)), (None, (7,)),
                                             (None, (2, 3)), (2, (3, 4, 0))], ids=str)
def test_take_along_dim_matches_torch_with_broadcasting(dim, index_shape):
    n = X.size if dim is None else X.shape[dim]
    index = RNG.integers(0, n, index_shape)
    x, tx = pair(X)
    grads_match(x.take_along_dim(index, dim), torch.take_along_dim(tx, T(index), dim), [x], [tx])
    if dim is not None:   # x broadcast along the index too: its gradient sums back
        x, tx = pair(X[:, :1])
        index = RNG.integers(0, X.shape[0], (2, 3, 5))
        grads_match(mg.take_along_dim(x, index, 0), torch.take_along_dim(tx, T(index), 0), [x], [tx])


def test_take_along_dim_errors():
    x = mg.tensor(X)
    with pytest.raises(ValueError, match="take_along_dim: input and indices should have the same number of dims"):
        x.take_along_dim(np.array([0, 1]), 0)
    with pytest.raises(ValueError, match=r"take_along_dim: input of shape \(3, 4, 5\) and indices of shape "
                                         r"\(2, 1, 1\) do not broadcast outside dim 1"):
        x.take_along_dim(np.zeros((2, 1, 1), dtype=np.int64), 1)
    # torch reads unchecked memory for a negative index once the index is broadcast; minigrad refuses it
    with pytest.raises(IndexError, match=r"take_along_dim: index -1 is out of bounds for dim 1 of size 4"):
        x.take_along_dim(np.full((1, 1, 1), -1), 1)
    with pytest.raises(IndexError, match="take_along_dim: index 60 is out of bounds"):
        x.take_along_dim(np.array([60]))


# ------------------------------------------------------------------ nonzero, argwhere, where
@pytest.mark.parametrize("shape", [(3, 4, 5), (6,), (), (0, 3)], ids=str)
def test_nonzero_and_argwhere_match_torch(shape):
    data = np.where(RNG.standard_normal(shape) > 0.3, RNG.standard_normal(shape), 0.0)
    x, tx = pair(data)
    for ours, theirs in [(x.nonzero(as_tuple=False), torch.nonzero(tx)), (mg.argwhere(x), torch.argwhere(tx)),
                         (x.argwhere(), tx.argwhere())]:
        assert ours.dtype == np.int64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.shape == tuple(theirs.shape)
    ours, theirs = mg.nonzero(x, as_tuple=True), torch.nonzero(tx, as_tuple=True)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype == np.int64
        np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_nonzero_asks_which_reading():
    with pytest.raises(TypeError, match=r"nonzero: NumPy's nonzero\(x\) returns one index array per dim, "
                                        r"PyTorch's the \(n, ndim\) tensor; say which"):
        mg.tensor(X).nonzero()
    with pytest.raises(TypeError, match="nonzero: as_tuple must be True or False, got as_tuple=1"):
        mg.nonzero(mg.tensor(X), as_tuple=1)


def test_where_method_matches_torch():
    cond = RNG.standard_normal((4, 5)) > 0
    x, tx = pair(X)
    y, ty = pair(RNG.standard_normal((5,)))
    grads_match(x.where(cond, y), tx.where(T(cond), ty), [x, y], [tx, ty])
    x, tx = pair(X)
    grads_match(x.where(cond, 2.5), tx.where(T(cond), 2.5), [x], [tx])


# ------------------------------------------------------------------ index_add, index_fill, index_copy
@pytest.mark.parametrize("dim,index,alpha", [(1, [0, 3, 0, 0], 1), (-1, [4, 2], -2.5), (0, [2], 0.5), (2, [], 1)],
                         ids=str)
def test_index_add_matches_torch_with_repeats(dim, index, alpha):
    index = np.array(index, dtype=np.int64)
    shape = list(X.shape)
    shape[dim] = index.size
    x, tx = pair(X)
    s, ts = pair(RNG.standard_normal(shape))
    grads_match(x.index_add(dim, index, s, alpha=alpha), tx.index_add(dim, T(index), ts, alpha=alpha), [x, s], [tx, ts])
    src = RNG.standard_normal(shape)
    second_derivatives_match(lambda a, b: mg.index_add(a * a, dim, index, b * b, alpha=alpha),
                             lambda a, b: torch.index_add(a * a, dim, T(index), b * b, alpha=alpha), [X, src])


@pytest.mark.parametrize("dim,index", [(1, [0, -1, 0]), (-1, [2]), (0, [])], ids=str)
def test_index_fill_matches_torch_with_negative_indices(dim, index):
    index = np.array(index, dtype=np.int64)
    x, tx = pair(X)
    same(x.index_fill(dim, index, -3.0), tx.index_fill(dim, T(index), -3.0))
    index = index % X.shape[dim]   # torch's backward fails on a negative index ("out of DATA bounds")
    x, tx = pair(X)
    grads_match(x.index_fill(dim, index, -3.0), tx.index_fill(dim, T(index), -3.0), [x], [tx])
    x, tx = pair(X)
    v, tv = pair(np.array(0.75))   # a 0-d tensor value gets the sum of the gradient over the filled slices
    grads_match(mg.index_fill(x, dim, index, v), torch.index_fill(tx, dim, T(index), tv), [x, v], [tx, tv])


def test_index_fill_gradient_is_exactly_zero_in_the_filled_slices_even_for_inf():
    x = mg.tensor(np.ones((2, 3)), dtype="float64", requires_grad=True)
    x.index_fill(1, np.array([1]), 0.0).backward(mg.tensor(np.full((2, 3), np.inf), dtype="float64"))
    np.testing.assert_array_equal(x.grad.numpy(), [[np.inf, 0.0, np.inf]] * 2)
    assert mg.tensor(np.arange(4)).index_fill(0, np.array([0]), 1.9).tolist() == [1, 1, 2, 3]   # cast, as torch


@pytest.mark.parametrize("dim,index", [(1, [3, 0, 2]), (-1, [4]), (0, [1, 1])], ids=str)
def test_index_copy_matches_torch_incl_a_repeated_index(dim, index):
    """A repeated index keeps the last slice, and each copy gets the gathered gradient, as in torch."""
    index = np.array(index, dtype=np.int64)
    shape = list(X.shape)
    shape[dim] = index.size
    x, tx = pair(X)
    s, ts = pair(RNG.standard_normal(shape))
    grads_match(x.index_copy(dim, index, s), tx.index_copy(dim, T(index), ts), [x, s], [tx, ts])


def test_index_add_copy_fill_errors():
    x = mg.tensor(X, dtype="float64")
    with pytest.raises(ValueError, match=r"index_add: source of shape \(3, 2, 5\) must have the input's shape "
                                         r"\(3, 4, 5\) with 3 \(the number of indices\) along dim 1"):
        x.index_add(1, np.array([0, 1, 2]), mg.zeros(3, 2, 5, dtype="float64"))
    with pytest.raises(TypeError, match="index_copy: source has dtype float32 and the input float64"):
        x.index_copy(1, np.array([0]), mg.zeros(3, 1, 5))
    with pytest.raises(IndexError, match="index_add: index -1 is out of bounds for dim 1 of size 4"):
        x.index_add(1, np.array([-1]), mg.zeros(3, 1, 5, dtype="float64"))
    with pytest.raises(IndexError, match="index_copy: index 4 is out of bounds for dim 1 of size 4"):
        x.index_copy(1, np.array([4]), mg.zeros(3, 1, 5, dtype="float64"))
    with pytest.raises(IndexError, match=r"index_fill: index -5 is out of bounds for dim 1 of size 4 .* "
                                         r"indices must be in \[-4, 3\]"):
        x.index_fill(1, np.array([-5]), 0.0)
    with pytest.raises(TypeError, match="index_add: alpha must be a real number, got alpha='2'"):
        x.index_add(1, np.array([0]), mg.zeros(3, 1, 5, dtype="float64"), alpha="2")
    # a float alpha with an integer input is truncated, as torch casts it (0.5 is 0, 2.5 is 2)
    for alpha in (0.5, 2.5):
        np.testing.assert_array_equal(
            mg.tensor(np.arange(3)).index_add(0, np.array([0]), mg.tensor(np.array([1])), alpha=alpha).numpy(),
            torch.arange(3).index_add(0, torch.tensor([0]), torch.tensor([1]), alpha=alpha).numpy())
    ints = mg.tensor(np.arange(3)).index_add(0, np.array([0, 0]), mg.tensor(np.array([1, 2])), alpha=2)
    np.testing.assert_array_equal(ints.numpy(), torch.arange(3).index_add(0, torch.tensor([0, 0]),
                                                                        torch.tensor([1, 2]), alpha=2).numpy())
    with pytest.raises(TypeError, match="index_fill: index must hold integers"):
        x.index_fill(1, np.array([0.0]), 0.0)
    # the value's errors name index_fill (they used to be masked_fill's, the op it runs on)
    with pytest.raises(ValueError, match=r"^index_fill: value must be a number or a 0-d tensor, got a tensor of "
                                         r"shape \(2,\)$"):
        x.index_fill(1, np.array([0]), mg.zeros(2, dtype="float64"))
    with pytest.raises(RuntimeError, match=r"^index_fill: the value 1000 is out of range for dtype int8"):
        mg.tensor(np.ones(3, np.int8)).index_fill(0, np.array([0]), 1000)


# ------------------------------------------------------------------ scatter
def test_scatter_matches_torch_src_and_value():
    index = np.array([[0, 2, 1, 0, 2], [2, 0, 0, 1, 1]])[:, None, :].repeat(4, 1)     # (2, 4, 5), along dim 0
    x, tx = pair(X)
    s, ts = pair(RNG.standard_normal((2, 4, 5)))
    grads_match(x.scatter(0, index, s), tx.scatter(0, T(index), ts), [x, s], [tx, ts])
    x, tx = pair(X)
    grads_match(mg.scatter(x, -3, index, value=2.0), torch.scatter(tx, -3, T(index), 2.0), [x], [tx])
    x, tx = pair(X)
    grads_match(mg.scatter(x, -3, index, 2.0), torch.scatter(tx, -3, T(index), 2.0), [x], [tx])  # torch's overload
    second_derivatives_match(lambda a, b: (a * a).scatter(0, index, b * b),
                             lambda a, b: (a * a).scatter(0, T(index), b * b), [X, RNG.standard_normal((2, 4, 5))])


def test_scatter_with_a_position_written_twice_keeps_the_last_value_and_gathers_the_gradient():
    index = np.array([[1, 1, 0, 1]])
    x, tx = pair(np.zeros((1, 3)))
    s, ts = pair(np.array([[1.0, 2.0, 3.0, 4.0]]))
    ours, theirs = x.scatter(1, index, s), tx.scatter(1, T(index), ts)
    np.testing.assert_array_equal(ours.numpy(), [[3.0, 4.0, 0.0]])
    grads_match(ours, theirs, [x, s], [tx, ts])


def test_scatter_reduce_argument_gives_scatter_add_and_the_product():
    index = np.array([[0, 0, 2], [1, 3, 3]])
    for reduce in ("add", "multiply"):
        ours = mg.scatter(mg.tensor(X[0], dtype="float64"), 1, index, mg.tensor(X[1, :2, :3], dtype="float64"),
                          reduce=reduce)
        theirs = torch.scatter(T(X[0]), 1, T(index), T(X[1, :2, :3]).clone(), reduce=reduce)
        same(ours, theirs)
    with pytest.raises(ValueError, match="scatter: reduce must be None, 'add' or 'multiply', got reduce='max'"):
        mg.scatter(mg.tensor(X), 0, np.zeros((1, 1, 1), dtype=np.int64), mg.tensor(X), reduce="max")


def test_scatter_errors():
    x = mg.tensor(X)
    with pytest.raises(TypeError, match="scatter: give src .* not both"):
        x.scatter(0, np.zeros((1, 1, 1), dtype=np.int64), x, value=1.0)
    with pytest.raises(TypeError, match="scatter: missing src"):
        x.scatter(0, np.zeros((1, 1, 1), dtype=np.int64))
    with pytest.raises(IndexError, match="scatter: index 3 is out of bounds for dim 0 of size 3"):
        x.scatter(0, np.full((1, 1, 1), 3), x)
    with pytest.raises(ValueError, match=r"scatter: index of shape \(1, 1, 5\) is longer than the src of shape "
                                         r"\(1, 1, 4\)"):
        x.scatter(0, np.zeros((1, 1, 5), dtype=np.int64), x[:1, :1, :4])
    with pytest.raises(ValueError, match="scatter: index has 2 dims"):
        x.scatter(0, np.zeros((1, 1), dtype=np.int64), x)
    # as torch refuses it; this was NumPy's bare "Python integer 1000 out of bounds for int8"
    with pytest.raises(RuntimeError, match=r"^scatter: the value 1000 is out of range for dtype int8"):
        mg.tensor(np.ones(3, np.int8)).scatter(0, np.array([0]), value=1000)


SCATTERS_INTO_0D = {
    "scatter": lambda x, i, s: x.scatter(-1, i, s),
    "scatter_value": lambda x, i, s: x.scatter(0, i, 3.0) * s.sum(),
    "scatter_add": lambda x, i, s: x.scatter_add(0, i, s),
    "scatter_multiply": lambda x, i, s: (x.scatter(0, i, s, reduce="multiply") if isinstance(x, mg.Tensor) else
                                         x.scatter_reduce(0, i, s, "prod")),   # torch's has no derivative
    "scatter_reduce_mean": lambda x, i, s: x.scatter_reduce(0, i, s, "mean"),
    "scatter_reduce_amax_without_self": lambda x, i, s: x.scatter_reduce(0, i, s, "amax", include_self=False),
}


@pytest.mark.parametrize("index", [0, [0], [0, 0], []], ids=str)
@pytest.mark.parametrize("name", SCATTERS_INTO_0D)
def test_scatters_into_a_0d_input_read_it_as_one_element_as_torch(name, index):
    """They used to be refused ('the input is 0-d'), where torch (and minigrad's gather) take it."""
    index = np.array(index, dtype=np.int64)
    x, tx = pair(np.array(2.0))
    s, ts = pair(np.array([5.0, 7.0])[:max(index.size, 1)] if index.ndim else np.array(5.0))
    op = SCATTERS_INTO_0D[name]
    grads_match(op(x, index, s), op(tx, T(index), ts), [x, s], [tx, ts])


def test_scatters_into_a_0d_input_refuse_more_than_one_index_dim_or_an_index_past_0():
    x = mg.tensor(2.0)
    with pytest.raises(ValueError, match=r"^scatter_add: index of shape \(1, 1\) for a 0-d input \(at most 1 dim\)$"):
        x.scatter_add(0, np.zeros((1, 1), dtype=np.int64), mg.tensor([[1.0]]))
    with pytest.raises(ValueError, match=r"^scatter: src of shape \(1, 1\) for a 0-d input \(at most 1 dim\)$"):
        x.scatter(0, np.zeros(1, dtype=np.int64), mg.tensor([[1.0]]))
    with pytest.raises(IndexError, match=r"^scatter_reduce: index 1 is out of bounds for dim 0 of size 1 "
                                         r"\(input shape \(\);"):
        x.scatter_reduce(0, np.array([1]), mg.tensor([1.0]), "prod")


# ------------------------------------------------------------------ scatter_reduce
SR_INDEX = np.array([[0, 2, 2, 0], [1, 1, 1, 1], [3, 0, 3, 3]])[:, :, None].repeat(5, 2)   # (3, 4, 5) along dim 1


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_matches_torch_with_repeated_indices(reduce, include_self):
    src = RNG.standard_normal((3, 4, 5))
    x, tx = pair(X)
    s, ts = pair(src)
    grads_match(x.scatter_reduce(1, SR_INDEX, s, reduce, include_self=include_self),
                tx.scatter_reduce(1, T(SR_INDEX), ts, reduce, include_self=include_self), [x, s], [tx, ts])
    second_derivatives_match(
        lambda a, b: mg.scatter_reduce(a * a, -2, SR_INDEX, b * b, reduce, include_self=include_self),
        lambda a, b: torch.scatter_reduce(a * a, -2, T(SR_INDEX), b * b, reduce, include_self=include_self),
        [X, src])


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_is_exact_at_zeros(include_self):
    """One zero on a position (in self or src), two, and three: torch's first derivatives, and its second
    derivatives where it has them (one zero among the src values of each position)."""
    index = np.array([[0, 0, 1, 1, 2, 2, 2, 3]])
    x_data = np.array([[0.0, 2.0, -1.5, 0.0]])
    src = np.array([[3.0, 0.0, 0.0, 0.5, 0.0, 0.0, 1.25, -2.0]])
    x, tx = pair(x_data)
    s, ts = pair(src)
    grads_match(x.scatter_reduce(1, index, s, "prod", include_self=include_self),
                tx.scatter_reduce(1, T(index), ts, "prod", include_self=include_self), [x, s], [tx, ts])
    one_zero = np.array([[3.0, 0.0, 0.7, 0.5, 0.0, -1.0, 1.25, -2.0]])
    second_derivatives_match(lambda a, b: a.scatter_reduce(1, index, b, "prod", include_self=include_self),
                             lambda a, b: a.scatter_reduce(1, T(index), b, "prod", include_self=include_self),
                             [x_data, one_zero])


def test_scatter_reduce_prod_second_derivative_at_two_zeros_matches_finite_differences():
    """torch has no double backward there; central differences of a multilinear function are exact."""
    index = np.array([[0, 0, 1, 1, 1]])
    x = mg.tensor(np.array([[0.0, 2.0]]), dtype="float64", requires_grad=True)
    s = mg.tensor(np.array([[0.0, 1.5, 0.0, 0.0, 3.0]]), dtype="float64", requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: a.scatter_reduce(1, index, b, "prod"), (x, s))


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_extremes_share_the_gradient_among_ties_as_torch(reduce):
    index = np.array([[0, 0, 1, 1, 2]])
    x, tx = pair(np.array([[2.0, 5.0, -1.0]]))
    s, ts = pair(np.array([[2.0, 2.0, 5.0, 1.0, -1.0]]))   # 3-way tie at 0 for amax, 2-way at 2 for both
    grads_match(x.scatter_reduce(1, index, s, reduce), tx.scatter_reduce(1, T(index), ts, reduce), [x, s], [tx, ts])
    x, tx = pair(np.array([[7.0, 5.0, -1.0]]))
    s, ts = pair(np.array([[2.0, 2.0, 4.0, 4.0, 3.0]]))      # include_self=False, self not tied: torch agrees
    grads_match(x.scatter_reduce(1, index, s, reduce, include_self=False),
                tx.scatter_reduce(1, T(index), ts, reduce, include_self=False), [x, s], [tx, ts])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_extremes_give_a_nan_result_s_gradient_to_its_nans_as_max_does(reduce, include_self):
    """NaN == NaN is False, so the gradient of a NaN position used to reach no value at all (torch gives NaN
    to every value there); minigrad's rule is max's: the NaNs that made the result share it."""
    x = mg.tensor([1.0, np.nan, 3.0], dtype="float64", requires_grad=True)
    s = mg.tensor([np.nan, 2.0, np.nan, 5.0], dtype="float64", requires_grad=True)
    with np.errstate(all="raise"):   # and quietly, as torch
        y = x.scatter_reduce(0, np.array([0, 0, 0, 2]), s, reduce, include_self=include_self)
    np.testing.assert_array_equal(np.isnan(y.numpy()), [True, True, False])
    y.backward(mg.tensor([4.0, 8.0, 16.0], dtype="float64"))
    self_wins = include_self and reduce == "amin"   # position 2 reduces 3 (x's own) with 5, or 5 alone
    np.testing.assert_array_equal(s.grad.numpy(), [2.0, 0.0, 2.0, 0.0 if self_wins else 16.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 8.0, 16.0 if self_wins else 0.0])


def test_scatter_reduce_ties_with_a_left_out_self_share_among_the_src_values_only():
    """A deliberate difference: torch also counts a left-out self equal to the result, so its src gradients
    there add up to 2/3 of g; minigrad shares g among the values that were reduced."""
    index = np.array([0, 0])
    x = mg.tensor(np.array([2.0]), dtype="float64", requires_grad=True)
    s = mg.tensor(np.array([2.0, 2.0]), dtype="float64", requires_grad=True)
    x.scatter_reduce(0, index, s, "amax", include_self=False).backward(mg.tensor([1.0], dtype="float64"))
    np.testing.assert_array_equal(s.grad.numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0])
    ts = torch.tensor([2.0, 2.0], dtype=torch.float64, requires_grad=True)
    ty = torch.tensor([2.0], dtype=torch.float64).scatter_reduce(0, torch.tensor(index), ts, "amax", include_self=False)
    ty.backward(torch.ones(1, dtype=torch.float64))
    np.testing.assert_allclose(ts.grad.numpy(), [1 / 3, 1 / 3])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_on_integers_matches_torch(reduce, include_self):
    x = RNG.integers(-5, 6, (3, 4))
    src = RNG.integers(-5, 6, (3, 3))
    index = np.array([[0, 2, 2], [1, 1, 1], [3, 0, 3]])
    ours = mg.scatter_reduce(mg.tensor(x), 1, index, mg.tensor(src), reduce, include_self=include_self)
    theirs = torch.scatter_reduce(T(x), 1, T(index), T(src), reduce, include_self=include_self)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())   # the integer mean rounds down, as torch


def test_scatter_reduce_keeps_float32_and_refuses_bad_arguments():
    x = mg.tensor(X)
    assert x.scatter_reduce(1, SR_INDEX, x, "amax").dtype == np.float32
    with pytest.raises(ValueError, match="scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', "
                                         "'amin', got reduce='max'"):
        x.scatter_reduce(1, SR_INDEX, x, "max")
    with pytest.raises(TypeError, match="scatter_reduce: src has dtype float64 and the input float32"):
        x.scatter_reduce(1, SR_INDEX, mg.tensor(X, dtype="float64"), "sum")
    with pytest.raises(TypeError, match="scatter_reduce: include_self must be True or False, got include_self=1"):
        x.scatter_reduce(1, SR_INDEX, x, "sum", include_self=1)
    with pytest.raises(IndexError, match="scatter_reduce: index 4 is out of bounds for dim 1 of size 4"):
        x.scatter_reduce(1, SR_INDEX + 1, x, "sum")


@pytest.mark.parametrize("kind", ["prod", "amax", "amin"])
def test_the_padded_rows_reduction_agrees_with_ufunc_at(kind):
    """The path backends without ``multiply.at`` (CuPy) take, run here on NumPy."""
    values = RNG.standard_normal(40)
    seg = RNG.integers(0, 9, 40)
    seg[seg == 4] = 5   # an empty segment
    np.testing.assert_array_equal(segment_reduce(values, seg, 9, kind, dense=True),
                                  segment_reduce(values, seg, 9, kind))


# ------------------------------------------------------------------ masked_scatter, index_put
@pytest.mark.parametrize("x_shape,mask_shape", [((3, 4, 5), (3, 4, 5)), ((3, 4, 5), (4, 1)), ((4, 5), (3, 4, 5)),
                                                ((3, 4, 5), ())], ids=str)
def test_masked_scatter_matches_torch_with_broadcasting(x_shape, mask_shape):
    mask = RNG.standard_normal(mask_shape) > 0
    x, tx = pair(RNG.standard_normal(x_shape))
    s, ts = pair(RNG.standard_normal((7, 11)))   # more entries than needed: the rest get no gradient
    grads_match(x.masked_scatter(mask, s), tx.masked_scatter(T(mask), ts), [x, s], [tx, ts])


def test_masked_scatter_errors():
    with pytest.raises(ValueError, match=r"masked_scatter: source has 2 entries \(shape \(2,\)\) and the mask sets 3"):
        mg.masked_scatter(mg.zeros(3), np.ones(3, dtype=bool), mg.zeros(2))
    with pytest.raises(TypeError, match="masked_scatter: mask must be a bool tensor"):
        mg.masked_scatter(mg.zeros(3), np.ones(3), mg.zeros(3))


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("case", ["rows", "pairs", "bool", "broadcast", "negative"])
def test_index_put_matches_torch(case, accumulate):
    indices, values_shape = {
        "rows": ((np.array([2, 0]),), (2, 4, 5)),
        "pairs": ((np.array([0, 2, 1]), np.array([[3], [1]])), (2, 3, 5)),
        "bool": ((RNG.standard_normal(3) > 0, np.array([1])), (5,)),
        "broadcast": ((np.array([1]), np.array([0, 2]), np.array([4])), ()),
        "negative": ((np.array([-1, 0]),), (4, 5)),
    }[case]
    x, tx = pair(X)
    v, tv = pair(RNG.standard_normal(values_shape))
    grads_match(x.index_put(indices, v, accumulate), tx.index_put(tuple(T(i) for i in indices), tv, accumulate),
                [x, v], [tx, tv])


def test_index_put_adds_repeated_positions_when_accumulating():
    indices = (np.array([0, 0, 2, 0]), np.array([1, 1, 3, 1]))
    x, tx = pair(X[0])
    v, tv = pair(np.array([1.0, 2.0, 3.0, 4.0]))
    ours = x.index_put(indices, v, accumulate=True)
    assert ours.numpy()[0, 1] == X[0, 0, 1] + 7.0
    grads_match(ours, tx.index_put(tuple(T(i) for i in indices), tv, accumulate=True), [x, v], [tx, tv])
    with pytest.raises(IndexError, match=r"index_put: index 3 is out of bounds for dim 0 of size 3"):
        mg.index_put(mg.tensor(X), (np.array([3]),), mg.tensor(0.0))
    with pytest.raises(ValueError, match=r"index_put: values of shape \(3,\) do not broadcast to the indexed shape "
                                         r"\(2, 4, 5\)"):
        mg.index_put(mg.tensor(X), (np.array([0, 1]),), mg.zeros(3))
    # more dims than the indexed shape: torch refuses them too (this was broadcast_to's error, not naming index_put)
    with pytest.raises(ValueError, match=r"^index_put: values of shape \(1, 2, 4, 5\) do not broadcast to the indexed "
                                         r"shape \(2, 4, 5\) \(input shape \(3, 4, 5\)\)$"):
        mg.index_put(mg.tensor(X), (np.array([0, 1]),), mg.zeros((1, 2, 4, 5)))
    with pytest.raises(TypeError, match="index_put: indices must be a tuple of index tensors, got ndarray"):
        mg.index_put(mg.tensor(X), np.array([0]), mg.zeros(3))


# ------------------------------------------------------------------ in-place forms
IN_PLACE = {
    "index_add_": lambda t: t.index_add_(1, np.array([0, 0]), mg.tensor(np.ones((3, 2, 5)), dtype="float64"), alpha=2),
    "index_fill_": lambda t: t.index_fill_(2, np.array([-1]), 5.0),
    "index_copy_": lambda t: t.index_copy_(0, np.array([2]), mg.tensor(np.ones((1, 4, 5)), dtype="float64")),
    "scatter_": lambda t: t.scatter_(1, np.zeros((1, 1, 5), dtype=np.int64), value=3.0),
    "scatter_reduce_": lambda t: t.scatter_reduce_(1, SR_INDEX, mg.tensor(X, dtype="float64"), "amax"),
    "masked_scatter_": lambda t: t.masked_scatter_(np.array([True, False, True, False, False]),
                                                   mg.tensor(np.arange(60.0), dtype="float64")),
    "index_put_": lambda t: t.index_put_((np.array([0, 0]),), mg.tensor(np.ones(5), dtype="float64"), accumulate=True),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_forms_write_stamp_and_refuse_as_zero_(name):
    assert hasattr(torch.Tensor, name)   # torch has each of them
    t = mg.tensor(X, dtype="float64")
    view = t[1:]
    assert IN_PLACE[name](t) is t
    out_of_place = IN_PLACE[name](_OutOfPlace(mg.tensor(X, dtype="float64")))
    np.testing.assert_array_equal(t.numpy(), out_of_place.numpy())
    np.testing.assert_array_equal(view.numpy(), t.numpy()[1:])   # the memory itself
    p = mg.tensor(X, dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name}\(\): a leaf tensor that requires grad \(shape \(3, 4, 5\)\) "
                                           r"cannot be written in place while grad mode is on"):
        IN_PLACE[name](p)
    y = (p * p).sum()
    with mg.no_grad():
        IN_PLACE[name](p)
    with pytest.raises(RuntimeError, match="modified"):   # stamped: the graph recorded before refuses
        y.backward()


class _OutOfPlace:
    """Calls ``x.name_(...)`` as the out-of-place ``x.name(...)``."""

    def __init__(self, t):
        self.t = t

    def __getattr__(self, name):
        return getattr(self.t, name[:-1])


def test_an_in_place_write_must_keep_the_shape():
    with pytest.raises(RuntimeError, match=r"masked_scatter_\(\): the result has shape \(2, 3\), which cannot be "
                                           r"written into this tensor of shape \(3,\)"):
        mg.zeros(3).masked_scatter_(np.ones((2, 3), dtype=bool), mg.zeros(6))


# ------------------------------------------------------------------ counting and searching
def test_bincount_matches_torch():
    x = np.array([0, 2, 2, 5, 1, 2])
    for ours, theirs in [(mg.bincount(mg.tensor(x)), torch.bincount(T(x))),
                         (mg.tensor(x).bincount(minlength=9), T(x).bincount(minlength=9)),
                         (mg.bincount(mg.tensor(x), mg.tensor(np.linspace(0, 1, 6), dtype="float64"), 3),
                          torch.bincount(T(x), T(np.linspace(0, 1, 6)), 3)),
                         (mg.bincount(mg.tensor(x), weights=mg.tensor(np.arange(6.0)).astype("float32")),
                          torch.bincount(T(x), weights=torch.arange(6.0))),
                         (mg.bincount(mg.tensor(x), weights=mg.tensor(np.arange(6))),
                          torch.bincount(T(x), weights=T(np.arange(6)))),
                         (mg.bincount(mg.tensor(np.zeros(0, dtype=np.int64))), torch.bincount(torch.zeros(0).long()))]:
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match=r"bincount: the input must be a 1-D tensor of non-negative integers, got "
                                         r"shape \(2,\) and dtype int64 with negative values"):
        mg.bincount(mg.tensor(np.array([0, -1])))
    with pytest.raises(ValueError, match="bincount: the input must be a 1-D tensor of non-negative integers"):
        mg.bincount(mg.tensor(np.array([0.0])))
    with pytest.raises(ValueError, match="bincount: minlength must be an integer >= 0, got minlength=-1"):
        mg.bincount(mg.tensor(x), minlength=-1)
    with pytest.raises(ValueError, match=r"bincount: weights of shape \(2,\) must have the input's shape \(6,\)"):
        mg.bincount(mg.tensor(x), mg.tensor(np.ones(2)))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "uint8", "bool"])
def test_bincount_weights_give_torchs_dtype(device, dtype):
    # torch keeps float32 and float64 weights and sums every other dtype, float16 too, as float64
    x, w = np.array([0, 2, 2, 5, 1, 2]), (np.arange(6) % 2).astype(dtype)
    ours = mg.bincount(mg.tensor(x, device=device), weights=mg.tensor(w, dtype=dtype, device=device), minlength=7)
    theirs = torch.bincount(T(x), weights=T(w), minlength=7)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bins,lo,hi", [(100, 0, 0), (7, -1.0, 1.0), (4, 0.5, 0.5), (3, -10, 10)], ids=str)
def test_histc_matches_torch(bins, lo, hi, dtype):
    x = RNG.standard_normal(200).astype(dtype)
    x[:4] = [-1.0, 1.0, 0.5, 0.0]   # values on the edges
    ours, theirs = mg.tensor(x, dtype=dtype).histc(bins, lo, hi), torch.histc(T(x), bins, lo, hi)
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    same_values = np.full(5, 2.0, dtype=dtype)
    np.testing.assert_array_equal(mg.histc(mg.tensor(same_values, dtype=dtype), bins=4).numpy(),
                                  torch.histc(T(same_values), 4))


def test_histc_errors():
    with pytest.raises(TypeError, match="histc: the input must be floating, got dtype int64"):
        mg.histc(mg.tensor(np.arange(3)))
    with pytest.raises(ValueError, match="histc: max must be larger than min, got min=2, max=1"):
        mg.histc(mg.zeros(3), 4, 2, 1)
    with pytest.raises(ValueError, match="histc: bins must be a positive integer, got bins=0"):
        mg.histc(mg.zeros(3), 0)


def _tuple(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)], ids=str)
def test_unique_and_unique_consecutive_match_torch(dim, flags):
    x = RNG.integers(0, 3, (6, 2))
    x[1] = x[0]
    for name in ("unique", "unique_consecutive"):
        kwargs = dict(return_inverse=flags[0], return_counts=flags[1], dim=dim)
        ours = _tuple(getattr(mg, name)(mg.tensor(x), **kwargs))
        theirs = _tuple(getattr(torch, name)(T(x), **kwargs))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert o.dtype == np.int64 and o.shape == tuple(t.shape)
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    f = RNG.standard_normal(5).astype(np.float32)
    values = mg.tensor(np.concatenate([f, f[:2], [np.nan, np.nan]])).unique()
    assert values.dtype == np.float32 and values.shape == (7,)   # NaNs stay apart, as in torch


def test_unique_refuses_positional_flags_and_bad_dims():
    with pytest.raises(TypeError, match=r"unique: got positional flags \(True,\); NumPy's unique\(x, True\) asks "
                                        "for return_index, PyTorch's for sorted=True"):
        mg.unique(mg.tensor(X), True)
    with pytest.raises(ValueError, match="unique: dim 3 is out of range"):
        mg.unique(mg.tensor(X), dim=3)
    with pytest.raises(TypeError, match="unique_consecutive: return_counts must be True or False"):
        mg.tensor(X).unique_consecutive(return_counts=None)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize_match_torch(right):
    seq = np.sort(RNG.integers(0, 10, 12)).astype(np.float64)
    values = np.concatenate([seq[:4], RNG.uniform(-1, 11, 8), [-5.0, 20.0]]).reshape(2, 7)
    side = "right" if right else "left"
    seq64, values64 = mg.tensor(seq, dtype="float64"), mg.tensor(values, dtype="float64")
    cases = [(mg.searchsorted(seq64, values64, right=right), torch.searchsorted(T(seq), T(values), right=right)),
             (mg.searchsorted(seq, values, side=side), torch.searchsorted(T(seq), T(values), side=side)),
             (mg.searchsorted(seq, 3.0, right=right), torch.searchsorted(T(seq), 3.0, right=right)),
             (mg.bucketize(values64, seq, right=right), torch.bucketize(T(values), T(seq), right=right)),
             (mg.bucketize(4.0, seq, right=right, out_int32=True),
              torch.bucketize(4.0, T(seq), right=right, out_int32=True))]
    rows = np.sort(RNG.integers(0, 6, (2, 3, 5)), axis=-1)   # N-D: row by row, no loop
    rvalues = RNG.integers(-1, 7, (2, 3, 4))
    cases.append((mg.searchsorted(rows, rvalues, right=right), torch.searchsorted(T(rows), T(rvalues), right=right)))
    unsorted = RNG.standard_normal((3, 6))
    sorter = np.argsort(unsorted, axis=-1)
    points = RNG.standard_normal((3, 2))
    cases.append((mg.searchsorted(unsorted, points, sorter=sorter, side=side),
                  torch.searchsorted(T(unsorted), T(points), sorter=T(sorter), side=side)))
    for ours, theirs in cases:
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")) and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("seq_shape, values_shape", [((2, 0), (2, 3)), ((2, 0), (2, 1)), ((2, 0), (2, 0)),
                                                      ((2, 3, 0), (2, 3, 4)), ((2, 3), (2, 0))])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_of_rows_with_an_empty_last_dim_matches_torch(seq_shape, values_shape, side, device):
    """Every value goes at 0 of an empty row; the rows' reshape(-1, 0) failed with NumPy's 'cannot reshape array of
    size 0 into shape (0)'."""
    seq, values = np.zeros(seq_shape), RNG.standard_normal(values_shape)
    sorter = np.zeros(seq_shape, dtype=np.int64)
    theirs = torch.searchsorted(T(seq), T(values), side=side, out_int32=True)
    for sort in ((), (sorter,)):
        ours = mg.searchsorted(mg.tensor(seq, device=device), mg.tensor(values, device=device), side=side,
                               out_int32=True, sorter=mg.tensor(sort[0], device=device) if sort else None)
        assert ours.device == mg.tensor(0, device=device).device
        assert ours.dtype == np.int32 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_searchsorted_errors():
    with pytest.raises(ValueError, match="searchsorted: side and right can't be set to opposites"):
        mg.searchsorted(np.arange(3), np.arange(2), right=True, side="left")
    with pytest.raises(ValueError, match=r"searchsorted: a sorted_sequence of shape \(2, 3\) needs values with the "
                                         r"same leading dims \(2,\), got shape \(3, 1\)"):
        mg.searchsorted(np.zeros((2, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"bucketize: boundaries must be 1-D, got shape \(2, 3\)"):
        mg.bucketize(np.zeros(3), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="searchsorted: side must be 'left' or 'right', got side='middle'"):
        mg.searchsorted(np.arange(3), np.arange(2), side="middle")
    # as torch; a -1 used to wrap silently (take_along_axis), a 3 to raise NumPy's bare IndexError
    for bad in (-1, 3):
        with pytest.raises(IndexError, match=rf"^searchsorted: sorter index {bad} is out of range for the sequence's "
                                             r"last dim of size 3 \(sequence shape \(3,\); sorter entries must be in "
                                             r"\[0, 2\]\)$"):
            mg.searchsorted(np.array([3.0, 1.0, 2.0]), np.array([2.0]), sorter=np.array([1, 2, bad]))


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), ()])
def test_count_nonzero_matches_torch(dim):
    x = np.where(X > 0.2, X, 0.0)
    ours = mg.count_nonzero(mg.tensor(x), dim) if dim != () else mg.tensor(x).count_nonzero(dim=dim)
    theirs = torch.count_nonzero(T(x), dim=dim)
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.count_nonzero(mg.tensor(0.0)).item() == 0


@pytest.mark.parametrize("shape, dim", [((0,), None), ((0, 3), None), ((0, 3), 0), ((3, 0), 1)])
@pytest.mark.parametrize("name", ["unique", "unique_consecutive"])
def test_unique_and_unique_consecutive_of_an_empty_tensor_match_torch(name, shape, dim):
    """unique_consecutive asked NumPy to reshape its 0 rows into (0, -1), which it refuses."""
    kwargs = dict(return_inverse=True, return_counts=True, dim=dim)
    ours = getattr(mg, name)(mg.zeros(*shape, dtype="float64"), **kwargs)
    theirs = getattr(torch, name)(torch.zeros(shape, dtype=torch.float64), **kwargs)
    assert len(ours) == len(theirs) == 3
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape) and o.dtype == t.numpy().dtype
