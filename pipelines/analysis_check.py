"""``exercise-classifier analysis-check``: score a library's per-video analysis against a truth made by eye.

Reads the prediction shards ``score`` wrote and either or both of:

* ``--counts CSV``: rep counts by eye (``path,reps,partial_start,partial_end,confidence``), e.g.
  ``tests/analysis/data/real_dev_reps.csv``: off-by-one accuracy and mean absolute error of ``rep_count``, over all
  counted clips and over those marked ``clear``;
* ``--segments JSON``: the sets of multi-exercise videos (``infra/analysis/concatenate_clips.py`` writes one):
  set label accuracy, share of set boundaries within 1 s, reps per set.

``path`` / ``video`` are matched as the end of a prediction's URI, so the truth travels with the clips, not with where
the library is mounted.

``--workouts N`` needs no predictions: it makes N synthetic workouts (:func:`..synth.workouts.workout_clip`: one
body and camera, a lead-in, 2-3 sets of different classes with rests between them; the generator knows every set's
span and reps), samples and featurises them as extract would, and lets the model (``--model``, the shipped one by
default) decide and analyse them as score does. The same set scores as ``--segments``; the same ``--seed`` gives the
same workouts, so a change to the analysis can be compared on them before and after.

Prints a per-clip table; ``--output`` writes the whole result as JSON.
"""

from __future__ import annotations

import csv
import io
import json

from .. import storage
from ..errors import UserError, require


def add_arguments(p) -> None:
    p.add_argument("--predictions", default=None,
                   help="folder or s3:// prefix with score's prediction shards (for --counts and --segments)")
    p.add_argument("--counts", default=None, help="CSV of rep counts made by eye (see the module doc)")
    p.add_argument("--segments", default=None, help="JSON of the true sets of multi-exercise videos")
    p.add_argument("--workouts", type=int, default=0,
                   help="also score N synthetic multi-exercise workouts (the generator's truth; no predictions needed)")
    p.add_argument("--seed", type=int, default=2026, help="seed of the synthetic workouts (default 2026)")
    p.add_argument("--with-negatives", action="store_true",
                   help="every second workout also holds one non-exercise motion among its sets (not a set)")
    p.add_argument("--model", default=None, help="model for --workouts (default: the shipped model)")
    p.add_argument("--output", default=None, help="write the result as JSON here")


def read_counts(uri: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(storage.read_bytes(uri).decode())))
    need = {"path", "reps", "partial_start", "partial_end"}
    require(bool(rows) and need <= set(rows[0]), f"{uri} needs the columns {sorted(need)}")
    return rows


def _by_path(preds: list[dict], path: str) -> dict | None:
    found = [p for p in preds if p["uri"].endswith("/" + path) or p["uri"] == path]
    return found[0] if found else None


def check_counts(preds: list[dict], counts: list[dict]) -> dict:
    from ..analysis.metrics import rep_count_error, rep_count_scores

    clips, missing = [], []
    for c in counts:
        p = _by_path(preds, c["path"])
        if p is None or p["rep_count"] is None:
            missing.append(c["path"])
            continue
        partial = int(c["partial_start"] or 0) + int(c["partial_end"] or 0)
        clips.append({"path": c["path"], "reps": int(c["reps"]), "partial": partial,
                      "confidence": c.get("confidence", ""), "predicted": int(p["rep_count"]),
                      "predicted_label": p["predicted_label"],
                      "error": rep_count_error(int(p["rep_count"]), int(c["reps"]), partial)})
    clear = [c["error"] for c in clips if c["confidence"] == "clear"]
    return {"all": rep_count_scores([c["error"] for c in clips]), "clear": rep_count_scores(clear),
            "not_found": missing, "clips": clips}


def check_segments(preds: list[dict], truth: list[dict]) -> dict:
    from ..analysis.metrics import SetTally

    tally, videos, missing = SetTally(), [], []
    for v in truth:
        p = _by_path(preds, v["video"])
        if p is None or p["segments"] is None:
            missing.append(v["video"])
            continue
        videos.append({"video": v["video"], "predicted_label": p["predicted_label"],
                       "sets": tally.add(p["segments"], v["sets"])})
    return {"scores": tally.scores(), "not_found": missing, "videos": videos}


def workout_labels(n: int, seed: int, sets: tuple[int, int] = (2, 3), *, negatives: bool = False) -> list[list[str]]:
    """The classes of ``n`` workouts: ``sets`` (inclusive) different classes each, drawn from the 22 by ``seed``.
    ``negatives``: every second workout also holds one non-exercise motion (walking, stretching, jumping jacks ...)
    at a random place among its sets, drawn from its own stream (the classes stay those drawn without it)."""
    import numpy as np

    from ..classes import CLASSES
    from ..synth.negatives import negative_names

    rng = np.random.default_rng([int(seed), 0x5345_5453])
    out = [[CLASSES[int(c)] for c in rng.choice(len(CLASSES), int(rng.integers(sets[0], sets[1] + 1)),
                                               replace=False)] for _ in range(int(n))]
    if negatives:
        names, neg = list(negative_names()), np.random.default_rng([int(seed), 0x4E45_4753])
        for w in out[1::2]:
            w.insert(int(neg.integers(0, len(w) + 1)), names[int(neg.integers(len(names)))])
    return out


