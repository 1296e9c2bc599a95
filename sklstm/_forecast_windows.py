"""The windows a forecaster trains on: a series and its covariates, numpy only.

Row *i* of the table the windows are cut from holds the value of the series
at step *i* next to the covariates of the steps being forecast from there
(*i + 1 ... i + block*). Only full windows train, so unlike the regressor's
padded lag windows (:mod:`sklstm._windows`) there is no padding rule here.
Windows are strided views (:func:`numpy.lib.stride_tricks.sliding_window_view`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: ``batch_size='auto'``: one series trains in batches of this many windows ...
SINGLE_SERIES_BATCH_SIZE = 32
#: ... many series in batches of about ``n_windows / STEPS_PER_EPOCH`` ...
STEPS_PER_EPOCH = 200
#: ... but no more than this.
MAX_AUTO_BATCH_SIZE = 1024


def auto_batch_size(n_windows: int | None) -> int:
    """The batch size of ``batch_size='auto'`` for ``n_windows`` (None: one series).

    Examples
    --------
    >>> from sklstm._forecast_windows import auto_batch_size
    >>> auto_batch_size(None), auto_batch_size(1_000), auto_batch_size(140_000)
    (32, 32, 512)
    """
    if n_windows is None:
        return SINGLE_SERIES_BATCH_SIZE
    power = 2 ** int(np.floor(np.log2(max(n_windows / STEPS_PER_EPOCH, 1))))
    return int(np.clip(power, SINGLE_SERIES_BATCH_SIZE, MAX_AUTO_BATCH_SIZE))


def covariate_rows(X: np.ndarray, block: int) -> np.ndarray:
    """Row *i*: the covariates of steps *i + 1 ... i + block*, side by side.

    Parameters
    ----------
    X : ndarray of shape (n_steps, n_covariates)
    block : int

    Returns
    -------
    ndarray of shape (n_steps - block, block * n_covariates)

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecast_windows import covariate_rows
    >>> covariate_rows(np.arange(4.0)[:, None], block=2).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    """
    view = sliding_window_view(X[1:], block, axis=0)  # (rows, n_covariates, block)
    return view.transpose(0, 2, 1).reshape(len(view), -1)


def training_windows(
    y: np.ndarray, X: np.ndarray, lookback: int, block: int, *, change: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Every full lag window of the series and the ``block`` values after it.

    Parameters
    ----------
    y : ndarray of shape (n_steps,)
        The series.
    X : ndarray of shape (n_steps, n_covariates)
        Its covariates.
    lookback : int
        Steps per window.
    block : int
        Future values to predict from each window.
    change : bool
        Whether the targets are the differences from the window's last value.

    Returns
    -------
    windows : ndarray of shape (n_windows, lookback, 1 + block * n_covariates)
        ``n_windows = n_steps - lookback - block + 1``. Each step of a window
        holds the value of the series and the covariates of the next
        ``block`` steps.
    targets : ndarray of shape (n_windows, block)

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecast_windows import training_windows
    >>> windows, targets = training_windows(
    ...     np.arange(5.0), np.empty((5, 0)), lookback=2, block=2, change=False
    ... )
    >>> windows[:, :, 0].tolist(), targets.tolist()
    ([[0.0, 1.0], [1.0, 2.0]], [[2.0, 3.0], [3.0, 4.0]])
    """
    rows = np.column_stack([y[: len(y) - block], covariate_rows(X, block)])
    windows = sliding_window_view(rows, lookback, axis=0).transpose(0, 2, 1)
    last = np.arange(lookback - 1, len(rows))  # the step each window ends at
    targets = sliding_window_view(y[1:], block)[last]
    if change:
        targets = targets - y[last, None]
    return windows, targets
