"""The prepared GPU check, as far as a machine without a GPU can run it: its arguments, the
data it carries, the parsing of what its steps print, the summary, and the sync probe's steps."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import gpu_check

REPO = Path(__file__).resolve().parents[1]


def test_arguments_and_their_errors(tmp_path):
    args = gpu_check.parse_args(["--quick", "--skip", "tests,bench", "--out", str(tmp_path)])
    assert args.quick and args.skip == {"tests", "bench"} and args.out == tmp_path and args.device == "cuda"
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--skip", "tests,nonsense"])


def test_prepare_data_copies_the_four_files_of_both_datasets(tmp_path):
    source = tmp_path / "shared"
    for dataset in ("mnist", "fashion-mnist"):
        (source / dataset).mkdir(parents=True)
        for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                     "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
            (source / dataset / name).write_bytes((dataset + name).encode())
    target = gpu_check.prepare_data(source, tmp_path / "carried")
    for dataset in ("mnist", "fashion-mnist"):
        assert len(list((target / dataset).iterdir())) == 4
        assert (target / dataset / "t10k-images-idx3-ubyte.gz").read_bytes() == (dataset + "t10k-images-idx3-ubyte.gz").encode()
    (source / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(SystemExit, match="4 fashion-mnist .gz files .* found 3"):
        gpu_check.prepare_data(source, tmp_path / "again")
    assert not (tmp_path / "again").exists()   # nothing copied when one dataset is incomplete


def test_the_test_step_points_the_data_tests_at_the_carried_data(tmp_path, monkeypatch):
    seen = {}

    def fake_run(cmd, log, env=None, timeout=None):
        seen.update(env, cmd=cmd)
        return subprocess.CompletedProcess(cmd, 0, "3 passed in 1.0s\n", ""), 1.0

    monkeypatch.setattr(gpu_check, "_run", fake_run)
    args = gpu_check.parse_args(["--out", str(tmp_path)])
    for dataset in ("mnist", "fashion-mnist"):
        (tmp_path / "data" / dataset).mkdir(parents=True)
    assert gpu_check.run_tests(args, {}, tmp_path / "data")["passed"] == 3
    assert seen["MINIGRAD_TEST_DATA"] == str(tmp_path / "data") and seen["MINIGRAD_TEST_DEVICES"] == "cpu,cuda"
    assert seen["cmd"][seen["cmd"].index("-k") + 1] == "cuda or cupy or gpu"   # the device cases: CI runs the rest
    seen.clear()
    gpu_check.run_tests(args, {}, tmp_path / "elsewhere")
    assert "MINIGRAD_TEST_DATA" not in seen   # not there: the tests look where they always do


def test_the_carried_data_folder_is_ignored_by_git():
    assert ".gpu-data/" in (gpu_check.REPO / ".gitignore").read_text().split()


def test_pytest_closing_line_is_parsed():
    assert gpu_check.pytest_counts("....\n12 passed, 3 failed, 1 skipped, 2 errors in 4.0s") == (12, 3, 1, 2)
    assert gpu_check.pytest_counts("2040 passed in 50.1s") == (2040, 0, 0, 0)


def test_accuracy_verdict_and_metrics(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps({"summary": {"final_test_acc": 0.9843}}))
    acc = gpu_check.final_accuracy(tmp_path / "metrics.json")
    assert acc == pytest.approx(98.43)
    assert gpu_check.accuracy_verdict(acc, 98.46)["holds"] is True
    assert gpu_check.accuracy_verdict(98.1, 98.46)["holds"] is False


def test_summary_names_every_step_and_verdict():
    report = {"gpu": "NVIDIA H200", "date": "2026-12-01", "quick": False,
              "tests": {"passed": 10, "failed": 1, "errors": 0, "skipped": 0, "seconds": 3.0},
              "sync": {"steps": 20, "syncs": 0, "by_call": {}, "unwrapped": ["Device.synchronize"]},
              "bench": {"exit": 0, "seconds": 9.0, "rows": [
                  {"case": "wide_step", "variant": "4096", "ratio": 1.2, "target": 1.1, "holds": False}]},
              "train": {"mlp": {"exit": 0, **gpu_check.accuracy_verdict(98.40, 98.46), "seconds_per_epoch": 1.0}}}
    text = "\n".join(gpu_check.summary_lines(report))
    assert "NVIDIA H200" in text and "10 passed, 1 failed" in text
    assert "0 host-device synchronisations in 20 training steps (not counted: Device.synchronize)" in text
    assert "ratio 1.200 (target <= 1.1: MISSES)" in text
    assert "98.40% vs CPU 98.46% (-0.06 pp, bar 0.3 pp: holds)" in text


def test_sync_probe_runs_training_steps_on_the_cpu():
    result = gpu_check.sync_probe("cpu", steps=2, batch=8)
    assert result == {"steps": 2, "syncs": 0, "by_call": {}, "wrapped": [], "unwrapped": []}


def test_sync_probe_reports_what_it_could_not_wrap(monkeypatch):
    # CuPy 14's Device is a compiled type whose methods cannot be replaced; int's stand in for it here
    monkeypatch.setattr(gpu_check, "_sync_points", lambda xp: [(int, "bit_length")])
    result = gpu_check.sync_probe("cpu", steps=1, batch=4)
    assert result["unwrapped"] == ["int.bit_length"] and result["wrapped"] == []


def test_without_a_gpu_the_check_reports_it_and_fails(tmp_path):
    # CUDA_VISIBLE_DEVICES="" hides any GPU, so this runs the no-GPU path on a GPU machine too
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    code = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--skip", "tests,bench,train",
                           "--out", str(tmp_path)], cwd=REPO, env=env, capture_output=True).returncode
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert report["gpu"].startswith("unavailable") and "sync_error" in report and code == 1


def test_the_test_step_runs_on_parallel_workers_where_xdist_is_there(monkeypatch):
    import importlib.util

    cmd = gpu_check.test_command(["tests/ops"], cpus=16)
    assert cmd[-1] == "tests/ops" and cmd[cmd.index("-k") + 1] == "cuda or cupy or gpu"
    if importlib.util.find_spec("xdist") is not None:
        assert cmd[cmd.index("-n") + 1] == "14"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)   # no xdist: one process
    assert "-n" not in gpu_check.test_command([], cpus=16)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert gpu_check.test_command([], cpus=4)[-2:] == ["-n", "2"]
