"""``MultiheadAttention`` with PyTorch's arguments, parameters, state-dict names and masks.

Parameters as PyTorch names and lays them out, so a torch state dict loads (``minigrad.io.from_torch``):
``in_proj_weight`` (3E, E) and ``in_proj_bias`` (3E,) for the stacked q, k, v projections (or
``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim) when kdim or vdim differ
from E), ``out_proj`` a ``Linear`` (``out_proj.weight``, ``out_proj.bias``), and with ``add_bias_kv``
``bias_k`` and ``bias_v`` (1, 1, E), appended to the keys and values.

Masks, as PyTorch reads them here (the opposite of ``scaled_dot_product_attention``'s bool masks):
``key_padding_mask`` (N, S) (unbatched: (S,)) and ``attn_mask`` (L, S) or (N*num_heads, L, S), bool with True
meaning "do not attend", or float, added to the scores. All heads run as one batched matmul.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, normalize_device, xp_for
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, positive_int, probability
from minigrad.nn.functional.attention import attention, causal_keep
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.linear import Linear
from minigrad.nn.projection import LinearT


def torch_linear(in_features, out_features, bias, device, dtype):
    """A ``Linear`` initialised as PyTorch's: weight and bias from U(-1/sqrt(in), 1/sqrt(in))."""
    layer = Linear(in_features, out_features, bias=bias, device=device, dtype=dtype)
    bound = 1.0 / math.sqrt(in_features)
    init.uniform_(layer.weight, -bound, bound)
    if layer.bias is not None:
        init.uniform_(layer.bias, -bound, bound)
    return layer


