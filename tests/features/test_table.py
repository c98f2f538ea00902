import numpy as np
import pytest

from exercise_classifier.features import table
from exercise_classifier.features.landmarks import LANDMARK_INDEX
from exercise_classifier.features.mirror import MIRROR_PERMUTATION, MIRROR_SIGNS
from exercise_classifier.features.table import (
    FEATURE_GROUPS, FEATURE_INDEX, FEATURE_NAMES, FEATURE_TABLE, FEATURE_VERSION, NUM_FEATURES, FeatureSpec)


def test_layout_has_83_unique_names_and_a_version():
    assert NUM_FEATURES == 83
    assert len(FEATURE_NAMES) == 83 and len(set(FEATURE_NAMES)) == 83
    assert isinstance(FEATURE_VERSION, str) and FEATURE_VERSION
    assert [s.name for s in FEATURE_TABLE] == list(FEATURE_NAMES)
    assert all(FEATURE_INDEX[n] == i for i, n in enumerate(FEATURE_NAMES))


def test_groups_are_contiguous_with_documented_sizes():
    sizes = {g: s.stop - s.start for g, s in FEATURE_GROUPS.items()}
    assert sizes == {"coords": 33, "joint_angles": 9, "posture": 12, "orientation": 8, "distances": 7,
                     "velocities": 14}
    assert FEATURE_GROUPS["coords"].start == 0 and FEATURE_GROUPS["velocities"].stop == 83
    for group, sl in FEATURE_GROUPS.items():
        assert {s.group for s in FEATURE_TABLE[sl]} == {group}


def test_paper_components_are_present():
    coords = FEATURE_TABLE[FEATURE_GROUPS["coords"]]
    assert {s.landmarks[0] for s in coords} == set(table.KEY_POINTS) and len(table.KEY_POINTS) == 11
    vel_points = {s.landmarks[0] for s in FEATURE_TABLE[FEATURE_GROUPS["velocities"]]}
    assert vel_points == {"nose", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                          "right_wrist"}
    for name in ("left_elbow_angle", "right_knee_angle", "left_hip_angle", "right_shoulder_elevation",
                 "spine_angle", "torso_incline", "hip_hinge", "hands_dist", "shoulder_width", "chest_facing_up"):
        assert name in FEATURE_INDEX


def test_every_landmark_reference_is_a_known_name():
    for spec in FEATURE_TABLE:
        for lm in spec.landmarks:
            assert lm in LANDMARK_INDEX or lm in table.DERIVED_POINTS


def test_spec_validation_rejects_bad_rows():
    with pytest.raises(ValueError, match="unknown kind"):
        FeatureSpec("a", "curvature", ("nose",), "g", "")
    with pytest.raises(ValueError, match="multiple of 3"):
        FeatureSpec("a", "angle", ("nose", "left_hip"), "g", "")
    with pytest.raises(ValueError, match="unknown landmark"):
        FeatureSpec("a", "distance", ("nose", "left_toe"), "g", "")
    with pytest.raises(ValueError, match="axis"):
        FeatureSpec("a", "coord", ("nose",), "g", "")


def test_mirror_permutation_swaps_twins_and_is_an_involution():
    assert sorted(MIRROR_PERMUTATION) == list(range(83))
    assert (MIRROR_PERMUTATION[MIRROR_PERMUTATION] == np.arange(83)).all()
    i = FEATURE_INDEX
    assert MIRROR_PERMUTATION[i["left_elbow_angle"]] == i["right_elbow_angle"]
    assert MIRROR_PERMUTATION[i["torso_incline"]] == i["torso_incline"]
    assert MIRROR_SIGNS[i["left_wrist_x"]] == -1 and MIRROR_SIGNS[i["left_wrist_vx"]] == -1
    assert MIRROR_SIGNS[i["left_wrist_y"]] == 1 and MIRROR_SIGNS[i["left_wrist_z"]] == 1
    assert (MIRROR_SIGNS == -1).sum() == 11 + 7  # the x coordinates and x velocities only
