"""adaptive_interval: intervals recalibrated as the targets are observed."""

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    LSTMRegressor,
    SlidingWindowTransformer,
    adaptive_interval,
    make_windows,
    predict_interval,
)

N_FIT = 50
WINDOW = 4


def _network(**params):
    return LSTMRegressor(
        units=2,
        epochs=2,
        batch_size=N_FIT,
        quantiles=(0.1, 0.9),
        random_state=0,
        **params,
    )


@pytest.fixture(scope="module")
def series():
    """Noise of scale 1 for the fitted rows, then of scale 3."""
    rng = np.random.default_rng(0)
    scale = np.where(np.arange(460) < N_FIT + WINDOW, 1.0, 3.0)
    return scale * rng.standard_normal(460)


@pytest.fixture(scope="module")
def one_step(series):
    """A one-step quantile network fitted on the first rows, and the rest."""
    X, y = make_windows(series, WINDOW)
    model = _network().fit(X[:N_FIT], y[:N_FIT])
    return model, X[N_FIT:], y[N_FIT:]


@pytest.fixture(scope="module")
def three_steps(series):
    """A direct 3-step quantile network: targets (n_samples, 3)."""
    X, y = make_windows(series, WINDOW, horizon=3)
    model = _network().fit(X[:N_FIT], y[:N_FIT])
    return model, X[N_FIT : N_FIT + 60], y[N_FIT : N_FIT + 60]


@pytest.fixture(scope="module")
def panel():
    """A window pipeline fitted on times 0 to 59 of two series, and the rest."""
    rng = np.random.default_rng(1)
    index = pd.MultiIndex.from_product([["a", "b"], range(100)], names=["id", "t"])
    values = pd.Series(rng.standard_normal(200), index=index, name="v")
    target = values.groupby(level="id").shift(-1)
    time = index.get_level_values("t")
    pipeline = Pipeline(
        [
            ("window", SlidingWindowTransformer(window_size=WINDOW)),
            ("lstm", _network()),
        ]
    )
    pipeline.fit(values[time < 60].to_frame(), target[time < 60])
    later = (time >= 60) & (time < 99)
    return pipeline, values[later].to_frame(), target[later]


def _coverage(interval, y):
    return np.mean((y >= interval[..., 0]) & (y <= interval[..., 1]))


@pytest.mark.parametrize("gamma", [0.0, 0.05])
def test_without_targets_equals_predict_interval(one_step, three_steps, gamma):
    for model, X, y in (one_step, three_steps):
        interval = adaptive_interval(model, X, coverage=0.8, gamma=gamma)
        assert_allclose(interval, model.predict_interval(X, coverage=0.8))
        empty = adaptive_interval(model, X, np.empty((0,) + y.shape[1:]), 0.8)
        assert_allclose(empty, interval)


def test_shapes_follow_the_fitted_target(one_step, three_steps):
    model, X, y = one_step
    assert adaptive_interval(model, X, y, 0.8).shape == (len(X), 2)
    model, X, y = three_steps
    assert adaptive_interval(model, X, y, 0.8).shape == (len(X), 3, 2)


def test_observed_targets_change_only_later_rows(one_step):
    model, X, y = one_step
    t = 30
    interval = adaptive_interval(model, X, y, 0.8)
    changed = y.copy()
    changed[t:] += 100.0
    other = adaptive_interval(model, X, changed, 0.8)
    # Row t is calibrated on rows before it: y[t] is not yet known.
    assert_allclose(other[: t + 1], interval[: t + 1])
    # A target far outside its interval is a miss: the next row widens.
    assert np.ptp(other[t + 1]) > np.ptp(interval[t + 1])


def test_step_h_is_known_h_rows_later(three_steps):
    model, X, y = three_steps
    t = 20
    interval = adaptive_interval(model, X, y, 0.8, gamma=0.5)
    for step in range(3):
        changed = y.copy()
        changed[t, step] += 100.0
        other = adaptive_interval(model, X, changed, 0.8, gamma=0.5)
        # Step `step + 1` of row t is observed at row t + step + 1.
        assert_allclose(other[: t + step + 1], interval[: t + step + 1])
        assert_allclose(np.delete(other, step, axis=1), np.delete(interval, step, 1))
        widths = np.ptp(other[t + step + 1, step]), np.ptp(interval[t + step + 1, step])
        assert widths[0] > widths[1]


def test_several_targets_per_step_are_known_by_their_step(series):
    # Two columns two steps ahead: y is step-major, (a1, b1, a2, b2).
    X, y = make_windows(np.column_stack([series, -series]), WINDOW, 2, [0, 1])
    model = _network().fit(X[:N_FIT], y[:N_FIT])
    X, y = X[N_FIT : N_FIT + 40], y[N_FIT : N_FIT + 40]
    t = 20
    interval = adaptive_interval(model, X, y, 0.8, gamma=0.5, horizon=2)
    for column, step in enumerate((1, 1, 2, 2)):
        changed = y.copy()
        changed[t, column] += 100.0
        other = adaptive_interval(model, X, changed, 0.8, gamma=0.5, horizon=2)
        assert_allclose(other[: t + step], interval[: t + step])
        assert np.ptp(other[t + step, column]) > np.ptp(interval[t + step, column])


