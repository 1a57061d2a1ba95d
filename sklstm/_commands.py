"""The ``forecast``, ``classify`` and ``predict`` commands of ``sklstm``.

Each command reads CSV files with pandas, works with the public API only, and
writes its results to a folder: predictions as CSV, the fitted model as an
:func:`sklstm.save` file with a JSON file naming the columns it reads, and
plots as PNG. Bad input raises :class:`CommandError`, which the command line
prints as one line, with exit status 2.
"""

import json
import sys
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    mean_absolute_error,
    root_mean_squared_error,
)
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm._classifier import LSTMClassifier
from sklstm._demo import build_forecaster, cv_table
from sklstm._saving import load, save
from sklstm._sequences import sequences_from_frame

SEARCH_WINDOWS = (5, 10, 20)
SEARCH_UNITS = (8, 32)
N_SPLITS = 3
MODEL_FILE = "model.sklstm"


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
        the rows and as the index.

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
    missing = [c for c in (*columns, time_col) if c is not None and c not in frame]
    if missing:
        raise CommandError(
            f"{path} has no column {missing[0]!r}; its columns are "
            f"{', '.join(map(repr, frame.columns))}"
        )
    for column in columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise CommandError(f"column {column!r} of {path} is not numeric")
        n_missing = int(frame[column].isna().sum())
        if n_missing:
            raise CommandError(
                f"column {column!r} of {path} has {n_missing} missing values"
            )
    if time_col is not None:
        times = frame[time_col]
        if not pd.api.types.is_numeric_dtype(times):
            try:
                times = pd.to_datetime(times)
            except (ValueError, TypeError):
                raise CommandError(
                    f"column {time_col!r} of {path} holds neither numbers nor dates"
                ) from None
        frame = frame.set_index(times.rename(time_col)).drop(columns=time_col)
        frame = frame.sort_index(kind="stable")
    return frame


def _write_model(model, out, columns):
    """Save ``model`` and the JSON file that tells ``predict`` its columns."""
    save(model, out / MODEL_FILE)
    (out / MODEL_FILE).with_suffix(".json").write_text(json.dumps(columns, indent=2))


def _progress(message):
    print(message, file=sys.stderr, flush=True)


