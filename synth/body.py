"""Anthropometric body model and vectorised forward kinematics.

Why this shape: the motion programs think like a coach ("hip flexed 100 deg, trunk leaning 35 deg, forearm vertical"),
so a pose is a handful of named angles. Forward kinematics turns those angles, for all T frames at once, into 3D
anatomical joint centres and local frames (pelvis, torso, head, hands, feet). Everything downstream -- MediaPipe
landmarks, the visibility model, the camera fit and the renderer's capsules -- is derived from this one
:class:`Skeleton`, so the fast landmark path and the rendered video can never disagree.

Conventions (metres, right-handed, world y up, floor at y = 0):
- body frame: x = subject's left, y = up (head), z = facing (chest).
- a limb direction is given by two angles in its parent frame (pelvis for legs, torso for arms), see :func:`limb_dir`:
  ``flex`` rotates the "straight down" direction towards the front, ``abd`` tilts it outwards (left arm -> +x,
  right arm -> -x: right-side directions are mirrored, so a symmetric pose uses the same numbers on both sides).
- ``root_pitch`` rotates the whole body about its left axis: +90 lies prone (chest down), -90 supine (chest up),
  0 upright. World flex of a limb = its flex in the parent frame minus the pitch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SIDES = ("l", "r")


@dataclass(frozen=True)
class BodyParams:
    """One subject's build. Lengths in metres (joint centre to joint centre), radius scale for soft tissue."""

    height: float = 1.75
    torso: float = 0.50        # hip-joint midpoint to neck base (C7)
    hip_width: float = 0.19    # between hip joint centres
    shoulder_width: float = 0.37  # between glenohumeral centres
    thigh: float = 0.44
    shin: float = 0.43
    upper_arm: float = 0.29
    forearm: float = 0.26
    neck: float = 0.15         # neck base to head centre
    foot: float = 0.20         # heel to toe
    girth: float = 1.0         # multiplies limb / torso radii (lean .. heavy build)

    @property
    def scale(self) -> float:
        """Size relative to the 1.75 m reference, for the small offsets (face, hands, feet)."""
        return self.height / 1.75

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


# Segment length / stature ratios (Drillis & Contini style, rounded) -- the reference body above is 1.75 m.
_RATIOS = {
    "torso": 0.286, "hip_width": 0.109, "shoulder_width": 0.211, "thigh": 0.251, "shin": 0.246,
    "upper_arm": 0.166, "forearm": 0.149, "neck": 0.086, "foot": 0.114,
}


def sample_body(rng: np.random.Generator) -> BodyParams:
    """A random adult: stature 1.55-1.95 m, each segment +-4 % around its ratio, build 0.9-1.2."""
    height = float(rng.uniform(1.55, 1.95))
    lengths = {k: height * r * float(rng.uniform(0.96, 1.04)) for k, r in _RATIOS.items()}
    return BodyParams(height=height, girth=float(rng.uniform(0.9, 1.2)), **lengths)


def limb_dir(flex: np.ndarray, abd: np.ndarray, side_sign: float = 1.0) -> np.ndarray:
    """Unit direction(s) in a parent frame from sagittal flexion and abduction angles in degrees.

    flex=0, abd=0 points straight down; flex=90 forward; flex=180 up; abd=90 sideways. ``side_sign`` = -1 mirrors
    the lateral component for the right side.
    """
    f = np.radians(flex)
    a = np.radians(abd)
    return np.stack([side_sign * np.sin(a), -np.cos(a) * np.cos(f), np.cos(a) * np.sin(f)], axis=-1)


def _rot_x(deg: np.ndarray) -> np.ndarray:
    """(T,3,3) rotation about x whose +angle tilts +y towards +z (columns: left, up, fwd)."""
    t = np.radians(deg)
    c, s = np.cos(t), np.sin(t)
    z, o = np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, s], -1), np.stack([z, -s, c], -1)], axis=-1)


