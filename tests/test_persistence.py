"""Estimators and searches survive pickle, joblib, clone and a new process.

On JAX, their compiled programs outlive the process in a per-user cache.
"""

import os
import pickle
import stat
import subprocess
import sys

import joblib
import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer

N_TRAIN = 60

# Loads what the tests dumped into a folder (argv[1]) and saves predictions
# there. sklstm is not imported: unpickling has to do that.
FRESH_PROCESS = """
import sys
from pathlib import Path

import joblib
import keras
import numpy as np

folder = Path(sys.argv[1])
search = joblib.load(folder / "search.joblib")
regressor = joblib.load(folder / "regressor.joblib")
classifier = joblib.load(folder / "classifier.joblib")
for name in ("series_train", "series_next"):
    y_pred = search.predict(np.load(folder / f"{name}.npy"))
    np.save(folder / f"search_{name}_pred.npy", y_pred)
X = np.load(folder / "sequences.npy")
np.save(folder / "regressor_pred.npy", regressor.predict(X))
np.save(folder / "classifier_pred.npy", classifier.predict(X))
np.save(folder / "classifier_proba.npy", classifier.predict_proba(X))
print(keras.backend.backend())
"""


def pickle_round_trip(estimator, path):
    with open(path, "wb") as file:
        pickle.dump(estimator, file)
    with open(path, "rb") as file:
        return pickle.load(file)


def joblib_round_trip(estimator, path):
    joblib.dump(estimator, path)
    return joblib.load(path)


ROUND_TRIPS = {"pickle": pickle_round_trip, "joblib": joblib_round_trip}


def sequences(n_samples=40):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n_samples, 5, 2)).astype(np.float32)


def updown_labels(X):
    """String labels from the mean level of the first feature."""
    labels = np.array(["down", "flat", "up"])
    return labels[np.digitize(X[:, :, 0].mean(axis=1), [-0.2, 0.2])]


@pytest.fixture(scope="module")
def regressor():
    X = sequences()
    y = X[:, -1, 0] + X[:, :, 1].mean(axis=1)
    reg = LSTMRegressor(
        units=3,
        epochs=2,
        metrics=["mae"],
        callbacks=[keras.callbacks.TerminateOnNaN()],
        random_state=0,
    )
    return reg.fit(X, y), X


@pytest.fixture(scope="module")
def classifier():
    X = sequences()
    clf = LSTMClassifier(units=3, epochs=2, random_state=0)
    return clf.fit(X, updown_labels(X)), X


def sine_frame(n_points=80):
    series = np.sin(np.arange(n_points) / 5)
    return series[:-1, np.newaxis], series[1:]


@pytest.fixture(scope="module")
def search():
    X, y = sine_frame()
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer(window_size=2)),
            ("lstm", LSTMRegressor(units=2, epochs=2, random_state=0)),
        ]
    )
    # One chronological split keeps the number of fits down.
    cv = [(np.arange(40), np.arange(40, N_TRAIN))]
    search = GridSearchCV(pipe, {"window__window_size": [2, 4]}, cv=cv)
    return search.fit(X[:N_TRAIN], y[:N_TRAIN])


@pytest.fixture(scope="module")
def fresh_process(tmp_path_factory, search, regressor, classifier):
    """Dump the fitted objects, load them in a new Python, return its folder."""
    folder = tmp_path_factory.mktemp("fresh_process")
    X, _ = sine_frame()
    np.save(folder / "series_train.npy", X[:N_TRAIN])
    np.save(folder / "series_next.npy", X[N_TRAIN:])
    np.save(folder / "sequences.npy", regressor[1])
    joblib.dump(search, folder / "search.joblib")
    joblib.dump(regressor[0], folder / "regressor.joblib")
    joblib.dump(classifier[0], folder / "classifier.joblib")
    env = dict(
        os.environ,
        KERAS_BACKEND=os.environ["KERAS_BACKEND"],
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == keras.backend.backend()
    return folder


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_fitted_regressor_round_trip_predicts_identically(regressor, how, tmp_path):
    reg, X = regressor
    loaded = ROUND_TRIPS[how](reg, tmp_path / "regressor.bin")
    check_is_fitted(loaded)
    assert_allclose(loaded.predict(X), reg.predict(X), rtol=1e-6, atol=0)
    assert loaded.n_features_in_ == reg.n_features_in_ == 2
    assert loaded.n_outputs_ == reg.n_outputs_
    assert loaded.history_ == reg.history_
    assert set(loaded.history_) == {"loss", "mae"}
    for got, expected in zip(
        loaded.model_.get_weights(), reg.model_.get_weights(), strict=True
    ):
        assert_array_equal(got, expected)
    assert loaded.score(X, reg.predict(X)) == pytest.approx(1.0)


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_fitted_classifier_round_trip_predicts_identically(classifier, how, tmp_path):
    clf, X = classifier
    loaded = ROUND_TRIPS[how](clf, tmp_path / "classifier.bin")
    check_is_fitted(loaded)
    assert_array_equal(loaded.classes_, ["down", "flat", "up"])
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert_array_equal(loaded.predict(X), clf.predict(X))
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6, atol=0)
    assert loaded.n_features_in_ == clf.n_features_in_ == 2
    assert loaded.history_ == clf.history_
    assert len(loaded.history_["loss"]) == 2


