"""What adaptive_interval asks of X and y: one series, after the fit.

Each interval is calibrated on the scores of earlier rows only; rows of
other series, rows the estimator was fitted on, or targets of other rows
would break that.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from sklstm._panel import is_panel
from sklstm._placement import _starts_with, placing_keys
from sklstm._timeline import key_label
from sklstm._window import SlidingWindowTransformer


def check_one_series(X):
    """Refuse a panel of several series: one walk is one time line.

    Parameters
    ----------
    X : object
        The rows given to adaptive_interval.

    Raises
    ------
    ValueError
        If `X` is a panel (indexed by (series id, time)) of several series.
    """
    if is_panel(X):
        ids = X.index.get_level_values(0).unique()
        if len(ids) > 1:
            raise ValueError(
                f"X is a panel of {len(ids)} series, but adaptive_interval walks "
                "one time line: the targets of one series would calibrate the "
                "others' earlier rows. Walk each series apart, such as "
                f"adaptive_interval(model, X.loc[[{ids[0]!r}]], "
                f"y.loc[[{ids[0]!r}]])"
            )


def check_y_index(X, y):
    """Refuse a pandas `y` whose index is not that of the first rows of X.

    Parameters
    ----------
    X : object
        The rows given to adaptive_interval.
    y : object
        Their observed targets, of the first ``len(y)`` rows; only a pandas
        `y` with a pandas `X` is checked.

    Raises
    ------
    ValueError
        If ``y.index`` is not ``X.index[:len(y)]``.
    """
    pandas = (pd.Series, pd.DataFrame)
    if not (isinstance(X, pandas) and isinstance(y, pandas)):
        return
    if len(y) == 0 or len(y) > len(X):
        return
    expected = X.index[: len(y)]
    if not y.index.equals(expected):
        row = next((i for i in range(len(y)) if y.index[i] != expected[i]), len(y) - 1)
        raise ValueError(
            f"y must hold the targets of the first {len(y)} rows of X, in their "
            f"order, but its row {row} is labelled {y.index[row]!r} where X's "
            f"is {expected[row]!r}: align y with X (such as y.loc[X.index[:n]])"
        )


def check_follows_fit(step, X):
    """Refuse `X` that a fitted window transformer places before its end.

    Rows at or before the fitted end were trained or calibrated on: scored
    again, they would not be new. A time index shows it; an array only when
    it begins with the fitted series.

    Parameters
    ----------
    step : estimator
        A pipeline step before the regressor; only a fitted
        :class:`SlidingWindowTransformer` is checked (for a panel fit, the
        transformer of `X`'s series).
    X : object
        What `step` transforms.

    Raises
    ------
    ValueError
        If `X`'s time index starts at or before the fitted end, or `X`
        begins with the fitted series.
    sklearn.exceptions.NotFittedError
        If `step` is not fitted.
    """
    if not isinstance(step, SlidingWindowTransformer) or step.history == "none":
        return
    check_is_fitted(step)
    fitted = step
    if step.ids_ is not None:
        if not is_panel(X) or len(X) == 0:
            return
        position = pd.Index(step.ids_).get_indexer(X.index[:1].get_level_values(0))
        if position[0] < 0:  # a series unseen in fit has no fitted rows
            return
        fitted = step.series_transformers_[position[0]]
    try:
        values = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    except (TypeError, ValueError):  # the transformer says what is wrong
        return
    if fitted is not step:  # one series of a panel: placed by its times
        X = pd.DataFrame(values, index=X.index.get_level_values(1))
    if not len(values) or fitted.series_ is None:
        return
    keys, _ = placing_keys(fitted, X, values)
    if keys is None:
        if len(values) >= len(fitted.series_) and _starts_with(values, fitted.series_):
            raise ValueError(
                f"X begins with the {len(fitted.series_)} rows the window "
                "pipeline was fitted on: their targets were trained or "
                "calibrated on. Pass only the rows after the fitted ones"
            )
        return
    end = fitted.index_[-1]
    if keys[0] <= end:
        raise ValueError(
            f"X starts at {key_label(keys[0], fitted.index_dtype_)}, not after the "
            f"end of the fitted series ({key_label(end, fitted.index_dtype_)}): its "
            "first rows were trained or calibrated on. Pass only the rows after "
            "the fitted ones"
        )
