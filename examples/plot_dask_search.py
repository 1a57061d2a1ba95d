"""
===============================
A grid search on a Dask cluster
===============================

The fits of a :class:`~sklearn.model_selection.GridSearchCV` over an
:class:`~sklstm.LSTMRegressor` run on the workers of a Dask cluster, through
joblib's ``"dask"`` backend; nothing in the search changes. By default the
script starts a two-worker :class:`distributed.LocalCluster` on this machine.
Pointed at a real cluster, the same script runs there::

    SKLSTM_DASK_SCHEDULER=tcp://scheduler-host:8786 python plot_dask_search.py
    python plot_dask_search.py --scheduler tcp://scheduler-host:8786

The workers need sklstm and the same Keras backend (``KERAS_BACKEND``) as this
process. Requires ``pip install "sklstm[dask]"``.
"""

# %%
# The data and the search
# -----------------------
# Windows of 24 steps of a noisy sine, and a grid over the number of units and
# the learning rate, scored on three chronological folds (fewer in the fast
# mode). Nothing here knows about Dask.
import argparse
import os

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, get_task_stream
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm import LSTMRegressor, make_windows

FAST = os.environ.get("SKLSTM_EXAMPLES_FAST") == "1"

rng = np.random.default_rng(0)
steps = np.arange(300 if FAST else 1500)
series = np.sin(2 * np.pi * steps / 50) + 0.1 * rng.normal(size=steps.size)
X, y = make_windows(series, window_size=24)
search = GridSearchCV(
    LSTMRegressor(epochs=2 if FAST else 20, batch_size=64, random_state=0),
    {"units": [4] if FAST else [4, 8], "learning_rate": [0.003, 0.01]},
    cv=TimeSeriesSplit(n_splits=2 if FAST else 3),
    scoring="neg_root_mean_squared_error",
)

# %%
# The cluster
# -----------
# A scheduler address, from the ``--scheduler`` argument or the
# ``SKLSTM_DASK_SCHEDULER`` environment variable, selects an existing cluster;
# without one, a local cluster of two single-threaded worker processes stands
# in for it.
parser = argparse.ArgumentParser()
parser.add_argument("--scheduler", default=os.environ.get("SKLSTM_DASK_SCHEDULER"))
# Known arguments only: a gallery builder or a test runner passes its own.
scheduler = parser.parse_known_args()[0].scheduler


def connect(scheduler):
    """Return a client of the cluster at ``scheduler``, or of a new local one."""
    if scheduler:
        return Client(scheduler)
    # A client given cluster arguments starts a LocalCluster, and stops it when
    # the client closes.
    return Client(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )


# %%
# The search on the cluster
# -------------------------
# Inside ``joblib.parallel_backend("dask")`` each fit is a task on a worker,
# and the task stream records which worker ran it. A local cluster starts its
# workers by running the top of this script again, so what must run once, in
# this process, sits under ``if __name__ == "__main__"``.
if __name__ == "__main__":
    with (
        connect(scheduler) as client,
        get_task_stream(client) as tasks,
        joblib.parallel_backend("dask"),
    ):
        print(client)
        search.fit(X, y)
    print(f"best parameters: {search.best_params_}")
    print(f"best CV RMSE: {-search.best_score_:.3f}")
    tasks_per_worker = {}
    for task in tasks.data:
        tasks_per_worker[task["worker"]] = tasks_per_worker.get(task["worker"], 0) + 1

# %%
# Scores, and where the fits ran
# ------------------------------
# The mean cross-validated RMSE of each candidate, with its spread over the
# folds, and the number of tasks (batches of fits) each worker ran.
if __name__ == "__main__":
    results = search.cv_results_
    labels = [f"{p['units']} units\nlr {p['learning_rate']}" for p in results["params"]]
    fig, (scores_ax, workers_ax) = plt.subplots(
        1, 2, figsize=(10, 4), width_ratios=[2, 1]
    )
    scores_ax.bar(
        labels, -results["mean_test_score"], yerr=results["std_test_score"], capsize=4
    )
    scores_ax.set_ylabel("CV RMSE")
    scores_ax.set_title("Grid search on Dask")
    workers_ax.bar(
        [address.rsplit(":", 1)[-1] for address in tasks_per_worker],
        list(tasks_per_worker.values()),
    )
    workers_ax.set_xlabel("worker (port)")
    workers_ax.set_ylabel("tasks")
    workers_ax.set_title("Tasks per worker")
    fig.tight_layout()
    fig.savefig("dask_search.png")
