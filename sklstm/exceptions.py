"""Exceptions and warnings raised by sklstm.

They subclass the built-in or scikit-learn types that tooling already
catches, so ``GridSearchCV(error_score=...)`` and ``except ValueError`` keep
working.
"""

from __future__ import annotations

__all__ = ["DeviceWarning", "TrainingDivergedError", "TrainingInterruptedWarning"]


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
