"""HistoryDisplay and ForecastDisplay draw the data they are given."""

import sys

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklstm import (
    ForecastDisplay,
    HistoryDisplay,
    LSTMRegressor,
    SlidingWindowTransformer,
)

HISTORY = {
    "accuracy": [0.5, 0.6, 0.7],
    "loss": [3.0, 2.0, 1.5],
    "val_loss": [4.0, 3.0, 2.5],
}
SERIES = np.sin(np.arange(60) / 4)


@pytest.fixture(autouse=True)
def agg_backend():
    plt.switch_backend("Agg")
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def search():
    """A fitted search over a target-scaled window pipeline with validation."""
    lstm = LSTMRegressor(
        units=2, epochs=3, validation_split=0.25, metrics=["mae"], random_state=0
    )
    pipe = make_pipeline(MinMaxScaler(), SlidingWindowTransformer(3), lstm)
    model = TransformedTargetRegressor(pipe, transformer=MinMaxScaler())
    # One split: the search fits twice, once on the split and once to refit.
    split = [(np.arange(20), np.arange(20, 39))]
    grid = GridSearchCV(model, {"regressor__lstmregressor__units": [2]}, cv=split)
    return grid.fit(SERIES[:39, np.newaxis], SERIES[1:40])


def test_history_lines_hold_the_recorded_values():
    display = HistoryDisplay(HISTORY).plot()
    for key, values in HISTORY.items():
        assert_array_equal(display.lines_[key].get_xdata(), [1, 2, 3])
        assert_array_equal(display.lines_[key].get_ydata(), values)
    # The loss comes first, with its validation curve on the same Axes.
    assert display.axes_.shape == (2,)
    assert display.ax_ is display.axes_[0]
    assert display.ax_.get_ylabel() == "loss"
    assert display.lines_["val_loss"].axes is display.ax_
    assert display.lines_["accuracy"].axes is display.axes_[1]
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["training", "validation"]
    # A metric without validation values needs no legend.
    assert display.axes_[1].get_legend() is None
    assert display.figure_ is display.ax_.figure


def test_history_of_a_search_is_that_of_its_best_lstm(search):
    lstm = search.best_estimator_.regressor_[-1]
    display = HistoryDisplay.from_estimator(search)
    assert sorted(display.lines_) == ["loss", "mae", "val_loss", "val_mae"]
    for key, values in lstm.history_.items():
        assert_allclose(display.lines_[key].get_ydata(), values)
    assert display.ax_.get_title() == "LSTMRegressor"


def test_history_of_a_pipeline_and_a_target_transformer(search):
    model = search.best_estimator_
    for estimator in (model, model.regressor_, model.regressor_[-1]):
        display = HistoryDisplay.from_estimator(estimator, metrics=["loss"])
        assert_allclose(
            display.lines_["val_loss"].get_ydata(),
            model.regressor_[-1].history_["val_loss"],
        )


def test_history_draws_on_the_given_axes():
    _, axes = plt.subplots(1, 2)
    display = HistoryDisplay(HISTORY).plot(metrics=["accuracy", "loss"], ax=axes)
    assert display.ax_ is axes[0]
    assert display.lines_["accuracy"].axes is axes[0]
    assert display.lines_["loss"].axes is axes[1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metrics": ["mae"]}, r"recorded: \['accuracy', 'loss'\]"),
        ({"metrics": []}, "recorded"),
        ({"ax": "one"}, "one Axes per metric: got 1 Axes"),
    ],
)
def test_history_bad_arguments_raise(kwargs, match):
    if kwargs.get("ax") == "one":
        kwargs["ax"] = plt.subplots()[1]
    with pytest.raises(ValueError, match=match):
        HistoryDisplay(HISTORY).plot(**kwargs)


def test_history_of_an_unfitted_estimator_raises():
    with pytest.raises(NotFittedError, match="no training history"):
        HistoryDisplay.from_estimator(LSTMRegressor())


def test_forecast_follows_the_history_by_position():
    display = ForecastDisplay.from_predictions(
        SERIES[50:], SERIES[50:] + 0.1, y_history=SERIES[:50]
    )
    lines = display.lines_
    assert_array_equal(lines["history"].get_xdata(), np.arange(50))
    assert_array_equal(lines["history"].get_ydata(), SERIES[:50])
    assert_array_equal(lines["actual"].get_xdata(), np.arange(50, 60))
    assert_array_equal(lines["actual"].get_ydata(), SERIES[50:])
    assert_array_equal(lines["forecast"].get_xdata(), np.arange(50, 60))
    assert_allclose(lines["forecast"].get_ydata(), SERIES[50:] + 0.1)
    assert display.figure_ is display.ax_.figure


