"""Plots in scikit-learn's Display style: training history and forecasts.

matplotlib is an optional dependency (the ``plot`` extra), imported only when
something is drawn.
"""

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array

from sklstm._conformal import check_coverage
from sklstm._unwrap import fitted_parts

_PANDAS = (pd.Series, pd.DataFrame)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'Plotting requires matplotlib: pip install "sklstm[plot]"'
        ) from error
    return plt


class HistoryDisplay:
    """Learning curves: the metrics Keras recorded at each training epoch.

    One Axes per metric, each with the metric on the training data and, when
    validation data was held out, on the validation data (``val_`` keys).
    Create it with :meth:`from_estimator`; calling the constructor then
    :meth:`plot` draws a ``history_`` dict directly.

    Parameters
    ----------
    history : dict of str to list of float
        Per-epoch values, as in the ``history_`` attribute of
        :class:`~sklstm.LSTMRegressor` and :class:`~sklstm.LSTMClassifier`.

    estimator_name : str, default=None
        Name of the estimator, shown in the title of the first Axes.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes of shape (n_metrics,)
        One Axes per plotted metric.

    ax_ : matplotlib Axes
        The first Axes, that of the loss unless `metrics` says otherwise.

    figure_ : matplotlib Figure
        Figure containing the Axes.

    lines_ : dict of str to matplotlib Line2D
        The plotted curve of each key of `history`, e.g. ``lines_["val_loss"]``.

    See Also
    --------
    ForecastDisplay : Forecast against the actual series.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklstm import HistoryDisplay, LSTMRegressor
    >>> X = np.linspace(0, 1, 80).reshape(20, 4)
    >>> reg = LSTMRegressor(units=2, epochs=3, validation_split=0.2,
    ...                     metrics=["mae"], random_state=0).fit(X, X[:, -1])
    >>> display = HistoryDisplay.from_estimator(reg)
    >>> display.axes_.shape, sorted(display.lines_)
    ((2,), ['loss', 'mae', 'val_loss', 'val_mae'])
    """

    def __init__(self, history, *, estimator_name=None):
        self.history = history
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, metrics=None, ax=None):
        """Plot the training history of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            An :class:`~sklstm.LSTMRegressor` or
            :class:`~sklstm.LSTMClassifier`, or a
            :class:`~sklearn.pipeline.Pipeline`, a
            :class:`~sklearn.compose.TransformedTargetRegressor` or a fitted
            search (its ``best_estimator_``) around one.

        metrics : list of str, default=None
            The metrics to plot, without the ``val_`` prefix, e.g.
            ``["loss", "mae"]``. None plots every recorded metric.

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per metric to draw on. None creates a figure with one
            row of Axes.

        Returns
        -------
        display : HistoryDisplay
            The display, with the plot in its attributes.
        """
        parts = list(fitted_parts(estimator))
        fitted = [part for part in parts if hasattr(part, "history_")]
        if not fitted:
            raise NotFittedError(
                f"{type(estimator).__name__} has no training history: pass a "
                "fitted LSTMRegressor or LSTMClassifier, or a fitted pipeline, "
                "TransformedTargetRegressor or search around one"
            )
        name = type(fitted[-1]).__name__
        return cls(fitted[-1].history_, estimator_name=name).plot(
            metrics=metrics, ax=ax
        )

    def plot(self, *, metrics=None, ax=None):
        """Plot the history.

        Parameters
        ----------
        metrics : list of str, default=None
            The metrics to plot, without the ``val_`` prefix. None plots every
            metric of `history`, the loss first.

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per metric to draw on. None creates a figure with one
            row of Axes.

        Returns
        -------
        self : HistoryDisplay
            The display, with `axes_`, `ax_`, `figure_` and `lines_` set.
        """
        metrics = self._metrics(metrics)
        if ax is None:
            plt = _pyplot()
            # Constrained layout keeps each label inside the figure and off
            # the next Axes, also for a plain savefig.
            _, ax = plt.subplots(
                1,
                len(metrics),
                figsize=(4.5 * len(metrics), 3.5),
                squeeze=False,
                layout="constrained",
            )
        axes = np.ravel(ax)
        if len(axes) != len(metrics):
            raise ValueError(
                f"ax must hold one Axes per metric: got {len(axes)} Axes for "
                f"the metrics {metrics}"
            )
        self.lines_ = {}
        for metric, metric_ax in zip(metrics, axes, strict=True):
            for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
                if key in self.history:
                    values = self.history[key]
                    epochs = np.arange(1, len(values) + 1)
                    (self.lines_[key],) = metric_ax.plot(epochs, values, label=label)
            metric_ax.set(xlabel="epoch", ylabel=metric.replace("_", " "))
            if f"val_{metric}" in self.history:
                metric_ax.legend()
        if self.estimator_name is not None:
            axes[0].set_title(self.estimator_name)
        self.axes_, self.ax_, self.figure_ = axes, axes[0], axes[0].figure
        return self

    def _metrics(self, metrics) -> list[str]:
        """The metrics to plot, checked against the keys of `history`."""
        recorded = [key for key in self.history if not key.startswith("val_")]
        recorded += [
            key[4:]
            for key in self.history
            if key.startswith("val_") and key[4:] not in self.history
        ]
        if metrics is None:
            if not recorded:
                raise ValueError("history is empty: the estimator recorded nothing")
            return sorted(recorded, key=lambda key: key != "loss")
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [metric for metric in metrics if metric not in recorded]
        if unknown or not metrics:
            raise ValueError(
                f"metrics must be recorded in the history, got {metrics}; "
                f"recorded: {recorded}"
            )
        return metrics


