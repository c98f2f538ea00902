"""``exercise-classifier cv``: cross-validation that leaves whole sources out.

The shipped model is judged on footage from sources it never saw, so this is the protocol every accuracy claim uses:
the folds are the values of ``--group-column`` (extract real-dev with ``--group-column source_repo``), each fold
trains on every other source (plus synthetic training-only data) and predicts its own videos. Scores are pooled over
all held-out predictions (video top-1, balanced accuracy, per-class recall, confusion matrix, the look-alike pairs),
with the spread over folds and a bootstrap interval beside them. Classes that only one source shows are reported
apart: in their fold only synthetic data can teach them.

Members: the per-video statistics forest (:mod:`..model.stats_model`, cheap enough for leave-one-source-out).
The report also gives the synthetic-to-real gap: a forest trained on the synthetic data alone, scored on all real
videos. ``--train-extra URI`` adds extracted training-only clips (e.g. a rendered synthetic library run through
MediaPipe like real video, as ``train --train-extra`` takes them) to every fold and to that synthetic-only forest.
"""

from __future__ import annotations

import json
import logging
import dataclasses
import time

import numpy as np

from .. import storage
from ..errors import require
from .runtime import add_ray_arguments, non_negative_int

log = logging.getLogger(__name__)

LOOK_ALIKE_PAIRS = (
    ("romanian deadlift", "deadlift"), ("hammer curl", "barbell biceps curl"), ("pull up", "lat pulldown"),
    ("chest fly machine", "bench press"), ("bench press", "incline bench press"),
    ("bench press", "decline bench press"), ("incline bench press", "decline bench press"),
    ("tricep dips", "tricep pushdown"),
)


def add_arguments(p) -> None:
    p.add_argument("--features", required=True, help="labelled extraction shards (e.g. real-dev, extracted with "
                                                     "--group-column source_repo)")
    p.add_argument("--output", required=True, help="folder or s3:// prefix for cv.json + report.html")
    p.add_argument("--config", default=None, help="JSON file overriding the training config (its `stats` section)")
    p.add_argument("--synthetic-per-class", type=non_negative_int, default=None,
                   help="synthetic training-only sequences per class (default: the config's)")
    p.add_argument("--train-extra", action="append", default=[], metavar="URI",
                   help="labelled extraction shards that join every fold's training and are never scored (e.g. "
                        "rendered synthetic clips); weighted like synthetic data; repeatable")
    p.add_argument("--bootstrap", type=non_negative_int, default=1000, help="bootstrap resamples for intervals")
    add_ray_arguments(p)


def pair_report(y_true: np.ndarray, y_pred: np.ndarray, classes: list[str]) -> list[dict]:
    """For each look-alike pair present: clips of each side, their recall, and how often one became the other."""
    out = []
    idx = {c: i for i, c in enumerate(classes)}
    for a, b in LOOK_ALIKE_PAIRS:
        ia, ib = idx[a], idx[b]
        na, nb = int((y_true == ia).sum()), int((y_true == ib).sum())
        if not (na or nb):
            continue
        out.append({"pair": [a, b], "clips": [na, nb],
                    "recall": [float((y_pred[y_true == ia] == ia).mean()) if na else None,
                               float((y_pred[y_true == ib] == ib).mean()) if nb else None],
                    "a_as_b": int(((y_true == ia) & (y_pred == ib)).sum()),
                    "b_as_a": int(((y_true == ib) & (y_pred == ia)).sum())})
    return out


def bootstrap_interval(y_true: np.ndarray, y_pred: np.ndarray, n: int, seed: int = 0) -> dict:
    """95 % percentile intervals of top-1 and balanced accuracy over videos resampled with replacement."""
    from ..model.evaluation import balanced_accuracy

    if n == 0 or len(y_true) == 0:
        return {}
    rng = np.random.default_rng(seed)
    top1, bal = [], []
    for _ in range(n):
        k = rng.integers(0, len(y_true), len(y_true))
        top1.append(float((y_true[k] == y_pred[k]).mean()))
        bal.append(balanced_accuracy(y_true[k], y_pred[k]))
    return {"top1_95": [float(np.percentile(top1, 2.5)), float(np.percentile(top1, 97.5))],
            "balanced_95": [float(np.percentile(bal, 2.5)), float(np.percentile(bal, 97.5))]}


