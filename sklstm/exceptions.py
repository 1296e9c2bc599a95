"""Exceptions and warnings raised by sklstm.

They subclass the built-in or scikit-learn types that tooling already
catches, so ``GridSearchCV(error_score=...)`` and ``except ValueError`` keep
working.
"""

from __future__ import annotations

__all__ = [
    "DeviceWarning",
    "PaddedWindowsWarning",
    "TrainingDivergedError",
    "TrainingInterruptedWarning",
]


class TrainingDivergedError(ValueError):
    """Training produced a non-finite loss or non-finite weights.

    Raised by ``fit`` when the loss becomes NaN or infinite, or explodes far
    above the loss training started from (a learning rate far too large).
    The estimator is left as it was before the call.

    Examples
    --------
    >>> from sklstm.exceptions import TrainingDivergedError
    >>> issubclass(TrainingDivergedError, ValueError)
    True
    """


class DeviceWarning(UserWarning):
    """A model now runs on another device than the one it was trained on.

    Examples
    --------
    >>> from sklstm.exceptions import DeviceWarning
    >>> issubclass(DeviceWarning, UserWarning)
    True
    """


class TrainingInterruptedWarning(UserWarning):
    """``fit`` was interrupted (Ctrl-C); the best weights seen so far were kept.

    Examples
    --------
    >>> from sklstm.exceptions import TrainingInterruptedWarning
    >>> issubclass(TrainingInterruptedWarning, UserWarning)
    True
    """


class PaddedWindowsWarning(UserWarning):
    """Most prediction windows are padding, unlike the training windows.

    ``LSTMRegressor.predict`` gives it when more than half of the lag windows
    of a 2-D X hold rows made up by the padding rule (X has fewer rows than
    ``lookback``, or not many more) while most training windows were full.
    Libraries that build the lag columns themselves and predict one row at a
    time (skforecast, sktime's ``make_reduction``) cause it with the default
    ``lookback``: each of their rows already is a window, so set
    ``lookback=1``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.exceptions import PaddedWindowsWarning
    >>> X = np.arange(60.0).reshape(-1, 1)
    >>> model = LSTMRegressor(lookback=5, max_iter=2, random_state=0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     model = model.fit(X, X.ravel())
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = model.predict(X[-1:])   # one row: its window is all padding
    >>> caught[0].category is PaddedWindowsWarning
    True
    """
