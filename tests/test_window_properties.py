"""Windows equal a plain Python loop over the true series, whatever the input."""

import warnings

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal

from sklstm import SlidingWindowTransformer, make_windows

DTYPES = [np.int32, np.int64, np.float32, np.float64]


@st.composite
def series(draw, min_rows=1):
    """A 2D series in any dtype and layout: C, Fortran, strided or a DataFrame."""
    n_rows = draw(st.integers(min_rows, 40))
    n_features = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from(DTYPES))
    values = draw(
        arrays(dtype, (2 * n_rows, n_features), elements=st.integers(-1000, 1000))
    )
    layout = draw(st.sampled_from(["C", "F", "strided", "frame"]))
    if layout == "strided":
        return values[::2]  # every other row: not contiguous
    values = values[:n_rows]
    if layout == "F":
        return np.asfortranarray(values)
    if layout == "frame":
        return pd.DataFrame(values, columns=[f"c{i}" for i in range(n_features)])
    return np.ascontiguousarray(values)


def as_float32(data):
    return np.asarray(data, dtype=np.float32)


@settings(deadline=None, max_examples=150)
@given(data=st.data(), values=series(min_rows=2))
def test_make_windows_equals_a_loop(data, values):
    n_rows, n_features = values.shape
    window_size = data.draw(st.integers(1, n_rows - 1))
    horizon = data.draw(st.integers(1, n_rows - window_size))
    targets = data.draw(
        st.none()
        | st.lists(st.integers(0, n_features - 1), min_size=1, max_size=3, unique=True)
    )
    X, y = make_windows(values, window_size, horizon=horizon, target=targets)

    rows = as_float32(values)
    columns = range(n_features) if targets is None else targets
    n_samples = n_rows - window_size - horizon + 1
    X_loop = [rows[i : i + window_size] for i in range(n_samples)]
    y_loop = [
        [rows[i + window_size + step, c] for step in range(horizon) for c in columns]
        for i in range(n_samples)
    ]
    assert X.dtype == y.dtype == np.float32
    assert_array_equal(X, np.array(X_loop).reshape(n_samples, window_size, -1))
    y_loop = np.array(y_loop, dtype=np.float32)
    assert_array_equal(y, y_loop[:, 0] if y_loop.shape[1] == 1 else y_loop)
    assert not X.flags.writeable


@settings(deadline=None, max_examples=100)
@given(data=st.data(), values=series(min_rows=2))
def test_make_windows_is_a_view_of_float32_arrays(data, values):
    window_size = data.draw(st.integers(1, len(values) - 1))
    X, _ = make_windows(values, window_size)
    # float32 data (an array or a frame's single float32 block) is not copied.
    assert np.shares_memory(X, values) == (np.asarray(values).dtype == np.float32)


def padded_loop(rows, window_size, padding, history=None):
    """The windows of ``rows``, each ending at its row, by a Python loop."""
    if history is None:
        first = rows[0] if padding == "edge" else np.zeros_like(rows[0])
        history = np.repeat(first[np.newaxis], window_size - 1, axis=0)
    full = np.concatenate([history, rows])
    return np.array([full[i : i + window_size] for i in range(len(rows))])


@settings(deadline=None, max_examples=150)
@given(
    values=series(),
    window_size=st.integers(1, 50),
    padding=st.sampled_from(["edge", "zero"]),
)
def test_transformer_windows_equal_a_loop(values, window_size, padding):
    windows = SlidingWindowTransformer(window_size, padding=padding)
    Xt = windows.fit_transform(values)
    rows = as_float32(values)
    assert_array_equal(Xt, padded_loop(rows, window_size, padding))
    assert Xt.dtype == np.float32
    # One float32 buffer of n + window_size - 1 rows, not window_size copies.
    low, high = np.lib.array_utils.byte_bounds(Xt)
    assert high - low == (len(rows) + window_size - 1) * rows.shape[1] * 4


