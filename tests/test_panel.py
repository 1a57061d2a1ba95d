"""Panels: many series in one frame indexed by (series id, time)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from sklstm import (
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
    recursive_forecast,
)
from sklstm._panel import PanelTimeSeriesSplit

N_TIMES = 12
IDS = ["north", "south", "east"]


def panel(times=None, ids=IDS, interleaved=False):
    """Three series of distinct values, rows by series (or by time if asked)."""
    times = slice(None) if times is None else times
    steps = np.arange(N_TIMES)[times]
    days = pd.date_range("2024-01-01", periods=N_TIMES, freq="D")[times]
    index = pd.MultiIndex.from_product([ids, days], names=["store", "day"])
    codes = np.repeat([IDS.index(i) for i in ids], len(steps))
    steps = np.tile(steps, len(ids))
    frame = pd.DataFrame(
        {"load": 100.0 * codes + steps, "temp": -100.0 * codes - steps}, index=index
    )
    if interleaved:
        frame = frame.sort_index(level="day", sort_remaining=False)
    return frame


def one_by_one(fitted, X, window_size):
    """The windows of each series of `X`, by a single-series transformer each."""
    windows = np.empty((len(X), window_size, X.shape[1]), np.float32)
    for name in X.index.unique(level=0):
        rows = np.flatnonzero(X.index.get_level_values(0) == name)
        part = X.iloc[rows].droplevel(0)
        series = SlidingWindowTransformer(window_size)
        if name in fitted.index.unique(level=0):
            series.fit(fitted.xs(name))
            windows[rows] = series.transform(part)
        else:
            windows[rows] = series.fit_transform(part)
    return windows


@pytest.mark.parametrize("interleaved", [False, True])
def test_windows_never_cross_series_and_keep_row_order(interleaved):
    X = panel(interleaved=interleaved)
    Xt = SlidingWindowTransformer(window_size=4).fit_transform(X)
    assert Xt.shape == (len(X), 4, 2)
    assert_array_equal(Xt, one_by_one(X, X, 4))
    # Every value of a window comes from its own row's series.
    own_series = (X["load"].to_numpy() // 100)[:, None]
    assert (Xt[:, :, 0] // 100 == own_series).all()


@pytest.mark.parametrize("interleaved", [False, True])
def test_test_fold_of_each_series_continues_its_own_training(interleaved):
    X = panel(interleaved=interleaved)
    train, test = next(PanelTimeSeriesSplit(n_splits=2).split(X))
    window = SlidingWindowTransformer(window_size=5).fit(X.iloc[train])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Xt = window.transform(X.iloc[test])
    assert_array_equal(Xt, one_by_one(X.iloc[train], X.iloc[test], 5))
    # The first test window of "south" ends with its own last training rows.
    first = np.flatnonzero(X.iloc[test].index.get_level_values(0) == "south")[0]
    assert_array_equal(Xt[first, :, 0], [100, 101, 102, 103, 104])


def test_series_unseen_in_fit_is_padded_as_a_series_start():
    window = SlidingWindowTransformer(window_size=3).fit(panel(ids=["north"]))
    Xt = window.transform(panel(times=slice(5, 8), ids=["north", "east"]))
    assert_array_equal(
        Xt[:, :, 0],
        [[3, 4, 5], [4, 5, 6], [5, 6, 7]]
        + [[205, 205, 205], [205, 205, 206], [205, 206, 207]],
    )


def test_gaps_of_several_series_give_one_warning_naming_the_first():
    X = panel()
    days = X.index.get_level_values("day").day
    window = SlidingWindowTransformer(window_size=3).fit(X[days != 7])
    with pytest.warns(UserWarning, match="in series 'north' between") as record:
        Xt = window.transform(X[days > 7])
    assert len(record) == 1
    assert "(and 2 more gap(s))" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_array_equal(Xt, one_by_one(X[days != 7], X[days > 7], 3))


def test_fit_transform_of_a_panel_with_gaps_equals_fit_then_transform():
    X = panel(interleaved=True)
    X = X[X.index.get_level_values("day").day != 7]
    window = SlidingWindowTransformer(window_size=3)
    with pytest.warns(UserWarning, match="in series 'north' between") as record:
        Xt = window.fit_transform(X)
    assert len(record) == 1
    assert record[0].filename == __file__  # the caller's line, not sklstm's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_array_equal(Xt, SlidingWindowTransformer(3).fit(X).transform(X))
        assert_array_equal(window.transform(X), Xt)


def test_pipeline_with_pandas_output_windows_a_scaled_panel_per_series():
    X = panel()
    pipe = make_pipeline(MinMaxScaler(), SlidingWindowTransformer(window_size=3))
    Xt = pipe.set_output(transform="pandas").fit_transform(X)
    scaled = MinMaxScaler().set_output(transform="pandas").fit_transform(X)
    assert_array_equal(Xt, one_by_one(scaled, scaled, 3))


def test_panel_and_single_series_do_not_mix():
    X = panel()
    window = SlidingWindowTransformer(window_size=3).fit(X)
    with pytest.raises(ValueError, match="fitted on a panel .* X must be one too"):
        window.transform(X.xs("north"))
    window.fit(X.xs("north"))
    assert window.ids_ is None
    with pytest.raises(ValueError, match="X is a panel .* fitted on one series"):
        window.transform(X)


def test_refit_on_a_panel_forgets_the_single_series():
    window = SlidingWindowTransformer(window_size=3).fit(panel().xs("north"))
    window.fit(panel())
    assert window.series_ is None and window.index_ is None
    assert list(window.ids_) == IDS
    assert len(window.series_transformers_) == 3


@pytest.mark.parametrize(
    "index, match",
    [
        (
            pd.MultiIndex.from_tuples([("a", 0), ("a", 1), ("a", 1)]),
            r"in series 'a' row 2 \(1\) follows row 1 \(1\)",
        ),
        (
            pd.MultiIndex.from_tuples([("a", 0), ("b", 5), ("a", 2), ("b", 3)]),
            r"in series 'b' row 3 \(3\) follows row 1 \(5\)",
        ),
        (
            pd.MultiIndex.from_tuples([("a", 0, 1), ("a", 1, 1), ("a", 2, 1)]),
            "two levels, .* has 3 levels",
        ),
        (
            pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("a", "x")]),
            r"repeats \(series id, time\) \('a', 'x'\) at row 2",
        ),
    ],
)
def test_bad_panel_index_raises(index, match):
    X = pd.DataFrame({"load": np.arange(len(index), dtype=float)}, index=index)
    with pytest.raises(ValueError, match=match):
        SlidingWindowTransformer(window_size=2).fit(X)
    with pytest.raises(ValueError, match=match):
        make_windows(X, 1)


def test_make_windows_of_a_panel_concatenates_each_series_in_turn():
    X = panel(interleaved=True)
    windows, y = make_windows(X, window_size=3, horizon=2, target="load")
    expected = [make_windows(X.xs(name), 3, horizon=2, target="load") for name in IDS]
    assert windows.shape == (3 * (N_TIMES - 4), 3, 2)
    assert_array_equal(windows, np.concatenate([w for w, _ in expected]))
    assert_array_equal(y, np.concatenate([t for _, t in expected]))
    assert not windows.flags.writeable


def test_make_windows_of_a_panel_skips_short_series_or_raises():
    X = pd.concat([panel(ids=["north"]), panel(times=slice(0, 3), ids=["south"])])
    windows, y = make_windows(X, window_size=3, target="load")
    assert_array_equal(windows, make_windows(X.xs("north"), 3)[0])
    assert_array_equal(y, np.arange(3.0, N_TIMES))
    with pytest.raises(ValueError, match="no series of the panel has"):
        make_windows(X, window_size=N_TIMES)


@pytest.mark.parametrize("gap", [0, 2])
def test_panel_split_folds_by_time_across_series(gap):
    X = panel(interleaved=True).iloc[::-1].sort_index(level="store")
    days = X.index.get_level_values("day")
    split = PanelTimeSeriesSplit(n_splits=3, gap=gap)
    distinct = np.sort(days.unique())
    reference = TimeSeriesSplit(n_splits=3, gap=gap).split(distinct)
    folds = list(split.split(X))
    assert len(folds) == split.get_n_splits(X) == 3
    for (train, test), (train_times, test_times) in zip(folds, reference, strict=True):
        assert set(days[train]) == set(distinct[train_times])
        assert set(days[test]) == set(distinct[test_times])
        # Every series is in every fold, and training ends `gap` days before.
        assert X.iloc[test].index.unique(level=0).size == len(IDS)
        assert days[train].max() + pd.Timedelta(days=gap + 1) == days[test].min()
        assert len(train) == len(IDS) * len(train_times)


def test_panel_split_rejects_a_single_series():
    with pytest.raises(ValueError, match="X must be a DataFrame indexed by"):
        next(PanelTimeSeriesSplit(n_splits=2).split(panel().xs("north")))


# recursive_forecast of a panel. A sine obeys x[t + 1] = 2 cos(w) x[t] - x[t - 1],
# so a linear model on windows continues each series exactly.

PERIOD, N_HISTORY = 10, 40


def sines(n_points=N_HISTORY, ids=IDS):
    """A sine per series, of its own amplitude and phase, indexed by month."""
    months = pd.period_range("2020-01", periods=n_points, freq="M")
    index = pd.MultiIndex.from_product([ids, months], names=["store", "month"])
    waves = [
        (1 + k) * np.sin(2 * np.pi * np.arange(n_points) / PERIOD + k)
        for k in range(len(ids))
    ]
    return pd.DataFrame({"load": np.concatenate(waves)}, index=index)


def next_step(panel):
    """X (all rows but each series' last) and y (the next load) of a panel."""
    y = panel.groupby(level=0)["load"].shift(-1).dropna()
    return panel.loc[y.index], y


def flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def window_linear(window_size):
    return make_pipeline(
        SlidingWindowTransformer(window_size),
        FunctionTransformer(flatten),
        LinearRegression(),
    )


@pytest.fixture(scope="module")
def fitted_linear():
    X, y = next_step(sines())
    # Padded windows at each series' start are not sines: no weight.
    complete = X.groupby(level=0).cumcount().to_numpy() >= 2
    return window_linear(3).fit(X, y, linearregression__sample_weight=complete)


def test_linear_pipeline_continues_every_series_of_a_panel(fitted_linear):
    forecast = recursive_forecast(fitted_linear, sines(), n_steps=15)
    truth = sines(N_HISTORY + 15).groupby(level=0).tail(15)["load"]
    # float32 windows: exact to float32 precision, compounded over 15 steps.
    assert_allclose(forecast.to_numpy(), truth.to_numpy(), atol=1e-5)
    assert forecast.index.equals(truth.index)
    assert forecast.name == "load"


def test_ids_forecast_the_series_asked_for(fitted_linear):
    forecast = recursive_forecast(fitted_linear, sines(), 4, ids=["east", "north"])
    every = recursive_forecast(fitted_linear, sines(), 4)
    assert list(forecast.index.unique(level=0)) == ["east", "north"]
    assert_allclose(
        forecast.sort_index(), every.loc[["east", "north"]].sort_index(), atol=1e-6
    )
    with pytest.raises(ValueError, match=r"ids \['west'\] are not series"):
        recursive_forecast(fitted_linear, sines(), 4, ids=["west"])


def test_regressor_on_panel_windows_continues_every_series():
    X, y = make_windows(sines(), window_size=3)
    model = make_pipeline(FunctionTransformer(flatten), LinearRegression()).fit(X, y)
    forecast = recursive_forecast(model, sines(), 6, window_size=3)
    truth = sines(N_HISTORY + 6).groupby(level=0).tail(6)["load"]
    # float32 windows (rounding ~1e-7 on values up to 2), fed back through
    # an AR fit that amplifies it at each of 6 steps: 2e-6 with NumPy 2.4.
    assert_allclose(forecast.to_numpy(), truth.to_numpy(), atol=1e-5)


def test_lstm_forecast_of_a_panel_is_each_series_own_forecast():
    panel = sines(20)
    pipe = make_pipeline(
        MinMaxScaler(),
        SlidingWindowTransformer(4),
        LSTMRegressor(units=2, epochs=1, random_state=0),
    ).set_output(transform="pandas")
    pipe.fit(*next_step(panel))
    forecast = recursive_forecast(pipe, panel, n_steps=3)
    assert forecast.shape == (3 * len(IDS),)
    for name in IDS:
        alone = recursive_forecast(pipe, panel, n_steps=3, ids=[name])
        assert_allclose(forecast.loc[name], alone.loc[name], rtol=1e-5)


def test_known_and_static_columns_of_a_panel():
    """Spikes driven by a known flag are forecast; a one-hot store stays."""
    n_points = N_HISTORY + 5
    truth = sines(n_points + 1)
    random = np.random.default_rng(0).random(len(truth)) < 0.15
    third_step = truth.groupby(level=0).cumcount() == N_HISTORY + 2
    flag = third_step | random  # every series spikes in the forecast
    truth["load"] += 5 * flag
    # A known input enters the row before the step it drives: a lead column.
    truth["flag_next"] = flag.groupby(level=0).shift(-1) * 1.0
    truth["is_east"] = (truth.index.get_level_values(0) == "east") * 1.0
    truth = truth.groupby(level=0).head(n_points)
    panel, future = (
        truth.groupby(level=0).head(N_HISTORY),
        truth.groupby(level=0).tail(5),
    )
    X, y = make_windows(panel, window_size=3, target="load")
    model = make_pipeline(FunctionTransformer(flatten), LinearRegression()).fit(X, y)
    exog = future[["flag_next"]]

    forecast = recursive_forecast(
        model, panel, 5, target="load", exog=exog, window_size=3
    )

    assert forecast.index.equals(future.index)
    # Linear in the window (a sine recursion plus the flags): exact.
    assert_allclose(forecast.to_numpy(), future["load"].to_numpy(), atol=1e-3)
    with pytest.raises(ValueError, match=r"\['flag_next'\] of series change within"):
        recursive_forecast(model, panel, 5, target="load", window_size=3)
    with pytest.raises(ValueError, match="exog must be one too"):
        recursive_forecast(
            model, panel, 5, target="load", exog=exog.xs("east"), window_size=3
        )
    with pytest.raises(ValueError, match="exog has 4 row"):
        recursive_forecast(
            model, panel, 5, target="load", exog=exog.iloc[1:], window_size=3
        )


def test_panel_forecast_needs_a_window_step_fitted_on_a_panel():
    north = sines().xs("north")
    single = window_linear(3).fit(north.iloc[:-1], north["load"].iloc[1:])
    with pytest.raises(ValueError, match="fitted on one series: fit the pipeline"):
        recursive_forecast(single, sines(), 2)
    with pytest.raises(ValueError, match="ids selects series of a panel"):
        recursive_forecast(single, sines().xs("north"), 2, ids=["north"])
