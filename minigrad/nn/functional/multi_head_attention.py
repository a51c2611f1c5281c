"""``multi_head_attention_forward``: multi-head attention from explicit weights, PyTorch's functional form, and
the body of ``nn.MultiheadAttention.forward`` (which passes its parameters here).

query (L, N, E), key (S, N, kdim), value (S, N, vdim) (unbatched: (L, E), ...; the layer's ``batch_first``
arrives as a flag). The q, k, v projections use ``in_proj_weight`` (3E, E) (one product for all three in
self-attention) or ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` (``use_separate_proj_weight``), with
the thirds of ``in_proj_bias``; ``bias_k``/``bias_v`` (1, 1, E) append one key and value; ``static_k`` /
``static_v`` (N*num_heads, S, E/num_heads) replace the projected keys / values; ``add_zero_attn`` appends a
zero key and value. Masks as PyTorch reads them here: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or
(N*num_heads, L, S), bool (True: do not attend) or float (added to the scores). All heads run as one batched
matmul (``minigrad.nn.functional.attention``); every derivative comes from the ops.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.functional.attention import attention, causal_keep, causal_never_dead
from minigrad.nn.projection import LinearT
from minigrad.scalars import as_integer

__all__ = ["multi_head_attention_forward", "attention_forward"]


def _linear(x, weight, bias):
    """x @ weight^T + bias with weight in PyTorch's (out, in) layout, as one node."""
    return LinearT.apply(x, weight) if bias is None else LinearT.apply(x, weight, bias)


def _pad_column(mask):
    """A float mask with one more key column of 0 (the appended bias_k / zero key may be attended to)."""
    if mask is None:
        return None
    xp = get_array_module(mask.data)
    zeros = Tensor(xp.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype))
    return ops.concat([mask, zeros], axis=-1)


def _inputs(who, query, key, value, key_padding_mask, attn_mask, dims, batch_first, dtype):
    """query, key and value as (N, L or S, features) after the shape checks; and whether they were batched."""
    for arg, x in (("query", query), ("key", key), ("value", value)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{who}: {arg} must be a Tensor, got {type(x).__name__}")
    for arg, mask in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if mask is not None and not isinstance(mask, Tensor):
            raise TypeError(f"{who}: {arg} must be a Tensor or None, got {type(mask).__name__}")
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"{who}: query, key and value must all be 3-D (batched) or all 2-D (unbatched); "
                         f"got {shapes}")
    batched = query.ndim == 3
    if key_padding_mask is not None and key_padding_mask.ndim != (2 if batched else 1):
        raise ValueError(f"{who}: key_padding_mask must be {'2-D (N, S)' if batched else '1-D (S,)'} for "
                         f"{'batched' if batched else 'unbatched'} inputs, got shape "
                         f"{tuple(key_padding_mask.shape)} ({shapes})")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise ValueError(f"{who}: attn_mask must be 2-D (L, S) or 3-D (N*num_heads, L, S), got shape "
                         f"{tuple(attn_mask.shape)}")
    if not batched:
        q, k, v = (ops.expand_dims(x, 0) for x in (query, key, value))
    elif batch_first:
        q, k, v = query, key, value
    else:
        q, k, v = (ops.transpose(x, 1, 0, 2) for x in (query, key, value))
    if (q.shape[2], k.shape[2], v.shape[2]) != dims or q.shape[0] != k.shape[0] or k.shape[:2] != v.shape[:2]:
        raise ValueError(f"{who}: expected query, key and value with features (embed_dim, kdim, vdim) = {dims}, "
                         f"one batch size and key and value of one length; got {shapes} "
                         f"(batch_first={batch_first})")
    if not query.dtype == key.dtype == value.dtype == dtype:
        raise TypeError(f"{who}: query, key and value must have the parameters' dtype {dtype}, got "
                        f"{query.dtype}, {key.dtype} and {value.dtype}")
    return q, k, v, batched


def _canonical(who, arg, mask, q, other=None, unread=False):
    """A bool mask (True: masked) as a float mask of 0 and -inf; a float one cast to q's dtype. A mask the
    attention will not read (``unread``: the causal path) is checked and left as it is."""
    if mask is None:
        return None
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise TypeError(f"{who}: {arg} must be bool or floating, got dtype {mask.dtype} (shape {tuple(mask.shape)})")
    if isinstance(other, Tensor) and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {arg} and attn_mask is deprecated. Use same type for both "
                      "instead.", UserWarning, stacklevel=5)
    if unread:
        return mask
    if mask.dtype == np.bool_:   # by an op, so that an ONNX export follows a mask given as an input
        xp = get_array_module(mask.data)
        return ops.where(mask, Tensor(xp.asarray(-np.inf, dtype=q.dtype)), Tensor(xp.asarray(0, dtype=q.dtype)))
    return ops.astype(mask, q.dtype)


