"""MediaPipe Hands in the pose stage, on real curls: the grip it reads tells the barbell curl from the hammer curl.

Real MediaPipe on real-dev clips (skipped where ../shared is absent): the one EZ-bar curl source and a hammer curl.
"""

from __future__ import annotations

import numpy as np
import pytest

from exercise_classifier.contract import HandSettings, Preprocessing
from exercise_classifier.features.grip import HAND_VALUES, NEUTRAL_GRIP_ABOVE, palm_grip
from exercise_classifier.pipelines import schema
from exercise_classifier.pipelines.rows import VideoMeta, landmarks_row, rows_to_table
from exercise_classifier.pipelines.video_stage import track_video

EZ_BAR = "barbell biceps curl/procoderahul-ezbar.mp4"
HAMMER = "hammer curl/odilxanivich-hammer-curl.mp4"


@pytest.fixture(scope="module")
def default_model():
    from exercise_classifier.model.artifacts import load_model_dir
    from exercise_classifier.pipelines.score import default_model_uri

    m = load_model_dir(default_model_uri())
    yield m
    m.close()


@pytest.fixture(scope="module")
def tracked(real_dev, default_model):
    # the model first: the pose stage keeps TensorFlow out of a process that has not imported it yet (.pose)
    contract = Preprocessing()
    return {name: track_video(str(real_dev / name), contract) for name in (EZ_BAR, HAMMER)}


def test_hands_run_on_a_few_frames_of_each_video_and_find_the_lifters_hands(tracked):
    budget = Preprocessing().hands.frames_per_video
    for t in tracked.values():
        assert t.hands.shape == (len(t.hand_frame), HAND_VALUES)
        assert len(set(t.hand_frame.tolist())) <= budget
        assert ((t.hand_frame >= 0) & (t.hand_frame < len(t.frame_index))).all()
        assert len(t.hand_frame) >= 6              # the curls' hands are in view: most runs find one or two


def test_the_grip_tells_the_barbell_curl_from_the_hammer_curl(tracked):
    def grip(t):
        return palm_grip(t.hand_frame, t.hands, t.landmarks, t.world)

    assert grip(tracked[EZ_BAR]) < NEUTRAL_GRIP_ABOVE < grip(tracked[HAMMER])


def test_hands_are_stored_in_the_row_and_off_means_null(tracked, real_dev):
    t = tracked[HAMMER]
    meta = VideoMeta(uri="x.mp4", video_id="v", width=t.info.width, height=t.info.height, fps=t.info.fps)
    table = rows_to_table([landmarks_row(meta, t.landmarks, t.world, t.frame_index, Preprocessing(),
                                         hand_frame=t.hand_frame, hands=t.hands)])
    assert table.schema == schema.EXTRACT_SCHEMA
    row = table.to_pylist()[0]
    assert row["hand_frame"] == t.hand_frame.tolist()
    assert np.allclose(np.asarray(row["hand_landmarks"], np.float32), t.hands)

    off = track_video(str(real_dev / HAMMER), Preprocessing(hands=HandSettings(frames_per_video=0)))
    assert off.hand_frame is None and off.hands is None
    assert np.array_equal(off.landmarks, t.landmarks, equal_nan=True)     # pose is untouched by Hands
    null = rows_to_table([landmarks_row(meta, off.landmarks, off.world, off.frame_index, Preprocessing())])
    assert null.column("hand_frame").null_count == 1 and null.column("hand_landmarks").null_count == 1


def test_the_model_orders_the_curl_pair_by_the_grip_read_from_the_row(tracked, default_model):
    from exercise_classifier.features.descriptors import landmark_kinematics
    from exercise_classifier.pipelines.datasets import row_grip, row_landmarks
    from exercise_classifier.pipelines.video_analysis import analyse_extraction_row

    t = tracked[EZ_BAR]
    meta = VideoMeta(uri="ez.mp4", video_id="ez", width=t.info.width, height=t.info.height, fps=t.info.fps)
    row = rows_to_table([landmarks_row(meta, t.landmarks, t.world, t.frame_index, default_model.contract,
                                       hand_frame=t.hand_frame, hands=t.hands)]).to_pylist()[0]
    assert row["status"] == schema.STATUS_OK
    grip = row_grip(row)
    assert grip is not None and grip < NEUTRAL_GRIP_ABOVE
    f = np.asarray(row["features"], np.float32)
    seg = np.asarray(row["feature_segment"], np.int32)
    lm, wl = row_landmarks(row)
    kin = landmark_kinematics(lm, wl, width=row["width"], height=row["height"], fps=row["sample_fps"])

    def label(g):
        d = default_model.decide_videos([(f, seg, kin)], window_probs=False, grips=[g])[0][0]
        return default_model.classes[d.label]

    assert label(grip) == "barbell biceps curl"
    assert label(0.95) == "hammer curl"            # the same motion with palms facing each other
    # evaluate's path reads the grip from the row the same way
    assert default_model.classes[analyse_extraction_row(default_model, row)["decision"].label] == label(grip)


def test_hands_run_on_bounded_copies_of_large_frames_and_find_the_same_grip(tracked, real_dev):
    """Hands runs after the pose, on copies of its frames no larger than ``max_image_side``: a 4K source must not
    make a worker hold 24 full frames, and the grip read from the smaller copies is the same one."""
    import cv2

    from exercise_classifier.pipelines.pose import VideoTracker
    from exercise_classifier.pipelines.video_stage import sampled_frames

    contract = Preprocessing()
    t = tracked[HAMMER]
    with sampled_frames(str(real_dev / HAMMER), contract) as (info, _, frames):
        with VideoTracker(contract, len(t.frame_index)) as tracker:
            for _, rgb in frames:          # the same clip as a 4K source (3.6-4.5x upscaled)
                tracker.process(cv2.resize(rgb, (3840, 2160) if rgb.shape[1] > rgb.shape[0] else (2160, 3840)))
            kept = [f for _, f in tracker._kept]
            tracker.run_hands()
    assert kept and all(max(f.shape[:2]) == contract.hands.max_image_side for f in kept)
    assert all(len(f.data) < np.prod(f.shape) for f in kept)        # held compressed while the pose runs
    assert len(tracker.hand_frame) >= 6
    big = palm_grip(np.asarray(tracker.hand_frame), np.asarray(tracker.hands), t.landmarks, t.world)
    assert big > NEUTRAL_GRIP_ABOVE


def test_frames_wait_for_hands_compressed_and_come_back_pixel_for_pixel(real_dev):
    """The kept copies are compressed losslessly: Hands sees exactly the frame the pose saw (bounded), so the grip
    does not depend on how the frames waited, and the copies of a real frame take well under its raw size."""
    from exercise_classifier.pipelines.pose import _bounded, _PackedFrame
    from exercise_classifier.pipelines.video_stage import sampled_frames

    with sampled_frames(str(real_dev / EZ_BAR), Preprocessing()) as (_, _, frames):
        rgbs = [rgb.copy() for _, (_, rgb) in zip(range(40), frames)][::10]
    for rgb in rgbs:
        for side in (960, 320):
            packed = _PackedFrame.pack(rgb, side)
            back = packed.unpack()
            np.testing.assert_array_equal(back, _bounded(rgb, side))
            assert max(back.shape[:2]) == min(side, max(rgb.shape[:2])) and back.dtype == np.uint8
            if side == 960:                   # the clip's own size (a downscaled frame has less to squeeze)
                assert len(packed.data) < 0.7 * back.nbytes, (len(packed.data), back.nbytes)
