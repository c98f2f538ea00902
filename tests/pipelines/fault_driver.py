"""Run by test_fault_tolerance in its own process: extract or score on a 2-node local Ray cluster, remove a node
mid-job (SIGKILL of its raylet and workers), add a replacement.

    python fault_driver.py extract|score LIBRARY OUTPUT

Prints one JSON line: what the job returned and what was written.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

os.environ.setdefault("RAY_AUTH_MODE", "disabled")


ACTOR_CLASSES = {"extract": ("PoseActor",), "score": ("PoseActor", "ModelActor")}


def main(job: str, lib: str, out: str) -> None:
    import ray
    from ray.cluster_utils import Cluster

    from exercise_classifier import storage
    from exercise_classifier.pipelines.extract import run_extract
    from exercise_classifier.pipelines.score import run_score

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker = cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address)
    killed = {}

    def pose_actors_on(node_id: str) -> int:
        """Alive actors of the job's stages (pose, and model when scoring) on the node."""
        from ray._private.state import actors  # straight from the GCS (the state API needs the dashboard)

        return sum(1 for a in actors().values()
                   if a["State"] == "ALIVE" and a["Address"]["NodeID"] == node_id
                   and any(c in a.get("ActorClassName", "") for c in ACTOR_CLASSES[job]))

    def run_job():
        try:
            if job == "extract":
                result["summary"] = run_extract(lib, out, videos_per_shard=1, progress=False)
            else:
                result["summary"] = run_score(out, input_uri=lib, videos_per_shard=1, progress=False)
        except BaseException as exc:  # reported, never swallowed
            result["error"] = repr(exc)

    # The job runs in a thread; the main thread removes and replaces the node (Ray's node start-up installs signal
    # handlers, which only the main thread may do).
    result: dict = {}
    t = threading.Thread(target=run_job, daemon=True)
    t.start()
    deadline = time.time() + 240
    while time.time() < deadline and t.is_alive():  # the doomed node must hold an actor of the job, busy with a shard
        if pose_actors_on(worker.node_id) >= 1:
            time.sleep(1.0)                         # an actor starts on its first shard at once: kill it mid-shard
            break
        time.sleep(0.1)
    if t.is_alive():
        killed["nodes_before"] = len([n for n in ray.nodes() if n["Alive"]])
        killed["pose_actors_on_killed_node"] = pose_actors_on(worker.node_id)
        killed["shards_before"] = len(storage.list_files(out, (".parquet",)))
        cluster.remove_node(worker, allow_graceful=False)   # SIGKILL the node's raylet and its workers
        killed["at"] = time.time()
        time.sleep(2.0)
        cluster.add_node(num_cpus=1)                        # the autoscaler/KubeRay would bring a replacement
        killed["replacement_added"] = True
    t.join(timeout=400)
    if t.is_alive():
        result["error"] = "the job did not finish within 400 s after the node was removed"
    summary = result.get("summary")
    columns = ["uri", "status"] + (["predicted_label"] if job == "score" else [])
    rows = storage.read_parquet_dir(out, columns=columns).to_pylist()
    # prefixed: a raylet line about the killed node can reach stdout after it
    print("RESULT " + json.dumps({"summary": summary, "rows": rows, "killed": killed, "error": result.get("error")}),
          flush=True)
    ray.shutdown()
    cluster.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
