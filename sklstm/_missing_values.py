"""Missing values of a collection of series: where they are, and what fills them.

A forecaster's windows carry what is missing rather than hide it: a missing
value (NaN) is replaced by the last value observed before it in its series
(a value held, as if the series had stood still; before a series' first
observed value, by that value, as the padding of a short history is), and a
mask beside it says that it was missing. Only the past fills a value: nothing
is interpolated from the values that follow it, so no window sees its future,
and a series whose last values are missing is forecast from its last observed
one. Targets that are missing are not trained on (the regressor gives them a
loss weight of 0). All functions take rows grouped by series, each series in
time order, as :class:`sklstm._panel.Panel` lays them out.
"""

from __future__ import annotations

import numpy as np

from sklstm._panel import Panel


def refuse_empty_series(series: list[np.ndarray], labels, name: str = "y") -> None:
    """Refuse a series none of whose values is observed, naming it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._missing_values import refuse_empty_series
    >>> try:
    ...     refuse_empty_series([np.array([1.0]), np.array([np.nan])], [0, 1])
    ... except ValueError as error:
    ...     print(str(error).split(":")[0])
    Every value of series [1] is missing (NaN) in y
    """
    empty = [s for s, values in enumerate(series) if np.isnan(values).all()]
    if empty:
        raise ValueError(
            f"Every value of series {np.asarray(labels)[empty[:5]].tolist()} is "
            f"missing (NaN) in {name}: there is nothing to learn from or forecast "
            "them by. Drop those series, or give some of their observed values."
        )


def fill_forward(values: np.ndarray, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """Each missing value replaced by the last observed one of its series.

    Values before a series' first observed one take that value. Every series
    must have an observed value (:func:`refuse_empty_series`).

    Parameters
    ----------
    values : ndarray of shape (n_rows,)
        Grouped by series (``panel.order``); NaN where missing.
    panel : Panel

    Returns
    -------
    filled : ndarray of shape (n_rows,)
    missing : ndarray of bool of shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import panel_of
    >>> from sklstm._missing_values import fill_forward
    >>> values = np.array([np.nan, 2.0, np.nan, 5.0, np.nan])
    >>> filled, missing = fill_forward(values, panel_of([0, 0, 0, 1, 1], 5))
    >>> filled.tolist(), missing.tolist()
    ([2.0, 2.0, 2.0, 5.0, 5.0], [True, False, True, False, True])
    """
    return _filled(values, np.repeat(panel.starts, panel.lengths))


def _filled(values: np.ndarray, series_start: np.ndarray):
    """Fill forward within series, row *i*'s series starting at ``series_start[i]``."""
    missing = np.isnan(values)
    if not missing.any():
        return values, missing
    rows = np.arange(len(values))
    last_seen = np.maximum.accumulate(np.where(missing, -1, rows))
    # Before a series' first observed value, the first observed value.
    next_seen = np.minimum.accumulate(np.where(missing, len(values), rows)[::-1])[::-1]
    source = np.where(last_seen >= series_start, last_seen, next_seen)
    return values[source], missing


def first_observed(missing: np.ndarray, panel: Panel) -> np.ndarray:
    """The step (from 0) of each series' first observed value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import panel_of
    >>> from sklstm._missing_values import first_observed
    >>> first_observed(np.array([True, False, False, True, False]),
    ...                panel_of([0, 0, 0, 1, 1], 5)).tolist()
    [1, 1]
    """
    position = np.where(missing, np.iinfo(np.intp).max, panel.position)
    return np.minimum.reduceat(position, panel.starts) if len(missing) else position


def last_missing_run(missing: np.ndarray, panel: Panel) -> np.ndarray:
    """How many of each series' last values are missing, in a row.

    ``missing`` holds one flag per row, grouped by series (``panel``); a
    series missing throughout counts all its values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import panel_of
    >>> from sklstm._missing_values import last_missing_run
    >>> last_missing_run(np.array([False, True, True, True, False]),
    ...                  panel_of([0, 0, 0, 1, 1], 5)).tolist()
    [2, 0]
    """
    if not len(missing):
        return np.zeros(len(panel.lengths), dtype=np.intp)
    position = np.where(missing, -1, panel.position)
    return panel.lengths - 1 - np.maximum.reduceat(position, panel.starts)


def trailing_missing(missing: np.ndarray | None, n_series: int) -> np.ndarray:
    """How many of each history's last values are missing, in a row.

    ``missing`` holds one row of flags per history, oldest first (None:
    none is missing). A history missing throughout counts all its values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._missing_values import trailing_missing
    >>> flags = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 1]], dtype=bool)
    >>> trailing_missing(flags, 3).tolist()
    [2, 0, 3]
    """
    if missing is None:
        return np.zeros(n_series, dtype=np.intp)
    seen = ~missing[:, ::-1]
    return np.where(seen.any(axis=1), seen.argmax(axis=1), missing.shape[1])


__all__ = [
    "fill_forward",
    "first_observed",
    "last_missing_run",
    "refuse_empty_series",
    "trailing_missing",
]
