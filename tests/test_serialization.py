"""minigrad.save / minigrad.load: round trips of every leaf type, atomic writes, corrupt files."""
import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import serialization
from minigrad.nn import BatchNorm1d, Linear, Network


def _tree():
    return {
        "weights": mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True),
        "frozen": mg.tensor(np.array([1.5, -2.5]), dtype=np.float64),
        "counts": np.array([[1, 2], [3, 4]], dtype=np.int16),
        "flags": np.array([True, False]),
        "half": np.array([0.5, 1.0], dtype=np.float16),
        "step": 7,
        "rng": 2 ** 100 + 12345,
        "negative": -(2 ** 70),
        "lr": 0.1,
        "specials": [float("inf"), -0.0, 1e-310],
        "nothing": None,
        "yes": True,
        "name": "adam",
        "np_scalar": np.float32(0.25),
        "np_float64": np.float64(1 / 3),
        "np_int": np.int64(-5),
        "np_bool": np.bool_(True),
        3: ("tuple", 1, [2, {"deep": np.zeros((0, 4), dtype=np.float32)}]),
        "state": {0: {"exp_avg": np.ones(3, dtype=np.float32)}, "1": "string key"},
    }


def _assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, mg.Tensor):
        assert a.requires_grad == b.requires_grad and a.dtype == b.dtype and a.device == b.device
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b) and [type(k) for k in a] == [type(k) for k in b]
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float):
        assert repr(a) == repr(b)  # bit-exact, sign of zero included
    else:
        assert a == b


def test_round_trip_of_every_leaf_type(tmp_path):
    path = tmp_path / "ckpt.npz"
    tree = _tree()
    mg.save(tree, path)
    loaded = mg.load(path)
    _assert_same(tree, loaded)
    nan = mg.load(_saved(tmp_path / "nan.npz", [float("nan")]))[0]
    assert np.isnan(nan)
    assert mg.load(_saved(tmp_path / "keys.npz", {np.int64(4): "a"})) == {4: "a"}


def _saved(path, obj):
    mg.save(obj, path)
    return path


def test_ints_past_pythons_decimal_digit_limit_round_trip(tmp_path):
    # str(int) raises past 4300 digits (CPython's int_max_str_digits): save stopped with that bare ValueError
    huge = [2 ** 20000 + 7, -(3 ** 20000), 10 ** 4300, 1 << 4000, -(1 << 4001)]
    assert mg.load(_saved(tmp_path / "huge.npz", huge)) == huge
    # a decimal entry (every int saved before) still loads, and so does one just under the switch to hex
    assert mg.load(_saved(tmp_path / "edge.npz", [(1 << 4000) - 1, -(1 << 3999), 0, -1])) == \
        [(1 << 4000) - 1, -(1 << 3999), 0, -1]


def test_str_and_int_enum_keys_keep_their_values_as_the_values_do(tmp_path):
    # a str Enum key was stored as str(key), "Mode.TRAIN", while the same member as a value was stored as "train"
    import enum

    class Mode(str, enum.Enum):
        TRAIN = "train"

    class Level(enum.IntEnum):
        HIGH = 2

    back = mg.load(_saved(tmp_path / "enum.npz", {Mode.TRAIN: Mode.TRAIN, Level.HIGH: Level.HIGH}))
    assert back == {"train": "train", 2: 2} and [type(k) for k in back] == [str, int]


def test_rng_state_round_trip_restores_the_stream(tmp_path):
    mg.manual_seed(5)
    state = mg.random.get_rng_state()
    expected = mg.random.get_generator().random(4)
    mg.save({"rng": state}, tmp_path / "rng.npz")
    mg.random.get_generator().random(10)
    mg.random.set_rng_state(mg.load(tmp_path / "rng.npz")["rng"])
    np.testing.assert_array_equal(mg.random.get_generator().random(4), expected)


