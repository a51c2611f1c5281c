"""Random short programs of views and in-place writes, run alike in minigrad and torch (test_view_inplace_fuzz.py).

A program starts from a float64 leaf ``x`` (2-D or 3-D) and ``h = x * c``, and appends steps that each make a
view of a live tensor, write one in place (methods, ``x op= y``, ``x[index] = v``), or use one out of place. A
step is plain data (tuples of ints, floats and NumPy arrays), so the same program runs in both libraries; the
generator runs it in torch as it goes, so that every step it keeps is one torch accepts.

``x op= y`` while a graph is recorded is modelled in torch as minigrad documents it (docs/autodiff.md, "x += y"):
on a tensor that is not a view it rebinds the name (``x = x + y``), on a view it writes through as ``x.add_(y)``.
"""
import contextlib
import operator

import numpy as np

# x op= y is exactly OPERATOR_ASSIGN[op](x, y) with x rebound to the result (Python calls x.__iadd__, then assigns)
OPERATOR_ASSIGN = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
             "**=": operator.ipow}
OPERATOR = {"+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": operator.truediv,
                "**=": operator.pow}

MODES = ("grad", "no_grad", "plain")   # recorded graph; the same under no_grad(); x not requiring grad

INPLACE = ("add_", "sub_", "mul_", "div_", "clamp_", "relu_", "exp_", "copy_", "fill_", "zero_")
AUGMENTED = ("+=", "-=", "*=", "/=")
VIEWS = ("slice", "int", "T", "swapaxes", "permute", "reshape", "view", "flatten", "squeeze", "unsqueeze",
         "narrow", "select", "diagonal", "unbind", "chunk", "split", "expand")
OUT_OF_PLACE = ("scale", "sin", "add", "tanh")


class Lib:
    """What a program needs of a library, so one interpreter serves both."""

    def __init__(self, name):
        self.name = name
        self.copied = []   # per reshape/view/flatten step of the last program run: whether it copied
        if name == "torch":
            import torch

            self.mod = torch
        else:
            import minigrad

            self.mod = minigrad

    def tensor(self, a, requires_grad=False):
        if self.name == "torch":
            return self.mod.tensor(a, dtype=self.mod.float64, requires_grad=requires_grad)
        return self.mod.tensor(np.asarray(a, dtype=np.float64), dtype=self.mod.float64, requires_grad=requires_grad)

    def index(self, a):
        """An index array (bool mask or ints) as the library takes it."""
        return self.mod.from_numpy(a.copy()) if self.name == "torch" else a.copy()

    def numpy(self, t):
        if self.name == "torch":
            return t.detach().numpy().copy()
        return np.array(t.numpy(), copy=True)

    def raw(self, t):
        """The array over t's memory (no copy)."""
        return t.detach().numpy() if self.name == "torch" else t.data

    def is_view(self, t):
        return t._base is not None

    def no_grad(self):
        return self.mod.no_grad()


def _operand(lib, env, spec):
    kind, value = spec
    if kind == "scalar":
        return value
    if kind == "const":
        return lib.tensor(value)
    return env[value]


def _view(t, kind, args):
    if kind == "slice":
        return t[tuple(slice(a, None, s) for a, s in args)]
    if kind == "int":
        return t[args]
    if kind == "T":
        return t.T
    if kind == "swapaxes":
        return t.swapaxes(*args)
    if kind == "permute":
        return t.permute(*args)
    if kind == "reshape":
        return t.reshape(*args)
    if kind == "view":
        return t.view(*args)
    if kind == "flatten":
        return t.flatten()
    if kind == "squeeze":
        return t.squeeze(args)
    if kind == "unsqueeze":
        return t.unsqueeze(args)
    if kind == "narrow":
        return t.narrow(*args)
    if kind == "select":
        return t.select(*args)
    if kind == "diagonal":
        return t.diagonal(*args)
    if kind == "unbind":
        return t.unbind(args[0])[args[1]]
    if kind == "chunk":
        return t.chunk(args[0], args[1])[args[2]]
    if kind == "split":
        return t.split(args[0], args[1])[args[2]]
    if kind == "expand":
        return t.unsqueeze(0).expand(args, *t.shape)
    raise AssertionError(kind)


def _setitem_index(lib, spec):
    kind, value = spec
    if kind == "int":
        return value
    if kind == "slices":
        return tuple(slice(a, b, s) for a, b, s in value)
    return lib.index(value)


def _recording(lib, t, other):
    grad_on = lib.mod.is_grad_enabled()
    return grad_on and (t.requires_grad or (hasattr(other, "requires_grad") and other.requires_grad))


