"""gradcheck must fail when a backward returns NaN (NaN once compared as 'close')."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function
from minigrad.autograd.gradcheck import GradcheckError


class _NaNBackward(Function):
    """y = 2x, with a broken backward that returns NaN."""

    def forward(self, x):
        return x * 2.0

    def backward(self, F, gy, x):
        return gy * float("nan")


@pytest.mark.parametrize("fast_mode", [False, True], ids=["full", "fast"])
def test_gradcheck_rejects_a_nan_gradient(device, fast_mode):
    x = mg.tensor(np.arange(1.0, 4.0), dtype="float64", requires_grad=True, device=device)
    with pytest.raises(GradcheckError, match="mismatch"):
        mg.gradcheck(lambda t: _NaNBackward.apply(t), [x], fast_mode=fast_mode)
