"""Supervised windows of a series: :func:`make_windows` and what it is built on.

The strided view every window is cut with, the validation of a series and
the look-up of its target columns, which :func:`recursive_forecast` shares.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils import check_array, check_scalar

from sklstm._panel import is_panel, series_rows


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
    X = strided_windows(values[: len(values) - horizon], window_size)
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


def strided_windows(buffer: np.ndarray, window_size: int) -> np.ndarray:
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