def _attn_mask_4d(who, mask, N, H, L, S):
    """attn_mask (L, S) -> (1, 1, L, S); (N*num_heads, L, S) -> (N, num_heads, L, S)."""
    want = (L, S) if mask.ndim == 2 else (N * H, L, S)
    if tuple(mask.shape) != want:
        what = "2-D" if mask.ndim == 2 else "3-D"
        raise ValueError(f"{who}: the {what} attn_mask has shape {tuple(mask.shape)}, expected {want} ("
                         + ("L, S" if mask.ndim == 2 else "N*num_heads, L, S") + ")")
    return ops.reshape(mask, (1, 1, L, S) if mask.ndim == 2 else (N, H, L, S))


def _project(q_in, k_in, v_in, E, w, b, separate, self_attention, shared_kv):
    """The q, k, v projections, each (N, length, E); one product for all three in self-attention."""

    def rows(x, start, stop):  # rows start:stop of a weight or of the bias (None stays None)
        return None if x is None else x[start:stop]

    if w is None:  # separate weights for differing kdim/vdim
        wq, wk, wv = separate
        return (_linear(q_in, wq, rows(b, 0, E)), _linear(k_in, wk, rows(b, E, 2 * E)),
                _linear(v_in, wv, rows(b, 2 * E, 3 * E)))
    if self_attention:
        return tuple(ops.chunk(_linear(q_in, w, b), 3, dim=-1))
    q = _linear(q_in, w[:E], rows(b, 0, E))
    if shared_kv:
        return (q,) + tuple(ops.chunk(_linear(k_in, w[E:], rows(b, E, 3 * E)), 2, dim=-1))
    return q, _linear(k_in, w[E:2 * E], rows(b, E, 2 * E)), _linear(v_in, w[2 * E:], rows(b, 2 * E, 3 * E))


def _static(who, name, t, N, H, hd):
    """static_k / static_v (N*H, S, hd) as (N, H, S, hd)."""
    if not isinstance(t, Tensor) or t.ndim != 3 or t.shape[0] != N * H or t.shape[2] != hd:
        shape = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
        raise ValueError(f"{who}: {name} must be a Tensor of shape (N*num_heads, S, head_dim) = ({N * H}, S, {hd}), "
                         f"got {shape}")
    return ops.reshape(t, (N, H, t.shape[1], hd))


