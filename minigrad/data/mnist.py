"""MNIST and Fashion-MNIST: find (or download) the four IDX files, verify, load.

Both datasets ship as the same four gzip'd IDX files; only the folder name,
the class names, the mirrors and the published SHA-256 sums differ, so they
share one base class. Each file's SHA-256 is checked before it is parsed: a
file on disk with the wrong hash is never used.

The whole split is kept as one contiguous float32 array of images scaled to
[0, 1] (``N x 784``, or ``N x 28 x 28`` with ``flatten=False``) and one int64
array of labels, so a batch is a single ``images[idx]``. With ``transform=``
(torchvision's way, see :mod:`minigrad.data.transforms`) the images are kept as
the raw uint8 ``N x 28 x 28`` pixels instead, and the transform makes each batch
of them into what the model takes.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from minigrad import backend
from minigrad.data.dataset import ArrayDataset
from minigrad.data.download import DownloadError, download_verified, sha256_of
from minigrad.data.idx import IDXError, read_idx

__all__ = ["DatasetNotFoundError", "IDXImageDataset", "MNIST", "FashionMNIST", "default_data_root"]

SPLIT_FILES = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
ALL_FILES = SPLIT_FILES[True] + SPLIT_FILES[False]


class DatasetNotFoundError(FileNotFoundError):
    """The dataset files are neither on disk (with the right checksum) nor downloadable.

    ``problems`` lists why, one entry per rejected file or failed download (each
    download entry names every mirror tried and why it failed).
    """

    problems: list = []


def default_data_root() -> Path:
    """``$MINIGRAD_DATA``, else ``$XDG_CACHE_HOME/minigrad``, else ``~/.cache/minigrad``."""
    env = os.environ.get("MINIGRAD_DATA", "").strip()
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(cache).expanduser() if cache else Path.home() / ".cache") / "minigrad"


class IDXImageDataset(ArrayDataset):
    """Base class of the 28 x 28 grey-level image datasets distributed as IDX files.

    Subclasses set ``name`` (folder name), ``classes``, ``sha256`` (file name ->
    published SHA-256 of the .gz file) and ``mirrors`` (base URLs).

    Files are looked up in ``root/<name>/`` and then directly in ``root/``;
    missing ones are downloaded into ``root/<name>/``.
    """

    name: str = ""
    classes: tuple = ()
    sha256: dict = {}
    mirrors: tuple = ()
    image_shape = (28, 28)
    download_timeout = 30.0  # seconds per network operation

    def __init__(self, root=None, train: bool = True, download: bool = True, mirrors=None,
                 flatten: bool | None = None, transform=None, target_transform=None):
        if not isinstance(train, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: train must be True or False, got {train!r}")
        if transform is not None and flatten:
            raise ValueError(f"{type(self).__name__}: flatten= shapes the images stored without a transform; "
                             "with transform=, add transforms.Flatten() to it instead")
        self.root = Path(root).expanduser() if root is not None else default_data_root()
        self.train = bool(train)
        if mirrors is not None:
            if isinstance(mirrors, str):
                mirrors = (mirrors,)
            self.mirrors = tuple(mirrors)
        image_file, label_file = SPLIT_FILES[self.train]
        image_path = self._locate(image_file, download)
        label_path = self._locate(label_file, download)

        raw_images = read_idx(image_path)
        raw_labels = read_idx(label_path)
        self._check_contents(raw_images, image_path, raw_labels, label_path)
        labels = raw_labels.astype(np.int64)
        self._pixels = raw_images   # torchvision's ``.data``; kept as read (the float copy below is another array)
        if transform is not None:   # the transform sees the raw pixels, as torchvision's does
            super().__init__(raw_images, labels, transform=transform, target_transform=target_transform)
            return
        n = raw_images.shape[0]
        images = raw_images.astype(np.float32)
        images /= np.float32(255.0)  # in place: stays float32, one pass; 255 maps to exactly 1
        shape = (n, *self.image_shape) if flatten is False else (n, int(np.prod(self.image_shape)))
        super().__init__(images.reshape(shape), labels, target_transform=target_transform)

    def __getitem__(self, index):
        """A batch (index array) as arrays, for the DataLoader; one sample (an int) as torchvision's: the image a
        Tensor and the label a Python int (a ``target_transform``'s array result a Tensor)."""
        fields = super().__getitem__(index)
        if not isinstance(index, (int, np.integer)):
            return fields
        return tuple(_as_torchvision_field(field) for field in fields)

    @property
    def images(self):
        """float32 images in [0, 1], ``N x 784`` (or ``N x 28 x 28``); the raw uint8 pixels with a ``transform``."""
        return self.arrays[0]

    @property
    def labels(self):
        """int64 class labels in ``0 .. len(classes) - 1``."""
        return self.arrays[1]

    @property
    def data(self):
        """torchvision's ``dataset.data``: the raw pixels as a uint8 Tensor of shape ``N x 28 x 28`` (its memory)."""
        from minigrad.autograd.tensor import Tensor   # imported here: ``import minigrad.data`` stays light
        return Tensor(self._pixels)

    @property
    def targets(self):
        """torchvision's ``dataset.targets``: the labels as an int64 Tensor of shape ``N`` (the labels' memory)."""
        from minigrad.autograd.tensor import Tensor
        return Tensor(self.labels)

    @property
    def folder(self) -> Path:
        """Where this dataset's files are downloaded to: ``root/<name>``."""
        return self.root / self.name

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split!r}, samples={len(self)}, root={str(self.root)!r})"

    def _locate(self, filename: str, download: bool) -> Path:
        """Path of a verified copy of ``filename``, downloading it when allowed."""
        expected = self.sha256[filename]
        candidates = [self.folder / filename, self.root / filename]
        rejected = []
        for path in candidates:
            if path.is_file():
                got = sha256_of(path)
                if got == expected:
                    return path
                rejected.append(f"{path} has SHA-256 {got}, expected {expected}; not used")
        if download:
            try:
                return download_verified(filename, self.folder / filename, expected, self.mirrors,
                                         timeout=self.download_timeout)
            except DownloadError as exc:
                rejected.append(str(exc))
        error = DatasetNotFoundError(self._not_found_message(filename, download, rejected))
        error.problems = rejected   # each reason (a bad file, every mirror tried and why), for one-line reports
        raise error

    def _not_found_message(self, filename: str, download: bool, problems) -> str:
        files = "\n  ".join(ALL_FILES)
        why = "\n".join(problems) if problems else "it is not there and download=False"
        return (
            f"{type(self).__name__}: could not find {filename}.\n{why}\n"
            f"Put the four files\n  {files}\nin the folder {self.folder} "
            f"(or directly in {self.root}), or choose another root with the MINIGRAD_DATA "
            f"environment variable or `minigrad train --data-dir DIR`."
        )

    def _check_contents(self, images, image_path, labels, label_path) -> None:
        """The parsed arrays must be N x 28 x 28 uint8 images and N uint8 labels in range."""
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != self.image_shape:
            raise IDXError(
                f"{image_path}: expected uint8 images of shape (N, 28, 28), "
                f"got {images.dtype} of shape {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise IDXError(
                f"{label_path}: expected uint8 labels of shape (N,), got {labels.dtype} of shape {labels.shape}"
            )
        if labels.shape[0] != images.shape[0]:
            raise IDXError(
                f"{label_path} has {labels.shape[0]} labels but {image_path} has {images.shape[0]} images"
            )
        if labels.size and int(labels.max()) >= len(self.classes):
            raise IDXError(
                f"{label_path}: label {int(labels.max())} is out of range for {len(self.classes)} classes"
            )


def _as_torchvision_field(field):
    """One field of one sample as torchvision gives it: an integer label a Python int, an array a Tensor; anything
    else (a Tensor or a number a target_transform made) as it is."""
    if isinstance(field, np.integer) or (backend.is_array(field) and field.ndim == 0 and field.dtype.kind in "iu"):
        return int(field)
    if backend.is_array(field):
        from minigrad.autograd.tensor import Tensor   # at call time: ``import minigrad.data`` stays light

        return Tensor(field)
    return field


class MNIST(IDXImageDataset):
    """MNIST handwritten digits (LeCun, Cortes, Burges): 60000 train / 10000 test, 10 classes.

    ``MNIST(root=None, train=True, download=True, mirrors=None, flatten=True)``;
    see :class:`IDXImageDataset` for where files are looked for.
    """

    name = "mnist"
    classes = tuple(str(d) for d in range(10))
    mirrors = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    sha256 = {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }


class FashionMNIST(IDXImageDataset):
    """Fashion-MNIST (Zalando Research, 2017): 60000 train / 10000 test, 10 clothing classes.

    Same file names and format as :class:`MNIST`, in the folder ``fashion-mnist``.
    """

    name = "fashion-mnist"
    classes = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    sha256 = {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
