"""``torch.optim.swa_utils``'s names: stochastic weight averaging and EMA of a whole model.

``AveragedModel`` is a callable copy of a model whose parameters (and optionally buffers) are
running averages; ``get_swa_avg_fn``, ``get_ema_avg_fn``, ``get_swa_multi_avg_fn`` and
``get_ema_multi_avg_fn`` give its averaging rules; ``SWALR`` anneals the lr to a constant one
for the averaging phase; ``update_bn`` recomputes batch-norm statistics for the averaged weights.
Nothing here imports :mod:`minigrad.nn`: models are used through their duck-typed interface
(``parameters()``, ``buffers()``, ``layers()`` or ``modules()``, ``train()``, calling them).
"""

from minigrad.optim.lr_scheduler.swa import SWALR  # noqa: F401
from minigrad.optim.swa_utils.averaged_model import AveragedModel  # noqa: F401
from minigrad.optim.swa_utils.average_functions import (get_ema_avg_fn, get_ema_multi_avg_fn,  # noqa: F401
                                                        get_swa_avg_fn, get_swa_multi_avg_fn)
from minigrad.optim.swa_utils.batch_norm import update_bn  # noqa: F401

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]
