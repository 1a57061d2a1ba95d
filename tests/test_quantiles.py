"""Pinball loss, non-crossing quantile head and conformal calibration."""

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklstm._quantiles import (
    NonCrossingQuantiles,
    PinballLoss,
    check_quantiles,
    conformal_correction,
    conformalized_interval,
    interval_from_quantiles,
)

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _pinball(y_true, y_pred, quantiles):
    """Per-sample pinball loss in NumPy: y_pred (n, n_outputs, n_quantiles)."""
    error = y_true[:, :, np.newaxis] - y_pred
    q = np.asarray(quantiles)
    return np.maximum(q * error, (q - 1) * error).mean(axis=(1, 2))


def test_check_quantiles_adds_the_median():
    assert check_quantiles((0.1, 0.9)) == (0.1, 0.5, 0.9)
    assert check_quantiles([0.5]) == (0.5,)
    assert check_quantiles(np.array([0.05, 0.5, 0.95])) == (0.05, 0.5, 0.95)


@pytest.mark.parametrize(
    "quantiles, match",
    [
        (0.5, "sequence of floats"),
        ("0.5", "sequence of floats"),
        ((), "at least one level"),
        ((0.0, 0.5), r"open interval \(0, 1\), got 0.0"),
        ((0.5, 1.0), r"open interval \(0, 1\), got 1.0"),
        ((-0.1, 0.5), "got -0.1"),
        ((float("nan"), 0.5), "got nan"),
        ((True, 0.5), "got True"),
        (("low", 0.5), "got 'low'"),
        ((0.9, 0.5, 0.1), r"strictly increasing.*\(0.1, 0.5, 0.9\)"),
        ((0.1, 0.5, 0.5), "strictly increasing"),
    ],
)
def test_check_quantiles_rejects(quantiles, match):
    with pytest.raises(ValueError, match=f"quantiles.*{match}"):
        check_quantiles(quantiles)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_pinball_loss_matches_numpy(n_outputs):
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(8, n_outputs))
    y_pred = rng.normal(size=(8, n_outputs, len(QUANTILES)))
    expected = _pinball(y_true, y_pred, QUANTILES).mean()
    loss = PinballLoss(QUANTILES)
    flat = y_pred.reshape(8, -1)
    assert_allclose(float(loss(y_true, flat)), expected, rtol=1e-5)
    assert_allclose(float(loss(y_true, y_pred)), expected, rtol=1e-5)
    if n_outputs == 1:
        assert_allclose(float(loss(y_true[:, 0], flat)), expected, rtol=1e-5)


def test_pinball_loss_is_asymmetric():
    # Under-predicting the 0.9 quantile by 1 costs 0.9, over-predicting 0.1.
    loss = PinballLoss((0.9,))
    assert_allclose(float(loss(np.ones((1, 1)), np.zeros((1, 1)))), 0.9, rtol=1e-6)
    assert_allclose(float(loss(np.zeros((1, 1)), np.ones((1, 1)))), 0.1, rtol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_head_never_crosses_for_any_weights(seed):
    rng = np.random.default_rng(seed)
    n_outputs = 2
    dense = keras.layers.Dense(n_outputs * len(QUANTILES))
    head = NonCrossingQuantiles(QUANTILES)
    x = rng.normal(scale=10.0, size=(64, 3)).astype("float32")
    dense.build((None, 3))
    # Weights far beyond a trained network's, so that the free outputs span
    # the range where softplus saturates at 0 and where it is linear.
    dense.set_weights(
        [
            rng.normal(scale=100.0, size=(3, n_outputs * len(QUANTILES))),
            rng.normal(scale=100.0, size=n_outputs * len(QUANTILES)),
        ]
    )
    free = keras.ops.convert_to_numpy(dense(x))
    out = keras.ops.convert_to_numpy(head(dense(x)))
    levels = out.reshape(64, n_outputs, len(QUANTILES))
    assert np.all(np.diff(levels, axis=-1) >= 0)
    # Ordered by construction, not by sorting: the median is the free output.
    median = free.reshape(64, n_outputs, -1)[..., QUANTILES.index(0.5)]
    assert_allclose(levels[..., QUANTILES.index(0.5)], median)


def test_head_requires_the_median():
    with pytest.raises(ValueError, match=r"quantiles must include 0.5"):
        NonCrossingQuantiles((0.1, 0.9))


def test_head_and_loss_survive_a_safe_mode_model_file(tmp_path):
    inputs = keras.Input((2,))
    outputs = NonCrossingQuantiles(QUANTILES)(keras.layers.Dense(5)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss=PinballLoss(QUANTILES))
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2)
    model.save(tmp_path / "quantiles.keras")
    loaded = keras.saving.load_model(tmp_path / "quantiles.keras", safe_mode=True)
    assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.loss.quantiles == QUANTILES


