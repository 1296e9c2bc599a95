"""What a fitted forecaster knows of each series, as one frozen object.

:class:`SeriesState` holds, for every series of the collection (one series is
a collection of one): its label, its recent history (the values with their
season taken out, next to their covariates), its fitted target transform,
its place on the time grid and the scale of its prediction intervals.
``fit`` builds one, ``update`` derives a new one from it and the new rows,
and every reader (``predict``, intervals, dated forecasts) reads the one it
found: the forecaster publishes a new state in one step, so no reader sees a
mix of two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sklstm._forecast_windows import recent_rows
from sklstm._intervals import (
    fit_noise,
    interval_scales,
    noise_centre,
    season_noise,
)
from sklstm._missing_values import (
    fill_forward,
    last_missing_run,
    refuse_empty_series,
    trailing_missing,
)
from sklstm._panel import Panel, joined_labels, label_kind, locate_series, panel_of
from sklstm._plain import python_scalar
from sklstm._series_transforms import (
    LOGARITHMIC_SCALINGS,
    Drift,
    SeasonalAdjustment,
    SeriesScaling,
    TargetTransform,
    fit_target_transform,
)
from sklstm._time_index import TimeGrid
from sklstm._validation import refuse_series_float32_cannot_resolve

#: The label of the series of a forecaster fitted without ``groups``.
SINGLE_SERIES_LABEL = 0


@dataclass(frozen=True)
class SeriesState:
    """Each series' label, recent history, target transform and time grid.

    Attributes
    ----------
    labels : ndarray of shape (n_series,)
        Sorted series labels.
    history : ndarray of shape (n_series, width, 1 + n_covariates)
        The last ``width`` steps of each series (padded at the front by
        repeating its first step, as its windows are): column 0 the value
        with the season and the drift taken out (not scaled), the rest its
        covariates.
    transform : TargetTransform
    grid : TimeGrid or None
    missing : ndarray of bool of shape (n_series, width) or None
        Which values of the history were missing, and hold the last value
        observed before them instead (:mod:`sklstm._missing_values`); None
        when none was.
    interval_scale : ndarray of shape (n_series,) or None
        Each series' factor on the pooled half-width of its intervals
        (:func:`sklstm._intervals.interval_scales`); None: 1 for every
        series (files saved before the scales existed).
    noise_centre : float or None
        The typical noise of the fitted collection
        (:func:`sklstm._intervals.season_noise`), that the scale of a series
        added by ``update`` is relative to (None: there was none).
    missing_run : ndarray of shape (n_series,) or None
        How many of each series' last values are missing, in a row, over
        all that ``fit`` and ``update`` saw of it: the mask holds only the
        last ``width``. None when ``missing`` is None, and in files saved
        before the runs were kept (then counted from the mask).
    noise_lag : int or None
        The steps the noise was measured over (the season's length, 1
        without one). None in files saved when the noise was another
        measure: the centre is then not comparable, and a series added by
        ``update`` gets the pooled width.
    """

    labels: np.ndarray
    history: np.ndarray
    transform: TargetTransform
    grid: TimeGrid | None
    missing: np.ndarray | None = None
    interval_scale: np.ndarray | None = None
    noise_centre: float | None = None
    missing_run: np.ndarray | None = None
    noise_lag: int | None = None

    # ------------------------------------------------------------ locating

    def panel(self, groups, n_rows: int) -> Panel:
        """The rows' series; ``groups=None`` is allowed for a collection of one."""
        if groups is None:
            if len(self.labels) > 1:
                raise ValueError(
                    f"This forecaster knows {len(self.labels)} series (given to "
                    "fit or update with groups): pass groups=, the series label "
                    "of each row of X, to say which series each row belongs to."
                )
            groups = np.repeat(self.labels, n_rows)
        return panel_of(groups, n_rows)

    def locate(self, panel: Panel, needed: int) -> np.ndarray:
        """Each of ``panel.labels``' place among the known series; refuse unknown."""
        where = locate_series(self.labels, panel.labels)
        unseen = panel.labels[where < 0]
        if len(unseen):
            other_type = _other_type(panel.labels, self.labels)
            raise ValueError(
                f"groups holds {len(unseen)} series without a history: "
                f"{pd.Index(unseen[:5]).tolist()}. This forecaster knows the "
                f"series it was fitted on ({_listed(self.labels)}); give the "
                f"history of a new series (at least {needed} value(s)) with "
                f"update(X, y, groups=...) first.{other_type}"
            )
        return where

    # -------------------------------------------------------------- reading

    def scaled_history(self, where: np.ndarray) -> np.ndarray:
        """The recent values of series ``where``, in the units the network sees."""
        values = self.history[where, :, 0]
        return self.transform.scaling.transform(values, where[:, None])

    def recent_covariates(self, where: np.ndarray, lookback: int) -> np.ndarray:
        return self.history[where, -lookback:, 1:]

    def recent_missing(self, where: np.ndarray) -> np.ndarray | None:
        """Which recent values of series ``where`` were missing (None: none)."""
        return None if self.missing is None else self.missing[where]

    def missing_at_end(self, where: np.ndarray) -> np.ndarray:
        """How many of the last values of series ``where`` are missing, in a
        row: its forecasts are that many steps further from its last
        observed value than from its end."""
        if self.missing_run is None:
            return trailing_missing(self.recent_missing(where), len(where))
        return self.missing_run[where].astype(np.intp)

    def interval_scale_of(self, where: np.ndarray) -> np.ndarray:
        """The factor on the pooled half-width of series ``where``."""
        if self.interval_scale is None:
            return np.ones(len(where))
        return self.interval_scale[where]

    # ------------------------------------------------------------- building

    @classmethod
    def from_fit(
        cls,
        y_sorted,
        X_sorted,
        panel: Panel,
        transform,
        width: int,
        grid,
        interval_scale: tuple | None = None,
    ) -> SeriesState:
        """The state at the end of ``fit``: rows grouped by series (``panel``).

        ``interval_scale`` is each series' scale, the noise centre and the
        steps the noise was measured over (:func:`fit_interval_scales`).
        """
        adjusted = transform.adjust(y_sorted, panel.sorted_codes, panel.steps_from_end)
        adjusted, missing = fill_forward(adjusted, panel)
        history = recent_rows(np.column_stack([adjusted, X_sorted]), panel, width)
        recent_missing = run = None
        if missing.any():
            recent_missing = recent_rows(missing, panel, width)
            run = last_missing_run(missing, panel)
        scales, centre, lag = interval_scale or (None, None, None)
        return cls(
            panel.labels,
            history,
            transform,
            grid,
            recent_missing,
            scales,
            centre,
            run,
            lag,
        )

    def updated(
        self, y_sorted, X_sorted, panel: Panel, index, *, numbering: bool = False
    ) -> SeriesState:
        """The state once the new rows (grouped by series) continue it.

        A known series continues its history, its season and its place in
        time, and keeps the interval scale of the fit (the held-out errors
        were measured in it); a new series gets its own transform from its
        rows, and its interval scale from their noise, relative to the noise
        centre of the fit.
        """
        where = locate_series(self.labels, panel.labels)
        new = where < 0
        labels = joined_labels(self.labels, panel.labels[new])
        self._refuse_beyond_logarithms(y_sorted, panel)
        transform = self._continued_transform(y_sorted, panel, where)
        codes = panel.sorted_codes
        # Known series' steps count from their old end, new ones' from theirs.
        steps = panel.position - np.where(new, panel.lengths, 0)[codes]
        placed = np.where(new, len(self.labels) + np.cumsum(new) - 1, where)
        adjusted = transform.adjust(y_sorted, placed[codes], steps)
        rows = np.column_stack([adjusted, X_sorted])
        width = self.history.shape[1]
        history = np.concatenate(
            [self.history, np.empty((new.sum(), *self.history.shape[1:]))]
        )
        missing = np.zeros(history.shape[:2], dtype=bool)
        if self.missing is not None:
            missing[: len(self.labels)] = self.missing
        continued, holes, segments = _continued_rows(
            self.history, missing, rows, panel, np.where(new, -1, where)
        )
        continued[:, 0] = fill_forward(continued[:, 0], segments)[0]
        history[placed] = recent_rows(continued, segments, width)
        missing[placed] = recent_rows(holes, segments, width)
        advance = np.zeros(len(history), dtype=np.intp)
        advance[where[~new]] = panel.lengths[~new]
        transform = transform.advanced(advance)
        grid = (
            None
            if self.grid is None
            else self.grid.continued(index, panel, where, numbering=numbering)
        )
        run = self._continued_runs(y_sorted, panel, placed, new, len(history))
        missing, run = (missing, run) if missing.any() else (None, None)
        scale = self.interval_scale
        if scale is not None and new.any():
            scale = np.concatenate(
                [scale, self._new_interval_scales(y_sorted, panel, transform, placed)]
            )
        return _sorted_state(
            labels,
            history,
            transform,
            grid,
            missing,
            (scale, self.noise_centre, self.noise_lag),
            run,
        )

    def _new_interval_scales(self, y_sorted, panel: Panel, transform, placed):
        """The interval scales of the new series among ``panel``'s (placed
        at ``placed`` once appended), from their own noise relative to the
        fit's centre; 1 when the fit's noise was another measure."""
        new = placed >= len(self.labels)
        if self.noise_lag is None:
            return np.ones(new.sum())
        codes = panel.sorted_codes
        own = new[codes]
        values, sizes = season_units(
            transform.scaling, y_sorted[own], placed[codes][own]
        )
        noise = season_noise(values, codes[own], len(new), self.noise_lag, sizes)
        return interval_scales(noise[new], self.noise_centre)

    def _continued_runs(self, y_sorted, panel: Panel, placed, new, n_series: int):
        """Each series' run of missing values at its end, once the new rows
        (their series at ``placed``, ``new`` ones appended) continue it."""
        runs = np.zeros(n_series, dtype=np.intp)
        runs[: len(self.labels)] = self.missing_at_end(np.arange(len(self.labels)))
        added = last_missing_run(np.isnan(y_sorted), panel)
        # A known series whose new rows are all missing lengthens its run.
        lengthened = (added == panel.lengths) & ~new
        runs[placed] = np.where(lengthened, runs[placed] + added, added)
        return runs

    def _refuse_beyond_logarithms(self, y_sorted, panel: Panel) -> None:
        """Refuse values <= 0 where the fitted scaling takes logarithms.

        A new series is refused by its own scaling; a known one keeps the
        fitted one, whose logarithm of such a value would be NaN and break
        every later forecast of the series.
        """
        scheme = self.transform.scaling.scheme
        not_positive = np.flatnonzero(y_sorted <= 0)  # NaN: a missing value
        if scheme not in LOGARITHMIC_SCALINGS or not len(not_positive):
            return
        series = panel.sorted_codes[not_positive[0]]
        whose = (
            "y"
            if len(self.labels) == 1 == len(panel.labels)
            else f"series {python_scalar(panel.labels[series])!r}"
        )
        value = python_scalar(y_sorted[not_positive[0]])
        raise ValueError(
            f"series_scaling={scheme!r} needs positive series, but the new "
            f"observations of {whose} hold {value!r}, "
            "a value <= 0, whose logarithm does not exist. Give it as missing "
            "(NaN) if it was not observed, or refit with series_scaling='last' "
            "or 'standard'."
        )

    def _continued_transform(self, y_sorted, panel: Panel, where) -> TargetTransform:
        """The transform with the new series' own appended (after the known)."""
        new = np.flatnonzero(where < 0)
        if not len(new):
            return self.transform
        series = np.split(y_sorted, panel.starts[1:])
        refuse_empty_series([series[s] for s in new], panel.labels[new])
        refuse_series_float32_cannot_resolve(
            [series[s] for s in new], panel.labels[new]
        )
        season, drift = self.transform.season, self.transform.drift
        added = fit_target_transform(
            [series[s] for s in new],
            np.cumsum([0, *(panel.lengths[new])])[:-1],
            self.transform.scaling.scheme,
            None if season is None else season.season_length,
            labels=panel.labels[new],
            drift=None if drift is None else drift.min_changes,
        )
        return self.transform.extended(added)

    # ---------------------------------------------------------- persistence

    def to_attributes(self) -> dict:
        """The fitted attributes that store this state."""
        season = self.transform.season
        grid = self.grid
        return {
            "series_": self.labels,
            "_series_history": self.history,
            "_series_scaling": self.transform.scaling.params,
            "_series_season": None
            if season is None
            else np.column_stack([season.multiplicative, season.components]),
            "_series_drift": None
            if self.transform.drift is None
            else self.transform.drift.as_array(),
            "_time_origin": None if grid is None else grid.origin,
            "_time_step": None if grid is None else grid.step,
            "_time_offsets": None if grid is None else grid.offsets,
            "_series_missing": None if self.missing is None else self.missing,
            "_series_interval_scale": self.interval_scale,
            "_interval_noise_centre": self.noise_centre,
            "_interval_noise_lag": self.noise_lag,
            "_series_missing_run": self.missing_run,
        }

    @classmethod
    def from_attributes(cls, fitted: dict, architecture: dict) -> SeriesState:
        """The state that :meth:`to_attributes` stored (``fitted``: a snapshot
        of a fit with the resolved ``architecture``)."""
        season = fitted.get("_series_season")
        if season is not None:
            season = SeasonalAdjustment(season[:, 1:], season[:, 0] > 0)
        grid = None
        if fitted.get("_time_offsets") is not None:
            grid = TimeGrid(
                fitted["_time_origin"], fitted["_time_step"], fitted["_time_offsets"]
            )
        scaling = SeriesScaling(
            architecture["series_scaling"], fitted["_series_scaling"]
        )
        drift = fitted.get("_series_drift")
        if drift is not None:
            drift = Drift.from_array(drift, architecture["horizon"])
        missing = fitted.get("_series_missing")
        run = fitted.get("_series_missing_run")
        return cls(
            fitted["series_"],
            fitted["_series_history"],
            TargetTransform(season, scaling, drift),
            grid,
            None if missing is None else np.asarray(missing) > 0,
            fitted.get("_series_interval_scale"),
            fitted.get("_interval_noise_centre"),
            None if run is None else np.asarray(run),
            fitted.get("_interval_noise_lag"),
        )


