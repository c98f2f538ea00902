"""infra/analysis/pose_strips.py: the failure-case pictures in docs/accuracy.md are drawn from landmarks only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "analysis" / "pose_strips.py"


@pytest.fixture(scope="module")
def strips():
    spec = importlib.util.spec_from_file_location("pose_strips", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_frames_are_detected_ones_spread_over_the_clip(strips):
    lm = np.random.default_rng(0).random((40, 33, 4)).astype(np.float32)
    lm[:10] = np.nan                                            # no person in the first 10 frames
    picked = strips.pick_frames(lm, 4)
    assert picked.tolist() == [10, 20, 29, 39]
    assert strips.pick_frames(np.full((5, 33, 4), np.nan), 4).size == 0


def test_draws_a_row_per_clip_from_feature_shards(strips, tmp_path):
    rng = np.random.default_rng(1)
    rows = [{"uri": f"file:///lib/squat/clip{i}.mp4", "landmarks": rng.random((12, 132)).tolist(), "width": 640,
             "height": 480, "frame_index": list(range(0, 24, 2)), "fps": 30.0} for i in range(2)]
    (tmp_path / "features").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "features" / "part-0.parquet")
    out = tmp_path / "strips.png"
    assert strips.main(["--features", str(tmp_path / "features"), "--output", str(out), "--frames", "3",
                        "--clip", "squat/clip0.mp4=first", "--clip", "squat/clip1.mp4"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit, match="not in"):
        strips.main(["--features", str(tmp_path / "features"), "--output", str(out), "--clip", "squat/nope.mp4"])
