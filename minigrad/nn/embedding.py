"""``Embedding``: a learned table of ``num_embeddings`` vectors, looked up by integer index."""
from __future__ import annotations

from minigrad.autograd.mode import no_grad
from minigrad.backend import device_of, normalize_device, xp_for
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, positive_int
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.tied_weights import IN_OUT, LAYOUT, ROWS, mark_layout, tied_view
from minigrad.ops._args import check_flag
from minigrad.ops.embedding import embedding
from minigrad.ops.embedding_renorm import check_max_norm
from minigrad.scalars import is_integer


class Embedding(Layer):
    """``weight[index]`` with ``weight`` (num_embeddings, embedding_dim) drawn from N(0, 1), as PyTorch.

    With ``padding_idx`` that row starts at zero and never receives a gradient, so it
    stays whatever it is (zero unless set). With ``max_norm`` each forward first rescales, in place and without
    gradient, the rows it looks up whose ``norm_type``-norm exceeds it (``F.embedding``'s, torch's). Index arrays
    of any shape give index.shape + (embedding_dim,). The gradient adds up over repeated indices; with
    ``scale_grad_by_freq`` each position's share is first divided by how often its index occurs in the batch.

    The weight may be tied to a ``Linear`` head's (``emb.weight = head.weight``, nanoGPT's idiom): that weight is
    (embedding_dim, num_embeddings) in Linear's (in, out) layout, and is looked up transposed (see ``Linear``).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None, max_norm=None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False, _weight=None,
                 _freeze: bool = False, *, device=None, dtype=None):
        # PyTorch's positions; device and dtype keyword-only, as there. sparse (sparse gradients, for SparseAdam)
        # is not implemented: its default is accepted, anything else refused.
        super().__init__()
        num_embeddings = positive_int("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = positive_int("Embedding", "embedding_dim", embedding_dim)
        for name, value in (("max_norm", max_norm), ("norm_type", norm_type)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise TypeError(f"Embedding: {name} must be a number, got {value!r} (device= and dtype= are "
                                "keyword-only, as in PyTorch)")
        check_max_norm("Embedding", max_norm, norm_type)
        scale_grad_by_freq = check_flag("Embedding", "scale_grad_by_freq", scale_grad_by_freq)
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported (minigrad has none; drop sparse=True and "
                             f"use a dense optimizer such as Adam), got sparse={sparse!r}")
        self.max_norm, self.norm_type, self.sparse = max_norm, norm_type, False
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if not is_integer(padding_idx) or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be an integer in [-{num_embeddings}, "
                                 f"{num_embeddings}), got {padding_idx!r}")
            padding_idx = int(padding_idx) % num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        xp = xp_for(normalize_device(device))
        if dtype is None and _weight is not None:   # torch's layer takes _weight's dtype then
            dtype = (_weight.data if hasattr(_weight, "requires_grad") else _weight).dtype
        self.weight = Parameter(xp.zeros((num_embeddings, embedding_dim), dtype=floating_dtype("Embedding", dtype)))
        mark_layout(self.weight, ROWS)
        if _weight is None:
            self.reset_parameters()
        else:   # torch's _weight: the table starts from these values, as given (the padding row is not zeroed)
            data = _weight.data if hasattr(_weight, "requires_grad") else _weight
            if tuple(data.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {tuple(data.shape)} does not match "
                                 f"(num_embeddings, embedding_dim) = {(num_embeddings, embedding_dim)}")
            self.weight.data[...] = data
        self.weight.requires_grad = not _freeze

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None, max_norm=None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False):
        """An Embedding whose weight is a copy of ``embeddings`` (a 2-D Tensor or array), frozen
        (``requires_grad=False``) unless ``freeze=False``, as ``torch.nn.Embedding.from_pretrained``."""
        data = embeddings.data if hasattr(embeddings, "requires_grad") else embeddings
        if getattr(data, "ndim", None) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (num_embeddings, embedding_dim), "
                             f"got shape {tuple(getattr(data, 'shape', ()))}")
        layer = cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                    dtype=data.dtype, device=device_of(data))
        layer.weight.data[...] = data
        layer.weight.requires_grad = not freeze
        return layer

    def reset_parameters(self):
        """N(0, 1) entries; the padding row (if any) zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, index):
        weight = self.weight
        if getattr(weight, LAYOUT, None) == IN_OUT:   # a Linear's (in, out) weight, tied to this layer
            shape = (self.embedding_dim, self.num_embeddings)
            if self.max_norm is not None:
                # Renormalize the shared table before its transposed view enters the graph: written after, it
                # would make that node refuse to backward. The lookup here is thrown away.
                with no_grad():
                    embedding(index, tied_view(self, weight, shape), None, self.max_norm, self.norm_type)
            return embedding(index, tied_view(self, weight, shape), self.padding_idx,
                             scale_grad_by_freq=self.scale_grad_by_freq)
        return embedding(index, weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        text += "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        text += "" if self.max_norm is None else f", max_norm={self.max_norm}"
        text += "" if self.norm_type == 2 else f", norm_type={self.norm_type}"
        return text + (", scale_grad_by_freq=True" if self.scale_grad_by_freq else "")
