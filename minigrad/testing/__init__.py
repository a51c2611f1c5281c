"""``minigrad.testing``: PyTorch's ``torch.testing`` for minigrad, ``assert_close`` and ``make_tensor``."""
from minigrad.testing.comparison import assert_close
from minigrad.testing.make_tensor import make_tensor

__all__ = ["assert_close", "make_tensor"]