def test_forecast_uses_the_pandas_time_index():
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    series = pd.Series(SERIES, index=dates)
    forecast = series[50:] + 0.1
    display = ForecastDisplay.from_predictions(
        None, forecast, y_history=series[:50], estimator_name="LSTM"
    )
    assert "actual" not in display.lines_
    assert_array_equal(display.lines_["forecast"].get_xdata(), dates[50:])
    assert_array_equal(display.lines_["history"].get_xdata(), dates[:50])
    assert display.lines_["forecast"].get_label() == "LSTM"
    formatter = display.ax_.xaxis.get_major_formatter()
    assert isinstance(formatter, mdates.ConciseDateFormatter)


def test_forecast_periods_are_drawn_as_timestamps():
    months = pd.period_range("2020-01", periods=10, freq="M")
    display = ForecastDisplay.from_predictions(
        pd.Series(SERIES[:10], index=months), SERIES[:10]
    )
    assert_array_equal(display.lines_["forecast"].get_xdata(), months.to_timestamp())


def test_forecast_from_estimator_plots_its_predictions(search):
    X_test, y_test = SERIES[40:59, np.newaxis], SERIES[41:60]
    display = ForecastDisplay.from_estimator(search, X_test, y_test, ax=plt.gca())
    assert_allclose(display.lines_["forecast"].get_ydata(), search.predict(X_test))
    assert_array_equal(display.lines_["actual"].get_ydata(), y_test)
    assert display.lines_["forecast"].get_label() == "GridSearchCV"


