"""One estimator trained data-parallel over two devices, as docs/scaling.md shows.

Two CPU devices exist only if the backend is told before it starts, so each
test runs in a fresh process; it runs under the suite's own backend only.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose

# Fits the same seeded estimator on one device, then on two, and one with
# dropout on two; saves their predictions. {setup} makes two devices,
# {parallel} is the context to fit in.
SCRIPT = """
import json
import numpy as np
{setup}
from sklstm import LSTMRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 8, 3))
y = X[:, -3:, 0].sum(axis=1)

def fit(dropout=0.0):
    return LSTMRegressor(
        units=4, dropout=dropout, epochs=3, batch_size=16, random_state=0
    ).fit(X, y)

single = fit()
with {parallel}:
    parallel = fit()
    dropout = fit(dropout=0.3)
np.savez(
    {path!r},
    single=single.predict(X),
    parallel=parallel.predict(X),
    dropout=dropout.predict(X),
)
print(json.dumps({report}))
"""

JAX = {
    "env": {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
    "setup": "import keras",
    "parallel": "keras.distribution.DataParallel("
    "devices=keras.distribution.list_devices()).scope()",
    "report": '{"devices": len(keras.distribution.list_devices()), '
    '"weights_on": len(parallel.model_.weights[0].value.sharding.device_set)}',
}

TENSORFLOW = {
    "env": {},
    "setup": """import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])""",
    "parallel": "strategy.scope()",
    "report": '{"devices": strategy.num_replicas_in_sync, '
    '"weights_on": len(parallel.model_.weights[0].value.values)}',
}


def fit_single_and_parallel(backend, case, tmp_path):
    path = tmp_path / "predictions.npz"
    code = SCRIPT.format(
        setup=case["setup"],
        parallel=case["parallel"],
        path=str(path),
        report=case["report"],
    )
    env = {**os.environ, **case["env"], "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report, np.load(path)


def only_on(backend):
    return pytest.mark.skipif(
        keras.backend.backend() != backend,
        reason=f"runs in the {backend} run of the suite",
    )


@only_on("jax")
def test_jax_data_parallel_matches_single_device(tmp_path):
    report, predictions = fit_single_and_parallel("jax", JAX, tmp_path)
    # Weights replicated on both devices; each batch is split between them.
    assert report == {"devices": 2, "weights_on": 2}
    assert_allclose(predictions["parallel"], predictions["single"], atol=1e-5)
    assert np.all(np.isfinite(predictions["dropout"]))


@only_on("tensorflow")
def test_tensorflow_mirrored_strategy_matches_single_device(tmp_path):
    report, predictions = fit_single_and_parallel("tensorflow", TENSORFLOW, tmp_path)
    assert report == {"devices": 2, "weights_on": 2}
    assert_allclose(predictions["parallel"], predictions["single"], atol=1e-5)
    assert np.all(np.isfinite(predictions["dropout"]))
