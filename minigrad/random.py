"""The seeded random number generator behind ``rand``, ``randn``, ``randint``, ``randperm``, initializers and dropout.

Numbers are drawn on the host from one NumPy ``Generator`` and then moved to
the tensor's device, so a seed gives the same values on CPU and GPU. The one
exception is ``uniform_on``, for draws made every training step (dropout masks):
on a GPU they are drawn there, by a device generator seeded from the host one,
so that no mask crosses the bus; the host generator's state still decides them.
"""
from __future__ import annotations

import numpy as np

from minigrad.generator import Generator
from minigrad.scalars import is_integer



def _fresh_seed() -> int:
    """A 64-bit seed from the operating system's entropy."""
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0])


#: The one generator every random op draws from (torch's ``default_generator``): seeding re-seeds it in place, so
#: the object ``manual_seed`` returns stays the one in use. PCG64(seed), the stream ``np.random.default_rng(seed)``
#: gives, so a seed draws the numbers it always drew.
default_generator = Generator()
default_generator.manual_seed(_fresh_seed())
_generator = default_generator


def manual_seed(seed: int) -> Generator:
    """Seed minigrad's generator: every later random draw becomes reproducible. Returns the generator (torch's
    ``manual_seed`` returns ``torch.default_generator``), so ``g = mg.manual_seed(0)`` may be passed on."""
    if not is_integer(seed) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    return _generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the generator from the operating system's entropy and return that seed (``torch.seed``)."""
    value = _fresh_seed()
    manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed the generator last started from: ``manual_seed``'s or ``seed``'s, else the one drawn at import
    (``torch.initial_seed``)."""
    return _generator.initial_seed()


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


def uniform_values(shape, dtype, a=0.0, b=1.0, rng=None):
    """Host draws from U(a, b) for a tensor of ``dtype`` (float64 draws for float64, float32 otherwise), from ``rng``
    (minigrad's generator by default)."""
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    draw = _draw_dtype(dtype)
    return draw(a) + draw(b - a) * (rng or _generator).random(tuple(shape), dtype=draw)


def normal_values(shape, dtype, mean=0.0, std=1.0, rng=None):
    """Host draws from N(mean, std^2) for a tensor of ``dtype`` (float64 draws for float64, float32 otherwise), from
    ``rng`` (minigrad's generator by default)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    draw = _draw_dtype(dtype)
    return draw(mean) + draw(std) * (rng or _generator).standard_normal(tuple(shape), dtype=draw)


def get_generator() -> np.random.Generator:
    """The generator every random op in minigrad draws from."""
    return _generator


def get_rng_state() -> dict:
    """The generator's state, a dict of plain Python values (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by ``get_rng_state``."""
    _generator.bit_generator.state = state


# The PCG64 state as bytes (torch.get_rng_state's form): state and increment, 16 bytes each, little-endian, then
# has_uint32 (1 byte) and the buffered uinteger (4 bytes).
STATE_BYTES = 37


def get_state_bytes() -> np.ndarray:
    """The generator's state as ``STATE_BYTES`` uint8 values (``set_state_bytes`` restores it)."""
    state = _generator.bit_generator.state
    raw = (state["state"]["state"].to_bytes(16, "little") + state["state"]["inc"].to_bytes(16, "little")
           + int(state["has_uint32"]).to_bytes(1, "little") + int(state["uinteger"]).to_bytes(4, "little"))
    return np.frombuffer(raw, dtype=np.uint8).copy()


def set_state_bytes(values: np.ndarray) -> None:
    """Restore a state from ``get_state_bytes``'s uint8 values."""
    raw = bytes(np.asarray(values, dtype=np.uint8))
    set_rng_state({"bit_generator": "PCG64",
                   "state": {"state": int.from_bytes(raw[:16], "little"), "inc": int.from_bytes(raw[16:32], "little")},
                   "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")})
