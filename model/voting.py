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


@dataclass(frozen=True)
class Decision:
    """A video's label from the members that could speak: the window network's vote and the statistics forest."""

    label: int
    confidence: float                   # probability of the winner (blended when both members speak)
    top3: list[tuple[int, float]]
    members: str                        # "network", "stats" or "network+stats"
    probabilities: np.ndarray | None = None   # (C,) the distribution the label was read from
    not_exercise: float | None = None   # probability that the motion is none of the 22 (None: no such member)


def decide(window_probs: np.ndarray | None, stats_probs: np.ndarray | None, stats_weight: float,
           top_k: int = 3) -> Decision | None:
    """Combine a video's window probabilities ``(W, C)`` and per-video statistics probabilities ``(C,)``.

    Both present: ``stats_weight * stats + (1 - stats_weight) * mean window probability``. One present: that one
    (the network alone keeps its confidence-weighted vote). Neither: None. A video too short for one window is
    still labelled by the statistics member.
    """
    has_net = window_probs is not None and len(window_probs) > 0
    has_stats = stats_probs is not None
    if not (has_net or has_stats):
        return None
    if has_net and (not has_stats or stats_weight <= 0.0):
        v = vote(window_probs, top_k)
        return Decision(v.label, v.confidence, v.top3, "network",
                        np.asarray(window_probs, np.float64).mean(axis=0))
    if has_net and stats_weight < 1.0:
        p = stats_weight * np.asarray(stats_probs, np.float64) + \
            (1.0 - stats_weight) * np.asarray(window_probs, np.float64).mean(axis=0)
        members = "network+stats"
    else:
        p = np.asarray(stats_probs, np.float64)
        members = "stats"
    order = np.lexsort((np.arange(len(p)), -p))
    return Decision(int(order[0]), float(p[order[0]]), [(int(c), float(p[c])) for c in order[:top_k]], members, p)
