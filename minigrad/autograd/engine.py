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

from minigrad.autograd.function import _as_array, _check_finite
from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor, written_at


def _grad_dtype_error(fn, x, gx):
    return RuntimeError(
        f"{fn.name} backward returned a gradient of shape {tuple(gx.shape)} and dtype {gx.dtype} "
        f"for an input of shape {tuple(x.shape)} and dtype {x.dtype}"
    )


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    Without ``capture`` the gradients of leaves accumulate into their ``.grad``.
    With ``capture`` (a dict from a leaf Tensor, or from ``(node, output index)``
    for a non-leaf, to a position) nothing is written to ``.grad``; the
    gradients of the captured tensors are returned in a list instead.
    """
    # First-order backward moves raw arrays between nodes (no graph is built);
    # create_graph moves Tensors, so the backward pass is itself recorded.
    array_mode = not create_graph
    if array_mode:
        root_grads = [g.data for g in root_grads]
    # pending: node -> the gradient of its output summed so far (a list, one per
    # output, for the rare multi-output node). deps: node -> consumers yet to send.
    # owned: the nodes whose pending gradient is an array nothing else holds.
    pending, leaf_grads, deps, stack, owned = {}, {}, {}, [], set()
    for t, g in zip(roots, root_grads):
        fn = t.creator
        if fn is None:
            _add(leaf_grads, t, g)
        else:
            _send(pending, fn, t._out_index, g)
            if fn not in deps:
                deps[fn] = 0
                stack.append(fn)
    starts = list(stack)

    # Pass 1: count the incoming edges of every node reachable from the roots.
    # (An input with a creator always requires grad, so every such edge counts.)
    while stack:
        fn = stack.pop()
        inputs = fn.inputs
        if inputs is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or after its buffers were "
                "freed). Pass retain_graph=True to the first backward() if you need to do this."
            )
        for x in inputs:
            c = x.creator
            if c is not None:
                if c in deps:
                    deps[c] += 1
                else:
                    deps[c] = 1
                    stack.append(c)

    results = [None] * len(capture) if capture is not None else None
    ready = [fn for fn in starts if deps[fn] == 0]
    anomaly = STATE.anomaly
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        # Pass 2: run each node once all of its consumers have sent their gradients.
        plain = array_mode and capture is None and not anomaly
        writes = STATE.writes
        while ready:
            fn = ready.pop()
            if fn._writes != writes:  # something was written in place since fn was recorded
                _check_inputs_unchanged(fn)
            g = pending.pop(fn, None)
            fast = fn.backward_arrays
            if g is None:  # every consumer returned None for it: no gradient flows through fn
                gxs = (None,) * len(fn.inputs)
            elif plain and fast is not None and fn.n_outputs == 1 and not fn._hooks:
                # The common case: one output, raw arrays, nothing to observe. A gradient
                # no one else can see may be overwritten by the node (e.g. masked in place).
                in_place = fn.backward_arrays_owned if fn in owned else None
                gxs = fast(g) if in_place is None else in_place(g)
            else:
                gxs = _run_node(fn, g, array_mode, capture, results, anomaly)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            fresh = fn.fresh_grads
            for x, gx, need in zip(fn.inputs, gxs, fn.needs_input_grad):
                c = x.creator
                if gx is not None and need:
                    xd = x.data
                    if gx.shape != xd.shape or (gx.dtype is not xd.dtype and gx.dtype != xd.dtype):
                        raise _grad_dtype_error(fn, x, gx)
                    if c is None:
                        prev = leaf_grads.get(x)
                        leaf_grads[x] = gx if prev is None else prev + gx
                    elif c.n_outputs == 1:
                        prev = pending.get(c)
                        if prev is None:
                            pending[c] = gx
                            if fresh:
                                owned.add(c)
                        else:
                            pending[c] = prev + gx
                            owned.add(c)  # the sum is a new array
                    else:
                        _send(pending, c, x._out_index, gx)
                if c is not None:
                    left = deps[c] - 1
                    deps[c] = left
                    if left == 0:
                        ready.append(c)
            if not retain_graph:
                # Free the graph behind fn: dropping its inputs also frees every node upstream
                # that nothing else holds, with whatever those nodes saved for backward.
                fn.inputs = None
                fn._output_data = None
    finally:
        STATE.grad_enabled = previous_mode

    if capture is not None:
        for leaf, g in leaf_grads.items():
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g, array_mode)
            pos = capture.get(leaf)
            if pos is not None:
                results[pos] = _as_tensor(g)
        return results
    given = {id(g) for g in root_grads} if array_mode else {id(g.data) for g in root_grads}
    for leaf, g in leaf_grads.items():
        if leaf._hooks:
            g = _run_hooks(leaf._hooks, g, array_mode)
        if array_mode:
            _accumulate_array(leaf, g, given)
        else:
            _accumulate_tensor(leaf, g, given)
    return None


def _run_node(fn, g, array_mode, capture, results, anomaly):
    """Run one node's backward with everything the fast branch skips: hooks, captured
    gradients, several outputs, Tensor mode (create_graph) and anomaly checks."""
    gys = [g] if fn.n_outputs == 1 else g
    if fn._hooks:
        for i, hooks in fn._hooks.items():
            if gys[i] is not None:
                gys[i] = _run_hooks(hooks, gys[i], array_mode)
    if capture is not None:
        for i in range(fn.n_outputs):
            pos = capture.get((fn, i))
            if pos is not None:
                results[pos] = _as_tensor(gys[i])
    if fn.n_outputs > 1:
        gys = _fill_missing(fn, gys, array_mode)
    if not anomaly:
        return _call(fn, gys, array_mode)
    gxs = _backward_in_anomaly_mode(fn, gys, array_mode)
    _check_finite(fn.name, "backward", gxs if type(gxs) is tuple else (gxs,), fn)
    return gxs


def _check_inputs_unchanged(fn):
    """Refuse to differentiate through a node whose input was overwritten after the node was recorded."""
    for i, x in enumerate(fn.inputs):
        if written_at(x) > fn._writes:
            raise RuntimeError(
                f"{fn.name}: input {i} (shape {tuple(x.shape)}) was modified in place after the graph used it, "
                "so its gradient would come from the new values; modify a copy, or compute the forward again"
            )
    # A node that differentiates through its output (keep_output) saved that array too.
    ref = getattr(fn, "_output_ref", None) if fn.keep_output else None
    out = ref() if ref is not None else None
    if out is not None and written_at(out) > fn._writes:
        raise RuntimeError(
            f"{fn.name}: its output (shape {tuple(out.shape)}) was modified in place after the graph saved it "
            "for backward, so its gradient would come from the new values; modify a copy, or compute the "
            "forward again"
        )


def _send(pending, fn, index, g):
    """Add gradient ``g`` for output ``index`` of node ``fn`` to what it has received."""
    if fn.n_outputs == 1:
        prev = pending.get(fn)
        pending[fn] = g if prev is None else prev + g
        return
    slots = pending.get(fn)
    if slots is None:
        slots = pending[fn] = [None] * fn.n_outputs
    slots[index] = g if slots[index] is None else slots[index] + g


def _as_tensor(g):
    if g is None or isinstance(g, Tensor):
        return g
    return Tensor._make(_as_array(g), None, 0)


def _call(fn, gys, array_mode):
    """Run one node's backward: its array fast path when it has one and no graph is recorded."""
    if not array_mode:
        return fn.backward(*gys)
    fast = fn.backward_arrays
    if fast is not None:
        return fast(*gys)
    gxs = fn.backward(*[_as_tensor(g) for g in gys])
    if type(gxs) is not tuple:
        return None if gxs is None else gxs.data
    return tuple([None if g is None else g.data for g in gxs])


