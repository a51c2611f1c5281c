"""``torch.backends.mps``: Apple's Metal devices. minigrad has no MPS backend, so both questions answer False and
the usual device choice (``"mps" if torch.backends.mps.is_available() else "cpu"``) picks another device."""


def is_available() -> bool:
    """False: minigrad cannot run on an MPS device."""
    return False


def is_built() -> bool:
    """False: minigrad has no MPS backend."""
    return False
