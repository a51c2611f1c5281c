"""minigrad.func.functional_call against torch.func.functional_call in float64: outputs with replaced parameters
and buffers, gradients with respect to a dict of parameters, tied weights, strict mode and its messages, and
the module's own tensors put back (also after an exception)."""
import numpy as np
import pytest
import torch
import torch.func as tfunc

import minigrad as mg
import minigrad.func as mfunc
from minigrad import nn


def _pair():
    """A minigrad and a torch MLP (float64) and one set of new parameters for both (torch's layout)."""
    mg_model = nn.Sequential(nn.Linear(4, 5, dtype=mg.float64), nn.Tanh(), nn.Linear(5, 2, dtype=mg.float64))
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 5, dtype=torch.float64), torch.nn.Tanh(),
                                      torch.nn.Linear(5, 2, dtype=torch.float64))
    rng = np.random.default_rng(0)
    new = {name: rng.standard_normal(tuple(p.shape)) for name, p in torch_model.named_parameters()}
    mg_params = {n: mg.tensor(v.T if v.ndim == 2 else v, dtype=mg.float64) for n, v in new.items()}
    torch_params = {n: torch.tensor(v) for n, v in new.items()}
    return mg_model, torch_model, mg_params, torch_params


X = np.random.default_rng(1).standard_normal((3, 4))


def test_output_with_new_parameters_matches_torch_and_the_module_is_restored():
    model, tmodel, params, tparams = _pair()
    own = {n: p for n, p in model.named_parameters()}
    out = mfunc.functional_call(model, params, (mg.tensor(X, dtype=mg.float64),))
    tout = tfunc.functional_call(tmodel, tparams, (torch.tensor(X),))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-13, atol=1e-14)
    assert all(p is own[n] for n, p in model.named_parameters())
    assert not np.allclose(model(mg.tensor(X, dtype=mg.float64)).numpy(), out.numpy())


def test_a_single_argument_need_not_be_a_tuple_and_kwargs_pass():
    lin = nn.Linear(2, 1, dtype=mg.float64)

    class WithScale(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lin

        def forward(self, x, scale=1.0):
            return self.lin(x) * scale

    model = WithScale()
    params = {"lin.weight": mg.tensor([[1.0], [2.0]], dtype=mg.float64), "lin.bias": mg.tensor([0.5], dtype=mg.float64)}
    x = mg.tensor([[1.0, 1.0]], dtype=mg.float64)
    assert mfunc.functional_call(model, params, x).numpy().tolist() == [[3.5]]
    assert mfunc.functional_call(model, params, (x,), {"scale": 2.0}).numpy().tolist() == [[7.0]]


def test_gradients_with_respect_to_a_dict_of_parameters_match_torch():
    model, tmodel, params, tparams = _pair()
    x, tx = mg.tensor(X, dtype=mg.float64), torch.tensor(X)

    def loss(p, x):
        return (mfunc.functional_call(model, p, (x,)) ** 2).mean()

    grads = mfunc.grad(loss)(params, x)
    tgrads = tfunc.grad(lambda p, x: (tfunc.functional_call(tmodel, p, (x,)) ** 2).mean())(tparams, tx)
    assert set(grads) == set(tgrads)
    for name, g in grads.items():
        t = tgrads[name].numpy()
        np.testing.assert_allclose(g.numpy(), t.T if t.ndim == 2 else t, rtol=1e-12, atol=1e-14)
    assert all(p.grad is None for p in model.parameters())


def test_buffers_are_replaced_too():
    bn = nn.BatchNorm1d(3, dtype=mg.float64).eval()
    tbn = torch.nn.BatchNorm1d(3, dtype=torch.float64).eval()
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([2.0, 0.5, 1.5])
    x = np.random.default_rng(2).standard_normal((4, 3))
    out = mfunc.functional_call(bn, {"running_mean": mg.tensor(mean, dtype=mg.float64),
                                     "running_var": mg.tensor(var, dtype=mg.float64)},
                                (mg.tensor(x, dtype=mg.float64),))
    tout = tfunc.functional_call(tbn, {"running_mean": torch.tensor(mean), "running_var": torch.tensor(var)},
                                 (torch.tensor(x),))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-13, atol=1e-14)
    assert np.array_equal(bn.running_mean.numpy(), np.zeros(3))


def test_the_module_is_restored_after_an_exception():
    model, _, params, _ = _pair()
    own = list(model.parameters())
    with pytest.raises(ValueError):
        mfunc.functional_call(model, params, (mg.ones(3, 7, dtype=mg.float64),))
    assert [p is q for p, q in zip(model.parameters(), own)] == [True] * 4


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2, bias=False, dtype=mg.float64)
        self.b = nn.Linear(2, 2, bias=False, dtype=mg.float64)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


