"""LSTMRegressor: an LSTM network with a linear output layer."""

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper
from sklearn.base import RegressorMixin
from sklearn.utils import RegressorTags
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array

from sklstm._base import LSTMMixin
from sklstm._trend import add_reference_skip, fit_skip, gate_outputs, normalize_inputs


class LSTMRegressor(RegressorMixin, LSTMMixin, BaseWrapper):
    """Long short-term memory network regressor.

    Builds, compiles and trains a Keras LSTM network from plain
    hyperparameters: stacked (optionally bidirectional) LSTM layers, optional
    hidden ``Dense`` layers, and one linear output per target. It forecasts
    the next value(s) of a series from windows of its past, inside a
    :class:`~sklearn.pipeline.Pipeline` with
    :class:`~sklstm.SlidingWindowTransformer` or on windows from
    :func:`~sklstm.make_windows`.

    Parameters
    ----------
    units : int or tuple of int, default=32
        Units of the LSTM layer, or of each stacked layer (all but the last
        return sequences).
    bidirectional : bool, default=False
        Wrap each LSTM layer in ``keras.layers.Bidirectional``.
    dropout : float in [0, 1), default=0.0
        Fraction of the inputs dropped in each LSTM layer during training.
    recurrent_dropout : float in [0, 1), default=0.0
        Fraction of the recurrent state dropped during training.
    activation : str or callable, default="tanh"
        Activation of the LSTM cell output, as in ``keras.layers.LSTM``.
    recurrent_activation : str or callable, default="sigmoid"
        Activation of the LSTM gates, as in ``keras.layers.LSTM``.
    dense_units : tuple of int, default=()
        Units of hidden ReLU ``Dense`` layers between the LSTM stack and the
        output layer.
    optimizer : str, keras.optimizers.Optimizer or class, default="adam"
        Optimizer name (``"adam"``, ``"rmsprop"``, ``"sgd"``...) or class,
        built with ``learning_rate``; an optimizer instance is copied and
        keeps its own settings.
    learning_rate : float, default=0.001
        Learning rate of an optimizer given by name or class.
    loss : str, keras.losses.Loss or callable, default=None
        Training loss; ``None`` means ``"mse"``.
    metrics : list of str or keras.metrics.Metric, default=None
        Extra Keras metrics recorded in ``history_`` each epoch.
    epochs : int, default=10
        Passes over the training data.
    batch_size : int, default=32
        Samples per gradient update; ``None`` means 32.
    validation_split : float in [0, 1), default=0.0
        Fraction of the training rows, taken from the end before shuffling
        (as in Keras), held out to compute ``val_loss`` each epoch.
    shuffle : bool, default=True
        Reshuffle the training rows every epoch.
    early_stopping : int, default=None
        Patience in epochs: stop when ``val_loss`` (``loss`` without
        validation data) stops improving, and restore the best weights.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra callbacks passed to ``keras.Model.fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout masks and shuffling. An int makes two fits
        give the same predictions, on every Keras backend, without changing
        any global random state. See :term:`Glossary <random_state>`.
    verbose : int, default=0
        Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``
        instead of building a new one, as :meth:`partial_fit` does. Such a
        fit trains with the current ``optimizer``, ``learning_rate``,
        ``loss``, ``metrics`` and training settings; the optimizer keeps its
        state (moments, step count) unless ``optimizer`` changed. A changed
        parameter of the network itself (``units``, ``bidirectional``,
        ``dropout``, ``recurrent_dropout``, ``activation``,
        ``recurrent_activation``, ``dense_units``, ``normalize``) raises
        ``ValueError``.
    normalize : {"last", "mean"} or None, default=None
        Express each window relative to its last row (``"last"``) or the mean
        of its rows (``"mean"``) before the LSTM, and add back an affine
        function of that row, fitted by least squares on the training
        windows and kept fixed; a gate that starts at zero lets the LSTM's
        correction in during training. The forecast then follows a trend or
        a level beyond the range of the training data, where a scaler fitted
        on the training period maps inputs outside [0, 1] and the LSTM
        saturates. Tune it like any parameter
        (``{"lstm__normalize": [None, "last"]}``).

    Attributes
    ----------
    model_ : keras.Model
        The trained network, input ``(batch, None, n_features)``.
    history_ : dict of str to list of float
        Per-epoch loss, ``val_loss`` and metrics, as in
        ``keras.callbacks.History``.
    n_features_in_ : int
        Number of features seen during :term:`fit`: ``X.shape[2]`` for 3D
        input, the number of columns (time steps) for 2D input.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns of a 2D DataFrame seen during :term:`fit`.
    n_outputs_ : int
        Number of targets.

    See Also
    --------
    LSTMClassifier : The same network with a classification head.
    SlidingWindowTransformer : Turns a series into one window per row.
    make_windows : Windows plus aligned targets for supervised training.

    Notes
    -----
    ``X`` is 3D ``(n_samples, n_timesteps, n_features)``; a 2D ``X``
    ``(n_samples, n_timesteps)`` is read as univariate sequences. A list of
    sequences ``(n_timesteps_i, n_features)`` of different lengths is padded
    at the end and the padding is masked, so it changes no prediction (see
    :func:`sequences_from_frame`). ``y`` is
    ``(n_samples,)`` or ``(n_samples, n_outputs)`` (several series or several
    steps ahead). :meth:`score` is R², and :meth:`predict` returns float64.

    A fit that fails or is interrupted (``ValueError``, a
    ``FloatingPointError`` when the loss diverges, ``KeyboardInterrupt``)
    leaves the estimator exactly as it was before the call.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> X = np.linspace(0, 1, 40).reshape(10, 4)
    >>> y = X[:, -1] + 0.1
    >>> reg = LSTMRegressor(units=4, epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X).shape
    (10,)
    """

    _parameter_constraints = {
        **LSTMMixin._parameter_constraints,
        "normalize": [StrOptions({"last", "mean"}), None],
    }
    _architecture_params = (*LSTMMixin._architecture_params, "normalize")

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
        normalize=None,
    ):
        super().__init__(
            units,
            bidirectional=bidirectional,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            activation=activation,
            recurrent_activation=recurrent_activation,
            dense_units=dense_units,
            optimizer=optimizer,
            learning_rate=learning_rate,
            loss=loss,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            shuffle=shuffle,
            early_stopping=early_stopping,
            callbacks=callbacks,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
        )
        self.normalize = normalize

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train a new network on sequences and their targets.

        With ``warm_start=True`` and a fitted network, train that network
        further instead (:term:`warm_start`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, or a list of sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, \
                sample_weight_val), default=None
            Held-out data to compute ``val_loss`` on after each epoch (which
            ``early_stopping`` then monitors), instead of
            ``validation_split``.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """Train the network for one more epoch, building it on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, or a list of sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with the outputs of the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : LSTMRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, None, incremental=True)

    def predict(self, X):
        """Predict the target(s) of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences; ``n_timesteps`` may differ from ``fit`` for 3D input,
            and between the sequences of a list.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, shaped like the ``y`` seen in ``fit``.
        """
        y_pred = self._predict_raw(X).astype(np.float64)
        return y_pred[:, 0] if self._y_ndim == 1 else y_pred

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R² of the predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` against ``y``, averaged uniformly over
            the outputs, as :func:`sklearn.metrics.r2_score` computes it.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def _validate_target(self, y, reset, classes=None):
        """Check ``y``; ``classes`` is a classifier's and unused here."""
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self._y_ndim, self.n_outputs_ = y.ndim, n_outputs
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs, but {type(self).__name__} is "
                f"expecting {self.n_outputs_}: fit a new network on them "
                "(warm_start=False)"
            )
        return y

    def _encode_target(self, y):
        return y.reshape(len(y), -1).astype(np.float32)

    def _normalize_inputs(self, inputs):
        return normalize_inputs(inputs, self.normalize)

    def _output_layer(self, x, next_seed, reference):
        # With window normalisation, the reference rows come back through a
        # gate that starts closed and a skip that _init_network fits.
        dense = keras.layers.Dense(
            self.n_outputs_,
            kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
        )
        return add_reference_skip(gate_outputs(dense(x), reference), reference)

    def _init_network(self, X, y_encoded):
        fit_skip(self.model_, X, y_encoded)

    def _training_loss(self, loss):
        return loss or "mse"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags(poor_score=True)
        tags.target_tags.multi_output = True
        return tags
