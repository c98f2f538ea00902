"""The one typed configuration of a training run (data preparation, augmentation, network, optimisation).

Every knob lives here so a run is reproducible from its saved ``config.json`` alone, and ``train --config FILE``
can override any subset (unknown keys are an error: a typo must not silently fall back to a default).
Defaults follow the seed paper (sections 4.4-5) unless a comment says otherwise.
"""

from __future__ import annotations

from ..contract import WindowSettings
from ..errors import UserError

import dataclasses
import json
from dataclasses import dataclass, field, fields


class ConfigError(UserError):
    """A config file or override that cannot be used. Message is one line, safe to print."""


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


@dataclass(frozen=True)
class AugmentConfig:
    enabled: bool = True
    stretch_p: float = 0.5      # paper: time stretch 0.8-1.2 (probability not given; 0.5 keeps half the windows as-is)
    stretch_min: float = 0.8
    stretch_max: float = 1.2
    noise_p: float = 0.3
    noise_sigma: float = 0.01
    shift_p: float = 0.3
    shift_max: int = 2
    mirror_p: float = 0.5       # left/right mirror keeps the label (a curl with the other arm is still a curl)


@dataclass(frozen=True)
class SplitConfig:
    train: float = 0.70
    val: float = 0.15
    test: float = 0.15
    seed: int = 42
    single_group_classes: str = "error"  # or "train": a class with one source group is trained on, not tested

    def __post_init__(self) -> None:
        for name in ("train", "val", "test"):
            _check(0.0 <= getattr(self, name) <= 1.0, f"split.{name} must be in [0, 1]")
        _check(abs(self.train + self.val + self.test - 1.0) < 1e-6, "split fractions must add up to 1")
        _check(self.single_group_classes in ("error", "train"), "split.single_group_classes must be error or train")


@dataclass(frozen=True)
class NetworkConfig:
    lstm1_units: int = 64
    lstm2_units: int = 32
    lstm_dropout: float = 0.2
    attention_heads: int = 4
    attention_key_dim: int = 32
    dense1_units: int = 64
    dense1_dropout: float = 0.3
    dense2_units: int = 32
    dense2_dropout: float = 0.2


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 100
    batch_size: int = 32        # per worker
    learning_rate: float = 1e-3
    focal_alpha: float = 1.0
    focal_gamma: float = 2.0
    class_weights: bool = True  # balanced weights folded into the focal loss' alpha_t
    early_stopping_patience: int = 15   # on val accuracy; best weights always restored
    reduce_lr_patience: int = 8         # on val loss
    reduce_lr_factor: float = 0.5
    min_lr: float = 1e-6
    seed: int = 1234

    def __post_init__(self) -> None:
        _check(self.epochs >= 1, f"train.epochs must be >= 1, got {self.epochs}")
        _check(self.batch_size >= 1, f"train.batch_size must be >= 1, got {self.batch_size}")
        _check(self.learning_rate > 0, f"train.learning_rate must be > 0, got {self.learning_rate}")
        _check(self.focal_gamma >= 0, f"train.focal_gamma must be >= 0, got {self.focal_gamma}")
        _check(self.early_stopping_patience >= 1, "train.early_stopping_patience must be >= 1")


@dataclass(frozen=True)
class StatsConfig:
    """The per-video statistics member (a tree ensemble) and how its probabilities join the network's.

    Defaults are the best setting of the leave-one-source-out cross-validation on real-dev (docs/accuracy.md).
    """

    enabled: bool = True
    kind: str = "random_forest"       # or "extra_trees"
    n_trees: int = 300
    min_samples_leaf: int = 1
    max_features: str = "sqrt"
    mirror: bool = True               # train on left/right-mirrored copies too
    mirror_tta: bool = True           # average a video's and its mirror's probabilities
    synthetic_per_class: int = 20     # fast-path synthetic sequences per class, training only
    synthetic_weight: float = 1.0     # sample weight of a synthetic video relative to a real one
    weight: float = 1.0               # share of the stats member in the combined probabilities (network: 1 - weight)
    temperature: float = 1.0          # calibration of the forest's probabilities (``cv`` recommends one)
    seed: int = 0
    negatives_per_motion: int = 20    # synthetic non-exercise clips per motion for the "none of the 22" forest (0: off)
    none_threshold: float = 0.5       # P(none of the 22) from which a video is flagged

    def __post_init__(self) -> None:
        _check(self.kind in ("random_forest", "extra_trees"), "stats.kind must be random_forest or extra_trees")
        _check(self.n_trees >= 1, "stats.n_trees must be >= 1")
        _check(self.min_samples_leaf >= 1, "stats.min_samples_leaf must be >= 1")
        _check(self.max_features in ("sqrt", "log2"), "stats.max_features must be sqrt or log2")
        _check(self.synthetic_per_class >= 0, "stats.synthetic_per_class must be >= 0")
        _check(self.synthetic_weight >= 0, "stats.synthetic_weight must be >= 0")
        _check(0.0 <= self.weight <= 1.0, "stats.weight must be in [0, 1]")
        _check(self.temperature > 0, "stats.temperature must be > 0")
        _check(self.negatives_per_motion >= 0, "stats.negatives_per_motion must be >= 0")
        _check(0.0 < self.none_threshold <= 1.0, "stats.none_threshold must be in (0, 1]")


@dataclass(frozen=True)
class Config:
    windows: WindowSettings = field(default_factory=WindowSettings)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    stats: StatsConfig = field(default_factory=StatsConfig)

    # -- (de)serialisation -------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "Config":
        return _merge(cls(), data, "")

    @classmethod
    def from_json(cls, text: str) -> "Config":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError("config must be a JSON object")
        return cls.from_dict(data)

    def override(self, data: dict) -> "Config":
        """A copy with the (possibly partial, nested) values of ``data`` applied."""
        return _merge(self, data, "")

    def replace(self, section: str, **values) -> "Config":
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **values)})


def _merge(obj, data: dict, prefix: str):
    if not isinstance(data, dict):
        raise ConfigError(f"config section {prefix or '<root>'} must be an object")
    known = {f.name: f for f in fields(obj)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"unknown config key(s) {', '.join(prefix + k for k in unknown)}; "
                          f"known: {', '.join(prefix + k for k in known)}")
    changes = {}
    for key, value in data.items():
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            changes[key] = _merge(current, value, f"{prefix}{key}.")
        else:
            changes[key] = _coerce(current, value, prefix + key)
    return dataclasses.replace(obj, **changes)


def _coerce(current, value, name: str):
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"config key {name} must be true/false, got {value!r}")
        return value
    if isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key {name} must be an integer, got {value!r}")
        return value
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key {name} must be a number, got {value!r}")
        return float(value)
    return value


def load_config(uri: str | None) -> Config:
    """Defaults, overridden by the JSON file at ``uri`` (local or s3://) when given."""
    if not uri:
        return Config()
    from .. import storage

    try:
        text = storage.read_bytes(uri).decode("utf-8")
    except (OSError, FileNotFoundError) as exc:
        raise ConfigError(f"cannot read config {uri}: {exc}") from None
    return Config.from_json(text)
