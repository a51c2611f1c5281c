"""``scaled_dot_product_attention`` (PyTorch's name and arguments) and the attention core that
``nn.MultiheadAttention`` shares with it.

Everything is a composition of ops: one batched matmul for the scores of every head at once, the mask
(``where`` for bool masks, ``add`` for float ones), ``softmax``, ``dropout`` and one batched matmul with the
values, so autograd gives every derivative (second ones too). No Python loop runs over heads or positions.

Rows that the mask shuts off entirely (every key masked): PyTorch 2.13's attention (its math kernel's
``_safe_softmax``) gives those rows weights 0, so an output of 0 and gradients 0, where a plain softmax of a
row of -inf would give NaN. ``scaled_dot_product_attention`` and ``MultiheadAttention(need_weights=False)``
(hence the Transformer layers) do the same here; ``MultiheadAttention(need_weights=True)`` runs PyTorch's
explicit softmax path, which gives NaN for such rows, and so does minigrad.

An ONNX export (``minigrad.onnx``) sets ``EXPORTING`` while it traces: the dead rows are then found by recorded ops
from the mask the graph is given, and their path is always taken, since the traced example's mask says nothing of the
masks the graph will be run with (a plain softmax there gave NaN rows in ONNX Runtime).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.functional.dropout import dropout


def _shape(x):
    return tuple(x.shape)


def _swap_last(x):
    """x with its last two axes exchanged (k -> k^T over every batch and head)."""
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return ops.transpose(x, tuple(axes))


def causal_keep(xp, rows, cols):
    """Bool (rows, cols): True on and below the main diagonal, counted from the top left (PyTorch's is_causal)."""
    return xp.tri(rows, cols, dtype=bool)


def dead_rows(xp, mask):
    """Bool (..., L, 1) of the rows where every key is shut off: a bool keep-mask with no True, or a float
    mask that is -inf throughout (raw arrays, constants; or the mask Tensor, recorded, in an ONNX export)."""
    if mask.dtype == np.bool_:
        return ~mask.any(axis=-1, keepdims=True)
    return (mask == -np.inf).all(axis=-1, keepdims=True)


# True while minigrad.onnx traces a model (it sets and restores it).
EXPORTING = False


def causal_never_dead(causal, keys):
    """True when the mask is the causal one over at least one key: query i always sees key 0, so no row is shut
    off entirely and the fully masked rows' path (which a GPU takes unasked) can be left out."""
    return bool(causal) and keys > 0


def attention(q, k, v, *, keep=None, bias=None, scale, dropout_p=0.0, safe=True, heads=None):
    """softmax(q k^T * scale, masked) @ v over the leading (batch, head) axes, broadcasting them.

    ``keep``: raw bool array broadcastable to the scores (False: masked out), or ``bias``: a float Tensor added
    to the scores (callers give one of them). ``safe``: rows with every key masked give weights 0 (PyTorch's ``_safe_softmax``) instead
    of NaN. ``heads``: (Hq, Hk) for grouped-query attention, Hq a multiple of Hk (query head h reads
    key/value head h // (Hq / Hk)). Returns (output, weights).
    """
    if q.dtype == np.float16:   # scores and softmax in float32, rounded once, as torch's CPU kernels compute half
        up = [None if t is None else t.astype(np.float32) for t in (q, k, v, bias)]
        out, weights = attention(*up[:3], keep=keep, bias=up[3], scale=scale, dropout_p=dropout_p, safe=safe,
                                 heads=heads)
        return out.astype(np.float16), weights.astype(np.float16)
    if heads is not None:  # view the query heads as (Hk, group) so the key/value heads broadcast over the group
        hq, hk = heads
        lead = _shape(q)[:-3]
        q = ops.reshape(q, lead + (hk, hq // hk) + _shape(q)[-2:])
        k, v = ops.expand_dims(k, -3), ops.expand_dims(v, -3)
    scores = ops.matmul(q, _swap_last(k)) * scale
    if heads is not None:
        grouped = _shape(scores)
        scores = ops.reshape(scores, grouped[:-4] + (hq,) + grouped[-2:])
    xp = get_array_module(scores.data)
    dead = None
    if keep is not None:   # a bool mask Tensor (the caller's: an ONNX export follows it) or a raw array
        keep = keep if isinstance(keep, Tensor) else Tensor(xp.asarray(keep))
        scores = ops.where(keep, scores, -np.inf)
        dead = dead_rows(xp, keep.data) if safe else None
    if bias is not None:
        scores = scores + bias
        dead = dead_rows(xp, bias.data) if safe else None
    if dead is not None and EXPORTING:   # from the mask Tensor itself: recorded, so the graph computes them
        dead = dead_rows(xp, keep if keep is not None else bias)
    # A GPU takes the dead rows' path without asking first: reading dead.any() back would wait for the device in
    # every masked attention forward (the path's two where()s are the identity where no row is dead).
    if dead is not None and (xp is not np or EXPORTING or bool(dead.any())):
        # Softmax of finite zeros there (not of -inf), then weights 0: forward and gradients exactly 0, no NaN.
        dead = dead if isinstance(dead, Tensor) else Tensor(dead)
        weights = ops.where(dead, 0.0, ops.softmax(ops.where(dead, 0.0, scores), axis=-1))
    else:
        weights = ops.softmax(scores, axis=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    if heads is not None:
        weights_grouped = ops.reshape(weights, grouped)
        out = ops.matmul(weights_grouped, v)
        out = ops.reshape(out, lead + (hq,) + _shape(out)[-2:])
    else:
        out = ops.matmul(weights, v)
    return out, weights


def _check_qkv(name, query, key, value, enable_gqa):
    for arg, x in (("query", query), ("key", key), ("value", value)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")
    shapes = f"query {_shape(query)}, key {_shape(key)} and value {_shape(value)}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ValueError(f"{name}: query, key and value must each have at least 2 dims (..., L or S, E); got {shapes}")
    if not query.dtype == key.dtype == value.dtype or query.dtype.kind != "f":
        raise TypeError(f"{name}: query, key and value must share one floating dtype, got {query.dtype}, "
                        f"{key.dtype} and {value.dtype} ({shapes})")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{name}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev); got {shapes}")
    heads = None
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and value.ndim >= 3 and (
            query.shape[-3] != key.shape[-3] or query.shape[-3] != value.shape[-3]):
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hq % hk:
            raise ValueError(f"{name}: with enable_gqa the key and value head counts (dim -3) must be equal and "
                             f"divide the query's; got {shapes}")
        heads = (hq, hk)
        batch = (query.shape[:-3], key.shape[:-3], value.shape[:-3])
    else:
        batch = (query.shape[:-2], key.shape[:-2], value.shape[:-2])
    try:
        lead = np.broadcast_shapes(*batch)
    except ValueError:
        raise ValueError(f"{name}: the batch dims of query, key and value do not broadcast; got {shapes}"
                         + ("" if enable_gqa else " (different head counts need enable_gqa=True)")) from None
    lead = lead + ((heads[0],) if heads else ())
    return heads, lead + (query.shape[-2], key.shape[-2])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(query key^T * scale + mask) value`` (PyTorch's ``F.scaled_dot_product_attention``).

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the leading dims
    broadcast. ``attn_mask``: bool (True: the query may attend to that key) or float (added to the scores;
    it may require grad), broadcastable to (..., L, S). ``is_causal``: query i attends to keys 0..i
    (top-left aligned), refused together with ``attn_mask``. ``scale``: default 1/sqrt(E). ``dropout_p``:
    dropout on the weights, applied whenever it is > 0 (as in PyTorch: the function has no training flag).
    ``enable_gqa``: key/value with fewer heads (dim -3) than the query, each shared by a group of query heads.
    Rows whose keys are all masked give 0 (see the module doc).

    Derivatives (by composition): with P = softmax(A), A = q k^T s + mask, dL/dv = P^T g,
    dL/dP = g v^T, dL/dA = P * (dL/dP - sum(dL/dP * P)), dL/dq = s dL/dA k, dL/dk = s dL/dA^T q,
    dL/dmask = dL/dA summed to the mask's shape.
    """
    name = "scaled_dot_product_attention"
    heads, scores_shape = _check_qkv(name, query, key, value, enable_gqa)
    if not isinstance(dropout_p, (int, float)) or isinstance(dropout_p, bool) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{name}: dropout_p must be a probability in [0, 1], got {dropout_p!r}")
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    elif isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name}: scale must be a number or None, got {scale!r}")
    keep = bias = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{name}: an explicit attn_mask (shape {_shape(attn_mask)}) cannot be given together "
                             "with is_causal=True")
        keep = causal_keep(get_array_module(query.data), *scores_shape[-2:])
    elif attn_mask is not None:
        keep, bias = _mask(name, "attn_mask", attn_mask, query, scores_shape)
    out, _ = attention(query, key, value, keep=keep, bias=bias, scale=float(scale), dropout_p=float(dropout_p),
                       safe=not causal_never_dead(is_causal, scores_shape[-1]), heads=heads)
    return out


def _mask(name, arg, mask, query, scores_shape):
    """(keep, bias): a bool mask as the keep Tensor itself, a float mask as a Tensor in the query's dtype."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}: {arg} must be a Tensor or None, got {type(mask).__name__}")
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise TypeError(f"{name}: {arg} must be bool or floating, got dtype {mask.dtype} (shape {_shape(mask)})")
    try:
        fits = np.broadcast_shapes(_shape(mask), scores_shape) == scores_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {arg} of shape {_shape(mask)} does not broadcast to the attention scores' "
                         f"shape {scores_shape} (..., L, S)")
    if mask.dtype == np.bool_:
        return mask, None
    return None, ops.astype(mask, query.dtype)
