"""What the hardware allows: GPUs, the fused cuDNN LSTM kernel, CPU threads."""

import functools
import os
import warnings

import keras

_WARNED = set()
# joblib's loky workers are started with cores // n_jobs here, Dask's with 1.
_THREAD_BUDGET = "OMP_NUM_THREADS"


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


@functools.cache
def limit_threads():
    """Size the backend's CPU thread pools to ``OMP_NUM_THREADS``, where set.

    A worker process learns its share of the cores from this variable:
    joblib starts each loky worker of ``n_jobs`` with ``cores // n_jobs``,
    Dask's nanny starts workers with 1. PyTorch follows it by itself, but
    TensorFlow and XLA (JAX) give each process one thread per core unless
    told otherwise, so parallel fits would oversubscribe the cores. Both size
    their pools on their first operation, hence this runs once per process,
    before the first network is built; after that, or where the user already
    chose (``tf.config.threading``, ``PJRT_NPROC``), it changes nothing.
    """
    budget = os.environ.get(_THREAD_BUDGET, "")
    if not budget.isdigit() or int(budget) < 1:
        return
    backend = keras.backend.backend()
    if backend == "jax":
        # Read by XLA's CPU client when JAX first uses it.
        os.environ.setdefault("PJRT_NPROC", budget)
    elif backend == "tensorflow":
        import tensorflow as tf

        threading = tf.config.threading
        if threading.get_intra_op_parallelism_threads() == 0:
            try:
                threading.set_intra_op_parallelism_threads(int(budget))
                threading.set_inter_op_parallelism_threads(int(budget))
            except RuntimeError:
                # TensorFlow has already run an operation: its pools are fixed.
                pass
