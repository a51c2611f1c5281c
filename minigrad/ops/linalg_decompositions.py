"""Matrix factorizations: ``torch.linalg.cholesky``, ``qr``, ``eigh``, ``svd`` (reduced), ``svdvals``.

One op each, batched over the leading dims by ``numpy.linalg``/``cupy.linalg``. The several outputs of
qr, eigh and svd are kept on the node for a first-order backward; a recorded (create_graph) backward
factorizes again through the op itself, so its outputs carry a graph and every order is exact.
Eigenvectors and singular vectors are defined up to sign: compare losses that do not depend on it.
"""
from __future__ import annotations

from collections import namedtuple

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module, linalg_errors_raised
from minigrad.ops._args import as_floating, check_flag
from minigrad.ops.linalg import _swap_last
from minigrad.ops.linalg_inverse import Solve

QRResult = namedtuple("qr", ["Q", "R"])
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("svd", ["U", "S", "Vh"])


def _masks(F, x, n):
    """(identity, strictly lower) n x n masks in x's dtype, as constants."""
    data = x.data if F.recording else x
    xp = get_array_module(data)
    eye = xp.eye(n, dtype=data.dtype)
    return F.const(eye), F.const(xp.tril(xp.ones((n, n), dtype=data.dtype), -1))


def _outputs(F, fn, cls, a, **params):
    """The op's outputs: kept arrays on a first-order pass, a fresh (recorded) factorization when recording."""
    return cls.apply(a, **params) if F.recording else fn.saved


class Cholesky(Function):
    """L with A = L L^T (lower; U = L^T with ``upper``), A symmetric positive-definite, read from the triangle
    returned (the lower one, or the upper one with ``upper``), as torch's.

    dL/dA = sym(L^{-T} Phi(L^T G) L^{-1}), Phi taking the lower triangle with the diagonal halved and
    sym(X) = (X + X^T) / 2 (A is read as symmetric, as torch's gradient). Shapes: (..., n, n) -> (..., n, n).
    """

    keep_output = True

    def __init__(self, upper):
        self.upper = upper

    def forward(self, a):
        xp = get_array_module(a)
        try:   # the triangle returned is the one read, as torch's: U from A's upper triangle is L of A^T's lower
            # CuPy's potrf leaves an undefined factor, NaN or not, and no error outside linalg_errors_raised
            with linalg_errors_raised(xp, "Matrix is not positive definite"):
                lower = xp.linalg.cholesky(xp.swapaxes(a, -1, -2) if self.upper else a)
        except xp.linalg.LinAlgError:
            lower = None
        if lower is None or bool(xp.isnan(lower).any()):   # NaN off A's diagonal passes potrf's check
            raise ValueError("the input is not symmetric positive-definite")   # Function.apply adds op and shapes
        return xp.swapaxes(lower, -1, -2).copy() if self.upper else lower

    def backward(self, F, gy, a):
        lower, g = F.output(self), gy
        if self.upper:
            lower, g = _swap_last(F, lower), _swap_last(F, g)
        eye, strict = _masks(F, a, a.shape[-1])
        phi = (_swap_last(F, lower) @ g) * (strict + 0.5 * eye)
        lt = _swap_last(F, lower)
        y = F.apply(Solve, lt, phi)                                   # L^{-T} Phi
        ga = _swap_last(F, F.apply(Solve, lt, _swap_last(F, y)))      # L^{-T} Phi L^{-1}
        return 0.5 * (ga + _swap_last(F, ga))


