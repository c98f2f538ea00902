"""exercise-classifier: recognise which of 22 gym exercises a person performs in a video.

Package map (each top-level repo folder is installed under this namespace):
  exercise_classifier.synth      synthetic exercise clips and landmark sequences (test data, demo data, augmentation)
  exercise_classifier.features   pure landmark -> feature-vector functions, one feature table, a version number
  exercise_classifier.pipelines  Ray Data jobs (extract, train, score, demo) and the one storage layer
  exercise_classifier.model      Keras network, loss, windowing, training loop, evaluation
"""

__version__ = "0.1.0"
