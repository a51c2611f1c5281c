"""Newton's method with an exact (damped) Hessian, and Hessian-free Newton-CG.

Both get curvature from Hessian-vector products by double backward
(:func:`minigrad.optim.param_vector.hvp_evaluator`), using the same closure as LBFGS.
"""
from __future__ import annotations

import math

from minigrad.backend import get_array_module
from minigrad.optim import param_vector
from minigrad.optim.flat_optimizer import FlatOptimizer
from minigrad.optim.line_search import line_search_params
from minigrad.optim.validation import check_count, shown
from minigrad.scalars import is_integer

#: Newton builds the n x n Hessian from n Hessian-vector products; above this size use NewtonCG.
NEWTON_MAX_PARAMS = 1000


def truncated_cg(hvp, g, tolerance, max_iter):
    """Approximately solve ``H p = -g`` by CG, stopping at negative curvature (N&W Alg. 7.1).

    Args:
        hvp: ``v -> H v``.
        g: the gradient (a flat array).
        tolerance: stop once the residual ``||H z + g||`` is below it.
        max_iter: at most this many CG iterations (Hessian-vector products).

    Returns:
        ``(p, hit_negative_curvature)``. On a direction with ``d^T H d <= 0`` CG
        stops: at the first iteration ``p = -g`` (steepest descent), later the
        current iterate ``p = z``, which is still a descent direction.
    """
    z = g * 0  # z_0 = 0
    r = g.copy()  # r_0 = H z_0 + g = g
    d = -r  # d_0 = -r_0
    rr = float(r @ r)
    for j in range(max_iter):
        Hd = hvp(d)
        dHd = float(d @ Hd)
        if dHd <= 0.0:  # negative curvature along d
            return (-g if j == 0 else z), True
        alpha = rr / dHd  # alpha_j = r_j^T r_j / d_j^T H d_j
        z = z + alpha * d  # z_{j+1} = z_j + alpha_j d_j
        r = r + alpha * Hd  # r_{j+1} = r_j + alpha_j H d_j
        rr_next = float(r @ r)
        if math.sqrt(rr_next) < tolerance:
            break
        d = -r + (rr_next / rr) * d  # d_{j+1} = -r_{j+1} + beta_{j+1} d_j,  beta = r_{j+1}^T r_{j+1} / r_j^T r_j
        rr = rr_next
    return z, False


def damped_cholesky_solve(H, g, beta=1e-3, max_tries=60):
    """Solve ``(H + tau I) p = -g`` with the smallest tried ``tau >= 0`` that makes it positive definite.

    Nocedal & Wright Alg. 3.3 (Cholesky with added multiple of the identity):
    ``tau_0 = 0`` if every ``H_ii > 0``, else ``-min H_ii + beta``; while the
    Cholesky factorisation of ``H + tau I`` fails, ``tau <- max(2 tau, beta)``.

    Returns:
        ``(p, tau)``.
    """
    xp = get_array_module(H)
    n = H.shape[0]
    identity = xp.eye(n, dtype=H.dtype)
    smallest_diagonal = float(xp.diagonal(H).min())
    tau = 0.0 if smallest_diagonal > 0 else -smallest_diagonal + beta
    for _ in range(max_tries):
        factor = _cholesky_or_none(H + tau * identity)
        if factor is not None:
            # L L^T p = -g: solve with L, then with L^T (general solves: NumPy has no triangular one)
            w = xp.linalg.solve(factor, -g)
            return xp.linalg.solve(factor.T, w), tau
        tau = max(2.0 * tau, beta)
    raise RuntimeError(f"Newton: H + tau I stayed indefinite up to tau={tau} (is the Hessian finite?)")


def _cholesky_or_none(A):
    """The Cholesky factor of ``A``, or None when ``A`` is not (numerically) positive definite.

    NumPy raises LinAlgError on failure; CuPy by default returns a partial
    factor (possibly NaN) instead, so the factor is also checked: finite, no
    pivot that is zero up to rounding (``L_ii^2 <= 1000 eps max L_jj^2``,
    i.e. ``A`` singular), and ``L L^T`` reproducing ``A``.
    """
    xp = get_array_module(A)
    try:
        factor = xp.linalg.cholesky(A)
    except Exception:  # numpy.linalg.LinAlgError (named without importing NumPy's submodule here)
        return None
    if not bool(xp.isfinite(factor).all()):
        return None
    eps = float(xp.finfo(A.dtype).eps)
    diagonal = xp.abs(xp.diagonal(factor))
    if float(diagonal.min()) ** 2 <= 1e3 * eps * float(diagonal.max()) ** 2:
        return None
    residual = float(xp.abs(factor @ factor.T - A).max())
    if residual > 100 * A.shape[0] * eps * float(xp.abs(A).max()):
        return None
    return factor


class _HessianNewton(FlatOptimizer):
    """The iteration Newton and NewtonCG share; a subclass supplies the direction.

    ``step(closure)``: evaluate ``f``, ``g`` and a Hessian-vector product ``v -> H v`` at ``x_k``;
    stop if ``max |g_i| <= tolerance_grad``; otherwise ``p_k = self._direction(g, hvp)`` and
    ``x_{k+1} = x_k + t_k p_k``. Returns the closure's loss at the starting point.
    """

    def step(self, closure=None):
        """One Newton iteration; returns the closure's loss at the starting point."""
        loss, value, g, hvp = self._evaluate(closure, with_hvp=True)
        if self._converged(g):
            param_vector.release_graph(self._params)
            return loss
        direction = self._direction(g, hvp)
        param_vector.release_graph(self._params)
        self._move(closure, value, g, direction)
        return loss

    def _direction(self, g, hvp):
        """The search direction ``p_k`` from the gradient and Hessian-vector products."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _direction()")

    def _move(self, closure, value, g, direction):
        """Step along ``direction``: the strong-Wolfe line search from ``lr``, or the plain step ``lr``."""
        group = self.param_groups[0]
        if float(g @ direction) >= 0.0:
            direction = -g  # safeguard: never walk uphill
        if group["line_search_fn"] == "strong_wolfe":
            x0 = param_vector.flat_params(self._params)
            line_search_params(closure, self._params, x0, direction, value, g, float(group["lr"]),
                               c1=group["c1"], c2=group["c2"], who=self._who)
        else:
            param_vector.add_flat_to_params(self._params, float(group["lr"]), direction)


class Newton(_HessianNewton):
    """Newton's method with the exact Hessian, damped when it is not positive definite.

    One ``step(closure)`` is one iteration::

        H_k = Hessian of f at x_k               (n Hessian-vector products H e_i)
        (H_k + tau I) p_k = -g_k                tau: N&W Alg. 3.3 (tau = 0 if H_k is positive definite)
        x_{k+1} = x_k + t_k p_k                 t_k: strong-Wolfe line search from lr (or lr)

    On a convex quadratic one step with ``lr=1`` lands on the minimum. The
    Hessian costs ``n`` backward passes and ``n^2`` memory, so Newton refuses
    more than :data:`NEWTON_MAX_PARAMS` (1000) parameters (``max_params``
    changes the limit); use :class:`NewtonCG` for larger problems.
    ``self.state[first param]["damping"]`` records the last ``tau`` used.

    Args:
        params: the Tensors to optimize (one group, one device and dtype).
        lr: the step length (the line search's first trial).
        damping: ``beta`` of Alg. 3.3, the smallest shift tried when ``H_k`` is indefinite.
        line_search_fn: ``"strong_wolfe"`` (default) or ``None``.
        c1, c2: strong-Wolfe constants.
        tolerance_grad: no update once ``max |g_i| <= tolerance_grad``.
        max_params: the size limit.
    """

    def __init__(self, params, lr=1.0, damping=1e-3, line_search_fn="strong_wolfe", c1=1e-4, c2=0.9,
                 tolerance_grad=1e-10, max_params=NEWTON_MAX_PARAMS):
        check_count("max_params", max_params)
        defaults = dict(lr=lr, damping=damping, line_search_fn=line_search_fn, c1=c1, c2=c2,
                        tolerance_grad=tolerance_grad)
        super().__init__(params, defaults)
        self._refuse_more_than(max_params, "builds the dense {n} x {n} Hessian from {n} Hessian-vector products",
                               "NewtonCG or LBFGS")

    def _validate_group(self, group):
        super()._validate_group(group)
        if not group["damping"] > 0:
            raise ValueError(f"Invalid damping: {group['damping']} (expected > 0)")

    def _direction(self, g, hvp):
        """The damped Newton direction ``p_k`` from the dense Hessian."""
        H = hessian_from_hvp(hvp, g)  # H_k, column by column
        p, tau = damped_cholesky_solve(H, g, beta=self.param_groups[0]["damping"])  # (H_k + tau I) p_k = -g_k
        self._flat_state()["damping"] = tau
        return p


def hessian_from_hvp(hvp, like):
    """The dense symmetric Hessian, column by column: ``H e_i`` for each basis vector ``e_i``."""
    xp = get_array_module(like)
    n = like.size
    basis = xp.eye(n, dtype=like.dtype)
    H = xp.stack([hvp(basis[i]) for i in range(n)], axis=1)
    return 0.5 * (H + H.T)  # symmetrise away rounding differences


class NewtonCG(_HessianNewton):
    """Hessian-free (truncated) Newton: line-search Newton-CG (Nocedal & Wright Alg. 7.1).

    One ``step(closure)`` is one Newton iteration::

        eta_k = min(forcing_max, sqrt(||g_k||))                 (forcing term; N&W use forcing_max = 0.5)
        p_k  ~ solves H_k p = -g_k by CG until ||H_k p + g_k|| <= eta_k ||g_k||
               (negative curvature d^T H_k d <= 0: p_k = -g_k at the first CG
                iteration, else the current CG iterate)
        x_{k+1} = x_k + t_k p_k                                  t_k: strong-Wolfe line search from lr

    CG only needs products ``H_k v``, which come from double backward, so the
    Hessian is never formed: the cost per CG iteration is about one backward pass.

    Far from the minimum ``eta_k = 0.5`` lets CG stop after one or two
    iterations, close to a steepest-descent step; that keeps each iteration
    cheap on big models but zigzags on small ill-conditioned ones (2-D
    Rosenbrock from (-1.5, 2): 172 iterations with 0.5, 22 with
    ``forcing_max=0.01``). Near the minimum ``sqrt(||g_k||)`` takes over
    and convergence is superlinear either way.

    Args:
        params: the Tensors to optimize (one group, one device and dtype).
        lr: the step length (the line search's first trial; 1 is the Newton step).
        max_cg_iter: CG iterations per step (``None``: the number of parameters).
        forcing_max: the cap of the forcing term ``eta_k`` (``0 < forcing_max < 1``).
        line_search_fn: ``"strong_wolfe"`` (default) or ``None``.
        c1, c2: strong-Wolfe constants.
        tolerance_grad: no update once ``max |g_i| <= tolerance_grad``.
    """

    def __init__(self, params, lr=1.0, max_cg_iter=None, forcing_max=0.5, line_search_fn="strong_wolfe",
                 c1=1e-4, c2=0.9, tolerance_grad=1e-10):
        defaults = dict(lr=lr, max_cg_iter=max_cg_iter, forcing_max=forcing_max, line_search_fn=line_search_fn,
                        c1=c1, c2=c2, tolerance_grad=tolerance_grad)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        m = group["max_cg_iter"]
        if m is not None and not (is_integer(m) and m >= 1):
            raise ValueError(f"Invalid max_cg_iter: {shown(m)} (expected None or an integer >= 1)")
        if not 0 < group["forcing_max"] < 1:
            raise ValueError(f"Invalid forcing_max: {group['forcing_max']} (expected 0 < forcing_max < 1)")

    def _direction(self, g, hvp):
        """The truncated-CG direction ``p_k``: ``H_k p = -g_k`` solved to ``||H_k p + g_k|| <= eta_k ||g_k||``."""
        group = self.param_groups[0]
        grad_norm = math.sqrt(float(g @ g))
        eta = min(group["forcing_max"], math.sqrt(grad_norm))  # forcing term: superlinear convergence near the minimum
        max_cg_iter = group["max_cg_iter"] or param_vector.numel(self._params)
        p, negative = truncated_cg(hvp, g, eta * grad_norm, max_cg_iter)
        self._flat_state()["negative_curvature"] = negative
        return p
