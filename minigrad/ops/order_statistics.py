"""Order statistics under PyTorch's names: ``amax``/``amin``/``aminmax``, ``median``/``nanmedian``, ``mode``,
``kthvalue`` and ``quantile``/``nanquantile``.

``amax``/``amin`` are the ``Max``/``Min`` reductions (tied extrema share the gradient evenly, as torch's). The
others pick entries of each slice by their rank in one stable ascending argsort (NaN ranks last, as in torch),
and their values are ``TakeAlongAxis(x, indices)``: the gradient goes to the entry picked (quantile's to the two
entries it interpolates, in proportion). The indices are int64 constants, computed with NumPy/CuPy calls only.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.ops import _plain
from minigrad.backend import get_array_module
from minigrad.ops._args import check_flag, one_dim, refuse_complex, torch_axis
from minigrad.ops.interpolation import Lerp
from minigrad.ops.reduce import Max, Min, TakeAlongAxis, _reduction
from minigrad.ops.shape import reshape, reshape_if_needed, transpose_if_needed
from minigrad.ops.sorting import _stable_argsort
from minigrad.scalars import is_integer, is_real

AminmaxResult = namedtuple("aminmax", ["min", "max"])
MedianResult = namedtuple("median", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])


# ------------------------------------------------------------------ amax, amin, aminmax
def _extreme(cls, name, x, dim, keepdim):
    x = as_tensor(x)
    refuse_complex(name, x)
    keepdim = check_flag(name, "keepdim", keepdim)
    axis, keepdims = torch_axis(name, x, None, None, () if dim is None else dim, keepdim)
    return _reduction(cls, name, x, axis, keepdims)


def amax(x, dim=(), keepdim=False):
    """The largest entry over ``dim`` (a dim or a tuple; ``()``: every dim), as ``torch.amax``.

    dL/dx = g / k at each of the k tied maxima of a slice, 0 elsewhere (torch splits it evenly too).
    """
    return _extreme(Max, "amax", x, dim, keepdim)


def amin(x, dim=(), keepdim=False):
    """The smallest entry over ``dim`` (``()``: every dim), as ``torch.amin``; ties share the gradient evenly."""
    return _extreme(Min, "amin", x, dim, keepdim)


def aminmax(x, *, dim=None, keepdim=False):
    """``(min, max)`` over one ``dim`` (every dim when None), a named tuple as ``torch.aminmax``."""
    x = as_tensor(x)
    refuse_complex("aminmax", x)
    if dim is not None and not is_integer(dim):
        raise TypeError(f"aminmax: dim must be one int or None, got dim={dim!r}")
    if dim is None and x.size == 0:
        raise ValueError(f"aminmax: cannot reduce an empty tensor of shape {x.shape}")
    d = () if dim is None else int(dim)
    return AminmaxResult(_extreme(Min, "aminmax", x, d, keepdim), _extreme(Max, "aminmax", x, d, keepdim))


# ------------------------------------------------------------------ picking by rank
def _slice_axis(name, x, dim, default=None):
    """(x viewed so the dim is an axis, that axis): a 0-d tensor becomes one slice of one entry."""
    a = one_dim(name, x, dim, None, default=default) if dim is not None or default is not None else None
    if x.ndim == 0:
        return reshape(x, (1,)), 0
    return x, a


def _out_shape(x, y, axis, keepdim):
    """The shape of a reduction along ``axis`` of ``y`` (``x`` seen as slices): 0-d stays 0-d."""
    if x.ndim == 0:
        return ()
    return y.shape[:axis] + ((1,) if keepdim else ()) + y.shape[axis + 1:]


def _nan_count(data, axis):
    xp = get_array_module(data)
    if data.dtype.kind not in "fc":
        return xp.zeros(data.shape[:axis] + (1,) + data.shape[axis + 1:], dtype=np.int64)
    return xp.isnan(data).sum(axis=axis, keepdims=True).astype(np.int64)


def _pick(x, axis, rank_of_slice, keepdim, squeeze_to):
    """(values, indices) of the entries at ``rank_of_slice`` (int64, the axis kept as 1) in each sorted slice."""
    xp = get_array_module(x.data)
    order = _stable_argsort(x.data, axis, False)
    indices = rank_index(x, xp.take_along_axis(order, rank_of_slice, axis=axis))
    values = TakeAlongAxis.apply(x, indices, axis=axis)
    if not keepdim:
        values, indices = reshape(values, squeeze_to), reshape(indices, squeeze_to)
    return values, indices


def rank_index(x, index):
    """``index`` (positions in ``x`` found from its values by a NumPy sort or scan) as a Tensor, through ``_plain``
    under the name ``RankIndex``: an ONNX export refuses it by that name, where a bare Tensor of it was frozen into
    the graph at the example's positions whenever the second traced pass found the same ones (a batch of one row
    exported with fixed sizes: median(x, dim=-1) then returned the example's middle entry's position's value)."""
    return _plain.plain("RankIndex", {}, x, lambda data: index)


