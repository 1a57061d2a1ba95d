"""
===================================
The life cycle of an LSTM estimator
===================================

A Keras model goes through five steps: define the network, compile it, fit
it, evaluate it and make predictions. With :class:`~sklstm.LSTMRegressor`
those steps are the ones of any scikit-learn estimator: the constructor
defines the network from plain hyperparameters, ``fit`` builds, compiles and
trains it, and ``score``, ``predict`` and :mod:`sklearn.metrics` do the rest.

The task is the smallest sequence problem there is: in the sequence
0.0, 0.1, ..., 0.9, learn to predict the next number from the current one.
"""

# %%
# The data
# --------
# :func:`~sklstm.make_windows` frames a series for supervised learning. With
# windows of one time step, each sample holds one number and its target is
# the number that follows it: 9 samples, from 0.0 -> 0.1 to 0.8 -> 0.9. The
# windows are 3-D, ``(n_samples, n_timesteps, n_features)``, as Keras
# expects.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import mean_squared_error

from sklstm import LSTMRegressor, make_windows

FAST = os.environ.get("SKLSTM_EXAMPLES_FAST") == "1"

sequence = np.arange(10) / 10
X, y = make_windows(sequence, window_size=1)
print(f"X: {X.shape}, y: {y.shape}")

# %%
# Define
# ------
# One LSTM layer of 10 units and a linear output unit. The whole training set
# of 9 samples makes one batch, and ``random_state`` makes the run
# reproducible.
epochs = 20 if FAST else 1000
model = LSTMRegressor(units=10, epochs=epochs, batch_size=9, random_state=0)
print(model)

# %%
# Compile and fit
# ---------------
# ``fit`` builds the network for the shape of ``X``, compiles it with the
# ``optimizer`` and ``loss`` hyperparameters (Adam and mean squared error by
# default) and trains it. The Keras model is kept in ``model_``, and the
# per-epoch losses in ``history_``.
model.fit(X, y)
model.model_.summary()
print(f"loss after epoch 1: {model.history_['loss'][0]:.4f}")
print(f"loss after epoch {epochs}: {model.history_['loss'][-1]:.6f}")

# %%
# Evaluate
# --------
# ``score`` is the coefficient of determination R², as for every
# scikit-learn regressor; any metric of :mod:`sklearn.metrics` works too.
predictions = model.predict(X)
mse = mean_squared_error(y, predictions)
print(f"R²: {model.score(X, y):.4f}, MSE: {mse:.6f}")

# %%
# Predict
# -------
# The table lists each input, the number that follows it and the prediction.
errors = np.abs(predictions - y)
print("input  target  prediction  error")
for x_t, y_t, p_t, e_t in zip(X[:, 0, 0], y, predictions, errors, strict=True):
    print(f"{x_t:5.1f}  {y_t:6.1f}  {p_t:10.3f}  {e_t:5.3f}")

assert predictions.shape == y.shape
assert np.all(np.isfinite(predictions))
if not FAST:
    assert errors.max() <= 0.05, f"largest error {errors.max():.3f} > 0.05"

# %%
# The predictions next to the targets; the dashed line is a perfect
# prediction.
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(y, y, "--", color="grey", label="perfect prediction")
ax.plot(y, predictions, "o", label="LSTM prediction")
ax.set_xlabel("next number")
ax.set_ylabel("predicted next number")
ax.set_title("Learning the next number in 0.0, 0.1, ..., 0.9")
ax.legend()
fig.tight_layout()
fig.savefig("sequence_lifecycle.png")
