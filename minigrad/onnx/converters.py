"""One ONNX mapping per op class: ``CONVERTERS[op name](graph, call, inputs) -> output name(s)``.

``call`` is the traced op (``trace.Call``): its parameters, its input and output
Tensors (shapes and dtypes of the traced pass) and, per input and output, the
axes whose size follows the batch size (``call.dynamic_outputs``), which must
stay symbolic in shapes written into the graph. ``inputs`` are the ONNX value
names of the op's inputs. A converter returns one name per op output.

To support a new op, add a function here (or in ``spatial_converters`` /
``recurrent_converters``) and register it under the op's class name with
``@converts("ClassName")``; ``tests/onnx`` checks that every op class
is either here or in ``NOT_EXPORTED``.
"""
from __future__ import annotations

import numpy as np

from minigrad.backend import to_numpy
from minigrad.onnx.graph import ExportError
from minigrad.ops.scatter_reduce import initial_value
from minigrad.scalars import is_integer

CONVERTERS = {}

# Ops that have no place in an inference graph, with the reason the error gives.
NOT_EXPORTED = {
    "SoftmaxCrossEntropy": "a training loss",
    "SquaredError": "a training loss",
    "SigmoidBinaryCrossEntropy": "a training loss",
    "WeightedSigmoidBinaryCrossEntropy": "a training loss",
    "BinaryCrossEntropy": "a training loss",
    "IndexAdd": "the adjoint of indexing, used by backward passes",
    "SigmoidBackward": "sigmoid's derivative in a recorded backward pass (create_graph=True)",
    "FoldWindows": "the adjoint of Tensor.unfold, used by backward passes",
    "AsStrided": "a view of a tensor's storage (as_strided): an ONNX graph's tensors have no storage to view",
    "StridedRegather": "the adjoint of as_strided, used by backward passes",
    "CTCNegLogLikelihood": "a training loss (CTC)",
    # Never met by the exporter: a PyTorch-style custom Function's forward runs minigrad ops, which export.
    "CustomNode": "the graph node of a PyTorch-style custom Function; its forward's ops are exported instead",
    "SyncBatchNormalize": "SyncBatchNorm's training-time normalisation over every rank's batch (a collective); "
                          "export the model in eval mode, where it is BatchNorm",
    "CheckpointNode": "the graph node of a minigrad.utils.checkpoint call, a training-time memory saving; export "
                      "the model without checkpointing (its ops export)",
    "StandardGamma": "a random draw (distributions.Gamma.rsample)",
    "StandardGammaGrad": "the reparameterized gradient of a Gamma draw, used by backward passes",
    "MedianOfAll": "the median over every dim: ONNX has no median operator",
    "RankIndex": "the positions median, nanmedian, kthvalue, quantile, mode, cummax and cummin pick, found by a NumPy "
                 "sort or scan of the values, which the graph would freeze at the example's (x.sort(dim) and "
                 "argsort with take_along_dim export)",
}

# Said by every refusal that a symbolic batch axis causes.
FIXED_SIZES = ("export with dynamic_batch=False (fixed sizes), or name the input's real batch axis with "
               "dynamic_batch=<axis> or {input name: axis}")

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def converts(*names):
    def register(fn):
        for name in names:
            CONVERTERS[name] = fn
        return fn
    return register


def _dtype(tensor):
    return np.dtype(tensor.dtype)


@converts("InPlaceWrite")   # trace.IN_PLACE: x.op_(...) wrote the op's value into x; no node, x now names it
def _in_place_write(g, call, x):
    return x[0]


# ---------------------------------------------------------------- elementwise
_UNARY = {"Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Abs": "Abs", "Sin": "Sin", "Cos": "Cos", "Erf": "Erf",
          "Tanh": "Tanh", "Sigmoid": "Sigmoid", "ReLU": "Relu", "Neg": "Neg",
          "ToDevice": "Identity", "Clone": "Identity", "Sign": "Sign"}
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "MatMul": "MatMul",
           "Maximum": "Max", "Minimum": "Min",
           "equal": "Equal", "less": "Less", "less_equal": "LessOrEqual", "greater": "Greater",
           "greater_equal": "GreaterOrEqual", "logical_and": "And", "logical_or": "Or"}


