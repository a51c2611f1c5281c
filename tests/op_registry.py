"""The op registry: every differentiable op, layer and loss with sample inputs.

This is the one table that every gradient test reads (like PyTorch's OpInfo or
Chainer's FunctionTestCase). Each ``OpInfo`` names a public op, gives a
function of Tensors, and sample inputs. In a ``Sample``, float arrays become
float64 Tensors that require grad (the inputs that are checked); other arrays
(integer indices, boolean masks) become constant Tensors; anything else is
passed through as is. Samples cover broadcasting, keepdims, scalars and
size-1 axes, and keep away from kinks (0 for relu and abs, ties for max)
where a derivative does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import minigrad as mg

_rng = np.random.default_rng(1234)


def rnd(*shape):
    """Standard normal float64 sample data."""
    return _rng.standard_normal(shape)


def pos(*shape):
    """Positive float64 sample data in [0.5, 2)."""
    return _rng.uniform(0.5, 2.0, shape)


def away(*shape, gap=0.2):
    """Float64 data with |x| >= gap: safe for relu, abs, clip and other kinks at 0."""
    x = _rng.standard_normal(shape)
    return np.where(x >= 0, x + gap, x - gap)


def normal_from(rng):
    """``rnd`` drawing from another generator (a later block's own, so the samples drawn before it stay)."""
    return lambda *shape: rng.standard_normal(shape)


def distinct_from(rng):
    """``distinct`` drawing from another generator."""

    def draw(*shape):
        n = int(np.prod(shape)) if shape else 1
        return (rng.permutation(n) + rng.uniform(0.1, 0.4, n)).reshape(shape) * 0.5

    return draw


def distinct(*shape):
    """Float64 data without ties, so max/min have a derivative."""
    return distinct_from(_rng)(*shape)


@dataclass
class Sample:
    """One set of arguments for an op."""

    args: tuple
    kwargs: dict = field(default_factory=dict)

    def tensors(self, device):
        out = []
        for a in self.args:
            if isinstance(a, np.ndarray):
                t = mg.tensor(a, dtype=a.dtype, device=device)
                if a.dtype == np.float64:
                    t.requires_grad_()
                out.append(t)
            else:
                out.append(a)
        return tuple(out)

    def kwargs_on(self, device):
        """The keyword arguments as a user on ``device`` passes them: their arrays and tensors (in lists too, such as
        gradient's spacing) on it, as the checked inputs are. On the CPU they stay as written (NumPy arrays among
        them, which minigrad takes there)."""
        if device is None or mg.device(device).type == "cpu":
            return self.kwargs
        return {k: _on(v, device) for k, v in self.kwargs.items()}

    def __repr__(self):
        shapes = [a.shape if isinstance(a, np.ndarray) else a for a in self.args]
        return f"{shapes}{self.kwargs or ''}"


def S(*args, **kwargs):
    return Sample(args, kwargs)


@dataclass
class OpInfo:
    """A differentiable op (or layer or loss) and how to check it."""

    name: str
    fn: Callable
    samples: list
    gradgrad: bool = True
    # Second derivatives checked in one random direction per input (gradcheck's fast_mode, as torch's own
    # suite does for slow ops) instead of entry by entry: only for stacked bidirectional recurrent layers,
    # whose full check takes 10 to 30 s each and whose cells are checked entry by entry in their smaller entries.
    gradgrad_fast: bool = False
    # float64 central differences with eps = 1e-6 are good to about 1e-10 (truncation eps^2, rounding
    # 1e-16 / eps): these bounds leave a thousandfold margin and still catch a backward that is 1e-6 off.
    eps: float = 1e-6
    atol: float = 1e-7
    rtol: float = 1e-6
    # On a GPU a backward that scatter-adds many taps into one entry (grid_sample's) adds them atomically, in
    # any order, so two passes may differ in the last bits; torch's OpInfo allows grid_sample the same 1e-12.
    gpu_nondet_tol: float = 0.0

    def nondet_tol(self, device):
        return self.gpu_nondet_tol if device != "cpu" else 0.0

    def call(self, sample):
        def fn(*tensors):
            where = next((t.device for t in tensors if isinstance(t, mg.Tensor)), None)
            return self.fn(*tensors, **sample.kwargs_on(where))
        return fn


def _on(value, device):
    """``value`` moved to ``device``: a Tensor by ``.to``, a NumPy array as that device's raw array (a CuPy array
    on a GPU, as a user's own would be), lists and tuples entry by entry."""
    from minigrad import backend

    if isinstance(value, mg.Tensor):
        return value.to(device)
    if isinstance(value, np.ndarray):
        return backend.to_device(value, device)
    if type(value) in (list, tuple):   # not a named tuple (a recorded node's geometry): its fields are no arrays
        return type(value)(_on(v, device) for v in value)
    return value


def _idx(*values):
    return np.array(values, dtype=np.int64)


OPS = [
    OpInfo("add", mg.add, [S(rnd(3, 4), rnd(3, 4)), S(rnd(3, 4), rnd(4)), S(rnd(2, 1, 3), rnd(4, 1)),
                           S(rnd(3), 2.5), S(1.5, rnd(2, 2)), S(rnd(1), rnd(3)), S(rnd(), rnd(2, 3))]),
    OpInfo("sub", mg.sub, [S(rnd(3, 4), rnd(3, 4)), S(rnd(2, 1, 3), rnd(4, 1)), S(rnd(3), 2.5),
                           S(1.5, rnd(2, 2)), S(rnd(), rnd(2, 3))]),
    OpInfo("mul", mg.mul, [S(rnd(3, 4), rnd(3, 4)), S(rnd(3, 4), rnd(4)), S(rnd(2, 1, 3), rnd(4, 1)),
                           S(rnd(3), -2.0), S(rnd(1, 1), rnd(2, 3))]),
    OpInfo("div", mg.div, [S(rnd(3, 4), pos(3, 4)), S(rnd(2, 3), pos(3)), S(rnd(3, 1), pos(1, 2)),
                           S(2.0, pos(3)), S(rnd(3), 4.0)]),
    OpInfo("pow", mg.pow, [S(rnd(3, 2), 2), S(rnd(4), 3), S(pos(3), 0.5), S(pos(2, 2), -1.5),
                           S(pos(3, 2), rnd(3, 2)), S(pos(2, 3), rnd(3)), S(2.0, rnd(3))]),
    OpInfo("neg", mg.neg, [S(rnd(3, 2)), S(rnd())]),
    OpInfo("matmul", mg.matmul, [S(rnd(3, 4), rnd(4, 2)), S(rnd(4), rnd(4)), S(rnd(4), rnd(4, 3)),
                                 S(rnd(3, 4), rnd(4)), S(rnd(2, 3, 4), rnd(4, 5)),
                                 S(rnd(2, 3, 4), rnd(2, 4, 2)), S(rnd(2, 1, 3, 4), rnd(3, 4, 2))]),
    OpInfo("sum", mg.sum, [S(rnd(3, 4)), S(rnd(3, 4), axis=0), S(rnd(2, 3, 4), axis=(0, 2)),
                           S(rnd(2, 3, 4), axis=-1, keepdims=True), S(rnd()), S(rnd(1, 3), axis=0)]),
    OpInfo("mean", mg.mean, [S(rnd(3, 4)), S(rnd(3, 4), axis=1), S(rnd(2, 3, 4), axis=(0, 1), keepdims=True)]),
    OpInfo("var", mg.var, [S(rnd(3, 4), ddof=0), S(rnd(3, 4), axis=0), S(rnd(3, 4), axis=1, ddof=1, keepdims=True)]),
    OpInfo("max", mg.max, [S(distinct(3, 4)), S(distinct(3, 4), axis=1), S(distinct(2, 3, 4), axis=(0, 2)),
                           S(distinct(3, 4), axis=0, keepdims=True)]),
    OpInfo("min", mg.min, [S(distinct(3, 4)), S(distinct(3, 4), axis=1),
                           S(distinct(2, 3), axis=-1, keepdims=True)]),
    OpInfo("logsumexp", mg.logsumexp, [S(rnd(3, 4)), S(rnd(3, 4), axis=1), S(rnd(2, 3, 4), axis=(0, 2)),
                                       S(rnd(3, 4) + 500.0, axis=1, keepdims=True)]),
    OpInfo("reshape", mg.reshape, [S(rnd(2, 3, 4), (6, 4)), S(rnd(2, 3), (-1,)), S(rnd(6), (1, 2, 3))]),
    OpInfo("transpose", mg.transpose, [S(rnd(2, 3)), S(rnd(2, 3, 4), 1, 0, 2), S(rnd(2, 3, 4), 2, 0, 1)]),
    OpInfo("squeeze", mg.squeeze, [S(rnd(1, 3, 1)), S(rnd(1, 3, 1), axis=0), S(rnd(2, 1), axis=-1)]),
    OpInfo("expand_dims", mg.expand_dims, [S(rnd(2, 3), 1), S(rnd(3), -1), S(rnd(2, 3), 0)]),
    OpInfo("flatten", mg.flatten, [S(rnd(2, 3, 2)), S(rnd(4))]),
    OpInfo("broadcast_to", mg.broadcast_to, [S(rnd(3), (2, 3)), S(rnd(3, 1), (3, 4)), S(rnd(), (2, 2)),
                                             S(rnd(1, 2, 1), (3, 2, 2))]),
    OpInfo("sum_to", mg.sum_to, [S(rnd(2, 3, 4), (3, 1)), S(rnd(2, 3), (3,)), S(rnd(2, 3), (1, 1)),
                                 S(rnd(3, 2), ())]),
    OpInfo("getitem", mg.getitem, [
        S(rnd(4, 3), 1), S(rnd(4, 3), (slice(1, 3), -1)), S(rnd(4, 3), (None, Ellipsis, 0)),
        S(rnd(5), slice(None, None, -2)), S(rnd(5), _idx(0, 0, 3, 0)), S(rnd(4, 3), (_idx(1, 1, 2), _idx(0, 0, 2))),
        S(rnd(4, 3), rnd(4, 3) > 0), S(rnd(4, 3), (slice(None), _idx(2, 2)))]),
    OpInfo("concat", lambda *xs, axis=0: mg.concat(xs, axis=axis),
           [S(rnd(2, 3), rnd(1, 3)), S(rnd(2, 3), rnd(2, 1), rnd(2, 2), axis=1)]),
    # torch.cat's legacy empty 1-D input, left out of the join yet given its empty gradient
    OpInfo("cat", lambda *xs, dim=0: mg.cat(xs, dim), [S(rnd(0), rnd(2, 3), rnd(2, 1), dim=1), S(rnd(3), rnd(0))]),
    OpInfo("stack", lambda *xs, axis=0: mg.stack(xs, axis=axis),
           [S(rnd(2, 3), rnd(2, 3)), S(rnd(3), rnd(3), rnd(3), axis=1)]),
    OpInfo("split", mg.split, [S(rnd(6, 2), 3, axis=0), S(rnd(2, 5), [1, 3], axis=1)]),
    OpInfo("exp", mg.exp, [S(rnd(3, 4)), S(rnd())]),
    OpInfo("log", mg.log, [S(pos(3, 4))]),
    OpInfo("sqrt", mg.sqrt, [S(pos(3, 4))]),
    OpInfo("abs", mg.abs, [S(away(3, 4))]),
    OpInfo("sin", mg.sin, [S(rnd(3, 4))]),
    OpInfo("cos", mg.cos, [S(rnd(3, 4))]),
    OpInfo("tanh", mg.tanh, [S(rnd(3, 4)), S(rnd(3) * 3)]),
    OpInfo("sigmoid", mg.sigmoid, [S(rnd(3, 4)), S(np.array([-30.0, 30.0, 0.5]))]),
    OpInfo("relu", mg.relu, [S(away(3, 4))]),
    OpInfo("leaky_relu", mg.leaky_relu, [S(away(3, 4)), S(away(5), negative_slope=0.2)]),
    OpInfo("softplus", mg.softplus, [S(rnd(3, 4)), S(np.array([-50.0, 50.0, 0.3]))]),
    OpInfo("clip", mg.clip, [S(np.array([-2.0, -0.7, 0.1, 0.6, 1.9]), -1.0, 1.0),
                             S(np.array([-2.0, 0.5, 3.0]), lo=0.0), S(np.array([-2.0, 0.5, 3.0]), hi=1.0)]),
    OpInfo("maximum", mg.maximum, [S(distinct(3, 4), distinct(3, 4) + 0.05), S(distinct(2, 3), distinct(3) + 0.05),
                                   S(distinct(4), 1.1)]),
    OpInfo("minimum", mg.minimum, [S(distinct(3, 4), distinct(3, 4) + 0.05), S(distinct(2, 3), distinct(3) + 0.05)]),
    OpInfo("where", mg.where, [S(rnd(3, 4) > 0, rnd(3, 4), rnd(3, 4)), S(rnd(3, 1) > 0, rnd(4), rnd(3, 4)),
                               S(rnd(3) > 0, rnd(3), 0.0)]),
    OpInfo("astype", lambda x, dtype: mg.astype(x, dtype).astype("float64") * 1.0,
           [S(rnd(3, 2), "float32")], eps=1e-3, atol=1e-4),
]

# Convolution and pooling: stride, padding, dilation, groups and bias, odd sizes, 1x1 kernels,
# stride larger than the kernel, batch 1. tests/ops/test_conv_pool_torch.py checks the same
# samples' values and gradients against torch.nn.functional.
CONV_SAMPLES = [
    S(rnd(2, 2, 5, 5), rnd(3, 2, 3, 3), rnd(3)),
    S(rnd(2, 2, 5, 6), rnd(3, 2, 3, 3), rnd(3), stride=2, padding=1),
    S(rnd(1, 2, 6, 5), rnd(2, 2, 3, 2), None, stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    S(rnd(2, 3, 4, 3), rnd(2, 3, 1, 1), rnd(2)),
    S(rnd(1, 2, 7, 7), rnd(2, 2, 2, 2), rnd(2), stride=3),
    S(rnd(2, 4, 4, 5), rnd(4, 2, 3, 3), rnd(4), padding=1, groups=2),
    S(rnd(1, 3, 5, 4), rnd(3, 1, 3, 3), None, padding=2, dilation=2, groups=3),
    S(rnd(1, 2, 5, 5), rnd(2, 2, 2, 4), rnd(2), padding="same", dilation=(2, 1)),
    S(rnd(1, 1, 4, 4), rnd(2, 1, 4, 4), rnd(2), padding="valid"),
]
CONV_TRANSPOSE_SAMPLES = [
    S(rnd(2, 3, 3, 3), rnd(3, 2, 3, 3), rnd(2)),
    S(rnd(1, 2, 3, 4), rnd(2, 3, 3, 3), rnd(3), stride=2, padding=1, output_padding=1),
    S(rnd(1, 4, 3, 4), rnd(4, 1, 2, 3), None, stride=(2, 1), dilation=(1, 2), groups=2),
    S(rnd(1, 2, 3, 2), rnd(2, 2, 1, 1), rnd(2), stride=2, output_padding=(1, 0)),
]
MAX_POOL_SAMPLES = [
    S(distinct(2, 2, 4, 4), 2),
    S(distinct(1, 2, 5, 7), 3, stride=2, padding=1),
    S(distinct(2, 1, 5, 6), (2, 3), stride=(1, 2), ceil_mode=True),
    S(distinct(1, 2, 7, 7), 2, stride=3),
    S(distinct(1, 2, 5, 5), 2, stride=1, padding=1, dilation=2),
]
AVG_POOL_SAMPLES = [
    S(rnd(2, 2, 4, 4), 2),
    S(rnd(1, 2, 5, 6), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    S(rnd(1, 1, 5, 7), (1, 2), stride=3),
    S(rnd(2, 1, 5, 5), 3, stride=2, padding=1),
]
ADAPTIVE_SAMPLES = [S(rnd(2, 2, 7, 6), (3, 4)), S(rnd(1, 2, 5, 5), 1), S(rnd(1, 1, 4, 7), (None, 3))]
PAD_SAMPLES = [S(rnd(2, 3, 3), (1, 2)), S(rnd(1, 2, 3, 3), (1, 0, 2, 1), value=0.5)]

OPS += [
    OpInfo("conv2d", mg.conv2d, CONV_SAMPLES),
    OpInfo("conv_transpose2d", mg.conv_transpose2d, CONV_TRANSPOSE_SAMPLES),
    OpInfo("max_pool2d", mg.max_pool2d, MAX_POOL_SAMPLES),
    OpInfo("avg_pool2d", mg.avg_pool2d, AVG_POOL_SAMPLES),
    OpInfo("adaptive_avg_pool2d", mg.adaptive_avg_pool2d, ADAPTIVE_SAMPLES),
    OpInfo("pad", mg.pad, PAD_SAMPLES),
]

from nn_registry import NN_OPS  # noqa: E402  (layers and losses; it imports this module's helpers)

# Everything below draws its samples after nn_registry has drawn its own, which stay as they were.
from minigrad import backend  # noqa: E402
from minigrad.ops.conv import Conv2dWeight  # noqa: E402
from minigrad.ops.embedding import RowSum, _Plan  # noqa: E402
from minigrad.ops.indexing import IndexAdd  # noqa: E402
from minigrad.ops.pool import AvgPoolAdjoint, MaxPoolGather, MaxPoolScatter  # noqa: E402

# to_device: a round trip through the host, so cpu -> cpu on the CPU and cuda -> cpu -> cuda on a GPU.
OPS += [OpInfo("to_device", lambda x: mg.to_device(mg.to_device(x, "cpu"), x.device), [S(rnd(3, 2)), S(rnd())])]


# Internal nodes that only their parent op creates, as its derivative (or its derivative's derivative).
# Reached through the parent, some of their backwards never run under gradgradcheck (MaxPoolGather's
# never runs at all); applied directly here, each gets gradcheck and gradgradcheck of its own. Their
# parameters (geometry, routing index, scale) come from the node the parent records on a sample.
def _recorded(fn, source, *args, **kwargs):
    """``fn`` applied to a float64 copy of ``source`` that requires grad: (output shape, the node recorded)."""
    with mg.enable_grad():
        y = fn(mg.tensor(source, dtype="float64", requires_grad=True), *args, **kwargs)
    return y.shape, y.creator


def max_pool_scatter(g, geo, index, in_hw):
    return MaxPoolScatter.apply(g, geo=geo, index=backend.to_device(index, g.device), in_hw=in_hw)


def max_pool_gather(x, geo, index):
    return MaxPoolGather.apply(x, geo=geo, index=backend.to_device(index, x.device))


def avg_pool_adjoint(g, geo, scale, in_hw):
    return AvgPoolAdjoint.apply(g, geo=geo, scale=scale, in_hw=in_hw)


def conv2d_weight(u, v, geo):
    return Conv2dWeight.apply(u, v, geo=geo)


def index_add(g, *index, shape):
    parts = tuple(p.data if isinstance(p, mg.Tensor) else p for p in index)
    return IndexAdd.apply(g, index=parts[0] if len(parts) == 1 else parts, shape=shape)


def row_sum(g, index, num_rows):
    return RowSum.apply(g, plan=_Plan(index.data), num_rows=num_rows)


def _max_pool_samples(gather):
    out = []
    for s in MAX_POOL_SAMPLES:  # tie-free images, so each window's routing is unambiguous
        x = s.args[0]
        y_shape, node = _recorded(mg.max_pool2d, x, *s.args[1:], **s.kwargs)
        if gather:
            out.append(S(rnd(*x.shape), geo=node.geo, index=node.index))
        else:
            out.append(S(rnd(*y_shape), geo=node.geo, index=node.index, in_hw=x.shape[2:]))
    return out


def _avg_pool_adjoint_samples():
    out = []
    for s in AVG_POOL_SAMPLES:
        x = s.args[0]
        y_shape, node = _recorded(mg.avg_pool2d, x, *s.args[1:], **s.kwargs)
        out.append(S(rnd(*y_shape), geo=node.geo, scale=node.scale, in_hw=x.shape[2:]))
    return out


def _conv2d_weight_samples():
    out = []
    for s in (CONV_SAMPLES[1], CONV_SAMPLES[2], CONV_SAMPLES[5], CONV_SAMPLES[7]):  # stride, dilation, groups, "same"
        x, w = s.args[:2]
        y_shape, node = _recorded(lambda u: mg.conv2d(u, mg.tensor(w, dtype="float64"), **s.kwargs), x)
        out.append(S(rnd(*x.shape), rnd(*y_shape), geo=node.geo))
    return out


_MASK = np.array([[True, False, True], [False, False, True], [True, True, False], [False, True, False]])

INTERNAL_OPS = [
    OpInfo("ops.MaxPoolScatter", max_pool_scatter, _max_pool_samples(gather=False)),
    OpInfo("ops.MaxPoolGather", max_pool_gather, _max_pool_samples(gather=True)),
    OpInfo("ops.AvgPoolAdjoint", avg_pool_adjoint, _avg_pool_adjoint_samples()),
    OpInfo("ops.Conv2dWeight", conv2d_weight, _conv2d_weight_samples()),
    OpInfo("ops.IndexAdd", index_add, [
        S(rnd(4), _idx(0, 0, 3, 0), shape=(5,)),                         # repeated indices add up
        S(rnd(3), _idx(1, 1, 2), _idx(0, 0, 2), shape=(4, 3)),
        S(rnd(2, 2), slice(1, 3), _idx(2, 0), shape=(4, 3)),
        S(rnd(2), slice(1, 3), -1, shape=(4, 3)),                         # basic index: assigned
        S(rnd(int(_MASK.sum())), _MASK, shape=(4, 3))]),
    OpInfo("ops.RowSum", row_sum, [S(rnd(5, 3), _idx(1, 3, 1, 1, 0), num_rows=5),
                                   S(rnd(2, 3, 2), np.array([[4, 2, 4], [2, 2, 0]], dtype=np.int64), num_rows=6)]),
]

# Ops that came with PyTorch's spellings (drawn last, so that the samples above stay as they were): std
# (0 at a constant slice is checked against torch in tests/ops/test_torch_spellings.py, where finite
# differences of the kink cannot see it), clamp with torch's bounds, and the calls whose PyTorch keywords
# choose another computation: max/min with dim (the gradient goes to the returned index only) and var
# with dim (correction=1 by default).
_CLAMPED = np.array([-2.0, -0.7, 0.1, 0.6, 1.9])
OPS += [
    OpInfo("std", mg.std, [S(rnd(3, 4), ddof=0), S(rnd(3, 4), axis=0), S(rnd(3, 4), dim=1, keepdim=True),
                           S(rnd(2, 3, 4), dim=(0, 2), correction=0), S(rnd(4, 3), axis=1, ddof=2),
                           S(rnd(2, 3), unbiased=True), S(rnd(), correction=0)]),
    OpInfo("clamp", mg.clamp, [S(_CLAMPED, -1.0, 1.0), S(_CLAMPED, min=0.0), S(_CLAMPED, max=1.0),
                               S(_CLAMPED, min=1.0, max=-1.0)]),
    OpInfo("max(dim)", lambda x, **kw: mg.max(x, **kw).values,
           [S(distinct(3, 4), dim=1), S(distinct(2, 3, 4), dim=0, keepdim=True), S(distinct(3, 4), dim=-1),
            S(rnd(), dim=0)]),
    OpInfo("min(dim)", lambda x, **kw: x.min(**kw).values,
           [S(distinct(3, 4), dim=0), S(distinct(2, 3, 4), dim=-2, keepdim=True)]),
    OpInfo("var(dim)", mg.var, [S(rnd(3, 4), dim=1), S(rnd(2, 3, 4), dim=(0, 2), keepdim=True),
                                S(rnd(3, 4), dim=0, unbiased=False)]),
]

# The smooth activations and erf, as ops (their layers and functional forms are in nn_registry). Their own
# generator, so every sample above stays as it was. Large |x| checks that nothing overflows into NaN.
from minigrad.ops.activations import elu, gelu, silu  # noqa: E402
from minigrad.ops.functions import SigmoidBackward, erf  # noqa: E402

_act_rng = np.random.default_rng(2468)
_WIDE = np.array([-40.0, -8.0, -2.5, -0.3, 0.4, 3.0, 9.0, 35.0])


def _away0(*shape):
    """|x| in [0.2, 2.5]: off ELU's kink at 0."""
    return np.where(_act_rng.random(shape) < 0.5, -1.0, 1.0) * _act_rng.uniform(0.2, 2.5, shape)


SMOOTH_OPS = [
    OpInfo("ops.erf", erf, [S(_act_rng.standard_normal((3, 4))), S(np.array([-5.0, -1.2, 0.0, 0.05, 2.0, 6.0]))]),
    OpInfo("ops.silu", silu, [S(_act_rng.standard_normal((3, 4)) * 2), S(_WIDE)]),
    OpInfo("ops.elu", elu, [S(_away0(3, 4)), S(_away0(2, 3), 0.3), S(_WIDE, alpha=1.7)]),  # off the kink at 0
    OpInfo("ops.gelu", gelu, [S(_act_rng.standard_normal((3, 4)) * 2), S(_WIDE), S(_WIDE, approximate="tanh"),
                              S(_act_rng.standard_normal((2, 5)) * 2, "tanh")]),
]

# hardtanh, mish and softplus's beta/threshold (PyTorch's activations), drawn from their own generator so that
# every sample above stays as it was; |x| up to 100 checks that nothing overflows, and samples keep off the
# kinks (hardtanh's bounds, softplus's threshold, where its value jumps by log1p(e^-threshold) / beta).
from minigrad.nn.functional.distance import ForwardClampMin  # noqa: E402

_p_rng = np.random.default_rng(13579)
_FAR = np.array([-100.0, -35.0, -4.0, -0.6, 0.2, 1.5, 8.0, 40.0, 100.0])


def _off(*shape, kinks=(0.0,), gap=0.1, scale=2.0):
    """Normal data times ``scale``, nudged to keep ``gap`` away from each of ``kinks``."""
    x = _p_rng.standard_normal(shape) * scale
    for k in kinks:
        near = np.abs(x - k) < gap
        x = np.where(near, k + np.where(x >= k, gap, -gap) * 2, x)
    return x


OPS += [
    OpInfo("hardtanh", mg.hardtanh, [S(_off(3, 4, kinks=(-1.0, 1.0))), S(_off(5, kinks=(-0.5, 2.0)), -0.5, 2.0),
                                     S(_off(2, 3, kinks=(0.0, 6.0), scale=5.0), min_val=0.0, max_val=6.0)]),
    OpInfo("mish", mg.mish, [S(_p_rng.standard_normal((3, 4)) * 2), S(_FAR), S(_p_rng.standard_normal(()))]),
    OpInfo("ops.softplus(beta, threshold)", mg.softplus, [
        S(_off(3, 4, kinks=(1.5,)), 2.0, 3.0), S(_FAR, beta=0.5, threshold=15.0), S(_FAR, 1.0, 20.0),
        S(_off(2, 5, kinks=(-1.5,)), beta=-2.0, threshold=3.0), S(_FAR, beta=3.0)]),
]
INTERNAL_OPS += [OpInfo("ops.ForwardClampMin", lambda x, eps: ForwardClampMin.apply(x, eps=eps),
                        [S(_p_rng.uniform(0.5, 2.0, (3, 1)), 1e-8), S(_p_rng.uniform(0.5, 2.0, 4), 0.25)])]

# PyTorch's indexing, shape and creation names (tests/ops/test_torch_indexing.py compares them with torch).
# Their own generator, so every sample above stays as it was. Gather and scatter indices repeat, so the
# scatter-add of the gradient is checked; the mask of masked_fill broadcasts against the input.
_ix_rng = np.random.default_rng(97531)


_ixr = normal_from(_ix_rng)


def _pieces(fn):
    """A function of the pieces a splitting op returns, each weighted differently, one piece left out."""
    def joined(*args, **kwargs):
        pieces = fn(*args, **kwargs)
        return mg.concat([p.reshape(-1) * (k + 1.0) for k, p in enumerate(pieces) if k != 1], 0)
    return joined


TORCH_INDEXING_OPS = [
    OpInfo("gather", mg.gather, [
        S(_ixr(3, 4), 1, np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]], dtype=np.int64)),
        S(_ixr(3, 4), 0, np.array([[2, 0, 2, 2], [2, 1, 0, 0]], dtype=np.int64)),
        S(_ixr(2, 3, 2), -1, np.array([[[1, 1, 0]], [[0, 0, 0]]], dtype=np.int64)),
        S(_ixr(), 0, np.array(0, dtype=np.int64))]),
    OpInfo("scatter_add", mg.scatter_add, [
        S(_ixr(3, 4), 0, np.array([[0, 2, 2, 1], [0, 0, 2, 1]], dtype=np.int64), _ixr(2, 5)),
        S(_ixr(2, 3), 1, np.array([[2, 2], [0, 1]], dtype=np.int64), _ixr(2, 2))]),
    OpInfo("masked_fill", mg.masked_fill, [
        S(_ixr(3, 4), _ixr(3, 4) > 0, 0.5), S(_ixr(3, 4), _ixr(4) > 0, -2.0), S(_ixr(1, 4), _ixr(3, 1) > 0, 1.0)]),
    OpInfo("chunk", _pieces(mg.chunk), [S(_ixr(5, 2), 3), S(_ixr(2, 7), 3, dim=-1), S(_ixr(6), 4)]),
    OpInfo("split(dim)", _pieces(mg.split), [S(_ixr(5, 2), 2, dim=0), S(_ixr(2, 6), [1, 0, 2, 3], dim=1),
                                             S(_ixr(7), split_size_or_sections=3, dim=-1)]),
    OpInfo("tile", mg.tile, [S(_ixr(2, 3), (2, 1)), S(_ixr(3), (2, 2)), S(_ixr(2, 1, 2), (3,)), S(_ixr(), (2, 3))]),
    OpInfo("repeat", lambda x, *sizes: x.repeat(*sizes), [S(_ixr(2, 3), 1, 2, 3), S(_ixr(3), 2, 2), S(_ixr(), 4)]),
    OpInfo("tril", mg.tril, [S(_ixr(3, 4)), S(_ixr(2, 4, 3), -1), S(_ixr(3, 3), diagonal=2)]),
    OpInfo("triu", mg.triu, [S(_ixr(3, 4)), S(_ixr(2, 3, 3), 1), S(_ixr(4, 2), diagonal=-2)]),
    OpInfo("t", mg.t, [S(_ixr(3, 4)), S(_ixr(3)), S(_ixr())]),
    OpInfo("outer", mg.outer, [S(_ixr(3), _ixr(4)), S(_ixr(1), _ixr(2))]),
    OpInfo("einsum", lambda *xs, eq: mg.einsum(eq, *xs), [
        S(_ixr(3, 4), _ixr(4, 2), eq="ij,jk->ik"), S(_ixr(3, 3), eq="ii->i"), S(_ixr(3, 3), eq="ii"),
        S(_ixr(2, 3, 3), _ixr(3), eq="bii,j->bj"), S(_ixr(2, 3), _ixr(3, 4), _ixr(4), eq="ij,jk,k"),
        S(_ixr(2, 2, 3), _ixr(3, 4), eq="...j,jk->...k"), S(_ixr(3, 1), _ixr(1, 4), eq="ij,ij->ij"),
        S(_ixr(2, 3), eq="ij->ji"), S(_ixr(3), _ixr(3), eq="i,i")]),
    OpInfo("clone", mg.clone, [S(_ixr(3, 2)), S(_ixr())]),
    OpInfo("softmax", mg.softmax, [S(_ixr(3, 4), 1), S(_ixr(2, 3, 2), dim=-3)]),
    OpInfo("log_softmax", mg.log_softmax, [S(_ixr(3, 4), 0), S(_ixr(2, 3, 2), dim=1)]),
]
OPS += TORCH_INDEXING_OPS

