"""Data-parallel training under Ray Train (``TensorflowTrainer`` + ``MultiWorkerMirroredStrategy``, tf-keras).

The Keras side (network, loss, early stopping) lives in :mod:`exercise_classifier.model.training`; this module is
the Ray side only: datasets, the per-worker loop, reporting and checkpoints.

Driver side (:func:`train_distributed`): raw training windows go into a Ray Dataset that Ray splits evenly between
the workers (equal row counts, so every worker runs the same number of steps and the collective all-reduce never
waits for a missing batch). Each worker augments and scales its batches afresh every epoch as they stream in
(in the worker: the workers hold every CPU the job reserved, so a separate Ray Data task could starve).
The (already scaled) validation set is *not* split: every worker evaluates all of it, and the strategy
all-reduces the sums, so ``val_accuracy``/``val_loss`` are the same number on every worker. Therefore
early stopping and ReduceLROnPlateau take the same decision everywhere and workers never diverge or hang.

Worker side (:func:`train_loop_per_worker`): build + compile inside the strategy scope, ``fit`` with the model's
callbacks plus :class:`RayReport`, which reports every epoch's metrics to Ray; when val accuracy improved, rank 0
attaches a checkpoint of the model (the "checkpoint best" of the paper, and what a restarted run could resume from).

After ``fit`` every rank saves the final (best) model into its own temp dir and rank 0 reports it with
``history.json``; the driver reads that last checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from ..model.config import Config
from ..model.training import TrainData

log = logging.getLogger(__name__)

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
WORKER_ENV = {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "GLOG_minloglevel": "2"}


@dataclass
class TrainOutcome:
    model_path: str        # local path of the trained (best-restored) model.keras
    history: dict          # per-epoch lists: loss, accuracy, val_loss, val_accuracy, lr, epoch_s
    best_epoch: int        # 1-based
    epochs_run: int
    seconds: float
    workdir: str           # temp dir holding model_path; caller removes it (see cleanup())

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def _tensor_table(x: np.ndarray, y: np.ndarray):
    import pyarrow as pa
    from ray.data.extensions import ArrowTensorArray

    return pa.table({"x": ArrowTensorArray.from_numpy(np.ascontiguousarray(x, np.float32)),
                     "y": pa.array(np.asarray(y, np.int64))})


def to_ray_dataset(x: np.ndarray, y: np.ndarray, rows_per_block: int = 2048):
    """Numpy windows + labels -> a Ray Dataset with columns ``x`` (tensor) and ``y`` (int64)."""
    import ray.data

    n = len(x)
    starts = range(0, max(n, 1), rows_per_block)
    return ray.data.from_arrow([_tensor_table(x[s:s + rows_per_block], y[s:s + rows_per_block]) for s in starts])


def _ray_report(keras, rank: int):
    import ray.train

    from ..model.network import save_model

    class RayReport(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = dict(logs or {})
            metrics = {k: float(v) for k, v in logs.items()}
            metrics["epoch"] = epoch + 1
            with tempfile.TemporaryDirectory() as d:
                checkpoint = None
                if logs.get("improved"):
                    save_model(self.model, os.path.join(d, MODEL_FILE))  # every rank saves (own dir)
                    if rank == 0:
                        checkpoint = ray.train.Checkpoint.from_directory(d)
                ray.train.report(metrics, checkpoint=checkpoint)

    return RayReport()


def _tf_stream(tf, shard, shape, batch_size, shuffle_buffer, transform, seed=None):
    """A ``tf.data.Dataset`` over a Ray dataset shard; re-iterating it (next epoch) streams the shard again.

    With ``seed``, epoch k shuffles with ``seed + k``: the order differs between epochs, yet a re-run with the same
    shard shuffles the same way (Ray's local shuffle is unseeded otherwise)."""
    epoch = [0]

    def gen():
        shuffle_seed = None if seed is None or shuffle_buffer is None else seed + epoch[0]
        epoch[0] += 1
        for batch in shard.iter_batches(batch_size=batch_size, batch_format="numpy",
                                        local_shuffle_buffer_size=shuffle_buffer, local_shuffle_seed=shuffle_seed):
            if transform is not None:
                batch = transform(batch)
            yield np.asarray(batch["x"], np.float32), np.asarray(batch["y"], np.int64)

    return tf.data.Dataset.from_generator(gen, output_signature=(
        tf.TensorSpec((None, *shape), tf.float32), tf.TensorSpec((None,), tf.int64)))


def train_loop_per_worker(config: dict) -> None:
    """Runs on every Ray Train worker. ``config``: ``cfg`` (Config dict), ``class_weights``, ``n_classes``,
    ``window_length``, ``n_features``."""
    for k, v in WORKER_ENV.items():
        os.environ.setdefault(k, v)
    import ray.train
    import tensorflow as tf

    from ..model.augment import AugmentAndScale
    from ..model.network import keras_module, save_model
    from ..model.training import callbacks, compile_model

    keras = keras_module()
    cfg = Config.from_dict(config["cfg"])
    ctx = ray.train.get_context()
    rank = ctx.get_world_rank()
    keras.utils.set_random_seed(cfg.train.seed)

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = compile_model(keras, cfg, config["window_length"], config["n_features"], config["n_classes"],
                              config["class_weights"])

    opts = tf.data.Options()
    opts.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF  # Ray already shards
    bs = cfg.train.batch_size
    shape = (config["window_length"], config["n_features"])
    # Augmentation runs here, in the worker, on each batch as it streams in: the workers hold all the CPUs a
    # Ray Train job reserves, so a separate Ray Data task for it could starve (measured: it never got scheduled).
    train = _tf_stream(tf, ray.train.get_dataset_shard("train"), shape, bs, bs * 16,
                       AugmentAndScale(cfg.augment, config["mean"], config["scale"], seed=cfg.train.seed + rank),
                       seed=cfg.train.seed * 1000 + rank * 100).with_options(opts)
    val = _tf_stream(tf, ray.train.get_dataset_shard("val"), shape, bs * 4, None, None).with_options(opts)

    best, model_callbacks = callbacks(keras, cfg)
    hist = model.fit(train, validation_data=val, epochs=cfg.train.epochs, verbose=0,
                     callbacks=[*model_callbacks, _ray_report(keras, rank)])
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    with tempfile.TemporaryDirectory() as d:
        save_model(model, os.path.join(d, MODEL_FILE))
        with open(os.path.join(d, HISTORY_FILE), "w") as f:
            json.dump({"history": history, "best_epoch": best.best_epoch + 1,
                       "epochs_run": len(history.get("loss", []))}, f)
        ray.train.report({"final": 1.0, "best_val_accuracy": float(best.best)},
                         checkpoint=ray.train.Checkpoint.from_directory(d) if rank == 0 else None)


def train_distributed(data: TrainData, cfg: Config, *, num_workers: int = 2, use_gpu: bool = False,
                      storage_path: str | None = None, name: str | None = None) -> TrainOutcome:
    """Train with Ray Train on an initialised Ray; returns the best model copied to a local temp dir."""
    from ray.train import CheckpointConfig, DataConfig, RunConfig, ScalingConfig
    from ray.train.tensorflow import TensorflowTrainer

    t0 = time.time()
    if len(data.x_train) == 0 or len(data.x_val) == 0:
        raise ValueError(f"need training and validation windows (train {len(data.x_train)}, val {len(data.x_val)})")
    train_ds = to_ray_dataset(data.x_train, data.y_train)   # raw; augmented + scaled in the workers
    x_val = ((data.x_val - data.mean.astype(np.float32)) / data.scale.astype(np.float32)).astype(np.float32)
    val_ds = to_ray_dataset(x_val, data.y_val)

    own_storage = storage_path is None
    storage_path = storage_path or tempfile.mkdtemp(prefix="exc-train-")
    resources = {"CPU": 1, "GPU": 1} if use_gpu else {"CPU": 1}
    trainer = TensorflowTrainer(
        train_loop_per_worker,
        train_loop_config={
            "cfg": cfg.to_dict(), "class_weights": [float(w) for w in data.class_weights],
            "n_classes": int(data.n_classes), "window_length": int(data.x_train.shape[1]),
            "n_features": int(data.x_train.shape[2]),
            "mean": np.asarray(data.mean, np.float32), "scale": np.asarray(data.scale, np.float32),
        },
        scaling_config=ScalingConfig(num_workers=num_workers, use_gpu=use_gpu, resources_per_worker=resources),
        run_config=RunConfig(name=name or f"train-{int(time.time())}", storage_path=storage_path,
                             checkpoint_config=CheckpointConfig(num_to_keep=1),
                             worker_runtime_env={"env_vars": dict(WORKER_ENV)}),
        datasets={"train": train_ds, "val": val_ds},
        dataset_config=DataConfig(datasets_to_split=["train"]),
    )
    result = trainer.fit()
    workdir = tempfile.mkdtemp(prefix="exc-model-")
    try:
        with result.checkpoint.as_directory() as d:
            shutil.copy(os.path.join(d, MODEL_FILE), os.path.join(workdir, MODEL_FILE))
            with open(os.path.join(d, HISTORY_FILE)) as f:
                info = json.load(f)
    finally:
        if own_storage:
            shutil.rmtree(storage_path, ignore_errors=True)
    return TrainOutcome(os.path.join(workdir, MODEL_FILE), info["history"], int(info["best_epoch"]),
                        int(info["epochs_run"]), time.time() - t0, workdir)
