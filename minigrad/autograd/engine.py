"""Reverse-mode differentiation: the backward pass, in three steps.

1. ``count_consumers``: walk the graph back from the outputs (an explicit stack,
   never recursion) and count, for every node, the edges that will bring it a
   gradient.
2. ``run_in_kahn_order``: run a node's backward once all of its consumers have
   sent their share (Kahn's algorithm), so every gradient is complete before it
   is used, then send the node's input gradients on. Each node runs once: time is
   linear in the size of the graph. A gradient is dropped as soon as it is used.
3. ``deliver_to_leaves``: add the leaves' gradients into their ``.grad``; or
   ``deliver_captured``: return the gradients that ``minigrad.grad`` asked for.

A leaf with a post-accumulate-grad hook (``Tensor.register_post_accumulate_grad_hook``)
is delivered early: after step 1, ``count_awaited_leaves`` counts the edges into it
too, and step 2 adds its gradient into ``.grad`` and runs the hook as soon as the
node that sends the last of them has run, while the rest of the graph is still
being differentiated (data-parallel training starts its allreduces there). When no
leaf has such a hook, none of this runs. Callbacks queued during a pass
(``queue_callback``) run once it has delivered every gradient.

The mode is decided once, in ``run_backward``. A first-order pass moves raw
arrays and gives each op's ``backward`` the array namespace; ``create_graph``
moves Tensors and gives it minigrad's ops, so the backward pass is itself
recorded. Either way it is the same ``backward``.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.backward_hooks import PASSES, POST_ACCUMULATE, run_callbacks, run_post_accumulate_hooks
from minigrad.backend import is_array
from minigrad.autograd.function import _AccumulateGradHook, _as_array, _check_finite
from minigrad.autograd.grad_match import check_grad_slot
from minigrad.autograd.mode import STATE
from minigrad.dtypes import float32 as _FLOAT32   # builtin dtypes are singletons: an identity test
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.write_stamps import _NO_GRAD_VIEWS, array_written_at, detached_at, drops_grad, relaid_at, \
    written_at

# The two namespaces an op's backward is written against; minigrad.ops hands them in when it loads
# (this module sits below the ops and does not import them).
_NAMESPACES = {}


def use_namespaces(arrays, tensors):
    """Set the namespaces ``backward`` receives: ``arrays`` on first-order passes, ``tensors`` when recording."""
    _NAMESPACES[False], _NAMESPACES[True] = arrays, tensors


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    Without ``capture`` the gradients of leaves accumulate into their ``.grad``.
    With ``capture`` (a dict from a leaf Tensor, or from ``(node, output index)``
    for a non-leaf, to a position) nothing is written to ``.grad``; the
    gradients of the captured tensors are returned in a list instead.
    """
    F = _NAMESPACES[create_graph]
    arrays = [g.data for g in root_grads]
    seeds = root_grads if create_graph else arrays
    # pending: node -> the gradient of its output summed so far (its edge, function.edge_of's, is the key: the
    # rare node with several outputs has output i's under (node, i) from 1 on); leaf_grads: leaf Tensor -> its
    # gradient summed so far.
    pending, leaf_grads, starts = {}, {}, {}   # starts: the roots' creators, each once, in order
    for t, g in zip(roots, seeds):
        c = t.creator
        if c is None:
            _add(leaf_grads, t, g)
        else:
            _add(pending, (c, t._out_index) if t._out_index else c, g)
            starts[c] = None
    consumers = count_consumers(starts)
    skip = unneeded(consumers, capture) if capture is not None else None
    # awaited: leaf -> edges still to come, for the leaves with post-accumulate hooks (only when .grad is written).
    awaited = count_awaited_leaves(consumers) if POST_ACCUMULATE and capture is None else None
    given = None if capture is not None else set(map(id, arrays))   # arrays .grad must not share
    captured = [None] * len(capture) if capture is not None else None
    # None when no node needs watching (a plain first-order pass); else what _call_observed needs for captures,
    # anomaly checks or a recorded pass: a tuple, so true even when its parts are all None
    observe = (capture, captured, skip) if capture is not None or STATE.anomaly or F.recording else None
    ready = [fn for fn in starts if consumers[fn] == 0]
    previous_mode, STATE.grad_enabled = STATE.grad_enabled, create_graph
    PASSES.append(None)   # this pass's entry: the callbacks queue_callback queues during it
    try:
        run_in_kahn_order(ready, consumers, pending, leaf_grads, F, retain_graph, observe, awaited, given)
        if pending:   # a node that got a gradient never ran: the graph has a cycle (only an in-place write makes one)
            _refuse_cycle(consumers)
        if capture is None:
            deliver_to_leaves(leaf_grads.items(), F, given)
        else:
            captured = deliver_captured(leaf_grads, F, capture, captured)
        if PASSES[-1]:
            run_callbacks()
    finally:
        PASSES.pop()   # callbacks not yet run (the pass raised) are dropped
        STATE.grad_enabled = previous_mode
    return captured


