"""Forward passes for ``predict``: compiled once per network, few shapes.

This module also decides how padded sequences are predicted, and keeps
TensorFlow quiet about retracing sklstm's own compiled passes.
"""

import contextlib
import functools
import logging
import threading
import weakref

import keras
import numpy as np

from sklstm._device import gpu_available
from sklstm._sequences import (
    has_padding_mask,
    is_padded,
    pad_steps,
    predict_by_length,
)
from sklstm._steps import NAME as STEPS_NAME

# Rows per forward pass; bounds memory for very long inputs.
CHUNK = 4096
_COMPILED = weakref.WeakKeyDictionary()


def _inference_call(model):
    """Return ``model``'s inference pass as a function of a NumPy batch.

    On TensorFlow without a GPU the pass is compiled by XLA: about four times
    faster than ``predict_on_batch`` for one sample, and faster for many. (On a
    GPU the fused cuDNN kernel cannot be compiled by XLA, nor can the
    replicated variables of a network trained under a ``tf.distribute``
    strategy.) On JAX it is a jitted stateless call on the current weights,
    which threads can share: ``predict_on_batch`` cannot run in two threads at
    once there. Torch runs ``predict_on_batch`` eagerly.
    """
    call = _COMPILED.get(model)
    if call is not None:
        return call
    backend = keras.backend.backend()
    if backend == "torch" or (
        backend == "tensorflow" and (gpu_available() or _replicated(model))
    ):
        return model.predict_on_batch
    # A weak reference, so that the cache does not keep the model alive.
    network = weakref.ref(model)
    call = _COMPILED[model] = (
        _tensorflow_call(network) if backend == "tensorflow" else _jax_call(network)
    )
    return call


def _replicated(model):
    """Whether ``model`` was built under a strategy over several devices."""
    return model.distribute_strategy.num_replicas_in_sync > 1


_TRAINING = threading.local()


class _OwnRetracing(logging.Filter):
    """Drop TensorFlow's retracing warnings about sklstm's own passes.

    Each network gets its own compiled prediction pass and its own Keras
    training step, each traced once; TensorFlow counts the first traces of
    all networks together and warns of "excessive retracing" in any loop of
    fits, such as a grid search. Warnings about training steps are dropped
    only while an sklstm estimator trains in the thread that logs them.
    """

    def filter(self, record):
        message = record.getMessage()
        if "_tensorflow_call" in message:
            return False
        training = getattr(_TRAINING, "active", False)
        own_step = "step_on_iterator" in message or STEPS_NAME in message
        return not (training and own_step)


@functools.cache
def _quiet_retracing_warning():
    logging.getLogger("tensorflow").addFilter(_OwnRetracing())


@contextlib.contextmanager
def training_quietly():
    """Mark the Keras training of an sklstm estimator in this thread."""
    _quiet_retracing_warning()
    previous = getattr(_TRAINING, "active", False)
    _TRAINING.active = True
    try:
        yield
    finally:
        _TRAINING.active = previous


def _tensorflow_call(network):
    import tensorflow as tf

    _quiet_retracing_warning()
    # One trace for every batch and window length: XLA still compiles per
    # shape, but TensorFlow does not retrace (and warn about it) for each.
    n_features = network().input_shape[-1]
    compiled = tf.function(
        lambda x: network()(x, training=False),
        input_signature=[tf.TensorSpec((None, None, n_features), tf.float32)],
        jit_compile=True,
    )
    return lambda x: compiled(x).numpy()


def _jax_call(network):
    import jax

    @jax.jit
    def compiled(trainable, non_trainable, x):
        return network().stateless_call(trainable, non_trainable, x, training=False)[0]

    def call(x):
        model = network()
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        return np.asarray(compiled(trainable, non_trainable, x))

    return call


def _padded_rows(n_rows):
    """The number of rows a batch of ``n_rows`` is padded to: a power of two.

    Compiled passes are specialised to the batch shape; padding keeps the
    number of shapes, hence of compilations, at most ``log2(CHUNK) + 1``.
    Torch runs eagerly and is not padded.
    """
    if keras.backend.backend() == "torch":
        return n_rows
    return 1 << (n_rows - 1).bit_length()


def predict_outputs(model, X):
    """Network outputs for ``X``, with the padding policy of sklstm.

    A network with a ``PaddingMask`` gets the padding masked, and its time
    axis rounded up like the batch sizes, which keeps the number of compiled
    shapes small. A network without one (fitted on sequences of one length)
    predicts the sequences of each length together, without their padding.

    Parameters
    ----------
    model : keras.Model
        A fitted network.
    X : ndarray of shape (n_samples, n_timesteps, n_features), float32
        Sequences, padded at the end with NaN where they are shorter.

    Returns
    -------
    outputs : ndarray of shape (n_samples, n_outputs)
    """
    if has_padding_mask(model):
        return _predict_chunks(model, pad_steps(X, _padded_rows(X.shape[1])))
    if is_padded(X):
        return predict_by_length(lambda x: _predict_chunks(model, x), X)
    return _predict_chunks(model, X)


def _predict_chunks(model, X):
    """Network outputs for ``X``, computed ``CHUNK`` rows at a time."""
    call = _inference_call(model)
    outputs = []
    for start in range(0, len(X), CHUNK):
        chunk = X[start : start + CHUNK]
        n_rows = len(chunk)
        padding = _padded_rows(n_rows) - n_rows
        if padding:
            chunk = np.concatenate(
                [chunk, np.zeros((padding, *chunk.shape[1:]), chunk.dtype)]
            )
        outputs.append(np.asarray(call(chunk))[:n_rows])
    return np.concatenate(outputs)
