"""sklstm.save / sklstm.load: code-free model files, and refusing tampered ones."""

import json
import os
import re
import subprocess
import sys
import zipfile

import joblib
import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

import sklstm
from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    ModelFileError,
    SlidingWindowTransformer,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 6, 2)).astype(np.float32)
Y = X[:, -1, 0] - X[:, 0, 1]
LABELS = np.array(["calm", "rising", "falling"])[np.arange(24) % 3]
SERIES = np.sin(0.3 * np.arange(60)).reshape(-1, 1)


def tiny(cls, **params):
    return cls(units=3, epochs=2, batch_size=8, random_state=0, **params)


@pytest.fixture(scope="module")
def regressor():
    return tiny(LSTMRegressor, metrics=["mae"], optimizer="rmsprop").fit(X, Y)


@pytest.fixture(scope="module")
def forecaster():
    pipe = make_pipeline(
        MinMaxScaler(), SlidingWindowTransformer(window_size=5), tiny(LSTMRegressor)
    )
    model = TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())
    return model.fit(SERIES[:-1], SERIES[1:, 0])


@pytest.fixture(scope="module")
def saved_regressor(regressor, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "regressor.sklstm"
    sklstm.save(regressor, path)
    return path


def test_regressor_round_trip_predicts_the_same(regressor, saved_regressor):
    loaded = sklstm.load(saved_regressor)
    assert type(loaded) is LSTMRegressor
    assert loaded.get_params() == regressor.get_params()
    assert loaded.history_ == regressor.history_
    assert loaded.n_features_in_ == 2
    assert_array_equal(loaded.predict(X), regressor.predict(X))
    assert loaded.score(X, Y) == regressor.score(X, Y)


def test_classifier_round_trip_keeps_labels_and_probabilities(tmp_path):
    classifier = tiny(LSTMClassifier).fit(X, LABELS)
    sklstm.save(classifier, tmp_path / "classifier.sklstm")
    loaded = sklstm.load(tmp_path / "classifier.sklstm")
    assert_array_equal(loaded.classes_, classifier.classes_)
    assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert_array_equal(loaded.predict_proba(X), classifier.predict_proba(X))


def test_pipeline_with_target_scaling_round_trip(forecaster, tmp_path):
    sklstm.save(forecaster, tmp_path / "forecaster.sklstm")
    loaded = sklstm.load(tmp_path / "forecaster.sklstm")
    # The window step continues the fitted series, as before saving.
    assert_array_equal(loaded.predict(SERIES[-8:]), forecaster.predict(SERIES[-8:]))
    assert_array_equal(loaded.predict(SERIES), forecaster.predict(SERIES))
    assert repr(loaded) == repr(forecaster)


def test_loaded_estimator_trains_on_as_the_original(regressor, saved_regressor):
    # The file keeps the optimizer state: a warm start after loading takes the
    # same steps as one on the estimator that was saved.
    original = sklstm.load(saved_regressor)  # a copy that has not been saved
    loaded = sklstm.load(saved_regressor)
    original.partial_fit(X, Y)
    loaded.partial_fit(X, Y)
    assert len(loaded.history_["loss"]) == len(regressor.history_["loss"]) + 1
    assert_array_equal(loaded.predict(X), original.predict(X))
    assert not np.array_equal(loaded.predict(X), regressor.predict(X))


def test_unfitted_estimator_round_trip(tmp_path):
    estimator = LSTMClassifier(units=(4, 2), dense_units=(3,), learning_rate=0.01)
    sklstm.save(estimator, tmp_path / "unfitted.sklstm")
    loaded = sklstm.load(tmp_path / "unfitted.sklstm")
    assert loaded.get_params() == estimator.get_params()
    with pytest.raises(NotFittedError):
        loaded.predict(X)
    assert clone(loaded).get_params() == estimator.get_params()


def test_keras_objects_as_parameters_round_trip(tmp_path):
    estimator = tiny(
        LSTMRegressor,
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.5),
        loss=keras.losses.MeanSquaredError(reduction="sum"),
    ).fit(X, Y)
    sklstm.save(estimator, tmp_path / "objects.sklstm")
    loaded = sklstm.load(tmp_path / "objects.sklstm")
    assert loaded.optimizer.get_config()["momentum"] == 0.5
    assert loaded.loss.get_config()["reduction"] == "sum"
    assert_array_equal(loaded.predict(X), estimator.predict(X))


LOAD_IN_NEW_PROCESS = """
import sys
import numpy as np
import sklstm

model = sklstm.load(sys.argv[1])
np.save(sys.argv[2], model.predict(np.load(sys.argv[3])))
"""


def test_file_loads_on_another_backend_in_a_new_process(
    regressor, saved_regressor, tmp_path
):
    other = "jax" if keras.backend.backend() != "jax" else "tensorflow"
    np.save(tmp_path / "X.npy", X)
    subprocess.run(
        [sys.executable, "-c", LOAD_IN_NEW_PROCESS, str(saved_regressor)]
        + [str(tmp_path / "pred.npy"), str(tmp_path / "X.npy")],
        check=True,
        env={**os.environ, "KERAS_BACKEND": other},
    )
    np.testing.assert_allclose(
        np.load(tmp_path / "pred.npy"), regressor.predict(X), rtol=1e-5, atol=1e-6
    )


