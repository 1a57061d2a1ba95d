"""The built-in demo: tune and evaluate a one-step LSTM forecaster.

The forecaster of ``sklstm forecast`` (a scaled, windowed series fed to
:class:`~sklstm.LSTMRegressor`, with a scaled target) on a generated series,
its window size and network width tuned by
:class:`~sklearn.model_selection.GridSearchCV` over
:class:`~sklearn.model_selection.TimeSeriesSplit` folds. Printing the results
is this module's job; it is called by ``python -m sklstm demo``.
"""

import sys

import numpy as np
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm._pipelines import build_forecaster, cv_table

PERIOD = 40
NOISE = 0.1
TEST_FRACTION = 0.2
WINDOW_SIZES = (5, 20)
UNITS = (4, 16)
N_SPLITS = 3


def make_series(n_points, seed):
    """Return a noisy sine wave.

    Parameters
    ----------
    n_points : int
        Length of the series.
    seed : int
        Seed of the noise.

    Returns
    -------
    series : ndarray of shape (n_points,)
        ``sin(2 * pi * t / PERIOD)`` plus Gaussian noise of standard deviation
        ``NOISE``.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    return np.sin(2 * np.pi * t / PERIOD) + NOISE * rng.standard_normal(n_points)


def one_step_frame(series):
    """Frame a series for one-step-ahead forecasting.

    Row ``i`` of ``X`` is the value at time ``i``, and ``y[i]`` the value at
    time ``i + 1``; the windows that give the network its context are cut
    inside the pipeline, so ``X`` stays one row per time step.

    Parameters
    ----------
    series : ndarray of shape (n_points,)
        The time-ordered series.

    Returns
    -------
    X : ndarray of shape (n_points - 1, 1)
        The series without its last value.
    y : ndarray of shape (n_points - 1,)
        The series without its first value.
    """
    return series[:-1, np.newaxis], series[1:]


def chronological_split(X, y, test_fraction=TEST_FRACTION):
    """Split ``X`` and ``y`` into a leading train and a trailing test part.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        The first ``1 - test_fraction`` rows, then the rest, in order.
    """
    n_train = len(X) - max(1, round(test_fraction * len(X)))
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def build_search(epochs, seed):
    """Return the grid search over window size and LSTM width.

    Parameters
    ----------
    epochs : int
        Training epochs of every fit.
    seed : int
        ``random_state`` of the network.

    Returns
    -------
    search : GridSearchCV
        Unfitted; ``refit`` retrains the best candidate on all training data.
    """
    grid = {
        "regressor__window__window_size": list(WINDOW_SIZES),
        "regressor__lstm__units": list(UNITS),
    }
    return GridSearchCV(
        build_forecaster(WINDOW_SIZES[0], UNITS[0], epochs, seed),
        grid,
        cv=TimeSeriesSplit(N_SPLITS),
        scoring="neg_root_mean_squared_error",
    )


def _print_setup(n_points, n_train, n_test, epochs, seed, file):
    n_candidates = len(WINDOW_SIZES) * len(UNITS)
    print("sklstm demo: one-step forecast of a noisy sine wave", file=file)
    print(
        f"series: {n_points} points, period {PERIOD}, noise sd {NOISE}, "
        f"seed {seed}; train {n_train} steps, test {n_test} steps",
        file=file,
    )
    print(
        f"grid search: {n_candidates} candidates x {N_SPLITS} TimeSeriesSplit "
        f"folds, {epochs} epochs per fit",
        file=file,
    )


def _print_results(results, file):
    best = results["best_params"]
    table = results["cv_table"].to_string(index=False, float_format="{:.4f}".format)
    print("\ncross-validation RMSE (series units, lower is better):", file=file)
    print(table, file=file)
    print(
        "\nbest params: "
        f"window_size={best['regressor__window__window_size']}, "
        f"units={best['regressor__lstm__units']}",
        file=file,
    )
    print(f"test RMSE, LSTM:               {results['test_rmse']:.4f}", file=file)
    print(f"test RMSE, naive (last value): {results['naive_rmse']:.4f}", file=file)


def run_demo(epochs=20, n_points=1000, seed=0, file=None):
    """Tune, fit and evaluate the forecaster, printing each step.

    The series is split in time order; the grid search runs on the training
    part, and its refitted best model forecasts the test part, whose windows
    continue the training series.

    Parameters
    ----------
    epochs : int, default=20
        Training epochs of every fit.
    n_points : int, default=1000
        Length of the generated series.
    seed : int, default=0
        Seed of the data and of the networks.
    file : file-like, default=None
        Where to print; ``None`` means standard output.

    Returns
    -------
    results : dict
        ``best_params``, ``cv_table``, ``test_rmse`` and ``naive_rmse``.
    """
    file = sys.stdout if file is None else file
    X, y = one_step_frame(make_series(n_points, seed))
    X_train, X_test, y_train, y_test = chronological_split(X, y)
    _print_setup(n_points, len(X_train), len(X_test), epochs, seed, file)
    search = build_search(epochs, seed).fit(X_train, y_train)
    results = {
        "best_params": search.best_params_,
        "cv_table": cv_table(search),
        "test_rmse": root_mean_squared_error(y_test, search.predict(X_test)),
        # The naive forecast of the next value is the current one.
        "naive_rmse": root_mean_squared_error(y_test, X_test[:, 0]),
    }
    _print_results(results, file)
    return results
