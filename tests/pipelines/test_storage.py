"""The storage layer behaves the same on a local folder and on a real S3 endpoint (moto on 127.0.0.1)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from exercise_classifier.pipelines import storage


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
