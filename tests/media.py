"""Makers of small real media files for tests (valid and deliberately broken)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_video(path: Path, frames: list[np.ndarray], fps: int = 30, codec: str = "libx264") -> Path:
    """Encode RGB frames to an mp4 with PyAV (H.264 by default, like real footage)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


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


def set_rotation_90(path: Path) -> Path:
    """Patch the mp4 track header's display matrix to a 90° rotation, as phones record portrait video.

    PyAV/FFmpeg 6 no longer write a 'rotate' tag, so the matrix of the first ``tkhd`` box (version 0) is set in place.
    """
    import struct

    data = bytearray(path.read_bytes())
    i = data.find(b"tkhd")
    if i < 0 or data[i + 4] != 0:
        raise ValueError("expected a version-0 tkhd box")
    off = i + 4 + 4 + 4 + 4 + 4 + 4 + 4 + 8 + 2 + 2 + 2 + 2  # type, ver/flags, times, id, reserved, duration, ...
    data[off:off + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return path
