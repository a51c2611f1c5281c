"""A view made under no_grad of a tensor that requires grad (``with no_grad(): v = x[0:2]``), against torch: it
requires grad through its base but is a leaf without a graph, and torch gives it no AccumulateGrad node until its own
flag is set (``v.requires_grad_()``), so what backward sends it goes nowhere. minigrad's had requires_grad False: an
op on it recorded nothing, and ``(v * 2).sum().backward()`` raised where torch's runs and fills no ``.grad``."""
import numpy as np
import pytest
import torch

import minigrad as mg

X = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]

# name -> the op, written once for both libraries
VIEWS = {
    "slice": lambda x: x[0:1],
    "index": lambda x: x[0],
    "reshape": lambda x: x.reshape(3, 2),
    "view": lambda x: x.view(6),
    "flatten": lambda x: x.flatten(),
    "transpose": lambda x: x.transpose(1, 0),
    "T": lambda x: x.T,
    "permute": lambda x: x.permute(1, 0),
    "movedim": lambda x: x.movedim(0, 1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "expand": lambda x: x.unsqueeze(0).expand(2, 2, 3),
    "unfold": lambda x: x.unfold(1, 2, 1),
    "diagonal": lambda x: x.diagonal(),
    "as_strided": lambda x: x.as_strided((2,), (1,)),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(1, 0),
    "split": lambda x: x.split(1)[1],
    "unbind": lambda x: x.unbind(0)[1],
    "chunk": lambda x: x.chunk(2, 1)[0],
    "view of a view": lambda x: x[1:].T[0],
}
# a copy on CuPy (write_stamps.view_or_copy: CuPy's as_strided does not lead back to its input's memory), so not a
# view there and requiring no grad; the CuPy stand-in's as_strided leads back, so only a GPU would tell
COPIES_ON_CUPY = {"unfold", "as_strided"}
# made under no_grad but not views: they require no grad, as before
COPIES = {
    "clone": lambda x: x.clone(),
    "mul": lambda x: x * 2.0,
    "reshape that copies": lambda x: x.T.reshape(6),
    "advanced index": lambda x: x[[0]],
    "int view": lambda x: x.view(_int32(x)),
}


def _int32(x):
    return torch.int32 if isinstance(x, torch.Tensor) else mg.int32


def _base(lib, kind, device="cpu"):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True, **({"device": device} if lib is mg else {}))
    return x, (x * 2.0 if kind == "non-leaf" else x)


def _flags(t):
    return t.requires_grad, t.grad_fn is None, t.is_leaf


@pytest.mark.parametrize("kind", ["leaf", "non-leaf"])
@pytest.mark.parametrize("op", VIEWS)
def test_a_no_grad_view_requires_grad_and_its_gradient_goes_nowhere_as_torchs(op, kind, device):
    if device != "cpu" and op in COPIES_ON_CUPY:
        pytest.skip("a copy on CuPy, not a view (write_stamps.view_or_copy)")

    def run(lib):
        x, h = _base(lib, kind, device)
        with lib.no_grad():
            v = VIEWS[op](h)
        seen = []
        v.register_hook(lambda g: seen.append("hook"))   # torch's never runs: v has no AccumulateGrad node
        y = v * 2.0
        facts = [_flags(v), _flags(y), [f[0] is None for f in y.grad_fn.next_functions]]
        y.sum().backward()
        v.sum().backward()
        with lib.no_grad():
            w = v.unsqueeze(0)   # a view of it, under no_grad: the same
        (w * 3.0).sum().backward()
        facts += [_flags(w), v.grad is None, w.grad is None, x.grad is None, seen, _flags(v.detach())]
        return facts

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == [(True, True, True), (True, False, False), [True, True], (True, True, True), True, True, True,
                    [], (False, True, True)]