class MultiheadAttention(Layer):
    """Multi-head attention (Vaswani et al. 2017), as ``torch.nn.MultiheadAttention``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` takes query (L, N, E), key (S, N, kdim), value (S, N, vdim)
    (``batch_first``: (N, L, E)...; unbatched: (L, E)...) and returns ``(output, weights)``: output shaped as
    the query, weights (N, L, S) averaged over heads (``average_attn_weights=False``: (N, num_heads, L, S))
    or None with ``need_weights=False``. ``is_causal`` is PyTorch's hint that ``attn_mask`` is the causal
    mask, which it requires. ``dropout`` drops attention weights while training.
    Fully masked rows: see ``minigrad.nn.functional.attention``.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = positive_int(name, "embed_dim", embed_dim)
        self.num_heads = positive_int(name, "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(f"{name}: embed_dim={embed_dim} must be divisible by num_heads={num_heads}")
        self.kdim = embed_dim if kdim is None else positive_int(name, "kdim", kdim)
        self.vdim = embed_dim if vdim is None else positive_int(name, "vdim", vdim)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout = probability(name, "dropout", dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = bool(add_zero_attn)
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype(name, dtype)
        E = embed_dim
        # Assigned in PyTorch's named_parameters() order: own parameters first, then out_proj.
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(xp.zeros((3 * E, E), dtype=dtype))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.in_proj_weight = None
            self.q_proj_weight = Parameter(xp.zeros((E, E), dtype=dtype))
            self.k_proj_weight = Parameter(xp.zeros((E, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(xp.zeros((E, self.vdim), dtype=dtype))
        self.in_proj_bias = Parameter(xp.zeros((3 * E,), dtype=dtype)) if bias else None
        if add_bias_kv:
            self.bias_k = Parameter(xp.zeros((1, 1, E), dtype=dtype))
            self.bias_v = Parameter(xp.zeros((1, 1, E), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.out_proj = torch_linear(E, E, bias, device, dtype)
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k and bias_v."""
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        q_in, k_in, v_in, batched = self._inputs(query, key, value, key_padding_mask, attn_mask)
        N, L, E = q_in.shape
        S, H, hd = k_in.shape[1], self.num_heads, self.head_dim
        kpm = self._canonical("key_padding_mask", key_padding_mask, q_in, other=attn_mask)
        if kpm is not None and tuple(kpm.shape) != ((N, S) if batched else (S,)):
            raise ValueError(f"MultiheadAttention: key_padding_mask has shape {tuple(kpm.shape)}, expected "
                             f"{(N, S) if batched else (S,)} (batch, source length)")
        mask = self._canonical("attn_mask", attn_mask, q_in)
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint that attn_mask is the causal mask and "
                             "needs that attn_mask; make one with Transformer.generate_square_subsequent_mask(L)")
        causal = bool(is_causal) and kpm is None and not need_weights  # PyTorch then runs causal SDPA, mask unread
        if mask is not None:
            mask = self._attn_mask_4d(mask, N, L, S, batched)
        q, k, v = self._project(q_in, k_in, v_in, query is key and key is value, key is value)
        if self.bias_k is not None:
            k = ops.concat([k, ops.broadcast_to(self.bias_k, (N, 1, E))], axis=1)
            v = ops.concat([v, ops.broadcast_to(self.bias_v, (N, 1, E))], axis=1)
            mask, kpm = _pad_column(mask), _pad_column(kpm)
        q, k, v = (ops.transpose(ops.reshape(t, (N, t.shape[1], H, hd)), 0, 2, 1, 3) for t in (q, k, v))
        if self.add_zero_attn:
            xp = get_array_module(k.data)
            zeros = Tensor(xp.zeros((N, H, 1, hd), dtype=k.dtype))
            k, v = ops.concat([k, zeros], axis=2), ops.concat([v, zeros], axis=2)
            mask, kpm = _pad_column(mask), _pad_column(kpm)
        if kpm is not None:
            kpm = ops.reshape(kpm, (N, 1, 1, kpm.shape[-1]))
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        keep = causal_keep(get_array_module(q.data), L, k.shape[2]) if causal else None
        out, weights = attention(q, k, v, keep=keep, bias=None if causal else mask, scale=1.0 / math.sqrt(hd),
                                 dropout_p=p, safe=not need_weights)
        out = self.out_proj(ops.reshape(ops.transpose(out, 0, 2, 1, 3), (N, L, E)))
        if not batched:
            out = ops.reshape(out, (L, E))
        elif not self.batch_first:
            out = ops.transpose(out, 1, 0, 2)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = ops.mean(weights, axis=1)
        return out, (weights if batched else ops.squeeze(weights, axis=0))

    # -- the steps of forward ----------------------------------------------------------
    def _inputs(self, query, key, value, key_padding_mask, attn_mask):
        """query, key and value as (N, L or S, features) after the shape checks; and whether they were batched."""
        name = "MultiheadAttention"
        for arg, x in (("query", query), ("key", key), ("value", value)):
            if not isinstance(x, Tensor):
                raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")
        for arg, mask in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
            if mask is not None and not isinstance(mask, Tensor):
                raise TypeError(f"{name}: {arg} must be a Tensor or None, got {type(mask).__name__}")
        shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{name}: query, key and value must all be 3-D (batched) or all 2-D (unbatched); "
                             f"got {shapes}")
        batched = query.ndim == 3
        if key_padding_mask is not None and key_padding_mask.ndim != (2 if batched else 1):
            raise ValueError(f"{name}: key_padding_mask must be {'2-D (N, S)' if batched else '1-D (S,)'} for "
                             f"{'batched' if batched else 'unbatched'} inputs, got shape "
                             f"{tuple(key_padding_mask.shape)} ({shapes})")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ValueError(f"{name}: attn_mask must be 2-D (L, S) or 3-D (N*num_heads, L, S), got shape "
                             f"{tuple(attn_mask.shape)}")
        if not batched:
            q, k, v = (ops.expand_dims(x, 0) for x in (query, key, value))
        elif self.batch_first:
            q, k, v = query, key, value
        else:
            q, k, v = (ops.transpose(x, 1, 0, 2) for x in (query, key, value))
        dims = (self.embed_dim, self.kdim, self.vdim)
        if (q.shape[2], k.shape[2], v.shape[2]) != dims or q.shape[0] != k.shape[0] or k.shape[:2] != v.shape[:2]:
            raise ValueError(f"{name}: expected query, key and value with features (embed_dim, kdim, vdim) = {dims}, "
                             f"one batch size and key and value of one length; got {shapes} "
                             f"(batch_first={self.batch_first})")
        dtype = (self.in_proj_weight if self.in_proj_weight is not None else self.q_proj_weight).dtype
        if not query.dtype == key.dtype == value.dtype == dtype:
            raise TypeError(f"{name}: query, key and value must have the parameters' dtype {dtype}, got "
                            f"{query.dtype}, {key.dtype} and {value.dtype}")
        return q, k, v, batched

    def _canonical(self, arg, mask, q, other=None):
        """A bool mask (True: masked) as a constant float mask of 0 and -inf; a float one cast to q's dtype."""
        if mask is None:
            return None
        if mask.dtype != np.bool_ and mask.dtype.kind != "f":
            raise TypeError(f"MultiheadAttention: {arg} must be bool or floating, got dtype {mask.dtype} "
                            f"(shape {tuple(mask.shape)})")
        if isinstance(other, Tensor) and other.dtype != mask.dtype:
            warnings.warn(f"Support for mismatched {arg} and attn_mask is deprecated. Use same type for both "
                          "instead.", UserWarning, stacklevel=4)
        if mask.dtype == np.bool_:
            xp = get_array_module(mask.data)
            return Tensor(xp.where(mask.data, q.dtype.type(-np.inf), q.dtype.type(0)))
        return ops.astype(mask, q.dtype)

    def _attn_mask_4d(self, mask, N, L, S, batched):
        """attn_mask (L, S) -> (1, 1, L, S); (N*num_heads, L, S) -> (N, num_heads, L, S)."""
        H = self.num_heads
        want = (L, S) if mask.ndim == 2 else (N * H, L, S)
        if tuple(mask.shape) != want:
            what = "2-D" if mask.ndim == 2 else "3-D"
            raise ValueError(f"MultiheadAttention: the {what} attn_mask has shape {tuple(mask.shape)}, expected "
                             f"{want} (" + ("L, S" if mask.ndim == 2 else "N*num_heads, L, S") + ")")
        return ops.reshape(mask, (1, 1, L, S) if mask.ndim == 2 else (N, H, L, S))

    def _project(self, q_in, k_in, v_in, self_attention, shared_kv):
        """The q, k, v projections, each (N, length, E); one product for all three in self-attention."""
        E, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias

        def rows(x, start, stop):  # rows start:stop of a weight or of the bias (None stays None)
            return None if x is None else x[start:stop]

        if w is None:  # separate weights for differing kdim/vdim
            return (_linear(q_in, self.q_proj_weight, rows(b, 0, E)),
                    _linear(k_in, self.k_proj_weight, rows(b, E, 2 * E)),
                    _linear(v_in, self.v_proj_weight, rows(b, 2 * E, 3 * E)))
        if self_attention:
            return tuple(ops.chunk(_linear(q_in, w, b), 3, dim=-1))
        q = _linear(q_in, w[:E], rows(b, 0, E))
        if shared_kv:
            return (q,) + tuple(ops.chunk(_linear(k_in, w[E:], rows(b, E, 3 * E)), 2, dim=-1))
        return q, _linear(k_in, w[E:2 * E], rows(b, E, 2 * E)), _linear(v_in, w[2 * E:], rows(b, 2 * E, 3 * E))

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}")


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
