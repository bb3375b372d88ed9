"""Find a data file locally, or download it once, verified by its SHA-256.

Lookup order for a registered file ``name`` (e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``):

1. ``$D2LITE_DATA_DIR/name``, when that variable is set;
2. the user cache, ``$XDG_CACHE_HOME/d2lite/name`` (default ``~/.cache/d2lite``);
3. download into the user cache from the file's URLs, with a progress bar.
   The bytes go to a temporary file that is renamed only once its checksum
   matches, so an interrupted or wrong download never leaves a file behind.
   A download that takes longer than ``DOWNLOAD_DEADLINE`` seconds is
   abandoned; temporary files left by killed downloads are removed by the
   next download of the same file.

Every file found or downloaded is checked against the registry's SHA-256.
"""
import collections
import hashlib
import http.client
import os
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


class DataError(Exception):
    """A data file is missing and cannot be downloaded, or is corrupt."""


DataFile = collections.namedtuple("DataFile", ["urls", "sha256"])

#: Seconds one download from one URL may take before it is abandoned.
DOWNLOAD_DEADLINE = 1800
#: A temporary ``.part`` file older than this many seconds is a leftover.
STALE_PART_AGE = 2 * DOWNLOAD_DEADLINE

def _idx_files(folder, base_urls, digests):
    """Registry entries for one IDX data set: file -> (URLs, SHA-256)."""
    return {f"{folder}/{file}": DataFile(tuple(url + file for url in base_urls), sha256)
            for file, sha256 in digests.items()}


#: Every file the book reads: name -> DataFile(URLs to try in order, SHA-256).
DATA_HUB = {
    **_idx_files("mnist", ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                           "http://yann.lecun.com/exdb/mnist/"), {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }),
    **_idx_files("fashion-mnist", ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",), {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }),
}


def cache_dir():
    """The user cache folder where downloads go (``~/.cache/d2lite`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lite"


def data_dir():
    """The folder a reader's own copy of the data is read from first.

    ``$D2LITE_DATA_DIR`` when set, otherwise the user cache.
    """
    env = os.environ.get("D2LITE_DATA_DIR")
    if env and Path(env).exists() and not Path(env).is_dir():
        raise DataError(f"D2LITE_DATA_DIR is set to {env}, which is a file, not a folder. "
                        f"Set it to the folder that holds mnist/, fashion-mnist/, ... "
                        f"(or unset it to use {cache_dir()}).")
    return Path(env) if env else cache_dir()


def sha256sum(path, chunk_size=1 << 20):
    """Return the hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


_verified = {}  # (path, size, mtime) -> True, so a file is hashed once per process


def _check(path, sha256):
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return path
    actual = sha256sum(path)
    if actual != sha256:
        raise DataError(
            f"{path} is corrupt or not the expected file: its SHA-256 is {actual}, "
            f"expected {sha256}. Delete it (or replace it with a good copy) and try again.")
    _verified[key] = True
    return path


def fetch(name, quiet=False):
    """Return the local path of the registered data file ``name``.

    Looks in ``$D2LITE_DATA_DIR``, then the user cache, then downloads into
    the cache. Raises :class:`DataError` when the file is corrupt, or missing
    and cannot be downloaded (offline): the message names the file, its URL
    and the folder to put it in.
    """
    if name not in DATA_HUB:
        raise KeyError(f"{name!r} is not a registered data file; known files: "
                       + ", ".join(sorted(DATA_HUB)))
    entry = DATA_HUB[name]
    folders = [cache_dir()]
    if os.environ.get("D2LITE_DATA_DIR"):
        folders.insert(0, data_dir())  # a DataError if it names a file
    for folder in folders:
        path = folder / name
        if path.exists():
            return _check(path, entry.sha256)
    return _download(name, entry, cache_dir() / name, quiet=quiet)


