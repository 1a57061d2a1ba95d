"""
==========================================
Prediction intervals with MAPIE and sklstm
==========================================

A forecast is more useful with its uncertainty: how far from it can the next
value be? Conformal prediction answers with intervals whose coverage holds on
data like the calibration data, whatever the model. This example wraps an
:class:`~sklstm.LSTMRegressor` in two methods of `MAPIE
<https://mapie.readthedocs.io>`_ (``pip install mapie``):

- split conformal prediction around a fitted network, calibrated on the
  part of the series that follows its training part;
- EnbPI, for time series: an ensemble of networks fitted on block-bootstrap
  resamples, whose intervals widen or narrow as new residuals arrive.

Both give one-step intervals. For a forecast of many steps past the data,
:func:`~sklstm.recursive_forecast` with ``coverage=`` calibrates one
interval per step, drawn by :class:`~sklstm.ForecastDisplay`. Last, a quantile
network's own intervals, recalibrated as each new value is observed, with
:func:`~sklstm.adaptive_interval`.

The series is a sine wave whose noise grows and shrinks with its phase.
"""

# %%
# Windows as rows, split in time order
# ------------------------------------
# MAPIE resamples and splits rows. Windows from :func:`~sklstm.make_windows`
# carry their own history, so any subset of them is still a valid set of
# samples. (A pipeline with a :class:`~sklstm.SlidingWindowTransformer`
# windows the rows it is given, and rows drawn out of order would make
# windows out of non-adjacent time steps.) One series gives 2D windows
# ``(n_samples, window_size)``: MAPIE 1.6 checks that a prefit estimator is
# fitted by predicting one 2D row, which a network fitted on 3D windows
# rejects.
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from mapie.regression import SplitConformalRegressor, TimeSeriesRegressor
from mapie.subsample import BlockBootstrap

from sklstm import (
    ForecastDisplay,
    LSTMRegressor,
    adaptive_interval,
    make_windows,
    recursive_forecast,
)

FAST = os.environ.get("SKLSTM_EXAMPLES_FAST") == "1"

rng = np.random.default_rng(0)
# In fast mode, 80 test windows: 8 blocks of 10 below, all of one shape.
n_points = 424 if FAST else 1000
phase = 2 * np.pi * np.arange(n_points) / 50
noise_scale = 0.05 + 0.25 * (1 + np.sin(phase))
series = np.sin(phase) + noise_scale * rng.standard_normal(n_points)

window_size = 24
X, y = make_windows(series, window_size)
X = X[:, :, 0]
n_train, n_calibration = int(0.6 * len(X)), int(0.2 * len(X))
calibration = slice(n_train, n_train + n_calibration)
test = slice(n_train + n_calibration, None)


def network():
    return LSTMRegressor(
        units=4 if FAST else 16,
        epochs=2 if FAST else 20,
        batch_size=64,
        random_state=0,
    )


def coverage(bounds, y_true):
    lower, upper = bounds[:, 0, 0], bounds[:, 1, 0]
    inside = (y_true >= lower) & (y_true <= upper)
    return inside.mean(), (upper - lower).mean()


# %%
# Split conformal prediction around a fitted network
# --------------------------------------------------
# The network learns from the first 60% of the windows; the next 20%
# calibrate the interval, and the last 20% test it. ``prefit=True`` keeps the
# network as it is.
model = network().fit(X[:n_train], y[:n_train])
split = SplitConformalRegressor(model, confidence_level=0.9, prefit=True)
split.conformalize(X[calibration], y[calibration])
split_pred, split_bounds = split.predict_interval(X[test])
print(
    "split conformal: coverage %.3f, mean width %.3f" % coverage(split_bounds, y[test])
)

# %%
# EnbPI: an ensemble on block-bootstrap resamples
# -----------------------------------------------
# Blocks of consecutive windows keep the dependence between neighbouring
# residuals. After each block of test steps is observed, ``update`` adds its
# residuals, so the interval follows the noise as it changes. With 15
# resamplings, every window is left out of some of them, which EnbPI needs for
# its out-of-bag residuals.
bootstrap = BlockBootstrap(
    n_resamplings=15, length=50, overlapping=True, random_state=0
)
enbpi = TimeSeriesRegressor(network(), method="enbpi", cv=bootstrap, random_state=0)
enbpi.fit(X[: n_train + n_calibration], y[: n_train + n_calibration])
X_test, y_test = X[test], y[test]
step = 10
enbpi_pred, enbpi_bounds = [], []
for start in range(0, len(X_test), step):
    block = slice(start, start + step)
    pred, bounds = enbpi.predict(
        X_test[block], confidence_level=0.9, ensemble=True, allow_infinite_bounds=True
    )
    enbpi_pred.append(pred)
    enbpi_bounds.append(bounds)
    with warnings.catch_warnings():
        # MAPIE 1.6's update warns on every call about arguments not used here.
        warnings.filterwarnings("ignore", message=r"\s*This function behavior")
        enbpi.update(X_test[block], y_test[block])
