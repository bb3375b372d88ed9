"""MNIST and Fashion-MNIST: parse the original IDX files, serve Gluon DataLoaders."""
import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as onp
from mxnet import gluon, np, npx

from ..utils import _check_int
from .hub import DataError, fetch
from .synthetic import load_array

FASHION_MNIST_LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
                        "sandal", "shirt", "sneaker", "bag", "ankle boot")

_IDX_DTYPES = {0x08: onp.uint8}  # the type code MNIST uses; the format defines others
_MAX_IDX_DIMS = 32  # NumPy's limit
_MAX_IDX_BYTES = 1 << 32  # 4 GiB; MNIST's largest file holds 47 MB


def read_idx(path):
    """Read an IDX file (gzip-compressed or not) into a NumPy array.

    The format: two zero bytes, a type code (``0x08`` = unsigned byte), the
    number of dimensions, each dimension as a big-endian int32, then the data.
    The header is read first, and never more data than it promises (plus one
    byte, to detect trailing data), so a small file that inflates to gigabytes
    costs no memory. Raises :class:`DataError` for a truncated or malformed file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}")
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
                raise DataError(f"{path} is not an IDX file: bad magic number {magic.hex()!r}")
            type_code, ndim = magic[2], magic[3]
            if type_code not in _IDX_DTYPES:
                raise DataError(f"{path}: unsupported IDX type code 0x{type_code:02x}")
            if not 1 <= ndim <= _MAX_IDX_DIMS:
                raise DataError(f"{path} is malformed: {ndim} dimensions (an IDX file "
                                f"here has 1 to {_MAX_IDX_DIMS})")
            header = f.read(4 * ndim)
            if len(header) < 4 * ndim:
                raise DataError(f"{path} is malformed: header too short for {ndim} dimensions")
            dims = struct.unpack(f">{ndim}I", header)
            itemsize = onp.dtype(_IDX_DTYPES[type_code]).itemsize
            size = math.prod(dims) * itemsize  # Python ints: no overflow
            if size > _MAX_IDX_BYTES:
                raise DataError(f"{path} is malformed: dimensions {dims} would need {size} "
                                f"bytes, more than this reader accepts ({_MAX_IDX_BYTES})")
            data = _read_at_most(f, size + 1)  # one more byte reveals trailing data
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise DataError(f"{path} is not a readable IDX file ({e}); is it truncated?") from e
    if len(data) != size:
        raise DataError(f"{path} is truncated or malformed: dimensions {dims} need "
                        f"{4 + 4 * ndim + size} bytes, the file has "
                        f"{4 + 4 * ndim + len(data)}{' or more' if len(data) > size else ''}")
    return onp.frombuffer(data, dtype=_IDX_DTYPES[type_code]).reshape(dims)


def _read_at_most(f, limit, chunk_size=1 << 20):
    """Read up to ``limit`` bytes from ``f``, in chunks: memory grows with what the file has."""
    data = bytearray()
    while len(data) < limit:
        chunk = f.read(min(chunk_size, limit - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def read_mnist(dataset="mnist", train=True):
    """Return ``(images, labels)`` as NumPy arrays: uint8 (n, 28, 28) and int32 (n,).

    ``dataset`` is ``"mnist"`` or ``"fashion-mnist"``.
    """
    if dataset not in ("mnist", "fashion-mnist"):
        raise ValueError(f"dataset must be 'mnist' or 'fashion-mnist', got {dataset!r}")
    split = "train" if train else "t10k"
    images = read_idx(fetch(f"{dataset}/{split}-images-idx3-ubyte.gz"))
    labels = read_idx(fetch(f"{dataset}/{split}-labels-idx1-ubyte.gz"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{dataset} {split}: images {images.shape} do not match labels "
                        f"{labels.shape}")
    return images, labels.astype(onp.int32)


def get_fashion_mnist_labels(labels):
    """Turn Fashion-MNIST class indices into their text labels."""
    return [FASHION_MNIST_LABELS[int(i)] for i in labels]


def _check_resize(resize):
    """``None``, or ``(height, width)`` from a size or a pair of sizes (positive integers)."""
    if resize is None:
        return None
    if isinstance(resize, (tuple, list)):
        if len(resize) != 2:
            raise ValueError(f"resize must be one size or a pair (height, width), got {resize!r}")
        return tuple(_check_int(r, "each resize size", 1) for r in resize)
    size = _check_int(resize, "resize", 1)
    return size, size


def _load_data(dataset, batch_size, resize):
    batch_size = _check_int(batch_size, "batch_size", 1)
    resize = _check_resize(resize)

    def as_dataset(train):
        images, labels = read_mnist(dataset, train)
        # Scale pixels to [0, 1] once, channels first: (n, 1, 28, 28) float32.
        return gluon.data.ArrayDataset((images[:, None] / 255).astype(onp.float32), labels)

    def batchify(samples):
        X = np.array(onp.stack([s[0] for s in samples]))
        y = np.array(onp.array([s[1] for s in samples]))
        if resize:  # bilinear resize of a whole batch; npx wants (n, h, w, c) and (w, h)
            X = npx.image.resize(X.transpose(0, 2, 3, 1), size=(resize[1], resize[0]))
            X = X.transpose(0, 3, 1, 2)
        return X, y

    return (gluon.data.DataLoader(as_dataset(True), batch_size, shuffle=True,
                                  batchify_fn=batchify, last_batch="keep"),
            gluon.data.DataLoader(as_dataset(False), batch_size, shuffle=False,
                                  batchify_fn=batchify, last_batch="keep"))


def load_data_mnist(batch_size, resize=None):
    """Return ``(train_iter, test_iter)``: DataLoaders over MNIST.

    Each batch is ``(X, y)``: float32 images ``(batch, 1, 28, 28)`` scaled to
    [0, 1] (or ``resize`` pixels square, or ``(height, width)``) and int32
    labels. The training set (60,000 images) is shuffled every epoch; the
    test set (10,000) is not. ``batch_size`` and the sizes in ``resize`` must
    be positive integers (checked here, not at the first batch).
    """
    return _load_data("mnist", batch_size, resize)


def load_data_fashion_mnist(batch_size, resize=None):
    """Like :func:`load_data_mnist`, for Fashion-MNIST (see ``FASHION_MNIST_LABELS``)."""
    return _load_data("fashion-mnist", batch_size, resize)


def train_validation_split(n, num_validation, seed=0):
    """Split the indices ``0, ..., n - 1`` at random into training and validation.

    Returns ``(train_idx, valid_idx)``: two sorted int64 NumPy arrays, disjoint,
    together holding every index, with ``num_validation`` indices in the second.
    The split depends only on ``(n, num_validation, seed)``, not on any global
    random state, so every chapter that asks for it gets the same one.
    """
    if not 0 < num_validation < n:
        raise ValueError(f"num_validation must be between 1 and n - 1 = {n - 1}, "
                         f"got {num_validation}")
    order = onp.random.default_rng(seed).permutation(n)
    return onp.sort(order[num_validation:]), onp.sort(order[:num_validation])


def load_data_mnist_validation(batch_size, num_validation=5000, seed=0, dataset="mnist",
                               num_train=None):
    """Return ``(train_iter, valid_iter, test_iter)``: MNIST with a validation split.

    Holds out ``num_validation`` of the 60,000 training images (chosen by
    :func:`train_validation_split` with ``seed``) to choose settings on, so
    that the test set is used only once, at the end. Batches are as in
    :func:`load_data_mnist`: float32 images ``(batch, 1, 28, 28)`` in [0, 1]
    and int32 labels; only the training batches are shuffled. ``dataset`` is
    ``"mnist"`` or ``"fashion-mnist"``. ``num_train`` keeps only that many of
    the remaining training images, a random subset that depends only on
    ``seed`` (for quick experiments, or to make a network overfit).
    """
    def arrays(train):
        images, labels = read_mnist(dataset, train)
        return (images[:, None] / 255).astype(onp.float32), labels

    X, y = arrays(True)
    train_idx, valid_idx = train_validation_split(len(X), num_validation, seed)
    if num_train is not None:
        _check_int(num_train, "num_train", 1)
        if num_train > len(train_idx):
            raise ValueError(f"num_train must be at most {len(train_idx)} (the training "
                             f"images left after the validation split), got {num_train}")
        rng = onp.random.default_rng(seed + 1)
        train_idx = onp.sort(rng.choice(train_idx, num_train, replace=False))
    return (load_array((X[train_idx], y[train_idx]), batch_size, is_train=True),
            load_array((X[valid_idx], y[valid_idx]), batch_size, is_train=False),
            load_array(arrays(False), batch_size, is_train=False))
