"""A video's analysis as a picture: segments along the time axis, a tick at every rep, as inline SVG.

Why hand-written SVG rather than a plotting library: a library report holds one timeline per video (thousands), and
a few hundred bytes of SVG per video render instantly in any browser, where a raster figure per video would cost
tens of milliseconds each and megabytes in the page. Pure string building, no I/O.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Sequence

REST_COLOUR = "#d9d9d9"
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
            "#756bb1", "#636363", "#6baed6", "#fd8d3c")


def colour(label: str) -> str:
    """A stable colour per label (the same exercise looks the same in every timeline of a report)."""
    if label == "rest":
        return REST_COLOUR
    return _PALETTE[zlib.crc32(label.encode()) % len(_PALETTE)]


def timeline_svg(segments: Sequence[dict], rep_times_s: Sequence[float], duration_s: float, *,
                 width: int = 640, height: int = 46, standalone: bool = False) -> str:
    """``segments``: dicts with ``start_s``, ``end_s``, ``label``, ``reps`` (as in score's ``segments`` column).
    ``standalone``: an ``.svg`` file of its own (needs the SVG namespace); inline in HTML it does not."""
    duration = max(float(duration_s), max((s["end_s"] for s in segments), default=0.0), 1e-6)
    x = lambda t: 4 + (width - 8) * float(t) / duration  # noqa: E731
    bar_y, bar_h = 4, 22
    xmlns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    parts = [f'<svg{xmlns} width="{width}" height="{height}" font-family="sans-serif" font-size="10">']
    for s in segments:
        x0, x1 = x(s["start_s"]), x(s["end_s"])
        label = html.escape(s["label"])
        tip = f"{label} {s['start_s']:.1f}-{s['end_s']:.1f} s" + (f", {s['reps']} reps" if s["label"] != "rest" else "")
        parts.append(f'<rect x="{x0:.1f}" y="{bar_y}" width="{max(x1 - x0, 0.5):.1f}" height="{bar_h}" '
                     f'fill="{colour(s["label"])}"><title>{tip}</title></rect>')
        if s["label"] != "rest" and x1 - x0 > 6 * len(label):
            parts.append(f'<text x="{x0 + 3:.1f}" y="{bar_y + 14}" fill="white">{label}</text>')
    for t in rep_times_s:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{bar_y + bar_h}" y2="{bar_y + bar_h + 6}" '
                     f'stroke="black" stroke-width="1.2"/>')
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 1e9) if duration / s <= 10)
    t = 0.0
    while t <= duration + 1e-9:
        parts.append(f'<text x="{x(t):.1f}" y="{height - 2}" text-anchor="middle" fill="#555">{t:g}s</text>')
        t += step
    parts.append("</svg>")
    return "".join(parts)
