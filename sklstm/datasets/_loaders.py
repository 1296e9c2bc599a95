"""Read the bundled CSV files into monthly pandas Series."""

from __future__ import annotations

from importlib import resources

import pandas as pd

#: The regular frequency of both bundled series: month starts.
MONTHLY = "MS"


def _load_monthly(filename: str) -> pd.Series:
    """Read ``date,value`` rows (dates as YYYY-MM) into a monthly Series."""
    source = resources.files("sklstm.datasets").joinpath("data", filename)
    with source.open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    date_column, value_column = frame.columns
    index = pd.DatetimeIndex(
        pd.to_datetime(frame[date_column], format="%Y-%m"), freq=MONTHLY, name="date"
    )
    return pd.Series(
        frame[value_column].to_numpy(dtype=float), index=index, name=value_column
    )


def load_airline() -> pd.Series:
    """Monthly international airline passengers, January 1949 to December 1960.

    The Box & Jenkins "series G": 144 monthly totals in thousands of
    passengers, with a rising trend and a seasonal swing that grows with it.

    Returns
    -------
    passengers : pandas.Series of shape (144,)
        Float values named ``"passengers"`` on a monthly ``DatetimeIndex``
        (``freq="MS"``).

    See Also
    --------
    load_sunspots : A long series with an irregular 11-year cycle.

    Notes
    -----
    From Box, Jenkins & Reinsel, *Time Series Analysis: Forecasting and
    Control* (1976); see ``sklstm/datasets/data/SOURCES.md``.

    Examples
    --------
    >>> from sklstm.datasets import load_airline
    >>> passengers = load_airline()
    >>> passengers.shape
    (144,)
    >>> print(passengers.index[0].date(), passengers.index.freqstr, passengers.iloc[0])
    1949-01-01 MS 112.0
    """
    return _load_monthly("airline.csv")


def load_sunspots() -> pd.Series:
    """Monthly mean relative sunspot numbers, January 1749 to December 1983.

    2820 months of the solar cycle: roughly 11-year cycles of varying height
    and length, never below zero.

    Returns
    -------
    sunspots : pandas.Series of shape (2820,)
        Float values named ``"sunspots"`` on a monthly ``DatetimeIndex``
        (``freq="MS"``).

    See Also
    --------
    load_airline : A short series with a trend and a yearly season.

    Notes
    -----
    Observed by the Swiss Federal Observatory, Zurich, until 1960 and by the
    Tokyo Astronomical Observatory after; the series of R's
    ``datasets::sunspots``. See ``sklstm/datasets/data/SOURCES.md``.

    Examples
    --------
    >>> from sklstm.datasets import load_sunspots
    >>> sunspots = load_sunspots()
    >>> sunspots.shape
    (2820,)
    >>> print(sunspots.index[-1].date(), sunspots.index.freqstr)
    1983-12-01 MS
    """
    return _load_monthly("sunspots_monthly.csv")
