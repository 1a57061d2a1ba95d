"""The forecast past the data of ``sklstm forecast``: ``--future``, ``--interval``.

``--future`` gives the known future values of the features for the steps
after the data, of one series or of every series of a panel; the target is
forecast over them recursively. ``--interval`` adds a prediction interval,
calibrated on forecasts made from the test period, whose values the network
was not fitted on. The files are checked with pandas before Keras starts.
"""

import numpy as np
import pandas as pd

from sklstm._cli_input import (
    CommandError,
    check_time_kind,
    read_csv,
    read_panel,
    series_lengths,
    time_kind,
)
from sklstm._conformal import min_calibration_size
from sklstm._timeline import following


def read_future(args, frame, features):
    """Read and check ``--future``: the feature columns after the data.

    Returns
    -------
    future : DataFrame of shape (n_steps, n_exog)
        The columns of ``features`` but the target, indexed by time when
        ``--time-col`` is given, by (id, time) for a panel; the target is not
        needed. A panel's static columns, one value per series in the data,
        may be left out: each series keeps its value.
    """
    exog = [name for name in features if name != args.target]
    if args.id is None:
        future = read_csv(args.future, exog, args.time_col)[exog]
    else:
        static = frame[exog].groupby(level=0).nunique().le(1).all()
        varying = [name for name in exog if not static[name]]
        future = read_panel(
            args.future, varying, args.id, args.time_col, list(static.index[static])
        )
    if args.time_col is None:
        return future
    times = future.index.get_level_values(-1)
    trained = time_kind(frame.index.get_level_values(-1))
    check_time_kind(times, args.future, args.time_col, trained)
    if args.id is None:
        _check_steps(args, frame.index, future.index, len(future))
    else:
        _check_panel_future(args, frame, future)
    return future


def _check_panel_future(args, frame, future):
    """Raise CommandError unless ``future`` holds every series' next steps.

    Each series of the data is forecast from its own end over the same number
    of steps, so the file gives each series those steps, none missing.
    """
    ids = frame.index.unique(level=0)
    given = future.index.unique(level=0)
    unknown = given.difference(ids, sort=False)
    if len(unknown):
        raise CommandError(
            f"{args.future} holds series {unknown[0]!r}, which {args.data} does "
            "not: a series is forecast from its own history"
        )
    missing = ids.difference(given, sort=False)
    if len(missing):
        raise CommandError(
            f"{args.future} has no rows of series {missing[0]!r} ({len(missing)} "
            "series missing): give the steps after the end of every series"
        )
    n_steps = int(future.groupby(level=0).size().max())
    for name in ids:
        _check_steps(
            args,
            frame.loc[name].index,
            future.loc[name].index,
            n_steps,
            series=name,
        )


def _check_steps(args, times, steps, n_steps, series=None):
    """Raise CommandError unless ``steps`` are the ``n_steps`` after ``times``.

    Where the data tell the time step (dates with a frequency, integers),
    ``steps`` must be exactly the times that follow ``times``: the forecast
    steps on from their end, and labels its steps with them. Without one
    (float times), the steps need only come after the end.

    Parameters
    ----------
    times, steps : pandas.Index
        The increasing times of a series in the data and in ``--future``.
    n_steps : int
        The number of steps forecast.
    series : object, default=None
        The id of the series of a panel, named in messages.
    """
    if series is None:
        at, last = "", f"the last time of {args.data}"
        advice = f"give the {n_steps} steps after the end of {args.data}"
    else:
        at, last = f"series {series!r} at ", f"its last time in {args.data}"
        advice = f"give each series the {n_steps} steps after its own end"
    expected = following(times, n_steps)
    extra = (
        steps[steps <= times[-1]] if expected is None else steps.difference(expected)
    )
    if len(extra):
        raise CommandError(
            f"{args.future} has {at}{extra[0]}, not one of the {n_steps} steps "
            f"after {last}, {times[-1]}: {advice}"
        )
    lacking = [] if expected is None else expected.difference(steps)
    if len(lacking):
        raise CommandError(f"{args.future} lacks {at}{lacking[0]}: {advice}")
    # Only a series of a panel can have fewer rows than the longest.
    if len(steps) < n_steps:
        raise CommandError(
            f"{args.future} has {len(steps)} rows of series {series!r}, not "
            f"{n_steps}: {advice}"
        )


