"""LSTMRegressor: an LSTM network with a linear or a quantile output layer."""

import math
from numbers import Real

import keras
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils import RegressorTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
)

from sklstm._base import LSTMMixin
from sklstm._conformal import check_coverage, min_calibration_size
from sklstm._forward import predict_outputs
from sklstm._no_tensorflow import BaseWrapper
from sklstm._quantiles import (
    MEDIAN,
    NonCrossingQuantiles,
    PinballLoss,
    check_quantiles,
    conformalized_interval,
    interval_from_quantiles,
    interval_levels,
)
from sklstm._trend import add_reference_skip, fit_skip, gate_outputs, normalize_inputs


def _has_quantiles(estimator):
    return estimator.quantiles is not None


class LSTMRegressor(RegressorMixin, LSTMMixin, BaseWrapper):
    """Long short-term memory network regressor.

    Builds, compiles and trains a Keras LSTM network from plain
    hyperparameters: stacked (optionally bidirectional) LSTM layers, optional
    hidden ``Dense`` layers, and one linear output per target. It forecasts
    the next value(s) of a series from windows of its past, inside a
    :class:`~sklearn.pipeline.Pipeline` with
    :class:`~sklstm.SlidingWindowTransformer` or on windows from
    :func:`~sklstm.make_windows`. With ``quantiles``, it learns quantiles of
    the targets and predicts calibrated intervals.

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
        Training loss; ``None`` means ``"mse"``, or the pinball loss with
        ``quantiles`` (which then refuses any other loss).
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
        ``recurrent_activation``, ``dense_units``, ``normalize``,
        ``quantiles``) raises ``ValueError``.
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
    quantiles : array-like of float, default=None
        Quantile levels in (0, 1), strictly increasing, to learn instead of a
        point forecast: one output per level and target, trained with the
        pinball loss, whose minimizer is the quantile. The median (0.5) is
        always learned, added if missing, and :meth:`predict` returns it.
        The quantiles never cross: each level above (below) the median adds
        (subtracts) a non-negative increment. Enables
        :meth:`predict_quantiles` and :meth:`predict_interval`.
    calibration_fraction : float in [0, 1), default=0.2
        With ``quantiles``, the fraction of the training rows, taken from the
        end (the latest windows of a time-ordered series), that the network
        does not train on and :meth:`predict_interval` calibrates the
        intervals on. ``validation_split`` then applies to the rows before
        them. 0 trains on every row and gives the raw quantile intervals.
        Ignored without ``quantiles``.

    Attributes
    ----------
    model_ : keras.Model
        The trained network, input ``(batch, None, n_features)``, output
        ``(batch, n_outputs * n_quantiles)`` (one column per target without
        ``quantiles``). It belongs to the estimator: once the estimator is
        fitted anew or deleted, a later fit of the same architecture may
        reuse this network object (see :doc:`/performance`); to keep it,
        save the estimator or copy the network (``keras.models.clone_model``
        and ``set_weights``).
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
    quantiles_ : tuple of float or None
        The quantile levels learned, 0.5 included; None without
        ``quantiles``.
    calibration_quantiles_ : ndarray of shape (n_calibration, n_outputs, \
            n_quantiles) or None
        The quantiles predicted for the calibration rows; None without
        calibration.
    calibration_targets_ : ndarray of shape (n_calibration, n_outputs) or None
        The targets of the calibration rows; None without calibration.

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

    With ``quantiles`` and ``calibration_fraction > 0``, each call to
    :meth:`fit` or :meth:`partial_fit` trains on all but the last rows it is
    given and keeps the quantiles the trained network predicts for those
    last rows, with their targets, to calibrate :meth:`predict_interval`.
    Rows in time order make this the split-conformal calibration of a
    forecaster on its most recent past. With targets ``H`` steps ahead
    (``make_windows(horizon=H)``), the last ``H - 1`` training rows share
    target values with the first calibration rows, a small optimism when the
    calibration rows are many more than ``H``.

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
    >>> reg = LSTMRegressor(units=4, epochs=2, quantiles=(0.1, 0.9), random_state=0)
    >>> reg.fit(X, y).predict_quantiles(X).shape
    (10, 3)
    """

    _parameter_constraints = {
        **LSTMMixin._parameter_constraints,
        "normalize": [StrOptions({"last", "mean"}), None],
        "quantiles": ["array-like", None],
        "calibration_fraction": [Interval(Real, 0, 1, closed="left")],
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
        quantiles=None,
        calibration_fraction=0.2,
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
        self.quantiles = quantiles
        self.calibration_fraction = calibration_fraction

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
        outputs = self._quantile_outputs(X)
        y_pred = outputs[..., (self.quantiles_ or (MEDIAN,)).index(MEDIAN)]
        return y_pred[:, 0] if self._y_ndim == 1 else y_pred

    @available_if(_has_quantiles)
    def predict_quantiles(self, X):
        """Predict the learned quantiles of the target(s) of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or \
                (n_samples, n_outputs, n_quantiles)
            The quantiles at the levels ``quantiles_``, non-decreasing along
            the last axis; a target axis for a 2D ``y``.
        """
        quantiles = self._quantile_outputs(X, require_quantiles=True)
        return quantiles[:, 0] if self._y_ndim == 1 else quantiles

    @available_if(_has_quantiles)
    def predict_interval(self, X, coverage=0.9):
        """Predict an interval meant to hold the target with probability ``coverage``.

        Conformalized quantile regression: the central interval of the
        predicted quantiles, at levels ``(1 - coverage) / 2`` and ``(1 +
        coverage) / 2`` (interpolated linearly between learned levels, and
        taken at the outermost ones beyond them), is widened or narrowed by
        the amount that puts ``ceil((n + 1) * coverage)`` of the ``n``
        calibration rows inside, for each target (or step ahead) apart. For a
        new sample exchangeable with the calibration rows, the interval then
        holds the target with probability at least ``coverage``, however good
        the network's fit; on a series, this holds as far as the recent past
        resembles the future. Bounds never cross the median. Fitted with
        ``calibration_fraction=0``, the interval is the raw (interpolated)
        quantiles, without guarantee.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences.
        coverage : float in (0, 1), default=0.9
            Nominal probability that the interval holds the target.

        Returns
        -------
        y_interval : ndarray of shape (n_samples, 2) or (n_samples, n_outputs, 2)
            Lower and upper bounds on the last axis; a target axis for a 2D
            ``y``.

        Raises
        ------
        TypeError
            If ``coverage`` is not a real number.
        ValueError
            If ``coverage`` is not in (0, 1); with calibration, if
            the fit kept too few calibration rows for it (at least
            ``ceil(coverage / (1 - coverage))``: 9 for 0.9, 19 for 0.95);
            without, if it needs quantiles beyond the learned levels.
        """
        coverage = check_coverage(coverage)
        quantiles = self._quantile_outputs(X, require_quantiles=True)
        if self.calibration_targets_ is None:
            self._check_levels_cover(coverage)
            interval = np.stack(
                interval_from_quantiles(quantiles, self.quantiles_, coverage), axis=-1
            )
        else:
            self._check_calibration_size(coverage)
            interval = conformalized_interval(
                quantiles,
                self.calibration_quantiles_,
                self.calibration_targets_,
                self.quantiles_,
                coverage,
            )
        return interval[:, 0] if self._y_ndim == 1 else interval

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

    def _quantile_levels(self):
        """The checked levels to learn, or None without ``quantiles``."""
        if self.quantiles is None:
            return None
        levels = check_quantiles(self.quantiles)
        if self.loss is not None:
            raise ValueError(
                f"loss={self.loss!r} cannot be combined with "
                f"quantiles={self.quantiles!r}: a quantile network trains with "
                "the pinball loss; leave loss=None"
            )
        return levels

    def _held_out_rows(self, n_samples):
        """The calibration rows: the last ``calibration_fraction`` of them."""
        if self._quantile_levels() is None or not self.calibration_fraction:
            return 0
        # Rounded as validation_split is, so that the two fractions agree.
        n_fit = math.floor(n_samples * (1.0 - self.calibration_fraction))
        if n_fit in (0, n_samples):
            what = "training" if n_fit == 0 else "calibration"
            raise ValueError(
                f"calibration_fraction={self.calibration_fraction} leaves no "
                f"{what} samples of n_samples={n_samples}; use more rows, or "
                "calibration_fraction=0 for uncalibrated intervals"
            )
        return n_samples - n_fit

    def _after_training(self, X_held_out, y_held_out):
        """Keep the calibration rows' predicted quantiles and targets."""
        self.quantiles_ = self._quantile_levels()
        if not len(X_held_out):
            self.calibration_quantiles_ = self.calibration_targets_ = None
            return
        outputs = predict_outputs(self.model_, X_held_out).astype(np.float64)
        self.calibration_quantiles_ = outputs.reshape(len(outputs), self.n_outputs_, -1)
        self.calibration_targets_ = y_held_out.reshape(len(y_held_out), -1).astype(
            np.float64
        )

    def _quantile_outputs(self, X, require_quantiles=False):
        """Network outputs, shape ``(n_samples, n_outputs, n_quantiles)``.

        Without quantiles, the last axis holds the point prediction alone.
        """
        check_is_fitted(self)
        if require_quantiles and self.quantiles_ is None:
            raise NotFittedError(
                f"This {type(self).__name__} was fitted with quantiles=None; "
                "fit it again to predict quantiles or intervals"
            )
        outputs = self._predict_raw(X).astype(np.float64)
        return outputs.reshape(len(outputs), self.n_outputs_, -1)

    def _check_levels_cover(self, coverage):
        """Refuse a raw interval whose bounds lie beyond the learned levels."""
        low, high = interval_levels(coverage)
        levels = self.quantiles_
        # The tolerance lets coverage=0.9 use the levels 0.05 and 0.95 that
        # (1 - 0.9) / 2 = 0.04999999999999999 stands for.
        if low < levels[0] - 1e-9 or high > levels[-1] + 1e-9:
            raise ValueError(
                f"coverage={coverage} needs the quantiles {low:.4g} and "
                f"{high:.4g}, beyond the learned levels {levels[0]} to "
                f"{levels[-1]}: learn them (quantiles) or calibrate the "
                "intervals (calibration_fraction > 0)"
            )

    def _check_calibration_size(self, coverage):
        """Refuse a coverage that the calibration rows cannot guarantee."""
        n, needed = len(self.calibration_targets_), min_calibration_size(coverage)
        if n < needed:
            raise ValueError(
                f"coverage={coverage} needs at least {needed} calibration rows, "
                f"but the fit kept {n}: fit on more rows or a larger "
                f"calibration_fraction, or ask for coverage <= {n / (n + 1):.3g}"
            )

    def _check_architecture(self, X):
        # Compared as the levels learned: [0.1, 0.9] and (0.1, 0.5, 0.9) are
        # the same network.
        levels = None if self.quantiles is None else check_quantiles(self.quantiles)
        if levels != self.quantiles_:
            raise ValueError(
                f"quantiles={self.quantiles!r} differs from the quantiles_="
                f"{self.quantiles_!r} of the fitted network: a warm start cannot "
                "change the network; fit a new one (warm_start=False)"
            )
        super()._check_architecture(X)

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
        # gate that starts closed and a skip that _init_network fits. The
        # gate comes before the quantile head, which turns whatever it passes
        # into ordered quantiles, and the skip goes to each target's median,
        # on which the head builds the other quantiles.
        levels = None if self.quantiles is None else check_quantiles(self.quantiles)
        n_levels = len(levels or (MEDIAN,))
        dense = keras.layers.Dense(
            self.n_outputs_ * n_levels,
            kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
        )
        outputs = gate_outputs(dense(x), reference)
        if levels is None:
            return add_reference_skip(outputs, reference)
        median = levels.index(MEDIAN)
        outputs = add_reference_skip(outputs, reference, n_levels, median)
        return NonCrossingQuantiles(levels)(outputs)

    def _init_network(self, X, y_encoded):
        fit_skip(self.model_, X, y_encoded)

    def _training_loss(self, loss):
        if self.quantiles is not None:
            return PinballLoss(check_quantiles(self.quantiles))
        return loss or "mse"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags(poor_score=True)
        tags.target_tags.multi_output = True
        return tags
