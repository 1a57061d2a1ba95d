"""The ``forecast``, ``classify`` and ``predict`` commands of ``sklstm``.

Each command reads CSV files with pandas, works with the public API only, and
writes its results to a folder: predictions as CSV, the fitted model as an
:func:`sklstm.save` file with a JSON file naming the columns it reads, and
plots as PNG. Every input is read and checked with pandas and NumPy alone;
only then does a command import Keras (:func:`start_framework`), so bad input
is reported at once, before any training. Bad input raises
:class:`CommandError`, which the command line prints as one line, with exit
status 2.
"""

import contextlib
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SEARCH_WINDOWS = (5, 10, 20)
SEARCH_UNITS = (8, 32)
N_SPLITS = 3
MODEL_FILE = "model.sklstm"
# What a time column holds, as model.json records it.
TIME_KINDS = (
    "integers",
    "numbers",
    "dates without a time zone",
    "dates with a time zone",
)


class CommandError(Exception):
    """Bad input to a command: a message for the user, no traceback."""


def read_csv(path, columns=(), time_col=None):
    """Read a CSV file and check that it has the named numeric columns.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : sequence of str
        Columns that must exist and hold numbers without missing values.
    time_col : str, default=None
        A column of times: parsed as dates if it holds text, then used to sort
        the rows and as the index. Each time may appear once.

    Returns
    -------
    frame : DataFrame
    """
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"no such file: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CommandError(f"cannot read {path} as CSV: {e}") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    _check_columns(frame, path, [*columns, time_col])
    _check_numeric(frame, path, columns)
    return frame if time_col is None else _index_by_time(frame, path, time_col)


def _check_columns(frame, path, names):
    """Raise CommandError unless each name but None is a column of ``frame``."""
    missing = [c for c in names if c is not None and c not in frame]
    if missing:
        raise CommandError(
            f"{path} has no column {missing[0]!r}; its columns are "
            f"{', '.join(map(repr, frame.columns))}"
        )


def _check_numeric(frame, path, columns):
    """Raise CommandError unless the columns hold numbers, none missing."""
    for column in columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise CommandError(f"column {column!r} of {path} is not numeric")
        n_missing = int(frame[column].isna().sum())
        if n_missing:
            raise CommandError(
                f"column {column!r} of {path} has {n_missing} missing values"
            )


def _check_distinct(named):
    """Raise CommandError if two options name one column.

    Parameters
    ----------
    named : iterable of (str, str or None)
        Each option and the column it names; None names none.
    """
    clash = _repeated_column(named)
    if clash is not None:
        first, second, column = clash
        raise CommandError(
            f"{first} and {second} both name the column {column!r}: each "
            "must be a different column"
        )


def _repeated_column(named):
    """The first two of ``(option, column)`` pairs naming one column, and it."""
    seen = {}
    for option, column in named:
        if column is None:
            continue
        if column in seen:
            return seen[column], option, column
        seen[column] = option
    return None


def _parse_times(frame, path, time_col):
    """The column ``time_col`` of ``frame`` as numbers or dates, none missing."""
    times = frame[time_col]
    if not pd.api.types.is_numeric_dtype(times):
        try:
            times = pd.to_datetime(times)
        except (ValueError, TypeError):
            raise CommandError(
                f"column {time_col!r} of {path} holds neither numbers nor dates"
            ) from None
    n_missing = int(times.isna().sum())
    if n_missing:
        raise CommandError(
            f"column {time_col!r} of {path} has {n_missing} missing times"
        )
    return times


def time_kind(times):
    """What a column of parsed times holds, in words, as model.json records it.

    Parameters
    ----------
    times : Series or Index
        Times from :func:`read_csv`: numbers or dates.

    Returns
    -------
    kind : str
        One of :data:`TIME_KINDS`.
    """
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return "dates with a time zone"
    if pd.api.types.is_datetime64_dtype(times.dtype):
        return "dates without a time zone"
    return "integers" if pd.api.types.is_integer_dtype(times.dtype) else "numbers"


