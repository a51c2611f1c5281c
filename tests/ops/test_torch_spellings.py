"""PyTorch's spellings on Tensor and the ops, checked against torch itself in float64.

The rule (docs/autodiff.md, section 15): the NumPy spelling keeps its NumPy meaning, the PyTorch
spelling gives PyTorch's. So each PyTorch keyword or method is compared with the same call in
torch (values, gradients, error cases), and each NumPy spelling next to it with its old meaning.
"""
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from torch_agreement import pair, same, second_derivatives_match

RNG = np.random.default_rng(7)
X = RNG.standard_normal((2, 3, 4))


def backward_both(ours, theirs, x, tx):
    """x.grad and tx.grad after the same random cotangent is sent back through both outputs."""
    cot = RNG.standard_normal(theirs.shape)
    (ours * mg.tensor(cot, dtype="float64")).sum().backward()
    (theirs * torch.tensor(cot)).sum().backward()
    same(x.grad, tx.grad)


# ------------------------------------------------------------------ reductions with dim / keepdim
REDUCTIONS = ["sum", "mean", "logsumexp", "var", "std"]
DIMS = [1, -1, (0, 2), [0, -1], (), (0, 1, 2)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_with_dim_match_torch(name, dim, keepdim):
    x, tx = pair(X)
    # dim=() is every dim, but torch.logsumexp(dim=()) fails inside torch and torch's var/std(dim=())
    # derivative is inf (as if nothing were reduced): those compare with every dim spelled out.
    torch_dim = (0, 1, 2) if name in ("logsumexp", "var", "std") and dim == () else dim
    ours, theirs = getattr(x, name)(dim=dim, keepdim=keepdim), getattr(tx, name)(dim=torch_dim, keepdim=keepdim)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    same(getattr(mg, name)(x, dim=dim, keepdim=keepdim), theirs)   # the function takes them too


@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp", "std"])
@pytest.mark.parametrize("dim", [0, -1, (0,), (-1,)], ids=str)
def test_a_0d_tensor_takes_dim_0_and_minus_1_as_in_torch(name, dim):
    x, tx = pair(np.array(1.5))
    kwargs = dict(correction=0) if name == "std" else {}
    same(getattr(x, name)(dim=dim, **kwargs), getattr(tx, name)(dim=dim, **kwargs))
    with pytest.raises(ValueError, match=rf"{name}: dim 1 is out of range for a tensor of shape \(\) "
                                         r"\(expected a dim in \[-1, 0\]\)"):
        getattr(x, name)(dim=1)


def test_dim_empty_reduces_everything_as_in_torch_but_axis_empty_reduces_nothing():
    x, tx = pair(X)
    same(x.sum(dim=()), tx.sum(dim=()))
    assert x.sum(axis=()).shape == X.shape                      # NumPy's axis=(): nothing reduced
    np.testing.assert_array_equal(x.sum(axis=()).numpy(), X)


def test_the_numpy_spelling_keeps_its_meaning():
    x, tx = pair(X)
    same(x.var(axis=1), tx.var(dim=1, correction=0))          # ddof=0, NumPy's default
    same(x.var(axis=None), tx.var(correction=0))
    same(mg.var(x, axis=1, keepdims=True), tx.var(dim=1, correction=0, keepdim=True))
    same(x.std(axis=(0, 2)), tx.std(dim=(0, 2), correction=0))
    same(x.std(ddof=0), tx.std(correction=0))
    m = x.max(axis=1)                                           # NumPy's axis: the values only
    assert isinstance(m, mg.Tensor)
    same(m, tx.amax(dim=1))
    assert isinstance(x.min(axis=-1, keepdims=True), mg.Tensor)
    y, ty = pair(np.array([1.0, 3.0, 3.0]))
    y.max(axis=0).backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.5, 0.5])   # ties still share the gradient
    z, tz = pair(X[0])
    assert z.transpose((0, 1)).shape == (3, 4)                  # NumPy's permutation, given as one tuple
    assert z.transpose(1, 0).shape == (4, 3)                    # a swap in both readings
    w, tw = pair(X)
    same(w.transpose(0, 2), tw.transpose(0, 2))                 # two dims of a 3-D tensor: only torch's reading fits
    same(w.transpose(-2, -1), tw.transpose(-2, -1))
    assert z.size == 12 and z.size(0) == tz.size(0) and z.size() == tuple(tz.size()) and z.T.shape == (4, 3)


@pytest.mark.parametrize("call, message", [
    # PyTorch's idioms, which NumPy reads otherwise: each would run and give another answer.
    (lambda x: x[0].transpose(0, 1), r"^transpose: x\.transpose\(0, 1\) on a 2-D tensor reads two ways: NumPy's "
                                     r"keeps the axes in order \(a permutation\), PyTorch's swaps them; write x\.T or "
                                     r"x\.swapaxes\(0, 1\) to swap$"),
    (lambda x: x.max(1), r"^max: give the axis by keyword: NumPy's max\(x, 1\) gives the maxima only, PyTorch's "
                         r"gives \(values, indices\); write axis= for the maxima or dim= for \(values, indices\)$"),
    (lambda x: mg.min(x, 1), r"^min: give the axis by keyword: NumPy's min\(x, 1\) gives the minima only"),
    # A 0-d integer Tensor could be NumPy's axis (it has __index__) or PyTorch's other operand.
    (lambda x: mg.max(x, mg.tensor(1)), r"^max: give the axis by keyword: NumPy's max\(x, <Tensor of shape \(\)>\) "
                                        r".* \(for the elementwise maximum of two tensors: minigrad.maximum\)$"),
    (lambda x: x.var(0), r"^var: give the axis by keyword: NumPy's var\(x, 0\) is \(axis, dtype\) and divides "
                         r"by n, PyTorch's is \(dim, unbiased\) and divides by n - 1; write axis= \(NumPy's\) or "
                         r"dim= \(PyTorch's\), or choose the divisor with ddof= or correction=$"),
    (lambda x: x.std(0, True), r"^std: give the axis by keyword: NumPy's std\(x, 0, True\)"),
    (lambda x: x.var(), r"^var: NumPy's var divides by n and PyTorch's by n - 1; say which: ddof=0 \(or axis=..., "
                        r"keepdims=...\) for NumPy's, correction=1 \(or dim=..., keepdim=...\) for PyTorch's$"),
    (lambda x: mg.std(x), r"^std: NumPy's std divides by n and PyTorch's by n - 1; say which"),
    (lambda x: x.var(axis=1, keepdim=True), r"^var: NumPy's var divides by n and PyTorch's by n - 1"),   # mixed
    # torch reads axis= as dim=: torch's x.max(axis=1, keepdim=True)[1] is the indices.
    (lambda x: x.max(axis=1, keepdim=True), r"^max: got axis=1 with PyTorch's keepdim=True; NumPy's max gives the "
                                            r"maxima only, PyTorch's \(values, indices\): write axis=..., "
                                            r"keepdims=... for the maxima or dim=..., keepdim=... for \(values, "
                                            r"indices\)$"),
    (lambda x: mg.min(x, axis=-1, keepdim=False), r"^min: got axis=-1 with PyTorch's keepdim=False"),
], ids=["transpose(0, 1)", "max(1)", "min(x, 1)", "max(x, 0-d int)", "var(0)", "std(0, True)", "var()", "std(x)",
        "var(axis, keepdim)", "max(axis, keepdim)", "min(x, axis, keepdim)"])
