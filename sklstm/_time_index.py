"""Time indexes of pandas input: where each series ends, and what comes next.

A forecaster fitted on a pandas Series or DataFrame whose index holds each
row's time labels its forecasts with the steps that follow. Every series of
a collection (one series is a collection of one) lies on one regular grid: a
``DatetimeIndex`` or ``PeriodIndex`` with one frequency, or integers with one
step. :class:`TimeGrid` records where each series ends on that grid; ``fit``
builds it, ``update`` checks that new rows continue it, and forecasts are
dated from it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sklstm._panel import Panel, locate_series, panel_of
from sklstm._plain import python_scalar


def time_index(X, y) -> pd.Index | None:
    """The index of ``y`` if it is a pandas Series, else of a DataFrame ``X``.

    When both are dated (a ``DatetimeIndex`` or ``PeriodIndex``), their
    dates must be the same: rows are matched by position, so covariates
    dated elsewhere would be read as those of other steps.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm._time_index import time_index
    >>> time_index(np.zeros((3, 0)), pd.Series([1.0, 2.0], index=[5, 6])).tolist()
    [5, 6]
    >>> time_index(np.zeros((3, 0)), np.zeros(3)) is None
    True
    """
    dated = [
        data.index
        for data in (y, X)
        if isinstance(data, (pd.Series, pd.DataFrame))
        and isinstance(data.index, (pd.DatetimeIndex, pd.PeriodIndex))
    ]
    if len(dated) == 2 and not dated[0].equals(dated[1]):
        y_dates, X_dates = dated
        raise ValueError(
            f"y and X are dated differently: y's {len(y_dates)} rows run from "
            f"{y_dates[0]} to {y_dates[-1]}, X's {len(X_dates)} from "
            f"{X_dates[0]} to {X_dates[-1]}. Each row of X holds the covariates "
            "of the same row of y: give X the rows of y's dates (for example "
            "X.reindex(y.index)), or pass X as an array."
        )
    for data in (y, X):
        if isinstance(data, (pd.Series, pd.DataFrame)):
            _refuse_dates_of_several_kinds(data.index)
            return data.index
    return None


def _refuse_dates_of_several_kinds(index: pd.Index) -> None:
    """Refuse an index of dates that pandas could only hold as objects.

    Series dated by periods of different frequencies, or by timestamps of
    different time zones, stack into such an index; read as no dates at all,
    a gap in one of them would be closed silently.
    """
    if index.dtype != object or not len(index):
        return
    inferred = pd.api.types.infer_dtype(index, skipna=True)
    if inferred not in ("datetime", "date", "period", "mixed"):
        return
    kinds = {kind_of_dates(value) or type(value).__name__ for value in index}
    if len(kinds) < 2 or not any(
        kind.startswith(("periods", "timestamps")) for kind in kinds
    ):
        return
    raise ValueError(
        "The time index holds dates of several kinds "
        f"({'; '.join(sorted(kinds)[:3])}), which pandas keeps as plain objects: "
        "the series' steps could not be told. Date every series alike, on one "
        "frequency and in one time zone (for example with asfreq(), "
        "to_timestamp() or tz_convert()), or pass plain arrays to forecast "
        "without dates."
    )


@dataclass(frozen=True)
class TimeGrid:
    """Where each series ends on the regular grid the series share.

    Series *s* ends at ``origin + offsets[s] * step``.

    Attributes
    ----------
    origin : pandas.Timestamp, pandas.Period or int
    step : pandas.DateOffset or int
    offsets : ndarray of shape (n_series,)
        Whole numbers of steps, as floats (a file stores them so).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._panel import panel_of
    >>> from sklstm._time_index import time_grid
    >>> months = ["2024-01", "2024-02", "2024-01", "2024-02", "2024-03"]
    >>> index = pd.DatetimeIndex(months)
    >>> grid = time_grid(index, panel_of(["a", "a", "b", "b", "b"], 5))
    >>> grid.offsets.tolist(), grid.step.freqstr
    ([0.0, 1.0], 'MS')
    >>> [str(day.date()) for day in grid.dates([0, 1], [0, 0])]
    ['2024-03-01', '2024-04-01']
    """

    origin: object
    step: object
    offsets: np.ndarray

    def dates(self, where, steps) -> pd.Index:
        """The time of step ``steps`` (from 0) after the end of series ``where``."""
        ahead = self.offsets[np.asarray(where, dtype=np.intp)] + 1 + np.asarray(steps)
        ahead = ahead.astype(np.int64)
        if isinstance(self.origin, (pd.Timestamp, pd.Period)):
            unique, inverse = np.unique(ahead, return_inverse=True)
            labels = [self._time_at(k) for k in unique]
            return pd.Index(labels)[inverse.ravel()]
        return pd.Index(self.origin + ahead * self.step)

    def continued(
        self, index, panel: Panel, where: np.ndarray, *, numbering: bool = False
    ) -> TimeGrid | None:
        """The grid after ``update``: its rows (``index``) continue each series.

        ``where`` is each of ``panel.labels``' place among the known series
        (-1 for a new one, which is placed on the grid by its own index).
        The returned offsets are those of the known series followed by those
        of the new ones, in the order of ``panel.labels[where < 0]``. With
        ``numbering`` (an integer index of its own, which may number rows of
        a table rather than times), a known series goes on by its new rows'
        count, whatever they are numbered.
        """
        new = where < 0
        offsets = self.offsets.copy()
        offsets[where[~new]] += panel.lengths[~new]
        if index is None or len(index) != len(panel.codes):
            if new.any():
                # Its place in time would not be known: dropping the grid
                # would leave every series undated, its gaps unchecked.
                named = [python_scalar(label) for label in panel.labels[new][:5]]
                raise ValueError(
                    f"The series {named} are new, but their rows are not dated, "
                    "while the series seen so far are: give their rows dates (y "
                    "as a pandas Series on a DatetimeIndex or PeriodIndex, or "
                    "the long format), so they take their place on the time grid."
                )
            return TimeGrid(self.origin, self.step, offsets)
        starts, ends = _series_bounds(index, panel)
        if not numbering:
            self._check_continued(starts, panel, where)
            _check_regular(index, panel, self.step)
        added = [self._offset_of(ends[s], panel.labels[s]) for s in np.flatnonzero(new)]
        added = np.asarray(added, dtype=np.float64)
        return TimeGrid(self.origin, self.step, np.concatenate([offsets, added]))

    def _check_continued(self, starts, panel: Panel, where: np.ndarray) -> None:
        """Refuse known series whose new rows do not start at their next step.

        Steps skipped after a series' end were filled as missing values
        before (:func:`with_missing_steps`): a later start is off the grid.
        """
        for s in np.flatnonzero(where >= 0):
            end = self._time_at(self.offsets[where[s]])
            expected = self._time_at(self.offsets[where[s]] + 1)
            if starts[s] == expected:
                continue
            opening = (
                "The new observations of series "
                f"{python_scalar(panel.labels[s])!r} start at {starts[s]}, "
            )
            if starts[s] < expected:
                raise ValueError(
                    f"{opening}but the series seen so far ends at {end}: they "
                    f"must start at {expected}. Drop the rows already seen."
                )
            raise ValueError(
                f"{opening}which is not a step of the series' grid ({end}, "
                f"{expected}, {self._time_at(self.offsets[where[s]] + 2)}, ...): "
                "date them on it. Steps skipped after the end are read as "
                "missing values."
            )

    def _time_at(self, offset: float):
        origin, steps = self.origin, int(offset)
        if isinstance(origin, pd.Timestamp) and _counts_local_days(origin, self.step):
            # Days of local time, as date_range counts them: adding 24 hours
            # would put every day after a change of daylight saving at 01:00.
            local = pd.DatetimeIndex([origin.tz_localize(None) + steps * self.step])
            return _in_local_time(local, origin.tz)[0]
        return origin + steps * self.step

    def _offset_of(self, end, label) -> float:
        if isinstance(self.origin, pd.Timestamp):
            span = local_date_range(
                min(self.origin, end), max(self.origin, end), self.step
            )
            if (
                not len(span)
                or span[0] != min(self.origin, end)
                or span[-1] != max(self.origin, end)
            ):
                raise ValueError(
                    f"The series {python_scalar(label)!r} ends at {end}, which is "
                    "not on the "
                    f"time grid of the other series (every {self.step.freqstr} from "
                    f"{self.origin}). Give it dates on that grid."
                )
            return float((len(span) - 1) * (1 if end >= self.origin else -1))
        if isinstance(self.origin, pd.Period):
            return float((end - self.origin).n)
        distance = end - self.origin
        if distance % self.step:
            raise ValueError(
                f"The series {python_scalar(label)!r} ends at {end}, which is not "
                "on the "
                f"grid of the other series (every {self.step} from {self.origin})."
            )
        return float(distance // self.step)


#: What :func:`steps_inside_periods` gives a period that holds several
#: steps of the grid (a quarter of a monthly grid): it names no one step.
SEVERAL_STEPS = -2


def steps_inside_periods(ends: pd.Index, periods: pd.PeriodIndex, step) -> np.ndarray:
    """The step of a grid of timestamps that lies inside each period, counted
    from the step after its series' end (``ends``); -1 where none does, or
    only the end does, ``SEVERAL_STEPS`` where more than one does (the end
    included: a quarter that holds the last month observed and the next)."""
    steps = np.full(len(periods), -1, dtype=np.int64)
    for end in ends.unique():
        rows = np.flatnonzero(ends == end)
        last = periods[rows].max().end_time
        if last <= end:
            continue
        inside = local_date_range(end, last, step).to_period(periods.freq).asi8
        asked = periods[rows].asi8
        left = np.searchsorted(inside, asked, side="left")
        count = np.searchsorted(inside, asked, side="right") - left
        found = np.where((count == 1) & (left >= 1), left - 1, -1)
        steps[rows] = np.where(count > 1, SEVERAL_STEPS, found)
    return steps


def local_date_range(start, end, step, *, periods=None) -> pd.DatetimeIndex:
    """``pd.date_range``; where a time zone has no such local time (a day
    that starts at 01:00, or twice), the local times the grid counts."""
    try:
        return pd.date_range(start, end, periods=periods, freq=step)
    except Exception:  # pytz's NonExistentTimeError and AmbiguousTimeError
        pass
    tz = getattr(start, "tz", None)
    if tz is None:
        return pd.DatetimeIndex([])
    local = pd.date_range(
        start.tz_localize(None),
        None if end is None else end.tz_localize(None),
        periods=periods,
        freq=step,
    )
    try:
        return _in_local_time(local, tz)
    except Exception:
        return pd.DatetimeIndex([], tz=tz)


def _in_local_time(local: pd.DatetimeIndex, tz) -> pd.DatetimeIndex:
    """Wall-clock times in the time zone ``tz``, as the grid counts days: a
    time the day skips moves on to the next that exists (01:00 on a day
    that starts then), a time it holds twice is the first."""
    return local.tz_localize(
        tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
    )


def _counts_local_days(time, step) -> bool:
    """Whether a grid of ``step`` through ``time`` counts days of local time:
    a step of days or longer (not hours) in a time zone."""
    calendar = isinstance(step, pd.offsets.Day) or not isinstance(step, pd.offsets.Tick)
    return getattr(time, "tz", None) is not None and calendar


def _wall_clock(dates: pd.DatetimeIndex, step) -> pd.DatetimeIndex:
    """The local times ``dates`` stand for on a grid of ``step``: their wall
    clock, where a day a time zone starts late (its midnight does not exist,
    so pandas shifts it to 01:00) is put back at the time of day of the
    other dates. Without a time zone, or on a grid of hours, ``dates``."""
    if not _counts_local_days(dates, step) or len(dates) < 2:
        return dates
    wall = dates.tz_localize(None)
    # A time the clocks jumped to: the instant before it reads an hour less.
    before = (dates - pd.Timedelta(1, "ns")).tz_localize(None)
    jumped = np.asarray(before != wall - pd.Timedelta(1, "ns"))
    if not jumped.any() or jumped.all():
        return wall
    time_of_day = (wall - wall.normalize())[~jumped]
    phase = pd.Series(time_of_day).mode().iloc[0]
    intended = wall.normalize() + phase
    shifted = jumped & np.asarray(_in_local_time(intended, dates.tz) == dates)
    return pd.DatetimeIndex(np.where(shifted, intended, wall))


def _unshifted(time: pd.Timestamp, dates: pd.DatetimeIndex, step) -> pd.Timestamp:
    """``time`` (one of ``dates``), or the step before it when it is a day
    that starts late (:func:`_wall_clock`): a grid counted from it would put
    every later day at 01:00."""
    if not _counts_local_days(time, step):
        return time
    wall = _wall_clock(dates, step)
    at = wall[np.flatnonzero(dates == time)[0]]
    if at == time.tz_localize(None):
        return time
    return _in_local_time(pd.DatetimeIndex([at - step]), time.tz)[0]


def steps_between(first: pd.Index, dates: pd.Index, step) -> np.ndarray:
    """How many steps of the grid each of ``dates`` lies after ``first``
    (the same row's); -1 where it lies before, or off the grid."""
    steps = np.full(len(dates), -1, dtype=np.int64)
    if isinstance(dates, pd.PeriodIndex) or not isinstance(dates, pd.DatetimeIndex):
        if isinstance(dates, pd.PeriodIndex):
            apart, size = dates.asi8 - first.asi8, getattr(step, "n", 1)
        else:  # integer times
            apart, size = np.asarray(dates) - np.asarray(first), int(step)
        on_grid = (apart >= 0) & (apart % size == 0)
        steps[on_grid] = apart[on_grid] // size
        return steps
    for start in first.unique():
        rows = np.flatnonzero(first == start)
        last = dates[rows].max()
        if last < start:
            continue
        span = local_date_range(start, last, step)
        steps[rows] = span.get_indexer(dates[rows]) if len(span) else -1
    return steps


def _series_bounds(index: pd.Index, panel: Panel) -> tuple[list, list]:
    """The first and last time label of every series of ``panel``."""
    first = index[panel.order[panel.starts]]
    last = index[panel.order[panel.starts + panel.lengths - 1]]
    return list(first), list(last)


def _datetime_step(index: pd.Index, panel: Panel):
    """The frequency of a DatetimeIndex: its own, else the one its series'
    dates imply (:func:`_gapped_step`)."""
    if index.freq is not None:
        return index.freq
    return _gapped_step(index, panel)


def _check_regular(index: pd.Index, panel: Panel, step) -> None:
    """Refuse a series whose dates leave a gap, repeat, or follow another step."""
    if _on_one_regular_grid(index, panel, step):
        return  # the common case, checked at once; else series by series
    for s, (start, length) in enumerate(zip(panel.starts, panel.lengths, strict=True)):
        dates = index[panel.order[start : start + length]]
        if isinstance(index, pd.PeriodIndex):
            expected = pd.period_range(dates[0], periods=length, freq=index.freq)
        elif isinstance(index, pd.DatetimeIndex):
            wall = _wall_clock(dates, step)
            steps = pd.date_range(wall[0], periods=length, freq=step)
            if wall.equals(steps):
                continue
            expected = local_date_range(dates[0], None, step, periods=length)
        else:  # integer steps, continued by update
            expected = pd.Index(dates[0] + step * np.arange(length))
        if not dates.equals(expected):
            wrong = int(np.flatnonzero(np.asarray(dates != expected))[0])
            every = getattr(step, "freqstr", step)
            if wrong:
                what = (
                    f"after {dates[wrong - 1]} comes {dates[wrong]}, where every "
                    f"{every} the next date would be {expected[wrong]} (a gap, a "
                    "repeated date, or another frequency)"
                )
            else:  # the frequency's dates start later than the series
                what = (
                    f"its first date, {dates[0]}, is not a date of the frequency "
                    f"{every} of the collection (the next one is {expected[0]})"
                )
            raise ValueError(
                f"The time index of series {python_scalar(panel.labels[s])!r} is not "
                f"regular: {what}. Put the series on one regular "
                "grid (for example with resample or asfreq), or pass plain "
                "arrays to forecast without dates."
            )


def time_grid(
    index: pd.Index | None, panel: Panel, *, integer_time: bool = False
) -> TimeGrid | None:
    """The grid of the series of ``panel`` from the time ``index`` of their rows.

    None when there is no index, or when it holds neither dates nor integers
    with one step (the forecaster then cannot date its forecasts). Dates
    must be regular within every series: a gap, a repeated date or another
    frequency is refused, since the forecaster would otherwise take the
    values around it for consecutive steps. So must integers that are known
    to be times (``integer_time``: the time level of the long format); an
    integer index of its own may number anything.
    """
    if index is None or len(index) != len(panel.codes) or not len(index):
        return None
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        _refuse_backwards(index, panel)
        if isinstance(index, pd.PeriodIndex):
            step = index.freq
        else:
            step = _datetime_step(index, panel)
            if step is None:
                if panel.lengths.max() >= 3:
                    _refuse_irregular(panel)
                return None
        _check_regular(index, panel, step)
        _, ends = _series_bounds(index, panel)
        origin = min(ends)
        if isinstance(index, pd.DatetimeIndex):
            origin = _unshifted(origin, index, step)
        grid = TimeGrid(origin, step, np.zeros(0))
        offsets = [
            grid._offset_of(end, label)
            for end, label in zip(ends, panel.labels, strict=True)
        ]
        return TimeGrid(origin, step, np.asarray(offsets, dtype=np.float64))
    if pd.api.types.is_integer_dtype(index):
        grid = _integer_grid(np.asarray(index), panel)
        if grid is None and integer_time:
            _refuse_irregular_integers(np.asarray(index), panel)
        return grid
    return None


def _refuse_backwards(index: pd.Index, panel: Panel) -> None:
    """Refuse dates that go back in time within a series (rows newest first).

    Read in the order given, such rows would be fitted as a series running
    backwards, and its forecasts would continue into the past.
    """
    dates = index[panel.order]
    same_series = np.diff(panel.codes[panel.order]) == 0
    earlier = np.flatnonzero(same_series & np.asarray(dates[1:] < dates[:-1]))
    if not len(earlier):
        return
    row = earlier[0]
    label = panel.labels[panel.codes[panel.order[row]]]
    whose = "y" if len(panel.labels) == 1 else f"series {python_scalar(label)!r}"
    raise ValueError(
        f"The dates of {whose} go back in time: {dates[row]} is followed by "
        f"{dates[row + 1]}. The rows of a series must be in time order, oldest "
        "first: sort them (for example with y.sort_index() and X.sort_index()), "
        "or pass plain arrays to forecast without dates."
    )


def with_missing_steps(X, y, groups, *, integer_time: bool = False):
    """Rows for the time stamps missing from each series' regular grid.

    When ``y`` (or else ``X``) is indexed by a ``DatetimeIndex`` or a
    ``PeriodIndex`` whose series skip steps of their grid (a month without
    a row), each skipped step gets a row whose value is missing (NaN), so
    that the values around a gap are not taken for consecutive steps. The
    grid is the index's frequency, else the coarsest that runs of three
    consecutive dates imply and that holds every date (:func:`_gapped_step`).
    With ``integer_time`` (the integer time level of the long format), the
    same holds for integer times, whose step is the greatest common divisor
    of the steps between consecutive rows.
    Input without such gaps is returned as it is; so is input whose dates
    do not lie on one grid (repeated dates, another frequency, a series on a
    coarser grid than the others), which :func:`time_grid` then refuses.

    Returns
    -------
    X, y, groups
        With the added rows, each series' rows in time order (and the series
        grouped) when rows were added: ``y`` a Series on the completed index,
        ``X`` with zero columns like the ``X`` given.

    Raises
    ------
    ValueError
        If rows are missing and ``X`` has covariate columns: the covariates of
        the missing steps are not known.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm._time_index import with_missing_steps
    >>> months = pd.date_range("2024-01-01", periods=5, freq="MS").delete(3)
    >>> y = pd.Series([1.0, 2.0, 3.0, 5.0], index=months)
    >>> _, filled, _ = with_missing_steps(np.empty((4, 0)), y, None)
    >>> filled.tolist(), filled.index.freqstr
    ([1.0, 2.0, 3.0, nan, 5.0], 'MS')
    """
    index = time_index(X, y)
    if integer_time and index is not None and pd.api.types.is_integer_dtype(index):
        return _with_missing_integer_steps(X, y, groups, index)
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or len(index) < 3:
        return X, y, groups
    if isinstance(index, pd.DatetimeIndex) and index.freq is not None:
        return X, y, groups  # a frequency of its own: no gap
    labels = np.zeros(len(index), dtype=np.intp) if groups is None else groups
    panel = panel_of(labels, len(index))
    step = (
        index.freq if isinstance(index, pd.PeriodIndex) else _gapped_step(index, panel)
    )
    if step is None:
        return X, y, groups
    grids, places = [], []
    shared = _shared_grid(index, step)
    for start, length in zip(panel.starts, panel.lengths, strict=True):
        rows = panel.order[start : start + length]
        dates = index[rows]
        if shared is None:
            grid = _grid_between(dates[0], dates[-1], step, index)
            place = grid.get_indexer(dates)
        else:  # its stretch of the grid every date lies on
            whole, at = shared
            grid = whole[at[rows[0]] : at[rows[-1]] + 1]
            place = at[rows] - at[rows[0]]
        if (place < 0).any() or (np.diff(place) <= 0).any():
            return X, y, groups  # off the grid: time_grid says so
        if _of_a_coarser_frequency(dates, place, len(grid)):
            # Not gaps: a series of a coarser frequency (monthly among
            # daily series), which time_grid refuses by name.
            return X, y, groups
        grids.append(grid)
        places.append(place)
    if sum(map(len, grids)) == len(index):
        return X, y, groups
    return _completed(X, y, groups, panel, grids, places)


def _with_missing_integer_steps(X, y, groups, index: pd.Index):
    """:func:`with_missing_steps` for integer times (``integer_time``)."""
    labels = np.zeros(len(index), dtype=np.intp) if groups is None else groups
    panel = panel_of(labels, len(index))
    series, steps = _integer_series(np.asarray(index, dtype=np.int64), panel)
    repeated = [
        len(own) > 1 and step is None for own, step in zip(series, steps, strict=True)
    ]
    if any(repeated):
        return X, y, groups  # repeated times: time_grid says so
    taken = set(steps) - {None}
    if len(taken) != 1:
        # No step, or a series on a coarser grid, which time_grid refuses.
        return X, y, groups
    step = taken.pop()
    grids = [pd.Index(np.arange(own[0], own[-1] + 1, step)) for own in series]
    if sum(map(len, grids)) == len(index):
        return X, y, groups  # no gap
    places = [(own - own[0]) // step for own in series]
    return _completed(X, y, groups, panel, grids, places, step=step)


def _with_missing_integer_steps_after(grid: TimeGrid, known, X, y, groups, index):
    """:func:`with_missing_steps_after` for integer times: each known series
    continues from the step after its end, a new one from its first time."""
    labels = np.repeat(known, len(index)) if groups is None else groups
    panel = panel_of(labels, len(index))
    series, _ = _integer_series(np.asarray(index, dtype=np.int64), panel)
    where = locate_series(known, panel.labels)
    grids, places = [], []
    for s, own in enumerate(series):
        first = grid._time_at(grid.offsets[where[s]] + 1) if where[s] >= 0 else own[0]
        apart = own - first
        place = apart // grid.step
        if (
            (apart % grid.step).any()
            or (place < 0).any()
            or (np.diff(place) <= 0).any()
        ):
            return X, y, groups  # off the grid: TimeGrid.continued says so
        grids.append(pd.Index(first + grid.step * np.arange(place[-1] + 1)))
        places.append(place)
    if sum(map(len, grids)) == len(index):
        return X, y, groups
    return _completed(X, y, groups, panel, grids, places, step=grid.step)


def _integer_series(times: np.ndarray, panel: Panel) -> tuple[list, list]:
    """Each series' integer ``times`` in its rows' order, and the step each
    takes: the greatest common divisor of the steps between its rows (None
    for one row, or times that do not rise)."""
    series = np.split(times[panel.order], panel.starts[1:])
    steps = [
        int(np.gcd.reduce(apart)) if len(apart) and (apart > 0).all() else None
        for apart in map(np.diff, series)
    ]
    return series, steps


def _refuse_irregular_integers(times: np.ndarray, panel: Panel) -> None:
    """Refuse integer times (of the long format) that lie on no one grid."""
    series, steps = _integer_series(times, panel)
    for label, own in zip(panel.labels, series, strict=True):
        repeated = np.flatnonzero(np.diff(own) <= 0)
        if len(repeated):
            row = int(repeated[0])
            what = f"the time {own[row]} is followed by {own[row + 1]}"
            whose = f" of series {python_scalar(label)!r}"
            break
    else:
        first_of_each = {}  # the first series of each step, up to five
        for label, step in zip(panel.labels, steps, strict=True):
            if step is not None and step not in first_of_each.values():
                first_of_each[python_scalar(label)] = step
        shown = dict(list(first_of_each.items())[:5])
        if len(shown) > 1:
            what = f"its series step by different amounts, {shown}"
        else:
            what = "its series lie on grids shifted against each other"
        whose = ""
    raise ValueError(
        f"The integer time level{whose} is not one regular grid: {what}. sklstm "
        "reads integer times as steps of one size (a skipped time becomes a "
        "missing value): give every series the same step, each time once, or "
        "pass the series without a time level (groups=) to forecast without "
        "dates."
    )


def with_missing_steps_after(
    grid: TimeGrid | None, known, X, y, groups, *, integer_time: bool = False
):
    """:func:`with_missing_steps` for ``update``: rows continue a fitted grid.

    A known series (one of the sorted labels ``known``) continues from the
    step after its end, so the steps skipped between its end and its new
    rows become missing rows too; a new series starts at its first date.
    With ``integer_time`` (the integer time level of the long format), the
    same holds for integer times on a fitted grid of integers.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm._time_index import TimeGrid, with_missing_steps_after
    >>> month = pd.offsets.MonthBegin()
    >>> grid = TimeGrid(pd.Timestamp("2024-01-01"), month, np.zeros(1))
    >>> later = pd.DatetimeIndex(["2024-03-01", "2024-04-01"])  # February skipped
    >>> y = pd.Series([3.0, 4.0], index=later)
    >>> _, filled, _ = with_missing_steps_after(grid, np.array([0]), None, y, None)
    >>> filled.tolist()
    [nan, 3.0, 4.0]
    """
    index = time_index(X, y)
    if (
        integer_time
        and grid is not None
        and isinstance(grid.origin, numbers.Integral)
        and index is not None
        and pd.api.types.is_integer_dtype(index)
        and len(index)
        and not (groups is None and len(known) > 1)
    ):
        return _with_missing_integer_steps_after(grid, known, X, y, groups, index)
    if (
        grid is None
        or not isinstance(grid.origin, (pd.Timestamp, pd.Period))
        or not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex))
        or not len(index)
        or (groups is None and len(known) > 1)  # refused by the state
    ):
        return X, y, groups
    index, X, y = _dated_as_the_grid(index, X, y, grid, known, groups)
    refuse_dates_of_another_kind(index, grid.origin)
    labels = np.repeat(known, len(index)) if groups is None else groups
    panel = panel_of(labels, len(index))
    _refuse_backwards(index, panel)
    where = locate_series(known, panel.labels)
    # One grid from the fitted origin: each series' stretch of it, at once.
    shared = _shared_grid(index.append(pd.Index([grid.origin])), grid.step)
    grids, places = [], []
    for s, (start, length) in enumerate(zip(panel.starts, panel.lengths, strict=True)):
        rows = panel.order[start : start + length]
        seen = where[s] >= 0
        if shared is not None:
            whole, at = shared  # the origin's place is the last
            first_place = at[rows[0]]
            if seen:  # the step after its end, on the fitted grid
                first_place = at[-1] + int(grid.offsets[where[s]]) + 1
        if shared is not None and first_place >= 0:
            steps = whole[first_place : at[rows[-1]] + 1]
            place = at[rows] - first_place
        else:  # a grid of its own
            dates = index[rows]
            first = grid._time_at(grid.offsets[where[s]] + 1) if seen else dates[0]
            steps = _grid_between(first, dates[-1], grid.step, index)
            place = steps.get_indexer(dates)
        if not len(steps) or (place < 0).any() or (np.diff(place) <= 0).any():
            return X, y, groups  # off the grid: TimeGrid.continued says so
        if not seen and _of_a_coarser_frequency(index[rows], place, len(steps)):
            return X, y, groups  # not gaps: TimeGrid.continued refuses it by name
        grids.append(steps)
        places.append(place)
    if sum(map(len, grids)) == len(index):
        return X, y, groups
    return _completed(X, y, groups, panel, grids, places)


