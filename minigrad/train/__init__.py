"""The ``minigrad train`` command as a library: ``train(TrainConfig(...))``.

One module per step of a run:

* ``config``: every option (``TrainConfig``), the tables of names, and ``resolved()``,
  the one place where options are checked and defaults filled in;
* ``recipes``: the model, optimizer and learning-rate schedule built from a resolved config;
* ``data``: the datasets, parsed once per process;
* ``loop``: ``train()``, one epoch, ``evaluate()``;
* ``checkpoint``: the checkpoint file (save, check, restore);
* ``interrupts``: Ctrl-C and SIGTERM held during training, delivered at the loop's safe points;
* ``records``: ``metrics.csv``, ``metrics.json``, the PNG curves and the ``TrainResult``.
"""
from minigrad.train.config import DATASETS, FIRST_ORDER, OPTIMIZERS, SCHEDULES, ConfigError, TrainConfig
from minigrad.train.data import load_datasets
from minigrad.train.loop import TrainingInterrupted, evaluate, train
from minigrad.train.records import TrainResult

__all__ = ["TrainConfig", "TrainResult", "TrainingInterrupted", "ConfigError", "DATASETS", "OPTIMIZERS",
           "SCHEDULES", "FIRST_ORDER", "train", "evaluate", "load_datasets"]
