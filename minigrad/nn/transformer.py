"""The Transformer layers (Vaswani et al. 2017) with PyTorch's arguments, submodules and state-dict names.

``TransformerEncoderLayer`` holds ``self_attn`` (``MultiheadAttention``), ``linear1``, ``dropout``, ``linear2``,
``norm1``, ``norm2``, ``dropout1``, ``dropout2``; ``TransformerDecoderLayer`` adds ``multihead_attn``, ``norm3``
and ``dropout3``; ``TransformerEncoder`` / ``TransformerDecoder`` hold ``layers`` (a ``ModuleList`` of deep
copies) and ``norm``; ``Transformer`` holds ``encoder`` and ``decoder``. So ``load_state_dict(from_torch(model,
torch_model.state_dict()))`` loads a torch model's weights (``Linear`` weights transposed by ``from_torch``).

``norm_first=False`` is the post-norm block ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; ``norm_first=True``
the pre-norm block ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, with ``ff(x) = linear2(dropout(act(linear1(x))))``.

Where minigrad differs: PyTorch's inference fast path (eval mode, no gradients, batch_first...) turns an
encoder input with ``src_key_padding_mask`` into a nested tensor and returns 0 at the padded positions (before
the final norm); minigrad always runs the regular path, which PyTorch also runs when gradients are recorded,
so padded positions carry their computed values. ``enable_nested_tensor`` and ``mask_check`` are accepted and
ignored.
"""
from __future__ import annotations

import copy

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import normalize_device, xp_for
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, nonnegative_int, positive_int, probability
from minigrad.nn.attention import MultiheadAttention, torch_linear
from minigrad.nn.dropout import Dropout
from minigrad.nn.layer import Layer
from minigrad.nn.module_list import ModuleList
from minigrad.nn.normalization import LayerNorm


def _activation(name, activation):
    """'relu' -> F.relu, 'gelu' -> F.gelu, a callable as is (a function or a layer such as nn.GELU())."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise ValueError(f"{name}: activation should be 'relu', 'gelu' or a callable, not {activation!r}")
    if not callable(activation):
        raise ValueError(f"{name}: activation should be 'relu', 'gelu' or a callable, not {activation!r}")
    return activation


class _Block(Layer):
    """What the encoder and decoder layers share: the checks, the feed-forward part and the first norms."""

    def _build(self, name, d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
               norm_first, bias, device, dtype, cross):
        d_model = positive_int(name, "d_model", d_model)
        dim_feedforward = positive_int(name, "dim_feedforward", dim_feedforward)
        probability(name, "dropout", dropout)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            device=device, dtype=dtype)
        if cross:
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                     batch_first=batch_first, device=device, dtype=dtype)
        self.linear1 = torch_linear(d_model, dim_feedforward, bias, device, dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = torch_linear(dim_feedforward, d_model, bias, device, dtype)
        self.norm_first = bool(norm_first)
        norms = 3 if cross else 2
        for i in range(1, norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype))
        for i in range(1, norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(name, activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x, last_dropout):
        return last_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_Block):
    """Self-attention and a feed-forward network, each with a residual connection and a LayerNorm
    (``torch.nn.TransformerEncoderLayer``). ``forward(src, src_mask=None, src_key_padding_mask=None,
    is_causal=False)``: src (S, N, E) (``batch_first``: (N, S, E); unbatched (S, E)); the masks as
    ``MultiheadAttention``'s ``attn_mask`` and ``key_padding_mask``."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self._build("TransformerEncoderLayer", d_model, nhead, dim_feedforward, dropout, activation,
                    layer_norm_eps, batch_first, norm_first, bias, device, dtype, cross=False)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Block):
    """Self-attention, attention over the encoder's output (``memory``) and a feed-forward network, each with
    a residual connection and a LayerNorm (``torch.nn.TransformerDecoderLayer``). ``forward(tgt, memory,
    tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    tgt_is_causal=False, memory_is_causal=False)``."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self._build("TransformerDecoderLayer", d_model, nhead, dim_feedforward, dropout, activation,
                    layer_norm_eps, batch_first, norm_first, bias, device, dtype, cross=True)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x, self.dropout3))

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)


def _clones(name, layer, kind, num_layers):
    if not isinstance(layer, kind):
        raise TypeError(f"{name}: expected a {kind.__name__} to copy, got {type(layer).__name__}")
    positive_int(name, "num_layers", num_layers)
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Layer):
    """``num_layers`` deep copies of ``encoder_layer`` in ``layers``, then ``norm`` if given
    (``torch.nn.TransformerEncoder``). ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, TransformerEncoderLayer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor  # PyTorch's inference fast path; ignored here
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        # is_causal=None: PyTorch checks whether the mask is the causal one only to pick a faster kernel.
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Layer):
    """``num_layers`` deep copies of ``decoder_layer`` in ``layers``, then ``norm`` if given
    (``torch.nn.TransformerDecoder``). ``forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, TransformerDecoderLayer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=bool(tgt_is_causal),
                           memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Layer):
    """An encoder-decoder Transformer (``torch.nn.Transformer``): ``encoder`` (a ``TransformerEncoder`` with a
    final LayerNorm, or ``custom_encoder``) and ``decoder`` likewise. Every parameter of 2 or more dims is
    re-drawn Xavier-uniform, as in PyTorch. ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None,
    tgt_is_causal=None, memory_is_causal=False)`` returns the decoder's output, shaped as ``tgt``."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, bias=bias,
                       device=device, dtype=dtype)

        def stack(custom, layer_class, stack_class, num_layers):   # the custom stack, or the default one
            if custom is not None:
                return custom
            layer = layer_class(d_model, nhead, **options)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
            return stack_class(layer, num_layers, norm)

        self.encoder = stack(custom_encoder, TransformerEncoderLayer, TransformerEncoder, num_encoder_layers)
        self.decoder = stack(custom_decoder, TransformerDecoderLayer, TransformerDecoder, num_decoder_layers)
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model = int(d_model)
        self.nhead = int(nhead)
        self.batch_first = bool(batch_first)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        for arg, x in (("src", src), ("tgt", tgt)):
            if not isinstance(x, Tensor):
                raise TypeError(f"Transformer: {arg} must be a Tensor, got {type(x).__name__}")
        axis = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[axis] != tgt.shape[axis]):
            raise ValueError(f"Transformer: the batch number of src and tgt must be equal; got src "
                             f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(f"Transformer: the feature number of src and tgt must be equal to d_model="
                             f"{self.d_model}; got src {tuple(src.shape)} and tgt {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """A float (sz, sz) mask: -inf above the main diagonal, 0 on and below it (``dtype``: the default float dtype
        unless given); sz = 0 gives the empty (0, 0) mask."""
        sz = nonnegative_int("Transformer.generate_square_subsequent_mask", "sz", sz)   # 0: (0, 0), as PyTorch's
        dtype = floating_dtype("Transformer.generate_square_subsequent_mask", dtype)   # None: the default float
        xp = xp_for(normalize_device(device))
        mask = xp.where(xp.tri(sz, sz, dtype=bool), dtype.type(0), dtype.type(-np.inf)).astype(dtype)
        return Tensor(mask)