def count_consumers(starts):
    """For every node reachable from ``starts``, the number of edges that lead into it from the roots' side.

    (An input with a creator always requires grad, so every such edge will carry a gradient.)
    """
    consumers = dict.fromkeys(starts, 0)
    stack = list(consumers)
    while stack:
        fn = stack.pop()
        if fn.inputs is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or after its buffers were freed): the "
                f"{type(fn).__name__} node was run and released by an earlier backward(). Pass retain_graph=True "
                "to the first backward() if you need to do this."
            )
        for x in fn.inputs:
            c = x.creator
            if c is None:
                continue
            if c in consumers:
                consumers[c] += 1
            else:
                consumers[c] = 1
                stack.append(c)
    return consumers


def unneeded(consumers, capture):
    """The nodes from which no captured tensor can be reached: ``grad`` skips them, their backward and their
    hooks, as torch.autograd.grad does (None: every node is needed, the common case)."""
    needed = {}

    def reaches(fn):   # iterative post-order: a deep graph must not hit the recursion limit
        stack = [(fn, iter(fn.inputs))]
        needed[fn] = any((fn, i) in capture for i in range(fn.n_outputs))
        while stack:
            node, inputs = stack[-1]
            for x in inputs:
                c = x.creator
                if c is None:
                    if x in capture:
                        needed[node] = True
                elif c not in needed:
                    needed[c] = any((c, i) in capture for i in range(c.n_outputs))
                    stack.append((c, iter(c.inputs)))
                    break
                elif needed[c]:
                    needed[node] = True
            else:
                stack.pop()
                if stack and needed[node]:
                    needed[stack[-1][0]] = True

    for fn in consumers:
        if fn not in needed:
            reaches(fn)
    skip = {fn for fn, need in needed.items() if not need}
    return skip or None


def count_awaited_leaves(consumers):
    """For every leaf with post-accumulate hooks that the nodes in ``consumers`` feed, the number of edges into it."""
    awaited = {}
    for fn in consumers:
        for x in fn.inputs:
            if x.creator is None and id(x) in POST_ACCUMULATE:
                awaited[x] = awaited.get(x, 0) + 1
    return awaited


