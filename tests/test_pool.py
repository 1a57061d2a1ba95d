"""Networks reused across fits: exact results, and nothing shared while alive."""

import copy
import gc
import pickle
import threading
from collections import OrderedDict, deque

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone

from sklstm import LSTMClassifier, LSTMRegressor, _pool

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "torch", reason="the torch backend traces nothing"
)

RNG = np.random.default_rng(0)
# 30 rows in batches of 8: the last batch of each epoch is shorter.
X = RNG.normal(size=(30, 5, 2)).astype(np.float32)
TARGETS = {LSTMRegressor: X[:, -1, 0], LSTMClassifier: X[:, -1, 0] > 0}


@pytest.fixture(autouse=True)
def empty_pool(monkeypatch):
    """Each test starts without free networks left by other tests."""
    gc.collect()
    monkeypatch.setattr(_pool, "_FREE", OrderedDict())
    monkeypatch.setattr(_pool, "_RETURNED", deque())


def outputs(estimator):
    if isinstance(estimator, LSTMClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


def fit_and_discard(estimator, y, X=X):
    """Fit ``estimator``, drop it, and return the id of the network it had."""
    estimator.fit(X, y)
    network = id(estimator.model_)
    del estimator
    gc.collect()
    return network


@pytest.mark.parametrize(
    "Estimator, params",
    [
        (LSTMRegressor, {}),
        (LSTMRegressor, {"dropout": 0.3, "recurrent_dropout": 0.2}),
        (LSTMRegressor, {"validation_split": 0.2, "early_stopping": 1}),
        (LSTMRegressor, {"normalize": "last", "optimizer": "rmsprop"}),
        (LSTMClassifier, {"units": (3, 2), "dense_units": (2,)}),
    ],
)
def test_a_reused_network_trains_exactly_like_a_fresh_one(Estimator, params):
    y = TARGETS[Estimator]
    template = Estimator(**{"units": 3, "epochs": 2, "batch_size": 8, **params})
    fresh = clone(template).set_params(random_state=0).fit(X, y)
    expected, history = outputs(fresh), fresh.history_
    del fresh
    # Another seed trains the network further, on shorter windows and fewer
    # rows (other shapes for its traced steps), and frees it again.
    network = fit_and_discard(
        clone(template).set_params(random_state=1), y[:20], X=X[:20, :3]
    )

    reused = clone(template).set_params(random_state=0).fit(X, y)

    assert id(reused.model_) == network
    assert_array_equal(outputs(reused), expected)
    assert reused.history_ == history


def test_a_later_fit_with_other_batch_counts_traces_nothing(monkeypatch):
    template = LSTMRegressor(units=3, epochs=2, batch_size=8)
    y = TARGETS[LSTMRegressor]
    Network = type(clone(template).fit(X, y).model_)
    gc.collect()
    traces = []
    step = Network.train_step
    monkeypatch.setattr(
        Network, "train_step", lambda self, data: traces.append(1) or step(self, data)
    )
    # Fewer rows (3 batches, the last one of 4 rows) on the freed network.
    clone(template).fit(X[:20], y[:20])
    assert traces == []


def test_live_estimators_never_share_a_network():
    y = TARGETS[LSTMRegressor]
    template = LSTMRegressor(units=3, epochs=1, batch_size=8)
    first = clone(template).set_params(random_state=0).fit(X, y)
    before = first.predict(X)
    others = [clone(template).set_params(random_state=s).fit(X, y) for s in (1, 2)]
    # A refit frees its old network, which must not be its own new one.
    others[0].fit(X, y)

    networks = {id(e.model_) for e in (first, *others)}
    assert len(networks) == 3
    assert_array_equal(first.predict(X), before)


def test_a_recompiled_network_is_not_reused_with_other_settings():
    y = TARGETS[LSTMRegressor]
    template = LSTMRegressor(units=3, epochs=1, batch_size=8, random_state=0)
    expected = clone(template).fit(X, y).predict(X)
    warm = clone(template).fit(X, y)
    # A warm start with another loss recompiles the network for that loss.
    network = fit_and_discard(warm.set_params(loss="mae", warm_start=True), y)

    again = clone(template).fit(X, y)

    assert id(again.model_) != network
    assert_array_equal(again.predict(X), expected)


def test_a_failed_fit_keeps_the_estimator_working_and_frees_its_network():
    y = TARGETS[LSTMRegressor]
    template = LSTMRegressor(units=3, epochs=1, batch_size=8, random_state=0)
    expected = clone(template).fit(X, y).predict(X)
    failing = clone(template).set_params(learning_rate=1e30)
    with pytest.raises(FloatingPointError):
        failing.fit(X, y * 1e30)

    again = clone(template).fit(X, y)

    assert_array_equal(again.predict(X), expected)


def test_fits_in_threads_match_fits_in_sequence():
    y = TARGETS[LSTMRegressor]
    template = LSTMRegressor(units=3, epochs=2, batch_size=8)
    seeds = (0, 1, 2)
    expected = [
        clone(template).set_params(random_state=s).fit(X, y).predict(X) for s in seeds
    ]
    gc.collect()  # the three networks are free for the threads
    results = {}

    def fit(seed):
        estimator = clone(template).set_params(random_state=seed).fit(X, y)
        results[seed] = (id(estimator.model_), estimator.predict(X), estimator)

    threads = [threading.Thread(target=fit, args=(s,)) for s in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({results[s][0] for s in seeds}) == len(seeds)
    for seed, prediction in zip(seeds, expected, strict=True):
        assert_array_equal(results[seed][1], prediction)


def test_copies_keep_their_own_network_when_the_original_is_reused():
    y = TARGETS[LSTMRegressor]
    original = LSTMRegressor(units=3, epochs=1, batch_size=8, random_state=0)
    expected = original.fit(X, y).predict(X)
    copies = [copy.deepcopy(original), pickle.loads(pickle.dumps(original))]
    network = id(original.model_)
    del original
    gc.collect()

    reuser = LSTMRegressor(units=3, epochs=2, batch_size=8, random_state=1).fit(X, y)

    assert id(reuser.model_) == network
    for estimator in copies:
        assert_array_equal(estimator.predict(X), expected)


def test_a_shallow_copy_keeps_the_network_it_shares():
    y = TARGETS[LSTMRegressor]
    original = LSTMRegressor(units=3, epochs=1, batch_size=8, random_state=0)
    expected = original.fit(X, y).predict(X)
    shallow = copy.copy(original)
    del original
    gc.collect()

    other = LSTMRegressor(units=3, epochs=2, batch_size=8, random_state=1).fit(X, y)

    assert other.model_ is not shallow.model_
    assert_array_equal(shallow.predict(X), expected)


def huber(delta):
    return {"loss": keras.losses.Huber(delta=delta)}


def leaky(slope):
    def activation(x):
        return keras.ops.where(x > 0, x, slope * x)

    return {"activation": activation}


def metric(name):
    return {"metrics": [keras.metrics.MeanAbsoluteError(name=name)]}


@pytest.mark.parametrize(
    "first, second",
    [
        # Keras's Huber.get_config() drops delta; a closure's config is its name.
        (huber(5.0), huber(0.01)),
        (leaky(1.0), leaky(0.0)),
        (metric("mae_a"), metric("err")),
    ],
)
def test_settings_no_config_describes_are_never_reused(first, second):
    y = TARGETS[LSTMRegressor]
    template = LSTMRegressor(units=3, epochs=2, batch_size=8, random_state=0)
    fresh = clone(template).set_params(**second).fit(X, y)
    fit_and_discard(clone(template).set_params(**first), y)

    again = clone(template).set_params(**second).fit(X, y)

    assert again.history_ == fresh.history_
    assert_array_equal(again.predict(X), fresh.predict(X))


class FreezeFirstLSTM(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        self.model.get_layer(index=1).trainable = False


def test_a_network_changed_while_training_is_not_reused():
    y = TARGETS[LSTMRegressor]
    template = LSTMRegressor(units=3, epochs=2, batch_size=8, random_state=0)
    expected = clone(template).fit(X, y).predict(X)
    network = fit_and_discard(
        clone(template).set_params(callbacks=[FreezeFirstLSTM()]), y
    )

    again = clone(template).fit(X, y)

    assert id(again.model_) != network
    assert all(layer.trainable for layer in again.model_.layers)
    assert_array_equal(again.predict(X), expected)


def test_many_architectures_through_a_small_pool(monkeypatch):
    # A live estimator took the last free network of its architecture; two
    # others are freed and one must be evicted to keep MAX_FREE.
    monkeypatch.setattr(_pool, "MAX_FREE", 1)
    y = TARGETS[LSTMRegressor]

    def fit(units):
        estimator = LSTMRegressor(units=units, epochs=1, batch_size=8, random_state=0)
        return estimator.fit(X, y)

    fit_and_discard(LSTMRegressor(units=2, epochs=1, batch_size=8), y)
    holder = fit(2)
    for units in (3, 4):
        fit_and_discard(LSTMRegressor(units=units, epochs=1, batch_size=8), y)
    expected = fit(5).predict(X)

    assert_array_equal(fit(5).predict(X), expected)
    assert sum(map(len, _pool._FREE.values())) <= 1
    assert holder.model_ not in [m for ms in _pool._FREE.values() for m in ms]
