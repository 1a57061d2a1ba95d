"""Behaviour LSTMRegressor and LSTMClassifier share: parameters, network, training."""

import os
import pydoc
import random
import re
import subprocess
import sys
import warnings
from inspect import signature

import keras
import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMClassifier, LSTMRegressor

ESTIMATORS = [LSTMRegressor, LSTMClassifier]

DESIGN_PARAMS = {
    "units": 32,
    "bidirectional": False,
    "dropout": 0.0,
    "recurrent_dropout": 0.0,
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "dense_units": (),
    "optimizer": "adam",
    "learning_rate": 0.001,
    "loss": None,
    "metrics": None,
    "epochs": 10,
    "batch_size": 32,
    "validation_split": 0.0,
    "shuffle": True,
    "early_stopping": None,
    "callbacks": None,
    "random_state": None,
    "verbose": 0,
    "warm_start": False,
}


def make_data(n_samples=40, n_timesteps=6, n_features=2, seed=0):
    """3D sequences with a regression target and a binary label."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_timesteps, n_features))
    y_reg = X[:, -3:, 0].mean(axis=1)
    y_cls = (y_reg > 0).astype(int)
    return X, y_reg, y_cls


def fit_tiny(Estimator, X=None, validation_data=None, **params):
    if X is None:
        X, y_reg, y_cls = make_data()
    else:
        y_reg = X.reshape(len(X), -1)[:, -1]
        y_cls = (np.arange(len(X)) % 2).astype(int)
    y = y_cls if Estimator is LSTMClassifier else y_reg
    params = {"units": 3, "epochs": 1, "random_state": 0, **params}
    return Estimator(**params).fit(X, y, validation_data=validation_data)


# parameters and tags


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_parameters_and_defaults_follow_design(Estimator):
    params = Estimator().get_params()
    for name, default in DESIGN_PARAMS.items():
        assert params[name] == default, name
    # scikeras's own model-function arguments are not hyperparameters here
    assert "model" not in params and "build_fn" not in params
    assert list(signature(Estimator).parameters)[0] == "units"


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_params_are_the_init_parameters_only(Estimator):
    estimator = Estimator(units=3)
    estimator.foo = 3
    params = estimator.get_params()
    assert set(params) == set(signature(Estimator).parameters)
    assert "foo" not in params
    copy = clone(estimator)
    assert copy.get_params() == params and not hasattr(copy, "foo")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("key", ["optimizer__momentum", "fit__batch_size", "unit"])
def test_set_params_with_an_unknown_key_raises(Estimator, key):
    estimator = Estimator()
    with pytest.raises(ValueError, match=f"Invalid parameter '{key}' for estimator"):
        estimator.set_params(epochs=2, **{key: 4})
    assert estimator.get_params() == Estimator().get_params()
    assert clone(estimator).get_params() == Estimator().get_params()


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("keyword", ["batch_size", "callbacks", "epochs"])
def test_fit_refuses_keywords_it_does_not_use(Estimator, method, keyword):
    X, y_reg, _ = make_data(n_samples=8)
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
        getattr(Estimator(), method)(X, y_reg, **{keyword: 4})


# Phrases of scikeras's docstrings ("Constructs a new model with ``model``",
# "use `fit__batch_size=32`")
SCIKERAS_WORDS = [
    "``model``",
    "fit__",
    "Keras model",
    "KerasRegressor",
    "KerasClassifier",
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_public_api_has_sklstm_docstrings_only(Estimator):
    public = [
        n for n in dir(Estimator) if not n.startswith("_") and hasattr(Estimator, n)
    ]
    for name in public:
        doc = getattr(Estimator, name).__doc__ or ""
        assert doc.strip(), name
        assert not any(word in doc for word in SCIKERAS_WORDS), name
    for name in ["fit", "partial_fit", "predict", "score"]:
        assert "n_timesteps" in getattr(Estimator, name).__doc__, name
    for name in ["initialize", "initialized_", "target_encoder", "feature_encoder"]:
        assert not hasattr(Estimator(), name), name
    text = pydoc.render_doc(Estimator, renderer=pydoc.plaintext)
    assert not any(word in text for word in SCIKERAS_WORDS)


def test_classifier_has_class_weight_and_regressor_does_not():
    assert LSTMClassifier().get_params()["class_weight"] is None
    assert "class_weight" not in LSTMRegressor().get_params()


def test_tags_tell_the_truth():
    assert is_regressor(LSTMRegressor()) and not is_classifier(LSTMRegressor())
    assert is_classifier(LSTMClassifier()) and not is_regressor(LSTMClassifier())
    for Estimator in ESTIMATORS:
        tags = get_tags(Estimator())
        assert tags.input_tags.three_d_array
        assert tags.target_tags.required
    assert get_tags(LSTMRegressor()).target_tags.multi_output
    assert not get_tags(LSTMClassifier()).classifier_tags.multi_label


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_repr_shows_changed_parameters_only(Estimator):
    assert repr(Estimator(units=4)) == f"{Estimator.__name__}(units=4)"


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params, match",
    [
        ({"units": 0}, "units"),
        ({"units": (4, 0)}, "units"),
        ({"units": "many"}, "units"),
        ({"dense_units": (8, -1)}, "dense_units"),
        ({"dropout": 1.5}, "dropout"),
        ({"recurrent_dropout": -0.1}, "recurrent_dropout"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"early_stopping": -1}, "early_stopping"),
        ({"optimizer": 3}, "optimizer"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_hyperparameter_fails_at_fit(Estimator, params, match):
    X, y_reg, y_cls = make_data(n_samples=8)
    y = y_cls if Estimator is LSTMClassifier else y_reg
    # construction never validates
    estimator = Estimator(**{"units": 2, "epochs": 1, **params})
    with pytest.raises(InvalidParameterError, match=match):
        estimator.fit(X, y)
    with pytest.raises(NotFittedError):
        estimator.predict(X)


def test_unknown_optimizer_name_is_named():
    with pytest.raises(ValueError, match="optimizer='adamz' is not a Keras optimizer"):
        fit_tiny(LSTMRegressor, optimizer="adamz")


def test_callbacks_must_be_keras_callbacks():
    with pytest.raises(TypeError, match="keras.callbacks.Callback"):
        fit_tiny(LSTMRegressor, callbacks=[print])


def test_classifier_rejects_bad_class_weight():
    with pytest.raises(InvalidParameterError, match="class_weight"):
        fit_tiny(LSTMClassifier, class_weight="even")


# the network


def lstm_layers(model):
    return [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.LSTM | keras.layers.Bidirectional)
    ]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_network_is_built_from_the_data_with_a_free_time_axis(Estimator):
    model = fit_tiny(Estimator).model_
    assert model.input_shape == (None, None, 2)
    (lstm,) = lstm_layers(model)
    assert lstm.units == 3 and not lstm.return_sequences


def test_stacked_layers_dense_head_and_lstm_options():
    reg = fit_tiny(
        LSTMRegressor,
        units=(5, 3),
        dense_units=(4,),
        dropout=0.1,
        recurrent_dropout=0.2,
        activation="relu",
        recurrent_activation="hard_sigmoid",
    )
    first, second = lstm_layers(reg.model_)
    assert (first.units, second.units) == (5, 3)
    assert first.return_sequences and not second.return_sequences
    for layer in (first, second):
        assert layer.dropout == 0.1 and layer.recurrent_dropout == 0.2
        assert layer.activation is keras.activations.relu
        assert layer.recurrent_activation is keras.activations.hard_sigmoid
    dense = [
        layer for layer in reg.model_.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert [d.units for d in dense] == [4, 1]
    assert dense[0].activation is keras.activations.relu
    assert dense[1].activation is keras.activations.linear


def test_bidirectional_layers_start_from_different_weights():
    (layer,) = lstm_layers(fit_tiny(LSTMRegressor, bidirectional=True).model_)
    assert isinstance(layer, keras.layers.Bidirectional)
    assert layer.backward_layer.go_backwards
    assert layer.forward_layer.units == layer.backward_layer.units == 3
    forward = [keras.ops.convert_to_numpy(w) for w in layer.forward_layer.weights]
    backward = [keras.ops.convert_to_numpy(w) for w in layer.backward_layer.weights]
    assert not np.allclose(forward[0], backward[0])
    assert not np.allclose(forward[1], backward[1])


@pytest.mark.parametrize(
    "optimizer, expected",
    [
        ("rmsprop", keras.optimizers.RMSprop),
        (keras.optimizers.SGD, keras.optimizers.SGD),
    ],
)
def test_optimizer_by_name_or_class_gets_learning_rate(optimizer, expected):
    reg = fit_tiny(LSTMRegressor, optimizer=optimizer, learning_rate=0.05)
    assert isinstance(reg.model_.optimizer, expected)
    assert_allclose(float(reg.model_.optimizer.learning_rate), 0.05)


def test_optimizer_instance_is_copied_and_keeps_its_settings():
    optimizer = keras.optimizers.Adam(learning_rate=0.02)
    reg = fit_tiny(LSTMRegressor, optimizer=optimizer)
    assert reg.model_.optimizer is not optimizer
    assert_allclose(float(reg.model_.optimizer.learning_rate), 0.02)
    assert optimizer.iterations is None or int(optimizer.iterations) == 0


# training options


def test_metrics_and_validation_split_are_recorded_per_epoch():
    reg = fit_tiny(LSTMRegressor, epochs=3, metrics=["mae"], validation_split=0.25)
    assert set(reg.history_) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(values) == 3 for values in reg.history_.values())
    assert all(np.isfinite(values).all() for values in reg.history_.values())


def test_validation_split_leaving_no_training_rows_raises():
    X, y, _ = make_data(n_samples=2)
    with pytest.raises(ValueError, match="leaves no training samples"):
        LSTMRegressor(units=2, epochs=1, validation_split=0.6).fit(X, y)


@pytest.mark.parametrize(
    "validation_split, monitored", [(0.0, "loss"), (0.25, "val_loss")]
)
def test_early_stopping_stops_when_monitored_loss_stalls(validation_split, monitored):
    # A learning rate far below float32 resolution leaves the weights, and so
    # the loss, unchanged: no improvement after the first epoch.
    reg = fit_tiny(
        LSTMRegressor,
        epochs=20,
        optimizer="sgd",
        learning_rate=1e-30,
        early_stopping=2,
        validation_split=validation_split,
        shuffle=False,  # the same batches give bit-identical losses
    )
    assert len(reg.history_["loss"]) == 3
    assert len(set(reg.history_[monitored])) == 1


def test_extra_callbacks_run_every_epoch():
    seen = []
    callback = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(epoch)
    )
    fit_tiny(LSTMRegressor, epochs=3, callbacks=[callback])
    assert seen == [0, 1, 2]


def test_batch_size_sets_the_updates_per_epoch():
    reg = fit_tiny(LSTMRegressor, epochs=2, batch_size=16)  # 40 rows: 3 batches
    assert int(reg.model_.optimizer.iterations) == 6


def test_warm_start_continues_the_same_network():
    X, y, _ = make_data()
    reg = LSTMRegressor(units=3, epochs=2, random_state=0, warm_start=True).fit(X, y)
    model = reg.model_
    reg.fit(X, y)
    assert reg.model_ is model
    assert len(reg.history_["loss"]) == 4
    assert int(model.optimizer.iterations) == 8
    reg.set_params(warm_start=False).fit(X, y)
    assert reg.model_ is not model
    assert len(reg.history_["loss"]) == 2


def test_warm_start_in_two_steps_trains_as_one_fit():
    X, y, _ = make_data()
    params = {"units": 3, "batch_size": 16, "random_state": 0}
    whole = LSTMRegressor(epochs=4, **params).fit(X, y)
    steps = LSTMRegressor(epochs=2, warm_start=True, **params).fit(X, y).fit(X, y)
    assert_allclose(steps.history_["loss"], whole.history_["loss"], rtol=1e-5)
    assert_allclose(steps.predict(X), whole.predict(X), rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def warm_regressor():
    """A warm-started regressor; every refused warm start must leave it intact."""
    X, y, _ = make_data()
    reg = LSTMRegressor(units=3, epochs=1, batch_size=16, warm_start=True)
    return reg.set_params(random_state=0, learning_rate=0.01).fit(X, y), X, y


def test_warm_start_takes_the_new_learning_rate_and_keeps_the_optimizer_state(
    warm_regressor,
):
    reg, X, y = warm_regressor
    optimizer, before = reg.model_.optimizer, reg.predict(X)
    iterations = int(optimizer.iterations)
    # A learning rate far below float32 resolution leaves the weights as they are.
    reg.set_params(learning_rate=1e-30).fit(X, y)
    reg.set_params(learning_rate=0.01)
    assert reg.model_.optimizer is optimizer
    assert int(optimizer.iterations) == iterations + 3
    assert_array_equal(reg.predict(X), before)


def test_warm_start_compiles_a_new_optimizer_loss_and_metrics():
    X, y, _ = make_data()
    reg = fit_tiny(LSTMRegressor, warm_start=True)
    model, weights = reg.model_, reg.model_.get_weights()
    reg.set_params(optimizer="sgd", loss="mae", metrics=["mse"]).fit(X, y)
    assert reg.model_ is model
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.loss == "mae"
    assert len(reg.history_["mse"]) == 1 and len(reg.history_["loss"]) == 2
    assert not np.allclose(model.get_weights()[0], weights[0])


@pytest.mark.parametrize(
    "name, value",
    [
        ("units", 4),
        ("bidirectional", True),
        ("dropout", 0.1),
        ("recurrent_dropout", 0.1),
        ("activation", "relu"),
        ("recurrent_activation", "hard_sigmoid"),
        ("dense_units", (2,)),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_warm_start_refuses_a_new_architecture(warm_regressor, name, value, method):
    reg, X, y = warm_regressor
    old, before = reg.get_params()[name], reg.predict(X)
    reg.set_params(**{name: value})
    with pytest.raises(ValueError, match=re.escape(f"{name}={value!r} differs from")):
        getattr(reg, method)(X, y)
    reg.set_params(**{name: old})
    assert_array_equal(reg.predict(X), before)


def test_warm_start_takes_units_as_an_int_or_a_one_element_tuple(warm_regressor):
    reg, X, y = warm_regressor
    model = reg.model_
    reg.set_params(units=(3,), dense_units=[])
    try:
        reg.fit(X, y)
    finally:
        reg.set_params(units=3, dense_units=())
    assert reg.model_ is model


@pytest.mark.parametrize(
    "X, y, match",
    [
        (make_data(n_features=3)[0], make_data()[1], "X has 3 features"),
        (make_data()[0], np.ones((40, 2)), "y has 2 outputs"),
    ],
    ids=["features", "outputs"],
)
def test_warm_start_refuses_new_data_dimensions(warm_regressor, X, y, match):
    reg = warm_regressor[0]
    with pytest.raises(ValueError, match=match):
        reg.fit(X, y)


def test_validation_data_gives_val_loss_on_that_data():
    X, y, _ = make_data()
    X_val, y_val, _ = make_data(n_samples=12, seed=1)
    reg = fit_tiny(LSTMRegressor, epochs=2, validation_data=(X_val, y_val))
    assert len(reg.history_["val_loss"]) == 2
    mse = np.mean((reg.predict(X_val) - y_val) ** 2)
    assert_allclose(reg.history_["val_loss"][-1], mse, rtol=1e-4)


def test_early_stopping_monitors_validation_data():
    # The validation target is the negated training target: as the training
    # loss falls, the validation loss rises, and training stops early.
    X, y, _ = make_data()
    reg = fit_tiny(
        LSTMRegressor,
        epochs=20,
        learning_rate=0.05,
        early_stopping=1,
        validation_data=(X, -y),
    )
    losses, val_losses = reg.history_["loss"], reg.history_["val_loss"]
    assert len(losses) < 20
    assert losses[-1] < losses[0]
    assert val_losses[-1] > min(val_losses)


@pytest.mark.parametrize(
    "validation_data, params, error, match",
    [
        ("X_val", {}, TypeError, "validation_data must be a tuple"),
        ((1, 2, 3, 4), {}, TypeError, "validation_data must be a tuple"),
        (None, {"validation_split": 0.2}, ValueError, "not both"),
        ((np.ones((4, 6, 3)), np.ones(4)), {}, ValueError, "X has 3 features"),
        ((np.ones((4, 6, 2)), np.ones(3)), {}, ValueError, "inconsistent"),
    ],
    ids=["not-a-tuple", "too-long", "with-split", "features", "lengths"],
)
def test_bad_validation_data_raises_naming_it(validation_data, params, error, match):
    X, y, _ = make_data(n_samples=8)
    if validation_data is None:
        validation_data = (X, y)
    reg = LSTMRegressor(units=2, epochs=1, **params)
    with pytest.raises(error, match=match):
        reg.fit(X, y, validation_data=validation_data)
    assert not hasattr(reg, "model_")


def documented_attributes(Estimator):
    section = Estimator.__doc__.split("Attributes\n    ----------")[1]
    section = section.split("\n\n    See Also")[0]
    return set(re.findall(r"^    (\w+) :", section, flags=re.MULTILINE))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fitted_attributes_are_documented_or_private(Estimator):
    estimator = fit_tiny(Estimator)
    params = set(estimator.get_params())
    public = {name for name in vars(estimator) if not name.startswith("_")} - params
    assert public <= documented_attributes(Estimator)
    assert all(name.endswith("_") for name in public)
    private = {name for name in vars(estimator) if name.startswith("_")}
    # The private state a saved model needs, kept small and stable.
    expected = {"_seed", "_x_ndim", "_network_params"}
    if Estimator is LSTMRegressor:
        expected.add("_y_ndim")
    assert private == expected


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pandas_output_config_gives_no_warning(Estimator):
    X, y_reg, y_cls = make_data(n_samples=8)
    y = y_cls if Estimator is LSTMClassifier else y_reg
    with sklearn.config_context(transform_output="pandas"), warnings.catch_warnings():
        warnings.simplefilter("error")
        Estimator(units=2, epochs=1, random_state=0).fit(X, y).predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_trains_one_more_epoch(Estimator):
    X, y_reg, y_cls = make_data()
    y = y_cls if Estimator is LSTMClassifier else y_reg
    est = Estimator(units=3, epochs=5, random_state=0)
    est.partial_fit(X, y)
    model = est.model_
    est.partial_fit(X, y)
    assert est.model_ is model
    assert len(est.history_["loss"]) == 2


# reproducibility without side effects


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_seed_same_predictions_other_seed_other_predictions(Estimator):
    X, _, _ = make_data()
    params = {"dropout": 0.2, "epochs": 2, "batch_size": 8}
    first = fit_tiny(Estimator, **params)
    second = fit_tiny(Estimator, **params)
    other = fit_tiny(Estimator, **params, random_state=1)
    method = "predict_proba" if Estimator is LSTMClassifier else "predict"
    assert_array_equal(getattr(first, method)(X), getattr(second, method)(X))
    assert not np.allclose(getattr(first, method)(X), getattr(other, method)(X))
    assert first.history_ == second.history_


def test_random_state_instance_is_accepted_and_reproducible():
    X, _, _ = make_data()
    preds = [
        fit_tiny(LSTMRegressor, random_state=np.random.RandomState(3)).predict(X)
        for _ in range(2)
    ]
    assert_array_equal(*preds)


FIT_IN_SUBPROCESS = """
import numpy as np
from sklstm import LSTMRegressor
rng = np.random.default_rng(0)
X = rng.normal(size=(40, 6, 2))
reg = LSTMRegressor(units=3, epochs=2, batch_size=8, dropout=0.2, random_state=7)
np.save({path!r}, reg.fit(X, X[:, -1, 0]).predict(X))
"""


def test_same_seed_same_predictions_across_processes(tmp_path):
    """A fresh Python and this one, after many other fits, predict alike."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    path = str(tmp_path / "run.npy")
    code = FIT_IN_SUBPROCESS.format(path=path)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6, 2))
    reg = LSTMRegressor(units=3, epochs=2, batch_size=8, dropout=0.2, random_state=7)
    assert_array_equal(reg.fit(X, X[:, -1, 0]).predict(X), np.load(path))


