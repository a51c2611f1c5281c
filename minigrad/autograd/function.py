"""``Function``: one node of the computation graph.

An op is a small subclass. ``forward`` works on raw backend arrays (NumPy or
CuPy) and returns an array; ``backward(F, gy, *inputs)`` returns the input
gradients, written once against the namespace ``F`` (``minigrad/ops/namespace.py``).
The engine calls it with raw arrays on a first-order pass and with Tensors
when the graph is recorded (``create_graph=True``), so the same lines give both
fast gradients and exact higher derivatives.

Graph ownership runs one way: an output Tensor holds its creator, the creator
holds its inputs. A creator never holds its outputs strongly (only a weak
reference when ``keep_output`` is set), so graphs contain no reference cycles
and are freed by reference counting alone.
"""
from __future__ import annotations

import dis
import traceback
import weakref
from types import CodeType

import numpy as np

from minigrad.autograd.mode import STATE
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor, _HookHandle  # tensor.py is always imported before this module
from minigrad.autograd.write_stamps import _NO_GRAD_VIEWS, any_no_grad_view, drops_grad, note_no_grad_views, \
    note_recorded_views


_new_tensor = object.__new__


class _EveryInput:
    """``values_unread`` of an op whose backward reads no input's values, however many inputs it takes (cat)."""

    def __contains__(self, position):
        return True


EVERY_INPUT = _EveryInput()
_STORE_ATTR = dis.opmap["STORE_ATTR"]


def _sets_attributes(cls):
    """Whether a method of ``cls``, or of a base of it other than ``Function``, assigns an attribute."""
    for klass in cls.__mro__:
        if klass is Function or klass is object:   # Function's own methods set only its slots
            continue
        for value in vars(klass).values():
            code = getattr(getattr(value, "__func__", value), "__code__", None)
            if code is not None and _stores_attribute(code):
                return True
    return False


def _stores_attribute(code):
    """Whether ``code`` (or a function nested in it) has a STORE_ATTR instruction (each takes two bytes, its
    opcode first)."""
    return _STORE_ATTR in code.co_code[::2] or any(_stores_attribute(c) for c in code.co_consts
                                                    if isinstance(c, CodeType))


def edge_of(x, need):
    """The edge from a node back to its input ``x``, as ``next_functions`` shows it: x's creator (a tuple with the
    output index where that is not 0), the leaf ``x`` if it required grad when recorded (``need``), else None."""
    c = x.creator
    return (x if need else None) if c is None else (c, x._out_index) if x._out_index else c