def attention_forward(who, query, key, value, *, num_heads, dims, in_proj_weight, in_proj_bias, separate,
                      bias_k, bias_v, add_zero_attn, dropout_p, out_proj, key_padding_mask,
                      need_weights, attn_mask, average_attn_weights, is_causal, batch_first=False, static_k=None,
                      static_v=None):
    """Multi-head attention of checked arguments (see the module docstring); ``who`` names the caller in errors,
    ``out_proj`` maps the heads' joined output (N, L, E) (the layer's ``Linear``, or PyTorch-layout weights).
    Returns (output shaped as the query, weights or None)."""
    dtype = (in_proj_weight if in_proj_weight is not None else separate[0]).dtype
    q_in, k_in, v_in, batched = _inputs(who, query, key, value, key_padding_mask, attn_mask, dims, batch_first,
                                        dtype)
    N, L, E = q_in.shape
    S, H = k_in.shape[1], num_heads
    hd = E // H
    kpm = _canonical(who, "key_padding_mask", key_padding_mask, q_in, other=attn_mask)
    src = static_k.shape[1] if isinstance(static_k, Tensor) and static_k.ndim == 3 else S
    if kpm is not None and tuple(kpm.shape) != ((N, src) if batched else (src,)):
        raise ValueError(f"{who}: key_padding_mask has shape {tuple(kpm.shape)}, expected "
                         f"{(N, src) if batched else (src,)} (batch, source length)")
    causal = bool(is_causal) and kpm is None and not need_weights  # PyTorch then runs causal SDPA, mask unread
    mask = _canonical(who, "attn_mask", attn_mask, q_in, unread=causal)
    if is_causal and attn_mask is None:
        raise ValueError(f"{who}: is_causal=True is a hint that attn_mask is the causal mask and needs that "
                         "attn_mask; make one with Transformer.generate_square_subsequent_mask(L)")
    if mask is not None:
        mask = _attn_mask_4d(who, mask, N, H, L, S)
    q, k, v = _project(q_in, k_in, v_in, E, in_proj_weight, in_proj_bias, separate,
                       query is key and key is value, key is value)
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{who}: bias_k and bias_v go together; got only {'bias_k' if bias_v is None else 'bias_v'}")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{who}: bias_k and bias_v cannot be added to static_k / static_v")
        k = ops.concat([k, ops.broadcast_to(bias_k, (N, 1, E))], axis=1)
        v = ops.concat([v, ops.broadcast_to(bias_v, (N, 1, E))], axis=1)
        mask, kpm = _pad_column(mask), _pad_column(kpm)
    q, k, v = (ops.transpose(ops.reshape(t, (N, t.shape[1], H, hd)), 0, 2, 1, 3) for t in (q, k, v))
    if static_k is not None:
        k = _static(who, "static_k", static_k, N, H, hd)
    if static_v is not None:
        v = _static(who, "static_v", static_v, N, H, hd)
    if add_zero_attn:
        xp = get_array_module(k.data)
        zeros = Tensor(xp.zeros((N, H, 1, hd), dtype=k.dtype))
        k, v = ops.concat([k, zeros], axis=2), ops.concat([v, zeros], axis=2)
        mask, kpm = _pad_column(mask), _pad_column(kpm)
    if kpm is not None:
        kpm = ops.reshape(kpm, (N, 1, 1, kpm.shape[-1]))
        mask = kpm if mask is None else mask + kpm
    keep = causal_keep(get_array_module(q.data), L, k.shape[2]) if causal else None
    out, weights = attention(q, k, v, keep=keep, bias=None if causal else mask, scale=1.0 / math.sqrt(hd),
                             dropout_p=dropout_p, safe=not (need_weights or causal_never_dead(causal, k.shape[2])))
    out = out_proj(ops.reshape(ops.transpose(out, 0, 2, 1, 3), (N, L, E)))
    if not batched:
        out = ops.reshape(out, (L, E))
    elif not batch_first:
        out = ops.transpose(out, 1, 0, 2)
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = ops.mean(weights, axis=1)
    return out, (weights if batched else ops.squeeze(weights, axis=0))


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention from explicit weights, as ``torch.nn.functional.multi_head_attention_forward``:
    (output (L, N, E) or (L, E), weights (N, L, S) averaged over heads (``average_attn_weights=False``: per head)
    or None with ``need_weights=False``). ``dropout_p`` drops attention weights when ``training``. The
    derivatives are those of the ops it is made of (projections, batched matmuls, softmax)."""
    who = "multi_head_attention_forward"
    if not isinstance(query, Tensor) or query.ndim not in (2, 3):
        raise ValueError(f"{who}: query must be a 2-D (L, E) or 3-D (L, N, E) Tensor, got "
                         f"{tuple(query.shape) if isinstance(query, Tensor) else type(query).__name__}")
    E = query.shape[-1]
    if E != embed_dim_to_check:
        raise ValueError(f"{who}: was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    heads = as_integer(num_heads)
    if heads is None or heads < 1 or E % heads:
        raise ValueError(f"{who}: embed_dim {E} not divisible by num_heads {num_heads}")
    num_heads = heads
    if use_separate_proj_weight:
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
        for name, w in zip(("q_proj_weight", "k_proj_weight", "v_proj_weight"), separate):
            if not isinstance(w, Tensor):
                raise ValueError(f"{who}: use_separate_proj_weight is True but {name} is None")
        dims = (E, k_proj_weight.shape[1], v_proj_weight.shape[1])
        in_proj_weight = None
    else:
        if not isinstance(in_proj_weight, Tensor):
            raise ValueError(f"{who}: use_separate_proj_weight is False but in_proj_weight is None")
        if tuple(in_proj_weight.shape) != (3 * E, E):
            raise ValueError(f"{who}: in_proj_weight must have shape (3 * embed_dim, embed_dim) = {(3 * E, E)}, got "
                             f"{tuple(in_proj_weight.shape)}")
        separate, dims = None, (E, E, E)
    return attention_forward(
        who, query, key, value, num_heads=num_heads, dims=dims, in_proj_weight=in_proj_weight,
        in_proj_bias=in_proj_bias, separate=separate, bias_k=bias_k, bias_v=bias_v, add_zero_attn=add_zero_attn,
        dropout_p=dropout_p if training else 0.0, out_proj=lambda x: _linear(x, out_proj_weight, out_proj_bias),
        key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
        average_attn_weights=average_attn_weights, is_causal=is_causal, static_k=static_k, static_v=static_v)
