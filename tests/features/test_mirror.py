import numpy as np
import pytest

from exercise_classifier.features import compute_features, mirror_features, mirror_landmarks
from exercise_classifier.features.landmarks import LANDMARK_INDEX
from exercise_classifier.features.table import FEATURE_INDEX


def _asymmetric(pose, n=6, seed=0):
    """A sequence in which the left and right sides differ (one arm curling, noisy joints, turned body)."""
    rng = np.random.default_rng(seed)
    poses = []
    for k in range(n):
        b = pose.body(left_wrist=(0.2, 1.1 - 0.3 * np.cos(0.4 * k), 0.3 * np.sin(0.4 * k)),
                      right_ankle=(-0.3, 0.5, -0.3))
        b = pose.rotate(b, "y", 25) + rng.normal(0, 0.03, b.shape)
        b[:, 0] += 0.03 * k
        poses.append(b)
    lm = pose.frames(*poses)
    lm[..., 3] = rng.uniform(0.5, 1.0, lm.shape[:-1])
    return lm


@pytest.mark.parametrize("aspect", [1.0, 16 / 9])
def test_mirroring_features_equals_features_of_mirrored_landmarks(pose, aspect):
    lm = _asymmetric(pose)
    lm[..., 0] /= aspect
    lm[..., 2] /= aspect
    direct = mirror_features(compute_features(lm, aspect_ratio=aspect))
    via_landmarks = compute_features(mirror_landmarks(lm), aspect_ratio=aspect)
    np.testing.assert_allclose(direct, via_landmarks, atol=1e-5)
    # and the mirror really changes something (the two sides differ)
    assert np.abs(direct - compute_features(lm, aspect_ratio=aspect)).max() > 0.1


def test_mirror_swaps_sides_and_flips_horizontal_signs(pose):
    f = compute_features(_asymmetric(pose))
    m = mirror_features(f)
    i = FEATURE_INDEX
    np.testing.assert_array_equal(m[:, i["left_elbow_angle"]], f[:, i["right_elbow_angle"]])
    np.testing.assert_array_equal(m[:, i["right_wrist_x"]], -f[:, i["left_wrist_x"]])
    np.testing.assert_array_equal(m[:, i["right_wrist_y"]], f[:, i["left_wrist_y"]])
    np.testing.assert_array_equal(m[:, i["nose_vx"]], -f[:, i["nose_vx"]])
    np.testing.assert_array_equal(m[:, i["torso_incline"]], f[:, i["torso_incline"]])


def test_mirror_is_an_involution_and_keeps_batch_shape_and_dtype(pose):
    f = compute_features(_asymmetric(pose))
    windows = np.stack([f, f[::-1]])  # (B, T, 83)
    m = mirror_features(windows)
    assert m.shape == windows.shape and m.dtype == np.float32
    np.testing.assert_array_equal(mirror_features(m), windows)
    lm = _asymmetric(pose)
    np.testing.assert_allclose(mirror_landmarks(mirror_landmarks(lm)), lm, atol=1e-7)


def test_mirror_landmarks_flips_x_and_swaps_names(pose):
    lm = _asymmetric(pose)
    m = mirror_landmarks(lm)
    l, r = LANDMARK_INDEX["left_wrist"], LANDMARK_INDEX["right_wrist"]
    np.testing.assert_allclose(m[:, r, 0], 1 - lm[:, l, 0])
    np.testing.assert_array_equal(m[:, r, 1:], lm[:, l, 1:])
    nose = LANDMARK_INDEX["nose"]
    np.testing.assert_allclose(m[:, nose, 0], 1 - lm[:, nose, 0])


def test_mirror_keeps_missing_frames_missing():
    lm = np.zeros((3, 33, 4))
    lm[1] = np.nan
    lm[2] = 0.5
    m = mirror_landmarks(lm)
    assert np.all(m[0] == 0) and np.isnan(m[1]).all() and np.allclose(m[2, :, 0], 0.5)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError):
        mirror_features(np.zeros((4, 82)))
    with pytest.raises(ValueError):
        mirror_landmarks(np.zeros((4, 33, 3)))