@converts(*_UNARY)
def _unary(g, call, x):
    return g.node(_UNARY[call.op], x)


# NumPy's (and torch's) + * maximum minimum of two bools are or/and; ONNX's Add, Mul, Max and Min take no bool
_BOOL_ARITHMETIC = {"Add": "Or", "Mul": "And", "Maximum": "Or", "Minimum": "And"}
_LOGICAL = ("logical_and", "logical_or")


@converts(*_BINARY)
def _binary(g, call, x):
    """One node; operands of two dtypes that the op promoted (int64 + a bool mask, int32 < int64) are cast to the
    dtype it computed in first, as ONNX wants one type (Pow excepted: its exponent may have another)."""
    out = _dtype(call.outputs[0])
    if call.op in _LOGICAL:
        common = np.dtype(np.bool_)
    elif out == np.bool_ and call.op not in _BOOL_ARITHMETIC:   # a comparison: the operands' common dtype
        common = np.result_type(*(_dtype(t) for t in call.inputs))
    else:
        common = out
    if call.op != "Pow":
        x = [v if _dtype(t) == common else g.node("Cast", [v], to=_onnx_type(g, common))
             for v, t in zip(x, call.inputs)]
    if common == np.bool_ and call.op in _BOOL_ARITHMETIC:
        return g.node(_BOOL_ARITHMETIC[call.op], x)
    return g.node(_BINARY[call.op], x)


@converts("not_equal")
def _not_equal(g, call, x):
    return g.node("Not", [g.node("Equal", x)])


@converts("logical_not")
def _logical_not(g, call, x):
    return g.node("Not", x[:1])  # traced as logical_not(a, a)


@converts("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not")
def _bitwise(g, call, x):
    """``& | ^ ~``: And/Or/Xor/Not on bool masks, the Bitwise* ops (opset 18) on integers. An operand of another
    dtype than the result (a bool mask & an int tensor, int32 & int64) is cast to it first, as ONNX wants one type."""
    name, out = call.op.split("_")[1].capitalize(), _dtype(call.outputs[0])
    x = [v if _dtype(t) == out else g.node("Cast", [v], to=_onnx_type(g, out)) for v, t in zip(x, call.inputs)]
    if out == np.bool_:
        return g.node(name, x)
    if g.opset < 18:
        raise ExportError(f"onnx.export: {call.op} of integers in {call.where} needs opset 18 or later "
                          f"(Bitwise{name}), got opset {g.opset}")
    return g.node(f"Bitwise{name}", x)


@converts("bitwise_left_shift", "bitwise_right_shift")
def _shift(g, call, x):
    """``<< >>``: ONNX's BitShift, which takes unsigned integers only (a signed shift is refused: an arithmetic
    right shift has no ONNX op); an operand of another dtype is cast to the result's first."""
    out = _dtype(call.outputs[0])
    if np.dtype(out).kind != "u":
        raise ExportError(f"onnx.export: {call.op} of {np.dtype(out)} in {call.where}: ONNX's BitShift takes "
                          "unsigned integers only")
    x = [v if _dtype(t) == out else g.node("Cast", [v], to=_onnx_type(g, out)) for v, t in zip(x, call.inputs)]
    return g.node("BitShift", x, direction="LEFT" if call.op == "bitwise_left_shift" else "RIGHT")


@converts("PowScalar")
def _pow_scalar(g, call, x):
    return g.node("Pow", [x[0], g.scalar(call.params["c"], _dtype(call.inputs[0]), "exponent")])


