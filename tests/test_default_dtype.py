"""``set_default_dtype`` / ``get_default_dtype``, checked against torch's: after both libraries' defaults are set to
the same dtype, every creator, layer, op and loss below gives the dtype torch gives; explicit dtypes are unaffected;
a small net trains in the default dtype (float64 params, grads and optimizer state under a float64 default, float32
under float32) with torch's gradients; no module binds the default at import.

Every test that changes the default restores it in a ``finally`` (``default_dtype`` below); the autouse fixture in
conftest.py resets it after every test as well, so a failing test cannot leave float64 behind for the rest of the suite.
"""
import ast
import contextlib
import pathlib

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, transforms
from minigrad.nn import functional as F


@contextlib.contextmanager
def default_dtype(name):
    """Both libraries' default float set to ``name`` for the block, restored after it however it ends."""
    before_mg, before_torch = mg.get_default_dtype(), torch.get_default_dtype()
    mg.set_default_dtype(getattr(mg, name))
    torch.set_default_dtype(getattr(torch, name))
    try:
        yield
    finally:
        mg.set_default_dtype(before_mg)
        torch.set_default_dtype(before_torch)


def dtype_names(obj):
    """A tensor's dtype name, or the sorted dtype names of a layer's parameters and buffers, in either library."""
    if isinstance(obj, (mg.Tensor, torch.Tensor)):
        return [str(obj.dtype).replace("torch.", "")]
    tensors = list(obj.parameters()) + list(obj.buffers())
    assert tensors, f"{type(obj).__name__} has no parameters or buffers to compare"
    return sorted({str(t.dtype).replace("torch.", "") for t in tensors})


def _ints(lib):
    return lib.tensor([1, 2, 3])


def _lazy_linear(lib):
    layer = lib.nn.LazyLinear(3)
    layer(lib.randn(2, 5))
    return layer


def _ce_weight(lib):
    # minigrad takes a list of numbers (made in the default dtype); torch a tensor made from the same list
    return lib.nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0] if lib is mg else torch.tensor([1.0, 2.0, 3.0]))


