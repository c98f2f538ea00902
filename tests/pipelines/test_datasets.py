"""Reading feature shards for training and cross-validation (``pipelines.datasets.read_videos``, real local Ray)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from exercise_classifier.features.landmarks import LANDMARK_INDEX as I
from exercise_classifier.pipelines.datasets import HAND_COLUMNS, read_videos, row_landmarks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import synthdata  # noqa: E402


@pytest.mark.parametrize("old_shards", [[0], [1], [0, 1]])
def test_an_output_extended_by_a_newer_release_reads_whole(ray_local, tmp_path, old_shards):
    """Resuming an extraction with a newer release adds shards of a newer schema beside the old ones (the contract's
    feature settings are the same, so extract accepts the folder); every video must still be read, whichever file
    comes first, and the old shards' videos simply have no grip (a folder of old shards only reads too)."""
    rows = synthdata.synthetic_rows(classes=("squat", "push-up"), per_class=2, seed=5)
    for r in rows:
        r["hand_frame"], r["hand_landmarks"] = _neutral_hands(r)
    features = synthdata.write_shards(rows, tmp_path / "features", per_shard=2)
    old_ids = set()
    for k in old_shards:
        old = sorted((tmp_path / "features").glob("*.parquet"))[k]
        old_ids |= set(pq.read_table(old, columns=["video_id"]).column("video_id").to_pylist())
        pq.write_table(pq.read_table(old).drop_columns(["shot_start", *HAND_COLUMNS]), old)   # as schema 2 wrote it

    videos = read_videos(features)
    assert sorted(v.video_id for v in videos) == sorted(r["video_id"] for r in rows)
    for v in videos:
        if v.video_id in old_ids:
            assert v.grip is None
        else:
            assert v.grip == pytest.approx(1.0, abs=1e-3)     # the palms made to face along the shoulder line


def _neutral_hands(row: dict, frames=(0, 1, 2)) -> tuple[list[int], list[list[float]]]:
    """Hands at the lifter's left wrist whose palms face along the shoulder line (a neutral grip, 1.0)."""
    lm, wl = (a.reshape(len(a), 33, -1) for a in row_landmarks(row))
    hands = []
    for t in frames:
        across = wl[t, I["right_shoulder"]] - wl[t, I["left_shoulder"]]
        u = np.cross(across, [0.0, 0.0, 1.0])
        v = np.cross(across, u)                  # u x v is along ``across``
        world = np.zeros((21, 3))
        world[5], world[17] = u / np.linalg.norm(u) * 0.08, v / np.linalg.norm(v) * 0.08   # index and pinky knuckles
        image = np.tile(lm[t, I["left_wrist"], :2], (21, 1))
        hands.append(np.concatenate([image.ravel(), world.ravel()]).tolist())
    return list(frames), hands
