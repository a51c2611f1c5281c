"""``linear``: the affine map ``x @ W + b``, run as the fused node ``Affine`` (``minigrad.nn.fused``)."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.nn.fused import Affine


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """Affine map ``y = x @ W + b`` with ``W`` of shape (in_features, out_features), as one graph node."""
    # One cheap test on the hot path: matmul would promote a float64 x silently, and the
    # in-place bias add would cast a bias of another dtype; the precise error comes on failure.
    if (not isinstance(input, Tensor) or not isinstance(weight, Tensor) or weight.data.ndim != 2
            or input.data.shape[-1:] != weight.data.shape[:1] or input.data.dtype != weight.data.dtype
            or (bias is not None and (not isinstance(bias, Tensor) or bias.data.dtype != weight.data.dtype
                                      or bias.data.shape != weight.data.shape[1:]))):
        _reject_linear(input, weight, bias)
    if bias is None:
        return Affine.apply(input, weight)
    return Affine.apply(input, weight, bias)


def _reject_linear(x, weight, bias):
    """Raise the one clear error for arguments that ``linear`` cannot take."""
    for name, value in (("x", x), ("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(value).__name__}")
    shapes = f"x {tuple(x.shape)}, weight {tuple(weight.shape)}" + (
        "" if bias is None else f", bias {tuple(bias.shape)}")
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[0] or (
            bias is not None and tuple(bias.shape) != tuple(weight.shape[1:])):
        torch_layout = (weight.ndim == 2 and x.ndim > 0 and x.shape[-1] == weight.shape[1]
                        and (bias is None or tuple(bias.shape) == tuple(weight.shape[:1])))
        hint = ". The weight is in PyTorch's (out, in) layout: pass weight.T" if torch_layout else ""
        raise ValueError(f"linear: expected x (..., in), weight (in, out) and bias (out,); got {shapes}{hint}")
    dtypes = f"x {x.dtype}, weight {weight.dtype}" + ("" if bias is None else f", bias {bias.dtype}")
    raise TypeError(f"linear: x, weight and bias must share one dtype, got {dtypes}")
