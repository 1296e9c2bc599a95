"""Plots of a training run and of a forecast (and its quantiles), drawn with matplotlib.

matplotlib is an optional extra (``pip install 'sklstm[plot]'``): it is
imported only when a function here is called, never by ``import sklstm``.
Every function draws on the ``ax`` it is given (or on a new figure) and
returns that axes, so plots can be combined and restyled.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from sklstm._intervals import check_coverage, check_quantile_levels
from sklstm._pipeline import final_estimator
from sklstm._time_index import local_date_range, series_step
from sklstm.inspection import _inner_regressor

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    from matplotlib.axes import Axes


def plot_loss_curve(estimator: BaseEstimator, *, ax: Axes | None = None) -> Axes:
    """Plot the training (and validation) loss per epoch, best epoch marked.

    Both losses are the mean squared error on standardised targets, so they
    share one (logarithmic) axis. The marked epoch is the one whose weights
    the model kept: with ``early_stopping``, the lowest validation loss, or
    the weights training started from when no epoch clearly beat them;
    without, the last epoch.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMForecaster
        A fitted estimator, or a fitted Pipeline ending in one.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.plotting import plot_loss_curve
    >>> X = np.sin(0.1 * np.arange(200))[:, None]
    >>> model = LSTMRegressor(lookback=5, max_iter=10, early_stopping=True,
    ...                       random_state=0).fit(X[:-1], X[1:, 0])
    >>> ax = plot_loss_curve(model)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['training loss', 'validation loss']
    """
    regressor = _inner_regressor(final_estimator(estimator), "plot_loss_curve")
    losses = np.asarray(regressor.loss_curve_, dtype=float)
    epochs = np.arange(1, len(losses) + 1)
    validation = getattr(regressor, "validation_loss_curve_", None)
    kept = getattr(regressor, "_kept_epoch", None)  # None: saved before it was
    if validation:
        # A warm-started fit validates only its own epochs: the last ones.
        validation_epochs = epochs[len(losses) - len(validation) :]
        if kept is None:
            best, value, label = _best_validation_epoch(regressor, validation_epochs)
        elif kept < validation_epochs[0]:
            best, value, label = kept, np.nan, "kept weights: before training"
        else:
            best, value = kept, validation[kept - validation_epochs[0]]
            label = "kept weights: lowest validation loss"
    else:
        # The last weights; an interrupted fit keeps the lowest loss's.
        best = len(losses) if kept is None else kept
        value = losses[best - 1] if best else np.nan
        if not best:  # interrupted before an epoch ended
            label = "kept weights: before training"
        elif best == len(losses):
            label = "kept weights: last epoch"
        else:
            label = "kept weights: lowest training loss"
    ax = _axes(ax)
    ax.plot(epochs, losses, label="training loss")
    if validation:
        ax.plot(validation_epochs, validation, label="validation loss")
    if np.isnan(value):  # the weights from before this fit's epochs
        ax.axvline(best, color="black", linestyle=":", label=label)
    else:
        ax.plot(
            [best],
            [value],
            marker="o",
            linestyle="none",
            color="black",
            label=f"{label} (epoch {best})",
        )
    if (losses > 0).all() and (not validation or np.min(validation) > 0):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (standardised targets)")
    ax.set_title(f"{type(final_estimator(estimator)).__name__} training")
    ax.legend()
    return ax


def _best_validation_epoch(
    regressor: BaseEstimator, validation_epochs: np.ndarray
) -> tuple[int, float, str]:
    scores = np.asarray(regressor.validation_scores_, dtype=float)
    best = int(np.argmin(regressor.validation_loss_curve_))
    label = "kept weights: lowest validation loss"
    best_score = getattr(regressor, "best_validation_score_", None)
    if (
        best_score is not None
        and not np.isnan(scores[best])
        and scores[best] != best_score
    ):
        # The weights from before training had the lowest loss and were
        # kept: those of the epoch before this fit's first (0, or the last
        # epoch of the fit a warm start went on from).
        return (
            int(validation_epochs[0]) - 1,
            float("nan"),
            "kept weights: before training",
        )
    return (
        int(validation_epochs[best]),
        float(regressor.validation_loss_curve_[best]),
        label,
    )


def plot_forecast(
    forecast,
    *,
    history=None,
    truth=None,
    interval=None,
    coverage: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Plot a forecast after its history, with the truth and an interval.

    Pandas Series are drawn against their index (dates, for example), and
    so is the forecast of one series that ``LSTMForecaster.predict_series``
    returns on a ``(series, time)`` MultiIndex: at the dates the forecaster
    gave it. The history and the truth are read the same way, so one
    series of a long-format collection (``y_long.loc[["store_1"]]``) is
    drawn at its times; several series, or a MultiIndex whose levels are
    not a series then its times, are refused. Plain arrays are drawn at the
    steps after the history: after a dated history, at the next dates of
    the step inferred from that history's own dates alone, the step a
    forecaster fitted on that one series reads them by (dates it skips are
    missing steps; as :func:`plot_quantiles` draws its fan); else at step
    numbers, the forecast continuing where the history ends.

    A forecaster fitted on many series reads them all on one grid, which
    can be finer than one series' own (daily, when one series is daily and
    another business-daily), and then forecasts that series at dates its
    history skips (a Saturday after a Friday). To draw a forecast at the
    dates the forecaster gave it, pass it as ``predict_series`` returns it,
    not as the array of ``predict``.

    Parameters
    ----------
    forecast : array-like of shape (n_steps,) or pandas.Series
        The predicted values: an array, a Series on its own index, or the
        Series ``predict_series`` returns for the steps of one series.
    history : array-like of shape (n_history,) or pandas.Series, default=None
        The observed values before the forecast: an array, a Series on its
        own index, or one series on a ``(series, time)`` MultiIndex.
    truth : array-like of shape (n_steps,) or pandas.Series, default=None
        What actually happened over the forecast's steps: an array, at the
        forecast's places, or a Series as ``history`` is given.
    interval : array-like of shape (n_steps, 2), default=None
        Lower and upper bounds for each step, as ``predict_interval`` returns
        them; drawn as a shaded band.
    coverage : float, default=None
        The interval's coverage, for its legend label.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.plotting import plot_forecast
    >>> ax = plot_forecast(np.array([3.0, 4.0]), history=np.array([1.0, 2.0]),
    ...                    interval=np.array([[2.5, 3.5], [3.0, 5.0]]))
    >>> [line.get_label() for line in ax.get_lines()]
    ['history', 'forecast']
    >>> ax.get_lines()[1].get_xdata().tolist()
    [2, 3]
    """
    if coverage is not None:
        check_coverage(coverage)
    # Everything is checked before anything is drawn: a refusal leaves the
    # axes as they were, and makes no figure.
    past, places = _history_points(history)
    forecast_x, forecast_y = _x_and_y(_on_its_times(forecast, "forecast"), places)
    if interval is not None:
        bounds = np.asarray(interval, dtype=float)
        if bounds.shape != (len(forecast_y), 2):
            raise ValueError(
                f"interval must have shape (n_steps, 2) = ({len(forecast_y)}, 2), "
                f"one (lower, upper) pair per forecast step; got {bounds.shape}."
            )
    actual = _truth_beside(truth, past, forecast_x)
    with _drawing(ax) as ax:
        _draw_history(ax, past)
        if interval is not None:
            label = "interval" if coverage is None else f"{_percent(coverage)} interval"
            ax.fill_between(
                forecast_x,
                bounds[:, 0],
                bounds[:, 1],
                color="tab:orange",
                alpha=0.25,
                label=label,
            )
        _draw_truth(ax, actual)
        ax.plot(forecast_x, forecast_y, color="tab:orange", label="forecast")
        ax.legend()
    return ax


