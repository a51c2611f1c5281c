"""``minigrad.nn.utils.parametrize``: a layer's parameter (or buffer) computed from others on every read, as
``torch.nn.utils.parametrize``.

``register_parametrization(layer, "weight", P)`` replaces ``layer.weight`` by ``P(original)``: the parameter
itself moves to ``layer.parametrizations.weight.original`` (the same Parameter object, so an optimizer built
before keeps training it), and ``layer.weight`` becomes a property of the layer's class that calls the
parametrizations on each read, so it is differentiable with respect to the original(s). The layer's class is
swapped for a subclass of its own made for this one instance (``ParametrizedLinear``), as torch does; the
property lives there, so layers without parametrizations pay nothing, and ``Sequential`` does not fuse a
parametrized Linear with its ReLU (the fusion takes exact types only), it runs its own forward.

If ``P`` has ``right_inverse``, registration stores ``P.right_inverse(weight)`` as the original, and assigning
``layer.weight = value`` later stores ``P.right_inverse(value)``. A ``right_inverse`` that returns a tuple makes
several originals, ``original0``, ``original1``... (weight norm's g and v). The state dict keys are torch's:
``parametrizations.weight.original`` (or ``original0``...), and a parametrization's own buffers under
``parametrizations.weight.0.<name>``; parameters and buffers are listed in torch's order.

Layout: a parametrization sees the tensor as minigrad stores it (``Linear.weight`` is (in, out), the transpose
of torch's); a parametrization that depends on the orientation must say so. The ones of
``minigrad.nn.utils.parametrizations`` take torch's ``dim`` with torch's meaning (see there), and
``minigrad.io.from_torch`` transposes the 2-D originals of a weight that ``TORCH_LAYOUT`` transposes.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.module_dict import ModuleDict
from minigrad.nn.module_list import ModuleList

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]

# cached(): while entered (depth > 0), each parametrized tensor is computed once, keyed by (id(layer), name).
_cache_depth = 0
_cache: dict = {}


@contextmanager
def cached():
    """Within this context each parametrized tensor is computed once, on its first read, and reused (torch's
    ``parametrize.cached``): for a weight read many times in one step (a recurrent layer's loop). Leaving the
    outermost context drops the cache."""
    global _cache_depth, _cache
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache = {}


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original(s) they start from.

    ``original`` (or ``original0``, ``original1``...) is a Parameter when the parametrized tensor was one
    (else a buffer). Calling the list computes the tensor: ``self[0](*originals)``, then each next
    parametrization on the result. ``right_inverse(value)`` runs the right inverses backwards and stores the
    result in the originals in place.
    """

    def __init__(self, modules, original: Tensor, unsafe: bool = False):
        modules = list(modules)
        if not modules:
            raise ValueError("ParametrizationList: needs one or more parametrizations, got none")
        super().__init__(modules)
        object.__setattr__(self, "unsafe", bool(unsafe))
        shape, dtype = tuple(original.shape), original.dtype
        with no_grad():
            new = original
            for module in reversed(modules):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass   # as torch: a right_inverse that refuses is taken as the identity here
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("register_parametrization: right_inverse must return a Tensor or a sequence of "
                             f"Tensors (list, tuple...), got {type(new).__name__}")
        object.__setattr__(self, "is_tensor", isinstance(new, Tensor))
        object.__setattr__(self, "ntensors", 1 if self.is_tensor else len(new))
        if self.is_tensor:
            if new.dtype != dtype:
                raise ValueError("register_parametrization: a right_inverse that returns one tensor may not change "
                                 f"the dtype: original {dtype}, right_inverse(original) {new.dtype}")
            _set_data(original, new)   # the same object: an optimizer that holds it keeps training it
            _register(self, "original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError("register_parametrization: right_inverse must return a Tensor or a sequence "
                                     f"of Tensors, got element {i} of type {type(part).__name__}")
                if isinstance(original, Parameter):
                    part = Parameter(part.data, requires_grad=original.requires_grad)
                else:
                    part = Tensor(part.data, requires_grad=original.requires_grad)
                _register(self, f"original{i}", part)
        if not self.unsafe:
            _check_same_kind("register_parametrization", self(), shape, dtype, "unparametrized")

    def _originals(self):
        if self.is_tensor:
            return (self.original,)
        return tuple(getattr(self, f"original{i}") for i in range(self.ntensors))

    def forward(self):
        items = self._items
        x = items[0](*self._originals())
        for module in items[1:]:
            x = module(x)
        return x

    def right_inverse(self, value) -> None:
        """Store ``value`` as the parametrized tensor: the originals become the right inverses of ``value``."""
        with no_grad():
            for module in reversed(self._items):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse, "
                                       "so the parametrized tensor cannot be assigned")
                value = module.right_inverse(value)
            parts = (value,) if self.is_tensor else value
            if not self.is_tensor and (not isinstance(value, Sequence) or len(value) != self.ntensors):
                raise ValueError(f"right_inverse must return a sequence of {self.ntensors} tensors, got "
                                 f"{type(value).__name__}")
            for original, part in zip(self._originals(), parts):
                if not isinstance(part, Tensor):
                    raise ValueError(f"right_inverse must return Tensors, got {type(part).__name__}")
                if part.dtype != original.dtype:
                    raise ValueError(f"right_inverse returned dtype {part.dtype} for an original of dtype "
                                     f"{original.dtype}")
                _set_data(original, part)

    def _direct_members(self):
        # torch lists a module's own parameters and buffers before its children: the original(s), then 0, 1...
        yield from Layer._direct_members(self)
        for i, member in enumerate(self._items):
            yield str(i), "layer", member


