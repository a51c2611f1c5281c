"""The datasets of a training run, parsed once per process and shared by the runs that follow."""
from __future__ import annotations

from pathlib import Path

from minigrad.train.config import DATASETS, TrainConfig


def load_datasets(config: TrainConfig):
    """(train, test) datasets of ``config.dataset``, the training set cut to ``limit_train`` samples.

    With ``config.augment`` the training set alone gets :func:`training_augmentation` as its
    transform: each training batch is shifted at random; the test set stays as it is.

    The parsed splits are kept for the life of the process (keyed by folder and file
    times), so several runs in one process, such as examples/compare_optimizers.py,
    read and check the files once. The returned datasets are fresh objects over the
    shared arrays; nothing changes those arrays in place.
    """
    from minigrad import data

    root = config.data_dir
    # A missing folder is a typo, unless --download is asked to fill it (the download creates it).
    if root is not None and not config.download and not Path(root).expanduser().is_dir():
        raise data.DatasetNotFoundError(f"--data-dir {root}: no such folder")
    cls = getattr(data, DATASETS[config.dataset])
    splits = []
    for is_train in (True, False):
        images, labels = _load_split(cls, root, is_train, config.download)
        if is_train and config.limit_train is not None:
            images, labels = images[:config.limit_train], labels[:config.limit_train]
        augment = training_augmentation(config, cls.image_shape) if is_train else None
        splits.append(data.ArrayDataset(images, labels, transform=augment))
    return tuple(splits)


def training_augmentation(config: TrainConfig, image_shape=(28, 28)):
    """The transform of the training batches: flat images of ``image_shape`` shifted by up to ``config.augment``
    pixels each way (``transforms.RandomTranslate``), or ``None`` without ``augment``.

    The shifts are drawn from minigrad's generator, the one dropout draws from, which
    ``minigrad.manual_seed(seed)`` seeds and the checkpoint stores: a resumed run
    shifts its images exactly as the uninterrupted run does.
    """
    from minigrad.data import transforms

    if not config.augment:
        return None
    return transforms.Compose([transforms.Reshape(image_shape), transforms.RandomTranslate(config.augment),
                               transforms.Flatten()])


_SPLIT_CACHE = {}


def _load_split(cls, root, is_train, download):
    folder = Path(root).expanduser() if root is not None else None
    key = (cls.__name__, is_train, _files_stamp(cls, folder, is_train))
    if key[-1] is not None and key in _SPLIT_CACHE:
        return _SPLIT_CACHE[key]
    dataset = cls(root, train=is_train, download=download)   # checks the SHA-256 of each file
    arrays = (dataset.images, dataset.labels)
    if key[-1] is not None:
        if len(_SPLIT_CACHE) >= 4:
            _SPLIT_CACHE.clear()
        _SPLIT_CACHE[key] = arrays
    return arrays


def _files_stamp(cls, folder, is_train):
    """(path, size, mtime) of the split's files where they are found; None if not found (no caching)."""
    from minigrad.data.mnist import SPLIT_FILES, default_data_root

    folder = folder or default_data_root()
    stamp = []
    for name in SPLIT_FILES[is_train]:
        for path in (folder / cls.name / name, folder / name):
            if path.is_file():
                st = path.stat()
                stamp.append((str(path.resolve()), st.st_size, st.st_mtime_ns))
                break
        else:
            return None
    return tuple(stamp)
