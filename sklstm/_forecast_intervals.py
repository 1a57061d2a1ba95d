"""Conformal per-step intervals of a recursive forecast, by backtesting.

:func:`~sklstm.recursive_forecast` with ``coverage`` runs the same recursive
forecast from the last origins of the series it continues, where the actual
values are known, and records the absolute error of each step. Split
conformal prediction turns the errors of step ``h`` into the half-width of
the interval at step ``h``: nothing is refitted and nothing is assumed of
the estimator or of the noise.

The forecast itself is made by :mod:`sklstm._forecast`, which imports this
module: it passes its forecasting function in, as ``feed_back``, rather than
this module importing it back.
"""

import numpy as np

from sklstm._conformal import conformal_correction, min_calibration_size


def with_interval(forecast, wrap, interval, backtest):
    """``wrap(forecast)``; with an `interval`, also ``wrap`` of its bounds.

    Parameters
    ----------
    forecast : ndarray of shape (n_steps, n_targets) or \
            (n_series, n_steps, n_targets)
        The forecast past the end of the series (of each series of a panel).
    wrap : callable
        Gives `forecast`, or a bound of the same shape, the type, index and
        names the caller returns.
    interval : None or tuple of (float, int)
        ``(coverage, n_origins)``; None returns the forecast alone.
    backtest : callable
        ``backtest(n_origins)`` returns the errors of the backtest and the
        number of origins available, as :func:`backtest_errors` does.

    Returns
    -------
    forecast : what ``wrap`` returns
        Alone without `interval`; else followed by the lower and upper
        bounds, ``forecast ± margin`` per step and target.
    """
    if interval is None:
        return wrap(forecast)
    coverage, n_origins = interval
    margin = conformal_margin(*backtest(n_origins), coverage, n_origins)
    return wrap(forecast), wrap(forecast - margin), wrap(forecast + margin)


def backtest_errors(
    feed_back, table, series_rows, size, n_steps, targets, n_origins: int
):
    """Errors of the forecasts from the last `n_origins` origins of each series.

    An origin is a row of a series with `size` rows before it and `n_steps`
    rows from it on. Its block of ``size + n_steps`` rows is forecast as the
    end of a series is, the columns that are not forecast keeping their
    actual values.

    Parameters
    ----------
    feed_back : callable
        ``feed_back(rows, size, n_steps, targets)`` forecasts the `n_steps`
        rows after the first `size` of each block of `rows` (a frame indexed
        by the blocks' series ids), writing its forecasts into their
        `targets` columns, and returns them, of shape ``(n_blocks, n_steps,
        n_targets)``.
    table : DataFrame of shape (n_timesteps, n_features)
        The series, or the panel's series one after another.
    series_rows : list of ndarray of int
        The positions in `table` of each series' rows, in time order.
    size : int
        Number of past rows each prediction reads.
    n_steps : int
        Number of steps forecast from each origin.
    targets : list of int
        Positions of the forecast columns in `table`.
    n_origins : int
        Number of last origins of each series to forecast from.

    Returns
    -------
    errors : ndarray of shape (n_blocks, n_steps, n_targets)
        Absolute errors, the origins of all series pooled.
    n_available : int
        Number of origins the series hold, used or not.
    """
    block = size + n_steps
    counts = [max(len(rows) - block + 1, 0) for rows in series_rows]
    blocks = [
        rows[first : first + block]
        for rows, count in zip(series_rows, counts, strict=True)
        for first in range(count - min(count, n_origins), count)
    ]
    if not blocks:
        return np.zeros((0, n_steps, len(targets))), 0
    rows = table.iloc[np.concatenate(blocks)].copy()
    rows.index = rows.index.get_level_values(0)  # a panel's series ids
    future = np.arange(0, len(rows), block)[:, np.newaxis] + np.arange(size, block)
    actual = rows.iloc[future.ravel(), targets].to_numpy(np.float64)
    forecast = feed_back(rows, size, n_steps, targets)
    return np.abs(actual.reshape(forecast.shape) - forecast), sum(counts)


def conformal_margin(errors, n_available: int, coverage: float, n_origins: int):
    """Split-conformal half-width of each step and target.

    The ``ceil((n + 1) * coverage)``-th smallest of the ``n`` errors of a
    step; its coverage holds over exchangeable errors (Vovk et al., 2005).

    Parameters
    ----------
    errors : ndarray of shape (n_blocks, n_steps, n_targets)
        Absolute errors of the backtest.
    n_available : int
        Number of origins the series hold, for the error message.
    coverage : float in (0, 1)
        Nominal coverage of the interval.
    n_origins : int
        The origins asked for per series, for the error message.

    Returns
    -------
    margin : ndarray of shape (n_steps, n_targets)
    """
    n = len(errors)
    needed = min_calibration_size(coverage)
    if n < needed:
        raise ValueError(
            f"coverage={coverage} needs at least {needed} backtest origins, got "
            f"{n}: series holds {n_available} (an origin has window_size rows "
            f"before it and n_steps after it) and n_origins={n_origins} per "
            "series; pass a longer series, a larger n_origins, fewer n_steps or "
            "a lower coverage"
        )
    # An interval of no width around each forecast: its conformity scores
    # are the absolute errors.
    return conformal_correction(0.0, 0.0, errors, coverage)
