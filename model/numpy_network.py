"""The classifier's forward pass in numpy, read straight from the ``.keras`` file: scoring without TensorFlow.

Why: a score job's model actor spent 8.0 s importing TensorFlow and 2.8 s loading the model before its first video
(measured, session 13), and held ~600 MB for a network of 0.2 M weights. The network is small and fixed
(:func:`.network.build_network`), so inference is a few dozen lines of numpy: it loads in ~0.05 s and runs at about
Keras' speed (docs/performance.md). Training keeps tf-keras; the file format stays tf-keras' own ``.keras`` zip
(JSON config + HDF5 weights, no pickle), read here with ``zipfile`` and ``h5py``.

The file's config is checked against the graph this module implements (layer names, kinds, activations, flags);
anything else raises :class:`UnsupportedNetwork`, and :func:`.artifacts.load_model_dir` then falls back to tf-keras.

Weights live in the HDF5 under ``layers/<snake_case(class)>[_k]``, numbered per class in the model's layer order
(tf-keras ``saving_lib._save_container_state``), not under the layer's own name.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

import numpy as np

#: The graph :func:`.network.build_network` makes, by layer name and class, in order.
EXPECTED_LAYERS = (
    ("windows", "InputLayer"), ("bilstm1", "Bidirectional"), ("ln1", "LayerNormalization"),
    ("bilstm2", "Bidirectional"), ("ln2", "LayerNormalization"), ("mha", "MultiHeadAttention"), ("residual", "Add"),
    ("ln_attn", "LayerNormalization"), ("avg", "GlobalAveragePooling1D"), ("max", "GlobalMaxPooling1D"),
    ("pool", "Concatenate"), ("bn0", "BatchNormalization"), ("dense1", "Dense"), ("drop1", "Dropout"),
    ("bn1", "BatchNormalization"), ("dense2", "Dense"), ("drop2", "Dropout"), ("probs", "Dense"),
)
DENSE_ACTIVATIONS = {"dense1": "relu", "dense2": "relu", "probs": "softmax"}


class UnsupportedNetwork(ValueError):
    """The ``.keras`` file is not the network this module implements (another graph, activation or option)."""


def _snake(name: str) -> str:
    """tf-keras' ``generic_utils.to_snake_case`` (the HDF5 group names derive from class names)."""
    s = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


def _sigmoid_(z: np.ndarray) -> np.ndarray:
    """In place; exp overflow for very negative inputs gives the right limit (0) and is silenced by the caller."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def _tanh_(z: np.ndarray) -> np.ndarray:
    """In place, as ``2 sigmoid(2z) - 1``: numpy 1.26's float32 tanh is ~3x slower than its exp (AVX2)."""
    z *= 2.0
    _sigmoid_(z)
    z *= 2.0
    z -= 1.0
    return z


