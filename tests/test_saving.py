"""sklstm.save / sklstm.load: code-free model files, and refusing tampered ones."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile

import joblib
import keras
import numpy as np
import pandas as pd
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


@pytest.fixture(scope="module")
def classifier():
    return tiny(LSTMClassifier).fit(X, LABELS)


@pytest.fixture(scope="module")
def saved_classifier(classifier, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "classifier.sklstm"
    sklstm.save(classifier, path)
    return path


DAYS = pd.DataFrame(
    {"level": SERIES[:, 0]}, index=pd.date_range("2024-01-01", periods=60, freq="D")
)


@pytest.fixture(scope="module")
def dated_forecaster():
    model = make_pipeline(SlidingWindowTransformer(window_size=4), tiny(LSTMRegressor))
    return model.fit(DAYS[:-10], SERIES[1:-9, 0])


@pytest.fixture(scope="module")
def saved_dated_forecaster(dated_forecaster, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "dated.sklstm"
    sklstm.save(dated_forecaster, path)
    return path


def test_classifier_round_trip_keeps_labels_and_probabilities(
    classifier, saved_classifier
):
    loaded = sklstm.load(saved_classifier)
    assert_array_equal(loaded.classes_, classifier.classes_)
    assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert_array_equal(loaded.predict_proba(X), classifier.predict_proba(X))


@pytest.mark.parametrize(
    "make",
    [
        lambda: tiny(LSTMRegressor),
        lambda: tiny(LSTMClassifier),
        lambda: make_pipeline(MinMaxScaler(), tiny(LSTMRegressor)),
    ],
    ids=["regressor", "classifier", "scaled-pipeline"],
)
def test_estimator_fitted_on_2d_input_round_trip(make, tmp_path):
    # 2D X is n_timesteps of one feature: the network takes 1 feature while
    # n_features_in_ counts the time steps.
    X2 = X[:20, :, 0]
    estimator = make()
    target = LABELS[:20] if isinstance(estimator, LSTMClassifier) else Y[:20]
    estimator.fit(X2, target)
    sklstm.save(estimator, tmp_path / "flat.sklstm")
    loaded = sklstm.load(tmp_path / "flat.sklstm")
    assert loaded.n_features_in_ == X2.shape[1]
    assert_array_equal(loaded.predict(X2), estimator.predict(X2))


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


def test_sequences_of_different_lengths_round_trip(tmp_path):
    # The network starts with sklstm's own masking layer, which Keras's safe
    # mode loads because sklstm registers it.
    sequences = [X[i, : 3 + i % 4] for i in range(len(X))]
    estimator = tiny(LSTMRegressor).fit(sequences, Y)
    sklstm.save(estimator, tmp_path / "lengths.sklstm")
    loaded = sklstm.load(tmp_path / "lengths.sklstm")
    assert_array_equal(loaded.predict(sequences), estimator.predict(sequences))


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


def test_keras_functions_and_optimizer_class_round_trip(tmp_path):
    estimator = tiny(
        LSTMRegressor,
        optimizer=keras.optimizers.SGD,
        loss=keras.losses.huber,
        activation=keras.activations.relu,
        metrics=[keras.metrics.mean_absolute_error],
    ).fit(X, Y)
    sklstm.save(estimator, tmp_path / "functions.sklstm")
    with zipfile.ZipFile(tmp_path / "functions.sklstm") as archive:
        state = json.loads(archive.read("sklstm.json"))["estimator"]["state"]
    # Stored by their Keras names, never as code.
    assert state["loss"] == {"keras_function": ["losses", "huber"]}
    assert state["optimizer"] == {"keras_class": ["optimizers", "SGD"]}
    loaded = sklstm.load(tmp_path / "functions.sklstm")
    assert loaded.optimizer is keras.optimizers.SGD
    assert loaded.loss is keras.losses.huber
    assert loaded.activation is keras.activations.relu
    assert loaded.metrics == [keras.metrics.mean_absolute_error]
    assert_array_equal(loaded.predict(X), estimator.predict(X))


def test_parameters_newer_than_the_file_take_their_defaults(saved_regressor, tmp_path):
    def forget_dropout(tree):
        del tree["state"]["dropout"]

    older = tampered_index(saved_regressor, tmp_path, forget_dropout)
    assert sklstm.load(older).dropout == LSTMRegressor().dropout


def test_cache_directory_is_not_saved(forecaster, tmp_path):
    model = clone(forecaster).set_params(regressor__memory=str(tmp_path / "cache"))
    sklstm.save(model, tmp_path / "cached.sklstm")
    assert sklstm.load(tmp_path / "cached.sklstm").regressor.memory is None


def test_window_placed_in_time_round_trip(tmp_path):
    index = pd.date_range("2024-01-01", periods=40, freq="D")
    frame = pd.DataFrame({"level": np.arange(40.0)}, index=index)
    window = SlidingWindowTransformer(window_size=4).fit(frame[:30])
    sklstm.save(window, tmp_path / "window.sklstm")
    loaded = sklstm.load(tmp_path / "window.sklstm")
    # A slice inside the fitted range, and the continuation after it.
    for part in (frame[10:20], frame[30:]):
        assert_array_equal(loaded.transform(part), window.transform(part))


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
        (LSTMRegressor(activation=lambda x: x), "activation"),
        # keras.ops.relu is not the registered activation keras.activations.relu
        (LSTMRegressor(activation=keras.ops.relu), "activation"),
        (LSTMRegressor(optimizer=dict), "optimizer"),
    ],
    ids=["callback", "RandomState", "function", "lambda", "ops-function", "class"],
)
def test_save_refuses_what_is_not_data(estimator, where, tmp_path):
    pattern = rf"cannot save .*{re.escape(where)}.* is not data"
    with pytest.raises(TypeError, match=pattern):
        sklstm.save(estimator, tmp_path / "refused.sklstm")


@pytest.mark.parametrize(
    "estimator, name",
    [(MinMaxScaler(), "_cache"), (SlidingWindowTransformer(), "offset_")],
)
def test_save_refuses_attributes_it_does_not_know(estimator, name, tmp_path):
    # A scikit-learn estimator's unknown private attribute, and any attribute
    # of sklstm's own that the model files do not describe.
    estimator = clone(estimator)
    setattr(estimator, name, {"path": "/tmp"})
    pattern = rf"cannot save {type(estimator).__name__}\.{name}: .* does not know"
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
        ("scikeras.wrappers:KerasRegressor", "refusing class"),
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
    with pytest.raises(
        ModelFileError, match=r"unexpected entry with keys \['pickle'\]"
    ):
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


def tampered_index(saved, tmp_path, edit):
    """The file ``saved`` with its estimator tree changed by ``edit``."""
    return rewrite(saved, tmp_path / "t.sklstm", {"sklstm.json": edit_index(edit)})


@pytest.mark.parametrize(
    "name", ["predict", "fit", "__class__", "_keras_build_fn", "_secret", "a b_"]
)
def test_load_refuses_names_that_are_not_parameters_or_fitted_attributes(
    regressor, saved_regressor, tmp_path, name
):
    def shadow(tree):
        tree["state"][name] = 0

    with pytest.raises(ModelFileError, match=f"refusing '{re.escape(name)}'"):
        sklstm.load(tampered_index(saved_regressor, tmp_path, shadow))


def test_load_refuses_a_fitted_attribute_the_class_defines(forecaster, tmp_path):
    # Pipeline.classes_ is a property: a file must not replace it.
    sklstm.save(forecaster, tmp_path / "forecaster.sklstm")

    def shadow(tree):
        tree["state"]["regressor_"]["state"]["classes_"] = [0, 1]

    tampered = tampered_index(tmp_path / "forecaster.sklstm", tmp_path, shadow)
    with pytest.raises(ModelFileError, match="refusing 'classes_'"):
        sklstm.load(tampered)


def test_load_refuses_a_cache_directory(forecaster, tmp_path):
    sklstm.save(forecaster, tmp_path / "forecaster.sklstm")
    cache = tmp_path / "attacker-cache"

    def set_memory(tree):
        tree["state"]["regressor_"]["state"]["memory"] = str(cache)

    tampered = tampered_index(tmp_path / "forecaster.sklstm", tmp_path, set_memory)
    with pytest.raises(ModelFileError, match="refusing memory="):
        sklstm.load(tampered)
    assert not cache.exists()


def test_load_refuses_functions_in_scikit_learn_estimators(tmp_path):
    sklstm.save(FunctionTransformer(), tmp_path / "identity.sklstm")

    def set_func(tree):
        tree["state"]["func"] = {"keras_function": ["activations", "relu"]}

    tampered = tampered_index(tmp_path / "identity.sklstm", tmp_path, set_func)
    with pytest.raises(ModelFileError, match="function outside an sklstm estimator"):
        sklstm.load(tampered)


@pytest.mark.parametrize(
    "entry",
    [
        {"keras_function": ["losses", "deserialize"]},
        {"keras_function": ["losses", "Huber"]},
        {"keras_function": ["activations", "get"]},
        {"keras_function": ["utils", "get_file"]},
        {"keras_class": ["optimizers", "get"]},
        {"keras_class": ["optimizers", "schedules"]},
        {
            "keras": {
                "module": "keras.utils",
                "class_name": "function",
                "config": "get_file",
                "registered_name": None,
            }
        },
        {
            "keras": {
                "module": "keras.losses",
                "class_name": "function",
                "config": "huber",
                "registered_name": "function",
            }
        },
    ],
    ids=lambda entry: json.dumps(entry)[:40],
)
def test_load_refuses_keras_names_that_are_not_functions_or_optimizers(
    saved_regressor, tmp_path, entry
):
    def set_loss(tree):
        tree["state"]["loss"] = entry

    with pytest.raises(ModelFileError, match="state|Keras|loss"):
        sklstm.load(tampered_index(saved_regressor, tmp_path, set_loss))


def _set(path, value):
    def edit(tree):
        *parents, last = path
        for key in parents:
            tree = tree[key]
        tree[last] = value

    return edit


@pytest.mark.parametrize(
    "edit, message",
    [
        (_set(["state"], [1, 2]), "damaged 'estimator'"),
        (_set(["estimator"], 5), "damaged 'estimator'"),
        (_set(["state", "units"], {"tuple": "abc"}), "damaged 'tuple'"),
        (_set(["state", "units"], {"dict": [[1, 2, 3]]}), "damaged 'dict'"),
        (_set(["state", "units"], {"dict": [[[1], 2]]}), "damaged 'dict'"),
        (_set(["state", "units"], {"array": "a999"}), "damaged 'array'"),
        (_set(["state", "units"], {"array": 0}), "damaged 'array'"),
        (_set(["state", "units"], {"dtype": "i4,(99999999,)f8"}), "damaged 'dtype'"),
        (_set(["state", "units"], {"object_array": [1], "shape": [10**30]}), "shape"),
        (_set(["state", "model_"], {"network": 10**400}), "no network"),
        (_set(["state", "model_"], {"network": True}), "damaged 'network'"),
        (_set(["state", "units"], "many"), "invalid parameters.*units"),
        (_set(["state", "units"], json.loads("[" * 80 + "]" * 80)), "nested deeper"),
        (lambda tree: tree["state"].pop("_seed"), "missing _seed"),
    ],
    ids=[
        "state-list",
        "class-int",
        "tuple-str",
        "dict-triple",
        "dict-unhashable",
        "array-missing",
        "array-int",
        "dtype-structured",
        "shape-huge",
        "network-huge",
        "network-bool",
        "parameter-type",
        "depth-80",
        "missing-private",
    ],
)
def test_load_refuses_malformed_entries(saved_regressor, tmp_path, edit, message):
    with pytest.raises(ModelFileError, match=message):
        sklstm.load(tampered_index(saved_regressor, tmp_path, edit))


def _index_text(saved):
    with zipfile.ZipFile(saved) as archive:
        return archive.read("sklstm.json").decode()


def _changed(**changes):
    """Make the index text with some top-level keys changed (None: removed)."""

    def change(text):
        index = {**json.loads(text), **changes}
        return json.dumps({k: v for k, v in index.items() if v is not None})

    return change


@pytest.mark.parametrize(
    "make_text, message",
    [
        (lambda text: "[" * 50_000 + "]" * 50_000, "nested too deeply"),
        (lambda text: text.replace('"units": 3', '"units": ' + "9" * 5000), "JSON"),
        (lambda text: b"\xff\xfe\x00", "not valid JSON"),
        (lambda text: "[1, 2]", "not an sklstm model file"),
        (_changed(estimator=[5]), "no estimator"),
        (_changed(estimator=None), "lacks the estimator"),
        (_changed(versions=["3.14"]), "lacks the estimator or versions"),
        (
            _changed(format_version=1),
            "format version 1.*fit the model with this sklstm and save it again",
        ),
    ],
    ids=[
        "nested-50000",
        "huge-int",
        "not-utf8",
        "list",
        "not-estimator",
        "no-estimator",
        "versions-list",
        "version-1",
    ],
)
def test_load_refuses_malformed_index(saved_regressor, tmp_path, make_text, message):
    text = make_text(_index_text(saved_regressor))
    tampered = rewrite(saved_regressor, tmp_path / "t.sklstm", {"sklstm.json": text})
    with pytest.raises(ModelFileError, match=message):
        sklstm.load(tampered)


@pytest.mark.parametrize(
    "member, content, message",
    [
        ("arrays.npz", "npy", "arrays.npz is not an .npz archive"),
        ("arrays.npz", b"\x93NUMPY" + b"\x00" * 20, "arrays.npz is damaged"),
        ("arrays.npz", b"garbage", "arrays.npz is damaged"),
        ("networks/0.keras", b"not a zip", "networks/0.keras is damaged"),
        ("networks/0.keras", "npz", "networks/0.keras is damaged"),
    ],
    ids=["npy", "npy-header", "garbage-arrays", "network-not-zip", "network-npz"],
)
def test_load_refuses_members_of_the_wrong_kind(
    saved_regressor, tmp_path, member, content, message
):
    if content == "npz":
        with zipfile.ZipFile(saved_regressor) as archive:
            content = archive.read("arrays.npz")
    if content == "npy":
        content = io.BytesIO()
        np.save(content, np.arange(3))
        content = content.getvalue()
    tampered = rewrite(saved_regressor, tmp_path / "t.sklstm", {member: content})
    with pytest.raises(ModelFileError, match=message):
        sklstm.load(tampered)


def _step(i, name, value):
    """Set ``name`` of step ``i`` of a pipeline's tree to ``value``."""
    return _set(["state", "steps", i, "tuple", 1, "state", name], value)


