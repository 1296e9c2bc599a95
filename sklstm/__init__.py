"""sklstm: a PyTorch LSTM as a first-class scikit-learn estimator for time series."""

from sklstm._forecaster import LSTMForecaster
from sklstm._onnx import to_onnx
from sklstm._regressor import LSTMRegressor
from sklstm._saving import load, save
from sklstm._trust import trusted_types

__version__ = "0.3.0.dev0"

__all__ = [
    "LSTMForecaster",
    "LSTMRegressor",
    "__version__",
    "load",
    "save",
    "to_onnx",
    "trusted_types",
]
