"""The one storage layer: local folders and ``s3://`` URIs behind the same few functions.

Every pipeline stage reads and writes through here, so a job moves from a laptop folder to object storage by
changing a URI, nothing else. Built on ``pyarrow.fs`` (the same filesystem objects Ray Data and Parquet use).

S3 settings come from the standard AWS environment/config chain (``AWS_ENDPOINT_URL``, ``AWS_DEFAULT_REGION``/
``AWS_REGION``, credentials via env, ``~/.aws`` or instance metadata). Credentials are never read into this module,
never logged, and never placed in error messages: pyarrow resolves them itself.

Atomicity: a finished object must never be visible half-written. On S3 an object appears only when its upload
completes, and a failed upload is aborted (see ``write_bytes_atomic``); on a local filesystem we write
``.<name>.tmp-<uuid>`` beside the target and rename it into place. Readers skip names that start with ``.`` or ``_``
(pyarrow's default ignore prefixes).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import posixpath
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from .errors import UserError

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mov", ".avi", ".mkv", ".webm")
# Transient S3 errors (5xx, throttling, resets) are retried by the AWS SDK, up to this many times per request, with
# exponential backoff (25 ms doubling: ~26 s in all). The SDK's *default* strategy, not its "standard" one: arrow
# never reports outcomes back to the standard strategy, so its retry quota (~100 retries) drains and is never
# refilled, and a long-lived worker would silently stop retrying (measured; tests/pipelines/test_storage.py).
S3_RETRIES = 10


class StorageError(UserError):
    """A URI that cannot be used (missing, not a folder, not writable). Message is safe to print."""


@dataclass(frozen=True)
class FileEntry:
    uri: str
    size: int
    mtime_ns: int | None


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def _s3_endpoint() -> tuple[str | None, str | None]:
    url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        return None, None
    parsed = urlparse(url)
    if parsed.scheme and parsed.netloc:
        return parsed.netloc, parsed.scheme
    return url, None


@functools.lru_cache(maxsize=8)
def _s3_filesystem(endpoint: str | None, scheme: str | None, region: str | None) -> pafs.S3FileSystem:
    kwargs: dict = {
        "retry_strategy": pafs.AwsDefaultS3RetryStrategy(max_attempts=S3_RETRIES),  # arrow's name; it counts retries
        "connect_timeout": 10,
        "request_timeout": 120,
    }
    if endpoint:
        kwargs["endpoint_override"] = endpoint
    if scheme:
        kwargs["scheme"] = scheme
    if region:
        kwargs["region"] = region
    return pafs.S3FileSystem(**kwargs)


def _s3_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """Return ``(filesystem, path)`` for a local path, ``file://`` URI or ``s3://bucket/key`` URI."""
    if is_s3(uri):
        return _s3_filesystem(*_s3_endpoint(), _s3_region()), uri[len("s3://"):].rstrip("/")
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(uri))


def to_uri(fs: pafs.FileSystem, path: str) -> str:
    return f"s3://{path}" if isinstance(fs, pafs.S3FileSystem) else path


def join(uri: str, *parts: str) -> str:
    if is_s3(uri):
        return "s3://" + posixpath.join(uri[len("s3://"):].rstrip("/"), *parts)
    return os.path.join(uri, *parts)


def basename(uri: str) -> str:
    return posixpath.basename(uri.rstrip("/")) if is_s3(uri) else os.path.basename(uri.rstrip(os.sep))


def parent(uri: str) -> str:
    """The folder (or S3 prefix) that holds ``uri``."""
    if is_s3(uri):
        return "s3://" + posixpath.dirname(uri[len("s3://"):].rstrip("/"))
    return os.path.dirname(os.path.abspath(uri))


def parent_name(uri: str) -> str:
    """Name of the folder that holds ``uri`` (the label in ``<label>/<clip>.mp4`` libraries)."""
    if is_s3(uri):
        return posixpath.basename(posixpath.dirname(uri[len("s3://"):]))
    return os.path.basename(os.path.dirname(os.path.abspath(uri)))


