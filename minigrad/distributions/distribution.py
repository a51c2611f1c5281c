"""``Distribution``: the base of ``minigrad.distributions``, with ``torch.distributions``' interface.

A distribution has a ``batch_shape`` (independent distributions side by side, from broadcasting its
parameters) and an ``event_shape`` (the shape of one draw: () for a number, (k,) for a vector).
``sample(sample_shape)`` draws ``sample_shape + batch_shape + event_shape`` values without a graph;
``rsample`` draws them as a differentiable function of the parameters (the reparameterization trick,
``loc + scale * eps``), where the distribution has one. ``log_prob(value)`` has shape
``batch_shape`` (leading sample dims kept) and is differentiable in the parameters and in ``value``.

Draws come from minigrad's generator (``minigrad.manual_seed``), so they differ from PyTorch's for the
same seed; every density, entropy and divergence is checked against PyTorch's in float64.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import backend
from minigrad import ops
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.backend import to_numpy
from minigrad.distributions import constraints
from minigrad.random import get_generator
from minigrad.scalars import is_integer


_DEFAULT_VALIDATE = [True]   # torch validates arguments by default (``Distribution.set_default_validate_args``)


def shape_tuple(shape) -> tuple:
    """A sample or batch shape (an int or a sequence of ints, Python's or NumPy's) as a tuple of Python ints, as
    torch.Size holds them; anything else is left for the caller's own check."""
    if is_integer(shape):
        return (int(shape),)
    return tuple(int(n) if is_integer(n) else n for n in shape)


def validating(validate_args):
    """Whether a distribution made with ``validate_args`` checks its arguments: the given flag, else the default
    (``Distribution.set_default_validate_args``)."""
    return _DEFAULT_VALIDATE[0] if validate_args is None else bool(validate_args)


class Distribution:
    """Base class; a subclass sets ``batch_shape``/``event_shape`` through ``__init__`` and defines what it has.

    ``arg_constraints`` maps parameter names to the constraint each satisfies; with ``validate_args`` (the
    default, as in torch) every parameter set before ``Distribution.__init__`` runs is checked there, and
    ``log_prob``/``cdf`` check that values lie in ``support``."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints = {}
    support = None

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)
        self._validate_args = validating(validate_args)
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                value = self.__dict__.get(name)
                if isinstance(value, Tensor) and not constraints.is_dependent(constraint):
                    _check_in(f"{type(self).__name__}: expected parameter {name}", value, constraint)

    @staticmethod
    def set_default_validate_args(value):
        """Whether distributions made without ``validate_args`` check their arguments (True at start, as torch)."""
        if not isinstance(value, bool):
            raise ValueError(f"Distribution.set_default_validate_args: expected True or False, got {value!r}")
        _DEFAULT_VALIDATE[0] = value

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        return self._event_shape

    def _validate_sample(self, value, op="log_prob", check_support=True):
        """Refuse (when validating) a value whose shape does not broadcast with batch_shape + event_shape or
        (``check_support``) that lies outside ``support``."""
        if not self._validate_args:
            return
        name = f"{type(self).__name__}.{op}"
        event, shape = self._event_shape, tuple(value.shape)
        if shape[len(shape) - len(event):] != event or len(shape) < len(event):
            raise ValueError(f"{name}: value of shape {shape} does not end in the event shape {event}")
        try:
            np.broadcast_shapes(shape, self._batch_shape + event)
        except ValueError:
            raise ValueError(f"{name}: value of shape {shape} does not broadcast with the batch shape "
                             f"{self._batch_shape} and event shape {event}") from None
        if check_support:
            _check_in(f"{name}: expected value", value, self.support)

    def expand(self, batch_shape):
        """The same distribution with its parameters broadcast to ``batch_shape`` (no copies; gradients flow
        back to the original parameters)."""
        batch_shape = shape_tuple(batch_shape)
        try:
            ok = np.broadcast_shapes(self._batch_shape, batch_shape) == batch_shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{type(self).__name__}.expand: batch shape {self._batch_shape} cannot be expanded to "
                             f"{batch_shape}")
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        n = len(self._batch_shape)
        for key, value in self.__dict__.items():
            if isinstance(value, Tensor):
                new.__dict__[key] = ops.broadcast_to(value, batch_shape + tuple(value.shape[n:]))
            elif isinstance(value, Distribution):
                new.__dict__[key] = value.expand(batch_shape + tuple(value.batch_shape[n:]))
        new._batch_shape = batch_shape
        return new

    def sample(self, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``, outside any graph."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized sample (rsample); use sample()")

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not define log_prob")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__} does not define entropy")

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not define cdf")

    def icdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not define icdf")

    def enumerate_support(self, expand=True):
        raise NotImplementedError(f"{type(self).__name__} has no finite support to enumerate")

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not define mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not define mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} does not define variance")

    @property
    def stddev(self):
        return ops.sqrt(self.variance)

    def perplexity(self):
        return ops.exp(self.entropy())

    def _extended_shape(self, sample_shape=()) -> tuple:
        return shape_tuple(sample_shape) + self._batch_shape + self._event_shape

    def _enumerated(self, values, expand):
        """``values`` (n, *event_shape) as (n, 1, ..., 1, *event_shape), or expanded over the batch shape."""
        n, event = values.shape[0], tuple(values.shape[1:])
        values = ops.reshape(values, (n,) + (1,) * len(self._batch_shape) + event)
        return ops.broadcast_to(values, (n,) + self._batch_shape + event) if expand else values

    def __repr__(self):
        names = [n for n in getattr(self, "_params", ()) if getattr(self, n, None) is not None]
        return f"{type(self).__name__}({', '.join(f'{n}: {_describe(getattr(self, n))}' for n in names)})"


def _check_in(what, value, constraint):
    """Raise ValueError naming ``what``, the shape and an offending entry unless every event of ``value`` is in
    ``constraint``."""
    ok = constraint.check(value).data
    if bool(np.all(to_numpy(ok))):
        return
    data = to_numpy(value.data)
    if constraint.event_dim >= 2 and not isinstance(constraint, constraints._Independent):
        # a matrix is in the set or not as a whole (positive definite): name it, not one of its entries
        index = tuple(int(i) for i in np.argwhere(~to_numpy(ok).reshape(ok.shape))[0])
        matrix = np.array2string(data[index], separator=", ", precision=6).replace("\n", "")
        raise ValueError(f"{what} (shape {tuple(value.shape)}) to be {constraint}, got the matrix {matrix}"
                         + (f" at batch index {index}" if index else ""))
    if isinstance(constraint, constraints._Independent) and constraint.base_constraint.event_dim == 0:
        bad = ~to_numpy(constraint.base_constraint.check(value).data)     # the offending entry itself
    else:
        bad = ~to_numpy(ok).reshape(ok.shape + (1,) * constraint.event_dim)
    # a support with tensor bounds (Uniform's, Binomial's) checks a value broadcast against the batch shape
    shape = np.broadcast_shapes(data.shape, bad.shape)
    data, bad = np.broadcast_to(data, shape), np.broadcast_to(bad, shape)
    raise ValueError(f"{what} (shape {tuple(value.shape)}) to be {constraint}, got {data[bad].flat[0]} among "
                     f"its values")


def parameters(name, *values):
    """The parameters as Tensors of one floating dtype, broadcast to one shape (numbers take the tensors' dtype,
    float32 when all are numbers)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    tensors = [as_tensor(v, like=like) if like is not None else Tensor(np.asarray(v, dtype=backend.DEFAULT_FLOAT))
               for v in values]
    tensors = [t if t.dtype.kind == "f" else ops.astype(t, backend.DEFAULT_FLOAT) for t in tensors]
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(f"{name}: parameters have different floating dtypes {sorted(map(str, dtypes))}")
    return ops.broadcast_tensors(*tensors) if len(tensors) > 1 else tensors