def _rot_y(deg: np.ndarray) -> np.ndarray:
    """(T,3,3) rotation about y whose +angle turns +z (facing) towards +x (the subject's left)."""
    t = np.radians(deg)
    c, s = np.cos(t), np.sin(t)
    z, o = np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, z, -s], -1), np.stack([z, o, z], -1), np.stack([s, z, c], -1)], axis=-1)


def _rot_z(deg: np.ndarray) -> np.ndarray:
    """(T,3,3) rotation about z whose +angle tilts +y (up) towards +x (the subject's left): a side bend."""
    t = np.radians(deg)
    c, s = np.cos(t), np.sin(t)
    z, o = np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], axis=-1)


def _apply(frame: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Rotate (T,3) local vectors by (T,3,3) frames whose columns are the frame axes in world coordinates."""
    return np.einsum("tij,tj->ti", frame, local)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


# Every key a pose carries. Per-side keys get "_l" / "_r" suffixes.
GLOBAL_KEYS = ("root_pitch", "spine_flex", "spine_twist", "neck_flex")
SIDE_KEYS = ("thigh_f", "thigh_a", "shin_f", "shin_a", "foot_pf", "uarm_f", "uarm_a", "farm_f", "farm_a", "roll")
POSE_KEYS: tuple[str, ...] = GLOBAL_KEYS + tuple(f"{k}_{s}" for k in SIDE_KEYS for s in SIDES)
# Optional angles, only read when a pose carries them (the non-exercise motions: a side bend, looking around). They
# are kept out of POSE_KEYS on purpose: the exercise programs draw one random offset per POSE_KEYS entry, so adding
# keys there would shift every existing clip's random stream.
EXTRA_KEYS = ("spine_lean", "neck_twist")


@dataclass
class Skeleton:
    """Anatomical joint centres and frames for T frames, in world metres. Arrays are (T,3) or (T,3,3)."""

    body: BodyParams
    joints: dict[str, np.ndarray]   # pelvis, neck_base, head, hip_l, knee_l, ankle_l, shoulder_l, elbow_l, wrist_l ...
    frames: dict[str, np.ndarray]   # pelvis, torso, head: columns (left, up, fwd)
    vectors: dict[str, np.ndarray]  # foot_dir_l, foot_up_l, thumb_l, hand_dir_l (unit, per side)

    def translate(self, offset: np.ndarray) -> None:
        """Move the whole body by (T,3) or (3,) metres (grounding)."""
        for k in self.joints:
            self.joints[k] = self.joints[k] + offset

    def rotate_x_about(self, angle: np.ndarray, pivot: np.ndarray) -> None:
        """Rotate the whole body by per-frame ``angle`` (deg) about the world x axis through (T,3) ``pivot``."""
        self._rotate_about(_rot_x(angle), pivot)

    def rotate_y_about(self, angle: np.ndarray, pivot: np.ndarray) -> None:
        """Turn the whole body by per-frame ``angle`` (deg, + turns the facing direction towards world +x) about the
        vertical axis through (T,3) or (3,) ``pivot`` (a heading: walking across the frame, turning around)."""
        self._rotate_about(_rot_y(angle), pivot)

    def _rotate_about(self, rot: np.ndarray, pivot: np.ndarray) -> None:
        """Apply per-frame rotations ``(T,3,3)`` about ``pivot`` to joints, segment frames and direction vectors."""
        for k in self.joints:
            self.joints[k] = _apply(rot, self.joints[k] - pivot) + pivot
        for k in self.frames:
            self.frames[k] = np.einsum("tij,tjk->tik", rot, self.frames[k])
        for k in self.vectors:
            self.vectors[k] = _apply(rot, self.vectors[k])


def forward_kinematics(body: BodyParams, pose: dict[str, np.ndarray]) -> Skeleton:
    """Joint centres for every frame of ``pose`` (key -> (T,) degrees), pelvis at the origin."""
    T = len(pose["root_pitch"])
    pelvis = _rot_x(pose["root_pitch"])
    torso = np.einsum("tij,tjk->tik", np.einsum("tij,tjk->tik", pelvis, _rot_x(pose["spine_flex"])),
                      _rot_y(pose["spine_twist"]))
    if "spine_lean" in pose:   # + bends the trunk towards the subject's left
        torso = np.einsum("tij,tjk->tik", torso, _rot_z(pose["spine_lean"]))
    head = np.einsum("tij,tjk->tik", torso, _rot_x(pose["neck_flex"]))
    if "neck_twist" in pose:   # + turns the face towards the subject's left
        head = np.einsum("tij,tjk->tik", head, _rot_y(pose["neck_twist"]))
    origin = np.zeros((T, 3))
    left_p, up_p = pelvis[:, :, 0], pelvis[:, :, 1]
    left_t, up_t, fwd_t = torso[:, :, 0], torso[:, :, 1], torso[:, :, 2]
    neck_base = origin + body.torso * up_t
    j: dict[str, np.ndarray] = {"pelvis": origin, "neck_base": neck_base,
                                "head": neck_base + body.neck * head[:, :, 1] + 0.012 * body.scale * head[:, :, 2]}
    vec: dict[str, np.ndarray] = {}
    for side, sign in (("l", 1.0), ("r", -1.0)):
        g = {k: pose[f"{k}_{side}"] for k in SIDE_KEYS}
        # legs, in the pelvis frame
        hip = origin + sign * body.hip_width / 2 * left_p
        knee = hip + body.thigh * _apply(pelvis, limb_dir(g["thigh_f"], g["thigh_a"], sign))
        shin_dir = _apply(pelvis, limb_dir(g["shin_f"], g["shin_a"], sign))
        ankle = knee + body.shin * shin_dir
        # the foot is the shin turned 90 deg forward about the pelvis' lateral axis, then plantar-flexed
        foot_dir = _apply(pelvis, limb_dir(g["shin_f"] + 90.0 - g["foot_pf"], g["shin_a"], sign))
        foot_up = _unit(np.cross(foot_dir, left_p))
        # arms, in the torso frame
        shoulder = neck_base + sign * body.shoulder_width / 2 * left_t - 0.03 * body.scale * up_t
        elbow = shoulder + body.upper_arm * _apply(torso, limb_dir(g["uarm_f"], g["uarm_a"], sign))
        fa_local = limb_dir(g["farm_f"], g["farm_a"], sign)
        wrist = elbow + body.forearm * _apply(torso, fa_local)
        thumb_local = _thumb_direction(fa_local, g["roll"], sign)
        j.update({f"hip_{side}": hip, f"knee_{side}": knee, f"ankle_{side}": ankle, f"shoulder_{side}": shoulder,
                  f"elbow_{side}": elbow, f"wrist_{side}": wrist})
        vec.update({f"foot_dir_{side}": foot_dir, f"foot_up_{side}": foot_up, f"shin_dir_{side}": shin_dir,
                    f"hand_dir_{side}": _apply(torso, fa_local), f"thumb_{side}": _apply(torso, thumb_local)})
    return Skeleton(body=body, joints=j, frames={"pelvis": pelvis, "torso": torso, "head": head}, vectors=vec)


def _thumb_direction(forearm: np.ndarray, roll: np.ndarray, sign: float) -> np.ndarray:
    """Thumb side of the hand, perpendicular to the forearm, in the torso frame.

    roll = 0 is the neutral (hammer) grip: thumb forward with the arm hanging. +90 pronated (overhand bar grip),
    -90 supinated (curl grip). The reference is forearm x lateral, falling back to the forward axis when the
    forearm itself points sideways (top of a lateral raise), so the hand never flips.
    """
    ref = np.cross(forearm, np.array([1.0, 0.0, 0.0]))  # forward for a hanging arm on either side
    n = np.linalg.norm(ref, axis=-1, keepdims=True)
    fwd = np.array([0.0, 0.0, 1.0])
    fwd_perp = fwd - (forearm @ fwd)[:, None] * forearm
    ref = _unit(ref + np.clip(1.0 - n, 0.0, 1.0) * fwd_perp)
    other = sign * np.cross(forearm, ref)  # medial for the left hand when hanging
    r = np.radians(roll)[:, None]
    return _unit(np.cos(r) * ref + np.sin(r) * other)
