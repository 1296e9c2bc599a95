"""Models written by sklstm 0.2 load and forecast exactly as they did.

The files in ``tests/data`` were saved and pickled by sklstm 0.2, before a
forecaster of one series and one of many shared one layout; next to each is
what that version forecast for it (see ``tests/data/README.md``).
"""

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

import sklstm
from sklstm import LSTMForecaster

DATA = Path(__file__).parent / "data"
NAMES = [
    "one_series_recursive",
    "one_series_direct",
    "three_series_seasonal",
    "two_series_standard",
]


def saved(name):
    return sklstm.load(DATA / f"{name}.zip")


def pickled(name):
    with open(DATA / f"{name}.pkl", "rb") as file:
        return pickle.load(file)


def future_of(name):
    arrays = np.load(DATA / f"{name}_future.npz")
    groups = arrays["groups"] if len(arrays["groups"]) else None
    expected = json.loads((DATA / f"{name}_expected.json").read_text())
    return arrays["X"], groups, expected


@pytest.mark.parametrize("read", [saved, pickled])
@pytest.mark.parametrize("name", NAMES)
def test_a_model_of_sklstm_0_2_forecasts_what_it_forecast_then(name, read):
    X, groups, expected = future_of(name)
    model = read(name)
    assert type(model) is LSTMForecaster
    np.testing.assert_array_equal(model.predict(X, groups=groups), expected["predict"])
    np.testing.assert_array_equal(
        model.predict_interval(X, coverage=0.8, groups=groups), expected["interval"]
    )
    if "series_index" in expected:
        index = model.predict_series(X, groups=groups).index
        assert [str(label) for label in index] == expected["series_index"]


@pytest.mark.parametrize("name", NAMES)
def test_a_pickled_model_of_sklstm_0_2_has_the_parameters_of_a_saved_one(name):
    # Parameters added since 0.2 take their defaults, as load gives them.
    model = pickled(name)
    assert model.get_params() == saved(name).get_params()
    assert clone(model).get_params() == model.get_params()


@pytest.mark.parametrize("name", NAMES)
def test_a_model_of_sklstm_0_2_saved_again_keeps_its_forecasts(name, tmp_path):
    X, groups, expected = future_of(name)
    sklstm.save(saved(name), tmp_path / "again.zip")
    model = sklstm.load(tmp_path / "again.zip")
    np.testing.assert_array_equal(model.predict(X, groups=groups), expected["predict"])
    again = pickle.loads(pickle.dumps(pickled(name)))
    np.testing.assert_array_equal(again.predict(X, groups=groups), expected["predict"])


def test_a_one_series_model_of_sklstm_0_2_is_a_collection_of_one():
    model = saved("one_series_recursive")
    X, _, expected = future_of("one_series_recursive")
    assert model.series_.tolist() == [0]
    assert model.season_length_ is None
    forecast = model.predict(X, groups=np.zeros(len(X), dtype=int))
    np.testing.assert_array_equal(forecast, expected["predict"])


def test_a_model_of_sklstm_0_2_takes_new_observations():
    model = saved("one_series_recursive")
    X, _, expected = future_of("one_series_recursive")
    # Observing what the model forecast moves its forecasts one step on.
    model.update(X[:1], np.array(expected["predict"][:1]))
    np.testing.assert_allclose(model.predict(X[1:]), expected["predict"][1:], rtol=1e-6)


def test_a_model_of_sklstm_0_2_continues_training_with_its_parameters_as_loaded():
    # Saved before drifts were taken out, it loads with drift='auto', which
    # resolves to True for several series: the warm start was refused as if
    # the user had changed drift.
    model = saved("three_series_seasonal")
    assert model.get_params()["drift"] == "auto"
    rng = np.random.default_rng(0)
    y = np.concatenate([10 + np.sin(np.arange(40) * np.pi / 2 + i) for i in range(3)])
    y = y + rng.normal(0, 0.1, len(y))
    groups = np.repeat(model.series_, 40)
    before = model.n_iter_
    model.set_params(warm_start=True, max_iter=1).fit(
        np.empty((len(y), 0)), y, groups=groups
    )
    assert model._fitted_architecture()["drift"] is False
    assert model.n_iter_ == before + 1


def test_a_pickled_regressor_from_before_a_parameter_takes_its_default():
    rng = np.random.default_rng(0)
    regressor = sklstm.LSTMRegressor(lookback=3, hidden_size=4, max_iter=2)
    regressor.fit(rng.normal(size=(40, 2)), rng.normal(size=40))
    state = pickle.loads(pickle.dumps(regressor)).__getstate__()
    del state["linear_path"]  # as a pickle made before the parameter existed
    old = sklstm.LSTMRegressor.__new__(sklstm.LSTMRegressor)
    old.__setstate__(state)
    assert old.get_params() == regressor.get_params()


@pytest.mark.parametrize(
    "name, field",
    [
        ("three_series_seasonal", "_series_recent_X"),
        ("three_series_seasonal", "_series_recent_y"),
        ("two_series_standard", "_series_scaling"),
        ("one_series_recursive", "_recent_y"),
    ],
)
def test_a_file_of_sklstm_0_2_without_its_recent_history_is_refused(
    name, field, tmp_path
):
    # These fields are optional in that layout (a forecaster of one series
    # had one set, one of several the other): null failed with an
    # AttributeError instead of the ValueError load promises.
    with zipfile.ZipFile(DATA / f"{name}.zip") as archive:
        members = {member: archive.read(member) for member in archive.namelist()}
    document = json.loads(members["model.json"])
    document["estimator"]["fitted"][field] = None
    members["model.json"] = json.dumps(document)
    with zipfile.ZipFile(tmp_path / "tampered.zip", "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    with pytest.raises(ValueError, match=rf"needs \['{field}'\], which are missing"):
        sklstm.load(tmp_path / "tampered.zip")
