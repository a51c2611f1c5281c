"""The worked example of docs/convolution.md, computed by minigrad."""
import numpy as np

import minigrad as mg


def test_worked_example_of_the_docs():
    x = mg.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), dtype="float64", requires_grad=True)
    w = mg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], dtype="float64")
    y = mg.conv2d(x, w)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[37, 47], [67, 77]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    # The input gradient is the transposed convolution of the output gradient.
    np.testing.assert_array_equal(mg.conv_transpose2d(mg.ones((1, 1, 2, 2), dtype="float64"), w).numpy(),
                                  x.grad.numpy())
    text = (__import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "convolution.md").read_text()
    assert "[[37 47]" in text and "[4 10  6]" in text
