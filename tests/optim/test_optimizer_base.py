"""The Optimizer base class: parameter validation, groups, zero_grad, closures."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adam, Optimizer
from optim.helpers import square_closure


def test_empty_parameter_list_is_rejected():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)


def test_a_single_tensor_instead_of_an_iterable_is_rejected():
    with pytest.raises(TypeError, match="iterable"):
        SGD(mg.tensor([1.0], requires_grad=True), lr=0.1)


@pytest.mark.parametrize("opt_class", [SGD, Adam])
def test_a_frozen_parameter_is_accepted_and_left_unchanged_as_in_torch(opt_class):
    # Fine-tuning: freeze part of a model with requires_grad_(False), then hand every parameter to the optimizer.
    trained = mg.tensor([1.0, -2.0], requires_grad=True)
    frozen = mg.ones(2, 3)
    opt = opt_class([trained, frozen], lr=0.1)
    (trained ** 2).sum().backward()
    opt.step()
    assert frozen.grad is None and frozen.numpy().tolist() == [[1.0] * 3] * 2
    assert trained.numpy().tolist() != [1.0, -2.0]


def test_non_leaf_parameter_is_rejected():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([x * 2], lr=0.1)


def test_non_tensor_parameter_is_rejected():
    with pytest.raises(TypeError, match="parameter 0 of param group 0 is a ndarray"):
        SGD([np.zeros(3)], lr=0.1)


def test_duplicate_parameters_are_rejected_within_and_across_groups():
    x = mg.tensor([1.0], requires_grad=True)
    y = mg.tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="more than once"):
        SGD([x, y, x], lr=0.1)
    with pytest.raises(ValueError, match="already in another param group"):
        SGD([{"params": [x]}, {"params": [y, x]}], lr=0.1)


def test_set_of_parameters_is_rejected_because_its_order_is_undefined():
    with pytest.raises(TypeError, match="ordered"):
        SGD([{"params": {mg.tensor([1.0], requires_grad=True)}}], lr=0.1)


def test_groups_take_defaults_and_keep_their_own_options():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([1.0], requires_grad=True)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    first, second = optimizer.param_groups
    assert first["lr"] == 0.1 and first["momentum"] == 0.0 and first["params"] == [a]
    assert second["lr"] == 0.5 and second["momentum"] == 0.9 and second["params"] == [b]
    assert first["nesterov"] is False and second["maximize"] is False


def test_param_groups_with_different_learning_rates_step_separately(device):
    a = mg.tensor([1.0, 1.0], dtype=np.float64, requires_grad=True, device=device)
    b = mg.tensor([1.0], dtype=np.float64, requires_grad=True, device=device)
    optimizer = SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.5}])
    a.grad = mg.tensor([1.0, 2.0], dtype=np.float64, device=device)
    b.grad = mg.tensor([1.0], dtype=np.float64, device=device)
    optimizer.step()
    np.testing.assert_allclose(a.numpy(), [0.9, 0.8])
    np.testing.assert_allclose(b.numpy(), [0.5])


def test_param_groups_with_different_learning_rates_in_adam():
    a = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    b = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    optimizer = Adam([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, eps=0.0)
    a.grad = mg.tensor([2.0], dtype=np.float64)
    b.grad = mg.tensor([2.0], dtype=np.float64)
    optimizer.step()  # first Adam step: theta -= lr * sign(g)
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.7], rtol=1e-15)


def test_add_param_group_validates_and_extends():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([1.0], requires_grad=True)
    optimizer = SGD([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "lr": 0.01})
    assert len(optimizer.param_groups) == 2 and optimizer.param_groups[1]["momentum"] == 0.0
    with pytest.raises(ValueError, match="already in another param group"):
        optimizer.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optimizer.add_param_group({"params": [mg.tensor([1.0], requires_grad=True)], "lr": -1})
    with pytest.raises(ValueError, match="'params'"):
        optimizer.add_param_group({"lr": 0.1})


def test_zero_grad_sets_none_or_zeros_in_place():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = SGD([x], lr=0.1)
    (x * x).sum().backward()
    grad_data = x.grad.data
    optimizer.zero_grad(set_to_none=False)
    assert x.grad.data is grad_data
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    optimizer.zero_grad()
    assert x.grad is None


def test_base_step_is_abstract():
    optimizer = Optimizer([mg.tensor([1.0], requires_grad=True)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        optimizer.step()


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    x = mg.tensor([3.0], requires_grad=True)
    optimizer = Adam([x], lr=0.1)
    calls = []
    square = square_closure(optimizer, x)

    def closure():
        calls.append(mg.is_grad_enabled())
        return square()

    with mg.no_grad():
        loss = optimizer.step(closure)
    assert calls == [True]
    assert loss.item() == 9.0
    np.testing.assert_allclose(x.numpy(), [2.9], rtol=1e-6)


def test_gradient_of_the_wrong_shape_is_rejected_instead_of_broadcast():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    optimizer = Adam([x])
    x.grad = mg.tensor([1.0])
    with pytest.raises(RuntimeError, match=r"^Adam.step: \.grad holds a tensor of shape \(1,\) and dtype float32, "
                                           r"but the parameter has shape \(3,\) and dtype float32"):
        optimizer.step()


def test_non_numeric_hyperparameter_gets_a_type_error_naming_the_options():
    with pytest.raises(TypeError, match="SGD: invalid hyperparameter type in param group 0.*'lr': '0.1'"):
        SGD([mg.tensor([1.0], requires_grad=True)], lr="0.1")


def test_error_names_a_named_parameter():
    bias = mg.zeros(4, requires_grad=True)
    bias.name = "encoder.bias"
    with pytest.raises(ValueError, match=r"Tensor 'encoder.bias'\(shape=\(4,\).* appears more than once"):
        SGD([bias, bias], lr=0.1)


def test_passing_the_model_instead_of_its_parameters_says_so():
    model = mg.nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"Adam: .*got the model itself \(Linear\); pass model.parameters\(\)"):
        mg.optim.Adam(model)


def test_passing_the_parameters_method_uncalled_says_to_call_it():
    model = mg.nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"SGD: .*method 'parameters' itself; call it: model.parameters\(\)"):
        mg.optim.SGD(model.parameters, lr=0.1)


def test_passing_a_number_names_its_type():
    with pytest.raises(TypeError, match=r"Adam: params must be an iterable of Tensors, but got float"):
        mg.optim.Adam(0.5)


def test_a_custom_optimizer_reads_self_state_p_as_torchs_defaultdict():
    """The custom-optimizer idiom `state = self.state[p]; if "buf" not in state: ...` needs torch's
    defaultdict(dict): it raised KeyError. Values equal torch's, and a state_dict round trip keeps the behaviour."""
    torch = pytest.importorskip("torch")

    def make(lib):
        class MomentumSGD(lib.optim.Optimizer):
            def __init__(self, params, lr=0.1, momentum=0.9):
                super().__init__(params, dict(lr=lr, momentum=momentum))

            @lib.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        state = self.state[p]
                        if "buf" not in state:
                            state["buf"] = lib.zeros_like(p)
                        state["buf"].mul_(group["momentum"]).add_(p.grad)
                        p.add_(state["buf"], alpha=-group["lr"])
        return MomentumSGD

    results = []
    for lib in (mg, torch):
        w = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        unused = lib.tensor([3.0], dtype=lib.float64, requires_grad=True)
        opt = make(lib)([w, unused])
        for _ in range(2):
            opt.zero_grad()
            (w ** 3).sum().backward()
            opt.step()
        saved = opt.state_dict()
        assert list(saved["state"]) == [0]          # no entry for the parameter that never had a gradient
        again = make(lib)([w, unused])
        again.load_state_dict(saved)
        again.zero_grad()
        (w ** 3).sum().backward()
        again.step()
        assert again.state[unused] == {}
        results.append(w.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-14)
