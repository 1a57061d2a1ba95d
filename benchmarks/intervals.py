"""Coverage and width of prediction intervals around an LSTM forecast.

Each series is framed as windows and the ``H`` steps after them
(``make_windows(series, window_size, horizon=H)``, H = 1 and a direct
multi-step H) and split in time order into rows for training (60%),
calibration (20%) and the hold-out (20%), with ``H - 1`` rows dropped at each
border so that no target of one part lies in another. The series is
standardized with the training part's mean and deviation, and the intervals
are mapped back (an increasing affine map keeps quantiles in order).

At 80/90/95% nominal coverage, four intervals per hold-out step:

- ``naive``: the point forecast plus the quantiles of its residuals on the
  training rows (per step ahead);
- ``conformal``: the point forecast plus or minus the split-conformal
  correction of its absolute residuals on the calibration rows;
- ``quantile``: the raw interval of a quantile network (pinball loss,
  non-crossing head) trained on the training rows;
- ``CQR``: that interval conformalized on the calibration rows
  (``quantiles.conformalized_interval``).

The point forecast is an ``LSTMRegressor`` trained on the same rows with the
same settings. Coverage is the fraction of hold-out targets (every step
ahead) inside their interval; width is the mean interval width in the units
of the series. Per-step coverage goes to the JSON file.

Series: three synthetic ones with known noise (a sine of period 50 plus
Gaussian noise, noise whose scale follows the sine's phase, and Student-t
noise with 3 degrees of freedom) and three that ship with statsmodels
(``pip install statsmodels``; nothing is downloaded): the weekly change of
the Mauna Loa CO2 concentration, monthly El Niño sea temperatures and yearly
sunspot numbers (309 values, so its hold-out is short and its coverage
noisy). Run::

    python benchmarks/intervals.py [--fast] [--json FILE]
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
from quantiles import (  # noqa: E402
    MEDIAN,
    NonCrossingQuantiles,
    PinballLoss,
    check_quantiles,
    conformal_correction,
    conformalized_interval,
    interval_from_quantiles,
)

from sklstm import LSTMRegressor, make_windows  # noqa: E402

LEVELS = (0.8, 0.9, 0.95)
QUANTILES = (0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975)
METHODS = ("naive", "conformal", "quantile", "CQR")
SEED = 0


class QuantileLSTM(LSTMRegressor):
    """LSTMRegressor with one output per quantile and target (pinball loss).

    ``predict_quantiles`` returns ``(n_samples, n_outputs, n_quantiles)``
    for a 2D ``y``; ``predict`` the median.
    """

    def __init__(self, quantiles=QUANTILES, **params):
        super().__init__(**params)
        self.quantiles = quantiles

    @classmethod
    def _get_param_names(cls):
        return sorted({"quantiles", *LSTMRegressor._get_param_names()})

    def _output_layer(self, x, next_seed, reference):
        self.quantiles_ = check_quantiles(self.quantiles)
        dense = keras.layers.Dense(
            self.n_outputs_ * len(self.quantiles_),
            kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
        )
        return NonCrossingQuantiles(self.quantiles_)(dense(x))

    def _training_loss(self, loss):
        return PinballLoss(check_quantiles(self.quantiles))

    def predict_quantiles(self, X):
        outputs = self._predict_raw(X).astype(np.float64)
        return outputs.reshape(len(outputs), self.n_outputs_, len(self.quantiles_))

    def predict(self, X):
        return self.predict_quantiles(X)[..., self.quantiles_.index(MEDIAN)]


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


def synthetic(kind, n):
    """A sine of period 50 plus noise of a known law; window size 24."""
    rng = np.random.default_rng(SEED)
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


def load(name, scale):
    if name in ("gaussian", "heteroscedastic", "heavy-tailed"):
        return synthetic(name, scale.n_synthetic)
    return real(name)


def parts(n_rows, horizon):
    """Row slices for training, calibration and hold-out, in time order."""
    gap = horizon - 1
    end_train = int(0.6 * n_rows)
    end_calibration = int(0.8 * n_rows)
    return {
        "train": slice(0, end_train),
        "calibration": slice(end_train + gap, end_calibration),
        "test": slice(end_calibration + gap, n_rows),
    }


def intervals(y, point, quantiles, level):
    """The four intervals of each method for the hold-out, in scaled units.

    ``y``, ``point`` and ``quantiles`` are dicts of the parts' targets
    ``(n, H)``, point forecasts ``(n, H)`` and quantiles ``(n, H, n_q)``.
    """
    residuals = y["train"] - point["train"]
    alpha = 1 - level
    low, high = np.quantile(residuals, [alpha / 2, 1 - alpha / 2], axis=0)
    calibration = conformal_correction(
        point["calibration"], point["calibration"], y["calibration"], level
    )
    raw = interval_from_quantiles(quantiles["test"], QUANTILES, level)
    cqr = conformalized_interval(
        quantiles["test"], quantiles["calibration"], y["calibration"], QUANTILES, level
    )
    return {
        "naive": (point["test"] + low, point["test"] + high),
        "conformal": (point["test"] - calibration, point["test"] + calibration),
        "quantile": raw,
        "CQR": (cqr[..., 0], cqr[..., 1]),
    }


def evaluate(name, horizon, scale):
    series, window = load(name, scale)
    X, y = make_windows(series, window, horizon=horizon)
    rows = parts(len(X), horizon)
    mean, std = series[: rows["train"].stop].mean(), series[: rows["train"].stop].std()
    X, y = (X - mean) / std, (y.reshape(len(y), horizon) - mean) / std
    settings = dict(
        units=scale.units, epochs=scale.epochs, batch_size=64, random_state=SEED
    )
    train = rows["train"]
    point_model = LSTMRegressor(**settings).fit(X[train], y[train])
    quantile_model = QuantileLSTM(quantiles=QUANTILES, **settings)
    quantile_model.fit(X[train], y[train])
    targets, point, quantiles = {}, {}, {}
    for part, where in rows.items():
        targets[part] = y[where]
        point[part] = point_model.predict(X[where]).reshape(-1, horizon)
        quantiles[part] = quantile_model.predict_quantiles(X[where])
    result = {"n_test": len(targets["test"]), "window_size": window, "levels": {}}
    for level in LEVELS:
        by_method = {}
        for method, (lower, upper) in intervals(
            targets, point, quantiles, level
        ).items():
            inside = (targets["test"] >= lower) & (targets["test"] <= upper)
            by_method[method] = {
                "coverage": float(inside.mean()),
                "coverage_per_step": inside.mean(axis=0).tolist(),
                "width": float(std * (upper - lower).mean()),
            }
        result["levels"][str(level)] = by_method
    return result


def table(results):
    head = "| series | H | n test | nominal | " + " | ".join(
        f"{m} cov / width" for m in METHODS
    )
    lines = [head + " |", "|" + " --- |" * (4 + len(METHODS))]
    for (name, horizon), result in results.items():
        for level, by_method in result["levels"].items():
            cells = [
                f"{by_method[m]['coverage']:.3f} / {by_method[m]['width']:.3g}"
                for m in METHODS
            ]
            lines.append(
                f"| {name} | {horizon} | {result['n_test']} | {level} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="smoke-test scale")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    scale = FAST if args.fast else FULL
    results = {}
    start = time.perf_counter()
    for name in scale.series:
        for horizon in scale.horizons:
            results[name, horizon] = evaluate(name, horizon, scale)
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
