"""Every op, as a lowercase function. Tensor operators and methods call these.

``DIFFERENTIABLE`` names the public differentiable ops; the test registry must
cover every one of them. PyTorch's names that only call one of them (``cat``, ``t``, ``outer``,
``repeat``, other spellings such as ``multiply``, ``arcsin``, ``fix``, ``sgn``, ``eq``, the compositions
``square``, ``float_power``, ``floor_divide``, ``deg2rad``, ``rad2deg``, ``clamp_min``, ``clamp_max``, and
the Tensor methods ``view``, ``permute``, ``unsqueeze``, ``expand``, ``unfold``) are not listed.
"""
from minigrad.ops.broadcast import broadcast_to, sum_to
from minigrad.ops.compare import (argmax, argmin, eq, equal, ge, greater, greater_equal, gt, isclose, le, less,
                                  less_equal, logical_and, logical_not, logical_or, logical_xor, lt, ne, not_equal)
from minigrad.ops.activations import clamp, clip, hardtanh, leaky_relu, mish, relu
from minigrad.ops.arithmetic import (add, div, divide, mul, multiply, neg, negative, positive, pow, sub, subtract,
                                     true_divide)
from minigrad.ops.bitwise import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,
                                  bitwise_xor)
from minigrad.ops.division import floor_divide, fmod, remainder
from minigrad.ops.exponential import (exp2, expm1, float_power, log1p, log2, log10, logaddexp, logaddexp2, logit,
                                      reciprocal, rsqrt, square, xlogy)
from minigrad.ops.extrema import clamp_max, clamp_min, fmax, fmin
from minigrad.ops.interpolation import addcdiv, addcmul, lerp
from minigrad.ops.rounding import ceil, fix, floor, frac, round, trunc
from minigrad.ops.signs import copysign, heaviside, isneginf, isposinf, isreal, nan_to_num, sgn, signbit
from minigrad.ops.special import erfc, erfinv
from minigrad.ops.trigonometric import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin,
                                        asinh, atan, atan2, atanh, cosh, deg2rad, hypot, rad2deg, sinc, sinh, tan)
from minigrad.ops.convert import astype, clone, to_device
from minigrad.ops.conv import conv2d, conv_transpose2d
from minigrad.ops.functions import abs, cos, erf, exp, log, sigmoid, sign, sin, softplus, sqrt, tanh
from minigrad.ops.indexing import check_empty_masks, check_one_reading, getitem, raw_index
from minigrad.ops.einsum import einsum
from minigrad.ops.gather import gather, masked_fill, scatter_add
from minigrad.ops.linalg import matmul, outer
from minigrad.ops.norm import norm
from minigrad.ops.pad import pad
from minigrad.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from minigrad.ops.predicates import all, allclose, any, isfinite, isinf, isnan
from minigrad.ops.product import prod
from minigrad.ops.reduce import logsumexp, max, mean, min, std, sum, var
from minigrad.ops.scan import cumsum
from minigrad.ops.selection import maximum, minimum, where
from minigrad.ops.shape import (cat, chunk, concat, expand, expand_dims, flatten, permute, reshape, split, squeeze,
                                stack, t, torch_split, transpose, unsqueeze)
from minigrad.ops.softmax import log_softmax, softmax
from minigrad.ops.sorting import argsort, sort, topk
from minigrad.ops.tile import repeat, tile
from minigrad.ops.triangular import tril, triu
from minigrad.ops.flip import flip, fliplr, flipud, roll, rot90
from minigrad.ops.diagonal import diag, diag_embed, diagflat, diagonal, trace
from minigrad.ops.unfold import unfold
from minigrad.ops.strided import as_strided
from minigrad.ops.views import movedim, moveaxis, narrow, ravel, swapaxes, swapdims, unbind, unflatten
from minigrad.ops.grids import atleast_1d, atleast_2d, atleast_3d, broadcast_tensors, meshgrid
from minigrad.ops.splitting import dsplit, hsplit, repeat_interleave, split_with_sizes, tensor_split, vsplit
from minigrad.ops.take import argwhere, index_select, masked_select, nonzero, take, take_along_dim
from minigrad.ops.scatter import index_add, index_copy, index_fill, index_put, masked_scatter, scatter
from minigrad.ops.scatter_reduce import scatter_reduce
from minigrad.ops.counting import bincount, count_nonzero, histc, unique, unique_consecutive
from minigrad.ops.searching import bucketize, searchsorted
from minigrad.ops import namespace as _namespace
from minigrad.autograd.engine import use_namespaces as _use_namespaces

