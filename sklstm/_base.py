"""LSTMMixin: the parameters, network, data checks and training of the estimators.

The estimators subclass scikeras's ``BaseWrapper``, but sklstm owns their
lifecycle: ``fit`` and ``partial_fit`` call :meth:`LSTMMixin._fit`, which
reads top to bottom (as scikit-learn's ``_multilayer_perceptron.py`` does)
and runs none of scikeras's fit or predict code. The public extras of
``BaseWrapper`` are hidden, so that moving to another base touches this module
only. The epochs themselves run in :func:`sklstm._training.train`.
"""

from inspect import signature
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sklstm._device import prepare_process, warn_if_not_fused
from sklstm._forward import predict_outputs
from sklstm._pool import forget, lease, network_for, release
from sklstm._sequences import (
    PaddingMask,
    has_padding_mask,
    is_padded,
    is_sequence_list,
    pad_sequences,
)
from sklstm._training import FittedState, train

_MAX_SEED = np.iinfo(np.int32).max
# The one place that names the recurrent layer class.
_LSTM = keras.layers.LSTM


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


def _config(obj):
    """The settings of a Keras object, without its unique name."""
    return {k: v for k, v in obj.get_config().items() if k != "name"}


def _same(a, b):
    """Whether two parameter values ask for the same thing.

    Keras objects compare by class and settings, so that a copy (after
    loading a saved estimator) counts as unchanged.
    """
    if a is b:
        return True
    if hasattr(a, "get_config") and hasattr(b, "get_config"):
        return type(a) is type(b) and _config(a) == _config(b)
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


