"""``EmbeddingBag``: a learned table whose rows are summed, averaged or maxed over bags of indices (PyTorch's)."""
from __future__ import annotations

from minigrad.backend import device_of, normalize_device, xp_for
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, positive_int
from minigrad.nn.functional.embedding_bag import MODES, check_padding_idx, embedding_bag
from minigrad.nn.layer import Layer, Parameter
from minigrad.ops._args import check_flag
from minigrad.ops.embedding_renorm import check_max_norm

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Layer):
    """``F.embedding_bag(input, weight, offsets, mode=mode, per_sample_weights=..., ...)`` with a learned ``weight``
    (num_embeddings, embedding_dim) drawn from N(0, 1), the ``padding_idx`` row zero, as PyTorch's.

    ``forward(input, offsets=None, per_sample_weights=None)``: a 2-D input is one bag per row, a 1-D one is cut at
    ``offsets``; gives (bags, embedding_dim). ``max_norm`` rescales the rows looked up in place first (as
    ``Embedding``'s); ``scale_grad_by_freq`` divides each position's gradient by how often its index occurs in the
    input ('sum' and 'mean'; 'max' refuses it when called, as torch's); ``sparse`` is refused (as by ``Embedding``);
    ``_weight`` starts the table from the given values.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, _weight=None,
                 include_last_offset: bool = False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = positive_int("EmbeddingBag", "num_embeddings", num_embeddings)
        self.embedding_dim = positive_int("EmbeddingBag", "embedding_dim", embedding_dim)
        if mode not in MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        scale_grad_by_freq = check_flag("EmbeddingBag", "scale_grad_by_freq", scale_grad_by_freq)
        if sparse:
            raise ValueError("EmbeddingBag: sparse gradients are not supported (neither are they by Embedding), got "
                             f"sparse={sparse!r}")
        check_max_norm("EmbeddingBag", max_norm, norm_type)
        self.max_norm, self.norm_type, self.sparse = max_norm, norm_type, False
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode, self.include_last_offset = mode, bool(include_last_offset)
        self.padding_idx = check_padding_idx("EmbeddingBag", padding_idx, self.num_embeddings)
        dtype = floating_dtype("EmbeddingBag", dtype)
        xp = xp_for(normalize_device(device))
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(xp.zeros(shape, dtype=dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != shape:
                raise ValueError(f"EmbeddingBag: _weight of shape {tuple(_weight.shape)} does not match "
                                 f"(num_embeddings, embedding_dim) = {shape}")
            self.weight = Parameter(_weight)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm=None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx=None):
        """An EmbeddingBag whose weight is a copy of ``embeddings`` (a 2-D Tensor or array; its padding row kept as
        given), frozen (``requires_grad=False``) unless ``freeze=False``, as ``torch.nn.EmbeddingBag.from_pretrained``
        (which shares the tensor; ``Embedding.from_pretrained`` copies it here too)."""
        data = embeddings.data if hasattr(embeddings, "requires_grad") else embeddings
        if getattr(data, "ndim", None) != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D (num_embeddings, embedding_dim), "
                             f"got shape {tuple(getattr(data, 'shape', ()))}")
        layer = cls(data.shape[0], data.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                    include_last_offset=include_last_offset, padding_idx=padding_idx, dtype=data.dtype,
                    device=device_of(data))
        layer.weight.data[...] = data
        layer.weight.requires_grad = not freeze
        return layer

    def reset_parameters(self):
        """N(0, 1) entries; the padding row (if any) zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             mode=self.mode, per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset, padding_idx=self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        text += "" if self.max_norm is None else f", max_norm={self.max_norm}"
        text += "" if self.norm_type == 2 else f", norm_type={self.norm_type}"
        text += ", scale_grad_by_freq=True" if self.scale_grad_by_freq else ""
        text += f", mode='{self.mode}'"
        return text + ("" if self.padding_idx is None else f", padding_idx={self.padding_idx}")
