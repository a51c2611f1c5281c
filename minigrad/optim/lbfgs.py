"""L-BFGS: limited-memory BFGS with an optional strong-Wolfe line search."""
from __future__ import annotations

from minigrad.optim import param_vector
from minigrad.optim.flat_optimizer import FlatOptimizer
from minigrad.optim.line_search import line_search_params
from minigrad.optim.validation import check_count


def two_loop_direction(grad, old_steps, old_grad_changes, rhos, initial_scale):
    """The L-BFGS direction ``d = -H_k g`` by the two-loop recursion (Nocedal & Wright Alg. 7.4).

    ``old_steps`` hold ``s_i = x_{i+1} - x_i``, ``old_grad_changes`` hold
    ``y_i = g_{i+1} - g_i`` (oldest first), ``rhos`` hold ``1 / (y_i . s_i)``,
    and ``H_k^0 = initial_scale * I``. The loops run over the m stored pairs,
    never over vector entries.
    """
    q = grad.copy()
    alphas = [0.0] * len(old_steps)
    for i in range(len(old_steps) - 1, -1, -1):  # newest to oldest
        alphas[i] = rhos[i] * float(old_steps[i] @ q)  # alpha_i = rho_i s_i^T q
        q -= alphas[i] * old_grad_changes[i]  # q = q - alpha_i y_i
    r = initial_scale * q  # r = H_k^0 q
    for i in range(len(old_steps)):  # oldest to newest
        beta = rhos[i] * float(old_grad_changes[i] @ r)  # beta = rho_i y_i^T r
        r += (alphas[i] - beta) * old_steps[i]  # r = r + s_i (alpha_i - beta)
    return -r


