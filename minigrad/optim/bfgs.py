"""BFGS: the dense inverse-Hessian quasi-Newton method, with a strong-Wolfe line search."""
from __future__ import annotations

from minigrad.backend import get_array_module
from minigrad.optim import param_vector
from minigrad.optim.flat_optimizer import FlatOptimizer
from minigrad.optim.line_search import line_search_params
from minigrad.optim.validation import check_count

#: BFGS stores an n x n matrix; above this many parameters use LBFGS instead.
BFGS_MAX_PARAMS = 5000


class BFGS(FlatOptimizer):
    """BFGS with a dense inverse-Hessian approximation (Nocedal & Wright, Alg. 6.1).

    One ``step(closure)`` is one iteration::

        d_k     = -H_k g_k
        x_{k+1} = x_k + t_k d_k              t_k: strong-Wolfe line search
        s_k = x_{k+1} - x_k,  y_k = g_{k+1} - g_k,  rho_k = 1 / (y_k^T s_k)
        H_{k+1} = (I - rho_k s_k y_k^T) H_k (I - rho_k y_k s_k^T) + rho_k s_k s_k^T   (eq. 6.17)

    Before the first update ``H_0`` is rescaled to ``(y^T s / y^T y) I``
    (eq. 6.20). The Wolfe conditions give ``y^T s > 0``, which keeps ``H_k``
    positive definite; a pair with ``y^T s <= 1e-10`` is skipped, and if
    rounding ever makes ``d_k`` an ascent direction, or the line search finds
    no decrease along it, ``H_k`` is reset to ``I``.

    ``H_k`` takes ``n^2`` numbers, so BFGS refuses more than
    :data:`BFGS_MAX_PARAMS` (5000) parameters (``max_params`` changes the
    limit); use :class:`~minigrad.optim.LBFGS` for larger models.

    Args:
        params: the Tensors to optimize (one group, one device and dtype).
        lr: the line search's first trial step (1 is the quasi-Newton step).
        c1, c2: strong-Wolfe constants.
        max_ls: closure evaluations allowed per line search.
        tolerance_grad: no update once ``max |g_i| <= tolerance_grad``.
        max_params: the size limit.
    """

    def __init__(self, params, lr=1.0, c1=1e-4, c2=0.9, max_ls=25, tolerance_grad=1e-10,
                 max_params=BFGS_MAX_PARAMS):
        check_count("max_params", max_params)
        defaults = dict(lr=lr, c1=c1, c2=c2, max_ls=max_ls, tolerance_grad=tolerance_grad)
        super().__init__(params, defaults)
        self._refuse_more_than(max_params, "stores a dense {n} x {n} inverse Hessian", "LBFGS")

    def _iteration(self, closure, value, g, state):
        """One BFGS iteration from ``x_k`` (loss ``value``, gradient ``g``)."""
        group = self.param_groups[0]
        params = self._params
        xp = get_array_module(g)
        x = param_vector.flat_params(params)
        H = state.get("inverse_hessian")
        if H is None:
            H = xp.eye(g.size, dtype=g.dtype)
        elif "prev_x" in state:
            s = x - state["prev_x"]  # s_k = x_{k+1} - x_k
            y = g - state["prev_grad"]  # y_k = g_{k+1} - g_k
            ys = float(y @ s)
            if ys > 1e-10:
                if state.get("updates", 0) == 0:
                    H = (ys / float(y @ y)) * xp.eye(g.size, dtype=g.dtype)  # H_0 = (y^T s / y^T y) I
                rho = 1.0 / ys
                Hy = H @ y
                # (I - rho s y^T) H (I - rho y s^T) + rho s s^T, expanded (H is symmetric):
                # H - rho (H y s^T + s y^T H) + (rho^2 y^T H y + rho) s s^T
                H = H - rho * (xp.outer(Hy, s) + xp.outer(s, Hy)) + (rho * rho * float(y @ Hy) + rho) * xp.outer(s, s)
                state["updates"] = state.get("updates", 0) + 1

        d = -(H @ g)  # d_k = -H_k g_k
        if float(g @ d) >= 0.0:  # rounding broke positive definiteness: start again from H = I
            H = xp.eye(g.size, dtype=g.dtype)
            state["updates"] = 0
            d = -g
        t = float(group["lr"])
        if state.get("updates", 0) == 0:
            t *= min(1.0, 1.0 / max(float(abs(g).sum()), 1e-300))  # H = I: scale the first step to the gradient
        search = line_search_params(closure, params, x, d, value, g, t, c1=group["c1"], c2=group["c2"],
                                    max_evals=group["max_ls"], who=self._who)
        state.update(inverse_hessian=H, prev_x=x, prev_grad=g)
        state.setdefault("updates", 0)
        if search.step == 0.0:
            # no decrease along -H g: forget the curvature model and start again from steepest descent
            state["inverse_hessian"] = xp.eye(g.size, dtype=g.dtype)
            state["updates"] = 0
