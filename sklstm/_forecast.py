"""Forecasting past the end of a series by feeding predictions back."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_array, check_scalar

from sklstm._unwrap import fitted_parts
from sklstm._window import SlidingWindowTransformer, _target_indices, series_2d


def recursive_forecast(
    estimator, series, n_steps, *, target=None, exog=None, window_size=None
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

    n_steps : int
        Number of future time steps to forecast.

    target : int, str or list of int or str, default=None
        The column(s) of `series` that the estimator predicts, as in
        :func:`~sklstm.make_windows`: positional indices, or names when
        `series` is a DataFrame. None means every column.

    exog : array-like of shape (n_steps, n_features - n_targets), default=None
        The known future values of the columns that are not forecast, in the
        order of `series` (by name when both are DataFrames). Required when
        `target` leaves columns out, since the next windows need them.

    window_size : int, default=None
        Length of the windows a bare regressor was trained on. Leave it None
        for a pipeline: its :class:`~sklstm.SlidingWindowTransformer` says.

    Returns
    -------
    forecast : ndarray of shape (n_steps,) or (n_steps, n_targets)
        The forecast, 1D for one target column. A pandas Series (one target)
        or DataFrame when `series` is a pandas object.

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

    The result of a pandas `series` is indexed after its index: a
    :class:`~pandas.PeriodIndex` or a :class:`~pandas.DatetimeIndex` with a
    frequency continues with it, and an evenly spaced integer or datetime
    index (such as a :class:`~pandas.RangeIndex`) with its step. Any other
    index continues as positions ``n_timesteps, n_timesteps + 1, ...``.

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
    """
    check_scalar(n_steps, "n_steps", Integral, min_val=1)
    table = _as_table(series)
    n_timesteps, n_features = table.shape
    columns = table.columns if hasattr(series, "columns") else None
    if isinstance(series, pd.Series) and isinstance(series.name, str):
        columns = table.columns
    targets = _target_indices(target, columns, n_features)
    others = [i for i in range(n_features) if i not in targets]
    forecast_columns = table.columns[targets]
    series_2d(table[forecast_columns], np.float64)  # finite numbers, or raise
    table = table.astype(dict.fromkeys(forecast_columns, np.float64))
    window = _window_step(estimator)
    size = _window_size(window, window_size)
    if n_timesteps < size:
        raise ValueError(
            f"series has {n_timesteps} rows, need at least window_size={size} "
            "to forecast from its end"
        )
    if others:
        future = _future_exog(exog, columns, table.columns[others], n_steps)
    elif exog is not None:
        raise ValueError(
            "exog holds future values of columns that are not forecast, but "
            "target covers every column of series; leave exog None"
        )
    else:
        future = pd.DataFrame(index=range(n_steps), columns=[])
    rows = pd.concat([table.iloc[-size:], future], ignore_index=True)
    rows = rows[table.columns]
    named = window is not None and hasattr(estimator, "feature_names_in_")
    # The prediction kept is the last row's, whose window is exactly the
    # chunk: the rows before the chunk do not matter. A float index tells the
    # window step no time, so it does not look for them (nor warn of a gap).
    positions = pd.Index(np.arange(size, dtype=np.float64))

    def predict_after(start):
        """The steps after rows[start : start + size], (horizon, n_targets)."""
        chunk = rows.iloc[start : start + size]
        if window is None:
            outputs = estimator.predict(_bare_input(estimator, chunk))[0]
        elif named:
            outputs = estimator.predict(chunk.set_axis(positions))[-1]
        else:
            outputs = estimator.predict(chunk.to_numpy())[-1]
        return _steps(np.atleast_1d(outputs), len(targets), n_features)

    forecast = np.empty((n_steps, len(targets)))
    start = 0
    while start < n_steps:
        steps = predict_after(start)
        stop = min(start + len(steps), n_steps)
        forecast[start:stop] = steps[: stop - start]
        rows.iloc[size + start : size + stop, targets] = forecast[start:stop]
        start = stop
    return _as_input_type(forecast, series, targets)


def _as_table(series) -> pd.DataFrame:
    """`series` as a frame; its target columns are checked later, as float."""
    if isinstance(series, pd.DataFrame):
        return series
    if isinstance(series, pd.Series):
        return series.to_frame()
    return pd.DataFrame(series_2d(series, np.float64))


def _bare_input(estimator, chunk: pd.DataFrame) -> np.ndarray:
    """One window for a regressor fitted on windows: 3D, or 2D if it was."""
    rows = series_2d(chunk, np.float64)
    flat = rows.reshape(1, -1)
    # Fitted on 2D windows (n_samples, window_size * n_features), it counts
    # their columns as its features.
    if getattr(estimator, "n_features_in_", None) == flat.shape[1] != rows.shape[1]:
        return flat
    return rows[np.newaxis]


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
    if isinstance(exog, pd.DataFrame):
        return exog
    return pd.DataFrame(values.reshape(n_steps, -1), columns=names)


def _steps(outputs: np.ndarray, n_targets: int, n_features: int) -> np.ndarray:
    """Reshape one prediction, step-major, to (horizon, n_targets)."""
    if outputs.size % n_targets:
        raise ValueError(
            f"the estimator predicts {outputs.size} value(s) per window, not a "
            f"multiple of the {n_targets} target column(s) of series "
            f"(n_features={n_features}): name the predicted column(s) with target"
        )
    return outputs.reshape(-1, n_targets)


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
    """The `n_steps` labels that follow `index`."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=n_steps, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex) and index.freq is not None:
        return pd.date_range(index[-1] + index.freq, periods=n_steps, freq=index.freq)
    evenly_spaced = (
        len(index) >= 2
        and (
            pd.api.types.is_integer_dtype(index)
            or pd.api.types.is_datetime64_any_dtype(index)
        )
        and index.is_monotonic_increasing
        and index.is_unique
        and len(set(index[1:] - index[:-1])) == 1
    )
    if evenly_spaced:
        step = index[1] - index[0]
        return pd.Index([index[-1] + k * step for k in range(1, n_steps + 1)])
    return pd.RangeIndex(len(index), len(index) + n_steps)