def _check_not_empty(name, x, axis):
    if x.shape[axis] == 0:
        raise ValueError(f"{name}: cannot reduce over an empty dim of a tensor of shape {x.shape}")


def _refuse_numpy_spelling(name, axis, keepdims):
    # NumPy's median(axis=) is the mean of the two middle values; torch reads axis= as dim= (the lower one, with
    # its index), so the NumPy spelling would mean either (docs/autodiff.md, section 15).
    if axis is not None or keepdims is not None:
        raise TypeError(f"{name}: axis=/keepdims= (NumPy's spelling) would read two ways: NumPy's median averages the "
                        "two middle values of an even count, PyTorch's (which takes axis= as dim=) returns the lower "
                        "one and its index. Pass dim= (and keepdim=) for PyTorch's, or quantile(x, 0.5, dim=...) "
                        "for NumPy's average")


def _median(name, result, x, dim, keepdim, skip_nan):
    x = as_tensor(x)
    refuse_complex(name, x)
    keepdim = check_flag(name, "keepdim", keepdim)
    if dim is None:
        if x.size == 0:
            if x.dtype.kind != "f":   # torch returns an arbitrary integer here; an integer has no NaN to say "none"
                raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape} and dtype {x.dtype}")
            # the median of nothing is NaN, as torch's (like mean's)
            return MedianOfAll.apply(x, value=get_array_module(x.data).full((), np.nan, dtype=x.dtype))
        flat = reshape(x, (-1,))
        value = _median_along(name, flat.detach(), 0, False, skip_nan, ())[0]
        return MedianOfAll.apply(x, value=value.data)
    y, axis = _slice_axis(name, x, dim)
    _check_not_empty(name, y, axis)
    shape = _out_shape(x, y, axis, keepdim)
    values, indices = _median_along(name, y, axis, True, skip_nan, shape)
    return result(values, indices)


