"""torch's older ``nn.utils.weight_norm`` / ``remove_weight_norm`` and ``nn.utils.spectral_norm`` /
``remove_spectral_norm``: the weight recomputed by a forward pre-hook before each call of the layer, from
parameters registered beside it, under torch's names.

- weight_norm: parameters ``<name>_g`` and ``<name>_v``; w = g v / ||v||.
- spectral_norm: parameter ``<name>_orig``, buffers ``<name>_u`` and ``<name>_v``; w = W / sigma, the power
  method stepped (v first, then u, as torch's older form) in training mode only.

``module.<name>`` is then a plain Tensor attribute (not a parameter), as in torch; the hook keeps the layer
from being fused in a ``Sequential``. ``dim`` is torch's (``norm_reparam``: on a Linear, ``weight_g`` is
(1, out) where torch's is (out, 1), and ``minigrad.io.from_torch`` transposes it, ``weight_v`` and
``weight_orig`` as it does the weight). These forms are deprecated in torch in favour of
``nn.utils.parametrizations``; they warn as torch's weight_norm does.
"""
from __future__ import annotations

import warnings

from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.utils.norm_reparam import (checked_dim, positive_iterations, norm_except, power_iteration,
                                            random_unit, spectral_normalized, torch_axis, weight_matrix,
                                            weight_norm_value)
from minigrad.nn.utils.parametrizations import spectral_dim
from minigrad.scalars import is_integer

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: sets ``module.<name>`` = g v / ||v|| (``axis``: minigrad's
    axis kept by the norm, None for the whole tensor)."""

    def __init__(self, name: str, dim: int, axis):
        self.name, self.dim, self.axis = name, dim, axis

    def compute_weight(self, module) -> Tensor:
        return weight_norm_value(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.axis)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))

    def remove(self, module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        delattr(module, self.name + "_g")
        delattr(module, self.name + "_v")
        module.register_parameter(self.name, Parameter(weight.data.copy()))


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: sets ``module.<name>`` = W / sigma(W), stepping the power
    method first in training mode."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, axis: int, eps: float):
        self.name, self.n_power_iterations, self.dim, self.axis, self.eps = name, n_power_iterations, dim, axis, eps

    def compute_weight(self, module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        if do_power_iteration:
            power_iteration(weight_matrix(weight.data, self.axis), u, v, self.n_power_iterations, self.eps,
                            u_first=False)
        return spectral_normalized(weight, u, v, self.axis)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def remove(self, module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.data.copy()))


def _hooks_of(module, kind, name):
    """The ``kind`` hooks on ``name`` among the layer's forward pre-hooks ((hook, with_kwargs) entries)."""
    return [hook for hook, _ in (module._forward_pre_hooks or ()) if isinstance(hook, kind) and hook.name == name]


def _parameter(where, module, name) -> Parameter:
    value = module.__dict__.get(name) if isinstance(module, Layer) and isinstance(name, str) else None
    if not isinstance(value, Parameter) or name not in module._member_names:
        raise ValueError(f"{where}: {type(module).__name__} has no parameter named {name!r}")
    return value


def weight_norm(module, name: str = "weight", dim=0):
    """torch's ``nn.utils.weight_norm``: replace the parameter ``name`` by ``<name>_g`` (magnitude) and ``<name>_v``
    (direction), the weight recomputed before each forward. ``dim`` as in
    ``nn.utils.parametrizations.weight_norm`` (None or -1: the whole tensor). Returns ``module``."""
    warnings.warn("torch.nn.utils.weight_norm is deprecated in favor of "
                  "torch.nn.utils.parametrizations.weight_norm (minigrad has both)", FutureWarning, stacklevel=2)
    if isinstance(module, Layer) and _hooks_of(module, WeightNorm, name):
        raise RuntimeError(f"weight_norm: {type(module).__name__} already has a weight_norm hook on {name!r}")
    weight = _parameter("weight_norm", module, name)
    if dim is None or (is_integer(dim) and dim == -1):   # np.int64(-1) too: the whole tensor, not the last axis
        dim, axis = -1, None
    else:
        dim = checked_dim("weight_norm", dim, weight.ndim)
        axis = torch_axis(module, name, weight, dim)
    hook = WeightNorm(name, dim, axis)
    with no_grad():
        g = norm_except(weight, axis)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(g.data.copy()))
    module.register_parameter(name + "_v", Parameter(weight.data))
    setattr(module, name, hook.compute_weight(module))
    hook.handle = module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo ``weight_norm``: ``name`` is a parameter again, holding the current g v / ||v||. Returns ``module``."""
    return _remove(module, WeightNorm, name, "weight_norm")


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim=None):
    """torch's ``nn.utils.spectral_norm``: the parameter ``name`` becomes ``<name>_orig``, with the power method's
    vectors in buffers ``<name>_u`` and ``<name>_v`` (random unit vectors, no power steps yet, as torch's), and
    ``module.<name>`` = W / sigma(W) recomputed before each forward. ``dim`` as in
    ``nn.utils.parametrizations.spectral_norm``. Returns ``module``."""
    if isinstance(module, Layer) and _hooks_of(module, SpectralNorm, name):
        raise RuntimeError(f"spectral_norm: {type(module).__name__} already has a spectral_norm hook on {name!r}")
    weight = _parameter("spectral_norm", module, name)
    n_power_iterations = positive_iterations("spectral_norm", n_power_iterations)
    dim = checked_dim("spectral_norm", spectral_dim(module, dim), weight.ndim)
    axis = torch_axis(module, name, weight, dim)
    hook = SpectralNorm(name, n_power_iterations, dim, axis, float(eps))
    h, w = weight_matrix(weight.data, axis).shape
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    module.register_buffer(name + "_u", random_unit(h, weight))
    module.register_buffer(name + "_v", random_unit(w, weight))
    setattr(module, name, Tensor(weight.data))   # as torch: the raw weight until the first forward
    hook.handle = module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo ``spectral_norm``: ``name`` is a parameter again, holding W / sigma(W) with the current u and v
    (no power step). Returns ``module``."""
    return _remove(module, SpectralNorm, name, "spectral_norm")


def _remove(module, kind, name, what):
    hooks = _hooks_of(module, kind, name) if isinstance(module, Layer) else []
    if not hooks:
        raise ValueError(f"remove_{what}: {what} of {name!r} not found in {type(module).__name__}")
    hooks[0].remove(module)
    hooks[0].handle.remove()
    return module
