"""Lazy layers (LazyLinear ... LazyInstanceNorm2d), UninitializedParameter / UninitializedBuffer and nn.Buffer against
torch.nn: the inferred argument, the class they become, the eager initialisation (the same random draws as the eager
constructor), outputs and gradients once materialized (float64), state dicts before and after, loading, optimizers
given placeholders, and the errors."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from minigrad.nn.lazy import is_lazy

rng = np.random.default_rng(31)

# (our lazy layer, torch's, the eager class both become, input shape, the inferred argument)
CASES = [
    (lambda d: nn.LazyLinear(3, dtype=d), lambda: torch.nn.LazyLinear(3), "Linear", (2, 4), "in_features"),
    (lambda d: nn.LazyLinear(2, bias=False, dtype=d), lambda: torch.nn.LazyLinear(2, bias=False), "Linear",
     (3, 2, 5), "in_features"),
    (lambda d: nn.LazyConv1d(4, 3, padding=1, dtype=d), lambda: torch.nn.LazyConv1d(4, 3, padding=1), "Conv1d",
     (2, 3, 6), "in_channels"),
    (lambda d: nn.LazyConv2d(4, (2, 3), stride=2, groups=2, dtype=d),
     lambda: torch.nn.LazyConv2d(4, (2, 3), stride=2, groups=2), "Conv2d", (2, 6, 5, 7), "in_channels"),
    (lambda d: nn.LazyConv2d(2, 3, dtype=d), lambda: torch.nn.LazyConv2d(2, 3), "Conv2d", (3, 5, 5), "in_channels"),
    (lambda d: nn.LazyConvTranspose1d(2, 3, stride=2, dtype=d), lambda: torch.nn.LazyConvTranspose1d(2, 3, stride=2),
     "ConvTranspose1d", (2, 3, 4), "in_channels"),
    (lambda d: nn.LazyConvTranspose2d(3, 2, groups=3, bias=False, dtype=d),
     lambda: torch.nn.LazyConvTranspose2d(3, 2, groups=3, bias=False), "ConvTranspose2d", (1, 6, 3, 4),
     "in_channels"),
    (lambda d: nn.LazyBatchNorm1d(dtype=d), lambda: torch.nn.LazyBatchNorm1d(), "BatchNorm1d", (5, 3), "num_features"),
    (lambda d: nn.LazyBatchNorm1d(momentum=None, dtype=d), lambda: torch.nn.LazyBatchNorm1d(momentum=None),
     "BatchNorm1d", (4, 2, 3), "num_features"),
    (lambda d: nn.LazyBatchNorm2d(affine=False, dtype=d), lambda: torch.nn.LazyBatchNorm2d(affine=False),
     "BatchNorm2d", (3, 2, 2, 3), "num_features"),
    (lambda d: nn.LazyInstanceNorm1d(affine=True, dtype=d), lambda: torch.nn.LazyInstanceNorm1d(affine=True),
     "InstanceNorm1d", (2, 3, 5), "num_features"),
    (lambda d: nn.LazyInstanceNorm2d(track_running_stats=True, affine=True, dtype=d),
     lambda: torch.nn.LazyInstanceNorm2d(track_running_stats=True, affine=True), "InstanceNorm2d", (2, 3, 4, 3),
     "num_features"),
    (lambda d: nn.LazyInstanceNorm2d(dtype=d), lambda: torch.nn.LazyInstanceNorm2d(), "InstanceNorm2d",
     (2, 3, 4, 3), "num_features"),
]
IDS = [f"{c[2]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("make, make_torch, eager, shape, argument", CASES, ids=IDS)
def test_lazy_layer_becomes_its_eager_class_and_agrees_with_torch(make, make_torch, eager, shape, argument):
    layer, theirs = make("float64"), make_torch().double()
    assert getattr(layer, argument) == getattr(theirs, argument) == 0
    assert type(layer).__name__ == type(theirs).__name__ == "Lazy" + eager
    assert isinstance(layer, getattr(nn, eager)) and layer.has_uninitialized_params()
    # Before the first call: the same state-dict keys, placeholders where torch has them.
    state, tstate = layer.state_dict(), theirs.state_dict()
    assert list(state) == list(tstate)
    for key, value in tstate.items():
        assert is_lazy(state[key]) == isinstance(value, torch.nn.parameter.UninitializedTensorMixin)
    x = rng.standard_normal(shape)
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    layer(xm), theirs(xt)
    assert type(layer) is getattr(nn, eager) and type(theirs).__name__ == eager
    assert getattr(layer, argument) == getattr(theirs, argument) > 0
    assert not hasattr(layer, "_lazy_arguments")
    assert all(type(p) is nn.Parameter for p in layer.parameters())
    assert all(type(b) is mg.Tensor for b in layer.buffers())
    # Materialized: torch's shapes (in our layout), and with torch's values loaded, its outputs and gradients.
    tstate = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours = from_torch(layer, tstate)
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == {k: v.shape for k, v in ours.items()}
    layer.load_state_dict(ours)
    x = rng.standard_normal(shape)
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(xm), theirs(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-13)
    g = rng.standard_normal(y.shape)
    y.backward(mg.tensor(g, dtype="float64"))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    for (name, p), (tname, tp) in zip(layer.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad.numpy(), from_torch(layer, {name: tp.grad.numpy()})[name], rtol=1e-11,
                                   atol=1e-12)
    for name, buffer in layer.named_buffers():   # the running statistics moved as torch's did
        np.testing.assert_allclose(buffer.numpy(), theirs.state_dict()[name].numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("lazy, eager, shape", [
    (lambda: nn.LazyLinear(5), lambda: nn.Linear(4, 5), (3, 4)),
    (lambda: nn.LazyConv2d(3, 2, groups=3, dtype="float64"), lambda: nn.Conv2d(6, 3, 2, groups=3, dtype="float64"),
     (1, 6, 4, 4)),
    (lambda: nn.LazyConvTranspose1d(2, 3), lambda: nn.ConvTranspose1d(4, 2, 3), (2, 4, 3)),
    (lambda: nn.LazyBatchNorm2d(eps=1e-3), lambda: nn.BatchNorm2d(4, eps=1e-3), (2, 4, 2, 2)),
])
def test_initial_values_are_the_eager_constructor_s_draws(lazy, eager, shape):
    mg.manual_seed(5)
    expected = eager()
    after_eager = mg.rand(4).numpy()        # where the eager constructor leaves the generator
    mg.manual_seed(5)
    layer = lazy()                          # draws nothing ...
    x = mg.tensor(np.ones(shape), dtype=expected.parameters()[0].dtype)
    layer(x)                                # ... and the first call draws what the eager constructor draws
    np.testing.assert_array_equal(mg.rand(4).numpy(), after_eager)
    assert type(layer) is type(expected) and repr(layer) == repr(expected)
    assert list(layer.state_dict()) == list(expected.state_dict())
    for name, value in expected.state_dict().items():
        assert layer.state_dict()[name].dtype == value.dtype
        if name not in ("running_mean", "running_var", "num_batches_tracked"):   # the call updated these
            np.testing.assert_array_equal(layer.state_dict()[name], value)


def test_load_state_dict_into_a_lazy_layer_materializes_it_and_the_first_call_checks_the_shapes():
    mg.manual_seed(1)
    source = nn.Linear(4, 3)
    layer = nn.LazyLinear(3)
    assert layer.load_state_dict(source.state_dict()) == ([], [])
    assert type(layer) is nn.LazyLinear and type(layer.weight) is nn.Parameter and layer.weight.shape == (4, 3)
    before = mg.random.get_rng_state()
    y = layer(mg.ones(2, 4))
    assert mg.random.get_rng_state() == before   # nothing left to draw: the loaded values are kept
    assert type(layer) is nn.Linear and layer.in_features == 4
    np.testing.assert_array_equal(y.numpy(), source(mg.ones(2, 4)).numpy())
    other = nn.LazyLinear(3)
    other.load_state_dict(source.state_dict())
    with pytest.raises(ValueError, match=r"LazyLinear: the input of shape \(2, 5\) gives in_features=5, so weight "
                                         r"should have shape \(5, 3\), but it has shape \(4, 3\)"):
        other(mg.ones(2, 5))
    # torch: the same, with its own layout and message
    theirs = torch.nn.LazyLinear(3)
    theirs.load_state_dict({"weight": torch.ones(3, 4), "bias": torch.zeros(3)})
    with pytest.raises(AssertionError, match="in_features inferred from input: 5"):
        theirs(torch.ones(2, 5))


def test_uninitialized_states_load_into_lazy_layers_only():
    lazy_state = nn.LazyConv1d(2, 3).state_dict()
    target = nn.LazyConv1d(2, 3)
    assert target.load_state_dict(lazy_state) == ([], [])   # placeholders into placeholders: nothing changes
    assert target.has_uninitialized_params() and is_lazy(target.weight)
    tlazy = torch.nn.LazyConv1d(2, 3)
    tlazy.load_state_dict(torch.nn.LazyConv1d(2, 3).state_dict())
    assert isinstance(tlazy.weight, torch.nn.UninitializedParameter)
    with pytest.raises(ValueError, match=r"size mismatch for weight: copying an uninitialized parameter from "
                                         r"checkpoint, the shape in current model is \(2, 1, 3\)\."):
        nn.Conv1d(1, 2, 3).load_state_dict(lazy_state)
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        torch.nn.Conv1d(1, 2, 3).load_state_dict(torch.nn.LazyConv1d(2, 3).state_dict())
    # A partial state: the loaded weight is kept, the bias materialized at the first call.
    part = nn.LazyConv1d(2, 3)
    mg.manual_seed(2)
    weight = nn.Conv1d(3, 2, 3).weight.numpy()
    assert part.load_state_dict({"weight": weight}, strict=False) == (["bias"], [])
    part(mg.ones(1, 3, 4))
    np.testing.assert_array_equal(part.weight.numpy(), weight)
    assert part.bias.shape == (2,) and type(part) is nn.Conv1d


def test_an_optimizer_takes_placeholders_and_updates_them_once_materialized():
    layer = nn.Sequential(nn.LazyLinear(3, dtype="float64"), nn.ReLU(), nn.LazyLinear(1, dtype="float64"))
    params = layer.parameters()
    assert all(is_lazy(p) for p in params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # torch neither warns nor raises here, and nor does minigrad
        opt = mg.optim.Adam(params, lr=0.1)
        torch.optim.Adam(torch.nn.LazyLinear(3).parameters(), lr=0.1)
    opt.step()   # no gradients yet: nothing to do
    x = mg.tensor(rng.standard_normal((5, 2)), dtype="float64")
    layer(x).sum().backward()
    assert [type(p) for p in params] == [nn.Parameter] * 4 and layer.parameters() == params
    before = [p.numpy().copy() for p in params]
    opt.step()
    assert all(not np.array_equal(b, p.numpy()) for b, p in zip(before, params))
    assert type(layer[0]) is nn.Linear
    assert repr(layer[0]) == "Linear(in_features=2, out_features=3, bias=True)  # 9 params"


def test_placeholders_have_no_shape_until_materialized():
    p = nn.UninitializedParameter(dtype="float64")
    assert repr(p) == "<UninitializedParameter>" and p.dtype == np.float64 and p.requires_grad and p.device == "cpu"
    for attr in ("shape", "ndim", "size"):
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
            getattr(p, attr)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        torch.nn.UninitializedParameter().shape
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == np.float64 and not p.numpy().any()
    b = nn.UninitializedBuffer()
    assert repr(b) == "<UninitializedBuffer>" and b.dtype == np.float32 and not b.requires_grad
    b.materialize(4, dtype="float64")
    assert type(b) is mg.Tensor and b.shape == (4,) and b.dtype == np.float64
    t = torch.nn.UninitializedBuffer()
    t.materialize(4, dtype=torch.float64)
    assert type(t) is torch.Tensor and t.shape == (4,)
    with pytest.raises(ValueError, match="UninitializedParameter: dtype must be a floating dtype"):
        nn.UninitializedParameter(dtype="int64")


def test_lazy_layers_keep_float32_and_move_with_to():
    layer = nn.LazyBatchNorm1d()
    layer.to("cpu")
    assert layer.weight.dtype == layer.running_mean.dtype == np.float32
    y = layer(mg.tensor(rng.standard_normal((4, 3)).astype(np.float32)))
    assert y.dtype == layer.weight.dtype == layer.running_var.dtype == np.float32
    assert repr(nn.LazyLinear(3)) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert repr(torch.nn.LazyLinear(3)) == "LazyLinear(in_features=0, out_features=3, bias=True)"


def test_lazy_layer_errors():
    with pytest.raises(TypeError, match="LazyLinear: input must be a Tensor"):
        nn.LazyLinear(3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"LazyConv2d: expected a 3-D or 4-D input, got shape \(2, 3\)"):
        nn.LazyConv2d(2, 3)(mg.ones(2, 3))
    with pytest.raises(ValueError, match=r"LazyBatchNorm2d: expected a 4-D input, got shape \(2, 3, 4\)"):
        nn.LazyBatchNorm2d()(mg.ones(2, 3, 4))
    with pytest.raises(ValueError, match="Conv2d: groups=2 must be a positive integer dividing in_channels=3"):
        nn.LazyConv2d(4, 3, groups=2)(mg.ones(1, 3, 5, 5))
    with pytest.raises(ValueError, match="Linear: out_features"):
        nn.LazyLinear(0)
    with pytest.raises(TypeError, match="the first call needs the input"):
        nn.LazyLinear(2)()
    import inspect
    ours, theirs = inspect.signature(nn.LazyInstanceNorm1d), inspect.signature(torch.nn.LazyInstanceNorm1d)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()]
    assert list(inspect.signature(nn.LazyConv2d).parameters)[:3] == ["out_channels", "kernel_size", "stride"]


def test_lazy_instance_norm_reads_the_channels_of_an_unbatched_input():
    # Deliberate difference (docs/layers.md): torch reads axis 1 of an unbatched (C, L) input as the channels and
    # then fails; minigrad reads axis 0, as the eager InstanceNorm1d does.
    layer = nn.LazyInstanceNorm1d(dtype="float64")
    x = rng.standard_normal((3, 5))
    y = layer(mg.tensor(x, dtype="float64"))
    assert layer.num_features == 3 and y.shape == (3, 5)
    np.testing.assert_allclose(y.numpy(), torch.nn.InstanceNorm1d(3, affine=True).double()(torch.tensor(x)).detach()
                               .numpy(), rtol=1e-12, atol=1e-13)
    with pytest.raises(ValueError, match="match num_features"):
        torch.nn.LazyInstanceNorm1d()(torch.tensor(x))


def test_buffer_registers_itself_and_persistent_false_stays_out_of_the_state_dict():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Buffer(mg.ones(3))
            self.cache = nn.Buffer(mg.zeros(2), persistent=False)

    class TorchScaled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Buffer(torch.ones(3))
            self.cache = torch.nn.Buffer(torch.zeros(2), persistent=False)

    ours, theirs = Scaled(), TorchScaled()
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] == ["scale", "cache"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["scale"]
    assert ours.parameters() == [] and isinstance(ours.scale, mg.Tensor) and ours.scale.persistent
    assert ours.load_state_dict({"scale": np.full(3, 2.0, np.float32)}) == ([], [])
    np.testing.assert_array_equal(ours.scale.numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match='Unexpected key\\(s\\) in state_dict: "cache"'):
        ours.load_state_dict({"scale": np.ones(3), "cache": np.ones(2)})
    ours.to("cpu")
    assert nn.Buffer().shape == torch.nn.Buffer().shape == (0,)
    x = mg.ones(2, requires_grad=True)
    assert nn.Buffer(x).requires_grad and nn.Buffer(x).creator is None
    m = nn.Module()
    m.register_buffer("step", mg.zeros(()), persistent=False)
    assert m.state_dict() == {} and [n for n, _ in m.named_buffers()] == ["step"]


def test_double_before_the_first_call_casts_the_placeholders_and_pre_hooks_see_the_eager_layer():
    layer, theirs = nn.LazyLinear(3).double(), torch.nn.LazyLinear(3).double()
    assert layer.weight.dtype == np.float64 and is_lazy(layer.weight) and theirs.weight.dtype == torch.float64
    seen = []
    layer.register_forward_pre_hook(lambda m, args: seen.append(type(m).__name__))
    layer(mg.tensor(np.ones((2, 4)), dtype="float64"))
    assert layer.weight.dtype == layer.bias.dtype == np.float64 and type(layer) is nn.Linear and seen == ["Linear"]
