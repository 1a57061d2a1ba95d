"""Window normalisation: the layers' math, saving, and trends in a pipeline."""

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._param_validation import InvalidParameterError

import sklstm
from sklstm import LSTMRegressor, SlidingWindowTransformer
from sklstm._trend import (
    ReferenceSkip,
    WindowNormalization,
    ZeroGate,
    add_reference_skip,
    fit_skip,
    gate_outputs,
    normalize_inputs,
    window_reference,
)


@pytest.fixture
def padded_windows():
    """Three windows (3, 4, 2); the last one has two steps of end padding."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 4, 2)).astype(np.float32)
    X[2, 2:] = np.nan
    return X


def _network(n_features, n_outputs, how):
    inputs = keras.Input(shape=(None, n_features))
    x, reference = normalize_inputs(inputs, how)
    outputs = keras.layers.Dense(n_outputs)(keras.layers.GlobalAveragePooling1D()(x))
    outputs = gate_outputs(outputs, reference)
    return keras.Model(inputs, add_reference_skip(outputs, reference))


def test_last_reference_is_the_last_step_before_padding(padded_windows):
    X = padded_windows
    reference = keras.ops.convert_to_numpy(window_reference(X, "last"))
    assert_allclose(reference, [X[0, -1], X[1, -1], X[2, 1]])


def test_mean_reference_leaves_padding_out(padded_windows):
    X = padded_windows
    reference = keras.ops.convert_to_numpy(window_reference(X, "mean"))
    expected = [X[0].mean(axis=0), X[1].mean(axis=0), X[2, :2].mean(axis=0)]
    assert_allclose(reference, expected, rtol=1e-6)


def test_normalization_subtracts_the_reference_and_keeps_padding(padded_windows):
    X = padded_windows
    normalized, reference = WindowNormalization("last")(X)
    normalized = keras.ops.convert_to_numpy(normalized)
    expected = X - keras.ops.convert_to_numpy(reference)[:, np.newaxis]
    assert_allclose(normalized, expected, rtol=1e-6)
    assert_allclose(normalized[:2, -1], 0.0)
    assert np.isnan(normalized[2, 2:]).all()


def test_normalization_rejects_an_unknown_reference():
    with pytest.raises(ValueError, match="how must be one of"):
        WindowNormalization("first")


@pytest.mark.parametrize("how", ["last", "mean"])
def test_fit_skip_starts_the_network_at_the_least_squares_fit(how):
    # Targets exactly affine in the reference rows: the least-squares skip
    # reproduces them, and the zero gate keeps the untrained Dense out.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 5, 2)).astype(np.float32)
    A, b = np.array([[1.5, -2.0], [0.5, 3.0]]), np.array([0.25, -1.0])
    reference = keras.ops.convert_to_numpy(window_reference(X, how))
    y = reference @ A + b
    model = _network(2, 2, how)
    fit_skip(model, X, y)
    skip = model.layers[-1]
    assert_allclose(keras.ops.convert_to_numpy(skip.kernel), A, atol=1e-4)
    assert_allclose(keras.ops.convert_to_numpy(skip.bias), b, atol=1e-4)
    assert_allclose(model.predict(X, verbose=0), y, atol=1e-4)


def test_training_keeps_the_least_squares_skip_and_opens_the_gate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3, 1)).astype(np.float32)
    y = rng.normal(size=16).astype(np.float32)
    model = _network(1, 1, "last")
    fit_skip(model, X, y)
    skip, gate = model.layers[-1], model.layers[-2]
    kernel, bias = skip.kernel.numpy(), skip.bias.numpy()
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    model.fit(X, y, epochs=2, verbose=0)
    assert_allclose(skip.kernel.numpy(), kernel)
    assert_allclose(skip.bias.numpy(), bias)
    assert gate.gate.numpy() != 0


def test_fit_skip_leaves_a_network_without_skip_alone():
    model = _network(1, 1, None)
    weights = [w.copy() for w in model.get_weights()]
    fit_skip(model, np.ones((4, 3, 1), np.float32), np.ones(4))
    for before, after in zip(weights, model.get_weights(), strict=True):
        assert_allclose(after, before)


def test_network_file_round_trip_in_safe_mode(tmp_path, padded_windows):
    model = _network(2, 1, "mean")
    X = padded_windows[:2]
    fit_skip(model, X, np.arange(2.0))
    path = tmp_path / "network.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.layers[-1], ReferenceSkip)
    assert loaded.get_layer(index=1).how == "mean"
    assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


# -- the estimator option ------------------------------------------------------


def _trend_model(normalize, window_size=4):
    lstm = LSTMRegressor(
        units=4, epochs=2, batch_size=64, normalize=normalize, random_state=0
    )
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer(window_size=window_size)),
            ("lstm", lstm),
        ]
    )
    return TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())


@pytest.fixture(scope="module")
def line():
    """A noisy line: 40 training steps and the 10 after them."""
    rng = np.random.default_rng(0)
    return 0.5 * np.arange(50.0) + rng.normal(0, 0.1, 50)


def test_normalized_pipeline_extrapolates_a_trend(line):
    # Training starts from the least-squares map of the last value to the
    # next one, which continues the line; two epochs cannot undo it. Naive
    # lags by one slope (0.5) per step; the forecast must halve that error.
    model = _trend_model("last").fit(line[:39, np.newaxis], line[1:40])
    y_pred = model.predict(line[39:49, np.newaxis])
    assert np.all(y_pred > line[:40].max())
    rmse = np.sqrt(np.mean((y_pred - line[40:]) ** 2))
    naive = np.sqrt(np.mean((line[39:49] - line[40:]) ** 2))
    assert rmse < naive / 2


def test_grid_search_chooses_normalization_on_a_trend(line):
    search = GridSearchCV(
        _trend_model(None),
        {"regressor__lstm__normalize": [None, "last"]},
        cv=TimeSeriesSplit(2),
        scoring="neg_root_mean_squared_error",
    )
    search.fit(line[:39, np.newaxis], line[1:40])
    assert search.best_params_ == {"regressor__lstm__normalize": "last"}


def test_unknown_normalize_raises():
    X, y = np.ones((4, 3, 1)), np.ones(4)
    with pytest.raises(InvalidParameterError, match="normalize"):
        LSTMRegressor(units=2, epochs=1, normalize="first").fit(X, y)


def test_padding_does_not_move_the_reference():
    # A sequence predicts the same alone and padded in a list with a longer
    # one: the reference is its last real step, not the padding.
    rng = np.random.default_rng(0)
    sequences = [rng.normal(size=(n, 1)) + 5 for n in (3, 5, 4, 6)]
    model = LSTMRegressor(units=2, epochs=1, normalize="last", random_state=0)
    model.fit(sequences, np.arange(4.0))
    assert_allclose(
        model.predict(sequences)[:1], model.predict(sequences[:1]), rtol=1e-5
    )


def test_warm_start_refuses_a_changed_normalize():
    X, y = np.ones((4, 3, 1)), np.ones(4)
    model = LSTMRegressor(units=2, epochs=1, warm_start=True, random_state=0)
    model.fit(X, y).set_params(normalize="last")
    with pytest.raises(ValueError, match="normalize='last' differs"):
        model.fit(X, y)


def test_default_network_has_no_normalization():
    model = LSTMRegressor(units=2, epochs=1, random_state=0)
    model.fit(np.ones((4, 3, 1)), np.ones(4))
    kinds = {type(layer) for layer in model.model_.layers}
    assert not kinds & {WindowNormalization, ZeroGate, ReferenceSkip}


def test_normalized_regressor_file_round_trip(tmp_path, line):
    X = line[:20].reshape(5, 4, 1)
    model = LSTMRegressor(units=2, epochs=1, normalize="last", random_state=0)
    model.fit(X, line[4:24:4])
    path = tmp_path / "normalized.sklstm"
    sklstm.save(model, path)
    loaded = sklstm.load(path)
    assert loaded.normalize == "last"
    assert isinstance(loaded.model_.layers[-1], ReferenceSkip)
    assert_allclose(loaded.predict(X), model.predict(X))
