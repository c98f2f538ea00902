"""MediaPipe Pose on a stream of frames, in a process that never imports TensorFlow.

``import mediapipe`` imports TensorFlow when it is installed (for ``tf.io.gfile`` in its metadata tools), which
costs ~3 s and ~600 MiB per process. Pose workers block it: :func:`import_mediapipe` marks ``tensorflow`` as
unimportable in ``sys.modules`` before the first mediapipe import. Only call it in processes that never need TF
(pose actors); the model actors are separate processes.

One :class:`PoseTracker` per video, frames in time order: MediaPipe's video mode keeps tracking state between
frames (detector on the first frame and after a loss, tracker otherwise), which is both faster and steadier.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

import numpy as np

from ..contract import PoseSettings
from ..features.landmarks import NUM_LANDMARKS

# Environment of every process that runs pose: the pipelines' pose actors (``runtime.pose_stage_options``) and the
# benchmark's limit processes. glibc gives each thread that allocates its own malloc arena (up to 8 per core), each
# video's MediaPipe graph brings new threads, and freed arena pages stay with the arena; trimming after every video
# (:func:`release_freed_memory`) returns only part of them. Two arenas per process, measured on the benchmark's 22
# clips with 2 CPUs: peak per pose actor RSS / USS 609-630 / 488-513 -> 462-468 / 320-371 MB, and 648 / 530 ->
# 483 / 350 MB on a 4x library, throughput unchanged (docs/performance.md). Set before the process starts: glibc
# reads it once.
POSE_PROCESS_ENV = {"MALLOC_ARENA_MAX": "2"}


def import_mediapipe():
    """Import mediapipe without letting it import TensorFlow (see module docstring)."""
    if "mediapipe" not in sys.modules:
        sys.modules.setdefault("tensorflow", None)
    import mediapipe as mp

    return mp


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or ``None`` where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give the heap pages freed by the last video back to the OS; call between videos in long-lived workers.

    Each video builds and tears down a MediaPipe graph whose threads allocate from their own glibc malloc arenas,
    and glibc keeps freed arena pages for reuse. A pose process therefore grew with the number of videos it had
    seen (measured: private memory 199 -> 452 MB over 14 real clips; 730-955 MB in the benchmark's actors), not with
    any one video. Trimming after each video kept it flat at 160-200 MB, at no measurable time cost.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class PoseTracker:
    """Stateful per-video pose estimation; a context manager that releases MediaPipe's graph."""

    def __init__(self, settings: PoseSettings = PoseSettings()):
        mp = import_mediapipe()
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=settings.model_complexity,
            smooth_landmarks=settings.smooth_landmarks,
            enable_segmentation=False,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )

    def __enter__(self) -> "PoseTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def process(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Landmarks of one RGB frame: ``(33, 4)`` image x, y, z, visibility and ``(33, 3)`` world x, y, z.

        Both are all-NaN when no person was found, so "not detected" can never be mistaken for a pose.
        """
        result = self._pose.process(rgb)
        image = np.full((NUM_LANDMARKS, 4), np.nan, np.float32)
        world = np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
        if result.pose_landmarks is not None:
            image[:] = [(p.x, p.y, p.z, p.visibility) for p in result.pose_landmarks.landmark]
        if result.pose_world_landmarks is not None:
            world[:] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark]
        return image, world
