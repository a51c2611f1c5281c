"""What counts as an integer or a real number where an argument wants one: Python's and NumPy's, never a bool.

``True`` is an ``int`` to Python, but ``Linear(True, 2)`` or ``stride=True`` is a mistake, not a 1; NumPy
scalars (``np.int64(3)``, ``np.float32(0.1)``) are accepted, as PyTorch accepts them. The layers
(``nn/arguments.py``), the optimizers (``optim/validation.py``) and the ops' window arguments use these two.
"""
from __future__ import annotations

import numbers

import numpy as np


def is_integer(value) -> bool:
    """True for an integer (Python or NumPy), False for a bool, a float and anything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value) -> bool:
    """True for a real number (Python or NumPy, nan and inf included), False for a bool and anything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
