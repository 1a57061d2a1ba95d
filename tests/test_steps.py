"""Several batches per call of the training function, on TensorFlow.

Unless something watches the batches, a TensorFlow fit runs many training
steps per call: the results must be those of one step per call, and what
watches batches must still see each of them.
"""

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklstm import LSTMClassifier, LSTMRegressor, _training

RNG = np.random.default_rng(0)
# 45 rows in batches of 8: an epoch of 6 batches, the last one shorter.
X = RNG.normal(size=(45, 5, 2)).astype(np.float32)
TARGETS = {LSTMRegressor: X[:, -1, 0], LSTMClassifier: X[:, -1, 0] > 0}
tensorflow_only = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="only TensorFlow runs several steps per call",
)


class CountBatches(keras.callbacks.Callback):
    """Counts the batches of each epoch, as a user's callback would."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.batches[-1] += 1


def fit_twice(estimator, y, callbacks):
    """Fit, then train 2 epochs more from there; return the estimator."""
    estimator.set_params(callbacks=callbacks).fit(
        X, y, sample_weight=1 + X[:, 0, 1] ** 2
    )
    estimator.set_params(warm_start=True, epochs=2).fit(X, y)
    return estimator


@tensorflow_only
@pytest.mark.parametrize("most", [64, 4])
@pytest.mark.parametrize(
    "Estimator, params",
    [
        (LSTMRegressor, {"validation_split": 0.2, "dropout": 0.2}),
        (LSTMClassifier, {"early_stopping": 1, "validation_split": 0.3}),
    ],
)
def test_several_batches_per_call_train_exactly_like_one(
    Estimator, params, most, monkeypatch
):
    # most=4 splits the regressor's epochs of 5 batches into calls of 3 and 2.
    monkeypatch.setattr(_training, "MOST", most)
    y = TARGETS[Estimator]
    template = Estimator(units=3, epochs=3, batch_size=8, random_state=0, **params)
    several = fit_twice(template, y, None)
    one = fit_twice(
        Estimator(units=3, epochs=3, batch_size=8, random_state=0, **params),
        y,
        [CountBatches()],
    )
    assert several.history_ == one.history_
    for a, b in zip(
        several.model_.get_weights(), one.model_.get_weights(), strict=True
    ):
        assert_array_equal(a, b)


def count_with_lambdas():
    """A ``LambdaCallback`` counting batches: its hooks are set per instance."""
    counter = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: counter.batches.append(0),
        on_train_batch_end=lambda batch, logs: counter.batches.append(
            counter.batches.pop() + 1
        ),
    )
    counter.batches = []
    return counter


@pytest.mark.parametrize("make_counter", [CountBatches, count_with_lambdas])
def test_callbacks_watching_batches_see_every_batch(make_counter):
    counter = make_counter()
    reg = LSTMRegressor(
        units=2, epochs=3, batch_size=8, validation_split=0.2, callbacks=[counter]
    ).fit(X, TARGETS[LSTMRegressor])
    # 36 training rows: 5 batches per epoch, reported one by one.
    assert counter.batches == [5, 5, 5]
    assert len(reg.history_["loss"]) == 3


@tensorflow_only
def test_a_diverging_loss_stops_in_the_epoch_it_diverged():
    reg = LSTMRegressor(units=2, epochs=20, batch_size=8, random_state=0)
    with pytest.raises(FloatingPointError, match="in epoch 1, and training stopped"):
        reg.fit(X, TARGETS[LSTMRegressor] * 1e30)