def test_grid_search_predicts_identically_in_fresh_process(search, fresh_process):
    X, _ = sine_frame()
    window_size = search.best_params_["window__window_size"]
    assert search.best_estimator_.named_steps["window"].window_size == window_size
    # The fitted series itself (padded at its start) and its continuation
    # (windows completed from the end of the fitted series).
    for name, X_part in (("series_train", X[:N_TRAIN]), ("series_next", X[N_TRAIN:])):
        in_process = search.predict(X_part)
        loaded = np.load(fresh_process / f"search_{name}_pred.npy")
        assert loaded.shape == (len(X_part),)
        assert_allclose(loaded, in_process, rtol=1e-6, atol=0)


def test_estimators_predict_identically_in_fresh_process(
    regressor, classifier, fresh_process
):
    reg, X = regressor
    clf, _ = classifier
    assert_allclose(
        np.load(fresh_process / "regressor_pred.npy"),
        reg.predict(X),
        rtol=1e-6,
        atol=0,
    )
    assert_array_equal(np.load(fresh_process / "classifier_pred.npy"), clf.predict(X))
    assert_allclose(
        np.load(fresh_process / "classifier_proba.npy"),
        clf.predict_proba(X),
        rtol=1e-6,
        atol=0,
    )


def assert_same_params(cloned, original):
    """Equal parameters, callbacks compared as ``clone`` copies them."""
    cloned_params, params = cloned.get_params(), original.get_params()
    assert cloned_params.keys() == params.keys()
    for key, value in params.items():
        if key == "callbacks" and value is not None:
            pairs = list(zip(cloned_params[key], value, strict=True))
            assert all(type(a) is type(b) and a is not b for a, b in pairs)
        else:
            assert cloned_params[key] == value, key


@pytest.mark.parametrize("fixture", ["regressor", "classifier"])
def test_clone_of_fitted_estimator_is_unfitted_with_same_params(fixture, request):
    estimator, X = request.getfixturevalue(fixture)
    cloned = clone(estimator)
    assert type(cloned) is type(estimator)
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    for attribute in ("model_", "history_", "n_features_in_", "classes_"):
        assert not hasattr(cloned, attribute)
    assert_same_params(cloned, estimator)
    # The original is untouched.
    check_is_fitted(estimator)


def test_unfitted_estimator_with_keras_objects_pickles():
    unfitted = LSTMRegressor(
        units=(3, 2),
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.Huber(),
        callbacks=[keras.callbacks.TerminateOnNaN()],
        random_state=0,
    )
    loaded = pickle.loads(pickle.dumps(unfitted))
    with pytest.raises(NotFittedError):
        check_is_fitted(loaded)
    params, loaded_params = unfitted.get_params(), loaded.get_params()
    assert loaded_params.keys() == params.keys()
    for key in ("optimizer", "loss"):
        assert type(loaded_params[key]) is type(params[key])
        assert loaded_params[key].get_config() == params[key].get_config()
    assert [type(c) for c in loaded_params["callbacks"]] == [
        keras.callbacks.TerminateOnNaN
    ]
    for key in params.keys() - {"optimizer", "loss", "callbacks"}:
        assert loaded_params[key] == params[key], key


def test_unpickled_unfitted_classifier_fits_like_original(classifier):
    clf, X = classifier
    loaded = pickle.loads(pickle.dumps(clone(clf)))
    with pytest.raises(NotFittedError):
        check_is_fitted(loaded)
    # Same parameters, seed and data as the fixture: the same network.
    loaded.fit(X, updown_labels(X))
    assert_array_equal(loaded.classes_, clf.classes_)
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


# Fits a tiny network on JAX and reports the compilation cache JAX ends up with.
JAX_FIT = """
import jax
import numpy as np
from sklstm import LSTMRegressor

X = np.zeros((8, 3, 1), dtype=np.float32)
LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, X[:, -1, 0])
print(jax.config.jax_compilation_cache_dir, jax.config.jax_compilation_cache_max_size)
"""
# The same report after only the setup that such a fit starts with.
JAX_SETUP = """
import jax
from sklstm._device import prepare_process

prepare_process()
print(jax.config.jax_compilation_cache_dir, jax.config.jax_compilation_cache_max_size)
"""


def run_on_jax(script, cache_home, **env):
    """Run ``script`` with no cache settings but ``env``; return its report."""
    own = ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS")
    base = {k: v for k, v in os.environ.items() if k not in own}
    base.pop("SKLSTM_JAX_CACHE", None)
    env = base | {"KERAS_BACKEND": "jax", "XDG_CACHE_HOME": str(cache_home)} | env
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    folder, max_size = result.stdout.split()[-2:]
    return folder, int(max_size)


def test_jax_fit_keeps_its_compilations_in_a_bounded_per_user_cache(tmp_path):
    folder, max_size = run_on_jax(JAX_FIT, tmp_path)
    expected = tmp_path / "sklstm" / "jax"
    assert folder == str(expected)
    assert max_size > 0
    assert list(expected.glob("*-cache"))
    # JAX runs what it finds there: no one else may write to it.
    assert stat.S_IMODE(expected.stat().st_mode) == 0o700


def test_jax_cache_switched_off_is_left_alone(tmp_path):
    assert run_on_jax(JAX_SETUP, tmp_path, SKLSTM_JAX_CACHE="0") == ("None", -1)
    assert not (tmp_path / "sklstm").exists()


def test_jax_cache_configured_by_the_user_is_left_alone(tmp_path):
    user = str(tmp_path / "users-own")
    report = run_on_jax(JAX_SETUP, tmp_path, JAX_COMPILATION_CACHE_DIR=user)
    assert report == (user, -1)
    assert not (tmp_path / "sklstm").exists()
