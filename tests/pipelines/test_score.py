"""``score`` end to end, and the whole chain (extract -> train -> evaluate -> score) over a real S3 endpoint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import synthdata  # noqa: E402

from exercise_classifier.classes import CLASSES  # noqa: E402
from exercise_classifier import storage
from exercise_classifier.pipelines import schema  # noqa: E402
from exercise_classifier.pipelines.score import PREDICTION_SCHEMA, run_score  # noqa: E402

from .conftest import SYNTH_CLASSES, copy_library  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_run(ray_local, tmp_path_factory):
    return synthdata.trained_run(tmp_path_factory)["output"]


@pytest.fixture(scope="module")
def scored(model_run, synth_library, bad_files, tmp_path_factory, s3_server):
    import boto3

    lib = copy_library(synth_library, tmp_path_factory.mktemp("score") / "lib",
                       {"corrupt": bad_files["truncated"], "text": bad_files["text"]})
    boto3.client("s3").create_bucket(Bucket="scores")
    out = "s3://scores/run1"
    summary = run_score(out, input_uri=str(lib), model_uri=model_run, labels="folder", write_csv=True,
                        videos_per_shard=2, progress=False)
    return lib, out, summary


def test_one_prediction_row_per_video_with_the_documented_schema(scored):
    lib, out, summary = scored
    table = storage.read_parquet_dir(out)
    assert table.schema.remove_metadata().equals(PREDICTION_SCHEMA.remove_metadata())
    rows = table.to_pylist()
    assert sorted(r["uri"] for r in rows) == sorted(str(p) for p in lib.rglob("*.mp4"))
    by_name = {Path(r["uri"]).stem: r for r in rows}
    assert by_name["text"]["status"] == schema.STATUS_UNREADABLE and by_name["text"]["predicted_label"] is None
    assert by_name["corrupt"]["status"] != schema.STATUS_OK or by_name["corrupt"]["predicted_label"]
    for name in [p.stem for p in lib.rglob("*.mp4") if p.stem not in ("text", "corrupt")]:
        r = by_name[name]
        assert r["status"] == schema.STATUS_OK, r
        assert r["predicted_label"] in CLASSES and 0.0 < r["confidence"] <= 1.0
        assert r["top3_labels"][0] == r["predicted_label"] and len(set(r["top3_labels"])) == 3
        assert r["top3_scores"][0] == pytest.approx(r["confidence"], abs=1e-6)
        assert sum(r["top3_scores"]) <= 1.0 + 1e-5
        if r["members"] != "network":   # a blended or statistics decision ranks by probability; a network vote
            assert r["top3_scores"] == sorted(r["top3_scores"], reverse=True)  # ranks by votes (model/voting.py)
        assert r["num_windows"] == len(r["window_labels"]) == len(r["window_confidences"]) >= 1
        assert r["uncertain"] == (r["confidence"] < 0.5 or r["not_an_exercise_of_the_22"])
        # the per-video analysis: segments tile the clip in order, their reps add up to the video's
        segs = r["segments"]
        assert segs and segs[0]["start_s"] == pytest.approx(0.0, abs=0.2), segs
        assert all(a["end_s"] == pytest.approx(b["start_s"]) and a["start_s"] < a["end_s"] for a, b in zip(segs, segs[1:]))
        assert r["rep_count"] == len(r["rep_times_s"]) == sum(x["reps"] for x in segs)
        assert r["summary"] and isinstance(r["not_an_exercise_of_the_22"], bool)
        assert 0.0 <= r["not_an_exercise_score"] <= 1.0
    assert summary["videos_scored"] == len(rows)
    assert sum(summary["status_counts_this_run"].values()) == len(rows)
    assert summary["reps_total"] == sum(r["rep_count"] or 0 for r in rows)
    report = storage.read_bytes(summary["report"]).decode()
    assert summary["report"].endswith("report.html") and report.count("<svg") == sum(bool(r["segments"]) for r in rows)


def test_batched_scoring_matches_the_model_applied_per_video(scored, model_run, tmp_path):
    """Windows of many videos share one predict() in the actor: each video must still get its own vote."""
    from exercise_classifier.model.artifacts import load_model_dir
    from exercise_classifier.pipelines.datasets import row_kinematics
    from exercise_classifier.pipelines.extract import run_extract

    lib, out, summary = scored
    feats = storage.read_parquet_dir(run_extract(str(lib), str(tmp_path / "f"), progress=False)["output"])
    preds = {r["uri"]: r for r in storage.read_parquet_dir(out).to_pylist()}
    model = load_model_dir(model_run)
    checked = 0
    for row in feats.to_pylist():
        if row["status"] != schema.STATUS_OK:
            continue
        direct = model.predict_video(np.asarray(row["features"], np.float32), np.asarray(row["feature_segment"]),
                                     row_kinematics(row))
        p = preds[row["uri"]]
        assert p["predicted_label"] == model.classes[direct.label]
        assert p["confidence"] == pytest.approx(direct.confidence, abs=1e-4)
        checked += 1
    model.close()
    assert checked >= len(SYNTH_CLASSES)
    labelled = [r for r in preds.values() if r["label"] and r["predicted_label"]]
    assert summary["accuracy_on_labelled"] == pytest.approx(
        sum(r["predicted_label"] == r["label"] for r in labelled) / len(labelled), abs=1e-3)


def test_csv_and_summary(scored):
    _, out, _ = scored
    csv = storage.read_bytes(storage.join(out, "predictions.csv")).decode().splitlines()
    assert csv[0].startswith("uri,label,status,error,predicted_label,confidence,uncertain,top3_labels")
    assert len(csv) == 1 + storage.read_parquet_dir(out).num_rows
    assert storage.read_json(storage.join(out, "_summary.json"))["videos_total"] == len(csv) - 1


def test_rerun_skips_scored_videos(scored, model_run):
    lib, out, _ = scored
    before = storage.read_parquet_dir(out).num_rows
    again = run_score(out, input_uri=str(lib), model_uri=model_run, labels="folder", progress=False)
    assert again["videos_scored"] == 0 and storage.read_parquet_dir(out).num_rows == before


def test_rescore_from_feature_shards(model_run, tmp_path):
    rows = synthdata.synthetic_rows(classes=("squat", "push-up"), per_class=2, seed=99)
    rows[0]["status"], rows[0]["features"] = schema.STATUS_NO_PERSON, []
    features = synthdata.write_shards(rows, tmp_path / "features", per_shard=3)
    s = run_score(str(tmp_path / "preds"), features_uri=features, model_uri=model_run, progress=False)
    out = storage.read_parquet_dir(str(tmp_path / "preds")).to_pylist()
    assert s["videos_scored"] == len(out) == 4
    assert {r["status"] for r in out} == {schema.STATUS_OK, schema.STATUS_NO_PERSON}
    assert sum(r["predicted_label"] is not None for r in out) == 3
    # `uncertain` follows the threshold: at the middle confidence, some videos are flagged and some are not
    conf = sorted(r["confidence"] for r in out if r["confidence"] is not None)
    threshold = (conf[0] + conf[-1]) / 2
    assert conf[0] < threshold < conf[-1], "the model must not give every video the same confidence"
    run_score(str(tmp_path / "preds2"), features_uri=features, model_uri=model_run, uncertain_below=threshold,
              progress=False)
    flagged = {r["uri"]: r["uncertain"] for r in storage.read_parquet_dir(str(tmp_path / "preds2")).to_pylist()
               if r["predicted_label"]}
    assert set(flagged.values()) == {True, False}
    assert all(flagged[r["uri"]] == (r["confidence"] < threshold) for r in out if r["predicted_label"])


def test_model_of_another_feature_version_is_refused(model_run, tmp_path, synth_library, cli_env):
    from exercise_classifier.model.artifacts import MANIFEST, resolve_run

    run = Path(resolve_run(model_run))
    other = tmp_path / "old-model"
    shutil.copytree(run, other)
    manifest = json.loads((other / MANIFEST).read_text())
    manifest["preprocessing"]["feature_version"] = "0.9"
    (other / MANIFEST).write_text(json.dumps(manifest))
    proc = subprocess.run([sys.executable, "-m", "exercise_classifier", "score", "--model", str(other), "--input",
                           str(synth_library), "--output", str(tmp_path / "p")],
                          capture_output=True, text=True, env=cli_env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "feature_version 0.9" in proc.stderr, proc.stderr
    assert "this release computes 1.0" in proc.stderr
    assert not (tmp_path / "p").exists()


def test_score_uses_the_models_preprocessing(model_run, tmp_path, synth_library):
    """Raw video is sampled at the model's recorded rate, not a default; features made otherwise are refused."""
    from exercise_classifier.contract import ContractError, Preprocessing
    from exercise_classifier.model.artifacts import MANIFEST, resolve_run

    run = Path(resolve_run(model_run))
    slow = tmp_path / "model-10fps"
    shutil.copytree(run, slow)
    manifest = json.loads((slow / MANIFEST).read_text())
    manifest["preprocessing"]["sample_fps"] = 10.0
    (slow / MANIFEST).write_text(json.dumps(manifest))
    one = tmp_path / "one" / "squat"
    one.mkdir(parents=True)
    shutil.copy(next(synth_library.rglob("*.mp4")), one / "a.mp4")
    run_score(str(tmp_path / "p10"), input_uri=str(one.parent), model_uri=str(slow), progress=False)
    (row,) = storage.read_parquet_dir(str(tmp_path / "p10")).to_pylist()
    assert row["status"] == schema.STATUS_OK
    assert json.loads(row["preprocessing"])["sample_fps"] == 10.0
    # features extracted at the default 15 fps do not fit that model
    rows = synthdata.synthetic_rows(classes=("squat",), per_class=1)
    feats = synthdata.write_shards(rows, tmp_path / "f15")
    with pytest.raises(ContractError, match="sample_fps 10.0 vs 15.0"):
        run_score(str(tmp_path / "pf"), features_uri=feats, model_uri=str(slow), progress=False)
    assert not (tmp_path / "pf").exists()
    assert Preprocessing().sample_fps == 15.0




