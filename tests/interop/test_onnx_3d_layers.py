"""ONNX export of the 3-D layers: Conv3d, ConvTranspose3d, MaxPool3d and AvgPool3d map to Conv, ConvTranspose,
MaxPool and AveragePool with three-entry attributes (``Conv3d``, ``ConvTranspose3d``, ``MaxPool3d``, ``AvgPool3d``,
``AdaptiveMaxPool3d`` have converters); the rest (pads, norms, adaptive average pooling, trilinear and nearest
upsampling, LP pooling) are compositions of exported ops. The graph passes onnx.checker and ONNX Runtime agrees with
minigrad to 1e-5 for other batch sizes too."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.onnx import ExportError, export
from onnx_agreement import export_and_compare


def _ops(tmp_path, model, shape, opset=17):
    return [node.op_type for node in export_and_compare(tmp_path, model, shape, opset).graph.node]


def _randomised(model):
    mg.manual_seed(0)
    for i, p in enumerate(model.parameters()):
        p.data[...] = (np.random.default_rng(i).standard_normal(p.shape) * 0.5).astype(np.float32)
    for layer in model:
        if isinstance(layer, nn.BatchNorm3d):
            layer.running_mean.data[...] = np.linspace(-0.5, 0.5, layer.num_features).astype(np.float32)
            layer.running_var.data[...] = np.linspace(0.5, 2.0, layer.num_features).astype(np.float32)
    return model.eval()


def test_a_volumetric_conv_net_exports(tmp_path):
    model = _randomised(nn.Sequential(
        nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(),
        nn.MaxPool3d(2, stride=(1, 2, 2), padding=1, ceil_mode=True),
        nn.Conv3d(4, 4, (2, 3, 1), stride=(1, 1, 2), dilation=(2, 1, 1), groups=2, bias=False),
        nn.AvgPool3d(2, stride=1, padding=(1, 0, 1), count_include_pad=False),
        nn.ConvTranspose3d(4, 3, 2, stride=2, padding=(1, 0, 0), output_padding=(1, 0, 1)),
        nn.InstanceNorm3d(3, affine=True), nn.AdaptiveAvgPool3d((2, 3, 2)), nn.Flatten(), nn.Linear(36, 3)))
    ops = _ops(tmp_path, model, (2, 6, 7, 8))
    assert ops.count("Conv") == 2 and "ConvTranspose" in ops and "MaxPool" in ops and "AveragePool" in ops


def test_pooling_variants_of_volumes_export(tmp_path):
    model = _randomised(nn.Sequential(
        nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True, divisor_override=4), nn.ReLU(),
        nn.MaxPool3d((1, 2, 2), stride=1, dilation=(1, 2, 1)), nn.AdaptiveMaxPool3d((3, 1, 2)),
        nn.Upsample(scale_factor=(1, 2, 1))))
    ops = _ops(tmp_path, model, (2, 5, 8, 9))
    assert "MaxPool" in ops and "AveragePool" in ops and "Expand" in ops


@pytest.mark.parametrize("opset", [13, 19])
def test_3d_padding_layers_and_trilinear_upsampling_export(tmp_path, opset):
    layers = [nn.ReflectionPad3d((1, 2, 0, 1, 2, 1)), nn.ReplicationPad3d(1), nn.ConstantPad3d((1, 0, 0, 1, 1, 0), 0.5),
              nn.ZeroPad3d(1), nn.Upsample(scale_factor=1.5, mode="trilinear"),
              nn.Upsample(size=(4, 5, 6), mode="trilinear", align_corners=True), nn.LPPool3d(2, 2)]
    if opset >= 19:   # circular padding is Pad(mode='wrap'), opset 19
        layers.insert(2, nn.CircularPad3d((1, 0, 1, 0, 0, 1)))
    ops = _ops(tmp_path, _randomised(nn.Sequential(*layers)), (2, 3, 3, 4), opset)
    assert ops.count("Pad") >= 4 and "Gather" in ops


def test_adaptive_max_pooling_with_unequal_windows_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"adaptive max pooling .* from \(3, 4, 4\) to \(2, 2, 2\)"):
        export(nn.AdaptiveMaxPool3d(2), mg.randn(2, 1, 3, 4, 4), tmp_path / "m.onnx")
