"""Video -> one extraction row: hash, decode, pose, features, status. The one place that decodes and tracks.

``extract``, ``score``, ``bench`` and the synthetic-clip validator all go through :func:`sampled_frames` /
:func:`track_video`, with the sampling rate, frame size and MediaPipe settings taken from one
:class:`~exercise_classifier.contract.Preprocessing`, so no caller can decode or track a video differently.

Every failure mode ends as a row with a status and a reason, never as an exception that would take other videos
down with it: a broken file is data about the library, not a crash.

:class:`PoseActor` is the Ray Data stage: one actor per CPU, each holding no TensorFlow (see :mod:`.pose`). It takes
shard items (a few videos each) and either writes the shard itself (``extract``: workers write in parallel,
atomically, under a name derived from the inputs) or returns the rows (``score``: they flow on to the model stage).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .. import storage
from ..contract import Preprocessing
from . import schema
from .decode import DecodeStats, UnreadableVideo, VideoInfo, iter_sampled_frames, probe
from .inputs import VideoTask
from .pose import VideoTracker, release_freed_memory
from .shots import ShotDetector
from .rows import DEFAULT_MIN_DETECTION_RATE, VideoMeta, failed_row, landmarks_row, rows_to_table

log = logging.getLogger(__name__)


def file_digest(path: str) -> str:
    """Content hash used as the stable video id (same bytes -> same id, wherever the file lives)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:32]


@contextlib.contextmanager
def sampled_frames(path: str, contract: Preprocessing) -> Iterator[tuple[VideoInfo, DecodeStats, Iterator]]:
    """Open ``path`` and yield ``(info, stats, frames)``; ``frames`` yields ``(source_index, rgb)`` at the contract's
    sampling rate and size. Raises :class:`UnreadableVideo` when the file is not a decodable video."""
    cap, info = probe(path)
    stats = DecodeStats()
    try:
        yield info, stats, iter_sampled_frames(cap, info, contract.sample_fps, stats, max_side=contract.max_side)
    finally:
        cap.release()


@dataclass
class TrackedVideo:
    info: VideoInfo
    stats: DecodeStats
    frame_index: np.ndarray      # (T,) source frame index of each sampled frame
    landmarks: np.ndarray        # (T, 33, 4) image x, y, z, visibility; NaN rows where no pose
    world: np.ndarray            # (T, 33, 3) metres, hip-centred; NaN rows likewise
    shot_start: np.ndarray       # (k,) positions among the sampled frames where a new camera shot begins
    hand_frame: np.ndarray | None = None  # (h,) sampled-frame position of each hand MediaPipe Hands found
    hands: np.ndarray | None = None       # (h, HAND_VALUES) those hands (:mod:`..features.grip`); None: not run


def track_video(path: str, contract: Preprocessing) -> TrackedVideo:
    """Decode the sampled frames of a local video file and track the pose through them (one tracker per video), then
    Hands on a few of them (:class:`.pose.VideoTracker`); the same frames show where the camera's shots change
    (:mod:`.shots`)."""
    from ..features.grip import HAND_VALUES

    idx, images, worlds = [], [], []
    shots = ShotDetector(contract.sample_fps)
    with sampled_frames(path, contract) as (info, stats, frames), \
            VideoTracker(contract, expected_sampled_frames(info, contract)) as tracker:
        for i, rgb in frames:
            shots.add(rgb)
            image, world = tracker.process(rgb)
            idx.append(i)
            images.append(image)
            worlds.append(world)
    tracker.run_hands()    # the decoder and the pose graph closed: Hands runs beside neither
    hand_frame = hands = None
    if contract.hands.frames_per_video > 0:
        hand_frame = np.asarray(tracker.hand_frame, np.int32)
        hands = np.asarray(tracker.hands, np.float32).reshape(-1, HAND_VALUES)
    if not images:
        return TrackedVideo(info, stats, np.zeros(0, np.int32), np.zeros((0, 33, 4), np.float32),
                            np.zeros((0, 33, 3), np.float32), np.zeros(0, np.int32), hand_frame, hands)
    return TrackedVideo(info, stats, np.asarray(idx, np.int32), np.stack(images), np.stack(worlds), shots.starts(),
                        hand_frame, hands)


def expected_sampled_frames(info: VideoInfo, contract: Preprocessing) -> int | None:
    """About how many frames the sampler will keep (from the container's frame count; None when it gives none)."""
    if not info.frame_count_hint or not info.fps:
        return None
    return int(info.frame_count_hint * min(1.0, contract.sample_fps / info.fps))


