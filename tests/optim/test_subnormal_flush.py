"""Optimizer state that decays where gradients vanish loses its subnormal entries every FLUSH_EVERY steps."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim.subnormal import FLUSH_EVERY, flush_subnormals_

TINY32 = np.finfo(np.float32).tiny


def test_flush_zeroes_subnormals_only():
    values = np.array([1e-40, -1e-42, 1e-45, TINY32, -TINY32, 0.0, -0.0, 1.0, np.inf, np.nan], dtype=np.float32)
    assert (values[:3] != 0).all()                        # they really are subnormal, not already 0
    flushed = values.copy()
    flush_subnormals_(flushed)
    np.testing.assert_array_equal(flushed[:3], 0.0)
    np.testing.assert_array_equal(flushed[3:], values[3:])   # normal numbers, zeros, inf and NaN kept
    ints = np.array([1, 2])
    flush_subnormals_(ints)                               # not floating: left alone
    np.testing.assert_array_equal(ints, [1, 2])


@pytest.mark.parametrize("name,kwargs,key", [
    ("Adam", dict(lr=1e-3), "exp_avg"),
    ("NAdam", dict(lr=1e-3), "exp_avg"),
    ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True), "momentum_buffer"),
    ("SGD", dict(lr=1e-3, momentum=0.9), "momentum_buffer"),
])
def test_decaying_state_is_flushed_on_schedule_without_changing_the_weights(name, kwargs, key):
    # One weight gets a gradient once, then none: its moment decays through the subnormal
    # range, where 0.9 x (smallest subnormal) rounds back to itself and would stay forever.
    p = mg.tensor(np.full(2, 0.5, dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([p], **kwargs)
    p.grad = mg.tensor(np.array([1e-30, 0.0], dtype=np.float32))
    opt.step()
    p.grad = mg.tensor(np.zeros(2, dtype=np.float32))
    seen_subnormal = False
    for t in range(2, 40 * FLUSH_EVERY):
        before = p.numpy().copy()
        opt.step()
        m = opt.state[p][key][0]
        seen_subnormal |= bool(m != 0 and abs(m) < TINY32)
        if t % FLUSH_EVERY == 0:
            assert abs(m) == 0 or abs(m) >= TINY32, f"step {t}: {m!r} left subnormal"
        np.testing.assert_array_equal(p.numpy()[1], 0.5)  # the zero-gradient weight never moves
        if abs(m) < TINY32:
            np.testing.assert_array_equal(p.numpy(), before)  # a subnormal moment moves no float32 weight
    assert seen_subnormal                                 # the test did reach the subnormal range
    assert opt.state[p][key][0] == 0                      # and the last flush cleared it for good


def test_sgd_momentum_counts_steps_and_loads_a_checkpoint_without_a_count():
    p = mg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = mg.tensor(np.ones(3, dtype=np.float32))
    opt.step()
    opt.step()
    assert opt.state[p]["step"] == 2
    old = opt.state_dict()
    del old["state"][0]["step"]                           # as written before SGD counted steps
    fresh = optim.SGD([p], lr=0.1, momentum=0.9)
    fresh.load_state_dict(old)
    fresh.step()
    assert fresh.state[p]["step"] == 1
