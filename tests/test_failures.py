"""Failed or interrupted training leaves the estimator as it was."""

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklstm import LSTMClassifier, LSTMRegressor


def make_data(n_samples=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5, 1))
    return X, X[:, -1, 0]


def target(Estimator, y):
    return (y > 0).astype(int) if Estimator is LSTMClassifier else y


def outputs(estimator, X):
    if isinstance(estimator, LSTMClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


class Interrupt(keras.callbacks.Callback):
    """Press Ctrl-C after the second batch of training."""

    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            raise KeyboardInterrupt


class CountBatches(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_begin(self, batch, logs=None):
        self.batches += 1


def fail(estimator, X, y, failure, method):
    """Call ``method`` so that it fails with ``failure``; return the error."""
    kwargs = {}
    if failure is ValueError:
        X = X.copy()
        X[3, 2, 0] = np.nan
    elif failure is FloatingPointError:
        if isinstance(estimator, LSTMClassifier):
            # finite in float32; the weighted loss is not
            kwargs["sample_weight"] = np.full(len(X), 3e38)
        else:
            y = y * 1e30
    else:
        estimator.set_params(callbacks=[Interrupt()])
    with pytest.raises(failure) as error:
        getattr(estimator, method)(X, y, **kwargs)
    return error.value


# a loss that is not finite


def test_diverging_loss_stops_at_the_first_batch_and_names_the_causes():
    X, y = make_data()
    counter = CountBatches()
    reg = LSTMRegressor(
        units=2, epochs=20, batch_size=8, random_state=0, callbacks=[counter]
    )
    with pytest.raises(FloatingPointError, match="learning_rate.*unscaled") as error:
        reg.fit(X, y * 1e30)
    assert "after batch 1 of epoch 1" in str(error.value)
    assert counter.batches == 1
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)


# every failure, in every kind of fit, of both estimators


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
@pytest.mark.parametrize("failure", [ValueError, FloatingPointError, KeyboardInterrupt])
def test_failed_first_fit_leaves_the_estimator_unfitted(Estimator, failure):
    X, y = make_data()
    estimator = Estimator(units=2, epochs=2, batch_size=8, random_state=0)
    fail(estimator, X, target(Estimator, y), failure, "fit")
    assert [name for name in vars(estimator) if name.endswith("_")] == []
    with pytest.raises(NotFittedError):
        estimator.predict(X)


@pytest.fixture(scope="module", params=[LSTMRegressor, LSTMClassifier])
def fitted(request):
    """A fitted estimator that every failed refit must leave as it is."""
    X, y = make_data()
    y = target(request.param, y)
    estimator = request.param(units=2, epochs=2, batch_size=8, random_state=0)
    return estimator.fit(X, y), X, y


@pytest.mark.parametrize("failure", [ValueError, FloatingPointError, KeyboardInterrupt])
@pytest.mark.parametrize("method", ["fit", "warm_start", "partial_fit"])
def test_failed_refit_predicts_exactly_as_before(fitted, failure, method):
    estimator, X, y = fitted
    estimator.set_params(warm_start=method == "warm_start", callbacks=None)
    model, before = estimator.model_, outputs(estimator, X)
    iterations = int(model.optimizer.iterations)
    attributes = dict(vars(estimator))
    history = {key: list(values) for key, values in estimator.history_.items()}
    fail(estimator, X, y, failure, "partial_fit" if method == "partial_fit" else "fit")
    assert estimator.model_ is model
    assert int(model.optimizer.iterations) == iterations
    assert estimator.history_ == history
    for name, value in attributes.items():
        if name != "callbacks":
            assert vars(estimator)[name] is value, name
    assert_array_equal(outputs(estimator, X), before)


def test_failed_warm_start_keeps_the_loss_it_was_compiled_with():
    X, y = make_data()
    reg = LSTMRegressor(units=2, epochs=1, batch_size=8, warm_start=True).fit(X, y)
    reg.set_params(loss="mae", callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        reg.fit(X, y)
    # The same settings as the last good fit: no reason to compile again, so
    # the network must have kept them.
    assert reg.model_.loss == "mse"
    reg.set_params(loss=None, callbacks=None).fit(X, y)
    assert reg.model_.loss == "mse"
    assert len(reg.history_["loss"]) == 2
