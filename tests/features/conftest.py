"""Hand-built poses with known geometry, written in a body frame and rendered to MediaPipe's image coordinates.

Body frame (as in features.table): X = image right, Y = up, Z = towards the camera; unit = metres-ish. The default
person stands facing the camera with straight arms hanging and straight legs; torso length 0.5.
Hips, knees and ankles sit straight under the shoulders, so every limb line is exactly vertical.
"""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.features.landmarks import LANDMARK_INDEX, NUM_LANDMARKS

# The subject faces the camera, so their left side is at image right (+X).
STANDING: dict[str, tuple[float, float, float]] = {
    "nose": (0.0, 1.6, 0.1),
    "left_eye_inner": (0.02, 1.65, 0.08), "left_eye": (0.035, 1.65, 0.08), "left_eye_outer": (0.05, 1.65, 0.07),
    "right_eye_inner": (-0.02, 1.65, 0.08), "right_eye": (-0.035, 1.65, 0.08),
    "right_eye_outer": (-0.05, 1.65, 0.07),
    "left_ear": (0.08, 1.62, 0.0), "right_ear": (-0.08, 1.62, 0.0),
    "mouth_left": (0.03, 1.55, 0.08), "mouth_right": (-0.03, 1.55, 0.08),
    "left_shoulder": (0.2, 1.4, 0.0), "right_shoulder": (-0.2, 1.4, 0.0),
    "left_elbow": (0.2, 1.1, 0.0), "right_elbow": (-0.2, 1.1, 0.0),
    "left_wrist": (0.2, 0.8, 0.0), "right_wrist": (-0.2, 0.8, 0.0),
    # palms forward (supinated): knuckle line pinky -> index runs parallel to the shoulder line
    "left_pinky": (0.17, 0.72, 0.0), "right_pinky": (-0.17, 0.72, 0.0),
    "left_index": (0.23, 0.72, 0.0), "right_index": (-0.23, 0.72, 0.0),
    "left_thumb": (0.25, 0.76, 0.0), "right_thumb": (-0.25, 0.76, 0.0),
    "left_hip": (0.2, 0.9, 0.0), "right_hip": (-0.2, 0.9, 0.0),
    "left_knee": (0.2, 0.5, 0.0), "right_knee": (-0.2, 0.5, 0.0),
    "left_ankle": (0.2, 0.1, 0.0), "right_ankle": (-0.2, 0.1, 0.0),
    "left_heel": (0.2, 0.05, -0.05), "right_heel": (-0.2, 0.05, -0.05),
    "left_foot_index": (0.2, 0.1, 0.15), "right_foot_index": (-0.2, 0.1, 0.15),
}
TORSO = 0.5


def body(**overrides) -> np.ndarray:
    """(33, 3) body-frame points: the standing pose with some points replaced."""
    pts = dict(STANDING)
    for name, p in overrides.items():
        assert name in LANDMARK_INDEX, name
        pts[name] = p
    out = np.zeros((NUM_LANDMARKS, 3))
    for name, p in pts.items():
        out[LANDMARK_INDEX[name]] = p
    return out


def rotate(points: np.ndarray, axis: str, degrees: float, centre=(0.0, 0.9, 0.0)) -> np.ndarray:
    """Rotate body-frame points about a coordinate axis through ``centre`` (right-handed)."""
    t = np.radians(degrees)
    c, s = np.cos(t), np.sin(t)
    r = {"x": [[1, 0, 0], [0, c, -s], [0, s, c]],
         "y": [[c, 0, s], [0, 1, 0], [-s, 0, c]],
         "z": [[c, -s, 0], [s, c, 0], [0, 0, 1]]}[axis]
    centre = np.asarray(centre)
    return (np.asarray(points) - centre) @ np.asarray(r).T + centre


def render(points: np.ndarray, *, aspect: float = 1.0, scale: float = 0.4, offset=(0.5, 0.9),
           visibility: float = 0.95) -> np.ndarray:
    """Body-frame points (..., 33, 3) -> MediaPipe landmarks (..., 33, 4) for a frame of width/height = aspect.

    ``scale`` = image heights per body unit; ``offset`` = where body (0, 0) lands, in image heights from the top left.
    """
    p = np.asarray(points, dtype=np.float64)
    x = (offset[0] + scale * p[..., 0]) / aspect
    y = offset[1] - scale * p[..., 1]
    z = -scale * p[..., 2] / aspect
    return np.stack([x, y, z, np.full_like(x, visibility)], axis=-1)


def frames(*poses: np.ndarray, **render_kwargs) -> np.ndarray:
    """Several body-frame poses -> (T, 33, 4) landmarks."""
    return render(np.stack(poses), **render_kwargs)


@pytest.fixture
def standing() -> np.ndarray:
    return frames(body())


@pytest.fixture
def pose():
    """The helpers above, for tests: pose.body(...), pose.rotate(...), pose.render(...), pose.frames(...)."""
    from types import SimpleNamespace

    return SimpleNamespace(body=body, rotate=rotate, render=render, frames=frames, TORSO=TORSO)