enbpi_pred, enbpi_bounds = np.concatenate(enbpi_pred), np.concatenate(enbpi_bounds)
print(
    "EnbPI:           coverage %.3f, mean width %.3f" % coverage(enbpi_bounds, y_test)
)

# %%
# The intervals on the test period
# --------------------------------
# The split-conformal interval has one width everywhere: wide enough for the
# noisiest phase. EnbPI's width moves with the recent residuals.
steps = np.arange(len(y_test))
fig, axes = plt.subplots(2, 1, sharex=True, figsize=(8, 6))
for ax, name, pred, bounds in [
    (axes[0], "split conformal", split_pred, split_bounds),
    (axes[1], "EnbPI", enbpi_pred, enbpi_bounds),
]:
    ax.fill_between(
        steps, bounds[:, 0, 0], bounds[:, 1, 0], alpha=0.3, label="90% interval"
    )
    ax.plot(steps, y_test, "k.", markersize=3, label="actual")
    ax.plot(steps, pred, label="forecast")
    ax.set_title(name)
    ax.legend(loc="upper right")
axes[1].set_xlabel("test step")
fig.tight_layout()
fig.savefig("intervals.png")

# %%
# Forecasting many steps, with an interval per step
# -------------------------------------------------
# :func:`~sklstm.recursive_forecast` feeds each prediction back to forecast
# the next half period. With ``coverage=0.9`` it also backtests the same
# recursive forecast from every origin of the series it is given and takes,
# for each step ahead, the split-conformal quantile of the errors: the
# interval widens with the horizon as the errors compound. Given the
# calibration period (with the window before it), which the network never
# saw, the errors are out of sample; the forecast continues its end, the
# start of the test period.
n_steps = 25
end = n_train + n_calibration + window_size  # the first test step
recent = pd.Series(series[n_train:end], index=range(n_train, end))
forecast, lower, upper = recursive_forecast(
    model, recent, n_steps, window_size=window_size, coverage=0.9
)
actual = pd.Series(series[end : end + n_steps], index=forecast.index)
display = ForecastDisplay.from_predictions(
    actual,
    forecast,
    y_history=recent[-2 * n_steps :],
    y_lower=lower,
    y_upper=upper,
    coverage=0.9,
)
display.ax_.set_title("recursive forecast with a 90% interval per step")
display.figure_.savefig("forecast_interval.png")
half_width = (upper - forecast).to_numpy()
print("half-width at steps 1, 10, 25:", half_width[[0, 9, 24]].round(3))

# %%
# Over many forecasts, about 90% of the actual values at each step fall in
# their interval, if the coming errors are like those of the calibration
# period: coverage is a rate over forecasts, not a promise for one of them.
# ``benchmarks/forecast_intervals.py`` measures it step by step on a held-out
# period.

# %%
# Recalibrating as the data arrives
# ---------------------------------
# A quantile network calibrates its own intervals on the last part of its
# training rows (``calibration_fraction``: here the same 20% of the series
# that calibrated MAPIE). :func:`~sklstm.adaptive_interval` walks the test
# period in time order and recalibrates each interval on the calibration
# rows and the test values already observed, adapting its level to the
# misses so far (adaptive conformal inference). Given only the values up to
# some time, the next row's interval is that of the next forecast.
quantile_model = LSTMRegressor(
    units=4 if FAST else 16,
    epochs=2 if FAST else 20,
    batch_size=64,
    random_state=0,
    quantiles=(0.05, 0.5, 0.95),
    calibration_fraction=0.25,
)
quantile_model.fit(X[: n_train + n_calibration], y[: n_train + n_calibration])
for name, bounds in [
    ("calibrated once", quantile_model.predict_interval(X_test, coverage=0.9)),
    ("recalibrated", adaptive_interval(quantile_model, X_test, y_test, coverage=0.9)),
]:
    inside = (y_test >= bounds[:, 0]) & (y_test <= bounds[:, 1])
    width = (bounds[:, 1] - bounds[:, 0]).mean()
    print(f"{name}: coverage {inside.mean():.3f}, mean width {width:.3f}")
