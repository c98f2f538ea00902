"""The benchmark's instruments measure what they say (the benchmark itself runs as `exercise-classifier bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_process_memory_is_read_from_proc():
    from exercise_classifier.pipelines.bench import _proc_memory_mb

    m = _proc_memory_mb(os.getpid())
    assert m["rss"] > 10 and 0 < m["uss"] <= m["rss"] + 1e-6 and 0 < m["pss"] <= m["rss"] + 1e-6
    assert _proc_memory_mb(2 ** 22 + 12345) == {"rss": 0.0, "pss": 0.0, "uss": 0.0}   # a process that is gone


def test_limits_count_every_frame_of_every_process(synth_library, tmp_path):
    from exercise_classifier.contract import Preprocessing
    from exercise_classifier.errors import UserError
    from exercise_classifier.pipelines.bench import measure_limits

    clips = sorted(str(p) for p in synth_library.rglob("*.mp4"))
    out = measure_limits(clips[:2], 2, 12, Preprocessing(), str(tmp_path))
    assert out["processes"] == 2 and out["pose_only_frames"] == 24           # 12 pre-decoded frames each
    assert out["decode_pose_frames"] == sum(45 for _ in clips[:2])             # 3 s at 15 fps, decoded whole
    assert out["pose_only_limit_frames_per_s"] > 0 and out["decode_cpu_ms_per_sampled_frame"] > 0
    assert 0.3 < out["pose_only_cpu_per_wall"] < 2.5                            # pose is about one core per process
    # Hands runs inside the limit as in the pipeline (where a wrist is seen), its cost reported apart
    assert 0 < out["hands_runs_per_sampled_frame"] <= 1 and out["hands_ms_per_run"] > 0
    assert 0 < out["hands_share_of_limit_time"] < 1
    # the bench measures the pose-only limit again after the pipeline's run (the machine's speed drifts): that one only
    again = measure_limits(clips[:2], 2, 12, Preprocessing(), str(tmp_path), modes=("pose",))
    assert again["pose_only_frames"] == 24 and "decode_pose_frames" not in again
    with pytest.raises(UserError, match="modes"):
        measure_limits(clips[:2], 2, 12, Preprocessing(), str(tmp_path), modes=("decode",))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and two CPUs")
def test_one_cpu_run_is_held_to_one_core_with_the_processes_it_starts():
    from exercise_classifier.pipelines.bench import on_cores

    before = os.sched_getaffinity(0)
    with on_cores(1) as cores:
        assert len(cores) == 1 and os.sched_getaffinity(0) == set(cores)
        child = subprocess.run([sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                               capture_output=True, text=True, check=True)
        assert json.loads(child.stdout) == cores                 # what Ray's raylet and workers inherit
    assert os.sched_getaffinity(0) == before
    with on_cores(len(before)) as cores:
        assert set(cores) == before == os.sched_getaffinity(0)


def test_linear_fit_recovers_a_line_and_says_when_it_is_not_one():
    from exercise_classifier.pipelines.bench import linear_fit

    f = linear_fit([100, 200, 400], [7.0, 9.0, 13.0])              # 20 ms per frame + 5 s start-up
    assert f["slope"] == pytest.approx(0.02) and f["intercept"] == pytest.approx(5.0) and f["r2"] == 1.0
    assert linear_fit([100, 200, 400], [7.0, 20.0, 9.0])["r2"] < 0.5


def test_scaled_library_names_each_copy_as_its_own_video(tmp_path):
    from exercise_classifier.pipelines.bench import _link_library

    clips = []
    for name in ("a.mp4", "b.mp4"):
        (tmp_path / name).write_bytes(b"x")
        clips.append(str(tmp_path / name))
    lib = _link_library(clips, 3, str(tmp_path / "lib"))
    names = sorted(os.listdir(lib))
    assert len(names) == 6 == len(set(names))
    assert {os.path.realpath(os.path.join(lib, n)) for n in names} == {os.path.realpath(c) for c in clips}


def test_long_clip_is_1080p_and_as_long_as_asked(synth_library, tmp_path):
    import cv2

    from exercise_classifier.pipelines.bench import write_long_clip

    src = str(sorted(synth_library.rglob("*.mp4"))[0])
    out = write_long_clip(src, 4.0, str(tmp_path / "long.mp4"))
    cap = cv2.VideoCapture(out)
    size = (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    n = 0
    while cap.grab():
        n += 1
    cap.release()
    assert size == (1920, 1080) and n == 120                          # 4 s at 30 fps


def test_replicated_features_are_distinct_videos_with_the_same_pose(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
    import synthdata  # noqa: E402 -- the test data helpers of tests/model

    from exercise_classifier import storage
    from exercise_classifier.pipelines.bench import replicate_features
    from exercise_classifier.pipelines.datasets import dataset_contract

    rows = synthdata.synthetic_rows(classes=("squat", "push-up"), per_class=2, seed=3)
    src = synthdata.write_shards(rows, tmp_path / "features", per_shard=3)
    dst = replicate_features(src, 3, str(tmp_path / "copies"))
    original = storage.read_parquet_dir(src).to_pylist()
    copies = storage.read_parquet_dir(dst).to_pylist()
    assert len(copies) == 3 * len(original) == len({r["uri"] for r in copies}) == len({r["video_id"] for r in copies})
    by_uri = {r["uri"]: r for r in original}
    for r in copies:
        prefix, uri = r["uri"].split("/", 1)
        assert prefix in {"c00", "c01", "c02"} and r["features"] == by_uri[uri]["features"]
    assert dataset_contract(dst) == dataset_contract(src)   # the copies keep the preprocessing contract


def _burn_code(seconds: float) -> str:
    # no "r-a-y" in the code: the watch sorts processes by what their command line names
    return f"import time\nt = time.process_time()\nwhile time.process_time() - t < {seconds}: pass\ntime.sleep(1.0)"


def test_cpu_is_counted_by_kind_of_process():
    """A marked worker, a process naming Ray and the driver each burn a known CPU time during the watch; each is
    counted under its kind (the children sleep after burning so a sample sees their total)."""
    import time

    from exercise_classifier.pipelines.bench import ProcessWatch, _proc_cpu_s

    assert _proc_cpu_s(os.getpid()) > 0 and _proc_cpu_s(2 ** 22 + 12345) == 0.0
    with ProcessWatch("bench-test-worker") as watch:
        subprocess.run([sys.executable, "-c", _burn_code(0.8), "bench-test-worker"], check=True)
        subprocess.run([sys.executable, "-c", _burn_code(0.4), "ray-like"], check=True)
        t = time.process_time()
        while time.process_time() - t < 0.4:
            pass
    s = watch.cpu_summary(2)
    assert 0.75 <= s["cpu_s"]["pose_workers"] < 1.6, s
    assert s["cpu_s"]["ray_own"] >= 0.35, s
    assert s["cpu_s"]["driver"] >= 0.38, s
    assert s["core_s"] > 2 * 3.0 and 0.0 <= s["unused_share"] < 1.0
    assert abs(sum(s["share_of_core_s"].values()) + s["unused_share"] - 1.0) < 0.01