def _dated_as_the_grid(index: pd.Index, X, y, grid: TimeGrid, known, groups):
    """Rows of known series dated as ``predict`` takes them, dated as the
    grid is: periods on a grid of timestamps (without a time zone) by the
    one step inside each, timestamps on a grid of periods by their period.

    So the observations of the steps a user forecast can be given back as
    they were asked. Rows of new series, or of another kind, are left as
    they are (and refused by :func:`refuse_dates_of_another_kind`).
    """
    naive_grid = isinstance(grid.origin, pd.Timestamp) and grid.origin.tz is None
    if isinstance(index, pd.DatetimeIndex) and isinstance(grid.origin, pd.Period):
        if index.tz is not None:
            return index, X, y
        dated = index.to_period(grid.origin.freq)
    elif isinstance(index, pd.PeriodIndex) and naive_grid:
        labels = np.repeat(known, len(index)) if groups is None else groups
        panel = panel_of(labels, len(index))
        where = locate_series(known, panel.labels)[panel.codes]
        if (where < 0).any():
            return index, X, y
        steps = steps_inside_periods(
            grid.dates(where, np.full(len(where), -1)), index, grid.step
        )
        if (steps < 0).any():
            row = int(np.flatnonzero(steps < 0)[0])
            why = (
                "a period that holds several steps of the time grid"
                if steps[row] == SEVERAL_STEPS
                else "a period holding no step after the end of its series"
            )
            raise ValueError(
                f"Row {row} of the new rows is dated {index[row]}, {why} (every "
                f"{getattr(grid.step, 'freqstr', grid.step)}). Date the new rows "
                "by the steps of the grid, each after its series' end."
            )
        dated = grid.dates(where, steps)
    else:
        return index, X, y
    return dated, _redated(X, index, dated), _redated(y, index, dated)


