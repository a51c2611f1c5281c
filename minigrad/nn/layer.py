"""``Parameter`` and ``Layer``: the containers every model is built from.

A ``Layer`` owns parameters (trainable tensors), buffers (non-trainable state such
as BatchNorm's running statistics) and child layers. Assigning any of them to an
attribute registers it, and ``parameters()`` and ``state_dict()`` list them in
torch's order, whatever Python's hash seed: a layer's own parameters, then its
buffers, then its sub-layers (each walked so), each kind in the order the
``__init__`` wrote it. So ``zip(ours.named_parameters(), theirs.named_parameters())``
pairs the same parameters for a model written alike in both. Lists, tuples and
dicts of parameters or layers register too, and are read afresh on every walk, so
``self.blocks.append(Linear(...))`` is seen. Reassigning a registered name follows
``torch.nn.Module.__setattr__``'s rules (see ``Layer.__setattr__``).

``state_dict()`` returns a plain ``dict`` (ordered) mapping dotted names such as
``"fc1.weight"`` or ``"blocks.1.bias"`` to Tensors, as PyTorch's: each one detached
(``requires_grad`` False, no graph) and sharing memory with its parameter or buffer
(same dtype, shape and device). So a write through a value (``copy_``, ``zero_``)
changes the model, and a later optimizer step shows in a state dict taken before it;
a snapshot is ``copy.deepcopy(model.state_dict())`` or each value's ``.clone()``.
"""
from __future__ import annotations

import copy
import inspect
import warnings
from typing import Iterator

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.to_arguments import to_arguments, trailing_flags
from minigrad.nn.layer_forward_hooks import RemovableHandle, call_with_hooks
from minigrad.nn.member_views import VIEWS, MemberView, check_slot
from minigrad.nn.layer_state import (_IncompatibleKeys, _array_of, _is_lazy, load_state, note_base_load, save_own_state,
                                     save_state)
from minigrad.autograd.write_stamps import mark_written
from minigrad.autograd.clear_grads import clear_grads
from minigrad.backend import normalize_device, to_device, xp_for


# The kinds of member whose name takes nothing else (torch's rule), and how its message names them.
_SLOT_KINDS = {"param": ("parameter", "nn.Parameter"), "layer": ("child module", "nn.Module")}


class Parameter(Tensor):
    """A Tensor that a ``Layer`` trains: it requires grad and registers itself on assignment.

    ``Parameter(data)`` accepts a Tensor or an array, used as is (dtype and device
    kept), or nested lists of numbers (the default float dtype for floating values).
    """

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Tensor):
            data = data.data
        elif not hasattr(data, "dtype"):
            data = np.asarray(data)
            if data.dtype.kind == "f":
                data = data.astype(backend.DEFAULT_FLOAT)
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        # torch's Parameter copies its values and requires_grad only: a copied model (a target network, an
        # AveragedModel) starts without the original's .grad, which an optimizer over the copy would apply.
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        Tensor.__init__(new, copy.deepcopy(self.data, memo), requires_grad=self.requires_grad)
        new.name = self.name
        for key, value in self.__dict__.items():
            setattr(new, key, copy.deepcopy(value, memo))
        return new


class Buffer(Tensor):
    """A Tensor that registers itself as a buffer when assigned to a layer's attribute (PyTorch's ``nn.Buffer``):
    ``self.scale = Buffer(mg.ones(3))`` is ``self.register_buffer("scale", mg.ones(3))``. ``persistent=False``
    leaves it out of the state dict. It shares the given Tensor's data (PyTorch's detaches it too) and keeps its
    ``requires_grad``; with no data it is an empty Tensor of the default float dtype."""

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent: bool = True):
        if data is None:
            data = np.empty((0,), dtype=backend.DEFAULT_FLOAT)
        requires_grad = bool(getattr(data, "requires_grad", False))
        super().__init__(data.data if isinstance(data, Tensor) else data, requires_grad=requires_grad)
        self.persistent = bool(persistent)


def _holds_members(value) -> bool:
    """True for a Parameter or Layer, or a list/tuple/dict that holds (or may hold) them."""
    if isinstance(value, (Parameter, Layer)):
        return True
    if isinstance(value, (list, tuple)):
        # An empty list may be filled later (``self.blocks = []`` then ``append``).
        return (isinstance(value, list) and not value) or any(_holds_members(v) for v in value)
    if isinstance(value, dict):
        return not value or any(_holds_members(v) for v in value.values())
    return False


def _container_items(value):
    """(name, item) pairs of a list/tuple/dict attribute, in order."""
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    return [(str(i), v) for i, v in enumerate(value)]


class Layer:
    """Base class of every layer and model: subclass it and write ``forward``.

    Example, the classic first MNIST net::

        class MnistNet(Layer):
            def __init__(self):
                super().__init__()
                self.fc1 = Linear(784, 1000)
                self.fc2 = Linear(1000, 50)
                self.fc3 = Linear(50, 10)

            def forward(self, x):
                h = relu(self.fc1(x))
                h = relu(self.fc2(h))
                return log_softmax(self.fc3(h))   # no ReLU on the output layer

    Calling the layer, ``model(x)``, runs ``forward``.
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        # Registered attributes in definition order, each with its kind: "param", "buffer", "layer" or
        # "container" (a list/tuple/dict holding parameters or layers); the values live in the instance __dict__.
        object.__setattr__(self, "_member_names", {})
        object.__setattr__(self, "_buffer_names", {})   # buffer name -> persistent

    # -- registration ---------------------------------------------------------
    def __setattr__(self, name, value):
        """Register parameters, buffers, layers and containers of them, with torch's rules for a name that is
        one already: a Parameter or a Layer takes any name over (a buffer's, a layer's, a parameter's), a
        parameter's name takes only a Parameter or None, a layer's only a Layer or None, a buffer's only a
        Tensor or None. A name keeps its place among its kind; one that changes kind goes last in its new kind
        (torch's dicts of parameters, buffers and sub-layers behave so)."""
        members = self.__dict__.get("_member_names")
        if members is None:
            # torch's rule: a plain value may come before the Layer's __init__ (`self.name = name`), a member may not
            if isinstance(value, (Parameter, Layer, Buffer)) or _holds_members(value):
                raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning {name!r}")
            object.__setattr__(self, name, value)
            return
        kind = members.get(name)
        if isinstance(value, Parameter):
            self._buffer_names.pop(name, None)
            _set_kind(members, name, "param")
        elif kind in _SLOT_KINDS and not (kind == "layer" and isinstance(value, Layer)):
            if value is not None:   # a parameter's or a sub-layer's name takes only its own kind, or None
                what, expected = _SLOT_KINDS[kind]
                raise TypeError(f"{type(self).__name__}: cannot assign '{type(value).__name__}' as {what} "
                                f"{name!r} ({expected} or None expected)")
        elif isinstance(value, Layer):
            self._buffer_names.pop(name, None)
            _set_kind(members, name, "layer")
        elif isinstance(value, Buffer) or kind == "buffer":   # nn.Buffer registers itself, as a Parameter does
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign '{type(value).__name__}' as buffer {name!r} "
                                "(nn.Buffer, Tensor or None expected)")
            self._buffer_names[name] = (value.persistent if isinstance(value, Buffer)
                                        else self._buffer_names.get(name, True))
            _set_kind(members, name, "buffer")
        elif kind is None and _holds_members(value):
            members[name] = "container"
        object.__setattr__(self, name, value)
        if name == "forward":   # a forward set on the instance (accelerate's hooks do it): see _refresh_hooked
            self._refresh_hooked()

    def __delattr__(self, name):
        self._member_names.pop(name, None)
        self._buffer_names.pop(name, None)
        object.__delattr__(self, name)
        if name == "forward":
            self._refresh_hooked()

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Register non-trainable state (a Tensor or None) that ``to`` moves and ``state_dict`` includes
        (unless ``persistent=False``: state made afresh in ``__init__``, such as a causal mask)."""
        if "_member_names" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before register_buffer({name!r})")
        self._check_member_name("register_buffer", name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"{type(self).__name__}.register_buffer: {name!r} must be a Tensor or None, "
                f"got {type(tensor).__name__}"
            )
        if isinstance(tensor, Parameter):
            raise TypeError(
                f"{type(self).__name__}.register_buffer: {name!r} is a Parameter; "
                "assign it as an attribute instead"
            )
        self._buffer_names[name] = bool(persistent)
        _set_kind(self._member_names, name, "buffer")
        object.__setattr__(self, name, tensor)

    # -- torch's dicts of direct members: live views (minigrad/nn/member_views.py) -------------
    @property
    def _modules(self) -> MemberView:
        """The direct sub-layers by name, ``None`` slots too (torch's ``_modules``): writes change the layer."""
        return MemberView(self, "layer")

    @property
    def _parameters(self) -> MemberView:
        """This layer's own parameters by name, ``None`` slots too (torch's ``_parameters``)."""
        return MemberView(self, "param")

    @property
    def _buffers(self) -> MemberView:
        """This layer's own buffers by name, non-persistent ones too (torch's ``_buffers``)."""
        return MemberView(self, "buffer")

    def _own_slots(self, kind):
        """(name, value) of this layer's own members of ``kind`` ("layer", "param", "buffer"), None slots too, in
        definition order; a plain list/dict attribute's entries under their dotted names. Containers that keep
        their members elsewhere (Sequential, ModuleList, ModuleDict) put theirs first."""
        values, slots = self.__dict__, []
        for name, member_kind in self._member_names.items():
            if member_kind == kind:
                slots.append((name, values.get(name)))
            elif member_kind == "container" and kind != "buffer":
                slots.extend((n, v) for n, k, v in _flatten_member(name, values.get(name)) if k == kind)
        return slots

    def _set_slot(self, kind, name, value):
        """``_modules[name] = value`` (and the others): the member ``name`` becomes ``value``, keeping its place
        if it is one of ``kind`` already, else last; as torch's dict write, with no ``__setattr__`` rules."""
        check_slot(self, kind, name, value)
        members = self._member_names
        if name not in members and ("." in name or not name or name in self.__dict__ or hasattr(type(self), name)):
            raise KeyError(f"{type(self).__name__}.{VIEWS[kind][0]}[{name!r}]: not a member name (empty, dotted, "
                           "or an attribute of the layer)")
        if members.get(name) == "container":
            raise KeyError(f"{type(self).__name__}.{VIEWS[kind][0]}[{name!r}]: {name!r} is a list or dict "
                           "attribute; assign it as an attribute")
        if kind == "buffer":
            self._buffer_names[name] = self._buffer_names.get(name, True)
        else:
            self._buffer_names.pop(name, None)
        _set_kind(members, name, kind)
        object.__setattr__(self, name, value)

    def _del_slot(self, kind, name):
        """``del _modules[name]`` (and the others): the member and its attribute go, as torch's."""
        if self._member_names.get(name) != kind:
            raise KeyError(name)
        del self._member_names[name]
        self._buffer_names.pop(name, None)
        self.__dict__.pop(name, None)

    # -- walking the tree -----------------------------------------------------
    def _direct_members(self):
        """(name, kind, value) for each registered member: kind is 'param', 'buffer' (or 'transient', one
        outside the state) or 'layer'. In torch's order: the parameters, then the buffers, then the sub-layers,
        each kind in the order of its names' first assignment."""
        params, buffers, layers = [], [], []
        persistent = self._buffer_names
        values = self.__dict__
        for name, kind in self._member_names.items():
            value = values.get(name)
            if value is None:
                continue
            if kind == "param":
                params.append((name, "param", value))
            elif kind == "buffer":   # a buffer outside the state (persistent=False) is a "transient" one
                buffers.append((name, "buffer" if persistent[name] else "transient", value))
            elif kind == "layer":
                layers.append((name, "layer", value))
            else:   # a list/tuple/dict: its parameters and layers, in its order
                for member in _flatten_member(name, value):
                    (params if member[1] == "param" else layers).append(member)
        return iter(params + buffers + layers)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs in torch's order (a layer's own, then its sub-layers'), each parameter
        once (``remove_duplicate=False``: a shared one under each of its names); ``recurse=False``: this layer's
        own only. As torch's."""
        return self._named_state(("param",), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> "MemberList":
        """All parameters, in torch's order, each once (shared ones are not repeated): a list, which ``next``
        also reads one by one, so torch's ``next(model.parameters())`` works."""
        return MemberList(p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, Tensor) pairs of the buffers in torch's order, each once (``remove_duplicate=False``: a
        shared one under each of its names); ``recurse=False``: this layer's own only. As torch's."""
        return self._named_state(("buffer", "transient"), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> "MemberList":
        """All buffers, in torch's order, each once (a list that ``next`` reads too, as ``parameters``)."""
        return MemberList(b for _, b in self.named_buffers(recurse=recurse))

    def _named_state(self, kinds, prefix, recurse, remove_duplicate):
        seen = set()
        members = self._walk(prefix) if recurse else (
            (f"{prefix}.{name}" if prefix else name, kind, value) for name, kind, value in self._direct_members())
        for name, kind, value in members:
            if kind in kinds and (not remove_duplicate or id(value) not in seen):
                seen.add(id(value))
                yield name, value

    def named_layers(self, prefix: str = "") -> Iterator[tuple[str, "Layer"]]:
        """(dotted name, Layer) pairs: this layer first (name ``""``), then every sub-layer."""
        yield prefix, self
        seen = {id(self)}
        for name, kind, value in self._walk(prefix):
            if kind == "layer" and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def layers(self) -> list["Layer"]:
        """This layer and every sub-layer, outermost first."""
        return [m for _, m in self.named_layers()]

    def named_children(self) -> Iterator[tuple[str, "Layer"]]:
        """(name, Layer) pairs of the direct sub-layers only, each once (a layer held twice under its first name),
        as torch's."""
        seen = set()
        for name, value in self._child_items():
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def _child_items(self):
        """(name, Layer) for every direct sub-layer name, a shared layer under each (``repr`` and the dotted-path
        lookups read these)."""
        return [(name, value) for name, kind, value in self._direct_members() if kind == "layer"]

    def _walk(self, prefix: str = ""):
        """Depth-first (dotted name, kind, value) over the whole tree, in torch's order (see _direct_members)."""
        for name, kind, value in self._direct_members():
            full = f"{prefix}.{name}" if prefix else name
            yield full, kind, value
            if kind == "layer":
                yield from value._walk(full)

    # -- modes and gradients ----------------------------------------------------
    def train(self, mode: bool = True) -> "Layer":
        """Put this layer and all sub-layers in training mode (or eval mode with ``False``): as torch's, each
        direct sub-layer's own ``train(mode)`` is called, so a sub-layer that overrides ``train`` (one that keeps
        its BatchNorm frozen in eval mode) is honoured."""
        if not isinstance(mode, bool):   # torch's check: train("eval") must not mean training
            raise ValueError(f"{type(self).__name__}.train: training mode is expected to be boolean, got {mode!r}")
        object.__setattr__(self, "training", mode)
        # Layer.named_children, not self.children: a model may name a sub-layer list ``children``.
        for _, child in Layer.named_children(self):
            child.train(mode)
        return self

    def eval(self) -> "Layer":
        """Evaluation mode: Dropout is the identity and BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: to ``None``, or to zeros (see ``minigrad.autograd.clear_grads``)."""
        clear_grads(self.parameters(), set_to_none)

    def to(self, *args, **kwargs) -> "Layer":
        """Move parameters, their gradients and buffers to a device, and/or cast the floating ones to a
        dtype, in place; returns self. As ``torch.nn.Module.to``: ``to("cuda")``, ``to(mg.float64)``,
        ``to(device, dtype)``, ``to(tensor)``.

        The Parameter objects stay the same, so an optimizer built before the move
        still updates them.
        """
        if "copy" in kwargs or len(trailing_flags(type(self).__name__, tuple(args))[1]) == 2:   # torch's refusal
            raise RuntimeError(f"{type(self).__name__}.to: .to() does not accept copy argument")
        device, dtype, _ = to_arguments(type(self).__name__, args, kwargs)
        if dtype is not None:
            if dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}.to: only floating dtypes are allowed, got {dtype}")
            self._cast_floating(dtype)
        if device is None:
            return self
        for p in self.parameters():
            p.data = to_device(p.data, device)
            if p.grad is not None:
                p.grad.data = to_device(p.grad.data, device)
        for b in self.buffers():
            b.data = to_device(b.data, device)
        return self

    # -- state -------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False) -> dict:
        """Ordered ``{dotted name: Tensor}`` of every parameter and persistent buffer (see module doc).

        As ``torch.nn.Module.state_dict``: each value is the member detached (a new Tensor, ``requires_grad``
        False, no graph) over the member's own memory, not a copy: writing into it writes the model, training
        shows in it, and a snapshot needs ``copy.deepcopy`` or ``.clone()``. ``destination`` (a dict) is filled
        and returned, ``prefix`` starts every key, ``keep_vars=True`` gives the Parameters and buffers
        themselves (torch accepts the three positionally too). A layer that overrides ``get_extra_state`` adds
        its value under ``"<prefix>_extra_state"``; the state-dict hooks run around each layer.
        """
        if args:   # torch's deprecated positional order
            if len(args) > 3:
                raise TypeError(f"{type(self).__name__}.state_dict: takes at most 3 positional arguments "
                                f"(destination, prefix, keep_vars), got {len(args)}")
            destination, prefix, keep_vars = (*args, *(destination, prefix, keep_vars)[len(args):])
            warnings.warn(f"{type(self).__name__}.state_dict: positional arguments are deprecated (as in torch); "
                          "pass destination=, prefix=, keep_vars= by keyword", FutureWarning, stacklevel=2)
        if destination is None:
            destination = {}
        elif not isinstance(destination, dict):
            raise TypeError(f"{type(self).__name__}.state_dict: destination must be a dict or None, "
                            f"got {type(destination).__name__}")
        if not isinstance(prefix, str):
            raise TypeError(f"{type(self).__name__}.state_dict: prefix must be a string, got {type(prefix).__name__}")
        save_state(self, destination, prefix, bool(keep_vars))
        return destination

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        """torch's per-layer step of ``state_dict``: this layer's own parameters, persistent buffers and extra
        state into ``destination`` under ``prefix`` (its sub-layers are saved after it). A subclass may override
        it, calling ``super()`` and adding or renaming entries, as in torch."""
        save_own_state(self, destination, prefix, keep_vars)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """torch's per-layer step of ``load_state_dict``, for a subclass to override: it may edit ``state_dict``
        (rename the keys of an older checkpoint under ``prefix``) and then call ``super()``, or load its own
        entries itself and not call it (then its own parameters and buffers are not matched, as in torch);
        entries it adds to ``missing_keys``, ``unexpected_keys`` or ``error_msgs`` count as torch's do. This base
        method loads nothing itself: ``load_state_dict`` checks and writes the whole model's entries together
        after every layer's step (``local_metadata`` is an empty dict here)."""
        note_base_load(self)

    def get_extra_state(self):
        """The layer's extra state for ``state_dict``, under ``"_extra_state"``: override it with
        ``set_extra_state`` (as torch's) to save state that is not a tensor; the base class has none."""
        raise RuntimeError(f"{type(self).__name__}.get_extra_state: this layer does not override "
                           "get_extra_state, so it has no extra state to return")

    def set_extra_state(self, state) -> None:
        """Restore what ``get_extra_state`` returned (``load_state_dict`` calls it); override the two together."""
        raise RuntimeError(f"{type(self).__name__}.set_extra_state: this layer does not override "
                           "set_extra_state, so it cannot load extra state")

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy Tensors (``state_dict``'s, ``minigrad.load``'s) or arrays from ``state_dict`` into the parameters
        and buffers, in place.

        Values are cast to each parameter's dtype and moved to its device. A shape mismatch always raises;
        with ``strict=True`` a missing or unexpected key raises too, in one error that lists them all as
        torch's does (``Error(s) in loading state_dict for Net:`` then ``Missing key(s) in state_dict: "a".``
        lines); the error is a RuntimeError (as torch's) and a ValueError. It returns torch's
        ``_IncompatibleKeys(missing_keys, unexpected_keys)``. Nothing is written unless every check passes,
        except with load-state-dict post-hooks, which run after the write and before ``strict`` judges the
        keys (torch's order). ``assign=True`` puts the state's own values in place of the parameters and
        buffers (their dtype and device, no copy; a parameter keeps its ``requires_grad``), as torch's.
        """
        return load_state(self, state_dict, bool(strict), bool(assign))

    # -- running -------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """Compute the layer's output; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    #: Buffers that a state saved before this layer kept them may lack (see ``load_state_dict``).
    _optional_buffers = ()

    # Hook lists, set per instance by the register_*hook methods; class-level Nones keep a layer without
    # hooks small. ``_hooked`` is True on a layer while it holds a hook (and on Layer while a global hook
    # exists): the one attribute ``__call__`` reads, so a call without hooks costs nothing more.
    _hooked = False
    _forward_hooks = None       # (hook, with_kwargs, always_call) entries
    _forward_pre_hooks = None   # (hook, with_kwargs) entries
    _backward_hooks = None
    _backward_pre_hooks = None
    _state_dict_pre_hooks = None
    _state_dict_hooks = None
    _load_state_dict_pre_hooks = None
    _load_state_dict_post_hooks = None

    def __call__(self, *args, **kwargs):
        if kwargs and "input" in kwargs and not args:   # torch's layers name their argument input: model(input=x)
            args, kwargs = _input_keyword_as_positional(self, kwargs)
        if self._hooked:
            return call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """Call ``hook(layer, args)`` before every call of this layer; a returned value replaces the positional
        arguments (a tuple, or one value for a single argument). With ``with_kwargs=True``: ``hook(layer, args,
        kwargs)``, returning None or ``(new_args, new_kwargs)``. ``prepend``: run before the hooks already there.
        As ``torch.nn.Module.register_forward_pre_hook``; returns a handle whose ``remove()`` takes it off."""
        return self._add_hook("_forward_pre_hooks", "register_forward_pre_hook", hook, prepend,
                              (hook, bool(with_kwargs)))

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """Call ``hook(layer, args, output)`` after every call of this layer; a returned value replaces the output.

        ``with_kwargs=True``: ``hook(layer, args, kwargs, output)``. ``always_call=True``: the hook runs even when
        the call raises (see ``minigrad/nn/layer_forward_hooks.py``). ``prepend``: run before the hooks already
        there. As ``torch.nn.Module.register_forward_hook``; returns a handle whose ``remove()`` takes it off.
        ``nn.summary`` uses it to see each layer's output.
        """
        return self._add_hook("_forward_hooks", "register_forward_hook", hook, prepend,
                              (hook, bool(with_kwargs), bool(always_call)))

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """Call ``hook(layer, grad_input, grad_output)`` when the gradients of this layer's inputs are computed
        (tuples of Tensors, None for an input that needs none); a returned tuple replaces grad_input. As
        ``torch.nn.Module.register_full_backward_hook`` (Grad-CAM reads a layer's gradients this way); see
        ``minigrad/nn/layer_backward_hooks.py``. Returns a handle whose ``remove()`` takes it off."""
        return self._add_hook("_backward_hooks", "register_full_backward_hook", hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """Call ``hook(layer, grad_output)`` when the gradients of this layer's outputs are known, before those of
        its inputs are computed; a returned tuple replaces grad_output."""
        return self._add_hook("_backward_pre_hooks", "register_full_backward_pre_hook", hook, prepend)

    def register_state_dict_pre_hook(self, hook):
        """Call ``hook(layer, prefix, keep_vars)`` before ``state_dict`` reads this layer (torch's)."""
        return self._add_hook("_state_dict_pre_hooks", "register_state_dict_pre_hook", hook, False)

    def register_state_dict_post_hook(self, hook):
        """Call ``hook(layer, state_dict, prefix, local_metadata)`` once ``state_dict`` has read this layer and its
        sub-layers (torch's; ``local_metadata`` is an empty dict here). It may edit ``state_dict`` in place."""
        return self._add_hook("_state_dict_hooks", "register_state_dict_post_hook", hook, False)

    def register_load_state_dict_pre_hook(self, hook):
        """Call ``hook(layer, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` before ``load_state_dict`` checks the state against this layer (torch's; the three lists are
        empty here, and an entry the hook adds to ``error_msgs`` fails the load). It may edit ``state_dict``."""
        return self._add_hook("_load_state_dict_pre_hooks", "register_load_state_dict_pre_hook", hook, False)

    def register_load_state_dict_post_hook(self, hook):
        """Call ``hook(layer, incompatible_keys)`` after ``load_state_dict`` matched the keys, before ``strict``
        judges them (torch's): once this layer's sub-layers are loaded, with the keys found missing or unexpected
        so far in torch's walk (this layer's, its sub-layers', and those of the layers loaded before it); removing keys from ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` in
        place lets a strict load pass. It must return None."""
        return self._add_hook("_load_state_dict_post_hooks", "register_load_state_dict_post_hook", hook, False)

    def _add_hook(self, attribute, method, hook, prepend, entry=None):
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.{method}: hook must be callable, got {type(hook).__name__}")
        if self.__dict__.get(attribute) is None:
            object.__setattr__(self, attribute, [])
        hooks = self.__dict__[attribute]
        entry = hook if entry is None else entry
        hooks.insert(0, entry) if prepend else hooks.append(entry)
        self._refresh_hooked()
        return RemovableHandle(hooks, entry, self)

    def _refresh_hooked(self):
        """``_hooked`` True while this layer holds a call hook or a ``forward`` set on the instance, which every call
        must then run (a Network fuses or reorders only layers whose ``_hooked`` is False); else the class's (True
        only with global hooks)."""
        if (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks or self._backward_pre_hooks
                or "forward" in self.__dict__):
            object.__setattr__(self, "_hooked", True)
        else:
            self.__dict__.pop("_hooked", None)

    # -- PyTorch's Module methods ---------------------------------------------------------
    def modules(self, remove_duplicate: bool = True) -> Iterator["Layer"]:
        """This layer and every sub-layer, each once, outermost first (``torch.nn.Module.modules``)."""
        for _, layer in self.named_modules(remove_duplicate=remove_duplicate):
            yield layer

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(dotted name, layer) pairs: this layer first (name ``prefix``), then every sub-layer
        (``torch.nn.Module.named_modules``; ``remove_duplicate=False`` repeats a shared layer). ``memo``, a set
        of layers, is torch's too: those in it are left out with their sub-layers, and each layer yielded is
        added to it (with ``remove_duplicate``)."""
        if memo is not None:
            yield from _named_modules_with_memo(self, memo, prefix, remove_duplicate)
            return
        if remove_duplicate:
            yield from Layer.named_layers(self, prefix)
            return
        yield prefix, self
        for name, kind, value in self._walk(prefix):
            if kind == "layer":
                yield name, value

    def children(self) -> Iterator["Layer"]:
        """The direct sub-layers, in the order they were assigned (``torch.nn.Module.children``)."""
        for _, layer in self.named_children():
            yield layer

    def apply(self, fn) -> "Layer":
        """Call ``fn(layer)`` on every sub-layer, then on this layer (children first, as
        ``torch.nn.Module.apply``: the usual way to initialise weights); returns self."""
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}.apply: fn must be callable, got {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def add_module(self, name: str, module) -> None:
        """Register ``module`` (a Layer, or None) as the sub-layer ``name``, as ``self.name = module`` does."""
        self._check_member_name("add_module", name, "layer")
        if module is not None and not isinstance(module, Layer):
            raise TypeError(f"{type(self).__name__}.add_module: {name!r} must be a Layer (Module) or None, "
                            f"got {type(module).__name__}")
        if module is None:   # an empty child slot, as torch's _modules[name] = None
            _set_kind(self._member_names, name, "layer")
            object.__setattr__(self, name, None)
            return
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, param) -> None:
        """Register ``param`` (a Parameter, or None) as ``name``, as ``self.name = param`` does."""
        if "_member_names" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before register_parameter({name!r})")
        self._check_member_name("register_parameter", name, "param")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}.register_parameter: {name!r} must be a Parameter or None, "
                            f"got {type(param).__name__}; wrap a tensor as nn.Parameter(t)")
        if param is None:   # a parameter's slot, empty (torch's bias=False): a name only a Parameter or None takes
            _set_kind(self._member_names, name, "param")
            object.__setattr__(self, name, None)
            return
        setattr(self, name, param)

    def _check_member_name(self, method, name, kind):
        """As torch: the name is a string, not empty, without '.', and not an attribute other than a ``kind``."""
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}.{method}: the name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{type(self).__name__}.{method}: the name must be a non-empty string without '.', "
                           f"got {name!r}")
        if self._member_names.get(name) != kind and (name in self.__dict__ or hasattr(type(self), name)
                                                     or name in self._member_names):
            raise KeyError(f"{type(self).__name__}.{method}: attribute {name!r} already exists")

    def get_submodule(self, target: str) -> "Layer":
        """The sub-layer at the dotted path ``target`` (``""``: this layer), as ``torch.nn.Module.get_submodule``."""
        layer = self
        for part in target.split(".") if target else ():
            child = dict(layer._child_items()).get(part)
            if child is None:
                raise AttributeError(f"{type(self).__name__}.get_submodule: {type(layer).__name__} has no sub-layer "
                                     f"{part!r} (looking for {target!r})")
            layer = child
        return layer

    def set_submodule(self, target: str, module, strict: bool = False) -> None:
        """Set the sub-layer at the dotted path ``target`` to ``module``, as ``torch.nn.Module.set_submodule``:
        ``strict=False`` may add a new one under the last name, ``strict=True`` only replaces one."""
        name = type(self).__name__
        if not isinstance(target, str) or not target:
            raise ValueError(f"{name}.set_submodule: cannot set the submodule without a target name, got {target!r}")
        if not isinstance(module, Layer):
            raise ValueError(f"{name}.set_submodule: module is not a Layer (Module), found {type(module).__name__}")
        owner, _, last = target.rpartition(".")
        parent = self.get_submodule(owner)
        children = dict(parent._child_items())
        if last not in children:
            if strict or hasattr(parent, last):
                raise AttributeError(f"{name}.set_submodule: {type(parent).__name__} has no sub-layer {last!r} "
                                     f"(looking for {target!r})")
            setattr(parent, last, module)
            return
        _set_member(parent, last, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"fc1.weight"``)."""
        return self._get_state(target, "param", "get_parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (``"bn.running_mean"``)."""
        return self._get_state(target, "buffer", "get_buffer")

    def _get_state(self, target, kind, method):
        owner, _, name = target.rpartition(".")
        layer = self.get_submodule(owner)
        for member, member_kind, value in layer._direct_members():
            if member == name and (member_kind == kind or (kind == "buffer" and member_kind == "transient")):
                return value
        what = "parameter" if kind == "param" else "buffer"
        raise AttributeError(f"{type(self).__name__}.{method}: {type(layer).__name__} has no {what} {name!r} "
                             f"(looking for {target!r})")

    def requires_grad_(self, requires_grad: bool = True) -> "Layer":
        """Set ``requires_grad`` of every parameter (``False`` freezes the layer); returns self."""
        if not isinstance(requires_grad, (bool, np.bool_)):   # torch's check: "False" must not mean True
            raise TypeError(f"{type(self).__name__}.requires_grad_: requires_grad must be a bool, "
                            f"got {type(requires_grad).__name__} {requires_grad!r}")
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def cpu(self) -> "Layer":
        """``to("cpu")``."""
        return self.to("cpu")

    def cuda(self, device=None) -> "Layer":
        """``to("cuda")`` (or ``"cuda:N"`` for ``device=N``)."""
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    def double(self) -> "Layer":
        """Floating parameters and buffers as float64, in place; returns self."""
        return self._cast_floating(np.float64)

    def float(self) -> "Layer":  # noqa: A003  (torch's name)
        """Floating parameters and buffers as float32, in place; returns self."""
        return self._cast_floating(np.float32)

    def half(self) -> "Layer":
        """Floating parameters and buffers as float16, in place; returns self."""
        return self._cast_floating(np.float16)

    def _cast_floating(self, dtype):
        for p in self.parameters():
            if p.data.dtype.kind == "f" and p.data.dtype != dtype:
                p.data = p.data.astype(dtype)
                if p.grad is not None:
                    p.grad.data = p.grad.data.astype(dtype)
        for b in self.buffers():
            if b.data.dtype.kind == "f" and b.data.dtype != dtype:
                b.data = b.data.astype(dtype)
        return self

    # -- torch's whole-model transforms ------------------------------------------------
    def _apply(self, fn, recurse: bool = True) -> "Layer":
        """Replace the data of every parameter (and of its gradient) and buffer by ``fn(tensor)`` (a Tensor or
        an array), each shared tensor once; the Parameter objects stay, so an optimizer still holds them.
        ``recurse=False``: this layer's own only. The engine of ``to_empty`` and ``type``, as torch's."""
        layers = Layer.modules(self) if recurse else (self,)
        seen = set()
        for layer in layers:
            for _, kind, value in layer._direct_members():
                if kind == "layer" or id(value) in seen or _is_lazy(value):
                    continue
                seen.add(id(value))
                value.data = _array_of(fn(value))
                if kind == "param" and value.grad is not None:
                    value.grad.data = _array_of(fn(value.grad))
                mark_written(value.data)
        return self

    def to_empty(self, *, device=None, recurse: bool = True) -> "Layer":
        """Every parameter and buffer as uninitialized memory of the same shape and dtype on ``device`` (None:
        where it is), as ``torch.nn.Module.to_empty``; fill them afterwards (``reset_parameters``, a state)."""
        target = None if device is None else normalize_device(device)

        def empty(t):
            return xp_for(target or t.device).empty(t.shape, dtype=t.dtype)
        return self._apply(empty, recurse=recurse)

    def type(self, dst_type) -> "Layer":  # noqa: A003  (torch's name)
        """Every parameter and buffer cast to ``dst_type`` (a dtype, or a name such as ``'minigrad.DoubleTensor'``),
        integer ones too, as ``torch.nn.Module.type``; returns self. ``to(dtype)`` casts the floating ones only."""
        from minigrad.autograd.mode import no_grad
        with no_grad():
            return self._apply(lambda t: t.type(dst_type))

    def share_memory(self) -> "Layer":
        """torch moves the tensors to shared memory for worker processes; NumPy arrays have no such mode, so this
        is a no-op that returns self (a worker process receives copies)."""
        return self

    def __dir__(self):
        """As torch's: the class's attributes, the instance's and the sub-layers' names (those that are
        attributes: not positions such as ``"0"``)."""
        names = [*dir(type(self)), *self.__dict__, *self._member_names, *(n for n, _ in self._child_items())]
        return sorted({n for n in names if not n[0].isdigit()})

    # -- printing ------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown inside this layer's parentheses in ``repr``."""
        return ""

    def num_parameters(self) -> int:
        """How many scalar weights the layer trains."""
        return sum(int(p.size) for p in self.parameters() if not _is_lazy(p))

    def __repr__(self):
        """torch's layout (``Net(`` / ``  (fc): Linear(in_features=2, out_features=3, bias=True)`` / ``)``: the
        ``extra_repr`` lines, then one line per sub-layer, indented), with the count of trained weights as a
        comment after the closing parenthesis (``  # 9 params``), which torch does not print."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._child_items()]
        text = f"{type(self).__name__}("
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        elif extra_lines or child_lines:
            text += "\n  " + "\n  ".join(extra_lines + child_lines) + "\n"
        count = self.num_parameters()
        return text + ")" + (f"  # {_count(count)}" if count else "")


#: PyTorch's name for ``Layer``: ``class Net(nn.Module)`` is the same class, with the same registration,
#: names, ``state_dict``, ``train``/``eval``, ``to`` and ``zero_grad``.
Module = Layer


def new_parameter(shape, dtype, device) -> Parameter:
    """A zero-filled Parameter of ``shape``, ``dtype`` and ``device``, for a layer's ``reset_parameters`` to fill."""
    xp = xp_for(normalize_device(device))
    return Parameter(xp.zeros(shape, dtype=np.dtype(dtype)))


def check_tensor_input(layer, x) -> None:
    """Raise a TypeError naming ``layer`` unless ``x`` is a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{type(layer).__name__}: input must be a Tensor, got {type(x).__name__}")


class MemberList(list):
    """``parameters()``'s and ``buffers()``'s list. torch returns generators, so ``next(model.parameters())``
    (the first parameter, often read for its device or dtype) is a common idiom: ``next`` reads this list one
    item at a time too, from its start. ``for``, ``len`` and indexing are the list's."""

    _next = 0

    def __next__(self):
        if self._next >= len(self):
            raise StopIteration
        self._next += 1
        return self[self._next - 1]


def _count(n: int) -> str:
    return f"{n:,} param" + ("" if n == 1 else "s")


def _set_member(layer, name, value):
    """Replace the member ``name`` of ``layer``: an attribute, or an entry of a container layer
    (``"0"`` of a Sequential or ModuleList, a key of a ModuleDict)."""
    if name in layer._member_names:
        setattr(layer, name, value)
    elif hasattr(layer, "_replace_member"):   # a Sequential: by key or position
        layer._replace_member(name, value)
    elif hasattr(layer, "keys"):
        layer[name] = value
    else:
        layer[int(name)] = value


def _flatten_member(name, value):
    """(name, kind, value) triples for one attribute, opening lists/tuples/dicts."""
    if isinstance(value, Parameter):
        yield name, "param", value
    elif isinstance(value, Layer):
        yield name, "layer", value
    elif isinstance(value, (list, tuple, dict)):
        for key, item in _container_items(value):
            yield from _flatten_member(f"{name}.{key}", item)


def describe_parameter(p) -> str:
    """torch's one-line description of a ParameterList/ParameterDict entry: ``Parameter containing: [float32 of
    size 2x3]`` (a device other than the CPU follows the size)."""
    device = "" if p.device == "cpu" else f" ({p.device})"
    return f"Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}{device}]"



def layers_after_state(listed, own):
    """A container's direct members in torch's order: its own parameters and buffers (``own``, from
    ``Layer._direct_members``), then the members it lists (a Sequential's layers; a ParameterList's parameters
    come first), then its other sub-layers."""
    own = list(own)
    state = [m for m in own if m[1] != "layer"]
    if listed and listed[0][1] != "layer":
        return listed + own
    return state + listed + [m for m in own if m[1] == "layer"]


def _named_modules_with_memo(layer, memo, prefix, remove_duplicate):
    """torch's named_modules walk over a caller's ``memo`` set (which it fills)."""
    if layer in memo:
        return
    if remove_duplicate:
        memo.add(layer)
    yield prefix, layer
    for name, child in layer._child_items():
        yield from _named_modules_with_memo(child, memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)


def _set_kind(members, name, kind):
    """Record ``name`` as a member of ``kind``: in place if it is one already, else last."""
    if members.get(name) != kind:
        members.pop(name, None)
        members[name] = kind


def _input_keyword_as_positional(layer, kwargs):
    """``layer(input=x)`` for a ``forward(self, x, ...)``: torch's layers name their first argument ``input``, and
    code written for them passes it by that name. A forward that has an ``input`` parameter gets it as given."""
    parameters = list(inspect.signature(layer.forward).parameters.values())
    if any(p.name == "input" for p in parameters) or not parameters or parameters[0].kind not in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return (), kwargs
    kwargs = dict(kwargs)
    return (kwargs.pop("input"),), kwargs
