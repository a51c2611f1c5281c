"""PyTorch's matrix products with strict shapes: ``mm``, ``bmm``, ``mv``, ``dot``, ``vdot``, ``inner``, ``addmm``,
``addmv``, ``addr``, ``baddbmm``, ``addbmm``, ``kron``, ``cross``, ``matrix_power`` and ``multi_dot``.

Each is ``matmul`` (or products and sums) after checking the shapes torch requires, so the gradients are
matmul's: dL/da = g b^T, dL/db = a^T g for a product a b. A wrong shape is one error naming the op and shapes.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import alpha_check, operands, python_real, scalar_in_dtype
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.convert import clone
from minigrad.ops.linalg import matmul
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape, reshape_if_needed, stack
from minigrad.scalars import is_integer


def _shapes(name, expected, *tensors):
    shapes = " and ".join(str(tuple(t.shape)) for t in tensors)
    return ValueError(f"{name}: expects {expected}, got shapes {shapes}")


def _pair(name, a, b):
    return operands(name, a, b, elementwise=False)


def mm(a, b):
    """``torch.mm``: (n, k) @ (k, m) -> (n, m), 2-D operands only; a sparse COO ``a`` is minigrad.sparse's product."""
    if not isinstance(a, Tensor) and getattr(a, "is_sparse", False):
        return a.mm(b)
    a, b = _pair("mm", a, b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise _shapes("mm", "two 2-D tensors (n, k) and (k, m)", a, b)
    return matmul(a, b)


def bmm(a, b):
    """``torch.bmm``: (B, n, k) @ (B, k, m) -> (B, n, m), 3-D operands with the same batch, no broadcasting."""
    a, b = _pair("bmm", a, b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise _shapes("bmm", "two 3-D tensors (B, n, k) and (B, k, m)", a, b)
    return matmul(a, b)


def mv(a, v):
    """``torch.mv``: (n, m) @ (m,) -> (n,)."""
    a, v = _pair("mv", a, v)
    if a.ndim != 2 or v.ndim != 1 or a.shape[1] != v.shape[0]:
        raise _shapes("mv", "a 2-D tensor (n, m) and a 1-D tensor (m,)", a, v)
    return matmul(a, v)


def dot(a, b):
    """``torch.dot``: the 0-d sum of a * b for two 1-D tensors of one length."""
    a, b = _pair("dot", a, b)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise _shapes("dot", "two 1-D tensors of the same length", a, b)
    return matmul(a, b)


def vdot(a, b):
    """``torch.vdot``: dot with the first operand conjugated; for real tensors, ``dot``."""
    a, b = _pair("vdot", a, b)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise _shapes("vdot", "two 1-D tensors of the same length", a, b)
    return matmul(a, b)


def inner(a, b):
    """``torch.inner``: sums over the last dims: (..a, k), (..b, k) -> (..a, ..b); a 0-d operand multiplies."""
    a, b = _pair("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise _shapes("inner", "tensors whose last dims match", a, b)
    k = a.shape[-1]
    rows, cols = int(np.prod(a.shape[:-1])), int(np.prod(b.shape[:-1]))   # not -1: k may be 0
    out = matmul(reshape_if_needed(a, (rows, k)), reshape_if_needed(b, (cols, k)).T)
    return reshape_if_needed(out, a.shape[:-1] + b.shape[:-1])


def _scaled_sum(name, base, product, beta, alpha, scalars=False):
    """beta * base + alpha * product, base broadcast to product's shape; beta = 0 ignores base's values (NaN too) and
    gives it gradient 0, as torch.
    A bool beta or alpha is 1 or 0, as torch's addmm reads it; with ``scalars`` (addr) they are torch's Scalars, as
    add's alpha: a Python bool for a bool result only, a float (a NumPy bool too) not for an integer one."""
    beta = python_real(name, "beta", beta, bools="scalar" if scalars else True)
    alpha = python_real(name, "alpha", alpha, bools="scalar" if scalars else True)
    base = as_tensor(base, like=product)
    if scalars:   # torch's Scalar rules (alpha_check), then the value in the result's dtype (a bool result: True)
        result = np.promote_types(base.dtype, product.dtype)
        alpha_check(name, "beta", beta, result)
        alpha_check(name, "alpha", alpha, result)
        beta, alpha = scalar_in_dtype(name, "beta", beta, result), scalar_in_dtype(name, "alpha", alpha, result)
    try:
        np.broadcast_shapes(base.shape, product.shape)
    except ValueError:
        raise _shapes(name, f"an input that broadcasts to the product's shape {tuple(product.shape)}", base) from None
    if np.broadcast_shapes(base.shape, product.shape) != product.shape:
        raise _shapes(name, f"an input that broadcasts to the product's shape {tuple(product.shape)}", base)
    out = product if alpha == 1 else product * alpha
    if beta == 0:   # base's values are not read (a NaN in it is ignored), but it stays an input, with gradient 0
        if base.requires_grad and STATE.grad_enabled:   # as torch's (beta * g); None would say it was not used
            return where(_NEVER, base, out)
        return out
    return (base if beta == 1 else base * beta) + out


_NEVER = np.False_   # where(_NEVER, base, out): out's values, and base in the graph with gradient 0


def addmm(x, mat1, mat2, *, beta=1, alpha=1):
    """``torch.addmm``: beta * x + alpha * (mat1 @ mat2), x broadcast to (n, m)."""
    return _scaled_sum("addmm", x, mm(mat1, mat2), beta, alpha)


def addmv(x, mat, vec, *, beta=1, alpha=1):
    """``torch.addmv``: beta * x + alpha * (mat @ vec), x broadcast to (n,)."""
    return _scaled_sum("addmv", x, mv(mat, vec), beta, alpha)


def addr(x, vec1, vec2, *, beta=1, alpha=1):
    """``torch.addr``: beta * x + alpha * outer(vec1, vec2), x broadcast to (n, m)."""
    vec1, vec2 = _pair("addr", vec1, vec2)
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise _shapes("addr", "two 1-D tensors", vec1, vec2)
    return _scaled_sum("addr", x, reshape(vec1, (-1, 1)) * reshape(vec2, (1, -1)), beta, alpha, scalars=True)


def baddbmm(x, batch1, batch2, *, beta=1, alpha=1):
    """``torch.baddbmm``: beta * x + alpha * bmm(batch1, batch2), x broadcast to (B, n, m)."""
    return _scaled_sum("baddbmm", x, bmm(batch1, batch2), beta, alpha)


def addbmm(x, batch1, batch2, *, beta=1, alpha=1):
    """``torch.addbmm``: beta * x + alpha * (the sum over the batch of batch1[i] @ batch2[i]), x broadcast to (n, m)."""
    products = bmm(batch1, batch2)
    # summed in their own dtype, as torch's addbmm: sum's default would widen int32 products to int64
    return _scaled_sum("addbmm", x, _sum(products, axis=0, dtype=products.dtype), beta, alpha)


def kron(a, b):
    """``torch.kron``: the Kronecker product; the operand with fewer dims gets leading 1s.

    out[i * b.shape + j] = a[i] * b[j] along each dim (a product of broadcast views, then one reshape).
    """
    a, b = _pair("kron", a, b)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    left = reshape(a, tuple(s for d in sa for s in (d, 1)))
    right = reshape(b, tuple(s for d in sb for s in (1, d)))
    return reshape(left * right, tuple(p * q for p, q in zip(sa, sb)))


def cross(a, b, dim=None):
    """``torch.cross``: the cross product of 3-vectors along ``dim`` (default: the first dim of size 3), the
    operands broadcast. dL/da = b x g, dL/db = g x a."""
    a, b = _pair("cross", a, b)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _shapes("cross", "tensors that broadcast", a, b) from None
    if dim is None:
        sizes3 = [i for i, s in enumerate(shape) if s == 3]
        if not sizes3:
            raise _shapes("cross", "a dim of size 3", a, b)
        axis = sizes3[0]
    else:
        if isinstance(dim, bool) or not is_integer(dim) or not -len(shape) <= dim < len(shape):
            raise ValueError(f"cross: dim={dim!r} is out of range for shapes {tuple(a.shape)} and {tuple(b.shape)}")
        axis = int(dim) % len(shape)
    if shape[axis] != 3:
        raise _shapes("cross", f"size 3 along dim {axis}", a, b)
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)

    def part(t, i):
        return t[(slice(None),) * axis + (i,)]

    a0, a1, a2 = (part(a, i) for i in range(3))
    b0, b1, b2 = (part(b, i) for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=axis)


def linalg_cross(a, b, dim=-1):
    """``torch.linalg.cross``: ``cross`` with dim -1 by default."""
    return cross(a, b, dim)


def matrix_power(a, n):
    """``torch.linalg.matrix_power``: a @ a @ ... (n times) by repeated squaring; n = 0: the identity
    (batched), n < 0: the inverse's power. Shapes: (..., m, m) -> (..., m, m)."""
    from minigrad.ops.linalg_inverse import inv

    a = as_tensor(a)
    if isinstance(n, bool) or not is_integer(n):
        raise TypeError(f"matrix_power: n must be an int, got n={n!r} ({type(n).__name__})")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise _shapes("matrix_power", "square matrices (..., m, m)", a)
    n = int(n)
    if n == 0:   # the identity; still in a's graph (gradient 0), as torch's
        xp = get_array_module(a.data)
        eye = Tensor(xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.data.dtype), a.shape).copy())
        return where(Tensor(xp.ones(a.shape, dtype=bool)), eye, a) if a.requires_grad else eye
    if n == 1:   # a copy, as torch's: returning a itself would carry writes into the result back into a
        return clone(a)
    if n < 0:
        a, n = inv(a), -n
    result, power = None, a
    while n:
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if n:
            power = matmul(power, power)
    return result


