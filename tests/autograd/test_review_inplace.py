"""In-place writes into an array a recorded graph still needs (found in review).

``Tensor.__setitem__`` refuses tensors that require grad, but a constant that an
op saved for its backward can still be overwritten between forward and
backward; the backward then silently uses the new values. PyTorch catches this
with a version counter on each tensor, checked in backward.
"""
import pytest

import minigrad as mg


@pytest.mark.xfail(strict=True, reason="no version counter: backward silently uses overwritten saved inputs")
def test_overwriting_a_saved_constant_before_backward_is_an_error():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0])          # a constant; Mul saves it for w's gradient
    y = (w * x).sum()
    x[0] = 100.0                       # allowed: x does not require grad
    with pytest.raises(RuntimeError):
        y.backward()                   # today it runs and w.grad == [100, 4]: silently wrong
