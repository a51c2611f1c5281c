"""CUDA helpers, as ``torch.cuda``'s: ``is_available()``, ``device_count()``, ``synchronize()``, ``empty_cache()``,
``manual_seed``/``manual_seed_all``, ``current_device()`` and ``is_bf16_supported()``; ``minigrad.cuda.amp`` holds
torch's deprecated ``torch.cuda.amp`` spellings."""
import importlib

from minigrad import backend


def __getattr__(name):
    if name == "amp":   # loaded on first use: it needs minigrad.amp, which needs the autograd
        return importlib.import_module("minigrad.cuda.amp")
    raise AttributeError(f"module 'minigrad.cuda' has no attribute {name!r}")


def is_available() -> bool:
    """True when CuPy is installed and a CUDA GPU is visible."""
    return backend.cuda_available()


def device_count() -> int:
    """How many CUDA GPUs CuPy sees (0 without CuPy or a GPU)."""
    return backend.cuda_device_count()


def current_device() -> int:
    """The number of the GPU new CUDA tensors go to (``"cuda"`` is GPU 0 here)."""
    if not is_available():
        raise RuntimeError("current_device: no CUDA GPU is usable here (CuPy and a GPU are needed)")
    return 0


def synchronize(device="cuda") -> None:
    """Wait until the GPU has finished all queued work."""
    backend.synchronize(device)


def empty_cache() -> None:
    """Give the GPU memory that CuPy's pool holds but no array uses back to the driver (nothing to do without
    CuPy, as PyTorch's call does nothing before CUDA is used)."""
    if is_available():
        backend.free_pooled_memory()


def manual_seed(seed: int) -> None:
    """Seed the generator of GPU draws: minigrad draws every random number from one host generator and moves it
    to the device (dropout masks are drawn there from a seed it gives), so this is ``minigrad.manual_seed``."""
    from minigrad.random import manual_seed as seed_all

    seed_all(seed)


manual_seed_all = manual_seed


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: minigrad has no bfloat16 dtype (NumPy has none), on any device."""
    return False
