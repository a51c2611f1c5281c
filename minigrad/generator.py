"""``Generator``: a random number generator object, as ``torch.Generator``, for the ``generator=`` arguments of
samplers, ``random_split``, the DataLoader and ``nn.init.trunc_normal_``.

It is a ``numpy.random.Generator`` (PCG64) with torch's methods, so anything that takes NumPy's generator takes
it. Its draws are NumPy's: the same seed gives other numbers than torch's generator.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.scalars import is_integer


class Generator(np.random.Generator):
    """``Generator(device="cpu")``; ``manual_seed(seed)`` (returns the generator), ``seed()``,
    ``initial_seed()``, ``get_state()`` / ``set_state(state)`` (a dict of plain values)."""

    def __init__(self, device="cpu"):
        self.device = backend.normalize_device(device)
        self._initial_seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        super().__init__(np.random.PCG64(self._initial_seed))

    def manual_seed(self, seed) -> "Generator":
        if not is_integer(seed) or seed < 0:
            raise ValueError(f"Generator.manual_seed: seed must be a non-negative integer, got {seed!r}")
        self._initial_seed = int(seed)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self) -> int:
        """Seed from fresh entropy and return the seed used."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._initial_seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        return self.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self.bit_generator.state = state
        return self

    def __repr__(self):
        return f"<minigrad.Generator on {self.device}, initial seed {self._initial_seed}>"
