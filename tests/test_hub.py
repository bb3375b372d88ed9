import hashlib
import http.server
import re
import os
import socket
import subprocess
import threading
import time
import types
from pathlib import Path

import pytest

import d2lite.data.hub as hub
from d2lite.data.hub import DataError, DataFile

NAME = "toy/file.bin"
CONTENT = bytes(range(256)) * 600          # 150 kB: several 64 kB chunks
SHA = hashlib.sha256(CONTENT).hexdigest()


def register(monkeypatch, *urls, sha256=SHA):
    monkeypatch.setattr(hub, "DATA_HUB", {NAME: DataFile(tuple(urls), sha256)})


def files_under(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())


@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving ``root``; ``requests`` lists the paths asked for.

    Special paths: ``/nolength/<f>`` serves ``<f>`` without a Content-Length;
    ``/garbage`` answers with a malformed status line; ``/chunked-cut`` sends a
    chunked body and hangs up in the middle of it; ``/trickle`` promises the
    whole content but sends one byte every 50 ms, for at most 5 s.
    """
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            requests.append(self.path)
            if self.path.startswith("/nolength/"):
                body = (root / self.path[len("/nolength/"):]).read_bytes()
                self.send_response(200)
                self.end_headers()               # HTTP/1.0: the body ends when we close
                self.wfile.write(body)
            elif self.path == "/garbage":
                self.wfile.write(b"garbage\r\n\r\n")
            elif self.path == "/chunked-cut":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + b"%x\r\n" % len(CONTENT) + CONTENT[:100])
            elif self.path == "/trickle":
                self.send_response(200)
                self.send_header("Content-Length", str(len(CONTENT)))
                self.end_headers()
                try:
                    for byte in CONTENT[:100]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:                  # the client gave up
                    pass
            else:
                super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield types.SimpleNamespace(root=root, requests=requests,
                                url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.bin"


# --- the registry and folders -------------------------------------------------

def test_unknown_name_lists_known_files():
    with pytest.raises(KeyError) as err:
        hub.fetch("mnist/nope.gz")
    message = err.value.args[0]
    assert "mnist/nope.gz" in message
    assert all(name in message for name in hub.DATA_HUB)


def test_registry_entries_are_well_formed():
    assert len(hub.DATA_HUB) == 8 + 58   # MNIST, Fashion-MNIST, the Tang poems
    for name, entry in hub.DATA_HUB.items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), name
        assert entry.urls, name
        base = name.rsplit("/", 1)[1]
        for url in entry.urls:
            assert re.match(r"https?://[^/]+/", url) and url.endswith("/" + base), url


def test_cache_dir_honours_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.cache_dir() == tmp_path / "xdg" / "d2lite"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unset in (lambda: monkeypatch.delenv("XDG_CACHE_HOME"),
                  lambda: monkeypatch.setenv("XDG_CACHE_HOME", "")):
        unset()
        assert hub.cache_dir() == tmp_path / "home" / ".cache" / "d2lite"


def test_data_dir_is_the_env_var_else_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("D2LITE_DATA_DIR", str(tmp_path / "mine"))
    assert hub.data_dir() == tmp_path / "mine"
    monkeypatch.delenv("D2LITE_DATA_DIR")
    assert hub.data_dir() == hub.cache_dir()
    monkeypatch.setenv("D2LITE_DATA_DIR", "")
    assert hub.data_dir() == hub.cache_dir()


# --- local files ----------------------------------------------------------------

def test_real_file_is_found_and_verified(real_data_dir, isolated_cache):
    name = "mnist/t10k-labels-idx1-ubyte.gz"
    path = hub.fetch(name)
    assert path == real_data_dir / name
    assert hub.sha256sum(path) == hub.DATA_HUB[name].sha256
    assert not isolated_cache.exists()            # nothing was downloaded


def test_corrupt_local_file_is_reported(monkeypatch, tmp_path):
    name = "mnist/t10k-labels-idx1-ubyte.gz"
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not the labels")
    monkeypatch.setenv("D2LITE_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="corrupt") as err:
        hub.fetch(name)
    assert str(path) in str(err.value)
    assert path.read_bytes() == b"not the labels"   # reported, not deleted


def test_data_dir_wins_over_cache_and_is_hashed_once(monkeypatch, tmp_path, isolated_cache):
    register(monkeypatch, "http://127.0.0.1:9/unused")
    mine = tmp_path / "mine" / NAME
    mine.parent.mkdir(parents=True)
    mine.write_bytes(CONTENT)
    cached = isolated_cache / NAME
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"stale")
    monkeypatch.setenv("D2LITE_DATA_DIR", str(tmp_path / "mine"))
    calls = []
    real_sha256sum = hub.sha256sum
    monkeypatch.setattr(hub, "sha256sum", lambda p: calls.append(p) or real_sha256sum(p))
    assert hub.fetch(NAME) == mine
    assert hub.fetch(NAME) == mine
    assert calls == [mine]                      # verified once per process
    mine.write_bytes(CONTENT + b"!")            # changed on disk: checked again
    with pytest.raises(DataError, match="corrupt"):
        hub.fetch(NAME)
    monkeypatch.delenv("D2LITE_DATA_DIR")       # the cache copy is checked too
    with pytest.raises(DataError, match="corrupt"):
        hub.fetch(NAME)


# --- downloads ------------------------------------------------------------------

def test_download_lands_in_the_cache_once(server, monkeypatch, capsys, isolated_cache):
    monkeypatch.delenv("D2LITE_DATA_DIR", raising=False)
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/file.bin")
    path = hub.fetch(NAME)
    assert path == isolated_cache / "toy" / "file.bin"
    assert path.read_bytes() == CONTENT
    assert files_under(isolated_cache) == [path]          # no *.part left
    assert path.stat().st_mode & 0o777 == 0o644            # readable, like any data file
    err = capsys.readouterr().err
    assert f"Downloading {NAME}" in err and "(100%)" in err
    assert server.requests == ["/file.bin"]
    hub._verified.clear()                                  # as in a new process
    assert hub.fetch(NAME) == path
    assert server.requests == ["/file.bin"]                # served from the cache
    assert capsys.readouterr().err == ""


def test_quiet_download_prints_nothing(server, monkeypatch, capsys):
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/file.bin")
    assert hub.fetch(NAME, quiet=True).read_bytes() == CONTENT
    assert capsys.readouterr().err == ""


def test_checksum_mismatch_leaves_nothing(server, monkeypatch, isolated_cache):
    (server.root / "file.bin").write_bytes(CONTENT[:-1] + b"X")
    register(monkeypatch, server.url + "/file.bin")
    with pytest.raises(DataError, match="checksum") as err:
        hub.fetch(NAME)
    assert server.url + "/file.bin" in str(err.value)
    assert not (isolated_cache / NAME).exists()
    assert files_under(isolated_cache) == []


def test_second_url_is_tried_after_a_404(server, monkeypatch, isolated_cache):
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/missing/file.bin", server.url + "/file.bin")
    path = hub.fetch(NAME, quiet=True)
    assert path.read_bytes() == CONTENT
    assert server.requests == ["/missing/file.bin", "/file.bin"]
    assert files_under(isolated_cache) == [path]


@pytest.mark.parametrize("data_dir_set", [False, True])
def test_offline_error_says_what_to_download_and_where(
        closed_port_url, monkeypatch, tmp_path, isolated_cache, data_dir_set):
    if data_dir_set:
        monkeypatch.setenv("D2LITE_DATA_DIR", str(tmp_path / "mine"))
    else:
        monkeypatch.delenv("D2LITE_DATA_DIR", raising=False)
    register(monkeypatch, closed_port_url)
    with pytest.raises(DataError) as err:
        hub.fetch(NAME)
    message = str(err.value)
    where = (tmp_path / "mine" if data_dir_set else isolated_cache) / NAME
    assert repr(NAME) in message and closed_port_url in message and str(where) in message
    assert files_under(isolated_cache) == []


def test_data_dir_without_the_file_falls_through_to_download(
        server, monkeypatch, tmp_path, isolated_cache):
    mine = tmp_path / "mine"
    mine.mkdir()
    monkeypatch.setenv("D2LITE_DATA_DIR", str(mine))
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/file.bin")
    path = hub.fetch(NAME, quiet=True)
    assert path == isolated_cache / NAME and path.read_bytes() == CONTENT
    assert files_under(mine) == []
    assert server.requests == ["/file.bin"]


def test_progress_is_shown_without_content_length(server, monkeypatch, capsys):
    # Regression: with no Content-Length the progress line was never printed.
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/nolength/file.bin")
    assert hub.fetch(NAME).read_bytes() == CONTENT
    err = capsys.readouterr().err
    assert re.search(rf"Downloading {NAME}: \d+\.\d MB", err)
    assert err.rstrip().endswith(f"{len(CONTENT) / 1e6:.1f} MB")   # the final size is shown


@pytest.mark.parametrize("broken", ["/garbage", "/chunked-cut"])
def test_broken_mirror_falls_back_to_the_next_url(server, monkeypatch, isolated_cache, broken):
    # Regression: an http.client.HTTPException (not an OSError) escaped fetch().
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + broken, server.url + "/file.bin")
    path = hub.fetch(NAME, quiet=True)
    assert path.read_bytes() == CONTENT
    assert server.requests == [broken, "/file.bin"]
    assert files_under(isolated_cache) == [path]


def test_broken_only_mirror_is_a_data_error(server, monkeypatch, isolated_cache):
    register(monkeypatch, server.url + "/garbage")
    with pytest.raises(DataError, match="garbage"):
        hub.fetch(NAME, quiet=True)
    assert files_under(isolated_cache) == []


# --- bad set-ups and slow or killed downloads -------------------------------------

def test_data_dir_that_is_a_file_is_a_clear_error(monkeypatch, tmp_path):
    # Regression: it was ignored, and the error then said to put data under data.txt/mnist/.
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("hello")
    monkeypatch.setenv("D2LITE_DATA_DIR", str(not_a_folder))
    for call in (lambda: hub.fetch("mnist/t10k-labels-idx1-ubyte.gz"), hub.data_dir):
        with pytest.raises(DataError, match="a file, not a folder") as err:
            call()
        assert str(not_a_folder) in str(err.value)


def test_read_only_cache_is_a_clear_error(server, monkeypatch, isolated_cache):
    # Regression: a bare PermissionError on a .part file, no URL, no advice.
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/file.bin")
    monkeypatch.delenv("D2LITE_DATA_DIR", raising=False)
    folder = isolated_cache / "toy"
    folder.mkdir(parents=True)
    folder.chmod(0o555)
    if os.geteuid() == 0:       # root writes anyway: fail as the OS would for anyone else
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(folder))
        monkeypatch.setattr(hub.tempfile, "mkstemp", refuse)
    try:
        with pytest.raises(DataError, match="not writable") as err:
            hub.fetch(NAME, quiet=True)
    finally:
        folder.chmod(0o755)
    message = str(err.value)
    assert str(folder) in message and server.url + "/file.bin" in message
    assert "XDG_CACHE_HOME" in message
    assert server.requests == []               # nowhere to save it: nothing downloaded


def test_a_trickling_server_is_abandoned_at_the_deadline(server, monkeypatch, isolated_cache):
    # Regression: one byte per second was never abandoned (only each read had a timeout).
    monkeypatch.setattr(hub, "DOWNLOAD_DEADLINE", 0.5)
    register(monkeypatch, server.url + "/trickle")
    start = time.monotonic()
    with pytest.raises(DataError, match=r"deadline of 0\.5 s") as err:
        hub.fetch(NAME, quiet=True)
    assert time.monotonic() - start < 3
    assert server.url + "/trickle" in str(err.value) and "DOWNLOAD_DEADLINE" in str(err.value)
    assert files_under(isolated_cache) == []


def test_stale_part_files_are_removed_live_ones_kept(server, monkeypatch, isolated_cache):
    # Regression: a .part file left by a killed download stayed forever.
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/file.bin")
    folder = isolated_cache / "toy"
    folder.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = subprocess.Popen(["sleep", "60"])
    try:
        parts = {name: folder / name for name in (
            f"file.bin.{dead.pid}.k1lled_x.part",      # its process is gone: stale
            f"file.bin.{alive.pid}.l1ve_dl0.part",     # another process still downloading
            f"file.bin.{alive.pid}.ancient0.part",     # pid alive (reused?) but far too old
            "file.bin.oldstyle.part",                  # no pid, recent: maybe live, kept
            "file.bin.0ldstyle.part",                  # no pid, too old
            f"other.bin.{dead.pid}.notmine0.part",     # another file's: not ours to judge
        )}
        for path in parts.values():
            path.write_bytes(b"partial")
        long_ago = time.time() - hub.STALE_PART_AGE - 60
        for name in (f"file.bin.{alive.pid}.ancient0.part", "file.bin.0ldstyle.part"):
            os.utime(parts[name], (long_ago, long_ago))
        path = hub.fetch(NAME, quiet=True)
        assert path.read_bytes() == CONTENT
        left = {p.name for p in folder.iterdir()}
        assert left == {"file.bin", f"file.bin.{alive.pid}.l1ve_dl0.part",
                        "file.bin.oldstyle.part", f"other.bin.{dead.pid}.notmine0.part"}
    finally:
        alive.kill()
        alive.wait()


def test_part_file_names_hold_the_pid(server, monkeypatch, isolated_cache):
    (server.root / "file.bin").write_bytes(CONTENT)
    register(monkeypatch, server.url + "/file.bin")
    seen = []
    real_copy = hub._copy_url

    def spy(url, out, name, quiet):
        seen.extend(p.name for p in (isolated_cache / "toy").glob("*.part"))
        return real_copy(url, out, name, quiet)

    monkeypatch.setattr(hub, "_copy_url", spy)
    hub.fetch(NAME, quiet=True)
    assert len(seen) == 1 and re.fullmatch(rf"file\.bin\.{os.getpid()}\.\w+\.part", seen[0])
