"""LSTMClassifier: an LSTM network with a sigmoid or softmax output layer."""

import keras
import numpy as np
from scikeras.utils.transformers import _is_categorical_crossentropy
from scikeras.wrappers import BaseWrapper, KerasClassifier
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import column_or_1d

from sklstm._base import LSTMMixin


def _is_binary_crossentropy(loss):
    """Whether ``loss`` expects one sigmoid output (the default for 2 classes)."""
    return (
        loss in (None, "binary_crossentropy", "bce", "BinaryCrossentropy")
        or isinstance(loss, keras.losses.BinaryCrossentropy)
        or getattr(loss, "__name__", None) == "binary_crossentropy"
    )


class LSTMClassifier(LSTMMixin, KerasClassifier):
    """Long short-term memory network classifier.

    Builds, compiles and trains a Keras LSTM network from plain
    hyperparameters to label whole sequences: stacked (optionally
    bidirectional) LSTM layers, optional hidden ``Dense`` layers, and a
    sigmoid (two classes) or softmax (more classes) output layer. Labels may
    be of any type (ints, strings); :meth:`predict` returns the label with
    the highest probability, as Keras's old ``predict_classes`` did.

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
        Training loss; ``None`` means ``"binary_crossentropy"`` (one sigmoid
        output) for two classes and ``"sparse_categorical_crossentropy"``
        (softmax over the classes) for more. Any loss other than binary
        cross-entropy selects the softmax output; with
        ``"categorical_crossentropy"`` the labels are one-hot encoded.
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
        instead of building a new one.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, keyed by label, multiplied into
        ``sample_weight``; ``"balanced"`` weighs classes inversely to their
        frequency in ``y``.

    Attributes
    ----------
    model_ : keras.Model
        The trained network, input ``(batch, None, n_features)``.
    history_ : dict of str to list of float
        Per-epoch loss, ``val_loss`` and metrics, as in
        ``keras.callbacks.History``.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features seen during :term:`fit`: ``X.shape[2]`` for 3D
        input, the number of columns (time steps) for 2D input.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns of a 2D DataFrame seen during :term:`fit`.

    See Also
    --------
    LSTMRegressor : The same network with a linear output layer.

    Notes
    -----
    ``X`` is 3D ``(n_samples, n_timesteps, n_features)``; a 2D ``X``
    ``(n_samples, n_timesteps)`` is read as univariate sequences. A list of
    sequences ``(n_timesteps_i, n_features)`` of different lengths is padded
    at the end and the padding is masked, so it changes no prediction (see
    :func:`sequences_from_frame`). ``y`` holds
    one label per sequence, of two or more classes. :meth:`score` is
    accuracy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 5, 2))
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = LSTMClassifier(units=4, epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (20, 2)
    >>> sorted(set(clf.predict(X)) - set(clf.classes_))
    []
    """

    _parameter_constraints = {
        **LSTMMixin._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        class_weight=None,
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
        self.class_weight = class_weight

    # scikeras's KerasClassifier.fit/partial_fit multiply class weights into
    # the caller's sample_weight array in place; sklstm applies them to the
    # encoded target instead (``_fit_keras_model``) and skips that step.
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a new network and train it on labelled sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, or a list of sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,)
            Labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.
        **kwargs : dict
            Extra arguments for ``keras.Model.fit``.

        Returns
        -------
        self : LSTMClassifier
            The fitted estimator.
        """
        self.classes_ = None
        return BaseWrapper.fit(self, X, y, sample_weight=sample_weight, **kwargs)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train the network for one more epoch, building it if needed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, or a list of sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All labels across calls; required on the first call if ``y``
            does not hold them all.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.
        **kwargs : dict
            Extra arguments for ``keras.Model.fit``.

        Returns
        -------
        self : LSTMClassifier
            The updated estimator.
        """
        if classes is not None:
            self.classes_ = np.asarray(classes)
        elif not hasattr(self, "classes_"):
            self.classes_ = None
        return BaseWrapper.partial_fit(
            self, X, y, sample_weight=sample_weight, **kwargs
        )

    def _validate_target(self, y, reset):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        _, y = KerasClassifier._validate_data(self, y=y, reset=reset)
        if reset and self.target_type_ not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {self.target_type_!r}. LSTMClassifier "
                f"supports binary and multiclass targets, got y of shape {y.shape}"
            )
        if reset and self.classes_ is None and np.unique(y).size < 2:
            raise ValueError(
                "LSTMClassifier needs samples of at least 2 classes in y, "
                f"got only one class: {np.unique(y)[0]}"
            )
        return y

    def _fit_keras_model(self, X, y, sample_weight, *args, **kwargs):
        if self.target_type_ == "binary" and _is_categorical_crossentropy(self.loss):
            # scikeras one-hot encodes multiclass targets only; a softmax over
            # two classes needs them one-hot too.
            y = np.eye(2, dtype=y.dtype)[y.reshape(-1).astype(int)]
        if self.class_weight is not None:
            weights = self._class_weight_per_sample(y)
            sample_weight = (
                weights if sample_weight is None else sample_weight * weights
            )
        return super()._fit_keras_model(X, y, sample_weight, *args, **kwargs)

    def _class_weight_per_sample(self, y_encoded):
        """Weights of ``class_weight`` for encoded targets, shape (n_samples,)."""
        index = y_encoded.reshape(len(y_encoded), -1)
        index = index.argmax(axis=1) if index.shape[1] > 1 else index[:, 0]
        index = index.astype(int)
        if self.class_weight == "balanced":
            return compute_sample_weight("balanced", index).astype(np.float32)
        weights = np.array([self.class_weight.get(c, 1.0) for c in self.classes_])
        return weights[index].astype(np.float32)

    def _output_layer(self, x, next_seed):
        initializer = keras.initializers.GlorotUniform(next_seed())
        if self.n_classes_ == 2 and _is_binary_crossentropy(self.loss):
            dense = keras.layers.Dense(
                1, activation="sigmoid", kernel_initializer=initializer
            )
            return dense(x), self.loss or "binary_crossentropy"
        dense = keras.layers.Dense(
            self.n_classes_, activation="softmax", kernel_initializer=initializer
        )
        return dense(x), self.loss or "sparse_categorical_crossentropy"

    def predict_proba(self, X):
        """Predict the probability of each class for each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences; ``n_timesteps`` may differ from ``fit`` for 3D input,
            and between the sequences of a list.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``; rows sum to 1.
        """
        proba = self._predict_raw(X).astype(np.float64)
        if proba.shape[1] == 1:
            proba = np.hstack([1.0 - proba, proba])
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predict the label of each sequence: the argmax of predict_proba.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences; ``n_timesteps`` may differ from ``fit`` for 3D input,
            and between the sequences of a list.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the type of ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(poor_score=True, multi_label=False)
        return tags
