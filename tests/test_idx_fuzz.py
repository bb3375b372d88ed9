"""Property-based tests of read_idx: any bytes give the right array or a DataError.

Hypothesis writes arbitrary bytes, and IDX files with well-formed and
malformed headers, plain and gzip-compressed (some with a damaged stream), and
checks each outcome against a reference reading of the format. Every example
must finish within the deadline and use little memory.
"""
import gzip
import math
import struct
import tracemalloc

import numpy as onp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lite.data import DataError, read_idx

FUZZ = settings(max_examples=200, deadline=500, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
MEMORY_LIMIT = 4 << 20      # bytes read_idx may allocate for these small files


def reference(raw):
    """The array an IDX reader must return for the bytes ``raw``, or None for a bad file."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or not 1 <= raw[3] <= 32:
        return None
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        return None
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    if len(raw) - header != math.prod(dims):
        return None
    return onp.frombuffer(raw, onp.uint8, offset=header).reshape(dims)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def outcome(path):
    """Read ``path``: (array or DataError, peak memory traced while reading)."""
    tracemalloc.start()
    try:
        try:
            result = read_idx(path)
        except DataError as e:
            result = e
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def promised(raw):
    """How many data bytes the header of ``raw`` promises (0 if it cannot be read)."""
    if len(raw) < 4 or not 1 <= raw[3] <= 32 or len(raw) < 4 + 4 * raw[3]:
        return 0
    return math.prod(struct.unpack(f">{raw[3]}I", raw[4:4 + 4 * raw[3]]))


def check(path, raw, damaged=False, inflated=None):
    """``path`` holds ``raw`` (perhaps gzip-compressed, perhaps ``damaged``): check read_idx.

    Memory may grow with the data the header promises, never beyond the data
    the file holds (``inflated``: the bytes it decompresses to).
    """
    result, peak = outcome(path)
    inflated = raw if inflated is None else inflated
    allowed = MEMORY_LIMIT + min(promised(raw), len(inflated))
    assert peak < allowed, f"read_idx used {peak} bytes"
    want = reference(raw)
    if isinstance(result, DataError):
        assert str(path) in str(result)
        assert want is None or damaged, f"a good file was refused: {result}"
        return
    assert want is not None, f"a bad file was read as {result.shape}"
    assert result.dtype == onp.uint8 and result.shape == want.shape
    onp.testing.assert_array_equal(result, want)


@FUZZ
@given(raw=st.binary(max_size=300), how=st.sampled_from(["plain", "gzip", "plain-named-gz"]))
def test_arbitrary_bytes(folder, raw, how):
    path = folder / ("data" if how == "plain" else "data.gz")
    path.write_bytes(gzip.compress(raw) if how == "gzip" else raw)
    # bytes that are not gzip but named .gz must be refused (or be a valid gzip stream)
    check(path, raw, damaged=how == "plain-named-gz")


HUGE = st.sampled_from([2 ** 16, 2 ** 31 - 1, 2 ** 32 - 1])


@st.composite
def idx_files(draw):
    """Bytes of an IDX file: well-formed about half the time, else with faults.

    Each fault comes with probability 1/10: a bad magic number, an unknown
    type code, a number of dimensions from 0 to 255 (NumPy allows 32), huge
    dimensions (whose product may overflow 64 bits), data one byte short or
    too long, a file cut anywhere.
    """
    def fault():
        return draw(st.integers(0, 9)) == 0

    magic = draw(st.sampled_from([b"\1\0", b"\0\xff", b"\xff\xff"])) if fault() else b"\0\0"
    type_code = draw(st.sampled_from([0x09, 0x0D, 0x00, 0xFF])) if fault() else 0x08
    ndim = draw(st.sampled_from([33, 0, 32, 40, 255, 5])) if fault() else draw(st.integers(1, 4))
    size = HUGE if ndim <= 4 and fault() else st.integers(0, 6 if ndim <= 4 else 1)
    dims = [draw(size) for _ in range(min(ndim, 40))]
    size = math.prod(dims)
    length = size + (draw(st.sampled_from([-1, 1, 7])) if fault() else 0)
    if not 0 <= length <= 4096:
        length = draw(st.integers(0, 64))
    raw = (magic + bytes([type_code, ndim]) + struct.pack(f">{len(dims)}I", *dims)
           + draw(st.binary(min_size=length, max_size=length)))
    if fault():
        raw = raw[:draw(st.integers(0, len(raw)))]
    return raw


@FUZZ
@given(raw=idx_files(), compress=st.booleans(),
       damage=st.sampled_from([None] * 6 + ["cut", "flip", "trailing", "bomb"]),
       data=st.data())
def test_idx_headers(folder, raw, compress, damage, data):
    content = gzip.compress(raw, mtime=0) if compress else raw
    inflated = raw
    if compress and damage == "bomb":                 # 8 MiB of zeros after the file
        inflated = raw + bytes(8 << 20)
        content = gzip.compress(inflated, compresslevel=1, mtime=0)
    elif compress and damage == "cut":
        content = content[:data.draw(st.integers(0, len(content) - 1))]
    elif compress and damage == "flip":
        i = data.draw(st.integers(0, len(content) - 1))
        content = content[:i] + bytes([content[i] ^ data.draw(st.integers(1, 255))]) + content[i + 1:]
    elif compress and damage == "trailing":
        content += data.draw(st.binary(min_size=1, max_size=20))
    path = folder / ("data.gz" if compress else "data.idx")
    path.write_bytes(content)
    check(path, raw, damaged=compress and damage is not None, inflated=inflated)


def test_reference_accepts_what_the_writer_writes():
    # The oracle itself must say yes to good files, or the fuzz tests prove nothing.
    from conftest import idx_bytes
    for array in (onp.zeros((0,), onp.uint8), onp.arange(24, dtype=onp.uint8).reshape(2, 3, 4)):
        onp.testing.assert_array_equal(reference(idx_bytes(array)), array)
    assert reference(idx_bytes(onp.zeros(3, onp.uint8))[:-1]) is None
