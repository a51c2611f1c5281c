"""minigrad.io: safetensors files in minigrad's and PyTorch's layouts, round trips through PyTorch."""
import os

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import load_safetensors, save_safetensors


def _mlp():
    return nn.Network(nn.Linear(6, 5), nn.ReLU(), nn.BatchNorm1d(5), nn.Dropout(0.2), nn.Linear(5, 4),
                      nn.Tanh(), nn.Linear(4, 3))


def _torch_mlp():
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.BatchNorm1d(5),
                               torch.nn.Dropout(0.2), torch.nn.Linear(5, 4), torch.nn.Tanh(),
                               torch.nn.Linear(4, 3))


def _trained_stats(model, features=6, dtype="float32"):
    """Move BatchNorm's running statistics away from their initial values."""
    model.train()
    for _ in range(3):
        model(mg.randn(8, features).astype(dtype))
    model.eval()
    return model


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert sa[key].dtype == sb[key].dtype and np.array_equal(sa[key], sb[key]), key


def test_mlp_round_trip_through_pytorch_is_bit_identical(tmp_path):
    model = _trained_stats(_mlp())
    save_safetensors(model, tmp_path / "mlp.safetensors", layout="torch")

    torch_model = _torch_mlp().eval()
    torch_model.load_state_dict(safetensors.torch.load_file(tmp_path / "mlp.safetensors"))  # strict
    np.testing.assert_array_equal(torch_model[0].weight.detach().numpy(), model[0].weight.numpy().T)

    x = np.random.default_rng(1).standard_normal((7, 6)).astype(np.float32)
    with torch.no_grad():
        torch_out = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(mg.tensor(x)).numpy(), torch_out, rtol=1e-5, atol=1e-6)

    safetensors.torch.save_file(torch_model.state_dict(), tmp_path / "from_torch.safetensors")
    back = _mlp().eval()
    result = load_safetensors(tmp_path / "from_torch.safetensors", back, layout="torch")
    assert result.missing_keys == [] and result.unexpected_keys == []
    _assert_same_state(model, back)
    assert np.array_equal(back(mg.tensor(x)).numpy(), model(mg.tensor(x)).numpy())


def test_pytorch_weights_load_into_minigrad(tmp_path):
    torch.manual_seed(0)
    torch_model = _torch_mlp()
    torch_model.train()
    torch_model(torch.randn(8, 6))  # running statistics away from 0 and 1
    torch_model.eval()
    safetensors.torch.save_file(torch_model.state_dict(), tmp_path / "t.safetensors")
    model = _mlp().eval()
    load_safetensors(tmp_path / "t.safetensors", model, layout="torch")
    np.testing.assert_array_equal(model[4].weight.numpy(), torch_model[4].weight.detach().numpy().T)
    np.testing.assert_array_equal(model[2].running_var.numpy(), torch_model[2].running_var.numpy())
    x = torch.randn(5, 6)
    with torch.no_grad():
        expected = torch_model(x).numpy()
    np.testing.assert_allclose(model(mg.tensor(x.numpy())).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_minigrad_layout_round_trip_keeps_names_dtypes_and_metadata(tmp_path):
    model = _trained_stats(nn.Network(nn.Linear(3, 2, dtype="float64"), nn.BatchNorm1d(2, dtype="float64")),
                           features=3, dtype="float64")
    path = tmp_path / "m.safetensors"
    save_safetensors(model, path, metadata={"epoch": "3"})
    state = load_safetensors(path)
    assert sorted(state) == sorted(model.state_dict())  # safetensors orders entries itself
    for key, value in model.state_dict().items():
        expected = np.int64 if key.endswith("num_batches_tracked") else np.float64  # PyTorch's batch count
        assert state[key].dtype == expected and np.array_equal(state[key], value)
        assert state[key].flags.writeable
    assert state["0.weight"].shape == (3, 2)  # minigrad's (in, out), not transposed
    with safetensors.safe_open(path, framework="np") as f:
        assert f.metadata() == {"epoch": "3", "minigrad.layout": "minigrad"}
    fresh = nn.Network(nn.Linear(3, 2, dtype="float64"), nn.BatchNorm1d(2, dtype="float64"))
    load_safetensors(path, fresh)  # layout read from the file
    _assert_same_state(model, fresh)


def test_a_state_dict_of_tensors_and_arrays_saves(tmp_path):
    path = tmp_path / "s.safetensors"
    save_safetensors({"a": mg.tensor([1.0, 2.0]), "b": np.arange(6, dtype=np.int64).reshape(2, 3)}, path)
    state = load_safetensors(path)
    assert state["a"].dtype == np.float32 and state["a"].tolist() == [1.0, 2.0]
    assert state["b"].dtype == np.int64 and state["b"].shape == (2, 3)


def test_torch_layout_needs_the_model(tmp_path):
    with pytest.raises(ValueError, match="needs the model"):
        save_safetensors(_mlp().state_dict(), tmp_path / "x.safetensors", layout="torch")
    save_safetensors(_mlp(), tmp_path / "t.safetensors", layout="torch")
    with pytest.raises(ValueError, match="pass model="):
        load_safetensors(tmp_path / "t.safetensors")


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="Invalid layout: 'keras'"):
        save_safetensors(_mlp(), tmp_path / "x.safetensors", layout="keras")
    with pytest.raises(TypeError, match="metadata must map str to str"):
        save_safetensors(_mlp(), tmp_path / "x.safetensors", metadata={"epoch": 3})
    with pytest.raises(TypeError, match="expected a Layer or a state dict"):
        save_safetensors([1, 2], tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)


