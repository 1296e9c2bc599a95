"""Fitted per-series transforms of a forecaster's target, each with its inverse.

Before the network learns from a collection of series, each series' season is
taken out (:class:`SeasonalAdjustment`), then its drift (:class:`Drift`, when
asked for), and the adjusted values are scaled (:class:`SeriesScaling`), so
that series of very different sizes, levels and trends look alike to the one
network. Each is a fitted object with ``transform`` and
``inverse_transform``, as scikit-learn's ``TransformedTargetRegressor`` fits
its transformer; :class:`TargetTransform` chains them and checks once, at
fit, that its inverse undoes it. One series is a collection of one: with
``series_scaling='none'`` and no season, the chain is the identity.

Every array argument named ``where`` is per value: the series (an index into
the fitted per-series parameters) that the value belongs to. ``steps`` counts
each value's step from the step after the end of its series' history: the
first forecast step is 0, the last observed value is -1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sklstm._plain import python_scalar
from sklstm._scaling import differ_by_rounding
from sklstm._seasonality import fit_seasonality, is_seasonal

#: The per-series scalings of ``series_scaling``.
SERIES_SCALINGS = ("last", "log_last", "standard", "mean", "log", "none")
#: Those whose windows are relative to their last value: the network reads
#: the steps between the values of a window, never their level.
RELATIVE_SCALINGS = ("last", "log_last")
#: What the relative ones scale the values by before taking the steps.
_LEVEL_SCALING = {"last": "standard", "log_last": "log"}
#: The scalings that take logarithms: positive series only.
LOGARITHMIC_SCALINGS = ("log", "log_last")


def _grouped_mean(values: np.ndarray, starts: np.ndarray, lengths) -> np.ndarray:
    """The mean of every series, to the rounding of its level.

    The sums of a first pass are corrected by the mean deviation from them (a
    second pass), so the rounding a long sum gathers does not stay in the
    mean, nor in the deviations from it.
    """
    mean = np.add.reduceat(values, starts) / lengths
    deviations = values - np.repeat(mean, lengths)
    return mean + np.add.reduceat(deviations, starts) / lengths


@dataclass(frozen=True)
class SeriesScaling:
    """Each series' location and scale: the network sees ``(f(y) - loc) / scale``.

    ``f`` is the logarithm for the logarithmic schemes, else the identity.

    Attributes
    ----------
    scheme : str
        One of ``SERIES_SCALINGS``.
    params : ndarray of shape (n_series, 2)
        Column 0 the location, column 1 the scale.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._series_transforms import SeriesScaling
    >>> scaling = SeriesScaling.fit(np.array([1.0, 3, 10, 30]), [0, 2], "mean")
    >>> scaling.params.tolist()
    [[0.0, 2.0], [0.0, 20.0]]
    >>> scaling.transform(np.array([4.0, 40.0]), np.array([0, 1])).tolist()
    [2.0, 2.0]
    """

    scheme: str
    params: np.ndarray

    @classmethod
    def fit(
        cls, values: np.ndarray, starts, scheme: str, labels=None, constant_scale=None
    ) -> SeriesScaling:
        """Fit on ``values`` grouped by series, series *s* from ``starts[s]``.

        ``labels`` name the series in an error message. A series whose values
        are one value to their rounding is scaled by ``constant_scale[s]``
        (None: by its level).

        The spread is computed around each series' mean (two passes), so a
        series at a level of 1e12 gets the scale of its variations, not the
        rounding error of its squares.
        """
        starts = np.asarray(starts, dtype=np.intp)
        lengths = np.diff(np.r_[starts, len(values)])
        level_scheme = _LEVEL_SCALING.get(scheme, scheme)
        if level_scheme == "log" and not np.all(values > 0):
            first = np.searchsorted(starts, np.flatnonzero(~(values > 0))[0], "right")
            named = (
                "a series" if labels is None else repr(python_scalar(labels[first - 1]))
            )
            raise ValueError(
                f"series_scaling={scheme!r} needs positive series, but the series "
                f"{named} has a value <= 0. Use series_scaling='last' or "
                "'standard', or shift the series."
            )
        logged = np.log(values) if level_scheme == "log" else values
        params = np.zeros((len(starts), 2))
        params[:, 1] = 1.0
        if level_scheme in ("standard", "log"):
            mean = _grouped_mean(logged, starts, lengths)
            params[:, 0] = mean
        if level_scheme == "standard":
            # Squares of the deviations, not E[x²] - E[x]²: at a level of 1e12
            # the difference of two squares of 1e24 cancels every digit of a
            # spread of 100, and the series would be scaled by its level.
            centred = logged - np.repeat(mean, lengths)
            std = np.sqrt(np.add.reduceat(centred**2, starts) / lengths)
            constant = differ_by_rounding(
                np.minimum.reduceat(logged, starts),
                np.maximum.reduceat(logged, starts),
                mean,
            )
            if constant_scale is None:
                constant_scale = np.maximum(np.abs(mean), 1.0)
            params[:, 1] = np.where(constant, constant_scale, std)
        elif level_scheme == "mean":
            level = _grouped_mean(np.abs(logged), starts, lengths)
            params[:, 1] = np.where(level > 0, level, 1.0)
        return cls(scheme, params)

    def transform(self, values: np.ndarray, where: np.ndarray) -> np.ndarray:
        logged = np.log(values) if self.scheme in LOGARITHMIC_SCALINGS else values
        params = self.params[where]
        return (logged - params[..., 0]) / params[..., 1]

    def inverse_transform(self, values: np.ndarray, where: np.ndarray) -> np.ndarray:
        params = self.params[where]
        levels = values * params[..., 1] + params[..., 0]
        return np.exp(levels) if self.scheme in LOGARITHMIC_SCALINGS else levels


@dataclass(frozen=True)
class SeasonalAdjustment:
    """Each series' season by classical decomposition, taken out and put back.

    Attributes
    ----------
    components : ndarray of shape (n_series, season_length)
        Column *k* belongs to the steps ``k, k + m, ...`` after the end of
        the history (and ``k - m, ...`` before it): factors (mean 1) for a
        multiplicative season, offsets (mean 0) for an additive one; factors
        of 1 or offsets of 0 for a series without a season.
    multiplicative : ndarray of bool of shape (n_series,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._series_transforms import SeasonalAdjustment
    >>> series = np.tile([1.0, 3.0], 12) + 10
    >>> season = SeasonalAdjustment.fit([series], 2)
    >>> season.components.round(2).tolist()
    [[0.92, 1.08]]
    >>> steps = np.arange(-4, 0)
    >>> season.transform(series[-4:], np.zeros(4, int), steps).round(2).tolist()
    [12.0, 12.0, 12.0, 12.0]
    """

    components: np.ndarray
    multiplicative: np.ndarray

    @property
    def season_length(self) -> int:
        return self.components.shape[1]

    @classmethod
    def fit(cls, series: list[np.ndarray], season_length: int) -> SeasonalAdjustment:
        """Fit on each of ``series`` (the 90 % test decides which have one)."""
        components, multiplicative = fit_seasonality(series, season_length)
        return cls(components, multiplicative)

    def _season(self, where: np.ndarray, steps: np.ndarray) -> np.ndarray:
        columns = np.asarray(steps) % self.season_length
        return self.components[where, columns]

    def transform(self, values, where, steps) -> np.ndarray:
        season = self._season(where, steps)
        # Divided only where multiplicative: an additive season may hold 0.
        return np.divide(
            values, season, out=values - season, where=self.multiplicative[where]
        )

    def inverse_transform(self, values, where, steps) -> np.ndarray:
        season = self._season(where, steps)
        return np.where(self.multiplicative[where], values * season, values + season)

    def advanced(self, n_steps: np.ndarray) -> SeasonalAdjustment:
        """The same seasons, each series' end moved ``n_steps[s]`` steps on."""
        columns = (np.arange(self.season_length) + np.asarray(n_steps)[:, None]) % (
            self.season_length
        )
        return SeasonalAdjustment(
            np.take_along_axis(self.components, columns, axis=1), self.multiplicative
        )


@dataclass(frozen=True)
class Drift:
    """Each series' drift, taken out as a straight line and put back.

    The drift of a series is its mean step: from its first observed value
    to its last, divided by the steps between them, the slope the random
    walk with drift continues. It is estimated only from at least
    ``min_changes`` changes between observed values (the horizon: a slope
    from ``n`` noisy steps, continued ``h`` steps ahead, errs by about
    ``h / sqrt(n)`` steps' noise, more than the ``sqrt(h)`` of the random
    walk itself when ``n < h``); a shorter series' drift is 0. The line
    ``slopes * (steps + offsets)`` is taken out of the values.

    Attributes
    ----------
    slopes : ndarray of shape (n_series,)
        Each series' drift per step, in the units of its adjusted values.
    offsets : ndarray of shape (n_series,)
        The steps each series' end has moved on since its drift was
        fitted (by ``update``), so that its line stays where it was.
    min_changes : int
        The fewest changes between observed values a drift is estimated
        from, for the series fitted later (by ``update``) too.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._series_transforms import Drift
    >>> values = np.array([1.0, 3.0, 5.0, np.nan, 9.0, 5.0, 4.0])
    >>> codes, steps = np.repeat([0, 1], [5, 2]), np.r_[-5:0, -2:0]
    >>> drift = Drift.fit(values, codes, steps, 2, min_changes=2)
    >>> drift.slopes.tolist()  # the second series has one change: too few
    [2.0, 0.0]
    >>> drift.transform(values[:5], codes[:5], steps[:5]).tolist()
    [11.0, 11.0, 11.0, nan, 11.0]
    """

    slopes: np.ndarray
    offsets: np.ndarray
    min_changes: int = 1

    @classmethod
    def fit(cls, values, codes, steps, n_series: int, min_changes: int) -> Drift:
        """Fit on ``values`` (NaN where missing) of series ``codes``, in time
        order within each series, at ``steps`` from its end."""
        observed = ~np.isnan(values)
        values, codes, steps = values[observed], codes[observed], steps[observed]
        # The changes between two observed values of a series.
        within = codes[1:] == codes[:-1]
        owner = codes[1:][within]
        count = np.bincount(owner, minlength=n_series)
        rise = np.bincount(owner, np.diff(values)[within], minlength=n_series)
        span = np.bincount(owner, np.diff(steps)[within], minlength=n_series)
        slopes = np.divide(rise, span, out=np.zeros(n_series), where=span > 0)
        shown = count >= max(min_changes, 1)
        return cls(np.where(shown, slopes, 0.0), np.zeros(n_series), min_changes)

    def line(self, where, steps) -> np.ndarray:
        return self.slopes[where] * (steps + self.offsets[where])

    def transform(self, values, where, steps) -> np.ndarray:
        return values - self.line(where, steps)

    def inverse_transform(self, values, where, steps) -> np.ndarray:
        return values + self.line(where, steps)

    def advanced(self, n_steps: np.ndarray) -> Drift:
        """The same lines, each series' end moved ``n_steps[s]`` steps on."""
        return replace(self, offsets=self.offsets + np.asarray(n_steps))

    def as_array(self) -> np.ndarray:
        return np.column_stack([self.slopes, self.offsets])

    @classmethod
    def from_array(cls, array: np.ndarray, min_changes: int) -> Drift:
        """The drifts :meth:`as_array` laid out: a slope and an offset per row."""
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(
                f"the drifts must hold two columns (slope, offset); got shape "
                f"{array.shape}"
            )
        return cls(array[:, 0], array[:, 1], min_changes)


@dataclass(frozen=True)
class TargetTransform:
    """The season taken out (if any), then the drift (if any), then the
    series scaled: one chain.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._series_transforms import SeriesScaling, TargetTransform
    >>> chain = TargetTransform(None, SeriesScaling("none", np.array([[0.0, 1.0]])))
    >>> values, where = np.array([5.0, 6.0]), np.zeros(2, int)
    >>> chain.transform(values, where, np.array([-2, -1])).tolist()
    [5.0, 6.0]
    """

    season: SeasonalAdjustment | None
    scaling: SeriesScaling
    drift: Drift | None = None

    def adjust(self, values, where, steps) -> np.ndarray:
        """The season and the drift taken out: the values a forecast's history
        holds."""
        if self.season is not None:
            values = self.season.transform(values, where, steps)
        if self.drift is not None:
            values = self.drift.transform(values, where, steps)
        return values

    def transform(self, values, where, steps) -> np.ndarray:
        return self.scaling.transform(self.adjust(values, where, steps), where)

    def inverse_transform(self, values, where, steps) -> np.ndarray:
        levels = self.scaling.inverse_transform(values, where)
        if self.drift is not None:
            levels = self.drift.inverse_transform(levels, where, steps)
        if self.season is None:
            return levels
        return self.season.inverse_transform(levels, where, steps)

    def drift_steps(self, where: np.ndarray) -> tuple[np.ndarray, int] | None:
        """What backtests of series ``where`` need of their drifts: their
        :meth:`unmoved_steps` and the fewest changes a drift is estimated
        from (None without drifts)."""
        if self.drift is None:
            return None
        return self.unmoved_steps(where), self.drift.min_changes

    def unmoved_steps(self, where: np.ndarray) -> np.ndarray:
        """The step of series ``where``, in the units the network sees, when
        its values do not move: its drift taken out of a constant (0 without
        drifts)."""
        if self.drift is None:
            return np.zeros(len(where))
        return -self.drift.slopes[where] / self.scaling.params[where, 1]

    def advanced(self, n_steps: np.ndarray) -> TargetTransform:
        """The same transform, each series' end moved ``n_steps[s]`` steps on."""
        return TargetTransform(
            None if self.season is None else self.season.advanced(n_steps),
            self.scaling,
            None if self.drift is None else self.drift.advanced(n_steps),
        )

    def reordered(self, order: np.ndarray) -> TargetTransform:
        """The transform of the series ``order`` (an index array), in that order."""
        season, drift = self.season, self.drift
        return TargetTransform(
            None
            if season is None
            else SeasonalAdjustment(
                season.components[order], season.multiplicative[order]
            ),
            SeriesScaling(self.scaling.scheme, self.scaling.params[order]),
            None
            if drift is None
            else replace(
                drift, slopes=drift.slopes[order], offsets=drift.offsets[order]
            ),
        )

    def extended(self, added: TargetTransform) -> TargetTransform:
        """This transform's series followed by those of ``added``."""
        season, drift = self.season, self.drift
        if season is not None:
            season = SeasonalAdjustment(
                np.concatenate([season.components, added.season.components]),
                np.concatenate([season.multiplicative, added.season.multiplicative]),
            )
        if drift is not None:
            drift = replace(
                drift,
                slopes=np.concatenate([drift.slopes, added.drift.slopes]),
                offsets=np.concatenate([drift.offsets, added.drift.offsets]),
            )
        scaling = SeriesScaling(
            self.scaling.scheme,
            np.concatenate([self.scaling.params, added.scaling.params]),
        )
        return TargetTransform(season, scaling, drift)

    def check_inverse(self, values, where, steps) -> None:
        """Refuse a chain whose inverse does not undo it on ``values``."""
        sample = slice(None, None, max(len(values) // 100, 1))
        values, where, steps = values[sample], where[sample], steps[sample]
        restored = self.inverse_transform(
            self.transform(values, where, steps), where, steps
        )
        if not np.allclose(
            restored, values, rtol=1e-6, atol=1e-9 * np.abs(values).max()
        ):
            raise ValueError(
                "The per-series scaling and seasonal adjustment of y cannot be "
                "undone to float precision on this data (values too far apart "
                "in size within a series?). Use series_scaling='standard' or "
                "season_length=None, or rescale y."
            )


def fit_target_transform(
    series: list[np.ndarray],
    starts: np.ndarray,
    scheme: str,
    season_length: int | None,
    labels=None,
    drift: int | None = None,
) -> TargetTransform:
    """Fit the season of each series (if ``season_length``), its drift (if
    ``drift``), then its scaling.

    Parameters
    ----------
    series : list of ndarray
        Each series' values, in time order; NaN where missing (each series
        needs an observed value).
    starts : ndarray of shape (n_series,)
        Where each series starts in their concatenation.
    scheme : str
        The resolved ``series_scaling``.
    season_length : int or None
        The resolved season length; None: no seasonal adjustment.
    labels : ndarray of shape (n_series,), default=None
        The series' labels, to name one in an error message.
    drift : int or None, default=None
        Take each series' drift out (:class:`Drift`), estimated from at
        least this many changes (the horizon); None: no drift.
    """
    values = np.concatenate(series)
    lengths = np.array([len(s) for s in series])
    codes = np.repeat(np.arange(len(series)), lengths)
    steps = np.arange(len(values)) - (starts + lengths)[codes]
    season = None
    if season_length is not None:
        season = SeasonalAdjustment.fit(series, season_length)
        values = season.transform(values, codes, steps)
    # Missing values (NaN) are left out of the statistics.
    observed = ~np.isnan(values)
    counts = np.bincount(codes[observed], minlength=len(series))
    starts_observed = np.cumsum(counts) - counts
    trend, constant_scale = None, None
    if drift is not None:
        trend = Drift.fit(values, codes, steps, len(series), drift)
        # A straight line is constant once its drift is out: it keeps the
        # scale of its values, not its level (intervals half its level wide).
        constant_scale = SeriesScaling.fit(
            values[observed], starts_observed, scheme, labels
        ).params[:, 1]
        values = trend.transform(values, codes, steps)
    scaling = SeriesScaling.fit(
        values[observed], starts_observed, scheme, labels, constant_scale
    )
    transform = TargetTransform(season, scaling, trend)
    transform.check_inverse(
        np.concatenate(series)[observed], codes[observed], steps[observed]
    )
    return transform


__all__ = [
    "LOGARITHMIC_SCALINGS",
    "RELATIVE_SCALINGS",
    "SERIES_SCALINGS",
    "Drift",
    "SeasonalAdjustment",
    "SeriesScaling",
    "TargetTransform",
    "fit_target_transform",
    "is_seasonal",
]
