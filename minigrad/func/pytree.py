"""Tensors nested in tuples, lists and dicts (PyTorch's "pytrees"), flattened to a list and rebuilt."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor


def flatten(tree, what, caller):
    """(the Tensors of ``tree`` in order, a function rebuilding the tree from such a list)."""
    leaves = []

    def walk(node):
        if isinstance(node, Tensor):
            leaves.append(node)
            return None
        if isinstance(node, (tuple, list)):
            return (type(node), [walk(item) for item in node])
        if isinstance(node, dict):
            return (dict, [(key, walk(value)) for key, value in node.items()])
        raise TypeError(f"{caller}: {what} must be a Tensor or a tuple/list/dict of Tensors, "
                        f"found a {type(node).__name__}")

    spec = walk(tree)

    def rebuild(values):
        values = iter(values)

        def build(s):
            if s is None:
                return next(values)
            kind, items = s
            if kind is dict:
                return {key: build(sub) for key, sub in items}
            return kind(build(sub) for sub in items)
        return build(spec)

    return leaves, rebuild
