"""The training loop behind ``minigrad train``, as a library function: ``train(TrainConfig(...))``.

One run trains an MLP classifier on MNIST or Fashion-MNIST::

    from minigrad.train import TrainConfig, train
    result = train(TrainConfig(data_dir="data", epochs=10, out="runs/mnist"))
    print(result.history[-1]["test_acc"])

Each epoch: one pass over the (shuffled) training set with a tqdm progress bar
(loss and samples/s), then an evaluation on the test set, then, atomically, a
checkpoint and ``metrics.csv`` / ``metrics.json`` in ``out``. At the end (or at
``stop_after``) the PNG curves ``loss.png``, ``accuracy.png`` and ``curves.png``
join them. An epoch's ``epoch_seconds`` times the training pass only.

The checkpoint (``minigrad.save``, a ``.npz`` without pickle) holds everything
the next epoch depends on: the model's weights, the optimizer's state, the
schedule's state, minigrad's random generator (dropout masks) and the
DataLoader's generator (shuffling), plus the epoch and the metrics so far.
``resume=True`` continues from it, and on the CPU a resumed run ends with
weights bit-identical to an uninterrupted one.

The loss is read back to the host only every ``log_every`` steps (for the
progress bar) and once per epoch; the running sums stay on the device, so a GPU
run does not wait for the host at every step.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import minigrad
from minigrad import backend
from minigrad import random as mg_random
from minigrad.nn.functional import cross_entropy
from minigrad.recipes import (OPTIMIZERS, SCHEDULES, ConfigError, build_mlp, build_optimizer, build_schedule,
                              describe_mlp)
from minigrad.train_state import read_train_state, restore_train_state, save_train_state

__all__ = ["TrainConfig", "TrainResult", "TrainingInterrupted", "ConfigError", "DATASETS", "train",
           "evaluate", "load_datasets"]

DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}

#: The options that shape the trajectory: a checkpoint only resumes a run with the same ones.
TRAJECTORY_FIELDS = ("dataset", "hidden", "dropout", "optimizer", "lr", "momentum", "weight_decay",
                     "schedule", "epochs", "batch_size", "seed", "limit_train")


@dataclass
class TrainConfig:
    """Every option of a run; the defaults are the ``minigrad train`` defaults.

    ``lr`` / ``momentum`` ``None`` take the optimizer's default from
    :data:`minigrad.recipes.OPTIMIZERS`. ``checkpoint`` ``None`` means
    ``out/checkpoint.npz``. ``limit_train`` uses only the first N training
    samples; ``stop_after`` ends the run after that epoch, as an interruption
    would (resume it later). ``log`` receives each line of console output.
    """

    dataset: str = "mnist"
    data_dir: str | None = None
    download: bool = False
    hidden: tuple = (1000, 50)
    dropout: float = 0.2
    optimizer: str = "adam"
    lr: float | None = None
    momentum: float | None = None
    weight_decay: float = 0.0
    schedule: str = "cosine"
    epochs: int = 10
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


@dataclass
class TrainResult:
    """What a run leaves: per-epoch metrics, the trained model and optimizer, where the files are."""

    history: list
    model: object
    optimizer: object
    epochs_done: int
    completed: bool
    checkpoint: Path
    files: dict
    seconds: float


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training; ``checkpoint`` / ``epoch`` name the last complete checkpoint (epoch 0: none)."""

    def __init__(self, checkpoint: Path, epoch: int):
        super().__init__(f"interrupted after {epoch} complete epoch(s); checkpoint {checkpoint}")
        self.checkpoint = checkpoint
        self.epoch = epoch


def load_datasets(config: TrainConfig):
    """(train, test) datasets of ``config.dataset``, the training set cut to ``limit_train`` samples.

    The parsed splits are kept for the life of the process (keyed by folder and file
    times), so several runs in one process, such as examples/compare_optimizers.py,
    read and check the files once. The returned datasets are fresh objects over the
    shared arrays; nothing changes those arrays in place.
    """
    from minigrad import data

    root = config.data_dir
    # A missing folder is a typo, unless --download is asked to fill it (the download creates it).
    if root is not None and not config.download and not Path(root).expanduser().is_dir():
        raise data.DatasetNotFoundError(f"--data-dir {root}: no such folder")
    cls = getattr(data, DATASETS[config.dataset])
    splits = []
    for is_train in (True, False):
        images, labels = _load_split(cls, root, is_train, config.download)
        if is_train and config.limit_train is not None:
            images, labels = images[:config.limit_train], labels[:config.limit_train]
        splits.append(data.ArrayDataset(images, labels))
    return tuple(splits)


_SPLIT_CACHE = {}


def _load_split(cls, root, is_train, download):
    folder = Path(root).expanduser() if root is not None else None
    key = (cls.__name__, is_train, _files_stamp(cls, folder, is_train))
    if key[-1] is not None and key in _SPLIT_CACHE:
        return _SPLIT_CACHE[key]
    dataset = cls(root, train=is_train, download=download)   # checks the SHA-256 of each file
    arrays = (dataset.images, dataset.labels)
    if key[-1] is not None:
        if len(_SPLIT_CACHE) >= 4:
            _SPLIT_CACHE.clear()
        _SPLIT_CACHE[key] = arrays
    return arrays


def _files_stamp(cls, folder, is_train):
    """(path, size, mtime) of the split's files where they are found; None if not found (no caching)."""
    from minigrad.data.datasets import SPLIT_FILES, default_data_root

    folder = folder or default_data_root()
    stamp = []
    for name in SPLIT_FILES[is_train]:
        for path in (folder / cls.name / name, folder / name):
            if path.is_file():
                st = path.stat()
                stamp.append((str(path.resolve()), st.st_size, st.st_mtime_ns))
                break
        else:
            return None
    return tuple(stamp)


def evaluate(model, images, labels, batch_size: int = 1000):
    """(mean cross-entropy, accuracy) of ``model`` on arrays ``images`` / ``labels``, in eval mode.

    The sums stay on the device; they are read back once, at the end.
    """
    xp = backend.get_array_module(images)
    was_training = model.training
    model.eval()
    loss_sum = xp.zeros((), dtype=xp.float64)
    correct = xp.zeros((), dtype=xp.int64)
    try:
        with minigrad.no_grad():
            for start in range(0, len(labels), batch_size):
                x = minigrad.Tensor(images[start:start + batch_size])
                y = labels[start:start + batch_size]
                logits = model(x)
                loss_sum += cross_entropy(logits, y, reduction="sum").data
                correct += (logits.data.argmax(axis=1) == y).sum()
    finally:  # an error (or Ctrl-C) mid-evaluation must not leave a training model in eval mode
        model.train(was_training)
    n = len(labels)
    return float(loss_sum) / n, int(correct) / n


def _check_device(device: str) -> str:
    given = device
    try:
        device = backend.normalize_device(device)
    except Exception as exc:  # noqa: BLE001 - any failure here is a bad --device value
        raise ConfigError(f"--device {device}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if device != "cpu" and not minigrad.cuda.is_available():
        raise ConfigError(f"--device {given}: CUDA is not available here (no CuPy or no GPU); use --device cpu")
    return device


def train(config: TrainConfig) -> TrainResult:
    """Run (or resume) training as ``config`` says; see the module docstring.

    Raises :class:`ConfigError` for bad options or a checkpoint that does not
    fit, ``minigrad.data.DatasetNotFoundError`` when the data is missing, and
    :class:`TrainingInterrupted` on Ctrl-C (the last checkpoint is intact).
    """
    from minigrad.data import DataLoader

    config.validate()
    log = config.log or (lambda *_: None)
    device = _check_device(config.device)
    ckpt_path = config.checkpoint_path()
    if config.resume and not ckpt_path.is_file():
        raise ConfigError(f"--resume: no checkpoint at {ckpt_path} (train without --resume first)")
    checkpoint = read_train_state(ckpt_path, config.trajectory(), device) if config.resume else None

    train_set, test_set = load_datasets(config)
    if device != "cpu":  # move each split to the GPU once; batches are then sliced there
        train_set.to(device)
        test_set.to(device)

    minigrad.manual_seed(config.seed)
    in_features, n_classes = int(train_set.arrays[0].shape[1]), 10
    model = build_mlp(in_features, config.hidden, n_classes, config.dropout).to(device)
    optimizer = build_optimizer(config.optimizer, model.parameters(), config.lr, config.momentum,
                                config.weight_decay)
    loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True, seed=config.seed, device=device)
    schedule = build_schedule(config.schedule, optimizer, total_steps=config.epochs * len(loader))
    closure_based = OPTIMIZERS[config.optimizer].closure

    history, start_epoch = [], 0
    if checkpoint is not None:
        start_epoch, history = restore_train_state(checkpoint, model, optimizer, schedule, loader)
    out_dir = Path(config.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path.parent.mkdir(parents=True, exist_ok=True)

    lr0 = optimizer.param_groups[0].get("initial_lr", optimizer.param_groups[0]["lr"])
    log(f"{config.dataset}: {len(train_set)} training / {len(test_set)} test images; "
        f"model {describe_mlp(in_features, config.hidden, n_classes)} ReLU MLP, dropout {config.dropout} "
        f"({model.num_parameters():,} parameters); {config.optimizer} lr {lr0:g}, schedule {config.schedule}; "
        f"batch {config.batch_size}; {config.epochs} epochs; device {device}; seed {config.seed}")
    if checkpoint is not None:
        log(f"resuming from {ckpt_path} after epoch {start_epoch}")

    files = {}
    started = time.perf_counter()
    saved_epoch = start_epoch   # the epoch of the checkpoint on disk
    try:
        for epoch in range(start_epoch + 1, config.epochs + 1):
            lr = float(optimizer.param_groups[0]["lr"])
            train_loss, train_acc, seconds = _train_epoch(model, optimizer, schedule, loader, closure_based,
                                                          config, epoch, device)
            test_loss, test_acc = evaluate(model, *test_set.arrays, config.eval_batch_size)
            row = {"epoch": epoch, "lr": lr, "train_loss": train_loss, "train_acc": train_acc,
                   "test_loss": test_loss, "test_acc": test_acc, "epoch_seconds": seconds,
                   "samples_per_s": len(train_set) / seconds if seconds > 0 else float("nan")}
            history.append(row)
            with _signals_held():   # a Ctrl-C now lands after the checkpoint is written and counted
                save_train_state(ckpt_path, trajectory=config.trajectory(), epoch=epoch, model=model,
                                 optimizer=optimizer, schedule=schedule, loader=loader, history=history)
                saved_epoch = epoch
                files = _write_records(out_dir, config, history, plots=False)
            log(f"epoch {epoch:>3}/{config.epochs}  train loss {train_loss:.4f}  train acc {100 * train_acc:6.2f}%  "
                f"test loss {test_loss:.4f}  test acc {100 * test_acc:6.2f}%  lr {lr:.2e}  "
                f"{seconds:6.1f} s ({row['samples_per_s']:,.0f} samples/s)")
            if config.stop_after is not None and epoch >= config.stop_after and epoch < config.epochs:
                log(f"stopping after epoch {epoch} (--stop-after); continue with --resume, checkpoint {ckpt_path}")
                files = _write_records(out_dir, config, history, plots=config.plots)
                return _finish(history, model, optimizer, epoch, False, ckpt_path, files, started, log)
        if history:  # the plots once at the end (metrics.csv is rewritten after every epoch)
            files = _write_records(out_dir, config, history, plots=config.plots)
    except KeyboardInterrupt:
        raise TrainingInterrupted(ckpt_path if saved_epoch else None, saved_epoch) from None
    return _finish(history, model, optimizer, config.epochs, True, ckpt_path, files, started, log)


@contextmanager
def _signals_held():
    """Hold SIGINT / SIGTERM during the block, then deliver the first one that came, as it would have been.

    The checkpoint file is atomic anyway; holding the signals keeps the bookkeeping
    (which epoch is on disk) true, so the message after Ctrl-C names the right epoch.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is not None:  # None: set outside Python, cannot be put back
            previous[sig] = handler
            signal.signal(sig, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])


def _finish(history, model, optimizer, epochs_done, completed, ckpt_path, files, started, log):
    seconds = time.perf_counter() - started
    if history:
        best = max(history, key=lambda r: r["test_acc"])
        last = history[-1]
        log(f"{'done' if completed else 'stopped'}: {epochs_done} epochs; final test accuracy "
            f"{100 * last['test_acc']:.2f}% (loss {last['test_loss']:.4f}); best {100 * best['test_acc']:.2f}% "
            f"at epoch {best['epoch']}; {seconds:.1f} s this session")
        log("files: " + ", ".join(str(p) for p in [*files.values(), ckpt_path]))
    return TrainResult(history, model, optimizer, epochs_done, completed, ckpt_path, files, seconds)


def _train_epoch(model, optimizer, schedule, loader, closure_based, config, epoch, device):
    """One pass over ``loader``; returns (mean train loss, train accuracy, seconds)."""
    xp = backend.xp_for(device)
    loss_sum = xp.zeros((), dtype=xp.float64)   # running sums stay on the device
    correct = xp.zeros((), dtype=xp.int64)
    seen = 0
    bar = _progress_bar(config, epoch, len(loader.dataset))
    model.train()
    start = time.perf_counter()
    try:
        for step, (x, y) in enumerate(loader, 1):
            if closure_based:
                loss_value, logits = _closure_step(model, optimizer, x, y)
                loss_sum += loss_value * len(y)
            else:
                optimizer.zero_grad()
                logits = model(x)
                loss = cross_entropy(logits, y)
                loss.backward()
                optimizer.step()
                loss_sum += loss.data * len(y)
            correct += (logits.data.argmax(axis=1) == y.data).sum()
            if schedule is not None:
                schedule.step()
            seen += len(y)
            if bar is not None:
                bar.update(len(y))
                if step % config.log_every == 0 or step == len(loader):
                    bar.set_postfix(loss=f"{float(loss_sum) / seen:.4f}")   # the only host read in the loop
        backend.synchronize(device)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    return float(loss_sum) / seen, int(correct) / seen, seconds


def _closure_step(model, optimizer, x, y):
    """One second-order step on batch (x, y); every evaluation sees the same dropout masks."""
    rng_state = mg_random.get_rng_state()
    first = {}

    def closure():
        mg_random.set_rng_state(rng_state)
        optimizer.zero_grad()
        logits = model(x)
        loss = cross_entropy(logits, y)
        loss.backward()
        first.setdefault("logits", logits.detach())
        return loss

    loss = optimizer.step(closure)
    loss = float(loss.item()) if hasattr(loss, "item") else float(loss)
    return loss, first["logits"]


def _progress_bar(config, epoch, total):
    if not config.progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"epoch {epoch}/{config.epochs}", unit="samples", unit_scale=True,
                leave=False, dynamic_ncols=True)


def _write_records(out_dir, config, history, plots=True):
    from minigrad.curves import plot_curves, write_metrics

    best = max(history, key=lambda r: r["test_acc"])
    summary = {"epochs": history[-1]["epoch"], "final_test_acc": history[-1]["test_acc"],
               "best_test_acc": best["test_acc"], "best_epoch": best["epoch"]}
    files = write_metrics(out_dir, history, config=config.trajectory(), summary=summary)
    if plots:
        title = f"{config.dataset} {describe_mlp(784, config.hidden, 10)}, {config.optimizer}"
        files.update(plot_curves(history, out_dir, title=title))
    return files
