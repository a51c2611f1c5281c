"""``torch.layout``'s values: how a tensor's elements are stored.

``strided`` is every ``Tensor`` (one dense array); ``sparse_coo`` is ``minigrad.sparse``'s COO tensor (an index
array and the values at those indices). minigrad has no compressed layouts (CSR, CSC, BSR): naming one is refused
where a layout is taken (``Tensor.to_sparse(layout=...)``).
"""
from __future__ import annotations


class layout:  # noqa: N801  (torch's name)
    """One storage layout, compared by identity (or with its name, a string); ``str`` gives the name (``sparse_coo``),
    as a sparse tensor's repr shows it."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __str__(self):
        return self.name

    def __eq__(self, other):
        if isinstance(other, str):   # the older spelling: Tensor.layout == "strided"
            return other == self.name
        return self is other

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):   # copies and pickles stay the one instance
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
