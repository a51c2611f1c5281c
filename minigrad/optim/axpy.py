"""``y += a * x`` in place: the update at the heart of SGD, without a full-size temporary.

Written plainly, ``theta -= lr * g`` makes ``lr * g`` as a new array the size of
the parameter, then reads it back: for a 784 x 1000 layer that is 3 MB written
and read again, out of cache. The reference trick, ``g *= lr`` in place, is not
open to an optimizer, since ``p.grad`` belongs to the user. On NumPy, big arrays
are instead updated in blocks whose scaled copy stays in the L2 cache: measured
on a 784 000-element float32 array, 245 us against 445 us for a whole-array
temporary. (On a GPU the temporary comes from CuPy's memory pool, and one
elementwise kernel per operation is what matters, so there is no blocking.)
Arrays of ``threads.MIN_PARALLEL_SIZE`` elements or more are also split over the
pool's threads when that pays (``threads.elementwise``; inside an update that
``elementwise`` already runs, never again), so that SGD without momentum or weight
decay, whose whole update this is, calls ``axpy`` directly, not through a per-slice
update function.
"""
from __future__ import annotations

import numpy as np

from minigrad.backend import get_array_module
from minigrad.optim import threads

# Elements per block: 256 KiB of float32, well inside a per-core L2 cache.
_BLOCK = 1 << 16
# Up to this many elements one whole-array temporary is as fast as blocks.
_WHOLE = 2 * _BLOCK


def axpy(a, x, y):
    """``y += a * x`` in place (BLAS's axpy), for ``x`` of ``y``'s shape; returns ``y``. A large NumPy ``y`` is
    updated in blocks, over the pool's threads when that pays (the module's docstring).

    ``a`` should be a Python float, or a 0-d array of ``y``'s dtype (:func:`factor`), so float32 arrays stay float32.
    """
    size = y.size
    if (size <= _WHOLE and size < threads.MIN_PARALLEL_SIZE) or get_array_module(y) is not np \
            or x.shape != y.shape or not (y.flags.c_contiguous and x.flags.c_contiguous):
        y += a * x
        return y
    threads.elementwise(lambda y, x: _blocked(a, x, y), y, x)   # split over threads when large (and it pays)
    return y


def _blocked(a, x, y):
    """``axpy`` of a contiguous NumPy ``y`` (or a chunk of one), a cache-sized block at a time."""
    if y.size <= _WHOLE:
        y += a * x
        return
    flat_y, flat_x = y.reshape(-1), x.reshape(-1)  # views: both are contiguous
    # a's own type counts too: a NumPy float64 makes a*x float64 in the plain formula, so here as well.
    scratch = np.empty(_BLOCK, dtype=np.result_type(x.dtype, y.dtype, a))
    n = flat_y.size
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        part = scratch[:stop - start]
        np.multiply(flat_x[start:stop], a, out=part)
        flat_y[start:stop] += part


def factor(a, y):
    """``a``, a Python float, as a factor of ``axpy`` (or any ufunc operand) for arrays like ``y``: a 0-d array of
    ``y``'s dtype on NumPy, ``a`` itself otherwise (CuPy's kernels take a float as is, and a NumPy array not at all).

    NumPy 2 makes an array of a Python float operand on every ufunc call, about 2,700 instructions on small arrays,
    which a 0-d array made once per group and dtype saves on every parameter. The product is the same: the float is
    cast to ``y``'s dtype either way.
    """
    return np.asarray(a, y.dtype) if type(y) is np.ndarray else a
