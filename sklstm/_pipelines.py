"""The forecaster that ``sklstm forecast`` and the demo train, and its reports.

A scaled, windowed series fed to :class:`~sklstm.LSTMRegressor` inside a
:class:`~sklearn.pipeline.Pipeline`, with the target scaled by
:class:`~sklearn.compose.TransformedTargetRegressor`: the composition of the
package design. Importing this module imports Keras; the command line does so
only once its input has been checked.
"""

import sys

import keras
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from sklstm._regressor import LSTMRegressor
from sklstm._window import SlidingWindowTransformer

BATCH_SIZE = 32
LEARNING_RATE = 0.01


def build_forecaster(window_size, units, epochs, seed, normalize=None):
    """Return the forecaster: scaled windows, LSTM, scaled target.

    Parameters
    ----------
    window_size : int
        Time steps per window.
    units : int
        Width of the LSTM layer.
    epochs : int
        Training epochs.
    seed : int
        ``random_state`` of the network.
    normalize : {"last", "mean"} or None, default=None
        ``normalize`` of the network: windows relative to their last value or
        mean, for series that trend beyond the training range.

    Returns
    -------
    forecaster : TransformedTargetRegressor
        Unfitted; its regressor is the pipeline ``scale``, ``window``,
        ``lstm``, and a ``MinMaxScaler`` scales the target. The scaler
        outputs pandas, so the time index of a DataFrame reaches the window,
        which places rows in time by it: a file that continues the training
        data is windowed on its tail, a slice of the training period on the
        rows before it, any other data on its own history. Rows without
        times (a default index) follow the array rule: rows that begin with
        the training rows are padded at their start, any others continue the
        training data.
    """
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer(window_size=window_size)),
            (
                "lstm",
                LSTMRegressor(
                    units=units,
                    epochs=epochs,
                    batch_size=BATCH_SIZE,
                    learning_rate=LEARNING_RATE,
                    random_state=seed,
                    normalize=normalize,
                ),
            ),
        ]
    ).set_output(transform="pandas")
    return TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())


def cv_table(search):
    """Summarize a fitted search over the forecaster as one row per candidate.

    Parameters
    ----------
    search : GridSearchCV
        A fitted search over ``regressor__window__window_size`` and
        ``regressor__lstm__units``, scored with
        ``"neg_root_mean_squared_error"``.

    Returns
    -------
    table : DataFrame
        Columns ``window_size``, ``units``, ``mean_rmse``, ``std_rmse`` and
        ``rank``, sorted by rank.
    """
    results = search.cv_results_
    table = pd.DataFrame(
        {
            "window_size": results["param_regressor__window__window_size"],
            "units": results["param_regressor__lstm__units"],
            "mean_rmse": -results["mean_test_score"],
            "std_rmse": results["std_test_score"],
            "rank": results["rank_test_score"],
        }
    )
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


class EpochProgress(keras.callbacks.Callback):
    """Print the training loss about ten times per fit, to standard error."""

    def on_epoch_end(self, epoch, logs=None):
        epochs = self.params["epochs"]
        if (epoch + 1) % max(1, epochs // 10) == 0 or epoch + 1 == epochs:
            print(
                f"  epoch {epoch + 1}/{epochs}: loss {logs['loss']:.5f}",
                file=sys.stderr,
                flush=True,
            )
