"""ASGD: stochastic gradient descent with a decaying step size and a running average of the iterates."""

import math

from minigrad.optim.axpy import axpy
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.threads import elementwise
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (Polyak and Juditsky, 1992), as ``torch.optim.ASGD``.

    Plain SGD steps with a step size ``eta`` that decays as ``t^-alpha``, a
    shrinking term ``lambda``, and the average ``ax`` of the iterates from step
    ``t0`` on. With step count ``t`` (starting at 1), ``eta`` and ``mu`` are
    those the previous step computed (``eta = lr`` and ``mu = 1`` at ``t = 1``)::

        g = -g                                   if maximize
        g = g + wd * theta                       if weight_decay != 0 (L2 penalty)
        theta = theta * (1 - lambda * eta)       decay term
        theta = theta - eta * g
        ax = ax + mu * (theta - ax)              if mu != 1, else ax = theta
        eta = lr / (1 + lambda * lr * t)^alpha   for the next step
        mu = 1 / max(1, t - t0)                  for the next step

    ``mu = 1`` until ``t > t0 + 1``, so ``ax`` follows ``theta`` until then and
    is the running mean of the later iterates afterwards. The average is kept
    in the state (``state[p]["ax"]``) and never written into the parameters:
    copy it in to evaluate the averaged model, as with PyTorch's ASGD (see also
    :class:`minigrad.optim.AveragedModel`). The group's ``lr`` is read at every
    step, so a learning-rate schedule changes ``eta`` from the next step on.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate, the first step size (default 1e-2).
        lambd: the decay term ``lambda`` (default 1e-4).
        alpha: the power of the step-size decay (default 0.75).
        t0: the step after which averaging starts (default 1e6).
        weight_decay: L2 penalty coefficient ``wd`` (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, capturable: torch's kernel switches, checked as in :class:`~minigrad.optim.Adam` (one code
            path here: ``foreach``/``fused`` give the same update; ``capturable``/``differentiable`` only False).

    State per parameter: ``step``, ``eta`` and ``mu`` (Python floats, the step
    size and averaging weight of the next step) and ``ax`` (the average).

    Compared with ``torch.optim.ASGD``: same update, but PyTorch keeps ``eta``
    and ``mu`` as 0-d tensors of its default dtype (float32 unless
    ``torch.set_default_dtype(torch.float64)``), here they are Python floats
    (float64), as NAdam's ``mu_product``; the iterates then agree with
    PyTorch's up to float32 rounding of ``eta``, and to float64 rounding when
    PyTorch's default dtype is float64.
    """

    param_shaped_state = True
    scalar_state_keys = ("step", "eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, *, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # maximize: a bool
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        # PyTorch checks only lr and weight_decay; a negative lambd or alpha would grow theta or eta
        check_hyperparameter(0.0 <= group["lambd"] < math.inf, f"Invalid lambd value: {group['lambd']}")
        check_hyperparameter(0.0 <= group["alpha"] < math.inf, f"Invalid alpha value: {group['alpha']}")
        check_hyperparameter(group["t0"] >= 0.0, f"Invalid t0 value: {group['t0']}")
        check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one ASGD update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = float(group["lr"]), float(group["lambd"]), float(group["alpha"]), float(group["t0"])
            for theta, g, state in self._params_with_grad(group):
                t = self._count_step(state, theta, "ax")
                state.setdefault("eta", lr)                 # eta = lr at t = 1
                state.setdefault("mu", 1.0)                 # mu = 1 at t = 1
                eta, mu = state["eta"], state["mu"]

                def update(theta, g, ax):
                    """The update of one slice of theta, from the same slices of g and ax."""
                    g = self._regularized_grad(g, theta, group)  # g = -g if maximize; g = g + wd*theta
                    theta *= 1 - lambd * eta                # theta = theta * (1 - lambda*eta)
                    axpy(-eta, g, theta)                    # theta = theta - eta*g
                    if mu != 1:
                        diff = theta - ax                   # ax = ax + mu*(theta - ax)
                        diff *= mu
                        ax += diff
                    else:
                        ax[...] = theta                     # ax = theta

                elementwise(update, theta, g, state["ax"])
                state["eta"] = lr / ((1 + lambd * lr * t) ** alpha)   # eta = lr / (1 + lambda*lr*t)^alpha
                state["mu"] = 1 / max(1, t - t0)                      # mu = 1 / max(1, t - t0)
        return loss
