"""torch's top-level spellings of Tensor methods: ``minigrad.relu_(x)`` is ``x.relu_()``, ``minigrad.select(x, 0, 1)``
is ``x.select(0, 1)``.

PyTorch offers these both ways, and scripts use both; NumPy has none of them as functions under another meaning,
so nothing clashes. Each function hands its arguments to the method of the same name, which holds the rules (and
the docstring).
"""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor

# The in-place math (written into the first argument, as the methods write into self) and the queries.
NAMES = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
    "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_",
    "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "i0_",
    "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_",
    "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_",
    "tan_", "tanh_", "trunc_", "xlogy_", "zero_",
    "absolute", "select", "conj", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "is_signed", "is_inference",
)


def _method_function(name):
    def function(input, *args, **kwargs):  # noqa: A002  (torch's name)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor as the first argument, got {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)`` (``torch.{name}``): see ``minigrad.Tensor.{name}``."
    return function


for _name in NAMES:
    globals()[_name] = _method_function(_name)
del _name

__all__ = list(NAMES)
