"""Rep-count scoring against eye counts, and the rep-check command on prediction shards."""

from __future__ import annotations

import pyarrow as pa
import pytest

from exercise_classifier import storage
from exercise_classifier.analysis.metrics import rep_count_error, rep_count_scores


def test_partial_reps_at_the_edges_may_count_either_way():
    assert rep_count_error(8, 8, 0) == 0
    assert rep_count_error(9, 8, 1) == 0 and rep_count_error(10, 8, 1) == 1
    assert rep_count_error(6, 8, 2) == -2
    with pytest.raises(ValueError):
        rep_count_error(1, -1)
    s = rep_count_scores([0, 1, -2, 0])
    assert s == {"clips": 4, "exact": 0.5, "off_by_one": 0.75, "mae": 0.75}
    assert rep_count_scores([])["mae"] is None


def test_rep_check_matches_counts_by_path(tmp_path):
    from exercise_classifier.pipelines.rep_check import run_rep_check

    preds = pa.table({"uri": ["s3://lib/squat/a.mp4", "/data/curl/b.mp4", "/data/other/c.mp4"],
                      "predicted_label": ["squat", "hammer curl", None], "rep_count": [8, 3, None]})
    storage.write_parquet_atomic(str(tmp_path / "preds" / "pred-0000.parquet"), preds)
    (tmp_path / "counts.csv").write_text("path,label,reps,partial_start,partial_end,confidence\n"
                                         "squat/a.mp4,squat,8,0,0,clear\ncurl/b.mp4,hammer curl,1,0,1,unsure\n"
                                         "other/c.mp4,squat,2,0,0,clear\nmissing/d.mp4,squat,2,0,0,clear\n")
    r = run_rep_check(str(tmp_path / "preds"), str(tmp_path / "counts.csv"))
    assert [c["error"] for c in r["clips"]] == [0, 1]
    assert r["all"]["off_by_one"] == 1.0 and r["clear"]["clips"] == 1
    assert r["not_found"] == ["other/c.mp4", "missing/d.mp4"]
