"""sktime adapter: :class:`~sklstm.LSTMForecaster` as an sktime forecaster.

sktime's tools (``evaluate``, ``ForecastingGridSearchCV``, its benchmarking)
take sktime forecasters, with forecasting horizons, ``update`` and sktime's
``clone``. :class:`LSTMSktimeForecaster` wraps an ``LSTMForecaster`` so that
it is one. It needs the ``sktime`` extra: ``pip install ".[sktime]"``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sktime.datatypes import check_is_scitype
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from sklstm._forecast_settings import block_of
from sklstm._forecaster import LSTMForecaster
from sklstm._long_format import from_long_format, is_long_format
from sklstm._time_index import (
    TimeGrid,
    _unshifted,
    _wall_clock,
    steps_between,
    with_missing_steps,
    with_missing_steps_after,
)
from sklstm._validation import refuse_missing_covariates

__all__ = ["LSTMSktimeForecaster"]


def _values_of(y) -> pd.Series:
    """The one column of ``y`` (a Series, or a panel's one-column DataFrame)."""
    return y.iloc[:, 0] if isinstance(y, pd.DataFrame) else y


def _covariates_of_rows(X: pd.DataFrame | None, index: pd.Index, call: str):
    """The rows of ``X`` at ``index``, the rows of ``y`` given to ``call``.

    Refuses an ``X`` that lacks some of them, naming them (sktime checks
    this for one series, not for a panel's (series, time) rows).
    """
    if X is None:
        return None
    missing = index.difference(X.index)
    if len(missing):
        raise ValueError(
            f"X lacks the covariates of {len(missing)} row(s) of y, such as "
            f"{list(missing[:5])}: {call} reads the covariates at every step "
            "of every series. Pass X with a row for each row of y (the same "
            "series and times)."
        )
    return X.loc[index]


def _layout_of(y) -> tuple[int, list] | None:
    """The index levels and the columns of ``y`` as sktime reads it.

    The levels are 1 for one series, 2 for a panel, 3 or more for a
    hierarchy; None when sktime does not take ``y``.
    """
    scitypes = ["Series", "Panel", "Hierarchical"]
    valid, _, metadata = check_is_scitype(
        y, scitype=scitypes, return_metadata=["feature_names"]
    )
    if not valid:
        return None
    columns = list(metadata["feature_names"])
    if metadata["scitype"] == "Hierarchical":
        return y.index.nlevels, columns
    return scitypes.index(metadata["scitype"]) + 1, columns


def _kind_named(levels: int) -> str:
    """The kind of data of ``levels`` index levels, for a message."""
    if levels == 1:
        return "a single series (a time index)"
    if levels == 2:
        return "a panel (a MultiIndex of series and time)"
    return f"a hierarchy of {levels} index levels (the last the time)"


def _series_ends(index: pd.Index, codes, n_series: int) -> np.ndarray:
    """The last time of each of ``n_series`` series; NaN-like for one absent."""
    times = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) else index
    if codes is None:
        return np.asarray([times[-1]], dtype=object)
    ends = np.full(n_series, None, dtype=object)
    last = pd.Series(np.arange(len(codes))).groupby(codes).max()
    ends[last.index.to_numpy()] = np.asarray(times[last.to_numpy()], dtype=object)
    return ends


def _frequency_of(index: pd.Index, codes):
    """The frequency of the dates of the longest series, when they are dates.

    A frequency is inferred from three dates or more: the longest series
    has them whenever any series does (the first may be a new one of two).
    """
    times = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) else index
    if not isinstance(times, pd.DatetimeIndex):
        return None
    if times.freq is not None:
        return times.freq
    if codes is not None:
        codes = np.asarray(codes)
        times = times[codes == np.bincount(codes).argmax()]
    return pd.infer_freq(times) if len(times) >= 3 else None


def _dated_in_a_time_zone(cutoff: pd.Index) -> bool:
    """Whether ``cutoff`` is a date in a time zone, with its frequency."""
    return (
        isinstance(cutoff, pd.DatetimeIndex)
        and cutoff.tz is not None
        and cutoff.freq is not None
    )


def _after(cutoff: pd.Index, steps: np.ndarray, reference=None) -> pd.Index:
    """The times ``steps`` steps after ``cutoff`` (steps may repeat).

    Dates in a time zone step as the forecaster steps them, on its time
    grid: days, weeks and months of local time, as ``pd.date_range`` counts
    them, at the time of day of ``reference`` (a date of that grid, see
    :func:`_grid_after`). sktime's horizon adds 24 hours a day, which would
    put every day after a change of daylight saving at 01:00 (or 23:00).
    """
    if _dated_in_a_time_zone(cutoff):
        grid = _grid_after(cutoff, reference)
        # The grid numbers the steps after the end from 0.
        ahead = np.asarray(steps, dtype=np.int64) - 1
        return pd.DatetimeIndex(grid.dates(np.zeros(len(ahead), np.intp), ahead))
    unique, inverse = np.unique(steps, return_inverse=True)
    horizon = ForecastingHorizon(unique, is_relative=True, freq=cutoff)
    return horizon.to_absolute_index(cutoff)[inverse.ravel()]


def _grid_after(cutoff: pd.DatetimeIndex, reference) -> TimeGrid:
    """The time grid of one series that ends at ``cutoff``, a date in a time zone.

    A cutoff on a day that starts late (Cairo's 2023-04-28 has no midnight,
    so pandas shifts it to 01:00) stands for the usual time of day of the
    other dates, which ``reference`` keeps: a grid counted from the shifted
    time would put every later day at 01:00. The grid then starts a step
    before it, at that time of day, and the series ends one step after.
    """
    end = cutoff[0]
    if not isinstance(reference, pd.Timestamp) or reference.tz is None:
        return TimeGrid(end, cutoff.freq, np.zeros(1))
    origin = _unshifted(end, pd.DatetimeIndex([reference, end]), cutoff.freq)
    return TimeGrid(origin, cutoff.freq, np.array([float(origin != end)]))


