"""``exercise-classifier extract``: a video library -> pose + feature Parquet shards.

Composition (each stage testable alone):

    inputs.discover  ->  resume.plan_shards (skip videos already in the output; --retry-failed redoes `error` rows)
    ->  Ray Data: from_items(shard specs) . map_batches(PoseActor: writes its shard atomically; autoscaling pool)
    ->  driver: progress, the dataset manifest (`_dataset.json`: the preprocessing contract) and `_summary.json`

Safe to re-run: finished shards are read back for their ``uri``/``status`` columns and those videos are not planned
again. An output made with other preprocessing settings is refused, so one dataset never mixes two contracts.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from .. import storage
from ..contract import Preprocessing, write_dataset_manifest
from ..errors import require
from . import schema
from .inputs import LABELS_FOLDER, discover
from .rows import DEFAULT_MIN_DETECTION_RATE
from .runtime import add_ray_arguments, fraction, positive_float, positive_int

log = logging.getLogger(__name__)

SUMMARY_NAME = "_summary.json"
VIDEOS_PER_SHARD = 4  # the unit of retry: small enough that a lost worker redoes little


def add_arguments(p) -> None:
    p.add_argument("--input", required=True, help="folder or s3://bucket/prefix with videos (searched recursively)")
    p.add_argument("--output", required=True, help="folder or s3://bucket/prefix for the Parquet shards")
    p.add_argument("--labels", default=LABELS_FOLDER,
                   help="'folder' (parent folder name, default), 'none' (unlabelled), or a manifest CSV/Parquet URI")
    p.add_argument("--group-column", default="group", help="manifest column with the source/near-duplicate group")
    p.add_argument("--sample-fps", type=positive_float, default=Preprocessing().sample_fps,
                   help="frames per second fed to pose (default %(default)s)")
    p.add_argument("--videos-per-shard", type=positive_int, default=VIDEOS_PER_SHARD,
                   help="videos per Parquet shard (unit of retry; default %(default)s)")
    p.add_argument("--min-detection-rate", type=fraction, default=DEFAULT_MIN_DETECTION_RATE,
                   help="videos under this pose detection rate get status low_detection (default %(default)s)")
    p.add_argument("--retry-failed", action="store_true",
                   help="redo videos whose row has status 'error' (transient failures); final statuses are kept")
    p.add_argument("--max-actors", type=positive_int, default=None,
                   help="upper bound of the autoscaling pose-actor pool (default: one per shard)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_ray_arguments(p)


def run_extract(
    input_uri: str,
    output_uri: str,
    *,
    contract: Preprocessing | None = None,
    labels: str = LABELS_FOLDER,
    group_column: str = "group",
    videos_per_shard: int = VIDEOS_PER_SHARD,
    min_detection_rate: float = DEFAULT_MIN_DETECTION_RATE,
    retry_failed: bool = False,
    max_actors: int | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = True,
) -> dict:
    """Run the extraction job; returns the summary dict (also written to ``<output>/_summary.json``).

    Validates every argument and the inputs, then checks the output, before any expensive work.
    """
    from tqdm import tqdm

    from .resume import plan_shards, scan_output
    from .runtime import pose_stage_options, quiet_ray_data, ray_session
    from .video_stage import PoseActor

    t0 = time.time()
    contract = contract or Preprocessing()
    require(videos_per_shard >= 1, f"--videos-per-shard must be >= 1, got {videos_per_shard}")
    require(0.0 <= min_detection_rate <= 1.0, f"--min-detection-rate must be in [0, 1], got {min_detection_rate}")
    require(max_actors is None or max_actors >= 1, f"--max-actors must be >= 1, got {max_actors}")
    tasks = discover(input_uri, labels, group_column=group_column)      # label errors surface here, before work
    storage.check_writable(output_uri)
    write_dataset_manifest(output_uri, contract)  # refuses an output holding features made another way
    storage.remove_stale_temporaries(output_uri)
    plan = plan_shards(tasks, scan_output(output_uri), videos_per_shard, retry_failed=retry_failed)
    log.info("%d videos found, %d already extracted, %d to do (%d retried) in %d shards", len(tasks),
             plan.already_done, plan.todo, plan.retrying, len(plan.shards))

    statuses: Counter = Counter()
    failures: list[dict] = []
    frames = 0
    pose_s = 0.0
    first_shard_s = None
    if plan.shards:
        with ray_session(address, num_cpus) as ray:
            quiet_ray_data()
            ds = ray.data.from_items([s.to_item() for s in plan.shards], override_num_blocks=len(plan.shards))
            ds = ds.map_batches(
                PoseActor,
                fn_constructor_kwargs=dict(contract_json=contract.to_json(), min_detection_rate=min_detection_rate,
                                           output_uri=output_uri),
                batch_size=1,
                batch_format="numpy",
                **pose_stage_options(ray, len(plan.shards), max_actors=max_actors),
                # Ray Data's actor pools default to max_restarts=-1 / max_task_retries=-1: an actor lost with its
                # node is restarted elsewhere and its shard retried (tests/pipelines/test_fault_tolerance.py).
            )
            bar = tqdm(total=plan.todo, unit="video", desc="extract", disable=not progress)
            for rec in ds.iter_rows():
                first_shard_s = first_shard_s if first_shard_s is not None else time.time() - t0
                statuses[rec["status"]] += 1
                frames += int(rec["sampled_frames"])
                pose_s += float(rec["processing_s"])
                if rec["status"] not in schema.USABLE_STATUSES or rec["error"]:
                    failures.append({"uri": rec["uri"], "status": rec["status"], "error": rec["error"]})
                bar.update(1)
                bar.set_postfix(ok=statuses[schema.STATUS_OK], other=sum(statuses.values()) - statuses["ok"])
            bar.close()

    totals = scan_output(output_uri).counts()
    wall = time.time() - t0
    summary = {
        "input": input_uri,
        "output": output_uri,
        "videos_found": len(tasks),
        "videos_skipped_already_done": plan.already_done,
        "videos_processed": plan.todo,
        "videos_retried": plan.retrying,
        "retryable_left": plan.retryable_left + statuses[schema.STATUS_ERROR],
        "shards_written": len(plan.shards),
        "status_counts_this_run": dict(statuses),
        "status_counts_total": dict(totals),
        "rows_total": sum(totals.values()),
        "sampled_frames": frames,
        "wall_s": round(wall, 2),
        "first_shard_s": None if first_shard_s is None else round(first_shard_s, 2),
        "video_processing_s": round(pose_s, 2),
        "frames_per_s": round(frames / max(wall, 1e-9), 2),
        "problems": failures,
        "preprocessing": contract.to_dict(),
        "min_detection_rate": min_detection_rate,
    }
    storage.write_json_atomic(storage.join(output_uri, SUMMARY_NAME), summary)
    return summary


def print_summary(summary: dict) -> None:
    print(f"extract: {summary['videos_processed']} videos processed, {summary['videos_skipped_already_done']} "
          f"already done, {summary['shards_written']} shards -> {summary['output']}")
    for status, n in sorted(summary["status_counts_this_run"].items()):
        print(f"  {status:14s} {n}")
    for p in summary["problems"][:20]:
        print(f"  ! {p['status']}: {p['uri']}: {p['error']}")
    if summary["retryable_left"]:
        print(f"  {summary['retryable_left']} videos failed with a retryable error: re-run with --retry-failed")
    print(f"  {summary['sampled_frames']} frames in {summary['wall_s']} s ({summary['frames_per_s']} frames/s)")


def run(args) -> int:
    summary = run_extract(
        args.input, args.output, contract=Preprocessing(sample_fps=args.sample_fps), labels=args.labels,
        group_column=args.group_column, videos_per_shard=args.videos_per_shard,
        min_detection_rate=args.min_detection_rate, retry_failed=args.retry_failed, max_actors=args.max_actors,
        address=args.address, num_cpus=args.num_cpus, progress=not args.no_progress,
    )
    print_summary(summary)
    return 0
