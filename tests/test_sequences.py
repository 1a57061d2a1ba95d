"""Sequences of different lengths: padding, masking, long-format tables."""

import pickle

import keras
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score

from sklstm import LSTMClassifier, LSTMRegressor, sequences_from_frame
from sklstm._sequences import PaddingMask, pad_sequences

LENGTHS = [3, 9, 5, 2, 7, 4, 8, 6]


def make_sequences(lengths=LENGTHS, n_features=2, seed=0):
    """Sequences of the given lengths, a regression target and a label."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(n, n_features)) for n in lengths]
    y_reg = np.array([x[-2:, 0].mean() for x in X])
    return X, y_reg, np.arange(len(X)) % 2


@pytest.fixture(scope="module")
def regressor():
    X, y, _ = make_sequences()
    # Stacked bidirectional layers: the mask must reach every layer, forwards
    # and backwards.
    params = dict(units=(3, 2), bidirectional=True, epochs=2, random_state=0)
    return LSTMRegressor(**params).fit(X, y), X, y


@pytest.fixture(scope="module")
def classifier():
    X, _, y = make_sequences()
    return LSTMClassifier(units=3, epochs=2, random_state=0).fit(X, y), X, y


def test_prediction_is_the_same_alone_or_among_longer_sequences(regressor):
    reg, X, _ = regressor
    together = reg.predict(X)
    alone = np.array([reg.predict([x])[0] for x in X])
    assert_allclose(alone, together, rtol=1e-5, atol=1e-5)


def test_probabilities_are_the_same_alone_or_among_longer_sequences(classifier):
    clf, X, y = classifier
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    assert_allclose(alone, together, rtol=1e-5, atol=1e-5)
    assert_array_equal(clf.predict(X), clf.classes_[together.argmax(axis=1)])
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)


def test_real_zero_steps_are_data_not_padding(regressor):
    # A MinMaxScaler-scaled series really takes the value 0; a mask on zeros
    # would skip these steps.
    reg, X, _ = regressor
    x = X[0]
    with_zeros = np.vstack([x, np.zeros((3, x.shape[1]))])
    assert abs(reg.predict([with_zeros])[0] - reg.predict([x])[0]) > 1e-4


def test_training_does_not_learn_from_padding():
    # One sample per batch and plain SGD: fitting the padded list must make
    # the same updates as fitting each sequence alone, without padding.
    X, y, _ = make_sequences(lengths=[2, 6, 3, 5])
    params = dict(
        units=2,
        optimizer="sgd",
        learning_rate=0.5,
        batch_size=1,
        shuffle=False,
        epochs=1,
        random_state=0,
    )
    padded = LSTMRegressor(**params).fit(X, y)
    one_by_one = LSTMRegressor(warm_start=True, **params)
    for x, target in zip(X, y, strict=True):
        one_by_one.fit([x], [target])
    assert_allclose(padded.predict(X), one_by_one.predict(X), rtol=1e-5, atol=1e-6)


def test_univariate_sequences_may_be_1d():
    X, _, y = make_sequences(n_features=1)
    X = [x[:, 0] for x in X]
    clf = LSTMClassifier(units=2, epochs=1, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 1
    # One sequence alone, or sequences of equal lengths, are still sequences.
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    assert_allclose(alone, clf.predict_proba(X), rtol=1e-5, atol=1e-5)
    assert_allclose(
        clf.predict_proba([X[0], X[0]]), alone[[0, 0]], rtol=1e-5, atol=1e-5
    )


def test_padding_is_masked_at_the_end(regressor):
    # cuDNN accepts a mask only if it is True then False along time: padding
    # at the end.
    reg, X, _ = regressor
    padded = pad_sequences(X)
    mask = keras.ops.convert_to_numpy(reg.model_.layers[1].compute_mask(padded))
    lengths = np.array([len(x) for x in X])
    assert_array_equal(mask, np.arange(max(lengths)) < lengths[:, None])
    assert_array_equal(padded[0, : len(X[0])], np.float32(X[0]))


def test_only_padded_input_gets_a_masking_layer(regressor):
    reg, X, y = regressor
    assert isinstance(reg.model_.layers[1], PaddingMask)
    equal = LSTMRegressor(units=2, epochs=1, random_state=0).fit(X[:1] * 3, y[:3])
    assert not any(isinstance(layer, PaddingMask) for layer in equal.model_.layers)


def test_network_fitted_on_one_length_predicts_each_length_alone():
    X, y, _ = make_sequences()
    windows = np.stack([x[:2] for x in X])
    reg = LSTMRegressor(units=2, epochs=1, random_state=0).fit(windows, y)
    expected = [reg.predict(x[np.newaxis])[0] for x in X]
    assert_allclose(reg.predict(X), expected, rtol=1e-5, atol=1e-6)


def test_warm_start_of_a_one_length_network_on_padding_raises():
    X, y, _ = make_sequences()
    windows = np.stack([x[:2] for x in X])
    reg = LSTMRegressor(units=2, epochs=1, warm_start=True, random_state=0)
    reg.fit(windows, y)
    before = reg.predict(windows)
    with pytest.raises(ValueError, match="different lengths.*warm_start=False"):
        reg.fit(X, y)
    assert_allclose(reg.predict(windows), before)


def test_score_takes_lists_and_sample_weight(regressor):
    reg, X, y = regressor
    weight = np.r_[0.0, np.ones(len(X) - 1)]
    assert_allclose(reg.score(X, y), r2_score(y, reg.predict(X)), rtol=1e-6)
    assert_allclose(
        reg.score(X, y, sample_weight=weight),
        r2_score(y[1:], reg.predict(X[1:])),
        rtol=1e-6,
    )


def test_cross_validation_splits_lists_of_sequences():
    X, _, y = make_sequences()
    clf = LSTMClassifier(units=2, epochs=1, random_state=0)
    scores = cross_val_score(clf, X, y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_network_saves_and_loads_in_keras_safe_mode(regressor, tmp_path):
    reg, X, _ = regressor
    path = tmp_path / "network.keras"
    reg.model_.save(path)
    network = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(network.layers[1], PaddingMask)
    outputs = network.predict(pad_sequences(X), verbose=0)[:, 0]
    assert_allclose(outputs, reg.predict(X), rtol=1e-5, atol=1e-6)


def test_pickled_estimator_predicts_the_same(regressor):
    reg, X, _ = regressor
    assert_allclose(pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X))


def test_nan_in_user_input_is_still_rejected(regressor):
    reg, X, _ = regressor
    with pytest.raises(ValueError, match="Input X contains NaN"):
        reg.predict(pad_sequences(X))


def bad_lists():
    X, _, _ = make_sequences()
    nan = [x.copy() for x in X]
    nan[2][1, 0] = np.nan
    inf = [x.copy() for x in X]
    inf[4][0, 1] = np.inf
    return [
        pytest.param([], "empty list", id="empty"),
        pytest.param(
            [X[0], X[1][:, :1]], r"X\[1\] has 1 features.*X\[0\] has 2", id="features"
        ),
        pytest.param([X[0], np.stack([X[0]] * 2)], r"X\[1\] is 3D", id="3d"),
        pytest.param([X[0], X[1][:0]], r"X\[1\] has no time steps", id="no-steps"),
        pytest.param([X[0], X[1][:, :0]], r"X\[1\] has no features", id="no-features"),
        pytest.param(nan, r"X\[2\] contains NaN", id="nan"),
        pytest.param(inf, r"X\[4\] contains NaN or infinity", id="inf"),
    ]


@pytest.mark.parametrize("X, match", bad_lists())
def test_bad_list_of_sequences_raises_value_error_naming_it(X, match):
    with pytest.raises(ValueError, match=match):
        LSTMRegressor(units=2, epochs=1).fit(X, np.zeros(len(X)))


def test_prediction_checks_the_sequences_too(regressor):
    reg, X, _ = regressor
    with pytest.raises(ValueError, match="X has 1 features, but LSTMRegressor"):
        reg.predict([x[:, :1] for x in X])
    with pytest.raises(ValueError, match=r"X\[1\] has no time steps"):
        reg.predict([X[0], X[1][:0]])


# long-format tables


def long_frame():
    return pd.DataFrame(
        {
            "id": ["b", "a", "c", "b", "a", "a", "c"],
            "t": [2, 3, 1, 1, 1, 2, 2],
            "x": [21.0, 13.0, 31.0, 20.0, 11.0, 12.0, 32.0],
            "label": ["up", "down", "up", "up", "down", "down", "up"],
            "z": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )


def test_frame_gives_one_sequence_per_sorted_id_in_time_order():
    X, y = sequences_from_frame(long_frame(), id="id", time="t", label="label")
    assert [x[:, 0].tolist() for x in X] == [[11, 12, 13], [20, 21], [31, 32]]
    assert [x[:, 1].tolist() for x in X] == [[4, 5, 1], [3, 0], [2, 6]]
    assert y.tolist() == ["down", "up", "up"]


def test_frame_without_time_keeps_row_order_and_without_label_gives_x_only():
    frame = long_frame().drop(columns="label")
    X = sequences_from_frame(frame, id="id")
    # Features are every other column, time included when it is not named.
    assert [x.shape for x in X] == [(3, 3), (2, 3), (2, 3)]
    assert X[0][:, 1].tolist() == [13.0, 11.0, 12.0]


@pytest.mark.parametrize(
    "change, kwargs, error, match",
    [
        (None, {"id": "nope"}, ValueError, "id='nope' is not a column"),
        (None, {"id": "id", "time": "when"}, ValueError, "time='when'"),
        (
            lambda f: f.assign(label=["up"] * 6 + ["down"]),
            {"id": "id", "label": "label"},
            ValueError,
            "label column 'label' changes within the sequence of id 'c'",
        ),
        (
            lambda f: f.assign(z="text"),
            {"id": "id", "label": "label"},
            ValueError,
            "feature column 'z' is not numeric",
        ),
        (
            lambda f: f[["id", "label"]],
            {"id": "id", "label": "label"},
            ValueError,
            "no feature columns",
        ),
        (
            lambda f: f.assign(id=[None] + ["a"] * 6),
            {"id": "id"},
            ValueError,
            "missing values",
        ),
        (lambda f: f.iloc[:0], {"id": "id"}, ValueError, "no rows"),
        (lambda f: f.to_numpy(), {"id": "id"}, TypeError, "pandas DataFrame"),
    ],
)
def test_bad_frame_raises_naming_the_problem(change, kwargs, error, match):
    frame = long_frame()
    if change is not None:
        frame = change(frame)
    with pytest.raises(error, match=match):
        sequences_from_frame(frame, **kwargs)
