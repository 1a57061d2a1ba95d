"""Where new rows of a series fall in time, against a fitted series.

The functions behind :class:`~sklstm.SlidingWindowTransformer`'s
``history="auto"``: `X` is cut into runs of consecutive time steps, each
run's earlier rows are found in `X` and in the fitted series (by its time
index, or by the prefix rule for arrays), and the windows are cut from
those rows, padded where a gap or the series start leaves none. ``fitted``
is always the fitted transformer, whose ``series_``, ``index_``,
``index_dtype_``, ``index_step_`` and ``index_gaps_`` describe the fitted
series.
"""

import warnings

import numpy as np

from sklstm._make_windows import strided_windows
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


def placing_keys(fitted, X, values):
    """`X`'s keys on the fitted time axis and one time step.

    The step is the fitted one, else (a fit on one date) `X`'s, else
    None. The keys are None where `X` is placed as an array.
    """
    if fitted.index_ is None:
        return None, fitted.index_step_
    placed = time_index(X)
    if placed is None:
        return None, fitted.index_step_
    dtype, keys = placed
    fitted_kind, kind = index_kind(fitted.index_dtype_), index_kind(dtype)
    if "integer" in (fitted_kind, kind) and fitted_kind != kind:
        return None, fitted.index_step_
    if fitted_kind != kind or (kind == "period" and dtype != fitted.index_dtype_):
        raise ValueError(
            f"X has an index of dtype {dtype}, which cannot be placed on the "
            f"fitted index of dtype {fitted.index_dtype_}: convert it (for "
            "example with to_period() or to_timestamp()) or pass "
            "history='none'"
        )
    if kind == "datetime" and ("," in dtype) != ("," in fitted.index_dtype_):
        raise ValueError(
            f"X has an index of dtype {dtype} and the fitted index is "
            f"{fitted.index_dtype_}: both need a timezone, or neither"
        )
    if kind == "integer" and is_default(keys):
        # A default index is what a frame made from an array gets: it
        # tells no time unless the fitted series began at 0 too and `X`
        # agrees with it.
        common = min(len(values), len(fitted.series_))
        if not is_default(fitted.index_) or not np.array_equal(
            values[:common], fitted.series_[:common]
        ):
            return None, fitted.index_step_
    step = fitted.index_step_
    if step is None:
        step = time_step(time_level(X.index), keys, dtype)
    return keys, step


def place_array(fitted, values):
    """The prefix rule: `X` begins with the fitted series, or continues it."""
    n_fitted, n_history = len(fitted.series_), fitted.window_size - 1
    if len(values) >= n_fitted and _starts_with(values, fitted.series_):
        return [(0, fitted.series_[:0])], []
    low = max(n_fitted - n_history, _run_start(fitted.index_gaps_, n_fitted))
    history = [(0, fitted.series_[low:])]
    if low > max(n_fitted - n_history, 0):  # a gap in the fitted series
        return history, [(fitted.index_[low - 1], fitted.index_[low])]
    return history, []


def place_by_index(fitted, values, keys, step, starts=None):
    """Cut `X` into runs of consecutive time steps; find each one's history.

    Returns ``[(first row of the run, rows before it)]`` and the gaps, as
    ``(key before, key after)``, where a history is padded.
    """
    if starts is None:
        starts = np.r_[0, gap_positions(keys, step, fitted.index_dtype_)]
    runs, earliest_keys, gaps = [], [], []
    for start in starts:
        rows, earliest = _history(
            fitted, values, keys, step, starts, runs, earliest_keys
        )
        runs.append((start, rows))
        earliest_keys.append(earliest)
        known = [
            labels[found - 1]
            for labels in (keys, fitted.index_)
            if (found := np.searchsorted(labels, earliest)) > 0
        ]
        if len(rows) < fitted.window_size - 1 and known:
            gaps.append((max(known), earliest))
    return runs, gaps


def _history(fitted, values, keys, step, starts, runs, earliest_keys):
    """The rows that precede the next run of `X` in time, and the first key.

    Walks back from the run's first row, one stretch of consecutive time
    steps at a time, through `X`'s earlier runs (their rows, then their
    histories) and the fitted series, until ``window_size - 1`` rows are
    found or a time step is missing.
    """
    need = fitted.window_size - 1
    index, dtype = fitted.index_, fitted.index_dtype_
    pieces, earliest = [], keys[starts[len(runs)]]
    while need:
        row = np.searchsorted(keys, earliest) - 1
        if row >= 0 and _follows(keys[row], earliest, step, dtype):
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
        position = np.searchsorted(index, earliest) - 1
        if position >= 0 and _follows(index[position], earliest, step, dtype):
            low = max(position + 1 - need, _run_start(fitted.index_gaps_, position + 1))
            pieces.append(fitted.series_[low : position + 1])
            need -= position + 1 - low
            earliest = index[low]
            continue
        break
    rows = np.concatenate(pieces[::-1]) if pieces else fitted.series_[:0]
    return rows, earliest


def _follows(key, later, step, dtype: str) -> bool:
    """Whether `later` is one time `step` after `key`."""
    return next_keys(np.array([key]), step, dtype)[0] == later


def _run_start(gaps: np.ndarray, stop: int) -> int:
    """First position of the fitted run of consecutive steps before `stop`."""
    after = np.searchsorted(gaps, stop - 1, side="right")
    return int(gaps[after - 1]) if after else 0


def assemble(fitted, buffer: np.ndarray, runs) -> np.ndarray:
    """Fill each run's history and return the windows of the runs."""
    n_history = fitted.window_size - 1
    values = buffer[n_history:]
    if len(runs) == 1:
        _fill(buffer[:n_history], runs[0][1], values[0], fitted.padding)
        return strided_windows(buffer, fitted.window_size)
    ends = [start for start, _ in runs[1:]] + [len(values)]
    pieces = []
    for (start, rows), end in zip(runs, ends, strict=True):
        piece = np.empty((n_history + end - start, values.shape[1]), np.float32)
        piece[n_history:] = values[start:end]
        _fill(piece[:n_history], rows, values[start], fitted.padding)
        pieces.append(strided_windows(piece, fitted.window_size))
    windows = np.concatenate(pieces)
    windows.flags.writeable = False
    return windows


def _fill(head: np.ndarray, rows: np.ndarray, first: np.ndarray, padding: str) -> None:
    """Write `rows` at the end of `head` and pad before them."""
    n_pad = len(head) - len(rows)
    head[n_pad:] = rows
    earliest = rows[0] if len(rows) else first
    head[:n_pad] = earliest if padding == "edge" else 0


def gap_notes(fitted, gaps, step):
    """Where the first of `gaps` is and how many there are, or nothing."""
    if not gaps:
        return []
    before, after = (key_label(key, fitted.index_dtype_) for key in gaps[0])
    label = step_label(step, fitted.index_dtype_)
    note = f"between {before} and {after}, one step being {label}"
    return [(note, len(dict.fromkeys(gaps)))]


def warn_gaps(notes, stacklevel: int = 3) -> None:
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
