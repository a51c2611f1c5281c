"""A sampler that gives indices a dataset does not have, or something that is not a sampler: one error naming the
owner and the index, not NumPy's wording or a silent truncation."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import BatchSampler, DataLoader, TensorDataset


def _dataset():
    return TensorDataset(mg.arange(10).reshape(10, 1).float(), mg.arange(10))


def test_a_sampler_index_out_of_range_names_the_dataset_and_its_size():
    loader = DataLoader(_dataset(), batch_size=2, sampler=[0, 20])
    with pytest.raises(IndexError, match=re.escape("TensorDataset index 20 is out of range for 10 samples")):
        list(loader)


def test_an_index_array_out_of_range_names_the_dataset():
    with pytest.raises(IndexError, match=re.escape("TensorDataset index -11 is out of range for 10 samples")):
        _dataset()[np.array([0, -11])]


def test_a_float_index_names_the_dataset_and_the_index():
    with pytest.raises(TypeError, match=r"^TensorDataset: index must be an int, a slice or an integer array, "
                                        r"got 1\.0 \(float\)$"):
        _dataset()[1.0]


@pytest.mark.parametrize("sampler", [[0.0, 1.0], [0.5, 1.7]])
def test_a_sampler_of_floats_is_refused_instead_of_truncated(sampler):
    with pytest.raises(TypeError, match=r"^DataLoader: the sampler gave float64 indices of shape \(2,\), "
                                        r"expected a 1-D sequence of integers$"):
        list(DataLoader(_dataset(), batch_size=2, sampler=sampler))


def test_batch_sampler_over_a_non_sampler_names_the_argument():
    with pytest.raises(TypeError, match=r"^BatchSampler: sampler must be an iterable of indices, got int$"):
        list(BatchSampler(5, 2, False))


def test_a_flat_batch_sampler_names_the_argument_and_what_a_batch_is():
    with pytest.raises(TypeError, match=r"^DataLoader: batch_sampler must yield lists of indices \(one per batch\), "
                                        r"got int 0$"):
        list(DataLoader(_dataset(), batch_sampler=[0, 1, 2]))


def test_valid_samplers_still_load():
    batches = list(DataLoader(_dataset(), batch_size=2, sampler=[3, 1, 4]))
    np.testing.assert_array_equal(batches[0][1].numpy(), [3, 1])
    np.testing.assert_array_equal(batches[1][1].numpy(), [4])
    batches = list(DataLoader(_dataset(), batch_sampler=[[0, 9], [5]]))
    np.testing.assert_array_equal(batches[0][1].numpy(), [0, 9])
