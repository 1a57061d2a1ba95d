"""The plots of ``sklstm forecast``: forecast.png and history.png."""

import numpy as np
import pandas as pd

from sklstm._commands import progress

# forecast.png of many series: one plot per series, for the first few.
PLOTTED_SERIES = 4


def plot_forecast(out, target, test, model, ahead=None, coverage=None):
    """Write forecast.png and history.png to ``out``; return their names.

    forecast.png shows, after the history, the one-step forecasts of the test
    rows and, when given, the forecast past the data with its interval: one
    plot for one series, one per series for the first :data:`PLOTTED_SERIES`
    series tested of a panel.

    Parameters
    ----------
    out : Path
        The output folder.
    target : Series of shape (n_rows,)
        The target column of the data, indexed by time or by (id, time).
    test : DataFrame of shape (n_test, 2)
        Columns ``actual`` and ``forecast``: the value one step after each
        test row and its forecast, indexed as ``target``.
    model : fitted forecaster
        Its training history is plotted.
    ahead : DataFrame of shape (n_future, 1) or (n_future, 3), default=None
        Column ``forecast`` past the data, and ``lower`` and ``upper``.
    coverage : float, default=None
        The coverage of ``lower`` and ``upper``.

    Returns
    -------
    names : list of str
        The files written: none without matplotlib.
    """
    try:
        import matplotlib
    except ImportError:
        progress('no plots: matplotlib is not installed (pip install "sklstm[plot]")')
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklstm._plot import HistoryDisplay

    if isinstance(test.index, pd.MultiIndex):
        names = list(test.index.unique(level=0)[:PLOTTED_SERIES])
        figure, axes = plt.subplots(
            len(names), figsize=(8, 2.8 * len(names)), layout="constrained"
        )
        for ax, name in zip(np.atleast_1d(axes), names, strict=True):
            future = None if ahead is None else ahead.loc[name]
            _plot_series(ax, target.loc[name], test.loc[name], future, coverage)
            ax.set_title(f"{test.index.names[0]} = {name}", loc="left")
        n_tested = test.index.get_level_values(0).nunique()
        if n_tested > len(names):
            figure.suptitle(f"the first {len(names)} of {n_tested} series tested")
    else:
        figure, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
        _plot_series(ax, target, test, ahead, coverage)
    history_figure = HistoryDisplay.from_estimator(model).figure_
    for figure_, name in ((figure, "forecast"), (history_figure, "history")):
        figure_.savefig(out / f"{name}.png", dpi=100)
    plt.close("all")
    return ["forecast.png", "history.png"]


def _plot_series(ax, series, test, ahead, coverage):
    """Draw one series' history, test forecasts and forecast past the data."""
    from sklstm._plot import ForecastDisplay

    # The forecast made at row i is for the step after it: plot it there.
    target_index = series.index[series.index.get_indexer(test.index) + 1]
    ForecastDisplay.from_predictions(
        pd.Series(test["actual"].to_numpy(), target_index),
        pd.Series(test["forecast"].to_numpy(), target_index),
        y_history=series.loc[: test.index[0]],
        estimator_name="LSTM, one step ahead",
        ax=ax,
    )
    if ahead is not None:
        bounds = ahead.get("lower"), ahead.get("upper")
        display = ForecastDisplay.from_predictions(
            None,
            ahead["forecast"],
            y_lower=bounds[0],
            y_upper=bounds[1],
            coverage=coverage,
            estimator_name=f"LSTM, {len(ahead)} steps past the data",
            ax=ax,
        )
        # Apart from the test forecasts, in colour.
        display.lines_["forecast"].set_color("tab:blue")
        if display.band_ is not None:
            display.band_.set_color("tab:blue")
        ax.legend()
    ax.set_ylabel(series.name)
