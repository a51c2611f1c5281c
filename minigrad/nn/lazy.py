"""Lazy layers (``LazyLinear``, ``LazyConv1d``... ``LazyInstanceNorm2d``) and the placeholders they hold until their
first call (``UninitializedParameter``, ``UninitializedBuffer``), as PyTorch's.

A lazy layer is its eager class with the first constructor argument (``in_features``, ``in_channels`` or
``num_features``) left out: it holds ``UninitializedParameter`` s (and ``UninitializedBuffer`` s for the running
statistics) and shows that argument as 0. Its first call reads the argument off the input, builds the eager layer
``Eager(value, *args, **kwargs)`` (so the random draws of the initialisation are exactly the eager constructor's),
moves that layer's arrays into the placeholders (which become ``Parameter`` / ``Tensor`` in place: an optimizer given
them before keeps working) and turns into the eager class (``type(layer) is Linear`` afterwards), as PyTorch does.

``lazy_module(Eager, infer)`` writes one lazy class; each line at the bottom of this file is one lazy layer.
"""
from __future__ import annotations

import inspect

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import normalize_device, to_device, xp_for
from minigrad.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from minigrad.nn.instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.linear import Linear
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from minigrad.random import get_rng_state, set_rng_state

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "lazy_module", "is_lazy",
           "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm1d", "LazyInstanceNorm2d"]

_UNUSABLE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
             "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
             "`forward` to initialize the parameters before accessing their attributes.")


class _Uninitialized:
    """What the two placeholders share: a dtype and a device but no shape (``data`` is an empty array of that dtype
    on that device, as PyTorch's placeholder), and ``materialize``, which gives them data and their final class."""

    __slots__ = ()
    _uninitialized = True   # read by Layer (state_dict, load_state_dict, num_parameters) without importing this file
    cls_to_become = Tensor

    def _start(self, requires_grad, device, dtype):
        from minigrad.nn.arguments import floating_dtype

        dtype = floating_dtype(type(self).__name__, dtype)
        Tensor.__init__(self, xp_for(normalize_device(device)).empty((0,), dtype=dtype), requires_grad=requires_grad)

    @property
    def shape(self):
        raise RuntimeError(_UNUSABLE)

    ndim = size = shape

    def materialize(self, shape, device=None, dtype=None):
        """Give the placeholder zero-filled data of ``shape`` (on ``device``, of ``dtype``; its own by default) and
        turn it into a ``Parameter`` (a plain ``Tensor`` for a buffer), in place."""
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
        device = self.device if device is None else normalize_device(device)
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        self._fill(xp_for(device).zeros(shape, dtype=dtype))

    def _fill(self, array):
        Tensor.data.__set__(self, array)
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A Parameter whose shape is not known yet (a lazy layer's, until its first call); ``materialize(shape)`` turns
    it into a ``Parameter`` in place. Its ``shape`` (``ndim``, ``size``) raises, as PyTorch's does."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        self._start(requires_grad, device, dtype)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (a lazy norm layer's running statistics); ``materialize(shape)`` turns
    it into a plain ``Tensor`` in place."""

    __slots__ = ()

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        self._start(requires_grad, device, dtype)


def is_lazy(value) -> bool:
    """True for an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(value, _Uninitialized)


class LazyModuleMixin:
    """The behaviour every lazy layer shares; ``lazy_module`` puts it in front of an eager class.

    ``cls_to_become`` is the eager class, ``_infer(x)`` reads the left-out argument off the first input.
    """

    cls_to_become = None

    def has_uninitialized_params(self) -> bool:
        """True while a parameter or buffer of this layer is still a placeholder."""
        return any(is_lazy(value) for _, kind, value in Layer._direct_members(self) if kind != "layer")

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        """Infer the left-out argument from ``input`` and give every placeholder the eager layer's initial values.

        Parameters loaded before (``load_state_dict``) are kept, and must have the shapes the input implies."""
        value = self._infer(input)
        args, kwargs = self._lazy_arguments
        loaded = not self.has_uninitialized_params()
        saved = get_rng_state() if loaded else None   # nothing to draw: leave the generator as it was
        try:
            eager = self.cls_to_become(value, *args, **kwargs)
        finally:
            if saved is not None:
                set_rng_state(saved)
        fresh = dict((name, member) for name, kind, member in Layer._direct_members(eager) if kind != "layer")
        members = [(name, member) for name, kind, member in Layer._direct_members(self) if kind != "layer"]
        for name, member in members:
            if not is_lazy(member) and tuple(member.shape) != tuple(fresh[name].shape):
                raise ValueError(f"{type(self).__name__}: the input of shape {tuple(input.shape)} gives "
                                 f"{self._argument}={value}, so {name} should have shape {tuple(fresh[name].shape)}, "
                                 f"but it has shape {tuple(member.shape)} (loaded before the first call)")
        for name, member in members:
            if is_lazy(member):
                member._fill(to_device(fresh[name].data, member.device).astype(member.dtype, copy=False))
        own = set(self._member_names) | {"_member_names", "_buffer_names", "training", "_forward_hooks",
                                         "_forward_pre_hooks"}
        for key, attr in eager.__dict__.items():
            if key not in own:
                object.__setattr__(self, key, attr)

    def __call__(self, *args, **kwargs):
        if not args:
            raise TypeError(f"{type(self).__name__}: the first call needs the input, to infer {self._argument}")
        self.initialize_parameters(*args, **kwargs)
        object.__delattr__(self, "_lazy_arguments")
        object.__setattr__(self, "__class__", self.cls_to_become)
        return self(*args, **kwargs)


def _make_placeholders(layer):
    """Swap the layer's parameters, and its buffers of rank >= 1 (running statistics: a batch count keeps its
    value), for placeholders of the same dtype and device."""
    for name, kind, value in list(Layer._direct_members(layer)):
        if kind == "param":
            setattr(layer, name, UninitializedParameter(value.requires_grad, value.device, value.dtype))
        elif kind == "buffer" and value.ndim >= 1:
            layer.register_buffer(name, UninitializedBuffer(False, value.device, value.dtype))


def lazy_module(eager, infer, **defaults):
    """The lazy form of ``eager``: its constructor without the first argument, which ``infer(layer, x)`` reads off
    the first input (``last_axis`` for ``in_features``, ``channel_axis(d)`` for ``in_channels``/``num_features``).
    ``defaults`` replace the eager constructor's (PyTorch's lazy instance norms track statistics and are affine)."""
    signature = inspect.signature(eager)
    argument, *rest = signature.parameters
    lazy_signature = signature.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [signature.parameters[p].replace(default=defaults.get(p, signature.parameters[p].default)) for p in rest])

    def __init__(self, *args, **kwargs):
        if defaults:
            given = lazy_signature.bind_partial(self, *args, **kwargs).arguments
            kwargs = {**{k: v for k, v in defaults.items() if k not in given}, **kwargs}
        try:   # a grouped convolution needs in_channels divisible by groups: build the stand-in with in = groups
            stand_in = signature.bind(1, *args, **kwargs).arguments.get("groups", 1)
        except TypeError:
            stand_in = 1   # the eager constructor raises its own error for the arguments
        saved = get_rng_state()   # the stand-in's initialisation must not use up random draws
        try:
            eager.__init__(self, stand_in, *args, **kwargs)
        finally:
            set_rng_state(saved)
        _make_placeholders(self)
        setattr(self, argument, 0)
        object.__setattr__(self, "_lazy_arguments", (args, kwargs))

    name = "Lazy" + eager.__name__
    __init__.__signature__ = lazy_signature
    return type(name, (LazyModuleMixin, eager), {
        "__init__": __init__, "cls_to_become": eager, "_argument": argument, "_infer": infer,
        "__module__": __name__, "__qualname__": name,
        "__doc__": (f"A ``{eager.__name__}`` whose ``{argument}`` is read off its first input (see the "
                           f"module docstring); it then becomes a ``{eager.__name__}``.")})


def last_axis(layer, x):
    """``in_features``: the input's last axis."""
    _check_input(layer, x)
    if x.ndim == 0:
        raise ValueError(f"{type(layer).__name__}: expected an input with at least 1 dimension, got shape ()")
    return int(x.shape[-1])


def channel_axis(dims):
    """``in_channels`` / ``num_features``: axis 1 of a batched input of ``dims`` spatial axes, axis 0 of an
    unbatched one."""
    return _axis_reader((dims + 1, dims + 2), lambda x: x.ndim - dims - 1)


def batch_channel_axis(*ranks):
    """``num_features`` of a batch norm: axis 1 of an input of one of ``ranks``."""
    return _axis_reader(ranks, lambda x: 1)


def _axis_reader(ranks, axis):
    def infer(layer, x):
        _check_input(layer, x)
        if x.ndim not in ranks:
            shapes = " or ".join(f"{r}-D" for r in ranks)
            raise ValueError(f"{type(layer).__name__}: expected a {shapes} input, got shape {tuple(x.shape)}")
        return int(x.shape[axis(x)])

    return infer


def _check_input(layer, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{type(layer).__name__}: input must be a Tensor, got {type(x).__name__}")


# One line per lazy layer: the eager class and how its first argument is read off the input.
LazyLinear = lazy_module(Linear, last_axis)
LazyConv1d = lazy_module(Conv1d, channel_axis(1))
LazyConv2d = lazy_module(Conv2d, channel_axis(2))
LazyConvTranspose1d = lazy_module(ConvTranspose1d, channel_axis(1))
LazyConvTranspose2d = lazy_module(ConvTranspose2d, channel_axis(2))
LazyBatchNorm1d = lazy_module(BatchNorm1d, batch_channel_axis(2, 3))
LazyBatchNorm2d = lazy_module(BatchNorm2d, batch_channel_axis(4))
LazyInstanceNorm1d = lazy_module(InstanceNorm1d, channel_axis(1), affine=True, track_running_stats=True)
LazyInstanceNorm2d = lazy_module(InstanceNorm2d, channel_axis(2), affine=True, track_running_stats=True)
LazyConv3d = lazy_module(Conv3d, channel_axis(3))
LazyConvTranspose3d = lazy_module(ConvTranspose3d, channel_axis(3))
LazyBatchNorm3d = lazy_module(BatchNorm3d, batch_channel_axis(5))
LazyInstanceNorm3d = lazy_module(InstanceNorm3d, channel_axis(3), affine=True, track_running_stats=True)
