"""``exercise-classifier evaluate``: a model + labelled feature shards -> metrics JSON + HTML report.

Window-level and video-level (voting) results are reported separately. ``--split test`` restricts the videos
to the model's own held-out test split (saved with the model), so re-evaluating a run never scores videos it
was trained on; the default ``all`` scores every labelled video in the shards (e.g. a fresh, unseen library).
"""

from __future__ import annotations

import json
import logging

import pyarrow as pa

from .. import storage
from ..errors import require
from .runtime import add_ray_arguments

SPLITS = ("all", "train", "val", "test")

log = logging.getLogger(__name__)


def add_arguments(p) -> None:
    p.add_argument("--model", required=True, help="model output folder (uses its `latest`) or a run folder")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--features", help="folder or s3:// prefix with labelled feature shards")
    src.add_argument("--input", help="labelled raw videos (folder or s3:// prefix): extracted first with the model's "
                                     "own preprocessing, into --features-cache (reused, and resumed, next time)")
    p.add_argument("--labels", default="folder", help="with --input: 'folder' or a manifest CSV/Parquet URI")
    p.add_argument("--features-cache", default=None,
                   help="with --input: where its feature shards go (default: <output>/features)")
    p.add_argument("--output", default=None, help="where metrics.json + report.html go "
                                                   "(default: <run>/evaluations/<UTC stamp>)")
    p.add_argument("--split", choices=SPLITS, default="all",
                   help="only videos of this split of the model (default: all labelled videos)")
    add_ray_arguments(p)


def run_evaluate(model_uri: str, features_uri: str | None = None, output_uri: str | None = None, *,
                 split: str = "all", input_uri: str | None = None, labels: str = "folder",
                 features_cache: str | None = None, address: str | None = None, num_cpus: int | None = None) -> dict:
    """Evaluate the model on labelled feature shards, or on labelled raw videos (``input_uri``), which are
    extracted first with the model's own preprocessing contract into ``features_cache``."""
    from ..model.artifacts import load_model_dir, read_manifest, read_run_json, run_stamp
    from ..model.evaluation import evaluate_videos
    from ..model.report import render_html
    from .datasets import DatasetError, check_features_contract, read_videos
    from .runtime import quiet_ray_data, ray_session

    require(split in SPLITS, f"--split must be one of {', '.join(SPLITS)}, got {split!r}")
    require((features_uri is None) != (input_uri is None), "give exactly one of --features and --input")
    run_uri, _, contract = read_manifest(model_uri)           # cheap: no TensorFlow yet
    output_uri = output_uri or storage.join(run_uri, "evaluations", run_stamp())
    if input_uri is not None:
        from .extract import print_summary, run_extract
        from .inputs import discover

        discover(input_uri, labels)                          # a wrong input or label is an error before any work
        storage.check_writable(output_uri)                   # before extraction, the expensive part
        features_uri = features_cache or storage.join(output_uri, "features")
        print_summary(run_extract(input_uri, features_uri, contract=contract.replace(scaler=None), labels=labels,
                                  address=address, num_cpus=num_cpus, progress=False))
    check_features_contract(features_uri, contract, what=f"the model at {run_uri}")
    if input_uri is None:
        storage.check_writable(output_uri)
    with ray_session(address, num_cpus):
        quiet_ray_data()
        videos = read_videos(features_uri, group_column=None)
    if split != "all":
        record = read_run_json(run_uri, "split.json") or {}
        keep = set(record.get(split, []))
        videos = [v for v in videos if v.video_id in keep]
        if not videos:
            raise DatasetError(f"none of the model's {split} videos are in {features_uri}")
    loaded = load_model_dir(run_uri)
    try:
        unknown = sorted({v.label for v in videos} - set(loaded.classes))
        if unknown:
            raise DatasetError(f"labels the model does not know: {', '.join(unknown)}")
        ev = evaluate_videos(loaded, videos, loaded.classes)
        metrics = {"model_run": loaded.run_uri, "features": features_uri, "split": split, **ev.results}
        history = read_run_json(loaded.run_uri, "history.json")
        analysed = analysis_rows(loaded, features_uri, {v.video_id for v in videos})
        for p in ev.predictions:
            a = analysed.get(p["video_id"])
            if a is not None:
                p.update({k: a[k] for k in ("rep_count", "summary", "not_an_exercise_of_the_22")})
        storage.write_json_atomic(storage.join(output_uri, "metrics.json"), metrics)
        storage.write_json_atomic(storage.join(output_uri, "predictions.json"), ev.predictions)
        html_doc = render_html(metrics, title=f"exercise-classifier evaluation ({split})", history=history,
                               confidences=ev.confidences, extra_html=analysis_section(analysed))
        storage.write_bytes_atomic(storage.join(output_uri, "report.html"), html_doc.encode())
    finally:
        loaded.close()
    return {"output": output_uri, "model_run": loaded.run_uri, "videos": len(videos),
            "video_accuracy": metrics["video"].get("accuracy"),
            "balanced_accuracy": metrics["video"].get("balanced_accuracy"),
            "macro_f1": metrics["video"].get("macro_f1"),
            "window_accuracy": metrics["window"].get("accuracy"),
            "videos_without_windows": metrics["videos_without_windows"]}


def analysis_rows(model, features_uri: str, video_ids: set[str], limit: int = 2000) -> dict[str, dict]:
    """The per-video analysis (reps, sets, summary) of the evaluated videos, for the report: the first ``limit``
    by URI, read straight from the shards (the landmark columns training never reads)."""
    import pyarrow.compute as pc

    from . import schema
    from .video_analysis import OPTIONAL_ROW_COLUMNS, ROW_COLUMNS, analyse_extraction_row

    table = storage.read_parquet_dir(features_uri, columns=ROW_COLUMNS, optional=OPTIONAL_ROW_COLUMNS)
    if table is None:
        return {}
    keep = pc.and_(pc.is_in(table["video_id"], pa.array(sorted(video_ids))),
                   pc.is_in(table["status"], pa.array(list(schema.USABLE_STATUSES))))
    table = table.filter(keep)
    table = table.take(pc.sort_indices(table, [("uri", "ascending")])[:limit])
    out = {}
    for row in table.to_pylist():
        if row["video_id"] in out:
            continue
        a = analyse_extraction_row(model, row)
        d = a.pop("decision")
        a.pop("_dominant", None)
        # the label is the whole-video decision the metrics above score
        out[row["video_id"]] = {"uri": row["uri"], "status": row["status"], "label": row["label"],
                                "predicted_label": None if d is None else model.classes[d.label],
                                "confidence": None if d is None else d.confidence, **a}
    return out


def analysis_section(analysed: dict[str, dict]) -> str:
    from .score_report import STYLE, TIMELINE_KEY, video_table

    if not analysed:
        return ""
    rows = sorted(analysed.values(), key=lambda r: r["uri"])
    return (f"<style>{STYLE}</style><h2>Per-video analysis</h2><p>{TIMELINE_KEY}</p>"
            + video_table(rows, truth=True))


def run(args) -> int:
    summary = run_evaluate(args.model, args.features, args.output, split=args.split, input_uri=args.input,
                           labels=args.labels, features_cache=args.features_cache, address=args.address,
                           num_cpus=args.num_cpus)
    print(json.dumps(summary, indent=2))
    return 0
