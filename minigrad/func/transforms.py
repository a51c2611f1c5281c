"""``torch.func``'s transforms over minigrad's reverse-mode engine: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``linearize``, ``jacrev``, ``jacfwd`` and ``hessian``.

Each takes a function and returns one (``vjp``, ``jvp`` and ``linearize`` evaluate at once, as in PyTorch). The
arguments being differentiated (``argnums``) may be Tensors or tuples/lists/dicts of Tensors (a dict of
parameters for ``functional_call``); gradients and Jacobians come back in the same structure. They compose
(``grad(grad(f))``, ``jacrev(jacrev(f))``): an argument that already requires grad, because an outer transform
is differentiating, is differentiated in place with the backward pass recorded, so the outer transform sees
the result's dependence on it. ``jvp``, ``linearize``, ``jacrev``, ``jacfwd`` and ``hessian`` are the steps of
``minigrad.autograd.functional``'s ``jvp`` and ``jacobian`` (forward mode there is the double-vjp trick, exact),
with these signatures. They differentiate under the caller's ``no_grad`` too (their results then carry no graph),
as torch.func's. Nothing here writes ``.grad``.

``vmap`` is in ``vmap_loop``: minigrad has no batching rules for its ops, so it calls the function once per batch
entry; these transforms compose with it both ways (``vmap(grad(f))`` gives per-sample gradients).
"""
from __future__ import annotations

import weakref
from contextlib import contextmanager

from minigrad.autograd import functional as _functional
from minigrad.autograd.functional import grad as _engine_grad
from minigrad.autograd.mode import STATE, inference_mode
from minigrad.autograd.tensor import Tensor
from minigrad.func.pytree import flatten, spec_str, tree_flatten
from minigrad.func.vmap_loop import RANDOMNESS, _is_dim


def _record():
    """Recording on: torch.func's transforms differentiate under the caller's no_grad and inference_mode too
    (enable_grad alone records nothing inside inference_mode)."""
    return inference_mode(False)


def _records():
    """Whether the caller's ops record (torch's reported grad mode is True under inference_mode's enable_grad)."""
    return STATE.grad_enabled


