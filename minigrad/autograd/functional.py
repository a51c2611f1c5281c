"""``minigrad.grad``: gradients of outputs with respect to chosen inputs, returned rather than stored."""
from __future__ import annotations

from minigrad import backend
from minigrad.autograd.backward_hooks import POST_ACCUMULATE, run_post_accumulate_hooks
from minigrad.autograd.engine import _accumulate_array, _accumulate_tensor, run_accumulate_grad_hooks, run_backward
from minigrad.autograd.coercion import _initial_grad
from minigrad.autograd.mode import STATE, enable_grad
from minigrad.autograd.tensor import Tensor, _view_without_graph_error
from minigrad.autograd.write_stamps import _NO_GRAD_VIEWS, drops_grad


def _as_list(x, name):
    if isinstance(x, Tensor):
        return [x], True
    items = list(x)
    if not all(isinstance(t, Tensor) for t in items):
        raise TypeError(f"grad: {name} must be a Tensor or a sequence of Tensors")
    return items, False


def _cotangents(name, given, outputs, label, what):
    """The gradients to start from, one per output (None: implied, 1 for a one-element output)."""
    if given is None:
        return [None] * len(outputs)
    given = [given] if isinstance(given, Tensor) else list(given)
    if len(given) != len(outputs):
        raise ValueError(f"{name}: {len(given)} {label} for {len(outputs)} {what}")
    return given


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``torch.autograd.backward``: ``Tensor.backward`` for several tensors at once, their gradients summed into
    the leaves' ``.grad``; with ``inputs``, only those tensors' ``.grad`` are written."""
    tensors, _ = _as_list(tensors, "tensors")
    grad_tensors = _cotangents("backward", grad_tensors, tensors, "grad_tensors", "tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs, _ = _as_list(inputs, "inputs")
        if not inputs:   # as torch: None means every leaf, an empty list would write no gradient at all
            raise RuntimeError("backward: the inputs argument cannot be empty; pass inputs=None for every leaf")
        for i, x in enumerate(inputs):   # checked here, so that the errors name backward, not grad
            if not x.requires_grad:
                raise RuntimeError(f"backward: inputs entry {i} (shape {tuple(x.shape)}) does not require grad")
        _check_tensors(tensors)
        seen = set()   # a tensor listed twice gets its gradient once, as torch's (it was added twice)
        inputs = [x for x in inputs if not (id(x) in seen or seen.add(id(x)))]
        seeds = [_initial_grad(t, g, "backward") for t, g in zip(tensors, grad_tensors)]
        retained = [x.retains_grad for x in inputs]   # read before the pass, which may free the graph
        grads = grad(tensors, inputs, seeds, retain_graph, create_graph, allow_unused=True)
        given = {id(g.data) for g in grad_tensors if isinstance(g, Tensor)}   # arrays no .grad may share
        for x, g, kept in zip(inputs, grads, retained):
            if g is None or kept:   # retain_grad()'s hook has already added it during the pass
                continue
            if x._hooks and x.creator is None:   # its AccumulateGrad node runs here, as torch's (grad skips it)
                g = _accumulate_grad_hooks_result(x, g, create_graph)
                if g is None:   # a prehook dropped it: nothing is added, the post-accumulate hooks still run
                    if POST_ACCUMULATE and id(x) in POST_ACCUMULATE:
                        run_post_accumulate_hooks(x, x._post_hooks)
                    continue
            if create_graph:
                _accumulate_tensor(x, g, given)
            else:
                _accumulate_array(x, g.data, given)
            if POST_ACCUMULATE and id(x) in POST_ACCUMULATE:
                run_post_accumulate_hooks(x, x._post_hooks)
        return
    _check_tensors(tensors)
    if STATE.backward_records_graph:
        create_graph = retain_graph = True
    seeds = [_initial_grad(t, g, "backward") for t, g in zip(tensors, grad_tensors)]
    run_backward(tensors, seeds, retain_graph or create_graph, create_graph)


def _accumulate_grad_hooks_result(leaf, g, create_graph):
    """``g`` after ``leaf``'s AccumulateGrad node hooks (None: dropped); a Tensor a prehook returned is copied on a
    first-order pass, as ``engine._run_hooks`` does: the hook's owner may hold it, and it would become ``.grad``."""
    new = run_accumulate_grad_hooks(leaf._hooks, g)
    if new is None or new is g or create_graph:
        return new
    return Tensor._make(new.data.copy(), None, 0)


def _check_tensors(tensors):
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"backward: tensor {i} (shape {t.shape}) does not require grad and has no graph")
        if _NO_GRAD_VIEWS and drops_grad(t):
            raise _view_without_graph_error(f"backward: tensor {i}", t)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``; ``.grad`` of leaves is left untouched.

    ``grad_outputs`` weight the outputs (default: 1 for one-element outputs).
    Returns a tuple with one Tensor per input (``None`` for an input the
    outputs do not depend on, when ``allow_unused``; zeros of its shape with
    ``materialize_grads``). With ``create_graph`` the returned gradients carry a
    graph and can be differentiated again. The arguments are torch's, in its
    order: ``only_inputs`` is accepted and ignored (deprecated in torch too).
    ``is_grads_batched=True``: each of ``grad_outputs`` has a leading batch dimension, and each result holds one
    gradient per batch entry along its first dimension, as torch's. torch computes them in one vmapped pass; here
    it is one backward per entry (through a graph kept until the last), stacked.
    """
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True needs allow_unused to be None or True, got False")
    allow_unused = bool(allow_unused) or bool(materialize_grads)
    outputs, _ = _as_list(outputs, "outputs")
    inputs, _ = _as_list(inputs, "inputs")
    grad_outputs = _cotangents("grad", grad_outputs, outputs, "grad_outputs", "outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {t.shape}) does not require grad and has no graph")
        if _NO_GRAD_VIEWS and drops_grad(t):
            raise _view_without_graph_error(f"grad: output {i}", t)
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
        if g is None and materialize_grads:
            results[pos] = _zeros_like(inputs[pos])
            # torch's zeros require grad under create_graph, as the gradients beside them do: a sum of them all
            # must still be differentiable (backward() on it), even where the outputs do not reach any input
            results[pos]._requires_grad = create_graph
    return tuple(results)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``grad`` once per row of the batched ``grad_outputs``, the rows' gradients stacked along a new first dim."""
    outputs, _ = _as_list(outputs, "outputs")
    if grad_outputs is None:
        raise RuntimeError("grad: is_grads_batched=True needs grad_outputs, each with the batch as its first dim")
    batched, _ = _as_list(grad_outputs, "grad_outputs")
    sizes = {tuple(g.shape)[:1] for g in batched if g is not None}
    if len(sizes) != 1 or () in sizes or any(g is not None and tuple(g.shape)[1:] != tuple(o.shape)
                                             for g, o in zip(batched, outputs)):
        raise RuntimeError("grad: is_grads_batched=True needs each grad_outputs entry to be (B, *output shape) with "
                           f"one B; got {[None if g is None else tuple(g.shape) for g in batched]} for outputs of "
                           f"shapes {[tuple(o.shape) for o in outputs]}")
    n = next(iter(sizes))[0]
    if n == 0:
        raise RuntimeError("grad: is_grads_batched=True got an empty batch (B = 0) of grad_outputs "
                           f"{[None if g is None else tuple(g.shape) for g in batched]}; there is no row to "
                           "differentiate with")
    keep = create_graph if retain_graph is None else retain_graph
    rows = [grad(outputs, inputs, [None if g is None else g[i] for g in batched],
                 retain_graph=True if i < n - 1 else keep, create_graph=create_graph, allow_unused=allow_unused,
                 materialize_grads=materialize_grads) for i in range(n)]
    return tuple(None if column[0] is None else _stacked(list(column)) for column in zip(*rows))


def _stacked(pieces):
    from minigrad import ops  # autograd sits below ops: the batched gradients' assembly needs their stack
    return ops.stack(pieces, axis=0)


# ---------------------------------------------------------------------------------------------------------
# torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp over the reverse-mode engine.
#
# Each function works on fresh leaves made from ``inputs`` (the caller's tensors and their graphs are left
# alone); with ``create_graph=True`` views of the inputs themselves are used, so the results stay
# differentiable with respect to them. Each records its own graph under an outer no_grad too (torch's run
# under enable_grad): without one there would be nothing to differentiate. Forward-mode products (jvp, hvp,
# jacobian(strategy="forward-mode")) use the double-vjp trick: g(u) = J^T u is linear in u, and its own vjp
# with v, d(v . g(u))/du, is J v: exact, two reverse passes, and it works for every op whose backward is
# recorded (docs/autodiff.md, section 14).


def _tensors(value, what, caller):
    """(list of Tensors, was_tuple) for a Tensor or a tuple/list of Tensors; TypeError naming ``what``."""
    if isinstance(value, Tensor):
        return [value], False
    if isinstance(value, (tuple, list)) and value and all(isinstance(t, Tensor) for t in value):
        return list(value), True
    kind = type(value).__name__
    if isinstance(value, (tuple, list)):
        kind = f"{kind} of " + ", ".join(type(t).__name__ for t in value) if value else f"empty {kind}"
    raise TypeError(f"{caller}: {what} must be a Tensor or a tuple of Tensors, got {kind}")


def _prepare_inputs(inputs, create_graph, caller):
    items, is_tuple = _tensors(inputs, "inputs", caller)
    prepared = []
    for i, t in enumerate(items):
        if t.dtype.kind != "f":
            raise TypeError(f"{caller}: input {i} has dtype {t.dtype}; only floating-point inputs can be "
                            "differentiated")
        if create_graph and t.requires_grad:
            # a view, a node of its own per position: a tensor given twice gets each position's partial
            # derivative, not their sum (a gradient with respect to the tensor itself adds up both uses)
            prepared.append(t.view_as(t))
        else:
            prepared.append(Tensor(t.data, requires_grad=True))
    return prepared, is_tuple


def _call(func, inputs, caller):
    out = func(*inputs)
    try:
        return _tensors(out, "the function's output", caller)
    except TypeError:
        raise TypeError(f"{caller}: the function must return a Tensor or a tuple of Tensors, "
                        f"got {type(out).__name__}") from None


def _check_v(v, like, what, caller):
    """``v`` as a list of Tensors matching ``like`` (the outputs or the inputs) in number, shape and dtype."""
    if v is None:
        if len(like) == 1 and like[0].size == 1:
            return [Tensor(backend.get_array_module(like[0].data).ones_like(like[0].data))]
        shapes = ", ".join(str(tuple(t.shape)) for t in like)
        raise ValueError(f"{caller}: v can be left out only when the {what} is a single one-element Tensor; "
                         f"give v with the {what}'s shape(s): {shapes}")
    vs, _ = _tensors(v, "v", caller)
    if len(vs) != len(like):
        raise ValueError(f"{caller}: v has {len(vs)} Tensor(s) but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        where = "v" if len(vs) == 1 else f"v[{i}]"
        target = f"the {what}" if len(like) == 1 else f"{what} {i}"
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"{caller}: {where} has shape {tuple(a.shape)} but {target} has shape "
                             f"{tuple(b.shape)}")
        if a.dtype != b.dtype:
            raise TypeError(f"{caller}: {where} has dtype {a.dtype} but {target} has dtype {b.dtype}")
        if a.device != b.device:
            raise ValueError(f"{caller}: {where} is on {a.device} but {target} is on {b.device}")
    return vs


def _zeros_like(t):
    return Tensor(backend.get_array_module(t.data).zeros_like(t.data))


def _grads(outputs, inputs, grad_outputs, create_graph, retain_graph=True):
    """Gradients of ``outputs`` (weighted by ``grad_outputs``) for every input; None where unreachable.

    Outputs that carry no graph (constants: their derivative is zero) are skipped.
    """
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return [None] * len(inputs)
    outs, seeds = zip(*pairs)
    return list(grad(list(outs), inputs, grad_outputs=list(seeds), retain_graph=retain_graph,
                     create_graph=create_graph, allow_unused=True))


