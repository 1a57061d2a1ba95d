"""
=======================================
Forecasting a trend past its history
=======================================

The atmospheric CO2 concentration measured at Mauna Loa (monthly means, as
shipped with statsmodels) rises every year and swings with the seasons. The
last 20% of it lies above anything in the training period. A scaler fitted on
the training period maps those values above 1, where the LSTM's ``tanh`` cells
saturate: the usual pipeline's forecast flattens out below the truth and loses
to the naive forecast (the last value).

``LSTMRegressor(normalize="last")`` expresses each window relative to its last
value and adds back a linear function of that value, fitted by least squares
before training. The network then forecasts changes, which stay in range, and
follows the trend.
"""

# %%
# The series and a chronological hold-out
# ---------------------------------------
# Weekly readings averaged per month; a few missing months are interpolated.
# The pipeline reads one row per month and predicts the next month.
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from statsmodels.datasets import co2

from sklstm import (
    ForecastDisplay,
    LSTMRegressor,
    SlidingWindowTransformer,
    recursive_forecast,
)

FAST = os.environ.get("SKLSTM_EXAMPLES_FAST") == "1"

series = co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
if FAST:
    series = series[-120:]
n_train = len(series) - len(series) // 5
train, test = series[:n_train], series[n_train:]
print(f"train: {train.index[0]:%Y-%m} to {train.index[-1]:%Y-%m}, max {train.max()}")
print(f"test:  {test.index[0]:%Y-%m} to {test.index[-1]:%Y-%m}, max {test.max()}")

# %%
# Two pipelines that differ in one parameter
# ------------------------------------------
# Windows of two years, 16 LSTM units, both ``X`` and ``y`` scaled to
# ``[0, 1]`` on the training period. Each is fitted on the training months
# (``X`` = month t, ``y`` = month t + 1).


def pipeline(normalize):
    lstm = LSTMRegressor(
        units=16,
        epochs=2 if FAST else 30,
        learning_rate=0.01,
        normalize=normalize,
        random_state=0,
    )
    steps = [
        ("scale", MinMaxScaler()),
        ("window", SlidingWindowTransformer(window_size=24)),
        ("lstm", lstm),
    ]
    return TransformedTargetRegressor(
        regressor=Pipeline(steps), transformer=MinMaxScaler()
    )


X_train, y_train = train.to_numpy()[:-1, np.newaxis], train.to_numpy()[1:]
models = {
    "LSTM": pipeline(None).fit(X_train, y_train),
    'LSTM, normalize="last"': pipeline("last").fit(X_train, y_train),
}

# %%
# One step ahead over the hold-out
# --------------------------------
# Each month of the test period is forecast from the actual months before it.
# MASE divides the mean absolute error by that of the seasonal naive forecast
# on the training period: below 1 is better than it.
X_test = series.to_numpy()[n_train - 1 : -1, np.newaxis]
forecasts = {
    "naive": series.to_numpy()[n_train - 1 : -1],
    "seasonal naive": series.to_numpy()[n_train - 12 : -12],
    **{name: model.predict(X_test) for name, model in models.items()},
}
scale = np.mean(np.abs(train.to_numpy()[12:] - train.to_numpy()[:-12]))
errors = pd.DataFrame(
    {
        name: {
            "RMSE": np.sqrt(np.mean((forecast - test.to_numpy()) ** 2)),
            "MASE": np.mean(np.abs(forecast - test.to_numpy())) / scale,
        }
        for name, forecast in forecasts.items()
    }
).T
print(errors.round(3))

if not FAST:
    normalized = errors.loc['LSTM, normalize="last"', "RMSE"]
    assert normalized < errors.loc["naive", "RMSE"]
    assert normalized < errors.loc["seasonal naive", "RMSE"]
    assert normalized < errors.loc["LSTM", "RMSE"]

# %%
# The usual pipeline flattens out; the normalised one follows the trend.
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True, layout="constrained")
for ax, name in zip(axes, models, strict=True):
    ForecastDisplay.from_predictions(
        test,
        pd.Series(forecasts[name], index=test.index),
        y_history=train[-60:],
        estimator_name=name,
        ax=ax,
    )
    ax.set(title=f"{name}: RMSE {errors.loc[name, 'RMSE']:.2f} ppm", ylabel="ppm")
fig.savefig("trend_one_step.png")

# %%
# Two years past the training period
# ----------------------------------
# :func:`~sklstm.recursive_forecast` feeds each forecast back as the next
# input. From the end of the training period, the normalised model carries
# the trend and the seasonal swing on, above the training maximum.
future = recursive_forecast(models['LSTM, normalize="last"'], train, n_steps=24)
print(f"forecast max {future.max():.1f} ppm, training max {train.max():.1f} ppm")
display = ForecastDisplay.from_predictions(
    test[:24],
    future,
    y_history=train[-60:],
    estimator_name='recursive, normalize="last"',
)
display.ax_.set(ylabel="ppm", title="24 months forecast past the training period")
display.figure_.savefig("trend_recursive.png")
