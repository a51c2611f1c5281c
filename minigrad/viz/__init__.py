"""Draw computation graphs: ``to_dot`` (Graphviz DOT source) and ``draw`` (SVG or PNG).

    >>> import minigrad as mg
    >>> from minigrad import viz
    >>> x = mg.tensor(2.0, requires_grad=True)
    >>> x.name = "x"
    >>> picture = viz.draw(x * x + mg.sin(x), show_data=True)   # shows inline in Jupyter

``draw`` uses Graphviz's ``dot`` program when it is installed and matplotlib
otherwise; neither is imported until something is drawn.
"""
from minigrad.viz.dot import to_dot
from minigrad.viz.drawing import Drawing, draw, graphviz_available

__all__ = ["to_dot", "draw", "Drawing", "graphviz_available"]
