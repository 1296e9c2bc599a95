"""Input validation for the estimators: 2-D tables, 3-D sequences, float32 range.

Validation never changes a fitted estimator: during ``fit`` it runs against a
scratch copy, so a refused refit leaves the old model predicting as before.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_array, check_X_y
from sklearn.utils.validation import validate_data

FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT_DTYPES = (np.float64, np.float32)


def input_ndim(X) -> int:
    """The number of dimensions of ``X`` without converting a DataFrame."""
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except (ValueError, TypeError):  # ragged nested lists: let sklearn explain
            ndim = 2
    return int(ndim)


def validate_fit_data(
    estimator: BaseEstimator, X, y, *, reset: bool
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Check X and y for ``fit`` and return them with the attributes to set.

    Returns
    -------
    X : ndarray of shape (n_rows, n_features) or (n_samples, steps, n_features)
    y : ndarray of shape (n_rows, n_outputs)
        Always 2-D; ``attributes["_y_was_1d"]`` says how to shape predictions.
    attributes : dict
        ``n_features_in_`` and, for pandas input, ``feature_names_in_``: what
        the estimator takes on once the fit succeeds.
    """
    if input_ndim(X) == 3:
        X, y = check_X_y(
            X,
            y,
            allow_nd=True,
            dtype=_FLOAT_DTYPES,
            multi_output=True,
            y_numeric=True,
            estimator=estimator,
        )
        attributes = {"n_features_in_": X.shape[2], "feature_names_in_": None}
        if not reset:
            check_sequence_shape(estimator, X)
    else:
        scratch = copy.copy(estimator)
        X, y = validate_data(
            scratch,
            X,
            y,
            reset=reset,
            dtype=_FLOAT_DTYPES,
            multi_output=True,
            y_numeric=True,
            ensure_min_samples=1,
        )
        if X.ndim != 2:
            raise ValueError(
                f"X must be 2-D (n_rows, n_features) or 3-D (n_samples, steps, "
                f"n_features); got an array with {X.ndim} dimension(s)."
            )
        attributes = {
            "n_features_in_": scratch.n_features_in_,
            "feature_names_in_": getattr(scratch, "feature_names_in_", None),
        }
    y = np.asarray(y)
    if y.ndim > 2:
        raise ValueError(
            f"y must be 1-D or 2-D; got an array with {y.ndim} dimensions."
        )
    attributes["_y_was_1d"] = y.ndim == 1
    y = y.reshape(len(y), -1)
    check_float32_range(X, "X")
    check_float32_range(y, "y")
    return X, y, attributes


def validate_predict_data(estimator: BaseEstimator, X) -> np.ndarray:
    """Check X for ``predict`` against what the estimator was fitted on."""
    if input_ndim(X) == 3:
        X = check_array(X, allow_nd=True, dtype=_FLOAT_DTYPES, estimator=estimator)
        check_sequence_shape(estimator, X)
    else:
        X = validate_data(estimator, X, reset=False, dtype=_FLOAT_DTYPES)
        if X.ndim != 2:
            raise ValueError(
                f"X must be 2-D (n_rows, n_features) or 3-D (n_samples, steps, "
                f"n_features); got an array with {X.ndim} dimension(s)."
            )
    check_float32_range(X, "X")
    return X


def check_sequence_shape(estimator: BaseEstimator, X: np.ndarray) -> None:
    """3-D input must match the fitted window length and feature count."""
    name = type(estimator).__name__
    if X.shape[2] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[2]} features, but {name} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    if X.shape[1] != estimator.window_length_:
        raise ValueError(
            f"X has sequences of {X.shape[1]} steps, but {name} was fitted on "
            f"windows of {estimator.window_length_} steps. Pass sequences of "
            f"{estimator.window_length_} steps, or 2-D rows to be windowed."
        )


def check_float32_range(values: np.ndarray, name: str) -> None:
    """sklstm trains in float32: refuse values that float32 cannot hold."""
    if values.size and values.dtype == np.float64:
        largest = float(np.max(np.abs(values)))
        if largest > FLOAT32_MAX:
            raise ValueError(
                f"{name} contains values as large as {largest:.3g}, beyond what "
                f"float32 can hold ({FLOAT32_MAX:.3g}); sklstm trains in float32 "
                f"on every device. Rescale {name} (for example divide by a "
                "constant or take logarithms) before fitting."
            )
