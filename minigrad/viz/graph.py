"""The drawable graph behind some tensors: nodes with label lines, edges in the direction of the data.

Both renderers (DOT for Graphviz, and the matplotlib fallback) draw this one
structure, so they show the same nodes, labels and edges.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.scalars import as_integer

#: Tensors with at most this many elements show their values (``show_data``) and gradients (``show_grad``).
MAX_SHOWN_VALUES = 16


@dataclass
class Node:
    """One box: ``kind`` is ``"tensor"``, ``"op"`` or ``"note"``; ``role`` picks its colour."""

    id: str
    kind: str
    role: str
    lines: list


@dataclass
class Graph:
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)      # (source id, target id, dashed)
    total_nodes: int = 0                           # in the whole graph, drawn or not

    @property
    def truncated(self) -> bool:
        return self.total_nodes > sum(1 for n in self.nodes if n.kind != "note")


def collect_roots(tensors, caller):
    """The tensors passed to ``to_dot``/``draw``, with tuples and lists opened; a clear error otherwise."""
    roots = []
    for i, t in enumerate(tensors):
        items = t if isinstance(t, (tuple, list)) else [t]
        for item in items:
            if not isinstance(item, Tensor):
                raise TypeError(f"{caller}: argument {i} must be a Tensor (or a tuple of Tensors), "
                                f"got {type(item).__name__}")
            roots.append(item)
    if not roots:
        raise ValueError(f"{caller}: give at least one Tensor to draw")
    return roots


def check_max_nodes(max_nodes, caller):
    """``max_nodes`` as a Python int (None stays None) once it is a positive integer."""
    value = None if max_nodes is None else as_integer(max_nodes)
    if max_nodes is not None and (value is None or value < 1):
        raise ValueError(f"{caller}: max_nodes must be a positive int or None, got {max_nodes!r}")
    return value


def _names_of(names):
    """``{id(tensor): name}`` from a Layer (its named parameters) or a ``{name: tensor}`` mapping."""
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        names = dict(names.named_parameters())
    if not isinstance(names, dict):
        raise TypeError(f"names must be a Layer or a dict of name -> Tensor, got {type(names).__name__}")
    return {id(t): str(name) for name, t in names.items() if isinstance(t, Tensor)}


def build_graph(roots, show_data=False, show_grad=False, max_nodes=None, names=None) -> Graph:
    """Walk from ``roots`` through ``creator`` and ``inputs``; keep the ``max_nodes`` nearest the roots.

    The walk is breadth-first from the roots, so a capped drawing shows the
    last ops before the result, and one note node tells how much was left out.
    """
    named = _names_of(names)
    order = []                # (key, object, kind) in breadth-first order
    index = {}                # key -> position in order
    links = []                # (source key, target key): data flows source -> target
    queue = []

    def visit(key, obj, kind):
        if key not in index:
            index[key] = len(order)
            order.append((key, obj, kind))
            queue.append((key, obj, kind))

    for t in roots:
        visit(("t", id(t)), t, "tensor")
    head = 0
    while head < len(queue):
        key, obj, kind = queue[head]
        head += 1
        if kind == "tensor":
            fn = obj.creator
            if fn is not None:
                visit(("f", id(fn)), fn, "op")
                links.append((("f", id(fn)), key))
        else:
            for x in obj.inputs or ():
                visit(("t", id(x)), x, "tensor")
                links.append((("t", id(x)), key))

    keep = len(order) if max_nodes is None else min(max_nodes, len(order))
    graph = Graph(total_nodes=len(order))
    root_ids = {id(t) for t in roots}
    ids = {}
    for pos, (key, obj, kind) in enumerate(order[:keep]):
        node_id = f"t{pos}" if kind == "tensor" else f"op{pos}"
        ids[key] = node_id
        if kind == "tensor":
            role = ("output" if id(obj) in root_ids else "intermediate" if obj.creator is not None
                    else "leaf" if obj.requires_grad else "constant")
            lines = _tensor_lines(obj, role, named.get(id(obj)), show_data, show_grad)
        else:
            released = obj.inputs is None
            role = "released" if released else "op"
            lines = [obj.name] + (["(freed by backward)"] if released else [])
        graph.nodes.append(Node(node_id, kind, role, lines))
    cut = set()           # drawn nodes with an undrawn input
    for source, target in links:
        if source in ids and target in ids:
            graph.edges.append((ids[source], ids[target], False))
        elif target in ids:
            cut.add(target)
    if keep < len(order):
        hidden = len(order) - keep
        graph.nodes.append(Node("more", "note", "note", [
            f"... {hidden} more nodes not drawn",
            f"(the graph has {len(order)}; max_nodes={max_nodes})",
        ]))
        for key in sorted(cut, key=index.__getitem__):
            graph.edges.append(("more", ids[key], True))
    return graph


def _tensor_lines(t, role, param_name, show_data, show_grad):
    lines = []
    name = t.name if t.name is not None else param_name
    if name is not None:
        lines.append(str(name))
    lines.append(f"{_shape(t.shape)} {t.dtype}")
    if role == "leaf" or (role == "output" and t.creator is None and t.requires_grad):
        lines.append("requires grad")
    elif role == "constant" or (role == "output" and not t.requires_grad):
        lines.append("no grad")
    if show_data and t.size <= MAX_SHOWN_VALUES:
        lines.extend(_labelled("data", t.data))
    if show_grad and t.grad is not None and t.grad.size <= MAX_SHOWN_VALUES:
        lines.extend(_labelled("grad", t.grad.data if isinstance(t.grad, Tensor) else t.grad))
    return lines


def _labelled(label, array):
    first, *rest = _values(array).split("\n")
    return [f"{label} {first}"] + [" " * (len(label) + 1) + line for line in rest]


def _shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _values(array):
    a = backend.to_numpy(array)
    if a.ndim == 0:
        return np.format_float_positional(a.item(), precision=4, trim="0") if a.dtype.kind == "f" else str(a)
    return np.array2string(a, precision=4, separator=", ", suppress_small=True, max_line_width=48)
