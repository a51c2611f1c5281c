"""ONNX export of the linear algebra ops: det and slogdet map to ONNX's Det (batched), and the new matrix
products (mm, bmm, addmm, kron, ...) are compositions that export through MatMul; ops that ONNX has no operator
for (cumprod, logcumsumexp, inv, solve, the factorizations) are refused, naming the op and the reason."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad.onnx import ExportError, export

W = np.random.default_rng(3).standard_normal((3, 3)).astype(np.float32)


def _export_and_compare(tmp_path, fn, opset):
    rng = np.random.default_rng(8)
    make = lambda n: (rng.standard_normal((n, 3, 3)) * 0.5 + 2.0 * np.eye(3)).astype(np.float32)  # noqa: E731
    path = tmp_path / "model.onnx"
    proto = export(fn, mg.tensor(make(4)), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (4, 1, 6):
        x = make(n)
        got = session.run(None, {"input": x})
        expected = fn(mg.tensor(x))
        expected = expected if isinstance(expected, tuple) else (expected,)
        for g, e in zip(got, expected):
            assert g.shape == e.shape and g.dtype == np.float32
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)
    return [node.op_type for node in proto.graph.node]


@pytest.mark.parametrize("opset", [17, 18])
def test_det_slogdet_and_products_export_and_agree(tmp_path, opset):
    def fn(x):
        sign, logabs = mg.linalg.slogdet(x)
        products = mg.concat([mg.bmm(x, x).reshape(-1, 9), mg.matmul(x, W).reshape(-1, 9),
                              mg.baddbmm(x, x, x, alpha=0.5).reshape(-1, 9)], 1)
        return mg.linalg.det(x), x.det() * sign + logabs, products

    ops = _export_and_compare(tmp_path, fn, opset)
    assert "Det" in ops and "MatMul" in ops


@pytest.mark.parametrize("fn, op", [(lambda x: mg.linalg.inv(x), "Inv"), (lambda x: x.cumprod(1), "CumProd"),
                                    (lambda x: x.logcumsumexp(2), "LogCumSumExp"),
                                    (lambda x: mg.linalg.cholesky(x @ mg.transpose(x, 0, 2, 1)), "Cholesky"),
                                    (lambda x: mg.linalg.svdvals(x), "SVD"), (lambda x: mg.linalg.eigh(x)[0], "Eigh")])
def test_ops_without_an_onnx_operator_are_refused_with_the_reason(tmp_path, fn, op):
    x = mg.tensor(np.eye(3, dtype=np.float32)[None].repeat(2, 0) * 2.0)
    with pytest.raises(ExportError, match=rf"op {op}, used in .* cannot be exported: ONNX has no [^.]*operator\. "):
        export(fn, x, tmp_path / "m.onnx")   # (it read "cannot be exported: it is ONNX has no ...")
