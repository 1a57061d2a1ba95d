"""A pandas time index as int64 keys: its kind, its step, its runs and gaps."""

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset


def time_index(X):
    """The dtype name and int64 keys of `X`'s time index, or None.

    Only a :class:`~pandas.DatetimeIndex`, a :class:`~pandas.PeriodIndex` or
    an integer index tells time.

    Parameters
    ----------
    X : object
        Input data; only its ``index`` attribute, if any, is read.

    Returns
    -------
    placed : tuple of (str, ndarray of shape (n_timesteps,) of int64) or None
        The index dtype, such as ``"int64"``, ``"period[M]"`` or
        ``"datetime64[ns, UTC]"``, and the keys: integer labels, period
        ordinals, or nanoseconds since 1970 (UTC). None when `X` has no time
        index.

    Raises
    ------
    ValueError
        If the index has missing labels, or does not strictly increase.
    """
    index = time_level(getattr(X, "index", None))
    if index is None:
        return None
    if index.hasnans:
        raise ValueError("the index of X has missing labels (NaT); drop those rows")
    keys = index_keys(index)
    steps = np.diff(keys)
    if (steps <= 0).any():
        row = int(np.argmax(steps <= 0)) + 1
        raise ValueError(
            "the index of X must increase without repeats to place its rows in "
            f"time, but row {row} ({index[row]}) follows {index[row - 1]}: sort "
            "X by time and drop repeated labels, or pass history='none'"
        )
    return str(index.dtype), keys


def time_level(index):
    """`index` if it tells time (datetimes in nanoseconds), else None.

    Parameters
    ----------
    index : pandas.Index or None
        An index.

    Returns
    -------
    index : DatetimeIndex, PeriodIndex, integer Index or None
        A :class:`~pandas.DatetimeIndex` in nanoseconds, a
        :class:`~pandas.PeriodIndex` or an integer index; None for any other
        index, such as floats or strings.
    """
    if isinstance(index, pd.DatetimeIndex):
        return index.as_unit("ns")
    if isinstance(index, pd.PeriodIndex) or (
        isinstance(index, pd.Index) and pd.api.types.is_integer_dtype(index)
    ):
        return index
    return None


def index_keys(index: pd.Index) -> np.ndarray:
    """The int64 keys of a time index from :func:`time_level`, unchecked."""
    keys = index.asi8 if hasattr(index, "asi8") else index.to_numpy(np.int64)
    return np.asarray(keys, dtype=np.int64)


def time_step(index: pd.Index, keys: np.ndarray, dtype: str):
    """One time step of `index`.

    Parameters
    ----------
    index : pandas.Index
        The time index that `keys` encode.
    keys : ndarray of shape (n_timesteps,) of int64
        Its keys, from :func:`time_index`.
    dtype : str
        Its dtype name, from :func:`time_index`.

    Returns
    -------
    step : int, str or None
        In key units for an integer or period index; a pandas frequency
        string for a datetime index (its ``freq``, else the inferred one,
        else business days ``"B"`` for whole days that are all weekdays and
        skip a weekend, else the greatest common divisor of its
        differences). None where a one-row datetime index without ``freq``
        cannot tell.
    """
    kind = index_kind(dtype)
    if kind == "period":
        return pd.api.types.pandas_dtype(dtype).freq.n
    if kind == "integer":
        return int(np.gcd.reduce(np.diff(keys))) if len(keys) > 1 else 1
    if index.freq is not None:
        return index.freq.freqstr
    if len(keys) > 2:
        with warnings.catch_warnings():
            # pandas 3 warns that infer_freq will return an offset; to_offset
            # reads both.
            warnings.simplefilter("ignore", DeprecationWarning)
            inferred = pd.infer_freq(index)
        if inferred is not None:
            return to_offset(inferred).freqstr
    if len(keys) > 1 and _business_days(index):
        return "B"
    if len(keys) > 1:
        # Local wall-clock times, so that days stay days across DST changes.
        wall = index.tz_localize(None).as_unit("ns").asi8
        step = pd.Timedelta(int(np.gcd.reduce(np.diff(wall))), unit="ns")
        days = step // pd.Timedelta(days=1)
        whole_days = step == pd.Timedelta(days=days)
        return to_offset(f"{days}D" if whole_days else step).freqstr
    return None


