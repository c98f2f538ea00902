import numpy as np
import pytest

from exercise_classifier.features import Segment, clean_sequence, compute_features, sequence_features
from exercise_classifier.features.sequence import usable_frames
from exercise_classifier.features.table import FEATURE_INDEX


def _walk(pose, n):
    """n frames of a body drifting right by 0.01 body units per frame (so interpolation is checkable)."""
    poses = []
    for k in range(n):
        b = pose.body()
        b[:, 0] += 0.01 * k
        poses.append(b)
    return pose.frames(*poses)


def test_short_gap_is_interpolated_linearly(pose):
    lm = _walk(pose, 10)
    truth = lm.copy()
    lm[4:6] = np.nan  # 2 missing frames <= max_gap 3
    (seg,) = clean_sequence(lm)
    assert isinstance(seg, Segment) and seg.start == 0 and len(seg) == 10
    np.testing.assert_array_equal(seg.frame_indices, np.arange(10))
    np.testing.assert_allclose(seg.landmarks, truth, atol=1e-6)  # the motion was linear
    np.testing.assert_array_equal(np.flatnonzero(seg.interpolated), [4, 5])
    assert seg.landmarks.dtype == np.float32 and not seg.landmarks.flags.writeable


def test_long_gap_splits_and_velocity_never_crosses_it(pose):
    lm = _walk(pose, 20)
    lm[8:12] = np.nan  # 4 missing frames > max_gap 3
    segs = clean_sequence(lm)
    assert [(s.start, len(s)) for s in segs] == [(0, 8), (12, 8)]
    feats, seg_id, frame = sequence_features(lm)
    assert feats.shape == (16, 83) and feats.dtype == np.float32
    assert seg_id.dtype == np.int32 and frame.dtype == np.int32
    np.testing.assert_array_equal(seg_id, [0] * 8 + [1] * 8)
    np.testing.assert_array_equal(frame, list(range(8)) + list(range(12, 20)))
    # a velocity across the split would see a 5-frame jump; per segment, every frame moves the same
    vx = feats[:, FEATURE_INDEX["nose_vx"]]
    np.testing.assert_allclose(vx, vx[0], rtol=1e-4)
    # with max_gap 4 the same video is one segment
    assert len(clean_sequence(lm, max_gap=4)) == 1


def test_low_visibility_and_empty_frames_are_dropped(pose):
    lm = _walk(pose, 12)
    lm[0, :, 3] = 0.3           # mean visibility below 0.6
    lm[11] = 0.0                # the "no person" all-zero row some sources store
    lm[5, :, 3] = 0.59
    usable = usable_frames(lm)
    np.testing.assert_array_equal(np.flatnonzero(~usable), [0, 5, 11])
    (seg,) = clean_sequence(lm)
    assert seg.start == 1 and seg.frame_indices[-1] == 10  # leading/trailing bad frames are not extrapolated
    assert seg.interpolated.tolist() == [False] * 4 + [True] + [False] * 5
    assert clean_sequence(lm, min_visibility=0.96) == []  # the good frames have visibility 0.95


def test_visibility_threshold_is_inclusive(pose):
    lm = _walk(pose, 6)
    lm[..., 3] = 0.6
    assert len(clean_sequence(lm)) == 1
    assert clean_sequence(lm, min_visibility=0.61) == []


def test_short_segments_are_discarded(pose):
    lm = _walk(pose, 20)
    lm[4:9] = np.nan  # leaves runs of 4 and 11 frames
    assert [len(s) for s in clean_sequence(lm)] == [11]
    assert [len(s) for s in clean_sequence(lm, min_segment=4)] == [4, 11]
    assert [len(s) for s in clean_sequence(lm, min_segment=1, max_gap=0)] == [4, 11]


def test_nothing_usable_gives_empty_arrays():
    feats, seg, frame = sequence_features(np.full((7, 33, 4), np.nan))
    assert feats.shape == (0, 83) and seg.shape == (0,) and frame.shape == (0,)
    assert feats.dtype == np.float32 and seg.dtype == np.int32 and frame.dtype == np.int32


def test_segments_of_a_video_share_one_scale(pose):
    near = _walk(pose, 6)
    far = pose.frames(*[pose.body()] * 6, scale=0.2)  # the person walks away: half the size
    lm = np.concatenate([near, np.full((5, 33, 4), np.nan), far])
    feats, seg, _ = sequence_features(lm)
    y = feats[:, FEATURE_INDEX["left_shoulder_y"]]
    # one torso length for the whole video, so the smaller person's coordinates come out smaller
    assert y[seg == 1].mean() < 0.75 * y[seg == 0].mean()
    np.testing.assert_allclose(compute_features(far)[:, FEATURE_INDEX["left_shoulder_y"]], 1.0, atol=1e-5)


def test_bad_arguments_are_rejected(pose):
    with pytest.raises(ValueError, match=r"\(T, 33, 4\)"):
        clean_sequence(np.zeros((5, 33, 3)))
    with pytest.raises(ValueError):
        clean_sequence(_walk(pose, 5), max_gap=-1)
