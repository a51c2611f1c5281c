"""PyTorch's window functions (hann, hamming, blackman, bartlett, kaiser), checked against torch: values in float64
and float32, periodic and symmetric, lengths 0, 1 and more, the windows' own parameters, dtypes and refusals."""
import numpy as np
import pytest
import torch

import minigrad as mg

NAMES = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 33])
@pytest.mark.parametrize("periodic", [True, False])
def test_matches_torch(name, length, periodic):
    ours = getattr(mg, name)(length, periodic, dtype=mg.float64)
    theirs = getattr(torch, name)(length, periodic, dtype=torch.float64)
    assert ours.dtype == np.float64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)
    ours32, theirs32 = getattr(mg, name)(length, periodic), getattr(torch, name)(length, periodic)
    assert ours32.dtype == np.float32 and theirs32.dtype == torch.float32
    np.testing.assert_allclose(ours32.numpy(), theirs32.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("args", [(7, True, 0.5, 0.5), (6, False, 0.6, 0.3), (4, True, 1.0, 0.0)])
def test_hamming_alpha_beta(args):
    np.testing.assert_allclose(mg.hamming_window(*args, dtype=mg.float64).numpy(),
                               torch.hamming_window(*args, dtype=torch.float64).numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("beta", [0.0, 2.5, -2.0, 30.0])
def test_kaiser_beta(beta):
    np.testing.assert_allclose(mg.kaiser_window(9, False, beta, dtype=mg.float64).numpy(),
                               torch.kaiser_window(9, False, beta, dtype=torch.float64).numpy(), rtol=1e-12, atol=1e-15)


def test_options_and_refusals():
    w = mg.hann_window(4, dtype=mg.float16, requires_grad=True)
    assert w.dtype == np.float16 and w.requires_grad and w.device == "cpu"
    with pytest.raises(RuntimeError, match="non-negative"):
        torch.hann_window(-1)
    with pytest.raises(RuntimeError, match="hann_window requires non-negative window_length"):
        mg.hann_window(-1)
    with pytest.raises(RuntimeError, match="floating point"):
        torch.blackman_window(3, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="blackman_window expects floating point dtypes"):
        mg.blackman_window(3, dtype=mg.int64)
    with pytest.raises(TypeError, match="window_length must be an int"):
        mg.bartlett_window(3.0)
    with pytest.raises(TypeError, match="periodic must be a bool"):
        mg.hann_window(3, 1)
    with pytest.raises(TypeError, match="beta must be a real number"):
        mg.kaiser_window(3, True, "12")