def run_in_kahn_order(ready, consumers, pending, leaf_grads, F, retain_graph, observe=None, awaited=None, given=None):
    """Kahn's algorithm: run a node of ``ready`` (one whose consumers have all sent their gradients, summed in
    ``pending``), send each input its share, and make ready each creator whose last consumer this was.

    A leaf's share is summed in ``leaf_grads``; a leaf in ``awaited`` is delivered (``deliver_to_leaves``) as soon
    as the node that sends it its last gradient has run. ``observe`` (capture, captured, skip) is what
    ``_call_observed`` needs, or None: then only a node with hooks or several outputs, or that no gradient reached,
    goes through it.
    """
    while ready:
        fn = ready.pop()
        # Something was written in place since fn was recorded: before the pass, or during it by a hook (read live)
        if fn._writes != STATE.writes:
            _check_inputs_unchanged(fn)
        g = pending.pop(fn, None)
        inputs = fn.inputs
        if g is None or observe or fn._hooks or fn.n_outputs != 1:
            gxs = _call_observed(fn, F, g, observe, pending)
        elif len(inputs) == 2:   # the common arities written out (_call's, inline: 4% of a deep chain's backward)
            gxs = fn.backward(F, g, inputs[0].data, inputs[1].data)
        elif len(inputs) == 1:
            gxs = fn.backward(F, g, inputs[0].data)
        else:
            gxs = _call(fn, F, g)
        if type(gxs) is not tuple or len(gxs) != len(inputs):   # a lone gradient, or extra Nones
            gxs = _one_per_input(fn, gxs)
        edges = []   # what next_functions shows once fn is freed (function.edge_of's, inline: a call costs)
        for x, gx, need in zip(inputs, gxs, fn.needs_input_grad):
            if gx is not None and need and (gx.shape != x.data.shape or gx.dtype is not x.data.dtype):
                _check_grad_like_input(fn, x, gx)   # a gradient sent on must have its input's shape and dtype
            c = x.creator
            if c is not None:   # sum into the gradient of c's output; c is ready once its last consumer has sent
                edge = (c, x._out_index) if x._out_index else c   # also pending's key for that output
                edges.append(edge)
                if gx is not None and need:
                    prev = pending.get(edge)
                    pending[edge] = gx if prev is None else prev + gx
                consumers[c] = left = consumers[c] - 1
                if not left:
                    ready.append(c)
            else:   # a leaf: sum into its gradient (None where none reached it: torch runs its hooks with None)
                edges.append(x if need else None)
                if need and (gx is not None or x not in leaf_grads):
                    prev = leaf_grads.get(x)
                    leaf_grads[x] = gx if prev is None else prev + gx
                if awaited and x in awaited:
                    _deliver_during_walk(x, awaited, leaf_grads, (pending, leaf_grads, gxs), F, given)
        if not retain_graph:   # free what fn saved for backward; only its edges stay, for next_functions
            fn._edges, fn.inputs, fn._output_data = edges, None, None
            if fn.sets_attributes:
                fn._release()


def deliver_captured(leaf_grads, F, capture, captured):
    """Run the captured leaves' hooks, then return the captured gradients (``minigrad.grad``)."""
    for leaf, g in leaf_grads.items():
        pos = capture.get(leaf)
        if pos is None or (_NO_GRAD_VIEWS and drops_grad(leaf)):   # a leaf grad was not asked for, or a view
            continue   # whose gradient goes nowhere (deliver_to_leaves): its hooks do not run (torch's)
        if leaf._hooks:   # its AccumulateGrad node's hooks do not run: torch's grad never runs that node
            g = _run_hooks(leaf._hooks, g, F, node_hooks=False)
        if g is None:   # None reached it (_call_observed): unused, or zeros where materialize_grads
            continue
        if g.dtype.kind == "c":
            _refuse_complex_grad(leaf)
        captured[pos] = _as_tensor(g)
    return captured


def deliver_to_leaves(pairs, F, given):
    """For each (leaf, gradient): run the leaf's hooks, add the gradient into ``.grad``, run its post-accumulate hooks."""
    accumulate = _accumulate_tensor if F.recording else _accumulate_array
    for leaf, g in pairs:
        if _NO_GRAD_VIEWS and drops_grad(leaf):   # a view made under no_grad: torch gives it no AccumulateGrad
            continue   # node, so its gradient goes nowhere and its hooks never run (write_stamps._NO_GRAD_VIEWS)
        if leaf._hooks:
            g = _run_hooks(leaf._hooks, g, F)
        # None: None reached it (_call_observed), or an AccumulateGrad prehook returned (None,); or the leaf's
        # requires_grad_(False) came after the forward, whose graph holds its AccumulateGrad node: torch's runs it,
        # and so its hooks, but adds nothing. The post hooks run either way (torch's).
        if g is not None and leaf._requires_grad:
            accumulate(leaf, g, given)
        if POST_ACCUMULATE and id(leaf) in POST_ACCUMULATE:
            run_post_accumulate_hooks(leaf, leaf._post_hooks)


