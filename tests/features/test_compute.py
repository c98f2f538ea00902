import math

import numpy as np
import pytest

from exercise_classifier.features import compute_features
from exercise_classifier.features.compute import reference_torso_length
from exercise_classifier.features.landmarks import LANDMARK_INDEX
from exercise_classifier.features.table import FEATURE_GROUPS, FEATURE_INDEX, MIN_TORSO_LENGTH

PI = math.pi
STATIC = np.r_[0:FEATURE_GROUPS["velocities"].start]  # every feature except the velocities


def feat(lm, name, **kw):
    """Feature ``name`` of the first frame."""
    return float(compute_features(lm, **kw)[0, FEATURE_INDEX[name]])


# --- shapes and validation ------------------------------------------------------------------------------------

def test_output_shape_and_dtype(standing):
    out = compute_features(np.repeat(standing, 4, axis=0))
    assert out.shape == (4, 83) and out.dtype == np.float32
    assert compute_features(np.zeros((0, 33, 4))).shape == (0, 83)


@pytest.mark.parametrize("shape", [(5, 33, 3), (5, 32, 4), (33, 4), (2, 5, 33, 4)])
def test_bad_shapes_are_rejected(shape):
    with pytest.raises(ValueError, match=r"\(T, 33, 4\)"):
        compute_features(np.zeros(shape))


