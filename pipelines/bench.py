"""``exercise-classifier bench``: throughput and memory of extraction and scoring against measured limits.

A benchmark, not a test: it reports, in one run on one fixed library, what a performance engineer needs to trust a
throughput figure (issue 14):

* **limits** measured here, in the same run: N pose-only processes side by side on frames decoded beforehand (pose
  is ~1 core per process, so the limit is N of them together, not one times N), and N decode+pose processes;
  decode cost per sampled frame beside them;
* a **naive baseline**: one process doing what the paper's code does (read every frame, pose on the sampled ones,
  features, one ``predict`` per window), free to use the threads MediaPipe and FFmpeg start (its busy cores are
  reported);
* the **pipeline**: ``extract`` with 1 CPU and with N CPUs, each held to that many cores with every process it starts
  (:func:`on_cores`; Ray start-up apart from steady state, time to the first finished shard), ``score`` from the
  features it wrote (windows/s) and on raw video;
* **memory**: peak RSS, PSS and USS of every pose worker (``/proc``; RSS counts shared pages such as the object
  store's, USS does not) and of the driver;
* **CPU by process** in each extract run: the core-seconds the pose workers, the driver and Ray's own processes
  used, and what was left unused (:class:`ProcessWatch`): where a run falls short of the limit, this says why;
* **cost against work**: ``extract`` on the library repeated 1x, 2x, 4x (a straight line through wall time against
  sampled frames: its slope is the steady-state cost, its intercept the fixed start-up), and ``score`` from the
  features on the library's shards and on ``--score-copies`` renamed copies of them (thousands of videos without
  any pose time), whose difference is the steady-state scoring rate without TensorFlow's start-up, with the
  per-video analysis (the default job) and labels only (``score --no-analysis``);
* **flatness**: driver memory listing 1,000 vs 10,000 videos (empty files, which fail at once: the listing, planning
  and bookkeeping are what is measured), and one pose worker's memory on a 200 s 1080p clip against the library's
  short clips.

The library: ``--input`` if given, else the real-dev clips beside the checkout (one per class, up to
``--max-clips``), else a synthetic one made here. Machine-wide busy CPU is recorded, because a shared machine skews
every number.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing as mp
import os
import tempfile
import threading
import time
from pathlib import Path

from .. import storage
from ..errors import require
from .runtime import positive_int

log = logging.getLogger(__name__)
REAL_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real-dev"
# Copies of the library's feature shards for the score-from-features rate: 22 clips x 100 = 2,200 videos. With 16
# copies (352 videos) the larger run was only ~4 s longer than the 1x run, and its steady rate read 2,228 windows/s
# where 2,400 videos of the same kind read 4,150-4,700 (2026-12-06).
SCORE_COPIES = 100


def add_arguments(p) -> None:
    p.add_argument("--input", default=None,
                   help="folder or s3:// prefix of clips (default: ../shared/data/real-dev, else a synthetic library)")
    p.add_argument("--max-clips", type=positive_int, default=22, help="use at most this many clips (default 22)")
    p.add_argument("--cpus", type=positive_int, default=None, help="N for the N-CPU runs (default: all CPUs)")
    p.add_argument("--limit-frames", type=positive_int, default=600,
                   help="sampled frames per process for the limit measurements (default 600)")
    p.add_argument("--naive-clips", type=positive_int, default=None,
                   help="clips for the naive baseline (default: the whole library, so the ratio compares the same "
                        "work; on 4 clips it moved by a third between two runs)")
    p.add_argument("--scales", default="1,2,4",
                   help="library sizes for cost against work, as multiples of the library (default 1,2,4; '1': skip)")
    p.add_argument("--listing", type=int, default=10000,
                   help="driver memory: also extract this many listed (empty, so instantly failing) files, against a "
                        "tenth of them (default 10000; 0: skip)")
    p.add_argument("--long-clip-s", type=float, default=200.0,
                   help="pose-worker memory on one long 1080p clip of this many seconds (default 200; 0: skip)")
    p.add_argument("--score-copies", type=positive_int, default=SCORE_COPIES,
                   help="score from features on the extracted library and on this many renamed copies of its shards "
                        f"(default {SCORE_COPIES}): scoring is milliseconds per video, a small library shows only "
                        "start-up")
    p.add_argument("--plot", default=None, help="write an SVG/PNG of throughput against CPUs and library size here")
    p.add_argument("--output", default=None, help="write the JSON result here (local path or s3:// URI)")
    # no --address: the 1-CPU and N-CPU runs each start a private local Ray of that size, which is the point


# ---------------------------------------------------------------------------------------------- measurement tools
def _cpu_times() -> tuple[float, float]:
    with open("/proc/stat") as f:
        vals = [float(x) for x in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0.0)
    return sum(vals) - idle, sum(vals)


@contextlib.contextmanager
def on_cores(n: int):
    """Run the block, and every process it starts (Ray's raylet and workers inherit it), on ``n`` of this
    process's CPUs; yields the cores used. Why: a Ray of ``num_cpus=1`` schedules one pose worker but lets the driver,
    Ray's own processes and decode threads use the other cores (measured: 1.26 busy cores on 2), so its rate is not
    one CPU's and the speedup to N CPUs reads low. No-op where the OS has no CPU affinity or ``n`` covers them all."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    allowed = sorted(os.sched_getaffinity(0))
    if n >= len(allowed):
        yield allowed
        return
    os.sched_setaffinity(0, allowed[:n])
    try:
        yield allowed[:n]
    finally:
        os.sched_setaffinity(0, allowed)


def _proc_memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private pages) of a process in MB, from /proc/<pid>/smaps_rollup."""
    out = {"rss": 0.0, "pss": 0.0, "uss": 0.0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                kb = float(rest.split()[0]) if rest.split() and rest.split()[0].isdigit() else 0.0
                if key == "Rss":
                    out["rss"] = kb / 1024
                elif key == "Pss":
                    out["pss"] = kb / 1024
                elif key in ("Private_Clean", "Private_Dirty"):
                    out["uss"] += kb / 1024
    except OSError:
        pass
    return out


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc/<pid>/stat; 0.0 for a process that is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            after_name = f.read().rsplit(b")", 1)[1].split()   # the name may hold spaces and parentheses
        return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


class ProcessWatch:
    """Every 0.25 s: the memory of the processes whose command line names ``marker`` (the pose workers) and of this
    driver, and the CPU time of every process, by kind: the marked workers, the driver, and Ray's own processes
    (any other process started during the watch whose command line names Ray: raylet, GCS, Ray Data's internal
    actors, agents). Why the CPU: on a small node the last points of throughput are lost to whatever is not pose,
    and this says how much each kind took (a process's CPU after its last sample, under 0.25 s, is not counted)."""

    KINDS = ("pose_workers", "driver", "ray_own")

    def __init__(self, marker: str):
        self.marker = marker.encode()
        self.peak: dict[int, dict[str, float]] = {}
        self.driver_peak = {"rss": 0.0, "pss": 0.0, "uss": 0.0}
        self._before = {int(p) for p in os.listdir("/proc") if p.isdigit()}
        self._cpu0 = {os.getpid(): _proc_cpu_s(os.getpid())}
        self._cpu: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = self._t1 = 0.0

    def _kind(self, pid: int, cmdline: bytes) -> str | None:
        if pid == os.getpid():
            return "driver"
        if self.marker in cmdline:
            return "pose_workers"
        if pid not in self._before and b"ray" in cmdline.lower():
            return "ray_own"
        return None

    def _sample(self) -> None:
        for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            kind = self._kind(pid, cmdline)
            if kind is None:
                continue
            cpu = _proc_cpu_s(pid)
            if cpu:
                self._cpu[pid] = (kind, cpu - self._cpu0.get(pid, 0.0))
            if kind == "pose_workers":
                m = _proc_memory_mb(pid)
                peak = self.peak.setdefault(pid, dict(m))
                for k, v in m.items():
                    peak[k] = max(peak[k], v)
        for k, v in _proc_memory_mb(os.getpid()).items():
            self.driver_peak[k] = max(self.driver_peak[k], v)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def __enter__(self) -> "ProcessWatch":
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self._t1 = time.perf_counter()

    def cpu_summary(self, cores: int) -> dict:
        """CPU seconds by kind, and each kind's share of the ``cores`` x wall core-seconds of the watch; the rest
        of that is idle or other processes (start-up waits, a tail where one worker finishes alone)."""
        cpu = {k: 0.0 for k in self.KINDS}
        for kind, seconds in self._cpu.values():
            cpu[kind] += seconds
        core_s = max((self._t1 - self._t0) * cores, 1e-9)
        return {"cpu_s": {k: round(v, 2) for k, v in cpu.items()}, "core_s": round(core_s, 2),
                "share_of_core_s": {k: round(v / core_s, 3) for k, v in cpu.items()},
                "unused_share": round(max(0.0, 1.0 - sum(cpu.values()) / core_s), 3)}

    def summary(self) -> dict:
        workers = list(self.peak.values())
        top = {k: round(max((w[k] for w in workers), default=0.0), 1) for k in ("rss", "pss", "uss")}
        return {"workers_seen": len(workers), "peak_mb_per_worker": top,
                "driver_peak_mb": {k: round(v, 1) for k, v in self.driver_peak.items()}}


# ------------------------------------------------------------------------------------------------- the limits
def _decode(path: str, contract) -> list:
    from .video_stage import sampled_frames

    with sampled_frames(path, contract) as (_, _, stream):
        return [f for _, f in stream]


def _limit_worker(args) -> tuple[int, float, float, int, float]:
    """One of the N side-by-side processes: pose (and Hands on its few frames per video, as the pipeline runs them)
    on pre-decoded frames (``frames_file``) or decode+pose (``paths``). Returns (frames, wall seconds, CPU seconds,
    Hands runs, seconds in Hands) after a barrier, so all N run at the same time."""
    mode, payload, contract_json, barrier = args
    import numpy as np

    from ..contract import Preprocessing
    from .pose import HandTracker, PoseTracker, VideoTracker

    contract = Preprocessing.from_json(contract_json)
    with PoseTracker(contract.pose) as warm:          # graph load and first inference are start-up, not throughput
        warm.process(np.zeros((256, 256, 3), np.uint8))
    if contract.hands.frames_per_video > 0:
        with HandTracker(contract.hands) as warm:
            warm.process(np.zeros((256, 256, 3), np.uint8))
    barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    n = hand_runs = 0
    hand_s = 0.0
    clips = (np.load(p) for p in payload) if mode == "pose" else (_decode(p, contract) for p in payload)
    for clip in clips:
        with VideoTracker(contract, len(clip)) as tracker:
            for f in clip:
                tracker.process(f)
                n += 1
            tracker.run_hands()
        hand_runs += tracker.hand_runs
        hand_s += tracker.hand_s
    return n, time.perf_counter() - t0, time.process_time() - c0, hand_runs, hand_s


def measure_limits(paths: list[str], n_procs: int, frames_per_proc: int, contract, tmp: str,
                   modes: tuple[str, ...] = ("pose", "decode+pose")) -> dict:
    """Pose-only and decode+pose limits of ``n_procs`` processes side by side, and decode cost per sampled frame.
    ``modes``: which limits (``"pose"``, ``"decode+pose"``); the bench measures the pose-only one again after the
    pipeline's run, because this machine's speed drifts by tens of percent within minutes."""
    require(modes and set(modes) <= {"pose", "decode+pose"}, f"unknown limit modes {modes}")
    import numpy as np

    from unittest import mock

    from .pose import POSE_PROCESS_ENV
    from .video_stage import sampled_frames

    out: dict = {"processes": n_procs}
    if "decode+pose" in modes:
        # decode cost as the pipeline pays it: frames streamed and dropped. (Timing the collection below instead
        # counted the page faults of holding every frame, and reported 4.0 ms per frame where streaming costs 1.4.)
        # Measured with the decode+pose limit only: the pose-only limit taken again after the pipeline's run should
        # follow the run as closely as it can.
        t0, c0 = time.perf_counter(), time.process_time()
        frames = 0
        for p in paths:
            with sampled_frames(p, contract) as (_, _, stream):
                frames += sum(1 for _ in stream)
        require(frames > 0, "none of the benchmark's clips has a decodable frame")
        out["decode_cpu_ms_per_sampled_frame"] = round((time.process_time() - c0) / frames * 1000, 2)
        out["decode_wall_ms_per_sampled_frame"] = round((time.perf_counter() - t0) / frames * 1000, 2)
    decoded = [_decode(p, contract) for p in paths]
    require(any(decoded), "none of the benchmark's clips has a decodable frame")
    # each process gets its own frames_per_proc frames: consecutive frames of the clips, in turn, one .npy per clip
    # part (clips differ in size), so pose tracks real motion as it does in the pipeline
    shares: list[list[str]] = [[] for _ in range(n_procs)]
    cursor = 0
    for k in range(n_procs):
        need = frames_per_proc
        while need > 0:
            clip = decoded[cursor % len(decoded)]
            part = clip[:need]
            cursor += 1
            if not part:
                continue
            path = os.path.join(tmp, f"frames-{k}-{len(shares[k])}.npy")
            np.save(path, np.stack(part))
            shares[k].append(path)
            need -= len(part)
    # decode+pose: each process decodes whole clips, round robin
    clip_shares = [paths[k::n_procs] or paths[:1] for k in range(n_procs)]
    ctx = mp.get_context("spawn")
    os.environ.setdefault("GLOG_minloglevel", "2")   # MediaPipe's per-graph chatter, as in the pipeline's workers
    for mode, payloads in (("pose", shares), ("decode+pose", clip_shares)):
        if mode not in modes:
            continue
        with ctx.Manager() as manager:
            barrier = manager.Barrier(n_procs)
            # the pose actors' environment, inherited by the spawned processes; restored for the Ray runs after this
            with mock.patch.dict(os.environ, POSE_PROCESS_ENV), ctx.Pool(n_procs) as pool:
                res = pool.map(_limit_worker, [(mode, pl, contract.to_json(), barrier) for pl in payloads])
        n = sum(r[0] for r in res)
        wall = max(r[1] for r in res)
        cpu = sum(r[2] for r in res)
        key = "pose_only" if mode == "pose" else "decode_pose"
        out[f"{key}_frames"] = n
        out[f"{key}_limit_frames_per_s"] = round(n / wall, 1)
        out[f"{key}_ms_per_frame_per_process"] = round(wall / (n / n_procs) * 1000, 2)
        out[f"{key}_cpu_per_wall"] = round(cpu / wall / n_procs, 2)
        if mode == "pose":  # the second model per frame, apart (issue 14): included in the limit above
            runs, hand_s = sum(r[3] for r in res), sum(r[4] for r in res)
            out["hands_runs_per_sampled_frame"] = round(runs / max(n, 1), 4)
            out["hands_ms_per_run"] = round(hand_s / max(runs, 1) * 1000, 2)
            out["hands_share_of_limit_time"] = round(hand_s / max(sum(r[1] for r in res), 1e-9), 4)
    return out


# ------------------------------------------------------------------------------------------------ the baseline
def naive_baseline(paths: list[str], contract, model_uri: str) -> dict:
    """The paper's shape: read every frame, pose on the sampled ones, features, one ``predict`` per window."""
    import cv2
    import numpy as np

    from ..model.artifacts import load_model_dir
    from ..model.windows import make_windows
    from .decode import sample_mask_step
    from .pose import PoseTracker
    from .rows import VideoMeta, landmarks_row

    model = load_model_dir(model_uri, engine="keras")     # the paper's code: Keras, one predict per window
    busy0, all0 = _cpu_times()
    t0 = time.perf_counter()
    frames = windows = 0
    try:
        for path in paths:
            cap = cv2.VideoCapture(path)
            fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
            lms, worlds, idx, k = [], [], [], 0
            with PoseTracker(contract.pose) as tracker:
                while True:
                    ok, bgr = cap.read()
                    if not ok:
                        break
                    if sample_mask_step(k, fps, contract.sample_fps):
                        image, world = tracker.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                        lms.append(image)
                        worlds.append(world)
                        idx.append(k)
                    k += 1
            cap.release()
            frames += len(lms)
            if not lms:
                continue
            h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 1)
            row = landmarks_row(VideoMeta(uri=path, video_id=path, width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 1),
                                          height=h), np.stack(lms), np.stack(worlds), np.array(idx), contract)
            if row["features"]:
                feats = np.asarray(row["features"], np.float32)
                for w in make_windows(feats, np.asarray(row["feature_segment"]), contract.windows):
                    model.predict_windows(w[None])
                    windows += 1
    finally:
        model.close()
    wall = time.perf_counter() - t0
    busy1, all1 = _cpu_times()
    # one process, yet MediaPipe's graph and FFmpeg run threads of their own: how many cores it really kept busy
    return {"clips": len(paths), "sampled_frames": frames, "windows": windows, "wall_s": round(wall, 2),
            "frames_per_s": round(frames / wall, 1),
            "machine_busy_cores": round((busy1 - busy0) / max(all1 - all0, 1e-9) * (os.cpu_count() or 1), 2)}


