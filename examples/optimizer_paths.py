"""The optimizer lab: draw every minigrad optimizer's path on four 2-D surfaces.

Writes, into --out (default docs/img):
  paths_<surface>.png    contour plot per optimizer with its trajectory
  losses_<surface>.png   f(x_k) - f* against the step, all optimizers
  curvature_rosenbrock.png   g^T g and lr/2 g^T H g over gradient descent (Goodfellow et al. 8.2.1)

Usage:
  python examples/optimizer_paths.py --out docs/img --steps 300
  python examples/optimizer_paths.py --out /tmp/lab --steps 5      # quick (CI)
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from minigrad.lab import paths as lab_paths  # noqa: E402
from minigrad.lab import plots  # noqa: E402
from minigrad.lab.surfaces import SURFACES  # noqa: E402


def parse_args(argv=None):
    """The command line: --out, --steps, --surfaces."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("docs", "img"), help="folder for the PNG files")
    parser.add_argument("--steps", type=int, default=300, help="steps per optimizer (a small number for a quick run)")
    parser.add_argument("--surfaces", nargs="+", default=list(SURFACES), choices=list(SURFACES),
                        help="which surfaces to draw")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be >= 1, got {args.steps}")
    return args


def main(argv=None):
    """Run every optimizer on every chosen surface and write the figures."""
    args = parse_args(argv)
    written = []
    for name in args.surfaces:
        surface = SURFACES[name]
        runs = lab_paths.run_all(surface, args.steps)
        written.append(plots.plot_paths(surface, runs, os.path.join(args.out, f"paths_{name}.png")))
        written.append(plots.plot_losses(surface, runs, os.path.join(args.out, f"losses_{name}.png")))
        for run in runs:
            print(f"{name:10s} {run.name:9s} steps={len(run.points) - 1:4d} "
                  f"f-f*={run.losses[-1] - surface.min_value:.3e}")
    rosenbrock, lr = SURFACES["rosenbrock"], 1e-3
    history = lab_paths.curvature_history(rosenbrock, lr, args.steps)
    written.append(plots.plot_curvature(history, lr, rosenbrock.title,
                                        os.path.join(args.out, "curvature_rosenbrock.png")))
    for path in written:
        print("wrote", path)


if __name__ == "__main__":
    main()
