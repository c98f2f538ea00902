"""Multi-exercise workout clips: truth segments, rep times, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.synth.workouts import REST, TruthSegment, WorkoutClip, workout_clip

PLANS = [
    (["squat", "hammer curl", "bench press"], 0),
    (["plank", "jumping jacks", "pull up", "walking"], 1),
    (["lunge", "push-up", "push-up", "arm circles", "leg raises"], 2),
    (["stretching", "deadlift", "decline bench press", "standing", "tricep dips"], 3),
    (["lat pulldown", "hip thrust", "russian twist", "t bar row", "lateral raise"], 4),
]


@pytest.fixture(scope="module")
def clips() -> list[tuple[list[str], WorkoutClip]]:
    return [(labels, workout_clip(labels, seed, fps=24, resolution=(640, 360))) for labels, seed in PLANS]


def test_segments_cover_the_clip_in_order(clips):
    for labels, clip in clips:
        segs = clip.segments
        assert segs[0].start_s == 0.0 and segs[-1].end_s == pytest.approx(clip.frames / clip.fps)
        assert all(a.end_s == b.start_s for a, b in zip(segs, segs[1:]))
        assert all(s.end_s > s.start_s for s in segs)
        assert clip.labels == labels
        assert segs[0].label == REST and segs[-1].label == REST            # lead-in and a tail
        assert all(a.label != REST or b.label != REST for a, b in zip(segs, segs[1:]))  # rests merged


def test_exercise_segments_reps_match_their_times(clips):
    for labels, clip in clips:
        for s in clip.segments:
            assert isinstance(s, TruthSegment) and s.reps == len(s.rep_times_s)
            if s.label == REST:
                assert s.reps == 0
                continue
            t = np.array(s.rep_times_s)
            # <= at the end: a twist's last touch is the trunk arriving back on the start side, which ends the set
            assert np.all((t > s.start_s) & (t <= s.end_s)) and np.all(np.diff(t) > 0)
            if s.label in CLASSES and s.label != "plank":
                assert 4 <= s.reps <= 8
            if s.label in ("plank", "walking", "standing", "stretching"):
                assert s.reps == 0 and s.end_s - s.start_s > 5.0
        assert clip.rep_times_s == tuple(t for s in clip.segments for t in s.rep_times_s)


def test_landmarks_finite_in_frame_and_rests_last_as_asked(clips):
    for labels, clip in clips:
        lm = clip.landmarks
        assert lm.dtype == np.float32 and lm.shape == (clip.frames, 33, 4) and clip.world.shape == (clip.frames, 33, 3)
        assert np.isfinite(lm).all() and np.isfinite(clip.world).all()
        assert lm[..., 0].min() > 0.0 and lm[..., 0].max() < 1.0 and lm[..., 1].min() > 0.0 and lm[..., 1].max() < 1.0
        rests = [s.end_s - s.start_s for s in clip.segments[1:-1] if s.label == REST]
        assert len(rests) == len(labels) - 1 and min(rests) >= 3.0
        assert len(clip.params["sets"]) == len(labels)


def test_no_frame_jumps(clips):
    """Cut-free: transitions between postures move like a body, not a splice (max per-frame move, 24 fps)."""
    for labels, clip in clips:
        jump = np.abs(np.diff(clip.landmarks[..., :2], axis=0)).max()
        assert jump < 0.08, labels


def test_same_seed_same_clip_and_different_seed_differs():
    a = workout_clip(["squat", "walking"], 5, reps=(4, 4), fps=24, resolution=(320, 240))
    b = workout_clip(["squat", "walking"], 5, reps=(4, 4), fps=24, resolution=(320, 240))
    assert a.landmarks.tobytes() == b.landmarks.tobytes() and a.segments == b.segments and a.params == b.params
    c = workout_clip(["squat", "walking"], 6, reps=(4, 4), fps=24, resolution=(320, 240))
    assert a.landmarks.shape != c.landmarks.shape or not np.array_equal(a.landmarks, c.landmarks)


def test_odd_alternating_count_and_noise_free_option():
    clip = workout_clip(["hammer curl"] * 3, 7, reps=(5, 5), noise=0.0, fps=24, resolution=(320, 240))
    for s, st in zip([s for s in clip.segments if s.label != REST], clip.params["sets"]):
        assert s.reps == 5 == st["tempo"]["reps"]