class ForecastDisplay:
    """A forecast next to the actual series, after the history it continues.

    Create it with :meth:`from_predictions` (for example with the result of
    :func:`~sklstm.recursive_forecast`, and the bounds of its interval) or
    :meth:`from_estimator` (one-step predictions of a test set).

    The time axis comes from the pandas indexes of the data. Without one, the
    history is at positions ``0, 1, ...`` and the forecast follows it. Values
    are drawn in order, not matched by label: a pandas `y_true`, `y_lower` or
    `y_upper` must have the index of a pandas `y_pred` (else of a pandas
    `y_true`), in the same order, or ``ValueError`` says which does not;
    ``.reindex(y_pred.index)`` aligns one that should be matched by label.

    Parameters
    ----------
    y_pred : ndarray of shape (n_steps,)
        The forecast.

    time : ndarray of shape (n_steps,)
        Time of each forecast step.

    y_true : ndarray of shape (n_steps,), default=None
        The actual values at those times, if known.

    y_history : ndarray of shape (n_history,), default=None
        The series before the forecast.

    time_history : ndarray of shape (n_history,), default=None
        Time of each history step; required with `y_history`.

    estimator_name : str, default=None
        Label of the forecast line; None means ``"forecast"``.

    y_lower, y_upper : ndarray of shape (n_steps,), default=None
        The bounds of a prediction interval around the forecast, drawn as a
        band; both or neither.

    coverage : float in (0, 1), default=None
        The coverage the interval was made for, named in its label
        (``"90% interval"``); None labels it ``"interval"``. Only with
        `y_lower` and `y_upper`.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the plot.

    figure_ : matplotlib Figure
        Figure containing the Axes.

    lines_ : dict of str to matplotlib Line2D
        The plotted lines: ``"forecast"``, and ``"actual"`` and ``"history"``
        when those were given.

    band_ : matplotlib PolyCollection or None
        The interval's band, None without `y_lower` and `y_upper`.

    See Also
    --------
    recursive_forecast : Forecast the steps after a series.
    HistoryDisplay : Learning curves of a fitted estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklstm import ForecastDisplay
    >>> series = np.sin(np.arange(60) / 4)
    >>> display = ForecastDisplay.from_predictions(
    ...     series[50:], series[50:] + 0.05, y_history=series[:50]
    ... )
    >>> display.lines_["forecast"].get_xdata()[:3]
    array([50, 51, 52])

    With the bounds of a 90% interval, drawn as a band:

    >>> display = ForecastDisplay.from_predictions(
    ...     series[50:], series[50:], y_lower=series[50:] - 0.2,
    ...     y_upper=series[50:] + 0.2, coverage=0.9,
    ... )
    >>> display.band_.get_label()
    '90% interval'
    """

    def __init__(
        self,
        *,
        y_pred,
        time,
        y_true=None,
        y_history=None,
        time_history=None,
        estimator_name=None,
        y_lower=None,
        y_upper=None,
        coverage=None,
    ):
        self.y_pred = y_pred
        self.time = time
        self.y_true = y_true
        self.y_history = y_history
        self.time_history = time_history
        self.estimator_name = estimator_name
        self.y_lower = y_lower
        self.y_upper = y_upper
        self.coverage = coverage

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        y_history=None,
        estimator_name=None,
        y_lower=None,
        y_upper=None,
        coverage=None,
        ax=None,
    ):
        """Plot a forecast against the actual values.

        Parameters
        ----------
        y_true : array-like of shape (n_steps,) or None
            The actual values over the forecast period; None for a forecast
            past the end of the data.

        y_pred : array-like of shape (n_steps,)
            The forecast. The time axis is its pandas index if it has one,
            else that of `y_true`, else the positions after `y_history`.

        y_history : array-like of shape (n_history,), default=None
            The series before the forecast, drawn before it.

        estimator_name : str, default=None
            Label of the forecast line.

        y_lower, y_upper : array-like of shape (n_steps,), default=None
            The bounds of a prediction interval around `y_pred`, such as
            those of ``recursive_forecast(..., coverage=0.9)``, drawn as a
            band; both or neither. A pandas bound (or `y_true`) must have the
            index of a pandas `y_pred`: values are drawn in order.

        coverage : float in (0, 1), default=None
            The coverage of the interval, named in its label; only with
            `y_lower` and `y_upper`.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : ForecastDisplay
            The display, with the plot in its attributes.
        """
        _check_indexes(y_pred=y_pred, y_true=y_true, y_lower=y_lower, y_upper=y_upper)
        forecast = _one_series(y_pred, "y_pred")
        actual = None if y_true is None else _one_series(y_true, "y_true")
        if actual is not None and len(actual) != len(forecast):
            raise ValueError(
                f"y_true and y_pred must have the same length, got {len(actual)} "
                f"and {len(forecast)}"
            )
        history = None if y_history is None else _one_series(y_history, "y_history")
        n_history = 0 if history is None else len(history)
        indexed = [v for v in (y_pred, y_true) if isinstance(v, _PANDAS)]
        time = _time(indexed[0] if indexed else None, n_history, len(forecast))
        return cls(
            y_pred=forecast,
            time=time,
            y_true=actual,
            y_history=history,
            time_history=None if history is None else _time(y_history, 0, n_history),
            estimator_name=estimator_name,
            y_lower=None if y_lower is None else _one_series(y_lower, "y_lower"),
            y_upper=None if y_upper is None else _one_series(y_upper, "y_upper"),
            coverage=coverage,
        ).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, y_history=None, estimator_name=None, ax=None
    ):
        """Plot an estimator's predictions for `X` against `y`.

        Parameters
        ----------
        estimator : fitted estimator
            A fitted forecaster, such as a window pipeline; one prediction per
            row of `X`.

        X : array-like of shape (n_steps, n_features) or \
                (n_steps, n_timesteps, n_features)
            Input of each forecast step, e.g. a chronological test set.

        y : array-like of shape (n_steps,)
            The actual values. Its pandas index, if any, is the time axis.

        y_history : array-like of shape (n_history,), default=None
            The series before `X`, drawn before the forecast.

        estimator_name : str, default=None
            Label of the forecast line; None means the estimator's class name.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : ForecastDisplay
            The display, with the plot in its attributes.
        """
        y_pred = np.asarray(estimator.predict(X))
        if isinstance(y, _PANDAS):
            y_pred = pd.Series(np.ravel(y_pred), index=y.index)
        return cls.from_predictions(
            y,
            y_pred,
            y_history=y_history,
            estimator_name=estimator_name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, *, ax=None):
        """Plot the history, the actual values and the forecast.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        self : ForecastDisplay
            The display, with `ax_`, `figure_`, `lines_` and `band_` set.
        """
        _check_indexes(
            y_pred=self.y_pred,
            y_true=self.y_true,
            y_lower=self.y_lower,
            y_upper=self.y_upper,
        )
        bounds, label = self._bounds(), _interval_label(self.coverage)
        if ax is None:
            _, ax = _pyplot().subplots(figsize=(8, 3.5), layout="constrained")
        self.band_ = None
        if bounds is not None:
            self.band_ = ax.fill_between(
                self.time,
                *bounds,
                color="tab:orange",
                alpha=0.25,
                linewidth=0,
                label=label,
            )
        self.lines_ = {}
        if self.y_history is not None:
            (self.lines_["history"],) = ax.plot(
                self.time_history, self.y_history, color="grey", label="history"
            )
        if self.y_true is not None:
            (self.lines_["actual"],) = ax.plot(
                self.time, self.y_true, color="black", label="actual"
            )
        (self.lines_["forecast"],) = ax.plot(
            self.time,
            self.y_pred,
            linestyle="--",
            color="tab:orange",
            label=self.estimator_name or "forecast",
        )
        if np.issubdtype(np.asarray(self.time).dtype, np.datetime64):
            _concise_dates(ax)
        ax.set(xlabel="time", ylabel="value")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    def _bounds(self):
        """`y_lower` and `y_upper` as arrays of the forecast's shape, or None."""
        if (self.y_lower is None) != (self.y_upper is None):
            given, missing = (
                ("y_lower", "y_upper")
                if self.y_upper is None
                else ("y_upper", "y_lower")
            )
            raise ValueError(
                f"an interval needs both bounds: {given} is given but {missing} "
                "is None; pass both or neither"
            )
        if self.y_lower is None:
            if self.coverage is not None:
                raise ValueError(
                    f"coverage={self.coverage} labels an interval, but y_lower "
                    "and y_upper are None: pass the bounds, or leave coverage None"
                )
            return None
        shape = np.shape(self.y_pred)
        bounds = [np.asarray(self.y_lower), np.asarray(self.y_upper)]
        for name, bound in zip(("y_lower", "y_upper"), bounds, strict=True):
            if bound.shape != shape:
                raise ValueError(
                    f"{name} must have the shape of y_pred, {shape}, got {bound.shape}"
                )
        if (bounds[0] > bounds[1]).any():
            step = int(np.argmax(bounds[0] > bounds[1]))
            raise ValueError(
                f"y_lower must not exceed y_upper, but does at step {step} "
                f"({bounds[0][step]} > {bounds[1][step]}): are they swapped?"
            )
        return bounds


