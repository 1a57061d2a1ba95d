"""LSTMMixin: what both estimators share on top of scikeras.

Everything sklstm takes from scikeras is used here and in the two estimator
modules only through the hooks of ``scikeras.wrappers.BaseWrapper``
(``_keras_build_fn``, ``_build_keras_model``, ``_validate_data``,
``_fit_keras_model``, ``_predict_raw``), so that moving to another base touches
few places.
"""

import copy
import math
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sklstm._batches import ArrayBatches
from sklstm._device import limit_threads, warn_if_not_fused
from sklstm._forward import _padded_rows, predict_outputs
from sklstm._sequences import (
    PaddingMask,
    has_padding_mask,
    is_padded,
    is_sequence_list,
    pad_sequences,
    pad_steps,
    predict_by_length,
)

_MAX_SEED = np.iinfo(np.int32).max


def _layer_sizes(name, value, allow_empty=False):
    """Return ``value`` (an int or a sequence of ints) as a tuple of sizes."""
    sizes = (value,) if isinstance(value, Integral) else tuple(value)
    valid = all(isinstance(s, Integral) and s >= 1 for s in sizes)
    if not valid or (not sizes and not allow_empty):
        raise InvalidParameterError(
            f"{name} must be a positive int or a tuple of positive ints, got {value!r}"
        )
    return tuple(int(s) for s in sizes)


def _seed_stream(seed):
    """Return a function that yields a new int seed, derived from ``seed``."""
    rng = np.random.default_rng(seed)
    return lambda: int(rng.integers(_MAX_SEED))


def _fresh(obj):
    """Return an unused copy of a Keras object, or ``obj`` if it is a name."""
    if hasattr(obj, "get_config"):
        return obj.__class__.from_config(obj.get_config())
    return obj


