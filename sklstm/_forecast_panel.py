"""Forecasts of a panel: many series continued together, each from its own end.

:func:`~sklstm.recursive_forecast` of a frame indexed by (series id, time)
lays out one block per series, its last ``window_size`` rows then its
future rows, so that each step of the forecast calls ``predict`` once for
every series. This module checks the panel's series and future values,
builds the blocks and gives the forecast back as panel pandas; the
forecasting itself is :mod:`sklstm._forecast`'s, which imports this module.
"""

import numpy as np
import pandas as pd

from sklstm._panel import is_panel, series_rows


def panel_blocks(table, targets, window, size, n_steps, exog, ids, future_index):
    """The blocks a panel's forecast feeds back into, and how to return it.

    Parameters
    ----------
    table : DataFrame of shape (n_timesteps, n_features)
        The panel, indexed by (series id, time), its target columns float.
    targets : list of int
        Positions of the forecast columns in `table`.
    window : SlidingWindowTransformer or None
        The estimator's window step; None for a regressor fitted on windows.
    size : int
        Number of past rows each prediction reads.
    n_steps : int
        Number of future time steps to forecast.
    exog : DataFrame or None
        A panel of the future rows of the columns that are not forecast.
    ids : list of series ids or None
        The series to forecast; None means all of them.
    future_index : callable
        ``future_index(times, n_steps)`` gives the `n_steps` time labels
        after `times`. It is passed in because it lives in
        :mod:`sklstm._forecast`, which imports this module.

    Returns
    -------
    blocks : DataFrame of shape (n_series * (size + n_steps), n_features)
        For each series, its last `size` rows then its `n_steps` future
        rows, indexed by its id.
    chunks : callable or None
        Makes a pipeline's input from the `size` rows of each block; None
        for a regressor fitted on windows.
    rows : list of ndarray of int
        The positions in `table` of the rows of each series forecast.
    wrap : callable
        Gives a forecast of shape (n_series, n_steps, n_targets), or a bound
        of it, as a Series or DataFrame indexed by (series id, time).
    """
    if window is not None and window.ids_ is None:
        raise ValueError(
            "series is a panel, but the estimator's SlidingWindowTransformer was "
            "fitted on one series: fit the pipeline on the panel, its steps "
            "before the windows outputting pandas (set_output(transform='pandas')) "
            "so that the (series id, time) index reaches them"
        )
    all_ids, all_rows = series_rows(table.index)
    chosen = _chosen(all_ids, ids)
    rows = [all_rows[k] for k in chosen]
    short = [all_ids[k] for k, r in zip(chosen, rows, strict=True) if len(r) < size]
    if short:
        raise ValueError(
            f"series {short[0]!r} has fewer rows than window_size={size} "
            f"({len(short)} series in all): leave it out with ids"
        )
    names = all_ids[chosen]
    forecast_columns = table.columns[targets]
    others = table.columns.drop(forecast_columns)
    futures = _panel_future(table, rows, names, others, exog, n_steps)
    blocks = [
        pd.concat([table.iloc[r[-size:]], future], ignore_index=True)[table.columns]
        for r, future in zip(rows, futures, strict=True)
    ]
    blocks = pd.concat(blocks, ignore_index=True)
    blocks.index = np.repeat(names, size + n_steps)
    times = table.index.get_level_values(1)
    index = pd.MultiIndex.from_tuples(
        [
            (name, time)
            for name, r in zip(names, rows, strict=True)
            for time in future_index(times[r], n_steps)
        ],
        names=table.index.names,
    )
    chunks = None if window is None else _panel_chunks
    return (
        blocks,
        chunks,
        rows,
        lambda values: _panel_result(values, index, forecast_columns),
    )


def _panel_chunks(chunk: pd.DataFrame) -> pd.DataFrame:
    """A panel pipeline's input from a chunk whose index holds series ids.

    The rows are labelled by their series id and float positions, which tell
    the window step no time: the last window of each block is the block,
    whatever comes before it.
    """
    positions = np.arange(len(chunk), dtype=np.float64)
    return chunk.set_axis(pd.MultiIndex.from_arrays([chunk.index, positions]))


def _panel_result(forecast: np.ndarray, index: pd.MultiIndex, columns):
    """`forecast` of shape (n_series, n_steps, n_targets) as panel pandas."""
    values = forecast.reshape(-1, len(columns))
    if len(columns) == 1:
        return pd.Series(values[:, 0], index=index, name=columns[0])
    return pd.DataFrame(values, index=index, columns=columns)


def _chosen(all_ids: np.ndarray, ids) -> np.ndarray:
    """Positions in `all_ids` of the series to forecast: `ids`, or all."""
    if ids is None:
        return np.arange(len(all_ids))
    listed = isinstance(ids, (list, tuple, np.ndarray, pd.Index))
    wanted = list(ids) if listed else [ids]
    found = pd.Index(all_ids).get_indexer(wanted)
    if (found < 0).any():
        missing = [name for name, k in zip(wanted, found, strict=True) if k < 0]
        raise ValueError(f"ids {missing} are not series of the panel")
    return found


def _panel_future(table, rows, names, others, exog, n_steps: int):
    """For each series, a frame of its `n_steps` future rows of `others`.

    Columns of `exog` (a panel) give their values; any other column that is
    not forecast must be static, one value per series, which carries on.
    """
    if exog is not None and not is_panel(exog):
        raise ValueError(
            "series is a panel, so exog must be one too: a DataFrame indexed by "
            "(series id, time) with the n_steps future rows of each series"
        )
    given = [] if exog is None else [c for c in others if c in exog.columns]
    static = others.drop(given)
    varies = table[static].groupby(level=0).nunique(dropna=False).gt(1).any()
    if varies.any():
        raise ValueError(
            f"the column(s) {list(static[varies.to_numpy()])} of series change "
            "within a series and are not forecast: pass their future values in "
            "exog, a panel with n_steps rows per series"
        )
    exog_rows = {}
    if given:
        exog_ids, rows_of_exog = series_rows(exog.index)
        exog_rows = dict(zip(exog_ids, rows_of_exog, strict=True))
    futures = []
    for name, r in zip(names, rows, strict=True):
        future = pd.DataFrame(index=range(n_steps))
        if given:
            known = exog_rows.get(name, [])
            if len(known) != n_steps:
                raise ValueError(
                    f"exog has {len(known)} row(s) of series {name!r}, need "
                    f"n_steps={n_steps}"
                )
            future[given] = exog.iloc[known][given].to_numpy()
        for column in static:
            future[column] = table[column].iloc[r[-1]]
        futures.append(future)
    return futures