def fit_interval_scales(
    scaling, y_sorted: np.ndarray, panel: Panel, season_length, pooled=None
) -> tuple[np.ndarray, float | None, int]:
    """Each series' interval scale from the values a fit saw, the centre
    and ``lag``.

    ``y_sorted`` are the values of the series (NaN where missing), grouped
    by series (``panel``), and ``scaling`` their fitted scaling. Each
    series' noise is measured over ``season_length`` steps (the lag
    returned; 1 when it is None) by :func:`sklstm._intervals.season_noise`,
    in the network's units with the season and the drift left in.
    ``pooled(noise)``, when given, returns the noise of every part of a
    collection fitted in parts (a list of arrays), whose median is the
    centre; None: ``panel`` is the whole collection.
    """
    codes, lag = panel.sorted_codes, season_length or 1
    values, sizes = season_units(scaling, y_sorted, codes)
    noise = season_noise(values, codes, len(panel.labels), lag, sizes)
    centre = _collection_centre(noise, pooled)
    return interval_scales(noise, centre), centre, lag


def season_units(scaling, values: np.ndarray, where: np.ndarray):
    """``values`` of series ``where`` scaled as the network sees them, with
    their season and drift left in, and the size of the numbers each was
    computed from (:func:`sklstm._intervals.season_noise`)."""
    scaled = scaling.transform(values, where)
    params = scaling.params[where]
    return scaled, np.abs(scaled) + np.abs(params[:, 0] / params[:, 1])


