"""``torch.backends.opt_einsum``: how ``minigrad.einsum`` orders a contraction of three or more operands.

minigrad asks NumPy's (or CuPy's) own path optimizer, which stands in for the opt_einsum package, so
``is_available()`` is True. ``enabled = False`` contracts left to right as written; ``strategy`` is ``"auto"``
(NumPy's default search, ``optimize=True``), ``"greedy"`` or ``"optimal"``. Both settings change only the speed
and rounding order, never the result's meaning.
"""
from minigrad.backends.flags import flag_module

enabled = True
strategy = "auto"


def is_available() -> bool:
    """True: the array library's own contraction-path search is always there."""
    return True


def get_opt_einsum():
    """None: the opt_einsum package itself is not used (the array library's path search is)."""
    return None


def optimize_argument(n_operands: int):
    """The ``optimize=`` argument of the array library's ``einsum`` for ``n_operands`` operands."""
    if not enabled or n_operands < 3:
        # two operands have one order; NumPy's search still sends matrix products to BLAS, so keep it on
        return enabled and n_operands == 2
    return True if strategy == "auto" else strategy


flag_module(__name__, ("enabled",), {"strategy": ("auto", "greedy", "optimal")})
