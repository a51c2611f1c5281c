"""``GradScaler``: dynamic loss scaling, as ``torch.amp.GradScaler``.

Low-precision (float16) gradients underflow to zero where the loss's derivatives are small. The scaler multiplies
the loss by ``S`` before ``backward`` so the gradients are ``S`` times larger, divides them by ``S`` again before
the optimizer uses them, and adapts ``S``::

    unscale_:  g = g * (1/S)  (1/S rounded to float32, as torch), found_inf = any(not isfinite(g))
    step:      optimizer.step() unless found_inf (that step is skipped)
    update:    found_inf -> S = S * backoff_factor, tracker = 0
               else      -> tracker += 1; tracker == growth_interval -> S = S * growth_factor (if finite), tracker = 0

``S`` is kept rounded to float32, as torch keeps it in a float32 tensor, so the sequence of scales matches torch's.
minigrad has no autocast, so the scaler is useful for a model converted to float16 (``model.half()``) only in the
parts torch allows: as in torch, unscaling float16 gradients is refused (they would underflow again when divided;
keep float32 master parameters).
"""
from __future__ import annotations

import math
import warnings
from enum import Enum

import numpy as np

from minigrad.autograd.grad_match import checked_grad
from minigrad.autograd.tensor import Tensor
from minigrad.backend import device_of, get_array_module, to_device
from minigrad.scalars import is_integer


