"""use_deterministic_algorithms: torch's switch, its checks, and the one nondeterministic path it guards."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.determinism import alert_nondeterministic


@pytest.fixture(autouse=True)
def _restore_switch():
    yield
    mg.use_deterministic_algorithms(False)


def test_the_switch_reads_back_as_torchs():
    for mode, warn_only in ((True, False), (True, True), (False, False)):
        mg.use_deterministic_algorithms(mode, warn_only=warn_only)
        torch.use_deterministic_algorithms(mode, warn_only=warn_only)
        assert mg.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled() is mode
        assert (mg.is_deterministic_algorithms_warn_only_enabled()
                is torch.is_deterministic_algorithms_warn_only_enabled() is warn_only)
    torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("args, kwargs, name", [((1,), {}, "mode"), ((True,), {"warn_only": "yes"}, "warn_only")])
def test_arguments_must_be_bools(args, kwargs, name):
    with pytest.raises(TypeError, match=f"^use_deterministic_algorithms: {name} must be a bool, got "):
        mg.use_deterministic_algorithms(*args, **kwargs)
    assert not mg.are_deterministic_algorithms_enabled()


def test_a_nondeterministic_op_raises_or_warns_only_when_switched_on():
    alert_nondeterministic("scatter-add on CUDA")   # off: nothing happens
    mg.use_deterministic_algorithms(True)
    with pytest.raises(RuntimeError, match="^scatter-add on CUDA does not have a deterministic implementation"):
        alert_nondeterministic("scatter-add on CUDA")
    mg.use_deterministic_algorithms(True, warn_only=True)
    with pytest.warns(UserWarning, match="^scatter-add on CUDA does not have a deterministic implementation"):
        alert_nondeterministic("scatter-add on CUDA")


def test_cpu_scatter_adds_stay_allowed_and_repeatable():
    """NumPy adds in a fixed order: the embedding backward (a scatter-add) runs under the switch, bit for bit."""
    mg.use_deterministic_algorithms(True)
    grads = []
    for _ in range(2):
        mg.manual_seed(0)
        emb = mg.nn.Embedding(5, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            emb(mg.tensor([0, 2, 0, 4, 0])).sum().backward()
        grads.append(emb.weight.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0][0], np.full(3, 3.0, dtype=np.float32))
