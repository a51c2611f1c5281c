"""Shared helpers of the training tests (test_cli, test_resume, test_mnist_e2e, test_examples).

The real MNIST files live in ``shared/data/mnist`` beside the repository (CI clones
the repo with ``shared/`` next to it); ``MINIGRAD_TEST_DATA`` overrides the folder.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def data_root() -> Path:
    """The folder holding ``mnist/``; a missing file fails the test with instructions."""
    env = os.environ.get("MINIGRAD_TEST_DATA", "").strip()
    root = Path(env) if env else REPO / ".." / "shared" / "data"
    for name in MNIST_FILES:
        assert (root / "mnist" / name).is_file(), (
            f"the training tests need the real MNIST files: {root / 'mnist' / name} is missing "
            "(set MINIGRAD_TEST_DATA to the folder holding mnist/)")
    return root.resolve()


def read_metrics(out_dir) -> list[dict]:
    """metrics.csv as a list of dicts of floats (epoch as int)."""
    with open(Path(out_dir) / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()} for row in rows]


def run_python(args, cwd=None, timeout=300, env_extra=None):
    """Run ``python ARGS`` with the repository importable; returns the CompletedProcess (text)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, *args], cwd=cwd or REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def is_png(path) -> bool:
    """True if ``path`` is a PNG that matplotlib can decode into a non-trivial image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg

    with open(path, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            return False
    image = mpimg.imread(path)
    return image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100 and float(image.std()) > 0
