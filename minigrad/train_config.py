"""``TrainConfig``: every option of a training run, its validation, and the options a checkpoint must share."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import minigrad
from minigrad import backend
from minigrad.recipes import MODEL_DEFAULTS, OPTIMIZERS, SCHEDULES, ConfigError

DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}

#: The options that shape the trajectory: a checkpoint only resumes a run with the same ones.
TRAJECTORY_FIELDS = ("model", "dataset", "hidden", "dropout", "optimizer", "lr", "momentum", "weight_decay",
                     "schedule", "epochs", "batch_size", "seed", "limit_train")


@dataclass
class TrainConfig:
    """Every option of a run; the defaults are the ``minigrad train`` defaults.

    ``model`` is ``"mlp"`` or ``"cnn"``; ``hidden``, ``dropout``, ``optimizer``, ``schedule``
    and ``epochs`` left ``None`` take that model's defaults (:data:`minigrad.recipes.MODEL_DEFAULTS`).
    ``lr`` / ``momentum`` ``None`` take the optimizer's default from
    :data:`minigrad.recipes.OPTIMIZERS`. ``checkpoint`` ``None`` means
    ``out/checkpoint.npz``. ``limit_train`` uses only the first N training
    samples; ``stop_after`` ends the run after that epoch, as an interruption
    would (resume it later). ``log`` receives each line of console output.
    """

    dataset: str = "mnist"
    data_dir: str | None = None
    download: bool = False
    model: str = "mlp"
    hidden: tuple | None = None
    dropout: float | None = None
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
    limit_train: int | None = None
    stop_after: int | None = None
    progress: bool = True
    log_every: int = 50
    eval_batch_size: int = 1000
    plots: bool = True
    log: object = field(default=print, repr=False)

    def __post_init__(self):
        for name, value in MODEL_DEFAULTS.get(self.model, MODEL_DEFAULTS["mlp"]).items():
            if getattr(self, name) is None:
                setattr(self, name, value)

    def checkpoint_path(self) -> Path:
        return Path(self.checkpoint) if self.checkpoint else Path(self.out) / "checkpoint.npz"

    def trajectory(self) -> dict:
        """The options a checkpoint must share with the run that resumes it (plain values)."""
        values = {name: getattr(self, name) for name in TRAJECTORY_FIELDS}
        values["hidden"] = [int(h) for h in values["hidden"]]
        spec = OPTIMIZERS.get(self.optimizer)
        if spec is not None:  # the effective values: "--lr 0.001" and no --lr are the same run for adam
            values["lr"] = spec.lr if self.lr is None else float(self.lr)
            values["momentum"] = spec.momentum if self.momentum is None else float(self.momentum)
        return values

    def validate(self) -> None:
        """Raise :class:`ConfigError` (one line) for any bad value."""
        if self.model not in MODEL_DEFAULTS:
            raise ConfigError(f"--model: unknown model {self.model!r} (choose from {', '.join(MODEL_DEFAULTS)})")
        if self.dataset not in DATASETS:
            raise ConfigError(f"--dataset: unknown dataset {self.dataset!r} (choose from {', '.join(DATASETS)})")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"--optimizer: unknown optimizer {self.optimizer!r} "
                              f"(choose from {', '.join(OPTIMIZERS)})")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"--schedule: unknown schedule {self.schedule!r} (choose from {', '.join(SCHEDULES)})")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"--lr must be a positive number, got {self.lr}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ConfigError(f"--weight-decay must be >= 0, got {self.weight_decay}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"--dropout must be in [0, 1), got {self.dropout}")
        for name in ("epochs", "batch_size", "log_every", "eval_batch_size"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(self, name)}")
        if self.limit_train is not None and self.limit_train < 1:
            raise ConfigError(f"--limit-train must be a positive integer, got {self.limit_train}")
        if self.stop_after is not None and self.stop_after < 1:
            raise ConfigError(f"--stop-after must be a positive integer, got {self.stop_after}")
        if self.seed < 0:
            raise ConfigError(f"--seed must be a non-negative integer, got {self.seed}")
        if any(int(h) < 1 for h in self.hidden):
            raise ConfigError(f"--hidden: layer widths must be positive integers, got {list(self.hidden)}")


def _check_device(device: str) -> str:
    given = device
    try:
        device = backend.normalize_device(device)
    except Exception as exc:  # noqa: BLE001 - any failure here is a bad --device value
        raise ConfigError(f"--device {device}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if device != "cpu" and not minigrad.cuda.is_available():
        raise ConfigError(f"--device {given}: CUDA is not available here (no CuPy or no GPU); use --device cpu")
    return device