# PyTorch's reductions, scans and sorts (tests/ops/test_torch_reductions.py compares them with torch). Their
# own generator, so every sample above stays as it was. prod is multilinear, so central differences are
# exact at zeros too: its samples put one, two and three zeros in a slice, where its gradient and second
# derivative are written out by cases. norm's samples keep off 0 (its kink, where torch's gradient is 0 and
# is checked against torch instead); sort's and topk's keep off ties.
_red_rng = np.random.default_rng(97531)


_rn = normal_from(_red_rng)


def _off0(*shape):
    """|x| in [0.3, 2]: off norm's kinks at 0, and no ties in |x| to speak of."""
    return np.asarray(np.where(_red_rng.random(shape) < 0.5, -1.0, 1.0) * _red_rng.uniform(0.3, 2.0, shape))


def _zeros_at(array, *positions):
    array = array.copy()
    for p in positions:
        array[p] = 0.0
    return array


def _unique(*shape):
    """No two entries (nor two |entries|) equal: sort, topk and the +-inf norms have a derivative."""
    n = int(np.prod(shape)) if shape else 1
    magnitude = (_red_rng.permutation(n) + _red_rng.uniform(0.1, 0.4, n)) * 0.5
    return (magnitude * np.where(_red_rng.random(n) < 0.5, -1.0, 1.0)).reshape(shape)


def _sorted_values(x, **kwargs):
    out = mg.sort(x, **kwargs)
    return out.values if isinstance(out, tuple) else out   # axis=: NumPy's call gives the values only


_ONE_ZERO_PER_ROW = _zeros_at(_rn(3, 4), (0, 1), (1, 3))                   # row 2 has none
_ZEROS_PER_ROW = _zeros_at(_rn(4, 4), (0, 0), (0, 2), (1, 1), (1, 2), (1, 3), (2, 0))  # 2, 3, 1 and 0 zeros
OPS += [
    OpInfo("cumsum", mg.cumsum, [S(_rn(3, 4), 1), S(_rn(2, 3, 4), dim=-2), S(_rn(5), axis=0), S(_rn(2, 3), axis=None),
                                 S(_rn(), 0), S(_rn(2, 3), axis=-1)]),
    OpInfo("prod", mg.prod, [S(_rn(3, 4)), S(_rn(3, 4), axis=1), S(_rn(2, 3, 4), dim=-1, keepdim=True),
                             S(_rn(2, 3, 4), axis=(0, 2)), S(_rn(), dim=0),
                             S(_ONE_ZERO_PER_ROW, dim=1), S(_ZEROS_PER_ROW, dim=1), S(_ZEROS_PER_ROW, axis=0),
                             S(_zeros_at(_rn(2, 3), (1, 1))), S(_zeros_at(_rn(2, 3), (0, 0), (1, 2))),
                             S(_zeros_at(_rn(3, 2), (0, 0), (1, 1), (2, 0)))]),
    OpInfo("norm", mg.norm, [S(_off0(3, 4)), S(_off0(3, 4), 2, 1), S(_off0(2, 3, 4), p=3, dim=(0, 2), keepdim=True),
                             S(_off0(3, 4), p=1, dim=0), S(_unique(3, 4), p=float("inf"), dim=1),
                             S(_unique(3, 4), p=-float("inf"), dim=-1, keepdim=True), S(_off0(3, 4), p=0.5, dim=1),
                             S(_off0(2, 5), p=1.5), S(_off0(3, 4), p="fro", dim=(0, 1)), S(_off0(), dim=0)]),
    OpInfo("sort", _sorted_values, [S(_unique(3, 4), dim=1), S(_unique(2, 3, 4), dim=0, descending=True),
                                    S(_unique(3, 4), descending=False), S(_unique(3, 4), axis=0),
                                    S(_unique(2, 3), axis=None), S(_rn(), dim=0)]),
    OpInfo("topk", lambda x, *args, **kwargs: mg.topk(x, *args, **kwargs).values,
           [S(_unique(3, 5), 2), S(_unique(2, 3, 4), 3, dim=1, largest=False), S(_unique(4), 4),
            S(_unique(3, 4), 1, 0), S(_unique(2, 4), 2, -1, True, False)]),
    OpInfo("sign", mg.sign, [S(_off0(3, 4)), S(_off0())]),
]

# PyTorch's indexing and scatter names (tests/ops/test_torch_index_scatter.py compares them with torch). Their own
# generator, so every sample above stays as it was. Derivatives exist only away from ties, so index_copy's and
# scatter's samples write no position twice (torch then sends the gathered gradient to every copy, tested there),
# and scatter_reduce's amax/amin samples hold no two equal values; its prod samples put one, two and three zeros
# (self's value among them) on one position, where the gradient and second derivative are written out by cases.
_is_rng = np.random.default_rng(86420)


_ir = normal_from(_is_rng)


def _distinct_ir(*shape):
    n = int(np.prod(shape)) if shape else 1
    return ((_is_rng.permutation(n) + _is_rng.uniform(0.1, 0.4, n)) * 0.5 - n / 4).reshape(shape)


_SR_INDEX = np.array([[0, 2, 2], [1, 1, 1], [3, 0, 3]], dtype=np.int64)        # repeats in every row
_SR_X = _zeros_at(_ir(3, 4), (0, 2), (2, 1))                                   # self's own zeros
_SR_SRC = _zeros_at(_ir(3, 3), (0, 1), (1, 0), (1, 2), (2, 0))                 # 1, 2 and 1 zeros per position
OPS += [
    OpInfo("index_select", mg.index_select, [S(_ir(3, 4), 1, _idx(2, 0, 2)), S(_ir(3, 4), -2, _idx(1)),
                                             S(_ir(2, 3, 2), 2, np.array(1)), S(_ir(), 0, _idx(0)),
                                             S(_ir(3, 2), 0, _idx())]),
    OpInfo("masked_select", mg.masked_select, [S(_ir(3, 4), _ir(3, 4) > 0), S(_ir(3, 1), _ir(2, 3, 4) > 0),
                                               S(_ir(4), np.array(True)), S(_ir(2, 3), _ir(3) > 0)]),
    OpInfo("take", mg.take, [S(_ir(3, 4), _idx(0, 11, -1, 5, 5)), S(_ir(2, 3), np.array([[0, 1], [5, -6]])),
                             S(_ir(), np.array(0))]),
    OpInfo("take_along_dim", mg.take_along_dim, [
        S(_ir(3, 4), np.array([[0, 3], [1, 1], [2, 0]]), 1), S(_ir(3, 4), np.array([[2, 2, 0, 1]]), 0),
        S(_ir(1, 4), np.array([[0], [3], [3]]), -1), S(_ir(2, 3), _idx(5, 0, 5))]),
    OpInfo("index_add", mg.index_add, [S(_ir(3, 4), 1, _idx(0, 0, 3), _ir(3, 3)),
                                       S(_ir(3, 4), -2, _idx(2, 1), _ir(2, 4), alpha=-1.5),
                                       S(_ir(), 0, _idx(0), _ir())]),
    OpInfo("index_fill", mg.index_fill, [S(_ir(3, 4), 1, _idx(0, -1, 0), 2.5), S(_ir(3, 4), 0, _idx(1), _ir()),
                                         S(_ir(2, 3, 2), -1, _idx(1), -1.0)]),
    OpInfo("index_copy", mg.index_copy, [S(_ir(3, 4), 1, _idx(3, 0), _ir(3, 2)),
                                         S(_ir(4, 2), 0, _idx(2, 1, 0), _ir(3, 2)),
                                         S(_ir(2, 3, 2), -1, _idx(1), _ir(2, 3, 1))]),
    OpInfo("scatter", mg.scatter, [
        S(_ir(3, 4), 0, np.array([[0, 2, 1, 0], [2, 0, 0, 1]]), _ir(2, 4)),
        S(_ir(2, 3), 1, np.array([[2], [0]]), _ir(2, 2)), S(_ir(3, 4), -1, np.array([[3, 1], [0, 2]]), value=2.0),
        S(_ir(3, 4), 1, np.array([[0, 2], [3, 1]]), _ir(2, 2), reduce="add"),
        S(_ir(3, 4), 1, np.array([[0, 2], [3, 3]]), _ir(2, 2), reduce="multiply")]),
    OpInfo("scatter_reduce", mg.scatter_reduce, [
        S(_ir(3, 4), 1, _SR_INDEX, _ir(3, 3), "sum"), S(_ir(3, 4), 1, _SR_INDEX, _ir(3, 3), "sum", include_self=False),
        S(_ir(3, 4), 1, _SR_INDEX, _ir(3, 3), "mean"),
        S(_ir(4, 3), 0, _SR_INDEX, _ir(3, 3), "mean", include_self=False),
        S(_ir(3, 4), 1, _SR_INDEX, _ir(3, 3), "prod"), S(_SR_X, 1, _SR_INDEX, _SR_SRC, "prod"),
        S(_SR_X, 1, _SR_INDEX, _SR_SRC, "prod", include_self=False), S(_ir(4, 3), 0, _SR_INDEX, _SR_SRC, "prod"),
        S(_distinct_ir(3, 4), 1, _SR_INDEX, _distinct_ir(3, 3), "amax"),
        S(_distinct_ir(3, 4), 1, _SR_INDEX, _distinct_ir(3, 3), "amin", include_self=False),
        S(_distinct_ir(4, 3), -2, _SR_INDEX[:2], _distinct_ir(2, 4), "amax", include_self=False)]),
    OpInfo("masked_scatter", mg.masked_scatter, [S(_ir(3, 4), _ir(3, 4) > 0, _ir(12)),
                                                 S(_ir(4), _ir(3, 4) > 0, _ir(3, 5)),
                                                 S(_ir(), np.array(True), _ir(2))]),
    OpInfo("index_put", mg.index_put, [
        S(_ir(3, 4), (_idx(0, 2), _idx(1, -1)), _ir(2)), S(_ir(3, 4), (_idx(2, 0),), _ir(4)),
        S(_ir(3, 4), (_idx(0, 0, 2),), _ir(3, 4), True), S(_ir(3, 4), (_ir(3) > 0,), _ir()),
        S(_ir(2, 3, 2), (_idx(1), _idx(0, 2)), _ir(2, 2), accumulate=True)]),
]

# PyTorch's order statistics, running reductions, moments, matrix products and linear algebra (session 9;
# tests/ops/test_torch_order_statistics_scans_and_moments.py and tests/ops/test_torch_linalg.py compare them with
# torch). Their own generator. Order statistics keep off ties (where they have no derivative: their tie rules are
# checked against torch instead); cumprod's samples hold one, two and three zeros in a slice, where its derivatives
# are written without division. Factorizations see well-conditioned matrices with distinct eigenvalues and
# singular values, and only sign-free functions of eigenvectors and singular vectors (squares), which
# are defined up to sign. eigh and cholesky read one triangle: their samples symmetrize first.
_la_rng = np.random.default_rng(24680)


_lr = normal_from(_la_rng)


def _lu(*shape):
    """No two entries equal (nor close): order statistics have a derivative."""
    n = int(np.prod(shape)) if shape else 1
    return ((_la_rng.permutation(n) + _la_rng.uniform(0.1, 0.4, n)) * 0.5 - n / 4).reshape(shape)


def _well(*shape):
    """Square matrices a step from the identity times 3: invertible, well-conditioned, det > 0."""
    return _la_rng.standard_normal(shape) * 0.5 + 3.0 * np.eye(shape[-1])


def _flat(*parts):
    return mg.concat([p.reshape(-1) for p in parts], 0)


def _mT(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return mg.transpose(x, *axes)


def _sym(x):
    return (x + _mT(x)) * 0.5


def _spd(x):
    n = x.shape[-1]
    return x @ _mT(x) + mg.tensor(np.eye(n) * n, dtype=str(x.dtype), device=x.device)


def _values(fn):
    def values(*args, **kwargs):
        return fn(*args, **kwargs).values
    values.__name__ = fn.__name__
    return values


_CUMPROD_ZEROS = _zeros_at(_lr(4, 5), (0, 1), (1, 0), (1, 3), (2, 1), (2, 2), (2, 4))   # 1, 2, 3 and 0 zeros
OPS += [
    OpInfo("amax", mg.amax, [S(_lu(3, 4)), S(_lu(3, 4), 1), S(_lu(2, 3, 4), (0, 2), keepdim=True), S(_lu(), 0)]),
    OpInfo("amin", mg.amin, [S(_lu(3, 4)), S(_lu(3, 4), -1, True), S(_lu(2, 3, 4), dim=(1,))]),
    OpInfo("aminmax", lambda x, **kw: _flat(*mg.aminmax(x, **kw)), [S(_lu(3, 4)), S(_lu(3, 4), dim=1, keepdim=True)]),
    OpInfo("median", lambda x, *a, **kw: (lambda r: r if isinstance(r, mg.Tensor) else r.values)(
        mg.median(x, *a, **kw)),
           [S(_lu(3, 5)), S(_lu(3, 4), 1), S(_lu(2, 3, 4), 0, True), S(_lu(), 0)]),
    OpInfo("nanmedian", lambda x, *a, **kw: (lambda r: r if isinstance(r, mg.Tensor) else r.values)(
        mg.nanmedian(x, *a, **kw)), [S(_lu(4)), S(_lu(3, 4), dim=-1)]),
    OpInfo("mode", _values(mg.mode), [S(_lu(3, 4)), S(_lu(3, 4), 0, True)]),
    OpInfo("kthvalue", _values(mg.kthvalue), [S(_lu(3, 5), 2), S(_lu(2, 3, 4), 3, 1, keepdim=True), S(_lu(), 1)]),
    OpInfo("quantile", mg.quantile, [S(_lu(3, 5), 0.3), S(_lu(3, 4), 0.75, 1, True),
                                     S(_lu(2, 5), 0.4, dim=0, interpolation="midpoint"),
                                     S(_lu(4, 3), 0.6, 0, interpolation="nearest"),
                                     S(_lu(6), 0.9, interpolation="lower")]),
    OpInfo("quantile(q tensor)", lambda x, **kw: mg.quantile(x, mg.tensor([0.2, 0.5, 0.95], dtype=str(x.dtype), device=x.device), **kw),
           [S(_lu(3, 5), dim=1), S(_lu(7))]),
    OpInfo("nanquantile", mg.nanquantile, [S(_lu(3, 5), 0.3, 1), S(_lu(6), 0.5, interpolation="higher")]),
    OpInfo("cumprod", mg.cumprod, [S(_lr(3, 4), 1), S(_lr(2, 3, 4), -2), S(_lr(), 0), S(_CUMPROD_ZEROS, 1),
                                   S(_CUMPROD_ZEROS, 0), S(_zeros_at(_lr(9), (0,), (4,), (5,)), 0)]),
    OpInfo("cummax", _values(mg.cummax), [S(_lu(3, 5), 1), S(_lu(4, 3), 0), S(_lu(), 0)]),
    OpInfo("cummin", _values(mg.cummin), [S(_lu(3, 5), 1), S(_lu(2, 3, 2), -2)]),
    OpInfo("logcumsumexp", mg.logcumsumexp, [S(_lr(3, 5), 1), S(_lr(4, 3) * 5, 0), S(_lr(2, 3) + 500.0, -1),
                                             S(_lr(), 0), S(_lr(9), 0)]),
    OpInfo("diff", mg.diff, [S(_lr(3, 5)), S(_lr(3, 5), 2, 0), S(_lr(3, 4), 1, 1, _lr(3, 2), _lr(3, 1)),
                             S(_lr(5), 3, append=_lr(2))]),
    OpInfo("nansum", mg.nansum, [S(_lr(3, 4)), S(_lr(3, 4), 1, True)]),
    OpInfo("nanmean", mg.nanmean, [S(_lr(3, 4)), S(_lr(2, 3, 4), (0, 2))]),
    OpInfo("std_mean", lambda x, *a, **kw: _flat(*mg.std_mean(x, *a, **kw)),
           [S(_lr(3, 4)), S(_lr(3, 4), 1, keepdim=True), S(_lr(3, 4), 0, correction=0)]),
    OpInfo("var_mean", lambda x, *a, **kw: _flat(*mg.var_mean(x, *a, **kw)),
           [S(_lr(3, 4)), S(_lr(2, 3, 4), (0, 2), correction=2)]),
    OpInfo("cov", mg.cov, [S(_lr(3, 6)), S(_lr(6)), S(_lr(2, 5), correction=0),
                           S(_lr(3, 5), fweights=np.array([1, 2, 0, 3, 1]))]),
    OpInfo("cov(aweights)", lambda x, w: mg.cov(x, fweights=mg.tensor([2, 1, 1, 3], device=x.device), aweights=w),
           [S(_lr(2, 4), _la_rng.uniform(0.5, 2, 4))]),
    OpInfo("corrcoef", mg.corrcoef, [S(_lr(3, 6)), S(_lr(2, 4))]),
    OpInfo("mm", mg.mm, [S(_lr(3, 4), _lr(4, 2))]),
    OpInfo("bmm", mg.bmm, [S(_lr(2, 3, 4), _lr(2, 4, 2))]),
    OpInfo("mv", mg.mv, [S(_lr(3, 4), _lr(4))]),
    OpInfo("dot", mg.dot, [S(_lr(4), _lr(4))]),
    OpInfo("vdot", mg.vdot, [S(_lr(4), _lr(4))]),
    OpInfo("inner", mg.inner, [S(_lr(2, 3), _lr(4, 3)), S(_lr(3), _lr(2, 2, 3)), S(_lr(), _lr(2, 3))]),
    OpInfo("addmm", mg.addmm, [S(_lr(3, 2), _lr(3, 4), _lr(4, 2)),
                               S(_lr(2), _lr(3, 4), _lr(4, 2), beta=0.5, alpha=-2)]),
    OpInfo("addmv", mg.addmv, [S(_lr(3), _lr(3, 4), _lr(4), beta=2)]),
    OpInfo("addr", mg.addr, [S(_lr(3, 4), _lr(3), _lr(4), alpha=0.5)]),
    OpInfo("baddbmm", mg.baddbmm, [S(_lr(3, 2), _lr(2, 3, 4), _lr(2, 4, 2), beta=-1.0)]),
    OpInfo("addbmm", mg.addbmm, [S(_lr(3, 2), _lr(2, 3, 4), _lr(2, 4, 2))]),
    OpInfo("kron", mg.kron, [S(_lr(2, 3), _lr(3, 2)), S(_lr(3), _lr(2, 2))]),
    OpInfo("cross", mg.cross, [S(_lr(4, 3), _lr(4, 3)), S(_lr(3, 2), _lr(3, 1), dim=0)]),
    OpInfo("matrix_power", mg.matrix_power, [S(_well(3, 3), 3), S(_well(2, 3, 3), -2), S(_well(3, 3), 0),
                                             S(_well(3, 3), 1)]),
    OpInfo("det", mg.det, [S(_well(3, 3)), S(_well(2, 4, 4)), S(_lr(3, 3))]),
    OpInfo("logdet", mg.logdet, [S(_well(3, 3)), S(_well(2, 2, 2))]),
    OpInfo("slogdet", lambda x: mg.slogdet(x).logabsdet, [S(_well(3, 3)), S(_lr(2, 3, 3))]),
    OpInfo("inverse", mg.inverse, [S(_well(3, 3)), S(_well(2, 4, 4))]),
    OpInfo("cholesky", lambda x, *a: mg.cholesky(_spd(x), *a), [S(_lr(3, 3)), S(_lr(2, 3, 3), True)]),
    OpInfo("pinverse", mg.pinverse, [S(_lr(4, 3)), S(_lr(2, 3))]),
    OpInfo("linalg.det", mg.linalg.det, [S(_well(3, 3))]),
    OpInfo("linalg.slogdet", lambda x: mg.linalg.slogdet(x).logabsdet, [S(_well(2, 3, 3))]),
    OpInfo("linalg.inv", mg.linalg.inv, [S(_well(3, 3)), S(_well(2, 2, 2))]),
    OpInfo("linalg.solve", mg.linalg.solve, [S(_well(3, 3), _lr(3, 2)), S(_well(2, 3, 3), _lr(3)),
                                             S(_well(2, 3, 3), _lr(2, 3)), S(_well(3, 3), _lr(2, 3, 4)),
                                             S(_well(3, 3), _lr(2, 3), left=False)]),
    OpInfo("linalg.cholesky", lambda x, **kw: mg.linalg.cholesky(_spd(x), **kw),
           [S(_lr(3, 3)), S(_lr(2, 2, 2), upper=True)]),
    OpInfo("linalg.qr", lambda x: _flat(*mg.linalg.qr(x)), [S(_lr(4, 3)), S(_lr(3, 3)), S(_lr(2, 3, 2))]),
    OpInfo("linalg.eigh", lambda x, **kw: (lambda r: _flat(r.eigenvalues, r.eigenvectors ** 2))(
        mg.linalg.eigh(_sym(x), **kw)), [S(_lr(3, 3)), S(_lr(2, 4, 4), UPLO="U")]),
    OpInfo("linalg.eigvalsh", lambda x: mg.linalg.eigvalsh(_sym(x)), [S(_lr(3, 3))]),
    OpInfo("linalg.svd", lambda x: (lambda r: _flat(r.U ** 2, r.S, r.Vh ** 2))(mg.linalg.svd(x, full_matrices=False)),
           [S(_lr(4, 3)), S(_lr(2, 4)), S(_lr(3, 3)), S(_lr(2, 3, 2))]),
    OpInfo("linalg.svd(full square)", lambda x: (lambda r: _flat(r.U ** 2, r.S, r.Vh ** 2))(mg.linalg.svd(x)),
           [S(_lr(3, 3))]),
    OpInfo("linalg.svdvals", mg.linalg.svdvals, [S(_lr(4, 3)), S(_lr(2, 2, 3))]),
    OpInfo("linalg.pinv", mg.linalg.pinv, [S(_lr(4, 3)), S(_lr(2, 4)), S(_well(3, 3)), S(_lr(2, 3, 2))]),
    OpInfo("linalg.vector_norm", mg.linalg.vector_norm, [S(_off0(3, 4)), S(_off0(3, 4), 3, 1, True),
                                                         S(_off0(3, 4), -1.5, 0), S(_unique(3, 4), float("inf"))]),
    OpInfo("linalg.matrix_norm", mg.linalg.matrix_norm, [
        S(_lr(3, 4)), S(_lr(3, 4), "nuc"), S(_lr(2, 3, 4), 2), S(_lr(3, 4), -2), S(_unique(3, 4), 1),
        S(_unique(3, 4), -1), S(_unique(2, 3, 4), float("inf"), keepdim=True), S(_unique(3, 4), -float("inf")),
        S(_lr(3, 2, 4), "nuc", (0, 2))]),
    OpInfo("linalg.norm", mg.linalg.norm, [S(_lr(2, 3, 4)), S(_off0(3, 4), 1, 1), S(_lr(3, 4), "nuc"),
                                           S(_off0(5), 3)]),
    OpInfo("linalg.matrix_power", mg.linalg.matrix_power, [S(_well(3, 3), 2)]),
    OpInfo("linalg.multi_dot", lambda *xs: mg.linalg.multi_dot(xs),
           [S(_lr(3, 4), _lr(4, 2), _lr(2, 5)), S(_lr(4), _lr(4, 3), _lr(3)), S(_lr(4, 3), _lr(3))]),
    OpInfo("linalg.cross", mg.linalg.cross, [S(_lr(2, 3), _lr(2, 3))]),
]

# PyTorch's elementwise math (tests/ops/test_torch_elementwise.py compares each with torch). Their own generator,
# so every sample above stays as it was. Samples keep off the steps of floor/round/trunc/frac/fmod/remainder
# (where finite differences jump), the domain edges (asin at +-1, acosh at 1, logit at 0 and 1 and at its eps),
# the origin of atan2 and hypot, x = 0 of xlogy (where torch's gradient is 0, not the limit log y: checked against
# torch instead) and ties of fmax/fmin.
_el_rng = np.random.default_rng(24680)


_er = normal_from(_el_rng)


def _eu(lo, hi, *shape):
    return _el_rng.uniform(lo, hi, shape)


def _offgrid(*shape):
    """Integers plus a fraction in [0.1, 0.4] or [0.6, 0.9], either sign: off every integer and every half."""
    frac = np.where(_el_rng.random(shape) < 0.5, _el_rng.uniform(0.1, 0.4, shape), _el_rng.uniform(0.6, 0.9, shape))
    return np.asarray(_el_rng.integers(-4, 4, shape) + frac)


def _signed(*shape):
    """|x| in [0.5, 2) with either sign."""
    return np.asarray(np.where(_el_rng.random(shape) < 0.5, -1.0, 1.0) * _el_rng.uniform(0.5, 2.0, shape))


def _with_nonfinite(array, *values):
    array = array.copy()
    array.flat[:len(values)] = values
    return array


_DIVISOR = _signed(3, 4)
_DIVISOR_ROW = _signed(4)
_LOGIT_EPS = np.concatenate([_eu(0.05, 0.15, 3), _eu(0.25, 0.75, 4), _eu(0.85, 0.95, 3)])
OPS += [
    OpInfo("floor", mg.floor, [S(_offgrid(3, 4)), S(_offgrid())]),
    OpInfo("ceil", mg.ceil, [S(_offgrid(3, 4)), S(_offgrid())]),
    OpInfo("round", mg.round, [S(_offgrid(3, 4)), S(_offgrid(5) / 10.0, decimals=1), S(_offgrid(4) * 10.0, -1)]),
    OpInfo("trunc", mg.trunc, [S(_offgrid(3, 4)), S(_offgrid())]),
    OpInfo("frac", mg.frac, [S(_offgrid(3, 4)), S(_offgrid())]),
    OpInfo("rsqrt", mg.rsqrt, [S(pos(3, 4)), S(pos())]),
    OpInfo("reciprocal", mg.reciprocal, [S(_signed(3, 4)), S(_signed())]),
    OpInfo("log1p", mg.log1p, [S(_eu(-0.8, 2.0, 3, 4)), S(_eu(1e-4, 1e-3, 3))]),
    OpInfo("expm1", mg.expm1, [S(_er(3, 4)), S(_eu(-1e-3, 1e-3, 3))]),
    OpInfo("log2", mg.log2, [S(pos(3, 4))]),
    OpInfo("log10", mg.log10, [S(pos(3, 4))]),
    OpInfo("exp2", mg.exp2, [S(_er(3, 4))]),
    OpInfo("tan", mg.tan, [S(_eu(-1.2, 1.2, 3, 4))]),
    OpInfo("sinh", mg.sinh, [S(_er(3, 4))]),
    OpInfo("cosh", mg.cosh, [S(_er(3, 4))]),
    OpInfo("asin", mg.asin, [S(_eu(-0.9, 0.9, 3, 4))]),
    OpInfo("acos", mg.acos, [S(_eu(-0.9, 0.9, 3, 4))]),
    OpInfo("atan", mg.atan, [S(_er(3, 4) * 2.0)]),
    OpInfo("asinh", mg.asinh, [S(_er(3, 4) * 2.0)]),
    OpInfo("acosh", mg.acosh, [S(_eu(1.2, 3.0, 3, 4))]),
    OpInfo("atanh", mg.atanh, [S(_eu(-0.9, 0.9, 3, 4))]),
    OpInfo("erf", mg.erf, [S(_er(3, 4))]),
    OpInfo("erfc", mg.erfc, [S(_er(3, 4))]),
    OpInfo("erfinv", mg.erfinv, [S(_eu(-0.9, 0.9, 3, 4))]),
    OpInfo("sinc", mg.sinc, [S(_er(3, 4) * 2.0), S(_eu(-1e-3, 1e-3, 4))]),
    OpInfo("logit", mg.logit, [S(_eu(0.1, 0.9, 3, 4)), S(_LOGIT_EPS, eps=0.2)]),
    OpInfo("nan_to_num", mg.nan_to_num, [S(_er(3, 4)), S(_with_nonfinite(_er(2, 3), np.nan, np.inf, -np.inf)),
                                         S(_with_nonfinite(_er(5), np.nan, np.inf), nan=1.5, posinf=9.0)]),
    OpInfo("atan2", mg.atan2, [S(_er(3, 4), _er(3, 4)), S(_er(3, 4), _er(4)), S(_er(2, 1), 0.5)]),
    OpInfo("hypot", mg.hypot, [S(_er(3, 4), _er(3, 4)), S(_er(2, 3), _er(3)), S(-1.5, _er(3))]),
    OpInfo("logaddexp", mg.logaddexp, [S(_er(3, 4), _er(3, 4)), S(_er(3, 1), _er(4) * 10.0)]),
    OpInfo("logaddexp2", mg.logaddexp2, [S(_er(3, 4), _er(3, 4)), S(_er(3, 1), _er(4) * 10.0)]),
    OpInfo("xlogy", mg.xlogy, [S(_er(3, 4), pos(3, 4)), S(_er(3, 4), pos(4)), S(2.5, pos(3))]),
    OpInfo("copysign", mg.copysign, [S(_signed(3, 4), _signed(3, 4)), S(_signed(3, 4), _signed(4)),
                                     S(_signed(3), -2.0)]),
    OpInfo("fmod", mg.fmod, [S(_DIVISOR * _offgrid(3, 4), _DIVISOR), S(_DIVISOR_ROW * _offgrid(3, 4), _DIVISOR_ROW),
                             S(_offgrid(3) * 1.5, 1.5)]),
    OpInfo("remainder", mg.remainder, [S(_DIVISOR * _offgrid(3, 4), _DIVISOR),
                                       S(_DIVISOR_ROW * _offgrid(3, 4), _DIVISOR_ROW), S(_offgrid(3) * -1.5, -1.5)]),
    OpInfo("fmax", mg.fmax, [S(distinct(3, 4), distinct(3, 4)[::-1].copy()), S(distinct(3, 4), distinct(4) + 0.05),
                             S(_with_nonfinite(_er(5), np.nan), _with_nonfinite(_er(5) + 9, 0.1, np.nan))]),
    OpInfo("fmin", mg.fmin, [S(distinct(3, 4), distinct(3, 4)[::-1].copy()), S(distinct(3, 4), distinct(4) + 0.05),
                             S(_with_nonfinite(_er(5), np.nan), _with_nonfinite(_er(5) + 9, 0.1, np.nan))]),
    OpInfo("lerp", mg.lerp, [S(_er(3, 4), _er(3, 4), 0.3), S(_er(3, 4), _er(4), 0.8),
                             S(_er(3, 4), _er(3, 4), _er(3, 4)), S(_er(3, 1), _er(4), _er(2, 1, 1))]),
    OpInfo("addcmul", mg.addcmul, [S(_er(3, 4), _er(3, 4), _er(3, 4)), S(_er(4), _er(3, 1), _er(3, 4), value=-0.5)]),
    OpInfo("addcdiv", mg.addcdiv, [S(_er(3, 4), _er(3, 4), _signed(3, 4)),
                                   S(_er(4), _er(3, 1), _signed(3, 4), value=2.5)]),
    # PyTorch's names composed of other ops (not in DIFFERENTIABLE), checked all the same.
    OpInfo("square", mg.square, [S(_er(3, 4))]),
    OpInfo("float_power", mg.float_power, [S(pos(3, 4), _er(3, 4)), S(pos(3), 2.5), S(_er(3), 2)]),
    OpInfo("deg2rad", mg.deg2rad, [S(_er(3, 4))]),
    OpInfo("rad2deg", mg.rad2deg, [S(_er(3, 4))]),
    OpInfo("floor_divide", mg.floor_divide, [S(_DIVISOR * _offgrid(3, 4), _DIVISOR)]),
    OpInfo("clamp_min", mg.clamp_min, [S(_er(3, 4) + 0.05, 0.0)]),
    OpInfo("clamp_max", mg.clamp_max, [S(_er(3, 4) + 0.05, 0.0)]),
]

# PyTorch's shape names (tests/ops/test_torch_shapes.py compares them with torch). Their own generator, so every
# sample above stays as it was. Multi-output ones are checked through all their pieces.
_shp_rng = np.random.default_rng(24680)


_sr = normal_from(_shp_rng)


def _joined(fn):
    """A function whose tuple of pieces is flattened and joined, so that every piece is checked."""
    return lambda *xs, **kw: mg.concat([p.reshape(-1) for p in fn(*xs, **kw)], axis=0)


OPS += [
    OpInfo("flip", mg.flip, [S(_sr(2, 3, 4), (0, 2)), S(_sr(3, 4), dims=(-1,)), S(_sr(3, 2)), S(_sr(), ())]),
    OpInfo("fliplr", mg.fliplr, [S(_sr(2, 3, 2))]),
    OpInfo("flipud", mg.flipud, [S(_sr(3, 2))]),
    OpInfo("roll", mg.roll, [S(_sr(3, 4), 1, 0), S(_sr(2, 3, 4), (1, -2), (0, 2)), S(_sr(3, 4), 5)]),
    OpInfo("rot90", mg.rot90, [S(_sr(3, 4)), S(_sr(2, 3, 4), 3, (2, 0)), S(_sr(3, 2), 2)]),
    OpInfo("narrow", mg.narrow, [S(_sr(4, 3), 0, 1, 2), S(_sr(2, 5), -1, -3, 3)]),
    OpInfo("unbind", _joined(mg.unbind), [S(_sr(3, 2)), S(_sr(2, 3, 2), 1), S(_sr(1, 3), -2)]),
    OpInfo("movedim", mg.movedim, [S(_sr(2, 3, 4), 0, -1), S(_sr(2, 3, 4), (0, 1), (2, 0))]),
    OpInfo("moveaxis", mg.moveaxis, [S(_sr(2, 3, 4), 2, 0)]),
    OpInfo("swapaxes", mg.swapaxes, [S(_sr(2, 3, 4), 0, 2)]),
    OpInfo("swapdims", mg.swapdims, [S(_sr(2, 3, 4), -1, 1)]),
    OpInfo("unflatten", mg.unflatten, [S(_sr(3, 6), 1, (2, 3)), S(_sr(4, 2), 0, (-1, 2))]),
    OpInfo("ravel", mg.ravel, [S(_sr(2, 3)), S(_sr())]),
    OpInfo("diagonal", mg.diagonal, [S(_sr(3, 4)), S(_sr(2, 3, 4), 1, 1, 2), S(_sr(3, 4, 2), -1, 0, -1)]),
    OpInfo("diag_embed", mg.diag_embed, [S(_sr(2, 3)), S(_sr(2, 3), 1, 0, 2), S(_sr(3), -2)]),
    OpInfo("diag", mg.diag, [S(_sr(3)), S(_sr(3), 1), S(_sr(3, 4)), S(_sr(4, 3), -1)]),
    OpInfo("diagflat", mg.diagflat, [S(_sr(2, 2)), S(_sr(3), 2)]),
    OpInfo("trace", mg.trace, [S(_sr(3, 4)), S(_sr(3, 3))]),
    OpInfo("tensor_split", _joined(mg.tensor_split), [S(_sr(5, 2), 3), S(_sr(2, 6), [1, 4], 1), S(_sr(4), [3, 1])]),
    OpInfo("hsplit", _joined(mg.hsplit), [S(_sr(2, 4), 2), S(_sr(5), [2])]),
    OpInfo("vsplit", _joined(mg.vsplit), [S(_sr(4, 2), [1, 3])]),
    OpInfo("dsplit", _joined(mg.dsplit), [S(_sr(2, 1, 4), 2)]),
    OpInfo("split_with_sizes", _joined(mg.split_with_sizes), [S(_sr(2, 5), [2, 3], 1)]),
    OpInfo("repeat_interleave", mg.repeat_interleave, [S(_sr(2, 3), 2), S(_sr(2, 3), 2, 1),
                                                       S(_sr(3, 2), _idx(1, 0, 2), 0), S(_sr(2, 3), _idx(2), -1)]),
    OpInfo("unfold", lambda x, *args: x.unfold(*args), [S(_sr(2, 5), 1, 2, 1), S(_sr(6, 2), 0, 3, 2),
                                                        S(_sr(5), 0, 2, 3), S(_sr(), 0, 1, 1)]),
    # as_strided reads x's storage, which the non-contiguous layouts of tests/ops/test_noncontiguous_inputs.py change
    # by design: it runs on x's values in one row-major block (x itself where x is one; its own tests in
    # tests/ops/test_torch_strided.py cover strided inputs). Overlapping windows, a zero stride, offsets, 0-d.
    OpInfo("as_strided", lambda x, *args: mg.as_strided(x.reshape(-1).contiguous(), *args),
           [S(_sr(8), (3, 3), (2, 1), 1), S(_sr(2, 5), (4, 3), (2, 1)), S(_sr(6), (2, 3), (0, 2), 1),
            S(_sr(3, 4), (2, 2), (4, 1), 5), S(_sr(4), (), (), 2), S(_sr(5), (2, 0), (1, 1))]),
    OpInfo("broadcast_tensors", _joined(mg.broadcast_tensors), [S(_sr(2, 1), _sr(3)), S(_sr(1, 3), _sr(2, 1), _sr())]),
    OpInfo("meshgrid", _joined(mg.meshgrid), [S(_sr(2), _sr(3), indexing="ij"),
                                              S(_sr(2), _sr(3), _sr(2), indexing="xy")]),
    OpInfo("atleast_1d", mg.atleast_1d, [S(_sr())]),
    OpInfo("atleast_2d", mg.atleast_2d, [S(_sr(3))]),
    OpInfo("atleast_3d", _joined(mg.atleast_3d), [S(_sr(3, 2), _sr(2))]),
]


# PyTorch's joining, scatters into slices, distances and *_copy functions (session 10; compared with torch in
# tests/ops/test_torch_joining.py, test_torch_slice_writes.py and test_torch_distances.py). Their own generator.
_cb_rng = np.random.default_rng(112358)
_cr = normal_from(_cb_rng)
_cd = distinct_from(_cb_rng)


def _apart(*shape):
    """Rows far from each other in every coordinate (no zero differences, no ties in |difference|)."""
    return _cd(*shape) * 3.0


def _coords(*values):
    return mg.tensor(np.array(values, dtype=np.float64))


OPS += [
    OpInfo("hstack", lambda *xs: mg.hstack(xs), [S(_cr(3), _cr(2)), S(_cr(2, 3), _cr(2, 1)), S(_cr(), _cr(2))]),
    OpInfo("vstack", lambda *xs: mg.vstack(xs), [S(_cr(3), _cr(2, 3)), S(_cr(1, 2, 2), _cr(2, 2, 2))]),
    OpInfo("row_stack", lambda *xs: mg.row_stack(xs), [S(_cr(3), _cr(3))]),
    OpInfo("dstack", lambda *xs: mg.dstack(xs), [S(_cr(3), _cr(3)), S(_cr(2, 3), _cr(2, 3, 2))]),
    OpInfo("column_stack", lambda *xs: mg.column_stack(xs), [S(_cr(3), _cr(3, 2)), S(_cr(), _cr(1))]),
    OpInfo("concatenate", lambda *xs, **kw: mg.concatenate(xs, **kw), [S(_cr(2, 3), _cr(1, 3)),
                                                                        S(_cr(2, 3), _cr(2, 1), axis=-1),
                                                                        S(_cr(2, 2), _cr(3), axis=None)]),
    OpInfo("block_diag", mg.block_diag, [S(_cr(2, 3), _cr(), _cr(2), _cr(1, 2)), S(_cr(2, 2))]),
    OpInfo("cartesian_prod", mg.cartesian_prod, [S(_cr(3), _cr(2)), S(_cr(2), _cr(1), _cr(2)), S(_cr(3))]),
    OpInfo("combinations", mg.combinations, [S(_cr(4)), S(_cr(4), 3), S(_cr(3), 2, True), S(_cr(3), 0)]),
    OpInfo("tensordot", mg.tensordot, [S(_cr(2, 3, 4), _cr(3, 4, 2)), S(_cr(2, 3), _cr(3, 2), 1),
                                       S(_cr(2, 3, 2), _cr(3, 2), ([1, 0], [0, 1])), S(_cr(2), _cr(3), 0),
                                       S(_cr(2, 3), _cr(3, 2), axes=(1, 0))]),
    OpInfo("vander", mg.vander, [S(_cr(3)), S(np.array([0.0, 1.5, -0.5]), 4, True), S(_cr(2), 1)]),
    OpInfo("msort", mg.msort, [S(_cd(4, 3)), S(_cd(3))]),
    OpInfo("diagonal_scatter", mg.diagonal_scatter, [S(_cr(3, 4), _cr(3)), S(_cr(3, 4), _cr(2), -1),
                                                     S(_cr(2, 3, 4), _cr(2, 3), 1, 1, 2),
                                                     S(_cr(3, 2, 3), _cr(2, 3), 0, 0, -1)]),
    OpInfo("select_scatter", mg.select_scatter, [S(_cr(3, 4), _cr(4), 0, 1), S(_cr(2, 3, 2), _cr(2, 2), 1, -1)]),
    OpInfo("slice_scatter", mg.slice_scatter, [S(_cr(4, 3), _cr(2, 3), 0, 1, 3), S(_cr(3, 5), _cr(3, 2), 1, 1, None, 2),
                                               S(_cr(3, 5), _cr(3, 1), -1, -2, -1)]),
    OpInfo("index_reduce", mg.index_reduce, [
        S(_cd(4, 3), 0, _idx(0, 2, 0, 3, 2), _cd(5, 3) + 0.05, "prod"),
        S(_cd(3, 4), 1, _idx(1, 1, 3), _cd(3, 3) + 0.05, "mean"),
        S(_cd(3, 4), 1, _idx(1, 1, 3), _cd(3, 3) + 0.05, "mean", include_self=False),
        S(_cd(4, 2), 0, _idx(3, 0, 3), _cd(3, 2) + 0.05, "amax"),
        S(_cd(4, 2), 0, _idx(3, 0, 3), _cd(3, 2) + 0.05, "amin", include_self=False),
        S(_cd(4, 2), 0, _idx(1, 1), _cd(2, 2) + 0.05, "prod", include_self=False)]),
    OpInfo("put", mg.put, [S(_cr(3, 4), _idx(0, 5, -1), _cr(3)), S(_cr(2, 3), _idx(1, 1, 4), _cr(3), True),
                           S(_cr(2, 3), _idx([0, 2]), _cr(1, 2))]),
    OpInfo("sum_to_size", lambda x, *size: x.sum_to_size(*size), [S(_cr(2, 3, 4), 3, 1), S(_cr(2, 3), (1, 3)),
                                                                   S(_cr(2, 3), 2, 3)]),
    OpInfo("renorm", mg.renorm, [S(_cr(3, 4) * 2.0, 2, 0, 2.5), S(_cr(3, 4) * 2.0, 1, 1, 3.0),
                                 S(_cr(2, 3, 2), 3, -1, 1.5), S(_cd(3, 4), float("inf"), 0, 1.2)]),
    OpInfo("dist", mg.dist, [S(_cr(3, 4), _cr(3, 4)), S(_cr(3, 4), _cr(4), 1), S(_cr(2, 3), _cr(2, 3), 3.5),
                             S(_apart(2, 3), _cr(2, 3) * 0.01, float("inf")), S(_cr(3), _cr(3), 0)]),
    OpInfo("cdist", mg.cdist, [S(_cr(3, 2), _cr(4, 2)), S(_cr(2, 3, 2), _cr(2, 4, 2), 1.0),
                               S(_cr(3, 3), _cr(1, 2, 3), 3.0), S(_apart(3, 2), _apart(2, 2), float("inf")),
                               S(_cr(3, 2), _cr(2, 2), 0.0), S(_cr(2, 2), _cr(3, 2), 2.0, "use_mm_for_euclid_dist")]),
    OpInfo("pdist", mg.pdist, [S(_cr(4, 3)), S(_cr(3, 2), 1.0), S(_apart(3, 2), float("inf")), S(_cr(3, 3), 0.7)]),
    OpInfo("chain_matmul", mg.chain_matmul, [S(_cr(2, 3), _cr(3, 4), _cr(4, 2)), S(_cr(2, 3))]),
    OpInfo("trapezoid", mg.trapezoid, [S(_cr(3, 4)), S(_cr(3, 4), _cr(4)), S(_cr(3, 4), _cr(3, 4), dim=0),
                                       S(_cr(2, 3), dx=0.5), S(_cr(2, 3), dim=0)]),
    OpInfo("trapz", mg.trapz, [S(_cr(3, 4), _cr(4)), S(_cr(3, 4), dx=2.0, dim=0)]),
    OpInfo("cumulative_trapezoid", mg.cumulative_trapezoid, [S(_cr(3, 4)), S(_cr(3, 4), _cr(4)),
                                                             S(_cr(4, 2), dx=0.5, dim=0)]),
    OpInfo("gradient", lambda f, **kw: mg.concat([g.reshape(-1) for g in mg.gradient(f, **kw)], axis=0), [
        S(_cr(4, 3), dim=(0, 1)), S(_cr(5), dim=0, edge_order=2), S(_cr(3, 4), spacing=[0.5, 2.0]),
        S(_cr(4, 3), spacing=[_coords(0.0, 0.5, 1.5, 1.75), _coords(0.0, 1.0, 3.0)], edge_order=2),
        S(_cr(4, 3), spacing=[_coords(0.0, 0.5, 1.5, 1.75)], dim=0)]),
    *[OpInfo(name, fn, samples) for name, fn, samples in [
        ("diagonal_copy", mg.diagonal_copy, [S(_cr(3, 4), 1)]),
        ("permute_copy", mg.permute_copy, [S(_cr(2, 3, 4), (2, 0, 1))]),
        ("transpose_copy", mg.transpose_copy, [S(_cr(2, 3, 4), 0, 2)]),
        ("t_copy", mg.t_copy, [S(_cr(2, 3))]),
        ("unsqueeze_copy", mg.unsqueeze_copy, [S(_cr(2, 3), -1)]),
        ("squeeze_copy", mg.squeeze_copy, [S(_cr(2, 1, 1), (1, 2)), S(_cr(2, 1), 0)]),
        ("expand_copy", mg.expand_copy, [S(_cr(1, 3), (2, 3))]),
        ("Tensor.expand", lambda x, *sizes: x.expand(*sizes), [S(_cr(1, 3), 2, 2, 3), S(_cr(3, 1), -1, 4)]),
        ("view_copy", mg.view_copy, [S(_cr(2, 3), (3, 2))]),
        ("unfold_copy", mg.unfold_copy, [S(_cr(2, 5), 1, 2, 1)]),
        ("as_strided_copy", lambda x, *args: mg.as_strided_copy(x.reshape(-1).contiguous(), *args),   # see as_strided
         [S(_cr(8), (3, 3), (2, 1), 1)]),
        ("select_copy", mg.select_copy, [S(_cr(2, 3), 1, -1)]),
        ("slice_copy", mg.slice_copy, [S(_cr(2, 5), 1, -4, 10, 2)]),
        ("split_copy", _joined(mg.split_copy), [S(_cr(2, 5), 2, 1)]),
        ("split_with_sizes_copy", _joined(mg.split_with_sizes_copy), [S(_cr(5, 2), [3, 2])]),
        ("unbind_copy", _joined(mg.unbind_copy), [S(_cr(2, 3), 1)]),
        ("narrow_copy", mg.narrow_copy, [S(_cr(2, 5), 1, 1, 3)]),
        ("alias_copy", mg.alias_copy, [S(_cr(2, 3))]),
    ]],
]

# Special functions (tests/ops/test_torch_special.py compares them with torch and SciPy). Their own generator, so
# every sample above stays as it was. torch.special's own names are registered as "special.<name>". The first
# arguments of igamma/igammac and zeta are constants of x's dtype (keywords): torch has no derivative for them.
_spc_rng = np.random.default_rng(97531)


def _su(low, high, *shape):
    return _spc_rng.uniform(low, high, shape)


def _off_poles(*shape):
    """Negative and positive values at least 0.15 from the poles 0, -1, -2, ..."""
    return _spc_rng.integers(-3, 3, shape) + _spc_rng.uniform(0.15, 0.85, shape)


def _first_fixed(fn, first):
    """fn(first, x) with ``first`` a constant of x's dtype and device (torch has no derivative for it)."""
    return lambda x: fn(mg.tensor(first, dtype=x.dtype, device=x.device), x)


_A34, _A4 = _su(0.5, 4.0, 3, 4), _su(1.0, 3.0, 4)
_S34 = _su(1.5, 5.0, 3, 4)


OPS += [
    OpInfo("lgamma", mg.lgamma, [S(_off_poles(3, 4)), S(_su(0.9, 2.2, 5)), S(_su(5.0, 40.0, 3))]),
    OpInfo("digamma", mg.digamma, [S(_off_poles(3, 4)), S(_su(1.3, 1.6, 4)), S(_su(8.0, 30.0, 3))]),
    OpInfo("polygamma", mg.polygamma, [S(1, _off_poles(3, 4)), S(2, _su(0.5, 6.0, 4)), S(0, _su(0.5, 3.0, 3)),
                                       S(4, _su(1.0, 3.0, 2))]),
    OpInfo("mvlgamma", mg.mvlgamma, [S(_su(2.0, 5.0, 3, 2), 3), S(_su(0.5, 4.0, 4), 1), S(_su(1.5, 3.0), 2)]),
    OpInfo("i0", mg.i0, [S(_su(-3.0, 3.0, 3, 4)), S(_su(18.0, 25.0, 3) * np.array([1.0, -1.0, 1.0]))]),
    OpInfo("igamma", lambda x, a: _first_fixed(mg.igamma, a)(x), [S(_su(0.2, 6.0, 3, 4), a=_A34),
                                                                  S(_su(0.5, 3.0, 2, 1), a=_A4)]),
    OpInfo("igammac", lambda x, a: _first_fixed(mg.igammac, a)(x), [S(_su(0.2, 6.0, 3, 4), a=_A34),
                                                                    S(_su(0.5, 3.0, 2, 1), a=_A4)]),
    OpInfo("ldexp", mg.ldexp, [S(_su(-2.0, 2.0, 3, 4), _su(-3.0, 3.0, 3, 4)), S(_su(-2.0, 2.0, 3, 4), _idx(2, -1, 0, 5)),
                               S(_su(-2.0, 2.0, 2, 1), _su(-1.0, 1.0, 3))]),
    OpInfo("frexp", lambda x: mg.frexp(x).mantissa, [S(_su(-9.0, 9.0, 3, 4)), S(_su(0.01, 0.9, 4))]),
    OpInfo("angle", mg.angle, [S(_su(-2.0, 2.0, 3, 4))]),
    # nextafter moves a by one ulp, so central differences see slope 1 in a (to ~1e-10) and 0 in b as long as no
    # |a - b| is within eps: the samples keep them at least 1 apart. (At a = b torch's derivative is 0 where the
    # differences see 1 from either side: a convention at a point, checked against torch in test_torch_special.)
    OpInfo("nextafter", mg.nextafter, [S(_su(-2.0, -0.5, 3, 4), _su(0.5, 2.0, 3, 4)),
                                       S(_su(0.5, 2.0, 2, 1, 3), _su(-2.0, -0.5, 4, 1))]),
    OpInfo("special.i0e", mg.special.i0e, [S(_su(-3.0, 3.0, 3, 4)), S(_su(18.0, 25.0, 3) * np.array([1.0, -1.0, 1.0]))]),
    OpInfo("special.i1", mg.special.i1, [S(_su(-3.0, 3.0, 3, 4)), S(_su(18.0, 25.0, 3) * np.array([1.0, -1.0, 1.0]))]),
    OpInfo("special.i1e", mg.special.i1e, [S(_su(-3.0, 3.0, 3, 4)), S(_su(18.0, 25.0, 3) * np.array([1.0, -1.0, 1.0]))]),
    OpInfo("special.zeta", lambda q, s: _first_fixed(mg.special.zeta, s)(q),
           [S(_su(0.3, 4.0, 3, 4), s=_S34), S(_su(-2.7, -2.3, 2, 1), s=np.array([2.0, 3.0, 4.0]))]),
    OpInfo("special.xlog1py", mg.special.xlog1py, [S(_su(-2.0, 2.0, 3, 4), _su(-0.8, 3.0, 3, 4)),
                                                   S(_su(-2.0, 2.0, 3, 4), _su(-0.5, 1.0, 4)), S(1.5, _su(0.0, 2.0, 3))]),
    OpInfo("special.entr", mg.special.entr, [S(_su(0.05, 3.0, 3, 4))]),
    OpInfo("special.erfcx", mg.special.erfcx, [S(_su(-3.0, 3.0, 3, 4)), S(_su(5.0, 40.0, 4))]),
    OpInfo("special.ndtr", mg.special.ndtr, [S(_su(-4.0, 4.0, 3, 4))]),
    OpInfo("special.log_ndtr", mg.special.log_ndtr, [S(_su(-4.0, 4.0, 3, 4)), S(_su(-40.0, -10.0, 3))]),
    OpInfo("special.ndtri", mg.special.ndtri, [S(_su(0.02, 0.98, 3, 4)), S(_su(0.002, 0.01, 3))]),
]

# torch.special's Bessel functions of the first and second kind and the orthogonal polynomials (session 24; tests in
# tests/ops/test_bessel_jy.py, test_bessel_k.py, test_orthogonal_polynomials.py). Their own generator, so the
# samples above stay as they were; both sides of x = 5 (J, Y) and 2 (K) where the kernels change form. The
# polynomials' degree n is an integer tensor or a number (torch has no derivative for it).
_bes_rng = np.random.default_rng(2424)


def _bu(low, high, *shape):
    return _bes_rng.uniform(low, high, shape)


_SIGNS = np.array([1.0, -1.0, 1.0])
_DEGREES = np.array([0, 1, 2, 7], dtype=np.int64)
OPS += [
    *[OpInfo(f"special.{name}", getattr(mg.special, name), [S(_bu(-8.0, 8.0, 3, 4)), S(_bu(20.0, 40.0, 3) * _SIGNS)])
      for name in ("bessel_j0", "bessel_j1", "modified_bessel_i0", "modified_bessel_i1")],
    *[OpInfo(f"special.{name}", getattr(mg.special, name), [S(_bu(0.3, 8.0, 3, 4)), S(_bu(20.0, 40.0, 3))])
      for name in ("bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
                   "scaled_modified_bessel_k1")],
    *[OpInfo(f"special.{name}", getattr(mg.special, name),
             [S(_bu(-1.2, 1.2, 3, 4), _DEGREES), S(_bu(-1.2, 1.2, 2, 1), 12)])
      for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                   "chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
                   "legendre_polynomial_p")],
    *[OpInfo(f"special.{name}", getattr(mg.special, name),
             [S(_bu(-0.1, 1.1, 3, 4), _DEGREES), S(_bu(-0.1, 1.1, 2, 1), 12)])
      for name in ("shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
                   "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w")],
    OpInfo("special.spherical_bessel_j0", mg.special.spherical_bessel_j0,
           [S(_bu(-8.0, 8.0, 3, 4)), S(_bu(-0.9, 0.9, 4)), S(_bu(20.0, 40.0, 3) * _SIGNS)]),
    # Ai' changes form at |x| = 9.25 (Taylor series about tabulated centres inside, asymptotic series beyond)
    OpInfo("special.airy_ai", mg.special.airy_ai,
           [S(_bu(-6.0, 6.0, 3, 4)), S(_bu(8.0, 12.0, 4) * np.array([1.0, -1.0, 1.0, -1.0]))]),
]

# PyTorch's top-level rsub (session 10; tests/ops/test_torch_top_level_functions.py compares it with torch).
_top_rng = np.random.default_rng(1011)
OPS += [
    OpInfo("rsub", mg.rsub, [S(_top_rng.standard_normal((2, 3)), _top_rng.standard_normal((2, 3))),
                             S(_top_rng.standard_normal((3,)), 2.5, alpha=2),
                             S(_top_rng.standard_normal((2, 1)), _top_rng.standard_normal((3,)), alpha=-0.5)]),
]



# More linear algebra (session 10; tests/ops/test_torch_linalg_more.py compares each with torch). Their own
# generator, so every sample above stays as it was. Samples are well-conditioned: triangular solves and LU see
# matrices near 3 I (the pivots stay away from 0, and LU's pivot order is constant near the sample), lstsq full-rank
# matrices, cholesky_* symmetric positive-definite ones made inside; matrix_exp a batch with 1-norms above and below
# 1 (scaled by 2^-s with s = 0, 1 and 2, so the squaring steps are checked). svd and qr give U, V (Q) up to sign:
# squares and sign-free products are checked. cond by the norms of A and A^{-1} (fro, +-1, +-inf) has no derivative
# where two entries of the max/min tie; the samples have distinct sums. cholesky_solve/cholesky_inverse take L
# from cholesky (its other triangle identically 0): their L-gradient is torch's, that of the full factor, which
# is not the derivative of the value (the other triangle is never read) for a raw L with entries there.
_lm_rng = np.random.default_rng(13571)
_lmr = normal_from(_lm_rng)


def _near3(*shape):
    return _lm_rng.standard_normal(shape) * 0.5 + 3.0 * np.eye(shape[-1])


def _lu_of(x):
    return mg.linalg.lu_factor(x)


_EXPM = np.stack([_lmr(3, 3) * 0.2, _lmr(3, 3) * 0.6, _lmr(3, 3) * 1.2])

OPS += [
    OpInfo("linalg.solve_triangular", mg.linalg.solve_triangular, [
        S(_near3(3, 3), _lmr(3, 2), upper=True), S(_near3(2, 3, 3), _lmr(3, 2), upper=False),
        S(_near3(3, 3), _lmr(2, 3), upper=True, left=False), S(_near3(2, 3, 3), _lmr(2, 3, 1), upper=False,
                                                               unitriangular=True)]),
    OpInfo("triangular_solve", _joined(mg.triangular_solve), [
        S(_lmr(3, 2), _near3(3, 3)), S(_lmr(2, 3, 2), _near3(3, 3), False, True, True)]),
    OpInfo("cholesky_solve", lambda b, x, *a: mg.cholesky_solve(b, mg.linalg.cholesky(_spd(x), upper=bool(a and a[0])),
                                                                 *a),
           [S(_lmr(3, 2), _lmr(3, 3)), S(_lmr(2, 3, 1), _lmr(3, 3), True)]),
    OpInfo("cholesky_inverse", lambda x, *a: mg.cholesky_inverse(mg.linalg.cholesky(_spd(x), upper=bool(a and a[0])),
                                                                 *a),
           [S(_lmr(3, 3)), S(_lmr(2, 3, 3), True)]),
    OpInfo("linalg.matrix_exp", mg.linalg.matrix_exp, [S(_EXPM), S(_lmr(2, 2)), S(_lmr(1, 1))]),
    OpInfo("matrix_exp", mg.matrix_exp, [S(_lmr(3, 3) * 0.5)]),
    OpInfo("linalg.lu_factor", lambda x: mg.linalg.lu_factor(x).LU, [S(_lmr(4, 4)), S(_lmr(2, 3, 3)), S(_lmr(4, 2)),
                                                                    S(_lmr(2, 4))]),
    OpInfo("linalg.lu_factor_ex", lambda x: mg.linalg.lu_factor_ex(x).LU, [S(_lmr(3, 3))]),
    OpInfo("linalg.lu", lambda x: _flat(*mg.linalg.lu(x)[1:]), [S(_lmr(3, 3)), S(_lmr(2, 4, 3)), S(_lmr(2, 4))]),
    OpInfo("lu", lambda x: mg.lu(x)[0], [S(_lmr(3, 3))]),
    OpInfo("lu_unpack", lambda x: _flat(*mg.lu_unpack(*_lu_of(x))[1:]), [S(_lmr(3, 3))]),
    OpInfo("linalg.lu_solve", lambda x, b, **kw: mg.linalg.lu_solve(*_lu_of(x), b, **kw), [
        S(_near3(3, 3), _lmr(3, 2)), S(_near3(2, 3, 3), _lmr(3, 1), adjoint=True),
        S(_near3(3, 3), _lmr(2, 3), left=False), S(_near3(3, 3), _lmr(2, 3), left=False, adjoint=True)]),
    OpInfo("lu_solve", lambda b, x: mg.lu_solve(b, *_lu_of(x)), [S(_lmr(3, 2), _near3(3, 3))]),
    OpInfo("linalg.lstsq", lambda a, b, **kw: _flat(*[r for r in mg.linalg.lstsq(a, b, **kw)[:2] if r.size]), [
        S(_lmr(5, 3), _lmr(5, 2)), S(_lmr(2, 4, 2), _lmr(2, 4), driver="gelsd"), S(_lmr(2, 4), _lmr(2, 3)),
        S(_lmr(4, 3), _lmr(4, 2), driver="gels")]),
    OpInfo("linalg.cholesky_ex", lambda x, **kw: mg.linalg.cholesky_ex(_spd(x), **kw).L,
           [S(_lmr(3, 3)), S(_lmr(2, 3, 3), upper=True)]),
    OpInfo("linalg.inv_ex", lambda x: mg.linalg.inv_ex(x).inverse, [S(_near3(3, 3)), S(_near3(2, 2, 2))]),
    OpInfo("linalg.solve_ex", lambda a, b, **kw: mg.linalg.solve_ex(a, b, **kw).result,
           [S(_near3(3, 3), _lmr(3, 2)), S(_near3(2, 3, 3), _lmr(2, 3)), S(_near3(3, 3), _lmr(2, 3), left=False)]),
    OpInfo("linalg.tensorinv", mg.linalg.tensorinv, [S(_near3(6, 6).reshape(2, 3, 6)),
                                                     S(_near3(6, 6).reshape(6, 2, 3), 1)]),
    OpInfo("linalg.tensorsolve", mg.linalg.tensorsolve, [S(_near3(6, 6).reshape(2, 3, 6), _lmr(2, 3)),
                                                         S(_near3(6, 6).reshape(6, 2, 3), _lmr(2, 3), dims=(0,))]),
    OpInfo("linalg.cond", mg.linalg.cond, [S(_lmr(3, 3)), S(_lmr(2, 4, 3), -2), S(_near3(3, 3), "nuc"),
                                           S(_near3(3, 3), "fro"), S(_near3(2, 3, 3), 1), S(_near3(3, 3), -np.inf)]),
    OpInfo("linalg.vecdot", mg.linalg.vecdot, [S(_lmr(2, 3), _lmr(3)), S(_lmr(3, 2), _lmr(3, 1), dim=0)]),
    OpInfo("linalg.diagonal", mg.linalg.diagonal, [S(_lmr(2, 3, 4)), S(_lmr(3, 4, 2), offset=-1, dim1=0, dim2=1)]),
    OpInfo("svd", lambda x, *a: (lambda r: _flat(r.U ** 2, r.S, r.V ** 2))(mg.svd(x, *a)),
           [S(_lmr(4, 3)), S(_lmr(2, 2, 3)), S(_lmr(3, 3), False)]),
    OpInfo("svd(compute_uv=False)", lambda x: mg.svd(x, compute_uv=False).S, [S(_lmr(3, 2))]),
    OpInfo("qr", lambda x, *a: (lambda r: _flat(r.Q @ _mT(r.Q), _mT(r.R) @ r.R))(mg.qr(x, *a)),
           [S(_lmr(4, 3)), S(_lmr(3, 3), False)]),
    OpInfo("ger", mg.ger, [S(_lmr(3), _lmr(2))]),
    OpInfo("linalg.householder_product", mg.linalg.householder_product, [
        S(_lmr(4, 3), _lmr(3)), S(_lmr(2, 4, 3), _lmr(2, 2)), S(_lmr(3, 3), np.array([0.5, 0.0, 1.5]))]),
    OpInfo("orgqr", mg.orgqr, [S(_lmr(4, 2), _lmr(2))]),
    OpInfo("ormqr", mg.ormqr, [S(_lmr(4, 3), _lmr(3), _lmr(4, 2)), S(_lmr(2, 4, 2), _lmr(2, 2), _lmr(2, 3, 4), False),
                               S(_lmr(4, 3), _lmr(2), _lmr(4, 2), True, True),
                               S(_lmr(4, 3), _lmr(3), _lmr(2, 4), False, True)]),
]

# clamp with tensor bounds (broadcast), each element away from its bounds; the last has min > max
OPS += [
    OpInfo("clamp(tensor bounds)", lambda x, lo, hi: mg.clamp(x, lo, hi), [
        S(np.array([[-2.0, -0.7, 0.1, 0.6, 1.9], [0.5, 2.0, -3.0, 0.2, 0.9]]),
          np.array([-1.0, -1.0, -1.0, 0.3, 1.0]), np.array([1.0, 1.0, -0.5, 1.5, 0.5]))]),
    OpInfo("clamp(tensor min)", lambda x, lo: x.clamp(min=lo), [S(_CLAMPED, np.array([-1.0, 0.0, 0.5, 0.2, 2.5]))]),
]

# Sparse COO tensors (minigrad.sparse). A registry input is dense, so each function builds its sparse operand from
# float values (checked, as every float input) and a constant int64 index (with a duplicate position, (2, 3)), and
# returns a dense Tensor (a sparse result's values): the gradients of the values and of the dense operands are checked.
_sp_rng = np.random.default_rng(27182)
_SP_INDEX = np.array([[0, 2, 1, 2, 0, 2], [1, 3, 0, 3, 2, 0]], dtype=np.int64)


def _sp(values, index, size=(3, 4)):
    return mg.sparse_coo_tensor(index, values, size)


def _sp_rnd(*shape):
    return _sp_rng.standard_normal(shape)


OPS += [
    OpInfo("spmm", lambda v, d, i: mg.spmm(_sp(v, i), d),
           [S(_sp_rnd(6), _sp_rnd(4, 2), _SP_INDEX), S(_sp_rnd(6), _sp_rnd(4, 1), _SP_INDEX)]),
    OpInfo("sparse.mm", lambda v, d, i: mg.sparse.mm(_sp(v, i).coalesce(), d),
           [S(_sp_rnd(6), _sp_rnd(4, 3), _SP_INDEX)]),
    OpInfo("sparse.matmul", lambda v, d, i: _sp(v, i) @ d, [S(_sp_rnd(6), _sp_rnd(4), _SP_INDEX)]),
    OpInfo("sparse.t_mm", lambda v, d, i: mg.mm(_sp(v, i).t(), d), [S(_sp_rnd(6), _sp_rnd(3, 2), _SP_INDEX)]),
    OpInfo("sparse.to_dense", lambda v, i: _sp(v, i, (3, 4) + tuple(v.shape[1:])).to_dense(),
           [S(_sp_rnd(6), _SP_INDEX), S(_sp_rnd(6, 2), _SP_INDEX)]),
    OpInfo("sparse.coalesce", lambda v, i: _sp(v, i, (3, 4) + tuple(v.shape[1:])).coalesce().values(),
           [S(_sp_rnd(6), _SP_INDEX), S(_sp_rnd(6, 2), _SP_INDEX)]),
    OpInfo("sparse.sum", lambda v, i, **kw: (lambda r: r if isinstance(r, mg.Tensor) else r.values())(
        mg.sparse.sum(_sp(v, i), **kw)), [S(_sp_rnd(6), _SP_INDEX), S(_sp_rnd(6), _SP_INDEX, dim=1),
                                          S(_sp_rnd(6), _SP_INDEX, dim=(0, 1))]),
    OpInfo("sparse.softmax", lambda v, i, dim: mg.sparse.softmax(_sp(v, i), dim).values(),
           [S(_sp_rnd(6), _SP_INDEX, 1), S(_sp_rnd(6), _SP_INDEX, 0)]),
    OpInfo("sparse.log_softmax", lambda v, i, dim: mg.sparse.log_softmax(_sp(v, i), dim).values(),
           [S(_sp_rnd(6), _SP_INDEX, -1), S(_sp_rnd(6), _SP_INDEX, 0)]),
    OpInfo("Tensor.to_sparse", lambda x, *a: x.to_sparse(*a).values(), [S(_sp_rnd(3, 4)), S(_sp_rnd(3, 2, 2), 1)]),
]

# The triangle read (session 14; tests/ops/test_torch_linalg.py compares each with torch): cholesky with upper=True
# reads the upper triangle (a constant in the lower one changes nothing), pinv with hermitian=True the lower one
# (through _sym, so the general pinv gradient is the derivative). Their own generator.
_tri_rng = np.random.default_rng(14014)
_LOWER_NOISE = np.tril(_tri_rng.standard_normal((3, 3)), -1)
OPS += [
    OpInfo("linalg.cholesky(upper triangle read)",
           lambda x: mg.linalg.cholesky(_spd(x) + mg.tensor(_LOWER_NOISE, dtype=str(x.dtype), device=x.device),
                                        upper=True), [S(_tri_rng.standard_normal((3, 3))),
                                                      S(_tri_rng.standard_normal((2, 3, 3)))]),
    OpInfo("linalg.pinv(hermitian)", lambda x, **kw: mg.linalg.pinv(_sym(x), hermitian=True, **kw),
           [S(_tri_rng.standard_normal((3, 3)) + 3.0 * np.eye(3)),
            S(_tri_rng.standard_normal((2, 3, 3)) + 3.0 * np.eye(3))]),
]

# sigmoid's recorded backward, an op of (g, y) with its own derivative (torch's sigmoid_backward); y in (0, 1)
_sig_rng = np.random.default_rng(27182)
INTERNAL_OPS += [OpInfo("ops.SigmoidBackward", lambda g, y: SigmoidBackward.apply(g, y),
                        [S(_sig_rng.standard_normal((3, 4)), _sig_rng.uniform(0.05, 0.95, (3, 4))),
                         S(_sig_rng.standard_normal(5) * 3, _sig_rng.uniform(0.05, 0.95, 5))])]

REGISTRY = OPS + INTERNAL_OPS + SMOOTH_OPS + list(NN_OPS)
