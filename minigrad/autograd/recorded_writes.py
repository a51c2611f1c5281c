"""In-place ops while a graph is recorded: ``x.relu_()``, ``nn.ReLU(inplace=True)``, ``buf.add_(w)``.

PyTorch records an in-place op as a node whose output *is* the written tensor. minigrad does the same in
three moves, for ``x.op_(...)`` on a tensor that requires grad (or with an operand that does):

1. ``before``, a new Tensor, takes over what ``x`` was: a private copy of its values and its place in the
   graph (its creator). The op runs on ``before``, out of place, and records its node as usual.
2. The result is written into ``x``'s memory, so every alias of that memory (``x.detach()``, a view) sees
   the new values, and the write is stamped.
3. ``x`` becomes the node's output: its creator is now that node.

A node recorded *before* the write that reads ``x`` would differentiate with the wrong values or through
the wrong node; the write stamp makes its backward refuse, with a message that names it (PyTorch refuses
only the nodes that saved ``x``'s values: minigrad is more cautious, never less). When ``x`` is a view of
other tensors (a reshape's, an index's, a squeeze's output), those bases keep their history in private
copies for the view's own graph, and a later use of a base refuses to backward (``_retire_bases``): torch
would rebuild the base's graph instead. The one rebuild made is ``x[i] op= v``'s: the view assigned back to where
it views gives its base torch's graph (``write_back``). Refused up front, each with one message: a leaf that requires grad,
or a view of one (PyTorch refuses both), a view of an array no graph knows of, and an operand that is ``x``
itself or shares its memory (``x.mul_(x)``: write ``x = x * x``).
"""
from __future__ import annotations

import weakref
from collections import deque

from minigrad.autograd.function import Function
from minigrad.autograd.mode import STATE
from minigrad.autograd.write_stamps import _address, _buffer, _mark_written, written_at


def records(t, make) -> bool:
    """Whether ``t.<op>_(...)`` (``make``, a closure over its operands) must be recorded: grad mode is on
    and ``t`` or an operand requires grad."""
    if not STATE.grad_enabled:
        return False
    return t.requires_grad or any(o.requires_grad for o in _operands(make))


def views_a_graph_input(t) -> bool:
    """Whether ``t`` is a view of a tensor in its graph (a slice's, a reshape's output sharing its input's memory):
    ``t += y`` then writes through it, as ``t.add_(y)``, since recording it as ``t = t + y`` would leave the
    base's values unchanged, where torch changes them."""
    if t.data.base is None:
        return False
    node = t.creator
    if node is None:
        # a view of a tensor outside the graph (p[0] += h): torch writes into p, rebinding would leave p as it
        # was; the in-place path refuses it with its own message
        return not t.requires_grad
    if node.inputs is None:
        return False
    if node.__dict__.get("writes_a_view"):   # set by write_recorded / _written_behind only (see engine.py)
        return True   # written in place before (r.mul_(2)): its node reads a private copy, yet r still views h
    memory = _buffer(t.data)
    return any(_buffer(x.data) is memory for x in node.inputs)


def write_recorded(t, name, make, check_result):
    """``t``'s values replaced by ``make(before)``'s, recorded as a node whose output is ``t`` (see the module
    docstring); ``check_result(out)`` refuses a result of the wrong shape or dtype. Returns ``t``."""
    from minigrad.autograd.tensor import Tensor

    if t.requires_grad and t.creator is None:
        raise RuntimeError(
            f"{name}(): a leaf tensor that requires grad (shape {tuple(t.shape)}) cannot be written in place while "
            "grad mode is on (PyTorch refuses it too: a parameter, say); call it under minigrad.no_grad(), or use "
            f"the out-of-place {_out_of_place(name)}")
    if t.creator is None and t.data.base is not None:
        raise RuntimeError(
            f"{name}(): this tensor (shape {tuple(t.shape)}) is a view of an array no graph knows of, so what "
            "else reads that memory would not learn of the write; use the out-of-place "
            f"{_out_of_place(name)} (inplace=False for a layer or function)")
    memory = _buffer(t.data)
    operands = _operands(make)
    for o in operands:
        if o is t or _buffer(o.data) is memory:
            raise RuntimeError(
                f"{name}(): an operand is this tensor itself or shares its memory (shape {tuple(o.shape)}), so "
                f"the write would change the op's own input; use the out-of-place {_out_of_place(name)} "
                "(x = x * x for x.mul_(x))")
    was_view = views_a_graph_input(t)
    _retire_bases(t, name)
    _hand_over(t)
    before = Tensor._make(t.data.copy(), t.creator, t._out_index)
    before._requires_grad = t.requires_grad
    _read_before(operands, t, before)
    out = make(before)
    check_result(out)
    if out.requires_grad and (out.creator is None or out is before or any(out is o for o in operands)):
        out = out.clone()   # an operand passed through as it is (copy_ of a leaf): t needs a node of its own
    if out.dtype != t.dtype:
        out = out.astype(t.dtype)   # torch's cast into the written tensor's dtype, recorded
    if out.creator is None and before.requires_grad:
        # The new values depend on nothing that requires grad (zero_, fill_, a comparison's 0s and 1s): as in
        # torch, t still requires grad, through a node that sends what it held a zero gradient.
        from minigrad.ops.selection import where

        out = where(Tensor._make(_xp(t).zeros(t.shape, dtype=bool), None, 0), before, out.detach())
    node = out.creator
    t.data[...] = out.data
    _mark_written(t)
    if node is None:   # a comparison with an operand that requires grad, into a constant: no gradient flows
        return t
    retained = _retain_grad_hook(t)
    t.creator, t._out_index, t._requires_grad = node, out._out_index, True
    # The node was recorded before the write above: it now counts as recorded after it, since its inputs are
    # ``before`` and operands that do not share t's memory (checked above). Its output is t from here on.
    node._writes = STATE.writes
    if was_view:
        node.writes_a_view = True   # a later r += y still writes through (views_a_graph_input)
    # A later write into t's memory through another tensor (h.exp_() after r = h[0]; r.mul_(2), or r.add_(1)
    # after h.clamp_() where r's graph reads private copies and no longer reaches h) changes t's values behind
    # this node: the engine then refuses it (torch would rebuild t's graph).
    node.view_data = t.data
    node.sets_attributes = True   # whatever the op's own code sets: backward then frees view_data with the rest
    if node.keep_output:
        node._output_ref = weakref.ref(t)
    if retained is not None:   # retain_grad() follows the tensor to its new value, as in torch
        node._hooks = {t._out_index: [retained]}
    return t


