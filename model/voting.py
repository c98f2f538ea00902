"""Video-level prediction from per-window probabilities: confidence-weighted voting.

Rule (pure function, no model needed, used identically by ``train``, ``evaluate`` and ``score``):

1. Each window votes for its arg-max class with weight = its top probability, so a confident window counts
   more than a hesitant one and a single over-confident outlier cannot outvote a consistent majority.
2. The class with the largest summed vote weight wins; ties are broken by the mean probability over all windows,
   then by the lower class index (deterministic).
3. ``confidence`` is the mean probability of the winning class over all windows: it stays a probability-like
   number in [0, 1] (a unanimous vote of hesitant windows is still reported as hesitant), which is what the
   confidence bins and the calibration error measure.
4. ``top3`` lists the three best classes by the same ordering, each with its mean probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VoteResult:
    label: int                          # winning class index
    confidence: float                   # mean probability of the winner over the video's windows
    top3: list[tuple[int, float]]       # [(class index, mean probability), ...] best first
    window_argmax: np.ndarray           # (W,) per-window predicted class
    votes: np.ndarray                   # (C,) summed confidence-weighted votes (normalised to sum 1)


def vote(probs: np.ndarray, top_k: int = 3) -> VoteResult:
    """``(W, C)`` window probabilities of one video -> :class:`VoteResult`. Raises on zero windows."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"need (windows, classes) probabilities with >= 1 window, got shape {p.shape}")
    n_classes = p.shape[1]
    arg = p.argmax(axis=1)
    weights = np.bincount(arg, weights=p.max(axis=1), minlength=n_classes)
    weights = weights / weights.sum() if weights.sum() > 0 else weights
    mean = p.mean(axis=0)
    # lexsort: last key is primary. Descending votes, then descending mean, then ascending index.
    order = np.lexsort((np.arange(n_classes), -mean, -weights))
    best = int(order[0])
    top = [(int(c), float(mean[c])) for c in order[:top_k]]
    return VoteResult(best, float(mean[best]), top, arg.astype(np.int64), weights)


def vote_many(probs: np.ndarray, owner: np.ndarray, n_videos: int) -> list[VoteResult | None]:
    """Vote for every video given stacked window ``probs`` and each window's video index (None: no windows)."""
    owner = np.asarray(owner)
    out: list[VoteResult | None] = [None] * n_videos
    if len(owner) == 0:
        return out
    order = np.argsort(owner, kind="stable")
    owners_sorted = owner[order]
    bounds = np.flatnonzero(np.diff(owners_sorted)) + 1
    for idx in np.split(order, bounds):
        out[int(owner[idx[0]])] = vote(probs[idx])
    return out
