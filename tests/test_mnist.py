import gzip
import tracemalloc
import zlib

import numpy as onp
import pytest
from mxnet import np

import d2lite
import d2lite.data.hub as hub
from d2lite.data import DataError, read_idx

from conftest import idx_bytes, write_idx

RNG = onp.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (3, 4, 5), dtype=onp.uint8)
LABELS = RNG.integers(0, 10, 7, dtype=onp.uint8)


# --- IDX files ----------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".gz", ""])
@pytest.mark.parametrize("array", [IMAGES, LABELS], ids=["images", "labels"])
def test_read_idx_round_trip(make_idx, tmp_path, suffix, array):
    path = make_idx(tmp_path / f"data{suffix}", array)
    raw = gzip.decompress(path.read_bytes()) if suffix else path.read_bytes()
    assert raw[:4] == bytes([0, 0, 8, array.ndim])       # magic 0x00000803 / 0x00000801
    out = read_idx(path)
    assert out.dtype == onp.uint8 and out.shape == array.shape
    assert out.flags.writeable
    onp.testing.assert_array_equal(out, array)
    assert read_idx(str(path)).shape == array.shape


GOOD = idx_bytes(IMAGES)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no IDX file"):
        read_idx(tmp_path / "nothing.gz")


@pytest.mark.parametrize("name, content, message", [
    ("magic", b"\x01\x02" + GOOD[2:], "bad magic number '01020803'"),
    ("type", bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\0\0\0\0", "unsupported IDX type code 0x0d"),
    ("truncated", GOOD[:-5], "truncated or malformed"),
    ("extra", GOOD + b"\0", "truncated or malformed"),
    ("header", bytes([0, 0, 8, 3, 0, 0, 0, 3]), "header too short for 3 dimensions"),
    ("ndim0", bytes([0, 0, 8, 0]), "0 dimensions"),
    # headers whose sizes overflow, exceed NumPy's 32 dimensions, or are absurdly big
    ("overflow", bytes([0, 0, 8, 4]) + b"\0\1\0\0" * 4 + b"\0" * 8, "would need"),
    ("ndim33", bytes([0, 0, 8, 33]) + b"\0\0\0\1" * 33 + b"\7", "33 dimensions"),
    ("toobig", bytes([0, 0, 8, 2]) + b"\xff\xff\xff\xff" * 2, "would need"),
    ("toobig.gz", gzip.compress(bytes([0, 0, 8, 3]) + b"\0\0\x40\0" * 3, mtime=0), "would need"),
    ("short", b"\0\0", "bad magic"),
    ("empty", b"", "bad magic"),
    # gzip files: a cut stream, plain bytes named .gz, an empty .gz
    ("cut.gz", gzip.compress(GOOD)[: len(gzip.compress(GOOD)) // 2], "truncated"),
    ("plain.gz", GOOD, "not a readable IDX file"),
    ("empty.gz", b"", "bad magic"),
])
def test_malformed_idx_is_a_data_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_read_mnist_rejects_unknown_dataset():
    with pytest.raises(ValueError, match="kmnist"):
        d2lite.read_mnist("kmnist")


def test_fashion_mnist_text_labels():
    assert d2lite.get_fashion_mnist_labels([0, 9]) == ["t-shirt", "ankle boot"]
    assert d2lite.get_fashion_mnist_labels(np.array([1, 7])) == ["trouser", "sneaker"]


# --- the pipeline on tiny fake files (no real data needed) -------------------

SIZES = {"train": 70, "t10k": 30}


@pytest.fixture
def fake_data(tmp_path, monkeypatch):
    """Tiny fake MNIST and Fashion-MNIST in D2LITE_DATA_DIR, registered with their digests.

    Labels are 0..n-1, so a label says which image a sample is.
    Returns ``{(dataset, split): (images, labels)}``.
    """
    root = tmp_path / "data"
    rng = onp.random.default_rng(1)
    registry, arrays = dict(hub.DATA_HUB), {}
    for dataset in ("mnist", "fashion-mnist"):
        for split, n in SIZES.items():
            images = rng.integers(0, 256, (n, 28, 28), dtype=onp.uint8)
            labels = onp.arange(n, dtype=onp.uint8)
            for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
                name = f"{dataset}/{split}-{kind}-ubyte.gz"
                path = write_idx(root / name, array)
                registry[name] = hub.DataFile(hub.DATA_HUB[name].urls, hub.sha256sum(path))
            arrays[dataset, split] = images, labels
    monkeypatch.setattr(hub, "DATA_HUB", registry)
    monkeypatch.setenv("D2LITE_DATA_DIR", str(root))
    return arrays


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("train, split", [(True, "train"), (False, "t10k")])
def test_read_mnist_fake(fake_data, dataset, train, split):
    images, labels = d2lite.read_mnist(dataset, train)
    assert images.dtype == onp.uint8 and labels.dtype == onp.int32
    onp.testing.assert_array_equal(images, fake_data[dataset, split][0])
    onp.testing.assert_array_equal(labels, fake_data[dataset, split][1])


def test_read_mnist_rejects_mismatched_files(fake_data, monkeypatch):
    name = "mnist/t10k-labels-idx1-ubyte.gz"
    path = write_idx(hub.data_dir() / name, onp.arange(29, dtype=onp.uint8))
    monkeypatch.setitem(hub.DATA_HUB, name, hub.DataFile((), hub.sha256sum(path)))
    with pytest.raises(DataError, match="do not match"):
        d2lite.read_mnist("mnist", train=False)


def _epoch(loader):
    batches = list(loader)
    return (onp.concatenate([X.asnumpy() for X, _ in batches]),
            onp.concatenate([y.asnumpy() for _, y in batches]), batches)


def test_loaders_on_fake_data(fake_data):
    train_iter, test_iter = d2lite.load_data_mnist(16)
    X, y, batches = _epoch(test_iter)
    assert [len(b[1]) for b in batches] == [16, 14]             # last batch kept
    assert X.dtype == onp.float32 and X.shape == (30, 1, 28, 28)
    assert y.dtype == onp.int32 and y.tolist() == list(range(30))   # in order
    onp.testing.assert_allclose(X[:, 0], fake_data["mnist", "t10k"][0] / 255, rtol=1e-6)

    X, y, _ = _epoch(train_iter)
    assert X.shape == (70, 1, 28, 28) and sorted(y.tolist()) == list(range(70))
    assert y.tolist() != list(range(70))                         # shuffled
    onp.testing.assert_allclose(X[:, 0], fake_data["mnist", "train"][0][y] / 255, rtol=1e-6)


def test_train_order_follows_the_seed(fake_data):
    train_iter, _ = d2lite.load_data_mnist(70)
    orders = []
    for seed in (0, 0, 1):
        d2lite.set_seed(seed)
        orders.append(_epoch(train_iter)[1].tolist())
    assert orders[0] == orders[1] != orders[2]


def test_resize_square_on_fake_data(fake_data):
    _, test_iter = d2lite.load_data_fashion_mnist(8, resize=32)
    X, y = next(iter(test_iter))
    assert X.shape == (8, 1, 32, 32) and X.dtype == onp.float32
    assert float(X.min()) >= -1e-6 and float(X.max()) <= 1 + 1e-6
    assert y.tolist() == list(range(8))


def test_resize_height_width_on_fake_data(fake_data):
    # Regression: (height, width) went to npx.image.resize, which wants (width, height).
    _, test_iter = d2lite.load_data_mnist(8, resize=(20, 30))
    X, _ = next(iter(test_iter))
    assert X.shape == (8, 1, 20, 30)


# --- the real data sets ---------------------------------------------------------

def test_real_mnist_test_set(real_data_dir):
    images, labels = d2lite.read_mnist("mnist", train=False)
    assert images.shape == (10000, 28, 28) and images.dtype == onp.uint8
    assert labels.shape == (10000,) and labels.dtype == onp.int32
    assert set(labels.tolist()) == set(range(10))
    assert float(images.mean()) == pytest.approx(33.79, abs=0.05)


@pytest.mark.parametrize("dataset, train, n, mean", [
    ("mnist", True, 60000, 33.3184),
    ("fashion-mnist", True, 60000, 72.9404),
    ("fashion-mnist", False, 10000, 73.1466),
])
def test_real_data_sets(real_data_dir, dataset, train, n, mean):
    images, labels = d2lite.read_mnist(dataset, train)
    assert images.shape == (n, 28, 28) and labels.shape == (n,)
    assert labels.min() == 0 and labels.max() == 9
    assert float(images.mean()) == pytest.approx(mean, abs=0.01)


def test_real_load_data_mnist(real_data_dir):
    train_iter, test_iter = d2lite.load_data_mnist(256)
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and X.dtype == onp.float32
    assert y.shape == (256,) and y.dtype == onp.int32
    assert float(X.min()) == 0.0 and float(X.max()) == 1.0

    first = _epoch(test_iter)[1]
    second = _epoch(test_iter)[1]
    assert len(first) == 10000
    onp.testing.assert_array_equal(first, second)
    onp.testing.assert_array_equal(first, d2lite.read_mnist("mnist", train=False)[1])

    a, b = (next(iter(train_iter))[1].asnumpy() for _ in range(2))
    assert (a != b).any()                                        # reshuffled each epoch


def test_real_load_data_fashion_mnist(real_data_dir):
    _, test_iter = d2lite.load_data_fashion_mnist(100)
    X, y = next(iter(test_iter))
    assert X.shape == (100, 1, 28, 28) and y.shape == (100,)
    labels = d2lite.get_fashion_mnist_labels(y)
    assert labels[:3] == ["ankle boot", "pullover", "trouser"]    # the file's first three


# --- the validation split ---------------------------------------------------------

def test_train_validation_split_is_a_partition():
    train_idx, valid_idx = d2lite.train_validation_split(100, 15, seed=3)
    assert len(train_idx) == 85 and len(valid_idx) == 15
    assert not set(train_idx.tolist()) & set(valid_idx.tolist())          # disjoint
    assert sorted(train_idx.tolist() + valid_idx.tolist()) == list(range(100))
    assert train_idx.tolist() == sorted(train_idx.tolist())
    assert valid_idx.tolist() != list(range(85, 100))                    # random, not the tail


def test_train_validation_split_is_deterministic():
    onp.random.seed(0)
    first = d2lite.train_validation_split(1000, 100, seed=0)
    onp.random.seed(1)                                # the global state plays no part
    again = d2lite.train_validation_split(1000, 100, seed=0)
    other = d2lite.train_validation_split(1000, 100, seed=1)
    onp.testing.assert_array_equal(first[1], again[1])
    onp.testing.assert_array_equal(first[0], again[0])
    assert first[1].tolist() != other[1].tolist()


@pytest.mark.parametrize("num_validation", [0, -1, 100, 101])
def test_train_validation_split_rejects_bad_sizes(num_validation):
    with pytest.raises(ValueError, match="num_validation"):
        d2lite.train_validation_split(100, num_validation)


def test_load_data_mnist_validation_on_fake_data(fake_data):
    train_iter, valid_iter, test_iter = d2lite.load_data_mnist_validation(
        16, num_validation=20, seed=5)
    X_t, y_t, _ = _epoch(train_iter)
    X_v, y_v, batches = _epoch(valid_iter)
    X_s, y_s, _ = _epoch(test_iter)
    _, expected = d2lite.train_validation_split(70, 20, seed=5)
    assert y_v.tolist() == expected.tolist()                     # labels say the index
    assert [len(b[1]) for b in batches] == [16, 4]
    assert len(y_t) == 50 and sorted(y_t.tolist() + y_v.tolist()) == list(range(70))
    assert y_s.tolist() == list(range(30))
    for X, y, split in ((X_t, y_t, "train"), (X_v, y_v, "train"), (X_s, y_s, "t10k")):
        assert X.dtype == onp.float32 and X.shape == (len(y), 1, 28, 28)
        assert y.dtype == onp.int32
        onp.testing.assert_allclose(X[:, 0], fake_data["mnist", split][0][y] / 255, rtol=1e-6)
    # The same split on every call; the training batches are reshuffled.
    again = d2lite.load_data_mnist_validation(16, num_validation=20, seed=5)
    assert _epoch(again[1])[1].tolist() == y_v.tolist()
    assert _epoch(train_iter)[1].tolist() != y_t.tolist()


def test_load_data_mnist_validation_fashion(fake_data):
    _, valid_iter, test_iter = d2lite.load_data_mnist_validation(
        8, num_validation=10, dataset="fashion-mnist")
    X, y, _ = _epoch(valid_iter)
    onp.testing.assert_allclose(X[:, 0], fake_data["fashion-mnist", "train"][0][y] / 255,
                                rtol=1e-6)
    X, y, _ = _epoch(test_iter)
    onp.testing.assert_allclose(X[:, 0], fake_data["fashion-mnist", "t10k"][0] / 255, rtol=1e-6)


def test_real_mnist_validation_split(real_data_dir):
    train_iter, valid_iter, test_iter = d2lite.load_data_mnist_validation(1000)
    sizes = [sum(len(y) for _, y in it) for it in (train_iter, valid_iter, test_iter)]
    assert sizes == [55000, 5000, 10000]
    counts = onp.bincount(_epoch(valid_iter)[1], minlength=10)
    assert counts.min() > 400            # every digit is there, about 500 of each


# --- bad input: a clear error when the loader is built ----------------------------

LOADERS = [d2lite.load_data_mnist, d2lite.load_data_fashion_mnist]


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize("batch_size, error", [
    (0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError), (None, TypeError),
])
def test_loaders_reject_a_bad_batch_size(fake_data, load, batch_size, error):
    # Regression: 0, -1 and 2.5 yielded one batch of everything, then len() failed.
    with pytest.raises(error, match="batch_size"):
        load(batch_size)


@pytest.mark.parametrize("resize, error", [
    ((28,), ValueError), ((28, 28, 1), ValueError), (28.5, TypeError), ((28, 2.5), TypeError),
    (-3, ValueError), (0, ValueError), ((28, 0), ValueError), ("28", TypeError),
])
def test_loaders_reject_a_bad_resize_when_built(fake_data, resize, error):
    # Regression: (28,) and 28.5 failed with IndexError/TypeError at the first batch.
    with pytest.raises(error, match="resize"):
        d2lite.load_data_mnist(8, resize=resize)


def test_resize_as_a_list_works(fake_data):
    _, test_iter = d2lite.load_data_mnist(4, resize=[14, 7])
    assert next(iter(test_iter))[0].shape == (4, 1, 14, 7)


def _gzip_bomb(path, header, inflated_size):
    """A .gz file: ``header``, then ``inflated_size`` zero bytes, compressed ~1000:1."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)          # wbits 31: the gzip format
    parts = [z.compress(header)]
    zeros = bytes(1 << 20)
    for _ in range(inflated_size >> 20):
        parts.append(z.compress(zeros))
    path.write_bytes(b"".join(parts) + z.flush())
    return path


def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    # Regression: a 256 MiB bomb claiming 1x28x28 was rejected only after using ~470 MB.
    inflated = 64 << 20
    path = _gzip_bomb(tmp_path / "bomb.gz", bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28,
                                                   0, 0, 0, 28]), inflated)
    assert path.stat().st_size < inflated // 500
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"need 800 bytes, the file has 801 or more"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"read_idx used {peak / 2**20:.0f} MiB"


def test_read_idx_memory_follows_the_data_not_the_header(tmp_path):
    # A header promising 4 GiB over a few bytes of data: refused without allocating 4 GiB.
    for suffix, compress in ((".gz", True), ("", False)):
        path = tmp_path / f"liar{suffix}"
        raw = bytes([0, 0, 8, 1]) + b"\xff\xff\xff\xff" + b"\1\2\3"
        path.write_bytes(gzip.compress(raw) if compress else raw)
        tracemalloc.start()
        try:
            with pytest.raises(DataError, match="truncated"):
                read_idx(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 << 20


def test_load_data_mnist_validation_keeps_a_seeded_training_subset(fake_data):
    train_iter, valid_iter, _ = d2lite.load_data_mnist_validation(
        8, num_validation=20, seed=5, num_train=12)
    y_t, y_v = _epoch(train_iter)[1], _epoch(valid_iter)[1]
    full_train, expected_valid = d2lite.train_validation_split(70, 20, seed=5)
    assert y_v.tolist() == expected_valid.tolist()        # the validation split is unchanged
    assert len(y_t) == 12 and set(y_t.tolist()) <= set(full_train.tolist())
    again = d2lite.load_data_mnist_validation(8, num_validation=20, seed=5, num_train=12)
    assert sorted(_epoch(again[0])[1].tolist()) == sorted(y_t.tolist())
    for bad, error in ((0, ValueError), (51, ValueError), (2.5, TypeError)):
        with pytest.raises(error, match="num_train"):
            d2lite.load_data_mnist_validation(8, num_validation=20, num_train=bad)
