"""``DataParallel``: torch's single-process wrapper, for scripts that wrap their model in it.

torch's ``nn.DataParallel`` splits each batch over the GPUs of one process and gathers the outputs; with no GPU,
or one, it calls the module as it is. minigrad runs one device per process (data parallelism across devices is
``DistributedDataParallel`` under ``mpiexec``), so this wrapper is torch's one-device case: ``forward`` is the
module's, ``self.module`` is the model, and the state dict's keys gain torch's ``module.`` prefix.
"""
from __future__ import annotations

from minigrad import backend
from minigrad.nn.layer import Layer
from minigrad.scalars import as_integer


class DataParallel(Layer):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``, torch's arguments.

    ``device_ids`` may name the module's own device (one id, or none); several devices are refused with one
    ``NotImplementedError`` that points to ``DistributedDataParallel`` (one process per device).
    """

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Layer):
            raise TypeError(f"DataParallel: module must be a Layer (nn.Module), got {type(module).__name__}")
        ids = [] if device_ids is None else list(device_ids)
        if len(ids) > 1:
            raise NotImplementedError(
                f"DataParallel: minigrad runs one device per process, got device_ids={ids}; for several GPUs use "
                "nn.parallel.DistributedDataParallel under mpiexec, one process per GPU")
        if as_integer(dim) is None:
            raise TypeError(f"DataParallel: dim must be an int, got {dim!r}")
        self.module = module
        self.device_ids = [_index(i) for i in ids]
        self.output_device = None if output_device is None else _index(output_device)
        self.dim = as_integer(dim)

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def _index(device):
    """A device id as torch keeps it: the int of ``cuda:N`` (an int stays as it is)."""
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    index = backend.normalize_device(device).index
    return 0 if index is None else index
