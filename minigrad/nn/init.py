"""Weight initializers: fill a parameter in place, seeded by ``minigrad.manual_seed``.

Why random, and why scaled:

* Random breaks symmetry. If every hidden unit started with the same weights it
  would compute the same output and receive the same gradient forever.
* The scale keeps signals alive. A unit sums ``fan_in`` inputs, so weights of
  variance ``1 / fan_in`` keep the output variance near the input's (LeCun);
  Glorot and Bengio (2010) average the forward and backward conditions,
  ``Var(W) = 2 / (fan_in + fan_out)`` (``xavier_*``); He et al. (2015) double it
  because ReLU zeroes half its inputs, ``Var(W) = 2 / fan_in`` (``kaiming_*``).

Fans. minigrad's ``Linear`` stores its weight as (in_features, out_features)
and computes ``x @ W``, so for a 2-D weight ``fan_in = shape[0]`` and
``fan_out = shape[1]`` (the transpose of PyTorch's layout; a 2-D weight kept in
PyTorch's (out, in) layout, as ``LinearT``'s and the recurrent layers' are, has
its two fans swapped here: give ``mode`` accordingly). A weight of more than two
dimensions is a convolution's, (out_channels, in_channels / groups, *kernel) as
in PyTorch, and PyTorch's rule applies: ``fan_in = shape[1] * receptive``,
``fan_out = shape[0] * receptive``, with ``receptive`` the product of the kernel's
dimensions.

Each random initializer takes ``generator=`` (a ``minigrad.Generator`` or NumPy
generator) to draw from instead of minigrad's, as PyTorch's do.

Numbers are drawn on the host from ``minigrad.random.get_generator()`` in the
tensor's dtype (float32 draws for float32 weights) and then copied to the
tensor's device, so one seed gives the same weights on CPU and GPU.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad.autograd.write_stamps import mark_written
from minigrad.backend import device_of, is_array, to_device
from minigrad.random import get_generator, normal_values, uniform_values
from minigrad.scalars import as_integer

__all__ = [
    "calculate_gain", "zeros_", "ones_", "constant_", "uniform_", "normal_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "orthogonal_", "sparse_", "trunc_normal_", "eye_", "dirac_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that restores unit variance after ``nonlinearity`` (He et al. 2015; PyTorch's table).

    linear/identity/sigmoid and the convolutions: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu: sqrt(2 / (1 + slope^2)) with slope ``param`` (default 0.01); selu: 3/4.
    """
    name = nonlinearity.lower()
    if name in ("linear", "identity", "sigmoid") or name in _CONVOLUTIONS:
        return 1.0
    if name == "tanh":
        return 5.0 / 3.0
    if name == "relu":
        return math.sqrt(2.0)
    if name == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float, np.integer, np.floating)) and not isinstance(param, (bool, np.bool_)):
            slope = float(param)
        else:   # torch's check: True would silently be a slope of 1 (gain 1), a string a slope
            raise ValueError(f"calculate_gain: leaky_relu's negative slope (param) must be a number, got {param!r}")
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if name == "selu":
        return 0.75
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r} "
        "(expected linear, identity, sigmoid, tanh, relu, leaky_relu, selu, or a convolution: conv1d, conv2d, "
        "conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d)"
    )