def _redated(data, index: pd.Index, dated: pd.Index):
    """``data`` on ``dated`` where it was on ``index``; else as it was."""
    if isinstance(data, (pd.Series, pd.DataFrame)) and data.index.equals(index):
        return data.set_axis(dated)
    return data


def kind_of_dates(times) -> str | None:
    """How times are dated: periods of a frequency, or timestamps in a time
    zone or without one; None for times that are not dates (integers).

    Times of one kind can be compared with each other.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._time_index import kind_of_dates
    >>> kind_of_dates(pd.period_range("2024-01", periods=2, freq="M"))
    'periods of frequency M'
    >>> kind_of_dates(pd.Timestamp("2024-01-01")), kind_of_dates(pd.Index([1, 2]))
    ('timestamps without a time zone', None)
    >>> kind_of_dates(pd.Timestamp("2024-01-01", tz="UTC"))
    'timestamps in the time zone UTC'
    """
    if isinstance(times, (pd.Period, pd.PeriodIndex)):
        return f"periods of frequency {times.freqstr}"
    if isinstance(times, (pd.Timestamp, pd.DatetimeIndex)):
        zone = f"in the time zone {times.tz}" if times.tz else "without a time zone"
        return f"timestamps {zone}"
    return None


def refuse_dates_of_another_kind(
    index: pd.Index, fitted, *, rows: str = "The new rows"
) -> None:
    """Refuse ``rows`` dated by another kind of dates than the ``fitted`` ones
    (:func:`kind_of_dates`); times that are not dates are not compared."""
    given, seen = kind_of_dates(index), kind_of_dates(fitted)
    if given is not None and seen is not None and given != seen:
        raise ValueError(
            f"{rows} are dated by {given}, but the series seen so far by "
            f"{seen}: date them alike (for example with to_timestamp(), "
            "to_period(), tz_localize() or tz_convert()), so each row finds its "
            "step."
        )