# Each case runs in both libraries (lib is minigrad or torch) under the same default dtype.
CASES = {
    # creators
    "tensor(1.5)": lambda lib: lib.tensor(1.5),
    "tensor([1.0, 2.0])": lambda lib: lib.tensor([1.0, 2.0]),
    "tensor([[1, 2.5]])": lambda lib: lib.tensor([[1, 2.5]]),
    "zeros": lambda lib: lib.zeros(2, 3),
    "ones": lambda lib: lib.ones(2),
    "empty": lambda lib: lib.empty(2),
    "full(float)": lambda lib: lib.full((2,), 1.5),
    "arange(float)": lambda lib: lib.arange(0.5, 3),
    "arange(step float)": lambda lib: lib.arange(0, 1, 0.25),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "logspace": lambda lib: lib.logspace(0, 1, 3),
    "rand": lambda lib: lib.rand(2),
    "randn": lambda lib: lib.randn(2, 2),
    "eye": lambda lib: lib.eye(2),
    "scalar_tensor(int)": lambda lib: lib.scalar_tensor(1),
    "block_diag()": lambda lib: lib.block_diag(),
    "hann_window": lambda lib: lib.hann_window(4),
    "blackman_window": lambda lib: lib.blackman_window(5),
    "normal(numbers)": lambda lib: lib.normal(0.0, 1.0, size=(3,)),
    "where(cond, 1.0, 0.0)": lambda lib: lib.where(_ints(lib) > 1, 1.0, 0.0),
    "Normal(0., 1.).sample": lambda lib: lib.distributions.Normal(0.0, 1.0).sample((2,)),
    # integer inputs of float-valued ops become the default dtype
    "int / 2": lambda lib: _ints(lib) / 2,
    "int / int": lambda lib: _ints(lib) / _ints(lib),
    "true_divide": lambda lib: lib.true_divide(_ints(lib), 2),
    "int * 2.5": lambda lib: _ints(lib) * 2.5,
    "int + 0.5": lambda lib: _ints(lib) + 0.5,
    "2.5 - int": lambda lib: 2.5 - _ints(lib),
    "int ** 0.5": lambda lib: _ints(lib) ** 0.5,
    "tensor(1.5) * int": lambda lib: lib.tensor(1.5) * _ints(lib),
    "sqrt(int)": lambda lib: lib.sqrt(_ints(lib)),
    "exp(int)": lambda lib: lib.exp(_ints(lib)),
    "log1p(int)": lambda lib: lib.log1p(_ints(lib)),
    "sigmoid(int)": lambda lib: lib.sigmoid(_ints(lib)),
    "erf(int)": lambda lib: lib.erf(_ints(lib)),
    "reciprocal(int)": lambda lib: lib.reciprocal(_ints(lib)),
    "rsqrt(int)": lambda lib: lib.rsqrt(_ints(lib)),
    "atan2(int, int)": lambda lib: lib.atan2(_ints(lib), _ints(lib)),
    "deg2rad(int)": lambda lib: lib.deg2rad(_ints(lib)),
    # layers' parameters and buffers, made after the default was set
    "Linear": lambda lib: lib.nn.Linear(3, 4),
    "LazyLinear": _lazy_linear,
    "Bilinear": lambda lib: lib.nn.Bilinear(2, 3, 4),
    "Conv1d": lambda lib: lib.nn.Conv1d(2, 3, 3),
    "Conv2d": lambda lib: lib.nn.Conv2d(2, 3, 3),
    "Conv3d": lambda lib: lib.nn.Conv3d(1, 2, 2),
    "ConvTranspose2d": lambda lib: lib.nn.ConvTranspose2d(2, 3, 3),
    "BatchNorm1d": lambda lib: lib.nn.BatchNorm1d(3),
    "BatchNorm2d": lambda lib: lib.nn.BatchNorm2d(3),
    "InstanceNorm1d": lambda lib: lib.nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
    "LayerNorm": lambda lib: lib.nn.LayerNorm(3),
    "GroupNorm": lambda lib: lib.nn.GroupNorm(1, 2),
    "RMSNorm": lambda lib: lib.nn.RMSNorm(3),
    "Embedding": lambda lib: lib.nn.Embedding(5, 3),
    "EmbeddingBag": lambda lib: lib.nn.EmbeddingBag(5, 3),
    "RNN": lambda lib: lib.nn.RNN(3, 4),
    "LSTM(2 layers)": lambda lib: lib.nn.LSTM(3, 4, num_layers=2),
    "GRU(2 layers)": lambda lib: lib.nn.GRU(3, 4, num_layers=2),
    "RNNCell": lambda lib: lib.nn.RNNCell(3, 4),
    "LSTMCell": lambda lib: lib.nn.LSTMCell(3, 4),
    "GRUCell": lambda lib: lib.nn.GRUCell(3, 4),
    "PReLU": lambda lib: lib.nn.PReLU(),
    "MultiheadAttention": lambda lib: lib.nn.MultiheadAttention(4, 2),
    "TransformerEncoderLayer": lambda lib: lib.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8),
    "AdaptiveLogSoftmaxWithLoss": lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4]),
    "generate_square_subsequent_mask": lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(3),
    "init.xavier_uniform_(empty)": lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3, 4)),
    # losses
    "CrossEntropyLoss(weight=list)": _ce_weight,
    "cross_entropy": lambda lib: lib.nn.functional.cross_entropy(lib.randn(2, 3), lib.tensor([0, 2])),
    "mse_loss": lambda lib: lib.nn.functional.mse_loss(lib.randn(3), lib.randn(3)),
    "BCEWithLogitsLoss": lambda lib: lib.nn.BCEWithLogitsLoss()(lib.randn(3), lib.rand(3)),
    "nll_loss": lambda lib: lib.nn.functional.nll_loss(lib.randn(2, 3), lib.tensor([1, 0])),
}

# Untouched by the default: explicit dtypes, integer and bool data, and floating tensors meeting Python numbers.
UNAFFECTED = {
    "zeros(dtype=float32)": lambda lib: lib.zeros(2, dtype=lib.float32),
    "tensor(1.5, dtype=float32)": lambda lib: lib.tensor(1.5, dtype=lib.float32),
    "linspace(dtype=float32)": lambda lib: lib.linspace(0, 1, 3, dtype=lib.float32),
    "Linear(dtype=float32)": lambda lib: lib.nn.Linear(2, 3, dtype=lib.float32),
    "tensor([1, 2])": lambda lib: lib.tensor([1, 2]),
    "tensor(True)": lambda lib: lib.tensor(True),
    "tensor(float32 tensor)": lambda lib: lib.tensor(lib.ones(2, dtype=lib.float32)),   # a Tensor keeps its dtype
    "tensor(float16 tensor)": lambda lib: lib.tensor(lib.ones(2, dtype=lib.float16)),
    "arange(int)": lambda lib: lib.arange(3),
    "full(int)": lambda lib: lib.full((2,), 2),
    "int * 2": lambda lib: _ints(lib) * 2,
    "int // 2": lambda lib: _ints(lib) // 2,
    "float32 * 2.5": lambda lib: lib.ones(2, dtype=lib.float32) * 2.5,
    "float32 / 2": lambda lib: lib.ones(2, dtype=lib.float32) / 2,
    "sqrt(float32)": lambda lib: lib.sqrt(lib.ones(2, dtype=lib.float32)),
    "float32 * int": lambda lib: lib.ones(3, dtype=lib.float32) * _ints(lib),
}


