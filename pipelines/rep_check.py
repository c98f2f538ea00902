"""``exercise-classifier rep-check``: score a library's predicted rep counts against counts made by eye.

Reads the prediction shards ``score`` wrote and a CSV of eye counts (``path,reps,partial_start,partial_end,
confidence``; ``path`` matched as the end of a prediction's URI, so the counts travel with the clips, not with
where the library is mounted). Prints a per-clip table and writes JSON with ``--output``: off-by-one accuracy and
mean absolute error, over all counted clips and over those marked ``clear``.
"""

from __future__ import annotations

import csv
import io
import json

from .. import storage
from ..errors import UserError, require


def add_arguments(p) -> None:
    p.add_argument("--predictions", required=True, help="folder or s3:// prefix with score's prediction shards")
    p.add_argument("--counts", required=True, help="CSV of counts made by eye (see the module doc)")
    p.add_argument("--output", default=None, help="write the result as JSON here")


def read_counts(uri: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(storage.read_bytes(uri).decode())))
    need = {"path", "reps", "partial_start", "partial_end"}
    require(bool(rows) and need <= set(rows[0]), f"{uri} needs the columns {sorted(need)}")
    return rows


def run_rep_check(predictions_uri: str, counts_uri: str) -> dict:
    from ..analysis.metrics import rep_count_error, rep_count_scores

    counts = read_counts(counts_uri)
    table = storage.read_parquet_dir(predictions_uri, columns=["uri", "predicted_label", "rep_count"])
    if table is None:
        raise UserError(f"no prediction shards under {predictions_uri}")
    preds = table.to_pylist()
    clips, missing = [], []
    for c in counts:
        match = [p for p in preds if p["uri"].endswith("/" + c["path"]) or p["uri"] == c["path"]]
        if not match or match[0]["rep_count"] is None:
            missing.append(c["path"])
            continue
        p = match[0]
        partial = int(c["partial_start"] or 0) + int(c["partial_end"] or 0)
        clips.append({"path": c["path"], "reps": int(c["reps"]), "partial": partial,
                      "confidence": c.get("confidence", ""), "predicted": int(p["rep_count"]),
                      "predicted_label": p["predicted_label"],
                      "error": rep_count_error(int(p["rep_count"]), int(c["reps"]), partial)})
    require(bool(clips), f"none of the {len(counts)} counted clips is among the predictions in {predictions_uri}")
    clear = [c["error"] for c in clips if c["confidence"] == "clear"]
    return {"all": rep_count_scores([c["error"] for c in clips]), "clear": rep_count_scores(clear),
            "not_found": missing, "clips": clips}


def run(args) -> int:
    r = run_rep_check(args.predictions, args.counts)
    for c in r["clips"]:
        print(f"  {c['error']:+3d}  predicted {c['predicted']:3d}  counted {c['reps']:3d}"
              f"{'+' + str(c['partial']) if c['partial'] else '  '}  {c['confidence']:6s} {c['path']}")
    for k in ("all", "clear"):
        s = r[k]
        if s["clips"]:
            print(f"rep-check ({k}, {s['clips']} clips): off-by-one {s['off_by_one']:.3f}, MAE {s['mae']:.2f}, "
                  f"exact {s['exact']:.3f}")
    if r["not_found"]:
        print(f"  {len(r['not_found'])} counted clips not among the predictions (or without a count)")
    if args.output:
        storage.write_bytes_atomic(args.output, json.dumps(r, indent=1).encode())
    return 0
