import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from sklstm import SlidingWindowTransformer, make_windows

SERIES = np.random.default_rng(0).normal(size=(60, 2))  # distinct values
DATES = pd.date_range("2024-01-01", periods=60, freq="D")


def loop_windows(series, known, rows, window_size, padding="edge"):
    """The window ending at each of `rows` of the true `series`, by a loop.

    A window holds the rows before its own back to the first time step that
    is not `known` (seen in fit or in transform); from there it is padded.
    """
    series = np.asarray(series, dtype=np.float32).reshape(len(series), -1)
    known = set(known)
    windows = []
    for row in rows:
        held = [row]
        while len(held) < window_size and held[0] - 1 in known:
            held.insert(0, held[0] - 1)
        pad = series[held[0]] if padding == "edge" else np.zeros(series.shape[1])
        windows.append([pad] * (window_size - len(held)) + [series[j] for j in held])
    return np.array(windows, dtype=np.float32)


def frame(rows, index=DATES):
    """The rows (positions) of SERIES as a DataFrame indexed by time."""
    rows = list(rows)
    return pd.DataFrame(SERIES[rows], index=index[rows], columns=["load", "temp"])


def flatten(X):
    return X.reshape(len(X), -1)


def windows_without_warning(window, X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return window.transform(X)


# The contract, case by case: arrays


@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_array_after_the_fitted_series_continues_it(padding):
    window = SlidingWindowTransformer(7, padding=padding).fit(SERIES[:40])

    Xt = windows_without_warning(window, SERIES[40:])

    assert_array_equal(Xt, loop_windows(SERIES, range(60), range(40, 60), 7, padding))


@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_time_series_split_folds_without_gap_continue_their_training(padding):
    for train, test in TimeSeriesSplit(n_splits=4).split(SERIES):
        window = SlidingWindowTransformer(7, padding=padding)
        assert_array_equal(
            window.fit_transform(SERIES[train]),
            loop_windows(SERIES, train, train, 7, padding),
        )
        assert_array_equal(
            window.transform(SERIES[test]),
            loop_windows(SERIES, np.r_[train, test], test, 7, padding),
        )


def test_fitted_series_again_is_padded_at_its_start():
    window = SlidingWindowTransformer(5)
    expected = loop_windows(SERIES, range(40), range(40), 5)

    assert_array_equal(window.fit_transform(SERIES[:40]), expected)
    # Equal content counts, whatever the object, dtype or memory layout.
    assert_array_equal(window.transform(SERIES[:40]), expected)
    assert_array_equal(window.transform(SERIES[:40].astype(np.float32)), expected)
    assert_array_equal(window.transform(np.asfortranarray(SERIES[:40])), expected)


@pytest.mark.parametrize("as_frame", [False, True], ids=["array", "frame"])
def test_whole_series_is_padded_at_its_start_only(as_frame):
    window = SlidingWindowTransformer(5).fit(
        frame(range(40)) if as_frame else SERIES[:40]
    )

    Xt = window.transform(frame(range(60)) if as_frame else SERIES)

    assert_array_equal(Xt, loop_windows(SERIES, range(60), range(60), 5))


def test_array_one_step_off_the_fitted_series_continues_it():
    # One row less than the fitted series: not "the fitted series again".
    window = SlidingWindowTransformer(5).fit(SERIES[:40])
    doubled = np.vstack([SERIES[:40], SERIES[:39]])

    Xt = window.transform(SERIES[:39])

    assert_array_equal(Xt, loop_windows(doubled, range(79), range(40, 79), 5))


# The contract, case by case: pandas time indexes


def test_readme_example_slice_of_training_period():
    s = pd.Series(np.arange(20.0))
    window = SlidingWindowTransformer(window_size=3).fit(s[:10])

    assert_array_equal(window.transform(s[7:10])[0, :, 0], [5, 6, 7])
    assert_array_equal(window.transform(s[10:])[0, :, 0], [8, 9, 10])
    assert_array_equal(window.transform(s)[0, :, 0], [0, 0, 0])
    with pytest.warns(UserWarning, match="between 9 and 13"):
        assert_array_equal(window.transform(s[13:])[0, :, 0], [13, 13, 13])


@pytest.mark.parametrize("padding", ["edge", "zero"])
@pytest.mark.parametrize(
    "rows",
    [range(7, 12), range(0, 5), range(35, 50), range(10, 25)],
    ids=["slice", "start", "over-the-end", "before-the-start"],
)
def test_frame_inside_or_around_the_fitted_range_takes_true_history(rows, padding):
    fitted = range(20, 40) if rows == range(10, 25) else range(40)
    window = SlidingWindowTransformer(6, padding=padding).fit(frame(fitted))

    Xt = windows_without_warning(window, frame(rows))

    known = set(fitted) | set(rows)
    assert_array_equal(Xt, loop_windows(SERIES, known, rows, 6, padding))


def test_time_series_split_fold_after_a_gap_is_padded_and_warns_once():
    data = frame(range(60))
    for train, test in TimeSeriesSplit(n_splits=3, gap=4).split(data):
        window = SlidingWindowTransformer(6)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            window.fit_transform(data.iloc[train])
        gap = f"between {DATES[train[-1]]} and {DATES[test[0]]}"

        with pytest.warns(UserWarning) as record:
            Xt = window.transform(data.iloc[test])

        assert len(record) == 1
        assert gap in str(record[0].message)
        assert_array_equal(Xt, loop_windows(SERIES, np.r_[train, test], test, 6))
        # Never a row from before the gap.
        assert not np.isin(Xt, SERIES[train].astype(np.float32)).any()


def test_missing_days_split_the_fitted_series_and_its_slices():
    kept = [row for row in range(40) if row not in (20, 21)]
    window = SlidingWindowTransformer(5)
    gap = "between 2024-01-20 00:00:00 and 2024-01-23 00:00:00"

    with pytest.warns(UserWarning, match=gap):
        Xt = window.fit_transform(frame(kept))
    assert_array_equal(Xt, loop_windows(SERIES, kept, kept, 5))
    assert window.index_step_ == "D"
    assert_array_equal(window.index_gaps_, [20])

    tail = kept[18:]  # from 2024-01-19, across the gap
    with pytest.warns(UserWarning, match=gap):
        Xt = window.transform(frame(tail))
    assert_array_equal(Xt, loop_windows(SERIES, kept, tail, 5))

    # A long window continuing such a series reaches back to the gap only.
    window = SlidingWindowTransformer(25).fit(frame(kept))
    with pytest.warns(UserWarning, match=gap):
        Xt = window.transform(frame([40, 41]))
    assert_array_equal(Xt, loop_windows(SERIES, [*kept, 40, 41], [40, 41], 25))


def test_rows_that_skip_steps_the_fitted_series_holds_get_them_silently():
    window = SlidingWindowTransformer(4).fit(frame(range(40)))
    rows = [5, 6, 7, 15, 16, 30]

    Xt = windows_without_warning(window, frame(rows))

    assert_array_equal(Xt, loop_windows(SERIES, range(40), rows, 4))


def test_rows_filling_a_fitted_gap_join_both_sides():
    fitted = [row for row in range(40) if row not in (20, 21)]
    window = SlidingWindowTransformer(6).fit(frame(fitted))
    rows = [20, 21, 24, 25]

    Xt = windows_without_warning(window, frame(rows))

    assert_array_equal(Xt, loop_windows(SERIES, range(40), rows, 6))


def test_several_gaps_give_one_warning_counting_them():
    window = SlidingWindowTransformer(4).fit(frame(range(40)))
    rows = [*range(42, 46), *range(50, 54), *range(57, 60)]

    with pytest.warns(UserWarning) as record:
        Xt = window.transform(frame(rows))

    assert len(record) == 1
    assert "between 2024-02-09 00:00:00 and 2024-02-12" in str(record[0].message)
    assert "(and 2 more gap(s))" in str(record[0].message)
    assert_array_equal(Xt, loop_windows(SERIES, [*range(40), *rows], rows, 4))


def test_window_of_one_row_never_pads_nor_warns():
    window = SlidingWindowTransformer(1).fit(frame(range(40)))

    Xt = windows_without_warning(window, frame([45, 50]))

    assert_array_equal(Xt[:, 0], SERIES[[45, 50]].astype(np.float32))


@pytest.mark.parametrize(
    "index, match",
    [
        (DATES[[0, 1, 1, 2]], r"row 2 \(2024-01-02 00:00:00\) follows 2024-01-02"),
        (DATES[[0, 2, 1, 3]], r"row 2 \(2024-01-02 00:00:00\) follows 2024-01-03"),
        (pd.Index([3, 2, 5, 6]), r"row 1 \(2\) follows 3"),
        (pd.DatetimeIndex(["2024-01-01", None, "2024-01-03", "2024-01-04"]), "NaT"),
    ],
    ids=["repeated", "decreasing", "integers", "missing"],
)
def test_index_that_does_not_increase_raises(index, match):
    bad = pd.DataFrame(SERIES[:4], index=index)
    dates = isinstance(index, pd.DatetimeIndex)
    fitted = pd.DataFrame(SERIES[:40], index=DATES[:40] if dates else range(40))
    window = SlidingWindowTransformer(2).fit(fitted)

    with pytest.raises(ValueError, match=match):
        SlidingWindowTransformer(2).fit(bad)
    with pytest.raises(ValueError, match=match):
        window.transform(bad)
    # Independent rows need no order: history="none" ignores the index.
    SlidingWindowTransformer(2, history="none").fit(bad).transform(bad)


@pytest.mark.parametrize("as_frame", [False, True], ids=["array", "frame"])
def test_history_none_windows_x_alone(as_frame):
    window = SlidingWindowTransformer(5, history="none")
    fitted, later = (
        (frame(range(40)), frame(range(30, 60)))
        if as_frame
        else (
            SERIES[:40],
            SERIES[30:],
        )
    )

    assert_array_equal(
        window.fit_transform(fitted), loop_windows(SERIES, range(40), range(40), 5)
    )
    Xt = windows_without_warning(window, later)

    assert_array_equal(Xt, loop_windows(SERIES, range(30, 60), range(30, 60), 5))
    assert window.index_ is None


# Kinds of index


def test_period_index_places_x_and_finds_missing_months():
    months = pd.period_range("2020-01", periods=60, freq="M")
    window = SlidingWindowTransformer(4).fit(frame(range(40), months))
    assert window.index_dtype_ == "period[M]"

    Xt = windows_without_warning(window, frame(range(40, 50), months))
    assert_array_equal(Xt, loop_windows(SERIES, range(50), range(40, 50), 4))

    rows = [40, 41, 44, 45]
    gap = "between 2023-06 and 2023-09, one step being one period of freq 'M'"
    with pytest.warns(UserWarning, match=gap):
        Xt = window.transform(frame(rows, months))
    assert_array_equal(Xt, loop_windows(SERIES, [*range(40), *rows], rows, 4))


def test_integer_index_steps_by_its_spacing():
    even = pd.RangeIndex(0, 120, 2)
    window = SlidingWindowTransformer(4).fit(frame(range(40), even))
    assert window.index_step_ == 2

    Xt = windows_without_warning(window, frame(range(40, 50), even))
    assert_array_equal(Xt, loop_windows(SERIES, range(50), range(40, 50), 4))
    with pytest.warns(UserWarning, match="between 78 and 84"):
        window.transform(frame([42, 43], even))


def test_business_days_without_freq_step_over_weekends_and_warn_at_holidays():
    # Trading days read from a file: no freq, and a holiday (a Monday, the
    # 26th business day) stops pandas from inferring one.
    trading = pd.DatetimeIndex(list(pd.bdate_range("2024-01-01", periods=60)))
    kept = [row for row in range(40) if row != 25]
    window = SlidingWindowTransformer(4)
    holiday = "between 2024-02-02 00:00:00 and 2024-02-06 00:00:00, one step being"

    with pytest.warns(UserWarning, match=holiday) as record:
        Xt = window.fit_transform(frame(kept, trading))

    assert len(record) == 1
    assert window.index_step_ == "B"
    assert_array_equal(Xt, loop_windows(SERIES, kept, kept, 4))
    later = windows_without_warning(window, frame(range(40, 50), trading))
    assert_array_equal(later, loop_windows(SERIES, range(50), range(40, 50), 4))


def test_fit_on_one_date_without_freq_takes_the_step_from_x():
    days = pd.DatetimeIndex(list(DATES))  # no freq
    window = SlidingWindowTransformer(3).fit(frame([10], days))
    assert window.index_step_ is None

    earlier = windows_without_warning(window, frame(range(3), days))
    after = windows_without_warning(window, frame(range(11, 14), days))
    with pytest.warns(UserWarning, match="between 2024-01-11 00:00:00 and 2024-01-16"):
        across_gap = window.transform(frame([15, 16], days))
    # One date again tells no step: padded as a series start, never joined.
    same = windows_without_warning(window, frame([10], days))
    next_day = windows_without_warning(window, frame([11], days))

    assert_array_equal(earlier, loop_windows(SERIES, [0, 1, 2, 10], range(3), 3))
    assert_array_equal(after, loop_windows(SERIES, range(10, 14), range(11, 14), 3))
    assert_array_equal(across_gap, loop_windows(SERIES, [15, 16], [15, 16], 3))
    assert_array_equal(same, loop_windows(SERIES, [10], [10], 3))
    assert_array_equal(next_day, loop_windows(SERIES, [11], [11], 3))


def test_timezone_aware_days_across_daylight_saving_time():
    # Europe/Paris moves its clocks on 2024-03-31: that day has 23 hours.
    paris = pd.date_range("2024-03-15", periods=60, freq="D", tz="Europe/Paris")
    irregular = pd.DatetimeIndex(list(paris))  # no freq: inferred
    for index in (paris, irregular):
        window = SlidingWindowTransformer(5).fit(frame(range(30), index))

        Xt = windows_without_warning(window, frame(range(10, 45), index))

        assert_array_equal(Xt, loop_windows(SERIES, range(45), range(10, 45), 5))
    # The same instants in another timezone are the same rows.
    Xt = windows_without_warning(window, frame(range(30, 35), paris.tz_convert("UTC")))
    assert_array_equal(Xt, loop_windows(SERIES, range(35), range(30, 35), 5))


def test_missing_days_without_freq_found_across_daylight_saving_time():
    paris = pd.date_range("2024-03-15", periods=60, freq="D", tz="Europe/Paris")
    kept = [row for row in range(40) if row != 25]
    window = SlidingWindowTransformer(5)

    with pytest.warns(UserWarning, match="between 2024-04-08 00:00:00"):
        Xt = window.fit_transform(frame(kept, paris))

    assert window.index_step_ == "D"
    assert_array_equal(Xt, loop_windows(SERIES, kept, kept, 5))


@pytest.mark.parametrize(
    "fitted, later, match",
    [
        (DATES, DATES.tz_localize("UTC"), "both need a timezone, or neither"),
        (DATES.tz_localize("UTC"), DATES, "both need a timezone, or neither"),
        (DATES, DATES.to_period("D"), r"dtype period\[D\], which cannot be placed"),
        (
            pd.period_range("2020-01", periods=60, freq="M"),
            pd.period_range("2020-01", periods=60, freq="Q"),
            r"period\[Q-DEC\], which cannot be placed on .* period\[M\]",
        ),
    ],
    ids=["naive-aware", "aware-naive", "dates-periods", "months-quarters"],
)
def test_time_indexes_that_cannot_be_compared_raise(fitted, later, match):
    window = SlidingWindowTransformer(3).fit(frame(range(40), fitted))

    with pytest.raises(ValueError, match=match):
        window.transform(frame(range(40, 45), later))


@pytest.mark.parametrize(
    "fitted, later",
    [
        (SERIES[:40], pd.DataFrame(SERIES[40:50], index=DATES[40:50])),
        (pd.DataFrame(SERIES[:40], index=DATES[:40]), SERIES[40:50]),
        (frame(range(40)), pd.DataFrame(SERIES[40:50], columns=["load", "temp"])),
        (frame(range(40), np.arange(60) / 2), frame(range(40, 50), np.arange(60) / 2)),
        (
            frame(range(40), pd.Index([f"t{i}" for i in range(60)])),
            frame(range(5, 10), pd.Index([f"t{i}" for i in range(60)])),
        ),
    ],
    ids=["array-frame", "frame-array", "dates-integers", "floats", "labels"],
)
def test_index_that_tells_no_time_follows_the_array_rule(fitted, later):
    # Floats, strings, an integer index against dates, or a fit on an array:
    # later continues the fitted series.
    window = SlidingWindowTransformer(5).fit(fitted)
    values = np.vstack([np.asarray(fitted), np.asarray(later)])

    Xt = windows_without_warning(window, later)

    rows = range(len(fitted), len(values))
    assert_array_equal(Xt, loop_windows(values, range(len(values)), rows, 5))


def test_pipeline_with_pandas_output_fed_arrays_follows_the_array_rule():
    # The steps before the window give arrays a default index 0, 1, 2, ...
    pipe = Pipeline(
        [("scale", MinMaxScaler()), ("window", SlidingWindowTransformer(5))]
    )
    pipe.set_output(transform="pandas")
    scaled = MinMaxScaler().fit(SERIES[:40]).transform(SERIES)

    pipe.fit(SERIES[:40])

    later = windows_without_warning(pipe, SERIES[40:])
    start = windows_without_warning(pipe, SERIES[:10])
    assert_array_equal(later, loop_windows(scaled, range(60), range(40, 60), 5))
    assert_array_equal(start, loop_windows(scaled, range(10), range(10), 5))


def test_pipeline_fitted_on_a_later_integer_index_continues_arrays():
    # A frame made from an array gets the index 0, 1, 2, ..., which tells no
    # time: it must not be placed before a fitted index starting at 20.
    data = frame(range(60), pd.RangeIndex(60))
    train, test = data.iloc[20:40], data.iloc[40:45]
    identity = FunctionTransformer(feature_names_out="one-to-one")
    pipe = Pipeline([("id", identity), ("window", SlidingWindowTransformer(3))])
    pipe.set_output(transform="pandas").fit(train)

    from_array = windows_without_warning(pipe, test.to_numpy())
    from_frame = windows_without_warning(pipe, test)

    expected = loop_windows(SERIES, range(20, 45), range(40, 45), 3)
    assert_array_equal(from_array, expected)
    assert_array_equal(from_frame, expected)


def test_refit_forgets_the_previous_index():
    window = SlidingWindowTransformer(3).fit(frame(range(40)))

    window.fit(SERIES[:40])

    assert window.index_ is None and window.index_step_ is None
    assert_array_equal(
        window.transform(pd.DataFrame(SERIES[7:10], index=DATES[7:10])),
        loop_windows(
            np.vstack([SERIES[:40], SERIES[7:10]]), range(43), range(40, 43), 3
        ),
    )


# Memory: a view of one buffer wherever the windows can share one


@pytest.mark.parametrize(
    "fitted, later",
    [
        (SERIES[:40], SERIES[40:]),
        (SERIES[:40], SERIES),
        (frame(range(40)), frame(range(7, 50))),
        (frame(range(40)), frame(range(45, 60))),
    ],
    ids=["continuation", "whole-series", "frame-slice", "frame-after-gap"],
)
def test_output_is_read_only_view_of_one_series_sized_buffer(fitted, later):
    window = SlidingWindowTransformer(8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the gap case
        outputs = (window.fit_transform(fitted), window.transform(later))

    for Xt in outputs:
        owner = Xt
        while getattr(owner, "base", None) is not None:
            owner = owner.base
        assert np.shares_memory(Xt, owner)
        assert owner.nbytes == (7 + len(Xt)) * 2 * 4
        assert not Xt.flags.writeable
        assert not np.shares_memory(Xt, SERIES)


def test_rows_that_skip_steps_get_a_read_only_copy():
    window = SlidingWindowTransformer(8).fit(frame(range(40)))

    Xt = window.transform(frame([5, 6, 30, 31]))

    assert Xt.flags.owndata and not Xt.flags.writeable
    assert_array_equal(Xt, loop_windows(SERIES, range(40), [5, 6, 30, 31], 8))


# set_output and feature names


@pytest.mark.parametrize("output", ["default", "pandas", "polars", None])
def test_set_output_is_accepted_and_windows_stay_an_array(output):
    window = SlidingWindowTransformer(3)

    assert window.set_output(transform=output) is window
    assert type(window.fit_transform(frame(range(10)))) is np.ndarray
    assert type(window.transform(frame(range(10, 12)))) is np.ndarray


def test_global_pandas_output_leaves_windows_an_array():
    with config_context(transform_output="pandas"):
        Xt = SlidingWindowTransformer(3).fit_transform(frame(range(10)))

    assert type(Xt) is np.ndarray


def test_set_output_rejects_unknown_containers():
    with pytest.raises(ValueError, match=r"transform must be one of .* got 'arrow'"):
        SlidingWindowTransformer(3).set_output(transform="arrow")


def test_feature_names_out_name_the_features_axis():
    pipe = make_pipeline(MinMaxScaler(), SlidingWindowTransformer(3))
    pipe.fit(frame(range(10)))

    assert_array_equal(pipe[:-1].get_feature_names_out(), ["load", "temp"])
    assert_array_equal(pipe.get_feature_names_out(), ["load", "temp"])
    window = SlidingWindowTransformer(3).fit(SERIES[:10])
    assert_array_equal(window.get_feature_names_out(), ["x0", "x1"])
    assert_array_equal(window.get_feature_names_out(["a", "b"]), ["a", "b"])
    with pytest.raises(ValueError, match="input_features should have length"):
        window.get_feature_names_out(["a"])
    with pytest.raises(NotFittedError):
        SlidingWindowTransformer(3).get_feature_names_out()


class WindowRecorder(RegressorMixin, BaseEstimator):
    """Predicts zeros and records the windows it was asked to predict."""

    seen = []

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict(self, X):
        self.seen.append(np.array(X))
        return np.zeros(len(X))


def test_grid_search_with_gap_gets_exact_windows_from_a_scaled_frame():
    data = frame(range(60))
    y = pd.Series(SERIES[:, 0], index=DATES)
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer()),
            ("model", WindowRecorder()),
        ]
    ).set_output(transform="pandas")
    cv = TimeSeriesSplit(n_splits=3, gap=5)
    WindowRecorder.seen.clear()

    with pytest.warns(UserWarning, match="skips time steps") as record:
        GridSearchCV(pipe, {"window__window_size": [3, 6]}, cv=cv, refit=False).fit(
            data, y
        )

    assert len(record) == 6  # one per test fold and window size
    expected = []
    for window_size in (3, 6):
        for train, test in cv.split(data):
            scaled = MinMaxScaler().fit(SERIES[train]).transform(SERIES)
            known = np.r_[train, test]
            expected.append(loop_windows(scaled, known, test, window_size))
    assert len(WindowRecorder.seen) == len(expected)
    for seen, windows in zip(WindowRecorder.seen, expected, strict=True):
        assert_array_equal(seen, windows)