def test_rows_past_the_targets_use_all_of_them(three_steps):
    model, X, y = three_steps
    k = 40
    interval = adaptive_interval(model, X, y[:k], 0.8)
    assert_allclose(interval[:k], adaptive_interval(model, X, y, 0.8)[:k])
    # Rows k and after have no targets yet: all share the state after y[:k].
    for j in (1, 5):
        moved = np.concatenate([X[:k], X[k + j : k + j + 1]])
        assert_allclose(adaptive_interval(model, moved, y[:k], 0.8)[k], interval[k + j])
    # That state holds every target of y[:k], even step 3 of row k - 1,
    # which a walk through observed rows would only use from row k + 2 on.
    changed = y.copy()
    changed[k - 1, 2] += 100.0
    future = adaptive_interval(model, X, changed[:k], 0.8)
    assert np.ptp(future[k, 2]) > np.ptp(interval[k, 2])
    assert_allclose(
        adaptive_interval(model, X, changed, 0.8)[: k + 2],
        adaptive_interval(model, X, y, 0.8)[: k + 2],
    )


def test_adapts_when_the_noise_grows(one_step):
    model, X, y = one_step
    static = _coverage(model.predict_interval(X, coverage=0.8), y)
    adaptive = _coverage(adaptive_interval(model, X, y, 0.8), y)
    # The hold-out's noise is 3 times the calibration rows': the interval
    # calibrated on them misses far more than 20%. On 400 rows a coverage is
    # measured within sqrt(0.8 * 0.2 / 400) = 0.02 (one standard deviation),
    # so a gap of 0.1 is no accident of the draw.
    assert static < 0.7
    assert abs(adaptive - 0.8) < abs(static - 0.8) - 0.1


def test_miss_rate_within_the_aci_bound(one_step):
    model, X, y = one_step
    gamma = 0.05
    miss = 1 - _coverage(adaptive_interval(model, X, y, 0.8, gamma=gamma), y)
    # Gibbs and Candès (2021): a bound for any sequence, not a statistic.
    assert abs(miss - 0.2) <= (1 + gamma) / (gamma * len(y))


def _by_hand(model, X, y, t, window):
    """Row t's interval at gamma=0, from the calibration and observed scores."""
    # quantiles=(0.1, 0.9) learns (0.1, 0.5, 0.9): coverage 0.8 is the first
    # and last level.
    q = model.predict_quantiles(X)
    cq, cy = model.calibration_quantiles_[:, 0], model.calibration_targets_[:, 0]
    scores = np.concatenate(
        [
            np.maximum(cq[:, 0] - cy, cy - cq[:, 2]),
            np.maximum(q[:t, 0] - y[:t], y[:t] - q[:t, 2]),
        ]
    )
    scores = scores if window is None else scores[-window:]
    n = len(scores)
    c = np.sort(scores)[math.ceil((n + 1) * 0.8 - 1e-9) - 1]
    return min(q[t, 0] - c, q[t, 1]), max(q[t, 2] + c, q[t, 1])


@pytest.mark.parametrize("window", [None, 20])
def test_gamma_zero_is_conformal_on_the_known_scores(one_step, window):
    model, X, y = one_step
    interval = adaptive_interval(model, X, y, 0.8, gamma=0.0, window=window)
    for t in (0, 5, 37, 200, len(X) - 1):
        assert_allclose(interval[t], _by_hand(model, X, y, t, window))


def test_window_pipeline_in_a_target_transformer(series):
    rows = series.reshape(-1, 1)
    target = np.roll(series, -1)
    pipeline = Pipeline(
        [
            ("window", SlidingWindowTransformer(window_size=WINDOW)),
            ("lstm", _network()),
        ]
    )
    model = TransformedTargetRegressor(pipeline, transformer=StandardScaler())
    model.fit(rows[:N_FIT], target[:N_FIT])
    X, y = rows[N_FIT:200], target[N_FIT:200]
    assert_allclose(
        adaptive_interval(model, X, coverage=0.8), predict_interval(model, X, 0.8)
    )
    # Scores are those of the network's scale: the observed targets go
    # through the transformer, and the bounds come back.
    scaler = model.transformer_
    inner = adaptive_interval(model.regressor_, X, scaler.transform(y[:, None]), 0.8)
    expected = scaler.inverse_transform(inner.reshape(-1, 1)).reshape(inner.shape)
    assert_allclose(adaptive_interval(model, X, y, 0.8), expected, rtol=1e-6)
    # An array that begins with the fitted rows scores them again.
    with pytest.raises(ValueError, match="begins with the 50 rows"):
        adaptive_interval(model, rows[:200], target[:199], 0.8)