# ------------------------------------------------------------------------------------------------ the pipeline
def _pipeline_run(clip_dir: str, out: str, cpus: int, videos_per_shard: int = 1) -> dict:
    """``extract`` on a private Ray of ``cpus`` CPUs; start-up apart from steady state."""
    import ray

    from .extract import run_extract
    from .inputs import LABELS_NONE
    from .runtime import ray_session

    t_init = time.perf_counter()
    first_shard: list[float] = []

    def watch_first_shard(stop: threading.Event) -> None:
        while not stop.wait(0.2):
            if os.path.isdir(out) and any(n.endswith(".parquet") for n in os.listdir(out)):
                first_shard.append(time.perf_counter())
                return

    with on_cores(cpus) as cores, ProcessWatch("PoseActor") as mem, ray_session(None, cpus):
        init_s = time.perf_counter() - t_init
        stop = threading.Event()
        threading.Thread(target=watch_first_shard, args=(stop,), daemon=True).start()
        busy0, all0 = _cpu_times()
        t0 = time.perf_counter()
        summary = run_extract(clip_dir, out, labels=LABELS_NONE, progress=False, videos_per_shard=videos_per_shard)
        wall = time.perf_counter() - t0
        busy1, all1 = _cpu_times()
        stop.set()
    ray.shutdown()
    frames = summary["sampled_frames"]
    video_s = sum(d or 0.0 for d in storage.read_parquet_dir(out, columns=["duration_s"])["duration_s"].to_pylist())
    return {"cpus": cpus, "cores": cores, "videos": summary["videos_processed"], "sampled_frames": frames,
            "wall_s": round(wall, 2), "ray_init_s": round(init_s, 2),
            "first_shard_s": round(first_shard[0] - t0, 2) if first_shard else None,
            "frames_per_s": round(frames / wall, 1) if frames else None,
            "frames_per_s_incl_start_up": round(frames / (wall + init_s), 1),
            "video_s_per_wall_s": round(video_s / wall, 2),
            "videos_per_s": round(summary["videos_processed"] / wall, 1),
            "video_s_per_core_s": round(video_s / wall / cpus, 2),
            "machine_busy_cores": round((busy1 - busy0) / max(all1 - all0, 1e-9) * (os.cpu_count() or 1), 2),
            "memory": mem.summary(), "cpu_by_process": mem.cpu_summary(len(cores) if cores else cpus),
            "status_counts": summary["status_counts_this_run"]}


