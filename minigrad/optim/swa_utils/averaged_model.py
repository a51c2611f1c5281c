"""``AveragedModel``: a callable copy of a model whose weights are a running average (SWA) or an EMA."""

import copy

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.autograd.write_stamps import mark_written
from minigrad.backend import device_of, to_device
from minigrad.optim.averaging import swa_average
from minigrad.optim.swa_utils.average_functions import as_torch_float


def layers_of(model):
    """Every layer of ``model``, itself first: ``modules()`` (PyTorch's name) or ``layers()`` (minigrad's)."""
    for name in ("modules", "layers"):
        walk = getattr(model, name, None)
        if callable(walk):
            return list(walk())
    return [model]


class AveragedModel:
    r"""A copy of ``model`` that averages its weights over training, as ``torch.optim.swa_utils.AveragedModel``.

    ``model`` is copied (``copy.deepcopy``, then moved with ``.to(device)`` if ``device`` is
    given); calling the AveragedModel calls the copy. Each :meth:`update_parameters(model)`
    folds ``model``'s current weights into the copy's: the first call copies them, later ones
    apply, with ``n`` = ``n_averaged`` models averaged so far::

        avg = avg + (theta - avg) / (n + 1)          default: the mean of the iterates (SWA)
        avg = avg_fn(avg, theta, n)                  a new array per weight
        multi_avg_fn([avg, ...], [theta, ...], n)    in place, once per (device, dtype)

    over the parameters, and the buffers too with ``use_buffers=True``; otherwise the buffers
    (batch-norm statistics) are copied from ``model`` at every update (recompute them for the
    averaged weights with :func:`update_bn`). ``n_averaged`` is a 0-d int64 Tensor, as PyTorch's
    buffer. The averaging functions get backend arrays and ``n`` as a Python int (see
    :mod:`minigrad.optim.swa_utils.average_functions`); ``get_ema_multi_avg_fn(0.999)`` makes an EMA.

    The model is used through its duck-typed interface only (this package does not import
    :mod:`minigrad.nn`): ``parameters()``, ``buffers()``, ``state_dict()``/``load_state_dict()``,
    ``train()``, ``to()``, ``layers()`` or ``modules()``, and calling it.

    Compared with PyTorch's: a model whose parameters (or buffers) differ in number or shape from
    the copy's is refused with a ValueError (PyTorch's ``zip`` stops at the shorter list); the
    default average is the same expression as PyTorch's on CPU (on CUDA PyTorch uses a lerp).
    Its own :meth:`state_dict` holds ``"n_averaged"`` and the copy's entries as ``"module.<name>"``.
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not callable(getattr(model, "parameters", None)):
            raise TypeError(f"AveragedModel: model must have parameters() (a layer), got {type(model).__name__}; "
                            "pass the model itself, not model.parameters() or model.named_parameters()")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"AveragedModel: {name} must be a function, got {type(fn).__name__}")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.n_averaged = Tensor(np.zeros((), dtype=np.int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, bool(use_buffers)
        self.training = getattr(self.module, "training", True)

    # ------------------------------------------------------------------ the copy
    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """Call the averaged copy."""
        return self.module(*args, **kwargs)

    def parameters(self):
        """The copy's parameters (the averages)."""
        return list(self.module.parameters())

    def buffers(self):
        """``n_averaged``, then the copy's buffers (PyTorch's order)."""
        return [self.n_averaged, *_buffers(self.module)]

    def modules(self):
        """This model, then every layer of the copy (what :func:`update_bn` walks)."""
        return [self, *layers_of(self.module)]

    def train(self, mode=True):
        self.training = bool(mode)
        self.module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, device):
        self.module = self.module.to(device)
        return self

    def state_dict(self, *, keep_vars=False):
        """``{"n_averaged": 0-d int64 Tensor, "module.<name>": Tensor, ...}``, PyTorch's keys and values: detached
        Tensors over the memory of ``n_averaged`` and of the copy's parameters and buffers (a later update shows
        in them; ``copy.deepcopy`` the dict for a snapshot). ``keep_vars=True``: the tensors themselves."""
        state = {"n_averaged": self.n_averaged if keep_vars else self.n_averaged.detach()}
        inner = self.module.state_dict(keep_vars=True) if keep_vars else self.module.state_dict()
        state.update({f"module.{name}": value for name, value in inner.items()})
        return state

    def load_state_dict(self, state, strict=True):
        """Restore :meth:`state_dict`'s output: the copy's weights and ``n_averaged``."""
        if "n_averaged" not in state:
            raise KeyError("AveragedModel.load_state_dict: the state has no 'n_averaged'")
        inner = {name[len("module."):]: value for name, value in state.items() if name.startswith("module.")}
        result = self.module.load_state_dict(inner, strict=strict)
        count = state["n_averaged"]   # a Tensor (this state_dict's, or minigrad.load's), an array or an int
        self.n_averaged.data[...] = int(count.data if isinstance(count, Tensor) else count)
        return result

    # ------------------------------------------------------------------ averaging
    def update_parameters(self, model):
        """Fold ``model``'s current weights into the averages (copy them on the first call)."""
        averaged, current = self._matching_arrays(model)
        n = int(self.n_averaged.data)
        if n == 0:
            for avg, theta in zip(averaged, current):
                avg[...] = theta                                            # avg = theta_1
        elif self.multi_avg_fn is not None:
            for indices in _by_device_and_dtype(averaged):
                self.multi_avg_fn([averaged[i] for i in indices], [current[i] for i in indices], n)
        elif self.avg_fn is not None:
            for avg, theta in zip(averaged, current):
                avg[...] = self.avg_fn(avg, theta, n)                       # avg = avg_fn(avg, theta, n)
        else:
            for avg, theta in zip(averaged, current):
                # avg = avg + (theta - avg)/(n+1)  (an integer buffer in float32, as torch)
                avg[...] = swa_average(as_torch_float(avg), as_torch_float(theta), n)
        written = list(averaged)
        if not self.use_buffers:
            own, theirs = _buffers(self.module), _buffers(model)
            _check_same("buffers", own, theirs)
            for b, b_model in zip(own, theirs):
                b.data[...] = to_device(b_model.data, device_of(b.data))    # buffers follow the model
                written.append(b.data)
        self.n_averaged.data += 1
        mark_written(*written)   # a graph recorded through the copy before must not use the new values

    def _matching_arrays(self, model):
        """The copy's arrays to average and ``model``'s matching ones (on the copy's devices), checked."""
        own, theirs = list(self.module.parameters()), list(model.parameters())
        _check_same("parameters", own, theirs)
        if self.use_buffers:
            own_buffers, their_buffers = _buffers(self.module), _buffers(model)
            _check_same("buffers", own_buffers, their_buffers)
            own, theirs = own + own_buffers, theirs + their_buffers
        return [p.data for p in own], [to_device(q.data, device_of(p.data)) for p, q in zip(own, theirs)]

    def __repr__(self):
        return f"AveragedModel(n_averaged={int(self.n_averaged.data)}, module={self.module!r})"


def _buffers(model):
    walk = getattr(model, "buffers", None)
    return list(walk()) if callable(walk) else []


def _check_same(kind, own, theirs):
    if len(own) != len(theirs):
        raise ValueError(f"AveragedModel.update_parameters: the model has {len(theirs)} {kind}, "
                         f"the averaged copy {len(own)}")
    for i, (a, b) in enumerate(zip(own, theirs)):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"AveragedModel.update_parameters: the model's {kind[:-1]} {i} has shape "
                             f"{tuple(b.shape)}, the averaged copy's {tuple(a.shape)}")


def _by_device_and_dtype(arrays):
    """Lists of indices of ``arrays`` sharing a device and a dtype, in order of first appearance."""
    groups = {}
    for i, a in enumerate(arrays):
        groups.setdefault((str(device_of(a)), a.dtype.str), []).append(i)
    return list(groups.values())
