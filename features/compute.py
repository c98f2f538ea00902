"""Landmarks of one continuous segment -> the (T, 83) feature matrix defined in :mod:`.table`.

Pure numpy. The input must already be clean (no missing frames): use :func:`.sequence.sequence_features` for a raw
video, which drops and interpolates frames and never lets a velocity cross a gap.
"""

from __future__ import annotations

import math

import numpy as np

from .landmarks import LANDMARK_INDEX, NUM_LANDMARKS
from .table import DERIVED_POINTS, FEATURE_TABLE, MIN_TORSO_LENGTH, NUM_FEATURES, FeatureSpec

_AXIS = {"x": 0, "y": 1, "z": 2}
_UP = np.array([0.0, 1.0, 0.0])
_TOWARDS_CAMERA = np.array([0.0, 0.0, 1.0])
_REFERENCE = {"up": _UP, "camera": _TOWARDS_CAMERA}


# --- input handling --------------------------------------------------------------------------------------------

# The sampling rate features are computed at unless told otherwise; the preprocessing contract takes it as its
# default ``sample_fps`` (one place for the number).
DEFAULT_FPS = 15.0

def _check_landmarks(landmarks: np.ndarray) -> np.ndarray:
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1:] != (NUM_LANDMARKS, 4):
        raise ValueError(f"landmarks must have shape (T, {NUM_LANDMARKS}, 4) [x, y, z, visibility], "
                         f"got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("landmarks contain NaN/inf; drop or interpolate missing frames first "
                         "(features.sequence.clean_sequence / sequence_features)")
    return arr


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def to_body_frame(landmarks: np.ndarray, aspect_ratio: float = 1.0) -> np.ndarray:
    """(T, 33, 4) MediaPipe landmarks -> (T, 33, 3) positions in the right-handed frame of :mod:`.table`.

    X = x * aspect (image right), Y = -y (up), Z = -z * aspect (towards the camera); unit = image height. Scaling x
    and z by width/height first is what makes angles independent of the video's aspect ratio.
    """
    arr = np.asarray(landmarks, dtype=np.float64)
    aspect = _check_positive("aspect_ratio", aspect_ratio)
    return np.stack([arr[..., 0] * aspect, -arr[..., 1], -arr[..., 2] * aspect], axis=-1)


def _point(pos: np.ndarray, name: str) -> np.ndarray:
    """(T, 3) position of a landmark or derived midpoint, by name."""
    if name in DERIVED_POINTS:
        a, b = DERIVED_POINTS[name]
        return 0.5 * (pos[:, LANDMARK_INDEX[a]] + pos[:, LANDMARK_INDEX[b]])
    return pos[:, LANDMARK_INDEX[name]]


def reference_torso_length(landmarks: np.ndarray, *, aspect_ratio: float = 1.0) -> float:
    """Robust scale of a pose sequence: median 3-D shoulder-centre to hip-centre distance, floored.

    One value per sequence (not per frame), so a bending trunk does not rescale every other feature. 3-D (with
    MediaPipe's z) so a trunk pointing at the camera is not mistaken for a tiny person. The floor keeps a
    collapsed pose finite. Non-finite frames are ignored.
    """
    pos = to_body_frame(landmarks, aspect_ratio)
    if pos.ndim != 3 or pos.shape[0] == 0:
        return MIN_TORSO_LENGTH
    lengths = np.linalg.norm(_point(pos, "shoulder_centre") - _point(pos, "hip_centre"), axis=-1)
    lengths = lengths[np.isfinite(lengths)]
    if lengths.size == 0:
        return MIN_TORSO_LENGTH
    return max(float(np.median(lengths)), MIN_TORSO_LENGTH)


# --- geometry (all (T, 3) -> (T,); finite for zero-length vectors) ------------------------------------------

