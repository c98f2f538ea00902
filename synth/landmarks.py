"""MediaPipe's 33 pose landmarks from the 3D skeleton, the visibility model and optional detector-like noise.

Why the offsets: ground truth is compared with what MediaPipe returns, so each landmark is placed where MediaPipe
puts it rather than at the anatomical joint centre (measured, see shared/docs/SYNTHETIC.md): hips 3 cm below the
hip joint centre, knees 2.5 cm down the shin, index/pinky at the knuckles (7 / 6.5 cm from the wrist), foot index on
top of the shoe toe, ears 1.2 cm above the ear centre, mouth corners ~3.5 cm below the head centre.

z and visibility imitate MediaPipe's output, not the geometry (measured on 44 rendered clips of all 22 classes,
640x360, seed 11, against the detector's output): MediaPipe's z is the depth relative to the hip midpoint but about
1.5-3.7x larger than the true depth on the scale of x, with a different factor per body part (face ~3.5, shoulders
~3.3, elbows ~3.0, hands ~2.3, legs ~1.6) and the hands / knees pulled towards the camera, the ankles pushed away.
The fast path therefore maps the geometric depth per body part with :func:`mediapipe_z` (separate factors for a
left/right pair's common depth and its spread; offsets in statures, so they follow the subject's size in the image).
Together with the visibility model below this cut the median per-feature disagreement between features from
MediaPipe and from the fast path (mean |difference| / the feature's std) from 0.55 to 0.32 on those clips and from
0.56 to 0.37 on held-out ones (tests/synth/test_mediapipe_conventions.py). What is left is mostly MediaPipe
misjudging the depth of folded arms and of the feet.

Visibility is analytic (no z-buffer) so that the fast path and the renderer give the same numbers. MediaPipe is
confident: ~1.0 on the face even when it turns away, 0.95-0.99 for near-side limbs; far-side limbs hardly fade in
the oblique views of upright exercises (0.93-0.98), more in full side views (arms ~0.75, hips / knees ~0.8, feet
~0.7), and a prone body's far arm, hidden under the trunk, drops to ~0.25 (push-up). Points outside the image fade
to ~0.1.
"""

from __future__ import annotations

import numpy as np

from ..features.landmarks import LANDMARK_INDEX, NUM_LANDMARKS, POSE_LANDMARKS
from .body import SIDES, Skeleton
from .camera import Camera

_SIDE_OF = {"l": "left", "r": "right"}


def landmark_positions(sk: Skeleton) -> np.ndarray:
    """(T,33,3) world positions of MediaPipe's landmarks (metres, world y up)."""
    s = sk.body.scale
    T = len(sk.joints["pelvis"])
    out = np.zeros((T, NUM_LANDMARKS, 3))
    head = sk.frames["head"]
    hl, hu, hf = head[:, :, 0], head[:, :, 1], head[:, :, 2]
    c = sk.joints["head"]

    def put(name: str, value: np.ndarray) -> None:
        out[:, LANDMARK_INDEX[name]] = value

    put("nose", c + s * (0.105 * hf - 0.015 * hu))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        eye = c + s * (0.082 * hf + 0.028 * hu)
        put(f"{side}_eye_inner", eye + sign * s * 0.016 * hl)
        put(f"{side}_eye", eye + sign * s * 0.032 * hl - s * 0.003 * hf)
        put(f"{side}_eye_outer", eye + sign * s * 0.048 * hl - s * 0.008 * hf)
        put(f"{side}_ear", c + s * (sign * 0.075 * hl + 0.012 * hu - 0.005 * hf))
        put(f"mouth_{side}", c + s * (sign * 0.024 * hl - 0.035 * hu + 0.088 * hf))
    pelvis_up = sk.frames["pelvis"][:, :, 1]
    for side in SIDES:
        name = _SIDE_OF[side]
        j, v = sk.joints, sk.vectors
        put(f"{name}_shoulder", j[f"shoulder_{side}"])
        put(f"{name}_elbow", j[f"elbow_{side}"])
        wrist, hd, th = j[f"wrist_{side}"], v[f"hand_dir_{side}"], v[f"thumb_{side}"]
        put(f"{name}_wrist", wrist)
        put(f"{name}_index", wrist + s * (0.07 * hd + 0.02 * th))
        put(f"{name}_pinky", wrist + s * (0.062 * hd - 0.022 * th))
        put(f"{name}_thumb", wrist + s * (0.035 * hd + 0.04 * th))
        put(f"{name}_hip", j[f"hip_{side}"] - 0.03 * s * pelvis_up)
        put(f"{name}_knee", j[f"knee_{side}"] + 0.025 * s * v[f"shin_dir_{side}"])
        ankle, fd, fu = j[f"ankle_{side}"], v[f"foot_dir_{side}"], v[f"foot_up_{side}"]
        put(f"{name}_ankle", ankle)
        put(f"{name}_heel", ankle - s * (0.05 * fd + 0.06 * fu))
        put(f"{name}_foot_index", ankle + s * (0.14 * fd - 0.025 * fu))
    return out