def _deliver_during_walk(leaf, awaited, leaf_grads, travelling, F, given):
    """Count one edge into an awaited leaf; after its last, ``deliver_to_leaves`` for it, while other gradients
    are still travelling.

    An op may pass a gradient array on unchanged (``Add`` sends its ``gy`` to both inputs), so the array this
    leaf gets may also be on its way to a node or another leaf (``travelling``: the pending sums, the leaves'
    sums, the gradients the node just returned); a post-accumulate hook may change ``.grad`` in place, so the
    leaf then takes a copy.
    """
    awaited[leaf] -= 1
    if awaited[leaf] != 0 or leaf not in leaf_grads:
        return
    g = leaf_grads.pop(leaf)
    if g is not None and leaf.grad is None and not F.recording and _is_held(g, travelling):
        g = g.copy()
    deliver_to_leaves(((leaf, g),), F, given)


def _is_held(array, holders):
    return any(v is array for held in holders for v in (held.values() if type(held) is dict else held))


def _call(fn, F, gy):
    """``fn.backward`` on its inputs' arrays (first-order pass) or the input Tensors (recorded pass)."""
    inputs = fn.inputs
    if F.recording:
        return fn.backward(F, gy, *inputs)
    if len(inputs) == 3:   # an affine map's x, W and b, written out
        return fn.backward(F, gy, inputs[0].data, inputs[1].data, inputs[2].data)
    return fn.backward(F, gy, *[x.data for x in inputs])


def _one_per_input(fn, gxs):
    """What ``fn.backward`` returned, as a tuple of one gradient per input: a lone gradient is wrapped, extra
    trailing Nones are dropped, as PyTorch allows; any other count is refused (zip would drop the extra gradients
    without a word)."""
    if type(gxs) is not tuple:
        gxs = (gxs,)
    n = len(fn.inputs)
    if len(gxs) == n:
        return gxs
    if len(gxs) > n and all(g is None for g in gxs[n:]):
        return gxs[:n]
    raise RuntimeError(f"{fn.name} backward returned {len(gxs)} gradient(s) for {n} input(s); "
                       "return one per input of forward, None where an input needs none")


def _call_observed(fn, F, g, observe, pending):
    """``_call`` with what the common case skips: hooks, captured gradients, several outputs, anomaly checks; and
    a node that no gradient reached (``g`` None: a pre-hook or a custom Function dropped it), which runs as torch's:
    its hooks see None, a custom Function's backward zeros (or None), a built-in op's sends None on; or one that
    ``grad`` does not need (in ``skip``), which runs nothing. ``observe``: (capture, captured, skip), or None."""
    gys = [g]
    if fn.n_outputs != 1:   # output 0's gradient is g; the others' wait in pending under (fn, i)
        gys += [pending.pop((fn, i), None) for i in range(1, fn.n_outputs)]
    capture, captured, skip = observe or (None, None, None)
    if skip and fn in skip:
        return (None,) * len(fn.inputs)
    hooks = fn._hooks or {}   # output index -> its tensors' hooks; "pre"/"post" -> the node's own (torch's grad_fn)
    for i, tensor_hooks in hooks.items():
        if type(i) is int:   # also where no gradient reached output i: torch's hooks get None there
            gys[i] = _run_hooks(tensor_hooks, gys[i], F)
    if capture is not None:
        for i in range(fn.n_outputs):
            pos = capture.get((fn, i))
            if pos is not None:
                captured[pos] = _as_tensor(gys[i])
    if "pre" in hooks:
        for hook in list(hooks["pre"]):
            gys = _node_hook_result(fn, hook(_as_tensors(gys, F)), gys, F) or gys
    if all(g is None for g in gys) and not hasattr(fn, "materialize_grads"):
        # no gradient reached it, or a pre-hook returned None for every output: as torch's built-in nodes, no
        # gradient in, none out (a custom Function's backward is still called, with zeros or, without
        # materialize_grads, None)
        gxs = (None,) * len(fn.inputs)
    else:
        if fn.n_outputs == 1 and gys[0] is not None:
            gy = gys[0]
        else:   # zeros for outputs no gradient reached, unless the node takes None for them (a custom Function may)
            gy = tuple(_fill_missing(fn, gys, F) if getattr(fn, "materialize_grads", True) else gys)
            if fn.n_outputs == 1:   # a pre-hook returned (None,) to a custom Function's node
                gy = gy[0]
        if hooks and fn._writes != STATE.writes:   # a hook above wrote, in place, what the backward reads (torch's
            _check_inputs_unchanged(fn)           # version check when it unpacks a saved tensor)
        gxs = _one_per_input(fn, _call(fn, F, gy) if not STATE.anomaly else _backward_in_anomaly_mode(fn, F, gy))
        if STATE.anomaly:
            _check_finite(fn.name, "backward", gxs, fn)
    if "post" in hooks:
        gxs = [gx if need else None for gx, need in zip(gxs, fn.needs_input_grad)]
        for hook in list(hooks["post"]):
            gxs = _node_hook_result(fn, hook(_as_tensors(gxs, F), _as_tensors(gys, F)), gxs, F) or gxs
    return tuple(gxs)


