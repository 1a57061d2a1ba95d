"""The benchmark workloads W1-W5 and the rows of the table they fill.

Imported by ``run.py`` only after ``KERAS_BACKEND`` is set. Each ``run_wN``
returns plain data (``{"params": ..., "results": {implementation: ...}}``)
that goes to the JSON file as it is; ``ROWS`` says which of its numbers the
table shows. Keys ending in ``_s`` hold seconds (a number or a list).
"""

import gc
import logging
import math
import time
from dataclasses import dataclass, replace

import keras
import numpy as np

from sklstm import LSTMRegressor, SlidingWindowTransformer, make_windows

try:
    import torch_reference
except ImportError:  # torch is optional: its column then says so
    torch_reference = None

# Every fit builds new models, so TensorFlow's retracing warning is expected.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

IMPLEMENTATIONS = ("sklstm", "keras", "torch")
SEED = 0


@dataclass(frozen=True)
class Settings:
    """The command line's choices for W1-W4."""

    scale: float = 1.0
    repeats: int = 1
    warm_up: bool = True


@dataclass(frozen=True)
class Training:
    """What every implementation of one workload trains, identically."""

    units: tuple
    epochs: int
    batch_size: int
    validation_split: float = 0.0


@dataclass(frozen=True)
class Row:
    """One line of the table: ``key`` of each implementation's results.

    ``unit`` is how the number is shown; ``ratio`` says whether the
    sklstm ÷ other columns make sense for it (times and throughputs).
    """

    workload: str
    label: str
    key: str
    unit: str
    ratio: bool = True


ROWS = [
    Row("W1", "fit, end to end", "fit_s", "s"),
    Row("W1", "epoch after the first", "steady_epoch_s", "ms"),
    Row("W1", "final training loss", "final_loss", "", ratio=False),
    Row("W1", "epochs run: len(history['loss'])", "epochs_run", "", ratio=False),
    Row("W2", "fit, end to end", "fit_s", "s"),
    Row("W2", "training throughput", "throughput", "samples/s"),
    Row("W2", "epoch after the first", "steady_epoch_s", "ms"),
    Row("W2", "test MSE", "test_mse", "", ratio=False),
    Row("W3", "fit, end to end", "fit_s", "s"),
    Row("W3", "training throughput", "throughput", "samples/s"),
    Row("W3", "epoch after the first", "steady_epoch_s", "ms"),
    Row("W4", "predict 1 sample, median", "predict_one_median_s", "ms"),
    Row("W4", "predict 1 sample, p90", "predict_one_p90_s", "ms"),
    Row("W4", "model(x1), median", "call_one_median_s", "ms"),
    Row("W4", "predict_on_batch(x1), median", "on_batch_one_median_s", "ms"),
    Row("W4", "predict throughput", "predict_throughput", "samples/s"),
    Row("W4", "predict throughput, batch 32", "predict_b32_throughput", "samples/s"),
    Row("W5", "windowing (fit_transform)", "windowing_s", "s"),
    Row("W5", "fit, 1 epoch, end to end", "fit_s", "s"),
    Row("W5", "training throughput", "throughput", "samples/s"),
    Row("W5", "peak RSS of the process", "peak_rss_mb", "MB", ratio=False),
    Row("W5", "peak RSS above the baseline", "rss_growth_mb", "MB", ratio=False),
    Row("W5", "windows materialised (computed)", "materialised_mb", "MB", ratio=False),
]


def scaled(n, scale, minimum):
    """Return ``n * scale`` rounded, but at least ``minimum``."""
    return max(minimum, round(n * scale))


# -- implementations ---------------------------------------------------------


class EpochTimer(keras.callbacks.Callback):
    """Record the wall time of every epoch, validation included."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def _fresh_start():
    """Drop models of earlier fits, so no fit pays for another's garbage."""
    keras.backend.clear_session()
    gc.collect()


def fit_sklstm(X, y, training):
    """Time ``LSTMRegressor(...).fit`` end to end; return model and record."""
    _fresh_start()
    timer = EpochTimer()
    start = time.perf_counter()
    reg = LSTMRegressor(
        units=training.units,
        epochs=training.epochs,
        batch_size=training.batch_size,
        validation_split=training.validation_split,
        callbacks=[timer],
        random_state=SEED,
    ).fit(X, y)
    seconds = time.perf_counter() - start
    return reg, _record(seconds, reg.history_["loss"], timer.times)


def keras_model(n_features, units):
    """The network sklstm builds, written by hand with ``keras.Sequential``."""
    layers = [keras.Input((None, n_features))]
    for i, size in enumerate(units):
        layers.append(keras.layers.LSTM(size, return_sequences=i < len(units) - 1))
    layers.append(keras.layers.Dense(1))
    return keras.Sequential(layers)


