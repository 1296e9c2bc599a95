"""The bundled series load as documented, with their provenance alongside."""

from importlib import resources

import numpy as np
import pandas as pd

from sklstm.datasets import load_airline, load_sunspots


def test_airline_is_144_months_of_passengers_from_1949_to_1960():
    passengers = load_airline()
    assert passengers.name == "passengers"
    assert passengers.shape == (144,)
    assert passengers.index[0] == pd.Timestamp("1949-01-01")
    assert passengers.index[-1] == pd.Timestamp("1960-12-01")
    # The published first and last values of Box & Jenkins' series G.
    assert passengers.iloc[0] == 112.0
    assert passengers.iloc[-1] == 432.0


def test_sunspots_is_2820_months_from_1749_to_1983_never_negative():
    sunspots = load_sunspots()
    assert sunspots.name == "sunspots"
    assert sunspots.shape == (2820,)
    assert sunspots.index[0] == pd.Timestamp("1749-01-01")
    assert sunspots.index[-1] == pd.Timestamp("1983-12-01")
    assert sunspots.iloc[0] == 58.0
    assert sunspots.min() >= 0.0


def test_loaded_series_are_float_on_a_regular_monthly_index():
    for series in (load_airline(), load_sunspots()):
        assert series.dtype == np.float64
        assert isinstance(series.index, pd.DatetimeIndex)
        assert series.index.freqstr == "MS"
        assert not series.isna().any()


def test_loaded_series_are_fresh_copies_a_caller_may_change():
    passengers = load_airline()
    passengers.iloc[0] = -1.0
    assert load_airline().iloc[0] == 112.0


def test_provenance_of_both_files_ships_with_the_package():
    sources = (
        resources.files("sklstm.datasets").joinpath("data", "SOURCES.md").read_text()
    )
    for filename in ("airline.csv", "sunspots_monthly.csv"):
        assert filename in sources
        assert resources.files("sklstm.datasets").joinpath("data", filename).is_file()
    assert "Box" in sources and "sunspots" in sources
