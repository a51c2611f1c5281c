"""``Bilinear``: y = x1^T A x2 + b for each output feature, PyTorch's layer (weight (out, in1, in2))."""
from __future__ import annotations

import math

from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, positive_int
from minigrad.nn.functional.bilinear import bilinear
from minigrad.nn.layer import Layer, new_parameter

__all__ = ["Bilinear"]


class Bilinear(Layer):
    """y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o]: (*, in1), (*, in2) -> (*, out).

    ``weight`` (out_features, in1_features, in2_features) and ``bias`` (out_features,) have PyTorch's names,
    layout and initialisation: uniform in +-1/sqrt(in1_features). dL/dx1, dL/dx2, dL/dW: see ``F.bilinear``.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = positive_int("Bilinear", "in1_features", in1_features)
        self.in2_features = positive_int("Bilinear", "in2_features", in2_features)
        self.out_features = positive_int("Bilinear", "out_features", out_features)
        dtype = floating_dtype("Bilinear", dtype)
        self.weight = new_parameter((self.out_features, self.in1_features, self.in2_features), dtype, device)
        self.bias = new_parameter((self.out_features,), dtype, device) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's: weight and bias uniform in +-1/sqrt(in1_features)."""
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
