"""The hardware and the process: GPUs, cuDNN, CPU threads, JAX's compile cache."""

import functools
import os
import warnings
from pathlib import Path

import keras

_WARNED = set()
# joblib's loky workers are started with cores // n_jobs here, Dask's with 1.
_THREAD_BUDGET = "OMP_NUM_THREADS"
# "0" (or false, no, off) leaves JAX's compilation cache as JAX has it.
_JAX_CACHE_SWITCH = "SKLSTM_JAX_CACHE"
# The least recently used entries go past this. Measured: the programs of
# a small network's fit and predict take 3 kB each (median), 110 kB at most,
# so this holds those of several hundred networks and input shapes.
_JAX_CACHE_MAX_BYTES = 256 * 2**20
# JAX stores only compilations slower than 1 s by default; most of a small
# network's are faster, yet together they are most of its first fit.
_JAX_CACHE_MIN_COMPILE_SECS = 0.0


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


@functools.cache
def prepare_process():
    """Set the backend up once per process, before the first network is built.

    Sizes the CPU thread pools (:func:`limit_threads`) and, on JAX, keeps
    compiled programs on disk (:func:`use_jax_compilation_cache`).
    """
    limit_threads()
    use_jax_compilation_cache()


def use_jax_compilation_cache():
    """Turn JAX's persistent compilation cache on, in a per-user folder.

    Most of a small fit on JAX is XLA compilation, and a search fits the
    same few networks for every fold and candidate, in this process, in its
    ``n_jobs`` workers and in the next session: with the cache, each network
    is compiled once. The folder is ``$XDG_CACHE_HOME/sklstm/jax`` (else
    ``~/.cache/sklstm/jax``), readable by its owner only (JAX runs what it
    finds there), and bounded to 256 MiB, the least recently used entries
    going first.

    Nothing changes on other backends, when ``SKLSTM_JAX_CACHE=0``, or when
    the user configured JAX's cache (``JAX_COMPILATION_CACHE_DIR``,
    ``jax.config.update("jax_compilation_cache_dir", ...)`` or
    ``jax_enable_compilation_cache=False``). JAX bounds the size with the
    ``filelock`` package; without it, the cache stays off.
    """
    if keras.backend.backend() != "jax" or not _jax_cache_wanted():
        return
    import jax

    config = jax.config
    if config.jax_compilation_cache_dir or not config.jax_enable_compilation_cache:
        return
    try:
        import filelock  # noqa: F401
    except ImportError:
        return
    cache_home = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(cache_home):
        cache_home = Path.home() / ".cache"
    folder = Path(cache_home) / "sklstm" / "jax"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        # A read-only home: fits work as before, without the cache.
        return
    config.update("jax_compilation_cache_dir", str(folder))
    config.update("jax_compilation_cache_max_size", _JAX_CACHE_MAX_BYTES)
    config.update(
        "jax_persistent_cache_min_compile_time_secs", _JAX_CACHE_MIN_COMPILE_SECS
    )


def _jax_cache_wanted():
    switch = os.environ.get(_JAX_CACHE_SWITCH, "").strip().lower()
    return switch not in ("0", "false", "no", "off")