class Function:
    """Base class of every differentiable op.

    Subclasses implement ``forward(*arrays) -> array (or tuple of arrays)`` and
    ``backward(F, gy, *inputs) -> grad or tuple of grads``, and are applied with
    ``Op.apply(*tensors, **params)``; ``params`` go to ``__init__``.

    Inside ``backward``: ``gy`` is the output gradient (a tuple for several
    outputs), ``inputs`` are the op's inputs (arrays or Tensors, like ``gy``),
    ``self.needs_input_grad[i]`` tells whether input ``i`` wants a gradient, and,
    when the class sets ``keep_output = True``, ``F.output(self)`` is the output
    (tanh, sigmoid and exp differentiate through it).

    A subclass whose ``forward`` is a ``staticmethod`` taking ``ctx`` is a custom op
    written PyTorch's way, on Tensors (``custom_function.py``).
    """

    __slots__ = ("inputs", "needs_input_grad", "n_outputs", "_output_ref", "_output_data", "_writes",
                 "_output_meta", "_hooks", "_stack", "_edges", "__dict__", "__weakref__")

    keep_output = False
    #: Whether the op's nodes hold attributes for backward to free (``_release``): worked out for each class as it
    #: is defined, from its methods' code (``self.mask = ...`` in forward, parameters in ``__init__``), unless the
    #: class sets it. For the other ops, a ``__dict__`` made just to be cleared cost the deep chain's backward 3% a
    #: node, the wide graph's 4%. An op that stores attributes another way (``setattr``, a helper given ``self``)
    #: says ``sets_attributes = True``, or what it saved lives as long as the graph's root.
    sets_attributes = True
    #: Positions of inputs whose values backward never reads (only their shape): an in-place write to one after
    #: the node was recorded leaves its gradient right, so backward goes on, as torch's (which saves none of them).
    values_unread = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if type(cls.__dict__.get("name")) is str:   # an op that names itself (name = "linalg.inv_ex")
            cls.name = NodeName(cls.__dict__["name"])
        if "sets_attributes" not in cls.__dict__:
            cls.sets_attributes = _sets_attributes(cls)
        # PyTorch's custom ops define forward(ctx, ...) as a staticmethod: custom_function.py runs those.
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            from minigrad.autograd.custom_function import apply

            cls.apply = classmethod(apply)

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op forward and, when grad mode is on and an input requires grad, record it."""
        fn = cls(**params) if params else cls()
        for x in inputs:
            if not isinstance(x, Tensor):
                inputs = _convert(inputs, cls)
                break
        # One- and two-input ops are the common case: unrolled, they skip generator overhead.
        if len(inputs) == 1:
            try:  # a try block costs nothing until it catches
                y = fn.forward(inputs[0].data)
            except ValueError as exc:  # NumPy's message names neither the op nor the call
                raise _forward_error(cls, inputs, exc) from None
            needs = (inputs[0]._requires_grad,)
            record = needs[0]
        elif len(inputs) == 2:
            a, b = inputs
            if type(a.data) is not type(b.data):
                _device_error(cls, inputs)
            try:
                y = fn.forward(a.data, b.data)
            except ValueError as exc:  # NumPy's broadcast error names neither the op nor the call
                raise _forward_error(cls, inputs, exc) from None
            needs = (a._requires_grad, b._requires_grad)
            record = needs[0] or needs[1]
        elif len(inputs) == 3:  # affine maps and where(): common enough to unroll too
            a, b, c = inputs
            if type(a.data) is not type(b.data) or type(a.data) is not type(c.data):
                _device_error(cls, inputs)
            try:
                y = fn.forward(a.data, b.data, c.data)
            except ValueError as exc:
                raise _forward_error(cls, inputs, exc) from None
            needs = (a._requires_grad, b._requires_grad, c._requires_grad)
            record = needs[0] or needs[1] or needs[2]
        else:
            arrays = [x.data for x in inputs]
            first = type(arrays[0])
            for array in arrays:
                if type(array) is not first:
                    _device_error(cls, inputs)
            try:
                y = fn.forward(*arrays)
            except ValueError as exc:
                raise _forward_error(cls, inputs, exc) from None
            needs = tuple([x._requires_grad for x in inputs])
            record = True in needs
        if not (record and STATE.grad_enabled):
            # under no_grad, from a tensor that requires grad, or from such a view (a view of a view, made in either
            # mode): its views may not be written in grad mode. _NO_GRAD_VIEWS is empty unless one was made.
            if record or (_NO_GRAD_VIEWS and any_no_grad_view(inputs)):
                return _unrecorded_of_graph_input(cls, inputs, y)
            fn = None
        else:
            fn.inputs = inputs
            fn.needs_input_grad = needs
            fn._hooks = None
            fn._writes = STATE.writes
            if STATE.anomaly:
                fn._stack = "".join(traceback.format_stack()[:-2])
        if type(y) is tuple:
            outs = tuple([Tensor._make(_as_array(yi), fn, i) for i, yi in enumerate(y)])
            if fn is not None:
                fn.n_outputs = len(outs)
                fn._output_meta = [(o.data.shape, o.data.dtype) for o in outs]
        else:
            # Tensor._make inlined: this line runs once per op.
            outs = _new_tensor(Tensor)
            outs.data = y if type(y) is np.ndarray else _as_array(y)   # the call only for a scalar (or CuPy)
            outs.grad = None
            outs.creator = fn
            outs._out_index = 0
            outs._hooks = None
            outs.name = None
            outs._requires_grad = fn is not None
            if fn is not None:
                fn.n_outputs = 1
                if cls.keep_output:
                    fn._output_ref = weakref.ref(outs)
                    fn._output_data = outs.data
        if _NO_GRAD_VIEWS and fn is not None:   # a recorded view of a view made under no_grad: noted too
            note_recorded_views(inputs, outs if type(outs) is tuple else (outs,))
        if STATE.anomaly:
            _check_finite(cls.__name__, "forward", outs if type(outs) is tuple else (outs,), fn)
        return outs

    def forward(self, *xs):
        """Compute the output array(s) from input arrays."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, F, gy, *inputs):
        """Return the gradient(s) with respect to the inputs (None where none is needed)."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def output(self):
        """The output Tensor (``F.output(self)`` when recording), for ops whose derivative uses it.

        When the output Tensor itself is gone (nothing downstream still needs it
        as a graph node), its saved array is wrapped as a constant, which is
        exact for first derivatives.
        """
        out = self._output_ref()
        return out if out is not None else Tensor(self._output_data)

    def register_prehook(self, hook):
        """torch's ``grad_fn.register_prehook``: ``hook(grad_outputs)`` (a tuple, one per output) runs before this
        node's backward, after its output tensors' hooks; a returned tuple replaces ``grad_outputs``."""
        return self._add_node_hook("pre", hook)

    def register_hook(self, hook):
        """torch's ``grad_fn.register_hook``: ``hook(grad_inputs, grad_outputs)`` runs after this node's backward
        (``grad_inputs``: one per input, None where an input needs none); a returned tuple replaces
        ``grad_inputs``."""
        return self._add_node_hook("post", hook)

    def _add_node_hook(self, when, hook):
        if not callable(hook):
            raise TypeError(f"{self.name}: a node hook must be callable, got {type(hook).__name__}")
        if self._hooks is None:
            self._hooks = {}
        hooks = self._hooks.setdefault(when, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    @property
    def name(self) -> str:
        return NodeName(type(self).__name__)

    def _release(self):
        """Free what forward kept in the node's attributes (a mask, indices), once a backward without
        ``retain_graph`` has run it. The engine has dropped its inputs and output already; only its edges stay,
        for ``next_functions``. Called only where ``sets_attributes``."""
        self.__dict__.clear()

    @property
    def next_functions(self) -> tuple:
        """torch's view of the graph behind this node: per input, ``(its creator node, output index)``; a leaf
        that required grad when the node was recorded gives ``(AccumulateGrad, 0)``, whose ``variable`` is the
        leaf, and a constant ``(None, 0)``. Tutorials that walk a graph by hand
        (``loss.grad_fn.next_functions[0][0]``) read it."""
        if self.inputs is None:   # freed by backward: the edges it kept (engine.run_in_kahn_order)
            edges = getattr(self, "_edges", None)
            if edges is None:
                raise RuntimeError(f"{self.name}: the graph behind this node was freed; pass retain_graph=True "
                                   "to keep it")
        else:
            edges = [edge_of(x, need) for x, need in zip(self.inputs, self.needs_input_grad)]
        return tuple(edge if type(edge) is tuple else (_accumulate_grad(edge), 0) if isinstance(edge, Tensor)
                     else (edge, 0) for edge in edges)

    def __repr__(self):
        return f"<{type(self).__name__} node>"


class NodeName(str):
    """A node's name (``grad_fn.name``): a string, and callable as torch's ``grad_fn.name()``, which returns it
    (``grad_fn.name()`` was a TypeError: 'str' object is not callable). The name is minigrad's op class, ``'Mul'``,
    where torch's is ``'MulBackward0'``."""

    __slots__ = ()

    def __call__(self):
        return str(self)


