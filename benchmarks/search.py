"""Time sklstm's main job, a grid search, against the same work in PyTorch.

Run from the repository root, one process per Keras backend::

    python benchmarks/search.py --backend tensorflow
    python benchmarks/search.py --backend jax --json jax-search.json

The search: ``GridSearchCV`` over ``TransformedTargetRegressor(Pipeline(
MinMaxScaler -> SlidingWindowTransformer -> LSTMRegressor), MinMaxScaler)``,
window sizes x units, ``TimeSeriesSplit(3)``, refit on the whole training
series, then a forecast of the hold-out rows that follow it; on a noisy
sine. The reference does the same fits and predictions by hand: the same
scaling fitted per fold, the same windows (padded at the series start,
continued into the test rows), ``nn.LSTM`` + ``nn.Linear`` trained with the
same epochs, batch size and optimizer (``torch_reference.py``). Both run in
this one process, each search twice: the first one pays what a fresh
process pays (graph building and compilation on the Keras side), the second
shows what a later search in the same process costs. The import of each
framework is timed on its own.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from run import (
    backend_parser,
    backend_version,
    limit_threads,
    machine_info,
    positive,
)
from run import select_backend as _select_backend

WINDOWS = (10, 20)
UNITS = (8, 16)
N_POINTS = 1000
HOLDOUT = 0.2
EPOCHS = 20
BATCH_SIZE = 32
N_SPLITS = 3
SEED = 0


def parse_args(argv=None):
    """Parse the command line."""
    parser = backend_parser(__doc__)
    parser.add_argument(
        "--scale",
        type=positive(float),
        default=1.0,
        help=f"multiplies the series length ({N_POINTS}) and the epochs "
        f"({EPOCHS}); the smoke test uses 0.05",
    )
    parser.add_argument(
        "--windows",
        type=_int_list,
        default=WINDOWS,
        help="comma-separated window sizes (default: %(default)s)",
    )
    parser.add_argument(
        "--units",
        type=_int_list,
        default=UNITS,
        help="comma-separated LSTM sizes (default: %(default)s)",
    )
    parser.add_argument(
        "--searches",
        type=positive(int),
        default=2,
        help="searches per implementation in this process (default: 2)",
    )
    parser.add_argument(
        "--threads",
        type=positive(int),
        help="cap the thread pools of TensorFlow, XLA and PyTorch at this many "
        "threads (default: each framework's own choice)",
    )
    parser.add_argument("--json", type=Path, help="write every raw number here")
    return parser.parse_args(argv)


def _int_list(text):
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"must be positive integers separated by commas, got {text!r}"
        )
    return values


def noisy_sine(n_points):
    """One-step framing of a noisy sine of period 50: X holds t, y holds t + 1.

    Returns
    -------
    X : ndarray of shape (n_points - 1, 1)
    y : ndarray of shape (n_points - 1,)
    """
    rng = np.random.default_rng(SEED)
    t = np.arange(n_points)
    series = np.sin(2 * np.pi * t / 50) + 0.1 * rng.normal(size=n_points)
    return series[:-1, np.newaxis], series[1:]


def split(X, y):
    """Training series and the hold-out rows that follow it."""
    n_train = len(X) - round(len(X) * HOLDOUT)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


# -- sklstm ------------------------------------------------------------------


def sklstm_search(windows, units, epochs):
    """The grid search as a user of sklstm writes it."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklstm import LSTMRegressor, SlidingWindowTransformer

    lstm = LSTMRegressor(epochs=epochs, batch_size=BATCH_SIZE, random_state=SEED)
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer()),
            ("lstm", lstm),
        ]
    )
    model = TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())
    grid = {
        "regressor__window__window_size": list(windows),
        "regressor__lstm__units": list(units),
    }
    return GridSearchCV(
        model,
        grid,
        cv=TimeSeriesSplit(N_SPLITS),
        scoring="neg_root_mean_squared_error",
    )


def run_sklstm(data, windows, units, epochs):
    """Search, refit and forecast the hold-out; return the record."""
    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    search = sklstm_search(windows, units, epochs).fit(X_train, y_train)
    y_pred = search.predict(X_test)
    wall = time.perf_counter() - start
    best = search.best_params_
    return {
        "wall_s": wall,
        "fit_s": list(search.cv_results_["mean_fit_time"]) + [search.refit_time_],
        "best": [
            best["regressor__window__window_size"],
            best["regressor__lstm__units"],
        ],
        "holdout_rmse": _rmse(y_test, y_pred),
    }


# -- PyTorch -----------------------------------------------------------------


