"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from minigrad.backend import get_array_module
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options
from minigrad.optim.threads import elementwise


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``.

    The ratio of two running RMS values gives each coordinate a step with the
    units of the parameter, so ``lr`` is only a multiplier (default 1)::

        g = -g                                          if maximize
        g = g + lambda * theta                          if weight_decay != 0
        v = rho * v + (1 - rho) * g * g                 (v starts at 0)
        dx = sqrt(u + eps) / sqrt(v + eps) * g          (u starts at 0)
        u = rho * u + (1 - rho) * dx * dx
        theta = theta - lr * dx

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: multiplier of the update (default 1.0).
        rho: decay rate of both running averages (default 0.9).
        eps: added inside both square roots (default 1e-6).
        weight_decay: L2 penalty coefficient (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: torch's kernel switches, checked as in :class:`~minigrad.optim.Adam` (one code
            path here: ``foreach``/``fused`` give the same update; ``capturable``/``differentiable`` only False).

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).
    """

    param_shaped_state = True

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, foreach=None, capturable=False,
                 maximize=False, differentiable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # maximize: a bool
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check_hyperparameter(0.0 <= group["rho"] <= 1.0, f"Invalid rho value: {group['rho']}")
        check_hyperparameter(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one Adadelta update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            for theta, g, state in self._params_with_grad(group):
                xp = get_array_module(theta)
                self._count_step(state, theta, "square_avg", "acc_delta")

                def update(theta, g, v, u):
                    """The update of one slice of theta, from the same slices of g, v and u."""
                    g = self._regularized_grad(g, theta, group)  # g = -g if maximize; g = g + lambda*theta
                    v *= rho                                # v = rho*v + (1-rho)*g*g
                    v += (1 - rho) * g * g
                    std = v + eps                           # sqrt(v + eps)
                    xp.sqrt(std, out=std)
                    dx = u + eps                            # dx = sqrt(u + eps) / sqrt(v + eps) * g
                    xp.sqrt(dx, out=dx)
                    dx /= std
                    dx *= g
                    u *= rho                                # u = rho*u + (1-rho)*dx*dx
                    u += (1 - rho) * dx * dx
                    dx *= lr
                    theta -= dx                             # theta = theta - lr*dx

                elementwise(update, theta, g, state["square_avg"], state["acc_delta"])
        return loss