# Inputs, parameters and errors


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

    Xt = window.transform(series[2:])

    assert_array_equal(Xt, loop_windows(series, range(10), range(2, 10), 6, "zero"))


def test_transform_uses_the_current_window_size():
    window = SlidingWindowTransformer(3).fit(SERIES[:6])

    window.set_params(window_size=5)

    assert_array_equal(
        window.transform(SERIES[6:10]), loop_windows(SERIES, range(10), range(6, 10), 5)
    )
    window.set_params(window_size=0)
    with pytest.raises(ValueError, match="window_size"):
        window.transform(SERIES[6:10])


def test_integer_input_gives_float32():
    series = np.arange(12).reshape(6, 2)

    Xt = SlidingWindowTransformer(2).fit_transform(series)

    assert Xt.dtype == np.float32
    assert_array_equal(Xt, loop_windows(series, range(6), range(6), 2))


def test_dataframe_input_records_feature_names():
    window = SlidingWindowTransformer(3).fit(frame(range(8)))

    assert window.n_features_in_ == 2
    assert_array_equal(window.feature_names_in_, ["load", "temp"])


def test_dataframe_with_other_columns_raises():
    window = SlidingWindowTransformer(3).fit(frame(range(8)))

    with pytest.raises(ValueError, match="feature names"):
        window.transform(frame(range(8, 10)).rename(columns={"temp": "wind"}))