def test_missing_values_and_bad_parameters_are_rejected(standing):
    bad = standing.copy()
    bad[0, 3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        compute_features(bad)
    for kw in ({"aspect_ratio": 0.0}, {"aspect_ratio": np.inf}, {"fps": -15.0}, {"torso_length": 0.0}):
        with pytest.raises(ValueError, match="> 0"):
            compute_features(standing, **kw)


# --- known geometry -------------------------------------------------------------------------------------------

def test_standing_pose_values(standing, pose):
    f = compute_features(standing)[0]
    v = {n: float(f[i]) for n, i in FEATURE_INDEX.items()}
    for name in ("left_elbow_angle", "right_elbow_angle", "left_knee_angle", "right_knee_angle",
                 "left_hip_angle", "right_hip_angle", "thigh_incline", "arm_incline", "shin_incline",
                 "left_forearm_incline"):
        assert v[name] == pytest.approx(PI, abs=1e-5), name
    for name in ("left_shoulder_elevation", "torso_incline", "body_incline", "hip_hinge", "arm_convergence",
                 "shoulder_abduction", "torso_twist", "wrist_alignment", "chest_facing_camera", "shoulder_tilt"):
        assert v[name] == pytest.approx(0.0, abs=1e-5), name
    assert v["chest_facing_up"] == pytest.approx(PI / 2, abs=1e-5)
    assert v["hand_spread"] == pytest.approx(PI / 4, abs=1e-5)  # hands exactly shoulder-width apart
    # hip-centred, torso-normalised, y up: left shoulder at (+0.2, +0.5) body units, torso 0.5
    assert v["left_shoulder_x"] == pytest.approx(0.4, abs=1e-5)
    assert v["left_shoulder_y"] == pytest.approx(1.0, abs=1e-5)
    assert v["nose_z"] == pytest.approx(0.2, abs=1e-5)  # nose towards the camera = positive z
    assert v["left_ankle_y"] == pytest.approx(-1.6, abs=1e-5)
    assert v["shoulder_width"] == pytest.approx(0.8, abs=1e-5)
    assert v["left_hip_ankle_dist"] == pytest.approx(1.6, abs=1e-5)
    assert v["upper_body_visibility"] == pytest.approx(0.95, abs=1e-6)


def test_right_angle_knee_and_elbow(pose):
    lm = pose.frames(pose.body(left_ankle=(0.2, 0.5, -0.4), right_wrist=(-0.2, 1.1, 0.3)))
    assert feat(lm, "left_knee_angle") == pytest.approx(PI / 2, abs=1e-5)
    assert feat(lm, "right_knee_angle") == pytest.approx(PI, abs=1e-5)
    assert feat(lm, "right_elbow_angle") == pytest.approx(PI / 2, abs=1e-5)
    assert feat(lm, "right_forearm_incline") == pytest.approx(PI / 2, abs=1e-5)  # forearm horizontal
    # left knee bent 90 deg with the hip straight: knee-dominant, mean over both legs = -pi/4
    assert feat(lm, "hip_hinge") == pytest.approx(-PI / 4, abs=1e-5)


def test_hip_hinge_is_positive_for_a_bent_over_trunk(pose):
    bent = pose.rotate(pose.body(), "x", 80)  # whole body rotated about the hips...
    legs = pose.body()
    for part in ("hip", "knee", "ankle", "heel", "foot_index"):  # ...but the legs stay vertical
        for side in ("left_", "right_"):
            bent[LANDMARK_INDEX[side + part]] = legs[LANDMARK_INDEX[side + part]]
    f = compute_features(pose.frames(bent))[0]
    assert f[FEATURE_INDEX["hip_hinge"]] == pytest.approx(np.radians(80), abs=1e-4)
    assert f[FEATURE_INDEX["torso_incline"]] == pytest.approx(np.radians(80), abs=1e-4)
    assert f[FEATURE_INDEX["left_hip_angle"]] == pytest.approx(np.radians(100), abs=1e-4)


@pytest.mark.parametrize("turn", [0, 35, 90, 150])
def test_standing_vs_prone_vs_supine_orientation(pose, turn):
    """Orientation to gravity separates standing, push-up/plank and bench/leg-raise bodies from any camera side."""
    upright = pose.rotate(pose.body(), "y", turn)
    prone = pose.rotate(pose.rotate(pose.body(), "x", 90), "y", turn)    # chest turned to the floor
    supine = pose.rotate(pose.rotate(pose.body(), "x", -90), "y", turn)  # chest turned to the ceiling
    f = compute_features(pose.frames(upright, prone, supine))
    i = FEATURE_INDEX
    np.testing.assert_allclose(f[:, i["torso_incline"]], [0, PI / 2, PI / 2], atol=1e-5)
    np.testing.assert_allclose(f[:, i["body_incline"]], [0, PI / 2, PI / 2], atol=1e-5)
    np.testing.assert_allclose(f[:, i["chest_facing_up"]], [PI / 2, PI, 0], atol=1e-5)
    # joint angles do not care how the body is oriented
    np.testing.assert_allclose(f[:, FEATURE_GROUPS["joint_angles"]], f[[0, 0, 0], FEATURE_GROUPS["joint_angles"]],
                               atol=1e-5)
    assert f[0, i["chest_facing_camera"]] == pytest.approx(np.radians(turn), abs=1e-5)


def test_arms_overhead_vs_out_to_the_side_vs_forward(pose):
    overhead = pose.body(left_elbow=(0.2, 1.7, 0), left_wrist=(0.2, 2.0, 0),
                         right_elbow=(-0.2, 1.7, 0), right_wrist=(-0.2, 2.0, 0))
    lateral = pose.body(left_elbow=(0.5, 1.4, 0), left_wrist=(0.8, 1.4, 0),
                        right_elbow=(-0.5, 1.4, 0), right_wrist=(-0.8, 1.4, 0))
    forward = pose.body(left_elbow=(0.2, 1.4, 0.3), left_wrist=(0.2, 1.4, 0.6),
                        right_elbow=(-0.2, 1.4, 0.3), right_wrist=(-0.2, 1.4, 0.6))
    f = compute_features(pose.frames(overhead, lateral, forward))
    i = FEATURE_INDEX
    np.testing.assert_allclose(f[:, i["arm_incline"]], [0, PI / 2, PI / 2], atol=1e-5)
    np.testing.assert_allclose(f[:, i["left_shoulder_elevation"]], [PI, PI / 2, PI / 2], atol=1e-5)
    np.testing.assert_allclose(f[:, i["shoulder_abduction"]], [0, PI / 2, 0], atol=1e-5)
    np.testing.assert_allclose(f[:, i["arm_convergence"]], [0, PI, 0], atol=1e-5)
    assert f[1, i["hand_spread"]] > f[2, i["hand_spread"]]  # wide T vs shoulder-width


def test_wrist_alignment_separates_barbell_and_hammer_grip(pose, standing):
    hammer = pose.body(left_pinky=(0.2, 0.72, -0.03), left_index=(0.2, 0.72, 0.03),
                       right_pinky=(-0.2, 0.72, -0.03), right_index=(-0.2, 0.72, 0.03))
    assert feat(standing, "wrist_alignment") == pytest.approx(0.0, abs=1e-5)
    assert feat(pose.frames(hammer), "wrist_alignment") == pytest.approx(PI / 2, abs=1e-5)


def test_torso_twist(pose):
    twisted = pose.body(left_shoulder=(0.2 * np.cos(0.5), 1.4, -0.2 * np.sin(0.5)),
                        right_shoulder=(-0.2 * np.cos(0.5), 1.4, 0.2 * np.sin(0.5)))
    assert feat(pose.frames(twisted), "torso_twist") == pytest.approx(0.5, abs=1e-5)


# --- invariances ----------------------------------------------------------------------------------------------

def _moving(pose, **render_kwargs):
    """Five frames of a curl-like motion plus a small body sway."""
    poses = []
    for k in range(5):
        a = 0.3 * k
        b = pose.body(left_wrist=(0.2, 1.1 - 0.3 * np.cos(a), 0.3 * np.sin(a)))
        b[:, 0] += 0.02 * k
        poses.append(b)
    return pose.frames(*poses, **render_kwargs)


def test_translation_and_zoom_leave_features_unchanged(pose):
    base = compute_features(_moving(pose))
    shifted = compute_features(_moving(pose, offset=(0.3, 0.7)))
    zoomed = compute_features(_moving(pose, scale=0.25, offset=(0.6, 0.8)))
    np.testing.assert_allclose(shifted, base, atol=2e-5)
    # velocities are in torso lengths per second, so zoom leaves them unchanged too
    np.testing.assert_allclose(zoomed, base, atol=2e-5)


def test_velocity_units_first_frame_and_fps(pose):
    poses = [pose.body() for _ in range(4)]
    for k, b in enumerate(poses):
        b[:, 0] += 0.05 * k  # whole body drifts right 0.05 body units = 0.1 torso lengths per frame
    lm = pose.frames(*poses)
    f15 = compute_features(lm, fps=15.0)
    f30 = compute_features(lm, fps=30.0)
    vx = f15[:, FEATURE_INDEX["left_wrist_vx"]]
    np.testing.assert_allclose(vx, [1.5, 1.5, 1.5, 1.5], atol=1e-5)  # frame 0 repeats frame 1
    np.testing.assert_allclose(f15[:, FEATURE_INDEX["nose_vy"]], 0, atol=1e-6)
    np.testing.assert_allclose(f30[:, FEATURE_INDEX["left_wrist_vx"]], 3.0, atol=1e-5)
    np.testing.assert_allclose(f15[:, STATIC], f30[:, STATIC])
    # hip-centred coordinates do not move with the body
    np.testing.assert_allclose(f15[:, FEATURE_INDEX["left_wrist_x"]], f15[0, FEATURE_INDEX["left_wrist_x"]],
                               atol=1e-5)
    assert np.all(compute_features(lm[:1])[:, FEATURE_GROUPS["velocities"]] == 0)


def test_upward_motion_gives_positive_vy(pose):
    up = pose.body()
    up[:, 1] += 0.1
    f = compute_features(pose.frames(pose.body(), up))
    assert f[1, FEATURE_INDEX["nose_vy"]] > 0


@pytest.mark.parametrize("aspect", [16 / 9, 9 / 16, 4 / 3])
def test_aspect_ratio_is_undone(pose, aspect):
    """The same body filmed in a wide or tall frame gives the same features once aspect_ratio is passed."""
    tilted = pose.rotate(pose.body(left_elbow=(0.45, 1.25, 0.1), left_wrist=(0.6, 1.45, 0.2)), "z", 30)
    square = compute_features(pose.frames(tilted, aspect=1.0))
    framed = pose.frames(tilted, aspect=aspect)
    np.testing.assert_allclose(compute_features(framed, aspect_ratio=aspect), square, atol=2e-5)
    ignored = compute_features(framed)  # aspect not passed: x squashed, angles wrong
    assert abs(ignored[0, FEATURE_INDEX["left_elbow_angle"]] - square[0, FEATURE_INDEX["left_elbow_angle"]]) > 0.01


def test_torso_length_is_a_floored_median(pose):
    lm = pose.frames(pose.body(), pose.body(), pose.body(left_shoulder=(0.2, 3.0, 0.0)))
    assert reference_torso_length(lm) == pytest.approx(0.5 * 0.4, abs=1e-6)  # median ignores the outlier frame
    assert reference_torso_length(np.zeros((3, 33, 4))) == MIN_TORSO_LENGTH
    # an explicit scale overrides the per-segment one
    f = compute_features(lm[:1], torso_length=0.1)
    assert f[0, FEATURE_INDEX["left_shoulder_y"]] == pytest.approx(2.0, abs=1e-5)


# --- degenerate input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.0, 0.5, 1e6])
def test_collapsed_pose_stays_finite(value):
    lm = np.full((3, 33, 4), value)
    out = compute_features(lm)
    assert np.isfinite(out).all()


def test_random_finite_input_stays_finite():
    rng = np.random.default_rng(0)
    lm = rng.normal(0, 1e3, size=(20, 33, 4))
    lm[5:8] = 0.25  # a run of collapsed frames
    assert np.isfinite(compute_features(lm, aspect_ratio=1.7, fps=15)).all()
