"""Zero-copy exchange through DLPack and np.asarray; no gradient crosses."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend


def test_numpy_and_minigrad_share_memory_both_ways(device):
    if device != "cpu":
        pytest.skip("NumPy holds host memory only")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mg.from_dlpack(a)
    assert t.is_leaf and not t.requires_grad and t.dtype == np.float32
    a[0, 0] = 42.0
    assert t.data[0, 0] == 42.0
    b = np.from_dlpack(t)
    assert np.shares_memory(b, a)


def test_pytorch_and_minigrad_share_memory_both_ways():
    source = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    t = mg.from_dlpack(source)
    assert t.shape == (3, 4) and t.dtype == np.float64
    source[1, 2] = -7.0
    assert t.data[1, 2] == -7.0

    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    view = torch.from_dlpack(w)
    assert not view.requires_grad  # memory crosses, the graph does not
    view[0, 1] = 9.0
    assert w.data[0, 1] == 9.0


def test_cupy_exchange_on_the_gpu(device):
    if device == "cpu":
        pytest.skip("runs when MINIGRAD_TEST_DEVICES lists a GPU")
    cp = backend.xp_for("cuda:0")
    a = cp.arange(5, dtype=cp.float32)
    t = mg.from_dlpack(a)
    assert t.device == "cuda:0"
    a[0] = 3.0
    assert float(t.data[0]) == 3.0
    b = cp.from_dlpack(t)
    assert b.data.ptr == a.data.ptr
    with pytest.raises(TypeError, match=r"t\.numpy\(\) or t\.cpu\(\)"):
        np.asarray(t)


def test_np_asarray_shares_a_cpu_tensor():
    t = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert a.dtype == np.float32 and np.shares_memory(a, t.data)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    copy = np.array(t, copy=True)
    copy[0, 0] = 5.0
    assert t.data[0, 0] == 1.0
    with pytest.raises(ValueError, match="needs a copy"):
        np.asarray(t, dtype=np.float64, copy=False)


def test_np_asarray_of_a_gpu_tensor_points_to_numpy_and_cpu(monkeypatch):
    t = mg.tensor([1.0])
    monkeypatch.setattr(backend, "device_of", lambda array: "cuda:0")  # as a CuPy array reports itself
    with pytest.raises(TypeError, match=r"cuda:0.*t\.numpy\(\) or t\.cpu\(\)"):
        np.asarray(t)


def test_gradients_do_not_flow_across_the_boundary():
    source = torch.ones(3, requires_grad=True)
    t = mg.from_dlpack(source.detach(), requires_grad=True)
    (t * 2.0).sum().backward()
    assert t.grad.tolist() == [2.0, 2.0, 2.0]
    assert source.grad is None


def test_from_dlpack_refuses_other_objects():
    with pytest.raises(TypeError, match="from_dlpack: expected an object with __dlpack__"):
        mg.from_dlpack([1.0, 2.0])


def test_a_reversed_view_reaches_pytorch_as_a_copy_instead_of_aborting_the_process():
    # torch 2.13's from_dlpack overflows on a negative stride and aborts from C++ (SIGABRT, no exception):
    # torch.from_dlpack(t[:, ::-1]) killed the interpreter. Run in a child so the old failure is a failed test.
    import subprocess
    import sys

    code = (
        "import numpy as np, torch, minigrad as mg\n"
        "t = mg.from_numpy(np.arange(12.0).reshape(3, 4))[::2, ::-1]\n"
        "v = torch.from_dlpack(t)\n"
        "assert v.tolist() == [[3.0, 2.0, 1.0, 0.0], [11.0, 10.0, 9.0, 8.0]] and v.dtype == torch.float64\n"
        "assert np.from_dlpack(t).tolist() == v.tolist()\n"
        "assert torch.from_dlpack(mg.arange(4.0)[::-1]).tolist() == [3.0, 2.0, 1.0, 0.0]\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr[-2000:]


def test_a_reversed_view_with_copy_false_is_one_buffer_error():
    t = mg.from_numpy(np.arange(6.0))[::-1]
    with pytest.raises(BufferError, match=r"Tensor\.__dlpack__: cannot export a tensor of shape \(6,\), dtype float64 "
                                          r"and strides \(-8,\) \(bytes\) without copying \(copy=False\)"):
        t.__dlpack__(copy=False)
    same = mg.from_dlpack(t)   # minigrad to minigrad still shares the reversed view's memory
    same.data[0] = 9.0
    assert t.data[0] == 9.0 and same.data.strides == (-8,)
    step = mg.from_numpy(np.arange(6.0))[::2]   # a positive step still shares memory
    view = torch.from_dlpack(step)
    view[0] = 7.0
    assert step.data[0] == 7.0


def test_numpy_takes_torchs_force_keyword():
    # torch's t.numpy(force=True) (detach, host copy) was a TypeError: unexpected keyword argument 'force'
    a = np.arange(3.0)
    t = mg.from_numpy(a)
    w = mg.ones(2, requires_grad=True)
    assert np.shares_memory(t.numpy(force=True), a) and np.shares_memory(t.numpy(force=False), a)
    np.testing.assert_array_equal(w.numpy(force=True), torch.ones(2, requires_grad=True).numpy(force=True))
    with pytest.raises(TypeError, match="Tensor.numpy: force must be a bool, got str 'yes'"):
        t.numpy(force="yes")
