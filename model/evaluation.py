"""Every number of an evaluation, from true labels, predicted labels and confidences (sklearn.metrics).

Used twice with the same code: on windows (each window on its own) and on videos (after :mod:`.voting`).
Video-level is what a user experiences; window-level shows how much voting adds. Metrics are computed over the
classes that occur in ``y_true`` or ``y_pred`` (a 22-class model tested on 4 classes should not report 18
empty classes as zero recall), while the confusion matrix keeps those labels in order with their names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np



def expected_calibration_error(correct: np.ndarray, confidence: np.ndarray, n_bins: int = 10) -> float:
    """ECE with ``n_bins`` equal-width bins: sum over bins of (bin share) * |accuracy - mean confidence|."""
    correct = np.asarray(correct, float)
    confidence = np.asarray(confidence, float)
    if len(correct) == 0:
        return float("nan")
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = which == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - confidence[m].mean())
    return float(ece)


def confidence_bins(correct: np.ndarray, confidence: np.ndarray) -> list[dict]:
    """Share and accuracy of predictions with confidence > 0.8, 0.6-0.8 and < 0.6."""
    correct = np.asarray(correct, bool)
    confidence = np.asarray(confidence, float)
    masks = ((">0.8", confidence > 0.8), ("0.6-0.8", (confidence >= 0.6) & (confidence <= 0.8)),
             ("<0.6", confidence < 0.6))
    return [{"bin": name, "count": int(m.sum()), "share": float(m.mean()) if len(m) else 0.0,
             "accuracy": float(correct[m].mean()) if m.any() else None} for name, m in masks]


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean recall over the classes present in ``y_true`` (predicting an absent class is simply wrong, not news)."""
    import warnings

    from sklearn import metrics as skm

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        return float(skm.balanced_accuracy_score(y_true, y_pred))


def compute_metrics(y_true: Sequence[int], y_pred: Sequence[int], confidence: Sequence[float],
                    class_names: Sequence[str], *, top_confusions: int = 10) -> dict:
    """All metrics as a JSON-ready dict. ``confidence``: probability the model gave its prediction."""
    from sklearn import metrics as skm

    y_true = np.asarray(y_true, np.int64)
    y_pred = np.asarray(y_pred, np.int64)
    confidence = np.asarray(confidence, np.float64)
    n = len(y_true)
    if n == 0:
        return {"n": 0}
    labels = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    names = [class_names[i] for i in labels]
    correct = (y_true == y_pred)
    p, r, f1, support = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    cm = skm.confusion_matrix(y_true, y_pred, labels=labels)
    true_labels = sorted(set(y_true.tolist()))
    macro = skm.precision_recall_fscore_support(y_true, y_pred, labels=true_labels, average="macro",
                                                zero_division=0)

    per_class = {}
    for i, c in enumerate(labels):
        if support[i] == 0:
            continue
        # per-class accuracy = (TP + TN) / n, one-vs-rest; recall = TP / support
        tp = cm[i, i]
        fp = cm[:, i].sum() - tp
        fn = cm[i, :].sum() - tp
        per_class[class_names[c]] = {
            "support": int(support[i]), "precision": float(p[i]), "recall": float(r[i]), "f1": float(f1[i]),
            "accuracy": float((n - fp - fn) / n),
        }
    confusions = []
    for i in range(len(labels)):
        for j in range(len(labels)):
            if i != j and cm[i, j] > 0:
                confusions.append({"true": names[i], "predicted": names[j], "count": int(cm[i, j]),
                                   "share_of_true": float(cm[i, j] / max(cm[i].sum(), 1))})
    confusions.sort(key=lambda d: (-d["count"], d["true"], d["predicted"]))
    kappa = skm.cohen_kappa_score(y_true, y_pred) if len(set(y_true.tolist()) | set(y_pred.tolist())) > 1 else 1.0
    return {
        "n": int(n),
        "accuracy": float(correct.mean()),
        "balanced_accuracy": balanced_accuracy(y_true, y_pred),
        "cohen_kappa": float(kappa) if np.isfinite(kappa) else None,
        "macro_precision": float(macro[0]),
        "macro_recall": float(macro[1]),
        "macro_f1": float(macro[2]),
        "per_class": per_class,
        "zero_recall_classes": sorted(name for name, d in per_class.items() if d["recall"] == 0.0),
        "confusion_matrix": {"labels": names, "matrix": cm.tolist()},
        "top_confusions": confusions[:top_confusions],
        "confidence_bins": confidence_bins(correct, confidence),
        "mean_confidence": float(confidence.mean()),
        "expected_calibration_error": expected_calibration_error(correct, confidence),
    }


@dataclass
class Evaluation:
    """Metrics at both levels plus what the report plots need."""

    results: dict                        # {"window": metrics, "video": metrics, "videos_without_windows": n}
    predictions: list[dict]              # one per video: id, uri, true, predicted, confidence, top3, windows
    confidences: dict[str, tuple[np.ndarray, np.ndarray]]  # level -> (confidence, correct)


def evaluate_videos(model, videos: Sequence, class_names: Sequence[str]) -> Evaluation:
    """Window- and video-level evaluation of labelled ``videos`` (objects with features/segments/label).

    ``model``: a :class:`.artifacts.LoadedModel` (anything with ``decide_videos``). Window metrics are the sequence
    network's; video metrics are the model's decisions (network vote, statistics member, or their blend). Videos
    that get no decision at all are counted, not scored.
    """
    index = {c: i for i, c in enumerate(class_names)}
    decisions, window_probs = model.decide_videos([(v.features, v.segments, v.kinematics) for v in videos],
                                                  shots=[getattr(v, "shots", ()) for v in videos],
                                                  grips=[getattr(v, "grip", None) for v in videos])
    y_video = np.array([index[v.label] for v in videos], np.int64)
    owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(window_probs)]) if videos else np.zeros(0)
    owner = owner.astype(np.int64)
    probs = np.concatenate(window_probs) if videos else np.zeros((0, len(class_names)), np.float32)
    y_win = y_video[owner]
    win_pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, np.int64)
    win_conf = probs.max(axis=1) if len(probs) else np.zeros(0)
    scored = [i for i, d in enumerate(decisions) if d is not None]
    v_pred = np.array([decisions[i].label for i in scored], np.int64)
    v_conf = np.array([decisions[i].confidence for i in scored], float)
    v_true = y_video[scored]
    results = {
        "window": compute_metrics(y_win, win_pred, win_conf, class_names),
        "video": compute_metrics(v_true, v_pred, v_conf, class_names),
        "videos_without_windows": int(sum(len(p) == 0 for p in window_probs)),
        "videos_without_prediction": int(len(videos) - len(scored)),
    }
    predictions = []
    for i, v in enumerate(videos):
        d = decisions[i]
        predictions.append({
            "video_id": v.video_id, "uri": v.uri, "true": v.label,
            "predicted": None if d is None else class_names[d.label],
            "confidence": None if d is None else d.confidence,
            "top3": None if d is None else [[class_names[c], p] for c, p in d.top3],
            "members": None if d is None else d.members,
            "windows": int(len(window_probs[i])),
        })
    return Evaluation(results, predictions, {"window": (win_conf, win_pred == y_win),
                                             "video": (v_conf, v_pred == v_true)})