def _business_days(index: pd.DatetimeIndex) -> bool:
    """Whether `index` steps by business days: weekdays, skipping weekends.

    Its dates fall on weekdays at one time of day, at least one weekend lies
    between two of them, and the numbers of business days between them have
    1 as greatest common divisor. Trading days and other business-day data
    read from a file have no ``freq``, and a holiday stops pandas from
    inferring one: without this, every weekend would be a gap.
    """
    wall = index.tz_localize(None)
    midnight = wall.normalize()
    if (wall - midnight != wall[0] - midnight[0]).any():
        return False
    days = midnight.to_numpy().astype("datetime64[D]")
    if not np.is_busday(days).all():
        return False
    business = np.busday_count(days[:-1], days[1:])
    skips_weekend = (business < (days[1:] - days[:-1]).astype(np.int64)).any()
    return bool(skips_weekend and np.gcd.reduce(business) == 1)


def step_label(step, dtype: str) -> str:
    """One time `step` of an index of dtype `dtype` in words, for messages."""
    if index_kind(dtype) == "period":
        return f"one period of freq {dtype[len('period[') : -1]!r}"
    return f"freq {step!r}" if isinstance(step, str) else f"{step} in the index"


def following(index: pd.Index, n_steps: int):
    """The `n_steps` labels one time step apart that follow `index`, or None.

    Parameters
    ----------
    index : pandas.Index
        A time index, its step found as by :func:`time_step`.
    n_steps : int
        Number of labels.

    Returns
    -------
    labels : pandas.Index of length `n_steps` or None
        None where `index` tells no time step: another kind of index, one
        that does not increase, or a single date without ``freq``.
    """
    level = time_level(index)
    if level is None or level.hasnans or not level.is_monotonic_increasing:
        return None
    keys = index_keys(level)
    if not level.is_unique or len(keys) == 0:
        return None
    step = time_step(level, keys, str(level.dtype))
    if step is None:
        return None
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=n_steps, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[-1], periods=n_steps + 1, freq=step)[1:]
    return pd.Index(keys[-1] + step * np.arange(1, n_steps + 1), dtype=index.dtype)


def index_kind(dtype: str) -> str:
    """``"period"``, ``"datetime"`` or ``"integer"``: the kind of a time index."""
    if dtype.startswith("period"):
        return "period"
    return "datetime" if dtype.startswith("datetime") else "integer"


def next_keys(keys: np.ndarray, step, dtype: str) -> np.ndarray:
    """The keys one time `step` after `keys`.

    Parameters
    ----------
    keys : ndarray of shape (n_keys,) of int64
        Keys of an index of dtype `dtype`.
    step : int or str
        One time step, from :func:`time_step`.
    dtype : str
        The index dtype name.

    Returns
    -------
    later : ndarray of shape (n_keys,) of int64
    """
    if not isinstance(step, str):
        return keys + step
    dates = pd.DatetimeIndex(keys.view("datetime64[ns]"))
    timezone = getattr(pd.api.types.pandas_dtype(dtype), "tz", None)
    if timezone is not None:
        dates = dates.tz_localize("UTC").tz_convert(timezone)
    # Calendar arithmetic: a day or a month in local time, DST included.
    return (dates + to_offset(step)).as_unit("ns").asi8


def gap_positions(keys: np.ndarray, step, dtype: str) -> np.ndarray:
    """Positions of the keys that follow a gap: missing time steps before them.

    Parameters
    ----------
    keys : ndarray of shape (n_timesteps,) of int64
        Increasing keys of an index.
    step, dtype : int or str, str
        Its time step and dtype name, as for :func:`next_keys`.

    Returns
    -------
    positions : ndarray of shape (n_gaps,) of int64
        Each one starts a run of consecutive time steps; so does position 0.
    """
    follows = keys[1:] == next_keys(keys[:-1], step, dtype)
    return np.flatnonzero(~follows) + 1


def key_label(key, dtype: str) -> str:
    """A key of an index of dtype `dtype` as the label it was, for messages."""
    pandas_dtype = pd.api.types.pandas_dtype(dtype)
    if isinstance(pandas_dtype, pd.PeriodDtype):
        return str(pd.Period(ordinal=int(key), freq=pandas_dtype.freq))
    if index_kind(dtype) == "datetime":
        stamp = pd.Timestamp(int(key), unit="ns", tz="UTC")
        return str(stamp.tz_convert(getattr(pandas_dtype, "tz", None)))
    return str(key)


def is_default(keys: np.ndarray) -> bool:
    """Whether increasing `keys` are 0, 1, 2, ..., a frame's default index."""
    return keys[0] == 0 and keys[-1] == len(keys) - 1
