"""Segments, reps per segment, range of motion and the summary, from constructed signals and a stand-in classifier.

The classifier here is a rule on the signals themselves (the knee moves: squat; the elbow moves: curl), so these
tests check the analysis logic alone; the real model's segment labels are measured in tests/pipelines.
"""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.analysis.segments import REST, Run, SegmentSettings, frame_runs, span_bounds, viterbi_states
from exercise_classifier.analysis.signals import CENTRAL_SIGNALS, SIDED_JOINTS, VideoSignals
from exercise_classifier.analysis.video import analyse_video

FPS = 10.0
CLASSES = ("squat", "barbell biceps curl", "plank")


def _cycles(n_reps: int, rep_s: float, depth: float, start: float) -> np.ndarray:
    t = np.arange(int(n_reps * rep_s * FPS)) / FPS
    return start - depth * (0.5 - 0.5 * np.cos(2 * np.pi * t / rep_s))


def _workout(parts):
    """parts: ("squat", reps) / ("curl", reps) / ("rest", seconds) -> signals and the true (start, end) of each set."""
    knee, elbow, truth, t = [], [], [], 0.0
    for kind, amount in parts:
        if kind == "rest":
            n = int(amount * FPS)
            knee.append(np.full(n, 172.0)), elbow.append(np.full(n, 165.0))
        else:
            x = _cycles(amount, 2.0, 85.0 if kind == "squat" else 110.0, 172.0 if kind == "squat" else 165.0)
            n = len(x)
            knee.append(x if kind == "squat" else np.full(n, 172.0))
            elbow.append(x if kind == "curl" else np.full(n, 165.0))
            truth.append((kind, t, t + n / FPS, amount))
        t += n / FPS
    knee, elbow = np.concatenate(knee), np.concatenate(elbow)
    rng = np.random.default_rng(1)
    values = {f"{s}_{j}": np.full(len(knee), 150.0) + rng.normal(0, 1.0, len(knee))
              for j in SIDED_JOINTS for s in ("left", "right")}
    values.update({c: rng.normal(0, 1.0, len(knee)) for c in CENTRAL_SIGNALS})
    for s in ("left", "right"):
        values[f"{s}_knee"] = knee + rng.normal(0, 1.0, len(knee))
        values[f"{s}_elbow"] = elbow + rng.normal(0, 1.0, len(knee))
    return VideoSignals(np.arange(len(knee)) / FPS, values), truth


def _rule_classifier(sig: VideoSignals):
    def classify(spans):
        out = []
        for a, b in spans:
            k = np.ptp(sig.values["left_knee"][a:b])
            e = np.ptp(sig.values["left_elbow"][a:b])
            p = np.array([0.8, 0.1, 0.1]) if k > e else np.array([0.1, 0.8, 0.1])
            out.append((p, 0.0))
        return out
    return classify


def test_two_exercises_with_rest_between():
    sig, truth = _workout([("rest", 4), ("squat", 8), ("rest", 6), ("curl", 6), ("rest", 3)])
    a = analyse_video(sig, CLASSES, _rule_classifier(sig), video_label="squat", video_confidence=0.7)
    ex = [s for s in a.segments if s.label != REST]
    assert [(s.label, s.reps) for s in ex] == [("squat", 8), ("barbell biceps curl", 6)]
    for s, (_, start, end, _) in zip(ex, truth):
        assert abs(s.start_s - start) <= 1.0 and abs(s.end_s - end) <= 1.0, (s, start, end)
    # the segments tile the video in order, rest between the sets
    assert a.segments[0].start_s == 0.0 and a.segments[-1].end_s == pytest.approx(sig.times_s[-1] + 0.1)
    assert all(x.end_s == pytest.approx(y.start_s) for x, y in zip(a.segments, a.segments[1:]))
    assert [s.label for s in a.segments] == [REST, "squat", REST, "barbell biceps curl", REST]
    assert a.rep_count == 14 and len(a.rep_times_s) == 14 and a.dominant_label == "squat"
    knee = a.range_of_motion[0]
    assert knee.joint == "knee" and knee.range_deg == pytest.approx(85.0, abs=6.0)
    assert knee.left_right_diff_deg < 3.0
    assert "squat" in a.summary and "8 reps" in a.summary and "6 reps" in a.summary


