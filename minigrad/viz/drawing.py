"""``draw``: render the graph to SVG or PNG with Graphviz's ``dot`` when installed, else with matplotlib."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from minigrad.atomic import atomic_file
from minigrad.viz.dot import DEFAULT_MAX_NODES, check_rankdir, graph_to_dot
from minigrad.viz.graph import build_graph, check_max_nodes, collect_roots

FORMATS = ("svg", "png")
RENDERERS = ("auto", "graphviz", "matplotlib")


class Drawing:
    """A rendered graph: ``data`` (the file's bytes), ``format``, ``renderer`` and the DOT ``source``.

    Shows inline in Jupyter (``_repr_svg_`` or ``_repr_png_``, by format);
    ``save(path)`` writes the file atomically.
    """

    def __init__(self, data: bytes, format: str, renderer: str, source: str, nodes: int, total_nodes: int):
        self.data = data
        self.format = format
        self.renderer = renderer
        self.source = source
        self.nodes = nodes
        self.total_nodes = total_nodes

    def _repr_svg_(self):
        return self.data.decode("utf-8") if self.format == "svg" else None

    def _repr_png_(self):
        return self.data if self.format == "png" else None

    def save(self, path) -> Path:
        """Write the picture to ``path`` (a crash never leaves half a file); returns the path."""
        path = Path(path)
        _check_suffix(path, self.format, "Drawing.save")
        with atomic_file(path) as f:
            f.write(self.data)
        return path

    def __repr__(self):
        cut = f" of {self.total_nodes}" if self.total_nodes > self.nodes else ""
        return f"<Drawing {self.format}, {self.nodes}{cut} nodes, drawn by {self.renderer}>"


def _check_suffix(path, format, who):
    # The bytes are one format; a file named for another (graph.pdf, an SVG saved as .png) would not open.
    suffix = path.suffix.lower().lstrip(".")
    if suffix and suffix != format:
        raise ValueError(f"{who}: the picture is {format} but the path {str(path)!r} ends in .{suffix}; "
                         f"name it .{format}, or draw it with format='png' or 'svg' (the only formats)")


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def draw(*tensors, path=None, format=None, show_data=False, show_grad=False, max_nodes=DEFAULT_MAX_NODES,
         names=None, rankdir="LR", renderer="auto", dpi=100) -> Drawing:
    """Draw the graph that computed ``tensors`` (the nodes and labels of :func:`to_dot`).

    ``format`` is ``"svg"`` or ``"png"`` (default: ``path``'s suffix, else
    svg). ``renderer="auto"`` runs Graphviz's ``dot`` program when it is on the
    PATH and otherwise draws the same layered graph with matplotlib, so a
    fresh pip install can draw too; ``"graphviz"`` or ``"matplotlib"`` force
    one. With ``path`` the picture is also saved there, atomically. Returns a
    :class:`Drawing`, which Jupyter shows inline.
    """
    if format is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        format = suffix if suffix in FORMATS else "svg"
    if format not in FORMATS:
        raise ValueError(f"draw: format must be 'svg' or 'png', got {format!r}")
    if path is not None:
        _check_suffix(Path(path), format, "draw")
    if renderer not in RENDERERS:
        raise ValueError(f"draw: renderer must be one of {', '.join(map(repr, RENDERERS))}, got {renderer!r}")
    if not (isinstance(dpi, (int, float)) and dpi > 0):
        raise ValueError(f"draw: dpi must be a positive number, got {dpi!r}")
    max_nodes = check_max_nodes(max_nodes, "draw")
    check_rankdir(rankdir, "draw")
    graph = build_graph(collect_roots(tensors, "draw"), show_data, show_grad, max_nodes, names)
    source = graph_to_dot(graph, rankdir)
    if renderer == "auto":
        renderer = "graphviz" if graphviz_available() else "matplotlib"
    if renderer == "graphviz":
        data = _run_dot(source, format, dpi)
    else:
        from minigrad.viz.matplotlib_renderer import render

        data = render(graph, format, rankdir, dpi)
    drawn = sum(1 for n in graph.nodes if n.kind != "note")
    drawing = Drawing(data, format, renderer, source, drawn, graph.total_nodes)
    if path is not None:
        drawing.save(path)
    return drawing


def _run_dot(source, format, dpi):
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError("draw(renderer='graphviz'): Graphviz's 'dot' program is not on the PATH; install "
                           "Graphviz (apt install graphviz, brew install graphviz, conda install graphviz) "
                           "or use renderer='auto' to fall back to matplotlib")
    args = [dot, f"-T{format}"] + ([f"-Gdpi={dpi}"] if format == "png" else [])
    done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"draw: Graphviz's dot failed (exit {done.returncode}): "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout
