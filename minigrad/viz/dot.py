"""``to_dot``: the Graphviz DOT source of the graph behind some tensors."""
from __future__ import annotations

from minigrad.viz.graph import build_graph, check_max_nodes, collect_roots

#: Fill colours by role, shared with the matplotlib renderer so both drawings look alike.
COLORS = {
    "output": "#f6c9a8",        # the tensors asked for
    "leaf": "#b9dcf5",          # leaves that require grad: what gradients are for
    "constant": "#e4e4e4",      # leaves without grad
    "intermediate": "#ffffff",  # results of recorded ops
    "op": "#d5ecc2",
    "released": "#f2f2f2",
    "note": "#fff6bf",
}

DEFAULT_MAX_NODES = 300


def check_rankdir(rankdir, caller):
    if rankdir not in ("LR", "TB", "BT", "RL"):
        raise ValueError(f"{caller}: rankdir must be 'LR', 'TB', 'BT' or 'RL', got {rankdir!r}")


def to_dot(*tensors, show_data=False, show_grad=False, max_nodes=DEFAULT_MAX_NODES, names=None,
           rankdir="LR") -> str:
    """Graphviz DOT source of the graph that computed ``tensors``.

    Tensor nodes (boxes) show the tensor's ``name`` when it has one (or its
    parameter name, when ``names`` is a Layer or a ``{name: tensor}`` dict),
    its shape and dtype, and for leaves whether they require grad. Tensors
    with at most 16 elements also show their values (``show_data``) and their
    ``.grad`` (``show_grad``). Op nodes (ellipses) show the op's name. Edges
    run in the direction of the data: input -> op -> output. Graphs recorded by
    ``create_graph=True`` draw the same way. Past ``max_nodes`` nodes (None:
    no cap), only those nearest the given tensors are drawn and a note says how
    many were left out.
    """
    max_nodes = check_max_nodes(max_nodes, "to_dot")
    check_rankdir(rankdir, "to_dot")
    graph = build_graph(collect_roots(tensors, "to_dot"), show_data, show_grad, max_nodes, names)
    return graph_to_dot(graph, rankdir)


def graph_to_dot(graph, rankdir="LR") -> str:
    out = ["digraph minigrad {", f"  rankdir={rankdir};",
           '  node [fontname="DejaVu Sans Mono", fontsize=10];', "  edge [arrowsize=0.7];"]
    for node in graph.nodes:
        label = "\\n".join(_escape(line) for line in node.lines)
        if node.kind == "op":
            style = 'shape=ellipse, style=filled'
        elif node.kind == "note":
            style = 'shape=note, style=filled'
        else:
            style = 'shape=box, style="rounded,filled"'
        out.append(f'  {node.id} [label="{label}", {style}, fillcolor="{COLORS[node.role]}"];')
    for source, target, dashed in graph.edges:
        out.append(f"  {source} -> {target}" + (" [style=dashed];" if dashed else ";"))
    out.append("}")
    return "\n".join(out) + "\n"


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')
