"""``minigrad.nn.utils.parametrizations`` (weight_norm, spectral_norm, orthogonal) against torch's, float64: state
dict keys, shapes (through ``minigrad.io.to_torch``: a Linear's 2-D originals are transposed as its weight) and
order, outputs and the gradients of every original after loading torch's state dict, the power iteration in
training and eval mode, and the errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from torch_agreement import layer_gradients_agree, state_names_and_shapes_as_torch, torch_state
from minigrad.nn.utils import parametrizations as P
from minigrad.nn.utils import parametrize

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrizations
RNG = np.random.default_rng(11)
TOL = dict(rtol=1e-10, atol=1e-12)

# (name, minigrad layer, torch layer, input shape): the layers the parametrizations are checked on.
LAYERS = {
    "linear_tall": (lambda: nn.Linear(3, 4, dtype=mg.float64), lambda: torch.nn.Linear(3, 4).double(), (5, 3)),
    "linear_square": (lambda: nn.Linear(4, 4, dtype=mg.float64), lambda: torch.nn.Linear(4, 4).double(), (5, 4)),
    "linear_wide": (lambda: nn.Linear(4, 2, dtype=mg.float64), lambda: torch.nn.Linear(4, 2).double(), (5, 4)),
    "conv2d": (lambda: nn.Conv2d(2, 3, 2, dtype=mg.float64), lambda: torch.nn.Conv2d(2, 3, 2).double(), (2, 2, 4, 4)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(3, 2, 2, dtype=mg.float64),
                         lambda: torch.nn.ConvTranspose2d(3, 2, 2).double(), (2, 3, 3, 3)),
}

CASES = [
    ("weight_norm", {}), ("weight_norm", {"dim": 1}), ("weight_norm", {"dim": None}), ("weight_norm", {"dim": -2}),
    ("spectral_norm", {}), ("spectral_norm", {"n_power_iterations": 3, "dim": 1}),
    ("orthogonal", {}), ("orthogonal", {"orthogonal_map": "cayley"}), ("orthogonal", {"orthogonal_map": "householder"}),
    ("orthogonal", {"orthogonal_map": "householder", "use_trivialization": False}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for name, kw in CASES]


def _pair(layer, name, kwargs):
    make, make_torch, shape = LAYERS[layer]
    mine, theirs = make(), make_torch()
    getattr(P, name)(mine, **kwargs)
    getattr(TP, name)(theirs, **kwargs)
    return mine, theirs, shape


def _scramble(theirs):
    """Random originals in torch's layer (orthogonal's -I start would make the map trivial), diagonals +-1.5 so
    that the Householder map's column signs (the truncated diagonal) are +-1."""
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if "original" in name:
                values = torch.tensor(RNG.standard_normal(tuple(p.shape)) * 0.5)
                if values.ndim >= 2:
                    k = min(values.shape[-2:])
                    values.diagonal(dim1=-2, dim2=-1).copy_(torch.tensor([1.5, -1.5] * k)[:k])
                p.copy_(values)


def _unconverged(theirs):
    """Random unit vectors as torch's _u and _v: far from the singular vectors, so that each power step shows."""
    spectral = theirs.parametrizations.weight[0]
    with torch.no_grad():
        for buffer in (spectral._u, spectral._v):
            values = RNG.standard_normal(tuple(buffer.shape))
            buffer.copy_(torch.tensor(values / np.linalg.norm(values)))


def _agree_forward_and_gradients(mine, theirs, shape):
    layer_gradients_agree(mine, theirs, shape, RNG, TOL)


def _applies(name, kwargs, layer):
    if name == "orthogonal" and layer.startswith("conv"):
        return False   # batches of matrices: test_orthogonal_batches_of_matrices_as_torch
    return not (kwargs.get("dim") == -2 and layer.startswith("conv"))


LAYER_CASES = [pytest.param(layer, name, kwargs, id=f"{layer}-{case_id}") for layer in LAYERS
               for (name, kwargs), case_id in zip(CASES, IDS) if _applies(name, kwargs, layer)]


@pytest.mark.parametrize("layer,name,kwargs", LAYER_CASES)
def test_state_dict_keys_shapes_and_order_as_torch(name, kwargs, layer):
    mine, theirs, _ = _pair(layer, name, kwargs)
    state_names_and_shapes_as_torch(mine, theirs)
    assert parametrize.is_parametrized(mine) and parametrize.is_parametrized(mine, "weight")
    assert not parametrize.is_parametrized(mine, "bias")


