"""Backtests across many series, through scikit-learn's model selection.

:class:`MultiSeriesSplit` is a cross-validator for a table of many series
stacked row by row (told apart by ``groups``): each fold holds out the next
``horizon`` steps of every series and trains on everything before them, so
``cross_validate`` (or ``GridSearchCV``) with an
:class:`~sklstm.LSTMForecaster` fitted with ``groups`` is a multi-step
backtest of a global model.
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

from sklstm._long_format import (
    check_time_order,
    is_long_format,
    long_format_series,
    time_level,
)
from sklstm._panel import panel_of
from sklstm._time_index import time_index, with_missing_steps

__all__ = ["MultiSeriesSplit"]


class MultiSeriesSplit(BaseCrossValidator):
    """Hold out the last ``horizon`` steps of every series, cut-off by cut-off.

    For a table of many series, stacked row by row and told apart by
    ``groups`` (each series' rows in time order, series of any lengths),
    fold *k* of ``n_splits`` (oldest first) cuts every series
    ``horizon + (n_splits - 1 - k) * step`` steps before its end: the rows
    before the cut train, the ``horizon`` rows after it test. The last fold
    tests the last ``horizon`` steps of each series; each earlier fold moves
    the cut-off back by ``step``. Series are cut by their own ends, so
    series that end at different times are each tested on their own last
    steps. Steps are counted in time where the rows are dated (a
    ``DatetimeIndex`` or ``PeriodIndex``, or the times of the long format):
    a time a series skips on its regular grid is a step without a row, as
    the forecaster reads it (a missing value).

    A series with fewer than ``min_train_size`` rows before a fold's cut-off
    is left out of that fold, in training and in testing, so short series
    join the later folds only.

    With metadata routing on (``sklearn.set_config(enable_metadata_routing=
    True)``), ``cross_validate(forecaster, X, y, cv=MultiSeriesSplit(...),
    params={"groups": groups})`` passes ``groups`` to this splitter and to
    the forecaster's ``fit`` and ``score``. Without routing, loop over
    ``split(X, y, groups)`` yourself (see Examples). Data in the long format
    (a pandas ``MultiIndex`` of series and time, as
    :class:`~sklstm.LSTMForecaster` reads it) carries its series in its first
    index level: no ``groups`` is needed then.

    Parameters
    ----------
    n_splits : int, default=3
        Number of folds, at least 1.
    horizon : int, default=1
        Steps of each series held out by each fold.
    step : int or None, default=None
        How far the cut-off moves back from one fold to the one before;
        None means ``horizon`` (test windows that tile the end of each
        series without overlapping).
    min_train_size : int, default=1
        Fewest rows a series needs before the cut-off to take part in a
        fold. Set it to what the model needs to train on a series: for
        ``LSTMForecaster``, in a fold where a series may be alone, a full
        window and the values it forecasts (``lookback + 1``, or
        ``lookback + horizon`` with the direct strategy) plus the tail
        early stopping holds out (*What a series needs* in the
        forecasting guide); in a fold of several series, shorter ones
        train too.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : The same for one series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.model_selection import MultiSeriesSplit
    >>> groups = np.array(["a"] * 6 + ["b"] * 4)
    >>> splitter = MultiSeriesSplit(n_splits=2, horizon=2)
    >>> for train, test in splitter.split(np.zeros((10, 1)), groups=groups):
    ...     print(train.tolist(), test.tolist())
    [0, 1] [2, 3]
    [0, 1, 2, 3, 6, 7] [4, 5, 8, 9]

    Series "b" (4 rows) has no rows left before the first fold's cut-off, so
    it joins the second fold only.

    A backtest of a global forecaster without metadata routing:

    >>> from sklstm import LSTMForecaster
    >>> t = np.arange(60)
    >>> y = np.r_[np.sin(t / 3), 50 * np.sin(t / 3 + 1)]
    >>> groups = np.repeat(["a", "b"], 60)
    >>> X = np.empty((120, 0))
    >>> forecaster = LSTMForecaster(lookback=6, max_iter=5, random_state=0)
    >>> scores = []
    >>> for train, test in MultiSeriesSplit(n_splits=2, horizon=3).split(
    ...     X, y, groups
    ... ):
    ...     _ = forecaster.fit(X[train], y[train], groups=groups[train])
    ...     scores.append(forecaster.score(X[test], y[test], groups=groups[test]))
    >>> len(scores)
    2
    """

    __metadata_request__split: ClassVar[dict] = {"groups": True}

    def __init__(
        self,
        n_splits: int = 3,
        horizon: int = 1,
        *,
        step: int | None = None,
        min_train_size: int = 1,
    ) -> None:
        self.n_splits = n_splits
        self.horizon = horizon
        self.step = step
        self.min_train_size = min_train_size

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Indices of the training and test rows of each fold, oldest first.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            The stacked rows (their number, and the series in the first
            level of a long-format ``MultiIndex``).
        y : array-like of shape (n_rows,), default=None
            Read only for the series of a long-format ``MultiIndex`` when
            ``X`` has none.
        groups : array-like of shape (n_rows,), default=None
            The series of each row. Required unless ``X`` or ``y`` is in the
            long format.

        Yields
        ------
        train : ndarray of int
            The rows before each series' cut-off, in table order.
        test : ndarray of int
            The ``horizon`` rows after each series' cut-off, in table order.

        Raises
        ------
        ValueError
            If ``groups`` is missing, or a fold has no series long enough.
        """
        self._check_params()
        n_rows = len(X)
        if groups is None:
            groups = _long_format_series(X, y)
        if groups is None:
            raise ValueError(
                "MultiSeriesSplit needs groups, the series label of each row: "
                "split(X, y, groups), or with metadata routing "
                "cross_validate(..., params={'groups': groups}); or data in "
                "the long format, whose first index level names the series."
            )
        panel = panel_of(groups, n_rows)
        # Python numbers: NumPy's small integers (np.int8) wrap around in sums.
        n_splits, horizon = int(self.n_splits), int(self.horizon)
        step = horizon if self.step is None else int(self.step)
        position, length = _steps_of_rows(X, y, groups, panel)
        for fold in range(n_splits):
            back = horizon + (n_splits - 1 - fold) * step
            # Past every series' length, any cut leaves nothing before it
            # (and a Python int beyond int64 would not subtract from steps).
            cut = length - min(back, int(length.max()) + 1)  # each row's cut-off
            before = position < cut
            # Rows, not steps: a step a series skips has no row to train on.
            rows_before = np.bincount(panel.codes, weights=before)[panel.codes]
            taking_part = rows_before >= self.min_train_size
            if not taking_part.any():
                raise ValueError(
                    f"Fold {fold + 1} of n_splits={self.n_splits} cuts every series "
                    f"{back} steps before its end, which leaves no series with "
                    f"min_train_size={self.min_train_size} rows before the cut "
                    f"(the longest has {panel.lengths.max()} rows; the most any "
                    f"keeps before the cut is {int(rows_before.max())}). Lower "
                    "n_splits, horizon or step."
                )
            train = taking_part & before
            test = taking_part & (position >= cut) & (position < cut + horizon)
            yield np.flatnonzero(train), np.flatnonzero(test)

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Not used; there for scikit-learn's API.

        Returns
        -------
        n_splits : int
        """
        return self.n_splits

    def _check_params(self) -> None:
        for name in ("n_splits", "horizon", "step", "min_train_size"):
            value = getattr(self, name)
            if name == "step" and value is None:
                continue
            if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"MultiSeriesSplit's {name} must be an integer >= 1"
                    f"{' or None' if name == 'step' else ''}; got {value!r}."
                )


def _steps_of_rows(X, y, groups, panel) -> tuple[np.ndarray, np.ndarray]:
    """Each row's step from its series' start, and its series' length in
    steps. Rows dated on a regular grid (or the times of the long format)
    count the steps they skip, as the forecaster reads them; other rows are
    consecutive steps."""
    position = np.empty(len(panel.codes), dtype=np.intp)
    position[panel.order] = panel.position
    length = panel.lengths[panel.codes]
    long = next((data for data in (X, y) if is_long_format(data)), None)
    if long is not None:
        times = time_level(long.index)
    else:
        times = time_index(X, y)
        if not isinstance(times, (pd.DatetimeIndex, pd.PeriodIndex)):
            return position, length
    rows = pd.Series(np.arange(len(times), dtype=np.float64), index=times)
    empty = np.empty((len(rows), 0))
    _, filled, series = with_missing_steps(
        empty, rows, groups, integer_time=long is not None
    )
    if filled is rows:
        return position, length  # no step skipped
    completed = panel_of(series, len(filled))
    steps = np.empty(len(filled), dtype=np.intp)
    steps[completed.order] = completed.position
    seen = ~np.isnan(filled.to_numpy())
    row = filled.to_numpy()[seen].astype(np.intp)
    position[row] = steps[seen]
    length[row] = completed.lengths[completed.codes[seen]]
    return position, length


def _long_format_series(X, y) -> np.ndarray | None:
    """The series of each row of long-format data (the first level of a
    pandas ``MultiIndex`` on ``X``, else on ``y``); None for other data.

    The rows of each series must rise in time (the last level), as the
    forecaster reads them: else the test rows would lie before the
    training rows of their series.
    """
    for data in (X, y):
        series = long_format_series(data)
        if series is not None and data.index.nlevels >= 2:
            index = data.index
            check_time_order(index.droplevel(list(range(1, index.nlevels - 1))))
            return series
    return None