def test_seeded_fit_leaves_global_random_state_alone():
    np_state = np.random.get_state()
    py_state = random.getstate()
    fit_tiny(LSTMRegressor, random_state=0, epochs=2)
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and after[2:] == np_state[2:]
    assert_array_equal(after[1], np_state[1])
    # scikeras's seeding switches TensorFlow's op determinism on for good
    assert "TF_DETERMINISTIC_OPS" not in os.environ


def test_unseeded_fit_after_seeded_fit_works_and_varies():
    X, y, _ = make_data()
    fit_tiny(LSTMRegressor, random_state=0, dropout=0.2)
    unseeded = [
        LSTMRegressor(units=3, epochs=1, dropout=0.2).fit(X, y).predict(X)
        for _ in range(2)
    ]
    assert np.isfinite(unseeded[0]).all()
    assert not np.allclose(*unseeded)


# input handling


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_2d_input_is_read_as_univariate_sequences(Estimator):
    X, _, _ = make_data(n_features=1)
    from_2d = fit_tiny(Estimator, X=X[:, :, 0])
    from_3d = fit_tiny(Estimator, X=X)
    assert from_2d.n_features_in_ == 6  # the columns, as scikit-learn defines it
    assert from_3d.n_features_in_ == 1
    assert from_2d.model_.input_shape == from_3d.model_.input_shape == (None, None, 1)
    method = "predict_proba" if Estimator is LSTMClassifier else "predict"
    assert_allclose(
        getattr(from_2d, method)(X[:, :, 0]), getattr(from_3d, method)(X), rtol=1e-6
    )


