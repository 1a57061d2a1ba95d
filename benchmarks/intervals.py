"""Coverage and width of prediction intervals around an LSTM forecast.

Each series is framed as windows and the ``H`` steps after them
(``make_windows(series, window_size, horizon=H)``, H = 1 and a direct
multi-step H) and split in time order into rows for training (60%),
calibration (20%) and the hold-out (20%). One
``LSTMRegressor(quantiles=QUANTILES, calibration_fraction=0.25)`` is fitted on
the first 80% of the rows: it trains on the first 60% and calibrates on the
next 20%. ``H - 1`` rows are dropped before the hold-out so that none of its
targets lies in the fitted rows; between training and calibration rows the
estimator drops none, so for H > 1 the last training rows' later steps are
targets of the first H - 1 calibration rows. The series is standardized with
the training part's mean and deviation, and the intervals are mapped back.

At 80/90/95% nominal coverage, five intervals per hold-out step:

- ``naive``: the network's median plus the quantiles of its residuals on the
  training rows (per step ahead);
- ``quantile``: the raw interval of the learned quantiles
  (``predict_quantiles`` at the levels ``(1 -+ coverage) / 2``, all learned);
- ``CQR``: ``predict_interval``, that interval conformalized on the
  calibration rows;
- ``ACI``: ``adaptive_interval``, the same interval recalibrated as the
  hold-out's targets are observed, walking it in time order: each row is
  calibrated on the calibration rows and the hold-out targets known before
  it (step ``h`` of a row from ``h`` rows later on), at a level that adapts
  to the misses (default ``gamma``, the same for every series);
- ``expanding``: ``adaptive_interval(..., gamma=0)``, the recalibration
  alone, at the nominal level.

Coverage is the fraction of hold-out targets (every step ahead) inside their
interval; width is the mean interval width in the units of the series.
With ``--seeds N`` both are averaged over N draws of the synthetic noise and
N seeds of the network (only the network, for a real series), since one
hold-out measures a coverage only within a few points. Per-step and per-seed
coverage go to the JSON file.

Series: three synthetic ones with known noise (a sine of period 50 plus
Gaussian noise, noise whose scale follows the sine's phase, and Student-t
noise with 3 degrees of freedom) and three that ship with statsmodels
(``pip install statsmodels``; nothing is downloaded): the weekly change of
the Mauna Loa CO2 concentration, monthly El Niño sea temperatures and yearly
sunspot numbers (309 values, so its hold-out is short and its coverage
noisy). Run::

    python benchmarks/intervals.py [--fast] [--seeds N] [--json FILE]
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from sklstm import LSTMRegressor, adaptive_interval, make_windows  # noqa: E402

LEVELS = (0.8, 0.9, 0.95)
QUANTILES = (0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975)
METHODS = ("naive", "quantile", "CQR", "ACI", "expanding")


@dataclass(frozen=True)
class Scale:
    """How much work one run does."""

    n_synthetic: int
    horizons: tuple
    epochs: int
    units: int
    series: tuple


FULL = Scale(
    n_synthetic=2000,
    horizons=(1, 6),
    epochs=30,
    units=16,
    series=("gaussian", "heteroscedastic", "heavy-tailed", "co2", "elnino", "sunspots"),
)
FAST = Scale(
    n_synthetic=300, horizons=(1, 3), epochs=2, units=4, series=("heteroscedastic",)
)


def synthetic(kind, n, seed):
    """A sine of period 50 plus noise of a known law; window size 24."""
    rng = np.random.default_rng(seed)
    phase = 2 * np.pi * np.arange(n) / 50
    if kind == "gaussian":
        noise = 0.3 * rng.standard_normal(n)
    elif kind == "heteroscedastic":
        # From 0.05 at the troughs to 0.55 at the peaks: the window shows it.
        noise = (0.05 + 0.25 * (1 + np.sin(phase))) * rng.standard_normal(n)
    else:
        noise = 0.2 * rng.standard_t(3, n)
    return np.sin(phase) + noise, 24


def real(name):
    """A series shipped with statsmodels, and its window size."""
    from statsmodels import datasets

    if name == "co2":
        co2 = datasets.co2.load_pandas().data["co2"].interpolate()
        return np.diff(co2.to_numpy()), 52
    if name == "elnino":
        table = datasets.elnino.load_pandas().data.drop(columns="YEAR")
        return table.to_numpy().ravel(), 24
    sunspots = datasets.sunspots.load_pandas().data["SUNACTIVITY"]
    return sunspots.to_numpy(), 12


def load(name, scale, seed):
    if name in ("gaussian", "heteroscedastic", "heavy-tailed"):
        return synthetic(name, scale.n_synthetic, seed)
    return real(name)


def parts(n_rows, horizon):
    """Row slices fitted on (training, then calibration) and held out."""
    end_fit = int(0.8 * n_rows)
    return {"fit": slice(0, end_fit), "test": slice(end_fit + horizon - 1, n_rows)}


def intervals(model, X, y, level):
    """The interval of each method for the hold-out, in scaled units.

    ``X`` and ``y`` are dicts of the parts' windows and targets ``(n, H)``.
    """
    n_train = len(y["fit"]) - len(model.calibration_targets_)
    residuals = y["fit"][:n_train] - model.predict(X["fit"][:n_train])
    alpha = 1 - level
    low, high = np.quantile(residuals, [alpha / 2, 1 - alpha / 2], axis=0)
    median = model.predict(X["test"])
    quantiles = model.predict_quantiles(X["test"])
    levels = model.quantiles_
    raw = (
        quantiles[..., levels.index(round(alpha / 2, 4))],
        quantiles[..., levels.index(round(1 - alpha / 2, 4))],
    )
    cqr = model.predict_interval(X["test"], coverage=level)
    aci = adaptive_interval(model, X["test"], y["test"], coverage=level)
    expanding = adaptive_interval(
        model, X["test"], y["test"], coverage=level, gamma=0.0
    )
    return {
        "naive": (median + low, median + high),
        "quantile": raw,
        "CQR": (cqr[..., 0], cqr[..., 1]),
        "ACI": (aci[..., 0], aci[..., 1]),
        "expanding": (expanding[..., 0], expanding[..., 1]),
    }


def evaluate(name, horizon, scale, seed):
    """Coverage and width of each method and level, for one seed of the noise
    (synthetic series) and of the network."""
    series, window = load(name, scale, seed)
    X, y = make_windows(series, window, horizon=horizon)
    rows = parts(len(X), horizon)
    n_train = int(0.6 * len(X))
    mean, std = series[:n_train].mean(), series[:n_train].std()
    X, y = (X - mean) / std, (y.reshape(len(y), horizon) - mean) / std
    model = LSTMRegressor(
        units=scale.units,
        epochs=scale.epochs,
        batch_size=64,
        random_state=seed,
        quantiles=QUANTILES,
        # 20% of all rows: the last quarter of the fitted 80%.
        calibration_fraction=0.25,
    )
    model.fit(X[rows["fit"]], y[rows["fit"]])
    parts_X = {part: X[where] for part, where in rows.items()}
    parts_y = {part: y[where] for part, where in rows.items()}
    result = {
        "n_test": len(parts_y["test"]),
        "n_calibration": len(model.calibration_targets_),
        "window_size": window,
        "levels": {},
    }
    for level in LEVELS:
        by_method = {}
        for method, (lower, upper) in intervals(model, parts_X, parts_y, level).items():
            inside = (parts_y["test"] >= lower) & (parts_y["test"] <= upper)
            by_method[method] = {
                "coverage": float(inside.mean()),
                "coverage_per_step": inside.mean(axis=0).tolist(),
                "width": float(std * (upper - lower).mean()),
            }
        result["levels"][str(level)] = by_method
    return result


def combine(runs):
    """The runs of several seeds, their coverages and widths averaged."""
    result = {**runs[0], "seeds": len(runs)}
    for level, by_method in result["levels"].items():
        for method in by_method:
            each = [run["levels"][level][method] for run in runs]
            by_method[method] = {
                "coverage": float(np.mean([e["coverage"] for e in each])),
                "coverage_by_seed": [e["coverage"] for e in each],
                "coverage_per_step": np.mean(
                    [e["coverage_per_step"] for e in each], axis=0
                ).tolist(),
                "width": float(np.mean([e["width"] for e in each])),
            }
    return result


def table(results):
    head = "| series | H | n test | seeds | nominal | " + " | ".join(
        f"{m} cov / width" for m in METHODS
    )
    lines = [head + " |", "|" + " --- |" * (5 + len(METHODS))]
    for (name, horizon), result in results.items():
        for level, by_method in result["levels"].items():
            cells = [
                f"{by_method[m]['coverage']:.3f} / {by_method[m]['width']:.3g}"
                for m in METHODS
            ]
            lines.append(
                f"| {name} | {horizon} | {result['n_test']} | {result['seeds']} | "
                f"{level} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="smoke-test scale")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="average over this many seeds of the noise and the network "
        "(coverage is a probability: one hold-out of 400 rows measures it "
        "within about 2 points)",
    )
    args = parser.parse_args()
    scale = FAST if args.fast else FULL
    results = {}
    start = time.perf_counter()
    for name in scale.series:
        for horizon in scale.horizons:
            runs = [evaluate(name, horizon, scale, s) for s in range(args.seeds)]
            results[name, horizon] = combine(runs)
            print(
                f"{name} H={horizon}: {time.perf_counter() - start:.0f} s",
                file=sys.stderr,
            )
    print(table(results))
    if args.json:
        report = {
            "backend": keras.backend.backend(),
            "scale": scale.__dict__,
            "results": [
                {"series": name, "horizon": horizon, **result}
                for (name, horizon), result in results.items()
            ],
        }
        with open(args.json, "w") as file:
            json.dump(report, file, indent=1)


if __name__ == "__main__":
    main()