class AccumulateGrad:
    """The end of a path in ``next_functions``: the leaf ``variable`` whose ``.grad`` backward adds into.

    Its hooks are torch's (older data-parallel code reaches a parameter's through
    ``p.expand_as(p).grad_fn.next_functions[0][0]``); they are kept on the leaf, so every AccumulateGrad of one
    leaf shares them, as torch's one node per leaf does."""

    __slots__ = ("variable",)
    next_functions = ()
    name = NodeName("AccumulateGrad")

    def __init__(self, variable):
        self.variable = variable

    def register_prehook(self, hook):
        """``hook((grad,))`` before the gradient is added into ``variable.grad``, after all the leaf's tensor hooks
        (torch runs a node's tensor pre-hooks first); a returned 1-tuple replaces the gradient, ``(None,)`` drops
        it (nothing is added, the post hooks still run), as torch's. ``minigrad.grad`` does not run it: torch's
        grad captures the gradient without running AccumulateGrad."""
        return self.variable.register_hook(_AccumulateGradHook(hook, True))

    def register_hook(self, hook):
        """``hook((), (grad,))`` once the gradient was added into ``variable.grad`` (``(None,)`` when a prehook
        dropped it); it must return None (or ())."""
        seen = [None]

        def keep(g):   # the gradient this pass adds, for grad_outputs
            seen[0] = g

        keep = _AccumulateGradHook(keep, False)   # after the prehooks, as torch's post hooks see what they leave

        def post(leaf):
            g, seen[0] = seen[0], None
            if hook((), (g,)) not in (None, ()):
                raise RuntimeError(f"AccumulateGrad: a hook returned gradients (hook {getattr(hook, '__name__', hook)}"
                                   "); it has no inputs to give them to, return None")
        post.accumulate_grad_post = True   # after the leaf's post-accumulate hooks, as torch's (register_... there)
        return _HandlePair(self.variable.register_hook(keep), self.variable.register_post_accumulate_grad_hook(post))

    def __repr__(self):
        return "<AccumulateGrad node>"