def _as_tensors(grads, F):
    """Gradients as a node hook sees them: a tuple of Tensors (copies on a first-order pass, as ``_run_hooks``)."""
    return tuple(None if g is None else _as_tensor(g if F.recording else g.copy()) for g in grads)


def _node_hook_result(fn, new, old, F):
    """A node hook's returned tuple as the pass's gradients (None: keep ``old``)."""
    if new is None:
        return None
    new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
    if len(new) != len(old):
        raise RuntimeError(f"{fn.name}: a node hook returned {len(new)} gradient(s) for {len(old)}; return one per "
                           "entry of the tuple it was given")
    for i, (g, was) in enumerate(zip(new, old)):
        if was is None and g is not None:   # torch's refusal: no gradient reached that output (pre), or the input
            raise RuntimeError(                # needs none (post), where a value was dropped or used without a word
                f"{fn.name}: a node hook returned a gradient for entry {i} of the tuple it was given, where that "
                "entry was None (no gradient there); a hook can't replace a None gradient with a value, as in "
                "torch: return None there")
    # copies on a first-order pass, as ``_run_hooks`` takes a returned Tensor: the hook's owner may hold it
    return [g if g is None or F.recording else _data(g).copy() for g in new]


def _history_unchanged(x, fn):
    """Whether ``x`` still has the creator and the layout it had when ``fn`` read it: a write under no_grad
    (Embedding's max_norm renorm) or into a leaf leaves the creator, a recorded in-place write makes its own node x's
    creator, and a gradient sent to x would then go through that write. A layout change under no_grad (w.t_()) keeps
    the creator, but a node that reads only x's shape (w.T's, w[0]'s) would lay x's gradient out by the new one.
    ``detach_()`` of a non-leaf drops its creator, and x's gradient would stop at x."""
    return ((x.creator is None or x.creator._writes <= fn._writes) and relaid_at(x) <= fn._writes
            and detached_at(x) <= fn._writes)