@dataclass(frozen=True)
class _Cell:
    """One LSTM direction, gates reordered to (i, f, o, g) with the g columns doubled, so one sigmoid pass over all
    four gates gives i, f, o and ``sigmoid(2g)``, from which ``tanh(g) = 2 sigmoid(2g) - 1``."""

    kernel: np.ndarray      # (in, 4u)
    recurrent: np.ndarray   # (u, 4u)
    bias: np.ndarray        # (4u,)

    @classmethod
    def from_keras(cls, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> "_Cell":
        u = recurrent.shape[0]
        order = np.r_[0:2 * u, 3 * u:4 * u, 2 * u:3 * u]           # keras: i, f, g, o
        scale = np.ones(4 * u, np.float32)
        scale[3 * u:] = 2.0
        return cls(*(np.ascontiguousarray(a[..., order] * scale, np.float32) for a in (kernel, recurrent, bias)))

    def run(self, inputs: np.ndarray, out: np.ndarray, *, reverse: bool) -> None:
        """``inputs`` (T, n, 4u): the input projections of every step (time-major); writes h_t into ``out[t]``."""
        steps, n, g4 = inputs.shape
        u = g4 // 4
        h = np.zeros((n, u), np.float32)
        c = np.zeros((n, u), np.float32)
        z = np.empty((n, g4), np.float32)
        tmp = np.empty((n, u), np.float32)
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            np.matmul(h, self.recurrent, out=z)
            z += inputs[t]
            _sigmoid_(z)
            g = z[:, 3 * u:]
            g *= 2.0
            g -= 1.0                                               # tanh of the cell input
            c *= z[:, u:2 * u]
            np.multiply(z[:, :u], g, out=tmp)
            c += tmp
            np.copyto(tmp, c)
            np.multiply(z[:, 2 * u:3 * u], _tanh_(tmp), out=h)
            out[t] = h


def _bilstm(x: np.ndarray, cells: tuple[_Cell, _Cell]) -> np.ndarray:
    """(T, n, d) -> (T, n, 2u): forward and backward directions concatenated at each step (merge_mode concat)."""
    steps, n, d = x.shape
    flat = x.reshape(steps * n, d)
    return _run_bilstm([_project(flat, cell).reshape(steps, n, -1) for cell in cells], cells)


def _project(rows: np.ndarray, cell: _Cell) -> np.ndarray:
    """``(m, d)`` inputs -> ``(m, 4u)`` input projections of one direction, bias included."""
    z = rows @ cell.kernel
    z += cell.bias
    return z


def _run_bilstm(inputs: list[np.ndarray], cells: tuple[_Cell, _Cell]) -> np.ndarray:
    """Each direction's ``(T, n, 4u)`` input projections -> ``(T, n, 2u)`` outputs, forward then backward."""
    steps, n, _ = inputs[0].shape
    u = cells[0].recurrent.shape[0]
    out = np.empty((steps, n, 2 * u), np.float32)
    for j, (cell, z) in enumerate(zip(cells, inputs)):
        cell.run(z, out[:, :, j * u:(j + 1) * u], reverse=j == 1)
    return out


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    x = x - x.mean(-1, keepdims=True)
    x *= 1.0 / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps)
    x *= gamma
    x += beta
    return x


@dataclass(frozen=True)
class _Attention:
    """Multi-head self-attention; query, key and value projections fused in one matmul, the query pre-scaled."""

    qkv: np.ndarray     # (d, 3 H K)
    qkv_bias: np.ndarray
    out: np.ndarray     # (H K, d)
    out_bias: np.ndarray
    heads: int
    key_dim: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        steps, n, d = x.shape
        proj = x.reshape(steps * n, d) @ self.qkv
        proj += self.qkv_bias
        q, k, v = proj.reshape(steps, n, 3, self.heads, self.key_dim).transpose(2, 1, 3, 0, 4)   # (n, H, T, K)
        scores = np.matmul(q, k.transpose(0, 1, 3, 2))                                          # (n, H, T, T)
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        heads = np.matmul(scores, v).transpose(2, 0, 1, 3).reshape(steps * n, self.heads * self.key_dim)
        return (heads @ self.out + self.out_bias).reshape(steps, n, -1)