# Which body axis says whether a landmark faces the camera: face points use the head's forward axis, lateral
# points the left axis of the segment they belong to (torso for arms, pelvis for legs), signed by side.
_ARM = ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")
_LEG = ("hip", "knee", "ankle", "heel", "foot_index")


# Per body part: near-side visibility, drop at a full side view (far side), exponent of the fade with how far the
# landmark's side is turned away (0 = facing the camera .. 1 = side view, far side), fitted to MediaPipe's output:
# in the oblique views of upright exercises MediaPipe is nearly as sure of the far side (0.93-0.98) as of the near one.
_VIS_FADE = {"arm": (0.97, 0.25, 4.0), "hip": (0.985, 0.2, 4.0), "foot": (0.95, 0.25, 4.0)}
# A prone body seen from above hides its far arm under the trunk (MediaPipe: push-up far arm ~0.25, plank 0.45-0.75):
# a far-side arm loses this much more times how much the chest faces away from the camera. (Legs: no such effect
# measured -- a plank's far leg is already covered by the side-view fade.)
_HIDDEN_ARM_DROP = 1.0
_FACE_VIS = 0.998
_PART_GROUP = {**{p: "arm" for p in _ARM}, "hip": "hip", "knee": "hip", "ankle": "foot", "heel": "foot",
               "foot_index": "foot"}


def visibility(sk: Skeleton, world_pts: np.ndarray, cam: Camera, uv: np.ndarray) -> np.ndarray:
    """(T,33) visibility in [0,1] like MediaPipe's: face ~1.0, near-side limbs 0.95-0.99, far-side limbs 0.7-0.98
    depending on how side-on the view is, lower when hidden under a prone trunk, out of frame ~0.1."""
    to_cam = cam.position[None, None, :] - world_pts
    to_cam /= np.maximum(np.linalg.norm(to_cam, axis=-1, keepdims=True), 1e-9)
    vis = np.full(world_pts.shape[:2], _FACE_VIS)
    facing = np.einsum("tkj,tj->tk", to_cam, sk.frames["head"][:, :, 2])
    torso_left, pelvis_left = sk.frames["torso"][:, :, 0], sk.frames["pelvis"][:, :, 0]
    torso_fwd = sk.frames["torso"][:, :, 2]
    for i, name in enumerate(POSE_LANDMARKS):
        part = name.split("_", 1)[-1]
        if name.startswith(("left_", "right_")) and (part in _ARM or part in _LEG):
            sign = 1.0 if name.startswith("left_") else -1.0
            axis = torso_left if part in _ARM else pelvis_left
            side = sign * np.einsum("tj,tj->t", to_cam[:, i], axis)
            near, drop, power = _VIS_FADE[_PART_GROUP[part]]
            far = np.clip(-side, 0.0, 1.0)
            vis[:, i] = near - drop * far ** power
            if part in _ARM:
                away = np.clip(-np.einsum("tj,tj->t", to_cam[:, i], torso_fwd), 0.0, 1.0)
                vis[:, i] -= _HIDDEN_ARM_DROP * far * away
        else:  # face: MediaPipe stays sure of the face in every view we generate
            vis[:, i] = _FACE_VIS - 0.05 * np.clip(-facing[:, i], 0.0, 1.0)
    inside = (uv[..., 0] > -0.02) & (uv[..., 0] < 1.02) & (uv[..., 1] > -0.02) & (uv[..., 1] < 1.02)
    return np.where(inside, vis, 0.1)


# MediaPipe's z, per body part, from the true depth relative to the hip midpoint on the scale of x (z_true): for a
# left/right pair with mean depth m and half-difference d (z_true = m +- d), z = common * m +- spread * d +
# offset * (stature on the scale of x). MediaPipe stretches how far apart the two sides are (spread) differently from
# how far a part as a whole is in front of the hips (common) -- e.g. legs 2.3 vs 1.65 -- so a single scale per
# landmark got the stance width wrong. Least-squares fits over 44 rendered clips (see module doc); the face pairs'
# spread is poorly determined (a few cm) and set to 2.5.
_Z_PART = {  # part: (common, spread, offset in statures)
    "nose": (3.7, 0.0, 0.043), "eye_inner": (3.45, 2.5, 0.022), "eye": (3.45, 2.5, 0.019),
    "eye_outer": (3.45, 2.5, 0.014), "ear": (3.15, 2.5, 0.015), "mouth": (3.65, 2.5, 0.054),
    "shoulder": (3.35, 2.45, 0.024), "elbow": (3.0, 2.35, -0.02), "wrist": (2.4, 2.1, -0.114),
    "pinky": (2.2, 2.1, -0.166), "index": (2.2, 2.05, -0.185), "thumb": (2.3, 2.1, -0.122),
    "hip": (3.15, 3.15, 0.0), "knee": (1.6, 2.35, -0.079), "ankle": (1.65, 2.35, 0.061),
    "heel": (1.7, 2.45, 0.042), "foot_index": (1.5, 2.45, -0.026)}