def _check_inputs_unchanged(fn):
    """Refuse to differentiate through a node whose input was overwritten after the node was recorded."""
    for i, x in enumerate(fn.inputs):
        if written_at(x) > fn._writes and not (i in fn.values_unread and _history_unchanged(x, fn)):
            why = (" to a new layout (t_(), squeeze_() and the like under no_grad, or an out= resize), "
                   "so its gradient would be laid out wrongly" if relaid_at(x) > fn._writes
                   else " (detach_() cut it from its graph), so its gradient would stop there"
                   if detached_at(x) > fn._writes
                   else ", so its gradient would come from the new values")
            raise RuntimeError(
                f"{fn.name}: input {i} (shape {tuple(x.shape)}) was modified in place after the graph used it{why}; "
                "modify a copy, or compute the forward again"
            )
    # A node that differentiates through its output (keep_output) saved that array too. Check the array as well
    # as the Tensor: the Tensor may be gone (this pass frees the nodes that held it) while the array is still read.
    ref = getattr(fn, "_output_ref", None) if fn.keep_output else None
    out = ref() if ref is not None else None
    saved = getattr(fn, "_output_data", None) if fn.keep_output else None
    written = (out is not None and written_at(out) > fn._writes) or (
        saved is not None and array_written_at(saved) > fn._writes)
    # Set only on nodes a recorded in-place write made (recorded_writes.py). Read from __dict__: most nodes lack
    # them, and a getattr with a default would raise and catch an AttributeError per node on every backward.
    view = fn.__dict__.get("view_data")
    if fn.__dict__.get("stale_output") or (view is not None and array_written_at(view) > fn._writes):
        raise RuntimeError(
            f"{fn.name}: its output, a tensor written in place, was written again after that through another "
            "tensor sharing its memory, so its graph no longer gives its values; differentiate through the tensor "
            "written last, or use out-of-place ops")
    if written:
        shape = tuple(out.shape) if out is not None else tuple(saved.shape)
        raise RuntimeError(
            f"{fn.name}: its output (shape {shape}) was modified in place after the graph saved it "
            "for backward, so its gradient would come from the new values; modify a copy, or compute the "
            "forward again"
        )
    for array in _saved_arrays(fn):
        if array_written_at(array) > fn._writes:
            raise RuntimeError(
                f"{fn.name}: an array it saved for backward (shape {tuple(array.shape)}, dtype {array.dtype}: an "
                "index, say) was modified in place after the graph used it, so its gradient would go by the new "
                "values; modify a copy, or compute the forward again")


def _saved_arrays(fn):
    """The arrays a node keeps as attributes (``x[i]``'s index, an embedding's plan's index): an integer tensor
    written in place (``i += 1``) after ``w[i]`` would send w's gradient to other rows. Read only after a write."""
    for value in fn.__dict__.values():
        for item in (value if isinstance(value, (tuple, list)) else (value, getattr(value, "index", None))):
            if is_array(item):
                yield item


def _refuse_cycle(consumers):
    """Name the node a cycle left waiting: one that read a tensor that an in-place op then wrote with an operand
    computed from it through that node (``x.add_((x * 2).sin())``); ``x``'s new node waits on it, and it on ``x``."""
    for fn, waiting in consumers.items():
        if waiting and fn.inputs is not None:
            for i, x in enumerate(fn.inputs):
                if written_at(x) > fn._writes:
                    raise RuntimeError(
                        f"{fn.name}: input {i} (shape {tuple(x.shape)}) was written in place by an op whose operand "
                        f"was computed from it through {fn.name} (as in x.add_((x * 2).sin())), so its gradient "
                        "cannot be routed; write it out of place (x = x + (x * 2).sin())")
    raise RuntimeError("backward: some nodes of the graph never ran (the graph has a cycle); "
                       "this is a bug in minigrad, please report it")


def _refuse_complex_grad(leaf):
    refuse_complex_gradients(f"a complex tensor (shape {tuple(leaf.shape)}, {leaf.dtype})")


def refuse_complex_gradients(what):
    """Gradients through complex values are not computed. The ops' derivatives are written for real values: a
    complex input gets the conjugate of torch's gradient from some (Re(z * z) gives 2z, torch 2 conj(z), whose
    imaginary part points uphill) and torch's from others (abs), so no one fix at the end would make them right.
    The engine refuses a complex leaf's gradient, and a cast from real to complex (``AsType``) its backward."""
    raise RuntimeError(
        f"backward: {what} would be differentiated through complex values, which minigrad does not do (its "
        "derivatives are written for real values and would not give torch's complex gradients); keep the "
        "differentiated path real (the real and imaginary parts as two real tensors), or set .grad yourself "
        "(the optimizers step complex parameters as torch's do)")


