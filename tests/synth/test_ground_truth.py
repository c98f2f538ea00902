"""Rep ground truth of the single clips and the non-exercise ("negative") motions."""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.features.landmarks import LANDMARK_INDEX as I
from exercise_classifier.synth.generate import clip_rep_windows, landmark_clip, make_clip, simulate
from exercise_classifier.synth.motions import Tempo, rep_profile, rep_times, rep_windows
from exercise_classifier.synth.negatives import NEGATIVE_MOTIONS, register_negative

TEMPO = Tempo(reps=3, rep_s=2.0, lead_s=0.5, up_frac=0.35, hold_frac=0.08, rom=1.0)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def test_rep_times_formula_static_and_alternate():
    want = [0.5 + k * 2.0 + (0.35 + 0.04) * 2.0 for k in range(3)]
    assert rep_times(TEMPO) == pytest.approx(want)
    assert rep_profile(np.array(want), TEMPO) == pytest.approx(1.0)          # the turning point is on the peak
    assert rep_times(TEMPO, static=True) == [] and rep_times(Tempo(0, 2.0, 0.5, 0.3, 0.0, 1.0)) == []
    # alternating: each arm's movement is a rep, left first, right half a period later, in time order
    alt = rep_times(Tempo(reps=5, rep_s=2.0, lead_s=0.5, up_frac=0.4, hold_frac=0.1, rom=1.0), alternate=True)
    first = 0.5 + (0.2 + 0.025) * 2.0
    assert alt == pytest.approx([first, first + 1, first + 2, first + 3, first + 4])
    # a rep that has not returned to the start pose by the end of the clip is not listed
    last_end = rep_windows(TEMPO)[-1].end
    assert len(rep_times(TEMPO, end_s=last_end)) == 3
    assert len(rep_times(TEMPO, end_s=last_end - 0.01)) == 2


@pytest.mark.parametrize("label", CLASSES)
def test_clip_rep_count_and_times_inside_the_clip(label):
    for seed in (0, 1):
        clip = landmark_clip(label, seed, 0)
        reps = clip.params["tempo"]["reps"]
        assert reps == len(clip.rep_times_s)
        assert (reps == 0) == (label == "plank")
        t = np.array(clip.rep_times_s)
        assert np.all(np.diff(t) > 0) and np.all(t > 0) and np.all(t < (clip.frames - 1) / clip.fps)


def test_alternating_clip_counts_each_arm():
    for seed in range(12):
        sim = simulate("hammer curl", seed, 0)
        if sim.spec.alternate:
            break
    clip = landmark_clip("hammer curl", seed, 0)
    assert clip.params["variant"] == "alternating" and clip.reps == clip.params["tempo"]["reps"]
    assert clip.reps % 2 == 0 and clip.reps >= 4


def test_cut_off_reps_are_not_listed():
    """A very short explicit duration can end a clip mid-rep: that rep is not listed (the completed ones are)."""
    cut = 0
    for seed in range(30):
        sim = simulate("squat", seed, 0, duration_s=1.2)
        clip = landmark_clip("squat", seed, 0, duration_s=1.2)
        end = (clip.frames - 1) / clip.fps
        windows = rep_windows(sim.params.tempo)
        done = [w.turn for w in windows if w.end <= end]
        assert list(clip.rep_times_s) == pytest.approx(done)
        cut += len(windows) - len(done)
    assert cut > 0                                         # some of these clips did cut a rep


# which joint angle a rep moves, and whether the turning point is its minimum (flexion) or maximum
MOVING = {
    "barbell biceps curl": (("shoulder", "elbow", "wrist"), "min"),
    "hammer curl": (("shoulder", "elbow", "wrist"), "min"),
    "squat": (("hip", "knee", "ankle"), "min"),
    "lateral raise": (("hip", "shoulder", "elbow"), "max"),
    "push-up": (("shoulder", "elbow", "wrist"), "min"),
    "leg extension": (("hip", "knee", "ankle"), "max"),
}


@pytest.mark.parametrize("label", sorted(MOVING))
def test_moving_angle_is_at_its_extreme_at_the_turning_points(label):
    (a, b, c), kind = MOVING[label]
    for seed in (0, 1, 2):
        sim = simulate(label, seed, 1)
        clip = landmark_clip(label, seed, 1)
        w = clip.world
        for k, win in enumerate(clip_rep_windows(sim)):
            side = "right" if sim.spec.alternate and k % 2 else "left"
            ang = _angle(*(w[:, I[f"{side}_{j}"]] for j in (a, b, c)))
            f0, f1, ft = (int(round(x * clip.fps)) for x in (win.start, win.end, win.turn))
            seg = ang[f0:f1 + 1]
            extreme = seg.min() if kind == "min" else seg.max()
            assert abs(ang[ft] - extreme) < 4.0, (label, seed, k)
            assert abs(ang[ft] - ang[f0]) > 30.0, (label, seed, k)   # and the rep really moved it


