"""Real multi-process runs through ``mpiexec -n 2`` (the mpich wheel of the ``mpi`` extra).

Each test starts one small job of tests/distributed/mpi_worker.py; see that file for
what each case checks on every rank. Together they take a few seconds.
"""
from __future__ import annotations

import re

from mpi_launch import run_case


def _assert_ok(proc, case, ranks=2):
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{case} failed with exit {proc.returncode}:\n{output}"
    for rank in range(ranks):
        assert f"{case} ok rank {rank}" in proc.stdout, output


def test_collectives_and_sampler_on_two_ranks():
    _assert_ok(run_case("collectives"), "collectives")


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
