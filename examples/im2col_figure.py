"""Draw docs/img/im2col.png: a 3x3 image, its four 2x2 windows as the rows of a matrix, one product.

    python examples/im2col_figure.py [--out docs/img/im2col.png]

The numbers are computed by minigrad itself (the windows view and conv2d), so the picture
shows what the code does.
"""
import argparse

import numpy as np

import minigrad as mg
from minigrad.atomic import atomic_file
from minigrad.ops._windows import Geometry, windows

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="docs/img/im2col.png")
args = parser.parse_args()

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

x = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
w = np.array([[1, 2], [3, 4]], dtype=np.float32).reshape(1, 1, 2, 2)
geo = Geometry((2, 2), (1, 1), (1, 1), ((0, 0), (0, 0)))
cols = windows(x.transpose(0, 2, 3, 1), geo, (2, 2)).reshape(4, 4)     # the im2col matrix (N*Ho*Wo, kh*kw*C)
y = mg.conv2d(mg.tensor(x), mg.tensor(w)).numpy()[0, 0]
assert np.array_equal((cols @ w.reshape(4, 1)).reshape(2, 2), y)

colors = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3"]
fig, axes = plt.subplots(1, 4, figsize=(11, 3.2), gridspec_kw={"width_ratios": [3, 4.6, 1.4, 2.4]})


def grid(ax, values, title, outline=None, overlap=False):
    rows, cols_ = values.shape
    ax.set_xlim(0, cols_)
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    for i in range(rows):
        for j in range(cols_):
            ax.add_patch(Rectangle((j, i), 1, 1, fill=False, lw=0.8))
            ax.text(j + 0.5, i + 0.5, f"{values[i, j]:g}", ha="center", va="center", fontsize=11)
    for k, ((i, j, h, wd), color) in enumerate(outline or []):
        inset = 0.06 + (0.06 * k if overlap else 0)   # overlapping windows: nested, so each stays visible
        ax.add_patch(Rectangle((j + inset, i + inset), wd - 2 * inset, h - 2 * inset, fill=False, lw=2.2, ec=color))


grid(axes[0], x[0, 0], "input x (3x3)\nwindows of a 2x2 kernel",
     [((i, j, 2, 2), colors[2 * i + j]) for i in range(2) for j in range(2)], overlap=True)
grid(axes[1], cols, "im2col: one window per row\n(4 x kh*kw*C)", [((r, 0, 1, 4), colors[r]) for r in range(4)])
grid(axes[2], w.reshape(4, 1), "weight\nas a column")
grid(axes[3], y, "y = rows @ column\nreshaped (2x2)", [((i, j, 1, 1), colors[2 * i + j]) for i in range(2) for j in range(2)])
fig.text(0.640, 0.45, "@", fontsize=20, ha="center")
fig.text(0.762, 0.45, "=", fontsize=20, ha="center")
fig.tight_layout()
with atomic_file(args.out, suffix=".png") as f:   # a crash never leaves half a picture
    fig.savefig(f, format="png", dpi=110)
print(f"wrote {args.out}")