def test_tied_weights():
    model = Tied()
    w = mg.tensor([[2.0, 0.0], [0.0, 3.0]], dtype=mg.float64)
    x = mg.tensor([[1.0, 1.0]], dtype=mg.float64)
    assert mfunc.functional_call(model, {"a.weight": w}, x).numpy().tolist() == [[4.0, 9.0]]
    own = model.a.weight.numpy()
    untied = mfunc.functional_call(model, {"a.weight": w}, x, tie_weights=False).numpy()
    np.testing.assert_allclose(untied, (np.array([[2.0, 3.0]]) @ own), rtol=1e-15)
    with pytest.raises(ValueError, match=r"functional_call got multiple values for keys \['a.weight', 'b.weight'\], "
                                         "which are tied. Consider using tie_weights=False"):
        mfunc.functional_call(model, {"a.weight": w, "b.weight": w * 2}, x)


def _message(call):
    try:
        call()
    except (RuntimeError, ValueError) as exc:
        return type(exc).__name__, str(exc)
    return None


def test_strict_and_ambiguous_messages_match_torch():
    lin, tlin = nn.Linear(2, 2, dtype=mg.float64), torch.nn.Linear(2, 2, dtype=torch.float64)
    x, tx = mg.ones(1, 2, dtype=mg.float64), torch.ones(1, 2, dtype=torch.float64)
    cases = [({"weight": (2, 2)}, True), ({"weight": (2, 2), "bias": (2,), "foo": (1,)}, True),
             ({"bias": (2,), "foo": (1,)}, True), ({"weight": (2, 2), "bias": (2,)}, True)]
    for spec, strict in cases:
        mine = _message(lambda: mfunc.functional_call(lin, {n: mg.zeros(*s, dtype=mg.float64) for n, s in spec.items()},
                                                      x, strict=strict))
        theirs = _message(lambda: tfunc.functional_call(tlin, {n: torch.zeros(*s, dtype=torch.float64)
                                                               for n, s in spec.items()}, tx, strict=strict))
        assert mine == theirs, spec
    mine = _message(lambda: mfunc.functional_call(lin, ({"weight": mg.zeros(2, 2)}, {"weight": mg.zeros(2, 2)}), x))
    theirs = _message(lambda: tfunc.functional_call(tlin, ({"weight": torch.zeros(2, 2)},
                                                           {"weight": torch.zeros(2, 2)}), tx))
    assert mine == theirs


def test_bad_values():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="the value for 'weight' must be a Tensor, got float"):
        mfunc.functional_call(lin, {"weight": 3.0}, mg.ones(1, 2))
    with pytest.raises(AttributeError, match="Linear has no sub-layer 'inner' \\(for the key 'inner.weight'\\)"):
        mfunc.functional_call(lin, {"inner.weight": mg.ones(2, 2)}, mg.ones(1, 2))
    with pytest.raises(TypeError, match="must be a dict of Tensors or a tuple of such dicts, got str"):
        mfunc.functional_call(lin, "weight", mg.ones(1, 2))
    with pytest.raises(TypeError, match="module must be a minigrad.nn.Module, got function"):
        mfunc.functional_call(lambda x: x, {}, mg.ones(1, 2))


def test_parameter_list_and_dict_entries_are_replaced_as_torch():
    # they keep their entries in the container, not as attributes: setting an attribute was silently ignored
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.scales = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2))])
                self.gains = lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2))})

            def forward(self, x):
                return x * self.scales[0] * self.scales[1] * self.gains["a"]
        return Net()
    model, tmodel = build(mg), build(torch)
    new = {"scales.1": [3.0, 4.0], "gains.a": [5.0, 7.0]}
    out = mfunc.functional_call(model, {k: mg.tensor(v) for k, v in new.items()}, (mg.ones(2),))
    expected = tfunc.functional_call(tmodel, {k: torch.tensor(v) for k, v in new.items()}, (torch.ones(2),))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(out.numpy(), [15.0, 28.0])
    np.testing.assert_array_equal(model(mg.ones(2)).numpy(), [1.0, 1.0])   # the module's own are back
    assert [n for n, _ in model.named_parameters()] == ["scales.0", "scales.1", "gains.a"]
    assert isinstance(model.scales[1], nn.Parameter) and isinstance(model.gains["a"], nn.Parameter)
