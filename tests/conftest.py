"""Test configuration: Keras backend before keras is imported, fixed seeds."""

import os
import tempfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Lets scikit-learn's check_array_api_input run (with NumPy inputs) instead of
# skipping; SciPy reads it at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# On JAX, most of a small fit is XLA compilation, and the tests build the same
# few networks many times, so they too keep JAX's compilations on disk: in a
# folder of their own, which sklstm leaves alone as it does any cache the user
# configured, so that the suite neither reads nor fills the per-user cache.
# Subprocesses inherit it.
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR", os.path.join(tempfile.gettempdir(), "sklstm-jax")
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_everything():
    keras.utils.set_random_seed(0)
