"""Seasons of a collection of series: their length, which series have one, what.

A global model sees ``lookback`` steps of a series; the seasonal pattern of
each series is better estimated from its whole recent history, series by
series, as the classical decomposition does. ``LSTMForecaster.fit``
therefore takes the season out of every series that has one (through
:class:`sklstm._series_transforms.SeasonalAdjustment`, fitted here),
trains the network on what is left, and puts each series' season back into
its forecasts (as Theta does, and as Hewamalage et al. 2021 found recurrent
networks need).

- **Season length**: given, or found as the lag (2 to ``lookback``) where the
  autocorrelation of the series' changes, averaged over the collection,
  peaks, if that peak reaches :data:`MIN_MEAN_AUTOCORRELATION` and three
  standard errors of such a mean (a small collection of noise peaks
  higher by chance), and has risen by as much from a trough before it. A
  peak is higher than the lags on either side: the edge of a decreasing
  autocorrelation (smooth series, or a season longer than ``lookback``) is
  no season.
- **Which series**: those whose autocorrelation at the season length passes
  the 90 % test of the M4 competition's benchmarks (and Theta's), with at
  least three seasons of history.
- **The season**: the classical decomposition of the last
  :data:`SEASONS_ESTIMATED` seasons (a centred moving average takes out the
  trend), multiplicative for series with only positive values, else additive.

The components are kept rotated so that column 0 is the step after the end of
each series' history: the forecast *k* steps ahead uses column ``k % m``.
"""

from __future__ import annotations

import numpy as np

from sklstm._scaling import differ_by_rounding

#: The least mean autocorrelation of the changes at a lag for that lag to
#: count as the season of a collection; monthly and quarterly collections
#: peak between 0.2 and 0.6, collections without a season stay under 0.1.
MIN_MEAN_AUTOCORRELATION = 0.1
#: Seasons (of the most recent history) the components are estimated from:
#: enough for a stable estimate, recent enough to follow a pattern that moves.
SEASONS_ESTIMATED = 8
#: The one-sided normal quantile of the 90 % seasonality test.
_TEST_QUANTILE = 1.645


def _autocorrelations(values: np.ndarray, max_lag: int) -> np.ndarray | None:
    """Autocorrelations of ``values`` at lags 1 ... ``max_lag`` (None if flat).

    Missing values (NaN) are left out: each sum runs over the pairs (and
    squares) that are observed, scaled up to as many as a complete series
    has, so that holes do not shrink the autocorrelations towards 0.
    """
    missing = np.isnan(values)
    if missing.any():
        return _observed_autocorrelations(values, missing, max_lag)
    centred = values - values.mean()
    total = centred @ centred
    if not total > 0:
        return None
    return np.array(
        [centred[lag:] @ centred[:-lag] / total for lag in range(1, max_lag + 1)]
    )


def _observed_autocorrelations(values, missing, max_lag: int) -> np.ndarray | None:
    observed = (~missing).astype(np.float64)
    centred = np.where(missing, 0.0, values - np.nanmean(values))
    n = len(values)
    total = centred @ centred * n / max(observed.sum(), 1.0)
    if not total > 0:
        return None
    correlations = np.zeros(max_lag)
    for lag in range(1, min(max_lag, n - 1) + 1):
        pairs = observed[lag:] @ observed[:-lag]
        if pairs:
            scale = (n - lag) / pairs
            correlations[lag - 1] = centred[lag:] @ centred[:-lag] * scale / total
    return correlations


