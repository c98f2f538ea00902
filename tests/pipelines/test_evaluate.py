"""``evaluate`` on a trained run: JSON of every number + self-contained HTML, video and window level."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import synthdata  # noqa: E402

from exercise_classifier.cli import main  # noqa: E402

pytestmark = pytest.mark.slow

LEVEL_KEYS = {"n", "accuracy", "balanced_accuracy", "cohen_kappa", "macro_precision", "macro_recall", "macro_f1",
              "per_class", "zero_recall_classes", "confusion_matrix", "top_confusions", "confidence_bins",
              "mean_confidence", "expected_calibration_error"}


@pytest.fixture(scope="session")
def trained(ray_local, tmp_path_factory):
    return synthdata.trained_run(tmp_path_factory)


def test_evaluate_test_split_matches_training_report(trained, tmp_path, capsys, printed_json):
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", trained["output"], "--features", trained["features"],
                 "--output", str(out), "--split", "test"]) == 0
    summary = printed_json(capsys.readouterr().out)
    assert summary["videos"] == 8
    metrics = json.loads((out / "metrics.json").read_text())
    for level in ("video", "window"):
        assert LEVEL_KEYS <= set(metrics[level]), level
        assert [b["bin"] for b in metrics[level]["confidence_bins"]] == [">0.8", "0.6-0.8", "<0.6"]
        for d in metrics[level]["per_class"].values():
            assert {"accuracy", "recall", "precision", "f1", "support"} <= set(d)
    trained_metrics = json.loads((Path(trained["summary"]["run"]) / "metrics.json").read_text())
    assert metrics["video"]["accuracy"] == pytest.approx(trained_metrics["video"]["accuracy"])
    assert metrics["window"]["accuracy"] == pytest.approx(trained_metrics["window"]["accuracy"])
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 6 and "<script" not in html and "http" not in html
    predictions = json.loads((out / "predictions.json").read_text())
    assert len(predictions) == 8 and all(p["rep_count"] >= 0 and p["summary"] for p in predictions)
    assert "Per-video analysis" in html and html.count("<svg") == 8    # a timeline per evaluated video


def test_evaluate_all_defaults_to_a_folder_in_the_run(trained, capsys, printed_json):
    assert main(["evaluate", "--model", trained["summary"]["run"], "--features", trained["features"]]) == 0
    summary = printed_json(capsys.readouterr().out)
    assert summary["videos"] == 32 and Path(summary["output"]).parent.name == "evaluations"
    assert (Path(summary["output"]) / "report.html").is_file()


def test_evaluate_refuses_features_made_another_way(trained, tmp_path, capsys):
    from exercise_classifier.contract import Preprocessing

    old = Preprocessing(feature_version="0.1")
    feats = synthdata.write_shards(synthdata.synthetic_rows(per_class=1, contract=old), tmp_path / "f", contract=old)
    assert main(["evaluate", "--model", trained["output"], "--features", feats, "--output", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "feature_version '1.0' vs '0.1'" in err and "re-extract" in err, err
    assert not (tmp_path / "e").exists()


def test_evaluate_missing_model(tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path), "--features", str(tmp_path)]) == 2
    assert "no model at" in capsys.readouterr().err


def test_evaluate_raw_labelled_videos_extracts_once_with_the_models_settings(trained, synth_library, tmp_path, capsys,
                                                                            printed_json):
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", trained["output"], "--input", str(synth_library), "--output", str(out)]) == 0
    first = capsys.readouterr().out
    assert "extract: 3 videos processed" in first
    summary = printed_json(first)
    assert summary["videos"] == 3 and (out / "report.html").is_file() and (out / "features" / "_dataset.json").is_file()
    manifest = json.loads((Path(trained["summary"]["run"]) / "manifest.json").read_text())
    dataset = json.loads((out / "features" / "_dataset.json").read_text())["preprocessing"]
    assert dataset["sample_fps"] == manifest["preprocessing"]["sample_fps"] and dataset["scaler"] is None
    # a second evaluation reuses the cached features: nothing is extracted again
    assert main(["evaluate", "--model", trained["output"], "--input", str(synth_library), "--output", str(out),
                 "--features-cache", str(out / "features")]) == 0
    assert "extract: 0 videos processed, 3 already done" in capsys.readouterr().out
