"""Weight tying between an ``Embedding`` and a ``Linear`` (torch's ``lm_head.weight = wte.weight`` idiom).

In torch both layers store a vocabulary weight as (vocab, dim), so tying is plain sharing. minigrad's ``Linear``
stores (in, out), the transpose. So each layer marks the weight it makes with its layout (``mark_layout``), and a
layer handed the other layer's weight reads it transposed (``tied_view``): the same Parameter, trained once, used
by both layers as torch's tied layers use it. The mark lives on the Parameter, so it follows the tie whichever
way round it is written.
"""
from __future__ import annotations

#: The Parameter attribute holding the layout of the layer that made it.
LAYOUT = "tied_layout"
IN_OUT = "(in_features, out_features)"        # Linear.weight
ROWS = "(num_embeddings, embedding_dim)"      # Embedding.weight


def mark_layout(parameter, layout: str) -> None:
    """Record on ``parameter`` the layout of the layer that made it."""
    setattr(parameter, LAYOUT, layout)


def tied_view(layer, weight, expected_shape):
    """``weight.T`` for ``layer``, which shares a weight made by a layer of the other layout; ``expected_shape``
    is the shape that weight must have for the tie to fit ``layer``."""
    if tuple(weight.shape) != tuple(expected_shape):
        raise ValueError(
            f"{type(layer).__name__}: its weight is tied to a weight of layout {getattr(weight, LAYOUT)} and shape "
            f"{tuple(weight.shape)}, which does not fit this layer ({layer.extra_repr()}): a tied weight must have "
            f"shape {tuple(expected_shape)}")
    return weight.T
