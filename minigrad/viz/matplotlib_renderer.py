"""Draw a :class:`~minigrad.viz.graph.Graph` with matplotlib: the fallback when Graphviz is not installed.

The layout comes from :mod:`minigrad.viz.layout`; boxes are sized from their
text in a monospace font, so sizes are known before anything is drawn. The
figure uses the object-oriented API on an Agg canvas (no pyplot, no display).
"""
from __future__ import annotations

import io
import math

from minigrad.viz.dot import COLORS
from minigrad.viz.layout import layout

FONT_SIZE = 9
CHAR_W = 0.61 * FONT_SIZE / 72       # DejaVu Sans Mono advances 0.6 em per character
LINE_H = 1.3 * FONT_SIZE / 72
RANK_GAP = 0.5                       # inches between neighbouring layers
CROSS_GAP = 0.25                     # inches between neighbours within a layer
MARGIN = 0.2
MAX_PIXELS = 30000                   # PNG side cap: a huge graph gets a lower dpi, not a failed save


def node_size(node):
    """(width, height) in inches of the box or ellipse holding ``node``'s lines."""
    chars = max(len(line) for line in node.lines)
    w, h = chars * CHAR_W, len(node.lines) * LINE_H
    if node.kind == "op":  # an ellipse holds its text's box when it is sqrt(2) larger
        return w * 1.42 + 0.15, h * 1.42 + 0.12
    return w + 0.2, h + 0.14


def render(graph, fmt="svg", rankdir="LR", dpi=100) -> bytes:
    from matplotlib import patches, rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.path import Path

    positions, routes, rows = layout(graph)
    sizes = {n.id: node_size(n) for n in graph.nodes}
    horizontal = rankdir in ("LR", "RL")
    along = 0 if horizontal else 1     # size index along the rank axis
    # Each layer is as deep as its deepest node; every slot across is as wide as the widest node.
    depth = [max((sizes[i][along] for i in row if not isinstance(i, tuple)), default=0.2) for row in rows]
    slot = max((s[1 - along] for s in sizes.values()), default=0.5) + CROSS_GAP
    centers, r = [], MARGIN
    for d in depth:
        centers.append(r + d / 2)
        r += d + RANK_GAP
    rank_extent = r - RANK_GAP + MARGIN
    cross = [p for row in rows for p in _row_positions(row)]
    low, high = min(cross, default=0), max(cross, default=0)
    cross_extent = (high - low) * slot + slot + 2 * MARGIN

    def xy(layer_r, c):
        c = (c - low) * slot + slot / 2 + MARGIN
        if rankdir == "LR":
            return layer_r, cross_extent - c
        if rankdir == "RL":
            return rank_extent - layer_r, cross_extent - c
        if rankdir == "TB":
            return c, rank_extent - layer_r
        return c, layer_r  # BT

    width, height = (rank_extent, cross_extent) if horizontal else (cross_extent, rank_extent)
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()

    centre = {}
    for node in graph.nodes:
        p = positions[node.id]
        x, y = centre[node.id] = xy(centers[p.layer], p.y)
        w, h = sizes[node.id]
        color = COLORS[node.role]
        if node.kind == "op":
            shape = patches.Ellipse((x, y), w, h, facecolor=color, edgecolor="black", linewidth=0.8)
        else:
            shape = patches.FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.06",
                                           facecolor=color, edgecolor="black", linewidth=0.8,
                                           linestyle="--" if node.kind == "note" else "-")
        ax.add_patch(shape)
        ax.text(x, y, "\n".join(node.lines), ha="center", va="center", fontsize=FONT_SIZE,
                family="DejaVu Sans Mono", linespacing=1.15)

    kinds = {n.id: n.kind for n in graph.nodes}
    seen = {}
    for (source, target, dashed), route in zip(graph.edges, routes):
        layer_s, layer_t = positions[source].layer, positions[target].layer
        points = [centre[source]]
        points += [xy(centers[layer], c) for layer, c in zip(range(layer_s + 1, layer_t), route)]
        points.append(centre[target])
        repeat = seen[(source, target)] = seen.get((source, target), -1) + 1
        if repeat:  # the same tensor used twice by one op (x * x): bend the second edge aside
            (x0, y0), (x1, y1) = points[-2], points[-1]
            length = math.hypot(x1 - x0, y1 - y0) or 1.0
            bend = 0.18 * ((repeat + 1) // 2) * (1 if repeat % 2 else -1)
            points.insert(-1, ((x0 + x1) / 2 - bend * (y1 - y0) / length,
                               (y0 + y1) / 2 + bend * (x1 - x0) / length))
        points[0] = _clip(points[0], points[1], sizes[source], kinds[source])
        points[-1] = _clip(points[-1], points[-2], sizes[target], kinds[target])
        ax.add_patch(patches.FancyArrowPatch(path=_smooth(points, Path), arrowstyle="-|>", mutation_scale=9,
                                             linewidth=0.8, color="#333333", shrinkA=0, shrinkB=0,
                                             linestyle="--" if dashed else "-"))

    buffer = io.BytesIO()
    if fmt == "png":
        dpi = min(dpi, MAX_PIXELS / max(width, height))
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "minigrad"}):
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def _smooth(points, Path):
    """A Catmull-Rom curve through the waypoints (as cubic Bezier pieces): long edges bend, not zig-zag."""
    if len(points) == 2:
        return Path(points)
    vertices, codes = [points[0]], [Path.MOVETO]
    for i in range(len(points) - 1):
        p0, p1, p2 = points[max(i - 1, 0)], points[i], points[i + 1]
        p3 = points[min(i + 2, len(points) - 1)]
        vertices += [(p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6),
                     (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6), p2]
        codes += [Path.CURVE4] * 3
    return Path(vertices, codes)


def _row_positions(row):
    return [i - (len(row) - 1) / 2 for i in range(len(row))]


def _clip(centre, toward, size, kind):
    """Where the line from ``centre`` to ``toward`` leaves the node's box (or ellipse)."""
    (cx, cy), (tx, ty) = centre, toward
    dx, dy = tx - cx, ty - cy
    a, b = size[0] / 2, size[1] / 2
    if dx == 0 and dy == 0:
        return centre
    if kind == "op":
        t = 1 / math.sqrt((dx / a) ** 2 + (dy / b) ** 2)
    else:
        t = min(a / abs(dx) if dx else math.inf, b / abs(dy) if dy else math.inf)
    t = min(t, 1.0)
    return cx + t * dx, cy + t * dy
