"""MediaPipe Pose's 33-landmark layout, by name.

Everything that touches landmarks (the synthetic generator, the feature table, the pose stage) indexes them
through these names, so the layout is written down exactly once. Odd indices are the *subject's* left.
"""

from __future__ import annotations

POSE_LANDMARKS: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)

NUM_LANDMARKS = len(POSE_LANDMARKS)  # 33
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(POSE_LANDMARKS)}

# Per-landmark channels in a "landmarks" array: (x, y, z, visibility). x, y are normalised image coordinates
# (0..1 of width/height), z is MediaPipe's relative depth on roughly the scale of x.
LANDMARK_CHANNELS: tuple[str, ...] = ("x", "y", "z", "visibility")


def mirror_index() -> list[int]:
    """Index permutation that swaps every left landmark with its right twin (used by mirror augmentation)."""
    out = []
    for name in POSE_LANDMARKS:
        if name.startswith("left_"):
            out.append(LANDMARK_INDEX["right_" + name[5:]])
        elif name.startswith("right_"):
            out.append(LANDMARK_INDEX["left_" + name[6:]])
        elif name == "mouth_left":
            out.append(LANDMARK_INDEX["mouth_right"])
        elif name == "mouth_right":
            out.append(LANDMARK_INDEX["mouth_left"])
        else:
            out.append(LANDMARK_INDEX[name])
    return out
