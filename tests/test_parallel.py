"""Searches and cross-validation in worker processes: joblib's loky and Dask."""

import os

import distributed
import joblib
import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, cross_validate

from sklstm import LSTMClassifier, LSTMRegressor, make_windows

GRID = {"units": [2, 3]}
N_SPLITS = 2


@pytest.fixture(scope="module")
def series_windows():
    series = np.sin(np.arange(64) / 4)
    return make_windows(series, window_size=4)


def search(n_jobs=None):
    return GridSearchCV(
        LSTMRegressor(epochs=2, batch_size=32, random_state=0),
        GRID,
        cv=N_SPLITS,
        n_jobs=n_jobs,
    )


@pytest.fixture(scope="module")
def serial_search(series_windows):
    return search(n_jobs=1).fit(*series_windows)


def assert_same_results(parallel, serial):
    assert parallel.cv_results_["params"] == serial.cv_results_["params"]
    for split in range(N_SPLITS):
        key = f"split{split}_test_score"
        assert_allclose(parallel.cv_results_[key], serial.cv_results_[key], rtol=1e-5)
    assert parallel.best_params_ == serial.best_params_


def test_grid_search_with_two_loky_workers_equals_serial(series_windows, serial_search):
    parallel = search(n_jobs=2).fit(*series_windows)
    assert_same_results(parallel, serial_search)
    X, _ = series_windows
    assert_allclose(parallel.predict(X), serial_search.predict(X), rtol=1e-5, atol=1e-6)


def test_cross_validate_classifier_with_two_workers_equals_serial():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 5, 2))
    y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")

    def run(n_jobs):
        clf = LSTMClassifier(units=3, epochs=3, learning_rate=0.05, random_state=0)
        return cross_validate(clf, X, y, cv=2, n_jobs=n_jobs, scoring="neg_log_loss")

    serial, parallel = run(1), run(2)
    assert np.all(np.isfinite(serial["test_score"]))
    assert_allclose(parallel["test_score"], serial["test_score"], rtol=1e-5)


def _fit_and_report_threads():
    """Fit a tiny network in a worker; return the threads its backend may use."""
    X = np.zeros((8, 3, 1), dtype=np.float32)
    LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, X[:, -1, 0])
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.config.threading.get_intra_op_parallelism_threads()
    if backend == "jax":
        return int(os.environ["PJRT_NPROC"])
    import torch

    return torch.get_num_threads()


def test_each_loky_worker_uses_its_share_of_the_cores():
    # joblib's share of the cores, unless the variable was set for all.
    expected = int(os.environ.get("OMP_NUM_THREADS", max(joblib.cpu_count() // 2, 1)))
    threads = joblib.Parallel(n_jobs=2)(
        joblib.delayed(_fit_and_report_threads)() for _ in range(2)
    )
    assert threads == [expected, expected]


def test_grid_search_on_dask_local_cluster_equals_serial(series_windows, serial_search):
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_backend("dask"),
    ):
        parallel = search().fit(*series_windows)
        workers = set(client.scheduler_info()["workers"])
        threads = client.run(_fit_and_report_threads)
    assert_same_results(parallel, serial_search)
    assert len(workers) == 2
    # Dask starts its worker processes with OMP_NUM_THREADS=1.
    assert threads == dict.fromkeys(workers, 1)
    # The fits ran as tasks on the cluster's workers, not in this process.
    ran_on = {task["worker"] for task in tasks.data}
    assert ran_on and ran_on <= workers
