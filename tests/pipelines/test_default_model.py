"""The shipped default model: loads, is small, and labels real footage out of the box (``score`` without --model)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.features.table import FEATURE_VERSION
from exercise_classifier import storage
from exercise_classifier.pipelines.score import default_model_uri

from ..media import join_clips

pytestmark = pytest.mark.slow


def test_default_model_is_small_complete_and_of_this_feature_version():
    d = Path(default_model_uri())
    manifest = json.loads((d / "manifest.json").read_text())
    assert manifest["preprocessing"]["feature_version"] == FEATURE_VERSION and manifest["classes"] == list(CLASSES)
    assert (d / "model.keras").stat().st_size < 2_000_000  # models over 2 MB stay out of git
    stats = manifest["members"]["stats"]
    assert stats["file"] == "forest.npz" and (d / "forest.npz").stat().st_size < 2_000_000
    assert 0.0 <= stats["weight"] <= 1.0 and stats["temperature"] > 0
    assert sum(f.stat().st_size for f in d.iterdir()) < 5 * 1024 * 1024
    metrics = json.loads((d / "metrics.json").read_text())
    assert metrics["split"] == "test" and 0.0 <= metrics["video"]["accuracy"] <= 1.0


@pytest.mark.realdata
def test_score_real_clips_with_the_default_model(real_dev, tmp_path, cli_env):
    lib = tmp_path / "archive"
    lib.mkdir()
    # clips whose reps were counted by eye (tests/analysis/data/real_dev_reps.csv): 2 push-ups, 8 squats, a plank
    picks = ["push-up/omartarek198-videos-pushup5.mp4", "squat/jurisimo00-squat.mp4", "plank/techbusa-videos-plank.mp4"]
    for i, rel in enumerate(picks):  # neutral names: nothing about the label reaches the scorer
        shutil.copy(real_dev / rel, lib / f"v{i}.mp4")
    out = tmp_path / "preds"
    proc = subprocess.run([sys.executable, "-m", "exercise_classifier", "score", "--input", str(lib), "--output",
                           str(out), "--csv", "--no-progress", "--num-cpus", "2"],
                          capture_output=True, text=True, env=cli_env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = storage.read_parquet_dir(str(out)).to_pylist()
    assert len(rows) == 3 and all(r["status"] == "ok" and r["predicted_label"] in CLASSES for r in rows)
    assert all(r["label"] is None for r in rows)
    assert "predicted" in proc.stdout and (out / "predictions.csv").exists()
    by_clip = {Path(r["uri"]).name: r for r in rows}
    counted = {r["path"]: r for r in csv.DictReader(open(Path(__file__).parents[1] / "analysis/data/real_dev_reps.csv"))}
    for i, rel in enumerate(picks):
        r, truth = by_clip[f"v{i}.mp4"], counted[rel]
        assert r["not_an_exercise_of_the_22"] is False, r
        assert abs(r["rep_count"] - int(truth["reps"])) <= 1, (rel, r["rep_count"], truth["reps"], r["summary"])
        assert r["summary"] and r["segments"]


@pytest.mark.realdata
def test_two_real_clips_joined_are_two_sets_split_at_the_cut(real_dev, tmp_path, cli_env):
    # one of the joined videos of docs/analysis.md: without the camera cut the segmenter ran the two sets together
    # and called the romanian deadlift a deadlift; with it, each shot is labelled on its own frames
    picks = ["romanian deadlift/sumukh0504-romainian.mp4", "bench press/kshitij-19-exercise-videos-barbell-bench-press.mp4"]
    lib = tmp_path / "archive"
    lib.mkdir()
    starts = join_clips([str(real_dev / p) for p in picks], str(lib / "workout.mp4"))
    counted = {r["path"]: r for r in csv.DictReader(open(Path(__file__).parents[1] / "analysis/data/real_dev_reps.csv"))}
    out = tmp_path / "preds"
    proc = subprocess.run([sys.executable, "-m", "exercise_classifier", "score", "--input", str(lib), "--output",
                           str(out), "--no-progress", "--num-cpus", "2"],
                          capture_output=True, text=True, env=cli_env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (row,) = storage.read_parquet_dir(str(out)).to_pylist()
    sets = [s for s in row["segments"] if s["label"] != "rest"]
    assert [s["label"] for s in sets] == ["romanian deadlift", "bench press"], row["segments"]
    for s, rel, t0 in zip(sets, picks, starts):
        truth = counted[rel]
        assert abs(s["start_s"] - (t0 + float(truth["first_rep_start_s"]))) <= 1.0, (s, truth)
        assert abs(s["end_s"] - (t0 + float(truth["last_rep_end_s"]))) <= 1.0, (s, truth)
        assert abs(s["reps"] - int(truth["reps"])) <= 1, (s, truth)
    assert row["uncertain"] and "several exercises" in row["uncertain_reason"]