def run_step(lib, env, step):
    """Run one step on ``env`` (the live tensors, in order); a new tensor is appended, a rebinding replaces."""
    kind, i = step[0], step[1]
    t = env[i]
    if kind == "view":
        env.append(_view(t, step[2], step[3]))
        if step[2] in ("reshape", "view", "flatten"):
            lib.copied.append(not np.shares_memory(lib.raw(env[-1]), lib.raw(t)))
    elif kind == "fn":
        op, arg = step[2], step[3]
        if op == "scale":
            env.append(t * arg)
        elif op == "sin":
            env.append(t.sin())
        elif op == "tanh":
            env.append(t.tanh())
        else:
            env.append(t + env[arg])
    elif kind == "inplace":
        name, arg = step[2], step[3]
        if name in ("relu_", "exp_", "zero_"):
            getattr(t, name)()
        elif name == "clamp_":
            t.clamp_(*arg)
        elif name == "fill_":
            t.fill_(arg)
        else:
            getattr(t, name)(_operand(lib, env, arg))
    elif kind == "aug":
        symbol, other = step[2], _operand(lib, env, step[3])
        if (lib.name == "torch" and _recording(lib, t, other) and not lib.is_view(t)
                and not (t.is_leaf and t.requires_grad)):
            # minigrad's documented reading: x op= y while recording rebinds x when x is not a view
            env[i] = OPERATOR[symbol](t, other)
            return
        env[i] = OPERATOR_ASSIGN[symbol](t, other)
    elif kind == "setitem":
        t[_setitem_index(lib, step[2])] = _operand(lib, env, step[3])
    else:
        raise AssertionError(kind)


def start(lib, mode, x0, c):
    x = lib.tensor(x0, requires_grad=mode != "plain")
    return x, [x, x * c]


def run_program(lib, program, mode):
    """(x, env): the program's live tensors after its steps (env[0] is x, env[1] h); raises what the library raises."""
    x0, c, steps = program["x"], program["c"], program["steps"]
    lib.copied = []
    ctx = lib.no_grad() if mode == "no_grad" else contextlib.nullcontext()
    with ctx:
        x, env = start(lib, mode, x0, c)
        for step in steps:
            run_step(lib, env, step)
    return x, env


def loss(lib, x, env, weights, picks):
    """sum_k <w_k, env[k]> over the picked live tensors that require grad (None where none does)."""
    total = None
    for k in picks:
        t = env[k]
        if not t.requires_grad:
            continue
        term = (t * lib.tensor(weights[k % len(weights)][: t.numel()].reshape(tuple(t.shape)))).sum()
        total = term if total is None else total + term
    return total


# --------------------------------------------------------------------------------------------------- generation


def _shape_after(shape, index):
    return np.zeros(shape)[index].shape


def _broadcastable(src, dst):
    try:
        return np.broadcast_shapes(tuple(src), tuple(dst)) == tuple(dst)
    except ValueError:
        return False