_use_namespaces(_namespace.arrays, _namespace.tensors)  # the F that every op's backward receives

DIFFERENTIABLE = (
    "add", "sub", "mul", "div", "pow", "neg", "matmul",
    "sum", "mean", "var", "std", "max", "min", "logsumexp",
    "reshape", "transpose", "squeeze", "expand_dims", "flatten", "broadcast_to", "sum_to",
    "getitem", "concat", "stack", "split",
    "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "softplus",
    "hardtanh", "mish",
    "clip", "clamp", "maximum", "minimum", "where", "astype", "to_device",
    "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "pad",
    "gather", "scatter_add", "masked_fill", "chunk", "tile", "tril", "triu", "einsum", "clone",
    "softmax", "log_softmax",
    "cumsum", "prod", "norm", "sort", "topk", "sign",
    # PyTorch's indexing and scatter names (tests/ops/test_torch_index_scatter.py)
    "index_select", "masked_select", "take", "take_along_dim", "index_add", "index_fill", "index_copy",
    "scatter", "scatter_reduce", "masked_scatter", "index_put",
    "floor", "ceil", "round", "trunc", "frac", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10", "exp2",
    "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "erfc", "erfinv", "sinc",
    "logit", "nan_to_num", "atan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "fmod", "remainder",
    "fmax", "fmin", "lerp", "addcmul", "addcdiv",
    "flip", "fliplr", "flipud", "roll", "rot90", "narrow", "unbind", "movedim", "moveaxis", "swapaxes", "swapdims",
    "unflatten", "ravel", "diag", "diagonal", "diag_embed", "diagflat", "trace", "tensor_split", "hsplit", "vsplit",
    "dsplit", "split_with_sizes", "repeat_interleave", "broadcast_tensors", "meshgrid",
    "atleast_1d", "atleast_2d", "atleast_3d", "as_strided",
)

NON_DIFFERENTIABLE = (
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "argmax", "argmin",
    "logical_and", "logical_or", "logical_not",
    "argsort", "all", "any", "isnan", "isinf", "isfinite", "allclose",
    "nonzero", "argwhere", "bincount", "histc", "unique", "unique_consecutive", "searchsorted", "bucketize",
    "count_nonzero",
    "logical_xor", "isclose", "heaviside", "signbit", "isneginf", "isposinf", "isreal",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
)

# PyTorch's reductions, scans, matrix products and linear algebra (session 9); torch.linalg's names are in
# minigrad.linalg. Names that only compose other ops are listed too, as they are new public functions.
from minigrad.ops.order_statistics import (amax, amin, aminmax, kthvalue, median, mode, nanmedian,  # noqa: E402
                                           nanquantile, quantile)
from minigrad.ops.cumulative import cummax, cummin, cumprod, diff, logcumsumexp  # noqa: E402
from minigrad.ops.moments import corrcoef, cov, nanmean, nansum, std_mean, var_mean  # noqa: E402
from minigrad.ops.matrix_products import (addbmm, addmm, addmv, addr, baddbmm, bmm, cross, dot, inner,  # noqa: E402
                                          kron, matrix_power, mm, mv, vdot)
from minigrad.ops.linalg_inverse import det, inverse, logdet, pinverse, slogdet  # noqa: E402
from minigrad.ops.linalg_decompositions import torch_cholesky as cholesky  # noqa: E402

DIFFERENTIABLE += (
    "amax", "amin", "aminmax", "median", "nanmedian", "mode", "kthvalue", "quantile", "nanquantile",
    "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "nansum", "nanmean", "std_mean", "var_mean",
    "cov", "corrcoef",
    "mm", "bmm", "mv", "dot", "vdot", "inner", "addmm", "addmv", "addr", "baddbmm", "addbmm", "kron", "cross",
    "matrix_power", "det", "inverse", "logdet", "slogdet", "cholesky", "pinverse",
)

# More of PyTorch's linear algebra (session 10): the legacy top-level names (torch.svd returns V, torch.lu_solve and
# torch.triangular_solve take B first) and matrix_exp; the torch.linalg names are in minigrad.linalg.
from minigrad.ops.linalg_lu import lu_unpack, torch_lu as lu, torch_lu_solve as lu_solve  # noqa: E402
from minigrad.ops.linalg_more import ger, torch_qr as qr, torch_svd as svd  # noqa: E402
from minigrad.ops.linalg_triangular import cholesky_inverse, cholesky_solve, triangular_solve  # noqa: E402
from minigrad.ops.matrix_exp import matrix_exp  # noqa: E402
from minigrad.ops.linalg_householder import geqrf, orgqr, ormqr  # noqa: E402