def _check_time_kind(times, path, time_col, trained):
    """Raise CommandError unless ``times`` are of the kind a model was trained on.

    A window places rows in time by comparing their times with the training
    times, which needs both of one kind.
    """
    kind = time_kind(times)
    if kind != trained:
        raise CommandError(
            f"column {time_col!r} of {path} holds {kind}, but the model was "
            f"trained on {trained}: give times of the same kind"
        )


def _index_by_time(frame, path, time_col):
    """``frame`` sorted and indexed by its column ``time_col``, one row a time."""
    times = _parse_times(frame, path, time_col)
    frame = frame.set_index(times.rename(time_col)).drop(columns=time_col)
    frame = frame.sort_index(kind="stable")
    repeated = frame.index[frame.index.duplicated()]
    if len(repeated):
        raise CommandError(
            f"column {time_col!r} of {path} repeats the time {repeated[0]}: "
            "each row must be one time step"
        )
    return frame


def writable_folder(path):
    """Create the folder ``path`` if needed and check that files can go there."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"cannot write to the folder {folder}: it is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise CommandError(f"cannot write to the folder {folder}: {error}") from None
    return folder


def _check_out_file(path):
    """Raise CommandError unless the file ``path`` can be written."""
    if path.is_dir():
        raise CommandError(f"--out {path} is a folder; give a file name")
    writable_folder(path.parent)


def start_framework():
    """Import Keras and let its backend find its devices, quietly.

    While TensorFlow loads and looks for GPUs, it logs from C++ straight to
    the standard error file: absl's notice, oneDNN, CUDA drivers and CPU
    instructions, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. Unless the user set
    that variable, this start-up runs with standard error closed to them,
    and ``TF_CPP_MIN_LOG_LEVEL=2`` keeps TensorFlow's later notes out too.
    """
    quiet = "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    if quiet:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    with _stderr_closed() if quiet else contextlib.nullcontext():
        import sklstm._pipelines  # noqa: F401  (Keras, the estimators)
        from sklstm._device import gpu_available

        gpu_available()


@contextlib.contextmanager
def _stderr_closed():
    """Point file descriptor 2, where C++ libraries write, at ``os.devnull``."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _write_model(model, out, columns):
    """Save ``model`` and the JSON file that tells ``predict`` its columns.

    With a time column, the JSON file records the kind of its times, which
    ``predict`` requires of a file before it loads the model.
    """
    from sklstm._saving import save

    save(model, out / MODEL_FILE)
    (out / MODEL_FILE).with_suffix(".json").write_text(json.dumps(columns, indent=2))


def _progress(message):
    print(message, file=sys.stderr, flush=True)


# -- forecast ------------------------------------------------------------------


def supervised_frame(frame, features, target, horizon):
    """Rows of ``frame`` as inputs and the next ``horizon`` target values.

    Returns
    -------
    X : DataFrame of shape (n_rows - horizon, n_features)
    y : ndarray of shape (n_rows - horizon,) or (n_rows - horizon, horizon)
        ``y[i, h]`` is the target ``h + 1`` steps after row ``i``.
    """
    values = frame[target].to_numpy(dtype=float)
    n = len(frame) - horizon
    y = np.stack([values[h + 1 : h + 1 + n] for h in range(horizon)], axis=1)
    return frame[features].iloc[:n], (y[:, 0] if horizon == 1 else y)


def _check_forecast_sizes(args, n_rows, n_train):
    """Raise CommandError unless ``n_train`` rows can train the forecaster."""
    if args.horizon >= n_rows:
        raise CommandError(
            f"--horizon {args.horizon} needs more than {args.horizon} rows; "
            f"{args.data} has {n_rows} rows"
        )
    needed = (N_SPLITS + 1) * 2 if args.search else 2
    if n_train < needed:
        raise CommandError(
            f"{args.data} has {n_rows} rows: too few for a test set of "
            f"{args.test_size:.0%} and a horizon of {args.horizon}"
            + (f" with {N_SPLITS} cross-validation folds" if args.search else "")
        )
    if not args.search and args.window >= n_train:
        raise CommandError(
            f"--window {args.window} needs more than {args.window} training "
            f"rows; {args.data} has {n_rows} rows, {n_train} for training"
        )


