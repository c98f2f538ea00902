"""The per-video statistics member: a random forest on :mod:`..features.descriptors`, stored without pickle.

Trained with scikit-learn (balanced class weights, left/right-mirrored copies of every training video), applied with
numpy through :class:`.forest.Forest`, with test-time mirroring (the mean of a video's and its mirror's
probabilities), so a curl done with the left arm is the same evidence as one done with the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..features.descriptors import NUM_DESCRIPTORS, mirror_descriptors, video_descriptors
from .config import StatsConfig
from .forest import Forest

FOREST_FILE = "forest.npz"


@dataclass(frozen=True, eq=False)
class StatsModel:
    forest: Forest
    n_classes: int
    mirror_tta: bool = True
    temperature: float = 1.0

    @classmethod
    def fit(cls, stats: np.ndarray, y: np.ndarray, n_classes: int, cfg: StatsConfig = StatsConfig(), *,
            sample_weight: np.ndarray | None = None) -> "StatsModel":
        """``stats`` (n, NUM_DESCRIPTORS), ``y`` class indices (n,). Mirrored copies join training when ``cfg.mirror``."""
        from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

        x = np.asarray(stats, np.float32)
        y = np.asarray(y, np.int64)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
        if x.ndim != 2 or x.shape[1] != NUM_DESCRIPTORS or len(x) != len(y) or len(y) == 0:
            raise ValueError(f"need (n, {NUM_DESCRIPTORS}) statistics and n labels, got {x.shape} and {y.shape}")
        if cfg.mirror:
            x, y, w = np.concatenate([x, mirror_descriptors(x)]), np.concatenate([y, y]), np.concatenate([w, w])
        kind = {"random_forest": RandomForestClassifier, "extra_trees": ExtraTreesClassifier}[cfg.kind]
        est = kind(n_estimators=cfg.n_trees, min_samples_leaf=cfg.min_samples_leaf, max_features=cfg.max_features,
                   class_weight="balanced", random_state=cfg.seed, n_jobs=-1)
        est.fit(x, y, sample_weight=w)
        return cls(Forest.from_sklearn(est), int(n_classes), cfg.mirror_tta, cfg.temperature)

    def predict_proba(self, stats: np.ndarray) -> np.ndarray:
        """``(n, NUM_DESCRIPTORS)`` -> ``(n, n_classes)`` probabilities (classes never seen in training get 0)."""
        x = np.asarray(stats, np.float32)
        p = self.forest.predict_proba(x)
        if self.mirror_tta:
            p = (p + self.forest.predict_proba(mirror_descriptors(x))) / 2
        out = np.zeros((len(x), self.n_classes), np.float32)
        out[:, self.forest.classes] = p
        if self.temperature != 1.0:
            from .calibration import apply_temperature

            out = apply_temperature(out, self.temperature)
        return out

    def save(self, path: str) -> None:
        self.forest.save(path)

    @classmethod
    def load(cls, path: str, n_classes: int, mirror_tta: bool = True, temperature: float = 1.0) -> "StatsModel":
        return cls(Forest.load(path), n_classes, mirror_tta, temperature)


def stats_of(videos: Sequence) -> np.ndarray:
    """``(n, NUM_DESCRIPTORS)`` for objects with ``features``, ``segments`` and ``kinematics`` (dataset videos)."""
    return np.stack([video_descriptors(v.features, v.segments, v.kinematics) for v in videos]) if len(videos) else \
        np.zeros((0, NUM_DESCRIPTORS), np.float32)
