"""The training loop behind ``minigrad train``: ``train(TrainConfig(...))``, one epoch, ``evaluate``.

One run trains an MLP (``model="mlp"``) or a small CNN (``model="cnn"``) classifier on MNIST
or Fashion-MNIST::

    from minigrad.train import TrainConfig, train
    result = train(TrainConfig(data_dir="data", epochs=10, out="runs/mnist"))
    print(result.history[-1]["test_acc"])

Each epoch: one pass over the (shuffled) training set with a tqdm progress bar
(loss and samples/s; drawn only when stdout and stderr are terminals, so logs and
CI get the per-epoch lines alone), then an evaluation on the test set, then,
atomically, a checkpoint and ``metrics.csv`` / ``metrics.json`` in ``out``. An epoch's
``epoch_seconds`` times the training pass only. The PNG curves ``loss.png``, ``accuracy.png``
and ``curves.png`` are drawn when the run ends, stops (``stop_after``), is interrupted
(Ctrl-C, SIGTERM) or fails, from its complete epochs (under ``--distributed``, after every epoch).

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

import sys
import time
from contextlib import nullcontext
from pathlib import Path

import minigrad
from minigrad import backend
from minigrad import random as mg_random
# Every label of the datasets is a class, so the losses pass ignore_index=None: no search for rows
# to ignore (PyTorch's -100), which on a GPU costs a few more kernels per step.
from minigrad.nn.functional import cross_entropy
from minigrad.train.checkpoint import read_train_state, restore_train_state, save_train_state
from minigrad.train.config import OPTIMIZERS, ConfigError, TrainConfig
from minigrad.train.data import load_datasets
from minigrad.train.export import export_trained
from minigrad.train.distributed import for_config
from minigrad.train.interrupts import SignalsHeld
from minigrad.train.recipes import build_model, build_optimizer, build_schedule, describe_model
from minigrad.train.records import TrainResult, count_epochs, finish, write_records, write_run_curves

__all__ = ["TrainingInterrupted", "train", "evaluate"]


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training; ``checkpoint`` / ``epoch`` name the last complete checkpoint (epoch 0: none)."""

    def __init__(self, checkpoint: Path, epoch: int):
        super().__init__(f"interrupted after {epoch} complete epoch(s); checkpoint {checkpoint}")
        self.checkpoint = checkpoint
        self.epoch = epoch


def evaluate(model, images, labels, batch_size: int = 1000, between_batches=None):
    """(mean cross-entropy, accuracy) of ``model`` on arrays ``images`` / ``labels``, in eval mode.

    The sums stay on the device; they are read back once, at the end. ``between_batches``: called
    after each batch (the training loop delivers a held Ctrl-C there).
    """
    if len(labels) == 0:   # the means below would divide by zero
        raise ValueError(f"evaluate: the test set is empty ({len(labels)} labels, images of shape "
                         f"{tuple(images.shape)}); there is nothing to evaluate")
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
                loss_sum += cross_entropy(logits, y, reduction="sum", ignore_index=None).data
                correct += (logits.data.argmax(axis=1) == y).sum()
                if between_batches is not None:
                    between_batches()
    finally:  # an error (or Ctrl-C) mid-evaluation must not leave a training model in eval mode
        model.train(was_training)
    n = len(labels)
    return float(loss_sum) / n, int(correct) / n


def train(config: TrainConfig) -> TrainResult:
    """Run (or resume) training as ``config`` says; see the module docstring.

    Raises :class:`ConfigError` for bad options or a checkpoint that does not
    fit, ``minigrad.data.DatasetNotFoundError`` when the data is missing, and
    :class:`TrainingInterrupted` on Ctrl-C (the last checkpoint is intact).
    """
    on_disk = {}   # from the first epoch on: the "checkpoint" path and the "epoch" it holds (0: none yet)
    try:
        # Ctrl-C / SIGTERM land only at held.deliver(), in this module's code: never inside a
        # checkpoint write or a library's code (minigrad/train/interrupts.py says why).
        with SignalsHeld() as held:
            return _train(config, held, on_disk)
    except KeyboardInterrupt:
        if not on_disk:   # before the epochs: nothing was written
            raise
        epoch = on_disk["epoch"]
        raise TrainingInterrupted(on_disk["checkpoint"] if epoch else None, epoch) from None


