"""A floating target that is neither class indices nor the input's shape: the error says both readings."""
import re

import pytest

import minigrad as mg
import minigrad.nn.functional as F


def test_cross_entropy_with_a_float_target_of_another_shape_names_both_shapes():
    with pytest.raises(TypeError, match="^" + re.escape(
            "cross_entropy: target must hold integer class indices, got dtype float32 (target shape (4, 5), input "
            "shape (4, 3)); a class-probability target must have the input's shape (4, 3)")):
        F.cross_entropy(mg.zeros(4, 3), mg.zeros(4, 5))


def test_cross_entropy_with_float_class_labels_says_how_to_convert_them():
    """Labels stored as floats (the class-index shape, a float dtype): the common mistake gets the conversion, and
    the probability reading names the input's shape as given (it said (32, 3), the flattened rows, for a
    (2, 3, 4, 4) input)."""
    with pytest.raises(TypeError, match="^" + re.escape(
            "cross_entropy: target must hold integer class indices, got dtype float32 (target shape (4,), input "
            "shape (4, 3)); convert with target.astype(np.int64) (class probabilities would have the input's shape "
            "(4, 3))") + "$"):
        F.cross_entropy(mg.zeros(4, 3), mg.zeros(4))
    with pytest.raises(TypeError, match="^" + re.escape(
            "cross_entropy: target must hold integer class indices, got dtype float32 (target shape (2, 4, 4), "
            "input shape (2, 3, 4, 4)); convert with target.astype(np.int64) (class probabilities would have the "
            "input's shape (2, 3, 4, 4))") + "$"):
        F.cross_entropy(mg.zeros(2, 3, 4, 4), mg.zeros(2, 4, 4))


def test_nll_loss_with_a_float_target_names_the_shapes_and_no_probability_reading():
    with pytest.raises(TypeError, match="^" + re.escape(
            "nll_loss: target must hold integer class indices, got dtype float32 (target shape (4,), input shape "
            "(4, 3)); convert with target.astype(np.int64)") + "$"):
        F.nll_loss(mg.zeros(4, 3), mg.zeros(4))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_a_class_index_out_of_range_names_the_input_shape_passed_not_the_flattened_rows(loss):
    target = mg.tensor([[[0, 1], [2, 5]], [[0, 0], [0, 0]]])
    with pytest.raises(ValueError, match="^" + re.escape(
            f"{loss.__name__}: target holds class index 5 outside [0, 3) for input of shape (2, 3, 2, 2)") + "$"):
        loss(mg.zeros(2, 3, 2, 2), target)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_a_float_target_per_position_names_the_shapes_passed(loss):
    with pytest.raises(TypeError, match=re.escape("(target shape (2, 2, 2), input shape (2, 3, 2, 2))")):
        loss(mg.zeros(2, 3, 2, 2), mg.zeros(2, 2, 2))


def test_a_wrong_weight_per_position_names_the_input_shape_passed():
    with pytest.raises(ValueError, match=re.escape("one per class of input of shape (2, 3, 2, 2)")):
        F.nll_loss(mg.zeros(2, 3, 2, 2), mg.zeros(2, 2, 2, dtype=mg.int64), weight=mg.ones(4))


@pytest.mark.parametrize("ignore_index", ["1", 1.0, 1.5, True])
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_an_ignore_index_that_is_not_an_integer_is_refused(loss, ignore_index, device):
    """As torch's TypeError: '1' or 1.5 equals no target, so they ignored nothing, silently (True was class 1)."""
    x = mg.zeros(4, 3, device=device)
    with pytest.raises(TypeError, match="^" + re.escape(
            f"{loss.__name__}: ignore_index must be an integer or None, got {ignore_index!r}") + "$"):
        loss(x, mg.tensor([0, 1, 2, 1], device=device), ignore_index=ignore_index)
    with pytest.raises(TypeError, match="ignore_index must be an integer"):   # per position too
        loss(mg.zeros(2, 3, 2, device=device), mg.tensor([[0, 1], [2, 1]], device=device), ignore_index=ignore_index)
