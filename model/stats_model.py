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
from .novelty import NoveltyModel

FOREST_FILE = "forest.npz"


@dataclass(frozen=True, eq=False)
class StatsModel:
    forest: Forest
    n_classes: int
    mirror_tta: bool = True
    temperature: float = 1.0
    novelty: NoveltyModel | None = None   # "none of the 22": distance to the same training videos

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
        forest = Forest.from_sklearn(est)
        novelty = NoveltyModel.fit(x, weight=forest.split_share(), k=cfg.novelty_k,
                                   threshold=cfg.novelty_threshold) if cfg.novelty else None
        return cls(forest, int(n_classes), cfg.mirror_tta, cfg.temperature, novelty)

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

    def novelty_probability(self, stats: np.ndarray) -> np.ndarray | None:
        """``(n, NUM_DESCRIPTORS)`` -> ``(n,)`` probability that each video's motion is none of the 22 (None:
        no novelty reference). A mirrored video is as familiar as the video: the lower of the two scores counts."""
        if self.novelty is None:
            return None
        x = np.asarray(stats, np.float32)
        s = np.minimum(self.novelty.score(x), self.novelty.score(mirror_descriptors(x)))
        return self.novelty.probability(s)

    def save(self, path: str) -> None:
        self.forest.save(path)

    @classmethod
    def load(cls, path: str, n_classes: int, mirror_tta: bool = True, temperature: float = 1.0,
             novelty: NoveltyModel | None = None) -> "StatsModel":
        return cls(Forest.load(path), n_classes, mirror_tta, temperature, novelty)


def stats_of(videos: Sequence) -> np.ndarray:
    """``(n, NUM_DESCRIPTORS)`` for objects with ``features``, ``segments`` and ``kinematics`` (dataset videos)."""
    return np.stack([video_descriptors(v.features, v.segments, v.kinematics) for v in videos]) if len(videos) else \
        np.zeros((0, NUM_DESCRIPTORS), np.float32)
