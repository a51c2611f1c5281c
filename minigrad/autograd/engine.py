"""Reverse-mode differentiation: walk the graph backwards without recursion.

The walk is Kahn's algorithm. A first pass (an explicit stack, no recursion)
counts, for every node, how many edges lead into it from nodes that will send
it a gradient. A second pass starts from the outputs and runs a node's backward
only once all of its consumers have sent their share, so every gradient is
complete before it is used. Each node is visited once in each pass: time is
linear in the size of the graph. A gradient is dropped as soon as it has been
consumed.
"""
from __future__ import annotations

from minigrad.autograd.function import _check_finite
from minigrad.autograd.mode import STATE


def _grad_dtype_error(fn, x, gx):
    return RuntimeError(
        f"{fn.name}.backward returned a gradient of shape {tuple(gx.shape)} and dtype {gx.dtype} "
        f"for an input of shape {tuple(x.shape)} and dtype {x.dtype}"
    )


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    Without ``capture`` the gradients of leaves accumulate into their ``.grad``.
    With ``capture`` (a dict from a leaf Tensor, or from ``(node, output index)``
    for a non-leaf, to a position) nothing is written to ``.grad``; the
    gradients of the captured tensors are returned in a list instead.
    """
    pending = {}      # node -> gradient of each of its outputs, summed so far
    leaf_grads = {}   # leaf Tensor -> gradient summed so far
    deps = {}         # node -> number of consumers that have yet to send a gradient
    stack = []
    for t, g in zip(roots, root_grads):
        fn = t.creator
        if fn is None:
            _add(leaf_grads, t, g)
            continue
        slots = pending.get(fn)
        if slots is None:
            slots = pending[fn] = [None] * fn.n_outputs
        i = t._out_index
        slots[i] = g if slots[i] is None else slots[i] + g
        if fn not in deps:
            deps[fn] = 0
            stack.append(fn)
    starts = list(stack)

    # Pass 1: count the incoming edges of every node reachable from the roots.
    while stack:
        fn = stack.pop()
        if fn.inputs is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or after its buffers were "
                "freed). Pass retain_graph=True to the first backward() if you need to do this."
            )
        for x, need in zip(fn.inputs, fn.needs_input_grad):
            if need:
                c = x.creator
                if c is not None:
                    if c in deps:
                        deps[c] += 1
                    else:
                        deps[c] = 1
                        stack.append(c)

    results = [None] * len(capture) if capture is not None else None
    ready = [fn for fn in starts if deps[fn] == 0]
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        # Pass 2: run each node once all of its consumers have sent their gradients.
        while ready:
            fn = ready.pop()
            gys = pending.pop(fn)
            if fn._hooks:
                for i, hooks in fn._hooks.items():
                    if gys[i] is not None:
                        for hook in hooks:
                            new = hook(gys[i])
                            gys[i] = gys[i] if new is None else new
            if capture is not None:
                for i in range(fn.n_outputs):
                    pos = capture.get((fn, i))
                    if pos is not None:
                        results[pos] = gys[i]
            if fn.n_outputs > 1:
                gys = _fill_missing(fn, gys)
            gxs = fn.backward(*gys)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if STATE.anomaly:
                _check_finite(fn.name, "backward", gxs, fn)
            for x, gx, need in zip(fn.inputs, gxs, fn.needs_input_grad):
                if not need:
                    continue
                c = x.creator
                if gx is not None:
                    if gx.data.shape != x.data.shape or gx.data.dtype != x.data.dtype:
                        raise _grad_dtype_error(fn, x, gx)
                    if c is None:
                        _add(leaf_grads, x, gx)
                    else:
                        slots = pending.get(c)
                        if slots is None:
                            slots = pending[c] = [None] * c.n_outputs
                        i = x._out_index
                        slots[i] = gx if slots[i] is None else slots[i] + gx
                if c is not None:
                    deps[c] -= 1
                    if deps[c] == 0:
                        ready.append(c)
            if not retain_graph:
                fn.release()
    finally:
        STATE.grad_enabled = previous_mode

    if capture is not None:
        for leaf, g in leaf_grads.items():
            g = _run_leaf_hooks(leaf, g)
            pos = capture.get(leaf)
            if pos is not None:
                results[pos] = g
        return results
    given = {id(g.data) for g in root_grads}
    for leaf, g in leaf_grads.items():
        _accumulate_grad(leaf, _run_leaf_hooks(leaf, g), create_graph, given)
    return None


def _add(table, key, g):
    prev = table.get(key)
    table[key] = g if prev is None else prev + g


def _fill_missing(fn, gys):
    from minigrad.autograd.tensor import Tensor

    out = list(gys)
    for i, g in enumerate(out):
        if g is None:
            shape, dtype = fn._output_meta[i]
            xp = fn.inputs[0]._xp()
            out[i] = Tensor(xp.zeros(shape, dtype=dtype))
    return out


def _run_leaf_hooks(leaf, g):
    hooks = leaf._hooks
    if hooks:
        for hook in hooks:
            new = hook(g)
            g = g if new is None else new
    return g


def _accumulate_grad(leaf, g, create_graph, given):
    """Add ``g`` into ``leaf.grad``; the stored array is always one the leaf owns alone."""
    from minigrad.autograd.tensor import Tensor

    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    data = g.data
    if leaf.grad is None:
        # Optimizers update .grad in place, so it must not share memory with
        # another leaf's gradient, a broadcast view, or an array the caller passed in.
        if data.base is not None or id(data) in given or not data.flags.writeable:
            data = data.copy()
        given.add(id(data))
        leaf.grad = Tensor(data)
    elif leaf.grad.creator is not None:
        leaf.grad = Tensor(leaf.grad.data + data)
    else:
        leaf.grad.data += data