#: The longest grid from the first date of all series to the last, in rows
#: of the index, that :func:`with_missing_steps` places every series on at
#: once; beyond it (series far apart in time), each gets its own grid.
SHARED_GRID_ROWS = 4


def _on_one_regular_grid(index: pd.Index, panel: Panel, step) -> bool:
    """Whether every series' dates are consecutive steps of one grid of
    dates (from the first date of all series); False also when that grid
    cannot be built (another phase, series far apart, not dates)."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return False
    shared = _shared_grid(index, step)
    if shared is None:
        return False
    places = shared[1][panel.order]
    same_series = np.diff(panel.sorted_codes) == 0
    return bool((np.diff(places)[same_series] == 1).all())


def _shared_grid(index: pd.Index, step):
    """One grid from the first date to the last, and each date's place on
    it; None if a date is off it (dates of another phase: each series then
    gets the grid of its own dates) or it would be far longer than the
    index (series far apart in time)."""
    first, last = index.min(), index.max()
    if isinstance(index, pd.PeriodIndex):
        n_steps = last.ordinal - first.ordinal
    else:
        wall = first.tz_localize(None) if first.tz is not None else first
        one = (wall + step) - wall  # a month from a month's start, say
        n_steps = (last - first) / one if one > pd.Timedelta(0) else np.inf
    if n_steps > SHARED_GRID_ROWS * len(index):
        return None
    grid = _grid_between(first, last, step, index)
    at = grid.get_indexer(index)
    return None if (at < 0).any() else (grid, at)


def _grid_between(first, last, step, index: pd.Index) -> pd.Index:
    """The grid of ``step`` from ``first`` to ``last``; dates of ``index``
    tell a day that starts late (:func:`_wall_clock`) from the grid's time
    of day, as the grid then counts from the time of day of the others."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(first, last, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex) and _counts_local_days(first, step):
        ends = pd.DatetimeIndex([first, last])
        wall = _wall_clock(index.append(ends), step)[-2:]
        return _in_local_time(pd.date_range(wall[0], wall[1], freq=step), first.tz)
    return local_date_range(first, last, step)


