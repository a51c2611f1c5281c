"""Every option of a training run: the tables of names, ``TrainConfig``, and the one place options are checked.

``TrainConfig.resolved()`` is where each option is resolved (``lr=None`` becomes the
optimizer's default from :data:`OPTIMIZERS`, ``device`` is normalised) and validated,
once. Everything downstream (recipes, the loop, the checkpoint) takes a resolved
config and trusts it. Bad values raise :class:`ConfigError`, a ``ValueError`` whose
message is one line meant for the user.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ConfigError", "OptimizerSpec", "OPTIMIZERS", "FIRST_ORDER", "SCHEDULES", "DATASETS", "MODEL_DEFAULTS",
           "TRAJECTORY_FIELDS", "TrainConfig"]


class ConfigError(ValueError):
    """A bad option value: the message is one line, fit to show the user as is."""


@dataclass(frozen=True)
class OptimizerSpec:
    """How to build one optimizer by name.

    ``lr``: the learning rate used when none is given. ``momentum``: the default
    momentum, or ``None`` if the optimizer has no momentum option. ``weight_decay``:
    whether it takes ``weight_decay``. ``closure``: second-order, ``step(closure)``.
    ``options``: fixed keyword arguments.
    """

    class_name: str
    lr: float
    momentum: float | None = None
    weight_decay: bool = True
    closure: bool = False
    options: dict = field(default_factory=dict)


# Not here: Rprop and ASGD. Rprop reads only the gradient's sign and needs full-batch gradients: on
# mini-batches noise flips the signs and cuts its step sizes (one MNIST epoch of a 784-100-10 MLP in
# batches of 128: 89.5% test accuracy, against 95.1% for sgd and 94.2% for adam). ASGD's point is its
# average of the iterates, which starts after t0 = 1e6 steps and stays in the optimizer's state, where
# the run never evaluates it; before that it is plain sgd with a decaying lr and no momentum.
OPTIMIZERS = {
    "sgd": OptimizerSpec("SGD", lr=0.05, momentum=0.9),
    "adagrad": OptimizerSpec("Adagrad", lr=1e-2),
    "rmsprop": OptimizerSpec("RMSprop", lr=1e-3, momentum=0.0),
    "adadelta": OptimizerSpec("Adadelta", lr=1.0),
    "adam": OptimizerSpec("Adam", lr=1e-3),
    "adamw": OptimizerSpec("AdamW", lr=1e-3),
    "adamax": OptimizerSpec("Adamax", lr=2e-3),
    "nadam": OptimizerSpec("NAdam", lr=2e-3),
    "radam": OptimizerSpec("RAdam", lr=1e-3),
    # Second order: one step(closure) per mini-batch, a few iterations each.
    "lbfgs": OptimizerSpec("LBFGS", lr=1.0, weight_decay=False, closure=True,
                           options={"max_iter": 4, "history_size": 10, "line_search_fn": "strong_wolfe"}),
    "newton-cg": OptimizerSpec("NewtonCG", lr=1.0, weight_decay=False, closure=True,
                               options={"max_cg_iter": 10}),
    "cg": OptimizerSpec("ConjugateGradient", lr=1.0, weight_decay=False, closure=True),
    "bfgs": OptimizerSpec("BFGS", lr=1.0, weight_decay=False, closure=True),
    "newton": OptimizerSpec("Newton", lr=1.0, weight_decay=False, closure=True),
}

FIRST_ORDER = tuple(name for name, spec in OPTIMIZERS.items() if not spec.closure)

#: Schedules are stepped once per mini-batch, over the whole run.
SCHEDULES = {
    "none": "constant learning rate",
    "cosine": "cosine decay from lr to 0 over the run",
    "step": "lr divided by 10 after each third of the run",
    "linear": "linear decay from lr to 0 over the run",
    "exponential": "exponential decay from lr to lr/100 over the run",
    "warmup-cosine": "linear warmup from lr/10 over the first 10% of the run, then cosine decay to 0",
    "onecycle": "1cycle (OneCycleLR, max_lr = lr): up from lr/25 over the first 30% of the run, then down to "
                "lr/250000, both as cosines; SGD's or RMSprop's momentum (if > 0) or Adam's beta1 "
                "goes 0.95 -> 0.85 -> 0.95",
}

DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}

#: The defaults of each ``--model`` (an option the user gives wins). The MLP's are the original
#: ``minigrad train`` defaults. The CNN's: Adam at 1e-3 with cosine decay, dropout 0.25 before
#: the last layer, training images shifted at random by up to 2 pixels (``augment``), 10
#: epochs (docs/mnist.md has the run: 99.34%). The LSTM's: one width of 128, no dropout, 5 epochs, and Adam
#: at 2e-3 (``adam_lr``: the default --lr when the optimizer is adam).
MODEL_DEFAULTS = {
    "mlp": {"hidden": (1000, 50), "dropout": 0.2, "optimizer": "adam", "schedule": "cosine", "epochs": 10,
            "augment": 0},
    "cnn": {"hidden": (128,), "dropout": 0.25, "optimizer": "adam", "schedule": "cosine", "epochs": 10,
            "augment": 2},
    "lstm": {"hidden": (128,), "dropout": 0.0, "optimizer": "adam", "schedule": "cosine", "epochs": 5,
             "augment": 0, "adam_lr": 2e-3},
}

#: The options that shape the trajectory: a checkpoint only resumes a run with the same ones.
TRAJECTORY_FIELDS = ("model", "dataset", "hidden", "dropout", "augment", "optimizer", "lr", "momentum",
                     "weight_decay", "schedule", "epochs", "batch_size", "seed", "limit_train")


@dataclass
class TrainConfig:
    """Every option of a run; the defaults are the ``minigrad train`` defaults.

    ``model`` is ``"mlp"``, ``"cnn"`` or ``"lstm"``; ``hidden``, ``dropout``, ``augment``, ``optimizer``,
    ``schedule`` and ``epochs`` left ``None`` take that model's defaults (:data:`MODEL_DEFAULTS`).
    ``augment``: the largest random shift, in pixels, of each training image
    (``transforms.RandomTranslate``; 0: none); the test images are never shifted.

    ``lr`` / ``momentum`` ``None`` take the optimizer's default from
    :data:`OPTIMIZERS`. ``checkpoint`` ``None`` means ``out/checkpoint.npz``. An existing checkpoint
    is refused unless ``resume`` (continue it) or ``overwrite`` (start afresh and replace it) is set.
    ``limit_train`` uses only the first N training samples; ``stop_after`` ends
    the run after that epoch, as an interruption would (resume it later).
    ``export_safetensors`` / ``export_onnx`` name files the finished run writes
    its model to. ``log`` receives each line of console output. ``distributed`` makes the run
    one rank of an MPI job (``mpiexec -n N``): ``batch_size`` is then per rank
    (see docs/distributed.md).
    """

    dataset: str = "mnist"
    data_dir: str | None = None
    download: bool = False
    model: str = "mlp"
    hidden: tuple | None = None
    dropout: float | None = None
    augment: int | None = None
    optimizer: str | None = None
    lr: float | None = None
    momentum: float | None = None
    weight_decay: float = 0.0
    schedule: str | None = None
    epochs: int | None = None
    batch_size: int = 128
    device: str = "cpu"
    seed: int = 0
    out: str = "runs/mnist"
    checkpoint: str | None = None
    resume: bool = False
    overwrite: bool = False
    limit_train: int | None = None
    stop_after: int | None = None
    progress: bool = True
    log_every: int = 50
    eval_batch_size: int = 1000
    plots: bool = True
    export_safetensors: str | None = None
    export_onnx: str | None = None
    distributed: bool = False
    log: object = field(default=print, repr=False)

    def checkpoint_path(self) -> Path:
        return Path(self.checkpoint) if self.checkpoint else Path(self.out) / "checkpoint.npz"

    def trajectory(self) -> dict:
        """The options a checkpoint must share with the run that resumes it (plain values; call on a resolved config)."""
        values = {name: getattr(self, name) for name in TRAJECTORY_FIELDS}
        values["hidden"] = list(values["hidden"])
        return values

    def resolved(self) -> "TrainConfig":
        """A copy with every option checked and every default filled in; raises :class:`ConfigError` (one line).

        ``lr`` and ``momentum`` become the effective values ("--lr 0.001" and no
        --lr are the same run for adam), ``hidden`` a tuple of ints and ``device``
        its normal form. This is the only place the options are validated.
        """
        _check_name("model", self.model, MODEL_DEFAULTS)
        # hidden, dropout, augment, optimizer, schedule and epochs left None take the model's defaults.
        self = dataclasses.replace(self, **{name: value for name, value in MODEL_DEFAULTS[self.model].items()
                                            if name != "adam_lr" and getattr(self, name) is None})
        _check_name("dataset", self.dataset, DATASETS)
        if self.model == "lstm" and len(self.hidden) != 1:
            raise ConfigError(f"--model lstm takes one --hidden width, got --hidden "
                              f"{','.join(map(str, self.hidden)) or 'none'}")
        if self.model == "lstm" and self.dropout:
            raise ConfigError(f"--model lstm takes no --dropout, got --dropout {self.dropout}")
        _check_name("optimizer", self.optimizer, OPTIMIZERS)
        _check_name("schedule", self.schedule, SCHEDULES)
        spec = OPTIMIZERS[self.optimizer]
        if self.distributed and spec.closure:
            raise ConfigError(f"--distributed: --optimizer {self.optimizer} is second-order (its line search and "
                              f"curvature would need every loss evaluation averaged over ranks); use one of "
                              f"{', '.join(FIRST_ORDER)}")
        lr = self.lr
        if lr is None:
            lr = MODEL_DEFAULTS[self.model].get("adam_lr", spec.lr) if self.optimizer == "adam" else spec.lr
        lr = float(lr)
        if not (lr > 0 and math.isfinite(lr)):
            raise ConfigError(f"--lr must be a positive number, got {lr}")
        momentum = self.momentum
        if momentum is not None:
            if spec.momentum is None:
                raise ConfigError(f"--momentum: optimizer {self.optimizer!r} has no momentum option "
                                  f"(sgd and rmsprop have one)")
            if not 0.0 <= momentum < 1.0:
                raise ConfigError(f"--momentum must be in [0, 1), got {momentum}")
            momentum = float(momentum)
        else:
            momentum = spec.momentum
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ConfigError(f"--weight-decay must be >= 0, got {self.weight_decay}")
        if self.weight_decay and not spec.weight_decay:
            raise ConfigError(f"--weight-decay: optimizer {self.optimizer!r} has no weight decay option")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"--dropout must be in [0, 1), got {self.dropout}")
        if isinstance(self.augment, bool) or int(self.augment) != self.augment or not 0 <= self.augment < 28:
            raise ConfigError(f"--augment: the largest shift must be a whole number of pixels from 0 to 27, "
                              f"got {self.augment}")
        for name in ("epochs", "batch_size", "log_every", "eval_batch_size"):
            _check_count(name, getattr(self, name))
        for name in ("limit_train", "stop_after"):
            if getattr(self, name) is not None:
                _check_count(name, getattr(self, name))
        if int(self.seed) != self.seed or self.seed < 0:
            raise ConfigError(f"--seed must be a non-negative integer, got {self.seed}")
        from minigrad.train.export import check_export_paths

        problems = check_export_paths(self)
        # Found now, not by the first checkpoint write after a whole epoch of training.
        if Path(self.out).exists() and not Path(self.out).is_dir():
            problems.insert(0, f"--out {self.out}: is a file; give a folder")
        ckpt = self.checkpoint_path()
        if ckpt.is_dir():
            problems.insert(0, f"--checkpoint {ckpt}: is a folder; give a file name")
        elif self.resume and self.overwrite:
            problems.insert(0, "--resume and --overwrite: give one (continue the run in the checkpoint, or replace it)")
        elif self.resume and not ckpt.is_file():
            problems.insert(0, f"--resume: no checkpoint at {ckpt} (train without --resume first)")
        elif ckpt.is_file() and not (self.resume or self.overwrite):
            # The first epoch would replace it: an interrupted run's progress, or a finished run's weights.
            problems.insert(0, f"{_where(self, ckpt)} holds the checkpoint of an earlier run; continue that run "
                               "with --resume, or start afresh and replace it with --overwrite")
        if problems:
            raise ConfigError(problems[0])
        if any(int(h) != h or h < 1 for h in self.hidden):
            raise ConfigError(f"--hidden: layer widths must be positive integers, got {list(self.hidden)}")
        return dataclasses.replace(self, lr=lr, momentum=momentum, weight_decay=float(self.weight_decay),
                                   augment=int(self.augment),
                                   hidden=tuple(int(h) for h in self.hidden), device=_check_device(self.device))


def _where(config, ckpt) -> str:
    return f"--checkpoint {ckpt}" if config.checkpoint else f"--out {config.out}"


def _check_name(option, value, table):
    if value not in table:
        raise ConfigError(f"--{option}: unknown {option} {value!r} (choose from {', '.join(table)})")


def _check_count(name, value):
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ConfigError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")


def _check_device(device: str) -> str:
    import minigrad
    from minigrad import backend

    given = device
    try:
        device = backend.normalize_device(device)
    except Exception as exc:  # noqa: BLE001 - any failure here is a bad --device value
        raise ConfigError(f"--device {device}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if device != "cpu" and not minigrad.cuda.is_available():
        raise ConfigError(f"--device {given}: CUDA is not available here (no CuPy or no GPU); use --device cpu")
    return device
