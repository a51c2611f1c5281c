"""``einsum``: sums of products over subscripts, with each operand's gradient another einsum.

The equation is checked and brought to one explicit form before the op sees it: ``...`` becomes
letters of its own, the implicit output (letters used once, sorted, after the ``...`` dims) is
written out, and a dim of length one that meets a longer dim of its letter elsewhere is dropped
from its operand (it broadcasts: the operand is constant along that letter).
"""
from __future__ import annotations

import string

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.backends import opt_einsum
from minigrad.ops import _plain
from minigrad.ops.shape import reshape
from minigrad.scalars import is_integer

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


class Einsum(Function):
    """y = einsum(equation, *xs), the equation explicit (``"ij,jk->ik"``), each letter of one length.

    dL/dx_i = einsum of g (with the output's letters) and the other operands, to x_i's letters. A letter
    repeated in x_i (a diagonal) gets a fresh letter tied to it by an identity matrix, and a letter only
    x_i has (summed over) is brought back by a vector of ones: both constants, so the same einsum serves
    every order of derivative.   Shapes: each x_i has one dim per letter of its term -> one per output letter.
    """

    def __init__(self, equation):
        self.equation = equation

    def forward(self, *xs):
        # optimize: a contraction order, and BLAS (tensordot) for the pairs that are matrix products
        return get_array_module(xs[0]).einsum(self.equation, *xs, optimize=opt_einsum.optimize_argument(len(xs)))

    def backward(self, F, gy, *xs):
        lhs, out = self.equation.split("->")
        terms = lhs.split(",")
        xp = get_array_module(gy.data if F.recording else gy)
        size = {c: n for term, x in zip(terms, xs) for c, n in zip(term, x.shape)}
        spare = [c for c in _LETTERS if c not in self.equation]
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            subs = [out] + [t for j, t in enumerate(terms) if j != i]
            operands = [gy] + [x for j, x in enumerate(xs) if j != i]
            target, seen, fresh = [], set(), iter(spare)
            for c in terms[i]:
                if c in seen:  # the diagonal: a new letter, equal to c through an identity matrix
                    d = next(fresh)
                    subs.append(c + d)
                    operands.append(F.const(xp.eye(size[c], dtype=gy.dtype)))
                    target.append(d)
                else:
                    seen.add(c)
                    target.append(c)
            present = set("".join(subs))
            for c in seen - present:  # summed inside x_i alone: every entry gets g
                subs.append(c)
                operands.append(F.const(xp.ones(size[c], dtype=gy.dtype)))
            grads.append(F.apply(Einsum, *operands, equation=",".join(subs) + "->" + "".join(target)))
        return tuple(grads)


