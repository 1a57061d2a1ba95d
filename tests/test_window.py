import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from sklstm import SlidingWindowTransformer, make_windows

SEEDS = range(8)


def naive_windows(series, window_size, padding="edge"):
    """Window ending at each row, padding before row 0, by a plain loop."""
    series = np.asarray(series, dtype=np.float32).reshape(len(series), -1)
    pad_row = series[0] if padding == "edge" else np.zeros_like(series[0])
    windows = []
    for i in range(len(series)):
        rows = [
            series[j] if j >= 0 else pad_row for j in range(i - window_size + 1, i + 1)
        ]
        windows.append(rows)
    return np.array(windows, dtype=np.float32)


def naive_make_windows(series, window_size, horizon, targets):
    series = np.asarray(series, dtype=np.float32).reshape(len(series), -1)
    X, y = [], []
    for start in range(len(series) - window_size - horizon + 1):
        end = start + window_size
        X.append(series[start:end])
        y.append([series[end + step, t] for step in range(horizon) for t in targets])
    return np.array(X, dtype=np.float32), np.array(y, dtype=np.float32)


def random_series(seed, min_rows=1):
    rng = np.random.default_rng(seed)
    n_timesteps = int(rng.integers(min_rows, 40))
    n_features = int(rng.integers(1, 4))
    window_size = int(rng.integers(1, 12))
    return rng.normal(size=(n_timesteps, n_features)), window_size


def flatten(X):
    return X.reshape(len(X), -1)


# SlidingWindowTransformer


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_fit_transform_matches_naive_loop(seed, padding):
    series, window_size = random_series(seed)
    window = SlidingWindowTransformer(window_size, padding=padding)

    Xt = window.fit_transform(series)

    assert Xt.shape == (len(series), window_size, series.shape[1])
    assert Xt.dtype == np.float32
    assert_array_equal(Xt, naive_windows(series, window_size, padding))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_transform_continues_fitted_series(seed, padding):
    series, window_size = random_series(seed, min_rows=2)
    split = len(series) // 2
    window = SlidingWindowTransformer(window_size, padding=padding)

    Xt = window.fit(series[:split]).transform(series[split:])

    assert_array_equal(Xt, naive_windows(series, window_size, padding)[split:])


@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_time_series_split_folds_match_whole_series_windows(padding):
    series = np.random.default_rng(0).normal(size=(60, 2))
    window_size = 7
    whole = SlidingWindowTransformer(window_size, padding=padding).fit_transform(series)

    for train, test in TimeSeriesSplit(n_splits=4).split(series):
        window = SlidingWindowTransformer(window_size, padding=padding)
        assert_array_equal(window.fit_transform(series[train]), whole[train])
        assert_array_equal(window.transform(series[test]), whole[test])


def test_transform_of_fitted_series_equals_fit_transform():
    series = np.random.default_rng(0).normal(size=(30, 3))
    window = SlidingWindowTransformer(5)
    expected = window.fit_transform(series)

    # Equal content counts as the fitted series, whatever the object or dtype.
    assert_array_equal(window.transform(series), expected)
    assert_array_equal(window.transform(series.copy()), expected)
    assert_array_equal(window.transform(series.astype(np.float32)), expected)
    assert_array_equal(
        window.transform(series[:-1]),
        naive_windows(np.vstack([series, series[:-1]]), 5)[30:],
    )


def test_pipeline_predicts_training_series_with_padding():
    series = np.random.default_rng(0).normal(size=(30, 2))
    pipe = Pipeline(
        [("scale", MinMaxScaler()), ("window", SlidingWindowTransformer(4))]
    )

    expected = pipe.fit_transform(series)

    assert_array_equal(pipe.transform(series), expected)
    assert_array_equal(expected[0, :3], np.repeat(expected[0, 3:], 3, axis=0))


def test_edge_padding_repeats_first_row():
    series = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])

    Xt = SlidingWindowTransformer(3, padding="edge").fit_transform(series)

    assert_array_equal(Xt[0], [[1, 2], [1, 2], [1, 2]])
    assert_array_equal(Xt[1], [[1, 2], [1, 2], [3, 4]])
    assert_array_equal(Xt[2], series)


