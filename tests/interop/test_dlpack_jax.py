"""Zero-copy exchange with JAX (CPU) through DLPack, both ways.

JAX arrays are immutable, so sharing is checked by data pointers (JAX's
``unsafe_buffer_pointer()`` against NumPy's ``__array_interface__``), not by writes.
XLA aliases host memory only at 64-byte alignment and copies otherwise; NumPy
allocates at 16, so tensors handed to JAX here are built on 64-byte-aligned memory.
"""
import subprocess
import sys

import numpy as np
import pytest

import jax  # the dev extra installs jax (its CPU build), so CI runs these
import jax.numpy as jnp

import minigrad as mg

SMALL_DTYPES = ["float32", "float16", "int8", "int16", "int32", "uint8", "uint32", "bool", "complex64"]
WIDE_DTYPES = ["float64", "int64", "uint64", "complex128"]  # JAX keeps these only with jax_enable_x64


def test_import_minigrad_does_not_import_jax():  # first: it forks, before JAX's backend has threads
    code = "import sys, minigrad, minigrad.dlpack; t = minigrad.tensor([1.0]); print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _jax_x64(enabled):
    """JAX's 64-bit types on or off for one test, and back to what they were after it."""
    previous = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", enabled)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


@pytest.fixture
def x64():
    yield from _jax_x64(True)


@pytest.fixture
def x32():
    yield from _jax_x64(False)


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def _aligned(values) -> np.ndarray:
    """A copy of ``values`` on 64-byte-aligned memory (what XLA needs to alias a host buffer)."""
    values = np.asarray(values)
    raw = np.empty(values.nbytes + 64, np.uint8)
    start = -raw.ctypes.data % 64
    out = raw[start:start + values.nbytes].view(values.dtype).reshape(values.shape)
    out[...] = values
    return out


def _values(dtype, shape=(2, 3)):
    return (np.arange(int(np.prod(shape))) % 5).astype(dtype).reshape(shape)


def _jax_to_minigrad(dtype, shape=(2, 3)):
    a = jnp.asarray(_values(dtype, shape))
    assert a.dtype == np.dtype(dtype)
    t = mg.from_dlpack(a)
    assert t.shape == shape and t.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(t.numpy(), np.asarray(a))
    assert _address(t.data) == a.unsafe_buffer_pointer()  # one buffer: no copy
    assert t.is_leaf and not t.requires_grad
    assert not t.data.flags.writeable  # JAX's memory is immutable, and arrives read-only


def _minigrad_to_jax(dtype, shape=(2, 3)):
    t = mg.Tensor(_aligned(_values(dtype, shape)))
    for consume in (jax.dlpack.from_dlpack, jnp.from_dlpack):
        a = consume(t)
        assert a.shape == shape and a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(np.asarray(a), t.numpy())
        assert a.unsafe_buffer_pointer() == _address(t.data)
    assert jax.dlpack.from_dlpack(t, copy=False).unsafe_buffer_pointer() == _address(t.data)


@pytest.mark.parametrize("dtype", SMALL_DTYPES)
def test_jax_array_into_minigrad_shares_memory(dtype):
    _jax_to_minigrad(dtype)


@pytest.mark.parametrize("dtype", SMALL_DTYPES)
def test_minigrad_tensor_into_jax_shares_memory(dtype):
    _minigrad_to_jax(dtype)


@pytest.mark.parametrize("dtype", WIDE_DTYPES)
def test_64_bit_types_both_ways_with_x64(x64, dtype):
    _jax_to_minigrad(dtype)
    _minigrad_to_jax(dtype)


def test_without_x64_jax_narrows_a_float64_tensor_into_a_float32_copy(x32):
    t = mg.Tensor(_aligned(_values("float64")))
    a = jnp.from_dlpack(t)
    assert a.dtype == np.float32 and a.unsafe_buffer_pointer() != _address(t.data)
    np.testing.assert_array_equal(np.asarray(a), t.numpy().astype(np.float32))


def test_zero_dimensional_both_ways():
    _jax_to_minigrad("float32", shape=())
    _minigrad_to_jax("float32", shape=())
    _minigrad_to_jax("int32", shape=())


def test_a_transposed_tensor_reaches_jax_without_copy():
    base = mg.Tensor(_aligned(np.arange(12, dtype=np.float32).reshape(3, 4)))
    t = base.T  # strides (4, 16): a transposition of a compact buffer, which DLPack and JAX accept
    assert not t.data.flags.c_contiguous
    a = jnp.from_dlpack(t)
    assert a.shape == (4, 3) and a.unsafe_buffer_pointer() == _address(base.data)
    np.testing.assert_array_equal(np.asarray(a), t.numpy())
    swapped = mg.Tensor(_aligned(np.arange(24, dtype=np.float32).reshape(2, 3, 4))).transpose(2, 0, 1)
    np.testing.assert_array_equal(np.asarray(jnp.from_dlpack(swapped)), swapped.numpy())