def test_calls_numpy_and_pytorch_read_differently_are_refused(call, message):
    """Where the same call means one thing in NumPy and another in PyTorch, minigrad asks which (section 15)."""
    x, _ = pair(X)
    with pytest.raises(TypeError, match=message):
        call(x)


@pytest.mark.parametrize("index", [[[0, 1]], [0, slice(None)], [0, None], [0, Ellipsis], [np.array([0, 1])],
                                   [(0, 1)], [mg.tensor(0), mg.tensor(1)]], ids=repr)
def test_a_list_index_holding_sequences_is_refused_as_torch_reads_it_as_a_tuple(index):
    """torch (2.x, deprecated) takes x[[0, 1:]] or x[[[0, 1]]] as x[0, 1:] / x[[0, 1]]; NumPy as one index array."""
    x, tx = pair(X)
    for call in (lambda: x[index], lambda: x.detach().__setitem__(index, 0.0)):
        with pytest.raises(TypeError, match=r"^x\[.*\]: a list index holding sequences, slices, None, \.\.\. or tensors "
                                            r"reads two ways: NumPy's as one index array, PyTorch's as a tuple"):
            call()
    same(x, tx)   # nothing written
    # plain lists of integers (NumPy scalars too) and bools read one way in both
    for plain in ([1, 0, 1], [np.int64(1), 0], [True, False]):
        same(x[plain], tx[plain])


# An integer index is an advanced index in NumPy but a select applied first in torch, and torch lets an Ellipsis
# that stands for no dims join advanced indices where NumPy's separates them: where that moves the indexed dims,
# the two libraries give different layouts (x[0, :, [1, 2]] is (2, 3) in NumPy, (3, 2) in torch).
ASKED_INDICES = [(0, slice(None), [1, 2]), (1, None, [0, 2]), (-1, slice(None), [True, False, True, True]),
                 (mg.tensor(0), slice(1, 3), mg.tensor([3, 3, 0])), (0, Ellipsis, [1, 2]),
                 (slice(None), [True, False, True], Ellipsis, [0, 1])]


@pytest.mark.parametrize("index", ASKED_INDICES, ids=repr)
def test_an_integer_and_an_array_index_apart_are_refused_as_they_read_two_ways(index):
    x, tx = pair(X)
    for call in (lambda: x[index], lambda: x.detach().__setitem__(index, mg.tensor(np.ones((2, 3))))):
        with pytest.raises(TypeError, match=r"^x\[.*\] on a tensor of shape \(2, 3, 4\) reads two ways: NumPy's puts "
                                            r"the indexed dims first, \(\d+(, \d+)*\), PyTorch's keeps them in place, "
                                            r"\(\d+(, \d+)*\); "):
            call()
    same(x, tx)   # nothing written


@pytest.mark.parametrize("index", [(0, slice(None), [1, 2]), (slice(None), 1, [0, 3]), ([0, 1], slice(None), 2),
                                   (0, [1, 2], slice(None)), ([1, 0], 1, [3, 0]), (Ellipsis, 0, [1, 1])], ids=repr)
def test_indices_read_one_way_or_a_one_element_value_match_torch(index):
    """Adjacent advanced indices (ints among them), or indexed dims first in both, give torch's layout; a value of one
    element writes the same entries in both readings, so x[0, :, [1, 2]] = v is taken."""
    x, tx = pair(X)
    torch_index = tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)
    if index[0] == 0 and index[1] == slice(None):
        ours, theirs = x.detach().clone(), tx.detach().clone()
        ours[index] = 5.0
        theirs[torch_index] = 5.0
        same(ours, theirs)
        ours[index] = mg.tensor([7.0], dtype="float64")
        theirs[torch_index] = torch.tensor([7.0], dtype=torch.float64)
        same(ours, theirs)
        return
    ours, theirs = x[index], tx[torch_index]
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)


@pytest.mark.parametrize("index", [(0, slice(None), [1, 2]), (-1, slice(None, 3), [-1]), (1, None, [0, 2])], ids=repr)
def test_a_one_element_write_at_an_index_read_two_ways_has_second_derivatives(index):
    """x[0, :, [1, 2]] = v with one value is taken (one reading); its recorded backward indexed the gradient with the
    same NumPy index through getitem, which refused it: create_graph=True raised "reads two ways", torch computes."""
    torch_index = tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)

    def write(lib, at):
        def fn(a, v):
            c = a * a
            c[at] = (v * v).sum()
            return c * a
        return fn
    second_derivatives_match(write(mg, index), write(torch, torch_index), [X, RNG.standard_normal(())], RNG)


@pytest.mark.parametrize("call", [lambda x: x.max(1, keepdim=True), lambda x: x.min(0, keepdim=False),
                                  lambda lib_x: lib_x.max(-1, keepdim=True)[1], lambda x: x.std(1, keepdim=True),
                                  lambda x: x.var(0, unbiased=False), lambda x: x.std(2, correction=0),
                                  lambda x: x.var(1, correction=2)],
                         ids=["max(1, keepdim)", "min(0, keepdim)", "max(-1, keepdim)[1]", "std(1, keepdim)",
                              "var(0, unbiased)", "std(2, correction)", "var(1, correction=2)"])
def test_a_positional_dim_with_a_torch_only_keyword_is_torchs(call):
    """PyTorch's MNIST example writes output.max(1, keepdim=True)[1]: keepdim (NumPy says keepdims), correction and
    unbiased exist only in PyTorch, so the positional axis can only be its dim; values and gradients as torch's."""
    x, tx = pair(X)
    ours, theirs = call(x), call(tx)
    ours, theirs = (ours, theirs) if not isinstance(theirs, tuple) else (ours[0], theirs[0])
    same(ours, theirs)
    if theirs.dtype.is_floating_point:
        backward_both(ours, theirs, x, tx)


