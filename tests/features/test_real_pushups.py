"""Real MediaPipe landmarks of push-up videos (../shared/data/landmarks, read in place; skipped when absent)."""

from pathlib import Path

import numpy as np
import pytest

from exercise_classifier.features import compute_features, mirror_features, mirror_landmarks, sequence_features
from exercise_classifier.features.table import FEATURE_INDEX

PUSHUPS = Path(__file__).resolve().parents[3] / "shared" / "data" / "landmarks" / "pushfit-pushup.parquet"


@pytest.fixture(scope="module")
def videos():
    if not PUSHUPS.exists():
        pytest.skip(f"{PUSHUPS} is not beside this checkout")
    pd = pytest.importorskip("pandas")
    df = pd.read_parquet(PUSHUPS, columns=["sequence_id", "landmarks"])
    # every 5th video keeps the test fast while covering ~50 clips
    return [np.stack(lm).reshape(-1, 33, 4).astype(np.float32) for lm in df.landmarks.iloc[::5]]


def _with_nan_rows(seq):
    """The source stores undetected frames as 132 zeros; the pose stage delivers NaN rows. Accept both."""
    out = seq.copy()
    out[np.all(seq == 0, axis=(1, 2))] = np.nan
    return out


def test_real_sequences_give_finite_features_for_most_frames(videos):
    kept = total = 0
    for seq in videos:
        feats, seg, frame = sequence_features(_with_nan_rows(seq))
        assert np.isfinite(feats).all()
        assert np.all(np.diff(frame) > 0) and frame.max(initial=0) < len(seq)
        kept += len(feats)
        total += len(seq)
    assert kept > 0.8 * total


def test_push_up_bodies_are_near_horizontal_and_face_the_floor(videos):
    incline, facing = [], []
    for seq in videos:
        feats, _, _ = sequence_features(_with_nan_rows(seq))
        incline.append(feats[:, FEATURE_INDEX["torso_incline"]])
        facing.append(feats[:, FEATURE_INDEX["chest_facing_up"]])
    incline, facing = np.concatenate(incline), np.concatenate(facing)
    # aspect ratio of the source videos is unknown here (1.0 assumed), hence the loose 35 degree band
    assert np.mean(np.abs(incline - np.pi / 2) < np.radians(35)) > 0.8
    assert np.mean(facing > np.pi / 2) > 0.8  # chest turned to the floor: prone, not supine


def test_mirror_identity_on_real_data(videos):
    seq = next(s for s in videos if np.all(s[:, :, 3].mean(axis=1) > 0.6))
    np.testing.assert_allclose(mirror_features(compute_features(seq)), compute_features(mirror_landmarks(seq)),
                               atol=2e-4)
