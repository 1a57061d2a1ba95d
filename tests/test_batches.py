"""The stream of training batches: every row once per epoch, fresh orders."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklstm._batches import ArrayBatches


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