@pytest.mark.parametrize("bounds", [("lo", None), (None, "hi"), ("lo", "hi")], ids=str)
def test_clamp_takes_tensor_bounds_as_torch(bounds):
    """PPO's clamp(v, v_old - eps, v_old + eps): values and the gradients of x and of both bounds, ties (x keeps
    them) and a column with min > max (everything is max) included, broadcasting (4,) bounds over (3, 4)."""
    rng = np.random.default_rng(8)
    x, lo = rng.standard_normal((3, 4)), rng.standard_normal(4) - 0.5
    hi = lo + rng.random(4) * 1.5
    hi[0] = lo[0] - 0.3
    x[0, 1], x[1, 2] = lo[1], hi[2]
    weights = np.arange(12.0).reshape(3, 4)
    got = []
    for lib in (mg, torch):
        leaves = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (x, lo, hi)]
        given = {k: leaves[i] for k, i, b in (("min", 1, bounds[0]), ("max", 2, bounds[1])) if b}
        for clamp in (lambda t: lib.clamp(t, **given), lambda t: t.clamp(**given)):
            y = clamp(leaves[0])
            (y * lib.tensor(weights, dtype=lib.float64)).sum().backward()
            got.append([y.detach().numpy()] + [None if t.grad is None else t.grad.numpy() for t in leaves])
            for t in leaves:
                t.grad = None
    for ours, theirs in zip(got[:2], got[2:]):
        for a, b in zip(ours, theirs):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bounds", [("lo", None), (None, "hi"), ("lo", "hi")], ids=str)
def test_clamp_with_a_nan_in_a_tensor_bound_gives_nan_there_as_torch(bounds):
    """A NaN bound makes a NaN, as a NaN scalar bound does (every comparison with NaN is False, so a plain where
    would silently keep x); there neither x nor the bounds get a gradient, as in torch. A NaN x stays NaN, with no
    gradient either (it passed both wheres and kept its gradient, which the docstring and torch deny it)."""
    x = np.array([-2.0, 0.5, 3.0, np.nan, 0.2])
    lo = np.array([-1.0, np.nan, 0.0, 0.0, np.nan])
    hi = np.array([1.0, 1.0, np.nan, 1.0, np.nan])
    got = []
    for lib in (mg, torch):
        leaves = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (x, lo, hi)]
        given = {k: leaves[i] for k, i, b in (("min", 1, bounds[0]), ("max", 2, bounds[1])) if b}
        y = lib.clamp(leaves[0], **given)
        y.sum().backward()
        got.append([y.detach().numpy(), leaves[0].grad.numpy()] + [leaves[i].grad.numpy() for i in (1, 2)
                                                                    if leaves[i].grad is not None])
    assert len(got[0]) == len(got[1])
    for ours, theirs in zip(*got):
        np.testing.assert_array_equal(ours, theirs)   # NaN == NaN here
    assert got[0][1][3] == 0.0


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_of_two_tensors_are_elementwise_as_in_pytorch(name):
    """torch.max(input, other): NumPy has no reading of a float Tensor as an axis, so PyTorch's is the one."""
    x, tx = pair(X)
    y, ty = pair(X[::-1].copy())
    for ours, theirs in ((getattr(mg, name)(x, y), getattr(torch, name)(tx, ty)),
                         (getattr(x, name)(y), getattr(tx, name)(ty)),
                         (getattr(x, name)(mg.tensor(0.25, dtype=x.dtype)), getattr(tx, name)(torch.tensor(0.25, dtype=tx.dtype)))):
        same(ours, theirs)
        backward_both(ours, theirs, x, tx)
        x.grad = tx.grad = None


@pytest.mark.parametrize("kwargs", [dict(correction=0), dict(correction=2), dict(unbiased=False), dict(unbiased=True),
                                    dict(correction=1.5)], ids=str)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_take_correction_and_unbiased(name, kwargs):
    x, tx = pair(X)
    ours, theirs = getattr(x, name)(dim=(0, 2), **kwargs), getattr(tx, name)(dim=(0, 2), **kwargs)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    same(getattr(mg, name)(x, axis=2, **kwargs), getattr(tx, name)(dim=2, **kwargs))   # with axis too


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_default_to_correction_1_with_any_pytorch_keyword(name):
    x, tx = pair(X)
    same(getattr(x, name)(keepdim=True), getattr(tx, name)(keepdim=True))
    same(getattr(x, name)(dim=1, ddof=0), getattr(tx, name)(dim=1, correction=0))   # an explicit ddof wins


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_with_dim_none_written_out_are_torchs_over_every_dim(name):
    """``dim=None`` given (a dim argument passed along, say) is PyTorch's call: correction=1, as in torch."""
    x, tx = pair(X)
    ours, theirs = getattr(x, name)(dim=None), getattr(tx, name)(dim=None)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    same(getattr(mg, name)(x, dim=None, keepdim=True), getattr(torch, name)(tx, dim=None, keepdim=True))
    np.testing.assert_allclose(getattr(x, name)(axis=None).numpy(), getattr(np, name)(X), rtol=1e-12)  # NumPy's
    with pytest.raises(TypeError, match=rf"^{name}: got both axis=0 and dim=None; give one \(axis is NumPy's name"):
        getattr(x, name)(axis=0, dim=None)