def detect_season_length(series: list[np.ndarray], max_lag: int) -> int | None:
    """The season length of a collection, from the changes of its series.

    Parameters
    ----------
    series : list of ndarray
        The values of each series.
    max_lag : int
        The longest season considered (the lookback).

    Returns
    -------
    int or None
        The lag from 2 to ``max_lag`` at which the mean autocorrelation of
        the series' changes has its highest peak (higher than at the lags
        on either side, ``max_lag + 1`` included), when that peak reaches
        :data:`MIN_MEAN_AUTOCORRELATION` and ``3 / sqrt(n)``, three standard
        errors of the mean for ``n`` changes in all (white noise), and rose
        by as much from the lowest autocorrelation at a shorter lag; None
        otherwise, or when no series has ``2 * max_lag + 2`` values, or
        when every series' changes are constant up to rounding (a linear
        trend).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._seasonality import detect_season_length
    >>> rng = np.random.default_rng(0)
    >>> monthly = [np.sin(np.arange(60) * np.pi / 6) + rng.normal(0, 0.1, 60)
    ...            for _ in range(5)]
    >>> detect_season_length(monthly, max_lag=24)
    12
    >>> detect_season_length([rng.normal(size=60) for _ in range(5)], 24) is None
    True
    >>> detect_season_length(monthly, max_lag=6) is None  # a season beyond reach
    True
    """
    if max_lag < 2:
        return None
    return season_from_totals(*change_autocorrelation_totals(series, max_lag), max_lag)


def change_autocorrelation_totals(
    series: list[np.ndarray], max_lag: int
) -> tuple[np.ndarray, int, int]:
    """What :func:`detect_season_length` needs of the series, as sums.

    Sums add up over parts of a collection (the processes of a
    data-parallel fit, each holding some series).

    Returns
    -------
    totals : ndarray of shape (max_lag + 1,)
        The autocorrelations of the changes at lags 1 ... ``max_lag + 1``,
        summed over the series with ``2 * max_lag + 2`` values whose
        changes are not constant.
    n_found : int
        How many series were summed.
    n_changes : int
        The changes of the series with ``2 * max_lag + 2`` values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._seasonality import change_autocorrelation_totals
    >>> totals, n_found, n_changes = change_autocorrelation_totals(
    ...     [np.tile([1.0, 3.0, 2.0], 4), np.arange(5.0)], max_lag=3)
    >>> print(totals.round(2).tolist(), n_found, n_changes)
    [-0.48, -0.39, 0.74, -0.35] 1 11
    """
    long_enough = [values for values in series if len(values) >= 2 * max_lag + 2]
    # One lag beyond the range, to tell a peak at max_lag from a rising edge.
    found = [_change_autocorrelations(values, max_lag + 1) for values in long_enough]
    found = [correlations for correlations in found if correlations is not None]
    totals = np.sum(found, axis=0) if found else np.zeros(max_lag + 1)
    n_changes = sum(len(values) - 1 for values in long_enough)
    return totals, len(found), n_changes


def season_from_totals(
    totals: np.ndarray, n_found: int, n_changes: int, max_lag: int
) -> int | None:
    """:func:`detect_season_length` from :func:`change_autocorrelation_totals`."""
    if not n_found:
        return None
    mean = np.r_[1.0, totals / n_found]  # lags 0 ... max_lag + 1
    threshold = max(MIN_MEAN_AUTOCORRELATION, 3 / np.sqrt(n_changes))
    lags = np.arange(2, max_lag + 1)
    trough = np.minimum.accumulate(mean)[lags - 1]  # the lowest before each lag
    peaks = (
        (mean[lags] >= mean[lags - 1])
        & (mean[lags] > mean[lags + 1])
        & (mean[lags] - trough >= threshold)
        & (mean[lags] >= threshold)
    )
    if not peaks.any():
        return None
    return int(lags[peaks][np.argmax(mean[lags][peaks])])


def _change_autocorrelations(values: np.ndarray, max_lag: int) -> np.ndarray | None:
    """Autocorrelations of the changes of ``values`` (None if they are constant).

    Changes that differ only by the rounding of the values (an exact linear
    trend) are constant: their autocorrelations would be those of rounding
    errors, which repeat with the binary digits of the values.
    """
    changes = np.diff(values)
    level = np.nanmax(np.abs(values))
    if np.isnan(changes).all() or differ_by_rounding(
        np.nanmin(changes), np.nanmax(changes), 2 * level
    ):
        return None
    return _autocorrelations(changes, max_lag)


def is_seasonal(values: np.ndarray, season_length: int) -> bool:
    """Whether ``values`` has a season of ``season_length`` (the 90 % test).

    The autocorrelation at the season length must exceed 1.645 standard
    errors (Bartlett's, from the lower lags), with three seasons of values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._seasonality import is_seasonal
    >>> is_seasonal(np.tile([1.0, 5, 2, 3], 6), 4), is_seasonal(np.arange(24.0), 4)
    (True, False)
    """
    n = len(values)
    if n < 3 * season_length:
        return False
    correlations = _autocorrelations(values, season_length)
    if correlations is None:
        return False
    observed = np.count_nonzero(~np.isnan(values))
    spread = np.sqrt((1 + 2 * np.sum(correlations[:-1] ** 2)) / observed)
    return bool(abs(correlations[-1]) > _TEST_QUANTILE * spread)


def seasonal_components(
    values: np.ndarray, season_length: int, multiplicative: bool
) -> np.ndarray:
    """The season of one series, by classical decomposition, from its end.

    Parameters
    ----------
    values : ndarray of shape (n,)
        At least ``2 * season_length + 1`` values.
    season_length : int
    multiplicative : bool
        Factors (mean 1) that divide the values, else offsets (mean 0) that
        are subtracted.

    Returns
    -------
    ndarray of shape (season_length,)
        Column *k* belongs to the steps ``n + k``, ``n + k + m``, ... (and
        ``n + k - m``, ... before the end).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._seasonality import seasonal_components
    >>> values = np.tile([2.0, 4.0], 5) + np.arange(10)  # trend plus a season
    >>> seasonal_components(values, 2, multiplicative=False).round(2).tolist()
    [-1.0, 1.0]
    """
    m = season_length
    recent = values[-(SEASONS_ESTIMATED + 1) * m :]
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = _moving_average(recent, weights)
    middle = recent[len(weights) // 2 : len(weights) // 2 + len(trend)]
    detrended = middle / trend if multiplicative else middle - trend
    kept = ~np.isnan(detrended)
    # The column of each detrended value: its distance to the end, modulo m.
    first = len(values) - len(recent) + len(weights) // 2
    columns = (np.arange(first, first + len(trend)) - len(values)) % m
    components = np.bincount(columns, weights=detrended, minlength=m) / np.bincount(
        columns, minlength=m
    )
    if not kept.all():  # missing values: each column from the observed ones
        components = _column_means(
            columns[kept], detrended[kept], m, 1.0 if multiplicative else 0.0
        )
    if multiplicative:
        return components / components.mean()
    return components - components.mean()


def _column_means(columns, values, m: int, neutral: float) -> np.ndarray:
    """The mean of ``values`` in each of ``m`` columns; ``neutral`` if none."""
    counts = np.bincount(columns, minlength=m)
    sums = np.bincount(columns, weights=values, minlength=m)
    return np.where(counts > 0, sums / np.maximum(counts, 1), neutral)


def _moving_average(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The centred moving average; with missing values, of the observed ones.

    Where less than half the weight of a window is observed, NaN.
    """
    missing = np.isnan(values)
    if not missing.any():
        return np.convolve(values, weights, mode="valid")
    sums = np.convolve(np.where(missing, 0.0, values), weights, mode="valid")
    observed = np.convolve(~missing, weights, mode="valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(observed >= 0.5, sums / observed, np.nan)


def fit_seasonality(
    series: list[np.ndarray], season_length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Components and kind of every series (no season: factors 1, offsets 0).

    Returns
    -------
    components : ndarray of shape (n_series, season_length)
    multiplicative : ndarray of bool of shape (n_series,)
    """
    components = np.zeros((len(series), season_length))
    multiplicative = np.zeros(len(series), dtype=bool)
    for s, values in enumerate(series):
        multiplicative[s] = bool(np.all(values[~np.isnan(values)] > 0))
        if is_seasonal(values, season_length):
            components[s] = seasonal_components(
                values, season_length, multiplicative[s]
            )
        elif multiplicative[s]:
            components[s] = 1.0
    return components, multiplicative