def plot_quantiles(
    quantiles,
    levels,
    *,
    history=None,
    truth=None,
    ax: Axes | None = None,
) -> Axes:
    """Plot forecast quantiles as a fan chart after the history.

    Each pair of levels ``q`` and ``1 - q`` is drawn as a band, darker
    toward the middle; the median (level 0.5), when asked for, as the
    forecast line. The input is what ``LSTMForecaster.predict_quantiles``
    returns for ``levels``.

    Parameters
    ----------
    quantiles : array-like of shape (n_steps, n_levels) or pandas.DataFrame
        The forecast quantiles, one column per level. A DataFrame is drawn
        against its index (the dates asked for, for example), a
        ``(series, time)`` MultiIndex of one series against its times; an
        array at the steps after the history, by the step inferred from the
        history's own dates, as :func:`plot_forecast` draws one. In a panel
        whose grid is finer than the series' own, put the array on the index
        of ``predict_series`` for the same rows to draw it at the dates the
        forecaster gave them:
        ``pd.DataFrame(quantiles, index=forecaster.predict_series(X, groups=g).index)``.
    levels : sequence of float
        The quantile level of each column, strictly between 0 and 1. Every
        level below 0.5 needs its mirror ``1 - level``.
    history : array-like of shape (n_history,) or pandas.Series, default=None
        The observed values before the forecast, as :func:`plot_forecast`
        reads them: a ``(series, time)`` MultiIndex of one series at its
        times.
    truth : array-like of shape (n_steps,) or pandas.Series, default=None
        What actually happened over the forecast's steps, as
        :func:`plot_forecast` reads it.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.plotting import plot_quantiles
    >>> quantiles = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 2.5, 3.5, 4.5, 5.5]])
    >>> ax = plot_quantiles(quantiles, (0.1, 0.25, 0.5, 0.75, 0.9),
    ...                     history=np.array([3.0, 3.2]))
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['history', '80% (0.1 to 0.9)', '50% (0.25 to 0.75)', 'median']
    >>> ax.get_lines()[1].get_xdata().tolist()
    [2, 3]
    """
    quantiles = _on_its_times(quantiles, "quantiles")
    values = np.asarray(quantiles, dtype=float)
    levels = check_quantile_levels(levels)
    if values.ndim != 2 or values.shape[1] != len(levels):
        raise ValueError(
            f"quantiles must have shape (n_steps, n_levels) = (n_steps, "
            f"{len(levels)}), one column per level; got {values.shape}."
        )
    bands, median = _bands_and_median(levels)
    past, places = _history_points(history)
    if isinstance(quantiles, pd.DataFrame):  # drawn against its index
        steps = _drawable(quantiles.index)
    else:
        steps = _steps_after(places, len(values))
    actual = _truth_beside(truth, past, steps)
    with _drawing(ax) as ax:
        _draw_history(ax, past)
        for rank, (low, high) in enumerate(bands):
            level, upper = levels[low], levels[high]
            ax.fill_between(
                steps,
                values[:, low],
                values[:, high],
                color="tab:orange",
                alpha=0.15 + 0.25 * rank / max(len(bands), 1),
                linewidth=0,
                label=f"{_percent(upper - level)} ({level:g} to {upper:g})",
            )
        _draw_truth(ax, actual)
        if median is not None:
            ax.plot(steps, values[:, median], color="tab:orange", label="median")
        ax.legend()
    return ax


