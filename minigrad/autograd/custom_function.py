"""PyTorch's way of writing a custom op: ``forward(ctx, ...)`` and ``backward(ctx, ...)`` on Tensors.

minigrad's own ops subclass ``Function`` with ``forward(self, *arrays)`` and
``backward(self, F, gy, *inputs)`` (see ``function.py``). A subclass whose
``forward`` is a ``staticmethod``, as in PyTorch's tutorials, is a custom op
written PyTorch's way instead::

    class Cube(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    y = Cube.apply(x)

``forward`` runs on the arguments as given (Tensors and anything else; ones
given by keyword are bound to its parameters by position, defaults filled in, as
torch's ``apply`` does), with gradients off, and its Tensor outputs are tied to one graph node. ``backward``
(or ``vjp``, torch's other name for it) gets one gradient Tensor per output and returns one gradient per argument of
``forward`` (``None`` for non-Tensors and where none is needed). On a first-order
pass the gradients are constants; under ``create_graph=True`` the ops inside
``backward`` are recorded, so a backward written with differentiable ops gives
second derivatives, as in PyTorch. ``setup_context(ctx, inputs, output)`` beside a
``forward`` without ``ctx`` (PyTorch 2's form) works too.

The context (``ctx``): ``save_for_backward(*tensors)``, ``saved_tensors``,
``needs_input_grad`` (one bool per argument of ``forward``; ``y.grad_fn.saved_tensors`` reads the saved
tensors too, and ``y.grad_fn.k`` an attribute set on ctx, as torch's),
``mark_non_differentiable(*outputs)``, ``mark_dirty(*inputs)`` (inputs ``forward`` wrote in place and
returns), ``set_materialize_grads(flag)``, and any
attribute you set on it. ``@once_differentiable`` on ``backward`` runs it without
recording and refuses a second derivative through it. PyTorch's refuses only one that reaches it through the
incoming gradient; through the saved tensors it treats that backward as a constant and gives a partial Hessian.
"""
from __future__ import annotations

import functools
import inspect
import weakref

from minigrad.autograd.function import Function, NodeName, _as_array
from minigrad.autograd.mode import STATE, no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.recorded_writes import _hand_over, views_a_graph_input
from minigrad.autograd.write_stamps import mark_written, written_at


def is_torch_style(cls) -> bool:
    """True for a ``Function`` subclass that defines ``forward`` as a staticmethod (PyTorch's custom ops)."""
    return isinstance(cls.__dict__.get("forward"), staticmethod)


class FunctionCtx:
    """What ``forward`` leaves for ``backward``, as PyTorch's ``ctx``."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved = ()
        self._non_differentiable = ()
        self._dirty = ()
        self._node = lambda: None   # a weak reference to the node, once there is one (no cycle through ctx)
        self._writes = None         # the write count when forward ended, against which saved tensors are checked
        self._name = "Function"

    def save_for_backward(self, *tensors):
        """Keep Tensors (or None) for ``backward``; read them back from ``saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {i} is a {type(t).__name__}, not a Tensor or None; "
                                "keep other values as attributes of ctx (ctx.k = k)")
        self._saved = tensors

    @property
    def saved_tensors(self):
        """The Tensors given to ``save_for_backward``; a saved output of ``forward`` is the output the caller got.

        A saved tensor written in place after forward is refused, as in PyTorch: its values are no longer the
        ones the derivative needs."""
        if self._saved is None:
            raise RuntimeError(f"{self._name}: trying to backward through the graph a second time (or directly "
                               "access saved tensors after they have already been freed); pass retain_graph=True "
                               "to the first backward to keep them")
        saved = tuple(t.get(self._node()) if type(t) is _SavedOutput else t for t in self._saved)
        if self._writes is not None and STATE.writes != self._writes:
            for i, t in enumerate(saved):
                if t is not None and written_at(t) > self._writes:
                    raise RuntimeError(
                        f"{self._name}.backward: saved tensor {i} (shape {tuple(t.shape)}) was modified in place "
                        "after forward saved it, so the gradient would come from the new values; modify a copy, "
                        "or compute the forward again")
        return saved

    def mark_non_differentiable(self, *outputs):
        """Outputs that get no gradient (indices, masks): they come out with ``requires_grad=False``."""
        self._non_differentiable = outputs

    def set_materialize_grads(self, value):
        """With True (the default) ``backward`` gets zeros for an output that received no gradient, else None."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Inputs that ``forward`` wrote in place; it must return them. Each output is then the input Tensor itself,
        whose place in the graph this node takes, as in PyTorch (``y = AddOne_.apply(x)`` gives ``y is x``)."""
        self._dirty = tensors


