"""Network runs a Linear followed by a ReLU as one AffineReLU node: exactly the unfused results."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.backend import to_numpy
from minigrad.nn import functional as F
from minigrad.nn.fused import Affine, AffineReLU


def _pair(device, dtype, bias=True):
    mg.manual_seed(3)
    return nn.Network(nn.Linear(6, 8, bias=bias, dtype=dtype, device=device), nn.ReLU(),
                      nn.Linear(8, 4, bias=bias, dtype=dtype, device=device), nn.ReLU(),
                      nn.Linear(4, 2, dtype=dtype, device=device))


def _unfused(net, x):
    """The same network, layer by layer, with relu as its own node."""
    for layer in net:
        x = F.relu(x) if type(layer) is nn.ReLU else layer(x)
    return x


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(5, 6), (2, 3, 6)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_nan", [False, True])
def test_fused_network_matches_layer_by_layer_bit_for_bit(device, dtype, shape, bias, with_nan):
    net = _pair(device, dtype, bias)
    x_host = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if with_nan:   # NaN pre-activations pass the gradient on through both (torch's relu), on every device
        x_host.reshape(-1, 6)[1, 2] = np.nan
    results = []
    for run in (net, lambda x: _unfused(net, x)):
        net.zero_grad()
        x = mg.tensor(x_host, dtype=dtype, requires_grad=True, device=device)
        out = run(x)
        (out * out).sum().backward()
        results.append([to_numpy(out.data), to_numpy(x.grad.data)]
                       + [to_numpy(p.grad.data) for p in net.parameters()])
    for fused, plain in zip(*results):
        assert fused.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(fused, plain)
    if with_nan:   # the NaN row's gradient is NaN (it was 0: the mask dropped it); the other rows' stay finite
        grad_rows = results[0][1].reshape(-1, 6)
        assert np.isnan(grad_rows[1]).all() and np.isfinite(np.delete(grad_rows, 1, axis=0)).all()


def test_network_records_one_node_per_linear_relu_pair():
    net = _pair("cpu", "float32")
    out = net(mg.randn(4, 6))
    assert type(out.creator) is Affine                    # the last Linear has no ReLU after it
    hidden = out.creator.inputs[0]
    assert type(hidden.creator) is AffineReLU
    assert type(hidden.creator.inputs[0].creator) is AffineReLU
    assert hidden.creator.inputs[0].creator.inputs[0].creator is None   # the input itself: a leaf


def test_subclassed_layers_are_never_fused():
    class Doubling(nn.ReLU):
        def forward(self, x):
            return F.relu(x) * 2.0

    mg.manual_seed(0)
    lin = nn.Linear(3, 4)
    x = mg.randn(5, 3)
    out = nn.Network(lin, Doubling())(x)
    np.testing.assert_allclose(out.numpy(), 2.0 * np.maximum(lin(x).numpy(), 0.0), rtol=1e-6)


def test_fused_relu_blocks_an_infinite_gradient_at_inactive_units():
    mg.manual_seed(1)
    net = nn.Network(nn.Linear(3, 50), nn.ReLU())
    x = mg.randn(40, 3)
    out = net(x)
    y = out.numpy()
    assert (y == 0).any() and (y > 0).any()
    upstream = np.where(y == 0, np.inf, 1.0).astype(np.float32)   # inf only where the unit is off
    out.backward(mg.tensor(upstream))
    w_grad = net[0].weight.grad.numpy()
    assert np.isfinite(w_grad).all()
    np.testing.assert_allclose(w_grad, x.numpy().T @ (y > 0).astype(np.float32), rtol=1e-5)


def test_no_grad_forward_is_the_same_and_records_nothing():
    net = _pair("cpu", "float32")
    x = mg.randn(4, 6)
    with_graph = net(x)
    with mg.no_grad():
        plain = net(x)
    assert plain.creator is None
    np.testing.assert_array_equal(plain.numpy(), with_graph.numpy())


def test_inplace_relu_before_max_pool_writes_the_stack_input_as_torch():
    # Network runs ReLU, MaxPool2d as MaxPool2d, ReLU; a ReLU(inplace=True) must not be swapped: torch's
    # Sequential(ReLU(inplace=True), MaxPool2d(2)) writes relu(x) into x (the swap wrote the pooled copy instead).
    x = mg.tensor([[[[1.0, -1.0], [-2.0, -3.0]]]])
    out = nn.Sequential(nn.ReLU(inplace=True), nn.MaxPool2d(2))(x)
    np.testing.assert_array_equal(out.numpy(), [[[[1.0]]]])
    np.testing.assert_array_equal(x.numpy(), [[[[1.0, 0.0], [0.0, 0.0]]]])



@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("pair", ["linear_relu", "relu_pool"])
def test_a_forward_set_on_the_instance_is_called_as_torchs_sequential(pair, position):
    # Linear + ReLU ran fused and ReLU + MaxPool2d swapped without calling a forward set on the layer (a wrapper
    # such as accelerate's hooks, or layer.forward = f), which torch's Sequential calls: the patched forward was
    # ignored (ReLU's forward set to -3 x before a pool gave -1 where torch gives 9).
    import torch
    x_host = np.array([[[[1.0, -1.0], [-2.0, -3.0]]]], dtype=np.float32)
    outputs = []
    for lib in (mg, torch):
        layers = [lib.nn.Linear(2, 2), lib.nn.ReLU()] if pair == "linear_relu" else [lib.nn.ReLU(), lib.nn.MaxPool2d(2)]
        seq = lib.nn.Sequential(*layers)
        seq[position].forward = lambda x: -x * 3
        x = lib.tensor(x_host)
        expected = -3 * seq[0].__class__.forward(seq[0], x) if pair == "linear_relu" and position == 1 else None
        outputs.append((np.array(seq(x).detach().numpy()), expected))
    (ours, expected), (theirs, _) = outputs
    if pair == "linear_relu" and position == 1:   # the Linear's random weights differ between the two libraries
        np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-6)
    else:
        np.testing.assert_array_equal(ours, theirs)


def test_a_forward_set_on_the_instance_takes_the_hooked_path_until_it_is_deleted():
    # Network reads one attribute, _hooked, to decide whether a pair may be fused: setting layer.forward makes it
    # True (so each call runs the instance's forward), deleting it makes the layer plain again.
    linear = nn.Linear(2, 2)
    assert not linear._hooked
    linear.forward = lambda x: x
    assert linear._hooked
    handle = linear.register_forward_hook(lambda layer, args, out: None)
    handle.remove()
    assert linear._hooked                       # the hook's removal leaves the instance's forward counted
    del linear.forward
    assert not linear._hooked
    seq = nn.Sequential(linear, nn.ReLU())
    assert seq(mg.ones(1, 2)).creator.__class__.__name__ == "AffineReLU"   # fused again
