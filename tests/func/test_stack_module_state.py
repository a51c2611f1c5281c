"""minigrad.func.stack_module_state against torch.func's: M models' parameters and buffers stacked by name into new
leaves, ready for an ensemble through vmap(functional_call)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.func as mfunc
from minigrad import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2, dtype=mg.float64)
        self.bn = nn.BatchNorm1d(2, dtype=mg.float64)

    def forward(self, x):
        return self.bn(self.fc(x))


class TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2, dtype=torch.float64)
        self.bn = torch.nn.BatchNorm1d(2, dtype=torch.float64)

    def forward(self, x):
        return self.bn(self.fc(x))


def pairs(n):
    """n minigrad models and their torch twins with the same weights (minigrad's Linear weight is (in, out))."""
    mine, theirs = [], []
    for _ in range(n):
        w, b, rm = RNG.standard_normal((3, 2)), RNG.standard_normal(2), RNG.standard_normal(2)
        a, ta = Net().eval(), TNet().eval()
        a.fc.weight.data[...], a.fc.bias.data[...], a.bn.running_mean.data[...] = w, b, rm
        with torch.no_grad():
            ta.fc.weight.copy_(torch.tensor(w.T)), ta.fc.bias.copy_(torch.tensor(b))
            ta.bn.running_mean.copy_(torch.tensor(rm))
        mine.append(a)
        theirs.append(ta)
    return mine, theirs


def test_stacks_parameters_and_buffers_as_torch():
    mine, theirs = pairs(3)
    params, buffers = mfunc.stack_module_state(mine)
    tparams, tbuffers = torch.func.stack_module_state(theirs)
    assert list(params) == list(tparams) == ["fc.weight", "fc.bias", "bn.weight", "bn.bias"]
    assert list(buffers) == list(tbuffers) == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert tuple(params["fc.weight"].shape) == (3, 3, 2)
    np.testing.assert_array_equal(params["fc.weight"].numpy(), np.stack([m.fc.weight.numpy() for m in mine]))
    for name in ("fc.bias", "bn.weight"):
        np.testing.assert_array_equal(params[name].numpy(), tparams[name].detach().numpy())
    for name in buffers:
        np.testing.assert_array_equal(buffers[name].numpy(), tbuffers[name].numpy())
    # new leaves, unrelated to the models' own parameters, as torch's
    assert all(p.requires_grad and p.creator is None for p in params.values())
    assert not any(b.requires_grad for b in buffers.values())
    params["fc.bias"].data[0, 0] = 100.0
    assert mine[0].fc.bias.numpy()[0] != 100.0


def test_ensemble_through_vmap_of_functional_call_matches_torch():
    mine, theirs = pairs(4)
    x = RNG.standard_normal((5, 3))
    params, buffers = mfunc.stack_module_state(mine)
    tparams, tbuffers = torch.func.stack_module_state(theirs)
    out = mfunc.vmap(lambda p, b, x: mfunc.functional_call(mine[0], (p, b), (x,)), in_dims=(0, 0, None))(
        params, buffers, mg.tensor(x, dtype=mg.float64))
    tout = torch.func.vmap(lambda p, b, x: torch.func.functional_call(theirs[0], (p, b), (x,)),
                           in_dims=(0, 0, None))(tparams, tbuffers, torch.tensor(x))
    assert tuple(out.shape) == (4, 5, 2)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    (g,) = mg.grad((out ** 2).sum(), [params["fc.bias"]])
    (tg,) = torch.autograd.grad((tout ** 2).sum(), [tparams["fc.bias"]])
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)


def test_errors_as_torch():
    with pytest.raises(RuntimeError, match="stack_module_state: Expected at least one model, got 0."):
        mfunc.stack_module_state([])
    with pytest.raises(RuntimeError, match="Expected all models to have the same training/eval mode."):
        mfunc.stack_module_state([Net().train(), Net().eval()])
    with pytest.raises(RuntimeError, match="Expected all models to be of the same class."):
        mfunc.stack_module_state([Net(), nn.Linear(3, 2)])
    frozen = Net()
    frozen.fc.bias.requires_grad_(False)
    with pytest.raises(RuntimeError, match="Expected fc.bias from each model to have the same .requires_grad"):
        mfunc.stack_module_state([Net(), frozen])


def test_the_ensembling_recipes_meta_device_says_to_drop_it():
    # torch's recipe moves a copy of one model to 'meta'; the refusal only listed the devices minigrad knows
    base = Net()
    with pytest.raises(ValueError, match=r"^Unknown device 'meta': expected 'cpu', 'cuda' or 'cuda:N'; minigrad has "
                                         r"no meta device .*drop the \.to\('meta'\)$"):
        base.to("meta")
    with pytest.raises(ValueError, match="minigrad has no meta device"):
        mg.zeros(2, device="meta")