def test_2d_dataframe_records_feature_names():
    X, y, _ = make_data(n_features=1)
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t-{i}" for i in range(6, 0, -1)])
    reg = LSTMRegressor(units=3, epochs=1, random_state=0).fit(frame, pd.Series(y))
    assert list(reg.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert_allclose(reg.predict(frame), reg.predict(X[:, :, 0]))
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(frame.rename(columns={"t-1": "other"}))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_3d_input_may_change_length_but_not_features(Estimator):
    est = fit_tiny(Estimator)
    assert est.n_features_in_ == 2
    longer, _, _ = make_data(n_timesteps=9, seed=1)
    assert len(est.predict(longer)) == len(longer)
    with pytest.raises(ValueError, match="X has 3 features, but .* expecting 2"):
        est.predict(make_data(n_features=3)[0])


def test_2d_input_needs_the_fitted_columns():
    X, _, _ = make_data(n_features=1)
    reg = fit_tiny(LSTMRegressor, X=X[:, :, 0])
    with pytest.raises(ValueError, match="X has 5 features, but .* expecting 6"):
        reg.predict(X[:, :5, 0])


def test_input_ndim_must_match_fit():
    X, _, _ = make_data(n_features=1)
    reg = fit_tiny(LSTMRegressor, X=X[:, :, 0])
    with pytest.raises(ValueError, match="X is 3D, but LSTMRegressor was fitted on 2D"):
        reg.predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predict_before_fit_raises_not_fitted(Estimator):
    X, _, _ = make_data()
    methods = ["predict", "score"] + (
        ["predict_proba"] if Estimator is LSTMClassifier else []
    )
    for method in methods:
        args = (X, np.zeros(len(X))) if method == "score" else (X,)
        with pytest.raises(NotFittedError, match="not fitted"):
            getattr(Estimator(), method)(*args)


def bad_inputs():
    X, y, _ = make_data()
    nan_X = X.copy()
    nan_X[3, 2, 1] = np.nan
    inf_X = X.copy()
    inf_X[0, 0, 0] = np.inf
    nan_y = y.copy()
    nan_y[5] = np.nan
    return [
        pytest.param(nan_X, y, "Input X contains NaN", id="nan-X"),
        pytest.param(inf_X, y, "Input X contains infinity", id="inf-X"),
        pytest.param(X, nan_y, "Input y contains NaN", id="nan-y"),
        pytest.param(X[:, :, 0, None, None], y, "got a 4D array", id="4d-X"),
        pytest.param(X[:, 0, 0], y, "Expected 2D array, got 1D", id="1d-X"),
        pytest.param(X[:0], y[:0], "0 sample", id="no-samples"),
        pytest.param(
            X[:, :0], y, "n_timesteps and n_features must be at least 1", id="no-steps"
        ),
        pytest.param(
            X, y[:-1], "inconsistent numbers of samples", id="length-mismatch"
        ),
        pytest.param(
            np.full((4, 3), "a"),
            y[:4],
            "could not convert string to float",
            id="strings-X",
        ),
        pytest.param(X, None, "requires y to be passed", id="no-y"),
    ]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("X, y, match", bad_inputs())
def test_bad_training_input_raises_value_error_naming_it(Estimator, X, y, match):
    if Estimator is LSTMClassifier and y is not None and np.isfinite(y).all():
        y = (y > 0).astype(int) if len(y) else y
    with pytest.raises(ValueError, match=match):
        Estimator(units=2, epochs=1).fit(X, y)


NOT_ARRAYS = {
    "none": None,
    "scalar": 3.5,
    "string": "abc",
    "dict": {"a": 1},
    "set": {1, 2},
    "generator": (i for i in range(3)),
    "object": object(),
}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    # y=None is test_bad_training_input_raises_value_error_naming_it's "no-y"
    "role, kind",
    [
        (role, kind)
        for role in "Xy"
        for kind in NOT_ARRAYS
        if (role, kind) != ("y", "none")
    ],
)
def test_non_array_training_input_raises_type_error_naming_it(Estimator, role, kind):
    X, y, _ = make_data(n_samples=8)
    args = (NOT_ARRAYS[kind], y) if role == "X" else (X, NOT_ARRAYS[kind])
    with pytest.raises(TypeError, match=f"{role} must be array-like"):
        Estimator(units=2, epochs=1).fit(*args)


@pytest.fixture(scope="module")
def fitted_classifier():
    return fit_tiny(LSTMClassifier)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
@pytest.mark.parametrize("kind", list(NOT_ARRAYS))
def test_non_array_prediction_input_raises_type_error(fitted_classifier, method, kind):
    args = (NOT_ARRAYS[kind],) + ((np.zeros(3),) if method == "score" else ())
    with pytest.raises(TypeError, match="X must be array-like"):
        getattr(fitted_classifier, method)(*args)


def test_bad_prediction_input_raises_value_error_naming_it():
    reg = fit_tiny(LSTMRegressor)
    X, _, _ = make_data()
    X[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        reg.predict(X)
    with pytest.raises(ValueError, match="0 sample"):
        reg.predict(X[:0])
