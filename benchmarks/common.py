"""Shared machinery of the benchmark suite: timing, device selection, machine description.

Timing rule (every case follows it): the minigrad callable and the hand-written
reference callable (and PyTorch's, where installed) run side by side in one
process, alternating (ABAB..., the order flipped on every repetition so that
neither side always runs first), for several repetitions; each side's time is
the median over repetitions, and the reported ratio is
``median(minigrad) / median(reference)``. The device is synchronised before
each clock read (a no-op on the CPU).
"""
from __future__ import annotations

import datetime
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

from minigrad import backend

try:  # PyTorch is an optional third column, never a dependency.
    import torch  # type: ignore
except Exception:  # ImportError, or a broken install
    torch = None


class Context:
    """What every case gets: device, array module, size preset and the timing helper."""

    def __init__(self, device="cpu", quick=False, reps=None, seed=0):
        self.device = backend.normalize_device(device)
        self.xp = backend.xp_for(self.device)
        self.quick = quick
        self.reps = reps
        self.seed = seed
        self.torch = torch
        self.torch_device = None
        if torch is not None:
            if self.device == "cpu":
                self.torch_device = "cpu"
            elif torch.cuda.is_available():
                self.torch_device = self.device
            else:  # minigrad on a GPU, PyTorch without one: no fair third column
                self.torch = None

    def sync(self):
        backend.synchronize(self.device)

    def torch_sync(self):
        if self.torch is not None and self.torch_device != "cpu":
            self.torch.cuda.synchronize()

    def pick(self, full, quick):
        """``quick`` under --quick, else ``full``."""
        return quick if self.quick else full

    def n_reps(self, full, quick=3):
        if self.reps is not None:
            return self.reps
        return quick if self.quick else full

    def asarray(self, a):
        """A host array on the benchmark's device."""
        return backend.to_device(np.ascontiguousarray(a), self.device)

    def to_torch(self, a):
        return self.torch.from_numpy(np.array(backend.to_numpy(a), copy=True)).to(self.torch_device)


def time_alternating(ctx, sides, reps, warmup=1):
    """Time each callable of ``sides`` ``reps`` times, alternating.

    ``sides`` maps a name to ``(fn, sync)`` or ``(fn, sync, setup)``. Each
    ``fn()`` does the whole unit of work once (it may loop inside) and may
    return how many units it did (default 1); the recorded time is per unit.
    With ``setup``, ``setup()`` runs untimed first and ``fn(setup())`` is timed
    (e.g. build a graph, then time only its backward).
    Returns ``{name: [seconds per unit, ...]}``.
    """
    names = list(sides)

    faults = {name: [] for name in names}

    def once(name):
        fn, sync, *setup = sides[name]
        args = (setup[0](),) if setup else ()
        sync()
        f0 = _minor_faults()
        t0 = time.perf_counter()
        units = fn(*args)
        sync()
        elapsed = time.perf_counter() - t0
        faults[name].append((_minor_faults() - f0) / (units or 1))
        return elapsed / (units or 1)

    for _ in range(warmup):
        for name in names:
            once(name)
    for name in names:
        faults[name].clear()
    times = {name: [] for name in names}
    for r in range(reps):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            times[name].append(once(name))
    # Page faults per unit of work: fresh memory from the OS (large temporaries) costs time,
    # a lot of it in a virtual machine; this tells allocation effects from compute.
    times_faults = {name: statistics.median(f) for name, f in faults.items()}
    return _Times(times, times_faults)


class _Times(dict):
    """``{name: [seconds per unit, ...]}`` with ``page_faults`` (median minor faults per unit) attached."""

    def __init__(self, times, page_faults):
        super().__init__(times)
        self.page_faults = page_faults


def _minor_faults():
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    except Exception:  # no resource module (Windows)
        return 0


def add_torch(ctx, sides, make):
    """Add PyTorch as a third column where it is installed; ``make()`` returns its callable.

    PyTorch is optional: any failure to build or run it drops the column with a note.
    """
    if ctx.torch is None:
        return
    try:
        run = make()
        run()                       # a first call, so that a failure shows here, not mid-timing
    except Exception as exc:  # noqa: BLE001
        print(f"  (PyTorch column skipped: {type(exc).__name__}: {exc})", flush=True)
        return
    sides["torch"] = (run, ctx.torch_sync)


def summarize(case, variant, times, target=None, unit="s", params=None, note=None,
              mg="minigrad", ref="reference"):
    """One result row: medians, min, the ratio minigrad/reference and whether the target holds."""
    med = {name: statistics.median(ts) for name, ts in times.items()}
    ratio = med[mg] / med[ref]
    # Two cross-checks against load from other processes: the ratio of the fastest
    # repetitions (interference only ever adds time) and the median of the per-repetition
    # ratios (each pair ran back to back, under the same load).
    ratio_min = min(times[mg]) / min(times[ref])
    ratio_paired = statistics.median(a / b for a, b in zip(times[mg], times[ref]))
    row = {
        "case": case,
        "variant": variant,
        "unit": unit,
        "minigrad_s": med[mg],
        "reference_s": med[ref],
        "torch_s": med.get("torch"),
        "ratio": ratio,
        "ratio_of_minima": ratio_min,
        "ratio_paired_median": ratio_paired,
        "torch_ratio": (med[mg] / med["torch"]) if "torch" in med else None,
        "target": target,
        "holds": None if target is None else bool(ratio <= target),
        "reps": len(times[mg]),
        "min_s": {name: min(ts) for name, ts in times.items()},
        "times_s": times,
        "params": params or {},
    }
    if getattr(times, "page_faults", None) is not None:
        row["minor_page_faults_per_unit"] = times.page_faults
    if note:
        row["note"] = note
    return row


def finite_positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def machine_info(device):
    """CPU model, cores, versions and date: the header of every results file."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_total = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_total = f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem_total,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": _blas_name(),
        "torch": getattr(torch, "__version__", None),
        "device": device,
        "gpu": None,
        "cupy": None,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "commit": _git_commit(),
    }
    if device != "cpu":
        cp = backend.xp_for(device)
        info["cupy"] = cp.__version__
        props = cp.cuda.runtime.getDeviceProperties(int(device.split(":")[1]))
        name = props["name"]
        info["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
    return info


def _git_commit():
    """The checked-out commit (with ``+changes`` when the tree differs from it), or None."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # no git, not a checkout
        return None
    return (head + ("+changes" if dirty else "")) or None


def _blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return None
