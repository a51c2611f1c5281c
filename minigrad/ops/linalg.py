"""Matrix product ``a @ b`` for 1-D, 2-D and batched operands (``numpy.matmul`` semantics), and ``outer``."""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.ops._args import operands
from minigrad.ops.out_argument import write_out
from minigrad.ops.shape import reshape


def _swap_last(F, t):
    """t with its last two axes swapped (the matrix transpose for 2-D)."""
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return F.transpose(t, tuple(axes))


class MatMul(Function):
    """y = a @ b.

    For matrices, dL/da = g @ b^T and dL/db = a^T @ g. Vectors are treated as
    a row (a) or a column (b) and the gradient is reshaped back; batch
    dimensions that were broadcast are summed away with ``sum_to``.
    Shapes: (..., n, k) @ (..., k, m) -> (..., n, m).
    """

    def forward(self, a, b):
        return a @ b

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, without reshapes
            return (gy @ _swap_last(F, b) if na else None, _swap_last(F, a) @ gy if nb else None)
        if a.ndim == 1 and b.ndim == 1:
            return (gy * b if na else None, gy * a if nb else None)
        a2 = F.reshape(a, (1, a.shape[0])) if a.ndim == 1 else a
        b2 = F.reshape(b, (b.shape[0], 1)) if b.ndim == 1 else b
        g = gy
        if a.ndim == 1:
            g = F.reshape(g, g.shape[:-1] + (1,) + g.shape[-1:])
        if b.ndim == 1:
            g = F.reshape(g, g.shape + (1,))
        ga = gb = None
        if na:
            ga = g @ _swap_last(F, b2)
            ga = F.reshape(F.sum_to(ga, a2.shape), a.shape) if ga.shape != a.shape else ga
        if nb:
            gb = _swap_last(F, a2) @ g
            gb = F.reshape(F.sum_to(gb, b2.shape), b.shape) if gb.shape != b.shape else gb
        return ga, gb


def matmul(a, b, *, out=None):
    """Matrix product with NumPy's rules for vectors and batches; a sparse COO ``a`` is minigrad.sparse's product.
    ``out=`` as torch's (see ``out_argument``)."""
    if out is not None:
        return write_out("matmul", matmul(a, b), out, (a, b))
    if not isinstance(a, Tensor) and getattr(a, "is_sparse", False):
        return a.matmul(b)
    a, b = operands("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least one dimension, got shapes {a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned ({ka} != {kb})")
    if a.ndim > 2 or b.ndim > 2:  # batched: the leading axes must broadcast
        batch_a, batch_b = a.shape[:-2], b.shape[:-2]
        if any(m != n and m != 1 and n != 1 for m, n in zip(batch_a[::-1], batch_b[::-1])):
            raise ValueError(f"matmul: batch dimensions {batch_a} and {batch_b} do not broadcast "
                             f"(shapes {a.shape} and {b.shape})")
    return MatMul.apply(a, b)


def outer(a, b):
    """``torch.outer``: y[i, j] = a[i] * b[j] for 1-D ``a`` (n,) and ``b`` (m,) -> (n, m).

    A column times a row (``mul``, broadcasting): dL/da = g @ b,  dL/db = a @ g.
    """
    a, b = operands("outer", a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: expects two 1-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return reshape(a, (a.shape[0], 1)) * reshape(b, (1, b.shape[0]))