def _gapped_step(index: pd.DatetimeIndex, panel: Panel):
    """The step of dates that may have gaps, from the longest series.

    Each run of three consecutive dates implies a frequency. Of those, the
    coarsest whose grid holds every date of these series is the step: three
    business days in a row look daily, but days would give every weekend a
    missing value. None if no run implies one.
    """
    longest = np.argsort(-panel.lengths, kind="stable")[:20]
    return _step_of(
        [
            index[panel.order[panel.starts[s] : panel.starts[s] + panel.lengths[s]]]
            for s in longest
        ]
    )


def series_step(dates: pd.DatetimeIndex):
    """The step the forecaster reads one series' ``dates`` by.

    Their own frequency, else the one pandas infers from them all (dates
    without a gap), else the one :func:`_gapped_step` infers: the coarsest
    that runs of three consecutive dates imply and whose grid holds every
    date, the steps they skip being missing values. None when no such grid
    holds them (the forecaster refuses such dates).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._time_index import series_step
    >>> months = pd.date_range("2024-01-01", periods=8, freq="MS")
    >>> series_step(months.delete([3, 4])).freqstr  # two months skipped
    'MS'
    >>> print(series_step(pd.to_datetime(["2000", "2001", "2003"])))
    None
    """
    if dates.freq is not None:
        return dates.freq
    if len(dates) >= 3 and (whole := pd.infer_freq(dates)) is not None:
        return pd.tseries.frequencies.to_offset(whole)
    step = _step_of([dates])
    if step is None or _grid_size([dates], step) is None:
        return None
    return step