def test_std_of_a_constant_slice_has_gradient_0_as_in_torch():
    a = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    x, tx = pair(a)
    ours, theirs = x.std(dim=1), tx.std(dim=1)
    same(ours, theirs)
    (gx,) = mg.grad(ours.sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad(theirs.sum(), [tx], create_graph=True)
    same(gx, gt)
    u = RNG.standard_normal(a.shape)
    (hx,) = mg.grad((gx * mg.tensor(u, dtype="float64")).sum(), [x])
    (ht,) = torch.autograd.grad((gt * torch.tensor(u)).sum(), [tx])
    same(hx, ht)
    assert np.all(np.isfinite(hx.numpy()))


def test_float32_stays_float32():
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    for y in (x.std(dim=1), x.var(dim=1), x.std(ddof=0), x.max(dim=1).values, x.sum(dim=()), x.clamp(min=0.0),
              mg.clamp(x, -1, 1.5), x.logsumexp(dim=0), x.mean(dim=(0, 1))):
        assert y.dtype == np.float32
        (g,) = mg.grad(y.sum(), [x])
        assert g.dtype == np.float32
    assert mg.std(mg.tensor([1, 2, 4]), correction=1).dtype == np.float32      # integers reduce as float32


# ------------------------------------------------------------------ max / min with dim
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_with_dim_return_values_and_indices_as_torch(name, dim, keepdim):
    ties = np.round(RNG.standard_normal((2, 3, 4)))     # many ties: torch and minigrad take the first
    x, tx = pair(ties)
    ours, theirs = getattr(x, name)(dim=dim, keepdim=keepdim), getattr(tx, name)(dim=dim, keepdim=keepdim)
    assert type(ours).__name__ == name and ours._fields == ("values", "indices")
    values, indices = ours                              # unpacks like torch's
    same(values, theirs.values)
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    backward_both(values, theirs.values, x, tx)         # the whole gradient at the returned index
    same(getattr(mg, name)(x, dim=dim, keepdim=keepdim).values, theirs.values)


def test_max_with_dim_on_nan_integers_bools_and_0d():
    a = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, 5.0]])
    for name in ("max", "min"):
        ours, theirs = getattr(mg.tensor(a, dtype="float64"), name)(dim=1), getattr(torch.tensor(a), name)(dim=1)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    for data in ([[1, 5, 5], [7, 0, 7]], [[True, False], [False, False]]):
        ours, theirs = mg.tensor(data).max(dim=1), torch.tensor(data).max(dim=1)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    x, tx = pair(np.array(2.5))
    ours, theirs = x.max(dim=0), tx.max(dim=0)
    same(ours.values, theirs.values)
    assert ours.indices.shape == () and ours.indices.item() == 0 == theirs.indices.item()
    e, te = pair(np.zeros((0, 3)))
    ours, theirs = e.max(dim=1), te.max(dim=1)
    assert ours.values.shape == ours.indices.shape == (0,) == tuple(theirs.values.shape)
    with pytest.raises(ValueError, match=r"max: cannot reduce over an empty axis of a tensor of shape \(0, 3\)"):
        e.max(dim=0)
    # argmax/argmin over a non-empty dim of an empty tensor are empty too (they raised "empty tensor")
    for name in ("argmax", "argmin"):
        for keepdim in (False, True):
            ours, theirs = getattr(e, name)(dim=1, keepdim=keepdim), getattr(te, name)(dim=1, keepdim=keepdim)
            assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64
            assert getattr(mg, name)(e, axis=1).shape == (0,)
        with pytest.raises(ValueError, match=rf"^{name}: cannot reduce over an empty axis of a tensor of shape "
                                             r"\(0, 3\)$"):
            getattr(e, name)(dim=0)
        with pytest.raises(ValueError, match=rf"^{name}: cannot reduce over an empty axis of a tensor of shape "
                                             r"\(0, 3\)$"):
            getattr(e, name)()


@pytest.mark.parametrize("name", ["max", "min"])
def test_pytorchs_mnist_idiom_with_dim_gives_the_indices(name):
    """``output.max(dim=1, keepdim=True)[1]``: the indices (``output.max(1, keepdim=True)`` asks which is meant)."""
    x, tx = pair(np.round(RNG.standard_normal((4, 5))))
    for keepdim in (True, False):
        ours, theirs = getattr(x, name)(dim=1, keepdim=keepdim), getattr(tx, name)(1, keepdim=keepdim)
        same(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    assert isinstance(getattr(x, name)(axis=1, keepdims=True), mg.Tensor)          # NumPy's call: the values
    with pytest.raises(TypeError, match=f"^{name}: got axis=1 with PyTorch's keepdim=True"):
        getattr(x, name)(axis=1, keepdim=True)   # torch's axis= is its dim=: (values, indices) there, so asked
    assert isinstance(getattr(x, name)(axis=(0, 1)), mg.Tensor)                    # several axes: the values


def test_max_with_dim_errors():
    x, _ = pair(X)
    with pytest.raises(TypeError, match=r"max: dim must be one int to return \(values, indices\), as "
                                        r"torch.max\(x, dim\) does; got dim=\(0, 1\)"):
        x.max(dim=(0, 1))
    with pytest.raises(ValueError, match=r"min: dim 3 is out of range for a tensor of shape \(2, 3, 4\) "
                                         r"\(expected a dim in \[-3, 2\]\)"):
        x.min(dim=3)
    with pytest.raises(TypeError, match=r"max: got both axis=1 and dim=1; give one"):
        mg.max(x, axis=1, dim=1)
    same(x.max(keepdim=True), torch.tensor(X).amax(dim=(0, 1, 2), keepdim=True))   # keepdim alone: values


def test_argmax_and_argmin_take_dim_and_keepdim():
    ties = np.round(RNG.standard_normal((3, 4)))
    x, tx = pair(ties, requires_grad=False)
    for name in ("argmax", "argmin"):
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                ours = getattr(x, name)(dim=dim, keepdim=keepdim)
                np.testing.assert_array_equal(ours.numpy(), getattr(tx, name)(dim=dim, keepdim=keepdim).numpy())
                np.testing.assert_array_equal(getattr(mg, name)(x, dim=dim).numpy(), getattr(tx, name)(dim=dim).numpy())
        assert getattr(x, name)().item() == getattr(tx, name)().item()
    with pytest.raises(ValueError, match=r"argmax: dim 2 is out of range for a tensor of shape \(3, 4\)"):
        x.argmax(dim=2)


# ------------------------------------------------------------------ one spelling per argument
@pytest.mark.parametrize("call, message", [
    (lambda x: x.sum(axis=1, dim=1), r"sum: got both axis=1 and dim=1; give one \(axis is NumPy's name, dim PyTorch's\)"),
    (lambda x: x.mean(keepdims=False, keepdim=True), r"mean: got both keepdims=False and keepdim=True; give one"),
    (lambda x: mg.logsumexp(x, 0, True, keepdim=True), r"logsumexp: got both keepdims=True and keepdim=True"),
    (lambda x: x.var(axis=0, dim=(0, 1)), r"var: got both axis=0 and dim=\(0, 1\)"),
    (lambda x: x.var(dim=1, ddof=1, correction=1), r"var: got ddof=1 and correction=1; give one "
                                                   r"\(ddof is NumPy's name, correction and unbiased PyTorch's\)"),
    (lambda x: x.std(dim=1, correction=0, unbiased=True), r"std: got correction=0 and unbiased=True; give one"),
    (lambda x: x.argmin(axis=0, dim=0), r"argmin: got both axis=0 and dim=0"),
    (lambda x: nn.functional.softmax(x, 1, dim=1), r"softmax: got both axis=1 and dim=1"),
    (lambda x: nn.functional.log_softmax(x, axis=0, dim=1), r"log_softmax: got both axis=0 and dim=1"),
    (lambda x: nn.Softmax(1, dim=1), r"Softmax: got both axis=1 and dim=1"),
    (lambda x: nn.LogSoftmax(axis=-1, dim=0), r"LogSoftmax: got both axis=-1 and dim=0"),   # -1 given, not defaulted
    (lambda x: nn.functional.softmax(x, -1, dim=-1), r"softmax: got both axis=-1 and dim=-1"),
])
def test_both_spellings_of_one_argument_is_one_type_error(call, message):
    x, _ = pair(X)
    with pytest.raises(TypeError, match=message):
        call(x)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.sum(dim=3), ValueError, r"sum: dim 3 is out of range for a tensor of shape \(2, 3, 4\) "
                                         r"\(expected a dim in \[-3, 2\]\)"),
    (lambda x: x.mean(dim=(0, -3)), ValueError, r"mean: dims \(0, -3\) repeat a dim of a tensor of shape \(2, 3, 4\)"),
    (lambda x: x.sum(dim=1.0), TypeError, r"sum: dim must be an int or a tuple of ints, got 1.0"),
    (lambda x: x.sum(dim=(0, "a")), TypeError, r"sum: dim must be an int, got 'a' \(str\)"),
    (lambda x: x.var(dim=2, unbiased=1), TypeError, r"var: unbiased must be True or False, got unbiased=1"),
    (lambda x: x.std(dim=2, correction="1"), TypeError, r"std: correction must be a real number, got correction='1'"),
    (lambda x: x[:, :1, :1].var(dim=(1, 2)), ValueError, r"var: correction=1 leaves no degrees of freedom for 1 elements"),
    (lambda x: x.std(axis=0, ddof=2), ValueError, r"std: ddof=2 leaves no degrees of freedom for 2 elements"),
    (lambda x: nn.functional.softmax(x, dim=3), ValueError, r"softmax: dim=3 is out of range for input of shape \(2, 3, 4\)"),
    (lambda x: nn.functional.softmax(x, dim=1.0), TypeError, r"^softmax: dim must be an int, got dim=1.0 \(float\)$"),
    (lambda x: nn.functional.log_softmax(x, dim=True), TypeError, r"^log_softmax: dim must be an int, got dim=True"),
    (lambda x: nn.functional.softmax(x, 1.0), TypeError, r"^softmax: axis must be an int, got axis=1.0 \(float\)$"),
    (lambda x: nn.functional.log_softmax(x, None), TypeError, r"^log_softmax: axis must be an int, got axis=None"),
])
def test_bad_dims_and_corrections_are_named(call, error, message):
    x, _ = pair(X)
    with pytest.raises(error, match=message):
        call(x)