def _train(config: TrainConfig, held: SignalsHeld, on_disk: dict) -> TrainResult:
    requested_device = config.device
    config = config.resolved()   # every option checked, every default filled in, here and only here
    run = for_config(config)   # --distributed: this rank's part in the job; else the plain run
    log = (config.log if run.is_main else None) or (lambda *_: None)
    device = run.device(requested_device, config.device)
    trajectory = run.trajectory(config.trajectory())
    ckpt_path = config.checkpoint_path()
    checkpoint = read_train_state(ckpt_path, trajectory, device) if config.resume else None

    with held.released() if config.download else nullcontext():   # a download may take long: Ctrl-C acts at once
        train_set, test_set = load_datasets(config)
    if device != "cpu":  # move each split to the GPU once; batches are then sliced there
        train_set.to(device)
        test_set.to(device)

    minigrad.manual_seed(config.seed)
    in_features, n_classes = int(train_set.arrays[0].shape[1]), 10
    model = build_model(config, in_features, n_classes).to(device)
    optimizer = build_optimizer(config, model.parameters())
    trained = run.wrap(model)   # DistributedDataParallel under --distributed: called like the model
    run.seed_dropout(config.seed)
    loader = run.loader(train_set, config.batch_size, config.seed, device)
    schedule = build_schedule(config.schedule, optimizer, total_steps=config.epochs * len(loader))
    closure_based = OPTIMIZERS[config.optimizer].closure

    history, start_epoch = [], 0
    if checkpoint is not None:
        start_epoch, history = restore_train_state(checkpoint, model, optimizer, schedule, loader)
        run.restore_rng(checkpoint)
    out_dir = Path(config.out)
    if run.is_main:   # rank 0 alone writes
        out_dir.mkdir(parents=True, exist_ok=True)
        ckpt_path.parent.mkdir(parents=True, exist_ok=True)

    log(f"{config.dataset}: {len(train_set)} training / {len(test_set)} test images; "
        f"model {describe_model(config, in_features, n_classes)}, dropout {config.dropout} "
        f"({model.num_parameters():,} parameters){_augmentation(config)}; {config.optimizer} lr {config.lr:g}, schedule {config.schedule}; "
        f"batch {config.batch_size}{_ranks(run)}; {count_epochs(config.epochs)}; device {device}; seed {config.seed}")
    if checkpoint is not None:
        log(f"resuming from {ckpt_path} after epoch {start_epoch}")

    files = {}
    started = time.perf_counter()
    on_disk.update(checkpoint=ckpt_path, epoch=start_epoch)
    epochs_done, completed = config.epochs, True
    drawn = 0   # the epochs the curves on disk show (drawn after every epoch only where run.curves_every_epoch)
    try:
        for epoch in range(start_epoch + 1, config.epochs + 1):
            lr = float(optimizer.param_groups[0]["lr"])
            run.start_epoch(loader, epoch)
            train_loss, train_acc, seconds, seen = _train_epoch(trained, optimizer, schedule, loader, closure_based,
                                                                config, epoch, device, run, held.deliver)
            test_loss, test_acc = _evaluate_sharded(model, test_set, config.eval_batch_size, run, held.deliver)
            row = {"epoch": epoch, "lr": lr, "train_loss": train_loss, "train_acc": train_acc,
                   "test_loss": test_loss, "test_acc": test_acc, "epoch_seconds": seconds,
                   "samples_per_s": seen / seconds if seconds > 0 else float("nan")}
            history.append(row)
            rng = run.rng_state()   # a collective under --distributed: every rank takes part
            if run.is_main:
                save_train_state(ckpt_path, trajectory=trajectory, epoch=epoch, model=model,
                                 optimizer=optimizer, schedule=schedule, loader=loader, history=history,
                                 rng=rng)
                files = write_records(out_dir, config, history, trajectory=trajectory)
            on_disk["epoch"] = epoch
            held.deliver()   # a Ctrl-C during the writes lands here: after the checkpoint is written and counted
            if run.curves_every_epoch:
                drawn = _draw_curves(config, run, out_dir, history, files, log)
            log(f"epoch {epoch:>3}/{config.epochs}  train loss {train_loss:.4f}  train acc {100 * train_acc:6.2f}%  "
                f"test loss {test_loss:.4f}  test acc {100 * test_acc:6.2f}%  lr {lr:.2e}  "
                f"{seconds:6.1f} s ({row['samples_per_s']:,.0f} samples/s)")
            held.deliver()
            if config.stop_after is not None and epoch >= config.stop_after and epoch < config.epochs:
                log(f"stopping after epoch {epoch} (--stop-after); continue with --resume, checkpoint {ckpt_path}")
                if config.export_safetensors or config.export_onnx:
                    log("the exports are written when the run completes (after --resume)")
                epochs_done, completed = epoch, False
                break
    except BaseException as exc:   # Ctrl-C, SIGTERM or an error: the curves of the complete epochs, then exc
        held.hold()   # a delivered signal released them: a second one waits for the drawing
        if drawn < len(history):
            _draw_curves(config, run, out_dir, history, files, log)
        if not isinstance(exc, KeyboardInterrupt):
            held.received.clear()   # a signal taken meanwhile must not take the place of the error
        raise
    if completed and run.is_main:   # rank 0 alone writes the exports too, as the checkpoint
        files.update(export_trained(model, test_set.arrays[0][:2], config,
                                    describe_model(config, in_features, n_classes), log))
    if drawn < len(history):
        _draw_curves(config, run, out_dir, history, files)
    return finish(history, model, optimizer, epochs_done, completed, ckpt_path, files, started, log)


