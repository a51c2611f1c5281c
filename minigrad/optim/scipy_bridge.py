"""Hand a minigrad loss to ``scipy.optimize.minimize``.

SciPy's optimizers work on one float64 vector. :func:`scipy_minimize`
flattens the parameters into it, gives SciPy the loss and the gradient from
``backward`` for every vector it asks about, and writes the answer back into
the parameters (in their own dtype and on their own device).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.grad_match import checked_grad
from minigrad.autograd.write_stamps import mark_written
from minigrad.backend import to_numpy
from minigrad.optim import param_vector
from minigrad.optim.validation import is_tensor, split_named_params

#: Methods of scipy.optimize.minimize that use a Hessian-vector product (``hessp``).
_HESSP_METHODS = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}


def _import_scipy_optimize():
    """Import scipy.optimize, or say how to install it."""
    try:
        import scipy.optimize
    except ImportError as exc:
        raise ImportError(
            "minigrad.optim.scipy_minimize needs SciPy, which is not installed: "
            "run `pip install scipy` (or `pip install minigrad[scipy]`)"
        ) from exc
    return scipy.optimize


def scipy_minimize(fn, params, method="L-BFGS-B", **kwargs):
    """Minimize ``fn()`` over ``params`` with ``scipy.optimize.minimize``.

    Args:
        fn: a callable with no arguments returning the scalar loss Tensor. It may
            call ``loss.backward()`` itself (an optimizer closure) or not; the
            bridge clears the gradients before each call and runs ``backward``
            when ``fn`` did not.
        params: the Tensors to optimize (each must require grad), or ``(name, Tensor)``
            pairs (``model.named_parameters()``), as the optimizers take them.
        method: any gradient-based method of ``scipy.optimize.minimize``
            (``"L-BFGS-B"``, ``"BFGS"``, ``"CG"``, ...). For ``"Newton-CG"``,
            ``"trust-ncg"``, ``"trust-krylov"`` and ``"trust-constr"`` the bridge also
            supplies Hessian-vector products (``hessp``) by double backward.
        **kwargs: passed on to ``scipy.optimize.minimize`` (``tol``, ``bounds``,
            ``callback``, ``options={"maxiter": ...}``, ...).

    Returns:
        SciPy's ``OptimizeResult``; the parameters hold ``result.x``.
    """
    optimize = _import_scipy_optimize()
    params = list(params)
    if not params:
        raise ValueError("scipy_minimize got an empty parameter list")
    params, _ = split_named_params(params, "scipy_minimize")
    for i, p in enumerate(params):
        if not is_tensor(p):
            raise TypeError(f"scipy_minimize: parameter {i} is a {type(p).__name__}, not a Tensor")
        if not p.requires_grad:
            raise ValueError(f"scipy_minimize: parameter {i} (shape {tuple(p.shape)}) does not require grad")
        if p.data.dtype.kind == "c":   # SciPy's vector is float64: the imaginary parts would be dropped
            raise TypeError(f"scipy_minimize: parameter {i} is complex ({p.data.dtype}, shape {tuple(p.shape)}); "
                            "SciPy minimizes over real vectors: optimize its real and imaginary parts as two real "
                            "Tensors, or use minigrad.optim.LBFGS, which takes complex parameters")
    for name in ("fun", "x0", "jac", "hessp"):
        if name in kwargs:
            raise ValueError(f"scipy_minimize sets {name!r} itself; don't pass it")

    def load(x):
        """Write SciPy's float64 vector into the parameters, per parameter dtype and device."""
        start = 0
        for p in params:
            stop = start + int(p.size)
            piece = x[start:stop].reshape(p.shape)
            p.data[...] = _on_device_like(piece, p)
            start = stop
        mark_written(*[p.data for p in params])

    def closure():
        for p in params:
            p.grad = None
        loss = fn()
        if all(p.grad is None for p in params):
            loss.backward()
        return loss

    def value_and_grad(x):
        load(x)
        if _same_kind(params):
            _, value, g = param_vector.evaluate(closure, params, "scipy_minimize")
        else:
            value, g = _evaluate_mixed(closure, params)
        return value, to_numpy(g).astype(np.float64)

    extra = {}
    if method.lower() in _HESSP_METHODS:
        param_vector.check_same_device_and_dtype(params, "scipy_minimize(hessp)")

        def hessp(x, v):
            load(x)
            _, _, _, hvp = param_vector.hvp_evaluator(closure, params, "scipy_minimize")
            xp_v = _on_device_like(np.asarray(v), params[0]).reshape(-1)
            out = to_numpy(hvp(xp_v)).astype(np.float64)
            param_vector.release_graph(params)
            return out

        extra["hessp"] = hessp

    x0 = np.concatenate([to_numpy(p.data).reshape(-1).astype(np.float64) for p in params])
    result = optimize.minimize(value_and_grad, x0, method=method, jac=True, **extra, **kwargs)
    load(np.asarray(result.x, dtype=np.float64))
    return result


def _on_device_like(host_array, p):
    """``host_array`` cast to ``p``'s dtype and placed on ``p``'s device."""
    import minigrad

    return minigrad.tensor(np.ascontiguousarray(host_array), dtype=p.dtype, device=p.device).data


def _same_kind(params):
    """True when all params share one device and dtype (so one flat backend array can hold them)."""
    return all(p.device == params[0].device and p.dtype == params[0].dtype for p in params)


def _evaluate_mixed(closure, params):
    """``(loss, flat float64 host gradient)`` for params of mixed dtypes or devices."""
    import minigrad

    with minigrad.enable_grad():
        loss = closure()
    parts = [np.zeros(int(p.size)) if p.grad is None
             else to_numpy(checked_grad("scipy_minimize", p)).reshape(-1).astype(np.float64)
             for p in params]
    return float(loss.item()), np.concatenate(parts)
