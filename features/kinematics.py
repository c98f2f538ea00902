"""Per-video kinematic descriptors aimed at the look-alike pairs: what moves, relative to what, and how far.

Why a second family beside :mod:`.video_stats`: statistics of each per-frame feature on its own cannot say that the
hips rise while the wrists stay put (pull-up, not lat pulldown), that the hips hinge while the knees hardly bend
(romanian deadlift, not deadlift), or that both wrists keep one distance (a rigid bar). These need two signals at
once (range ratios, correlations, one signal read where another is at its extreme) and the whole body's translation
in the image, which hip-centred world landmarks cannot show.

Every descriptor is left/right symmetric by construction (sums and absolute differences of the two sides, the
hip-line axis signed from left to right), so a mirrored video has the same descriptors and test-time mirroring needs
nothing here.

Inputs are the pose stage's own arrays for the detected frames: image landmarks ``(T, 33, 4)`` and, where present,
MediaPipe's world landmarks ``(T, 33, 3)`` (metres, origin between the hips, axes along the camera's). Gravity is
assumed to point down the image, as in :mod:`.table`. Pure numpy, no I/O.
"""

from __future__ import annotations

import numpy as np

from .compute import _joint_angle as _angle
from .compute import _unit
from .landmarks import LANDMARK_INDEX as I

# Bump when any descriptor's meaning changes: a statistics member records the version it was trained on.
KINEMATICS_VERSION = "1.0"

_EPS = 1e-6


