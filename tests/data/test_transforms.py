"""minigrad.data.transforms: each transform on whole batches, and datasets that apply them (transform=, target_transform=)."""
import numpy as np
import pytest

from minigrad.data import MNIST, ArrayDataset, DataLoader, transforms


def _images(n=4, h=3, w=2, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, h, w)).astype(np.uint8)


def test_to_float_maps_uint8_to_float32_in_0_1_exactly():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    y = transforms.ToFloat()(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.array([[0, 51, 255]], dtype=np.float32) / np.float32(255))
    assert y[0, 2] == 1.0


def test_to_tensor_adds_the_channel_axis_of_a_batch():
    batch = _images()
    y = transforms.ToTensor()(batch)
    assert y.shape == (4, 1, 3, 2) and y.dtype == np.float32
    np.testing.assert_array_equal(y[:, 0], batch.astype(np.float32) / np.float32(255))
    colour = np.zeros((2, 5, 4, 3), dtype=np.uint8)
    colour[..., 1] = 255
    z = transforms.ToTensor()(colour)
    assert z.shape == (2, 3, 5, 4)
    np.testing.assert_array_equal(z[:, 1], 1.0)
    np.testing.assert_array_equal(z[:, 0], 0.0)
    with pytest.raises(ValueError, match=r"ToTensor: expected a batch of images .* got shape \(5,\)"):
        transforms.ToTensor()(np.zeros(5, dtype=np.uint8))


def test_normalize_is_per_channel_on_axis_1_and_keeps_float32():
    x = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    mean, std = (1.0, 2.0, 3.0), (0.5, 1.0, 2.0)
    y = transforms.Normalize(mean, std)(x)
    assert y.dtype == np.float32
    expected = (x - np.array(mean, np.float32)[None, :, None, None]) / np.array(std, np.float32)[None, :, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    one = transforms.Normalize((0.1307,), (0.3081,))(np.full((2, 1, 2, 2), 0.5, dtype=np.float32))
    np.testing.assert_allclose(one, (0.5 - 0.1307) / 0.3081, rtol=1e-6)


def test_normalize_errors_name_the_problem():
    with pytest.raises(ValueError, match="mean has 2 values but std has 1"):
        transforms.Normalize((0.1, 0.2), (0.3,))
    with pytest.raises(ValueError, match="std must be positive"):
        transforms.Normalize((0.1,), (0.0,))
    with pytest.raises(ValueError, match=r"3 channel means for a batch of shape \(2, 1, 2, 2\)"):
        transforms.Normalize((0.1, 0.2, 0.3), (1, 1, 1))(np.zeros((2, 1, 2, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="put ToTensor or ToFloat first"):
        transforms.Normalize((0.1,), (0.3,))(np.zeros((2, 1, 2, 2), dtype=np.uint8))


def test_compose_flatten_and_lambda():
    pipeline = transforms.Compose([transforms.ToFloat(), transforms.Flatten(), transforms.Lambda(lambda x: x * 2)])
    y = pipeline(_images())
    assert y.shape == (4, 6)
    np.testing.assert_array_equal(y, _images().reshape(4, 6).astype(np.float32) / np.float32(255) * 2)
    assert "Flatten()" in repr(pipeline)
    with pytest.raises(TypeError, match="transform 1 is not callable"):
        transforms.Compose([transforms.ToFloat(), 3])


def test_a_dataset_transforms_whole_batches_and_single_samples():
    calls = []

    def spy(batch):
        calls.append(batch.shape)
        return transforms.ToTensor()(batch)

    images, labels = _images(n=10), np.arange(10)
    ds = ArrayDataset(images, labels, transform=spy, target_transform=transforms.Lambda(lambda y: y * 10))
    batches = list(DataLoader(ds, batch_size=5))
    assert calls == [(5, 3, 2), (5, 3, 2)]              # one call per batch: no loop over samples
    x, y = batches[1]
    assert x.shape == (5, 1, 3, 2)
    np.testing.assert_array_equal(y.numpy(), np.arange(5, 10) * 10)
    sample, target = ds[3]                                 # one sample: a batch of one, then unwrapped
    assert sample.shape == (1, 3, 2) and target == 30
    np.testing.assert_array_equal(sample[0], images[3].astype(np.float32) / np.float32(255))


def test_mnist_with_the_lecture_transform_matches_the_stored_floats(data_root):
    root = data_root
    lecture = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(root, train=False, download=False, transform=lecture, target_transform=transforms.Lambda(lambda y: y % 2))
    plain = MNIST(root, train=False, download=False, flatten=False)
    x, y = next(iter(DataLoader(ds, batch_size=64)))
    assert x.shape == (64, 1, 28, 28) and x.dtype == np.float32
    expected = (plain.images[:64, None] - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), plain.labels[:64] % 2)
    assert ds[0][0].shape == (1, 28, 28)
    with pytest.raises(ValueError, match=r"with transform=, add transforms.Flatten\(\) to it instead"):
        MNIST(root, train=False, download=False, flatten=True, transform=lecture)
