"""Check a rendered clip against its ground truth with the real detector (MediaPipe Pose).

Why it exists: "detected" does not mean "right" -- MediaPipe returns confident but wrong skeletons for some views --
so a synthetic clip only counts as good when the detector's 12 main joints land near the ground truth. The video is
decoded from the written mp4 (codec artefacts included), never taken from the in-memory frames. Imports of cv2 and
mediapipe are local so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..features.landmarks import LANDMARK_INDEX

MAIN_JOINTS: tuple[int, ...] = tuple(
    LANDMARK_INDEX[f"{side}_{j}"] for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle") for side in ("left", "right"))


@dataclass(frozen=True)
class Agreement:
    frames: int
    detection_rate: float       # fraction of frames with a pose
    visibility: float           # mean MediaPipe visibility of all 33 landmarks over detected frames
    error: float                # mean 12-joint error over detected frames, fraction of image height
    error_per_frame: np.ndarray  # (frames,), nan where not detected


def run_mediapipe(video: str | Path) -> tuple[np.ndarray, int, int]:
    """(T,33,4) landmarks (nan rows where no pose) of EVERY frame of ``video``, through the pipeline's own decode and
    pose stage (video mode, the default contract's MediaPipe settings)."""
    from ..contract import Preprocessing
    from ..pipelines.video_stage import track_video

    # the highest sampling rate keeps every frame, so frames match the ground truth one to one
    tracked = track_video(str(video), Preprocessing(sample_fps=240.0))
    return tracked.landmarks.astype(np.float64), tracked.info.width, tracked.info.height


def agreement(video: str | Path, landmarks_npz: str | Path) -> Agreement:
    """Detection rate, visibility and 12-joint error of MediaPipe on ``video`` against the clip's ground truth."""
    pred, w, h = run_mediapipe(video)
    with np.load(landmarks_npz, allow_pickle=False) as z:
        gt = z["image"]
    n = min(len(pred), len(gt))
    pred, gt = pred[:n], gt[:n]
    det = ~np.isnan(pred[:, 0, 0])
    d = (pred[:, MAIN_JOINTS, :2] - gt[:, MAIN_JOINTS, :2]) * np.array([w, h])
    err = np.linalg.norm(d, axis=-1).mean(axis=-1) / h
    return Agreement(frames=n, detection_rate=float(det.mean()) if n else 0.0,
                     visibility=float(np.nanmean(pred[det, :, 3])) if det.any() else 0.0,
                     error=float(np.nanmean(err[det])) if det.any() else float("inf"), error_per_frame=err)
