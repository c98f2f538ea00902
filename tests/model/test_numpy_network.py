"""The numpy forward pass against tf-keras, the reference: same probabilities on the shipped model and on a freshly
built network of other sizes with non-trivial batch-norm statistics; anything else is refused, and ``auto`` falls
back to tf-keras for it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from exercise_classifier.model.config import NetworkConfig
from exercise_classifier.model.network import KerasPredictor, build_network, keras_module, load_predictor, save_model
from exercise_classifier.model.numpy_network import NumpyNetwork, UnsupportedNetwork

DEFAULT = Path(__file__).resolve().parents[2] / "model" / "default" / "model.keras"


def _windows(n: int, length: int, width: int, seed: int = 0) -> np.ndarray:
    # scaled windows are roughly unit normal; a few large values exercise the saturated gates (exp overflow)
    x = np.random.default_rng(seed).normal(size=(n, length, width)).astype(np.float32)
    x[0, :, :] *= 40.0
    return x


def _agree(path: str, x: np.ndarray) -> None:
    numpy_net = load_predictor(path, "numpy")
    keras_net = load_predictor(path, "keras")
    assert isinstance(numpy_net, NumpyNetwork) and isinstance(keras_net, KerasPredictor)
    p, q = numpy_net(x), keras_net(x)
    assert p.dtype == np.float32 and p.shape == q.shape
    np.testing.assert_allclose(p, q, rtol=0, atol=1e-5)
    assert (p.argmax(1) == q.argmax(1)).all()
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)


def test_shipped_model_matches_tf_keras():
    _agree(str(DEFAULT), _windows(300, 20, 83))


def test_other_sizes_and_trained_batch_norm_match_tf_keras(tmp_path):
    cfg = NetworkConfig(lstm1_units=12, lstm2_units=6, attention_heads=3, attention_key_dim=5, dense1_units=10,
                        dense2_units=7)
    keras = keras_module()
    model = build_network(9, 11, 5, cfg, keras)
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in model.get_weights()])
    for name in ("bn0", "bn1"):      # moving variance must stay positive
        layer = model.get_layer(name)
        g, b, mean, var = layer.get_weights()
        layer.set_weights([g, b, mean, np.abs(var) + 0.1])
    path = str(tmp_path / "small.keras")
    save_model(model, path)
    net = NumpyNetwork.load(path)
    assert (net.window_length, net.n_features, net.n_classes) == (9, 11, 5)
    _agree(path, _windows(64, 9, 11, seed=2))
    with pytest.raises(ValueError, match=r"\(N, 9, 11\)"):
        net(np.zeros((4, 9, 12), np.float32))


def test_another_graph_is_refused_and_auto_falls_back_to_tf_keras(tmp_path):
    keras = keras_module()
    inp = keras.layers.Input((9, 11), name="windows")
    out = keras.layers.Dense(5, activation="softmax", name="probs")(keras.layers.Flatten()(inp))
    path = str(tmp_path / "other.keras")
    save_model(keras.Model(inp, out), path)
    with pytest.raises(UnsupportedNetwork, match="layer graph"):
        load_predictor(path, "numpy")
    fallback = load_predictor(path)
    assert isinstance(fallback, KerasPredictor)
    assert fallback(np.zeros((2, 9, 11), np.float32)).shape == (2, 5)
    with pytest.raises(ValueError, match="engine"):
        load_predictor(path, "torch")


def test_a_changed_activation_is_refused(tmp_path):
    path = tmp_path / "changed.keras"
    with zipfile.ZipFile(DEFAULT) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "config.json":
                config = json.loads(data)
                for layer in config["config"]["layers"]:
                    if layer["name"] == "dense1":
                        layer["config"]["activation"] = "gelu"
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    with pytest.raises(UnsupportedNetwork, match="dense1"):
        NumpyNetwork.load(str(path))
    with pytest.raises(UnsupportedNetwork, match="not a .keras"):
        NumpyNetwork.load(__file__)                      # not a zip


def test_loading_and_scoring_a_model_directory_never_imports_tensorflow():
    """A score actor's start-up: 8 s and ~600 MB of TensorFlow it does not need (run in a fresh interpreter)."""
    import subprocess
    import sys

    code = """
import sys, numpy as np
from exercise_classifier.features.descriptors import NUM_KINEMATIC
from exercise_classifier.model.artifacts import load_model_dir
from exercise_classifier.pipelines.score import default_model_uri
m = load_model_dir(default_model_uri())
f = np.random.default_rng(0).normal(size=(60, m.contract.n_features)).astype(np.float32)
d = m.predict_video(f, np.zeros(60, np.int32), np.zeros(NUM_KINEMATIC, np.float32))
print(type(m.network).__name__, d is not None, sorted(k for k in sys.modules if k.split('.')[0] in ('tensorflow', 'tf_keras', 'keras')))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "NumpyNetwork True []"


def test_windows_given_as_frame_numbers_match_the_built_windows_in_both_engines():
    """Scoring hands the network each video's frames once and the windows as frame numbers (the first layer's input
    projection is then done per frame, not per window): the probabilities are those of the built windows."""
    from exercise_classifier.contract import WindowSettings
    from exercise_classifier.model.windows import make_windows, stacked_window_index, window_index

    rng = np.random.default_rng(3)
    cfg = WindowSettings(20, 6, 10)
    videos = []
    for n, cuts in ((57, [0] * 20 + [1] * 25 + [2] * 12), (12, [0] * 12), (9, [0] * 9), (40, [0] * 40)):
        f = rng.normal(size=(n, 83)).astype(np.float32)
        seg = np.array(cuts[:n])
        assert np.array_equal(f[window_index(seg, cfg)], make_windows(f, seg, cfg))
        videos.append((f, seg))
    frames, index, counts = stacked_window_index(videos, cfg)
    assert counts.tolist() == [1 + 2 + 1, 1, 0, 5]   # the 9-frame video gives none (min_length 10)
    built = frames[index]
    assert np.array_equal(built, np.concatenate([make_windows(f, s, cfg) for f, s in videos]))
    for engine in ("numpy", "keras"):
        net = load_predictor(str(DEFAULT), engine)
        want = net(built)
        for batch in (1, 4, 256):                    # batches split the windows, never the frames' projection
            got = net.predict_indexed(frames, index, batch_size=batch)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
        assert net.predict_indexed(frames, index[:0]).shape == (0, want.shape[1])
    with pytest.raises(ValueError, match=r"\(N, 20\)"):
        load_predictor(str(DEFAULT), "numpy").predict_indexed(frames, index[:, :19])
