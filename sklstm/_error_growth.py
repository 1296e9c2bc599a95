"""Held-out errors carried to the end of each series, where they grow along the tails.

``predict_interval`` is calibrated on the forecasts from the origins of each
series' held-out tail, made by networks trained on the windows before it. A
forecast from the series' end lies further from those windows than any
origin of its tail. Where the errors grow along the tails (the further an
origin lies from the training windows, the larger its errors), the
forecasts from the ends err more than the tails show, and their intervals
cover less than asked (95 % intervals covered 0.924 of M3 monthly and 0.886
of M3 quarterly).

So the growth is measured, and the errors carried to the ends:

- each held-out error's logarithm is regressed on its origin's distance to
  its series' end, as a share of the series' tail (1 at its first origin,
  just after the training windows; ``1 / n`` at its last of ``n``), within
  each step ahead (each step is centred on its own), pooled over the steps
  and the series;
- its standard error is clustered by series, since the errors of one
  series move together (from one origin to the next, and from one step to
  the next), with the small-sample factor ``sqrt(G / (G - 1))`` for ``G``
  series;
- when the growth toward the ends passes a one-sided test at
  :data:`GROWTH_TEST_LEVEL` (its ratio to the standard error against
  Student's t with ``G - 1`` degrees of freedom: about 2 for hundreds of
  series, 4.3 for three, 12.7 for two), each error made by the networks is
  multiplied by ``exp(growth * share)``, the growth from its origin to its
  series' end. Otherwise (errors that do not grow, or that grow by chance,
  and errors that shrink) they are left as they are: the intervals are
  never narrower than the tails show. One series alone gives no spread
  across series to judge by, and is left as it is.

Errors of forecasts made by rule (flat histories) and errors of exactly 0
are left out of the regression and left as they are.

The regression's sums are kept per series and step, so that the processes
of a data-parallel fit pool them and carry the errors by the growth of
the whole collection.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import t as student_t

from sklstm._origin_slices import origin_slices

#: The one-sided level of the test a growth must pass to be taken out.
GROWTH_TEST_LEVEL = 0.025

#: The sums of the regression, per series and step: count, sum of the
#: distances, of the log errors, of the squared distances and of their
#: products.
_SUMS = 5


def distance_shares(codes: np.ndarray, tail_lengths: np.ndarray) -> np.ndarray:
    """Each origin's steps to its series' end, as a share of its tail.

    Parameters
    ----------
    codes : ndarray of shape (n_origins,)
        The series of each origin; a series' origins are consecutive, in
        time order, and end one step before its end.
    tail_lengths : ndarray of shape (n_series,)
        The origins of each series' tail (its first ones may have been left
        out for want of history).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._error_growth import distance_shares
    >>> distance_shares(np.array([0, 0, 0, 1, 1]), np.array([4, 2])).tolist()
    [0.75, 0.5, 0.25, 1.0, 0.5]
    """
    counts = np.bincount(codes, minlength=len(tail_lengths))
    starts = np.cumsum(counts) - counts
    place = np.arange(len(codes)) - starts[codes]
    return (counts[codes] - place) / tail_lengths[codes]


def growth_sums(
    errors: np.ndarray, codes: np.ndarray, shares: np.ndarray, by_rule: np.ndarray
) -> np.ndarray:
    """The sums of the regression of the log errors on the shares.

    Returns
    -------
    ndarray of shape (n_series, n_steps, 5)
        Per series and step: the count of errors regressed (observed, not 0,
        made by the networks), and the sums of their shares, log errors,
        squared shares and products.
    """
    n_series = int(codes.max()) + 1 if len(codes) else 0
    n_steps = errors.shape[1]
    sums = np.zeros((n_series, n_steps, _SUMS))
    for part in origin_slices(len(errors), n_steps):
        low = int(codes[part].min())
        span = int(codes[part].max()) + 1 - low
        sums[low : low + span] += _slice_sums(
            errors[part], codes[part] - low, shares[part], by_rule[part], span
        )
    return sums


def _slice_sums(errors, codes, shares, by_rule, n_series: int) -> np.ndarray:
    """:func:`growth_sums` of some origins, whose series are ``codes`` (from 0
    to ``n_series - 1``)."""
    n_steps = errors.shape[1]
    usable = ~np.isnan(errors) & (errors > 0) & ~by_rule[:, None]
    logs = np.log(np.where(usable, errors, 1.0))
    shares = np.broadcast_to(shares[:, None], errors.shape)
    terms = (usable, shares, logs, shares * shares, shares * logs)
    # Each error's cell: its series and step, in a table of series x steps.
    cells = (codes[:, None] * n_steps + np.arange(n_steps)).ravel()
    sums = [
        np.bincount(cells, np.where(usable, term, 0.0).ravel(), n_series * n_steps)
        for term in terms
    ]
    return np.stack(sums, axis=-1).reshape(n_series, n_steps, _SUMS)


def error_growth(sums: np.ndarray) -> float:
    """The growth of the errors toward the series' ends, or 0.

    ``sums`` are :func:`growth_sums` (of every part of a collection, stacked
    by series). The growth is minus the slope of the log errors on the
    shares; it is kept if it passes the one-sided test at
    :data:`GROWTH_TEST_LEVEL` (standard error clustered by series, Student's
    t with one degree of freedom fewer than the series), else 0.

    Examples
    --------
    Errors that double from a tail's first origin to its last:

    >>> import numpy as np
    >>> from sklstm._error_growth import distance_shares, error_growth, growth_sums
    >>> codes = np.repeat(np.arange(100), 10)
    >>> shares = distance_shares(codes, np.full(100, 10))
    >>> noise = np.random.default_rng(0).lognormal(0.0, 0.3, size=(1000, 3))
    >>> errors = noise * 2.0 ** (1.0 - shares[:, None])
    >>> by_rule = np.zeros(1000, dtype=bool)
    >>> growth = error_growth(growth_sums(errors, codes, shares, by_rule))
    >>> print(f"{growth / np.log(2):.2f}")
    0.99
    >>> error_growth(growth_sums(noise, codes, shares, by_rule))
    0.0
    """
    count, x, y, xx, xy = np.moveaxis(sums, -1, 0)
    n = count.sum(axis=0)  # per step, over the series
    steps = n >= 2
    n_series = int(np.count_nonzero(count.sum(axis=1)))
    if not steps.any() or n_series < 2:
        return 0.0
    mean_x = np.divide(x.sum(axis=0), n, out=np.zeros_like(n), where=steps)
    mean_y = np.divide(y.sum(axis=0), n, out=np.zeros_like(n), where=steps)
    spread = np.where(steps, xx.sum(axis=0) - n * mean_x**2, 0.0).sum()
    if not spread > 0:
        return 0.0
    moment = np.where(steps, xy.sum(axis=0) - n * mean_x * mean_y, 0.0).sum()
    slope = moment / spread
    # Each series' score: the sum of its centred distances times residuals.
    cross = xy - mean_x * y - mean_y * x + count * mean_x * mean_y
    square = xx - 2 * mean_x * x + count * mean_x**2
    scores = np.where(steps, cross - slope * square, 0.0).sum(axis=1)
    small_sample = n_series / (n_series - 1)
    standard_error = np.sqrt(small_sample * (scores @ scores)) / spread
    bar = student_t.isf(GROWTH_TEST_LEVEL, n_series - 1)
    growth = -slope
    return float(growth) if growth > bar * standard_error else 0.0


def carried_to_end(
    errors: np.ndarray,
    codes: np.ndarray,
    shares: np.ndarray,
    by_rule: np.ndarray,
    pooled: Callable | None = None,
) -> np.ndarray:
    """``errors`` carried to their series' ends by the growth they show.

    ``pooled``, for a collection fitted in parts, returns the
    :func:`growth_sums` of every part (a list), so that the growth is the
    whole collection's.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._error_growth import carried_to_end
    >>> errors = np.ones((4, 1))
    >>> carried_to_end(errors, np.zeros(4, int), np.ones(4), np.zeros(4, bool))
    array([[1.],
           [1.],
           [1.],
           [1.]])
    """
    sums = growth_sums(errors, codes, shares, by_rule)
    if pooled is not None:
        sums = pooled_sums(pooled, sums)
    growth = error_growth(sums)
    if not growth:
        return errors
    factor = np.where(by_rule, 1.0, np.exp(growth * shares))
    return errors * factor[:, None]


def pooled_sums(pooled: Callable, sums: np.ndarray | None) -> np.ndarray:
    """The :func:`growth_sums` of every part of a collection, stacked by
    series (``sums``: this part's, None without held-out tails); each part
    padded with zeros to the most steps of any."""
    parts = [part for part in pooled(sums) if part is not None]
    if not parts:
        return np.zeros((0, 0, _SUMS))
    n_steps = max(part.shape[1] for part in parts)
    return np.concatenate(
        [np.pad(part, ((0, 0), (0, n_steps - part.shape[1]), (0, 0))) for part in parts]
    )
