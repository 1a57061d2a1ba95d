"""Keras LSTM networks as first-class scikit-learn estimators.

The public names are imported on first use (PEP 562): ``import sklstm``
does not import Keras, so the ``sklstm`` command answers ``--help`` and
reports bad input without waiting for a deep-learning framework, and
``KERAS_BACKEND`` may still be set after ``import sklstm``.
"""

import importlib

from sklstm._version import __version__

# Public name -> the private module that defines it.
_MODULES = {
    "ForecastDisplay": "sklstm._plot",
    "HistoryDisplay": "sklstm._plot",
    "LSTMClassifier": "sklstm._classifier",
    "LSTMRegressor": "sklstm._regressor",
    "ModelFileError": "sklstm._saving",
    "PanelTimeSeriesSplit": "sklstm._panel",
    "SlidingWindowTransformer": "sklstm._window",
    "adaptive_interval": "sklstm._adaptive",
    "load": "sklstm._saving",
    "make_windows": "sklstm._make_windows",
    "predict_interval": "sklstm._intervals",
    "predict_quantiles": "sklstm._intervals",
    "recursive_forecast": "sklstm._forecast",
    "save": "sklstm._saving",
    "sequences_from_frame": "sklstm._sequences",
}

__all__ = [*sorted(_MODULES), "__version__"]


def __getattr__(name):
    if name not in _MODULES:
        raise AttributeError(f"module 'sklstm' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name]), name)
    # Later look-ups find the name without calling this function again.
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
