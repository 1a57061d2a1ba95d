"""Networks reused across fits, so that a search traces its steps once.

Keras traces a network's training step (TensorFlow also compiles it with
XLA, JAX jits it) the first time the network trains, and that fixed cost is
most of a small fit. A grid search fits the same architecture again for
every fold and candidate, each time with a new network. Here the network of
an estimator that no longer needs it (it was garbage-collected, or fitted
anew) goes back to a pool; a later fit of the same architecture, compiled
the same way, takes it and overwrites its state (weights, random-seed state,
optimizer state) with that of the network it would have built. Training on
it repeats the fresh fit exactly, and its already-traced steps run at once.

A pooled network belongs to at most one live estimator. The torch backend
traces nothing and never pools.
"""

import collections
import json
import threading
import weakref

import keras

# Free networks kept, over all architectures; the least recently freed go first.
MAX_FREE = 8

_LOCK = threading.Lock()
_FREE = collections.OrderedDict()  # key -> list of free networks
# Networks handed back by finalizers, which may run inside the garbage
# collector at any point of any thread: they only append here, without a lock.
_RETURNED = collections.deque()
# What a network needs to be reused: its key and its optimizer's first state.
_REUSABLE = weakref.WeakKeyDictionary()
_LEASES = weakref.WeakKeyDictionary()  # estimator -> finalizer of its network


def network_for(estimator, fresh):
    """Return the network ``estimator`` trains: ``fresh``, or a pooled twin.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        The estimator starting a new fit.
    fresh : keras.Model
        The uncompiled network the fit would train, its weights drawn from
        the estimator's seed.

    Returns
    -------
    model : keras.Model
        Compiled, in the state of ``fresh`` just after compiling: either
        ``fresh`` itself or a free network of the same architecture and
        compile settings, given ``fresh``'s weights and seed states and a
        reset optimizer.
    """
    optimizer = estimator._make_optimizer()
    key = _key(estimator, fresh, optimizer)
    model = _claim(key)
    if model is None:
        estimator._compile(fresh, optimizer, estimator.get_params())
        fresh.optimizer.build(fresh.trainable_variables)
        if key is not None:
            _REUSABLE[fresh] = (key, [v.numpy() for v in fresh.optimizer.variables])
        return fresh
    for variable, value in zip(model.variables, fresh.variables, strict=True):
        variable.assign(value.value)
    start = _REUSABLE[model][1]
    for variable, value in zip(model.optimizer.variables, start, strict=True):
        variable.assign(value)
    learning_rate = optimizer.get_config()["learning_rate"]
    if isinstance(learning_rate, float):
        model.optimizer.learning_rate = learning_rate
    return model


def forget(model):
    """Never pool ``model`` again (it was compiled with other settings)."""
    _REUSABLE.pop(model, None)


def lease(estimator, model):
    """Give ``model`` to ``estimator``, freeing the network it had before.

    ``model`` returns to the pool when ``estimator`` is garbage-collected or
    leases another network.
    """
    previous = _LEASES.pop(estimator, None)
    if previous is not None:
        previous()
    if model in _REUSABLE:
        _LEASES[estimator] = weakref.finalize(estimator, _RETURNED.append, model)


def release(model):
    """Put ``model``, which no estimator holds, back in the pool."""
    if model in _REUSABLE:
        _RETURNED.append(model)


def _claim(key):
    """Take a free network for ``key`` out of the pool, or return None."""
    with _LOCK:
        while _RETURNED:
            model = _RETURNED.popleft()
            info = _REUSABLE.get(model)
            if info is not None:
                _FREE.setdefault(info[0], []).append(model)
                _FREE.move_to_end(info[0])
        while sum(map(len, _FREE.values())) > MAX_FREE:
            oldest = next(iter(_FREE))
            _FREE[oldest].pop(0)
            if not _FREE[oldest]:
                del _FREE[oldest]
        models = _FREE.get(key) if key is not None else None
        if not models:
            return None
        model = models.pop()
        if not models:
            del _FREE[key]
        return model


def _key(estimator, fresh, optimizer):
    """What a network must share with ``fresh`` to be reused for it, or None.

    The architecture (``fresh``'s config without names and seeds, its layers
    numbered instead), the optimizer's config without its learning rate
    (a variable, set on reuse), the loss and the metrics.
    """
    if keras.backend.backend() == "torch":
        return None
    config = fresh.get_config()
    numbers = {layer["name"]: i for i, layer in enumerate(config["layers"])}
    optimizer_config = optimizer.get_config()
    if isinstance(optimizer_config.get("learning_rate"), float):
        del optimizer_config["learning_rate"]
    metrics = estimator.metrics
    metrics = [metrics] if isinstance(metrics, str) else list(metrics or ())
    try:
        compiled = [
            keras.saving.serialize_keras_object(obj)
            for obj in (estimator._training_loss(estimator.loss), *metrics)
        ]
    except Exception:  # an object Keras cannot describe is never pooled
        return None
    description = _anonymous([config, optimizer_config, compiled], numbers)
    return json.dumps(description, sort_keys=True, default=repr)


def _anonymous(value, numbers):
    """``value`` without names and seeds, layer names replaced by numbers.

    Names differ between two builds of one architecture, and so do seeds,
    which only decide the initial state that reuse overwrites. A dtype
    policy's name is its meaning and stays.
    """
    if isinstance(value, dict):
        if "DTypePolicy" in str(value.get("class_name")):
            return value
        return {
            k: _anonymous(v, numbers)
            for k, v in value.items()
            if k not in ("name", "seed")
        }
    if isinstance(value, (list, tuple)):
        return [_anonymous(v, numbers) for v in value]
    if isinstance(value, str):
        return numbers.get(value, value)
    return value
