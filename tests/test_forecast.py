"""recursive_forecast: the steps after a series, from a fitted window model.

The mechanics are checked with linear models, which continue a sine exactly
(a sine obeys ``x[t + 1] = 2 cos(w) x[t] - x[t - 1]``), so any row fed back
at the wrong place shows; the LSTM tests check the forecast of a model that
learned the wave against its true continuation.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder

from sklstm import (
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
    recursive_forecast,
)

PERIOD = 20
N_HISTORY = 200


def sine(n_points, phase=0.0):
    return np.sin(2 * np.pi * np.arange(n_points) / PERIOD + phase)


def flat_linear():
    """A linear regression on flattened windows, shape (n_samples, w * f)."""
    flatten = FunctionTransformer(lambda X: np.asarray(X).reshape(len(X), -1))
    return make_pipeline(flatten, LinearRegression())


def windowed_linear(window_size):
    """A one-step row pipeline, like the LSTM one but fitted in milliseconds."""
    window = SlidingWindowTransformer(window_size=window_size)
    return make_pipeline(window, *(step for _, step in flat_linear().steps))


def window_linear(series, window_size, horizon=1, target=None):
    X, y = make_windows(series, window_size, horizon=horizon, target=target)
    return flat_linear().fit(X, y)


def refeeding(pipe, series, n_steps):
    """The definition: predict on the whole extended series, keep the last."""
    rows = list(series)
    names = getattr(pipe, "feature_names_in_", None)
    for _ in range(n_steps):
        X = np.array(rows)[:, np.newaxis]
        rows.append(
            pipe.predict(X if names is None else pd.DataFrame(X, columns=names))[-1]
        )
    return np.array(rows[len(series) :])


def test_one_step_model_continues_a_sine():
    wave = sine(N_HISTORY + 45)
    model = window_linear(wave[:N_HISTORY], window_size=2)
    forecast = recursive_forecast(model, wave[:N_HISTORY], 45, window_size=2)
    assert forecast.shape == (45,)
    assert_allclose(forecast, wave[N_HISTORY:], atol=1e-4)


def test_direct_model_forecasts_its_horizon_in_one_call():
    wave = sine(N_HISTORY + 3)
    model = window_linear(wave[:N_HISTORY], window_size=2, horizon=3)
    forecast = recursive_forecast(model, wave[:N_HISTORY], 3, window_size=2)
    direct = model.predict(wave[np.newaxis, N_HISTORY - 2 : N_HISTORY, np.newaxis])
    assert_allclose(forecast, direct[0])
    assert_allclose(forecast, wave[N_HISTORY:], atol=1e-4)


def test_direct_model_feeds_back_whole_horizons():
    # 10 steps from a 3-step model: blocks of 3, 3, 3 and the first of 3.
    wave = sine(N_HISTORY + 10)
    model = window_linear(wave[:N_HISTORY], window_size=2, horizon=3)
    forecast = recursive_forecast(model, wave[:N_HISTORY], 10, window_size=2)
    assert_allclose(forecast, wave[N_HISTORY:], atol=1e-4)


def test_every_column_forecast_together():
    waves = np.column_stack([sine(N_HISTORY + 30), sine(N_HISTORY + 30, 1.0)])
    model = window_linear(waves[:N_HISTORY], window_size=2)
    forecast = recursive_forecast(model, waves[:N_HISTORY], 30, window_size=2)
    assert forecast.shape == (30, 2)
    assert_allclose(forecast, waves[N_HISTORY:], atol=1e-4)


def test_one_column_forecast_with_known_future_of_the_others():
    waves = np.column_stack([sine(N_HISTORY + 30), sine(N_HISTORY + 30, 1.0)])
    model = window_linear(waves[:N_HISTORY], window_size=2, target=0)
    forecast = recursive_forecast(
        model,
        waves[:N_HISTORY],
        30,
        target=0,
        exog=waves[N_HISTORY:, 1:],
        window_size=2,
    )
    assert forecast.shape == (30,)
    assert_allclose(forecast, waves[N_HISTORY:, 0], atol=1e-4)
    # A DataFrame exog for an array series: its columns in the array's order.
    exog = pd.DataFrame({"temp": waves[N_HISTORY:, 1]})
    from_frame = recursive_forecast(
        model, waves[:N_HISTORY], 30, target=0, exog=exog, window_size=2
    )
    assert_allclose(from_frame, forecast)


def test_one_column_forecast_without_the_others_future_raises():
    waves = np.column_stack([sine(N_HISTORY), sine(N_HISTORY, 1.0)])
    model = window_linear(waves, window_size=2, target=0)
    with pytest.raises(ValueError, match="pass them as exog"):
        recursive_forecast(model, waves, 5, target=0, window_size=2)
    with pytest.raises(ValueError, match="name the predicted column"):
        recursive_forecast(model, waves, 5, window_size=2)


def test_pipeline_forecast_equals_refeeding_the_whole_series():
    wave = sine(N_HISTORY)
    pipe = windowed_linear(5).fit(wave[:-1, np.newaxis], wave[1:])
    assert_allclose(recursive_forecast(pipe, wave, 25), refeeding(pipe, wave, 25))


def test_first_step_is_the_pipeline_prediction_after_the_series():
    wave = sine(N_HISTORY)
    pipe = windowed_linear(5).fit(wave[:-1, np.newaxis], wave[1:])
    assert_allclose(
        recursive_forecast(pipe, wave, 1), pipe.predict(wave[:, np.newaxis])[-1:]
    )


def test_target_transformer_and_search_are_unwrapped():
    wave = sine(N_HISTORY)
    X, y = wave[:-1, np.newaxis], wave[1:]
    model = TransformedTargetRegressor(windowed_linear(5), transformer=MinMaxScaler())
    model.fit(X, y)
    assert_allclose(recursive_forecast(model, wave, 10), refeeding(model, wave, 10))
    search = GridSearchCV(
        windowed_linear(2),
        {"slidingwindowtransformer__window_size": [1, 3]},
        cv=TimeSeriesSplit(2),
    ).fit(X, y)
    assert search.best_params_ == {"slidingwindowtransformer__window_size": 3}
    assert_allclose(
        recursive_forecast(search, wave, 10),
        recursive_forecast(search.best_estimator_, wave, 10),
    )


def test_pandas_series_gives_a_series_indexed_after_it():
    dates = pd.date_range("2024-01-01", periods=N_HISTORY, freq="D")
    wave = pd.Series(sine(N_HISTORY), index=dates, name="load")
    pipe = windowed_linear(3).fit(wave.to_numpy()[:-1, np.newaxis], wave[1:])
    forecast = recursive_forecast(pipe, wave, 7)
    assert isinstance(forecast, pd.Series)
    assert forecast.name == "load"
    assert_array_equal(forecast.index, pd.date_range("2024-07-19", periods=7, freq="D"))
    assert_allclose(forecast, recursive_forecast(pipe, wave.to_numpy(), 7))


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (pd.RangeIndex(10, 10 + 2 * N_HISTORY, 2), pd.RangeIndex(410, 416, 2)),
        (
            pd.period_range("2000-01", periods=N_HISTORY, freq="M"),
            pd.period_range("2016-09", periods=3, freq="M"),
        ),
        # Dates without a frequency set, but evenly spaced.
        (
            pd.DatetimeIndex(
                pd.date_range("2024-01-01", periods=N_HISTORY, freq="h").to_list()
            ),
            pd.date_range("2024-01-09 08:00", periods=3, freq="h"),
        ),
        (
            pd.DatetimeIndex(
                pd.date_range("2000-01-01", periods=N_HISTORY, freq="MS").to_list()
            ),
            pd.date_range("2016-09-01", periods=3, freq="MS"),
        ),
        # Trading days without freq, a holiday among them, ending on a Monday.
        (
            pd.DatetimeIndex(
                pd.bdate_range("2024-01-01", periods=N_HISTORY + 1)
                .delete(100)
                .to_list()
            ),
            pd.DatetimeIndex(["2024-10-08", "2024-10-09", "2024-10-10"]),
        ),
        (pd.Index([f"t{i}" for i in range(N_HISTORY)]), pd.RangeIndex(200, 203)),
    ],
    ids=["range", "period", "inferred-hours", "inferred-months", "trading", "labels"],
)
def test_forecast_index_continues_the_series_index(index, expected):
    frame = pd.DataFrame({"x": sine(N_HISTORY), "y": sine(N_HISTORY, 1.0)}, index)
    model = window_linear(frame.to_numpy(), window_size=2)
    forecast = recursive_forecast(model, frame, 3, window_size=2)
    assert isinstance(forecast, pd.DataFrame)
    assert list(forecast.columns) == ["x", "y"]
    assert_array_equal(forecast.index, expected)
    # The window step reads the forecast as the continuation of the series.
    window = SlidingWindowTransformer(2).fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Xt = window.transform(forecast)
    assert_allclose(Xt[0], np.vstack([frame.iloc[-1], forecast.iloc[0]]), rtol=1e-6)


def test_dataframe_keeps_feature_names_and_selects_exog_by_name():
    frame = pd.DataFrame(
        {"temp": sine(N_HISTORY + 5, 1.0), "load": sine(N_HISTORY + 5)}
    )
    history, future = frame[:N_HISTORY], frame[N_HISTORY:]
    pipe = windowed_linear(3).fit(history[:-1], history["load"][1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # feature names mismatch
        forecast = recursive_forecast(
            pipe, history, 5, target="load", exog=future[["temp"]]
        )
    assert forecast.name == "load"
    with pytest.raises(ValueError, match=r"exog lacks the column\(s\) \['temp'\]"):
        recursive_forecast(
            pipe, history, 5, target="load", exog=future.rename(columns=str.upper)
        )


def test_forecast_continues_the_series_it_is_given():
    # Fitted on the first 100 steps, asked to continue the first 150.
    wave = sine(N_HISTORY)
    pipe = windowed_linear(5).fit(wave[:99, np.newaxis], wave[1:100])
    forecast = recursive_forecast(pipe, wave[:150], 30)
    assert_allclose(forecast, refeeding(pipe, wave[:150], 30))
    # Half a period away from a continuation of the fitted end, it is the
    # wave after step 150 (within 0.06 of it: padding during fit costs that).
    assert_allclose(forecast, wave[150:180], atol=0.1)


def test_time_indexed_pipeline_continues_a_later_series_silently():
    dates = pd.date_range("2024-01-01", periods=N_HISTORY, freq="h")
    wave = pd.DataFrame({"load": sine(N_HISTORY)}, index=dates)
    # The scaler passes the time index on to the window step.
    scale = MinMaxScaler().set_output(transform="pandas")
    pipe = make_pipeline(scale, *windowed_linear(5))
    pipe.fit(wave[:99], wave["load"][1:100])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no gap, no feature-name warning
        forecast = recursive_forecast(pipe, wave[:150], 30, target="load")
    assert_array_equal(forecast.index, dates[150:180])
    assert_allclose(forecast, refeeding(pipe, wave["load"][:150], 30))
    assert_allclose(forecast, wave["load"][150:180], atol=0.1)


def test_series_named_like_the_fitted_column_gives_no_warning():
    wave = pd.Series(sine(N_HISTORY), name="load")
    pipe = windowed_linear(3).fit(wave[:-1].to_frame(), wave[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = recursive_forecast(pipe, wave, 10)
        # Without names, the fitted ones apply: no warning per step either.
        from_array = recursive_forecast(pipe, wave.to_numpy(), 10)
        from_unnamed = recursive_forecast(pipe, wave.rename(None), 10)
    assert forecast.name == "load"
    assert_allclose(forecast, refeeding(pipe, wave.to_numpy(), 10))
    assert_allclose(from_array, forecast)
    assert_allclose(from_unnamed, forecast)


def test_regressors_fitted_on_2d_windows_get_2d_windows():
    wave = sine(N_HISTORY + 10)
    X, y = make_windows(wave[:N_HISTORY], window_size=4)
    linear = LinearRegression().fit(X[:, :, 0], y)
    lstm = LSTMRegressor(units=2, epochs=1, random_state=0).fit(X[:50, :, 0], y[:50])
    forecast = recursive_forecast(linear, wave[:N_HISTORY], 10, window_size=4)
    assert_allclose(forecast, wave[N_HISTORY:], atol=1e-4)
    first = recursive_forecast(lstm, wave[:N_HISTORY], 1, window_size=4)
    assert_allclose(first, lstm.predict(wave[np.newaxis, N_HISTORY - 4 : N_HISTORY]))
    # Several features, flattened time-major: (n_samples, window_size * 2).
    waves = np.column_stack([wave, sine(N_HISTORY + 10, 1.0)])
    X, y = make_windows(waves[:N_HISTORY], window_size=2)
    flat = LinearRegression().fit(X.reshape(len(X), -1), y)
    forecast = recursive_forecast(flat, waves[:N_HISTORY], 10, window_size=2)
    assert_allclose(forecast, waves[N_HISTORY:], atol=1e-4)


def test_window_of_one_row_for_a_2d_regressor():
    wave = sine(N_HISTORY)
    X, y = make_windows(wave, window_size=1)
    linear = LinearRegression().fit(X[:, :, 0], y)
    forecast = recursive_forecast(linear, wave, 3, window_size=1)
    rows = list(wave)
    for _ in range(3):  # the definition: predict from the last row, append
        rows.append(linear.predict([[rows[-1]]])[0])
    assert_allclose(forecast, rows[N_HISTORY:], rtol=1e-6)


@pytest.mark.parametrize(
    ("fitted_size", "n_features", "window_size", "match"),
    [
        (
            5,
            1,
            4,
            r"window_size=4 makes windows of 4 x 1 feature\(s\) = 4 values, "
            r"but the estimator was fitted on n_features_in_=5 values per window: "
            r"pass window_size=5",
        ),
        (1, 1, 4, r"window_size=4 .* n_features_in_=1 .*: pass window_size=1"),
        (2, 2, 3, r"= 6 values, .* n_features_in_=4 .*: pass window_size=2"),
    ],
)
def test_window_size_against_a_2d_regressor_raises(
    fitted_size, n_features, window_size, match
):
    waves = np.column_stack([sine(N_HISTORY, k) for k in range(n_features)])
    X, y = make_windows(waves, fitted_size, target=0)
    linear = LinearRegression().fit(X.reshape(len(X), -1), y)
    exog = np.zeros((3, n_features - 1)) if n_features > 1 else None
    with pytest.raises(ValueError, match=match):
        recursive_forecast(
            linear, waves, 3, target=0, exog=exog, window_size=window_size
        )


def flagged_load(n_points=300, horizon=40):
    """Spikes of 3 on a wave, driven only by a flag known in advance.

    A known future input enters the row before the step it drives (a lead
    column): the window ending at row t holds the flag of step t + 1.

    Returns the history, the future rows and where the future spikes are.
    """
    flag = (np.random.default_rng(0).random(n_points + horizon + 1) < 0.1) * 1.0
    load = 0.5 * sine(n_points + horizon + 1) + 3 * flag
    frame = pd.DataFrame({"load": load[:-1], "flag_next": flag[1:]})
    spikes = flag[n_points : n_points + horizon] == 1
    assert spikes.sum() >= 2
    return frame[:n_points], frame[n_points:], spikes


def test_known_flag_drives_the_forecast_spikes():
    history, future, spikes = flagged_load()
    horizon, truth = len(future), future["load"].to_numpy()

    X, y = make_windows(history, 3, target="load")
    with_flag = LinearRegression().fit(X.reshape(len(X), -1), y)
    X, y = make_windows(history[["load"]], 3)
    without_flag = LinearRegression().fit(X.reshape(len(X), -1), y)
    exog = future[["flag_next"]]
    forecast = recursive_forecast(
        with_flag, history, horizon, target="load", exog=exog, window_size=3
    )
    blind = recursive_forecast(without_flag, history[["load"]], horizon, window_size=3)

    # Linear in the window (a sine recursion plus the flags): exact.
    assert_allclose(forecast, truth, atol=1e-3)
    assert (np.abs(blind - truth)[spikes] > 1.5).all()  # every spike missed


def test_lstm_pipeline_forecasts_spikes_of_a_known_flag():
    history, future, spikes = flagged_load(n_points=50, horizon=20)
    pipe = make_pipeline(
        MinMaxScaler(),
        SlidingWindowTransformer(3),
        LSTMRegressor(units=4, epochs=30, learning_rate=0.05, random_state=0),
    )
    pipe.fit(history[:-1], history["load"][1:])
    forecast = recursive_forecast(
        pipe, history, len(future), target="load", exog=future[["flag_next"]]
    )
    # Spikes of 3 over a wave of amplitude 0.5 (measured on TensorFlow and
    # JAX: spikes above 2.9, the rest below 0.4).
    assert (forecast[spikes] > 2).all()
    assert (forecast[~spikes] < 1).all()


def test_categorical_exog_encoded_by_a_pipeline_step():
    days = np.array(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    n_points = N_HISTORY + 14
    frame = pd.DataFrame(
        {"load": sine(n_points), "day": days[np.arange(n_points) % 7]},
        index=pd.date_range("2024-01-01", periods=n_points, freq="D"),
    )
    encode = ColumnTransformer(
        [("day", OneHotEncoder(sparse_output=False), ["day"])],
        remainder="passthrough",
    ).set_output(transform="pandas")
    pipe = make_pipeline(encode, *windowed_linear(3))
    history, future = frame[:N_HISTORY], frame[N_HISTORY:]
    pipe.fit(history[:-1], history["load"][1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = recursive_forecast(
            pipe, history, 14, target="load", exog=future[["day"]]
        )
    expected = history.copy()
    for date, day in future["day"].items():  # the definition, step by step
        expected.loc[date] = [pipe.predict(expected)[-1], day]
    assert_allclose(forecast, expected["load"][N_HISTORY:])
    assert_allclose(forecast, future["load"], atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_steps": 0}, "n_steps"),
        ({"series": sine(3)}, "need at least window_size=5"),
        ({"series": np.zeros((10, 1, 1))}, "series must have shape"),
        ({"series": np.append(sine(10), np.nan)}, "NaN"),
        ({"window_size": 4}, "contradicts"),
        ({"exog": np.zeros((3, 1))}, "leave exog None"),
    ],
)
def test_bad_input_raises_naming_it(kwargs, match):
    wave = sine(N_HISTORY)
    pipe = windowed_linear(5).fit(wave[:-1, np.newaxis], wave[1:])
    arguments = {"series": wave, "n_steps": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        recursive_forecast(pipe, **arguments)


def test_non_integer_n_steps_raises_type_error():
    wave = sine(N_HISTORY)
    pipe = windowed_linear(5).fit(wave[:-1, np.newaxis], wave[1:])
    with pytest.raises(TypeError, match="n_steps must be an instance of int"):
        recursive_forecast(pipe, wave, 2.5)


def test_bare_regressor_needs_window_size():
    wave = sine(N_HISTORY)
    model = window_linear(wave, window_size=2)
    with pytest.raises(ValueError, match="pass window_size"):
        recursive_forecast(model, wave, 3)


def test_exog_of_wrong_shape_raises():
    waves = np.column_stack([sine(N_HISTORY), sine(N_HISTORY, 1.0)])
    model = window_linear(waves, window_size=2, target=0)
    with pytest.raises(ValueError, match=r"exog must have shape .* = \(5, 1\)"):
        recursive_forecast(
            model, waves, 5, target=0, exog=np.zeros((4, 1)), window_size=2
        )


# -- LSTM models that learned the wave --------------------------------------


def test_lstm_pipeline_forecasts_a_period_of_the_sine():
    wave = sine(N_HISTORY + PERIOD)
    history = wave[:N_HISTORY]
    pipe = make_pipeline(
        MinMaxScaler(),
        SlidingWindowTransformer(window_size=10),
        LSTMRegressor(units=8, epochs=40, learning_rate=0.02, random_state=0),
    )
    pipe.fit(history[:-1, np.newaxis], history[1:])
    forecast = recursive_forecast(pipe, history, PERIOD)
    # A whole period fed only its own forecasts stays within 0.15 of the unit
    # wave (about 0.07 on TensorFlow and JAX); repeating the last value would
    # be 2 off.
    assert np.abs(forecast - wave[N_HISTORY:]).max() < 0.15


def test_direct_lstm_forecasts_its_horizon():
    wave = sine(N_HISTORY + PERIOD)
    X, y = make_windows(wave[:N_HISTORY], window_size=10, horizon=5)
    model = LSTMRegressor(units=8, epochs=40, learning_rate=0.02, random_state=0)
    model.fit(X, y)
    forecast = recursive_forecast(model, wave[:N_HISTORY], PERIOD, window_size=10)
    last_window = wave[np.newaxis, N_HISTORY - 10 : N_HISTORY, np.newaxis]
    assert_allclose(forecast[:5], model.predict(last_window)[0])
    # Four horizons of 5 steps, within 0.1 of the unit wave (about 0.02).
    assert np.abs(forecast - wave[N_HISTORY:]).max() < 0.1


# -- intervals: calibrated per-step residuals --------------------------------

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
        ({"coverage": 0}, "coverage == 0, must be > 0"),
        ({"coverage": 1.0}, "coverage == 1.0, must be < 1"),
        ({"coverage": 90}, "coverage == 90, must be < 1"),
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
        ({"coverage": "0.9"}, "coverage must be an instance of"),
        ({"coverage": 0.9, "n_origins": 2.5}, "n_origins must be an instance of int"),
    ],
)
def test_interval_arguments_of_a_wrong_type_raise_type_error(kwargs, match):
    model, series, _ = univariate_pipeline()
    with pytest.raises(TypeError, match=match):
        recursive_forecast(model, series, 3, **kwargs)


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
