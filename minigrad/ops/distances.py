"""PyTorch's distances, chained products and sampled calculus: ``cdist``, ``pdist``, ``chain_matmul``,
``trapezoid``/``trapz``, ``cumulative_trapezoid`` and ``gradient``.

Each is made of existing ops. ``cdist`` and ``pdist`` are ``norm`` of the pairwise differences, so their
gradient at zero distance is 0, as torch's; ``trapezoid`` and ``gradient`` are slices, sums and differences.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops import _plain
from minigrad.ops._args import check_dims, operands, python_real
from minigrad.ops.matrix_products import multi_dot
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.scan import cumsum
from minigrad.ops.shape import concat, reshape
from minigrad.ops.slice_writes import _p, _pnorm
from minigrad.scalars import is_integer, is_real

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """``torch.cdist``: the p-norm distance between each row of x1 and each row of x2, batch dims broadcast.

    Shapes: (..., P, M), (..., R, M) -> (broadcast ..., P, R). p >= 0 (0 counts differing coordinates, inf is
    the largest |difference|). ``compute_mode`` is accepted, but the distances are always the norms of the
    differences (torch's exact path): torch's matrix-product path for p = 2 rounds differently and loses
    accuracy for close points. dL/dx1 = sum_r g_pr d||x1_p - x2_r|| / dx1_p, 0 where the distance is 0 (as
    torch); dL/dx2 likewise with the sign turned.
    """
    x1, x2 = operands("cdist", x1, x2)
    p = _p("cdist", p, allow_zero=True)
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {', '.join(map(repr, _COMPUTE_MODES))}, "
                         f"got {compute_mode!r}")
    if x1.ndim < 2 or x2.ndim < 2:
        raise ValueError(f"cdist: expects tensors of at least 2 dims (..., rows, features), got shapes "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of features (last dim), got shapes "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    if x1.dtype.kind not in "fc":
        raise TypeError(f"cdist: expects floating tensors, got dtype {x1.dtype}")
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch dims of shapes {tuple(x1.shape)} and {tuple(x2.shape)} do not "
                         "broadcast") from None
    a = reshape(x1, x1.shape[:-1] + (1, x1.shape[-1]))
    b = reshape(x2, x2.shape[:-2] + (1,) + x2.shape[-2:])
    diff = a - b
    if diff.shape[-1] == 0:   # no features: every distance is 0
        return _sum(diff, -1)
    return _pnorm(diff, p, -1)


def pdist(input, p=2.0):  # noqa: A002
    """``torch.pdist`` (also ``nn.functional.pdist``): the p-norm distance between each pair of rows i < j of a
    2-D x, in row-major order of the pairs.   Shapes: (N, M) -> (N (N - 1) / 2,).
    dL/dx: each pair's distance gradient added to both rows (with opposite signs), 0 at zero distance."""
    input = as_tensor(input)
    p = _p("pdist", p, allow_zero=True)
    if input.ndim != 2:
        raise ValueError(f"pdist: expects a 2-D tensor (N, M), got shape {tuple(input.shape)}")
    if input.dtype.kind not in "fc":
        raise TypeError(f"pdist: expects a floating tensor, got dtype {input.dtype}")
    i, j = np.triu_indices(input.shape[0], 1)
    xp = input._xp()
    diff = input[xp.asarray(i)] - input[xp.asarray(j)]
    if diff.shape[-1] == 0:
        return _sum(diff, -1)
    return _pnorm(diff, p, -1)


def chain_matmul(*matrices):
    """``torch.chain_matmul`` (deprecated there for ``linalg.multi_dot``): the product of 2-D tensors, in the
    cheapest order; one matrix comes back as it is.   Gradients: matmul's, through the chain."""
    if not matrices:
        raise ValueError("chain_matmul: expects one or more matrices")
    matrices = [as_tensor(m) for m in matrices]
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise ValueError(f"chain_matmul: expects 2-D tensors, tensor {i} has shape {tuple(m.shape)}")
    return matrices[0] if len(matrices) == 1 else multi_dot(matrices)


def _floating(x):
    x = as_tensor(x)
    return x if x.dtype.kind in "fc" else _plain.cast(x, backend.DEFAULT_FLOAT)


def _samples(name, y, x):
    """y as a floating tensor (integers read as float32), refused when y or the sample points x are bools, as torch
    refuses them (RuntimeError; trapz's too, which is trapezoid)."""
    y = as_tensor(y)
    x_dtype = None if x is None or is_real(x) else (x if isinstance(x, Tensor) else as_tensor(x)).dtype
    if y.dtype.kind == "b" or (x_dtype is not None and x_dtype.kind == "b"):
        given = f"y {y.dtype}" if x is None else f"y {y.dtype}, x {x_dtype}"
        raise RuntimeError(f"{name}: received a bool input for {'`y`' if x is None else '`x` or `y`'} ({given}), "
                           "but bool is not supported, as in torch; cast it to a floating dtype first")
    return _floating(y)


def _cut(x, d, start, stop):
    return x[(slice(None),) * d + (slice(start, stop),)]


def _dim(name, y, dim, axis):
    if dim is not None and axis is not None:
        raise TypeError(f"{name}: got both dim= (PyTorch's) and axis= (NumPy's); give one")
    d = -1 if dim is None and axis is None else dim if dim is not None else axis
    if y.ndim == 0:
        raise ValueError(f"{name}: expects a tensor with at least one dim, got a 0-d tensor")
    check_dims(name, (d,), y.ndim, y.shape)
    return int(d) % y.ndim


def _steps(name, y, x, d):
    """The spacing tensor diff(x) laid along dim ``d`` of y (x 1-D of y's length there, or of y's shape)."""
    x = as_tensor(x, like=y)
    if x.dtype.kind not in "fc":
        x = Tensor(x.data.astype(y.dtype))
    if x.dtype != y.dtype:
        raise TypeError(f"{name}: x has dtype {x.dtype} and y {y.dtype}; they must match")
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise ValueError(f"{name}: a 1-D x must have y's length {y.shape[d]} along dim {d}, got {x.shape[0]}")
        x = reshape(x, (-1,) + (1,) * (y.ndim - 1 - d))
        dd = 0 if x.ndim == 1 else x.ndim - 1 - (y.ndim - 1 - d)
    else:
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise ValueError(f"{name}: x of shape {tuple(x.shape)} does not broadcast with y of shape "
                             f"{tuple(y.shape)}") from None
        dd = d - (y.ndim - x.ndim)
        if dd < 0 or x.shape[dd] != y.shape[d]:
            raise ValueError(f"{name}: x of shape {tuple(x.shape)} must have y's length {y.shape[d]} along dim {d}")
    n = x.shape[dd]
    return _cut(x, dd, 1, n) - _cut(x, dd, 0, n - 1)


def _spacing(name, y, x, dx, d):
    if x is not None and dx is not None:
        raise TypeError(f"{name}: give x (sample points) or dx (a constant spacing), not both")
    if x is not None and is_real(x) and not isinstance(x, Tensor):
        raise TypeError(f"{name}: x must be a tensor of sample points, got the number {x!r}; a constant spacing "
                        "is dx=")
    if x is None:
        h = python_real(name, "dx", 1 if dx is None else dx, bools="scalar")
        if h.__class__ is bool:   # torch's Boolean scalar; a NumPy bool is the float 1.0 or 0.0, as torch's
            raise RuntimeError(f"{name}: dx must be a real number, got dx={dx!r}; torch refuses a Python bool here "
                               f"(trapz takes it as {int(dx)})")
        return h, None
    return None, _steps(name, y, x, d)


def trapezoid(y, x=None, dx=None, axis=None, *, dim=None):
    """``torch.trapezoid`` and ``numpy.trapezoid``: the trapezoidal rule along ``dim`` (default -1), with sample
    points ``x`` (1-D along the dim, or broadcasting with y) or a constant spacing ``dx`` (default 1).

    Shapes: y -> y without that dim. Integers are read as float32. With dx: (sum(y) - (y_0 + y_n) / 2) dx, as
    torch computes it; with x: sum((x_{i+1} - x_i)(y_{i+1} + y_i)) / 2. dL/dy: dx g inside, dx g / 2 at the ends
    (the matching weights with x); dL/dx: the derivative of the same sum.
    """
    y = _samples("trapezoid", y, x)
    d = _dim("trapezoid", y, dim, axis)
    h, steps = _spacing("trapezoid", y, x, dx, d)
    n = y.shape[d]
    if n == 0:
        return _sum(y, d)
    if steps is None:
        ends = _cut(y, d, 0, 1) + _cut(y, d, n - 1, n)
        return (_sum(y, d) - _sum(ends, d) * 0.5) * h
    return _sum(steps * (_cut(y, d, 1, n) + _cut(y, d, 0, n - 1)), d) / 2


def trapz(y, x=None, *, dx=None, dim=-1):
    """``torch.trapz``: ``trapezoid`` (the older name), whose float ``dx`` reads a bool as 1 or 0."""
    if dx is not None:
        dx = python_real("trapz", "dx", dx, bools=True)
    return trapezoid(y, x, dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """``torch.cumulative_trapezoid``: the running trapezoidal rule along ``dim``: entry k is the integral over
    the first k + 1 samples.   Shapes: y -> y with that dim one shorter.   dL/dy, dL/dx: cumsum's and the
    products' gradients."""
    y = _samples("cumulative_trapezoid", y, x)
    d = _dim("cumulative_trapezoid", y, dim, None)
    h, steps = _spacing("cumulative_trapezoid", y, x, dx, d)
    n = y.shape[d]
    pairs = _cut(y, d, 1, n) + _cut(y, d, 0, max(n - 1, 0))
    return cumsum(pairs * (h / 2.0) if steps is None else steps * pairs / 2.0, d)


def _gradient_dims(name, f, dim, axis):
    given = dim if dim is not None else axis
    if given is None:
        return list(range(f.ndim))
    dims = [given] if is_integer(given) else list(given)
    check_dims(name, dims, f.ndim, f.shape)
    return [int(k) % f.ndim for k in dims]


def _one_gradient(f, d, h, edge_order):
    """The derivative of f along dim d: central differences inside, one-sided ones (of ``edge_order``) at the
    ends. ``h`` is a number (even spacing) or a 1-D tensor of the coordinates along d."""
    n = f.shape[d]
    shape = (-1,) + (1,) * (f.ndim - 1 - d)

    def at(start, stop):
        return _cut(f, d, start, stop)

    if not isinstance(h, Tensor):
        inner = (at(2, n) - at(0, n - 2)) / (2.0 * h)
        if edge_order == 1:
            first, last = (at(1, 2) - at(0, 1)) / h, (at(n - 1, n) - at(n - 2, n - 1)) / h
        else:
            first = (at(0, 1) * -1.5 + at(1, 2) * 2.0 - at(2, 3) * 0.5) / h
            last = (at(n - 3, n - 2) * 0.5 - at(n - 2, n - 1) * 2.0 + at(n - 1, n) * 1.5) / h
        return concat([first, inner, last], d)
    dx = h[1:] - h[:-1]
    a, b = reshape(dx[:-1], shape), reshape(dx[1:], shape)   # the steps before and after each inner point
    inner = (at(0, n - 2) * (-b / (a * (a + b))) + at(1, n - 1) * ((b - a) / (a * b)) + at(2, n) * (a / (b * (a + b))))
    if edge_order == 1:
        first = (at(1, 2) - at(0, 1)) / dx[0]
        last = (at(n - 1, n) - at(n - 2, n - 1)) / dx[-1]
    else:
        d1, d2 = dx[0], dx[1]
        first = (at(0, 1) * (-(2.0 * d1 + d2) / (d1 * (d1 + d2))) + at(1, 2) * ((d1 + d2) / (d1 * d2))
                 + at(2, 3) * (-d1 / (d2 * (d1 + d2))))
        d1, d2 = dx[-2], dx[-1]
        last = (at(n - 3, n - 2) * (d2 / (d1 * (d1 + d2))) + at(n - 2, n - 1) * (-(d2 + d1) / (d1 * d2))
                + at(n - 1, n) * ((2.0 * d2 + d1) / (d2 * (d1 + d2))))
    return concat([first, inner, last], d)


def gradient(f, *varargs, spacing=None, dim=None, axis=None, edge_order=1):
    """``torch.gradient`` and ``numpy.gradient``: the derivative of sampled ``f`` along each dim of ``dim`` (every
    dim by default), by central differences inside and one-sided differences of ``edge_order`` (1 or 2) at the
    ends. The spacing (torch's ``spacing=``, NumPy's positional ``varargs``): one number for every dim, one per
    dim, or per dim a 1-D tensor of coordinates (uneven spacing, NumPy's formulas).

    PyTorch's call (``spacing=`` or ``dim=``) returns a tuple, one tensor per dim; NumPy's (``axis=`` or
    positional spacing) returns one tensor for one dim, else a tuple. ``gradient(f)`` of a 1-D f would be a tuple
    in PyTorch and a tensor in NumPy, so it is a TypeError naming both. Integers are read as float32.
    dL/df: the same difference weights applied back (each entry's gradient collects its weights times g).
    """
    f = _floating(f)
    torch_call = spacing is not None or dim is not None
    numpy_call = axis is not None or bool(varargs)
    if torch_call and numpy_call:
        raise TypeError("gradient: got PyTorch's spacing=/dim= with NumPy's axis=/positional spacing; give one "
                        "spelling")
    if dim is not None and axis is not None:
        raise TypeError("gradient: got both dim= and axis=")
    if not torch_call and not numpy_call and f.ndim == 1:
        raise TypeError("gradient(f) of a 1-D f: PyTorch returns a tuple of one tensor, NumPy the tensor; write "
                        "gradient(f, dim=0) for PyTorch's or gradient(f, axis=0) for NumPy's")
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got edge_order={edge_order!r}")
    if f.ndim == 0:
        raise ValueError("gradient: expects a tensor with at least one dim, got a 0-d tensor")
    dims = _gradient_dims("gradient", f, dim, axis)
    given = varargs if varargs else (spacing if spacing is not None else 1.0)
    if is_real(given) or (isinstance(given, Tensor) and given.ndim == 0):
        given = [given] * len(dims)
    given = list(given) if not isinstance(given, Tensor) else [given]
    if len(given) == 1 and len(dims) > 1 and (is_real(given[0]) or
                                              (isinstance(given[0], Tensor) and given[0].ndim == 0)):
        given = given * len(dims)
    if len(given) != len(dims):
        raise ValueError(f"gradient: {len(given)} spacings for {len(dims)} dims {dims}")
    out = []
    for d, h in zip(dims, given):
        n = f.shape[d]
        if n < edge_order + 1:
            raise ValueError(f"gradient: dim {d} has {n} samples (shape {tuple(f.shape)}); edge_order={edge_order} "
                             f"needs at least {edge_order + 1}")
        if isinstance(h, Tensor) and h.ndim == 0:
            h = h.item()
        if not is_real(h):
            h = as_tensor(h, like=f)
            h = h if h.dtype == f.dtype else Tensor(h.data.astype(f.dtype))
            if h.ndim != 1 or h.shape[0] != n:
                raise ValueError(f"gradient: the coordinates for dim {d} must be 1-D of length {n}, got shape "
                                 f"{tuple(h.shape)}")
        out.append(_one_gradient(f, d, h, edge_order))
    if numpy_call and len(out) == 1:
        return out[0]
    return tuple(out)
