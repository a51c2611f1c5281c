"""ONNX export of the special functions: ndtr, xlog1py, entr and angle are written with ONNX's ops (the graph
passes onnx.checker and ONNX Runtime agrees with minigrad in float32, opsets 17 and 18); the others have no ONNX
operator and are refused with that reason."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad.onnx import NOT_EXPORTED, ExportError, export

RNG = np.random.default_rng(77)


def _with_edges(n):
    x = (RNG.standard_normal((n, 6)) * 2).astype(np.float32)
    x[0] = [0.0, -0.0, np.inf, -np.inf, np.nan, -1.0]
    return x


def _mapped(x):
    s = mg.special
    return mg.concat([s.ndtr(x), s.xlog1py(x, x * x), s.xlog1py(mg.relu(x), -mg.relu(x) - 1.0), s.entr(x),
                      s.entr(mg.relu(x)), mg.angle(x), x.angle()], 1)


@pytest.mark.parametrize("opset", [17, 18])
def test_mapped_special_functions_export_and_agree(tmp_path, opset):
    path = tmp_path / "m.onnx"
    export(_mapped, mg.tensor(_with_edges(4)), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (4, 7, 1):
        x = _with_edges(n)
        (got,) = session.run(None, {"input": x})
        expected = _mapped(mg.tensor(x)).numpy()
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


REFUSED = {"Lgamma": mg.lgamma, "Digamma": mg.digamma, "Polygamma": lambda x: mg.polygamma(2, x),
           "Zeta": lambda x: mg.special.zeta(3.0, x), "Igamma": lambda x: mg.igamma(2.0, x), "I0": mg.i0,
           "I1": mg.special.i1, "I0e": mg.special.i0e, "I1e": mg.special.i1e, "Erfcx": mg.special.erfcx,
           "LogNdtr": mg.special.log_ndtr, "Ndtri": mg.special.ndtri, "FrexpMantissa": lambda x: mg.frexp(x).mantissa,
           "Nextafter": lambda x: mg.nextafter(x, 0.0)}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_others_are_refused_with_their_reason(tmp_path, name):
    assert NOT_EXPORTED[name].startswith("ONNX has no such operator")
    with pytest.raises(ExportError, match=name):
        export(lambda x: REFUSED[name](mg.sigmoid(x) + 0.5), mg.randn(3, 5), tmp_path / "m.onnx")
