"""Time indexes of pandas input: find where a series ends, and continue it.

A forecaster fitted on a pandas Series or DataFrame with a regular index
(a ``DatetimeIndex`` with a frequency, or a ``RangeIndex``) labels its
forecasts with the steps that follow; for many series stacked in one table,
each series continues from its own end on the grid they share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sklstm._panel import Panel


def time_index(X, y) -> pd.Index | None:
    """The index of ``y`` if it is a pandas Series, else of a DataFrame ``X``.

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
    for data in (y, X):
        if isinstance(data, (pd.Series, pd.DataFrame)):
            return data.index
    return None


def regular_end(index: pd.Index | None) -> tuple[object, object]:
    """(last label, step) of a regular index, or (None, None).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._time_index import regular_end
    >>> regular_end(pd.date_range("2024-01-01", periods=3, freq="D"))
    (Timestamp('2024-01-03 00:00:00'), <Day>)
    >>> regular_end(pd.RangeIndex(0, 6, 2))
    (4, 2)
    >>> regular_end(pd.Index([1, 5, 6]))
    (None, None)
    """
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq
        if freq is None and len(index) >= 3:
            freq = pd.infer_freq(index)
        if freq is not None:
            return index[-1], pd.tseries.frequencies.to_offset(freq)
    if isinstance(index, pd.RangeIndex) and len(index):
        return index[-1], index.step
    return None, None


def continued_index(end, step, n_steps: int) -> pd.Index:
    """The ``n_steps`` labels that follow ``end``.

    Examples
    --------
    >>> from sklstm._time_index import continued_index
    >>> continued_index(4, 2, n_steps=3).tolist()
    [6, 8, 10]
    """
    if isinstance(end, pd.Timestamp):
        return pd.date_range(start=end, periods=n_steps + 1, freq=step)[1:]
    return pd.RangeIndex(end + step, end + step * (n_steps + 1), step)


def time_ends(index, panel: Panel) -> tuple[object, object, np.ndarray] | None:
    """Where each series' time index ends, on one regular grid.

    Parameters
    ----------
    index : pandas.Index or None
        The time index of the stacked rows (the index of y or X).
    panel : Panel

    Returns
    -------
    (origin, step, offsets) or None
        Series *s* ends at ``origin + offsets[s] * step``. None when there
        is no index, or the series are not on one regular grid.
    """
    if index is None or len(index) != len(panel.codes):
        return None
    ends_at = panel.order[panel.starts + panel.lengths - 1]
    if isinstance(index, pd.DatetimeIndex):
        longest = int(np.argmax(panel.lengths))
        first = panel.order[panel.starts[longest] : panel.starts[longest] + 3]
        if len(first) < 3:
            return None
        freq = pd.infer_freq(index[first])
        if freq is None:
            return None
        step = pd.tseries.frequencies.to_offset(freq)
        ends = index[ends_at]
        grid = pd.date_range(ends.min(), ends.max(), freq=step)
        offsets = grid.get_indexer(ends)
        if (offsets < 0).any():
            return None
        return grid[0], step, offsets.astype(np.float64)
    if pd.api.types.is_integer_dtype(index) and len(index):
        values = np.asarray(index)
        sorted_values = values[panel.order]
        within = np.diff(sorted_values)[np.diff(panel.codes[panel.order]) == 0]
        step = int(within[0]) if len(within) else 1
        if step == 0 or (len(within) and (within != step).any()):
            return None
        ends = values[ends_at]
        origin = int(ends.min())
        if ((ends - origin) % step != 0).any():
            return None
        return origin, step, ((ends - origin) // step).astype(np.float64)
    return None
