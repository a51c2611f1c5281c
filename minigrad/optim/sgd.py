"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from minigrad.backend import get_array_module
from minigrad.optim.axpy import axpy, factor
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options
from minigrad.optim.threads import elementwise


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    For each parameter :math:`\theta` with gradient :math:`g`, learning rate
    :math:`\epsilon`, momentum :math:`\mu`, dampening :math:`\tau` and weight
    decay :math:`\lambda`::

        g = -g                          if maximize
        g = g + lambda * theta          if weight_decay != 0
        if momentum != 0:
            b = g                       on the first step (no dampening)
            b = mu * b + (1 - tau) * g  afterwards
            g = g + mu * b              if nesterov
            g = b                       otherwise
        theta = theta - eps * g

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum, in [0, 1] (default 0; PyTorch does not check it).
        weight_decay: L2 penalty coefficient (default 0).
        nesterov: use Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: torch's kernel switches, checked as in :class:`~minigrad.optim.Adam` (one code
            path here: ``foreach``/``fused`` give the same update; ``differentiable`` only False).

    State per parameter (only when momentum is used): ``momentum_buffer``, and
    ``step``, the count that paces the flush of its subnormal entries.

    ``maximize`` negates the gradient first, before weight decay, as PyTorch's
    code does (the algorithm box of PyTorch's SGD documentation writes the sign
    flip at the update instead, which would make weight decay push away from zero).
    """

    param_shaped_state = True
    decaying_state = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False, fused=None):
        check_kernel_options(type(self).__name__, foreach, fused, False, differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # nesterov, maximize: bools
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check_hyperparameter(group["momentum"] >= 0.0, f"Invalid momentum value: {group['momentum']}")
        check_hyperparameter(0.0 <= group["dampening"] <= 1.0, f"Invalid dampening value: {group['dampening']}")
        check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")
        check_hyperparameter(
            not group["nesterov"] or (group["momentum"] > 0 and group["dampening"] == 0),
            "Nesterov momentum requires a momentum and zero dampening "
            f"(got momentum={group['momentum']}, dampening={group['dampening']})",
        )

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one SGD update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 (a NumPy float64 scalar would promote them)
            lr, mu, tau = float(group["lr"]), float(group["momentum"]), float(group["dampening"])
            nesterov = group["nesterov"]
            regularize = group["maximize"] or float(group["weight_decay"]) != 0  # decided once per group
            # Without momentum and regularization theta = theta - eps*g is the whole update: axpy, called directly
            # (it splits a large theta over the threads itself; the per-slice update function and elementwise's
            # call around it cost the tiny step, six small parameters, 17,000 instructions of 124,000)
            descend_only = mu == 0 and not regularize

            def update(theta, g, buf):
                """The update of one slice of theta, from the same slices of g and b, on this parameter's
                ``first`` step or a later one (made once per group: it reads ``first`` and ``minus_lr``, set in the
                loop below, when called)."""
                if regularize:
                    g = self._regularized_grad(g, theta, group)  # g = -g if maximize; g = g + lambda*theta
                if mu != 0:
                    if first:
                        buf[...] = g                        # b = g
                    else:
                        buf *= mu                           # b = mu*b + (1-tau)*g
                        buf += g if tau == 0 else (1 - tau) * g
                    if nesterov:
                        g = g + mu * buf                    # g = g + mu*b
                    else:
                        g = buf                             # g = b
                axpy(minus_lr, g, theta)                    # theta = theta - eps*g

            dtype = kind = None
            for theta, g, state in self._params_with_grad(group, with_state=mu != 0):
                if theta.dtype is not dtype or type(theta) is not kind:
                    dtype, kind = theta.dtype, type(theta)
                    minus_lr = factor(-lr, theta)           # -eps as a 0-d array of theta's dtype (axpy.factor)
                if descend_only:
                    axpy(minus_lr, g, theta)                # theta = theta - eps*g
                    continue
                first = False
                if mu != 0:
                    self._count_step(state, theta)          # the step count paces the subnormal flush
                    first = state.get("momentum_buffer") is None
                    if first:
                        state["momentum_buffer"] = get_array_module(theta).empty_like(theta)
                elementwise(update, theta, g, state["momentum_buffer"] if mu != 0 else None)
        return loss
