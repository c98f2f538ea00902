"""Per-video cleaning before features: drop unusable frames, bridge short gaps, split at long ones.

The pose stage samples a video at a fixed rate and returns (T, 33, 4) landmarks with NaN rows where no person was
found. Features need continuous motion (velocities are frame differences), so:

* a frame is *usable* if it was detected (finite, not the all-zero "no person" row some sources store) and its
  mean landmark visibility is >= ``min_visibility`` (the seed paper's 0.6 filter);
* runs of at most ``max_gap`` unusable frames between usable ones are filled by linear interpolation (all four
  channels), so a blink of the detector does not cut a repetition in two;
* longer gaps split the video into separate :class:`Segment`\\ s; leading/trailing unusable frames are dropped
  (never extrapolated); segments shorter than ``min_segment`` frames are discarded.

Features are computed per segment, so no velocity spans a split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compute import DEFAULT_FPS, compute_features, reference_torso_length
from .landmarks import NUM_LANDMARKS
from .table import NUM_FEATURES

# Defaults of the cleaning limits; the preprocessing contract (exercise_classifier.contract) takes them from here.
DEFAULT_MIN_VISIBILITY = 0.6
DEFAULT_MAX_GAP = 3
DEFAULT_MIN_SEGMENT = 5


@dataclass(frozen=True, eq=False)
class Segment:
    """A continuous run of sampled frames, ready for :func:`.compute.compute_features`.

    ``frame_indices`` index the sampled frames of the video (consecutive, starting at ``start``); ``landmarks``
    (n, 33, 4) has no missing values; ``interpolated`` marks the frames that were filled in. Arrays are read-only.
    """

    start: int
    frame_indices: np.ndarray
    landmarks: np.ndarray
    interpolated: np.ndarray

    def __len__(self) -> int:
        return len(self.frame_indices)


def usable_frames(landmarks: np.ndarray, *, min_visibility: float = DEFAULT_MIN_VISIBILITY) -> np.ndarray:
    """(T,) bool: frame has a finite, non-empty detection with mean visibility >= ``min_visibility``."""
    arr = _check(landmarks)
    finite = np.isfinite(arr).all(axis=(1, 2))
    empty = np.all(np.nan_to_num(arr) == 0.0, axis=(1, 2))
    mean_vis = np.where(finite, np.nan_to_num(arr[:, :, 3]).mean(axis=1), -np.inf)
    return finite & ~empty & (mean_vis >= min_visibility)


def clean_sequence(landmarks: np.ndarray, *, min_visibility: float = DEFAULT_MIN_VISIBILITY,
                   max_gap: int = DEFAULT_MAX_GAP, min_segment: int = DEFAULT_MIN_SEGMENT) -> list[Segment]:
    """Split a video's (T, 33, 4) landmarks into clean, gap-free segments (see the module docstring)."""
    arr = _check(landmarks)
    if max_gap < 0 or min_segment < 1:
        raise ValueError(f"need max_gap >= 0 and min_segment >= 1, got {max_gap}, {min_segment}")
    good = np.flatnonzero(usable_frames(arr, min_visibility=min_visibility))
    if good.size == 0:
        return []
    # A new run starts wherever more than max_gap unusable frames separate two usable ones.
    breaks = np.flatnonzero(np.diff(good) > max_gap + 1) + 1
    segments = []
    for run in np.split(good, breaks):
        frames = np.arange(run[0], run[-1] + 1)
        if len(frames) < min_segment:
            continue
        segments.append(_make_segment(arr, run, frames))
    return segments


def _make_segment(arr: np.ndarray, known: np.ndarray, frames: np.ndarray) -> Segment:
    flat = arr[known].reshape(len(known), -1)
    filled = np.stack([np.interp(frames, known, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    lm = filled.reshape(len(frames), NUM_LANDMARKS, 4).astype(np.float32)
    interpolated = ~np.isin(frames, known)
    for a in (frames, lm, interpolated):
        a.setflags(write=False)
    return Segment(start=int(frames[0]), frame_indices=frames, landmarks=lm, interpolated=interpolated)


def sequence_features(landmarks: np.ndarray, *, aspect_ratio: float = 1.0, fps: float = DEFAULT_FPS,
                      **clean_kwargs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A whole video's landmarks -> (features (N, 83) float32, segment id (N,) int32, frame index (N,) int32).

    Cleans with :func:`clean_sequence` (``clean_kwargs``: min_visibility, max_gap, min_segment), then computes
    features per segment with ONE torso length for the whole video (median over all kept frames), so features of
    different segments of a video share a scale. Segment ids are 0, 1, ... in time order; windows for the model must
    not cross a segment id change. No usable frames -> three empty arrays.
    """
    segments = clean_sequence(landmarks, **clean_kwargs)
    if not segments:
        return (np.zeros((0, NUM_FEATURES), np.float32), np.zeros(0, np.int32), np.zeros(0, np.int32))
    torso = reference_torso_length(np.concatenate([s.landmarks for s in segments]), aspect_ratio=aspect_ratio)
    feats = [compute_features(s.landmarks, aspect_ratio=aspect_ratio, fps=fps, torso_length=torso)
             for s in segments]
    seg_ids = [np.full(len(s), i, np.int32) for i, s in enumerate(segments)]
    frames = [s.frame_indices.astype(np.int32) for s in segments]
    return np.concatenate(feats), np.concatenate(seg_ids), np.concatenate(frames)


def _check(landmarks: np.ndarray) -> np.ndarray:
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1:] != (NUM_LANDMARKS, 4):
        raise ValueError(f"landmarks must have shape (T, {NUM_LANDMARKS}, 4) [x, y, z, visibility], "
                         f"got {arr.shape}")
    return arr
