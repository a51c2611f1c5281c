"""``start += w * (end - start)`` in place, rounded the way ``torch.Tensor.lerp_`` rounds it.

PyTorch switches formulas at ``|w| = 0.5`` so that ``w = 1`` gives ``end`` exactly; Adafactor's
and Muon's running averages are written as lerps in PyTorch, and go through this so that their
float64 iterates follow PyTorch's to rounding (PyTorch's vectorised kernel fuses the last
multiply-add, which NumPy cannot: the results may differ in the last bit).
"""

from minigrad.backend import get_array_module


def lerp_(start, end, weight):
    """``start = start + w * (end - start)`` in place (``end - (end - start) * (1 - w)`` for ``|w| >= 0.5``);
    returns ``start``. ``weight`` is a Python float, so float32 arrays stay float32."""
    diff = end - start
    if abs(weight) < 0.5:
        diff *= weight                              # start + w (end - start)
        start += diff
    else:
        diff *= 1.0 - weight                        # end - (end - start)(1 - w)
        get_array_module(start).subtract(end, diff, out=start)
    return start