def test_under_no_grad_a_view_requires_grad_and_what_is_not_a_view_does_not_as_torchs(device):
    for lib in (mg, torch):
        x, _ = _base(lib, "leaf", device)
        with lib.no_grad():
            views = {op: _flags(make(x)) for op, make in VIEWS.items() if device == "cpu" or op not in COPIES_ON_CUPY}
            copies = {op: _flags(make(x)) for op, make in COPIES.items()}
        assert views == dict.fromkeys(views, (True, True, True)) and len(views) >= len(VIEWS) - 2, lib.__name__
        assert copies == dict.fromkeys(COPIES, (False, True, True)), lib.__name__


def test_a_no_grad_views_own_flag_keeps_its_gradient_as_torchs():
    # requires_grad_(False) leaves it requiring grad (through its base) and drops its gradient again
    def run(lib):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v = x[0]
        log = [v.requires_grad_(False).requires_grad]
        v.requires_grad_(True)
        (v * 2.0).sum().backward()
        log.append(v.grad.tolist())
        with lib.no_grad():
            u = v[1:]   # a no_grad view of it has no flag of its own
        (u * 5.0).sum().backward()
        (v[1:] * 3.0).sum().backward()   # a recorded view of it sends v its gradient
        log.append(v.grad.tolist())
        v.requires_grad = False
        (v * 7.0).sum().backward()
        log += [v.requires_grad, v.grad.tolist(), u.grad is None, x.grad is None]
        return log

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == [True, [2.0, 2.0, 2.0], [2.0, 5.0, 5.0], True, [2.0, 5.0, 5.0], True, True]


def test_backward_from_a_no_grad_view_itself_is_refused_and_grad_finds_it_unused_as_torchs():
    for lib, refused in ((mg, "view made under no_grad"), (torch, "does not require grad and does not have a grad_fn")):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v = x[0]
        with pytest.raises(RuntimeError, match=refused):
            v.backward(lib.ones(3, dtype=lib.float64))
        grad = mg.grad if lib is mg else torch.autograd.grad
        with pytest.raises(RuntimeError, match="not.*used in the graph"):
            grad((v * v).sum(), v)
        assert grad((v * v).sum(), [v, x], allow_unused=True) == (None, None)
        gv, gx = grad((v * v).sum(), [v, x], materialize_grads=True)
        assert gv.tolist() == [0.0] * 3 and gx.tolist() == [[0.0] * 3] * 2


def test_a_no_grad_views_post_accumulate_hook_never_runs_as_torchs():
    for lib in (mg, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v = x[0]
        seen = []
        v.register_post_accumulate_grad_hook(lambda t: seen.append(t))
        (v * 2.0).sum().backward()
        assert seen == [] and v.grad is None, lib.__name__


def test_a_recorded_view_of_a_no_grad_view_is_still_refused_a_write_in_grad_mode_as_torchs():
    # v now requires grad, so v[1:] in grad mode is recorded (torch's too); torch refuses its write as before
    for lib in (mg, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v = x[0]
        w = v[1:]
        assert _flags(w) == (True, False, False)
        with pytest.raises(RuntimeError, match="view made under no_grad|view of a view which was created in no_grad"):
            w.mul_(2.0)
        np.testing.assert_array_equal(x.detach().numpy(), X)
        with lib.no_grad():
            w.mul_(2.0)
        assert x.detach().numpy()[0].tolist() == [1.0, 4.0, 6.0]


def test_a_view_of_a_no_grad_view_is_refused_a_write_after_a_backward_freed_its_graph_as_torchs():
    # the refusal walked u's graph back to v: once a backward had freed it, u[0] = 5 went through, and a later
    # backward through h gave w.grad 3 where h[0][1] had become the constant 5 (torch refuses the write)
    for lib in (mg, torch):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        h = w * 1.0
        with lib.no_grad():
            v = h[0]
        u = v[1:]
        (u * 2.0).sum().backward()
        with pytest.raises(RuntimeError, match="no_grad"):
            u[0] = 5.0
