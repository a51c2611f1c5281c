"""Global autograd switches: recording on or off, anomaly detection, graph-recording backward.

Each switch is a context manager that can also decorate a function. The state
lives in one small mutable object, read on every op, so checking it is a single
attribute lookup.
"""
from __future__ import annotations

import functools
import inspect


class _State:
    __slots__ = ("grad_enabled", "anomaly", "backward_records_graph", "writes", "inference", "inference_grad")

    def __init__(self):
        self.grad_enabled = True   # whether ops record: what every op reads
        self.inference = False
        # Inside inference_mode, grad-mode switches set this instead of grad_enabled: torch's is_grad_enabled()
        # then reports them, but inference mode wins and nothing records.
        self.inference_grad = False
        self.anomaly = False
        self.backward_records_graph = False
        self.writes = 0  # in-place writes (Tensor.__setitem__) so far: graph nodes remember the count


STATE = _State()


class _Switch:
    """A context manager and decorator that sets one field of STATE and restores it."""

    field = ""
    value = True

    def __enter__(self):
        self._field = self.field
        self._previous = getattr(STATE, self._field)
        setattr(STATE, self._field, self.value)
        return self

    def __exit__(self, *exc):
        setattr(STATE, self._field, self._previous)
        return False

    def _fresh(self):
        """A new switch of the same setting, entered on each call of a decorated function."""
        return type(self)()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn):
        """The switch holds while the generator's body runs, and the caller's state returns
        at every ``yield`` (a ``with`` around the call would end before the body starts)."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            sent, thrown = None, None
            while True:
                with self._fresh():
                    try:
                        item = gen.throw(thrown) if thrown is not None else gen.send(sent)
                    except StopIteration as stop:
                        return stop.value
                sent, thrown = None, None
                try:
                    sent = yield item
                except GeneratorExit:
                    with self._fresh():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown in by the caller: deliver it inside the switch
                    thrown = exc

        return wrapper


class _BareSwitch(_Switch):
    """A switch that also decorates without parentheses, as torch 2's: ``@no_grad`` as ``@no_grad()``."""

    def __new__(cls, *args):
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], bool):   # bare @switch on a function
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self, *args):   # a switch with a setting of its own (inference_mode) overrides this
        if args:
            raise TypeError(f"{type(self).__name__}: takes no arguments (or decorates a function without "
                            f"parentheses), got {args[0]!r}")


class _GradMode:
    """Grad-mode switches: inside ``inference_mode`` they change only the mode ``is_grad_enabled`` reports."""

    @property
    def field(self):
        return "inference_grad" if STATE.inference else "grad_enabled"


class no_grad(_GradMode, _BareSwitch):
    """Run without recording a graph: results of ops never require grad.

    Use it for evaluation and for parameter updates::

        with minigrad.no_grad():
            logits = model(x)
    """

    value = False


class enable_grad(_GradMode, _BareSwitch):
    """Turn graph recording back on inside a ``no_grad`` block. Inside ``inference_mode`` nothing records still,
    as in torch (``is_grad_enabled()`` says True there, as torch's does); ``inference_mode(False)`` records."""

    value = True


class detect_anomaly(_Switch):
    """Raise at the first op whose forward or backward produces NaN or Inf.

    The error names the op and, in this mode, the stack where it was created.
    It slows every op down (a finiteness check per result), so use it to debug.
    ``check_nan`` is accepted for PyTorch's signature (``detect_anomaly(check_nan=False)`` was a TypeError), as by
    ``set_detect_anomaly``; minigrad's anomaly mode always checks for NaN and Inf.
    """

    field, value = "anomaly", True

    def __init__(self, check_nan=True):
        if not isinstance(check_nan, bool):
            raise TypeError(f"detect_anomaly(): check_nan must be a bool, got {type(check_nan).__name__} "
                            f"{check_nan!r}")


class record_backward_graph(_Switch):
    """Make every ``backward()`` inside the block behave as ``create_graph=True``.

    The second-order optimizers call the user's ordinary closure (zero grads,
    loss, ``loss.backward()``) inside this block, so each ``p.grad`` carries a
    graph and Hessian-vector products follow from one more ``minigrad.grad``.
    """

    field, value = "backward_records_graph", True


def is_grad_enabled() -> bool:
    """True when ops record the graph (outside ``no_grad``), and torch's grad mode inside ``inference_mode``
    (set by ``enable_grad`` there, which records nothing)."""
    return STATE.grad_enabled or (STATE.inference and STATE.inference_grad)


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return STATE.anomaly


class _SetAtOnce(_Switch):
    """A setting that, called, takes effect at once (as PyTorch's ``set_*`` do); as a context manager the
    previous setting returns at the end of the block; as a decorator it holds while the function runs."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}(): mode must be a bool, got {type(mode).__name__} {mode!r}")
        self.value = mode
        self._field = self.field
        self._previous = getattr(STATE, self._field)
        setattr(STATE, self._field, mode)

    def __enter__(self):   # already set by the constructor, as PyTorch does
        return self

    def _fresh(self):
        return type(self)(self.value)

    def __call__(self, fn):
        setattr(STATE, self._field, self._previous)   # decorating changes nothing until the function runs
        return super().__call__(fn)


class set_grad_enabled(_GradMode, _SetAtOnce):
    """Turn graph recording on or off (``torch.set_grad_enabled``); see ``_SetAtOnce``. Inside ``inference_mode``
    it sets only the reported mode, as ``enable_grad``."""


class inference_mode(_BareSwitch):
    """``no_grad`` that also marks the block as inference (``torch.inference_mode``); ``inference_mode(False)``
    turns recording back on. A context manager or a decorator (``@inference_mode`` or ``@inference_mode()``).

    minigrad makes no "inference tensors": results are ordinary tensors without a graph, as under ``no_grad``,
    and may later be used in recorded ops (PyTorch refuses an inference tensor there). ``enable_grad`` and
    ``set_grad_enabled(True)`` inside it record nothing, as torch's.
    """

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode(): mode must be a bool, got {type(mode).__name__} {mode!r}")
        self.mode = mode

    def __enter__(self):
        self._previous = (STATE.grad_enabled, STATE.inference, STATE.inference_grad)
        STATE.grad_enabled, STATE.inference, STATE.inference_grad = not self.mode, self.mode, False
        return self

    def __exit__(self, *exc):
        STATE.grad_enabled, STATE.inference, STATE.inference_grad = self._previous
        return False

    def _fresh(self):
        return inference_mode(self.mode)


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return STATE.inference


class set_detect_anomaly(_SetAtOnce):
    """Anomaly detection on or off (``torch.autograd.set_detect_anomaly``); see ``_SetAtOnce``. ``check_nan`` is
    accepted for PyTorch's signature; minigrad's anomaly mode always checks for NaN and Inf."""

    field = "anomaly"

    def __init__(self, mode, check_nan=True):
        super().__init__(mode)


def set_anomaly_enabled(mode, check_nan=True) -> None:
    """Turn anomaly detection (``detect_anomaly``) on or off until changed again (``torch.set_anomaly_enabled``).

    ``check_nan`` is accepted for PyTorch's signature; minigrad's anomaly mode always checks for NaN and Inf.
    """
    if not isinstance(mode, bool):
        raise TypeError(f"set_anomaly_enabled(): mode must be a bool, got {type(mode).__name__} {mode!r}")
    STATE.anomaly = mode
