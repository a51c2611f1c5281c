"""``torch.backends.cuda``'s settings and question, for scripts that set them.

* ``matmul.allow_tf32`` (default False), ``matmul.allow_fp16_reduced_precision_reduction`` (default True) and
  ``matmul.allow_bf16_reduced_precision_reduction`` (default True): kept, and **not used** by minigrad. They
  permit faster, less precise GPU matrix products; minigrad's CuPy matmuls always run at the arrays' own precision
  (full float32 unless CuPy's own ``CUPY_TF32=1`` environment variable says otherwise), which is what every one
  of these settings allows, so ignoring them never gives less precision than asked for.
* ``minigrad.set_float32_matmul_precision("highest" | "high" | "medium")`` and its ``get_``: kept as torch keeps
  them ("high" and "medium" set ``matmul.allow_tf32``, "highest" clears it), with the same effect: none.
* ``is_built()``: whether minigrad could run on CUDA here, i.e. whether CuPy is installed (it may still see
  no GPU: ``minigrad.cuda.is_available()`` answers that).
"""
from minigrad import backend
from minigrad.backends.flags import Flags

matmul = Flags("minigrad.backends.cuda.matmul", allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
               allow_bf16_reduced_precision_reduction=True)


def is_built() -> bool:
    """True when CuPy (minigrad's CUDA backend) is installed, whether or not a GPU is visible."""
    return backend.cupy_installed()


_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision: str) -> None:
    """torch's ``set_float32_matmul_precision``: "highest" (the default), "high" or "medium"; kept, not used."""
    if precision not in _PRECISIONS:
        raise ValueError(f"set_float32_matmul_precision: precision must be 'highest', 'high' or 'medium', "
                         f"got {precision!r}")
    matmul.allow_tf32 = precision != "highest"
    _precision[0] = precision


def get_float32_matmul_precision() -> str:
    return _precision[0]


_precision = ["highest"]
