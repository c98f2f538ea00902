"""``cv``: leave-one-source-out cross-validation of the statistics member, as a command with a JSON + HTML report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import synthdata  # noqa: E402

from exercise_classifier.cli import main  # noqa: E402

pytestmark = pytest.mark.slow


def test_cv_holds_out_whole_sources_and_reports_the_protocol(ray_local, tmp_path, capsys):
    rows = synthdata.synthetic_rows(per_class=6, videos_per_group=2, seed=21)   # 4 classes x 3 sources each
    rows[0]["group"] = "lonely-source"                                           # one more source of one video
    feats = synthdata.write_shards(rows, tmp_path / "f")
    out = tmp_path / "cv"
    small = tmp_path / "small.json"   # 13 folds x 2 forests: fewer trees and negatives keep this test short
    small.write_text(json.dumps({"stats": {"n_trees": 100, "negatives_per_motion": 4}}))
    assert main(["cv", "--features", feats, "--output", str(out), "--synthetic-per-class", "2",
                 "--bootstrap", "50", "--config", str(small)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("cv (leave-one-source-out, 24 videos, 13 sources): top-1")
    r = json.loads((out / "cv.json").read_text())
    assert (out / "report.html").stat().st_size > 1000
    assert r["sources"] == 13 and r["videos"] == 24 and len(r["predictions"]) == 24
    assert set(r["fold_accuracy"]["per_source"]) == {row["group"] for row in rows}
    # every prediction came from a model that never saw the video's source; 4 classes: chance is 0.25
    assert r["video"]["accuracy"] >= 0.6 and r["video"]["n"] == 24
    lo, hi = r["bootstrap"]["top1_95"]
    assert lo <= r["video"]["accuracy"] <= hi
    assert r["single_source_classes"]["classes"] == [] and r["synthetic_train_videos"] == 44
    assert 0.0 <= r["synthetic_only"]["accuracy"] <= 1.0
    none = r["none_of_22"]   # false flags are counted on every (out-of-fold) video, negatives never seen in training
    assert none["real_videos"] == r["videos"] and 0 <= none["real_false_flags"] <= r["videos"]
    assert set(none["negatives_caught_per_motion"]) == {"walking", "standing", "stretching", "jumping jacks", "lunge",
                                                        "arm circles"}
    pairs = {tuple(p["pair"]): p for p in r["look_alike_pairs"]}
    assert ("hammer curl", "barbell biceps curl") in pairs and pairs[("hammer curl", "barbell biceps curl")]["clips"] == [0, 6]


def test_train_extra_joins_every_fold_and_is_never_scored(ray_local, tmp_path, capsys):
    rows = synthdata.synthetic_rows(classes=("squat", "push-up"), per_class=4, videos_per_group=2, seed=3)
    feats = synthdata.write_shards(rows, tmp_path / "f")
    extra_rows = synthdata.synthetic_rows(classes=("squat", "push-up"), per_class=3, seed=4)
    for r in extra_rows:
        r["group"] = None      # training-only clips need no source
        r["uri"] = r["uri"].replace("s3://lib/", "s3://rendered/")
    extra = synthdata.write_shards(extra_rows, tmp_path / "extra")
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"stats": {"n_trees": 50, "negatives_per_motion": 0}}))
    out = tmp_path / "cv"
    assert main(["cv", "--features", feats, "--train-extra", extra, "--output", str(out), "--synthetic-per-class",
                 "0", "--bootstrap", "20", "--config", str(small)]) == 0
    assert "6 training-only videos from --train-extra" in capsys.readouterr().out
    r = json.loads((out / "cv.json").read_text())
    assert r["train_extra"] == {"uris": [extra], "videos": 6} and r["synthetic_train_videos"] == 0
    assert r["videos"] == len(r["predictions"]) == 8 and r["sources"] == 4     # the extra clips are never scored
    assert {p["uri"] for p in r["predictions"]} == {row["uri"] for row in rows}
    assert "synthetic_only" in r     # the training-only clips alone, scored on every real video


def test_cv_needs_sources(ray_local, tmp_path, capsys):
    rows = synthdata.synthetic_rows(classes=("squat",), per_class=2)
    for r in rows:
        r["group"] = None
    feats = synthdata.write_shards(rows, tmp_path / "f")
    assert main(["cv", "--features", feats, "--output", str(tmp_path / "cv")]) == 2
    assert "--group-column source_repo" in capsys.readouterr().err