def exists(uri: str) -> bool:
    fs, path = filesystem(uri)
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def _visible(path: str) -> bool:
    return not any(part.startswith((".", "_")) for part in path.split("/")[-1:])


def list_files(uri: str, extensions: Iterable[str] | None = None, *, recursive: bool = True) -> list[FileEntry]:
    """Files under ``uri`` (sorted by URI), optionally filtered by extension (case-insensitive).

    A single file URI lists as itself. Hidden/temporary names (``.x``, ``_x``) are skipped.
    """
    fs, path = filesystem(uri)
    info = fs.get_file_info(path)
    exts = tuple(e.lower() for e in extensions) if extensions else None
    if info.type == pafs.FileType.File:
        infos = [info]
    elif info.type == pafs.FileType.Directory or (is_s3(uri) and info.type == pafs.FileType.NotFound):
        try:
            infos = fs.get_file_info(pafs.FileSelector(path, recursive=recursive, allow_not_found=True))
        except OSError as exc:
            raise StorageError(f"cannot list {uri}: {exc}") from None
    else:
        raise StorageError(f"input not found: {uri}")
    out = []
    for fi in infos:
        if fi.type != pafs.FileType.File or not _visible(fi.path):
            continue
        if exts and not fi.path.lower().endswith(exts):
            continue
        out.append(FileEntry(to_uri(fs, fi.path), int(fi.size or 0), fi.mtime_ns))
    return sorted(out, key=lambda e: e.uri)


def read_bytes(uri: str) -> bytes:
    fs, path = filesystem(uri)
    with fs.open_input_stream(path) as f:
        return f.read()


def read_json(uri: str):
    return json.loads(read_bytes(uri).decode("utf-8"))


def makedirs(uri: str) -> None:
    fs, path = filesystem(uri)
    if isinstance(fs, pafs.LocalFileSystem):
        os.makedirs(path, exist_ok=True)
    # S3 has no folders; a prefix exists once an object is written under it.


def check_writable(uri: str) -> None:
    """Fail early (before any expensive work) if ``uri`` cannot take output."""
    fs, path = filesystem(uri)
    if isinstance(fs, pafs.LocalFileSystem):
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"output is not writable: {uri} ({exc.strerror})") from None
        if not os.access(path, os.W_OK):
            raise StorageError(f"output is not writable: {uri}")
        return
    probe = posixpath.join(path, f"_write_probe_{uuid.uuid4().hex}")
    try:
        write_bytes_atomic(to_uri(fs, probe), b"")
        fs.delete_file(probe)
    except OSError as exc:
        raise StorageError(f"output is not writable: {uri} ({type(exc).__name__})") from None


def write_bytes_atomic(uri: str, data: bytes) -> None:
    """Write ``data`` so that ``uri`` is either absent (or keeps its previous content), or complete — never partial.

    On S3, pyarrow writes through a multipart upload; the object appears only when ``close()`` completes it. Two
    pyarrow behaviours (measured, pyarrow 25) need care here: leaving a ``with`` block on an exception *closes*, which
    completes the upload with whatever was written so far; and a failed part or completion is *not* aborted, so the
    parts already sent stay stored (billed, invisible to listings) until a lifecycle rule expires them. So the data is
    checked before the upload starts, the stream is closed only on success, and any failure aborts the upload.
    """
    fs, path = filesystem(uri)
    if isinstance(fs, pafs.LocalFileSystem):
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.tmp-", dir=directory)
        try:
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return
    view = memoryview(data)  # a bad argument fails here, before anything is uploaded
    out = fs.open_output_stream(path)
    try:
        out.write(view)
        out.close()  # the object becomes visible here, complete, or not at all
    except BaseException:
        _abort_s3_uploads(path)  # before the stream's destructor gets a chance to close (= complete) it
        raise


