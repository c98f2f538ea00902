"""The curl pair ordered by the grip: only the two curls' probabilities move, and only where the grip is known."""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.model.grip_rule import NEUTRAL_GRIP_CLASS, TURNED_GRIP_CLASS, order_pair_by_grip

HAMMER, BARBELL = CLASSES.index(NEUTRAL_GRIP_CLASS), CLASSES.index(TURNED_GRIP_CLASS)


def _probs(hammer: float, barbell: float) -> np.ndarray:
    p = np.full(len(CLASSES), (1.0 - hammer - barbell) / (len(CLASSES) - 2), np.float32)
    p[HAMMER], p[BARBELL] = hammer, barbell
    return p


def test_a_turned_grip_makes_a_hammer_curl_call_a_barbell_curl_and_a_neutral_grip_the_reverse():
    p = np.stack([_probs(0.6, 0.2), _probs(0.1, 0.5), _probs(0.6, 0.2), _probs(0.1, 0.5)])
    out = order_pair_by_grip(p, [0.3, 0.9, 0.9, 0.3], CLASSES)
    assert out.argmax(1).tolist() == [BARBELL, HAMMER, HAMMER, BARBELL]
    assert out[0, BARBELL] == pytest.approx(0.6) and out[0, HAMMER] == pytest.approx(0.2)
    others = [i for i in range(len(CLASSES)) if i not in (HAMMER, BARBELL)]
    assert np.array_equal(out[:, others], p[:, others])
    assert np.allclose(out.sum(1), p.sum(1))


def test_unknown_grip_or_a_model_without_the_pair_changes_nothing():
    p = np.stack([_probs(0.6, 0.2)])
    assert np.array_equal(order_pair_by_grip(p, [None], CLASSES), p)
    other = [c for c in CLASSES if c != TURNED_GRIP_CLASS] + ["something else"]
    assert np.array_equal(order_pair_by_grip(p, [0.1], other), p)


def test_input_is_not_modified_and_shapes_are_checked():
    p = np.stack([_probs(0.6, 0.2)])
    before = p.copy()
    order_pair_by_grip(p, [0.1], CLASSES)
    assert np.array_equal(p, before)
    with pytest.raises(ValueError):
        order_pair_by_grip(p, [0.1, 0.2], CLASSES)