def test_zero_padding_pads_with_zeros():
    series = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])

    Xt = SlidingWindowTransformer(3, padding="zero").fit_transform(series)

    assert_array_equal(Xt[0], [[0, 0], [0, 0], [1, 2]])
    assert_array_equal(Xt[1], [[0, 0], [1, 2], [3, 4]])


def test_series_shorter_than_window_is_padded_and_continued():
    series = np.arange(10.0).reshape(-1, 1)
    window = SlidingWindowTransformer(6, padding="zero").fit(series[:2])

    assert_array_equal(
        window.transform(series[2:]), naive_windows(series, 6, "zero")[2:]
    )


def test_window_size_one_returns_each_row():
    series = np.random.default_rng(0).normal(size=(5, 2))
    window = SlidingWindowTransformer(1).fit(series)

    assert_array_equal(window.transform(series[:3])[:, 0], series[:3].astype("f4"))


def test_transform_uses_the_current_window_size():
    series = np.random.default_rng(0).normal(size=(10, 1))
    window = SlidingWindowTransformer(3).fit(series[:6])

    window.set_params(window_size=5)

    assert_array_equal(window.transform(series[6:]), naive_windows(series, 5)[6:])


def test_output_is_read_only_view_of_one_series_sized_buffer():
    n_timesteps, n_features, window_size = 1000, 3, 50
    series = np.random.default_rng(0).normal(size=(n_timesteps, n_features))
    window = SlidingWindowTransformer(window_size)

    for Xt in (window.fit_transform(series), window.transform(series[:10] + 1)):
        owner = Xt
        while getattr(owner, "base", None) is not None:
            owner = owner.base
        assert np.shares_memory(Xt, owner)
        rows = (window_size - 1) + len(Xt)
        assert owner.nbytes == rows * n_features * 4
        assert not Xt.flags.writeable
        assert not np.shares_memory(Xt, series)


def test_integer_and_float64_input_give_float32():
    series = np.arange(12).reshape(6, 2)

    Xt = SlidingWindowTransformer(2).fit_transform(series)

    assert Xt.dtype == np.float32
    assert_array_equal(Xt, naive_windows(series, 2))


def test_dataframe_input_records_feature_names():
    frame = pd.DataFrame({"load": np.arange(8.0), "temp": np.arange(8.0) * 2})
    window = SlidingWindowTransformer(3).fit(frame)

    assert window.n_features_in_ == 2
    assert_array_equal(window.feature_names_in_, ["load", "temp"])
    assert_array_equal(window.transform(frame), naive_windows(frame.to_numpy(), 3))


def test_dataframe_with_other_columns_raises():
    frame = pd.DataFrame({"load": np.arange(8.0), "temp": np.arange(8.0)})
    window = SlidingWindowTransformer(3).fit(frame)

    with pytest.raises(ValueError, match="feature names"):
        window.transform(frame.rename(columns={"temp": "wind"}))


def test_1d_input_is_read_as_one_feature():
    series = np.arange(6.0)
    window = SlidingWindowTransformer(3)

    Xt = window.fit_transform(series)

    assert window.n_features_in_ == 1
    assert Xt.shape == (6, 3, 1)
    assert_array_equal(window.transform(np.array([6.0]))[0, :, 0], [4, 5, 6])


def test_pandas_series_input_records_its_name():
    series = pd.Series(np.arange(6.0), name="load")
    window = SlidingWindowTransformer(2).fit(series)

    assert_array_equal(window.feature_names_in_, ["load"])
    assert_array_equal(window.transform(series), naive_windows(series, 2))


def test_transform_with_wrong_number_of_features_raises():
    window = SlidingWindowTransformer(2).fit(np.zeros((5, 3)))

    with pytest.raises(ValueError, match="X has 2 features"):
        window.transform(np.zeros((5, 2)))


