"""Adafactor: Adam-like steps whose second moments of a matrix are kept as a row and a column factor."""

from minigrad.backend import get_array_module
from minigrad.optim.lerp import lerp_
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.threads import elementwise
from minigrad.optim.validation import check_flags, check_hyperparameter, check_kernel_options, shown


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer and Stern, 2018), as ``torch.optim.Adafactor`` (PyTorch's variant of it).

    With step count ``t`` (starting at 1), ``G`` the gradient, ``RMS(x) = ||x||_2 / sqrt(numel x)``,
    ``eps1`` (machine epsilon of the parameter's dtype when None), ``eps2``, ``d`` and ``lambda``::

        G = -G                                       if maximize
        w = t^beta2_decay                            (1 - beta2_t: 1 at t = 1, then decaying)
        rho = min(lr, 1 / sqrt(t))                   relative step size
        alpha = max(eps2, RMS(theta)) * rho          step size, from theta before the decay
        theta = theta * (1 - lr * lambda)            decoupled weight decay
        for a parameter with >= 2 dimensions (the last two are rows m and columns n):
            R = R + w * (mean_n(G * G) - R)          row factor,    shape (..., m, 1)
            C = C + w * (mean_m(G * G) - C)          column factor, shape (..., 1, n)
            V = R C / max(mean_m(R), eps1)           rank-1 estimate of E[G * G]
        else:
            V = V + w * (G * G - V)                  the full second moment
        U = G / sqrt(max(V, eps1^2))                 (= G / max(sqrt(V), eps1))
        U = U / max(1, RMS(U) / d)                   update clipping
        theta = theta - alpha * U

    The running averages are lerps, rounded as PyTorch's ``lerp_`` rounds them
    (:mod:`minigrad.optim.lerp`). Like PyTorch's, ``lr`` does not scale the step directly:
    it caps the relative step size ``rho`` and multiplies the weight decay. ``eps1`` guards
    the variance estimate and the update, not the factors (PyTorch's reading of the paper).

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: the cap of the relative step size, and the weight decay's factor (default 1e-2).
        beta2_decay: the power ``beta2_decay <= 0`` of ``w = t^beta2_decay`` (default -0.8).
        eps: ``(eps1, eps2)``; eps1 None means the parameter dtype's machine epsilon
            (default (None, 1e-3)).
        d: the clipping threshold of the update's RMS, ``>= 1`` (default 1.0).
        weight_decay: decoupled weight decay coefficient ``lambda`` (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: torch's kernel switch, checked as in :class:`~minigrad.optim.Adam` (one code path here: None,
            False or True give the same update).

    A parameter with no elements (a zero in its shape) has no RMS (0/0) to scale its step: a step with a
    gradient for it raises a ValueError naming it (PyTorch's raises ZeroDivisionError).

    State per parameter: ``step`` and, for a parameter of two or more dimensions,
    ``row_var`` (R) and ``col_var`` (C); for one of fewer, ``variance`` (V).

    Compared with ``torch.optim.Adafactor``: ``eps1=None`` is each parameter's own dtype's epsilon (PyTorch
    takes the first parameter's of the group for the whole group); the norms are summed in NumPy's order and
    the lerps are not fused multiply-adds, so float64 iterates agree with PyTorch's to about
    1e-15 relative, not to the bit.
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        check_kernel_options(type(self).__name__, foreach, None, False, False)
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # maximize: a bool
        check_hyperparameter(group["lr"] >= 0.0, f"Learning rate should be >= 0 but is: {group['lr']}")
        check_hyperparameter(group["beta2_decay"] <= 0.0,
                             f"beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        eps = group["eps"]
        check_hyperparameter(isinstance(eps, (tuple, list)) and len(eps) == 2,
                             f"Invalid eps: {shown(eps)} (expected a pair (eps1 or None, eps2))")
        check_hyperparameter(eps[0] is None or eps[0] >= 0.0, f"epsilon1 should be >= 0 but is: {eps[0]}")
        check_hyperparameter(eps[1] >= 0.0, f"epsilon2 should be >= 0 but is: {eps[1]}")
        check_hyperparameter(group["d"] >= 1.0, f"Clipping threshold d should be >= 1 but is: {group['d']}")
        check_hyperparameter(group["weight_decay"] >= 0.0,
                             f"weight_decay should be >= 0 but is: {group['weight_decay']}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one Adafactor update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        self._refuse_unsteppable_params()
        for group in self.param_groups:
            lr, beta2_decay, d = float(group["lr"]), float(group["beta2_decay"]), float(group["d"])
            weight_decay, eps2 = float(group["weight_decay"]), float(group["eps"][1])
            for theta, g, state in self._params_with_grad(group):
                self._update(theta, g, state, group, lr, beta2_decay, d, weight_decay, eps2)
        return loss

    def _refuse_unsteppable_params(self):
        """Before any update: a parameter with a gradient and no elements has no RMS(theta) or RMS(U) (0/0), and
        the factored second moments are real (torch refuses complex parameters too)."""
        for index, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                if p.grad is None:
                    continue
                if p.data.size == 0:
                    raise ValueError(f"Adafactor.step: parameter {i} of param group {index} has no elements (shape "
                                     f"{tuple(p.shape)}): the RMS that scales its step is 0/0; leave it out of "
                                     "the optimizer")
                if p.data.dtype.kind == "c":
                    raise TypeError(f"Adafactor.step: parameter {i} of param group {index} is complex "
                                    f"({p.data.dtype}, shape {tuple(p.shape)}); Adafactor does not support complex "
                                    "parameters (as torch's)")

    def _update(self, theta, g, state, group, lr, beta2_decay, d, weight_decay, eps2):
        """One Adafactor update of one parameter, in place."""
        xp = get_array_module(theta)
        eps1 = group["eps"][0]
        eps1 = float(xp.finfo(theta.dtype).eps) if eps1 is None else float(eps1)
        if group["maximize"]:
            g = -g                                          # G = -G
        factored = theta.ndim > 1
        if not state:
            state["step"] = 0
            if factored:
                state["row_var"] = xp.zeros(theta.shape[:-1] + (1,), dtype=theta.dtype)
                state["col_var"] = xp.zeros(theta.shape[:-2] + (1, theta.shape[-1]), dtype=theta.dtype)
            else:
                state["variance"] = xp.zeros_like(theta)
        t = state["step"] = state["step"] + 1
        w = t ** beta2_decay                                # w = 1 - beta2_t = t^beta2_decay
        rho = min(lr, 1 / (t ** 0.5))                       # rho = min(lr, 1/sqrt(t))
        # alpha and the clipping below are 0-d arrays on theta's device (in its dtype under NumPy 2 and CuPy; the
        # in-place update keeps theta's dtype either way): a GPU step never waits to read them back
        alpha = xp.maximum(eps2, _norm(theta) / (theta.size ** 0.5)) * rho   # alpha = max(eps2, RMS(theta)) rho

        if factored:
            row, col = state["row_var"], state["col_var"]
            squares = g * g
            row_mean = xp.sqrt(squares.sum(axis=-1, keepdims=True))   # mean_n(G*G), through the norm as PyTorch
            row_mean *= row_mean
            row_mean /= g.shape[-1]
            col_mean = xp.sqrt(squares.sum(axis=-2, keepdims=True))   # mean_m(G*G)
            col_mean *= col_mean
            col_mean /= g.shape[-2]
            lerp_(row, row_mean, w)                         # R = R + w (mean_n(G*G) - R)
            lerp_(col, col_mean, w)                         # C = C + w (mean_m(G*G) - C)
            v = row * col                                   # V = R C / max(mean_m(R), eps1)
            v /= xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
        else:
            v = lerp_(state["variance"], g * g, w).copy()   # V = V + w (G*G - V)
        xp.maximum(v, eps1 * eps1, out=v)                   # U = G / sqrt(max(V, eps1^2))
        xp.sqrt(v, out=v)
        u = xp.divide(1.0, v, out=v)
        u *= g
        scale = -alpha / xp.maximum(1.0, _norm(u) / ((u.size ** 0.5) * d))   # U / max(1, RMS(U)/d), times -alpha

        def update(theta, u):
            """The update of one slice of theta, from the same slice of U."""
            if weight_decay != 0:
                theta *= 1 - lr * weight_decay              # theta = theta (1 - lr lambda)
            u *= scale
            theta += u                                      # theta = theta - alpha U

        elementwise(update, theta, u)


def _norm(x):
    """``||x||_2`` as a 0-d array of ``x``'s dtype on its device (0-d ``x`` included)."""
    xp = get_array_module(x)
    return xp.sqrt(xp.sum(x * x))