def test_a_file_without_layout_record_asks_for_one(tmp_path):
    path = tmp_path / "foreign.safetensors"
    safetensors.numpy.save_file({"0.weight": np.zeros((2, 2), np.float32)}, str(path))
    with pytest.raises(ValueError, match=f"{path.name}.*does not record its layout"):
        load_safetensors(path)


def test_a_mismatching_file_names_the_file_and_the_keys(tmp_path):
    path = tmp_path / "m.safetensors"
    save_safetensors(nn.Network(nn.Linear(6, 5)), path)
    with pytest.raises(ValueError, match=r"(?s)m\.safetensors.*Missing key\(s\) in state_dict: \"2\.weight\""):
        load_safetensors(path, _mlp())
    result = load_safetensors(path, _mlp(), strict=False)
    assert "4.weight" in result.missing_keys and result.unexpected_keys == []


@pytest.mark.parametrize("damage", ["truncated", "empty", "header", "length"])
def test_a_damaged_file_is_one_error_naming_it(tmp_path, damage):
    path = tmp_path / "w.safetensors"
    save_safetensors(_mlp(), path)
    data = path.read_bytes()
    damaged = {"truncated": data[:-7], "empty": b"", "header": data[:8] + b"!" + data[9:],
               "length": (10 ** 9).to_bytes(8, "little") + data[8:]}[damage]
    path.write_bytes(damaged)
    with pytest.raises(ValueError, match=r"w\.safetensors.*not a readable safetensors file"):
        load_safetensors(path, _mlp())


def test_a_pytorch_file_of_a_dtype_numpy_lacks_is_one_error_naming_file_keys_and_dtypes(tmp_path):
    # safetensors.numpy stopped at a bare KeyError('BF16'): no file, no key, no way out
    path = tmp_path / "bf.safetensors"
    safetensors.torch.save_file({"fc.weight": torch.ones(2, 2, dtype=torch.bfloat16), "fc.bias": torch.ones(2),
                                 "q": torch.zeros(3, dtype=torch.float8_e4m3fn)}, str(path))
    with pytest.raises(ValueError, match=r"bf\.safetensors' holds 'fc\.weight' \(BF16\), 'q' \(F8_E4M3\): NumPy, "
                                         r"and so minigrad, has no such dtype") as info:
        load_safetensors(path, layout="minigrad")
    assert "corrupt" not in str(info.value) and "v.float()" in str(info.value)


@pytest.mark.parametrize("dtype", ["float16", "float64", "complex64", "int8", "uint16", "bool"])
def test_every_numpy_dtype_safetensors_stores_reads_back_in_safetensors_and_here(tmp_path, dtype):
    path = tmp_path / "d.safetensors"
    value = (np.arange(6) % 3).astype(dtype).reshape(3, 2).T   # a transposed (non-contiguous) view
    save_safetensors({"w": mg.from_numpy(value), "empty": np.zeros((0, 2), dtype)}, path)
    for read in (safetensors.numpy.load_file(str(path)), load_safetensors(path)):
        assert read["w"].dtype == value.dtype and read["w"].shape == (2, 3) and read["empty"].shape == (0, 2)
        np.testing.assert_array_equal(read["w"], value)


def test_a_dtype_safetensors_cannot_store_is_named_with_its_key(tmp_path):
    # complex128 reached safetensors, whose SafetensorError named neither the entry nor save_safetensors
    with pytest.raises(TypeError, match=r"save_safetensors: 'z' has dtype complex128, which safetensors cannot "
                                        r"store \(it stores float64, float32, float16, .*complex64\)"):
        save_safetensors({"a": np.ones(2), "z": np.ones(2, np.complex128)}, tmp_path / "z.safetensors")
    assert not os.listdir(tmp_path)


