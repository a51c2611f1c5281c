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


def test_to_tensor_of_one_image_as_a_per_sample_dataset_gives_it():
    grey = np.arange(6, dtype=np.uint8).reshape(2, 3)
    y = transforms.ToTensor()(grey)                      # torchvision: (H, W) -> (1, H, W)
    assert y.shape == (1, 2, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y[0], grey / np.float32(255))
    # One (H, W, C) colour image was read as a batch of H grey images: (5, 1, 4, 3), pixels mixed up, silently.
    with pytest.raises(ValueError, match=r"ToTensor: shape \(5, 4, 3\) is ambiguous.*image\[None\]"):
        transforms.ToTensor()(np.zeros((5, 4, 3), dtype=np.uint8))
    z = transforms.ToTensor()(np.zeros((5, 4, 3), dtype=np.uint8)[None])
    assert z.shape == (1, 3, 5, 4)


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


def _shifted(image, dy, dx):
    """The reference: ``image`` (..., H, W) moved down dy and right dx, zeros where nothing moved in (a loop)."""
    out = np.zeros_like(image)
    h, w = image.shape[-2:]
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[..., r, c] = image[..., r - dy, c - dx]
    return out


def test_random_translate_shifts_each_image_by_its_own_offset_within_max_shift(device):
    from minigrad import backend

    images = np.random.default_rng(1).random((300, 2, 6, 5), dtype=np.float32) + np.float32(1)   # no zero pixel
    t = transforms.RandomTranslate(2, generator=np.random.default_rng(7))
    out = t(backend.to_device(images, device))
    assert backend.device_of(out) == backend.normalize_device(device)
    out = backend.to_numpy(out)
    assert out.shape == images.shape and out.dtype == np.float32
    shifts = t.last_shifts
    assert shifts.shape == (300, 2) and shifts.min() == -2 and shifts.max() == 2
    assert len({tuple(s) for s in shifts}) == 25             # every offset in -2..2 x -2..2 occurs
    for i in range(300):
        np.testing.assert_array_equal(out[i], _shifted(images[i], *shifts[i]), err_msg=f"image {i}")
    # Pixels are moved, never changed: the border is zeros and nothing else is new.
    dy, dx = shifts[0]
    assert (out[0] == 0).sum() == 2 * (abs(dy) * 5 + abs(dx) * 6 - abs(dy * dx))


def test_random_translate_is_deterministic_for_a_seed_and_follows_minigrad_s_generator():
    import minigrad as mg

    batch = np.random.default_rng(2).random((16, 1, 28, 28), dtype=np.float32)
    first = transforms.RandomTranslate(2, generator=np.random.default_rng(5))(batch)
    again = transforms.RandomTranslate(2, generator=np.random.default_rng(5))(batch)
    np.testing.assert_array_equal(first, again)
    other = transforms.RandomTranslate(2, generator=np.random.default_rng(6))(batch)
    assert not np.array_equal(first, other)
    # Without a generator: minigrad's, as it is at the call (manual_seed, and a restored state, fix it).
    t = transforms.RandomTranslate(2)
    mg.manual_seed(3)
    a = t(batch)
    state = mg.random.get_rng_state()
    b = t(batch)
    mg.random.set_rng_state(state)
    np.testing.assert_array_equal(t(batch), b)
    mg.manual_seed(3)
    np.testing.assert_array_equal(t(batch), a)
    assert not np.array_equal(a, b)


def test_random_translate_keeps_labels_and_float32_through_a_dataset_of_flat_images():
    images = np.random.default_rng(3).random((40, 784), dtype=np.float32)
    labels = np.arange(40) % 10
    shift = transforms.RandomTranslate(2, generator=np.random.default_rng(0))
    ds = ArrayDataset(images, labels, transform=transforms.Compose([transforms.Reshape((28, 28)), shift,
                                                                    transforms.Flatten()]))
    order = np.random.default_rng(1).permutation(40)
    x, y = ds[order]
    assert x.shape == (40, 784) and x.dtype == np.float32
    np.testing.assert_array_equal(y, labels[order])                       # labels unchanged, in the batch order
    for i, j in enumerate(order):
        np.testing.assert_array_equal(x[i].reshape(28, 28), _shifted(images[j].reshape(28, 28), *shift.last_shifts[i]))