class EpochProgress(keras.callbacks.Callback):
    """Print the training loss about ten times per fit, to standard error."""

    def on_epoch_end(self, epoch, logs=None):
        epochs = self.params["epochs"]
        if (epoch + 1) % max(1, epochs // 10) == 0 or epoch + 1 == epochs:
            _progress(f"  epoch {epoch + 1}/{epochs}: loss {logs['loss']:.5f}")


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


def run_forecast(args):
    """Fit a window pipeline to a series, report test errors, write files."""
    features = list(dict.fromkeys([args.target, *args.features]))
    frame = read_csv(args.data, features, args.time_col)
    X, y = supervised_frame(frame, features, args.target, args.horizon)
    n_test = max(1, round(args.test_size * len(X)))
    n_train = len(X) - n_test
    windows = [args.window] if not args.search else list(SEARCH_WINDOWS)
    needed = (N_SPLITS + 1) * 2 if args.search else 2
    if n_train < needed:
        raise CommandError(
            f"{args.data} has {len(frame)} rows: too few for a test set of "
            f"{args.test_size:.0%} and a horizon of {args.horizon}"
            + (f" with {N_SPLITS} cross-validation folds" if args.search else "")
        )
    if not args.search and args.window >= n_train:
        raise CommandError(
            f"--window {args.window} needs more than {args.window} training "
            f"rows; {args.data} has {len(frame)} rows, {n_train} for training"
        )
    if args.search:
        # Windows longer than a cross-validation training fold see only padding.
        windows = [w for w in windows if w <= n_train // (N_SPLITS + 1)] or [2]
    X_train, X_test = X.iloc[:n_train], X.iloc[n_train:]
    y_train, y_test = y[:n_train], y[n_train:]
    _progress(
        f"{args.data}: {len(frame)} rows; forecasting {args.target!r} "
        f"{args.horizon} step(s) ahead from {', '.join(features)}; "
        f"train {n_train} rows, test {n_test}"
    )
    forecaster = build_forecaster(windows[0], args.units, args.epochs, args.seed)
    if args.search:
        search = GridSearchCV(
            forecaster,
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
        model = search.best_estimator_
    else:
        _progress(
            f"fitting: window {args.window}, {args.units} units, {args.epochs} epochs"
        )
        forecaster.set_params(regressor__lstm__callbacks=[EpochProgress()])
        model = forecaster.fit(X_train, y_train)
        # Saved models hold data only.
        model.set_params(regressor__lstm__callbacks=None)
        model.regressor_.set_params(lstm__callbacks=None)
    y_pred = model.predict(X_test)
    # The naive forecast: every future step equals the current value.
    naive = np.repeat(
        frame[args.target].to_numpy(dtype=float)[n_train : n_train + n_test, None],
        args.horizon,
        axis=1,
    ).reshape(np.shape(y_test))
    scores = _forecast_scores(y_test, y_pred, naive)
    print(scores.to_string(float_format="{:.4f}".format))
    out = _out_folder(args.out)
    _write_forecast(out, X_test.index, y_test, y_pred, naive, args.horizon)
    _write_model(
        model,
        out,
        {"command": "forecast", "features": features, "time_col": args.time_col},
    )
    plots = _plot_forecast(out, frame[args.target], X_test.index, y_test, y_pred, model)
    print(f"wrote {', '.join(['predictions.csv', MODEL_FILE, *plots])} to {out}")
    return 0


def _forecast_scores(y_true, y_pred, naive):
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
        figure.savefig(out / f"{name}.png", dpi=100, bbox_inches="tight")
    plt.close("all")
    return ["forecast.png", "history.png"]


def _out_folder(path):
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create the output folder {out}: {error}") from None
    return out


# -- classify ------------------------------------------------------------------


def _sequences(path, id_col, label, time_col, features=None):
    """Read a long-format CSV file: sequences, labels, ids and feature names.

    The features are ``features``, or every column but id, label and time.
    """
    frame = read_csv(path, columns=(), time_col=None)
    if features is None:
        features = [c for c in frame.columns if c not in (id_col, label, time_col)]
    missing = [c for c in features if c not in frame]
    if missing:
        raise CommandError(f"{path} has no column {missing[0]!r}")
    n_missing = int(frame[features].isna().to_numpy().sum())
    if n_missing:
        raise CommandError(f"{path} has {n_missing} missing feature values")
    keep = [c for c in (id_col, time_col, label) if c is not None and c in frame]
    try:
        result = sequences_from_frame(
            frame[keep + features], id=id_col, time=time_col, label=label
        )
    except (ValueError, TypeError, KeyError) as error:
        raise CommandError(f"{path}: {error}") from None
    X, y = result if label is not None else (result, None)
    return X, y, pd.factorize(frame[id_col], sort=True)[1], features


def run_classify(args):
    """Fit an LSTM classifier on long-format sequences and evaluate it."""
    X_train, y_train, _, features = _sequences(
        args.train, args.id, args.label, args.time_col
    )
    X_test, y_test, ids, _ = _sequences(
        args.test, args.id, args.label, args.time_col, features
    )
    _progress(
        f"{len(X_train)} training and {len(X_test)} test sequences, "
        f"{len(np.unique(y_train))} classes; fitting {args.units} units, "
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
    out = _out_folder(args.out)
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
        },
    )
    print(f"wrote predictions.csv and {MODEL_FILE} to {out}")
    return 0


# -- predict -------------------------------------------------------------------


def run_predict(args):
    """Apply a model written by ``forecast`` or ``classify`` to a CSV file."""
    model_path = Path(args.model)
    if model_path.is_dir():
        model_path = model_path / MODEL_FILE
    columns_path = model_path.with_suffix(".json")
    if not model_path.exists() or not columns_path.exists():
        raise CommandError(
            f"no model at {args.model}: give the folder or the {MODEL_FILE} "
            "file written by 'sklstm forecast' or 'sklstm classify'"
        )
    columns = json.loads(columns_path.read_text())
    model = load(model_path)
    if columns["command"] == "forecast":
        frame = read_csv(args.data, columns["features"], columns["time_col"])
        y_pred = model.predict(frame[columns["features"]])
        y_pred = np.asarray(y_pred).reshape(len(frame), -1)
        names = (
            ["forecast"]
            if y_pred.shape[1] == 1
            else [f"forecast_t+{h + 1}" for h in range(y_pred.shape[1])]
        )
        table = pd.DataFrame(y_pred, index=frame.index, columns=names)
    else:
        X, _, ids, _ = _sequences(
            args.data, columns["id"], None, columns["time_col"], columns["features"]
        )
        table = pd.DataFrame({"id": ids, "predicted": model.predict(X)})
    table.to_csv(
        sys.stdout if args.out is None else args.out,
        index=columns["command"] == "forecast",
    )
    return 0
