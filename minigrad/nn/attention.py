"""``MultiheadAttention`` with PyTorch's arguments, parameters, state-dict names and masks.

Parameters as PyTorch names and lays them out, so a torch state dict loads (``minigrad.io.from_torch``):
``in_proj_weight`` (3E, E) and ``in_proj_bias`` (3E,) for the stacked q, k, v projections (or
``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim) when kdim or vdim differ
from E), ``out_proj`` a ``Linear`` (``out_proj.weight``, ``out_proj.bias``), and with ``add_bias_kv``
``bias_k`` and ``bias_v`` (1, 1, E), appended to the keys and values.

Masks, as PyTorch reads them here (the opposite of ``scaled_dot_product_attention``'s bool masks):
``key_padding_mask`` (N, S) (unbatched: (S,)) and ``attn_mask`` (L, S) or (N*num_heads, L, S), bool with True
meaning "do not attend", or float, added to the scores. All heads run as one batched matmul. ``forward`` is
``F.multi_head_attention_forward``'s body with the layer's parameters (``nn/functional/multi_head_attention.py``).
"""
from __future__ import annotations

import math

from minigrad.backend import normalize_device, xp_for
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, positive_int, probability
from minigrad.nn.functional.multi_head_attention import attention_forward
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.linear import Linear


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
    Fully masked rows: see ``minigrad.nn.functional.attention``. Each projection (query, key, value, output),
    its bias included, runs as one fused node, ``LinearT`` (``minigrad.nn.projection``).
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
        separate = None if self._qkv_same_embed_dim else (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return attention_forward(
            "MultiheadAttention", query, key, value, num_heads=self.num_heads,
            dims=(self.embed_dim, self.kdim, self.vdim), in_proj_weight=self.in_proj_weight,
            in_proj_bias=self.in_proj_bias, separate=separate, bias_k=self.bias_k, bias_v=self.bias_v,
            add_zero_attn=self.add_zero_attn, dropout_p=self.dropout if self.training else 0.0,
            out_proj=self.out_proj,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            average_attn_weights=average_attn_weights, is_causal=is_causal, batch_first=self.batch_first)

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}")