def _download(name, entry, target, quiet=False):
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(target)
        # The pid in the name tells a later run whether this download is still alive.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{target.name}.{os.getpid()}.",
                                   suffix=".part")
    except OSError as e:
        raise DataError(
            f"Cannot find the data file {name!r}, and cannot download it: the cache folder "
            f"{target.parent} is not writable ({e}).\n"
            f"Download it yourself from {entry.urls[0]} and put it at {data_dir() / name}, "
            f"or make {target.parent} writable, or set XDG_CACHE_HOME to a writable folder "
            f"(set D2LITE_DATA_DIR to read from another folder).") from e
    errors = []
    try:
        with os.fdopen(fd, "wb") as out:
            for url in entry.urls:
                out.seek(0)
                out.truncate()
                try:
                    digest = _copy_url(url, out, name, quiet)
                except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, ...
                    errors.append(f"{url}: {e}")
                    continue
                if digest == entry.sha256:
                    break
                errors.append(f"{url}: checksum mismatch (got SHA-256 {digest}, "
                              f"expected {entry.sha256})")
        if len(errors) < len(entry.urls):  # one URL gave the right bytes
            os.chmod(tmp, 0o644)  # temporary files are private; data files need not be
            os.replace(tmp, target)
            return target
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    raise DataError(
        f"Cannot find or download the data file {name!r}.\n"
        + "".join(f"  tried {err}\n" for err in errors)
        + f"Download it yourself from {entry.urls[0]} and put it at {data_dir() / name} "
        f"(set D2LITE_DATA_DIR to use another folder).")


def _remove_stale_parts(target):
    """Delete ``.part`` files of ``target`` left by downloads that were killed.

    A name holds the pid of the process that wrote it: the file is a leftover
    when that process is gone, or when it is older than ``STALE_PART_AGE``
    (names without a pid, from older versions, are judged by age alone).
    """
    pattern = re.compile(re.escape(target.name) + r"\.(?:(\d+)\.)?\w+\.part")
    for part in target.parent.glob(target.name + ".*.part"):
        found = pattern.fullmatch(part.name)
        if not found:
            continue
        try:
            too_old = time.time() - part.stat().st_mtime > STALE_PART_AGE
            if too_old or found.group(1) and not _process_alive(int(found.group(1))):
                part.unlink()
        except FileNotFoundError:  # its own process finished in the meantime
            pass


def _process_alive(pid):
    """Whether process ``pid`` runs (always True where that cannot be asked cheaply)."""
    if os.name != "posix":  # on Windows, os.kill would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to another user
        return True
    return True


def _copy_url(url, out, name, quiet, chunk_size=1 << 16):
    """Stream ``url`` into the open file ``out``; return the SHA-256 of the bytes.

    Gives up with a TimeoutError once ``DOWNLOAD_DEADLINE`` seconds have passed.
    """
    digest = hashlib.sha256()
    deadline = time.monotonic() + DOWNLOAD_DEADLINE
    with urllib.request.urlopen(url, timeout=min(30, DOWNLOAD_DEADLINE)) as response:
        total = int(response.headers.get("Content-Length") or 0)
        done, shown = 0, None
        # read1 returns what has arrived, so a server that trickles bytes
        # cannot keep one call waiting past the deadline.
        for chunk in iter(lambda: response.read1(chunk_size), b""):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"abandoned after the deadline of {DOWNLOAD_DEADLINE} s, with "
                    f"{done / 1e6:.1f} MB received: the server is too slow. Try again "
                    f"later, or raise d2lite.data.hub.DOWNLOAD_DEADLINE")
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            # Redraw every percent, or every megabyte when the size is unknown.
            step = 100 * done // total if total else done >> 20
            if not quiet and step != shown:
                shown = step
                _progress(name, done, total)
    if not quiet:
        _progress(name, done, total)
        print(file=sys.stderr)
    return digest.hexdigest()


def _progress(name, done, total):
    size = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB ({100 * done // total}%)" if total \
        else f"{done / 1e6:.1f} MB"
    print(f"\rDownloading {name}: {size}", end="", file=sys.stderr, flush=True)
