"""The benchmark suite runs: ``python -m benchmarks --quick`` writes a complete, sane JSON.

No timing is asserted (speed is measured, never asserted in tests): only that
every case is there with positive finite times and ratios, that the machine is
described, and that each hand-written reference computed the same thing as
minigrad (their weights agree after the same steps).
"""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = ("mnist", "tiny", "wide", "optim", "backward", "memory", "threads", "recurrent", "cnn", "conv", "layernorm")


def _finite_positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_quick_suite_writes_every_case(tmp_path):
    out = tmp_path / "bench.json"
    md = tmp_path / "performance.md"
    # One BLAS thread: a busy CI machine cannot then stall the BLAS threads (it only affects speed).
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(out), "--markdown", str(md)],
                          cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    results = json.loads(out.read_text())

    machine = results["machine"]
    for key in ("cpu", "cores", "python", "numpy", "date", "device"):
        assert machine.get(key), f"machine info lacks {key}"
    assert results["quick"] is True
    assert set(results["cases"]) == set(CASES)

    rows = results["rows"]
    for case in ("mnist_epoch", "tiny_step", "wide_step", "optimizer_step", "backward_scaling", "memory",
                 "recurrent_step", "cnn_epoch", "conv2d_fwd_bwd", "layer_norm_fwd_bwd"):
        assert any(r["case"] == case for r in rows), f"no result for {case}"
    for r in rows:
        label = f"{r['case']} / {r['variant']}"
        assert _finite_positive(r["minigrad_s"]), label
        assert _finite_positive(r["reference_s"]), label
        assert _finite_positive(r["ratio"]), label
        if r.get("target") is not None:
            assert isinstance(r["holds"], bool), label
        for key in ("check_max_abs_weight_diff", "check_max_abs_param_diff", "check_max_abs_grad_diff"):
            if key in r:     # the reference and minigrad took the same steps: same weights
                assert r[key] < 1e-3, f"{label}: {key} = {r[key]}"

    threaded = [r for r in rows if r["case"] == "threaded_optimizer_step"]
    assert len(threaded) == 14 and all(_finite_positive(r["minigrad_1thread_s"]) for r in threaded)
    assert {r["variant"].split(",")[0] for r in threaded} == {r["variant"] for r in rows if r["case"] == "optimizer_step"}
    assert sum(r["case"] == "threaded_mnist_epoch" for r in rows) == 2
    optimizers = {r["variant"] for r in rows if r["case"] == "optimizer_step"}
    assert optimizers == {"SGD", "SGD momentum", "SGD Nesterov", "Adagrad", "RMSprop", "RMSprop centered+momentum",
                          "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"}
    text = md.read_text()
    assert "| case |" in text.lower() or "| Case |" in text
    assert "--device cuda" in text


def test_the_suite_run_time_is_stated_once_and_is_the_recorded_one():
    # It was stated three ways: README "about a minute", docs "a few minutes", the 3 to 4 minutes.
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    recorded = [json.loads((root / "benchmarks" / name).read_text())["total_seconds"]
                for name in ("results-cpu.json", "results-cpu-blas1.json")]
    performance = " ".join((root / "docs" / "performance.md").read_text().split())
    assert f"took **{round(recorded[0])} s**" in performance and f"and {round(recorded[1])} s with" in performance
    for name in ("README.md", "docs/performance.md", "docs/mnist.md", "benchmarks/run.py", "benchmarks/report.py"):
        text = (root / name).read_text()
        assert not re.search(r"about a minute|a few minutes|< ?20 s", text), name
