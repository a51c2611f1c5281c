"""Nonlinear conjugate gradient (Fletcher-Reeves and Polak-Ribiere+) with a strong-Wolfe line search."""
from __future__ import annotations

from minigrad.optim import param_vector
from minigrad.optim.flat_optimizer import FlatOptimizer
from minigrad.optim.line_search import line_search_params
from minigrad.optim.validation import shown
from minigrad.scalars import is_integer


class ConjugateGradient(FlatOptimizer):
    """Nonlinear conjugate gradient (Nocedal & Wright, *Numerical Optimization*, Alg. 5.4 and eq. 5.44).

    One ``step(closure)`` is one iteration::

        beta_k (FR)  = g_k^T g_k / g_{k-1}^T g_{k-1}
        beta_k (PR+) = max(0, g_k^T (g_k - g_{k-1}) / g_{k-1}^T g_{k-1})
        d_k          = -g_k + beta_k d_{k-1}
        x_{k+1}      = x_k + t_k d_k,   t_k from the strong-Wolfe line search

    The direction restarts as steepest descent (``d_k = -g_k``) on the first
    iteration, every ``restart_every`` iterations (default: the number of
    parameters n, after which CG has used up its conjugate directions), and
    whenever ``d_k`` is not a descent direction (``g_k^T d_k >= 0``). On a
    convex quadratic with exact line searches this is linear CG and reaches
    the minimum in at most n iterations. Fletcher-Reeves needs ``c2 < 1/2``
    to guarantee descent, hence the default ``c2=0.1``.

    The closure zeroes the gradients, computes the loss, calls
    ``loss.backward()`` and returns the loss; ``step`` returns the loss before
    the update. All parameters form one flat vector (one group, one device and dtype).

    Args:
        params: the Tensors to optimize.
        lr: the first trial step of the first line search (later ones start
            from ``t_{k-1} g_{k-1}^T d_{k-1} / g_k^T d_k``, N&W eq. 3.60).
        beta: ``"PR+"`` (default) or ``"FR"``.
        restart_every: restart period in iterations (``None``: the number of parameters).
        c1, c2: strong-Wolfe constants.
        max_ls: closure evaluations allowed per line search.
        tolerance_grad: no update once ``max |g_i| <= tolerance_grad``.
    """

    def __init__(self, params, lr=1.0, beta="PR+", restart_every=None, c1=1e-4, c2=0.1, max_ls=25,
                 tolerance_grad=1e-10):
        defaults = dict(lr=lr, beta=beta, restart_every=restart_every, c1=c1, c2=c2, max_ls=max_ls,
                        tolerance_grad=tolerance_grad)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        """Reject bad hyperparameters up front, naming the value."""
        super()._validate_group(group)
        if group["beta"] not in ("PR+", "FR"):
            raise ValueError(f"Invalid beta: {group['beta']!r} (expected 'PR+' or 'FR')")
        restart = group["restart_every"]
        if restart is not None and not (is_integer(restart) and restart >= 1):
            raise ValueError(f"Invalid restart_every: {shown(restart)} (expected None or an integer >= 1)")

    def _iteration(self, closure, value, g, state):
        """One conjugate-gradient iteration from ``x_k`` (loss ``value``, gradient ``g``)."""
        group = self.param_groups[0]
        params = self._params
        restart_every = group["restart_every"] or param_vector.numel(params)
        prev_g, prev_d = state.get("prev_grad"), state.get("prev_direction")
        since_restart = state.get("since_restart", 0)
        gg = float(g @ g)
        d = None
        if prev_g is not None and since_restart < restart_every:
            prev_gg = float(prev_g @ prev_g)
            if group["beta"] == "FR":
                beta = gg / prev_gg  # beta_FR = g_k^T g_k / g_{k-1}^T g_{k-1}
            else:
                beta = max(0.0, float(g @ (g - prev_g)) / prev_gg)  # beta_PR+ = max(0, g_k^T (g_k - g_{k-1}) / ||g_{k-1}||^2)
            d = -g + beta * prev_d  # d_k = -g_k + beta_k d_{k-1}
            since_restart += 1
            if float(g @ d) >= 0.0:  # not a descent direction: restart
                d = None
        if d is None:
            d = -g  # steepest-descent restart
            since_restart = 1

        gtd = float(g @ d)
        if prev_g is None or "prev_step" not in state:
            t = float(group["lr"]) * min(1.0, 1.0 / max(float(abs(g).sum()), 1e-300))
        else:
            # N&W eq. 3.60: the first trial keeps the first-order change of the last step.
            t = state["prev_step"] * state["prev_gtd"] / gtd
            t = min(max(t, 1e-10), 1e10) if t > 0 else float(group["lr"])

        x0 = param_vector.flat_params(params)
        search = line_search_params(closure, params, x0, d, value, g, t, c1=group["c1"], c2=group["c2"],
                                    max_evals=group["max_ls"], who=self._who)
        state.update(prev_grad=g, prev_direction=d, since_restart=since_restart,
                     prev_step=search.step if search.step > 0 else t, prev_gtd=gtd)
        if search.step == 0.0:
            state["since_restart"] = restart_every  # restart on the next iteration

