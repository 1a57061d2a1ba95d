"""sklstm's LSTM layer computes Keras's LSTM, on Keras's weights and config."""

from unittest import mock

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklstm._layers import LSTM

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 6, 3)).astype(np.float32)
Y = RNG.normal(size=(5, 1)).astype(np.float32)
# Rows padded with zeros at the end: 6, 4, 1, 3 and 5 real steps.
PADDED = X * (np.arange(6) < np.array([6, 4, 1, 3, 5])[:, None])[..., None]


def pair(**params):
    """A Keras LSTM and sklstm's, built, with the same weights."""
    reference, layer = keras.layers.LSTM(3, **params), LSTM(3, **params)
    reference.build(X.shape)
    layer.build(X.shape)
    layer.set_weights(reference.get_weights())
    return reference, layer


def outputs(layer, x, **call):
    return [keras.ops.convert_to_numpy(v) for v in keras.tree.flatten(layer(x, **call))]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"return_sequences": True},
        {"go_backwards": True},
        {"go_backwards": True, "return_sequences": True},
        {"return_state": True},
        {"unroll": True, "return_sequences": True},
        {"activation": "relu", "recurrent_activation": "hard_sigmoid"},
        {"use_bias": False},
        {"use_cudnn": False},
    ],
)
def test_outputs_match_keras(params):
    reference, layer = pair(**params)
    for expected, actual in zip(outputs(reference, X), outputs(layer, X), strict=True):
        assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_initial_state_is_used():
    reference, layer = pair()
    state = [RNG.normal(size=(5, 3)).astype(np.float32) for _ in range(2)]
    assert_allclose(
        outputs(layer, X, initial_state=state)[0],
        outputs(reference, X, initial_state=state)[0],
        rtol=1e-5,
        atol=1e-6,
    )
    assert not np.allclose(
        outputs(layer, X)[0], outputs(layer, X, initial_state=state)[0]
    )


@pytest.mark.parametrize(
    "params", [{}, {"return_sequences": True}, {"go_backwards": True}]
)
def test_padding_mask_matches_keras(params):
    reference, layer = pair(**params)
    mask = np.any(PADDED != 0, axis=-1)
    expected = outputs(reference, PADDED, mask=mask)[0]
    actual = outputs(layer, PADDED, mask=mask)[0]
    assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    if not params:
        # The last real step's output, not the padding's.
        unmasked = outputs(layer, PADDED)[0]
        assert not np.allclose(actual[1:4], unmasked[1:4])


@pytest.mark.parametrize(
    "params",
    [
        {"dropout": 0.4},
        {"recurrent_dropout": 0.4},
        {"dropout": 0.3, "recurrent_dropout": 0.4, "return_sequences": True},
    ],
)
def test_dropout_in_training_matches_keras(params):
    # Same seed, same masks: Keras's cell draws one input mask (four, one
    # per gate, with recurrent dropout) and four recurrent masks per batch.
    reference, layer = pair(seed=0, **params)
    expected = outputs(reference, X, training=True)[0]
    actual = outputs(layer, X, training=True)[0]
    assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(actual, outputs(layer, X, training=False)[0])


def network(layer):
    inputs = keras.Input((None, X.shape[2]))
    return keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))


@pytest.mark.parametrize("params", [{}, {"dropout": 0.2, "recurrent_dropout": 0.3}])
def test_training_step_matches_keras(params):
    # One plain SGD step moves every weight by its gradient: equal weights
    # after it mean equal gradients.
    models = [network(layer) for layer in pair(seed=0, **params)]
    before = models[0].get_weights()
    models[1].set_weights(before)
    for model in models:
        model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
        model.train_on_batch(X, Y)
    for expected, actual in zip(*(m.get_weights() for m in models), strict=True):
        assert_allclose(actual, expected, rtol=1e-4, atol=1e-6)
    assert not np.allclose(models[1].get_weights()[1], before[1])


def test_weights_have_keras_names_and_shapes():
    reference, layer = keras.layers.LSTM(3), LSTM(3)
    reference.build(X.shape)
    layer.build(X.shape)
    assert [(w.path, w.shape) for w in layer.weights] == [
        (w.path.replace(reference.name, layer.name), w.shape) for w in reference.weights
    ]
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]


def test_weights_file_loads_both_ways(tmp_path):
    keras_model = network(keras.layers.LSTM(3, name="lstm"))
    sklstm_model = network(LSTM(3, name="lstm"))
    keras_model.save_weights(tmp_path / "keras.weights.h5")
    sklstm_model.load_weights(tmp_path / "keras.weights.h5")
    assert_allclose(
        sklstm_model.predict_on_batch(X), keras_model.predict_on_batch(X), rtol=1e-5
    )
    other = network(keras.layers.LSTM(3, name="lstm"))
    sklstm_model.save_weights(tmp_path / "sklstm.weights.h5")
    other.load_weights(tmp_path / "sklstm.weights.h5")
    assert_allclose(
        other.predict_on_batch(X), sklstm_model.predict_on_batch(X), rtol=1e-5
    )


def test_config_matches_keras_and_round_trips():
    params = {"return_sequences": True, "dropout": 0.1, "seed": 3, "name": "lstm"}
    config = LSTM(3, **params).get_config()
    assert config == keras.layers.LSTM(3, **params).get_config()
    assert LSTM.from_config(config).get_config() == config


def test_keras_file_round_trip_in_safe_mode(tmp_path):
    model = network(LSTM(3, return_sequences=False))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(loaded.layers[1]) is LSTM
    assert_allclose(loaded.predict_on_batch(X), model.predict_on_batch(X), rtol=1e-6)


@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_matches_keras(masked):
    def bidirectional(cls):
        return keras.layers.Bidirectional(
            cls(3, return_sequences=True),
            backward_layer=cls(3, return_sequences=True, go_backwards=True),
        )

    reference, layer = bidirectional(keras.layers.LSTM), bidirectional(LSTM)
    reference.build(X.shape)
    layer.build(X.shape)
    layer.set_weights(reference.get_weights())
    call = {"mask": np.any(PADDED != 0, axis=-1)} if masked else {}
    assert_allclose(
        outputs(layer, PADDED, **call)[0],
        outputs(reference, PADDED, **call)[0],
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("params", [{}, {"recurrent_dropout": 0.2}])
def test_time_loop_does_not_step_the_cell(params):
    # Where no fused kernel applies, Keras's LSTM calls its cell once per
    # time step, input projection included; this layer's loop never does.
    layer = LSTM(3, **params)
    with mock.patch.object(
        keras.layers.LSTMCell, "call", side_effect=AssertionError("cell stepped")
    ):
        layer(X, training=True)
