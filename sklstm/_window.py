"""Sliding windows over a time-ordered series, placed in time, as strided views."""

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_array, check_scalar
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from sklstm._panel import is_panel, series_rows
from sklstm._timeline import (
    gap_positions,
    index_kind,
    is_default,
    key_label,
    next_keys,
    step_label,
    time_index,
    time_level,
    time_step,
)

_OUTPUTS = (None, "default", "pandas", "polars")


class SlidingWindowTransformer(
    TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Cut a time-ordered series into overlapping windows, one per row.

    Row ``i`` of the output is the window of ``window_size`` time steps that
    ends at row ``i`` of the input, so the output has as many rows as the
    input and a target ``y`` stays aligned inside a
    :class:`~sklearn.pipeline.Pipeline`. A window only ever holds rows that
    truly precede it in time; only where no such row is known is it padded.

    Parameters
    ----------
    window_size : int, default=10
        Number of consecutive time steps per window.

    padding : {"edge", "zero"}, default="edge"
        How a window is filled where no earlier row exists (the start of a
        series, the first row after a gap): ``"edge"`` repeats the earliest
        row the window holds, ``"zero"`` uses zeros.

    history : {"auto", "none"}, default="auto"
        Where the earlier rows of the first windows of `X` come from.

        - ``"auto"``: `X` is placed in time relative to the fitted series,
          by its index when `X` is pandas with a time index (see Notes),
          else by the prefix rule for arrays.
        - ``"none"``: from `X` alone, padded at its start. Stateless, for
          independent series.

    Attributes
    ----------
    n_features_in_ : int
        Number of variables seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of variables seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    series_ : ndarray of shape (n_timesteps, n_features)
        The fitted series as float32: the history that later data takes its
        earlier rows from.

    index_ : ndarray of shape (n_timesteps,) or None
        The fitted time index as int64 keys: the labels of an integer index,
        the ordinals of a :class:`~pandas.PeriodIndex`, nanoseconds since
        1970 (UTC) of a :class:`~pandas.DatetimeIndex`. None when `X` had no
        time index or ``history="none"``.

    index_dtype_ : str or None
        The dtype of the fitted index, such as ``"int64"``, ``"period[M]"``
        or ``"datetime64[ns, Europe/Paris]"``.

    index_step_ : int, str or None
        One time step: in `index_` units for an integer or period index; a
        pandas frequency string for a datetime index (its ``freq``, else the
        inferred one, else ``"B"`` for business days, else the greatest
        common divisor of its differences). None where a one-row datetime
        index without ``freq`` cannot tell; `X` then tells it.

    index_gaps_ : ndarray of shape (n_gaps,) of int64
        Positions of the fitted rows that follow a gap in time (missing time
        steps before them). Empty without a time index.

    ids_ : ndarray of shape (n_series,) or None
        The series ids of a fitted panel, in the order of their first rows;
        None when fitted on one series.

    series_transformers_ : list of SlidingWindowTransformer or None
        For a fitted panel, the transformer fitted on each series of `ids_`,
        which places that series' later rows in time. None when fitted on
        one series. (`series_`, `index_`, `index_dtype_` and `index_step_`
        are None for a panel.)

    See Also
    --------
    make_windows : Windows plus aligned targets, without padding.

    Notes
    -----
    With ``history="auto"``, after ``fit(s[:10])`` with ``window_size=3``:

    ========================  =================  ==========================
    ``transform(X)``          first window       the earlier rows come from
    ========================  =================  ==========================
    ``s[10:]``                ``[8, 9, 10]``     the fitted end (continued)
    ``s`` or ``s[:10]``       ``[0, 0, 0]``      padding: the series start
    ``s[7:10]`` (pandas)      ``[5, 6, 7]``      the fitted rows before it
    ``s[13:]`` (pandas)       ``[13, 13, 13]``   padding after the gap
    ========================  =================  ==========================

    **pandas input** whose index is a :class:`~pandas.DatetimeIndex`, a
    :class:`~pandas.PeriodIndex` or an integer index (such as a
    :class:`~pandas.RangeIndex`), in both :meth:`fit` and :meth:`transform`,
    is placed by that index. Rows inside the fitted range take their history
    from the fitted rows before them (a slice, a fold inside the training
    period); `X` that starts one step after the fitted end continues it. One
    step is the index's frequency (a datetime index without one: the
    inferred frequency, else the greatest common divisor of its
    differences; an integer index: that of its differences). Dates without
    a frequency that all fall on weekdays and skip at least one weekend,
    such as trading days read from a file, step by business days (``"B"``):
    a weekend is no gap, a missing weekday (a holiday) is one. (Daily data
    whose fitted stretch happens to hold no weekend day reads the same way:
    give it ``freq="D"``.) A fit on one date without a frequency takes the
    step from the index of `X`; where `X` is one date too, nothing tells
    the step, and `X` is padded as a series start. Where time
    steps are missing, before `X`, inside `X` or in the fitted series (a
    :class:`~sklearn.model_selection.TimeSeriesSplit` with ``gap``, missing
    days of a daily index), the windows after the gap are padded as at a
    series start and never reach across it, and one :class:`UserWarning`
    names the gap. Data before the fitted start is padded at its start, as a
    series start. A repeated or decreasing index raises ``ValueError``, as
    do time indexes that cannot be compared (timezone-aware and naive
    datetimes, a datetime and a period index, periods of another frequency).
    Monthly or other calendar data with missing periods is best given a
    :class:`~pandas.PeriodIndex`: without a frequency a datetime index can
    only find its step from the differences between its dates.

    **Arrays** (and pandas input whose index is of another kind: floats,
    strings, or an integer index against a datetime one) carry no time. `X`
    that begins with the fitted series (the fitted series itself, or train
    and test together) is padded at its start, exactly as
    :meth:`fit_transform`; any other `X` continues the fitted series (a
    chronological test set, a ``TimeSeriesSplit`` test fold without gap).
    An array cannot show a slice of the training period or a gap: use pandas
    input for those. The prefix rule compares values: a continuation that
    begins with the fitted values (``fit(np.ones(5))``, then
    ``transform(np.ones(6))``) is taken for the fitted series and padded at
    its start; give both a time index, such as dates, to tell them apart.

    A default index on `X` (``0, 1, 2, ...``, what a frame built from an
    array gets, for example from a pipeline step with
    ``set_output(transform="pandas")`` given an array) tells no time: `X`
    is placed as an array. Only when the fitted index is a default one
    too, and `X` agrees with the fitted series on their common first rows,
    is `X` placed at the fitted start by its index. So a slice of a frame
    that starts at its row 0 (``df.iloc[:5]``) after a fit on later rows
    (``df.iloc[100:200]``) reads as an array: give the frame another index
    (dates), or pass ``history="none"``.

    Placing `X` costs O(len(X)): a binary search in `index_` per run of
    consecutive time steps, or a comparison of at most len(X) rows with
    `series_`, never a pass over the whole fitted series.

    **Panels**, many series in one frame, have an index of two levels,
    (series id, time): a :class:`~pandas.MultiIndex`. Each series is
    windowed on its own, and a window never holds rows of another series;
    the output keeps the input's row order. The rows of a series, in any
    order relative to other series' rows, must increase in time (a repeated
    (id, time) or a decreasing time raises ``ValueError``), and each series
    is placed in time against its own fitted rows, by the rules above (its
    time level as its index); a series unseen in :meth:`fit` is windowed as
    :meth:`fit_transform` would, padded at its start. Split a panel by time
    with :class:`~sklstm.PanelTimeSeriesSplit`. A pipeline keeps the index
    only when the steps before this one output pandas
    (``set_output(transform="pandas")``); with an array, one series is
    assumed. The windows of a panel are a float32 copy.

    Windows depend on row order by design: split with
    :class:`~sklearn.model_selection.TimeSeriesSplit`, never a shuffled
    :class:`~sklearn.model_selection.KFold`.

    The output is a read-only strided view of shape
    ``(n_samples, window_size, n_features)`` over one float32 buffer of
    ``window_size - 1 + n_samples`` rows, so windowing takes about the memory
    of the series, not ``window_size`` times it. Only `X` that skips time
    steps, whose windows on both sides of a gap cannot share one buffer, is
    windowed into a copy. Copy the output (``np.array(Xt)``) before writing
    to it. 1D input is read as one feature, in :meth:`fit` and, once fitted
    on one feature, in :meth:`transform`.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import SlidingWindowTransformer
    >>> series = np.arange(12.0).reshape(6, 2)
    >>> window = SlidingWindowTransformer(window_size=3)
    >>> window.fit_transform(series).shape
    (6, 3, 2)
    >>> window.fit_transform(series)[0, :, 0]
    array([0., 0., 0.], dtype=float32)
    >>> window.transform(np.array([[12.0, 13.0]]))[0, :, 0]
    array([ 8., 10., 12.], dtype=float32)

    A pandas index places a slice of the training period:

    >>> s = pd.Series(np.arange(20.0), name="load")
    >>> window = SlidingWindowTransformer(window_size=3).fit(s[:10])
    >>> window.transform(s[7:10])[:, :, 0]
    array([[5., 6., 7.],
           [6., 7., 8.],
           [7., 8., 9.]], dtype=float32)

    A panel: each series continues its own history.

    >>> index = pd.MultiIndex.from_product([["a", "b"], range(5)])
    >>> panel = pd.Series([0.0, 1, 2, 3, 4, 10, 11, 12, 13, 14], index=index)
    >>> window = SlidingWindowTransformer(window_size=3).fit(panel[panel < 3])
    >>> window.transform(panel[panel >= 3])[:, :, 0]
    array([[ 1.,  2.,  3.],
           [ 2.,  3.,  4.],
           [10., 10., 10.],
           [10., 10., 11.],
           [10., 11., 12.],
           [11., 12., 13.],
           [12., 13., 14.]], dtype=float32)
    """

    _parameter_constraints = {
        "window_size": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"edge", "zero"})],
        "history": [StrOptions({"auto", "none"})],
    }

    def __init__(self, window_size=10, *, padding="edge", history="auto"):
        self.window_size = window_size
        self.padding = padding
        self.history = history

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Remember the series, and where it is in time, for later data.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
            Time-ordered series, one row per time step.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if is_panel(X):
            self._fit_panel(X)
        else:
            self._fit_buffer(X, n_history=0)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then window `X`, padded at its start and after any gap.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
            Time-ordered series, one row per time step.

        y : None
            Ignored.

        Returns
        -------
        Xt : ndarray of shape (n_timesteps, window_size, n_features)
            Read-only float32 windows; row ``i`` is the window ending at row
            ``i``.
        """
        if is_panel(X):
            windows, notes = self._fit_panel_windows(X)
        else:
            windows, notes = self._fit_windows(X)
        _warn_gaps(notes, stacklevel=4)  # past the _fit_context wrapper
        return windows

    def transform(self, X):
        """Window `X`, taking earlier rows from where `X` is in time.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
            Time-ordered series, one row per time step.

        Returns
        -------
        Xt : ndarray of shape (n_timesteps, window_size, n_features)
            Read-only float32 windows; row ``i`` is the window ending at row
            ``i``.
        """
        check_is_fitted(self)
        self._validate_params()
        if is_panel(X):
            return self._panel_windows(X)
        if self.ids_ is not None:
            raise ValueError(
                "this SlidingWindowTransformer was fitted on a panel (a frame "
                "indexed by (series id, time)), so X must be one too, got "
                f"{type(X).__name__}; in a pipeline, the steps before it output "
                "pandas with set_output(transform='pandas')"
            )
        windows, notes = self._windows(X)
        _warn_gaps(notes)
        return windows

    def set_output(self, *, transform=None):
        """Accept a pipeline's output container; the windows stay an ndarray.

        :meth:`Pipeline.set_output <sklearn.pipeline.Pipeline.set_output>`
        sets every step. Steps before this one then output pandas, whose
        index places their rows in time; the windows themselves are 3D and
        remain a NumPy array whatever is set.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Output container requested for :meth:`transform` and
            :meth:`fit_transform`; accepted and validated, without effect.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        if transform not in _OUTPUTS:
            raise ValueError(
                f"transform must be one of {list(_OUTPUTS)}, got {transform!r}"
            )
        return self

    def get_feature_names_out(self, input_features=None):
        """Names of the features axis, the last axis of the windows.

        The windows are 3D, ``(n_samples, window_size, n_features)``, with
        the input's features along their last axis: its names are the input
        feature names, unchanged.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None means `feature_names_in_`, else
            ``["x0", "x1", ...]``.

        Returns
        -------
        feature_names_out : ndarray of shape (n_features,), dtype=object
            Names of ``Xt[:, :, j]``.
        """
        check_is_fitted(self, "n_features_in_")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _fit_buffer(self, X, n_history: int) -> np.ndarray:
        """Validate `X`, learn the fitted state and return its padded buffer."""
        buffer = self._buffer(X, n_history, reset=True)
        placed = None if self.history == "none" else time_index(X)
        dtype, keys = (None, None) if placed is None else placed
        self.series_ = buffer[n_history:]
        self.index_, self.index_dtype_ = keys, dtype
        self.ids_ = self.series_transformers_ = None
        step = None if keys is None else time_step(X.index, keys, dtype)
        self.index_step_ = step
        if step is None:
            self.index_gaps_ = np.zeros(0, dtype=np.int64)
        else:
            self.index_gaps_ = gap_positions(keys, step, dtype)
        return buffer

    def _fit_windows(self, X):
        """Fit on one series; its windows, padded at its start and after gaps.

        Returns the windows and the notes of the gaps: one, or none.
        """
        buffer = self._fit_buffer(X, n_history=self.window_size - 1)
        step = self.index_step_
        if step is None:
            return self._assemble(buffer, [(0, self.series_[:0])]), []
        starts = np.r_[0, self.index_gaps_]
        runs, gaps = self._place_by_index(self.series_, self.index_, step, starts)
        return self._assemble(buffer, runs), self._gap_notes(gaps, step)

    def _windows(self, X):
        """The windows of one series placed against the fitted one, and notes."""
        buffer = self._buffer(X, self.window_size - 1, reset=False)
        values = buffer[self.window_size - 1 :]
        if self.history == "none":
            return self._assemble(buffer, [(0, self.series_[:0])]), []
        keys, step = self._placing_keys(X, values)
        if keys is None:
            runs, gaps = self._place_array(values)
        elif step is None:  # one date, and no step to reach another: a start
            runs, gaps = [(0, self.series_[:0])], []
        else:
            runs, gaps = self._place_by_index(values, keys, step)
        return self._assemble(buffer, runs), self._gap_notes(gaps, step)

    def _fit_panel(self, X):
        """Fit one transformer per series of the panel `X`."""
        parts = self._start_panel(X)
        for series, (_, part) in zip(self.series_transformers_, parts, strict=True):
            series.fit(part)

    def _fit_panel_windows(self, X):
        """Fit on the panel `X`; its windows, each series padded, and notes.

        One validation of `X`: each series is fitted and windowed at once,
        as :meth:`_fit_windows` does for one series.
        """
        parts = self._start_panel(X)
        fits = [series._fit_windows for series in self.series_transformers_]
        return self._gather(self.ids_, parts, fits)

    def _start_panel(self, X):
        """Validate the panel `X`, learn its ids; its ``(rows, frame)`` per series.

        ``series_transformers_`` holds one new transformer per series, to fit.
        """
        ids, parts = self._series_of(X, reset=True)
        self.series_ = self.index_ = self.index_dtype_ = self.index_step_ = None
        self.index_gaps_ = np.zeros(0, dtype=np.int64)
        self.ids_ = ids
        self.series_transformers_ = [self._new_series() for _ in parts]
        return parts

    def _panel_windows(self, X) -> np.ndarray:
        """Window each series of the panel `X` against its own fitted history."""
        if self.ids_ is None:
            raise ValueError(
                "X is a panel (a frame indexed by (series id, time)), but this "
                "SlidingWindowTransformer was fitted on one series: fit it on "
                "a panel"
            )
        ids, parts = self._series_of(X, reset=False)
        fitted = pd.Index(self.ids_).get_indexer(ids)
        windowers = [  # a series unseen in fit starts here
            self._new_series()._fit_windows
            if position < 0
            else self.series_transformers_[position]._windows
            for position in fitted
        ]
        windows, notes = self._gather(ids, parts, windowers)
        _warn_gaps(notes, stacklevel=4)
        return windows

    def _gather(self, ids, parts, windowers):
        """Window each series of a panel with its windower, in the panel's rows.

        Returns the read-only windows, shape (n_timesteps, window_size,
        n_features), and the notes of the gaps of all series.
        """
        n_timesteps = sum(len(rows) for rows, _ in parts)
        shape = (n_timesteps, self.window_size, self.n_features_in_)
        windows = np.empty(shape, np.float32)
        notes = []
        for name, (rows, part), windower in zip(ids, parts, windowers, strict=True):
            windows[rows], found = windower(part)
            notes += [(f"in series {name!r} {note}", n) for note, n in found]
        windows.flags.writeable = False
        return windows, notes

    def _series_of(self, X, reset: bool):
        """Validate the panel `X`; its ids and ``(rows, frame)`` per series.

        Each frame holds one series' float32 values, indexed by its times.
        """
        values = self._buffer(X, 0, reset=reset)
        ids, rows = series_rows(X.index)
        times = X.index.get_level_values(1)
        return ids, [(r, pd.DataFrame(values[r], index=times[r])) for r in rows]

    def _new_series(self):
        return SlidingWindowTransformer(
            self.window_size, padding=self.padding, history=self.history
        )

    def _buffer(self, X, n_history: int, reset: bool) -> np.ndarray:
        """Copy validated `X` into a float32 buffer after `n_history` free rows."""
        if not hasattr(X, "ndim"):  # lists and other array-likes
            X = np.asarray(X)
        if X.ndim == 1 and (reset or self.n_features_in_ == 1):
            X = X.to_frame() if hasattr(X, "to_frame") else X.reshape(-1, 1)
        X = validate_data(self, X, reset=reset, dtype=np.float32)
        shape = (n_history + X.shape[0], X.shape[1])
        try:
            buffer = np.empty(shape, dtype=np.float32)
        except (MemoryError, ValueError):
            raise ValueError(
                f"window_size={self.window_size} is too large: the windows of "
                f"{X.shape[0]} rows would need a buffer of {shape[0]} x {shape[1]} "
                "float32 values, more memory than there is"
            ) from None
        buffer[n_history:] = X
        return buffer

    def _placing_keys(self, X, values):
        """`X`'s keys on the fitted time axis and one time step.

        The step is the fitted one, else (a fit on one date) `X`'s, else
        None. The keys are None where `X` is placed as an array.
        """
        if self.index_ is None:
            return None, self.index_step_
        placed = time_index(X)
        if placed is None:
            return None, self.index_step_
        dtype, keys = placed
        fitted_kind, kind = index_kind(self.index_dtype_), index_kind(dtype)
        if "integer" in (fitted_kind, kind) and fitted_kind != kind:
            return None, self.index_step_
        if fitted_kind != kind or (kind == "period" and dtype != self.index_dtype_):
            raise ValueError(
                f"X has an index of dtype {dtype}, which cannot be placed on the "
                f"fitted index of dtype {self.index_dtype_}: convert it (for "
                "example with to_period() or to_timestamp()) or pass "
                "history='none'"
            )
        if kind == "datetime" and ("," in dtype) != ("," in self.index_dtype_):
            raise ValueError(
                f"X has an index of dtype {dtype} and the fitted index is "
                f"{self.index_dtype_}: both need a timezone, or neither"
            )
        if kind == "integer" and is_default(keys):
            # A default index is what a frame made from an array gets: it
            # tells no time unless the fitted series began at 0 too and `X`
            # agrees with it.
            common = min(len(values), len(self.series_))
            if not is_default(self.index_) or not np.array_equal(
                values[:common], self.series_[:common]
            ):
                return None, self.index_step_
        step = self.index_step_
        if step is None:
            step = time_step(time_level(X.index), keys, dtype)
        return keys, step

    def _place_array(self, values):
        """The prefix rule: `X` begins with the fitted series, or continues it."""
        n_fitted, n_history = len(self.series_), self.window_size - 1
        if len(values) >= n_fitted and _starts_with(values, self.series_):
            return [(0, self.series_[:0])], []
        low = max(n_fitted - n_history, self._run_start(n_fitted))
        if low > max(n_fitted - n_history, 0):  # a gap in the fitted series
            return [(0, self.series_[low:])], [(self.index_[low - 1], self.index_[low])]
        return [(0, self.series_[low:])], []

    def _place_by_index(self, values, keys, step, starts=None):
        """Cut `X` into runs of consecutive time steps; find each one's history.

        Returns ``[(first row of the run, rows before it)]`` and the gaps, as
        ``(key before, key after)``, where a history is padded.
        """
        if starts is None:
            starts = np.r_[0, gap_positions(keys, step, self.index_dtype_)]
        runs, earliest_keys, gaps = [], [], []
        for start in starts:
            rows, earliest = self._history(
                values, keys, step, starts, runs, earliest_keys
            )
            runs.append((start, rows))
            earliest_keys.append(earliest)
            known = [
                labels[found - 1]
                for labels in (keys, self.index_)
                if (found := np.searchsorted(labels, earliest)) > 0
            ]
            if len(rows) < self.window_size - 1 and known:
                gaps.append((max(known), earliest))
        return runs, gaps

    def _history(self, values, keys, step, starts, runs, earliest_keys):
        """The rows that precede the next run of `X` in time, and the first key.

        Walks back from the run's first row, one stretch of consecutive time
        steps at a time, through `X`'s earlier runs (their rows, then their
        histories) and the fitted series, until ``window_size - 1`` rows are
        found or a time step is missing.
        """
        need = self.window_size - 1
        pieces, earliest = [], keys[starts[len(runs)]]
        while need:
            row = np.searchsorted(keys, earliest) - 1
            if row >= 0 and self._follows(keys[row], earliest, step):
                run = np.searchsorted(starts, row, side="right") - 1
                low = max(starts[run], row + 1 - need)
                pieces.append(values[low : row + 1])
                need -= row + 1 - low
                earliest = keys[low]
                if need and low == starts[run]:  # that run's own history
                    pieces.append(runs[run][1][-need:])
                    need -= len(pieces[-1])
                    earliest = earliest_keys[run]
                    break
                continue
            position = np.searchsorted(self.index_, earliest) - 1
            if position >= 0 and self._follows(self.index_[position], earliest, step):
                low = max(position + 1 - need, self._run_start(position + 1))
                pieces.append(self.series_[low : position + 1])
                need -= position + 1 - low
                earliest = self.index_[low]
                continue
            break
        rows = np.concatenate(pieces[::-1]) if pieces else self.series_[:0]
        return rows, earliest

    def _follows(self, key, later, step) -> bool:
        """Whether `later` is one time `step` after `key`."""
        return next_keys(np.array([key]), step, self.index_dtype_)[0] == later

    def _run_start(self, stop: int) -> int:
        """First position of the fitted run of consecutive steps before `stop`."""
        after = np.searchsorted(self.index_gaps_, stop - 1, side="right")
        return int(self.index_gaps_[after - 1]) if after else 0

    def _assemble(self, buffer: np.ndarray, runs) -> np.ndarray:
        """Fill each run's history and return the windows of the runs."""
        n_history = self.window_size - 1
        values = buffer[n_history:]
        if len(runs) == 1:
            self._fill(buffer[:n_history], runs[0][1], values[0])
            return _windows(buffer, self.window_size)
        ends = [start for start, _ in runs[1:]] + [len(values)]
        pieces = []
        for (start, rows), end in zip(runs, ends, strict=True):
            piece = np.empty((n_history + end - start, values.shape[1]), np.float32)
            piece[n_history:] = values[start:end]
            self._fill(piece[:n_history], rows, values[start])
            pieces.append(_windows(piece, self.window_size))
        windows = np.concatenate(pieces)
        windows.flags.writeable = False
        return windows

    def _fill(self, head: np.ndarray, rows: np.ndarray, first: np.ndarray) -> None:
        """Write `rows` at the end of `head` and pad before them."""
        n_pad = len(head) - len(rows)
        head[n_pad:] = rows
        earliest = rows[0] if len(rows) else first
        head[:n_pad] = earliest if self.padding == "edge" else 0

    def _gap_notes(self, gaps, step):
        """Where the first of `gaps` is and how many there are, or nothing."""
        if not gaps:
            return []
        before, after = (self._label(key) for key in gaps[0])
        label = step_label(step, self.index_dtype_)
        note = f"between {before} and {after}, one step being {label}"
        return [(note, len(dict.fromkeys(gaps)))]

    def _label(self, key) -> str:
        """`key` of `index_` as the label it was, for messages."""
        return key_label(key, self.index_dtype_)