def test_short_clip_is_one_segment_with_the_video_label():
    sig, _ = _workout([("rest", 1), ("curl", 4), ("rest", 1)])
    a = analyse_video(sig, CLASSES, _rule_classifier(sig), video_label="barbell biceps curl", video_confidence=0.9)
    ex = [s for s in a.segments if s.label != REST]
    assert len(ex) == 1 and ex[0].reps == 4 and ex[0].confidence == 0.9
    assert a.summary.startswith("barbell biceps curl: 4 reps, 2.0 s each, elbow range 1")


def test_no_label_no_pose():
    sig, _ = _workout([("rest", 5)])
    assert analyse_video(sig, CLASSES, _rule_classifier(sig), video_label=None).segments[0].label == REST
    empty = VideoSignals(np.zeros(0), {k: np.zeros(0) for k in sig.values})
    assert analyse_video(empty, CLASSES, _rule_classifier(sig), video_label="squat").segments == []


def test_stray_spans_do_not_break_a_set():
    p = np.tile([0.7, 0.2, 0.1], (20, 1))
    p[[4, 5, 12]] = [0.2, 0.7, 0.1]                      # stray spans
    states = viterbi_states(p, np.zeros(20), switch_cost=6.0)
    assert (states == 0).all()
    p[10:] = [0.1, 0.8, 0.1]                             # a sustained change is kept ...
    p[15] = [0.7, 0.2, 0.1]                              # ... through a stray span
    states = viterbi_states(p, np.zeros(20), switch_cost=6.0)
    assert (states[:10] == 0).all() and (states[10:] == 1).all(), states
    rest = np.zeros(20)
    rest[12:] = 0.95                                     # motion stops: rest
    assert (viterbi_states(p, rest, switch_cost=6.0)[12:] == -1).all()


def test_span_bounds_cover_the_video():
    t = np.arange(305) / FPS
    spans = span_bounds(t, SegmentSettings(span_s=6.0, hop_s=1.5))
    assert spans[0][0] == 0 and spans[-1][1] == len(t)
    assert all(b - a >= 59 for a, b in spans)
    assert span_bounds(t[:30], SegmentSettings()) == [(0, 30)]
    with pytest.raises(ValueError):
        SegmentSettings(hop_s=0)


def _knee_first_classifier(sig: VideoSignals):
    """Calls a span squat whenever the knee moves in it at all: spans straddling a change from squats to curls
    read as squat, so span scores alone place the change late (the blur a real model shows at a change)."""
    def classify(spans):
        return [(np.array([0.8, 0.1, 0.1]) if np.ptp(sig.values["left_knee"][a:b]) > 40 else
                 np.array([0.1, 0.8, 0.1]), 0.0) for a, b in spans]
    return classify


def test_a_camera_cut_places_the_change_of_exercise():
    # squats straight into curls, no rest between: only the span scores can tell where the change is
    sig, truth = _workout([("squat", 8), ("curl", 8)])
    change = truth[1][1]
    cut = int(round(change * FPS))
    late = analyse_video(sig, CLASSES, _knee_first_classifier(sig), video_label="squat")
    cut_at = analyse_video(sig, CLASSES, _knee_first_classifier(sig), video_label="squat", cuts=[cut])
    curl_late, curl_cut = ([s.start_s for s in a.segments if s.label == "barbell biceps curl"] for a in (late, cut_at))
    assert len(curl_late) == 1 and curl_late[0] - change > 1.0, late.segments       # blurred without the cut
    assert len(curl_cut) == 1 and abs(curl_cut[0] - change) <= 0.3, cut_at.segments
    assert [(s.label, s.reps) for s in cut_at.segments if s.label != REST] == [("squat", 8), ("barbell biceps curl", 8)]