def test_interval_from_quantiles_reads_and_interpolates_levels():
    levels = (0.05, 0.25, 0.5, 0.75, 0.95)
    pred = np.array([[-2.0, -1.0, 0.0, 1.0, 2.0]])
    assert_allclose(interval_from_quantiles(pred, levels, 0.9), ([-2.0], [2.0]))
    assert_allclose(interval_from_quantiles(pred, levels, 0.5), ([-1.0], [1.0]))
    # 0.7 -> levels 0.15 and 0.85, halfway between learned ones.
    assert_allclose(interval_from_quantiles(pred, levels, 0.7), ([-1.5], [1.5]))
    # Beyond the outermost learned levels: clipped to them.
    assert_allclose(interval_from_quantiles(pred, levels, 0.99), ([-2.0], [2.0]))
    lower, upper = interval_from_quantiles(np.stack([pred, 2 * pred], 1), levels, 0.5)
    assert lower.shape == upper.shape == (1, 2)


def test_conformal_correction_is_the_conformal_rank():
    y = np.arange(1.0, 20.0)  # 19 samples, scores 1..19 around [0, 0]
    zero = np.zeros_like(y)
    # ceil(20 * 0.9) = 18: the 18th smallest score.
    assert conformal_correction(zero, zero, y, 0.9) == 18.0
    # 19 samples are just enough for 0.95: ceil(20 * 0.95) = 19.
    assert conformal_correction(zero, zero, y, 0.95) == 19.0
    # Intervals wider than needed are narrowed: a negative correction.
    assert conformal_correction(zero - 100, zero + 100, y, 0.9) == 18.0 - 100


def test_conformal_correction_gives_the_promised_coverage():
    # Exchangeable data and a deliberately bad interval (too narrow where the
    # noise is large): each of 2000 columns is an independent experiment
    # with 50 calibration and 20 test samples. For continuous scores, split
    # conformal coverage is exactly ceil((n + 1) * 0.9) / (n + 1) = 46 / 51
    # = 0.902 on average. The mean over the experiments has a standard error
    # below 0.002 (Beta(46, 5) spread of each experiment's coverage, 0.041 /
    # sqrt(2000), plus binomial test noise, 0.3 / sqrt(40000)), so 0.008 is
    # over 4 standard errors, yet an off-by-one rank (45 / 51 = 0.882 or
    # 47 / 51 = 0.922) falls outside it.
    rng = np.random.default_rng(0)
    n_calibration, n_test, n_experiments = 50, 20, 2000
    x = rng.uniform(0, 1, size=(n_calibration + n_test, n_experiments))
    y = 3 * x + (0.1 + 2 * x) * rng.standard_normal(x.shape)
    lower, upper = 3 * x - 0.2, 3 * x + 0.2
    correction = conformal_correction(
        lower[:n_calibration], upper[:n_calibration], y[:n_calibration], 0.9
    )
    assert correction.shape == (n_experiments,)
    test = slice(n_calibration, None)
    covered = (y[test] >= lower[test] - correction) & (
        y[test] <= upper[test] + correction
    )
    assert abs(covered.mean() - 46 / 51) < 0.008


def test_conformalized_interval_widens_by_the_correction():
    rng = np.random.default_rng(0)
    levels = (0.1, 0.5, 0.9)
    calibration = np.sort(rng.normal(size=(30, 2, 3)), axis=-1)
    y = rng.normal(size=(30, 2))
    pred = np.sort(rng.normal(size=(5, 2, 3)), axis=-1)
    interval = conformalized_interval(pred, calibration, y, levels, 0.8)
    assert interval.shape == (5, 2, 2)
    correction = conformal_correction(calibration[..., 0], calibration[..., 2], y, 0.8)
    assert_allclose(interval[..., 0], pred[..., 0] - correction)
    assert_allclose(interval[..., 1], pred[..., 2] + correction)


def test_conformalized_interval_never_inverts():
    # Calibration intervals 100 too wide on each side: the correction is about
    # -100, which would put lower above upper. The bounds stop at the median.
    levels = (0.1, 0.5, 0.9)
    y = np.linspace(-1, 1, 20)
    calibration = np.stack([y - 100, y, y + 100], axis=-1)
    pred = np.array([[-1.0, 0.0, 1.0]])
    assert_allclose(conformalized_interval(pred, calibration, y, levels, 0.9), [[0, 0]])


def test_median_only_network_gives_split_conformal_intervals():
    point = np.linspace(0, 1, 19)
    y = point + np.arange(1.0, 20.0) * (-1) ** np.arange(19)
    interval = conformalized_interval(np.array([[5.0]]), point[:, None], y, (0.5,), 0.9)
    # The 18th smallest absolute residual of 1..19.
    assert_allclose(interval, [[5.0 - 18.0, 5.0 + 18.0]])


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1, True, "0.9", None])
def test_conformal_correction_rejects_coverage(coverage):
    y = np.zeros(100)
    with pytest.raises(ValueError, match="coverage"):
        conformal_correction(y, y, y, coverage)
    with pytest.raises(ValueError, match="coverage"):
        interval_from_quantiles(np.zeros((1, 3)), (0.1, 0.5, 0.9), coverage)


def test_conformal_correction_needs_enough_samples():
    y = np.zeros(8)
    with pytest.raises(ValueError, match="8 calibration samples are too few.*9"):
        conformal_correction(y, y, y, 0.9)
    conformal_correction(np.zeros(9), np.zeros(9), np.zeros(9), 0.9)


def test_conformal_correction_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        conformal_correction(np.zeros(20), np.zeros(20), np.zeros((20, 2)), 0.9)