@pytest.mark.parametrize("layer,name,kwargs", LAYER_CASES)
def test_outputs_and_gradients_of_the_originals_after_loadingtorch_state(name, kwargs, layer):
    mine, theirs, shape = _pair(layer, name, kwargs)
    _scramble(theirs)
    mine.eval(), theirs.eval()   # spectral norm: no power step, the loaded u and v are used as they are
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    _agree_forward_and_gradients(mine, theirs, shape)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_batches_of_matrices_as_torch(orthogonal_map):
    mine, theirs, shape = _pair("conv2d", "orthogonal", {"orthogonal_map": orthogonal_map})
    assert list(mine.state_dict()) == list(torch_state(theirs))
    _scramble(theirs)
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    _agree_forward_and_gradients(mine, theirs, shape)
    w = mine.weight.numpy()
    np.testing.assert_allclose(np.swapaxes(w, -1, -2) @ w, np.broadcast_to(np.eye(2), w.shape), atol=1e-12)


@pytest.mark.parametrize("layer", ["linear_tall", "conv2d", "conv_transpose2d"])
def test_spectral_norm_power_iteration_in_training_mode_only_as_torch(layer):
    mine, theirs, shape = _pair(layer, "spectral_norm", {"n_power_iterations": 2})
    _unconverged(theirs)
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    buffers = mine.parametrizations.weight[0]
    x = RNG.standard_normal(shape)
    for _ in range(2):   # training mode: every forward steps u and v, as torch's
        y = mine(mg.tensor(x, dtype=mg.float64))
        ty = theirs(torch.tensor(x))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **TOL)
        np.testing.assert_allclose(buffers._u.numpy(), theirs.parametrizations.weight[0]._u.numpy(), **TOL)
        np.testing.assert_allclose(buffers._v.numpy(), theirs.parametrizations.weight[0]._v.numpy(), **TOL)
    mine.eval(), theirs.eval()
    u, v = buffers._u.numpy().copy(), buffers._v.numpy().copy()
    for _ in range(2):
        y = mine(mg.tensor(x, dtype=mg.float64))
        np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x)).detach().numpy(), **TOL)
    assert np.array_equal(buffers._u.numpy(), u) and np.array_equal(buffers._v.numpy(), v)


def test_spectral_norm_steps_once_per_forward_of_a_linear():
    """Linear reads its weight once per forward: one power step per call, not one per read."""
    mine, theirs, shape = _pair("linear_wide", "spectral_norm", {})
    _unconverged(theirs)
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    x = RNG.standard_normal(shape)
    mine(mg.tensor(x, dtype=mg.float64)), theirs(torch.tensor(x))
    np.testing.assert_allclose(mine.parametrizations.weight[0]._u.numpy(),
                               theirs.parametrizations.weight[0]._u.numpy(), **TOL)


def test_spectral_norm_divides_by_the_largest_singular_value():
    layer = P.spectral_norm(nn.Linear(5, 3, dtype=mg.float64), n_power_iterations=50)
    weight = layer.parametrizations.weight.original.numpy()
    layer(mg.randn(2, 5, dtype=mg.float64))   # 50 more power steps
    np.testing.assert_allclose(layer.weight.numpy(), weight / np.linalg.svd(weight, compute_uv=False)[0], **TOL)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_keeps_one_norm_per_torch_dim_on_the_linear_layout(dim):
    """dim=0 is torch's output unit: for minigrad's (in, out) weight, one norm per column."""
    layer = nn.Linear(3, 4, dtype=mg.float64)
    weight = layer.weight.numpy().copy()
    P.weight_norm(layer, dim=dim)
    g = layer.parametrizations.weight.original0.numpy()
    norms = {0: np.linalg.norm(weight, axis=0, keepdims=True), 1: np.linalg.norm(weight, axis=1, keepdims=True),
             None: np.linalg.norm(weight)}[dim]
    assert g.shape == np.shape(norms)
    np.testing.assert_allclose(g, norms, **TOL)
    np.testing.assert_allclose(layer.weight.numpy(), weight, **TOL)   # registration keeps the weight


@pytest.mark.parametrize("layer", ["linear_tall", "linear_square", "linear_wide"])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_registration_and_assignment_as_torch(layer, orthogonal_map):
    make, make_torch, _ = LAYERS[layer]
    mine, theirs = make(), make_torch()
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    P.orthogonal(mine, orthogonal_map=orthogonal_map)
    TP.orthogonal(theirs, orthogonal_map=orthogonal_map)
    # The image of the original is the initial weight made orthogonal (its QR's Q): the random columns that
    # complete a non-square base do not reach it.
    np.testing.assert_allclose(mine.weight.numpy().T, theirs.weight.detach().numpy(), **TOL)
    q = np.linalg.qr(RNG.standard_normal((max(theirs.weight.shape),) * 2))[0][:, :min(theirs.weight.shape)]
    q = q if theirs.weight.shape[0] >= theirs.weight.shape[1] else q.T
    mine.weight = mg.tensor(q.T, dtype=mg.float64)
    with torch.no_grad():
        theirs.weight = torch.tensor(q)
    np.testing.assert_allclose(mine.weight.numpy(), q.T, **TOL)
    np.testing.assert_allclose(mine.weight.numpy().T, theirs.weight.detach().numpy(), **TOL)