def test_twist_counts_each_side_at_the_trunks_extremes():
    """A russian twist's reps are touches, one per side (as athletes count them): the listed turning points alternate
    between the two ends of the trunk's rotation, and the side the clip opens on (the ready position) is not one."""
    for seed in (0, 1, 2):
        clip = landmark_clip("russian twist", seed, 0)
        w = clip.world
        def heading(a, b):   # the line's direction in the horizontal (x, z) plane, world y points down
            d = w[:, I[a]] - w[:, I[b]]
            return np.arctan2(d[:, 2], d[:, 0])
        twist = np.degrees(np.angle(np.exp(1j * (heading("left_shoulder", "right_shoulder")
                                                  - heading("left_hip", "right_hip")))))
        frames = np.round(np.array(clip.rep_times_s) * clip.fps).astype(int)
        assert clip.reps == len(frames) == 2 * (clip.reps // 2) >= 4
        mid = 0.5 * (twist.max() + twist.min())
        side = np.sign(twist[frames] - mid)
        assert side[0] != 0 and np.all(side[::2] == side[0]) and np.all(side[1::2] == -side[0]), twist[frames]
        assert np.sign(twist[0] - mid) == side[1]            # opens on the side it comes back to (odd touches)
        reach = np.abs(twist[frames] - mid) / (0.5 * (twist.max() - twist.min()))
        assert reach.min() > 0.7, reach


def test_negatives_registered_and_not_classes():
    required = {"walking", "standing", "stretching", "jumping jacks", "lunge", "arm circles"}
    assert required <= set(NEGATIVE_MOTIONS)
    assert not set(NEGATIVE_MOTIONS) & set(CLASSES)
    with pytest.raises(ValueError):
        register_negative("Push_Up")


@pytest.mark.parametrize("label", NEGATIVE_MOTIONS)
def test_negative_clip_is_finite_in_frame_and_deterministic(label):
    for seed in (0, 1, 2):
        clip = landmark_clip(label, seed, 0)
        lm = clip.landmarks
        assert clip.label == label and clip.params["label"] == label
        assert np.isfinite(lm).all() and np.isfinite(clip.world).all()
        assert lm[..., 0].min() > 0.02 and lm[..., 0].max() < 0.98
        assert lm[..., 1].min() > 0.02 and lm[..., 1].max() < 0.98
        assert 0.6 < lm[..., 3].mean() <= 1.0
        assert 1.0 < np.abs(clip.world).max() * 2 < 2.8
        assert clip.reps == clip.params["tempo"]["reps"]
        t = np.array(clip.rep_times_s)
        assert np.all(t > 0) and np.all(t < (clip.frames - 1) / clip.fps)
    again = landmark_clip(label, 2, 0)
    assert again.landmarks.tobytes() == clip.landmarks.tobytes()


def test_negatives_count_only_repetitive_motions_and_peak_at_their_turning_points():
    assert all(landmark_clip(n, 0, 0).reps == 0 for n in ("walking", "standing", "stretching"))
    for seed in (0, 1):
        jj = landmark_clip("jumping jacks", seed, 0, noise=0.0)
        wrist_up = -(jj.world[:, I["left_wrist"], 1] - jj.world[:, I["left_shoulder"], 1])  # world y points down
        for t in jj.rep_times_s:
            f = int(round(t * jj.fps))
            assert wrist_up[f] > 0.3 and wrist_up[f] > wrist_up.max() - 0.08
        lunge = landmark_clip("lunge", seed, 0, noise=0.0)
        hips = (lunge.world[:, I["left_hip"]] + lunge.world[:, I["right_hip"]]) / 2
        ankles = np.minimum(-lunge.world[:, I["left_ankle"], 1], -lunge.world[:, I["right_ankle"], 1])
        drop = -ankles  # hip height above the lower ankle, from the hip-centred world
        for t in lunge.rep_times_s:
            f = int(round(t * lunge.fps))
            assert drop[f] < drop.max() - 0.15            # the hips are low at the bottom of each lunge


def test_walking_plants_its_feet():
    """While a foot is on the floor it does not slide (median speed ~0), so pacing really travels."""
    from exercise_classifier.synth.motions import contact_points
    for seed in range(3):
        sim = simulate("walking", seed, 0)
        sk, fps = sim.skeleton, sim.params.fps
        pts = contact_points(sk)
        for s in "lr":
            low = np.minimum(pts[f"heel_{s}"][:, 1], pts[f"toe_{s}"][:, 1])[1:]
            speed = np.linalg.norm(np.diff(sk.joints[f"ankle_{s}"][:, [0, 2]], axis=0), axis=1) * fps
            assert np.median(speed[low < 0.005]) < 0.05
        if sim.spec.variant == "pacing":
            assert np.ptp(sk.joints["pelvis"][:, [0, 2]], axis=0).max() > 0.8


def test_make_clip_source_distinguishes_negatives(tmp_path):
    neg = make_clip(tmp_path, "jumping_jacks", 1, 0, render=False)
    pos = make_clip(tmp_path, "squat", 1, 0, render=False)
    assert neg.label == "jumping jacks" and neg.source == "synthetic-negative"
    assert pos.source == "synthetic"
    assert (tmp_path / neg.landmarks).exists()


def test_negative_renders_and_library_accepts_negatives(tmp_path):
    import csv

    import cv2

    from exercise_classifier.synth.generate import generate_library

    rec = make_clip(tmp_path, "lunge", 0, 0, render=True, resolution=(96, 64), duration_s=0.4, fps=10)
    cap = cv2.VideoCapture(str(tmp_path / rec.path))
    n = 0
    while cap.read()[0]:
        n += 1
    assert rec.path.endswith(".mp4") and n == rec.frames == 4
    generate_library(tmp_path / "lib", ["arm circles", "Squat"], per_class=1, seed=0, render=False)
    with open(tmp_path / "lib" / "manifest.csv") as fh:
        rows = {r["label"]: r["source"] for r in csv.DictReader(fh)}
    assert rows == {"arm circles": "synthetic-negative", "squat": "synthetic"}
