"""``minigrad.grad``: gradients of outputs with respect to chosen inputs, returned rather than stored."""
from __future__ import annotations

from minigrad.autograd.engine import run_backward
from minigrad.autograd.coercion import _initial_grad
from minigrad.autograd.tensor import Tensor


def _as_list(x, name):
    if isinstance(x, Tensor):
        return [x], True
    items = list(x)
    if not all(isinstance(t, Tensor) for t in items):
        raise TypeError(f"grad: {name} must be a Tensor or a sequence of Tensors")
    return items, False


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``; ``.grad`` of leaves is left untouched.

    ``grad_outputs`` weight the outputs (default: 1 for one-element outputs).
    Returns a tuple with one Tensor per input (``None`` for an input the
    outputs do not depend on, when ``allow_unused``). With ``create_graph``
    the returned gradients carry a graph and can be differentiated again.
    """
    outputs, _ = _as_list(outputs, "outputs")
    inputs, _ = _as_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {t.shape}) does not require grad and has no graph")
    roots = outputs
    seeds = [_initial_grad(t, g, "grad") for t, g in zip(outputs, grad_outputs)]
    # One capture slot per distinct input: the same tensor may be asked for twice.
    keys = [t if t.creator is None else (t.creator, t._out_index) for t in inputs]
    capture = {}
    for key in keys:
        capture.setdefault(key, len(capture))
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(roots, seeds, retain_graph, create_graph, capture=capture)
    results = [captured[capture[key]] for key in keys]
    for pos, g in enumerate(results):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {pos} (shape {inputs[pos].shape}) is not used in the graph of the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return tuple(results)
