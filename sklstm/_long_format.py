"""Long-format collections: many series on a two-level ``(series, time)`` index.

statsforecast, neuralforecast, sktime panels and most warehouses hold a
collection of series as one column on a two-level index, the series first
and the time second. ``LSTMForecaster`` takes a collection as rows plus
``groups``; :func:`from_long_format` reads the first layout as the second, and
:func:`to_long_format` lays forecasts out the way they came in.

The rows are read in the order given (so that what ``predict`` returns is
aligned with them); the series may be interleaved, but each series' rows must
be in time order, which ``sort_index()`` ensures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sklstm._plain import python_scalar
from sklstm._row_metadata import label_array

#: The level names of a long-format forecast when the input had none.
DEFAULT_LEVEL_NAMES = ("series", "time")


def is_long_format(obj) -> bool:
    """Whether ``obj`` is a pandas object on a MultiIndex (a collection).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._long_format import is_long_format
    >>> index = pd.MultiIndex.from_product([["a", "b"], [1, 2]])
    >>> is_long_format(pd.Series(0.0, index=index)), is_long_format([1.0, 2.0])
    (True, False)
    """
    return isinstance(getattr(obj, "index", None), pd.MultiIndex) and isinstance(
        obj, (pd.Series, pd.DataFrame)
    )


def long_format_series(data) -> np.ndarray | None:
    """The series of each row of long-format ``data`` (its first index
    level), or None for data that is not in the long format.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._long_format import long_format_series
    >>> index = pd.MultiIndex.from_product([["a", "b"], [1, 2]])
    >>> long_format_series(pd.Series(0.0, index=index)).tolist()
    ['a', 'a', 'b', 'b']
    """
    if not is_long_format(data):
        return None
    return data.index.get_level_values(0).to_numpy()


def from_long_format(X, y, groups):
    """Read ``X`` and ``y`` on a ``(series, time)`` MultiIndex as rows plus groups.

    Parameters
    ----------
    X : array-like or pandas.DataFrame
        The covariates; on a two-level MultiIndex, or plain rows aligned with
        ``y`` by position.
    y : array-like, pandas.Series, one-column pandas.DataFrame or None
        The values; on a two-level MultiIndex, or plain values aligned with
        ``X`` by position. None where only covariates are given
        (``predict``).
    groups : array-like or None
        The series of each row, as given by the caller: refused together
        with long-format data, which carries its own.

    Returns
    -------
    X, y, groups
        Unchanged when neither ``X`` nor ``y`` is in long format. Otherwise
        ``X`` and ``y`` indexed by the time level alone (``y`` a Series, named
        like its column), and ``groups`` the series level.

    Raises
    ------
    ValueError
        If ``groups`` is passed as well, the index has more or fewer than two
        levels, ``X`` and ``y`` are on different indexes, or a series' rows
        are not in time order.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._long_format import from_long_format
    >>> index = pd.MultiIndex.from_tuples(
    ...     [("a", 1), ("a", 2), ("b", 1)], names=["unique_id", "ds"]
    ... )
    >>> y = pd.Series([1.0, 2.0, 5.0], index=index, name="y")
    >>> X, y, groups = from_long_format(pd.DataFrame(index=index), y, None)
    >>> groups.tolist(), y.index.tolist(), X.shape
    (['a', 'a', 'b'], [1, 2, 1], (3, 0))
    """
    if not (is_long_format(X) or is_long_format(y)):
        return X, y, groups
    if groups is not None:
        raise ValueError(
            "groups was passed, but the data is already in long format: the "
            "first level of its MultiIndex names the series of each row. Pass "
            "one of them: drop groups=, or reset_index() the data and pass "
            "groups= explicitly."
        )
    long = y if is_long_format(y) else X
    index = _check_two_levels(long.index, "y" if long is y else "X")
    if y is not None:
        y = _series_of(y)
    X = _aligned_covariates(X, y, index)
    time = time_level(index)
    check_time_order(index)
    series = index.get_level_values(0)
    if isinstance(X, pd.DataFrame):
        X = X.set_axis(time)
    if isinstance(y, pd.Series):
        y = y.set_axis(time)
    return X, y, np.asarray(series)


def to_long_format(values, *, series, times, like, name=None) -> pd.Series:
    """Lay out forecasts on a ``(series, time)`` MultiIndex like the input's.

    Parameters
    ----------
    values : ndarray of shape (n_rows,)
        The forecast of each row.
    series : array-like of shape (n_rows,)
        The series of each row.
    times : pandas.Index of shape (n_rows,)
        The time each row forecasts (the continuation of its series).
    like : object
        What the caller passed as ``X``: when in long format, its level names
        and its times (the same steps as ``times``, as the caller held them)
        are kept.
    name : hashable, default=None
        The name of the returned Series.

    Returns
    -------
    forecast : pandas.Series
        On a MultiIndex named like ``like``'s (else ``series``, ``time``).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._long_format import to_long_format
    >>> forecast = to_long_format(
    ...     [1.0, 2.0], series=["a", "b"], times=pd.Index([3, 3]), like=None
    ... )
    >>> forecast.index.names, forecast.index.tolist()
    (FrozenList(['series', 'time']), [('a', 3), ('b', 3)])
    """
    names = list(DEFAULT_LEVEL_NAMES)
    if is_long_format(like):
        names = [
            given if given is not None else default
            for given, default in zip(like.index.names, names, strict=True)
        ]
        # The times asked for, as given (periods, units): the forecaster has
        # placed each row at its own time already.
        times = time_level(like.index)
    # The labels read as fit reads them: NumPy would make a list of tuples
    # (keys of several levels) a 2-D array, which no index level can hold.
    index = pd.MultiIndex.from_arrays([label_array(series), times], names=names)
    return pd.Series(np.asarray(values), index=index, name=name)


def _check_two_levels(index: pd.MultiIndex, name: str) -> pd.MultiIndex:
    if index.nlevels != 2:
        raise ValueError(
            f"{name} is on a MultiIndex of {index.nlevels} levels "
            f"{list(index.names)}; a long-format collection has two, the series "
            "then the time, and which of these levels name the series is "
            "ambiguous. Combine the series levels into one (or reset_index() "
            "and pass groups= explicitly, one label per row)."
        )
    return index


def _series_of(y) -> pd.Series | np.ndarray:
    """``y`` as a Series: a one-column DataFrame gives its column."""
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(
                f"y must hold one series per row; got a DataFrame of "
                f"{y.shape[1]} columns {list(y.columns)[:5]}. Pass the column "
                "to forecast, as y['name']."
            )
        return y.iloc[:, 0]
    return y


def _aligned_covariates(X, y, index: pd.MultiIndex):
    """``X`` in the rows of ``y``: reordered when both are on the same MultiIndex."""
    for data, name in ((X, "X"), (y, "y")):
        if isinstance(data, (pd.Series, pd.DataFrame)) and not is_long_format(data):
            raise ValueError(
                f"{'y' if name == 'X' else 'X'} is in long format (on a "
                f"(series, time) MultiIndex) but {name} is a pandas object on a "
                f"single-level index. Give {name} the same MultiIndex, or pass "
                "it as a plain array aligned row by row."
            )
    if not (is_long_format(X) and is_long_format(y)):
        return X
    _check_two_levels(X.index, "X")
    if X.index.equals(index):
        return X
    missing = index.difference(X.index)
    extra = X.index.difference(index)
    if len(missing) or len(extra) or X.index.has_duplicates:
        raise ValueError(
            "X and y are in long format on different indexes: y has the rows "
            f"{missing[:3].tolist()} that X lacks, and X "
            f"{extra[:3].tolist()} that y lacks. Give X one row for every "
            "(series, time) of y, with the same labels."
        )
    return X.reindex(index)


def time_level(index: pd.MultiIndex) -> pd.Index:
    """The time level of a long-format index, with float times that are whole
    numbers (an integer column that a merge or a NaN made float) as integers.

    Read as floats, a skipped time would not be the gap the same integers
    make: the values around it would be taken for consecutive steps.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._long_format import time_level
    >>> index = pd.MultiIndex.from_arrays([["a", "a"], [1.0, 3.0]])
    >>> time_level(index).tolist(), str(time_level(index).dtype)
    ([1, 3], 'int64')
    """
    time = index.get_level_values(-1)
    if not pd.api.types.is_float_dtype(time):
        return time
    values = time.to_numpy(dtype=np.float64)
    whole = np.isfinite(values) & (values == np.round(values))
    whole &= np.abs(values) < 2.0**53
    if not whole.all():
        first = values[np.flatnonzero(~whole)[0]]
        raise ValueError(
            f"The time level of the long-format index holds {first}, which is "
            "not a whole number: times are dates or integers. Give the time "
            "level dates, or integers without missing ones (drop the rows "
            "whose time is missing)."
        )
    return pd.Index(values.astype(np.int64), name=time.name)


def check_time_order(index: pd.MultiIndex) -> None:
    """Refuse a series whose rows, in the order given, do not rise in time."""
    rows = pd.Series(np.arange(len(index)))
    previous = rows.groupby(index.codes[0]).shift(1).to_numpy()
    later = np.flatnonzero(~np.isnan(previous))
    earlier = previous[later].astype(np.intp)
    time = index.get_level_values(1)
    try:
        rising = np.asarray(time[later] > time[earlier])
    except TypeError as error:
        raise ValueError(
            f"The time level of the long-format index cannot be ordered: {error}"
        ) from error
    if rising.all():
        return
    first = int(np.flatnonzero(~rising)[0])
    series, when = python_scalar(index[later[first]][0]), time[later[first]]
    if when == time[earlier[first]]:
        raise ValueError(
            f"Series {series!r} has two rows for the time {when}. Each time "
            "of a series holds one value: drop or combine the repeated rows "
            "(for example data.groupby(level=[0, 1]).mean())."
        )
    raise ValueError(
        f"The rows of series {series!r} are not in time order: "
        f"{when} comes after {time[earlier[first]]}. Each "
        "series' rows are read in the order given; sort them first "
        "(data.sort_index())."
    )