def is_parametrized(module, tensor_name: str | None = None) -> bool:
    """True if ``module`` has a parametrization on ``tensor_name`` (on any tensor, for ``None``)."""
    parametrizations = module.__dict__.get("parametrizations") if isinstance(module, Layer) else None
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def register_parametrization(module, tensor_name: str, parametrization, *, unsafe: bool = False):
    """Make ``module.<tensor_name>`` the result of ``parametrization`` (a Layer) applied to its original(s);
    returns ``module``. A second registration on the same name applies after the first. ``unsafe=True``
    skips the checks that the parametrization keeps the tensor's shape and dtype."""
    if not isinstance(module, Layer):
        raise TypeError(f"register_parametrization: module must be a Layer (Module), got {type(module).__name__}")
    if not isinstance(parametrization, Layer):
        raise TypeError("register_parametrization: parametrization must be a Layer (Module), got "
                        f"{type(parametrization).__name__}")
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            shape, dtype = tuple(current.shape), current.dtype
            _check_same_kind("register_parametrization", parametrization(current), shape, dtype, "parametrized")
            if hasattr(parametrization, "right_inverse"):
                try:
                    back = parametrization.right_inverse(current)
                except NotImplementedError:
                    pass
                else:
                    _check_same_kind("register_parametrization (right_inverse)", back, shape, dtype, "parametrized")
        plist.append(parametrization)
        object.__setattr__(plist, "unsafe", plist.unsafe or bool(unsafe))
        return module
    if not _is_state(module, tensor_name):
        raise ValueError(f"register_parametrization: {type(module).__name__} has no parameter, buffer or "
                         f"parametrized tensor named {tensor_name!r}")
    original = module.__dict__[tensor_name]
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)   # first: it may refuse
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    setattr(type(module), tensor_name, property(_getter(tensor_name), _setter(tensor_name)))
    module.parametrizations[tensor_name] = plist
    return module


def remove_parametrizations(module, tensor_name: str, leave_parametrized: bool = True):
    """Undo ``register_parametrization`` on ``tensor_name``; returns ``module``. With ``leave_parametrized``
    the tensor keeps its current (parametrized) value, else it gets back its original; with one original the
    Parameter object is the same one (an optimizer keeps training it). The tensor is registered anew, so it
    is listed after the layer's other parameters, as in torch."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: {type(module).__name__} has no parametrization on "
                         f"{tensor_name!r}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _set_data(original, getattr(module, tensor_name))
    else:
        if not leave_parametrized:
            raise ValueError("remove_parametrizations: leave_parametrized=False is impossible for a tensor "
                             f"parametrized by several originals ({plist.ntensors} for {tensor_name!r})")
        value = getattr(module, tensor_name)
        original = (Parameter(value.data.copy(), requires_grad=True) if value.requires_grad
                    else Tensor(value.data.copy()))
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        object.__setattr__(module, "__class__", type(module).__bases__[0])
    else:   # torch lists a layer's own parameters before its children: the restored tensor before the others' lists
        module._member_names["parametrizations"] = module._member_names.pop("parametrizations")
    return module


def type_before_parametrizations(module) -> type:
    """The class ``module`` had before its first parametrization (its own class if it has none)."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def parametrized_originals(layer):
    """(name, tensor name) of each original of ``layer``'s parametrizations, ``name`` its dotted name in
    ``layer``'s state (``"parametrizations.weight.original0"``): for ``minigrad.io`` to lay them out as the
    tensor they parametrize."""
    if not is_parametrized(layer):
        return []
    return [(f"parametrizations.{tensor_name}.{name}", tensor_name)
            for tensor_name, plist in layer.parametrizations.items()
            for name, kind, _ in Layer._direct_members(plist) if name.startswith("original")]


