"""``minigrad.nn.utils.parametrize`` against ``torch.nn.utils.parametrize``, float64: registration (names, order,
the original Parameter kept), the property recomputed on each read and differentiable, right_inverse on
registration and on assignment, tuples of originals, chains, buffers, ``cached``, removal, copies, errors."""
import copy
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch, to_torch
from minigrad.nn.utils import parametrize

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrize
RNG = np.random.default_rng(5)
TOL = dict(rtol=1e-12, atol=1e-13)


class Symmetric(nn.Module):
    """X -> X + X^T, right inverse A -> A / 2 (on symmetric A). Both commute with transposition, so the layer is the
    same model on minigrad's (in, out) Linear weight as on torch's (out, in) one (a parametrization sees minigrad's
    layout; one that does not commute with transposition would give a different model)."""

    def forward(self, x):
        return x + x.T

    def right_inverse(self, a):
        return a / 2.0


class TorchSymmetric(torch.nn.Module):
    def forward(self, x):
        return x + x.T

    def right_inverse(self, a):
        return a / 2.0


class Counting(nn.Module):
    calls = 0

    def forward(self, x):
        Counting.calls += 1
        return 2.0 * x


class _TorchDouble(torch.nn.Module):
    def forward(self, x):
        return 2.0 * x


class ScaleAndShift(nn.Module):
    """right_inverse returns two originals: forward(a, b) = a * w + b with a = 1, b = 0 at registration."""

    def forward(self, a, b):
        return a * b[0] + b[1]

    def right_inverse(self, w):
        return mg.ones(1, dtype=w.dtype), mg.stack([w, mg.zeros_like(w)])


class TorchScaleAndShift(torch.nn.Module):
    def forward(self, a, b):
        return a * b[0] + b[1]

    def right_inverse(self, w):
        return torch.ones(1, dtype=w.dtype), torch.stack([w, torch.zeros_like(w)])


def _pair(n=3):
    mine, theirs = nn.Linear(n, n, dtype=mg.float64), torch.nn.Linear(n, n).double()
    mine.load_state_dict(from_torch(mine, {k: v.detach().numpy() for k, v in theirs.state_dict().items()}))
    return mine, theirs


def test_registration_moves_the_parameter_under_torchs_names_and_keeps_it():
    mine, theirs = _pair()
    weight = mine.weight
    parametrize.register_parametrization(mine, "weight", Symmetric())
    TP.register_parametrization(theirs, "weight", TorchSymmetric())
    assert mine.parametrizations.weight.original is weight   # an optimizer built before keeps training it
    assert type(mine).__name__ == "ParametrizedLinear" and isinstance(mine, nn.Linear)
    assert parametrize.type_before_parametrizations(mine) is nn.Linear
    assert TP.type_before_parametrizations(theirs) is torch.nn.Linear
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    # right_inverse ran on registration: the original is half the weight, as torch's.
    originals = to_torch(mine, mine.state_dict())
    np.testing.assert_allclose(originals["parametrizations.weight.original"],
                               theirs.parametrizations.weight.original.detach().numpy(), **TOL)


