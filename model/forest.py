"""A tree ensemble as plain arrays: trained with scikit-learn, stored as ``.npz`` (no pickle), applied with numpy.

Why: the per-video statistics model is a random forest / extra-trees classifier. scikit-learn can only persist it with
pickle, which this project never uses for artifacts (loading a pickle runs code). A fitted forest is nothing but
arrays (per node: children, split feature, threshold; per leaf: class distribution), so it is exported as those
arrays and evaluated here with a vectorised descent, giving exactly scikit-learn's ``predict_proba``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FORMAT = "exercise-classifier-forest/v1"


@dataclass(frozen=True, eq=False)
class Forest:
    """All trees concatenated; ``roots[t]`` is the first node of tree ``t``. Leaves have ``left == -1``."""

    left: np.ndarray        # (nodes,) int32, global index of the left child, -1 at leaves
    right: np.ndarray       # (nodes,) int32
    feature: np.ndarray     # (nodes,) int32
    threshold: np.ndarray   # (nodes,) float64 (scikit-learn compares X <= threshold in float32 -> float64)
    value: np.ndarray       # (nodes, classes) float32: class distribution of the leaf (rows of inner nodes unused)
    roots: np.ndarray       # (trees,) int32
    classes: np.ndarray     # (classes,) int64, the label indices the columns stand for
    n_features: int

    @classmethod
    def from_sklearn(cls, model) -> "Forest":
        """From a fitted ``RandomForestClassifier`` / ``ExtraTreesClassifier`` (single output)."""
        lefts, rights, feats, thrs, vals, roots = [], [], [], [], [], []
        offset = 0
        for est in model.estimators_:
            t = est.tree_
            n = t.node_count
            leaf = t.children_left < 0
            lefts.append(np.where(leaf, -1, t.children_left + offset).astype(np.int32))
            rights.append(np.where(leaf, -1, t.children_right + offset).astype(np.int32))
            feats.append(np.where(leaf, 0, t.feature).astype(np.int32))
            thrs.append(t.threshold.astype(np.float64))
            v = t.value[:, 0, :].astype(np.float64)
            v = v / np.maximum(v.sum(axis=1, keepdims=True), 1e-12)   # counts or fractions -> distribution
            vals.append(v.astype(np.float32))
            roots.append(offset)
            offset += n
        return cls(np.concatenate(lefts), np.concatenate(rights), np.concatenate(feats), np.concatenate(thrs),
                   np.concatenate(vals), np.asarray(roots, np.int32), np.asarray(model.classes_, np.int64),
                   int(model.n_features_in_))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``(n, n_features)`` -> ``(n, len(classes))``: the mean of the trees' leaf distributions."""
        x = np.asarray(x, np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"expected (n, {self.n_features}) features, got {x.shape}")
        x = x.astype(np.float64)
        rows = np.arange(len(x))
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()   # (n, trees)
        while True:
            inner = self.left[node] >= 0
            if not inner.any():
                break
            r, t = np.nonzero(inner)
            cur = node[r, t]
            go_left = x[rows[r], self.feature[cur]] <= self.threshold[cur]
            node[r, t] = np.where(go_left, self.left[cur], self.right[cur])
        return self.value[node].mean(axis=1)

    def save(self, path: str) -> None:
        np.savez_compressed(path, format=np.array(FORMAT), left=self.left, right=self.right, feature=self.feature,
                            threshold=self.threshold, value=self.value.astype(np.float16), roots=self.roots,
                            classes=self.classes, n_features=np.array(self.n_features))

    @classmethod
    def load(cls, path: str) -> "Forest":
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != FORMAT:
                raise ValueError(f"{path} is not a {FORMAT} file")
            return cls(z["left"], z["right"], z["feature"], z["threshold"], z["value"].astype(np.float32),
                       z["roots"], z["classes"], int(z["n_features"]))
