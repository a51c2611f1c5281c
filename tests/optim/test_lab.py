"""The optimizer lab: surfaces, trajectories, and the example script that draws them."""
import os
import subprocess
import sys

import numpy as np
import pytest

from minigrad.lab import paths as lab_paths
from minigrad.lab.surfaces import SURFACES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    with open(path, "rb") as stream:
        header = stream.read(24)
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert header[12:16] == b"IHDR"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_each_surface_has_its_stated_minimum(name):
    surface = SURFACES[name]
    np.testing.assert_allclose(surface.fn(*surface.minimum), surface.min_value, atol=1e-12)
    # and nearby points are higher
    for dx, dy in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert surface.fn(surface.minimum[0] + dx, surface.minimum[1] + dy) > surface.min_value


def test_zoo_has_every_optimizer():
    zoo = lab_paths.optimizer_zoo(SURFACES["ravine"])
    assert set(zoo) == {"SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW",
                        "Adamax", "NAdam", "RAdam", "LBFGS", "NewtonCG", "CG", "BFGS", "Newton"}


def test_run_records_the_path_and_stops_at_the_minimum():
    surface = SURFACES["ravine"]
    path = lab_paths.run(surface, "Newton", lab_paths.optimizer_zoo(surface)["Newton"], steps=10)
    assert path.points.shape == (2, 2)  # the start, then the exact minimum of a quadratic after one step
    np.testing.assert_allclose(path.points[0], surface.start)
    np.testing.assert_allclose(path.points[1], surface.minimum, atol=1e-12)
    np.testing.assert_allclose(path.losses, [surface.fn(*p) for p in path.points])


def test_run_of_gradient_descent_follows_the_update_equation():
    surface = SURFACES["ravine"]  # f = 0.05 x^2 + 5 y^2: gradient (0.1 x, 10 y)
    lr = surface.lr["sgd"]
    path = lab_paths.run(surface, "SGD", lab_paths.optimizer_zoo(surface)["SGD"], steps=3)
    x = np.array(surface.start)
    for k in range(1, 4):
        x = x - lr * np.array([0.1 * x[0], 10.0 * x[1]])
        np.testing.assert_allclose(path.points[k], x, rtol=1e-12)


def test_curvature_history_matches_the_hand_derived_values():
    surface = SURFACES["ravine"]  # H = diag(0.1, 10)
    history = lab_paths.curvature_history(surface, lr=0.05, steps=2)
    x = np.array(surface.start)
    for row in history:
        g = np.array([0.1 * x[0], 10.0 * x[1]])
        np.testing.assert_allclose(row, [surface.fn(*x), g @ g, 0.1 * g[0] ** 2 + 10.0 * g[1] ** 2], rtol=1e-12)
        x = x - 0.05 * g


def test_example_script_writes_valid_pngs(tmp_path):
    out = tmp_path / "img"
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "examples", "optimizer_paths.py"), "--out", str(out), "--steps", "3"],
        capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stderr
    expected = [f"{kind}_{name}.png" for name in SURFACES for kind in ("paths", "losses")]
    expected.append("curvature_rosenbrock.png")
    assert sorted(os.listdir(out)) == sorted(expected)
    # The stated sizes (minigrad/lab/plots.py, docs/optimizers.md): 100 dpi; 16 panels of 3.2 x 3 inches, 4 a row.
    stated = {"paths": (1280, 1200), "losses": (1100, 650), "curvature": (1000, 650)}
    for name in expected:
        assert _png_size(out / name) == stated[name.split("_")[0]], name
        assert (out / name).stat().st_size < 400 * 1024


def test_example_script_rejects_a_bad_step_count(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "examples", "optimizer_paths.py"), "--out", str(tmp_path), "--steps", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "--steps must be >= 1, got 0" in result.stderr


def test_importing_minigrad_does_not_import_matplotlib():
    code = "import sys, minigrad, minigrad.optim, minigrad.lab.paths; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
