"""minigrad.amp: GradScaler against torch.amp.GradScaler("cpu") (scale sequences, skipped steps, parameters,
state dicts) and autocast (a no-op where nothing lower than float32 is asked for, one error otherwise)."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.optim import SGD, AdamW


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((8, 3)), rng.standard_normal((8, 1)), rng.standard_normal((3, 1))


def _run(lib, steps, inf_at, nan_at=(), optimizer="adamw", scaler_kwargs=None, scaler_state=None):
    """A float64 least-squares fit trained through a GradScaler, with an inf (or NaN) written into one gradient
    after backward at the steps in ``inf_at`` (``nan_at``); returns the scale after each update, the parameter
    after each step, what step() returned, the scaler and the optimizer."""
    x, y, w0 = _problem()
    kwargs = dict(init_scale=1000.7, growth_factor=2.5, backoff_factor=0.3, growth_interval=3)
    kwargs.update(scaler_kwargs or {})
    if lib == "mg":
        w = mg.tensor(w0, dtype=mg.float64, requires_grad=True)
        xt, yt = mg.tensor(x, dtype=mg.float64), mg.tensor(y, dtype=mg.float64)
        scaler = mg.amp.GradScaler("cpu", **kwargs)
        opt = AdamW([w], lr=0.05) if optimizer == "adamw" else SGD([w], lr=0.05, momentum=0.9)
    else:
        w = torch.tensor(w0, requires_grad=True)
        xt, yt = torch.tensor(x), torch.tensor(y)
        scaler = torch.amp.GradScaler("cpu", **kwargs)
        opt = (torch.optim.AdamW([w], lr=0.05) if optimizer == "adamw"
               else torch.optim.SGD([w], lr=0.05, momentum=0.9))
    if scaler_state is not None:
        scaler.load_state_dict(scaler_state)
    scales, params, results = [], [], []
    for i in range(steps):
        opt.zero_grad()
        loss = ((xt @ w - yt) ** 2).mean()
        scaler.scale(loss).backward()
        if i in inf_at:
            w.grad.data[1, 0] = np.inf if lib == "mg" else float("inf")
        if i in nan_at:
            w.grad.data[2, 0] = np.nan if lib == "mg" else float("nan")
        results.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
        params.append(np.array(w.detach().numpy()))
    return scales, params, results, scaler, opt


def test_scale_sequence_and_parameters_match_torch_with_injected_infs():
    inf_at, nan_at = {1, 2, 7}, {11}
    scales, params, _, scaler, opt = _run("mg", 14, inf_at, nan_at)
    t_scales, t_params, _, t_scaler, t_opt = _run("torch", 14, inf_at, nan_at)
    assert scales == t_scales                    # exact: both keep the scale as a float32
    assert len(set(scales)) > 3                  # backoffs and growths both happened
    for p, tp in zip(params, t_params):
        np.testing.assert_allclose(p, tp, rtol=1e-12, atol=1e-14)
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == int(t_opt.state[t_opt.param_groups[0]
                                                                                   ["params"][0]]["step"])
    assert scaler.state_dict() == t_scaler.state_dict()


def test_sgd_momentum_run_matches_torch():
    scales, params, _, _, _ = _run("mg", 9, {0, 4}, optimizer="sgd")
    t_scales, t_params, _, _, _ = _run("torch", 9, {0, 4}, optimizer="sgd")
    assert scales == t_scales
    np.testing.assert_allclose(np.stack(params), np.stack(t_params), rtol=1e-12, atol=1e-14)


def test_skipped_steps_leave_parameters_and_optimizer_state_unchanged():
    inf_at = {2, 3}
    scales, params, results, _, opt = _run("mg", 5, inf_at)
    assert np.array_equal(params[2], params[1]) and np.array_equal(params[3], params[1])
    assert not np.array_equal(params[4], params[3])
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 3   # 5 steps, 2 skipped
    assert results == [None] * 5                                       # AdamW.step() without closure: None
    assert scales[2] == np.float32(scales[1] * 0.3) and scales[3] == np.float32(scales[2] * 0.3)


def test_growth_after_growth_interval_clean_steps_and_not_past_float32():
    scales, *_ = _run("mg", 7, inf_at=set(), scaler_kwargs=dict(init_scale=2.0 ** 126, growth_factor=2.0))
    t_scales, *_ = _run("torch", 7, inf_at=set(), scaler_kwargs=dict(init_scale=2.0 ** 126, growth_factor=2.0))
    assert scales == t_scales
    assert scales[2] == 2.0 ** 127 and scales[5] == 2.0 ** 127   # 2**128 overflows float32: kept
    assert scales[:2] == [2.0 ** 126, 2.0 ** 126]


def test_state_dict_round_trip_and_torch_state_loads():
    _, _, _, scaler, _ = _run("mg", 4, {1})
    _, _, _, t_scaler, _ = _run("torch", 4, {1})
    state = scaler.state_dict()
    assert state["_growth_tracker"] == 2
    assert state == t_scaler.state_dict()
    assert set(state) == {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}
    # continuing from a loaded state gives the same scales as torch continuing from the same state
    cont, *_ = _run("mg", 6, {3}, scaler_state=state)
    t_cont, *_ = _run("torch", 6, {3}, scaler_state=t_scaler.state_dict())
    assert cont == t_cont
    assert cont[0] == np.float32(state["scale"] * 2.5)   # tracker 2 loaded: the first clean step grows
    fresh = mg.amp.GradScaler("cpu")
    fresh.load_state_dict(state)
    assert fresh.state_dict() == state and fresh.get_scale() == state["scale"]


def test_update_with_new_scale_as_torch():
    for new in (123.4, "tensor"):
        scalers = []
        for lib in (mg, torch):
            s = lib.amp.GradScaler("cpu")
            s.scale(lib.tensor(1.0))
            s.update(lib.tensor(77.3) if new == "tensor" else new)
            scalers.append(s.get_scale())
        assert scalers[0] == scalers[1]
    s = mg.amp.GradScaler("cpu")
    s.scale(mg.tensor(1.0))
    with pytest.raises(ValueError, match="one-element"):
        s.update(mg.tensor([1.0, 2.0]))


def test_scale_of_nested_outputs_and_dtypes():
    s, ts = mg.amp.GradScaler("cpu", init_scale=4.0), torch.amp.GradScaler("cpu", init_scale=4.0)
    out = s.scale([mg.tensor(1.5), (mg.tensor([2.0, 3.0]), [mg.tensor(-1.0)])])
    t_out = ts.scale([torch.tensor(1.5), (torch.tensor([2.0, 3.0]), [torch.tensor(-1.0)])])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
    assert out[0].item() == t_out[0].item() == 6.0
    assert out[1][0].tolist() == t_out[1][0].tolist() == [8.0, 12.0]
    assert out[1][1][0].item() == t_out[1][1][0].item() == -4.0
    for dtype, shape in (("float64", ()), ("float32", (2,)), ("float16", ()), ("float16", (2,))):
        r = s.scale(mg.ones(shape, dtype=getattr(mg, dtype)))
        tr = ts.scale(torch.ones(shape, dtype=getattr(torch, dtype)))
        assert (str(r.dtype), r.shape) == (str(tr.dtype).removeprefix("torch."), tuple(tr.shape))
    with pytest.raises(ValueError, match="Tensor or a list/tuple of Tensors, got float"):
        s.scale(3.0)


def test_scaled_backward_then_unscale_gives_the_plain_gradient():
    w = mg.tensor([1.0, -2.0, 3.0], dtype=mg.float64, requires_grad=True)
    (w * w).sum().backward()
    plain = w.grad.numpy().copy()
    w.grad = None
    s = mg.amp.GradScaler("cpu", init_scale=2.0 ** 20)
    s.scale((w * w).sum()).backward()
    np.testing.assert_array_equal(w.grad.numpy(), plain * 2.0 ** 20)
    s.unscale_(SGD([w], lr=0.1))
    np.testing.assert_array_equal(w.grad.numpy(), plain)


def test_call_order_errors_match_torch():
    for lib, opt_cls in ((mg, SGD), (torch, torch.optim.SGD)):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = opt_cls([w], lr=0.1)
        s = lib.amp.GradScaler("cpu")
        with pytest.raises((RuntimeError, AssertionError), match="scale"):
            s.unscale_(opt)                                     # before any scale()
        s.scale((w * w).sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
            s.unscale_(opt)
        with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)"):
            s.step(opt)
        s.update()
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            s.step(opt, closure=lambda: 0.0)


def test_step_forwards_arguments_and_returns_the_result():
    class Recorder:
        def __init__(self, param):
            self.param_groups = [{"params": [param]}]
            self.calls = []

        def step(self, *args, **kwargs):
            self.calls.append((args, kwargs))
            return "result"

    w = mg.tensor([1.0], requires_grad=True)
    opt = Recorder(w)
    s = mg.amp.GradScaler("cpu")
    s.scale(w.sum()).backward()
    assert s.step(opt, 1, key=2) == "result" and opt.calls == [((1,), {"key": 2})]
    s.update()
    s.scale(w.sum()).backward()
    w.grad.data[0] = np.nan
    assert s.step(opt, 3) is None and len(opt.calls) == 1      # skipped
    s.update()
    assert s.get_scale() == 2.0 ** 15


def test_unscale_refuses_float16_gradients_before_changing_any():
    a = mg.tensor([1.0, 2.0], dtype=mg.float32, requires_grad=True)
    b = mg.tensor([1.0, 2.0], dtype=mg.float16, requires_grad=True)
    s = mg.amp.GradScaler("cpu", init_scale=4.0)
    s.scale((a * a).sum() + (b * b).sum().float()).backward()
    before = a.grad.numpy().copy()
    with pytest.raises(ValueError, match="unscale float16 gradients"):
        s.unscale_(SGD([a, b], lr=0.1))
    np.testing.assert_array_equal(a.grad.numpy(), before)



@pytest.mark.parametrize("grad, shown", [(np.array([8, 4], dtype=np.int64), r"shape \(2,\) and dtype int64"),
                                         (np.array([8.0, 4.0]), r"shape \(2,\) and dtype float64"),
                                         (np.array([8.0], dtype=np.float32), r"shape \(1,\) and dtype float32")])
def test_unscale_refuses_a_grad_unlike_its_parameter_before_changing_any(grad, shown):
    # torch refuses such a grad when it is assigned; unscaled, int64 [8, 4] became [0, 0] (1/S rounded to int)
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([1.0, 2.0], requires_grad=True)
    s = mg.amp.GradScaler("cpu", init_scale=4.0)
    s.scale((a * a).sum()).backward()
    b.grad = mg.tensor(grad, dtype=grad.dtype)
    with pytest.raises(RuntimeError, match=rf"^GradScaler\.unscale_: \.grad holds a tensor of {shown}, but the "
                                           r"parameter has shape \(2,\) and dtype float32; set \.grad to None"):
        s.unscale_(SGD([a, b], lr=0.1))
    np.testing.assert_array_equal(a.grad.numpy(), [8.0, 16.0])
    np.testing.assert_array_equal(b.grad.numpy(), grad)


def test_disabled_scaler_is_a_pass_through_as_torch():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([w], lr=0.5)
    s = mg.amp.GradScaler("cpu", enabled=False)
    loss = (w * w).sum()
    assert s.scale(loss) is loss
    loss.backward()
    s.unscale_(opt)
    assert w.grad.tolist() == [2.0, 4.0]
    assert s.step(opt) is None
    assert w.tolist() == [0.0, 0.0]
    s.update()
    t = torch.amp.GradScaler("cpu", enabled=False)
    assert (s.get_scale(), s.is_enabled(), s.state_dict()) == (t.get_scale(), t.is_enabled(), t.state_dict())
    s.load_state_dict({})   # nothing to load into a disabled scaler, as torch
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        mg.amp.GradScaler("cpu").load_state_dict({})


def test_constructor_checks():
    with pytest.raises(ValueError, match="growth_factor must be > 1.0, got 1.0"):
        mg.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="backoff_factor must be in"):
        mg.amp.GradScaler("cpu", backoff_factor=1.5)
    with pytest.raises(ValueError, match="growth_interval must be a positive int, got 0"):
        mg.amp.GradScaler("cpu", growth_interval=0)
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda', got 'tpu'"):
        mg.amp.GradScaler("tpu")
    s = mg.amp.GradScaler("cpu", growth_factor=3.0, backoff_factor=0.25, growth_interval=7)
    assert (s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == (3.0, 0.25, 7)
    s.set_growth_factor(4.0), s.set_backoff_factor(0.125), s.set_growth_interval(9)
    assert (s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == (4.0, 0.125, 9)


def test_cuda_scalers_follow_torch_where_cuda_is_missing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = mg.cuda.amp.GradScaler(init_scale=8.0)
        new = mg.amp.GradScaler()            # device="cuda" by default, as torch's
    kinds = [w.category for w in caught]
    assert FutureWarning in kinds                        # the torch.cuda.amp spelling is deprecated
    assert isinstance(old, mg.amp.GradScaler)
    assert old.is_enabled() == new.is_enabled() == mg.cuda.is_available()
    if not mg.cuda.is_available():
        assert kinds.count(UserWarning) == 2             # "enabled, but CUDA is not available.  Disabling."
        assert old.get_scale() == 1.0


def test_autocast_is_a_no_op_where_nothing_lower_than_float32_is_asked():
    x = mg.ones(2, 2)
    for ctx in (mg.amp.autocast("cpu", enabled=False), mg.autocast("cuda", dtype=mg.float16, enabled=False),
                mg.amp.autocast("cpu", dtype=mg.float32), mg.autocast("cuda", dtype=mg.float64)):
        with ctx as entered:
            y = x @ x
        assert entered is ctx and y.dtype == np.float32 and y.tolist() == [[2.0, 2.0], [2.0, 2.0]]

    @mg.amp.autocast("cpu", enabled=False)
    def double(t):
        return t * 2

    assert double(x).tolist() == [[2.0, 2.0], [2.0, 2.0]] and double.__name__ == "double"
    assert mg.autocast is mg.amp.autocast
    assert mg.amp.is_autocast_available("cuda") is False


def test_autocast_to_a_lower_precision_raises_one_clear_error():
    cases = [(dict(device_type="cuda", dtype=mg.float16), "dtype=float16)"),
             (dict(device_type="cuda"), "dtype=float16 (torch's default for this device)"),
             (dict(device_type="cpu"), "dtype=bfloat16 (torch's default for this device)"),
             (dict(device_type="cuda", dtype="bfloat16"), "dtype=bfloat16)")]
    for kwargs, named in cases:
        with pytest.raises(NotImplementedError) as info:
            mg.amp.autocast(**kwargs)
        message = str(info.value)
        assert named in message and "no automatic mixed precision" in message
        assert "Train in float32" in message and ".half()" in message
    with pytest.warns(FutureWarning, match="torch.cuda.amp|minigrad.cuda.amp"):
        with pytest.raises(NotImplementedError, match="device_type='cuda', dtype=float16"):
            mg.cuda.amp.autocast()
    with pytest.warns(FutureWarning):
        with mg.cuda.amp.autocast(enabled=False):
            pass
    with pytest.raises(TypeError, match="enabled must be a bool, got str"):
        mg.amp.autocast("cpu", enabled="no")


def test_scaling_keeps_float16_gradients_from_underflowing_as_torchs():
    """float32 parameters used in float16 (``w.half()``): a 1e-8 gradient underflows to 0 in float16 unless the
    loss is scaled; scaled and then unscaled, it arrives in float32, as with torch's scaler."""
    grads = {}
    for lib in (mg, torch):
        for scaled in (False, True):
            w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
            c = lib.tensor(1e-4, dtype=lib.float16)
            loss = (w.half() * c).float().sum() * 1e-4
            s = lib.amp.GradScaler("cpu", enabled=scaled)
            s.scale(loss).backward()
            s.unscale_(lib.optim.SGD([w], lr=0.1))
            grads[lib.__name__, scaled] = np.array(w.grad.numpy(), dtype=np.float64)
    assert grads["minigrad", False].tolist() == grads["torch", False].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(grads["minigrad", True], grads["torch", True])
    np.testing.assert_allclose(grads["minigrad", True], [1e-8] * 3, rtol=1e-3)