class NumpyNetwork:
    """Callable: ``(N, T, F)`` scaled windows -> ``(N, n_classes)`` softmax probabilities (float32), like the tf-keras
    model's ``predict_on_batch`` (inference mode: no dropout, batch-norm on its moving statistics)."""

    def __init__(self, config: dict, weights: dict[str, np.ndarray]):
        layers = _check_graph(config)
        group = _weight_groups(config)

        def var(name: str, i: int, inner: str = "") -> np.ndarray:
            key = f"layers/{group[name]}/{inner}vars/{i}"
            if key not in weights:
                raise UnsupportedNetwork(f"weights file lacks {key}")
            return weights[key]

        def cells(name: str) -> tuple[_Cell, _Cell]:
            return tuple(_Cell.from_keras(*(var(name, i, f"{d}_layer/cell/") for i in range(3)))
                         for d in ("forward", "backward"))

        def norm(name: str) -> tuple[np.ndarray, np.ndarray, float]:
            return var(name, 0), var(name, 1), float(layers[name]["epsilon"])

        def batch_norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            gamma, beta, mean, variance = (var(name, i) for i in range(4))
            scale = gamma / np.sqrt(variance + float(layers[name]["epsilon"]))
            return scale.astype(np.float32), (beta - mean * scale).astype(np.float32)

        self.lstm1, self.lstm2 = cells("bilstm1"), cells("bilstm2")
        self.ln1, self.ln2, self.ln_attn = norm("ln1"), norm("ln2"), norm("ln_attn")
        q, k, v, o = ((var("mha", 0, f"_{p}_dense/"), var("mha", 1, f"_{p}_dense/"))
                      for p in ("query", "key", "value", "output"))
        d, heads, key_dim = q[0].shape
        s = np.float32(1.0 / np.sqrt(key_dim))
        self.attention = _Attention(
            np.concatenate([q[0].reshape(d, -1) * s, k[0].reshape(d, -1), v[0].reshape(d, -1)], 1),
            np.concatenate([q[1].reshape(-1) * s, k[1].reshape(-1), v[1].reshape(-1)]),
            o[0].reshape(heads * key_dim, -1), o[1], heads, key_dim)
        self.bn0, self.bn1 = batch_norm("bn0"), batch_norm("bn1")
        self.dense = [(var(n, 0), var(n, 1)) for n in ("dense1", "dense2", "probs")]
        self.window_length, self.n_features = _input_shape(layers["windows"])
        self.n_classes = int(self.dense[2][0].shape[1])

    @classmethod
    def load(cls, path: str) -> "NumpyNetwork":
        """Read a tf-keras ``.keras`` file (zip of ``config.json`` and ``model.weights.h5``)."""
        import h5py

        try:
            with zipfile.ZipFile(path) as z:
                config = json.loads(z.read("config.json"))
                blob = z.read("model.weights.h5")
        except (zipfile.BadZipFile, KeyError) as exc:
            raise UnsupportedNetwork(f"{path} is not a .keras (v3) file: {exc}") from None
        weights: dict[str, np.ndarray] = {}
        with h5py.File(io.BytesIO(blob), "r") as f:
            f.visititems(lambda name, obj: weights.__setitem__(name, np.asarray(obj, np.float32))
                         if isinstance(obj, h5py.Dataset) else None)
        return cls(config, weights)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        if x.ndim != 3 or x.shape[1:] != (self.window_length, self.n_features):
            raise ValueError(f"windows must be (N, {self.window_length}, {self.n_features}), got {x.shape}")
        n = len(x)
        return self.predict_indexed(x.reshape(n * self.window_length, self.n_features),
                                    np.arange(n * self.window_length).reshape(n, self.window_length),
                                    batch_size=max(n, 1))

    def predict_indexed(self, frames: np.ndarray, index: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """``(M, F)`` scaled frames and ``(N, T)`` frame numbers of each window -> ``(N, n_classes)``, as
        ``self(frames[index])``. Why: windows overlap (70 % at the default stride), so each frame is in about three;
        the first layer's input projection, about a fifth of the work, is done once per frame and then gathered."""
        frames = np.asarray(frames, np.float32)
        index = np.asarray(index)
        if frames.ndim != 2 or frames.shape[1] != self.n_features:
            raise ValueError(f"frames must be (M, {self.n_features}), got {frames.shape}")
        if index.ndim != 2 or index.shape[1] != self.window_length:
            raise ValueError(f"window index must be (N, {self.window_length}), got {index.shape}")
        if len(index) == 0:
            return np.zeros((0, self.n_classes), np.float32)
        with np.errstate(over="ignore"):
            projected = [_project(frames, cell) for cell in self.lstm1]          # (M, 4u): every frame once
            return np.concatenate([self._from_projected([p[steps] for p in projected])
                                   for steps in (index[i:i + batch_size].T for i in range(0, len(index), batch_size))])

    def _from_projected(self, inputs: list[np.ndarray]) -> np.ndarray:
        """The first layer's time-major ``(T, n, 4u)`` input projections, per direction -> probabilities."""
        h = _layer_norm(_run_bilstm(inputs, self.lstm1), *self.ln1)
        h = _layer_norm(_bilstm(h, self.lstm2), *self.ln2)
        h = _layer_norm(h + self.attention(h), *self.ln_attn)
        z = np.concatenate([h.mean(0), h.max(0)], -1) * self.bn0[0] + self.bn0[1]
        z = np.maximum(z @ self.dense[0][0] + self.dense[0][1], 0.0) * self.bn1[0] + self.bn1[1]
        z = np.maximum(z @ self.dense[1][0] + self.dense[1][1], 0.0)
        z = z @ self.dense[2][0] + self.dense[2][1]
        z = np.exp(z - z.max(-1, keepdims=True))
        return (z / z.sum(-1, keepdims=True)).astype(np.float32, copy=False)


def _layers(config: dict) -> list[dict]:
    try:
        return list(config["config"]["layers"])
    except (KeyError, TypeError):
        raise UnsupportedNetwork("config.json has no functional model's layer list") from None


def _check_graph(config: dict) -> dict[str, dict]:
    """Layer name -> its config, after checking every choice the forward pass above hard-codes."""
    layers = _layers(config)
    found = tuple((l.get("name") or l.get("config", {}).get("name"), l.get("class_name")) for l in layers)
    if found != EXPECTED_LAYERS:
        raise UnsupportedNetwork(f"layer graph {found} is not the one build_network makes")
    by_name = {name: l["config"] for (name, _), l in zip(found, layers)}

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise UnsupportedNetwork(what)

    for name in ("bilstm1", "bilstm2"):
        cfg = by_name[name]
        inner = cfg.get("layer", {}).get("config", {})
        need(cfg.get("merge_mode") == "concat", f"{name}: merge_mode {cfg.get('merge_mode')!r}")
        need(inner.get("activation") == "tanh" and inner.get("recurrent_activation") == "sigmoid"
             and inner.get("use_bias", True) and inner.get("return_sequences") and not inner.get("go_backwards")
             and not inner.get("stateful") and not inner.get("time_major"), f"{name}: unsupported LSTM options")
    last_axis = {"ln1": 2, "ln2": 2, "ln_attn": 2, "bn0": 1, "bn1": 1}     # rank 3 (time, features) / rank 2
    for name, axis in last_axis.items():
        cfg = by_name[name]
        need(cfg.get("center", True) and cfg.get("scale", True), f"{name}: center/scale off")
        need(cfg.get("axis") in ([axis], [-1], axis, -1), f"{name}: normalises over axis {cfg.get('axis')}")
    mha = by_name["mha"]
    need(mha.get("use_bias", True) and mha.get("attention_axes") in (None, [1], (1,)) and mha.get("output_shape") is None
         and (mha.get("value_dim") in (None, mha.get("key_dim"))), "mha: unsupported attention options")
    for name, act in DENSE_ACTIVATIONS.items():
        need(by_name[name].get("activation") == act and by_name[name].get("use_bias", True),
             f"{name}: activation {by_name[name].get('activation')!r}, expected {act}")
    return by_name


def _weight_groups(config: dict) -> dict[str, str]:
    """Layer name -> its HDF5 group: class names in snake case, numbered per class in layer order."""
    used: dict[str, int] = {}
    groups = {}
    for layer in _layers(config):
        base = _snake(layer["class_name"])
        used[base] = used.get(base, -1) + 1
        groups[layer.get("name") or layer["config"]["name"]] = base if used[base] == 0 else f"{base}_{used[base]}"
    return groups


def _input_shape(cfg: dict) -> tuple[int, int]:
    shape = cfg.get("batch_input_shape") or cfg.get("batch_shape")
    if not shape or len(shape) != 3 or not all(isinstance(s, int) for s in shape[1:]):
        raise UnsupportedNetwork(f"input shape {shape} is not (batch, window_length, n_features)")
    return int(shape[1]), int(shape[2])
