"""One forecaster: one series is a collection of one, with one path through it.

The behaviour tests run on one series and on several; "a collection of one"
tests compare a fit without ``groups`` with a fit whose ``groups`` name one
series; the thread test reads a forecaster while another thread updates it.
"""

import pickle
import threading

import numpy as np
import pandas as pd
import pytest

import sklstm
from sklstm import LSTMForecaster
from sklstm._saving import _read_archive

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:X does not have valid feature names"),
]

N_STEPS = 48
MONTHS = pd.date_range("2001-01", periods=N_STEPS, freq="MS")


def wave(n, phase=0.0, level=0.0):
    t = np.arange(n)
    return level + np.sin(0.5 * t + phase) + 0.02 * t


def tiny(**params):
    settings = dict(lookback=4, hidden_size=4, max_iter=3, random_state=0)
    return LSTMForecaster(**{**settings, **params})


def collection(n_series):
    """``n_series`` dated series with one covariate, stacked; labels 'a', 'b'..."""
    labels = np.repeat(list("abc"[:n_series]), N_STEPS)
    y = np.concatenate([wave(N_STEPS, s, 10 * s) for s in range(n_series)])
    index = pd.DatetimeIndex(np.tile(MONTHS, n_series))
    X = pd.DataFrame({"trend": np.tile(np.arange(N_STEPS) / N_STEPS, n_series)}, index)
    return X, pd.Series(y, index=index, name="sales"), labels


def future(labels, n_steps):
    rows = np.repeat(labels, n_steps)
    trend = np.tile(np.arange(N_STEPS, N_STEPS + n_steps) / N_STEPS, len(labels))
    return trend[:, None], rows


@pytest.fixture(params=[1, 3], ids=["one series", "three series"])
def fitted(request):
    """A tiny recursive forecaster fitted on one series or on three."""
    X, y, labels = collection(request.param)
    model = tiny(strategy="recursive").fit(X, y, groups=labels)
    return model, sorted(set(labels))


# ------------------------------------------------------------ one or many


def test_each_series_forecast_is_continued_by_observing_it(fitted):
    model, labels = fitted
    X_future, groups = future(labels, 3)
    forecast = model.predict(X_future, groups=groups)
    first = np.arange(len(groups)) % 3 == 0
    # Observe what was forecast for the first step: the next two steps of the
    # recursive forecast are then what is forecast from there.
    model.update(X_future[first], forecast[first], groups=groups[first])
    later = model.predict(X_future[~first], groups=groups[~first])
    np.testing.assert_allclose(later, forecast[~first], rtol=1e-6)


def test_forecasts_are_dated_after_the_end_of_each_series(fitted):
    model, labels = fitted
    X_future, groups = future(labels, 2)
    dates = model.predict_series(X_future, groups=groups).index.get_level_values(1)
    assert list(dates) == [
        pd.Timestamp("2005-01-01"),
        pd.Timestamp("2005-02-01"),
    ] * len(labels)


def test_intervals_hold_the_forecast_and_widen_with_the_coverage(fitted):
    model, labels = fitted
    X_future, groups = future(labels, 2)
    forecast = model.predict(X_future, groups=groups)
    narrow = model.predict_interval(X_future, coverage=0.5, groups=groups)
    wide = model.predict_interval(X_future, coverage=0.8, groups=groups)
    assert (narrow[:, 0] <= forecast).all() and (forecast <= narrow[:, 1]).all()
    assert (wide[:, 0] <= narrow[:, 0]).all() and (narrow[:, 1] <= wide[:, 1]).all()
    assert (wide[:, 1] - wide[:, 0] > 0).all()


@pytest.mark.parametrize("round_trip", ["save", "pickle"])
def test_a_stored_forecaster_forecasts_identically(fitted, round_trip, tmp_path):
    model, labels = fitted
    X_future, groups = future(labels, 3)
    if round_trip == "save":
        sklstm.save(model, tmp_path / "model.zip")
        loaded = sklstm.load(tmp_path / "model.zip")
    else:
        loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        loaded.predict(X_future, groups=groups), model.predict(X_future, groups=groups)
    )
    np.testing.assert_array_equal(
        loaded.predict_interval(X_future, 0.5, groups=groups),
        model.predict_interval(X_future, 0.5, groups=groups),
    )


