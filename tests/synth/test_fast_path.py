"""Fast path (no rendering): shapes, ranges, determinism, library files, and the look-alike pairs."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.features.landmarks import LANDMARK_INDEX as I
from exercise_classifier.synth.generate import MANIFEST_COLUMNS, generate_library, landmark_clip, simulate
from exercise_classifier.synth.motions import registered

SEEDS = range(4)


def test_every_class_has_a_motion_program():
    assert set(registered()) == set(CLASSES)


@pytest.mark.parametrize("label", CLASSES)
def test_shapes_and_ranges(label):
    clip = landmark_clip(label, seed=11, index=2)
    lm, world = clip.landmarks, clip.world
    T = lm.shape[0]
    assert lm.dtype == np.float32 and world.dtype == np.float32
    assert lm.shape == (T, 33, 4) and world.shape == (T, 33, 3)
    assert clip.fps in (24, 25, 30, 60) and 3.0 <= T / clip.fps <= 6.01
    assert (320, 240) <= (clip.width, clip.height) <= (1920, 1080)
    assert np.isfinite(lm).all() and np.isfinite(world).all()
    # the whole body is in frame, with a margin, and big enough for the detector
    assert lm[..., 0].min() > 0.02 and lm[..., 0].max() < 0.98
    assert lm[..., 1].min() > 0.02 and lm[..., 1].max() < 0.98
    assert np.ptp(lm[..., 1]) > 0.35 or np.ptp(lm[..., 0]) > 0.6
    assert np.abs(lm[..., 2]).max() < 1.0   # MediaPipe-like z: 2-4x the depth on the scale of x (measured up to 0.92)
    vis = lm[..., 3]
    assert vis.min() >= 0.0 and vis.max() <= 1.0 and 0.6 < vis.mean() < 1.0
    hips = (world[:, I["left_hip"]] + world[:, I["right_hip"]]) / 2
    assert np.abs(hips).max() < 1e-5                            # world landmarks are hip-centred
    assert 1.0 < np.abs(world).max() * 2 < 2.6                  # metres, a human-sized body
    assert clip.label == label and clip.params["label"] == label


def test_far_side_landmarks_are_less_visible_in_side_views():
    clip = landmark_clip("push-up", 3)
    az = clip.params["camera"]["azimuth"]
    near, far = ("left", "right") if az > 0 else ("right", "left")
    vis = clip.landmarks[..., 3]
    assert vis[:, I[f"{near}_elbow"]].mean() > 0.85 > 0.6 > vis[:, I[f"{far}_elbow"]].mean()


def test_same_seed_same_landmarks_and_different_seed_differs():
    a, b = landmark_clip("squat", 5, 1), landmark_clip("squat", 5, 1)
    assert a.landmarks.tobytes() == b.landmarks.tobytes() and a.world.tobytes() == b.world.tobytes()
    assert a.params == b.params
    c = landmark_clip("squat", 6, 1)
    assert a.landmarks.shape != c.landmarks.shape or not np.array_equal(a.landmarks, c.landmarks)


def test_overrides_and_noise():
    exact = landmark_clip("lateral raise", 1, fps=20, resolution=(640, 480), duration_s=2.5)
    assert (exact.fps, exact.width, exact.height, exact.frames) == (20, 640, 480, 50)
    noisy = landmark_clip("lateral raise", 1, fps=20, resolution=(640, 480), duration_s=2.5, noise=1.0)
    diff = np.abs(noisy.landmarks[..., :2] - exact.landmarks[..., :2])
    assert 0.001 < diff.mean() < 0.03
    np.testing.assert_array_equal(noisy.world, exact.world)
    with pytest.raises(TypeError):
        landmark_clip("squat", 1, colour="red")


def test_landmark_library_files_and_manifest_are_deterministic(tmp_path):
    recs = generate_library(tmp_path / "a", ["squat", "Push Up"], per_class=2, seed=9, render=False)
    generate_library(tmp_path / "b", ["squat", "push-up"], per_class=2, seed=9, render=False)
    assert (tmp_path / "a/manifest.csv").read_bytes() == (tmp_path / "b/manifest.csv").read_bytes()
    with open(tmp_path / "a/manifest.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == MANIFEST_COLUMNS
    assert {"path", "label", "seed", "source", "group", "width", "height", "fps", "frames", "duration_s",
            "params"} <= set(rows[0])
    assert [r["label"] for r in rows] == ["squat", "squat", "push-up", "push-up"]
    assert len({r["group"] for r in rows}) == 4 and {r["source"] for r in rows} == {"synthetic"}
    for r, rec in zip(rows, recs):
        params = json.loads(r["params"])
        assert {"body", "camera", "tempo", "fps", "width", "height"} <= set(params)
        with np.load(tmp_path / "a" / r["landmarks"], allow_pickle=False) as z, \
                np.load(tmp_path / "b" / r["landmarks"], allow_pickle=False) as z2:
            assert z["image"].shape == (int(r["frames"]), 33, 3) == z["world"].shape
            assert z["landmarks"].shape == (int(r["frames"]), 33, 4)
            assert int(z["width"]) == int(r["width"]) and float(z["fps"]) == float(r["fps"])
            assert str(z["label"]) == r["label"]
            np.testing.assert_array_equal(z["image"], z2["image"])
        assert rec.path == r["path"] and r["path"].endswith(".landmarks.npz")


def test_bad_library_arguments():
    from exercise_classifier.classes import UnknownLabelError

    with pytest.raises(UnknownLabelError):
        generate_library("/tmp/unused", ["squatt"], 1, 0, render=False)
    with pytest.raises(ValueError):
        generate_library("/tmp/unused", ["squat"], 0, 0, render=False)


# ------------------------------------------------------------------------------------------ look-alike pairs
def _angle(w, a, b, c):
    u, v = w[:, I[a]] - w[:, I[b]], w[:, I[c]] - w[:, I[b]]
    cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _knee(w):
    return np.minimum(_angle(w, "left_hip", "left_knee", "left_ankle"), _angle(w, "right_hip", "right_knee", "right_ankle"))


@pytest.mark.parametrize("seed", SEEDS)
def test_romanian_deadlift_keeps_the_knees_straighter_than_deadlift(seed):
    dl = _knee(landmark_clip("deadlift", seed).world).min()
    rdl = _knee(landmark_clip("romanian deadlift", seed).world).min()
    assert dl < 125 and rdl > 150, (dl, rdl)


def _grip(w):
    """|cos| between the hand's pinky->thumb axis and the shoulder line, and hand spacing / shoulder width, arms down."""
    shoulders = w[0, I["left_shoulder"]] - w[0, I["right_shoulder"]]
    cos = []
    for side in ("left", "right"):
        t = w[0, I[f"{side}_thumb"]] - w[0, I[f"{side}_pinky"]]
        cos.append(abs(t @ shoulders) / np.linalg.norm(t) / np.linalg.norm(shoulders))
    spacing = np.linalg.norm(w[0, I["left_wrist"]] - w[0, I["right_wrist"]]) / np.linalg.norm(shoulders)
    return float(np.mean(cos)), float(spacing)


