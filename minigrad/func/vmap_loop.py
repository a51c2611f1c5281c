"""``vmap`` (``torch.func.vmap``'s signature and errors) by mapping: ``func`` is called once per batch entry.

PyTorch's vmap runs ``func`` once, on "batched tensors" whose every op has a batching rule that turns the
per-example op into one op over the whole batch. minigrad's ops have no batching rules, so here each batched
input is cut along its ``in_dim`` into B slices (one ``unbind``, one graph node), ``func`` runs on slice i of
every batched input (unbatched inputs passed whole) for i = 0..B-1 in a Python loop, and each output is the
``stack`` of the B per-slice outputs along its ``out_dim``. The values are those of the per-example calls
exactly, and the result is differentiable (unbind and stack are ops with backward passes), so ``vmap``
composes with ``grad``, ``jacrev``, ``vjp`` and itself; the cost is B calls of ``func`` instead of one call
on the batch.

What follows from the loop, where it differs from PyTorch:

* ``func`` may do anything per example (``.item()``, data-dependent Python control flow), which PyTorch's
  vmap refuses; outputs must still have one shape across the batch to be stacked.
* A batch of size 0 is refused: with no call of ``func`` the outputs' shapes are unknown.
* ``out_dims=None`` for a Tensor output is accepted when every batch entry gave the same values (PyTorch
  asks whether the output depends on a batched input; here an output that depends on one but happens to be
  equal across the batch passes).
* ``randomness='error'`` notices a draw from minigrad's generator (the generator's state moved during a
  call), after the call rather than at the draw; draws from an explicit ``minigrad.Generator`` passed as
  ``generator=`` are not noticed. ``'same'`` restores the generator's state before every call, so each entry
  draws the same numbers and the generator ends where one call left it; ``'different'`` lets the calls draw in
  turn.
* ``chunk_size`` is validated and otherwise changes nothing (the loop already runs one entry at a time).
* A dict in ``in_dims``/``out_dims`` is matched with its dict by key (PyTorch 2.13 pairs them by position).
"""
from __future__ import annotations

import functools

from minigrad import backend
from minigrad import random as _random
from minigrad.autograd.tensor import Tensor
from minigrad.func.pytree import LEAF, broadcast_prefix, spec_str, tree_flatten, tree_unflatten
from minigrad.ops.shape import stack

RANDOMNESS = ("error", "different", "same")


def _name(func):
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _is_dim(d):
    return isinstance(d, int) and not isinstance(d, bool)


def _check_out_dims(out_dims, name):
    leaves, _ = tree_flatten(out_dims)
    if not all(d is None or _is_dim(d) for d in leaves):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a python "
                         "collection of ints representing where in the outputs the vmapped dimension should appear.")


