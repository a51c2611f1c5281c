"""Ops built from other ops pay for no identity reshape or transpose node (a view of the same shape).

Since ``x.reshape(x.shape)`` and ``x.permute(0, 1)`` give a view node of their own, as torch's (a user may write
through it), an op that reshapes a freshly computed tensor to the shape it already has added one node on every
call: GroupNorm(16, 16) on (N, 16, L) went from 13 to 14 nodes a step, tensordot of two (4, 5) over both dims
from 4 to 6, and every recorded backward (``create_graph=True``) of a reshape paid for another.
"""
import numpy as np

import minigrad as mg
from minigrad.ops.shape import Reshape, Transpose


def _identity_views(*outputs):
    """The Reshape/Transpose nodes in the graph of ``outputs`` whose output has their input's shape and order."""
    found, seen, stack = [], set(), [t.creator for t in outputs if t.creator is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        x = node.inputs[0] if node.inputs else None
        if isinstance(node, Reshape) and tuple(node.shape) == x.shape:
            found.append(f"Reshape to {x.shape}")
        if isinstance(node, Transpose) and tuple(node.axes) == tuple(range(x.ndim)):
            found.append(f"Transpose {node.axes}")
        stack.extend(t.creator for t in node.inputs or () if t.creator is not None)
    return found


def _t(*shape, seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_ops_built_from_others_record_no_identity_reshape_or_transpose():
    v, m, c = _t(6, 1), _t(4, 5), _t(3, 4)
    cases = {
        "GroupNorm(4, 4) on (2, 4, 5)": lambda: mg.nn.GroupNorm(4, 4)(_t(2, 4, 5)),
        "cumprod": lambda: mg.cumprod(v, 1),
        "logcumsumexp": lambda: mg.logcumsumexp(v, 1),
        "cummax": lambda: mg.cummax(v, 1)[0],
        "kthvalue": lambda: mg.kthvalue(c, 2, 1)[0],
        "mode": lambda: mg.mode(c, 1)[0],
        "quantile": lambda: mg.quantile(c, 0.3, dim=1),
        "tensordot": lambda: mg.tensordot(m, m, 2),
        "inner": lambda: mg.inner(m, m),
        "matrix_norm": lambda: mg.linalg.matrix_norm(m, "nuc"),
        "block_diag": lambda: mg.block_diag(m, c),
        "hstack": lambda: mg.hstack([m, m]),
        "atleast_2d": lambda: mg.atleast_2d(m),
    }
    found = {name: _identity_views(make()) for name, make in cases.items()}
    assert {name: views for name, views in found.items() if views} == {}


def test_a_recorded_backward_adds_no_identity_reshape_or_transpose():
    x, w = _t(3, 4), _t(4, seed=1)
    losses = {"chunk": lambda: sum((p * p).sum() for p in mg.chunk(x, 2, 1)),
              "matrix @ vector": lambda: ((x @ w) ** 2).sum(),
              "tensordot": lambda: mg.tensordot(x, x, 2) ** 2}
    found = {name: _identity_views(*mg.autograd.grad(loss(), [x], create_graph=True))
             for name, loss in losses.items()}
    assert {name: views for name, views in found.items() if views} == {}


def test_a_user_identity_reshape_or_permute_stays_a_view_node_of_its_own():
    x = _t(2, 3)
    assert _identity_views(x.reshape(2, 3)) == ["Reshape to (2, 3)"]
    assert _identity_views(x.permute(0, 1)) == ["Transpose (0, 1)"]
