"""Random programs of minigrad ops, each step paired with the same computation in PyTorch.

Read by tests/autograd/test_differential_fuzz.py. A program is a list of float64
input arrays and 3 to 8 steps; each step applies one public op (every name in
``minigrad.ops.DIFFERENTIABLE`` can be drawn, and the registered names outside it in
``EXTRA_GENERATORS``: torch.special, torch.linalg, nn.functional activations and losses,
the *_copy functions) to values made earlier, with
arguments drawn for the shapes at hand: broadcasting partners, sizes 0 and 1,
0-d values, negative and tuple axes, keepdims, basic and advanced indexing.
``Step.mg`` runs it on minigrad Tensors and ``Step.torch`` on torch tensors, so
a program can be replayed on either (or on the perturbed inputs of a
finite-difference check).

Ops with a restricted domain get an input made positive first, written into the
step (``log(x*x + 0.5)``); ``exp`` is drawn only for inputs of moderate size.
PyTorch's mirror of a NumPy-only semantics is written out: ``x[index]`` gathers
``arange(x.size).reshape(x.shape)[index]`` from the flattened tensor, and
``split`` narrows each piece NumPy would cut.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import strategies as st

import minigrad as mg
from minigrad.ops import DIFFERENTIABLE

MIN_STEPS, MAX_STEPS = 3, 8


@dataclass
class Step:
    name: str
    args: tuple                 # indices of the values the step reads
    mg: Callable                # minigrad Tensors -> Tensor or list of Tensors
    torch: Callable             # torch tensors -> tensor or list of tensors
    note: str = ""

    def __repr__(self):
        return f"{self.name}{self.args}{' ' + self.note if self.note else ''}"


@dataclass
class Program:
    inputs: list = field(default_factory=list)     # float64 arrays: the leaves
    steps: list = field(default_factory=list)
    order: list = field(default_factory=list)      # ("leaf", k) and ("step", k) in the order values were made

    def run(self, leaves, side):
        """Replay on ``leaves`` (minigrad or torch tensors); return every value, in the order it was made."""
        values = []
        for kind, k in self.order:
            if kind == "leaf":
                values.append(leaves[k])
                continue
            step = self.steps[k]
            out = getattr(step, side)(*[values[i] for i in step.args])
            values.extend(out if isinstance(out, list) else [out])
        return values

    def __repr__(self):
        shapes = [a.shape for a in self.inputs]
        return f"Program(inputs={shapes}, steps={self.steps})"


# ------------------------------------------------------------------ drawing shapes and arguments
def _shape(draw, max_ndim=3):
    ndim = draw(st.integers(0, max_ndim))
    return tuple(draw(st.lists(st.sampled_from([0, 1, 1, 2, 3]), min_size=ndim, max_size=ndim)))


def _partner_shape(draw, shape):
    """A shape that broadcasts with ``shape``: some dims become 1, leading dims may go or come."""
    out = [1 if draw(st.booleans()) and draw(st.booleans()) else n for n in shape]
    drop = draw(st.integers(0, len(out)))
    out = out[drop:] if draw(st.booleans()) else out
    if len(out) == len(shape) < 3 and draw(st.integers(0, 3)) == 0:
        out = [draw(st.sampled_from([1, 2]))] + out
    return tuple(out)


def _axis(draw, ndim, allow_none=True, allow_tuple=True):
    """None, an int (maybe negative) or a tuple of distinct axes (maybe negative)."""
    choices = ["none"] if allow_none or ndim == 0 else []
    if ndim:
        choices += ["int"] + (["tuple"] if allow_tuple else [])
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def _dims(axis, ndim):
    """The torch ``dim`` argument for a NumPy ``axis``: a tuple of all axes for None."""
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduced(shape, axis):
    return [shape[a] for a in _dims(axis, len(shape))]


class Builder:
    """Draws a program step by step, running minigrad along to know every value's shape."""

    def __init__(self, draw):
        self.draw = draw
        self.program = Program()
        self.values = []            # minigrad Tensors, leaves first
        self.rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    # -------------------------------------------------------------- values
    def leaf(self, shape):
        scale = self.draw(st.sampled_from([0.5, 1.0, 2.0]))
        array = self.rng.standard_normal(shape) * scale
        self.program.order.append(("leaf", len(self.program.inputs)))
        self.program.inputs.append(array)
        self.values.append(mg.tensor(array, dtype="float64", requires_grad=True))
        return len(self.values) - 1

    def pick(self, pred=lambda t: True):
        candidates = [i for i, v in enumerate(self.values) if pred(v)]
        if not candidates:
            return None
        # Later values more often: programs then chain instead of fanning out from the leaves.
        weights = np.arange(1, len(candidates) + 1, dtype=float)
        k = self.draw(st.integers(0, len(candidates) - 1))
        j = int(np.searchsorted(np.cumsum(weights) / weights.sum(), (k + 0.5) / len(candidates)))
        return candidates[min(j, len(candidates) - 1)]

    def with_shape(self, shape):
        """An existing value of exactly ``shape`` (sometimes), else a new leaf."""
        if self.draw(st.booleans()):
            i = self.pick(lambda t: t.shape == shape)
            if i is not None:
                return i
        return self.leaf(shape)

    def add(self, name, args, fm, ft, note=""):
        step = Step(name, tuple(args), fm, ft, note)
        with np.errstate(all="ignore"):
            out = fm(*[self.values[i] for i in step.args])
        self.program.order.append(("step", len(self.program.steps)))
        self.program.steps.append(step)
        self.values.extend(out if isinstance(out, list) else [out])


# ------------------------------------------------------------------ the op table
def _positive_m(x):
    return x * x + 0.5


def _positive_t(x):
    return x * x + 0.5


def _unary(name, fm, ft, domain=None):
    def gen(b):
        i = b.pick()
        x = b.values[i]
        if domain is not None and not domain(x):
            return False
        b.add(name, [i], fm, ft)
        return True
    return gen


def _binary(name, fm, ft):
    def gen(b):
        i = b.pick()
        j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
        if b.draw(st.booleans()):
            i, j = j, i
        b.add(name, [i, j], fm, ft)
        return True
    return gen


def _reduction(name, fm, ft, nonempty=False, ddof=False):
    def gen(b):
        i = b.pick()
        x = b.values[i]
        axis = _axis(b.draw, x.ndim)
        keepdims = b.draw(st.booleans())
        reduced = _reduced(x.shape, axis)
        n = int(np.prod(reduced)) if reduced else 1
        d = b.draw(st.integers(0, 1)) if ddof else 0
        if nonempty and 0 in reduced:
            return False
        if ddof and n <= d:
            return False
        b.add(name, [i], lambda t: fm(t, axis, keepdims, d), lambda t: ft(t, axis, keepdims, d),
              f"axis={axis} keepdims={keepdims}" + (f" ddof={d}" if ddof else ""))
        return True
    return gen


def _torch_reduce(fn):
    def apply(t, axis, keepdims, _):
        if t.ndim == 0:
            return fn(t.reshape(1), 0, False)
        return fn(t, _dims(axis, t.ndim), keepdims)
    return apply


def _torch_logsumexp(t, axis, keepdims, _):
    import torch
    if t.ndim == 0:
        return t.clone()
    return torch.logsumexp(t, dim=_dims(axis, t.ndim), keepdim=keepdims)


def _torch_var(t, axis, keepdims, d):
    import torch
    if t.ndim == 0:
        return torch.var(t.reshape(1), correction=d)
    return torch.var(t, dim=_dims(axis, t.ndim), correction=d, keepdim=keepdims)


def _gen_pow(b):
    i = b.pick()
    kind = b.draw(st.sampled_from(["number", "number_positive", "tensor", "base_number"]))
    if kind == "number":
        c = b.draw(st.sampled_from([0, 1, 2, 3, 2.0]))
        b.add("pow", [i], lambda x: mg.pow(x, c), lambda x: x ** c, f"** {c}")
    elif kind == "number_positive":
        c = b.draw(st.sampled_from([0.5, -1.0, -1.5, 2.5]))
        b.add("pow", [i], lambda x: mg.pow(_positive_m(x), c), lambda x: _positive_t(x) ** c, f"(x*x+0.5) ** {c}")
    elif kind == "tensor":
        j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
        b.add("pow", [i, j], lambda x, y: mg.pow(_positive_m(x), y), lambda x, y: _positive_t(x) ** y,
              "(x*x+0.5) ** y")
    else:
        c = b.draw(st.sampled_from([2.0, 0.5]))
        b.add("pow", [i], lambda x: mg.pow(c, x), lambda x: c ** x, f"{c} ** x")
    return True


def _gen_div(b):
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    if b.draw(st.booleans()):
        b.add("div", [i, j], lambda x, y: mg.div(x, _positive_m(y)), lambda x, y: x / _positive_t(y), "x / (y*y+0.5)")
    else:
        c = b.draw(st.sampled_from([2.0, -0.5]))
        b.add("div", [i], lambda x: mg.div(c, _positive_m(x)), lambda x: c / _positive_t(x), f"{c} / (x*x+0.5)")
    return True


def _gen_matmul(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    k = x.shape[-1]
    m = b.draw(st.sampled_from([0, 1, 2, 3]))
    kind = b.draw(st.sampled_from(["vector", "matrix", "batched"]))
    shape = (k,) if kind == "vector" else (k, m) if kind == "matrix" else (b.draw(st.sampled_from([1, 2])), k, m)
    j = b.with_shape(shape)
    if x.ndim >= 3 and kind == "batched" and x.shape[-3] not in (1, shape[0]):
        return False
    args = [i, j]
    if b.draw(st.booleans()) and x.ndim == 1 and kind != "vector":
        # vector on the right: (k, m).T @ (k,) needs the partner's last axis to be k
        args = [j, i]
        if b.values[j].shape[-1] != k:
            return False
    b.add("matmul", args, mg.matmul, lambda p, q: p @ q)
    return True


def _gen_reshape(b):
    i = b.pick()
    x = b.values[i]
    size = x.size
    options = [(size,), (1, size), (size, 1), x.shape[::-1]]
    divisors = [d for d in range(2, 4) if size and size % d == 0]
    for d in divisors:
        options += [(d, size // d), (d, -1), (-1, d, 1)]
    if size:
        options += [(-1,)]
    shape = b.draw(st.sampled_from(options))
    b.add("reshape", [i], lambda t: mg.reshape(t, shape), lambda t: t.reshape(shape), f"{shape}")
    return True


def _gen_transpose(b):
    i = b.pick()
    x = b.values[i]
    if b.draw(st.booleans()) or x.ndim < 2:
        b.add("transpose", [i], lambda t: mg.transpose(t), lambda t: t.permute(tuple(range(t.ndim - 1, -1, -1))))
    else:
        axes = tuple(b.draw(st.permutations(range(x.ndim))))   # as one tuple: mg.transpose(t, 0, 1) is ambiguous
        b.add("transpose", [i], lambda t: mg.transpose(t, axes), lambda t: t.permute(*axes), f"{axes}")
    return True


def _gen_squeeze(b):
    i = b.pick()
    x = b.values[i]
    ones = [a for a, n in enumerate(x.shape) if n == 1]
    if ones and b.draw(st.booleans()):
        a = b.draw(st.sampled_from(ones))
        a = a - x.ndim if b.draw(st.booleans()) else a
        b.add("squeeze", [i], lambda t: mg.squeeze(t, axis=a), lambda t: t.squeeze(a), f"axis={a}")
    else:
        b.add("squeeze", [i], lambda t: mg.squeeze(t), lambda t: t.reshape([n for n in t.shape if n != 1]))
    return True


def _gen_expand_dims(b):
    i = b.pick()
    a = b.draw(st.integers(-(b.values[i].ndim + 1), b.values[i].ndim))
    b.add("expand_dims", [i], lambda t: mg.expand_dims(t, a), lambda t: t.unsqueeze(a), f"axis={a}")
    return True


def _gen_broadcast_to(b):
    i = b.pick()
    x = b.values[i]
    shape = [b.draw(st.sampled_from([0, 1, 2, 3])) if n == 1 else n for n in x.shape]
    if len(shape) < 4 and b.draw(st.booleans()):
        shape = [b.draw(st.sampled_from([1, 2]))] + shape
    shape = tuple(shape)
    b.add("broadcast_to", [i], lambda t: mg.broadcast_to(t, shape), lambda t: t.broadcast_to(shape), f"{shape}")
    return True


def _gen_sum_to(b):
    i = b.pick()
    x = b.values[i]
    shape = tuple(1 if b.draw(st.booleans()) else n for n in x.shape)
    shape = shape[b.draw(st.integers(0, len(shape))):]

    def torch_sum_to(t):
        lead = t.ndim - len(shape)
        if lead:
            t = t.sum(dim=tuple(range(lead)))
        dims = tuple(a for a, (n, m) in enumerate(zip(shape, t.shape)) if n == 1 and m != 1)
        return t.sum(dim=dims, keepdim=True) if dims else t

    b.add("sum_to", [i], lambda t: mg.sum_to(t, shape), torch_sum_to, f"{shape}")
    return True


def _index(b, shape):
    """A NumPy index for ``shape``: ints, slices (negative steps), None, Ellipsis, integer arrays, masks."""
    draw, rng = b.draw, b.rng
    kind = draw(st.sampled_from(["int", "slice", "tuple", "array", "arrays", "mask", "mask_rows"]))
    n0 = shape[0]
    if kind == "int":
        return int(draw(st.integers(-n0, n0 - 1))) if n0 else None
    if kind == "slice":
        return slice(draw(st.sampled_from([None, -2, 0, 1])), draw(st.sampled_from([None, -1, 2, 5])),
                     draw(st.sampled_from([None, 1, 2, -1, -2])))
    if kind == "tuple":
        parts = []
        for n in shape[: draw(st.integers(1, len(shape)))]:
            choice = draw(st.sampled_from(["slice", "int", "none"]))
            if choice == "int" and n:
                parts.append(int(draw(st.integers(-n, n - 1))))
            elif choice == "none":
                parts += [None, slice(None)]
            else:
                parts.append(slice(None, None, draw(st.sampled_from([1, -1, 2]))))
        if draw(st.booleans()):
            parts = [Ellipsis] + parts[1:] if len(parts) > 1 else parts + [Ellipsis]
        return tuple(parts)
    if kind == "array":
        if not n0:
            return np.zeros(0, dtype=np.int64)
        return rng.integers(-n0, n0, size=draw(st.sampled_from([(0,), (1,), (3,), (2, 2)])))
    if kind == "arrays":
        if len(shape) < 2 or not shape[0] or not shape[1]:
            return None
        rows = rng.integers(0, shape[0], size=3)
        cols = rng.integers(-shape[1], shape[1], size=(1,) if draw(st.booleans()) else 3)
        return (rows, cols) if draw(st.booleans()) else (slice(None), cols) if len(shape) > 1 else rows
    if kind == "mask":
        return rng.standard_normal(shape) > 0
    return (rng.standard_normal(shape[:1]) > 0, Ellipsis)


def _gen_getitem(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    index = _index(b, x.shape)
    if index is None:
        return False
    try:
        flat = np.arange(x.size).reshape(x.shape)[index]
    except IndexError:
        return False

    def torch_getitem(t):
        import torch
        return t.reshape(-1)[torch.as_tensor(np.array(flat, dtype=np.int64, copy=True))]  # no negative strides

    mg_index = tuple(mg.tensor(p) if isinstance(p, np.ndarray) else p for p in index) \
        if isinstance(index, tuple) else (mg.tensor(index) if isinstance(index, np.ndarray) else index)
    b.add("getitem", [i], lambda t: t[mg_index], torch_getitem, f"{_describe_index(index)}")
    return True


def _describe_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"array{p.shape}:{p.dtype}" if isinstance(p, np.ndarray) else repr(p) for p in parts) + "]"


def _gen_concat(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    axis = b.draw(st.integers(-x.ndim, x.ndim - 1))
    others = []
    for _ in range(b.draw(st.integers(1, 2))):
        shape = list(x.shape)
        shape[axis] = b.draw(st.sampled_from([0, 1, 2]))
        others.append(b.with_shape(tuple(shape)))
    args = [i] + others

    def torch_cat(*ts):
        import torch
        return torch.cat(ts, dim=axis)

    b.add("concat", args, lambda *ts: mg.concat(ts, axis=axis), torch_cat, f"axis={axis}")
    return True


def _gen_stack(b):
    i = b.pick()
    x = b.values[i]
    axis = b.draw(st.integers(-(x.ndim + 1), x.ndim))
    args = [i] + [b.with_shape(x.shape) for _ in range(b.draw(st.integers(1, 2)))]

    def torch_stack(*ts):
        import torch
        return torch.stack(ts, dim=axis)

    b.add("stack", args, lambda *ts: mg.stack(ts, axis=axis), torch_stack, f"axis={axis}")
    return True


def _gen_split(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    axis = b.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    if b.draw(st.booleans()):
        sections = b.draw(st.sampled_from([d for d in (1, 2, 3) if n % d == 0]))
    else:
        sections = b.draw(st.lists(st.integers(-1, n + 1), min_size=1, max_size=3))  # may not increase
    spans = [(int(p[0]), int(p[-1]) + 1) if p.size else (0, 0)
             for p in np.split(np.arange(n), sections)]

    def torch_split(t):
        return [t.narrow(axis, start, stop - start) for start, stop in spans]

    if b.draw(st.booleans()):
        b.add("split", [i], lambda t: list(mg.split(t, sections, axis=axis)), torch_split, f"{sections} axis={axis}")
        return True
    # PyTorch's reading, chosen by dim=: pieces of one size (the last shorter) or of sizes adding up to n
    if n and b.draw(st.booleans()):
        sizes = b.draw(st.integers(1, n + 1))
    else:
        cuts = sorted(b.draw(st.lists(st.integers(0, n), max_size=2)))
        sizes = [q - p for p, q in zip([0] + cuts, cuts + [n])]
    method = b.draw(st.booleans())

    def torch_split_dim(t):
        import torch
        return list(torch.split(t, sizes, dim=axis))

    b.add("split", [i], (lambda t: list(t.split(sizes, axis))) if method else
          (lambda t: list(mg.split(t, sizes, dim=axis))), torch_split_dim, f"{sizes} dim={axis}")
    return True


def _gen_chunk(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    dim = b.draw(st.integers(-b.values[i].ndim, b.values[i].ndim - 1))
    chunks = b.draw(st.integers(1, 4))

    def torch_chunk(t):
        import torch
        return list(torch.chunk(t, chunks, dim))

    b.add("chunk", [i], lambda t: list(t.chunk(chunks, dim)), torch_chunk, f"{chunks} dim={dim}")
    return True


def _gen_gather(b, scatter=False):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    d = dim % x.ndim
    shape = tuple(b.draw(st.integers(0, 3)) if k == d else b.draw(st.integers(0, n)) for k, n in enumerate(x.shape))
    if x.shape[d] == 0 and np.prod(shape) > 0:
        return False
    index = b.rng.integers(0, max(x.shape[d], 1), shape)  # repeats: the scatter-add adds them up

    if scatter:
        j = b.with_shape(shape)

        def torch_scatter_add(t, src):
            import torch
            return torch.scatter_add(t, dim, torch.as_tensor(index), src)

        b.add("scatter_add", [i, j], lambda t, src: mg.scatter_add(t, dim, index, src), torch_scatter_add,
              f"dim={dim} index{shape}")
        return True

    def torch_gather(t):
        import torch
        return torch.gather(t, dim, torch.as_tensor(index))

    b.add("gather", [i], lambda t: t.gather(dim, index), torch_gather, f"dim={dim} index{shape}")
    return True


def _mask_for(b, i):
    """A random bool mask of a shape that broadcasts with value i's, or None where the drawn shape does not."""
    mask_shape = _partner_shape(b.draw, b.values[i].shape)
    try:
        np.broadcast_shapes(mask_shape, b.values[i].shape)
    except ValueError:
        return None
    return b.rng.standard_normal(mask_shape) > 0


def _gen_masked_fill(b):
    i = b.pick()
    mask = _mask_for(b, i)
    if mask is None:
        return False
    value = b.draw(st.sampled_from([0.0, -1.5, 2.0]))

    def torch_masked_fill(t):
        import torch
        return torch.masked_fill(t, torch.as_tensor(mask), value)

    b.add("masked_fill", [i], lambda t: mg.masked_fill(t, mask, value), torch_masked_fill, f"mask{mask.shape} {value}")
    return True


def _gen_tile(b):
    i = b.pick()
    reps = tuple(b.draw(st.lists(st.integers(0, 2), max_size=3)))

    def torch_tile(t):
        import torch
        return torch.tile(t, reps)

    b.add("tile", [i], lambda t: mg.tile(t, reps), torch_tile, f"{reps}")
    return True


def _gen_triangle(name):
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 2)
        if i is None:
            return False
        diagonal = b.draw(st.integers(-2, 2))

        def torch_triangle(t):
            import torch
            return getattr(torch, name)(t, diagonal)

        b.add(name, [i], lambda t: getattr(mg, name)(t, diagonal), torch_triangle, f"diagonal={diagonal}")
        return True
    return gen


def _gen_einsum(b):
    """x with letters a, b, c; a partner that shares some of them and may add d; an output of any of them."""
    i = b.pick(lambda t: t.ndim <= 3)
    if i is None:
        return False
    x = b.values[i]
    x_term = "abc"[:x.ndim]
    size = dict(zip(x_term, x.shape), d=b.draw(st.integers(1, 3)))
    y_term = "".join(b.draw(st.permutations(list(x_term + "d")))[:b.draw(st.integers(0, x.ndim + 1))])
    if b.draw(st.booleans()):
        j = b.with_shape(tuple(size[c] for c in y_term))
        args, terms = [i, j], [x_term, y_term]
    else:
        args, terms = [i], [x_term]
    letters = sorted(set("".join(terms)))
    out = "".join(b.draw(st.permutations(letters))[:b.draw(st.integers(0, len(letters)))])
    equation = ",".join(terms) + "->" + out

    def torch_einsum(*ts):
        import torch
        return torch.einsum(equation, *ts)

    b.add("einsum", args, lambda *ts: mg.einsum(equation, *ts), torch_einsum, equation)
    return True


def _gen_softmax(name):
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 1)
        if i is None:
            return False
        dim = b.draw(st.integers(-b.values[i].ndim, b.values[i].ndim - 1))

        def torch_softmax(t):
            import torch
            return getattr(torch, name)(t, dim)

        b.add(name, [i], lambda t: getattr(t, name)(dim), torch_softmax, f"dim={dim}")
        return True
    return gen


def _gen_where(b):
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    cond_shape = _partner_shape(b.draw, b.values[i].shape)
    cond = b.rng.standard_normal(cond_shape) > 0
    try:
        np.broadcast_shapes(cond_shape, b.values[i].shape, b.values[j].shape)
    except ValueError:
        return False

    def torch_where(x, y):
        import torch
        return torch.where(torch.as_tensor(cond), x, y)

    if b.draw(st.booleans()):
        b.add("where", [i, j], lambda x, y: mg.where(mg.tensor(cond), x, y), torch_where, f"cond{cond_shape}")
    else:
        def torch_where0(x):
            import torch
            return torch.where(torch.as_tensor(cond), x, torch.zeros((), dtype=x.dtype))
        b.add("where", [i], lambda x: mg.where(mg.tensor(cond), x, 0.0), torch_where0, f"cond{cond_shape}, x, 0")
    return True


def _gen_clip(b):
    i = b.pick()
    lo = b.draw(st.sampled_from([None, -1.0, -0.3, 0.2]))
    hi = b.draw(st.sampled_from([None, 0.5, 1.0, 2.0]))
    if lo is None and hi is None:
        hi = 1.0
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo

    def torch_clip(t):
        import torch
        return torch.clamp(t, min=lo, max=hi)

    b.add("clip", [i], lambda t: mg.clip(t, lo, hi), torch_clip, f"[{lo}, {hi}]")
    return True


def _gen_clamp(b):
    """torch.clamp's bounds, min > max included (every value becomes max), in either spelling."""
    i = b.pick()
    lo = b.draw(st.sampled_from([None, -1.0, -0.3, 0.2, 1.5]))
    hi = b.draw(st.sampled_from([None, -0.5, 0.5, 1.0]))
    if lo is None and hi is None:
        lo = -0.3
    method = b.draw(st.booleans())

    def torch_clamp(t):
        import torch
        return torch.clamp(t, min=lo, max=hi)

    b.add("clamp", [i], (lambda t: t.clamp(min=lo, max=hi)) if method else (lambda t: mg.clamp(t, lo, hi)),
          torch_clamp, f"min={lo}, max={hi}")
    return True


def _gen_std(b):
    """std with NumPy's or PyTorch's keywords; slices whose spread is near 0 are left out, where the
    derivative (x - mean) / (n std) divides rounding noise by rounding noise."""
    i = b.pick()
    x = b.values[i]
    axis = _axis(b.draw, x.ndim)
    keepdims = b.draw(st.booleans())
    d = b.draw(st.integers(0, 1))
    reduced = _reduced(x.shape, axis)
    if (int(np.prod(reduced)) if reduced else 1) <= d:
        return False
    spread = np.std(x.numpy(), axis=axis)
    if np.size(spread) and np.min(spread) < 1e-3:
        return False
    dims = _dims(axis, x.ndim)

    def torch_std(t):
        import torch
        return torch.std(t, dim=dims, correction=d, keepdim=keepdims)

    if b.draw(st.booleans()):
        b.add("std", [i], lambda t: mg.std(t, axis=axis, keepdims=keepdims, ddof=d), torch_std, f"axis={axis} keepdims={keepdims} ddof={d}")
    else:
        b.add("std", [i], lambda t: t.std(dim=dims, keepdim=keepdims, correction=d), torch_std,
              f"dim={dims} keepdim={keepdims} correction={d}")
    return True


def _gen_leaky_relu(b):
    i = b.pick()
    slope = b.draw(st.sampled_from([0.01, 0.2]))

    def torch_leaky(t):
        import torch
        return torch.nn.functional.leaky_relu(t, slope)

    b.add("leaky_relu", [i], lambda t: mg.leaky_relu(t, slope), torch_leaky, f"slope={slope}")
    return True


def _gen_hardtanh(b):
    i = b.pick()
    lo, hi = b.draw(st.sampled_from([(-1.0, 1.0), (0.0, 6.0), (-0.3, 0.2), (0.5, 0.5)]))

    def torch_hardtanh(t):
        import torch
        return torch.nn.functional.hardtanh(t, lo, hi)

    b.add("hardtanh", [i], lambda t: mg.hardtanh(t, lo, hi), torch_hardtanh, f"[{lo}, {hi}]")
    return True


def _gen_softplus(b):
    """softplus with PyTorch's beta and threshold; threshold None (no linear region) is PyTorch's 1e9 here,
    drawn only for inputs of moderate size, where PyTorch's log1p(exp(beta x)) does not overflow."""
    i = b.pick()
    beta = b.draw(st.sampled_from([1.0, 2.0, 0.5, -1.5]))
    threshold = b.draw(st.sampled_from([None, 20.0, 1.0]))
    if threshold is None and not _moderate(b.values[i]):
        threshold = 20.0

    def torch_softplus(t):
        import torch
        return torch.nn.functional.softplus(t, beta, 1e9 if threshold is None else threshold)

    b.add("softplus", [i], lambda t: mg.softplus(t, beta, threshold), torch_softplus,
          f"beta={beta} threshold={threshold}")
    return True


def _gen_astype(b):
    i = b.pick()

    def torch_round_trip(t):
        import torch
        return t.to(torch.float32).to(torch.float64)

    b.add("astype", [i], lambda t: mg.astype(mg.astype(t, "float32"), "float64"), torch_round_trip,
          "float32 and back")
    return True


def _gen_to_device(b):
    i = b.pick()
    b.add("to_device", [i], lambda t: mg.to_device(t, "cpu"), lambda t: t.to("cpu"), "cpu")
    return True


def _one_axis(b, x):
    """An int dim for an op along one dim (0 or -1 on a 0-d value)."""
    n = max(x.ndim, 1)
    return b.draw(st.integers(-n, n - 1))


def _gen_cumsum(b):
    i = b.pick()
    x = b.values[i]
    if b.draw(st.integers(0, 3)) == 0:  # NumPy's axis=None: the flattened value
        b.add("cumsum", [i], lambda t: mg.cumsum(t, axis=None), lambda t: t.reshape(-1).cumsum(0), "axis=None")
        return True
    d = _one_axis(b, x)
    fm = (lambda t: t.cumsum(d)) if b.draw(st.booleans()) else (lambda t: mg.cumsum(t, axis=d))
    b.add("cumsum", [i], fm, lambda t: t.cumsum(d), f"dim={d}")
    return True


def _gen_prod(b):
    """prod over one dim (torch.prod takes one), or over all dims; zeros from relu and clamp reach it too."""
    i = b.pick(lambda t: t.size <= 12)  # products of many normal values over- or underflow into noise
    if i is None:
        return False
    x = b.values[i]
    keepdim = b.draw(st.booleans())
    if b.draw(st.booleans()):
        b.add("prod", [i], lambda t: mg.prod(t), lambda t: t.prod(), "all dims")
        return True
    d = _one_axis(b, x)
    b.add("prod", [i], lambda t: t.prod(dim=d, keepdim=keepdim), lambda t: t.prod(dim=d, keepdim=keepdim),
          f"dim={d} keepdim={keepdim}")
    return True


def _gen_norm(b):
    i = b.pick()
    x = b.values[i]
    p = b.draw(st.sampled_from([2, 1, 3, "fro", float("inf"), -float("inf"), 1.5]))
    axis = _axis(b.draw, x.ndim)
    keepdim = b.draw(st.booleans())
    if isinstance(p, float) and np.isinf(p) and 0 in _reduced(x.shape, axis):
        return False
    if _zero_slice(x, axis):
        return False
    dims = None if axis is None else _dims(axis, x.ndim)

    def torch_norm(t):
        import torch
        return torch.linalg.vector_norm(t, ord=2 if p == "fro" else p, dim=dims, keepdim=keepdim)

    b.add("norm", [i], lambda t: mg.norm(t, p, dim=dims, keepdim=keepdim), torch_norm,
          f"p={p} dim={dims} keepdim={keepdim}")
    return True


def _zero_slice(x, axis):
    """A slice (of the reduced axes) that is all 0, or empty: a norm there has no derivative (torch's second one
    is NaN even where the 0 is a constant, such as the trapezoid of one point, and minigrad's is 0)."""
    a = np.abs(x.numpy())
    if a.ndim == 0:
        return bool(a < 1e-3)
    return bool((a.max(axis=axis, initial=0.0) < 1e-3).any()) if a.size else 0 in _reduced(x.shape, axis)


def _gen_sort(b):
    """sort's values (ties keep their order: torch's stable=True); PyTorch's call or NumPy's."""
    i = b.pick()
    x = b.values[i]
    d = _one_axis(b, x)
    descending = b.draw(st.booleans())

    def torch_sort(t):
        import torch
        return torch.sort(t, dim=d, descending=descending, stable=True).values

    if not descending and b.draw(st.booleans()):
        b.add("sort", [i], lambda t: mg.sort(t, axis=d), torch_sort, f"axis={d}")
    else:
        b.add("sort", [i], lambda t: t.sort(dim=d, descending=descending).values, torch_sort,
              f"dim={d} descending={descending}")
    return True


def _gen_topk(b):
    i = b.pick()
    x = b.values[i]
    d = _one_axis(b, x)
    n = x.shape[d] if x.ndim else 1
    k = b.draw(st.integers(0, n))
    largest = b.draw(st.booleans())

    def torch_topk(t):
        import torch
        return torch.topk(t, k, dim=d, largest=largest).values

    b.add("topk", [i], lambda t: mg.topk(t, k, dim=d, largest=largest).values, torch_topk,
          f"k={k} dim={d} largest={largest}")
    return True


def _torch_sign(t):
    import torch
    return torch.where(torch.isnan(t), t, torch.sign(t))  # NumPy's sign(nan) is NaN, torch's 0 (docs/autodiff.md)


def _t(name):
    def fn(*ts):
        import torch
        return getattr(torch, name)(*ts)
    return fn


def _moderate(t):
    return t.size == 0 or float(np.abs(t.numpy()).max()) < 20


# ------------------------------------------------------------------ spatial ops (NCHW): a 4-D value, reused or new
def _image(b):
    """An existing 4-D value with spatial sides >= 1 (sometimes), else a new (N, C, H, W) leaf."""
    if b.draw(st.booleans()):
        i = b.pick(lambda t: t.ndim == 4 and min(t.shape) >= 1)
        if i is not None:
            return i
    n, c = b.draw(st.sampled_from([1, 2])), b.draw(st.sampled_from([1, 2, 3]))
    return b.leaf((n, c, b.draw(st.integers(1, 5)), b.draw(st.integers(1, 5))))


def _torch_f(name, **kwargs):
    def fn(*ts):
        import torch
        return getattr(torch.nn.functional, name)(*ts, **kwargs)
    return fn


def _gen_conv2d(b, transpose=False):
    i = _image(b)
    n, c, h, w = b.values[i].shape
    groups = b.draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
    out = groups * b.draw(st.sampled_from([1, 2]))
    k = (b.draw(st.integers(1, 3)), b.draw(st.integers(1, 3)))
    stride, padding, dilation = b.draw(st.sampled_from([1, 2])), b.draw(st.sampled_from([0, 1])), b.draw(st.sampled_from([1, 2]))
    if transpose:
        j = b.leaf((c, out // groups, *k))
        opts = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        if any((s - 1) * stride - 2 * padding + dilation * (kk - 1) + 1 <= 0 for s, kk in zip((h, w), k)):
            return False
        b.add("conv_transpose2d", [i, j], lambda x, wt: mg.nn.functional.conv_transpose2d(x, wt, **opts),
              _torch_f("conv_transpose2d", **opts), str(opts))
        return True
    if any(s + 2 * padding < dilation * (kk - 1) + 1 for s, kk in zip((h, w), k)):
        return False
    j = b.leaf((out, c // groups, *k))
    args, torch_args = [i, j], {}
    opts = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if b.draw(st.booleans()):
        args.append(b.leaf((out,)))
    b.add("conv2d", args, lambda *t: mg.nn.functional.conv2d(*t, **opts), _torch_f("conv2d", **opts), str(opts))
    return True


def _gen_pool(name):
    def gen(b):
        i = _image(b)
        h, w = b.values[i].shape[2:]
        k = b.draw(st.integers(1, min(h, w, 3)))
        stride = b.draw(st.sampled_from([None, 1, 2]))
        padding = b.draw(st.integers(0, k // 2))
        opts = dict(kernel_size=k, stride=stride, padding=padding)
        fm = getattr(mg.nn.functional, name)
        b.add(name, [i], lambda x: fm(x, **opts), _torch_f(name, **opts), str(opts))
        return True
    return gen


def _gen_adaptive_avg_pool2d(b):
    i = _image(b)
    h, w = b.values[i].shape[2:]
    size = (b.draw(st.integers(1, h)), b.draw(st.integers(1, w)))
    b.add("adaptive_avg_pool2d", [i], lambda x: mg.nn.functional.adaptive_avg_pool2d(x, size),
          _torch_f("adaptive_avg_pool2d", output_size=size), f"output_size={size}")
    return True


def _gen_pad(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    widths = tuple(b.draw(st.integers(0, 2)) for _ in range(2 * min(x.ndim, 2)))
    k = len(widths) // 2
    # The copying modes (PadMode) where torch takes them: k padded axes of a (k+1)- or (k+2)-D value, non-empty
    # axes (besides a batch axis) for reflect and replicate, widths below the size for reflect, up to it for circular.
    sizes = x.shape[x.ndim - k:][::-1]
    modes = ["constant"]
    if x.ndim in (k + 1, k + 2) and 0 not in x.shape[x.ndim - k - 1:]:
        modes += ["replicate"] + ["reflect"] * all(max(widths[2 * j:2 * j + 2]) < n for j, n in enumerate(sizes)) \
            + ["circular"] * all(max(widths[2 * j:2 * j + 2]) <= n for j, n in enumerate(sizes))
    mode = b.draw(st.sampled_from(modes))
    if mode != "constant":
        b.add("pad", [i], lambda t: mg.nn.functional.pad(t, widths, mode=mode), _torch_f("pad", pad=widths, mode=mode),
              f"pad={widths}, mode={mode}")
        return True
    value = b.draw(st.sampled_from([0.0, 1.5]))
    b.add("pad", [i], lambda t: mg.nn.functional.pad(t, widths, value=value),
          _torch_f("pad", pad=widths, value=value), f"pad={widths}, value={value}")
    return True


# ------------------------------------------------------------------ PyTorch's elementwise math (session 9)
def _finite(t):
    return bool(np.isfinite(t.numpy()).all())


def _off_grid(step, offset=0.0):
    """Entries at least 1e-3 from every point of offset + step Z: off the jumps of floor, round, fmod, ..."""
    def domain(t):
        a = t.numpy() / step - offset
        return _finite(t) and bool((np.abs(a - np.round(a)) > 1e-3).all())
    return domain


def _off_integers_and_halves(t):
    return _off_grid(1.0)(t) and _off_grid(1.0, 0.5)(t)


def _nonzero(t):
    return _finite(t) and bool((np.abs(t.numpy()) > 1e-3).all())


def _small(t):
    return t.size == 0 or float(np.abs(t.numpy()).max()) < 1.3


def _tf(name):
    """torch.<name> for the torch side of a step."""
    def fn(*ts, **kwargs):
        import torch
        return getattr(torch, name)(*ts, **kwargs)
    return fn


def _unit_m(x):
    return mg.tanh(x) * 0.9          # inside (-1, 1): asin, acos, atanh, erfinv


def _unit_t(x):
    return _tf("tanh")(x) * 0.9


def _binary_in(name, fm, ft, domain_b=None, domain_a=None):
    """A binary step whose operands must satisfy ``domain_b`` and ``domain_a`` (copysign: off the sign change of
    b at 0, and off |a|'s kink at 0, where torch's second derivative is NaN even for a constant 0 such as the
    trapezoid of one point)."""
    def gen(b):
        i = b.pick()
        j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
        if domain_b is not None and not domain_b(b.values[j]):
            return False
        if domain_a is not None and not domain_a(b.values[i]):
            return False
        b.add(name, [i, j], fm, ft)
        return True
    return gen


def _gen_modulo(name):
    def gen(b):
        i = b.pick()
        c = b.draw(st.sampled_from([1.5, -0.7, 2.5]))
        if not _off_grid(c)(b.values[i]):
            return False
        b.add(name, [i], lambda x: getattr(mg, name)(x, c), lambda x: _tf(name)(x, c), f"divisor={c}")
        return True
    return gen


def _gen_lerp(b):
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    if b.draw(st.booleans()):
        w = b.draw(st.sampled_from([0.3, 0.7, -0.2, 1.2]))
        b.add("lerp", [i, j], lambda x, y: mg.lerp(x, y, w), lambda x, y: _tf("lerp")(x, y, w), f"weight={w}")
        return True
    k = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    try:
        np.broadcast_shapes(b.values[i].shape, b.values[j].shape, b.values[k].shape)
    except ValueError:
        return False
    b.add("lerp", [i, j, k], mg.lerp, _tf("lerp"))
    return True


def _gen_addc(name):
    def gen(b):
        i = b.pick()
        j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
        k = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
        try:
            np.broadcast_shapes(b.values[i].shape, b.values[j].shape, b.values[k].shape)
        except ValueError:
            return False
        v = b.draw(st.sampled_from([1, 0.5, -2.0]))
        if name == "addcmul":
            b.add(name, [i, j, k], lambda x, y, z: mg.addcmul(x, y, z, value=v),
                  lambda x, y, z: _tf("addcmul")(x, y, z, value=v), f"value={v}")
        else:
            b.add(name, [i, j, k], lambda x, y, z: mg.addcdiv(x, y, _positive_m(z), value=v),
                  lambda x, y, z: _tf("addcdiv")(x, y, _positive_t(z), value=v), f"value={v}")
        return True
    return gen


ELEMENTWISE_GENERATORS = {
    "floor": _unary("floor", mg.floor, _tf("floor"), domain=_off_grid(1.0)),
    "ceil": _unary("ceil", mg.ceil, _tf("ceil"), domain=_off_grid(1.0)),
    "round": _unary("round", mg.round, _tf("round"), domain=_off_integers_and_halves),
    "trunc": _unary("trunc", mg.trunc, _tf("trunc"), domain=_off_grid(1.0)),
    "frac": _unary("frac", mg.frac, _tf("frac"), domain=_off_grid(1.0)),
    "rsqrt": _unary("rsqrt", lambda x: mg.rsqrt(_positive_m(x)), lambda x: _tf("rsqrt")(_positive_t(x))),
    "reciprocal": _unary("reciprocal", mg.reciprocal, _tf("reciprocal"), domain=_nonzero),
    "log1p": _unary("log1p", lambda x: mg.log1p(_positive_m(x)), lambda x: _tf("log1p")(_positive_t(x))),
    "expm1": _unary("expm1", mg.expm1, _tf("expm1"), domain=_moderate),
    "log2": _unary("log2", lambda x: mg.log2(_positive_m(x)), lambda x: _tf("log2")(_positive_t(x))),
    "log10": _unary("log10", lambda x: mg.log10(_positive_m(x)), lambda x: _tf("log10")(_positive_t(x))),
    "exp2": _unary("exp2", mg.exp2, _tf("exp2"), domain=_moderate),
    "tan": _unary("tan", mg.tan, _tf("tan"), domain=_small),
    "sinh": _unary("sinh", mg.sinh, _tf("sinh"), domain=_moderate),
    "cosh": _unary("cosh", mg.cosh, _tf("cosh"), domain=_moderate),
    "asin": _unary("asin", lambda x: mg.asin(_unit_m(x)), lambda x: _tf("asin")(_unit_t(x))),
    "acos": _unary("acos", lambda x: mg.acos(_unit_m(x)), lambda x: _tf("acos")(_unit_t(x))),
    "atan": _unary("atan", mg.atan, _tf("atan")),
    "asinh": _unary("asinh", mg.asinh, _tf("asinh")),
    "acosh": _unary("acosh", lambda x: mg.acosh(x * x + 1.5), lambda x: _tf("acosh")(x * x + 1.5)),
    "atanh": _unary("atanh", lambda x: mg.atanh(_unit_m(x)), lambda x: _tf("atanh")(_unit_t(x))),
    "erf": _unary("erf", mg.erf, _tf("erf")),
    "erfc": _unary("erfc", mg.erfc, _tf("erfc")),
    "erfinv": _unary("erfinv", lambda x: mg.erfinv(_unit_m(x)), lambda x: _tf("erfinv")(_unit_t(x))),
    "sinc": _unary("sinc", mg.sinc, _tf("sinc"), domain=_nonzero),
    "logit": _unary("logit", lambda x: mg.logit(mg.sigmoid(x) * 0.8 + 0.1),
                    lambda x: _tf("logit")(_tf("sigmoid")(x) * 0.8 + 0.1)),
    "nan_to_num": _unary("nan_to_num", mg.nan_to_num, _tf("nan_to_num")),
    "atan2": _binary("atan2", lambda x, y: mg.atan2(x, _positive_m(y)), lambda x, y: _tf("atan2")(x, _positive_t(y))),
    "hypot": _binary("hypot", lambda x, y: mg.hypot(x, _positive_m(y)), lambda x, y: _tf("hypot")(x, _positive_t(y))),
    "logaddexp": _binary("logaddexp", mg.logaddexp, _tf("logaddexp")),
    "logaddexp2": _binary("logaddexp2", mg.logaddexp2, _tf("logaddexp2")),
    "xlogy": _binary("xlogy", lambda x, y: mg.xlogy(x, _positive_m(y)), lambda x, y: _tf("xlogy")(x, _positive_t(y))),
    "copysign": _binary_in("copysign", mg.copysign, _tf("copysign"), domain_b=_nonzero, domain_a=_nonzero),
    "fmod": _gen_modulo("fmod"),
    "remainder": _gen_modulo("remainder"),
    "fmax": _binary("fmax", mg.fmax, _tf("fmax")),
    "fmin": _binary("fmin", mg.fmin, _tf("fmin")),
    "lerp": _gen_lerp,
    "addcmul": _gen_addc("addcmul"),
    "addcdiv": _gen_addc("addcdiv"),
}


# ------------------------------------------------------------------ PyTorch's shape names (session 9)
def _torch(name):
    def call(t, *args, **kwargs):
        import torch
        return getattr(torch, name)(t, *args, **kwargs)
    return call


def _gen_shape_op(name, min_ndim, params, pieces=False, method=None, max_ndim=None):
    """One input of at least ``min_ndim`` dims (at most ``max_ndim``); ``params(b, x)`` draws the arguments
    (None: the op does not fit x); the same call in minigrad and torch (both as lists for ``pieces``)."""
    def gen(b):
        i = b.pick(lambda t: t.ndim >= min_ndim and (max_ndim is None or t.ndim <= max_ndim))
        if i is None:
            return False
        drawn = params(b, b.values[i])
        if drawn is None:
            return False
        args, kwargs = drawn
        if method:
            fm = ft = (lambda t: getattr(t, method)(*args, **kwargs))
        else:
            fm, ft = (lambda t: getattr(mg, name)(t, *args, **kwargs)), (lambda t: _torch(name)(t, *args, **kwargs))
        if pieces:
            fm_, ft_ = fm, ft
            fm, ft = (lambda t: list(fm_(t))), (lambda t: list(ft_(t)))
        b.add(name, [i], fm, ft, f"{args} {kwargs}")
        return True
    return gen


# ------------------------------------------------------------------ PyTorch's indexing and scatter names
def _torch_module():
    import torch
    return torch


def _vector(b, n, distinct=False):
    """An int64 index vector of 0 to 3 entries in [0, n) (repeats unless ``distinct``)."""
    k = b.draw(st.integers(0, min(3, n) if distinct else 3)) if n else 0
    return b.rng.permutation(n)[:k] if distinct else b.rng.integers(0, max(n, 1), k)


def _gen_index_select(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    index = _vector(b, x.shape[dim])
    b.add("index_select", [i], lambda t: t.index_select(dim, index),
          lambda t: _torch_module().index_select(t, dim, _torch_module().as_tensor(index)), f"dim={dim} index={list(index)}")
    return True


def _gen_masked_select(b):
    i = b.pick()
    mask = _mask_for(b, i)
    if mask is None:
        return False
    b.add("masked_select", [i], lambda t: mg.masked_select(t, mask),
          lambda t: _torch_module().masked_select(t, _torch_module().as_tensor(mask)), f"mask{mask.shape}")
    return True


def _gen_take(b):
    i = b.pick(lambda t: t.size > 0)
    if i is None:
        return False
    n = b.values[i].size
    index = b.rng.integers(-n, n, _shape(b.draw, 2))   # negative entries count from the end
    b.add("take", [i], lambda t: t.take(index), lambda t: _torch_module().take(t, _torch_module().as_tensor(index)),
          f"index{index.shape}")
    return True


def _gen_take_along_dim(b):
    i = b.pick(lambda t: t.ndim >= 1 and t.size > 0)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    d = dim % x.ndim
    shape = tuple(b.draw(st.integers(0, 3)) if k == d else b.draw(st.sampled_from([1, n])) for k, n in
                  enumerate(x.shape))
    index = b.rng.integers(0, x.shape[d], shape)
    b.add("take_along_dim", [i], lambda t: t.take_along_dim(index, dim),
          lambda t: _torch_module().take_along_dim(t, _torch_module().as_tensor(index), dim), f"dim={dim} index{shape}")
    return True


def _gen_index_write(name):
    """index_add (repeated indices add up), index_copy (distinct indices) and index_fill (negative ones too)."""
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 1)
        if i is None:
            return False
        x = b.values[i]
        dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
        d = dim % x.ndim
        index = _vector(b, x.shape[d], distinct=name == "index_copy")
        if name == "index_fill":
            index = index - x.shape[d] * (b.rng.random(index.size) < 0.5)
            value = b.draw(st.sampled_from([0.0, -1.5, 2.0]))
            b.add(name, [i], lambda t: t.index_fill(dim, index, value),
                  lambda t: t.index_fill(dim, _torch_module().as_tensor(index), value), f"dim={dim} {list(index)} {value}")
            return True
        j = b.with_shape(x.shape[:d] + (index.size,) + x.shape[d + 1:])
        if name == "index_add":
            alpha = b.draw(st.sampled_from([1, -0.5, 2.0]))
            b.add(name, [i, j], lambda t, s: t.index_add(dim, index, s, alpha=alpha),
                  lambda t, s: t.index_add(dim, _torch_module().as_tensor(index), s, alpha=alpha),
                  f"dim={dim} {list(index)} alpha={alpha}")
        else:
            b.add(name, [i, j], lambda t, s: t.index_copy(dim, index, s),
                  lambda t, s: t.index_copy(dim, _torch_module().as_tensor(index), s), f"dim={dim} {list(index)}")
        return True
    return gen


def _a_dim(b, x):
    return b.draw(st.integers(-x.ndim, x.ndim - 1))


def _flip_params(b, x):
    return ((tuple(b.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, max_size=x.ndim))) if x.ndim else (),),
            {})


def _roll_params(b, x):
    if x.ndim == 0 or b.draw(st.booleans()):
        return (b.draw(st.integers(-4, 4)),), {}
    dims = tuple(b.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=2)))
    return (tuple(b.draw(st.integers(-4, 4)) for _ in dims), dims), {}


def _rot90_params(b, x):
    d = b.draw(st.lists(st.integers(0, x.ndim - 1), min_size=2, max_size=2, unique=True))
    return (b.draw(st.integers(-2, 5)), tuple(d)), {}


def _narrow_params(b, x):
    d = _a_dim(b, x)
    n = x.shape[d]
    start = b.draw(st.integers(-n, n))
    s = start % n if n and start < 0 else start
    return (d, start, b.draw(st.integers(0, n - s))), {}


def _movedim_params(b, x):
    k = b.draw(st.integers(1, x.ndim))
    src = b.draw(st.lists(st.integers(0, x.ndim - 1), min_size=k, max_size=k, unique=True))
    dst = b.draw(st.lists(st.integers(0, x.ndim - 1), min_size=k, max_size=k, unique=True))
    return (tuple(src), tuple(dst)), {}


def _unflatten_params(b, x):
    d = _a_dim(b, x)
    n = x.shape[d]
    if n == 0:
        return (d, (0, b.draw(st.integers(1, 2)))), {}
    first = b.draw(st.sampled_from([k for k in (1, 2, 3) if n % k == 0]))
    return (d, (first, -1) if b.draw(st.booleans()) else (first, n // first)), {}


def _diagonal_params(b, x):
    d = b.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2, unique=True))
    if d[0] % x.ndim == d[1] % x.ndim:
        return None
    return (b.draw(st.integers(-3, 3)), d[0], d[1]), {}


def _diag_embed_params(b, x):
    d = b.draw(st.lists(st.integers(-x.ndim - 1, x.ndim), min_size=2, max_size=2, unique=True))
    if d[0] % (x.ndim + 1) == d[1] % (x.ndim + 1):
        return None
    return (b.draw(st.integers(-2, 2)), d[0], d[1]), {}


def _tensor_split_params(b, x):
    d = _a_dim(b, x)
    n = x.shape[d]
    spec = b.draw(st.integers(1, 4)) if b.draw(st.booleans()) else \
        b.draw(st.lists(st.integers(-n - 1, n + 1), max_size=3))
    return (spec, d), {}


def _even_params(dim):
    def params(b, x):
        d = dim if x.ndim > 1 or dim != 1 else 0
        n = x.shape[d]
        if b.draw(st.booleans()):
            options = [k for k in (1, 2, 3) if n % k == 0]
            return ((b.draw(st.sampled_from(options)),), {}) if options else None
        return (sorted(b.draw(st.lists(st.integers(0, n), max_size=2))),), {}
    return params


def _sizes_params(b, x):
    d = _a_dim(b, x)
    cuts = sorted(b.draw(st.lists(st.integers(0, x.shape[d]), max_size=2)))
    return ([q - p for p, q in zip([0] + cuts, cuts + [x.shape[d]])], d), {}


def _repeat_interleave_params(b, x):
    d = None if x.ndim == 0 or b.draw(st.booleans()) else _a_dim(b, x)
    return (b.draw(st.integers(0, 3)), d), {}


def _unfold_params(b, x):
    d = _a_dim(b, x)
    n = x.shape[d]
    return (d, b.draw(st.integers(0, n)), b.draw(st.integers(1, 3))), {}


def _gen_as_strided(b, name="as_strided"):
    """as_strided (or as_strided_copy) of a fresh 1-D copy of a value, so that both sides view the same storage (a
    value's own storage differs where minigrad copies and torch views); overlapping windows, zero strides and offsets
    included."""
    i = b.pick(lambda t: int(np.prod(t.shape)) >= 1)
    if i is None:
        return False
    n = int(np.prod(b.values[i].shape))
    k = b.draw(st.integers(0, 2))
    size = tuple(b.draw(st.integers(1, 3)) for _ in range(k))
    stride = tuple(b.draw(st.integers(0, 2)) for _ in range(k))
    extent = sum((m - 1) * s for m, s in zip(size, stride)) + 1
    if extent > n:
        return False
    offset = b.draw(st.integers(0, n - extent))
    b.add(name, [i], lambda t: getattr(mg, name)(t.reshape(-1).clone(), size, stride, offset),
          lambda t: getattr(_torch_module(), name)(t.reshape(-1).clone(), size, stride, offset),
          f"size={size} stride={stride} storage_offset={offset}")
    return True


def _gen_broadcast_tensors(b):
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))

    def torch_broadcast(*ts):
        import torch
        return list(torch.broadcast_tensors(*ts))

    b.add("broadcast_tensors", [i, j], lambda *ts: list(mg.broadcast_tensors(*ts)), torch_broadcast)
    return True


def _gen_meshgrid(b):
    i = b.pick(lambda t: t.ndim <= 1)
    j = b.pick(lambda t: t.ndim <= 1)
    if i is None or j is None:
        return False
    indexing = b.draw(st.sampled_from(["ij", "xy"]))

    def torch_meshgrid(*ts):
        import torch
        return list(torch.meshgrid(*ts, indexing=indexing))

    b.add("meshgrid", [i, j], lambda *ts: list(mg.meshgrid(*ts, indexing=indexing)), torch_meshgrid, indexing)
    return True


def _none(b, x):
    return (), {}


SHAPE_GENERATORS = {
    "flip": _gen_shape_op("flip", 0, _flip_params),
    "fliplr": _gen_shape_op("fliplr", 2, _none),
    "flipud": _gen_shape_op("flipud", 1, _none),
    "roll": _gen_shape_op("roll", 0, _roll_params),
    "rot90": _gen_shape_op("rot90", 2, _rot90_params),
    "narrow": _gen_shape_op("narrow", 1, _narrow_params),
    "unbind": _gen_shape_op("unbind", 1, lambda b, x: ((_a_dim(b, x),), {}), pieces=True),
    "movedim": _gen_shape_op("movedim", 1, _movedim_params),
    "moveaxis": _gen_shape_op("moveaxis", 1, _movedim_params),
    "swapaxes": _gen_shape_op("swapaxes", 1, lambda b, x: ((_a_dim(b, x), _a_dim(b, x)), {})),
    "swapdims": _gen_shape_op("swapdims", 1, lambda b, x: ((_a_dim(b, x), _a_dim(b, x)), {})),
    "unflatten": _gen_shape_op("unflatten", 1, _unflatten_params),
    "ravel": _gen_shape_op("ravel", 0, _none),
    "diagonal": _gen_shape_op("diagonal", 2, _diagonal_params),
    "diag_embed": _gen_shape_op("diag_embed", 1, _diag_embed_params),
    "diag": _gen_shape_op("diag", 1, lambda b, x: ((b.draw(st.integers(-2, 2)),), {}), max_ndim=2),
    "diagflat": _gen_shape_op("diagflat", 0, lambda b, x: ((b.draw(st.integers(-2, 2)),), {})),
    "trace": _gen_shape_op("trace", 2, _none, max_ndim=2),
    "tensor_split": _gen_shape_op("tensor_split", 1, _tensor_split_params, pieces=True),
    "hsplit": _gen_shape_op("hsplit", 1, _even_params(1), pieces=True),
    "vsplit": _gen_shape_op("vsplit", 2, _even_params(0), pieces=True),
    "dsplit": _gen_shape_op("dsplit", 3, _even_params(2), pieces=True),
    "split_with_sizes": _gen_shape_op("split_with_sizes", 1, _sizes_params, pieces=True),
    "repeat_interleave": _gen_shape_op("repeat_interleave", 0, _repeat_interleave_params),
    "broadcast_tensors": _gen_broadcast_tensors,
    "meshgrid": _gen_meshgrid,
    "atleast_1d": _gen_shape_op("atleast_1d", 0, _none),
    "atleast_2d": _gen_shape_op("atleast_2d", 0, _none),
    "atleast_3d": _gen_shape_op("atleast_3d", 0, _none),
    "unfold": _gen_shape_op("unfold", 1, _unfold_params, method="unfold"),
    "as_strided": _gen_as_strided,
}
def _distinct_values(*tensors):
    values = np.concatenate([t.numpy().reshape(-1) for t in tensors])
    return np.unique(values).size == values.size


def _gen_scatter(name):
    """scatter (no position written twice), scatter_reduce (repeats; prod, amax and amin only where no two
    values are equal, where they have a derivative and torch's double backward of prod exists)."""
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 1 and t.size > 0)
        if i is None:
            return False
        x = b.values[i]
        dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
        d = dim % x.ndim
        n = x.shape[d]
        shape = tuple(b.draw(st.integers(0, n if name == "scatter" else 3)) if k == d else b.draw(st.integers(0, m))
                      for k, m in enumerate(x.shape))
        if name == "scatter":   # distinct along dim: the first entries of a random order of each line
            order = np.argsort(b.rng.random(x.shape[:d] + (n,) + x.shape[d + 1:]), axis=d)
            index = order[tuple(slice(0, m) for m in shape)]
        else:
            index = b.rng.integers(0, n, shape)
        j = b.with_shape(shape)
        if name == "scatter":
            b.add(name, [i, j], lambda t, s: t.scatter(dim, index, s),
                  lambda t, s: t.scatter(dim, _torch_module().as_tensor(index), s), f"dim={dim} index{shape}")
            return True
        reduce = b.draw(st.sampled_from(["sum", "mean", "prod", "amax", "amin"]))
        include_self = b.draw(st.booleans())
        if reduce in ("prod", "amax", "amin") and not _distinct_values(x, b.values[j]):
            return False
        b.add(name, [i, j], lambda t, s: t.scatter_reduce(dim, index, s, reduce, include_self=include_self),
              lambda t, s: t.scatter_reduce(dim, _torch_module().as_tensor(index), s, reduce, include_self=include_self),
              f"dim={dim} index{shape} {reduce} include_self={include_self}")
        return True
    return gen


def _gen_masked_scatter(b):
    i = b.pick()
    mask = _mask_for(b, i)
    if mask is None:
        return False
    shape = np.broadcast_shapes(mask.shape, b.values[i].shape)
    j = b.with_shape((int(np.prod(shape)),))
    b.add("masked_scatter", [i, j], lambda t, s: t.masked_scatter(mask, s),
          lambda t, s: t.masked_scatter(_torch_module().as_tensor(mask), s), f"mask{mask.shape}")
    return True


def _gen_index_put(b):
    """x[rows] = values or += values (repeated rows add up), values broadcasting to the rows."""
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    accumulate = b.draw(st.booleans())
    rows = _vector(b, x.shape[0], distinct=not accumulate)
    rows = rows - x.shape[0] * (b.rng.random(rows.size) < 0.5)
    j = b.with_shape(x.shape[1:] if b.draw(st.booleans()) else (rows.size,) + x.shape[1:])
    b.add("index_put", [i, j], lambda t, v: t.index_put((rows,), v, accumulate),
          lambda t, v: t.index_put((_torch_module().as_tensor(rows),), v, accumulate), f"rows={list(rows)} {accumulate}")
    return True


GENERATORS = {
    "add": _binary("add", mg.add, lambda x, y: x + y),
    "sub": _binary("sub", mg.sub, lambda x, y: x - y),
    "mul": _binary("mul", mg.mul, lambda x, y: x * y),
    "div": _gen_div,
    "pow": _gen_pow,
    "neg": _unary("neg", mg.neg, lambda x: -x),
    "matmul": _gen_matmul,
    "sum": _reduction("sum", lambda t, a, k, _: mg.sum(t, a, k), _torch_reduce(lambda t, d, k: t.sum(dim=d, keepdim=k))),
    "mean": _reduction("mean", lambda t, a, k, _: mg.mean(t, a, k),
                       _torch_reduce(lambda t, d, k: t.mean(dim=d, keepdim=k))),
    "var": _reduction("var", lambda t, a, k, d: mg.var(t, axis=a, keepdims=k, ddof=d), _torch_var, ddof=True),
    "std": _gen_std,
    "max": _reduction("max", lambda t, a, k, _: mg.max(t, axis=a, keepdims=k),
                      _torch_reduce(lambda t, d, k: t.amax(dim=d, keepdim=k)), nonempty=True),
    "min": _reduction("min", lambda t, a, k, _: mg.min(t, axis=a, keepdims=k),
                      _torch_reduce(lambda t, d, k: t.amin(dim=d, keepdim=k)), nonempty=True),
    "logsumexp": _reduction("logsumexp", lambda t, a, k, _: mg.logsumexp(t, a, k), _torch_logsumexp, nonempty=True),
    "reshape": _gen_reshape,
    "transpose": _gen_transpose,
    "squeeze": _gen_squeeze,
    "expand_dims": _gen_expand_dims,
    "flatten": _unary("flatten", mg.flatten, lambda t: t.reshape(-1)),
    "broadcast_to": _gen_broadcast_to,
    "sum_to": _gen_sum_to,
    "getitem": _gen_getitem,
    "concat": _gen_concat,
    "stack": _gen_stack,
    "split": _gen_split,
    "exp": _unary("exp", mg.exp, _t("exp"), domain=_moderate),
    "log": _unary("log", lambda x: mg.log(_positive_m(x)), lambda x: _t("log")(_positive_t(x))),
    "sqrt": _unary("sqrt", lambda x: mg.sqrt(_positive_m(x)), lambda x: _t("sqrt")(_positive_t(x))),
    "abs": _unary("abs", mg.abs, _t("abs")),
    "sin": _unary("sin", mg.sin, _t("sin")),
    "cos": _unary("cos", mg.cos, _t("cos")),
    "tanh": _unary("tanh", mg.tanh, _t("tanh")),
    "sigmoid": _unary("sigmoid", mg.sigmoid, _t("sigmoid")),
    "relu": _unary("relu", mg.relu, _t("relu")),
    "leaky_relu": _gen_leaky_relu,
    "softplus": _gen_softplus,
    "hardtanh": _gen_hardtanh,
    "mish": _unary("mish", mg.mish, lambda x: __import__("torch").nn.functional.mish(x)),
    "clip": _gen_clip,
    "clamp": _gen_clamp,
    "maximum": _binary("maximum", mg.maximum, _t("maximum")),
    "minimum": _binary("minimum", mg.minimum, _t("minimum")),
    "where": _gen_where,
    "astype": _gen_astype,
    "to_device": _gen_to_device,
    "conv2d": _gen_conv2d,
    "conv_transpose2d": lambda b: _gen_conv2d(b, transpose=True),
    "max_pool2d": _gen_pool("max_pool2d"),
    "avg_pool2d": _gen_pool("avg_pool2d"),
    "adaptive_avg_pool2d": _gen_adaptive_avg_pool2d,
    "pad": _gen_pad,
    "gather": _gen_gather,
    "scatter_add": lambda b: _gen_gather(b, scatter=True),
    "masked_fill": _gen_masked_fill,
    "chunk": _gen_chunk,
    "tile": _gen_tile,
    "tril": _gen_triangle("tril"),
    "triu": _gen_triangle("triu"),
    "einsum": _gen_einsum,
    "clone": _unary("clone", lambda t: t.clone(), lambda t: t.clone()),
    "softmax": _gen_softmax("softmax"),
    "log_softmax": _gen_softmax("log_softmax"),
    "cumsum": _gen_cumsum,
    "prod": _gen_prod,
    "norm": _gen_norm,
    "sort": _gen_sort,
    "topk": _gen_topk,
    "sign": _unary("sign", mg.sign, _torch_sign),
    "index_select": _gen_index_select,
    "masked_select": _gen_masked_select,
    "take": _gen_take,
    "take_along_dim": _gen_take_along_dim,
    "index_add": _gen_index_write("index_add"),
    "index_fill": _gen_index_write("index_fill"),
    "index_copy": _gen_index_write("index_copy"),
    "scatter": _gen_scatter("scatter"),
    "scatter_reduce": _gen_scatter("scatter_reduce"),
    "masked_scatter": _gen_masked_scatter,
    "index_put": _gen_index_put,
    **ELEMENTWISE_GENERATORS,
    **{name: gen for name, gen in SHAPE_GENERATORS.items() if name != "unfold"},   # unfold is a method only
}

# ------------------------------------------------------------------ session 9: order statistics, scans, linalg
# Order statistics pick values without ties (where they have no derivative and torch's choice of a tied entry is
# its own); the linear algebra sees small square matrices made diagonally dominant (x + 4 n I, |x| <= 3), so they
# are invertible and well-conditioned, and Cholesky sees x x^T + n I.
def _distinct(t):
    data = t.numpy()
    return t.size > 0 and np.unique(data).size == t.size and np.isfinite(data).all()


def _one_or_none(b, x):
    return None if b.draw(st.booleans()) else _one_axis(b, x)


def _gen_amax(name):
    def gen(b):
        i = b.pick(_distinct)
        if i is None:
            return False
        x = b.values[i]
        axis = _axis(b.draw, x.ndim)
        dims = () if axis is None else axis
        keepdim = b.draw(st.booleans())
        b.add(name, [i], lambda t: getattr(mg, name)(t, dims, keepdim), lambda t: getattr(t, name)(dims, keepdim),
              f"dim={dims} keepdim={keepdim}")
        return True
    return gen


def _gen_aminmax(b):
    i = b.pick(_distinct)
    if i is None:
        return False
    d = _one_or_none(b, b.values[i])
    keepdim = b.draw(st.booleans())
    dims = () if d is None else d
    # Not t.aminmax: PyTorch 2.13's double backward of aminmax writes into its symbolic zero
    # when both outputs get one (abs of each), "ZeroTensors are immutable". amin and amax have
    # the same derivatives (ties are shared alike; _distinct draws none anyway).
    b.add("aminmax", [i], lambda t: list(mg.aminmax(t, dim=d, keepdim=keepdim)),
          lambda t: [t.amin(dim=dims, keepdim=keepdim), t.amax(dim=dims, keepdim=keepdim)],
          f"dim={d} keepdim={keepdim}")
    return True


def _gen_along(name, extra=lambda b, n: ()):
    """median, nanmedian, mode, kthvalue: the values along one dim (median: or of everything)."""
    def gen(b):
        i = b.pick(_distinct)
        if i is None:
            return False
        x = b.values[i]
        d = _one_axis(b, x)
        if name in ("median", "nanmedian") and b.draw(st.booleans()):
            b.add(name, [i], getattr(mg, name), lambda t: getattr(t, name)(), "all dims")
            return True
        args = extra(b, x.shape[d] if x.ndim else 1)
        keepdim = b.draw(st.booleans())
        b.add(name, [i], lambda t: getattr(mg, name)(t, *args, dim=d, keepdim=keepdim).values,
              lambda t: getattr(t, name)(*args, dim=d, keepdim=keepdim).values, f"{args} dim={d} keepdim={keepdim}")
        return True
    return gen


def _gen_quantile(name):
    def gen(b):
        i = b.pick(_distinct)
        if i is None:
            return False
        x = b.values[i]
        q = b.draw(st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0, (0.1, 0.75)]))
        d = _one_or_none(b, x)
        keepdim = b.draw(st.booleans())
        how = b.draw(st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]))

        def fm(t):
            return getattr(mg, name)(t, mg.tensor(list(q), dtype="float64") if isinstance(q, tuple) else q, d,
                                     keepdim, interpolation=how)

        def ft(t):
            import torch
            return getattr(torch, name)(t, torch.tensor(q, dtype=torch.float64) if isinstance(q, tuple) else q, d,
                                        keepdim, interpolation=how)

        b.add(name, [i], fm, ft, f"q={q} dim={d} keepdim={keepdim} {how}")
        return True
    return gen


def _gen_scan(name, values=False, pred=lambda t: True):
    def gen(b):
        i = b.pick(pred)
        if i is None:
            return False
        d = _one_axis(b, b.values[i])
        if values:
            b.add(name, [i], lambda t: getattr(mg, name)(t, d).values, lambda t: getattr(t, name)(d).values, f"dim={d}")
        else:
            b.add(name, [i], lambda t: getattr(mg, name)(t, d), lambda t: getattr(t, name)(d), f"dim={d}")
        return True
    return gen


def _gen_diff(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    d = _one_axis(b, x)
    n = b.draw(st.integers(0, 2))
    shape = list(x.shape)
    shape[d] = b.draw(st.integers(1, 2))
    if b.draw(st.booleans()):
        j = b.with_shape(tuple(shape))
        b.add("diff", [i, j], lambda t, p: mg.diff(t, n, d, prepend=p), lambda t, p: t.diff(n, d, prepend=p),
              f"n={n} dim={d} prepend")
    else:
        b.add("diff", [i], lambda t: t.diff(n, d), lambda t: t.diff(n, d), f"n={n} dim={d}")
    return True


def _gen_nan_reduction(name):
    def gen(b):
        i = b.pick()
        x = b.values[i]
        axis = _axis(b.draw, x.ndim)
        if axis is None:
            axis = tuple(range(x.ndim))
        keepdim = b.draw(st.booleans())
        if name == "nanmean" and 0 in _reduced(x.shape, axis):
            return False
        b.add(name, [i], lambda t: getattr(mg, name)(t, axis, keepdim), lambda t: getattr(t, name)(axis, keepdim),
              f"dim={axis} keepdim={keepdim}")
        return True
    return gen


def _gen_moments(name):
    def gen(b):
        i = b.pick()
        x = b.values[i]
        axis = _axis(b.draw, x.ndim)
        c = b.draw(st.integers(0, 1))
        n = int(np.prod(_reduced(x.shape, axis))) if x.ndim else 1
        if n - c <= 0:
            return False
        spread = np.std(x.numpy(), axis=axis)
        if name == "std_mean" and np.size(spread) and np.min(spread) < 1e-3:
            return False   # as for std: a spread near 0 (one entry, or equal ones), where sqrt has no derivative
        keepdim = b.draw(st.booleans())
        dims = None if axis is None else axis

        def ft(t):
            import torch
            return list(getattr(torch, name)(t, dims, correction=c, keepdim=keepdim))

        b.add(name, [i], lambda t: list(getattr(mg, name)(t, dims, correction=c, keepdim=keepdim)), ft,
              f"dim={dims} correction={c} keepdim={keepdim}")
        return True
    return gen


def _gen_cov(name):
    def gen(b):
        i = b.pick(lambda t: 1 <= t.ndim <= 2 and t.shape[-1] >= 2 and t.size > 0 and np.isfinite(t.numpy()).all()
                   and (name == "cov" or float(t.numpy().std(axis=-1).min()) > 1e-3))
        if i is None:
            return False
        b.add(name, [i], getattr(mg, name), lambda t: getattr(t, name)())
        return True
    return gen


def _gen_product(name):
    """mm, bmm, mv, dot, vdot, inner and the add* forms: the first operand picked, the others made to fit."""
    ndim = {"mm": 2, "bmm": 3, "mv": 2, "dot": 1, "vdot": 1, "inner": 1, "addmm": 2, "addmv": 2, "addr": 1,
            "baddbmm": 3, "addbmm": 3}[name]

    def gen(b):
        i = b.pick(lambda t: t.ndim == ndim if name != "inner" else t.ndim >= 1)
        if i is None:
            return False
        x = b.values[i]
        m = b.draw(st.sampled_from([1, 2, 3]))
        if name in ("mm", "addmm"):
            other, out = (x.shape[1], m), (x.shape[0], m)
        elif name in ("bmm", "baddbmm", "addbmm"):
            other, out = (x.shape[0], x.shape[2], m), (x.shape[0], x.shape[1], m)
        elif name in ("mv", "addmv"):
            other, out = (x.shape[1],), (x.shape[0],)
        elif name == "addr":
            other, out = (m,), (x.shape[0], m)
        elif name == "inner":
            other, out = (m, x.shape[-1]), None
        else:
            other, out = x.shape, None
        j = b.with_shape(other)
        if not name.startswith("add") and name != "baddbmm":
            b.add(name, [i, j], getattr(mg, name), lambda p, q: getattr(p, name)(q))
            return True
        if name == "addbmm":
            out = out[1:]
        k = b.with_shape(out)
        beta, alpha = b.draw(st.sampled_from([1.0, 0.5])), b.draw(st.sampled_from([1.0, -2.0]))
        b.add(name, [k, i, j], lambda s, p, q: getattr(mg, name)(s, p, q, beta=beta, alpha=alpha),
              lambda s, p, q: getattr(s, name)(p, q, beta=beta, alpha=alpha), f"beta={beta} alpha={alpha}")
        return True
    return gen


def _gen_kron(b):
    i = b.pick(lambda t: t.size <= 6)
    if i is None:
        return False
    j = b.pick(lambda t: t.size <= 6)
    # contiguous(): torch 2.13's kron of a transposed operand (cholesky's result is one) fails, "view size is not
    # compatible with input tensor's size and stride".
    b.add("kron", [i, j], mg.kron, lambda p, q: p.contiguous().kron(q.contiguous()))
    return True


def _gen_cross(b):
    i = b.pick(lambda t: 3 in t.shape)
    if i is None:
        return False
    x = b.values[i]
    d = b.draw(st.sampled_from([a for a, n in enumerate(x.shape) if n == 3]))
    j = b.with_shape(x.shape)
    b.add("cross", [i, j], lambda p, q: mg.cross(p, q, dim=d), lambda p, q: p.cross(q, dim=d), f"dim={d}")
    return True


def _square(t):
    return (t.ndim >= 2 and t.shape[-1] == t.shape[-2] and 0 < t.size <= 12
            and float(np.abs(t.numpy()).max()) <= 3)


def _square_sized(t):
    """Entries of at most 3 in size, as _square's (Householder reflectors: see _gen_householder_product)."""
    return t.size == 0 or float(np.abs(t.numpy()).max()) <= 3


def _dominant(lib, t):
    n = t.shape[-1]
    eye = mg.tensor(np.eye(n) * 4.0 * n, dtype="float64") if lib is mg else lib.eye(n, dtype=lib.float64) * 4.0 * n
    return t + eye


def _gen_matrix(name, fm, ft, transform=_dominant, pred=lambda t: True):
    def gen(b):
        i = b.pick(lambda t: _square(t) and pred(t))
        if i is None:
            return False
        import torch
        b.add(name, [i], lambda t: fm(transform(mg, t)), lambda t: ft(transform(torch, t)))
        return True
    return gen


def _gram(lib, t):
    n = t.shape[-1]
    tt = mg.transpose(t, *range(t.ndim - 2), t.ndim - 1, t.ndim - 2) if lib is mg else t.mT
    return t @ tt + (mg.tensor(np.eye(n) * n, dtype="float64") if lib is mg else lib.eye(n, dtype=lib.float64) * n)


def _gen_matrix_power(b):
    i = b.pick(_square)
    if i is None:
        return False
    n = b.draw(st.integers(0, 3))
    b.add("matrix_power", [i], lambda t: t.matrix_power(n), lambda t: t.matrix_power(n), f"n={n}")
    return True


GENERATORS.update({
    "amax": _gen_amax("amax"),
    "amin": _gen_amax("amin"),
    "aminmax": _gen_aminmax,
    "median": _gen_along("median"),
    "nanmedian": _gen_along("nanmedian"),
    "mode": _gen_along("mode"),
    "kthvalue": _gen_along("kthvalue", lambda b, n: (b.draw(st.integers(1, n)),)),
    "quantile": _gen_quantile("quantile"),
    "nanquantile": _gen_quantile("nanquantile"),
    "cumprod": _gen_scan("cumprod", pred=lambda t: t.size <= 12),
    "cummax": _gen_scan("cummax", values=True, pred=_distinct),
    "cummin": _gen_scan("cummin", values=True, pred=_distinct),
    "logcumsumexp": _gen_scan("logcumsumexp"),
    "diff": _gen_diff,
    "nansum": _gen_nan_reduction("nansum"),
    "nanmean": _gen_nan_reduction("nanmean"),
    "std_mean": _gen_moments("std_mean"),
    "var_mean": _gen_moments("var_mean"),
    "cov": _gen_cov("cov"),
    "corrcoef": _gen_cov("corrcoef"),
    **{name: _gen_product(name) for name in ("mm", "bmm", "mv", "dot", "vdot", "inner", "addmm", "addmv", "addr",
                                             "baddbmm", "addbmm")},
    "kron": _gen_kron,
    "cross": _gen_cross,
    "matrix_power": _gen_matrix_power,
    "det": _gen_matrix("det", mg.det, lambda t: t.det()),
    "logdet": _gen_matrix("logdet", mg.logdet, lambda t: t.logdet()),
    "slogdet": _gen_matrix("slogdet", lambda t: mg.slogdet(t).logabsdet, lambda t: t.slogdet().logabsdet),
    "inverse": _gen_matrix("inverse", mg.inverse, lambda t: t.inverse()),
    "pinverse": _gen_matrix("pinverse", mg.pinverse, lambda t: t.pinverse()),
    "cholesky": _gen_matrix("cholesky", mg.cholesky, lambda t: __import__("torch").linalg.cholesky(t), transform=_gram),
})


# ------------------------------------------------------------------ session 10: joining, scatters into slices, distances
# cdist and pdist are mirrored by torch's vector norms of the differences (torch's exact cdist and pdist have no
# double backward), vander by torch's own running-product construction (torch 2.13's vander cannot backward).
def _gen_join(name):
    """hstack, vstack, dstack, column_stack: the picked value and 1-2 of the same shape (which always join)."""
    def gen(b):
        i = b.pick(lambda t: name != "column_stack" or t.ndim <= 2)
        x = b.values[i] if i is not None else None
        if x is None:
            return False
        args = [i] + [b.with_shape(x.shape) for _ in range(b.draw(st.integers(1, 2)))]
        b.add(name, args, lambda *ts: getattr(mg, name)(ts), lambda *ts: _tf(name)(ts))
        return True
    return gen


def _gen_concatenate(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    axis = b.draw(st.integers(-x.ndim, x.ndim - 1))
    shape = list(x.shape)
    shape[axis] = b.draw(st.sampled_from([0, 1, 2]))
    j = b.with_shape(tuple(shape))
    b.add("concatenate", [i, j], lambda *ts: mg.concatenate(ts, axis=axis),
          lambda *ts: _tf("concatenate")(ts, axis=axis), f"axis={axis}")
    return True


def _gen_block_diag(b):
    """block_diag of 0-d, 1-D and 2-D values; no empty 1-D one: it is a row of width 0, and torch 2.13's backward
    then sends the rows below it the gradient of the rows above (tests/ops/test_torch_joining.py)."""
    args = []
    for _ in range(b.draw(st.integers(1, 3))):
        i = b.pick(lambda t: t.ndim <= 2 and not (t.ndim == 1 and t.size == 0))
        if i is None:
            i = b.leaf(tuple(b.draw(st.integers(1, 3)) for _ in range(b.draw(st.integers(0, 2)))))
        args.append(i)
    b.add("block_diag", args, mg.block_diag, _tf("block_diag"))
    return True


def _a_vector(b, max_len=4):
    i = b.pick(lambda t: t.ndim == 1 and t.shape[0] <= max_len) if b.draw(st.booleans()) else None
    return i if i is not None else b.leaf((b.draw(st.integers(0, max_len)),))


def _gen_cartesian_prod(b):
    args = [_a_vector(b) for _ in range(b.draw(st.integers(1, 3)))]
    b.add("cartesian_prod", args, mg.cartesian_prod, _tf("cartesian_prod"))
    return True


def _gen_combinations(b):
    i = _a_vector(b, 5)
    r = b.draw(st.integers(1, 3))
    rep = b.draw(st.booleans())
    b.add("combinations", [i], lambda t: mg.combinations(t, r, rep), lambda t: _tf("combinations")(t, r, rep),
          f"r={r} with_replacement={rep}")
    return True


def _gen_tensordot(b):
    i = b.pick(lambda t: t.ndim <= 3)
    if i is None:
        return False
    x = b.values[i]
    k = b.draw(st.integers(0, min(x.ndim, 2)))
    extra = tuple(b.draw(st.integers(1, 3)) for _ in range(b.draw(st.integers(0, 1))))
    j = b.with_shape(x.shape[x.ndim - k:] + extra)
    if b.draw(st.booleans()) or k == 0:
        dims = k
    else:   # the same pairs as lists, the second operand's in another order where it has two
        da, db = list(range(x.ndim - k, x.ndim)), list(range(k))
        dims = (da[::-1], db[::-1])
    b.add("tensordot", [i, j], lambda p, q: mg.tensordot(p, q, dims), lambda p, q: _tf("tensordot")(p, q, dims),
          f"dims={dims}")
    return True


def _torch_vander(t, n, increasing):
    torch = _torch_module()
    n = t.shape[0] if n is None else n
    ones = torch.ones(t.shape[0], min(n, 1), dtype=t.dtype)
    cols = torch.cat([ones, torch.cumprod(t.unsqueeze(1).expand(-1, n - 1), 1)], 1) if n > 1 else ones
    return cols if increasing else cols.flip(1)


def _gen_vander(b):
    i = b.pick(lambda t: t.ndim == 1 and 2 <= t.shape[0] <= 4 and _small(t))
    if i is None:
        return False
    n = b.draw(st.sampled_from([None, 2, 3, 4]))
    inc = b.draw(st.booleans())
    b.add("vander", [i], lambda t: mg.vander(t, n, inc), lambda t: _torch_vander(t, n, inc), f"N={n} increasing={inc}")
    return True


def _gen_msort(b):
    i = b.pick(lambda t: t.ndim >= 1 and _distinct(t))
    if i is None:
        return False
    b.add("msort", [i], mg.msort, _tf("msort"))
    return True


def _gen_diagonal_scatter(b):
    i = b.pick(lambda t: t.ndim >= 2)
    if i is None:
        return False
    x = b.values[i]
    offset = b.draw(st.integers(-2, 2))
    d1 = b.draw(st.integers(-x.ndim, x.ndim - 1))
    d2 = b.draw(st.sampled_from([d for d in range(-x.ndim, x.ndim) if d % x.ndim != d1 % x.ndim]))
    shape = np.diagonal(np.zeros(x.shape), offset, d1 % x.ndim, d2 % x.ndim).shape
    j = b.with_shape(shape)
    b.add("diagonal_scatter", [i, j], lambda t, s: mg.diagonal_scatter(t, s, offset, d1, d2),
          lambda t, s: _tf("diagonal_scatter")(t, s, offset, d1, d2), f"offset={offset} dims=({d1}, {d2})")
    return True


def _gen_select_scatter(b):
    i = b.pick(lambda t: t.ndim >= 1 and t.size > 0)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    index = b.draw(st.integers(-n, n - 1))
    j = b.with_shape(x.shape[:dim % x.ndim] + x.shape[dim % x.ndim + 1:])
    b.add("select_scatter", [i, j], lambda t, s: mg.select_scatter(t, s, dim, index),
          lambda t, s: _tf("select_scatter")(t, s, dim, index), f"dim={dim} index={index}")
    return True


def _gen_slice_scatter(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    start = b.draw(st.sampled_from([None] + list(range(-n - 1, n + 1))))
    end = b.draw(st.sampled_from([None] + list(range(-n - 1, n + 1))))
    step = b.draw(st.integers(1, 2))
    key = (slice(None),) * (dim % x.ndim) + (slice(start, end, step),)
    j = b.with_shape(np.zeros(x.shape)[key].shape)
    b.add("slice_scatter", [i, j], lambda t, s: mg.slice_scatter(t, s, dim, start, end, step),
          lambda t, s: _tf("slice_scatter")(t, s, dim, start, end, step), f"dim={dim} {start}:{end}:{step}")
    return True


def _gen_index_reduce(b):
    """index_reduce where no two values are equal (prod, amax and amin have a derivative there)."""
    i = b.pick(lambda t: t.ndim >= 1 and t.size > 0 and t.size <= 12)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    index = b.rng.integers(0, n, b.draw(st.integers(0, 3)))
    shape = list(x.shape)
    shape[dim] = index.size
    j = b.leaf(tuple(shape))
    reduce = b.draw(st.sampled_from(["prod", "mean", "amax", "amin"]))
    include_self = b.draw(st.booleans())
    if not _distinct_values(x, b.values[j]):
        return False
    b.add("index_reduce", [i, j], lambda t, s: t.index_reduce(dim, index, s, reduce, include_self=include_self),
          lambda t, s: t.index_reduce(dim, _torch_module().as_tensor(index), s, reduce, include_self=include_self),
          f"dim={dim} index={list(index)} {reduce} include_self={include_self}")
    return True


def _gen_put(b):
    i = b.pick(lambda t: t.size > 0)
    if i is None:
        return False
    n = b.values[i].size
    accumulate = b.draw(st.booleans())
    index = _vector(b, n, distinct=not accumulate)
    index = index - n * (b.rng.random(index.size) < 0.5)
    j = b.with_shape((index.size,))
    b.add("put", [i, j], lambda t, s: t.put(index, s, accumulate),
          lambda t, s: t.put(_torch_module().as_tensor(index), s, accumulate), f"index={list(index)} {accumulate}")
    return True


def _gen_renorm(b):
    i = b.pick(lambda t: t.ndim >= 2 and t.size > 0)
    if i is None:
        return False
    x = b.values[i]
    p = b.draw(st.sampled_from([1, 2, 3]))
    dim = b.draw(st.integers(-x.ndim, x.ndim - 1))
    maxnorm = b.draw(st.sampled_from([0.5, 1.0, 2.0]))
    others = tuple(k for k in range(x.ndim) if k != dim % x.ndim)
    norms = (np.abs(x.numpy()) ** p).sum(axis=others) ** (1.0 / p)
    if not np.isfinite(norms).all() or (np.abs(norms - maxnorm) < 1e-3).any():
        return False   # at the switch between kept and scaled there is no derivative
    b.add("renorm", [i], lambda t: mg.renorm(t, p, dim, maxnorm), lambda t: _tf("renorm")(t, p, dim, maxnorm),
          f"p={p} dim={dim} maxnorm={maxnorm}")
    return True


def _gen_dist(b):
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    p = b.draw(st.sampled_from([1, 2, 3, 1.5]))
    if j == i:   # dist(x, x) = 0, where the second derivative of a p-norm does not exist (torch's is NaN)
        return False
    try:
        shape = np.broadcast_shapes(b.values[i].shape, b.values[j].shape)
    except ValueError:
        return False
    if 0 in shape:   # the norm of nothing, 0: as _zero_slice's, torch's second derivative through it is NaN (seed 1008)
        return False
    if not _nonzero(mg.tensor(b.values[i].numpy() - b.values[j].numpy())):
        return False   # also equal entries of two values (a piece of tensor_split and its source): |d|^p at d = 0
    b.add("dist", [i, j], lambda x, y: mg.dist(x, y, p), lambda x, y: _tf("dist")(x, y, p), f"p={p}")
    return True


def _norms_of_differences(a, c, p):
    return _torch_module().linalg.vector_norm(a - c, ord=p, dim=-1)


def _gen_cdist(b):
    i = b.pick(lambda t: t.ndim in (2, 3) and t.shape[-1] > 0)
    if i is None:
        return False
    x = b.values[i]
    j = b.leaf(x.shape[:-2] + (b.draw(st.integers(1, 3)), x.shape[-1]))
    p = b.draw(st.sampled_from([1.0, 2.0, 3.0]))
    b.add("cdist", [i, j], lambda u, v: mg.cdist(u, v, p),
          lambda u, v: _norms_of_differences(u.unsqueeze(-2), v.unsqueeze(-3), p), f"p={p}")
    return True


def _gen_pdist(b):
    i = b.pick(lambda t: t.ndim == 2 and t.shape[1] > 0 and _distinct(t))
    if i is None:
        return False
    p = b.draw(st.sampled_from([1.0, 2.0, 3.0]))
    rows, cols = np.triu_indices(b.values[i].shape[0], 1)
    b.add("pdist", [i], lambda t: mg.pdist(t, p), lambda t: _norms_of_differences(t[rows], t[cols], p), f"p={p}")
    return True


def _gen_chain_matmul(b):
    i = b.pick(lambda t: t.ndim == 2)
    if i is None:
        return False
    args, cols = [i], b.values[i].shape[1]
    for _ in range(b.draw(st.integers(0, 2))):
        nxt = b.draw(st.integers(1, 3))
        args.append(b.with_shape((cols, nxt)))
        cols = nxt
    b.add("chain_matmul", args, mg.chain_matmul, _tf("chain_matmul"))
    return True


def _gen_trapezoid(name):
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 1)
        if i is None:
            return False
        y = b.values[i]
        dim = b.draw(st.integers(-y.ndim, y.ndim - 1))
        if b.draw(st.booleans()):
            j = b.with_shape((y.shape[dim],))
            b.add(name, [i, j], lambda t, x: getattr(mg, name)(t, x, dim=dim),
                  lambda t, x: _tf(name)(t, x, dim=dim), f"dim={dim} x")
            return True
        dx = b.draw(st.sampled_from([1.0, 0.5, -2.0]))
        b.add(name, [i], lambda t: getattr(mg, name)(t, dx=dx, dim=dim), lambda t: _tf(name)(t, dx=dx, dim=dim),
              f"dim={dim} dx={dx}")
        return True
    return gen


def _gen_gradient(b):
    edge_order = b.draw(st.integers(1, 2))
    i = b.pick(lambda t: t.ndim >= 1 and min(t.shape) >= edge_order + 1)
    if i is None:
        return False
    x = b.values[i]
    dim = b.draw(st.sampled_from([None, *range(-x.ndim, x.ndim)]))
    spacing = b.draw(st.sampled_from([1.0, 0.5, 2.0]))
    kw = dict(spacing=spacing, edge_order=edge_order) if dim is None else dict(spacing=spacing, dim=dim,
                                                                               edge_order=edge_order)
    b.add("gradient", [i], lambda t: list(mg.gradient(t, **kw)), lambda t: list(_tf("gradient")(t, **kw)), str(kw))
    return True


GENERATORS.update({
    **{name: _gen_join(name) for name in ("hstack", "vstack", "dstack", "column_stack")},
    "concatenate": _gen_concatenate,
    "block_diag": _gen_block_diag,
    "cartesian_prod": _gen_cartesian_prod,
    "combinations": _gen_combinations,
    "tensordot": _gen_tensordot,
    "vander": _gen_vander,
    "msort": _gen_msort,
    "diagonal_scatter": _gen_diagonal_scatter,
    "select_scatter": _gen_select_scatter,
    "slice_scatter": _gen_slice_scatter,
    "index_reduce": _gen_index_reduce,
    "put": _gen_put,
    "renorm": _gen_renorm,
    "dist": _gen_dist,
    "cdist": _gen_cdist,
    "pdist": _gen_pdist,
    "chain_matmul": _gen_chain_matmul,
    "trapezoid": _gen_trapezoid("trapezoid"),
    "cumulative_trapezoid": _gen_trapezoid("cumulative_trapezoid"),
    "gradient": _gen_gradient,
})

# ------------------------------------------------------------------ special functions (session 10)
# PyTorch 2.13's trigamma (CPU) is off by up to 4.9e-10 relative for x < 20 (4.9e-10 at 1.13, 4.6e-12 at 10,
# measured against mpmath), and it is digamma's derivative and lgamma's second: a second derivative through
# digamma that cancels from terms near 10 to 0.0098 came out 5.5e-7 off (seed 1005; minigrad's was within 6e-12
# of mpmath's). The torch side of lgamma, digamma, polygamma(1) and mvlgamma therefore moves its argument
# (positive here) up by _SHIFT with the recurrences, where torch's series is exact to rounding (3e-16 at 50).
_SHIFT = 60


def _torch_lgamma(x):
    torch = _torch_module()
    return torch.lgamma(x + _SHIFT) - sum(torch.log(x + j) for j in range(_SHIFT))


def _torch_polygamma(n, x):
    torch = _torch_module()
    if n == 0:
        return torch.digamma(x + _SHIFT) - sum(1 / (x + j) for j in range(_SHIFT))
    if n == 1:
        return torch.polygamma(1, x + _SHIFT) + sum((x + j) ** -2 for j in range(_SHIFT))
    return torch.polygamma(n, x)


def _torch_mvlgamma(a, p):
    return p * (p - 1) / 4 * np.log(np.pi) + sum(_torch_lgamma(a - i / 2) for i in range(p))


def _gen_polygamma(b):
    i = b.pick()
    n = b.draw(st.sampled_from([0, 1, 2]))
    b.add("polygamma", [i], lambda x: mg.polygamma(n, _positive_m(x)), lambda x: _torch_polygamma(n, _positive_t(x)),
          f"n={n}, x*x+0.5")
    return True


def _gen_mvlgamma(b):
    i = b.pick()
    p = b.draw(st.sampled_from([1, 2, 3]))
    b.add("mvlgamma", [i], lambda x: mg.mvlgamma(x * x + p, p), lambda x: _torch_mvlgamma(x * x + p, p),
          f"p={p}, x*x+p")
    return True


def _gen_igamma(name):
    def gen(b):
        i = b.pick()
        a = b.draw(st.sampled_from([0.5, 1.5, 3.0]))
        b.add(name, [i], lambda x: getattr(mg, name)(a, _positive_m(x)),
              lambda x: _tf(name)(_tf("full_like")(x, a), _positive_t(x)), f"a={a}, x*x+0.5")
        return True
    return gen


def _gen_nextafter(b):
    """nextafter(a, c) with every entry of a away from c's: where they are equal torch's derivative is 0 (its
    convention, which minigrad keeps), while along a = c the function is the identity, so finite differences read 1
    (nextafter(abs(x), x) for x > 0 is such a pair of different values)."""
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    if (np.abs(b.values[i].numpy() - b.values[j].numpy()) < 1e-3).any():
        return False
    b.add("nextafter", [i, j], mg.nextafter, _tf("nextafter"))
    return True


def _off_powers_of_two(t):
    """Nonzero entries away from the powers of two, where frexp's mantissa jumps."""
    a = np.log2(np.abs(t.numpy()) + (t.numpy() == 0))
    return _nonzero(t) and bool((np.abs(a - np.round(a)) > 1e-3).all())


GENERATORS.update({
    "lgamma": _unary("lgamma", lambda x: mg.lgamma(_positive_m(x)), lambda x: _torch_lgamma(_positive_t(x))),
    "digamma": _unary("digamma", lambda x: mg.digamma(_positive_m(x)), lambda x: _torch_polygamma(0, _positive_t(x))),
    "polygamma": _gen_polygamma,
    "mvlgamma": _gen_mvlgamma,
    "i0": _unary("i0", mg.i0, _tf("i0"), domain=_moderate),
    "igamma": _gen_igamma("igamma"),
    "igammac": _gen_igamma("igammac"),
    "ldexp": _binary_in("ldexp", mg.ldexp, _tf("ldexp"), domain_b=_moderate),
    "nextafter": _gen_nextafter,
    "frexp": _unary("frexp", lambda x: mg.frexp(x).mantissa, lambda x: _tf("frexp")(x).mantissa,
                    domain=_off_powers_of_two),
    "angle": _unary("angle", mg.angle, _tf("angle"), domain=_nonzero),
})
# PyTorch's top-level rsub (session 10): other - alpha * input, with an alpha that is not 1.
GENERATORS["rsub"] = _binary("rsub", lambda x, y: mg.rsub(x, y, alpha=-1.5), lambda x, y: __import__("torch").rsub(
    x, y, alpha=-1.5))

# More linear algebra (session 10): the matrices are made diagonally dominant (LU's pivots and triangular solves
# far from 0, and LU's pivot order a constant) or Gram-plus-identity for the Cholesky factor; svd and qr give
# their sign-free or LAPACK-fixed parts (S, R); matrix_exp takes the square values as they are.
def _as_is(lib, t):
    return t


def _cholesky_of_gram(lib, t):
    g = _gram(lib, t)
    return mg.linalg.cholesky(g) if lib is mg else lib.linalg.cholesky(g)


def _gen_rhs(name):
    """The solves with a right-hand side: a square value made dominant (or a Cholesky factor), B (..., n, m)."""
    def gen(b):
        i = b.pick(_square)
        if i is None:
            return False
        import torch
        j = b.with_shape(b.values[i].shape[:-1] + (b.draw(st.sampled_from([1, 2])),))
        if name == "triangular_solve":
            upper, transpose = b.draw(st.booleans()), b.draw(st.booleans())
            b.add(name, [i, j], lambda a, r: mg.triangular_solve(r, _dominant(mg, a), upper, transpose).solution,
                  lambda a, r: torch.triangular_solve(r, _dominant(torch, a), upper, transpose).solution,
                  f"upper={upper} transpose={transpose}")
        elif name == "lu_solve":
            b.add(name, [i, j], lambda a, r: mg.lu_solve(r, *mg.lu(_dominant(mg, a))),
                  lambda a, r: torch.linalg.lu_solve(*torch.linalg.lu_factor(_dominant(torch, a)), r))
        else:
            b.add(name, [i, j], lambda a, r: mg.cholesky_solve(r, _cholesky_of_gram(mg, a)),
                  lambda a, r: torch.cholesky_solve(r, _cholesky_of_gram(torch, a)))
        return True
    return gen


def _gen_ger(b):
    i = b.pick(lambda t: t.ndim == 1)
    if i is None:
        return False
    j = b.with_shape((b.draw(st.sampled_from([1, 2, 3])),))
    b.add("ger", [i, j], mg.ger, lambda p, q: p.ger(q))
    return True


def _gen_reflectors(name):
    """orgqr/ormqr of a matrix value (m >= n) and a new tau (any values: the product is defined for all)."""
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 2 and t.shape[-2] >= t.shape[-1] >= 1 and t.size <= 12 and _square_sized(t))
        if i is None:
            return False
        x = b.values[i]
        j = b.with_shape(x.shape[:-2] + (x.shape[-1],))
        if name == "orgqr":
            b.add(name, [i, j], mg.orgqr, lambda a, t: a.orgqr(t))
            return True
        left, transpose = b.draw(st.booleans()), b.draw(st.booleans())
        k = b.with_shape(x.shape[:-2] + ((x.shape[-2], 2) if left else (2, x.shape[-2])))
        b.add(name, [i, j, k], lambda a, t, c: mg.ormqr(a, t, c, left, transpose),
              lambda a, t, c: a.ormqr(t, c, left, transpose), f"left={left} transpose={transpose}")
        return True
    return gen


def _lu_parts(lib, t):
    if lib is mg:
        _, low, up = mg.lu_unpack(*mg.lu(t))
        return mg.concat([low.reshape(-1), up.reshape(-1)], 0)
    _, low, up = lib.lu_unpack(*lib.linalg.lu_factor(t))
    return lib.cat([low.reshape(-1), up.reshape(-1)])


GENERATORS.update({
    "matrix_exp": _gen_matrix("matrix_exp", mg.matrix_exp, lambda t: t.matrix_exp(), transform=_as_is),
    "lu": _gen_matrix("lu", lambda t: mg.lu(t)[0], lambda t: __import__("torch").linalg.lu_factor(t).LU),
    "lu_unpack": _gen_matrix("lu_unpack", lambda t: _lu_parts(mg, t), lambda t: _lu_parts(__import__("torch"), t)),
    "lu_solve": _gen_rhs("lu_solve"),
    "triangular_solve": _gen_rhs("triangular_solve"),
    "cholesky_solve": _gen_rhs("cholesky_solve"),
    "cholesky_inverse": _gen_matrix("cholesky_inverse", mg.cholesky_inverse, lambda t: t.cholesky_inverse(),
                                    transform=_cholesky_of_gram),
    "svd": _gen_matrix("svd", lambda t: mg.svd(t).S, lambda t: t.svd().S, pred=lambda t: _spread_singular_values(
        _dominant(mg, t))),   # repeated singular values (a dominant 0 matrix) have no second derivative
    "qr": _gen_matrix("qr", lambda t: mg.qr(t).R, lambda t: __import__("torch").linalg.qr(t).R),
    "ger": _gen_ger,
    "orgqr": _gen_reflectors("orgqr"),
    "ormqr": _gen_reflectors("ormqr"),
})

def _gen_spmm(b):
    """spmm: a sparse (m, k) matrix with a drawn pattern (duplicate positions allowed, sometimes no entries) whose
    values are a 1-D value (nnz,), times a 2-D dense value (k, n). torch's side is the same matrix made dense
    (index_put with accumulate) times the value: torch.sparse.mm returns the values' gradient without a graph, so its
    second derivatives w.r.t. the values would be missing rather than wrong to compare."""
    i = b.pick(lambda t: t.ndim == 2 and t.size <= 12)
    if i is None:
        return False
    k = b.values[i].shape[0]
    m = b.draw(st.integers(1, 3))
    nnz = b.draw(st.integers(0, 5)) if k else 0
    rows = b.draw(st.lists(st.integers(0, m - 1), min_size=nnz, max_size=nnz))
    cols = b.draw(st.lists(st.integers(0, max(k - 1, 0)), min_size=nnz, max_size=nnz))
    index = np.array([rows, cols], dtype=np.int64).reshape(2, nnz)
    j = b.with_shape((nnz,))

    def torch_side(v, d):
        torch = __import__("torch")
        where = (torch.tensor(rows, dtype=torch.int64), torch.tensor(cols, dtype=torch.int64))
        return torch.zeros(m, k, dtype=v.dtype).index_put(where, v, accumulate=True) @ d

    b.add("spmm", [j, i], lambda v, d: mg.spmm(mg.sparse_coo_tensor(index, v, (m, k)), d), torch_side,
          f"indices={index.tolist()} size={(m, k)}")
    return True


GENERATORS["spmm"] = _gen_spmm


# ------------------------------------------------------------------ session 14: registered names outside DIFFERENTIABLE
# torch.special's own names, PyTorch's compositions (square, float_power, clamp_min, ...), torch.linalg, the
# nn.functional activations, normalizations and losses, and the Tensor-method forms (max(dim), var(dim), repeat, t,
# unfold, sum_to_size): every one is in tests/op_registry.py under the same name, with gradcheck there.
def _nnf(name, **kwargs):
    """minigrad.nn.functional.<name> and torch.nn.functional.<name>, with the same keywords."""
    return (lambda *ts: getattr(mg.nn.functional, name)(*ts, **kwargs)), _torch_f(name, **kwargs)


def _special(name):
    def fn(*ts):
        return getattr(_torch_module().special, name)(*ts)
    return fn


def _away_from(points, gap=1e-3):
    """Entries at least ``gap`` from each of ``points``: kinks and jumps of hardsigmoid, relu6, the shrinks, ..."""
    def domain(t):
        a = t.numpy()
        return _finite(t) and all(bool((np.abs(a - p) > gap).all()) for p in points)
    return domain


def _gen_activation(name, options=({},), kinks=lambda kw: ()):
    """An nn.functional elementwise activation with drawn keywords; inputs near a kink or jump are left out."""
    def gen(b):
        i = b.pick()
        kw = b.draw(st.sampled_from(list(options)))
        if not _away_from(kinks(kw))(b.values[i]):
            return False
        fm, ft = _nnf(name, **kw)
        b.add(f"nn.functional.{name}", [i], fm, ft, str(kw) if kw else "")
        return True
    return gen


def _gen_hardsigmoid(b):
    """hardsigmoid; torch's side is clamp(x + 3, 0, 6) / 6, its value: torch 2.13 has no double backward for
    hardsigmoid ("derivative for aten::hardsigmoid_backward is not implemented")."""
    i = b.pick()
    if not _away_from((-3.0, 3.0))(b.values[i]):
        return False
    b.add("nn.functional.hardsigmoid", [i], mg.nn.functional.hardsigmoid, lambda t: (t + 3).clamp(0, 6) / 6)
    return True


def _gen_floor_divide(b):
    """floor_divide off its jumps (derivative 0); torch's side is div(rounding_mode="floor"), the same value:
    torch 2.13 has no derivative for floor_divide ("derivative for aten::floor_divide is not implemented")."""
    i = b.pick()
    c = b.draw(st.sampled_from([1.5, -0.7, 2.5]))
    if not _off_grid(c)(b.values[i]):
        return False
    b.add("floor_divide", [i], lambda x: mg.floor_divide(x, c), lambda x: _tf("div")(x, c, rounding_mode="floor"),
          f"divisor={c}")
    return True


def _gen_float_power(b):
    i = b.pick()
    if b.draw(st.booleans()):
        c = b.draw(st.sampled_from([2, 3, 0.5, -1.5]))
        b.add("float_power", [i], lambda x: mg.float_power(_positive_m(x), c),
              lambda x: _tf("float_power")(_positive_t(x), c), f"(x*x+0.5) ** {c}")
        return True
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    b.add("float_power", [i, j], lambda x, y: mg.float_power(_positive_m(x), y),
          lambda x, y: _tf("float_power")(_positive_t(x), y), "(x*x+0.5) ** y")
    return True


def _gen_clamp_one(name):
    def gen(b):
        i = b.pick()
        c = b.draw(st.sampled_from([-1.0, -0.3, 0.2, 1.5]))
        b.add(name, [i], lambda x: getattr(mg, name)(x, c), lambda x: _tf(name)(x, c), f"{c}")
        return True
    return gen


def _gen_clamp_tensors(b):
    """clamp with tensor bounds broadcasting with x; entries near a bound are left out (no derivative there)."""
    i = b.pick()
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    k = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    if len({i, j, k}) < 3:
        return False
    x, lo, hi = (b.values[n].numpy() for n in (i, j, k))
    try:
        if np.broadcast_shapes(x.shape, lo.shape, hi.shape) != x.shape:
            return False   # torch 2.13's clamp keeps x's shape: larger bounds raise "doesn't match the broadcast shape"
    except ValueError:
        return False
    if not (np.isfinite(x).all() and (np.abs(x - lo) > 1e-3).all() and (np.abs(x - hi) > 1e-3).all()):
        return False
    if b.draw(st.booleans()):
        b.add("clamp(tensor bounds)", [i, j, k], mg.clamp, lambda t, p, q: _tf("clamp")(t, p, q))
    else:
        b.add("clamp(tensor min)", [i, j], lambda t, p: t.clamp(min=p), lambda t, p: t.clamp(min=p))
    return True


def _gen_zeta(b):
    i = b.pick()
    s = b.draw(st.sampled_from([2.0, 3.5]))
    b.add("special.zeta", [i], lambda x: mg.special.zeta(s, _positive_m(x)),
          lambda x: _special("zeta")(_tf("full_like")(x, s), _positive_t(x)), f"s={s}, q=x*x+0.5")
    return True


def _gen_dim_values(name):
    """max(dim)/min(dim): PyTorch's (values, indices) reading; the values, over values without ties."""
    def gen(b):
        i = b.pick(_distinct)
        if i is None:
            return False
        d = _one_axis(b, b.values[i])
        keepdim = b.draw(st.booleans())
        base = name[:3]
        b.add(name, [i], lambda t: getattr(mg, base)(t, dim=d, keepdim=keepdim).values,
              lambda t: getattr(_torch_module(), base)(t, dim=d, keepdim=keepdim).values, f"dim={d} keepdim={keepdim}")
        return True
    return gen


def _gen_var_dim(b):
    i = b.pick()
    x = b.values[i]
    axis = _axis(b.draw, x.ndim)
    dims = None if axis is None else _dims(axis, x.ndim)
    keepdim = b.draw(st.booleans())
    c = b.draw(st.integers(0, 1))
    n = int(np.prod(_reduced(x.shape, axis))) if x.ndim else 1
    if n - c <= 0:
        return False
    b.add("var(dim)", [i], lambda t: mg.var(t, dim=dims, keepdim=keepdim, correction=c),
          lambda t: _torch_module().var(t, dim=dims, keepdim=keepdim, correction=c),
          f"dim={dims} keepdim={keepdim} correction={c}")
    return True


def _gen_sum_to_size(b):
    i = b.pick()
    x = b.values[i]
    shape = tuple(1 if b.draw(st.booleans()) else n for n in x.shape)
    shape = shape[b.draw(st.integers(0, len(shape))):]
    if not shape:
        return False   # torch's sum_to_size takes at least one size
    b.add("sum_to_size", [i], lambda t: t.sum_to_size(*shape), lambda t: t.sum_to_size(*shape), f"{shape}")
    return True


def _gen_repeat(b):
    i = b.pick()
    x = b.values[i]
    sizes = tuple(b.draw(st.lists(st.integers(0, 2), min_size=x.ndim, max_size=x.ndim + 1)))
    if not sizes:
        sizes = (2,)
    if x.ndim and (len(sizes) == 1 or len(sizes) == 2 and -x.ndim <= sizes[1] < x.ndim):
        return False   # also NumPy's repeat(repeats, axis): minigrad refuses the call (docs/autodiff.md, section 15)
    b.add("repeat", [i], lambda t: t.repeat(*sizes), lambda t: t.repeat(*sizes), f"{sizes}")
    return True


def _gen_outer(b):
    i = b.pick(lambda t: t.ndim == 1)
    if i is None:
        return False
    j = b.with_shape((b.draw(st.integers(0, 3)),))
    b.add("outer", [i, j], mg.outer, lambda p, q: p.outer(q))
    return True


def _gen_glu(b):
    i = b.pick(lambda t: t.ndim >= 1 and any(n % 2 == 0 for n in t.shape))
    if i is None:
        return False
    x = b.values[i]
    d = b.draw(st.sampled_from([a - x.ndim * b.draw(st.booleans()) for a, n in enumerate(x.shape) if n % 2 == 0]))
    fm, ft = _nnf("glu", dim=d)
    b.add("nn.functional.glu", [i], fm, ft, f"dim={d}")
    return True


def _gen_softmin(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    d = _a_dim(b, b.values[i])
    fm, ft = _nnf("softmin", dim=d)
    b.add("nn.functional.softmin", [i], fm, ft, f"dim={d}")
    return True


def _gen_normalize(b):
    """normalize along a dim; slices with a norm near eps (where max(norm, eps) switches) are left out."""
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    x = b.values[i]
    d = _a_dim(b, x)
    p = b.draw(st.sampled_from([2.0, 1.0, 3.0]))
    if x.size and (np.abs(x.numpy()) ** p).sum(axis=d).min() ** (1 / p) < 1e-3:
        return False
    fm, ft = _nnf("normalize", p=p, dim=d)
    b.add("nn.functional.normalize", [i], fm, ft, f"p={p} dim={d}")
    return True


def _gen_pair(name):
    """cosine_similarity and pairwise_distance of a value and a partner broadcasting with it."""
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 1)
        if i is None:
            return False
        j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
        if i == j:
            return False   # the distance 0 has no derivative, and cos(x, x) = 1 its maximum
        try:
            shape = np.broadcast_shapes(b.values[i].shape, b.values[j].shape)
        except ValueError:
            return False
        if not shape or 0 in shape[-1:]:
            return False   # the distance over nothing is the norm 0 (see _zero_slice)
        if name == "cosine_similarity":
            d = b.draw(st.integers(-len(shape), len(shape) - 1))
            x, y = np.broadcast_arrays(b.values[i].numpy(), b.values[j].numpy())
            if x.size and min(np.linalg.norm(x, axis=d).min(), np.linalg.norm(y, axis=d).min()) < 1e-3:
                return False   # below eps torch clamps each norm: another function
            fm, ft = _nnf(name, dim=d)
            b.add(f"nn.functional.{name}", [i, j], fm, ft, f"dim={d}")
            return True
        if len(shape) > 2:
            return False   # pairwise_distance reads (N, D) or (D,)
        p = b.draw(st.sampled_from([2.0, 1.0, 3.0]))
        keepdim = b.draw(st.booleans())
        fm, ft = _nnf(name, p=p, keepdim=keepdim)
        b.add(f"nn.functional.{name}", [i, j], fm, ft, f"p={p} keepdim={keepdim}")
        return True
    return gen


def _gen_norm_layer(name):
    """layer_norm / rms_norm over the last 1-2 dims, with or without a weight (and a bias for layer_norm)."""
    def gen(b):
        i = b.pick(lambda t: t.ndim >= 1 and t.size > 0)
        if i is None:
            return False
        x = b.values[i]
        shape = x.shape[x.ndim - b.draw(st.integers(1, min(2, x.ndim))):]
        if name == "layer_norm" and (int(np.prod(shape)) < 2 or np.std(x.numpy().reshape(-1, int(np.prod(shape))),
                                                                     axis=1).min() < 1e-2):
            return False   # a constant slice: the normalized value is 0/eps, far from smooth
        args = [i]
        if b.draw(st.booleans()):
            args.append(b.with_shape(shape))
            if name == "layer_norm" and b.draw(st.booleans()):
                args.append(b.with_shape(shape))
        eps = 1e-5 if name == "layer_norm" else 1e-6
        b.add(f"nn.functional.{name}", args, lambda t, *wb: getattr(mg.nn.functional, name)(t, shape, *wb, eps=eps),
              lambda t, *wb: getattr(_torch_module().nn.functional, name)(t, shape, *wb, eps=eps), f"{shape}")
        return True
    return gen


def _gen_prelu(b):
    i = b.pick(lambda t: _nonzero(t))
    if i is None:
        return False
    x = b.values[i]
    n = x.shape[1] if x.ndim >= 2 and b.draw(st.booleans()) else 1
    j = b.leaf((n,))
    fm, ft = _nnf("prelu")
    b.add("nn.functional.prelu", [i, j], fm, ft, f"weight({n},)")
    return True


def _gen_linear(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    k = b.values[i].shape[-1]
    m = b.draw(st.integers(1, 3))
    args = [i, b.with_shape((k, m))] + ([b.with_shape((m,))] if b.draw(st.booleans()) else [])
    # minigrad's weight is (in, out), torch's (out, in) (docs/autodiff.md, section 15): torch gets its transpose
    b.add("nn.functional.linear", args, mg.nn.functional.linear,
          lambda t, w, *bias: _torch_module().nn.functional.linear(t, w.mT, *bias), "weight (in, out)")
    return True


def _gen_pixel(name):
    def gen(b):
        r = 2
        # Not empty: torch 2.13's pixel_unshuffle returns an empty input unchanged ((2, 0, 2) for (8, 0, 1)), and
        # it is pixel_shuffle's backward.
        if name == "pixel_shuffle":
            i = b.pick(lambda t: t.ndim in (3, 4) and t.shape[-3] % (r * r) == 0 and t.size)
        else:
            i = b.pick(lambda t: t.ndim in (3, 4) and t.shape[-1] % r == 0 and t.shape[-2] % r == 0 and t.size)
        if i is None:
            return False
        fm, ft = _nnf(name)
        b.add(f"nn.functional.{name}", [i], lambda t: fm(t, r), lambda t: ft(t, r), f"{r}")
        return True
    return gen


def _gen_loss(name):
    """A loss of a value and a partner of its shape (a target; for the likelihood losses made valid), with a
    reduction. Inputs where the loss has a kink (l1 at input == target, huber and smooth_l1 where |d| = delta)
    are left out."""
    def gen(b):
        i = b.pick()
        x = b.values[i]
        j = b.with_shape(x.shape)
        if i == j:
            return False
        red = b.draw(st.sampled_from(["mean", "sum", "none"]))
        if red == "mean" and x.size == 0:
            return False   # a mean over nothing: NaN, whose derivatives the two libraries carry differently
        diff = x.numpy() - b.values[j].numpy()
        kw = dict(reduction=red)
        fm_in = ft_in = (lambda a, t: (a, t))
        if name == "l1_loss" and not _nonzero(mg.tensor(diff)):
            return False
        if name in ("huber_loss", "smooth_l1_loss"):
            delta = b.draw(st.sampled_from([1.0, 0.5]))
            kw["delta" if name == "huber_loss" else "beta"] = delta
            if not _away_from([delta, -delta])(mg.tensor(diff)):
                return False
        if name == "binary_cross_entropy":
            fm_in = lambda a, t: (mg.sigmoid(a) * 0.8 + 0.1, mg.sigmoid(t))
            ft_in = lambda a, t: (_tf("sigmoid")(a) * 0.8 + 0.1, _tf("sigmoid")(t))
        elif name == "binary_cross_entropy_with_logits":
            fm_in, ft_in = (lambda a, t: (a, mg.sigmoid(t))), (lambda a, t: (a, _tf("sigmoid")(t)))
        elif name == "kl_div":
            kw["log_target"] = b.draw(st.booleans())
            if not kw["log_target"]:
                fm_in, ft_in = (lambda a, t: (a, _positive_m(t))), (lambda a, t: (a, _positive_t(t)))
            if red == "mean":
                kw["reduction"] = "batchmean" if x.ndim and x.shape[0] else "sum"
        elif name == "poisson_nll_loss":
            kw["full"] = b.draw(st.booleans())
            if not _moderate(x):
                return False
            fm_in, ft_in = (lambda a, t: (a, _positive_m(t))), (lambda a, t: (a, _positive_t(t)))
        elif name == "soft_margin_loss":
            # torch has no derivative for soft_margin_loss's target: labels +-1, a constant array (as masks are)
            if not _moderate(x):
                return False   # torch's log(1 + exp(-y x)) is inf from -y x = 710 (i0 of 11: 1e4, seed 1008)
            labels = np.where(b.rng.standard_normal(x.shape) > 0, 1.0, -1.0)
            fm, ft = _nnf(name, **kw)
            b.add(f"nn.functional.{name}", [i], lambda a: fm(a, mg.tensor(labels, dtype="float64")),
                  lambda a: ft(a, _torch_module().tensor(labels)), str(kw) + " labels +-1")
            return True
        fm, ft = _nnf(name, **kw)
        b.add(f"nn.functional.{name}", [i, j], lambda a, t: fm(*fm_in(a, t)), lambda a, t: ft(*ft_in(a, t)), str(kw))
        return True
    return gen


def _gen_gaussian_nll(b):
    i = b.pick()
    x = b.values[i]
    j = b.with_shape(x.shape)
    k = b.with_shape(x.shape)
    red = b.draw(st.sampled_from(["sum", "none"]))
    full = b.draw(st.booleans())
    fm, ft = _nnf("gaussian_nll_loss", full=full, reduction=red)
    b.add("nn.functional.gaussian_nll_loss", [i, j, k], lambda a, t, v: fm(a, t, _positive_m(v)),
          lambda a, t, v: ft(a, t, _positive_t(v)), f"var=v*v+0.5 full={full} {red}")
    return True


# torch.linalg: the same valid inputs as the legacy names above (diagonally dominant, Gram plus identity).
def _linalg(name):
    def fn(*ts, **kw):
        return getattr(_torch_module().linalg, name)(*ts, **kw)
    return fn


def _sym(lib, t):
    tt = mg.transpose(t, *range(t.ndim - 2), t.ndim - 1, t.ndim - 2) if lib is mg else t.mT
    return (t + tt) * 0.5


def _spread_eigenvalues(t, gap=1e-2):
    """A symmetric part with eigenvalues apart: eigh's eigenvectors (and their derivatives) are defined."""
    a = t.numpy()
    w = np.linalg.eigvalsh((a + np.swapaxes(a, -1, -2)) / 2)
    return w.shape[-1] < 2 or float(np.diff(w, axis=-1).min()) > gap


def _spread_singular_values(t, gap=1e-2):
    s = np.linalg.svd(t.numpy(), compute_uv=False)
    return float(s.min()) > gap and (s.shape[-1] < 2 or float(-np.diff(s, axis=-1).max()) > gap)


def _eigh_parts(lib, t):
    """Eigenvalues and the squared eigenvector entries: the eigenvectors' signs are LAPACK's choice."""
    if lib is mg:
        w, v = mg.linalg.eigh(_sym(mg, t))
        return [w, v * v]
    w, v = lib.linalg.eigh(_sym(lib, t))
    return [w, v * v]


def _gen_linalg_sym(name):
    def gen(b):
        i = b.pick(lambda t: _square(t) and _spread_eigenvalues(t))
        if i is None:
            return False
        if name == "eigh":
            b.add("linalg.eigh", [i], lambda t: _eigh_parts(mg, t), lambda t: _eigh_parts(_torch_module(), t))
        else:
            b.add("linalg.eigvalsh", [i], lambda t: mg.linalg.eigvalsh(_sym(mg, t)),
                  lambda t: _linalg("eigvalsh")(_sym(_torch_module(), t)))
        return True
    return gen


def _gen_linalg_solve(b):
    i = b.pick(_square)
    if i is None:
        return False
    x = b.values[i]
    n = x.shape[-1]
    left = b.draw(st.booleans())
    m = b.draw(st.sampled_from([1, 2]))
    j = b.with_shape(x.shape[:-1] + (m,) if left else x.shape[:-2] + (m, n))
    torch = _torch_module()
    b.add("linalg.solve", [i, j], lambda a, r: mg.linalg.solve(_dominant(mg, a), r, left=left),
          lambda a, r: torch.linalg.solve(_dominant(torch, a), r, left=left), f"left={left}")
    return True


def _gen_linalg_solve_triangular(b):
    i = b.pick(_square)
    if i is None:
        return False
    x = b.values[i]
    upper, left, unit = b.draw(st.booleans()), b.draw(st.booleans()), b.draw(st.booleans())
    m = b.draw(st.sampled_from([1, 2]))
    j = b.with_shape(x.shape[:-1] + (m,) if left else x.shape[:-2] + (m, x.shape[-1]))
    torch = _torch_module()
    b.add("linalg.solve_triangular", [i, j],
          lambda a, r: mg.linalg.solve_triangular(_dominant(mg, a), r, upper=upper, left=left, unitriangular=unit),
          lambda a, r: torch.linalg.solve_triangular(_dominant(torch, a), r, upper=upper, left=left,
                                                     unitriangular=unit),
          f"upper={upper} left={left} unitriangular={unit}")
    return True


def _gen_matrix_norm(b):
    i = b.pick(lambda t: t.ndim >= 2 and 0 < t.size <= 12 and min(t.shape[-2:]) >= 1 and _finite(t))
    if i is None:
        return False
    x = b.values[i]
    ord_ = b.draw(st.sampled_from(["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")]))
    if ord_ in ("nuc", 2, -2) and not _spread_singular_values(x):
        return False
    if ord_ not in ("fro", "nuc", 2, -2):
        # the max / min of the column (row) sums of |x|: a kink where an entry is 0 or two sums tie
        a = np.abs(x.numpy())
        sums = np.sort(a.sum(axis=-2 if abs(ord_) == 1 else -1), axis=-1)
        if (a < 1e-3).any() or (sums.shape[-1] > 1 and float(np.diff(sums, axis=-1).min()) < 1e-3):
            return False
    keepdim = b.draw(st.booleans())
    b.add("linalg.matrix_norm", [i], lambda t: mg.linalg.matrix_norm(t, ord_, keepdim=keepdim),
          lambda t: _linalg("matrix_norm")(t, ord_, keepdim=keepdim), f"ord={ord_} keepdim={keepdim}")
    return True


def _gen_vector_norm(b):
    i = b.pick()
    x = b.values[i]
    p = b.draw(st.sampled_from([2, 1, 3, 0.5, float("inf"), -float("inf"), -1]))
    axis = _axis(b.draw, x.ndim)
    if _zero_slice(x, axis):
        return False
    if p < 0 and 0 in _reduced(x.shape, axis):
        # no value over nothing: minigrad refuses -inf (and inf) but gives 0 ** (1/p) = inf for p = -1, torch refuses
        return False
    if np.isinf(p) and 0 in _reduced(x.shape, axis):
        return False
    if p in (0.5, -1) and not _nonzero(x):
        return False   # |x|^p with p < 1 has no derivative at 0
    if np.isinf(p) and not (_distinct(x) and np.unique(np.abs(x.numpy())).size == x.size):
        return False   # ties of |x| at the max / min
    keepdim = b.draw(st.booleans())
    b.add("linalg.vector_norm", [i], lambda t: mg.linalg.vector_norm(t, p, dim=axis, keepdim=keepdim),
          lambda t: _linalg("vector_norm")(t, p, dim=axis, keepdim=keepdim), f"ord={p} dim={axis} keepdim={keepdim}")
    return True


def _gen_multi_dot(b):
    i = b.pick(lambda t: t.ndim in (1, 2))
    if i is None:
        return False
    x = b.values[i]
    args, cols = [i], x.shape[-1]
    for k in range(b.draw(st.integers(1, 2))):
        last = k == 1 or b.draw(st.booleans())
        shape = (cols,) if last and b.draw(st.booleans()) else (cols, b.draw(st.integers(1, 3)))
        args.append(b.with_shape(shape))
        if len(shape) == 1:
            break
        cols = shape[1]
    b.add("linalg.multi_dot", args, lambda *ts: mg.linalg.multi_dot(list(ts)),
          lambda *ts: _linalg("multi_dot")(list(ts)))
    return True


def _gen_vecdot(b):
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    j = b.with_shape(_partner_shape(b.draw, b.values[i].shape))
    try:
        shape = np.broadcast_shapes(b.values[i].shape, b.values[j].shape)
    except ValueError:
        return False
    if not shape or min(b.values[i].ndim, b.values[j].ndim) == 0:
        return False
    d = b.draw(st.integers(-min(b.values[i].ndim, b.values[j].ndim), -1))
    b.add("linalg.vecdot", [i, j], lambda p, q: mg.linalg.vecdot(p, q, dim=d),
          lambda p, q: (p * q).sum(d), f"dim={d}")   # torch 2.13's vecdot of (2,) and (1,) raises: by definition
    return True


def _gen_linalg_cross(b):
    i = b.pick(lambda t: t.ndim >= 1 and t.shape[-1] == 3)
    if i is None:
        return False
    x = b.values[i]
    shape = _partner_shape(b.draw, x.shape[:-1]) + (3,)
    j = b.with_shape(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        return False
    if len(shape) != x.ndim:
        return False   # torch's linalg.cross broadcasts only inputs of one ndim
    b.add("linalg.cross", [i, j], mg.linalg.cross, _linalg("cross"))
    return True


def _gen_lstsq(b):
    """lstsq of a tall value made full-rank (its top square block diagonally dominant) and a right-hand side."""
    i = b.pick(lambda t: t.ndim in (2, 3) and t.shape[-2] >= t.shape[-1] >= 1 and t.size <= 12 and _small(t))
    if i is None:
        return False
    x = b.values[i]
    m, n = x.shape[-2:]
    j = b.with_shape(x.shape[:-2] + (m, b.draw(st.integers(1, 2))))
    eye = np.eye(m, n) * 4.0 * n

    def fm(a, r):
        return mg.linalg.lstsq(a + mg.tensor(eye, dtype="float64"), r).solution

    def ft(a, r):
        torch = _torch_module()
        return torch.linalg.lstsq(a + torch.tensor(eye), r).solution

    b.add("linalg.lstsq", [i, j], fm, ft)
    return True


def _gen_householder_product(b):
    """householder_product of reflectors of moderate size (as orgqr's): for a reflector entry of 4e11
    (erfcx(-5.1)) torch 2.13's backward gives 1.7e19 where the derivative (minigrad's, and torch's own finite
    differences) is 1.25e12."""
    i = b.pick(lambda t: t.ndim >= 2 and t.shape[-2] >= t.shape[-1] >= 1 and t.size <= 12 and _square_sized(t))
    if i is None:
        return False
    x = b.values[i]
    j = b.with_shape(x.shape[:-2] + (b.draw(st.integers(1, x.shape[-1])),))
    b.add("linalg.householder_product", [i, j], mg.linalg.householder_product, _linalg("householder_product"))
    return True


def _gen_linalg_matrix_power(b):
    i = b.pick(_square)
    if i is None:
        return False
    n = b.draw(st.integers(-2, 3))
    torch = _torch_module()
    b.add("linalg.matrix_power", [i], lambda t: mg.linalg.matrix_power(_dominant(mg, t), n),
          lambda t: torch.linalg.matrix_power(_dominant(torch, t), n), f"n={n}")
    return True


def _lu_lu(lib, t):
    if lib is mg:
        _, low, up = mg.linalg.lu(t)
        return [low, up]
    _, low, up = lib.linalg.lu(t)
    return [low, up]


def _gen_linalg_lu_solve(b):
    i = b.pick(_square)
    if i is None:
        return False
    x = b.values[i]
    left, adjoint = b.draw(st.booleans()), b.draw(st.booleans())
    m = b.draw(st.sampled_from([1, 2]))
    j = b.with_shape(x.shape[:-1] + (m,) if left else x.shape[:-2] + (m, x.shape[-1]))
    torch = _torch_module()
    b.add("linalg.lu_solve", [i, j],
          lambda a, r: mg.linalg.lu_solve(*mg.linalg.lu_factor(_dominant(mg, a)), r, left=left, adjoint=adjoint),
          lambda a, r: torch.linalg.lu_solve(*torch.linalg.lu_factor(_dominant(torch, a)), r, left=left,
                                             adjoint=adjoint), f"left={left} adjoint={adjoint}")
    return True


def _gen_linalg_diagonal(b):
    i = b.pick(lambda t: t.ndim >= 2)
    if i is None:
        return False
    params = _diagonal_params(b, b.values[i])
    if params is None:
        return False
    offset, d1, d2 = params[0]
    b.add("linalg.diagonal", [i], lambda t: mg.linalg.diagonal(t, offset=offset, dim1=d1, dim2=d2),
          lambda t: _linalg("diagonal")(t, offset=offset, dim1=d1, dim2=d2), f"offset={offset} dims=({d1}, {d2})")
    return True


def _gen_cond(b):
    i = b.pick(lambda t: _square(t))
    if i is None:
        return False
    p = b.draw(st.sampled_from([None, "fro", 2, -2]))
    if p in (2, -2, None) and not _spread_singular_values(_dominant(mg, b.values[i])):
        return False
    torch = _torch_module()

    def ft(t):
        a = _dominant(torch, t)
        if p == "fro":   # torch 2.13's cond(A, 'fro') cannot backward (its inverse is modified in place): by definition
            return torch.linalg.matrix_norm(a, p) * torch.linalg.matrix_norm(torch.linalg.inv(a), p)
        return torch.linalg.cond(a, p)

    b.add("linalg.cond", [i], lambda t: mg.linalg.cond(_dominant(mg, t), p), ft, f"p={p}")
    return True


def _on(transform, fm, ft):
    """fm and ft applied to the square value made valid by ``transform`` (_dominant, _gram, _cholesky_of_gram)."""
    return (lambda t: fm(transform(mg, t))), (lambda t: ft(transform(_torch_module(), t)))


def _gen_linalg_matrix(name, fm, ft, transform=_dominant, pred=lambda t: True):
    def gen(b):
        i = b.pick(lambda t: _square(t) and pred(t))
        if i is None:
            return False
        m, t = _on(transform, fm, ft)
        b.add(name, [i], m, t)
        return True
    return gen


def _select_params(b, x):
    d = _a_dim(b, x)
    n = x.shape[d]
    return ((d, b.draw(st.integers(-n, n - 1))), {}) if n else None


def _permute_params(b, x):
    return (tuple(b.draw(st.permutations(range(x.ndim)))),), {}


def _squeeze_params(b, x):
    ones = [a for a, n in enumerate(x.shape) if n == 1]
    return ((b.draw(st.sampled_from(ones)),), {}) if ones and b.draw(st.booleans()) else ((), {})


def _view_params(b, x):
    return ((x.size,) if b.draw(st.booleans()) else (-1, 1) if x.size else (1, 0),), {}


def _expand_params(b, x):
    return ((b.draw(st.sampled_from([1, 2])),) + tuple(b.draw(st.sampled_from([1, 2])) if n == 1 else -1
                                                         for n in x.shape),), {}


def _slice_params(b, x):
    d = _a_dim(b, x)
    n = x.shape[d]
    return (d, b.draw(st.integers(-n - 1, n)), b.draw(st.integers(-n - 1, n + 1)), b.draw(st.integers(1, 2))), {}


def _gen_narrow_copy(b):
    """narrow_copy; torch gets a start >= 0: torch 2.13's narrow_copy backward reads start -1 with length 1 as the
    slice -1:0 and gives a gradient of 0 (narrow's is right)."""
    i = b.pick(lambda t: t.ndim >= 1)
    if i is None:
        return False
    (d, start, length), _ = _narrow_params(b, b.values[i])
    n = b.values[i].shape[d]
    b.add("narrow_copy", [i], lambda t: mg.narrow_copy(t, d, start, length),
          lambda t: _tf("narrow_copy")(t, d, start % n if n else start, length), f"dim={d} start={start} length={length}")
    return True


# The *_copy functions: a view op and a copy, each the same call on both sides.
COPY_GENERATORS = {
    "alias_copy": _gen_shape_op("alias_copy", 0, _none),
    "t_copy": _gen_shape_op("t_copy", 0, _none, max_ndim=2),
    "transpose_copy": _gen_shape_op("transpose_copy", 1, lambda b, x: ((_a_dim(b, x), _a_dim(b, x)), {})),
    "permute_copy": _gen_shape_op("permute_copy", 0, _permute_params),
    "squeeze_copy": _gen_shape_op("squeeze_copy", 0, _squeeze_params),
    "unsqueeze_copy": _gen_shape_op("unsqueeze_copy", 0, lambda b, x: ((b.draw(st.integers(-x.ndim - 1, x.ndim)),),
                                                                         {})),
    "diagonal_copy": _gen_shape_op("diagonal_copy", 2, _diagonal_params),
    "narrow_copy": _gen_narrow_copy,
    "select_copy": _gen_shape_op("select_copy", 1, _select_params),
    "unbind_copy": _gen_shape_op("unbind_copy", 1, lambda b, x: ((_a_dim(b, x),), {}), pieces=True),
    "split_with_sizes_copy": _gen_shape_op("split_with_sizes_copy", 1, _sizes_params, pieces=True),
    "unfold_copy": _gen_shape_op("unfold_copy", 1, _unfold_params),
    "as_strided_copy": lambda b: _gen_as_strided(b, "as_strided_copy"),
    "view_copy": _gen_shape_op("view_copy", 0, _view_params),
    "expand_copy": _gen_shape_op("expand_copy", 0, _expand_params),
    "slice_copy": _gen_shape_op("slice_copy", 1, _slice_params),
}

EXTRA_GENERATORS = {
    **COPY_GENERATORS,
    # elementwise: torch.special, PyTorch's compositions
    "special.i0e": _unary("special.i0e", mg.special.i0e, _special("i0e"), domain=_nonzero),     # |x|: kink at 0
    "special.i1": _unary("special.i1", mg.special.i1, _special("i1"), domain=_moderate),
    "special.i1e": _unary("special.i1e", mg.special.i1e, _special("i1e"), domain=_nonzero),
    "special.zeta": _gen_zeta,
    "special.xlog1py": _binary("special.xlog1py", lambda x, y: mg.special.xlog1py(x, _positive_m(y)),
                               lambda x, y: _special("xlog1py")(x, _positive_t(y))),
    "special.entr": _unary("special.entr", lambda x: mg.special.entr(_positive_m(x)),
                           lambda x: _special("entr")(_positive_t(x))),
    "special.erfcx": _unary("special.erfcx", mg.special.erfcx, _special("erfcx"), domain=_moderate),
    "special.ndtr": _unary("special.ndtr", mg.special.ndtr, _special("ndtr")),
    "special.log_ndtr": _unary("special.log_ndtr", mg.special.log_ndtr, _special("log_ndtr"), domain=_moderate),
    "special.ndtri": _unary("special.ndtri", lambda x: mg.special.ndtri(mg.sigmoid(x) * 0.8 + 0.1),
                            lambda x: _special("ndtri")(_tf("sigmoid")(x) * 0.8 + 0.1)),
    "deg2rad": _unary("deg2rad", mg.deg2rad, _tf("deg2rad")),
    "rad2deg": _unary("rad2deg", mg.rad2deg, _tf("rad2deg")),
    "square": _unary("square", mg.square, _tf("square")),
    "float_power": _gen_float_power,
    "floor_divide": _gen_floor_divide,
    "clamp_min": _gen_clamp_one("clamp_min"),
    "clamp_max": _gen_clamp_one("clamp_max"),
    "clamp(tensor bounds)": _gen_clamp_tensors,
    # nn.functional activations (kinks and jumps kept 1e-3 away)
    "nn.functional.gelu": _gen_activation("gelu", ({}, {"approximate": "tanh"})),
    "nn.functional.silu": _gen_activation("silu"),
    "nn.functional.elu": _gen_activation("elu", ({}, {"alpha": 0.5}), kinks=lambda kw: (0.0,)),   # f'' jumps at 0
    "nn.functional.celu": _gen_activation("celu", ({}, {"alpha": 2.0}), kinks=lambda kw: (0.0,)),
    "nn.functional.selu": _gen_activation("selu", kinks=lambda kw: (0.0,)),
    "nn.functional.hardsigmoid": _gen_hardsigmoid,
    "nn.functional.hardswish": _gen_activation("hardswish", kinks=lambda kw: (-3.0, 3.0)),
    "nn.functional.logsigmoid": _gen_activation("logsigmoid"),
    "nn.functional.softsign": _gen_activation("softsign", kinks=lambda kw: (0.0,)),
    "nn.functional.tanhshrink": _gen_activation("tanhshrink"),
    "nn.functional.relu6": _gen_activation("relu6", kinks=lambda kw: (0.0, 6.0)),
    "nn.functional.hardshrink": _gen_activation("hardshrink", ({}, {"lambd": 0.2}),
                                                kinks=lambda kw: (kw.get("lambd", 0.5), -kw.get("lambd", 0.5))),
    "nn.functional.softshrink": _gen_activation("softshrink", ({}, {"lambd": 0.2}),
                                                kinks=lambda kw: (kw.get("lambd", 0.5), -kw.get("lambd", 0.5))),
    "nn.functional.threshold": _gen_activation("threshold", ({"threshold": 0.1, "value": -2.0},
                                                             {"threshold": -0.5, "value": 0.0}),
                                               kinks=lambda kw: (kw["threshold"],)),
    "nn.functional.glu": _gen_glu,
    "nn.functional.softmin": _gen_softmin,
    "nn.functional.normalize": _gen_normalize,
    "nn.functional.cosine_similarity": _gen_pair("cosine_similarity"),
    "nn.functional.pairwise_distance": _gen_pair("pairwise_distance"),
    "nn.functional.layer_norm": _gen_norm_layer("layer_norm"),
    "nn.functional.rms_norm": _gen_norm_layer("rms_norm"),
    "nn.functional.prelu": _gen_prelu,
    "nn.functional.linear": _gen_linear,
    "nn.functional.pixel_shuffle": _gen_pixel("pixel_shuffle"),
    "nn.functional.pixel_unshuffle": _gen_pixel("pixel_unshuffle"),
    # losses
    **{f"nn.functional.{name}": _gen_loss(name) for name in (
        "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss", "soft_margin_loss")},
    "nn.functional.gaussian_nll_loss": _gen_gaussian_nll,
    # PyTorch's reductions and shape methods
    "max(dim)": _gen_dim_values("max(dim)"),
    "min(dim)": _gen_dim_values("min(dim)"),
    "var(dim)": _gen_var_dim,
    "sum_to_size": _gen_sum_to_size,
    "repeat": _gen_repeat,
    "t": _gen_shape_op("t", 0, _none, max_ndim=2),
    "outer": _gen_outer,
    "row_stack": _gen_join("row_stack"),
    "unfold": SHAPE_GENERATORS["unfold"],
    # torch.linalg
    "linalg.inv": _gen_linalg_matrix("linalg.inv", mg.linalg.inv, _linalg("inv")),
    "linalg.det": _gen_linalg_matrix("linalg.det", mg.linalg.det, _linalg("det")),
    "linalg.slogdet": _gen_linalg_matrix("linalg.slogdet", lambda t: mg.linalg.slogdet(t).logabsdet,
                                         lambda t: _linalg("slogdet")(t).logabsdet),
    "linalg.cholesky": _gen_linalg_matrix("linalg.cholesky", mg.linalg.cholesky, _linalg("cholesky"), _gram),
    "linalg.qr": _gen_linalg_matrix("linalg.qr", lambda t: mg.linalg.qr(t).R, lambda t: _linalg("qr")(t).R),
    "linalg.svdvals": _gen_linalg_matrix("linalg.svdvals", mg.linalg.svdvals, _linalg("svdvals"),
                                         pred=lambda t: _spread_singular_values(_dominant(mg, t))),
    "linalg.pinv": _gen_linalg_matrix("linalg.pinv", mg.linalg.pinv, _linalg("pinv")),
    "linalg.matrix_exp": _gen_linalg_matrix("linalg.matrix_exp", mg.linalg.matrix_exp, _linalg("matrix_exp"),
                                            _as_is),
    "linalg.lu_factor": _gen_linalg_matrix("linalg.lu_factor", lambda t: mg.linalg.lu_factor(t)[0],
                                           lambda t: _linalg("lu_factor")(t).LU),
    "linalg.lu": _gen_linalg_matrix("linalg.lu", lambda t: _lu_lu(mg, t), lambda t: _lu_lu(_torch_module(), t)),
    "linalg.eigh": _gen_linalg_sym("eigh"),
    "linalg.eigvalsh": _gen_linalg_sym("eigvalsh"),
    "linalg.solve": _gen_linalg_solve,
    "linalg.solve_triangular": _gen_linalg_solve_triangular,
    "linalg.lu_solve": _gen_linalg_lu_solve,
    "linalg.matrix_power": _gen_linalg_matrix_power,
    "linalg.matrix_norm": _gen_matrix_norm,
    "linalg.vector_norm": _gen_vector_norm,
    "linalg.cond": _gen_cond,
    "linalg.multi_dot": _gen_multi_dot,
    "linalg.vecdot": _gen_vecdot,
    "linalg.cross": _gen_linalg_cross,
    "linalg.lstsq": _gen_lstsq,
    "linalg.householder_product": _gen_householder_product,
    "linalg.diagonal": _gen_linalg_diagonal,
}
GENERATORS.update(EXTRA_GENERATORS)


assert set(GENERATORS) == set(DIFFERENTIABLE) | set(EXTRA_GENERATORS), \
    (set(DIFFERENTIABLE) | set(EXTRA_GENERATORS)) ^ set(GENERATORS)


@st.composite
def programs(draw, exclude=()):
    """A random program: 1-2 leaves to start, then 3 to 8 ops drawn from the whole differentiable set
    (less ``exclude``: finite differences cannot see through a float32 round trip)."""
    b = Builder(draw)
    for _ in range(draw(st.integers(1, 2))):
        b.leaf(_shape(draw))
    target = draw(st.integers(MIN_STEPS, MAX_STEPS))
    names = sorted(set(GENERATORS) - set(exclude))
    attempts = 0
    while len(b.program.steps) < target and attempts < 10 * MAX_STEPS:
        attempts += 1
        name = draw(st.sampled_from(names))
        GENERATORS[name](b)
    return b.program