def _add(table, key, g):
    prev = table.get(key)
    table[key] = g if prev is None else prev + g


def _fill_missing(fn, gys, array_mode):
    """Zeros for the outputs of a multi-output node that received no gradient."""
    xp = fn.inputs[0]._xp()
    out = list(gys)
    for i, g in enumerate(out):
        if g is None:
            shape, dtype = fn._output_meta[i]
            z = xp.zeros(shape, dtype=dtype)
            out[i] = z if array_mode else Tensor(z)
    return out


def _run_hooks(hooks, g, array_mode):
    """Hooks see and return Tensors; a returned Tensor replaces the gradient."""
    t = _as_tensor(g)
    for hook in hooks:
        new = hook(t)
        t = t if new is None else new
    return t.data if array_mode else t


def _accumulate_array(leaf, data, given):
    """Add a gradient array into ``leaf.grad``; the stored array is always one the leaf owns alone."""
    data = _as_array(data)
    if leaf.grad is None:
        # Optimizers update .grad in place, so it must not share memory with
        # another leaf's gradient, a view of another array, or an array the caller
        # passed in. (A fresh result of arithmetic has no base and is writeable.)
        if data.base is not None or id(data) in given:
            data = data.copy()
        given.add(id(data))
        leaf.grad = Tensor._make(data, None, 0)
    elif leaf.grad.creator is not None:
        leaf.grad = Tensor(leaf.grad.data + data)
    else:
        leaf.grad.data += data


def _accumulate_tensor(leaf, g, given):
    """Add a graph-carrying gradient into ``leaf.grad`` (create_graph), with the same ownership rule."""
    if leaf.grad is not None:
        leaf.grad = leaf.grad + g
        return
    if g.data.base is not None or id(g.data) in given:
        g = g * 1.0  # a new node with its own array: still differentiable, no longer shared
    given.add(id(g.data))
    leaf.grad = g


def _backward_in_anomaly_mode(fn, gys, array_mode):
    """``fn.backward(*gys)``, with a NaN/Inf from an op inside it reported as ``fn``'s backward.

    A backward is written with ops, and in anomaly mode each of those ops checks its
    own forward; without this, sqrt's backward at 0 would be blamed on a ``Div``.
    """
    try:
        return _call(fn, gys, array_mode)
    except FloatingPointError as exc:
        where = "\nThe op was created at:\n" + fn._stack if getattr(fn, "_stack", None) else ""
        inner = str(exc).split("\n", 1)[0]
        raise FloatingPointError(
            f"detect_anomaly: {fn.name} backward produced NaN or Inf (inside it: {inner}).{where}"
        ) from exc
