"""extract, train and score across a real multi-node Ray cluster (several raylets on this machine) against the moto
S3 endpoint: every stage completes, and extraction and scoring write exactly what a single-node run writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import synthdata  # noqa: E402

pytestmark = pytest.mark.slow


def test_three_node_cluster_on_s3_matches_a_single_node(s3_bucket, synth_library, cli_env):
    import boto3

    bucket = s3_bucket[len("s3://"):]
    s3 = boto3.client("s3")
    for clip in sorted(synth_library.rglob("*.mp4")):
        s3.upload_file(str(clip), bucket, f"videos/{clip.parent.name}/{clip.name}")
    train_features = synthdata.write_shards(synthdata.synthetic_rows(per_class=6), f"{s3_bucket}/train-features")
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("cluster_driver.py")), s3_bucket, train_features],
        capture_output=True, text=True, env={**cli_env, "RAY_AUTH_MODE": "disabled"}, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["nodes"] == 3 and r["actor_nodes"] >= 2, (r["nodes"], r["actor_nodes"])
    run = r["train_run"]
    assert run.startswith(f"{s3_bucket}/multi/models/runs/")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="multi/models/")["Contents"]}
    assert {"multi/models/latest", f"{run[len(s3_bucket) + 1:]}/manifest.json"} <= keys
    n = len(list(synth_library.rglob("*.mp4")))
    assert len(r["multi_features"]) == len(r["single_features"]) == n
    assert r["multi_features"] == r["single_features"]        # landmarks and features bit for bit
    assert len(r["multi_pred"]) == n and all(p["predicted_label"] for p in r["multi_pred"])
    assert r["multi_pred"] == r["single_pred"]
