"""Self-contained HTML evaluation report (inline base64 PNGs, matplotlib Agg) + the JSON of every number.

One file that can be mailed or opened from object storage without any other asset; the JSON is the
machine-readable truth, the HTML only presents it.
"""

from __future__ import annotations

import base64
import html
import io
import json

import numpy as np


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def confusion_plot(cm: dict, title: str) -> str:
    plt = _plt()
    m = np.asarray(cm["matrix"], float)
    labels = cm["labels"]
    norm = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if m[i, j]:
                ax.text(j, i, int(m[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return _png(fig)


def per_class_plot(per_class: dict, title: str) -> str:
    plt = _plt()
    names = sorted(per_class)
    fig, ax = plt.subplots(figsize=(max(5, 0.4 * len(names) + 2), 3.5))
    x = np.arange(len(names))
    ax.bar(x - 0.2, [per_class[n]["recall"] for n in names], 0.4, label="recall")
    ax.bar(x + 0.2, [per_class[n]["precision"] for n in names], 0.4, label="precision")
    ax.set_xticks(x, names, rotation=90, fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    ax.set_title(title)
    return _png(fig)


def history_plot(history: dict) -> str | None:
    if not history or not history.get("loss"):
        return None
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.2))
    ep = np.arange(1, len(history["loss"]) + 1)
    for key in ("loss", "val_loss"):
        if key in history:
            a1.plot(ep, history[key], label=key)
    for key in ("accuracy", "val_accuracy"):
        if key in history:
            a2.plot(ep, history[key], label=key)
    a1.set_xlabel("epoch"); a2.set_xlabel("epoch")
    for ax in (a1, a2):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    a1.set_title("loss"); a2.set_title("accuracy")
    return _png(fig)


def confidence_plot(confidence: np.ndarray, correct: np.ndarray, title: str) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3))
    bins = np.linspace(0, 1, 21)
    ax.hist([confidence[correct], confidence[~correct]], bins=bins, stacked=True, label=["correct", "wrong"])
    ax.set_xlabel("confidence")
    ax.legend(fontsize=7)
    ax.set_title(title)
    return _png(fig)


def _metrics_table(m: dict) -> str:
    keys = ["n", "accuracy", "balanced_accuracy", "cohen_kappa", "macro_precision", "macro_recall", "macro_f1",
            "mean_confidence", "expected_calibration_error"]
    rows = "".join(f"<tr><th>{k}</th><td>{_fmt(m.get(k))}</td></tr>" for k in keys)
    bins = "".join(f"<tr><th>{b['bin']}</th><td>{b['count']}</td><td>{_fmt(b['accuracy'])}</td></tr>"
                   for b in m.get("confidence_bins", []))
    conf = "".join(f"<tr><td>{html.escape(c['true'])}</td><td>{html.escape(c['predicted'])}</td><td>{c['count']}</td>"
                   f"</tr>" for c in m.get("top_confusions", []))
    pcs = "".join(f"<tr><td>{html.escape(n)}</td><td>{d['support']}</td><td>{_fmt(d['accuracy'])}</td>"
                  f"<td>{_fmt(d['recall'])}</td><td>{_fmt(d['precision'])}</td><td>{_fmt(d['f1'])}</td></tr>"
                  for n, d in sorted(m.get("per_class", {}).items()))
    zero = ", ".join(html.escape(z) for z in m.get("zero_recall_classes", [])) or "none"
    return (f"<table>{rows}</table><h4>Confidence bins</h4><table><tr><th>bin</th><th>n</th><th>accuracy</th></tr>"
            f"{bins}</table><p>Classes with zero recall: {zero}</p><h4>Most frequent confusions</h4><table>"
            f"<tr><th>true</th><th>predicted</th><th>n</th></tr>{conf}</table><h4>Per class</h4><table><tr><th>class"
            f"</th><th>support</th><th>accuracy</th><th>recall</th><th>precision</th><th>F1</th></tr>{pcs}</table>")


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}"
    return html.escape(str(v))


def render_html(results: dict, *, title: str, history: dict | None = None,
                confidences: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, extra_html: str = "") -> str:
    """``results``: {"video": metrics, "window": metrics, ...}; ``confidences``: level -> (confidence, correct);
    ``extra_html``: sections appended after the metrics (evaluate's per-video analysis)."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    meta = {k: v for k, v in results.items() if k not in ("video", "window")}
    if meta:
        parts.append("<pre>" + html.escape(json.dumps(meta, indent=1, default=str)[:4000]) + "</pre>")
    img = history_plot(history or {})
    if img:
        parts.append(f"<h2>Training curves</h2><img src='{img}'>")
    for level in ("video", "window"):
        m = results.get(level)
        if not m or not m.get("n"):
            continue
        parts.append(f"<h2>{level.title()}-level results</h2>")
        parts.append(_metrics_table(m))
        parts.append(f"<img src='{confusion_plot(m['confusion_matrix'], f'{level} confusion (row-normalised)')}'>")
        parts.append(f"<img src='{per_class_plot(m['per_class'], f'{level} per-class recall/precision')}'>")
        if confidences and level in confidences:
            c, ok = confidences[level]
            parts.append(f"<img src='{confidence_plot(np.asarray(c), np.asarray(ok, bool), f'{level} confidence')}'>")
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}img{max-width:100%;display:block}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}{extra_html}</body></html>")