@converts("LeakyReLU")
def _leaky_relu(g, call, x):
    return g.node("LeakyRelu", x, alpha=float(call.params.get("negative_slope", 0.01)))


@converts("SiLU")
def _silu(g, call, x):
    return g.node("Mul", [x[0], g.node("Sigmoid", x)])


@converts("Softplus")
def _softplus(g, call, x):
    """ONNX's Softplus has no beta or threshold: Softplus(beta x) / beta, and x where beta x > threshold."""
    beta, threshold = call.params.get("beta", 1.0), call.params.get("threshold")
    if beta == 1 and threshold is None:
        return g.node("Softplus", x)
    dtype = _dtype(call.inputs[0])
    scaled = x[0] if beta == 1 else g.node("Mul", [x[0], g.scalar(beta, dtype, "beta")])
    y = g.node("Softplus", [scaled])
    if beta != 1:
        y = g.node("Div", [y, g.scalar(beta, dtype, "beta")])
    if threshold is None:
        return y
    linear = g.node("Greater", [scaled, g.scalar(threshold, dtype, "threshold")])
    return g.node("Where", [linear, x[0], y])


@converts("Mish")
def _mish(g, call, x):
    if g.opset >= 18:
        return g.node("Mish", x)
    return g.node("Mul", [x[0], g.node("Tanh", [g.node("Softplus", x)])])


@converts("ELU")
def _elu(g, call, x):
    return g.node("Elu", x, alpha=float(call.params.get("alpha", 1.0)))


@converts("GELU")
def _gelu(g, call, x):
    approximate = call.params.get("approximate", "none")
    if g.opset >= 20:
        return g.node("Gelu", x, approximate=approximate)
    dtype = _dtype(call.inputs[0])
    if approximate == "tanh":  # x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2
        cube = g.node("Mul", [x[0], g.node("Mul", [x[0], x[0]])])
        inner = g.node("Add", [x[0], g.node("Mul", [cube, g.scalar(0.044715, dtype, "kappa")])])
        half_plus = g.node("Tanh", [g.node("Mul", [inner, g.scalar(0.7978845608028654, dtype, "beta")])])
    else:  # x (1 + erf(x / sqrt 2)) / 2
        half_plus = g.node("Erf", [g.node("Mul", [x[0], g.scalar(0.7071067811865476, dtype, "sqrt_half")])])
    half_plus = g.node("Add", [half_plus, g.scalar(1.0, dtype, "one")])
    return g.node("Mul", [g.node("Mul", [x[0], g.scalar(0.5, dtype, "half")]), half_plus])


@converts("Clip", "Hardtanh")
def _clip(g, call, x):
    dtype = _dtype(call.inputs[0])
    # A missing bound of a float clamp is -inf/inf: ONNX's default (an empty input) is the dtype's lowest/largest
    # finite number, and clamp(x, min=0) turned inf into 3.4e38
    missing = {"lo": -np.inf, "hi": np.inf} if dtype.kind == "f" else {}
    bounds = [g.scalar(call.params[k], dtype, k) if call.params.get(k) is not None else
              g.scalar(missing[k], dtype, k) if k in missing else "" for k in ("lo", "hi")]
    return g.node("Clip", [x[0], *bounds])


@converts("ForwardClampMin")
def _forward_clamp_min(g, call, x):
    return g.node("Max", [x[0], g.scalar(call.params["eps"], _dtype(call.inputs[0]), "eps")])


@converts("Where")
def _where(g, call, x):
    cond = x[0] if _dtype(call.inputs[0]) == np.bool_ else g.node("Cast", [x[0]], to=_onnx_type(g, np.bool_))
    return g.node("Where", [cond, x[1], x[2]])


def _onnx_type(g, dtype):
    return g.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


@converts("AsType")
def _astype(g, call, x):
    return g.node("Cast", x, to=_onnx_type(g, call.params["dtype"]))


