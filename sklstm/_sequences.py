"""Sequences of different lengths: end padding, its mask, long-format tables.

A list of sequences becomes one float32 array padded at the END of the time
axis with NaN. User input never holds NaN (it is rejected), so NaN marks
padding unambiguously, unlike a mask value such as zero, which scaled data
really takes. The network's first layer, :class:`PaddingMask`, turns the NaN
steps into a Keras mask and zeros, so the LSTM layers skip them. End padding
is what the fused cuDNN kernel accepts with a mask.
"""

import keras
import numpy as np
import pandas as pd
from keras import ops


@keras.saving.register_keras_serializable(package="sklstm")
class PaddingMask(keras.layers.Layer):
    """Mask the time steps that hold NaN, and set them to zero.

    Input and output are ``(batch, n_timesteps, n_features)``; the mask is
    ``(batch, n_timesteps)``, False where a step holds NaN. The zeros keep
    NaN out of the gradients: the LSTM still multiplies masked steps by its
    kernel, and ``0 * NaN`` would be NaN.
    """

    def compute_mask(self, inputs, mask=None):
        return ops.logical_not(ops.any(ops.isnan(inputs), axis=-1))

    def call(self, inputs):
        return ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def has_padding_mask(model):
    """Whether ``model`` masks padded steps (it was fitted on padded input)."""
    return any(isinstance(layer, PaddingMask) for layer in model.layers)


def is_sequence_list(X, univariate=False):
    """Whether ``X`` is a list of sequences rather than one array-like.

    Parameters
    ----------
    X : object
        Input of ``fit`` or ``predict``.
    univariate : bool, default=False
        Read a list of 1D arrays of equal lengths as univariate sequences
        (as after a fit on 3D input) rather than as the rows of a 2D array.

    Returns
    -------
    bool
        True for a list or tuple of 2D sequences, and of 1D sequences of
        different lengths (or of any lengths if ``univariate``).
    """
    if not isinstance(X, list | tuple):
        return False
    ndims = {np.ndim(sequence) for sequence in X}
    if not X or max(ndims) >= 2:
        return True
    if ndims != {1}:
        return False
    return univariate or len({len(sequence) for sequence in X}) > 1


def pad_sequences(sequences):
    """Stack sequences of different lengths, padded at the end with NaN.

    Parameters
    ----------
    sequences : list of array-like of shape (n_timesteps_i, n_features) or \
            (n_timesteps_i,)
        Sequences with the same features; a 1D sequence has one feature.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features), float32
        ``X[i, :n_timesteps_i]`` is sequence ``i``; the rest of ``X[i]`` is
        NaN. ``n_timesteps`` is the longest length.
    """
    if len(sequences) == 0:
        raise ValueError("X is an empty list: pass at least one sequence")
    arrays = [_as_steps(i, sequence) for i, sequence in enumerate(sequences)]
    n_features = arrays[0].shape[1]
    for i, array in enumerate(arrays):
        if array.shape[1] != n_features:
            raise ValueError(
                f"X[{i}] has {array.shape[1]} features, but X[0] has "
                f"{n_features}: every sequence needs the same features"
            )
    lengths = np.array([len(array) for array in arrays])
    finite = np.isfinite(np.concatenate(arrays)).all(axis=1)
    if not finite.all():
        first = np.searchsorted(np.cumsum(lengths), np.argmin(finite), side="right")
        raise ValueError(f"X[{first}] contains NaN or infinity")
    X = np.full((len(arrays), lengths.max(), n_features), np.nan, np.float32)
    for row, array in zip(X, arrays, strict=True):
        row[: len(array)] = array
    return X


def _as_steps(i, sequence):
    """Sequence ``i`` as float32 ``(n_timesteps, n_features)``."""
    array = np.asarray(sequence, dtype=np.float32)
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2:
        raise ValueError(
            f"X[{i}] is {array.ndim}D: each sequence must be 2D (n_timesteps, "
            "n_features), or 1D for one feature"
        )
    if array.shape[0] == 0:
        raise ValueError(f"X[{i}] has no time steps: a sequence needs at least one")
    if array.shape[1] == 0:
        raise ValueError(f"X[{i}] has no features: a sequence needs at least one")
    return array


def is_padded(X):
    """Whether ``X`` from :func:`pad_sequences` holds padding.

    Padding is at the end, so a padded sequence has NaN in its last step.
    """
    return bool(np.isnan(X[:, -1, 0]).any())


def pad_steps(X, n_timesteps):
    """``X`` padded at the end of the time axis with NaN to ``n_timesteps``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_steps, n_features)
        Sequences, possibly padded already.
    n_timesteps : int
        Length of the time axis to return, at least ``n_steps``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features), float32
    """
    padding = n_timesteps - X.shape[1]
    if padding == 0:
        return X
    return np.pad(X, ((0, 0), (0, padding), (0, 0)), constant_values=np.nan)


def predict_by_length(predict, X):
    """Outputs of a network without :class:`PaddingMask` for padded ``X``.

    Sequences of each length are predicted together, without their padding.

    Parameters
    ----------
    predict : callable
        Maps float32 ``(n_samples, n_timesteps, n_features)`` to outputs
        ``(n_samples, n_outputs)``.
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Output of :func:`pad_sequences`.

    Returns
    -------
    outputs : ndarray of shape (n_samples, n_outputs)
    """
    lengths = np.count_nonzero(~np.isnan(X[:, :, 0]), axis=1)
    outputs = None
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        part = predict(X[rows, :length])
        if outputs is None:
            outputs = np.empty((len(X), *part.shape[1:]), part.dtype)
        outputs[rows] = part
    return outputs


def sequences_from_frame(frame, *, id, time=None, label=None):
    """Cut a long-format table into one sequence per id.

    A long-format table has one row per time step: a column identifies the
    sequence (a patient, a machine, a session), an optional column orders
    its steps, and the other columns are features. The result can be passed
    straight to :class:`LSTMClassifier` or :class:`LSTMRegressor`, which pad
    the sequences at the end and mask the padding.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, one row per time step.
    id : str
        Column identifying the sequence each row belongs to.
    time : str, default=None
        Column to sort the rows of each sequence by (a stable sort); ``None``
        keeps the row order of ``frame``.
    label : str, default=None
        Column holding each sequence's target, constant within a sequence.

    Returns
    -------
    X : list of ndarray of shape (n_timesteps_i, n_features)
        One sequence per id, in sorted order of the ids (the order of
        ``numpy.unique(frame[id])``). The features are every column but
        ``id``, ``time`` and ``label``, in the order of ``frame``, as
        float64.
    y : ndarray of shape (n_sequences,)
        The label of each sequence; returned only if ``label`` is given.

    See Also
    --------
    LSTMClassifier : Classifies sequences of different lengths.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm import sequences_from_frame
    >>> frame = pd.DataFrame({
    ...     "patient": ["b", "a", "b", "a", "a"],
    ...     "hour": [2, 1, 1, 3, 2],
    ...     "pulse": [71.0, 80.0, 70.0, 82.0, 81.0],
    ...     "outcome": ["ok", "ill", "ok", "ill", "ill"],
    ... })
    >>> X, y = sequences_from_frame(
    ...     frame, id="patient", time="hour", label="outcome"
    ... )
    >>> [x[:, 0].tolist() for x in X]
    [[80.0, 81.0, 82.0], [70.0, 71.0]]
    >>> y.tolist()
    ['ill', 'ok']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame)}")
    for name, column in (("id", id), ("time", time), ("label", label)):
        if column is not None and column not in frame.columns:
            raise ValueError(f"{name}={column!r} is not a column of frame")
    if len(frame) == 0:
        raise ValueError("frame has no rows")
    if frame[id].isna().any():
        raise ValueError(f"id column {id!r} has missing values")
    features = [c for c in frame.columns if c not in {id, time, label}]
    if not features:
        raise ValueError("frame has no feature columns besides id, time and label")
    for column in features:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise ValueError(
                f"feature column {column!r} is not numeric (dtype "
                f"{frame[column].dtype}); drop or encode it first"
            )
    if time is not None:
        frame = frame.sort_values(time, kind="stable")
    codes, ids = pd.factorize(frame[id], sort=True)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(ids)))
    X = np.split(frame[features].to_numpy(dtype=np.float64)[order], starts[1:])
    if label is None:
        return X
    varies = frame.groupby(codes)[label].nunique(dropna=False).to_numpy() > 1
    if varies.any():
        raise ValueError(
            f"label column {label!r} changes within the sequence of id "
            f"{ids[np.argmax(varies)]!r}: a sequence has one label"
        )
    return X, frame[label].to_numpy()[order][starts]