@settings(deadline=None, max_examples=150)
@given(
    data=st.data(),
    window_size=st.integers(1, 30),
    padding=st.sampled_from(["edge", "zero"]),
)
def test_array_begins_with_the_fitted_series_or_continues_it(
    data, window_size, padding
):
    past = data.draw(series())
    n_features = past.shape[1]
    future = np.asarray(data.draw(series()))[:, :1].repeat(n_features, axis=1)
    both_default = False
    if isinstance(past, pd.DataFrame):  # future gets a default index
        future = pd.DataFrame(future, columns=past.columns)
        past.index += data.draw(st.sampled_from([0, 1, 30]))
        both_default = past.index[0] == 0
    windows = SlidingWindowTransformer(window_size, padding=padding).fit(past)
    Xt = windows.transform(future)

    past_rows, future_rows = as_float32(past), as_float32(future)
    # Two default indexes: the fitted start if they agree on their common rows.
    common = min(len(past_rows), len(future_rows))
    compared = common if both_default else len(past_rows)
    if np.array_equal(past_rows[:compared], future_rows[:compared]):
        expected = padded_loop(future_rows, window_size, padding)
    else:
        seen = padded_loop(past_rows, window_size, padding)[-1]
        expected = padded_loop(future_rows, window_size, padding, seen[1:])
    assert_array_equal(Xt, expected)


INDEXES = {
    "integers": pd.RangeIndex(100, 160),
    "days": pd.date_range("2024-03-01", periods=60, freq="D", tz="Europe/Paris"),
    "months": pd.period_range("2020-01", periods=60, freq="M"),
    "hours": pd.date_range("2024-01-01", periods=60, freq="h"),
    # As read from a file: no freq; missing business days are holidays.
    "business days": pd.DatetimeIndex(list(pd.bdate_range("2024-01-01", periods=60))),
}


def weekdays_across_a_weekend(index):
    """Whether `index` is all weekdays and skips a weekend: business days."""
    return (index.day_of_week < 5).all() and (np.diff(index.day_of_week) < 0).any()


@st.composite
def stretch(draw, keep_first_two=False):
    """Rows of a 60-step series: a range, with some rows dropped (gaps)."""
    start = draw(st.integers(0, 57))
    stop = draw(st.integers(start + 2, 60))
    dropped = draw(st.sets(st.integers(start, stop - 1)))
    if keep_first_two:
        dropped -= {start, start + 1}
    return [row for row in range(start, stop) if row not in dropped] or [start]


@settings(deadline=None, max_examples=150)
@given(
    fitted=stretch(keep_first_two=True),  # so that the fit sees one time step
    later=stretch(),
    kind=st.sampled_from(sorted(INDEXES)),
    window_size=st.integers(1, 12),
    padding=st.sampled_from(["edge", "zero"]),
)
def test_frames_get_the_windows_of_the_true_series(
    fitted, later, kind, window_size, padding
):
    truth = np.random.default_rng(0).normal(size=(60, 2))
    index = INDEXES[kind]
    # Dates read as business days only when the fitted ones are, and only
    # then: days of a fitted stretch without its weekends look the same.
    if isinstance(index, pd.DatetimeIndex) and index.freq is None:
        assume(weekdays_across_a_weekend(index[fitted]) == (kind == "business days"))
    elif kind == "days":
        assume(not weekdays_across_a_weekend(index[fitted]))
    windows = SlidingWindowTransformer(window_size, padding=padding)
    windows.fit(pd.DataFrame(truth[fitted], index=index[fitted]))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        Xt = windows.transform(pd.DataFrame(truth[later], index=index[later]))

    known = set(fitted) | set(later)
    expected, padded_after_gap = [], False
    for row in later:  # the rows that truly precede each one, back to a gap
        held = [row]
        while len(held) < window_size and held[0] - 1 in known:
            held.insert(0, held[0] - 1)
        first = truth[held[0]] if padding == "edge" else np.zeros(2)
        expected.append([first] * (window_size - len(held)) + list(truth[held]))
        padded_after_gap |= len(held) < window_size and held[0] > min(known)
    assert_array_equal(Xt, np.array(expected, dtype=np.float32))
    assert len(record) == padded_after_gap