def test_a_panel_is_walked_one_series_at_a_time(panel):
    model, X, y = panel
    with pytest.raises(ValueError, match=r"Walk each series apart, such as "):
        adaptive_interval(model, X, y, 0.8)
    one, y_one = X.loc[["a"]], y.loc[["a"]]
    # Series a continues its own fitted rows, as the pipeline windows it.
    windows = model[:-1].transform(one)
    assert_allclose(
        adaptive_interval(model, one, y_one, 0.8),
        adaptive_interval(model[-1], windows, y_one.to_numpy(), 0.8),
    )
    assert_allclose(adaptive_interval(model, one), predict_interval(model, one))


def test_x_must_follow_the_fitted_rows(panel):
    model, _, _ = panel
    # Times 50 to 98 of series a, of which 50 to 59 were fitted on: the
    # pipeline windows them, but their scores would not be new.
    index = pd.MultiIndex.from_product([["a"], range(50, 99)], names=["id", "t"])
    earlier = pd.DataFrame({"v": np.zeros(49)}, index=index)
    assert model.predict(earlier).shape == (49,)
    with pytest.raises(ValueError, match=r"X starts at 50, not after .* \(59\)"):
        adaptive_interval(model, earlier, None, 0.8)


def test_a_pandas_y_follows_the_index_of_x(panel):
    model, X, y = panel
    one, y_one = X.loc[["a"]], y.loc[["a"]]
    assert_allclose(
        adaptive_interval(model, one, y_one.iloc[:10], 0.8),
        adaptive_interval(model, one, y_one.to_numpy()[:10], 0.8),
    )
    # An empty y observes nothing, whatever its index.
    assert_allclose(
        adaptive_interval(model, one, pd.Series([], dtype=float), 0.8),
        adaptive_interval(model, one, coverage=0.8),
    )
    with pytest.raises(ValueError, match=r"row 0 is labelled \('a', 61\)"):
        adaptive_interval(model, one, y_one.iloc[1:], 0.8)
    with pytest.raises(ValueError, match=r"labelled \('b', 60\) where X's is"):
        adaptive_interval(model, one, y.loc[["b"]], 0.8)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"coverage": 1.0}, ValueError, "coverage"),
        ({"coverage": "0.9"}, TypeError, "coverage"),
        ({"gamma": -0.1}, ValueError, "gamma"),
        ({"gamma": float("nan")}, ValueError, "gamma"),
        ({"gamma": True}, TypeError, "gamma"),
        ({"window": 0}, ValueError, "window"),
        ({"window": 3}, ValueError, "window=3 is too small"),
        ({"window": 10.0}, TypeError, "window"),
        ({"horizon": 0}, ValueError, "horizon"),
        ({"horizon": 2}, ValueError, "horizon"),
        ({"horizon": "1"}, TypeError, "horizon"),
    ],
)
def test_bad_parameters_raise(one_step, kwargs, error, match):
    model, X, y = one_step
    with pytest.raises(error, match=match):
        adaptive_interval(model, X, y, **{"coverage": 0.8, **kwargs})


def test_bad_targets_raise(one_step, three_steps):
    model, X, y = one_step
    with pytest.raises(ValueError, match="more than the"):
        adaptive_interval(model, X[:5], y[:6], 0.8)
    with pytest.raises(ValueError, match="shape"):
        adaptive_interval(model, X, np.c_[y, y], 0.8)
    with pytest.raises(ValueError, match="NaN"):
        adaptive_interval(model, X, np.full(3, np.nan), 0.8)
    with pytest.raises(ValueError, match=r"shape \(n_observed,\), .* scalar 3.0"):
        adaptive_interval(model, X, 3.0, 0.8)
    model, X, y = three_steps
    with pytest.raises(ValueError, match=r"expected \(n_observed, 3\)"):
        adaptive_interval(model, X, y[:, 0], 0.8)


def test_calibration_needed(one_step):
    model, X, y = one_step
    Xf, yf = make_windows(np.sin(np.arange(N_FIT + WINDOW)), WINDOW)
    raw = _network(calibration_fraction=0).fit(Xf, yf)
    with pytest.raises(ValueError, match="calibration_fraction > 0"):
        adaptive_interval(raw, X, y, 0.8)
    # Quantiles set after a fit without them: the network has none.
    point = LSTMRegressor(units=2, epochs=1, random_state=0).fit(Xf, yf)
    point.set_params(quantiles=(0.1, 0.9))
    with pytest.raises(NotFittedError, match="fitted with quantiles=None"):
        adaptive_interval(point, X, y, 0.8)
    # 10 calibration rows serve 0.9 (9 needed) but not 0.95 (19).
    with pytest.raises(ValueError, match="at least 19 calibration rows"):
        adaptive_interval(model, X, y, 0.95)


def test_not_fitted_or_not_quantiles_raise(one_step):
    _, X, y = one_step
    with pytest.raises(NotFittedError):
        adaptive_interval(_network(), X, y, 0.8)
    with pytest.raises(NotFittedError):
        pipeline = Pipeline(
            [("window", SlidingWindowTransformer(2)), ("m", _network())]
        )
        adaptive_interval(pipeline, X[:, :, 0], y, 0.8)
    with pytest.raises(TypeError, match="no LSTMRegressor with quantiles"):
        adaptive_interval(LSTMRegressor(), X, y, 0.8)
