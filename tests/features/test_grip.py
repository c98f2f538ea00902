"""The grip from MediaPipe Hands' landmarks: palm normal against the shoulder line, only the lifter's hands."""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.features.grip import HAND_POINTS, HAND_VALUES, MIN_HANDS, hand_grips, palm_grip
from exercise_classifier.features.landmarks import LANDMARK_INDEX as I

T = 6


def _pose(shoulder_axis=(1.0, 0.0, 0.0)):
    """A standing pose: image landmarks with the wrists at (0.4, 0.6) and (0.6, 0.6), torso 0.3 of the image;
    world shoulders along ``shoulder_axis``."""
    lm = np.full((T, 33, 4), 0.5, np.float32)
    lm[:, :, 3] = 1.0
    lm[:, I["left_shoulder"], :2], lm[:, I["right_shoulder"], :2] = (0.6, 0.3), (0.4, 0.3)
    lm[:, I["left_hip"], :2], lm[:, I["right_hip"], :2] = (0.6, 0.6), (0.4, 0.6)
    lm[:, I["left_wrist"], :2], lm[:, I["right_wrist"], :2] = (0.6, 0.6), (0.4, 0.6)
    w = np.zeros((T, 33, 3), np.float32)
    a = np.asarray(shoulder_axis, np.float32)
    w[:, I["left_shoulder"]], w[:, I["right_shoulder"]] = -0.2 * a, 0.2 * a
    return lm, w


def _hand(normal, wrist_xy=(0.4, 0.6)):
    """One hand whose palm (wrist, index and pinky knuckles) faces along ``normal``."""
    n = np.asarray(normal, np.float64) / np.linalg.norm(normal)
    up = np.array([0.0, -1.0, 0.0]) if abs(n[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    along = np.cross(n, up)
    world = np.zeros((HAND_POINTS, 3))
    world[5] = 0.08 * up + 0.02 * along     # index knuckle
    world[17] = 0.07 * up - 0.03 * along    # pinky knuckle
    xy = np.tile(np.asarray(wrist_xy, np.float64), (HAND_POINTS, 1))
    return np.concatenate([xy.ravel(), world.ravel()]).astype(np.float32)


def test_palms_facing_each_other_read_one_and_turned_palms_read_zero():
    lm, w = _pose()
    frames = np.arange(4)
    neutral = np.stack([_hand((1, 0, 0))] * 4)
    forward = np.stack([_hand((0, 0, 1))] * 4)
    up = np.stack([_hand((0, -1, 0))] * 4)
    assert np.allclose(hand_grips(frames, neutral, lm, w), 1.0, atol=1e-5)
    assert np.allclose(hand_grips(frames, forward, lm, w), 0.0, atol=1e-5)
    assert np.allclose(hand_grips(frames, up, lm, w), 0.0, atol=1e-5)


def test_the_camera_azimuth_does_not_matter():
    """Side view: the shoulder line runs along the camera's depth; a hammer grip still reads 1."""
    lm, w = _pose(shoulder_axis=(0.0, 0.0, 1.0))
    assert np.allclose(hand_grips(np.arange(3), np.stack([_hand((0, 0, 1))] * 3), lm, w), 1.0, atol=1e-5)
    assert np.allclose(hand_grips(np.arange(3), np.stack([_hand((1, 0, 0))] * 3), lm, w), 0.0, atol=1e-5)


def test_hands_away_from_the_lifters_wrists_and_frames_without_pose_do_not_count():
    lm, w = _pose()
    lm[2] = np.nan
    w[2] = np.nan
    hands = np.stack([_hand((1, 0, 0)), _hand((1, 0, 0), wrist_xy=(0.95, 0.1)), _hand((1, 0, 0)),
                      _hand((1, 0, 0))])
    g = hand_grips(np.array([0, 1, 2, 99]), hands, lm, w)   # frame 99 is past the video's end
    assert len(g) == 1


def test_palm_grip_needs_enough_hands_and_is_none_when_hands_did_not_run():
    lm, w = _pose()
    few = np.stack([_hand((0, 0, 1))] * (MIN_HANDS - 1))
    enough = np.stack([_hand((0, 0, 1))] * 2 + [_hand((1, 0, 0))] * 2)
    assert len(enough) >= MIN_HANDS
    assert palm_grip(np.arange(len(few)), few, lm, w) is None
    assert palm_grip(None, None, lm, w) is None
    assert palm_grip(np.zeros(0, np.int32), np.zeros((0, HAND_VALUES)), lm, w) is None
    assert palm_grip(np.arange(len(enough)), enough, lm, w) == pytest.approx(0.5, abs=1e-5)


def test_palm_grip_is_the_median():
    lm, w = _pose()
    hands = np.stack([_hand((0, 0, 1))] * 3 + [_hand((1, 0, 0))] * 2)
    assert palm_grip(np.arange(5), hands, lm, w) == pytest.approx(0.0, abs=1e-5)


def test_mismatched_inputs_are_refused():
    lm, w = _pose()
    with pytest.raises(ValueError, match="hand frames"):
        hand_grips(np.arange(3), np.stack([_hand((1, 0, 0))] * 2), lm, w)
