"""``exercise-classifier extract``: a video library -> pose + feature Parquet shards.

Composition (each stage testable alone):

    inputs.discover  ->  inputs.plan_shards (skip videos already in the output)  ->
    Ray Data: from_items(shard specs) . map_batches(PoseActor, one actor per CPU, writes its shard atomically)  ->
    driver: progress + job summary (``_summary.json`` next to the shards)

Safe to re-run: finished shards are read back for their ``uri`` column and those videos are not planned again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import asdict

from .. import storage
from . import schema
from .inputs import LABELS_FOLDER, InputError, discover, done_uris, plan_shards
from .pose import PoseSettings
from .rows import FeatureSettings
from .runtime import add_ray_arguments

log = logging.getLogger(__name__)

SUMMARY_NAME = "_summary.json"


def add_arguments(p) -> None:
    p.add_argument("--input", required=True, help="folder or s3://bucket/prefix with videos (searched recursively)")
    p.add_argument("--output", required=True, help="folder or s3://bucket/prefix for the Parquet shards")
    p.add_argument("--labels", default=LABELS_FOLDER,
                   help="'folder' (parent folder name, default), 'none' (unlabelled), or a manifest CSV/Parquet URI")
    p.add_argument("--group-column", default="group", help="manifest column with the source/near-duplicate group")
    p.add_argument("--sample-fps", type=float, default=15.0, help="frames per second fed to pose (default 15)")
    p.add_argument("--videos-per-shard", type=int, default=4, help="videos per Parquet shard (unit of retry)")
    p.add_argument("--min-detection-rate", type=float, default=0.30,
                   help="videos under this pose detection rate get status low_detection (default 0.30)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_ray_arguments(p)


def run_extract(
    input_uri: str,
    output_uri: str,
    *,
    labels: str = LABELS_FOLDER,
    group_column: str = "group",
    feature_settings: FeatureSettings = FeatureSettings(),
    pose_settings: PoseSettings = PoseSettings(),
    videos_per_shard: int = 4,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = True,
) -> dict:
    """Run the extraction job; returns the summary dict (also written to ``<output>/_summary.json``)."""
    from tqdm import tqdm

    from .runtime import cluster_cpus, quiet_ray_data, ray_session
    from .video_stage import PoseActor

    t0 = time.time()
    tasks = discover(input_uri, labels, group_column=group_column)      # label errors surface here, before work
    storage.check_writable(output_uri)
    storage.remove_stale_temporaries(output_uri)
    done = done_uris(output_uri)
    specs = plan_shards(tasks, done, videos_per_shard)
    n_todo = sum(len(s.videos) for s in specs)
    log.info("%d videos found, %d already extracted, %d to do in %d shards", len(tasks),
             len(tasks) - n_todo, n_todo, len(specs))

    statuses: Counter = Counter()
    failures: list[dict] = []
    frames = 0
    pose_s = 0.0
    if specs:
        with ray_session(address, num_cpus) as ray:
            quiet_ray_data()
            n_actors = max(1, min(cluster_cpus(ray), len(specs)))
            ds = ray.data.from_items([s.to_item() for s in specs], override_num_blocks=len(specs))
            ds = ds.map_batches(
                PoseActor,
                fn_constructor_kwargs=dict(pose_settings=asdict(pose_settings),
                                           feature_settings=asdict(feature_settings), output_uri=output_uri),
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=n_actors),
                num_cpus=1,
                # Ray Data's actor pools default to max_restarts=-1 / max_task_retries=-1: an actor lost with its
                # node is restarted elsewhere and its shard retried (tests/pipelines/test_fault_tolerance.py).
            )
            bar = tqdm(total=n_todo, unit="video", desc="extract", disable=not progress)
            for rec in ds.iter_rows():
                statuses[rec["status"]] += 1
                frames += int(rec["sampled_frames"])
                pose_s += float(rec["processing_s"])
                if rec["status"] not in schema.USABLE_STATUSES or rec["error"]:
                    failures.append({"uri": rec["uri"], "status": rec["status"], "error": rec["error"]})
                bar.update(1)
                bar.set_postfix(ok=statuses[schema.STATUS_OK], other=sum(statuses.values()) - statuses["ok"])
            bar.close()

    totals = storage.read_parquet_dir(output_uri, columns=["status"])
    summary = {
        "input": input_uri,
        "output": output_uri,
        "videos_found": len(tasks),
        "videos_skipped_already_done": len(tasks) - n_todo,
        "videos_processed": n_todo,
        "shards_written": len(specs),
        "status_counts_this_run": dict(statuses),
        "status_counts_total": dict(Counter(totals.column("status").to_pylist())) if totals is not None else {},
        "sampled_frames": frames,
        "wall_s": round(time.time() - t0, 2),
        "video_processing_s": round(pose_s, 2),
        "frames_per_s": round(frames / max(time.time() - t0, 1e-9), 2),
        "problems": failures,
        "feature_settings": asdict(feature_settings),
        "pose_settings": asdict(pose_settings),
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
    print(f"  {summary['sampled_frames']} frames in {summary['wall_s']} s ({summary['frames_per_s']} frames/s)")


def run(args) -> int:
    from ..cli import CliError

    settings = FeatureSettings(sample_fps=args.sample_fps, min_detection_rate=args.min_detection_rate)
    try:
        summary = run_extract(
            args.input, args.output, labels=args.labels, group_column=args.group_column,
            feature_settings=settings, videos_per_shard=args.videos_per_shard, address=args.address,
            num_cpus=args.num_cpus, progress=not args.no_progress,
        )
    except (InputError, storage.StorageError) as exc:
        raise CliError(str(exc)) from None
    print_summary(summary)
    return 0
