"""The ``forecast`` command of ``sklstm``: one series, or many in one model.

One series is a CSV file of one row per time step. Many series (a panel) are
a long-format file whose column ``--id`` names the series of each row and
whose ``--time-col`` orders it: one forecaster learns from all of them, its
windows cut per series and never across, its test set the last times of
every series, and its cross-validation folds split by time across series.
Everything is checked with pandas before Keras starts.
"""

import numpy as np
import pandas as pd

from sklstm._cli_future import (
    check_interval,
    forecast_future,
    read_future,
    steps_ahead,
)
from sklstm._cli_input import (
    CommandError,
    check_distinct,
    read_csv,
    read_panel,
    series_lengths,
    time_kind,
    writable_folder,
)
from sklstm._cli_plot import plot_forecast
from sklstm._commands import MODEL_FILE, progress, start_framework, write_model

SEARCH_WINDOWS = (5, 10, 20)
SEARCH_UNITS = (8, 32)
N_SPLITS = 3


def run_forecast(args):
    """Fit a window pipeline to one series or many, report test errors, write files."""
    features = list(dict.fromkeys([args.target, *args.features]))
    check_distinct(
        [("--id", args.id), ("--time-col", args.time_col), ("--target", args.target)]
        + [("--features", name) for name in features[1:]]
    )
    if args.interval is not None and args.future is None:
        raise CommandError(
            f"--interval {args.interval} needs --future FILE: the interval is "
            "around the forecast of the steps after the data"
        )
    frame = _read_data(args, features)
    _check_lengths(args, frame)
    X, y = supervised_frame(frame, features, args.target, args.horizon)
    train = _train_rows(args, X, len(frame))
    X_train, X_test = X[train], X[~train]
    y_train, y_test = y[train], y[~train]
    windows = _search_windows(args, X_train, frame) if args.search else [args.window]
    future = None if args.future is None else read_future(args, frame, features)
    if args.interval is not None:
        n_steps = steps_ahead(future)
        n_origins = check_interval(args, frame, X_train, max(windows), n_steps)
    out = writable_folder(args.out)
    progress(
        f"{args.data}: {_describe(frame)}; forecasting {args.target!r} "
        f"{args.horizon} step(s) ahead from {', '.join(features)}; "
        f"train {len(X_train)} rows, test {len(X_test)}"
    )
    if args.interval is not None:
        progress(
            f"{args.interval:.0%} interval: calibrated on {n_origins} forecasts "
            f"of {n_steps} step(s) from the test period"
        )
    start_framework()
    model = (
        _search(args, X_train, y_train, windows)
        if args.search
        else _fit(args, X_train, y_train)
    )
    y_pred = model.predict(X_test)
    # The naive forecast: every future step equals the current value.
    naive = np.repeat(
        X_test[args.target].to_numpy(dtype=float)[:, None], args.horizon, axis=1
    ).reshape(np.shape(y_test))
    scores = _forecast_scores(y_test, y_pred, naive)
    print(scores.to_string(float_format="{:.4f}".format))
    _write_forecast(out, X_test.index, y_test, y_pred, naive, args.horizon)
    times = frame.index.get_level_values(-1)
    write_model(
        model,
        out,
        {
            "command": "forecast",
            "features": features,
            "id": args.id,
            "time_col": args.time_col,
            "time_kind": None if args.time_col is None else time_kind(times),
        },
    )
    written = ["predictions.csv", MODEL_FILE]
    ahead = None
    if future is not None:
        ahead = forecast_future(model, frame[features], future, X_train, args)
        ahead.to_csv(out / "future.csv")
        written.append("future.csv")
    test = pd.DataFrame(
        {
            "actual": np.asarray(y_test).reshape(len(X_test), -1)[:, 0],
            "forecast": np.asarray(y_pred).reshape(len(X_test), -1)[:, 0],
        },
        index=X_test.index,
    )
    written += plot_forecast(out, frame[args.target], test, model, ahead, args.interval)
    print(f"wrote {', '.join(written)} to {out}")
    return 0


def _read_data(args, features):
    """The data file: one series indexed by time (or row), or a panel."""
    if args.id is None:
        return read_csv(args.data, features, args.time_col)
    if args.time_col is None:
        raise CommandError(
            f"--id {args.id} needs --time-col: the column of times that orders "
            "the rows of each series"
        )
    return read_panel(args.data, features, args.id, args.time_col)


def _describe(frame):
    if not isinstance(frame.index, pd.MultiIndex):
        return f"{len(frame)} rows"
    return f"{frame.index.get_level_values(0).nunique()} series, {len(frame)} rows"


def _check_lengths(args, frame):
    """Raise CommandError unless every series fills a window and a horizon.

    A series' last window forecasts the steps after it, and its rows before
    the horizon train the network.
    """
    if not isinstance(frame.index, pd.MultiIndex):
        if args.horizon >= len(frame):
            raise CommandError(
                f"--horizon {args.horizon} needs more than {args.horizon} rows; "
                f"{args.data} has {len(frame)} rows"
            )
        return
    lengths = series_lengths(frame)
    # --search falls back to windows of 2 when no larger one fits.
    window = 2 if args.search else args.window
    needed = window + args.horizon
    short = lengths[lengths < needed]
    if len(short):
        raise CommandError(
            f"series {short.index[0]!r} of {args.data} has {short.iloc[0]} rows, "
            f"too few for a window of {window} and a horizon of {args.horizon}: "
            f"each series needs {needed} rows, and {len(short)} of the "
            f"{len(lengths)} series have fewer"
        )


