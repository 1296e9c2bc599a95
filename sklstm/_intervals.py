"""Split conformal prediction intervals from held-out absolute residuals.

The recipe: keep the absolute errors ``|y - ŷ|`` the model makes on rows it
was not trained on (the time-ordered validation tail), take their
``ceil((n + 1) · coverage)``-th smallest value as the half-width, and put
``ŷ ± half-width`` around every new prediction. If the new rows' errors behave
like the tail's (exchangeable), the interval holds the truth with probability
at least ``coverage``; for time series this is an approximation that holds
when the series' noise does not drift.

Across many series the held-out errors are pooled in the units the network
sees, each divided first by its series' interval scale: how far the series
strays from its value one season before (:func:`season_noise`, the error of
the seasonal naive forecast), relative to the typical series and shrunk
halfway to 1 (:func:`interval_scales`). A series that repeats its season
then gets a narrow interval and a restless or trending one a wide one, while
the pool still calibrates them all; one series alone is its own typical
series.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np


def conformal_half_width(residuals: np.ndarray, coverage: float) -> np.ndarray:
    """The split conformal half-width of each output column.

    Parameters
    ----------
    residuals : ndarray of shape (n_calibration, n_outputs)
        Absolute residuals on held-out rows; NaN where a target was missing.
    coverage : float
        The wanted probability that an interval holds the truth, in (0, 1).

    Returns
    -------
    half_width : ndarray of shape (n_outputs,)

    Raises
    ------
    ValueError
        If ``coverage`` is not in (0, 1), or there are too few residuals to
        promise it (``coverage`` above ``n / (n + 1)``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import conformal_half_width
    >>> residuals = np.arange(1.0, 20.0)[:, None]  # 19 held-out errors: 1 ... 19
    >>> conformal_half_width(residuals, coverage=0.9).tolist()
    [18.0]
    """
    check_coverage(coverage)
    counts = np.count_nonzero(~np.isnan(residuals), axis=0)  # NaN: missing target
    n = int(counts.min()) if counts.size else len(residuals)
    rank = math.ceil((n + 1) * coverage)
    if rank > n:
        which = ""
        if len(counts) > 1:
            short = np.flatnonzero(counts == n).tolist()
            which = f" with an observed target for output(s) {short}"
        raise ValueError(
            f"coverage={coverage} needs at least {fewest_errors(coverage)}"
            f" held-out rows to calibrate on; the model has {n}{which}. Pass more "
            "rows, raise validation_fraction, or ask for a lower coverage."
        )
    ranks = conformal_ranks(counts, coverage)
    return np.sort(residuals, axis=0)[ranks - 1, np.arange(residuals.shape[1])]


def stepwise_half_width(
    residuals: np.ndarray,
    coverage: float,
    n_steps: int,
    *,
    ordered: np.ndarray | None = None,
) -> np.ndarray:
    """The split conformal half-width of each of the first ``n_steps`` forecast steps.

    Each step has its own calibration set, the errors of the held-out
    forecasts that many steps ahead, because errors grow with the horizon:
    one-step errors would make multi-step intervals too narrow.

    Parameters
    ----------
    residuals : ndarray of shape (n_origins, max_steps)
        Absolute errors of forecasts made from held-out origins: column ``h``
        holds the errors ``h + 1`` steps ahead, NaN where no truth was left
        to compare with.
    coverage : float
        The wanted probability that an interval holds the truth, in (0, 1).
    n_steps : int
        The steps to give a half-width, from the first.
    ordered : ndarray of shape (n_origins, n_steps), default=None
        ``residuals[:, :n_steps]`` sorted in each column (NaN last), for a
        caller that asks for several coverages of the same residuals; None:
        sorted here.

    Returns
    -------
    half_width : ndarray of shape (n_steps,)

    Raises
    ------
    ValueError
        If ``coverage`` is not in (0, 1), or one of the first ``n_steps``
        steps has too few errors to promise it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import stepwise_half_width
    >>> residuals = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, np.nan]])
    >>> stepwise_half_width(residuals, coverage=0.5, n_steps=2).tolist()
    [3.0, 6.0]
    """
    check_coverage(coverage)
    counts = np.count_nonzero(~np.isnan(residuals), axis=0)
    ranks = conformal_ranks(counts, coverage)
    too_few = np.flatnonzero(ranks > counts)
    n_calibrated = int(too_few[0]) if len(too_few) else residuals.shape[1]
    if n_steps > n_calibrated:
        # fit grows the tail for a horizon of 2 steps or more (for 0.9).
        grown = (
            f", or with horizon={n_steps}, for which fit grows the tail on its "
            "own as far as every series keeps half its windows to train on (a "
            "forecaster fitted with that horizon already grew it that far)"
            if n_steps > 1
            else ""
        )
        raise ValueError(
            f"coverage={coverage} needs at least {fewest_errors(coverage)} held-out "
            f"errors at each forecast step; the forecasts from the held-out tail "
            f"calibrate the first {n_calibrated} step(s), and {n_steps} were "
            "asked for. Step h is calibrated by the held-out windows with h "
            "observations after them. Refit with a larger validation_fraction "
            f"(one series needs a tail of {n_steps} + {fewest_errors(coverage)} - 1 "
            f"= {n_steps + fewest_errors(coverage) - 1} windows; the tails of "
            f"several series pool their errors){grown}; forecast fewer steps "
            "at a time (update the forecaster as observations arrive), or ask "
            "for a lower coverage."
        )
    if ordered is None:
        ordered = np.sort(residuals[:, :n_steps], axis=0)  # NaN sorts last
    return ordered[ranks[:n_steps] - 1, np.arange(n_steps)]


class CalibrationPools:
    """The held-out errors that calibrate each kind of forecast, sorted once.

    A forecast from a flat history is made by rule, without the networks
    (:func:`sklstm._rollout.forecast_by_rule`), and a series of zeros is
    mostly forecast exactly: pooled with the networks' errors, those zeros
    would narrow the intervals of every series the networks forecast. So
    each kind is calibrated by the held-out forecasts of its own kind, at
    each step where they are enough for the coverage asked. At the other
    steps, by all of them, but never narrower than the largest error of its
    own kind at that step or a nearer one: then the width still rises with
    the coverage, through the coverage where its own errors run out.

    Parameters
    ----------
    residuals : ndarray of shape (n_origins, max_steps)
        Absolute errors of the held-out forecasts, as for
        :func:`stepwise_half_width`.
    by_rule : ndarray of bool of shape (n_origins,) or None
        Which held-out origins were forecast by rule. None: not known (a
        file saved before they were told apart), every origin calibrates
        both kinds.
    n_steps : int
        The steps to give half-widths, from the first.

    Examples
    --------
    Nine series of zeros, forecast exactly by rule, beside one noisy series:
    the noisy series' interval comes from its own errors alone.

    >>> import numpy as np
    >>> from sklstm._intervals import CalibrationPools
    >>> residuals = np.r_[np.zeros(90), np.arange(1.0, 11.0)][:, None]
    >>> by_rule = np.arange(100) < 90
    >>> pools = CalibrationPools(residuals, by_rule, n_steps=1)
    >>> pools.half_widths(0.5).tolist()  # [networks' forecasts, rule's]
    [[6.0], [0.0]]
    >>> pools.half_widths(0.95).tolist()  # 10 errors are too few: their largest
    [[10.0], [0.0]]
    >>> CalibrationPools(residuals, None, n_steps=1).half_widths(0.5).tolist()
    [[0.0], [0.0]]
    """

    def __init__(
        self, residuals: np.ndarray, by_rule: np.ndarray | None, n_steps: int
    ) -> None:
        self.residuals = residuals[:, :n_steps]
        self.n_steps = n_steps
        self.ordered = np.sort(self.residuals, axis=0)  # NaN sorts last
        # Origins of one kind only (or not told apart): all of them are its own.
        one_kind = by_rule is None or by_rule.all() or not by_rule.any()
        kinds = [] if one_kind else [~by_rule, by_rule]
        self.own = [np.sort(self.residuals[kind], axis=0) for kind in kinds]

    def half_widths(self, coverage: float) -> np.ndarray:
        """The half-width of each kind at each step, for ``coverage``.

        Returns
        -------
        ndarray of shape (2, n_steps)
            Row 0 for the forecasts of the networks, row 1 for those made
            by rule.

        Raises
        ------
        ValueError
            As :func:`stepwise_half_width`, if all the held-out errors
            together are too few to promise ``coverage`` at a step.
        """
        pooled = stepwise_half_width(
            self.residuals, coverage, self.n_steps, ordered=self.ordered
        )
        widths = np.tile(pooled, (2, 1))
        for kind, ordered in enumerate(self.own):
            counts = np.count_nonzero(~np.isnan(ordered), axis=0)
            ranks = conformal_ranks(counts, coverage)
            enough = ranks <= counts
            some = np.flatnonzero(counts > 0)
            largest = np.zeros(self.n_steps)
            largest[some] = ordered[counts[some] - 1, some]
            # A step with no error of its own kind: the largest of the nearer.
            largest = np.maximum.accumulate(largest)
            widths[kind] = np.where(
                enough,
                ordered[np.minimum(ranks, counts).clip(1) - 1, np.arange(self.n_steps)],
                np.maximum(pooled, largest),
            )
        return widths


#: Changes no larger than this share of the size of the numbers they come
#: from are rounding (a few units in the last place of float64): a series
#: that repeats its season to them does not move. Real changes of a series
#: at a level of 1e12 are thousands of units in the last place.
ROUNDING_SHARE = 16 * float(np.finfo(np.float64).eps)
#: Changes no larger than this share of a series' own spread do not move
#: it either: a season computed from a sine of large arguments repeats only
#: to its rounding, which grows with the arguments past any few units in the
#: last place, but stays a billionth of the swing.
STILL_SHARE = 1e-9


def season_noise(
    values: np.ndarray,
    codes: np.ndarray,
    n_series: int,
    lag: int,
    sizes: np.ndarray | None = None,
) -> np.ndarray:
    """Each series' mean absolute change over ``lag`` steps (one season).

    The in-sample error of the seasonal naive forecast: small for a series
    that repeats its season, large for a restless or trending one (a trend
    moves it ``lag`` slopes a season). It is the scale the M4 competition
    divides interval scores by.

    Parameters
    ----------
    values : ndarray of shape (n_rows,)
        The values of every series, each series' rows together and in time
        order; NaN where a value was missing (no change is taken across it).
    codes : ndarray of shape (n_rows,)
        The series of each row, from 0 to ``n_series - 1``.
    n_series : int
    lag : int
        The season's length; 1 for series without a season.
    sizes : ndarray of shape (n_rows,), default=None
        The size of the numbers each value was computed from (before a
        location was taken off): a series whose mean change is within
        :data:`ROUNDING_SHARE` of their mean size has a noise of 0, as one
        that repeats its season exactly. None: this test is not made.
        Whatever ``sizes``, a series whose mean change is within
        :data:`STILL_SHARE` of its mean absolute deviation has a noise of 0.

    Returns
    -------
    noise : ndarray of shape (n_series,)
        NaN for a series with fewer than two changes to measure.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import season_noise
    >>> wave = np.tile([1.0, 5.0], 3)  # repeats its season of 2 exactly
    >>> trend = np.arange(6.0)  # a slope of 1: 2 a season
    >>> values = np.r_[wave, trend, 3.0, 4.0]
    >>> codes = np.repeat([0, 1, 2], [6, 6, 2])
    >>> season_noise(values, codes, 3, lag=2).tolist()
    [0.0, 2.0, nan]
    """
    changes = values[lag:] - values[:-lag]
    kept = (codes[lag:] == codes[:-lag]) & ~np.isnan(changes)
    changed = codes[lag:][kept]
    count = np.bincount(changed, minlength=n_series)
    observed = ~np.isnan(values)
    own, held = codes[observed], values[observed]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(changed, np.abs(changes[kept]), n_series) / count
        n_values = np.bincount(own, minlength=n_series)
        level = np.bincount(own, held, n_series) / n_values
        spread = np.bincount(own, np.abs(held - level[own]), n_series) / n_values
        # Rounding is no noise: every other series would be divided by a
        # centre of it.
        still = mean <= STILL_SHARE * spread
        if sizes is not None:
            size = np.bincount(own, sizes[observed], n_series) / n_values
            still |= mean <= ROUNDING_SHARE * size
    return np.where(count >= 2, np.where(still, 0.0, mean), np.nan)


def noise_centre(noise: np.ndarray) -> float | None:
    """The typical noise of a collection: the median series'.

    None when no series' noise is known or the median series does not move
    at all: there is then no typical width to scale by.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import noise_centre
    >>> noise_centre(np.array([1.0, 2.0, 5.0, np.nan])), noise_centre(np.zeros(3))
    (2.0, None)
    """
    finite = noise[np.isfinite(noise)]
    centre = float(np.median(finite)) if len(finite) else 0.0
    return centre if centre > 0 else None


def interval_scales(noise: np.ndarray, centre: float | None) -> np.ndarray:
    """Each series' factor from its noise, shrunk halfway.

    A series' factor is the mean of its noise (:func:`season_noise` or
    :func:`fit_noise`) relative to the collection's ``centre``
    (:func:`noise_centre`, the median series') and 1, so
    the median series has the scale 1, and a series' own estimate, often
    from few values, moves its intervals only halfway from the typical
    width. A series without a noise estimate, and every series when there is
    no centre, gets 1: the pooled width.

    Parameters
    ----------
    noise : ndarray of shape (n_series,)
        The noise of each series, NaN where unknown.
    centre : float or None
        The collection's typical noise.

    Returns
    -------
    scales : ndarray of shape (n_series,)
        Positive factors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import interval_scales
    >>> interval_scales(np.array([1.0, 2.0, 6.0, np.nan]), centre=2.0).tolist()
    [0.75, 1.0, 2.0, 1.0]
    """
    if centre is None:
        return np.ones(len(noise))
    return np.where(np.isfinite(noise), (noise / centre + 1) / 2, 1.0)


def fit_noise(sums: np.ndarray, counts: np.ndarray, pooled=None) -> np.ndarray:
    """Each series' mean in-sample error, each step's relative to the collection's.

    How well the networks fit a series: a series they forecast well (a
    smooth wave) has a small fit noise, one they cannot (a random walk) a
    large one, even when the two move as much from one step to the next.

    Parameters
    ----------
    sums, counts : ndarray of shape (n_series, n_steps)
        The summed absolute errors of each series' in-sample forecasts at
        each step ahead, and how many there were.
    pooled : callable, default=None
        For a collection fitted in parts, ``pooled(value)`` returns the
        value of every part (a list), so that each step's mean error is the
        whole collection's. None: ``sums`` are the whole collection's.

    Returns
    -------
    noise : ndarray of shape (n_series,)
        The mean over a series' errors of each divided by the collection's
        mean error at its step; NaN for a series with fewer than two
        errors, or when no step has a mean error above 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import fit_noise
    >>> sums = np.array([[2.0, 4.0], [6.0, 12.0], [0.0, 0.0]])
    >>> counts = np.array([[2, 2], [2, 2], [0, 0]])
    >>> fit_noise(sums, counts).tolist()  # mean errors 2 and 4 at steps 1, 2
    [0.5, 1.5, nan]
    """
    gathered = pooled or (lambda value: [value])
    step_sums = sum(gathered(sums.sum(axis=0)))
    step_counts = sum(gathered(counts.sum(axis=0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        step_mean = step_sums / step_counts
    usable = step_mean > 0  # False where NaN: no error at that step
    count = counts[:, usable].sum(axis=1)
    total = (sums[:, usable] / step_mean[usable]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= 2, total / count, np.nan)


def check_quantile_levels(quantiles) -> np.ndarray:
    """The quantile levels as a 1-D float array, each strictly between 0 and 1.

    Examples
    --------
    >>> from sklstm._intervals import check_quantile_levels
    >>> check_quantile_levels((0.1, 0.5)).tolist()
    [0.1, 0.5]
    """
    try:
        given = np.asarray(quantiles)
        if given.dtype.kind in "USbcV" or (  # strings such as '0.5', True
            given.dtype.kind == "O"
            and quantiles is not None
            and any(not isinstance(q, Real) or isinstance(q, bool) for q in given.flat)
        ):
            raise TypeError("not a number")
        levels = np.asarray(quantiles, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"quantiles must be numbers strictly between 0 and 1, such as "
            f"(0.1, 0.5, 0.9); got {quantiles!r}."
        ) from error
    outside = levels[~((levels > 0) & (levels < 1))]
    if quantiles is None:
        outside = outside[:0]  # None reads as NaN: no level to name
    if (
        not len(levels)
        or quantiles is None
        or len(outside)
        or isinstance(quantiles, (bool, str))
    ):
        raise ValueError(
            f"quantiles must be one or more levels strictly between 0 and 1, "
            f"such as (0.1, 0.5, 0.9); got {quantiles!r}"
            + (f", with {outside.tolist()} outside." if len(outside) else ".")
            + " The levels 0 and 1 would be unbounded."
        )
    return levels


def quantile_offsets(
    residuals: np.ndarray,
    levels: np.ndarray,
    steps: np.ndarray,
    *,
    by_rule: np.ndarray | None = None,
    rows_by_rule: np.ndarray | None = None,
) -> np.ndarray:
    """The conformal offset of each quantile level from the point forecast.

    The quantile ``q < 0.5`` is the lower bound of the interval of coverage
    ``1 - 2q``, ``q > 0.5`` the upper bound of the interval of coverage
    ``2q - 1``, and 0.5 the point forecast: the same half-widths as
    :meth:`CalibrationPools.half_widths`, so quantiles and intervals agree,
    and the offsets rise with the level.

    Parameters
    ----------
    residuals : ndarray of shape (n_origins, max_steps)
        Absolute errors of the held-out forecasts, as for
        :func:`stepwise_half_width`.
    levels : ndarray of shape (n_levels,)
        The quantile levels, in (0, 1).
    steps : ndarray of shape (n_rows,)
        How many steps ahead (from 0) each row is forecast.
    by_rule : ndarray of bool of shape (n_origins,), default=None
        Which held-out origins were forecast by rule (:class:`CalibrationPools`).
    rows_by_rule : ndarray of bool of shape (n_rows,), default=None
        Which rows are forecast by rule. None: none is.

    Returns
    -------
    offsets : ndarray of shape (n_rows, n_levels)
        Negative below the median, positive above it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import quantile_offsets
    >>> residuals = np.arange(1.0, 20.0)[:, None]  # 19 errors one step ahead
    >>> quantile_offsets(residuals, np.array([0.05, 0.5, 0.95]), np.array([0]))
    array([[-18.,   0.,  18.]])
    """
    offsets = np.zeros((len(steps), len(levels)))
    n_steps = int(np.max(steps, initial=-1)) + 1
    # Sorted once for every level: a table of many origins sorts slowly.
    pools = CalibrationPools(residuals, by_rule, n_steps)
    kinds = np.zeros(len(steps), np.intp)
    if rows_by_rule is not None:
        kinds = np.asarray(rows_by_rule, dtype=np.intp)  # 1: row 1 of the widths
    for column, level in enumerate(levels):
        coverage = _coverage_of_level(float(level))
        if coverage == 0 or not n_steps:
            continue
        try:
            half_widths = pools.half_widths(coverage)
        except ValueError as error:
            side = "lower" if level < 0.5 else "upper"
            raise ValueError(
                f"The quantile {float(level)!r} is the {side} bound of the "
                f"interval of coverage {coverage!r}: {error}"
            ) from error
        offsets[:, column] = np.sign(level - 0.5) * half_widths[kinds, steps]
    return offsets


def _coverage_of_level(level: float) -> float:
    """The coverage of the interval whose bound is the quantile ``level``.

    Rounded to 12 decimals, so that quantile 0.9 is the bound of coverage
    0.8 exactly, not of 2 * 0.9 - 1 = 0.8000000000000002, and a level 0.5
    up to that rounding (np.linspace(0.05, 0.95, 19)[9] is
    0.49999999999999994) is the median. Never rounded up to 1, which is no
    coverage: a level within 5e-13 of 0 or 1 keeps the coverage just below
    1 it asks for (at most the largest float below 1), and is refused for
    the held-out errors that coverage needs, not as a coverage of 1.

    Examples
    --------
    >>> from sklstm._intervals import _coverage_of_level
    >>> _coverage_of_level(0.9), _coverage_of_level(0.49999999999999994)
    (0.8, 0.0)
    >>> _coverage_of_level(1e-13)
    0.9999999999998
    """
    exact = abs(2 * level - 1)
    rounded = round(exact, 12)
    if rounded < 1:
        return rounded
    return min(exact, math.nextafter(1.0, 0.0))


def interval_bounds(
    prediction: np.ndarray, half_width: np.ndarray, y_was_1d: bool
) -> np.ndarray:
    """Stack ``prediction ± half_width`` as a last axis of (lower, upper).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import interval_bounds
    >>> interval_bounds(np.array([1.0, 2.0]), np.array([0.5]), True).tolist()
    [[0.5, 1.5], [1.5, 2.5]]
    """
    columns = prediction.reshape(len(prediction), -1)
    bounds = np.stack([columns - half_width, columns + half_width], axis=-1)
    return bounds[:, 0] if y_was_1d else bounds


def conformal_ranks(counts: np.ndarray, coverage: float) -> np.ndarray:
    """The rank ``ceil((n + 1) * coverage)`` of the half-width among ``n``
    sorted errors, for each count ``n``; above ``n`` when they are too few.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._intervals import conformal_ranks
    >>> conformal_ranks(np.array([19, 8]), 0.9).tolist()
    [18, 9]
    """
    return np.ceil((np.asarray(counts) + 1) * coverage).astype(np.intp)


def fewest_errors(coverage: float) -> int:
    """The fewest residuals n with ceil((n + 1) · coverage) <= n.

    Examples
    --------
    >>> from sklstm._intervals import fewest_errors
    >>> fewest_errors(0.9), fewest_errors(0.95)
    (9, 19)
    """
    return math.ceil(coverage / (1 - coverage) - 1e-9)


def check_coverage(coverage) -> None:
    """Refuse a ``coverage`` that is not a number strictly between 0 and 1.

    Examples
    --------
    >>> from sklstm._intervals import check_coverage
    >>> check_coverage(0.9)
    """
    if (
        not isinstance(coverage, Real)
        or isinstance(coverage, bool)
        or not 0 < coverage < 1
    ):
        raise ValueError(
            f"coverage must be a probability strictly between 0 and 1, such as "
            f"0.9; got {coverage!r}."
        )
