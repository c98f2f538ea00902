"""Kinematic descriptors: symmetric under mirroring, robust to undetected frames, and saying what they claim on
motions whose answer is known (the synthetic generator's pull-up vs lat pulldown, deadlift vs romanian deadlift)."""

import numpy as np
import pytest

from exercise_classifier.features.descriptors import (NUM_DESCRIPTORS, landmark_kinematics, mirror_descriptors,
                                                      video_descriptors)
from exercise_classifier.features.kinematics import KINEMATIC_NAMES, NUM_KINEMATIC, kinematic_descriptors
from exercise_classifier.features.landmarks import mirror_index
from exercise_classifier.features.mirror import mirror_features, mirror_landmarks
from exercise_classifier.synth.generate import landmark_clip


def _clip(label, index=0, **kw):
    c = landmark_clip(label, 3, index, **kw)
    return c.landmarks, c.world, c.width / c.height, float(c.fps)


def _k(lm, world, aspect, fps):
    return kinematic_descriptors(lm, world, aspect_ratio=aspect, fps=fps)


def _value(k, name):
    return float(k[KINEMATIC_NAMES.index(name)])


@pytest.mark.parametrize("label", ["hammer curl", "russian twist", "lateral raise"])
def test_mirrored_video_has_the_same_kinematics(label):
    lm, world, aspect, fps = _clip(label)
    m_world = world[:, mirror_index()].copy()
    m_world[..., 0] *= -1
    np.testing.assert_allclose(_k(mirror_landmarks(lm), m_world, aspect, fps), _k(lm, world, aspect, fps),
                               rtol=1e-4, atol=1e-4)


def test_descriptors_mirror_as_the_statistics_do():
    lm, world, aspect, fps = _clip("hammer curl")
    from exercise_classifier.features.compute import compute_features

    f = compute_features(lm, aspect_ratio=aspect, fps=fps)
    k = _k(lm, world, aspect, fps)
    d = video_descriptors(f, None, k)
    assert d.shape == (NUM_DESCRIPTORS,) and np.isfinite(d).all()
    np.testing.assert_allclose(mirror_descriptors(d), video_descriptors(mirror_features(f), None, k), atol=1e-5)


def test_undetected_frames_are_ignored_and_shapes_checked():
    lm, world, aspect, fps = _clip("squat")
    full = _k(lm, world, aspect, fps)
    assert full.shape == (NUM_KINEMATIC,) and np.isfinite(full).all()
    holed_lm, holed_world = lm.copy(), world.copy()
    holed_lm[::7] = np.nan                       # what the pose stage stores where nothing was detected
    holed_world[::7] = np.nan
    holed = _k(holed_lm, holed_world, aspect, fps)
    assert np.isfinite(holed).all()
    # same motion with a few frames fewer: close, not zeroed (the bug this guards against turned NaN into 0)
    j = KINEMATIC_NAMES.index("ang_knee:p10")
    assert holed[j] == pytest.approx(full[j], abs=0.1) and holed[j] > 1.0
    # flat rows as stored in Parquet give the same answer
    flat = landmark_kinematics(lm.reshape(len(lm), -1), world.reshape(len(lm), -1), width=int(aspect * 1000),
                               height=1000, fps=fps)
    np.testing.assert_allclose(flat, full, rtol=1e-3, atol=1e-3)
    with pytest.raises(ValueError, match="landmarks must be"):
        _k(lm[:0], None, aspect, fps)
    with pytest.raises(ValueError, match="world landmarks must be"):
        _k(lm, world[:-1], aspect, fps)


def test_no_world_landmarks_still_gives_image_descriptors():
    lm, world, aspect, fps = _clip("pull up")
    k = _k(lm, None, aspect, fps)
    assert np.isfinite(k).all()
    assert _value(k, "img_hip_y:sd") == pytest.approx(_value(_k(lm, world, aspect, fps), "img_hip_y:sd"))


def _mean(label, name, n=4):
    return np.mean([_value(_k(*_clip(label, i)), name) for i in range(n)])


def test_body_moves_in_a_pull_up_the_hands_in_a_lat_pulldown():
    share = "hip_vs_wrist_img:share"  # share of the hips in the hips' and wrists' vertical travel in the image
    assert _mean("pull up", share) > 0.4 > _mean("lat pulldown", share)


def test_knees_bend_less_in_a_romanian_deadlift():
    knee = "knee_at_hip_bottom"       # knee angle (rad, pi = straight) while the hips are most flexed
    assert _mean("romanian deadlift", knee) > _mean("deadlift", knee) + 0.3


def test_a_montage_is_cut_into_its_long_shots_and_a_single_shot_is_not():
    from exercise_classifier.features.descriptors import shot_descriptors

    rng = np.random.default_rng(0)
    T, fps = 120, 15.0                                        # 8 s: shots 0-3 s, 3-3.5 s (too short), 3.5-8 s
    lm = rng.random((T, 132)).astype(np.float32)
    world = rng.random((T, 99)).astype(np.float32)
    feature_frame = np.arange(0, T, 1)
    feats = rng.random((T, 83)).astype(np.float32)
    seg = np.zeros(T, np.int32)
    shots = shot_descriptors(feats, seg, feature_frame, lm, world, [45, 53], width=640, height=480, fps=fps)
    assert [n for _, n in shots] == [45, 67]
    first = video_descriptors(feats[:45], seg[:45], landmark_kinematics(lm[:45], world[:45], width=640, height=480,
                                                                         fps=fps))
    last = video_descriptors(feats[53:], seg[53:], landmark_kinematics(lm[53:], world[53:], width=640, height=480,
                                                                        fps=fps))
    assert shots[0][0].shape == (NUM_DESCRIPTORS,)
    assert np.array_equal(shots[0][0], first) and np.array_equal(shots[1][0], last)
    # one long shot left after dropping the short ones, no cuts, or cuts at the ends: the video is one shot
    assert shot_descriptors(feats, seg, feature_frame, lm, world, [110], width=640, height=480, fps=fps) == []
    assert shot_descriptors(feats, seg, feature_frame, lm, world, [], width=640, height=480, fps=fps) == []
    assert shot_descriptors(feats, seg, feature_frame, lm, world, None, width=640, height=480, fps=fps) == []
    assert shot_descriptors(feats, seg, feature_frame, lm, world, [0, T], width=640, height=480, fps=fps) == []
