"""Time a grid search with n_jobs=1 against n_jobs=2 (joblib's loky processes).

Run from the repository root, one process per Keras backend::

    python benchmarks/parallel_search.py --backend tensorflow --repeats 3

The search is 4 candidates x 3 folds = 12 fits of an ``LSTMRegressor`` on
windows of a noisy sine (``refit=False``: the 12 cross-validation fits are
what ``n_jobs`` spreads). Runs alternate between ``n_jobs=1`` and
``n_jobs=2`` so that a change in the machine's load hits both; the first
``n_jobs=2`` run also starts the worker processes (cold), later runs reuse
them (warm), as joblib does for consecutive searches. The scores of both
settings must agree.
"""

import json
import os
import platform
import statistics
import sys
import time

from run import backend_parser


def parse_args(argv=None):
    """Parse the command line."""
    parser = backend_parser(__doc__)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed searches per n_jobs setting, median reported (default: 3)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=20,
        help="epochs per fit; sets the work per fit (default: 20)",
    )
    parser.add_argument("--json", help="also write every raw number to this file")
    return parser.parse_args(argv)


def make_search(n_jobs, epochs):
    """The 4-candidate, 3-fold grid search."""
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    from sklstm import LSTMRegressor

    return GridSearchCV(
        LSTMRegressor(epochs=epochs, batch_size=64, random_state=0),
        {"units": [8, 16], "learning_rate": [0.003, 0.01]},
        cv=TimeSeriesSplit(n_splits=3),
        n_jobs=n_jobs,
        refit=False,
    )


def make_data():
    """Windows of 24 steps of a noisy sine and the value after each."""
    import numpy as np

    from sklstm import make_windows

    rng = np.random.default_rng(0)
    t = np.arange(2000)
    series = np.sin(2 * np.pi * t / 50) + 0.1 * rng.normal(size=t.size)
    return make_windows(series, window_size=24)


def cpu_seconds():
    """CPU seconds used so far by this process and each of its children.

    Returns
    -------
    dict
        Process id to seconds; empty without psutil (``sklstm[dask]`` has it).
    """
    try:
        import psutil
    except ImportError:
        return {}
    me = psutil.Process()
    seconds = {}
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def timed_search(n_jobs, epochs, X, y):
    """Return ``(wall seconds, CPU seconds, mean_test_score)`` of one search.

    CPU seconds count this process and its worker processes, or are NaN
    without psutil.
    """
    cpu_before = cpu_seconds()
    start = time.perf_counter()
    search = make_search(n_jobs, epochs).fit(X, y)
    wall = time.perf_counter() - start
    cpu_after = cpu_seconds()
    cpu = sum(t - cpu_before.get(pid, 0.0) for pid, t in cpu_after.items())
    return (
        wall,
        cpu if cpu_after else float("nan"),
        search.cv_results_["mean_test_score"],
    )


def run(args):
    """Time the searches; return every number as plain data."""
    import numpy as np

    X, y = make_data()
    # One-time costs of this process (imports, first traces) go to no run.
    make_search(1, 1).set_params(cv=2).fit(X[:200], y[:200])
    times, cpu = {1: [], 2: []}, {1: [], 2: []}
    scores = {}
    load = [os.getloadavg()]
    for repeat in range(args.repeats):
        order = (1, 2) if repeat % 2 == 0 else (2, 1)
        for n_jobs in order:
            wall, busy, scores[n_jobs] = timed_search(n_jobs, args.epochs, X, y)
            times[n_jobs].append(wall)
            cpu[n_jobs].append(busy)
            load.append(os.getloadavg())
    np.testing.assert_allclose(scores[2], scores[1], rtol=1e-5)
    serial = statistics.median(times[1])
    # The first n_jobs=2 search started the workers.
    warm = statistics.median(times[2][1:]) if args.repeats > 1 else times[2][0]
    return {
        "backend": args.backend,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "epochs": args.epochs,
        "n_jobs_1_s": times[1],
        "n_jobs_2_s": times[2],
        "n_jobs_1_cpu_s": cpu[1],
        "n_jobs_2_cpu_s": cpu[2],
        "speedup_warm": serial / warm,
        "speedup_cold": serial / times[2][0],
        "load_average_1_5_15": load,
    }


def report(result):
    """Print the result as a short table."""
    print(f"backend {result['backend']}, {result['cpu_count']} CPUs")
    for n_jobs in (1, 2):
        runs = ", ".join(f"{s:.1f}" for s in result[f"n_jobs_{n_jobs}_s"])
        busy = ", ".join(f"{s:.1f}" for s in result[f"n_jobs_{n_jobs}_cpu_s"])
        print(f"n_jobs={n_jobs}: {runs} s wall; {busy} CPU s")
    print(f"speedup, warm workers: {result['speedup_warm']:.2f}x")
    print(f"speedup, including worker start: {result['speedup_cold']:.2f}x")
    loads = ", ".join(f"{one:.1f}" for one, _, _ in result["load_average_1_5_15"])
    print(f"1-minute load average before and after each run: {loads}")


def main(argv=None):
    args = parse_args(argv)
    # Set before keras is imported, and inherited by the worker processes.
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = run(args)
    report(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