def _batched_inputs(in_dims, args, name):
    """(batch size, flat in_dims normalized, flat args, args spec), with torch's checks and messages."""
    if not (_is_dim(in_dims) or isinstance(in_dims, tuple)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         "(potentially nested) tuple matching the structure of inputs, got: "
                         f"{type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                         "trying to vmap over a function with no inputs. The latter is unsupported.")
    flat_args, spec = tree_flatten(args)
    flat_dims = broadcast_prefix(in_dims, spec)
    if flat_dims is None:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has structure {spec_str(tree_flatten(in_dims)[1])} but "
                         f"inputs has structure {spec_str(spec)}.")
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    for i, (arg, d) in enumerate(zip(flat_args, flat_dims)):
        if d is None:
            continue
        if not _is_dim(d):
            raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either an integer dimension "
                             "or None.")
        if not isinstance(arg, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(arg)}. We "
                             "cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -arg.ndim <= d < arg.ndim:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                             f"dimensionality {arg.ndim} so expected in_dim to satisfy -{arg.ndim} <= in_dim < "
                             f"{arg.ndim}.")
        flat_dims[i] = d % arg.ndim
    sizes = [arg.shape[d] for arg, d in zip(flat_args, flat_dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    if sizes[0] == 0:
        raise ValueError(f"{where}: the mapped dimension has size 0; minigrad's vmap calls {name} once per batch "
                         "entry, so with no entry the outputs' shapes are unknown (PyTorch returns empty outputs)")
    return sizes[0], flat_dims, flat_args, spec


class _Randomness:
    """Watches (mode 'error') or resets (mode 'same') minigrad's generator around each call of func."""

    def __init__(self, mode):
        self.mode = mode
        self.start = _random.get_rng_state() if mode == "same" else None

    def before(self):
        if self.mode == "same":
            _random.set_rng_state(self.start)
        self.generator = _random.get_generator()
        self.state = self.generator.bit_generator.state if self.mode == "error" else None

    def after(self):
        if self.mode == "error" and (_random.get_generator() is not self.generator
                                     or self.generator.bit_generator.state != self.state):
            self.generator.bit_generator.state = self.state   # the refused call draws nothing
            raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                               "'same' or 'different' randomness flags on vmap or perform the randomness operation "
                               "out of vmap")


def _equal(a, b):
    if a is b:
        return True
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    xp = backend.get_array_module(a.data)
    return bool(xp.array_equal(a.data, b.data, equal_nan=a.dtype.kind in "fc"))


def _join(name, out_dims, per_entry):
    """The B per-entry outputs (pytrees) joined as vmap's output: Tensors stacked along their out_dim."""
    flats = [tree_flatten(out) for out in per_entry]
    leaves0, spec = flats[0]
    for i, (_, s) in enumerate(flats[1:], 1):
        if s != spec:
            raise ValueError(f"vmap({name}, ...): `{name}` returned outputs of different structures across the "
                             f"batch: {spec_str(spec)} for batch entry 0, {spec_str(s)} for batch entry {i}")
    if spec == LEAF:   # a single output: torch reads out_dims=(d,) as d
        dims = [out_dims[0]] if isinstance(out_dims, tuple) and len(out_dims) == 1 else [out_dims]
        if not (dims[0] is None or _is_dim(dims[0])):
            dims = None
    else:
        dims = broadcast_prefix(out_dims, spec)
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {spec_str(tree_flatten(out_dims)[1])} but "
                         f"outputs has structure {spec_str(spec)}.")
    joined = []
    for k, d in enumerate(dims):
        column = [leaves[k] for leaves, _ in flats]
        first = column[0]
        if d is None:
            if isinstance(first, Tensor) and not all(isinstance(c, Tensor) and _equal(first, c) for c in column):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None "
                                 f"(output {k} differs across the batch)")
            joined.append(first)
            continue
        if not isinstance(first, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(first)}. Did "
                             "you mean to set out_dims= to None for output?")
        for i, c in enumerate(column):
            if not isinstance(c, Tensor) or c.shape != first.shape:
                got = f"shape {tuple(c.shape)}" if isinstance(c, Tensor) else f"a {type(c).__name__}"
                raise ValueError(f"vmap({name}, ...): output {k} of `{name}` must have one shape across the batch "
                                 f"to be stacked: shape {tuple(first.shape)} for batch entry 0, {got} for batch "
                                 f"entry {i}")
        n = first.ndim + 1
        if not -n <= d < n:
            raise IndexError(f"vmap({name}, ..., out_dims={out_dims}): Dimension out of range (expected to be in "
                             f"range of [{-n}, {n - 1}], but got {d}) for output {k} of per-entry shape "
                             f"{tuple(first.shape)}")
        joined.append(stack(column, dim=d))
    return tree_unflatten(spec, joined)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a batch dimension of its inputs (``torch.func.vmap``), by calling it once per batch
    entry and stacking the results (see this module's docstring for what that costs and changes).

    ``in_dims``: where each positional argument's batch dimension is, an int (every argument), or a tuple with
    one entry per argument, each an int, None (passed whole to every call) or a pytree matching that argument
    (tuples, lists, dicts; an int or None stands for a whole subtree); negative dims count from the end.
    Keyword arguments are never batched. ``out_dims``: where the batch dimension goes in each output, the same
    way; None leaves an output unstacked (allowed for a Tensor equal across the batch and for non-Tensors).
    Shapes: an input of shape ``s`` with ``s[in_dim] = B`` reaches ``func`` with that dim removed; an output of
    per-entry shape ``o`` comes back with B inserted at ``out_dim``. Derivatives: those of the per-entry calls
    (unbind and stack pass gradients slice by slice)."""
    if randomness not in RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if not (chunk_size is None or (_is_dim(chunk_size) and chunk_size > 0)):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        name = _name(func)
        _check_out_dims(out_dims, name)
        size, flat_dims, flat_args, spec = _batched_inputs(in_dims, args, name)
        slices = [arg.unbind(d) if d is not None else None for arg, d in zip(flat_args, flat_dims)]
        watch = _Randomness(randomness)
        per_entry = []
        for i in range(size):
            entry_args = tree_unflatten(spec, [arg if s is None else s[i] for arg, s in zip(flat_args, slices)])
            watch.before()
            per_entry.append(func(*entry_args, **kwargs))
            watch.after()
        return _join(name, out_dims, per_entry)
    return wrapped