# -- the machinery --------------------------------------------------------------------------------------
def _getter(name):
    def get(self):
        plist = self.__dict__["parametrizations"][name]
        if not _cache_depth:
            return plist()
        key = (id(self), name)
        value = _cache.get(key)
        if value is None:
            value = _cache[key] = plist()
        return value
    return get


def _setter(name):
    def set_(self, value):
        self.__dict__["parametrizations"][name].right_inverse(value)
    return set_


def _parametrized_setattr(self, name, value):
    parametrizations = self.__dict__.get("parametrizations")
    if isinstance(parametrizations, ModuleDict) and name in parametrizations:
        if isinstance(value, Parameter):   # torch's register_parameter refuses it: the name is taken
            raise KeyError(f"{type(self).__name__}: attribute {name!r} is parametrized; assign a Tensor (its "
                           "value goes through right_inverse) or call remove_parametrizations first")
        object.__setattr__(self, name, value)   # the property's setter
        return
    type(self).__bases__[0].__setattr__(self, name, value)


def _refuse_pickle(self):
    raise RuntimeError("Serialization of parametrized modules is only supported through state_dict(); "
                       f"{type(self).__name__} was made for one instance and cannot be pickled")


def _deepcopy(self, memo):
    from copy import deepcopy

    replica = object.__new__(_parametrized_class(type(self).__bases__[0]))
    memo[id(self)] = replica
    for name in self.__dict__["parametrizations"]:   # the replica's own class needs the same properties
        setattr(type(replica), name, property(_getter(name), _setter(name)))
    for key, value in self.__dict__.items():
        object.__setattr__(replica, key, deepcopy(value, memo))
    return replica


def _parametrized_class(cls):
    """A new subclass of ``cls`` for one instance: it holds that instance's properties."""
    namespace = {"__setattr__": _parametrized_setattr, "__getstate__": _refuse_pickle,
                 "__deepcopy__": _deepcopy, "__module__": cls.__module__}
    return type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _inject_class(module):
    """Give ``module`` a class of its own, a subclass of its class, to hold the properties."""
    object.__setattr__(module, "__class__", _parametrized_class(type(module)))


def _is_state(module, name) -> bool:
    """True if ``name`` is a registered parameter or buffer of ``module`` itself."""
    if not isinstance(name, str) or name not in module._member_names:
        return False
    value = module.__dict__.get(name)
    return isinstance(value, Parameter) or (name in module._buffer_names and isinstance(value, Tensor))


def _register(layer, name, tensor):
    if isinstance(tensor, Parameter):
        layer.register_parameter(name, tensor)
    else:
        layer.register_buffer(name, tensor)


def _set_data(original, value):
    """``original`` takes ``value``'s values, keeping its identity (torch's ``set_``)."""
    if value is not original:
        original.data = value.data.copy() if isinstance(value, Tensor) else value


def _check_same_kind(where, result, shape, dtype, what):
    if not isinstance(result, Tensor):
        raise ValueError(f"{where}: a parametrization must return a Tensor, got {type(result).__name__}")
    if result.dtype != dtype:
        raise ValueError(f"{where}: a parametrization may not change the dtype unless unsafe=True: {what} dtype "
                         f"{dtype}, parametrized dtype {result.dtype}")
    if tuple(result.shape) != shape:
        raise ValueError(f"{where}: a parametrization may not change the shape unless unsafe=True: {what} shape "
                         f"{shape}, parametrized shape {tuple(result.shape)}")
