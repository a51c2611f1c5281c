"""Module-level yes/no settings, as ``torch.backends``' (``torch.backends.cudnn.benchmark = True``).

A module made with :func:`flag_module` keeps the values a script assigns, refuses a value that is not a bool
(as torch's setters do) and refuses a name it does not know, so a misspelt setting fails instead of being
stored and ignored.
"""
import sys
import types


class FlagModule(types.ModuleType):
    """A module whose attributes named in ``_FLAGS`` take bools only; other new public names are refused."""

    _FLAGS = ()
    _CHOICES = {}   # name -> the strings that setting accepts (for a non-bool setting)

    def __setattr__(self, name, value):
        if name in self._FLAGS:
            if not isinstance(value, bool):
                raise TypeError(f"{self.__name__}.{name} expects a bool, but got {type(value).__name__} {value!r}")
        elif name in self._CHOICES:
            if value not in self._CHOICES[name]:
                raise ValueError(f"{self.__name__}.{name} must be one of {list(self._CHOICES[name])}, "
                                 f"got {value!r}")
        elif not name.startswith("_") and name not in self.__dict__:
            raise AttributeError(f"{self.__name__} has no setting {name!r} (settings: "
                                 f"{', '.join(sorted((*self._FLAGS, *self._CHOICES)))})")
        super().__setattr__(name, value)


def flag_module(module_name, flags, choices=None):
    """Turn the module ``module_name`` into a :class:`FlagModule` checking ``flags`` (bool settings) and
    ``choices`` (name -> accepted strings)."""
    cls = type("FlagModule", (FlagModule,), {"_FLAGS": tuple(flags), "_CHOICES": dict(choices or {})})
    sys.modules[module_name].__class__ = cls


class Flags:
    """A namespace of bool settings that is not a module itself (``torch.backends.cuda.matmul``)."""

    def __init__(self, owner, **values):
        object.__setattr__(self, "_owner", owner)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        if name not in self.__dict__ or name.startswith("_"):
            raise AttributeError(f"{self._owner} has no setting {name!r} (settings: "
                                 f"{', '.join(sorted(n for n in self.__dict__ if not n.startswith('_')))})")
        if not isinstance(value, bool):
            raise TypeError(f"{self._owner}.{name} expects a bool, but got {type(value).__name__} {value!r}")
        object.__setattr__(self, name, value)

    def __repr__(self):
        shown = ", ".join(f"{n}={v}" for n, v in self.__dict__.items() if not n.startswith("_"))
        return f"<{self._owner}: {shown}>"
