"""Fixed-length windows from a video's per-frame feature sequence.

Why windows: the network sees a fixed 20-frame context (paper 4.4.1); a video becomes many overlapping windows
whose predictions are combined by :mod:`.voting`. A window never crosses a ``feature_segment`` boundary: frames
on either side of a gap (lost pose, dropped low-visibility frames) are not consecutive in time, and gluing them
together would invent motion that never happened.

Rule per continuous segment of ``n`` frames:

* ``n >= length``: windows start at 0, stride, 2*stride, ... while they fit; if the last window does not reach
  the end of the segment, one more window aligned to the end is added, so the tail of a rep is never ignored.
* ``min_length <= n < length``: one window, the segment padded at the end by repeating its last frame.
* ``n < min_length``: skipped (too little motion to say anything).
"""

from __future__ import annotations

import numpy as np

from ..contract import WindowSettings


def segment_bounds(segments: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` of runs of equal consecutive segment ids."""
    segments = np.asarray(segments)
    if segments.size == 0:
        return []
    change = np.flatnonzero(np.diff(segments) != 0) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [segments.size]])
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


def window_starts(n: int, length: int, stride: int) -> list[int]:
    if n < length:
        return []
    starts = list(range(0, n - length + 1, stride))
    if starts[-1] != n - length:
        starts.append(n - length)
    return starts


def window_spans(segments: np.ndarray, cfg: WindowSettings = WindowSettings()) -> list[tuple[int, int]]:
    """``(first frame, frames taken)`` of each window over ``(N,)`` segment ids: within a run of one segment, a
    window every ``stride`` frames plus one ending at the run's end; a run shorter than ``length`` but at least
    ``min_length`` gives one window (padded with its last frame by :func:`make_windows`). One rule for making the
    windows and for counting them without building them."""
    spans: list[tuple[int, int]] = []
    for a, b in segment_bounds(segments):
        n = b - a
        if n >= cfg.length:
            spans.extend((a + s, cfg.length) for s in window_starts(n, cfg.length, cfg.stride))
        elif n >= max(1, cfg.min_length):
            spans.append((a, n))
    return spans


def window_index(segments: np.ndarray, cfg: WindowSettings = WindowSettings()) -> np.ndarray:
    """``(W, length)`` frame numbers of each window (:func:`window_spans`; a short run's last frame repeated as its
    padding). ``features[window_index(...)]`` are the windows: the network can then work on each frame once
    (:meth:`.numpy_network.NumpyNetwork.predict_indexed`) although every frame lies in about three windows."""
    spans = window_spans(segments, cfg)
    if not spans:
        return np.zeros((0, cfg.length), np.int64)
    start = np.array([a for a, _ in spans], np.int64)[:, None]
    last = np.array([n - 1 for _, n in spans], np.int64)[:, None]
    return start + np.minimum(np.arange(cfg.length, dtype=np.int64)[None, :], last)


def make_windows(features: np.ndarray, segments: np.ndarray | None, cfg: WindowSettings = WindowSettings()) -> np.ndarray:
    """``(N, F)`` frames (+ ``(N,)`` segment ids) -> ``(W, length, F)`` float32 windows (``W`` may be 0)."""
    features = np.asarray(features, dtype=np.float32)
    return features[window_index(checked_segments(features, segments), cfg)]


def checked_segments(features: np.ndarray, segments: np.ndarray | None) -> np.ndarray:
    """A video's segment ids, checked against its ``(N, F)`` frames (None: one segment)."""
    if np.ndim(features) != 2:
        raise ValueError(f"features must be (frames, features), got shape {np.shape(features)}")
    if segments is None:
        return np.zeros(len(features), np.int32)
    segments = np.asarray(segments)
    if len(segments) != len(features):
        raise ValueError(f"{len(segments)} segment ids for {len(features)} frames")
    return segments


def stacked_window_index(videos, cfg: WindowSettings = WindowSettings()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Many videos' ``(features (N, F), segments (N,) or None)`` -> their frames stacked ``(M, F)`` float32, every
    window as frame numbers into them ``(W, length)`` in video order, and each video's window count ``(n,)``.
    ``frames[index]`` are all the windows; scoring gives the network the frames and the index instead (each frame is
    then worked on once, :meth:`.numpy_network.NumpyNetwork.predict_indexed`)."""
    frames, index, offset = [], [], 0
    for features, segments in videos:
        f = np.asarray(features, dtype=np.float32)
        frames.append(f)
        index.append(window_index(checked_segments(f, segments), cfg) + offset)
        offset += len(f)
    if not frames:
        return np.zeros((0, 0), np.float32), np.zeros((0, cfg.length), np.int64), np.zeros(0, np.int64)
    return np.concatenate(frames), np.concatenate(index), np.array([len(i) for i in index], np.int64)


def windows_for_videos(videos, cfg: WindowSettings = WindowSettings()) -> tuple[np.ndarray, np.ndarray]:
    """Windows of many videos stacked, plus for each window the index of its video in ``videos``.

    ``videos`` is any sequence of objects with ``features`` and ``segments`` (see ``pipelines.datasets.Video``).
    """
    frames, index, counts = stacked_window_index([(v.features, v.segments) for v in videos], cfg)
    return frames[index], np.repeat(np.arange(len(counts), dtype=np.int64), counts)
