"""``SyncBatchNorm``: batch normalisation whose batch statistics are those of every rank's batch together.

torch's ``torch.nn.SyncBatchNorm`` over minigrad's MPI process group. In training, when the
process group is initialized and holds more than one rank, the mean and variance per channel
are those of the samples of all ranks (the ranks may hold different batch sizes) and the
backward pass is the exact derivative of that global normalisation
(:mod:`minigrad.distributed.sync_batch_norm`, loaded on first use: ``minigrad.distributed``
sits above ``nn``). Otherwise (eval, one rank, no process group) it is BatchNorm, as torch's.
"""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.nn import functional as F
from minigrad.nn.layer import Layer
from minigrad.nn.normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation of (N, C, *) inputs per channel C, synchronised over the ranks in training.

    Arguments as torch's: ``num_features`` (C), ``eps``, ``momentum`` (None: cumulative average),
    ``affine``, ``track_running_stats``, ``process_group`` (None or ``dist.group.WORLD``: the only
    group here), ``device``, ``dtype``, keyword-only ``bias``. Parameters and buffers are
    BatchNorm's (``weight``, ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``).

    Training with an initialized process group of W > 1 ranks: every rank normalises with the mean
    and biased variance of the values of channel c on all ranks; the running statistics move towards
    the global mean and unbiased variance (the same on every rank); the gradient with respect to the
    input is that of the global normalisation (two per-channel sums are all-reduced in backward);
    ``weight``/``bias`` gradients are this rank's (DistributedDataParallel averages them).
    Every rank must call it in the same order (its forward and backward are collectives).
    Higher-order gradients are refused there (a RuntimeError in backward).

    Where torch differs: torch syncs only CUDA inputs and raises a ValueError for a CPU input under
    an initialized process group; here CPU arrays are synchronised over MPI (CUDA ones through the
    GPU link of ``minigrad.distributed``). Eval mode, ``track_running_stats=False`` in eval, a world
    of one rank, or no initialized process group: exactly ``BatchNorm`` (torch's fallback).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        from minigrad.distributed.group import check_group   # loaded here: distributed sits above nn

        check_group("SyncBatchNorm", process_group)
        self.process_group = process_group

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"SyncBatchNorm: input must be a Tensor, got {type(x).__name__}")
        if x.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {x.ndim}D input of shape "
                             f"{tuple(x.shape)})")
        if x.shape[1] == 0:
            raise ValueError("SyncBatchNorm: number of input channels should be non-zero, got input of shape "
                             f"{tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: input has shape {tuple(x.shape)} but expected (N, "
                             f"{self.num_features}, *)")
        self._check_dtype(x)
        use_batch, momentum, stats = self._batch_statistics()
        if self.training and _synchronised():
            from minigrad.distributed.sync_batch_norm import sync_batch_norm

            return sync_batch_norm(x, *stats, self.weight, self.bias, momentum, self.eps)
        return F.batch_norm(x, *stats, self.weight, self.bias, training=use_batch, momentum=momentum, eps=self.eps)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm1d/2d/3d in it (recursively) replaced by a SyncBatchNorm that holds
        the same ``weight``, ``bias`` and buffers (the same objects) and the same training flag, as torch's.

        The sub-layers are replaced in place and ``module`` is returned; a BatchNorm ``module`` itself
        gives a new SyncBatchNorm.
        """
        if not isinstance(module, Layer):
            raise TypeError(f"SyncBatchNorm.convert_sync_batchnorm: module must be a Layer (Module), got "
                            f"{type(module).__name__}")
        out = module
        if isinstance(module, _BatchNorm):
            if any(getattr(t, "_uninitialized", False) for t in (module.weight, module.running_mean)):
                # torch converts it into a SyncBatchNorm(0) that can never run; one clear error instead
                raise ValueError(f"SyncBatchNorm.convert_sync_batchnorm: {type(module).__name__} is not initialized "
                                 "yet (a lazy layer); run one forward pass before converting")
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group, dtype=_dtype_of(module), bias=module.bias is not None)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            # whatever the flag, as PyTorch's: a layer whose track_running_stats was switched off after construction
            # normalises by its running statistics in eval
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            object.__setattr__(out, "training", module.training)
        for name, child in list(out.named_children()):
            converted = cls.convert_sync_batchnorm(child, process_group)
            if converted is not child:
                _replace_child(out, name, converted)
        return out


def _synchronised() -> bool:
    """True when an initialized process group has more than one rank (torch's condition to sync)."""
    from minigrad.distributed import group

    return group.is_initialized() and group.get_world_size() > 1


def _dtype_of(layer):
    tensor = layer.weight if layer.weight is not None else layer.running_mean
    return None if tensor is None else tensor.dtype


def _replace_child(parent, name, new):
    """Put ``new`` where the sub-layer ``name`` of ``parent`` is: an attribute or a container entry, or an entry
    of a list/tuple/dict attribute (``name`` "blocks.0")."""
    from minigrad.nn.layer import _set_member

    if "." not in name or name in parent._member_names:
        _set_member(parent, name, new)
        return
    first, *keys = name.split(".")
    setattr(parent, first, _replaced(parent.__dict__[first], keys, new))


def _replaced(container, keys, new):
    """``container`` (lists, tuples, dicts nested) with the entry at the path ``keys`` replaced by ``new``."""
    if not keys:
        return new
    entries = list(container.items()) if isinstance(container, dict) else list(enumerate(container))
    for key, item in entries:
        if str(key) == keys[0]:
            value = _replaced(item, keys[1:], new)
            if isinstance(container, tuple):
                return tuple(value if k == key else v for k, v in entries)
            container[key] = value
            return container
    raise KeyError(f"SyncBatchNorm.convert_sync_batchnorm: no sub-layer {'.'.join(keys)!r} in a "
                   f"{type(container).__name__}")