def steps_ahead(future):
    """Number of steps ``future`` gives: its rows, or each series' rows."""
    if not isinstance(future.index, pd.MultiIndex):
        return len(future)
    return len(future) // future.index.get_level_values(0).nunique()


def forecast_future(model, series, future, X_train, args):
    """Forecast ``args.target`` over the rows of ``future``, with an interval.

    Returns
    -------
    ahead : DataFrame of shape (n_future_rows, 1) or (n_future_rows, 3)
        Column ``forecast``, and ``lower`` and ``upper`` with ``--interval``,
        indexed as ``future``.
    """
    from sklstm._forecast import recursive_forecast

    # A panel's series in the order of the rows of ``future``.
    ids = None if args.id is None else list(future.index.unique(level=0))
    options = {
        "target": args.target,
        "exog": future if len(future.columns) else None,
        "ids": ids,
    }
    n_steps = steps_ahead(future)
    if args.interval is None:
        forecast = recursive_forecast(model, series, n_steps, **options)
        columns = {"forecast": forecast}
    else:
        # The same forecast, from the same end, calibrated on held-out rows.
        held_out = _held_out(series, X_train, _window_size(model), args.horizon)
        bounds = recursive_forecast(
            model,
            held_out,
            n_steps,
            coverage=args.interval,
            n_origins=len(held_out),
            **options,
        )
        columns = dict(zip(("forecast", "lower", "upper"), bounds, strict=True))
    # The file's own times label the rows; without them, the forecast's row
    # numbers continue the data's.
    index = future.index if args.time_col else columns["forecast"].index
    return pd.DataFrame(
        {name: np.asarray(values) for name, values in columns.items()}, index=index
    )


def _window_size(model):
    """The window size of a fitted forecaster, chosen or searched."""
    return model.regressor_["window"].window_size


def _held_out(series, X_train, size, horizon):
    """Each series from the window before its first value unseen in training.

    The network was fitted on the rows of ``X_train`` and on the ``horizon``
    values after each: a forecast from these rows on predicts only values it
    was not fitted on, so that its errors calibrate an interval honestly.
    The rows end as ``series`` ends, at least ``size`` rows of each series.
    """
    if isinstance(series.index, pd.MultiIndex):
        ids = series.index.get_level_values(0)
        position = series.groupby(level=0, sort=False).cumcount().to_numpy()
        trained = X_train.groupby(level=0).size().reindex(ids, fill_value=0)
        trained = trained.to_numpy()
    else:
        position, trained = np.arange(len(series)), len(X_train)
    return series[position >= np.maximum(trained + horizon - size, 0)]


def check_interval(args, frame, X_train, size, n_steps):
    """Count the forecasts that calibrate ``--interval``; raise if too few.

    The interval's half-width at each step is the ``ceil((n + 1) *
    coverage)``-th smallest error of the ``n`` forecasts of ``n_steps``
    steps from origins whose values were held out of training: a finite one
    needs ``n >= coverage / (1 - coverage)``.

    Returns
    -------
    n_origins : int
        The number of such forecasts, pooled over the series of a panel.
    """
    lengths = series_lengths(_held_out(frame, X_train, size, args.horizon))
    n_origins = int((lengths - size - n_steps + 1).clip(lower=0).sum())
    needed = min_calibration_size(args.interval)
    if n_origins < needed:
        raise CommandError(
            f"--interval {args.interval} is calibrated on forecasts of {n_steps} "
            f"step(s) from the test period, and needs {needed} of them; the test "
            f"period of {args.data} holds {n_origins} with a window of {size}: "
            "give a larger --test-size, fewer --future steps or a lower "
            "--interval"
        )
    return n_origins
