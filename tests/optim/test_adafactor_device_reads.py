"""Adafactor on a GPU: RMS(theta) and RMS(U) stay on the device, so a step never waits for it.

Each was a ``float(...)`` per parameter (two waits for the GPU per parameter per step; torch's own step reads
RMS(theta) back once per parameter). The stand-in counts every read of a 0-d result back to the host.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adafactor, adafactor
from device_reads import DeviceArray, DeviceModule


class SummingDevice(DeviceModule):
    """The stand-in, with ``sum`` keeping the device type too (Adafactor's norms are sums of squares)."""

    @staticmethod
    def sum(a, *args, **kwargs):
        return np.asarray(np.sum(np.asarray(a), *args, **kwargs)).view(DeviceArray)


def _run(dtype, steps, weight_decay):
    rng = np.random.default_rng(3)
    params = [mg.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True) for shape in [(4, 3), (5,)]]
    opt = Adafactor(params, lr=0.05, weight_decay=weight_decay)
    for _ in range(steps):
        for p in params:
            p.grad = mg.tensor(rng.standard_normal(p.shape), dtype=dtype)
        opt.step()
    return params


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_an_adafactor_step_reads_nothing_back_and_keeps_the_values(monkeypatch, dtype, weight_decay):
    want = [p.numpy() for p in _run(dtype, 3, weight_decay)]
    monkeypatch.setattr(adafactor, "get_array_module", lambda a: SummingDevice())
    DeviceArray.reads = 0
    got = _run(dtype, 3, weight_decay)
    assert DeviceArray.reads == 0
    for p, w in zip(got, want):
        assert p.dtype == dtype   # the device-side factors are in the parameter's dtype: no float64 promotion
        assert p.numpy().tobytes() == w.tobytes()


def test_adafactor_refuses_a_complex_parameter_by_name_before_any_update():
    # the device-side step changed the real part too, without a word (before, float() of a complex norm warned)
    real = mg.tensor([1.0, 2.0], requires_grad=True)
    z = mg.tensor(np.array([1 + 2j, 3 - 1j]), requires_grad=True)
    real.grad, z.grad = mg.tensor([0.5, 0.5]), mg.tensor(np.array([1j, 1.0 + 0j]))
    opt = Adafactor([real, z], lr=0.1)
    with pytest.raises(TypeError, match=r"^Adafactor.step: parameter 1 of param group 0 is complex \(complex64, "
                                        r"shape \(2,\)\); Adafactor does not support complex parameters"):
        opt.step()
    assert real.numpy().tolist() == [1.0, 2.0]   # nothing was updated
