"""The estimators inside scikit-learn's pipelines, searches, CV and metrics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import loguniform
from sklearn.base import is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_absolute_error,
    root_mean_squared_error,
)
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    ShuffleSplit,
    StratifiedKFold,
    TimeSeriesSplit,
    check_cv,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
)

N_TEST = 30
PARAM_GRID = {
    "regressor__window__window_size": [3, 6],
    "regressor__lstm__units": [2, 4],
}
SCORING = "neg_root_mean_squared_error"


def sine_frame(n_points=160):
    """One-step framing of a sine: X is the value at t, y the value at t + 1."""
    series = np.sin(np.arange(n_points) / 5)
    return series[:-1, np.newaxis], series[1:]


def forecaster():
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer(window_size=3)),
            (
                "lstm",
                LSTMRegressor(units=2, epochs=10, learning_rate=0.05, random_state=0),
            ),
        ]
    )
    return TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())


def sequence_classes(labels, n_per_class=30):
    """Three separable classes of 3D sequences, sorted by class."""
    rng = np.random.default_rng(0)
    k = np.repeat(np.arange(3), n_per_class)
    X = rng.normal(scale=0.3, size=(len(k), 6, 2))
    X[:, :, 0] += k[:, np.newaxis] - 1
    return X, np.asarray(labels)[k]


def classifier():
    return LSTMClassifier(units=4, epochs=20, learning_rate=0.05, random_state=0)


@pytest.fixture(scope="module")
def sine():
    X, y = sine_frame()
    return X[:-N_TEST], y[:-N_TEST], X[-N_TEST:], y[-N_TEST:]


@pytest.fixture(scope="module")
def forecast_search(sine):
    X_train, y_train, _, _ = sine
    search = GridSearchCV(
        forecaster(), PARAM_GRID, cv=TimeSeriesSplit(n_splits=2), scoring=SCORING
    )
    return search.fit(X_train, y_train)


def test_grid_search_tunes_window_and_units_of_scaled_pipeline(forecast_search):
    results = forecast_search.cv_results_
    assert len(results["params"]) == 4
    assert {tuple(sorted(p.items())) for p in results["params"]} == {
        (("regressor__lstm__units", u), ("regressor__window__window_size", w))
        for u in PARAM_GRID["regressor__lstm__units"]
        for w in PARAM_GRID["regressor__window__window_size"]
    }
    scores = results["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # Negated RMSE: never positive.
    assert np.all(scores <= 0)
    best = forecast_search.best_params_
    assert best["regressor__window__window_size"] in [3, 6]
    assert best["regressor__lstm__units"] in [2, 4]


def test_refitted_best_forecaster_uses_chosen_window(forecast_search, sine):
    _, _, X_test, _ = sine
    best = forecast_search.best_estimator_
    window_size = forecast_search.best_params_["regressor__window__window_size"]
    units = forecast_search.best_params_["regressor__lstm__units"]
    pipe = best.regressor_
    assert pipe.named_steps["window"].window_size == window_size
    assert pipe.named_steps["lstm"].units == units
    assert pipe[:-1].transform(X_test).shape == (N_TEST, window_size, 1)
    y_pred = forecast_search.predict(X_test)
    assert y_pred.shape == (N_TEST,)
    assert np.all(np.isfinite(y_pred))


def test_forecast_metrics_beat_constant_mean(forecast_search, sine):
    _, y_train, X_test, y_test = sine
    y_pred = forecast_search.predict(X_test)
    y_mean = np.full_like(y_test, y_train.mean())
    rmse = root_mean_squared_error(y_test, y_pred)
    mae = mean_absolute_error(y_test, y_pred)
    assert np.isfinite(rmse) and np.isfinite(mae)
    assert rmse < 0.6 * root_mean_squared_error(y_test, y_mean)
    assert mae < 0.6 * mean_absolute_error(y_test, y_mean)


def test_grid_search_scores_do_not_depend_on_n_jobs(forecast_search, sine):
    X_train, y_train, _, _ = sine
    # The workers are fresh processes; the serial scores come from a process
    # that had already built and trained other models.
    grid = {"regressor__window__window_size": [6], "regressor__lstm__units": [4]}
    parallel = GridSearchCV(
        forecaster(),
        grid,
        cv=TimeSeriesSplit(n_splits=2),
        scoring=SCORING,
        n_jobs=2,
        refit=False,
    ).fit(X_train, y_train)
    serial = forecast_search.cv_results_
    rows = [serial["params"].index(p) for p in parallel.cv_results_["params"]]
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        assert_allclose(parallel.cv_results_[key], serial[key][rows], rtol=1e-5)


def test_cross_val_score_of_classifier_stratifies():
    X, y = sequence_classes(labels=[0, 1, 2])
    assert is_classifier(classifier())
    assert not is_regressor(classifier())
    assert is_regressor(LSTMRegressor())
    cv = check_cv(3, y, classifier=True)
    assert isinstance(cv, StratifiedKFold)
    for train, _ in cv.split(X, y):
        assert_array_equal(np.unique(y[train]), [0, 1, 2])
    # y is sorted by class: unstratified folds each hold one class out of
    # training, and then test on exactly that class.
    for train, test in KFold(3).split(X, y):
        assert np.setdiff1d(y[test], y[train]).size > 0
    scores = cross_val_score(classifier(), X, y, cv=3)
    assert scores.shape == (3,)
    # Chance is 1/3; a fold tested on a class it never saw would score 0.
    assert np.all(scores > 0.8)


@pytest.fixture(scope="module")
def fitted_classifier():
    X, y = sequence_classes(labels=["low", "mid", "high"])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    return classifier().fit(X_train, y_train), X_test, y_test


def test_classifier_metrics_on_predict_and_predict_proba(fitted_classifier):
    clf, X_test, y_test = fitted_classifier
    assert_array_equal(clf.classes_, ["high", "low", "mid"])
    y_pred = clf.predict(X_test)
    accuracy = accuracy_score(y_test, y_pred)
    assert accuracy > 0.8
    assert accuracy == pytest.approx(clf.score(X_test, y_test))
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    loss = log_loss(y_test, proba, labels=clf.classes_)
    assert np.isfinite(loss)
    assert loss < np.log(3)
    # The columns follow classes_, so labels=classes_ scores a test set that
    # lacks a class.
    present = y_test != "mid"
    loss_two = log_loss(y_test[present], proba[present], labels=clf.classes_)
    column = np.searchsorted(clf.classes_, y_test[present])
    expected = -np.mean(np.log(proba[present][np.arange(present.sum()), column]))
    assert loss_two == pytest.approx(expected, rel=1e-6)


def test_randomized_search_is_reproducible():
    X, y = make_windows(np.sin(np.arange(100) / 5), window_size=5)
    distributions = {"units": [2, 4], "learning_rate": loguniform(1e-3, 1e-1)}

    def search():
        return RandomizedSearchCV(
            LSTMRegressor(epochs=5, random_state=0),
            distributions,
            n_iter=2,
            cv=ShuffleSplit(n_splits=1, test_size=0.25, random_state=0),
            random_state=0,
            refit=False,
        ).fit(X, y)

    first, second = search(), search()
    results = first.cv_results_
    assert len(results["params"]) == 2
    for params in results["params"]:
        assert params["units"] in [2, 4]
        assert 1e-3 <= params["learning_rate"] <= 1e-1
    assert np.all(np.isfinite(results["mean_test_score"]))
    assert first.best_params_ in results["params"]
    assert first.best_params_ == second.best_params_
    assert second.cv_results_["params"] == results["params"]
    assert_allclose(
        second.cv_results_["split0_test_score"], results["split0_test_score"], rtol=1e-6
    )
