"""``opt.step()`` stamps what it writes (``minigrad.autograd.write_stamps``): a backward through a graph recorded
before the step refuses a parameter the step changed, and still runs through one the step left alone.

The optimizers built on ``Optimizer._params_with_grad`` stamp each parameter as it is yielded (their steps are
marked ``writes_yielded_params``); any other ``step`` is followed by stamping every parameter with a gradient."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim.optimizer import Optimizer

MODIFIED = "modified in place"

# Every optimizer whose step is marked writes_yielded_params, with options that take its other code paths.
MARKED = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("Adam", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1)),
    ("NAdam", dict(lr=0.1)),
    ("RMSprop", dict(lr=0.1, momentum=0.5)),
    ("Adagrad", dict(lr=0.1)),
    ("Adadelta", dict(lr=0.1)),
    ("ASGD", dict(lr=0.1)),
    ("Rprop", dict(lr=0.1)),
    ("Adafactor", dict(lr=0.1)),
    ("Muon", dict(lr=0.1)),
]


def _param(seed):
    values = np.random.default_rng(seed).standard_normal((2, 3)) + 2.0
    return mg.tensor(values, dtype="float64", requires_grad=True)


@pytest.mark.parametrize("name,kwargs", MARKED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MARKED)])
def test_a_step_stamps_the_parameters_it_updates_and_only_those(name, kwargs):
    assert getattr(getattr(optim, name).step, "_writes_yielded_params", False)
    updated, left = _param(0), _param(1)
    opt = getattr(optim, name)([updated, left], **kwargs)
    through_updated = (updated * updated).sum()      # Mul saved the parameter
    through_left = (left * left).sum()
    through_updated.backward(retain_graph=True)      # only `updated` gets a gradient: the step skips `left`
    before = left.numpy().copy()
    opt.step()
    np.testing.assert_array_equal(left.numpy(), before)
    with pytest.raises(RuntimeError, match=MODIFIED):
        through_updated.backward()
    through_left.backward()                          # not written, not stamped: its graph still runs
    assert left.grad is not None


def test_a_step_that_fails_midway_has_stamped_the_parameters_it_updated():
    first, second, third = _param(0), _param(1), _param(2)
    opt = optim.SGD([first, second, third], lr=0.1)
    graphs = [(p * p).sum() for p in (first, second, third)]
    for loss in graphs:
        loss.backward(retain_graph=True)
    second.data.flags.writeable = False              # its update raises (NumPy: the output array is read-only)
    with pytest.raises(ValueError, match="read-only"):
        opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        graphs[0].backward()                         # updated before the failure
    graphs[2].backward()                             # never reached: neither written nor stamped


def test_a_grad_refused_midway_leaves_its_parameter_unstamped():
    first, second = _param(0), _param(1)
    opt = optim.SGD([first, second], lr=0.1)
    graphs = [(p * p).sum() for p in (first, second)]
    for loss in graphs:
        loss.backward(retain_graph=True)
    second.grad = mg.tensor(np.ones(3), dtype="float64")   # a shape that would broadcast into the parameter
    with pytest.raises(RuntimeError, match=r"^SGD\.step: \.grad holds a tensor of shape \(3,\)"):
        opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        graphs[0].backward()
    second.grad = None
    graphs[1].backward()                             # refused before it changed: not stamped


class _Halving(Optimizer):
    """A step of its own, not built on _params_with_grad: every parameter with a gradient is halved."""

    def __init__(self, params):
        super().__init__(params, {})

    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.data *= 0.5


def test_a_step_of_its_own_is_followed_by_stamping_every_parameter_with_a_gradient():
    assert not getattr(_Halving.step, "_writes_yielded_params", False)
    updated, left = _param(0), _param(1)
    opt = _Halving([updated, left])
    through_updated, through_left = (updated * updated).sum(), (left * left).sum()
    through_updated.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        through_updated.backward()
    through_left.backward()


def test_a_subclass_step_that_writes_more_than_its_base_step_is_stamped_whole():
    class SGDThenDecay(optim.SGD):
        def step(self, closure=None):
            super().step(closure)
            self.extra.data *= 0.5                   # a write _params_with_grad never saw
    w, extra = _param(0), _param(1)
    opt = SGDThenDecay([w, extra], lr=0.1)
    opt.extra = extra
    through_extra = (extra * extra).sum()
    through_extra.backward(retain_graph=True)
    w.grad = mg.tensor(np.ones((2, 3)), dtype="float64")
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        through_extra.backward()


@pytest.mark.parametrize("name,kwargs", MARKED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MARKED)])
def test_a_subclass_with_its_own_params_with_grad_still_stamps_what_its_inherited_step_wrote(name, kwargs):
    # its _params_with_grad stamps nothing: the inherited step, marked writes_yielded_params, stamped nothing either,
    # and a backward through the graph recorded before the step gave w.grad [0, 0] (the new values) unrefused
    base = getattr(optim, name)

    class OwnLoop(base):
        def _params_with_grad(self, group, with_state=True):
            for p in group["params"]:
                if p.grad is not None:
                    yield p.data, p.grad.data, (self.state.setdefault(p, {}) if with_state else None)

    assert not OwnLoop._stamps_yielded and base._stamps_yielded
    w = _param(2)
    opt = OwnLoop([w], **kwargs)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()