def _check_grad_like_input(fn, x, gx):
    """Refuse ``gx`` unless it has ``x``'s shape and dtype (the walk tests the dtype by identity, which builtin
    dtypes allow: a dtype equal but not identical passes here)."""
    if gx.shape == x.data.shape and gx.dtype == x.data.dtype:
        return
    from minigrad.autograd.tensor import _broadcasts   # here: tensor.py imports this module before defining it

    hint = ""
    if gx.shape != x.shape and _broadcasts(tuple(x.shape), tuple(gx.shape)):
        # The classic slip in a new op: the gradient of an input that forward broadcast, returned unreduced.
        hint = "; an input that forward broadcast gets its gradient summed back with F.sum_to(g, x.shape)"
    raise RuntimeError(
        f"{fn.name} backward returned a gradient of shape {tuple(gx.shape)} and dtype {gx.dtype} "
        f"for an input of shape {tuple(x.shape)} and dtype {x.dtype}{hint}"
    )


def _add(table, key, g):
    prev = table.get(key)
    table[key] = g if prev is None else prev + g


def _data(g):
    return g.data if isinstance(g, Tensor) else g


def _as_tensor(g):
    if g is None or isinstance(g, Tensor):
        return g
    return Tensor._make(_as_array(g), None, 0)


def _fill_missing(fn, gys, F):
    """Zeros for the outputs of a multi-output node that received no gradient."""
    xp = fn.inputs[0]._xp()
    out = list(gys)
    for i, g in enumerate(out):
        if g is None:
            shape, dtype = fn._output_meta[i]
            out[i] = F.const(xp.zeros(shape, dtype=dtype))
    return out


def _run_hooks(hooks, g, F, node_hooks=True):
    """Hooks see and return Tensors; a returned Tensor replaces the gradient, and must have its shape and dtype.

    A leaf's AccumulateGrad node hooks (``run_accumulate_grad_hooks``) run after its tensor hooks, as torch's,
    unless ``node_hooks`` is False (``minigrad.grad``); a prehook among them may drop the gradient: None is returned.

    On a first-order pass the hooks get a copy: an op may send one gradient array to several inputs (``Add``
    does), and a hook that doubles its gradient in place (``g *= 2``) must not double the others'. A Tensor a
    hook returns is copied too: the hook's owner may hold it (``lambda g: fixed``), and it must not become a
    ``.grad`` that the next backward adds into in place, nor be shared with the gradients that flow on; so is the
    one a hook got and kept (``lambda g: seen.append(g)``), changed in place or not.
    """
    if g is None:   # no gradient reached the tensor: torch's hooks get None, and may not give a value for it
        return _run_hooks_on_none(hooks, node_hooks)
    t = _as_tensor(g if F.recording else g.copy())
    shape, dtype = t.shape, t.dtype
    for hook in tuple(hooks):   # a hook may remove itself (a one-shot hook): the ones after it still run
        if type(hook) is _AccumulateGradHook:
            continue
        new = hook(t)
        if new is not None:
            _check_hook_result(hook, new, shape, dtype)
        t = t if new is None else new
    if node_hooks:
        t = run_accumulate_grad_hooks(hooks, t)
        if t is None:
            return None
    if F.recording:
        return t
    # A copy either way: a hook may keep the Tensor it got (a list of the gradients seen) as well as one it returns,
    # and the array passed on may become a leaf's .grad, which the next backward adds into in place.
    return t.data.copy()


def _run_hooks_on_none(hooks, node_hooks):
    for hook in tuple(hooks):
        if type(hook) is not _AccumulateGradHook and hook(None) is not None:
            raise RuntimeError(f"a hook returned a gradient where it was given None (no gradient reached the tensor; "
                               f"hook {getattr(hook, '__name__', hook)!s}): can't replace a None gradient with a "
                               "non-None value, as torch; return None there")
    return run_accumulate_grad_hooks(hooks, None) if node_hooks else None


def run_accumulate_grad_hooks(hooks, t):
    """The hooks of a leaf's AccumulateGrad node among its ``hooks`` (``_AccumulateGradHook``), on its gradient
    Tensor ``t``: the prehooks, which may replace it or drop it (None), then the post hooks, which see what is
    added (torch's order, whatever the registration's). Returns the gradient to add, or None."""
    node = [hook for hook in hooks if type(hook) is _AccumulateGradHook]
    shape, dtype = (t.shape, t.dtype) if t is not None else (None, None)
    for hook in node:
        if hook.prehook:
            new = hook(t)   # t itself, a Tensor in its place, or None (dropped; the hooks after it get None)
            if new is not None and new is not t:
                _check_hook_result(hook.hook, new, shape, dtype)
            t = new
    for hook in node:
        if not hook.prehook:
            hook(t)
    return t


def _check_hook_result(hook, new, shape, dtype):
    if not isinstance(new, Tensor) or new.shape != shape or new.dtype != dtype:
        got = (f"a gradient of shape {tuple(new.shape)} and dtype {new.dtype}" if isinstance(new, Tensor)
               else f"a {type(new).__name__}, not a Tensor")
        raise RuntimeError(f"a hook returned {got} for a tensor of shape {tuple(shape)} and dtype {dtype} "
                           f"(hook {getattr(hook, '__name__', hook)!s}); return a gradient like the one it got")


def _accumulate_array(leaf, data, given):
    """Add a gradient array into ``leaf.grad``; the stored array is always one the leaf owns alone."""
    if type(data) is not np.ndarray:   # the call only for a NumPy scalar (or CuPy): 6 calls a tiny step
        data = _as_array(data)
    if data.dtype is not _FLOAT32 and data.dtype.kind == "c":   # float32 by identity: .kind costs 20 ns a leaf
        _refuse_complex_grad(leaf)
    grad = leaf.grad
    if grad is None:
        # Optimizers update .grad in place, so it must not share memory with
        # another leaf's gradient, a view of another array, or an array the caller
        # passed in. (A fresh result of arithmetic has no base and is writeable.)
        key = id(data)
        if data.base is not None or key in given:
            data = data.copy()   # owned by this leaf alone: no other leaf can be handed it
        else:
            given.add(key)
        leaf.grad = Tensor._make(data, None, 0)
    else:
        check_grad_slot(grad.data, data)
        if grad.creator is not None:
            leaf.grad = Tensor(grad.data + data)
        else:
            grad.data += data


def _accumulate_tensor(leaf, g, given):
    """Add a graph-carrying gradient into ``leaf.grad`` (create_graph), with the same ownership rule."""
    if g.data.dtype.kind == "c":
        _refuse_complex_grad(leaf)
    if leaf.grad is not None:
        check_grad_slot(leaf.grad.data, g.data)
        leaf.grad = leaf.grad + g
        return
    if g.data.base is not None or id(g.data) in given:
        g = g * 1.0  # a new node with its own array: still differentiable, no longer shared
    given.add(id(g.data))
    leaf.grad = g


def _backward_in_anomaly_mode(fn, F, gy):
    """``fn``'s backward, with a NaN/Inf from an op inside it reported as ``fn``'s backward.

    A recorded backward is made of ops, and in anomaly mode each of those ops checks its
    own forward; without this, sqrt's backward at 0 would be blamed on a ``Div``.
    """
    try:
        return _call(fn, F, gy)
    except FloatingPointError as exc:
        where = "\nThe op was created at:\n" + fn._stack if getattr(fn, "_stack", None) else ""
        inner = str(exc).split("\n", 1)[0]
        raise FloatingPointError(
            f"detect_anomaly: {fn.name} backward produced NaN or Inf (inside it: {inner}).{where}"
        ) from exc