def check_workouts(model, n: int, seed: int, *, negatives: bool = False) -> dict:
    """``n`` synthetic workouts through extract's featurisation and score's decision and analysis (no video: the
    generator's landmarks are what pose would have returned), their sets scored against the generator's truth.
    ``negatives``: with non-exercise motion among the sets (:func:`workout_labels`); it is not a set, so a set
    found there counts among ``false_sets``."""
    from ..analysis.metrics import SetTally
    from ..synth.generate import is_negative
    from ..synth.workouts import REST, workout_clip
    from .rows import VideoMeta, sampled_landmarks_row
    from .video_analysis import analyse_extraction_row

    require(n > 0, f"--workouts must be > 0, got {n}")
    tally, videos = SetTally(), []
    for i, labels in enumerate(workout_labels(n, seed, negatives=negatives)):
        w = workout_clip(labels, seed, i)
        name = f"workout-{seed}-{i:03d}"
        meta = VideoMeta(uri=f"synthetic://workouts/{name}", video_id=name, width=w.width, height=w.height,
                         fps=float(w.fps), frame_count=w.frames, duration_s=w.duration_s)
        out = analyse_extraction_row(model, sampled_landmarks_row(meta, w.landmarks, w.world, model.contract))
        truth = [{"start_s": t.start_s, "end_s": t.end_s, "label": t.label, "reps": t.reps}
                 for t in w.segments if t.label != REST and not is_negative(t.label)]
        videos.append({"video": name, "duration_s": round(w.duration_s, 2), "sets": tally.add(out["segments"], truth)})
    return {"seed": int(seed), "negatives": bool(negatives), "scores": tally.scores(), "videos": videos}


def run_analysis_check(predictions_uri: str | None, counts_uri: str | None = None, segments_uri: str | None = None,
                       *, workouts: int = 0, seed: int = 2026, model_uri: str | None = None,
                       negatives: bool = False) -> dict:
    require(counts_uri is not None or segments_uri is not None or workouts > 0,
            "give --counts, --segments, --workouts or several")
    out = {}
    if workouts > 0:
        from ..model.artifacts import load_model_dir
        from .score import default_model_uri

        model = load_model_dir(model_uri or default_model_uri())
        try:
            out["workouts"] = check_workouts(model, workouts, seed, negatives=negatives)
        finally:
            model.close()
    if counts_uri is None and segments_uri is None:
        return out
    require(predictions_uri is not None, "--counts and --segments need --predictions")
    table = storage.read_parquet_dir(predictions_uri, columns=["uri", "predicted_label", "rep_count", "segments"])
    if table is None:
        raise UserError(f"no prediction shards under {predictions_uri}")
    preds = table.to_pylist()
    if counts_uri is not None:
        out["reps"] = check_counts(preds, read_counts(counts_uri))
        require(bool(out["reps"]["clips"]), f"none of the counted clips is among the predictions in {predictions_uri}")
    if segments_uri is not None:
        out["segments"] = check_segments(preds, json.loads(storage.read_bytes(segments_uri)))
        require(bool(out["segments"]["videos"]), f"none of the videos in {segments_uri} is among the predictions")
    return out


def print_sets(videos: list[dict], s: dict, what: str) -> None:
    """Each video's sets (true label -> predicted, start/end error, rep error), then ``s`` (:class:`SetTally`
    scores) in one line."""
    for v in videos:
        print(f"  {v['video']}: " + "; ".join(
            f"{m['label']} -> {m.get('predicted', 'missed')} ({m['start_error_s']:.1f}/{m['end_error_s']:.1f} s, "
            f"reps {m['rep_error']:+d})" for m in v["sets"]))
    print(f"{what} ({s['sets']} true sets, {s['predicted_sets']} predicted, {s['false_sets']} overlapping none): "
          f"label accuracy {s['label_accuracy']:.3f}, "
          f"boundaries within 1 s {s['boundaries_within_1s']:.3f} (median {s['median_boundary_error_s']:.2f} s), "
          f"reps off-by-one {s['reps']['off_by_one']:.3f}, MAE {s['reps']['mae']:.2f}")


def run(args) -> int:
    r = run_analysis_check(args.predictions, args.counts, args.segments, workouts=args.workouts, seed=args.seed,
                           model_uri=args.model, negatives=args.with_negatives)
    if "reps" in r:
        for c in r["reps"]["clips"]:
            print(f"  {c['error']:+3d}  predicted {c['predicted']:3d}  counted {c['reps']:3d}"
                  f"{'+' + str(c['partial']) if c['partial'] else '  '}  {c['confidence']:6s} {c['path']}")
        for k in ("all", "clear"):
            s = r["reps"][k]
            if s["clips"]:
                print(f"reps ({k}, {s['clips']} clips): off-by-one {s['off_by_one']:.3f}, MAE {s['mae']:.2f}, "
                      f"exact {s['exact']:.3f}")
        if r["reps"]["not_found"]:
            print(f"  {len(r['reps']['not_found'])} counted clips not among the predictions (or without a count)")
    if "segments" in r:
        print_sets(r["segments"]["videos"], r["segments"]["scores"], "sets")
    if "workouts" in r:
        w = r["workouts"]
        print_sets(w["videos"], w["scores"],
                   f"synthetic workouts (seed {w['seed']}{', with non-exercise motion' if w['negatives'] else ''})")
    if args.output:
        storage.write_bytes_atomic(args.output, json.dumps(r, indent=1, default=float).encode())
    return 0
