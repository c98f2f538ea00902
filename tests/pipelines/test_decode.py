from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from exercise_classifier.pipelines.decode import DecodeStats, UnreadableVideo, iter_sampled_frames, probe, \
    sample_mask_step

from .conftest import media


@pytest.mark.parametrize("src,expected", [(30, 2), (60, 4), (15, 1)])
def test_sampling_keeps_a_fixed_target_rate(src, expected):
    kept = [i for i in range(120) if sample_mask_step(i, src, 15.0)]
    assert np.all(np.diff(kept) == expected)


def test_sampling_at_25fps_keeps_15_of_25():
    kept = [i for i in range(250) if sample_mask_step(i, 25, 15.0)]
    assert len(kept) == 150


def test_decode_streams_sampled_rgb_frames(tmp_path):
    frames = media.noise_frames(24, 320, 240)
    path = media.write_video(tmp_path / "v.mp4", frames, fps=60)
    cap, info = probe(str(path))
    stats = DecodeStats()
    out = list(iter_sampled_frames(cap, info, 15.0, stats, max_side=1280))
    assert [i for i, _ in out] == [0, 4, 8, 12, 16, 20]
    assert stats.frames_decoded == 24 and stats.frames_sampled == 6
    assert out[0][1].shape == (240, 320, 3) and out[0][1].dtype == np.uint8
    assert info.fps == 60 and (info.width, info.height) == (320, 240)


def test_huge_frames_are_downscaled_for_pose(tmp_path):
    path = media.write_video(tmp_path / "big.mp4", media.noise_frames(2, 3840, 2160))
    cap, info = probe(str(path))
    (_, frame), = list(iter_sampled_frames(cap, info, 15.0, DecodeStats(), max_side=1280))
    assert max(frame.shape[:2]) == 1280 and (info.width, info.height) == (3840, 2160)


@pytest.mark.parametrize("content,reason", [(b"", "empty file"), (b"plain text" * 50, "not a video file")])
def test_unreadable_files_say_why(tmp_path, content, reason):
    p = tmp_path / "bad.mp4"
    p.write_bytes(content)
    with pytest.raises(UnreadableVideo, match=reason):
        probe(str(p))


def test_audio_only_file(tmp_path):
    with pytest.raises(UnreadableVideo, match="no video stream"):
        probe(str(media.write_audio_only(tmp_path / "a.mp4")))


def test_rotation_metadata_is_honoured(tmp_path):
    frames = []
    for _ in range(4):
        f = np.zeros((240, 320, 3), np.uint8)
        f[:, :40] = 255  # a white band down the left edge of the landscape frame
        frames.append(f)
    path = media.set_rotation_90(media.write_video(tmp_path / "portrait.mp4", frames))
    cap, info = probe(str(path))
    (_, frame), *_ = list(iter_sampled_frames(cap, info, 15.0, DecodeStats(), max_side=1280))
    assert info.rotation == 90
    assert (info.width, info.height) == (240, 320) and frame.shape == (320, 240, 3)
    bright_rows = np.flatnonzero(frame.mean(axis=(1, 2)) > 200)
    # a 90° display rotation turns the frame clockwise: the left-edge band becomes the top band (and only that)
    assert bright_rows.min() == 0 and 30 <= len(bright_rows) and bright_rows.max() < 60, bright_rows


@pytest.mark.parametrize("fps,suffix", [(25, ".mp4"), (Fraction(30000, 1001), ".mp4"), (30, ".mkv"), (60, ".mkv")])
def test_timestamp_sampling_keeps_the_frames_of_the_index_rule_at_constant_rate(tmp_path, fps, suffix):
    """Sampling follows presentation time, yet a constant-rate video keeps exactly the frames it always kept,
    also where the container rounds timestamps to milliseconds (Matroska: 33, 67, 100 ms at 30 fps)."""
    n = 64
    path = media.write_video(tmp_path / f"v{suffix}", media.noise_frames(n, 64, 48), fps=fps)
    cap, info = probe(str(path))
    stats = DecodeStats()
    got = [i for i, _ in iter_sampled_frames(cap, info, 15.0, stats, max_side=1280)]
    assert stats.frames_decoded == n
    assert got == [i for i in range(n) if sample_mask_step(i, info.fps, 15.0)]


def test_variable_frame_rate_is_sampled_by_presentation_time(tmp_path):
    """1 s at 60 fps, then 1 s at 30 fps, then 1 s at 15 fps: one frame per 1/15 s tick throughout."""
    times = [k / 60 for k in range(60)] + [1 + k / 30 for k in range(30)] + [2 + k / 15 for k in range(15)]
    path = media.write_vfr_video(tmp_path / "vfr.mp4", media.noise_frames(len(times), 64, 48), times)
    assert media.frame_times(path) == pytest.approx(times, abs=1e-4)
    cap, info = probe(str(path))
    got = [i for i, _ in iter_sampled_frames(cap, info, 15.0, DecodeStats(), max_side=1280)]
    assert got == list(range(0, 60, 4)) + list(range(60, 90, 2)) + list(range(90, 105))