def test_a_weight_normed_linear_before_a_relu_in_a_sequential_as_torch():
    """A parametrized Linear is not fused with the ReLU after it: each forward reads the weight afresh."""
    mine = nn.Sequential(nn.Linear(3, 4, dtype=mg.float64), nn.ReLU(), nn.Linear(4, 2, dtype=mg.float64))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    P.weight_norm(mine[0]), TP.weight_norm(theirs[0])
    P.spectral_norm(mine[2]), TP.spectral_norm(theirs[2])
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    _agree_forward_and_gradients(mine, theirs, (6, 3))
    with torch.no_grad():
        theirs[0].parametrizations.weight.original0.mul_(-2.0)
    mine[0].parametrizations.weight.original0.data *= -2.0
    _agree_forward_and_gradients(mine, theirs, (6, 3))


@pytest.mark.parametrize("name", ["weight_norm", "spectral_norm", "orthogonal"])
def test_float32_stays_float32(name):
    layer = getattr(P, name)(nn.Linear(3, 3))
    y = layer(mg.randn(2, 3))
    assert layer.weight.dtype == np.float32 and y.dtype == np.float32
    y.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())


def test_remove_leaves_the_parametrized_weight_as_torch():
    mine, theirs, shape = _pair("linear_tall", "weight_norm", {})
    _scramble(theirs)
    mine.load_state_dict(from_torch(mine, torch_state(theirs)))
    parametrize.remove_parametrizations(mine, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(mine) is nn.Linear and not parametrize.is_parametrized(mine)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(mine.weight.numpy().T, theirs.weight.detach().numpy(), **TOL)


def test_errors_name_the_argument_and_value():
    with pytest.raises(ValueError, match="no parameter or buffer named 'kernel'"):
        P.weight_norm(nn.Linear(2, 3), name="kernel")
    with pytest.raises(ValueError, match="no parameter or buffer named 'weight'"):
        P.spectral_norm(nn.ReLU())
    with pytest.raises(IndexError, match=r"weight_norm: dim=2 is out of range .* \[-2, 1\]"):
        P.weight_norm(nn.Linear(2, 3), dim=2)
    with pytest.raises(IndexError, match=r"spectral_norm: dim=-5 is out of range"):
        P.spectral_norm(nn.Conv2d(1, 2, 3), dim=-5)
    for n in (0, -1):
        with pytest.raises(ValueError, match=f"n_power_iterations must be a positive int, got n_power_iterations={n}"):
            P.spectral_norm(nn.Linear(2, 3), n_power_iterations=n)
    with pytest.raises(ValueError, match="orthogonal_map must be one of .* got orthogonal_map='qr'"):
        P.orthogonal(nn.Linear(2, 2), orthogonal_map="qr")
    with pytest.raises(ValueError, match=r"orthogonal: expects a matrix .* 'bias' of 1 dimension"):
        P.orthogonal(nn.Linear(2, 2), name="bias")
    layer = P.orthogonal(nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        layer.weight = mg.eye(3)
    layer = P.orthogonal(nn.Linear(3, 2))
    with pytest.raises(ValueError, match=r"shape \(2, 3\), got \(3, 3\)"):
        layer.weight = mg.eye(3)


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Conv1d(2, 3, 2), lambda lib: lib.nn.Linear(2, 3)])
def test_weight_norm_loads_a_state_of_the_older_hook_form_as_torch(make):
    # torch's parametrizations.weight_norm reads weight_g / weight_v (its compat hook); here they were refused
    import warnings
    for lib in (mg, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            old = lib.nn.utils.weight_norm(make(lib))
        new = lib.nn.utils.parametrizations.weight_norm(make(lib))
        state = old.state_dict()
        result = new.load_state_dict(state)
        assert result.missing_keys == [] and result.unexpected_keys == []
        assert list(state) == ["bias", "weight_g", "weight_v"]   # the caller's dict is not edited
        x = lib.ones((1, 2, 4)) if isinstance(new, lib.nn.Conv1d) else lib.ones((1, 2))
        np.testing.assert_allclose(np.asarray(new(x).detach().numpy()), np.asarray(old(x).detach().numpy()),
                                   rtol=1e-6, atol=1e-6)
