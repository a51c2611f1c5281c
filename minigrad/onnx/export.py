"""``export``: a minigrad model as an ONNX graph, by tracing one forward pass.

The model runs twice on the CPU or GPU it lives on: on the example input and
on a second input made from it (rows rolled, floats scaled by 1.25; with
``dynamic_batch`` one row more along each input's batch axis). Both passes
must apply the same ops; any value that is not an op's output, a model input
or the same constant in both passes (such as a mask computed from ``x.data``
outside the ops) is refused rather than frozen into the graph, and every axis
whose size changed with the batch stays symbolic in the shapes the graph holds.
"""
from __future__ import annotations

import os

import numpy as np

from minigrad.atomic import atomic_file
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, to_numpy
from minigrad.onnx.converters import CONVERTERS, FIXED_SIZES, NOT_EXPORTED
from minigrad.onnx.graph import ExportError, Graph
from minigrad.onnx.trace import IN_PLACE, trace
from minigrad.scalars import as_integer, is_integer
from minigrad.serialization import check_path

MIN_OPSET = 13


def _onnx():
    try:
        import onnx
    except ImportError as err:
        raise ImportError(
            f"minigrad.onnx needs the onnx package: pip install \"minigrad[interop]\" ({err})"
        ) from err
    return onnx


def _leaves(value) -> tuple:
    """(the leaves of a nest of tuples and lists, depth first; its structure: None for a leaf, else
    (tuple or list, [the children's structures]))."""
    # a list or tuple that holds numbers is data, not a nest of tensors: it stays one (refused) input
    if isinstance(value, (tuple, list)) and not any(isinstance(v, (int, float, complex, np.number)) for v in value):
        parts = [_leaves(v) for v in value]
        return [leaf for leaves, _ in parts for leaf in leaves], (type(value), [shape for _, shape in parts])
    return [value], None


def _rebuild(leaves, structure):
    """The nest ``structure`` describes, with its leaves taken in order from the iterator ``leaves``."""
    if structure is None:
        return next(leaves)
    kind, children = structure
    return kind(_rebuild(leaves, child) for child in children)


def _as_inputs(example_input) -> tuple:
    """(the model's inputs as one flat tuple of Tensors, the structure of its arguments). An argument may be a
    nest of tuples and lists of tensors, an RNN's ``(h, c)`` state say: its leaves become inputs in order, as
    torch.onnx.export flattens them, and the model is called with the nest rebuilt."""
    items = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    parts = [_leaves(item) for item in items]
    items, structure = [leaf for leaves, _ in parts for leaf in leaves], (tuple, [shape for _, shape in parts])
    inputs = []
    for i, item in enumerate(items):
        if isinstance(item, Tensor):
            inputs.append(Tensor(item.data))
        elif hasattr(item, "shape") and hasattr(item, "dtype"):
            inputs.append(Tensor(item))
        else:
            raise TypeError(f"onnx.export: example input {i} is a {type(item).__name__}, not a Tensor or array")
    if not inputs:
        raise ValueError("onnx.export: example_input is empty")
    return tuple(inputs), structure


def _batch_axes(dynamic_batch, inputs, names) -> list:
    """Each input's batch axis (an int) or None, from ``dynamic_batch``: a bool (axis 0 or none), an int
    axis of every input, or a dict {input name: axis}; checked against the inputs' shapes."""
    if isinstance(dynamic_batch, bool):
        if dynamic_batch and any(x.ndim == 0 for x in inputs):
            raise ValueError("onnx.export: dynamic_batch=True needs inputs with a batch axis; got a 0-d input")
        wanted = dict.fromkeys(names, 0 if dynamic_batch else None)
    elif isinstance(dynamic_batch, (int, np.integer)):
        wanted = dict.fromkeys(names, int(dynamic_batch))
    elif isinstance(dynamic_batch, dict):
        unknown = [k for k in dynamic_batch if k not in names]
        if unknown:
            raise ValueError(f"onnx.export: dynamic_batch names {unknown[0]!r}, which is not an input; "
                             f"the inputs are {names}")
        wanted = dynamic_batch
    else:
        raise TypeError(f"onnx.export: dynamic_batch must be True, False, an int axis or a dict "
                        f"{{input name: axis}}, got {dynamic_batch!r}")
    axes = []
    for name, x in zip(names, inputs):
        axis = wanted.get(name)
        if axis is not None and (not is_integer(axis) or not -x.ndim <= axis < x.ndim):
            given = dynamic_batch if not isinstance(dynamic_batch, dict) else {name: axis}
            raise ValueError(f"onnx.export: dynamic_batch={given!r} is not an axis of input {name!r} "
                             f"of shape {tuple(x.shape)}")
        axes.append(None if axis is None else int(axis) % x.ndim)
    sizes = {(name, x.shape[a]) for name, x, a in zip(names, inputs, axes) if a is not None}
    if len({n for _, n in sizes}) > 1:
        raise ValueError(f"onnx.export: the batch axes of the inputs have different sizes "
                         f"({', '.join(f'{k!r}: {n}' for k, n in sorted(sizes))}); one batch size follows "
                         "them all. Name the inputs whose axis is the batch with dynamic_batch={name: axis}")
    return axes


