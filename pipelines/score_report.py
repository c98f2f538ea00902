"""The per-library HTML report of ``score``: what was found, and a timeline and summary per video a person can scan.

Written next to the prediction shards as ``report.html`` from all prediction rows (this run's and earlier ones).
A library of a million videos does not fit a page: the per-video table lists the first ``max_videos`` by URI, the
counts above it cover everything.
"""

from __future__ import annotations

import html
from collections import Counter

MAX_VIDEOS = 2000
TIMELINE_KEY = "Timeline: coloured bars are exercise sets, grey is rest, a tick marks each rep."


REPORT_COLUMNS = ["uri", "status", "error", "predicted_label", "confidence", "uncertain", "uncertain_reason",
                  "rep_count", "rep_times_s", "segments", "summary", "not_an_exercise_of_the_22"]


def render_library_report(table, *, title: str = "exercise-classifier: library report",
                          max_videos: int = MAX_VIDEOS) -> str:
    """``table``: score's prediction rows (a ``pyarrow.Table``); only the first ``max_videos`` by URI become Python
    rows, the counts are computed on the columns, so a large library costs the driver little."""
    import pyarrow.compute as pc

    table = table.select(REPORT_COLUMNS)
    status = Counter(table.column("status").to_pylist())
    labels = Counter(x for x in table.column("predicted_label").to_pylist() if x)
    flagged = int(pc.sum(table.column("not_an_exercise_of_the_22")).as_py() or 0)
    reps = int(pc.sum(table.column("rep_count")).as_py() or 0)
    uncertain = int(pc.sum(table.column("uncertain")).as_py() or 0)
    n = table.num_rows
    rows = table.take(pc.sort_indices(table, [("uri", "ascending")])[:max_videos]).to_pylist()
    e = html.escape
    head = (f"<h1>{e(title)}</h1><p>{n} videos; {reps} reps counted; {flagged} flagged as none of the 22 "
            f"exercises; {uncertain} uncertain.</p>"
            "<p>Status: " + ", ".join(f"{e(k)} {v}" for k, v in sorted(status.items())) + "</p>"
            "<p>Labels: " + ", ".join(f"{e(k)} {v}" for k, v in labels.most_common()) + "</p>"
            f"<p>{TIMELINE_KEY}</p>")
    more = f"<p>First {max_videos} of {n} videos by URI.</p>" if n > max_videos else ""
    return page(title, head + more + video_table(rows))


def video_table(rows: list[dict], *, truth: bool = False) -> str:
    """The per-video table (status, label, reps, summary, timeline); ``truth``: a column with the known label."""
    from ..analysis.timeline import timeline_svg

    e = html.escape
    body = []
    for r in rows:
        segs = r.get("segments") or []
        duration = max((s["end_s"] for s in segs), default=0.0)
        picture = timeline_svg(segs, r.get("rep_times_s") or [], duration) if segs else ""
        label = r.get("predicted_label") or "-"
        if r.get("not_an_exercise_of_the_22"):
            label += " (none of the 22?)"
        conf = f"{r['confidence']:.2f}" if r.get("confidence") is not None else ""
        note = r.get("uncertain_reason") or r.get("error") or ""
        known = f"<td>{e(r.get('label') or '')}</td>" if truth else ""
        body.append(f"<tr><td>{e(r['uri'])}</td><td>{e(r.get('status') or '')}</td>{known}<td>{e(label)}</td>"
                    f"<td>{conf}</td><td>{r.get('rep_count') if r.get('rep_count') is not None else ''}</td>"
                    f"<td>{e(r.get('summary') or '')}<br><small>{e(note)}</small></td><td>{picture}</td></tr>")
    head = "<th>true label</th>" if truth else ""
    return ("<table class='videos'><tr><th>video</th><th>status</th>" + head + "<th>label</th><th>confidence</th>"
            "<th>reps</th><th>summary</th><th>timeline</th></tr>" + "".join(body) + "</table>")


STYLE = ("table.videos{border-collapse:collapse}table.videos td,table.videos th{border:1px solid #ccc;"
         "padding:3px 6px;vertical-align:top;font-size:13px}")


def page(title: str, body: str) -> str:
    e = html.escape
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>"
            f"body{{font-family:sans-serif;margin:2em}}{STYLE}</style></head><body>{body}</body></html>")
