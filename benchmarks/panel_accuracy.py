"""One LSTM for many short series against one LSTM per series.

A panel of synthetic monthly series shares its dynamics: the same yearly
season and the same AR(2) deviations, each series with its own level and
noise scale, 60 steps each (30 series; 8 with ``--fast``). The last 12 steps
of every series are the chronological hold-out.

Each series is centred on its training mean (undone on the forecast), then:

- ``global``: one ``LSTMRegressor`` trained on the windows of every series
  (``make_windows`` of the panel, windows never across series), forecasting
  every series with one ``recursive_forecast`` call on the panel;
- ``local``: one ``LSTMRegressor`` per series, with the same settings,
  trained on that series' windows only;
- ``naive`` (last value) and ``seasonal naive`` (the value a year before).

The table is the RMSE over all hold-out steps of all series, one run with a
fixed seed. Run::

    python benchmarks/panel_accuracy.py [--fast]
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sklstm import LSTMRegressor, make_windows, recursive_forecast  # noqa: E402

SEASON, HOLDOUT, WINDOW = 12, 12, 12


def make_panel(n_series: int, n_steps: int, seed: int = 0) -> pd.Series:
    """Shared season and AR(2) dynamics, per-series level and noise scale."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2015-01", periods=n_steps, freq="M")
    season = 2.0 * np.sin(2 * np.pi * np.arange(n_steps) / SEASON)
    values = []
    for _ in range(n_series):
        noise = rng.normal(scale=rng.uniform(0.2, 0.6), size=n_steps)
        deviation = np.zeros(n_steps)
        for t in range(2, n_steps):
            deviation[t] = 0.6 * deviation[t - 1] - 0.3 * deviation[t - 2] + noise[t]
        values.append(rng.uniform(-20, 20) + season + deviation)
    index = pd.MultiIndex.from_product(
        [[f"s{i:02d}" for i in range(n_series)], months], names=["series", "month"]
    )
    return pd.Series(np.concatenate(values), index=index, name="value")


def lstm(epochs: int) -> LSTMRegressor:
    return LSTMRegressor(units=16, epochs=epochs, batch_size=32, random_state=0)


def rmse(forecast, truth) -> float:
    return float(np.sqrt(np.mean((np.asarray(forecast) - np.asarray(truth)) ** 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="8 series, 30 epochs")
    args = parser.parse_args()
    n_series, epochs = (8, 30) if args.fast else (30, 100)
    keras.utils.set_random_seed(0)

    panel = make_panel(n_series, 60)
    position = panel.groupby(level=0).cumcount()
    train, test = panel[position < 60 - HOLDOUT], panel[position >= 60 - HOLDOUT]
    level = train.groupby(level=0).transform("mean")
    centred = train - level
    levels = level.groupby(level=0).first()

    start = time.perf_counter()
    X, y = make_windows(centred, WINDOW)
    model = lstm(epochs).fit(X, y)
    forecast = recursive_forecast(model, centred, HOLDOUT, window_size=WINDOW)
    global_forecast = (
        forecast + levels.reindex(forecast.index.get_level_values(0)).values
    )
    global_time = time.perf_counter() - start

    start = time.perf_counter()
    local_forecast = []
    for name in panel.index.unique(level=0):
        series = centred.xs(name).to_numpy()
        X, y = make_windows(series, WINDOW)
        local = lstm(epochs).fit(X, y)
        steps = recursive_forecast(local, series, HOLDOUT, window_size=WINDOW)
        local_forecast.append(steps + levels[name])
    local_time = time.perf_counter() - start

    by_series = train.groupby(level=0)
    naive = np.repeat(by_series.last().to_numpy(), HOLDOUT)
    seasonal = np.concatenate(
        [group.to_numpy()[-SEASON:][:HOLDOUT] for _, group in by_series]
    )
    rows = [
        ("global LSTM (one model)", rmse(global_forecast, test), global_time),
        (
            "local LSTMs (one per series)",
            rmse(np.concatenate(local_forecast), test),
            local_time,
        ),
        ("naive", rmse(naive, test), 0.0),
        ("seasonal naive", rmse(seasonal, test), 0.0),
    ]
    print(f"{n_series} series x 60 steps, hold-out {HOLDOUT}, {epochs} epochs")
    print(f"{'model':<30} {'RMSE':>8} {'fit+forecast s':>15}")
    for name, error, seconds in rows:
        print(f"{name:<30} {error:8.3f} {seconds:15.1f}")


if __name__ == "__main__":
    main()
