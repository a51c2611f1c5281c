"""``minigrad.nn.utils.parametrizations``: torch's ``weight_norm``, ``spectral_norm`` and ``orthogonal`` as
parametrizations (``minigrad.nn.utils.parametrize``): the weight is recomputed from its originals on each read.

The same call gives the same model as torch's, and a torch state dict of the parametrized layer loads through
``minigrad.io.from_torch``. ``dim`` is torch's (see ``norm_reparam``): on a Linear, whose weight minigrad
stores transposed (in, out), ``weight_norm(linear)`` still keeps one norm per output unit, its
``original0`` (g) is (1, out) where torch's is (out, 1), and ``original1`` (v) is (in, out); spectral norm's
``_u`` (out,) and ``_v`` (in,) are torch's; ``orthogonal`` computes on torch's orientation (for a square
weight the map is not symmetric under transposition) and stores its ``original`` transposed like the weight,
its ``base`` as torch's.

Shapes and derivatives:
- weight_norm: w = g v / ||v|| (norms over all axes but ``dim``; ``dim=None``: one norm of the whole tensor).
- spectral_norm: w = W / sigma, sigma = u^T mat(W) v, with u, v from the power method (constants for the
  gradient, updated in training mode only); a 1-D tensor is just normalized.
- orthogonal: Q = matrix_exp(A), the Cayley map (I - A/2)^-1 (I + A/2), or a product of Householder
  reflectors, from the lower triangle of the original (A = X - X^T skew-symmetric), times the ``base``
  buffer (use_trivialization=True), on the tall orientation of the matrix; batched over leading axes.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, to_device
from minigrad.nn.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from minigrad.nn.functional import normalize
from minigrad.nn.layer import Layer
from minigrad.nn.utils.norm_reparam import (checked_dim, checked_name, positive_iterations, norm_except,
                                            power_iteration, random_unit, spectral_normalized, stored_transposed,
                                            torch_axis, weight_matrix, weight_norm_value)
from minigrad.nn.utils.parametrize import register_parametrization
from minigrad.ops.shape import cat
from minigrad.creation import eye, zeros
from minigrad.ops.linalg_householder import geqrf, householder_product
from minigrad.ops.linalg_inverse import solve
from minigrad.ops.linalg_triangular import mT
from minigrad.ops.matrix_exp import matrix_exp
from minigrad.ops.triangular import tril
from minigrad.random import normal_values
from minigrad.scalars import is_integer

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# -- weight norm ---------------------------------------------------------------------------------------------
class _WeightNorm(Layer):
    """forward(g, v) = g v / ||v|| over all axes but ``axis`` (minigrad's; None: the whole tensor);
    right_inverse(w) = (||w||, w). ``dim`` is the torch dim it was made from (-1: the whole tensor)."""

    def __init__(self, dim: int, axis):
        super().__init__()
        self.dim, self.axis = dim, axis

    def forward(self, weight_g, weight_v):
        return weight_norm_value(weight_v, weight_g, self.axis)

    def right_inverse(self, weight):
        return norm_except(weight, self.axis), weight

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def weight_norm(module, name: str = "weight", dim=0):
    """torch's ``parametrizations.weight_norm``: ``module.<name>`` = g v / ||v|| with the magnitude g
    (``parametrizations.<name>.original0``) and the direction v (``original1``) trained apart. ``dim`` is
    the axis kept by the norm, torch's (one norm per output unit of a Linear or Conv by default; see the module
    doc for the Linear layout); ``None`` or -1 normalizes the whole tensor (torch's reading of -1). A state saved
    by the older ``nn.utils.weight_norm`` (``<name>_g``, ``<name>_v``) loads into it, as torch's. Returns
    ``module``."""
    weight = checked_name("weight_norm", module, name)
    if dim is None or (is_integer(dim) and dim == -1):
        dim, axis = -1, None
    else:
        dim = checked_dim("weight_norm", dim, weight.ndim)
        axis = torch_axis(module, name, weight, dim)
    register_parametrization(module, name, _WeightNorm(dim, axis), unsafe=True)
    module.register_load_state_dict_pre_hook(_WeightNormCompat(name))
    return module


class _WeightNormCompat:
    """torch's ``_weight_norm_compat_hook``: a state saved by the older ``nn.utils.weight_norm`` (``<name>_g``,
    ``<name>_v``) loads into this form, its two entries read as ``parametrizations.<name>.original0`` and
    ``original1`` (the same tensors in the same layout)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        g_key, v_key = f"{prefix}{self.name}_g", f"{prefix}{self.name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{self.name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{self.name}.original1"] = state_dict.pop(v_key)


