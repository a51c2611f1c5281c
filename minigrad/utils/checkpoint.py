"""Activation checkpointing (``torch.utils.checkpoint``): trade compute for memory.

``checkpoint(function, *args)`` returns what ``function(*args)`` returns, but the activations made inside it are
not kept for the backward pass: the backward pass runs ``function`` again, with recording on, and differentiates
through that recomputation. Gradients are those of the plain call, bit for bit (the same ops run on the same
values; with ``preserve_rng_state`` dropout draws the same masks again).

How it is tied into the graph. A checkpointed call becomes one node, ``CheckpointNode``, whose inputs are the
tensors that enter the segment from outside and require grad: the arguments, and also the tensors ``function``
reaches without being given them (a module's parameters, a tensor captured by a closure), found as PyTorch's
non-reentrant checkpoint finds them, from the graph the call records. To see that graph the forward runs once
with recording on; the node keeps only the boundary tensors, so everything recorded inside is freed as soon as
the call returns (peak memory during the forward is one segment's activations, the same as the recomputation
needs in backward). A tensor "enters from outside" if it is a leaf or its creator was recorded before the call:
nodes remember the in-place write count when they were recorded, and the call starts by advancing that count,
so it marks where the segment begins.

Backward: each boundary tensor is made a leaf for the moment (creator and hooks put aside), ``function`` runs
again with the generator state of the first call, ``minigrad.grad`` gives the gradients of the recomputed
outputs with respect to the boundary tensors, and the node sends them on; the engine then delivers them as
usual, into ``.grad`` of parameters on ``backward()`` and to ``minigrad.grad``'s results when asked for.
Under ``create_graph=True`` the recomputation's backward is recorded, on the boundary tensors themselves, so
second derivatives through a checkpoint are exact (``gradgradcheck`` holds).
"""
from __future__ import annotations

