"""Real multi-process runs through ``mpiexec -n 2`` (the mpich wheel of the ``mpi`` extra).

Each test starts one small job of tests/distributed/mpi_worker.py; see that file for
what each case checks on every rank. Together they take a few seconds.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

from mpi_launch import REPO, mpi_env, run_case


def _assert_ok(proc, case, ranks=2):
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{case} failed with exit {proc.returncode}:\n{output}"
    for rank in range(ranks):
        assert f"{case} ok rank {rank}" in proc.stdout, output


def test_collectives_and_sampler_on_two_ranks():
    _assert_ok(run_case("collectives"), "collectives")


def test_point_to_point_and_all_to_all_single_on_two_ranks():
    _assert_ok(run_case("p2p"), "p2p")


def test_point_to_point_and_all_to_all_single_of_cuda_tensors_on_two_ranks_with_the_cupy_stand_in():
    _assert_ok(run_case("p2p_fake_cuda"), "p2p_fake_cuda")


def test_ddp_broadcasts_averages_and_keeps_replicas_identical():
    _assert_ok(run_case("ddp"), "ddp")


def test_two_ranks_at_batch_b_equal_one_process_at_batch_2b_after_100_steps():
    proc = run_case("equivalence", "100", "16")
    _assert_ok(proc, "equivalence")
    worst = float(re.search(r"worst relative difference (\S+)", proc.stdout).group(1))
    assert worst < 1e-5


def test_a_rank_that_raises_ends_the_job_with_its_error():
    proc = run_case("raises", timeout=60)
    assert proc.returncode != 0
    assert "ValueError: boom from rank 1" in proc.stderr
    assert "rank 1 of 2 raised ValueError; aborting the job" in proc.stderr
    assert "raises ok rank 0" not in proc.stdout


def test_different_models_are_one_error_on_every_rank():
    proc = run_case("mismatch")
    _assert_ok(proc, "mismatch")
    for rank in (0, 1):
        assert f"mismatch error on rank {rank}: DistributedDataParallel: the ranks hold different models" in proc.stdout


def test_the_scaling_benchmark_runs(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_distributed", "--steps", "3", "--warmup", "1",
                           "--reps", "1", "--samples", "1024", "--batch", "32", "--json", str(out)],
                          cwd=REPO, env=mpi_env(), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    assert result["parameters"] == 835_560 and result["ranks"] == 2
    for key in ("samples_per_s_1", "samples_per_s_2", "allreduce_ms_per_step", "raw_mpi_allreduce_ms",
                "scaling_efficiency"):
        assert result[key] > 0, key
    assert "scaling efficiency" in proc.stdout


def test_sync_batch_norm_on_batches_of_3_and_5_equals_batch_norm_on_the_8_samples():
    proc = run_case("syncbn")
    _assert_ok(proc, "syncbn")
    for rank in (0, 1):
        # (the two ranks' lines may interleave: read each figure by its label)
        line = re.search(rf"syncbn on rank {rank}: worst absolute differences (.*)", proc.stdout).group(1)
        line = line.split("syncbn")[0]   # up to the next rank's text, where a newline went missing in between
        figures = dict(re.findall(r"([a-z][a-z ]*?) (\d\.\de[-+]\d\d)", line))
        assert set(figures) == {"output", "input gradient", "parameter gradient", "running statistics",
                                "eval output"}, line
        assert all(float(v) < 1e-12 for v in figures.values()), line
