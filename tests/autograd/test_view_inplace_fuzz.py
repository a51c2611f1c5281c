"""Seeded differential fuzz of views and in-place writes against torch (programs: view_inplace_programs.py).

Each random program runs in torch and in minigrad, in three modes: a recorded graph (x requires grad), the same
under ``no_grad()``, and ``x`` not requiring grad. minigrad may refuse a program torch runs (any error: minigrad
cannot follow every in-place autograd pattern of torch), but where it runs it, every live tensor's values and,
with a graph, ``x.grad`` must be torch's. Outside a graph nothing may be refused (a write is a plain write)
but a write into an ``expand()`` that repeats entries, which torch refuses but for fill_, zero_ and x[i] = v.

A long run: ``MINIGRAD_VIEW_FUZZ_PROGRAMS=3000 MINIGRAD_VIEW_FUZZ_SEED=7 python -m pytest -p no:cacheprovider
tests/autograd/test_view_inplace_fuzz.py -s`` (``-s`` prints the refusal counts).
"""
import collections
import os
import random
import re

import numpy as np
import pytest

import minigrad as mg

from view_inplace_programs import MODES, Lib, describe, loss, make_program, run_program

torch = pytest.importorskip("torch")
from torch_agreement import close_scaled  # noqa: E402  (after the skip: it imports torch)

PROGRAMS = int(os.environ.get("MINIGRAD_VIEW_FUZZ_PROGRAMS", "250"))
SEED = int(os.environ.get("MINIGRAD_VIEW_FUZZ_SEED", "0"))
LENGTH = int(os.environ.get("MINIGRAD_VIEW_FUZZ_LENGTH", "6"))
VERBOSE = bool(os.environ.get("MINIGRAD_VIEW_FUZZ_VERBOSE"))


def _close(actual, expected, what):
    close_scaled(actual, expected, what, rtol=1e-12, atol=1e-14)


def check(program, mode, tl, ml):
    """None where minigrad matches torch; the refusal (an exception) where minigrad refuses; "torch-refuses"
    where torch's backward refuses the program. A silent difference fails an assert."""
    tx, tenv = run_program(tl, program, mode)
    tgrad = None
    if mode == "grad":
        try:
            tloss = loss(tl, tx, tenv, program["weights"], program["picks"])
            if tloss is not None:
                tloss.backward()
        except RuntimeError:   # a use or a backward that torch's version counters refuse
            tloss = "refused"
        tgrad = None if tx.grad is None else tx.grad.numpy().copy()
    try:
        mx, menv = run_program(ml, program, mode)
        if mode == "grad" and tloss is not None:
            mloss = loss(ml, mx, menv, program["weights"], program["picks"])
            mloss.backward()
    except Exception as exc:   # noqa: BLE001 - any clear error is a refusal
        assert str(exc).strip(), f"an empty error message ({type(exc).__name__})\n{describe(program)}"
        if mode != "grad" and "is read-only" not in str(exc):   # a write into an expand() that repeats entries
            raise AssertionError(f"refused outside a graph ({mode}): {exc}\n{describe(program)}") from exc
        return exc
    assert len(menv) == len(tenv)
    if ml.copied != tl.copied:
        # a reshape that copies in minigrad and views in torch, or the other way round: an elementwise result of a
        # transposed input is laid out as NumPy lays it (docs/autodiff.md, section 15, Tensor.view)
        return "layout"
    for k, (m, t) in enumerate(zip(menv, tenv)):
        _close(ml.numpy(m), tl.numpy(t), f"{mode}: values of env[{k}]\n{describe(program)}")
    if mode == "grad" and tloss == "refused":
        # torch's version counters refuse it (relu_ then clamp_ of its saved output, say); minigrad recorded each
        # write on a private copy: its gradient must then be the loss's finite-difference slope
        used = [k for k in program["picks"] if menv[k].requires_grad]
        if used and mx.grad is not None:
            _close_to_slope(program, ml, used, mx.grad.numpy())
        return "torch-refuses"
    if mode == "grad" and tloss is not None:
        mgrad = None if mx.grad is None else mx.grad.numpy()
        if tgrad is None or mgrad is None:
            assert tgrad is None and (mgrad is None or not np.any(mgrad)), f"x.grad\n{describe(program)}"
        else:
            _close(mgrad, tgrad, f"x.grad\n{describe(program)}")
    return None


def _close_to_slope(program, ml, used, grad, eps=1e-6):
    def f(x0):
        _, env = run_program(ml, dict(program, x=x0), "grad")   # x op= y rebinds only while recording
        return sum(float((ml.numpy(env[k]) * program["weights"][k % len(program["weights"])][: env[k].numel()]
                          .reshape(tuple(env[k].shape))).sum()) for k in used)

    slope = np.zeros_like(program["x"])
    for i in np.ndindex(slope.shape):
        up, down = program["x"].copy(), program["x"].copy()
        up[i] += eps
        down[i] -= eps
        slope[i] = (f(up) - f(down)) / (2 * eps)
    np.testing.assert_allclose(grad, slope, rtol=1e-5, atol=1e-6, err_msg=f"x.grad vs slope\n{describe(program)}")


