"""LSTMRegressor: targets, outputs, score."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import r2_score

from sklstm import LSTMRegressor, make_windows


@pytest.fixture(scope="module")
def sine_windows():
    series = np.sin(np.arange(300) / 6.0)
    return make_windows(series, window_size=8)


def test_learns_the_next_value_of_a_sine(sine_windows):
    X, y = sine_windows
    reg = LSTMRegressor(units=8, epochs=15, learning_rate=0.02, random_state=0)
    y_pred = reg.fit(X, y).predict(X)
    assert y_pred.shape == y.shape and y_pred.dtype == np.float64
    assert reg.score(X, y) == pytest.approx(r2_score(y, y_pred))
    assert reg.score(X, y) > 0.9
    assert len(reg.history_["loss"]) == 15
    assert reg.history_["loss"][-1] < reg.history_["loss"][0]


def test_multi_output_target_gets_one_output_each(sine_windows):
    X, _ = sine_windows
    _, y = make_windows(np.sin(np.arange(300) / 6.0), window_size=8, horizon=3)
    X = X[: len(y)]
    reg = LSTMRegressor(units=3, epochs=1, random_state=0).fit(X, y)
    assert reg.n_outputs_ == 3
    assert reg.model_.output_shape == (None, 3)
    assert reg.predict(X).shape == (len(X), 3)


def test_column_target_predicts_a_column(sine_windows):
    X, y = sine_windows
    reg = LSTMRegressor(units=3, epochs=1, random_state=0).fit(X, y[:, None])
    assert reg.predict(X).shape == (len(X), 1)


def test_loss_and_metrics_by_name(sine_windows):
    X, y = sine_windows
    reg = LSTMRegressor(units=3, epochs=1, loss="mae", metrics="mse", random_state=0)
    reg.fit(X, y)
    assert set(reg.history_) == {"loss", "mse"}
    y_pred = reg.predict(X)
    # the network is compiled with the given loss, not the default MSE
    assert reg.model_.loss == "mae"
    assert np.isfinite(y_pred).all()


def test_non_numeric_target_is_named():
    X = np.zeros((4, 3, 1))
    with pytest.raises(ValueError, match="dtype='numeric' is not compatible"):
        LSTMRegressor(units=2, epochs=1).fit(X, np.array(["a", "b", "c", "d"]))


def test_predicts_in_chunks_the_same_as_at_once(sine_windows):
    X, y = sine_windows
    reg = LSTMRegressor(units=3, epochs=1, random_state=0).fit(X, y)
    many = np.concatenate([X] * 20)  # more rows than one forward pass takes
    assert_allclose(reg.predict(many), np.tile(reg.predict(X), 20), rtol=1e-5)