def view_recorded(t, view):
    """``t.t_()``, ``transpose_``, ``swapaxes_``, ``squeeze_``, ``unsqueeze_`` on a tensor in a graph, as torch's: the
    values stay, ``t`` becomes ``view(t)``'s output over the same memory, its old place in the graph handed to a new
    Tensor that the view reads. The change is stamped as a write and ``t`` gets a new creator, so every node recorded
    before that read ``t`` refuses to backward, even one that reads only its shape (``t.T``'s); torch's version
    counter refuses only the nodes that saved ``t``."""
    from minigrad.autograd.tensor import Tensor

    _hand_over(t)
    before = Tensor._make(t.data, t.creator, t._out_index)
    before._requires_grad = True
    _mark_written(t)   # first: the view's node is recorded after it and reads ``before`` unrefused
    out = view(before)
    node = out.creator
    t.data, t.creator, t._out_index = out.data, node, out._out_index
    if node is not before.creator and node.keep_output:
        node._output_ref = weakref.ref(t)
    # A retain_grad() hook stays on the old node, as torch's: t.grad is the gradient of t's values before the view.
    return t


def _hand_over(t, written=None):
    """``t``'s node, if a recorded write made it, is about to output a private copy of ``t`` instead: it stops
    watching ``t``'s memory, and is refused at backward if that memory was already written behind it (by the
    write stamp ``written``, default ``t``'s now)."""
    node = t.creator
    if written is None:
        written = written_at(t)
    if node is not None and node.__dict__.pop("view_data", None) is not None and written > node._writes:
        node.stale_output = True


# How many nodes behind the operands ``_read_before`` looks at: enough for the uses of ``t`` in an expression
# (``x[idx] = x[idx] * 2``), while a write in a loop over a long graph stays a few microseconds.
_READ_BEFORE_REACH = 64


def _read_before(operands, t, before):
    """A node in an operand's history that read ``t`` itself (``x.sub_(x.mean())``, ``x[idx] = x[idx] * w``, which is
    Python's ``x[idx] += w`` with an index array): it read ``t``'s old values, which ``before`` now holds, so it
    takes ``before`` as that input. Left on ``t``, it would sit below ``t``'s new node, a cycle that backward never
    runs. The search goes breadth first, ``_READ_BEFORE_REACH`` nodes back at most: a use of ``t`` further back is
    refused at backward (``engine._refuse_cycle``). A node recorded before the last write into ``t`` read other
    values than ``before`` holds (and so did every node behind it): it is left on ``t``, and refused."""
    stamp = written_at(t)
    queue = deque(o.creator for o in operands)
    seen = set()
    while queue and len(seen) < _READ_BEFORE_REACH:
        node = queue.popleft()
        if node is None or node.inputs is None or id(node) in seen or stamp > node._writes:
            continue
        seen.add(id(node))
        if any(x is t for x in node.inputs):
            node.inputs = tuple(before if x is t else x for x in node.inputs)
        queue.extend(x.creator for x in node.inputs if x is not before)   # behind before: made before t was


def _retain_grad_hook(t):
    """Take ``t``'s ``retain_grad`` hook off its old node (other hooks stay with the old value, as in torch)."""
    hooks = t.creator._hooks.get(t._out_index) if t.creator is not None and t.creator._hooks else None
    if hooks and type(hooks[-1]).__name__ == "_RetainGrad":
        return hooks.pop()
    return None