def _pair(pos: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    return pos[:, I[f"left_{name}"]], pos[:, I[f"right_{name}"]]


def _yaw_canonical(world: np.ndarray) -> np.ndarray:
    """Rotate world landmarks about the vertical axis so the body's median left->right line lies along +x.

    One rotation per video (the median direction of the hip and shoulder lines), so a twisting body still twists.
    World axes: x right, y down, z away from the camera; y is kept, so pitch and roll against gravity stay explicit.
    """
    across = (world[:, I["right_hip"]] - world[:, I["left_hip"]]) + \
        (world[:, I["right_shoulder"]] - world[:, I["left_shoulder"]])
    d = np.median(across[:, [0, 2]], axis=0)
    theta = np.arctan2(d[1], d[0])
    c, s = np.cos(theta), np.sin(theta)
    out = world.copy()
    out[..., 0] = c * world[..., 0] + s * world[..., 2]
    out[..., 2] = -s * world[..., 0] + c * world[..., 2]
    return out


# joint angles (3D world): name -> (a, b, c), the angle at b; and the limb ends whose position is described
_ANGLES = {
    "elbow": ("shoulder", "elbow", "wrist"),
    "knee": ("hip", "knee", "ankle"),
    "hip": ("shoulder", "hip", "knee"),
    "shoulder": ("hip", "shoulder", "elbow"),
    "wrist": ("elbow", "wrist", "index"),
}
_ANGLE_POINTS = tuple(np.array([I[f"{side}_{points[p]}"] for points in _ANGLES.values() for side in ("left", "right")])
                      for p in range(3))
_LIMBS = ("wrist", "elbow", "knee", "ankle", "index")
_LIMB_LEFT = np.array([I[f"left_{n}"] for n in _LIMBS])
_LIMB_RIGHT = np.array([I[f"right_{n}"] for n in _LIMBS])


def _signals(image: np.ndarray, world: np.ndarray, aspect: float) -> dict[str, np.ndarray]:
    """Per-frame symmetric signals (each ``(T,)``), named.

    Several landmarks or joints at once where the arithmetic per element is the same (measured bit-identical to one
    at a time on 750 real-dev videos and spans): the analysis computes these for every span of every video, and
    numpy's per-call cost on arrays of a few hundred frames was most of the time."""
    T = len(image)
    # image plane, unit = image height, y up
    p = np.stack([image[..., 0] * aspect, -image[..., 1]], axis=-1)
    sh = (p[:, I["left_shoulder"]] + p[:, I["right_shoulder"]]) / 2
    hip = (p[:, I["left_hip"]] + p[:, I["right_hip"]]) / 2
    torso_img = max(float(np.median(np.linalg.norm(sh - hip, axis=-1))), 0.01)
    wrist = (p[:, I["left_wrist"]] + p[:, I["right_wrist"]]) / 2
    knee = (p[:, I["left_knee"]] + p[:, I["right_knee"]]) / 2
    ankle = (p[:, I["left_ankle"]] + p[:, I["right_ankle"]]) / 2
    nose = p[:, I["nose"]]
    trunk = sh - hip
    s: dict[str, np.ndarray] = {}
    # whole-body translation in the image (relative to the video's median, torso lengths)
    ys = np.stack([hip[:, 1], sh[:, 1], wrist[:, 1], ankle[:, 1], nose[:, 1]])
    for name, y, med in zip(("hip", "shoulder", "wrist", "ankle", "nose"), ys, np.median(ys, axis=1)):
        s[f"img_{name}_y"] = (y - med) / torso_img
    # where things are relative to the hips, in the image (knees above hips: decline bench, leg raises)
    for name, q in (("shoulder", sh), ("wrist", wrist), ("knee", knee), ("ankle", ankle), ("nose", nose)):
        s[f"img_{name}_above_hip"] = (q[:, 1] - hip[:, 1]) / torso_img
    s["img_wrist_above_shoulder"] = (wrist[:, 1] - sh[:, 1]) / torso_img
    s["img_trunk_pitch"] = np.arctan2(np.abs(trunk[:, 0]), trunk[:, 1])   # 0 = upright, pi/2 = lying, pi = head down

    if world is None:
        w = np.zeros((T, 33, 3))
    else:
        w = _yaw_canonical(np.asarray(world, np.float64))
        w[..., 1] *= -1.0                      # y up
    wsh = (w[:, I["left_shoulder"]] + w[:, I["right_shoulder"]]) / 2
    whip = (w[:, I["left_hip"]] + w[:, I["right_hip"]]) / 2
    torso = max(float(np.median(np.linalg.norm(wsh - whip, axis=-1))), 0.05)
    shoulder_w = np.maximum(np.linalg.norm(w[:, I["left_shoulder"]] - w[:, I["right_shoulder"]], axis=-1), 0.05)
    up = np.array([0.0, 1.0, 0.0])
    s["trunk_pitch"] = np.arccos(np.clip((_unit(wsh - whip) * up).sum(-1), -1, 1))
    # canonical positions of the limbs' ends relative to the hip centre (torso lengths); x as half-spread
    lft, rgt, wh = w[:, _LIMB_LEFT], w[:, _LIMB_RIGHT], whip[:, None]          # (T, limbs, 3): all limbs at once
    height = ((lft[..., 1] + rgt[..., 1]) / 2 - wh[..., 1]) / torso
    depth = ((lft[..., 2] + rgt[..., 2]) / 2 - wh[..., 2]) / torso
    spread = (rgt[..., 0] - lft[..., 0]) / 2 / torso
    lr_diff = np.linalg.norm((lft - wh) - (rgt - wh) * np.array([-1, 1, 1]), axis=-1) / torso
    for i, name in enumerate(_LIMBS):
        s[f"w_{name}_y"], s[f"w_{name}_z"] = height[:, i], depth[:, i]
        s[f"w_{name}_spread"], s[f"w_{name}_lr_diff"] = spread[:, i], lr_diff[:, i]
    lw, rw = _pair(w, "wrist")
    s["wrist_gap"] = np.linalg.norm(lw - rw, axis=-1) / shoulder_w
    # joint angles (3D world), both sides summed and differenced; every joint and side in one call
    angles = _angle(w[:, _ANGLE_POINTS[0]], w[:, _ANGLE_POINTS[1]], w[:, _ANGLE_POINTS[2]])     # (T, 2 x joints)
    for k, name in enumerate(_ANGLES):
        la, ra = angles[:, 2 * k], angles[:, 2 * k + 1]
        s[f"ang_{name}"] = (la + ra) / 2
        s[f"ang_{name}_lr_diff"] = np.abs(la - ra)
        s[f"_ang_{name}_l"], s[f"_ang_{name}_r"] = la, ra
    # grip: how the knuckle line (pinky -> index) lies against the shoulder line and the vertical
    for side, sign in (("left", -1.0), ("right", 1.0)):
        k = _unit(w[:, I[f"{side}_index"]] - w[:, I[f"{side}_pinky"]])
        s[f"_knuckle_across_{side}"] = np.abs(k[:, 0])
        s[f"_knuckle_up_{side}"] = np.abs(k[:, 1])
        fore = _unit(w[:, I[f"{side}_wrist"]] - w[:, I[f"{side}_elbow"]])
        s[f"_forearm_up_{side}"] = fore[:, 1]
        # upper arm in front of / behind the trunk (elbows pinned at the sides vs raised)
        s[f"_elbow_forward_{side}"] = (w[:, I[f"{side}_elbow"], 2] - w[:, I[f"{side}_shoulder"], 2]) / torso
    for key in ("knuckle_across", "knuckle_up", "forearm_up", "elbow_forward"):
        s[key] = (s.pop(f"_{key}_left") + s.pop(f"_{key}_right")) / 2
    return s


def _corrs(a: np.ndarray, b: np.ndarray) -> list[float]:
    """Pearson correlation of each row pair of ``(k, T)`` signals; 0 where either is (nearly) constant or T < 3.
    Written out for all pairs at once: ``np.corrcoef`` per pair cost more than the rest of a descriptor."""
    k, n = a.shape
    if n < 3:
        return [0.0] * k
    da, db = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    saa, sbb = np.einsum("ij,ij->i", da, da), np.einsum("ij,ij->i", db, db)
    ok = (saa >= 1e-12 * n) & (sbb >= 1e-12 * n)
    r = np.einsum("ij,ij->i", da, db) / np.sqrt(np.where(ok, saa * sbb, 1.0))
    return np.where(ok, np.clip(r, -1.0, 1.0), 0.0).tolist()


# Pairs read together: (name, a, b) -> correlation of a and b, and span(a) / (span(a) + span(b)).
_COUPLED = (
    ("hip_vs_wrist_img", "img_hip_y", "img_wrist_y"),          # pull-up / dips: the body moves; pulldown: the hands
    ("shoulder_vs_wrist_img", "img_shoulder_y", "img_wrist_y"),
    ("knee_vs_hip_angle", "ang_knee", "ang_hip"),              # deadlift: both; romanian deadlift: hips alone
    ("elbow_vs_shoulder_angle", "ang_elbow", "ang_shoulder"),  # curls/pushdown: elbow; raises/fly: shoulder
    ("elbow_vs_wrist_gap", "ang_elbow", "wrist_gap"),          # press: elbows bend; fly: the hands travel apart
    ("hip_img_vs_knee_angle", "img_hip_y", "ang_knee"),
    ("wrist_img_vs_elbow_angle", "img_wrist_y", "ang_elbow"),
)

# signal whose value is read where another is at its low end: (name, read, where_low)
_AT_BOTTOM = (
    ("knee_at_hip_bottom", "ang_knee", "ang_hip"),
    ("wrist_above_knee_at_hip_bottom", "w_wrist_y", "ang_hip"),
    ("trunk_pitch_at_hip_bottom", "trunk_pitch", "ang_hip"),
    ("hip_above_knee_img_at_bottom", "img_knee_above_hip", "img_hip_y"),
    ("elbow_at_wrist_low", "ang_elbow", "img_wrist_above_shoulder"),
    ("shoulder_at_elbow_bent", "ang_shoulder", "ang_elbow"),
)

_SYNC = ("elbow", "knee", "hip", "shoulder")   # joints whose left/right angles are correlated

_PER_SIGNAL = ("mean", "sd", "p10", "p90")


def _names() -> tuple[str, ...]:
    dummy = _signals(np.zeros((2, 33, 4)), np.zeros((2, 33, 3)), 1.0)
    names = [f"{k}:{st}" for k in dummy if not k.startswith("_") for st in _PER_SIGNAL]
    names += [f"{n}:{what}" for n, _, _ in _COUPLED for what in ("corr", "share")]
    names += [f"{n}" for n, _, _ in _AT_BOTTOM]
    names += [f"sync_{j}" for j in _SYNC]
    names += ["dominant_period_s", "periodicity"]
    return tuple(names)


def _period(x: np.ndarray, fps: float) -> tuple[float, float]:
    """Dominant period (s) and the autocorrelation there, of a 1-D signal: rep tempo without counting reps."""
    x = x - x.mean()
    n = len(x)
    if n < 8 or x.std() < 1e-6:
        return 0.0, 0.0
    ac = np.correlate(x, x, "full")[n - 1:] / (x.var() * np.arange(n, 0, -1))
    lo = max(2, int(0.5 * fps))
    hi = min(n // 2, int(8 * fps))
    if hi <= lo:
        return 0.0, 0.0
    k = lo + int(np.argmax(ac[lo:hi]))
    return k / fps, float(ac[k])


def kinematic_descriptors(landmarks: np.ndarray, world: np.ndarray | None, *, aspect_ratio: float,
                          fps: float) -> np.ndarray:
    """``(T, 33, 4)`` image landmarks (+ ``(T, 33, 3)`` world, or None) of the detected frames -> ``(NUM_KINEMATIC,)``."""
    lm = np.asarray(landmarks, np.float64)
    if lm.ndim != 3 or lm.shape[1:] != (33, 4) or len(lm) == 0:
        raise ValueError(f"landmarks must be (T >= 1, 33, 4), got {lm.shape}")
    if world is not None:
        world = np.asarray(world, np.float64)
        if world.shape != (len(lm), 33, 3):
            raise ValueError(f"world landmarks must be ({len(lm)}, 33, 3), got {world.shape}")
    keep = np.isfinite(lm[..., :3]).all(axis=(1, 2))
    if world is not None:
        keep &= np.isfinite(world).all(axis=(1, 2))
    if not keep.any():
        return np.zeros(NUM_KINEMATIC, np.float32)
    lm = lm[keep]
    world = None if world is None else world[keep]
    s = _signals(lm, world, float(aspect_ratio))
    # every percentile in one call: per-signal np.percentile calls were most of scoring's time (the analysis
    # classifies each video's spans, so these descriptors are computed several times per video)
    names = [k for k in s if not k.startswith("_")]
    m = np.stack([s[k] for k in names])
    p10, p20, p90 = np.percentile(m, [10, 20, 90], axis=1)
    out = np.stack([m.mean(axis=1), m.std(axis=1), p10, p90], axis=1).ravel().tolist()
    row = {k: i for i, k in enumerate(names)}
    span = {k: float(p90[i] - p10[i]) for k, i in row.items()}
    pairs = [(s[a], s[b]) for _, a, b in _COUPLED] + [(s[f"_ang_{j}_l"], s[f"_ang_{j}_r"]) for j in _SYNC]
    corr = _corrs(np.stack([a for a, _ in pairs]), np.stack([b for _, b in pairs]))
    for (_, a, b), r in zip(_COUPLED, corr):
        sa, sb = span[a], span[b]
        out += [r, sa / max(sa + sb, _EPS)]
    for _, read, where in _AT_BOTTOM:
        low = s[where] <= p20[row[where]]
        out.append(float(s[read][low].mean()))
    out += corr[len(_COUPLED):]                # left/right synchrony of each joint
    # tempo of the most-moving joint angle
    moving = max(("ang_elbow", "ang_knee", "ang_hip", "ang_shoulder", "img_hip_y"), key=lambda k: span[k] /
                 (1.0 if k.startswith("ang") else 4.0))
    out += list(_period(s[moving], fps))
    return np.nan_to_num(np.asarray(out, np.float64)).astype(np.float32)


KINEMATIC_NAMES: tuple[str, ...] = _names()
NUM_KINEMATIC = len(KINEMATIC_NAMES)