def _second_input(x: Tensor, batch_axis) -> Tensor:
    """Other values of the same kind: rows rolled (one more along ``batch_axis``), floats scaled."""
    data = x.data
    xp = get_array_module(data)
    if batch_axis is not None:
        data = xp.moveaxis(data, batch_axis, 0)
        data = xp.concatenate([data[1:], data[:2]]) if data.shape[0] >= 2 else xp.concatenate([data, data])
        data = xp.ascontiguousarray(xp.moveaxis(data, 0, batch_axis))
    else:
        data = data[::-1].copy() if data.ndim else data.copy()
    if data.dtype.kind in "fc":
        data = data * data.dtype.type(1.25)
    return Tensor(data)


def _names(given, count, default, what):
    if given is None:
        return [default if count == 1 else f"{default}{i}" for i in range(count)]
    given = list(given)
    if len(given) != count or len(set(given)) != count or not all(isinstance(n, str) and n for n in given):
        raise ValueError(f"onnx.export: {what} must be {count} distinct non-empty strings, got {given!r}")
    return given


class _Origins:
    """Where each Tensor of one traced pass comes from: ('input', i), ('call', k, j) or ('leaf',)."""

    def __init__(self, inputs, calls):
        self.of = {id(t): ("input", i) for i, t in enumerate(inputs)}
        for k, call in enumerate(calls):
            for j, out in enumerate(call.outputs):
                if call.op == IN_PLACE:   # written in place: the Tensor holds this call's value from here on
                    self.of[id(out)] = ("call", k, j)
                else:
                    self.of.setdefault(id(out), ("call", k, j))

    def __call__(self, tensor):
        return self.of.get(id(tensor), ("leaf",))


def _dynamic_axes(a: Tensor, b: Tensor, call, what) -> frozenset:
    if a.ndim != b.ndim:
        raise ExportError(
            f"onnx.export: {call.op} in {call.where} gives {what} of {a.ndim} dimensions for one input "
            f"and {b.ndim} for another; the graph cannot follow that"
        )
    return frozenset(i for i, (m, n) in enumerate(zip(a.shape, b.shape)) if m != n)


