""""None of the 22": how far a video's motion lies from every training video, in the statistics member's terms.

Why distance to the training videos rather than the classifier's own confidence: a classifier is trained to choose
among the 22 and is often confident on motion it never saw (walking looks like a lunge to it, standing like a plank).
The per-video descriptors (:mod:`..features.descriptors`) already describe what moves and how far; a video whose
descriptors are far from all training videos -- further than training videos are from one another -- is not one of
the exercises the model knows. Descriptors are standardised robustly (median, inter-quartile range, clipped) and
weighted by the statistics forest's feature importances, so the distance is measured along what separates the
exercises, not along the hundreds of descriptors that are noise for this question.

Score: ``log(d_k(x) / typical)``, ``d_k`` the mean distance to the ``k`` nearest training videos, ``typical`` the
median of the same quantity over the training videos themselves (each without itself). 0 means "as close as a
training video usually is"; the flag threshold is chosen in cross-validation and stored with the model.
Stored as ``.npz`` arrays (no pickle), applied with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FORMAT = "exercise-classifier-novelty/v1"
NOVELTY_FILE = "novelty.npz"
CLIP = 8.0


@dataclass(frozen=True, eq=False)
class NoveltyModel:
    center: np.ndarray      # (D,) median of the training descriptors
    scale: np.ndarray       # (D,) inter-quartile range (floored)
    weight: np.ndarray      # (D,) per-descriptor weight (sums to 1)
    reference: np.ndarray   # (n, D) standardised, clipped, weighted training descriptors (float16 on disk)
    k: int
    typical: float
    threshold: float = 1.0  # score above this: not an exercise of the 22
    softness: float = 0.25  # width of the logistic that turns a score into a probability

    @classmethod
    def fit(cls, descriptors: np.ndarray, *, weight: np.ndarray | None = None, k: int = 3,
            threshold: float = 1.0, softness: float = 0.25) -> "NoveltyModel":
        x = np.asarray(descriptors, np.float64)
        if x.ndim != 2 or len(x) <= k:
            raise ValueError(f"need (n > {k}, D) descriptors, got {x.shape}")
        center = np.median(x, axis=0)
        q1, q3 = np.percentile(x, [25, 75], axis=0)
        scale = np.maximum(q3 - q1, 1e-3 * (np.abs(center) + 1e-3))
        w = np.ones(x.shape[1]) if weight is None else np.asarray(weight, np.float64)
        if w.shape != (x.shape[1],) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("weight must be (D,) non-negative with a positive sum")
        w = w / w.sum()
        model = cls(center, scale, w, np.zeros((0, x.shape[1])), int(k), 1.0, float(threshold), float(softness))
        ref = model._embed(x)
        d = _pairwise(ref, ref)
        np.fill_diagonal(d, np.inf)
        typical = float(np.median(np.sort(d, axis=1)[:, :k].mean(axis=1)))
        return cls(center, scale, w, ref, int(k), max(typical, 1e-9), float(threshold), float(softness))

    def _embed(self, x: np.ndarray) -> np.ndarray:
        z = np.clip((np.asarray(x, np.float64) - self.center) / self.scale, -CLIP, CLIP)
        return np.nan_to_num(z) * np.sqrt(self.weight)

    def score(self, descriptors: np.ndarray) -> np.ndarray:
        """``(m, D)`` -> ``(m,)`` novelty scores (see the module docstring)."""
        d = _pairwise(self._embed(np.atleast_2d(descriptors)), self.reference.astype(np.float64))
        k = min(self.k, d.shape[1])
        return np.log(np.maximum(np.sort(d, axis=1)[:, :k].mean(axis=1), 1e-12) / self.typical)

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """Scores -> probability-like values in [0, 1], 0.5 at the threshold."""
        return 1.0 / (1.0 + np.exp(-(np.asarray(scores, np.float64) - self.threshold) / self.softness))

    def with_threshold(self, threshold: float) -> "NoveltyModel":
        return NoveltyModel(self.center, self.scale, self.weight, self.reference, self.k, self.typical,
                            float(threshold), self.softness)

    def save(self, path: str) -> None:
        np.savez_compressed(path, format=np.array(FORMAT), center=self.center, scale=self.scale, weight=self.weight,
                            reference=self.reference.astype(np.float16), k=np.array(self.k),
                            typical=np.array(self.typical), threshold=np.array(self.threshold),
                            softness=np.array(self.softness))

    @classmethod
    def load(cls, path: str) -> "NoveltyModel":
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != FORMAT:
                raise ValueError(f"{path} is not a {FORMAT} file")
            return cls(z["center"], z["scale"], z["weight"], z["reference"].astype(np.float64), int(z["k"]),
                       float(z["typical"]), float(z["threshold"]), float(z["softness"]))


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))