@pytest.mark.parametrize("default", ["float64", "float16"])
@pytest.mark.parametrize("case", list(CASES))
def test_follows_the_default_as_torch(case, default):
    with default_dtype(default):
        ours, theirs = dtype_names(CASES[case](mg)), dtype_names(CASES[case](torch))
    assert ours == theirs
    assert default in ours   # a case that made no tensor of the default dtype would compare nothing


@pytest.mark.parametrize("case", list(CASES))
def test_float32_default_gives_float32(case):
    ours, theirs = dtype_names(CASES[case](mg)), dtype_names(CASES[case](torch))
    assert ours == theirs and "float32" in ours and "float64" not in ours


@pytest.mark.parametrize("case", list(UNAFFECTED))
def test_explicit_and_integer_dtypes_are_unaffected(case):
    expected = dtype_names(UNAFFECTED[case](mg))
    with default_dtype("float64"):
        ours, theirs = dtype_names(UNAFFECTED[case](mg)), dtype_names(UNAFFECTED[case](torch))
    assert ours == theirs == expected
    assert "float64" not in ours


def test_minigrad_only_creators_follow_the_default():
    # minigrad's own rules (no torch counterpart here): float data of any dtype becomes the default float, as do
    # Python floats in a batch, Parameter(list), an empty Buffer, the mean or softmax of integers, ToTensor and
    # nn.summary's made-up input; torch refuses mean/softmax of integers and keeps a NumPy array's dtype
    with default_dtype("float64"):
        assert mg.tensor(np.ones(2, dtype=np.float32)).dtype == np.float64
        assert mg.asarray([0.5, 1.5]).dtype == np.float64
        xb, yb = next(iter(DataLoader([(0.5, 1), (2.5, 0)], batch_size=2)))
        assert (xb.dtype, yb.dtype) == (np.float64, np.int64)
        assert nn.Parameter([1.0, 2.0]).dtype == np.float64
        assert nn.Buffer().dtype == np.float64
        assert mg.mean(mg.tensor([1, 2])).dtype == np.float64
        assert mg.softmax(mg.tensor([1, 2]), dim=0).dtype == np.float64
        assert transforms.ToTensor()(np.full((1, 2, 2), 255, dtype=np.uint8)).dtype == np.float64
        assert nn.summary(nn.Linear(4, 2), (1, 4)).dtype == "float64"
        assert mg.finfo().dtype == torch.finfo().dtype == "float64"
        assert mg.result_type(mg.tensor([1, 2]), 2.5) == np.float64


def test_set_and_get_agree_with_torch():
    assert mg.get_default_dtype() == mg.float32 and torch.get_default_dtype() == torch.float32
    for name in ("float64", "float16", "float32"):
        with default_dtype(name):
            assert mg.get_default_dtype() == np.dtype(name)
            assert str(torch.get_default_dtype()) == f"torch.{name}"
    assert mg.get_default_dtype() == mg.float32


@pytest.mark.parametrize("spelling", [mg.float64, mg.double, np.float64, np.dtype("float64"), "float64"])
def test_accepts_minigrad_and_numpy_spellings(spelling):
    try:
        mg.set_default_dtype(spelling)
        assert mg.get_default_dtype() == np.float64 and isinstance(mg.get_default_dtype(), np.dtype)
        assert mg.tensor(1.5).dtype == np.float64
    finally:
        mg.set_default_dtype(mg.float32)


@pytest.mark.parametrize("value", [mg.int64, mg.int32, mg.bool, mg.uint8, np.longdouble, None, "nonsense", 3,
                                   np.complex128])
def test_refuses_non_floating_types_naming_the_value(value):
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type") as info:
        mg.set_default_dtype(value)
    assert repr(value) in str(info.value)
    assert mg.get_default_dtype() == mg.float32   # a refused call changes nothing


def test_refuses_python_float_naming_both_readings():
    with pytest.raises(TypeError, match="NumPy reads as float64 and minigrad.float.*is float32"):
        mg.set_default_dtype(float)
    assert mg.get_default_dtype() == mg.float32