def test_an_unknown_series_is_refused_with_what_it_needs(fitted):
    model, _ = fitted
    # Relative windows (series_scaling='last', several series) need one step.
    needed = 1 + (model._fitted_architecture()["series_scaling"] == "last")
    with pytest.raises(
        ValueError, match=rf"without a history.*at least {needed} value"
    ):
        model.predict(np.zeros((1, 1)), groups=["z"])
    if needed > 1:  # update says the same
        with pytest.raises(ValueError, match=rf"at least {needed} value"):
            model.update(np.zeros((1, 1)), np.zeros(1), groups=["z"])


def test_a_new_series_given_by_update_is_forecast_on_the_grid(fitted):
    model, labels = fitted
    y = pd.Series(wave(6, level=5.0), index=MONTHS[-6:])
    X = pd.DataFrame({"trend": np.ones(6)}, index=MONTHS[-6:])
    model.update(X, y, groups=["new"] * 6)
    X_future, groups = future([*labels, "new"], 1)
    forecast = model.predict_series(X_future, groups=groups)
    assert forecast.index.get_level_values(1).nunique() == 1
    assert np.isfinite(forecast).all()
    assert model.series_.tolist() == [*labels, "new"]


# ---------------------------------------------------- a collection of one


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(strategy="direct", horizon=3),
        dict(series_scaling="last", season_length=4),
        dict(network_output="change", n_networks=2),
    ],
    ids=["defaults", "direct", "scaled with a season", "change, two networks"],
)
def test_a_collection_of_one_is_fitted_like_one_series(params, tmp_path):
    X, y, _ = collection(1)
    alone = tiny(**params).fit(X, y)
    one = tiny(**params).fit(X, y, groups=np.zeros(len(y), dtype=int))
    X_future = future(["a"], 5)[0]
    np.testing.assert_array_equal(alone.predict(X_future), one.predict(X_future))
    np.testing.assert_array_equal(
        alone.predict_interval(X_future, 0.5), one.predict_interval(X_future, 0.5)
    )
    pd.testing.assert_series_equal(
        alone.predict_series(X_future), one.predict_series(X_future)
    )
    documents, arrays = [], []
    for name, model in [("alone", alone), ("one", one)]:
        sklstm.save(model, tmp_path / f"{name}.zip")
        document, stored = _read_archive(tmp_path / f"{name}.zip")
        documents.append(document)
        arrays.append(stored)
    assert documents[0] == documents[1]
    assert arrays[0].keys() == arrays[1].keys()
    for key in arrays[0]:
        np.testing.assert_array_equal(arrays[0][key], arrays[1][key])


def test_a_collection_of_one_keeps_its_label():
    X, y, _ = collection(1)
    alone = tiny().fit(X, y)
    labelled = tiny().fit(X, y, groups=["shop"] * len(y))
    X_future = future(["shop"], 3)[0]
    np.testing.assert_array_equal(
        alone.predict(X_future), labelled.predict(X_future, groups=["shop"] * 3)
    )
    # A collection of one needs no groups to be told which series it is.
    np.testing.assert_array_equal(labelled.predict(X_future), alone.predict(X_future))
    assert labelled.series_.tolist() == ["shop"] and alone.series_.tolist() == [0]


def test_the_collection_decides_the_auto_settings_not_groups():
    X, y, labels = collection(3)
    many = tiny(horizon=3).fit(X, y, groups=labels)
    one = tiny(horizon=3).fit(
        X.iloc[:N_STEPS], y.iloc[:N_STEPS], groups=labels[:N_STEPS]
    )
    assert many._fitted_architecture()["n_networks"] == 2
    assert many._fitted_architecture()["strategy"] == "direct"
    assert one._fitted_architecture()["n_networks"] == 1
    assert one._fitted_architecture()["series_scaling"] == "none"


# ----------------------------------------------------------------- threads


def test_a_reader_never_sees_a_half_done_update():
    X, y, _ = collection(1)
    model = tiny(lookback=3).fit(X.to_numpy(), y.to_numpy())
    rounds = 60
    news = np.linspace(-3, 3, rounds)
    X_new = np.full((1, 1), 0.5)
    # What each state, one after another, forecasts and where it ends.
    replay = pickle.loads(pickle.dumps(model))
    possible = {tuple(replay.predict_interval(X_new, 0.5)[0])}
    for value in news:
        replay.update(X_new, [value])
        possible.add(tuple(replay.predict_interval(X_new, 0.5)[0]))
    seen, failures = set(), []
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                seen.add(tuple(model.predict_interval(X_new, 0.5)[0]))
            except Exception as error:  # any error is a failure
                failures.append(error)
                return

    reader = threading.Thread(target=read)
    reader.start()
    for value in news:
        model.update(X_new, [value])
    done.set()
    reader.join()
    assert not failures
    assert seen <= possible