def test_1d_input_is_read_as_one_feature():
    series = np.arange(6.0)
    window = SlidingWindowTransformer(3)

    Xt = window.fit_transform(series)

    assert window.n_features_in_ == 1
    assert Xt.shape == (6, 3, 1)
    assert_array_equal(window.transform(np.array([6.0]))[0, :, 0], [4, 5, 6])


def test_pandas_series_input_records_its_name_and_index():
    series = pd.Series(SERIES[:, 0], index=DATES, name="load")
    window = SlidingWindowTransformer(3).fit(series[:40])

    assert_array_equal(window.feature_names_in_, ["load"])
    assert_array_equal(
        window.transform(series[7:12]),
        loop_windows(SERIES[:, 0], range(40), range(7, 12), 3),
    )


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
        ({"history": "past"}, "history"),
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


@pytest.mark.parametrize("as_frame", [False, True], ids=["array", "frame"])
def test_pickle_and_clone_keep_the_placement(as_frame):
    data = frame(range(60)) if as_frame else SERIES
    window = SlidingWindowTransformer(4).fit(data[:40])

    loaded = pickle.loads(pickle.dumps(window))

    for later in (data[40:], data[:40], data[7:12]):
        assert_array_equal(loaded.transform(later), window.transform(later))
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
    assert search.best_score_ > 0.999


