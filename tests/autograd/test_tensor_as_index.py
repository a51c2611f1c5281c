"""Tensor.__index__: a one-element integer tensor indexes Python sequences and NumPy arrays, as torch's."""
import operator

import numpy as np
import pytest
import torch

import minigrad as mg


def test_integer_tensors_of_one_element_are_indices():
    data = np.arange(100)
    for i in mg.randint(0, 80, (5,)):
        assert data[i:i + 3].tolist() == [int(i), int(i) + 1, int(i) + 2]
    assert ["a", "b", "c"][mg.tensor(2)] == "c"
    for value in ([4], 4, True):
        assert operator.index(mg.tensor(value)) == operator.index(torch.tensor(value))
    assert list(range(mg.tensor(3, dtype=mg.int32))) == [0, 1, 2]


def test_other_tensors_are_refused_as_torch():
    for value in (3.0, [1, 2]):
        with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
            operator.index(torch.tensor(value))
        with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
            operator.index(mg.tensor(value))
