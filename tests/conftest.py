"""Shared fixtures: an isolated download cache, the real data folder, IDX files."""
import gzip
import os
import struct
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before d2lite imports pyplot; no window, ever

import numpy as onp  # noqa: E402
import pytest  # noqa: E402

import d2lite.data.hub as hub  # noqa: E402  (d2lite first: it sets up MXNet)
from mxnet import np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Point the user cache at an empty tmp folder and forget verified files.

    Returns the folder d2lite downloads into: ``$XDG_CACHE_HOME/d2lite``.
    ``D2LITE_DATA_DIR`` is left as the environment gives it.
    """
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    hub._verified.clear()
    yield tmp_path / "xdg-cache" / "d2lite"
    hub._verified.clear()


@pytest.fixture
def real_data_dir(monkeypatch):
    """The folder holding the real MNIST / Fashion-MNIST files, or skip.

    ``$D2LITE_DATA_DIR`` when set, else ``../shared/data`` beside the repository
    (then ``D2LITE_DATA_DIR`` is set to it for the test). Skips unless every
    registered file is there, so a test never downloads anything.
    """
    env = os.environ.get("D2LITE_DATA_DIR")
    folder = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    if not folder.is_dir() or not all((folder / name).is_file() for name in hub.DATA_HUB):
        pytest.skip("real data not available: set D2LITE_DATA_DIR")
    monkeypatch.setenv("D2LITE_DATA_DIR", str(folder))
    return folder


def idx_bytes(array, type_code=0x08):
    """The IDX encoding of ``array``: 0, 0, type code, ndim, big-endian dims, data."""
    array = onp.ascontiguousarray(array, dtype=onp.uint8)
    return (bytes([0, 0, type_code, array.ndim])
            + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes())


def write_idx(path, array, compress=None):
    """Write ``array`` (uint8) as an IDX file; gzip it when ``compress`` or the name ends .gz."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = idx_bytes(array)
    if compress is None:
        compress = path.suffix == ".gz"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


@pytest.fixture
def make_idx():
    """The :func:`write_idx` helper, as a fixture."""
    return write_idx


def blobs(n=400, seed=0):
    """Two well-separated Gaussian clouds with labels 0 and 1."""
    rng = onp.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 0.5, (n, 2)) + onp.where(y[:, None] == 1, 2.0, -2.0)
    return np.array(X.astype(onp.float32)), np.array(y.astype(onp.int32))