def supervised_frame(frame, features, target, horizon):
    """Rows of ``frame`` as inputs and the next ``horizon`` target values.

    Parameters
    ----------
    frame : DataFrame
        One series, or a panel indexed by (id, time) whose series are
        shifted each on its own.

    Returns
    -------
    X : DataFrame of shape (n_samples, n_features)
        The rows of ``frame`` that have ``horizon`` later rows in their
        series.
    y : ndarray of shape (n_samples,) or (n_samples, horizon)
        ``y[i, h]`` is the target ``h + 1`` steps after row ``i``.
    """
    values = frame[target].astype(float)
    if isinstance(frame.index, pd.MultiIndex):
        values = values.groupby(level=0, sort=False)
    y = np.column_stack([values.shift(-h).to_numpy() for h in range(1, horizon + 1)])
    known = ~np.isnan(y).any(axis=1)
    return frame.loc[known, features], (y[known, 0] if horizon == 1 else y[known])


def _train_rows(args, X, n_rows):
    """Which rows of ``X`` train: all but the last ``--test-size`` of times.

    Raises CommandError unless enough times train the forecaster. A panel is
    cut at one time for all its series, as
    :class:`~sklstm.PanelTimeSeriesSplit` cuts it.
    """
    panel = isinstance(X.index, pd.MultiIndex)
    steps = X.index.get_level_values(1) if panel else pd.Index(np.arange(len(X)))
    distinct = steps.unique().sort_values()
    n_test = max(1, round(args.test_size * len(distinct)))
    n_train = len(distinct) - n_test
    what = "times" if panel else "rows"
    needed = (N_SPLITS + 1) * 2 if args.search else 2
    if n_train < needed:
        raise CommandError(
            f"{args.data} has {len(distinct) if panel else n_rows} {what}: too few "
            f"for a test set of {args.test_size:.0%} and a horizon of {args.horizon}"
            + (f" with {N_SPLITS} cross-validation folds" if args.search else "")
        )
    if not args.search and args.window >= n_train:
        raise CommandError(
            f"--window {args.window} needs more than {args.window} training "
            f"{what}; {args.data} has {len(distinct) if panel else n_rows} {what}, "
            f"{n_train} for training"
        )
    return np.asarray(steps < distinct[n_train])


def _fit(args, X_train, y_train):
    """The forecaster with ``--window`` and ``--units``, fitted."""
    from sklstm._pipelines import EpochProgress, build_forecaster

    progress(f"fitting: window {args.window}, {args.units} units, {args.epochs} epochs")
    forecaster = build_forecaster(
        args.window, args.units, args.epochs, args.seed, args.normalize
    )
    forecaster.set_params(regressor__lstm__callbacks=[EpochProgress()])
    model = forecaster.fit(X_train, y_train)
    # Saved models hold data only.
    model.set_params(regressor__lstm__callbacks=None)
    model.regressor_.set_params(lstm__callbacks=None)
    return model


def _search_windows(args, X_train, frame):
    """The window sizes ``--search`` tries.

    Windows longer than a cross-validation training fold see only padding,
    and every series must fill one to be forecast from its end.
    """
    panel = isinstance(X_train.index, pd.MultiIndex)
    n_times = X_train.index.get_level_values(1).nunique() if panel else len(X_train)
    longest = min(n_times // (N_SPLITS + 1), series_lengths(frame).min() - args.horizon)
    return [w for w in SEARCH_WINDOWS if w <= longest] or [2]


def _search(args, X_train, y_train, windows):
    """The best forecaster of a grid search over windows and units, refitted.

    The folds split by time: :class:`~sklearn.model_selection.TimeSeriesSplit`
    for one series, :class:`~sklstm.PanelTimeSeriesSplit` across the series
    of a panel.
    """
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    from sklstm._panel import PanelTimeSeriesSplit
    from sklstm._pipelines import build_forecaster, cv_table

    panel = isinstance(X_train.index, pd.MultiIndex)
    search = GridSearchCV(
        build_forecaster(
            windows[0], args.units, args.epochs, args.seed, args.normalize
        ),
        {
            "regressor__window__window_size": windows,
            "regressor__lstm__units": list(SEARCH_UNITS),
        },
        cv=(PanelTimeSeriesSplit if panel else TimeSeriesSplit)(N_SPLITS),
        scoring="neg_root_mean_squared_error",
        verbose=2,
    )
    search.fit(X_train, y_train)
    table = cv_table(search)
    print("cross-validation RMSE (lower is better):")
    print(table.to_string(index=False, float_format="{:.4f}".format))
    return search.best_estimator_


def _forecast_scores(y_true, y_pred, naive):
    from sklearn.metrics import mean_absolute_error, root_mean_squared_error

    rows = {"LSTM": y_pred, "naive (last value)": naive}
    return pd.DataFrame(
        {
            name: {
                "test RMSE": root_mean_squared_error(y_true, pred),
                "test MAE": mean_absolute_error(y_true, pred),
            }
            for name, pred in rows.items()
        }
    ).T


def _write_forecast(out, index, y_true, y_pred, naive, horizon):
    columns = {}
    for name, values in (("actual", y_true), ("forecast", y_pred), ("naive", naive)):
        values = np.asarray(values).reshape(len(index), horizon)
        for h in range(horizon):
            columns[name if horizon == 1 else f"{name}_t+{h + 1}"] = values[:, h]
    pd.DataFrame(columns, index=index).to_csv(out / "predictions.csv")
