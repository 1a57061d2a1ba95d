"""Per-step coverage of recursive_forecast's intervals on a chronological hold-out.

Each series is split in time order: the first half trains the model, the
next quarter calibrates, the last quarter tests. The model is the scaled
window pipeline ``MinMaxScaler -> SlidingWindowTransformer(24) ->
LSTMRegressor`` inside ``TransformedTargetRegressor(MinMaxScaler)``, trained
once per series on the one-step framing of the training part.

From every origin of the test quarter, :func:`~sklstm.recursive_forecast`
forecasts the next ``H`` steps; each interval method gives a half-width per
step, and the table reports, per step, the
share of actual values inside ``forecast ± half-width`` (the empirical
coverage) and the mean width, at 80/90/95 % nominal:

- ``naive``: the quantile of the absolute one-step residuals on the training
  part, one width for every step;
- ``in-sample``: ``recursive_forecast(..., coverage=c)`` of the training
  part, calibrated on the backtest of its last 200 origins, data the model
  was fitted on;
- ``calibrated``: ``recursive_forecast(..., coverage=c)`` of the
  calibration quarter (with the 24 rows before it), whose backtest origins
  the model never saw;
- ``rolling``: as ``calibrated``, but recalibrated every 24 test origins on
  the last 100 origins before them (``n_origins=100``), as a forecaster who
  recalibrates as data arrives; each test forecast gets the half-widths of
  its block, so its interval comes only from data before its origin.

Each test forecast is compared with the actual values; the half-widths of
``naive``, ``in-sample`` and ``calibrated`` are the same for every origin.

Series: a noisy sine (period 25, Gaussian noise of sd 0.2) and a trending
one (slope 0.01 per step plus the same sine and noise) whose test quarter
lies beyond the training range, learned with ``normalize="last"``. Run::

    python benchmarks/forecast_intervals.py --backend jax [--fast] [--json FILE]
"""

import json
import sys
import time

import numpy as np
from run import backend_parser, select_backend

LEVELS = (0.8, 0.9, 0.95)
WINDOW = 24
BLOCK, ROLLING_ORIGINS = 24, 100


def catalog(n_points):
    """Series name -> (values, normalize)."""
    rng = np.random.default_rng(0)
    t = np.arange(n_points, dtype=float)
    wave = np.sin(2 * np.pi * t / 25)
    return {
        "noisy sine": (wave + 0.2 * rng.standard_normal(n_points), None),
        "trend": (0.01 * t + wave + 0.2 * rng.standard_normal(n_points), "last"),
    }


def fitted_model(series, n_train, normalize, config):
    """The scaled window pipeline, fitted on the one-step framing of the start."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklstm import LSTMRegressor, SlidingWindowTransformer

    lstm = LSTMRegressor(
        units=config["units"],
        epochs=config["epochs"],
        batch_size=32,
        learning_rate=0.01,
        normalize=normalize,
        random_state=0,
    )
    pipe = make_pipeline(MinMaxScaler(), SlidingWindowTransformer(WINDOW), lstm)
    model = TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())
    return model.fit(series[: n_train - 1, np.newaxis], series[1:n_train])


def half_widths(model, series, n_train, n_calibration, horizon):
    """Method -> level -> half-width per step, shape (horizon,)."""
    from sklstm import recursive_forecast

    train = series[:n_train]
    residuals = np.abs(model.predict(train[:-1, np.newaxis]) - train[1:])
    # The first windows are padded: their residuals are not the model's.
    residuals = residuals[WINDOW:]
    calibration = series[n_train - WINDOW : n_train + n_calibration]
    widths = {"naive": {}, "in-sample": {}, "calibrated": {}}
    for level in LEVELS:
        widths["naive"][level] = np.full(horizon, np.quantile(residuals, level))
        for method, part in (("in-sample", train), ("calibrated", calibration)):
            forecast, _, upper = recursive_forecast(
                model, part, horizon, coverage=level
            )
            widths[method][level] = upper - forecast
    return widths


def rolling_widths(model, series, n_train, start, horizon):
    """Level -> half-widths of each test origin, shape (n_origins, horizon).

    Recalibrated at the first origin of each block of `BLOCK` test origins,
    on the `ROLLING_ORIGINS` origins before it.
    """
    from sklstm import recursive_forecast

    origins = range(start, len(series) - horizon + 1)
    widths = {level: np.empty((len(origins), horizon)) for level in LEVELS}
    for first in range(0, len(origins), BLOCK):
        past = series[n_train - WINDOW : origins[first]]
        for level in LEVELS:
            forecast, _, upper = recursive_forecast(
                model, past, horizon, coverage=level, n_origins=ROLLING_ORIGINS
            )
            widths[level][first : first + BLOCK] = upper - forecast
    return widths


def test_errors(model, series, start, horizon):
    """Absolute errors of the forecasts from every test origin, (n, horizon)."""
    from sklstm import recursive_forecast

    return np.array(
        [
            np.abs(
                series[origin : origin + horizon]
                - recursive_forecast(model, series[origin - WINDOW : origin], horizon)
            )
            for origin in range(start, len(series) - horizon + 1)
        ]
    )


def evaluate(name, series, normalize, config):
    """Per-step coverage and width of each method at each level."""
    started = time.perf_counter()
    n_train, n_calibration = len(series) // 2, len(series) // 4
    model = fitted_model(series, n_train, normalize, config)
    horizon = config["horizon"]
    start = n_train + n_calibration
    widths = half_widths(model, series, n_train, n_calibration, horizon)
    widths["rolling"] = rolling_widths(model, series, n_train, start, horizon)
    errors = test_errors(model, series, start, horizon)
    results = {
        method: {
            str(level): {
                "coverage": (errors <= width).mean(axis=0).tolist(),
                "width": (2 * np.broadcast_to(width, errors.shape)).mean(0).tolist(),
            }
            for level, width in by_level.items()
        }
        for method, by_level in widths.items()
    }
    return {
        "series": name,
        "n_train": n_train,
        "n_calibration": n_calibration,
        "n_test_origins": len(errors),
        "results": results,
        "seconds": round(time.perf_counter() - started, 1),
    }


def table(row, steps):
    """A markdown table of one series: coverage (width) per level and step."""
    methods = list(row["results"])
    head = ["level", "step", *methods]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for level in LEVELS:
        for step in steps:
            cells = [f"{level:.0%}", str(step)]
            for method in methods:
                result = row["results"][method][str(level)]
                coverage, width = (
                    result[key][step - 1] for key in ("coverage", "width")
                )
                cells.append(f"{coverage:.2f} ({width:.2f})")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = backend_parser(__doc__)
    parser.add_argument("--fast", action="store_true", help="smoke-test scale")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    select_backend(args.backend, argv)
    import keras

    if args.fast:
        config, n_points = {"units": 2, "epochs": 2, "horizon": 3}, 160
    else:
        config, n_points = {"units": 16, "epochs": 30, "horizon": 12}, 1000
    keras.utils.set_random_seed(0)
    rows = []
    for name, (values, normalize) in catalog(n_points).items():
        rows.append(evaluate(name, values, normalize, config))
        print(f"{name}: {rows[-1]['seconds']} s", file=sys.stderr)
        print(
            f"\n{name}: {rows[-1]['n_test_origins']} test origins, "
            "coverage (mean width) per step\n"
        )
        print(table(rows[-1], range(1, config["horizon"] + 1)))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(
                {
                    "backend": args.backend,
                    "config": config,
                    "n_points": n_points,
                    "rows": rows,
                },
                file,
            )


if __name__ == "__main__":
    main()
