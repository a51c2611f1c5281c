"""ONNX export of grid_sample (GridSample, opset 16+: every mode, padding mode and align_corners, with a grid that
depends on the input; 5-D input from opset 20), of a spatial transformer (affine_grid is a MatMul with a constant
base grid), and of interpolate's gathering modes (nearest at any factor, nearest-exact, bicubic, area), which
export through the ops they are made of, as does conv_tbc (conv1d between transposes). onnx.checker passes and
ONNX Runtime agrees with minigrad to 1e-5 at other batch sizes. Fractional max pooling is refused with its reason."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.onnx import ExportError, export
from onnx_agreement import export_and_compare


class _Sampler(nn.Module):
    """Samples its input at a grid computed from the input itself (so the grid is data, not a constant)."""

    def __init__(self, mode, padding_mode, align_corners):
        super().__init__()
        self.args = (mode, padding_mode, align_corners)

    def forward(self, x):
        grid = mg.tanh(x[:, :2].transpose(0, 2, 3, 1)) * 1.3
        return F.grid_sample(x, grid, *self.args)


@pytest.mark.parametrize("opset", [16, 20])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_exports_as_grid_sample(tmp_path, mode, opset):
    for padding_mode in ("zeros", "border", "reflection"):
        for align_corners in (True, False):
            proto = export_and_compare(tmp_path, _Sampler(mode, padding_mode, align_corners), (3, 4, 5), opset)
            node, = [n for n in proto.graph.node if n.op_type == "GridSample"]
            attrs = {a.name: a for a in node.attribute}
            expected = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode) if opset >= 20 else mode
            assert attrs["mode"].s.decode() == expected and attrs["align_corners"].i == int(align_corners)


def test_grid_sample_before_opset_16_is_refused(tmp_path):
    with pytest.raises(ExportError, match="GridSample .* needs opset 16 or later"):
        export(_Sampler("bilinear", "zeros", False), mg.randn(2, 3, 4, 5), tmp_path / "m.onnx", opset=15)


class _VolumeSampler(nn.Module):
    """A volume sampled at a grid computed from the volume itself."""

    def __init__(self, mode, padding_mode):
        super().__init__()
        self.args = (mode, padding_mode, False)

    def forward(self, x):
        grid = mg.tanh(x[:, :3].transpose(0, 2, 3, 4, 1)) * 1.3
        return F.grid_sample(x, grid, *self.args)


@pytest.mark.parametrize("mode, padding_mode", [("bilinear", "reflection"), ("nearest", "border")])
def test_volumetric_grid_sample_exports_at_opset_20_and_is_refused_before(tmp_path, mode, padding_mode):
    proto = export_and_compare(tmp_path, _VolumeSampler(mode, padding_mode), (3, 2, 3, 4), 20)
    assert [n for n in proto.graph.node if n.op_type == "GridSample"]
    with pytest.raises(ExportError, match="5-D GridSample .* needs opset 20 or later, got opset 19"):
        export(_VolumeSampler(mode, padding_mode), mg.randn(2, 3, 2, 3, 4), tmp_path / "m.onnx", opset=19)


class _SpatialTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.loc = nn.Linear(2 * 6 * 5, 6)

    def forward(self, x):
        theta = self.loc(x.reshape(x.shape[0], -1)).reshape(-1, 2, 3) * 0.3 + mg.tensor([[1.0, 0, 0], [0, 1.0, 0]])
        grid = F.affine_grid(theta, (x.shape[0], 2, 4, 7), align_corners=False)
        return F.grid_sample(x, grid, "bilinear", "border", align_corners=False)


def test_a_spatial_transformer_exports(tmp_path):
    mg.manual_seed(3)
    ops = [n.op_type for n in export_and_compare(tmp_path, _SpatialTransformer(), (2, 6, 5), 17).graph.node]
    assert "GridSample" in ops and "MatMul" in ops


@pytest.mark.parametrize("layer, shape", [
    (nn.Upsample(scale_factor=1.5), (2, 5)), (nn.Upsample(size=(3, 7), mode="nearest-exact"), (2, 4, 5)),
    (nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True), (2, 3, 4)),
    (nn.Upsample(size=(5, 3), mode="bicubic"), (2, 4, 4)), (nn.Upsample(size=(2, 3), mode="area"), (2, 5, 7)),
    (nn.Upsample(size=3, mode="area"), (2, 7)),
])
def test_interpolate_modes_export_through_their_ops(tmp_path, layer, shape):
    export_and_compare(tmp_path, layer, shape, 17)


class _TimeMajorConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32))
        self.bias = nn.Parameter(np.random.default_rng(2).standard_normal(5).astype(np.float32))

    def forward(self, x):   # x (B, T, C) in the file; conv_tbc wants (T, B, C)
        return F.conv_tbc(x.transpose(1, 0, 2), self.weight, self.bias, 1).transpose(1, 0, 2)


def test_conv_tbc_exports(tmp_path):
    ops = [n.op_type for n in export_and_compare(tmp_path, _TimeMajorConv(), (6, 4), 17).graph.node]
    assert "Conv" in ops


def test_fractional_max_pooling_is_refused_with_its_reason(tmp_path):
    with pytest.raises(ExportError, match="FractionalMaxPool2d.*drawn at random"):
        export(nn.FractionalMaxPool2d(2, output_size=3), mg.randn(2, 3, 6, 6), tmp_path / "m.onnx")