def test_binary_file_objects_are_written_and_read_as_minigrad_save_takes_them(tmp_path):
    # os.fspath refused a BytesIO or an open file ("expected str, bytes or os.PathLike object")
    import io
    model = _trained_stats(_mlp())
    buffer = io.BytesIO()
    buffer.write(b"head")
    save_safetensors(model, buffer, layout="torch", metadata={"epoch": "3"})
    end = buffer.tell()
    buffer.seek(4)
    torch_state = safetensors.torch.load(buffer.getvalue()[4:])
    assert torch_state["0.weight"].shape == (5, 6)
    fresh = _mlp()
    assert repr(load_safetensors(buffer, fresh)) == "<All keys matched successfully>" and buffer.tell() == end
    _assert_same_state(model, fresh)
    with open(tmp_path / "m.safetensors", "wb") as f:
        save_safetensors({"w": np.arange(3.0)}, f)
    with open(tmp_path / "m.safetensors", "rb") as f:
        assert load_safetensors(f)["w"].tolist() == [0.0, 1.0, 2.0]
    with open(tmp_path / "m.safetensors", "r") as f, \
            pytest.raises(TypeError, match=r"load_safetensors: the file object must be open in binary mode \('rb'\)"):
        load_safetensors(f)
    with pytest.raises(ValueError, match=r"load_safetensors: '<_io\.BytesIO object .*>' is not a readable "
                                         r"safetensors file \(truncated or corrupt\?\)"):
        load_safetensors(io.BytesIO(buffer.getvalue()[4:-3]))
    with pytest.raises(ValueError, match=r"m\.safetensors' does not record its layout"):
        safetensors.numpy.save_file({"w": np.ones(2)}, str(tmp_path / "m.safetensors"))
        with open(tmp_path / "m.safetensors", "rb") as f:
            load_safetensors(f)


def test_files_saved_one_after_another_into_one_stream_load_in_order():
    import io
    buffer = io.BytesIO()
    save_safetensors({"w": np.arange(3.0)}, buffer)
    first_end = buffer.tell()
    save_safetensors({"v": np.ones(2, np.int8)}, buffer)
    buffer.seek(0)
    assert load_safetensors(buffer)["w"].tolist() == [0.0, 1.0, 2.0] and buffer.tell() == first_end
    assert load_safetensors(buffer)["v"].tolist() == [1, 1] and buffer.tell() == len(buffer.getvalue())


def test_a_tensor_named_like_the_header_metadata_is_refused_before_writing(tmp_path):
    # the file was written, and then refused by every reader ("duplicate field `__metadata__`")
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match=r"save_safetensors: the key '__metadata__' is the safetensors header's "
                                         r"metadata entry and cannot name a tensor"):
        save_safetensors({"w": np.ones(2), "__metadata__": np.ones(2)}, path)
    assert not path.exists()


def test_a_masked_array_is_refused_rather_than_saved_without_its_mask(tmp_path):
    with pytest.raises(TypeError, match=r"save_safetensors: 'm' is a numpy\.ma\.MaskedArray, whose mask "
                                        r"safetensors would lose"):
        save_safetensors({"m": np.ma.array([1.0, 2.0], mask=[False, True])}, tmp_path / "m.safetensors")
    assert not os.listdir(tmp_path)


def test_from_torch_names_the_entry_it_cannot_transpose():
    # a bfloat16 (or requires-grad) torch Linear weight stopped with torch's bare "Got unsupported ScalarType"
    from minigrad.io import from_torch
    model = nn.Network(nn.Linear(3, 2))
    net = torch.nn.Sequential(torch.nn.Linear(3, 2))
    with pytest.raises(TypeError, match=r"from_torch: '0\.weight' \(a torch\.Tensor of dtype torch\.bfloat16\) "
                                        r"could not be read as a NumPy array to transpose: TypeError: .*BFloat16"):
        from_torch(model, net.to(torch.bfloat16).state_dict())
    with pytest.raises(TypeError, match=r"from_torch: '0\.weight' \(a torch\.nn\.parameter\.Parameter of dtype "
                                        r"torch\.float32\) could not be read .*requires grad"):
        from_torch(model, net.float().state_dict(keep_vars=True))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        load_safetensors(tmp_path / "nothing.safetensors")


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    save_safetensors(_mlp(), path)
    before = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        save_safetensors(nn.Network(nn.Linear(2, 2)), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.safetensors"]


def test_batch_norm_keeps_its_batch_count_through_both_layouts(tmp_path):
    model = nn.Network(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model[1].num_batches_tracked.data[...] = 7
    for layout in ("minigrad", "torch"):
        save_safetensors(model, tmp_path / "c.safetensors", layout=layout)
        assert safetensors.numpy.load_file(str(tmp_path / "c.safetensors"))["1.num_batches_tracked"] == 7
        other = nn.Network(nn.Linear(2, 3), nn.BatchNorm1d(3))
        load_safetensors(tmp_path / "c.safetensors", other, layout=layout)
        assert other[1].num_batches_tracked.item() == 7


def test_a_pytorch_state_dict_in_memory_loads_through_from_torch_even_for_square_layers():
    # A square Linear takes a PyTorch state dict as it is without any error, transposed: from_torch is the way.
    from minigrad.io import from_torch, to_torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    model = nn.Network(nn.Linear(8, 8, dtype="float64"), nn.ReLU(), nn.Linear(8, 3, dtype="float64"))
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    model.load_state_dict(from_torch(model, state))
    x = np.random.default_rng(0).standard_normal((5, 8))
    np.testing.assert_allclose(model(mg.tensor(x, dtype="float64")).numpy(),
                               net(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    back = to_torch(model, {k: mg.backend.to_numpy(v) for k, v in model.state_dict().items()})
    assert all(np.array_equal(back[k], v) for k, v in state.items())