def fit_keras(X, y, training):
    """Time build, compile and ``model.fit`` of the hand-written network."""
    _fresh_start()
    timer = EpochTimer()
    start = time.perf_counter()
    keras.utils.set_random_seed(SEED)
    model = keras_model(X.shape[2], training.units)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(
        X,
        y,
        epochs=training.epochs,
        batch_size=training.batch_size,
        validation_split=training.validation_split,
        shuffle=True,
        callbacks=[timer],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    return model, _record(seconds, history.history["loss"], timer.times)


def fit_torch(X, y, training):
    """Time the PyTorch reference loop end to end."""
    gc.collect()
    start = time.perf_counter()
    model, history, epoch_times = torch_reference.fit(
        X,
        y,
        units=training.units,
        epochs=training.epochs,
        batch_size=training.batch_size,
        validation_split=training.validation_split,
        seed=SEED,
    )
    seconds = time.perf_counter() - start
    return model, _record(seconds, history["loss"], epoch_times)


FITS = {"sklstm": fit_sklstm, "keras": fit_keras, "torch": fit_torch}


def predictor(implementation, model):
    """Return ``X -> y_pred`` as a user of each implementation would write it."""
    if implementation == "sklstm":
        return model.predict
    if implementation == "keras":
        return lambda X: model.predict(X, verbose=0, batch_size=4096)[:, 0]
    return lambda X: torch_reference.predict(model, X)


def available():
    """The implementations that can run here (torch is optional)."""
    return [name for name in IMPLEMENTATIONS if name != "torch" or torch_reference]


def torch_threads():
    """PyTorch's intra-op thread count, or None without torch."""
    return torch_reference.torch.get_num_threads() if torch_reference else None


def _record(seconds, losses, epoch_times):
    losses = [float(v) for v in losses]
    steady = epoch_times[1:] or epoch_times
    return {
        "fit_s": seconds,
        "final_loss": losses[-1],
        "epochs_run": len(losses),
        "epoch_times_s": [float(t) for t in epoch_times],
        "steady_epoch_s": float(np.median(steady)),
    }


def _fit_all(X, y, training, settings, n_samples_trained):
    """Fit every implementation ``settings.repeats`` times, rotating the order.

    With ``settings.warm_up``, one untimed epoch of each on the first rows
    comes first: whoever ran first in a process would otherwise pay, for
    everyone, the one-time costs of these shapes (op compilation, kernel
    selection), up to seconds.

    Returns the last model of each and its results: the median fit time over
    the repeats (``fit_runs_s`` has them all) and the figures of the last fit.
    """
    names = available()
    first_rows = slice(0, 2 * training.batch_size)
    for name in names if settings.warm_up else ():
        FITS[name](X[first_rows], y[first_rows], replace(training, epochs=1))
    models, runs = {}, {name: [] for name in names}
    for repeat in range(settings.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            models[name], record = FITS[name](X, y, training)
            runs[name].append(record)
    results = {}
    for name, records in runs.items():
        result = dict(records[-1])
        result["fit_runs_s"] = [r["fit_s"] for r in records]
        result["fit_s"] = float(np.median(result["fit_runs_s"]))
        result["throughput"] = n_samples_trained * training.epochs / result["fit_s"]
        results[name] = result
    return models, _with_missing(results)


def _with_missing(results):
    """Give every implementation a key; None where it could not run."""
    return {name: results.get(name) for name in IMPLEMENTATIONS}


def _n_trained(n_samples, validation_split):
    """Rows that get gradient updates in Keras's ``validation_split``."""
    return math.floor(n_samples * (1.0 - validation_split))


# -- workloads ---------------------------------------------------------------


def run_w1(settings):
    """W1: learn the next number of 0.0, 0.1, ..., 0.9 (9 windows of one step)."""
    series = np.arange(10, dtype=np.float32) / 10
    X, y = series[:9].reshape(9, 1, 1), series[1:]
    training = Training(
        units=(10,), epochs=scaled(1000, settings.scale, 1), batch_size=9
    )
    _, results = _fit_all(X, y, training, settings, len(X))
    return {"params": _params(X, training), "results": results}


def sine_windows(n_points, window_size=50):
    """Windows of a sine scaled to [0, 1] and the value after each."""
    series = (np.sin(np.linspace(0, 100, n_points)) + 1) / 2
    X, y = make_windows(series, window_size)
    return np.ascontiguousarray(X), y


def run_w2(settings):
    """W2: next value of a 5001-point sine from windows of 50."""
    X, y = sine_windows(scaled(5001, settings.scale, 80))
    n_train = int(0.8 * len(X))
    X_train, X_test = X[:n_train], X[n_train:]
    y_train, y_test = y[:n_train], y[n_train:]
    training = Training(units=(10,), epochs=20, batch_size=128, validation_split=0.1)
    models, results = _fit_all(
        X_train, y_train, training, settings, _n_trained(n_train, 0.1)
    )
    for name, model in models.items():
        y_pred = predictor(name, model)(X_test)
        results[name]["test_mse"] = float(np.mean((y_pred - y_test) ** 2))
    params = _params(X_train, training) | {"n_test": len(X_test)}
    return {"params": params, "results": results}


def run_w3(settings):
    """W3: 50,000 random windows of 64 steps x 8 features, stacked LSTMs."""
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal(
        (scaled(50_000, settings.scale, 64), 64, 8), dtype=np.float32
    )
    y = X[:, -1, 0] + X[:, :, 1].mean(axis=1)
    training = Training(units=(64, 32), epochs=2, batch_size=256)
    _, results = _fit_all(X, y, training, settings, len(X))
    return {"params": _params(X, training), "results": results}


def run_w4(settings):
    """W4: predict latency of one sample and throughput on many, W2's model."""
    X, y = sine_windows(scaled(5001, settings.scale, 80))
    X_train, y_train = X[: int(0.8 * len(X))], y[: int(0.8 * len(X))]
    x1 = X[-1:]
    X_many, _ = sine_windows(scaled(10_000, settings.scale, 20) + 51)
    n_calls = scaled(200, settings.scale, 5)
    n_warm_up = scaled(10, settings.scale, 2)
    # Only the predictions are timed; the number of epochs does not matter.
    training = Training(units=(10,), epochs=2, batch_size=128)
    models = {name: FITS[name](X_train, y_train, training)[0] for name in available()}
    results = {}
    for name, model in models.items():
        predict = predictor(name, model)
        result = _latency("predict_one", lambda p=predict: p(x1), n_calls, n_warm_up)
        result["predict_throughput"] = _throughput(predict, X_many, settings.repeats)
        results[name] = result
    model = models["keras"]
    results["keras"] |= _latency(
        "call_one",
        lambda: keras.ops.convert_to_numpy(model(x1)),
        n_calls,
        n_warm_up,
    )
    results["keras"] |= _latency(
        "on_batch_one", lambda: model.predict_on_batch(x1), n_calls, n_warm_up
    )
    results["keras"]["predict_b32_throughput"] = _throughput(
        lambda X: model.predict(X, verbose=0), X_many, settings.repeats
    )
    params = {
        "n_calls": n_calls,
        "n_warm_up_calls": n_warm_up,
        "n_predict_samples": len(X_many),
        "keras_predict_batch_size": 4096,
        "fit": _params(X_train, training),
    }
    return {"params": params, "results": _with_missing(results)}


def _latency(name, call, n_calls, n_warm_up):
    for _ in range(n_warm_up):
        call()
    times = []
    for _ in range(n_calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return {
        f"{name}_median_s": float(np.median(times)),
        f"{name}_p90_s": float(np.percentile(times, 90)),
        f"{name}_calls_s": times,
    }


def _throughput(predict, X, repeats):
    """Samples per second of ``predict(X)``: the median of timed runs."""
    predict(X)
    times = []
    for _ in range(max(3, repeats)):
        start = time.perf_counter()
        predict(X)
        times.append(time.perf_counter() - start)
    return len(X) / float(np.median(times))


def run_w5(scale):
    """W5: window a 5,000,000-point series lazily, then one epoch on it.

    Meant to run alone in its own process, whose peak RSS it reports.
    """
    baseline_mb = _rss_mb("VmRSS")
    rng = np.random.default_rng(SEED)
    n_points, window_size = scaled(5_000_000, scale, 2048), 256
    steps = np.arange(n_points, dtype=np.float32)
    noise = rng.standard_normal(n_points, dtype=np.float32)
    series = np.sin(0.01 * steps) + 0.1 * noise
    del steps, noise
    start = time.perf_counter()
    windows = SlidingWindowTransformer(window_size=window_size).fit_transform(
        series[:, None]
    )
    windowing_s = time.perf_counter() - start
    # Row i is the window ending at i; its target is the value after it.
    X, y = windows[:-1], series[1:]
    after_windowing_mb = _rss_mb("VmRSS")
    training = Training(units=(4,), epochs=1, batch_size=1024)
    _, record = fit_sklstm(X, y, training)
    peak_mb = _rss_mb("VmHWM")
    sklstm = record | {
        "windowing_s": windowing_s,
        "throughput": len(X) / record["fit_s"],
        "baseline_rss_mb": baseline_mb,
        "rss_after_windowing_mb": after_windowing_mb,
        "peak_rss_mb": peak_mb,
        "rss_growth_mb": peak_mb - baseline_mb,
    }
    # What np.array(X) -- the input a hand-written model.fit needs -- takes.
    keras_reference = {"materialised_mb": X.size * X.itemsize / 2**20}
    params = _params(X, training) | {"n_points": n_points}
    results = {"sklstm": sklstm, "keras": keras_reference, "torch": None}
    return {"params": params, "results": results}


def _rss_mb(field):
    """Current (``VmRSS``) or peak (``VmHWM``) resident memory in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _params(X, training):
    return {
        "n_samples": len(X),
        "n_timesteps": X.shape[1],
        "n_features": X.shape[2],
        "units": list(training.units),
        "epochs": training.epochs,
        "batch_size": training.batch_size,
        "validation_split": training.validation_split,
    }


RUNNERS = {"W1": run_w1, "W2": run_w2, "W3": run_w3, "W4": run_w4}
