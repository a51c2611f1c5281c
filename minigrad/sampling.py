"""PyTorch's random sampling: ``normal``, ``bernoulli``, ``multinomial``, ``poisson`` and the in-place fills behind
``Tensor.bernoulli_``, ``exponential_``, ``geometric_``, ``log_normal_``, ``cauchy_`` and ``random_``.

Every draw comes from minigrad's seeded generator (``minigrad.manual_seed``; ``minigrad/random.py``), or from the
``minigrad.Generator`` passed as ``generator=``, on the host, then moves to the tensor's device, so a seed gives the
same values on CPU and GPU. The values follow the
same distributions as PyTorch's but never equal them (PyTorch's generator is another). Arguments are checked
before anything is drawn, so a refused call leaves the generator where it was.

Samples are constants: their result never requires grad, whatever the inputs (PyTorch's ``normal`` and
``bernoulli`` of inputs that require grad return a tensor that does, with a zero gradient).
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.random import get_generator
from minigrad.scalars import is_integer, is_real


def _draw_dtype(dtype):
    # NumPy draws float32 natively; float16 is drawn as float32 and cast.
    return np.float64 if dtype == np.float64 else np.float32


def _on(device, host_array, dtype):
    return backend.to_device(host_array.astype(dtype, copy=False), device)


def _host(t):
    return backend.to_numpy(t.data)


def _floating(name, what, t):
    if t.dtype.kind != "f":
        raise TypeError(f"{name}: {what} must be a floating-point tensor, got dtype {t.dtype} (shape {t.shape})")


def _number(name, what, value):
    if not is_real(value):
        raise TypeError(f"{name}: {what} must be a real number, got {value!r}")
    return float(value)


def generator_for(name, generator):
    """The NumPy generator to draw from: minigrad's own for None, else the ``minigrad.Generator`` given."""
    if generator is None:
        return get_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{name}: generator must be a minigrad.Generator or None, got {type(generator).__name__}")
    return generator


