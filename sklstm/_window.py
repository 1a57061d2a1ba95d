"""SlidingWindowTransformer: its parameters, fit and transform, and panels.

Where new rows fall in time is worked out in :mod:`sklstm._placement`; the
strided windows themselves come from :mod:`sklstm._make_windows`.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from sklstm._panel import is_panel, series_rows
from sklstm._placement import (
    assemble,
    gap_notes,
    place_array,
    place_by_index,
    placing_keys,
    warn_gaps,
)
from sklstm._timeline import gap_positions, time_index, time_step

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
        warn_gaps(notes, stacklevel=4)  # past the _fit_context wrapper
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
        warn_gaps(notes)
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
            return assemble(self, buffer, [(0, self.series_[:0])]), []
        starts = np.r_[0, self.index_gaps_]
        runs, gaps = place_by_index(self, self.series_, self.index_, step, starts)
        return assemble(self, buffer, runs), gap_notes(self, gaps, step)

    def _windows(self, X):
        """The windows of one series placed against the fitted one, and notes."""
        buffer = self._buffer(X, self.window_size - 1, reset=False)
        values = buffer[self.window_size - 1 :]
        if self.history == "none":
            return assemble(self, buffer, [(0, self.series_[:0])]), []
        keys, step = placing_keys(self, X, values)
        if keys is None:
            runs, gaps = place_array(self, values)
        elif step is None:  # one date, and no step to reach another: a start
            runs, gaps = [(0, self.series_[:0])], []
        else:
            runs, gaps = place_by_index(self, values, keys, step)
        return assemble(self, buffer, runs), gap_notes(self, gaps, step)

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
        warn_gaps(notes, stacklevel=4)
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
