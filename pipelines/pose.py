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
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from ..contract import HandSettings, PoseSettings
from ..features.grip import HAND_POINTS
from ..features.landmarks import LANDMARK_INDEX, NUM_LANDMARKS

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


class _Closing:
    """A context manager whose exit calls :meth:`close` (MediaPipe's graphs hold native memory and threads)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class _Graph(_Closing):
    """A MediaPipe solution held by ``self._graph``; closing releases it."""

    _graph = None

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None


class PoseTracker(_Graph):
    """Stateful per-video pose estimation; a context manager that releases MediaPipe's graph."""

    def __init__(self, settings: PoseSettings = PoseSettings()):
        mp = import_mediapipe()
        self._graph = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=settings.model_complexity,
            smooth_landmarks=settings.smooth_landmarks,
            enable_segmentation=False,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )

    def process(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Landmarks of one RGB frame: ``(33, 4)`` image x, y, z, visibility and ``(33, 3)`` world x, y, z.

        Both are all-NaN when no person was found, so "not detected" can never be mistaken for a pose.
        """
        result = self._graph.process(rgb)
        image = np.full((NUM_LANDMARKS, 4), np.nan, np.float32)
        world = np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
        if result.pose_landmarks is not None:
            image[:] = [(p.x, p.y, p.z, p.visibility) for p in result.pose_landmarks.landmark]
        if result.pose_world_landmarks is not None:
            world[:] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark]
        return image, world


class HandTracker(_Graph):
    """MediaPipe Hands (legacy solution API, each frame on its own, up to two hands) on the few frames the caller
    picks; a context manager like :class:`PoseTracker`. Both hand models ship in the mediapipe wheel (no download)."""

    def __init__(self, settings: HandSettings = HandSettings()):
        mp = import_mediapipe()
        self._graph = mp.solutions.hands.Hands(
            static_image_mode=True, max_num_hands=2, model_complexity=settings.model_complexity,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_detection_confidence,
        )

    def process(self, rgb: np.ndarray) -> list[np.ndarray]:
        """The hands found in one RGB frame, each ``(HAND_VALUES,)`` (:mod:`..features.grip`): 21 image x, y, then 21
        world x, y, z."""
        result = self._graph.process(rgb)
        out = []
        for image, world in zip(result.multi_hand_landmarks or [], result.multi_hand_world_landmarks or []):
            xy = np.array([(p.x, p.y) for p in image.landmark], np.float32).reshape(HAND_POINTS, 2)
            xyz = np.array([(p.x, p.y, p.z) for p in world.landmark], np.float32)
            out.append(np.concatenate([xy.ravel(), xyz.ravel()]))
        return out


_WRISTS = [LANDMARK_INDEX["left_wrist"], LANDMARK_INDEX["right_wrist"]]


def hand_stride(expected_frames: int | None, settings: HandSettings, sample_fps: float) -> int:
    """Every how many sampled frames Hands runs: ``frames_per_video`` spread over the video's expected sampled frames,
    never more than ``max_per_second`` (a 3 s clip gets 6 runs, not 24: its pose costs little more than them)."""
    per_second = max(1, math.ceil(sample_fps / settings.max_per_second))
    if expected_frames and expected_frames > 0:
        return max(per_second, math.ceil(int(expected_frames) / max(settings.frames_per_video, 1)))
    return per_second


def _bounded(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """The frame no larger than ``max_side`` on its long side (INTER_AREA: no aliasing on the hands); the frame
    itself when it already is."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    import cv2

    k = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)


# How a frame waits for Hands: its pixels compressed losslessly with zstd at level 1 (pyarrow's codec). A raw
# 854x480 copy is 1.2 MB and a video keeps up to 24 while its pose runs, which put the pose worker's peak 17-30 MB
# higher (over the 500 MB target on the benchmark's 4x library). zstd-1 keeps 25-55 % of the bytes on real-dev
# frames for ~3-5 ms to compress and ~1-2 ms to expand; Hands sees the very same pixels, so the grips do not move.
# JPEG was measured and not kept: at quality 95 (~0.1 MB) one real hammer curl's grip fell from 0.60 to 0.38 (the
# other side of 0.5), at 100 (~0.25 MB) it cost ~10 ms a frame and still moved grips (docs/performance.md).
_KEPT_CODEC = ("zstd", 1)