def _check_array_like(value, name):
    """Refuse what is no array: None, scalars, strings, dicts, sets, iterators."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        array_like = len(shape) > 0
    elif hasattr(value, "__array__"):
        array_like = np.asarray(value).ndim > 0
    else:
        array_like = (
            hasattr(value, "__len__")
            and hasattr(value, "__getitem__")
            and not isinstance(value, str | bytes | dict)
        )
    if not array_like:
        raise TypeError(
            f"{name} must be array-like (an array, a DataFrame or a list), got "
            f"{type(value).__name__}"
        )


def _as_weights(sample_weight, n_samples):
    """``sample_weight`` checked and as float32 ``(n_samples,)``, or None."""
    if sample_weight is None:
        return None
    return _check_sample_weight(
        sample_weight, np.empty(n_samples), dtype=np.float32, ensure_non_negative=True
    )


class _Hidden:
    """Hide an attribute of scikeras's ``BaseWrapper`` that sklstm does not offer.

    ``hasattr`` is False for it, and ``help`` shows no scikeras docstring.
    """

    def __set_name__(self, owner, name):
        self._name = name

    def __get__(self, instance, owner=None):
        raise AttributeError(f"{owner.__name__} has no attribute {self._name!r}")


class LSTMMixin:
    """Parameters, network, data checks and training shared by the estimators.

    The concrete estimators add the target checks and encoding
    (``_validate_target``, ``_encode_target``), the output layer
    (``_output_layer``) and the default loss (``_training_loss``); a
    regressor may also normalise the windows (``_normalize_inputs``) and set
    weights from the training data once the network is built
    (``_init_network``).
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
    # Parameters that shape the network: a warm start cannot change them.
    _architecture_params = (
        "units",
        "bidirectional",
        "dropout",
        "recurrent_dropout",
        "activation",
        "recurrent_activation",
        "dense_units",
    )
    # ... and those a warm start recompiles the network with.
    _compile_params = ("optimizer", "learning_rate", "loss", "metrics")

    initialize = _Hidden()
    initialized_ = _Hidden()
    current_epoch = _Hidden()
    target_encoder = _Hidden()
    feature_encoder = _Hidden()
    scorer = _Hidden()

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

    # -- parameters ----------------------------------------------------------

    @classmethod
    def _get_param_names(cls):
        return sorted(p for p in signature(cls.__init__).parameters if p != "self")

    def get_params(self, deep=True):
        """Get the parameters of this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Ignored: no parameter is an estimator.

        Returns
        -------
        params : dict
            The ``__init__`` parameters and their values.
        """
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Parameters
        ----------
        **params : dict
            ``__init__`` parameters and their new values.

        Returns
        -------
        self : estimator
            This estimator.

        Raises
        ------
        ValueError
            If a name is not a parameter of this estimator; then no
            parameter is set.
        """
        valid = self._get_param_names()
        for name in params:
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator "
                    f"{type(self).__name__}. Valid parameters are: {valid!r}."
                )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    # -- the lifecycle -------------------------------------------------------

    def _fit(self, X, y, sample_weight, validation_data, incremental, classes=None):
        """Train on ``X`` and ``y``: the one path of ``fit`` and ``partial_fit``.

        A first fit (or any ``fit`` without ``warm_start``) builds a new
        network; ``partial_fit`` and a warm start train the fitted one further
        with the current training settings. If anything fails or is
        interrupted (``KeyboardInterrupt``), the estimator gets back every
        attribute, weight and optimizer state it had before.
        """
        self._validate_params()
        first_pass = not (hasattr(self, "model_") and (incremental or self.warm_start))
        before = FittedState(self, warm=not first_pass)
        previous = getattr(self, "model_", None)
        try:
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the "
                    "target y is None"
                )
            X = self._validate_sequences(X, reset=first_pass)
            _check_array_like(y, "y")
            y = self._validate_target(y, reset=first_pass, classes=classes)
            check_consistent_length(X, y)
            sample_weight = self._sample_weight(y, sample_weight)
            validation = self._validation_arrays(validation_data)
            y_encoded = self._encode_target(y)
            n_train = len(X) - self._held_out_rows(len(X))
            arrays = (X, y_encoded, sample_weight)
            arrays = tuple(None if a is None else a[:n_train] for a in arrays)
            if first_pass:
                self._seed = int(
                    check_random_state(self.random_state).randint(_MAX_SEED)
                )
                self.model_ = network_for(self, self._keras_build_fn(X))
                self._init_network(*arrays[:2])
                self.history_ = {}
            else:
                self._check_architecture(X)
                self._update_training_settings()
            self._network_params = {
                name: getattr(self, name)
                for name in (*self._architecture_params, *self._compile_params)
            }
            train(self, arrays, validation, epochs=1 if incremental else self.epochs)
            self._after_training(X[n_train:], y[n_train:])
        except BaseException:
            if first_pass and getattr(self, "model_", None) is not previous:
                release(self.model_)
            before.restore(self)
            raise
        if first_pass:
            lease(self, self.model_)
        return self

    # -- data ----------------------------------------------------------------

    def _validate_sequences(self, X, reset):
        """Return ``X`` as float32 ``(n_samples, n_timesteps, n_features)``.

        A list of sequences is padded at the end with NaN (``pad_sequences``).
        """
        _check_array_like(X, "X")
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
        # Scalars and 1D input fail in validate_data with scikit-learn's message.
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
        return X

    def _sample_weight(self, y, sample_weight):
        """Float32 weights ``(n_samples,)`` of the training loss, or None."""
        return _as_weights(sample_weight, len(y))

    def _validation_arrays(self, validation_data):
        """``(X, y_encoded, sample_weight)`` held out to compute ``val_loss``."""
        if validation_data is None:
            return None
        if self.validation_split:
            raise ValueError(
                "pass validation_data or validation_split, not both: "
                f"validation_split={self.validation_split}"
            )
        if not isinstance(validation_data, tuple | list) or len(
            validation_data
        ) not in (2, 3):
            raise TypeError(
                "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
                f"sample_weight_val), got {type(validation_data).__name__}"
            )
        X, y, *weight = validation_data
        X = self._validate_sequences(X, reset=False)
        _check_array_like(y, "y")
        y = self._validate_target(y, reset=False)
        check_consistent_length(X, y)
        weight = _as_weights(weight[0] if weight else None, len(y))
        return X, self._encode_target(y), weight

    # -- the network ---------------------------------------------------------

    def _keras_build_fn(self, X):
        """Build the network for the training sequences ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_timesteps, n_features), float32
            The training sequences (for the shape, and for layers that adapt
            to the data). If they hold padding (sequences of different
            lengths), the network starts with a ``PaddingMask`` layer that
            masks it. Only padded input gets one: masks keep the torch backend
            off cuDNN and make the other backends' step loop do more work.
            With window normalisation (``_normalize_inputs``), its reference
            rows go to ``_output_layer`` too.

        Returns
        -------
        model : keras.Model
            Uncompiled; input ``(batch, None, n_features)``: the time axis is
            free, so a network trained on windows of 50 predicts on windows
            of 60.
        """
        prepare_process()
        warn_if_not_fused(self)
        next_seed = _seed_stream(self._seed)
        inputs = keras.Input(shape=(None, X.shape[2]))
        x, reference = self._normalize_inputs(inputs)
        x = PaddingMask()(x) if is_padded(X) else x
        sizes = _layer_sizes("units", self.units)
        for i, size in enumerate(sizes):
            x = self._lstm_layer(size, i < len(sizes) - 1, next_seed)(x)
        for size in _layer_sizes("dense_units", self.dense_units, allow_empty=True):
            x = keras.layers.Dense(
                size,
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
            )(x)
        return keras.Model(inputs, self._output_layer(x, next_seed, reference))

    def _normalize_inputs(self, inputs):
        """The windows the LSTM sees, and their reference rows or None."""
        return inputs, None

    def _init_network(self, X, y_encoded):
        """Set weights of the new, compiled ``model_`` from the training data.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_timesteps, n_features)
            The training sequences.
        y_encoded : ndarray
            The targets, as the network sees them.
        """

    def _held_out_rows(self, n_samples):
        """How many of the last of ``n_samples`` rows training leaves out.

        The network trains on the rows before them, and
        :meth:`_after_training` gets them once it has; none by default.
        """
        return 0

    def _after_training(self, X_held_out, y_held_out):
        """Set fitted attributes from the rows training left out.

        Runs inside the fit, so that a failure here undoes it too.

        Parameters
        ----------
        X_held_out : ndarray of shape (n_held_out, n_timesteps, n_features)
            The validated sequences, float32, padded with NaN.
        y_held_out : ndarray of shape (n_held_out,) or (n_held_out, n_outputs)
            Their validated targets.
        """

    def _lstm_layer(self, units, return_sequences, next_seed):
        def lstm(**kwargs):
            return _LSTM(
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

    def _compile(self, model, optimizer, params):
        """Compile ``model`` with ``optimizer``, loss and metrics from ``params``."""
        metrics = params["metrics"]
        metrics = [metrics] if isinstance(metrics, str) else metrics or ()
        forget(model)
        model.compile(
            optimizer=optimizer,
            # Losses hold no state, and a copy can lose settings: Keras's
            # Huber.get_config() drops ``delta``.
            loss=self._training_loss(params["loss"]),
            metrics=[_fresh(m) for m in metrics],
        )

    def _check_architecture(self, X):
        """Refuse a warm start that would need another network."""
        for name in self._architecture_params:
            new, built = getattr(self, name), self._network_params[name]
            if name in ("units", "dense_units"):
                # 2 and (2,) build the same layers.
                new = _layer_sizes(name, new, allow_empty=True)
                built = _layer_sizes(name, built, allow_empty=True)
            if not _same(new, built):
                raise ValueError(
                    f"{name}={getattr(self, name)!r} differs from the "
                    f"{name}={self._network_params[name]!r} of the fitted network: "
                    "a warm start cannot change the network; fit a new one "
                    "(warm_start=False)"
                )
        if is_padded(X) and not has_padding_mask(self.model_):
            raise ValueError(
                "X holds sequences of different lengths, but this network was "
                "built for sequences of one length: fit a new one on them "
                "(warm_start=False)"
            )

    def _update_training_settings(self):
        """Give the fitted network the current optimizer, loss and metrics.

        The optimizer keeps its state (moments, step count) unless the
        ``optimizer`` parameter changed; a new ``learning_rate`` is set on
        it. Compiling again happens only when something changed, since it
        makes Keras trace the training step anew.
        """
        built = self._network_params
        optimizer = self.model_.optimizer
        if not _same(self.optimizer, built["optimizer"]):
            optimizer = self._make_optimizer()
        elif not isinstance(self.optimizer, keras.optimizers.Optimizer):
            optimizer.learning_rate = self.learning_rate
        unchanged = all(_same(getattr(self, p), built[p]) for p in ("loss", "metrics"))
        if optimizer is not self.model_.optimizer or not unchanged:
            self._compile(self.model_, optimizer, self.get_params())

    # -- prediction ----------------------------------------------------------

    def _predict_raw(self, X):
        """Network outputs for ``X``, shape ``(n_samples, n_outputs)``."""
        check_is_fitted(self)
        return predict_outputs(self.model_, self._validate_sequences(X, reset=False))

    # -- scikit-learn --------------------------------------------------------

    def __copy__(self):
        # A shallow copy shares the network, so it owns it too: the pool of
        # networks reused across fits takes it back once both are gone.
        copied = type(self).__new__(type(self))
        copied.__dict__.update(self.__dict__)
        if "model_" in self.__dict__:
            lease(copied, self.model_)
        return copied

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's repr (changed parameters only), not scikeras's.
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags
