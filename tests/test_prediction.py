"""predict: compiled forward passes, padding to few shapes, the cuDNN warning."""

import gc
import os
import subprocess
import sys
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklstm import LSTMClassifier, LSTMRegressor, _device, _forward, _pool


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(_forward.CHUNK + 5, 6, 2)).astype(np.float32)
    y = X[:, -1, 0]
    reg = LSTMRegressor(units=3, epochs=1, batch_size=512, random_state=0)
    return reg.fit(X[:200], y[:200]), X


@pytest.mark.parametrize("n_rows", [1, 3, 64, _forward.CHUNK + 5])
def test_predict_matches_the_keras_model(fitted, n_rows):
    reg, X = fitted
    expected = reg.model_.predict(X[:n_rows], verbose=0)[:, 0]
    assert_allclose(reg.predict(X[:n_rows]), expected, rtol=1e-5, atol=1e-6)


def test_a_row_is_predicted_the_same_alone_or_in_a_batch(fitted):
    reg, X = fitted
    together = reg.predict(X[:37])
    alone = np.array([reg.predict(X[i : i + 1])[0] for i in range(0, 37, 6)])
    assert_allclose(alone, together[::6], rtol=1e-5, atol=1e-6)


def test_compiled_backends_pad_batches_to_a_power_of_two():
    padded = [_forward._padded_rows(n) for n in range(1, _forward.CHUNK + 1)]
    if keras.backend.backend() == "torch":  # eager: nothing to compile
        assert padded == list(range(1, _forward.CHUNK + 1))
    else:
        assert set(padded) == {2**k for k in range(13)}
        assert padded[4] == 8


def test_networks_beyond_the_pool_are_freed(monkeypatch):
    # Neither the compiled pass nor the pool of networks reused across fits
    # keeps more than MAX_FREE discarded networks alive.
    monkeypatch.setattr(_pool, "MAX_FREE", 0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4, 1)), rng.normal(size=8)
    reg = LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, y)
    reg.predict(X)
    network = weakref.ref(reg.model_)
    del reg
    gc.collect()
    LSTMRegressor(units=3, epochs=1, random_state=0).fit(X, y)
    gc.collect()
    assert network() is None


# cuDNN


@pytest.fixture
def on_gpu(monkeypatch):
    """Pretend a GPU is there, with no warning given yet."""
    monkeypatch.setattr(_device, "gpu_available", lambda: True)
    monkeypatch.setattr(_device, "_WARNED", set())


def cudnn_warnings(call):
    """The messages of the cuDNN warnings that ``call()`` gives."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in record if "cuDNN" in str(w.message)]


def fit_small(Estimator=LSTMRegressor, **params):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 4, 1))
    y = np.arange(8) % 2 if Estimator is LSTMClassifier else rng.normal(size=8)
    return Estimator(units=2, epochs=1, random_state=0, **params).fit(X, y)


@pytest.mark.parametrize(
    "params, named",
    [
        ({"activation": "relu"}, "activation='relu'"),
        ({"recurrent_activation": "hard_sigmoid"}, "recurrent_activation="),
        ({"recurrent_dropout": 0.2}, "recurrent_dropout=0.2"),
    ],
)
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_gpu_warns_once_naming_what_rules_out_cudnn(on_gpu, Estimator, params, named):
    first = cudnn_warnings(lambda: fit_small(Estimator, **params))
    assert len(first) == 1
    assert named in first[0]
    assert cudnn_warnings(lambda: fit_small(Estimator, **params)) == []


def test_gpu_does_not_warn_for_cudnn_compatible_settings(on_gpu):
    assert cudnn_warnings(lambda: fit_small(dropout=0.2, bidirectional=True)) == []


def test_cpu_does_not_warn(monkeypatch):
    monkeypatch.setattr(_device, "gpu_available", lambda: False)
    monkeypatch.setattr(_device, "_WARNED", set())
    assert cudnn_warnings(lambda: fit_small(activation="relu")) == []


def test_predicting_from_threads_matches_serial_calls(fitted):
    reg, X = fitted
    chunks = [X[i * 50 : (i + 1) * 50 + i] for i in range(8)]
    serial = [reg.predict(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(reg.predict, chunks * 4))
    for i, result in enumerate(threaded):
        assert_allclose(result, serial[i % len(chunks)], rtol=1e-6)


RETRACING = """
import logging
import keras
import numpy as np
from sklstm import LSTMRegressor

messages = []
handler = logging.Handler()
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("tensorflow").addHandler(handler)
X = np.random.default_rng(0).normal(size=(16, 4, 2)).astype(np.float32)
LSTMRegressor(units=2, epochs=1).fit(X, X[:, -1, 0])
for seed in range(7):
    {loop}
print(sum("retracing" in message for message in messages))
"""
# A search fits and predicts with one new network after another, with and
# without validation data (Keras's training and test steps).
SEARCH = """LSTMRegressor(
        units=2, epochs=1, random_state=seed, validation_split=seed % 2 / 4
    ).fit(X, X[:, -1, 0]).predict(X[:3])"""
# Other Keras networks keep TensorFlow's warning.
KERAS = """inputs = keras.Input((None, 2))
    pooled = keras.layers.GlobalAveragePooling1D()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(pooled))
    model.compile(loss="mse")
    model.fit(X, X[:, -1, 0], verbose=0)"""


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="a TensorFlow log message"
)
@pytest.mark.parametrize("loop, warns", [(SEARCH, False), (KERAS, True)])
def test_many_fits_do_not_warn_of_retracing(loop, warns):
    # TensorFlow warns twice per process at most: a fresh one shows them.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-c", RETRACING.format(loop=loop)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert (int(result.stdout) > 0) == warns
