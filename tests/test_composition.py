"""The estimators inside scikit-learn's pipelines, searches, CV and metrics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import loguniform
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
    TimeSeriesSplit,
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


def test_grid_search_tunes_the_window_size_through_the_pipeline(forecast_search):
    results = forecast_search.cv_results_
    scores = results["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # Candidates that differ only in window size train on different windows,
    # so set_params reached the transformer inside the wrapped pipeline.
    for units in PARAM_GRID["regressor__lstm__units"]:
        same_units = [p["regressor__lstm__units"] == units for p in results["params"]]
        assert len(set(scores[same_units])) == 2


def test_refitted_search_predicts_like_a_pipeline_fitted_by_hand(forecast_search, sine):
    X_train, y_train, X_test, _ = sine
    best_params = forecast_search.best_params_
    by_hand = forecaster().set_params(**best_params).fit(X_train, y_train)
    window_size = best_params["regressor__window__window_size"]
    pipe = forecast_search.best_estimator_.regressor_
    assert pipe[:-1].transform(X_test).shape == (N_TEST, window_size, 1)
    y_pred = forecast_search.predict(X_test)
    assert y_pred.shape == (N_TEST,)
    assert_allclose(y_pred, by_hand.predict(X_test), rtol=1e-5, atol=1e-6)


def test_forecast_metrics_beat_constant_mean(forecast_search, sine):
    _, y_train, X_test, y_test = sine
    y_pred = forecast_search.predict(X_test)
    y_mean = np.full_like(y_test, y_train.mean())
    rmse = root_mean_squared_error(y_test, y_pred)
    mae = mean_absolute_error(y_test, y_pred)
    assert np.isfinite(rmse) and np.isfinite(mae)
    assert rmse < 0.6 * root_mean_squared_error(y_test, y_mean)
    assert mae < 0.6 * mean_absolute_error(y_test, y_mean)


def test_cross_val_score_of_classifier_stratifies():
    X, y = sequence_classes(labels=[0, 1, 2])
    # y is sorted by class: unstratified folds would each hold one class out
    # of training and then test on exactly that class, scoring 0.
    for train, test in KFold(3).split(X, y):
        assert np.setdiff1d(y[test], y[train]).size > 0
    scores = cross_val_score(classifier(), X, y, cv=3)
    assert scores.shape == (3,)
    # Chance is 1/3.
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
    # log_loss reads the columns in sorted label order: classes_'s order.
    loss = log_loss(y_test, proba)
    assert np.isfinite(loss)
    assert loss < np.log(3)


def test_randomized_search_over_learning_rate_is_reproducible():
    X, y = make_windows(np.sin(np.arange(100) / 5), window_size=5)

    def search():
        return RandomizedSearchCV(
            LSTMRegressor(units=2, epochs=5, random_state=0),
            {"learning_rate": loguniform(1e-3, 1e-1)},
            n_iter=2,
            cv=ShuffleSplit(n_splits=1, test_size=0.25, random_state=0),
            random_state=0,
            refit=False,
        ).fit(X, y)

    first, second = search(), search()
    scores = first.cv_results_["split0_test_score"]
    assert np.all(np.isfinite(scores))
    # Only the sampled learning rate differs: it reached the optimizer.
    assert scores[0] != scores[1]
    assert second.cv_results_["params"] == first.cv_results_["params"]
    assert_allclose(second.cv_results_["split0_test_score"], scores, rtol=1e-6)