def _argnums(argnums, n_args, caller):
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, tuple) or not nums or not all(isinstance(i, int) and not isinstance(i, bool)
                                                        for i in nums):
        raise TypeError(f"{caller}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    for i in nums:
        if not -n_args <= i < n_args:
            raise ValueError(f"{caller}: argnums {i} is out of range for a function called with {n_args} "
                             "positional argument(s)")
    nums = tuple(i % n_args for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{caller}: argnums must not repeat an argument, got {argnums!r}")
    return nums, single


def _differentiable(x):
    """``x`` as a tensor to differentiate: itself (a differentiable view) if an outer transform already
    differentiates it, else a fresh leaf. Returns (tensor, recorded)."""
    if x.dtype.kind != "f":
        raise TypeError(f"only floating-point Tensors can be differentiated; got dtype {x.dtype}")
    if x.requires_grad:
        return x.view_as(x) if hasattr(x, "view_as") else x * 1, True
    return Tensor(x.data, requires_grad=True), False


def _prepare(args, argnums, caller):
    """Arguments with the differentiated ones replaced: (new args, per-argnum (leaves, rebuild), recorded)."""
    args = list(args)
    parts, recorded = [], False
    for i in argnums:
        leaves, rebuild = flatten(args[i], f"argument {i}", caller)
        fresh = []
        for x in leaves:
            try:
                t, was = _differentiable(x)
            except TypeError as exc:
                raise TypeError(f"{caller}: argument {i}: {exc}") from None
            fresh.append(t)
            recorded = recorded or was
        args[i] = rebuild(fresh)
        parts.append((fresh, rebuild))
    return args, parts, recorded


# The leaves transforms made for themselves (fresh copies of their arguments, the double-vjp's dummies u), by id.
# While a transform's function runs, its leaves are an outer transform's to the transforms nested in that call;
# afterwards they are nobody's: a product kept differentiable in a tangent reaches them, and must not make the
# transform differentiating that tangent keep its results attached (torch.func's come back plain there).
_OWN = weakref.WeakValueDictionary()
_RUNNING = []   # one set of leaf ids per transform whose function is running


def _own(leaves):
    for x in leaves:
        _OWN[id(x)] = x
    return leaves


@contextmanager
def _running(leaves):
    """While the transform's function runs: ``leaves`` are the transform's own (``_own``), and outer leaves are told
    from them."""
    _own(leaves)
    _RUNNING.append({id(x) for x in leaves})
    try:
        yield
    finally:
        _RUNNING.pop()


def _outer_leaf(x, fresh):
    """Whether the leaf ``x`` belongs outside the transform whose own leaves are ``fresh`` (ids)."""
    if id(x) in fresh:
        return False
    return _OWN.get(id(x)) is not x or any(id(x) in ids for ids in _RUNNING)


def _reaches_outer(outputs, leaves):
    """Whether the graph of ``outputs`` reaches a tensor requiring grad other than ``leaves`` (the fresh leaves
    a transform made): a tensor the function closes over (a model's weights), or an argument an outer transform
    differentiates. Then the results are computed recorded and kept attached, so that a later backward reaches
    that tensor through them, as torch.func's do."""
    fresh = {id(x) for x in leaves}
    seen, stack = set(), []
    for o in outputs:
        if not o.requires_grad:
            continue
        if o.creator is None:
            if _outer_leaf(o, fresh):
                return True
        elif id(o.creator) not in seen:
            seen.add(id(o.creator))
            stack.append(o.creator)
    while stack:
        fn = stack.pop()
        for x in fn.inputs or ():   # a freed node (inputs None) was already differentiated: nothing to reach
            if x.creator is None:
                if x.requires_grad and _outer_leaf(x, fresh):
                    return True
            elif id(x.creator) not in seen:
                seen.add(id(x.creator))
                stack.append(x.creator)
    return False


@contextmanager
def _differentiated():
    """Recording on for a transform's own work, yielding ``outer``, the caller's grad mode: a transform
    differentiates under the caller's no_grad too, as torch.func's do (or there would be nothing to differentiate),
    and under it the results come back detached."""
    outer = _records()
    with _record():
        yield outer


def _differentiating(body):
    """``body(outer, args, kwargs)`` as a function of ``(*args, **kwargs)``, run in ``_differentiated``."""
    def wrapper(*args, **kwargs):
        with _differentiated() as outer:
            return body(outer, args, kwargs)
    return wrapper


def _per_argument(grads, leaves, parts):
    """The flat gradients of ``leaves`` (None, for a leaf the output does not reach: zeros) as one tree per
    differentiated argument, each rebuilt in its structure by its ``parts`` entry (``_prepare``'s)."""
    grads = [g if g is not None else _functional._zeros_like(x) for g, x in zip(grads, leaves)]
    results, at = [], 0
    for fresh, rebuild in parts:
        results.append(rebuild(grads[at:at + len(fresh)]))
        at += len(fresh)
    return results


def _split_aux(result, has_aux, caller):
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(f"{caller}(f)(*args): output of function f should be a tuple: (output, aux) if has_aux "
                        "is True")
    return result[0], result[1]


def _detached(tree, recorded):
    if recorded or tree is None:
        return tree
    if isinstance(tree, Tensor):
        return tree.detach()
    leaves, rebuild = flatten(tree, "value", "detach")
    return rebuild([t.detach() for t in leaves])


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning ``(gradient of func's one-element output w.r.t. args[argnums], that output)``
    (with ``has_aux``: ``(gradient, (output, aux))``). The gradient has the structure of the argument, a tuple
    of them for a tuple ``argnums``."""
    @_differentiating
    def wrapper(outer, args, kwargs):
        nums, single = _argnums(argnums, len(args), "grad_and_value")
        new_args, parts, recorded = _prepare(args, nums, "grad_and_value")
        leaves = [t for fresh, _ in parts for t in fresh]
        with _running(leaves):
            output, aux = _split_aux(func(*new_args, **kwargs), has_aux, "grad_and_value")
        if not isinstance(output, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                               f"{type(output).__name__}")
        if output.size != 1 or output.ndim != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {output.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        recorded = outer and (recorded or _reaches_outer([output], leaves))
        if output.requires_grad:
            grads = _engine_grad(output, leaves, retain_graph=recorded, create_graph=recorded, allow_unused=True)
        else:
            grads = (None,) * len(leaves)
        results = _per_argument(grads, leaves, parts)
        gradient = results[0] if single else tuple(results)
        value = _detached(output, recorded)
        return gradient, ((value, _kept_aux(aux, recorded, outer, leaves)) if has_aux else value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of ``func``'s one-element output with respect to ``args[argnums]``
    (``torch.func.grad``; with ``has_aux``: ``(gradient, aux)``)."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        gradient, value = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns one vector-Jacobian product per primal, as a
    tuple (``torch.func.vjp``). ``cotangents`` have the structure and shapes of the output; ``vjp_fn`` may be
    called more than once. With ``has_aux``: ``(output, vjp_fn, aux)``."""
    with _differentiated() as outer:
        new_args, parts, recorded = _prepare(primals, tuple(range(len(primals))), "vjp")
        leaves = [t for fresh, _ in parts for t in fresh]
        with _running(leaves):
            output, aux = _split_aux(func(*new_args), has_aux, "vjp")
    outs, _ = flatten(output, "the function's output", "vjp")
    out_spec = tree_flatten(output)[1]
    recorded = outer and (recorded or _reaches_outer(outs, leaves))

    def vjp_fn(cotangents):
        cots, _ = flatten(cotangents, "cotangents", "vjp_fn")
        if len(cots) != len(outs):
            raise ValueError(f"vjp_fn: expected {len(outs)} cotangent Tensor(s), one per output, got {len(cots)}")
        if tree_flatten(cotangents)[1] != out_spec:   # by position alone, dict keys in another order would pair
            raise RuntimeError("vjp_fn: Expected pytree structure of cotangents to be the same as pytree structure "
                               f"of outputs to the function. cotangents: {spec_str(tree_flatten(cotangents)[1])}, "
                               f"primal output: {spec_str(out_spec)}")
        for k, (c, o) in enumerate(zip(cots, outs)):
            if tuple(c.shape) != tuple(o.shape):
                raise ValueError(f"vjp_fn: cotangent {k} has shape {tuple(c.shape)} but output {k} has shape "
                                 f"{tuple(o.shape)}")
            if o.requires_grad and c.dtype != o.dtype:   # here, so that the error names the cotangent
                raise TypeError(f"vjp_fn: cotangent {k} has dtype {c.dtype} but output {k} has dtype {o.dtype}")
        live = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        grads = (None,) * len(leaves)
        if live:
            create = _records() and (recorded or any(c.requires_grad for _, c in live))
            with _record():
                grads = _engine_grad([o for o, _ in live], leaves, [c for _, c in live], retain_graph=True,
                                     create_graph=create, allow_unused=True)
        return tuple(_per_argument(grads, leaves, parts))

    value = _detached(output, recorded)
    return (value, vjp_fn, _kept_aux(aux, recorded, outer, leaves)) if has_aux else (value, vjp_fn)


def _metadata(flat_primals):
    return [(tuple(p.shape), p.dtype, p.device) for p in flat_primals]


def _check_tangents(flat_tangents, metadata, caller):
    """Tangent k must have primal k's shape, dtype and device: minigrad does not cast a tangent silently."""
    for k, (v, expected) in enumerate(zip(flat_tangents, metadata)):
        for what, a, b in zip(("shape", "dtype", "device"), (tuple(v.shape), v.dtype, v.device), expected):
            if a != b:
                raise (TypeError if what == "dtype" else ValueError)(
                    f"{caller}: tangent {k} has {what} {a} but primal {k} has {what} {b}")


def _linearized(func, primals, has_aux, caller):
    """``func`` run once at ``primals`` with its transposed vjp ``g(u) = J^T u`` recorded, for the double-vjp
    trick: (output tree, aux, recorded, product) where ``product(flat tangents)`` gives the flat ``J v``,
    one more reverse pass through the kept graph each call."""
    flat, rebuild_primals = flatten(primals, "primals", caller)
    if not flat:
        raise RuntimeError(f"{caller}: Expected primals to contain at least one Tensor")
    for k, p in enumerate(flat):   # checked here, so that the error names the primal
        if p.dtype.kind != "f":
            raise TypeError(f"{caller}: primal {k} has dtype {p.dtype}; only floating-point primals can be "
                            "differentiated")
    with _differentiated() as outer:
        xs, _ = _functional._prepare_inputs(tuple(flat), True, caller)   # a view of a primal requiring grad
        fresh = [x for x in xs if x.creator is None]
        with _running(fresh):
            output, aux = _split_aux(func(*rebuild_primals(xs)), has_aux, caller)
        outs, rebuild = flatten(output, "the function's output", caller)
        us, g = _functional._transposed_vjp(outs, xs)
        _own([u for u in us if u is not None])
    # recorded: an outer transform differentiates a primal, or the function closes over a tensor requiring grad
    recorded = outer and (len(fresh) < len(xs) or _reaches_outer(outs, fresh))

    def product(flat_tangents):
        # d(J v)/dv is J: kept for tangents that require grad, unless the caller runs under no_grad
        create = _records() and (recorded or any(v.requires_grad for v in flat_tangents))
        with _record():
            jv = _functional._fill(_functional._vjp_of(g, us, list(flat_tangents), create), outs)
        return rebuild(_functional._finish(jv, True, create))

    return _detached(output, recorded), _kept_aux(aux, recorded, outer, fresh), recorded, product, flat


def _kept_aux(aux, recorded, outer, fresh):
    """``aux`` as returned: attached where the outputs are, or where it reaches a tensor from outside on its own
    (``w * 3`` for a closed-over ``w``), as torch.func's."""
    if recorded or aux is None or not outer:
        return _detached_aux(aux, recorded)
    try:
        tensors = flatten(aux, "aux", "aux")[0]
    except TypeError:   # aux holds more than Tensors: returned as it is (see _detached_aux)
        return aux
    return _detached_aux(aux, _reaches_outer(tensors, fresh))


def jvp(func, primals, tangents, *, has_aux=False):
    """``(func(*primals), J @ tangents)`` (``torch.func.jvp``): ``primals`` and ``tangents`` are tuples of the same
    structure (Tensors, or tuples/lists/dicts of them) and shapes; the product has the structure of the output.
    The double-vjp trick of ``minigrad.autograd.functional.jvp`` (exact) over the flattened arguments. The product
    stays differentiable in tangents that require grad and, as the output, in tensors the function closes over."""
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise TypeError(f"jvp(f, primals, tangents): Expected {name} to be a tuple. E.g. it should be valid "
                            "to call f(*primals).")
    if len(primals) != len(tangents):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same number of "
                           f"Tensors, got {len(primals)} and {len(tangents)}")
    if tree_flatten(primals)[1] != tree_flatten(tangents)[1]:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure, got {spec_str(tree_flatten(primals)[1])} and "
                           f"{spec_str(tree_flatten(tangents)[1])}")
    flat_tangents, _ = flatten(tangents, "tangents", "jvp")
    _check_tangents(flat_tangents, _metadata(flatten(primals, "primals", "jvp")[0]), "jvp")
    output, aux, _, product, _ = _linearized(func, primals, has_aux, "jvp")
    return (output, product(flat_tangents), aux) if has_aux else (output, product(flat_tangents))


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)`` (``torch.func.linearize``): ``jvp_fn(*tangents)``, tangents with the
    structure, shapes and dtypes of ``primals``, returns ``J @ tangents`` at ``primals`` in the output's structure.
    ``func`` runs once and its transposed vjp is recorded once (the double-vjp trick of :func:`jvp`); each call
    of ``jvp_fn`` is one reverse pass through that kept graph, so repeated products skip the forward pass."""
    output, _, _, product, flat = _linearized(func, primals, False, "linearize")
    spec, metadata = tree_flatten(primals)[1], _metadata(flat)   # the primals' values live on in the graph only

    def jvp_fn(*tangents):
        if tree_flatten(tangents)[1] != spec:
            raise RuntimeError(f"linearize: jvp_fn expected tangents with the structure of the primals, "
                               f"{spec_str(spec)}, got {spec_str(tree_flatten(tangents)[1])}")
        flat_tangents, _ = flatten(tangents, "tangents", "linearize: jvp_fn")
        _check_tangents(flat_tangents, metadata, "linearize: jvp_fn")
        return product(flat_tangents)

    return output, jvp_fn


def _jacobian(func, argnums, has_aux, strategy, caller):
    @_differentiating
    def wrapper(outer, args, kwargs):
        nums, single = _argnums(argnums, len(args), caller)
        trees = [flatten(args[i], f"argument {i}", caller) for i in nums]
        for i, (leaves, _) in zip(nums, trees):   # checked here, so that the error names the argument
            bad = [x.dtype for x in leaves if x.dtype.kind != "f"]
            if bad:
                raise TypeError(f"{caller}: argument {i}: only floating-point Tensors can be differentiated; got "
                                f"dtype {bad[0]}")
        flat = [x for leaves, _ in trees for x in leaves]
        aux_box, out_box = [], []

        def on_flat(*xs):
            new_args, at = list(args), 0
            for i, (leaves, rebuild) in zip(nums, trees):
                new_args[i] = rebuild(xs[at:at + len(leaves)])
                at += len(leaves)
            output, aux = _split_aux(func(*new_args, **kwargs), has_aux, caller)
            aux_box.append(aux)
            outs, rebuild = flatten(output, "the function's output", caller)
            out_box.append(rebuild)
            return tuple(outs)

        recorded = any(x.requires_grad for x in flat)
        # functional.jacobian's steps, with create_graph decided once the output is known: a function closing
        # over a tensor that requires grad gives a Jacobian that stays differentiable in it (torch.func's)
        xs, _ = _functional._prepare_inputs(tuple(flat), recorded, caller)
        fresh = [x for x in xs if x.creator is None]   # the others are views of arguments requiring grad
        with _running(fresh):
            outs, _ = _functional._call(on_flat, xs, caller)
        recorded = outer and (recorded or _reaches_outer(outs, fresh))
        run = _functional._jacobian_reverse if strategy == "reverse-mode" else _functional._jacobian_forward
        blocks, _ = run(outs, xs, recorded)
        rows = _functional._nest(blocks, True, True, recorded)   # per flat output, a tuple over the flat inputs
        # each output's blocks in the arguments' structure, put in the output's structure (tuple, list, dict)
        result = out_box[0]([_regroup(row, trees, single) for row in rows])
        return (result, _kept_aux(aux_box[0], recorded, outer, fresh)) if has_aux else result
    return wrapper


def _regroup(row, trees, single):
    """One output's Jacobian blocks (one per flat input) rebuilt into the arguments' structures."""
    groups, at = [], 0
    for leaves, rebuild in trees:
        groups.append(rebuild(list(row[at:at + len(leaves)])))
        at += len(leaves)
    return groups[0] if single else tuple(groups)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """A function returning the Jacobian of ``func`` w.r.t. ``args[argnums]`` (``torch.func.jacrev``): for an
    output ``y`` and argument ``x``, a Tensor of shape ``y.shape + x.shape``; tuples for tuple outputs (outer)
    and tuple ``argnums`` (inner). One reverse pass per output element. ``chunk_size`` (how many rows torch
    vmaps at once) is checked and changes nothing: the passes here run one by one."""
    if not (chunk_size is None or (_is_dim(chunk_size) and chunk_size > 0)):
        raise ValueError(f"jacrev: chunk_size should be None or greater than 0. (got {chunk_size})")
    return _jacobian(func, argnums, has_aux, "reverse-mode", "jacrev")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """As :func:`jacrev` (``torch.func.jacfwd``), one forward-mode product (double vjp) per input element.
    ``randomness`` (torch's vmap over the tangents) is checked and changes nothing: there is no vmap here, so
    the function runs once and its random draws are the same for every column."""
    if randomness not in RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    return _jacobian(func, argnums, has_aux, "forward-mode", "jacfwd")


def hessian(func, argnums=0):
    """A function returning the Hessian of ``func`` w.r.t. ``args[argnums]``, ``jacfwd(jacrev(func))`` as
    ``torch.func.hessian``: shape ``y.shape + x.shape + x.shape``."""
    return jacfwd(jacrev(func, argnums), argnums)


def _detached_aux(aux, recorded):
    if recorded or aux is None:
        return aux
    try:
        return _detached(aux, recorded)
    except TypeError:   # aux may hold anything; only Tensors are detached
        return aux
