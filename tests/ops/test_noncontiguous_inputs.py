"""Each registered op gives the same values and gradients when its input arrays are non-contiguous.

A wrong gradient hid here once: cross_entropy's backward scattered into ``g.reshape(-1)``, which is a copy, not a
view, when the logits are non-contiguous (a (1, C, L) convolution output, ``x.T``), so part of the gradient was lost.
The registry's samples are all contiguous. This test runs every sample of tests/op_registry.py (tests/nn_registry.py's
included) once as the other registry tests do, then once per layout of ``LAYOUTS`` (F-ordered; a convolution output's
(N, L, C) memory order; strided with NaN gaps; negative strides: see ``_noncontiguous``) with each of its arrays
(float inputs, integer indices, boolean masks, the index arrays in a tuple argument, and the arrays among the keyword
arguments) a non-contiguous view of the same values, held by a leaf Tensor without a copy, and with non-contiguous
``grad_outputs`` too; the layouts are asserted, so that none can quietly become contiguous. It compares the
outputs, the first-order gradients, the recorded (``create_graph=True``) gradients and a vector-Hessian product
(the recorded gradients differentiated again in a random direction, non-contiguous as well, wherever they depend
on the inputs; none for the entries with ``gradgrad=False``), and checks that no input was written to. All layouts
and orders run on every sample, since a sample takes milliseconds: the file runs in 10 to 20 s on the CPU.

Samples whose arrays all have fewer than 2 elements (41 of 1658; atleast_1d's only one) are left out: such an array
is contiguous in any layout.

Identical math on the same values differs at most in summation order, so the tolerance is
tests/ops/test_backward_paths.py's for two computations of one float64 gradient (rtol=1e-10, atol=1e-12), plus the
registry's own ``gpu_nondet_tol`` on a GPU.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from op_registry import REGISTRY

RTOL, ATOL = 1e-10, 1e-12


def _arrays(sample):
    def each(value):
        if type(value) in (tuple, list):
            return [a for v in value for a in each(v)]
        return [value] if isinstance(value, np.ndarray) else []

    return each(sample.args) + [v for v in sample.kwargs.values() if isinstance(v, np.ndarray)]


# A sample whose arrays all have fewer than 2 elements has no non-contiguous layout (NumPy and CuPy call any such
# array contiguous): nothing to check.
CASES = [pytest.param(info, sample, id=f"{info.name}-{i}") for info in REGISTRY for i, sample in enumerate(info.samples)
         if any(a.size >= 2 for a in _arrays(sample))]


LAYOUTS = ("transposed", "swapped", "gaps", "reversed")


def _noncontiguous(a, device, layout):
    """``a``'s values on ``device`` in a view that is not C-contiguous (for ``a.size >= 2``; a smaller array is
    contiguous in any layout):

    - "transposed": in memory as ``a.T`` (F-ordered). An elementwise op's result keeps that order (NumPy's and CuPy's
      order="K"), so every array an op derives from its input is non-contiguous too.
    - "swapped": in memory with the last two axes swapped (a (N, C, L) view of an (N, L, C) array, as a convolution's
      output may be), and with gaps as "gaps" has; its elementwise results are non-contiguous too.
    - "gaps": every other element of a twice-longer array along ``a``'s longest axis (a slice of a larger buffer).
    - "reversed": negative strides on every axis.

    The gaps hold NaN (floats) or an index out of any range (integers), so that an op reading through them shows it.
    Where a layout is contiguous anyway (``a.T`` of an array whose axes but one have length 1), gaps are added.
    """
    if a.size < 2:
        return backend.to_device(a.copy(), device)
    if layout == "reversed":
        return backend.to_device(np.flip(a).copy(), device)[(slice(None, None, -1),) * a.ndim]
    order = list(range(a.ndim))   # the axes from the slowest-varying in memory to the fastest
    if layout == "transposed":
        order.reverse()
    elif layout == "swapped" and a.ndim >= 2:
        order[-2:] = order[:-3:-1]
    view = _laid_out(a, device, order, gap=None if layout == "transposed" else int(np.argmax(a.shape)))
    if view.flags.c_contiguous:
        view = _laid_out(a, device, order, gap=int(np.argmax(a.shape)))
    return view


def _laid_out(a, device, order, gap):
    """A view holding ``a``'s values, its axes ``order`` (slowest first) in memory, every other element taken along
    axis ``gap`` (none if None)."""
    wide = [n * 2 if i == gap else n for i, n in enumerate(a.shape)]
    fill = np.nan if a.dtype.kind in "fc" else np.iinfo(a.dtype).min if a.dtype.kind in "iu" else True
    base = np.full([wide[i] for i in order], fill, dtype=a.dtype)
    back = tuple(int(i) for i in np.argsort(order))   # base.transpose(back) has a's axes in a's order
    pick = tuple(slice(None, None, 2) if i == gap else slice(None) for i in range(a.ndim))
    base.transpose(back)[pick] = a
    return backend.to_device(base, device).transpose(back)[pick]


def _array(a, device, layout):
    """``a`` on ``device``: a C-contiguous copy (``layout=None``) or a non-contiguous view, checked to be one."""
    array = backend.to_device(a.copy(), device) if layout is None else _noncontiguous(a, device, layout)
    assert array.shape == a.shape and array.dtype == a.dtype
    if a.size >= 2:
        assert array.flags.c_contiguous == (layout is None), f"{layout}: a {a.shape} array's layout is not that asked"
    return array


def _tensor(a, device, layout, requires_grad=False):
    array = _array(a, device, layout)
    t = mg.Tensor(array, requires_grad=requires_grad)
    assert t.data is array   # kept as it is, not copied into a contiguous array
    return t


def _nested(value, layout):
    """The index arrays in a tuple or list argument (getitem's, index_put's) laid out as ``layout`` says, on the host
    as the other registry tests pass them."""
    if type(value) in (tuple, list):
        return type(value)(_nested(v, layout) for v in value)
    return _array(value, "cpu", layout) if isinstance(value, np.ndarray) else value


def _as_list(outs):
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    return [o for o in outs if isinstance(o, mg.Tensor)]


def _run(info, sample, device, layout=None):
    """Outputs, first-order gradients, recorded gradients and a vector-Hessian product of ``sample``, its arrays and
    every ``grad_outputs`` laid out as ``layout`` says (C-contiguous for None)."""
    inputs = [_tensor(a, device, layout, requires_grad=a.dtype == np.float64) if isinstance(a, np.ndarray)
              else _nested(a, layout) for a in sample.args]
    kwargs = {k: _array(sample.kwargs[k], device, layout) if isinstance(sample.kwargs[k], np.ndarray) else v
              for k, v in sample.kwargs_on(device).items()}
    diff = [x for x in inputs if isinstance(x, mg.Tensor) and x.requires_grad]
    mg.manual_seed(0)   # a random op (dropout) draws the same mask in both runs
    outs = _as_list(info.fn(*inputs, **kwargs))
    rng = np.random.default_rng(0)
    wanted = [o for o in outs if o.requires_grad]
    weights = [_tensor(rng.standard_normal(o.shape).astype(o.dtype), device, layout) for o in wanted]
    first = mg.grad(wanted, diff, grad_outputs=weights, retain_graph=True, allow_unused=True) if wanted else []
    recorded = vhp = []
    if wanted and info.gradgrad:
        recorded = mg.grad(wanted, diff, grad_outputs=weights, create_graph=True, allow_unused=True)
        again = [g for g in recorded if g is not None and g.requires_grad]
        directions = [_tensor(rng.standard_normal(g.shape).astype(g.dtype), device, layout) for g in again]
        vhp = mg.grad(again, diff, grad_outputs=directions, allow_unused=True) if again else []
    for x, a in zip(inputs, sample.args):   # no op wrote into its input
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(backend.to_numpy(x.data), a)
    return outs, first, recorded, vhp


def _same(what, got, want, tol):
    assert len(got) == len(want), f"{what}: {len(got)} results, contiguous inputs gave {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert (g is None) == (w is None), f"{what} {i}: {g} vs {w}"
        if g is None:
            continue
        assert g.shape == w.shape and g.dtype == w.dtype, f"{what} {i}: {g.shape} {g.dtype} vs {w.shape} {w.dtype}"
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=RTOL, atol=ATOL + tol, err_msg=f"{what} {i}")


@pytest.mark.parametrize("info,sample", CASES)
def test_noncontiguous_inputs_give_the_same_values_and_gradients(info, sample, device):
    want = _run(info, sample, device)
    tol = info.nondet_tol(device)
    for layout in LAYOUTS:
        got = _run(info, sample, device, layout)
        for what, g, w in zip(("output", "gradient", "recorded gradient", "vector-Hessian product"), got, want):
            _same(f"{layout}: {what}", g, w, tol)
