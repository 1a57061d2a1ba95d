"""Keras LSTM networks as first-class scikit-learn estimators."""

from sklstm._classifier import LSTMClassifier
from sklstm._forecast import recursive_forecast
from sklstm._plot import ForecastDisplay, HistoryDisplay
from sklstm._regressor import LSTMRegressor
from sklstm._saving import ModelFileError, load, save
from sklstm._sequences import sequences_from_frame
from sklstm._version import __version__
from sklstm._window import SlidingWindowTransformer, make_windows

__all__ = [
    "ForecastDisplay",
    "HistoryDisplay",
    "LSTMClassifier",
    "LSTMRegressor",
    "ModelFileError",
    "SlidingWindowTransformer",
    "load",
    "make_windows",
    "recursive_forecast",
    "save",
    "sequences_from_frame",
    "__version__",
]
