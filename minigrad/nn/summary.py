"""``summary(model, input_shape)``: a Keras/torchinfo-style table of a model's layers, shapes and sizes.

It runs one forward pass on a made-up input (under ``no_grad``, in eval mode,
so BatchNorm statistics and Dropout masks are left alone) with a forward hook
on every layer, so it knows nothing about particular layer types: any layer
that is a ``Layer`` shows up with the shape of what it returned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from minigrad import backend
from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Layer
from minigrad.scalars import is_integer


class SummaryRow(NamedTuple):
    """One layer: dotted ``name``, class name, output shape (None if it never ran) and parameter count."""

    name: str
    type: str
    output_shape: object
    num_params: int


@dataclass
class Summary:
    """What :func:`summary` measured; prints as the table."""

    model_type: str
    input_shape: tuple
    dtype: str
    rows: list
    total_params: int
    trainable_params: int
    input_bytes: int
    activation_bytes: int
    param_bytes: int

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self):
        head = ("Layer (type)", "Output shape", "Param #")
        body = []
        for row in self.rows:
            indent = "  " * row.name.count(".") if row.name else ""
            label = f"{indent}{row.name} ({row.type})" if row.name else f"({row.type})"
            body.append((label, _shape_text(row.output_shape), f"{row.num_params:,}"))
        widths = [max(len(r[i]) for r in [head] + body) for i in range(3)]
        width = sum(widths) + 4
        line = lambda r: f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"  # noqa: E731
        shape = "(" + ", ".join(map(str, self.input_shape)) + ")" if _flat(self.input_shape) else \
            ", ".join("(" + ", ".join(map(str, s)) + ")" for s in self.input_shape)
        out = [f"{self.model_type} on input {shape} {self.dtype}", "=" * width, line(head), "-" * width]
        out += [line(r) for r in body]
        out += ["=" * width,
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}",
                "-" * width,
                f"Input: {_bytes(self.input_bytes)}",
                f"Activations (one forward pass): {_bytes(self.activation_bytes)}",
                f"Parameters and buffers: {_bytes(self.param_bytes)}",
                f"Total: {_bytes(self.input_bytes + self.activation_bytes + self.param_bytes)}",
                "=" * width]
        return "\n".join(out)

    __repr__ = __str__


def _flat(shape):
    return all(isinstance(d, (int, np.integer)) for d in shape)


def _shape_text(shape):
    if shape is None:
        return "--"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} B" if unit == "B" else f"{n:,.2f} {unit}"
        n /= 1024


def _tensors_in(value):
    """Every Tensor in an output (a Tensor, or tuples/lists/dicts of them)."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _shape_of(output):
    shapes = [tuple(t.shape) for t in _tensors_in(output)]
    if isinstance(output, Tensor):
        return shapes[0]
    return shapes


def _check_shape(input_shape):
    def ok(shape):
        return (isinstance(shape, (tuple, list)) and len(shape) > 0
                and all(is_integer(d) and d > 0 for d in shape))

    if ok(input_shape):
        return [tuple(int(d) for d in input_shape)], False
    if isinstance(input_shape, (tuple, list)) and input_shape and all(ok(s) for s in input_shape):
        return [tuple(int(d) for d in s) for s in input_shape], True
    raise ValueError("summary: input_shape must be a tuple of positive ints including the batch axis, "
                     f"e.g. (1, 784), or a list of such tuples for several inputs; got {input_shape!r}")


def _runs(model, shape, dtype, device):
    """Whether ``model`` takes a made-up input of ``shape`` (already in eval mode and under no_grad)."""
    try:
        model(Tensor(np.zeros(shape, dtype=dtype)).to(device))
    except Exception:   # noqa: BLE001 -- only a hint for the error being raised: any failure means no
        return False
    return True


def summary(model, input_shape, dtype=None, print_table=False) -> Summary:
    """Run ``model`` once on an input of ``input_shape`` and return its :class:`Summary`.

    ``input_shape`` includes the batch axis, e.g. ``(1, 784)``; give a list of
    shapes for a model that takes several inputs. Floating inputs are standard
    normal, integer ones zero. Rows list every sub-layer in definition order
    (the model itself only when it has none) with its output shape, taken by a
    forward hook, and its parameter count. The activation memory adds up the
    outputs of the innermost layers: what one forward pass creates. ``dtype``: the inputs' (default: the default
    float dtype).
    """
    if not isinstance(model, Layer):
        raise TypeError(f"summary: model must be a Layer, got {type(model).__name__}")
    shapes, several = _check_shape(input_shape)
    try:
        np_dtype = backend.DEFAULT_FLOAT if dtype is None else np.dtype(dtype)   # np.dtype(None) is float64
    except TypeError:
        raise ValueError(f"summary: unknown dtype {dtype!r}") from None
    state = list(model.parameters()) + list(model.buffers())
    device = state[0].device if state else "cpu"
    rng = np.random.default_rng(0)
    inputs = []
    for shape in shapes:
        host = rng.standard_normal(shape) if np_dtype.kind in "fc" else np.zeros(shape)
        inputs.append(Tensor(host.astype(np_dtype)).to(device))

    named = list(model.named_layers())
    leaves = {id(layer) for _, layer in named if not any(True for _ in layer.named_children())}
    outputs = {}          # id(layer) -> output shape of its first call
    activation = [0]
    handles = []

    def hook(layer, args, output):
        outputs.setdefault(id(layer), _shape_of(output))
        if id(layer) in leaves:
            activation[0] += sum(int(t.data.nbytes) for t in _tensors_in(output))

    modes = [(layer, layer.training) for _, layer in named]
    try:
        for _, layer in named:
            handles.append(layer.register_forward_hook(hook))
        model.eval()
        with no_grad():
            try:
                model(*inputs)
            except (ValueError, TypeError, RuntimeError, IndexError) as exc:
                if type(exc) not in (ValueError, TypeError, RuntimeError, IndexError):
                    raise   # a subclass may need more than a message; it stays as it is
                # A Keras habit, input_shape without the batch axis, fails deep inside the model (a conv reads
                # (1, 28, 28) as one unbatched image, a Linear then gets the wrong width): say where it came from,
                # and whether the shape with a batch axis in front runs.
                given = f"shapes {[tuple(s) for s in shapes]}" if several else f"shape {shapes[0]}"
                hint = ""
                if not several and _runs(model, (1, *shapes[0]), np_dtype, device):
                    hint = f"; input_shape includes the batch axis: {(1, *shapes[0])} runs"
                raise type(exc)(f"summary: the model's forward pass on a made-up input of {given} failed{hint}: "
                                f"{exc}") from exc
    finally:
        for handle in handles:
            handle.remove()
        for layer, mode in modes:
            object.__setattr__(layer, "training", mode)

    rows = [SummaryRow(name, type(layer).__name__, outputs.get(id(layer)), layer.num_parameters())
            for name, layer in named if name or len(named) == 1]
    params = model.parameters()
    result = Summary(
        model_type=type(model).__name__,
        input_shape=tuple(shapes) if several else shapes[0],
        dtype=str(np_dtype),
        rows=rows,
        total_params=sum(int(p.size) for p in params),
        trainable_params=sum(int(p.size) for p in params if p.requires_grad),
        input_bytes=sum(int(t.data.nbytes) for t in inputs),
        activation_bytes=activation[0],
        param_bytes=sum(int(t.data.nbytes) for t in state),
    )
    if print_table:
        print(result)
    return result
