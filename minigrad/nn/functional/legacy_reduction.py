"""torch's deprecated ``size_average`` and ``reduce`` flags of the losses, read as a ``reduction``.

torch still accepts them, with a warning, and keeps their positional slots: in
``nn.NLLLoss(weight, None, 0)`` the ``0`` is ``ignore_index`` because
``size_average`` comes before it. minigrad's losses keep the same slots, so a
torch call with positional arguments means the same here. The old rule::

    size_average, reduce = (True if None), (True if None)
    reduction = 'mean' if size_average and reduce else 'sum' if reduce else 'none'
"""
import warnings

import numpy as np


def legacy_reduction(name, size_average, reduce, reduction):
    """``reduction``, or, when either deprecated flag is given, the reduction the flags spell (with torch's warning)."""
    if size_average is None and reduce is None:
        return reduction
    for arg, value in (("size_average", size_average), ("reduce", reduce)):
        if isinstance(value, str):   # a reduction passed by position, in the order without these slots
            raise TypeError(f"{name}: {arg} is torch's deprecated flag (True, False or None), got {value!r}; "
                            f"pass the reduction by keyword: reduction={value!r}")
        if value is not None and not (isinstance(value, (bool, np.bool_)) or
                                      (isinstance(value, (int, np.integer)) and value in (0, 1))):
            raise TypeError(f"{name}: {arg} must be True, False or None, got {value!r}")
    size_average = True if size_average is None else bool(size_average)
    reduce = True if reduce is None else bool(reduce)
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  stacklevel=3)
    return reduction