# -- spectral norm -------------------------------------------------------------------------------------------
class _SpectralNorm(Layer):
    """forward(W) = W / sigma(W) (see the module doc); buffers ``_u`` (h,) and ``_v`` (w,) of the matrix view
    (``dim`` first), started with 15 power steps, stepped ``n_power_iterations`` times per forward in training
    mode only. A 1-D tensor has no buffers: it is divided by its norm."""

    def __init__(self, weight, n_power_iterations: int, dim: int, axis: int, eps: float):
        super().__init__()
        self.dim, self._axis, self.eps = dim, axis, float(eps)
        self.n_power_iterations = n_power_iterations
        if weight.ndim > 1:
            mat = weight_matrix(weight.data, axis)
            self.register_buffer("_u", random_unit(mat.shape[0], weight))
            self.register_buffer("_v", random_unit(mat.shape[1], weight))
            power_iteration(mat, self._u, self._v, 15, self.eps, u_first=True)

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        if self.training:
            power_iteration(weight_matrix(weight.data, self._axis), self._u, self._v, self.n_power_iterations,
                            self.eps, u_first=True)
        return spectral_normalized(weight, self._u, self._v, self._axis)

    def right_inverse(self, value):
        return value   # as torch: the value is taken as it is, not checked for spectral norm 1

    def extra_repr(self) -> str:
        return f"dim={self.dim}, n_power_iterations={self.n_power_iterations}, eps={self.eps}"


def spectral_dim(module, dim):
    """torch's default: dim 1 for a transposed convolution (its weight is (in, out, ...)), else 0."""
    if dim is None:
        return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    return dim


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim=None):
    """torch's ``parametrizations.spectral_norm``: ``module.<name>`` = W / sigma(W), sigma its largest singular
    value estimated by the power method (buffers ``parametrizations.<name>.0._u`` and ``_v``). ``dim`` (torch's,
    see the module doc) is the axis of the matrix view's rows. Returns ``module``."""
    weight = checked_name("spectral_norm", module, name)
    n_power_iterations = positive_iterations("spectral_norm", n_power_iterations)
    dim = checked_dim("spectral_norm", spectral_dim(module, dim), weight.ndim)
    axis = torch_axis(module, name, weight, dim)
    register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, axis, eps))
    return module


