"""PyTorch's in-place arithmetic and fills (add_, sub_, mul_, div_, clamp_, masked_fill_, fill_, copy_, uniform_,
normal_): the values torch's give, the zero_() rule for tensors that require grad, stamped writes, clear errors."""
import numpy as np
import pytest
import torch

import minigrad as mg

RNG = np.random.default_rng(5)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((4,)) + 3.0
MASK = RNG.standard_normal((3, 4)) > 0

CASES = {
    "add_": (lambda t, y: t.add_(y, alpha=-0.5)),
    "sub_": (lambda t, y: t.sub_(y, alpha=2.0)),
    "mul_": (lambda t, y: t.mul_(y)),
    "div_": (lambda t, y: t.div_(y)),
    "clamp_": (lambda t, y: t.clamp_(-0.3, 0.4)),
    "fill_": (lambda t, y: t.fill_(1.25)),
    "copy_": (lambda t, y: t.copy_(y)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_place_methods_match_torch_and_return_self(name):
    mine, theirs = mg.tensor(X.copy(), dtype="float64"), torch.tensor(X.copy())
    out = CASES[name](mine, mg.tensor(Y, dtype="float64"))
    CASES[name](theirs, torch.tensor(Y))
    assert out is mine
    np.testing.assert_array_equal(mine.data, theirs.numpy())


def test_masked_fill_and_integer_division_match_torch():
    mine, theirs = mg.tensor(X.copy(), dtype="float64"), torch.tensor(X.copy())
    mine.masked_fill_(mg.tensor(MASK), -2.0)
    theirs.masked_fill_(torch.tensor(MASK), -2.0)
    np.testing.assert_array_equal(mine.data, theirs.numpy())
    ints = np.array([7, -7, 9])
    mi, ti = mg.tensor(ints), torch.tensor(ints)
    mi.div_(2, rounding_mode="floor")
    ti.div_(2, rounding_mode="floor")
    np.testing.assert_array_equal(mi.data, ti.numpy())
    assert mi.dtype == np.int64


def test_float32_stays_float32():
    t = mg.tensor(X.astype(np.float32))
    t.add_(1.5).mul_(0.5).div_(3.0).clamp_(max=0.2).uniform_(-1, 1).normal_(0, 2).fill_(0.25)
    assert t.dtype == np.float32


def test_uniform_and_normal_draw_from_the_seeded_generator_within_their_laws():
    t = mg.zeros(2000, dtype="float64")
    mg.manual_seed(3)
    first = t.uniform_(-2.0, 3.0).data.copy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(t.uniform_(-2.0, 3.0).data, first)
    assert first.min() >= -2.0 and first.max() < 3.0 and abs(first.mean() - 0.5) < 0.15
    z = t.normal_(1.0, 0.5).data
    assert abs(z.mean() - 1.0) < 0.05 and abs(z.std() - 0.5) < 0.05
    with pytest.raises(ValueError, match="need a <= b, got a=1, b=0"):
        t.uniform_(1, 0)
    with pytest.raises(ValueError, match="std must be non-negative, got -1"):
        t.normal_(0, -1)
    with pytest.raises(TypeError, match=r"uniform_\(\): needs a floating tensor, got dtype int64"):
        mg.tensor(np.arange(3)).uniform_()


@pytest.mark.parametrize("name", ["uniform_", "normal_"])
def test_a_refused_draw_leaves_the_seeded_generator_where_it_was(name):
    mg.manual_seed(11)
    expected = getattr(mg.zeros(5, dtype="float64"), name)().data.copy()
    mg.manual_seed(11)
    with pytest.raises(RuntimeError, match=rf"{name}\(\): a leaf tensor that requires grad"):
        getattr(mg.zeros(5, dtype="float64", requires_grad=True), name)()
    with pytest.raises(TypeError, match="needs a floating tensor"):
        getattr(mg.tensor(np.arange(5)), name)()
    np.testing.assert_array_equal(getattr(mg.zeros(5, dtype="float64"), name)().data, expected)


def test_copy_broadcasts_and_converts_as_torch_and_refuses_a_bad_shape():
    t = mg.tensor(np.zeros((2, 3)), dtype="float64")
    t.copy_(mg.tensor(np.array([1, 2, 3])))   # int64 src into float64, broadcast over rows
    np.testing.assert_array_equal(t.data, [[1, 2, 3], [1, 2, 3]])
    with pytest.raises(RuntimeError, match=r"copy_\(\): src of shape \(4,\) does not broadcast to this tensor's "
                                           r"shape \(2, 3\)"):
        t.copy_(mg.tensor(np.ones(4)))
    with pytest.raises(RuntimeError, match=r"fill_\(\): the value must be a number or a one-element tensor"):
        t.fill_(mg.tensor(np.ones(2)))


@pytest.mark.parametrize("src", [None, "abc", [object()]])
def test_copy_refuses_a_source_that_is_not_numbers_as_torch(src):
    # copy_(None) went through np.asarray to an object array and filled the tensor with NaN without a word
    t = mg.tensor(np.ones(3), dtype="float64")
    message = rf"copy_\(\): src must be a tensor, an array or numbers, got {type(src).__name__}"
    with pytest.raises(TypeError, match=message):
        t.copy_(src)
    np.testing.assert_array_equal(t.data, np.ones(3))
    with pytest.raises(TypeError):
        torch.ones(3, dtype=torch.float64).copy_(src)


def test_copy_names_the_dtype_of_an_array_source_that_is_not_numbers():
    t = mg.tensor(np.ones(3), dtype="float64")
    with pytest.raises(TypeError, match=r"^copy_\(\): src must be a tensor, an array or numbers, got ndarray of "
                                        r"dtype datetime64\[D\]$"):
        t.copy_(np.array(["2020-01-01"] * 3, dtype="datetime64[D]"))
    np.testing.assert_array_equal(t.data, np.ones(3))


def test_a_result_of_another_kind_is_refused_as_torch_refuses_it():
    ints = mg.tensor(np.arange(3))
    with pytest.raises(RuntimeError, match=r"add_\(\): the result has dtype float32, which cannot be written into "
                                           r"this tensor of dtype int64"):
        ints.add_(0.5)
    with pytest.raises(RuntimeError):
        torch.arange(3).add_(0.5)
    with pytest.raises(RuntimeError, match=r"mul_\(\): the result has shape \(2, 3\)"):
        mg.tensor(np.ones(3)).mul_(mg.tensor(np.ones((2, 3))))


@pytest.mark.parametrize("name", sorted(CASES) + ["uniform_", "normal_", "masked_fill_"])
def test_refused_on_a_tensor_that_requires_grad_while_grad_mode_is_on(name):
    w = mg.tensor(X.copy(), dtype="float64", requires_grad=True)
    calls = dict(CASES, uniform_=lambda t, y: t.uniform_(), normal_=lambda t, y: t.normal_(),
                 masked_fill_=lambda t, y: t.masked_fill_(mg.tensor(MASK), 0.0))
    with pytest.raises(RuntimeError, match=rf"{name}\(\): a leaf tensor that requires grad \(shape \(3, 4\)\) "
                                           r"cannot be written in place while grad mode is on"):
        calls[name](w, mg.tensor(Y, dtype="float64"))
    np.testing.assert_array_equal(w.data, X)
    with mg.no_grad():
        calls[name](w, mg.tensor(Y, dtype="float64"))
    assert w.requires_grad and w.creator is None


@pytest.mark.parametrize("name", sorted(set(CASES) - {"clamp_"}))
def test_values_that_require_grad_are_recorded_as_torchs(name):
    # torch records buf.add_(w): buf becomes part of the graph, and w gets its gradient through it
    calls = dict(CASES, fill_=lambda t, y: t.fill_(y))
    grads = []
    for module in (mg, torch):
        w = module.tensor(Y, dtype=module.float64, requires_grad=True)
        value = w[:1].reshape(()) if name == "fill_" else w
        buf = module.tensor(X.copy(), dtype=module.float64)
        out = calls[name](buf, value)
        assert out is buf and buf.requires_grad
        (buf * buf).sum().backward()
        grads.append((buf.detach().numpy(), w.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-14)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-14)
    buf, w = mg.tensor(X.copy(), dtype="float64"), mg.tensor(Y, dtype="float64", requires_grad=True)
    with mg.no_grad():
        calls[name](buf, w[:1].reshape(()) if name == "fill_" else w)
    assert not buf.requires_grad


def test_a_write_under_no_grad_is_stamped_so_an_older_graph_refuses_to_backward():
    w = mg.tensor(X.copy(), dtype="float64", requires_grad=True)
    loss = (w * w).sum()
    with mg.no_grad():
        w.sub_(mg.tensor(np.ones((3, 4)), dtype="float64"), alpha=0.1)
    with pytest.raises(RuntimeError, match="modified in place after the graph used it"):
        loss.backward()


def test_manual_sgd_with_sub_matches_torch():
    mw = mg.tensor(X.copy(), dtype="float64", requires_grad=True)
    tw = torch.tensor(X.copy(), requires_grad=True)
    for _ in range(3):
        (mw * mw * mw).sum().backward()
        (tw * tw * tw).sum().backward()
        with mg.no_grad():
            mw.sub_(mw.grad, alpha=0.01)
        with torch.no_grad():
            tw.sub_(tw.grad, alpha=0.01)
        mw.grad = None
        tw.grad = None
    np.testing.assert_allclose(mw.data, tw.detach().numpy(), rtol=1e-14, atol=0)


@pytest.mark.parametrize("write", [lambda v: v.mul_(2.0), lambda v: v.__setitem__(0, 3.0), lambda v: v.zero_(),
                                   lambda v: v.copy_(mg.ones(3)), lambda v: v.__iadd__(1.0)])
def test_a_view_made_under_no_grad_of_a_tensor_that_requires_grad_is_not_written_in_grad_mode(write):
    # torch refuses it ("A view was created in no_grad mode and is being modified inplace with grad mode
    # enabled"); minigrad wrote it unrecorded, so h's gradient ignored the write: (h * h).sum() after
    # v.mul_(2) gave x.grad [[16, 32, 48], ...] where the values need [[32, 64, 96], ...]
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    h = x * 2
    with mg.no_grad():
        v = h[0]
    with pytest.raises(RuntimeError, match="view made under no_grad"):
        write(v)
    np.testing.assert_array_equal(h.numpy(), [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]])   # refused before writing
    with mg.no_grad():   # under no_grad, as torch, the write is allowed
        write(v)
    leaf = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        view = leaf[:1]
    with pytest.raises(RuntimeError, match="view made under no_grad"):
        view.mul_(2.0)
    detached = h.detach()[0]   # a view of a detached tensor is written as before (torch too)
    detached.mul_(2.0)
    buf = mg.zeros(3)
    buf[1:].add_(1.0)   # views of tensors outside the graph too
    np.testing.assert_array_equal(buf.numpy(), [0.0, 1.0, 1.0])


_VIEWS_OF_A_NO_GRAD_VIEW = {
    "slice under no_grad": (lambda v: v[1:], True),
    "two views under no_grad": (lambda v: v[1:][:1], True),
    "transpose under no_grad": (lambda v: v.view(3, 1).t(), True),
    "slice in grad mode": (lambda v: v[1:], False),
}
_WRITES = {"mul_": lambda w: w.mul_(2.0), "setitem": lambda w: w.__setitem__(0, 7.0), "zero_": lambda w: w.zero_(),
           "fill_": lambda w: w.fill_(7.0), "iadd": lambda w: w.__iadd__(1.0)}


@pytest.mark.parametrize("write", _WRITES)
@pytest.mark.parametrize("view", _VIEWS_OF_A_NO_GRAD_VIEW)
@pytest.mark.parametrize("base", ["non-leaf", "leaf"])
def test_a_view_of_a_view_made_under_no_grad_is_not_written_in_grad_mode_as_torch(base, view, write):
    # only the no_grad view itself was refused: w = v[1:]; w.mul_(2) wrote h unrecorded, so h's gradient ignored
    # the write ((h * h).sum() gave x.grad [[8, 32, 48], ...] where a recorded write gives [[8, 64, 96], ...])
    make, under_no_grad = _VIEWS_OF_A_NO_GRAD_VIEW[view]
    for lib in (torch, mg):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        h = x * 2.0 if base == "non-leaf" else x
        with lib.no_grad():
            v = h[0]
            w = make(v) if under_no_grad else None
        w = w if under_no_grad else make(v)
        with pytest.raises(RuntimeError, match="view made under no_grad|view was created in no_grad mode|view of a "
                                               "view which was created in no_grad mode"):
            _WRITES[write](w)
        np.testing.assert_array_equal(h.detach().numpy(), [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]] if h is not x
                                      else [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])   # refused before writing
        with lib.no_grad():   # under no_grad, as torch, the write is allowed
            _WRITES[write](w)
        with lib.no_grad():   # a view of a detached tensor, or a copy of the no_grad view, is written as before
            d = h.detach()[0][1:]
            c = v[1:] * 1.0
        _WRITES[write](d)
        _WRITES[write](c)


