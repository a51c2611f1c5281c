"""The ``minigrad`` command line (``python -m minigrad`` works too).

    minigrad train [--data-dir DIR] [--optimizer adam] [--epochs 10] ... [--out runs/mnist] [--resume]

``main(argv=None)`` returns the exit status: 0 on success, 2 for bad options or
input (one line on stderr, no traceback), 130 when interrupted with Ctrl-C or
SIGTERM (after saying where the last complete checkpoint is); ``run()``, the
console script, exits with it.
"""
from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading

from minigrad.train.config import DATASETS, MODEL_DEFAULTS, OPTIMIZERS, SCHEDULES, TrainConfig

__all__ = ["main", "build_parser"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

_EPILOG = """\
examples:
  minigrad train --data-dir ../shared/data                 # the default run: 98.52% on MNIST after 10 epochs
  minigrad train --model cnn --out runs/cnn                # the CNN: 10 epochs, shifted training images, 99.34%
  minigrad train --optimizer sgd --lr 0.05 --momentum 0.9 --schedule step
  minigrad train --dataset fashion-mnist --epochs 20 --out runs/fashion
  minigrad train --model lstm --out runs/lstm             # sequential MNIST: LSTM(128), 98.30% after 5 epochs
  minigrad train --limit-train 2000 --epochs 3 --hidden 100   # a quick try on 2000 images
  minigrad train --resume                                  # continue runs/mnist/checkpoint.npz
  minigrad train --export-safetensors mlp.safetensors --export-onnx mlp.onnx   # for PyTorch / ONNX Runtime
  mpiexec -n 2 minigrad train --distributed                # 2 ranks (MPI), batch 128 each: see docs/distributed.md

data: the folder given by --data-dir (else $MINIGRAD_DATA, else $XDG_CACHE_HOME/minigrad or ~/.cache/minigrad) holds
mnist/ or fashion-mnist/ with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (the files may also sit directly in it).
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block) and exit with status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# The argument types only turn text into numbers; TrainConfig.resolved() checks the values.
def _hidden(text: str):
    text = text.strip()
    if text in ("", "none"):
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer widths such as 1000,50, got {text!r}")


def _integer(text: str):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


# The defaults live in TrainConfig; the parser only shows them.
_DEFAULT = {f.name: f.default for f in dataclasses.fields(TrainConfig)}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minigrad", description="minigrad: a small autodiff framework. Commands:")
    parser.add_argument("--version", action="version", version=f"minigrad {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    t = commands.add_parser(
        "train", help="train an MLP, a CNN or an LSTM on MNIST or Fashion-MNIST",
        description="Train a ReLU MLP, a small CNN or an LSTM (an image read as 28 rows) classifier on MNIST or "
                    "Fashion-MNIST, with a progress bar, per-epoch metrics (metrics.csv, metrics.json) and a checkpoint "
                    "after every epoch, and PNG curves when the run ends, stops or fails (with --distributed, after every "
                    "epoch).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d = t.add_argument_group("data")
    d.add_argument("--dataset", choices=list(DATASETS), default=_DEFAULT["dataset"],
                   help=f"default: {_DEFAULT['dataset']}")
    d.add_argument("--data-dir", metavar="DIR", default=None,
                   help="folder holding mnist/ (or fashion-mnist/); default: $MINIGRAD_DATA, else "
                        "$XDG_CACHE_HOME/minigrad or ~/.cache/minigrad")
    d.add_argument("--download", action="store_true",
                   help="download missing files (checked against their published SHA-256) into DIR/<dataset>/")
    d.add_argument("--limit-train", type=_integer, metavar="N", default=None,
                   help="train on the first N training images only (quick runs and tests); the test set stays whole")
    mlp, cnn, lstm = MODEL_DEFAULTS["mlp"], MODEL_DEFAULTS["cnn"], MODEL_DEFAULTS["lstm"]
    m = t.add_argument_group("model (defaults: mlp's; cnn's; lstm's)")
    m.add_argument("--model", choices=list(MODEL_DEFAULTS), default=_DEFAULT["model"],
                   help="mlp: ReLU MLP on the flat image (default); cnn: conv32-BN-pool-conv64-BN-pool, then the "
                        "hidden layers; lstm: an LSTM reading each image as 28 steps of 28 pixels, then a linear "
                        "head (adam lr 2e-3). The defaults of --hidden, --dropout, --augment, --optimizer, --schedule "
                        "and --epochs depend on it")
    m.add_argument("--hidden", type=_hidden, default=None, metavar="W1,W2,...",
                   help=f"fully connected hidden layer widths (default: {_widths(mlp)}; {_widths(cnn)}; "
                        f"the LSTM's one width for lstm, {_widths(lstm)}; 'none' for none)")
    m.add_argument("--dropout", type=float, default=None,
                   help=f"dropout after each hidden ReLU (default: {mlp['dropout']}; {cnn['dropout']}; "
                        "lstm takes none)")
    d.add_argument("--augment", type=_integer, default=None, metavar="PIXELS",
                   help="shift each training image by a random whole number of pixels, up to PIXELS each way "
                        "(pad and random crop; the test images are never shifted); 0: no augmentation "
                        f"(default: {mlp['augment']}; {cnn['augment']}; {lstm['augment']})")
    o = t.add_argument_group("optimization")
    o.add_argument("--optimizer", choices=list(OPTIMIZERS), default=None, metavar="NAME",
                   help="one of: " + ", ".join(OPTIMIZERS) + f" (default: {mlp['optimizer']}; {cnn['optimizer']}). lbfgs, newton-cg, cg, bfgs and "
                        "newton are second-order: one step(closure) per batch; bfgs and newton only fit tiny models")
    o.add_argument("--lr", type=float, default=None,
                   help="learning rate (default per optimizer: " +
                        ", ".join(f"{k} {v.lr:g}" for k, v in OPTIMIZERS.items() if not v.closure) +
                        "; 1 for the second-order ones, where it is the line search's first trial step)")
    o.add_argument("--momentum", type=float, default=None, help="sgd (default 0.9) and rmsprop (default 0) only")
    o.add_argument("--weight-decay", type=float, default=_DEFAULT["weight_decay"],
                   help=f"L2 penalty (decoupled for adamw); default {_DEFAULT['weight_decay']:g}")
    o.add_argument("--schedule", choices=list(SCHEDULES), default=None, metavar="NAME",
                   help="learning-rate schedule, stepped every batch: " +
                        "; ".join(f"{k}: {v}" for k, v in SCHEDULES.items()).replace("%", "%%") +
                        f" (default: {mlp['schedule']}; {cnn['schedule']}; {lstm['schedule']})")
    o.add_argument("--epochs", type=_integer, default=None, help=f"default: {mlp['epochs']}; {cnn['epochs']}; {lstm['epochs']}")
    o.add_argument("--batch-size", type=_integer, default=_DEFAULT["batch_size"],
                   help=f"default: {_DEFAULT['batch_size']}")
    r = t.add_argument_group("run")
    r.add_argument("--device", default=_DEFAULT["device"], help=f"cpu or cuda (cuda:N); default: {_DEFAULT['device']}")
    r.add_argument("--seed", type=_integer, default=_DEFAULT["seed"],
                   help=f"seeds weights, dropout and shuffling; default {_DEFAULT['seed']}")
    r.add_argument("--out", default=_DEFAULT["out"], metavar="DIR",
                   help="where metrics.csv, metrics.json, loss.png, accuracy.png, curves.png go "
                        f"(default: {_DEFAULT['out']})")
    r.add_argument("--checkpoint", metavar="PATH", default=None,
                   help="checkpoint written after every epoch (default: OUT/checkpoint.npz)")
    r.add_argument("--resume", action="store_true",
                   help="continue from --checkpoint; the run's options must be the same as when it was made")
    r.add_argument("--overwrite", action="store_true",
                   help="start afresh even though --checkpoint exists, replacing it (without --resume or this, "
                        "an existing checkpoint is refused rather than overwritten)")
    r.add_argument("--stop-after", type=_integer, metavar="K", default=None,
                   help="stop after epoch K (as if interrupted) and leave the checkpoint for --resume")
    r.add_argument("--no-progress", action="store_true", help="no progress bar (the per-epoch lines stay)")
    r.add_argument("--log-every", type=_integer, default=_DEFAULT["log_every"], metavar="N",
                   help=f"read the loss back for the progress bar every N steps (default: {_DEFAULT['log_every']})")
    e = t.add_argument_group("export (when the run completes; needs pip install \"minigrad[interop]\")")
    e.add_argument("--export-safetensors", metavar="PATH", default=None,
                   help="write the trained weights as safetensors in PyTorch's layout (torch.nn.Sequential of "
                        "the same layers loads them)")
    e.add_argument("--export-onnx", metavar="PATH", default=None,
                   help="write the trained model as ONNX (symbolic batch axis), for ONNX Runtime")
    r.add_argument("--distributed", action="store_true",
                   help="data-parallel training over MPI: run as `mpiexec -n N minigrad train --distributed ...`; "
                        "--batch-size is then per rank and rank 0 alone prints and writes (needs the mpi extra: "
                        "pip install \"minigrad[mpi]\")")
    return parser


def _widths(defaults):
    return ",".join(str(w) for w in defaults["hidden"]) or "none"


def _version():
    from minigrad import __version__

    return __version__


def main(argv=None) -> int:
    """Run the command line; returns the exit status. The signal handlers are put back as they were."""
    return _main(argv, process=False)


def run() -> None:
    """The ``minigrad`` console script and ``python -m minigrad``: exit with the command's status.

    Unlike :func:`main`, it leaves SIGINT and SIGTERM ignored once a signal has interrupted the
    run: a second Ctrl-C while the process shuts down cannot turn exit 130 into a death by SIGINT.
    """
    sys.exit(_main(None, process=True))


def _main(argv, process: bool) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    prog = "minigrad train"
    previous = _interrupt_on_first_signal()
    try:
        return _train(args, prog)
    finally:
        if not process:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _interrupt_on_first_signal() -> dict:
    """Ctrl-C and SIGTERM (``kill``) end the run with the checkpoint message: the first one raises
    KeyboardInterrupt, the later ones are ignored (the run is already stopping).

    Returns the handlers replaced. Main thread only; SIGINT is left alone unless Python's own
    handler has it (under nohup it is ignored and stays so).
    """
    def first_signal(signum, frame):
        for sig in taken:
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        return {}
    taken = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        taken.append(signal.SIGINT)
    previous = {sig: signal.signal(sig, first_signal) for sig in taken}
    return {sig: handler for sig, handler in previous.items() if handler is not None}   # None: not set from Python


def _train(args, prog) -> int:
    from minigrad.train import TrainConfig

    config = TrainConfig(
        dataset=args.dataset, data_dir=args.data_dir, download=args.download, model=args.model, hidden=args.hidden,
        dropout=args.dropout, augment=args.augment, optimizer=args.optimizer, lr=args.lr, momentum=args.momentum,
        weight_decay=args.weight_decay, schedule=args.schedule, epochs=args.epochs, batch_size=args.batch_size,
        device=args.device, seed=args.seed, out=args.out, checkpoint=args.checkpoint, resume=args.resume,
        overwrite=args.overwrite, limit_train=args.limit_train, stop_after=args.stop_after, progress=not args.no_progress,
        log_every=args.log_every, export_safetensors=args.export_safetensors, export_onnx=args.export_onnx,
        log=lambda line: print(line, flush=True), distributed=args.distributed,
    )
    code = _run_training(config, prog)
    if code and args.distributed:
        _end_job(code)
    return code


def _end_job(code):
    """A rank that stops early ends the whole MPI job, or the other ranks would wait for it forever."""
    from minigrad import distributed

    if distributed.is_initialized() and distributed.get_world_size() > 1:
        distributed.abort(code)


def _run_training(config, prog) -> int:
    from minigrad.train import ConfigError, TrainingInterrupted, train

    try:
        train(config)
    except TrainingInterrupted as exc:
        where = (f"the last complete checkpoint is {exc.checkpoint} (epoch {exc.epoch}); continue with "
                 f"--resume and the same options") if exc.checkpoint else "no epoch was completed, so no checkpoint"
        print(f"\n{prog}: interrupted; {where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted before training started; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        return _fail(prog, str(exc))
    except Exception as exc:  # noqa: BLE001 - only the data layer's input errors are turned into one line
        message = _data_error(exc, config)
        if message is None:
            raise
        return _fail(prog, message)
    return 0


def _data_error(exc, config):
    """One line for a missing, corrupt or unwritable input/output file; None for anything else (a bug)."""
    from minigrad import data

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, data.DatasetNotFoundError):
        if first.startswith("--data-dir"):
            return first
        root = config.data_dir or str(data.default_data_root())
        # Every reason the data layer gave (a bad checksum; each mirror tried and why it failed), on one line.
        why = "".join(f" {_one_line(problem)}." for problem in exc.problems)
        advice = ("check the network, or put the four IDX .gz files there yourself" if config.download else
                  "point --data-dir (or MINIGRAD_DATA) at the folder holding the four IDX .gz files, or add --download")
        return f"{first}{why} Looked in {root}/{config.dataset} and {root}; {advice}"
    if isinstance(exc, (data.IDXError, data.ChecksumError, data.DownloadError)):
        return first
    if isinstance(exc, OSError):  # e.g. --out is a file, or a folder we may not write to
        return f"{exc.strerror}: {exc.filename}" if exc.filename and exc.strerror else first
    return None


def _one_line(text: str) -> str:
    """A multi-line reason as one line: "tried:\n  url1: why\n  url2: why" becomes "tried: url1: why; url2: why"."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) + "".join(f"; {line}" for line in lines[2:])


def _fail(prog, message) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