def test_torch_raises_for_the_same_bad_dims():
    tx = torch.tensor(X)
    for call in (lambda t: t.sum(dim=3), lambda t: t.max(dim=3), lambda t: t.argmax(dim=2 + 1),
                 lambda t: torch.softmax(t, dim=3), lambda t: t.unsqueeze(4), lambda t: t.unsqueeze(-5),
                 lambda t: t.permute(0, 0, 1), lambda t: t.permute(0, 1), lambda t: t.expand(2, 5, 4),
                 lambda t: t.expand(-1, 2, 3, 4), lambda t: t.expand(3, 4)):
        with pytest.raises((RuntimeError, IndexError)):
            call(tx)


# ------------------------------------------------------------------ softmax with dim
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_take_dim(dim):
    for name in ("softmax", "log_softmax"):
        x, tx = pair(X)
        ours = getattr(nn.functional, name)(x, dim=dim)
        theirs = getattr(torch.nn.functional, name)(tx, dim=dim)
        same(ours, theirs)
        backward_both(ours, theirs, x, tx)
    x, tx = pair(X)
    same(nn.Softmax(dim=dim)(x), torch.nn.Softmax(dim=dim)(tx))
    same(nn.LogSoftmax(dim=dim)(x), torch.nn.LogSoftmax(dim=dim)(tx))
    assert nn.Softmax(dim=dim).axis == dim
    x2, tx2 = pair(X[0])   # neither given, up to 2 dims: the last axis, PyTorch's implicit dim too
    same(nn.functional.softmax(x2), torch.nn.functional.softmax(tx2, dim=-1))
    same(nn.LogSoftmax()(x2), torch.log_softmax(tx2, dim=-1))
    with pytest.raises(ValueError, match=r"LogSoftmax: dim must be an integer, got 1.5"):
        nn.LogSoftmax(dim=1.5)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1, None])
def test_softmax_of_a_0d_tensor_is_torchs(name, dim):
    # torch takes dim 0 or -1 (and the implicit dim) for a 0-d input: softmax 1, log_softmax 0, gradient 0;
    # minigrad refused it as out of range.
    x, tx = pair(np.array(1.5))
    kwargs = {} if dim is None else {"dim": dim}
    ours = getattr(nn.functional, name)(x, **kwargs)
    theirs = getattr(torch.nn.functional, name)(tx, dim=0 if dim is None else dim)
    assert ours.shape == ()
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    x, tx = pair(np.array(-0.5))
    layer = nn.Softmax(dim=-1) if name == "softmax" else nn.LogSoftmax(dim=-1)
    same(layer(x), getattr(torch, name)(tx, dim=-1))
    with pytest.raises(ValueError, match=re.escape(f"{name}: dim=1 is out of range for input of shape ()")):
        getattr(nn.functional, name)(x, dim=1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_takes_torchs_dtype(name):
    # Attention code computes the softmax in float32 from half precision: F.softmax(scores, dim=-1, dtype=...)
    data = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours = getattr(nn.functional, name)(x, dim=1, dtype=mg.float64)
    theirs = getattr(torch.nn.functional, name)(tx, dim=1, dtype=torch.float64)
    assert ours.dtype == np.float64 and theirs.dtype == torch.float64
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    seed = np.random.default_rng(3).standard_normal((3, 4))
    ours.backward(mg.tensor(seed, dtype=mg.float64))
    theirs.backward(torch.tensor(seed))
    assert x.grad.dtype == np.float32   # the gradient comes back through the cast, in the input's dtype
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    if name != "softmin":
        method = getattr(x.detach(), name)(1, mg.float64)
        assert method.dtype == np.float64
        np.testing.assert_allclose(method.numpy(), theirs.detach().numpy(), rtol=1e-12)



@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_refuses_an_integer_dtype(name):
    # dtype="int64" was cast to and then taken back to float32: a float32 result, the dtype silently ignored
    x = mg.tensor([1.0, 2.0, 3.0])
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch.nn.functional, name)(torch.tensor([1.0, 2.0, 3.0]), dim=0, dtype=torch.int64)
    with pytest.raises(TypeError, match=f"^{name}: dtype must be a floating dtype, got int64$"):
        getattr(nn.functional, name)(x, dim=0, dtype="int64")


