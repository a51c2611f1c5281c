"""The seeded random number generator behind ``rand``, ``randn``, ``randint``, ``randperm``, initializers and dropout.

Numbers are drawn on the host from one NumPy ``Generator`` and then moved to
the tensor's device, so a seed gives the same values on CPU and GPU. The one
exception is ``uniform_on``, for draws made every training step (dropout masks):
on a GPU they are drawn there, by a device generator seeded from the host one,
so that no mask crosses the bus; the host generator's state still decides them.
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


def uniform_on(device: str, shape, dtype):
    """Uniform draws in [0, 1) of ``shape`` and float ``dtype``, made on ``device``.

    On the CPU they come from the seeded generator itself. On a GPU, a device generator is
    seeded with one integer drawn from it (a host-only draw, no synchronisation), so the
    same seed and checkpointed host state give the same masks on resume.
    """
    if device == "cpu":
        return _generator.random(shape, dtype=dtype)
    from minigrad import backend

    seed = int(_generator.integers(2 ** 63))
    return backend.xp_for(device).random.default_rng(seed).random(shape, dtype=dtype)


def _draw_dtype(dtype):
    # float16 has no native generator path: draw float32 and cast.
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def uniform_values(shape, dtype, a=0.0, b=1.0):
    """Host draws from U(a, b) for a tensor of ``dtype`` (float64 draws for float64, float32 otherwise)."""
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    draw = _draw_dtype(dtype)
    return draw(a) + draw(b - a) * _generator.random(tuple(shape), dtype=draw)


def normal_values(shape, dtype, mean=0.0, std=1.0):
    """Host draws from N(mean, std^2) for a tensor of ``dtype`` (float64 draws for float64, float32 otherwise)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    draw = _draw_dtype(dtype)
    return draw(mean) + draw(std) * _generator.standard_normal(tuple(shape), dtype=draw)


def get_generator() -> np.random.Generator:
    """The generator every random op in minigrad draws from."""
    return _generator


def get_rng_state() -> dict:
    """The generator's state, a dict of plain Python values (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by ``get_rng_state``."""
    _generator.bit_generator.state = state
