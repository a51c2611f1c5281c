"""No float64 array anywhere in a float32 training step of the MNIST MLP.

One step of the 784-1000-50-10 ReLU MLP (with dropout, as ``minigrad train``
builds it) under cross-entropy, for every first-order optimizer. Checked:
every array reachable from the loss through ``tensor.creator.inputs`` (inputs,
outputs, and the arrays that graph nodes keep for their backward), the
gradient arriving at every graph tensor (through hooks), every parameter, every
``.grad`` and every array in the optimizer's state, after two steps (the second
runs the steady-state update paths).
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

OPTIMIZERS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adagrad", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("Adadelta", dict()),
    ("Adam", dict(lr=1e-3)),
    ("Adam", dict(lr=1e-3, amsgrad=True, weight_decay=1e-4)),
    ("AdamW", dict(lr=1e-3)),
    ("Adamax", dict(lr=2e-3)),
    ("NAdam", dict(lr=2e-3)),
    ("RAdam", dict(lr=1e-3)),
    ("Rprop", dict()),
    ("ASGD", dict(t0=0)),
]


def _mnist_mlp():
    return nn.Network(nn.Linear(784, 1000), nn.ReLU(), nn.Dropout(0.2), nn.Linear(1000, 50), nn.ReLU(),
                      nn.Dropout(0.2), nn.Linear(50, 10))


def _batch(n=32):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.random((n, 784), dtype=np.float32))
    y = mg.tensor(rng.integers(0, 10, n))
    return x, y


def _arrays_in(value, depth=0):
    """NumPy/CuPy arrays inside a value (arrays, Tensors, lists, tuples, dicts), not descending into Functions."""
    if hasattr(value, "dtype") and hasattr(value, "shape") and not isinstance(value, mg.Tensor):
        yield value
    elif isinstance(value, mg.Tensor):
        yield value.data
    elif isinstance(value, (list, tuple)) and depth < 3:
        for v in value:
            yield from _arrays_in(v, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for v in value.values():
            yield from _arrays_in(v, depth + 1)


def _walk_graph(loss):
    """(description, array) for every array the graph behind ``loss`` holds, walking creator.inputs."""
    found, seen_t, seen_fn = [], set(), set()
    stack = [loss]
    while stack:
        t = stack.pop()
        if id(t) in seen_t:
            continue
        seen_t.add(id(t))
        found.append((f"tensor {tuple(t.shape)}", t.data))
        fn = t.creator
        if fn is None or id(fn) in seen_fn:
            continue
        seen_fn.add(id(fn))
        saved = [getattr(fn, name, None) for name in ("_output_data",)]
        saved += list(getattr(fn, "__dict__", {}).values())
        for a in _arrays_in(saved):
            found.append((f"{type(fn).__name__} saved array {tuple(a.shape)}", a))
        for x in fn.inputs:
            stack.append(x)
    return found, seen_t


def _assert_no_float64(items, what):
    bad = [(name, a.dtype) for name, a in items if a.dtype.kind == "f" and a.dtype != np.float32]
    assert not bad, f"{what}: non-float32 floating arrays: {bad[:10]}"


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{'-'.join(k)}" if k else n for n, k in OPTIMIZERS])
def test_float32_step_keeps_every_array_float32(name, kwargs):
    mg.manual_seed(0)
    model = _mnist_mlp()
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    x, y = _batch()
    for step in range(2):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        items, tensors = _walk_graph(loss)
        assert len(tensors) > 10, "the walk should reach the whole graph"
        _assert_no_float64(items, f"graph of step {step}")
        assert loss.dtype == np.float32

        grads = []
        stack, seen = [loss], set()
        while stack:                                     # hooks on every non-leaf: the gradients flowing back
            t = stack.pop()
            if id(t) in seen or t.creator is None:
                continue
            seen.add(id(t))
            t.register_hook(lambda g, t=t: grads.append((f"grad of {tuple(t.shape)}", g.data)))
            stack.extend(t.creator.inputs)
        loss.backward()
        assert grads, "hooks saw no gradient"
        _assert_no_float64(grads, f"backward of step {step}")
        opt.step()

        params = model.parameters()
        _assert_no_float64([(f"parameter {tuple(p.shape)}", p.data) for p in params], "parameters")
        assert all(p.grad is not None for p in params)
        _assert_no_float64([(f"grad {tuple(p.shape)}", p.grad.data) for p in params], "gradients")
        state = [(f"{name} state {key}", a) for p in params for key, v in opt.state.get(p, {}).items()
                 for a in _arrays_in(v)]
        _assert_no_float64(state, f"{name} state")
        if kwargs.get("momentum") or name not in ("SGD",):
            assert state, f"{name} should keep array state"