def _check_indexes(**values) -> None:
    """Refuse pandas `values` indexed otherwise than the first pandas one.

    The values are drawn in order at the times of that index: another
    index, or its labels in another order, would put them at the wrong
    times.
    """
    indexed = [(name, v) for name, v in values.items() if isinstance(v, _PANDAS)]
    (reference, first), *others = indexed or [(None, None)]
    for name, value in others:
        if not value.index.equals(first.index):
            raise ValueError(
                f"{name} must have the index of {reference}, in the same order: "
                f"its values are drawn at the times of {reference}, not matched "
                f"by label; align it with {name}.reindex({reference}.index)"
            )


def _interval_label(coverage) -> str:
    """The legend label of an interval, naming its coverage if known."""
    if coverage is None:
        return "interval"
    return f"{100 * check_coverage(coverage):g}% interval"


def _concise_dates(ax) -> None:
    """Label a date axis with short, non-overlapping dates."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _one_series(values, name: str) -> np.ndarray:
    """`values` as a 1D float array: one series, as a column or not."""
    array = check_array(values, ensure_2d=False, dtype=np.float64, input_name=name)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be one series, shape (n_steps,), got shape {array.shape}"
        )
    return array


def _time(values, start: int, n_steps: int) -> np.ndarray:
    """The pandas index of `values`, or positions from `start`."""
    if not isinstance(values, _PANDAS):
        return np.arange(start, start + n_steps)
    index = values.index
    # matplotlib draws timestamps, not periods.
    return (
        index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index
    ).to_numpy()
