"""The benchmark's instruments measure what they say (the benchmark itself runs as `exercise-classifier bench`)."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow


def test_process_memory_is_read_from_proc():
    from exercise_classifier.pipelines.bench import _proc_memory_mb

    m = _proc_memory_mb(os.getpid())
    assert m["rss"] > 10 and 0 < m["uss"] <= m["rss"] + 1e-6 and 0 < m["pss"] <= m["rss"] + 1e-6
    assert _proc_memory_mb(2 ** 22 + 12345) == {"rss": 0.0, "pss": 0.0, "uss": 0.0}   # a process that is gone


def test_limits_count_every_frame_of_every_process(synth_library, tmp_path):
    from exercise_classifier.contract import Preprocessing
    from exercise_classifier.pipelines.bench import measure_limits

    clips = sorted(str(p) for p in synth_library.rglob("*.mp4"))
    out = measure_limits(clips[:2], 2, 12, Preprocessing(), str(tmp_path))
    assert out["processes"] == 2 and out["pose_only_frames"] == 24           # 12 pre-decoded frames each
    assert out["decode_pose_frames"] == sum(45 for _ in clips[:2])             # 3 s at 15 fps, decoded whole
    assert out["pose_only_limit_frames_per_s"] > 0 and out["decode_cpu_ms_per_sampled_frame"] > 0
    assert 0.3 < out["pose_only_cpu_per_wall"] < 2.5                            # pose is about one core per process