# ---------------------------------------------------------------- layers' fused ops
@converts("Affine", "AffineReLU")
def _affine(g, call, x):
    y = g.node("MatMul", x[:2])
    if len(x) == 3:
        y = g.node("Add", [y, x[2]])
    return g.node("Relu", [y]) if call.op == "AffineReLU" else y


@converts("BackwardHookInputs", "BackwardHookOutputs")
def _backward_hook_identity(g, call, x):
    # A layer's backward hooks route its inputs and outputs through identity nodes: identities in inference.
    outs = [g.node("Identity", [v]) for v in x]
    return outs if len(outs) > 1 else outs[0]


@converts("Softmax", "LogSoftmax")
def _softmax(g, call, x):
    return g.node(call.op, x, axis=int(call.params.get("axis", -1)))


# ---------------------------------------------------------------- reductions
def reduce(g, op_type, x, axes, keepdims):
    """A Reduce* node over ``axes`` (all axes for None), axes as attribute or input as the opset wants."""
    if axes is not None and len(axes) == 0:
        return g.node("Identity", [x])
    if axes is None:
        return g.node(op_type, [x], keepdims=int(keepdims))
    if op_type == "ReduceSum" or g.opset >= 18:
        return g.node(op_type, [x, g.ints(axes, "axes")], keepdims=int(keepdims))
    return g.node(op_type, [x], axes=[int(a) for a in axes], keepdims=int(keepdims))


_REDUCE = {"Sum": "ReduceSum", "Mean": "ReduceMean", "Max": "ReduceMax", "Min": "ReduceMin",
           "LogSumExp": "ReduceLogSumExp", "Prod": "ReduceProd"}


def any_nan(g, x, dtype, reducer):
    """Whether each slice holds a NaN: ``reducer(IsNaN(x) as 0/1 in dtype)`` cast to bool (ReduceMax/ArgMax of
    ONNX Runtime pass over NaN, where NumPy's and torch's max, min, argmax and argmin stop at it; so does its
    MaxPool, whose windows ``spatial_converters`` marks this way)."""
    return g.node("Cast", [reducer(g.node("Cast", [g.node("IsNaN", [x])], to=_onnx_type(g, dtype)))],
                  to=_onnx_type(g, np.bool_))


@converts(*_REDUCE)
def _reduction(g, call, x):
    axis = call.params.get("axis")
    axes = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    keepdims = call.params.get("keepdims", False)
    y = reduce(g, _REDUCE[call.op], x[0], axes, keepdims)
    dtype = _dtype(call.inputs[0])
    if call.op in ("Max", "Min") and dtype.kind == "f":   # a NaN in the slice is its max and min
        nan = any_nan(g, x[0], dtype, lambda v: reduce(g, "ReduceMax", v, axes, keepdims))
        y = g.node("Where", [nan, g.scalar(np.nan, dtype, "nan"), y])
    return y


@converts("Std")
def _std(g, call, x):
    axis, keepdims, correction = call.params["axis"], call.params["keepdims"], call.params["correction"]
    shape = call.inputs[0].shape
    axes = list(range(len(shape))) if axis is None else list(axis)
    if correction and any(a in call.dynamic_inputs[0] for a in axes):
        raise ExportError(f"onnx.export: Std in {call.where}: correction={correction} over the batch axis "
                          f"depends on the batch size; {FIXED_SIZES}")
    d = g.node("Sub", [x[0], reduce(g, "ReduceMean", x[0], axes, True)])
    v = reduce(g, "ReduceMean", g.node("Mul", [d, d]), axes, keepdims)
    if correction:  # the mean of squares times n / (n - correction)
        n = int(np.prod([shape[a] for a in axes]))
        v = g.node("Mul", [v, g.scalar(n / (n - correction), _dtype(call.inputs[0]), "correction")])
    return g.node("Sqrt", [v])


