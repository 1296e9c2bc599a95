"""Small public time series shipped with sklstm, for examples and tests.

Each loader returns a :class:`pandas.Series` on a regular monthly
``DatetimeIndex``, ready for :class:`sklstm.LSTMForecaster`. The provenance
of each file is in ``data/SOURCES.md`` next to the CSV files.
"""

from sklstm.datasets._loaders import load_airline, load_sunspots

__all__ = ["load_airline", "load_sunspots"]