class QR(Function):
    """(Q, R) with A = Q R, R upper triangular: ``mode`` 'reduced' (Q (m, k) orthonormal columns, R (k, n),
    k = min(m, n)), 'complete' (Q (m, m), R (m, n)) or 'r' (R (k, n) alone, Q an empty (0,) array, as torch's).

    For m >= n: with M = R G_R^T - G_Q^T Q and copyltu(M) = M's lower triangle mirrored onto the upper,
    dL/dA = (G_Q + Q copyltu(M)) R^{-T}. For m < n (torch's formula), A = [X Y], R = [R1 R2] with X = Q R1 square:
    dL/dY = Q G_R2 and dL/dX is the square formula with G_Q + Y G_R2^T. There is none for mode 'r', nor for
    'complete' with m > n (Q's extra columns are arbitrary), as in torch.
    Shapes: (..., m, n) -> (..., m, k), (..., k, n) (see ``mode``).
    """

    def __init__(self, mode="reduced"):
        self.mode = mode

    def forward(self, a):
        xp = get_array_module(a)
        if self.mode == "r":
            r = xp.linalg.qr(a, mode="r") if a.ndim == 2 else xp.linalg.qr(a, mode="reduced")[1]
            q = xp.zeros((0,), dtype=a.dtype)
        else:
            q, r = xp.linalg.qr(a, mode=self.mode)
        self.saved = (q, r)
        return q, r

    def backward(self, F, gy, a):
        m, n = a.shape[-2:]
        if self.mode == "r":
            raise ValueError(f"linalg.qr: mode='r' computes no Q, which the gradient needs (input shape "
                             f"{tuple(a.shape)}); use mode='reduced' to differentiate, as torch")
        if self.mode == "complete" and m > n:
            raise ValueError(f"linalg.qr: mode='complete' has no gradient for m > n (input shape {tuple(a.shape)}): "
                             f"Q's last m - n columns are arbitrary; use mode='reduced', as torch")
        gq, gr = gy
        q, r = _outputs(F, self, QR, a, mode=self.mode)
        if m >= n:
            return _qr_square_or_tall_backward(F, q, r, gq, gr, n)
        y, gr2 = a[..., m:], gr[..., m:]
        gx = _qr_square_or_tall_backward(F, q, r[..., :m], gq + y @ _swap_last(F, gr2), gr[..., :m], m)
        return F.concat([gx, q @ gr2], -1)


def _qr_square_or_tall_backward(F, q, r, gq, gr, n):
    mat = r @ _swap_last(F, gr) - _swap_last(F, gq) @ q
    eye, strict = _masks(F, r, n)
    low = mat * strict
    b = gq + q @ (low + _swap_last(F, low) + mat * eye)
    return _swap_last(F, F.apply(Solve, r, _swap_last(F, b)))


class Eigh(Function):
    """(w, V) with A = V diag(w) V^T for symmetric A (the ``uplo`` triangle read), w ascending.

    dL/dA = V (diag(G_w) + S / E) V^T with S = (V^T G_V - G_V^T V) / 2 and E_ij = w_j - w_i (distinct
    eigenvalues), as torch's; V diag(G_w) V^T when G_V = 0 (eigenvalues alone), at repeated eigenvalues too.
    Shapes: (..., n, n) -> (..., n), (..., n, n).
    """

    def __init__(self, uplo):
        self.uplo = uplo

    def forward(self, a):
        w, v = get_array_module(a).linalg.eigh(a, UPLO=self.uplo)
        self.saved = (w, v)
        return w, v

    def backward(self, F, gy, a):
        gw, gv = gy
        w, v = _outputs(F, self, Eigh, a, uplo=self.uplo)
        n = a.shape[-1]
        eye, _ = _masks(F, a, n)
        if not bool((gv.data if F.recording else gv).any()):   # eigenvalues alone: no 1 / gap, so repeated ones
            return v @ (F.reshape(gw, gw.shape[:-1] + (1, n)) * eye) @ _swap_last(F, v)   # are fine, as torch's
        vtg = _swap_last(F, v) @ gv
        skew = 0.5 * (vtg - _swap_last(F, vtg))
        gap = F.reshape(w, w.shape[:-1] + (1, n)) - F.reshape(w, w.shape[:-1] + (n, 1)) + eye
        inner = skew / gap + F.reshape(gw, gw.shape[:-1] + (1, n)) * eye
        return v @ inner @ _swap_last(F, v)