def _wall_steps_between(ends: pd.DatetimeIndex, cutoff: pd.DatetimeIndex, reference):
    """How many steps of the grid of ``cutoff``'s frequency each of ``ends``
    lies before ``cutoff``, all dates in a time zone.

    Counted on wall clocks, where a day that starts late stands for the
    usual time of day that ``reference`` keeps (see :func:`_grid_after`):
    days counted from the shifted time would all fall at 01:00, and miss
    the cutoff at midnight.
    """
    step = cutoff.freq
    dates = ends.append(cutoff)
    if isinstance(reference, pd.Timestamp) and reference.tz is not None:
        dates = pd.DatetimeIndex([reference]).append(dates)
    wall = _wall_clock(pd.DatetimeIndex(dates), step)[-len(ends) - 1 :]
    return steps_between(wall[:-1], wall[[-1]].repeat(len(ends)), step)


def _date_offset(step):
    """``step`` if it is a pandas frequency (a ``DateOffset``), else None."""
    return step if isinstance(step, pd.DateOffset) else None


def _panel_index(keys: pd.Index, times: pd.Index) -> pd.MultiIndex:
    """The sktime panel index of rows of series ``keys`` at ``times``."""
    levels = (
        [keys.get_level_values(k) for k in range(keys.nlevels)]
        if isinstance(keys, pd.MultiIndex)
        else [keys]
    )
    return pd.MultiIndex.from_arrays([*levels, times])


