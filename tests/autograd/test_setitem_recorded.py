"""``x[index] = value`` while a graph is recorded, against torch in float64: torch records the write (the written
entries take the value's gradient, the overwritten ones get 0), so a value that requires grad written into a
constant buffer, or any value written into a non-leaf, keeps its gradient. A leaf that requires grad is refused."""
import numpy as np
import pytest
import torch

import minigrad as mg

RNG = np.random.default_rng(3)
X = RNG.standard_normal((3, 4))
V = RNG.standard_normal((3, 4))

# index -> a function of the value tensor v giving what is written (a scalar, a row, a block, broadcast values).
WRITES = {
    "row": (1, lambda v: v[0] * 2.0),
    "slice_block": ((slice(0, 2), slice(1, 3)), lambda v: v[:2, :2].sin()),
    "broadcast_column": ((slice(None), 2), lambda v: v[0, 0] * 3.0),
    "int_array": (([0, 2], [1, 3]), lambda v: v[1, :2] ** 2),
    "mask": (X > 0, lambda v: v[X > 0] * 1.5),
    "ellipsis_last": ((Ellipsis, -1), lambda v: v[:, 0].exp()),
    # leading length-1 dims beyond the indexed shape are dropped (the recorded write used to refuse them)
    "leading_ones": (([0, 2],), lambda v: v[:2].reshape(1, 1, 2, 4) * 2.0),
}


def _run(module, index, make, into):
    t = (lambda a, rg=False: torch.tensor(a, requires_grad=rg)) if module is torch else \
        (lambda a, rg=False: mg.tensor(a, dtype="float64", requires_grad=rg))
    x, v = t(X, True), t(V, True)
    buf = x * 1.0 if into == "non-leaf" else t(X)
    if module is torch and isinstance(index, np.ndarray):
        index = torch.from_numpy(index)
    buf[index] = make(v)
    assert buf.requires_grad
    loss = (buf * buf * torch.tensor(V) if module is torch else buf * buf * mg.tensor(V, dtype="float64")).sum()
    loss.backward()
    grad = lambda g: np.zeros_like(X) if g is None else g.numpy()
    return buf.detach().numpy(), grad(x.grad), grad(v.grad)


@pytest.mark.parametrize("into", ["constant", "non-leaf"])
@pytest.mark.parametrize("case", sorted(WRITES))
def test_the_write_is_recorded_as_torchs(case, into):
    index, make = WRITES[case]
    for mine, theirs in zip(_run(mg, index, make, into), _run(torch, index, make, into)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_a_saved_tensor_overwritten_by_a_recorded_write_refuses_to_backward_as_torch():
    x = mg.tensor(X, dtype="float64", requires_grad=True)
    y = x * 1.0
    z = y.sin()
    y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified in place after the graph used it"):
        z.sum().backward()


def test_a_leaf_that_requires_grad_is_still_refused():
    x = mg.tensor(X, dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^x\[index\] = value: in-place assignment to a leaf tensor "
                                           r"that requires grad \(shape \(3, 4\)\) is refused"):
        x[0] = 1.0
    np.testing.assert_array_equal(x.numpy(), X)
