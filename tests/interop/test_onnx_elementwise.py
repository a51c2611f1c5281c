"""ONNX export of PyTorch's elementwise math: each op's graph passes onnx.checker and ONNX Runtime agrees with
minigrad (float32, to 1e-5, for several batch sizes; opsets 17 and 18)."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad.onnx import NOT_EXPORTED, ExportError, export

RNG = np.random.default_rng(5)


def _offgrid(n):
    """(n, 5) values off the integers and halves (so float32 rounding cannot move floor/round/trunc)."""
    frac = RNG.choice([0.15, 0.3, 0.65, 0.8], size=(n, 5))
    return (RNG.integers(-3, 3, (n, 5)) + frac + RNG.uniform(-0.02, 0.02, (n, 5))).astype(np.float32)


def _special(n):
    """Normal values with -0.0, 0, +-inf and NaN in the first row."""
    x = RNG.standard_normal((n, 5)).astype(np.float32)
    x[0] = [0.0, -0.0, np.inf, -np.inf, np.nan]
    return x


def _positive(x):
    return x * x + 0.5


CASES = {
    "rounding": (lambda x: mg.concat([x.floor(), x.ceil(), x.round(), x.trunc(), x.frac(), x.fix(),
                                      mg.round(x, decimals=1), (x * 10.0).round(decimals=-1)], 1), _offgrid),
    "logs_and_exps": (lambda x: mg.concat([mg.log1p(_positive(x)), x.expm1(), mg.log2(_positive(x)),
                                           mg.log10(_positive(x)), x.exp2(), mg.rsqrt(_positive(x)),
                                           mg.reciprocal(_positive(x)), mg.logit(mg.sigmoid(x)),
                                           mg.logit(mg.sigmoid(x), eps=0.3), mg.logaddexp(x, x * 0.5 - 1.0),
                                           mg.logaddexp2(x, -x), mg.xlogy(x, _positive(x)),
                                           mg.xlogy(mg.relu(x), mg.relu(-x))], 1), None),
    "trigonometric": (lambda x: mg.concat([mg.tan(x * 0.5), mg.sinh(x), mg.cosh(x), mg.asin(mg.tanh(x) * 0.9),
                                           mg.acos(mg.tanh(x) * 0.9), mg.atan(x), mg.asinh(x), mg.acosh(_positive(x) + 1.0),
                                           mg.atanh(mg.tanh(x) * 0.9), mg.sinc(x), mg.sinc(mg.relu(x)),
                                           mg.atan2(x, x[:, ::-1]), mg.atan2(x, mg.relu(x) * 0.0),
                                           mg.atan2(mg.relu(x), -mg.relu(-x)), mg.hypot(x, x[:, ::-1]),
                                           mg.deg2rad(x), mg.rad2deg(x)], 1), None),
    "special": (lambda x: mg.concat([mg.erf(x), mg.erfc(x)], 1), None),
    "signs": (lambda x: mg.concat([mg.copysign(x, x[:, ::-1]), mg.copysign(x, -0.0), mg.nan_to_num(x),
                                   mg.nan_to_num(x, nan=1.5, posinf=2.0, neginf=-3.0)], 1), _special),
    "division": (lambda x: mg.concat([mg.fmod(x, 0.7), mg.fmod(x, -1.3), mg.remainder(x, 0.7),
                                      mg.remainder(x, -1.3), x.remainder(x[:, ::-1]), x.div(0.7, rounding_mode="floor"),
                                      x.div(-1.3, rounding_mode="trunc"), mg.floor_divide(x, 0.6)], 1), _offgrid),
    "integer_division": (lambda x: mg.concat([x.div(3, rounding_mode="floor"), x.div(-3, rounding_mode="trunc"),
                                              mg.remainder(x, -3), x // 4, x.fmod(3)], 1),
                         lambda n: RNG.integers(-20, 20, (n, 5))),
    "fused": (lambda x: mg.concat([mg.lerp(x, x[:, ::-1], 0.3), mg.lerp(x, x * 2.0, 0.8),
                                   mg.lerp(x, -x, mg.sigmoid(x)), mg.addcmul(x, x, x[:, ::-1], value=0.5),
                                   mg.addcdiv(x, x, _positive(x), value=-2.0), mg.fmax(x, x[:, ::-1]),
                                   mg.fmin(x, 0.1), mg.clamp_min(x, 0.2), mg.clamp_max(x, -0.1),
                                   x.square(), mg.fmax(mg.where(x > 0.5, float("nan"), x), x[:, ::-1]),
                                   mg.fmin(x, mg.where(x < 0, float("nan"), x))], 1), None),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("opset", [17, 18])
def test_elementwise_ops_export_and_agree(tmp_path, name, opset):
    fn, make = CASES[name]
    make = make or (lambda n: RNG.standard_normal((n, 5)).astype(np.float32))
    path = tmp_path / "m.onnx"
    export(fn, mg.tensor(make(4)), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (4, 7, 1):
        x = make(n)
        (got,) = session.run(None, {"input": x})
        expected = fn(mg.tensor(x)).numpy()
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_erfinv_is_refused_with_its_reason(tmp_path):
    assert "inverse error function" in NOT_EXPORTED["Erfinv"]
    with pytest.raises(ExportError, match="Erfinv"):
        export(lambda x: mg.erfinv(mg.tanh(x)), mg.randn(3, 5), tmp_path / "m.onnx")


def test_floor_division_of_exact_multiples_exports_exactly(tmp_path):
    """Floor division was exported as Floor(a / b), one too low wherever float32's a / b rounds just below an exact
    quotient: x // 1.3 at x = -13 gave -11 in ONNX Runtime where minigrad (and torch) give -10. It is NumPy's
    (a - fmod(a, b)) / b now, b = 0 included."""
    def fn(x):
        return mg.concat([mg.floor_divide(x, 1.3), x.div(-0.7, rounding_mode="floor"), x // 0.1,
                          mg.floor_divide(x, x[:, ::-1])], 1)

    grid = np.concatenate([np.arange(-20, 20) * s for s in (1.3, 0.7, 0.1)]).astype(np.float32)
    x = np.concatenate([grid, [0.0, -0.0, 2.6, np.inf, -np.inf, np.nan]]).astype(np.float32).reshape(-1, 6)
    path = tmp_path / "m.onnx"
    export(fn, mg.tensor(x[:4]), path)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_array_equal(got, fn(mg.tensor(x)).numpy())


@pytest.mark.parametrize("fn", [lambda x: x.clamp(min=-0.3), lambda x: x.clamp(max=0.2), lambda x: mg.clip(x, None, 1.0)])
def test_a_one_sided_clamp_keeps_infinities(tmp_path, fn):
    """The missing bound was left empty in ONNX's Clip, which then clamps to float32's largest finite number:
    clamp(x, min=-0.3) of inf gave 3.4e38 in ONNX Runtime (minigrad and torch: inf)."""
    path = tmp_path / "m.onnx"
    export(fn, mg.tensor(RNG.standard_normal((4, 5)).astype(np.float32)), path)
    x = np.array([[np.inf, -np.inf, np.nan, 0.1, -5.0]], np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_array_equal(got, fn(mg.tensor(x)).numpy())


def test_logaddexp_of_infinities_exports(tmp_path):
    """x - max(x, y) is inf - inf where the larger operand is infinite: the export gave NaN for logaddexp(inf, 5)
    and logaddexp(-inf, -inf), minigrad and torch inf and -inf."""
    def fn(x):
        return mg.concat([mg.logaddexp(x, x[:, ::-1]), mg.logaddexp2(x, x[:, ::-1]), mg.logaddexp(x, x)], 1)

    path = tmp_path / "m.onnx"
    export(fn, mg.tensor(RNG.standard_normal((4, 5)).astype(np.float32)), path)
    x = np.array([[np.inf, -np.inf, 5.0, np.nan, -np.inf], [np.inf, 1.0, 0.0, -2.0, np.inf]], np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got, fn(mg.tensor(x)).numpy(), rtol=1e-6)
