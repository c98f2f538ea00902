"""Rep counting: constructed signals with known turning points, and the generator's clips (it knows its reps)."""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.analysis.reps import count_reps, turning_points
from exercise_classifier.analysis.signals import CENTRAL_SIGNALS, SIDED_JOINTS, VideoSignals, video_signals

FPS = 10.0


def _signals(n: int, **given: np.ndarray) -> VideoSignals:
    """Every signal flat at a resting value except the ``given`` ones."""
    values = {f"{s}_{j}": np.full(n, 170.0) for j in SIDED_JOINTS for s in ("left", "right")}
    values.update({c: np.zeros(n) for c in CENTRAL_SIGNALS})
    values.update(given)
    return VideoSignals(np.arange(n) / FPS, values)


def _squat_knee(n_reps: int, rep_s: float = 2.0, lead_s: float = 3.0, tail_s: float = 2.0, depth: float = 80.0):
    t = np.arange(int((lead_s + n_reps * rep_s + tail_s) * FPS)) / FPS
    phase = (t - lead_s) / rep_s
    active = (phase >= 0) & (phase < n_reps)
    knee = 170.0 - depth * np.where(active, 0.5 - 0.5 * np.cos(2 * np.pi * phase), 0.0)
    return t, knee


@pytest.mark.parametrize("n_reps", [1, 3, 8, 15])
def test_counts_squats_and_finds_their_bottoms(n_reps):
    t, knee = _squat_knee(n_reps)
    r = count_reps(_signals(len(t), left_knee=knee, right_knee=knee + 2), "squat")
    assert r.count == n_reps
    bottoms = 3.0 + 1.0 + 2.0 * np.arange(n_reps)
    assert np.allclose(r.times_s, bottoms, atol=0.15), (r.times_s, bottoms)
    assert r.joint == "knee" and r.side == "both"
    if n_reps >= 2:
        assert r.tempo_s == pytest.approx(2.0, abs=0.1)


def test_setup_wiggles_and_a_pause_are_not_reps():
    t, knee = _squat_knee(5, lead_s=4.0)
    rng = np.random.default_rng(0)
    knee = knee.copy()
    knee[:35] += 12.0 * np.sin(2 * np.pi * t[:35] / 1.2) - 6.0     # shuffling into position: small knee bends
    knee += rng.normal(0, 1.5, len(knee))                           # detector jitter
    knee = np.concatenate([knee[:70], np.full(30, knee[70]), knee[70:]])   # a 3 s pause mid-set
    r = count_reps(_signals(len(knee), left_knee=knee, right_knee=knee), "squat")
    assert r.count == 5


def test_lost_frames_do_not_make_reps():
    t, knee = _squat_knee(4)
    knee = knee.copy()
    knee[::7] = np.nan
    knee[40:46] = np.nan
    assert count_reps(_signals(len(knee), left_knee=knee, right_knee=knee), "squat").count == 4


def test_one_arm_and_alternating_arms():
    t = np.arange(120) / FPS
    curl = 160.0 - 110.0 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0))          # 6 full cycles
    still = np.full_like(t, 160.0)
    one = count_reps(_signals(len(t), left_elbow=still, right_elbow=curl), "hammer curl")
    assert (one.count, one.side) == (6, "right")
    other = 160.0 - 110.0 * (0.5 - 0.5 * np.cos(2 * np.pi * (t - 1.0) / 2.0))  # half a period later
    alt = count_reps(_signals(len(t), left_elbow=curl, right_elbow=other), "hammer curl")
    assert alt.side == "alternating" and alt.count in (11, 12)               # every arm's curl is one rep
    assert list(alt.times_s) == sorted(alt.times_s)


def test_twist_touches_at_the_clip_edges():
    """Each side's touch is a rep, including one the clip starts or ends on the way into (its prominence to the
    missing valley beyond the edge is half a touch's); the side the clip starts *on* is the ready position."""
    t = np.arange(int(10.0 * FPS)) / FPS
    twist = 35.0 * np.sin(2 * np.pi * t / 2.0)            # from the middle: touches at 0.5, 1.5, ... 9.5 s
    r = count_reps(_signals(len(t), trunk_twist=twist), "russian twist")
    assert r.count == 10 and np.allclose(r.times_s, 0.5 + np.arange(10), atol=0.15), r.times_s
    ready = np.r_[np.full(10, -35.0), -35.0 * np.cos(2 * np.pi * t[:80] / 2.0), np.full(10, -35.0)]
    r = count_reps(_signals(len(ready), trunk_twist=ready), "russian twist")
    # sat on the left for 1 s, 4 cycles: right, left, ... the last return to the left is a touch, the start is not
    assert r.count == 8 and np.allclose(r.times_s, 2.0 + np.arange(8), atol=0.15), r.times_s