def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def _angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in [0, pi] between vectors; atan2 form (exact near 0 and pi, where arccos is not). 0 if either is 0."""
    # the cross product written out: np.cross costs several times more on these small arrays (its axis handling),
    # which mattered where descriptors are made for every span of every video (the analysis); same arithmetic
    ax, ay, az = a[..., 0], a[..., 1], a[..., 2]
    bx, by, bz = b[..., 0], b[..., 1], b[..., 2]
    cross = np.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis=-1)
    return np.arctan2(_norm(cross), np.sum(a * b, axis=-1))


def _joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return _angle_between(a - b, c - b)


def _unit(v: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    n = _norm(v)[..., None]
    return np.where(n > eps, v / np.maximum(n, eps), 0.0)


def _chest_normal(ls: np.ndarray, rs: np.ndarray, lh: np.ndarray, rh: np.ndarray) -> np.ndarray:
    """Direction the chest faces: trunk-up x (left -> right). Uses shoulders and hips for the left-right axis.

    For a person facing the camera, trunk-up = +Y and left->right = -X (their left is on the image right),
    so the normal is +Z, towards the camera.
    """
    up = 0.5 * (ls + rs) - 0.5 * (lh + rh)
    across = (rs - ls) + (rh - lh)
    return np.cross(up, across)


# --- one function per kind: (positions, visibility, item landmarks, spec) -> (T,) ----------------------------

def _incline(p, vis, pts, spec):
    a, b = (_point(p, n) for n in pts)
    return _angle_between(b - a, np.broadcast_to(_UP, a.shape))


def _tilt(p, vis, pts, spec):
    a, b = (_point(p, n) for n in pts)
    d = b - a
    return np.arctan2(np.abs(d[:, 1]), np.hypot(d[:, 0], d[:, 2]))


def _angle(p, vis, pts, spec):
    return _joint_angle(*(_point(p, n) for n in pts))


def _segment_angle(p, vis, pts, spec):
    a, b, c, d = (_point(p, n) for n in pts)
    return _angle_between(b - a, d - c)


def _line_angle(p, vis, pts, spec):
    ang = _segment_angle(p, vis, pts, spec)
    return np.minimum(ang, np.pi - ang)


def _spread(p, vis, pts, spec):
    a, b, c, d = (_point(p, n) for n in pts)
    return np.arctan2(_norm(a - b), _norm(c - d))


def _abduction(p, vis, pts, spec):
    shoulder, elbow, other = (_point(p, n) for n in pts)
    outward = _unit(shoulder - other)
    arm = _unit(elbow - shoulder)
    return np.arcsin(np.clip(np.sum(arm * outward, axis=-1), -1.0, 1.0))


def _hinge(p, vis, pts, spec):
    shoulder, hip, knee, ankle = (_point(p, n) for n in pts)
    hip_flexion = np.pi - _joint_angle(shoulder, hip, knee)
    knee_flexion = np.pi - _joint_angle(hip, knee, ankle)
    return hip_flexion - knee_flexion


def _facing(p, vis, pts, spec):
    normal = _chest_normal(*(_point(p, n) for n in pts))
    return _angle_between(normal, np.broadcast_to(_REFERENCE[spec.reference], normal.shape))


def _visibility(p, vis, pts, spec):
    return vis[:, LANDMARK_INDEX[pts[0]]]


_MEASURES = {
    "incline": _incline, "tilt": _tilt, "angle": _angle, "segment_angle": _segment_angle,
    "line_angle": _line_angle, "spread": _spread, "abduction": _abduction, "hinge": _hinge,
    "facing": _facing, "visibility": _visibility,
}


def _evaluate(spec: FeatureSpec, pos: np.ndarray, vis: np.ndarray, velocity: np.ndarray,
              torso: float) -> np.ndarray:
    if spec.kind == "coord":
        return (_point(pos, spec.landmarks[0]) - _point(pos, "hip_centre"))[:, _AXIS[spec.axis]] / torso
    if spec.kind == "velocity":
        return velocity[:, LANDMARK_INDEX[spec.landmarks[0]], _AXIS[spec.axis]] / torso
    if spec.kind == "distance":
        a, b = (_point(pos, n) for n in spec.landmarks)
        return _norm(a - b) / torso
    measure = _MEASURES[spec.kind]
    return np.mean([measure(pos, vis, item, spec) for item in spec.items], axis=0)


def _velocity(pos: np.ndarray, fps: float) -> np.ndarray:
    """Backward difference per second, (T, 33, 3); frame 0 takes frame 1's value (difference to the next frame)."""
    v = np.zeros_like(pos)
    if len(pos) > 1:
        v[1:] = np.diff(pos, axis=0) * fps
        v[0] = v[1]
    return v


def compute_features(landmarks: np.ndarray, *, aspect_ratio: float = 1.0, fps: float = DEFAULT_FPS,
                     torso_length: float | None = None) -> np.ndarray:
    """(T, 33, 4) landmarks of ONE continuous segment -> float32 (T, 83) features, in :data:`FEATURE_NAMES` order.

    ``aspect_ratio`` = frame width / height. ``fps`` = rate of the given frames (velocities are per second).
    ``torso_length`` = scale in image heights; by default :func:`reference_torso_length` of these frames
    (:func:`.sequence.sequence_features` passes one value for the whole video). Any finite input, including a
    fully collapsed pose, gives finite output; NaN/inf input raises ValueError.
    """
    arr = _check_landmarks(landmarks)
    aspect = _check_positive("aspect_ratio", aspect_ratio)
    fps = _check_positive("fps", fps)
    if torso_length is None:
        torso = reference_torso_length(arr, aspect_ratio=aspect)
    else:
        torso = max(_check_positive("torso_length", torso_length), MIN_TORSO_LENGTH)

    out = np.zeros((arr.shape[0], NUM_FEATURES), dtype=np.float32)
    if arr.shape[0] == 0:
        return out
    pos = to_body_frame(arr, aspect)
    vis = arr[..., 3]
    velocity = _velocity(pos, fps)
    for i, spec in enumerate(FEATURE_TABLE):
        out[:, i] = _evaluate(spec, pos, vis, velocity, torso)
    # Finite for finite input by construction; the clip only guards float32 overflow of absurd coordinates.
    return np.nan_to_num(out, nan=0.0, posinf=np.finfo(np.float32).max, neginf=np.finfo(np.float32).min)