from minigrad import random as _random
from minigrad.autograd.function import Function, NodeName
from minigrad.autograd.functional import grad as _grad
from minigrad.autograd.mode import STATE, enable_grad
from minigrad.autograd.tensor import Tensor
from minigrad.scalars import as_integer

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, context_fn=None,
               determinism_check="default", debug=False, **kwargs):
    """``function(*args, **kwargs)`` whose inner activations are recomputed in backward instead of kept.

    ``function`` returns a Tensor or a tuple/list of Tensors (other items pass through). Gradients reach the
    arguments and every tensor ``function`` uses that requires grad (parameters of a module called inside), in
    ``backward()`` and in ``minigrad.grad``. ``preserve_rng_state``: the recomputation draws the same random
    numbers as the first call (dropout masks). ``use_reentrant`` is accepted for PyTorch's signature; both values
    run this one implementation, which behaves as PyTorch's ``use_reentrant=False`` (gradients also flow when no
    argument requires grad, ``minigrad.grad`` works through it). Under ``no_grad`` the call simply runs.
    ``determinism_check="default"`` checks that the recomputed outputs have the first call's shapes and dtypes
    (``"none"``: no check); ``debug`` is accepted and changes nothing; ``context_fn`` is not supported.
    """
    if use_reentrant is not None and not isinstance(use_reentrant, bool):
        raise TypeError(f"checkpoint: use_reentrant must be None, True or False, got {use_reentrant!r}")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"checkpoint: determinism_check must be 'default' or 'none', got {determinism_check!r}")
    if context_fn is not None:
        raise NotImplementedError("checkpoint: context_fn (selective activation checkpointing) is not supported")
    if not callable(function):
        raise TypeError(f"checkpoint: function must be callable, got {type(function).__name__}")
    if not STATE.grad_enabled:
        return function(*args, **kwargs)
    rng_state = _random.get_rng_state() if preserve_rng_state else None
    STATE.writes += 1   # marks the segment's start: nodes recorded from now on have _writes >= start
    start = STATE.writes
    output = function(*args, **kwargs)
    items = list(output) if isinstance(output, (tuple, list)) else [output]
    inside = [i for i, o in enumerate(items) if isinstance(o, Tensor) and _recorded_since(o.creator, start)]
    if not inside:
        return output
    boundary = _boundary([items[i] for i in inside], start)
    node = CheckpointNode(function, args, kwargs, rng_state, inside, boundary)
    node._output_meta = [(items[i].data.shape, items[i].data.dtype) for i in inside]
    node.check_outputs = determinism_check == "default"
    for k, i in enumerate(inside):
        items[i] = Tensor._make(items[i].data, node, k)   # the recorded graph behind items[i] is dropped here
    if not isinstance(output, (tuple, list)):
        return items[0]
    return type(output)(*items) if hasattr(output, "_fields") else type(output)(items)   # a namedtuple too


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002 (torch's name)
    """Run ``functions`` (a Sequential or a list of callables) on ``input`` in ``segments`` chunks, each but the
    last checkpointed, as ``torch.utils.checkpoint.checkpoint_sequential``: only the chunks' outputs are kept.

    ``kwargs`` (``preserve_rng_state``) go to :func:`checkpoint`.
    """
    layers = list(functions.children()) if hasattr(functions, "children") else list(functions)
    value = as_integer(segments)
    if value is None or not 1 <= value <= max(len(layers), 1):
        raise ValueError(f"checkpoint_sequential: segments must be an int from 1 to the number of functions "
                         f"({len(layers)}), got {segments!r}")
    segments = value
    size = len(layers) // segments
    for begin in range(0, size * (segments - 1), size):
        input = checkpoint(_run_chunk(layers[begin:begin + size]), input, use_reentrant=use_reentrant, **kwargs)
    return _run_chunk(layers[size * (segments - 1):])(input)


def _run_chunk(layers):
    def run(x):
        for layer in layers:
            x = layer(x)
        return x
    return run


def _recorded_since(node, start):
    return node is not None and node._writes >= start


def _boundary(outputs, start):
    """The tensors that require grad and enter the graph recorded since ``start`` from outside it, each once."""
    boundary, seen_tensors, seen_nodes = [], set(), set()
    stack = [o.creator for o in outputs]
    while stack:
        fn = stack.pop()
        if fn in seen_nodes:
            continue
        seen_nodes.add(fn)
        for x in fn.inputs:
            if not x.requires_grad:
                continue
            if _recorded_since(x.creator, start):
                stack.append(x.creator)
            elif id(x) not in seen_tensors:
                seen_tensors.add(id(x))
                boundary.append(x)
    return boundary


class CheckpointNode(Function):
    """A checkpointed call in the graph: its inputs are the boundary tensors, its outputs the call's Tensors.

    d(out)/d(boundary) is that of the recomputed call: backward reruns ``function`` and differentiates it.
    """

    def __init__(self, function, args, kwargs, rng_state, positions, boundary):
        self.function, self.args, self.kwargs, self.rng_state = function, args, kwargs, rng_state
        self.positions = positions   # where the node's outputs sit among the call's outputs
        self.inputs = tuple(boundary)
        self.needs_input_grad = (True,) * len(boundary)
        self.n_outputs = len(positions)
        self._hooks = None
        self._writes = STATE.writes

    @property
    def name(self):
        return NodeName("CheckpointBackward")

    def backward(self, F, gy, *inputs):
        gys = gy if self.n_outputs > 1 else (gy,)
        recording = F.recording
        if not recording:
            gys = tuple(None if g is None else Tensor._make(g, None, 0) for g in gys)
        boundary = self.inputs
        saved = [(x.creator, x._out_index, x._hooks) for x in boundary]
        current_rng = _random.get_rng_state() if self.rng_state is not None else None
        try:
            for x in boundary:   # leaves for this pass: the inner grad stops at them and runs none of their hooks
                x.creator, x._out_index, x._hooks = None, 0, None
            if self.rng_state is not None:
                _random.set_rng_state(self.rng_state)
            with enable_grad():
                output = self.function(*self.args, **self.kwargs)
            outs = self._recomputed(output)
            pairs = [(o, g) for o, g in zip(outs, gys) if g is not None and o.requires_grad]
            if not pairs:
                return (None,) * len(boundary)
            grads = _grad([o for o, _ in pairs], list(boundary), [g for _, g in pairs], retain_graph=recording,
                          create_graph=recording, allow_unused=True)
        finally:
            for x, (creator, index, hooks) in zip(boundary, saved):
                x.creator, x._out_index, x._hooks = creator, index, hooks
            if current_rng is not None:
                _random.set_rng_state(current_rng)
        if recording:
            return tuple(grads)
        return tuple(None if g is None else g.data for g in grads)

    def _recomputed(self, output):
        """The recomputed Tensors at the node's output positions, checked against the first call's."""
        items = list(output) if isinstance(output, (tuple, list)) else [output]
        outs = [items[i] if i < len(items) else None for i in self.positions]
        for k, (o, (shape, dtype)) in enumerate(zip(outs, self._output_meta)):
            if not isinstance(o, Tensor) or (self.check_outputs and (o.shape != shape or o.dtype != dtype)):
                got = f"a {type(o).__name__}" if not isinstance(o, Tensor) else f"shape {o.shape}, dtype {o.dtype}"
                raise RuntimeError(f"checkpoint: the recomputation of output {self.positions[k]} gave {got}, but the "
                                   f"first call gave shape {shape}, dtype {dtype}; the checkpointed function must "
                                   "compute the same thing each time it runs")
        return outs