def test_softmin_refuses_a_complex_dtype_as_its_complex_input():
    # softmin shares softmax's dtype cast but not its complex support: torch has no complex softmax kernel
    x = mg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(NotImplementedError):
        torch.nn.functional.softmin(torch.tensor([1.0, 2.0, 3.0]), dim=0, dtype=torch.complex64)
    with pytest.raises(TypeError, match="^softmin: dtype must be a floating dtype, got complex64$"):
        nn.functional.softmin(x, dim=0, dtype="complex64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmin_takes_a_signed_integer_input_with_a_floating_dtype_as_torch(dtype):
    # torch negates the integers and casts: softmin(int64 [[1, 2, 3], [4, 5, -6]], 1, dtype=float32) is a
    # float32 softmax of -x there; minigrad refused the integer input before reading dtype
    x = np.array([[1, 2, 3], [4, 5, -6]])
    y = nn.functional.softmin(mg.tensor(x), 1, dtype=dtype)
    expected = torch.nn.functional.softmin(torch.tensor(x), 1, dtype=getattr(torch, dtype))
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="^softmin: input must be floating point, got dtype int64"):
        nn.functional.softmin(mg.tensor(x), 1)      # without dtype torch refuses integers too


@pytest.mark.parametrize("shape, torch_dim", [((2, 3, 4), 0), ((2, 3, 4, 5), 1)])
def test_softmax_without_an_axis_asks_from_three_dims_on(shape, torch_dim):
    # PyTorch's implicit dim is the last axis below 3 dims (checked above) and not from 3 on: no guess there.
    x, tx = pair(np.random.default_rng(0).standard_normal(shape))
    message = (rf"give the axis for an input of {len(shape)} dims \(shape {re.escape(str(shape))}\): NumPy-style "
               rf"code means the last axis, PyTorch's implicit dim is {torch_dim}; write axis=-1")
    for call in (lambda: nn.functional.softmax(x), lambda: mg.log_softmax(x), lambda: nn.Softmax()(x),
                 lambda: nn.LogSoftmax()(x)):
        with pytest.raises(TypeError, match=message):
            call()
    same(nn.Softmax(axis=-1)(x), torch.softmax(tx, dim=-1))
    same(nn.functional.log_softmax(x, dim=torch_dim), torch.log_softmax(tx, dim=torch_dim))


# ------------------------------------------------------------------ shape methods
def test_view_permute_unsqueeze_expand_match_torch():
    cases = [
        (lambda t: t.view(6, 4), None), (lambda t: t.view((4, -1)), None), (lambda t: t.view(-1), None),
        (lambda t: t.permute(2, 0, 1), None), (lambda t: t.permute((1, 2, 0)), None),
        (lambda t: t.permute([-1, 0, -2]), None),
        (lambda t: t.unsqueeze(0), None), (lambda t: t.unsqueeze(3), None), (lambda t: t.unsqueeze(-1), None),
        (lambda t: t.unsqueeze(-4), None), (lambda t: t[:, :1].expand(2, 3, 4), None),
        (lambda t: t[:1, :, :1].expand(5, -1, 3, 4), None), (lambda t: t.expand((2, -1, 4)), None),
        (lambda t: t.expand(1, 2, 3, 4), None), (lambda t: t.matmul(t.permute(0, 2, 1)), None),
    ]
    for fn, _ in cases:
        x, tx = pair(X)
        ours, theirs = fn(x), fn(tx)
        same(ours, theirs)
        backward_both(ours, theirs, x, tx)
    x = mg.tensor(X)
    assert x.numel() == torch.tensor(X).numel() == 24
    assert x.dim() == 3 and mg.tensor(1.0).dim() == 0


def test_unsqueeze_takes_exactly_torchs_range():
    x, tx = pair(X[0], requires_grad=False)      # 2-D: dims -3..2
    for dim in range(-6, 6):
        try:
            expected = tuple(tx.unsqueeze(dim).shape)
        except IndexError:
            with pytest.raises(ValueError, match=rf"unsqueeze: dim {dim} is out of range for a tensor of shape "
                                                 r"\(3, 4\) \(expected a dim in \[-3, 2\]\)"):
                x.unsqueeze(dim)
        else:
            assert x.unsqueeze(dim).shape == expected


@pytest.mark.parametrize("dims, message", [
    ((0, 0, 1), r"permute: dims \(0, 0, 1\) are not a permutation of the 3 dims of a tensor of shape \(2, 3, 4\)"),
    ((0, 1), r"permute: dims \(0, 1\) are not a permutation of the 3 dims"),
    ((0, 1, 3), r"permute: dims \(0, 1, 3\) are not a permutation"),
    ((0, 1, -4), r"permute: dims \(0, 1, -4\) are not a permutation"),
    ((0, -3, 2), r"permute: dims \(0, -3, 2\) are not a permutation"),
])
def test_permute_refuses_what_is_not_a_permutation(dims, message):
    with pytest.raises(ValueError, match=message):
        mg.tensor(X).permute(*dims)
    with pytest.raises(TypeError, match=r"permute: dims must be ints, got \(0, 1.0, 2\)"):
        mg.tensor(X).permute(0, 1.0, 2)


@pytest.mark.parametrize("sizes, message", [
    ((2, 5, 4), r"expand: size 5 at dim 1 \(a dim of size 3\) is not allowed: -1 keeps an existing size and only "
                r"dims of size 1 expand \(sizes \(2, 5, 4\), tensor shape \(2, 3, 4\)\)"),
    ((-1, 2, 3, 4), r"expand: size -1 at dim 0 \(a new leading dim\) is not allowed"),
    ((2, -2, 4), r"expand: size -2 at dim 1"),
    ((3, 4), r"expand: 2 sizes \(3, 4\) for a tensor of shape \(2, 3, 4\); give at least its 3 dims"),
])
def test_expand_refuses_what_torch_refuses(sizes, message):
    with pytest.raises(ValueError, match=message):
        mg.tensor(X).expand(*sizes)
    with pytest.raises(RuntimeError):
        torch.tensor(X).expand(*sizes)


@pytest.mark.parametrize("sizes, error, message", [
    ((-1, -1), ValueError, r"^reshape: cannot reshape a tensor of shape \(2, 3, 4\) into \(-1, -1\): at most one size "
                           r"may be -1 \(the one inferred\), and the others must be >= 0$"),
    ((-2, -12), ValueError, r"^reshape: cannot reshape a tensor of shape \(2, 3, 4\) into \(-2, -12\): at most one"),
    ((2.5, 12), TypeError, r"^reshape: sizes must be ints, got \(2.5, 12\)$"),   # not truncated to (2, 12)
    ((2.0, 12), TypeError, r"^reshape: sizes must be ints, got \(2.0, 12\)$"),
    (("2", 12), TypeError, r"^reshape: sizes must be ints"),
    ((True, 24), TypeError, r"^reshape: sizes must be ints, got \(True, 24\)$"),
])
def test_view_refuses_what_torch_refuses_naming_the_sizes(sizes, error, message):
    with pytest.raises(error, match=message):
        mg.tensor(X).view(*sizes)
    with pytest.raises(error, match=message):
        mg.tensor(X).reshape(sizes)
    with pytest.raises((RuntimeError, TypeError)):
        torch.tensor(X).view(*sizes)
    assert mg.tensor(X).view(np.int64(4), -1).shape == (4, 6)   # NumPy integers are ints