def _refusal_kind(exc):
    """The refusal's message with its shapes and sizes taken out, so that one pattern counts once."""
    text = re.sub(r"\(shape \([^)]*\)\)|shape \([^)]*\)|\(\d+(, \d+)*,?\)", "", str(exc).splitlines()[0])
    return f"{type(exc).__name__}: {re.sub(r' +', ' ', text)[:120]}"


@pytest.mark.parametrize("mode", MODES)
def test_views_and_in_place_writes_match_torch(mode):
    tl, ml = Lib("torch"), Lib("minigrad")
    rng = random.Random(f"{SEED}-{mode}")
    refusals, torch_refuses, layout = collections.Counter(), 0, 0
    for _ in range(PROGRAMS):
        program = make_program(rng, mode, tl, LENGTH)
        got = check(program, mode, tl, ml)
        if isinstance(got, Exception):
            refusals[_refusal_kind(got)] += 1
        elif got == "layout":
            layout += 1
        elif got == "torch-refuses":
            torch_refuses += 1
            if VERBOSE:
                print(f"\ntorch refuses the backward, minigrad runs it:\n{describe(program)}")
    print(f"\n{mode}: {PROGRAMS} programs, {sum(refusals.values())} refused by minigrad, "
          f"{torch_refuses} whose backward torch refuses but minigrad runs, {layout} skipped: a reshape copies in "
          "one library only")
    for kind, n in refusals.most_common():
        print(f"  {n:4d}  {kind}")


# Silent differences the fuzz found, minimized (test_augmented_assignment_on_views.py holds those of x op= y).

def test_expand_is_a_view_so_a_later_write_into_its_input_shows_through():
    # expand filled a copy: x.zero_() after e = x.expand(...) left e with x's old values, torch's e is zeros
    a = np.array([[1.0, 2.0, 3.0]])
    for lib in (Lib("minigrad"), Lib("torch")):
        x = lib.tensor(a)
        e = x.expand(2, 3)
        x.mul_(2.0)
        assert lib.numpy(e).tolist() == [[2.0, 4.0, 6.0], [2.0, 4.0, 6.0]], lib.name


def test_an_expand_that_repeats_nothing_writes_through_and_one_that_repeats_refuses_writes():
    for lib in (Lib("minigrad"), Lib("torch")):
        h = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        e = h.unsqueeze(0).expand(1, 2, 2)
        e[0, 0] = 7.0
        assert lib.numpy(h).tolist() == [[7.0, 7.0], [3.0, 4.0]], lib.name
    e = Lib("minigrad").tensor([[1.0, 2.0]]).expand(3, 2)
    with pytest.raises(RuntimeError, match=r"add_\(\): this tensor \(shape \(3, 2\)\) is read-only: an expand\(\)ed"):
        e.add_(1.0)
    with pytest.raises(RuntimeError, match=r"x\[index\] = value: this tensor \(shape \(3, 2\)\) is read-only"):
        e[0] = 5.0   # torch writes 5 into every alias: minigrad refuses instead


def test_a_write_through_a_diagonal_retires_its_base(device):
    # found by the fuzz: diagonal() is an as_strided view, whose base NumPy wraps in a DummyArray; the write
    # stamps and _retire_bases stopped there, so h kept its graph: (h.sin()).sum() after d.mul_(2) gave
    # x.grad[0, 0] = 1.5 cos(1.5) where torch's is 3 cos(3). (CuPy's as_strided has no .base at all: its
    # diagonal comes from xp.diagonal, a view whose .base is the owner.)
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True, device=device)
    h = x * 1.0
    d = h.diagonal()
    d.mul_(2.0)
    assert h.numpy().tolist() == [[2.0, 2.0], [3.0, 8.0]]
    with pytest.raises(RuntimeError, match=r"written in place through a view of it \(mul_\(\) on the output of "):
        h.sin().sum().backward()
    (d * d).sum().backward()   # through the view itself the gradient is torch's
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    td = (tx * 1.0).diagonal()
    td.mul_(2.0)
    (td * td).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)
    g = x * 1.0   # a graph still alive: r op= y on a diagonal view of g writes through to g, as torch's
    r = g.diagonal(1)
    r *= 3.0
    assert g.numpy().tolist() == [[1.0, 6.0], [3.0, 4.0]]


