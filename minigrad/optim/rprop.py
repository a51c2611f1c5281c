"""Rprop: a step size per coordinate, grown while the gradient keeps its sign and cut when it flips."""

from minigrad.backend import get_array_module
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.threads import elementwise
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options, shown


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller and Braun, 1993), as ``torch.optim.Rprop``.

    Only the sign of the gradient is used; each coordinate has its own step size
    ``eta`` (starting at ``lr``), with ``eta_minus < 1 < eta_plus`` and bounds
    ``[Gamma_min, Gamma_max]``::

        g = -g                                   if maximize
        s = sign(g_prev * g)                     (g_prev starts at 0)
        eta = eta * eta_plus                     where s > 0  (same sign: speed up)
        eta = eta * eta_minus                    where s < 0  (sign flipped: overshot, slow down)
        eta = clip(eta, Gamma_min, Gamma_max)    everywhere   (so an lr outside the bounds is clipped at step 1)
        g = 0                                    where s < 0  (no step there, and no flip test next time)
        theta = theta - eta * sign(g)
        g_prev = g

    ``sign`` is 0 at 0 and at NaN, as in PyTorch (a NaN gradient entry makes no step and leaves its
    step size alone). This is PyTorch's variant (Rprop without weight backtracking, "Rprop-"):
    a coordinate whose gradient flipped stays put for one step. ``lr`` is
    read once, when a parameter's step sizes are created on its first step, so
    a learning-rate schedule has no effect afterwards (as in PyTorch). Rprop
    needs full-batch (deterministic) gradients: mini-batch noise flips signs
    at random, which shrinks every step size to ``Gamma_min``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: the initial step size of every coordinate (default 1e-2).
        etas: ``(eta_minus, eta_plus)``, the factors that shrink and grow a step
            size, with ``0 < eta_minus < 1 < eta_plus`` (default (0.5, 1.2)).
        step_sizes: ``(Gamma_min, Gamma_max)``, the bounds of the step sizes,
            with ``0 <= Gamma_min <= Gamma_max`` (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach, differentiable: torch's kernel switches, checked as in :class:`~minigrad.optim.Adam` (one code
            path here: ``foreach``/``fused`` give the same update; ``capturable``/``differentiable`` only False).

    State per parameter: ``step``, ``prev`` (g_prev, the last gradient used) and
    ``step_size`` (eta).
    """

    param_shaped_state = True

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # maximize: a bool
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        etas, bounds = group["etas"], group["step_sizes"]
        check_hyperparameter(isinstance(etas, (tuple, list)) and len(etas) == 2,
                             f"Invalid etas: {shown(etas)} (expected a pair (etaminus, etaplus))")
        check_hyperparameter(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        check_hyperparameter(isinstance(bounds, (tuple, list)) and len(bounds) == 2,
                             f"Invalid step_sizes: {shown(bounds)} (expected a pair (min, max))")
        # PyTorch does not check them; min > max would clamp every step size to max
        check_hyperparameter(0.0 <= bounds[0] <= bounds[1], f"Invalid step sizes: {bounds[0]}, {bounds[1]}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one Rprop update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            eta_minus, eta_plus = float(group["etas"][0]), float(group["etas"][1])
            step_min, step_max = float(group["step_sizes"][0]), float(group["step_sizes"][1])
            maximize = group["maximize"]
            for theta, g, state in self._params_with_grad(group):
                xp = get_array_module(theta)
                self._count_step(state, theta, "prev", step_size=group["lr"])   # eta starts at lr

                def update(theta, g, prev, eta):
                    """The update of one slice of theta, from the same slices of g, g_prev and eta."""
                    if maximize:
                        g = -g                              # g = -g if maximize
                    product = g * prev                      # s = sign(g_prev * g)
                    flipped = product < 0
                    # Each entry's factor is read from a table (with masked writes, random signs made the whole
                    # update seven times slower): code 0 where s = 0 (or NaN, whose sign is 0 in PyTorch),
                    # 1 where s > 0, 2 where s < 0.
                    code = flipped.astype(xp.uint8)
                    code <<= 1
                    code |= product > 0
                    factors = xp.asarray([1, eta_plus, eta_minus], dtype=eta.dtype)  # in eta's dtype, as PyTorch's
                    eta *= factors.take(code)               # eta = eta * (eta_plus, eta_minus or 1)
                    xp.clip(eta, step_min, step_max, out=eta)  # clamped to [Gamma_min, Gamma_max]
                    g = g * ~flipped                        # g = 0 where the sign flipped (a zero of g's sign)
                    step = (g > 0).astype(eta.dtype)        # sign(g), 0 for a NaN as in PyTorch
                    step -= g < 0
                    step *= eta
                    theta -= step                           # theta = theta - eta * sign(g)
                    prev[...] = g                           # g_prev = g

                elementwise(update, theta, g, state["prev"], state["step_size"])
        return loss
