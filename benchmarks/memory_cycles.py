"""Memory of many fit/predict cycles in one process, as a grid search runs them.

Each cycle fits a small ``LSTMRegressor`` with its own seed, predicts one and
64 samples, and drops the estimator; the resident memory of the process is
printed every ``--every`` cycles, and at the end the growth per fit after the
first ``--every`` cycles (the warm-up: first traces, compilations, pools).
``--architectures N`` cycles through N network sizes, as a grid search over
``units`` does. ``--clear`` also calls ``keras.backend.clear_session()`` and
``gc.collect()`` after every cycle.

    python benchmarks/memory_cycles.py --cycles 300 --architectures 4
    KERAS_BACKEND=jax python benchmarks/memory_cycles.py --cycles 200
"""

import argparse
import gc
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from sklstm import LSTMRegressor  # noqa: E402


def rss_mb():
    """Resident memory of this process in MB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--architectures", type=int, default=1)
    parser.add_argument("--clear", action="store_true")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 10, 2)).astype(np.float32)
    y = X[:, -1, 0]
    start = time.perf_counter()
    print(f"backend {keras.backend.backend()}, clear={args.clear}")
    print(f"{'cycle':>6} {'RSS MB':>8} {'seconds':>8}")
    warm = None
    for cycle in range(args.cycles):
        units = 4 + cycle % args.architectures
        model = LSTMRegressor(units=units, epochs=2, batch_size=16, random_state=cycle)
        model.fit(X, y)
        model.predict(X[:1])
        model.predict(X)
        del model
        if args.clear:
            keras.backend.clear_session()
            gc.collect()
        if cycle == args.every:
            warm = rss_mb()
        if cycle % args.every == 0 or cycle == args.cycles - 1:
            print(f"{cycle:>6} {rss_mb():>8} {time.perf_counter() - start:>8.0f}")
    if warm is not None and args.cycles - 1 > args.every:
        growth = (rss_mb() - warm) / (args.cycles - 1 - args.every)
        print(f"after cycle {args.every}: {growth:.2f} MB per fit")


if __name__ == "__main__":
    main()