def fit_error_scales(sums: np.ndarray, counts: np.ndarray, pooled=None) -> np.ndarray:
    """Each series' factor for how well the networks fit it, shrunk halfway.

    ``sums`` and ``counts`` are each series' summed in-sample errors at each
    step ahead and their number (:func:`sklstm._rollout.in_sample_errors`);
    the fit noise (:func:`sklstm._intervals.fit_noise`) is taken relative
    to the median series' and shrunk halfway to 1, as the one-step noise
    is. ``pooled`` as for :func:`fit_interval_scales`.
    """
    noise = fit_noise(sums, counts, pooled)
    return interval_scales(noise, _collection_centre(noise, pooled))


def _collection_centre(noise: np.ndarray, pooled) -> float | None:
    """The median noise of the whole collection: of ``noise`` alone, or of
    every part's (``pooled``) when it is fitted in parts."""
    return noise_centre(noise if pooled is None else np.concatenate(pooled(noise)))


def _continued_rows(history, missing, rows, panel: Panel, where):
    """Each updated series' rows: its history (when ``where`` finds it, -1
    for a new one) then its new ``rows``, all series one after another.

    Returns the rows, which of their values were missing, and the panel of
    those segments (one per series of ``panel``, in its order).
    """
    old = np.where(where >= 0, history.shape[1], 0)
    lengths = old + panel.lengths
    series = np.repeat(np.arange(len(lengths)), lengths)
    offset = np.arange(len(series)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    kept = offset < old[series]  # a row of the history
    continued = np.empty((len(series), rows.shape[1]))
    holes = np.empty(len(series), dtype=bool)
    earlier = where[series[kept]], offset[kept]
    continued[kept], holes[kept] = history[earlier], missing[earlier]
    added = panel.starts[series[~kept]] + offset[~kept] - old[series[~kept]]
    continued[~kept] = rows[added]
    holes[~kept] = np.isnan(rows[added, 0])
    return continued, holes, panel_of(series, len(series))


def _sorted_state(
    labels,
    history,
    transform: TargetTransform,
    grid,
    missing=None,
    scale=None,
    missing_run=None,
) -> SeriesState:
    """A state whose series are put in the order of their labels.

    ``scale`` is the interval scales, the noise centre and the steps the
    noise was measured over (None: none).
    """
    scales, centre, lag = scale or (None, None, None)
    order = np.argsort(labels, kind="stable")
    if grid is not None:
        grid = TimeGrid(grid.origin, grid.step, grid.offsets[order])
    return SeriesState(
        labels[order],
        history[order],
        transform.reordered(order),
        grid,
        None if missing is None else missing[order],
        None if scales is None else scales[order],
        centre,
        None if missing_run is None else missing_run[order],
        lag,
    )


def check_state(
    state: SeriesState, lookback: int, width: int, n_features: int, drift: bool
) -> None:
    """Refuse a state whose parts do not fit together (a tampered file).

    Every per-series array must have one row per label; labels sorted and
    unique; the history as wide as the windows and the covariates; scales,
    seasons and time offsets finite and sane; drifts present exactly when
    the architecture took them out (``drift``), and small enough that their
    line stays finite over any step a forecast reaches.
    """
    n = len(state.labels)
    season = state.transform.season
    params = state.transform.scaling.params
    problems = []
    if n < 1 or (n > 1 and not np.all(state.labels[1:] > state.labels[:-1])):
        problems.append("the series labels must be sorted and unique")
    if state.history.shape != (n, width, 1 + n_features):
        problems.append(
            f"the recent history has shape {state.history.shape}, where "
            f"{n} series, a window of {width} steps (lookback={lookback}) and "
            f"{n_features} covariate(s) make {(n, width, 1 + n_features)}"
        )
    if params.shape != (n, 2) or not (
        np.isfinite(params).all() and (params[:, 1] > 0).all()
    ):
        problems.append(
            "the scaling must hold a finite location and a positive scale for "
            f"each of {n} series"
        )
    if season is not None and (
        season.components.shape[0] != n
        or len(season.multiplicative) != n
        or not np.isfinite(season.components).all()
        or (season.components[season.multiplicative] <= 0).any()
    ):
        problems.append(
            f"the seasons must hold finite components for each of {n} series"
        )
    problems += _drift_problems(state.transform.drift, drift, n)
    if state.grid is not None:
        offsets = state.grid.offsets
        if offsets.shape != (n,) or not _whole_numbers(offsets):
            problems.append(f"the time offsets must be {n} whole numbers")
    if not np.isfinite(state.history).all():
        problems.append("the recent history must be finite")
    if state.missing is not None and state.missing.shape != (n, width):
        problems.append(
            f"the mask of missing values has shape {state.missing.shape}, where "
            f"the recent history makes {(n, width)}"
        )
    problems += _missing_run_problems(state, width)
    scale = state.interval_scale
    if scale is not None and not (
        scale.shape == (n,) and np.isfinite(scale).all() and (scale > 0).all()
    ):
        problems.append(f"the interval scales must be {n} positive numbers")
    centre = state.noise_centre
    if centre is not None and not (np.isfinite(centre) and centre > 0):
        problems.append("the noise centre must be a positive number")
    if problems:
        raise ValueError("; ".join(problems))


def _missing_run_problems(state: SeriesState, width: int) -> list[str]:
    """What does not fit in the runs of missing values at the series' ends:
    whole numbers, none without a mask, and each as long as its mask shows
    (the mask's count, or more once it is all missing)."""
    run, n = state.missing_run, len(state.labels)
    if run is None:
        return []
    if state.missing is None:
        return ["the file counts missing values at the series' ends but has no mask"]
    if state.missing.shape != (n, width):
        return []  # reported with the mask
    if run.shape != (n,) or not _whole_numbers(run) or (run < 0).any():
        return [f"the runs of missing values must be {n} whole numbers >= 0"]
    shown = trailing_missing(state.missing, n)
    if (np.minimum(run, width) != shown).any():
        return ["the runs of missing values disagree with the mask"]
    return []


def _drift_problems(line, drift: bool, n: int) -> list[str]:
    """What does not fit in the drifts of ``n`` series (``line``, or None),
    where the architecture says ``drift``."""
    if (line is not None) != drift:
        held = "holds" if line is not None else "holds no"
        return [f"the architecture says drift={drift}, but the file {held} drifts"]
    if line is not None and not (
        line.slopes.shape == line.offsets.shape == (n,)
        and np.isfinite(line.slopes * _MAX_STEPS).all()
        and _whole_numbers(line.offsets)
    ):
        return [
            f"the drifts must hold a finite slope (times {_MAX_STEPS:.0e} "
            f"steps) and a whole number of steps for each of {n} series"
        ]
    return []


#: The most steps a time offset may count: far beyond any real series.
_MAX_STEPS = 2.0**40


def _whole_numbers(values: np.ndarray) -> bool:
    """Whether ``values`` are finite whole numbers of a sane size (steps)."""
    return bool(
        np.isfinite(values).all()
        and (values == np.round(values)).all()
        and (np.abs(values) < _MAX_STEPS).all()
    )


def _other_type(given: np.ndarray, known: np.ndarray) -> str:
    """A hint when dates were fitted as one type and given as another
    (NumPy datetime64 against pandas Timestamps in an object array), or
    bools beside numbers, which no given label can then equal; "" otherwise."""
    if {label_kind(given), label_kind(known)} == {"bool", "number"}:
        return (
            f" The labels were given as {label_kind(given)}s and the series were "
            f"fitted with {label_kind(known)} labels: bools and numbers are kinds "
            "apart (True is not series 1). Give groups of the fitted kind."
        )
    kinds = {given.dtype.kind, known.dtype.kind}
    if "M" not in kinds or len(kinds) == 1:
        return ""
    return (
        f" The labels were given as {given.dtype} and the series were fitted "
        f"with {known.dtype} labels: give groups of the fitted type."
    )


def _listed(labels: np.ndarray) -> str:
    # Through pandas: dates show as dates (NumPy's .item() of a datetime64
    # in nanoseconds is an integer), NumPy scalars as Python ones.
    shown = ", ".join(repr(label) for label in pd.Index(labels[:5]).tolist())
    return shown + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")


__all__ = [
    "SINGLE_SERIES_LABEL",
    "SeriesState",
    "check_state",
    "fit_error_scales",
    "fit_interval_scales",
    "pd",
]