DIFFERENTIABLE += (
    "lu", "lu_solve", "lu_unpack", "triangular_solve", "cholesky_solve", "cholesky_inverse", "matrix_exp", "svd",
    "qr", "ger", "orgqr", "ormqr",
)
NON_DIFFERENTIABLE += ("geqrf",)
# PyTorch's joining, index helpers, scatters into slices, distances and *_copy functions (session 10).
from minigrad.ops.joining import (block_diag, cartesian_prod, column_stack, combinations, concatenate,  # noqa: E402
                                  dstack, hstack, row_stack, tensordot, vstack)
from minigrad.ops.index_helpers import (histogram, isin, msort, tril_indices, triu_indices,  # noqa: E402
                                        unravel_index, vander)
from minigrad.ops.slice_writes import (diagonal_scatter, dist, index_reduce, put, renorm,  # noqa: E402
                                        select_scatter, slice_scatter, sum_to_size)
from minigrad.ops.distances import (cdist, chain_matmul, cumulative_trapezoid, gradient, pdist,  # noqa: E402
                                    trapezoid, trapz)
from minigrad.ops.copies import (alias_copy, as_strided_copy, detach_copy, diagonal_copy, expand_copy,  # noqa: E402
                                 narrow_copy, permute_copy, select_copy, slice_copy, split_copy,
                                 split_with_sizes_copy, squeeze_copy, t_copy, transpose_copy, unbind_copy, unfold_copy,
                                 unsqueeze_copy, view_copy)

# The *_copy functions (a view op and clone), row_stack (vstack) and trapz (trapezoid) are registered in
# tests/op_registry.py but not listed here, as the other names that only call listed ops.
DIFFERENTIABLE += (
    "hstack", "vstack", "dstack", "column_stack", "concatenate", "block_diag", "cartesian_prod", "combinations",
    "tensordot", "vander", "msort",
    "diagonal_scatter", "select_scatter", "slice_scatter", "index_reduce", "put", "renorm", "dist",
    "cdist", "pdist", "chain_matmul", "trapezoid", "cumulative_trapezoid", "gradient",
)
NON_DIFFERENTIABLE += ("tril_indices", "triu_indices", "unravel_index", "isin", "histogram")
# Special functions and number parts (session 10); torch.special's names are in minigrad.special. All of these
# kernels are array math alone (no SciPy).
from minigrad.ops.gamma import digamma, igamma, igammac, lgamma, mvlgamma, polygamma, zeta  # noqa: E402
from minigrad.ops.bessel import i0, i0e, i1, i1e  # noqa: E402
from minigrad.ops.normal_functions import erfcx, log_ndtr, ndtr, ndtri  # noqa: E402
from minigrad.ops.log_terms import entr, xlog1py  # noqa: E402
from minigrad.ops.spherical_bessel import spherical_bessel_j0  # noqa: E402
from minigrad.ops.number_parts import angle, frexp, gcd, lcm, ldexp, nextafter  # noqa: E402

DIFFERENTIABLE += ("lgamma", "digamma", "polygamma", "mvlgamma", "i0", "igamma", "igammac", "ldexp", "frexp", "angle",
                   "nextafter")
NON_DIFFERENTIABLE += ("gcd", "lcm")
# torch.special's own names (no torch.* spelling): differentiable, registered in tests/op_registry.py as
# "special.<name>" (tests/ops/test_torch_special.py checks that every one is).
SPECIAL_DIFFERENTIABLE = ("i0e", "i1", "i1e", "zeta", "xlog1py", "entr", "erfcx", "ndtr", "log_ndtr", "ndtri",
                          "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
                          "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
                          "scaled_modified_bessel_k1", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
                          "chebyshev_polynomial_v", "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
                          "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                          "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
                          "laguerre_polynomial_l", "legendre_polynomial_p", "spherical_bessel_j0", "airy_ai")
# PyTorch's top-level spellings of Tensor methods (session 10; tests/ops/test_torch_top_level_functions.py).
from minigrad.ops.top_level import rsub  # noqa: E402,F401  (not permute: ops.permute is the Tensor method's)

DIFFERENTIABLE += ("rsub",)
# Sparse COO (minigrad.sparse, above ops): torch.spmm, the sparse x dense product (registered with its torch.sparse
# companions in tests/op_registry.py).
DIFFERENTIABLE += ("spmm",)