# ------------------------------------------------------------------ normal
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Draws from N(mean, std^2), with ``torch.normal``'s overloads:

    * ``normal(mean: Tensor, std: Tensor)``: one draw per entry of the broadcast of both (one floating dtype);
    * ``normal(mean: Tensor, std: float = 1.0)`` and ``normal(mean: float, std: Tensor)``: the tensor's shape and dtype;
    * ``normal(mean: float, std: float, size, *, dtype=None, device=None, requires_grad=False)``: a new tensor of
      ``size``, the default float dtype unless ``dtype`` says.

    ``std`` must be >= 0 everywhere (RuntimeError otherwise, as PyTorch). The result is a constant (no gradient).
    """
    rng = generator_for("normal", generator)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        m, s = _number("normal", "mean", mean), _number("normal", "std", std)
        if size is None:
            raise TypeError("normal: with a number mean and std, size is required: normal(mean, std, size)")
        if is_integer(size):
            size = (size,)
        if not isinstance(size, (tuple, list)) or not all(is_integer(n) and n >= 0 for n in size):
            raise TypeError(f"normal: size must be a tuple of non-negative ints, got {size!r}")
        if s < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dtype = backend.DEFAULT_FLOAT if dtype is None else np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"normal: dtype must be floating, got {dtype}")
        draw = _draw_dtype(dtype)
        z = rng.standard_normal(tuple(int(n) for n in size), dtype=draw)
        out = draw(m) + draw(s) * z
        return Tensor(_on(backend.normalize_device(device), out, dtype), requires_grad=requires_grad)
    if size is not None or dtype is not None or device is not None or requires_grad:
        raise TypeError("normal: size, dtype, device and requires_grad go with a number mean and std only; "
                        "with a Tensor the result takes its shape, dtype and device")
    for t in tensors:
        _floating("normal", "mean" if t is mean else "std", t)
    if len(tensors) == 2 and mean.dtype != std.dtype:
        raise TypeError(f"normal: mean and std have different dtypes ({mean.dtype} and {std.dtype}); minigrad does "
                        "not promote silently, cast one with .astype()")
    if len(tensors) == 2 and mean.device != std.device:
        raise RuntimeError(f"normal: mean is on {mean.device} and std on {std.device}")
    like = tensors[0]
    m = _host(mean) if isinstance(mean, Tensor) else _number("normal", "mean", mean)
    s = _host(std) if isinstance(std, Tensor) else _number("normal", "std", std)
    if isinstance(std, Tensor):
        if np.any(~(s >= 0)):
            raise RuntimeError(f"normal expects all elements of std >= 0.0 (std of shape {std.shape})")
    elif s < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    draw = _draw_dtype(like.dtype)
    z = rng.standard_normal(shape, dtype=draw)
    out = np.asarray(m, dtype=draw) + np.asarray(s, dtype=draw) * z
    return Tensor(_on(like.device, out, like.dtype))


# ------------------------------------------------------------------ bernoulli
def _probabilities(name, p, shape):
    """Host probabilities of ``p`` (a number or a Tensor broadcastable to ``shape``), checked to lie in [0, 1]."""
    if isinstance(p, Tensor):
        _floating(name, "p", p)
        values = _host(p)
        try:
            np.broadcast_to(values, shape)
        except ValueError:
            raise RuntimeError(f"{name}: p of shape {p.shape} does not broadcast to the tensor's shape "
                               f"{tuple(shape)}") from None
        if not np.all((values >= 0) & (values <= 1)):
            raise RuntimeError(f"{name}: expects every p in [0, 1] (p of shape {p.shape})")
        return values
    value = _number(name, "p", p)
    if not 0 <= value <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={p}")
    return value


def bernoulli_values(name, shape, p, rng):
    """Host 0/1 draws of ``shape`` with probability ``p`` (checked), as float64."""
    probs = _probabilities(name, p, shape)
    return (rng.random(tuple(shape)) < probs).astype(np.float64)


def bernoulli(input, p=None, *, generator=None):  # noqa: A002  (PyTorch's argument name)
    """1 with probability ``input`` (each entry a probability in [0, 1]), else 0, in ``input``'s dtype
    (``torch.bernoulli``); ``bernoulli(input, p)`` draws with the one probability ``p`` for every entry of
    ``input``'s shape and dtype (any dtype). The result is a constant (no gradient)."""
    rng = generator_for("bernoulli", generator)
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    if p is None:
        _floating("bernoulli", "input (the probabilities)", input)
        values = bernoulli_values("bernoulli", input.shape, input, rng)
    else:
        values = bernoulli_values("bernoulli", input.shape, p, rng)
    return Tensor(_on(input.device, values, input.dtype))


# ------------------------------------------------------------------ multinomial
def multinomial(input, num_samples, replacement=False, *, generator=None):  # noqa: A002
    """Category indices drawn with the weights in each row of ``input`` (1-D: one distribution, 2-D: one per row;
    weights >= 0, not necessarily summing to 1), as ``torch.multinomial``; int64 of shape (num_samples,) or
    (rows, num_samples).

    With ``replacement`` each draw is independent (inverse CDF); without, no category repeats within a row and the
    samples come in the order sequential draws give them (the Gumbel top-k trick: keys log(w) + Gumbel noise, the
    largest first). A zero-weight category is never drawn while a positive one is left; asked for more samples than
    a row has positive weights, the zero-weight categories follow in index order (PyTorch's CPU kernel also
    returns them, in an order of its own).
    """
    rng = generator_for("multinomial", generator)
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got {input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if not is_integer(num_samples) or num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got num_samples={num_samples!r}")
    num_samples = int(num_samples)
    weights = np.atleast_2d(_host(input)).astype(np.float64)
    rows, k = weights.shape
    if k == 0:
        raise RuntimeError(f"multinomial: no categories to sample from (input of shape {input.shape})")
    if not replacement and num_samples > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {k})")
    if not np.all(np.isfinite(weights) & (weights >= 0)):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    largest = weights.max(axis=1, keepdims=True)
    if np.any(largest <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    weights = weights / largest   # no overflow in the sums below
    if replacement:
        # one sorted search over every row at once: row r's CDF and its draws are shifted into [r, r + 1)
        offsets = np.arange(rows, dtype=np.float64)[:, None]
        cumulative = np.cumsum(weights, axis=1)
        cdf = cumulative / cumulative[:, -1:]   # exactly 1 from the last positive weight on
        u = rng.random((rows, num_samples))
        top = np.nextafter(offsets + 1.0, 0.0)   # r + u may round up to r + 1: keep it inside row r
        flat = np.searchsorted((cdf + offsets).ravel(), np.minimum(u + offsets, top).ravel(), side="right")
        out = flat.reshape(rows, num_samples) - np.arange(rows)[:, None] * k
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(weights) - np.log(rng.standard_exponential((rows, k)))
        out = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64)
    return Tensor(backend.to_device(out if input.ndim == 2 else out[0], input.device))