class _Stage(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _float32(value: float) -> float:
    """``value`` rounded to float32, as a Python float (torch keeps the scale in a float32 tensor)."""
    with np.errstate(over="ignore"):   # a scale grown past float32's range becomes inf, and is then not kept
        return float(np.float32(value))


def _new_state():
    return {"stage": _Stage.READY, "found_inf": None}


class GradScaler:
    """Dynamic loss scaler (see the module docstring for the rule).

    Args:
        device: ``"cuda"`` (torch's default) or ``"cpu"``. As torch's, a scaler for ``"cuda"`` where no CUDA GPU is
            usable warns and disables itself.
        init_scale: the first scale ``S`` (default ``2**16``).
        growth_factor: ``S`` is multiplied by it after ``growth_interval`` steps without inf/NaN (> 1).
        backoff_factor: ``S`` is multiplied by it after a step with inf/NaN gradients (< 1).
        growth_interval: the number of clean steps before growth (default 2000).
        enabled: False makes every method a pass-through (``scale`` returns its input, ``step`` calls
            ``optimizer.step()``, ``update`` does nothing), so one script serves both cases.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        if not isinstance(device, str) or device.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"GradScaler: device must be 'cpu' or 'cuda', got {device!r}")
        if not isinstance(enabled, (bool, np.bool_)):
            raise TypeError(f"GradScaler: enabled must be a bool, got {type(enabled).__name__} {enabled!r}")
        self._device = device.split(":")[0]
        self._enabled = bool(enabled)
        if self._device == "cuda" and self._enabled:
            from minigrad import cuda

            if not cuda.is_available():
                warnings.warn("GradScaler(device='cuda') is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise ValueError(f"GradScaler: growth_factor must be > 1.0, got {growth_factor}")
            if not 0.0 < backoff_factor < 1.0:
                raise ValueError(f"GradScaler: backoff_factor must be in (0, 1), got {backoff_factor}")
            if not is_integer(growth_interval) or growth_interval < 1:
                raise ValueError(f"GradScaler: growth_interval must be a positive int, got {growth_interval!r}")
            if not (math.isfinite(init_scale) and init_scale > 0):
                raise ValueError(f"GradScaler: init_scale must be a positive finite number, got {init_scale}")
            self._init_scale = float(init_scale)
            self._scale = None                  # set (float32-rounded) on the first scale(), as torch's
            self._growth_factor = float(growth_factor)
            self._backoff_factor = float(backoff_factor)
            self._growth_interval = int(growth_interval)
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = {}

    # -- the loop ---------------------------------------------------------------------------------------------
    def scale(self, outputs):
        """``outputs * S``: a Tensor, or (nested) lists/tuples of Tensors (the same structure comes back).

        A 0-dim float16 output comes back float32 (torch's promotion with its float32 scale tensor), so that
        ``S = 2**16`` does not overflow the loss itself."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = _float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker

        def apply(value):
            if isinstance(value, Tensor):
                if value.ndim == 0 and value.dtype == np.float16:
                    value = value.float()
                return value * self._scale
            if isinstance(value, (list, tuple)):
                return type(value)(apply(v) for v in value)
            raise ValueError(f"GradScaler.scale: outputs must be a Tensor or a list/tuple of Tensors, "
                             f"got {type(value).__name__}")

        return apply(outputs)

    def unscale_(self, optimizer) -> None:
        """Multiply the gradients of ``optimizer``'s parameters by ``1/S`` in place and record whether any entry
        is inf or NaN. At most once per optimizer between ``update()`` calls."""
        if not self._enabled:
            return
        self._check_started("unscale_")
        state = self._per_optimizer_states.setdefault(id(optimizer), _new_state())
        if state["stage"] is _Stage.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is _Stage.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = _float32(1.0 / self._scale)
        grads = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        for p in grads:   # all checked before any is changed, as torch's
            checked_grad("GradScaler.unscale_", p)
            if p.grad.dtype == np.float16:
                raise ValueError(
                    f"GradScaler.unscale_: attempting to unscale float16 gradients (a parameter of shape "
                    f"{tuple(p.shape)}); as in torch, the parameters the optimizer updates must be float32 "
                    "(float16 gradients would underflow again when divided by the scale)")
        finite = None   # whether every entry so far is finite: kept on the device, read back once (as torch's
        for p in grads:   # found_inf), not once per gradient, since each read waits for the GPU
            g = p.grad.data
            xp = get_array_module(g)
            this = xp.isfinite(g).all()                     # checked before scaling, as torch's kernel does
            if finite is None:
                finite = this
            else:   # combined where the flag lives: CuPy's logical_and refuses a host flag (a NumPy array)
                finite = get_array_module(finite).logical_and(finite, to_device(this, device_of(finite)))
            with np.errstate(invalid="ignore", over="ignore"):
                g *= g.dtype.type(inv_scale)
        state["found_inf"] = finite is not None and not bool(finite)
        state["stage"] = _Stage.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``unscale_(optimizer)`` if not done yet, then ``optimizer.step(*args, **kwargs)`` unless an inf/NaN
        gradient was found (the step is skipped, and None returned). Returns the step's result."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_started("step")
        state = self._per_optimizer_states.setdefault(id(optimizer), _new_state())
        if state["stage"] is _Stage.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _Stage.READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _Stage.STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """Adapt ``S`` (backoff after an inf/NaN, growth after ``growth_interval`` clean steps), or set it to
        ``new_scale`` (a float or a one-element Tensor); then start the next iteration."""
        if not self._enabled:
            return
        self._check_started("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise ValueError("GradScaler.update: new_scale should be a float or a one-element Tensor with "
                                     f"requires_grad=False, got shape {tuple(new_scale.shape)}, "
                                     f"requires_grad={new_scale.requires_grad}")
                new_scale = new_scale.item()
            if isinstance(new_scale, bool) or not isinstance(new_scale, (float, int, np.floating, np.integer)):
                raise TypeError(f"GradScaler.update: new_scale should be a float or a one-element Tensor, got "
                                f"{type(new_scale).__name__}")
            self._scale = _float32(new_scale)
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise RuntimeError("GradScaler.update: no inf checks were recorded prior to update() "
                                   "(call scaler.step(optimizer) or scaler.unscale_(optimizer) first)")
            if any(found):
                self._scale = _float32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                successful = self._growth_tracker + 1
                if successful == self._growth_interval:
                    grown = _float32(self._scale * self._growth_factor)
                    if math.isfinite(grown):
                        self._scale = grown
                    successful = 0
                self._growth_tracker = successful
        self._per_optimizer_states = {}

    def _check_started(self, name):
        if self._scale is None:
            raise RuntimeError(f"GradScaler.{name}: the scale is not set yet. This may indicate your script did not "
                               "use scaler.scale(loss or outputs) earlier in the iteration.")

    # -- questions and settings ---------------------------------------------------------------------------------
    def get_scale(self) -> float:
        """The current scale ``S`` (1.0 when disabled; ``init_scale`` before the first ``scale``)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    # -- checkpoints --------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval`` and ``_growth_tracker`` (torch's
        keys); an empty dict when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` gave (nothing happens when disabled)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        missing = {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"} - set(state_dict)
        if missing:
            raise KeyError(f"GradScaler.load_state_dict: missing keys {sorted(missing)}")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = _float32(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker
