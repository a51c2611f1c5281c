"""``Linear`` (the fully connected layer) and ``Identity``."""
from __future__ import annotations

import math

from minigrad.autograd.tensor import Tensor
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, positive_int
from minigrad.nn.fused import Affine, AffineReLU
from minigrad.nn.layer import Layer, check_tensor_input, new_parameter
from minigrad.nn.tied_weights import IN_OUT, LAYOUT, ROWS, mark_layout, tied_view


class Linear(Layer):
    """Fully connected layer ``y = x @ W + b`` with ``W`` of shape (in_features, out_features).

    Runs as one fused graph node, ``Affine`` (``minigrad.nn.fused``); inside a
    ``Network``, a Linear followed by a ReLU runs as one ``AffineReLU`` node
    (same values and gradients, one node and one array fewer).

    Weight tying as in torch's language models: an ``Embedding`` and a ``Linear`` head may share one weight
    (``emb.weight = head.weight`` or ``head.weight = emb.weight``). Each layer keeps its own layout (this one
    (in, out), Embedding's (num_embeddings, embedding_dim), so a tied vocabulary weight is (dim, vocab) here and
    (vocab, dim) there); the shared Parameter remembers which layer made it (``tied_layout``) and the other layer
    reads it transposed, so both compute what torch's tied layers compute, square or not.

    Default initialisation: He (Kaiming) uniform for the weight,
    ``U(-b, b)`` with ``b = sqrt(6 / in_features)``, which keeps the activation
    variance constant through ReLU layers (the common case); zeros for the bias
    (symmetry is already broken by the weights). Re-initialise with
    ``minigrad.nn.init`` for other activations, e.g. ``xavier_uniform_`` for tanh.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self._build(positive_int("Linear", "in_features", in_features),
                    positive_int("Linear", "out_features", out_features), bias, device, dtype)

    @classmethod
    def _of_width(cls, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        """A Linear that may have 0 features (an empty weight; the output is 0, plus the bias): torch builds such
        layers inside others (``AdaptiveLogSoftmaxWithLoss``'s), where a Linear made by hand refuses 0 as a
        mistake. The sizes are checked by the caller."""
        layer = cls.__new__(cls)
        Layer.__init__(layer)
        layer._build(in_features, out_features, bias, device, dtype)
        return layer

    def _build(self, in_features, out_features, bias, device, dtype):
        self.in_features, self.out_features = in_features, out_features
        dtype = floating_dtype("Linear", dtype)
        self.weight = new_parameter((self.in_features, self.out_features), dtype, device)
        mark_layout(self.weight, IN_OUT)
        self.bias = new_parameter((self.out_features,), dtype, device) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-uniform weight, zero bias (see the class docstring)."""
        init.kaiming_uniform_(self.weight, nonlinearity="relu")
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self._affine(Affine, x)

    def forward_relu(self, x: Tensor) -> Tensor:
        """``relu(self(x))`` as one fused node (what ``Network`` runs for a Linear followed by a ReLU)."""
        return self._affine(AffineReLU, x)

    def _affine(self, op, x):
        # The weight is read once: under a parametrization (nn.utils.parametrize) each read computes it afresh,
        # and spectral norm's power iteration must run once per forward, as in torch.
        weight = self.weight
        # One cheap test on the hot path; the precise error is worked out only on failure.
        if (not isinstance(x, Tensor) or x.data.shape[-1:] != (self.in_features,)
                or x.data.dtype != weight.data.dtype):
            self._reject(x)
        # F.linear without its argument checks: this layer's weight and bias always fit each other.
        if getattr(weight, LAYOUT, None) == ROWS:   # an Embedding's (out, in) weight, tied to this layer
            weight = tied_view(self, weight, (self.out_features, self.in_features))
        if self.bias is None:
            return op.apply(x, weight)
        return op.apply(x, weight, self.bias)

    def _reject(self, x):
        check_tensor_input(self, x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            # An image batch handed on unflattened, (N, 28, 28) or a conv's (N, C, H, W): its sample holds the
            # features, but Linear reads only the last axis (as torch's does).
            flat = x.ndim >= 3 and math.prod(x.shape[1:]) == self.in_features
            raise ValueError(
                f"Linear: input has shape {tuple(x.shape)} but in_features={self.in_features}"
                + (f"; Linear reads the last axis as the features: flatten each sample first (nn.Flatten() "
                   f"before this layer, or x.reshape(len(x), -1)) to get ({x.shape[0]}, {self.in_features})"
                   if flat else "")
            )
        raise TypeError(
            f"Linear: input dtype {x.dtype} does not match weight dtype {self.weight.dtype}; "
            f"convert with x.astype({self.weight.dtype.name!r})"
        )

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Layer):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off). Like PyTorch's, it takes and ignores
    any arguments, so it can stand in for the layer it replaces: ``Identity(54, unused="x")``."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
