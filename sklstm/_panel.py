"""Many series stacked in one table: series labels, per-series scaling, windows.

``LSTMForecaster.fit(X, y, groups=...)`` receives the rows of many series in
one table, told apart by ``groups``. This module groups the rows by series
(keeping each series' time order), scales every series on its own so that
series of very different sizes look alike to the one network, and lays out
the training rows so that no lag window crosses from one series into
another. Everything here is vectorised over rows; the only loops over
series are set-up loops in the callers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sklstm._row_metadata import check_groups
from sklstm._scaling import differ_by_rounding

#: The per-series scalings of ``series_scaling``.
SERIES_SCALINGS = ("last", "log_last", "standard", "mean", "log", "none")
#: Those whose windows are relative to their last value: the network reads
#: the steps between the values of a window, never their level.
RELATIVE_SCALINGS = ("last", "log_last")
#: What the relative ones scale the values by before taking the steps.
_LEVEL_SCALING = {"last": "standard", "log_last": "log"}
_LOGARITHMIC = ("log", "log_last")


@dataclass(frozen=True)
class Panel:
    """Rows of many series: which series each row is, and where it sits.

    Attributes
    ----------
    labels : ndarray of shape (n_series,)
        The series labels, sorted.
    codes : ndarray of shape (n_rows,)
        The series of each row, as an index into ``labels``.
    order : ndarray of shape (n_rows,)
        The rows grouped by series (in the order of ``labels``), each series
        in its original row order.
    starts, lengths : ndarray of shape (n_series,)
        Where each series begins in ``order``, and its number of rows.
    """

    labels: np.ndarray
    codes: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @property
    def position(self) -> np.ndarray:
        """The step of each row (in ``order``) within its series, from 0."""
        sorted_codes = self.codes[self.order]
        return np.arange(len(self.order)) - self.starts[sorted_codes]

    @property
    def row_position(self) -> np.ndarray:
        """The step of each row within its series, in the rows' own order.

        Examples
        --------
        >>> from sklstm._panel import panel_of
        >>> panel_of(["b", "a", "b"], 3).row_position.tolist()
        [0, 0, 1]
        """
        step = np.empty(len(self.order), dtype=np.intp)
        step[self.order] = self.position
        return step


def panel_of(groups, n_rows: int) -> Panel:
    """Group ``n_rows`` rows by their series label.

    Parameters
    ----------
    groups : array-like of shape (n_rows,)
        The series of each row.
    n_rows : int
        The number of rows of X (and y).

    Returns
    -------
    Panel

    Examples
    --------
    >>> from sklstm._panel import panel_of
    >>> panel = panel_of(["b", "a", "b"], 3)
    >>> panel.labels.tolist(), panel.order.tolist(), panel.lengths.tolist()
    (['a', 'b'], [1, 0, 2], [1, 2])
    """
    labels = check_groups(groups, n_rows)
    unique, codes = np.unique(labels, return_inverse=True)
    codes = codes.ravel()
    order = np.argsort(codes, kind="stable")
    lengths = np.bincount(codes, minlength=len(unique))
    starts = np.cumsum(lengths) - lengths
    return Panel(unique, codes, order, starts, lengths)


def locate_series(known: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Index of each of ``labels`` in the sorted ``known`` labels; -1 if unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import locate_series
    >>> locate_series(np.array(["a", "c"]), np.array(["c", "b"])).tolist()
    [1, -1]
    """
    try:
        found = np.searchsorted(known, labels)
    except TypeError:  # labels of another type than those seen in fit
        return np.full(len(labels), -1, dtype=np.intp)
    found = np.minimum(found, len(known) - 1)
    return np.where(known[found] == labels, found, -1)


def fit_series_scaling(y: np.ndarray, panel: Panel, scheme: str) -> np.ndarray:
    """Per-series location and scale of ``y`` under ``scheme``.

    Parameters
    ----------
    y : ndarray of shape (n_rows,)
        The values, grouped by series (``panel.order``).
    panel : Panel
    scheme : {'standard', 'mean', 'log', 'none'}

    Returns
    -------
    ndarray of shape (n_series, 2)
        Column 0 the location, column 1 the scale: the model sees
        ``(f(y) - location) / scale`` with ``f = log`` for ``'log'``, else
        the identity.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import fit_series_scaling, panel_of
    >>> panel = panel_of([0, 0, 1, 1], 4)
    >>> fit_series_scaling(np.array([1.0, 3, 10, 30]), panel, "mean").tolist()
    [[0.0, 2.0], [0.0, 20.0]]
    """
    scheme = _LEVEL_SCALING.get(scheme, scheme)
    if scheme == "log" and not np.all(y > 0):
        first = panel.order[np.flatnonzero(~(y > 0))[0]]
        label = panel.labels[panel.codes[first]].item()
        raise ValueError(
            f"series_scaling='log' and 'log_last' need positive series, but the series "
            f"{label!r} has a value <= 0. Use series_scaling='last' or "
            "'standard', or shift the series."
        )
    values = np.log(y) if scheme == "log" else y
    counts = panel.lengths
    mean = _series_means(values, panel)
    params = np.zeros((len(counts), 2))
    params[:, 1] = 1.0
    if scheme == "standard":
        # Squares of the deviations, not E[x²] - E[x]²: at a level of 1e12
        # the difference of two squares of 1e24 cancels every digit of a
        # spread of 100, and the series would be scaled by its level.
        deviations = values - np.repeat(mean, counts)
        std = np.sqrt(np.add.reduceat(deviations**2, panel.starts) / counts)
        constant = differ_by_rounding(
            np.minimum.reduceat(values, panel.starts),
            np.maximum.reduceat(values, panel.starts),
            mean,
        )
        params[:, 0] = mean
        params[:, 1] = np.where(constant, np.maximum(np.abs(mean), 1.0), std)
    elif scheme == "mean":
        level = np.add.reduceat(np.abs(values), panel.starts) / counts
        params[:, 1] = np.where(level > 0, level, 1.0)
    elif scheme == "log":
        params[:, 0] = mean
    return params


