"""Makers of small real media files for tests (valid and deliberately broken)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np


def write_video(path: Path, frames: Iterable[np.ndarray], fps: int = 30, codec: str = "libx264",
                options: dict[str, str] | None = None, faststart: bool = False,
                size: tuple[int, int] | None = None) -> Path:
    """Encode RGB frames to an mp4 with PyAV (H.264 by default, like real footage).

    ``frames`` may be a generator: frames are encoded one at a time. ``size`` (width, height) scales them with
    FFmpeg's swscale on the way in, so an 8K clip can be made from small frames without 8K arrays in Python.
    ``options`` go to the encoder, e.g. ``{"preset": "ultrafast"}``. ``faststart`` puts the ``moov`` index before
    the media data (web-optimised files); by default it comes last, as cameras and phones write it.
    """
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    frames = iter(frames)
    first = next(frames)
    w, h = size or first.shape[1::-1]
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as out:
        stream = out.add_stream(codec, rate=fps, options=dict(options or {}))
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        for f in itertools.chain([first], frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            if (frame.width, frame.height) != (w, h):
                frame = frame.reformat(width=w, height=h, format="yuv420p", interpolation="BILINEAR")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_vfr_video(path: Path, frames: Iterable[np.ndarray], times_s: Iterable[float],
                    time_base: Fraction = Fraction(1, 90000), codec: str = "libx264") -> Path:
    """A variable-frame-rate mp4: frame ``k`` is presented at ``times_s[k]`` (explicit pts in ``time_base``).

    Phones write such files (the rate follows exposure time). No B-frames, so packets keep the given order.
    """
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    frames, times = list(frames), [float(t) for t in times_s]
    if len(frames) != len(times) or any(b <= a for a, b in zip(times, times[1:])):
        raise ValueError("one strictly increasing time per frame is needed")
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        # the nominal rate only seeds the encoder's rate control; every frame carries its own pts
        stream = out.add_stream(codec, rate=round((len(times) - 1) / (times[-1] - times[0])),
                                options={"bf": "0", "preset": "veryfast"})
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        for f, t in zip(frames, times):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            frame.pts, frame.time_base = round(t / time_base), time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def read_frames(path: Path, limit: int | None = None) -> list[np.ndarray]:
    """The first ``limit`` decoded frames of ``path`` as RGB arrays (PyAV; display matrix not applied)."""
    import av

    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            out.append(frame.to_ndarray(format="rgb24"))
            if limit is not None and len(out) >= limit:
                break
    return out


def frame_times(path: Path) -> list[float]:
    """Presentation times (s, from the first frame) of every frame of the first video stream, in display order."""
    import av

    with av.open(str(path)) as container:
        pts = sorted(float(f.pts * f.time_base) for f in container.decode(video=0))
    return [t - pts[0] for t in pts]


def noise_frames(n: int, w: int = 320, h: int = 240, seed: int = 0) -> list[np.ndarray]:
    """Smooth coloured noise: a valid video in which there is no person."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8)
    import cv2

    return [cv2.resize(np.roll(base, i, axis=1), (w, h), interpolation=cv2.INTER_LINEAR) for i in range(n)]


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 16000
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate)
        t = np.arange(int(rate * seconds)) / rate
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        for i in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, i:i + 1024], format="fltp", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def truncate(src: Path, dst: Path, fraction: float = 0.4) -> Path:
    data = src.read_bytes()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def cut_before_packet(src: Path, dst: Path, k: int) -> Path:
    """Copy ``src`` up to the first byte of its ``k``-th video packet (a download cut off mid-file)."""
    import av

    with av.open(str(src)) as container:
        positions = sorted(p.pos for p in container.demux(video=0) if p.size and p.pos is not None and p.pos >= 0)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes()[: positions[k]])
    return dst


def decodable_frames(path: Path) -> int:
    """How many frames FFmpeg (through PyAV) gets out of ``path`` before the data ends or breaks."""
    import av

    n = 0
    try:
        with av.open(str(path)) as container:
            for _ in container.decode(video=0):
                n += 1
    except av.error.FFmpegError:
        pass
    return n


def set_rotation(path: Path, degrees: int) -> Path:
    """Patch the mp4 track header's display matrix to rotate the picture clockwise by ``degrees`` (0/90/180/270).

    This is how phones record portrait or upside-down video: the coded frames stay as the sensor saw them and the
    player turns them. PyAV/FFmpeg 6+ no longer write a 'rotate' tag, so the matrix of the first ``tkhd`` box (the
    video track in the files :func:`write_video` makes) is rewritten in place. FFmpeg reads it back as the
    ``rotate`` value ``degrees`` (what OpenCV reports as ``CAP_PROP_ORIENTATION_META``).
    """
    import struct

    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees % 360]
    data = bytearray(path.read_bytes())
    i = data.find(b"tkhd")
    if i < 0:
        raise ValueError("no tkhd box")
    version = data[i + 4]
    if version not in (0, 1):
        raise ValueError(f"unknown tkhd version {version}")
    times = 5 * 4 if version == 0 else 8 + 8 + 4 + 4 + 8  # creation, modification, track id, reserved, duration
    off = i + 4 + 4 + times + 8 + 2 + 2 + 2 + 2  # type, ver/flags, times, reserved, layer, group, volume, reserved
    # (a b u / c d v / x y w), a..d and x, y in 16.16 fixed point, u, v, w in 2.30
    data[off:off + 36] = struct.pack(">9i", cos * 0x10000, sin * 0x10000, 0, -sin * 0x10000, cos * 0x10000, 0,
                                     0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return path


def set_rotation_90(path: Path) -> Path:
    """:func:`set_rotation` by 90° (portrait phone video)."""
    return set_rotation(path, 90)


def join_clips(paths: list[str], out_path: str) -> list[float]:
    """``infra/analysis/concatenate_clips.join_clips``, the script that makes the joined test videos of
    docs/analysis.md: the clips one after another; returns each clip's start and last the duration (s)."""
    import importlib.util

    path = Path(__file__).parents[1] / "infra" / "analysis" / "concatenate_clips.py"
    spec = importlib.util.spec_from_file_location("concatenate_clips", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.join_clips(paths, out_path)
