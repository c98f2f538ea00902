"""Rendered clips: files, decodability, determinism of the ground truth, and MediaPipe's agreement with it.

The MediaPipe test renders one short clip per class (640x360, 15 fps, 2.6 s), writes the mp4, decodes it back with
OpenCV and runs MediaPipe Pose (model_complexity=1, video mode). It takes about 1.5-2.5 minutes on 2 cores.
"""

from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.synth.generate import generate_library, landmark_clip, render_frames, simulate

MP_SEED = 1


def test_rendered_library_files(tmp_path):
    import cv2

    recs = generate_library(tmp_path, ["hammer curl"], per_class=1, seed=4, resolution=(1280, 720), fps=12,
                            duration_s=1.0, workers=1)
    (rec,) = recs
    assert rec.path == f"hammer curl/{rec.path.split('/')[1]}" and rec.path.endswith(".mp4")
    cap = cv2.VideoCapture(str(tmp_path / rec.path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    assert len(frames) == rec.frames == 12 and frames[0].shape == (720, 1280, 3)
    assert frames[0].std() > 10                                            # not a blank frame
    with open(tmp_path / "manifest.csv") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["path"] == rec.path and row["source"] == "synthetic" and json.loads(row["params"])["fps"] == 12
    # the npz written next to the video is exactly the fast path's ground truth
    fast = landmark_clip("hammer curl", 4, 0, resolution=(1280, 720), fps=12, duration_s=1.0)
    with np.load(tmp_path / rec.landmarks, allow_pickle=False) as z:
        np.testing.assert_array_equal(z["landmarks"], fast.landmarks)
        np.testing.assert_array_equal(z["world"], fast.world)


def test_render_cost_per_frame():
    sim = simulate("squat", 2, resolution=(640, 360), fps=10, duration_s=1.0)
    t0 = time.perf_counter()
    frames = render_frames(sim)
    ms = (time.perf_counter() - t0) / len(frames) * 1000
    assert frames[0].shape == (360, 640, 3) and frames[0].dtype == np.uint8
    assert ms < 300, f"{ms:.0f} ms/frame"   # ~25-40 ms measured; generous for a busy shared machine


@pytest.fixture(scope="module")
def mp_library(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth-mp")
    recs = generate_library(out, list(CLASSES), per_class=1, seed=MP_SEED, resolution=(640, 360), fps=15,
                            duration_s=2.6, workers=2)
    return out, {r.label: r for r in recs}


@pytest.mark.slow
@pytest.mark.parametrize("label", CLASSES)
def test_mediapipe_detects_and_agrees_with_ground_truth(mp_library, label):
    from exercise_classifier.synth.validate import agreement

    out, recs = mp_library
    rec = recs[label]
    a = agreement(out / rec.path, out / rec.landmarks)
    cam = rec.params["camera"]
    info = f"{label}: det={a.detection_rate:.2f} vis={a.visibility:.2f} err={a.error:.3f}H az={cam['azimuth']:.0f}"
    print(info)
    assert a.frames == rec.frames
    assert a.detection_rate >= 0.95, info
    assert a.visibility >= 0.8, info
    assert a.error <= 0.05, info
