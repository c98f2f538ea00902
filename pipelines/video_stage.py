"""Video -> one extraction row: hash, decode, pose, features, status. Shared by ``extract`` and ``score``.

Every failure mode ends as a row with a status and a reason, never as an exception that would take other videos
down with it: a broken file is data about the library, not a crash.

:class:`PoseActor` is the Ray Data stage: one actor per CPU, each holding no TensorFlow (see :mod:`.pose`). It takes
shard items (a few videos each) and either writes the shard itself (``extract``: workers write in parallel,
atomically, under a name derived from the inputs) or returns the rows (``score``: they flow on to the model stage).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import traceback

import numpy as np

from .. import storage
from . import schema
from .inputs import ShardSpec, VideoTask
from .pose import PoseSettings, PoseTracker
from .rows import FeatureSettings, VideoMeta, failed_row, landmarks_row, rows_to_table

log = logging.getLogger(__name__)


def file_digest(path: str, chunk: int = 4 << 20) -> str:
    """Content hash used as the stable video id (same bytes -> same id, wherever the file lives)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()[:32]


def process_video(task: VideoTask, pose_settings: PoseSettings, settings: FeatureSettings) -> dict:
    from .decode import DecodeStats, UnreadableVideo, iter_sampled_frames, probe

    t0 = time.perf_counter()
    meta = VideoMeta(uri=task.uri, video_id="", source_size=task.size, label=task.label, group=task.group)
    try:
        with storage.local_file(task.uri) as path:
            meta.video_id = file_digest(path)
            try:
                cap, info = probe(path)
            except UnreadableVideo as exc:
                return failed_row(meta, schema.STATUS_UNREADABLE, str(exc), settings,
                                  processing_s=time.perf_counter() - t0)
            try:
                stats = DecodeStats()
                frames_idx, images, worlds = [], [], []
                with PoseTracker(pose_settings) as tracker:
                    for idx, rgb in iter_sampled_frames(cap, info, settings.sample_fps, stats):
                        image, world = tracker.process(rgb)
                        frames_idx.append(idx)
                        images.append(image)
                        worlds.append(world)
            finally:
                cap.release()
        meta.width, meta.height, meta.rotation = info.width, info.height, info.rotation
        meta.fps = info.fps if info.fps_known else None
        meta.frame_count = stats.frames_decoded
        meta.duration_s = stats.frames_decoded / info.fps if info.fps else None
        if stats.frames_sampled == 0:
            return failed_row(meta, schema.STATUS_UNREADABLE,
                              "no frame could be decoded (truncated or corrupt video stream)", settings,
                              processing_s=time.perf_counter() - t0)
        row = landmarks_row(meta, np.stack(images), np.stack(worlds), np.asarray(frames_idx), settings,
                            processing_s=time.perf_counter() - t0)
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
        return failed_row(meta, schema.STATUS_ERROR, detail[:2000], settings, processing_s=time.perf_counter() - t0)


def summary_of(row: dict, shard: str) -> dict:
    """The small per-video record that flows back to the driver for progress and the job summary."""
    return {
        "uri": row["uri"], "shard": shard, "status": row["status"], "error": row["error"] or "",
        "label": row["label"] or "", "sampled_frames": int(row["sampled_frames"] or 0),
        "feature_frames": len(row["features"] or []), "processing_s": float(row["processing_s"] or 0.0),
    }


class PoseActor:
    """Ray Data actor (``map_batches(PoseActor, batch_size=1, compute=ActorPoolStrategy(...))``).

    ``output_uri`` set: write each shard there and return per-video summaries. Unset: return the full rows.
    """

    def __init__(self, pose_settings: dict, feature_settings: dict, output_uri: str | None = None):
        os.environ.setdefault("GLOG_minloglevel", "2")
        from .pose import import_mediapipe

        import_mediapipe()  # pay the import once per actor, before the first video
        self.pose_settings = PoseSettings(**pose_settings)
        self.settings = FeatureSettings(**feature_settings)
        self.output_uri = output_uri

    def __call__(self, batch: dict) -> dict:
        import pyarrow as pa

        out_rows, summaries = [], []
        for shard, videos_json in zip(batch["shard"], batch["videos"]):
            videos = ShardSpec.videos_from_item({"videos": videos_json})
            rows = [process_video(v, self.pose_settings, self.settings) for v in videos]
            if self.output_uri is not None:
                storage.write_parquet_atomic(storage.join(self.output_uri, str(shard)), rows_to_table(rows))
                summaries.extend(summary_of(r, str(shard)) for r in rows)
            else:
                for r in rows:
                    r["shard"] = str(shard)
                out_rows.extend(rows)
        if self.output_uri is not None:
            return pa.Table.from_pylist(summaries)
        table = rows_to_table(out_rows)
        return table.append_column("shard", pa.array([r["shard"] for r in out_rows], pa.string()))
