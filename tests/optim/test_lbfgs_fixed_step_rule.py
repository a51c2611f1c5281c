"""LBFGS with the fixed step (no line search) against torch.optim.LBFGS's rule, recomputed in NumPy.

The reference below follows the loop of ``torch.optim.LBFGS.step`` as its
documentation and source describe it: the first iteration (counted over all
``step`` calls) takes ``d = -g`` and ``t = min(1, 1/||g||_1) lr``; later ones the
two-loop direction from the last ``history_size`` pairs with
``H_0 = (y^T s / y^T y) I``; no re-evaluation after the last iteration; and the
stopping tests in PyTorch's order (``max_iter``, ``max_eval``, ``tolerance_grad``,
step size and loss change below ``tolerance_change``), with ``func_evals`` and
``n_iter`` counted in the state.
"""

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import LBFGS
from optim.helpers import closure_for

# f(x) = 1/2 x^T A x - b^T x, A symmetric positive definite and not diagonal
A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, -0.4], [0.0, -0.4, 1.0]])
B = np.array([1.0, -2.0, 0.5])
X0 = np.array([0.8, 0.3, -1.2])


def _value_and_grad(x):
    return 0.5 * x @ A @ x - B @ x, A @ x - B


def reference_lbfgs(steps, lr, max_iter, max_eval, history_size, tolerance_grad=1e-7, tolerance_change=1e-9):
    """The iterate and the (func_evals, n_iter) counters after each ``step()`` of PyTorch's fixed-step LBFGS."""
    x = X0.copy()
    func_evals, n_iter_total = 0, 0
    d = t = prev_g = prev_loss = None
    dirs, stps, ro, h_diag = [], [], [], 1.0
    out = []
    for _ in range(steps):
        loss, g = _value_and_grad(x)
        evals = 1
        func_evals += 1
        if np.abs(g).max() <= tolerance_grad:
            out.append((x.copy(), func_evals, n_iter_total))
            continue
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            n_iter_total += 1
            if n_iter_total == 1:
                d = -g
                dirs, stps, ro, h_diag = [], [], [], 1.0
            else:
                y, s = g - prev_g, d * t
                ys = y @ s
                if ys > 1e-10:
                    if len(dirs) == history_size:
                        dirs.pop(0), stps.pop(0), ro.pop(0)
                    dirs.append(y), stps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / (y @ y)
                q = -g
                al = [0.0] * len(dirs)
                for i in range(len(dirs) - 1, -1, -1):
                    al[i] = (stps[i] @ q) * ro[i]
                    q = q - al[i] * dirs[i]
                r = q * h_diag
                for i in range(len(dirs)):
                    be_i = (dirs[i] @ r) * ro[i]
                    r = r + stps[i] * (al[i] - be_i)
                d = r
            prev_g, prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if n_iter_total == 1 else lr
            if g @ d > -tolerance_change:
                break
            x = x + t * d
            if n_iter != max_iter:
                loss, g = _value_and_grad(x)
                evals += 1
                func_evals += 1
            if n_iter == max_iter or evals >= max_eval:
                break
            if np.abs(g).max() <= tolerance_grad:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        out.append((x.copy(), func_evals, n_iter_total))
    return out


def _minigrad_lbfgs(steps, **options):
    x = mg.tensor(X0, dtype=np.float64, requires_grad=True)
    A_t, B_t = mg.tensor(A, dtype=np.float64), mg.tensor(B, dtype=np.float64)
    closure = closure_for(x, lambda: 0.5 * ((A_t @ x) * x).sum() - (B_t * x).sum())
    optimizer = LBFGS([x], **options)
    out = []
    for _ in range(steps):
        optimizer.step(closure)
        state = optimizer.state[x]
        out.append((x.numpy().copy(), state["func_evals"], state["n_iter"]))
    return out


@pytest.mark.parametrize("options", [
    dict(lr=1.0, max_iter=4, max_eval=5, history_size=2),     # max_eval = max_iter * 5 // 4; history wraps
    dict(lr=0.5, max_iter=10, max_eval=3, history_size=5),    # max_eval stops each step after 2 iterations
    dict(lr=1.0, max_iter=1, max_eval=2, history_size=3),     # one iteration per step: no re-evaluation
    dict(lr=1.0, max_iter=20, max_eval=25, history_size=10, tolerance_change=1e-3),  # loss-change stop
], ids=["wrapping-history", "max-eval", "one-iteration", "tolerance-change"])
def test_fixed_step_lbfgs_follows_pytorchs_loop(options):
    steps = 3
    actual = _minigrad_lbfgs(steps, **options)
    expected = reference_lbfgs(steps, **options)
    for k, ((x, evals, iters), (x_ref, evals_ref, iters_ref)) in enumerate(zip(actual, expected), start=1):
        np.testing.assert_allclose(x, x_ref, rtol=1e-12, atol=1e-14, err_msg=f"after step {k}")
        assert (evals, iters) == (evals_ref, iters_ref), f"after step {k}"
