"""The stream of training batches: every row once per epoch, fresh orders.

On TensorFlow a tf.data pipeline serves the same batches as the Python one.
"""

import itertools

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import sklstm._batches as batches_module
from sklstm import LSTMRegressor
from sklstm._batches import ArrayBatches, tensorflow_batches


def rows_of(stream, first_batch, n_batches):
    """The row numbers served by batches ``first_batch ...`` (y holds them)."""
    return [stream[i][1] for i in range(first_batch, first_batch + n_batches)]


def make_arrays(n_samples=10):
    X = np.arange(n_samples * 3, dtype=np.float32).reshape(n_samples, 3, 1)
    return X, np.arange(n_samples)


def test_each_epoch_serves_every_row_once_in_a_new_order():
    stream = ArrayBatches(make_arrays(), 4, seed=0, repeat=True)
    assert stream.steps_per_epoch == 3
    epochs = [np.concatenate(rows_of(stream, 3 * e, 3)) for e in range(4)]
    for rows in epochs:
        assert sorted(rows) == list(range(10))
    assert [len(b) for b in rows_of(stream, 0, 3)] == [4, 4, 2]
    assert len({tuple(rows) for rows in epochs}) == 4


def test_orders_depend_on_seed_and_epoch_number_only():
    base = ArrayBatches(make_arrays(), 4, seed=7, repeat=True)
    again = ArrayBatches(make_arrays(), 4, seed=7, repeat=True)
    later = ArrayBatches(make_arrays(), 4, seed=7, first_epoch=2, repeat=True)
    other = ArrayBatches(make_arrays(), 4, seed=8, repeat=True)
    stream = np.concatenate(rows_of(base, 0, 12))
    assert_array_equal(np.concatenate(rows_of(again, 0, 12)), stream)
    # A warm start from epoch 2 continues with the orders of epochs 2, 3, ...
    assert_array_equal(np.concatenate(rows_of(later, 0, 6)), stream[20:40])
    assert not np.array_equal(np.concatenate(rows_of(other, 0, 12)), stream)


def test_batches_match_their_rows_and_are_contiguous_copies():
    X, y = make_arrays()
    weights = np.linspace(0, 1, 10)
    stream = ArrayBatches((X, y, weights), 4, seed=0, repeat=True)
    for index in range(7):
        X_batch, rows, w_batch = stream[index]
        assert_array_equal(X_batch, X[rows])
        assert_array_equal(w_batch, weights[rows])
        assert X_batch.flags.c_contiguous


def test_without_seed_rows_keep_their_order():
    stream = ArrayBatches(make_arrays(), 4, repeat=True)
    assert_array_equal(np.concatenate(rows_of(stream, 0, 6)), np.tile(range(10), 2))


@pytest.mark.parametrize("repeat, num_batches", [(False, 3), (True, None)])
def test_repeat_makes_the_stream_endless(repeat, num_batches):
    stream = ArrayBatches(make_arrays(), 4, repeat=repeat)
    assert stream.num_batches == num_batches
    assert len(stream) == 3


def test_strided_window_view_is_never_copied_whole():
    series = np.arange(10_000, dtype=np.float32)
    X = np.lib.stride_tricks.sliding_window_view(series, 50)[:, :, np.newaxis]
    stream = ArrayBatches((X, series[49:]), 32, seed=0, repeat=True)
    X_batch, y_batch = stream[5]
    assert X_batch.shape == (32, 50, 1)
    assert not np.shares_memory(X_batch, series)
    assert_array_equal(X_batch[:, -1, 0], y_batch)


def test_batch_size_larger_than_data_gives_one_full_batch():
    stream = ArrayBatches(make_arrays(3), 32, seed=0, repeat=True)
    assert stream.steps_per_epoch == 1
    assert sorted(stream[0][1]) == [0, 1, 2]


on_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="tf.data feeds TensorFlow only"
)


def python_and_tensorflow(arrays, batch_size, n_batches, **options):
    """The first ``n_batches`` of both streams, as lists of tuples of arrays."""
    python = ArrayBatches(arrays, batch_size, **options)
    dataset = tensorflow_batches(arrays, batch_size, **options)
    served = list(itertools.islice(dataset.as_numpy_iterator(), n_batches + 1))
    return [python[i] for i in range(n_batches)], served


@on_tensorflow
@pytest.mark.parametrize(
    "options",
    [
        {"seed": 3, "repeat": True},
        {"seed": 3, "first_epoch": 2, "repeat": True},
        {"seed": None, "repeat": True},
    ],
)
def test_tensorflow_stream_serves_the_same_batches(options):
    X, y = make_arrays()
    weights = np.linspace(0, 1, 10)
    python, served = python_and_tensorflow((X, y, weights), 4, 12, **options)
    # Endless: more batches than the 4 epochs compared.
    assert len(served) == 13
    assert [len(batch[0]) for batch in served[:3]] == [4, 4, 2]
    for expected, batch in zip(python, served[:12], strict=True):
        for want, got in zip(expected, batch, strict=True):
            assert got.dtype == want.dtype
            assert_array_equal(got, want)


@on_tensorflow
@pytest.mark.parametrize("batch_size, n_batches", [(4, 3), (32, 1)])
def test_one_tensorflow_epoch_keeps_the_row_order(batch_size, n_batches):
    X, y = make_arrays()
    python, served = python_and_tensorflow((X, y), batch_size, n_batches)
    assert len(served) == n_batches
    assert tensorflow_batches((X, y), batch_size).cardinality() == n_batches
    for expected, batch in zip(python, served, strict=True):
        assert_array_equal(batch[1], expected[1])


@on_tensorflow
def test_arrays_too_large_to_copy_stay_with_the_python_stream(monkeypatch):
    X, y = make_arrays()
    assert tensorflow_batches((X, y), 4) is not None
    monkeypatch.setattr(batches_module, "_MAX_IN_MEMORY", X.nbytes + y.nbytes - 1)
    assert tensorflow_batches((X, y), 4) is None


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="other backends")
def test_other_backends_keep_the_python_stream():
    assert tensorflow_batches(make_arrays(), 4) is None


def fit_twice(monkeypatch, max_in_memory):
    """Weights and history after a fit and a warm start, fed either way."""
    monkeypatch.setattr(batches_module, "_MAX_IN_MEMORY", max_in_memory)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4, 2)).astype(np.float32)
    weights = rng.uniform(0.5, 1.5, size=30)
    estimator = LSTMRegressor(
        units=2, epochs=2, batch_size=8, validation_split=0.2, random_state=0
    )
    estimator.fit(X, X[:, -1, 0], sample_weight=weights)
    estimator.set_params(warm_start=True).fit(X, X[:, -1, 0], sample_weight=weights)
    return estimator.model_.get_weights(), estimator.history_


def test_training_is_identical_with_either_stream(monkeypatch):
    weights, history = fit_twice(monkeypatch, 0)
    fast_weights, fast_history = fit_twice(monkeypatch, 64 * 2**20)
    assert fast_history == history
    assert len(history["val_loss"]) == 4
    for want, got in zip(weights, fast_weights, strict=True):
        assert_array_equal(got, want)
