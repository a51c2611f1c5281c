"""Clearing gradients, as torch's ``Optimizer.zero_grad`` and ``Module.zero_grad`` both do it."""
from minigrad.autograd.tensor import is_read_only
from minigrad.backend import get_array_module


def clear_grads(params, set_to_none: bool = True) -> None:
    """Clear the ``.grad`` of each tensor in ``params``.

    With ``set_to_none=True`` ``.grad`` becomes ``None``. Otherwise zeros are written into
    it, after it is detached from any graph. A gradient that cannot take them in place
    (a read-only array, or a broadcast whose entries share memory, which the user may have
    assigned) gets a zero array of its shape and dtype in the same Tensor, as torch's
    ``zero_()`` leaves it.
    """
    if set_to_none:   # every training step: one store a parameter
        for p in params:
            p.grad = None
        return
    for p in params:
        if p.grad is None:
            continue
        if p.grad.requires_grad:
            p.grad = p.grad.detach()
        g = p.grad.data
        if is_read_only(g):
            p.grad.data = get_array_module(g).zeros(g.shape, dtype=g.dtype)
        else:
            g[...] = 0