def _accumulate_grad(leaf):
    """A leaf's AccumulateGrad, or None for a view made under no_grad, which torch gives none (its gradient goes
    nowhere: ``write_stamps.drops_grad``)."""
    return None if _NO_GRAD_VIEWS and drops_grad(leaf) else AccumulateGrad(leaf)


class _AccumulateGradHook:
    """A hook of a leaf's AccumulateGrad node, kept among the leaf's tensor hooks (its handle removes it there):
    the engine (``run_accumulate_grad_hooks``) runs these after the tensor hooks, the prehooks first, hands them
    None once a prehook dropped the gradient, and skips them in ``minigrad.grad`` (``backward(inputs=...)`` runs
    them)."""

    __slots__ = ("hook", "prehook")

    def __init__(self, hook, prehook):
        self.hook, self.prehook = hook, prehook

    def __call__(self, g):
        """The gradient passed on (None: dropped) from the one given, a Tensor or None."""
        if not self.prehook:
            self.hook(g)
            return g
        new = self.hook((g,))
        if new is None:
            return g
        new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        if len(new) != 1:
            raise RuntimeError(f"AccumulateGrad: a prehook returned {len(new)} gradient(s) for 1")
        if g is None and new[0] is not None:
            raise RuntimeError("AccumulateGrad: a prehook returned a gradient where it was given None (an earlier "
                               "prehook dropped it); a hook can't replace a None gradient with a value, as in torch: "
                               "return None there")
        return new[0]


class _HandlePair:
    """The handle of an AccumulateGrad hook: two hooks on its leaf, removed together."""

    def __init__(self, *handles):
        self._handles = handles

    def remove(self):
        for handle in self._handles:
            handle.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def _as_array(y):
    # NumPy ufuncs turn 0-d arrays into scalars; a Tensor always holds an ndarray.
    return np.asarray(y) if isinstance(y, np.generic) else y


