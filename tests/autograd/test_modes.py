"""Grad modes (no_grad, enable_grad), hooks, and detect_anomaly."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, is_anomaly_enabled

# ------------------------------------------------------------------ no_grad / enable_grad


def test_no_grad_context_records_nothing(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = (x * 2.0).exp().sum()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.creator is None and y.is_leaf
    np.testing.assert_allclose(y.item(), np.exp([2.0, 4.0]).sum(), rtol=1e-6)


def test_no_grad_decorator(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)

    @mg.no_grad()
    def double(t):
        assert not mg.is_grad_enabled()
        return t * 2.0

    y = double(x)
    assert not y.requires_grad and y.creator is None
    assert mg.is_grad_enabled()
    assert double.__name__ == "double"


def test_enable_grad_inside_no_grad(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    with mg.no_grad():
        with mg.enable_grad():
            y = x * 3.0
        z = x * 3.0
        assert not mg.is_grad_enabled()
    assert y.requires_grad and y.creator is not None
    assert not z.requires_grad and z.creator is None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_enable_grad_decorator_inside_no_grad():
    x = mg.tensor([1.0], requires_grad=True)

    @mg.enable_grad()
    def f(t):
        return t * t

    with mg.no_grad():
        y = f(x)
    assert y.requires_grad and y.creator is not None


def test_grad_mode_restored_after_exception():
    with pytest.raises(KeyError):
        with mg.no_grad():
            raise KeyError("boom")
    assert mg.is_grad_enabled()


def test_ops_on_tensors_not_requiring_grad_record_nothing():
    a = mg.tensor([1.0, 2.0])
    y = a * 2.0 + a.exp()
    assert not y.requires_grad and y.creator is None


# ------------------------------------------------------------------ hooks


def test_hook_on_leaf_sees_gradient_and_can_replace_it(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    (x * x).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])

    z = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    z.register_hook(lambda g: g * 10.0)
    (z * 3.0).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [30.0, 30.0])


def test_hook_on_non_leaf_sees_summed_gradient_and_replacement_propagates(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 3.0                       # non-leaf
    seen = []

    def hook(g):
        seen.append(g.numpy().copy())
        return g * 2.0

    h.register_hook(hook)
    (h * h + h).sum().backward()      # h used twice: the hook sees the total, once
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [2 * 3.0 + 1, 2 * 6.0 + 1])   # 2h + 1
    np.testing.assert_allclose(x.grad.numpy(), 2.0 * 3.0 * np.array([7.0, 13.0]))


def test_hook_handle_remove(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 1.0
    calls = []
    leaf_handle = x.register_hook(lambda g: calls.append("leaf") or g * 0.0)
    node_handle = h.register_hook(lambda g: calls.append("node"))
    leaf_handle.remove()
    node_handle.remove()
    leaf_handle.remove()  # removing twice is harmless
    (h * 2.0).sum().backward()
    assert calls == []
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_hooks_run_in_grad(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 2.0
    h.register_hook(lambda g: g + 1.0)
    (gx, gh) = mg.grad((h * 1.0).sum(), [x, h])
    np.testing.assert_allclose(gh.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(gx.numpy(), [4.0, 4.0])


def test_register_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).register_hook(lambda g: g)


# ------------------------------------------------------------------ detect_anomaly


def test_detect_anomaly_is_scoped():
    assert not is_anomaly_enabled()
    with mg.detect_anomaly():
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_detect_anomaly_takes_torchs_check_nan_and_refuses_a_non_bool():
    # torch's signature, detect_anomaly(check_nan=True): passing it was "takes no arguments"
    for check_nan in (True, False):
        with mg.autograd.detect_anomaly(check_nan=check_nan):
            assert is_anomaly_enabled()
        assert not is_anomaly_enabled()
    with pytest.raises(TypeError, match=r"detect_anomaly\(\): check_nan must be a bool, got str 'no'"):
        mg.detect_anomaly("no")


def test_anomaly_in_forward_names_the_op():
    x = mg.tensor([1.0, -1.0], requires_grad=True)
    with mg.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError, match=r"Log forward produced NaN \(shape \(2,\), dtype float32\)"):
            mg.log(x)


def test_anomaly_in_forward_first_op_only():
    x = mg.tensor([2.0, 0.0])
    with mg.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        y = x * 2.0                     # finite: no error
        with pytest.raises(FloatingPointError, match="Div forward produced NaN"):
            y / y                       # 0 / 0


def test_anomaly_lets_an_infinite_forward_value_pass_as_torch_and_flags_its_infinite_gradient():
    # a -inf attention mask raised "Where forward produced NaN or Inf": anomaly mode refused every causal
    # attention, its own scaled_dot_product_attention(is_causal=True) too; torch checks only backward, for NaN
    x = mg.tensor(np.arange(6.0).reshape(2, 3) / 6.0, requires_grad=True)
    causal = mg.tensor([[False, True, True], [False, False, True]])
    with mg.detect_anomaly(), np.errstate(divide="ignore"):
        x.masked_fill(causal, float("-inf")).softmax(-1)[:, 0].sum().backward()
        s = 1.0 / (1.0 + np.exp(1.0 / 6.0))   # row 1's first softmax entry over its two unmasked values
        np.testing.assert_allclose(x.grad.numpy()[1], [s * (1 - s), -s * (1 - s), 0.0], rtol=1e-6)
        q = x.detach().reshape(1, 2, 3).requires_grad_()
        mg.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True).sum().backward()
        assert np.isfinite(q.grad.numpy()).all()
        z = mg.tensor([0.0, 1.0], requires_grad=True)
        y = mg.log(z)                   # -inf: passes forward
        with pytest.raises(FloatingPointError, match="Log backward produced NaN or Inf"):
            y.sum().backward()          # 1 / 0: the gradient is flagged


def test_without_detect_anomaly_nan_passes_silently():
    with np.errstate(invalid="ignore"):
        y = mg.log(mg.tensor([-1.0]))
    assert np.isnan(y.item())


class NaNBackward(Function):
    """y = 2 x, but its backward produces NaN."""

    def forward(self, x):
        return x * 2

    def backward(self, F, gy, x):
        return gy * F.const(np.full(gy.shape, np.nan, dtype=gy.dtype))


def _make_bad_graph(x):
    return NaNBackward.apply(x * 3.0)   # created on this line


def test_anomaly_in_backward_names_the_op_and_where_it_was_created():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.detect_anomaly():
        y = _make_bad_graph(x).sum()
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    message = str(info.value)
    assert "NaNBackward backward produced NaN or Inf" in message
    assert "_make_bad_graph" in message and "test_modes.py" in message
    assert x.grad is None


def test_anomaly_in_backward_of_a_builtin_op_names_that_op():
    # sqrt'(0) = 1 / (2 sqrt 0) = inf: the blame belongs to Sqrt's backward, not the Div inside it.
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    with mg.detect_anomaly():
        y = mg.sqrt(x).sum()
        with np.errstate(divide="ignore"), pytest.raises(FloatingPointError) as info:
            y.backward()
    message = str(info.value)
    assert message.startswith("detect_anomaly: Sqrt backward produced NaN or Inf")
    assert "test_anomaly_in_backward_of_a_builtin_op_names_that_op" in message


def test_no_anomaly_error_for_finite_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.detect_anomaly():
        (mg.sqrt(x) * x.exp()).sum().backward()
    expected = 0.5 / np.sqrt([1.0, 2.0]) * np.exp([1.0, 2.0]) + np.sqrt([1.0, 2.0]) * np.exp([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_set_detect_anomaly_is_a_switch_and_a_context_manager_as_torchs():
    import torch

    for module in (mg.autograd, torch.autograd):
        is_on = mg.autograd.is_anomaly_enabled if module is mg.autograd else torch.is_anomaly_enabled
        assert not is_on()
        with module.set_detect_anomaly(True):
            assert is_on()
            with module.set_detect_anomaly(False, check_nan=True):
                assert not is_on()
            assert is_on()
        assert not is_on()
        module.set_detect_anomaly(True)     # called: takes effect at once, until changed
        assert is_on()
        module.set_detect_anomaly(False)
        assert not is_on()
    with pytest.raises(TypeError, match=r"set_detect_anomaly\(\): mode must be a bool, got int 1"):
        mg.autograd.set_detect_anomaly(1)
    x = mg.tensor([-1.0], requires_grad=True)
    with mg.autograd.set_detect_anomaly(True), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError, match="Log"):
            mg.log(x)