def run_forecast(args):
    """Fit a window pipeline to a series, report test errors, write files."""
    features = list(dict.fromkeys([args.target, *args.features]))
    _check_distinct(
        [("--time-col", args.time_col), ("--target", args.target)]
        + [("--features", name) for name in features[1:]]
    )
    frame = read_csv(args.data, features, args.time_col)
    n_samples = len(frame) - args.horizon
    n_test = max(1, round(args.test_size * n_samples))
    n_train = n_samples - n_test
    _check_forecast_sizes(args, len(frame), n_train)
    X, y = supervised_frame(frame, features, args.target, args.horizon)
    future = None if args.future is None else _read_future(args, frame, features)
    out = writable_folder(args.out)
    X_train, X_test = X.iloc[:n_train], X.iloc[n_train:]
    y_train, y_test = y[:n_train], y[n_train:]
    _progress(
        f"{args.data}: {len(frame)} rows; forecasting {args.target!r} "
        f"{args.horizon} step(s) ahead from {', '.join(features)}; "
        f"train {n_train} rows, test {n_test}"
    )
    start_framework()
    model = (
        _search(args, X_train, y_train) if args.search else _fit(args, X_train, y_train)
    )
    y_pred = model.predict(X_test)
    # The naive forecast: every future step equals the current value.
    naive = np.repeat(
        frame[args.target].to_numpy(dtype=float)[n_train : n_train + n_test, None],
        args.horizon,
        axis=1,
    ).reshape(np.shape(y_test))
    scores = _forecast_scores(y_test, y_pred, naive)
    print(scores.to_string(float_format="{:.4f}".format))
    _write_forecast(out, X_test.index, y_test, y_pred, naive, args.horizon)
    _write_model(
        model,
        out,
        {
            "command": "forecast",
            "features": features,
            "time_col": args.time_col,
            "time_kind": None if args.time_col is None else time_kind(frame.index),
        },
    )
    plots = _plot_forecast(out, frame[args.target], X_test.index, y_test, y_pred, model)
    written = ["predictions.csv", MODEL_FILE, *plots]
    if future is not None:
        _write_future(out, model, frame[features], future, args)
        written.append("future.csv")
    print(f"wrote {', '.join(written)} to {out}")
    return 0


def _read_future(args, frame, features):
    """Read and check ``--future``: the feature columns after the data.

    Returns
    -------
    future : DataFrame of shape (n_steps, n_features - 1)
        The columns of ``features`` but the target, indexed by time when
        ``--time-col`` is given; the target is not needed.
    """
    exog = [name for name in features if name != args.target]
    future = read_csv(args.future, exog, args.time_col)
    if future.empty:
        raise CommandError(f"{args.future} has no rows to forecast")
    if args.time_col is not None:
        _check_time_kind(
            future.index, args.future, args.time_col, time_kind(frame.index)
        )
        if future.index[0] <= frame.index[-1]:
            raise CommandError(
                f"{args.future} begins at {future.index[0]}, not after the last "
                f"time of {args.data}, {frame.index[-1]}: give the steps that "
                "follow the data"
            )
    return future[exog]


def _write_future(out, model, series, future, args):
    """Forecast ``args.target`` over the rows of ``future``; write future.csv."""
    from sklstm._forecast import recursive_forecast

    forecast = recursive_forecast(
        model,
        series,
        len(future),
        target=args.target,
        exog=future if len(future.columns) else None,
    )
    # The file's own times label the rows; without them, the forecast's row
    # numbers continue the data's.
    index = future.index if args.time_col else forecast.index
    pd.DataFrame({"forecast": np.asarray(forecast)}, index=index).to_csv(
        out / "future.csv"
    )


def _fit(args, X_train, y_train):
    """The forecaster with ``--window`` and ``--units``, fitted."""
    from sklstm._pipelines import EpochProgress, build_forecaster

    _progress(
        f"fitting: window {args.window}, {args.units} units, {args.epochs} epochs"
    )
    forecaster = build_forecaster(
        args.window, args.units, args.epochs, args.seed, args.normalize
    )
    forecaster.set_params(regressor__lstm__callbacks=[EpochProgress()])
    model = forecaster.fit(X_train, y_train)
    # Saved models hold data only.
    model.set_params(regressor__lstm__callbacks=None)
    model.regressor_.set_params(lstm__callbacks=None)
    return model


