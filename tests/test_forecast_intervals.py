"""recursive_forecast with coverage: conformal per-step intervals.

The half-widths are checked against their definition, the conformal
quantile of the errors of forecasts made from each backtest origin one
call at a time, with the linear models of ``test_forecast.py``; the
coverage of held-out forecasts is checked against the nominal rate.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler
from test_forecast import sine, window_linear, windowed_linear

from sklstm import (
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
    recursive_forecast,
)

NOISY = sine(160) + 0.2 * np.random.default_rng(0).standard_normal(160)


def conformal_by_definition(model, series, n_steps, coverage, n_origins, **kwargs):
    """Forecast from each of the last `n_origins` origins; rank the errors."""
    kwargs.pop("exog", None)  # the future of the end of series: not needed
    frame = pd.DataFrame(series)
    target = kwargs.get("target")
    targets = frame.columns if target is None else pd.Index([target])
    others = frame.columns.drop(targets)
    last = len(frame) - n_steps
    errors = []
    for origin in range(last - n_origins + 1, last + 1):
        future = frame.iloc[origin : origin + n_steps]
        exog = future[others] if len(others) else None
        forecast = recursive_forecast(
            model, series[:origin], n_steps, exog=exog, **kwargs
        )
        actual = future[targets].to_numpy()
        errors.append(np.abs(actual - np.reshape(forecast, actual.shape)))
    rank = int(np.ceil((n_origins + 1) * coverage))
    return np.sort(errors, axis=0)[rank - 1]


def one_column_pipeline():
    """A pipeline of load, with temp known: 160 rows of history, 5 of future."""
    temp = 0.5 * sine(165, 1.0)
    frame = pd.DataFrame({"temp": temp, "load": np.append(NOISY, [0] * 5) + temp})
    history, future = frame[:160], frame[160:]
    pipe = windowed_linear(3).fit(history[:-1], history["load"][1:])
    return pipe, history, {"target": "load", "exog": future[["temp"]]}


def univariate_pipeline():
    pipe = windowed_linear(4).fit(NOISY[:-1, np.newaxis], NOISY[1:])
    return pipe, NOISY, {}


def direct_two_column_regressor():
    # The second column is noisier: its interval must be wider.
    waves = np.column_stack([NOISY, 3 * NOISY[::-1]])
    return window_linear(waves, 2, horizon=2), waves, {"window_size": 2}


@pytest.mark.parametrize(
    "case",
    [univariate_pipeline, one_column_pipeline, direct_two_column_regressor],
    ids=["pipeline", "exog", "direct-multi-target"],
)
def test_interval_is_the_conformal_quantile_of_backtest_errors(case):
    model, series, kwargs = case()
    plain = recursive_forecast(model, series, 5, **kwargs)
    forecast, lower, upper = recursive_forecast(
        model, series, 5, coverage=0.75, n_origins=19, **kwargs
    )
    # The forecast is the one made without coverage, bit for bit.
    assert type(forecast) is type(plain)
    assert_array_equal(forecast, plain)
    margin = conformal_by_definition(model, series, 5, 0.75, 19, **kwargs)
    half_width = np.reshape(upper - forecast, margin.shape)
    assert_allclose(half_width, margin, rtol=1e-10)
    assert_allclose(np.reshape(forecast - lower, margin.shape), margin, rtol=1e-10)
    assert (margin > 0).all()
    if margin.shape[1] == 2:  # one half-width per target column
        assert (margin[:, 1] > 2 * margin[:, 0]).all()


def test_interval_keeps_the_pandas_type_index_and_names():
    model, frame, kwargs = one_column_pipeline()
    frame.index = pd.date_range("2024-01-01", periods=len(frame), freq="D")
    result = recursive_forecast(model, frame, 5, coverage=0.9, **kwargs)
    forecast, lower, upper = result
    assert len(result) == 3
    for bound in (lower, upper):
        assert isinstance(bound, pd.Series)
        assert bound.name == "load"
        assert bound.index.equals(forecast.index)
    assert (lower < forecast).all() and (forecast < upper).all()
    waves = pd.DataFrame(np.column_stack([NOISY, NOISY[::-1]]), columns=["a", "b"])
    model = window_linear(waves.to_numpy(), 2)
    _, lower, upper = recursive_forecast(model, waves, 3, window_size=2, coverage=0.9)
    assert isinstance(lower, pd.DataFrame) and list(upper.columns) == ["a", "b"]
    assert lower.shape == upper.shape == (3, 2)


def test_a_short_series_calibrates_on_every_origin_it_holds():
    # 4 rows of window, 5 steps, 18 more rows: 19 origins, fewer than n_origins.
    model, series, _ = univariate_pipeline()
    short = series[-(4 + 5 + 18) :]
    _, _, upper_all = recursive_forecast(model, short, 5, coverage=0.75)
    forecast, _, upper = recursive_forecast(
        model, short, 5, coverage=0.75, n_origins=19
    )
    assert_array_equal(upper_all, upper)
    assert_allclose(
        upper - forecast, conformal_by_definition(model, short, 5, 0.75, 19)[:, 0]
    )


def test_interval_of_a_panel_pools_the_errors_of_its_series():
    months = pd.period_range("2020-01", periods=60, freq="M")
    index = pd.MultiIndex.from_product([["a", "b"], months], names=["id", "month"])
    panel = pd.DataFrame({"load": np.concatenate([NOISY[:60], NOISY[60:120]])}, index)
    y = panel.groupby(level=0)["load"].shift(-1).dropna()
    model = windowed_linear(3).fit(panel.loc[y.index], y)
    plain = recursive_forecast(model, panel, 4)
    forecast, lower, upper = recursive_forecast(
        model, panel, 4, coverage=0.75, n_origins=10
    )
    assert_array_equal(forecast, plain)
    assert lower.index.equals(plain.index) and upper.name == "load"
    # 10 origins of each series, their errors pooled: 20 per step.
    errors = []
    for name in ["a", "b"]:
        rows = panel.loc[[name]]
        for origin in range(60 - 4 - 9, 60 - 4 + 1):
            steps = recursive_forecast(model, rows.iloc[:origin], 4)
            errors.append(np.abs(rows["load"].iloc[origin : origin + 4] - steps))
    margin = np.sort(errors, axis=0)[int(np.ceil(21 * 0.75)) - 1]
    assert_allclose((upper - forecast).xs("a"), margin)
    assert_allclose((upper - forecast).xs("b"), margin)
    # A series too short for any origin gets the half-widths of the others.
    index = pd.MultiIndex.from_product([["c"], months[:6]], names=["id", "month"])
    short = pd.DataFrame({"load": NOISY[120:126]}, index)
    forecast, _, upper = recursive_forecast(
        model, pd.concat([panel, short]), 4, coverage=0.75, n_origins=10
    )
    assert_allclose((upper - forecast).xs("c"), margin)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"coverage": 0}, r"coverage must be in the open interval \(0, 1\), got 0"),
        ({"coverage": 1.0}, r"open interval \(0, 1\), got 1.0"),
        ({"coverage": 90}, r"open interval \(0, 1\), got 90"),
        ({"coverage": 0.9, "n_origins": 0}, "n_origins == 0, must be >= 1"),
        (
            {"coverage": 0.95, "n_origins": 10},
            "coverage=0.95 needs at least 19 backtest origins, got 10",
        ),
        (
            {"series": sine(4 + 3 + 4), "coverage": 0.9},
            "needs at least 9 backtest origins, got 5: series holds 5",
        ),
        ({"series": sine(4 + 2), "coverage": 0.5}, "got 0: series holds 0"),
    ],
)
def test_bad_interval_request_raises_naming_it(kwargs, match):
    model, series, _ = univariate_pipeline()
    arguments = {"series": series, "n_steps": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        recursive_forecast(model, **arguments)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"coverage": "0.9"}, r"coverage must be a float in \(0, 1\), got '0.9'"),
        ({"coverage": True}, r"coverage must be a float in \(0, 1\), got True"),
        ({"coverage": 0.9, "n_origins": 2.5}, "n_origins must be an instance of int"),
    ],
)
def test_interval_arguments_of_a_wrong_type_raise_type_error(kwargs, match):
    model, series, _ = univariate_pipeline()
    with pytest.raises(TypeError, match=match):
        recursive_forecast(model, series, 3, **kwargs)


def label_pipelines():
    """Classifiers of the next label of a 0/1 series, bare and wrapped."""
    labels = (sine(60) > 0).astype(float)
    flatten = FunctionTransformer(lambda X: np.asarray(X).reshape(len(X), -1))
    X, y = labels[:-1, np.newaxis], labels[1:]
    pipe = make_pipeline(
        SlidingWindowTransformer(window_size=4), flatten, LogisticRegression()
    )
    wrapped = TransformedTargetRegressor(regressor=clone(pipe)).fit(X, y)
    windows, next_labels = make_windows(labels, 4)
    bare = LogisticRegression().fit(windows[:, :, 0], next_labels)
    return labels, [(pipe.fit(X, y), {}), (wrapped, {}), (bare, {"window_size": 4})]


def test_interval_of_a_classifier_is_refused_naming_the_regressor_it_needs():
    labels, models = label_pipelines()
    for model, kwargs in models:
        with pytest.raises(ValueError, match="coverage needs a regressor: Logistic"):
            recursive_forecast(model, labels, 3, coverage=0.9, **kwargs)
        # Without coverage, a classifier still forecasts a sequence of labels.
        forecast = recursive_forecast(model, labels, 3, **kwargs)
        assert set(forecast) <= {0.0, 1.0}


def test_calibrated_interval_covers_held_out_forecasts_at_the_nominal_rate():
    # Trained on 200 steps, calibrated on the next 400 (origins the model never
    # saw), tested on the ~400 forecasts from every origin after them.
    series = sine(1000) + 0.3 * np.random.default_rng(0).standard_normal(1000)
    pipe = windowed_linear(4).fit(series[:199, np.newaxis], series[1:200])
    forecast, _, upper = recursive_forecast(
        pipe, series[196:600], 4, coverage=0.9, n_origins=400
    )
    margin = upper - forecast
    inside = [
        np.abs(
            series[origin : origin + 4] - recursive_forecast(pipe, series[:origin], 4)
        )
        <= margin
        for origin in range(600, 997)
    ]
    coverage = np.mean(inside, axis=0)
    # Split conformal over n = 400 errors covers Beta(k, n + 1 - k), sd
    # sqrt(0.9 * 0.1 / 402) = 0.015, around at least 0.9; the fraction over
    # ~400 test origins adds a binomial sd of 0.015 at step 1, more at later
    # steps, whose errors overlapping origins share: each step within 0.07
    # (above 3 sd of step 1; 0.03 here, 0.04 at most over seeds 0-4), and
    # the mean within 0.04.
    assert_allclose(coverage, 0.9, atol=0.07)
    assert abs(coverage.mean() - 0.9) < 0.04


def test_lstm_pipeline_forecast_comes_with_its_interval():
    dates = pd.date_range("2024-01-01", periods=50, freq="D")
    series = pd.Series(NOISY[:50], index=dates, name="load")
    pipe = make_pipeline(
        MinMaxScaler(),
        SlidingWindowTransformer(window_size=4),
        LSTMRegressor(units=2, epochs=1, random_state=0),
    )
    model = TransformedTargetRegressor(pipe, transformer=MinMaxScaler())
    model.fit(series[:-1].to_frame(), series[1:])
    plain = recursive_forecast(model, series, 3)
    forecast, lower, upper = recursive_forecast(
        model, series, 3, coverage=0.8, n_origins=20
    )
    assert_array_equal(forecast, plain)
    assert forecast.index.equals(lower.index) and upper.index.equals(plain.index)
    assert (lower < forecast).all() and (forecast < upper).all()