# -- what save refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    "estimator, where",
    [
        (
            LSTMRegressor(callbacks=[keras.callbacks.EarlyStopping()]),
            "LSTMRegressor.callbacks[0]",
        ),
        (LSTMRegressor(random_state=np.random.RandomState(0)), "random_state"),
        (
            make_pipeline(FunctionTransformer(np.log1p), LSTMRegressor()),
            "func",
        ),
    ],
    ids=["callback", "RandomState", "function"],
)
def test_save_refuses_what_is_not_data(estimator, where, tmp_path):
    pattern = rf"cannot save .*{re.escape(where)}.* is not data"
    with pytest.raises(TypeError, match=pattern):
        sklstm.save(estimator, tmp_path / "refused.sklstm")


# -- what load refuses -----------------------------------------------------------


def rewrite(source, target, replace=None, add=None):
    """Copy the archive ``source`` to ``target``, replacing or adding members."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = replace.get(name, old.read(name))
            if callable(content):
                content = content(old.read(name))
            new.writestr(name, content)
        for name, content in add.items():
            new.writestr(name, content)
    return target


def edit_index(edit):
    def rewrite_index(content):
        index = json.loads(content)
        edit(index["estimator"])
        return json.dumps(index)

    return rewrite_index


def keras_file(model, tmp_path):
    path = tmp_path / "network.keras"
    model.save(path)
    return path.read_bytes()


def test_load_refuses_a_network_with_a_lambda_layer(saved_regressor, tmp_path):
    inputs = keras.Input(shape=(None, 2))
    outputs = keras.layers.Lambda(lambda x: x[:, -1, :1] * 2.0)(inputs)
    network = keras_file(keras.Model(inputs, outputs), tmp_path)
    tampered = rewrite(
        saved_regressor, tmp_path / "t.sklstm", replace={"networks/0.keras": network}
    )
    with pytest.raises(ModelFileError, match="Lambda layer"):
        sklstm.load(tampered)


def test_load_refuses_an_unregistered_custom_layer(saved_regressor, tmp_path):
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x[:, -1, :1] * 2.0

    inputs = keras.Input(shape=(None, 2))
    network = keras_file(keras.Model(inputs, Doubler()(inputs)), tmp_path)
    tampered = rewrite(
        saved_regressor, tmp_path / "t.sklstm", replace={"networks/0.keras": network}
    )
    with pytest.raises(ModelFileError, match="safe mode refuses"):
        sklstm.load(tampered)


def test_load_refuses_pickled_arrays(saved_regressor, tmp_path):
    payload = tmp_path / "payload.npz"
    np.savez(payload, a0=np.array([print], dtype=object))  # pickled by numpy
    tampered = rewrite(
        saved_regressor,
        tmp_path / "t.sklstm",
        replace={"arrays.npz": payload.read_bytes()},
    )
    with pytest.raises(ModelFileError, match="pickled"):
        sklstm.load(tampered)


@pytest.mark.parametrize(
    "class_name, message",
    [
        ("os:system", "refusing class 'os:system'"),
        ("subprocess:Popen", "refusing class"),
        ("builtins:eval", "refusing class"),
        ("sklearn.base:clone", "not an estimator class"),
        ("sklearn.nothing_here:Model", "unknown class"),
    ],
)
def test_load_refuses_classes_that_are_not_estimators(
    saved_regressor, tmp_path, class_name, message
):
    def point_elsewhere(tree):
        tree["estimator"] = class_name

    tampered = rewrite(
        saved_regressor,
        tmp_path / "t.sklstm",
        replace={"sklstm.json": edit_index(point_elsewhere)},
    )
    with pytest.raises(ModelFileError, match=message):
        sklstm.load(tampered)


def test_load_refuses_unknown_entries(saved_regressor, tmp_path):
    def add_pickle(tree):
        tree["state"]["units"] = {"pickle": "gASVAAAAAAAAAAA="}

    tampered = rewrite(
        saved_regressor,
        tmp_path / "t.sklstm",
        replace={"sklstm.json": edit_index(add_pickle)},
    )
    with pytest.raises(ModelFileError, match="unknown entry type 'pickle'"):
        sklstm.load(tampered)


@pytest.mark.parametrize(
    "member", ["../escaped.py", "/tmp/absolute.py", "networks/../../up.keras"]
)
def test_load_refuses_paths_outside_the_archive(saved_regressor, tmp_path, member):
    tampered = rewrite(
        saved_regressor, tmp_path / "t.sklstm", add={member: "print('owned')"}
    )
    with pytest.raises(ModelFileError, match="outside the archive"):
        sklstm.load(tampered)
    assert not (tmp_path.parent / "escaped.py").exists()


def test_load_refuses_unexpected_members(saved_regressor, tmp_path):
    tampered = rewrite(saved_regressor, tmp_path / "t.sklstm", add={"run.py": "1"})
    with pytest.raises(ModelFileError, match="unexpected member 'run.py'"):
        sklstm.load(tampered)


def test_load_refuses_files_that_are_not_model_files(regressor, tmp_path):
    joblib.dump(regressor, tmp_path / "model.joblib")
    with pytest.raises(ModelFileError, match="not an sklstm model file"):
        sklstm.load(tmp_path / "model.joblib")
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ModelFileError, match="not a zip archive"):
        sklstm.load(tmp_path / "notes.txt")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("sklstm.json", json.dumps({"format": "other"}))
        archive.writestr("arrays.npz", b"")
    with pytest.raises(ModelFileError, match="not an sklstm model file"):
        sklstm.load(tmp_path / "other.zip")


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)
