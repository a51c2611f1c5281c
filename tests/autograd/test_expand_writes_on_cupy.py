"""Writes into an ``expand()``ed tensor are refused on CuPy too, by every writer.

NumPy marks a broadcast read-only, so a write into one fails there whatever the path; CuPy's ``broadcast_to`` is
a writable array whose repeated entries share memory (stride 0), so a writer that does not ask
``Tensor._refuse_read_only`` writes every alias at once without a word, and the expanded tensor's source with
it. The stand-in gives ``expand`` CuPy's writable broadcast.
"""
import importlib
import re
import types

import numpy as np
import pytest

import minigrad as mg

shape_module = importlib.import_module("minigrad.ops.shape")


def _writable_broadcast(x, shape):
    """CuPy's broadcast_to (cupy/_core/_routines_manipulation.pyx): a view with stride 0, writable."""
    return np.lib.stride_tricks.as_strided(x, shape, np.broadcast_to(x, shape).strides)


@pytest.fixture
def cupy_expand(monkeypatch):
    xp = types.SimpleNamespace(broadcast_to=_writable_broadcast)
    monkeypatch.setattr(shape_module, "get_array_module", lambda a: xp)


WRITERS = {
    "add(out=)": lambda e: mg.add(mg.ones(2, 3), 1.0, out=e),
    "matmul(out=)": lambda e: mg.matmul(mg.ones(2, 2), mg.ones(2, 3), out=e),
    "normal_()": lambda e: e.normal_(),
    "uniform_()": lambda e: e.uniform_(),
    "fill_diagonal_()": lambda e: e.fill_diagonal_(7.0),
    "bernoulli_()": lambda e: e.bernoulli_(0.5),
    "exponential_()": lambda e: e.exponential_(),
}


@pytest.mark.parametrize("what", list(WRITERS))
def test_every_writer_refuses_an_expanded_tensor_cupy_would_write_through(cupy_expand, what):
    x = mg.tensor([[1.0, 2.0, 3.0]])
    e = x.expand(2, 3)
    assert e.data.flags.writeable and e.data.strides[0] == 0   # CuPy's: nothing stops a write
    with pytest.raises(RuntimeError, match="^" + re.escape(f"{what}: this tensor (shape (2, 3)) is read-only: an "
                                                          "expand")):
        WRITERS[what](e)
    assert x.numpy().tolist() == [[1.0, 2.0, 3.0]]


@pytest.mark.parametrize("what", list(WRITERS))
def test_every_writer_refuses_an_expanded_tensor_with_one_message_on_numpy(what):
    # NumPy refused these with its own "assignment destination is read-only" (ValueError)
    e = mg.tensor([[1.0, 2.0, 3.0]]).expand(2, 3)
    with pytest.raises(RuntimeError, match=r"is read-only: an expand"):
        WRITERS[what](e)


@pytest.mark.parametrize("what", list(WRITERS))
def test_every_writer_refuses_an_expanded_tensor_on_every_device(device, what):
    x = mg.tensor([[1.0, 2.0, 3.0]], device=device)
    with pytest.raises(RuntimeError, match=r"is read-only: an expand"):
        WRITERS[what](x.expand(2, 3))   # out= is refused before its device is compared with the result's
    assert x.numpy().tolist() == [[1.0, 2.0, 3.0]]
