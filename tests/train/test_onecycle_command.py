"""`minigrad train --schedule onecycle`: the run takes exactly the schedule's total_steps, and a run
stopped after an epoch and resumed ends bit-identical to the uninterrupted one (Adam: beta1 cycled)."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
from training_helpers import data_root  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.cli import main  # noqa: E402

ARGS = ["--schedule", "onecycle", "--optimizer", "adam", "--limit-train", "512", "--hidden", "32", "--epochs", "2",
        "--no-progress", "--seed", "3"]
STEPS = 2 * (512 // 128)


def _run(out, *extra):
    return main(["train", "--data-dir", str(data_root()), "--out", str(out), *ARGS, *extra])


def test_onecycle_run_ends_its_cycle_and_resumes_bit_identical(tmp_path, capsys):
    assert _run(tmp_path / "full") == 0
    full = mg.load(tmp_path / "full" / "checkpoint.npz")
    schedule = full["schedule"]
    assert schedule["total_steps"] == schedule["last_epoch"] == STEPS   # stepped once per batch, to the end
    group = full["optimizer"]["param_groups"][0]
    # after the last batch the schedule is at step 8, one past the cycle's end (step 7), where PyTorch's
    # cosine has turned up again: phase 2 runs from step 0.3 * 8 - 1 = 1.4 to 7, so t = 6.6 / 5.6
    top, low = 1e-3, 1e-3 / 25 / 1e4
    t = (STEPS - 1.4) / (STEPS - 1 - 1.4)
    assert group["lr"] == pytest.approx(low + (top - low) * (1 + math.cos(math.pi * t)) / 2, rel=1e-12)
    assert group["betas"][0] == pytest.approx(0.95 + (0.85 - 0.95) * (1 + math.cos(math.pi * t)) / 2, rel=1e-12)
    assert group["betas"][1] == 0.999

    out = tmp_path / "resumed"
    assert _run(out, "--stop-after", "1") == 0
    assert mg.load(out / "checkpoint.npz")["schedule"]["last_epoch"] == STEPS // 2
    assert _run(out, "--resume") == 0
    assert "resuming from" in capsys.readouterr().out
    resumed = mg.load(out / "checkpoint.npz")
    for key in full["model"]:
        np.testing.assert_array_equal(resumed["model"][key], full["model"][key], err_msg=key)
    assert resumed["optimizer"]["param_groups"] == full["optimizer"]["param_groups"]
    assert resumed["schedule"] == full["schedule"]
