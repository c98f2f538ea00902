"""The storage layer behaves the same on a local folder and on a real S3 endpoint (moto on 127.0.0.1)."""

from __future__ import annotations

import http.client
import os
import random
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from exercise_classifier import storage


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path):
    if request.param == "local":
        return str(tmp_path / "root")
    return request.getfixturevalue("s3_bucket") + "/root"


def test_read_parquet_dir_reads_an_older_schema_beside_a_newer_one(root):
    # shards of an extraction written before a column existed sit beside newer ones (a resumed library)
    storage.write_parquet_atomic(storage.join(root, "a.parquet"), pa.table({"uri": ["old"]}))
    storage.write_parquet_atomic(storage.join(root, "b.parquet"),
                                 pa.table({"uri": ["new"], "cuts": pa.array([[3]], pa.list_(pa.int32()))}))
    t = storage.read_parquet_dir(root, columns=["uri", "cuts"], optional=("cuts",))
    assert sorted(zip(t["uri"].to_pylist(), t["cuts"].to_pylist())) == [("new", [3]), ("old", None)]
    with pytest.raises(Exception, match="cuts"):      # not declared optional: a missing column is an error
        storage.read_parquet_dir(root, columns=["uri", "cuts"])


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
    with pytest.raises(TypeError):
        storage.write_bytes_atomic(str(target), object())  # type: ignore[arg-type]
    assert not target.exists() and not list(tmp_path.iterdir()), "no temporary or partial file may remain"
    (tmp_path / ".out.bin.tmp-abc").write_bytes(b"half")
    assert storage.remove_stale_temporaries(str(tmp_path)) == 1


def test_s3_write_that_fails_before_uploading_leaves_no_object(s3_bucket):
    """An error inside pyarrow's ``with stream:`` would close the stream, and closing completes the upload."""
    import boto3

    s3, bucket = boto3.client("s3"), s3_bucket[len("s3://"):]
    with pytest.raises(TypeError):
        storage.write_bytes_atomic(f"{s3_bucket}/out.bin", object())  # type: ignore[arg-type]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket), "not even an empty object may appear"
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_unwritable_and_missing(tmp_path):
    afile = tmp_path / "afile"
    afile.write_bytes(b"x")
    out = afile / "out"  # beneath a regular file: not creatable, not even by root
    with pytest.raises(storage.StorageError) as err:
        storage.check_writable(str(out))
    msg = str(err.value)
    assert msg.startswith(f"output is not writable: {out} (") and "\n" not in msg, msg
    assert list(tmp_path.iterdir()) == [afile] and afile.read_bytes() == b"x", "nothing created, nothing changed"
    with pytest.raises(storage.StorageError, match="not writable"):
        storage.check_writable("/proc/definitely/not/here")
    with pytest.raises(storage.StorageError, match="not found"):
        storage.list_files(str(tmp_path / "missing"))


