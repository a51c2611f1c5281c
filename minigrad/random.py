"""The seeded random number generator behind ``rand``, ``randn``, initializers and dropout.

Numbers are drawn on the host from one NumPy ``Generator`` and then moved to
the tensor's device, so a seed gives the same values on CPU and GPU.
"""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed minigrad's generator: every later random draw becomes reproducible."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))


def get_generator() -> np.random.Generator:
    """The generator every random op in minigrad draws from."""
    return _generator


def get_rng_state() -> dict:
    """The generator's state, a dict of plain Python values (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by ``get_rng_state``."""
    _generator.bit_generator.state = state
