"""Forward hooks with torch's calling conventions (with_kwargs, always_call, prepend, handles, global hooks),
run side by side with torch: the calls each hook sees, in order, and the values it replaces."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import register_module_forward_hook, register_module_forward_pre_hook

torch = pytest.importorskip("torch")


def _scaler(lib):
    """forward(x, scale=1.0, fail=False) -> x * scale, raising on request."""
    class Scale(lib.nn.Module):
        def forward(self, x, scale=1.0, fail=False):
            if fail:
                raise ValueError("forward failed")
            return x * scale
    return Scale()


def _value(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _run_both(register, *args, **kwargs):
    """Register hooks with ``register(module, lib, log)`` in both libraries, call the module, and return the two
    (output, log) pairs; the log records what each hook saw, with tensors as lists."""
    results = []
    for lib in (mg, torch):
        module, log = _scaler(lib), []
        register(module, lib, log)
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        out = module(x, *args, **kwargs)
        results.append((_value(out).tolist(), log))
    return results


def test_a_pre_hook_with_kwargs_sees_and_replaces_args_and_kwargs():
    def register(module, lib, log):
        def hook(mod, args, kwargs):
            log.append((len(args), sorted(kwargs)))
            return (args[0] + 1,), {**kwargs, "scale": 10.0}
        module.register_forward_pre_hook(hook, with_kwargs=True)
    ours, theirs = _run_both(register, scale=3.0)
    assert ours == theirs == ([20.0, 30.0], [(1, ["scale"])])


def test_a_pre_hook_without_kwargs_replaces_the_positional_arguments_only():
    def register(module, lib, log):
        module.register_forward_pre_hook(lambda mod, args: log.append(len(args)) or args[0] * 2)
    assert _run_both(register, scale=3.0) == [([6.0, 12.0], [1])] * 2


def test_a_pre_hook_with_kwargs_must_return_none_or_a_pair():
    for lib in (mg, torch):
        module = _scaler(lib)
        module.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
        with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
            module(lib.ones(2), scale=2.0)


def test_a_forward_hook_with_kwargs_sees_the_kwargs_and_replaces_the_output():
    def register(module, lib, log):
        def hook(mod, args, kwargs, output):
            log.append(dict(kwargs))
            return output + kwargs["scale"]
        module.register_forward_hook(hook, with_kwargs=True)
        module.register_forward_hook(lambda mod, args, output: log.append(_value(output).tolist()))
    assert _run_both(register, scale=2.0) == [([4.0, 6.0], [{"scale": 2.0}, [4.0, 6.0]])] * 2


def test_always_call_hooks_run_when_forward_raises_and_the_error_propagates():
    for lib in (mg, torch):
        module, log = _scaler(lib), []
        module.register_forward_hook(lambda mod, args, out: log.append(("plain", out)))
        module.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
        module.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kwargs", sorted(kwargs))),
                                     always_call=True, with_kwargs=True)
        with pytest.raises(ValueError, match="^forward failed$"):
            module(lib.ones(2), fail=True)
        assert log == [("always", None), ("kwargs", ["fail"])]
        log.clear()
        module(lib.ones(2))   # no error: each hook once, in order
        assert [entry[0] for entry in log] == ["plain", "always", "kwargs"]


def test_an_always_call_hook_runs_once_when_a_later_hook_raises():
    for lib in (mg, torch):
        module, log = _scaler(lib), []
        module.register_forward_hook(lambda mod, args, out: log.append("always"), always_call=True)

        def failing(mod, args, out):
            raise KeyError("hook failed")
        module.register_forward_hook(failing)
        with pytest.raises(KeyError, match="hook failed"):
            module(lib.ones(2))
        assert log == ["always"]


def test_an_always_call_hook_that_raises_after_forward_raised_is_only_warned_about():
    for lib in (mg, torch):
        module = _scaler(lib)

        def broken(mod, args, out):
            raise TypeError("hook broke")
        module.register_forward_hook(broken, always_call=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="^forward failed$"):
                module(lib.ones(2), fail=True)
        messages = [str(w.message) for w in caught]
        assert len(messages) == 1 and "always_call=True" in messages[0] and messages[0].endswith("hook broke")


def test_prepend_orders_pre_hooks_and_hooks_as_torch():
    def register(module, lib, log):
        module.register_forward_pre_hook(lambda mod, args: log.append("pre a"))
        module.register_forward_pre_hook(lambda mod, args: log.append("pre b"), prepend=True)
        module.register_forward_pre_hook(lambda mod, args, kwargs: log.append("pre c"), with_kwargs=True,
                                         prepend=True)
        module.register_forward_hook(lambda mod, args, out: log.append("post a"))
        module.register_forward_hook(lambda mod, args, out: log.append("post b"), prepend=True)
    ours, theirs = _run_both(register)
    assert ours == theirs and ours[1] == ["pre c", "pre b", "pre a", "post b", "post a"]


def test_handles_remove_hooks_once_and_work_as_context_managers():
    for lib in (mg, torch):
        module, log = _scaler(lib), []
        first = module.register_forward_hook(lambda mod, args, out: log.append("first"))
        with module.register_forward_pre_hook(lambda mod, args: log.append("pre")):
            module(lib.ones(1))
        module(lib.ones(1))
        first.remove()
        first.remove()   # a second remove does nothing
        module(lib.ones(1))
        assert log == ["pre", "first", "first"]
        assert isinstance(first.id, int)


def test_a_layer_whose_hooks_are_removed_runs_fused_again_with_the_same_output():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    x = mg.randn(4, 2)
    expected = model(x).numpy()
    seen = []
    handle = model[0].register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    np.testing.assert_array_equal(model(x).numpy(), expected)
    assert seen == [(4, 16)] and model[0]._hooked
    handle.remove()
    assert not model[0]._hooked and "_hooked" not in model[0].__dict__
    np.testing.assert_array_equal(model(x).numpy(), expected)
    assert seen == [(4, 16)]


def test_global_hooks_see_every_module_in_torchs_order_and_can_be_removed():
    logs = []
    for lib, pre_hook, hook in ((mg, register_module_forward_pre_hook, register_module_forward_hook),
                                (torch, torch.nn.modules.module.register_module_forward_pre_hook,
                                 torch.nn.modules.module.register_module_forward_hook)):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Sequential(lib.nn.Tanh()))
        log = []
        handles = [pre_hook(lambda mod, args: log.append("pre " + type(mod).__name__)),
                   hook(lambda mod, args, out: log.append("post " + type(mod).__name__))]
        try:
            out = model(lib.ones(1, 2))
        finally:
            for handle in handles:
                handle.remove()
        assert tuple(out.shape) == (1, 3)
        model(lib.ones(1, 2))   # removed: nothing more logged
        logs.append(log)
    assert logs[0] == logs[1] == ["pre Sequential", "pre Linear", "post Linear", "pre ReLU", "post ReLU",
                                  "pre Sequential", "pre Tanh", "post Tanh", "post Sequential", "post Sequential"]
    assert nn.Layer._hooked is False


def test_backward_hooks_see_the_gradient_of_the_output_a_forward_hook_returned():
    """torch routes the output through the backward hooks after the forward hooks replaced it."""
    grads = []
    for lib in (mg, torch):
        module, seen = _scaler(lib), []
        module.register_forward_hook(lambda mod, args, out: out * 3)
        module.register_full_backward_pre_hook(lambda mod, grad_output: seen.append(_value(grad_output[0]).tolist()))
        module.register_full_backward_hook(lambda mod, grad_input, grad_output:
                                           seen.append(_value(grad_input[0]).tolist()))
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (module(x, scale=2.0) * lib.tensor([1.0, 10.0], dtype=lib.float64)).sum().backward()
        grads.append((seen, _value(x.grad).tolist()))
    assert grads[0] == grads[1] == ([[1.0, 10.0], [6.0, 60.0]], [6.0, 60.0])


def test_a_hook_that_is_not_callable_is_refused():
    module = _scaler(mg)
    with pytest.raises(TypeError, match="^Scale.register_forward_hook: hook must be callable, got int$"):
        module.register_forward_hook(3)
    with pytest.raises(TypeError, match="^register_module_forward_hook: hook must be callable, got str$"):
        register_module_forward_hook("f")
