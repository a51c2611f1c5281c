"""One rule for a float argument (``nn.arguments.float_argument``): smooth_l1_loss's beta, huber_loss's delta and
every norm's eps (batch_norm, instance_norm, layer_norm, group_norm, rms_norm), compared with torch.

torch's argument parser takes a real number, a bool, a NumPy complex scalar (its real part) or a 0-d tensor that
does not require grad, and refuses anything else (TypeError); a 0-d complex tensor with an imaginary part is its
RuntimeError (batch_norm: NotImplementedError, its sign check cannot compare complex numbers). The norms compute with
any float eps, a negative or NaN one included (NaN where var + eps < 0), but batch_norm, which checks its sign
(ValueError). Review: layer_norm, group_norm and rms_norm refused a 0-d tensor eps and refused a string with a
ValueError; instance_norm refused eps=-1.0 and NaN; a 0-d complex tensor's imaginary part was dropped."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

_VALUES = {
    "tensor(1+1j)": lambda L: L.tensor(1 + 1j), "tensor(0.5+0j)": lambda L: L.tensor(0.5 + 0j),
    "tensor(0.5)": lambda L: L.tensor(0.5), "tensor(1)": lambda L: L.tensor(1),
    "tensor(True)": lambda L: L.tensor(True),
    "tensor(0.5, float64)": lambda L: L.tensor(0.5, dtype=L.float64),
    "np.complex128(0.5+1j)": lambda L: np.complex128(0.5 + 1j), "np.complex128(0.5)": lambda L: np.complex128(0.5),
    "'0.5'": lambda L: "0.5", "None": lambda L: None, "[0.5]": lambda L: [0.5], "1+0j": lambda L: 1 + 0j,
    "-1.0": lambda L: -1.0, "-0.5": lambda L: -0.5, "nan": lambda L: float("nan"), "inf": lambda L: float("inf"),
    "True": lambda L: True, "0": lambda L: 0, "0.5": lambda L: 0.5, "np.float32(0.5)": lambda L: np.float32(0.5),
    "tensor([0.5])": lambda L: L.tensor([0.5]),
    "tensor(0.5, requires_grad)": lambda L: L.tensor(0.5, requires_grad=True),
    "tensor(-1.0)": lambda L: L.tensor(-1.0),
}

_X2 = np.arange(8.0, dtype=np.float32).reshape(2, 4)
_X3 = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
_CALLS = {
    "smooth_l1_loss": lambda L, e: L.nn.functional.smooth_l1_loss(L.tensor(_X2[0]), L.ones(4), beta=e),
    "huber_loss": lambda L, e: L.nn.functional.huber_loss(L.tensor(_X2[0]), L.ones(4), delta=e),
    "instance_norm": lambda L, e: L.nn.functional.instance_norm(L.tensor(_X3), eps=e),
    "instance_norm (running)": lambda L, e: L.nn.functional.instance_norm(
        L.tensor(_X3), L.zeros(3), L.ones(3) * 2, use_input_stats=False, eps=e),
    "batch_norm": lambda L, e: L.nn.functional.batch_norm(L.tensor(_X3), L.zeros(3), L.ones(3), eps=e),
    "batch_norm (training)": lambda L, e: L.nn.functional.batch_norm(L.tensor(_X3), L.zeros(3), L.ones(3),
                                                                     training=True, eps=e),
    "layer_norm": lambda L, e: L.nn.functional.layer_norm(L.tensor(_X2), (4,), eps=e),
    "group_norm": lambda L, e: L.nn.functional.group_norm(L.tensor(_X3), 1, eps=e),
    "rms_norm": lambda L, e: L.nn.functional.rms_norm(L.tensor(_X2), (4,), eps=e),
}


def _outcome(L, which, value):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # NumPy's ComplexWarning for np.complex128 in both, NaN of sqrt
            out = _CALLS[which](L, _VALUES[value](L))
    except Exception as exc:   # noqa: BLE001  (compared with torch's)
        return type(exc).__name__
    return np.asarray(out.detach().numpy(), dtype=np.float64)


@pytest.mark.parametrize("which", sorted(_CALLS))
@pytest.mark.parametrize("value", sorted(_VALUES))
def test_a_float_argument_as_torch_reads_it(which, value):
    expected, got = _outcome(torch, which, value), _outcome(mg, which, value)
    if isinstance(expected, str):
        assert isinstance(got, str) and got == expected, got
    else:
        assert not isinstance(got, str), got
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)   # NaN equals NaN


def test_the_review_cases():
    F = mg.nn.functional
    x = mg.tensor(_X2)
    assert np.allclose(F.layer_norm(x, (4,), eps=mg.tensor(0.5)).numpy(), F.layer_norm(x, (4,), eps=0.5).numpy())
    for op, call in (("layer_norm", lambda e: F.layer_norm(x, (4,), eps=e)),
                     ("group_norm", lambda e: F.group_norm(mg.tensor(_X3), 1, eps=e)),
                     ("rms_norm", lambda e: F.rms_norm(x, (4,), eps=e))):
        with pytest.raises(TypeError, match=rf"^{op}: eps must be a float \(a real number, or a 0-d tensor that does "
                                            r"not require grad\), got eps='0.5' \(str\)$"):
            call("0.5")
    with pytest.raises(RuntimeError, match=r"^smooth_l1_loss: beta=tensor\(1\.\+1\.j.* has an imaginary part"):
        F.smooth_l1_loss(mg.ones(2), mg.zeros(2), beta=mg.tensor(1 + 1j))
    with pytest.raises(NotImplementedError, match=r"^batch_norm: eps=.* is a complex tensor"):
        F.batch_norm(mg.tensor(_X3), mg.zeros(3), mg.ones(3), eps=mg.tensor(0.5 + 0j))
    out = F.instance_norm(mg.tensor(_X3), eps=-1.0)   # computed, as torch's (was a ValueError)
    assert np.allclose(out.numpy()[0, 0], [-3.0, -1.0, 1.0, 3.0])


_LAYERS = {
    "LayerNorm": (lambda L, e: L.nn.LayerNorm(4, eps=e), _X2),
    "GroupNorm": (lambda L, e: L.nn.GroupNorm(1, 3, eps=e), _X3),
    "RMSNorm": (lambda L, e: L.nn.RMSNorm(4, eps=e), _X2),
    "InstanceNorm1d": (lambda L, e: L.nn.InstanceNorm1d(3, eps=e), _X3),
    "BatchNorm1d": (lambda L, e: L.nn.BatchNorm1d(3, eps=e), _X3),
}


@pytest.mark.parametrize("layer", sorted(_LAYERS))
@pytest.mark.parametrize("value", ["-1.0", "nan", "tensor(0.5)", "'0.5'", "None", "0.5", "True"])
def test_a_norm_layers_eps_as_torch_reads_it(layer, value):
    """The layers keep the functional rule (torch raises at the call, minigrad at construction, with its type):
    LayerNorm, GroupNorm, RMSNorm and InstanceNorm take a negative or NaN eps (they refused it, ValueError) and a
    0-d tensor; a string or None is a TypeError (RMSNorm's None is its default); BatchNorm refuses a negative one."""
    make, x = _LAYERS[layer]

    def run(L):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.asarray(make(L, _VALUES[value](L))(L.tensor(x)).detach().numpy(), dtype=np.float64)
        except Exception as exc:   # noqa: BLE001  (compared with torch's)
            return type(exc).__name__
    expected, got = run(torch), run(mg)
    if isinstance(expected, str):
        assert isinstance(got, str) and got == expected, got
    else:
        assert not isinstance(got, str), got
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
