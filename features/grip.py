"""The grip, from MediaPipe Hands: are the palms facing each other (hammer curl) or turned up/forward (barbell curl)?

Why: the pose model's own hand points (wrist, index, pinky) are too coarse to tell a neutral grip from a supinated
one on real footage (on real-dev curls the palm normal they give lies 0.67-0.90 along the shoulder line for hammer
curls and 0.72 for the EZ-bar curl), while MediaPipe Hands reads it (0.85-0.98 against 0.30). Measured by
leave-one-source-out on real-dev (docs/accuracy.md), as a forest descriptor it moved one clip; as a rule for the one
look-alike pair it is about, it turns the barbell curl that every earlier recipe called a hammer curl.

The value per detected hand: ``|palm normal . shoulder line|``, both in MediaPipe's world axes (the camera's), so the
camera's azimuth does not matter: 1 when the palm faces along the shoulder line (neutral grip, palms facing each
other), 0 when it faces forward, up or back (a bar held over- or underhand). Only hands whose wrist lies at one of
the pose's wrists count: a spotter's or a passer-by's hands are not the lifter's grip. Pure numpy, no I/O.
"""

from __future__ import annotations

import numpy as np

from .landmarks import LANDMARK_INDEX as I

# What the pose stage stores per detected hand (the ``hand_landmarks`` column): 21 image (x, y) in [0, 1], then 21
# world (x, y, z) metres around the hand's centre.
HAND_POINTS = 21
HAND_VALUES = HAND_POINTS * 5
_WRIST, _INDEX_MCP, _PINKY_MCP = 0, 5, 17

# A hand belongs to the lifter when its wrist is within this share of the image torso length of a pose wrist.
MATCH_TORSO_SHARE = 0.35
# Fewer matched hands than this: the grip is not known (None), and nothing is decided from it.
MIN_HANDS = 3
# Neutral above, over- or underhand below: the midpoint between the two grips' ideal values (1 and 0), not a value
# fitted to real clips.
NEUTRAL_GRIP_ABOVE = 0.5


def hand_grips(hand_frame: np.ndarray, hands: np.ndarray, landmarks: np.ndarray, world: np.ndarray) -> np.ndarray:
    """``|palm normal . shoulder line|`` of each detected hand that belongs to the lifter.

    ``hand_frame``: ``(k,)`` sampled-frame position of each hand; ``hands``: ``(k, HAND_VALUES)``; ``landmarks`` /
    ``world``: the video's ``(T, 33, 4)`` image and ``(T, 33, 3)`` world pose landmarks (NaN where no pose).
    """
    hand_frame = np.asarray(hand_frame, np.int64).reshape(-1)
    hands = np.asarray(hands, np.float64).reshape(-1, HAND_VALUES)
    if len(hand_frame) != len(hands):
        raise ValueError(f"{len(hand_frame)} hand frames but {len(hands)} hands")
    lm = np.asarray(landmarks, np.float64).reshape(-1, 33, 4)
    w = np.asarray(world, np.float64).reshape(-1, 33, 3)
    ok = (hand_frame >= 0) & (hand_frame < min(len(lm), len(w)))
    hand_frame, hands = hand_frame[ok], hands[ok]
    if len(hands) == 0:
        return np.zeros(0)
    img = lm[hand_frame, :, :2]
    pw = w[hand_frame]
    hand_xy = hands[:, :HAND_POINTS * 2].reshape(-1, HAND_POINTS, 2)
    hand_w = hands[:, HAND_POINTS * 2:].reshape(-1, HAND_POINTS, 3)
    torso = np.linalg.norm((img[:, I["left_shoulder"]] + img[:, I["right_shoulder"]]) / 2
                           - (img[:, I["left_hip"]] + img[:, I["right_hip"]]) / 2, axis=-1)
    to_wrist = np.minimum(np.linalg.norm(hand_xy[:, _WRIST] - img[:, I["left_wrist"]], axis=-1),
                          np.linalg.norm(hand_xy[:, _WRIST] - img[:, I["right_wrist"]], axis=-1))
    normal = np.cross(hand_w[:, _INDEX_MCP] - hand_w[:, _WRIST], hand_w[:, _PINKY_MCP] - hand_w[:, _WRIST])
    across = pw[:, I["right_shoulder"]] - pw[:, I["left_shoulder"]]
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.abs((normal * across).sum(-1)) / (np.linalg.norm(normal, axis=-1) * np.linalg.norm(across, axis=-1))
        mine = to_wrist <= MATCH_TORSO_SHARE * torso
    return g[mine & np.isfinite(g)]


def palm_grip(hand_frame, hands, landmarks, world, *, min_hands: int = MIN_HANDS) -> float | None:
    """The video's grip: the median of :func:`hand_grips`, or None with fewer than ``min_hands`` of them
    (``hand_frame`` None: Hands did not run on this video)."""
    if hand_frame is None or hands is None or len(hand_frame) == 0:
        return None
    g = hand_grips(hand_frame, hands, landmarks, world)
    return float(np.median(g)) if len(g) >= min_hands else None
