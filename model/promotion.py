"""The promotion rule of scheduled re-training: does a freshly trained model replace the one ``score`` uses?

Why a rule in code: a re-training job runs unattended; a model that is worse on the fixed evaluation set, or that
could not be evaluated at all, must never reach the archive labelling, and every decision must be explainable
afterwards. The rule is a pure function of the two evaluations; :mod:`..pipelines.retrain` runs the job, records
the decision beside the models and switches ``latest``.

The rule:

* no candidate (training failed) or no candidate evaluation -> keep the current model;
* no current model -> promote the candidate (nothing to compare with; its evaluation is still required);
* the current model exists but could not be evaluated on the set -> keep it (a person decides: the set or the
  model changed in a way the job must not paper over);
* otherwise promote only when ``candidate - current >= margin`` on the metric (balanced accuracy by default: the
  large classes make top-1 easy to inflate); ties and smaller gains keep the current model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

METRICS = ("balanced_accuracy", "accuracy", "macro_f1")


@dataclass(frozen=True)
class Evaluation:
    """One model's result on the evaluation set (``None`` values: that part is missing)."""

    run: str | None
    metric: float | None
    videos: int = 0
    error: str | None = None       # why there is no metric (training or evaluation failed)


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str
    metric: str
    margin: float
    candidate: Evaluation
    current: Evaluation | None

    def to_dict(self) -> dict:
        return asdict(self)


def _valid(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def decide(candidate: Evaluation, current: Evaluation | None, *, margin: float,
           metric: str = "balanced_accuracy") -> PromotionDecision:
    """Apply the rule above. ``current`` None: there is no current model."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if not (_valid(margin) and 0.0 <= margin <= 1.0):
        raise ValueError(f"margin must be in [0, 1], got {margin!r}")

    def out(promote: bool, reason: str) -> PromotionDecision:
        return PromotionDecision(promote, reason, metric, float(margin), candidate, current)

    if candidate.run is None:
        return out(False, f"training failed: {candidate.error or 'no run was written'}")
    if not _valid(candidate.metric):
        return out(False, f"the candidate has no evaluation: {candidate.error or 'no metric'}")
    if current is None:
        return out(True, f"no current model; candidate {metric} {candidate.metric:.4f}")
    if not _valid(current.metric):
        return out(False, f"the current model could not be evaluated on this set ({current.error or 'no metric'}); "
                          f"kept until a person promotes a model")
    gain = candidate.metric - current.metric
    verdict = (f"candidate {metric} {candidate.metric:.4f} vs current {current.metric:.4f} "
               f"(gain {gain:+.4f}, margin {margin:.4f})")
    if gain >= margin - 1e-12:
        return out(True, verdict)
    return out(False, verdict)