def _warn_gaps(notes, stacklevel: int = 3) -> None:
    """One warning for the gaps of all series: the first, and a count."""
    if not notes:
        return
    first, count = notes[0]
    others = sum(count for _, count in notes) - 1
    warnings.warn(
        f"X skips time steps {first}"
        + (f" (and {others} more gap(s))" if others else "")
        + ": the windows after a gap are padded as at the start of a series "
        "and hold no row from before it",
        UserWarning,
        stacklevel=stacklevel,
    )


def _starts_with(values: np.ndarray, series: np.ndarray) -> bool:
    """Whether `values` begins with the rows of `series`, in O(len(series))."""
    n_rows = len(series)
    return (
        np.array_equal(values[n_rows - 1], series[-1])
        and np.array_equal(values[0], series[0])
        and np.array_equal(values[:n_rows], series)
    )


def make_windows(series, window_size, horizon=1, target=None):
    """Frame a series as supervised windows and the steps that follow them.

    Window ``i`` holds rows ``i`` to ``i + window_size - 1`` of `series`; its
    target is the `target` column(s) in the `horizon` rows after it. Every
    window is complete: nothing is padded.

    Parameters
    ----------
    series : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
        Time-ordered series, one row per time step; 1D is one feature. Or a
        panel of many series: a DataFrame (or Series) indexed by (series id,
        time), each series' rows in time order (see Notes).

    window_size : int
        Number of consecutive time steps per window.

    horizon : int, default=1
        Number of future time steps to predict after each window.

    target : int, str or list of int or str, default=None
        Target column(s), each named once: a column label of a DataFrame
        (a Series' name), else a position, so that integer labels such as
        ``5`` and ``7`` name columns before positions do. None means every
        column.

    Returns
    -------
    X : ndarray of shape (n_samples, window_size, n_features)
        Read-only float32 windows, with
        ``n_samples = n_timesteps - window_size - horizon + 1``. A strided
        view of `series` when it is already a float32 array, else of its
        float32 copy.

    y : ndarray of shape (n_samples,) or (n_samples, horizon * n_targets)
        Float32 targets. 1D for one step of one column; otherwise step-major:
        every target of step 1, then every target of step 2, and so on.

    See Also
    --------
    SlidingWindowTransformer : Length-preserving windows for a pipeline.
    PanelTimeSeriesSplit : Cross-validation of a panel, split by time.

    Notes
    -----
    A panel is windowed series by series, and never across two series: `X`
    and `y` are the windows and targets of each series in turn, in the order
    of the series' first rows, each series' in time order. A series with
    fewer than ``window_size + horizon`` rows gives none. Rows are read as
    consecutive time steps, as for one series. The windows of a panel are a
    float32 copy (``n_samples * window_size * n_features`` values), not a
    view.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import make_windows
    >>> X, y = make_windows(np.arange(6.0), window_size=3)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]], dtype=float32)
    >>> y
    array([3., 4., 5.], dtype=float32)
    >>> make_windows(np.arange(12.0).reshape(6, 2), 2, horizon=2)[1].shape
    (3, 4)

    A panel of two series, ``a`` and ``b``:

    >>> index = pd.MultiIndex.from_product([["a", "b"], range(4)])
    >>> panel = pd.Series([0.0, 1, 2, 3, 10, 11, 12, 13], index=index)
    >>> X, y = make_windows(panel, window_size=2)
    >>> X[:, :, 0]
    array([[ 0.,  1.],
           [ 1.,  2.],
           [10., 11.],
           [11., 12.]], dtype=float32)
    >>> y
    array([ 2.,  3., 12., 13.], dtype=float32)
    """
    check_scalar(window_size, "window_size", Integral, min_val=1)
    check_scalar(horizon, "horizon", Integral, min_val=1)
    values = series_2d(series, np.float32)
    targets = _target_indices(target, column_labels(series), values.shape[1])
    needed = window_size + horizon
    if is_panel(series):
        rows = [r for r in series_rows(series.index)[1] if len(r) >= needed]
        if not rows:
            raise ValueError(
                f"no series of the panel has window_size + horizon = {needed} "
                "rows, the fewest that give a window and its target"
            )
        framed = [_framed(values[r], window_size, horizon, targets) for r in rows]
        X, y = (np.concatenate(parts) for parts in zip(*framed, strict=True))
        X.flags.writeable = False
    elif len(values) < needed:
        raise ValueError(
            f"series has {len(values)} rows, need at least "
            f"window_size + horizon = {needed}"
        )
    else:
        X, y = _framed(values, window_size, horizon, targets)
    return X, (y[:, 0] if y.shape[1] == 1 else y)


