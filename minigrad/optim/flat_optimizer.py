"""The base of the optimizers that see all parameters as one flat vector ``x``.

LBFGS, ConjugateGradient, BFGS, Newton and NewtonCG are written in textbooks
for a single vector; :class:`FlatOptimizer` holds what they share, so each of
them shows only its own iteration:

* one parameter group (``add_param_group`` refuses a second, given to the
  constructor or later), whose parameters share one device and dtype (checked
  once, in ``__init__``, naming the first mismatch);
* ``step(closure)`` needs the closure; :meth:`FlatOptimizer._evaluate` says so
  if it is missing, runs it and returns ``(loss, value, flat gradient)``;
* :meth:`FlatOptimizer._converged`: no update once ``max |g_i| <= tolerance_grad``;
* the default ``step`` is evaluate, stop if converged, else ``_iteration`` (the
  method's own equations; BFGS and ConjugateGradient). LBFGS runs several
  iterations per step and the Newton methods need Hessian-vector products, so
  they write ``step`` themselves from the same pieces;
* ``_refuse_more_than``: the size limit of the dense ``n x n`` methods;
* the running state (flat vectors) lives in ``self.state`` under the first
  parameter, so ``state_dict`` saves it;
* the options they share (``lr``, ``c1``/``c2``, ``max_ls``, ``tolerance_grad``, ...)
  are validated the same way, whichever of them a group has.
"""
from __future__ import annotations

from minigrad.optim import param_vector
from minigrad.optim.line_search import check_wolfe_constants
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.validation import check_count

#: Options that must be integers >= 1, and options that must be >= 0, when a group has them.
_COUNT_OPTIONS = ("max_iter", "max_eval", "history_size", "max_ls")
_TOLERANCE_OPTIONS = ("tolerance_grad", "tolerance_change")


class FlatOptimizer(Optimizer):
    """Base class of the optimizers that work on the flat parameter vector (see the module docstring)."""

    #: The state holds flat vectors over all parameters (under the first one), not parameter-shaped arrays.
    param_shaped_state = False

    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        self._params = self.param_groups[0]["params"]
        param_vector.check_same_device_and_dtype(self._params, type(self).__name__)

    def add_param_group(self, group: dict):
        """The first group only, the constructor's: the flat vector is its parameters, so a second group (a list of
        groups given, or add_param_group later) would never move (torch's LBFGS refuses it at ``step``)."""
        if self.param_groups:
            raise ValueError(f"{type(self).__name__} doesn't support per-parameter options (parameter groups): it "
                             "steps one group's parameters as one flat vector, so a second group (from the "
                             "constructor or add_param_group) would never move; build one optimizer over all the "
                             "parameters instead")
        super().add_param_group(group)

    def _refuse_more_than(self, max_params, what, instead):
        """Raise a clear error if there are more than ``max_params`` parameters (dense ``n x n`` methods).

        ``what`` says what the method builds, with ``{n}`` for the count; ``instead`` names the
        optimizers to use for larger models. (The constructor checks ``max_params`` itself first,
        with :func:`~minigrad.optim.validation.check_count`.)
        """
        n = param_vector.numel(self._params)
        if n > max_params:
            raise ValueError(f"{type(self).__name__} {what.format(n=n)} and supports at most {max_params} "
                             f"parameters, but got {n}; use {instead} for models this size")

    def step(self, closure=None):
        """One iteration from ``x_k``; returns the closure's loss there (before the update).

        Evaluates ``f`` and ``g`` at ``x_k`` and, unless ``max |g_i| <= tolerance_grad``,
        calls :meth:`_iteration`, which subclasses write (LBFGS and the Newton
        methods override ``step`` itself).
        """
        loss, value, g = self._evaluate(closure)
        state = self._flat_state()
        if not self._converged(g):
            self._iteration(closure, value, g, state)
        return loss

    def _iteration(self, closure, value, g, state):
        """Move the parameters from ``x_k`` (loss ``value``, flat gradient ``g``) to ``x_{k+1}``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _iteration()")

    def _validate_group(self, group):
        """Reject bad values of the shared options (those ``group`` has), naming the value."""
        if not group["lr"] > 0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        for name in _COUNT_OPTIONS:
            if name in group:
                check_count(name, group[name])  # an int or NumPy integer >= 1, not a bool
        for name in _TOLERANCE_OPTIONS:
            if name in group and not group[name] >= 0:
                raise ValueError(f"Invalid {name}: {group[name]} (expected >= 0)")
        if "line_search_fn" in group and group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"Invalid line_search_fn: {group['line_search_fn']!r} (expected None or 'strong_wolfe')")
        if "c1" in group:
            check_wolfe_constants(group["c1"], group["c2"])

    def _flat_state(self):
        """The optimizer's running state: one dict, kept under the first parameter."""
        return self.state.setdefault(self._params[0], {})

    def _evaluate(self, closure, with_hvp=False):
        """Run the closure at the current ``x``: ``(loss, value, g)``, plus ``hvp`` with ``with_hvp``.

        ``loss`` is what the closure returned, ``value`` that loss as a Python
        float and ``g`` the flat gradient; ``hvp(v)`` gives ``H v`` (see
        :func:`minigrad.optim.param_vector.hvp_evaluator`).
        """
        if closure is None:
            raise ValueError(f"{type(self).__name__}.step needs a closure that zeroes grads, computes the loss, "
                             "calls loss.backward() and returns the loss")
        if with_hvp:
            return param_vector.hvp_evaluator(closure, self._params, self._who)
        return param_vector.evaluate(closure, self._params, self._who)

    @property
    def _who(self):
        """How a refused ``.grad`` names this optimizer."""
        return f"{type(self).__name__}.step"

    def _converged(self, g):
        """True once the flat gradient is small enough to stop: ``max |g_i| <= tolerance_grad``."""
        return float(abs(g).max()) <= self.param_groups[0]["tolerance_grad"]
