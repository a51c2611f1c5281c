"""Conv1d/Conv2d with padding_mode 'reflect', 'replicate' and 'circular' against torch 2.13 in float64: outputs,
input and weight gradients, 'same' split as torch splits it, printing, refusals; and the ONNX export."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from torch_agreement import TOL

MODES = ("reflect", "replicate", "circular")


def _agree(mine, theirs, x):
    mine.load_state_dict(from_torch(mine, theirs.state_dict()))
    g = np.random.default_rng(1).standard_normal(theirs(torch.tensor(x)).shape)
    tx, mx = torch.tensor(x, requires_grad=True), mg.tensor(x, dtype="float64", requires_grad=True)
    ty, my = theirs(tx), mine(mx)
    ty.backward(torch.tensor(g))
    (my * mg.tensor(g, dtype="float64")).sum().backward()
    np.testing.assert_allclose(my.data, ty.detach().numpy(), **TOL["float64"])
    np.testing.assert_allclose(mx.grad.data, tx.grad.numpy(), **TOL["float64"])
    np.testing.assert_allclose(mine.weight.grad.data, theirs.weight.grad.numpy(), **TOL["float64"])
    np.testing.assert_allclose(mine.bias.grad.data, theirs.bias.grad.numpy(), **TOL["float64"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding, kernel, stride, dilation", [
    (1, 3, 2, 1), ((2, 1), 3, 1, 1), ("same", 4, 1, 2), ("same", (2, 3), 1, 1), ("valid", 3, 2, 1)])
def test_conv2d_padding_modes_match_torch(mode, padding, kernel, stride, dilation):
    theirs = torch.nn.Conv2d(2, 3, kernel, stride=stride, padding=padding, dilation=dilation,
                             padding_mode=mode).double()
    mine = nn.Conv2d(2, 3, kernel, stride=stride, padding=padding, dilation=dilation, padding_mode=mode,
                     dtype="float64")
    _agree(mine, theirs, np.random.default_rng(0).standard_normal((2, 2, 7, 8)))
    assert repr(mine).split("  #")[0] == repr(theirs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", [2, "same"])
def test_conv1d_padding_modes_match_torch(mode, padding):
    theirs = torch.nn.Conv1d(2, 3, 4, padding=padding, padding_mode=mode).double()
    mine = nn.Conv1d(2, 3, 4, padding=padding, padding_mode=mode, dtype="float64")
    _agree(mine, theirs, np.random.default_rng(2).standard_normal((3, 2, 9)))


@pytest.mark.parametrize("built,switched", [("zeros", "reflect"), ("circular", "zeros"), ("replicate", "circular")])
@pytest.mark.parametrize("padding", [1, "same", (2, 0)])
def test_a_padding_mode_set_on_a_built_conv_takes_effect_as_in_torch(built, switched, padding):
    """A model switched to another padding mode layer by layer (``m.padding_mode = 'reflect'``): the widths are
    fixed at construction and the mode is read at each forward, as torch's. Built with 'zeros', the new mode was
    ignored (zero padding); switched back to 'zeros', F.pad was called with mode='zeros' and failed."""
    theirs = torch.nn.Conv2d(2, 3, 3, padding=padding, padding_mode=built).double()
    mine = nn.Conv2d(2, 3, 3, padding=padding, padding_mode=built, dtype="float64")
    theirs.padding_mode = mine.padding_mode = switched
    _agree(mine, theirs, np.random.default_rng(3).standard_normal((2, 2, 5, 6)))
    assert mine._reversed_padding_repeated_twice == tuple(theirs._reversed_padding_repeated_twice)


def test_a_transposed_conv_refuses_a_padding_mode_set_after_construction_as_torch():
    mine, theirs = nn.ConvTranspose2d(1, 2, 3), torch.nn.ConvTranspose2d(1, 2, 3)
    mine.padding_mode = theirs.padding_mode = "reflect"
    with pytest.raises(ValueError, match=r"ConvTranspose2d: only padding_mode='zeros' is supported, got 'reflect'"):
        mine(mg.randn(1, 1, 4, 4))
    with pytest.raises(ValueError, match="Only `zeros` padding mode is supported"):
        theirs(torch.randn(1, 1, 4, 4))


def test_float32_stays_float32_and_bad_modes_are_refused_as_torch_refuses_them():
    y = nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")(mg.randn(1, 1, 5, 5))
    assert y.dtype == np.float32 and y.shape == (1, 2, 5, 5)
    with pytest.raises(ValueError, match=r"Conv2d: padding_mode must be one of \['zeros', 'reflect', 'replicate', "
                                         r"'circular'\], but got padding_mode='mirror'"):
        nn.Conv2d(1, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"ConvTranspose2d: only padding_mode='zeros' is supported, got 'reflect'"):
        nn.ConvTranspose2d(1, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError):
        torch.nn.ConvTranspose2d(1, 2, 3, padding_mode="reflect")
    with pytest.raises(Exception):   # reflect needs widths below the axis size, in both libraries
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(mg.randn(1, 1, 3, 3))
    with pytest.raises(Exception):
        torch.nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(torch.randn(1, 1, 3, 3))


def test_a_reflect_padded_conv_exports_to_onnx(tmp_path):
    from tests.interop.onnx_agreement import export_and_compare

    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), nn.ReLU()).eval()
    proto = export_and_compare(tmp_path, model, (2, 6, 5), opset=18)
    assert "Pad" in [node.op_type for node in proto.graph.node]
