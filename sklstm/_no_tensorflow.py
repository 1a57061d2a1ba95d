"""Keeping TensorFlow out of processes that run Keras on JAX or torch.

Two third-party imports of TensorFlow, when it is installed, would load it
(3-4 s and a few hundred MB) into every JAX or torch process that fits an
estimator, for nothing:

- scikeras imports it to seed it in the fit and predict code of its own
  wrappers, which sklstm's estimators never run (they subclass
  ``BaseWrapper`` for its parameters and tags). There it is imported as if
  TensorFlow were absent, which makes scikeras define no-op seeding
  functions.
- Keras's ``get_config`` asks whether TensorFlow is available to recognize
  a ``tf.TensorShape``, and imports it to answer. No such object exists
  while TensorFlow is not imported, so for the configs sklstm reads the
  answer is "no" until then.

Any other import of TensorFlow, then or later, is untouched.
"""

import contextlib
import importlib.abc
import sys

import keras
from keras.src.utils import module_utils

_SCIKERAS_SEEDING = "scikeras.utils.random_state"


class _HiddenFromScikeras(importlib.abc.MetaPathFinder):
    """Make ``import tensorflow`` fail when scikeras's seeding module runs it."""

    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] == "tensorflow" and _imported_by_scikeras():
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _imported_by_scikeras():
    """Whether the import under way comes from scikeras's seeding module."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == _SCIKERAS_SEEDING:
            return True
        frame = frame.f_back
    return False


def _tensorflow_needed():
    """Whether TensorFlow is the backend, or was imported by anyone."""
    return keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules


def _import_base_wrapper():
    """scikeras's ``BaseWrapper``, without TensorFlow unless it is in use."""
    if _tensorflow_needed():
        from scikeras.wrappers import BaseWrapper

        return BaseWrapper
    finder = _HiddenFromScikeras()
    sys.meta_path.insert(0, finder)
    try:
        from scikeras.wrappers import BaseWrapper
    finally:
        sys.meta_path.remove(finder)
    return BaseWrapper


BaseWrapper = _import_base_wrapper()


@contextlib.contextmanager
def tensorflow_unimported():
    """Let Keras serialize objects without importing TensorFlow for it.

    Keras's lazy module imports TensorFlow on the first question whether
    it is available. Unless TensorFlow is in use, the answer inside this
    context is "no", and the question stays open outside it.
    """
    lazy = module_utils.tensorflow
    if _tensorflow_needed() or lazy._available is not None:
        yield
        return
    lazy._available = False
    try:
        yield
    finally:
        lazy._available = None
