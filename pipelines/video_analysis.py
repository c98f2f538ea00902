"""The per-video analysis columns of ``score``: reps, segments, range of motion, summary, "none of the 22".

Glue between a scored extraction row and :mod:`..analysis`: it rebuilds the row's time axis (sampled frames at
``frame_index / fps``), lets the loaded model classify any span of frames (features of the span's kept frames, its
kinematic descriptors, one batched ``decide_videos`` call for all spans of the video) and turns the result into the
Parquet columns of :data:`ANALYSIS_FIELDS`. No second pass over the video: everything is read from the row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .datasets import HAND_COLUMNS

_ROM = pa.struct([pa.field("joint", pa.string()), pa.field("range_deg", pa.float32()),
                  pa.field("rep_sd_deg", pa.float32()), pa.field("left_right_diff_deg", pa.float32())])
_SEGMENT = pa.struct([pa.field("start_s", pa.float32()), pa.field("end_s", pa.float32()),
                      pa.field("label", pa.string()), pa.field("confidence", pa.float32()),
                      pa.field("reps", pa.int32()), pa.field("tempo_s", pa.float32()),
                      pa.field("range_of_motion", pa.list_(_ROM))])
# Columns score adds to every prediction row (null where the video had no usable pose).
ANALYSIS_FIELDS = [
    pa.field("rep_count", pa.int32()),                     # reps over the whole video (all exercise segments)
    pa.field("rep_times_s", pa.list_(pa.float32())),       # each rep's turning point, seconds from the start
    pa.field("segments", pa.list_(_SEGMENT)),              # in time order, covering the video; label "rest" between sets
    pa.field("range_of_motion", pa.list_(_ROM)),           # per main joint of the dominant exercise, degrees
    pa.field("summary", pa.string()),                      # plain language, e.g. "squat: 8 reps, 2.1 s each, ..."
    pa.field("not_an_exercise_of_the_22", pa.bool_()),     # motion unlike every training video
    pa.field("not_an_exercise_score", pa.float32()),       # P(none of the 22) behind it (the model's threshold, 0.5)
]


# What :func:`analyse_extraction_row` reads of an extraction row.
ROW_COLUMNS = ["video_id", "uri", "label", "status", "features", "feature_segment", "feature_frame", "frame_index",
               "fps", "landmarks", "world_landmarks", "width", "height", "sample_fps", "shot_start", *HAND_COLUMNS]
# Columns of ROW_COLUMNS that rows of an older extraction schema lack (read as null: no cuts known, no grip known).
OPTIONAL_ROW_COLUMNS = ("shot_start", *HAND_COLUMNS)


def row_times(frame_index: np.ndarray, fps: float | None) -> np.ndarray:
    """Seconds of each sampled frame in the source video."""
    return np.asarray(frame_index, np.float64) / float(fps or 30.0)


def span_classifier(model, features: np.ndarray, segments: np.ndarray, feature_frame: np.ndarray,
                    landmarks: np.ndarray, world: np.ndarray | None, *, width, height, sample_fps: float,
                    grip: float | None = None):
    """``classify(spans)`` for :func:`..analysis.video.analyse_video`: the model's decision on each span of
    sampled frames, as ``(class probabilities, probability of none of the 22)``. ``grip``: the video's (a few hands
    per video are too few to read per span), ordering the curl pair in every span as in the whole video."""
    from ..features.descriptors import landmark_kinematics

    n_classes = len(model.classes)

    def classify(spans):
        inputs = []
        for a, b in spans:
            keep = (feature_frame >= a) & (feature_frame < b)
            kin = landmark_kinematics(landmarks[a:b], None if world is None else world[a:b], width=width,
                                      height=height, fps=sample_fps)
            inputs.append((features[keep], segments[keep], kin))
        decisions, _ = model.decide_videos(inputs, window_probs=False, grips=[grip] * len(inputs))
        return [(np.full(n_classes, 1.0 / n_classes) if d is None else d.probabilities,
                 None if d is None else d.not_exercise) for d in decisions]

    return classify


def analyse_row(model, decision, *, features, segments, feature_frame, landmarks, world, frame_index, fps, width,
                height, sample_fps, shot_start=None, grip=None, settings=None) -> dict:
    """One scored video -> the :data:`ANALYSIS_FIELDS` values. ``decision``: the model's whole-video decision;
    ``shot_start``: the row's camera cuts (None: not known); ``grip``: the video's grip (None: not known)."""
    from ..analysis.segments import SegmentSettings
    from ..analysis.signals import video_signals
    from ..analysis.video import analyse_video

    lm = np.asarray(landmarks, np.float32).reshape(-1, 33, 4)
    wl = None if world is None or len(world) == 0 else np.asarray(world, np.float32).reshape(-1, 33, 3)
    sig = video_signals(lm, wl, row_times(frame_index, fps), width=width, height=height)
    classify = span_classifier(model, features, segments, np.asarray(feature_frame), lm, wl, width=width,
                               height=height, sample_fps=sample_fps, grip=grip)
    video_label = None if decision is None else model.classes[decision.label]
    a = analyse_video(sig, model.classes, classify, video_label=video_label,
                      video_confidence=None if decision is None else decision.confidence,
                      settings=settings or SegmentSettings(),
                      cuts=() if shot_start is None else np.asarray(shot_start, np.int64))
    return {
        "rep_count": a.rep_count, "rep_times_s": [round(x, 3) for x in a.rep_times_s],
        "segments": [s.to_dict() for s in a.segments],
        "range_of_motion": [j.to_dict() for j in a.range_of_motion], "summary": a.summary,
        **not_exercise_columns(model, decision), "_dominant": a.dominant_label,
    }


def not_exercise_columns(model, decision) -> dict:
    """The "none of the 22" columns from the model's whole-video decision (no analysis needed: ``score
    --no-analysis`` keeps them)."""
    score = None if decision is None or decision.not_exercise is None else float(decision.not_exercise)
    threshold = model.stats.none_threshold if model.stats is not None else 0.5
    return {"not_an_exercise_of_the_22": None if score is None else score >= threshold,
            "not_an_exercise_score": score}


def analyse_extraction_row(model, row: dict) -> dict:
    """One extraction row (a dict with :data:`ROW_COLUMNS`, usable status) -> the model's decision and analysis,
    for callers that hold rows rather than score's batches (``evaluate``'s report)."""
    from ..features.descriptors import landmark_kinematics, shot_descriptors
    from .datasets import row_grip

    def frames(value, width: int) -> np.ndarray:
        return np.asarray(value, np.float32).reshape(-1, width) if value is not None and len(value) else \
            np.zeros((0, width), np.float32)

    f = frames(row["features"], model.contract.n_features)
    seg = np.asarray(row["feature_segment"], np.int32)
    lm, wl = frames(row["landmarks"], 132), frames(row["world_landmarks"], 99)
    kin = landmark_kinematics(lm, wl if len(wl) else None, width=row["width"], height=row["height"],
                              fps=float(row["sample_fps"]))
    shots = shot_descriptors(f, seg, np.asarray(row["feature_frame"]), lm, wl if len(wl) else None,
                             row.get("shot_start"), width=row["width"], height=row["height"],
                             fps=float(row["sample_fps"]))
    grip = row_grip(row, (lm, wl))
    decision = model.decide_videos([(f, seg, kin)], shots=[shots], grips=[grip])[0][0]
    out = analyse_row(model, decision, features=f, segments=seg, feature_frame=np.asarray(row["feature_frame"]),
                      landmarks=lm, world=wl if len(wl) else None, frame_index=np.asarray(row["frame_index"]),
                      fps=row["fps"], width=row["width"], height=row["height"], sample_fps=float(row["sample_fps"]),
                      shot_start=row.get("shot_start"), grip=grip)
    return {"decision": decision, **out}