def process_video(task: VideoTask, contract: Preprocessing,
                  min_detection_rate: float = DEFAULT_MIN_DETECTION_RATE) -> dict:
    t0 = time.perf_counter()
    meta = VideoMeta(uri=task.uri, video_id="", source_size=task.size, label=task.label, group=task.group)
    try:
        with storage.local_file(task.uri) as path:
            if not os.path.exists(path):  # listed, then gone: may be back on a re-run, so not final
                raise FileNotFoundError(f"video vanished after it was listed: {task.uri}")
            meta.video_id = file_digest(path)
            try:
                tracked = track_video(path, contract)
            except UnreadableVideo as exc:
                return failed_row(meta, schema.STATUS_UNREADABLE, str(exc), contract,
                                  processing_s=time.perf_counter() - t0)
        info, stats = tracked.info, tracked.stats
        meta.width, meta.height, meta.rotation = info.width, info.height, info.rotation
        meta.fps = info.fps if info.fps_known else None
        meta.frame_count = stats.frames_decoded
        meta.duration_s = stats.frames_decoded / info.fps if info.fps else None
        if stats.frames_sampled == 0:
            return failed_row(meta, schema.STATUS_UNREADABLE,
                              "no frame could be decoded (truncated or corrupt video stream)", contract,
                              processing_s=time.perf_counter() - t0)
        row = landmarks_row(meta, tracked.landmarks, tracked.world, tracked.frame_index, contract,
                            min_detection_rate=min_detection_rate, processing_s=time.perf_counter() - t0,
                            shot_start=tracked.shot_start, hand_frame=tracked.hand_frame, hands=tracked.hands)
        # a cut-off file whose index survived (moov first) decodes up to the cut and then simply ends: the
        # container's frame count tells (it may be an estimate for some formats, hence the 10 % margin)
        hint = info.frame_count_hint
        ended_early = bool(hint) and stats.frames_decoded < 0.9 * hint
        if (stats.read_errors or ended_early) and row["status"] == schema.STATUS_OK:
            of = f" of {hint}" if hint else ""
            row["error"] = f"decoding stopped early after {stats.frames_decoded}{of} frames (truncated stream?)"
        return row
    except Exception as exc:  # noqa: BLE001 - one bad video must not stop the job
        log.warning("video %s failed: %s", task.uri, exc)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return failed_row(meta, schema.STATUS_ERROR, detail[:2000], contract, processing_s=time.perf_counter() - t0)


def summary_of(row: dict, shard: str) -> dict:
    """The small per-video record that flows back to the driver for progress and the job summary."""
    return {
        "uri": row["uri"], "shard": shard, "status": row["status"], "error": row["error"] or "",
        "label": row["label"] or "", "sampled_frames": int(row["sampled_frames"] or 0),
        "feature_frames": len(row["features"] or []), "processing_s": float(row["processing_s"] or 0.0),
    }


class PoseActor:
    """Ray Data actor (``map_batches(PoseActor, batch_size=1, compute=ActorPoolStrategy(...))``).

    ``output_uri`` set: write each shard there and return per-video summaries. Unset: return the rows (only
    ``columns`` of them when given, plus ``shard``). The contract travels as its JSON (a small string).
    """

    def __init__(self, contract_json: str, min_detection_rate: float = DEFAULT_MIN_DETECTION_RATE,
                 output_uri: str | None = None, columns: list[str] | None = None):
        os.environ.setdefault("GLOG_minloglevel", "2")
        from .pose import import_mediapipe

        import_mediapipe()  # pay the import once per actor, before the first video
        self.contract = Preprocessing.from_json(contract_json)
        self.min_detection_rate = float(min_detection_rate)
        self.output_uri = output_uri
        self.columns = list(columns) if columns else None

    def __call__(self, batch: dict) -> dict:
        import pyarrow as pa

        from .resume import ShardSpec, write_shard

        out_rows, summaries = [], []
        for shard, videos_json, replaces in zip(batch["shard"], batch["videos"], batch["replaces"]):
            videos = ShardSpec.videos_from_item({"videos": videos_json})
            rows = []
            for v in videos:
                rows.append(process_video(v, self.contract, self.min_detection_rate))
                release_freed_memory()
            if self.output_uri is not None:
                write_shard(self.output_uri, str(shard), rows_to_table(rows), replaces=bool(replaces))
                summaries.extend(summary_of(r, str(shard)) for r in rows)
            else:
                for r in rows:
                    r["shard"] = str(shard)
                out_rows.extend(rows)
        if self.output_uri is not None:
            return pa.Table.from_pylist(summaries)
        table = rows_to_table(out_rows)
        if self.columns:
            table = table.select(self.columns)
        return table.append_column("shard", pa.array([r["shard"] for r in out_rows], pa.string()))
