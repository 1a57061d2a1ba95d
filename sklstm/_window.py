"""Sliding windows over a time-ordered series, built as strided views."""

import hashlib
from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_array, check_scalar
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Cut a time-ordered series into overlapping windows, one per row.

    Row ``i`` of the output is the window of ``window_size`` time steps that
    ends at row ``i`` of the input, so the output has as many rows as the
    input and a target ``y`` stays aligned inside a
    :class:`~sklearn.pipeline.Pipeline`. Data passed to :meth:`transform`
    continues the series seen in :meth:`fit`: the first windows take their
    history from the end of the fitted series.

    Parameters
    ----------
    window_size : int, default=10
        Number of consecutive time steps per window.

    padding : {"edge", "zero"}, default="edge"
        How the start of a series, where no history exists, is filled:
        ``"edge"`` repeats the first row, ``"zero"`` uses zeros.

    Attributes
    ----------
    n_features_in_ : int
        Number of variables seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of variables seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    tail_ : ndarray of shape (window_size - 1, n_features)
        The last ``window_size - 1`` time steps of the fitted series (padded
        if the series was shorter), as float32: the history of the data
        passed to :meth:`transform`.

    See Also
    --------
    make_windows : Windows plus aligned targets, without padding.

    Notes
    -----
    Which history :meth:`transform` uses is decided by the data itself:

    - ``X`` equal to the fitted series (same length and, after conversion to
      float32, the same values) is the fitted series again and is padded at
      its start, so ``fit(X).transform(X)`` equals ``fit_transform(X)``.
      Equality is checked on a hash of the data, never on object identity,
      so the copies made by steps before this one in a pipeline count.
    - Any other ``X`` is the continuation of the fitted series: its first
      windows take their missing rows from `tail_`. A
      :class:`~sklearn.model_selection.TimeSeriesSplit` test fold or a
      chronological test set therefore gets complete windows.

    A next chunk identical in length and values to the fitted series (for
    example a purely periodic synthetic signal) is thus read as the fitted
    series. A series shorter than `window_size` is accepted: its windows are
    padded.

    Windows depend on row order by design: split with
    :class:`~sklearn.model_selection.TimeSeriesSplit`, never a shuffled
    :class:`~sklearn.model_selection.KFold`.

    The output is a read-only strided view of shape
    ``(n_samples, window_size, n_features)`` over one float32 buffer of
    ``window_size - 1 + n_samples`` rows, so windowing takes about the memory
    of the series, not ``window_size`` times it. Copy it (``np.array(Xt)``)
    before writing to it. 1D input is read as one feature, in :meth:`fit`
    and, once fitted on one feature, in :meth:`transform`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindowTransformer
    >>> series = np.arange(12.0).reshape(6, 2)
    >>> window = SlidingWindowTransformer(window_size=3)
    >>> window.fit_transform(series).shape
    (6, 3, 2)
    >>> window.fit_transform(series)[0, :, 0]
    array([0., 0., 0.], dtype=float32)
    >>> window.transform(np.array([[12.0, 13.0]]))[0, :, 0]
    array([ 8., 10., 12.], dtype=float32)
    """

    _parameter_constraints = {
        "window_size": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"edge", "zero"})],
    }

    def __init__(self, window_size=10, *, padding="edge"):
        self.window_size = window_size
        self.padding = padding

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Remember the end of the series that later data continues.

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
        self._fit_buffer(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then window `X` with padding at its start.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
            Time-ordered series, one row per time step.

        y : None
            Ignored.

        Returns
        -------
        Xt : ndarray of shape (n_timesteps, window_size, n_features)
            Read-only float32 view; row ``i`` is the window ending at row ``i``.
        """
        return _windows(self._fit_buffer(X), self.window_size)

    def transform(self, X):
        """Window `X`, continuing the fitted series unless `X` is that series.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
            Time-ordered series, one row per time step.

        Returns
        -------
        Xt : ndarray of shape (n_timesteps, window_size, n_features)
            Read-only float32 view; row ``i`` is the window ending at row ``i``.
        """
        check_is_fitted(self)
        n_history = self.tail_.shape[0]
        buffer = self._buffer(X, n_history, reset=False)
        n_timesteps, digest = self._fit_key
        series = buffer[n_history:]
        if len(series) == n_timesteps and _digest(series) == digest:
            self._pad_start(buffer, n_history)
        else:
            buffer[:n_history] = self.tail_
        return _windows(buffer, n_history + 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _fit_buffer(self, X) -> np.ndarray:
        """Validate `X`, learn the fitted state and return its padded buffer."""
        n_history = self.window_size - 1
        buffer = self._buffer(X, n_history, reset=True)
        series = buffer[n_history:]
        self._pad_start(buffer, n_history)
        # buffer[len(series):] is the last n_history rows, even when empty.
        self.tail_ = buffer[len(series) :].copy()
        self._fit_key = (len(series), _digest(series))
        return buffer

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

    def _pad_start(self, buffer: np.ndarray, n_history: int) -> None:
        buffer[:n_history] = buffer[n_history] if self.padding == "edge" else 0


def make_windows(series, window_size, horizon=1, target=None):
    """Frame a series as supervised windows and the steps that follow them.

    Window ``i`` holds rows ``i`` to ``i + window_size - 1`` of `series`; its
    target is the `target` column(s) in the `horizon` rows after it. Every
    window is complete: nothing is padded.

    Parameters
    ----------
    series : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
        Time-ordered series, one row per time step; 1D is one feature.

    window_size : int
        Number of consecutive time steps per window.

    horizon : int, default=1
        Number of future time steps to predict after each window.

    target : int, str or list of int or str, default=None
        Target column(s): positional indices, or names when `series` is a
        DataFrame. None means every column.

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

    Examples
    --------
    >>> import numpy as np
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
    """
    check_scalar(window_size, "window_size", Integral, min_val=1)
    check_scalar(horizon, "horizon", Integral, min_val=1)
    values = series_2d(series, np.float32)
    targets = _target_indices(target, getattr(series, "columns", None), values.shape[1])
    n_timesteps, needed = values.shape[0], window_size + horizon
    if n_timesteps < needed:
        raise ValueError(
            f"series has {n_timesteps} rows, need at least "
            f"window_size + horizon = {needed}"
        )
    X = _windows(values[: n_timesteps - horizon], window_size)
    steps = sliding_window_view(values[window_size:], horizon, axis=0)
    y = steps[:, targets, :].transpose(0, 2, 1).reshape(X.shape[0], -1)
    return X, (y[:, 0] if y.shape[1] == 1 else y)


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


def _digest(series: np.ndarray) -> bytes:
    """Fingerprint of a C-contiguous array, to recognise the fitted series."""
    return hashlib.blake2b(series, digest_size=16).digest()


def _target_indices(target, columns, n_features: int) -> list[int]:
    """Resolve `target` to positional indices of the series' columns."""
    if target is None:
        return list(range(n_features))
    targets = [target] if isinstance(target, (str, Integral)) else list(target)
    if not targets:
        raise ValueError("target must name at least one column, got an empty list")
    names = [] if columns is None else list(columns)
    indices = []
    for name in targets:
        if isinstance(name, Integral) and -n_features <= name < n_features:
            indices.append(int(name) % n_features)
        elif isinstance(name, str) and name in names:
            indices.append(names.index(name))
        else:
            raise ValueError(
                f"target {name!r} is not a column of series: expected an index "
                f"in [{-n_features}, {n_features})"
                + (f" or one of the names {names}" if names else "")
            )
    return indices
