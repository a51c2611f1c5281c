"""PyTorch's top-level names for the generator's state: ``get_rng_state`` and ``set_rng_state`` as uint8 Tensors.

``minigrad.random.get_rng_state`` (a dict, what checkpoints store) says the same as these bytes. The state is
NumPy's PCG64's (37 bytes); PyTorch's Mersenne Twister state is 5056 bytes, so states never cross between the two.
"""
from __future__ import annotations

import numpy as np

from minigrad import random as _random
from minigrad.autograd.tensor import Tensor


def get_rng_state() -> Tensor:
    """The generator's state as a 1-D uint8 tensor (``torch.get_rng_state``); ``set_rng_state`` restores it."""
    return Tensor(_random.get_state_bytes())


def set_rng_state(new_state) -> None:
    """Restore a state that ``get_rng_state`` returned (``torch.set_rng_state``): a uint8 tensor of 37 values."""
    if not isinstance(new_state, Tensor) or new_state.dtype != np.uint8:
        what = f"a {new_state.dtype} tensor" if isinstance(new_state, Tensor) else type(new_state).__name__
        raise TypeError(f"set_rng_state: RNG state must be a uint8 Tensor (from minigrad.get_rng_state()), got {what}")
    if new_state.shape != (_random.STATE_BYTES,):
        raise ValueError(f"set_rng_state: a state has shape ({_random.STATE_BYTES},), got {new_state.shape}")
    _random.set_state_bytes(new_state.numpy())