class LSTMSktimeForecaster(BaseForecaster):
    """An sktime forecaster that forecasts with a :class:`~sklstm.LSTMForecaster`.

    ``fit(y, X=None, fh=None)`` trains a clone of ``forecaster`` on the series
    ``y`` (with the covariates ``X``, known in advance, when given);
    ``predict(fh, X=None)`` forecasts the steps of the horizon ``fh`` after
    the end of the series seen so far, with ``X`` holding the covariates of
    those future steps; ``update(y, X)`` appends new observations, so the next
    forecast starts from them, without retraining the network (refit, or use
    ``evaluate(..., strategy="refit")``, to learn from them). The new
    observations continue the series: a step skipped between its end and
    the new observations, or among them, is a missing value, as in ``fit``
    and ``LSTMForecaster.update``; rows up to its end are taken as already
    seen. With covariates, ``X`` holds those of the skipped steps too (the
    forecast reads them as known): they are taken from it, and an ``X``
    without them is refused, naming them; so too in ``fit``, for a step
    skipped inside a series.

    A panel (``pd-multiindex``) or a hierarchy (``pd_multiindex_hier``)
    trains ONE global ``LSTMForecaster`` on all its series, with ``groups``
    naming each series (each bottom-level series of a hierarchy, that is
    each distinct key of the levels before the time): sktime does not fit
    one network per series. Each series is forecast from its own end, so a
    series that ends before the others is forecast up to the steps of
    ``fh``; ``update`` continues each series it holds rows of, and adds the
    series it has not seen. ``predict_interval`` and ``predict_quantiles``
    are the forecaster's own (split conformal, from its held-out tail).

    Missing values (NaN) in ``y``, in ``fit`` and ``update``, are passed on
    to the forecaster, which learns around them (see
    :class:`~sklstm.LSTMForecaster`); the covariates ``X`` must be complete.

    Parameters
    ----------
    forecaster : LSTMForecaster, default=None
        The forecaster to train, with its parameters (``lookback``,
        ``strategy``, ``hidden_size``, ...). ``None`` means
        ``LSTMForecaster()``. It is cloned in ``fit`` and left unchanged; tune
        its parameters as ``forecaster__lookback`` and so on.

    Attributes
    ----------
    forecaster_ : LSTMForecaster
        The fitted clone of ``forecaster``.

    Notes
    -----
    The horizon must lie after the end of the series: the network forecasts
    forward and makes no in-sample predictions (sktime refuses them, by the
    ``capability:insample`` tag). A horizon that skips steps
    (``fh=[3, 6]``) is forecast up to its furthest step and then subset;
    with the direct strategy and covariates, on to the end of that step's
    block as far as ``X`` has their values, since the network reads those
    of the whole block (so a step's forecast does not depend on the other
    steps asked, unless the held-out tail calibrates the intervals of the
    steps of ``fh`` only, which then stop there). Time
    indices (``pd.PeriodIndex``, ``pd.DatetimeIndex``, integer indices) are
    passed on with the values, so the forecaster reads them as it reads its
    own: a step missing inside a series is a missing value (with covariates,
    in ``fit`` and ``update`` alike, taken with its covariates from ``X``),
    and a step given twice is refused. Dates in a time zone step as the
    forecaster steps them: days, weeks and months of local time (the day
    after a change of daylight saving at midnight, as ``pd.date_range``
    counts it), hours of elapsed time. On integer times that step by more
    than one (0, 2, 4, ...), a relative ``fh`` counts in their units, as
    sktime does: ``fh=[2, 4]`` are the next two steps, and ``fh=[1]``,
    between them, is refused.

    The series are named to the forecaster by their keys when each is one
    string or integer (``forecaster_.series_``), else by their numbers in
    order of appearance; ``update`` refuses a new series keyed by another
    kind of value than those of ``fit``. The covariates are given to it by
    their column names when each is a string (``forecaster_.feature_names_in_``;
    scikit-learn keeps no other names), so that its messages name them as
    in ``X``, whatever the order of its columns.

    Intervals and quantiles are calibrated on forecasts from the held-out
    tail of the training series (``validation_fraction`` of the windows):
    90 % needs at least 9 forecasts from it that reach the furthest step of
    ``fh``. On short series, raise ``validation_fraction`` or forecast fewer
    steps at a time; the error says which.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.sktime import LSTMSktimeForecaster
    >>> y = pd.Series(np.sin(np.arange(120) / 4), name="y")
    >>> model = LSTMSktimeForecaster(
    ...     LSTMForecaster(lookback=8, hidden_size=4, max_iter=5, random_state=0)
    ... )
    >>> forecast = model.fit(y).predict(fh=[1, 2, 3])
    >>> forecast.index.tolist()
    [120, 121, 122]
    >>> bool(np.abs(forecast - np.sin(np.arange(120, 123) / 4)).max() < 0.5)
    True
    """

    _tags: ClassVar[dict] = {
        "authors": "sklstm developers",
        "maintainers": "sklstm developers",
        "python_dependencies": ["torch"],
        # Panels and hierarchies come in whole, so that one global model
        # learns from all their series (sktime would otherwise fit one
        # forecaster per series).
        "scitype:y": "univariate",
        "y_inner_mtype": ["pd.Series", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "capability:multivariate": False,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        # NaN in y is a missing value, which LSTMForecaster learns around
        # (fit, update, predict, intervals); NaN in X is refused by it, with
        # the columns named, since covariates must be known at every step.
        "capability:missing_values": True,
        "capability:categorical_in_X": False,
        "capability:non_contiguous_X": False,
        "capability:update": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
    }
    # Forecasts come from the fitted forecaster's own history, so sktime need
    # not keep a copy of the data (sktime's coming default).
    _config: ClassVar[dict] = {"remember_data": False}

    def __init__(self, forecaster: LSTMForecaster | None = None) -> None:
        self.forecaster = forecaster
        super().__init__()
        # Where sktime keeps the data when remember_data is switched on.
        self._y = self._X = None

    # ---------------------------------------------------------- sktime hooks

    def _fit(self, y, X: pd.DataFrame | None = None, fh=None):
        forecaster = LSTMForecaster() if self.forecaster is None else self.forecaster
        self.forecaster_ = clone(forecaster)
        self._covariates = None if X is None else list(X.columns)
        X_rows = _covariates_of_rows(X, y.index, "fit")
        self._name = _values_of(y).name
        self._series = None  # one series; else the keys of a panel's series
        codes = None
        if isinstance(y.index, pd.MultiIndex):
            self._index_names = list(y.index.names)
            codes, self._series = y.index.droplevel(-1).factorize()
        # The forecaster sees each row's time and series key, so that its own
        # checks apply: a step missing inside a series is a missing value, a
        # repeated one is refused, and its messages name the user's keys.
        self._timed = True
        # Decided once: the keys of later series are then given as keys too,
        # and the forecaster refuses those of another kind (a code would name
        # another series).
        self._keyed = self._plain_keys(self._series)
        if X_rows is not None and self._covariates:
            y, X_rows = self._with_skipped_steps(y, X, self._series, "fit")
            codes = self._codes_in(y, self._series)
        values, groups = self._timed_values(y, codes)
        self.forecaster_.fit(
            self._covariate_rows(X_rows, values.index), values, groups=groups
        )
        self._ends = _series_ends(y.index, codes, len(self._series_keys()))
        # The step the forecaster read the dates by; inferred here only for
        # dates it could not place on a grid.
        self._freq = _date_offset(
            getattr(self.forecaster_, "_time_step", None)
        ) or _frequency_of(y.index, codes)
        # The end of the latest series, as sktime's cutoff (an index that
        # knows the frequency of its steps: sktime steps an absolute horizon
        # by it, and cannot infer it from dates with gaps).
        self._end = self._cutoff_with_freq()
        self._set_cutoff(self._end)
        return self

    def _predict(self, fh: ForecastingHorizon, X=None):
        forecast, index = self._forecast_rows(fh, X, self.forecaster_.predict)
        forecast = forecast[:, 0]
        if self._series is None:
            return pd.Series(forecast, index=index, name=self._name)
        return pd.DataFrame({self._name: forecast}, index=index)

    def _predict_quantiles(self, fh: ForecastingHorizon, X=None, alpha=None):
        def quantiles(covariates, groups):
            return self.forecaster_.predict_quantiles(covariates, alpha, groups=groups)

        forecast, index = self._forecast_rows(fh, X, quantiles)
        columns = pd.MultiIndex.from_product([self._get_varnames(), alpha])
        return pd.DataFrame(forecast, index=index, columns=columns)

    def _predict_interval(self, fh: ForecastingHorizon, X=None, coverage=None):
        def intervals(covariates, groups):
            return np.column_stack(
                [
                    self.forecaster_.predict_interval(covariates, level, groups=groups)
                    for level in coverage
                ]
            )

        forecast, index = self._forecast_rows(fh, X, intervals)
        columns = pd.MultiIndex.from_product(
            [self._get_varnames(), coverage, ["lower", "upper"]]
        )
        return pd.DataFrame(forecast, index=index, columns=columns)

    def update(self, y, X=None, update_params=True):
        """Update the cutoff and the series with the new observations ``y``.

        As :meth:`sktime.forecasting.base.BaseForecaster.update`, after a
        check that sktime leaves to the forecaster: the new observations are
        of the kind of data it was fitted on (a single series, a panel, a
        hierarchy of as many levels; one column of values, or the columns of
        a multivariate y, on each of which sktime fitted a forecaster, in
        their order).

        Parameters
        ----------
        y : time series in an sktime format
            The new observations, after the end of the series seen so far.
        X : time series in an sktime format, default=None
            Their covariates, when the forecaster was fitted with them.
        update_params : bool, default=True
            Passed on to sktime; the network is never retrained.

        Returns
        -------
        self : LSTMSktimeForecaster

        Raises
        ------
        ValueError
            If ``y`` is of another kind than the data of ``fit``. Refused
            before sktime records its type, which would then be the type
            sktime gives the forecasts: every later ``predict`` would fail.
        """
        self._refuse_update_of_another_kind(y)
        return super().update(y, X=X, update_params=update_params)

    def update_predict_single(self, y=None, fh=None, X=None, update_params=True):
        """Update with the new observations ``y``, then forecast ``fh``.

        As :meth:`sktime.forecasting.base.BaseForecaster.update_predict_single`,
        after the check of :meth:`update`: ``y`` is of the kind of data the
        forecaster was fitted on.

        Parameters
        ----------
        y : time series in an sktime format, default=None
            The new observations, after the end of the series seen so far.
        fh : int, list, pd.Index or ForecastingHorizon, default=None
            The steps to forecast after the new observations.
        X : time series in an sktime format, default=None
            The covariates of the new observations and of the steps of ``fh``,
            when the forecaster was fitted with them.
        update_params : bool, default=True
            Passed on to sktime; the network is never retrained.

        Returns
        -------
        y_pred : time series in an sktime format
            The forecasts of the steps of ``fh``.

        Raises
        ------
        ValueError
            If ``y`` is of another kind than the data of ``fit``, refused
            before sktime records its type (see :meth:`update`).
        """
        self._refuse_update_of_another_kind(y)
        return super().update_predict_single(
            y=y, fh=fh, X=X, update_params=update_params
        )

    def update_predict(
        self, y, cv=None, X=None, update_params=True, reset_forecaster=True
    ):
        """Forecast from each window of ``cv`` over ``y``, updating as it goes.

        As :meth:`sktime.forecasting.base.BaseForecaster.update_predict`,
        after the check of :meth:`update`: ``y`` is of the kind of data the
        forecaster was fitted on.

        Parameters
        ----------
        y : time series in an sktime format
            The new observations, after the end of the series seen so far.
        cv : sktime splitter, default=None
            The windows of ``y`` to update with, and the horizon to forecast
            after each (sktime's default: one step at a time).
        X : time series in an sktime format, default=None
            The covariates of ``y`` and of the steps forecast.
        update_params : bool, default=True
            Passed on to sktime; the network is never retrained.
        reset_forecaster : bool, default=True
            Whether to run on a copy, leaving this forecaster as it is.

        Returns
        -------
        y_pred : time series in an sktime format
            The forecasts from every window.

        Raises
        ------
        ValueError
            If ``y`` is of another kind than the data of ``fit``, refused
            before sktime records its type (see :meth:`update`).
        """
        self._refuse_update_of_another_kind(y)
        return super().update_predict(
            y,
            cv=cv,
            X=X,
            update_params=update_params,
            reset_forecaster=reset_forecaster,
        )

    def _update(self, y, X: pd.DataFrame | None = None, update_params=True):
        try:
            new = self._new_rows(y)
            if new.any():
                self._continue_series(y[new], X)
        finally:
            # sktime moved the cutoff to the end of y before this ran, which
            # may lie before the end of the series seen so far (an update of
            # a lagging series, or of rows already seen) or after it (a
            # refused update): the cutoff is the latest end taken.
            self._set_cutoff(self._latest_end())
            self._end = self._cutoff_with_freq()
            # With its frequency: sktime steps an absolute horizon by it.
            self._set_cutoff(self._end)
        return self

    # ------------------------------------------------------------- internals

    def _fitted_model(self) -> LSTMSktimeForecaster:
        """The forecaster that holds the fit of the series: this one, or,
        when sktime fitted one on each column of a multivariate y, the first
        of those (each saw the index of the whole)."""
        if getattr(self, "_is_vectorized", False):
            return self.forecasters_.iloc[0, 0]
        return self

    def _fitted_index_levels(self) -> int:
        """The index levels of the data of ``fit`` (as :func:`_layout_of`)."""
        series = self._fitted_model()._series
        return 1 if series is None else series.nlevels + 1

    def _fitted_columns(self) -> list | None:
        """The columns of the y of ``fit`` when sktime fitted one forecaster
        on each (a multivariate y); None for one column of values."""
        if getattr(self, "_is_vectorized", False):
            return list(self.forecasters_.columns)
        return None

    def _refuse_update_of_another_kind(self, y) -> None:
        """Refuse new observations ``y`` of another kind than those of ``fit``.

        Called by every public method that updates, before sktime records
        the type of ``y``: it gives the forecasts the type of the latest
        ``y``, so a refused ``y`` of another kind would break every later
        ``predict``.
        """
        empty = y is None or (hasattr(y, "__len__") and len(y) == 0)
        if self.is_fitted and not empty:  # sktime warns of an empty y
            self._check_update_of_the_same_kind(y)

    def _check_update_of_the_same_kind(self, y) -> None:
        """Refuse new observations of another kind than those of ``fit``:
        other index levels, or other columns."""
        layout = _layout_of(y)
        if layout is None:
            return  # sktime says what is wrong with data it does not take
        levels, columns = layout
        self._check_index_levels(levels)
        self._check_columns(columns)

    def _check_index_levels(self, levels: int) -> None:
        """Refuse new observations on ``levels`` index levels, when ``fit``
        had others."""
        fitted = self._fitted_index_levels()
        if levels == fitted:
            return
        if fitted == 1:
            form = "the series alone, on its time index: y.loc[key]"
        else:
            names = self._fitted_model()._index_names
            if levels == 1:
                form = (
                    "indexed by series and time: "
                    f"pd.concat({{key: y}}, names={names[:-1]})"
                )
            else:
                form = f"on the index levels of fit, {names}"
        raise ValueError(
            f"update received {_kind_named(levels)}, but this forecaster was "
            f"fitted on {_kind_named(fitted)}: it continues the series it was "
            f"fitted on, so pass the new observations in that form ({form}), "
            "or fit again on the whole data."
        )

    def _check_columns(self, columns: list) -> None:
        """Refuse new observations in ``columns`` other than those of ``fit``.

        sktime hands each column of a multivariate y to the forecaster of
        the column in the same place, whatever its name.
        """
        fitted = self._fitted_columns()
        if fitted is None and len(columns) > 1:
            name = self._name
            form = f"y[{name!r}]" if name in columns else "the one column of values"
            raise ValueError(
                f"update received {len(columns)} columns, {columns}, but this "
                "forecaster was fitted on one column of values: it continues "
                f"that column alone, so pass it alone ({form}), or fit again "
                "on all the columns (sktime then fits a forecaster on each)."
            )
        if fitted is not None and columns != fitted:
            raise ValueError(
                f"update received the column(s) {columns}, but this forecaster "
                f"was fitted on the columns {fitted}, a forecaster on each, "
                "which sktime updates in that order: pass the new observations "
                f"of those columns, in that order (y[{fitted}]), or fit again "
                "on the whole data."
            )

    def _continue_series(self, y_new, X: pd.DataFrame | None) -> None:
        """Give the forecaster the rows ``y_new`` after its series' ends."""
        X_new = _covariates_of_rows(X, y_new.index, "update")
        series = self._with_new_keys(y_new)
        if X_new is not None and self._covariates:
            y_new, X_new = self._with_skipped_steps(y_new, X, series, "update")
        codes = self._codes_in(y_new, series)
        values, groups = self._timed_values(y_new, codes, series)
        self.forecaster_.update(
            self._covariate_rows(X_new, values.index), values, groups=groups
        )
        self._series = series  # the new keys only once the forecaster took them
        ends = _series_ends(y_new.index, codes, len(self._series_keys()))
        previous = np.r_[self._ends, np.full(len(ends) - len(self._ends), None)]
        self._ends = np.where(pd.isna(ends), previous, ends)

    def _with_new_keys(self, y_new) -> pd.Index | None:
        """The keys of the series known, then those of the new series of
        ``y_new`` in order of appearance (None for a single series)."""
        if self._series is None:
            return None
        keys = y_new.index.droplevel(-1).unique()
        return self._series.append(keys.difference(self._series, sort=False))

    @staticmethod
    def _codes_in(y, series: pd.Index | None):
        """The series code of each row of ``y`` among ``series`` (None for a
        single series)."""
        return None if series is None else series.get_indexer(y.index.droplevel(-1))

    def _with_skipped_steps(self, y, X: pd.DataFrame, series, call: str) -> tuple:
        """``y`` with a row at each step its series skip, NaN, and the
        covariates of all its rows from ``X``.

        The forecaster reads a skipped step as a missing value of y (as it
        does without covariates), but its covariates as known: it refuses
        the gap, since it cannot make them up. ``X`` may hold them (the full
        grid, with y's gaps): those rows are taken; an ``X`` without them is
        refused, naming the steps. ``call`` is ``"fit"`` (the steps between
        each series' first and last rows) or ``"update"`` (from the step
        after the end of each known series).
        """
        full = self._full_grid(y, series, call)
        if full is None:
            return y, X.loc[y.index]
        missing = full.difference(y.index).difference(X.index)
        if len(missing):
            span = (
                "from the first to the last observation of each series"
                if call == "fit"
                else "from the end of each series to its last new observation"
            )
            raise ValueError(
                f"X lacks the covariates of {len(missing)} step(s) that y skips, "
                f"such as {list(missing[:5])}: {call} takes the values of y at "
                "those steps as missing, but the forecast reads their covariates "
                f"as known. Pass X with a row for every step {span} (y may leave "
                "out, or hold NaN at, the steps whose values are missing)."
            )
        return y.reindex(full), X.loc[full]

    def _full_grid(self, y, series, call: str) -> pd.Index | None:
        """The index of ``y`` with the steps its series skip, on the
        forecaster's time grid: in ``fit``, between each series' first and
        last times; in ``update``, each known series from the step after its
        end, each new one from its first time.

        None when nothing is skipped, or when the forecaster would refuse
        the times (off its grid, repeated, of another kind), which it does
        with its own message.
        """
        if not getattr(self, "_timed", False) or y.index.has_duplicates:
            return None
        values, groups = self._timed_values(y, self._codes_in(y, series), series)
        integer_time = is_long_format(values)
        _, values, groups = from_long_format(None, values, groups)
        filled, labels = self._with_missing_steps(values, groups, integer_time, call)
        if len(filled) == len(values):
            return None
        if series is None:
            full = filled.index.rename(y.index.name)
        else:
            # Back from the forecaster's labels of the series to their keys.
            known = pd.Index(self._labels(np.arange(len(series)), series))
            keys = series[known.get_indexer(labels)]
            full = _panel_index(keys, filled.index).set_names(y.index.names)
        # Times the forecaster dated otherwise (periods on a grid of
        # timestamps) are left for it to place.
        return full if y.index.isin(full).all() else None

    def _with_missing_steps(self, values, groups, integer_time: bool, call: str):
        """``values`` with NaN at the steps their series skip, and the series
        label of each row, as the forecaster's ``call`` fills them: ``fit``
        on each series' own grid, ``update`` on the grid it was fitted on."""
        if call == "fit":
            _, filled, labels = with_missing_steps(
                None, values, groups, integer_time=integer_time
            )
            return filled, labels
        state = self.forecaster_._fitted().state
        _, filled, labels = with_missing_steps_after(
            state.grid, state.labels, None, values, groups, integer_time=integer_time
        )
        return filled, labels

    def _latest_end(self) -> pd.Index:
        """The end of the series that ends last, as an index of one time."""
        ends = pd.Index([end for end in self._ends if not pd.isna(end)])
        return ends[[ends.argmax()]]

    def _cutoff_with_freq(self) -> pd.Index:
        """sktime's cutoff, with the frequency of the dates when it lost it.

        sktime keeps the frequency of one series' DatetimeIndex, not of a
        panel's time level; the steps of the horizon need it.
        """
        cutoff = self.cutoff
        if isinstance(cutoff, pd.DatetimeIndex) and cutoff.freq is None:
            cutoff = pd.DatetimeIndex(cutoff, freq=self._freq)
        return cutoff

    def _timed_values(self, y, codes, series: pd.Index | None = None) -> tuple:
        """The values of ``y`` and their ``groups`` for the forecaster (the
        series ``codes`` of ``series``, as :meth:`_labels` names them).

        The values are on their time labels when it was fitted on them (a
        model fitted before it was, on the values). Integer times are given
        in the long format, the one where the forecaster reads integers as
        times, not as row numbers: a step missing inside a series is then a
        missing value there too.
        """
        values, groups = _values_of(y), self._labels(codes, series)
        if not getattr(self, "_timed", False):
            return values.to_numpy(), groups
        times = y.index
        if isinstance(times, pd.MultiIndex):
            times = times.get_level_values(-1)
        if pd.api.types.is_integer_dtype(times):
            labels = np.zeros(len(y), dtype=np.intp) if groups is None else groups
            rows = pd.MultiIndex.from_arrays([labels, times])
            return pd.Series(values.to_numpy(), index=rows, name=values.name), None
        return pd.Series(values.to_numpy(), index=times, name=values.name), groups

    def _labels(self, codes, series: pd.Index | None = None):
        """The forecaster's labels of the series ``codes`` of ``series``
        (default: those known): their keys, when each is one plain value
        (strings, integers), else their codes. None for a single series."""
        series = self._series if series is None else series
        if series is None:
            return None
        keyed = getattr(self, "_keyed", None)
        if keyed is None:  # fitted before the choice was kept
            keyed = self._plain_keys(series)
        return series.to_numpy()[codes] if keyed else codes

    def _plain_keys(self, series: pd.Index | None) -> bool:
        """Whether the forecaster names the series by their keys: one plain
        value each (strings, integers) in a fit on their times."""
        return (
            getattr(self, "_timed", False)
            and series is not None
            and not isinstance(series, pd.MultiIndex)
            and series.inferred_type in ("string", "integer")
        )

    def _series_keys(self) -> pd.Index:
        """The keys of the series (one key, None, for a single series)."""
        return pd.Index([None]) if self._series is None else self._series

    def _steps_behind(self, cutoff: pd.Index) -> np.ndarray:
        """How many of the forecaster's steps before ``cutoff`` (the latest
        end) each series ends."""
        ends = pd.Index(self._ends.tolist())  # the dtype of the time labels
        unique = ends.unique().sort_values()
        if _dated_in_a_time_zone(cutoff):
            # Counted on the forecaster's grid, as _after steps: sktime's
            # horizon drops the time zone, and counts the hours of local
            # time that a change of daylight saving skips or repeats.
            apart = _wall_steps_between(unique, cutoff, self._grid_reference())
            return apart[unique.get_indexer(ends)]
        relative = ForecastingHorizon(
            unique, is_relative=False, freq=cutoff
        ).to_relative(cutoff)
        behind = -np.asarray(relative, dtype=np.int64) // self._unit()
        return behind[unique.get_indexer(ends)]

    def _grid_reference(self):
        """A date of the forecaster's time grid at the usual time of day of
        the series (its origin, which it never places on a day that starts
        late); None when it has no grid of dates."""
        grid = self.forecaster_._fitted().state.grid
        return None if grid is None else grid.origin

    def _forecast_rows(self, fh: ForecastingHorizon, X, method):
        """Forecast every series up to the furthest step of ``fh``, then subset.

        ``method(covariates, groups)`` forecasts the rows (the forecaster's
        ``predict``, ``predict_quantiles`` or ``predict_interval``); each
        series' rows are the steps after its own end (with the direct
        strategy, on to the end of the block, see :meth:`_steps_read`).
        Returns the rows of the steps of ``fh``, series after series, and
        their sktime index.
        """
        cutoff = self._cutoff_with_freq()
        relative = np.asarray(fh.to_relative(cutoff), np.int64)
        steps = self._forecaster_steps(relative)
        behind = self._steps_behind(cutoff)
        furthest = int(steps.max()) + behind  # per series, from its own end
        keys = self._series_keys()
        lengths = self._steps_read(furthest, behind, X, keys)
        try:
            forecast = self._forecast_steps(method, X, keys, lengths, behind)
        except ValueError:
            if np.array_equal(lengths, furthest):
                raise
            # An interval is calibrated at every row forecast: the held-out
            # tail may calibrate the steps of fh but not the rest of their
            # block. Those rows then stop at the furthest step of fh (an
            # error of that forecast is raised as it is).
            lengths = furthest
            forecast = self._forecast_steps(method, X, keys, lengths, behind)
        starts = np.cumsum(lengths) - lengths
        rows = (starts[:, None] + (steps + behind[:, None]) - 1).ravel()
        if _dated_in_a_time_zone(cutoff):
            # Local days, not 24 hours. Never sktime's conversion here: it
            # fails on a day whose usual time of day does not exist.
            absolute = _after(cutoff, relative, self._grid_reference())
        else:
            absolute = fh.to_absolute_index(cutoff)
        if self._series is None:
            return forecast[rows], absolute
        index = _panel_index(keys.repeat(len(steps)), np.tile(absolute, len(keys)))
        return forecast[rows], index.set_names(self._index_names)

    def _forecast_steps(self, method, X, keys: pd.Index, lengths, behind) -> np.ndarray:
        """``method``'s rows of each series' next ``lengths`` steps, in order."""
        codes, times = self._future_steps(lengths, behind)
        covariates = self._future_covariates(X, keys, codes, times)
        forecast = method(covariates, groups=self._labels(codes))
        return np.asarray(forecast).reshape(len(codes), -1)

    def _future_steps(self, lengths: np.ndarray, behind: np.ndarray) -> tuple:
        """The series codes and times of each series' next ``lengths`` steps.

        Each series continues from its own end, ``behind`` steps before the
        cutoff.
        """
        cutoff = self._cutoff_with_freq()
        codes = np.repeat(np.arange(len(lengths)), lengths)
        own_steps = np.concatenate([np.arange(1, n + 1) for n in lengths])
        steps = (own_steps - np.repeat(behind, lengths)) * self._unit()
        times = _after(cutoff, steps, self._grid_reference())
        return codes, times

    def _steps_read(self, furthest, behind, X, keys: pd.Index) -> np.ndarray:
        """How many steps of each series to forecast, to reach ``furthest``.

        A direct forecast reads the covariates of every step of its block,
        and the forecaster repeats the last row it is given for the steps
        beyond: cut at the furthest step of fh, X would make a step's
        forecast depend on the other steps asked. So the rows run on to the
        end of the block of the furthest step, as far as X has complete
        covariates for them (as ``LSTMForecaster.predict`` reads all the
        rows it is given).
        """
        block = block_of(self.forecaster_._fitted_architecture())
        covariates = self._covariates
        if block == 1 or covariates is None or X is None:
            return furthest
        if not set(covariates).issubset(X.columns):
            return furthest  # refused, naming the columns, when they are read
        block_ends = -(-furthest // block) * block
        codes, times = self._future_steps(block_ends, behind)
        index = times if self._series is None else _panel_index(keys[codes], times)
        known = X.index[X[covariates].notna().all(axis=1).to_numpy()]
        own_steps = np.concatenate([np.arange(1, n + 1) for n in block_ends])
        unknown = ~index.isin(known) & (own_steps > np.repeat(furthest, block_ends))
        lengths = block_ends.copy()
        # Each series stops before its first step beyond fh that X lacks.
        np.minimum.at(lengths, codes[unknown], own_steps[unknown] - 1)
        return lengths

    def _unit(self) -> int:
        """The step of integer time labels, in their units (1 for dates).

        sktime counts an integer horizon in the units of the labels; the
        forecaster counts its own steps, which on times 0, 2, 4, ... are 2
        units each.
        """
        step = getattr(self.forecaster_, "_time_step", None)
        integer = isinstance(step, (int, np.integer)) and not isinstance(step, bool)
        return int(step) if integer and step > 1 else 1

    def _forecaster_steps(self, relative: np.ndarray) -> np.ndarray:
        """The forecaster's steps of sktime's relative horizon ``relative``;
        refuse times between the steps of integer time labels."""
        unit = self._unit()
        between = relative[relative % unit != 0]
        if len(between):
            raise ValueError(
                f"fh asks for the relative step(s) {between[:5].tolist()}, which "
                f"fall between the times of the series: they step by {unit} on "
                f"their integer time labels. Ask for multiples of {unit} (fh="
                f"{[unit * k for k in (1, 2, 3)]} for the next three steps)."
            )
        return relative // unit

    def _new_rows(self, y) -> np.ndarray:
        """The rows of ``y`` after the end of their series; refuse those that
        do not continue it (see :meth:`_check_continues_the_series`)."""
        if self._series is None:
            new = np.asarray(y.index > self._end[0])
            self._check_continues_the_series(y.index[new], self._end[0])
            return new
        keys, times = y.index.droplevel(-1), y.index.get_level_values(-1)
        where = self._series.get_indexer(keys)
        behind = self._steps_behind(self._end)
        new = np.ones(len(y), dtype=bool)
        for code in np.unique(where[where >= 0]):
            rows = where == code
            new[rows] = np.asarray(times[rows] > self._ends[code])
            self._check_continues_the_series(
                times[rows & new], self._ends[code], behind[code], keys[rows][0]
            )
        return new

    def _check_continues_the_series(
        self, index: pd.Index, end, behind: int = 0, series=None
    ) -> None:
        """Refuse new observations ``index`` that do not continue their series.

        The series ends at ``end``, ``behind`` steps before the cutoff seen
        so far. The forecaster receives the values on their times, so the
        steps skipped before or among the new observations are missing
        values there, as in ``fit`` and ``LSTMForecaster.update``: only a
        first time before the step after the end, within the last step
        seen, is refused here (the forecaster refuses a time off its grid
        later on). A model fitted before the forecaster was given the times
        receives values only, and would take values after any gap as the
        next steps: every step must then be given.
        """
        if not len(index):
            return
        if getattr(self, "_timed", False):
            self._check_starts_after_the_end(index, end, behind, series)
            return
        expected = self._steps_after_end(len(index), behind)
        if index.equals(expected):
            return
        self._set_cutoff(self._end)  # the update is refused: nothing moves
        missing = [str(step) for step in expected.difference(index)[:3]]
        raise ValueError(
            f"update received observations from {index[0]} on, but "
            f"{self._series_named(series)} seen so far ends at {end}: the "
            f"step(s) {missing} are missing, so the new values do not continue "
            "it. This model was fitted without the times of the series, so "
            "the forecast runs step by step from the last values: pass every "
            "step after the end of the series (NaN where a value is missing), "
            "or refit on the whole series."
        )

    def _check_starts_after_the_end(
        self, index: pd.Index, end, behind: int, series
    ) -> None:
        """Refuse new observations whose first time falls before the step
        after their series' ``end`` (within the step of the end)."""
        following = self._steps_after_end(1, behind)[0]
        if index[0] >= following:
            return
        self._set_cutoff(self._end)  # the update is refused: nothing moves
        raise ValueError(
            f"update received observations from {index[0]} on, but "
            f"{self._series_named(series)} seen so far ends at {end}, whose "
            f"next step is {following}: the new observations must start at a "
            "step after the end, not within the last step seen. Pass them on "
            f"the steps of the series, from {following} on (a step left out "
            "is a missing value), or refit on the whole series."
        )

    @staticmethod
    def _series_named(series) -> str:
        """The series of the key ``series`` (None for a single series), for a
        message."""
        return "the series" if series is None else f"the series {series!r}"

    def _steps_after_end(self, count: int, behind: int) -> pd.Index:
        """The first ``count`` times after the end of a series that ends
        ``behind`` steps before the cutoff."""
        return _after(
            self._end,
            (np.arange(1, count + 1) - behind) * self._unit(),
            self._grid_reference(),
        )

    def _covariate_rows(self, X: pd.DataFrame | None, rows: pd.Index):
        """The covariates of ``X`` as the forecaster reads them, on ``rows``
        (the index of the values given with them).

        In the columns and order of ``fit``, by their names when the
        forecaster knows them (see :meth:`_names_covariates`), so that its
        messages name the user's covariate, not its place among them.
        """
        if self._covariates is None:
            return np.empty((len(rows), 0))
        if X is None:
            raise ValueError(
                f"This forecaster was fitted with the covariates "
                f"{self._covariates}, so it needs them for the new steps too: "
                "pass X."
            )
        absent = [name for name in self._covariates if name not in X.columns]
        if absent:
            raise ValueError(
                f"X lacks the covariate column(s) {absent}: this forecaster was "
                f"fitted with {self._covariates}, which it reads at every step."
            )
        covariates = X[self._covariates]
        refuse_missing_covariates(covariates)  # named, before they become an array
        values = covariates.to_numpy(dtype=np.float64)
        if not self._names_covariates():
            return values
        return pd.DataFrame(values, index=rows, columns=self._covariates)

    def _names_covariates(self) -> bool:
        """Whether the forecaster is given the covariates by their names.

        It is when it was fitted with them; in ``fit``, when every name is
        a string (scikit-learn keeps no other names). A model fitted when
        the adapter gave arrays reads arrays still: given names now, it
        would warn that it was fitted without them.
        """
        if self.forecaster_.__sklearn_is_fitted__():
            return getattr(self.forecaster_, "feature_names_in_", None) is not None
        names = self._covariates
        return bool(names) and all(isinstance(name, str) for name in names)

    def _future_covariates(self, X, keys: pd.Index, codes: np.ndarray, times):
        """The covariates of the future rows: series ``keys[codes]`` at ``times``."""
        if self._covariates is None:
            return np.empty((len(times), 0))
        if X is None:
            raise ValueError(
                f"This forecaster was fitted with the covariates {self._covariates}; "
                "pass X with their values for every step up to the furthest step "
                "of fh."
            )
        index = times
        if self._series is not None:
            index = _panel_index(keys[codes], times)
        missing = index.difference(X.index)
        if len(missing):
            raise ValueError(
                f"X lacks the covariates of the future step(s) "
                f"{list(missing[:5])}: the forecast runs step by step from the end "
                "of each series, so X must cover every step up to the furthest "
                "step of fh."
            )
        # Not dated: the forecaster forecasts the rows as the next steps,
        # which the adapter placed at their times.
        return self._covariate_rows(X.loc[index], pd.RangeIndex(len(index)))

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Small forecasters for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Unused: sklstm has one set.

        Returns
        -------
        params : list of dict
            A recursive and a direct forecaster, tiny and quick to train.

        Examples
        --------
        >>> from sklstm.sktime import LSTMSktimeForecaster
        >>> [LSTMSktimeForecaster(**p).forecaster.strategy
        ...  for p in LSTMSktimeForecaster.get_test_params()]
        ['recursive', 'direct']
        """
        # Half of sktime's short test series is held out, so that the tail
        # calibrates intervals (at 90 %) as far ahead as its checks ask.
        tiny = dict(lookback=3, hidden_size=4, max_iter=3, random_state=0)
        tiny.update(n_networks=1, validation_fraction=0.5)
        return [
            {"forecaster": LSTMForecaster(strategy="recursive", **tiny)},
            {"forecaster": LSTMForecaster(strategy="direct", horizon=2, **tiny)},
        ]
