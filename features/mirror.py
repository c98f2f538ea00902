"""Left/right mirror augmentation, on landmarks or directly on feature arrays.

Mirroring the image (x -> 1 - x) turns the subject's left side into the right: every ``left_*`` landmark/feature
trades places with its ``right_*`` twin and horizontal quantities change sign. On features this is an index
permutation plus sign flips (:data:`MIRROR_PERMUTATION`, :data:`MIRROR_SIGNS`), derived from the table's names, so
training can mirror stored windows without the landmarks. ``tests/features`` checks that both routes agree.
"""

from __future__ import annotations

import numpy as np

from .landmarks import NUM_LANDMARKS, mirror_index
from .table import FEATURE_INDEX, FEATURE_TABLE, NUM_FEATURES


def _twin(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[len("left_"):]
    if name.startswith("right_"):
        return "left_" + name[len("right_"):]
    return name


def _permutation() -> np.ndarray:
    try:
        return np.array([FEATURE_INDEX[_twin(spec.name)] for spec in FEATURE_TABLE], dtype=np.intp)
    except KeyError as e:  # a left_ feature without its right_ twin: the table is broken
        raise AssertionError(f"feature table: no mirror twin named {e.args[0]!r}") from None


# mirrored[..., i] = MIRROR_SIGNS[i] * features[..., MIRROR_PERMUTATION[i]]
MIRROR_PERMUTATION: np.ndarray = _permutation()
MIRROR_SIGNS: np.ndarray = np.array([spec.mirror_sign for spec in FEATURE_TABLE], dtype=np.float32)
_LANDMARK_PERMUTATION = np.array(mirror_index(), dtype=np.intp)


def mirror_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """(..., 33, 4) landmarks of the horizontally flipped image: swap left/right landmarks, x -> 1 - x.

    z and visibility move with their landmark unchanged. NaN rows stay NaN; all-zero "no person" rows stay zero.
    """
    arr = np.asarray(landmarks)
    if arr.ndim < 2 or arr.shape[-2:] != (NUM_LANDMARKS, 4):
        raise ValueError(f"landmarks must have shape (..., {NUM_LANDMARKS}, 4), got {arr.shape}")
    out = arr[..., _LANDMARK_PERMUTATION, :].copy()
    empty = np.all(arr == 0, axis=(-2, -1))
    out[..., 0] = np.where(empty[..., None], out[..., 0], 1.0 - out[..., 0])
    return out


def mirror_features(features: np.ndarray) -> np.ndarray:
    """(..., 83) features of the mirrored pose, computed from the features alone (same dtype)."""
    arr = np.asarray(features)
    if arr.ndim < 1 or arr.shape[-1] != NUM_FEATURES:
        raise ValueError(f"features must have shape (..., {NUM_FEATURES}), got {arr.shape}")
    return (arr[..., MIRROR_PERMUTATION] * MIRROR_SIGNS).astype(arr.dtype, copy=False)
