"""PyTorch's ``inplace=True`` option of activations and dropout: the result written into the input.

``relu(x, inplace=True)`` is ``x.relu_()``'s rule (``Tensor._write_result``): ``x`` itself holds the result
and is returned, and while a graph is recorded the write is recorded too, so ``x`` becomes the op's output
(``minigrad/autograd/recorded_writes.py``). The option costs the usual call nothing: the decorator only
looks at ``inplace``.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np


# Dropouts return their input itself in evaluation or with p = 0: nothing is written then, as in torch (so even a
# leaf that requires grad passes).
_DROPOUTS = {"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"}


def in_place_option(name):
    """Give ``fn(input, ..., inplace=False)`` PyTorch's ``inplace=True``: ``fn``'s result written into ``input``
    (given by position or as ``input=``)."""
    def wrap(fn):
        signature = inspect.signature(fn)
        position = list(signature.parameters).index("inplace")
        first = next(iter(signature.parameters))

        @functools.wraps(fn)
        def call(*args, **kwargs):
            inplace = kwargs.get("inplace", args[position] if len(args) > position else False)
            if inplace is False:
                return fn(*args, **kwargs)
            if not isinstance(inplace, (bool, np.bool_)):
                raise ValueError(f"{name}: inplace must be a bool, got {inplace!r}")
            if not inplace or (name in _DROPOUTS and _identity(signature, args, kwargs)):
                return fn(*args, **kwargs)
            if args:
                x, rest = args[0], list(args[1:])
            else:   # the input given by keyword (torch's ``input=``); then every argument is a keyword
                x, rest = kwargs.pop(first, None), []
                if x is None:
                    raise TypeError(f"{name}: missing the input (its first argument, {first!r})")
            if len(args) > position:
                rest[position - 1] = False
            else:
                kwargs["inplace"] = False
            if not hasattr(x, "_write_result"):
                raise TypeError(f"{name}: inplace=True needs a Tensor input, got {type(x).__name__}")
            return x._write_result(f"{name}_", lambda t: fn(t, *rest, **kwargs))
        return call
    return wrap


def _identity(signature, args, kwargs) -> bool:
    """Whether a dropout call leaves its input as it is (evaluation, or p = 0)."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return not bound.arguments["training"] or bound.arguments["p"] == 0


def in_place_variant(fn):
    """torch's ``F.relu_(x)`` family: ``fn(x, ..., inplace=True)``, under ``fn``'s name with a trailing underscore."""
    def variant(input, *args, **kwargs):  # noqa: A002  (PyTorch's argument name)
        return fn(input, *args, inplace=True, **kwargs)

    variant.__name__ = variant.__qualname__ = fn.__name__ + "_"
    variant.__doc__ = f"``{fn.__name__}(input, ..., inplace=True)``: the result written into ``input``, which is returned."
    return variant
