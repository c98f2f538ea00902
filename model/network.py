"""The classifier network (paper 4.5), built with tf-keras.

Why tf-keras and not Keras 3: Keras 3 ``model.fit`` fails under ``MultiWorkerMirroredStrategy`` (STACK.md §6), and
a ``.keras`` file written by tf-keras can only be read by tf-keras, so training and loading both use
:func:`keras_module`.

    BiLSTM(64) + LayerNorm -> BiLSTM(32) + LayerNorm -> MHA(4 heads, key 32) residual + LayerNorm
    -> GlobalAvgPool || GlobalMaxPool -> BatchNorm -> Dense64 ReLU, Dropout .3, BatchNorm
    -> Dense32 ReLU, Dropout .2 -> Dense(n_classes) softmax
"""

from __future__ import annotations

import os

from .config import NetworkConfig


def keras_module():
    """The Keras implementation every model of this project is built and loaded with (tf-keras)."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras

    return tf_keras


def build_network(window_length: int, n_features: int, n_classes: int, cfg: NetworkConfig = NetworkConfig(),
                  keras=None):
    keras = keras or keras_module()
    L = keras.layers
    inp = L.Input((window_length, n_features), name="windows")
    h = L.Bidirectional(L.LSTM(cfg.lstm1_units, return_sequences=True, dropout=cfg.lstm_dropout), name="bilstm1")(inp)
    h = L.LayerNormalization(name="ln1")(h)
    h = L.Bidirectional(L.LSTM(cfg.lstm2_units, return_sequences=True, dropout=cfg.lstm_dropout), name="bilstm2")(h)
    h = L.LayerNormalization(name="ln2")(h)
    a = L.MultiHeadAttention(num_heads=cfg.attention_heads, key_dim=cfg.attention_key_dim, name="mha")(h, h)
    h = L.LayerNormalization(name="ln_attn")(L.Add(name="residual")([h, a]))
    pooled = L.Concatenate(name="pool")([L.GlobalAveragePooling1D(name="avg")(h), L.GlobalMaxPooling1D(name="max")(h)])
    z = L.BatchNormalization(name="bn0")(pooled)
    z = L.Dense(cfg.dense1_units, activation="relu", name="dense1")(z)
    z = L.Dropout(cfg.dense1_dropout, name="drop1")(z)
    z = L.BatchNormalization(name="bn1")(z)
    z = L.Dense(cfg.dense2_units, activation="relu", name="dense2")(z)
    z = L.Dropout(cfg.dense2_dropout, name="drop2")(z)
    out = L.Dense(n_classes, activation="softmax", name="probs")(z)
    return keras.Model(inp, out, name="exercise_classifier")


def save_model(model, path: str) -> None:
    """Save in the zipped ``.keras`` (v3) format, whatever thread we are in.

    tf-keras picks v3 vs legacy HDF5 from a *thread-local* flag that is only initialised in the thread that
    imported it; Ray Train runs the training function in another thread, where ``model.save("x.keras")`` silently
    writes HDF5 (observed). ``saving_lib.save_model`` always writes v3 (JSON config + weights, no pickle).
    """
    from tf_keras.src.saving import saving_lib

    saving_lib.save_model(model, path)


ENGINES = ("auto", "numpy", "keras")


class KerasPredictor:
    """A loaded tf-keras model as the callable :class:`.artifacts.LoadedModel` predicts with.

    ``predict_on_batch``, not ``predict()``: predict() builds a tf.data pipeline on every call (about 25 ms), which
    dominated scoring once the analysis classifies each video's spans (measured: 79 calls, 4.4 of 12 s).
    """

    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        import numpy as np

        return np.asarray(self.model.predict_on_batch(x), np.float32)

    def predict_indexed(self, frames, index, batch_size: int = 256):
        """As :meth:`.numpy_network.NumpyNetwork.predict_indexed`: the windows ``frames[index]``, built here."""
        import numpy as np

        if len(index) == 0:
            return np.zeros((0, self.model.output_shape[-1]), np.float32)
        return np.concatenate([self(frames[index[i:i + batch_size]]) for i in range(0, len(index), batch_size)])


def load_predictor(path: str, engine: str = "auto"):
    """A ``.keras`` file -> a callable ``(N, T, F)`` scaled windows -> ``(N, n_classes)`` probabilities.

    ``numpy`` (:mod:`.numpy_network`) needs no TensorFlow: a score actor starts ~10 s sooner and ~600 MB smaller.
    ``auto`` uses it when the file is the graph :func:`build_network` makes, and tf-keras otherwise (a model from
    another release); ``keras`` forces tf-keras (the reference the numpy pass is tested against).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine != "keras":
        from .numpy_network import NumpyNetwork, UnsupportedNetwork

        try:
            return NumpyNetwork.load(path)
        except UnsupportedNetwork as exc:
            if engine == "numpy":
                raise
            import logging

            logging.getLogger(__name__).info("%s: %s; predicting with tf-keras", path, exc)
    return KerasPredictor(keras_module().models.load_model(path, compile=False))
