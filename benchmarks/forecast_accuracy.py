"""Forecast accuracy on trending and stationary series, against naive forecasts.

Each series is split in time order: the last 20% is the hold-out. Every
method forecasts each hold-out step from the actual values before it
(one step ahead):

- ``naive``: the last value;
- ``seasonal naive``: the value one season earlier;
- ``LSTM``: the pipeline ``MinMaxScaler -> SlidingWindowTransformer ->
  LSTMRegressor`` inside ``TransformedTargetRegressor(MinMaxScaler)``, tuned
  by ``GridSearchCV`` over the window (one and two seasons) and the units
  (4, 16) with ``TimeSeriesSplit(3)``, the search the user guide shows;
- ``LSTM "last"``: the same search with ``normalize="last"`` set, which is
  what a user does who expects the level to move (a shift, a trend);
- ``LSTM tuned``: the same search with ``normalize`` in the grid
  (``[None, "last"]``, as in the user guide); it may pick ``None``.

All LSTM columns come from one search: ``LSTM`` is the best candidate with
``normalize=None``, which is what a search without the option would pick (same
folds, same seeds), ``LSTM "last"`` the best with ``normalize="last"``, each
refitted on the whole training part. The same search, seeds and grid serve
every series; nothing is tuned on the hold-out.

Series (kind in the table): synthetic monthly ones of 300 steps with a
season of 12 (a linear trend, an exponential trend with multiplicative
season, a level shift of +6 at 90% of the series, so inside the hold-out
only, a random walk, for which naive is the best forecast, and a stationary
noisy sine), and four that ship with statsmodels: monthly Mauna Loa CO2 and
quarterly US real GDP (trends), yearly sunspots and monthly El Nino sea
temperatures (stationary).

Errors: RMSE, and MASE (the mean absolute error over that of the in-sample
seasonal naive forecast; below 1 beats it on the training part's scale).
The JSON file also holds each LSTM column's cross-validated RMSE (mean and
standard deviation over the folds), and the range of the training part and
of the hold-out: a hold-out that leaves the training range is where
``normalize`` pays off.

One search picks one candidate, and which one may change with the seed:
hold-out errors a few percent apart can come from that choice alone. With
``--seeds N`` the whole search runs again with the estimator's
``random_state`` set to 0, ..., N - 1; the table gives each error averaged
over the seeds, the LSTM columns' RMSE followed by its standard deviation
over them, and the JSON file every seed's errors and choices. ``--folds``
changes the number of ``TimeSeriesSplit`` folds; ``--series`` runs only
the series whose name contains the given text.

Real series ship with statsmodels (``pip install statsmodels``); nothing is
downloaded. Run::

    python benchmarks/forecast_accuracy.py [--fast] [--seeds N] [--folds K]
        [--series NAME ...] [--json FILE]
"""

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from sklstm import LSTMRegressor, SlidingWindowTransformer  # noqa: E402

HOLDOUT = 0.2


# -- series --------------------------------------------------------------------


def synthetic_series(n):
    """Synthetic monthly series (season 12): name -> (values, season, kind)."""
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype=float)
    season = 2.0 * np.sin(2 * np.pi * t / 12)
    noise = rng.normal(0.0, 0.5, n)
    shift = np.where(t >= 0.9 * n, 6.0, 0.0)
    return {
        "linear trend": (0.05 * t + season + noise, 12, "trend"),
        "exponential trend": (
            10 * np.exp(0.008 * t) * (1 + 0.1 * season / 2) + noise,
            12,
            "trend",
        ),
        "level shift": (season + noise + shift, 12, "shift"),
        "random walk": (np.cumsum(rng.normal(0.0, 1.0, n)), 1, "random walk"),
        "noisy sine": (
            np.sin(2 * np.pi * t / 25) + 0.2 * rng.normal(size=n),
            25,
            "stationary",
        ),
    }


