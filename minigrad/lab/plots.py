"""Draw the lab's figures: contour plots with trajectories, loss curves, the curvature monitor.

matplotlib is imported inside each function, and figures are drawn with the
object-oriented API on an Agg canvas, so nothing here touches pyplot's global
state or needs a display.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np


def _new_figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path, dpi):
    """Write the PNG atomically: a temporary file in the same folder, then ``os.replace``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            figure.savefig(stream, format="png", dpi=dpi)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a figure is for everyone to read
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
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


def plot_paths(surface, paths, path, columns=4, dpi=52):
    """One contour panel per optimizer with its trajectory; saved as a PNG at ``path``."""
    rows = -(-len(paths) // columns)
    figure = _new_figure(3.0 * columns, 2.6 * rows)
    for i, run in enumerate(paths):
        ax = figure.add_subplot(rows, columns, i + 1)
        _contours(ax, surface)
        ax.plot(run.points[:, 0], run.points[:, 1], "-o", color="crimson", markersize=1.5, linewidth=1.0)
        ax.plot(*run.points[0], "ko", markersize=3)
        gap = run.losses[-1] - surface.min_value
        ax.set_title(f"{run.name}: {len(run.points) - 1} steps, gap {gap:.1e}", fontsize=8)
        ax.tick_params(labelsize=6)
    figure.suptitle(surface.title, fontsize=11)
    figure.tight_layout()
    return _save(figure, path, dpi)


def plot_losses(surface, paths, path, dpi=70):
    """``f(x_k) - f*`` against the step k for every optimizer, on a log scale."""
    figure = _new_figure(8.0, 5.0)
    ax = figure.add_subplot(1, 1, 1)
    styles = ["-", "--", ":", "-."]
    for i, run in enumerate(paths):
        gap = np.maximum(run.losses - surface.min_value, 1e-16)
        ax.semilogy(np.arange(len(gap)), gap, styles[(i // 10) % len(styles)], label=run.name, linewidth=1.2)
    ax.set_xlabel("step (one iteration)")
    ax.set_ylabel("f(x) - f*")
    ax.set_title(f"Loss per step: {surface.title}")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, which="major", alpha=0.3)
    figure.tight_layout()
    return _save(figure, path, dpi)


def plot_curvature(history, lr, title, path, dpi=70):
    """The ill-conditioning monitor: ``g^T g`` and ``lr/2 g^T H g`` over gradient-descent steps.

    ``history`` rows are ``(loss, g^T g, g^T H g)``. While ``lr/2 g^T H g``
    stays below ``g^T g`` a gradient step lowers the loss (Goodfellow et al. 8.2.1).
    """
    history = np.asarray(history)
    steps = np.arange(len(history))
    figure = _new_figure(8.0, 5.0)
    top = figure.add_subplot(2, 1, 1)
    top.semilogy(steps, history[:, 1], label=r"$g^\top g$")
    top.semilogy(steps, np.abs(0.5 * lr * history[:, 2]), label=r"$|\frac{\epsilon}{2} g^\top H g|$")
    top.set_title(f"Curvature monitor, gradient descent with $\\epsilon$={lr}: {title}", fontsize=10)
    top.legend(fontsize=8)
    top.grid(True, alpha=0.3)
    bottom = figure.add_subplot(2, 1, 2)
    bottom.plot(steps, history[:, 0], color="black")
    bottom.set_yscale("symlog", linthresh=1e-6)
    bottom.set_xlabel("step")
    bottom.set_ylabel("loss")
    bottom.grid(True, alpha=0.3)
    figure.tight_layout()
    return _save(figure, path, dpi)
