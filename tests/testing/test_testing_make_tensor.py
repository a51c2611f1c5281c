"""minigrad.testing.make_tensor: shapes, dtypes, ranges and errors as torch.testing.make_tensor."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import make_tensor


def test_shape_given_as_ints_or_one_tuple():
    assert make_tensor(2, 3, dtype=mg.float32, device="cpu").shape == (2, 3)
    assert make_tensor((4, 1, 2), dtype=mg.float32, device="cpu").shape == (4, 1, 2)
    assert make_tensor([5], dtype=mg.int64, device="cpu").shape == (5,)
    assert make_tensor(dtype=mg.float64, device="cpu").shape == ()


@pytest.mark.parametrize("dtype", [mg.float16, mg.float32, mg.float64])
def test_floats_lie_in_the_default_range_with_their_dtype(dtype):
    x = make_tensor(4000, dtype=dtype, device="cpu").numpy()
    assert x.dtype == dtype
    assert x.min() >= -9 and x.max() < 9
    assert x.min() < -8 and x.max() > 8   # the range is used, not a corner of it


@pytest.mark.parametrize("dtype, low, high", [(mg.int64, -9, 10), (mg.int8, -9, 10), (mg.uint8, 0, 10)])
def test_integers_cover_the_default_range(dtype, low, high):
    x = make_tensor(5000, dtype=dtype, device="cpu").numpy()
    assert x.dtype == dtype
    assert set(np.unique(x).tolist()) == set(range(low, high))


def test_bounds_are_used_and_clipped_to_the_dtype():
    x = make_tensor(2000, dtype=mg.float32, device="cpu", low=2.0, high=2.5).numpy()
    assert x.min() >= 2.0 and x.max() < 2.5
    y = make_tensor(5000, dtype=mg.int8, device="cpu", low=-1000).numpy()
    assert y.min() == -128 and y.max() == 9
    assert (make_tensor(3, dtype=mg.float32, device="cpu", low=1.5, high=1.5).numpy() == 1.5).all()


def test_bools_take_both_values():
    x = make_tensor(200, dtype=mg.bool, device="cpu").numpy()
    assert x.dtype == np.bool_ and x.any() and not x.all()


def test_seeded_draws_repeat():
    mg.manual_seed(3)
    a = make_tensor(6, dtype=mg.float32, device="cpu").numpy()
    mg.manual_seed(3)
    assert np.array_equal(a, make_tensor(6, dtype=mg.float32, device="cpu").numpy())


def test_requires_grad_noncontiguous_and_exclude_zero():
    x = make_tensor(3, 4, dtype=mg.float64, device="cpu", requires_grad=True, noncontiguous=True)
    assert x.requires_grad and x.is_leaf and x.shape == (3, 4) and not x.data.flags.c_contiguous
    z = make_tensor(3000, dtype=mg.int64, device="cpu", low=-1, high=2, exclude_zero=True).numpy()
    assert set(np.unique(z).tolist()) == {-1, 1}


def test_bad_arguments():
    with pytest.raises(ValueError, match="low must be less than high, but got 5 >= 1"):
        make_tensor(3, dtype=mg.float32, device="cpu", low=5, high=1)
    with pytest.raises(ValueError, match="cannot be NaN"):
        make_tensor(3, dtype=mg.float32, device="cpu", low=float("nan"))
    with pytest.raises(ValueError, match="requires_grad=True is not supported for boolean and integral dtypes"):
        make_tensor(3, dtype=mg.int64, device="cpu", requires_grad=True)
    with pytest.raises(TypeError, match="shape must be non-negative ints"):
        make_tensor(-1, dtype=mg.float32, device="cpu")
