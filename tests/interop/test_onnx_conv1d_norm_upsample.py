"""ONNX export of Conv1d, MaxPool1d, AvgPool1d, GroupNorm, ZeroPad2d and Upsample: compositions of ops that already
have mappings (reshapes around Conv/MaxPool/AveragePool, Pad, Expand), so they export with no converter of their
own. The graph passes onnx.checker and ONNX Runtime agrees with minigrad to 1e-5 for other batch sizes too."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from onnx_agreement import export_and_compare


def _export_and_compare(tmp_path, model, shape, opset):
    return [node.op_type for node in export_and_compare(tmp_path, model, shape, opset).graph.node]


def _randomised(model):
    mg.manual_seed(0)
    for i, p in enumerate(model.parameters()):   # GroupNorm's weight and bias away from their ones and zeros
        p.data[...] = np.random.default_rng(i).standard_normal(p.shape).astype(np.float32)
    return model


@pytest.mark.parametrize("opset", [13, 17])
def test_a_1d_convolutional_net_exports(tmp_path, opset):
    model = _randomised(nn.Sequential(
        nn.Conv1d(2, 6, 3, padding="same"), nn.GroupNorm(3, 6), nn.ReLU(), nn.MaxPool1d(3, stride=2, padding=1),
        nn.Conv1d(6, 4, 2, stride=2, dilation=2, groups=2), nn.AvgPool1d(2, ceil_mode=True),
        nn.Upsample(scale_factor=3), nn.GroupNorm(1, 4, affine=False), nn.Flatten(), nn.Linear(4 * 6, 3)))
    ops = _export_and_compare(tmp_path, model, (2, 20), opset)
    assert ops.count("Conv") == 2 and "MaxPool" in ops and "AveragePool" in ops and "Expand" in ops


def test_an_image_net_with_padding_upsampling_and_group_norm_exports(tmp_path):
    model = _randomised(nn.Sequential(
        nn.ZeroPad2d((1, 0, 2, 1)), nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4), nn.Upsample(scale_factor=(2, 1)),
        nn.ZeroPad2d(1), nn.Upsample(size=(28, 10))))
    ops = _export_and_compare(tmp_path, model, (3, 5, 4), 17)
    assert ops.count("Pad") == 2 and "Conv" in ops and ops.count("Expand") == 2
