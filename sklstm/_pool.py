"""Networks reused across fits, so that a search traces its steps once.

Keras traces a network's training step (TensorFlow also compiles it with
XLA, JAX jits it) the first time the network trains, and that fixed cost is
most of a small fit. A grid search fits the same architecture again for
every fold and candidate, each time with a new network. Here the network of
estimators that no longer need it (garbage-collected, or fitted anew) goes
back to a pool; a later fit of the same architecture, compiled the same way,
takes it and overwrites its state (weights, random-seed state, optimizer
state) with that of the network it would have built. Training on it repeats
the fresh fit exactly, and its already-traced steps run at once.

Only networks that their configuration describes completely are pooled:
activations, loss and metrics given by name, the optimizer by name, Keras
class or Keras instance. A function or a ``Loss`` instance may hold settings
its config leaves out (a closure's variables; ``Huber`` drops ``delta``), so
two different ones could look alike. A pooled network belongs to its live
estimators only (a shallow copy shares it); the torch backend traces nothing
and never pools.
"""

import collections
import json
import threading
import weakref

import keras

from sklstm._no_tensorflow import tensorflow_unimported
from sklstm._training import as_numpy

# Free networks kept, over all architectures, once the next fit starts; the
# least recently freed go first.
MAX_FREE = 8

_LOCK = threading.Lock()
# (architecture, compile settings) -> list of free networks
_FREE = collections.OrderedDict()
# Networks handed back by finalizers, which may run inside the garbage
# collector at any point of any thread: they only append here, without a lock.
_RETURNED = collections.deque()
# What a network needs to be reused: its key, its optimizer and that
# optimizer's first state.
_REUSABLE = weakref.WeakKeyDictionary()
_LEASES = weakref.WeakKeyDictionary()  # estimator -> finalizer of its network
_OWNERS = weakref.WeakKeyDictionary()  # network -> number of live estimators


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
    description, learning_rate = _optimizer_description(estimator, optimizer)
    key = _key(estimator, fresh, optimizer, description)
    model = _claim(key)
    if model is None:
        estimator._compile(fresh, optimizer, estimator.get_params())
        fresh.optimizer.build(fresh.trainable_variables)
        if key is not None:
            start = [as_numpy(v) for v in optimizer.variables]
            _REUSABLE[fresh] = (key, optimizer, start)
        return fresh
    for variable, value in zip(model.variables, fresh.variables, strict=True):
        variable.assign(value.value)
    start = _REUSABLE[model][2]
    for variable, value in zip(model.optimizer.variables, start, strict=True):
        variable.assign(value)
    if learning_rate is not None:
        model.optimizer.learning_rate = learning_rate
    return model


def forget(model):
    """Never pool ``model`` again (it was compiled with other settings)."""
    _REUSABLE.pop(model, None)


def lease(estimator, model):
    """Make ``estimator`` an owner of ``model``, freeing what it had before.

    ``model`` returns to the pool once every estimator that owns it was
    garbage-collected or leased another network.
    """
    previous = _LEASES.pop(estimator, None)
    if previous is not None:
        previous()
    if model in _REUSABLE:
        _OWNERS[model] = _OWNERS.get(model, 0) + 1
        _LEASES[estimator] = weakref.finalize(estimator, _disown, model)


def release(model):
    """Put ``model``, which no estimator owns, back in the pool."""
    if model in _REUSABLE:
        _RETURNED.append(model)


def _disown(model):
    """One owner of ``model`` is gone; free it if it was the last."""
    owners = _OWNERS.get(model, 1) - 1
    _OWNERS[model] = owners
    if not owners:
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
        while models:
            model = models.pop()
            if not models:
                # No key keeps an empty list: eviction pops from the oldest.
                del _FREE[key]
            if _unchanged(model):
                return model
        return None


def _unchanged(model):
    """Whether ``model`` is still as it was pooled.

    A callback may have compiled it anew or frozen a layer (``trainable``
    is in the layers' config) while it trained.
    """
    (architecture, _), optimizer, _ = _REUSABLE[model]
    return model.optimizer is optimizer and architecture == _architecture(model)


def _key(estimator, fresh, optimizer, description):
    """What a network must share with ``fresh`` to be reused for it, or None.

    The architecture, the optimizer (``description``), the loss and the
    metrics; None if any of them may hold settings that no config records.
    """
    metrics = estimator.metrics
    metrics = [metrics] if isinstance(metrics, str) else list(metrics or ())
    if keras.backend.backend() == "torch" or not _described(
        estimator, optimizer, metrics
    ):
        return None
    with tensorflow_unimported():
        loss = keras.saving.serialize_keras_object(
            estimator._training_loss(estimator.loss)
        )
    compiled = json.dumps([description, loss, metrics], sort_keys=True)
    return _architecture(fresh), compiled


def _optimizer_description(estimator, optimizer):
    """The optimizer but for its learning rate (a variable, set on reuse).

    Returns
    -------
    description : list
        The optimizer's class, and the config of an optimizer given as an
        instance; one given by name or class has its class's defaults.
    learning_rate : float or None
        None for a schedule, which the description holds instead.
    """
    kind = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
    if not isinstance(estimator.optimizer, keras.optimizers.Optimizer):
        return [kind], float(estimator.learning_rate)
    # The user's own instance: reading a built optimizer's config would read
    # its learning-rate variable, which JAX arrays answer with a warning.
    config = estimator.optimizer.get_config()
    # Optimizers are named like layers: "adam", "adam_1", ...
    del config["name"]
    learning_rate = config.pop("learning_rate")
    if not isinstance(learning_rate, float):
        config["learning_rate"], learning_rate = learning_rate, None
    return [kind, config], learning_rate


def _described(estimator, optimizer, metrics):
    """Whether configs describe the estimator's functions and optimizer fully."""
    named = (estimator.activation, estimator.recurrent_activation, *metrics)
    return (
        all(isinstance(value, str) for value in named)
        and (estimator.loss is None or isinstance(estimator.loss, str))
        and type(optimizer).__module__.startswith("keras.")
    )


def _architecture(model):
    """``model``'s config without names and seeds, its layers numbered.

    Names differ between two builds of one architecture, and so do seeds,
    which only decide the initial state that reuse overwrites. A dtype
    policy's name is its meaning and stays.
    """
    with tensorflow_unimported():
        config = model.get_config()
    numbers = {layer["name"]: i for i, layer in enumerate(config["layers"])}
    return json.dumps(_anonymous(config, numbers), sort_keys=True, default=repr)


def _anonymous(value, numbers):
    """``value`` without names and seeds, layer names replaced by numbers."""
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