def _check_used(results, inputs, strict, caller):
    """Raise for an input the function does not use (strict), else return zeros for it."""
    for i, g in enumerate(results):
        if g is None and strict:
            raise RuntimeError(
                f"{caller}: the function's output does not depend on input {i} (shape {tuple(inputs[i].shape)}): "
                "it is not used, or only through non-differentiable ops; pass strict=False to get zeros for it"
            )
    return [g if g is not None else _zeros_like(t) for g, t in zip(results, inputs)]


def _fill(results, like):
    return [g if g is not None else _zeros_like(t) for g, t in zip(results, like)]


def _finish(values, is_tuple, create_graph):
    values = [v if create_graph else v.detach() for v in values]
    return tuple(values) if is_tuple else values[0]


@enable_grad()
def vjp(func, inputs, v=None, create_graph=False, strict=True):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product, one reverse pass.

    ``v`` has the structure and shapes of the outputs (may be left out for a
    one-element output). The result has the structure of ``inputs``. Unlike
    PyTorch, ``strict`` defaults to True: an input the outputs do not depend on
    is an error; ``strict=False`` gives zeros for it.
    """
    xs, in_tuple = _prepare_inputs(inputs, create_graph, "vjp")
    outs, out_tuple = _call(func, xs, "vjp")
    vs = _check_v(v, outs, "output", "vjp")
    result = _check_used(_grads(outs, xs, vs, create_graph, retain_graph=create_graph), xs, strict, "vjp")
    return _finish(outs, out_tuple, create_graph), _finish(result, in_tuple, create_graph)


def _transposed_vjp(outs, xs):
    """``(us, g)``: dummy leaves u shaped like the outputs and g = J^T u per input, recorded (None: unused).

    An output without a graph (a constant, an integer result) gets no u (None): its J v is zero, and an integer
    dummy could not require grad. u is ones, not zeros: a backward that treats a zero gradient apart (logcumsumexp
    splits g by sign and records nothing for g = 0; xlogy's g ln b is 0 where g = 0) records J^T u linearly only
    away from u = 0, and at zeros the jvp of logcumsumexp was 0 everywhere.
    """
    us = [Tensor(backend.get_array_module(o.data).ones_like(o.data), requires_grad=True) if o.requires_grad
          else None for o in outs]
    live = [(o, u) for o, u in zip(outs, us) if u is not None]
    return us, _grads([o for o, _ in live], xs, [u for _, u in live], create_graph=True)


def _vjp_of(g, wrt, vs, create_graph):
    """``v^T dg/d(wrt)``: the vjp of recorded gradients g with v (None where g has no graph or wrt is None).

    With g = J^T u and wrt = u this is ``J v``, the double-vjp trick.
    """
    live = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi.requires_grad]
    targets = [w for w in wrt if w is not None]
    if not live or not targets:
        return [None] * len(wrt)
    found = iter(_grads([gi for gi, _ in live], targets, [vi for _, vi in live], create_graph))
    return [None if w is None else next(found) for w in wrt]


@enable_grad()
def jvp(func, inputs, v=None, create_graph=False, strict=True):
    """``(func(*inputs), J v)``: the Jacobian-vector product (a directional derivative).

    ``v`` has the structure and shapes of ``inputs`` (may be left out for a
    one-element input); the result has the structure of the outputs. Computed
    exactly by the double-vjp trick (two reverse passes, every op supported).
    ``strict`` as in :func:`vjp`.
    """
    xs, in_tuple = _prepare_inputs(inputs, create_graph, "jvp")
    outs, out_tuple = _call(func, xs, "jvp")
    vs = _check_v(v, xs, "input", "jvp")
    us, g = _transposed_vjp(outs, xs)
    if strict:
        _check_used(g, xs, True, "jvp")
    result = _fill(_vjp_of(g, us, vs, create_graph), outs)
    return _finish(outs, out_tuple, create_graph), _finish(result, out_tuple, create_graph)


def _one_hot(t, k):
    xp = backend.get_array_module(t.data)
    e = xp.zeros(t.data.size, dtype=t.data.dtype)
    e[k] = 1
    return Tensor(e.reshape(t.data.shape))


def _block(pieces, rows_like, cols_like, rows_first):
    """Stack per-element derivatives into one block of shape ``rows_like.shape + cols_like.shape``.

    ``pieces[k]`` belongs to element k of ``rows_like`` (shaped like ``cols_like``) when
    ``rows_first``, else to element k of ``cols_like`` (shaped like ``rows_like``).
    """
    from minigrad import ops  # autograd sits below ops; the Jacobian's assembly is the one place it needs them

    shape = tuple(rows_like.shape) + tuple(cols_like.shape)
    if not pieces:
        return Tensor(backend.get_array_module(rows_like.data).zeros(shape, dtype=cols_like.dtype))
    flat = [ops.reshape(p, (-1,)) for p in pieces]
    return ops.reshape(ops.stack(flat, axis=0 if rows_first else 1), shape)


def _jacobian_reverse(outs, xs, create_graph):
    """One vjp per output element: row k of J is e_k^T J."""
    blocks, used = [], [False] * len(xs)
    for o in outs:
        rows = [[] for _ in xs]
        for k in range(o.size):
            g = _grads([o], xs, [_one_hot(o, k)], create_graph)
            for j, gj in enumerate(g):
                used[j] = used[j] or gj is not None
                rows[j].append(gj if gj is not None else _zeros_like(xs[j]))
        blocks.append([_block(rows[j], o, x, True) for j, x in enumerate(xs)])
    return blocks, used


def _jacobian_forward(outs, xs, create_graph):
    """One jvp per input element (double vjp): column k of J is J e_k."""
    us, g = _transposed_vjp(outs, xs)
    columns = [[[] for _ in xs] for _ in outs]
    for j, x in enumerate(xs):
        for k in range(x.size):
            jv = _vjp_of([g[j]], us, [_one_hot(x, k)], create_graph) if g[j] is not None else [None] * len(outs)
            for i, column in enumerate(jv):
                columns[i][j].append(column if column is not None else _zeros_like(outs[i]))
    blocks = [[_block(columns[i][j], o, x, False) for j, x in enumerate(xs)] for i, o in enumerate(outs)]
    return blocks, [gj is not None for gj in g]


def _nest(blocks, out_tuple, in_tuple, create_graph):
    rows = [_finish(row, in_tuple, create_graph) for row in blocks]
    return tuple(rows) if out_tuple else rows[0]


@enable_grad()
def jacobian(func, inputs, create_graph=False, strict=True, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: block ``[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``.

    A single output and a single input give one Tensor; a tuple on either side
    gives a tuple (of tuples when both are tuples), as in PyTorch.
    ``strategy="reverse-mode"`` runs one vjp per output element,
    ``"forward-mode"`` one jvp (double vjp) per input element: pick the side
    with fewer elements. ``strict`` as in :func:`vjp`: an input that no output
    depends on is an error. ``vectorize`` is accepted for torch's signature: in torch it batches the passes
    (vmap), which changes the speed, not the values; minigrad always runs them one by one.
    """
    _check_strategy("jacobian", "strategy", strategy)
    xs, in_tuple = _prepare_inputs(inputs, create_graph, "jacobian")
    outs, out_tuple = _call(func, xs, "jacobian")
    run = _jacobian_reverse if strategy == "reverse-mode" else _jacobian_forward
    blocks, used = run(outs, xs, create_graph)
    if strict and sum(o.size for o in outs) > 0:
        _check_used([True if u else None for u in used], xs, True, "jacobian")
    return _nest(blocks, out_tuple, in_tuple, create_graph)


def _scalar_function(func, inputs, create_graph, caller):
    """Inputs as leaves, the one-element output, and its gradient per input recorded (None: unused)."""
    xs, in_tuple = _prepare_inputs(inputs, create_graph, caller)
    outs, out_tuple = _call(func, xs, caller)
    if out_tuple or outs[0].size != 1:
        shapes = ", ".join(str(tuple(o.shape)) for o in outs)
        raise ValueError(f"{caller}: the function must return a single one-element Tensor, "
                         f"got {'a tuple of ' if out_tuple else ''}shape {shapes}")
    (out,) = outs
    g = _grads([out], xs, [Tensor(backend.get_array_module(out.data).ones_like(out.data))], create_graph=True)
    return xs, in_tuple, out, g


def _check_strategy(caller, name, strategy):
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{caller}: {name} must be 'reverse-mode' or 'forward-mode', got {strategy!r}")


@enable_grad()
def hessian(func, inputs, create_graph=False, strict=True, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function with a one-element output.

    Block ``[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``; a single
    input gives one Tensor, a tuple of inputs a tuple of tuples. Row k
    of block i is the gradient of element k of the gradient of input i: one
    reverse pass over the recorded backward per input element. ``strict``: an
    input the function does not use is an error (one used only linearly has
    zero Hessian blocks, not an error). ``vectorize`` and ``outer_jacobian_strategy`` are torch's arguments, which
    choose how torch batches and orders its passes; the values are the same, so minigrad checks and ignores them.
    """
    _check_strategy("hessian", "outer_jacobian_strategy", outer_jacobian_strategy)
    xs, in_tuple, _, g = _scalar_function(func, inputs, create_graph, "hessian")
    if strict:
        _check_used(g, xs, True, "hessian")
    blocks = []
    for gi, xi in zip(g, xs):
        rows = [[] for _ in xs]
        for k in range(xi.size):
            second = (_grads([gi], xs, [_one_hot(gi, k)], create_graph) if gi is not None
                      else [None] * len(xs))
            for j, gij in enumerate(second):
                rows[j].append(gij if gij is not None else _zeros_like(xs[j]))
        blocks.append([_block(rows[j], xi, x, True) for j, x in enumerate(xs)])
    return _nest(blocks, in_tuple, in_tuple, create_graph)


@enable_grad()
def vhp(func, inputs, v=None, create_graph=False, strict=True):
    """``(func(*inputs), v^T H)`` for a function with a one-element output: two reverse passes.

    ``v`` has the structure and shapes of ``inputs``, and so has the result.
    """
    xs, in_tuple, out, g = _scalar_function(func, inputs, create_graph, "vhp")
    vs = _check_v(v, xs, "input", "vhp")
    if strict:
        _check_used(g, xs, True, "vhp")
    result = _fill(_vjp_of(g, xs, vs, create_graph), xs)
    return _finish([out], False, create_graph), _finish(result, in_tuple, create_graph)


@enable_grad()
def hvp(func, inputs, v=None, create_graph=False, strict=True):
    """``(func(*inputs), H v)`` for a function with a one-element output.

    ``H v`` is the jvp of the gradient, by the double-vjp trick (three reverse
    passes), so it does not rely on H being symmetric; for twice continuously
    differentiable functions it equals :func:`vhp`, which is cheaper.
    """
    xs, in_tuple, out, g = _scalar_function(func, inputs, create_graph, "hvp")
    vs = _check_v(v, xs, "input", "hvp")
    if strict:
        _check_used(g, xs, True, "hvp")
    live = [(gi, x) for gi, x in zip(g, xs) if gi is not None and gi.requires_grad]
    result = [None] * len(xs)
    if live:
        grads = [gi for gi, _ in live]
        us, h_t_u = _transposed_vjp(grads, xs)            # H^T u, recorded
        hv = _vjp_of(h_t_u, us, vs, create_graph)             # its vjp with v, taken in u: H v
        positions = [i for i, (gi, _) in enumerate(zip(g, xs)) if gi is not None and gi.requires_grad]
        for pos, value in zip(positions, hv):
            result[pos] = value
    return _finish([out], False, create_graph), _finish(_fill(result, xs), in_tuple, create_graph)
