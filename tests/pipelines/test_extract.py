"""The extract job end to end: real Ray Data, real MediaPipe, real video files, a real S3 endpoint."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from exercise_classifier.contract import Preprocessing
from exercise_classifier.features.table import FEATURE_VERSION, NUM_FEATURES
from exercise_classifier import storage
from exercise_classifier.pipelines import schema
from exercise_classifier.pipelines.extract import SUMMARY_NAME, run_extract

from .conftest import SYNTH_CLASSES, copy_library

# Exact statuses; test_broken_inputs.py pins the reasons of the same kinds of file through extract and score.
EXPECTED_BAD = {
    "zero_byte": schema.STATUS_UNREADABLE,
    "truncated": schema.STATUS_UNREADABLE,   # cut inside 'mdat', before the 'moov' index
    "text": schema.STATUS_UNREADABLE,
    "audio_only": schema.STATUS_UNREADABLE,
    "one_frame": schema.STATUS_NO_PERSON,    # one frame of coloured noise
    "no_person": schema.STATUS_NO_PERSON,
    "huge": schema.STATUS_NO_PERSON,         # 3840x2160 noise: decoded, downscaled, nobody found
}


def read_rows(uri: str) -> list[dict]:
    table = storage.read_parquet_dir(uri)
    return [] if table is None else table.to_pylist()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, synth_library, bad_files, ray_local):
    lib = copy_library(synth_library, tmp_path_factory.mktemp("lib") / "videos", bad_files)
    out = tmp_path_factory.mktemp("out") / "shards"
    summary = run_extract(str(lib), str(out), videos_per_shard=3, progress=False)
    return lib, out, summary


def test_every_video_gets_exactly_one_row_with_a_status(extracted, bad_files):
    lib, out, summary = extracted
    rows = read_rows(str(out))
    uris = [r["uri"] for r in rows]
    assert len(uris) == len(set(uris)) == len(SYNTH_CLASSES) + len(bad_files)
    by_name = {r["uri"].rsplit("/", 1)[1].rsplit(".", 1)[0]: r for r in rows}
    for name, expected in EXPECTED_BAD.items():
        row = by_name[name]
        assert row["status"] == expected, (name, row["status"], row["error"])
        assert row["error"], f"{name}: a failed video must say why"
    good = [r for r in rows if r["uri"].rsplit("/", 1)[1].rsplit(".", 1)[0] not in bad_files]
    assert {r["status"] for r in good} == {schema.STATUS_OK}, [(r["uri"], r["status"], r["error"]) for r in good]
    assert summary["videos_processed"] == len(rows)
    assert sum(summary["status_counts_this_run"].values()) == len(rows)


def test_shard_schema_is_the_documented_one(extracted):
    _, out, _ = extracted
    files = storage.list_files(str(out), (".parquet",))
    assert files
    for f in files:
        assert pq.read_schema(f.uri).remove_metadata() == schema.EXTRACT_SCHEMA.remove_metadata()
    rows = [r for r in read_rows(str(out)) if r["status"] == schema.STATUS_OK]
    for r in rows:
        feats = np.asarray(r["features"], dtype=np.float32)
        assert feats.ndim == 2 and feats.shape[1] == NUM_FEATURES and len(feats) >= 10
        assert np.isfinite(feats).all()
        assert len(r["feature_segment"]) == len(feats) == len(r["feature_frame"])
        lm = np.asarray(r["landmarks"], dtype=np.float32)
        assert lm.shape == (r["sampled_frames"], 132)
        assert r["feature_version"] == FEATURE_VERSION
        assert r["label"] in SYNTH_CLASSES
        assert r["detection_rate"] >= 0.9 and r["mean_visibility"] > 0.6
        assert len(r["video_id"]) == 32
        assert r["shot_start"] == [], r["shot_start"]     # one rendered shot: no camera cut
        # sampled frames are 1/15 s apart on average, whatever the clip's own rate
        assert r["fps"] > 15 and np.diff(r["frame_index"]).mean() / r["fps"] == pytest.approx(1 / 15, abs=0.005)
        assert json.loads(r["preprocessing"]) == json.loads(Preprocessing().features_json())


def test_summary_is_written_next_to_the_shards(extracted):
    _, out, summary = extracted
    on_disk = json.loads((out / SUMMARY_NAME).read_text())
    rows = read_rows(str(out))   # the totals must describe the shards, not just echo the returned dict
    from collections import Counter

    assert on_disk["status_counts_total"] == dict(Counter(r["status"] for r in rows))
    assert on_disk["rows_total"] == len(rows) and on_disk["sampled_frames"] == sum(r["sampled_frames"] for r in rows)
    assert on_disk["wall_s"] > 0 and on_disk["preprocessing"] == Preprocessing().to_dict()


def test_rerun_processes_only_new_videos_and_never_duplicates(extracted, tmp_path, synth_library):
    lib, out, _ = extracted
    before = read_rows(str(out))
    again = run_extract(str(lib), str(out), videos_per_shard=3, progress=False)
    assert again["videos_processed"] == 0 and again["videos_skipped_already_done"] == len(before)
    # a new video appears in the library: only it is processed
    src = next(synth_library.rglob("*.mp4"))
    new = lib / src.parent.name / "added_later.mp4"
    new.write_bytes(src.read_bytes())
    third = run_extract(str(lib), str(out), videos_per_shard=3, progress=False)
    assert third["videos_processed"] == 1
    after = read_rows(str(out))
    uris = [r["uri"] for r in after]
    assert len(uris) == len(set(uris)) == len(before) + 1
    same = {r["video_id"] for r in after if r["uri"].endswith(("added_later.mp4", src.name))}
    assert len(same) == 1, "identical bytes must get the same content-hash video id"
    new.unlink()


def test_unknown_label_is_a_clear_error_before_any_work(tmp_path, synth_library, cli_env):
    lib = copy_library(synth_library, tmp_path / "lib")
    (lib / "squat").rename(lib / "squatz")
    (lib / "push-up").rename(lib / "Bench_Pressing")
    proc = subprocess.run(
        [sys.executable, "-m", "exercise_classifier", "extract", "--input", str(lib), "--output",
         str(tmp_path / "out")], capture_output=True, text=True, env=cli_env, timeout=120)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()[-1]
    assert "unknown exercise label" in err and "'squatz'" in err and "'Bench_Pressing'" in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.parquet"))


def test_s3_input_and_output(s3_bucket, synth_library, ray_local):
    import boto3

    s3 = boto3.client("s3")
    bucket = s3_bucket[len("s3://"):]
    for path in synth_library.rglob("*.mp4"):
        s3.upload_file(str(path), bucket, f"videos/{path.parent.name}/{path.name}")
    summary = run_extract(f"{s3_bucket}/videos", f"{s3_bucket}/features", videos_per_shard=2, progress=False)
    assert summary["status_counts_this_run"] == {schema.STATUS_OK: len(SYNTH_CLASSES)}
    rows = read_rows(f"{s3_bucket}/features")
    assert sorted(r["label"] for r in rows) == sorted(SYNTH_CLASSES)
    assert all(r["uri"].startswith(f"{s3_bucket}/videos/") for r in rows)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="features/")["Contents"]]
    assert f"features/{SUMMARY_NAME}" in keys and "features/_dataset.json" in keys
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "every upload completed or was aborted"
    # credentials never end up in what we write
    blob = storage.read_bytes(f"{s3_bucket}/features/{SUMMARY_NAME}").decode()
    assert "testing-secret-do-not-log" not in blob