@converts("Norm")
def _norm(g, call, x):
    axis, keepdims, p = call.params["axis"], call.params["keepdims"], call.params["p"]
    axes = None if axis is None else tuple(axis)
    if p == 2.0:
        return reduce(g, "ReduceL2", x[0], axes, keepdims)
    dtype = _dtype(call.inputs[0])
    powered = g.node("Pow", [g.node("Abs", x), g.scalar(p, dtype, "p")])
    return g.node("Pow", [reduce(g, "ReduceSum", powered, axes, keepdims), g.scalar(1.0 / p, dtype, "inverse_p")])


@converts("CumSum")
def _cumsum(g, call, x):
    return g.node("CumSum", [x[0], g.scalar(call.params["axis"], np.int64, "axis")],
                  reverse=int(bool(call.params.get("reverse", False))))


@converts("argsort")
def _argsort(g, call, x):
    # TopK over the whole axis: its length read from the input, so a batch axis stays symbolic. ONNX's
    # TopK puts the lower index first among equal values, minigrad's stable order in either direction.
    axis = int(call.params["axis"])
    k = g.node("Gather", [g.node("Shape", x), g.ints([axis], "axis")], axis=0)
    return g.node("TopK", [x[0], k], n_outputs=2, axis=axis, largest=int(call.params["descending"]), sorted=1)[1]


@converts("argwhere")
def _argwhere(g, call, x):
    return g.node("Transpose", [g.node("NonZero", x)], perm=[1, 0])


@converts("count_nonzero")
def _count_nonzero(g, call, x):
    dtype = _dtype(call.inputs[0])
    truth = x[0] if dtype == np.bool_ else g.node("Not", [g.node("Equal", [x[0], g.scalar(0, dtype, "zero")])])
    counted = g.node("Cast", [truth], to=_onnx_type(g, np.int64))
    axis = call.params["axis"]
    return reduce(g, "ReduceSum", counted, None if axis is None else list(axis), False)


@converts("all", "any")
def _all_any(g, call, x):
    dtype = _dtype(call.inputs[0])
    truth = x[0] if dtype == np.bool_ else g.node("Not", [g.node("Equal", [x[0], g.scalar(0, dtype, "zero")])])
    counted = g.node("Cast", [truth], to=_onnx_type(g, np.int32))  # Reduce* take no bools before opset 20
    reduced = reduce(g, "ReduceMin" if call.op == "all" else "ReduceMax", counted, call.params["axis"],
                     call.params["keepdims"])
    return g.node("Cast", [reduced], to=_onnx_type(g, np.uint8 if dtype == np.uint8 else np.bool_))  # as the op


@converts("isnan", "isinf", "isfinite")
def _float_class(g, call, x):
    if _dtype(call.inputs[0]).kind != "f":  # integers: never NaN or infinite
        same = g.node("Equal", [x[0], x[0]])
        return same if call.op == "isfinite" else g.node("Not", [same])
    if call.op == "isnan":
        return g.node("IsNaN", x)
    if call.op == "isinf":
        return g.node("IsInf", x)
    return g.node("Not", [g.node("Or", [g.node("IsNaN", x), g.node("IsInf", x)])])


@converts("TakeAlongAxis")
def _take_along_axis(g, call, x):
    return g.node("GatherElements", x, axis=int(call.params["axis"]))


@converts("ScatterAdd")
def _scatter_add(g, call, x):
    if call.dynamic_inputs[0] or call.dynamic_inputs[1]:
        raise ExportError(f"onnx.export: ScatterAdd in {call.where} has a fixed index along the batch axis; "
                          f"{FIXED_SIZES}")
    if g.opset < 16:
        raise ExportError(f"onnx.export: ScatterAdd in {call.where} needs opset 16 or later (ScatterElements "
                          f"with reduction='add'), got opset {g.opset}")
    axis = int(call.params["axis"])
    index = np.broadcast_to(to_numpy(call.params["grid"][axis]).astype(np.int64), call.inputs[1].shape)
    return g.node("ScatterElements", [x[0], g.constant(index, "index"), x[1]], axis=axis, reduction="add")


