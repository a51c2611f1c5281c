"""Softmax and log-softmax for the layers: the ops live in ``minigrad/ops/softmax.py`` (``minigrad.softmax`` and
``Tensor.softmax`` are ops, and ``ops`` never imports ``nn``); their names stay importable from here."""
from minigrad.ops.softmax import (LAST_AXIS, LogSoftmax, Softmax, log_softmax, softmax,  # noqa: F401
                                  softmax_axis, stable_log_softmax)
