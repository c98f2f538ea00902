"""``retrain`` end to end on the real stack (Ray Train, tf-keras, the forest): the gate decides, ``latest`` moves only
to a complete, better run, and every decision is recorded beside the models."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import synthdata  # noqa: E402

from exercise_classifier.cli import main  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def trained(ray_local, tmp_path_factory):
    return synthdata.trained_run(tmp_path_factory)


@pytest.fixture(scope="module")
def eval_set(tmp_path_factory):
    """A fixed labelled set of other clips (another generator seed: other content hashes)."""
    rows = synthdata.synthetic_rows(per_class=3, seed=23)
    return synthdata.write_shards(rows, tmp_path_factory.mktemp("eval") / "features")


@pytest.fixture()
def quick_config(tmp_path):
    p = tmp_path / "quick.json"
    # one epoch: these tests are about the gate and the records, not learning (test_train checks that)
    p.write_text(json.dumps({"train": {"epochs": 1}, "stats": {"synthetic_per_class": 3, "negatives_per_motion": 3}}))
    return str(p)


def _decisions(models: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((models / "decisions").glob("*.json"))]


def _latest(models: Path) -> str:
    return json.loads((models / "latest").read_text())["run"]


def _retrain(capsys, *argv) -> tuple[int, dict]:
    code = main(["retrain", *argv])
    out = capsys.readouterr().out
    start = out.rfind("\n{") + 1 if "\n{" in out else out.find("{")   # a raylet warning line may come first
    return code, (json.loads(out[start:]) if start >= 0 else {})


def test_first_model_is_promoted_then_a_candidate_that_does_not_beat_it_is_kept(trained, eval_set, quick_config,
                                                                               tmp_path, capsys):
    models = tmp_path / "models"
    base = ["--features", trained["features"], "--eval-features", eval_set, "--models", str(models),
            "--config", quick_config, "--num-workers", "1"]
    code, first = _retrain(capsys, *base)
    assert code == 0 and first["promote"] and first["current"] is None, first
    assert first["reason"].startswith("no current model")
    promoted = _latest(models)
    assert first["latest_after"] == str(models / promoted) == first["candidate"]["run"]
    assert (models / promoted / "manifest.json").is_file()
    assert (models / promoted / "evaluations").is_dir()              # the candidate's own evaluation, kept with it

    # a second candidate must beat the promoted one by a margin no model can reach: kept, but recorded
    code, second = _retrain(capsys, *base, "--margin", "1.0")
    assert code == 0 and not second["promote"], second
    assert second["current"]["run"] == str(models / promoted) and second["current"]["metric"] is not None
    assert second["candidate"]["metric"] is not None and "vs current" in second["reason"]
    assert _latest(models) == promoted                                # score keeps using the promoted model
    runs = sorted(p.name for p in (models / "runs").iterdir())
    assert len(runs) == 2 and all((models / "runs" / r / "manifest.json").is_file() for r in runs)
    assert [d["promote"] for d in _decisions(models)] == [True, False]


def test_failed_training_keeps_the_current_model_and_exits_1(trained, eval_set, tmp_path, capsys):
    models = tmp_path / "models"
    shutil.copytree(trained["output"], models)
    before = _latest(models)
    tiny = synthdata.write_shards(synthdata.synthetic_rows(classes=("squat",), per_class=2, seed=31),
                                  tmp_path / "tiny")
    code, record = _retrain(capsys, "--features", tiny, "--eval-features", eval_set, "--models", str(models))
    assert code == 1 and not record["promote"]
    assert record["reason"].startswith("training failed: SplitError")   # one source: no test split possible
    assert record["current"]["metric"] is not None                    # the current model was still evaluated
    assert _latest(models) == before and _decisions(models)[-1]["reason"] == record["reason"]


def test_evaluation_set_that_overlaps_training_is_refused(trained, tmp_path, capsys):
    code = main(["retrain", "--features", trained["features"], "--eval-features", trained["features"],
                 "--models", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "evaluation set must stay unseen" in err
    assert not (tmp_path / "m" / "decisions").exists()
