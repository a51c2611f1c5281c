"""Run the benchmark suite: minigrad against hand-written NumPy (or CuPy) references.

    python -m benchmarks [--device cpu|cuda] [--quick] [--only CASE[,CASE]] [--json OUT]
                         [--markdown docs/performance.md] [--reps N] [--blas-threads N] [--data-dir DIR]

Cases: mnist, tiny, wide, optim, backward, memory, threads, recurrent, cnn, conv, layernorm (default: all). Every case
prints one line per measurement and the whole run is written as JSON (machine,
versions, date, one row per measurement). ``--markdown`` also writes the
tables into a Markdown file (the repository's is docs/performance.md).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

# Both `python -m benchmarks` and `python benchmarks/run.py` work.
if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _blas_threads_from_argv(argv):
    """``--blas-threads N`` must act before NumPy loads its BLAS, so it is read here, first."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--blas-threads=") else (
            argv[i + 1] if arg == "--blas-threads" and i + 1 < len(argv) else None)
        if value is not None:
            for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = value


if __name__ == "__main__" or "numpy" not in sys.modules:
    _blas_threads_from_argv(sys.argv[1:])

from benchmarks import reference  # noqa: E402
from benchmarks.common import Context, machine_info  # noqa: E402
from benchmarks.report import format_value  # noqa: E402
from minigrad.atomic import atomic_write_bytes  # noqa: E402


def _cases():
    from benchmarks.bench_backward import backward_scaling
    from benchmarks.bench_cnn import cnn_epoch, conv2d_step
    from benchmarks.bench_layer_norm import layer_norm_step
    from benchmarks.bench_memory import training_memory
    from benchmarks.bench_mlp import mnist_epoch, tiny_step, wide_step
    from benchmarks.bench_optim import optimizer_steps
    from benchmarks.bench_threads import threaded_updates
    from benchmarks.bench_recurrent import recurrent_steps

    return {
        "mnist": mnist_epoch,
        "tiny": tiny_step,
        "wide": wide_step,
        "optim": optimizer_steps,
        "backward": backward_scaling,
        "memory": training_memory,
        "threads": threaded_updates,
        "recurrent": recurrent_steps,
        "cnn": cnn_epoch,
        "conv": conv2d_step,
        "layernorm": layer_norm_step,
    }


CASE_NAMES = ("mnist", "tiny", "wide", "optim", "backward", "memory", "threads", "recurrent", "cnn", "conv", "layernorm")


def _print_row(row):
    target = row.get("target")
    status = "" if target is None else ("  holds" if row["holds"] else "  MISSES")
    torch_part = f"  torch {format_value(row['torch_s'], row['unit'])}" if row.get("torch_s") else ""
    print(f"  {row['case']:<17} {row['variant']:<44} minigrad {format_value(row['minigrad_s'], row['unit']):>11}"
          f"  ref {format_value(row['reference_s'], row['unit']):>11}{torch_part}  ratio {row['ratio']:.3f}"
          + (f" (min {row['ratio_of_minima']:.2f})" if row.get("ratio_of_minima") else "")
          + (f"  (target <= {target}){status}" if target is not None else "")
          + (f"  vs torch {row['torch_ratio']:.2f}x" if row.get("torch_ratio") and row["case"].startswith(("cnn", "conv"))
             else "")
          + (f"  GEMM floor {format_value(row['gemm_floor_s'], row['unit'])}" if row.get("gemm_floor_s") else ""),
          flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (NumPy) or cuda (CuPy); default cpu")
    parser.add_argument("--quick", "--smoke", action="store_true", dest="quick",
                        help="tiny sizes and few repetitions (a smoke run; the ratios are not meaningful)")
    parser.add_argument("--only", default="", help=f"comma-separated cases among {', '.join(CASE_NAMES)}")
    parser.add_argument("--json", default=None, help="write the results here (default: print only)")
    parser.add_argument("--markdown", default=None, help="write the Markdown report here (e.g. docs/performance.md)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per measurement (default per case)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None,
                        help="folder with mnist/ for the memory case (default: $MINIGRAD_DATA, the default data "
                             "root, or ../shared/data)")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="BLAS threads (sets OPENBLAS/OMP/MKL_NUM_THREADS; only effective from the command "
                             "line, before NumPy loads). Default: the library's own choice")
    args = parser.parse_args(argv)

    only = [c.strip() for c in args.only.split(",") if c.strip()] or list(CASE_NAMES)
    unknown = [c for c in only if c not in CASE_NAMES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose among {', '.join(CASE_NAMES)}")

    try:
        ctx = Context(device=args.device, quick=args.quick, reps=args.reps, seed=args.seed)
    except (RuntimeError, ValueError) as exc:   # no CuPy / no GPU / unknown device: one line, exit 2
        print(f"python -m benchmarks: --device {args.device}: {str(exc).splitlines()[0]}", file=sys.stderr)
        raise SystemExit(2)
    ctx.data_dir = args.data_dir
    reference.use(ctx.xp)
    info = machine_info(ctx.device)
    info["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS") or "library default"
    print(f"minigrad benchmarks on {ctx.device}: {info['cpu']} ({info['cores']} cores), Python {info['python']}, "
          f"NumPy {info['numpy']}" + (f", GPU {info['gpu']}" if info["gpu"] else "")
          + (" [quick]" if args.quick else ""), flush=True)
    cases = _cases()
    results = {"machine": info, "quick": args.quick, "cases": {}, "rows": []}
    t_start = time.perf_counter()
    for name in only:
        t0 = time.perf_counter()
        print(f"[{name}]", flush=True)
        load_before = _loadavg()
        rows = cases[name](ctx)
        load_after = _loadavg()
        for row in rows:
            _print_row(row)
        # Other processes on the machine distort timings (BLAS threads most of all): keep the load.
        results["cases"][name] = {"seconds": time.perf_counter() - t0, "rows": len(rows),
                                  "loadavg_1min_before": load_before, "loadavg_1min_after": load_after}
        results["rows"].extend(rows)
    results["total_seconds"] = time.perf_counter() - t_start
    print(f"total {results['total_seconds']:.1f} s", flush=True)
    if args.json:
        text = json.dumps(results, indent=1, default=_json_default)
        atomic_write_bytes(args.json, text.encode())
        print(f"wrote {args.json}")
    if args.markdown:
        from benchmarks.report import write_markdown

        write_markdown(results, args.markdown)
        print(f"wrote {args.markdown}")
    return results


def _loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _json_default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


if __name__ == "__main__":
    main()