def _fixed_index(g, call, opset, what):
    """Refuse a scatter whose (constant) positions would have to follow the batch size, or too old an opset."""
    if any(call.dynamic_inputs):
        raise ExportError(f"onnx.export: {call.op} in {call.where} has a fixed index along the batch axis; "
                          f"{FIXED_SIZES}")
    if g.opset < opset:
        raise ExportError(f"onnx.export: {call.op} in {call.where} needs opset {opset} or later ({what}), "
                          f"got opset {g.opset}")


@converts("Scatter")
def _scatter(g, call, x):
    """index_copy, scatter, masked_scatter and index_put: ScatterND at the full positions of every src entry."""
    accumulate = call.params.get("accumulate", False)
    _fixed_index(g, call, 16 if accumulate else 13, "ScatterND with reduction='add'" if accumulate else "ScatterND")
    shape = call.inputs[1].shape
    index = np.stack([np.broadcast_to(to_numpy(i).astype(np.int64), shape) for i in call.params["index"]], -1)
    return g.node("ScatterND", [x[0], g.constant(index, "index"), x[1]], reduction="add" if accumulate else None)


@converts("SparseDenseMM")
def _sparse_dense_mm(g, call, x):
    """minigrad.sparse.mm with a constant sparse pattern: the entries' dense rows gathered (Gather), scaled by the
    values (Mul), and added into their output rows (ScatterND with reduction='add' into zeros, duplicates adding up)."""
    _fixed_index(g, call, 16, "ScatterND with reduction='add'")
    rows = to_numpy(call.params["rows"].index).astype(np.int64)
    cols = to_numpy(call.params["cols"].index).astype(np.int64)
    dense = call.inputs[1]
    gathered = g.node("Gather", [x[1], g.constant(cols, "cols")], axis=0)
    scaled = g.node("Mul", [gathered, g.node("Unsqueeze", [x[0], g.ints([1], "axes")])])
    start = g.constant(np.zeros((int(call.params["n_rows"]), dense.shape[1]), dtype=_dtype(dense)), "zeros")
    return g.node("ScatterND", [start, g.constant(rows.reshape(-1, 1), "rows"), scaled], reduction="add")


@converts("SegmentProd", "SegmentExtreme")
def _segment_reduce(g, call, x):
    """scatter_reduce's prod, amax and amin: ScatterElements with a reduction into the empty segments' value."""
    if call.op == "SegmentProd":
        kind, reduction, opset = "prod", "mul", 16
    else:
        kind = "amax" if call.params["largest"] else "amin"
        reduction, opset = kind[1:], 18
    _fixed_index(g, call, opset, f"ScatterElements with reduction='{reduction}'")
    dtype = _dtype(call.inputs[0])
    start = g.constant(np.full(call.params["n"], initial_value(kind, dtype), dtype=dtype), "start")
    index = g.constant(to_numpy(call.params["seg"]).astype(np.int64), "segments")
    return g.node("ScatterElements", [start, index, x[0]], axis=0, reduction=reduction)


@converts("Einsum")
def _einsum(g, call, x):
    equation = call.params["equation"]
    letters = sorted({c for c in equation if c.isalpha()})
    if len(letters) > 26:  # ONNX's Einsum takes lower-case letters only
        raise ExportError(f"onnx.export: Einsum in {call.where} uses {len(letters)} letters; ONNX allows 26")
    lower = {c: chr(ord("a") + i) for i, c in enumerate(letters)}
    return g.node("Einsum", x, equation="".join(lower.get(c, c) for c in equation))


