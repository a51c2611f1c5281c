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

The options are PyTorch's, with its defaults. Besides the Jacobian, every check
also runs backward twice through one graph and compares the two results (within
``nondet_tol``: a backward that changes what it saved is not reentrant) and runs
backward from all-zero output gradients, which must give zero gradients (PyTorch's
"multiplied by grad_output" check). PyTorch's ``check_undefined_grad`` is accepted: an
undefined output gradient is a zero one here, which that check already covers.
``check_forward_ad`` compares Jacobian-vector products
(``autograd.functional.jvp``) with central differences too, and
``check_backward_ad=False`` leaves out the backward checks. There is no vmapped
backward (``vmap`` and ``is_grads_batched`` loop over the batch), so ``check_batched_grad`` and ``check_batched_forward_grad`` must stay
False, and no masked (sparse) semantics, so ``masked`` must too.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.functional import grad as _grad, jvp as _jvp
from minigrad.autograd.mode import enable_grad, no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, to_numpy


class GradcheckError(AssertionError):
    """Raised when analytic and numeric derivatives disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (tuple(x) if isinstance(x, list) else (x,))


def _in_float64(name, func, inputs):
    """``func``, whose dtype errors say that it runs on float64 copies when ``inputs`` are of another float dtype.

    A function that closes over float32 tensors (a layer's weights, a constant) meets the float64 copies and
    minigrad refuses the mix; the bare error ('Linear: input dtype float64 does not match weight dtype float32;
    convert with x.astype('float32')') pointed away from the fix.
    """
    converted = [x.dtype for x in _as_tuple(inputs) if isinstance(x, Tensor) and x.requires_grad
                 and x.dtype != np.float64]
    if not converted:
        return func

    def checked(*args):
        try:
            return func(*args)
        except TypeError as exc:
            if type(exc) is not TypeError or "float64" not in str(exc):
                raise
            raise TypeError(
                f"{name}: the function failed on the float64 copies of its {converted[0]} inputs ({name} checks in "
                f"float64): {exc}. Tensors it uses besides its inputs (a layer's weights, constants) must be float64 "
                "too: make them so (nn.Linear(..., dtype=minigrad.float64), model.double()) or pass them as inputs"
            ) from exc

    return checked


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


def _vjp(fn, inputs, diff, weights_for, outs=None):
    """v^T J for every differentiable input, with v built per output by ``weights_for`` (through ``outs``, the
    outputs of one forward, when given: their graph is kept for another backward)."""
    if outs is None:
        with enable_grad():
            outs = _outputs(fn, inputs)
    weights = [weights_for(i, o) for i, o in enumerate(outs)]
    live = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if not live:
        return [np.zeros(inputs[i].shape) for i in diff], outs
    gs = _grad([o for o, _ in live], [inputs[i] for i in diff],
               grad_outputs=[Tensor(o._xp().asarray(w, dtype=o.dtype)) for o, w in live],
               retain_graph=True, allow_unused=True)
    for g, i in zip(gs, diff):
        if g is not None and g.dtype != inputs[i].dtype:   # check_grad_dtypes: the engine refuses this already
            raise GradcheckError(f"gradcheck: the gradient of input {i} has dtype {g.dtype}, "
                                 f"the input {inputs[i].dtype}")
    return [np.zeros(inputs[i].shape) if g is None else to_numpy(g.data).astype(np.float64)
            for g, i in zip(gs, diff)], outs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None, seed=0):
    """Check the gradients of ``func`` at ``inputs`` against central differences.

    ``func`` takes the inputs and returns a Tensor or a tuple of Tensors. Every
    input Tensor with ``requires_grad=True`` is checked (as a float64 copy).
    On a mismatch it raises ``GradcheckError`` naming the input, the element,
    and the analytic and numeric values (or returns False when
    ``raise_exception=False``). Returns True when all derivatives agree.
    The options are PyTorch's (module docstring); ``seed`` draws fast mode's directions.
    """
    _refuse_unsupported("gradcheck", check_batched_grad=check_batched_grad,
                        check_batched_forward_grad=check_batched_forward_grad, masked=masked)
    func = _in_float64("gradcheck", func, inputs)
    inputs = _prepare(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; set requires_grad=True on what to check")
    try:
        if check_backward_ad:
            _check_reentrant(func, inputs, diff, nondet_tol, seed)
            if fast_mode:
                _fast_check(func, inputs, diff, eps, atol, rtol, seed)
            else:
                _full_check(func, inputs, diff, eps, atol, rtol)
            _check_zero_output_grads(func, inputs, diff)   # PyTorch's "multiplied by grad_output" check
        if check_forward_ad:
            _check_jvps(func, inputs, diff, eps, atol, rtol, fast_mode, seed)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _refuse_unsupported(name, **options):
    for option, value in options.items():
        if value:
            raise NotImplementedError(
                f"{name}: {option}={value!r} is not supported: minigrad has " +
                ("no masked (sparse) gradient semantics" if option == "masked" else "no vmapped (batched) backward") +
                f"; pass {option}=False")


def _full_check(fn, inputs, diff, eps, atol, rtol):
    """The whole Jacobian both ways: one backward per output element, two forwards per input element."""
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
            at = np.unravel_index(e, x.shape)
            numeric = _central_difference(fn, inputs, x, at, eps)
            # "not <=" rather than ">": a NaN on either side is a mismatch, never a pass.
            bad = ~(np.abs(a[:, e] - numeric) <= atol + rtol * np.abs(numeric))
            if bad.any():
                o = int(np.argmax(bad))
                raise GradcheckError(
                    f"gradcheck: Jacobian mismatch for input {i} (shape {tuple(x.shape)}) at element "
                    f"{tuple(int(k) for k in np.unravel_index(e, x.shape))}, output element {o}:\n"
                    f"  analytic: {float(a[o, e])!r}\n  numeric:  {float(numeric[o])!r}\n"
                    f"  analytic column: {a[:, e]}\n  numeric column:  {numeric}")


def _central_difference(fn, inputs, x, at, eps):
    """``(f(x + eps e) - f(x - eps e)) / (2 eps)`` for the element ``at`` of input ``x`` (an index tuple), or along
    the direction ``at`` itself when it is an array."""
    if isinstance(at, np.ndarray):
        orig = x.data.copy()
        step = x._xp().asarray(at) * eps
        x.data[...] = orig + step
        plus = _flat_outputs(fn, inputs)
        x.data[...] = orig - step
        minus = _flat_outputs(fn, inputs)
        x.data[...] = orig
    else:
        # Write through the array itself: reshape(-1) would copy a non-contiguous input (a transposed leaf,
        # say), and perturbing the copy would leave f unchanged.
        orig = float(x.data[at])
        x.data[at] = orig + eps
        plus = _flat_outputs(fn, inputs)
        x.data[at] = orig - eps
        minus = _flat_outputs(fn, inputs)
        x.data[at] = orig
    return (plus - minus) / (2 * eps)


def _random_weights(rng):
    """``(weights, weights_for)``: output gradients for ``_vjp``, drawn from ``rng`` once per output and kept."""
    weights = {}

    def weights_for(i, o):
        if i not in weights:
            weights[i] = rng.standard_normal(o.shape)
        return weights[i]
    return weights, weights_for


def _check_reentrant(fn, inputs, diff, nondet_tol, seed):
    """Backward twice through one graph, with the same output gradients: the results must agree to ``nondet_tol``."""
    _, random_weights = _random_weights(np.random.default_rng(seed + 2))
    first, outs = _vjp(fn, inputs, diff, random_weights)
    second, _ = _vjp(fn, inputs, diff, random_weights, outs)
    for a, b, i in zip(first, second, diff):
        # NaN in both at one place is the same result (the Jacobian check then reports it); else NaN fails
        if not np.all((np.abs(a - b) <= nondet_tol) | (np.isnan(a) & np.isnan(b))):
            raise GradcheckError(
                f"gradcheck: backward is not reentrant: two backward passes through one graph gave gradients of "
                f"input {i} that differ by up to {float(np.nanmax(np.abs(a - b)))!r} (nondet_tol={nondet_tol})")


def _check_zero_output_grads(fn, inputs, diff):
    """Zero output gradients (PyTorch's undefined ones) must give zero gradients."""
    grads, _ = _vjp(fn, inputs, diff, lambda i, o: np.zeros(o.shape))
    for g, i in zip(grads, diff):
        if not np.all(g == 0):
            raise GradcheckError(
                f"gradcheck: backward not multiplied by grad_output: all-zero output gradients gave a gradient of "
                f"input {i} that is not zero (largest entry {float(np.nanmax(np.abs(g)))!r})")


def _check_jvps(fn, inputs, diff, eps, atol, rtol, fast_mode, seed):
    """J u from ``autograd.functional.jvp`` against central differences: every input element's direction (one
    column of J each), or one random direction per input in fast mode."""
    rng = np.random.default_rng(seed + 3)
    for i in diff:
        x = inputs[i]
        directions = ([rng.standard_normal(x.shape)] if fast_mode else
                      [np.eye(1, x.size, e).reshape(x.shape) for e in range(x.size)])
        for u in directions:
            def of_x(value, i=i):   # the floating outputs only (jvp has no tangent for an integer one)
                return tuple(_outputs(fn, inputs[:i] + (value,) + inputs[i + 1:]))
            with enable_grad():
                _, tangent = _jvp(of_x, x, Tensor(x._xp().asarray(u)), strict=False)
            analytic = np.concatenate([to_numpy(t.data).astype(np.float64).ravel() for t in _as_tuple(tangent)]
                                      or [np.zeros(0)])
            numeric = _central_difference(fn, inputs, x, u, eps)
            if not np.all(np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric)):
                raise GradcheckError(
                    f"gradcheck: forward-mode (jvp) mismatch for input {i} (shape {tuple(x.shape)}):\n"
                    f"  analytic J u: {analytic}\n  numeric  J u: {numeric}")


def _fast_check(fn, inputs, diff, eps, atol, rtol, seed):
    rng = np.random.default_rng(seed)
    weights, random_weights = _random_weights(rng)
    grads, outs = _vjp(fn, inputs, diff, random_weights)
    v = np.concatenate([weights[k].ravel() for k in range(len(outs))] or [np.zeros(0)])
    for g, i in zip(grads, diff):
        x = inputs[i]
        u = rng.standard_normal(x.shape)
        analytic = float(np.sum(g * u))
        numeric = float(np.dot(_central_difference(fn, inputs, x, u, eps), v))
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):  # NaN fails too
            raise GradcheckError(
                f"gradcheck (fast mode): directional derivative mismatch for input {i} "
                f"(shape {tuple(x.shape)}):\n  analytic v^T J u: {analytic!r}\n  numeric  v^T J u: {numeric!r}")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False,
                  check_rev_over_rev=True, fast_mode=False, masked=False, seed=0):
    """Check second derivatives of ``func``: gradcheck of ``(inputs, v) -> v^T J`` (built with create_graph).

    ``grad_outputs`` (the ``v``) default to random float64 tensors of the
    outputs' shapes (non-contiguous ones with ``gen_non_contig_grad_outputs``); they are checked as inputs too.
    ``check_rev_over_rev`` checks that function's backward, ``check_fwd_over_rev`` its Jacobian-vector
    products; the other options as in :func:`gradcheck`.
    """
    _refuse_unsupported("gradgradcheck", check_batched_grad=check_batched_grad, masked=masked)
    func = _in_float64("gradgradcheck", func, inputs)
    inputs = _prepare(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input requires grad")
    with no_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor(_maybe_non_contiguous(o._xp().asarray(rng.standard_normal(o.shape)),
                                                     gen_non_contig_grad_outputs), requires_grad=True) for o in outs]
    else:
        grad_outputs = list(_prepare(tuple(grad_outputs)))
    n = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():  # the numeric side evaluates this under no_grad; the inner grad needs a graph
            return _first_derivative(xs, vs)

    def _first_derivative(xs, vs):
        ys = _outputs(func, xs)
        live = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
        if not live:
            return tuple(Tensor(xs[i]._xp().zeros(xs[i].shape)) for i in diff)
        gs = _grad([y for y, _ in live], [xs[i] for i in diff], grad_outputs=[v for _, v in live],
                   create_graph=True, allow_unused=True)
        return tuple(Tensor(xs[i]._xp().zeros(xs[i].shape)) if g is None else g for g, i in zip(gs, diff))

    try:
        return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                         raise_exception=raise_exception, nondet_tol=nondet_tol,
                         check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                         check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                         fast_mode=fast_mode, seed=seed)
    except GradcheckError as error:   # a failure of the second derivatives: say so, not "gradcheck"
        message = str(error).replace("gradcheck", "gradgradcheck", 1)
        raise GradcheckError(
            f"{message}\n  (gradgradcheck checks the derivatives of v^T J: inputs 0..{n - 1} are the "
            f"function's inputs, inputs {n}.. the output gradients v)"
        ) from None


def _maybe_non_contiguous(array, wanted):
    """``array``'s values in a non-contiguous array (every other element of a buffer twice as long), if ``wanted``."""
    if not wanted or array.size == 0:
        return array
    wide = get_array_module(array).zeros(array.shape + (2,), dtype=array.dtype)
    wide[..., 0] = array
    return wide[..., 0]