def windows_of(series, window_size):
    """Row ``i`` is the window ending at ``series[i]``, edge-padded at the start.

    Returns
    -------
    ndarray of shape (n_timesteps_total, window_size, n_features)
    """
    from numpy.lib.stride_tricks import sliding_window_view

    padding = np.repeat(series[:1], window_size - 1, axis=0)
    padded = np.concatenate([padding, series])
    return sliding_window_view(padded, window_size, axis=0).transpose(0, 2, 1)


def torch_fit_predict(torch_reference, fitted, X_next, window_size, units, epochs):
    """Scale, window, train on the ``fitted`` rows; forecast the rows after them.

    Parameters
    ----------
    torch_reference : module
        ``torch_reference.py``, imported once torch was found.
    fitted : tuple of ndarray
        ``X`` of shape (n_timesteps, 1) and ``y`` of shape (n_timesteps,).
    X_next : ndarray of shape (n_next, 1)
        The rows that follow ``fitted``.
    window_size, units, epochs : int
        The candidate and the training length.

    Returns
    -------
    fit_s : float
        Seconds of scaling, windowing and training.
    y_pred : ndarray of shape (len(X_next),)
    """
    start = time.perf_counter()
    X_fit, y_fit = fitted
    x_min, x_span = X_fit.min(axis=0), np.ptp(X_fit, axis=0)
    y_min, y_span = y_fit.min(), np.ptp(y_fit)
    scaled = (np.concatenate([X_fit, X_next]) - x_min) / x_span
    # The rows to forecast continue the fitted series: their windows reach
    # back into it, as SlidingWindowTransformer's do.
    windows = windows_of(scaled.astype(np.float32), window_size)
    model, _, _ = torch_reference.fit(
        windows[: len(X_fit)],
        (y_fit - y_min) / y_span,
        units=(units,),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        seed=SEED,
    )
    fit_s = time.perf_counter() - start
    y_pred = torch_reference.predict(model, windows[len(X_fit) :])
    return fit_s, y_pred * y_span + y_min


def run_torch(torch_reference, data, windows, units, epochs):
    """The same search, refit and forecast, written by hand."""
    from sklearn.model_selection import TimeSeriesSplit

    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    candidates = [(w, u) for u in units for w in windows]
    scores, fit_s = [], []
    folds = list(TimeSeriesSplit(N_SPLITS).split(X_train))
    for window_size, n_units in candidates:
        fold_scores, fold_s = [], []
        for fit_rows, test_rows in folds:
            seconds, y_pred = torch_fit_predict(
                torch_reference,
                (X_train[fit_rows], y_train[fit_rows]),
                X_train[test_rows],
                window_size,
                n_units,
                epochs,
            )
            fold_scores.append(-_rmse(y_train[test_rows], y_pred))
            fold_s.append(seconds)
        scores.append(np.mean(fold_scores))
        fit_s.append(np.mean(fold_s))
    best = candidates[int(np.argmax(scores))]
    seconds, y_pred = torch_fit_predict(
        torch_reference, (X_train, y_train), X_test, *best, epochs
    )
    return {
        "wall_s": time.perf_counter() - start,
        "fit_s": [*fit_s, seconds],
        "best": list(best),
        "holdout_rmse": _rmse(y_test, y_pred),
    }


def _rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((np.ravel(y_true) - np.ravel(y_pred)) ** 2)))


# -- the run -----------------------------------------------------------------


def jax_cache_files():
    """Files in JAX's persistent compilation cache, if one is configured."""
    if os.environ["KERAS_BACKEND"] != "jax":
        return None
    import jax

    from sklstm._device import prepare_process

    # What sklstm's first fit does anyway: it picks the cache folder.
    prepare_process()
    folder = jax.config.jax_compilation_cache_dir
    if not folder or not Path(folder).is_dir():
        return {"dir": folder, "files": 0}
    return {"dir": folder, "files": sum(1 for _ in Path(folder).rglob("*-cache"))}


