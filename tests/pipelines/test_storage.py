"""The storage layer behaves the same on a local folder and on a real S3 endpoint (moto on 127.0.0.1)."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest

from exercise_classifier import storage


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path):
    if request.param == "local":
        return str(tmp_path / "root")
    return request.getfixturevalue("s3_bucket") + "/root"


def test_write_read_list_roundtrip(root):
    storage.write_bytes_atomic(storage.join(root, "a", "x.mp4"), b"123")
    storage.write_json_atomic(storage.join(root, "meta.json"), {"k": 1})
    storage.write_parquet_atomic(storage.join(root, "t", "p.parquet"), pa.table({"uri": ["u1", "u2"]}))
    storage.write_bytes_atomic(storage.join(root, "_hidden.parquet"), b"nope")
    assert storage.read_bytes(storage.join(root, "a", "x.mp4")) == b"123"
    assert storage.read_json(storage.join(root, "meta.json")) == {"k": 1}
    assert [e.uri for e in storage.list_files(root, (".MP4",))] == [storage.join(root, "a", "x.mp4")]
    assert storage.read_parquet_dir(root).column("uri").to_pylist() == ["u1", "u2"]
    assert storage.exists(storage.join(root, "meta.json")) and not storage.exists(storage.join(root, "nope"))
    with storage.local_file(storage.join(root, "a", "x.mp4")) as path:
        assert open(path, "rb").read() == b"123"


def test_copy_tree(root):
    storage.write_bytes_atomic(storage.join(root, "src", "m", "w.bin"), b"w")
    storage.write_bytes_atomic(storage.join(root, "src", "c.json"), b"{}")
    storage.copy_tree(storage.join(root, "src"), storage.join(root, "dst"))
    assert storage.read_bytes(storage.join(root, "dst", "m", "w.bin")) == b"w"


def test_local_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.bin"

    class Boom(Exception):
        pass

    class Exploding(bytes):
        pass

    with pytest.raises(TypeError):
        storage.write_bytes_atomic(str(target), object())  # type: ignore[arg-type]
    assert not target.exists() and not list(tmp_path.iterdir()), "no temporary or partial file may remain"
    (tmp_path / ".out.bin.tmp-abc").write_bytes(b"half")
    assert storage.remove_stale_temporaries(str(tmp_path)) == 1


def test_unwritable_and_missing(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    import os

    if os.geteuid() != 0:  # root can write anywhere
        with pytest.raises(storage.StorageError, match="not writable"):
            storage.check_writable(str(ro / "x"))
    with pytest.raises(storage.StorageError, match="not writable"):
        storage.check_writable("/proc/definitely/not/here")
    with pytest.raises(storage.StorageError, match="not found"):
        storage.list_files(str(tmp_path / "missing"))


class _FlakyS3Proxy:
    """An HTTP proxy on 127.0.0.1 in front of moto that answers a share of requests with 503 SlowDown.

    Failures are pseudo-random (fixed seed) and never more than ``max_in_a_row`` times in a row for the same
    request, like real throttling: transient, not a permanent outage.
    """

    def __init__(self, upstream: str, rate: float = 0.3, max_in_a_row: int = 2, seed: int = 0):
        import random

        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlparse

        up = urlparse(upstream)
        state = {"n": 0, "failed": 0}
        rng = random.Random(seed)
        streak: dict[tuple[str, str], int] = {}
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _handle(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # trailers
                            break
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                    body = b"".join(parts)
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
                if body:
                    headers["Content-Length"] = str(len(body))
                with lock:
                    state["n"] += 1
                    key = (self.command, self.path)
                    fail = streak.get(key, 0) < max_in_a_row and rng.random() < rate
                    streak[key] = streak.get(key, 0) + 1 if fail else 0
                    state["failed"] += fail
                if fail:
                    msg = b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(msg)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(msg)
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                keep_length = self.command == "HEAD"  # a HEAD's Content-Length is the object's size
                for k, v in resp.getheaders():
                    if k.lower() in ("transfer-encoding", "connection") or (k.lower() == "content-length"
                                                                              and not keep_length):
                        continue
                    self.send_header(k, v)
                if not keep_length:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.state = state
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_transient_s3_errors_are_retried(s3_bucket, monkeypatch):
    proxy = _FlakyS3Proxy(os.environ["AWS_ENDPOINT_URL"])
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)  # the storage layer now talks to moto through the proxy
        root = s3_bucket + "/flaky"
        for i in range(3):
            storage.write_bytes_atomic(storage.join(root, f"f{i}.bin"), b"x" * (i + 1))
        storage.write_parquet_atomic(storage.join(root, "t.parquet"), pa.table({"uri": ["a", "b"]}))
        assert [e.size for e in storage.list_files(root, (".bin",))] == [1, 2, 3]
        assert storage.read_bytes(storage.join(root, "f2.bin")) == b"xxx"
        assert storage.read_parquet_dir(root).column("uri").to_pylist() == ["a", "b"]
        assert proxy.state["failed"] >= 3, proxy.state  # errors really were injected, and every call still succeeded
    finally:
        proxy.close()