def _series_means(values: np.ndarray, panel: Panel) -> np.ndarray:
    """The mean of every series, to the rounding of its level.

    The sums of a first pass are corrected by the mean deviation from them (a
    second pass), so the rounding a long sum gathers does not stay in the
    mean, nor in the deviations from it.
    """
    mean = np.add.reduceat(values, panel.starts) / panel.lengths
    deviations = values - np.repeat(mean, panel.lengths)
    return mean + np.add.reduceat(deviations, panel.starts) / panel.lengths


def scale_values(y: np.ndarray, params: np.ndarray, scheme: str) -> np.ndarray:
    """Map values to the units the network sees; ``params`` is per value (row)."""
    values = np.log(y) if scheme in _LOGARITHMIC else y
    return (values - params[..., 0]) / params[..., 1]


def unscale_values(z: np.ndarray, params: np.ndarray, scheme: str) -> np.ndarray:
    """Map values the network forecast back to the units of y."""
    values = z * params[..., 1] + params[..., 0]
    return np.exp(values) if scheme in _LOGARITHMIC else values


def stacked_training_rows(
    z: np.ndarray,
    X: np.ndarray,
    panel: Panel,
    block: int,
    *,
    change: bool,
    relative: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows, targets, weights and series codes the regressor trains on.

    Row *i* of a series holds its scaled value at step *i* next to the
    covariates of steps *i + 1 ... i + block*; its target is the next
    ``block`` values (minus the value at *i* when ``change``). The regressor
    windows these rows per series (``groups``), so no window crosses two
    series. The windows of a series' first ``lookback - 1`` rows are padded
    by repeating its first row, as at predict time for a series with a
    shorter history: they train too, so that short series are learnt from
    and a global model learns to forecast from a short history (as N-BEATS
    and DeepAR train). With ``relative``, a row holds the step from the
    value before instead of the value: each window is the ``lookback``
    steps between ``lookback + 1`` values, the same whatever their level. A
    series' first row has no step before it; it holds 0 (so the padding is
    steps of 0, a flat history) and its own window, which holds no step at
    all, has weight 0.

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

    Returns
    -------
    rows : ndarray of shape (n_kept, 1 + block * n_covariates)
    targets : ndarray of shape (n_kept, block)
    weights : ndarray of shape (n_kept,)
    codes : ndarray of shape (n_kept,)
    """
    position = panel.position
    sorted_codes = panel.codes[panel.order]
    kept = np.flatnonzero(position < panel.lengths[sorted_codes] - block)
    ahead = sliding_window_view(X[1:], block, axis=0)  # (n_rows - block, F, block)
    covariates = ahead[kept].transpose(0, 2, 1).reshape(len(kept), -1)
    value = z
    if relative:
        value = np.r_[0.0, np.diff(z)]
        value[position == 0] = 0.0
    rows = np.column_stack([value[kept], covariates])
    targets = sliding_window_view(z[1:], block)[kept]
    if change:
        targets = targets - z[kept, None]
    weights = (position[kept] >= int(relative)).astype(np.float64)
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
    >>> from sklstm._panel import panel_of, recent_rows
    >>> panel = panel_of([0, 0, 0, 1], 4)
    >>> recent_rows(np.array([1.0, 2, 3, 9]), panel, 2).tolist()
    [[2.0, 3.0], [9.0, 9.0]]
    """
    ends = (panel.starts + panel.lengths)[:, None]
    rows = np.maximum(ends - width + np.arange(width), panel.starts[:, None])
    return values[rows]


def padded_tail(values: np.ndarray, width: int) -> np.ndarray:
    """The last ``width`` rows of one series, padded like :func:`recent_rows`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import padded_tail
    >>> padded_tail(np.array([4.0, 5.0]), 3).tolist()
    [4.0, 4.0, 5.0]
    """
    missing = max(width - len(values), 0)
    return np.concatenate([np.repeat(values[:1], missing, axis=0), values[-width:]])
