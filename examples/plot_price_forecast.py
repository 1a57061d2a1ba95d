"""
======================================
Forecasting a price with stacked LSTMs
======================================

A next-day forecast of a price-like series with the Keras knobs a forecaster
reaches for: two stacked LSTM layers, a validation split, dropout and a
:class:`keras.callbacks.ReduceLROnPlateau` callback that halves the learning
rate when the validation loss stalls. The series is scaled to ``[0, 1]``,
framed with :func:`~sklstm.make_windows`, split in time order and scored with
:mod:`sklearn.metrics`.
"""

# %%
# A synthetic price
# -----------------
# A geometric random walk with an upward drift, plus a yearly seasonal swing:
# the log-price moves by a small random step each trading day.
import os

import keras
import numpy as np
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.preprocessing import MinMaxScaler

from sklstm import ForecastDisplay, HistoryDisplay, LSTMRegressor, make_windows

FAST = os.environ.get("SKLSTM_EXAMPLES_FAST") == "1"

rng = np.random.default_rng(0)
n_days = 200 if FAST else 1500
days = np.arange(n_days)
log_returns = 0.0004 + 0.01 * rng.standard_normal(n_days)
season = 0.05 * np.sin(2 * np.pi * days / 250)
price = 100 * np.exp(np.cumsum(log_returns) + season)

# %%
# Scale, frame and split in time order
# ------------------------------------
# The last 20% of the days are the test period. The scaler is fitted on the
# training days only, so nothing about the test period leaks into training.
# Each sample is the window of the 30 previous days; the target is the next
# day. The first test windows reach back into the training days, which is the
# history the model has at that time.
window_size = 30
n_train = int(0.8 * n_days)
scaler = MinMaxScaler().fit(price[:n_train, np.newaxis])
scaled = scaler.transform(price[:, np.newaxis])
X, y = make_windows(scaled, window_size=window_size)
# Window i ends on day i + window_size - 1 and its target is the next day.
n_train_windows = n_train - window_size
X_train, X_test = X[:n_train_windows], X[n_train_windows:]
y_train, y_test = y[:n_train_windows], y[n_train_windows:]
print(f"train: {X_train.shape}, test: {X_test.shape}")

# %%
# A stacked LSTM with callbacks
# -----------------------------
# ``units=(32, 16)`` stacks two LSTM layers, the first returning its whole
# sequence to the second. ``validation_split=0.1`` holds out the last 10% of
# the training windows, and ``ReduceLROnPlateau`` watches their loss.
reduce_lr = keras.callbacks.ReduceLROnPlateau(
    monitor="val_loss", factor=0.5, patience=5, min_lr=1e-5
)
model = LSTMRegressor(
    units=(32, 16),
    dropout=0.0,
    epochs=2 if FAST else 40,
    batch_size=32,
    validation_split=0.1,
    callbacks=[reduce_lr],
    random_state=0,
)
model.fit(X_train, y_train)
print(f"final learning rate: {model.history_['learning_rate'][-1]:.2e}")

# %%
# Evaluate on the test period
# ---------------------------
# Errors in scaled units, next to the naive forecast that tomorrow's price is
# today's. A random walk is hard to beat: the naive forecast is the benchmark.
# The test period climbs above the training range (scaled values above 1),
# so the network has to extrapolate.
y_pred = model.predict(X_test)
mse = mean_squared_error(y_test, y_pred)
mae = mean_absolute_error(y_test, y_pred)
naive = X_test[:, -1, 0]
naive_mse = mean_squared_error(y_test, naive)
naive_mae = mean_absolute_error(y_test, naive)
print(f"scaled test prices span [{y_test.min():.2f}, {y_test.max():.2f}]")
print(f"LSTM:  test MSE {mse:.6f}, test MAE {mae:.4f}")
print(f"naive: test MSE {naive_mse:.6f}, test MAE {naive_mae:.4f}")

assert y_pred.shape == y_test.shape
assert np.all(np.isfinite(y_pred))
if not FAST:
    assert mse <= 1.5 * naive_mse, f"test MSE {mse:.6f} > 1.5 x {naive_mse:.6f}"

# %%
# What dropout does here
# ----------------------
# ``dropout`` drops inputs of each LSTM layer, as in ``keras.layers.LSTM``.
# Keras keeps one dropout mask for all the time steps of a window, so with a
# single input feature it blanks whole windows of the first layer, and the
# network learns to hedge towards the mean. Dropout regularizes models with
# many input features; on one price it costs accuracy, as a clone of the
# model with ``dropout=0.1`` shows.
with_dropout = clone(model).set_params(dropout=0.1).fit(X_train, y_train)
dropout_mse = mean_squared_error(y_test, with_dropout.predict(X_test))
print(f"LSTM with dropout=0.1: test MSE {dropout_mse:.6f}")

# %%
# Learning curves
# ---------------
# ``history_`` holds the per-epoch training and validation losses, and the
# learning rate that ``ReduceLROnPlateau`` set; :class:`~sklstm.HistoryDisplay`
# draws each metric on its own Axes.
history = HistoryDisplay.from_estimator(model)
history.ax_.set_yscale("log")
history.figure_.savefig("price_forecast_loss.png")

# %%
# The forecast
# ------------
# Back in price units, the test-period forecast next to the actual price, after
# the training period. Both are numbered by day, so the test days follow the
# training days.
display = ForecastDisplay.from_predictions(
    scaler.inverse_transform(y_test[:, np.newaxis])[:, 0],
    scaler.inverse_transform(y_pred[:, np.newaxis])[:, 0],
    y_history=price[:n_train],
    estimator_name="LSTM forecast",
)
display.ax_.set(xlabel="day", ylabel="price", title="Next-day forecast")
display.figure_.savefig("price_forecast.png")
