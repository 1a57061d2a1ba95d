"""What fitting an estimator imports into a process."""

import os
import subprocess
import sys

import keras
import pytest

# A search and a classifier on JAX, then the user's own TensorFlow.
SCRIPT = """
import sys

import numpy as np
from sklearn.model_selection import GridSearchCV

from sklstm import LSTMClassifier, LSTMRegressor

X = np.random.default_rng(0).normal(size=(24, 3, 1)).astype(np.float32)
y = X[:, -1, 0]
search = GridSearchCV(LSTMRegressor(epochs=1, random_state=0), {"units": [1, 2]}, cv=2)
search.fit(X, y).predict(X)
LSTMClassifier(units=2, epochs=1, random_state=0).fit(X, y > 0).predict_proba(X)
print("tensorflow" in sys.modules)

import tensorflow as tf
from keras.src.utils import module_utils

print(module_utils.tensorflow.available)
print(module_utils.tensorflow.constant is tf.constant)
"""


@pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="runs in the jax run of the suite"
)
def test_fits_on_jax_leave_tensorflow_unimported_until_the_user_imports_it():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, "KERAS_BACKEND": "jax"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Keras then finds the user's TensorFlow as if nothing had happened.
    assert result.stdout.split() == ["False", "True", "True"]