def test_labels_only_scoring_gives_the_same_labels_without_the_analysis(model_run, tmp_path):
    rows = synthdata.synthetic_rows(classes=("squat", "push-up", "lateral raise"), per_class=2, seed=7)
    features = synthdata.write_shards(rows, tmp_path / "features", per_shard=2)
    run_score(str(tmp_path / "full"), features_uri=features, model_uri=model_run, progress=False)
    run_score(str(tmp_path / "labels"), features_uri=features, model_uri=model_run, analysis=False, progress=False)
    full = {r["uri"]: r for r in storage.read_parquet_dir(str(tmp_path / "full")).to_pylist()}
    labels = {r["uri"]: r for r in storage.read_parquet_dir(str(tmp_path / "labels")).to_pylist()}
    assert set(full) == set(labels) and len(full) == 6
    assert all(r["segments"] is not None and r["rep_count"] is not None for r in full.values())
    for uri, r in labels.items():
        assert r["segments"] is None and r["rep_count"] is None and r["summary"] is None
        # the "none of the 22" flag comes from the whole-video decision: kept without the analysis
        assert r["not_an_exercise_score"] == pytest.approx(full[uri]["not_an_exercise_score"])
        assert r["not_an_exercise_of_the_22"] == full[uri]["not_an_exercise_of_the_22"]
        if len({s["label"] for s in full[uri]["segments"] if s["label"] != "rest"}) <= 1:
            assert (r["predicted_label"], r["confidence"]) == (full[uri]["predicted_label"], full[uri]["confidence"])