@pytest.mark.parametrize("seed", SEEDS)
def test_hammer_curl_has_neutral_grip_and_closer_hands_than_barbell_curl(seed):
    bb_cos, bb_spacing = _grip(landmark_clip("barbell biceps curl", seed).world)
    hc_cos, hc_spacing = _grip(landmark_clip("hammer curl", seed).world)
    assert bb_cos > 0.6 > 0.3 > hc_cos          # supinated: thumbs point sideways; neutral: thumbs forward
    assert bb_spacing > hc_spacing + 0.2


@pytest.mark.parametrize("seed", SEEDS)
def test_pull_up_hangs_and_lat_pulldown_sits(seed):
    pu, lp = simulate("pull up", seed).skeleton, simulate("lat pulldown", seed).skeleton
    foot = lambda sk: min(sk.joints["ankle_l"][:, 1].min(), sk.joints["ankle_r"][:, 1].min())  # noqa: E731
    assert foot(pu) > 0.2 and foot(lp) < 0.15                                # feet off / on the floor
    hip = lambda c: _angle(landmark_clip(c, seed).world, "left_shoulder", "left_hip", "left_knee")  # noqa: E731
    assert hip("pull up").min() > 140 and hip("lat pulldown").max() < 125   # straight body vs seated


@pytest.mark.parametrize("seed", SEEDS)
def test_bench_press_bends_the_elbows_chest_fly_sweeps_with_a_fixed_bend(seed):
    elbow = lambda c: _angle(landmark_clip(c, seed).world, "left_shoulder", "left_elbow", "left_wrist")  # noqa: E731
    assert np.ptp(elbow("bench press")) > 80 and np.ptp(elbow("chest fly machine")) < 40
    wrists = landmark_clip("chest fly machine", seed).world
    spread = np.linalg.norm(wrists[:, I["left_wrist"]] - wrists[:, I["right_wrist"]], axis=-1)
    assert np.ptp(spread) > 0.5                                              # the arms sweep together and apart


def _torso_elevation(label, seed):
    sk = simulate(label, seed).skeleton
    v = sk.joints["neck_base"] - sk.joints["pelvis"]
    return float(np.degrees(np.arcsin(v[:, 1] / np.linalg.norm(v, axis=1))).mean())


@pytest.mark.parametrize("seed", SEEDS)
def test_flat_incline_decline_torso_angles(seed):
    assert abs(_torso_elevation("bench press", seed)) < 10
    assert 25 < _torso_elevation("incline bench press", seed) < 50
    assert -32 < _torso_elevation("decline bench press", seed) < -8
    assert _torso_elevation("chest fly machine", seed) > 70