def _search(args, X_train, y_train):
    """The best forecaster of a grid search over windows and units, refitted."""
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    from sklstm._pipelines import build_forecaster, cv_table

    # Windows longer than a cross-validation training fold see only padding.
    longest = len(X_train) // (N_SPLITS + 1)
    windows = [w for w in SEARCH_WINDOWS if w <= longest] or [2]
    search = GridSearchCV(
        build_forecaster(
            windows[0], args.units, args.epochs, args.seed, args.normalize
        ),
        {
            "regressor__window__window_size": windows,
            "regressor__lstm__units": list(SEARCH_UNITS),
        },
        cv=TimeSeriesSplit(N_SPLITS),
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


def _plot_forecast(out, series, test_index, y_test, y_pred, model):
    """Write forecast.png and history.png; return their names."""
    try:
        import matplotlib
    except ImportError:
        _progress('no plots: matplotlib is not installed (pip install "sklstm[plot]")')
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklstm._plot import ForecastDisplay, HistoryDisplay

    first_step = np.asarray(y_pred).reshape(len(test_index), -1)[:, 0]
    # The forecast made at row i is for the step after it: plot it there.
    target_index = series.index[series.index.get_indexer(test_index) + 1]
    history = series.loc[: test_index[0]]
    display = ForecastDisplay.from_predictions(
        pd.Series(np.asarray(y_test).reshape(len(test_index), -1)[:, 0], target_index),
        pd.Series(first_step, target_index),
        y_history=history,
        estimator_name="LSTM, one step ahead",
    )
    display.ax_.set_ylabel(series.name)
    history_figure = HistoryDisplay.from_estimator(model).figure_
    for figure, name in ((display.figure_, "forecast"), (history_figure, "history")):
        figure.savefig(out / f"{name}.png", dpi=100)
    plt.close("all")
    return ["forecast.png", "history.png"]


# -- classify ------------------------------------------------------------------


def _long_table(path, id_col, label, time_col, features=None):
    """Read a long-format CSV file; return it and its feature columns.

    The features are ``features``, or every column but id, label and time.
    The time column is parsed as :func:`read_csv` does, and each sequence
    may hold a time once.
    """
    frame = read_csv(path)
    _check_columns(frame, path, [id_col, label, time_col, *(features or [])])
    if features is None:
        features = [c for c in frame.columns if c not in (id_col, label, time_col)]
    if not features:
        raise CommandError(f"{path} has no feature columns besides id, label and time")
    _check_numeric(frame, path, features)
    if frame[id_col].isna().any():
        raise CommandError(f"column {id_col!r} of {path} has missing ids")
    if time_col is not None:
        frame[time_col] = _parse_times(frame, path, time_col)
        repeated = frame[frame.duplicated([id_col, time_col])]
        if len(repeated):
            raise CommandError(
                f"sequence {repeated[id_col].iloc[0]} of {path} repeats the time "
                f"{repeated[time_col].iloc[0]}: each row must be one time step"
            )
    return frame, features


def _sequences(frame, path, id_col, label, time_col, features):
    """Cut a checked long-format table into sequences, labels and ids."""
    from sklstm._sequences import sequences_from_frame

    keep = [c for c in (id_col, time_col, label) if c is not None]
    try:
        result = sequences_from_frame(
            frame[keep + features], id=id_col, time=time_col, label=label
        )
    except ValueError as error:
        raise CommandError(f"{path}: {error}") from None
    X, y = result if label is not None else (result, None)
    return X, y, pd.factorize(frame[id_col], sort=True)[1]


def run_classify(args):
    """Fit an LSTM classifier on long-format sequences and evaluate it."""
    _check_distinct(
        [("--id", args.id), ("--label", args.label), ("--time-col", args.time_col)]
    )
    train, features = _long_table(args.train, args.id, args.label, args.time_col)
    classes = train[args.label].unique()
    if len(classes) < 2:
        raise CommandError(
            f"{args.train} holds one class, {classes[0]!r}: a classifier "
            "learns from at least two"
        )
    test, _ = _long_table(args.test, args.id, args.label, args.time_col, features)
    out = writable_folder(args.out)
    start_framework()
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

    from sklstm._classifier import LSTMClassifier
    from sklstm._pipelines import EpochProgress

    cut = (args.id, args.label, args.time_col, features)
    X_train, y_train, _ = _sequences(train, args.train, *cut)
    X_test, y_test, ids = _sequences(test, args.test, *cut)
    _progress(
        f"{len(X_train)} training and {len(X_test)} test sequences, "
        f"{len(classes)} classes; fitting {args.units} units, "
        f"{args.epochs} epochs"
    )
    classifier = LSTMClassifier(
        units=args.units,
        epochs=args.epochs,
        random_state=args.seed,
        callbacks=[EpochProgress()],
    ).fit(X_train, y_train)
    classifier.set_params(callbacks=None)
    y_pred = classifier.predict(X_test)
    labels = classifier.classes_
    print(f"test accuracy: {accuracy_score(y_test, y_pred):.4f}")
    matrix = pd.DataFrame(
        confusion_matrix(y_test, y_pred, labels=labels),
        index=pd.Index(labels, name="true"),
        columns=pd.Index(labels, name="predicted"),
    )
    print("confusion matrix:")
    print(matrix.to_string())
    print(classification_report(y_test, y_pred, labels=labels, zero_division=0))
    proba = classifier.predict_proba(X_test)
    table = pd.DataFrame({"id": ids, "label": y_test, "predicted": y_pred})
    for i, label in enumerate(labels):
        table[f"proba_{label}"] = proba[:, i]
    table.to_csv(out / "predictions.csv", index=False)
    _write_model(
        classifier,
        out,
        {
            "command": "classify",
            "features": features,
            "id": args.id,
            "time_col": args.time_col,
            "time_kind": (
                None if args.time_col is None else time_kind(train[args.time_col])
            ),
        },
    )
    print(f"wrote predictions.csv and {MODEL_FILE} to {out}")
    return 0


# -- predict -------------------------------------------------------------------

# What model.json holds: each key's type, per command.
_DESCRIPTION = {
    "forecast": {"features": list, "time_col": (str, type(None))},
    "classify": {"features": list, "id": str, "time_col": (str, type(None))},
}


def _read_description(path):
    """Read ``model.json``, the columns a saved model reads; check its form."""
    try:
        description = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None
    command = description.get("command") if isinstance(description, dict) else None
    if command not in _DESCRIPTION:
        raise CommandError(
            f"{path} is malformed: it names no command 'forecast' or 'classify'"
        )
    for key, kind in _DESCRIPTION[command].items():
        # Both commands always write every key, ``time_col`` as null when unused.
        if key not in description or not isinstance(description[key], kind):
            raise CommandError(f"{path} is malformed: {key!r} is missing or wrong")
    features = description["features"]
    if not features or not all(isinstance(name, str) for name in features):
        raise CommandError(f"{path} is malformed: 'features' must name columns")
    clash = _repeated_column(
        [("time_col", description["time_col"]), ("id", description.get("id"))]
        + [("features", name) for name in features]
    )
    if clash is not None:
        first, second, column = clash
        raise CommandError(
            f"{path} is malformed: {first!r} and {second!r} both name the "
            f"column {column!r}"
        )
    kinds = TIME_KINDS if description["time_col"] is not None else (None,)
    if description.get("time_kind", "missing") not in kinds:
        raise CommandError(f"{path} is malformed: 'time_kind' is missing or wrong")
    return description


def _load_model(path):
    from sklstm._saving import ModelFileError, load

    try:
        return load(path)
    except ModelFileError as error:
        raise CommandError(str(error)) from None


def _check_model(model, description, json_path, model_path):
    """Raise CommandError unless ``model`` is what model.json describes.

    The command that wrote it made a regressor or a classifier, and the
    columns it names are those the model was fitted on: their names, or for
    a model fitted on arrays their number.
    """
    from sklearn.base import is_classifier, is_regressor

    from sklstm._unwrap import fitted_parts

    mismatch = f"{json_path} does not match {model_path}"
    command, features = description["command"], description["features"]
    kind, is_kind = {
        "forecast": ("regressor", is_regressor),
        "classify": ("classifier", is_classifier),
    }[command]
    if not is_kind(model):
        raise CommandError(
            f"{mismatch}: it describes a {kind} written by 'sklstm {command}', "
            f"but the model is a {type(model).__name__}"
        )
    # The first fitted part that records its input: a pipeline's first step.
    first = next(p for p in fitted_parts(model) if hasattr(p, "n_features_in_"))
    names = getattr(first, "feature_names_in_", None)
    if names is not None and list(names) != features:
        raise CommandError(
            f"{mismatch}: it names the columns {', '.join(features)}, but the "
            f"model was fitted on {', '.join(map(str, names))}"
        )
    if first.n_features_in_ != len(features):
        raise CommandError(
            f"{mismatch}: it names the columns {', '.join(features)}, but the "
            f"model was fitted on {first.n_features_in_} columns"
        )


def _warn_if_continuing(model, rows, path):
    """Warn if ``rows``, without times, are read as continuing the training data.

    Without an index that tells time, a window reads rows that begin with
    its training rows as a start again, padded; any other rows continue the
    training data, whether they do or not.
    """
    window, values = _window_input(model, rows)
    if window is None or window.history == "none":
        return
    values = np.asarray(values, dtype=window.series_.dtype)
    common = min(len(values), len(window.series_))
    if not np.array_equal(values[:common], window.series_[:common]):
        warnings.warn(
            f"the model reads no time column, so the rows of {path} are taken "
            "to continue the training data; train with --time-col to place "
            "rows in time",
            UserWarning,
            stacklevel=2,
        )


def _window_input(model, rows):
    """The first window of ``model`` and its input for ``rows``, else Nones."""
    from sklearn.pipeline import Pipeline

    from sklstm._unwrap import fitted_parts
    from sklstm._window import SlidingWindowTransformer

    for part in fitted_parts(model):
        if not isinstance(part, Pipeline):
            continue
        for position, (_, step) in enumerate(part.steps):
            if isinstance(step, SlidingWindowTransformer):
                return step, part[:position].transform(rows) if position else rows
    return None, None


def _predict_forecast(model, frame, features):
    y_pred = np.asarray(model.predict(frame[features])).reshape(len(frame), -1)
    names = (
        ["forecast"]
        if y_pred.shape[1] == 1
        else [f"forecast_t+{h + 1}" for h in range(y_pred.shape[1])]
    )
    return pd.DataFrame(y_pred, index=frame.index, columns=names)


def run_predict(args):
    """Apply a model written by ``forecast`` or ``classify`` to a CSV file."""
    model_path = Path(args.model)
    if model_path.is_dir():
        model_path = model_path / MODEL_FILE
    columns_path = model_path.with_suffix(".json")
    if not model_path.is_file() or not columns_path.is_file():
        raise CommandError(
            f"no model at {args.model}: give the folder or the {MODEL_FILE} "
            "file written by 'sklstm forecast' or 'sklstm classify'"
        )
    description = _read_description(columns_path)
    command, features = description["command"], description["features"]
    time_col = description["time_col"]
    if command == "forecast":
        frame = read_csv(args.data, features, time_col)
        times = frame.index
    else:
        cut = (description["id"], None, time_col)
        frame, _ = _long_table(args.data, *cut, features)
        times = None if time_col is None else frame[time_col]
    if time_col is not None:
        _check_time_kind(times, args.data, time_col, description["time_kind"])
    if args.out is not None:
        _check_out_file(Path(args.out))
    start_framework()
    model = _load_model(model_path)
    _check_model(model, description, columns_path, model_path)
    if command == "forecast":
        if time_col is None:
            _warn_if_continuing(model, frame[features], args.data)
        table = _predict_forecast(model, frame, features)
    else:
        X, _, ids = _sequences(frame, args.data, *cut, features)
        table = pd.DataFrame({"id": ids, "predicted": model.predict(X)})
    try:
        table.to_csv(
            sys.stdout if args.out is None else args.out, index=command == "forecast"
        )
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error}") from None
    return 0
