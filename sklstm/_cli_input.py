"""Reading and checking the CSV input of the ``sklstm`` commands.

Everything here uses pandas and NumPy alone, so that a command reports bad
input at once, before it imports Keras. Bad input raises
:class:`CommandError`, which the command line prints as one line, with exit
status 2.
"""

import tempfile
from pathlib import Path

import pandas as pd

# What a time column holds, as model.json records it.
TIME_KINDS = (
    "integers",
    "numbers",
    "dates without a time zone",
    "dates with a time zone",
)


class CommandError(Exception):
    """Bad input to a command: a message for the user, no traceback."""


def read_csv(path, columns=(), time_col=None):
    """Read a CSV file and check that it has the named numeric columns.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : sequence of str
        Columns that must exist and hold numbers without missing values.
    time_col : str, default=None
        A column of times: parsed as dates if it holds text, then used to sort
        the rows and as the index. Each time may appear once.

    Returns
    -------
    frame : DataFrame
        At least one row.
    """
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"no such file: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CommandError(f"cannot read {path} as CSV: {e}") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    check_columns(frame, path, [*columns, time_col])
    # A header alone reads as columns of no type: say so, not "not numeric".
    if not len(frame):
        raise CommandError(f"{path} has no rows, only a header")
    check_numeric(frame, path, columns)
    return frame if time_col is None else _index_by_time(frame, path, time_col)


def check_columns(frame, path, names):
    """Raise CommandError unless each name but None is a column of ``frame``."""
    missing = [c for c in names if c is not None and c not in frame]
    if missing:
        raise CommandError(
            f"{path} has no column {missing[0]!r}; its columns are "
            f"{', '.join(map(repr, frame.columns))}"
        )


def check_numeric(frame, path, columns):
    """Raise CommandError unless the columns hold numbers, none missing."""
    for column in columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise CommandError(f"column {column!r} of {path} is not numeric")
        n_missing = int(frame[column].isna().sum())
        if n_missing:
            raise CommandError(
                f"column {column!r} of {path} has {n_missing} missing values"
            )


def check_distinct(named):
    """Raise CommandError if two options name one column.

    Parameters
    ----------
    named : iterable of (str, str or None)
        Each option and the column it names; None names none.
    """
    clash = repeated_column(named)
    if clash is not None:
        first, second, column = clash
        raise CommandError(
            f"{first} and {second} both name the column {column!r}: each "
            "must be a different column"
        )


def repeated_column(named):
    """The first two of ``(option, column)`` pairs naming one column, and it."""
    seen = {}
    for option, column in named:
        if column is None:
            continue
        if column in seen:
            return seen[column], option, column
        seen[column] = option
    return None


def parse_times(frame, path, time_col):
    """The column ``time_col`` of ``frame`` as numbers or dates, none missing."""
    times = frame[time_col]
    if not pd.api.types.is_numeric_dtype(times):
        try:
            times = pd.to_datetime(times)
        except (ValueError, TypeError):
            raise CommandError(
                f"column {time_col!r} of {path} holds neither numbers nor dates"
            ) from None
    n_missing = int(times.isna().sum())
    if n_missing:
        raise CommandError(
            f"column {time_col!r} of {path} has {n_missing} missing times"
        )
    return times


def time_kind(times):
    """What a column of parsed times holds, in words, as model.json records it.

    Parameters
    ----------
    times : Series or Index
        Times from :func:`read_csv`: numbers or dates.

    Returns
    -------
    kind : str
        One of :data:`TIME_KINDS`.
    """
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return "dates with a time zone"
    if pd.api.types.is_datetime64_dtype(times.dtype):
        return "dates without a time zone"
    return "integers" if pd.api.types.is_integer_dtype(times.dtype) else "numbers"


def check_time_kind(times, path, time_col, trained):
    """Raise CommandError unless ``times`` are of the kind a model was trained on.

    A window places rows in time by comparing their times with the training
    times, which needs both of one kind.
    """
    kind = time_kind(times)
    if kind != trained:
        raise CommandError(
            f"column {time_col!r} of {path} holds {kind}, but the model was "
            f"trained on {trained}: give times of the same kind"
        )


def _index_by_time(frame, path, time_col):
    """``frame`` sorted and indexed by its column ``time_col``, one row a time."""
    times = parse_times(frame, path, time_col)
    frame = frame.set_index(times.rename(time_col)).drop(columns=time_col)
    frame = frame.sort_index(kind="stable")
    repeated = frame.index[frame.index.duplicated()]
    if len(repeated):
        raise CommandError(
            f"column {time_col!r} of {path} repeats the time {repeated[0]}: "
            "each row must be one time step"
        )
    return frame


def read_long(
    path, id_col, time_col, features=None, label=None, unit="sequence", optional=()
):
    """Read a long-format CSV file: the rows of many sequences, told by an id.

    Parameters
    ----------
    path : str or Path
        The file.
    id_col : str
        Column naming the sequence of each row; no id may be missing.
    time_col : str or None
        Column of times, parsed as :func:`read_csv` does; each sequence may
        hold a time once.
    features : list of str, default=None
        Numeric columns to read; None means every column but id, label and
        time.
    label : str, default=None
        A column that must exist and is no feature.
    unit : str, default="sequence"
        What one id names, in messages: ``"sequence"`` or ``"series"``.
    optional : list of str, default=()
        Numeric columns checked where the file has them, as features are.

    Returns
    -------
    frame : DataFrame
        The file, its time column parsed.
    features : list of str
    """
    frame = read_csv(path)
    check_columns(frame, path, [id_col, label, time_col, *(features or [])])
    if features is None:
        features = [c for c in frame.columns if c not in (id_col, label, time_col)]
        if not features:
            raise CommandError(
                f"{path} has no feature columns besides id, label and time"
            )
    check_numeric(frame, path, [*features, *(c for c in optional if c in frame)])
    if frame[id_col].isna().any():
        raise CommandError(f"column {id_col!r} of {path} has missing ids")
    if time_col is not None:
        frame[time_col] = parse_times(frame, path, time_col)
        repeated = frame[frame.duplicated([id_col, time_col])]
        if len(repeated):
            raise CommandError(
                f"{unit} {repeated[id_col].iloc[0]} of {path} repeats the time "
                f"{repeated[time_col].iloc[0]}: each row must be one time step"
            )
    return frame, features


def read_panel(path, columns, id_col, time_col, optional=()):
    """Read a panel: many series in long format, indexed by (id, time).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : list of str
        Numeric columns to read, none missing.
    id_col, time_col : str
        Columns naming each row's series and its time; a series holds a time
        once.
    optional : list of str, default=()
        Numeric columns to read too where the file has them.

    Returns
    -------
    panel : DataFrame of shape (n_rows, n_columns)
        ``columns``, then the ``optional`` columns found, indexed by (id,
        time), sorted by series, then time: the input of a
        :class:`~sklstm.SlidingWindowTransformer` fitted on many series.
    """
    frame, _ = read_long(
        path, id_col, time_col, list(columns), unit="series", optional=optional
    )
    found = [c for c in optional if c in frame]
    return frame.set_index([id_col, time_col])[[*columns, *found]].sort_index()


def series_lengths(frame):
    """Rows per series: one series, or each series of a panel."""
    if isinstance(frame.index, pd.MultiIndex):
        return frame.groupby(level=0, sort=False).size()
    return pd.Series([len(frame)])


def writable_folder(path):
    """Create the folder ``path`` if needed and check that files can go there."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"cannot write to the folder {folder}: it is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise CommandError(f"cannot write to the folder {folder}: {error}") from None
    return folder


def check_out_file(path):
    """Raise CommandError unless the file ``path`` can be written."""
    if path.is_dir():
        raise CommandError(f"--out {path} is a folder; give a file name")
    writable_folder(path.parent)
