"""Unit tests of the pure parts: windows, scaler, loss, voting, split, augmentation, config, metrics, report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exercise_classifier.model.augment import augment_batch, time_shift, time_stretch
from exercise_classifier.contract import WindowSettings
from exercise_classifier.model.config import AugmentConfig, Config, ConfigError, SplitConfig
from exercise_classifier.model.evaluation import compute_metrics, expected_calibration_error
from exercise_classifier.model.losses import balanced_class_weights, focal_loss_numpy
from exercise_classifier.contract import Scaler
from exercise_classifier.model.split import SplitError, split_videos
from exercise_classifier.model.voting import decide, vote
from exercise_classifier.model.windows import make_windows, window_starts


def frames(n, f=3, start=0):
    """Frame t has every feature equal to start + t: windows reveal exactly which frames they hold."""
    return np.repeat(np.arange(start, start + n, dtype=np.float32)[:, None], f, axis=1)


# -- windows -----------------------------------------------------------------------------------------------------
def test_windows_stride_overlap_and_tail():
    w = make_windows(frames(44), None, WindowSettings(20, 6, 10))
    starts = [int(x[0, 0]) for x in w]
    assert starts == [0, 6, 12, 18, 24]          # 44-20=24 is a multiple of 6: no extra tail window
    assert w.shape == (5, 20, 3)
    assert all(np.array_equal(x[:, 0], np.arange(s, s + 20)) for s, x in zip(starts, w))
    assert (20 - 6) / 20 == pytest.approx(0.7)   # 70 % overlap
    assert window_starts(45, 20, 6) == [0, 6, 12, 18, 24, 25]  # tail window aligned to the end


def test_windows_never_cross_segments_and_pad_short_ones():
    feats = frames(20 + 25 + 12 + 5)
    seg = np.array([0] * 20 + [1] * 25 + [2] * 12 + [3] * 5)
    w = make_windows(feats, seg, WindowSettings(20, 6, 10))
    for x in w:                                   # every window lies inside one segment
        assert len({int(seg[int(v)]) for v in x[:, 0]}) == 1
    firsts = [int(x[0, 0]) for x in w]
    assert firsts == [0, 20, 25, 45]              # seg0: 1, seg1: 0 and tail 5, seg2 padded, seg3 (5 < 10) skipped
    padded = w[-1]
    assert np.array_equal(padded[:12, 0], np.arange(45, 57)) and np.all(padded[12:, 0] == 56)  # edge repeat


def test_windows_too_short_and_shape_errors():
    assert make_windows(frames(9), None, WindowSettings(20, 6, 10)).shape == (0, 20, 3)
    with pytest.raises(ValueError):
        make_windows(frames(30), np.zeros(29), WindowSettings())


# -- scaler ------------------------------------------------------------------------------------------------------
def test_scaler_matches_sklearn_and_round_trips_json():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(3, 2, size=(7, 20, 5)).astype(np.float32)
    x[..., 4] = 1.5                               # constant feature -> scale 1, not a division by zero
    s = Scaler.fit(x)
    ref = StandardScaler().fit(x.reshape(-1, 5))
    np.testing.assert_allclose(s.mean, ref.mean_, rtol=1e-6)
    np.testing.assert_allclose(s.scale, ref.scale_, rtol=1e-6)
    text = json.dumps(s.to_dict())
    assert json.loads(text)["format"] == "standard-scaler/v1"
    s2 = Scaler.from_dict(json.loads(text))
    np.testing.assert_array_equal(s2.transform(x), s.transform(x))
    with pytest.raises(ValueError):
        Scaler.from_dict({"format": "pickle", "mean": [0], "scale": [1]})


# -- focal loss --------------------------------------------------------------------------------------------------
def test_focal_loss_known_value_numpy_and_tf():
    probs = np.array([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3]], np.float32)
    y = np.array([0, 2])
    # -(1-.8)^2 ln .8 = 0.0089257; -(1-.3)^2 ln .3 = 0.5899467; mean = 0.2994362
    expected = (0.2 ** 2 * -np.log(0.8) + 0.7 ** 2 * -np.log(0.3)) / 2
    assert focal_loss_numpy(y, probs) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(0.2994362, rel=1e-6)
    w = [1.0, 1.0, 3.0]
    assert focal_loss_numpy(y, probs, class_weights=w) == pytest.approx(
        (0.2 ** 2 * -np.log(0.8) + 3 * 0.7 ** 2 * -np.log(0.3)) / 2, rel=1e-6)

    from exercise_classifier.model.losses import make_focal_loss
    from exercise_classifier.model.network import keras_module

    keras = keras_module()
    loss = make_focal_loss(keras, 1.0, 2.0, w)
    assert float(loss(y, probs)) == pytest.approx(focal_loss_numpy(y, probs, class_weights=w), rel=1e-5)
    # gamma 0, alpha 1, no weights = cross-entropy
    ce = keras.losses.SparseCategoricalCrossentropy()(y, probs)
    assert float(make_focal_loss(keras, 1.0, 0.0)(y, probs)) == pytest.approx(float(ce), rel=1e-5)


def test_balanced_class_weights():
    w = balanced_class_weights(np.array([0, 0, 0, 2]), 4)
    np.testing.assert_allclose(w, [4 / 6, 0, 2, 0])


# -- voting ------------------------------------------------------------------------------------------------------
def test_vote_confidence_weighted():
    p = np.array([[0.9, 0.05, 0.05], [0.4, 0.5, 0.1], [0.45, 0.55, 0.0]])
    r = vote(p)
    # votes: class 0 gets 0.9, class 1 gets 0.5 + 0.55 = 1.05 -> class 1 wins despite fewer confident windows
    assert r.label == 1
    assert r.confidence == pytest.approx(np.mean([0.05, 0.5, 0.55]))
    assert [c for c, _ in r.top3] == [1, 0, 2]
    assert r.window_argmax.tolist() == [0, 1, 1]
    assert r.votes.sum() == pytest.approx(1.0)


def test_vote_tie_break_and_errors():
    r = vote(np.array([[0.6, 0.4], [0.4, 0.6]]))      # equal votes, equal mean -> lower index
    assert r.label == 0
    with pytest.raises(ValueError):
        vote(np.zeros((0, 3)))


def test_decide_blends_members_and_answers_with_either_alone():
    windows = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]])       # network: class 0 (mean 0.65)
    stats = np.array([0.1, 0.8, 0.1])                              # statistics: class 1
    assert decide(windows, None, 0.5).members == "network" and decide(windows, None, 0.5).label == 0
    assert decide(windows, stats, 0.0).label == 0                  # weight 0: the network's vote
    only = decide(np.zeros((0, 3)), stats, 0.0)                    # too short for a window: statistics answer
    assert only.members == "stats" and only.label == 1 and only.confidence == pytest.approx(0.8)
    blend = decide(windows, stats, 0.5)                            # 0.5 * 0.8 + 0.5 * 0.25 = 0.525 > 0.375
    assert blend.members == "network+stats" and blend.label == 1
    assert blend.confidence == pytest.approx(0.525) and [c for c, _ in blend.top3] == [1, 0, 2]
    assert decide(windows, stats, 0.2).label == 0                  # 0.2 * 0.1 + 0.8 * 0.65 wins for class 0
    assert decide(None, None, 0.5) is None


def test_forest_export_matches_sklearn_and_round_trips_without_pickle(tmp_path):
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    from exercise_classifier.model.forest import Forest

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 7)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) + 2 * (x[:, 3] > 0.5)             # classes 0..3, class 2 rare
    test = rng.normal(size=(50, 7)).astype(np.float32)
    for kind in (RandomForestClassifier, ExtraTreesClassifier):
        est = kind(n_estimators=25, random_state=0, class_weight="balanced").fit(x, y)
        forest = Forest.from_sklearn(est)
        np.testing.assert_allclose(forest.predict_proba(test), est.predict_proba(test), atol=1e-6)
        forest.save(str(tmp_path / "f.npz"))
        with np.load(tmp_path / "f.npz", allow_pickle=False) as z:   # loads with pickle disabled
            assert "format" in z.files
        back = Forest.load(str(tmp_path / "f.npz"))
        np.testing.assert_allclose(back.predict_proba(test), est.predict_proba(test), atol=2e-3)  # float16 leaves
        assert (back.predict_proba(test).argmax(1) == est.predict(test)).mean() >= 0.98
    with pytest.raises(ValueError):
        forest.predict_proba(test[:, :3])


def test_a_montage_is_the_frame_weighted_mean_of_its_shots():
    from exercise_classifier.features.descriptors import NUM_DESCRIPTORS
    from exercise_classifier.model.config import StatsConfig
    from exercise_classifier.model.stats_model import StatsModel

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, NUM_DESCRIPTORS)).astype(np.float32)
    y = np.arange(60) % 3
    model = StatsModel.fit(x, y, 4, StatsConfig(n_trees=20, mirror=False), negatives=None)
    videos = x[:3]
    shots = [None, [(x[3], 30), (x[4], 90)], [(x[5], 40)]]                       # one shot: the whole video
    got = model.video_proba(videos, shots)
    whole = model.predict_proba(videos)
    each = model.predict_proba(x[3:5])
    np.testing.assert_allclose(got[0], whole[0])
    np.testing.assert_allclose(got[1], 0.25 * each[0] + 0.75 * each[1], rtol=1e-6)
    np.testing.assert_allclose(got[2], whole[2])
    np.testing.assert_allclose(model.video_proba(videos), whole)


def test_video_stats_are_order_free_mirror_exactly_and_ignore_gaps():
    from exercise_classifier.features.mirror import mirror_features
    from exercise_classifier.features.video_stats import NUM_STATS, STATS_NAMES, mirror_stats, video_stats

    rng = np.random.default_rng(1)
    f = rng.normal(size=(40, 83)).astype(np.float32)
    seg = np.r_[np.zeros(15), np.ones(25)].astype(np.int32)
    s = video_stats(f, seg)
    assert s.shape == (NUM_STATS,) == (len(STATS_NAMES),) and np.isfinite(s).all()
    np.testing.assert_allclose(mirror_stats(s), video_stats(mirror_features(f), seg), atol=1e-5)
    np.testing.assert_allclose(mirror_stats(mirror_stats(s)), s, atol=1e-6)
    # the jump between segments is not motion: moving the second segment far away changes only the levels
    moved = f.copy()
    moved[15:] += 100.0
    motion = [i for i, n in enumerate(STATS_NAMES) if n.endswith(":motion")]
    np.testing.assert_allclose(video_stats(moved, seg)[motion], s[motion], rtol=1e-4, atol=1e-4)
    assert video_stats(f[:1]).shape == (NUM_STATS,)                 # one frame is enough for a best-effort label
    with pytest.raises(ValueError):
        video_stats(f[:0])


# -- split -------------------------------------------------------------------------------------------------------
def test_split_groups_never_straddle_and_is_stratified():
    labels, groups = [], []
    for c in "abcd":
        for g in range(6):
            for k in range(3):
                labels.append(c)
                groups.append(f"{c}{g}")
    s = split_videos(labels, groups, SplitConfig(seed=1))
    where = {}
    for name, idx in s.as_dict().items():
        for i in idx:
            where.setdefault(groups[i], set()).add(name)
    assert all(len(v) == 1 for v in where.values())
    assert sorted(s.train + s.val + s.test) == list(range(len(labels)))
    for part in (s.train, s.val, s.test):
        assert {labels[i] for i in part} == set("abcd")          # every class in every split
    assert s == split_videos(labels, groups, SplitConfig(seed=1))  # fixed seed -> same split
    assert len(s.train) > len(s.test)


def test_split_small_classes():
    s = split_videos(["a", "a", "b", "b", "b"], None)
    assert {0, 1} & set(s.train) and {0, 1} & set(s.test)          # 2 videos: one train, one test
    assert {2, 3, 4} & set(s.val)
    with pytest.raises(SplitError, match="only one video.*cannot be in both train and test"):
        split_videos(["a", "a", "b"], None)
    with pytest.raises(SplitError, match="only one group"):
        split_videos(["a", "a", "b", "b"], ["g1", "g2", "g3", "g3"])


# -- augmentation ------------------------------------------------------------------------------------------------
def test_augmentation_shapes_and_operations():
    w = frames(20, 4)
    assert np.array_equal(time_stretch(w, 1.0), w)
    fast = time_stretch(w, 1.2)
    assert fast[0, 0] < w[0, 0] + 1e-6 and fast[-1, 0] == 19      # covers more motion, clamped at the edges
    assert np.array_equal(time_shift(w, 2)[:3, 0], [0, 0, 0]) and time_shift(w, 2)[5, 0] == 3
    flip = lambda x: x[..., ::-1] * 2                              # stand-in mirror: label must not depend on it
    x = np.stack([w, w + 100])
    out = augment_batch(x, AugmentConfig(stretch_p=1, noise_p=1, shift_p=1, mirror_p=1), np.random.default_rng(0),
                        mirror=flip)
    assert out.shape == x.shape and out.dtype == np.float32 and not np.array_equal(out, x)
    assert np.array_equal(augment_batch(x, AugmentConfig(enabled=False), np.random.default_rng(0)), x)


def test_augment_and_scale_keeps_labels_with_real_mirror():
    from exercise_classifier.features.mirror import mirror_features
    from exercise_classifier.model.augment import AugmentAndScale

    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 20, 83)).astype(np.float32)
    y = np.arange(16) % 5
    np.testing.assert_allclose(mirror_features(mirror_features(x)), x, atol=1e-6)  # mirror is an involution
    out = AugmentAndScale(AugmentConfig(mirror_p=1.0), np.zeros(83), np.ones(83))({"x": x, "y": y})
    assert out["x"].shape == x.shape and out["y"].tolist() == y.tolist()


# -- config ------------------------------------------------------------------------------------------------------
def test_config_json_round_trip_and_overrides():
    cfg = Config().override({"train": {"epochs": 3, "learning_rate": 1}, "windows": {"stride": 5}})
    assert cfg.train.epochs == 3 and cfg.train.learning_rate == 1.0 and cfg.windows.stride == 5
    assert Config.from_json(cfg.to_json()) == cfg
    with pytest.raises(ConfigError, match="unknown config key.*train.epoch"):
        Config().override({"train": {"epoch": 3}})
    with pytest.raises(ConfigError, match="integer"):
        Config().override({"train": {"epochs": "3"}})


# -- metrics + report --------------------------------------------------------------------------------------------
def test_metrics_and_report():
    from exercise_classifier.model.report import render_html

    names = ["a", "b", "c", "d"]
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 0, 1, 0, 1, 1])
    conf = np.array([0.9, 0.7, 0.5, 0.95, 0.65, 0.3])
    m = compute_metrics(y, p, conf, names)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["zero_recall_classes"] == ["c"]
    assert m["per_class"]["a"]["recall"] == 1.0 and m["per_class"]["b"]["recall"] == 0.5
    assert m["top_confusions"][0] == {"true": "c", "predicted": "b", "count": 2, "share_of_true": 1.0}
    assert [b["count"] for b in m["confidence_bins"]] == [2, 2, 2]
    assert m["confusion_matrix"]["labels"] == ["a", "b", "c"]
    for key in ("balanced_accuracy", "cohen_kappa", "macro_precision", "macro_recall", "macro_f1",
                "expected_calibration_error"):
        assert isinstance(m[key], float)
    assert expected_calibration_error(np.array([1, 1]), np.array([1.0, 1.0])) == 0.0
    html = render_html({"video": m, "window": m}, title="t", history={"loss": [2, 1], "val_loss": [2, 1.5]},
                       confidences={"video": (conf, y == p)})
    # curves + 2 x (confusion, per-class) + 1 confidence histogram
    assert html.count("data:image/png;base64,") == 6 and "cohen_kappa" in html and "<0.6" in html.replace("&lt;", "<")


def test_single_group_classes_can_be_sent_to_training_only():
    from exercise_classifier.model.config import SplitConfig
    from exercise_classifier.model.split import SplitError, split_videos

    labels = ["squat"] * 6 + ["plank"]
    groups = [f"g{i}" for i in range(6)] + ["lonely"]
    with pytest.raises(SplitError, match="only one"):
        split_videos(labels, groups)
    s = split_videos(labels, groups, SplitConfig(single_group_classes="train"))
    assert 6 in s.train and 6 not in s.test + s.val
    assert {0, 1, 2, 3, 4, 5} == set(s.train + s.val + s.test) - {6}
    with pytest.raises(ConfigError, match="single_group_classes"):  # refused when the config is made
        SplitConfig(single_group_classes="maybe")


def test_temperature_scaling_fits_the_nll_minimum_and_keeps_the_winner():
    from exercise_classifier.model.calibration import apply_temperature, fit_temperature
    from exercise_classifier.model.evaluation import expected_calibration_error

    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, 3000)
    logits = rng.normal(size=(3000, 5))
    logits[np.arange(3000), y] += 2.0
    soft = np.exp(logits / 3)
    soft /= soft.sum(axis=1, keepdims=True)                       # diffuse, like a forest's averaged leaves
    t = fit_temperature(soft, y)
    grid = np.exp(np.linspace(np.log(0.05), np.log(10), 400))
    nll = [-np.log(apply_temperature(soft, g)[np.arange(3000), y]).mean() for g in grid]
    assert t == pytest.approx(grid[int(np.argmin(nll))], rel=0.02) and t < 1.0
    cal = apply_temperature(soft, t)
    assert (cal.argmax(1) == soft.argmax(1)).all() and np.allclose(cal.sum(1), 1, atol=1e-5)
    correct = soft.argmax(1) == y
    assert expected_calibration_error(correct, cal.max(1)) < 0.5 * expected_calibration_error(correct, soft.max(1))