def real_series():
    """Series shipped with statsmodels: name -> (values, season, kind)."""
    from statsmodels import datasets

    co2 = datasets.co2.load_pandas().data["co2"]
    co2 = co2.resample("MS").mean().interpolate()
    macro = datasets.macrodata.load_pandas().data
    sunspots = datasets.sunspots.load_pandas().data["SUNACTIVITY"]
    elnino = datasets.elnino.load_pandas().data.drop(columns="YEAR")
    return {
        "co2 (monthly)": (co2.to_numpy(), 12, "trend"),
        "US real GDP (quarterly)": (macro["realgdp"].to_numpy(), 4, "trend"),
        "sunspots (yearly)": (sunspots.to_numpy(), 11, "stationary"),
        "El Nino SST (monthly)": (elnino.to_numpy().ravel(), 12, "stationary"),
    }


# -- methods -------------------------------------------------------------------


def naive(series, n_train, lag):
    """One-step forecasts of the hold-out: the value `lag` steps earlier."""
    return series[n_train - lag : len(series) - lag]


def lstm_search(series, n_train, season, config, seed):
    """Grid search on the training part; returns the fitted search."""
    windows = sorted({max(season, 4), 2 * max(season, 4)})
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer()),
            (
                "lstm",
                LSTMRegressor(
                    epochs=config["epochs"],
                    learning_rate=config["learning_rate"],
                    batch_size=32,
                    random_state=seed,
                ),
            ),
        ]
    )
    model = TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())
    grid = {
        "regressor__window__window_size": windows,
        "regressor__lstm__units": config["units"],
        "regressor__lstm__normalize": config["normalize"],
    }
    search = GridSearchCV(
        model,
        grid,
        cv=TimeSeriesSplit(config["folds"]),
        scoring="neg_root_mean_squared_error",
    )
    X, y = series[: n_train - 1, np.newaxis], series[1:n_train]
    return search.fit(X, y)


def best_with(search, normalize):
    """The best candidate with this ``normalize``: its params and CV RMSE."""
    results = search.cv_results_
    candidates = [
        i
        for i, params in enumerate(results["params"])
        if params["regressor__lstm__normalize"] == normalize
    ]
    best = min(candidates, key=lambda i: results["rank_test_score"][i])
    return results["params"][best], cv_rmse(results, best)


def cv_rmse(results, i):
    """Mean and standard deviation of candidate `i`'s RMSE over the folds."""
    return {
        "mean": float(-results["mean_test_score"][i]),
        "std": float(results["std_test_score"][i]),
    }


def one_step(model, series, n_train):
    """Fitted pipeline's one-step forecasts of the hold-out."""
    return model.predict(series[n_train - 1 : -1, np.newaxis])


def errors(series, n_train, season, forecast):
    """RMSE and MASE of one-step `forecast` over the hold-out."""
    actual = series[n_train:]
    scale = np.mean(np.abs(series[season:n_train] - series[: n_train - season]))
    rmse = float(np.sqrt(np.mean((forecast - actual) ** 2)))
    mase = float(np.mean(np.abs(forecast - actual)) / scale)
    return {"rmse": rmse, "mase": mase}


def short(params):
    """Search params as ``name=value`` without the pipeline prefixes."""
    return ", ".join(
        f"{key.rsplit('__', 1)[1]}={value}" for key, value in sorted(params.items())
    )


def evaluate(name, series, season, kind, config, seed=0):
    """Errors of every method on one series, and the LSTM params chosen."""
    n_train = len(series) - int(round(HOLDOUT * len(series)))
    started = time.perf_counter()
    search = lstm_search(series, n_train, season, config, seed)
    X, y = series[: n_train - 1, np.newaxis], series[1:n_train]
    chosen = {
        "LSTM": best_with(search, None),
        'LSTM "last"': best_with(search, "last"),
        "LSTM tuned": (
            search.best_params_,
            cv_rmse(search.cv_results_, search.best_index_),
        ),
    }
    forecasts = {
        "naive": naive(series, n_train, 1),
        "seasonal naive": naive(series, n_train, season),
    }
    for method in ("LSTM", 'LSTM "last"'):
        model = clone(search.estimator).set_params(**chosen[method][0])
        forecasts[method] = one_step(model.fit(X, y), series, n_train)
    forecasts["LSTM tuned"] = one_step(search.best_estimator_, series, n_train)
    return {
        "series": name,
        "n": len(series),
        "season": season,
        "kind": kind,
        "errors": {k: errors(series, n_train, season, f) for k, f in forecasts.items()},
        "ranges": {
            part: [float(values.min()), float(values.max())]
            for part, values in (
                ("training", series[:n_train]),
                ("hold-out", series[n_train:]),
            )
        },
        "params": {method: short(params) for method, (params, _) in chosen.items()},
        "cv_rmse": {method: cv for method, (_, cv) in chosen.items()},
        "seconds": round(time.perf_counter() - started, 1),
    }


