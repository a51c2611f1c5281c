"""``torch.accelerator``'s device-neutral questions, for the quickstart's
``device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``.

minigrad's one accelerator is CUDA (through CuPy), so each answer is ``minigrad.cuda``'s.
"""
from minigrad import backend, cuda

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "device_count", "empty_cache",
           "is_available", "synchronize"]


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU, with CuPy) is usable."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``device("cuda")`` when CuPy is installed and a GPU is visible, else None (torch's answer on a build
    without an accelerator); ``check_available`` is accepted as torch's (the answer already implies it)."""
    return backend.device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """How many accelerators (CUDA GPUs) are visible: 0 without one."""
    return cuda.device_count()


def current_device_index() -> int:
    """The number of the GPU new accelerator tensors go to (0; ``"cuda"`` is GPU 0 here)."""
    if not cuda.is_available():
        raise RuntimeError("current_device_index: no accelerator is usable here (CuPy and a CUDA GPU are needed)")
    return 0


current_device_idx = current_device_index


def synchronize(device=None) -> None:
    """Wait until the accelerator has finished all queued work (nothing to wait for without one)."""
    if cuda.is_available():
        cuda.synchronize("cuda" if device is None else device)


def empty_cache() -> None:
    """``minigrad.cuda.empty_cache()``: pooled GPU memory back to the driver."""
    cuda.empty_cache()
