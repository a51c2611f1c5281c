"""``as_strided`` against torch: values, strides and storage offsets (relative to the storage's start, for inputs
that are themselves offset or strided views), writes through the view both ways, argument errors, gradients
(overlapping windows add up; an overlapping input divides them, as torch's), gradcheck and gradgradcheck, float32.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import same

BASE = np.arange(12.0) * 1.5 - 4.0

# (name, how the input is made from a 12-element float64 base, size, stride, storage_offset)
CASES = [
    ("overlapping windows", lambda b: b, (4, 3), (2, 1), None),
    ("zero stride", lambda b: b, (2, 3), (0, 2), 1),
    ("storage offset", lambda b: b, (2, 2), (4, 1), 5),
    ("0-d", lambda b: b, (), (), 7),
    ("offset input, its own offset", lambda b: b[3:], (3, 2), (1, 3), None),
    ("offset input, offset from the storage start", lambda b: b[3:], (3,), (2,), 1),
    ("transposed input", lambda b: b.reshape(3, 4).t(), (2, 3), (1, 4), None),
    ("strided input", lambda b: b[1::3], (2, 2), (5, 1), 0),
]


@pytest.mark.parametrize("make,size,stride,offset", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_as_strided_values_strides_and_offset_match_torch(make, size, stride, offset):
    x, tx = make(mg.tensor(BASE, dtype=mg.float64)), make(torch.tensor(BASE, dtype=torch.float64))
    y, ty = mg.as_strided(x, size, stride, offset), torch.as_strided(tx, size, stride, offset)
    same(y, ty)
    assert y.stride() == ty.stride() and y.storage_offset() == ty.storage_offset()
    assert y.is_contiguous() == ty.is_contiguous()
    m = x.as_strided(size, stride) if offset is None else x.as_strided(size, stride, offset)   # the method
    assert m.tolist() == ty.tolist() and m.storage_offset() == ty.storage_offset()


def test_an_empty_view_may_start_anywhere_as_torch():
    x, tx = mg.arange(10.0), torch.arange(10.0)
    y, ty = x.as_strided((0, 3), (1, 1), 100), tx.as_strided((0, 3), (1, 1), 100)
    assert y.shape == tuple(ty.shape) == (0, 3) and y.dtype == mg.float32


def test_writes_show_both_ways_as_torch():
    ours, theirs = mg.tensor(BASE, dtype=mg.float64), torch.tensor(BASE, dtype=torch.float64)
    x, tx = ours[2:], theirs[2:]          # an offset view: the window counts from the storage's start
    y, ty = x.as_strided((4, 3), (2, 1), 1), tx.as_strided((4, 3), (2, 1), 1)
    assert y.data_ptr() == ours.data_ptr() + 8 and ty.data_ptr() == theirs.data_ptr() + 8
    x[3], tx[3] = 70.0, 70.0              # storage 5: y[1, 2] and y[2, 0]
    same(y, ty)
    assert y[1, 2].item() == y[2, 0].item() == 70.0
    y[0, 0], ty[0, 0] = -5.0, -5.0        # storage 1, before x's first element
    y[3].zero_()                          # storage 7, 8, 9
    ty[3].zero_()
    y[2, 1:].mul_(3.0)                    # storage 6, 7
    ty[2, 1:].mul_(3.0)
    same(ours, theirs)
    same(x, tx)
    same(y, ty)
    assert ours[1].item() == -5.0 and ours[7:10].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("view", [lambda b: b.as_strided((3, 3), (1, 1)), lambda b: b.unfold(0, 3, 1)],
                         ids=["as_strided", "unfold"])
def test_a_view_of_a_graph_tensor_written_under_no_grad_differentiates_as_torch(view):
    # backward reads only the input's geometry: a later write into the input leaves the gradient right, as torch's
    # (the copy unfold made was refused as read before the write)
    grads = []
    for lib in (mg, torch):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=lib.float64, requires_grad=True)
        b = a * 1.0
        w = view(b)
        loss = (w * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum()
        with lib.no_grad():
            b.mul_(10.0)
        assert w.tolist() == [[10.0, 20.0, 30.0], [20.0, 30.0, 40.0], [30.0, 40.0, 50.0]]
        loss.backward()
        grads.append(a.grad.tolist())
    assert grads[0] == grads[1] == [1.0, 3.0, 6.0, 5.0, 3.0]


GRAD_CASES = [
    ("overlapping windows", lambda a: a * 1.0, (4, 3), (2, 1), None),
    ("zero stride", lambda a: a * 1.0, (3, 2), (0, 5), 2),
    ("offset input", lambda a: (a * 1.0)[4:], (3, 2), (2, 1), 4),
    ("transposed input", lambda a: (a * 1.0).reshape(3, 4).t(), (2, 2, 2), (6, 1, 2), 1),
    ("overlapping input", lambda a: a[:4, None].expand(4, 3), (2, 3), (1, 1), None),
]
# Views that read storage outside the input: that storage gets no gradient, as torch's (its as_strided_backward
# reads the scattered gradient back with the input's geometry only), so these match torch but not finite differences.
PAST_THE_INPUT = [
    ("offset input, reading before it", lambda a: (a * 1.0)[4:], (3, 2), (2, 1), 1),
    ("overlapping input, reading past it", lambda a: a[2:5, None].expand(3, 2), (3, 2), (2, 1), 1),
]


@pytest.mark.parametrize("make,size,stride,offset", [c[1:] for c in GRAD_CASES + PAST_THE_INPUT],
                         ids=[c[0] for c in GRAD_CASES + PAST_THE_INPUT])
def test_as_strided_gradient_matches_torch(make, size, stride, offset):
    rng = np.random.default_rng(5)
    a, ta = mg.tensor(BASE, dtype=mg.float64, requires_grad=True), torch.tensor(BASE, requires_grad=True)
    y, ty = make(a).as_strided(size, stride, offset), make(ta).as_strided(size, stride, offset)
    same(y, ty)
    g = rng.standard_normal(size)
    y.backward(mg.tensor(g, dtype=mg.float64))
    ty.backward(torch.tensor(g))
    same(a.grad, ta.grad)


@pytest.mark.parametrize("make,size,stride,offset", [c[1:] for c in GRAD_CASES], ids=[c[0] for c in GRAD_CASES])
def test_as_strided_passes_gradcheck_and_gradgradcheck(make, size, stride, offset):
    a = mg.tensor(np.random.default_rng(6).standard_normal(12), dtype=mg.float64, requires_grad=True)
    fn = lambda t: make(t).as_strided(size, stride, offset)   # noqa: E731
    assert mg.gradcheck(fn, (a,))
    assert mg.gradgradcheck(fn, (a,))


def test_float32_stays_float32():
    a = mg.tensor(BASE, dtype=mg.float32, requires_grad=True)
    y = a.as_strided((4, 3), (2, 1))
    assert y.dtype == mg.float32
    (y * y).sum().backward()
    assert a.grad.dtype == mg.float32
    ta = torch.tensor(BASE, dtype=torch.float32, requires_grad=True)
    (ta.as_strided((4, 3), (2, 1)) ** 2).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)


def test_a_tensor_read_as_another_dtype_counts_its_storage_in_its_own_elements():
    ours, theirs = mg.tensor(BASE, dtype=mg.float64), torch.tensor(BASE, dtype=torch.float64)
    x, tx = ours.view(mg.float32), theirs.view(torch.float32)
    y, ty = x.as_strided((3,), (2,), 19), tx.as_strided((3,), (2,), 19)   # float32 elements 19, 21, 23 of 24
    assert y.numpy().tolist() == ty.tolist() and y.storage_offset() == ty.storage_offset() == 19
    with pytest.raises(RuntimeError, match="storage size of 100 are out of bounds for storage of size 96"):
        tx.as_strided((3,), (2,), 20)
    with pytest.raises(RuntimeError, match="storage size of 100 are out of bounds for storage of size 96"):
        x.as_strided((3,), (2,), 20)


ERRORS = [
    ("size and stride lengths", ((2, 2), (1,)), {}, RuntimeError, r"size and stride differ in length"),
    ("negative size", ((-1, 2), (1, 1)), {}, RuntimeError, r"size must not be negative, got size=\[-1, 2\]"),
    ("negative stride", ((2, 2), (-1, 1)), {}, RuntimeError, r"negative strides .* stride=\[-1, 1\]"),
    ("negative offset", ((2, 2), (1, 1), -1), {}, RuntimeError, r"storage_offset must not be negative, got -1"),
    ("out of bounds", ((4, 4), (4, 1)), {}, RuntimeError,
     r"as_strided: sizes \[4, 4\], strides \[4, 1\], storage offset 0, and itemsize 4 requiring a storage size of "
     r"64 are out of bounds for storage of size 40"),
    ("offset out of bounds", ((2,), (1,), 9), {}, RuntimeError, r"storage offset 9, and itemsize 4 requiring a "
     r"storage size of 44 are out of bounds"),
    ("an int size", (3, (1,)), {}, TypeError, r"size must be a tuple of ints, got 3"),
    ("a bool in size", ((True, 2), (1, 1)), {}, TypeError, r"size must be a tuple of ints"),
    ("a float in stride", ((2, 2), (1, 1.0)), {}, TypeError, r"stride must be a tuple of ints"),
]


@pytest.mark.parametrize("args,kwargs,error,match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_as_strided_errors_match_torch_exception_types(args, kwargs, error, match):
    with pytest.raises(error):
        torch.arange(10.0).as_strided(*args, **kwargs)
    with pytest.raises(error, match=match):
        mg.arange(10.0).as_strided(*args, **kwargs)


def test_the_bounds_are_the_storage_not_the_input():
    # x[:3] looks at 3 elements of a 10-element storage: a view of 5 fits, as torch's
    assert mg.arange(10.0)[:3].as_strided((5,), (1,)).tolist() == torch.arange(10.0)[:3].as_strided((5,), (1,)).tolist()


def test_the_gradient_through_an_overlapping_input_is_deterministic_on_each_device(device):
    # how often the input sees each element is counted with bincount: integer counts come out the same whatever
    # order CuPy's atomic adds run in, so deterministic mode has nothing to refuse (a float scatter-add it would)
    grads = []
    for lib, where in ((mg, device), (torch, "cpu")):
        if lib is mg:
            mg.use_deterministic_algorithms(True)
        try:
            a = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, device=where, requires_grad=True)
            y = a[:, None].expand(4, 3).as_strided((4,), (1,))   # the input sees each element three times
            (y * lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, device=where)).sum().backward()
        finally:
            mg.use_deterministic_algorithms(False)
        grads.append(a.grad.tolist())
    assert grads[0] == grads[1] == [1.0, 2.0, 3.0, 4.0]