def _unrecorded_of_graph_input(cls, inputs, y):
    """``Function.apply``'s result under no_grad when an input requires grad, or unrecorded while a view made so
    lives: the outputs without a graph, those that view such an input, or such a view, noted
    (``write_stamps.note_no_grad_views``) so that a write into one in grad mode is refused, as torch's. Kept off
    the recording path, which pays nothing for it."""
    outs = tuple([Tensor._make(_as_array(yi), None, i) for i, yi in enumerate(y)]) if type(y) is tuple \
        else Tensor._make(_as_array(y), None, 0)
    note_no_grad_views(inputs, outs if type(outs) is tuple else (outs,))
    if STATE.anomaly:
        _check_finite(cls.__name__, "forward", outs if type(outs) is tuple else (outs,), None)
    return outs


def _convert(inputs, cls):
    like = next((x for x in inputs if isinstance(x, Tensor)), None)
    try:
        return tuple(as_tensor(x, like=like) for x in inputs)
    except TypeError as exc:   # a sparse COO tensor refuses to become an array: say which op it was handed to
        if any(getattr(x, "is_sparse", False) for x in inputs):
            raise TypeError(f"{cls.__name__}: {exc}") from None
        raise


def _forward_error(cls, inputs, exc):
    """A ValueError from NumPy inside ``forward``, with the op's name and its input shapes."""
    shapes = [str(tuple(x.shape)) for x in inputs]
    if str(exc).startswith("operands could not be broadcast together"):   # NumPy's then repeats the shapes
        listed = shapes[0] if len(shapes) == 1 else f"{', '.join(shapes[:-1])} and {shapes[-1]}"
        return ValueError(f"{cls.__name__}: operands could not be broadcast together: input shapes {listed}")
    return ValueError(f"{cls.__name__}: {str(exc).strip()} (input shapes {', '.join(shapes)})")


def _device_error(cls, inputs):
    devices = sorted({x.device for x in inputs})
    if len(devices) == 1:  # different array types on one device (e.g. a NumPy scalar): fine
        return
    raise RuntimeError(
        f"{cls.__name__}: inputs are on different devices ({' and '.join(devices)}); "
        "move them to one device with .to(device) first"
    )


def _check_finite(op_name, phase, values, fn):
    """Raise at a NaN in an op's forward result, or a NaN or Inf in its backward's.

    An infinite forward value is often meant: a -inf attention mask (``masked_fill``, ``is_causal``) or a log
    of 0 in log-probabilities, whose softmax and gradients are finite; flagging it made anomaly mode unusable on
    a transformer (torch's checks only backward, for NaN). A gradient has no such use."""
    from minigrad.backend import get_array_module

    forward = phase == "forward"
    for t in values:
        if t is None:
            continue
        data = t.data if isinstance(t, Tensor) else t
        if data.dtype.kind not in "fc":
            continue
        xp = get_array_module(data)
        if bool(xp.isnan(data).any()) if forward else not bool(xp.isfinite(data).all()):
            where = ""
            if fn is not None and getattr(fn, "_stack", None):
                where = "\nThe op was created at:\n" + fn._stack
            raise FloatingPointError(
                f"detect_anomaly: {op_name} {phase} produced {'NaN' if forward else 'NaN or Inf'} "
                f"(shape {tuple(data.shape)}, dtype {data.dtype}).{where}"
            )


def __getattr__(name):
    # PyTorch's path `torch.autograd.function.once_differentiable` (and `FunctionCtx`); custom_function.py
    # imports this module, so the names are looked up on first use rather than imported at the top.
    if name in ("once_differentiable", "FunctionCtx"):
        from minigrad.autograd import custom_function
        return getattr(custom_function, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
