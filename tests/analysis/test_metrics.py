"""Rep-count and set scoring against truths made by eye, and the analysis-check command on prediction shards."""

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


def test_analysis_check_matches_counts_and_sets_by_path(tmp_path):
    import json

    from exercise_classifier.pipelines.analysis_check import run_analysis_check

    seg = lambda a, b, label, reps: {"start_s": a, "end_s": b, "label": label, "reps": reps}  # noqa: E731
    preds = pa.table({"uri": ["s3://lib/squat/a.mp4", "/data/curl/b.mp4", "/data/other/c.mp4"],
                      "predicted_label": ["squat", "hammer curl", None], "rep_count": [8, 3, None],
                      "segments": [[seg(0, 1, "rest", 0), seg(1, 9.5, "squat", 8), seg(9.5, 10.5, "rest", 0),
                                    seg(10.5, 20.5, "push-up", 5)], [seg(0, 6, "hammer curl", 3)], None]})
    storage.write_parquet_atomic(str(tmp_path / "preds" / "pred-0000.parquet"), preds)
    (tmp_path / "counts.csv").write_text("path,label,reps,partial_start,partial_end,confidence\n"
                                         "squat/a.mp4,squat,8,0,0,clear\ncurl/b.mp4,hammer curl,1,0,1,unsure\n"
                                         "other/c.mp4,squat,2,0,0,clear\nmissing/d.mp4,squat,2,0,0,clear\n")
    (tmp_path / "truth.json").write_text(json.dumps([{"video": "squat/a.mp4", "sets": [
        {**seg(0.5, 9.0, "squat", 8), "partial": 0}, {**seg(12.0, 19.0, "bench press", 4), "partial": 1}]}]))
    r = run_analysis_check(str(tmp_path / "preds"), str(tmp_path / "counts.csv"), str(tmp_path / "truth.json"))
    reps = r["reps"]
    assert [c["error"] for c in reps["clips"]] == [0, 1]
    assert reps["all"]["off_by_one"] == 1.0 and reps["clear"]["clips"] == 1
    assert reps["not_found"] == ["other/c.mp4", "missing/d.mp4"]
    sets = r["segments"]["scores"]
    assert sets["sets"] == 2 and sets["predicted_sets"] == 2 and sets["label_accuracy"] == 0.5
    assert sets["boundaries_within_1s"] == 0.5            # squat 0.5 / 0.5 s off: in; bench 1.5 / 1.5 s: out
    assert sets["median_boundary_error_s"] == 1.0 and sets["reps"]["off_by_one"] == 1.0
    assert sets["false_sets"] == 0


def test_set_tally_counts_sets_that_overlap_no_true_set():
    from exercise_classifier.analysis.metrics import SetTally

    seg = lambda a, b, label: {"start_s": a, "end_s": b, "label": label, "reps": 3}  # noqa: E731
    tally = SetTally()
    m = tally.add([seg(0, 2, "squat"), seg(2, 4, "rest"), seg(4, 10, "squat"), seg(11, 12, "lunge")],
                  [seg(4.5, 10, "squat")])
    assert [x["predicted"] for x in m] == ["squat"]
    tally.add([seg(0, 5, "rest")], [seg(1, 4, "curl")])
    s = tally.scores()
    assert s["sets"] == 2 and s["predicted_sets"] == 3 and s["false_sets"] == 2 and s["label_accuracy"] == 0.5