def _of_a_coarser_frequency(dates: pd.Index, place: np.ndarray, grid_size: int) -> bool:
    """Whether a series' ``dates``, at ``place`` on a grid of ``grid_size``
    steps, follow a coarser frequency of their own rather than leave gaps."""
    # Only dates never one step apart may (a series of months among days):
    # the costly check is for them.
    if not (
        grid_size > len(dates)
        and isinstance(dates, pd.DatetimeIndex)
        and (np.diff(place) > 1).all()
    ):
        return False
    own = _step_of([dates])
    return own is not None and _grid_size([dates], own) < grid_size


def _step_of(series: list):
    """The coarsest step that runs of three dates of ``series`` imply and
    whose grid holds all their dates; else the one most runs imply, if its
    grid holds most dates (the others are then named as off it); else None.

    A step that a few runs imply by chance (three semi-monthly dates that
    happen to be two weeks apart) holds few of the dates: naming it would
    describe dates that follow no frequency pandas infers by one they never
    followed.
    """
    found = {}
    for dates in series:
        for first in range(0, len(dates) - 2, max(1, (len(dates) - 2) // 20)):
            freq = pd.infer_freq(dates[first : first + 3])
            if freq is not None:
                found[freq] = found.get(freq, 0) + 1
    if not found:
        return None
    steps = [
        pd.tseries.frequencies.to_offset(freq)
        for freq in sorted(found, key=found.get, reverse=True)
    ]
    sizes = [_grid_size(series, step) for step in steps]
    holding = [(size, rank) for rank, size in enumerate(sizes) if size is not None]
    if holding:
        return steps[min(holding)[1]]
    on_grid, n_dates = _dates_on_grid(series, steps[0])
    return steps[0] if 2 * on_grid > n_dates else None


def _grid_size(series: list, step) -> int | None:
    """How many steps of ``step`` span each of ``series`` (their dates),
    in all; None if a date is not on its series' grid."""
    size = 0
    for dates in series:
        grid, on_grid = _series_grid(dates, step)
        if not on_grid.all():
            return None
        size += len(grid)
    return size


def _dates_on_grid(series: list, step) -> tuple[int, int]:
    """How many dates of ``series`` lie on their series' grid of ``step``,
    and how many dates there are."""
    on_grid = [_series_grid(dates, step)[1] for dates in series]
    return sum(int(on.sum()) for on in on_grid), sum(len(on) for on in on_grid)


def _series_grid(dates: pd.DatetimeIndex, step) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The grid of ``step`` over one series' ``dates``, and which dates are
    on it."""
    wall = _wall_clock(dates, step)  # a day that starts late, as the others
    grid = pd.date_range(wall[0], wall[-1], freq=step)
    return grid, grid.get_indexer(wall) >= 0


def _completed(X, y, groups, panel: Panel, grids, places, step=None):
    """X, y and groups on the completed grids (missing values NaN); ``step``
    is the step of integer times (dates' grids know their frequency)."""
    shape = np.shape(X)
    if len(shape) > 1 and shape[1] > 0:
        n_missing = sum(map(len, grids)) - len(panel.codes)
        raise ValueError(
            f"The time index skips {n_missing} step(s) of its regular grid "
            f"(every {_step_text(grids[0], step)}); sklstm "
            "treats the values of those steps as missing, but not their "
            "covariates, which a forecast reads as known. Give X on the full "
            "grid (for example X.asfreq(...) per series, with the covariates "
            "filled in), with y NaN where it is missing."
        )
    values = np.asarray(y, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]  # a one-column DataFrame
    elif values.ndim != 1:
        raise ValueError(
            f"y has shape {values.shape}, but a forecaster reads one value per "
            "row: pass y as one column (a Series or a one-column DataFrame)."
        )
    rows, filled_values, labels = [], [], []
    for s, (grid, place) in enumerate(zip(grids, places, strict=True)):
        series_values = np.full(len(grid), np.nan)
        order = panel.order[panel.starts[s] : panel.starts[s] + panel.lengths[s]]
        series_values[place] = values[order]
        filled_values.append(series_values)
        rows.append(grid)
        labels.append(np.repeat(panel.labels[s : s + 1], len(grid)))
    completed = rows[0].append(rows[1:]) if len(rows) > 1 else rows[0]
    y = pd.Series(
        np.concatenate(filled_values), index=completed, name=getattr(y, "name", None)
    )
    X = (
        pd.DataFrame(index=completed)
        if isinstance(X, pd.DataFrame)
        else np.empty((len(completed), 0))
    )
    return X, y, None if groups is None else np.concatenate(labels)


def _step_text(grid: pd.Index, step) -> str:
    """The step of a completed grid: integer times' ``step``, else the
    grid's frequency."""
    if step is not None:
        return f"{step} time unit(s)"
    freq = grid.freq
    return getattr(freq, "freqstr", str(freq))


def _refuse_irregular(panel: Panel) -> None:
    longest = panel.labels[int(np.argmax(panel.lengths))]
    whose = (
        "its dates"
        if len(panel.labels) == 1
        else f"the dates of the longest series ({python_scalar(longest)!r})"
    )
    raise ValueError(
        "The DatetimeIndex of y (or X) has no regular frequency: "
        f"{whose} are not evenly spaced, nor the steps of a frequency pandas "
        "infers from them (with or without gaps). Put every series on one "
        "regular grid (for example with resample or asfreq); dates of a "
        "frequency pandas does not infer, such as semi-monthly ones (the 1st "
        "and 15th of each month), need it given, as y.asfreq('SMS') gives it "
        "to one series. Or pass plain arrays to forecast without dates."
    )


def _integer_grid(values: np.ndarray, panel: Panel) -> TimeGrid | None:
    """The grid of integer time labels, or None if they have no single step."""
    ordered = values[panel.order]
    within = np.diff(ordered)[np.diff(panel.codes[panel.order]) == 0]
    step = int(within[0]) if len(within) else 1
    if step <= 0 or (within != step).any():
        return None
    ends = values[panel.order[panel.starts + panel.lengths - 1]]
    origin = int(ends.min())
    if ((ends - origin) % step != 0).any():
        return None
    return TimeGrid(origin, step, ((ends - origin) // step).astype(np.float64))
