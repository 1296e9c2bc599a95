"""How much of the networks' move from a series' last value a forecast keeps.

The naive forecast of a series repeats its last value, with the season and
the drift the forecaster takes out put back: on yearly data it is the random
walk with drift, a benchmark that per-series statistical models find hard
to beat. A network trained on many series can forecast some collections
worse than it. So the forecaster forecasts, in the units the network sees,

    last + (1 - shrinkage) * (network's forecast - last),

and ``shrinkage='auto'`` is chosen on the held-out tails that early stopping
keeps from training: of the values of :data:`SHRINKAGE_GRID`, the one that
lowers the absolute error of the held-out forecasts most, counted series by
series, once its standard error over the series is added. No value lowers it
by more than its standard error: the forecasts are the networks' alone
(0). The choice then needs evidence across the series, not a few series'
luck. One series alone gives no such evidence, and keeps its network's
forecasts.

A forecast made by rule (a flat history, :func:`sklstm._rollout.forecast_by_rule`)
is already the naive one and is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sklstm._origin_slices import origin_slices

#: The shrinkages ``shrinkage='auto'`` chooses from.
SHRINKAGE_GRID = np.arange(21) / 20


def shrunk_moves(
    moves: np.ndarray, shrinkage: float, by_rule: np.ndarray | None = None
) -> np.ndarray:
    """The moves from the last value a forecast keeps.

    Parameters
    ----------
    moves : ndarray of shape (n_origins, n_steps)
        The networks' forecasts minus each origin's naive forecast.
    shrinkage : float
        In [0, 1]: 0 keeps the moves, 1 forecasts the naive forecast.
    by_rule : ndarray of bool of shape (n_origins,), default=None
        The origins forecast by rule, whose moves are kept as they are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._shrinkage import shrunk_moves
    >>> moves = np.array([[2.0, 4.0], [1.0, 1.0]])
    >>> shrunk_moves(moves, 0.25, by_rule=np.array([False, True])).tolist()
    [[1.5, 3.0], [1.0, 1.0]]
    """
    kept = np.full(len(moves), 1.0 - shrinkage)
    if by_rule is not None:
        kept[by_rule] = 1.0
    return moves * kept[:, None]


def series_gains(
    predicted: np.ndarray,
    actual: np.ndarray,
    codes: np.ndarray,
    by_rule: np.ndarray,
) -> np.ndarray:
    """Each series' change of its mean held-out absolute error with each shrinkage.

    Parameters
    ----------
    predicted, actual : ndarray of shape (n_origins, n_steps)
        The networks' forecasts and the truths, each minus the origin's
        naive forecast; NaN where no truth was left to compare with.
    codes : ndarray of shape (n_origins,)
        The series of each origin.
    by_rule : ndarray of bool of shape (n_origins,)
        The origins forecast by rule, which shrinkage leaves alone: left out.

    Returns
    -------
    gains : ndarray of shape (n_series_scored, len(SHRINKAGE_GRID))
        One row per series with at least one error to compare: its mean
        error with each shrinkage minus its mean error without. Negative:
        the shrinkage forecasts that series better.

    Examples
    --------
    A series whose networks' moves are twice the true ones gains most at
    shrinkage 0.5, where they are halved:

    >>> import numpy as np
    >>> from sklstm._shrinkage import SHRINKAGE_GRID, series_gains
    >>> gains = series_gains(
    ...     np.array([[2.0, 4.0]]), np.array([[1.0, 2.0]]), np.array([0]),
    ...     np.array([False]),
    ... )
    >>> float(SHRINKAGE_GRID[gains.argmin()]), float(gains.min())
    (0.5, -1.5)
    """
    n_codes = int(codes.max()) + 1 if len(codes) else 0
    totals = np.zeros((n_codes, len(SHRINKAGE_GRID)))
    counts = np.zeros(n_codes)
    kept = np.flatnonzero(~by_rule)
    for part in origin_slices(len(kept), predicted.shape[1]):
        rows = kept[part]
        moved, truth, series = predicted[rows], actual[rows], codes[rows]
        observed = ~np.isnan(truth) & ~np.isnan(moved)
        moved = np.where(observed, moved, 0.0)
        truth = np.where(observed, truth, 0.0)
        counts += np.bincount(series, observed.sum(axis=1), n_codes)
        unshrunk = np.abs(truth - moved).sum(axis=1)
        for column, shrinkage in enumerate(SHRINKAGE_GRID):
            shrunk = np.abs(truth - (1.0 - shrinkage) * moved).sum(axis=1)
            totals[:, column] += np.bincount(series, shrunk - unshrunk, n_codes)
    scored = counts > 0
    return totals[scored] / counts[scored, None]


def chosen_shrinkage(gains: np.ndarray) -> float:
    """``shrinkage='auto'``: the shrinkage of least gain plus standard error.

    The gain of a shrinkage is the mean over the series of their gains
    (:func:`series_gains`), its standard error their standard deviation
    over the square root of their number. 0 when no shrinkage's gain is
    below 0 by more than its standard error, and with fewer than two series
    to judge by.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._shrinkage import SHRINKAGE_GRID, chosen_shrinkage
    >>> steady = -np.minimum(SHRINKAGE_GRID, 0.6) + 0.1 * (SHRINKAGE_GRID > 0.6)
    >>> chosen_shrinkage(np.tile(steady, (4, 1)) + [[0.01], [0.0], [-0.01], [0.0]])
    0.6
    >>> lucky = np.zeros((4, len(SHRINKAGE_GRID)))
    >>> lucky[0] = -SHRINKAGE_GRID  # one series of four gains
    >>> chosen_shrinkage(lucky)
    0.0
    """
    if len(gains) < 2:
        return 0.0
    upper = gains.mean(axis=0) + gains.std(axis=0, ddof=1) / np.sqrt(len(gains))
    best = int(np.argmin(upper))
    return float(SHRINKAGE_GRID[best]) if upper[best] < 0 else 0.0


def fitted_shrinkage(shrinkage, moves, pooled: Callable | None = None) -> float:
    """The shrinkage a fit keeps, from the ``shrinkage`` parameter.

    A number is kept as given. ``'auto'`` is chosen from the held-out
    forecasts ``moves`` (:class:`sklstm._rollout.HeldOutMoves`, whose
    ``gains()`` are :func:`series_gains`; None without held-out tails: 0).
    ``pooled``, for a collection fitted in parts, returns the value of every
    part (a list), so that the choice is the whole collection's.

    Examples
    --------
    >>> from sklstm._shrinkage import fitted_shrinkage
    >>> fitted_shrinkage(0.3, None), fitted_shrinkage("auto", None)
    (0.3, 0.0)
    """
    if shrinkage != "auto":
        return float(shrinkage)
    gains = None if moves is None else moves.gains()
    if pooled is not None:
        parts = [part for part in pooled(gains) if part is not None]
        gains = np.concatenate(parts) if parts else None
    return 0.0 if gains is None else chosen_shrinkage(gains)