class CustomNode(Function):
    """The graph node of one call of a PyTorch-style Function: ``backward`` calls the user's on Tensors."""

    def __getattr__(self, name):
        """torch's ``grad_fn`` of a custom op is its ctx: what forward set on ``ctx`` (``ctx.k = 3``) reads as
        ``y.grad_fn.k``, before and after backward. Only names the node lacks get here."""
        if name.startswith("_") or name == "ctx":
            raise AttributeError(name)
        return getattr(self.ctx, name)

    def __init__(self, cls, ctx, positions, n_args):
        self.cls, self.ctx = cls, ctx
        self.positions = positions  # where each Tensor input sits among forward's arguments
        self.n_args = n_args

    @property
    def name(self):
        return NodeName(f"{self.cls.__name__}Backward")

    @property
    def saved_tensors(self):
        """torch's ``y.grad_fn.saved_tensors``: what forward saved (``ctx.saved_tensors``; refused once freed)."""
        return self.ctx.saved_tensors

    @property
    def materialize_grads(self):
        """Whether an output no gradient reached gets zeros (True, torch's default) or None (the engine asks)."""
        return self.ctx.materialize_grads

    def _release(self):
        """After a backward without retain_graph: the saved tensors are freed, as in ``Function._release``, but
        ctx keeps its other attributes (torch's)."""
        self.ctx._saved = None
        self.ctx._non_differentiable = ()   # outputs: the node outlives backward (next_functions), they must not

    def backward(self, F, gy, *inputs):
        received = gy if self.n_outputs > 1 else (gy,)
        if not F.recording:   # copies: backward may write into them, and the engine may share one array
            received = tuple(None if g is None else Tensor._make(g.copy(), None, 0) for g in received)
        grads = [None] * self.n_returned   # one per output of forward; None for those that are not Tensors
        for at, g in zip(self.out_positions, received):
            grads[at] = g
        returned = _user_backward(self.cls)(self.ctx, *grads)
        returned = returned if isinstance(returned, tuple) else (returned,)
        if len(returned) < self.n_args or any(g is not None for g in returned[self.n_args:]):
            raise RuntimeError(f"{self.cls.__name__}.backward returned {len(returned)} gradient(s), but forward "
                               f"took {self.n_args} argument(s); return one per argument (None where there is none)")
        if len(self.positions) < self.n_args:   # a gradient for a non-Tensor argument: torch's error (a backward
            tensors = set(self.positions)       # that returns its gradients in the wrong order, say)
            for at in range(self.n_args):
                if at not in tensors and returned[at] is not None:
                    raise RuntimeError(
                        f"{self.cls.__name__}.backward returned a gradient ({type(returned[at]).__name__}) for "
                        f"argument {at} of forward, which is not a Tensor; return None there (torch refuses it too)")
        out = []
        for x, at, need in zip(inputs, self.positions, self.needs_input_grad):
            g = returned[at]
            if g is None or not need:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"{self.cls.__name__}.backward returned a {type(g).__name__} as the gradient of "
                                f"argument {at}; return a Tensor or None")
            if not F.recording and not any(g is r for r in received):
                # Anything but the copies backward was handed may be held elsewhere (an input, a saved tensor, a
                # constant of the caller's): .grad must not alias it, or the next backward adds into it in place
                g = Tensor._make(g.data.copy(), None, 0)
            out.append(_like_input(self.cls, at, F, g if F.recording else g.data, x))
        return tuple(out)


def _user_backward(cls):   # looked up on every backward (0.8 us): a class may replace its backward between passes
    """The class's ``backward``, or its ``vjp`` (torch's other name for it): exactly one of them is defined."""
    backward = cls.backward if cls.backward is not Function.backward else None
    vjp = getattr(cls, "vjp", None)
    if backward is not None and vjp is not None:
        raise RuntimeError(f"{cls.__name__}: define backward or vjp, not both (torch refuses both too)")
    if backward is None and vjp is None:
        raise RuntimeError(f"{cls.__name__}: define backward(ctx, *grad_outputs) (or vjp) to differentiate it")
    return backward or vjp