def _same_constant(a: Tensor, b: Tensor) -> bool:
    if a is b:
        return True
    x, y = to_numpy(a.data), to_numpy(b.data)
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    return bool(np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"))


def _batch_filled(a: Tensor, b: Tensor, batch1: int, batch2: int):
    """For a constant filled with one value whose axes grow with the batch (the zero state of an RNN,
    ``zeros_like(x)``): (fill, dims) with each dim an int or ("batch", k) for k times the batch; else None."""
    x, y = to_numpy(a.data), to_numpy(b.data)
    if x.ndim != y.ndim or x.dtype != y.dtype or x.size == 0 or y.size == 0:
        return None
    fill = x.reshape(-1)[:1]
    nan = x.dtype.kind in "fc" and bool(np.isnan(fill[0]))
    for z in (x, y):
        if not (bool(np.isnan(z).all()) if nan else bool((z == fill[0]).all())):
            return None
    dims = []
    for m, n in zip(x.shape, y.shape):
        if m == n:
            dims.append(int(m))
        elif m % batch1 == 0 and n % batch2 == 0 and m // batch1 == n // batch2:
            dims.append(("batch", m // batch1))
        else:
            return None
    return fill, dims


def _batch_sizes(first, second, batch_axes):
    """The batch size of each pass (the first dynamic input's), or (0, 0) without a dynamic input."""
    k = next((i for i, a in enumerate(batch_axes) if a is not None), None)
    if k is None:
        return 0, 0
    return first[0][k].shape[batch_axes[k]], second[0][k].shape[batch_axes[k]]


def _align(first, second, batch1, batch2):
    """Check that the second pass ran the same ops on the same constants; fill in the batch-sized axes.

    Returns {id of a constant of pass 1: (fill, dims)} for the constants filled with one value
    whose size follows the batch (see ``_batch_filled``): the graph builds those from the input's shape.
    """
    (inputs1, calls1, _), (inputs2, calls2, _) = first, second
    fills = {}
    origin1, origin2 = _Origins(inputs1, calls1), _Origins(inputs2, calls2)
    for c1, c2 in zip(calls1, calls2):
        if len(c1.inputs) != len(c2.inputs) or len(c1.outputs) != len(c2.outputs):
            other = "one longer on the batch axis" if batch1 != batch2 else "of other values"
            raise ExportError(
                f"onnx.export: {c1.op} in {c1.where} takes {len(c1.inputs)} inputs and gives {len(c1.outputs)} "
                f"outputs for the example but {len(c2.inputs)} and {len(c2.outputs)} for an input {other}; "
                f"a fixed graph cannot follow that{'; ' + FIXED_SIZES if batch1 != batch2 else ''}"
            )
        for j, (a, b) in enumerate(zip(c1.inputs, c2.inputs)):
            o1, o2 = origin1(a), origin2(b)
            if o1 == o2 and (o1 != ("leaf",) or _same_constant(a, b)):
                continue
            if o1 == o2 and a.shape != b.shape and batch1 != batch2:
                filled = _batch_filled(a, b, batch1, batch2)
                if filled is not None:
                    fills[id(a)] = filled
                    continue
            if o1 == o2 and a.shape != b.shape:
                what = (f"a constant whose shape follows the input's ({tuple(a.shape)} here, {tuple(b.shape)} "
                        "for another batch size): a value made outside minigrad's ops (zeros_like, a new "
                        "Tensor(...), .data, .numpy())")
            else:
                what = ("a value computed outside minigrad's ops from the model input "
                        "(through .data, .numpy() or a new Tensor(...))")
            raise ExportError(
                f"onnx.export: input {j} of {c1.op} in {c1.where} is {what}; the graph would freeze it. "
                "Compute it from the input with minigrad ops. A random draw differs between the passes too: "
                "F.dropout(x, p) drops in eval mode as well (its training=True default, as torch's), so "
                "write F.dropout(x, p, training=self.training) or use an nn.Dropout layer"
            )
        if c1.op == "GetItem":
            c1.params["index"] = _same_index(c1, c2, batch1 != batch2)
        elif c1.op in ("Pad", "PadMode") and c1.params["widths"] != c2.params["widths"]:
            raise ExportError(f"onnx.export: {c1.op} in {c1.where} pads by {c1.params['widths']} for the example and "
                              f"by {c2.params['widths']} for {_second_pass(batch1 != batch2)}: the graph holds one "
                              f"set of widths; give widths that do not depend on the input, or {FIXED_SIZES}")
        else:
            _same_numbers(c1, c2, batch1 != batch2)
        c1.dynamic_inputs = [_dynamic_axes(a, b, c1, f"input {j}") for j, (a, b) in
                             enumerate(zip(c1.inputs, c2.inputs))]
        c1.dynamic_outputs = [_dynamic_axes(a, b, c1, f"output {j}") for j, (a, b) in
                              enumerate(zip(c1.outputs, c2.outputs))]
    return fills


def _second_pass(resized) -> str:
    """What the second traced pass ran on, for an error: an input one longer on the batch axis, or other values."""
    return "an input one longer on the batch axis" if resized else "other values"


def _same_numbers(c1, c2, resized):
    """Refuse a call whose number parameters differ between the passes (``x.clamp(max=x.shape[0])``,
    ``x ** x.shape[0]``): the converters write the example's into the graph, which then kept it for every input.
    (Shapes and index arrays that follow the batch are the converters' to handle or refuse.)"""
    for key, a in c1.params.items():
        b = c2.params.get(key)
        numbers = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                      for v in (a, b))
        if numbers and a != b and not (a != a and b != b):
            raise ExportError(f"onnx.export: {c1.op} in {c1.where} takes {key}={a!r} for the example and {key}={b!r} "
                              f"for {_second_pass(resized)}: the graph holds one value; compute it with minigrad ops "
                              f"from the input or give a constant, or {FIXED_SIZES}")


def _index_axes(parts, ndim):
    """The input axis each part of an index reads (None for ``None``, which adds one)."""
    consumed = sum(0 if p is None or p is Ellipsis else getattr(p, "ndim", 1) if getattr(p, "dtype", None) == np.bool_
                   else 1 for p in parts)
    axes, axis = [], 0
    for p in parts:
        axes.append(None if p is None or p is Ellipsis else axis)
        if p is Ellipsis:
            axis += ndim - consumed
        elif p is not None:
            axis += getattr(p, "ndim", 1) if getattr(p, "dtype", None) == np.bool_ else 1
    return axes


def _same_index(c1, c2, resized):
    """The index of the traced GetItem ``c1``, checked against the second pass's (``c2``): the graph holds one index.
    A bound that moved with the axis's size (``x[:x.shape[0] - 1]`` on the batch axis: 3 at batch 4, 4 at batch 5)
    is rewritten to count from the end (-1); any other change (an index computed from the values, a bound of
    another size rule) is refused, where it was frozen at the example's value."""
    index1, index2 = c1.params["index"], c2.params["index"]
    single = not isinstance(index1, tuple)
    parts1, parts2 = ((index1,), (index2,)) if single else (index1, index2)
    n1, n2 = c1.inputs[0].shape, c2.inputs[0].shape

    def refuse():
        why = ("it depends on the input's values or on its size in a way the graph cannot follow; index from the "
               "end (x[:-1]) or with minigrad ops (gather, index_select)")
        def described(index):
            parts = index if isinstance(index, tuple) else (index,)
            shown = ", ".join(f"<{p.dtype} array of shape {tuple(p.shape)}>" if hasattr(p, "dtype") else repr(p)
                              for p in parts)
            return f"[{shown}]"

        raise ExportError(f"onnx.export: GetItem in {c1.where} indexes with {described(index1)} for the example and "
                          f"{described(index2)} for {_second_pass(resized)}: {why}")

    if len(parts1) != len(parts2):
        refuse()
    out = []
    for p, q, axis in zip(parts1, parts2, _index_axes(parts1, len(n1))):
        if hasattr(p, "dtype") or hasattr(q, "dtype"):   # an integer or bool array
            if not (hasattr(p, "dtype") and hasattr(q, "dtype") and _same_constant(Tensor(p), Tensor(q))):
                refuse()
            out.append(p)
            continue
        if type(p) is not type(q):
            refuse()
        delta = None if axis is None else n2[axis] - n1[axis]

        def bound(a, b, is_stop, step=1):
            if a == b:
                return a
            # a bound the size moved: counted from the end (never 0 there: that is the start, or an empty slice)
            if delta and is_integer(a) and is_integer(b) and a >= 0 and b - a == delta and not (is_stop and step < 0):
                if a - n1[axis] < 0:
                    return a - n1[axis]
                if is_stop and a == n1[axis]:   # the axis's end: x.narrow(0, 1, x.shape[0] - 1)
                    return None
            refuse()

        if isinstance(p, slice):
            if p.step != q.step:
                refuse()
            step = 1 if p.step is None else p.step
            out.append(slice(bound(p.start, q.start, False, step), bound(p.stop, q.stop, True, step), p.step))
        elif p is None or p is Ellipsis:
            out.append(p)
        else:
            out.append(bound(p, q, False))
    return out[0] if single else tuple(out)


def _same_ops(calls1, calls2, inputs, names, batch_axes):
    """Refuse two passes that applied different ops: the graph is one fixed list of them."""
    if [c.op for c in calls1] == [c.op for c in calls2]:
        return
    k = next((i for i, (a, b) in enumerate(zip(calls1, calls2)) if a.op != b.op), min(len(calls1), len(calls2)))
    where = calls1[k].where if k < len(calls1) else calls2[k].where
    dynamic = [f"axis {a} of {n!r} {tuple(x.shape)}" for n, x, a in zip(names, inputs, batch_axes) if a is not None]
    if len(calls1) != len(calls2) and dynamic:
        raise ExportError(
            f"onnx.export: the model applies {len(calls1)} ops to the example and {len(calls2)} to an input one "
            f"longer on the batch axis that dynamic_batch names ({', '.join(dynamic)}; first difference at op "
            f"{k}, in {where}): it loops over that axis, as a recurrent layer does over its time axis, and the "
            f"graph unrolls loops to the traced length, so that axis cannot be symbolic; {FIXED_SIZES}"
        )
    raise ExportError(
        f"onnx.export: the model applies different ops to different inputs (first difference at op {k}, "
        f"in {where}); ONNX export records one fixed graph, so control flow must not depend on the values"
    )


# Reasons that are clauses of their own ("ONNX has no ... operator"); the others name what the op is
# ("a training loss"), after "it is". Every "ONNX has no" reason read "cannot be exported: it is ONNX has no...".
_CLAUSES = ("ONNX ", "its ", "as ")


def _unsupported(call):
    reason = NOT_EXPORTED.get(call.op)
    why = ("it has no ONNX mapping" if not reason else reason if reason.startswith(_CLAUSES) else
           f"it is {reason}")
    return ExportError(
        f"onnx.export: op {call.op}, used in {call.where}, cannot be exported: {why}. "
        f"Ops that export: {', '.join(sorted(CONVERTERS))}. "
        "A new mapping goes into minigrad.onnx.converters.CONVERTERS"
    )


def export(model, example_input, path, opset: int = 17, input_names=None, output_names=None,
           dynamic_batch=True):
    """Write ``model`` as an ONNX file at ``path`` (atomically) by tracing one forward pass.

    ``example_input`` is a Tensor or array, or a tuple of them for a model of
    several inputs (an input may itself be a nest of tuples and lists of tensors, such as an LSTM's ``(h, c)``:
    its leaves become graph inputs in order, and nested outputs are flattened the same way, as
    torch.onnx.export does); ``model`` is a ``Layer`` (traced in eval mode: Dropout is the
    identity, BatchNorm uses its running statistics; its modes are restored
    after) or any callable built from minigrad ops. ``dynamic_batch`` says which
    input axis is the symbolic dimension ``"batch"``: True (axis 0 of every input),
    False (none: all sizes fixed), an int (that axis of every input, e.g. 1 for a
    time-major (T, N, F) sequence), or a dict {input name: axis} (inputs not named
    keep fixed sizes). The graph is
    checked with ``onnx.checker.check_model`` before it is written; the
    ``onnx.ModelProto`` is returned. ``path`` may also be a binary file object (``io.BytesIO()``), as
    torch.onnx.export's ``f`` may: the model is written into it at its position.
    """
    onnx = _onnx()
    value = as_integer(opset)
    if value is None or not MIN_OPSET <= value <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"onnx.export: Invalid opset: {opset!r} (expected an int from {MIN_OPSET} to "
            f"{onnx.defs.onnx_opset_version()})"
        )
    opset = value
    if not callable(model):
        raise TypeError(f"onnx.export: model must be a Layer or a callable, got {type(model).__name__}")
    check_path("onnx.export", path, "write")
    inputs, structure = _as_inputs(example_input)
    arguments = lambda flat: _rebuild(iter(flat), structure)   # noqa: E731  (the model's arguments, nested)
    in_names = _names(input_names, len(inputs), "input", "input_names")
    batch_axes = _batch_axes(dynamic_batch, inputs, in_names)
    first, second, entry_names = _trace_twice(model, inputs, in_names, batch_axes, arguments)
    out_names = _names(output_names, len(first[2]), "output", "output_names")
    clash = set(in_names) & set(out_names)
    if clash:
        raise ValueError(f"onnx.export: {sorted(clash)[0]!r} is both an input and an output name")
    for call in first[1]:
        if call.op not in CONVERTERS:
            raise _unsupported(call)
    batches = _batch_sizes(first, second, batch_axes)
    fills = _align(first, second, *batches)
    graph = _build_graph(Graph(opset), first, second, fills, entry_names, in_names, out_names, batch_axes,
                         batches)
    proto = onnx.helper.make_model_gen_version(graph, producer_name="minigrad",
                                               opset_imports=[onnx.helper.make_opsetid("", opset)])
    onnx.checker.check_model(proto, full_check=True)
    if hasattr(path, "write"):   # torch.onnx.export's f may be a BytesIO: written at its position, not atomically
        path.write(proto.SerializeToString())
        return proto
    with atomic_file(os.fspath(path), suffix=".onnx") as f:
        f.write(proto.SerializeToString())
    return proto


def _trace_twice(model, inputs, names, batch_axes, arguments=tuple):
    """(inputs, calls, outputs) of the pass on the example and of the pass on a second input, and the
    names of the model's parameters and buffers by id; a Layer runs in eval mode and gets its modes back."""
    from minigrad.nn.layer import Layer

    layer_names, entry_names, modes = {}, {}, []
    if isinstance(model, Layer):
        layer_names = {id(layer): name for name, layer in model.named_layers()}
        entry_names = {id(t): n for n, t in [*model.named_parameters(), *model.named_buffers()]}
        modes = [(layer, layer.training) for layer in Layer.layers(model)]  # a child may be named layers
        model.eval()
    try:
        first = (inputs, *trace(model, inputs, layer_names, arguments))
        inputs2 = tuple(_second_input(x, axis) for x, axis in zip(inputs, batch_axes))
        with np.errstate(all="ignore"):
            second = (inputs2, *trace(model, inputs2, layer_names, arguments))
    finally:
        for layer, training in modes:
            object.__setattr__(layer, "training", training)
    _same_ops(first[1], second[1], inputs, names, batch_axes)
    if len(first[2]) != len(second[2]):
        raise ExportError("onnx.export: the model returns a different number of outputs for different inputs")
    origin1, origin2 = _Origins(inputs, first[1]), _Origins(inputs2, second[1])
    for k, (a, b) in enumerate(zip(first[2], second[2])):
        if origin1(a) != origin2(b) or (origin1(a) == ("leaf",) and not _same_constant(a, b)):
            raise ExportError(f"onnx.export: output {k} of the model is not computed from its input by "
                              "minigrad ops (it changes with the input outside them); the graph would freeze it")
    return first, second, entry_names


def _build_graph(g, first, second, fills, entry_names, in_names, out_names, batch_axes, batches):
    """The ONNX graph of pass ``first``: inputs, one converter per call, constants as initializers."""
    helper = g.onnx.helper
    inputs, calls, outputs = first
    for name in (*in_names, *out_names):
        g.name(name)
    values = {id(t): name for t, name in zip(inputs, in_names)}
    g.array_names.update({id(t.data): name for t, name in zip(inputs, in_names)})

    reference = next(((name, axis) for name, axis in zip(in_names, batch_axes) if axis is not None), None)

    def value_of(tensor):
        if id(tensor) in fills:
            values[id(tensor)] = _filled(g, fills.pop(id(tensor)), *reference)
        elif id(tensor) not in values:  # a constant: a parameter, a buffer, or a number/array made on the way
            values[id(tensor)] = g.constant(to_numpy(tensor.data), entry_names.get(id(tensor), "const"))
        return values[id(tensor)]

    for call in calls:
        results = CONVERTERS[call.op](g, call, [value_of(t) for t in call.inputs])
        results = [results] if isinstance(results, str) else list(results)
        for out, name in zip(call.outputs, results):
            if call.op == IN_PLACE:   # later uses of the written Tensor read the value written into it
                values[id(out)] = name
                continue
            values.setdefault(id(out), name)
            g.array_names.setdefault(id(out.data), name)
    for name, out in zip(out_names, outputs):
        g.nodes.append(helper.make_node("Identity", [value_of(out)], [name], name=g.name("output")))

    def declared(name, tensor, other):
        """An axis that took the two batch sizes is "batch"; one that changed otherwise, its own symbol."""
        dims = [int(m) if m == n else "batch" if (m, n) == batches else f"{name}_dim{i}"
                for i, (m, n) in enumerate(zip(tensor.shape, other.shape))]
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(tensor.dtype)), dims)

    return helper.make_graph(
        g.nodes, "minigrad",
        [declared(n, x, x2) for n, x, x2 in zip(in_names, inputs, second[0])],
        [declared(n, o, o2) for n, o, o2 in zip(out_names, outputs, second[2])],
        g.initializers,
    )


def _filled(g, spec, input_name, axis):
    """ConstantOfShape for a batch-sized constant of one value, its batch axes read from an input's batch axis."""
    fill, dims = spec
    batch = g.node("Slice", [g.node("Shape", [input_name]), g.ints([axis], "starts"), g.ints([axis + 1], "ends")])
    parts = [g.ints([d], "dim") if isinstance(d, int) else
             (batch if d[1] == 1 else g.node("Mul", [batch, g.ints([d[1]], "times")])) for d in dims]
    shape = parts[0] if len(parts) == 1 else g.node("Concat", parts, axis=0)
    return g.node("ConstantOfShape", [shape], value=g.onnx.numpy_helper.from_array(fill, "fill"))