class _FaultyS3Proxy:
    """An HTTP proxy on 127.0.0.1 in front of moto that injects the faults ``self.policy(method, path)`` asks for.

    ``policy`` returns None (forward the request), ``"503"`` (answer 503 SlowDown) or ``"reset"`` (read part of the
    request body, then drop the connection with a TCP reset). Every request lands in ``log`` as (method, path, fault).
    """

    def __init__(self, upstream: str, policy):
        self.policy = policy
        self.log: list[tuple[str, str, str | None]] = []
        up = urlsplit(upstream)
        proxy, lock = self, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # answers "Expect: 100-continue" at once (HTTP/1.0 makes curl wait 1 s)

            def log_message(self, *args):  # keep test output clean
                pass

            def _body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    parts = []
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self):
                with lock:
                    fault = proxy.policy(self.command, self.path)
                    proxy.log.append((self.command, self.path, fault))
                if fault == "reset":
                    self.rfile.read(256 << 10)  # part-way into the body (only reset bodies larger than this)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                body = self._body()
                if fault == "503":
                    self._reply(503, [("Content-Type", "application/xml")],
                                b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>")
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("transfer-encoding", "expect", "connection")}
                if body:
                    headers["Content-Length"] = str(len(body))
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    self._reply(resp.status, resp.getheaders(), resp.read(), resp.getheader("Content-Length"))
                finally:
                    conn.close()

            def _reply(self, status: int, headers, data: bytes, head_length: str | None = None):
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                # a HEAD has no body; its Content-Length is the object's size
                self.send_header("Content-Length", (head_length or "0") if self.command == "HEAD" else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda *args: None  # dropped connections are the point here, not news
        self.hostport = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def faulty_s3(s3_bucket, monkeypatch):
    """``faulty_s3(policy)`` starts a ``_FaultyS3Proxy`` and points the storage layer at it.

    The storage layer caches one S3 filesystem per endpoint; clearing the cache gives the test a filesystem of its
    own (fresh retry state, current retry settings), dropped again afterwards.
    """
    proxies: list[_FaultyS3Proxy] = []

    def start(policy) -> _FaultyS3Proxy:
        proxies.append(_FaultyS3Proxy(os.environ["AWS_ENDPOINT_URL"], policy))
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{proxies[-1].hostport}")
        storage._s3_filesystem.cache_clear()
        return proxies[-1]

    yield start
    storage._s3_filesystem.cache_clear()
    for proxy in proxies:
        proxy.close()


# pyarrow uploads an S3 object in parts of 10 MiB (arrow/filesystem/s3fs.cc: kPartUploadSize = 10 * 1024 * 1024)
PART_SIZE = 10 << 20


@pytest.mark.parametrize("fault", ["503", "reset"])
def test_s3_write_failing_mid_upload_leaves_no_object_and_no_upload(s3_server, s3_bucket, faulty_s3, monkeypatch,
                                                                    fault):
    """Create and part 1 go through, every later part fails: 503 SlowDown, or a reset part-way through its body.

    pyarrow itself leaves such a failed multipart upload behind; ``write_bytes_atomic`` must abort it.
    """
    import boto3

    def later_parts_fail(method, path):
        part = parse_qs(urlsplit(path).query).get("partNumber")
        return fault if method == "PUT" and part and int(part[0]) >= 2 else None

    # A persistent fault outlasts any retry budget; this test gives up after 1 retry (2 attempts) to stay short
    # (retrying is proven by the next tests).
    monkeypatch.setattr(storage, "S3_RETRIES", 1)
    proxy = faulty_s3(later_parts_fail)
    s3 = boto3.client("s3", endpoint_url=s3_server["AWS_ENDPOINT_URL"])  # straight to moto
    bucket, uri = s3_bucket[len("s3://"):], f"{s3_bucket}/shards/big.bin"
    data = random.Random(0).randbytes(PART_SIZE + (2 << 20))  # incompressible: two parts, the second over 256 KiB

    with pytest.raises(OSError, match="UploadPart"):
        storage.write_bytes_atomic(uri, data)
    parts = [(parse_qs(urlsplit(p).query)["partNumber"][0], f) for _, p, f in proxy.log if "partNumber=" in p]
    assert ("1", None) in parts and parts.count(("2", fault)) == 2, parts  # failed mid-stream, after 2 attempts
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket), "no object, not even a partial one"
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "the failed upload was aborted"

    proxy.policy = lambda method, path: None  # the fault heals: the same write now succeeds, complete
    storage.write_bytes_atomic(uri, data)
    assert s3.get_object(Bucket=bucket, Key="shards/big.bin")["Body"].read() == data
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_configured_retry_strategy_outlasts_pyarrows_default(s3_server, s3_bucket, faulty_s3):
    """Every request fails 4 times in a row (503 SlowDown) before one gets through.

    pyarrow's default (AwsStandardS3RetryStrategy(max_attempts=3): 3 attempts in all) gives up; the storage layer's
    S3_RETRIES = 10 gets through on the 5th attempt.
    """
    import boto3

    bucket = s3_bucket[len("s3://"):]
    boto3.client("s3", endpoint_url=s3_server["AWS_ENDPOINT_URL"]).put_object(Bucket=bucket, Key="a.bin", Body=b"a")
    streak: dict[tuple[str, str], int] = {}

    def four_503_per_request(method, path):
        n = streak.get((method, path), 0)
        streak[(method, path)] = n + 1 if n < 4 else 0
        return "503" if n < 4 else None

    proxy = faulty_s3(four_503_per_request)
    default = pafs.S3FileSystem(endpoint_override=proxy.hostport, scheme="http", region="us-east-1")
    with pytest.raises(OSError, match="503"):
        default.get_file_info(f"{bucket}/a.bin")  # a single HEAD
    assert [f for m, _, f in proxy.log] == ["503"] * 3, proxy.log

    proxy.log.clear()
    streak.clear()
    assert storage.S3_RETRIES == 10
    assert storage.exists(f"{s3_bucket}/a.bin")  # the same single HEAD, through the storage layer's filesystem
    assert [f for m, _, f in proxy.log] == ["503"] * 4 + [None], proxy.log


def test_retries_do_not_run_out_in_a_long_lived_process(s3_server, s3_bucket, faulty_s3):
    """150 requests that each fail once (503) all get through on one cached filesystem.

    The AWS SDK's "standard" strategy keeps a retry quota that arrow never refills: after ~100 retries a worker
    would stop retrying for the rest of its life. The storage layer's strategy has no such quota.
    """
    import boto3

    bucket = s3_bucket[len("s3://"):]
    boto3.client("s3", endpoint_url=s3_server["AWS_ENDPOINT_URL"]).put_object(Bucket=bucket, Key="a.bin", Body=b"a")
    # every other request fails: each HEAD's first attempt gets a 503, its retry gets through (the policy sees the
    # number of requests so far, under the proxy's lock)
    proxy = faulty_s3(lambda method, path: "503" if len(proxy.log) % 2 == 0 else None)
    for _ in range(150):
        assert storage.exists(f"{s3_bucket}/a.bin")
    faults = [f for _, _, f in proxy.log]
    assert faults.count("503") == 150 and faults.count(None) == 150, (faults.count("503"), faults.count(None))
