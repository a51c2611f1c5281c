"""``torch.backends``' settings for scripts that set them: ``cuda`` (``matmul.allow_tf32``, ``is_built()``),
``cudnn`` (``benchmark``, ``deterministic``, ``allow_tf32``, ...; minigrad uses no cuDNN), ``mps``
(``is_available()``: False) and ``opt_einsum`` (the contraction order of ``minigrad.einsum``). Each submodule says
what its settings do here: most change nothing, and say so."""
from minigrad.backends import cuda, cudnn, mps, opt_einsum  # noqa: F401

__all__ = ["cuda", "cudnn", "mps", "opt_einsum"]