def test_a_view_of_a_no_grad_view_is_written_as_torch_once_the_write_is_allowed():
    # the graph sees the write made under no_grad as torch's does: h's gradient follows the values it holds now
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        h = x * 2.0
        with lib.no_grad():
            w = h[0][1:]
            w.mul_(2.0)
        (h * h).sum().backward()
        return x.grad.numpy().tolist(), h.detach().numpy().tolist()

    assert run(mg) == run(torch)


@pytest.mark.parametrize("src_shape", [(2, 3), (3,), (1, 3)])
def test_copy_of_a_tensor_that_requires_grad_keeps_the_overwritten_values_in_the_graph_as_torch(src_shape):
    # h.copy_(w) with both in a graph cut h's old values out of it: x got no gradient at all (x.grad None, and
    # minigrad.grad(..., x) called x unused) where torch's CopyBackwards sends it zeros
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor(np.arange(1.0, 1.0 + np.prod(src_shape)).reshape(src_shape), dtype=lib.float64,
                       requires_grad=True)
        h = x * 2
        h.copy_(w * 2)
        gx, gw = lib.autograd.grad((h * h).sum(), [x, w])
        return gx.tolist(), gw.tolist(), h.tolist()

    assert run(mg) == run(torch)
    assert run(mg)[0] == [[0.0] * 3] * 2
