"""``torch.cuda.amp``: torch's older, deprecated spellings. As torch's, each warns (FutureWarning) and is
``minigrad.amp``'s class with ``device="cuda"``: ``GradScaler(...)`` is ``minigrad.amp.GradScaler("cuda", ...)``
(which disables itself, with a warning, where no CUDA GPU is usable) and ``autocast(...)`` is
``minigrad.amp.autocast("cuda", ...)``."""
import warnings

from minigrad import amp


class GradScaler(amp.GradScaler):
    """Deprecated: ``minigrad.amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`minigrad.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`minigrad.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor, backoff_factor=backoff_factor,
                         growth_interval=growth_interval, enabled=enabled)


class autocast(amp.autocast):  # noqa: N801  (torch's name)
    """Deprecated: ``minigrad.amp.autocast("cuda", ...)``."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        warnings.warn("`minigrad.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`minigrad.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
