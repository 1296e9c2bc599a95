"""The rows a forecaster's windows are cut from, for training and forecasting.

Row *i* of a series holds its (transformed) value at step *i* next to the
covariates of the steps being forecast from there (*i + 1 ... i + block*):
covariates are known in advance. The regressor cuts its lag windows from
these rows series by series, so no window crosses two series, and pads the
windows of a series' first ``lookback - 1`` rows by repeating its first row
(the padding rule of :mod:`sklstm._windows`); a forecast's history is padded
the same way. One series is a collection of one: the same rows, the same
rule. Windows are strided views
(:func:`numpy.lib.stride_tricks.sliding_window_view`), never copies.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sklstm._missing_values import first_observed
from sklstm._panel import Panel
from sklstm._row_metadata import reaching_into_tails, series_tails
from sklstm._targets import DirectTargets

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


def training_rows(
    z: np.ndarray,
    X: np.ndarray,
    panel: Panel,
    block: int,
    *,
    change: bool,
    relative: bool = False,
    first_trained: int | None = None,
    missing: np.ndarray | None = None,
) -> tuple[np.ndarray, DirectTargets, np.ndarray, np.ndarray]:
    """The rows, targets, weights and series codes the regressor trains on.

    Row *i* of a series holds its scaled value at step *i* next to the
    covariates of steps *i + 1 ... i + block*; its target is the next
    ``block`` values (minus the value at *i* when ``change``). The regressor
    windows these rows per series (``groups``), so no window crosses two
    series. The windows of a series' first ``lookback - 1`` rows are padded
    by repeating its first row, as at predict time for a series with a
    shorter history; the windows before step ``first_trained`` of each
    series have weight 0 (they are history for the later ones only), and a
    series without a window from that step on makes no rows. With
    ``relative``, a row holds the step from the
    value before instead of the value: each window is the ``lookback``
    steps between ``lookback + 1`` values, the same whatever their level. A
    series' first row has no step before it; it holds 0 (so the padding is
    steps of 0, a flat history) and its own window, which holds no step at
    all, never trains (``first_trained`` is 1 by default, else 0).

    With ``missing`` (the series have holes, filled by
    :func:`sklstm._missing_values.fill_forward`), a row also holds whether
    its value was missing, right after the value; a missing target is NaN
    (the regressor does not train on it), and the windows of a series
    before its first observed value have weight 0.

    Parameters
    ----------
    z : ndarray of shape (n_rows,)
        Scaled values, grouped by series (``panel.order``).
    X : ndarray of shape (n_rows, n_covariates)
        Covariates, grouped by series the same way.
    panel : Panel
    block : int
    change : bool
    relative : bool, default=False
    first_trained : int, default=None
    missing : ndarray of bool of shape (n_rows,), default=None

    Returns
    -------
    rows : ndarray of shape (n_kept, 1 + block * n_covariates), one more \
            column with ``missing``
    targets : DirectTargets of shape (n_kept, block)
        A view over the series, never a table of ``block`` values per row.
    weights : ndarray of shape (n_kept,)
    codes : ndarray of shape (n_kept,)
    """
    if first_trained is None:
        first_trained = int(relative)
    position = panel.position
    sorted_codes = panel.codes[panel.order]
    # A series too short to make a window that trains makes no rows at all.
    lengths = panel.lengths[sorted_codes]
    kept = np.flatnonzero(
        (position < lengths - block) & (lengths > first_trained + block)
    )
    ahead = sliding_window_view(X[1:], block, axis=0)  # (n_rows - block, F, block)
    covariates = ahead[kept].transpose(0, 2, 1).reshape(len(kept), -1)
    value = z
    if relative:
        value = np.r_[0.0, np.diff(z)]
        value[position == 0] = 0.0
    flags = [] if missing is None else [missing[kept]]
    rows = np.column_stack([value[kept], *flags, covariates])
    truth = z if missing is None else np.where(missing, np.nan, z)
    targets = DirectTargets(truth, kept, block, base=z if change else None)
    weights = (position[kept] >= first_trained).astype(np.float64)
    if missing is not None:  # a window of nothing observed but filling
        weights[position[kept] < first_observed(missing, panel)[sorted_codes[kept]]] = 0
    return rows, targets, weights, sorted_codes[kept]


def recent_rows(values: np.ndarray, panel: Panel, width: int) -> np.ndarray:
    """The last ``width`` rows of every series, padded like its windows.

    A series with fewer rows is padded at the front by repeating its first
    row, the padding rule of the lag windows it was trained on.

    Parameters
    ----------
    values : ndarray of shape (n_rows, ...)
        Rows grouped by series (``panel.order``).
    panel : Panel
    width : int

    Returns
    -------
    ndarray of shape (n_series, width, ...)

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import panel_of
    >>> from sklstm._forecast_windows import recent_rows
    >>> panel = panel_of([0, 0, 0, 1], 4)
    >>> recent_rows(np.array([1.0, 2, 3, 9]), panel, 2).tolist()
    [[2.0, 3.0], [9.0, 9.0]]
    """
    ends = (panel.starts + panel.lengths)[:, None]
    rows = np.maximum(ends - width + np.arange(width), panel.starts[:, None])
    return values[rows]


def leak_free_weights(
    weights: np.ndarray,
    codes: np.ndarray,
    held_out: np.ndarray,
    fraction: float,
    block: int,
    n_features: int | None = None,
) -> np.ndarray:
    """``weights`` with 0 for the windows whose targets reach into the tail;
    refuse when no window is left to train on beside the ``held_out`` ones
    (:func:`held_out_windows`, the last ``fraction`` of each series'; naming
    X's ``n_features``, as scikit-learn's checks of small data ask).

    With direct forecasts (``block > 1``), the ``block - 1`` windows of each
    series (``codes``) before the tail that early stopping holds out forecast
    values inside it: trained on, they leak the held-out values, and the
    validation loss rewards memorising them.

    Raises
    ------
    ValueError
        If no window is left to train on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecast_windows import held_out_windows, leak_free_weights
    >>> codes = np.zeros(10, int)
    >>> held_out = held_out_windows(codes, True, 0.2)
    >>> leak_free_weights(np.ones(10), codes, held_out, 0.2, 3).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    """
    n_windows = len(codes)
    if held_out.any() and block > 1:  # early stopping holds a tail out
        weights = weights.copy()
        weights[reaching_into_tails(codes, n_windows, fraction, block - 1)] = 0.0
    if not (weights[~held_out] > 0).any():
        gap = (
            f", and with strategy='direct' the {block - 1} windows before them "
            "forecast values inside the held-out ones, so they do not train "
            "either"
            if block > 1
            else ""
        )
        features = "" if n_features is None else f"; X has {n_features} feature(s)"
        raise ValueError(
            f"early_stopping=True holds out the last validation_fraction="
            f"{fraction} of the {n_windows} windows (of each series{features})"
            f"{gap}: no window is left to train on. Pass longer "
            "series, lower lookback or horizon, or set early_stopping=False."
        )
    return weights


def held_out_windows(codes: np.ndarray, early_stopping: bool, fraction: float):
    """Which windows early stopping holds out: the last ``fraction`` of each
    series' (``codes``) windows, none without early stopping.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecast_windows import held_out_windows
    >>> held_out_windows(np.array([0, 0, 0, 1, 1]), True, 0.5).tolist()
    [False, True, True, False, True]
    """
    return series_tails(codes, len(codes), fraction) & bool(early_stopping)