def test_transform_1d_after_multi_feature_fit_raises():
    window = SlidingWindowTransformer(2).fit(np.zeros((5, 3)))

    with pytest.raises(ValueError, match="Reshape your data"):
        window.transform(np.zeros(3))


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        SlidingWindowTransformer(2).transform(np.zeros((5, 1)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"window_size": 0}, "window_size"),
        ({"window_size": 2.5}, "window_size"),
        ({"padding": "reflect"}, "padding"),
    ],
)
def test_invalid_parameters_raise(params, match):
    with pytest.raises(ValueError, match=match):
        SlidingWindowTransformer(**params).fit(np.zeros((5, 1)))


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0], [np.nan]]), "NaN"),
        (np.array([[0.0], [np.inf]]), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        (np.zeros((4, 2, 2)), "dim 3"),
    ],
)
def test_fit_rejects_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        SlidingWindowTransformer(2).fit(X)


def test_transform_rejects_nan():
    window = SlidingWindowTransformer(2).fit(np.zeros((5, 1)))

    with pytest.raises(ValueError, match="NaN"):
        window.transform(np.array([[np.nan]]))


def test_pickle_and_clone_keep_continuation():
    series = np.random.default_rng(0).normal(size=(20, 2))
    window = SlidingWindowTransformer(4).fit(series[:15])

    loaded = pickle.loads(pickle.dumps(window))

    assert_array_equal(loaded.transform(series[15:]), window.transform(series[15:]))
    assert_array_equal(loaded.transform(series[:15]), window.transform(series[:15]))
    assert clone(window).get_params() == window.get_params()


def test_grid_search_tunes_window_size():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 1))
    y = x[:, 0] + np.concatenate([np.zeros(2), x[:-2, 0]])  # needs 3 time steps
    pipe = Pipeline(
        [
            ("window", SlidingWindowTransformer(padding="zero")),
            ("flatten", FunctionTransformer(flatten)),
            ("ridge", Ridge(alpha=1e-6)),
        ]
    )
    search = GridSearchCV(
        pipe, {"window__window_size": [2, 3]}, cv=TimeSeriesSplit(n_splits=3)
    )

    search.fit(x, y)

    assert search.best_params_ == {"window__window_size": 3}
    assert len(search.cv_results_["params"]) == 2
    assert search.best_score_ > 0.999


# make_windows


@pytest.mark.parametrize("seed", SEEDS)
def test_make_windows_matches_naive_loop(seed):
    rng = np.random.default_rng(seed)
    window_size, horizon = int(rng.integers(1, 8)), int(rng.integers(1, 4))
    n_features = int(rng.integers(1, 4))
    n_timesteps = window_size + horizon + int(rng.integers(0, 20))
    series = rng.normal(size=(n_timesteps, n_features))
    targets = sorted(rng.choice(n_features, rng.integers(1, n_features + 1), False))

    X, y = make_windows(series, window_size, horizon, target=list(targets))

    X_naive, y_naive = naive_make_windows(series, window_size, horizon, targets)
    assert X.shape == (n_timesteps - window_size - horizon + 1, window_size, n_features)
    assert X.dtype == y.dtype == np.float32
    assert_array_equal(X, X_naive)
    assert_array_equal(y, y_naive[:, 0] if y_naive.shape[1] == 1 else y_naive)


def test_make_windows_one_step_of_one_column_gives_1d_y():
    series = np.arange(20.0).reshape(10, 2)

    X, y = make_windows(series, 3, target=1)

    assert X.shape == (7, 3, 2)
    assert_array_equal(y, series[3:, 1])


def test_make_windows_y_is_step_major():
    series = np.arange(12.0).reshape(6, 2)

    _, y = make_windows(series, 2, horizon=2)

    # Window rows 0-1 is followed by rows 2 and 3: [a2, b2, a3, b3].
    assert_array_equal(y[0], [4, 5, 6, 7])
    assert y.shape == (3, 4)


def test_make_windows_default_target_is_every_column():
    series = np.arange(12.0).reshape(6, 2)

    _, y = make_windows(series, 2)

    assert_array_equal(y, series[2:])