def over_seeds(runs):
    """One row from `evaluate`'s rows for the same series and several seeds.

    Errors are averaged over the seeds; ``rmse_std`` holds each method's
    standard deviation of the RMSE over them, and ``seeds`` every run.
    """
    row = {key: runs[0][key] for key in ("series", "n", "season", "kind", "ranges")}
    methods = runs[0]["errors"]
    row["errors"] = {
        method: {
            metric: float(np.mean([run["errors"][method][metric] for run in runs]))
            for metric in ("rmse", "mase")
        }
        for method in methods
    }
    row["rmse_std"] = {
        method: float(np.std([run["errors"][method]["rmse"] for run in runs]))
        for method in methods
    }
    row["params"] = runs[0]["params"] if len(runs) == 1 else {"LSTM tuned": "per seed"}
    row["seconds"] = round(sum(run["seconds"] for run in runs), 1)
    row["seeds"] = runs
    return row


def table(rows):
    """One markdown table of all the results."""
    methods = list(rows[0]["errors"])
    head = [
        "series",
        "kind",
        *[f"{m} RMSE (MASE)" for m in methods],
        "LSTM tuned: chosen",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in rows:
        cells = [row["series"], row["kind"]]
        for m in methods:
            cell = f"{row['errors'][m]['rmse']:.3g}"
            if len(row["seeds"]) > 1 and m.startswith("LSTM"):
                cell += f" ± {row['rmse_std'][m]:.2g}"
            cells.append(f"{cell} ({row['errors'][m]['mase']:.2f})")
        cells.append(row["params"]["LSTM tuned"])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="smoke-test scale")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument(
        "--seeds", type=int, default=1, help="run each search with N seeds"
    )
    parser.add_argument("--folds", type=int, help="TimeSeriesSplit folds")
    parser.add_argument(
        "--series",
        action="append",
        metavar="NAME",
        help="only the series whose name contains NAME (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    if args.folds is not None and args.folds < 2:
        parser.error(f"--folds must be at least 2, got {args.folds}")
    if args.fast:
        config = {
            "epochs": 2,
            "units": [2],
            "normalize": [None, "last"],
            "folds": 2,
            "learning_rate": 0.01,
        }
        catalog = synthetic_series(80)
        catalog = {k: catalog[k] for k in ("linear trend", "noisy sine")}
    else:
        config = {
            "epochs": 30,
            "units": [4, 16],
            "normalize": [None, "last"],
            "folds": 3,
            "learning_rate": 0.01,
        }
        catalog = {**synthetic_series(300), **real_series()}
    if args.folds is not None:
        config["folds"] = args.folds
    if args.series:
        wanted = [text.lower() for text in args.series]
        catalog = {
            name: entry
            for name, entry in catalog.items()
            if any(text in name.lower() for text in wanted)
        }
        if not catalog:
            parser.error(f"no series matches --series {args.series}")
    keras.utils.set_random_seed(0)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for name, (values, season, kind) in catalog.items():
            values = np.asarray(values, float)
            runs = []
            for seed in range(args.seeds):
                runs.append(evaluate(name, values, season, kind, config, seed))
                print(f"{name}, seed {seed}: {runs[-1]['seconds']} s", file=sys.stderr)
            rows.append(over_seeds(runs))
    print(table(rows))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(
                {"config": config, "seeds": args.seeds, "rows": rows}, file, indent=2
            )


if __name__ == "__main__":
    main()
