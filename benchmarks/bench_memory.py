"""Case 6: peak resident memory of the default ``minigrad train`` run, and its growth per epoch.

The training runs in a fresh child process (``benchmarks/memory_probe.py``), so
the numbers are its own: the peak is the kernel's high-water mark of the
resident set (VmHWM in /proc/self/status, read when training ends), and the RSS
is sampled right after each epoch line. Sizes are decimal MB (10^6 bytes).

Targets: peak <= the dataset in float32 (70000 x 784 x 4 B = 219.5 MB) + 300 MB,
and no growth from epoch 2 to the last epoch (up to 5 MB of allocator noise is
counted as none).

Which run: the ``minigrad train`` command with its defaults (MNIST, 784-1000-50-10,
dropout 0.2, Adam, batch 128, cosine schedule, progress bar, checkpoint
every epoch, plots at the end) except ``--epochs`` (4; quick: see below) and ``--out`` (a
temporary folder). It needs the MNIST files: ``--data-dir`` of the suite, else
$MINIGRAD_DATA, else the default data root, else ``../shared/data`` next to the
repository. Without them, and under ``--quick``, the equivalent loop over the
public API on synthetic data of the same shape runs instead (the row says which).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATASET_MB = 70000 * 784 * 4 / 1e6      # MNIST train + test in float32
BUDGET_MB = DATASET_MB + 300.0
GROWTH_TOLERANCE_MB = 5.0
REPO = Path(__file__).resolve().parents[1]


def find_mnist(explicit=None):
    """The data folder that holds mnist/train-images-idx3-ubyte.gz (or the files directly), or None."""
    candidates = [explicit, os.environ.get("MINIGRAD_DATA")]
    try:
        from minigrad.data import default_data_root

        candidates.append(str(default_data_root()))
    except Exception:
        pass
    candidates.append(str(REPO.parent / "shared" / "data"))
    for c in candidates:
        if not c:
            continue
        root = Path(c).expanduser()
        if (root / "mnist" / "train-images-idx3-ubyte.gz").is_file() or (root / "train-images-idx3-ubyte.gz").is_file():
            return str(root)
    return None


def _cli_available():
    try:
        import minigrad.cli  # noqa: F401
        import minigrad.train  # noqa: F401
        return True
    except Exception:
        return False


def _mb(mib):
    return None if mib is None else mib * 1024 * 1024 / 1e6


def training_memory(ctx):
    data_dir = find_mnist(getattr(ctx, "data_dir", None))
    epochs = 3 if ctx.quick else 4
    with tempfile.TemporaryDirectory(prefix="minigrad-mem-") as tmp:
        out = os.path.join(tmp, "probe.json")
        if data_dir and _cli_available() and not ctx.quick:
            how = (f"`minigrad train --data-dir {data_dir} --epochs {epochs} --out <tmp>` (all other options "
                   f"default), run in a child process")
            cmd = [sys.executable, "-m", "benchmarks.memory_probe", "cli", out, "--",
                   "--data-dir", data_dir, "--epochs", str(epochs), "--out", os.path.join(tmp, "run")]
            if ctx.device != "cpu":     # host RSS of a GPU run (device memory is not counted)
                cmd += ["--device", ctx.device]
            mode = "cli"
        else:
            n = 1200 if ctx.quick else 60000
            why = "--quick" if ctx.quick else ("no MNIST files found" if not data_dir else "no minigrad.cli")
            how = (f"equivalent public-API loop ({why}): synthetic float32 {n}x784 train + {n // 6}x784 test, "
                   f"784-1000-50-10 ReLU MLP, dropout 0.2, Adam, batch 128, {epochs} epochs, in a child process")
            cmd = [sys.executable, "-m", "benchmarks.memory_probe", "loop", out, str(n), str(epochs), "128"]
            mode = "loop"
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   MPLBACKEND="Agg")
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0 or not os.path.exists(out):
            raise RuntimeError(f"memory probe failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        with open(out) as f:
            probe = json.load(f)
    epochs_rss = [(e["epoch"], _mb(e["rss_mb"])) for e in probe["epochs"]]
    peak = _mb(probe["peak_mb"])
    dataset_mb = DATASET_MB if mode == "cli" else (n + n // 6) * 784 * 4 / 1e6
    budget = dataset_mb + 300.0
    rss2 = dict(epochs_rss).get(2)
    rss_last = epochs_rss[-1][1]
    growth = rss_last - rss2
    common = {"how": how, "mode": mode, "epochs": epochs, "rss_after_epoch_mb": dict(epochs_rss),
              "rss_at_start_mb": _mb(probe["rss_at_start_mb"]), "dataset_float32_mb": dataset_mb,
              "seconds": seconds}
    return [
        {
            "case": "memory", "variant": f"peak RSS vs dataset + 300 MB ({mode})", "unit": "MB",
            "minigrad_s": peak, "reference_s": budget, "torch_s": None,
            "ratio": peak / budget, "torch_ratio": None, "target": 1.0, "holds": bool(peak <= budget),
            "reps": 1, "params": common,
            "note": f"ratio = peak / (dataset {dataset_mb:.1f} MB + 300 MB); measured: {how}",
        },
        {
            "case": "memory", "variant": f"RSS after last epoch / after epoch 2 ({mode})", "unit": "MB",
            "minigrad_s": rss_last, "reference_s": rss2, "torch_s": None,
            "ratio": rss_last / rss2, "torch_ratio": None, "target": 1.0,
            "holds": bool(growth <= GROWTH_TOLERANCE_MB), "reps": 1,
            "params": dict(common, growth_mb=growth, tolerance_mb=GROWTH_TOLERANCE_MB),
            "note": f"growth epoch 2 -> {epochs_rss[-1][0]}: {growth:+.1f} MB (holds if <= {GROWTH_TOLERANCE_MB} MB)",
        },
    ]