def test_model_state_dict_round_trip(tmp_path, device):
    mg.manual_seed(1)
    model = Network(Linear(4, 3), BatchNorm1d(3), Linear(3, 2)).to(device)
    model(mg.tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32), device=device))
    mg.save(model.state_dict(), tmp_path / "model.npz")
    state = mg.load(tmp_path / "model.npz")   # as torch.load: the state dict's detached Tensors, on map_location
    assert all(type(v) is mg.Tensor and not v.requires_grad and v.device == "cpu" for v in state.values())
    assert {k: v.dtype for k, v in state.items() if v.dtype != np.float32} == {"1.num_batches_tracked": np.int64}
    mg.manual_seed(2)
    fresh = Network(Linear(4, 3), BatchNorm1d(3), Linear(3, 2)).to(device)
    fresh.load_state_dict(state)
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_a_parameter_loads_back_as_a_parameter_as_torch_load_gives(tmp_path):
    # keep_vars=True state dicts (and saved Parameters) came back as plain Tensors; torch.load keeps Parameter
    layer = Linear(3, 2)
    layer.bias.requires_grad_(False)
    back = mg.load(_saved(tmp_path / "vars.npz", {**layer.state_dict(keep_vars=True), "plain": mg.ones(2)}))
    assert [(type(v).__name__, v.requires_grad) for v in back.values()] == \
        [("Parameter", True), ("Parameter", False), ("Tensor", False)]
    np.testing.assert_array_equal(back["weight"].numpy(), layer.weight.numpy())
    assert all(type(v) is mg.Tensor for v in mg.load(_saved(tmp_path / "s.npz", layer.state_dict())).values())


def test_tensors_go_to_map_location(tmp_path, device):
    mg.save({"t": mg.ones(2, 2, device=device)}, tmp_path / "t.npz")
    assert mg.load(tmp_path / "t.npz")["t"].device == "cpu"
    loaded = mg.load(tmp_path / "t.npz", map_location=device)["t"]
    assert loaded.device == mg.backend.normalize_device(device)


def test_torchs_dict_and_function_map_locations_are_refused_by_name(tmp_path):
    # they read "Unknown device \"{'cuda:0': 'cpu'}\"", naming neither load nor map_location
    mg.save({"t": mg.ones(2)}, tmp_path / "t.npz")
    for given, kind in (({"cuda:0": "cpu"}, "dict"), (lambda storage, location: storage, "function")):
        with pytest.raises(TypeError, match=rf"load: map_location must be a device \('cpu', 'cuda', 'cuda:N'\) or "
                                            rf"None, got {kind} .*does not record the devices"):
            mg.load(tmp_path / "t.npz", map_location=given)
    assert mg.load(tmp_path / "t.npz", map_location=None)["t"].device == "cpu"