def test_a_clip_cut_mid_rep_counts_the_side_the_exercise_does_not_rest_on():
    """A lateral raise held at the top longer than it rests, cut mid-raise at the start and mid-lowering at the end:
    the clip's ends cannot say where the set rests and the median says "up"; the exercise's known rest side (arms
    down) puts the reps at the tops. Without it (a motion of no known class) the same signal reads as reps at the
    bottoms."""
    t = np.arange(0.65, 15.0 + 2.8, 1.0 / FPS)   # 5 whole periods and a sixth cut while lowering
    phase = np.mod(t, 3.0)           # per 3 s: rest down 0-0.4, raise 0.4-1.4, hold up 1.4-2.4, lower 2.4-3.0
    shoulder = np.interp(phase, [0.0, 0.4, 1.4, 2.4, 3.0], [15.0, 15.0, 85.0, 85.0, 15.0])
    sig = _signals(len(t), left_shoulder=shoulder, right_shoulder=shoulder + 1.0)
    tops = 1.9 + 3.0 * np.arange(6) - 0.65           # middle of each hold, in the clip's own time
    bottoms = 3.2 + 3.0 * np.arange(5) - 0.65        # middle of each rest
    r = count_reps(sig, "lateral raise")
    assert r.count == 6 and np.allclose(r.times_s, tops, atol=0.45), r.times_s
    blind = count_reps(sig, None)
    assert blind.joint == "shoulder" and np.allclose(blind.times_s, bottoms, atol=0.45), blind.times_s


def test_static_exercise_and_no_motion_count_nothing():
    n = 100
    assert count_reps(_signals(n), "squat").count == 0
    t, knee = _squat_knee(4)
    assert count_reps(_signals(len(t), left_knee=knee, right_knee=knee), "plank").count == 0
    assert count_reps(_signals(2), "squat").count == 0


def test_unknown_label_uses_the_most_periodic_joint():
    t, knee = _squat_knee(6)
    r = count_reps(_signals(len(t), left_knee=knee, right_knee=knee), None)
    assert (r.joint, r.count) == ("knee", 6)


def test_turning_points_polarity():
    t = np.arange(100) / FPS
    x = 90 + 60 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 2.5))   # rests low, peaks high (a curl read as elbow flexion)
    idx, _, pol = turning_points(np.r_[np.full(20, 90.0), x], FPS)
    assert pol == 1 and len(idx) == 4


@pytest.mark.parametrize("label", ["squat", "push-up", "barbell biceps curl", "romanian deadlift", "pull up",
                                   "lateral raise", "russian twist", "leg raises", "chest fly machine"])
def test_generator_clips(label):
    """MediaPipe-like landmarks (detector noise on) of generated clips, sampled at 10 fps like extract does."""
    from exercise_classifier.synth.generate import landmark_clip

    errors = []
    for i in range(3):
        c = landmark_clip(label, 3, i, noise=1.0)
        idx = np.arange(0, len(c.landmarks), max(1, round(c.fps / FPS)))
        sig = video_signals(c.landmarks[idx], c.world[idx], idx / c.fps, width=c.width, height=c.height)
        errors.append(count_reps(sig, label).count - c.reps)   # a twist's reps: one per side, as counted
    assert max(abs(e) for e in errors) <= 1, errors
    assert sum(e == 0 for e in errors) >= 2, errors


def test_a_set_in_a_workout_rests_where_the_exercise_does():
    """A hip thrust filmed from standing: the stretch's ends are the set-up (hips extended), not where its reps
    rest (hips down). Alone, the ends put the reps at the bottoms; as a set of a workout, the known rest side puts
    them at the tops, as a lifter counts them."""
    n_reps, rep_s = 6, 2.0
    stand, down, top = 175.0, 95.0, 170.0
    t_set = np.arange(int(n_reps * rep_s * FPS)) / FPS
    thrust = down + (top - down) * (0.5 - 0.5 * np.cos(2 * np.pi * t_set / rep_s))
    hip = np.concatenate([np.full(20, stand), np.linspace(stand, down, 15), np.full(10, down), thrust,
                          np.full(10, down), np.linspace(down, stand, 15), np.full(20, stand)])
    sig = _signals(len(hip), left_hip=hip, right_hip=hip + 1.0)
    tops = (20 + 15 + 10) / FPS + rep_s / 2 + rep_s * np.arange(n_reps)
    workout = count_reps(sig, "hip thrust", in_workout=True)
    assert workout.count == n_reps and workout.polarity == 1
    assert np.allclose(workout.times_s, tops, atol=0.15), workout.times_s
    alone = count_reps(sig, "hip thrust")
    assert alone.polarity == -1 and not np.allclose(alone.times_s[:n_reps], tops[:len(alone.times_s)], atol=0.15)
    # a given side of the cycle is kept whatever the ends say
    assert count_reps(sig, "hip thrust", polarity=1).times_s == workout.times_s
