"""The whole chain -- rendered library -> extract -> train (Ray Train, 2 workers) -> evaluate -> score -- across a
real multi-node Ray cluster (several raylets on this machine), all on the moto S3 endpoint: every stage completes,
no upload is left unfinished, and extraction and scoring write exactly what a single-node run writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.pipelines import schema

pytestmark = pytest.mark.slow


def test_whole_chain_on_a_three_node_cluster_over_s3_matches_a_single_node(s3_bucket, tmp_path, cli_env):
    import boto3

    from exercise_classifier.synth.generate import generate_library

    lib = tmp_path / "lib"
    generate_library(lib, ["squat", "push-up", "lateral raise"], per_class=3, seed=5, resolution=(480, 270),
                     duration_s=3.0)
    bucket = s3_bucket[len("s3://"):]
    s3 = boto3.client("s3")
    clips = sorted(lib.rglob("*.mp4"))
    for clip in clips:
        s3.upload_file(str(clip), bucket, f"videos/{clip.parent.name}/{clip.name}")
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("cluster_driver.py")), s3_bucket],
        capture_output=True, text=True, env={**cli_env, "RAY_AUTH_MODE": "disabled"}, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    r = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))[7:])
    assert r["nodes"] == 3 and r["actor_nodes"] >= 2, (r["nodes"], r["actor_nodes"])
    run = r["train_run"]
    assert run.startswith(f"{s3_bucket}/multi/models/runs/")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="multi/models/")["Contents"]}
    assert {"multi/models/latest", f"{run[len(s3_bucket) + 1:]}/manifest.json"} <= keys
    n = len(clips)
    assert r["extract"]["status_counts_this_run"] == {schema.STATUS_OK: n}
    assert r["evaluate"]["videos"] >= 3 and r["evaluate"]["output"].startswith(f"{s3_bucket}/multi/models/runs/")
    assert len(r["multi_features"]) == len(r["single_features"]) == n
    assert r["multi_features"] == r["single_features"]        # landmarks and features bit for bit
    assert len(r["multi_pred"]) == n and all(p["predicted_label"] in CLASSES for p in r["multi_pred"])
    assert r["multi_pred"] == r["single_pred"]
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "every upload completed or was aborted"