def test_random_translate_zero_shift_fill_and_errors():
    batch = np.random.default_rng(4).random((3, 4, 4), dtype=np.float32)
    same = transforms.RandomTranslate(0)(batch)
    np.testing.assert_array_equal(same, batch)
    assert same is not batch
    t = transforms.RandomTranslate(3, fill=-1.0, generator=np.random.default_rng(0))
    out = t(batch)
    dy, dx = t.last_shifts[0]
    moved = _shifted(np.ones_like(batch[0]), dy, dx).astype(bool)
    np.testing.assert_array_equal(out[0][moved], _shifted(batch[0], dy, dx)[moved])
    assert (out[0][~moved] == -1).all() and out.dtype == np.float32
    with pytest.raises(ValueError, match="RandomTranslate: max_shift must be a non-negative integer, got -1"):
        transforms.RandomTranslate(-1)
    with pytest.raises(ValueError, match="RandomTranslate: max_shift must be a non-negative integer, got 1.5"):
        transforms.RandomTranslate(1.5)
    with pytest.raises(TypeError, match="RandomTranslate: generator must be a numpy.random.Generator"):
        transforms.RandomTranslate(1, generator=3)
    with pytest.raises(ValueError, match=r"RandomTranslate: expected a batch of images \(N, \.\.\., H, W\), "
                                         r"got shape \(2, 784\)"):
        transforms.RandomTranslate(2)(np.zeros((2, 784), np.float32))
    assert repr(transforms.RandomTranslate(2)) == "RandomTranslate(max_shift=2, fill=0)"


def test_reshape_is_the_inverse_of_flatten():
    batch = np.arange(2 * 12, dtype=np.float32).reshape(2, 12)
    images = transforms.Reshape((1, 3, 4))(batch)
    assert images.shape == (2, 1, 3, 4)
    np.testing.assert_array_equal(transforms.Flatten()(images), batch)
    with pytest.raises(ValueError, match=r"Reshape: cannot make a batch of shape \(2, 12\) into \(N, \*\(5, 5\)\)"):
        transforms.Reshape((5, 5))(batch)
    with pytest.raises(ValueError, match=r"Reshape: every size must be positive, got \(0, 3\)"):
        transforms.Reshape((0, 3))


# ---------------------------------------------------------------------------------------------- batch or one sample
def test_to_tensor_in_a_dataset_names_a_batch_of_flat_rows():
    # ToTensor read a (4, 784) batch as one (H, W) image, (1, 4, 784); the DataLoader then said the dataset "looks
    # per-sample", and ds[0] came back (1, 784) without a word
    flat = np.random.default_rng(1).integers(0, 256, size=(10, 784)).astype(np.uint8)
    ds = ArrayDataset(flat, np.arange(10), transform=transforms.Compose([transforms.ToTensor()]))
    message = (r"^ToTensor: got a batch of shape \({}, 784\) \(a dataset hands its transform whole batches\): rows "
               r"of 784 values, not images; ToTensor expects a batch of images \(N, H, W\) or \(N, H, W, C\)\. For "
               r"flat rows use ToFloat\(\) \(the same scaling, no channel axis\), or put Reshape\(\(H, W\)\) first$")
    with pytest.raises(ValueError, match=message.format(4)):
        next(iter(DataLoader(ds, batch_size=4)))
    with pytest.raises(ValueError, match=message.format(1)):
        ds[0]
    fixed = ArrayDataset(flat, np.arange(10), transform=transforms.Compose([transforms.Reshape((28, 28)),
                                                                            transforms.ToTensor()]))
    x, _ = next(iter(DataLoader(fixed, batch_size=4)))
    assert x.shape == (4, 1, 28, 28)
    np.testing.assert_array_equal(x.numpy(), flat[:4].reshape(4, 1, 28, 28) / np.float32(255))


def _lambdas():
    return {"flatten": lambda x: x.flatten(), "mean over dim 0": lambda x: x.mean(dim=0),
            "size of dim 0": lambda x: float(x.shape[0])}