def _z_part(name: str) -> str:
    if name.startswith("mouth"):
        return "mouth"
    return name.split("_", 1)[-1] if name.startswith(("left_", "right_")) else name


_TWIN = np.array([LANDMARK_INDEX[n.replace("left", "#").replace("right", "left").replace("#", "right")]
                  for n in POSE_LANDMARKS])                                  # index of the other side (nose: itself)
_SIDE_SIGN = np.array([1.0 if "left" in n else -1.0 if "right" in n else 0.0 for n in POSE_LANDMARKS])
Z_COMMON = np.array([_Z_PART[_z_part(n)][0] for n in POSE_LANDMARKS])
Z_SPREAD = np.array([_Z_PART[_z_part(n)][1] for n in POSE_LANDMARKS])
Z_OFFSET = np.array([_Z_PART[_z_part(n)][2] for n in POSE_LANDMARKS])


def mediapipe_z(z_true: np.ndarray, stature: np.ndarray | float) -> np.ndarray:
    """(...,33) MediaPipe-style z from the true hip-relative depth on the scale of x; ``stature`` on the same scale."""
    mean = (z_true + z_true[..., _TWIN]) / 2
    half_diff = _SIDE_SIGN * (z_true - z_true[..., _TWIN]) / 2                # left minus right, nose: 0
    return Z_COMMON * mean + _SIDE_SIGN * Z_SPREAD * half_diff + Z_OFFSET * np.asarray(stature)[..., None]


def to_mediapipe(sk: Skeleton, cam: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground truth in MediaPipe's conventions.

    Returns ``image`` (T,33,3): x, y normalised to the image, z = depth relative to the hip midpoint as MediaPipe
    reports it (scaled per body part, see :func:`mediapipe_z`; negative = nearer the camera); ``world`` (T,33,3):
    metres, origin at the hip midpoint, axes aligned with the camera like ``pose_world_landmarks`` (x right, y down,
    z away from the camera; geometric, not rescaled); ``visibility`` (T,33).
    """
    pts = landmark_positions(sk)
    u, v, depth = cam.project(pts)
    hips = (pts[:, LANDMARK_INDEX["left_hip"]] + pts[:, LANDMARK_INDEX["right_hip"]]) / 2
    _, _, hip_depth = cam.project(hips[:, None, :])
    x, y = u / cam.width, v / cam.height
    to_x = cam.fx / np.maximum(hip_depth, 1e-6) / cam.width    # (T,1) metres at the hips -> units of x
    z = mediapipe_z((depth - hip_depth) * to_x, sk.body.height * to_x[:, 0])
    image = np.stack([x, y, z], axis=-1)
    world = np.einsum("ij,tkj->tki", cam.rotation, pts - hips[:, None, :])
    vis = visibility(sk, pts, cam, image[..., :2])
    return image, world, vis


def add_detector_noise(landmarks: np.ndarray, rng: np.random.Generator, level: float = 1.0) -> np.ndarray:
    """MediaPipe-like jitter on a (T,33,4) array: per-frame noise plus slow drift, worse for low-visibility points.

    ``level`` = 1 matches the measured 1-2 %-of-height joint error of the detector on synthetic frames.
    """
    if level <= 0:
        return landmarks
    T = landmarks.shape[0]
    out = landmarks.copy()
    weak = 1.0 + 3.0 * (1.0 - np.clip(landmarks[..., 3], 0, 1))            # (T,33)
    frame_noise = rng.normal(0.0, 0.004 * level, (T, NUM_LANDMARKS, 2))
    knots = max(2, T // 10)
    drift = rng.normal(0.0, 0.006 * level, (knots, NUM_LANDMARKS, 2))
    drift = np.stack([np.stack([np.interp(np.linspace(0, knots - 1, T), np.arange(knots), drift[:, k, c])
                                for c in range(2)], -1) for k in range(NUM_LANDMARKS)], 1)
    out[..., :2] += (frame_noise + drift) * weak[..., None]
    out[..., 2] += rng.normal(0.0, 0.03 * level, (T, NUM_LANDMARKS)) * weak
    out[..., 3] = np.clip(out[..., 3] + rng.normal(0.0, 0.03 * level, (T, NUM_LANDMARKS)), 0.0, 1.0)
    return out
