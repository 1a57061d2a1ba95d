"""What a fitted estimator holds, attribute by attribute, for the model files.

``_STATE`` names, for each sklstm estimator class (and the scikit-learn
compositions whose own validation waits for ``fit``), the attributes a
fitted one holds, what each must be, and a check of a value against the
estimator. :mod:`sklstm._model_tree` uses it to refuse a model file whose
state is not what ``fit`` makes.
"""

import keras
import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from sklearn.base import BaseEstimator

from sklstm._quantiles import NonCrossingQuantiles
from sklstm._timeline import index_kind


def _integer(value, low=1, high=None):
    return (
        isinstance(value, (int, np.integer))
        and not isinstance(value, bool)
        and low <= value
        and (high is None or value <= high)
    )


def _array(value, dtype, ndim, length=None):
    return (
        isinstance(value, np.ndarray)
        and value.dtype == dtype
        and value.ndim == ndim
        and (length is None or len(value) == length)
    )


def _frequency(value):
    try:
        to_offset(value)
    except (TypeError, ValueError):
        return False
    return True


def _time_dtype(value):
    try:
        dtype = pd.api.types.pandas_dtype(value)
    except (TypeError, ValueError):
        return False
    return isinstance(dtype, (pd.PeriodDtype, pd.DatetimeTZDtype)) or (
        dtype.kind in "iuM"
    )


def _is_estimator_or_none(value, estimator):
    return value is None or isinstance(value, BaseEstimator)


def _is_steps(value, estimator):
    return isinstance(value, list) and all(
        isinstance(step, tuple)
        and len(step) == 2
        and isinstance(step[0], str)
        and (step[1] in (None, "passthrough") or isinstance(step[1], BaseEstimator))
        for step in value
    )


def _is_series(value, window):
    if window.ids_ is not None:  # a panel keeps its series in series_transformers_
        return value is None
    return _array(value, np.float32, 2) and value.shape[1] == window.n_features_in_


def _is_series_list(value, window):
    if window.ids_ is None:
        return value is None
    return (
        isinstance(value, list)
        and len(value) == len(window.ids_)
        and all(
            type(v) is type(window)
            and vars(v).get("ids_", ()) is None
            and vars(v).get("n_features_in_") == window.n_features_in_
            for v in value
        )
    )


def _is_step(value, window):
    if value is None or window.index_ is None:
        return value is None
    if index_kind(window.index_dtype_) == "datetime":
        return isinstance(value, str) and _frequency(value)
    return _integer(value)


def _is_gaps(value, window):
    if window.index_step_ is None:
        return _array(value, np.int64, 1, 0)
    return _array(value, np.int64, 1) and bool(
        np.all((value > 0) & (value < len(window.index_)))
    )


def _is_history(value, estimator):
    return isinstance(value, dict) and all(
        isinstance(key, str)
        and isinstance(values, list)
        and all(isinstance(v, float | int) and not isinstance(v, bool) for v in values)
        for key, values in value.items()
    )


def _is_feature_names(value, estimator):
    return _array(value, object, 1, estimator.n_features_in_) and all(
        isinstance(name, str) for name in value
    )


def _is_network(value, estimator):
    # 2D input is n_timesteps of one feature: n_features_in_ counts the steps.
    width = 1 if estimator._x_ndim == 2 else estimator.n_features_in_
    return (
        isinstance(value, keras.Model)
        and len(value.inputs) == 1
        and value.input_shape[-1] == width
    )


def _is_levels(value, regressor):
    # The levels of the network's quantile head, and one output per level and
    # target (one per target without a head), which predictions reshape by.
    network = regressor.model_
    heads = [
        layer.quantiles
        for layer in network.layers
        if isinstance(layer, NonCrossingQuantiles)
    ]
    if heads != ([] if value is None else [value]):
        return False
    n_levels = 1 if value is None else len(value)
    return network.outputs[0].shape[-1] == regressor.n_outputs_ * n_levels


def _is_calibration_quantiles(value, regressor):
    levels = regressor.quantiles_
    if value is None or levels is None:
        return value is None
    shape = (regressor.n_outputs_, len(levels))
    return (
        _array(value, np.float64, 3)
        and len(value) > 0
        and value.shape[1:] == shape
        and bool(np.isfinite(value).all())
        # As the network's head makes them: never crossing.
        and bool((np.diff(value, axis=-1) >= 0).all())
    )


def _is_calibration_targets(value, regressor):
    quantiles = regressor.calibration_quantiles_
    if quantiles is None:
        return value is None
    return (
        _array(value, np.float64, 2, len(quantiles))
        and value.shape[1] == regressor.n_outputs_
        and bool(np.isfinite(value).all())
    )


