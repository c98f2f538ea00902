"""Nothing derived from labels or file names reaches the model: the same clips renamed and shuffled into wrong class
folders (labelled by folder) and unlabelled in one flat folder under numbers give identical landmarks, features and
predictions (matched by content hash). Had any of them depended on the label or the name, the two runs would differ:
one has every label wrong and a name that says so, the other none."""

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
    wrong = tmp_path / "wrong"
    flat = tmp_path / "flat"
    flat.mkdir()
    for i, clip in enumerate(clips):
        (wrong / WRONG[clip.parent.name]).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, wrong / WRONG[clip.parent.name] / f"{WRONG[clip.parent.name]} take {i}.mp4")
        shutil.copy(clip, flat / f"{i:03d}.mp4")

    rows, preds = {}, {}
    for name, lib, labels in (("wrong", wrong, "folder"), ("flat", flat, "none")):
        run_extract(str(lib), str(tmp_path / f"f-{name}"), labels=labels, progress=False)
        rows[name] = _by_id(str(tmp_path / f"f-{name}"), ["uri", "label", "landmarks", "world_landmarks", "features"])
        # scored from the shards, whose label column differs per run (the raw-video path runs the same pose stage
        # as extract, whose output is compared here)
        run_score(str(tmp_path / f"p-{name}"), features_uri=str(tmp_path / f"f-{name}"), progress=False)
        preds[name] = _by_id(str(tmp_path / f"p-{name}"), ["predicted_label", "confidence", "top3_scores",
                                                          "rep_count", "segments", "not_an_exercise_score"])

    assert len(rows["flat"]) == len(clips) and rows["flat"].keys() == rows["wrong"].keys()
    for vid, ref in rows["flat"].items():
        true_label = clips[int(ref["uri"].rsplit("/", 1)[-1][:3])].parent.name
        r = rows["wrong"][vid]
        for col in ("landmarks", "world_landmarks", "features"):
            np.testing.assert_array_equal(np.asarray(r[col], np.float32), np.asarray(ref[col], np.float32))
        assert r["label"] == WRONG[true_label] != true_label and ref["label"] is None
        p, q = preds["wrong"][vid], preds["flat"][vid]
        assert p["predicted_label"] == q["predicted_label"] and p["confidence"] == q["confidence"]
        assert p["top3_scores"] == q["top3_scores"]
        assert (p["rep_count"], p["segments"], p["not_an_exercise_score"]) == \
            (q["rep_count"], q["segments"], q["not_an_exercise_score"])
