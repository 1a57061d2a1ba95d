"""What the hardware allows: GPU detection and the fused cuDNN LSTM kernel."""

import functools
import warnings

import keras

_WARNED = set()


@functools.cache
def gpu_available():
    """Whether the Keras backend in use computes on a GPU.

    Asked once per process: the backend is fixed at import, and ``predict``
    reads the answer on every call.

    Returns
    -------
    bool
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.default_backend() == "gpu"
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    return False


def warn_if_not_fused(estimator):
    """Warn once per cause when ``estimator`` rules out cuDNN on a GPU.

    Keras runs an LSTM layer as one fused cuDNN kernel on a GPU only with
    ``activation="tanh"``, ``recurrent_activation="sigmoid"`` and no
    recurrent dropout; any other choice falls back to a step-by-step loop
    that is several times slower.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        The estimator whose hyperparameters are checked.
    """
    causes = []
    if estimator.activation not in ("tanh", keras.activations.tanh):
        causes.append(f"activation={estimator.activation!r}")
    if estimator.recurrent_activation not in ("sigmoid", keras.activations.sigmoid):
        causes.append(f"recurrent_activation={estimator.recurrent_activation!r}")
    if estimator.recurrent_dropout > 0:
        causes.append(f"recurrent_dropout={estimator.recurrent_dropout!r}")
    causes = [c for c in causes if c not in _WARNED]
    if not causes or not gpu_available():
        return
    _WARNED.update(causes)
    warnings.warn(
        f"{', '.join(causes)} rules out the fused cuDNN LSTM kernel, so the "
        "GPU runs the LSTM step by step, several times slower. The kernel "
        'needs activation="tanh", recurrent_activation="sigmoid" and '
        "recurrent_dropout=0 (dropout is fine).",
        UserWarning,
        stacklevel=2,
    )
