"""The checkpoint of a training run: what it holds, writing it, checking it, restoring it.

One ``minigrad.save`` file (``.npz``, no pickle, written atomically) with

* ``model``: ``model.state_dict()``; ``optimizer``: ``optimizer.state_dict()``;
  ``schedule``: the learning-rate schedule's ``state_dict()`` (or None);
* ``rng``: minigrad's random generator (the dropout masks); a ``--distributed`` run
  also stores ``rng_ranks``, every rank's generator, rank by rank;
  ``loader``: the DataLoader's ``state_dict()`` (its shuffling generator);
* ``epoch`` (complete epochs), ``config`` (the options that shape the run) and
  ``history`` (the metrics of those epochs).

Restored into freshly built objects, it makes the next epoch start exactly
where the saved run would have gone on. (The loop holds Ctrl-C while it writes
one: ``minigrad.train.interrupts``.)
"""
from __future__ import annotations

import minigrad
from minigrad import random as mg_random
from minigrad.train.config import ConfigError

__all__ = ["FORMAT", "VERSION", "save_train_state", "read_train_state", "restore_train_state"]

FORMAT = "minigrad-train-checkpoint"
VERSION = 1
#: What every checkpoint holds besides format and version (restore_train_state reads them all).
_ENTRIES = frozenset({"epoch", "config", "model", "optimizer", "schedule", "rng", "loader", "history"})


def save_train_state(path, *, trajectory: dict, epoch: int, model, optimizer, schedule, loader, history,
                     rng=None) -> None:
    """Write the checkpoint of a run after ``epoch`` complete epochs (atomically).

    ``rng``: the generator entries to store (``{"rng": ...}``, plus ``"rng_ranks"``, one state
    per rank, for a distributed run); by default this process's generator.
    """
    minigrad.save({
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "config": trajectory,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedule": None if schedule is None else schedule.state_dict(),
        "rng": mg_random.get_rng_state(),
        "loader": loader.state_dict(),
        "history": list(history),
        **(rng or {}),
    }, path)


def read_train_state(path, trajectory: dict, device="cpu") -> dict:
    """Load a checkpoint and check it belongs to a run with the options ``trajectory``.

    Raises :class:`ConfigError` (one line) for an unreadable or foreign file, another
    version, or options that differ (all differences named).
    """
    try:
        ckpt = minigrad.load(path, map_location=device)
    except ValueError as exc:
        raise ConfigError(f"--resume: {path} is not a readable checkpoint ({str(exc).splitlines()[0]})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ConfigError(f"--resume: {path} is a minigrad file but not a `minigrad train` checkpoint")
    if ckpt.get("version") != VERSION:
        raise ConfigError(f"--resume: {path} has checkpoint version {ckpt.get('version')}, "
                          f"this minigrad reads version {VERSION}")
    absent = sorted(_ENTRIES - set(ckpt))
    if absent:
        raise ConfigError(f"--resume: {path} is a `minigrad train` checkpoint without its "
                          f"{', '.join(absent)} entries (damaged?)")
    saved = dict(ckpt["config"])
    saved.setdefault("model", "mlp")   # checkpoints written before --model existed are MLP runs
    saved.setdefault("augment", 0)     # and those written before --augment existed shifted no image
    diffs = [f"--{key.replace('_', '-')} {_show(saved.get(key))} (now {_show(value)})"
             for key, value in trajectory.items() if _norm(saved.get(key)) != _norm(value)]
    if diffs:
        raise ConfigError(f"--resume: {path} was made with " + ", ".join(diffs) +
                          "; pass the same options to resume, or start afresh without --resume")
    return ckpt


def restore_train_state(ckpt: dict, model, optimizer, schedule, loader):
    """Load a checkpoint's states into freshly built objects; returns (epoch, history)."""
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    if schedule is not None:
        schedule.load_state_dict(ckpt["schedule"])
    mg_random.set_rng_state(ckpt["rng"])
    loader.load_state_dict(ckpt["loader"])   # the next epoch reshuffles as the uninterrupted run does
    return int(ckpt["epoch"]), list(ckpt["history"])


def _norm(value):
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else value


def _show(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) or "none"
    return "default" if value is None else str(value)
