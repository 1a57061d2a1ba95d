"""LSTMClassifier: labels, probabilities, weights."""

import keras
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import accuracy_score
from sklearn.utils.class_weight import compute_sample_weight

from sklstm import LSTMClassifier


def make_sequences(n_samples=60, n_classes=3, seed=0):
    """Sequences whose class is the sign pattern of their mean, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    X = rng.normal(scale=0.3, size=(n_samples, 5, 2))
    X[:, :, 0] += (y - (n_classes - 1) / 2)[:, None]
    return X, y


def test_binary_labels_of_any_type_with_one_sigmoid_output():
    X, y = make_sequences(n_classes=2)
    labels = np.array(["spam", "ham"])[y]
    clf = LSTMClassifier(units=4, epochs=1, random_state=0).fit(X, labels)
    assert_array_equal(clf.classes_, ["ham", "spam"])
    assert clf.n_classes_ == 2
    output = clf.model_.layers[-1]
    assert output.units == 1 and output.activation is keras.activations.sigmoid
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2) and proba.dtype == np.float64
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.predict(X).dtype == labels.dtype


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_sequences(n_classes=3)
    labels = pd.Series(np.array(["low", "mid", "high"])[y])
    clf = LSTMClassifier(units=8, epochs=30, learning_rate=0.02, random_state=0)
    return clf.fit(X, labels), X, labels


def test_multiclass_predicts_argmax_labels_and_learns(multiclass):
    clf, X, labels = multiclass
    assert_array_equal(clf.classes_, ["high", "low", "mid"])
    output = clf.model_.layers[-1]
    assert output.units == 3 and output.activation is keras.activations.softmax
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # separable classes: well above the 1/3 of chance
    assert clf.score(X, labels) == accuracy_score(labels, clf.predict(X))
    assert clf.score(X, labels) > 0.9


def test_categorical_crossentropy_one_hot_encodes_even_two_classes():
    X, y = make_sequences(n_classes=2)
    clf = LSTMClassifier(
        units=3, epochs=1, loss="categorical_crossentropy", random_state=0
    ).fit(X, y)
    assert clf.model_.layers[-1].units == 2
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


BINARY_LOSSES = [
    "binary_crossentropy",
    keras.losses.BinaryCrossentropy(),
    "binary_focal_crossentropy",
    keras.losses.BinaryFocalCrossentropy(),
    keras.losses.binary_focal_crossentropy,
]
BINARY_IDS = ["bce", "BinaryCrossentropy", "focal", "BinaryFocal", "focal-function"]


@pytest.mark.parametrize("loss", BINARY_LOSSES[1:], ids=BINARY_IDS[1:])
def test_binary_losses_keep_the_sigmoid_output(loss):
    X, y = make_sequences(n_samples=20, n_classes=2)
    clf = LSTMClassifier(units=2, epochs=1, loss=loss, random_state=0).fit(X, y)
    assert clf.model_.layers[-1].units == 1
    assert clf.predict_proba(X).shape == (20, 2)


@pytest.mark.parametrize(
    "class_weight", [{0: 1.0, 1: 4.0, 2: 0.5}, "balanced"], ids=["dict", "balanced"]
)
def test_class_weight_equals_the_matching_sample_weight(class_weight):
    X, y = make_sequences(n_samples=50, n_classes=3)
    weighted = LSTMClassifier(
        units=3, epochs=2, batch_size=8, random_state=0, class_weight=class_weight
    ).fit(X, y)
    sample_weight = compute_sample_weight(class_weight, y)
    by_sample = LSTMClassifier(units=3, epochs=2, batch_size=8, random_state=0)
    by_sample.fit(X, y, sample_weight=sample_weight)
    plain = LSTMClassifier(units=3, epochs=2, batch_size=8, random_state=0).fit(X, y)
    assert_allclose(weighted.predict_proba(X), by_sample.predict_proba(X), rtol=1e-5)
    assert not np.allclose(weighted.predict_proba(X), plain.predict_proba(X))


def test_class_weight_for_string_labels_and_sample_weight_left_untouched():
    X, y = make_sequences(n_samples=40, n_classes=2)
    labels = np.array(["no", "yes"])[y]
    sample_weight = np.linspace(0.5, 1.5, 40)
    original = sample_weight.copy()
    clf = LSTMClassifier(
        units=3, epochs=2, batch_size=8, random_state=0, class_weight={"yes": 3.0}
    ).fit(X, labels, sample_weight=sample_weight)
    assert_array_equal(sample_weight, original)
    combined = LSTMClassifier(units=3, epochs=2, batch_size=8, random_state=0)
    combined.fit(X, labels, sample_weight=original * np.where(y == 1, 3.0, 1.0))
    assert_allclose(clf.predict_proba(X), combined.predict_proba(X), rtol=1e-5)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.linspace(0, 1, 30), "Unknown label type: 'continuous'"),
        (np.eye(3, dtype=int)[np.arange(30) % 3][:, :2], "Unknown label type"),
        (np.zeros(30, dtype=int), "at least 2 classes"),
    ],
    ids=["continuous", "multilabel", "one-class"],
)
def test_unsupported_targets_are_named(y, match):
    X, _ = make_sequences(n_samples=30)
    with pytest.raises(ValueError, match=match):
        LSTMClassifier(units=2, epochs=1).fit(X, y)


def test_partial_fit_with_classes_knows_labels_not_yet_seen():
    X, y = make_sequences(n_samples=30, n_classes=3)
    clf = LSTMClassifier(units=3, random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(X).shape == (30, 3)
    clf.partial_fit(X, y)
    assert len(clf.history_["loss"]) == 2


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_sequences(n_samples=30, n_classes=3)
    return LSTMClassifier(units=2, epochs=1, random_state=0).fit(X, y), X, y


@pytest.mark.parametrize(
    "classes, y_slice",
    [([0, 1], slice(None)), ([0, 1, 2, 3], slice(None)), (None, slice(0, 3))],
    ids=["fewer-classes", "more-classes", "new-label"],
)
def test_partial_fit_refuses_other_classes(three_classes, classes, y_slice):
    clf, X, y = three_classes
    before = clf.predict_proba(X)
    y = y.copy()
    if classes is None:
        y[:3] = 7
        match = r"labels \[7\] that are not in classes_"
    else:
        match = "is not the same as on the last call to partial_fit"
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, y, classes=classes)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert_array_equal(clf.predict_proba(X), before)


def test_partial_fit_with_the_same_classes_continues(three_classes):
    clf, X, y = three_classes
    clf = LSTMClassifier(units=2, random_state=0).partial_fit(X, y, classes=[2, 1, 0])
    model = clf.model_
    clf.partial_fit(X[:10], y[:10], classes=[0, 1, 2])
    assert clf.model_ is model and len(clf.history_["loss"]) == 2


def test_class_weight_for_a_label_that_is_not_a_class_is_refused():
    X, y = make_sequences(n_samples=20, n_classes=2)
    labels = np.array(["no", "yes"])[y]
    clf = LSTMClassifier(units=2, epochs=1, class_weight={"yess": 3.0})
    with pytest.raises(ValueError, match=r"keys \['yess'\] that are not classes"):
        clf.fit(X, labels)


def test_partial_fit_refuses_balanced_class_weight():
    X, y = make_sequences(n_samples=12, n_classes=2)
    clf = LSTMClassifier(units=2, class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize("method", ["partial_fit", "warm_fit"])
def test_class_weight_for_a_class_missing_from_the_batch_is_accepted(method):
    X, y = make_sequences(n_samples=20, n_classes=3)
    labels = np.array(["no", "yes", "c"])[y]
    batch = y < 2
    clf = LSTMClassifier(
        units=2, epochs=1, random_state=0, class_weight={"c": 3.0, "yes": 2.0}
    )
    plain = LSTMClassifier(units=2, epochs=1, random_state=0)
    weights = np.array([1.0, 2.0, 3.0])[y]
    if method == "partial_fit":
        clf.partial_fit(X[batch], labels[batch], classes=["no", "yes", "c"])
        plain.partial_fit(
            X[batch],
            labels[batch],
            classes=["no", "yes", "c"],
            sample_weight=weights[batch],
        )
    else:
        clf.set_params(warm_start=True).fit(X, labels).fit(X[batch], labels[batch])
        plain.set_params(warm_start=True).fit(X, labels, sample_weight=weights)
        plain.fit(X[batch], labels[batch], sample_weight=weights[batch])
    assert_allclose(clf.predict_proba(X), plain.predict_proba(X), rtol=1e-5)


@pytest.mark.parametrize("loss", BINARY_LOSSES, ids=BINARY_IDS)
def test_binary_loss_with_three_classes_names_the_loss(loss):
    X, y = make_sequences(n_samples=30, n_classes=3)
    clf = LSTMClassifier(units=2, epochs=1, loss=loss)
    with pytest.raises(ValueError, match="loss=.* is for two classes, but y has 3"):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


def test_warm_start_refuses_a_loss_that_needs_another_output_layer():
    X, y = make_sequences(n_samples=20, n_classes=2)
    clf = LSTMClassifier(units=2, epochs=1, warm_start=True, random_state=0)
    before = clf.fit(X, y).predict_proba(X)
    clf.set_params(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="needs 2 output.*the fitted network has 1"):
        clf.fit(X, y)
    assert_array_equal(clf.predict_proba(X), before)


def test_validation_labels_must_be_known_classes():
    X, y = make_sequences(n_samples=20, n_classes=2)
    clf = LSTMClassifier(units=2, epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"labels \[5\] that are not in classes_"):
        clf.fit(X, y, validation_data=(X[:4], np.array([0, 1, 5, 0])))
    clf.fit(X, y, validation_data=(X[:4], y[:4]))
    assert len(clf.history_["val_loss"]) == 1
