"""The analysis columns with the shipped model: a synthetic workout (the generator knows its sets and reps) and
non-exercise motion, through the same function score's model stage calls."""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.contract import Preprocessing
from exercise_classifier.features.descriptors import landmark_kinematics
from exercise_classifier.pipelines.rows import VideoMeta, sampled_landmarks_row
from exercise_classifier.pipelines.video_analysis import ANALYSIS_FIELDS, analyse_row

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_model():
    from exercise_classifier.model.artifacts import load_model_dir
    from exercise_classifier.pipelines.score import default_model_uri

    m = load_model_dir(default_model_uri())
    yield m
    m.close()


def _featurise(landmarks, world, fps, width, height):
    """Sample like extract, featurise like extract: the sampled indices, features, segments and landmarks."""
    meta = VideoMeta(uri="mem://clip", video_id="clip", label=None, group=None, width=width, height=height,
                     fps=float(fps), frame_count=len(landmarks))
    row = sampled_landmarks_row(meta, landmarks, world, Preprocessing())
    return (np.asarray(row["frame_index"]), np.asarray(row["features"], np.float32),
            np.asarray(row["feature_segment"]), np.asarray(row["landmarks"], np.float32),
            np.asarray(row["world_landmarks"], np.float32), np.asarray(row["feature_frame"]))


def _analyse(model, landmarks, world, fps, width, height):
    """Featurise like extract, decide and analyse like score."""
    contract = Preprocessing()
    idx, f, seg, lm, wl, feature_frame = _featurise(landmarks, world, fps, width, height)
    decision = model.decide_videos([(f, seg, landmark_kinematics(lm, wl, width=width, height=height,
                                                                 fps=contract.sample_fps))])[0][0]
    out = analyse_row(model, decision, features=f, segments=seg, feature_frame=feature_frame,
                      landmarks=lm, world=wl, frame_index=idx, fps=fps, width=width, height=height,
                      sample_fps=contract.sample_fps)
    return decision, out


def test_workout_sets_rest_and_reps(default_model):
    from exercise_classifier.synth.workouts import workout_clip

    w = workout_clip(["squat", "shoulder press"], 77, 0)
    _, out = _analyse(default_model, w.landmarks, w.world, w.fps, w.width, w.height)
    assert set(out) - {"_dominant"} == {f.name for f in ANALYSIS_FIELDS}
    truth = [s for s in w.segments if s.label != "rest"]
    sets = [s for s in out["segments"] if s["label"] != "rest"]
    assert [s["label"] for s in sets] == [s.label for s in truth], out["segments"]
    for got, want in zip(sets, truth):
        assert abs(got["start_s"] - want.start_s) <= 1.0 and abs(got["end_s"] - want.end_s) <= 1.0, (got, want)
        assert abs(got["reps"] - want.reps) <= 1, (got, want)
        assert got["range_of_motion"] and got["range_of_motion"][0]["range_deg"] > 30
    assert out["rep_count"] == sum(s["reps"] for s in sets)
    assert out["segments"][0]["label"] == "rest"   # the lead-in is not a set
    assert "squat" in out["summary"] and "shoulder press" in out["summary"]
    assert out["not_an_exercise_of_the_22"] is False


@pytest.mark.parametrize("motion", ["walking", "jumping jacks", "arm circles"])
def test_non_exercise_motion_is_flagged(default_model, motion):
    from exercise_classifier.synth.generate import landmark_clip

    c = landmark_clip(motion, 2024, 0)
    decision, out = _analyse(default_model, c.landmarks, c.world, c.fps, c.width, c.height)
    assert out["not_an_exercise_of_the_22"] is True and out["not_an_exercise_score"] >= 0.5, out


@pytest.mark.parametrize("label", ["squat", "push-up", "barbell biceps curl", "plank"])
def test_exercises_are_not_flagged_and_reps_match(default_model, label):
    from exercise_classifier.synth.generate import landmark_clip

    c = landmark_clip(label, 2024, 1)
    _, out = _analyse(default_model, c.landmarks, c.world, c.fps, c.width, c.height)
    assert out["not_an_exercise_of_the_22"] is False, out
    assert abs(out["rep_count"] - c.reps) <= 1, (out["rep_count"], c.reps)


def test_decisions_without_window_probabilities_are_the_same(default_model):
    """The span classifier skips the network where the statistics member decides alone: same decisions."""
    from exercise_classifier.synth.workouts import workout_clip

    w = workout_clip(["squat", "shoulder press"], 77, 1)
    contract = Preprocessing()
    _, f, seg, lm, wl, _ = _featurise(w.landmarks, w.world, w.fps, w.width, w.height)
    half = len(f) // 2
    videos = [(f, seg, landmark_kinematics(lm, wl, width=w.width, height=w.height, fps=contract.sample_fps)),
              (f[:half], seg[:half], landmark_kinematics(lm[:half], wl[:half], width=w.width, height=w.height,
                                                         fps=contract.sample_fps)),
              (f[:3], seg[:3], landmark_kinematics(lm[:3], wl[:3], width=w.width, height=w.height,
                                                   fps=contract.sample_fps))]
    full, probs = default_model.decide_videos(videos)
    lean, no_probs = default_model.decide_videos(videos, window_probs=False)
    assert len(probs[0]) > 0
    assert [(d.label, d.confidence, d.members) for d in full] == [(d.label, d.confidence, d.members) for d in lean]
    if default_model.stats_weight >= 1.0:
        assert all(len(p) == 0 for p in no_probs)


def test_workout_check_scores_the_generators_sets(default_model):
    """``analysis-check --workouts``: the same seed gives the same workouts and scores; every true set is matched
    and scored. The figures are measured on 40 workouts per seed (docs/analysis.md); three must not fall far."""
    from exercise_classifier.pipelines.analysis_check import check_workouts, workout_labels

    labels = workout_labels(5, 2026)
    assert labels == workout_labels(5, 2026) and labels != workout_labels(5, 7)
    assert all(2 <= len(w) <= 3 and len(set(w)) == len(w) for w in labels)
    r = check_workouts(default_model, 3, 2026)
    assert r == check_workouts(default_model, 3, 2026)
    s = r["scores"]
    assert s["sets"] == sum(len(w) for w in labels[:3]) == sum(len(v["sets"]) for v in r["videos"])
    assert s["label_accuracy"] >= 0.8 and s["boundaries_within_1s"] >= 0.8 and s["reps"]["off_by_one"] >= 0.8, s
    assert s["false_sets"] == 0, s


def test_non_exercise_motion_between_sets_is_not_a_set(default_model):
    """``--with-negatives``: jumping jacks among a workout's sets (the second workout of seed 2026) are rest; its
    true sets are still all found."""
    from exercise_classifier.pipelines.analysis_check import check_workouts, workout_labels

    labels = workout_labels(2, 2026, negatives=True)
    assert labels[0] == workout_labels(2, 2026)[0] and "jumping jacks" in labels[1]
    r = check_workouts(default_model, 2, 2026, negatives=True)
    assert r["scores"]["sets"] == len(labels[0]) + len(labels[1]) - 1      # the motion is not a true set
    assert r["scores"]["false_sets"] == 0 and all(m["found"] for v in r["videos"] for m in v["sets"]), r["scores"]
