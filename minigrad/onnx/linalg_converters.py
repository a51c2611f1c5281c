"""ONNX mappings of the running reductions and linear algebra ops (registered into ``CONVERTERS``).

ONNX has ``Det``; everything else here (a running product, a factorization, a solve) has no ONNX
operator, so it is refused at export with its reason.
"""
from __future__ import annotations

from minigrad.onnx.converters import NOT_EXPORTED, converts

_NO_OPERATOR = "ONNX has no {} operator"
NOT_EXPORTED.update({
    "CumProd": _NO_OPERATOR.format("running product (only CumSum)"),
    "LogCumSumExp": _NO_OPERATOR.format("running log-sum-exp (exp-CumSum-log would underflow)"),
    "Inv": _NO_OPERATOR.format("matrix inverse"),
    "Solve": _NO_OPERATOR.format("linear solve"),
    "Pinv": _NO_OPERATOR.format("pseudo-inverse or SVD"),
    "Cholesky": _NO_OPERATOR.format("Cholesky factorization"),
    "QR": _NO_OPERATOR.format("QR factorization"),
    "Eigh": _NO_OPERATOR.format("eigendecomposition"),
    "SVD": _NO_OPERATOR.format("singular value decomposition"),
    "Cofactor": "the cofactor matrix adj(A)^T, det's gradient at a singular matrix, used by backward passes",
    "LUFactor": _NO_OPERATOR.format("LU factorization"),
    "MatrixExp": _NO_OPERATOR.format("matrix exponential (and the number of squarings depends on the data, so no "
                                     "fixed graph of MatMuls computes it)"),
})


@converts("Det")
def _det(g, call, x):
    return g.node("Det", x)


@converts("SlogDet")
def _slogdet(g, call, x):
    # From Det: sign(det) and log|det| (finite while det itself is; minigrad's own slogdet never overflows).
    d = g.node("Det", x)
    return g.node("Sign", [d]), g.node("Log", [g.node("Abs", [d])])