def test_a_view_written_in_place_refuses_backward_after_its_base_is_written_again():
    # found by the fuzz: e = h.unsqueeze(0).expand(1, 2, 2); e[0, 0] = 3; h.exp_(); then e's gradient came from
    # e[0, 0] = 3 alone, ignoring the exp_ that changed e's values (x.grad [[0, 0], [1, 1]] where torch's is
    # [[0, 0], [e^3, e^4]])
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    h = x * 1.0
    e = h[None]
    e[0, 0] = 3.0
    h.exp_()
    np.testing.assert_allclose(e.numpy(), np.exp([[[3.0, 3.0], [3.0, 4.0]]]), rtol=1e-15)
    with pytest.raises(RuntimeError, match=r"a tensor written in place, was written again after that through another"):
        e.sum().backward()


def test_a_tensor_written_in_place_then_through_a_view_of_its_own_keeps_torchs_gradient():
    # not refused by the check above: h's node hands its output over to a private copy before r's write
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = x * 1.0, tx * 1.0
    h.mul_(3.0)
    th.mul_(3.0)
    r, tr = h[0], th[0]
    r.mul_(2.0)
    tr.mul_(2.0)
    (r * r).sum().backward()
    (tr * tr).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)


def test_a_view_whose_memory_was_written_behind_it_refuses_backward_after_its_own_next_write():
    # found by the fuzz: u = h.unsqueeze(0); u /= 2; h.clamp_(0, 1) changes u's values behind u's div node;
    # u.add_(1.5) then moved u to a new node over a copy of those values, and u.sum() differentiated through the
    # div node as if the clamp had not happened: x.grad [[1, 1], [1, 1]] where torch's is [[1, 0], [1, 0]]
    x = mg.tensor([[0.5, 2.0], [0.5, 2.0]], dtype=mg.float64, requires_grad=True)
    h = x * 2.0
    u = h.unsqueeze(0)
    u /= 2.0
    h.clamp_(0.0, 1.0)
    u.add_(1.5)
    assert u.numpy().tolist() == [[[2.0, 2.5], [2.0, 2.5]]]
    with pytest.raises(RuntimeError, match=r"Div: its output, a tensor written in place, was written again"):
        u.sum().backward()


def test_an_expand_to_no_entries_takes_writes_as_torch_does():
    # (1,) -> (0,) repeats no entry, yet its array was NumPy's read-only broadcast: add_(1), zero_() and fill_(2)
    # were refused as "an expand()ed view, whose entries share memory", where torch writes nothing and goes on
    for lib in (Lib("minigrad"), Lib("torch")):
        for shape, sizes in (((1,), (0,)), ((2, 1), (2, 0)), ((1, 1), (3, 0))):
            x = lib.tensor(np.ones(shape).tolist())
            e = x.expand(*sizes)
            e.add_(1.0)
            e.zero_()
            e.fill_(2.0)
            e[...] = 3.0
            assert tuple(e.shape) == sizes and lib.numpy(x).tolist() == np.ones(shape).tolist(), lib.name


class _CuPyLikeArray:
    """What ``_refuse_read_only`` reads of a CuPy array: shape, strides, and flags that have no ``writeable``
    (CuPy arrays are never read-only, and its broadcast_to gives a writable array with stride 0)."""

    class flags:   # noqa: N801 - cupy.ndarray.flags has these three only
        c_contiguous, f_contiguous, owndata = False, False, False

    def __init__(self, shape, strides):
        self.shape, self.strides = shape, strides


def test_a_write_into_a_cupy_array_is_checked_by_its_strides_not_a_writeable_flag():
    # every in-place write (x += y, x[i] = v, fill_, zero_, copy_, the *_ methods) read .flags.writeable, which
    # CuPy's flags do not have: AttributeError on the GPU; and CuPy's expand repeats entries in a writable array
    written = mg.Tensor._make(_CuPyLikeArray((2, 3), (24, 8)), None, 0)
    written._refuse_read_only("add_()")
    repeated = mg.Tensor._make(_CuPyLikeArray((2, 3), (0, 8)), None, 0)
    with pytest.raises(RuntimeError, match=r"^add_\(\): this tensor \(shape \(2, 3\)\) is read-only: an expand"):
        repeated._refuse_read_only("add_()")
    for shape in ((0, 3), (3, 0)):   # NumPy and CuPy give the dims of an empty array stride 0
        mg.Tensor._make(_CuPyLikeArray(shape, (0, 0)), None, 0)._refuse_read_only("add_()")


def test_in_place_writes_run_and_a_repeating_expand_is_refused_on_every_device(device):
    x = mg.tensor([[1.0, 2.0, 3.0]], device=device)
    x += 1.0
    x[0, 0] = 5.0
    x.mul_(2.0)
    assert mg.to_device(x, "cpu").data.tolist() == [[10.0, 6.0, 8.0]]
    empty = mg.zeros(3, 0, device=device)
    empty += 1.0
    empty.fill_(2.0)
    with pytest.raises(RuntimeError, match=r"fill_\(\): this tensor \(shape \(2, 3\)\) is read-only"):
        x.expand(2, 3).fill_(0.0)