def main(argv=None):
    """Run both searches, print the table, optionally write JSON."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    _select_backend(args.backend, argv)
    limit_threads(args.threads)
    start = time.perf_counter()
    import sklstm  # noqa: F401  (keras and the backend wait for the first fit)

    # On JAX, reading the cache folder imports keras and JAX, which sklstm's
    # first fit would otherwise do inside the first search: count it here.
    cache_before = jax_cache_files()
    imports = {"sklstm": time.perf_counter() - start}
    start = time.perf_counter()
    try:
        import torch_reference
    except ImportError:  # torch is optional: its column then says so
        torch_reference = None
    else:
        imports["torch"] = time.perf_counter() - start
    epochs = max(1, round(EPOCHS * args.scale))
    n_points = max(40, round(N_POINTS * args.scale))
    data = split(*noisy_sine(n_points))
    report = {
        "machine": machine_info(),
        "settings": {
            "backend": args.backend,
            "scale": args.scale,
            "threads": args.threads,
            "torch": torch_reference is not None,
        },
        "params": {
            "n_points": n_points,
            "n_train": len(data[0]),
            "n_holdout": len(data[2]),
            "windows": list(args.windows),
            "units": list(args.units),
            "n_splits": N_SPLITS,
            "epochs": epochs,
            "batch_size": BATCH_SIZE,
        },
        "imports_s": imports,
        "jax_cache_before": cache_before,
        "searches": [],
    }
    # Alternating, so that a change in the machine's load hits both.
    for _ in range(args.searches):
        one = {"load_before": os.getloadavg()[0]}
        one["sklstm"] = run_sklstm(data, args.windows, args.units, epochs)
        if torch_reference is not None:
            one["torch"] = run_torch(
                torch_reference, data, args.windows, args.units, epochs
            )
        one["load_after"] = os.getloadavg()[0]
        report["searches"].append(one)
        print(f"search {len(report['searches'])} done", file=sys.stderr, flush=True)
    report["jax_cache_after"] = jax_cache_files()
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def format_report(report):
    """A Markdown table: one row per search, times and the sk/torch ratio."""
    machine, params = report["machine"], report["params"]
    imports = report["imports_s"]
    lines = [
        f"backend {machine['backend']} ({backend_version(machine)}) | keras "
        f"{machine['keras']} | torch {machine['torch'] or 'not installed'} | "
        f"sklstm {machine['sklstm']} ({machine['commit']}) | "
        f"{machine['cpu_count']} CPUs | threads "
        f"{report['settings']['threads'] or 'framework defaults'}",
        f"{params['n_points']}-point noisy sine, {params['n_train']} rows searched, "
        f"{params['n_holdout']} forecast; windows {params['windows']} x units "
        f"{params['units']}, TimeSeriesSplit({params['n_splits']}), "
        f"{params['epochs']} epochs, batch {params['batch_size']}, refit",
        "",
        "| | sklstm | torch | sk/torch | load (1 min) |",
        "| --- | --- | --- | --- | --- |",
        _line("import", imports["sklstm"], imports.get("torch"), ""),
    ]
    for i, one in enumerate(report["searches"]):
        sk, torch = one["sklstm"], one.get("torch")
        name = "first search" if i == 0 else f"search {i + 1}"
        load = f"{one['load_before']:.1f} -> {one['load_after']:.1f}"
        lines.append(_line(name, sk, torch, load, key="wall_s"))
        if i == 0:
            lines.append(
                _line("import + first search", sk, torch, "", key="wall_s", add=imports)
            )
        lines.append(_line("  one fit in it, median", sk, torch, "", key="fit_s"))
        lines.append(
            f"|   hold-out RMSE; best (window, units) | "
            f"{_result(sk)} | {_result(torch)} | | |"
        )
    for when in ("before", "after"):
        cache = report[f"jax_cache_{when}"]
        if cache is not None:
            lines.append(
                f"\nJAX compilation cache {when}: {cache['files']} entries in "
                f"{cache['dir']}"
            )
    return "\n".join(lines)


def _line(label, sklstm, torch, load, key=None, add=None):
    """A table row of seconds; with ``key``, read from each search's record."""
    values = {"sklstm": sklstm, "torch": torch}
    if key is not None:
        values = {name: _read(record, key) for name, record in values.items()}
    if add is not None:
        values = {name: _plus(value, add.get(name)) for name, value in values.items()}
    sk, to = values["sklstm"], values["torch"]
    ratio = f"{sk / to:.2f}" if None not in (sk, to) else ""
    return f"| {label} (s) | {_seconds(sk)} | {_seconds(to)} | {ratio} | {load} |"


def _read(record, key):
    if record is None:
        return None
    value = record[key]
    # Per-fit times: the median fit.
    return float(np.median(value)) if isinstance(value, list) else value


def _plus(value, other):
    return None if None in (value, other) else value + other


def _seconds(value):
    return "-" if value is None else f"{value:.2f}"


def _result(record):
    if not record:
        return "-"
    return f"{record['holdout_rmse']:.3f}; {tuple(record['best'])}"


if __name__ == "__main__":
    sys.exit(main())