def _random_view(rng, shape):
    n = len(shape)
    kinds = [k for k in VIEWS if
             (k != "T" or n == 2) and (k not in ("swapaxes", "diagonal") or n >= 2)
             and (k != "squeeze" or 1 in shape) and (k != "unsqueeze" or n < 4) and (k != "int" or n >= 2)
             and (k != "select" or n >= 2) and (k != "unbind" or n >= 2) and n >= 1]
    kind = rng.choice(kinds)
    if kind == "slice":
        args = tuple((rng.randrange(0, max(1, min(2, s))), rng.choice((1, 1, 2))) for s in shape)
    elif kind == "int":
        args = rng.randrange(-shape[0], shape[0])
    elif kind == "swapaxes":
        args = tuple(rng.sample(range(n), 2))
    elif kind == "permute":
        args = tuple(rng.sample(range(n), n))
    elif kind in ("reshape", "view"):
        size = int(np.prod(shape))
        factors = [f for f in range(1, size + 1) if size % f == 0]
        first = rng.choice(factors)
        args = (first, -1) if rng.random() < 0.7 else (size,)
        if rng.random() < 0.3 and size > 1:
            args = (1,) + args
    elif kind in ("flatten", "T"):
        args = None
    elif kind == "squeeze":
        args = rng.choice([d for d, s in enumerate(shape) if s == 1])
    elif kind == "unsqueeze":
        args = rng.randrange(0, n + 1)
    elif kind == "narrow":
        d = rng.randrange(n)
        start = rng.randrange(shape[d])
        args = (d, start, rng.randrange(1, shape[d] - start + 1))
    elif kind == "select":
        d = rng.randrange(n)
        args = (d, rng.randrange(shape[d]))
    elif kind == "diagonal":
        d1, d2 = rng.sample(range(n), 2)
        args = (rng.choice((0, 0, 1, -1)), d1, d2)
    elif kind == "unbind":
        d = rng.randrange(n)
        args = (d, rng.randrange(shape[d]))
    elif kind in ("chunk", "split"):
        d = rng.randrange(n)
        pieces = rng.randrange(1, shape[d] + 1)
        count = len(range(0, shape[d], -(-shape[d] // pieces))) if kind == "chunk" else -(-shape[d] // pieces)
        args = (pieces, d, rng.randrange(count))
    else:
        args = rng.choice((1, 2))
    return ("view", kind, args)


def _random_operand(rng, env_shapes, shape, i, positive=False):
    """A scalar, a constant array broadcasting to ``shape``, or another live tensor of a shape that does."""
    r = rng.random()
    candidates = [k for k, s in enumerate(env_shapes) if k != i and _broadcastable(s, shape)]
    if r < 0.35 or (r >= 0.7 and not candidates):
        return ("scalar", rng.choice((0.5, 1.5, 2.0, -0.75, 3.0)) if not positive else rng.choice((0.5, 1.5, 2.0)))
    if r < 0.7 or positive:
        tail = shape[rng.randrange(len(shape) + 1):] if shape else ()
        low = 0.5 if positive else -1.0
        return ("const", np.round(np.asarray(np.random.default_rng(rng.randrange(2**31)).uniform(low, 2.0, tail)), 3))
    return ("tensor", rng.choice(candidates))


def _random_setitem(rng, shape):
    r = rng.random()
    if r < 0.25:
        return ("int", rng.randrange(-shape[0], shape[0]))
    if r < 0.55:
        return ("slices", tuple((rng.randrange(0, s), None, rng.choice((1, 2))) for s in shape[:rng.randrange(1, len(shape) + 1)]))
    if r < 0.8:
        mask = np.random.default_rng(rng.randrange(2**31)).random(shape) < 0.5
        return ("mask", mask)
    perm = np.array(rng.sample(range(shape[0]), rng.randrange(1, shape[0] + 1)), dtype=np.int64)
    return ("ints", perm)


def random_step(rng, env_shapes):
    i = rng.randrange(len(env_shapes))
    shape = env_shapes[i]
    if 0 in shape:   # an empty diagonal, say: nothing to index or write
        return ("fn", i, "scale", 2.0)
    r = rng.random()
    if r < 0.38 and shape:
        return ("view", i) + _random_view(rng, shape)[1:]
    if r < 0.5:
        op = rng.choice(OUT_OF_PLACE)
        if op == "add":
            same = [k for k, s in enumerate(env_shapes) if s == shape]
            return ("fn", i, "add", rng.choice(same))
        return ("fn", i, op, rng.choice((0.5, 2.0, -1.5)) if op == "scale" else None)
    if r < 0.72:
        name = rng.choice(INPLACE)
        if name == "clamp_":
            return ("inplace", i, name, (rng.choice((-0.5, 0.0, None)), rng.choice((1.0, 2.0))))
        if name == "fill_":
            return ("inplace", i, name, rng.choice((0.25, -1.0)))
        if name in ("relu_", "exp_", "zero_"):
            return ("inplace", i, name, None)
        return ("inplace", i, name, _random_operand(rng, env_shapes, shape, i, positive=name == "div_"))
    if r < 0.86:
        symbol = rng.choice(AUGMENTED)
        return ("aug", i, symbol, _random_operand(rng, env_shapes, shape, i, positive=symbol == "/="))
    if not shape:
        return ("inplace", i, "mul_", ("scalar", 2.0))
    index = _random_setitem(rng, shape)
    target = _shape_after(shape, _setitem_index(Lib("minigrad"), index))
    return ("setitem", i, index, _random_operand(rng, env_shapes, target, -1))


def _overlaps(env, step):
    """Whether a write reads an operand that overlaps the memory it writes (``h[1] = h[:, 0]``): torch copies
    element by element where it cannot tell, so its result depends on the order (minigrad reads the operand
    first, as NumPy does, or refuses): no reference to compare with."""
    if step[0] not in ("inplace", "aug", "setitem") or not isinstance(step[-1], tuple) or step[-1][0] != "tensor":
        return False
    a, b = env[step[1]].detach().numpy(), env[step[-1][1]].detach().numpy()
    return bool(np.shares_memory(a, b))


def make_program(rng, mode, torch_lib, length):
    """A program of up to ``length`` steps that torch runs without an error, built step by step against torch."""
    nd = rng.choice((2, 3))
    shape = tuple(rng.randrange(2, 5) for _ in range(2)) if nd == 2 else tuple(rng.randrange(2, 4) for _ in range(3))
    program = {"x": np.round(np.random.default_rng(rng.randrange(2**31)).uniform(-1, 1, shape), 3),
               "c": rng.choice((1.5, -0.5, 2.0)), "steps": []}
    _, env = run_program(torch_lib, program, mode)
    tries = 0
    while len(program["steps"]) < length and tries < 4 * length:
        tries += 1
        step = random_step(rng, [tuple(t.shape) for t in env])
        if _overlaps(env, step):
            continue
        candidate = dict(program, steps=program["steps"] + [step])
        try:
            _, env_new = run_program(torch_lib, candidate, mode)
        except (RuntimeError, IndexError, ValueError, TypeError):
            continue
        program, env = candidate, env_new
    weights = [np.round(np.random.default_rng(rng.randrange(2**31)).uniform(-1, 1, 256), 3) for _ in range(4)]
    picks = sorted(rng.sample(range(len(env)), min(len(env), rng.randrange(1, 4))))
    program.update(weights=weights, picks=picks)
    return program


def describe(program):
    lines = [f"x = tensor({program['x'].tolist()}, requires_grad=True); h = x * {program['c']}   # env[0], env[1]"]
    for step in program["steps"]:
        lines.append(repr(step))
    lines.append(f"loss over env{program.get('picks')}")
    return "\n".join(lines)