def test_view_shares_memory_where_numpy_can():
    x = mg.tensor(np.arange(6.0))
    v = x.view(2, 3)
    v[0, 0] = 10.0
    assert x.numpy()[0] == 10.0


def test_view_of_a_transposed_tensor_copies_where_torch_refuses():
    """A documented difference (docs/autodiff.md, section 15): the values of torch's reshape, in a copy."""
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    v = x.t().view(-1)
    np.testing.assert_array_equal(v.numpy(), torch.tensor(np.arange(6.0).reshape(2, 3)).t().reshape(-1).numpy())
    with pytest.raises(RuntimeError):
        torch.tensor(np.arange(6.0).reshape(2, 3)).t().view(-1)


@pytest.mark.parametrize("layer", ["conv", "pool", "conv_relu_pool"])
def test_view_flattens_convolution_and_pooling_results_as_torch(layer):
    # minigrad lays these (N, C, H, W) results out channels-last; torch's are contiguous, so view must work
    x = RNG.standard_normal((3, 2, 8, 8))
    conv, tconv = mg.nn.Conv2d(2, 4, 3).double(), torch.nn.Conv2d(2, 4, 3).double()
    with torch.no_grad():
        tconv.weight.copy_(torch.tensor(conv.weight.numpy()))
        tconv.bias.copy_(torch.tensor(conv.bias.numpy()))
    ours, theirs = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    run = {"conv": lambda m, F, t: m(t), "pool": lambda m, F, t: F.max_pool2d(t, 2),
           "conv_relu_pool": lambda m, F, t: F.max_pool2d(F.relu(m(t)), 2)}[layer]
    a = run(conv, mg.nn.functional, ours)
    b = run(tconv, torch.nn.functional, theirs)
    va, vb = a.view(3, -1), b.view(3, -1)
    assert va.shape == tuple(vb.shape)
    np.testing.assert_allclose(va.numpy(), vb.detach().numpy(), rtol=1e-12, atol=1e-12)
    cot = RNG.standard_normal(tuple(vb.shape))
    (va * mg.tensor(cot, dtype="float64")).sum().backward()
    (vb * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ clamp
@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (0.0, None), (None, 1.0), (1.0, 0.0), (-0.5, -0.5)])
def test_clamp_matches_torch_at_the_bounds_nan_and_min_above_max(lo, hi):
    a = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, -0.5, np.nan])   # values on both bounds, between, outside, NaN
    x, tx = pair(a)
    ours, theirs = x.clamp(min=lo, max=hi), torch.clamp(tx, min=lo, max=hi)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(mg.clamp(x, lo, hi).numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (0.0, None), (None, 1.0), (1.0, 0.0)])
def test_clip_takes_torchs_min_and_max_keywords_as_clamp(lo, hi):
    a = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan])
    x, tx = pair(a)
    ours, theirs = mg.clip(x, min=lo, max=hi), torch.clip(tx, min=lo, max=hi)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(x.clip(min=lo, max=hi).numpy(), tx.clip(min=lo, max=hi).detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("args, kwargs, torch_bounds", [((0.0,), {"max": 1.0}, (0.0, 1.0)),
                                                        ((1.0,), {"max": 0.0}, (1.0, 0.0)),   # min > max: clamp's
                                                        ((None, 1.0), {"min": 0.0}, (0.0, 1.0))])
def test_clip_takes_a_positional_bound_beside_the_other_keyword_as_torch(args, kwargs, torch_bounds):
    a = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan])
    x, tx = pair(a)
    ours, theirs = mg.clip(x, *args, **kwargs), torch.clip(tx, *torch_bounds)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("args, kwargs, shown", [
    ((0.0,), {"min": 1.0}, "lo=0.0, hi=None, min=1.0, max=None"),
    ((0.0, 2.0), {"max": 1.0}, "lo=0.0, hi=2.0, min=None, max=1.0")])
def test_clip_refuses_a_bound_given_positionally_and_by_keyword(args, kwargs, shown):
    with pytest.raises(TypeError, match=r"^clip: a bound is given twice, positionally and by keyword \(" + shown
                       + r"\); give each once$"):
        mg.clip(mg.tensor([1.0]), *args, **kwargs)
    with pytest.raises(TypeError):   # torch: "clip() received an invalid combination of arguments"
        torch.clip(torch.tensor([1.0]), *args, **kwargs)


def test_clamp_dtypes_and_errors():
    ints = [-2, 0, 3]
    ours, theirs = mg.tensor(ints).clamp(min=0.5), torch.tensor(ints).clamp(min=0.5)
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours, theirs = mg.tensor(ints).clamp(-1, 1), torch.tensor(ints).clamp(-1, 1)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match="clamp: at least one of min and max must be given"):
        mg.clamp(mg.tensor(ints))
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        torch.clamp(torch.tensor(ints))
    with pytest.raises(TypeError, match=r"^clamp: min must be a real number, a bool or None, got "
                                        r"min=\[0.0\] \(list\)$"):
        mg.tensor([1.0]).clamp(min=[0.0])
    with pytest.raises(ValueError, match="clip: lo=1.0 is greater than hi=0.0"):   # clip keeps its own rule
        mg.tensor([1.0]).clip(1.0, 0.0)


def test_clamp_with_tensor_bounds_that_do_not_fit_x_names_clamp_and_the_shapes():
    x = mg.zeros(2)
    with pytest.raises(TypeError, match=r"^clamp: tensor bounds min \(shape \(2,\), float64\) and max None do not "
                                        r"combine with x \(shape \(2,\), float32\): .*different floating dtypes"):
        mg.clamp(x, mg.zeros(2, dtype=mg.float64))
    with pytest.raises(ValueError, match=r"^clamp: tensor bounds min None and max \(shape \(3,\), float32\) do "
                                         r"not combine with x \(shape \(2,\), float32\): .*broadcast"):
        x.clamp(max=mg.zeros(3))
    with pytest.raises(TypeError, match=r"^clip: tensor bounds lo \(shape \(2,\), float64\) and hi None"):
        mg.clip(x, mg.zeros(2, dtype=mg.float64), None)