_CONVOLUTIONS = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def _fans(tensor, name):
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"{name}: fan_in and fan_out need a tensor of 2 or more dimensions, got shape {shape}")
    if len(shape) == 2:   # minigrad's Linear: (in_features, out_features)
        return shape[0], shape[1]
    receptive = int(np.prod(shape[2:]))   # a convolution's (out, in / groups, *kernel), PyTorch's rule
    return shape[1] * receptive, shape[0] * receptive


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` as the initializers here read them (torch's private helper, which custom layers
    copying ``torch.nn.Linear.reset_parameters`` call to bound the bias)."""
    return _fans(tensor, "_calculate_fan_in_and_fan_out")


def _array(tensor):
    """The array an initializer writes into: a Tensor's ``.data``, or an array given directly.

    PyTorch code often initializes ``m.weight.data``; minigrad's ``.data`` is the backend array itself.
    """
    return tensor if is_array(tensor) else tensor.data


def _write(tensor, value):
    """``tensor``'s values set to ``value`` (a number, or an array on its device) in place, and stamped."""
    array = _array(tensor)
    array[...] = value
    mark_written(array)
    return tensor


def _check_random(tensor, name, generator):
    """Random values need a floating tensor, as torch's (an integer one would silently keep them truncated), and
    ``generator`` is None or a generator to draw from."""
    dtype = _array(tensor).dtype
    if dtype.kind != "f":
        raise TypeError(f"{name}: needs a floating-point tensor to draw random values into, got dtype {dtype}")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{name}: generator must be a minigrad.Generator or a numpy.random.Generator, "
                        f"got {type(generator).__name__}")


def _fill(tensor, host_values):
    """Write host values into the tensor's data in place, in its dtype, on its device."""
    array = _array(tensor)
    return _write(tensor, to_device(np.asarray(host_values).astype(array.dtype, copy=False), device_of(array)))


def zeros_(tensor):
    """Fill with 0 (the usual bias initialisation)."""
    return _write(tensor, 0)


def ones_(tensor):
    """Fill with 1 (BatchNorm's scale)."""
    return _write(tensor, 1)


def constant_(tensor, val: float):
    """Fill with ``val``."""
    return _write(tensor, val)


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with draws from U(a, b)."""
    _check_random(tensor, "uniform_", generator)
    return _fill(tensor, uniform_values(tensor.shape, tensor.dtype, a, b, rng=generator))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with draws from N(mean, std^2)."""
    _check_random(tensor, "normal_", generator)
    return _fill(tensor, normal_values(tensor.shape, tensor.dtype, mean, std, rng=generator))


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None):
    """Fill with draws from N(mean, std^2) conditioned on [a, b] (absolute bounds, as PyTorch's; ViT and BERT
    initialise with std=0.02). Drawn by rejection: the draws outside [a, b] are drawn again, all at once, until
    none is left; an interval holding under 1e-4 of the normal's mass is refused (it would take too many rounds)."""
    _check_random(tensor, "trunc_normal_", generator)
    if not std > 0 or not a < b:
        raise ValueError(f"trunc_normal_: need std > 0 and a < b, got std={std}, a={a}, b={b}")
    mass = 0.5 * (math.erf((b - mean) / (std * math.sqrt(2.0))) - math.erf((a - mean) / (std * math.sqrt(2.0))))
    if mass < 1e-4:
        raise ValueError(f"trunc_normal_: [a, b] = [{a}, {b}] holds {mass:.2g} of N({mean}, {std}^2)'s mass; "
                         "move the bounds toward the mean")
    rng = generator if generator is not None else get_generator()
    values = mean + std * rng.standard_normal(tuple(tensor.shape))
    outside = (values < a) | (values > b)
    while outside.any():   # rounds, each over every draw still outside: about log(n) / log(1 / (1 - mass)) of them
        values[outside] = mean + std * rng.standard_normal(int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


def eye_(tensor):
    """Fill a 2-D tensor with the identity (ones on the diagonal, as ``numpy.eye`` of its shape)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: needs a 2-D tensor, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups: int = 1):
    """Fill a convolution weight (out, in, *kernel) so that the convolution passes its input through: within each
    of ``groups`` groups, output channel d takes input channel d at the kernel's centre (as PyTorch's)."""
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"dirac_: needs a 3-, 4- or 5-D convolution weight, got shape {shape}")
    value = as_integer(groups)
    if value is None or value < 1 or shape[0] % value:
        raise ValueError(f"dirac_: groups must be a positive int dividing out_channels={shape[0]}, got {groups!r}")
    groups = value
    per_group = shape[0] // groups
    values = np.zeros(shape)
    d = np.arange(min(per_group, shape[1]))
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        values[(g * per_group + d, d) + centre] = 1.0
    return _fill(tensor, values)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    _check_random(tensor, "xavier_uniform_", generator)
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    _check_random(tensor, "xavier_normal_", generator)
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, name, a, mode, nonlinearity):
    mode = mode.lower() if isinstance(mode, str) else mode   # torch's: "FAN_OUT" is fan_out
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, name)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _no_elements(tensor) -> bool:
    """torch's kaiming initializers leave a tensor with no elements (a layer with 0 features) as it is, with a
    warning, where the fan would be 0."""
    if 0 not in tuple(tensor.shape):
        return False
    warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
    return True


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    As PyTorch's: ``a`` is the negative slope of the default ``nonlinearity='leaky_relu'``, so the
    default ``a = 0`` gives ReLU's gain sqrt(2), and PyTorch's own layer init ``a = sqrt(5)`` gives
    sqrt(1/3) (``b = 1 / sqrt(fan_in)``). ``mode='fan_in'`` preserves the forward variance, ``'fan_out'``
    the backward one.
    """
    _check_random(tensor, "kaiming_uniform_", generator)
    if _no_elements(tensor):
        return tensor
    std = _kaiming_std(tensor, "kaiming_uniform_", a, mode, nonlinearity)
    bound = math.sqrt(3.0) * std  # U(-b, b) has variance b^2 / 3
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``; ``a`` and the gain as in ``kaiming_uniform_``."""
    _check_random(tensor, "kaiming_normal_", generator)
    if _no_elements(tensor):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, "kaiming_normal_", a, mode, nonlinearity), generator)


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2014).

    For a 2-D (in, out) weight with in >= out the columns are orthonormal,
    ``W^T W = gain^2 I``; with in < out the rows are, ``W W^T = gain^2 I``.
    Built from the QR decomposition of a Gaussian matrix, with the signs of R's
    diagonal folded into Q so the result is uniformly (Haar) distributed.
    """
    _check_random(tensor, "orthogonal_", generator)
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"orthogonal_: needs a tensor of 2 or more dimensions, got shape {shape}")
    rows, cols = shape[0], int(np.prod(shape[1:]))
    # QR in float64 on the host: orthonormal to ~1e-15 before the final cast.
    gaussian = (generator or get_generator()).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(gaussian)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(shape))


def sparse_(tensor, sparsity: float, std: float = 0.01, generator=None):
    """Sparse init (Martens 2010), as PyTorch's: N(0, std^2) draws, then ``ceil(sparsity * rows)`` entries of
    every column set to 0, at random rows.

    For minigrad's (in, out) ``Linear`` weight a column is one output unit, so each unit keeps the same number
    of incoming weights: units differ strongly without the large total input a dense init would give them.
    """
    _check_random(tensor, "sparse_", generator)
    shape = tuple(tensor.shape)
    if len(shape) != 2:
        raise ValueError(f"sparse_: needs a 2-D tensor, got shape {shape}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1] (the fraction of each column set to 0), "
                         f"got {sparsity!r}")
    rows = shape[0]
    rng = generator or get_generator()
    values = normal_values(shape, tensor.dtype, 0.0, std, rng=rng)
    zeros = int(math.ceil(sparsity * rows))
    # A random permutation of the rows in every column; its first ``zeros`` rows are cleared.
    chosen = np.argsort(rng.random(shape), axis=0)[:zeros]
    np.put_along_axis(values, chosen, 0, axis=0)
    return _fill(tensor, values)


def _deprecated(method):
    """torch's deprecated name without the trailing underscore (``nn.init.xavier_uniform``), which older code calls:
    ``method`` with torch's FutureWarning."""
    new_name = method.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                      stacklevel=2)
        return method(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = f"{old_name}(...): deprecated, as torch's; calls :func:`{new_name}`."
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
