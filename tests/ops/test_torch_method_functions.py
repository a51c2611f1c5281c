"""torch's top-level spellings of Tensor methods (minigrad.method_functions): each against torch's, and the method."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.method_functions import NAMES

DATA = np.array([[0.3, -0.7, 0.55], [0.2, 0.9, -0.15]])
ARGS = {"clamp_": (-0.5, 0.5), "clip_": (-0.5, 0.5), "clamp_max_": (0.1,), "clamp_min_": (0.1,), "fill_": (2.5,),
        "select": (1, 2), "xlogy_": ("other",), "gcd_": ("ints",), "lcm_": ("ints",), "ldexp_": ("ints",),
        "addmv_": ("matrix", "vector"), "index_put_": ("indices", "values")}
NEEDS_INTS = ("gcd_", "lcm_")
POSITIVE = ("acosh_", "arccosh_", "log_", "log2_", "log10_", "log1p_", "sqrt_", "rsqrt_", "reciprocal_", "logit_",
            "xlogy_")


def _argument(lib, name, arg):
    make = (lambda a: torch.tensor(a)) if lib is torch else (lambda a: mg.tensor(a, dtype=mg.float64))
    if arg == "other":
        return make(np.abs(DATA) + 0.5)
    if arg == "ints":
        return (torch.tensor if lib is torch else mg.tensor)(np.array([[4, 6, 9], [2, 8, 3]]))
    if arg == "matrix":
        return make(np.arange(6.0).reshape(2, 3))
    if arg == "vector":
        return make(np.array([1.0, -1.0, 2.0]))
    if arg == "indices":
        return ((torch.tensor if lib is torch else mg.tensor)(np.array([0, 1])),)
    if arg == "values":
        return make(np.array([5.0, 6.0, 7.0]))
    return arg


def _input(lib, name):
    if name in NEEDS_INTS:
        data = np.array([[12, 18, 7], [5, 0, 9]])
        return torch.tensor(data) if lib is torch else mg.tensor(data)
    data = DATA
    if name in POSITIVE:
        data = np.abs(DATA) * 0.9 + (1.1 if name in ("acosh_", "arccosh_") else 0.05)
    if name == "addmv_":
        data = DATA[0, :2]
    return torch.tensor(data) if lib is torch else mg.tensor(data, dtype=mg.float64)


@pytest.mark.parametrize("name", NAMES)
def test_top_level_spelling_matches_torch_and_the_method(name):
    assert callable(getattr(torch, name)) and getattr(mg, name).__name__ == name
    ours_in, theirs_in = _input(mg, name), _input(torch, name)
    ours = getattr(mg, name)(ours_in, *[_argument(mg, name, a) for a in ARGS.get(name, ())])
    theirs = getattr(torch, name)(theirs_in, *[_argument(torch, name, a) for a in ARGS.get(name, ())])
    if isinstance(theirs, bool):
        assert ours is theirs
        return
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    if name.endswith("_"):
        assert ours is ours_in   # written into the first argument, as the method writes into self
        np.testing.assert_allclose(ours_in.numpy(), theirs_in.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_a_non_tensor_first_argument_is_one_clear_error():
    with pytest.raises(TypeError, match="relu_: expected a Tensor as the first argument, got list"):
        mg.relu_([1.0, -1.0])


def test_set_default_device_moves_new_tensors_and_none_goes_back():
    assert mg.get_default_device() == "cpu" == str(torch.get_default_device())
    try:
        mg.set_default_device("cuda")
        assert mg.get_default_device() == "cuda:0"
        if mg.cuda.is_available():
            assert mg.zeros(2).device == "cuda:0" and mg.tensor([1.0]).device == "cuda:0"
        else:
            with pytest.raises(Exception, match="(?i)cupy|cuda"):
                mg.zeros(2)
        assert mg.zeros(2, device="cpu").device == "cpu"
        with pytest.raises(ValueError, match="Unknown device 'tpu'"):
            mg.set_default_device("tpu")
    finally:
        mg.set_default_device(None)
    assert mg.get_default_device() == "cpu" and mg.zeros(2).device == "cpu"
