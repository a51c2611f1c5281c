"""Module backward hooks, as ``torch.nn.Module.register_full_backward_hook`` and ``..._pre_hook``.

A layer with such hooks runs its inputs and its outputs through two identity nodes. When the engine reaches
the output node, it holds the gradients of the layer's outputs (``grad_output``): the pre-hooks see them and
may replace them. When it reaches the input node, it holds the gradients of the layer's inputs
(``grad_input``): the hooks see both and may replace ``grad_input``. As in PyTorch, ``grad_input`` has one entry
per positional argument: the gradient of a Tensor that requires grad, zeros for one that does not, None for
anything else; ``grad_output`` has None for an output no gradient reached and for one that needs no gradient
(which is not routed, so it stays so). A layer whose inputs need no gradient calls its hooks from the output node,
with ``grad_input`` all None. grad_output is spent once the hooks ran: a pass that reaches the input node without
the output node (a double backward) runs no hook.

Hooks see Tensors (on a first-order pass, constants wrapping the arrays) and return None or a tuple of the
same length.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.autograd.tensor import Tensor


# Global hooks (``register_module_full_backward_hook`` / ``..._pre_hook`` in layer_forward_hooks.py): every layer's,
# run before the layer's own, as torch's.
_global_backward_hooks: list = []
_global_backward_pre_hooks: list = []


class _HookState:
    """What the two nodes of one call share: the layer, its hooks, and grad_output once known; the positions of
    the routed arguments, and the (shape, dtype) of each positional Tensor argument (None for anything else)."""

    def __init__(self, layer, positions, args):
        self.layer, self.positions, self.grad_output = layer, positions, None
        # The hooks of the call, global ones first, read now as torch's: one removed before the backward still
        # runs (``with layer.register_full_backward_hook(f): out = layer(x)``, then ``out.backward()``), and one
        # added after the forward does not.
        self.pre_hooks = (*_global_backward_pre_hooks, *(layer._backward_pre_hooks or ()))
        self.hooks = (*_global_backward_hooks, *(layer._backward_hooks or ()))
        self.out_positions, self.n_outputs = (0,), 1   # which outputs are routed Tensors (route_outputs)
        self.n_inputs = len(positions)
        self.tensors = [(a.shape, a.dtype) if isinstance(a, Tensor) else None for a in args]

    def grad_input(self, routed):
        """One entry per positional argument, as torch's: the routed gradients, zeros, or None."""
        xp = get_array_module(routed[0].data)
        out = [None if meta is None else Tensor(xp.zeros(meta[0], dtype=meta[1])) for meta in self.tensors]
        for i, g in zip(self.positions, routed):
            out[i] = g
        return tuple(out)


class BackwardHookOutputs(Function):
    """The identity on the layer's outputs; its backward records (and lets the pre-hooks replace) grad_output."""

    # An output no gradient reached is None in grad_output, as torch's, not the engine's zeros.
    materialize_grads = False

    def __init__(self, state):
        self.state = state

    def forward(self, *ys):
        return ys

    def backward(self, F, gy, *ys):
        gys = gy if type(gy) is tuple else (gy,)
        state = self.state
        grads = [None] * state.n_outputs   # one per output, None for one that is not a Tensor, as torch's
        for i, g in zip(state.out_positions, _as_tensors(gys)):
            grads[i] = g
        grads = tuple(grads)
        for hook in state.pre_hooks:
            new = hook(state.layer, grads)
            if new is not None:
                grads = _checked(state.layer, "backward pre-hook", new, grads)
        state.grad_output = grads
        if state.n_inputs == 0:   # nothing upstream needs a gradient: the hooks run now, with grad_input None
            _run_hooks(state, (None,) * len(state.tensors))
            state.grad_output = None
        out = _as_values([grads[i] for i in state.out_positions], F)
        return out if len(out) > 1 else out[0]


class BackwardHookInputs(Function):
    """The identity on the layer's inputs that need a gradient; its backward runs the hooks on grad_input."""

    def __init__(self, state):
        self.state = state

    def forward(self, *xs):
        return xs

    def backward(self, F, gy, *xs):
        state = self.state
        if state.grad_output is None:   # the gradient reached the inputs but not through the outputs (a double
            return gy                   # backward through the first pass's gradients): torch's hooks skip it too
        gxs = gy if type(gy) is tuple else (gy,)
        grads = _run_hooks(state, state.grad_input(_as_tensors(gxs)))
        state.grad_output = None   # spent: a later pass must come through the outputs again
        out = _as_values([grads[i] for i in state.positions], F)
        return out if len(out) > 1 else out[0]


def route_inputs(layer, args):
    """The positional arguments with those Tensors that need a gradient routed through the input node, and the
    state the output node will share (``route_outputs``). As torch, keyword arguments are not routed."""
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    state = _HookState(layer, positions, args)
    if positions:
        routed = BackwardHookInputs.apply(*[args[i] for i in positions], state=state)
        routed = routed if type(routed) is tuple else (routed,)
        args = list(args)
        for i, t in zip(positions, routed):
            args[i] = t
        args = tuple(args)
    return args, state


def route_outputs(state, out):
    """The layer's output (a Tensor, or the Tensors of a tuple/list) routed through the output node; anything
    else, or outputs that need no gradient, as they are. As torch's, only the tuple's own Tensors are routed: an
    LSTM's ``(output, (h, c))`` gives grad_output ``(g, None)``; an output that needs no gradient stays so (torch
    marks it non-differentiable) and its grad_output is None."""
    single = isinstance(out, Tensor)
    outs = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else None
    if outs is None:
        return out
    positions = tuple(i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad)
    if not positions:
        return out
    state.out_positions, state.n_outputs = positions, len(outs)
    routed = BackwardHookOutputs.apply(*[outs[i] for i in positions], state=state)
    routed = routed if type(routed) is tuple else (routed,)
    if single:
        return routed[0]
    new = list(outs)
    for i, t in zip(positions, routed):
        new[i] = t
    return type(out)(new)


def _run_hooks(state, grad_input):
    for hook in state.hooks:
        new = hook(state.layer, grad_input, state.grad_output)
        if new is not None:
            grad_input = _checked(state.layer, "backward hook", new, grad_input)
    return grad_input


def _checked(layer, what, new, old):
    new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
    if len(new) != len(old):
        raise RuntimeError(f"{type(layer).__name__}: a {what} returned {len(new)} gradients for {len(old)}")
    for n, o in zip(new, old):
        if n is not None and o is not None and (not isinstance(n, Tensor) or n.shape != o.shape):
            raise RuntimeError(f"{type(layer).__name__}: a {what} returned a gradient of shape "
                               f"{getattr(n, 'shape', type(n).__name__)} for one of shape {tuple(o.shape)}")
    return new


def _as_tensors(grads):
    """What the hooks see: Tensors over copies on a first-order pass, whose arrays an op may share with other
    inputs (``Add`` sends one gradient to all of its) that are leaves: kept by a hook, a leaf's ``.grad`` would
    be added into it in place by the next backward."""
    return tuple(g if g is None or isinstance(g, Tensor) else Tensor(g.copy()) for g in grads)


def _as_values(grads, F):
    """The hooks' Tensors back in the pass's kind: arrays on a first-order pass, Tensors when recording.

    On a first-order pass each array is a copy: the hooks saw (and may keep) the Tensors over the ones they got or
    returned (changed in place or not), and an array passed on may become a leaf's ``.grad``, which the next
    backward adds into in place (a kept ``grad_input[0]`` of a model's input would change after the fact; torch's
    stays as it was)."""
    return tuple(g if g is None or F.recording else g.data.copy() for g in grads)
