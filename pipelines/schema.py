"""Parquet schema of the extraction shards: one row per video.

This is the contract between ``extract`` (writes it), ``train``/``evaluate`` (read ``features``) and ``score``
(re-scores from it). Per-frame data are nested lists so a row carries a whole video and a shard is self-contained:

* ``landmarks``       per *sampled* frame, 33 x (x, y, z, visibility) = 132 float32, NaN where no pose was found
* ``world_landmarks`` per sampled frame, 33 x (x, y, z) metres, hip-centred (MediaPipe world landmarks), NaN likewise
* ``frame_index``     per sampled frame, the index of that frame in the decoded source video
* ``features``        per *kept* frame (after visibility filter + gap interpolation), NUM_FEATURES float32
* ``feature_frame``   per kept frame, the index into the sampled frames it came from
* ``feature_segment`` per kept frame, the continuous-segment id (windows never cross a segment boundary)
* ``shot_start``      positions among the sampled frames where a new camera shot begins (cuts of an edited video;
  empty: one shot; null in rows of schema 2 and in synthetic rows, which have no pixels)
* ``hand_frame``      per hand MediaPipe Hands found (on a few sampled frames, :class:`.pose.VideoTracker`), the
  position among the sampled frames; empty: Hands ran and found none; null: Hands did not run (schema 3 rows,
  synthetic rows, ``hands.frames_per_video`` 0)
* ``hand_landmarks``  per such hand, 21 x (x, y) image then 21 x (x, y, z) world = 105 float32 (:mod:`..features.grip`)

Raw landmarks are kept so features can be recomputed (new ``feature_version``) without re-running pose.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "4"  # 2: `pose_config` became `preprocessing` (the contract's feature fields); 3: `shot_start`;
#                        4: `hand_frame`, `hand_landmarks`

# Status values, in the order a video can fail. Only `ok` and `low_detection` rows carry usable features.
STATUS_OK = "ok"
STATUS_LOW_DETECTION = "low_detection"  # < min detection rate: kept (features present) but flagged
STATUS_NO_PERSON = "no_person"          # decoded fine, no usable pose in any frame
STATUS_TOO_SHORT = "too_short"          # too few usable frames for one window
STATUS_UNREADABLE = "unreadable"        # empty, truncated, not a video, no video stream
STATUS_ERROR = "error"                  # unexpected failure; `error` holds the exception text
STATUSES = (STATUS_OK, STATUS_LOW_DETECTION, STATUS_NO_PERSON, STATUS_TOO_SHORT, STATUS_UNREADABLE, STATUS_ERROR)
USABLE_STATUSES = (STATUS_OK, STATUS_LOW_DETECTION)
# A re-run never redoes a video whose status is final: the same bytes and settings give the same answer. An `error`
# is something that went wrong around the video (storage read failed after its retries, a worker died, a bug), so
# `--retry-failed` redoes it; nothing else does, so a resumed job never repeats finished work by accident.
FINAL_STATUSES = (STATUS_OK, STATUS_LOW_DETECTION, STATUS_NO_PERSON, STATUS_TOO_SHORT, STATUS_UNREADABLE)
RETRYABLE_STATUSES = (STATUS_ERROR,)

_f32_frames = pa.list_(pa.list_(pa.float32()))

EXTRACT_SCHEMA = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),      # sha256 of the file content (first 32 hex)
        pa.field("uri", pa.string(), nullable=False),           # where the video was read from
        pa.field("source_size", pa.int64()),
        pa.field("label", pa.string()),                         # canonical class name, null when unlabelled
        pa.field("group", pa.string()),                         # source / near-duplicate group (split key)
        pa.field("status", pa.string(), nullable=False),
        pa.field("error", pa.string()),                         # human-readable reason when status != ok
        pa.field("width", pa.int32()),                          # as displayed (after rotation)
        pa.field("height", pa.int32()),
        pa.field("rotation", pa.int32()),                       # rotation metadata of the source, degrees
        pa.field("fps", pa.float64()),
        pa.field("frame_count", pa.int64()),                    # frames decoded
        pa.field("duration_s", pa.float64()),
        pa.field("sample_fps", pa.float64()),                   # target sampling rate
        pa.field("sampled_frames", pa.int32()),
        pa.field("detected_frames", pa.int32()),
        pa.field("detection_rate", pa.float32()),
        pa.field("mean_visibility", pa.float32()),              # over detected frames
        pa.field("frame_index", pa.list_(pa.int32())),
        pa.field("landmarks", _f32_frames),
        pa.field("world_landmarks", _f32_frames),
        pa.field("features", _f32_frames),
        pa.field("feature_frame", pa.list_(pa.int32())),
        pa.field("feature_segment", pa.list_(pa.int32())),
        pa.field("shot_start", pa.list_(pa.int32())),           # schema 3; readers treat a missing column as null
        pa.field("hand_frame", pa.list_(pa.int32())),           # schema 4; likewise
        pa.field("hand_landmarks", _f32_frames),
        pa.field("feature_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.string(), nullable=False),
        pa.field("preprocessing", pa.string()),                 # JSON of the contract's feature fields (sampling,
        #                                                         pose, cleaning, feature version) the row was made with
        pa.field("processing_s", pa.float64()),
    ],
    metadata={"schema_version": SCHEMA_VERSION},
)

EXTRACT_COLUMNS = tuple(EXTRACT_SCHEMA.names)