def check_positive(name, label, value, validate):
    if validate and not bool((value.data > 0).all()):
        raise ValueError(f"{name}: expected parameter {label} (shape {tuple(value.shape)}) to be > 0, "
                         f"got {value.data.min()} among its values")


def value_of(dist, value):
    """``value`` as a Tensor of the distribution's dtype (a number too)."""
    like = dist._like()
    value = as_tensor(value, like=like)
    if value.dtype.kind != "f":
        value = ops.astype(value, like.dtype)
    elif value.dtype != like.dtype:     # said here, not by the first op of the formula that meets both
        raise TypeError(f"{type(dist).__name__}: value of dtype {value.dtype} (shape {tuple(value.shape)}) for "
                        f"parameters of dtype {like.dtype}; minigrad does not promote silently, cast one with "
                        f".astype()")
    return value


def standard_normal(shape, like):
    """N(0, 1) draws of ``shape`` in ``like``'s dtype and device (a constant Tensor)."""
    draw = get_generator().standard_normal(shape)
    return Tensor(draw.astype(like.dtype)).to(like.device)


def uniform(shape, like, low=0.0, high=1.0):
    """U(low, high) draws of ``shape`` in ``like``'s dtype and device, never exactly ``low`` (log(u) is finite)."""
    u = get_generator().random(shape)
    u = np.where(u == 0.0, np.finfo(np.float64).tiny, u)
    return Tensor((low + (high - low) * u).astype(like.dtype)).to(like.device)


def filled(like, value):
    """A constant Tensor of ``like``'s shape, dtype and device holding ``value`` everywhere: a property that does not
    depend on a parameter (a mode of 0, an infinite variance) takes the batch shape from it this way, never as
    ``0.0 * parameter``, which is NaN where the parameter is infinite."""
    return Tensor(like._xp().full(like.shape, value, dtype=like.dtype))


def clamped_probs(probs):
    """probs kept inside (eps, 1 - eps), eps the dtype's resolution, as torch's ``clamp_probs``."""
    eps = float(np.finfo(probs.dtype).eps)
    return ops.clamp(probs, eps, 1.0 - eps)


LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _describe(t):
    return f"{tuple(t.shape)} {t.dtype}" if t.ndim else f"{t.item():.4g}"
