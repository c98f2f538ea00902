"""The promotion rule: better by the margin promotes; worse, equal, failed or unevaluated keeps the current model."""

import math

import pytest

from exercise_classifier.model.promotion import Evaluation, decide

CUR = Evaluation("runs/old", 0.70, 40)


def _cand(metric, run="runs/new", error=None):
    return Evaluation(run, metric, 40 if metric is not None else 0, error)


def test_better_by_the_margin_is_promoted():
    d = decide(_cand(0.72), CUR, margin=0.01)
    assert d.promote and "gain +0.0200" in d.reason
    assert decide(_cand(0.71), CUR, margin=0.01).promote           # exactly the margin counts


def test_worse_and_equal_keep_the_current_model():
    assert not decide(_cand(0.65), CUR, margin=0.01).promote
    equal = decide(_cand(0.70), CUR, margin=0.01)
    assert not equal.promote and "gain +0.0000" in equal.reason
    assert not decide(_cand(0.705), CUR, margin=0.01).promote       # a gain below the margin is noise


def test_zero_margin_promotes_ties():
    assert decide(_cand(0.70), CUR, margin=0.0).promote


def test_failed_training_keeps_the_current_model():
    d = decide(Evaluation(None, None, 0, "DatasetError: too little data"), CUR, margin=0.01)
    assert not d.promote and d.reason == "training failed: DatasetError: too little data"


def test_missing_candidate_evaluation_keeps_the_current_model():
    for metric in (None, math.nan):
        d = decide(_cand(metric, error="OSError: no shards"), CUR, margin=0.01)
        assert not d.promote and d.reason.startswith("the candidate has no evaluation")


def test_first_model_is_promoted_but_needs_its_evaluation():
    assert decide(_cand(0.3), None, margin=0.05).promote
    assert not decide(_cand(None, error="x"), None, margin=0.05).promote


def test_current_model_that_cannot_be_evaluated_is_kept_for_a_person():
    d = decide(_cand(0.99), Evaluation("runs/old", None, 0, "ContractError: feature_version 0.9"), margin=0.01)
    assert not d.promote and "could not be evaluated" in d.reason


def test_decision_serialises_and_validates_its_inputs():
    d = decide(_cand(0.8), CUR, margin=0.02, metric="macro_f1").to_dict()
    assert d["promote"] and d["metric"] == "macro_f1" and d["candidate"]["metric"] == 0.8 and d["current"]["run"] == "runs/old"
    with pytest.raises(ValueError, match="metric must be one of"):
        decide(_cand(0.8), CUR, margin=0.01, metric="loss")
    with pytest.raises(ValueError, match="margin must be in"):
        decide(_cand(0.8), CUR, margin=-0.1)
