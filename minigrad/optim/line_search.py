"""The strong-Wolfe line search shared by LBFGS, ConjugateGradient, BFGS, Newton and NewtonCG.

Along a descent direction ``d`` from ``x`` we look at the 1-D function
``phi(t) = f(x + t d)`` and look for a step ``t > 0`` satisfying the strong
Wolfe conditions (Nocedal & Wright, *Numerical Optimization*, eq. 3.7)::

    phi(t)        <= phi(0) + c1 t phi'(0)        (sufficient decrease)
    |phi'(t)|     <= c2 |phi'(0)|                  (curvature)

with ``0 < c1 < c2 < 1``. :func:`strong_wolfe` is Algorithm 3.5 (bracketing:
grow ``t`` until an interval surely holds an acceptable step) followed by
Algorithm 3.6 (zoom: shrink that interval by safeguarded cubic interpolation,
eq. 3.59). It works on Python floats (and, with ``test_dtype``, rounds the
tests' bounds to that dtype); the vectors stay inside ``phi``.
:func:`line_search_params` wraps it for a list of parameter Tensors.

This is the textbook algorithm, not a port of PyTorch's ``_strong_wolfe``
(used by ``torch.optim.LBFGS``). Four options bring its cost close to
PyTorch's, and LBFGS uses them (the other optimizers keep the defaults):
``max_evals`` from the caller (LBFGS: what its ``max_eval`` leaves);
``width_scale`` (zooming stops when the bracket times ``max |d_i|`` is below
``tolerance_change``, not the bracket on ``t`` alone); ``test_dtype`` (a float32
problem's tests in float32: in float64 the sufficient-decrease bound falls
between two float32 values near a minimum, no trial meets it, and the zoom
spent its whole budget, up to six times PyTorch's evaluations); ``near_end``
(a cubic minimizer too close to an end of the zoom's bracket is moved 10% of
the width inside rather than replaced by the midpoint). The trial steps still
differ from PyTorch's, so LBFGS follows its iterates closely but not to the
bit: the bracketing phase compares ``phi(t)`` with the previous trial from the
second trial on (N&W's ``i > 1``; PyTorch from the third); a cubic minimizer
within 10% of the bracket's width from either end is bisected or moved at once
(PyTorch first lets it through once); and when the budget runs out in the bracketing phase
the last trial is returned, which has passed the sufficient-decrease test
(PyTorch returns the lower of ``phi(0)`` and its last trial, which it has not
tested).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad.optim import param_vector


@dataclass
class LineSearchResult:
    """What :func:`strong_wolfe` found.

    Attributes:
        step: the accepted step ``t`` (0.0 when no decrease was found).
        value: ``phi(step)``.
        derivative: ``phi'(step)``.
        payload: whatever ``phi`` returned with that step (the flat gradient, for the optimizers).
        evals: how many times ``phi`` was called.
        success: True when ``step`` satisfies both strong Wolfe conditions.
    """

    step: float
    value: float
    derivative: float
    payload: Any
    evals: int
    success: bool


def cubic_minimizer(a, fa, da, b, fb, db, lo, hi):
    """Minimizer of the cubic matching ``f`` and ``f'`` at ``a`` and ``b``, clipped to ``[lo, hi]``.

    Nocedal & Wright eq. 3.59. When the cubic has no minimizer (complex
    root) the midpoint of ``[lo, hi]`` is returned, i.e. bisection.
    """
    lo, hi = min(lo, hi), max(lo, hi)
    if a == b:
        return 0.5 * (lo + hi)
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0.0 or not math.isfinite(radicand):
        return 0.5 * (lo + hi)
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = db - da + 2.0 * d2
    if denominator == 0.0:
        return 0.5 * (lo + hi)
    t = b - (b - a) * (db + d2 - d1) / denominator
    if not math.isfinite(t):
        return 0.5 * (lo + hi)
    return min(max(t, lo), hi)


def check_wolfe_constants(c1, c2):
    """Raise a clear error unless ``0 < c1 < c2 < 1`` (the strong Wolfe conditions need it)."""
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"Invalid Wolfe constants: c1={c1}, c2={c2} (expected 0 < c1 < c2 < 1)")


def strong_wolfe(phi, value0, derivative0, step=1.0, c1=1e-4, c2=0.9, max_evals=25,
                 tolerance_change=1e-9, max_step=1e10, width_scale=1.0, test_dtype=None, near_end="bisect"):
    """Find a step satisfying the strong Wolfe conditions (Nocedal & Wright Alg. 3.5 and 3.6).

    Args:
        phi: ``phi(t) -> (value, derivative, payload)``: the function along the
            line and its derivative ``phi'(t) = grad f(x + t d) . d``; ``payload``
            is handed back with the accepted step.
        value0, derivative0: ``phi(0)`` and ``phi'(0)`` (must be < 0: a descent direction).
        step: the first trial step.
        c1, c2: the sufficient-decrease and curvature constants, ``0 < c1 < c2 < 1``.
        max_evals: at most this many calls of ``phi`` (at least one is always made).
        tolerance_change: stop zooming once the bracket's width times ``width_scale``
            is below this.
        max_step: the bracketing phase never tries a step beyond this.
        width_scale: what a unit of ``t`` is worth; a caller that knows the direction
            passes ``max |d_i|``, so that zooming stops when the bracket moves no
            coordinate of ``x + t d`` by ``tolerance_change`` (1.0: the bracket on ``t``).
        test_dtype: the floating dtype (a NumPy dtype or its name) in which the
            right-hand sides of the Wolfe tests, ``phi(0) + c1 t phi'(0)`` and
            ``c2 |phi'(0)|``, are rounded, term by term; ``None`` keeps Python floats.
            A float32 problem's ``phi`` can only change in float32 steps: in float64
            the sufficient-decrease bound sits strictly between two float32 values
            near the minimum, where no trial meets it, and the search zooms on
            until its budget is spent.
        near_end: what the zoom does with a cubic minimizer within 10% of the
            bracket's width from either end: ``"bisect"`` (try the midpoint) or
            ``"clamp"`` (try the point 10% of the width inside that end). Near a
            minimum the cubic is usually right that the step lies near an end, and
            clamping follows it there in fewer evaluations.

    Returns:
        A :class:`LineSearchResult`. If the evaluation budget runs out first,
        it holds the best step found that satisfies sufficient decrease (or
        ``step=0.0`` if none did) with ``success=False``.
    """
    check_wolfe_constants(c1, c2)
    if near_end not in ("bisect", "clamp"):
        raise ValueError(f"Invalid near_end: {near_end!r} (expected 'bisect' or 'clamp')")
    if not derivative0 < 0.0:
        raise ValueError(f"strong_wolfe needs a descent direction (phi'(0) < 0), got phi'(0)={derivative0}")
    if not step > 0.0:
        raise ValueError(f"strong_wolfe needs a positive first step, got {step}")

    evals = 0
    rounded = float if test_dtype is None else np.dtype(test_dtype).type
    phi0, slope0 = rounded(value0), rounded(derivative0)
    c1_, curvature_bound = rounded(c1), rounded(-c2) * slope0

    def probe(t):
        """Evaluate phi at t and keep (t, value, derivative, payload) together."""
        nonlocal evals
        evals += 1
        value, derivative, payload = phi(t)
        return (float(t), float(value), float(derivative), payload)

    def sufficient_decrease(point):
        return math.isfinite(point[1]) and point[1] <= phi0 + c1_ * rounded(point[0]) * slope0

    def curvature_ok(point):
        return abs(point[2]) <= curvature_bound

    def found(point, success):
        return LineSearchResult(point[0], point[1], point[2], point[3], evals, success)

    def zoom(lo, hi):
        """Algorithm 3.6: shrink the bracket [lo, hi] until a strong Wolfe step is found.

        Invariants: lo satisfies sufficient decrease with the lowest value seen
        so far, and phi'(lo) (hi - lo) < 0, so an acceptable step lies between them.
        """
        while evals < max_evals:
            width = abs(hi[0] - lo[0])
            if width * width_scale < tolerance_change:
                break
            if math.isfinite(hi[1]):
                t = cubic_minimizer(lo[0], lo[1], lo[2], hi[0], hi[1], hi[2], lo[0], hi[0])
                # Safeguard: a trial too close to either end makes little progress; bisect instead, or move
                # it to 10% of the width inside the bracket, which keeps more of the cubic's guess.
                if min(abs(t - lo[0]), abs(t - hi[0])) < 0.1 * width:
                    if near_end == "clamp":
                        left, right = min(lo[0], hi[0]), max(lo[0], hi[0])
                        t = min(max(t, left + 0.1 * width), right - 0.1 * width)
                    else:
                        t = 0.5 * (lo[0] + hi[0])
            else:
                t = 0.5 * (lo[0] + hi[0])  # an overflow at hi leaves nothing to interpolate
            trial = probe(t)
            if not sufficient_decrease(trial) or trial[1] >= lo[1]:
                hi = trial
            else:
                if curvature_ok(trial):
                    return found(trial, True)
                if trial[2] * (hi[0] - lo[0]) >= 0.0:
                    hi = lo
                lo = trial
        return found(lo, False)  # lo is the origin (step 0) when nothing decreased f enough

    # Algorithm 3.5: bracketing.
    previous = (0.0, float(value0), float(derivative0), None)
    t = float(step)
    while True:
        current = probe(t)
        if not sufficient_decrease(current) or (previous[0] > 0.0 and current[1] >= previous[1]):
            return zoom(previous, current)
        if curvature_ok(current):
            return found(current, True)
        if current[2] >= 0.0:
            return zoom(current, previous)
        if evals >= max_evals or t >= max_step:
            return found(current, False)
        # phi still decreases at t: extrapolate by cubic interpolation, at least a little, at most tenfold.
        t_next = cubic_minimizer(previous[0], previous[1], previous[2], current[0], current[1], current[2],
                                 current[0] + 0.01 * (current[0] - previous[0]), 10.0 * current[0])
        previous, t = current, min(t_next, max_step)


def line_search_params(closure, params, x0, direction, value0, grad0, step, c1=1e-4, c2=0.9,
                       max_evals=25, tolerance_change=1e-9, who="line_search_params", width_scale=1.0,
                       test_dtype=None, near_end="bisect"):
    """Strong-Wolfe line search for parameter Tensors along the flat ``direction``.

    ``phi(t)`` writes ``x0 + t * direction`` into the parameters, runs the
    closure and returns the loss, ``grad . direction`` and the flat gradient.
    On return the parameters hold ``x0 + step * direction`` for the accepted
    step (``x0`` itself if no decrease was found), and the result's
    ``payload`` is the flat gradient there (``grad0`` for a zero step).
    ``who`` names the caller when a ``.grad`` unlike its parameter is refused;
    ``width_scale``, ``test_dtype`` and ``near_end`` are :func:`strong_wolfe`'s.
    """
    def phi(t):
        param_vector.set_flat_params(params, x0 + t * direction)
        _, value, grad = param_vector.evaluate(closure, params, who)
        return value, float(grad @ direction), grad

    derivative0 = float(grad0 @ direction)
    found = strong_wolfe(phi, value0, derivative0, step=step, c1=c1, c2=c2, max_evals=max_evals,
                         tolerance_change=tolerance_change, width_scale=width_scale, test_dtype=test_dtype,
                         near_end=near_end)
    if found.step == 0.0:
        found.payload, found.value, found.derivative = grad0, float(value0), derivative0
    param_vector.set_flat_params(params, x0 + found.step * direction)
    return found
