"""Camera cuts found on the sampled frames: at the join of two real clips, not inside one shot, not on a pan."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from exercise_classifier.contract import Preprocessing
from exercise_classifier.pipelines.shots import ShotDetector
from exercise_classifier.pipelines.video_stage import sampled_frames

from ..media import join_clips, write_video

CONTRACT = Preprocessing()
# Two real clips from different sources, each one continuous shot (checked by eye).
JOIN = ("squat/dillonloh-videos-squat-dillon.mp4", "deadlift/3the500-public-videos-deadlift.mp4")
# Animations on a white background, one shot each: hue is undefined on white, and with hue weighed in (PySceneDetect's
# default) these two gave 4 and 5 false cuts.
WHITE_BACKGROUND = ("push-up/toobasamad-0-pushups.mp4", "russian twist/toobasamad-0-russiantwist.mp4")
# A tutorial montage whose cuts were noted by eye (tests/analysis/data/real_dev_reps.csv): ~2.4, ~4.7, ~6.9 s.
MONTAGE = ("hammer curl/odilxanivich-hammer-curl.mp4", (2.4, 4.7, 6.9))


def _cuts_s(path) -> tuple[list[float], int]:
    """Cut times (seconds) found in a video file, and how many frames were sampled."""
    det, times = ShotDetector(CONTRACT.sample_fps), []
    with sampled_frames(str(path), CONTRACT) as (info, _, frames):
        for i, rgb in frames:
            det.add(rgb)
            times.append(i / info.fps)
    return [times[k] for k in det.starts()], len(times)


def _texture(seed: int, h: int = 240, w: int = 960) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (h // 60, w // 60, 3), dtype=np.uint8)   # smooth: a pan changes little
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def test_a_change_of_scene_is_one_cut_and_a_pan_is_none(tmp_path):
    a, b = _texture(1), _texture(2)
    # 3 s panning across scene a, then 3 s panning across scene b (30 fps, 320x240 window moving 2 px a frame)
    frames = [a[:, 2 * k:2 * k + 320] for k in range(90)] + [b[:, 2 * k:2 * k + 320] for k in range(90)]
    cuts, _ = _cuts_s(write_video(tmp_path / "two_scenes.mp4", frames))
    assert len(cuts) == 1 and abs(cuts[0] - 3.0) <= 1 / CONTRACT.sample_fps + 1e-6, cuts
    cuts, n = _cuts_s(write_video(tmp_path / "pan.mp4", frames[:90] + [a[:, 180 + 2 * k:500 + 2 * k] for k in range(90)]))
    assert n > 60 and cuts == [], cuts


def test_the_join_of_two_real_clips_is_found_and_nothing_else(real_dev, tmp_path):
    manifest = {r["path"]: r for r in csv.DictReader(open(real_dev / "manifest.csv"))}
    assert manifest[JOIN[0]]["source_repo"] != manifest[JOIN[1]]["source_repo"]
    for clip in (*JOIN, *WHITE_BACKGROUND):
        cuts, _ = _cuts_s(real_dev / clip)
        assert cuts == [], (clip, cuts)
    cuts, _ = _cuts_s(real_dev / MONTAGE[0])
    assert len(cuts) == len(MONTAGE[1]) and np.allclose(cuts, MONTAGE[1], atol=0.3), cuts
    starts = join_clips([str(real_dev / p) for p in JOIN], str(tmp_path / "joined.mp4"))
    cuts, _ = _cuts_s(tmp_path / "joined.mp4")
    join_s = starts[1]
    assert len(cuts) == 1 and abs(cuts[0] - join_s) <= 2 / CONTRACT.sample_fps, (cuts, join_s)
