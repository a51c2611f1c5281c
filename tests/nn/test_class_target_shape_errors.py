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


def test_nll_loss_with_a_float_target_names_the_shapes_and_no_probability_reading():
    with pytest.raises(TypeError, match="^" + re.escape(
            "nll_loss: target must hold integer class indices, got dtype float32 (target shape (4,), input shape "
            "(4, 3)); convert with target.astype(np.int64)") + "$"):
        F.nll_loss(mg.zeros(4, 3), mg.zeros(4))
