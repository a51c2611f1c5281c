"""``update_bn``: recompute the batch-norm statistics of a model (an averaged one) in one pass over data."""

from minigrad.autograd.mode import no_grad
from minigrad.autograd.write_stamps import mark_written
from minigrad.optim.swa_utils.averaged_model import layers_of


def _is_batch_norm(layer):
    """A batch-norm layer that tracks running statistics, recognised by its attributes (this package
    does not import minigrad.nn): ``running_mean``, ``running_var`` (Tensors) and ``momentum``."""
    return (hasattr(layer, "momentum") and getattr(layer, "running_mean", None) is not None
            and getattr(layer, "running_var", None) is not None)


def _reset_running_stats(layer):
    """PyTorch's ``reset_running_stats``: mean 0, variance 1, no batches tracked."""
    layer.running_mean.data[...] = 0
    layer.running_var.data[...] = 1
    written = [layer.running_mean.data, layer.running_var.data]
    tracked = getattr(layer, "num_batches_tracked", None)
    if tracked is not None:
        tracked.data[...] = 0
        written.append(tracked.data)
    mark_written(*written)


def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of every batch-norm layer of ``model``, as PyTorch's.

    The statistics are reset, then ``model`` runs in training mode (without recording a graph)
    on every batch of ``loader`` with each layer's ``momentum`` set to None, so that the running
    statistics become the plain average over the batches; afterwards the momentums and the
    model's training mode are put back. A batch is an input, or a list or tuple whose first
    element is the input; with ``device`` it is moved there first (``batch.to(device)``). A model
    without batch-norm layers is left alone (the loader is not read).
    """
    momenta = {}
    for layer in layers_of(model):
        if _is_batch_norm(layer):
            _reset_running_stats(layer)
            momenta[layer] = layer.momentum
    if not momenta:
        return
    was_training = getattr(model, "training", True)
    model.train()
    for layer in momenta:
        layer.momentum = None                  # None: the cumulative average over the batches
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                if device is not None:
                    batch = batch.to(device)
                model(batch)
    finally:
        for layer, momentum in momenta.items():
            layer.momentum = momentum
        model.train(was_training)
