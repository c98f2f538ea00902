"""Keras-side training: compile the network with its loss, and the callbacks that decide when training ends.

No Ray here: :mod:`exercise_classifier.pipelines.ray_train` runs :func:`compile_model` and :func:`callbacks` inside each
Ray Train worker under ``MultiWorkerMirroredStrategy``; the same functions train on one machine without Ray.

* :class:`BestWeights` (built by :func:`callbacks`) - early stopping on val accuracy (patience), keeps the best
  weights in memory and always restores them at the end (Keras' EarlyStopping restores only when it stops early),
  and marks ``logs["improved"]`` so a reporting callback can checkpoint the best epoch;
* ``ReduceLROnPlateau`` on val loss; an epoch timer (``logs["epoch_s"]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Config


@dataclass
class TrainData:
    """Everything the workers need, as plain arrays. ``x_*`` are raw (unscaled) windows (N, T, F)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    class_weights: np.ndarray  # (n_classes,)
    n_classes: int


def compile_model(keras, cfg: Config, window_length: int, n_features: int, n_classes: int,
                  class_weights=None):
    """The paper's network with focal loss (class weights folded into alpha), Adam, accuracy metric."""
    from .losses import make_focal_loss
    from .network import build_network

    model = build_network(window_length, n_features, n_classes, cfg.network, keras)
    weights = class_weights if cfg.train.class_weights else None
    model.compile(optimizer=keras.optimizers.Adam(cfg.train.learning_rate),
                  loss=make_focal_loss(keras, cfg.train.focal_alpha, cfg.train.focal_gamma, weights),
                  metrics=["accuracy"])
    return model


def callbacks(keras, cfg: Config) -> tuple[object, list]:
    """``(best, [timer, reduce_lr, best])``: ``best.best_epoch`` / ``best.best`` tell the outcome after fit."""
    import time

    class BestWeights(keras.callbacks.Callback):
        """Early stopping on val accuracy that always ends with the best weights (ties keep the earlier epoch)."""

        def __init__(self, patience: int):
            super().__init__()
            self.patience = patience
            self.best = -np.inf
            self.best_epoch = -1
            self.best_weights = None
            self.wait = 0

        def on_epoch_end(self, epoch, logs=None):
            acc = float((logs or {}).get("val_accuracy", np.nan))
            if acc > self.best:
                self.best, self.best_epoch, self.wait = acc, epoch, 0
                self.best_weights = self.model.get_weights()
                logs["improved"] = 1.0
            else:
                self.wait += 1
                logs["improved"] = 0.0
                if self.wait >= self.patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs["epoch_s"] = time.perf_counter() - self.t0

    lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=cfg.train.reduce_lr_factor,
                                           patience=cfg.train.reduce_lr_patience, min_lr=cfg.train.min_lr, verbose=0)
    # Order matters: BestWeights sets logs["improved"] before a later reporting callback reads it.
    best = BestWeights(cfg.train.early_stopping_patience)
    return best, [Timer(), lr, best]