# make_windows


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


def test_make_windows_accepts_pandas_series_target_by_name_or_index():
    load = pd.Series(np.arange(6.0), name="load")

    X, y = make_windows(load, 2, target=0)
    _, y_name = make_windows(load, 2, target="load")

    assert X.shape == (4, 2, 1)
    assert_array_equal(y, [2, 3, 4, 5])
    assert_array_equal(y_name, y)


def test_make_windows_integer_labels_name_columns_before_positions():
    frame = pd.DataFrame({5: np.arange(8.0), 7: np.arange(8.0) * 10})

    _, y_label = make_windows(frame, 3, target=7)
    _, y_position = make_windows(frame, 3, target=0)

    assert_array_equal(y_label, frame[7].to_numpy()[3:])
    assert_array_equal(y_position, frame[5].to_numpy()[3:])


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
        (np.zeros((6, 2)), True, "True is not a column"),
        (
            pd.DataFrame({5: np.arange(6.0), 7: np.arange(6.0)}),
            9,
            r"9 is not a column of series: expected one of the labels \[5, 7\] "
            r"or a position in \[-2, 2\)",
        ),
        (
            pd.DataFrame({"load": np.arange(6.0)}),
            ["load", "load"],
            r"names the column 'load' \(position 0\) twice",
        ),
        (
            pd.DataFrame({"load": np.arange(6.0), "temp": np.arange(6.0)}),
            ["temp", 1],
            r"names the column 1 \(position 1\) twice",
        ),
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
