"""``minigrad.distributions.transforms``: invertible maps y = f(x) with log |det df/dx|, for
``TransformedDistribution`` (as ``torch.distributions.transforms``).

Each transform has ``t(x)``, ``t.inv(y)`` (``t.inv`` is the inverse transform), ``t.log_abs_det_jacobian(x, y)``,
``domain`` / ``codomain`` (constraints), ``sign`` (+1 or -1: increasing or decreasing; a Tensor of signs for a
Tensor parameter) and
``event_dim`` (how many rightmost dims form one input). All are written with minigrad ops, so they are
differentiable twice.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions import constraints
from minigrad.distributions.distribution import filled
from minigrad.scalars import as_integer


class Transform:
    """y = f(x), bijective; a subclass defines ``_call``, ``_inverse`` and ``log_abs_det_jacobian``."""

    domain = constraints.real
    codomain = constraints.real
    bijective = True
    event_dim = 0
    sign = 1

    def __call__(self, x):
        return self._call(x)

    @property
    def inv(self):
        return _InverseTransform(self)

    def _call(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not define its map")

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__} does not define its inverse")

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError(f"{type(self).__name__} does not define log_abs_det_jacobian")

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __repr__(self):
        return f"{type(self).__name__}()"


class _InverseTransform(Transform):
    """f^-1, with log |det df^-1/dy| = -log |det df/dx| at x = f^-1(y)."""

    def __init__(self, transform):
        self._inv = transform
        self.domain, self.codomain = transform.codomain, transform.domain
        self.event_dim, self.sign = transform.event_dim, transform.sign

    @property
    def inv(self):
        return self._inv

    def _call(self, y):
        return self._inv._inverse(y)

    def _inverse(self, x):
        return self._inv._call(x)

    def log_abs_det_jacobian(self, y, x):
        return -self._inv.log_abs_det_jacobian(x, y)

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    def __hash__(self):
        return hash(("inverse", self._inv))

    def __repr__(self):
        return f"{self._inv!r}.inv"


class ExpTransform(Transform):
    """y = exp(x);  log |dy/dx| = x."""

    codomain = constraints.positive

    def _call(self, x):
        return ops.exp(x)

    def _inverse(self, y):
        return ops.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x


class AffineTransform(Transform):
    """y = loc + scale x;  log |dy/dx| = log |scale| (summed over ``event_dim`` rightmost dims)."""

    def __init__(self, loc, scale, event_dim=0):
        value = as_integer(event_dim)
        if value is None or value < 0:
            raise ValueError(f"AffineTransform: event_dim must be an int >= 0, got {event_dim!r}")
        self.loc, self.scale, self.event_dim = loc, scale, value

    @property
    def sign(self):
        """+1 or -1 (a constant Tensor of signs for a Tensor scale, as torch)."""
        if isinstance(self.scale, Tensor):
            return ops.sign(self.scale).detach()
        return 1 if self.scale > 0 else -1 if self.scale < 0 else 0

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        # of x's shape (and scale's) without reading x: 0.0 * x was NaN at an infinite value
        scale = self.scale
        if isinstance(scale, Tensor):
            log_scale = ops.log(ops.abs(scale))
            out = ops.broadcast_to(log_scale, np.broadcast_shapes(tuple(log_scale.shape), tuple(x.shape)))
        else:
            out = filled(x, math.log(abs(scale)))
        for _ in range(self.event_dim):
            out = ops.sum(out, axis=-1)
        return out

    def __eq__(self, other):
        return (isinstance(other, AffineTransform) and self.event_dim == other.event_dim
                and _same(self.loc, other.loc) and _same(self.scale, other.scale))

    def __hash__(self):
        return hash((AffineTransform, self.event_dim))

    def __repr__(self):
        return f"AffineTransform(loc={self.loc!r}, scale={self.scale!r}, event_dim={self.event_dim})"


def _same(a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a is b or (isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape == b.shape
                          and bool((a.numpy() == b.numpy()).all()))
    return a == b


class SigmoidTransform(Transform):
    """y = sigmoid(x);  log |dy/dx| = -softplus(-x) - softplus(x);  x = logit(y), y clamped to (tiny, 1 - eps)."""

    codomain = constraints.unit_interval

    def _call(self, x):
        return ops.sigmoid(x)

    def _inverse(self, y):
        info = np.finfo(y.dtype) if isinstance(y, Tensor) else np.finfo(np.float32)
        y = ops.clamp(y, float(info.tiny), 1.0 - float(info.eps))
        return ops.log(y) - ops.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -ops.softplus(-x) - ops.softplus(x)


class TanhTransform(Transform):
    """y = tanh(x);  log |dy/dx| = 2 (log 2 - x - softplus(-2 x));  x = atanh(y)."""

    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x):
        return ops.tanh(x)

    def _inverse(self, y):
        return 0.5 * (ops.log1p(y) - ops.log1p(-y))

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - ops.softplus(-2.0 * x))


class PowerTransform(Transform):
    """y = x^exponent on x > 0;  log |dy/dx| = log |exponent y / x|."""

    domain = constraints.positive
    codomain = constraints.positive

    def __init__(self, exponent):
        self.exponent = exponent

    @property
    def sign(self):
        if isinstance(self.exponent, Tensor):
            return ops.sign(self.exponent).detach()
        return 1 if self.exponent > 0 else -1 if self.exponent < 0 else 0

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** (1.0 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return ops.log(ops.abs(self.exponent * y / x))

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and _same(self.exponent, other.exponent)

    def __hash__(self):
        return hash(PowerTransform)


class ComposeTransform(Transform):
    """parts[-1](...parts[0](x)); the log-determinants add up (each summed to the largest event_dim)."""

    def __init__(self, parts):
        self.parts = list(parts)
        self.event_dim = max((p.event_dim for p in self.parts), default=0)
        if self.parts:
            self.domain, self.codomain = self.parts[0].domain, self.parts[-1].codomain

    @property
    def sign(self):
        sign = 1
        for p in self.parts:
            sign *= p.sign
        return sign

    def _call(self, x):
        for p in self.parts:
            x = p(x)
        return x

    def _inverse(self, y):
        for p in reversed(self.parts):
            y = p.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        total = filled(x, 0.0) if not self.parts else None
        for p in self.parts:
            x_next = p(x)
            term = p.log_abs_det_jacobian(x, x_next)
            for _ in range(self.event_dim - p.event_dim):
                term = ops.sum(term, axis=-1)
            total = term if total is None else total + term
            x = x_next
        return total

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    def __hash__(self):
        return hash(tuple(self.parts))


__all__ = ["AffineTransform", "ComposeTransform", "ExpTransform", "PowerTransform", "SigmoidTransform",
           "TanhTransform", "Transform"]
