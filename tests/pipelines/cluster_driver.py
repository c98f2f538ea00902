"""Run by test_multinode in its own process: the whole chain -- extract, train (on what extract wrote), evaluate,
score -- on a 3-node local Ray cluster (three raylets, 1 CPU each, so every stage spreads over nodes) against the S3
endpoint in the environment; then extract the same inputs on a single node and score those features, for comparison.

    python cluster_driver.py S3_PREFIX

Prints one JSON line with what each run wrote.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("RAY_AUTH_MODE", "disabled")


def _rows(uri: str, columns: list[str]) -> list[dict]:
    from exercise_classifier import storage

    return sorted(storage.read_parquet_dir(uri, columns=columns).to_pylist(), key=lambda r: r["uri"])


def _nodes_used() -> int:
    from ray._private.state import actors

    return len({a["Address"]["NodeID"] for a in actors().values() if a.get("ActorClassName")})


def main(prefix: str) -> None:
    import ray
    from ray.cluster_utils import Cluster

    from exercise_classifier.model.config import Config
    from exercise_classifier.pipelines.evaluate import run_evaluate
    from exercise_classifier.pipelines.extract import run_extract
    from exercise_classifier.pipelines.score import run_score
    from exercise_classifier.pipelines.train import run_train
    from exercise_classifier.pipelines.runtime import QUIET_ENV

    videos = f"{prefix}/videos"
    env = {"env_vars": {**QUIET_ENV, **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}}
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, runtime_env=env)
    out: dict = {"nodes": len([n for n in ray.nodes() if n["Alive"]])}
    out["extract"] = run_extract(videos, f"{prefix}/multi/features", videos_per_shard=1, progress=False)
    # the chain, not learning: one epoch
    cfg = Config().replace("train", epochs=1, early_stopping_patience=50).replace(
        "stats", synthetic_per_class=3, negatives_per_motion=3)
    trained = run_train(f"{prefix}/multi/features", f"{prefix}/multi/models", cfg=cfg, num_workers=2, synthetic=3)
    out["train_run"] = trained["run"]
    out["evaluate"] = run_evaluate(f"{prefix}/multi/models", f"{prefix}/multi/features", split="test")
    run_score(f"{prefix}/multi/pred", input_uri=videos, model_uri=f"{prefix}/multi/models", videos_per_shard=1,
              progress=False)
    out["actor_nodes"] = _nodes_used()
    ray.shutdown()
    cluster.shutdown()

    ray.init(num_cpus=2, include_dashboard=False, runtime_env=env)     # the single-node reference
    run_extract(videos, f"{prefix}/single/features", progress=False)
    # from the single-node features (their equality with the 3-node ones is asserted): the model stage on one node
    run_score(f"{prefix}/single/pred", features_uri=f"{prefix}/single/features", model_uri=f"{prefix}/multi/models",
              progress=False)
    ray.shutdown()

    feature_cols = ["uri", "video_id", "status", "frame_index", "landmarks", "features", "feature_segment"]
    pred_cols = ["uri", "status", "predicted_label", "confidence", "top3_labels", "top3_scores", "window_labels",
                 "rep_count", "segments", "not_an_exercise_score"]
    for where in ("multi", "single"):
        out[f"{where}_features"] = _rows(f"{prefix}/{where}/features", feature_cols)
        out[f"{where}_pred"] = _rows(f"{prefix}/{where}/pred", pred_cols)
    print("RESULT " + json.dumps(out), flush=True)  # Ray's own lines can follow on stdout


if __name__ == "__main__":
    main(sys.argv[1])
