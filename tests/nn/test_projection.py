"""LinearT (x @ W^T + b, W in PyTorch's (out, in) layout): shapes at the edges."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.projection import linear_t


@pytest.mark.parametrize("x_shape, w_shape", [((2, 3, 0), (4, 0)), ((0,), (2, 0)), ((2, 3, 2), (0, 2)),
                                              ((3,), (0, 3))])
@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_t_with_no_input_or_no_output_features(x_shape, w_shape, create_graph):
    # The rows were reshaped with reshape(-1, 0), which cannot be read for 0 elements, and raised.
    x = mg.tensor(np.ones(x_shape), dtype="float64", requires_grad=True)
    w = mg.tensor(np.ones(w_shape), dtype="float64", requires_grad=True)
    b = mg.tensor(np.arange(1.0, w_shape[0] + 1), dtype="float64", requires_grad=True)
    y = linear_t(x, w, b)
    assert y.shape == x_shape[:-1] + (w_shape[0],)
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(b.numpy(), y.shape) + x_shape[-1])
    gx, gw, gb = mg.grad((y * 2.0).sum(), [x, w, b], create_graph=create_graph)
    rows = int(np.prod(x_shape[:-1]))
    np.testing.assert_array_equal(gx.numpy(), 2.0 * w_shape[0] * np.ones(x_shape))
    np.testing.assert_array_equal(gw.numpy(), 2.0 * rows * np.ones(w_shape))
    np.testing.assert_array_equal(gb.numpy(), 2.0 * rows * np.ones(w_shape[:1]))
