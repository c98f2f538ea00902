"""Build one extraction row (see :mod:`.schema`) from per-frame pose output.

Both real videos (after MediaPipe) and synthetic landmark sequences (``train --synthetic N``) become rows
here, so they are featurised by exactly the same code path. The label never enters this function's feature
computation: it is copied into its own column and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract import Preprocessing
from ..features.landmarks import NUM_LANDMARKS
from . import schema


DEFAULT_MIN_DETECTION_RATE = 0.30  # below: status low_detection (features kept, video flagged)


@dataclass
class VideoMeta:
    """What the decoder learned about the source, independent of pose."""

    uri: str
    video_id: str
    source_size: int | None = None
    label: str | None = None
    group: str | None = None
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    fps: float | None = None
    frame_count: int | None = None
    duration_s: float | None = None


def _frames_list(a: np.ndarray | None) -> list | None:
    if a is None:
        return None
    a = np.asarray(a, dtype=np.float32)
    if a.shape[0] == 0:
        return []
    return [row for row in a.reshape(a.shape[0], -1)]


def _base_row(meta: VideoMeta, status: str, error: str | None, contract: Preprocessing, processing_s: float) -> dict:
    """Every column present (None where unknown), so all shards share one schema whatever happened."""
    row = {name: None for name in schema.EXTRACT_COLUMNS}
    row.update(_meta_columns(meta))
    row.update(status=status, error=error, sample_fps=contract.sample_fps, feature_version=contract.feature_version,
               schema_version=schema.SCHEMA_VERSION, preprocessing=contract.features_json(),
               processing_s=float(processing_s))
    return row


def failed_row(meta: VideoMeta, status: str, error: str, contract: Preprocessing, *,
               processing_s: float = 0.0) -> dict:
    """A row for a video that produced no features."""
    row = _base_row(meta, status, error, contract, processing_s)
    row.update(sampled_frames=0, detected_frames=0, detection_rate=0.0)
    return row


def _meta_columns(meta: VideoMeta) -> dict:
    return dict(
        video_id=meta.video_id, uri=meta.uri, source_size=meta.source_size, label=meta.label, group=meta.group,
        width=meta.width, height=meta.height, rotation=meta.rotation, fps=meta.fps,
        frame_count=meta.frame_count, duration_s=meta.duration_s,
    )


def landmarks_row(
    meta: VideoMeta,
    landmarks: np.ndarray,
    world_landmarks: np.ndarray | None,
    frame_index: np.ndarray,
    contract: Preprocessing,
    *,
    min_detection_rate: float = DEFAULT_MIN_DETECTION_RATE,
    processing_s: float = 0.0,
    shot_start: np.ndarray | None = None,
    hand_frame: np.ndarray | None = None,
    hands: np.ndarray | None = None,
) -> dict:
    """Row for a video whose sampled frames went through pose.

    ``landmarks``: (T, 33, 4) float, rows of NaN where no pose was detected. ``world_landmarks``: (T, 33, 3) or None.
    ``shot_start``: where the decoder saw a new camera shot begin (None: not known, e.g. synthetic landmarks).
    ``hand_frame``/``hands``: what MediaPipe Hands found (None: it did not run).
    Status is decided here, from the pose alone, so extract, score and synthetic data agree on it. A video needs
    ``contract.windows.min_length`` usable frames for one window, else it is ``too_short``.
    """
    from ..features.sequence import sequence_features, usable_frames
    from ..features.table import NUM_FEATURES

    landmarks = np.asarray(landmarks, dtype=np.float32)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (NUM_LANDMARKS, 4):
        raise ValueError(f"landmarks must be (T, {NUM_LANDMARKS}, 4), got {landmarks.shape}")
    t = landmarks.shape[0]
    detected = ~np.isnan(landmarks).any(axis=(1, 2))
    n_detected = int(detected.sum())
    mean_vis = float(landmarks[detected, :, 3].mean()) if n_detected else 0.0
    rate = n_detected / t if t else 0.0
    aspect = (meta.width / meta.height) if meta.width and meta.height else 1.0

    feats = np.zeros((0, NUM_FEATURES), np.float32)
    seg = np.zeros((0,), np.int32)
    kept = np.zeros((0,), np.int32)
    if n_detected:
        seq = contract.sequence
        feats, seg, kept = sequence_features(
            landmarks, aspect_ratio=aspect, fps=contract.sample_fps,
            min_visibility=seq.min_visibility, max_gap=seq.max_gap, min_segment=seq.min_segment,
        )

    # frames with a clear pose; when there are some but none survive cleaning, the runs were too short: the video
    # (or its visible part) is too short, not without a person
    n_clear = int(usable_frames(landmarks, min_visibility=contract.sequence.min_visibility).sum()) if n_detected else 0

    if n_detected == 0:
        status, error = schema.STATUS_NO_PERSON, f"no person detected in {t} sampled frames"
    elif n_clear == 0:
        status, error = schema.STATUS_NO_PERSON, (
            f"pose found in {n_detected}/{t} frames but none with mean visibility >= "
            f"{contract.sequence.min_visibility}")
    elif len(feats) < contract.windows.min_length:
        status, error = schema.STATUS_TOO_SHORT, (
            f"only {len(feats)} usable frames (< {contract.windows.min_length}) for a window")
        if len(feats) == 0:
            error += f" ({n_clear} with a clear pose, in runs shorter than {contract.sequence.min_segment})"
    elif rate < min_detection_rate:
        status, error = schema.STATUS_LOW_DETECTION, (
            f"pose detected in {rate:.0%} of sampled frames (< {min_detection_rate:.0%})")
    else:
        status, error = schema.STATUS_OK, None

    row = _base_row(meta, status, error, contract, processing_s)
    row.update(
        sampled_frames=t,
        detected_frames=n_detected,
        detection_rate=float(rate),
        mean_visibility=mean_vis,
        frame_index=np.asarray(frame_index, dtype=np.int32),
        landmarks=_frames_list(landmarks),
        world_landmarks=_frames_list(world_landmarks),
        features=_frames_list(feats),
        feature_frame=np.asarray(kept, dtype=np.int32),
        feature_segment=np.asarray(seg, dtype=np.int32),
        shot_start=None if shot_start is None else np.asarray(shot_start, dtype=np.int32),
        hand_frame=None if hand_frame is None else np.asarray(hand_frame, dtype=np.int32),
        hand_landmarks=None if hands is None else _frames_list(hands),
    )
    return row


def sampled_landmarks_row(meta: VideoMeta, landmarks: np.ndarray, world_landmarks: np.ndarray | None,
                          contract: Preprocessing, **kwargs) -> dict:
    """A row for landmarks given for every source frame (synthetic clips, which have no video to decode): the frames
    extract would sample from a constant-rate stream of ``meta.fps`` (:func:`.decode.sample_mask_step`), then
    :func:`landmarks_row`. Synthetic training data, the workout check and the tests all go through here, so a
    synthetic clip is sampled exactly as its video would be."""
    from .decode import sample_mask_step

    if not meta.fps:
        raise ValueError(f"{meta.uri}: landmarks of every frame need the source's frame rate")
    idx = np.flatnonzero([sample_mask_step(k, meta.fps, contract.sample_fps) for k in range(len(landmarks))])
    world = None if world_landmarks is None else np.asarray(world_landmarks)[idx]
    return landmarks_row(meta, np.asarray(landmarks)[idx], world, idx, contract, **kwargs)


def rows_to_table(rows: list[dict]):
    """Rows -> a pyarrow Table with exactly :data:`schema.EXTRACT_SCHEMA`."""
    import pyarrow as pa

    cols = {}
    for name in schema.EXTRACT_COLUMNS:
        vals = [r.get(name) for r in rows]
        typ = schema.EXTRACT_SCHEMA.field(name).type
        if pa.types.is_list(typ):
            vals = [None if v is None else [np.asarray(x).tolist() for x in v] if pa.types.is_list(typ.value_type)
                    else np.asarray(v).tolist() for v in vals]
        cols[name] = pa.array(vals, type=typ)
    return pa.table(cols, schema=schema.EXTRACT_SCHEMA)
