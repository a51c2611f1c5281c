"""Gradient clipping by global norm and by value."""

import math
import re
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import clip_grad_norm_, clip_grad_value_


def _with_grads(grads, device="cpu", dtype=np.float64):
    params = []
    for g in grads:
        p = mg.tensor(np.zeros_like(np.asarray(g, dtype=float)), dtype=dtype, requires_grad=True, device=device)
        p.grad = mg.tensor(g, dtype=dtype, device=device)
        params.append(p)
    return params


def test_clip_by_two_norm_scales_all_gradients(device):
    params = _with_grads([[3.0, 4.0], [[12.0]]], device)
    total = clip_grad_norm_(params, max_norm=6.5)
    # a 0-d Tensor in the gradients' dtype on their device, as torch's (it was a Python float)
    assert isinstance(total, mg.Tensor) and total.shape == () and total.dtype == np.float64
    assert total.device == params[0].device
    assert total.item() == 13.0  # sqrt(9 + 16 + 144)
    coef = 6.5 / (13.0 + 1e-6)  # min(1, max_norm / (total + 1e-6))
    np.testing.assert_allclose(params[0].grad.numpy(), [3.0 * coef, 4.0 * coef], rtol=1e-15)
    np.testing.assert_allclose(params[1].grad.numpy(), [[12.0 * coef]], rtol=1e-15)


def test_no_scaling_below_max_norm():
    params = _with_grads([[3.0, 4.0]])
    assert clip_grad_norm_(params, max_norm=5.1).item() == 5.0
    np.testing.assert_array_equal(params[0].grad.numpy(), [3.0, 4.0])


@pytest.mark.parametrize("norm_type, expected", [
    (float("inf"), 12.0),                      # max |g|
    (1.0, 19.0),                               # 3 + 4 + 12
    (3.0, (27 + 64 + 1728) ** (1 / 3)),        # (sum |g|^3)^(1/3)
])
def test_other_norm_types(norm_type, expected, device):
    params = _with_grads([[3.0, -4.0], [[-12.0]]], device)
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    np.testing.assert_allclose(total.item(), expected, rtol=1e-14)
    coef = 1.0 / (expected + 1e-6)
    np.testing.assert_allclose(params[1].grad.numpy(), [[-12.0 * coef]], rtol=1e-14)


def test_non_finite_norm_raises_when_asked():
    params = _with_grads([[1.0, np.nan]])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, max_norm=1.0, error_if_nonfinite=True)
    params = _with_grads([[1.0, np.inf]])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == math.inf
    # scaled by max_norm / inf = 0, as in PyTorch: the finite entry becomes 0, inf * 0 is NaN
    grad = params[0].grad.numpy()
    assert grad[0] == 0.0 and np.isnan(grad[1])


def test_float32_gradients_are_scaled_in_place_and_stay_float32(device):
    params = _with_grads([[30.0, 40.0]], device, np.float32)
    grad_array = params[0].grad.data
    total = clip_grad_norm_(params, max_norm=1.0)
    assert params[0].grad.data is grad_array and grad_array.dtype == np.float32
    assert total.dtype == np.float32 and total.item() == 50.0   # float32 stays float32, as torch's norm
    np.testing.assert_allclose(params[0].grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_parameters_without_grad_are_ignored_and_a_single_tensor_is_accepted():
    x = mg.tensor([1.0], requires_grad=True)
    none = clip_grad_norm_([x], max_norm=1.0)
    assert none.shape == () and none.dtype == np.float32 and none.item() == 0.0   # torch: tensor(0.)
    (y,) = _with_grads([[6.0, 8.0]])
    assert clip_grad_norm_(y, max_norm=5.0).item() == 10.0
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 4.0], rtol=1e-6)


def test_clip_grad_norm_validates_arguments():
    params = _with_grads([[1.0]])
    with pytest.raises(ValueError, match="max_norm must be >= 0, got -1.0"):
        clip_grad_norm_(params, max_norm=-1)
    with pytest.raises(ValueError, match="norm_type must be > 0 or inf, got 0.0"):
        clip_grad_norm_(params, max_norm=1.0, norm_type=0)


@pytest.mark.parametrize("flag", ["no", 1, None])
def test_error_if_nonfinite_must_be_a_bool(flag):
    params = _with_grads([[3.0, 4.0]])
    with pytest.raises(ValueError, match=f"clip_grad_norm_: error_if_nonfinite must be True or False, got {flag!r}"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=flag)
    assert clip_grad_norm_(params, 1.0, error_if_nonfinite=np.bool_(True)).item() == pytest.approx(5.0)


def test_clip_grad_value_clamps_in_place(device):
    params = _with_grads([[-3.0, 0.5, 2.0], [[7.0]]], device, np.float32)
    arrays = [p.grad.data for p in params]
    clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.numpy(), np.array([-1.0, 0.5, 1.0], dtype=np.float32))
    np.testing.assert_array_equal(params[1].grad.numpy(), [[1.0]])
    assert all(p.grad.data is a and a.dtype == np.float32 for p, a in zip(params, arrays))
    with pytest.raises(ValueError, match="clip_value must be >= 0, got -1.0"):
        clip_grad_value_(params, -1.0)


@pytest.mark.parametrize("max_norm, norm_type, message", [
    ("a", 2.0, "clip_grad_norm_: max_norm must be a real number >= 0, got 'a'"),
    (None, 2.0, "clip_grad_norm_: max_norm must be a real number >= 0, got None"),
    (1.0, "x", "clip_grad_norm_: norm_type must be a real number > 0 or inf, got 'x'"),
])
def test_clip_grad_norm_with_a_non_number_names_the_argument(max_norm, norm_type, message):
    p = mg.zeros(2, requires_grad=True)
    p.grad = mg.ones(2)
    with pytest.raises(TypeError, match="^" + re.escape(message) + "$"):
        clip_grad_norm_([p], max_norm, norm_type)


@pytest.mark.parametrize("clip", [
    ("clip_grad_norm_", lambda ps: clip_grad_norm_(ps, 1.0)),
    ("clip_grad_value_", lambda ps: clip_grad_value_(ps, 0.5)),
    ("clip_grads_with_norm_", lambda ps: mg.nn.utils.clip_grads_with_norm_(ps, 1.0, 5.0)),
], ids=lambda c: c[0])
@pytest.mark.parametrize("grad, shown", [
    (np.array([3, 4], dtype=np.int64), r"shape \(2,\) and dtype int64"),        # clip_grad_norm_ zeroed it
    (np.array([3.0, 4.0]), r"shape \(2,\) and dtype float64"),                  # its norm came back float64
    (np.array([[3.0], [4.0]], dtype=np.float32), r"shape \(2, 1\) and dtype float32"),
])
def test_clipping_refuses_a_grad_unlike_its_parameter_before_changing_any(clip, grad, shown):
    # torch refuses each of these grads when it is assigned (RuntimeError); clipped here, an int64 [3, 4] became
    # [0, 0] (the coefficient 1/5 rounded to the int dtype)
    name, fn = clip
    good = _with_grads([[30.0, 40.0]], dtype=np.float32)[0]
    p = mg.zeros(2, requires_grad=True)
    p.grad = mg.tensor(grad, dtype=grad.dtype)
    with pytest.raises(RuntimeError, match=rf"^{name}: \.grad holds a tensor of {shown}, but the parameter has "
                                           r"shape \(2,\) and dtype float32; set \.grad to None"):
        fn([good, p])
    np.testing.assert_array_equal(p.grad.numpy(), grad)
    np.testing.assert_array_equal(good.grad.numpy(), [30.0, 40.0])


def test_complex_gradients_are_clipped_by_their_modulus_without_a_warning(recwarn):
    # the 2-norm cast vdot's complex sum to float64: right value, but a ComplexWarning on every call
    z = mg.tensor(np.zeros(2), dtype=np.complex128, requires_grad=True)
    z.grad = mg.tensor(np.array([3 + 4j, 1 - 1j]), dtype=np.complex128)
    total = clip_grad_norm_([z], max_norm=1.0)
    assert total.dtype == np.float64 and float(total) == math.sqrt(27.0)
    assert not [w for w in recwarn if issubclass(w.category, np.exceptions.ComplexWarning)]
    np.testing.assert_allclose(z.grad.numpy(), np.array([3 + 4j, 1 - 1j]) / (math.sqrt(27.0) + 1e-6), rtol=1e-15)


def test_clip_grad_value_refuses_complex_gradients():
    # np.clip orders complex values by their real parts: [3+4j, 1-1j] became [0.5+0j, 0.5+0j] (torch's clamp raises)
    z = mg.tensor(np.zeros(2), dtype=np.complex128, requires_grad=True)
    z.grad = mg.tensor(np.array([3 + 4j, 1 - 1j]), dtype=np.complex128)
    with pytest.raises(TypeError, match=re.escape("clip_grad_value_: a gradient is complex (complex128, shape (2,)); "
                                                  "clamping is not defined for complex values")):
        clip_grad_value_([z], 0.5)
    np.testing.assert_array_equal(z.grad.numpy(), [3 + 4j, 1 - 1j])


def test_an_empty_generator_warns_as_torchs():
    # torch's warning: model.parameters() of a model without parameters (or a generator used up before) clips nothing
    with pytest.warns(UserWarning, match=r"^`parameters` is an empty generator, no gradient clipping will occur\.$"):
        norm = clip_grad_norm_((p for p in []), 1.0)
    assert norm.item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clip_grad_norm_([], 1.0).item() == 0.0   # an empty list is said as it is: no warning, as torch's
        p = mg.tensor([3.0, 4.0], requires_grad=True)
        p.grad = mg.tensor([3.0, 4.0])
        assert clip_grad_norm_((q for q in [p]), 1.0).item() == 5.0


@pytest.mark.parametrize("norm_type", [2.0, 3.0])
def test_float16_gradients_are_normed_in_float32_as_torchs(device, norm_type):
    # 1000 gradients of 10: the 2-norm is 316.2, but the sum of squares, 100000, is inf in float16 (max 65504);
    # it was summed there, so the norm came back inf and every gradient was scaled to 0 (torch: 316.2, and the
    # gradients scaled by 1000 / 316.2 stay 10). Float32 accumulation gives torch's norm.
    params = _with_grads([np.full(1000, 10.0)], device, dtype=np.float16)
    total = clip_grad_norm_(params, max_norm=1e6, norm_type=norm_type)
    expected = 10.0 * 1000 ** (1 / norm_type)
    assert total.dtype == np.float16
    assert abs(float(total) - expected) <= 1e-3 * expected
    np.testing.assert_array_equal(params[0].grad.numpy(), np.full(1000, 10.0, dtype=np.float16))
    params = _with_grads([np.full(1000, 10.0)], device, dtype=np.float16)
    clip_grad_norm_(params, max_norm=1.0, norm_type=2.0)
    np.testing.assert_allclose(params[0].grad.numpy().astype(float), 10.0 / 316.227766, rtol=2e-3)


def _torch_float16_params(grads):
    torch = pytest.importorskip("torch")
    params = [torch.zeros(len(g), dtype=torch.float16, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(np.asarray(g, dtype=np.float16))
    return torch, params


@pytest.mark.parametrize("grads, norm_type", [
    ([[60000.0] * 4, [50000.0] * 3], 2.0), ([[60000.0] * 4, [50000.0] * 3], 1.0),   # each part's norm beyond too
    ([[60000.0] * 4, [50000.0] * 3], 3.0),
    ([[50000.0], [50000.0]], 2.0), ([[50000.0], [50000.0]], 1.0),   # each part below 65504, the total beyond
    ([[np.inf, 1.0], [2.0]], 2.0)])
def test_float16_norm_beyond_65504_is_inf_and_scales_by_0_as_torchs(device, grads, norm_type):
    # torch's norm is in the gradients' dtype: beyond float16's 65504 it is inf, and max_norm / inf scales every
    # gradient to 0 (NaN where one is inf). minigrad returned inf too but scaled by the float64 norm (0.404, ...),
    # as clip_grads_with_norm_ given that very inf norm did not
    torch, tparams = _torch_float16_params(grads)
    expected = torch.nn.utils.clip_grad_norm_(tparams, 1.0, norm_type)
    params = _with_grads(grads, device, dtype=np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "overflow encountered in cast": torch does not warn
        total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert total.dtype == np.float16 and np.isposinf(float(total)) and np.isposinf(expected.item())
    for p, tp in zip(params, tparams):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())   # [0, ...], NaN at an inf gradient


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])   # (the max-norm of [60000, 60000] is in range)
def test_a_float16_gradient_whose_own_norm_is_beyond_65504_makes_the_total_inf_beside_float32_ones(device, norm_type):
    # torch takes each tensor's norm in its dtype, so that one is inf; minigrad summed the parts in float64 and
    # returned 84852.81 in float32, clipping by it, for a float16 [60000, 60000] beside a float32 [1]
    torch = pytest.importorskip("torch")
    for order in ((0, 1), (1, 0)):
        specs = [([60000.0, 60000.0], np.float16, torch.float16), ([1.0], np.float32, torch.float32)]
        specs = [specs[i] for i in order]
        tparams = [torch.zeros(len(g), dtype=tdt, requires_grad=True) for g, _, tdt in specs]
        for tp, (g, _, tdt) in zip(tparams, specs):
            tp.grad = torch.tensor(g, dtype=tdt)
        expected = torch.nn.utils.clip_grad_norm_(tparams, 1.0, norm_type)
        params = []
        for g, dt, _ in specs:
            params += _with_grads([g], device, dtype=dt)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            total = clip_grad_norm_(params, 1.0, norm_type)
        assert np.isposinf(float(total)) and np.isposinf(expected.item())
        for p, tp in zip(params, tparams):
            np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())   # scaled by max_norm / inf = 0
        with pytest.raises(RuntimeError, match="non-finite"):
            clip_grad_norm_(_with_grads([specs[0][0]], device, dtype=specs[0][1]) +
                            _with_grads([specs[1][0]], device, dtype=specs[1][1]), 1.0, norm_type,
                            error_if_nonfinite=True)
    below = _with_grads([[40000.0]], device, dtype=np.float16) + _with_grads([[40000.0]], device, dtype=np.float32)
    assert float(clip_grad_norm_(below, 1.0)) == pytest.approx(40000.0 * 2 ** 0.5, rel=1e-6)   # each part in range


def test_float16_norm_beyond_65504_is_refused_by_error_if_nonfinite_as_torchs(device):
    # torch raises: its float16 norm is inf; minigrad checked the float64 norm (1.3e5), went on and returned inf
    torch, tparams = _torch_float16_params([[60000.0] * 4, [50000.0] * 3])
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(tparams, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.get_total_norm([p.grad for p in tparams], error_if_nonfinite=True)
    params = _with_grads([[60000.0] * 4, [50000.0] * 3], device, dtype=np.float16)
    with pytest.raises(RuntimeError, match=r"^clip_grad_norm_: the total norm of order 2.0 of the gradients is "
                                           r"non-finite \(inf\)"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[0].grad.numpy(), np.full(4, 60000.0, dtype=np.float16))   # untouched
    with pytest.raises(RuntimeError, match=r"^get_total_norm: the total norm of order 2.0 .* non-finite \(inf\)"):
        mg.nn.utils.get_total_norm([p.grad for p in params], error_if_nonfinite=True)
    # just below the range: a finite float16 norm (65504), clipped as torch's
    torch, tparams = _torch_float16_params([[65504.0, 1.0]])
    expected = torch.nn.utils.clip_grad_norm_(tparams, 1.0, error_if_nonfinite=True)
    params = _with_grads([[65504.0, 1.0]], device, dtype=np.float16)
    total = clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert float(total) == expected.item() == 65504.0
    np.testing.assert_array_equal(params[0].grad.numpy(), tparams[0].grad.numpy())