class _OnDevice(np.ndarray):
    """A stand-in GPU array for unscale_'s mixed-device test."""


class _DeviceUfuncs:
    """CuPy's namespace for the stand-in: its ufuncs take its arrays and scalars (NumPy's too), but refuse a NumPy
    array, even a 0-d one (cupy/_core/_kernel.pyx: "Unsupported type <class 'numpy.ndarray'>")."""

    def __getattr__(self, name):
        ufunc = getattr(np, name)

        def call(*args, **kwargs):
            if any(type(a) is np.ndarray for a in args):
                raise TypeError("Unsupported type <class 'numpy.ndarray'>")
            return np.asarray(ufunc(*args, **kwargs)).view(_OnDevice)
        return call


def _unscaled_found_inf(params):
    """unscale_ of params' gradients (scale 4) through an optimizer; returns the scaler's found_inf for it."""
    optimizer = SGD(params, lr=0.1)
    scaler = mg.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(mg.tensor(1.0))
    scaler.unscale_(optimizer)
    return scaler._per_optimizer_states[id(optimizer)]["found_inf"]


@pytest.mark.parametrize("host_first", [True, False])
@pytest.mark.parametrize("finite_run", [True, False])
def test_unscale_of_gradients_on_the_host_and_a_gpu(monkeypatch, host_first, finite_run):
    # the running found-finite flag was combined by the module of each new gradient: a host gradient first, then a
    # GPU one, asked CuPy's logical_and to take the host flag (a NumPy array): TypeError in unscale_
    from minigrad.amp import grad_scaler

    monkeypatch.setattr(grad_scaler, "get_array_module", lambda a: _DeviceUfuncs() if isinstance(a, _OnDevice) else np)
    monkeypatch.setattr(grad_scaler, "device_of", lambda a: "cuda:0" if isinstance(a, _OnDevice) else "cpu")
    monkeypatch.setattr(grad_scaler, "to_device",
                        lambda a, d: np.asarray(a).view(_OnDevice if d != "cpu" else np.ndarray))
    params = [mg.tensor(np.zeros(3, dtype=np.float32), requires_grad=True) for _ in range(3)]
    for i, p in enumerate(params):
        p.grad = mg.tensor(np.full(3, 8.0, dtype=np.float32))
        if (i == 1) == host_first:   # the other gradients on the other device
            p.grad.data = p.grad.data.view(_OnDevice)
    if not finite_run:
        params[2].grad.data[0] = np.inf
    assert _unscaled_found_inf(params) is (not finite_run)
    assert np.asarray(params[0].grad.data).tolist() == [2.0] * 3


@pytest.mark.parametrize("finite_run", [True, False])
def test_unscale_of_gradients_on_the_host_and_each_device(device, finite_run):
    params = [mg.tensor(np.zeros(3, dtype=np.float32), device=d, requires_grad=True) for d in ("cpu", device, "cpu")]
    for p in params:
        p.grad = mg.tensor(np.full(3, 8.0, dtype=np.float32), device=p.device)
    if not finite_run:
        params[1].grad.data[0] = np.inf
    assert _unscaled_found_inf(params) is (not finite_run)
    assert params[2].grad.numpy().tolist() == [2.0] * 3


def test_unscale_reads_the_device_once_not_once_per_gradient(monkeypatch):
    # bool(isfinite(g).all()) per gradient waited for the GPU once per parameter; torch's reads found_inf once
    from minigrad.amp import grad_scaler
    from device_reads import DeviceArray, DeviceModule

    monkeypatch.setattr(grad_scaler, "get_array_module", lambda a: DeviceModule())
    params = [mg.tensor(np.zeros(s, dtype=np.float32), requires_grad=True) for s in [(4, 3), (3,), (2, 2)]]
    for finite_run in (True, False):
        scaler = mg.amp.GradScaler("cpu", init_scale=4.0)
        for p in params:
            p.grad = mg.tensor(np.full(p.shape, 8.0, dtype=np.float32))
            p.grad.data = p.grad.data.view(DeviceArray)
        if not finite_run:
            params[1].grad.data[0] = np.inf
        optimizer = SGD(params, lr=0.1)
        scaler.scale(mg.tensor(1.0))   # starts the iteration
        DeviceArray.reads = 0
        scaler.unscale_(optimizer)
        assert DeviceArray.reads == 1
        assert scaler._per_optimizer_states[id(optimizer)]["found_inf"] is (not finite_run)
        assert np.asarray(params[0].grad.data).tolist() == [[2.0] * 3] * 4
