"""The per-video descriptor vector the statistics member reads: :mod:`.video_stats` followed by :mod:`.kinematics`.

Why one module: training, cross-validation, evaluation and scoring must build this vector identically, and a stored
forest is only valid for the layout it was trained on (:data:`DESCRIPTORS_VERSION`, recorded in the model manifest).
Measured by leave-one-source-out cross-validation on real-dev (docs/accuracy.md): the kinematic descriptors beside the
feature statistics raise balanced accuracy from 0.62 to 0.69. Pure numpy, no I/O.
"""

from __future__ import annotations

import numpy as np

from .kinematics import KINEMATIC_NAMES, KINEMATICS_VERSION, NUM_KINEMATIC, kinematic_descriptors
from .table import FEATURE_VERSION
from .video_stats import NUM_STATS, STATS_NAMES, mirror_stats, video_stats

DESCRIPTOR_NAMES: tuple[str, ...] = STATS_NAMES + tuple(f"kinematics:{n}" for n in KINEMATIC_NAMES)
NUM_DESCRIPTORS = len(DESCRIPTOR_NAMES)
DESCRIPTORS_VERSION = f"features-{FEATURE_VERSION}-stats+kinematics-{KINEMATICS_VERSION}"


def video_descriptors(features: np.ndarray, segments: np.ndarray | None, kinematics: np.ndarray) -> np.ndarray:
    """One video's ``(T, NUM_FEATURES)`` features, their segments and its kinematic descriptors -> ``(NUM_DESCRIPTORS,)``."""
    k = np.asarray(kinematics, np.float32)
    if k.shape != (NUM_KINEMATIC,):
        raise ValueError(f"kinematics must be ({NUM_KINEMATIC},), got {k.shape}")
    return np.concatenate([video_stats(features, segments), k])


def landmark_kinematics(landmarks: np.ndarray, world: np.ndarray | None, *, width: int | None, height: int | None,
                        fps: float) -> np.ndarray:
    """Kinematic descriptors from a row's flat landmark arrays: ``(T, 132)`` image and ``(T, 99)`` world (or None).

    Rows store one flat list per sampled frame (NaN where nothing was detected); the aspect ratio is the decoded
    frame's, as for the per-frame features.
    """
    lm = np.asarray(landmarks, np.float32).reshape(-1, 33, 4)
    w = None if world is None or len(world) == 0 else np.asarray(world, np.float32).reshape(-1, 33, 3)
    aspect = (width / height) if width and height else 1.0
    return kinematic_descriptors(lm, w, aspect_ratio=aspect, fps=fps)


def mirror_descriptors(descriptors: np.ndarray) -> np.ndarray:
    """Descriptors of the left/right-mirrored video (``(..., NUM_DESCRIPTORS)``); the kinematic part is symmetric."""
    d = np.asarray(descriptors)
    return np.concatenate([mirror_stats(d[..., :NUM_STATS]), d[..., NUM_STATS:]], axis=-1)


# A camera shot shorter than this is too little of the exercise to describe on its own (measured: 1, 2 and 3 s all
# labelled montages at least as well as the whole video; 2 s best, docs/accuracy.md).
MIN_SHOT_S = 2.0


def shot_descriptors(features: np.ndarray, segments: np.ndarray, feature_frame: np.ndarray, landmarks: np.ndarray,
                     world: np.ndarray | None, shot_start, *, width: int | None, height: int | None, fps: float,
                     min_shot_s: float = MIN_SHOT_S) -> list[tuple[np.ndarray, int]]:
    """A video cut into camera shots -> ``(descriptors (NUM_DESCRIPTORS,), sampled frames)`` of each shot of at
    least ``min_shot_s``; empty unless there are two such shots.

    Why: a tutorial montage shows one exercise from the front, then the side, then seated; statistics over the whole
    video mix views that no single training video has, while each shot alone looks like one. ``shot_start``: sampled
    frame positions where a new shot begins (the ``shot_start`` column; None or empty: one shot); ``feature_frame``:
    the sampled frame of each feature row; ``landmarks``/``world``: the row's flat ``(T, 132)`` / ``(T, 99)`` arrays.
    """
    cuts = [int(c) for c in (shot_start if shot_start is not None else []) if 0 < int(c) < len(landmarks)]
    if not cuts:
        return []
    feature_frame = np.asarray(feature_frame)
    bounds = [0, *sorted(set(cuts)), len(landmarks)]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        keep = (feature_frame >= a) & (feature_frame < b)
        if (b - a) / fps < min_shot_s or keep.sum() < 5:
            continue
        kin = landmark_kinematics(landmarks[a:b], None if world is None or len(world) == 0 else world[a:b],
                                  width=width, height=height, fps=fps)
        out.append((video_descriptors(features[keep], segments[keep], kin), b - a))
    return out if len(out) >= 2 else []