_INPUT = {
    "n_features_in_": ("a positive int", lambda v, e: _integer(v)),
    "feature_names_in_": ("n_features_in_ strings", _is_feature_names),
}
# What each attribute of a fitted sklstm estimator holds (all of them, but
# OPTIONAL, once one is there), and the parameters of scikit-learn's
# compositions whose own validation waits for fit: the expectation a message
# states, and a check of the value against the estimator, whose entries
# before it in this table are already checked.
_STATE = {
    "SlidingWindowTransformer": {
        **_INPUT,
        "ids_": (
            "None, or the series ids of a panel: a 1D array",
            lambda v, w: (
                v is None or (isinstance(v, np.ndarray) and v.ndim == 1 and len(v) > 0)
            ),
        ),
        "series_transformers_": (
            "None, or a list of one SlidingWindowTransformer per series id",
            _is_series_list,
        ),
        "series_": (
            "a float32 array of shape (n_timesteps, n_features_in_), or None "
            "for a panel",
            _is_series,
        ),
        "index_": (
            "None or an int64 array of shape (len(series_),)",
            lambda v, w: (
                v is None
                or (w.series_ is not None and _array(v, np.int64, 1, len(w.series_)))
            ),
        ),
        "index_dtype_": (
            "None, or the dtype of a time index with index_",
            lambda v, w: (
                (v is None) == (w.index_ is None)
                and (v is None or (isinstance(v, str) and _time_dtype(v)))
            ),
        ),
        "index_step_": (
            "None, or with index_ a positive int (a pandas frequency for datetimes)",
            _is_step,
        ),
        "index_gaps_": (
            "an int64 array of positions in index_ (empty without index_step_)",
            _is_gaps,
        ),
    },
    "LSTMMixin": {
        **_INPUT,
        "_x_ndim": ("2 or 3", lambda v, e: _integer(v, 2, 3)),
        "model_": (
            "a Keras model of n_features_in_ inputs (1 for 2D input)",
            _is_network,
        ),
        "history_": ("a dict of lists of numbers", _is_history),
        "_seed": ("an int", lambda v, e: _integer(v, low=0)),
        "_network_params": (
            "a dict of the parameters the network was built and compiled with",
            lambda v, e: (
                isinstance(v, dict)
                and set(v) == {*e._architecture_params, *e._compile_params}
            ),
        ),
    },
    "LSTMRegressor": {
        "n_outputs_": ("a positive int", lambda v, e: _integer(v)),
        "_y_ndim": (
            "1 (then n_outputs_ is 1) or 2",
            lambda v, e: _integer(v, 1, 2) and (v == 2 or e.n_outputs_ == 1),
        ),
        "quantiles_": (
            "None, or the levels of model_'s quantile head, with one output "
            "per level and target",
            _is_levels,
        ),
        "calibration_quantiles_": (
            "None, or a finite float64 array of shape (n_calibration, "
            "n_outputs_, len(quantiles_)), non-decreasing along its last axis",
            _is_calibration_quantiles,
        ),
        "calibration_targets_": (
            "None with calibration_quantiles_, else a finite float64 array of "
            "shape (len(calibration_quantiles_), n_outputs_)",
            _is_calibration_targets,
        ),
    },
    "LSTMClassifier": {
        "classes_": (
            "a 1D array of at least 2 labels",
            lambda v, e: isinstance(v, np.ndarray) and v.ndim == 1 and len(v) >= 2,
        ),
        "n_classes_": (
            "len(classes_)",
            lambda v, e: _integer(v) and v == len(e.classes_),
        ),
    },
    "Pipeline": {
        "steps": ("a list of (name, estimator or 'passthrough') pairs", _is_steps),
    },
    "TransformedTargetRegressor": {
        name: ("an estimator or None", _is_estimator_or_none)
        for name in ("regressor", "transformer", "regressor_", "transformer_")
    },
}
# The attributes of _STATE that a fitted estimator may lack.
OPTIONAL = ("feature_names_in_",)


def state_checks(cls):
    """The entries of ``_STATE`` for ``cls`` and its base classes.

    Parameters
    ----------
    cls : type
        An sklstm estimator class, or a scikit-learn composition.

    Returns
    -------
    checks : dict of str to (str, callable)
        For each attribute, the expectation a message states and a check
        ``check(value, estimator) -> bool``.
    """
    checks = {}
    for base in reversed(cls.__mro__):
        checks.update(_STATE.get(base.__qualname__, {}))
    return checks
