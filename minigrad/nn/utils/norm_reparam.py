"""The arithmetic that weight norm and spectral norm share, in their parametrization form
(``nn.utils.parametrizations``) and their older forward-pre-hook form (``nn.utils.weight_norm``...).

Layout rule: ``dim`` is always torch's. A tensor that minigrad stores as the transpose of torch's
(``Linear.weight``: (in, out) here, (out, in) in torch; see ``minigrad.io.TORCH_LAYOUT``) has its ``dim``
read on torch's layout, so ``weight_norm(linear)`` (dim=0) keeps one norm per output unit, as torch's does,
and every tensor it makes has the shape of torch's, transposed as the weight is (``weight_g`` is (1, out)
where torch's is (out, 1)). ``torch_axis`` turns torch's ``dim`` into minigrad's axis.
"""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.autograd.write_stamps import mark_written
from minigrad.backend import get_array_module, to_device
from minigrad.nn.linear import Linear
from minigrad.random import normal_values
from minigrad.scalars import is_integer


def stored_transposed(module, name: str, tensor) -> bool:
    """True if ``module.<name>`` is stored as the transpose of torch's tensor (``TORCH_LAYOUT``'s ``transposed``:
    a Linear's 2-D weight)."""
    return isinstance(module, Linear) and name == "weight" and tensor.ndim == 2


def checked_dim(where: str, dim, ndim: int) -> int:
    """``dim`` (an int in [-ndim, ndim - 1]) as a non-negative int, or an error naming ``where`` and the value."""
    if not is_integer(dim):
        raise TypeError(f"{where}: dim must be an int, got dim={dim!r} ({type(dim).__name__})")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{where}: dim={dim} is out of range for a tensor of {ndim} dimensions "
                         f"(expected an int in [{-ndim}, {ndim - 1}])")
    return int(dim) % ndim


def torch_axis(module, name: str, tensor, dim: int) -> int:
    """minigrad's axis of ``module.<name>`` for torch's non-negative ``dim`` (see the module doc)."""
    return 1 - dim if stored_transposed(module, name, tensor) else dim


def checked_name(where: str, module, name) -> Tensor:
    """``module.<name>``, a parameter or buffer (or an already parametrized tensor), or a ValueError naming it."""
    value = getattr(module, name, None) if isinstance(name, str) else None
    if not isinstance(value, Tensor):
        raise ValueError(f"{where}: {type(module).__name__} has no parameter or buffer named {name!r}")
    return value


def positive_iterations(where: str, n) -> int:
    if not is_integer(n) or n <= 0:
        raise ValueError(f"{where}: n_power_iterations must be a positive int, got n_power_iterations={n!r}")
    return int(n)


# -- weight norm: w = g v / ||v||, the norm over every axis but one ----------------------------------------
def norm_except(v: Tensor, axis) -> Tensor:
    """The 2-norm of ``v`` over every axis except ``axis`` (kept, size 1 elsewhere; shape () for ``axis=None``,
    the whole tensor), torch's ``norm_except_dim``. d||v||/dv = v / ||v||."""
    if axis is None:
        return (v * v).sum().sqrt()
    others = tuple(a for a in range(v.ndim) if a != axis)
    squares = v * v
    return (squares.sum(axis=others, keepdims=True) if others else squares).sqrt()


def weight_norm_value(v: Tensor, g: Tensor, axis) -> Tensor:
    """``v * (g / norm_except(v, axis))``, torch's ``_weight_norm``: dw/dg = v / ||v||, and w's gradient reaches v
    through both factors."""
    return v * (g / norm_except(v, axis))


# -- spectral norm: w / sigma, sigma from a power iteration on the weight as a matrix -----------------------
def weight_matrix(weight, axis: int):
    """``weight`` (a Tensor or an array) as a matrix: axis ``axis`` first, the others flattened, (h, w)."""
    moved = weight.moveaxis(axis, 0) if isinstance(weight, Tensor) else get_array_module(weight).moveaxis(
        weight, axis, 0)
    return moved.reshape(moved.shape[0], -1)


def _normalized(x, eps: float):
    xp = get_array_module(x)
    return x / xp.maximum(xp.sqrt((x * x).sum()), eps)   # torch's F.normalize; no host sync on a GPU


def random_unit(n: int, like) -> Tensor:
    """A random unit vector of length ``n``, in ``like``'s dtype and device (drawn by ``minigrad.random``)."""
    draws = to_device(normal_values((n,), like.dtype).astype(like.dtype, copy=False), like.device)
    return Tensor(_normalized(draws, 1e-12))


def power_iteration(mat, u: Tensor, v: Tensor, n: int, eps: float, u_first: bool) -> None:
    """``n`` steps of the power method on the array ``mat``, written into the buffers ``u`` and ``v`` in place:
    u = normalize(mat v), v = normalize(mat^T u) (v first for ``u_first=False``, the older spectral_norm's
    order). No gradient flows through u and v (torch's ``no_grad``)."""
    for _ in range(n):
        if u_first:
            u.data[...] = _normalized(mat @ v.data, eps)
            v.data[...] = _normalized(mat.T @ u.data, eps)
        else:
            v.data[...] = _normalized(mat.T @ u.data, eps)
            u.data[...] = _normalized(mat @ v.data, eps)
    mark_written(u.data, v.data)


def spectral_normalized(weight: Tensor, u: Tensor, v: Tensor, axis: int) -> Tensor:
    """``weight / sigma`` with sigma = u . (W v), W = weight_matrix(weight, axis), u and v taken as constants
    (copies, in the weight's dtype and on its device: a later power step must not change a recorded graph).
    dsigma/dW = u v^T."""
    u = Tensor(to_device(u.data, weight.device).astype(weight.data.dtype, copy=True))
    v = Tensor(to_device(v.data, weight.device).astype(weight.data.dtype, copy=True))
    sigma = u @ (weight_matrix(weight, axis) @ v)
    return weight / sigma
