"""PyTorch's window functions for spectral analysis: ``hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window``, ``kaiser_window``.

Each takes ``torch``'s arguments: ``window_length``, ``periodic=True`` (the first ``window_length`` values of the
symmetric window of ``window_length + 1`` points, what an FFT of that length wants; ``False``: the symmetric window
itself), the window's own parameters, then ``dtype`` (a floating dtype; float32 by default), ``device`` and
``requires_grad``. A window of length 1 is ``[1.]``, of length 0 empty. Computed in float64 on the host, then cast.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.scalars import is_integer, is_real


def _window(name, window_length, periodic, dtype, device, requires_grad, make):
    """The window ``make(n, N)`` gives on the points n = 0..N-1 of a symmetric window of N points, checked and cast."""
    if not is_integer(window_length):
        raise TypeError(f"{name}: window_length must be an int, got {window_length!r}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if not isinstance(periodic, (bool, np.bool_)):
        raise TypeError(f"{name}: periodic must be a bool, got {periodic!r}")
    dtype = backend.DEFAULT_FLOAT if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    length = int(window_length)
    if length <= 1:
        values = np.ones(length)
    else:
        points = length + 1 if periodic else length
        values = make(np.arange(length, dtype=np.float64), points)
    device = backend.normalize_device(device)
    return Tensor(backend.to_device(values.astype(dtype), device), requires_grad=requires_grad)


def _cosine_sum(coefficients):
    """sum_k (-1)^k a_k cos(2 pi k n / (N - 1)): Hann, Hamming and Blackman windows."""
    def make(n, points):
        phase = 2 * np.pi * n / (points - 1)
        return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return make


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """w[n] = 0.5 - 0.5 cos(2 pi n / (N - 1)) (``torch.hann_window``)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum((0.5, 0.5)))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None,
                   requires_grad=False):
    """w[n] = alpha - beta cos(2 pi n / (N - 1)) (``torch.hamming_window``)."""
    for what, v in (("alpha", alpha), ("beta", beta)):
        if not is_real(v):
            raise TypeError(f"hamming_window: {what} must be a real number, got {v!r}")
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((float(alpha), float(beta))))


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """w[n] = 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1)) (``torch.blackman_window``)."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((0.42, 0.5, 0.08)))


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """The triangle w[n] = 1 - |2 n / (N - 1) - 1| (``torch.bartlett_window``)."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, points: 1 - np.abs(2 * n / (points - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False):
    """w[n] = I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta), I0 the modified Bessel function of order 0
    (``torch.kaiser_window``)."""
    if not is_real(beta):
        raise TypeError(f"kaiser_window: beta must be a real number, got {beta!r}")
    beta = float(beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, points: np.i0(beta * np.sqrt(np.clip(1 - (2 * n / (points - 1) - 1) ** 2, 0, None)))
                   / np.i0(beta))
