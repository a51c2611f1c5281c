"""The older ``nn.utils.weight_norm`` / ``spectral_norm`` (forward pre-hook forms) and their ``remove_*`` against
torch's, float64: names, order and shapes (a Linear's 2-D entries through ``minigrad.io.to_torch``), outputs and
gradients after loading torch's state dict, the power iteration in training mode only, removal, errors."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch, to_torch
from torch_agreement import layer_gradients_agree, state_names_and_shapes_as_torch, torch_state

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(17)
TOL = dict(rtol=1e-10, atol=1e-12)

LAYERS = {
    "linear": (lambda: nn.Linear(3, 4, dtype=mg.float64), lambda: torch.nn.Linear(3, 4).double(), (5, 3)),
    "conv2d": (lambda: nn.Conv2d(2, 3, 2, dtype=mg.float64), lambda: torch.nn.Conv2d(2, 3, 2).double(), (2, 2, 4, 4)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(3, 2, 2, dtype=mg.float64),
                         lambda: torch.nn.ConvTranspose2d(3, 2, 2).double(), (2, 3, 3, 3)),
}
# dim=np.int64(-1) is torch's -1 (the whole tensor), not the last axis: minigrad read it as the last axis
CASES = [("weight_norm", {}), ("weight_norm", {"dim": 1}), ("weight_norm", {"dim": None}),
         ("weight_norm", {"dim": -1}), ("weight_norm", {"dim": np.int64(-1)}),
         ("spectral_norm", {}), ("spectral_norm", {"n_power_iterations": 3, "dim": 1})]
PARAMS = [pytest.param(layer, name, kwargs, id=f"{layer}-{name}-{kwargs}") for layer in LAYERS
          for name, kwargs in CASES]


def _apply(module, function, layer, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # both deprecate weight_norm; checked below
        return getattr(module, function)(layer, **kwargs)


def _pair(layer, name, kwargs):
    make, make_torch, shape = LAYERS[layer]
    mine, theirs = make(), make_torch()
    _apply(nn.utils, name, mine, **kwargs)
    _apply(torch.nn.utils, name, theirs, **kwargs)
    return mine, theirs, shape


def _random_state(theirs):
    """Random values for every entry; spectral norm's buffers u and v as unit vectors far from converged."""
    buffers = dict(theirs.named_buffers())
    with torch.no_grad():
        for name, value in theirs.state_dict().items():
            values = RNG.standard_normal(tuple(value.shape))
            value.copy_(torch.tensor(values / np.linalg.norm(values) if name in buffers else values))


def _load(mine, theirs):
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))


def _run(mine, theirs, shape, backward=True):
    layer_gradients_agree(mine, theirs, shape, RNG, TOL, backward)


@pytest.mark.parametrize("layer,name,kwargs", PARAMS)
def test_names_order_and_shapes_as_torch(layer, name, kwargs):
    mine, theirs, _ = _pair(layer, name, kwargs)
    state_names_and_shapes_as_torch(mine, theirs)
    assert "weight" not in dict(mine.named_parameters()) and isinstance(mine.weight, mg.Tensor)


@pytest.mark.parametrize("layer,name,kwargs", PARAMS)
def test_outputs_gradients_and_power_steps_after_loadingtorch_state(layer, name, kwargs):
    mine, theirs, shape = _pair(layer, name, kwargs)
    _random_state(theirs)
    _load(mine, theirs)
    for _ in range(2):   # training mode: spectral norm steps u and v on each forward, as torch's
        _run(mine, theirs, shape)
        mine.zero_grad(), theirs.zero_grad()
    for key, value in theirs.named_buffers():   # spectral norm's u and v (1-D: the same layout)
        np.testing.assert_allclose(mine.state_dict()[key], value.numpy(), err_msg=key, **TOL)
    mine.eval(), theirs.eval()
    before = {k: v.clone() for k, v in mine.state_dict().items()}   # a snapshot: the values share the model's memory
    _run(mine, theirs, shape)
    assert all(np.array_equal(before[k], v) for k, v in mine.state_dict().items())   # eval: nothing steps


@pytest.mark.parametrize("layer,name,kwargs", PARAMS)
def test_remove_leaves_the_weight_as_torch(layer, name, kwargs):
    mine, theirs, shape = _pair(layer, name, kwargs)
    _random_state(theirs)
    _load(mine, theirs)
    _run(mine, theirs, shape, backward=False)
    getattr(nn.utils, f"remove_{name}")(mine)
    getattr(torch.nn.utils, f"remove_{name}")(theirs)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["bias", "weight"]
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert not mine._forward_pre_hooks
    np.testing.assert_allclose(to_torch(mine, mine.state_dict())["weight"], theirs.weight.detach().numpy(), **TOL)
    _run(mine, theirs, shape)


def test_a_hooked_linear_before_a_relu_in_a_sequential_as_torch():
    """The pre-hook keeps the Linear from being fused with the ReLU: the weight is recomputed on every call."""
    mine = nn.Sequential(nn.Linear(3, 4, dtype=mg.float64), nn.ReLU())
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU()).double()
    _apply(nn.utils, "weight_norm", mine[0]), _apply(torch.nn.utils, "weight_norm", theirs[0])
    _load(mine, theirs)
    _run(mine, theirs, (6, 3))
    mine[0].weight_g.data *= -1.5
    with torch.no_grad():
        theirs[0].weight_g.mul_(-1.5)
    mine.zero_grad(), theirs.zero_grad()
    _run(mine, theirs, (6, 3))


def test_weight_norm_warns_as_torch_and_keeps_one_norm_per_output_unit():
    layer = nn.Linear(3, 4, dtype=mg.float64)
    weight = layer.weight.numpy().copy()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(layer)
    np.testing.assert_allclose(layer.weight_g.numpy(), np.linalg.norm(weight, axis=0, keepdims=True), **TOL)
    np.testing.assert_allclose(layer.weight.numpy(), weight, **TOL)


def test_errors_name_the_argument_and_value():
    with pytest.raises(ValueError, match="weight_norm: Linear has no parameter named 'kernel'"):
        _apply(nn.utils, "weight_norm", nn.Linear(2, 3), name="kernel")
    with pytest.raises(IndexError, match=r"weight_norm: dim=3 is out of range"):
        _apply(nn.utils, "weight_norm", nn.Linear(2, 3), dim=3)
    with pytest.raises(ValueError, match="n_power_iterations must be a positive int, got n_power_iterations=0"):
        nn.utils.spectral_norm(nn.Linear(2, 3), n_power_iterations=0)
    with pytest.raises(IndexError, match=r"spectral_norm: dim=4 is out of range"):
        nn.utils.spectral_norm(nn.Conv2d(1, 2, 3), dim=4)
    layer = nn.utils.spectral_norm(nn.Linear(2, 3))
    with pytest.raises(RuntimeError, match="already has a spectral_norm hook on 'weight'"):
        nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="remove_weight_norm: weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(layer)
    with pytest.raises(ValueError, match="remove_spectral_norm: spectral_norm of 'bias' not found"):
        nn.utils.remove_spectral_norm(layer, "bias")
