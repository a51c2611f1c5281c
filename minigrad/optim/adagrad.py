"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from minigrad.backend import get_array_module
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options
from minigrad.optim.threads import elementwise


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan and Singer, 2011), as ``torch.optim.Adagrad``.

    Each coordinate's step is divided by the root of the sum of its squared
    gradients so far, so rarely-updated coordinates take larger steps. With
    step count :math:`t` (starting at 1)::

        g = -g                                   if maximize
        g = g + lambda * theta                   if weight_decay != 0
        eps_t = lr / (1 + (t - 1) * lr_decay)
        r = r + g * g                            (r starts at initial_accumulator_value)
        theta = theta - eps_t * g / (sqrt(r) + delta)

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty coefficient (default 0).
        initial_accumulator_value: starting value of ``r`` (default 0).
        eps: ``delta``, added to the denominator for stability (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: torch's kernel switches, checked as in :class:`~minigrad.optim.Adam` (one code
            path here: ``foreach``/``fused`` give the same update; ``differentiable`` only False).

    State per parameter: ``step`` (int) and ``sum`` (the accumulator ``r``).
    Unlike PyTorch the state is created at the first step, not in ``__init__``.
    Each group's accumulators start at that group's ``initial_accumulator_value``; PyTorch's
    start every group's at the constructor's value, whatever a group says.
    """

    param_shaped_state = True

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, *, foreach=None, maximize=False, differentiable=False, fused=None):
        check_kernel_options(type(self).__name__, foreach, fused, False, differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # maximize: a bool
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check_hyperparameter(group["lr_decay"] >= 0.0, f"Invalid lr_decay value: {group['lr_decay']}")
        check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")
        check_hyperparameter(group["initial_accumulator_value"] >= 0.0,
                             f"Invalid initial_accumulator_value value: {group['initial_accumulator_value']}")
        check_hyperparameter(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one Adagrad update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            for theta, g, state in self._params_with_grad(group):
                xp = get_array_module(theta)
                t = self._count_step(state, theta, sum=group["initial_accumulator_value"])
                clr = lr / (1 + (t - 1) * lr_decay)              # eps_t = lr / (1 + (t-1)*lr_decay)

                def update(theta, g, r):
                    """The update of one slice of theta, from the same slices of g and r."""
                    g = self._regularized_grad(g, theta, group)  # g = -g if maximize; g = g + lambda*theta
                    r += g * g                                   # r = r + g*g
                    denom = xp.sqrt(r)                           # sqrt(r) + delta
                    denom += eps
                    xp.divide(g, denom, out=denom)               # g / (sqrt(r) + delta)
                    denom *= clr
                    theta -= denom                               # theta = theta - eps_t * g / (sqrt(r) + delta)

                elementwise(update, theta, g, state["sum"])
        return loss
