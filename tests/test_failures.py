"""Failed or interrupted training leaves the estimator as it was."""

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklstm import LSTMClassifier, LSTMRegressor


def make_data(n_samples=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5, 1))
    return X, X[:, -1, 0]


class Interrupt(keras.callbacks.Callback):
    """Press Ctrl-C during the second epoch, or count epochs when disarmed."""

    def __init__(self, armed=True):
        super().__init__()
        self.armed, self.epochs = armed, 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.armed and self.epochs == 1:
            raise KeyboardInterrupt


def fitted_regressor(**params):
    X, y = make_data()
    params = {"units": 2, "epochs": 2, "random_state": 0, **params}
    return LSTMRegressor(**params).fit(X, y), X, y


# a loss that is not finite


def test_diverging_loss_stops_at_once_and_names_the_causes():
    X, y = make_data()
    counter = Interrupt(armed=False)
    reg = LSTMRegressor(units=2, epochs=20, random_state=0, callbacks=[counter])
    with pytest.raises(FloatingPointError, match="learning_rate.*unscaled"):
        reg.fit(X, y * 1e30)
    assert counter.epochs == 1
    with pytest.raises(NotFittedError):
        check_is_fitted(reg, "model_")


def test_diverging_warm_start_keeps_the_fitted_network():
    reg, X, y = fitted_regressor(warm_start=True)
    before = reg.predict(X)
    history = {key: list(values) for key, values in reg.history_.items()}
    with pytest.raises(FloatingPointError, match="diverged"):
        reg.fit(X, y * 1e30)
    assert_allclose(reg.predict(X), before)
    assert np.isfinite(reg.predict(X)).all()
    assert reg.history_ == history


def test_classifier_whose_loss_overflows_raises_too():
    X, y = make_data()
    clf = LSTMClassifier(units=2, epochs=5, random_state=0)
    huge = np.full(len(X), 3e38)  # finite in float32; the weighted loss is not
    with pytest.raises(FloatingPointError, match="loss was inf"):
        clf.fit(X, (y > 0).astype(int), sample_weight=huge)
    assert not hasattr(clf, "model_")


# KeyboardInterrupt


def test_interrupted_first_fit_leaves_the_estimator_unfitted():
    X, y = make_data()
    reg = LSTMRegressor(units=2, epochs=5, random_state=0, callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        reg.fit(X, y)
    for attribute in ("model_", "history_", "n_features_in_"):
        assert not hasattr(reg, attribute)
    with pytest.raises(NotFittedError):
        reg.predict(X)


@pytest.mark.parametrize("warm_start", [False, True])
def test_interrupted_refit_keeps_the_previous_fit(warm_start):
    reg, X, y = fitted_regressor(warm_start=warm_start)
    model, before = reg.model_, reg.predict(X)
    iterations = int(model.optimizer.iterations)
    reg.set_params(callbacks=[Interrupt()], epochs=5)
    with pytest.raises(KeyboardInterrupt):
        reg.fit(X, y)
    assert reg.model_ is model
    assert int(model.optimizer.iterations) == iterations
    assert len(reg.history_["loss"]) == 2
    assert_allclose(reg.predict(X), before)


def test_interrupted_partial_fit_keeps_the_previous_fit():
    reg, X, y = fitted_regressor()
    before = reg.predict(X)
    reg.set_params(callbacks=[Interrupt()])
    reg.callbacks[0].epochs = 1  # interrupt the very next epoch
    with pytest.raises(KeyboardInterrupt):
        reg.partial_fit(X, y)
    assert len(reg.history_["loss"]) == 2
    assert_allclose(reg.predict(X), before)