#: How far the sum of two levels may be from 1 for them to be mirrors (q
#: and 1 - q), and a level from 0.5 to be the median. Levels are read as
#: predict_quantiles reads them, as the float64 of the values given: float32
#: levels are each off by up to half float32's eps (0.1 reads as
#: 0.10000000149, 0.9 as 0.89999997616), their sum by up to one eps.
LEVEL_TOLERANCE = 2 * float(np.finfo(np.float32).eps)


def _bands_and_median(levels: np.ndarray) -> tuple[list[tuple[int, int]], int | None]:
    """The columns of each band (a level q below 0.5 and its mirror 1 - q),
    from the outermost in, and the column of the median (None: none asked).

    A level repeated among ``levels`` makes one band. Refuses a level
    without its mirror, which would make no band.
    """
    at_half = np.abs(levels - 0.5) <= LEVEL_TOLERANCE
    mirrors = np.abs(levels[:, None] + levels[None, :] - 1) <= LEVEL_TOLERANCE
    unpaired = [
        float(level)
        for level, median, paired in zip(
            levels, at_half, mirrors.any(axis=1), strict=True
        )
        if not (median or paired)
    ]
    lower = [int(c) for c in np.argsort(levels, kind="stable") if levels[c] < 0.5]
    lower = [c for c in lower if not at_half[c]]
    if unpaired or (not lower and not at_half.any()):
        raise ValueError(
            "plot_quantiles draws each level q below 0.5 beside its mirror "
            f"1 - q; {unpaired or 'no pair and no median'} have none among "
            f"the levels {levels.tolist()}. Ask predict_quantiles for both."
        )
    bands = []
    for low in lower:
        if bands and abs(levels[low] - levels[bands[-1][0]]) <= LEVEL_TOLERANCE:
            continue  # a level asked for twice: its band is drawn once
        bands.append((low, int(np.flatnonzero(mirrors[low])[-1])))
    median = int(np.flatnonzero(at_half)[-1]) if at_half.any() else None
    return bands, median


def _history_points(history) -> tuple[tuple | None, pd.Index | None]:
    """Where ``history`` (if any) is drawn, and its places (None: none)."""
    if history is None:
        return None, None
    history = _on_its_times(history, "history")
    history_x, history_y = _x_and_y(history, None)  # an array: from step 0
    places = history.index if isinstance(history, pd.Series) else None
    places = pd.RangeIndex(len(history_y)) if places is None else places
    return (history_x, history_y), places


def _draw_history(ax: Axes, points: tuple | None) -> None:
    if points is not None:
        ax.plot(*points, color="tab:blue", label="history")