def _score_run(cpus: int, out: str, *, input_uri: str | None = None, features_uri: str | None = None,
               analysis: bool = True, window_columns: bool = True) -> dict:
    import ray

    from .runtime import ray_session
    from .score import run_score

    with ray_session(None, cpus):
        t0 = time.perf_counter()
        summary = run_score(out, input_uri=input_uri, features_uri=features_uri, labels="none", progress=False,
                            analysis=analysis, window_columns=window_columns)
        wall = time.perf_counter() - t0
    ray.shutdown()
    windows = sum(int(n or 0) for n in storage.read_parquet_dir(out, columns=["num_windows"])["num_windows"]
                  .to_pylist())
    return {"videos": summary["videos_scored"], "windows": windows, "wall_s": round(wall, 2),
            "windows_per_s": round(windows / wall, 1)}


def replicate_features(features_uri: str, copies: int, dst: str) -> str:
    """``dst`` holding ``copies`` of every extraction shard under ``features_uri``, each copy's videos renamed
    (``uri``, ``video_id`` prefixed ``cNN/``) so that they are distinct videos with the same pose data.

    Why: scoring from features costs milliseconds per video, so the bench's small clip library is gone in a second
    and start-up hides the rate; a library of thousands of feature rows costs no pose time to make.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from ..contract import DATASET_MANIFEST

    os.makedirs(dst)
    # the preprocessing contract the shards were made under, as it is
    storage.write_bytes_atomic(os.path.join(dst, DATASET_MANIFEST),
                               storage.read_bytes(storage.join(features_uri, DATASET_MANIFEST)))
    for e in storage.list_files(features_uri, (".parquet",), recursive=False):
        name = storage.basename(e.uri)
        table = storage.read_parquet_file(e.uri)
        for k in range(copies):
            t = table
            for col in ("uri", "video_id"):
                i = t.schema.get_field_index(col)
                t = t.set_column(i, col, pc.binary_join_element_wise(pa.scalar(f"c{k:02d}/"), t[col], ""))
            pq.write_table(t, os.path.join(dst, f"c{k:02d}-{name}"))
    return dst


def score_from_features(features_uri: str, copies: int, cpus: int, tmp: str) -> dict:
    """``score`` from features on the library's shards (1x) and on ``copies`` of them, in three jobs: with the
    per-video analysis (the default), labels only (``--no-analysis``), and labels only without the per-window
    columns (``--no-analysis --no-window-columns``: the network runs only where it can change a label). The
    difference of the two sizes is the steady rate: Ray's and the model's start-up cancel out."""
    big_uri = replicate_features(features_uri, copies, os.path.join(tmp, f"features-copies-{copies}"))
    out = {}
    jobs = {"with_analysis": {}, "labels_only": {"analysis": False},
            "labels_only_no_window_columns": {"analysis": False, "window_columns": False}}
    for key, options in jobs.items():
        log.info("bench: score from features (%s), library and %d copies", key, copies)
        small = _score_run(cpus, os.path.join(tmp, f"pred-{key}-1"), features_uri=features_uri, **options)
        big = _score_run(cpus, os.path.join(tmp, f"pred-{key}-{copies}"), features_uri=big_uri, **options)
        extra_w, extra_s = big["windows"] - small["windows"], big["wall_s"] - small["wall_s"]
        out[key] = {"library": small, "copies": copies, "large": big,
                    "steady_windows_per_s": round(extra_w / extra_s, 1) if extra_s > 0 else None,
                    "steady_videos_per_s": round((big["videos"] - small["videos"]) / extra_s, 2)
                    if extra_s > 0 else None}
    return out


# ------------------------------------------------------------------------------------- cost against work, flatness
def _link_library(paths: list[str], copies: int, clip_dir: str) -> str:
    """``clip_dir`` holding ``copies`` links to each clip under distinct names (distinct URIs: each is a video)."""
    os.makedirs(clip_dir)
    for r in range(copies):
        for i, p in enumerate(paths):
            os.symlink(os.path.abspath(p), os.path.join(clip_dir, f"{r:02d}-{i:04d}{os.path.splitext(p)[1]}"))
    return clip_dir


def linear_fit(x: list[float], y: list[float]) -> dict:
    """Least-squares line ``y = slope * x + intercept`` and its R^2 (1.0: cost grows exactly linearly with work)."""
    import numpy as np

    xa, ya = np.asarray(x, np.float64), np.asarray(y, np.float64)
    slope, intercept = np.polyfit(xa, ya, 1)
    resid = ya - (slope * xa + intercept)
    tot = float(((ya - ya.mean()) ** 2).sum())
    return {"slope": float(slope), "intercept": float(intercept),
            "r2": round(1.0 - float((resid ** 2).sum()) / tot, 4) if tot > 0 else None}


def cost_against_work(paths: list[str], scales: list[int], cpus: int, tmp: str, first: dict) -> dict:
    """``extract`` with ``cpus`` CPUs on the library at each scale (``first``: the 1x run already made)."""
    runs = {1: first}
    for k in scales:
        if k != 1:
            log.info("bench: extract, library x%d", k)
            runs[k] = _pipeline_run(_link_library(paths, k, os.path.join(tmp, f"clips-x{k}")),
                                    os.path.join(tmp, f"features-x{k}"), cpus)
    ks = sorted(runs)
    fit = linear_fit([runs[k]["sampled_frames"] for k in ks], [runs[k]["wall_s"] for k in ks])
    per_frame = {k: runs[k]["wall_s"] / max(runs[k]["sampled_frames"], 1) for k in ks}
    return {"scales": ks, "sampled_frames": [runs[k]["sampled_frames"] for k in ks],
            "wall_s": [runs[k]["wall_s"] for k in ks], "frames_per_s": [runs[k]["frames_per_s"] for k in ks],
            "peak_rss_mb_per_worker": [runs[k]["memory"]["peak_mb_per_worker"]["rss"] for k in ks],
            "peak_uss_mb_per_worker": [runs[k]["memory"]["peak_mb_per_worker"]["uss"] for k in ks],
            "driver_peak_rss_mb": [runs[k]["memory"]["driver_peak_mb"]["rss"] for k in ks],
            "fit_ms_per_frame": round(fit["slope"] * 1000, 3), "fit_start_up_s": round(fit["intercept"], 2),
            "fit_r2": fit["r2"], "steady_frames_per_s": round(1.0 / fit["slope"], 1) if fit["slope"] > 0 else None,
            "wall_per_frame_largest_over_1x": round(per_frame[ks[-1]] / per_frame[1], 3)}


def listing_memory(n_files: int, cpus: int, tmp: str) -> dict:
    """Driver memory extracting ``n_files`` listed videos against a tenth of them. The files are empty, so each
    fails at once (``unreadable``): what grows with the library is the driver's listing, plan and bookkeeping."""
    out = {}
    for n in (max(1, n_files // 10), n_files):
        lib = os.path.join(tmp, f"listing-{n}")
        os.makedirs(lib)
        for i in range(n):
            open(os.path.join(lib, f"v{i:06d}.mp4"), "wb").close()
        log.info("bench: driver memory, %d listed videos", n)
        r = _pipeline_run(lib, os.path.join(tmp, f"listing-out-{n}"), cpus, videos_per_shard=4)
        out[str(n)] = {"videos": r["videos"], "wall_s": r["wall_s"], "videos_per_s": r["videos_per_s"],
                       "driver_peak_mb": r["memory"]["driver_peak_mb"], "status_counts": r["status_counts"]}
    small, large = (out[k]["driver_peak_mb"]["uss"] for k in out)
    out["driver_uss_growth_mb"] = round(large - small, 1)
    return out


def write_long_clip(src: str, seconds: float, dst: str, size: tuple[int, int] = (1920, 1080), fps: int = 30) -> str:
    """An H.264 clip of ``seconds`` at ``size``: the frames of ``src`` looped (back and forth, so motion stays
    continuous), scaled by FFmpeg on the way into the encoder."""
    import av
    import cv2

    cap = cv2.VideoCapture(src)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.resize(bgr, (640, 360))[:, :, ::-1].copy())
    cap.release()
    require(bool(frames), f"no frame in {src}")
    cycle = frames + frames[::-1]
    with av.open(dst, "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for k in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(cycle[k % len(cycle)], format="rgb24")
            for packet in stream.encode(frame.reformat(width=size[0], height=size[1], format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return dst


def long_clip_memory(src: str, seconds: float, tmp: str) -> dict:
    """One pose worker (1 CPU) on one long 1080p clip: its peak memory, to set against the short clips'."""
    lib = os.path.join(tmp, "long")
    os.makedirs(lib)
    log.info("bench: writing a %.0f s 1080p clip", seconds)
    write_long_clip(src, seconds, os.path.join(lib, "long.mp4"))
    log.info("bench: extract, one long 1080p clip")
    r = _pipeline_run(lib, os.path.join(tmp, "long-out"), 1)
    return {"seconds": seconds, "size": "1920x1080", "sampled_frames": r["sampled_frames"], "wall_s": r["wall_s"],
            "frames_per_s": r["frames_per_s"], "peak_mb_per_worker": r["memory"]["peak_mb_per_worker"],
            "status_counts": r["status_counts"]}


def plot(result: dict, path: str) -> None:
    """Throughput against CPUs (pipeline vs the measured limits) and wall time against library size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    ext, lim, n = result["extract"], result["limits"], result["machine"]["n"]
    cpus = sorted(int(k.split("_")[0]) for k in ext)
    a.plot(cpus, [ext[f"{c}_cpu"]["frames_per_s"] for c in cpus], "o-", label="extract (pipeline)")
    a.plot([1, n], [lim["pose_only_limit_frames_per_s"] / n, lim["pose_only_limit_frames_per_s"]], "k--",
           label="pose-only limit (N processes), before the runs")
    after = result.get("limits_after", {}).get("pose_only_limit_frames_per_s")
    if after:   # the ratios are taken against the mean of both: a machine that drifted shows as two lines
        a.plot([1, n], [after / n, after], "--", color="tab:red", label="pose-only limit, after the N-CPU run")
    a.plot([1, n], [lim["decode_pose_limit_frames_per_s"] / n, lim["decode_pose_limit_frames_per_s"]], ":",
           color="grey", label="decode+pose limit")
    a.set(xlabel="CPUs", ylabel="sampled frames / s", title="throughput against cores", xticks=cpus)
    a.legend(fontsize=8)
    cw = result.get("cost_against_work")
    if cw:
        x, y = cw["sampled_frames"], cw["wall_s"]
        b.plot(x, y, "o", label="extract, library " + " / ".join(f"{k}x" for k in cw["scales"]))
        xs = [0, max(x)]
        b.plot(xs, [cw["fit_start_up_s"] + cw["fit_ms_per_frame"] / 1000 * v for v in xs], "-",
               label=f"fit: {cw['fit_ms_per_frame']:.2f} ms/frame + {cw['fit_start_up_s']:.1f} s (R² {cw['fit_r2']})")
        b.set(xlabel="sampled frames in the library", ylabel="wall seconds", title=f"cost against work ({n} CPUs)")
        b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _library(input_uri: str | None, max_clips: int, tmp: str) -> tuple[str, list[str]]:
    """(description, local clip paths): the given input, else real-dev (one clip per class first), else synthetic."""
    from .inputs import LABELS_FOLDER, LABELS_NONE, discover

    if input_uri is None and (REAL_DEV / "manifest.csv").exists():
        tasks = discover(str(REAL_DEV), LABELS_FOLDER)
        by_class: dict[str, list] = {}
        for t in tasks:
            by_class.setdefault(t.label, []).append(t)
        ordered = [v[i] for i in range(max(len(v) for v in by_class.values())) for v in by_class.values() if i < len(v)]
        return f"real-dev ({REAL_DEV})", [t.uri for t in ordered[:max_clips]]
    if input_uri is None:
        from ..synth.generate import generate_library

        lib = os.path.join(tmp, "synthetic")
        generate_library(lib, None, per_class=1, seed=5, resolution=(640, 360), duration_s=6.0)
        input_uri = lib
        what = "synthetic (22 rendered clips, 640x360, 6 s)"
    else:
        what = input_uri
    paths = []
    for t in discover(input_uri, LABELS_NONE)[:max_clips]:
        if storage.is_s3(t.uri):
            dst = os.path.join(tmp, "s3-clips", os.path.basename(t.uri))
            storage.write_bytes_atomic(dst, storage.read_bytes(t.uri))
            paths.append(dst)
        else:
            paths.append(t.uri)
    return what, paths


def run_bench(input_uri: str | None = None, *, max_clips: int = 22, cpus: int | None = None,
              limit_frames: int = 600, naive_clips: int | None = None, output_uri: str | None = None,
              scales: tuple[int, ...] = (1, 2, 4), listing: int = 10000, long_clip_s: float = 200.0,
              plot_path: str | None = None, score_copies: int = SCORE_COPIES) -> dict:
    from ..contract import Preprocessing
    from .score import default_model_uri

    require(max_clips >= 1, f"--max-clips must be >= 1, got {max_clips}")
    require(all(k >= 1 for k in scales), f"--scales must be whole multiples >= 1, got {scales}")
    require(listing >= 0 and long_clip_s >= 0, "--listing and --long-clip-s must be >= 0")
    require(score_copies >= 1, f"--score-copies must be >= 1, got {score_copies}")
    n = cpus or os.cpu_count() or 1
    if output_uri:
        storage.check_writable(storage.parent(output_uri))
    contract = Preprocessing()
    result: dict = {"machine": {"cpus": os.cpu_count(), "n": n}}
    with tempfile.TemporaryDirectory() as tmp:
        what, paths = _library(input_uri, max_clips, tmp)
        require(paths, f"no clips in {input_uri}")
        clip_dir = os.path.join(tmp, "clips")
        os.makedirs(clip_dir)
        for i, p in enumerate(paths):  # freeze the list: exactly these clips, flat
            os.symlink(os.path.abspath(p), os.path.join(clip_dir, f"{i:04d}{os.path.splitext(p)[1]}"))
        result["library"] = {"source": what, "clips": len(paths)}
        log.info("bench: limits (%d processes)", n)
        result["limits"] = measure_limits(paths, n, limit_frames, contract, tmp)
        log.info("bench: naive baseline")
        result["naive_baseline"] = naive_baseline(paths[:naive_clips or len(paths)], contract, default_model_uri())
        runs = {}
        for c in sorted({1, n}):
            log.info("bench: extract with %d CPU(s)", c)
            runs[c] = _pipeline_run(clip_dir, os.path.join(tmp, f"features-{c}"), c)
        result["extract"] = {f"{c}_cpu": r for c, r in runs.items()}
        log.info("bench: pose-only limit again, right after the %d-CPU run", n)
        result["limits_after"] = measure_limits(paths, n, limit_frames, contract, tmp, modes=("pose",))
        log.info("bench: score")
        result["score_from_features"] = score_from_features(os.path.join(tmp, f"features-{n}"), score_copies, n, tmp)
        result["score_raw_video"] = _score_run(n, os.path.join(tmp, "pred-v"), input_uri=clip_dir)
        if max(scales) > 1:
            result["cost_against_work"] = cost_against_work(paths, sorted(set(scales)), n, tmp, runs[n])
        if listing:
            result["driver_memory_listing"] = listing_memory(listing, n, tmp)
        if long_clip_s:
            result["long_clip"] = long_clip_memory(paths[0], long_clip_s, tmp)
    lim = result["limits"]
    before, after = lim["pose_only_limit_frames_per_s"], result["limits_after"]["pose_only_limit_frames_per_s"]
    # the pipeline's run lies between the two limit measurements: its ratio is against their mean, and both ends
    # are reported with the drift, so a machine that changed speed mid-run shows as such instead of as a result
    limit = (before + after) / 2
    full = runs[n]
    naive_fps = result["naive_baseline"]["frames_per_s"]
    sff = result["score_from_features"]
    result.update({
        "frames_per_s": full["frames_per_s"],
        "ratio_to_limit": round(full["frames_per_s"] / limit, 3),
        "ratio_to_limit_before_after": [round(full["frames_per_s"] / x, 3) for x in (before, after)],
        "limit_drift": round(after / before, 3),
        "ratio_to_decode_pose_limit": round(full["frames_per_s"] / lim["decode_pose_limit_frames_per_s"], 3),
        "speedup_1_to_n": round(full["frames_per_s"] / runs[1]["frames_per_s"], 2),
        "ratio_to_baseline": round(full["frames_per_s"] / naive_fps, 2) if naive_fps else None,
        "peak_rss_mb_per_worker": full["memory"]["peak_mb_per_worker"]["rss"],
        "peak_uss_mb_per_worker": full["memory"]["peak_mb_per_worker"]["uss"],
        # where the N-CPU run's core-seconds went: pose workers, driver, Ray's own processes, unused
        "cpu_by_process": full["cpu_by_process"],
        # the default job (labels + reps, segments, range of motion); labels only: score --no-analysis
        "score_windows_per_s": sff["with_analysis"]["steady_windows_per_s"],
        "score_labels_only_windows_per_s": sff["labels_only"]["steady_windows_per_s"],
        "score_labels_only_no_window_columns_windows_per_s":
            sff["labels_only_no_window_columns"]["steady_windows_per_s"],
        "score_windows_per_s_incl_start_up": sff["with_analysis"]["large"]["windows_per_s"],
        "score_raw_frames_per_s": round(full["sampled_frames"] / result["score_raw_video"]["wall_s"], 1),
    })
    steady = result.get("cost_against_work", {}).get("steady_frames_per_s")
    if steady:
        # the same ratio without the run's fixed start-up and tail (the fit's slope): what a large library gets
        result["steady_ratio_to_limit"] = round(steady / limit, 3)
    if "long_clip" in result:
        result["peak_rss_mb_per_worker_long_1080p"] = result["long_clip"]["peak_mb_per_worker"]["rss"]
    if plot_path:
        plot(result, plot_path)
    return result


def run(args) -> int:
    try:
        scales = tuple(int(x) for x in str(args.scales).split(",") if x.strip())
    except ValueError:
        require(False, f"--scales takes whole numbers separated by commas, got {args.scales!r}")
    result = run_bench(args.input, max_clips=args.max_clips, cpus=args.cpus, limit_frames=args.limit_frames,
                       naive_clips=args.naive_clips, output_uri=args.output, scales=scales, listing=args.listing,
                       long_clip_s=args.long_clip_s, plot_path=args.plot,
                       score_copies=args.score_copies)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        storage.write_bytes_atomic(args.output, (text + "\n").encode())
    return 0
