"""ONNX export of session 9's spatial layers: Pad with modes reflect/edge/wrap (PadMode), AdaptiveMaxPool2d as
MaxPool or GlobalMaxPool, and the compositions (pixel and channel shuffles as Reshape/Transpose, ConvTranspose1d as
ConvTranspose, linear interpolation as Gather/Mul/Add). The graph passes onnx.checker and ONNX Runtime agrees with
minigrad to 1e-5 for other batch sizes too."""
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.onnx import ExportError, export
from onnx_agreement import export_and_compare


def _pads(proto):
    return sorted(a.s.decode() for node in proto.graph.node if node.op_type == "Pad" for a in node.attribute
                  if a.name == "mode")


def test_an_image_net_with_padding_modes_shuffles_pools_and_bilinear_upsampling_exports(tmp_path):
    mg.manual_seed(0)
    model = nn.Sequential(
        nn.ReflectionPad2d((1, 2, 2, 0)), nn.Conv2d(4, 8, 3), nn.ReplicationPad2d(1), nn.PixelShuffle(2),
        nn.CircularPad2d((2, 0, 1, 1)), nn.ChannelShuffle(2), nn.PixelUnshuffle(2), nn.AdaptiveMaxPool2d((4, 5)),
        nn.Upsample(scale_factor=(1.5, 2), mode="bilinear"), nn.UpsamplingBilinear2d(size=(5, 7)),
        nn.ConstantPad2d(1, 0.5), nn.AdaptiveMaxPool2d(1))
    proto = export_and_compare(tmp_path, model, (4, 5, 6), opset=19)
    ops = [node.op_type for node in proto.graph.node]
    assert _pads(proto) == ["constant", "edge", "reflect", "wrap"]
    assert "MaxPool" in ops and "GlobalMaxPool" in ops and "Gather" in ops and "Transpose" in ops


@pytest.mark.parametrize("opset", [17, 19])
def test_a_sequence_net_with_transposed_convolution_and_linear_upsampling_exports(tmp_path, opset):
    mg.manual_seed(1)
    model = nn.Sequential(
        nn.ReflectionPad1d(2), nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ReplicationPad1d((0, 4)), nn.AdaptiveMaxPool1d(8), nn.Upsample(scale_factor=1.5, mode="linear"),
        nn.AdaptiveAvgPool1d(4), nn.ZeroPad1d((1, 0)), nn.Flatten(), nn.Linear(20, 2))
    ops = [node.op_type for node in export_and_compare(tmp_path, model, (3, 6), opset).graph.node]
    assert "ConvTranspose" in ops and "MaxPool" in ops


def test_circular_padding_before_opset_19_and_uneven_adaptive_max_pooling_are_refused_clearly(tmp_path):
    with pytest.raises(ExportError, match="circular padding in .* needs opset 19 or later"):
        export(nn.CircularPad1d(1), mg.randn(2, 3, 4), tmp_path / "m.onnx", opset=18)
    with pytest.raises(ExportError, match=r"adaptive max pooling in .* from \(5, 4\) to \(2, 3\) has windows of "
                                          "different sizes"):
        export(nn.AdaptiveMaxPool2d((2, 3)), mg.randn(2, 3, 5, 4), tmp_path / "m.onnx")


def test_unfold_fold_and_lp_pooling_export(tmp_path):
    # Unfold is strided Slices of the padded input, Fold a Sum of Pads of its blocks; LPPool composes AveragePool.
    mg.manual_seed(2)
    model = nn.Sequential(nn.Unfold(2, padding=1), nn.Fold((4, 5), 2, padding=1), nn.Unfold((2, 3), stride=(2, 1),
                                                                                            dilation=(1, 2)),
                          nn.Fold((4, 5), (2, 3), stride=(2, 1), dilation=(1, 2)), nn.LPPool2d(2, 2, stride=1),
                          nn.Flatten(), nn.Linear(3 * 12, 2))
    ops = [node.op_type for node in export_and_compare(tmp_path, model, (3, 4, 5), opset=17).graph.node]
    assert "Conv" not in ops and "ConvTranspose" not in ops and "Slice" in ops and "Sum" in ops and "AveragePool" in ops


@pytest.mark.parametrize("model", [nn.AdaptiveAvgPool2d((2, 4)), nn.AdaptiveAvgPool1d(4), nn.AdaptiveAvgPool2d((3, 3)),
                                   nn.MaxPool2d(2), nn.MaxPool1d(3, stride=2, padding=1)],
                         ids=["adaptive-avg-2d", "adaptive-avg-1d", "adaptive-avg-equal-windows", "max-2d", "max-1d"])
def test_pooling_keeps_an_inf_or_nan_in_its_own_windows(tmp_path, model):
    """AdaptiveAvgPool was exported as a product with the averaging matrix, which spread an inf or NaN along the
    row (0 * inf is NaN: one inf in a 9-wide row made all 4 windows NaN), where minigrad's op averages each window
    on its own; ONNX Runtime's MaxPool passed over NaN, where minigrad's (torch's) window maximum is NaN."""
    import numpy as np
    import onnxruntime as ort

    shape = (3, 6, 9) if "2d" in type(model).__name__.lower() else (3, 9)
    path = tmp_path / "m.onnx"
    export(model, mg.randn(4, *shape), path)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype(np.float32)
    x.reshape(-1)[[3, 20, 41]] = [np.inf, np.nan, -np.inf]
    got, = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got, model(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model", [nn.Unfold(2), nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))])
def test_unfold_copies_an_inf_or_nan_into_its_own_columns(tmp_path, model):
    """Unfold was exported as a convolution with one-hot kernels: 0 * inf is NaN, so one inf made every column
    entry of its neighbourhood NaN (62 NaN from ONNX Runtime where minigrad has 8). It is strided Slices now."""
    import numpy as np
    import onnxruntime as ort

    path = tmp_path / "m.onnx"
    export(model, mg.randn(4, 3, 7, 8), path)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)).astype(np.float32)
    x.reshape(-1)[[5, 50, 77]] = [np.inf, np.nan, -np.inf]
    got, = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_array_equal(got, model(mg.tensor(x)).numpy())


@pytest.mark.parametrize("model, shape", [(nn.Fold((4, 5), 2), (12, 12)),
                                          (nn.Fold((7, 8), 3, stride=2, padding=1), (27, 16)),
                                          (nn.Fold((6, 9), 2, stride=(3, 2), dilation=2, padding=(1, 0)), (12, 8))])
def test_fold_adds_an_inf_or_nan_into_its_own_pixels(tmp_path, model, shape):
    """Fold was exported as a transposed convolution with one-hot kernels: 0 * inf is NaN, so one inf or NaN in
    the columns made its whole neighbourhood NaN (17 NaN from ONNX Runtime where minigrad has 2). It adds each
    kernel offset's block, padded into place, now."""
    import numpy as np
    import onnxruntime as ort

    path = tmp_path / "m.onnx"
    export(model, mg.randn(4, *shape), path)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype(np.float32)
    x.reshape(-1)[[5, 50]] = [np.inf, np.nan]
    got, = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got, model(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-5)