def test_a_transposed_jax_array_into_minigrad():
    a = jnp.arange(12.0, dtype=jnp.float32).reshape(3, 4).T  # JAX lays the result out afresh, row-major
    t = mg.from_dlpack(a)
    assert t.shape == (4, 3) and _address(t.data) == a.unsafe_buffer_pointer()
    np.testing.assert_array_equal(t.numpy(), np.arange(12.0).reshape(3, 4).T)


def test_a_reversed_view_reaches_jax_as_a_compact_copy():
    # a negative stride goes out as a copy (PyTorch's reader aborts on one); JAX refused it before
    base = mg.Tensor(_aligned(np.arange(12, dtype=np.float32).reshape(3, 4)))
    t = mg.Tensor(base.data[::-1])
    np.testing.assert_array_equal(np.asarray(jnp.from_dlpack(t)), t.numpy())


@pytest.mark.parametrize("view", ["stepped"])
def test_a_strided_view_jax_cannot_alias_is_refused_by_jax(view):
    base = mg.Tensor(_aligned(np.arange(12, dtype=np.float32).reshape(3, 4)))
    t = base[:, ::2]
    np.testing.assert_array_equal(np.from_dlpack(t), t.numpy())  # DLPack carries it: NumPy takes it
    with pytest.raises(jax.errors.JaxRuntimeError, match=r"compact\) striding"):
        jnp.from_dlpack(t)
    copy = mg.tensor(t, dtype=t.dtype)  # the way out: a compact copy
    np.testing.assert_array_equal(np.asarray(jnp.from_dlpack(copy)), t.numpy())


def test_read_only_memory_cannot_go_back_to_jax_and_says_why():
    t = mg.from_dlpack(jnp.arange(4.0, dtype=jnp.float32))
    with pytest.raises(BufferError, match=r"Tensor\.__dlpack__: cannot export a tensor of shape \(4,\), dtype "
                                          r"float32.*read-only.*mg\.tensor\(t, dtype=t\.dtype\)"):
        jnp.from_dlpack(t)
    np.testing.assert_array_equal(np.asarray(jnp.from_dlpack(mg.tensor(t, dtype=t.dtype))), [0, 1, 2, 3])
    assert np.from_dlpack(t).base is not None  # a newer-DLPack consumer (NumPy) still takes it, read-only


def test_unaligned_memory_reaches_jax_as_a_copy_and_copy_false_refuses():
    raw = _aligned(np.arange(17, dtype=np.float32))
    t = mg.Tensor(raw[1:])  # 4 bytes past a 64-byte boundary
    a = jnp.from_dlpack(t)
    assert a.unsafe_buffer_pointer() != _address(t.data)
    np.testing.assert_array_equal(np.asarray(a), t.numpy())
    with pytest.raises(ValueError, match="not aligned to 64 bytes"):
        jax.dlpack.from_dlpack(t, copy=False)


def test_a_dtype_numpy_lacks_is_one_clear_error():
    with pytest.raises(BufferError, match=r"from_dlpack: cannot take a \w+ of shape \(3,\) and dtype bfloat16"):
        mg.from_dlpack(jnp.ones(3, dtype=jnp.bfloat16))


def test_gradients_do_not_cross_into_or_out_of_jax():
    t = mg.from_dlpack(jnp.arange(3.0, dtype=jnp.float32), requires_grad=True)
    (t * t).sum().backward()  # a new graph starts here; t's data stays JAX's
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 2.0, 4.0])
    w = mg.Tensor(_aligned(np.ones(3, np.float32)), requires_grad=True)
    out = jax.grad(lambda a: (a * a).sum())(jnp.from_dlpack(w))  # JAX sees values, not our graph
    np.testing.assert_array_equal(np.asarray(out), [2.0, 2.0, 2.0])
    assert w.grad is None


def test_jax_gpu_exchange(device):
    """Written without a GPU to run it on: it has never run (see docs/interop.md)."""
    if device == "cpu":
        pytest.skip("runs when MINIGRAD_TEST_DEVICES lists a GPU and jax has its CUDA build")
    try:
        gpu = jax.devices("gpu")[0]
    except RuntimeError:
        pytest.skip("this jax is its CPU build (the dev extra's); `pip install jax[cuda12]` runs this test")
    a = jax.device_put(jnp.arange(8, dtype=jnp.float32), gpu)
    t = mg.from_dlpack(a)
    assert t.device.startswith("cuda") and t.data.data.ptr == a.unsafe_buffer_pointer()
    np.testing.assert_array_equal(t.numpy(), np.arange(8, dtype=np.float32))
    u = mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), device=device)
    b = jnp.from_dlpack(u)
    assert b.shape == (2, 3) and b.unsafe_buffer_pointer() == u.data.data.ptr
    np.testing.assert_array_equal(np.asarray(b), u.numpy())
