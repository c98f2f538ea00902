"""Synthetic exercise data: a 3D body model, one motion program per class, a camera that stays within the views
MediaPipe reads correctly, and two outputs from one code path -- rendered videos (numpy ray-caster) with
ground-truth landmarks, or the landmark sequences alone (fast path for training data at scale).

Ground truth beyond the label: :func:`.motions.rep_times` (turning point of every rep; ``LandmarkClip.rep_times_s``),
non-exercise motions in :mod:`.negatives` (``NEGATIVE_MOTIONS``, accepted wherever a class name is), and long
multi-set workouts with segment truth in :mod:`.workouts` (:func:`.workouts.workout_clip`).

Entry points: :func:`exercise_classifier.synth.generate.generate_library` (files + manifest),
:func:`exercise_classifier.synth.generate.landmark_clip` (one clip in memory) and the ``synth`` CLI subcommand.
"""