def test_without_window_columns_labels_are_the_same_and_the_network_is_not_run(model_run, tmp_path):
    from exercise_classifier.pipelines.score import ModelActor, default_model_uri, read_feature_files

    rows = synthdata.synthetic_rows(classes=("squat", "push-up", "lateral raise"), per_class=2, seed=7)
    features = synthdata.write_shards(rows, tmp_path / "features", per_shard=2)
    # the shipped model, whose statistics member decides alone: the network only fills the window columns
    files = [str(f) for f in sorted(Path(features).glob("*.parquet"))]
    table = read_feature_files(files, {r["uri"]: "s" for r in rows})
    full = ModelActor(default_model_uri(), 0.5, analysis=False)
    lean = ModelActor(default_model_uri(), 0.5, analysis=False, window_columns=False)
    assert lean.model.stats_weight == 1.0
    windows_seen = []
    network = lean.model.network
    lean.model.network = lambda x: windows_seen.append(len(x)) or network(x)      # a spy: the real network
    a, b = full(table).to_pylist(), lean(table).to_pylist()
    assert windows_seen == [] and len(a) == len(b) == 6
    same = ("uri", "predicted_label", "confidence", "top3_labels", "top3_scores", "uncertain", "uncertain_reason",
            "num_windows", "not_an_exercise_score")
    for r, q in zip(a, b):
        assert {k: q[k] for k in same} == {k: r[k] for k in same}
        assert r["num_windows"] > 0 and len(r["window_labels"]) == len(r["window_confidences"]) == r["num_windows"]
        assert q["window_labels"] == [] and q["window_confidences"] == []
    # through the job and the CLI's option, with a model whose network has a say: same labels, columns empty
    run_score(str(tmp_path / "full"), features_uri=features, model_uri=model_run, analysis=False, progress=False)
    run_score(str(tmp_path / "lean"), features_uri=features, model_uri=model_run, analysis=False,
              window_columns=False, progress=False)
    full_rows = {r["uri"]: r for r in storage.read_parquet_dir(str(tmp_path / "full")).to_pylist()}
    lean_rows = {r["uri"]: r for r in storage.read_parquet_dir(str(tmp_path / "lean")).to_pylist()}
    assert set(full_rows) == set(lean_rows) and len(lean_rows) == 6
    for uri, q in lean_rows.items():
        assert (q["predicted_label"], q["confidence"], q["num_windows"]) == \
            (full_rows[uri]["predicted_label"], full_rows[uri]["confidence"], full_rows[uri]["num_windows"])
        assert q["window_labels"] == [] and full_rows[uri]["window_labels"]