def test_make_windows_exact_minimum_length_gives_one_window():
    X, y = make_windows(np.arange(5.0), 3, horizon=2)

    assert X.shape == (1, 3, 1)
    assert_array_equal(y, [[3, 4]])


@pytest.mark.parametrize(
    "series",
    [
        np.ones((20, 3), dtype=np.float32),
        np.ones((20, 3), dtype=np.float32, order="F"),
        np.ones((20, 6), dtype=np.float32)[:, ::2],
        np.ones(20, dtype=np.float32),
    ],
    ids=["c-order", "f-order", "strided", "1d"],
)
def test_make_windows_is_a_view_of_float32_input(series):
    X, _ = make_windows(series, 4)

    assert np.shares_memory(X, series)
    assert not X.flags.writeable


def test_make_windows_converts_other_dtypes_to_float32():
    series = np.arange(10)

    X, y = make_windows(series, 3)

    assert X.dtype == y.dtype == np.float32
    assert_array_equal(X[-1, :, 0], [6, 7, 8])


def test_make_windows_dataframe_target_by_name_or_index():
    frame = pd.DataFrame({"load": np.arange(8.0), "temp": np.arange(8.0) * 10})

    _, y_name = make_windows(frame, 3, target="temp")
    _, y_index = make_windows(frame, 3, target=1)
    _, y_negative = make_windows(frame, 3, target=-1)
    _, y_both = make_windows(frame, 3, target=["temp", 0])

    assert_array_equal(y_name, frame["temp"].to_numpy()[3:])
    assert_array_equal(y_index, y_name)
    assert_array_equal(y_negative, y_name)
    assert_array_equal(y_both, frame[["temp", "load"]].to_numpy()[3:])


def test_make_windows_accepts_pandas_series():
    X, y = make_windows(pd.Series(np.arange(6.0), name="load"), 2, target=0)

    assert X.shape == (4, 2, 1)
    assert_array_equal(y, [2, 3, 4, 5])


def test_make_windows_too_few_rows_raises():
    with pytest.raises(
        ValueError, match=r"series has 4 rows, need at least window_size \+ horizon = 5"
    ):
        make_windows(np.arange(4.0), 3, horizon=2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"window_size": 0}, "window_size == 0, must be >= 1"),
        ({"window_size": -2}, "window_size == -2"),
        ({"horizon": 0}, "horizon == 0, must be >= 1"),
    ],
)
def test_make_windows_bad_sizes_raise(kwargs, match):
    kwargs = {"window_size": 2, **kwargs}

    with pytest.raises(ValueError, match=match):
        make_windows(np.arange(10.0), **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"window_size": 2.0}, "window_size"), ({"horizon": "1"}, "horizon")],
)
def test_make_windows_non_integer_sizes_raise_type_error(kwargs, match):
    kwargs = {"window_size": 2, **kwargs}

    with pytest.raises(TypeError, match=match):
        make_windows(np.arange(10.0), **kwargs)


@pytest.mark.parametrize(
    "series, target, match",
    [
        (pd.DataFrame({"load": np.arange(6.0)}), "temp", "'temp' is not a column"),
        (np.zeros((6, 2)), 2, r"2 is not a column.*\[-2, 2\)"),
        (np.zeros((6, 2)), -3, "-3 is not a column"),
        (np.zeros((6, 2)), "load", "'load' is not a column"),
        (np.zeros((6, 2)), [], "at least one column"),
    ],
)
def test_make_windows_unknown_target_raises(series, target, match):
    with pytest.raises(ValueError, match=match):
        make_windows(series, 2, target=target)


@pytest.mark.parametrize(
    "series, match",
    [
        (np.array([0.0, 1.0, np.nan, 3.0]), "series contains NaN"),
        (np.array([0.0, np.inf, 2.0, 3.0]), "series contains infinity"),
        (np.zeros(0), "0 sample"),
        (np.zeros((0, 2)), "0 sample"),
        (np.zeros((6, 2, 2)), r"series must have shape .* got shape \(6, 2, 2\)"),
    ],
)
def test_make_windows_bad_series_raises(series, match):
    with pytest.raises(ValueError, match=match):
        make_windows(series, 1)