def _framed(values: np.ndarray, window_size: int, horizon: int, targets):
    """Windows of one series, and the target rows after them, 2D, step-major."""
    X = _windows(values[: len(values) - horizon], window_size)
    steps = sliding_window_view(values[window_size:], horizon, axis=0)
    return X, steps[:, targets, :].transpose(0, 2, 1).reshape(X.shape[0], -1)


def series_2d(series, dtype):
    """Validate a time series; return it as ``(n_timesteps, n_features)``.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        Time-ordered values; a 1D series has one feature.
    dtype : numpy dtype
        Dtype of the returned array.

    Returns
    -------
    values : ndarray of shape (n_timesteps, n_features)
    """
    values = check_array(
        series, dtype=dtype, ensure_2d=False, allow_nd=True, input_name="series"
    )
    if values.ndim > 2:
        raise ValueError(
            "series must have shape (n_timesteps,) or (n_timesteps, n_features), "
            f"got shape {values.shape}"
        )
    return values.reshape(-1, 1) if values.ndim == 1 else values


def _windows(buffer: np.ndarray, window_size: int) -> np.ndarray:
    """Read-only view of shape (n_rows - window_size + 1, window_size, f)."""
    return sliding_window_view(buffer, window_size, axis=0).transpose(0, 2, 1)