# ------------------------------------------------------------------ poisson
def poisson(input, generator=None):  # noqa: A002
    """Counts drawn from Poisson(rate) for each rate in ``input`` (>= 0), in ``input``'s floating dtype
    (``torch.poisson``). The result is a constant (no gradient)."""
    rng = generator_for("poisson", generator)
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson: input must be a Tensor, got {type(input).__name__}")
    _floating("poisson", "input (the rates)", input)
    rates = _host(input).astype(np.float64)
    if not np.all(rates >= 0):
        raise RuntimeError(f"poisson: invalid Poisson rate, expected rate to be non-negative (input of shape "
                           f"{input.shape})")
    return Tensor(_on(input.device, rng.poisson(rates), input.dtype))


# ------------------------------------------------------------------ the in-place fills of Tensor's methods
def exponential_values(shape, dtype, lambd, rng=None):
    """Host draws from Exp(lambd) (rate ``lambd`` > 0) for a floating ``dtype``."""
    lambd = _number("exponential_", "lambd", lambd)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    draw = _draw_dtype(dtype)
    return (rng or get_generator()).standard_exponential(tuple(shape), dtype=draw) / draw(lambd)


def geometric_values(shape, p, rng):
    """Host draws from Geometric(p) on {1, 2, ...}: the trial of the first success."""
    p = _number("geometric_", "p", p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return rng.geometric(p, tuple(shape))


def log_normal_values(shape, dtype, mean, std, rng):
    """Host draws of exp(N(mean, std^2)) (std > 0) for a floating ``dtype``."""
    mean, std = _number("log_normal_", "mean", mean), _number("log_normal_", "std", std)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    draw = _draw_dtype(dtype)
    return np.exp(draw(mean) + draw(std) * rng.standard_normal(tuple(shape), dtype=draw))


def cauchy_values(shape, median, sigma, rng):
    """Host draws from Cauchy(median, sigma) (sigma > 0), as float64."""
    median, sigma = _number("cauchy_", "median", median), _number("cauchy_", "sigma", sigma)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return median + sigma * rng.standard_cauchy(tuple(shape))


def _full_range(dtype):
    """The largest value ``random_()`` draws for ``dtype`` (PyTorch's: 2^mantissa for floats, so every drawn integer
    is exact, the dtype's maximum for integers, 1 for bool)."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1)
    if dtype.kind == "b":
        return 1
    return int(np.iinfo(dtype).max)


def random_values(shape, dtype, low, high, rng):
    """Host integer draws from [low, high) (``high`` None: up to ``_full_range(dtype)`` included), checked to fit
    ``dtype`` as PyTorch's ``random_`` checks them."""
    for what, v in (("from", low), ("to", high)):
        if v is not None and not is_integer(v):
            raise TypeError(f"random_: {what} must be an int, got {v!r}")
    low = int(low)
    top = _full_range(dtype) if high is None else int(high) - 1   # the largest value drawn
    if high is not None and low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if high is None and low > top:
        raise RuntimeError(f"random_ expects 'from' ({low}) to be at most {top} for dtype {dtype}")
    lowest = 0 if dtype.kind in "bu" else (-_full_range(dtype) if dtype.kind == "f" else int(np.iinfo(dtype).min))
    for what, v in (("from", low), ("to - 1", top)):
        if not lowest <= v <= _full_range(dtype):
            raise RuntimeError(f"random_: {what} = {v} is out of bounds for {dtype}")
    draw = np.uint64 if top >= 2 ** 63 else np.int64
    return rng.integers(low, top, tuple(shape), dtype=draw, endpoint=True)
