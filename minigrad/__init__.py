"""minigrad: a small reverse-mode autodiff framework over NumPy (and CuPy on GPUs).

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])

Subpackages ``minigrad.nn``, ``minigrad.optim`` and ``minigrad.data`` load on
first use, so ``import minigrad`` needs only NumPy.
"""
import importlib

from minigrad.autograd import (Function, GradcheckError, Tensor, detect_anomaly, enable_grad, grad,
                               gradcheck, gradgradcheck, inference_mode, is_anomaly_enabled, is_grad_enabled,
                               is_inference_mode_enabled, no_grad, set_anomaly_enabled, set_grad_enabled)
from minigrad.creation import (arange, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like,
                               rand, rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros,
                               zeros_like)
from minigrad.ops import (abs, adaptive_avg_pool2d, add, argmax, argmin, astype, avg_pool2d, broadcast_to, cat, clamp,
                          clip, concat, conv2d, conv_transpose2d, cos, div, equal,
                          exp, expand_dims, flatten, getitem, greater, greater_equal, hardtanh, leaky_relu, less,
                          less_equal, log, logical_and, logical_not, logical_or, logsumexp, matmul, max,
                          max_pool2d, maximum, mean, min, minimum, mish, mul, neg, not_equal, pad, pow, relu, reshape,
                          sigmoid, sin, softplus, split, sqrt, squeeze, std,
                          stack, sub, sum, sum_to, tanh, to_device, transpose, var, where)
from minigrad.ops import (chunk, clone, einsum, gather, log_softmax, masked_fill, outer, scatter_add, softmax, t,
                          tile, tril, triu, unsqueeze)
from minigrad.ops import (all, allclose, any, argsort, cumsum, isfinite, isinf, isnan, norm, prod,
                          sign, sort, topk)
from minigrad.ops import (argwhere, bincount, bucketize, count_nonzero, histc, index_add, index_copy, index_fill,
                          index_put, index_select, masked_scatter, masked_select, nonzero, scatter, scatter_reduce,
                          searchsorted, take, take_along_dim, unique, unique_consecutive)
from minigrad.ops import (acos, acosh, addcdiv, addcmul, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
                          asin, asinh, atan, atan2, atanh, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                          bitwise_right_shift, bitwise_xor, ceil,
                          clamp_max, clamp_min, copysign, cosh, deg2rad, divide, eq, erf, erfc, erfinv, exp2, expm1,
                          fix, float_power, floor, floor_divide, fmax, fmin, fmod, frac, ge, gt, heaviside, hypot,
                          isclose, isneginf, isposinf, isreal, le, lerp, log1p, log2, log10, logaddexp, logaddexp2,
                          logical_xor, logit, lt, multiply, nan_to_num, ne, negative, positive, rad2deg, reciprocal,
                          remainder, round, rsqrt, sgn, signbit, sinc, sinh, square, subtract, tan, true_divide,
                          trunc, xlogy)
from minigrad.ops import (as_strided, atleast_1d, atleast_2d, atleast_3d, broadcast_tensors, diag, diag_embed,
                          diagflat, diagonal, dsplit, flip, fliplr, flipud, hsplit, meshgrid, movedim, moveaxis,
                          narrow, ravel, repeat_interleave, roll, rot90, split_with_sizes, swapaxes, swapdims,
                          tensor_split, trace, unbind, unflatten, vsplit)
from minigrad.backend import device
from minigrad.generator import Generator
from minigrad.dlpack import from_dlpack
from minigrad.random import default_generator, initial_seed, manual_seed, seed
from minigrad.backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision
from minigrad.determinism import (are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,
                                  use_deterministic_algorithms)
from minigrad import cuda  # noqa: F401

__version__ = "0.1.0"

# minigrad.nn.functional.top_level.NAMES (spelled out so that `import minigrad` does not load minigrad.nn)
_FUNCTIONAL = (
    "conv1d", "conv_transpose1d", "avg_pool1d", "adaptive_avg_pool1d", "bilinear", "cosine_similarity",
    "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
    "selu", "celu", "rrelu", "threshold", "hardshrink", "prelu", "dropout", "alpha_dropout", "feature_alpha_dropout",
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "max_pool1d", "adaptive_max_pool1d",
    "embedding", "kl_div", "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "poisson_nll_loss", "binary_cross_entropy_with_logits", "constant_pad_nd",
)

def compile(model=None, **options):  # noqa: A001  (torch's name)
    """``torch.compile``'s place in a script: minigrad has no compiler, so the model (or function) comes back
    as it is and runs as before, with the same results. ``@minigrad.compile`` and ``compile(fullgraph=True)(f)``
    work too; the options are accepted and not used."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a model or a function, got {type(model).__name__}")
    return model


#: torch.Size: shapes here are plain tuples, so ``Size((2, 3)) == x.shape`` and ``isinstance(x.shape, Size)`` hold.
Size = tuple

_LAZY = {"accelerator", "backends", "amp", "nn", "optim", "data", "serialization", "cli", "train", "viz", "io", "onnx", "distributed", "utils",
         "testing", "func",
         "distributions"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"minigrad.{name}")
    if name == "autocast":   # torch.autocast is torch.amp.autocast
        return importlib.import_module("minigrad.amp").autocast
    if name in ("save", "load"):
        return getattr(importlib.import_module("minigrad.serialization"), name)
    if name in ("set_num_threads", "get_num_threads"):   # threads for large elementwise updates
        return getattr(importlib.import_module("minigrad.optim.threads"), name)
    if name in _FUNCTIONAL:   # F's functions under torch's top-level signatures; loads minigrad.nn on first use
        return importlib.import_module("minigrad.nn.functional.top_level").lookup(name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")

# PyTorch's reductions, scans, matrix products and linear algebra; torch.linalg's names in minigrad.linalg.
from minigrad.ops import (addbmm, addmm, addmv, addr, amax, amin, aminmax, baddbmm, bmm, cholesky,  # noqa: E402
                          corrcoef, cov, cross, cummax, cummin, cumprod, det, diff, dot, inner, inverse, kron,
                          kthvalue, logcumsumexp, logdet, matrix_power, median, mm, mode, mv, nanmean, nanmedian,
                          nanquantile, nansum, pinverse, quantile, slogdet, std_mean, var_mean, vdot)
from minigrad.ops import (cholesky_inverse, cholesky_solve, geqrf, ger, lu, lu_solve, lu_unpack,  # noqa: E402
                          matrix_exp, orgqr, ormqr, qr, svd, triangular_solve)
from minigrad import linalg  # noqa: E402,F401
# PyTorch's joining, index helpers, scatters into slices, distances and *_copy functions.
from minigrad.ops import (alias_copy, block_diag, cartesian_prod, cdist, chain_matmul, column_stack,  # noqa: E402
                          combinations, concatenate, cumulative_trapezoid, detach_copy, diagonal_copy,
                          diagonal_scatter, dist, dstack, expand_copy, gradient, histogram, hstack, index_reduce,
                          isin, msort, narrow_copy, pdist, permute_copy, put, renorm, row_stack, select_copy,
                          select_scatter, slice_copy, slice_scatter, split_copy, split_with_sizes_copy,
                          squeeze_copy, t_copy, tensordot, transpose_copy, trapezoid, trapz, tril_indices,
                          triu_indices, unbind_copy, unfold_copy, as_strided_copy, unravel_index, unsqueeze_copy,
                          vander, view_copy, vstack)

# Special functions and number parts; torch.special's names in minigrad.special.
from minigrad.ops import (angle, digamma, frexp, gcd, i0, igamma, igammac, lcm, ldexp, lgamma, mvlgamma,  # noqa: E402
                          nextafter, polygamma)
from minigrad import special  # noqa: E402,F401

# PyTorch's top-level names: dtypes, dtype questions, tensor questions, printing, the generator's state, creation,
# windows and random sampling (tests/ops/test_torch_top_level.py, test_torch_windows.py, test_torch_sampling.py).
from minigrad.dtypes import (bool, can_cast, cdouble, cfloat, complex64, complex128, double, finfo,  # noqa: E402,A004
                             float, float16, float32, float64, get_default_dtype, half, iinfo, int, int8, int16, int32,
                             int64, long, promote_types, result_type, set_default_dtype, short, uint8, uint16, uint32,
                             uint64)
from minigrad.introspection import (broadcast_shapes, is_complex, is_floating_point, is_nonzero,  # noqa: E402
                                    is_same_size, is_tensor, numel)
from minigrad.autograd.printing import set_printoptions  # noqa: E402
from minigrad.random_state import get_rng_state, set_rng_state  # noqa: E402
from minigrad.creation import as_tensor, asarray, logspace, scalar_tensor  # noqa: E402
from minigrad.ops.top_level import detach, permute, rsub  # noqa: E402
from minigrad.window_functions import (bartlett_window, blackman_window, hamming_window, hann_window,  # noqa: E402
                                       kaiser_window)
from minigrad.sampling import bernoulli, multinomial, normal, poisson  # noqa: E402
# torch's sparse COO subset (minigrad.sparse) and the layouts.
from minigrad.layout import layout, sparse_coo, strided  # noqa: E402
from minigrad.memory_format import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                                    memory_format, preserve_format)
from minigrad.sparse import sparse_coo_tensor, sparse_csr_tensor, spmm  # noqa: E402
from minigrad import sparse  # noqa: E402,F401
# torch's legacy typed constructors (FloatTensor(data or sizes), LongTensor, ...), CPU only.
from minigrad.legacy_tensor_types import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,  # noqa: E402
                                         HalfTensor, IntTensor, LongTensor, ShortTensor)
from minigrad.backend import get_default_device, set_default_device  # noqa: E402
# torch's top-level spellings of Tensor methods: relu_(x), select(x, 0, 1), ... (minigrad.method_functions.NAMES).
from minigrad.method_functions import *  # noqa: E402,F401,F403
# torch.vmap is torch.func.vmap (a loop over the batch here: minigrad/func/vmap_loop.py).
from minigrad.func.vmap_loop import vmap  # noqa: E402

# `from minigrad import *` gives every public name above and the lazy F names, but never minigrad.bool, .float, .int
# and .compile (PyTorch's __all__ has them; here they would shadow Python's builtins in the importing module).
__all__ = sorted(n for n in list(globals()) if not n.startswith("_") and n not in ("importlib", "bool", "float",
                                                                                  "int", "compile"))
__all__ += list(_FUNCTIONAL) + ["set_num_threads", "get_num_threads"]
