"""The timeline picture: one bar per segment, one tick per rep, stable colours, namespace only when standalone."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from exercise_classifier.analysis.timeline import REST_COLOUR, colour, timeline_svg


def test_timeline_svg():
    segs = [{"start_s": 0.0, "end_s": 2.0, "label": "rest", "reps": 0},
            {"start_s": 2.0, "end_s": 12.0, "label": "squat", "reps": 5},
            {"start_s": 12.0, "end_s": 14.0, "label": "rest", "reps": 0}]
    svg = timeline_svg(segs, [3, 5, 7, 9, 11], 14.0, standalone=True)
    root = ET.fromstring(svg)                      # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    rects, lines = root.findall(f"{ns}rect"), root.findall(f"{ns}line")
    assert len(rects) == 3 and len(lines) == 5
    assert rects[0].get("fill") == REST_COLOUR and rects[1].get("fill") == colour("squat") != REST_COLOUR
    assert "squat 2.0-12.0 s, 5 reps" in svg
    assert "http" not in timeline_svg(segs, [], 14.0)  # inline in a report page: no external reference at all
