"""The ``classify`` and ``predict`` commands of ``sklstm``, and what commands share.

Each command reads CSV files with pandas, works with the public API only, and
writes its results to a folder: predictions as CSV, the fitted model as an
:func:`sklstm.save` file with a JSON file naming the columns it reads, and
plots as PNG. Every input is read and checked with pandas and NumPy alone
(:mod:`sklstm._cli_input`); only then does a command import Keras
(:func:`start_framework`), so bad input is reported at once, before any
training.
"""

import contextlib
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sklstm._cli_input import (
    TIME_KINDS,
    CommandError,
    check_distinct,
    check_out_file,
    check_time_kind,
    read_csv,
    read_long,
    read_panel,
    repeated_column,
    time_kind,
    writable_folder,
)

MODEL_FILE = "model.sklstm"


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


def write_model(model, out, columns):
    """Save ``model`` and the JSON file that tells ``predict`` its columns.

    With a time column, the JSON file records the kind of its times, which
    ``predict`` requires of a file before it loads the model.
    """
    from sklstm._saving import save

    save(model, out / MODEL_FILE)
    (out / MODEL_FILE).with_suffix(".json").write_text(json.dumps(columns, indent=2))


def progress(message):
    print(message, file=sys.stderr, flush=True)


# -- classify ------------------------------------------------------------------


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
    check_distinct(
        [("--id", args.id), ("--label", args.label), ("--time-col", args.time_col)]
    )
    train, features = read_long(args.train, args.id, args.time_col, label=args.label)
    classes = train[args.label].unique()
    if len(classes) < 2:
        raise CommandError(
            f"{args.train} holds one class, {classes[0]!r}: a classifier "
            "learns from at least two"
        )
    test, _ = read_long(args.test, args.id, args.time_col, features, args.label)
    out = writable_folder(args.out)
    start_framework()
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

    from sklstm._classifier import LSTMClassifier
    from sklstm._pipelines import EpochProgress

    cut = (args.id, args.label, args.time_col, features)
    X_train, y_train, _ = _sequences(train, args.train, *cut)
    X_test, y_test, ids = _sequences(test, args.test, *cut)
    progress(
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
    write_model(
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
    # A forecaster of one series may come from a version without ``id``.
    if command == "forecast" and description.get("id") is not None:
        if not isinstance(description["id"], str):
            raise CommandError(f"{path} is malformed: 'id' is wrong")
        if description["time_col"] is None:
            raise CommandError(
                f"{path} is malformed: the 'id' of many series needs a 'time_col'"
            )
    features = description["features"]
    if not features or not all(isinstance(name, str) for name in features):
        raise CommandError(f"{path} is malformed: 'features' must name columns")
    clash = repeated_column(
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
        panel = description.get("id") is not None
        if panel:
            frame = read_panel(args.data, features, description["id"], time_col)
        else:
            frame = read_csv(args.data, features, time_col)
        times = frame.index.get_level_values(-1)
    else:
        cut = (description["id"], None, time_col)
        frame, _ = read_long(args.data, description["id"], time_col, features)
        times = None if time_col is None else frame[time_col]
    if time_col is not None:
        check_time_kind(times, args.data, time_col, description["time_kind"])
    if args.out is not None:
        check_out_file(Path(args.out))
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
        where = "to standard output" if args.out is None else args.out
        raise CommandError(f"cannot write {where}: {error}") from None
    return 0
