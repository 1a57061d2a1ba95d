"""Forecasting past the end of a series by feeding predictions back."""

from functools import partial
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.utils import check_array, check_scalar, get_tags

from sklstm._conformal import check_coverage
from sklstm._forecast_intervals import backtest_errors, with_interval
from sklstm._forecast_panel import panel_blocks
from sklstm._make_windows import _target_indices, column_labels, series_2d
from sklstm._panel import is_panel
from sklstm._timeline import following
from sklstm._unwrap import fitted_parts
from sklstm._window import SlidingWindowTransformer


def recursive_forecast(
    estimator,
    series,
    n_steps,
    *,
    target=None,
    exog=None,
    window_size=None,
    ids=None,
    coverage=None,
    n_origins=200,
):
    """Forecast the `n_steps` time steps that follow the end of `series`.

    The fitted `estimator` predicts the step(s) after the last window of
    `series`; each prediction is appended to the series and becomes part of
    the next window, until `n_steps` steps are forecast. The forecast
    continues `series`, whatever the estimator was fitted on: `estimator`
    is never refitted, and each call to its ``predict`` reads one window.

    A direct multi-step model, trained on ``make_windows(..., horizon=H)``,
    forecasts ``H`` steps per call: ``n_steps=H`` is a purely direct forecast
    (one call), and a longer `n_steps` feeds back ``H`` steps at a time.

    Parameters
    ----------
    estimator : fitted estimator
        One of:

        - a one-step pipeline with a
          :class:`~sklstm.SlidingWindowTransformer`, fitted on
          ``X = series[:-1]`` (one row per time step) and
          ``y = series[1:, target]``, such as
          ``make_pipeline(MinMaxScaler(), SlidingWindowTransformer(w),
          LSTMRegressor())``, possibly inside a
          :class:`~sklearn.compose.TransformedTargetRegressor` or as the
          ``best_estimator_`` of a fitted search;
        - a regressor fitted on 3D windows ``(n_samples, window_size,
          n_features)`` and the step(s) after them, as returned by
          :func:`~sklstm.make_windows`, or on those windows flattened to 2D
          ``(n_samples, window_size * n_features)``, time-major (recognised
          by its ``n_features_in_``); `window_size` is then required.

    series : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
        The time-ordered series to continue, at least `window_size` rows; its
        last rows are the first window. A pandas Series or DataFrame gives a
        pandas result indexed after it; its column names (a Series' name)
        name the columns for `target` and, when the estimator was fitted
        with feature names, for the pipeline. Columns that are not forecast
        may hold categories for a pipeline step to encode (such as a
        :class:`~sklearn.preprocessing.OneHotEncoder` in a
        :class:`~sklearn.compose.ColumnTransformer`).

        Or a panel of many series: a DataFrame (or Series) indexed by
        (series id, time), each series continued from its own end (see
        Notes).

    n_steps : int
        Number of future time steps to forecast.

    target : int, str or list of int or str, default=None
        The column(s) of `series` that the estimator predicts, as in
        :func:`~sklstm.make_windows`: column labels of a DataFrame (a
        Series' name), else positions. None means every column.

    exog : array-like of shape (n_steps, n_features - n_targets), default=None
        The known future values of the columns that are not forecast, in the
        order of `series` (by name when both are DataFrames). Required when
        `target` leaves columns out, since the next windows need them. For a
        panel: a panel DataFrame holding, for each series forecast, its
        `n_steps` future rows in time order, of the columns it names.

    window_size : int, default=None
        Length of the windows a bare regressor was trained on. Leave it None
        for a pipeline: its :class:`~sklstm.SlidingWindowTransformer` says.

    ids : list of series ids, default=None
        For a panel, the series to forecast; None means all of them.

    coverage : float in (0, 1), default=None
        Also return a prediction interval around the forecast meant to hold
        the actual value at each step with this probability (0.9 for a 90%
        interval), calibrated by backtesting on `series` (see Notes). None
        returns the forecast alone. Only for a regressor: the errors of
        labels are no interval, so a classifier raises ``ValueError``.

    n_origins : int, default=200
        With `coverage`: the number of backtest origins, the last ones of
        `series` (of each series of a panel), whose errors calibrate the
        interval. Each origin forecasts `n_steps` steps from the
        `window_size` rows before it, all within `series`, so at most
        ``n_timesteps - window_size - n_steps + 1`` origins exist; a series
        with fewer uses all it has. More origins estimate the quantiles
        better, fewer follow recent errors more closely; the backtest costs
        `n_steps` calls to ``predict`` on ``n_origins * window_size`` rows.

    Returns
    -------
    forecast : ndarray of shape (n_steps,) or (n_steps, n_targets)
        The forecast, 1D for one target column. A pandas Series (one target)
        or DataFrame when `series` is a pandas object. For a panel, a Series
        or DataFrame of ``n_series * n_steps`` rows indexed by (series id,
        time), the series in the order of `ids` (or of their first rows).

    lower, upper : same type and shape as `forecast`
        Only with `coverage`: the bounds of the interval, with the index
        and names of `forecast`. `forecast` is the one returned without
        `coverage`.

    See Also
    --------
    make_windows : Windows and the ``horizon`` steps after them, for direct
        multi-step models.
    ForecastDisplay : Plot a forecast against the actual continuation.

    Notes
    -----
    The pipeline receives the last ``window_size`` rows at each step, and the
    prediction for its last row, whose window is exactly those rows, is the
    next value; the rows are passed without a time index, so the window step
    neither looks for their history nor warns of gaps before them. Steps
    before the window transformer must therefore work row by row, as scalers
    and encoders do. Errors compound: each forecast is made from
    earlier forecasts, so accuracy degrades with the horizon.

    The result of a pandas `series` is indexed after its index, one time
    step apart, the step found as by :class:`~sklstm.SlidingWindowTransformer`:
    the frequency of a :class:`~pandas.PeriodIndex` or of a
    :class:`~pandas.DatetimeIndex`, else the inferred one (such as ``"MS"``
    for month starts, or business days ``"B"`` for weekdays with holidays
    missing), else the greatest common divisor of the differences, as for
    an integer index. Any other index (floats, strings, one that does not
    increase, a single date without frequency) continues as positions
    ``n_timesteps, n_timesteps + 1, ...``.

    A window ends at the row before the step it predicts, so an input known
    in advance (a holiday flag, a planned price) helps forecast a step when
    the row before it holds that step's value: a lead column such as
    ``flag.shift(-1)``, whose future values `exog` gives.

    A `series` without column names (an array, an unnamed Series) takes the
    estimator's ``feature_names_in_`` when it has as many columns, so that
    a pipeline fitted on a DataFrame reads it without warning.

    A panel is forecast series by series, in one batch: each step calls
    ``predict`` once with the last ``window_size`` rows of every series. Its
    estimator is fitted on the panel: a pipeline whose
    :class:`~sklstm.SlidingWindowTransformer` was fitted on it (the steps
    before it output pandas), or a regressor fitted on
    :func:`~sklstm.make_windows` of the panel. A series unseen in fit is
    forecast too, from its own rows. Columns that are neither forecast nor
    in `exog` must be static, one value per series (such as a series'
    one-hot encoded id), and keep that value over the forecast; any other
    raises ``ValueError``.

    **Intervals** (`coverage`): calibrated per-step residuals, by split
    conformal prediction. The same recursive forecast is run from each of
    the last `n_origins` origins of `series` (in one batch per step, as a
    panel is), with the actual values of the columns that are not forecast,
    and the absolute error of each step ``h = 1 .. n_steps`` is recorded.
    The half-width ``q_h`` of step ``h`` is the ``ceil((n + 1) * coverage)``
    -th smallest of its ``n`` errors, and the interval is ``forecast ±
    q_h``: it widens with the horizon as the errors compound. Nothing is
    refitted and nothing is assumed of the estimator or of the noise, so
    it serves any model that ``recursive_forecast`` takes; the interval is
    symmetric, and its width depends on the step, not on the level of
    the series. A multi-output target gets its own ``q_h`` per column; a
    panel pools the errors of all its series, step by step (one global
    model, and a short series alone holds too few origins), so its width
    is that of a typical series: scale the series alike for it to fit
    each.

    Coverage is marginal: over many forecasts, the actual value falls
    inside the interval at about the `coverage` rate, if the errors of the
    forecast to come are like those of the backtest (exchangeable). It
    says nothing of one forecast, and overlapping origins make the
    guarantee approximate for a time series. Errors on data the model was
    fitted on are in-sample and usually smaller than on new data, so an
    interval calibrated on the training series can be optimistic: for
    honest coverage, pass a `series` whose last origins the model was not
    fitted on: a calibration period after the training period, with the
    `window_size` rows before it (or the training series followed by at
    least ``n_origins + n_steps - 1`` new steps); the forecast continues
    its end either way. With fewer than ``coverage / (1 - coverage)`` origins
    (9 for 0.9, 19 for 0.95), the bound would be infinite:
    ``ValueError`` says how many are missing rather than returning an
    interval that says nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklstm import LSTMRegressor, SlidingWindowTransformer
    >>> from sklstm import make_windows, recursive_forecast
    >>> series = np.sin(np.arange(100) / 4)
    >>> pipe = make_pipeline(
    ...     MinMaxScaler(),
    ...     SlidingWindowTransformer(window_size=8),
    ...     LSTMRegressor(units=4, epochs=2, random_state=0),
    ... )
    >>> pipe = pipe.fit(series[:-1].reshape(-1, 1), series[1:])
    >>> recursive_forecast(pipe, series, n_steps=5).shape
    (5,)

    Direct multi-step forecasting: a model of the 3 steps after each window.

    >>> X, y = make_windows(series, window_size=8, horizon=3)
    >>> direct = LSTMRegressor(units=4, epochs=2, random_state=0).fit(X, y)
    >>> recursive_forecast(direct, series, n_steps=3, window_size=8).shape
    (3,)

    A 90% interval, calibrated on the last 50 origins of the series.

    >>> forecast, lower, upper = recursive_forecast(
    ...     pipe, series, n_steps=5, coverage=0.9, n_origins=50
    ... )
    >>> bool((lower <= forecast).all() and (forecast <= upper).all())
    True
    """
    check_scalar(n_steps, "n_steps", Integral, min_val=1)
    check_scalar(n_origins, "n_origins", Integral, min_val=1)
    if coverage is not None:
        coverage = check_coverage(coverage)
        _check_regressor(estimator)
    interval = None if coverage is None else (coverage, n_origins)
    panel = is_panel(series)
    if ids is not None and not panel:
        raise ValueError(
            "ids selects series of a panel, a frame indexed by (series id, "
            "time), but series is one series; leave ids None"
        )
    columns = column_labels(series)
    table, targets, window, size = _prepare(
        estimator, _as_table(series), columns, target, window_size
    )
    if panel:
        blocks, chunks, rows, wrap = panel_blocks(
            table, targets, window, size, n_steps, exog, ids, _future_index
        )
    else:
        table = _named_as_fitted(estimator, table, columns, window)
        blocks, chunks, wrap = _series_block(
            estimator, series, table, columns, targets, window, size, n_steps, exog
        )
        rows = [np.arange(len(table))]
    forecast = _feed_back(estimator, chunks, blocks, size, n_steps, targets)
    backtest = _backtest(estimator, chunks, table, rows, size, n_steps, targets)
    return with_interval(forecast, wrap, interval, backtest)


