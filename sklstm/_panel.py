"""Panels: many series in one frame, indexed by (series id, time)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator, TimeSeriesSplit
from sklearn.utils import check_scalar

from sklstm._timeline import index_keys, time_level


def is_panel(X) -> bool:
    """Whether `X` is a panel: pandas data indexed by (series id, time).

    Parameters
    ----------
    X : object
        Any input: arrays, pandas objects, lists.

    Returns
    -------
    panel : bool
        True for a :class:`~pandas.DataFrame` or :class:`~pandas.Series`
        whose index is a two-level :class:`~pandas.MultiIndex`.

    Raises
    ------
    ValueError
        If the index is a :class:`~pandas.MultiIndex` of another number of
        levels.
    """
    index = getattr(X, "index", None)
    if not isinstance(index, pd.MultiIndex):
        return False
    if index.nlevels != 2:
        raise ValueError(
            "a panel is indexed by two levels, (series id, time), but the index "
            f"of X has {index.nlevels} levels {list(index.names)}: drop or "
            "combine levels (for example with reset_index) to leave two"
        )
    return True


def series_rows(index: pd.MultiIndex):
    """The series of a panel and the positions of their rows.

    Parameters
    ----------
    index : pandas.MultiIndex of 2 levels
        A panel's (series id, time) index.

    Returns
    -------
    ids : ndarray of shape (n_series,)
        The series ids, in the order of their first row.
    rows : list of ndarray of int64
        For each series, the positions of its rows in `index`, in order.

    Raises
    ------
    ValueError
        If a (series id, time) pair repeats, or, for a datetime, period or
        integer time level, time does not increase within a series.
    """
    codes, ids = pd.factorize(index.get_level_values(0))
    if (codes < 0).any():
        raise ValueError("the series id level of X has missing labels; drop them")
    order = np.argsort(codes, kind="stable")
    rows = np.split(order, np.cumsum(np.bincount(codes))[:-1])
    times = time_level(index.get_level_values(1))
    if times is None:  # no time to compare: only repeated pairs are wrong
        if index.has_duplicates:
            row = int(np.argmax(index.duplicated()))
            raise ValueError(
                f"the panel X repeats (series id, time) {index[row]} at row {row}: "
                "drop repeated rows"
            )
        return np.asarray(ids), rows
    if times.hasnans:
        raise ValueError("the time level of X has missing labels (NaT); drop them")
    # Keys by series: a step to an earlier or equal time within one series.
    keys = index_keys(times[order])
    same = codes[order][1:] == codes[order][:-1]
    wrong = np.flatnonzero(same & (np.diff(keys) <= 0))
    if len(wrong):
        row, earlier = order[wrong[0] + 1], order[wrong[0]]
        raise ValueError(
            "time must increase without repeats within each series of a panel, "
            f"but in series {ids[codes[row]]!r} row {row} ({times[row]}) follows "
            f"row {earlier} ({times[earlier]}): sort X by (series id, time) and "
            "drop repeated rows"
        )
    return np.asarray(ids), rows


class PanelTimeSeriesSplit(BaseCrossValidator):
    """Time series cross-validation of a panel: folds by time, across series.

    :class:`~sklearn.model_selection.TimeSeriesSplit` cut at the sorted
    distinct times of a panel's time level, instead of at its rows: every
    fold trains on all the series up to a time and tests on all of them
    after it, whatever the order of the rows and however many rows each
    time has. A series that ends early, starts late or misses times is in
    the folds where its times are.

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits. Must be at least 2.

    max_train_size : int, default=None
        Maximum number of distinct times in a training set.

    test_size : int, default=None
        Number of distinct times in each test set. Defaults to
        ``n_times // (n_splits + 1)``.

    gap : int, default=0
        Number of distinct times left out between each training and test
        set.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : The same folds over the rows of
        one series.

    Notes
    -----
    `X` must be a panel: a :class:`~pandas.DataFrame` whose index is a
    two-level :class:`~pandas.MultiIndex` (series id, time). The splits
    yield row positions, as every scikit-learn splitter does.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import PanelTimeSeriesSplit
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(4)])
    >>> panel = pd.DataFrame({"load": np.arange(8.0)}, index=index)
    >>> for train, test in PanelTimeSeriesSplit(n_splits=2).split(panel):
    ...     print(train, test)
    [0 1 4 5] [2 6]
    [0 1 2 4 5 6] [3 7]
    """

    def __init__(self, n_splits=5, *, max_train_size=None, test_size=None, gap=0):
        self.n_splits = n_splits
        self.max_train_size = max_train_size
        self.test_size = test_size
        self.gap = gap

    def split(self, X, y=None, groups=None):
        """Generate row positions of training and test sets, split by time.

        Parameters
        ----------
        X : DataFrame of shape (n_samples, n_features)
            A panel indexed by (series id, time).

        y : array-like of shape (n_samples,), default=None
            Ignored.

        groups : None
            Ignored.

        Yields
        ------
        train : ndarray of shape (n_train,)
            Positions of the rows of the training times.

        test : ndarray of shape (n_test,)
            Positions of the rows of the test times.
        """
        check_scalar(self.n_splits, "n_splits", Integral, min_val=2)
        if not is_panel(X):
            raise ValueError(
                "PanelTimeSeriesSplit splits a panel: X must be a DataFrame "
                "indexed by a (series id, time) MultiIndex, got "
                f"{type(X).__name__} with index {type(getattr(X, 'index', None))}"
            )
        times, distinct = pd.factorize(X.index.get_level_values(1), sort=True)
        splitter = TimeSeriesSplit(
            self.n_splits,
            max_train_size=self.max_train_size,
            test_size=self.test_size,
            gap=self.gap,
        )
        for train, test in splitter.split(np.empty((len(distinct), 0))):
            yield (
                np.flatnonzero((times >= train[0]) & (times <= train[-1])),
                np.flatnonzero((times >= test[0]) & (times <= test[-1])),
            )

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
        """
        return self.n_splits