def _retire_bases(t, name):
    """Before ``t`` is written: the tensors whose memory ``t`` views (the inputs of the op that made it that share
    it, a reshape's or an index's input, and so on down the chain) change values behind their graph.

    Each such base ``x`` hands its place in the graph, with a private copy of its current values, to a new
    Tensor that the chain's nodes read instead, so the gradient through ``t``'s history stays exact; ``x``
    itself gets a node that refuses to be differentiated through, so a later use of ``x`` raises instead of
    giving a gradient that does not match its new values. (An op's output that views a temporary of its own,
    as a convolution's does, has no such base.) A base that is a leaf requiring grad is refused, as in torch.
    """
    from minigrad.autograd.tensor import Tensor

    memory = _buffer(t.data)
    nodes, seen = [t.creator], set()
    while nodes:
        node = nodes.pop()
        if node is None or id(node) in seen or node.inputs is None:
            continue
        seen.add(id(node))
        copies = {}
        for x in node.inputs:
            if _buffer(x.data) is not memory or id(x) in copies:
                continue
            if x.requires_grad and x.creator is None:
                raise RuntimeError(
                    f"{name}(): this tensor (shape {tuple(t.shape)}) is a view of a leaf tensor that requires grad "
                    f"(shape {tuple(x.shape)}), which cannot be written in place while grad mode is on (PyTorch "
                    f"refuses it too); use the out-of-place {_out_of_place(name)}")
            nodes.append(x.creator)
            _hand_over(x)
            kept = Tensor._make(x.data.copy(), x.creator, x._out_index)
            kept._requires_grad = x.requires_grad
            copies[id(x)] = kept
            _written_behind(x, kept, name, node.name, t)
        if copies:
            node.inputs = tuple(copies.get(id(x), x) for x in node.inputs)


def _written_behind(x, kept, name, view, through):
    """Give ``x`` a node that refuses backward: its values were written through a view (``through``, see
    ``_retire_bases``), unless that view is then assigned back to where it views (``write_back``)."""
    node = _WrittenThroughView()
    node.through = weakref.ref(through)
    # a view stays one (u = h[None]; w = u.T; w[0] = 1; u /= 2 writes through to h, as in torch)
    node.writes_a_view = views_a_graph_input(x)
    node.inputs, node.needs_input_grad = (kept,), (kept.requires_grad,)
    node.n_outputs, node._hooks, node._writes = 1, None, STATE.writes
    node.message = (f"a tensor of shape {tuple(x.shape)} was written in place through a view of it ({name}() on "
                    f"the output of {view}) after it was computed, so its values no longer follow its graph; "
                    "differentiate through the view instead, or use the out-of-place op")
    x.creator, x._out_index, x._requires_grad = node, 0, True


def write_back(t, index, value) -> bool:
    """``t[index] = value`` where ``value`` is the view ``t[index]`` itself, written in place since it retired ``t``
    (``r = t[i]; r += v; t[i] = r``: Python's ``t[i] += v``). The values are already there; what is left is
    torch's rebuilt graph for ``t``: ``t``'s old values (the copy its retirement kept) with ``value`` at ``index``,
    a recorded ``Scatter`` that ``t`` now outputs. Returns False, doing nothing, for any other assignment."""
    node = t.creator
    if not isinstance(node, _WrittenThroughView) or node.through() is not value:
        return False
    try:
        region = t.data[index]
        if value.ndim == 0:   # NumPy reads an element as a scalar copy; with a trailing ... it is a 0-d view
            region = t.data[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
    except (IndexError, ValueError, TypeError):
        return False
    if not _same_region(region, value.data):   # an advanced index reads a copy: not where value lives
        return False
    from minigrad.ops.scatter import assign

    out = assign(node.inputs[0], index, value)
    rebuilt = out.creator
    t.creator, t._out_index = rebuilt, out._out_index
    rebuilt._writes = STATE.writes
    rebuilt.view_data = t.data   # a later write into t's memory behind this node refuses it (write_recorded)
    if node.writes_a_view:
        rebuilt.writes_a_view = True   # t, itself a view, still writes through (views_a_graph_input)
    return True


def _same_region(a, b):
    """Whether arrays ``a`` and ``b`` are the same memory read the same way (pointer, shape, strides, dtype)."""
    if a.shape != b.shape or a.dtype != b.dtype or a.strides != b.strides:
        return False
    return _address(a) == _address(b)


def _out_of_place(name):
    """The out-of-place form a refusal of ``name`` suggests (``x.add_`` -> ``add()``; ``x[i] = v`` -> ``index_put()``)."""
    return "index_put() (or where())" if name == "__setitem__" else f"{name[:-1]}()"


def _xp(t):
    from minigrad.backend import get_array_module

    return get_array_module(t.data)


def _operands(make):
    """The Tensors among the values a closure ``make`` captured (one level into tuples, lists and dicts)."""
    from minigrad.autograd.tensor import Tensor

    found = []
    for cell in make.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:   # an empty cell
            continue
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else (value,)
        found.extend(v for v in items if isinstance(v, Tensor))
    return found


class _WrittenThroughView(Function):
    """The node of a tensor whose memory was written through a view of it: differentiating through it raises."""

    def backward(self, F, gy, kept):
        raise RuntimeError(self.message)
