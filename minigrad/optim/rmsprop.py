"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from minigrad.backend import get_array_module
from minigrad.optim.axpy import axpy
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options
from minigrad.optim.threads import elementwise


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), as ``torch.optim.RMSprop``.

    With decay rate ``alpha``::

        g = -g                                        if maximize
        g = g + lambda * theta                        if weight_decay != 0
        v = alpha * v + (1 - alpha) * g * g           (v starts at 0)
        if centered:
            m = alpha * m + (1 - alpha) * g           (m starts at 0)
            d = sqrt(v - m * m) + eps
        else:
            d = sqrt(v) + eps
        if momentum > 0:
            b = mu * b + g / d                        (b starts at 0)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / d

    Note the ``eps`` is added outside the square root, as in PyTorch.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average, in [0, 1] (default 0.99).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: L2 penalty coefficient (default 0).
        momentum: momentum factor ``mu`` (default 0).
        centered: divide by an estimate of the gradient's variance instead of its
            second moment.
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach, differentiable: torch's kernel switches, checked as in :class:`~minigrad.optim.Adam` (one code
            path here: ``foreach``/``fused`` give the same update; ``capturable``/``differentiable`` only False).

    State per parameter: ``step``, ``square_avg`` (v), ``grad_avg`` (m, when
    centered) and ``momentum_buffer`` (b, when momentum > 0).
    """

    param_shaped_state = True
    decaying_state = ("momentum_buffer", "grad_avg")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, capturable=False, foreach=None, maximize=False, differentiable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # centered, maximize: bools
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check_hyperparameter(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        check_hyperparameter(group["momentum"] >= 0.0, f"Invalid momentum value: {group['momentum']}")
        check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")
        # PyTorch checks only alpha >= 0; alpha > 1 makes v negative, then sqrt(v) NaN
        check_hyperparameter(0.0 <= group["alpha"] <= 1.0, f"Invalid alpha value: {group['alpha']}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one RMSprop update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            mu = float(group["momentum"])
            optional = (["momentum_buffer"] if mu > 0 else []) + (["grad_avg"] if group["centered"] else [])
            for theta, g, state in self._params_with_grad(group):
                xp = get_array_module(theta)
                self._count_step(state, theta, "square_avg", *optional)

                def update(theta, g, v, m, b):
                    """The update of one slice of theta, from the same slices of g, v, m and b."""
                    g = self._regularized_grad(g, theta, group)  # g = -g if maximize; g = g + lambda*theta
                    v *= alpha                              # v = alpha*v + (1-alpha)*g*g
                    v += (1 - alpha) * g * g
                    if m is not None:                       # centered
                        m *= alpha                          # m = alpha*m + (1-alpha)*g
                        m += (1 - alpha) * g
                        d = v - m * m                       # d = sqrt(v - m*m) + eps
                        xp.sqrt(d, out=d)
                    else:
                        d = xp.sqrt(v)                      # d = sqrt(v) + eps
                    d += eps
                    xp.divide(g, d, out=d)                  # d now holds g / d
                    if b is not None:                       # momentum > 0
                        b *= mu                             # b = mu*b + g/d
                        b += d
                        axpy(-lr, b, theta)                 # theta = theta - lr*b
                    else:
                        d *= lr
                        theta -= d                          # theta = theta - lr * g/d

                elementwise(update, theta, g, state["square_avg"],
                            state["grad_avg"] if group["centered"] else None,
                            state["momentum_buffer"] if mu > 0 else None)
        return loss