def _like_input(cls, at, F, g, x):
    """A returned gradient with its input's shape (summed over broadcast axes) and dtype, as PyTorch takes it."""
    if g.shape != x.shape:
        try:
            g = F.sum_to(g, tuple(x.shape))
        except ValueError:
            g = None
        if g is None or g.shape != x.shape:
            raise RuntimeError(f"{cls.__name__}.backward returned a gradient of shape {tuple(g.shape)} for argument "
                               f"{at} of shape {tuple(x.shape)}; the two must match (or broadcast to it)")
    if g.dtype != x.dtype:
        g = F.astype(g, x.dtype)
    return g


def apply(cls, *args, **kwargs):
    """Run ``cls.forward`` on ``args`` and, when an argument requires grad, record one node for its outputs."""
    setup = getattr(cls, "setup_context", None)
    if kwargs or setup is not None:
        args, kwargs = _bind(cls, setup is not None, args, kwargs)
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    tensors = tuple(args[i] for i in positions)
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx = FunctionCtx(needs)
    written_before = [written_at(t) for t in tensors]   # for inputs forward may write in place (mark_dirty)
    with no_grad():
        if setup is not None:
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    ctx._name = cls.__name__
    outputs = output if isinstance(output, tuple) else (output,)
    # Tensor outputs join the graph; anything else forward returns (a count, a flag) passes through, as in torch.
    out_positions = tuple(i for i, o in enumerate(outputs) if isinstance(o, Tensor))
    if not out_positions:
        raise TypeError(f"{cls.__name__}.forward returned no Tensor (got {type(output).__name__}); return Tensors")
    if ctx._dirty:
        tensors = _take_over_dirty(cls, ctx._dirty, tensors, outputs, written_before)
    if not (STATE.grad_enabled and any(needs)):
        return output
    node = CustomNode(cls, ctx, positions, len(args))
    node.inputs = tensors
    node.needs_input_grad = tuple(needs[i] for i in positions)
    node._hooks = None
    node._writes = STATE.writes
    node.out_positions, node.n_returned = out_positions, len(outputs)
    node.n_outputs = len(out_positions)
    node._output_meta = [(outputs[i].data.shape, outputs[i].data.dtype) for i in out_positions]
    fixed = {id(t) for t in ctx._non_differentiable}
    wrapped = list(outputs)
    dirty = {id(t) for t in ctx._dirty}
    for j, i in enumerate(out_positions):
        o = outputs[i]
        differentiable = id(o) not in fixed and o.data.dtype.kind in "fc"
        if id(o) in dirty:   # the written input itself becomes this output (its old place: _take_over_dirty)
            o.creator, o._out_index, o._requires_grad = (node, j, True) if differentiable else (None, 0, False)
            wrapped[i] = o
        else:
            wrapped[i] = Tensor._make(_as_array(o.data), node, j) if differentiable else Tensor._make(o.data, None, 0)
    ctx._node = weakref.ref(node)
    ctx._saved = tuple(_saved(t, outputs, wrapped) for t in ctx._saved)
    ctx._writes = STATE.writes
    return tuple(wrapped) if isinstance(output, tuple) else wrapped[0]


@functools.lru_cache(maxsize=256)   # a class with setup_context binds on every apply: inspect it once (16 us a call)
def _forward_signature(cls, without_ctx):
    signature = inspect.signature(cls.forward)
    if not without_ctx:   # forward(ctx, ...): ctx is not the caller's to give
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
    return signature


def _bind(cls, without_ctx, args, kwargs):
    """``args`` and ``kwargs`` as torch hands them to ``forward``: every argument that can be given by position is,
    defaults filled in (``Scale.apply(x, k=3.0)`` is ``Scale.apply(x, 3.0)``), so a Tensor passed by keyword gets a
    gradient and ``backward`` returns one per argument; keyword-only ones stay keywords."""
    signature = _forward_signature(cls, without_ctx)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{cls.__name__}.apply: {exc} (forward{signature})") from None
    bound.apply_defaults()
    return bound.args, bound.kwargs


