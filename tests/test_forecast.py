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