def _drop_step_attribute(i, name):
    def edit(tree):
        del tree["state"]["steps"][i]["tuple"][1]["state"][name]

    return edit


# Every fitted attribute that predict or transform reads, set to what no fit
# leaves there: each case once loaded and failed later, deep in pandas,
# NumPy or Keras, with a message that did not name the file.
@pytest.mark.parametrize(
    "saved, edit, message",
    [
        ("dated", _step(0, "window_size", True), "window_size must not be a bool"),
        ("dated", _step(0, "n_features_in_", "2"), "n_features_in_ must be a pos"),
        ("dated", _step(0, "series_", "abc"), r"series_ must be a float32 array"),
        ("dated", _step(0, "index_", [1, 2]), r"index_ must be None or an int64"),
        ("dated", _step(0, "index_dtype_", "nonsense"), "index_dtype_ must be"),
        ("dated", _step(0, "index_step_", "bogus"), "index_step_ must be.*'bogus'"),
        ("dated", _step(0, "index_step_", 7), "index_step_ must be.*got 7"),
        ("dated", _step(0, "ids_", "abc"), "ids_ must be None, or the series ids"),
        ("dated", _step(0, "series_transformers_", [5]), "series_transformers_"),
        ("dated", _drop_step_attribute(0, "ids_"), "missing ids_"),
        ("dated", _step(0, "offset_", 3), "refusing 'offset_'"),
        ("dated", _set(["state", "steps", 1, "tuple", 1], 5), "steps must be a list"),
        ("dated", _step(1, "model_", None), "model_ must be a Keras model.*None"),
        ("dated", _step(1, "n_features_in_", 2), "model_ must be a Keras model"),
        ("dated", _step(1, "_x_ndim", 7), "_x_ndim must be 2 or 3, got 7"),
        ("dated", _step(1, "_seed", "x"), "_seed must be an int"),
        ("dated", _step(1, "_network_params", 5), "_network_params must be a dict"),
        ("dated", _step(1, "history_", {"dict": [["loss", "x"]]}), "history_"),
        ("dated", _step(1, "_y_ndim", 2.0), r"_y_ndim must be 1 \(then"),
        ("dated", _step(1, "n_outputs_", 0), "n_outputs_ must be a positive int"),
        ("dated", _step(1, "units", True), "units must not be a bool"),
        ("classifier", _set(["state", "classes_"], "ab"), "classes_ must be a 1D"),
        ("classifier", _set(["state", "n_classes_"], 2), "n_classes_ must be len"),
    ],
    ids=[
        "window_size-bool",
        "n_features_in_-str",
        "series_-str",
        "index_-length",
        "index_dtype_-str",
        "index_step_-str",
        "index_step_-int-for-dates",
        "ids_-str",
        "series_transformers_-int",
        "ids_-missing",
        "unknown-attribute",
        "step-int",
        "model_-none",
        "model_-features",
        "_x_ndim-7",
        "_seed-str",
        "_network_params-int",
        "history_-str",
        "_y_ndim-float",
        "n_outputs_-0",
        "units-bool",
        "classes_-str",
        "n_classes_-wrong",
    ],
)
def test_load_refuses_a_wrongly_typed_state(
    saved_dated_forecaster, saved_classifier, tmp_path, saved, edit, message
):
    source = {"dated": saved_dated_forecaster, "classifier": saved_classifier}
    with pytest.raises(ModelFileError, match=message):
        sklstm.load(tampered_index(source[saved], tmp_path, edit))


def test_pipeline_placed_in_time_round_trip(dated_forecaster, saved_dated_forecaster):
    # The continuation of the daily series, and a slice of its past.
    loaded = sklstm.load(saved_dated_forecaster)
    for part in (DAYS[-10:], DAYS[20:30]):
        assert_array_equal(loaded.predict(part), dated_forecaster.predict(part))