def leave_one_source_out(stats: np.ndarray, y: np.ndarray, groups: np.ndarray, extra_stats: np.ndarray,
                         extra_y: np.ndarray, n_classes: int, cfg, negatives: np.ndarray | None = None,
                         shots: list | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Out-of-fold probabilities ``(n, n_classes)``: each group predicted by a model trained on all others; with
    ``negatives``, also each video's out-of-fold probability of being none of the 22 ``(n,)``. ``shots``: per
    video, its shots' descriptors (``Video.shots``), labelled as ``score`` does."""
    from ..model.stats_model import StatsModel

    probs = np.zeros((len(y), n_classes), np.float32)
    none = np.zeros(len(y), np.float32) if negatives is not None and len(negatives) else None
    for g in sorted(set(groups.tolist())):
        held = groups == g
        x = np.concatenate([stats[~held], extra_stats])
        t = np.concatenate([y[~held], extra_y])
        w = np.concatenate([np.ones((~held).sum()), np.full(len(extra_y), cfg.synthetic_weight)])
        model = StatsModel.fit(x, t, n_classes, cfg, sample_weight=w, negatives=negatives)
        probs[held] = model.video_proba(stats[held], [shots[i] for i in np.flatnonzero(held)] if shots else None)
        if none is not None:
            none[held] = model.none_probability(stats[held])
    return probs, none


def none_of_22_report(real_none: np.ndarray, negative_none: np.ndarray, negative_motions: list[str],
                      threshold: float) -> dict:
    """The "none of the 22" flag in cross-validation: false flags on real clips of the 22 (out of fold) against
    held-out synthetic non-exercise clips caught, and the AUROC of the score between the two."""
    from sklearn.metrics import roc_auc_score

    motions = np.array(negative_motions)
    return {
        "threshold": threshold,
        "auroc_real_vs_synthetic_negatives": float(roc_auc_score(
            np.r_[np.zeros(len(real_none)), np.ones(len(negative_none))], np.r_[real_none, negative_none])),
        "real_false_flags": int((real_none >= threshold).sum()), "real_videos": int(len(real_none)),
        "real_false_flag_rate": float((real_none >= threshold).mean()),
        "real_score_p50_p95_max": [float(np.percentile(real_none, 50)), float(np.percentile(real_none, 95)),
                                   float(real_none.max())],
        "negatives_caught": float((negative_none >= threshold).mean()), "negative_videos": int(len(negative_none)),
        "negatives_caught_per_motion": {m: float((negative_none[motions == m] >= threshold).mean())
                                        for m in sorted(set(negative_motions))},
    }


def run_cv(features_uri: str, output_uri: str, *, cfg=None, synthetic_per_class: int | None = None,
           train_extra: list[str] | tuple[str, ...] = (), bootstrap: int = 1000, address: str | None = None,
           num_cpus: int | None = None) -> dict:
    from ..classes import CLASSES
    from ..model.calibration import apply_temperature, fit_temperature
    from ..model.config import Config
    from ..model.evaluation import compute_metrics
    from ..model.grip_rule import order_pair_by_grip
    from ..model.report import render_html
    from ..model.stats_model import StatsModel, stats_of
    from .datasets import check_features_contract, dataset_contract, negative_videos, read_videos, synthetic_videos
    from .runtime import quiet_ray_data, ray_session

    t0 = time.time()
    cfg = cfg or Config()
    scfg = cfg.stats if synthetic_per_class is None else dataclasses.replace(
        cfg.stats, synthetic_per_class=synthetic_per_class)
    require(bootstrap >= 0, f"--bootstrap must be >= 0, got {bootstrap}")
    contract = dataset_contract(features_uri)
    contract.require_current_code(what=f"the features in {features_uri}")
    for extra_uri in train_extra:
        check_features_contract(extra_uri, contract, what=f"the features in {features_uri}")
    storage.check_writable(output_uri)
    with ray_session(address, num_cpus):
        quiet_ray_data()
        videos = read_videos(features_uri, group_column="group")
        extra = [v for uri in train_extra for v in read_videos(uri, group_column=None, train_only=True)]
    require(all(v.group for v in videos), f"every video in {features_uri} needs a group (its source) for "
                                          f"leave-one-source-out: extract with --group-column source_repo")
    index = {c: i for i, c in enumerate(CLASSES)}
    y = np.array([index[v.label] for v in videos], np.int64)
    groups = np.array([v.group for v in videos])
    require(len(set(groups.tolist())) >= 2, "leave-one-source-out needs at least two sources")
    stats = stats_of(videos)
    real_shots = [v.shots for v in videos]   # montages are labelled shot by shot, as score does
    grips = [v.grip for v in videos]         # and the curl pair ordered by the grip Hands read, as score does
    synth = synthetic_videos(scfg.synthetic_per_class, contract, seed=cfg.train.seed) \
        if scfg.synthetic_per_class else []
    synth += extra
    s_stats, s_y = stats_of(synth), np.array([index[v.label] for v in synth], np.int64)

    negatives = negative_videos(scfg.negatives_per_motion, contract, seed=cfg.train.seed + 2) \
        if scfg.negatives_per_motion else []
    n_stats = stats_of(negatives) if negatives else None
    raw, real_none = leave_one_source_out(stats, y, groups, s_stats, s_y, len(CLASSES),
                                          dataclasses.replace(scfg, temperature=1.0), negatives=n_stats,
                                          shots=real_shots)
    without_grip = raw.argmax(1)
    raw = order_pair_by_grip(raw, grips, CLASSES)
    # calibration, nested: each source's probabilities get the temperature fitted on the other sources' only
    probs = np.zeros_like(raw)
    for g in sorted(set(groups.tolist())):
        held = groups == g
        probs[held] = apply_temperature(raw[held], fit_temperature(raw[~held], y[~held]))
    pred, conf = probs.argmax(1), probs.max(1)
    pooled = compute_metrics(y, pred, conf, CLASSES)
    calibration = {"temperature_fitted_on_all_folds": fit_temperature(raw, y),
                   "ece_uncalibrated": compute_metrics(y, raw.argmax(1), raw.max(1), CLASSES)[
                       "expected_calibration_error"],
                   "ece_calibrated_nested": pooled["expected_calibration_error"]}
    per_fold = {g: float((pred[groups == g] == y[groups == g]).mean()) for g in sorted(set(groups.tolist()))}
    sources_of = {c: set(groups[y == i].tolist()) for c, i in index.items() if (y == i).any()}
    single = sorted(c for c, s in sources_of.items() if len(s) == 1)
    multi = np.isin(y, [index[c] for c in single], invert=True)
    result = {
        "protocol": "leave-one-source-out", "features": features_uri, "videos": int(len(y)),
        "sources": int(len(per_fold)), "member": "stats", "stats_config": dataclasses.asdict(scfg),
        "synthetic_train_videos": len(synth) - len(extra),
        "train_extra": {"uris": list(train_extra), "videos": len(extra)},
        "video": pooled,
        "calibration": calibration,
        "fold_accuracy": {"mean": float(np.mean(list(per_fold.values()))),
                          "sd": float(np.std(list(per_fold.values()))), "per_source": per_fold},
        "bootstrap": bootstrap_interval(y, pred, bootstrap),
        "look_alike_pairs": pair_report(y, pred, list(CLASSES)),
        "single_source_classes": {
            "classes": single,
            "recall": {c: float((pred[y == index[c]] == index[c]).mean()) for c in single},
        },
        "without_single_source_classes": compute_metrics(y[multi], pred[multi], conf[multi], CLASSES)
        if multi.any() else {},
        "grip": {"videos_with_grip": int(sum(g is not None for g in grips)),
                 "labels_changed": int((without_grip != pred).sum()),
                 "without_grip_rule": {k: compute_metrics(y, without_grip, conf, CLASSES)[k]
                                       for k in ("accuracy", "balanced_accuracy")}},
        "zero_recall_classes_with_3_or_more_clips": sorted(
            c for c, d in pooled["per_class"].items() if d["recall"] == 0 and d["support"] >= 3),
        "predictions": [{"uri": v.uri, "source": v.group, "true": v.label, "predicted": CLASSES[p],
                         "confidence": float(c)} for v, p, c in zip(videos, pred, conf)],
    }
    if real_none is not None:
        # negatives the model never saw (another seed), scored by the model trained on every real source
        unseen = negative_videos(max(1, scfg.negatives_per_motion // 2), contract, seed=cfg.train.seed + 3)
        full = StatsModel.fit(np.concatenate([stats, s_stats]), np.concatenate([y, s_y]), len(CLASSES), scfg,
                              sample_weight=np.r_[np.ones(len(y)), np.full(len(s_y), scfg.synthetic_weight)],
                              negatives=n_stats)
        result["none_of_22"] = none_of_22_report(real_none, full.none_probability(stats_of(unseen)),
                                                 [v.uri.split("/")[2] for v in unseen], scfg.none_threshold)
    if synth:
        only = order_pair_by_grip(StatsModel.fit(s_stats, s_y, len(CLASSES), scfg).video_proba(stats, real_shots),
                                  grips, CLASSES)
        result["synthetic_only"] = {k: compute_metrics(y, only.argmax(1), only.max(1), CLASSES)[k]
                                    for k in ("accuracy", "balanced_accuracy")}
    result["seconds"] = round(time.time() - t0, 1)
    storage.write_json_atomic(storage.join(output_uri, "cv.json"), result)
    html_doc = render_html({"video": pooled}, title="exercise-classifier leave-one-source-out cross-validation",
                           confidences={"video": (conf, pred == y)})
    storage.write_bytes_atomic(storage.join(output_uri, "report.html"), html_doc.encode())
    return result


def summary_line(r: dict) -> str:
    v = r["video"]
    b = r.get("bootstrap", {})
    line = (f"cv ({r['protocol']}, {r['videos']} videos, {r['sources']} sources): top-1 {v['accuracy']:.3f}"
            f" {_ci(b.get('top1_95'))}, balanced {v['balanced_accuracy']:.3f} {_ci(b.get('balanced_95'))}, "
            f"ECE {v['expected_calibration_error']:.3f} (uncalibrated {r['calibration']['ece_uncalibrated']:.3f}; "
            f"temperature {r['calibration']['temperature_fitted_on_all_folds']:.3f})")
    if r.get("train_extra", {}).get("videos"):
        line += f"; {r['train_extra']['videos']} training-only videos from --train-extra"
    if "grip" in r:
        g = r["grip"]
        line += (f"; grip known for {g['videos_with_grip']} videos, {g['labels_changed']} labels changed by it "
                 f"(without: {g['without_grip_rule']['accuracy']:.3f} / {g['without_grip_rule']['balanced_accuracy']:.3f})")
    if "synthetic_only" in r:
        s = r["synthetic_only"]
        line += f"; synthetic only -> real: {s['accuracy']:.3f} / {s['balanced_accuracy']:.3f}"
    if "none_of_22" in r:
        n = r["none_of_22"]
        line += (f"; none of the 22: AUROC {n['auroc_real_vs_synthetic_negatives']:.3f}, real false flags "
                 f"{n['real_false_flags']}/{n['real_videos']}, synthetic negatives caught {n['negatives_caught']:.3f}")
    return line


def _ci(ci) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""


def run(args) -> int:
    from ..model.config import load_config

    r = run_cv(args.features, args.output, cfg=load_config(args.config),
               synthetic_per_class=args.synthetic_per_class, train_extra=args.train_extra,
               bootstrap=args.bootstrap, address=args.address,
               num_cpus=args.num_cpus)
    print(summary_line(r))
    print(f"  zero recall (>= 3 clips): {', '.join(r['zero_recall_classes_with_3_or_more_clips']) or 'none'}")
    print(f"  single-source classes: {json.dumps(r['single_source_classes']['recall'])}")
    for p in r["look_alike_pairs"]:
        print(f"  {p['pair'][0]} / {p['pair'][1]}: clips {p['clips']}, recall {p['recall']}, "
              f"confused {p['a_as_b']} / {p['b_as_a']}")
    print(f"  -> {storage.join(args.output, 'cv.json')}")
    return 0