def _draw_curves(config, run, out_dir, history, files, log=None) -> int:
    """Draw the PNG curves of ``history``'s epochs (rank 0, with plots on); returns how many epochs they show.

    Drawn once, when the run ends, stops, is interrupted or fails (after every epoch only where
    ``run.curves_every_epoch``): drawn after every epoch, they kept matplotlib's 40 MB in the training process (the
    default run peaked at 347 MB, not 335). With ``log``, a drawing error is logged, not raised: on the way out
    the run's own outcome comes first, and a PNG must not end a distributed job.
    """
    if config.plots and run.is_main and history:
        try:
            files.update(write_run_curves(out_dir, config, history))
        except Exception as exc:  # noqa: BLE001  (whatever matplotlib or the disk raises)
            if log is None:
                raise
            log(f"the curves could not be drawn: {type(exc).__name__}: {exc}")
    return len(history)


def _augmentation(config) -> str:
    return f", training images shifted up to {config.augment} px" if config.augment else ""


def _ranks(run) -> str:
    return f" per rank x {run.size} ranks" if run.distributed else ""


def _evaluate_sharded(model, test_set, batch_size, run, between_batches):
    """(loss, accuracy) on the whole test set; under --distributed each rank evaluates its block and
    the sums are added over ranks, so every rank gets the same figures."""
    images, labels = test_set.arrays
    if not run.distributed or len(labels) == 0:   # evaluate refuses an empty set, before any rank divides by 0
        return evaluate(model, images, labels, batch_size, between_batches)
    run.before_evaluation(model)   # every rank evaluates the model rank 0 checkpoints
    block = run.test_shard(len(labels))
    n = block.stop - block.start
    loss, acc = evaluate(model, images[block], labels[block], batch_size, between_batches) if n else (0.0, 0.0)
    loss_sum, correct, total = run.sum_over_ranks(loss * n, acc * n, n)
    return loss_sum / total, correct / total


def _train_epoch(model, optimizer, schedule, loader, closure_based, config, epoch, device, run, between_steps):
    """One pass over ``loader``; returns (mean train loss, train accuracy, seconds, samples over all ranks).

    ``between_steps`` is called after each step (where a held Ctrl-C is delivered)."""
    xp = backend.xp_for(device)
    loss_sum = xp.zeros((), dtype=xp.float64)   # running sums stay on the device
    correct = xp.zeros((), dtype=xp.int64)
    seen = 0
    samples = len(loader.sampler)  # the given sampler (a rank's share), else one over the whole dataset
    bar = _progress_bar(config, epoch, samples) if run.is_main else None
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
                loss = cross_entropy(logits, y, ignore_index=None)
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
            between_steps()
        backend.synchronize(device)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    loss_sum, correct, seen = run.sum_over_ranks(float(loss_sum), int(correct), seen)
    return loss_sum / seen, correct / seen, seconds, int(seen)


def _closure_step(model, optimizer, x, y):
    """One second-order step on batch (x, y); every evaluation sees the same dropout masks."""
    rng_state = mg_random.get_rng_state()
    first = {}

    def closure():
        mg_random.set_rng_state(rng_state)
        optimizer.zero_grad()
        logits = model(x)
        loss = cross_entropy(logits, y, ignore_index=None)
        loss.backward()
        first.setdefault("logits", logits.detach())
        return loss

    loss = optimizer.step(closure)
    loss = float(loss.item()) if hasattr(loss, "item") else float(loss)
    return loss, first["logits"]


def _progress_bar(config, epoch, total):
    """A tqdm bar, or None: with --no-progress, and when the output goes to a file or a pipe (no bar text in logs)."""
    if not config.progress or not (_is_terminal(sys.stdout) and _is_terminal(sys.stderr)):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"epoch {epoch}/{config.epochs}", unit="samples", unit_scale=True,
                leave=False, dynamic_ncols=True)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # no isatty, or a closed stream
        return False