def test_lambda_after_to_tensor_of_one_image_sees_the_sample_as_torchvision():
    # torchvision: ToTensor makes one (H, W) image (1, H, W) and Lambda(fn) is fn of that. minigrad's Lambda took
    # the (1, H, W) for a batch and called fn on each (H, W) channel: flatten gave (1, 12) (torchvision: (12,)),
    # mean(dim=0) averaged the rows, [[0.0157, 0.0196, 0.0235, 0.0275]] (torchvision: the image itself)
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    one = image[None] / np.float32(255)
    expected = {"flatten": one.reshape(12), "mean over dim 0": one[0], "size of dim 0": np.float32(1.0)}
    for name, fn in _lambdas().items():
        got = transforms.Compose([transforms.ToTensor(), transforms.Lambda(fn)])(image)
        assert got.shape == np.shape(expected[name]) and got.dtype == np.float32, name
        np.testing.assert_array_equal(got, expected[name], err_msg=name)


class _PerSample:
    """torchvision's kind of dataset: one (image, label) pair per int, the transform called on one image."""

    def __init__(self, images, transform):
        self.images, self.transform = images, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        if not isinstance(i, (int, np.integer)):
            raise TypeError("one int at a time")
        return self.transform(self.images[i]), int(i) % 3


def test_lambda_after_to_tensor_agrees_between_a_per_sample_dataset_and_a_batched_one():
    images = _images(n=6, h=3, w=4)
    for name, fn in _lambdas().items():
        pipeline = transforms.Compose([transforms.ToTensor(), transforms.Lambda(fn)])
        x, y = next(iter(DataLoader(_PerSample(images, pipeline), batch_size=6)))
        bx, _ = next(iter(DataLoader(ArrayDataset(images, np.arange(6), transform=pipeline), batch_size=6)))
        assert x.shape == bx.shape and x.shape[0] == 6, name
        np.testing.assert_array_equal(x.numpy(), bx.numpy(), err_msg=name)
        assert y.numpy().tolist() == [0, 1, 2, 0, 1, 2]
    x, _ = next(iter(DataLoader(_PerSample(images, transforms.Compose([transforms.ToTensor(),
                                                                        transforms.Lambda(lambda t: t.flatten())])),
                                batch_size=6)))
    np.testing.assert_array_equal(x.numpy(), images.reshape(6, 12) / np.float32(255))


def test_lambda_in_a_dataset_hands_its_function_one_sample_that_to_tensor_reads_as_one_image():
    # Lambda(fn) calls fn on one (H, W) image at a time, yet inside a dataset the dataset's "batch" reading reached
    # fn: ToTensor() there refused the single (3, 4) image as "a batch of shape (3, 4) ... rows of 4 values", where
    # the same Lambda outside a dataset (and torchvision's) gives each image (1, 3, 4)
    images = _images(n=5, h=3, w=4)
    inner = transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda t: t.flatten())])
    expected = {"ToTensor": images[:, None] / np.float32(255), "Compose": images.reshape(5, 12) / np.float32(255)}
    for name, fn in (("ToTensor", transforms.ToTensor()), ("Compose", inner)):
        per_image = transforms.Lambda(fn)
        np.testing.assert_array_equal(per_image(images), expected[name], err_msg=name)
        ds = ArrayDataset(images, np.arange(5), transform=per_image)
        x, _ = next(iter(DataLoader(ds, batch_size=5)))
        np.testing.assert_array_equal(x.numpy(), expected[name], err_msg=name)
        np.testing.assert_array_equal(ds[2][0], expected[name][2], err_msg=name)


def test_flatten_and_reshape_take_an_empty_batch():
    """Flatten's reshape(0, -1) was refused by NumPy for a batch of 0 images."""
    empty = np.zeros((0, 1, 3, 4), dtype=np.float32)
    flat = transforms.Flatten()(empty)
    assert flat.shape == (0, 12) and flat.dtype == np.float32
    assert transforms.Reshape((1, 3, 4))(flat).shape == (0, 1, 3, 4)
