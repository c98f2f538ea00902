"""``exercise-classifier bench``: extraction throughput against the pose-only limit.

The limit is what pose alone could do on this machine: ``cpus / pose_ms_per_frame``, where the pose cost is measured
here, in one process, on frames decoded beforehand (so it excludes decoding and Ray). The pipeline is then run for
real over the same clips (decode + pose + features + Parquet, through Ray Data) and its frames/s compared with the
limit. Machine-wide busy CPU (``/proc/stat``) is recorded beside it, because a shared machine skews every number.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from .. import storage
from ..errors import require
from .runtime import add_ray_arguments, positive_int


def add_arguments(p) -> None:
    p.add_argument("--input", required=True, help="folder or s3:// prefix of clips (frozen list, sorted)")
    p.add_argument("--max-clips", type=positive_int, default=22, help="use at most this many clips (default 22)")
    p.add_argument("--pose-frames", type=positive_int, default=300, help="frames for the pose-only measurement")
    p.add_argument("--output", default=None, help="write the JSON result here (local path or s3:// URI)")
    add_ray_arguments(p)


def _cpu_times() -> tuple[float, float]:
    with open("/proc/stat") as f:
        vals = [float(x) for x in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0.0)
    return sum(vals) - idle, sum(vals)


def pose_only_ms_per_frame(uris: list[str], n_frames: int, contract=None) -> float:
    """Median ms/frame of MediaPipe Pose (video mode, the contract's settings) on pre-decoded frames."""
    import numpy as np

    from ..contract import Preprocessing
    from .pose import PoseTracker
    from .video_stage import sampled_frames

    contract = contract or Preprocessing()
    clips = []
    total = 0
    for uri in uris:
        with storage.local_file(uri) as path, sampled_frames(path, contract) as (_, _, stream):
            frames = [f for _, f in stream]
        clips.append(frames[: max(1, n_frames - total)])
        total += len(clips[-1])
        if total >= n_frames:
            break
    times = []
    for frames in clips:
        with PoseTracker(contract.pose) as tracker:
            tracker.process(frames[0])  # graph warm-up, not counted
            for f in frames[1:]:
                t = time.perf_counter()
                tracker.process(f)
                times.append(time.perf_counter() - t)
    return float(np.median(times) * 1000.0)


def run_bench(input_uri: str, *, max_clips: int = 22, pose_frames: int = 300, address: str | None = None,
              num_cpus: int | None = None, output_uri: str | None = None) -> dict:
    from .extract import run_extract
    from .inputs import LABELS_NONE, discover
    from .runtime import cluster_cpus, ray_session

    require(max_clips >= 1, f"--max-clips must be >= 1, got {max_clips}")
    require(pose_frames >= 1, f"--pose-frames must be >= 1, got {pose_frames}")
    tasks = discover(input_uri, LABELS_NONE)[:max_clips]
    if output_uri:
        storage.check_writable(storage.parent(output_uri))
    uris = [t.uri for t in tasks]
    pose_ms = pose_only_ms_per_frame(uris, pose_frames)
    with tempfile.TemporaryDirectory() as tmp:
        clip_dir = os.path.join(tmp, "clips")
        os.makedirs(clip_dir)
        for i, uri in enumerate(uris):  # freeze the clip list: exactly these clips are extracted
            dst = os.path.join(clip_dir, f"{i:04d}{os.path.splitext(uri)[1]}")
            if storage.is_s3(uri):
                storage.write_bytes_atomic(dst, storage.read_bytes(uri))
            else:
                os.symlink(os.path.abspath(uri), dst)
        t_init = time.time()
        with ray_session(address, num_cpus) as ray:
            cpus = cluster_cpus(ray)
            init_s = time.time() - t_init
            busy0, all0 = _cpu_times()
            self0 = os.times()
            summary = run_extract(clip_dir, os.path.join(tmp, "out"), labels=LABELS_NONE, progress=False,
                                  videos_per_shard=1)
            busy1, all1 = _cpu_times()
            self1 = os.times()
    frames = summary["sampled_frames"]
    wall = summary["wall_s"]
    limit = cpus / (pose_ms / 1000.0)
    fps = frames / wall
    return {
        "clips": len(uris),
        "cpus": cpus,
        "pose_only_ms_per_frame": round(pose_ms, 2),
        "pose_only_limit_frames_per_s": round(limit, 1),
        "pipeline_frames": frames,
        "pipeline_wall_s": wall,
        "ray_init_s": round(init_s, 2),
        "pipeline_frames_per_s": round(fps, 1),
        "pipeline_frames_per_s_incl_init": round(frames / (wall + init_s), 1),
        "ratio_to_limit": round(fps / limit, 3),
        "machine_busy_cores_during_run": round((busy1 - busy0) / max(all1 - all0, 1e-9) * (os.cpu_count() or 1), 2),
        "driver_cpu_s": round((self1.user + self1.system) - (self0.user + self0.system), 2),
        "status_counts": summary["status_counts_this_run"],
    }


def run(args) -> int:
    result = run_bench(args.input, max_clips=args.max_clips, pose_frames=args.pose_frames, address=args.address,
                       num_cpus=args.num_cpus, output_uri=args.output)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        storage.write_bytes_atomic(args.output, (text + "\n").encode())
    return 0
