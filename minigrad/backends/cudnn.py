"""``torch.backends.cudnn``'s settings, for scripts that set them. minigrad does not use cuDNN.

``enabled`` (default True), ``benchmark`` (False), ``deterministic`` (False) and ``allow_tf32`` (True) are kept as
the script sets them (bools only, as torch's) and change nothing: minigrad's convolutions are its own NumPy/CuPy
code, which picks no algorithm by benchmarking, runs the same way every time (``deterministic=True`` asks for
nothing it does not already do; CuPy's scatter-adds in some backward passes may still add in a varying order on a
GPU) and uses no TF32. ``is_available()`` is False and ``version()`` is None: there is no cuDNN here.
"""
from minigrad.backends.flags import flag_module

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: minigrad never calls cuDNN."""
    return False


def version():
    """None, as torch's answer where cuDNN is not available."""
    return None


flag_module(__name__, ("enabled", "benchmark", "deterministic", "allow_tf32"))
