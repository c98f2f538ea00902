"""Camera-shot boundaries (cuts) of an edited video, found while it is decoded.

Why: workout videos on YouTube are edited; one exercise ends and the next begins at a cut far more often than after a
visible rest. The segmenter (:mod:`..analysis.segments`) can only guess a change of exercise from span-level model
scores, which blur over the 5 s span; a cut says exactly where one shot ends. Pose alone cannot find cuts: at the
joins of real clips the skeleton jumps 0.55-3.3 torso lengths, but MediaPipe's own glitches inside a single shot jump
up to 9.7 (measured on real-dev, docs/analysis.md). Pixels say it plainly.

The detector is PySceneDetect's ``AdaptiveDetector`` (content change of each frame against the previous one,
divided by the mean change of its neighbours, so a moving camera or a flickering gym light does not read as a cut),
fed a small thumbnail of every *sampled* frame: the change between two frames 1/15 s apart is what it measures, and
a 160 px thumbnail costs about 0.3 ms. Its ``min_scene_len`` (in sampled frames) keeps a flash or a fast whip pan
from making shots shorter than :data:`MIN_SHOT_S`.

Saturation and brightness only, not hue (PySceneDetect's default weighs all three): hue is undefined on grey and
white pixels, and exercise animations on a white background read as hue changes of 80-120 a frame. Measured on the
150 real-dev clips and 10 joined videos (docs/analysis.md): with hue, 72 cuts in 30 single clips, among them 23 in
6 white-background animations that have none; without it, 51 cuts in 24 clips, none in those, and every join of the
joined videos found either way.
"""

from __future__ import annotations

import cv2
import numpy as np

THUMB_SIDE = 160          # long side of the thumbnail the detector compares (PySceneDetect's own auto-downscale
#                           aims at ~256 px wide; cuts between shots are whole-frame changes and show at 160)
ADAPTIVE_THRESHOLD = 3.0  # PySceneDetect's default: a frame's change must be 3x its neighbours' mean ...
MIN_CONTENT_VAL = 15.0    # ... and at least this large (0-255 HSV mean difference), its default too
MIN_SHOT_S = 1.0          # no shot shorter than this


class ShotDetector:
    """Feed it each sampled RGB frame in order (:meth:`add`); :meth:`starts` gives the positions (0-based, among
    the frames fed) where a new shot begins. Position 0 is never reported: a video's first shot needs no mark."""

    def __init__(self, sample_fps: float):
        from scenedetect.detectors import AdaptiveDetector, ContentDetector

        min_len = max(1, int(round(MIN_SHOT_S * (sample_fps if sample_fps > 0 else 30.0))))
        self._detector = AdaptiveDetector(
            adaptive_threshold=ADAPTIVE_THRESHOLD, min_scene_len=min_len, min_content_val=MIN_CONTENT_VAL,
            weights=ContentDetector.Components(delta_hue=0.0, delta_sat=1.0, delta_lum=1.0, delta_edges=0.0))
        self._count = 0
        self._starts: list[int] = []

    def add(self, rgb: np.ndarray) -> None:
        h, w = rgb.shape[:2]
        scale = THUMB_SIDE / max(h, w)
        small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) \
            if scale < 1.0 else rgb
        # the detector converts BGR -> HSV: hand it BGR so the channels mean what it expects
        self._starts.extend(self._detector.process_frame(self._count, cv2.cvtColor(small, cv2.COLOR_RGB2BGR)))
        self._count += 1

    def starts(self) -> np.ndarray:
        """``(k,)`` int32 positions of the first frame of each shot after the first."""
        return np.asarray(sorted(s for s in set(self._starts) if 0 < s < self._count), np.int32)
