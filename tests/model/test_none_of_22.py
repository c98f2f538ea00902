"""The "none of the 22" forest: trained beside the 22-class one, stored as arrays, and it separates motion."""

from __future__ import annotations

import numpy as np

from exercise_classifier.contract import Preprocessing
from exercise_classifier.model.config import StatsConfig
from exercise_classifier.model.forest import Forest
from exercise_classifier.model.stats_model import StatsModel, stats_of
from exercise_classifier.pipelines.datasets import negative_videos, synthetic_videos

CLASSES4 = ("squat", "push-up", "shoulder press", "barbell biceps curl")


def test_none_forest_separates_unseen_motion_and_leaves_the_classifier_alone(tmp_path):
    c = Preprocessing()
    train, test = synthetic_videos(6, c, CLASSES4, seed=1), synthetic_videos(2, c, CLASSES4, seed=2)
    neg_train, neg_test = negative_videos(4, c, seed=1), negative_videos(2, c, seed=2)
    y = np.array([CLASSES4.index(v.label) for v in train])
    cfg = StatsConfig(n_trees=60)
    with_neg = StatsModel.fit(stats_of(train), y, 4, cfg, negatives=stats_of(neg_train))
    without = StatsModel.fit(stats_of(train), y, 4, cfg)
    assert without.none_forest is None and without.none_probability(stats_of(test)) is None
    # the 22-class forest is the same with or without negatives: they never reach it
    np.testing.assert_array_equal(with_neg.predict_proba(stats_of(test)), without.predict_proba(stats_of(test)))
    p_pos, p_neg = with_neg.none_probability(stats_of(test)), with_neg.none_probability(stats_of(neg_test))
    assert p_pos.max() < 0.5 <= p_neg.min(), (p_pos, p_neg)
    path = str(tmp_path / "none.npz")
    with_neg.none_forest.save(path)
    with np.load(path, allow_pickle=False) as z:   # arrays only, no pickle
        assert "format" in z.files
    loaded = StatsModel(with_neg.forest, 4, True, 1.0, Forest.load(path), 0.5)
    np.testing.assert_allclose(loaded.none_probability(stats_of(neg_test)), p_neg, atol=2e-3)  # float16 leaves