def test_repr_names_the_dtype_unless_it_is_the_default():
    with default_dtype("float64"):
        for lib in (mg, torch):
            assert "dtype" not in repr(lib.tensor([1.5, 2.0]))
            assert "dtype=" in repr(lib.tensor([1.5, 2.0], dtype=lib.float32))
            assert "float32" in repr(lib.tensor([1.5, 2.0], dtype=lib.float32))


def test_layers_made_before_the_change_keep_their_dtype():
    layer = nn.Linear(2, 3)
    with default_dtype("float64"):
        assert layer.weight.dtype == np.float32
        assert layer(mg.ones(1, 2, dtype=mg.float32)).dtype == np.float32
        assert nn.Linear(2, 3).weight.dtype == np.float64


def _net():
    return nn.Network(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _torch_twin(net):
    # minigrad's Linear weight is (in, out), torch's (out, in)
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for ours, theirs in zip([net[0], net[2]], [twin[0], twin[2]]):
            theirs.weight.copy_(torch.from_numpy(ours.weight.numpy().T.copy()))
            theirs.bias.copy_(torch.from_numpy(ours.bias.numpy().copy()))
    return twin


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_training_runs_in_the_default_dtype(default):
    with default_dtype(default):
        samples = [(mg.tensor([0.1 * i, -0.2 * i, 0.3, 1.0 - 0.05 * i]), i % 3) for i in range(12)]
        net = _net()
        opt = optim.Adam(net.parameters(), lr=1e-2)
        for xb, yb in DataLoader(samples, batch_size=4):
            assert xb.dtype == np.dtype(default)
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            assert loss.dtype == np.dtype(default)
        for p in net.parameters():
            assert p.dtype == np.dtype(default) and p.grad.dtype == np.dtype(default)
            for value in opt.state[p].values():
                if isinstance(value, mg.Tensor) or hasattr(value, "dtype"):
                    assert np.dtype(value.dtype) in (np.dtype(default), np.dtype(np.int64)), value


def test_float64_default_gradients_match_torch():
    x = [[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 3.0]]
    with default_dtype("float64"):
        net = _net()
        twin = _torch_twin(net)
        loss = F.cross_entropy(net(mg.tensor(x)), mg.tensor([2, 0]))
        loss.backward()
        tloss = torch.nn.functional.cross_entropy(twin(torch.tensor(x)), torch.tensor([2, 0]))
        tloss.backward()
    assert loss.dtype == np.float64 and tloss.dtype == torch.float64
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-13)
    for ours, theirs in zip([net[0], net[2]], [twin[0], twin[2]]):
        assert ours.weight.grad.dtype == np.float64
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy().T, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-12, atol=1e-15)


def _reads_default_float(node):
    return any(isinstance(n, ast.Attribute) and n.attr == "DEFAULT_FLOAT"
               or isinstance(n, ast.Name) and n.id == "DEFAULT_FLOAT" for n in ast.walk(node))


def _import_time_reads(body):
    """Statements of a module or class body (run at import, functions' bodies aside) that read DEFAULT_FLOAT; the
    one assignment that defines it is not a read."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            yield from _import_time_reads(stmt.body)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue   # their defaults are checked with every other function's
        elif isinstance(stmt, ast.Assign) and [getattr(t, "id", None) for t in stmt.targets] == ["DEFAULT_FLOAT"]:
            continue
        elif _reads_default_float(stmt):
            yield stmt


def test_no_module_binds_the_default_float_at_import():
    # a copy made at import (an imported name, a dtype= default, a module constant) would not follow set_default_dtype
    root = pathlib.Path(mg.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(a.name == "DEFAULT_FLOAT" for a in node.names):
                found.append(f"{where}:{node.lineno} imports DEFAULT_FLOAT by name")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                defaults = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
                if any(_reads_default_float(d) for d in defaults):
                    found.append(f"{where}:{node.lineno} has DEFAULT_FLOAT in a default argument")
        found += [f"{where}:{stmt.lineno} reads DEFAULT_FLOAT at import" for stmt in _import_time_reads(tree.body)]
    assert found == []


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")   # torch's advice to use clone()
def test_tensor_of_a_tensor_keeps_its_dtype_as_torch():
    for lib in (mg, torch):
        t = lib.tensor([1.5, 2.5], dtype=lib.float64)
        copy = lib.tensor(t)
        assert str(copy.dtype).endswith("float64") and lib.tensor(t, dtype=lib.float32).dtype == lib.float32
        copy[0] = 7.0
        assert t[0].item() == 1.5   # a copy, not a view
