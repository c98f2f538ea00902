"""Streamed, rate-sampled video decoding.

Frames are pulled one at a time (never the whole video in memory). Frames that are not sampled are only
``grab()``-bed: they are demuxed and decoded by FFmpeg, but never retrieved, colour-converted or copied. The target
rate (default 15 fps) makes a 20-frame window mean the same time span whatever the source frame rate: every 2nd
frame of a 30 fps clip, every 4th of a 60 fps clip, a 3-of-5 pattern at 25 fps.

Sampling follows presentation time, not frame count: the first frame of every 1/15 s tick is kept. Phones record
variable frame rate (the rate follows exposure time), where a frame index says little about time. For a
constant-rate stream the two agree: timestamps within :data:`TIMESTAMP_SNAP_S` of ``index / fps`` are taken as
exactly that, so millisecond-rounded time bases (WebM, MKV) sample the same frames as :func:`sample_mask_step`.

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
TIMESTAMP_SNAP_S = 0.001  # a frame time this close to index / fps is the constant-rate time (time-base rounding)


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
        broken = _broken_mp4(path)
        if broken:
            return broken
        # FFmpeg errors are OSErrors whose str() repeats the file name: the row already holds the uri
        detail = getattr(exc, "strerror", None) or str(exc)
        return f"not a video file ({type(exc).__name__}: {str(detail)[:120]})"


def _broken_mp4(path: str) -> str | None:
    """For an MP4/MOV (ISO BMFF, starts with an ``ftyp`` box) that FFmpeg cannot open: what its boxes say is missing.

    A recording that was cut off (copy interrupted, phone died) usually lacks the ``moov`` index, which most
    writers put at the end. ``None`` when the file is not ISO BMFF or its top-level boxes look complete.
    """
    import struct

    size = os.path.getsize(path)
    types: list[bytes] = []
    cut_in = None
    with open(path, "rb") as f:
        pos = 0
        while pos + 8 <= size:
            f.seek(pos)
            box_size, box_type = struct.unpack(">I4s", f.read(8))
            if box_size == 1 and pos + 16 <= size:
                box_size = struct.unpack(">Q", f.read(8))[0]
            elif box_size == 0:
                box_size = size - pos
            if not types and box_type != b"ftyp":
                return None  # not ISO BMFF
            if box_size < 8:
                return f"corrupt MP4: invalid box size at byte {pos}"
            types.append(box_type)
            if pos + box_size > size:
                cut_in = box_type.decode("latin-1")
                break
            pos += box_size
    if not types:
        return None
    if b"moov" not in types:
        where = f" (the file ends inside its '{cut_in}' box)" if cut_in else ""
        return f"truncated or unfinished MP4: no 'moov' index{where}"
    if cut_in:
        return f"truncated MP4: the file ends inside its '{cut_in}' box"
    return None


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
    # the coded size: with auto-orientation on, newer OpenCV already reports the rotated one
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    if w <= 0 or h <= 0:
        cap.release()
        raise UnreadableVideo("no video stream")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    fps_known = math.isfinite(fps) and 1.0 <= fps <= 1000.0
    rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
    # frames come out rotated (auto-orientation is on): report the displayed size
    dw, dh = _rotated_size(w, h, rotation)
    info = VideoInfo(
        width=dw, height=dh, fps=fps if fps_known else DEFAULT_FPS_WHEN_UNKNOWN, fps_known=fps_known,
        frame_count_hint=max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)), rotation=rotation,
    )
    return cap, info


def sample_mask_step(frame_idx: int, src_fps: float, target_fps: float) -> bool:
    """True when source frame ``frame_idx`` is the first frame of a new target-rate tick (constant-rate streams).

    :func:`iter_sampled_frames` applies the same rule to presentation times; for a constant-rate video both keep the
    same frames. Used directly for synthetic landmark clips, which have no timestamps.
    """
    if target_fps <= 0 or target_fps >= src_fps:
        return True
    ratio = target_fps / src_fps
    return math.floor(frame_idx * ratio + 1e-9) != math.floor((frame_idx - 1) * ratio + 1e-9) or frame_idx == 0


def target_tick(time_s: float, target_fps: float) -> int:
    """Index of the 1/``target_fps`` interval that ``time_s`` (seconds from the first frame) falls in."""
    return math.floor(time_s * target_fps + 1e-9)


@dataclass
class DecodeStats:
    frames_decoded: int = 0
    frames_sampled: int = 0
    read_errors: int = 0
    last_time_s: float = 0.0  # presentation time of the last decoded frame, from the first frame


class _FrameClock:
    """Presentation time of each grabbed frame, in seconds from the first frame.

    From FFmpeg's timestamp (``CAP_PROP_POS_MSEC`` after ``grab()``). A time within :data:`TIMESTAMP_SNAP_S` of the
    constant-rate time ``index / fps`` is snapped to it; a missing or non-increasing timestamp falls back to
    "one nominal frame after the previous one", so a stream without usable timestamps samples by index.
    """

    def __init__(self, fps: float):
        self.fps = fps
        self.first_ms: float | None = None
        self.prev: float | None = None

    def time_of(self, cap: cv2.VideoCapture, idx: int) -> float:
        ms = float(cap.get(cv2.CAP_PROP_POS_MSEC))
        if self.first_ms is None and math.isfinite(ms):
            self.first_ms = ms
        t = (ms - self.first_ms) / 1000.0 if self.first_ms is not None and math.isfinite(ms) else math.nan
        if self.prev is None:
            t = 0.0
        elif not (t > self.prev):  # also NaN
            t = self.prev + 1.0 / self.fps
        nominal = idx / self.fps
        if abs(t - nominal) <= TIMESTAMP_SNAP_S:
            t = nominal
        self.prev = t
        return t


def iter_sampled_frames(
    cap: cv2.VideoCapture,
    info: VideoInfo,
    target_fps: float,
    stats: DecodeStats,
    *,
    max_side: int,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(source_frame_index, rgb_frame)`` for the sampled frames, in time order.

    A frame is sampled when it is the first one whose presentation time falls in a new 1/``target_fps`` tick
    (every frame when ``target_fps`` <= 0). RGB (MediaPipe's order), downscaled so the long side is at most
    ``max_side`` (the preprocessing contract's: MediaPipe works on a 256 px crop, larger frames only cost time).
    Stops at the end of the stream or at the first frame that cannot be decoded (a truncated file ends early
    instead of failing).
    """
    clock = _FrameClock(info.fps)
    last_tick = -1
    idx = 0
    while True:
        if not cap.grab():
            break
        stats.frames_decoded += 1
        t = stats.last_time_s = clock.time_of(cap, idx)
        tick = target_tick(t, target_fps) if target_fps > 0 else idx
        if tick > last_tick:
            last_tick = tick
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