def test_feature_shards_of_an_older_schema_score_beside_new_ones(model_run, tmp_path):
    import pyarrow.parquet as pq

    rows = synthdata.synthetic_rows(classes=("squat", "push-up"), per_class=2, seed=5)
    for r in rows:
        r["shot_start"] = []
    features = synthdata.write_shards(rows, tmp_path / "features", per_shard=2)
    first = sorted((tmp_path / "features").glob("*.parquet"))[0]
    old = pq.read_table(first)
    pq.write_table(old.drop_columns(["shot_start", "hand_frame", "hand_landmarks"]), first)   # as schema 2 wrote it
    run_score(str(tmp_path / "preds"), features_uri=features, model_uri=model_run, progress=False)
    out = storage.read_parquet_dir(str(tmp_path / "preds")).to_pylist()
    assert len(out) == 4 and all(r["predicted_label"] for r in out)


def test_feature_files_are_grouped_into_blocks_each_file_once():
    from exercise_classifier.errors import UserError
    from exercise_classifier.pipelines.score import file_blocks

    files = [f"f{i}" for i in range(610)]
    blocks = file_blocks(files, actors=2, videos=2440, videos_per_block=64)    # 4 videos per file: 16 files
    assert [f for b in blocks for f in b] == files and max(map(len, blocks)) == 16
    single = file_blocks(files, actors=2, videos=610, videos_per_block=64)     # 1 video per file: 64 files
    assert [f for b in single for f in b] == files and max(map(len, single)) == 64
    few = file_blocks(files[:10], actors=2, videos=40)
    assert [f for b in few for f in b] == files[:10] and len(few) >= 4   # every actor gets several blocks
    assert file_blocks(files[:1], actors=4, videos=1) == [["f0"]]
    assert file_blocks(files[:3], actors=1, videos=0) == [["f0"], ["f1"], ["f2"]]
    with pytest.raises(UserError):
        file_blocks(files, actors=0, videos=10)


def test_rescoring_features_scores_only_the_videos_without_predictions(model_run, tmp_path):
    """Blocks whose videos are all scored already give no rows (and no model call on nothing); nothing twice."""
    rows = synthdata.synthetic_rows(classes=("squat", "push-up", "lateral raise"), per_class=2, seed=11)
    features = synthdata.write_shards(rows, tmp_path / "features", per_shard=1)
    out = str(tmp_path / "preds")
    run_score(out, features_uri=features, model_uri=model_run, analysis=False, videos_per_shard=2, progress=False)
    first = {r["uri"]: r for r in storage.read_parquet_dir(out).to_pylist()}
    shards = sorted(Path(out).glob("pred-*.parquet"))
    assert len(first) == 6 and len(shards) == 3
    shards[1].unlink()
    again = run_score(out, features_uri=features, model_uri=model_run, analysis=False, videos_per_shard=2,
                      progress=False)
    after = storage.read_parquet_dir(out).to_pylist()
    assert again["videos_scored"] == 2 and again["videos_skipped_already_done"] == 4
    assert sorted(r["uri"] for r in after) == sorted(first)
    assert all(r["predicted_label"] == first[r["uri"]]["predicted_label"] for r in after)