class LBFGS(FlatOptimizer):
    """Limited-memory BFGS (Nocedal & Wright, *Numerical Optimization*, Alg. 7.5).

    Each iteration builds the quasi-Newton direction ``d_k = -H_k g_k`` from
    the last ``history_size`` pairs ``s_i = x_{i+1} - x_i``,
    ``y_i = g_{i+1} - g_i`` by the two-loop recursion, with
    ``H_k^0 = (s^T y / y^T y) I`` from the newest pair, then moves
    ``x_{k+1} = x_k + t_k d_k``. ``t_k`` is ``lr`` (the first iteration scales it
    by ``min(1, 1/||g||_1)``), or the strong-Wolfe line search's step when
    ``line_search_fn="strong_wolfe"``. A pair with ``y^T s <= 1e-10`` is skipped,
    which keeps ``H_k`` positive definite.

    ``step(closure)`` runs up to ``max_iter`` iterations; the closure must zero
    the gradients, compute the loss, call ``loss.backward()`` and return the
    loss. It returns the loss of the first evaluation. All parameters form one
    flat vector, so there is a single parameter group and all parameters share
    a device and dtype. The running state (history, last direction and step)
    lives in ``self.state`` under the first parameter, so ``state_dict`` saves it.

    Args:
        params: the Tensors to optimize.
        lr: the step length (the line search's first trial step).
        max_iter: iterations per ``step()``.
        max_eval: closure evaluations per ``step()`` (default ``max_iter * 5 // 4``); checked
            after each iteration. A line search may spend the evaluations left, and always
            makes its first trial, so a step makes at most ``max_eval + 1`` (as PyTorch's).
        tolerance_grad: stop when ``max |g_i| <= tolerance_grad``.
        tolerance_change: stop when the loss or the step changes less than this.
        history_size: the number ``m`` of stored ``(s, y)`` pairs.
        line_search_fn: ``None`` (fixed step ``lr``) or ``"strong_wolfe"``.

    Compared with ``torch.optim.LBFGS`` (same defaults): with the fixed step the
    ``func_evals``/``n_iter`` counters are PyTorch's (same two-loop recursion,
    first step, and stopping tests in the same order), and the iterates equal
    PyTorch's up to rounding: ``x + t d`` is rounded twice here (``t * d``, then
    the sum; PyTorch fuses them in one ``add_(d, alpha=t)``), and the difference,
    one rounding per step at first, can grow over the iterations on a
    non-convex problem. With
    ``line_search_fn="strong_wolfe"`` the line search is the shared Nocedal & Wright
    one of :mod:`minigrad.optim.line_search`, not a port of PyTorch's
    ``_strong_wolfe``, run with the options that make it cost what PyTorch's does:
    the evaluations ``max_eval`` leaves in the step, zooming until the bracket times
    ``max |d_i|`` is below a fixed 1e-9 (not this optimizer's ``tolerance_change``),
    the Wolfe tests in the parameters' dtype, and a cubic minimizer near an end of
    the zoom's bracket moved 10% inside (not bisected). On smooth problems the closure
    evaluations then match PyTorch's and float64 iterates agree to rounding; the
    trial steps inside a search still differ (see that module), so a search that
    zooms, or a float32 run near its noise floor, can take another path.
    """

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None:
            check_count("max_iter", max_iter)  # before the default max_eval uses it
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)

    #: torch's LBFGS keeps the history under other names: its "dirs" are the y_i, its "stps" the s_i
    _TORCH_STATE_NAMES = {"old_stps": "old_steps", "old_dirs": "old_grad_changes", "ro": "rhos",
                          "H_diag": "initial_scale"}

    def _load_state(self, state_dict):
        """Load a state of this optimizer's or one of ``torch.optim.LBFGS``'s (tensors as arrays): torch's history
        is renamed (without it the run went on from torch's last direction with an empty history, silently)."""
        if isinstance(state_dict, dict) and isinstance(state_dict.get("state"), dict):
            state = {}
            for index, entries in state_dict["state"].items():
                renamed = {self._TORCH_STATE_NAMES.get(name, name): value for name, value in entries.items()
                           if name != "al"}   # torch's scratch space of the two-loop recursion
                if "ro" in entries:
                    renamed["rhos"] = [float(r) for r in entries["ro"]]
                if "H_diag" in entries:
                    renamed["initial_scale"] = float(entries["H_diag"])
                state[index] = renamed
            state_dict = {**state_dict, "state": state}
        super()._load_state(state_dict)

    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; return the closure's loss at the starting point."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_change = group["tolerance_change"]
        params = self._params
        first_loss, loss, g = self._evaluate(closure)
        state = self._flat_state()
        state["func_evals"] = state.get("func_evals", 0) + 1
        state.setdefault("n_iter", 0)
        evals = 1
        if self._converged(g):
            return first_loss

        d = state.get("d")
        t = state.get("t")
        old_steps = state.get("old_steps", [])
        old_grad_changes = state.get("old_grad_changes", [])
        rhos = state.get("rhos", [])
        initial_scale = state.get("initial_scale", 1.0)
        prev_g = state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if prev_g is None:
                d = -g
                old_steps, old_grad_changes, rhos, initial_scale = [], [], [], 1.0
            else:
                y = g - prev_g  # y_k = g_{k+1} - g_k
                s = t * d  # s_k = x_{k+1} - x_k
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_steps) == group["history_size"]:
                        old_steps.pop(0)
                        old_grad_changes.pop(0)
                        rhos.pop(0)
                    old_steps.append(s)
                    old_grad_changes.append(y)
                    rhos.append(1.0 / ys)  # rho_k = 1 / (y_k^T s_k)
                    initial_scale = ys / float(y @ y)  # H_k^0 = (s^T y / y^T y) I  (N&W eq. 7.20)
                d = two_loop_direction(g, old_steps, old_grad_changes, rhos, initial_scale)
            prev_g = g.copy()
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / max(float(abs(g).sum()), 1e-300)) * lr  # the first step is scaled to the gradient
            else:
                t = lr
            gtd = float(g @ d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            if group["line_search_fn"] == "strong_wolfe":
                x0 = param_vector.flat_params(params)
                # The search may spend what max_eval leaves of this step, and always makes its first trial; it
                # zooms until the bracket moves no coordinate by 1e-9 (a fixed tolerance, not this optimizer's
                # tolerance_change), tests the Wolfe conditions in the parameters' dtype and keeps a cubic
                # minimizer near an end of the bracket: PyTorch's cost, with our own search.
                search = line_search_params(closure, params, x0, d, loss, g, t, who=self._who,
                                            max_evals=max_eval - evals + 1, tolerance_change=1e-9,
                                            width_scale=float(abs(d).max()), test_dtype=g.dtype,
                                            near_end="clamp")
                t, loss, g = search.step, search.value, search.payload
                evals += search.evals
                state["func_evals"] += search.evals
            else:
                param_vector.add_flat_to_params(params, t, d)  # x_{k+1} = x_k + t d_k
                if n_iter != max_iter:
                    _, loss, g = param_vector.evaluate(closure, params, self._who)
                    evals += 1
                    state["func_evals"] += 1

            if n_iter == max_iter or evals >= max_eval:
                break
            if self._converged(g):
                break
            if float(abs(d).max()) * abs(t) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_steps=old_steps, old_grad_changes=old_grad_changes, rhos=rhos,
                     initial_scale=initial_scale, prev_flat_grad=prev_g, prev_loss=prev_loss)
        return first_loss
