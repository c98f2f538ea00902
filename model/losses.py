"""Sparse categorical focal loss with balanced class weights folded into alpha (paper 5.1).

    FL(p_t) = -alpha * w[y] * (1 - p_t)^gamma * log(p_t)

``w`` are balanced class weights (n_samples / (n_present_classes * count[c]), 0 for classes absent from training).
Folding them into the loss instead of Keras' ``class_weight`` keeps the weighting inside the graph, identical on
every Ray worker, and independent of how the dataset is fed. Probabilities are clipped to [eps, 1 - eps].
The saved model is loaded with ``compile=False`` so this class is never needed to *use* a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPSILON = 1e-7


def balanced_class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """sklearn's ``class_weight='balanced'`` over the classes present, as a dense vector; absent classes get 0
    (the loss needs a weight per output unit, and sklearn only weighs the classes it sees)."""
    from sklearn.utils.class_weight import compute_class_weight

    y = np.asarray(y, dtype=np.int64)
    w = np.zeros(n_classes)
    present = np.unique(y)
    if len(present):
        w[present] = compute_class_weight("balanced", classes=present, y=y)
    return w


def focal_loss_numpy(y_true: np.ndarray, probs: np.ndarray, alpha: float = 1.0, gamma: float = 2.0,
                     class_weights: Sequence[float] | None = None) -> float:
    """Reference implementation (mean over samples), used to test the TF version."""
    p = np.clip(np.asarray(probs, np.float64), EPSILON, 1 - EPSILON)
    y = np.asarray(y_true, np.int64).reshape(-1)
    pt = p[np.arange(len(y)), y]
    w = np.ones(p.shape[1]) if class_weights is None else np.asarray(class_weights, np.float64)
    return float(np.mean(-alpha * w[y] * (1 - pt) ** gamma * np.log(pt)))


def make_focal_loss(keras, alpha: float = 1.0, gamma: float = 2.0, class_weights: Sequence[float] | None = None):
    """A ``keras.losses.Loss`` instance for the given Keras module (tf_keras under Ray Train)."""
    import tensorflow as tf

    weights = None if class_weights is None else [float(v) for v in class_weights]

    class SparseFocalLoss(keras.losses.Loss):
        def __init__(self, alpha=1.0, gamma=2.0, class_weights=None, name="sparse_focal_loss", **kwargs):
            super().__init__(name=name, **kwargs)
            self.alpha = float(alpha)
            self.gamma = float(gamma)
            self.class_weights = None if class_weights is None else list(class_weights)

        def call(self, y_true, y_pred):
            y = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
            p = tf.clip_by_value(tf.cast(y_pred, tf.float32), EPSILON, 1.0 - EPSILON)
            pt = tf.gather(p, y, axis=1, batch_dims=1)
            loss = -self.alpha * tf.pow(1.0 - pt, self.gamma) * tf.math.log(pt)
            if self.class_weights is not None:
                loss = loss * tf.gather(tf.constant(self.class_weights, tf.float32), y)
            return loss

        def get_config(self):
            return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma,
                    "class_weights": self.class_weights}

    return SparseFocalLoss(alpha=alpha, gamma=gamma, class_weights=weights)