def _median_along(name, x, axis, keepdim, skip_nan, shape):
    xp = get_array_module(x.data)
    n = x.shape[axis]
    nans = _nan_count(x.data, axis)
    valid = n - nans
    # the lower middle of the numbers; an all-NaN slice gives NaN at its middle NaN (torch's index there comes
    # from std::nth_element over incomparable NaNs: 0, 0, 0, 2, 2, 3, 5 for n = 1..7, no rule to follow)
    if skip_nan:
        rank = xp.where(valid > 0, (valid - 1) // 2, (n - 1) // 2)
    else:          # a slice holding NaN gives NaN (its first NaN), as torch.median
        rank = xp.where(nans > 0, valid, (n - 1) // 2)
    values, indices = _pick(x, axis, rank.astype(np.int64), True, None)
    return reshape_if_needed(values, shape), reshape_if_needed(indices, shape)


class MedianOfAll(Function):
    """y = ``value``, the median of every entry of x (found by rank in ``_median_along``).

    dL/dx = g / k at each of the k entries equal to it (at each NaN when it is NaN), 0 elsewhere: torch's
    median() and nanmedian() without a dim split the gradient evenly among ties, as max() does.
    Shapes: x -> ().
    """

    def __init__(self, value):
        self.value = value

    def forward(self, x):
        if x.dtype.kind in "fc":   # an integer median has no gradient to share
            xp = get_array_module(x)
            hit = xp.isnan(x) if xp.isnan(self.value) else x == self.value
            self.share = hit.astype(x.dtype)   # a constant: the median moves with its tied entries
            self.share /= self.share.sum()
        return self.value.copy()

    def backward(self, F, gy, x):
        return gy * F.const(self.share)


def median(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The median, as ``torch.median``: the lower of the two middle entries for an even count.

    Without ``dim``: a 0-d tensor (NaN for an empty floating tensor, as torch's). With ``dim``: a named tuple
    ``(values, indices)``. A slice holding NaN has median NaN (index: its first NaN). With ``dim`` the gradient goes to the entry picked; among equal
    entries the one picked is the first in a stable sort (torch leaves the choice unspecified). Without ``dim``
    it is shared evenly by the entries equal to the median, as torch's (``MedianOfAll``). NumPy's ``axis=`` is
    refused: NumPy's median averages the two middle values.
    """
    _refuse_numpy_spelling("median", axis, keepdims)
    return _median("median", MedianResult, x, dim, keepdim, skip_nan=False)


def nanmedian(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``median`` ignoring NaN (``torch.nanmedian``): an all-NaN slice gives NaN."""
    _refuse_numpy_spelling("nanmedian", axis, keepdims)
    return _median("nanmedian", NanmedianResult, x, dim, keepdim, skip_nan=True)


def kthvalue(x, k, dim=-1, keepdim=False):
    """The ``k``-th smallest entry (k from 1) along ``dim`` and its index: ``(values, indices)`` as ``torch.kthvalue``.

    NaN ranks above every number. The gradient goes to the entry picked.
    """
    x = as_tensor(x)
    refuse_complex("kthvalue", x)
    keepdim = check_flag("kthvalue", "keepdim", keepdim)
    y, axis = _slice_axis("kthvalue", x, dim, default=-1)
    if isinstance(k, bool) or not is_integer(k):
        raise TypeError(f"kthvalue: k must be an int, got k={k!r} ({type(k).__name__})")
    n = y.shape[axis]
    if not 1 <= k <= n:
        raise ValueError(f"kthvalue: k={k} is out of range for dim {dim} of size {n} in a tensor of shape "
                         f"{x.shape} (expected 1 <= k <= {n})")
    xp = get_array_module(y.data)
    rank = xp.full(y.shape[:axis] + (1,) + y.shape[axis + 1:], int(k) - 1, dtype=np.int64)
    shape = _out_shape(x, y, axis, keepdim)
    values, indices = _pick(y, axis, rank, True, None)
    return KthvalueResult(reshape_if_needed(values, shape), reshape_if_needed(indices, shape))


def _running(xp, ufunc, a, axis, reverse=False):
    """``ufunc.accumulate`` along ``axis`` (NumPy's), or log2(n) doubling steps where there is none (CuPy)."""
    if reverse:
        return xp.flip(_running(xp, ufunc, xp.flip(a, axis), axis), axis)
    if xp is np:
        return ufunc.accumulate(a, axis=axis)
    op = getattr(xp, ufunc.__name__)
    n, s = a.shape[axis], 1
    while s < n:
        head = [slice(None)] * a.ndim
        head[axis] = slice(s, None)
        tail = [slice(None)] * a.ndim
        tail[axis] = slice(0, n - s)
        a = a.copy()
        a[tuple(head)] = op(a[tuple(head)], a[tuple(tail)].copy())
        s *= 2
    return a


def mode(x, dim=-1, keepdim=False):
    """The most frequent entry along ``dim`` and its index: ``(values, indices)`` as ``torch.mode``.

    Among equally frequent values the smallest; its index is that of its last occurrence (as torch's).
    NaN never equals itself, so each NaN counts once. The gradient goes to the entry picked.
    """
    x = as_tensor(x)
    refuse_complex("mode", x)
    keepdim = check_flag("mode", "keepdim", keepdim)
    y, axis = _slice_axis("mode", x, dim, default=-1)
    _check_not_empty("mode", y, axis)
    xp = get_array_module(y.data)
    n = y.shape[axis]
    order = _stable_argsort(y.data, axis, False)
    s = xp.take_along_axis(y.data, order, axis=axis)
    position = xp.arange(n, dtype=np.int64).reshape((n,) + (1,) * (y.ndim - 1 - axis))
    cut = [slice(None)] * y.ndim
    cut[axis] = slice(1, None)
    head = [slice(None)] * y.ndim
    head[axis] = slice(0, n - 1)
    change = s[tuple(cut)] != s[tuple(head)]              # a new run starts at i where s[i] != s[i - 1]
    edge = xp.ones(y.shape[:axis] + (1,) + y.shape[axis + 1:], dtype=bool)
    starts = xp.concatenate([edge, change], axis=axis)
    ends = xp.concatenate([change, edge], axis=axis)
    start = _running(xp, np.maximum, xp.where(starts, position, 0), axis)
    end = _running(xp, np.minimum, xp.where(ends, position, n), axis, reverse=True)
    best = xp.argmax(end - start, axis=axis, keepdims=True)           # the first longest run: the smallest value
    rank = xp.take_along_axis(end, best, axis=axis).astype(np.int64)  # its last entry: the last occurrence
    indices = rank_index(y, xp.take_along_axis(order, rank, axis=axis))
    values = TakeAlongAxis.apply(y, indices, axis=axis)
    shape = _out_shape(x, y, axis, keepdim)
    return ModeResult(reshape_if_needed(values, shape), reshape_if_needed(indices, shape))


# ------------------------------------------------------------------ quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, x, q, dim, keepdim, interpolation, skip_nan):
    x = as_tensor(x)
    keepdim = check_flag(name, "keepdim", keepdim)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: the input must be float32 or float64, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {', '.join(_INTERPOLATIONS)}; "
                         f"got interpolation={interpolation!r}")
    xp = get_array_module(x.data)
    if isinstance(q, Tensor):
        if q.dtype != x.dtype:
            raise TypeError(f"{name}: q must have the input's dtype {x.dtype}, got {q.dtype}")
        if q.ndim > 1:
            raise ValueError(f"{name}: q must be a scalar or a 1-D tensor, got shape {q.shape}")
        scalar_q, qs = q.ndim == 0, q.data.reshape(-1).astype(np.float64)
    elif isinstance(q, bool) or not is_real(q):
        raise TypeError(f"{name}: q must be a float or a tensor, got q={q!r} ({type(q).__name__})")
    else:
        scalar_q, qs = True, xp.asarray([float(q)])
    if bool(((qs < 0) | (qs > 1)).any()) or bool(xp.isnan(qs).any()):
        raise ValueError(f"{name}: q values must be in the range [0, 1], got q={q!r}")
    # The ranks q * (n - 1) are computed in the input's dtype, as torch's: in float64 a float32 q = 1/3
    # of 4 values gave rank 1.00000003, so 'higher' picked the third value instead of the second.
    qs = qs.astype(x.dtype)
    if dim is None:
        if x.size == 0:
            raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")
        y, axis = reshape(x, (-1,)), 0
    else:
        y, axis = _slice_axis(name, x, dim)
        _check_not_empty(name, y, axis)
    n = y.shape[axis]
    nans = _nan_count(y.data, axis)
    qs = qs.reshape((-1,) + (1,) * (y.ndim - 1 - axis))           # along the axis, one entry per q
    if skip_nan:
        rank = qs * xp.maximum(n - nans - 1, 0).astype(qs.dtype)
    else:   # a slice holding NaN gives NaN: point at its last entry, a NaN
        rank = xp.where(nans > 0, n - 1, qs * (n - 1))
    below, above = xp.floor(rank), xp.ceil(rank)
    if interpolation == "nearest":
        below = above = xp.round(rank)     # half to even, as torch's round
    elif interpolation == "lower":
        above = below
    elif interpolation == "higher":
        below = above
    order = _stable_argsort(y.data, axis, False)
    lo = TakeAlongAxis.apply(y, rank_index(y, xp.take_along_axis(order, below.astype(np.int64), axis=axis)), axis=axis)
    hi = TakeAlongAxis.apply(y, rank_index(y, xp.take_along_axis(order, above.astype(np.int64), axis=axis)), axis=axis)
    if interpolation in ("linear", "midpoint"):
        # torch's lerp, which counts from hi for a weight of 1/2 or more: between -inf and a number that is -inf
        # (and between a number and inf NaN), where lo + (hi - lo) w was NaN (and inf)
        weight = xp.full(rank.shape, 0.5) if interpolation == "midpoint" else rank - below
        out = Lerp.apply(lo, hi, Tensor(weight.astype(x.dtype)))
    else:
        out = lo
    # The q axis goes first, as in torch; keepdim keeps the reduced dims as 1 after it.
    out = transpose_if_needed(out, (axis,) + tuple(a for a in range(out.ndim) if a != axis))
    rest = ((1,) * x.ndim if keepdim else ()) if dim is None else _out_shape(x, y, axis, keepdim)
    out = reshape_if_needed(out, (out.shape[0],) + rest)
    return reshape_if_needed(out, rest) if scalar_q else out


def quantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles along ``dim`` (the flattened tensor when None), as ``torch.quantile``.

    q: a float or a 0-d/1-D tensor of the input's dtype, in [0, 1]; a 1-D q puts its axis first. The rank
    q (n - 1) falls between two sorted entries lo and hi; ``interpolation`` picks lo + (hi - lo) frac
    ('linear', torch's lerp), lo, hi, their mean ('midpoint', lerp at 1/2) or the nearer ('nearest', half to
    even). A slice holding NaN gives NaN. dL/dlo = g (1 - frac), dL/dhi = g frac (linear).
    """
    return _quantile("quantile", x, q, dim, keepdim, interpolation, skip_nan=False)


def nanquantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` of the entries that are not NaN (``torch.nanquantile``); an all-NaN slice gives NaN."""
    return _quantile("nanquantile", x, q, dim, keepdim, interpolation, skip_nan=True)