@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        (SERIES[:5], np.ones((5, 2)), r"y_pred must be one series.*\(5, 2\)"),
        (SERIES[:4], SERIES[:5], "same length, got 4 and 5"),
        (SERIES[:5], [np.nan] * 5, "NaN"),
    ],
)
def test_forecast_bad_data_raises(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        ForecastDisplay.from_predictions(y_true, y_pred)


def band_edges(band, x):
    """The lowest and highest y of the band's outline at each of `x`."""
    vertices = band.get_paths()[0].vertices
    ys = [vertices[np.isclose(vertices[:, 0], value), 1] for value in x]
    return np.array([y.min() for y in ys]), np.array([y.max() for y in ys])


def test_interval_is_drawn_as_a_band_between_its_bounds():
    forecast = SERIES[50:] + 0.1
    lower, upper = forecast - np.linspace(0.1, 0.5, 10), forecast + 0.3
    display = ForecastDisplay.from_predictions(
        SERIES[50:],
        forecast,
        y_history=SERIES[:50],
        y_lower=lower,
        y_upper=upper,
        coverage=0.9,
    )
    assert isinstance(display.band_, PolyCollection)
    assert display.band_ in display.ax_.collections
    low, high = band_edges(display.band_, np.arange(50, 60))
    assert_allclose(low, lower)
    assert_allclose(high, upper)
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert "90% interval" in legend
    plain = ForecastDisplay.from_predictions(SERIES[50:], forecast)
    assert plain.band_ is None
    assert not plain.ax_.collections


def test_interval_of_a_pandas_forecast_follows_its_dates():
    dates = pd.date_range("2024-03-01", periods=10, freq="D")
    forecast = pd.Series(SERIES[50:], index=dates)
    display = ForecastDisplay(
        y_pred=forecast.to_numpy(),
        time=dates.to_numpy(),
        y_lower=(forecast - 0.2).to_numpy(),
        y_upper=(forecast + 0.2).to_numpy(),
    ).plot()
    low, high = band_edges(display.band_, mdates.date2num(dates))
    assert_allclose(high - low, 0.4)
    assert display.band_.get_label() == "interval"


@pytest.mark.parametrize(
    ("bounds", "match"),
    [
        ({"y_lower": SERIES[:5]}, "y_lower is given but y_upper is None"),
        ({"y_upper": SERIES[:5]}, "y_upper is given but y_lower is None"),
        (
            {"y_lower": SERIES[:4], "y_upper": SERIES[:5]},
            r"y_lower must have the shape of y_pred, \(5,\), got \(4,\)",
        ),
        (
            {"y_lower": SERIES[:5], "y_upper": SERIES[:6]},
            r"y_upper must have the shape of y_pred, \(5,\), got \(6,\)",
        ),
        (
            {"y_lower": SERIES[:5] + 1, "y_upper": SERIES[:5]},
            "y_lower must not exceed y_upper, but does at step 0",
        ),
        (
            {"y_lower": SERIES[:5], "y_upper": SERIES[:5] + 1, "coverage": 90},
            r"coverage must be in the open interval \(0, 1\), got 90",
        ),
        ({"coverage": 0.9}, "coverage=0.9 labels an interval, but y_lower and y_up"),
    ],
)
def test_bad_interval_raises_naming_it(bounds, match):
    with pytest.raises(ValueError, match=match):
        ForecastDisplay.from_predictions(SERIES[:5], SERIES[:5], **bounds)
    with pytest.raises(ValueError, match=match):
        ForecastDisplay(y_pred=SERIES[:5], time=np.arange(5), **bounds).plot()
    assert not plt.get_fignums()  # refused before a figure is made


def test_pandas_bounds_are_drawn_at_the_dates_of_their_index():
    dates = pd.date_range("2024-03-01", periods=5, freq="D")
    forecast = pd.Series(SERIES[:5], index=dates)
    lower, upper = forecast - np.arange(1, 6), forecast + 1
    display = ForecastDisplay.from_predictions(
        forecast, forecast, y_lower=lower, y_upper=upper
    )
    low, _ = band_edges(display.band_, mdates.date2num(dates))
    assert_allclose(low, lower)


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("y_lower", lambda bound: bound.iloc[::-1]),
        ("y_upper", lambda bound: bound.shift(30, freq="D")),
        ("y_true", lambda bound: bound.reset_index(drop=True)),
    ],
    ids=["reversed", "30-days-later", "positions"],
)
def test_pandas_data_indexed_otherwise_than_the_forecast_raises(name, edit):
    dates = pd.date_range("2024-03-01", periods=5, freq="D")
    forecast = pd.Series(SERIES[:5], index=dates)
    data = {"y_true": forecast, "y_lower": forecast - 1, "y_upper": forecast + 1}
    data[name] = edit(data[name])
    match = rf"{name} must have the index of y_pred, in the same order.*reindex"
    with pytest.raises(ValueError, match=match):
        ForecastDisplay.from_predictions(y_pred=forecast, **data)
    with pytest.raises(ValueError, match=match):
        ForecastDisplay(y_pred=forecast, time=dates.to_numpy(), **data).plot()
    # Without a pandas y_pred, the time axis and the reference are y_true's.
    if name != "y_true":
        with pytest.raises(ValueError, match=f"{name} must have the index of y_true"):
            ForecastDisplay.from_predictions(y_pred=SERIES[:5], **data)
    assert not plt.get_fignums()


def test_plotting_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "sklstm\[plot\]"'):
        HistoryDisplay(HISTORY).plot()
    with pytest.raises(ImportError, match=r'pip install "sklstm\[plot\]"'):
        ForecastDisplay.from_predictions(SERIES, SERIES)


def test_a_plain_savefig_keeps_every_label_clear():
    history = {
        "loss": [3.0, 2.0, 1.5],
        "mae": [1.2, 1.1, 0.9],
        "learning_rate": [1e-3, 1e-3, 5e-4],
    }
    displays = [
        HistoryDisplay(history).plot(),
        ForecastDisplay.from_predictions(
            SERIES[50:], SERIES[50:] + 0.1, y_history=SERIES[:50]
        ),
    ]
    for display in displays:
        figure = display.figure_
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        for ax in figure.axes:
            for label in (ax.xaxis.label, ax.yaxis.label):
                extent = label.get_window_extent(renderer)
                assert figure.bbox.contains(extent.x0, extent.y0), label
                assert figure.bbox.contains(extent.x1, extent.y1), label
    # Each panel's y label lies right of everything drawn for the panel before.
    axes = displays[0].axes_
    renderer = axes[0].figure.canvas.get_renderer()
    for left, right in zip(axes[:-1], axes[1:], strict=False):
        label = right.yaxis.label.get_window_extent(renderer)
        assert left.get_tightbbox(renderer).x1 <= label.x0