# ------------------------------------------------------------------ casts
def test_float_double_and_integer_casts():
    x = mg.tensor([1.7, -2.2], dtype="float64", requires_grad=True)
    f = x.float()
    assert f.dtype == np.float32 and f.requires_grad
    f.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    assert f.double().dtype == np.float64 and f.float() is f
    t = torch.tensor([1.7, -2.2, 0.0], dtype=torch.float64)
    m = mg.tensor([1.7, -2.2, 0.0], dtype="float64")
    for name, dtype in (("long", np.int64), ("int", np.int32), ("bool", np.bool_)):
        ours = getattr(m, name)()
        assert ours.dtype == dtype and not ours.requires_grad
        np.testing.assert_array_equal(ours.numpy(), getattr(t, name)().numpy())
    assert not x.long().requires_grad
    one = mg.tensor(2.5)
    assert int(one) == 2 and float(one) == 2.5 and bool(one) is True        # the builtins are untouched


# ------------------------------------------------------------------ cat and from_numpy
def test_cat_matches_torch():
    for dim in (0, 1, -1):
        a, ta = pair(X)
        b, tb = pair(RNG.standard_normal((2, 3, 4)))
        ours, theirs = mg.cat([a, b], dim=dim), torch.cat([ta, tb], dim=dim)
        same(ours, theirs)
        backward_both(ours, theirs, a, ta)
        same(b.grad, tb.grad)
    a = mg.tensor(X)
    with pytest.raises(ValueError, match=r"cat: dim 3 is out of range for a tensor of shape \(2, 3, 4\) "
                                         r"\(expected a dim in \[-3, 2\]\)"):
        mg.cat((a, a), dim=3)
    with pytest.raises(ValueError, match=r"cat: shapes \[\(2, 3, 4\), \(2, 3, 5\)\] differ outside axis 0"):
        mg.cat([a, mg.tensor(np.zeros((2, 3, 5)))])
    with pytest.raises(ValueError, match="cat: expected a non-empty sequence of tensors"):
        mg.cat([])


def test_cat_of_one_tensor_is_refused_as_by_torch_not_split_into_rows():
    a, ta = pair(X)
    assert mg.concat(a).shape == (6, 4)  # NumPy's concatenate(x): the rows of x joined, as before
    with pytest.raises(TypeError):
        torch.cat(ta)
    for one in (a, X):
        message = (rf"^cat: expected a list or tuple of tensors, got one {type(one).__name__} of shape \(2, 3, 4\); "
                   r"pass \[x, y, ...\] \(list\(x\) joins the rows of x\)$")
        with pytest.raises(TypeError, match=message):
            mg.cat(one)
        with pytest.raises(TypeError, match="^cat: expected a list or tuple of tensors"):
            mg.cat(one, dim=1)


def test_from_numpy_shares_memory_and_keeps_the_dtype():
    array = np.arange(6.0).reshape(2, 3)
    t = mg.from_numpy(array)
    tt = torch.from_numpy(array.copy())
    assert t.dtype == np.float64 == tt.numpy().dtype and t.shape == (2, 3) and not t.requires_grad
    array[0, 0] = 7.0
    assert t[0, 0].item() == 7.0
    t[1, 2] = -1.0
    assert array[1, 2] == -1.0
    assert mg.from_numpy(np.array([1, 2], dtype=np.int32)).dtype == np.int32
    for bad in ([1.0, 2.0], np.float64(1.0), mg.tensor([1.0]), 3):
        with pytest.raises(TypeError, match=rf"from_numpy: expected a numpy.ndarray, got {type(bad).__name__}"):
            mg.from_numpy(bad)
        with pytest.raises(TypeError):
            torch.from_numpy(bad)


def test_from_numpy_refuses_another_byte_order_as_torch_does():
    # taken, its dtype (>f4) equalled no minigrad dtype: nn.Linear refused it as "dtype >f4 does not match float32"
    swapped = np.arange(3.0, dtype=">f4")
    with pytest.raises(ValueError, match=r"from_numpy: the array's byte order is not this machine's \(dtype >f4\).*"
                                         r"array\.astype\(array\.dtype\.newbyteorder\('='\)\)"):
        mg.from_numpy(swapped)
    with pytest.raises(ValueError, match="byte order"):
        torch.from_numpy(swapped)
    native = mg.from_numpy(swapped.astype(swapped.dtype.newbyteorder("=")))
    assert native.dtype == np.float32 and native.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("dtype", [np.longdouble, np.clongdouble])
def test_from_numpy_refuses_extended_precision_as_torch_does(dtype):
    """A float128 array was shared as a tensor of a dtype no minigrad op computes in."""
    array = np.arange(3, dtype=dtype)
    if array.dtype.itemsize <= (8 if array.dtype.kind == "f" else 16):
        pytest.skip("longdouble is double on this platform")
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy"):
        torch.from_numpy(array)
    with pytest.raises(TypeError, match=rf"^from_numpy: minigrad has no tensors of dtype {array.dtype} \(memory of it "
                                        r"cannot be shared\); convert a copy with minigrad.tensor\(array\) or "
                                        r"array.astype\(numpy.float64\)$"):
        mg.from_numpy(array)
    assert mg.tensor(array).dtype == (np.float32 if array.dtype.kind == "f" else np.complex64)


def test_view_of_results_laid_out_non_contiguously_here_works_as_torchs():
    """minigrad's einsum, convolution and pooling results may be non-contiguous where torch's are contiguous:
    ``.view`` must still give torch's values there (it copies), as ``conv(x).view(n, -1)`` in every CNN does."""
    rng = np.random.default_rng(9)
    a, b, x = rng.standard_normal((2, 5, 6)), rng.standard_normal((2, 5, 6)), rng.standard_normal((2, 3, 8, 8))
    for lib in (mg, torch):
        lib.manual_seed(0)
    conv_t = torch.nn.Conv2d(3, 4, 3).double()
    conv = nn.Conv2d(3, 4, 3, dtype=mg.float64)
    conv.weight.data[...] = conv_t.weight.detach().numpy()
    conv.bias.data[...] = conv_t.bias.detach().numpy()
    pairs = [(mg.einsum("bij,bkj->bik", mg.tensor(a, dtype=mg.float64), mg.tensor(b, dtype=mg.float64)),
              torch.einsum("bij,bkj->bik", torch.tensor(a), torch.tensor(b))),
             (nn.MaxPool2d(2)(conv(mg.tensor(x, dtype=mg.float64))),
              torch.nn.MaxPool2d(2)(conv_t(torch.tensor(x))))]
    assert not all(ours.data.flags.c_contiguous for ours, _ in pairs)   # the case this test is about
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.view(ours.shape[0], -1).detach().numpy(),
                                   theirs.view(theirs.shape[0], -1).detach().numpy(), rtol=1e-12)
