"""``minigrad.device``, ``Tensor.to``/``Layer.to`` with dtypes, ``flatten(start_dim, end_dim)`` and ``stack(dim=)``,
compared with torch."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from torch_agreement import pair, same

torch = pytest.importorskip("torch")


def test_device_is_the_device_string_with_torchs_type_and_index():
    for args in (("cpu",), ("cuda:1",), ("cuda", 2), ("cuda",)):
        d, t = mg.device(*args), torch.device(*args)
        assert (d.type, d.index, str(d)) == (t.type, t.index, str(t))
    x = mg.zeros(2)
    assert x.device == "cpu" and x.device == mg.device("cpu") and x.device.type == "cpu"
    assert x.to(mg.device("cpu")) is x
    assert mg.device(mg.device("cuda:0")) == "cuda:0"


@pytest.mark.parametrize("args,error,message", [
    (("tpu",), ValueError, "Unknown device 'tpu'"),
    (("cuda:x",), ValueError, "Unknown device 'cuda:x'"),
    (("cuda:0", 1), ValueError, "device: index must be an int >= 0 given with a bare type"),
    (("cuda", -1), ValueError, "device: index must be an int >= 0"),
    ((3,), TypeError, "device: expected a device name such as 'cpu' or 'cuda:0', got int 3"),
])
def test_bad_devices_are_one_clear_error(args, error, message):
    with pytest.raises(error, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        mg.device(*args)


def test_tensor_to_takes_torchs_forms():
    x = mg.tensor([1.5, -2.0], requires_grad=True)
    assert x.to("cpu") is x and x.to(mg.float32) is x
    y = x.to(mg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]
    assert x.to("cpu", "float64").dtype == np.float64
    assert x.to(np.float64).dtype == np.float64 and x.to(np.dtype("float16")).dtype == np.float16
    assert x.to(mg.zeros(1, dtype="float64")).dtype == np.float64
    assert x.to(dtype="int64").tolist() == [1, -2]
    c = x.to(copy=True)
    assert c is not x and c.tolist() == x.tolist() and c.requires_grad
    with pytest.raises(TypeError, match=r"^Tensor\.to: expected a device \('cpu', 'cuda:0'\), a dtype or a tensor, "
                                        r"got int 3$"):
        x.to(3)
    with pytest.raises(ValueError, match="^Unknown device 'gpu0'"):
        x.to("gpu0")
    with pytest.raises(TypeError, match=r"^Tensor\.to: unexpected keyword argument\(s\) \['devices'\]$"):
        x.to(devices="cpu")


def test_layer_to_casts_floating_state_in_place():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    assert model.to(mg.float64) is model and model[0].weight is weight
    assert weight.dtype == np.float64 and model[1].running_var.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model.to("cpu", dtype="float32")[0].weight.dtype == np.float32
    with pytest.raises(TypeError, match=r"^Sequential\.to: only floating dtypes are allowed, got int64$"):
        model.to("int64")



def test_to_takes_non_blocking_and_copy_positionally_as_torch():
    # torch's to(dtype, non_blocking, copy), to(device, dtype, non_blocking, copy), to(tensor, non_blocking, copy);
    # a Module's to takes non_blocking only. Each was a TypeError ("at most a device and a dtype").
    import torch
    for lib in (mg, torch):
        x = lib.ones(2)
        assert x.to(lib.float32, False) is x
        for args in ((lib.float32, False, True), ("cpu", lib.float32, False, True), (x, False, True)):
            copied = x.to(*args)
            assert copied is not x and copied.tolist() == [1.0, 1.0]
        assert str(x.to("cpu", lib.float64, True, False).dtype).endswith("float64")
        with pytest.raises(TypeError):
            x.to("cpu", False)
        model = lib.nn.Sequential(lib.nn.Linear(2, 2))
        assert str(model.to("cpu", lib.float64, False)[0].weight.dtype).endswith("float64")
        assert str(model.to(lib.float32, True)[0].weight.dtype).endswith("float32")
        for args in (("cpu", lib.float64, False, True), (lib.float64, False, True), (x, False, True)):
            with pytest.raises(RuntimeError, match="does not accept copy argument"):   # the last two were accepted
                model.to(*args)
        with pytest.raises(RuntimeError, match="does not accept copy argument"):
            model.to(lib.float64, copy=True)
    with pytest.raises(TypeError, match="got multiple values for argument 'copy'"):
        mg.ones(2).to(mg.float32, False, True, copy=True)

@pytest.mark.parametrize("shape,start,end", [((2, 3, 4), 1, -1), ((2, 3, 4), 0, 1), ((2, 3, 4), 1, 1),
                                              ((2, 3, 4), -2, 2), ((), 0, -1), ((2, 0, 3), 1, 2), ((5,), 0, 0)])
def test_flatten_with_start_and_end_dims_as_torch(shape, start, end):
    x, t = pair(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape))
    same(x.flatten(start, end), t.flatten(start, end))
    same(mg.flatten(x, start_dim=start, end_dim=end), torch.flatten(t, start_dim=start, end_dim=end))


def test_flatten_refuses_bad_dims():
    x = mg.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"^flatten: start_dim 2 comes after end_dim 1 \(tensor of shape \(2, 3, 4\)\)$"):
        x.flatten(2, 1)
    with pytest.raises(ValueError, match=r"^flatten: dim 3 is out of range for a tensor of shape \(2, 3, 4\)"):
        x.flatten(3)


def test_stack_takes_torchs_dim():
    a, ta = pair(np.arange(6.0).reshape(2, 3))
    same(mg.stack([a, a], dim=1), torch.stack([ta, ta], dim=1))
    same(mg.stack([a, a], dim=-1), torch.stack([ta, ta], dim=-1))
    with pytest.raises(TypeError, match=r"^stack: give the new axis once, as axis= \(NumPy\) or dim= \(PyTorch\), "
                                        r"got axis=1 and dim=1$"):
        mg.stack([a, a], 1, dim=1)


def test_the_cpu_with_any_index_is_the_cpu_everywhere():
    # backend.to_device/using_device tested for "cpu" before normalising: "cpu:0" (torch's name for the CPU, and
    # str(torch.device("cpu", 0))) was taken for a GPU and asked for CuPy
    from minigrad import backend
    d, t = mg.device("cpu", 0), torch.device("cpu", 0)
    assert (d.type, d.index, str(d)) == (t.type, t.index, str(t)) and mg.device("cpu:0") == d
    host = np.arange(3.0)
    for where in ("cpu:0", " CPU:0 ", d, t, "cpu", "cpu:1", mg.device("cpu", 2), torch.device("cpu", 3)):
        assert backend.to_device(host, where) is host
        with backend.using_device(where):
            pass
        assert mg.tensor([1.0], device=where).device == "cpu"
        if not isinstance(where, torch.device):   # Tensor.to takes device strings only
            assert mg.zeros(1).to(where).device == "cpu"
    assert (mg.device("cpu:1").type, mg.device("cpu:1").index) == ("cpu", 1)   # torch accepts any CPU index
    for bad in ("cpu:x", "tpu"):
        for call in (lambda: backend.to_device(host, bad), lambda: backend.using_device(bad), lambda: mg.device(bad)):
            with pytest.raises(ValueError, match=f"^Unknown device '{bad}': expected 'cpu', 'cuda' or 'cuda:N'"):
                call()
