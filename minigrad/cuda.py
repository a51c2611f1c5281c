"""CUDA helpers: ``minigrad.cuda.is_available()`` and ``synchronize()``."""
from minigrad import backend


def is_available() -> bool:
    """True when CuPy is installed and a CUDA GPU is visible."""
    return backend.cuda_available()


def synchronize(device="cuda") -> None:
    """Wait until the GPU has finished all queued work."""
    backend.synchronize(device)
