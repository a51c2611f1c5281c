"""Draw the pictures of docs/autodiff.md with minigrad.viz (the matplotlib renderer, so pip alone suffices).

    python examples/autodiff_figures.py            # writes docs/img/autodiff_*.png
    python examples/autodiff_figures.py --out DIR
"""
from __future__ import annotations

import argparse
from pathlib import Path

import minigrad as mg
from minigrad import nn, viz

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def worked_example():
    x = mg.tensor(2.0, requires_grad=True)
    y = mg.tensor(3.0, requires_grad=True)
    x.name, y.name = "x", "y"
    a = x * y
    b = mg.sin(x)
    a.name, b.name = "a", "b"
    f = a + b
    f.name = "f"
    return x, y, f


def figures():
    """``{file name: Drawing}`` of every picture on the page."""
    out = {}
    x, y, f = worked_example()
    out["autodiff_graph.png"] = viz.draw(f, show_data=True, renderer="matplotlib", format="png")

    dx, _ = mg.grad(f, [x, y], create_graph=True)
    dx.name = "df/dx"
    out["autodiff_grad_graph.png"] = viz.draw(dx, show_data=True, renderer="matplotlib", format="png")

    # The double-vjp trick on h(x) = sin(x) * x: g(u) = J^T u, recorded, with a dummy u.
    x = mg.tensor([0.5, 1.0, 2.0], dtype="float64", requires_grad=True)
    x.name = "x"
    h = mg.sin(x) * x
    h.name = "h(x)"
    u = mg.zeros(3, dtype="float64", requires_grad=True)
    u.name = "u (dummy)"
    (g,) = mg.grad(h, [x], grad_outputs=u, create_graph=True)
    g.name = "g = J^T u"
    out["autodiff_double_vjp.png"] = viz.draw(g, renderer="matplotlib", format="png")

    mg.manual_seed(0)
    net = nn.Network(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    images = mg.randn(16, 4)
    images.name = "batch"
    loss = nn.functional.cross_entropy(net(images), mg.tensor([0, 1, 2, 0] * 4))
    loss.name = "loss"
    out["autodiff_mlp.png"] = viz.draw(loss, names=net, renderer="matplotlib", format="png")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS_IMG, help="folder for the PNG files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, drawing in figures().items():
        print(drawing.save(args.out / name))


if __name__ == "__main__":
    main()