def _named_as_fitted(estimator, table, columns, window) -> pd.DataFrame:
    """`table`, its columns named as in fit when `series` names none.

    A pipeline fitted on a DataFrame then reads it without warning.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if window is None or names is None or columns is not None:
        return table
    if len(names) != table.shape[1]:
        return table
    return table.set_axis(names, axis=1)


def _series_block(
    estimator, series, table, columns, targets, window, size, n_steps, exog
):
    """The block a one-series forecast feeds back into, and how to return it.

    Returns
    -------
    block : DataFrame of shape (size + n_steps, n_features)
        The last `size` rows of `table`, then its `n_steps` future rows.
    chunks : callable or None
        Makes a pipeline's input from the `size` rows of the block; None
        for a regressor fitted on windows.
    wrap : callable
        Gives a forecast of shape (1, n_steps, n_targets), or a bound of
        it, as an array or pandas of the type of `series`.
    """
    n_timesteps, n_features = table.shape
    if n_timesteps < size:
        raise ValueError(
            f"series has {n_timesteps} rows, need at least window_size={size} "
            "to forecast from its end"
        )
    others = [i for i in range(n_features) if i not in targets]
    if others:
        future = _future_exog(exog, columns, table.columns[others], n_steps)
    elif exog is not None:
        raise ValueError(
            "exog holds future values of columns that are not forecast, but "
            "target covers every column of series; leave exog None"
        )
    else:
        future = pd.DataFrame(index=range(n_steps), columns=[])
    block = pd.concat([table.iloc[-size:], future], ignore_index=True)
    block = block[table.columns]
    # The prediction kept is the last row's, whose window is exactly the
    # chunk: the rows before the chunk do not matter. A float index tells the
    # window step no time, so it does not look for them (nor warn of a gap).
    if window is None:
        chunks = None
    elif hasattr(estimator, "feature_names_in_"):
        chunks = _positions
    else:
        chunks = pd.DataFrame.to_numpy
    return block, chunks, lambda values: _as_input_type(values[0], series, targets)


def _positions(chunk: pd.DataFrame) -> pd.DataFrame:
    """`chunk` indexed by float positions, which tell the window step no time."""
    return chunk.set_axis(pd.Index(np.arange(len(chunk), dtype=np.float64)))


def _backtest(estimator, chunks, table, series_rows, size, n_steps, targets):
    """The backtest of `estimator` on `table`, a function of ``n_origins``.

    It returns what :func:`~sklstm._forecast_intervals.backtest_errors`
    does, forecasting as :func:`_feed_back` does with ``chunks``.
    """
    feed_back = partial(_feed_back, estimator, chunks)
    return partial(
        backtest_errors, feed_back, table, series_rows, size, n_steps, targets
    )


def _feed_back(estimator, chunks, rows, size: int, n_steps: int, targets):
    """Forecast `n_steps` after each block of `rows`, feeding forecasts back.

    `rows` holds blocks of ``size + n_steps`` rows: a series' last `size`
    rows, then its future rows, whose `targets` columns are filled in.
    ``chunks(frame)`` makes the input of a pipeline from the `size` rows of
    each block; None means a regressor fitted on windows.

    Returns
    -------
    forecast : ndarray of shape (n_blocks, n_steps, n_targets)
    """
    n_targets, block = len(targets), size + n_steps
    first_rows = np.arange(0, len(rows), block)[:, np.newaxis]
    forecast = np.empty((len(first_rows), n_steps, n_targets))
    start = 0
    while start < n_steps:
        chunk = rows.iloc[(first_rows + start + np.arange(size)).ravel()]
        if chunks is None:
            outputs = estimator.predict(_bare_input(estimator, chunk, size))
        else:  # the last row of each chunk: its window is the whole chunk
            outputs = np.asarray(estimator.predict(chunks(chunk)))[size - 1 :: size]
        steps = _steps(np.asarray(outputs), len(first_rows), n_targets, rows.shape[1])
        stop = min(start + steps.shape[1], n_steps)
        forecast[:, start:stop] = steps[:, : stop - start]
        future = (first_rows + size + np.arange(start, stop)).ravel()
        rows.iloc[future, targets] = forecast[:, start:stop].reshape(-1, n_targets)
        start = stop
    return forecast


def _as_table(series) -> pd.DataFrame:
    """`series` as a frame; its target columns are checked later, as float."""
    if isinstance(series, pd.DataFrame):
        return series
    if isinstance(series, pd.Series):
        return series.to_frame()
    return pd.DataFrame(series_2d(series, np.float64))


def _bare_input(estimator, chunk: pd.DataFrame, size: int) -> np.ndarray:
    """Windows of `size` rows for a regressor fitted on windows: 3D, or 2D.

    A regressor fitted on 2D windows ``(n_samples, window_size *
    n_features)`` counts their columns as its ``n_features_in_``. One that
    takes 3D input (its tags say so) counts the features axis; a pipeline
    that flattens 3D windows itself, the time axis.
    """
    rows = series_2d(chunk, np.float64)
    n_features = rows.shape[1]
    windows = rows.reshape(-1, size, n_features)
    fitted = getattr(estimator, "n_features_in_", None)
    three_d = get_tags(estimator).input_tags.three_d_array
    if fitted == size * n_features and not (three_d and fitted == n_features):
        return windows.reshape(len(windows), -1)
    if fitted is None or three_d or fitted == size:
        return windows
    fits = fitted % n_features == 0
    hint = f": pass window_size={fitted // n_features}" if fits else ""
    raise ValueError(
        f"window_size={size} makes windows of {size} x {n_features} feature(s) "
        f"= {size * n_features} values, but the estimator was fitted on "
        f"n_features_in_={fitted} values per window{hint}"
    )


def _prepare(estimator, table, columns, target, window_size):
    """Check the target columns of `table`; find the window step and length.

    Returns
    -------
    table : DataFrame of shape (n_timesteps, n_features)
        `table` with its target columns cast to float64.
    targets : list of int
        Positions of the target columns, labelled by `columns` (or None).
    window : SlidingWindowTransformer or None
        The estimator's window step.
    size : int
        Number of past rows each prediction reads.
    """
    targets = _target_indices(target, columns, table.shape[1])
    forecast_columns = table.columns[targets]
    series_2d(table[forecast_columns], np.float64)  # finite numbers, or raise
    table = table.astype(dict.fromkeys(forecast_columns, np.float64))
    window = _window_step(estimator)
    return table, targets, window, _window_size(window, window_size)


def _check_regressor(estimator) -> None:
    """Refuse a classifier: an interval of ± errors around labels is no interval.

    The estimator that predicts is the last part reached that has
    ``predict``, such as the last step of a pipeline.
    """
    final = estimator
    for part in fitted_parts(estimator):
        if hasattr(part, "predict"):
            final = part
    if is_classifier(final):
        raise ValueError(
            f"coverage needs a regressor: {type(final).__name__} is a "
            "classifier, whose predictions are labels, not values with errors "
            "around them; leave coverage None or forecast with a regressor"
        )


def _window_step(estimator):
    """The SlidingWindowTransformer inside `estimator`, or None."""
    for part in fitted_parts(estimator):
        if isinstance(part, SlidingWindowTransformer):
            return part
    return None


def _window_size(window, window_size) -> int:
    """Number of past rows each prediction reads."""
    if window is None:
        if window_size is None:
            raise ValueError(
                "estimator has no SlidingWindowTransformer to tell how many past "
                "steps a prediction reads: pass window_size, the length of the "
                "windows it was trained on"
            )
        check_scalar(window_size, "window_size", Integral, min_val=1)
        return window_size
    if window_size is not None and window_size != window.window_size:
        raise ValueError(
            f"window_size={window_size} contradicts the pipeline's "
            f"SlidingWindowTransformer(window_size={window.window_size}); "
            "leave window_size None"
        )
    return window.window_size


def _future_exog(exog, columns, names, n_steps: int) -> pd.DataFrame:
    """Validate `exog`, the future values of the columns `names` of series."""
    if exog is None:
        raise ValueError(
            f"target leaves {len(names)} column(s) of series out, and their "
            "future values are unknown: pass them as exog, shape (n_steps, "
            "n_features - n_targets), or fit the estimator to predict every "
            "column (target=None)"
        )
    if columns is not None and hasattr(exog, "columns"):
        missing = [name for name in names if name not in exog.columns]
        if missing:
            raise ValueError(f"exog lacks the column(s) {missing} of series")
        exog = exog[names].reset_index(drop=True)
    # A frame's columns may be categories, which a pipeline step encodes.
    dtype = None if columns is not None else np.float64
    values = check_array(exog, dtype=dtype, ensure_2d=False, input_name="exog")
    if values.reshape(len(values), -1).shape != (n_steps, len(names)):
        raise ValueError(
            f"exog must have shape (n_steps, n_features - n_targets) = "
            f"{(n_steps, len(names))}, got {values.shape}"
        )
    if columns is not None and isinstance(exog, pd.DataFrame):
        return exog
    return pd.DataFrame(values.reshape(n_steps, -1), columns=names)


def _steps(outputs, n_windows: int, n_targets: int, n_features: int) -> np.ndarray:
    """Reshape predictions, step-major, to (n_windows, horizon, n_targets)."""
    outputs = outputs.reshape(n_windows, -1)
    if outputs.shape[1] % n_targets:
        raise ValueError(
            f"the estimator predicts {outputs.shape[1]} value(s) per window, not a "
            f"multiple of the {n_targets} target column(s) of series "
            f"(n_features={n_features}): name the predicted column(s) with target"
        )
    return outputs.reshape(n_windows, -1, n_targets)


def _as_input_type(forecast: np.ndarray, series, targets: list[int]):
    """Return `forecast` as an array, or as pandas indexed after `series`."""
    if not isinstance(series, (pd.Series, pd.DataFrame)):
        return forecast[:, 0] if len(targets) == 1 else forecast
    index = _future_index(series.index, len(forecast))
    if isinstance(series, pd.Series):
        return pd.Series(forecast[:, 0], index=index, name=series.name)
    names = [series.columns[i] for i in targets]
    if len(targets) == 1:
        return pd.Series(forecast[:, 0], index=index, name=names[0])
    return pd.DataFrame(forecast, index=index, columns=names)


def _future_index(index: pd.Index, n_steps: int) -> pd.Index:
    """The `n_steps` labels that follow `index`, by the step windows use."""
    labels = following(index, n_steps)
    if labels is None:
        return pd.RangeIndex(len(index), len(index) + n_steps)
    return labels
