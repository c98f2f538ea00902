"""MediaPipe's 33 pose landmarks from the 3D skeleton, the visibility model and optional detector-like noise.

Why the offsets: ground truth is compared with what MediaPipe returns, so each landmark is placed where MediaPipe
puts it rather than at the anatomical joint centre (measured, see shared/docs/SYNTHETIC.md): hips 3 cm below the
hip joint centre, knees 2.5 cm down the shin, index/pinky at the knuckles (7 / 6.5 cm from the wrist), foot index on
top of the shoe toe, ears 1.2 cm above the ear centre, mouth corners ~3.5 cm below the head centre.

Visibility is analytic (no z-buffer) so that the fast path and the renderer give the same numbers: a lateral landmark
on the side turned away from the camera fades to ~0.35 (MediaPipe gives 0.3-0.6 to far-side limbs in side views),
face points fade when the face turns away, points outside the image fade to ~0.1.
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


def visibility(sk: Skeleton, world_pts: np.ndarray, cam: Camera, uv: np.ndarray) -> np.ndarray:
    """(T,33) visibility in [0,1]: near side ~0.97, far side ~0.35, averted face ~0.3, out of frame ~0.1."""
    to_cam = cam.position[None, None, :] - world_pts
    to_cam /= np.maximum(np.linalg.norm(to_cam, axis=-1, keepdims=True), 1e-9)
    vis = np.full(world_pts.shape[:2], 0.97)
    facing = np.einsum("tkj,tj->tk", to_cam, sk.frames["head"][:, :, 2])
    torso_left, pelvis_left = sk.frames["torso"][:, :, 0], sk.frames["pelvis"][:, :, 0]
    for i, name in enumerate(POSE_LANDMARKS):
        part = name.split("_", 1)[-1]
        if name.startswith(("left_", "right_")) and (part in _ARM or part in _LEG):
            sign = 1.0 if name.startswith("left_") else -1.0
            axis = torso_left if part in _ARM else pelvis_left
            side = sign * np.einsum("tj,tj->t", to_cam[:, i], axis)
            vis[:, i] = 0.97 - 0.62 * np.clip(-side, 0.0, 1.0) ** 0.8
        else:  # face
            vis[:, i] = 0.97 - 0.7 * np.clip(-facing[:, i], 0.0, 1.0)
    inside = (uv[..., 0] > -0.02) & (uv[..., 0] < 1.02) & (uv[..., 1] > -0.02) & (uv[..., 1] < 1.02)
    return np.where(inside, vis, 0.1)


def to_mediapipe(sk: Skeleton, cam: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground truth in MediaPipe's conventions.

    Returns ``image`` (T,33,3): x, y normalised to the image, z = depth relative to the hip midpoint on the scale of
    x (negative = nearer the camera); ``world`` (T,33,3): metres, origin at the hip midpoint, axes aligned with the
    camera like ``pose_world_landmarks`` (x right, y down, z away from the camera); ``visibility`` (T,33).
    """
    pts = landmark_positions(sk)
    u, v, depth = cam.project(pts)
    hips = (pts[:, LANDMARK_INDEX["left_hip"]] + pts[:, LANDMARK_INDEX["right_hip"]]) / 2
    _, _, hip_depth = cam.project(hips[:, None, :])
    x, y = u / cam.width, v / cam.height
    z = (depth - hip_depth) * cam.fx / np.maximum(hip_depth, 1e-6) / cam.width
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