def test_file_is_written_exactly_at_path_and_is_plain_npz(tmp_path):
    path = tmp_path / "checkpoint.bin"
    mg.save({"a": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["checkpoint.bin"]
    with np.load(path, allow_pickle=False) as npz:
        assert "__manifest__" in npz.files


def test_unsupported_values_are_rejected_with_their_location(tmp_path):
    with pytest.raises(TypeError, match=r"save: cannot store a value of type set at obj\['a'\]\[1\]"):
        mg.save({"a": [1, {2, 3}]}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dict keys must be int or str, got float"):
        mg.save({1.5: 1}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot be stored without pickle"):
        mg.save(np.array([object()]), tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def _crash_mid_write(monkeypatch):
    real_savez = np.savez

    def savez_then_crash(file, **arrays):
        real_savez(file, **arrays)
        file.write(b"partial")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(serialization.np, "savez", savez_then_crash)


def test_crash_mid_save_keeps_the_old_checkpoint_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    mg.save({"epoch": 1}, path)
    old_bytes = path.read_bytes()
    _crash_mid_write(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        mg.save({"epoch": 2, "w": np.ones(1000)}, path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    monkeypatch.undo()
    assert mg.load(path) == {"epoch": 1}


def test_crash_in_fsync_leaves_no_target_and_no_temp_file(tmp_path, monkeypatch):
    def failing_fsync(fd):
        raise OSError("fsync failed (simulated)")

    monkeypatch.setattr(serialization.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="fsync failed"):
        mg.save({"a": 1}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_truncated_file_raises_one_clear_error_naming_it(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save(_tree(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, 10, 0):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="ckpt.npz.*not a readable minigrad checkpoint"):
            mg.load(path)


def test_corrupted_bytes_raise_one_clear_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": np.arange(1000, dtype=np.float64)}, path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 16] = bytes(16)  # zero out bytes inside the array entry: its CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt.npz.*not a readable minigrad checkpoint"):
        mg.load(path)


def test_foreign_npz_and_npy_files_are_rejected(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(ValueError, match="plain.npz.*not a readable minigrad checkpoint"):
        mg.load(tmp_path / "plain.npz")
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(ValueError, match="single.npy.*not a readable minigrad checkpoint"):
        mg.load(tmp_path / "single.npy")
    with zipfile.ZipFile(tmp_path / "evil.npz", "w") as z:
        z.writestr("__manifest__.npy", b"not an npy header")
    with pytest.raises(ValueError, match="evil.npz"):
        mg.load(tmp_path / "evil.npz")


def test_pickled_object_arrays_are_never_loaded(tmp_path):
    np.savez(tmp_path / "pickled.npz", __manifest__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):
        mg.load(tmp_path / "pickled.npz")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        mg.load(tmp_path / "absent.npz")


def test_a_reference_cycle_is_one_error_naming_where_and_a_shared_list_is_not_one(tmp_path):
    # a cycle recursed into a bare RecursionError ("maximum recursion depth exceeded")
    state = {"groups": [{"lr": 0.1}]}
    state["groups"][0]["owner"] = state
    with pytest.raises(ValueError, match=r"save: obj\['groups'\]\[0\]\['owner'\] is a container that holds it "
                                         r"\(a reference cycle\)"):
        mg.save(state, tmp_path / "c.npz")
    assert list(tmp_path.iterdir()) == []
    shared = [1, 2]
    assert mg.load(_saved(tmp_path / "s.npz", {"a": shared, "b": [shared, shared]})) == \
        {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_a_torch_tensor_is_named_as_torchs_not_as_a_tensor(tmp_path):
    # "cannot store a value of type Tensor ... (supported: Tensor, ...)" contradicted itself
    import torch
    from minigrad.io import save_safetensors
    with pytest.raises(TypeError, match=r"save: cannot store a value of type torch\.Tensor at obj\['w'\] \(turn it "
                                        r"into a minigrad Tensor first: minigrad\.from_dlpack\(x\)\)"):
        mg.save({"w": torch.ones(2)}, tmp_path / "t.npz")
    with pytest.raises(TypeError, match=r"save_safetensors: 'w' is a torch\.Tensor, not a minigrad Tensor or a "
                                        r"NumPy/CuPy array"):
        save_safetensors({"w": torch.ones(2)}, tmp_path / "t.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_a_masked_array_is_refused_rather_than_saved_without_its_mask(tmp_path):
    # np.savez kept the data only: [1, --] loaded back as [1, 2], the masked value unmasked
    with pytest.raises(TypeError, match=r"save: obj\['m'\] is a numpy\.ma\.MaskedArray, whose mask a checkpoint "
                                        r"would lose"):
        mg.save({"m": np.ma.array([1, 2], mask=[False, True])}, tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_path_of_the_wrong_type_is_named_by_each_reader_and_writer():
    # os.fspath's "expected str, bytes or os.PathLike object, not NoneType" named neither the call nor the argument
    from minigrad.io import load_safetensors, save_safetensors
    for call, name, action in ((lambda: mg.save({}, None), "save", "writing"),
                               (lambda: mg.load(None), "load", "reading"),
                               (lambda: save_safetensors({}, 3), "save_safetensors", "writing"),
                               (lambda: load_safetensors(["w.safetensors"]), "load_safetensors", "reading"),
                               (lambda: mg.save({}, b"c.npz"), "save", "writing")):
        with pytest.raises(TypeError, match=rf"^{name}: path must be a str, a path-like object or a binary file object "
                                            rf"open for {action}, got (NoneType|int|list|bytes)$"):
            call()


def test_saving_a_layer_points_to_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"type Linear at obj \(save its state_dict\(\) instead\)"):
        mg.save(Linear(2, 2), tmp_path / "m.npz")


def test_saved_file_has_the_usual_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        mg.save({"a": 1}, tmp_path / "c.npz")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "c.npz").st_mode) == 0o644


def test_downloads_metrics_and_checkpoints_share_one_atomic_writer(tmp_path):
    # One mechanism: a failure inside the block leaves the old file and no temporary behind.
    from minigrad.atomic import atomic_file

    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as f:
            f.write(b"half of the new")
            raise RuntimeError("crash")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
    with atomic_file(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new"


@pytest.mark.parametrize("kind", ["pickle", "npy-object", "npz-object"])
def test_pickles_are_refused_and_the_message_says_why(tmp_path, kind):
    # The message used to be "(truncated or corrupt?)" plus NumPy's advice to pass allow_pickle=.
    import pickle

    path = tmp_path / f"state.{kind}"
    objects = np.array([{"w": 1}], dtype=object)
    if kind == "pickle":
        path.write_bytes(pickle.dumps({"w": np.zeros(3)}))
    elif kind == "npy-object":
        with open(path, "wb") as f:
            np.save(f, objects)
    else:
        with open(path, "wb") as f:
            np.savez(f, x=objects)
    with pytest.raises(ValueError) as info:
        mg.load(path)
    message = str(info.value)
    assert "refuses pickles" in message and "run any code" in message
    assert "allow_pickle" not in message and "corrupt" not in message


def test_a_torch_save_file_is_refused_as_a_pickle(tmp_path):
    import torch  # the dev extra installs it
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="refuses pickles"):
        mg.load(path)


def test_a_torch_save_into_a_buffer_is_refused_as_a_pickle_too():
    # read from a file object, the refusal looked for the bytes at the object's repr, found none, and
    # called torch's archive "truncated or corrupt?: KeyError: '__manifest__'"
    import io
    import torch
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buffer)
    buffer.seek(0)
    with pytest.raises(ValueError, match=r"load: '<_io\.BytesIO object .*>' holds pickled Python objects, and "
                                         r"minigrad\.load refuses pickles") as info:
        mg.load(buffer)
    assert "corrupt" not in str(info.value)


def test_checkpoints_saved_one_after_another_into_one_file_load_in_order():
    # zipfile reads the last end record in the bytes: the first load of the stream returned the LAST checkpoint
    import io
    decoy = np.frombuffer(b"PK\x05\x06" + bytes(18) + b"PK\x01\x02", dtype=np.uint8)   # an end record look-alike
    buffer = io.BytesIO()
    buffer.write(b"head")
    mg.save({"epoch": 1, "w": decoy}, buffer)
    first_end = buffer.tell()
    mg.save({"epoch": 2}, buffer)
    mg.save([3], buffer)
    buffer.seek(4)
    first = mg.load(buffer)
    assert first["epoch"] == 1 and first["w"].tobytes() == decoy.tobytes() and buffer.tell() == first_end
    assert mg.load(buffer) == {"epoch": 2}
    assert mg.load(buffer) == [3] and buffer.tell() == len(buffer.getvalue())


def test_load_takes_torchs_weights_only_and_refuses_mmap(tmp_path):
    path = tmp_path / "m.pt"
    layer = mg.nn.Linear(3, 2)
    mg.save(layer.state_dict(), path)
    for weights_only in (True, False, None):   # no pickle either way: the same tensors come back
        loaded = mg.load(path, map_location="cpu", weights_only=weights_only)
        assert sorted(loaded) == ["bias", "weight"]
        np.testing.assert_array_equal(np.asarray(loaded["weight"]), layer.weight.numpy())
    with pytest.raises(TypeError, match="load: weights_only must be a bool or None, got 'yes'"):
        mg.load(path, weights_only="yes")
    with pytest.raises(ValueError, match=r"load: mmap=True is not supported"):
        mg.load(path, mmap=True)


def test_save_and_load_take_binary_file_objects_as_torch_does(tmp_path):
    # torch.save(obj, f) / torch.load(f) take an open file or a BytesIO; PyTorch's time_sequence_prediction
    # example writes its data with torch.save(data, open('traindata.pt', 'wb')).
    import io
    import torch
    data = np.sin(np.arange(12.0)).reshape(3, 4)
    obj = {"w": mg.from_numpy(data), "n": 3, "arr": data}
    buf = io.BytesIO()
    buf.write(b"head")   # written at the file's position, read back from it
    mg.save(obj, buf)
    end = buf.tell()
    buf.seek(4)
    back = mg.load(buf)
    assert buf.tell() == end and back["n"] == 3
    np.testing.assert_array_equal(back["w"].data, data) and np.testing.assert_array_equal(back["arr"], data)
    assert back["w"].dtype == np.float64 and back["arr"].dtype == np.float64
    # an open file, as the example does, gives what a path gives; torch reads its own file object the same way
    with open(tmp_path / "f.pt", "wb") as f:
        mg.save(data, f)
    np.testing.assert_array_equal(mg.load(open(tmp_path / "f.pt", "rb")), mg.load(tmp_path / "f.pt"))
    with open(tmp_path / "t.pt", "wb") as f:
        torch.save(torch.from_numpy(data), f)
    np.testing.assert_array_equal(torch.load(open(tmp_path / "t.pt", "rb")).numpy(), mg.load(tmp_path / "f.pt"))
    # text mode cannot hold the archive
    with open(tmp_path / "x.txt", "w") as f, pytest.raises(TypeError, match=r"save: .* binary mode \('wb'\), got mode 'w'"):
        mg.save(data, f)
    with open(tmp_path / "x.txt", "r") as f, pytest.raises(TypeError, match=r"load: .* binary mode \('rb'\), got mode 'r'"):
        mg.load(f)
    # garbage in a buffer is the same one ValueError as garbage in a file
    (tmp_path / "bad.pt").write_bytes(b"not an archive")
    with pytest.raises(ValueError) as from_path:
        mg.load(tmp_path / "bad.pt")
    with pytest.raises(ValueError) as from_buffer:
        mg.load(io.BytesIO(b"not an archive"))
    assert str(from_buffer.value).split("' ", 1)[1] == str(from_path.value).split("' ", 1)[1]
