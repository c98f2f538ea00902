"""One fixed-length vector per video: statistics of its per-frame features over time.

Why: the sequence network sees 1.3-second windows; whole-video statistics see the exercise's full range of motion,
what moves and what stays still, and need no minimum length. A tree ensemble on them is the strongest member on real
footage from unseen sources (docs/accuracy.md), and it still answers for clips too short for one window.

For each of the per-frame features (:data:`.table.FEATURE_NAMES`) of a video's kept frames:

* ``mean``, ``sd``, ``p10``, ``p90`` over all frames (segments pooled: the statistics do not depend on order);
* ``motion``: mean absolute frame-to-frame change, within segments only (no change is counted across a gap).

Pure numpy, no I/O. Left/right mirroring commutes with it: statistics of mirrored features are the mirrored
statistics (:func:`mirror_stats`), so test-time mirroring costs one permutation.
"""

from __future__ import annotations

import numpy as np

from .mirror import MIRROR_SIGNS, mirror_features
from .table import FEATURE_NAMES, NUM_FEATURES

STATISTICS = ("mean", "sd", "p10", "p90", "motion")
STATS_NAMES: tuple[str, ...] = tuple(f"{name}:{stat}" for stat in STATISTICS for name in FEATURE_NAMES)
NUM_STATS = len(STATS_NAMES)


def video_stats(features: np.ndarray, segments: np.ndarray | None = None) -> np.ndarray:
    """``(T, NUM_FEATURES)`` features of one video (T >= 1) -> ``(NUM_STATS,)`` float32."""
    f = np.asarray(features, np.float64)
    if f.ndim != 2 or f.shape[1] != NUM_FEATURES or len(f) == 0:
        raise ValueError(f"features must be (T >= 1, {NUM_FEATURES}), got {f.shape}")
    seg = np.zeros(len(f), np.int64) if segments is None else np.asarray(segments)
    if seg.shape != (len(f),):
        raise ValueError(f"segments must be ({len(f)},), got {seg.shape}")
    p10, p90 = np.percentile(f, [10, 90], axis=0)
    step = np.abs(np.diff(f, axis=0))[np.diff(seg) == 0]
    motion = step.mean(axis=0) if len(step) else np.zeros(NUM_FEATURES)
    return np.concatenate([f.mean(axis=0), f.std(axis=0), p10, p90, motion]).astype(np.float32)


def mirror_stats(stats: np.ndarray) -> np.ndarray:
    """Statistics of the left/right-mirrored video, from the statistics (``(..., NUM_STATS)``)."""
    s = np.asarray(stats)
    blocks = s.reshape(*s.shape[:-1], len(STATISTICS), NUM_FEATURES)
    mean, sd, p10, p90, motion = (blocks[..., i, :] for i in range(len(STATISTICS)))
    # mirroring maps each feature to its twin, possibly negated: a negated feature swaps its percentiles
    sign = MIRROR_SIGNS
    m_mean, m_sd, m_motion = (mirror_features(x) for x in (mean, sd, motion))
    m_sd, m_motion = np.abs(m_sd), np.abs(m_motion)
    lo, hi = mirror_features(p10), mirror_features(p90)
    m_p10 = np.where(sign < 0, hi, lo)
    m_p90 = np.where(sign < 0, lo, hi)
    return np.stack([m_mean, m_sd, m_p10, m_p90, m_motion], axis=-2).reshape(s.shape).astype(s.dtype)
