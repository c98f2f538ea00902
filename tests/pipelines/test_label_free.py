"""Nothing derived from labels or file names reaches the model: the same clips under their class folders, renamed and
shuffled into wrong class folders, and unlabelled in one flat folder give identical landmarks, features and
predictions (matched by content hash)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from exercise_classifier import storage
from exercise_classifier.pipelines.extract import run_extract
from exercise_classifier.pipelines.score import run_score

pytestmark = pytest.mark.slow

WRONG = {"squat": "push-up", "push-up": "shoulder press", "shoulder press": "squat"}


def _by_id(uri: str, columns: list[str]) -> dict[str, dict]:
    return {r["video_id"]: r for r in storage.read_parquet_dir(uri, columns=["video_id", *columns]).to_pylist()}


def test_labels_and_names_change_nothing_the_model_sees(ray_local, tmp_path, synth_library):
    clips = sorted(synth_library.rglob("*.mp4"))
    right = tmp_path / "right"
    wrong = tmp_path / "wrong"
    flat = tmp_path / "flat"
    flat.mkdir()
    for i, clip in enumerate(clips):
        (right / clip.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, right / clip.parent.name / clip.name)
        (wrong / WRONG[clip.parent.name]).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, wrong / WRONG[clip.parent.name] / f"{WRONG[clip.parent.name]} take {i}.mp4")
        shutil.copy(clip, flat / f"{i:03d}.mp4")

    runs = {name: (str(lib), labels) for name, lib, labels in
            (("right", right, "folder"), ("wrong", wrong, "folder"), ("flat", flat, "none"))}
    rows, preds = {}, {}
    for name, (lib, labels) in runs.items():
        run_extract(lib, str(tmp_path / f"f-{name}"), labels=labels, progress=False)
        rows[name] = _by_id(str(tmp_path / f"f-{name}"), ["label", "landmarks", "world_landmarks", "features"])
        # scored from the shards, whose label column differs per run (the raw-video path runs the same pose stage
        # as extract, whose output is compared above)
        run_score(str(tmp_path / f"p-{name}"), features_uri=str(tmp_path / f"f-{name}"), progress=False)
        preds[name] = _by_id(str(tmp_path / f"p-{name}"), ["predicted_label", "confidence", "top3_scores",
                                                          "rep_count", "segments", "not_an_exercise_score"])

    assert len(rows["right"]) == len(clips) and rows["right"].keys() == rows["wrong"].keys() == rows["flat"].keys()
    for vid, ref in rows["right"].items():
        for other in ("wrong", "flat"):
            r = rows[other][vid]
            for col in ("landmarks", "world_landmarks", "features"):
                np.testing.assert_array_equal(np.asarray(r[col], np.float32), np.asarray(ref[col], np.float32))
        assert rows["wrong"][vid]["label"] == WRONG[ref["label"]] and rows["flat"][vid]["label"] is None
        for other in ("wrong", "flat"):
            p, q = preds[other][vid], preds["right"][vid]
            assert p["predicted_label"] == q["predicted_label"] and p["confidence"] == q["confidence"]
            assert p["top3_scores"] == q["top3_scores"]
            assert (p["rep_count"], p["segments"], p["not_an_exercise_score"]) == \
                (q["rep_count"], q["segments"], q["not_an_exercise_score"])