def _take_over_dirty(cls, dirty, tensors, outputs, written_before):
    """Check the tensors ``forward`` marked dirty, stamp their write, and return the node's inputs, in which each
    is replaced by a new Tensor holding its old place in the graph (its creator), as ``recorded_writes`` does:
    the Tensor itself is about to become the node's output. ``written_before``: each input's write stamp before
    forward, for ``recorded_writes._hand_over``'s check of a write behind the node that made it."""
    returned = {id(o) for o in outputs if isinstance(o, Tensor)}
    for t in dirty:
        if not any(t is x for x in tensors):
            raise RuntimeError(f"{cls.__name__}.forward: ctx.mark_dirty was given a tensor that is not one of its "
                               "inputs; mark only the inputs forward wrote in place")
        if id(t) not in returned:
            raise RuntimeError(f"{cls.__name__}.forward: an input marked dirty (shape {tuple(t.shape)}) was not "
                               "returned; return every tensor it writes in place, as PyTorch requires")
        if STATE.grad_enabled and t.requires_grad and t.creator is None:
            raise RuntimeError(f"{cls.__name__}.forward: a leaf tensor that requires grad (shape {tuple(t.shape)}) "
                               "was written in place and marked dirty; PyTorch refuses it too (write a copy, or "
                               "call it under minigrad.no_grad())")
        if STATE.grad_enabled and t.requires_grad and views_a_graph_input(t):
            raise RuntimeError(f"{cls.__name__}.forward: an input marked dirty (shape {tuple(t.shape)}) is a view "
                               "of another tensor in the graph, whose history would no longer match its values; "
                               "mark_dirty is supported on tensors that own their memory (pass a clone)")
    mark_written(*[t.data for t in dirty])
    before = {}
    for t in dirty:
        _hand_over(t, written_before[next(i for i, x in enumerate(tensors) if x is t)])
        kept = Tensor._make(t.data, t.creator, t._out_index)
        kept._requires_grad = t.requires_grad
        before[id(t)] = kept
    return tuple(before.get(id(x), x) for x in tensors)


def _saved(t, outputs, wrapped):
    for o, w in zip(outputs, wrapped):
        if t is o and isinstance(w, Tensor):
            return _SavedOutput(w)
    return t


class _SavedOutput:
    """A saved output of ``forward``, held weakly: the node must not keep its own output alive (graphs have no
    reference cycles). While the caller holds the output, ``backward`` gets that Tensor; after, a new Tensor of
    its values whose creator is still the node, so a recorded backward differentiates through it (PyTorch's
    saved variables do the same)."""

    __slots__ = ("ref", "data", "index", "creator")

    def __init__(self, output):
        self.ref, self.data, self.index = weakref.ref(output), output.data, output._out_index
        self.creator = output.creator is not None

    def get(self, node):
        out = self.ref()
        if out is not None:
            return out
        alive = self.creator and node is not None and node.inputs is not None
        return Tensor._make(self.data, node if alive else None, self.index if alive else 0)


def once_differentiable(backward):
    """Decorate a custom Function's ``backward`` that is not itself differentiable (it uses NumPy, say).

    It runs without recording; under ``create_graph=True`` its gradients are tied to a node that refuses to be
    differentiated, so a second derivative raises instead of silently coming out as zero. Saved tensors that
    require grad count as well as the incoming gradients (PyTorch's counts only the gradients, so a Hessian
    through the saved input silently drops this backward's part).
    """
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            results = backward(ctx, *grads)
        if not STATE.grad_enabled:
            return results
        sources = [t for t in (*grads, *ctx.saved_tensors) if isinstance(t, Tensor) and t.requires_grad]
        if not sources:
            return results
        single = not isinstance(results, tuple)
        guarded = tuple(r if not isinstance(r, Tensor) else _OnceDifferentiable.apply(r, *sources)
                        for r in ((results,) if single else results))
        return guarded[0] if single else guarded
    return wrapper


class _OnceDifferentiable(Function):
    """A gradient computed by a ``@once_differentiable`` backward: its value, and an error if differentiated."""

    @staticmethod
    def forward(ctx, value, *sources):
        return value.clone()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
