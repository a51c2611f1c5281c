"""ONNX export of PyTorch's indexing and scatter names, checked against ONNX Runtime.

index_select and take export as Gather, take_along_dim as GatherElements, index_add as ScatterElements
(reduction 'add'), argwhere as NonZero, count_nonzero as a ReduceSum, index_copy, scatter, masked_scatter
and index_put as ScatterND, scatter_reduce's prod, amax and amin as ScatterElements with a reduction
(amax/amin need opset 18).
"""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad.onnx import ExportError, export

RNG = np.random.default_rng(5)
INDEX = np.array([[4, 0, 4], [1, 1, 2], [0, 3, 3], [2, 2, 2]])
MASK = np.array([True, False, True, True, False])


def _model(x):
    return (x.index_select(1, np.array([4, 0, 4])), x.masked_select(MASK), x.take(np.array([[3, -1], [0, 0]])),
            x.take_along_dim(INDEX, 1), x.index_add(1, np.array([0, 0, 3]), x[:, 1:4] * 2.0, alpha=0.5),
            x.index_fill(0, np.array([1, -1]), 3.0), x.index_copy(1, np.array([2, 0]), x[:, :2] * 3.0),
            x.scatter(1, np.array([[1, 0, 4], [2, 3, 0], [0, 1, 2], [4, 3, 2]]), x[:, 1:4]),
            x.scatter_reduce(1, INDEX, x[:, :3], "prod"), x.scatter_reduce(1, INDEX, x[:, :3] + 0.1, "mean"),
            x.scatter_reduce(1, INDEX, x[:, :3], "amax", include_self=False),
            x.scatter_reduce(0, INDEX[:2] % 4, x[:2, :3], "amin"),
            x.masked_scatter(MASK, x * 5.0),
            x.index_put((np.array([0, 0, 2]), np.array([1, 1, 4])), x[0, :3] * 2.0, accumulate=True),
            x.index_put((np.array([3, 1]),), x[0]), mg.argwhere(x > 0.3), x.count_nonzero(),
            mg.count_nonzero(x > 0, dim=(0, -1)), mg.count_nonzero(x > 0, dim=1))


def _run(path, x):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})


def test_indexing_and_scatter_export_and_agree(tmp_path):
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    path = tmp_path / "m.onnx"
    export(_model, mg.tensor(x), path, opset=18, dynamic_batch=False)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert {"Gather", "GatherElements", "ScatterElements", "ScatterND"} <= {n.op_type for n in proto.graph.node}
    for _ in range(2):   # the exported graph computes, it does not replay the traced values
        outputs = _model(mg.tensor(x))
        got = _run(path, x)
        assert len(got) == len(outputs)
        for g, e in zip(got, outputs):
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)
        x = RNG.standard_normal((4, 5)).astype(np.float32)


def test_scatter_reduce_extremes_need_opset_18_and_scatters_a_fixed_batch(tmp_path):
    with pytest.raises(ExportError, match=r"SegmentExtreme in .* needs opset 18 or later \(ScatterElements with "
                                          r"reduction='max'\), got opset 17"):
        export(lambda x: x.scatter_reduce(1, INDEX, x[:, :3], "amax"), mg.randn(4, 5), tmp_path / "m.onnx",
               opset=17, dynamic_batch=False)
    with pytest.raises(ExportError, match="Scatter in .* has a fixed index along the batch axis"):
        export(lambda x: x.index_copy(1, np.array([0]), x[:, :1] * 2.0), mg.randn(4, 5), tmp_path / "m.onnx")


@pytest.mark.parametrize("model", [
    lambda x: x.take_along_dim(x.argsort(dim=1), 1),                               # sorted rows
    lambda x: x.take_along_dim(x.argsort(dim=1, descending=True)[:, :2], 1),       # the two largest
    lambda x: mg.take_along_dim(x, x.argmax(dim=1, keepdim=True).int(), dim=1),    # int32 indices
])
def test_take_along_dim_of_indices_computed_from_the_input_exports(tmp_path, model):
    """take_along_dim copied its indices into a new Tensor, which export took for a value made outside the ops
    and refused ('input 1 of TakeAlongAxis ... is a constant whose shape follows the input's'), although
    x.take_along_dim(x.argsort(dim=1), 1) is minigrad ops throughout; the indices Tensor goes in itself now."""
    path = tmp_path / "m.onnx"
    export(model, mg.tensor(RNG.standard_normal((4, 5)).astype(np.float32)), path)
    for n in (3, 6):
        x = RNG.standard_normal((n, 5)).astype(np.float32)
        got, = _run(path, x)
        expected = model(mg.tensor(x)).numpy()
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("model", [lambda x: x.gather(1, x.argsort(dim=1)), lambda x: x.gather(0, x.argsort(dim=0)),
                                   lambda x: x.gather(1, x.argmax(dim=1, keepdim=True).int())])
def test_gather_of_indices_computed_from_the_input_exports(tmp_path, model):
    """gather copied its index into a new Tensor too: x.gather(1, x.argsort(dim=1)) was refused as a constant."""
    path = tmp_path / "m.onnx"
    export(model, mg.tensor(RNG.standard_normal((4, 5)).astype(np.float32)), path)
    for n in (3, 6):
        x = RNG.standard_normal((n, 5)).astype(np.float32)
        got, = _run(path, x)
        np.testing.assert_array_equal(got, model(mg.tensor(x)).numpy())
