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


#: The Complete Tang Poems: files of the npm package chinese-poetry 2.0.1, from two npm CDNs.
_TANG_FOLDER = "chinese-poetry/dist/quantangshi/"
_TANG_URLS = ("https://cdn.jsdelivr.net/npm/chinese-poetry@2.0.1/dist/quantangshi/",
              "https://unpkg.com/chinese-poetry@2.0.1/dist/quantangshi/")
#: SHA-256 of ``poet.tang.N.json``, by N.
_TANG_DIGESTS = {
    0: "4f88f429938082523cdc72a1612bd7a7c3e3f7a33f8192c61ae51340efc3c92d",
    1000: "6e703b8d8dcedbd6110f6d48d043665ca2131db2035a5bfcef5e59a19aeb6d75",
    2000: "ec28efa7e2ae9cdbbba09f0ed186e32ccae47a325ad1e5816b7ad56071c1665a",
    3000: "9e4ba2323752b6b9fbdba875cdbc6a26636fe0cabc85fd066370d4915952001f",
    4000: "b8a7946c879b9658a6c667a4c55f776fae7e5e00a17789ab06b274c1429afc66",
    5000: "a0306e6962cff01639ad9a00b042a201b8dec1f30fa5d768a7b112589887861e",
    6000: "982a21d2b15922b406911f1c825785054314c686da86b2155d7aebb362d22771",
    7000: "a6fb69d7b4343c904dc56ae5aae34facc2478d196b51c37ceba9d1e2f171b342",
    8000: "ac3848e95b02736168003863795de4474838c2d6a71a24ca2a4a280ea5177773",
    9000: "b99d6596e3a1fe1a661652383083f92d196b8baf4e461d087081d5e1e1b7a51f",
    10000: "b97d1c5509ab62f5b433dee2020c11c4deda4542e276683d1ada6619c34c2113",
    11000: "9adf1835246053c821d99af39ce9092e14a94e1baf91740098bd9fc6f6f1cd27",
    12000: "ec43d055a219d52ecdb58cd30a8a444189392f0d68b92a41495df1c72c5fd095",
    13000: "eb9c85072d7913bb972e07c72f0123e9d7addca22cfd833cb79a5d74b1c76ebf",
    14000: "1e366dd3fb5a011091524bed36e4edff5d015bf0ddb14143f298515387dbd9a9",
    15000: "0386e58f46517daa3af0e0f385e0223f1efc0dac53afbe8fea64f99074d870b7",
    16000: "1c477aef1fc50523f9baf10f29d2d89201a14c4c73001c1c041d0fe8464d11db",
    17000: "11bac8333b2042975b9844423d113ff2c6fdf701c8b08a5b3aaa6bc9472222de",
    18000: "37543a147d16e3576d5f45ba8f7b8b51fc311bc10eddae9440f16f2d5ae885c2",
    19000: "dea74b41bc807ce2527bb119862a251e3a92b6f69bdf9f98b1434a8336830542",
    20000: "8ccf0783888b15bec60d0253e278cd4b67e94a77725df8ed079d4d8062d050b4",
    21000: "bddae814c82bf6a9fd294504aa48794bca5f03e986110739b1577aa811125cbd",
    22000: "d7e7efe3f67415455ae93974a5aa67427e99f6713fde27920bfb657ad3204c4a",
    23000: "220a535a762349ec1beed00f1dc11293ccefc70bda15c5258bbcab208b14337f",
    24000: "2f40a4ec0e4469c29f0f028d7a4ad73b83850aa271be9b63ea0c08de6e094dee",
    25000: "7e7c00ba3f7a95e97de5440f85affa9d54b420d31995b449e97a3e9ea00259f5",
    26000: "74b5bed25622da1611928fdb31297fafadaf2876ce32ddb0c8b6d12d772979f4",
    27000: "11626fcc310bbbcc601f7c8c4d8a664cef4907076cd7ec4f16268ee5b921ba44",
    28000: "86a15affa95859046f869ffd4850886250d1a181e5151b1f096f728fb2d67502",
    29000: "e1a0cffe17b4f109399db38f2b23f9b6668b8ca1c3c24e36d5cbe4f40a925862",
    30000: "e71996f771d15476bae48751081b473b381774b5d335f6163b183f70a2eaed01",
    31000: "f1efaf172d4f6fa9aaacfa4160feb766189989c3264da6ce3a6d64a7c97097bb",
    32000: "fcb2096245719199249ad23e75eac6997b5a4341564dd1cf73ce8008975b3d74",
    33000: "35abb37f65817ee4630cfeb2db286832e505873c477e12f14693bcd20e920885",
    34000: "4b656a62b6a187792c96a632c7e33f443eabda8b48c4fb5dfdda72cf02003095",
    35000: "a9671b350e58b805fda88b2c17fa0bf3a05313017d28485010e6f60a69bdf945",
    36000: "1c8e71a32743b37d318bf8beb44b8809a8079011231cf3c7106e2c59f03c55b4",
    37000: "4c37d2d92ee6fdd73299ef13c91e17b9cbb11ef59d1e024254db1eceb95dc7ae",
    38000: "08b2ce85e59eac59fe621921b62c15528e9dfb6a102994297703ad67e14aa83f",
    39000: "791d0171fe1dc88cee8424ae0281f495ed0dcdf042f97f2a3fc9b37e05e9426c",
    40000: "851d0c3cb796c7f7c63a7765e28564b2c3be3d9691c9f43f88d4d3c64034b5d8",
    41000: "3c12f59a5103e582eed9fe6ae13affddc030a31e9956efb13cb7768296ba7396",
    42000: "060026beb06028864bce48e8074e2690f92a1dc5a76ee91f98f2d62b5f02a15c",
    43000: "de5e658dccbcf0d2b38312b39a2423459b88ef893830bc145d453d82887a5753",
    44000: "8c6d550818f5390413bc58fbb3af059d3fa4a92264b1bcf84439c2b0bb043985",
    45000: "5177a4747b785f04897c36b77d5e033b11a7bcad759d1557fdb425166b8767f3",
    46000: "287e548147e6959306b74c862a1ebe43cdca39adee34e2c63ae5d3b5eaced1f5",
    47000: "8b43cce475ed43b1105a12a8bdcef32ac22dc056c5f2c616a2976a4103b5d8ac",
    48000: "8df4861e8d7bc114e91d0a5e37d193f662485cd88b8d09289cc5ac9ab243c3ed",
    49000: "418e5a082cb70c4f85ce842affec8828a53f6296882e45339c74d553fc46495e",
    50000: "894bf4e729932d2b48ba731a48075347cf55626c08ac9f30b2fe412ca9e4e895",
    51000: "9bd1b263807c5c64bca773b76d4861a49af19b76184f88260d6080bb03311928",
    52000: "1124f4b27f46bd1ffaafdda530719eddbe41858778a0a13e4557ea4eb49ffef0",
    53000: "75841062fa939e72ee12669859933c9178b88a5c5492bc9ba84d9ef7c6f1e65a",
    54000: "cd2ba326b80ff8490723ad9fb1ace812306f0e433b74268420165068b0a975ac",
    55000: "3782736dfee847958363d4adeff1236f148aff3726f2964963b17b06dad2f97b",
    56000: "274ad6e13c069e35856e53b5dee6821ad2aa9bf8b2a5f969e2eb1234fe954bca",
    57000: "e04c137b040c1a91e16614178c189d0c30a68e1d4657ea8fde8467601e3ac121",
}

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
    **{f"{_TANG_FOLDER}poet.tang.{n}.json":
       DataFile(tuple(f"{url}poet.tang.{n}.json" for url in _TANG_URLS), digest)
       for n, digest in _TANG_DIGESTS.items()},
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
