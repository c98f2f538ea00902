"""Streamed, rate-sampled video decoding.

Frames are pulled one at a time (never the whole video in memory). Frames that are not sampled are only
``grab()``-bed: they are demuxed and decoded by FFmpeg, but never retrieved, colour-converted or copied. The target
rate (default 15 fps) makes a 20-frame window mean the same time span whatever the source frame rate: every 2nd
frame of a 30 fps clip, every 4th of a 60 fps clip, a 3-of-5 pattern at 25 fps.

Rotation metadata is honoured by OpenCV's FFmpeg backend (``CAP_PROP_ORIENTATION_AUTO``); the reported
width/height are those of the displayed (rotated) frame.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

DEFAULT_FPS_WHEN_UNKNOWN = 30.0
MAX_POSE_SIDE = 1280  # frames larger than this are downscaled before pose (MediaPipe works on a 256 px crop)


class UnreadableVideo(Exception):
    """The file cannot be decoded as a video; the message says why in one line."""


@dataclass
class VideoInfo:
    width: int
    height: int
    fps: float
    fps_known: bool
    frame_count_hint: int
    rotation: int


def _diagnose(path: str) -> str:
    """Why OpenCV could not open ``path``, in words a user can act on (PyAV reads the container)."""
    try:
        import av
    except ImportError:  # pragma: no cover - av is a pinned dependency
        return "not a decodable video"
    try:
        with av.open(path) as container:
            kinds = sorted({s.type for s in container.streams})
            if not container.streams.video:
                return f"no video stream (streams: {', '.join(kinds) or 'none'})"
            return "video stream present but cannot be decoded"
    except Exception as exc:  # noqa: BLE001 - any container error means "not a video"
        return f"not a video file ({type(exc).__name__}: {str(exc)[:120]})"


def _rotated_size(w: int, h: int, rotation: int) -> tuple[int, int]:
    return (h, w) if rotation % 180 == 90 else (w, h)


def probe(path: str) -> tuple[cv2.VideoCapture, VideoInfo]:
    """Open ``path`` and read its stream properties, or raise :class:`UnreadableVideo`."""
    if not os.path.exists(path):
        raise UnreadableVideo("file not found")
    if os.path.getsize(path) == 0:
        raise UnreadableVideo("empty file (0 bytes)")
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise UnreadableVideo(_diagnose(path))
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if w <= 0 or h <= 0:
        cap.release()
        raise UnreadableVideo("no video stream")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    fps_known = math.isfinite(fps) and 1.0 <= fps <= 1000.0
    rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
    # CAP_PROP_FRAME_WIDTH/HEIGHT are the coded size; frames come out rotated when auto-orientation is on.
    dw, dh = _rotated_size(w, h, rotation)
    info = VideoInfo(
        width=dw, height=dh, fps=fps if fps_known else DEFAULT_FPS_WHEN_UNKNOWN, fps_known=fps_known,
        frame_count_hint=max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)), rotation=rotation,
    )
    return cap, info


def sample_mask_step(frame_idx: int, src_fps: float, target_fps: float) -> bool:
    """True when source frame ``frame_idx`` is the first frame of a new target-rate tick."""
    if target_fps <= 0 or target_fps >= src_fps:
        return True
    ratio = target_fps / src_fps
    return math.floor(frame_idx * ratio + 1e-9) != math.floor((frame_idx - 1) * ratio + 1e-9) or frame_idx == 0


@dataclass
class DecodeStats:
    frames_decoded: int = 0
    frames_sampled: int = 0
    read_errors: int = 0


def iter_sampled_frames(
    cap: cv2.VideoCapture,
    info: VideoInfo,
    target_fps: float,
    stats: DecodeStats,
    *,
    max_side: int = MAX_POSE_SIDE,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(source_frame_index, rgb_frame)`` for the sampled frames, in time order.

    RGB (MediaPipe's order), downscaled so the long side is at most ``max_side``. Stops at the end of the stream
    or at the first frame that cannot be decoded (a truncated file ends early instead of failing).
    """
    idx = 0
    while True:
        if not cap.grab():
            break
        stats.frames_decoded += 1
        if sample_mask_step(idx, info.fps, target_fps):
            ok, frame = cap.retrieve()
            if not ok or frame is None:
                stats.read_errors += 1
                break
            h, w = frame.shape[:2]
            if stats.frames_sampled == 0:  # the decoded frame is the truth about the displayed size
                info.width, info.height = int(w), int(h)
            scale = max_side / max(h, w)
            if scale < 1.0:
                frame = cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))),
                                   interpolation=cv2.INTER_AREA)
            stats.frames_sampled += 1
            yield idx, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        idx += 1
