"""The cases of the user guide's reproducibility table not tested elsewhere.

Exact across fits, processes and warm starts: tests/test_estimators.py; after
saving: tests/test_saving.py and tests/test_persistence.py; from threads:
tests/test_prediction.py; across ``n_jobs`` and Dask: tests/test_parallel.py.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklstm import LSTMClassifier, LSTMRegressor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 6, 2)).astype(np.float32)
TARGETS = {LSTMRegressor: X[:, -1, 0], LSTMClassifier: X[:, -1, 0] > 0}


@pytest.fixture(scope="module", params=[LSTMRegressor, LSTMClassifier])
def fitted(request):
    Estimator = request.param
    estimator = Estimator(units=3, epochs=2, batch_size=8, random_state=7)
    return estimator.fit(X, TARGETS[Estimator])


def outputs(estimator, X):
    if isinstance(estimator, LSTMClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


def test_predicting_again_gives_identical_outputs(fitted):
    first = outputs(fitted, X)
    for _ in range(3):
        assert_array_equal(outputs(fitted, X), first)


def test_a_sample_alone_or_in_a_batch_agrees_to_float32_rounding(fitted):
    batch = outputs(fitted, X)
    alone = np.concatenate([outputs(fitted, X[i : i + 1]) for i in range(len(X))])
    assert_allclose(alone, batch, rtol=0, atol=1e-6)
    # Splitting a batch into chunks keeps each chunk's arithmetic.
    halves = np.concatenate([outputs(fitted, X[:12]), outputs(fitted, X[12:])])
    assert_allclose(halves, batch, rtol=0, atol=1e-6)


def test_unseeded_fits_differ():
    y = TARGETS[LSTMRegressor]
    first, second = (
        LSTMRegressor(units=3, epochs=1, random_state=None).fit(X, y).predict(X)
        for _ in range(2)
    )
    assert not np.allclose(first, second)