class _StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop training after the first epoch whose loss is NaN or infinite."""

    def __init__(self):
        super().__init__()
        self.epoch, self.loss = None, None

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.epoch, self.loss = epoch, loss
            self.model.stop_training = True


class _FittedState:
    """The attributes of an estimator, and the weights ``fit`` may change.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMClassifier
        The estimator about to be fitted.
    warm_start : bool
        Whether the fit trains the current network further, so that its
        weights and optimizer state must be kept too.
    """

    def __init__(self, estimator, warm_start):
        self._attributes = dict(estimator.__dict__)
        self._history = copy.deepcopy(estimator.__dict__.get("history_"))
        model = estimator.__dict__.get("model_") if warm_start else None
        self._model = model
        if model is not None:
            self._variables = list(model.variables)
            if model.optimizer is not None:
                self._variables += list(model.optimizer.variables)
            self._values = [v.numpy() for v in self._variables]

    def restore(self, estimator):
        """Give ``estimator`` back the state it had when this was made."""
        estimator.__dict__.clear()
        estimator.__dict__.update(self._attributes)
        if self._history is not None:
            estimator.history_ = self._history
        if self._model is not None:
            for variable, value in zip(self._variables, self._values, strict=True):
                variable.assign(value)


class LSTMMixin:
    """Parameters, network, data checks and training shared by the estimators.

    The concrete estimators add the output layer and the loss
    (``_output_layer``) and the target checks (``_validate_target``).
    """

    _parameter_constraints = {
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [str, callable],
        "recurrent_activation": [str, callable],
        "dense_units": [tuple, list],
        "optimizer": [str, keras.optimizers.Optimizer, type],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "loss": [str, keras.losses.Loss, callable, None],
        "metrics": [list, tuple, str, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": [Interval(Integral, 0, None, closed="left"), None],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose", StrOptions({"auto"})],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        units=32,
        *,
        bidirectional=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        activation="tanh",
        recurrent_activation="sigmoid",
        dense_units=(),
        optimizer="adam",
        learning_rate=0.001,
        loss=None,
        metrics=None,
        epochs=10,
        batch_size=32,
        validation_split=0.0,
        shuffle=True,
        early_stopping=None,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.activation = activation
        self.recurrent_activation = recurrent_activation
        self.dense_units = dense_units
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # -- network -------------------------------------------------------------

    def _build_keras_model(self):
        # The network always comes from the hyperparameters: scikeras's
        # ``model=`` argument and its global seeding are not used.
        return self._keras_build_fn()

    def _keras_build_fn(self):
        """Build and compile the network for the data seen in ``fit``.

        Returns
        -------
        model : keras.Model
            Input ``(batch, None, n_features)``: the time axis is free, so a
            model trained on windows of 50 predicts on windows of 60. After
            padded input (sequences of different lengths), a ``PaddingMask``
            layer comes first and masks the padding.
        """
        limit_threads()
        warn_if_not_fused(self)
        next_seed = _seed_stream(self._seed)
        n_features = 1 if self._x_ndim == 2 else self.n_features_in_
        inputs = keras.Input(shape=(None, n_features))
        # Only padded input gets the mask: masks keep the torch backend off
        # cuDNN and make the other backends' step loop do more work.
        x = PaddingMask()(inputs) if self._padded else inputs
        sizes = _layer_sizes("units", self.units)
        for i, size in enumerate(sizes):
            x = self._lstm_layer(size, i < len(sizes) - 1, next_seed)(x)
        for size in _layer_sizes("dense_units", self.dense_units, allow_empty=True):
            x = keras.layers.Dense(
                size,
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
            )(x)
        outputs, loss = self._output_layer(x, next_seed)
        model = keras.Model(inputs, outputs)
        metrics = [self.metrics] if isinstance(self.metrics, str) else self.metrics
        model.compile(
            optimizer=self._make_optimizer(),
            # Losses hold no state, and a copy can lose settings: Keras's
            # Huber.get_config() drops ``delta``.
            loss=loss,
            metrics=[_fresh(m) for m in metrics or ()],
        )
        return model

    def _lstm_layer(self, units, return_sequences, next_seed):
        def lstm(**kwargs):
            return keras.layers.LSTM(
                units,
                return_sequences=return_sequences,
                activation=self.activation,
                recurrent_activation=self.recurrent_activation,
                dropout=self.dropout,
                recurrent_dropout=self.recurrent_dropout,
                kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
                recurrent_initializer=keras.initializers.Orthogonal(seed=next_seed()),
                seed=next_seed(),
                **kwargs,
            )

        if not self.bidirectional:
            return lstm()
        # An explicit backward layer gets its own seeds; a copy of the forward
        # layer would start from identical weights.
        return keras.layers.Bidirectional(
            lstm(), backward_layer=lstm(go_backwards=True)
        )

    def _make_optimizer(self):
        if isinstance(self.optimizer, keras.optimizers.Optimizer):
            return _fresh(self.optimizer)
        config = {"learning_rate": self.learning_rate}
        if isinstance(self.optimizer, str):
            try:
                return keras.optimizers.get(
                    {"class_name": self.optimizer, "config": config}
                )
            except ValueError:
                raise ValueError(
                    f"optimizer={self.optimizer!r} is not a Keras optimizer name; "
                    'use e.g. "adam", "rmsprop", "sgd", or an optimizer instance'
                ) from None
        return self.optimizer(**config)

    # -- data ----------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if reset and y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None"
            )
        if X is not None:
            X = self._validate_sequences(X, reset=reset)
        if y is not None:
            y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
            y = self._validate_target(y, reset=reset)
        if X is not None and y is not None:
            check_consistent_length(X, y)
        return X, y

    def _validate_sequences(self, X, reset):
        """Return ``X`` as float32 ``(n_samples, n_timesteps, n_features)``.

        A list of sequences is padded at the end with NaN (``pad_sequences``).
        """
        listed = is_sequence_list(X, univariate=not reset and self._x_ndim == 3)
        if listed:
            X = pad_sequences(X)
        elif not hasattr(X, "ndim"):
            X = np.asarray(X)
        name = type(self).__name__
        if X.ndim > 3:
            raise ValueError(
                "X must be 2D (n_samples, n_timesteps) or 3D (n_samples, "
                f"n_timesteps, n_features), got a {X.ndim}D array"
            )
        # 1D input fails in validate_data with scikit-learn's usual message.
        ndim = max(X.ndim, 2)
        if not reset and ndim != self._x_ndim:
            raise ValueError(
                f"X is {ndim}D, but {name} was fitted on {self._x_ndim}D input"
            )
        if ndim == 2:
            X = validate_data(self, X, reset=reset, dtype=np.float32)
            X = X[:, :, np.newaxis]
        else:
            if not listed:
                X = check_array(X, allow_nd=True, dtype=np.float32, input_name="X")
            if 0 in X.shape[1:]:
                raise ValueError(
                    f"X has shape {X.shape}: n_timesteps and n_features must "
                    "be at least 1"
                )
            n_features = X.shape[2]
            if reset:
                self.n_features_in_ = n_features
                self.__dict__.pop("feature_names_in_", None)
            elif n_features != self.n_features_in_:
                raise ValueError(
                    f"X has {n_features} features, but {name} is expecting "
                    f"{self.n_features_in_} features as input"
                )
        if reset:
            self._x_ndim = ndim
            self._padded = listed and is_padded(X)
        return X

    def _validate_sample_weight(self, X, y, sample_weight):
        # scikeras drops the rows of weight 0 with ``X[mask]``, which a list of
        # sequences (passed to ``score``) does not support.
        rows, y, sample_weight = super()._validate_sample_weight(
            np.arange(len(X)), y, sample_weight
        )
        return _safe_indexing(X, rows), y, sample_weight

    # -- training ------------------------------------------------------------

    def _initialize(self, X, y=None):
        self._seed = int(check_random_state(self.random_state).randint(_MAX_SEED))
        return super()._initialize(X, y)

    def _fit(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        """Fit as scikeras does, or leave the estimator as it was.

        If training fails or is interrupted (``KeyboardInterrupt``), the
        estimator gets back the attributes it had before, and a network that
        a warm start was training gets back its weights: it is never left
        half-fitted.
        """
        self._validate_params()
        before = _FittedState(self, warm_start or self.warm_start)
        try:
            return super()._fit(
                X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
            )
        except BaseException:
            before.restore(self)
            raise

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        """Train ``model_`` on batches cut from ``X``; record ``history_``.

        The last ``validation_split`` of the rows is held out (before any
        shuffling, as Keras does), and rows are reshuffled every epoch in an
        order drawn from ``random_state`` and the epoch number, so results
        repeat without touching global random state. One endless stream of
        batches (``ArrayBatches``) serves every epoch, so an epoch of a few
        samples costs little more than its one update.
        """
        if is_padded(X) and not has_padding_mask(self.model_):
            raise ValueError(
                "X holds sequences of different lengths, but this network was "
                "built for sequences of one length: fit a new one on them "
                "(warm_start=False)"
            )
        y = np.asarray(y, dtype=np.float32)
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        n_train = math.floor(len(X) * (1.0 - self.validation_split))
        if n_train == 0:
            raise ValueError(
                f"validation_split={self.validation_split} leaves no training "
                f"samples out of {len(X)}"
            )
        if not warm_start or not hasattr(self, "history_"):
            self.history_ = {}
        # Epochs are numbered across warm starts, and each one is shuffled
        # differently.
        initial_epoch = len(self.history_.get("loss", ()))
        batch_size = self.batch_size or 32
        train = ArrayBatches(
            tuple(a[:n_train] for a in arrays),
            batch_size,
            seed=self._seed if self.shuffle else None,
            first_epoch=initial_epoch,
            repeat=True,
        )
        validation = None
        if n_train < len(X):
            validation = ArrayBatches(tuple(a[n_train:] for a in arrays), batch_size)
        divergence = _StopOnNonFiniteLoss()
        history = self.model_.fit(
            train,
            steps_per_epoch=train.steps_per_epoch,
            validation_data=validation,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            # Batches come pre-shuffled; Keras would reorder them with the
            # global ``random`` module.
            shuffle=False,
            callbacks=[divergence, *self._training_callbacks(validation is not None)],
            verbose=self.verbose,
            **kwargs,
        )
        if divergence.loss is not None:
            raise FloatingPointError(
                f"training diverged: the loss was {divergence.loss} after epoch "
                f"{divergence.epoch + 1}, and training stopped. Usual causes: a "
                f"learning_rate too high (it is {self.learning_rate}), an "
                "unscaled regression target (scale y, e.g. with "
                "TransformedTargetRegressor and StandardScaler), or inputs with "
                "huge values (scale X)"
            )
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(values)

    def _training_callbacks(self, has_validation):
        callbacks = list(self.callbacks or ())
        for callback in callbacks:
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback "
                    f"instances, got {callback!r}"
                )
        if self.early_stopping is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if has_validation else "loss",
                    patience=self.early_stopping,
                    restore_best_weights=True,
                )
            )
        return callbacks

    # -- prediction ----------------------------------------------------------

    def _predict_raw(self, X):
        """Network outputs for ``X``, shape ``(n_samples, n_outputs)``."""
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X)
        if has_padding_mask(self.model_):
            # Masked padding has no effect: lengths rounded up like batch
            # sizes keep the number of compiled shapes small.
            X = pad_steps(X, _padded_rows(X.shape[1]))
        elif is_padded(X):
            return predict_by_length(lambda x: predict_outputs(self.model_, x), X)
        return predict_outputs(self.model_, X)

    def score(self, X, y, sample_weight=None):
        """Score the predictions for ``X`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences, or a list of ``n_samples`` sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
            R² for :class:`LSTMRegressor`, accuracy for :class:`LSTMClassifier`.
        """
        check_is_fitted(self, "model_")
        return super().score(X, y, sample_weight=sample_weight)

    # -- scikit-learn --------------------------------------------------------

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's repr (changed parameters only), not scikeras's.
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags
