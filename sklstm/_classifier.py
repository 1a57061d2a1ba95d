"""LSTMClassifier: an LSTM network with a sigmoid or softmax output layer."""

import keras
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_array, column_or_1d

from sklstm._base import LSTMMixin
from sklstm._no_tensorflow import BaseWrapper


def _is_loss(loss, names, loss_class):
    """Whether ``loss`` is Keras's loss ``loss_class``, by name or object."""
    return (
        loss in names
        or isinstance(loss, loss_class)
        or getattr(loss, "__name__", None) == names[0]
    )


def _is_binary_crossentropy(loss):
    """Whether ``loss`` expects one sigmoid output (plain or focal)."""
    return _is_loss(
        loss,
        ("binary_crossentropy", "bce", "BinaryCrossentropy"),
        keras.losses.BinaryCrossentropy,
    ) or _is_loss(
        loss,
        ("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
        keras.losses.BinaryFocalCrossentropy,
    )


def _is_categorical_crossentropy(loss):
    """Whether ``loss`` expects one-hot encoded labels."""
    return _is_loss(
        loss,
        ("categorical_crossentropy", "cce", "CategoricalCrossentropy"),
        keras.losses.CategoricalCrossentropy,
    )


class LSTMClassifier(ClassifierMixin, LSTMMixin, BaseWrapper):
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
        (or binary focal) cross-entropy selects the softmax output; with
        ``"categorical_crossentropy"`` the labels are one-hot encoded. A
        binary loss with more than two classes raises ``ValueError``.
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
        ``recurrent_activation``, ``dense_units``) raises ``ValueError``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, keyed by label, multiplied into
        ``sample_weight``; ``"balanced"`` weighs classes inversely to their
        frequency in ``y``; ``partial_fit`` refuses it, since one batch
        does not show the frequencies of the whole data.

    Attributes
    ----------
    model_ : keras.Model
        The trained network, input ``(batch, None, n_features)``. It belongs
        to the estimator: once the estimator is fitted anew or deleted, a
        later fit of the same architecture may reuse this network object
        (see :doc:`/performance`); to keep it, save the estimator or copy the
        network (``keras.models.clone_model`` and ``set_weights``).
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

    A fit that fails or is interrupted (``ValueError``, a
    ``FloatingPointError`` when the loss diverges, ``KeyboardInterrupt``)
    leaves the estimator exactly as it was before the call.

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

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train a new network on labelled sequences.

        With ``warm_start=True`` and a fitted network, train that network
        further instead (:term:`warm_start`); ``y`` may then hold only labels
        of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, or a list of sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,)
            Labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss, multiplied by
            ``class_weight``.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, \
                sample_weight_val), default=None
            Held-out data to compute ``val_loss`` on after each epoch (which
            ``early_stopping`` then monitors), instead of
            ``validation_split``.

        Returns
        -------
        self : LSTMClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the network for one more epoch, building it on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences, or a list of sequences of shape
            ``(n_timesteps_i, n_features)`` whose lengths may differ.
        y : array-like of shape (n_samples,)
            Labels, all of them in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All labels across calls. On the first call, ``None`` takes the
            labels of ``y``; on later calls it must be ``None`` or equal
            ``classes_``, as in scikit-learn's incremental classifiers.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss, multiplied by
            ``class_weight``.

        Returns
        -------
        self : LSTMClassifier
            The updated estimator.
        """
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            # One batch's class frequencies are not those of the whole data.
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: "
                "compute the weights over all the data with "
                "sklearn.utils.class_weight.compute_class_weight and pass them "
                "as a dict, class_weight={label: weight}"
            )
        return self._fit(X, y, sample_weight, None, incremental=True, classes=classes)

    def score(self, X, y, sample_weight=None):
        """Return the accuracy of the predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Sequences.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
            Fraction of ``self.predict(X)`` equal to ``y``, as
            :func:`sklearn.metrics.accuracy_score` computes it.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def _validate_target(self, y, reset, classes=None):
        """Check the labels ``y``; set ``classes_`` on a first fit."""
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. LSTMClassifier supports "
                f"binary and multiclass targets, got y of shape {y.shape}"
            )
        if classes is not None and not reset:
            classes = unique_labels(classes)
            if not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()!r} is not the same as on the "
                    f"last call to partial_fit, was: {self.classes_.tolist()!r}"
                )
        if reset:
            self.classes_ = unique_labels(y if classes is None else classes)
            self.n_classes_ = len(self.classes_)
            if self.n_classes_ < 2:
                raise ValueError(
                    "LSTMClassifier needs samples of at least 2 classes in y, "
                    f"got only one class: {self.classes_[0]!r}"
                )
            self._check_loss()
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()!r} that are not in classes_ "
                f"{self.classes_.tolist()!r}"
            )
        return y

    def _check_loss(self):
        if self.n_classes_ > 2 and _is_binary_crossentropy(self.loss):
            raise ValueError(
                f"loss={self.loss!r} is for two classes, but y has "
                f"{self.n_classes_}: use loss=None (sparse categorical "
                "cross-entropy) or 'categorical_crossentropy'"
            )

    def _check_architecture(self, X):
        super()._check_architecture(X)
        self._check_loss()
        if self._output_units() != self.model_.output_shape[-1]:
            raise ValueError(
                f"loss={self.loss!r} needs {self._output_units()} output(s), but "
                f"the fitted network has {self.model_.output_shape[-1]}: a warm "
                "start cannot change the network; fit a new one "
                "(warm_start=False)"
            )

    def _sample_weight(self, y, sample_weight):
        sample_weight = super()._sample_weight(y, sample_weight)
        if self.class_weight is None:
            return sample_weight
        if isinstance(self.class_weight, dict):
            unknown = set(self.class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight has keys {sorted(unknown, key=str)!r} that are "
                    f"not classes of the estimator, classes_="
                    f"{self.classes_.tolist()!r}"
                )
        # Weighed against classes_, not the labels of this batch, as
        # scikit-learn's SGDClassifier does: a batch may lack a class.
        by_class = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        weights = by_class[np.searchsorted(self.classes_, y)].astype(np.float32)
        return weights if sample_weight is None else sample_weight * weights

    def _encode_target(self, y):
        """Class indices ``(n_samples, 1)``, one-hot for categorical losses."""
        index = LabelEncoder().fit(self.classes_).transform(y)
        if _is_categorical_crossentropy(self.loss):
            return np.eye(self.n_classes_, dtype=np.float32)[index]
        return index.astype(np.float32)[:, np.newaxis]

    def _output_units(self):
        """1 (sigmoid) for binary cross-entropy, the default for two classes."""
        binary = self.loss is None or _is_binary_crossentropy(self.loss)
        return 1 if self.n_classes_ == 2 and binary else self.n_classes_

    def _output_layer(self, x, next_seed, reference):
        # reference is always None: a classifier does not normalise windows.
        units = self._output_units()
        dense = keras.layers.Dense(
            units,
            activation="sigmoid" if units == 1 else "softmax",
            kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
        )
        return dense(x)

    def _training_loss(self, loss):
        if loss is not None:
            return loss
        if self.n_classes_ == 2:
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

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
