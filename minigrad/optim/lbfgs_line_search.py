"""The strong-Wolfe line search of ``torch.optim.LBFGS`` (its ``_strong_wolfe``, from Torch7's lswolfe.lua),
step for step, so that ``LBFGS(line_search_fn="strong_wolfe")`` tries torch's steps and calls the closure as
often as torch's does.

The other optimizers share the textbook search of :mod:`minigrad.optim.line_search`; this one differs from it
where torch's does: the bracketing phase compares ``phi(t)`` with the previous trial from the third trial on, the
zoom lets one cubic step land near an end of the bracket before moving the next one 10% inside, it stops once the
bracket times ``max |d_i|`` is below 1e-9, and it returns the lowest end of the bracket. Its budget is the
evaluations LBFGS has left (``max_eval`` minus those made in this ``step``), as torch's.

Scalars keep torch's types, so that a float32 model brackets and interpolates in float32 as torch's does: the
derivatives ``phi'(t)`` and ``max |d_i|`` are NumPy scalars of the parameters' dtype (torch's 0-d tensors), the
losses Python floats (torch's ``float(closure())``), and NumPy's promotion of a Python float with a NumPy scalar
(NEP 50) is torch's with a 0-d tensor.
"""
from __future__ import annotations

import numpy as np


def dtype_scalar(value):
    """A 0-d array (NumPy or CuPy) or NumPy scalar as a NumPy scalar of its own dtype (torch's 0-d tensor)."""
    return np.dtype(value.dtype).type(float(value))


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``, ``g2``, clipped to
    ``bounds`` (default: between ``x1`` and ``x2``); the middle of the bounds when the cubic has no minimizer."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - _divided(3 * (f1 - f2), x1 - x2)        # d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)                              # d2 = sqrt(d1^2 - g1 g2)
        if x1 <= x2:                                         # t = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)
            t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(t, lo), hi)
    return (lo + hi) / 2.0


def _divided(number, by):
    """``number / by`` as torch divides a Python number by a 0-d tensor (``Tensor.__rtruediv__``): the reciprocal,
    rounded, times the number."""
    if isinstance(by, np.generic) and not isinstance(number, np.generic):
        return np.reciprocal(by) * number
    return number / by


def strong_wolfe_lbfgs(phi, t, d_norm, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Torch's ``_strong_wolfe``: a step ``t`` along ``d`` meeting the strong Wolfe conditions
    ``phi(t) <= phi(0) + c1 t phi'(0)`` and ``|phi'(t)| <= c2 |phi'(0)|``, or the lowest point found.

    Args:
        phi: ``phi(t) -> (loss, flat gradient, phi'(t))`` at ``x + t d`` (the loss a Python float, ``phi'(t)``
            a scalar of the parameters' dtype, ``dtype_scalar``).
        t: the first trial step.
        d_norm: ``max |d_i|`` (a scalar of the parameters' dtype).
        f, g, gtd: ``phi(0)``, the gradient at ``x`` and ``phi'(0)``.
        max_ls: the iterations allowed after the first evaluation.

    Returns:
        ``(loss, flat gradient, t, evaluations)`` at the step taken (``t`` may be 0: then ``f`` and ``g``).
    """
    with np.errstate(all="ignore"):   # torch's 0-d tensors overflow and divide by zero without a word
        return _search(phi, t, d_norm, f, g, gtd, c1, c2, tolerance_change, max_ls)


def _search(phi, t, d_norm, f, g, gtd, c1, c2, tolerance_change, max_ls):
    f_new, g_new, gtd_new = phi(t)
    evals = 1
    # Bracketing: grow t until [t_prev, t] surely holds a point meeting the conditions.
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):   # no sufficient decrease
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:                        # |phi'(t)| <= c2 |phi'(0)|: strong Wolfe met
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:                                     # phi rises again beyond t
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        # extrapolate: the cubic's minimizer, from 1.01 to 10 times as far
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        t_prev, t = t, cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new, gtd_new = phi(t)
        evals += 1
        ls_iter += 1
    if ls_iter == max_ls:                                    # out of evaluations: the lower of 0 and t
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # Zoom: shrink the bracket by cubic steps until a point meets the conditions.
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:   # the steps would no longer differ
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # A trial within 10% of the bracket's width from an end makes little progress: allowed once, then (or
        # when at or beyond an end) moved to 10% inside the bracket.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new, gtd_new = phi(t)
        evals += 1
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:   # t is the new high end
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:                    # strong Wolfe met
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:   # the old low end becomes the high end
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
