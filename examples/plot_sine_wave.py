"""
=======================
Forecasting a sine wave
=======================

The classic first LSTM forecast: a sine wave of 5001 points, cut into
windows of 50 steps with :func:`~sklstm.make_windows`, and an
:class:`~sklstm.LSTMRegressor` that predicts the value after each window. The
last 20% of the wave is the test period. Then the model forecasts past the
data with :func:`~sklstm.recursive_forecast`, feeding its predictions back.
"""

# %%
# The wave, scaled and framed
# ---------------------------
# One period is 100 steps, so a window of 50 steps holds half a period. The
# scaler is fitted on the training part of the wave only, then applied to all
# of it; the first test windows reach back into the training part.
import os

import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import MinMaxScaler

from sklstm import ForecastDisplay, LSTMRegressor, make_windows, recursive_forecast

FAST = os.environ.get("SKLSTM_EXAMPLES_FAST") == "1"

n_points = 501 if FAST else 5001
window_size = 50
wave = np.sin(2 * np.pi * np.arange(n_points) / 100)
n_train = int(0.8 * n_points)
scaler = MinMaxScaler().fit(wave[:n_train, np.newaxis])
X, y = make_windows(scaler.transform(wave[:, np.newaxis]), window_size=window_size)
# Window i ends at step i + window_size - 1 and its target is the next step.
n_train_windows = n_train - window_size
X_train, X_test = X[:n_train_windows], X[n_train_windows:]
y_train, y_test = y[:n_train_windows], y[n_train_windows:]
print(f"train: {X_train.shape}, test: {X_test.shape}")

# %%
# Fit
# ---
# Ten LSTM units, 20 epochs of mini-batches of 128 windows, with the last 10%
# of the training windows held out to watch the validation loss.
model = LSTMRegressor(
    units=10,
    epochs=2 if FAST else 20,
    batch_size=128,
    validation_split=0.1,
    random_state=0,
)
model.fit(X_train, y_train)
n_epochs = len(model.history_["loss"])
for epoch in sorted({*range(0, n_epochs, 5), n_epochs - 1}):
    print(
        f"epoch {epoch + 1:2d}: loss {model.history_['loss'][epoch]:.6f}, "
        f"val_loss {model.history_['val_loss'][epoch]:.6f}"
    )

# %%
# Evaluate
# --------
# The mean squared error over the test period, in the scaled units of the
# wave (the scaled wave spans ``[0, 1]``).
y_pred = model.predict(X_test)
mse = mean_squared_error(y_test, y_pred)
print(f"test MSE (scaled units): {mse:.6f}")

assert y_pred.shape == y_test.shape
assert np.all(np.isfinite(y_pred))
if not FAST:
    assert mse <= 1e-3, f"test MSE {mse:.6f} > 1e-3"

# %%
# Predictions over the actual wave
# --------------------------------
# The first 400 steps of the test period, indexed by step so that the plot
# shows where they are in the wave.
steps = np.arange(n_train, n_points)[:400]
display = ForecastDisplay.from_predictions(
    pd.Series(y_test[:400], index=steps),
    y_pred[:400],
    estimator_name="LSTM prediction",
)
display.ax_.set(
    xlabel="step", ylabel="scaled value", title=f"Sine wave forecast, MSE {mse:.2e}"
)
display.figure_.savefig("sine_wave.png")

# %%
# Forecasting past the data
# -------------------------
# Each prediction above reads the 50 actual values before it. Past the end of
# the data there are none: :func:`~sklstm.recursive_forecast` appends each
# prediction to the series and predicts from it again. Rolled forward from the
# end of the training part, the forecast is compared with the true wave; its
# errors compound, since every step stands on earlier forecasts.
scaled = pd.Series(scaler.transform(wave[:, np.newaxis])[:, 0])
n_future = min(200, n_points - n_train)
rolled = recursive_forecast(model, scaled[:n_train], n_future, window_size=window_size)
rolled_mse = mean_squared_error(scaled[n_train : n_train + n_future], rolled)
print(f"recursive {n_future}-step forecast MSE (scaled units): {rolled_mse:.6f}")

display = ForecastDisplay.from_predictions(
    scaled[n_train : n_train + n_future],
    rolled,
    y_history=scaled[n_train - 100 : n_train],
    estimator_name="recursive forecast",
)
display.ax_.set(xlabel="step", ylabel="scaled value", title="Forecast past the data")
display.figure_.savefig("sine_wave_recursive.png")
