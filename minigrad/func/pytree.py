"""Tensors nested in tuples, lists and dicts (PyTorch's "pytrees"), flattened to a list and rebuilt; and general
pytrees (any leaves) with torch's prefix rule for vmap's in_dims/out_dims."""
from __future__ import annotations

from collections import OrderedDict

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


# ---- general pytrees (vmap's arguments and outputs): any object that is not a container is a leaf, None included,
# as in torch.utils._pytree. A spec is LEAF or (container type, dict keys or None, child specs).
LEAF = "*"


def _node(tree):
    """(type, keys, children) when ``tree`` is a container pytrees descend into, else None."""
    kind = type(tree)
    if kind in (tuple, list) or (issubclass(kind, tuple) and hasattr(kind, "_fields")):   # namedtuples too
        return kind, None, list(tree)
    if kind in (dict, OrderedDict):
        return kind, tuple(tree), list(tree.values())
    return None


def tree_flatten(tree):
    """(the leaves of ``tree`` in order, its spec): tuples, lists, namedtuples and dicts are descended into."""
    leaves = []

    def walk(node):
        parts = _node(node)
        if parts is None:
            leaves.append(node)
            return LEAF
        kind, keys, children = parts
        return (kind, keys, tuple(walk(c) for c in children))

    return leaves, walk(tree)


def tree_unflatten(spec, leaves):
    """The tree of ``spec`` with ``leaves`` (in order) in place of its leaves."""
    values = iter(leaves)

    def build(s):
        if s == LEAF:
            return next(values)
        kind, keys, children = s
        built = [build(c) for c in children]
        if keys is not None:
            return kind(zip(keys, built))
        return kind(*built) if hasattr(kind, "_fields") else kind(built)

    return build(spec)


def count_leaves(spec):
    return 1 if spec == LEAF else sum(count_leaves(c) for c in spec[2])


def broadcast_prefix(prefix, spec):
    """One value per leaf of ``spec``: ``prefix`` is a tree whose leaves stand for whole subtrees of ``spec``
    (torch's in_dims/out_dims rule). None when ``prefix`` does not match the structure."""
    out = []

    def walk(p, s):
        if _node(p) is None:
            out.extend([p] * count_leaves(s))
            return True
        if s == LEAF:
            return False
        kind, keys, children = _node(p)
        s_kind, s_keys, s_children = s
        if kind is not s_kind or len(children) != len(s_children):
            return False
        if keys is not None:
            if set(keys) != set(s_keys):
                return False
            by_key = dict(zip(keys, children))
            children = [by_key[k] for k in s_keys]
        return all(walk(c, sc) for c, sc in zip(children, s_children))

    return out if walk(prefix, spec) else None


def spec_str(spec):
    """A short picture of a structure: ``*`` a leaf, ``(*, [*, *])`` a tuple holding a leaf and a list."""
    if spec == LEAF:
        return LEAF
    kind, keys, children = spec
    inner = [spec_str(c) for c in children]
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(keys, inner)) + "}"
    if kind is list:
        return "[" + ", ".join(inner) + "]"
    body = ", ".join(inner) + ("," if len(inner) == 1 else "")
    return (kind.__name__ if kind is not tuple else "") + "(" + body + ")"
