"""Notice when predictions come mostly from padded windows.

By the padding rule the first ``lookback - 1`` rows of a series get windows
filled up with copies of its first row. That is harmless for the first rows
of a long series, but not when ``predict`` gets only a few rows: then every
window is mostly made-up history, unlike the full windows the model trained
on, and the predictions are much worse without anything failing. It is what
happens inside libraries that build the lag columns themselves (skforecast,
sktime's ``make_reduction``) and predict one row at a time: there each row
already is a window and ``lookback=1`` is right.
"""

from __future__ import annotations

import numpy as np

from sklstm._warnings import warn
from sklstm.exceptions import PaddedWindowsWarning

# Warn when more than this share of the prediction windows hold padding while
# at most this share of the training windows did.
MOSTLY = 0.5


def padded_window_share(
    n_rows: int, window_length: int, groups: np.ndarray | None = None
) -> float:
    """The share of the rows whose lag window holds padded (made-up) rows.

    Parameters
    ----------
    n_rows : int
        Rows of a 2-D X, in time order.
    window_length : int
        The window length (``lookback``).
    groups : ndarray of shape (n_rows,), default=None
        Series labels; each series is padded on its own.

    Returns
    -------
    float
        From 0 (no window padded) to 1 (every window padded).

    Examples
    --------
    >>> from sklstm._padding import padded_window_share
    >>> padded_window_share(100, window_length=10)
    0.09
    >>> padded_window_share(1, window_length=10)
    1.0
    """
    if n_rows == 0 or window_length <= 1:
        return 0.0
    if groups is None:
        lengths = np.array([n_rows])
    else:
        lengths = np.unique(np.asarray(groups), return_counts=True)[1]
    return float(np.minimum(lengths, window_length - 1).sum() / n_rows)


def warn_if_mostly_padded(
    estimator, X: np.ndarray, groups: np.ndarray | None = None
) -> None:
    """Warn when most windows of X are padded but the training windows were not.

    Parameters
    ----------
    estimator : LSTMRegressor
        A fitted estimator.
    X : ndarray of shape (n_rows, n_features) or (n_samples, steps, n_features)
        The validated input of ``predict``; 3-D sequences are never padded.
    groups : ndarray of shape (n_rows,), default=None
        Series labels, as in ``predict``.
    """
    window_length = estimator.window_length_
    if X.ndim != 2 or window_length <= 1:
        return
    share = padded_window_share(len(X), window_length, groups)
    fit_share = getattr(estimator, "_fit_padded_share", None)
    if share <= MOSTLY or (fit_share is not None and fit_share > MOSTLY):
        return
    n_padded = round(share * len(X))
    if n_padded < len(X):
        padded = f"{n_padded} of the {len(X)} prediction windows are"
    elif len(X) == 1:
        padded = "The only prediction window is"
    else:
        padded = f"All {len(X)} prediction windows are"
    rows = "1 row" if len(X) == 1 else f"{len(X)} rows"
    where = f"X has {rows}" + ("" if groups is None else " over its series")
    warn(
        f"{padded} padded: {where} "
        f"and lookback={window_length}, so the {window_length - 1} rows before "
        "the first row of each series are made up by repeating it, while the "
        "model trained on full windows. Such predictions are much less "
        "accurate. If a library builds the lag columns itself and predicts one "
        "row at a time (skforecast, sktime's make_reduction, ...), each row "
        "already is a window: set lookback=1. Otherwise pass the rows before "
        "the ones you need as history and keep the last predictions, e.g. "
        "model.predict(X_all)[-n:].",
        PaddedWindowsWarning,
    )