def test_the_weight_is_recomputed_on_each_read_and_differentiable_as_torch():
    mine, theirs = _pair()
    parametrize.register_parametrization(mine, "weight", Symmetric())
    TP.register_parametrization(theirs, "weight", TorchSymmetric())
    values = RNG.standard_normal((3, 3))
    mine.parametrizations.weight.original.data[...] = values.T
    with torch.no_grad():
        theirs.parametrizations.weight.original.copy_(torch.tensor(values))
    np.testing.assert_allclose(mine.weight.numpy(), values + values.T, **TOL)
    x, g = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    y, ty = mine(mg.tensor(x, dtype=mg.float64)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **TOL)
    (y * mg.tensor(g, dtype=mg.float64)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(mine.parametrizations.weight.original.grad.numpy().T,
                               theirs.parametrizations.weight.original.grad.numpy(), **TOL)


def test_assignment_goes_through_right_inverse_as_torch():
    mine, theirs = _pair()
    parametrize.register_parametrization(mine, "weight", Symmetric())
    TP.register_parametrization(theirs, "weight", TorchSymmetric())
    a = RNG.standard_normal((3, 3))
    a = a + a.T
    mine.weight = mg.tensor(a, dtype=mg.float64)
    theirs.weight = torch.tensor(a)
    np.testing.assert_allclose(mine.parametrizations.weight.original.numpy(), a / 2.0, **TOL)
    np.testing.assert_allclose(mine.weight.numpy(), a, **TOL)
    np.testing.assert_allclose(mine.weight.numpy(), theirs.weight.detach().numpy(), **TOL)
    with pytest.raises(KeyError, match="'weight' is parametrized"):
        mine.weight = nn.Parameter(mg.tensor(a, dtype=mg.float64))   # torch refuses a Parameter too
    with pytest.raises(KeyError):
        theirs.weight = torch.nn.Parameter(torch.tensor(a))


def test_a_tuple_from_right_inverse_makes_numbered_originals_as_torch():
    mine, theirs = _pair()
    parametrize.register_parametrization(mine, "weight", ScaleAndShift())
    TP.register_parametrization(theirs, "weight", TorchScaleAndShift())
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert list(mine.state_dict())[1:] == ["parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    np.testing.assert_allclose(mine.weight.numpy().T, theirs.weight.detach().numpy(), **TOL)
    with pytest.raises(ValueError, match=r"leave_parametrized=False is impossible .*\(2 for 'weight'\)"):
        parametrize.remove_parametrizations(mine, "weight", leave_parametrized=False)


def test_chained_parametrizations_apply_in_order_and_share_one_original():
    mine, theirs = _pair()
    for layer, first in ((mine, Symmetric()), (theirs, TorchSymmetric())):
        (parametrize if layer is mine else TP).register_parametrization(layer, "weight", first)
    parametrize.register_parametrization(mine, "weight", Counting())
    TP.register_parametrization(theirs, "weight", _TorchDouble())
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert len(mine.parametrizations.weight) == 2
    np.testing.assert_allclose(mine.weight.numpy().T, theirs.weight.detach().numpy(), **TOL)


def test_a_parametrized_buffer_stays_a_buffer_as_torch():
    mine, theirs = nn.BatchNorm1d(3, dtype=mg.float64), torch.nn.BatchNorm1d(3).double()
    parametrize.register_parametrization(mine, "running_var", Counting())
    TP.register_parametrization(theirs, "running_var", _TorchDouble())
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    np.testing.assert_allclose(mine.running_var.numpy(), 2.0 * np.ones(3), **TOL)


def test_cached_computes_each_tensor_once_inside_the_context():
    layer = parametrize.register_parametrization(nn.Linear(2, 2, dtype=mg.float64), "weight", Counting())
    Counting.calls = 0
    layer.weight, layer.weight
    assert Counting.calls == 2   # every read recomputes
    with parametrize.cached():
        first = layer.weight
        with parametrize.cached():
            assert layer.weight is first
        assert layer.weight is first
    assert Counting.calls == 3
    assert layer.weight is not first and Counting.calls == 4   # leaving the context dropped the cache


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_restores_a_plain_layer_as_torch(leave_parametrized):
    mine, theirs = _pair()
    weight = mine.weight
    parametrize.register_parametrization(mine, "weight", Symmetric())
    TP.register_parametrization(theirs, "weight", TorchSymmetric())
    parametrize.remove_parametrizations(mine, "weight", leave_parametrized=leave_parametrized)
    TP.remove_parametrizations(theirs, "weight", leave_parametrized=leave_parametrized)
    assert type(mine) is nn.Linear and "parametrizations" not in mine.__dict__
    assert parametrize.type_before_parametrizations(mine) is nn.Linear
    assert not parametrize.is_parametrized(mine) and not TP.is_parametrized(theirs)
    assert mine.weight is weight   # the same Parameter object, as torch's set_
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(mine.weight.numpy().T, theirs.weight.detach().numpy(), **TOL)
    # A plain Linear again: in a Sequential it fuses with the ReLU, and reads the restored weight.
    seq = nn.Sequential(mine, nn.ReLU())
    x = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(seq(mg.tensor(x, dtype=mg.float64)).numpy(),
                               torch.relu(theirs(torch.tensor(x))).detach().numpy(), **TOL)


def test_a_parametrized_linear_in_a_sequential_reads_its_weight_afresh():
    mine, theirs = _pair()
    parametrize.register_parametrization(mine, "weight", Symmetric())
    TP.register_parametrization(theirs, "weight", TorchSymmetric())
    seq, tseq = nn.Sequential(mine, nn.ReLU()), torch.nn.Sequential(theirs, torch.nn.ReLU())
    x = RNG.standard_normal((4, 3))
    for _ in range(2):
        np.testing.assert_allclose(seq(mg.tensor(x, dtype=mg.float64)).numpy(),
                                   tseq(torch.tensor(x)).detach().numpy(), **TOL)
        values = RNG.standard_normal((3, 3))
        mine.parametrizations.weight.original.data[...] = values.T
        with torch.no_grad():
            theirs.parametrizations.weight.original.copy_(torch.tensor(values))


def test_is_parametrized():
    layer = nn.Linear(2, 2)
    assert not parametrize.is_parametrized(layer) and not parametrize.is_parametrized(layer, "weight")
    parametrize.register_parametrization(layer, "bias", Counting())
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "bias")
    assert not parametrize.is_parametrized(layer, "weight")


def test_only_the_parametrized_instance_changes_class():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    parametrize.register_parametrization(a, "weight", Counting())
    assert type(b) is nn.Linear and not hasattr(type(b), "parametrizations")
    assert "weight" in b.__dict__ and "weight" not in a.__dict__


def test_deepcopy_is_independent_and_pickling_refuses_as_torch():
    layer = parametrize.register_parametrization(nn.Linear(2, 2, dtype=mg.float64), "weight", Symmetric())
    twin = copy.deepcopy(layer)
    assert type(twin) is not type(layer) and type(twin).__bases__ == type(layer).__bases__
    np.testing.assert_array_equal(twin.weight.numpy(), layer.weight.numpy())
    twin.parametrizations.weight.original.data[...] += 1.0
    assert not np.array_equal(twin.weight.numpy(), layer.weight.numpy())
    parametrize.remove_parametrizations(twin, "weight")
    assert parametrize.is_parametrized(layer, "weight") and type(twin) is nn.Linear
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(layer)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="Linear has no parameter, buffer or parametrized tensor named 'kernel'"):
        parametrize.register_parametrization(nn.Linear(2, 2), "kernel", Counting())
    with pytest.raises(ValueError, match=r"may not change the shape unless unsafe=True.* \(2, 3\), parametrized "
                                         r"shape \(3,\)"):
        parametrize.register_parametrization(nn.Linear(2, 3), "weight", _FirstRow())
    layer = parametrize.register_parametrization(nn.Linear(2, 3), "weight", _FirstRow(), unsafe=True)
    assert layer.weight.shape == (3,)
    with pytest.raises(ValueError, match="has no parametrization on 'bias'"):
        parametrize.remove_parametrizations(layer, "bias")
    with pytest.raises(TypeError, match="parametrization must be a Layer"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", lambda x: x)


class _FirstRow(nn.Module):
    def forward(self, x):
        return x[0]


@pytest.mark.parametrize("first,second", [("weight", "bias"), ("bias", "weight")])
def test_two_parametrized_tensors_list_in_registration_order_as_torch(first, second):
    mine, theirs = nn.Linear(2, 3, dtype=mg.float64), torch.nn.Linear(2, 3).double()
    for name in (first, second):
        parametrize.register_parametrization(mine, name, Counting())
        TP.register_parametrization(theirs, name, _TorchDouble())
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    parametrize.remove_parametrizations(mine, first)
    TP.remove_parametrizations(theirs, first)
    assert type(mine).__name__ == "ParametrizedLinear"   # one tensor is still parametrized
    assert list(mine.state_dict()) == list(theirs.state_dict())
    parametrize.remove_parametrizations(mine, second)
    assert type(mine) is nn.Linear
