"""Data-parallel scaling: the MNIST MLP on 1 process against N ranks under ``mpiexec``.

    python -m benchmarks.bench_distributed [--ranks 2] [--steps 150] [--batch 128] [--reps 3] [--json OUT]
                                           [--samples 60000] [--warmup 10]

Each run trains the default ``minigrad train`` model (784-1000-50-10 ReLU MLP,
Adam, dropout 0) on data of MNIST's shape for ``--steps`` timed steps after a
warm-up, every process with ONE BLAS thread. The 1-process run uses batch B; the
N-rank run uses batch B per rank (global batch N*B, the `--distributed` meaning of
``--batch-size``), so the samples per second compare the same work per process:

* samples/s: global samples per second of wall time (rank 0's clock, between barriers);
* scaling efficiency: samples/s on N ranks / (N x samples/s on 1 process);
* allreduce per step: the time DistributedDataParallel spends in its gradient
  allreduces (copies into buckets, starting, waiting, averaging, writing .grad),
  next to the hand-written reference, one raw ``MPI_Allreduce`` of the same
  float32 bytes with mpi4py (and their ratio).

The 1-process and N-rank runs alternate ``--reps`` times and the medians are
reported, with the load average before and after (other processes on the machine
take cores from the ranks: MPICH ranks spin while they wait, so a busy machine
hurts the N-rank run more than the single process).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SIZES = (784, 1000, 50, 10)


def worker(steps: int, batch: int, warmup: int = 10, n: int = 60000) -> dict:
    """Time ``steps`` training steps on this process (a rank of a job, or alone); rank 0 reports."""
    import numpy as np

    import minigrad as mg
    from minigrad import distributed as dist
    from minigrad.data import ArrayDataset, DataLoader
    from minigrad.nn.functional import cross_entropy
    from minigrad.optim import Adam
    from minigrad.train.recipes import build_mlp

    dist.init()
    rank, size = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)
    images = rng.random((n, 784), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    mg.manual_seed(0)
    model = build_mlp(SIZES[0], SIZES[1:-1], SIZES[-1], dropout=0.0)
    wrapped = dist.DistributedDataParallel(model) if size > 1 else model
    optimizer = Adam(model.parameters(), lr=1e-3)
    sampler = dist.DistributedSampler(images, shuffle=True, seed=0)
    loader = DataLoader(ArrayDataset(images, labels), batch_size=batch, sampler=sampler)

    def batches():
        epoch = 0
        while True:
            sampler.set_epoch(epoch)
            yield from loader
            epoch += 1

    stream = batches()

    def step():
        x, y = next(stream)
        optimizer.zero_grad()
        cross_entropy(wrapped(x), y).backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    dist.barrier()
    sync0 = wrapped.sync_seconds if size > 1 else 0.0
    start = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    seconds = time.perf_counter() - start
    sync = ((wrapped.sync_seconds if size > 1 else 0.0) - sync0) / steps

    n_params = model.num_parameters()
    raw = _raw_allreduce_seconds(n_params) if size > 1 else 0.0
    result = {"ranks": size, "batch_per_rank": batch, "steps": steps, "seconds": seconds,
              "samples_per_s": size * batch * steps / seconds, "step_ms": 1e3 * seconds / steps,
              "allreduce_ms_per_step": 1e3 * sync, "raw_mpi_allreduce_ms": 1e3 * raw,
              "parameters": n_params, "gradient_bytes": 4 * n_params}
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)
    return result


def _raw_allreduce_seconds(count: int, reps: int = 30) -> float:
    """The reference: median time of one in-place MPI_Allreduce of ``count`` float32 with mpi4py."""
    import numpy as np
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    flat = np.ones(count, dtype=np.float32)
    times = []
    for _ in range(reps):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _run(ranks: int, steps: int, batch: int, samples: int, warmup: int, timeout: float = 900) -> dict:
    from minigrad.distributed.launch import find_mpiexec, launcher_environment

    env = launcher_environment()
    env.update(ONE_THREAD)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "benchmarks.bench_distributed", "--worker", "--steps", str(steps),
               "--batch", str(batch), "--samples", str(samples), "--warmup", str(warmup)]
    if ranks > 1:
        mpiexec = find_mpiexec()
        if mpiexec is None:
            raise SystemExit('bench_distributed: no mpiexec found; pip install "minigrad[mpi]"')
        command = [mpiexec, "-n", str(ranks), *command]
    else:   # a plain process, exactly as `minigrad train` without --distributed runs
        env = {k: v for k, v in env.items() if k not in ("PMI_RANK", "PMI_SIZE", "PMIX_RANK")}
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"bench_distributed: {' '.join(command)} failed ({proc.returncode}):\n"
                         f"{proc.stdout}\n{proc.stderr}")
    return json.loads(lines[-1][len("RESULT "):])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch", type=int, default=128, help="per process (per rank)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60000, help="size of the synthetic training set")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--json", default=None, metavar="OUT")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.steps, args.batch, args.warmup, args.samples)

    load_before = os.getloadavg()
    single, multi = [], []
    for _ in range(args.reps):
        single.append(_run(1, args.steps, args.batch, args.samples, args.warmup))
        multi.append(_run(args.ranks, args.steps, args.batch, args.samples, args.warmup))
    load_after = os.getloadavg()

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    one, many = med(single, "samples_per_s"), med(multi, "samples_per_s")
    allreduce, raw = med(multi, "allreduce_ms_per_step"), med(multi, "raw_mpi_allreduce_ms")
    summary = {
        "cores": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after], "batch_per_rank": args.batch, "steps": args.steps,
        "reps": args.reps, "ranks": args.ranks, "parameters": single[0]["parameters"],
        "samples_per_s_1": one, f"samples_per_s_{args.ranks}": many,
        "step_ms_1": med(single, "step_ms"), f"step_ms_{args.ranks}": med(multi, "step_ms"),
        "allreduce_ms_per_step": allreduce, "raw_mpi_allreduce_ms": raw,
        "allreduce_vs_raw_mpi": allreduce / raw if raw > 0 else float("nan"),
        "scaling_efficiency": many / (args.ranks * one),
        "runs": {"1": single, str(args.ranks): multi},
    }
    print(f"MNIST MLP {'-'.join(map(str, SIZES))} ({summary['parameters']:,} parameters, "
          f"{4 * summary['parameters'] / 2**20:.2f} MiB of float32 gradients), Adam, batch {args.batch} per process, "
          f"one BLAS thread each, {args.steps} timed steps, median of {args.reps}")
    print(f"  1 process : {one:8.0f} samples/s  ({summary['step_ms_1']:.1f} ms/step)")
    print(f"  {args.ranks} ranks   : {many:8.0f} samples/s  ({summary[f'step_ms_{args.ranks}']:.1f} ms/step, "
          f"global batch {args.ranks * args.batch})")
    print(f"  scaling efficiency {summary['scaling_efficiency']:.2f} (1.00 = perfect)")
    print(f"  allreduce per step: {allreduce:.2f} ms in DistributedDataParallel vs {raw:.2f} ms for one raw "
          f"MPI_Allreduce of the same bytes (ratio {summary['allreduce_vs_raw_mpi']:.2f})")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores")
    if args.json:
        from minigrad.atomic import atomic_write_bytes

        atomic_write_bytes(args.json, (json.dumps(summary, indent=2) + "\n").encode())
    return summary


if __name__ == "__main__":
    main()