@dataclass(frozen=True)
class _PackedFrame:
    """A frame as it waits for Hands (see ``_KEPT_CODEC``)."""

    shape: tuple[int, ...]
    data: bytes

    @classmethod
    def pack(cls, rgb: np.ndarray, max_side: int) -> "_PackedFrame":
        import pyarrow as pa

        small = np.ascontiguousarray(_bounded(rgb, max_side), dtype=np.uint8)
        return cls(small.shape, pa.Codec(*_KEPT_CODEC).compress(small, asbytes=True))

    def unpack(self) -> np.ndarray:
        import pyarrow as pa

        size = math.prod(self.shape)
        raw = pa.Codec(*_KEPT_CODEC).decompress(self.data, decompressed_size=size, asbytes=True)
        return np.frombuffer(raw, np.uint8).reshape(self.shape)


class VideoTracker(_Closing):
    """Pose on every sampled frame of one video, Hands on a few of them: the one per-video tracking loop of the
    pipeline's workers and of the benchmark's limit processes (so the limit pays what the pipeline pays).

    :meth:`process` runs the pose and keeps a copy of every :func:`hand_stride`-th frame where it sees a wrist (at
    most ``contract.hands.frames_per_video``, no larger than ``max_image_side``, compressed: ``_KEPT_CODEC``);
    :meth:`run_hands` then closes the pose graph and runs Hands on them, filling ``hand_frame``/``hands``. The two
    graphs never live at once: held together they cost a pose worker ~70-95 MB more at its peak
    (docs/performance.md), and a Hands graph per video costs less CPU (70-120 ms) than a few of its runs.
    """

    def __init__(self, contract, expected_frames: int | None = None):
        self._settings = contract.hands
        self._pose: PoseTracker | None = PoseTracker(contract.pose)
        self._stride = hand_stride(expected_frames, self._settings, contract.sample_fps)
        self._n = 0
        self._kept: list[tuple[int, _PackedFrame]] = []
        self.hand_runs = 0
        self.hand_s = 0.0                  # wall time in Hands, its graph included (the benchmark reports it apart)
        self.hand_frame: list[int] = []
        self.hands: list[np.ndarray] = []

    def close(self) -> None:
        """End the video's pose (its graph's native memory); the kept frames wait for :meth:`run_hands`."""
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def process(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pose of one frame (as :meth:`PoseTracker.process`); the frame is kept for Hands when it is one of its turns."""
        if self._pose is None:
            raise RuntimeError("VideoTracker.process after close or run_hands: one tracker per video")
        pos = self._n
        self._n += 1
        image, world = self._pose.process(rgb)
        if (pos % self._stride == self._stride // 2
                and len(self._kept) < self._settings.frames_per_video
                and np.nan_to_num(image[_WRISTS, 3]).max() >= self._settings.min_wrist_visibility):
            self._kept.append((pos, _PackedFrame.pack(rgb, self._settings.max_image_side)))
        return image, world

    def run_hands(self) -> None:
        """End the video's pose and run Hands on the kept frames (nothing to do when Hands is off or none was kept).
        Call it after :meth:`close` (or the ``with`` block) to run Hands with the caller's decoder closed too."""
        self.close()
        kept, self._kept = self._kept, []
        if not kept:
            return
        release_freed_memory()             # the pose graph's pages, before the Hands graph takes its own
        t0 = time.perf_counter()
        with HandTracker(self._settings) as hands:
            for pos, frame in kept:
                self.hand_runs += 1
                for hand in hands.process(frame.unpack()):
                    self.hand_frame.append(pos)
                    self.hands.append(hand)
        self.hand_s += time.perf_counter() - t0
