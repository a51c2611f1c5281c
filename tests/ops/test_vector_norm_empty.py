"""``linalg.vector_norm`` over empty tensors and empty dims, each case checked against torch in float64.

ord < 0 and +-inf have no identity, so torch refuses an empty reduced dim for them (minigrad gave inf for
ord < 0); ord >= 0 gives 0 there, and a reduction that leaves an empty result is no error for any ord.
"""
import math
import re

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

ORDS = [2, 1, 0, 0.5, -1, -0.5, -2, math.inf, -math.inf]
CASES = [((0,), None), ((0,), 0), ((0,), -1), ((2, 0), None), ((2, 0), 0), ((2, 0), 1), ((2, 0), (0, 1)),
         ((0, 3), None), ((0, 3), 0), ((0, 3), 1), ((0, 3), (1, 0)), ((2, 0, 3), (0, 2)), ((2, 0, 3), -2)]


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("shape, dim", CASES)
def test_vector_norm_of_empty_input_agrees_with_torch(shape, dim, ord):
    x = mg.zeros(*shape, dtype=mg.float64, requires_grad=True)
    try:
        expected = torch.linalg.vector_norm(torch.zeros(shape, dtype=torch.float64), ord, dim)
    except RuntimeError:
        with pytest.raises(ValueError, match=r"linalg\.vector_norm: ord=.*has no value over .*shape "
                                             + re.escape(str(shape))):
            mg.linalg.vector_norm(x, ord, dim)
        return
    y = mg.linalg.vector_norm(x, ord, dim)
    assert y.shape == tuple(expected.shape) and y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    (g,) = mg.grad(y.sum(), [x])
    assert g.shape == shape


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dim", [0, -1, (0,), None])
def test_vector_norm_of_a_0d_tensor_over_dim_0_or_minus_1_is_its_magnitude(ord, dim):
    # The empty-dim check indexed the shape () by the named dim: ord < 0 and +-inf raised an IndexError.
    x = mg.tensor(-2.5, dtype=mg.float64, requires_grad=True)
    tx = torch.tensor(-2.5, dtype=torch.float64, requires_grad=True)
    y = mg.linalg.vector_norm(x, ord, dim)
    expected = torch.linalg.vector_norm(tx, ord, dim)
    assert y.shape == () and y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-15)
    y.backward()
    if ord == 0:   # a count: gradient 0 (torch's backward leaves no gradient at all)
        assert x.grad.numpy() == 0
        return
    expected.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)
