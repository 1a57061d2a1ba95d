"""Training of the estimators' network, and undoing a fit that fails.

:func:`train` runs Keras's ``fit`` on batches that sklstm cuts and shuffles
itself; :class:`FittedState` keeps what a fit may change, so that a failed or
interrupted one leaves the estimator as it was.
"""

import math

import keras
from keras import ops

from sklstm._batches import ArrayBatches
from sklstm._forward import training_quietly
from sklstm._steps import MOST, steps_per_call, supported

# A callback's hooks that run around each batch; overriding any of them makes
# a fit call its training step once per batch.
_BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
)


class _TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Keras's ``TerminateOnNaN``, raising a ``FloatingPointError``.

    The loss is checked after each call of the training function: each
    batch, or each run of several batches (``several_per_call``). The error
    names the usual causes of a diverging loss instead of stopping quietly
    with a half-trained network.
    """

    def __init__(self, learning_rate, several_per_call):
        super().__init__(raise_error=True)
        self._learning_rate = learning_rate
        self._several_per_call = several_per_call
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        try:
            super().on_batch_end(batch, logs)
        except RuntimeError:
            where = (
                f"in epoch {self._epoch + 1}"
                if self._several_per_call
                else f"after batch {batch + 1} of epoch {self._epoch + 1}"
            )
            raise FloatingPointError(
                f"training diverged: the loss was {logs['loss']} {where}, and "
                "training stopped. "
                "Usual causes: a learning_rate too high (it is "
                f"{self._learning_rate}), an unscaled regression target (scale "
                "y, e.g. with TransformedTargetRegressor and StandardScaler), or "
                "inputs with huge values (scale X)"
            ) from None


def as_numpy(variable):
    """A copy of the value of a Keras ``variable``, as a NumPy array.

    Through a backend tensor: converting the variable itself (or, on JAX,
    ``variable.numpy()``) makes NumPy 2 warn that a Keras variable's
    ``__array__`` takes no ``copy`` keyword.
    """
    return ops.convert_to_numpy(ops.copy(variable))


class FittedState:
    """The attributes of an estimator, and the network state ``fit`` may change.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        The estimator about to be fitted.
    warm : bool
        Whether the fit trains the current network further, so that its
        weights, its optimizer and its compiled loss must be kept too.
    """

    def __init__(self, estimator, warm):
        self._attributes = dict(estimator.__dict__)
        self._model = estimator.model_ if warm else None
        if self._model is not None:
            self._optimizer = self._model.optimizer
            # Compiling resets it: whether the fit compiled the network anew.
            self._train_function = self._model.train_function
            self._variables = [*self._model.variables, *self._optimizer.variables]
            self._values = [as_numpy(v) for v in self._variables]

    def restore(self, estimator):
        """Give ``estimator`` back the state it had when this was made."""
        estimator.__dict__.clear()
        estimator.__dict__.update(self._attributes)
        if self._model is None:
            return
        # Only if the failed fit compiled the network with new settings: the
        # parameters restored above may not be the ones it was compiled with
        # (set_params before a refused warm start).
        if self._model.train_function is not self._train_function:
            estimator._compile(self._model, self._optimizer, estimator._network_params)
        for variable, value in zip(self._variables, self._values, strict=True):
            variable.assign(value)


def train(estimator, arrays, validation, epochs):
    """Train ``estimator.model_`` on batches cut from ``arrays``; extend ``history_``.

    ``arrays`` is ``(X, y_encoded, sample_weight or None)``. Without
    ``validation``, the last ``validation_split`` of the rows is held out
    (before any shuffling, as Keras does). Rows are reshuffled every epoch
    in an order drawn from ``random_state`` and the epoch number, so
    results repeat without touching global random state. One endless
    stream of batches (``ArrayBatches``) serves every epoch, so an epoch
    of a few samples costs little more than its one update. On TensorFlow,
    unless ``verbose`` or a callback follows the batches, one call of the
    training function trains many batches (see :mod:`sklstm._steps`).

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        The estimator being fitted, with ``model_`` compiled and ``history_``
        set; its parameters give the training settings.
    arrays : tuple
        ``X`` of shape (n_samples, n_timesteps, n_features), the encoded
        target of shape (n_samples, n_outputs) or (n_samples,), and
        ``sample_weight`` of shape (n_samples,) or None.
    validation : tuple or None
        ``(X_val, y_val_encoded, sample_weight_val or None)`` held out to
        compute ``val_loss``.
    epochs : int
        Number of epochs to train for, after those in ``history_``.
    """
    arrays = tuple(a for a in arrays if a is not None)
    n_samples = len(arrays[0])
    n_train = math.floor(n_samples * (1.0 - estimator.validation_split))
    if n_train == 0:
        raise ValueError(
            f"validation_split={estimator.validation_split} leaves no training "
            f"samples out of {n_samples}"
        )
    if n_train < n_samples:
        validation = tuple(a[n_train:] for a in arrays)
    batch_size = estimator.batch_size or 32
    # Epochs are numbered across warm starts, and each one is shuffled
    # differently.
    initial_epoch = len(estimator.history_.get("loss", ()))
    batches = ArrayBatches(
        tuple(a[:n_train] for a in arrays),
        batch_size,
        seed=estimator._seed if estimator.shuffle else None,
        first_epoch=initial_epoch,
        repeat=True,
    )
    if validation is not None:
        validation = ArrayBatches(
            tuple(a for a in validation if a is not None), batch_size
        )
    callbacks = _callbacks(estimator, validation is not None)
    model = estimator.model_
    calls = batches.steps_per_epoch
    by_batch = estimator.verbose or any(map(_watches_batches, callbacks))
    if supported(model):
        calls = steps_per_call(model, calls, most=1 if by_batch else MOST)
    with training_quietly():
        history = model.fit(
            batches,
            steps_per_epoch=calls,
            validation_data=validation,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            # Batches come pre-shuffled; Keras would reorder them with the
            # global ``random`` module.
            shuffle=False,
            callbacks=[
                _TerminateOnNaN(
                    estimator.learning_rate, calls < batches.steps_per_epoch
                ),
                *callbacks,
            ],
            verbose=estimator.verbose,
        )
    estimator.history_ = {
        key: [*estimator.history_.get(key, ()), *values]
        for key, values in history.history.items()
    }


def _watches_batches(callback):
    """Whether ``callback`` runs code around each batch.

    A subclass may override a batch hook, and a ``LambdaCallback`` sets one
    on the instance.
    """
    base = keras.callbacks.Callback
    return any(
        getattr(getattr(callback, hook), "__func__", None) is not getattr(base, hook)
        for hook in _BATCH_HOOKS
    )


def _callbacks(estimator, has_validation):
    """The user's ``callbacks``, checked, and early stopping if asked for.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        The estimator being fitted.
    has_validation : bool
        Whether the fit holds data out, so that early stopping watches
        ``val_loss`` rather than ``loss``.

    Returns
    -------
    callbacks : list of keras.callbacks.Callback
    """
    callbacks = list(estimator.callbacks or ())
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                "callbacks must be a list of keras.callbacks.Callback "
                f"instances, got {callback!r}"
            )
    if estimator.early_stopping is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if has_validation else "loss",
                patience=estimator.early_stopping,
                restore_best_weights=True,
            )
        )
    return callbacks
