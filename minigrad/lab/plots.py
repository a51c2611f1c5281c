"""Draw the lab's figures: contour plots with trajectories, loss curves, the curvature monitor.

matplotlib is imported inside each function, and figures are drawn with the
object-oriented API on an Agg canvas, so nothing here touches pyplot's global
state or needs a display.

Sizes: every figure is saved at :data:`DPI` (100), with text of at least 9 points
(12 pixels), so each label reads at 100% zoom. A paths figure is
:data:`PANEL_SIZE` inches per optimizer panel, 4 panels a row (16 optimizers:
1280 x 1200 pixels); the loss and curvature figures are :data:`LOSSES_SIZE` and
:data:`CURVATURE_SIZE` inches (1100 x 650 and 1000 x 650 pixels).
"""
from __future__ import annotations

import io

import numpy as np

DPI = 100
PANEL_SIZE = (3.2, 3.0)
LOSSES_SIZE = (11.0, 6.5)
CURVATURE_SIZE = (10.0, 6.5)

#: 16 optimizers, 16 distinct styles: 8 colours (colour-blind safe, Okabe-Ito plus grey), solid then dashed,
#: first-order methods solid and the closure-based ones dashed.
_COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#999999")
_LINESTYLES = ("-", "--", ":", "-.")


def _new_figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path, dpi):
    """Write the PNG atomically (``minigrad.atomic``), as a 128-colour palette image: a third of the bytes or less."""
    from PIL import Image   # matplotlib's own dependency

    from minigrad.atomic import atomic_write_bytes

    rendered = io.BytesIO()
    figure.savefig(rendered, format="png", dpi=dpi)
    rendered.seek(0)
    palette = Image.open(rendered).convert("RGB").quantize(colors=128)
    packed = io.BytesIO()
    palette.save(packed, format="png", optimize=True)
    atomic_write_bytes(path, packed.getvalue())
    return path


def _contours(ax, surface, resolution=100):
    """Log-spaced contour lines of ``surface`` on its window, and its minimum as a star."""
    xs = np.linspace(*surface.xlim, resolution)
    ys = np.linspace(*surface.ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    gap = surface.fn(X, Y) - surface.min_value
    levels = np.logspace(np.log10(max(gap.min(), 1e-3)), np.log10(gap.max()), 12)
    ax.contour(X, Y, gap, levels=levels, cmap="viridis", linewidths=0.6)
    ax.plot(*surface.minimum, marker="*", color="gold", markersize=9, markeredgecolor="black")
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)


def plot_paths(surface, paths, path, columns=4, dpi=DPI):
    """One contour panel per optimizer with its trajectory; saved as a PNG at ``path``."""
    rows = -(-len(paths) // columns)
    figure = _new_figure(PANEL_SIZE[0] * columns, PANEL_SIZE[1] * rows)
    for i, run in enumerate(paths):
        ax = figure.add_subplot(rows, columns, i + 1)
        _contours(ax, surface)
        ax.plot(run.points[:, 0], run.points[:, 1], "-o", color="crimson", markersize=2, linewidth=1.2)
        ax.plot(*run.points[0], "ko", markersize=4)
        gap = run.losses[-1] - surface.min_value
        ax.set_title(f"{run.name}: {len(run.points) - 1} steps\ngap {gap:.1e}", fontsize=10)
        ax.tick_params(labelsize=9)
    figure.suptitle(surface.title, fontsize=13)
    figure.tight_layout()
    return _save(figure, path, dpi)


def line_style(i):
    """(colour, line style) of the i-th line: distinct for up to 32 lines."""
    return _COLOURS[i % len(_COLOURS)], _LINESTYLES[(i // len(_COLOURS)) % len(_LINESTYLES)]


def plot_losses(surface, paths, path, dpi=DPI):
    """``f(x_k) - f*`` against the step k for every optimizer, on a log scale, each line its own style."""
    figure = _new_figure(*LOSSES_SIZE)
    ax = figure.add_subplot(1, 1, 1)
    for i, run in enumerate(paths):
        gap = np.maximum(run.losses - surface.min_value, 1e-16)
        colour, style = line_style(i)
        ax.semilogy(np.arange(len(gap)), gap, linestyle=style, color=colour, label=run.name, linewidth=1.6)
    ax.set_xlabel("step (one iteration)", fontsize=11)
    ax.set_ylabel("f(x) - f*", fontsize=11)
    ax.set_title(f"Loss per step: {surface.title}", fontsize=12)
    ax.tick_params(labelsize=10)
    ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, handlelength=3)
    ax.grid(True, which="major", alpha=0.3)
    figure.tight_layout()
    return _save(figure, path, dpi)


def plot_curvature(history, lr, title, path, dpi=DPI):
    """The ill-conditioning monitor: ``g^T g`` and ``lr/2 g^T H g`` over gradient-descent steps.

    ``history`` rows are ``(loss, g^T g, g^T H g)``. While ``lr/2 g^T H g``
    stays below ``g^T g`` a gradient step lowers the loss (Goodfellow et al. 8.2.1).
    """
    history = np.asarray(history)
    steps = np.arange(len(history))
    figure = _new_figure(*CURVATURE_SIZE)
    top = figure.add_subplot(2, 1, 1)
    top.semilogy(steps, history[:, 1], "-", color=_COLOURS[5], label=r"$g^\top g$", linewidth=1.6)
    top.semilogy(steps, np.abs(0.5 * lr * history[:, 2]), "--", color=_COLOURS[4],
                 label=r"$|\frac{\epsilon}{2} g^\top H g|$", linewidth=1.6)
    top.set_title(f"Curvature monitor, gradient descent with $\\epsilon$={lr}: {title}", fontsize=12)
    top.legend(fontsize=11)
    top.tick_params(labelsize=10)
    top.grid(True, alpha=0.3)
    bottom = figure.add_subplot(2, 1, 2)
    bottom.plot(steps, history[:, 0], color="black")
    bottom.set_yscale("symlog", linthresh=1e-6)
    bottom.set_xlabel("step", fontsize=11)
    bottom.set_ylabel("loss", fontsize=11)
    bottom.tick_params(labelsize=10)
    bottom.grid(True, alpha=0.3)
    figure.tight_layout()
    return _save(figure, path, dpi)