def _parse(equation, shapes):
    """(terms, output) with ``...`` spelled out as letters, the output explicit; clear errors naming the equation."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"einsum: equation {equation!r} has more than one '->'")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} has {len(terms)} operand terms but {len(shapes)} operands "
                         f"were given (shapes {[tuple(s) for s in shapes]})")
    for part in terms + [rhs]:
        letters = part.replace("...", "")
        bad = [c for c in letters if c not in _LETTERS]
        if bad or part.count("...") > 1:
            raise ValueError(f"einsum: equation {equation!r}: {part!r} is not letters with at most one '...' "
                             f"(unexpected {bad[0]!r})" if bad else
                             f"einsum: equation {equation!r}: {part!r} has more than one '...'")
    spare = [c for c in _LETTERS if c not in eq]
    widths = []
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if ("..." in term and named > len(shape)) or ("..." not in term and named != len(shape)):
            raise ValueError(f"einsum: equation {equation!r}: term {term!r} names {named} dims but its operand has "
                             f"shape {tuple(shape)}")
        widths.append(len(shape) - named if "..." in term else 0)
    width = max(widths, default=0)
    if width > len(spare):
        raise ValueError(f"einsum: equation {equation!r} has too many dims to name")
    ellipsis = "".join(spare[:width])
    terms = [t.replace("...", ellipsis[width - w:]) for t, w in zip(terms, widths)]
    if arrow:
        if "..." not in rhs and any("..." in t for t in lhs.split(",")):
            out = rhs  # the ... dims are summed over
        else:
            out = rhs.replace("...", ellipsis)
        missing = [c for c in out if c not in "".join(terms)]
        if missing:
            raise ValueError(f"einsum: equation {equation!r}: output letter {missing[0]!r} is in no operand")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: equation {equation!r}: the output repeats a letter")
    else:
        counts = {}
        for c in "".join(terms):
            counts[c] = counts.get(c, 0) + 1
        out = ellipsis + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ellipsis))
    return terms, out


_SUBLIST_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"   # 0-25, 26-51: sorted as the ints


def _from_sublists(args):
    """(equation, operands) from the sublist form ``op0, sub0, op1, sub1, ..., [out]`` of torch and NumPy."""
    pairs, out = (args, None) if len(args) % 2 == 0 else (args[:-1], args[-1])
    subs = list(pairs[1::2]) + ([] if out is None else [out])
    if not pairs or not all(isinstance(s, (list, tuple)) for s in subs):
        raise TypeError(f"einsum: the equation must be a string, or the operands each followed by a list of its dims "
                        f"(ints and ...), got {type(args[0]).__name__} first")

    def term(sub):
        if not all(s is Ellipsis or (is_integer(s) and 0 <= s < 52)
                   for s in sub):
            raise ValueError(f"einsum: a sublist holds ints in [0, 52) and ..., got {list(sub)}")
        return "".join("..." if s is Ellipsis else _SUBLIST_LETTERS[int(s)] for s in sub)
    equation = ",".join(term(s) for s in pairs[1::2]) + ("" if out is None else "->" + term(out))
    return equation, tuple(pairs[0::2])


def einsum(equation, *operands):
    """``torch.einsum`` (and ``numpy.einsum``): e.g. ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Operands as arguments or one list, or the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (ints in
    [0, 52) and ``...`` for the dims, the output's last and optional). Letters A-Z and a-z, ``...`` for leading dims, an implicit output
    (no ``->``: the letters used once, sorted, after the ``...`` dims); dims of length one broadcast.
    dL/dx_i is itself an einsum (see ``Einsum``). Floating operands must share one dtype.
    """
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError(f"einsum: equation {equation!r} was given no operands")
    like = next((x for x in operands if isinstance(x, Tensor)), None)
    xs = [as_tensor(x, like=like) for x in operands]
    floats = {x.dtype for x in xs if x.dtype.kind in "fc"}
    if len(floats) > 1:
        raise TypeError(f"einsum: operands have different floating dtypes {sorted(map(str, floats))}; "
                        "minigrad does not promote silently, cast one with .astype()")
    if floats:  # integer operands join the floating one, as a Python number would (they never require grad)
        dtype = floats.pop()
        xs = [x if x.dtype == dtype else _plain.cast(x, dtype) for x in xs]
    terms, out = _parse(equation, [x.shape for x in xs])
    lengths = {}
    for term, x in zip(terms, xs):
        seen = {}
        for c, n in zip(term, x.shape):
            if seen.setdefault(c, n) != n:
                raise ValueError(f"einsum: equation {equation!r}: letter {c!r} repeats in {term!r} with lengths "
                                 f"{seen[c]} and {n} (shape {tuple(x.shape)})")
            lengths.setdefault(c, set()).add(n)
    for c, ns in lengths.items():
        if len(ns - {1}) > 1:
            raise ValueError(f"einsum: equation {equation!r}: letter {c!r} has lengths {sorted(ns)} in the operands "
                             f"(shapes {[tuple(x.shape) for x in xs]}); they must agree or be 1")
    for k, (term, x) in enumerate(zip(terms, xs)):  # a length-1 dim meeting a longer one broadcasts: drop it
        drop = [j for j, (c, n) in enumerate(zip(term, x.shape)) if n == 1 and lengths[c] - {1}]
        if drop:
            terms[k] = "".join(c for j, c in enumerate(term) if j not in drop)
            xs[k] = reshape(x, tuple(n for j, n in enumerate(x.shape) if j not in drop))
    return Einsum.apply(*xs, equation=",".join(terms) + "->" + out)
