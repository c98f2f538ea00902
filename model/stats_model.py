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
    none_forest: Forest | None = None     # "none of the 22": exercise (0) vs non-exercise motion (1)
    none_threshold: float = 0.5           # P(none of the 22) from which a video is flagged

    @classmethod
    def fit(cls, stats: np.ndarray, y: np.ndarray, n_classes: int, cfg: StatsConfig = StatsConfig(), *,
            sample_weight: np.ndarray | None = None, negatives: np.ndarray | None = None) -> "StatsModel":
        """``stats`` (n, NUM_DESCRIPTORS), ``y`` class indices (n,). Mirrored copies join training when ``cfg.mirror``.

        ``negatives``: descriptors of motion that is none of the 22 (walking, stretching ...). When given, a second,
        binary forest learns exercise against not; the 22-class forest never sees them, so the negatives cannot cost
        the classifier accuracy (measured: as a 23rd class they cost 2 points of leave-one-source-out top-1).
        """
        x = np.asarray(stats, np.float32)
        y = np.asarray(y, np.int64)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
        if x.ndim != 2 or x.shape[1] != NUM_DESCRIPTORS or len(x) != len(y) or len(y) == 0:
            raise ValueError(f"need (n, {NUM_DESCRIPTORS}) statistics and n labels, got {x.shape} and {y.shape}")
        if cfg.mirror:
            x, y, w = np.concatenate([x, mirror_descriptors(x)]), np.concatenate([y, y]), np.concatenate([w, w])
        forest = _fit_forest(x, y, w, cfg)
        none_forest = None
        if negatives is not None and len(negatives):
            neg = np.asarray(negatives, np.float32)
            if cfg.mirror:
                neg = np.concatenate([neg, mirror_descriptors(neg)])
            none_forest = _fit_forest(np.concatenate([x, neg]), np.r_[np.zeros(len(x)), np.ones(len(neg))].astype(np.int64),
                                      np.r_[w, np.ones(len(neg))], cfg)
        return cls(forest, int(n_classes), cfg.mirror_tta, cfg.temperature, none_forest, cfg.none_threshold)

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

    def video_proba(self, stats: np.ndarray, shots: Sequence | None = None) -> np.ndarray:
        """:meth:`predict_proba` per video, except that a video cut into camera shots (``shots[i]``: two or more
        ``(descriptors, sampled frames)`` from :func:`..features.descriptors.shot_descriptors`) gets the
        frame-weighted mean of its shots' probabilities.

        Measured by leave-one-source-out on real-dev: 17 montage clips (two or more shots of 2 s or more) labelled
        0.588 from whole-video descriptors, 0.706 shot by shot (docs/accuracy.md).
        """
        p = self.predict_proba(stats)
        for i, shot in enumerate(shots or []):
            if shot is not None and len(shot) >= 2:
                w = np.array([n for _, n in shot], np.float64)
                p[i] = (w / w.sum()) @ self.predict_proba(np.stack([d for d, _ in shot]))
        return p

    def none_probability(self, stats: np.ndarray) -> np.ndarray | None:
        """``(n, NUM_DESCRIPTORS)`` -> ``(n,)`` probability that each video's motion is none of the 22 (None: the
        member was trained without negatives). Mirrored like :meth:`predict_proba`."""
        if self.none_forest is None:
            return None
        x = np.asarray(stats, np.float32)
        p = self.none_forest.predict_proba(x)
        if self.mirror_tta:
            p = (p + self.none_forest.predict_proba(mirror_descriptors(x))) / 2
        return p[:, list(self.none_forest.classes).index(1)] if 1 in self.none_forest.classes else np.zeros(len(x))

    def save(self, path: str) -> None:
        self.forest.save(path)

    @classmethod
    def load(cls, path: str, n_classes: int, mirror_tta: bool = True, temperature: float = 1.0,
             none_path: str | None = None, none_threshold: float = 0.5) -> "StatsModel":
        return cls(Forest.load(path), n_classes, mirror_tta, temperature,
                   Forest.load(none_path) if none_path else None, float(none_threshold))


def _fit_forest(x: np.ndarray, y: np.ndarray, w: np.ndarray, cfg: StatsConfig) -> Forest:
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    kind = {"random_forest": RandomForestClassifier, "extra_trees": ExtraTreesClassifier}[cfg.kind]
    est = kind(n_estimators=cfg.n_trees, min_samples_leaf=cfg.min_samples_leaf, max_features=cfg.max_features,
               class_weight="balanced", random_state=cfg.seed, n_jobs=-1)
    est.fit(x, y, sample_weight=w)
    return Forest.from_sklearn(est)


def stats_of(videos: Sequence) -> np.ndarray:
    """``(n, NUM_DESCRIPTORS)`` for objects with ``features``, ``segments`` and ``kinematics`` (dataset videos)."""
    return np.stack([video_descriptors(v.features, v.segments, v.kinematics) for v in videos]) if len(videos) else \
        np.zeros((0, NUM_DESCRIPTORS), np.float32)
