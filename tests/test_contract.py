"""The preprocessing contract's Hands settings: validated, serialised, and not a feature field."""

from __future__ import annotations

import json

import pytest

from exercise_classifier.contract import ContractError, HandSettings, Preprocessing


def test_hand_settings_round_trip_and_older_contracts_get_the_defaults():
    c = Preprocessing(hands=HandSettings(frames_per_video=8, max_per_second=1.0))
    assert Preprocessing.from_json(c.to_json()) == c
    old = json.loads(Preprocessing().to_json())
    del old["hands"]                                   # a manifest written before Hands existed
    assert Preprocessing.from_dict(old).hands == HandSettings()


@pytest.mark.parametrize("bad", [dict(frames_per_video=-1), dict(frames_per_video=2.5), dict(model_complexity=2),
                                 dict(max_per_second=0), dict(min_detection_confidence=1.5),
                                 dict(min_wrist_visibility=-0.1)])
def test_bad_hand_settings_are_refused_with_a_clear_error(bad):
    with pytest.raises(ContractError, match="hands"):
        HandSettings(**bad)
    with pytest.raises(ContractError, match="hands"):
        Preprocessing.from_dict({"hands": {**HandSettings().__dict__, **bad}})


def test_hands_do_not_change_what_the_features_mean():
    """Shards extracted with or without Hands are scored by the same model (the grip is optional)."""
    a, b = Preprocessing(), Preprocessing(hands=HandSettings(frames_per_video=0))
    assert a.fingerprint() == b.fingerprint() and a.feature_differences(b) == []


def test_hand_runs_are_spread_over_the_video_and_capped_per_second():
    from exercise_classifier.pipelines.pose import hand_stride

    h = HandSettings(frames_per_video=24, max_per_second=2.0)
    assert hand_stride(45, h, 15.0) == 8        # a 3 s clip: 2 per second, 6 runs
    assert hand_stride(264, h, 15.0) == 11      # 17.6 s: 24 runs spread over it
    assert hand_stride(9000, h, 15.0) == 375    # 10 min: still 24
    assert hand_stride(None, h, 15.0) == 8      # length unknown: 2 per second