def _abort_s3_uploads(path: str) -> None:
    """Best effort, never raises: abort the unfinished multipart uploads of exactly this ``bucket/key``.

    pyarrow exposes neither an abort nor the upload id, so the key's uploads are listed and aborted with boto3, which
    resolves endpoint, region and credentials from the same environment as pyarrow. A concurrent writer of the same
    key would lose its upload and fail loudly: still never a partial object.
    """
    bucket, _, key = path.partition("/")
    endpoint, scheme = _s3_endpoint()
    try:
        import boto3  # only on this failure path
        from botocore.config import Config

        s3 = boto3.client("s3", endpoint_url=f"{scheme or 'https'}://{endpoint}" if endpoint else None,
                          region_name=_s3_region(), config=Config(retries={"mode": "standard", "max_attempts": 3},
                                                                  connect_timeout=10, read_timeout=60))
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=key):
            for upload in page.get("Uploads", []):
                if upload["Key"] == key:
                    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
    except Exception as exc:  # the write's own error is the one to report
        log.warning("could not abort the unfinished upload of s3://%s (%s)", path, type(exc).__name__)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json_atomic(uri: str, obj) -> None:
    write_bytes_atomic(uri, (json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8"))


def write_parquet_atomic(uri: str, table: pa.Table) -> None:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    write_bytes_atomic(uri, buf.getvalue())


def read_parquet_dir(uri: str, columns: list[str] | None = None, *, optional: tuple[str, ...] = ()) -> pa.Table | None:
    """All visible ``*.parquet`` files under ``uri`` as one table, or None when there are none.

    ``optional``: columns of ``columns`` that files written under an older schema may lack; they read as nulls
    there (a column no file has is left out). Any other missing column is an error, as a misspelt name should be.
    """
    files = [e.uri for e in list_files(uri, (".parquet",))] if exists(uri) or is_s3(uri) else []
    if not files:
        return None
    fs, _ = filesystem(uri)
    tables = [_read_parquet(fs, filesystem(f)[1], columns, optional) for f in files]
    return pa.concat_tables(tables, promote_options="default")


def read_parquet_file(uri: str, columns: list[str] | None = None, *, optional: tuple[str, ...] = ()) -> pa.Table:
    """One Parquet file; ``optional`` as in :func:`read_parquet_dir`."""
    fs, path = filesystem(uri)
    return _read_parquet(fs, path, columns, optional)


def _read_parquet(fs, path: str, columns: list[str] | None, optional: tuple[str, ...]) -> pa.Table:
    if columns is None or not optional:
        return pq.read_table(path, columns=columns, filesystem=fs)
    with fs.open_input_file(path) as f:
        pf = pq.ParquetFile(f)
        present = set(pf.schema_arrow.names)
        return pf.read(columns=[c for c in columns if c in present or c not in optional])


def remove_stale_temporaries(uri: str) -> int:
    """Delete ``.name.tmp-*`` leftovers of a crashed local writer. S3 never has them. Returns the count."""
    fs, path = filesystem(uri)
    if not isinstance(fs, pafs.LocalFileSystem) or not os.path.isdir(path):
        return 0
    n = 0
    for name in os.listdir(path):
        if name.startswith(".") and ".tmp-" in name:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(path, name))
                n += 1
    return n


@contextlib.contextmanager
def local_file(uri: str, *, chunk_size: int = 8 << 20) -> Iterator[str]:
    """A local path for ``uri``: the file itself when local, else a streamed temporary copy (deleted after).

    Video decoders need a seekable local file; objects are streamed to disk in chunks, never held in memory.
    """
    fs, path = filesystem(uri)
    if isinstance(fs, pafs.LocalFileSystem):
        yield path
        return
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix="exc-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out, fs.open_input_stream(path) as src:
            shutil.copyfileobj(src, out, chunk_size)
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def copy_tree(src_uri: str, dst_uri: str) -> None:
    """Copy a small folder of artifacts (a model directory) between any two URIs."""
    for entry in list_files(src_uri):
        rel = entry.uri[len(src_uri.rstrip("/")) + 1:]
        write_bytes_atomic(join(dst_uri, *rel.split("/")), read_bytes(entry.uri))