def multi_dot(tensors):
    """``torch.linalg.multi_dot``: the product of 2-D tensors (the first and last may be 1-D: a row and a column),
    multiplied in the order that costs the fewest multiplications (the result is the same up to rounding)."""
    tensors = [as_tensor(t) for t in tensors]
    if len(tensors) < 2:
        raise ValueError(f"multi_dot: expects at least 2 tensors, got {len(tensors)}")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first:
        mats[0] = reshape(mats[0], (1, -1))
    if last:
        mats[-1] = reshape(mats[-1], (-1, 1))
    for i, t in enumerate(mats):
        if t.ndim != 2:
            raise ValueError(f"multi_dot: tensor {i} must be 2-D (the first and last may be 1-D), got shape "
                             f"{tuple(tensors[i].shape)}")
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ValueError(f"multi_dot: tensors {i} and {i + 1} cannot be multiplied: shapes "
                             f"{tuple(tensors[i].shape)} and {tuple(tensors[i + 1].shape)}")
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    k = len(mats)
    # Classic matrix-chain order: cost[i][j], the cheapest product of mats[i..j], and where it splits.
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def product(i, j):
        return mats[i] if i == j else matmul(product(i, split[i][j]), product(split[i][j] + 1, j))

    out = product(0, k - 1)
    if first and last:
        return reshape(out, ())
    if first:
        return reshape(out, (-1,))
    return reshape(out, (-1,)) if last else out