def _steps_after(places: pd.Index | None, n_steps: int) -> np.ndarray:
    """Where ``n_steps`` steps after a history drawn at ``places`` go.

    Dates continue by the frequency the forecaster reads them by (a date
    they skip is a step with a missing value), elapsed times by their
    frequency (else by their last step), integers by the greatest common
    divisor of their steps (the step the forecaster reads times by), other
    numbers by their last step; a forecast without a history starts at
    step 0.
    """
    ahead = np.arange(1, n_steps + 1)
    if places is None or not len(places):
        return ahead - 1
    if isinstance(places, pd.PeriodIndex):
        return _drawable(pd.period_range(places[-1] + 1, periods=n_steps))
    if isinstance(places, pd.DatetimeIndex):
        # The grid the forecaster reads the dates on: dates it skips are
        # missing steps, not another frequency.
        freq = series_step(places)
        if freq is None:
            raise ValueError(
                "The history is dated, but its dates have no regular frequency, "
                "so the steps of a forecast given as an array cannot be placed "
                "after it. Pass the forecast as a pandas Series on its dates "
                "(LSTMForecaster.predict_series), or the history as an array."
            )
        steps = local_date_range(places[-1], None, freq, periods=n_steps + 1)
        return steps[1:].to_numpy()
    if isinstance(places, pd.TimedeltaIndex):  # elapsed times: by their step
        step = places.freq or (places[-1] - places[-2] if len(places) >= 2 else None)
        if step is None:
            raise ValueError(
                "The history holds one elapsed time, which gives no step to "
                "place the forecast's steps after it: pass the forecast as a "
                "pandas Series on its times, or the history as an array."
            )
        return np.asarray(places[-1] + pd.to_timedelta(step) * ahead)
    if pd.api.types.is_integer_dtype(places):
        # The forecaster's step: the greatest common divisor of the steps,
        # so a time missing before the end does not double it.
        steps = np.diff(np.asarray(places, dtype=np.int64))
        step = np.gcd.reduce(steps[steps > 0]) if (steps > 0).any() else 1
        return places[-1] + step * ahead
    if pd.api.types.is_numeric_dtype(places):
        step = places[-1] - places[-2] if len(places) >= 2 else 1
        return places[-1] + step * ahead
    return len(places) + ahead - 1  # labels without an order: positions


def _truth_points(truth, steps) -> tuple | None:
    """Where ``truth`` (if any) is drawn over the forecast steps, drawn at
    ``steps``: a Series at its own index, values at the forecast's places."""
    if truth is None:
        return None
    truth = _on_its_times(truth, "truth")
    if isinstance(truth, pd.Series):
        truth_x, truth_y = _x_and_y(truth, None)
    else:
        truth_x, truth_y = steps, _x_and_y(truth, None)[1]
    if len(truth_y) != len(steps):
        raise ValueError(
            f"truth must have one value per forecast step ({len(steps)}); "
            f"got {len(truth_y)}."
        )
    return truth_x, truth_y


def _draw_truth(ax: Axes, points: tuple | None) -> None:
    if points is not None:
        ax.plot(*points, color="black", linewidth=1, label="truth")


def _x_and_y(values, history: pd.Index | None) -> tuple[np.ndarray, np.ndarray]:
    """A Series' index and values; an array's values at the steps after
    the places ``history`` was drawn at."""
    if isinstance(values, pd.Series):
        return _drawable(values.index), values.to_numpy(dtype=float)
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError(
            f"Expected a 1-D series of values; got an array of shape {y.shape}. "
            "Plot one output at a time."
        )
    return _steps_after(history, len(y)), y


def _on_its_times(values, name: str):
    """``values`` on the times of its index when that index is a ``(series,
    time)`` MultiIndex of one series, as ``predict_series`` returns the
    forecast of one series of many and ``long.loc[[series]]`` gives one
    series of a long-format collection; else ``values`` as given.

    Refuses a MultiIndex of several series, and one whose levels are not a
    series then its times (a ``(time, series)`` index, for example), saying
    which of the values (``name``) it is.
    """
    if not isinstance(values, pd.Series | pd.DataFrame):
        return values
    index = values.index
    if not isinstance(index, pd.MultiIndex):
        return values
    if not (
        index.nlevels == 2
        and _holds_series_labels(index.levels[0])
        and _holds_times(index.levels[1])
    ):
        raise ValueError(
            f"The MultiIndex of the {name}, whose levels {list(index.names)} "
            f"hold {[str(level.dtype) for level in index.levels]}, is not a "
            "(series, time) index: a plot reads a MultiIndex as the long "
            "format, the series on its first level and their times (dates, "
            "periods or numbers) on its second, as predict_series returns it. "
            f"Put the series first ({name}.swaplevel().sort_index()) and plot "
            "one series at a time, or pass the series on its times alone."
        )
    series = index.get_level_values(0).unique()
    if len(series) > 1:
        raise ValueError(
            f"{len(series)} series are in the {name}, on a (series, time) "
            f"MultiIndex ({series[:3].tolist()}"
            f"{', ...' if len(series) > 3 else ''}): plot one series at a "
            f"time, for example {name}.loc[[{series[0]!r}]]."
        )
    return values.droplevel(0)