def test_runs_split_at_cuts_and_short_shots_join_a_neighbour():
    t = np.arange(200) / FPS                              # 20 s
    spans = [(a, min(a + 50, 200)) for a in range(0, 151, 10)]
    one = np.zeros(len(spans), np.int64)
    assert frame_runs(one, spans, t, 3.0) == [Run(0, 200, 0)]
    # one state throughout, two shots: two runs, so that each shot is labelled on its own frames
    assert frame_runs(one, spans, t, 3.0, cuts=[90]) == [Run(0, 90, 0), Run(90, 200, 0)]
    # a shot shorter than a segment joins its neighbour (a montage's quick cuts do not make sets)
    assert frame_runs(one, spans, t, 3.0, cuts=[15, 90]) == [Run(0, 90, 0), Run(90, 200, 0)]
    # a change of state 2 s from a cut moves to the cut when it is within snap_s, not otherwise
    two = np.where(np.arange(len(spans)) < 8, 0, 1)
    plain = frame_runs(two, spans, t, 3.0)
    assert [r.state for r in plain] == [0, 1] and abs(plain[1].start - 100) <= 5
    assert frame_runs(two, spans, t, 3.0, cuts=[80], snap_s=2.5) == [Run(0, 80, 0), Run(80, 200, 1)]
    assert frame_runs(two, spans, t, 3.0, cuts=[40], snap_s=2.5) == [Run(0, 40, 0), Run(40, plain[1].start, 0),
                                                                     Run(plain[1].start, 200, 1)]


def test_a_set_whose_run_starts_after_its_first_rep_keeps_it():
    """The path's runs can start after a set's first rep (span scores blur a change over half a span, or the
    lead-in got a class of its own that counted nothing); each set is counted again over its run widened into the
    rest around it, so the first rep is found and the set starts where it does."""
    from exercise_classifier.analysis.video import _assemble

    sig, truth = _workout([("rest", 4), ("squat", 5), ("rest", 6), ("curl", 4), ("rest", 3)])
    t = sig.times_s
    at = lambda s: int(np.searchsorted(t, s))                                  # noqa: E731
    (_, sq0, sq1, _), (_, cu0, cu1, _) = truth
    labelled = [(Run(0, at(sq0 + 1.5), -1), REST, None), (Run(at(sq0 + 1.5), at(sq1), 0), "squat", 0.8),
                (Run(at(sq1), at(cu0), -1), REST, None), (Run(at(cu0), at(cu1 - 1.5), 1), "barbell biceps curl", 0.8),
                (Run(at(cu1 - 1.5), len(t), -1), REST, None)]
    narrow = _assemble(sig, labelled, FPS, sets_need_reps=True)
    narrow_reps = [s.reps for s in narrow.segments if s.label != REST]
    assert len(narrow_reps) == 2 and narrow_reps[0] < 5 and narrow_reps[1] < 4, narrow_reps   # the runs alone miss reps
    a = _assemble(sig, labelled, FPS, sets_need_reps=True, reach_s=2.5)
    ex = [s for s in a.segments if s.label != REST]
    assert [(s.label, s.reps) for s in ex] == [("squat", 5), ("barbell biceps curl", 4)]
    for s, (_, start, end, _) in zip(ex, truth):
        assert abs(s.start_s - start) <= 0.5 and abs(s.end_s - end) <= 0.5, (s, start, end)
    assert all(x.end_s == pytest.approx(y.start_s) for x, y in zip(a.segments, a.segments[1:]))


def test_one_quick_rep_between_sets_is_not_a_set():
    """In a video of several sets, one rep shorter than ``MIN_ONE_REP_SET_S`` (a crouch while stepping in) is rest; a
    slow single rep (a one-rep deadlift set) stays a set."""
    from exercise_classifier.analysis.video import MIN_ONE_REP_SET_S, _assemble

    for rep_s, kept in ((1.2, False), (MIN_ONE_REP_SET_S + 1.0, True)):
        knee = np.concatenate([np.full(30, 172.0), _cycles(1, rep_s, 85.0, 172.0), np.full(30, 172.0),
                               _cycles(5, 2.0, 85.0, 172.0), np.full(30, 172.0)])
        values = {f"{s}_{j}": np.full(len(knee), 150.0) for j in SIDED_JOINTS for s in ("left", "right")}
        values.update({c: np.zeros(len(knee)) for c in CENTRAL_SIGNALS})
        values.update(left_knee=knee, right_knee=knee + 1.0)
        sig = VideoSignals(np.arange(len(knee)) / FPS, values)
        first = 30 + int(rep_s * FPS) + 15
        labelled = [(Run(0, first, 0), "squat", 0.6), (Run(first, len(knee), 0), "squat", 0.9)]
        a = _assemble(sig, labelled, FPS, sets_need_reps=True, reach_s=2.5)
        sets = [(s.label, s.reps) for s in a.segments if s.label != REST]
        assert sets == ([("squat", 1), ("squat", 5)] if kept else [("squat", 5)]), (rep_s, sets)