class SVD(Function):
    """(U, S, Vh) with A = U diag(S) Vh, reduced (k = min(m, n)), S descending.

    With E_ij = S_j^2 - S_i^2 (distinct singular values), skew(X) = X - X^T:
    core = skew(U^T G_U) S_col / E + S_row skew(Vh G_Vh^T) / E + diag(G_S), and
    dL/dA = U core Vh, plus (I - U U^T) G_U S^{-1} Vh when m > k, or U S^{-1} G_Vh (I - V Vh) when n > k
    (torch's formula). Shapes: (..., m, n) -> (..., m, k), (..., k), (..., k, n).
    """

    def __init__(self, full_matrices=False):
        self.full_matrices = full_matrices

    def forward(self, a):
        u, s, vh = get_array_module(a).linalg.svd(a, full_matrices=self.full_matrices)
        self.saved = (u, s, vh)
        return u, s, vh

    def backward(self, F, gy, a):
        gu, gs, gvh = gy
        m, n = a.shape[-2:]
        u, s, vh = _outputs(F, self, SVD, a, full_matrices=self.full_matrices)
        k = s.shape[-1]
        if self.full_matrices and m != n:   # the columns past k are arbitrary: dropped, as torch does
            u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
        eye, _ = _masks(F, a, k)
        row = F.reshape(s, s.shape[:-1] + (1, k))     # S_j along columns
        col = F.reshape(s, s.shape[:-1] + (k, 1))     # S_i along rows
        core = F.reshape(gs, gs.shape[:-1] + (1, k)) * eye
        has_u = bool((gu.data if F.recording else gu).any())
        has_v = bool((gvh.data if F.recording else gvh).any())
        if not (has_u or has_v):
            return u @ core @ vh
        gap = row * row - col * col + eye
        if has_u:
            utg = _swap_last(F, u) @ gu
            core = core + (utg - _swap_last(F, utg)) * row / gap
        if has_v:
            vtg = vh @ _swap_last(F, gvh)
            core = core + col * (vtg - _swap_last(F, vtg)) / gap
        ga = u @ core @ vh
        if m > k and has_u:
            gus = gu / row
            ga = ga + (gus - u @ (_swap_last(F, u) @ gus)) @ vh
        if n > k and has_v:
            sgv = gvh / col
            ga = ga + u @ (sgv - (sgv @ _swap_last(F, vh)) @ vh)
        return ga


def _matrices(name, a, square=False):
    a = as_floating(a)
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        what = "square matrices of shape (..., n, n)" if square else "matrices of shape (..., m, n)"
        raise ValueError(f"{name}: expects {what}, got shape {tuple(a.shape)}")
    return a


def cholesky(a, *, upper=False):
    """``torch.linalg.cholesky``: L lower with A = L L^T (``upper=True``: U = L^T), A symmetric positive-definite."""
    upper = check_flag("linalg.cholesky", "upper", upper)
    return Cholesky.apply(_matrices("linalg.cholesky", a, square=True), upper=upper)


def torch_cholesky(a, upper=False):
    """``torch.cholesky`` (and ``Tensor.cholesky``): ``linalg.cholesky`` with ``upper`` by position too."""
    return cholesky(a, upper=upper)


def qr(a, mode="reduced"):
    """``torch.linalg.qr``: ``(Q, R)``, a named tuple; ``mode`` 'reduced' (default), 'complete' (Q square) or 'r'
    (R alone, Q empty), as torch's. No gradient for 'r', nor for 'complete' with m > n, as torch."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got mode={mode!r}")
    return QRResult(*QR.apply(_matrices("linalg.qr", a), mode=mode))


def eigh(a, UPLO="L"):  # noqa: N803 (torch's name)
    """``torch.linalg.eigh``: ``(eigenvalues, eigenvectors)`` of symmetric matrices, eigenvalues ascending; only
    the ``UPLO`` ('L' or 'U') triangle is read. Gradients need distinct eigenvalues."""
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got UPLO={UPLO!r}")
    return EighResult(*Eigh.apply(_matrices("linalg.eigh", a, square=True), uplo=UPLO))


def eigvalsh(a, UPLO="L"):  # noqa: N803
    """``torch.linalg.eigvalsh``: the eigenvalues of ``eigh``, ascending."""
    return eigh(a, UPLO).eigenvalues


def svd(a, full_matrices=True):
    """``torch.linalg.svd``: ``(U, S, Vh)``, a named tuple. ``full_matrices=True`` (torch's default) gives
    square U (m, m) and Vh (n, n); as in torch, the gradient ignores the columns of U (rows of Vh) past
    k = min(m, n), which are arbitrary. ``full_matrices=False``: U (m, k), Vh (k, n)."""
    full_matrices = check_flag("linalg.svd", "full_matrices", full_matrices)
    return SVDResult(*SVD.apply(_matrices("linalg.svd", a), full_matrices=full_matrices))


def svdvals(a):
    """``torch.linalg.svdvals``: the singular values, descending; dL/dA = U diag(g) Vh."""
    return SVD.apply(_matrices("linalg.svdvals", a))[1]
