"""Feature layer: MediaPipe Pose landmarks -> per-frame feature vectors (pure numpy; no I/O).

* :mod:`.table`    - the 83 features, defined by landmark name (FEATURE_TABLE, FEATURE_NAMES, FEATURE_VERSION)
* :mod:`.compute`  - compute_features(landmarks of one segment) -> (T, 83) float32
* :mod:`.sequence` - clean_sequence / sequence_features: per-video visibility filter, gap interpolation, splitting
* :mod:`.mirror`   - mirror_landmarks / mirror_features for left/right augmentation
"""

from .compute import compute_features
from .mirror import mirror_features, mirror_landmarks
from .sequence import Segment, clean_sequence, sequence_features
from .table import FEATURE_NAMES, FEATURE_TABLE, FEATURE_VERSION, NUM_FEATURES

__all__ = [
    "FEATURE_NAMES", "FEATURE_TABLE", "FEATURE_VERSION", "NUM_FEATURES", "Segment", "clean_sequence",
    "compute_features", "mirror_features", "mirror_landmarks", "sequence_features",
]