@converts("argmax", "argmin")
def _arg_reduction(g, call, x):
    op_type = "ArgMax" if call.op == "argmax" else "ArgMin"
    axis, keepdims = call.params["axis"], bool(call.params["keepdims"])
    dtype = _dtype(call.inputs[0])

    def arg(v, axis, keepdims):
        y = g.node(op_type, [v], axis=axis, keepdims=keepdims)
        if dtype.kind != "f":
            return y
        # the first NaN where a slice holds one, as NumPy's and torch's: ArgMax of IsNaN finds it
        first_nan = g.node("ArgMax", [g.node("Cast", [g.node("IsNaN", [v])], to=_onnx_type(g, dtype))], axis=axis,
                           keepdims=keepdims)
        nan = any_nan(g, v, dtype, lambda w: reduce(g, "ReduceMax", w, [axis], bool(keepdims)))
        return g.node("Where", [nan, first_nan, y])

    if axis is not None:
        return arg(x[0], int(axis), int(keepdims))
    flat = g.node("Reshape", [x[0], g.ints([-1], "shape")])
    y = arg(flat, 0, 0)
    if keepdims:  # NumPy keeps every axis, each of length 1
        y = g.node("Reshape", [y, g.ints([1] * call.inputs[0].ndim, "shape")])
    return y


# ---------------------------------------------------------------- shapes
def _shape_with_batch(call, shape, dynamic, what):
    """``shape`` with its batch-sized axis as -1 (at most one may follow the batch)."""
    if len(dynamic) > 1:
        raise ExportError(
            f"onnx.export: {call.op} in {call.where} makes {what} of shape {tuple(shape)} whose axes "
            f"{sorted(dynamic)} all follow the batch size; {FIXED_SIZES}"
        )
    return [-1 if i in dynamic else int(s) for i, s in enumerate(shape)]


@converts("Reshape")
def _reshape(g, call, x):
    out = call.outputs[0]
    shape = _shape_with_batch(call, out.shape, call.dynamic_outputs[0], "an output")
    return g.node("Reshape", [x[0], g.ints(shape, "shape")])


@converts("Transpose")
def _transpose(g, call, x):
    return g.node("Transpose", x, perm=[int(a) for a in call.params["axes"]])


@converts("Concat")
def _concat(g, call, x):
    return g.node("Concat", x, axis=int(call.params["axis"]))


@converts("Stack")
def _stack(g, call, x):
    axis = g.ints([call.params["axis"]], "axes")
    return g.node("Concat", [g.node("Unsqueeze", [xi, axis]) for xi in x], axis=int(call.params["axis"]))


def split(g, x, sizes, axis):
    """A Split node cutting ``x`` into pieces of the given sizes along ``axis``; the list of their names."""
    return g.node("Split", [x, g.ints(sizes, "split")], n_outputs=len(sizes), axis=int(axis)) if len(sizes) > 1 \
        else [g.node("Identity", [x])]


@converts("Split")
def _split(g, call, x):
    axis = int(call.params["axis"])
    n = len(call.outputs)
    if axis in call.dynamic_inputs[0]:
        if not isinstance(call.params["sections"], int):
            raise ExportError(
                f"onnx.export: Split in {call.where} cuts the batch axis at fixed indices; {FIXED_SIZES}"
            )
        if g.opset >= 18:
            return g.node("Split", [x[0]], n_outputs=n, axis=axis, num_outputs=n)
        return g.node("Split", [x[0]], n_outputs=n, axis=axis)
    return split(g, x[0], [o.shape[axis] for o in call.outputs], axis)


@converts("BroadcastTo", "Expand")   # Tensor.expand: a view, exported as the same broadcast
def _broadcast_to(g, call, x):
    shape = list(call.outputs[0].shape)
    lead = len(shape) - call.inputs[0].ndim
    for axis in call.dynamic_outputs[0]:
        if axis < lead or axis - lead not in call.dynamic_inputs[0]:
            raise ExportError(
                f"onnx.export: {call.op} in {call.where} broadcasts to the batch size, which the graph "
                f"cannot know from this input; {FIXED_SIZES}"
            )
        shape[axis] = 1  # Expand broadcasts both ways: 1 keeps the input's own batch size
    return g.node("Expand", [x[0], g.ints(shape, "shape")])


