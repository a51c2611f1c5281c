"""Recording one forward pass as a list of op calls, for ``minigrad.onnx.export``.

While ``trace`` runs, ``Function.apply`` (every differentiable op) and the
helpers behind the comparisons and arg-reductions (which make no graph node)
are wrapped so that each call is written down with its op class name, its
parameters, its input and output Tensors, and where it was used: the innermost
model layer whose code called it, or else the caller's file and line. The
wrappers are removed when the pass ends, even on error. The Tensors stay
referenced by the record, so their ids name them for the whole export.
"""
from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field

from minigrad.autograd.function import Function
from minigrad.autograd.mode import no_grad
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Call:
    """One op applied during the traced pass."""

    op: str  # the Function class name, or the function name of a comparison/arg-reduction
    params: dict
    inputs: tuple
    outputs: tuple
    where: str
    dynamic_inputs: list = field(default_factory=list)  # per input: axes whose size follows the batch
    dynamic_outputs: list = field(default_factory=list)


class _Recorder:
    def __init__(self, layer_names: dict):
        self.layer_names = layer_names
        self.calls: list[Call] = []

    def record(self, op, params, inputs, outputs):
        self.calls.append(Call(op, dict(params), tuple(inputs), tuple(outputs), self._where()))

    def _where(self) -> str:
        """The innermost model layer on the stack that is running, or the first caller outside minigrad."""
        frame = sys._getframe(3)
        outside = None
        while frame is not None:
            owner = frame.f_locals.get("self")
            if owner is not None and id(owner) in self.layer_names:
                name = self.layer_names[id(owner)]
                label = f"layer {name!r}" if name else "the model"
                code = frame.f_code
                return f"{label} ({type(owner).__name__}.{code.co_name}, {code.co_filename}:{frame.f_lineno})"
            if outside is None and not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
                outside = f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"
            frame = frame.f_back
        return outside or "an unknown place"


@contextlib.contextmanager
def _recording(recorder: _Recorder):
    """Wrap op application so that ``recorder`` sees every op call; always unwraps."""
    from minigrad.ops import compare

    original_apply = Function.__dict__["apply"]

    def apply(cls, *inputs, **params):
        like = next((x for x in inputs if isinstance(x, Tensor)), None)
        inputs = tuple(x if isinstance(x, Tensor) else as_tensor(x, like=like) for x in inputs)
        out = original_apply.__func__(cls, *inputs, **params)
        recorder.record(cls.__name__, params, inputs, out if isinstance(out, tuple) else (out,))
        return out

    patches = [(Function, "apply", classmethod(apply))]
    # Attention takes the fully masked rows' path from recorded ops of its mask (nn/functional/attention.py).
    from minigrad.nn.functional import attention

    patches.append((attention, "EXPORTING", True))
    patches += _in_place_patches(recorder)
    # Comparisons, logical ops and argmax/argmin return plain Tensors without a graph node; their
    # shared helpers are wrapped too. Should they be renamed, export still refuses what it cannot
    # see, through the check that every constant is the same for two different inputs.
    for helper in ("_compare", "_logical"):
        original = getattr(compare, helper, None)
        if original is not None and hasattr(compare, "operands"):
            patches.append((compare, helper, _recorded_binary(recorder, compare.operands, original)))
    original_arg = getattr(compare, "_arg", None)
    if original_arg is not None:
        def _arg(name, x, axis, keepdims, method):
            x = as_tensor(x)
            out = original_arg(name, x, axis, keepdims, method)
            recorder.record(name, {"axis": axis, "keepdims": keepdims}, (x,), (out,))
            return out

        patches.append((compare, "_arg", _arg))
    # Predicates and argsort (minigrad/ops/_plain.py) go through one helper too.
    from minigrad.ops import _plain

    original_plain = _plain.__dict__.get("plain")
    if original_plain is not None:
        def plain(name, params, x, compute):
            x = as_tensor(x)
            out = original_plain(name, params, x, compute)
            recorder.record(name, params, (x,), (out,))
            return out

        patches.append((_plain, "plain", plain))
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


# The one op name an in-place write is recorded under: "from here on, this Tensor holds that value".
IN_PLACE = "InPlaceWrite"


def _in_place_patches(recorder):
    """Wrap the in-place writes a forward may make, so that later uses of the written Tensor read the new value.

    ``x.relu_()``, ``nn.ReLU(inplace=True)`` and the other ``x.op_(...)`` (``_write_result``), and ``x += y``
    (``_update``), compute their result with recorded ops and write it into ``x``; the trace then notes
    that ``x`` now stands for that result. Writes it cannot follow (``fill_``, ``copy_``, ``zero_``,
    ``x[i] = v``) are refused, rather than exported as if they had not happened.
    """
    original_write, original_update = Tensor._write_result, Tensor._update

    def write_result(self, name, make):
        made = []

        def make_recorded(t):
            made.append(make(t))
            return made[-1]

        result = original_write(self, name, make_recorded)
        recorder.record(IN_PLACE, {}, (made[-1],), (self,))
        return result

    def update(self, other, symbol, op, ufunc):
        out = op(self, other)   # recorded; the write below is NumPy's, as outside an export
        result = original_update(self, other, symbol, op, ufunc)
        if result is self:
            recorder.record(IN_PLACE, {}, (out,), (self,))
        return result

    def refuse(name):
        def write(self, *args, **kwargs):
            from minigrad.onnx.graph import ExportError

            raise ExportError(f"onnx.export: the model writes into a tensor in place with {name} (shape "
                              f"{tuple(self.shape)}), which the exported graph cannot follow; build the values "
                              "with out-of-place ops (minigrad.where, minigrad.cat, ...) instead")
        return write

    return [(Tensor, "_write_result", write_result), (Tensor, "_update", update)] + [
        (Tensor, name, refuse(name)) for name in ("fill_", "copy_", "zero_", "__setitem__")]


def _recorded_binary(recorder, operands, original):
    def helper(name, a, b, fn):
        a, b = operands(name, a, b)
        out = original(name, a, b, fn)
        recorder.record(name, {}, (a, b), (out,))
        return out
    return helper


def _flat_outputs(result) -> list:
    """The model's outputs, depth first through nested tuples and lists (an RNN's ``(y, (h, c))``), as
    torch.onnx.export flattens them."""
    if isinstance(result, (tuple, list)):
        return [leaf for item in result for leaf in _flat_outputs(item)]
    return [result]


def trace(model, inputs: tuple, layer_names: dict, arguments=tuple):
    """Run ``model(*arguments(inputs))`` once without a graph (``arguments`` rebuilds nested arguments from the
    flat inputs); return (calls, outputs as a flat tuple of Tensors)."""
    recorder = _Recorder(layer_names)
    with no_grad(), _recording(recorder):
        result = model(*arguments(inputs))
    outputs = _flat_outputs(result)
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"onnx.export: the model's output {i} is a {type(out).__name__}, not a Tensor")
    return recorder.calls, tuple(outputs)