def column_labels(series):
    """The column labels of `series` (a named Series': its name), or None."""
    if isinstance(series, pd.DataFrame):
        return series.columns
    if isinstance(series, pd.Series) and series.name is not None:
        return pd.Index([series.name])
    return None


def _target_indices(target, columns, n_features: int) -> list[int]:
    """Resolve `target` to positional indices of the series' columns.

    Each target is a label of `columns` if it is one, else a position.
    """
    if target is None:
        return list(range(n_features))
    targets = [target] if isinstance(target, (str, Integral)) else list(target)
    if not targets:
        raise ValueError("target must name at least one column, got an empty list")
    labels = [] if columns is None else list(columns)
    indices = []
    for name in targets:
        if isinstance(name, (bool, np.bool_)):  # True == 1, but names no column
            index = None
        elif name in labels:
            index = labels.index(name)
        elif isinstance(name, Integral) and -n_features <= name < n_features:
            index = int(name) % n_features
        else:
            index = None
        if index is None:
            raise ValueError(
                f"target {name!r} is not a column of series: expected "
                + (f"one of the labels {labels} or " if labels else "")
                + f"a position in [{-n_features}, {n_features})"
            )
        if index in indices:
            raise ValueError(
                f"target names the column {name!r} (position {index}) twice: "
                "name each column once"
            )
        indices.append(index)
    return indices