@converts("SumTo")
def _sum_to(g, call, x):
    source, target = call.inputs[0], tuple(call.params["shape"])
    lead = source.ndim - len(target)
    dynamic = call.dynamic_inputs[0]
    kept = [lead + i for i, n in enumerate(target)
            if n == 1 and (source.shape[lead + i] != 1 or lead + i in dynamic)]
    y = reduce(g, "ReduceSum", x[0], kept, True) if kept else x[0]
    return reduce(g, "ReduceSum", y, list(range(lead)), False) if lead else g.node("Identity", [y])


# ---------------------------------------------------------------- indexing
@converts("GetItem")
def _getitem(g, call, x):
    index = call.params["index"]
    parts = list(index) if isinstance(index, tuple) else [index]
    ndim = call.inputs[0].ndim
    arrays = [i for i, p in enumerate(parts) if hasattr(p, "dtype") and getattr(p, "ndim", 0) > 0]
    if arrays:
        return _gather(g, call, x[0], parts, arrays, ndim)
    if sum(p is Ellipsis for p in parts) > 1:
        raise ExportError(f"onnx.export: GetItem in {call.where}: an index may hold one Ellipsis, got {index!r}")
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        named = sum(p is not None for p in parts) - 1
        parts[at:at + 1] = [slice(None)] * (ndim - named)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    in_axis = out_axis = 0
    for p in parts:
        if p is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(p, slice):
            if p != slice(None):
                step = 1 if p.step is None else int(p.step)
                start = (0 if step > 0 else INT64_MAX) if p.start is None else int(p.start)
                end = (INT64_MAX if step > 0 else INT64_MIN) if p.stop is None else int(p.stop)
                starts.append(start), ends.append(end), axes.append(in_axis), steps.append(step)
            out_axis += 1
        elif is_integer(p):
            i = int(p)
            starts.append(i), ends.append(INT64_MAX if i == -1 else i + 1), axes.append(in_axis), steps.append(1)
            squeeze.append(in_axis)
        else:
            raise ExportError(f"onnx.export: GetItem in {call.where}: index {p!r} is not supported")
        in_axis += 1
    y = x[0]
    if axes:
        y = g.node("Slice", [y, g.ints(starts, "starts"), g.ints(ends, "ends"), g.ints(axes, "axes"),
                             g.ints(steps, "steps")])
    if squeeze:
        y = g.node("Squeeze", [y, g.ints(squeeze, "axes")])
    if unsqueeze:
        y = g.node("Unsqueeze", [y, g.ints(unsqueeze, "axes")])
    return y if y is not x[0] else g.node("Identity", [y])


def _gather(g, call, x, parts, arrays, ndim):
    """``x[..., idx, ...]`` with one integer array and full slices elsewhere: a Gather."""
    at = arrays[0]
    rest = parts[:at] + parts[at + 1:]
    idx = to_numpy(parts[at])
    if len(arrays) > 1 or idx.dtype.kind not in "iu" or any(p != slice(None) for p in rest if p is not Ellipsis):
        raise ExportError(
            f"onnx.export: GetItem in {call.where}: only one integer-array index with full slices "
            "elsewhere exports (a Gather); boolean masks and mixed advanced indices do not"
        )
    axis = at if Ellipsis not in parts[:at] else ndim - (len(parts) - at)
    return g.node("Gather", [x, g.constant(idx.astype(np.int64), "indices")], axis=int(axis))


# The image and sequence ops register themselves (their classes come with the convolution and recurrent layers).
from minigrad.onnx import (activation_converters, elementwise_converters, recurrent_converters,  # noqa: E402,F401
                           shape_converters, spatial_converters)
from minigrad.onnx import special_converters  # noqa: E402,F401  (the special functions and their refusals)
