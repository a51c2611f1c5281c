"""A user-defined layer in a few lines, checked against finite differences with minigrad.gradcheck.

Swish (Ramachandran et al. 2017): y = x * sigmoid(beta * x), with a learnable beta.
Two ways to write it:

1. ``Swish``: a Layer whose forward is built from minigrad ops; autograd derives the backward.
2. ``SwishFunction``: an op with a hand-written backward, the chain rule done by hand:
   dy/dx = s + beta * x * s * (1 - s),  dy/dbeta = x^2 * s * (1 - s),  s = sigmoid(beta * x).

Run it: ``python examples/custom_layer.py``.
"""
import numpy as np

import minigrad as mg
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.nn import Layer, Parameter


class Swish(Layer):
    """x * sigmoid(beta * x) with a learnable scalar beta; backward comes from autograd."""

    def __init__(self, beta=1.0, dtype=np.float32):
        super().__init__()
        self.beta = Parameter(np.array(beta, dtype=dtype))

    def forward(self, x):
        return x * mg.sigmoid(self.beta * x)


class SwishFunction(Function):
    """The same map as one op: forward on raw arrays, backward written by hand once, against F."""

    def forward(self, x, beta):
        xp = get_array_module(x)
        return x / (1 + xp.exp(-beta * x))

    def backward(self, F, gy, x, beta):
        s = F.sigmoid(beta * x)
        ds = s * (1 - s)
        gx = gy * (s + beta * x * ds)
        gbeta = F.sum_to(gy * x * x * ds, beta.shape)  # beta was broadcast: reduce back to its shape
        return gx, gbeta


class SwishByHand(Swish):
    """Swish whose forward calls the hand-written op."""

    def forward(self, x):
        return SwishFunction.apply(x, self.beta)


def main():
    mg.manual_seed(0)
    x = mg.randn(4, 3, dtype=np.float64, requires_grad=True)
    for layer_class in (Swish, SwishByHand):
        layer = layer_class(beta=1.5, dtype=np.float64)
        # Check the derivative with respect to the input and to the parameter at once.
        first = mg.gradcheck(lambda x, beta: layer(x), (x, layer.beta))
        second = mg.gradgradcheck(lambda x, beta: layer(x), (x, layer.beta))
        print(f"{layer_class.__name__}: gradcheck {first}, gradgradcheck {second}")
    np.testing.assert_allclose(SwishByHand(1.5, np.float64)(x).numpy(), Swish(1.5, np.float64)(x).numpy())
    print("both versions compute the same outputs")


if __name__ == "__main__":
    main()