# -- orthogonal ------------------------------------------------------------------------------------------------
_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Layer):
    """An orthogonal (or semi-orthogonal) matrix, or batch of them, from an unconstrained one (see the module
    doc). ``layout_transposed``: the weight is stored as the transpose of torch's, so the maps run on the
    transpose (the same model as torch's)."""

    def __init__(self, weight, orthogonal_map: str, *, use_trivialization: bool = True,
                 layout_transposed: bool = False):
        super().__init__()
        self.layout_transposed = bool(layout_transposed)
        shape = tuple(weight.shape)
        self.shape = shape[:-2] + shape[:-3:-1] if self.layout_transposed else shape   # torch's
        self.orthogonal_map = orthogonal_map
        self.use_trivialization = bool(use_trivialization)
        if self.use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        if self.layout_transposed:
            return mT(self._orthogonal(mT(X)))
        return self._orthogonal(X)

    def _orthogonal(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:   # work on the tall orientation, n >= k
            X, n, k = mT(X), k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = tril(X)
            if n != k:   # embed the n x k lower triangle in an n x n matrix
                X = cat([X, zeros(*X.shape[:-2], n, n - k, dtype=X.dtype, device=X.device)], dim=-1)
            A = X - mT(X)
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=A.dtype, device=A.device)
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = tril(X, -1)
            tau = 2.0 / (1.0 + (A * A).sum(axis=-2))
            Q = householder_product(A, tau)
            # The signs of the columns: X's diagonal, truncated to an integer as torch's .int() does, without a
            # gradient (the diagonal is not trained).
            xp = get_array_module(X.data)
            signs = xp.trunc(xp.diagonal(X.data, axis1=-2, axis2=-1))[..., None, :]
            Q = Q * Tensor(signs.astype(X.data.dtype, copy=False))
        if self.use_trivialization:
            base = self.base   # a constant buffer; taken to Q's device and dtype should they differ
            base = base if base.device == Q.device else base.to(Q.device)
            Q = (base if base.dtype == Q.dtype else base.astype(Q.dtype)) @ Q
        return mT(Q) if transposed else Q

    def right_inverse(self, Q):
        """An original whose image is ``Q``: with the trivialization, ``base`` becomes ``Q`` (made orthogonal,
        completed to a square matrix by random columns) and the original the negative identity (whose image
        is the identity); without it, only the Householder map can be inverted (through a QR factorization)."""
        with no_grad():
            if self.layout_transposed:
                Q = mT(Q)
            if tuple(Q.shape) != self.shape:
                raise ValueError(f"orthogonal: expected a matrix or batch of matrices of shape {self.shape}, "
                                 f"got {tuple(Q.shape)}")
            result = self._right_inverse(Q)
            return mT(result) if self.layout_transposed else result

    def _right_inverse(self, Q):
        xp = get_array_module(Q.data)
        n, k = Q.shape[-2], Q.shape[-1]
        transposed = n < k
        q = xp.swapaxes(Q.data, -1, -2) if transposed else Q.data
        if transposed:
            n, k = k, n
        if not self.use_trivialization:
            if self.orthogonal_map != "householder":
                raise NotImplementedError("orthogonal: the matrix_exp and cayley maps cannot be assigned to when "
                                          "use_trivialization=False")
            a, tau = (t.data.copy() for t in geqrf(Tensor(q)))
            diagonal = xp.sign(xp.diagonal(a, axis1=-2, axis2=-1))
            diagonal = xp.where(tau == 0, -diagonal, diagonal)   # LAPACK's tau = 0: no reflection there
            idx = xp.arange(k)
            a[..., idx, idx] = diagonal
            return Tensor(xp.ascontiguousarray(xp.swapaxes(a, -1, -2)) if transposed else a)
        if n == k:
            base = q.copy() if _is_orthogonal(q) else _make_orthogonal(q)
        else:
            extra = to_device(normal_values(q.shape[:-2] + (n, n - k), q.dtype).astype(q.dtype, copy=False),
                              Q.device)
            base = _make_orthogonal(xp.concatenate([q, extra], axis=-1))
        self.base = Tensor(base)
        negative_identity = xp.zeros(Q.shape, dtype=Q.data.dtype)
        idx = xp.arange(min(Q.shape[-2:]))
        negative_identity[..., idx, idx] = -1
        return Tensor(negative_identity)

    def extra_repr(self) -> str:
        return f"orthogonal_map={self.orthogonal_map!r}, use_trivialization={self.use_trivialization}"


def _is_orthogonal(q) -> bool:
    """Q^T Q = I to a few roundings (torch's test: atol 10 n eps, rtol 1e-5)."""
    xp = get_array_module(q)
    n, k = q.shape[-2], q.shape[-1]
    gram = xp.swapaxes(q, -1, -2) @ q
    return bool(xp.allclose(gram, xp.eye(k, dtype=q.dtype), rtol=1e-5, atol=10.0 * n * np.finfo(q.dtype).eps))


def _make_orthogonal(a):
    """The Q of a = QR (a tall), its columns' signs set so that diag(R) >= 0."""
    xp = get_array_module(a)
    h, tau = geqrf(Tensor(a))
    q = householder_product(h, tau).data
    return q * xp.sign(xp.diagonal(h.data, axis1=-2, axis2=-1))[..., None, :]


def orthogonal(module, name: str = "weight", orthogonal_map=None, *, use_trivialization: bool = True):
    """torch's ``parametrizations.orthogonal``: ``module.<name>`` (a matrix or batch of matrices) constrained to
    be orthogonal, Q^T Q = I for a tall matrix (Q Q^T = I for a wide one). ``orthogonal_map`` is ``"matrix_exp"``,
    ``"cayley"`` or ``"householder"`` (default: matrix_exp for a square matrix, else householder).
    ``use_trivialization=True`` keeps a ``base`` buffer (the original starts at the current weight, made
    orthogonal). Returns ``module``."""
    weight = checked_name("orthogonal", module, name)
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: expects a matrix or a batch of matrices, got {name!r} of "
                         f"{weight.ndim} dimension(s), shape {tuple(weight.shape)}")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(f"orthogonal: orthogonal_map must be one of {', '.join(map(repr, _ORTHOGONAL_MAPS))}, "
                         f"got orthogonal_map={orthogonal_map!r}")
    parametrization = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization,
                                  layout_transposed=stored_transposed(module, name, weight))
    register_parametrization(module, name, parametrization, unsafe=True)
    return module
