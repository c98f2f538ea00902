"""Broken and unusual video files through the console commands: what ``extract`` and ``score`` say about each one.

One folder holds one file per case. ``exercise-classifier extract`` and ``exercise-classifier score`` each run once
over it, in a subprocess, and the tests read their Parquet output. Only the command line and these output columns
are relied on (the Python internals behind them may change):

* extraction rows: ``uri, status, error, width, height, rotation, fps, sampled_frames, detected_frames, landmarks``
  (``landmarks``: per sampled frame 33 x (x, y, z, visibility), NaN where no pose was found);
* prediction rows (``pred-*.parquet``): ``uri, status, error, predicted_label, confidence, uncertain``.

Status and reason are pinned exactly: a changed message is a changed user-facing behaviour and must be deliberate.
The person clips are frames of the session's rendered synthetic squat clip (a body MediaPipe detects).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from exercise_classifier.classes import CLASSES

from .conftest import media

pytestmark = pytest.mark.slow

PERSON_FRAMES = 16          # person clips: 16 frames at 15 fps (every 2nd frame of the 30 fps synthetic clip)
FPS = 15
EIGHT_K = (7680, 4320)
EIGHT_K_FRAMES = 12         # >= 10 usable frames make one window
FASTSTART_FRAMES, FASTSTART_CUT = 20, 14   # index-first clip, cut off before its 15th packet
NON_ASCII = "Kniebeuge über Kopf 1.mp4"
# VFR: 1 s at 60 fps, 1 s at 30 fps, 1 s at 15 fps; the person slides right at 80 px/s of presentation time
VFR_SECTIONS = ((0.0, 60), (1.0, 30), (2.0, 15))
VFR_SPEED_PX_S = 80.0

FILES = {
    "empty": "empty.mp4",
    "text": "text.mp4",
    "truncated": "truncated.mp4",
    "truncated_faststart": "truncated_faststart.mp4",
    "audio_only": "audio_only.mp4",
    "one_frame_person": "one_frame_person.mp4",
    "8k": "8k.mp4",
    "rotated_90": "rotated_90.mp4",
    "rotated_180": "rotated_180.mp4",
    "rotated_270": "rotated_270.mp4",
    "vfr": "vfr.mp4",
    "non_ascii": NON_ASCII,
}

EXPECTED = {  # name -> (status, reason); None: the reason of truncated_faststart depends on the cut, see below
    "empty": ("unreadable", "empty file (0 bytes)"),
    "text": ("unreadable", "not a video file (InvalidDataError: Invalid data found when processing input)"),
    "truncated": ("unreadable", "truncated or unfinished MP4: no 'moov' index (the file ends inside its 'mdat' box)"),
    "truncated_faststart": ("ok", None),
    "audio_only": ("unreadable", "no video stream (streams: audio)"),
    "one_frame_person": ("too_short",
                         "only 0 usable frames (< 10) for a window (1 with a clear pose, in runs shorter than 5)"),
    "8k": ("ok", None),
    "rotated_90": ("ok", None),
    "rotated_180": ("ok", None),
    "rotated_270": ("ok", None),
    "vfr": ("ok", None),
    "non_ascii": ("ok", None),
}
USABLE = ("ok", "low_detection")
NOSE, LEFT_HIP, RIGHT_HIP = 0, 23, 24


def vfr_times() -> list[float]:
    """Irregular presentation times: frames on the 1/15 s grid are exact, the others jitter by up to 3 ms."""
    rng = np.random.default_rng(0)
    times = []
    for start, rate in VFR_SECTIONS:
        for k in range(rate):
            t = start + k / rate
            on_grid = abs(t * FPS - round(t * FPS)) < 1e-9
            times.append(t if on_grid else t + float(rng.uniform(-0.003, 0.003)))
    return times


def _shifted(frame: np.ndarray, dx: float) -> np.ndarray:
    import cv2

    m = np.float32([[1, 0, dx], [0, 1, 0]])
    return cv2.warpAffine(frame, m, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, synth_library) -> dict[str, Path]:
    """The folder of odd inputs (name -> path), all at the top level of one directory."""
    d = tmp_path_factory.mktemp("broken-inputs") / "videos"
    work = d.parent / "work"
    d.mkdir()
    work.mkdir()
    paths = {name: d / fname for name, fname in FILES.items()}
    squat = next(synth_library.glob("squat/*.mp4"))
    person = media.read_frames(squat, 2 * FASTSTART_FRAMES)[::2]  # 30 fps -> 15 fps, upright, 640x360
    clip = person[:PERSON_FRAMES]

    paths["empty"].write_bytes(b"")
    paths["text"].write_text("this is not a video\n" * 10)
    media.truncate(media.write_video(work / "whole.mp4", clip, fps=FPS), paths["truncated"], 0.4)
    media.cut_before_packet(media.write_video(work / "whole_faststart.mp4", person, fps=FPS, faststart=True),
                            paths["truncated_faststart"], FASTSTART_CUT)
    media.write_audio_only(paths["audio_only"])
    media.write_video(paths["one_frame_person"], clip[:1], fps=FPS)
    media.write_video(paths["8k"], clip[:EIGHT_K_FRAMES], fps=FPS, size=EIGHT_K, options={"preset": "ultrafast"})
    for deg in (90, 180, 270):
        # the coded frames are turned back by `deg` (the sensor's view); the display matrix turns them upright
        coded = [np.rot90(f, deg // 90) for f in clip]
        media.set_rotation(media.write_video(paths[f"rotated_{deg}"], coded, fps=FPS), deg)
    times = vfr_times()
    media.write_vfr_video(paths["vfr"], [_shifted(clip[0], -120 + VFR_SPEED_PX_S * t) for t in times], times)
    media.write_video(paths["non_ascii"], clip, fps=FPS)  # upright, no rotation: the reference for the turned ones
    shutil.rmtree(work)
    assert sorted(p.name for p in d.iterdir()) == sorted(FILES.values())
    return paths


def _cli(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ)  # as the cli_env fixture (function-scoped), for this module-scoped run
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    exe = shutil.which("exercise-classifier", path=env["PATH"])
    assert exe, "the exercise-classifier console command is not installed"
    proc = subprocess.run([exe, *args, "--no-progress", "--num-cpus", "2"], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, f"{args[0]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def _read(folder: Path, pattern: str) -> list[dict]:
    files = sorted(folder.glob(pattern))
    assert files, f"no {pattern} under {folder}"
    return [row for f in files for row in pq.read_table(f).to_pylist()]


@pytest.fixture(scope="module")
def runs(inputs, tmp_path_factory) -> dict:
    """``extract`` and ``score`` once each over the folder; their rows keyed by input name."""
    folder = next(iter(inputs.values())).parent
    out = tmp_path_factory.mktemp("broken-out")
    ex_proc = _cli(["extract", "--input", str(folder), "--output", str(out / "features"), "--labels", "none"])
    sc_proc = _cli(["score", "--input", str(folder), "--output", str(out / "preds"), "--labels", "none"])
    extracted = _read(out / "features", "*.parquet")
    scored = _read(out / "preds", "pred-*.parquet")
    name_of = {str(p): name for name, p in inputs.items()}
    return {
        "extract_rows": extracted, "score_rows": scored,
        "extract": {name_of.get(r["uri"], r["uri"]): r for r in extracted},
        "score": {name_of.get(r["uri"], r["uri"]): r for r in scored},
        "stdout": ex_proc.stdout + sc_proc.stdout,
    }


def image_landmarks(row: dict) -> np.ndarray:
    """(sampled frames, 33, 4) from the flat per-frame lists."""
    lm = np.asarray(row["landmarks"], dtype=np.float32)
    assert lm.shape == (row["sampled_frames"], 33 * 4)
    return lm.reshape(-1, 33, 4)


def expected_reason(name: str, inputs: dict[str, Path]) -> str | None:
    if name == "truncated_faststart":
        # FFmpeg's own count of what survives the cut, independent of the pipeline's decoder
        n = media.decodable_frames(inputs[name])
        assert 10 <= n < FASTSTART_FRAMES
        return f"decoding stopped early after {n} of {FASTSTART_FRAMES} frames (truncated stream?)"
    return EXPECTED[name][1]


# --- the inputs are what they claim to be -------------------------------------------------------------------------


def test_the_8k_clip_is_really_8k_and_decodes(inputs):
    import av

    with av.open(str(inputs["8k"])) as c:
        s = c.streams.video[0]
        assert (s.codec_context.name, s.width, s.height) == ("h264", *EIGHT_K)
        decoded = [(f.width, f.height) for f in c.decode(video=0)]
    assert decoded == [EIGHT_K] * EIGHT_K_FRAMES


def test_the_vfr_clip_has_irregular_timestamps(inputs):
    times = media.frame_times(inputs["vfr"])
    assert times == pytest.approx(vfr_times(), abs=1e-4)
    gaps = np.diff(times)
    assert gaps.min() < 1 / 50 and gaps.max() > 1 / 20 and len(set(np.round(gaps, 4))) > 10


# --- every file: one row in each output, status and reason pinned --------------------------------------------------


def test_every_file_appears_exactly_once_in_both_outputs(runs, inputs):
    want = sorted(str(p) for p in inputs.values())
    assert sorted(r["uri"] for r in runs["extract_rows"]) == want
    assert sorted(r["uri"] for r in runs["score_rows"]) == want


@pytest.mark.parametrize("name", list(FILES))
def test_extract_status_and_reason(runs, inputs, name):
    row = runs["extract"][name]
    assert (row["status"], row["error"]) == (EXPECTED[name][0], expected_reason(name, inputs))


@pytest.mark.parametrize("name", list(FILES))
def test_score_agrees_with_extract_and_labels_exactly_the_usable_videos(runs, name):
    ex, sc = runs["extract"][name], runs["score"][name]
    assert (sc["status"], sc["error"]) == (ex["status"], ex["error"])
    if ex["status"] in USABLE:
        assert sc["predicted_label"] in CLASSES
        assert 0.0 < sc["confidence"] <= 1.0 and sc["uncertain"] == (sc["confidence"] < 0.5)
    else:
        assert (sc["predicted_label"], sc["confidence"], sc["uncertain"]) == (None, None, None)


def test_unreadable_files_carry_no_decoded_data(runs):
    for name in ("empty", "text", "truncated", "audio_only"):
        row = runs["extract"][name]
        assert (row["width"], row["height"], row["sampled_frames"], row["detected_frames"]) == (None, None, 0, 0)
        assert not row["landmarks"]


def test_one_frame_with_a_person_is_too_short_not_personless(runs):
    row = runs["extract"]["one_frame_person"]
    assert (row["sampled_frames"], row["detected_frames"]) == (1, 1)
    assert np.isfinite(image_landmarks(row)).all()


def test_cut_off_index_first_mp4_keeps_the_frames_before_the_cut(runs, inputs):
    row = runs["extract"]["truncated_faststart"]
    n = media.decodable_frames(inputs["truncated_faststart"])
    assert (row["width"], row["height"], row["sampled_frames"], row["detected_frames"]) == (640, 360, n, n)


# --- sizes, rotation, timing, names ---------------------------------------------------------------------------------


def test_8k_clip(runs):
    row = runs["extract"]["8k"]
    assert (row["width"], row["height"], row["rotation"]) == (*EIGHT_K, 0)
    assert row["fps"] == FPS and row["sampled_frames"] == row["detected_frames"] == EIGHT_K_FRAMES


@pytest.mark.parametrize("deg", [90, 180, 270])
def test_rotated_clip_is_decoded_upright(runs, inputs, deg):
    import av

    row, ref = runs["extract"][f"rotated_{deg}"], runs["extract"]["non_ascii"]
    with av.open(str(inputs[f"rotated_{deg}"])) as c:
        coded = (c.streams.video[0].width, c.streams.video[0].height)
    displayed = coded[::-1] if deg % 180 == 90 else coded
    assert row["rotation"] == deg
    assert (row["width"], row["height"]) == displayed == (640, 360)
    assert row["sampled_frames"] == row["detected_frames"] == PERSON_FRAMES
    lm = image_landmarks(row)
    nose_y, hip_y = lm[:, NOSE, 1].mean(), lm[:, [LEFT_HIP, RIGHT_HIP], 1].mean()
    assert nose_y < hip_y - 0.15, f"person not upright: nose y {nose_y:.3f}, hip y {hip_y:.3f}"
    # the turned frames are the reference's frames: the same pose at the same place
    ref_lm = image_landmarks(ref)
    assert np.abs(lm[:, :, :2] - ref_lm[:, :, :2]).mean() < 0.02


def test_vfr_clip_is_sampled_evenly_in_presentation_time(runs):
    row = runs["extract"]["vfr"]
    times = vfr_times()
    ticks = {math.floor(t * FPS + 1e-9) for t in times}
    assert row["sampled_frames"] == row["detected_frames"] == len(ticks) == 45
    assert (row["width"], row["height"], row["rotation"]) == (640, 360, 0)
    assert 30 < row["fps"] < 40  # the average rate (105 frames in ~3 s): no single rate describes the clip
    lm = image_landmarks(row)
    hip_x = lm[:, [LEFT_HIP, RIGHT_HIP], 0].mean(axis=1)
    step = VFR_SPEED_PX_S / 640 / FPS  # normalised x the person moves in 1/15 s
    steps = np.diff(hip_x)[2:]  # the first steps lag behind: MediaPipe's landmark smoothing settles
    # sampling by frame index would step 0.6x at 60 fps and 2.4x at 15 fps (the clip averages ~35 fps)
    assert np.median(steps) == pytest.approx(step, rel=0.05)
    assert np.all(np.abs(steps / step - 1) < 0.3), np.round(steps / step, 2)


def test_non_ascii_name_with_spaces(runs, inputs):
    row = runs["extract"]["non_ascii"]
    assert row["uri"] == str(inputs["non_ascii"]) and row["uri"].endswith("/" + NON_ASCII)
    assert runs["score"]["non_ascii"]["uri"] == row["uri"]
    assert (row["width"], row["height"], row["rotation"], row["fps"]) == (640, 360, 0, FPS)
    assert row["sampled_frames"] == row["detected_frames"] == PERSON_FRAMES
