"""The 22 classes' clips change only on purpose (new motions, truths and workouts must not move them).

``data/fingerprint_22.json`` is the reference (``python tests/synth/test_unchanged_22.py`` rewrites it -- only do that
on purpose, and say why in the commit). Last rewritten when ``tempo.reps`` became the count a rep counter should
report (below); no clip's landmarks moved. A fingerprint per clip is the exact params
dict plus three statistics of the landmark and world arrays (sum, sum of squares and a sum weighted by fixed random
weights, which moves when any single value moves); compared with a relative tolerance of 1e-9 rather than as raw
bytes so that a different CPU's last-bit rounding does not fail the test, while any real change does.

``params["tempo"]["reps"]`` is the number of reps a counter should report (plank: 0; alternating curls: one per arm;
russian twist: one per side, changed 2026-12-06, landmarks unchanged).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from exercise_classifier.classes import CLASSES
from exercise_classifier.synth.generate import landmark_clip

DATA = Path(__file__).parent / "data" / "fingerprint_22.json"

CASES: list[tuple[str, int, int, dict]] = [(c, 7, 3, {}) for c in CLASSES] + [
    ("hammer curl", 1, i, {}) for i in range(4)] + [
    ("plank", 2, 1, {"duration_s": 4.0}),
    ("squat", 3, 0, {"noise": 1.0, "fps": 30, "resolution": (640, 360)}),
    ("push-up", 5, 2, {"duration_s": 8.0, "noise": 0.5}),
    ("hammer curl", 4, 0, {"duration_s": 7.0, "azimuth": 30.0}),
    ("plank", 9, 0, {}),
]


def _key(label: str, seed: int, index: int, overrides: dict) -> str:
    return f"{label}|{seed}|{index}|{json.dumps(overrides, sort_keys=True)}"


def _stats(a: np.ndarray) -> list[float]:
    x = a.astype(np.float64).ravel()
    w = np.random.default_rng(0).standard_normal(x.size)
    return [float(x.sum()), float((x * x).sum()), float(x @ w)]


def fingerprint(label: str, seed: int, index: int, overrides: dict) -> dict:
    clip = landmark_clip(label, seed, index, **overrides)
    return {"shape": list(clip.landmarks.shape), "params": json.loads(json.dumps(clip.params)),
            "landmarks": _stats(clip.landmarks), "world": _stats(clip.world)}


def _expected() -> dict:
    return json.loads(DATA.read_text())


@pytest.mark.parametrize("case", CASES, ids=[_key(*c) for c in CASES])
def test_clip_unchanged(case):
    want = _expected()[_key(*case)]
    got = fingerprint(*case)
    assert got["shape"] == want["shape"]
    np.testing.assert_allclose(got["landmarks"], want["landmarks"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["world"], want["world"], rtol=1e-9, atol=1e-9)
    assert got["params"] == want["params"]
    if case[0] == "plank":
        assert got["params"]["tempo"]["reps"] == 0


if __name__ == "__main__":  # rewrite the reference (only on purpose)
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps({_key(*c): fingerprint(*c) for c in CASES}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(CASES)} fingerprints to {DATA}")
