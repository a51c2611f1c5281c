"""``minigrad.distributions.constraints``: the sets a distribution's parameters and values live in, as
``torch.distributions.constraints``. ``c.check(value)`` is a bool Tensor, one entry per event (an event
constraint, ``event_dim`` > 0, reduces its last dims); ``c.is_discrete`` and ``c.event_dim`` are torch's.
``str(c)`` reads as a phrase ("> 0", "in [0, 1]") for error messages.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import to_numpy


def _tensor(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _bound(b):
    return to_numpy(b.data) if isinstance(b, Tensor) else b


class Constraint:
    """A set of values; ``check`` says, per event, whether a value is in it."""

    is_discrete = False
    event_dim = 0
    phrase = "valid"

    def check(self, value):
        value = _tensor(value)    # checked on the host (a validation reads the answer there anyway)
        return Tensor(np.asarray(self._check(to_numpy(value.data)))).to(value.device)

    def _check(self, x):
        raise NotImplementedError

    def __str__(self):
        return self.phrase

    def __repr__(self):
        return f"{type(self).__name__.lstrip('_')}()"


class _Dependent(Constraint):
    """A placeholder whose set depends on other parameters (Uniform's low and high); it cannot check."""

    phrase = "dependent"

    def __init__(self, is_discrete=False, event_dim=0):
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    phrase = "real (not NaN)"

    def _check(self, x):
        return x == x


class _Boolean(Constraint):
    is_discrete = True
    phrase = "0 or 1"

    def _check(self, x):
        return (x == 0) | (x == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound, strict=True):
        self.lower_bound, self.strict = lower_bound, strict
        self.phrase = f"{'>' if strict else '>='} {_describe(lower_bound)}"

    def _check(self, x):
        lb = _bound(self.lower_bound)
        return x > lb if self.strict else x >= lb


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound
        self.phrase = f"< {_describe(upper_bound)}"

    def _check(self, x):
        return x < _bound(self.upper_bound)


class _Interval(Constraint):
    """[lower, upper] (``half_open`` False) or [lower, upper)."""

    def __init__(self, lower_bound, upper_bound, half_open=False):
        self.lower_bound, self.upper_bound, self.half_open = lower_bound, upper_bound, half_open
        self.phrase = f"in [{_describe(lower_bound)}, {_describe(upper_bound)}{')' if half_open else ']'}"

    def _check(self, x):
        lo, hi = _bound(self.lower_bound), _bound(self.upper_bound)
        return (x >= lo) & ((x < hi) if self.half_open else (x <= hi))


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound
        self.phrase = f"an integer in [{_describe(lower_bound)}, {_describe(upper_bound)}]"

    def _check(self, x):
        return (x % 1 == 0) & (x >= _bound(self.lower_bound)) & (x <= _bound(self.upper_bound))


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound
        self.phrase = f"an integer >= {lower_bound}"

    def _check(self, x):
        return (x % 1 == 0) & (x >= self.lower_bound)


class _Simplex(Constraint):
    event_dim = 1
    phrase = "on the simplex (entries >= 0 summing to 1 along the last dim)"

    def _check(self, x):
        return (x >= 0).all(-1) & (abs(x.sum(-1) - 1) < 1e-6)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1
    phrase = "one-hot (0/1 entries, one 1 along the last dim)"

    def _check(self, x):
        return ((x == 0) | (x == 1)).all(-1) & (x.sum(-1) == 1)


class _Multinomial(Constraint):
    """Vectors of counts >= 0 summing to at most ``upper_bound`` (torch checks <=, not ==)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound
        self.phrase = f"counts >= 0 summing to at most {upper_bound} along the last dim"

    def _check(self, x):
        return (x >= 0).all(-1) & (x.sum(-1) <= self.upper_bound)


class _Independent(Constraint):
    """``base`` on each entry of the last ``reinterpreted_batch_ndims`` dims, read as one event."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint, self.reinterpreted_batch_ndims = base_constraint, reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims
        self.phrase = base_constraint.phrase

    def _check(self, x):
        ok = self.base_constraint._check(x)
        for _ in range(self.reinterpreted_batch_ndims):
            ok = ok.all(-1)
        return ok


class _LowerCholesky(Constraint):
    event_dim = 2
    phrase = "lower triangular with a positive diagonal"

    def _check(self, x):
        xp_tril = x * np.tri(x.shape[-2], x.shape[-1], dtype=bool) if x.ndim >= 2 else x
        lower = (xp_tril == x).all(-1).all(-1)
        return lower & (x.diagonal(axis1=-2, axis2=-1) > 0).all(-1)


class _PositiveDefinite(Constraint):
    event_dim = 2
    phrase = "symmetric positive definite"

    def _check(self, x):
        symmetric = (abs(x - x.swapaxes(-1, -2)) <= 1e-6 * (1 + abs(x))).all(-1).all(-1)
        return symmetric & (np.linalg.eigvalsh(x) > 0).all(-1)


class _RealVector(Constraint):
    event_dim = 1
    phrase = "real vectors (no NaN)"

    def _check(self, x):
        return (x == x).all(-1)


def _describe(b):
    if isinstance(b, Tensor):
        return f"a tensor of shape {tuple(b.shape)}" if b.ndim else f"{b.item():g}"
    return f"{b:g}" if isinstance(b, float) else str(b)


dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThan(0.0, strict=False)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
real_vector = _RealVector()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
greater_than = _GreaterThan


def greater_than_eq(lower_bound):
    return _GreaterThan(lower_bound, strict=False)


less_than = _LessThan
interval = _Interval


def half_open_interval(lower_bound, upper_bound):
    return _Interval(lower_bound, upper_bound, half_open=True)


integer_interval = _IntegerInterval
multinomial = _Multinomial
independent = _Independent

__all__ = ["Constraint", "boolean", "dependent", "greater_than", "greater_than_eq", "half_open_interval",
           "independent", "integer_interval", "interval", "is_dependent", "less_than", "lower_cholesky", "multinomial",
           "nonnegative", "nonnegative_integer", "one_hot", "positive", "positive_definite", "positive_integer",
           "real", "real_vector", "simplex", "unit_interval"]
