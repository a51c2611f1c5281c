"""Numerical gradient checking: compare backward with central differences, in float64.

``gradcheck`` builds the analytic Jacobian from backward passes (one per output
element) and the numeric Jacobian from central differences
``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)`` (two forwards per input
element), and compares them element by element with
``|analytic - numeric| <= atol + rtol * |numeric|`` (a NaN on either side fails).

``fast_mode=True`` checks one random direction per input instead of every
element: with a random output weighting ``v`` and input direction ``u``, one
backward gives ``v^T J u`` analytically and two forwards give it numerically.
Large ops are checked in milliseconds instead of minutes.

``gradgradcheck`` runs the same check on the function that maps
``(inputs, v)`` to the gradient ``v^T J``, computed with ``create_graph=True``:
that checks second derivatives.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.functional import grad as _grad
from minigrad.autograd.mode import enable_grad, no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.backend import to_numpy


class GradcheckError(AssertionError):
    """Raised when analytic and numeric derivatives disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (tuple(x) if isinstance(x, list) else (x,))


def _prepare(inputs):
    """Inputs as a tuple; floating inputs that require grad become float64 leaf copies.

    Floating constants become float64 too (exactly), since minigrad refuses to mix
    float32 and float64 operands; integer and bool inputs pass through unchanged.
    """
    out = []
    for x in _as_tuple(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype != np.float64:
                x = Tensor(x.data.astype(np.float64), requires_grad=True)
            elif not x.is_leaf:
                x = Tensor(x.data.copy(), requires_grad=True)
        elif isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != np.float64:
            x = Tensor(x.data.astype(np.float64))
        out.append(x)
    return tuple(out)


def _outputs(fn, inputs):
    outs = _as_tuple(fn(*inputs))
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got {type(o).__name__}")
    return [o for o in outs if o.dtype.kind == "f"]


def _flat_outputs(fn, inputs):
    with no_grad():
        return np.concatenate([to_numpy(o.data).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                              or [np.zeros(0)])


def _vjp(fn, inputs, diff, weights_for):
    """v^T J for every differentiable input, with v built per output by ``weights_for``."""
    with enable_grad():
        outs = _outputs(fn, inputs)
    weights = [weights_for(i, o) for i, o in enumerate(outs)]
    live = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if not live:
        return [np.zeros(inputs[i].shape) for i in diff], outs
    gs = _grad([o for o, _ in live], [inputs[i] for i in diff],
               grad_outputs=[Tensor(o._xp().asarray(w, dtype=o.dtype)) for o, w in live],
               retain_graph=True, allow_unused=True)
    return [np.zeros(inputs[i].shape) if g is None else to_numpy(g.data).astype(np.float64)
            for g, i in zip(gs, diff)], outs


def _report(message, raise_exception):
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast_mode=False, seed=0):
    """Check the gradients of ``fn`` at ``inputs`` against central differences.

    ``fn`` takes the inputs and returns a Tensor or a tuple of Tensors. Every
    input Tensor with ``requires_grad=True`` is checked (as a float64 copy).
    On a mismatch it raises ``GradcheckError`` naming the input, the element,
    and the analytic and numeric values (or returns False when
    ``raise_exception=False``). Returns True when all derivatives agree.
    """
    inputs = _prepare(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; set requires_grad=True on what to check")
    if fast_mode:
        return _fast_check(fn, inputs, diff, eps, atol, rtol, raise_exception, seed)

    with no_grad():
        out_shapes = [o.shape for o in _outputs(fn, inputs)]
    sizes = [int(np.prod(s)) for s in out_shapes]
    n_out = sum(sizes)
    # Analytic Jacobian, one row (output element) per backward pass.
    analytic = [np.zeros((n_out, inputs[i].size)) for i in diff]
    row = 0
    for k, (shape, size) in enumerate(zip(out_shapes, sizes)):
        for j in range(size):
            def one_hot(i, o, k=k, j=j):
                w = np.zeros(o.size)
                if i == k:
                    w[j] = 1.0
                return w.reshape(o.shape)
            rows, _ = _vjp(fn, inputs, diff, one_hot)
            for a, r in zip(analytic, rows):
                a[row] = r.ravel()
            row += 1
    # Numeric Jacobian, one column (input element) per pair of forwards.
    for a, i in zip(analytic, diff):
        x = inputs[i]
        for e in range(x.size):
            # Index the array itself: reshape(-1) would copy a non-contiguous input (a
            # transposed leaf, say), and perturbing the copy would leave f unchanged.
            at = np.unravel_index(e, x.shape)
            orig = float(x.data[at])
            x.data[at] = orig + eps
            plus = _flat_outputs(fn, inputs)
            x.data[at] = orig - eps
            minus = _flat_outputs(fn, inputs)
            x.data[at] = orig
            numeric = (plus - minus) / (2 * eps)
            # "not <=" rather than ">": a NaN on either side is a mismatch, never a pass.
            bad = ~(np.abs(a[:, e] - numeric) <= atol + rtol * np.abs(numeric))
            if bad.any():
                o = int(np.argmax(bad))
                return _report(
                    f"gradcheck: Jacobian mismatch for input {i} (shape {tuple(x.shape)}) at element "
                    f"{tuple(int(k) for k in np.unravel_index(e, x.shape))}, output element {o}:\n"
                    f"  analytic: {float(a[o, e])!r}\n  numeric:  {float(numeric[o])!r}\n"
                    f"  analytic column: {a[:, e]}\n  numeric column:  {numeric}",
                    raise_exception,
                )
    return True


def _fast_check(fn, inputs, diff, eps, atol, rtol, raise_exception, seed):
    rng = np.random.default_rng(seed)
    weights = {}

    def random_weights(i, o):
        if i not in weights:
            weights[i] = rng.standard_normal(o.shape)
        return weights[i]

    grads, outs = _vjp(fn, inputs, diff, random_weights)
    v = np.concatenate([weights[k].ravel() for k in range(len(outs))] or [np.zeros(0)])
    for g, i in zip(grads, diff):
        x = inputs[i]
        u = rng.standard_normal(x.shape)
        analytic = float(np.sum(g * u))
        xp = x._xp()
        orig = x.data.copy()
        x.data[...] = orig + xp.asarray(u) * eps
        plus = _flat_outputs(fn, inputs)
        x.data[...] = orig - xp.asarray(u) * eps
        minus = _flat_outputs(fn, inputs)
        x.data[...] = orig
        numeric = float(np.dot((plus - minus) / (2 * eps), v))
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):  # NaN fails too
            return _report(
                f"gradcheck (fast mode): directional derivative mismatch for input {i} "
                f"(shape {tuple(x.shape)}):\n  analytic v^T J u: {analytic!r}\n  numeric  v^T J u: {numeric!r}",
                raise_exception,
            )
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  fast_mode=False, seed=0):
    """Check second derivatives of ``fn``: gradcheck of ``(inputs, v) -> v^T J`` (built with create_graph).

    ``grad_outputs`` (the ``v``) default to random float64 tensors of the
    outputs' shapes; they are checked as inputs too.
    """
    inputs = _prepare(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input requires grad")
    with no_grad():
        outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor(o._xp().asarray(rng.standard_normal(o.shape)), requires_grad=True) for o in outs]
    else:
        grad_outputs = list(_prepare(tuple(grad_outputs)))
    n = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():  # the numeric side evaluates this under no_grad; the inner grad needs a graph
            return _first_derivative(xs, vs)

    def _first_derivative(xs, vs):
        ys = _outputs(fn, xs)
        live = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
        if not live:
            return tuple(Tensor(xs[i]._xp().zeros(xs[i].shape)) for i in diff)
        gs = _grad([y for y, _ in live], [xs[i] for i in diff], grad_outputs=[v for _, v in live],
                   create_graph=True, allow_unused=True)
        return tuple(Tensor(xs[i]._xp().zeros(xs[i].shape)) if g is None else g for g, i in zip(gs, diff))

    try:
        return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                         raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
    except GradcheckError as error:   # a failure of the second derivatives: say so, not "gradcheck"
        message = str(error).replace("gradcheck", "gradgradcheck", 1)
        raise GradcheckError(
            f"{message}\n  (gradgradcheck checks the derivatives of v^T J: inputs 0..{n - 1} are the "
            f"function's inputs, inputs {n}.. the output gradients v)"
        ) from None