def _holds_times(level: pd.Index) -> bool:
    """Whether ``level`` holds times as ``predict_series`` gives them: dates,
    periods or numbers."""
    return isinstance(level, pd.DatetimeIndex | pd.PeriodIndex) or (
        pd.api.types.is_numeric_dtype(level) and not pd.api.types.is_bool_dtype(level)
    )


def _holds_series_labels(level: pd.Index) -> bool:
    """Whether ``level`` can name series: labels, not dates, periods or
    durations, which mark a ``(time, series)`` index, the levels the other
    way round."""
    return not isinstance(level, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex)


def _drawable(index: pd.Index) -> np.ndarray:
    """The places of an index as matplotlib draws them: periods at the
    timestamps they start at. (A MultiIndex has been read by
    :func:`_on_its_times` before.)"""
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    return index.to_numpy()


def _percent(share: float) -> str:
    """``share`` as a percentage, with the digits it needs: 80%, 99.9%, 0.5%."""
    return f"{round(float(share) * 100, 10):g}%"


@contextmanager
def _drawing(ax: Axes | None) -> Iterator[Axes]:
    """The axes to draw checked values on (:func:`_axes`). Should matplotlib
    still refuse them (the caller's axes hold units of another kind), the
    figure made here is closed, or the artists added to the caller's axes
    are taken away again, and its refusal is raised as it is."""
    made = ax is None
    ax = _axes(ax)
    before = set(ax.get_children())
    try:
        yield ax
    except Exception:
        if made:
            import matplotlib.pyplot as plt

            plt.close(ax.figure)
        else:
            for artist in set(ax.get_children()) - before:
                artist.remove()
        raise


def _truth_beside(truth, past: tuple | None, steps) -> tuple | None:
    """Where ``truth`` (if any) is drawn over a forecast drawn at ``steps``
    after the history drawn at ``past``; dates beside places of another kind
    among the three refused."""
    actual = _truth_points(truth, steps)
    _refuse_places_of_other_kinds(
        history=None if past is None else past[0],
        forecast=steps,
        truth=None if actual is None else actual[0],
    )
    return actual


def _refuse_places_of_other_kinds(**places) -> None:
    """Refuse a history, forecast and truth drawn at dates (or durations)
    beside places of another kind (numbers, text labels), which matplotlib
    cannot put on one axis: it fails half-way, in its unit converters, or
    draws durations as nanoseconds beside the numbers. (Numbers beside text
    labels are positions among them, as a forecast after a history on text
    labels is drawn.)"""
    kinds = {name: _kind(x) for name, x in places.items() if x is not None}
    timed = {"dates", "durations"} & set(kinds.values())
    if timed and len(set(kinds.values())) > 1:
        shown = ", ".join(f"the {name} at {kind}" for name, kind in kinds.items())
        raise ValueError(
            f"The values would be drawn at places of other kinds ({shown}), "
            "which matplotlib cannot put on one axis. Give them on indexes "
            "of one kind (all dates, all durations, or all step numbers), or "
            "as arrays."
        )


def _kind(x) -> str:
    """``'dates'``, ``'durations'``, ``'numbers'`` or ``'labels'``: how
    matplotlib reads ``x``."""
    x = np.asarray(x)
    if x.dtype.kind == "M" or (
        x.dtype.kind == "O" and len(x) and isinstance(x[0], datetime.date)
    ):
        return "dates"
    if x.dtype.kind == "m" or (
        x.dtype.kind == "O" and len(x) and isinstance(x[0], datetime.timedelta)
    ):
        return "durations"
    return "numbers" if x.dtype.kind in "biuf" else "labels"


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        if not all(hasattr(ax, method) for method in ("plot", "fill_between")):
            raise ValueError(
                f"ax must be a matplotlib Axes to draw on, or None for a new "
                f"figure; got {ax!r}."
            )
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "sklstm.plotting needs matplotlib: pip install 'sklstm[plot]'."
        ) from error
    _, ax = plt.subplots()
    return ax
