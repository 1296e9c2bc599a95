"""Hostile and careless use: a fitted model survives it, or a clear error says why."""

import copy
import pickle

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
from sklstm import LSTMForecaster, LSTMRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(60, 3))
TARGET = ROWS[:, 0] - 0.5 * np.r_[0.0, ROWS[:-1, 1]]
SERIES = np.sin(np.arange(80) / 4) + 0.05 * RNG.normal(size=80)
NO_COVARIATES = np.empty((80, 0))


def tiny(**params):
    defaults = dict(lookback=3, hidden_size=4, max_iter=3, random_state=0)
    return LSTMRegressor(**{**defaults, **params})


def tiny_forecaster(**params):
    defaults = dict(lookback=4, hidden_size=4, max_iter=3, random_state=0)
    return LSTMForecaster(**{**defaults, **params})


# --------------------------------------- 1. architecture changed after fit

ARCHITECTURE_CHANGES = [
    {"hidden_size": 8},
    {"num_layers": 2},
    {"bidirectional": True},
    {"cell": "gru"},
    {"linear_path": False},
    {"lookback": 5},
]


def _round_trips(model, tmp_path):
    path = tmp_path / "model.zip"
    sklstm.save(model, path)
    return {
        "copy": copy.copy(model),
        "deepcopy": copy.deepcopy(model),
        "pickle": pickle.loads(pickle.dumps(model)),
        "save-load": sklstm.load(path),
    }


@pytest.mark.parametrize("change", ARCHITECTURE_CHANGES, ids=str)
def test_a_model_keeps_its_architecture_when_parameters_change_after_fit(
    change, tmp_path
):
    model = tiny().fit(ROWS, TARGET)
    before = model.predict(ROWS)
    model.set_params(**change)
    np.testing.assert_array_equal(model.predict(ROWS), before)
    for how, copied in _round_trips(model, tmp_path).items():
        np.testing.assert_array_equal(copied.predict(ROWS), before, err_msg=how)
        assert copied.get_params()[next(iter(change))] == next(iter(change.values()))


@pytest.mark.parametrize("change", ARCHITECTURE_CHANGES, ids=str)
def test_a_refit_after_an_architecture_change_starts_afresh(change):
    model = tiny().fit(ROWS, TARGET).set_params(**change)
    model.fit(ROWS, TARGET)
    fresh = tiny(**change).fit(ROWS, TARGET)
    np.testing.assert_array_equal(model.predict(ROWS), fresh.predict(ROWS))
    pipeline = make_pipeline(StandardScaler(), tiny()).fit(ROWS, TARGET)
    pipeline.set_params(lstmregressor__hidden_size=5).fit(ROWS, TARGET)
    assert pipeline[-1].network_.rnn.hidden_size == 5


@pytest.mark.parametrize("change", ARCHITECTURE_CHANGES, ids=str)
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_continuing_after_an_architecture_change_is_refused_and_changes_nothing(
    change, how
):
    model = tiny(warm_start=how == "warm_start").fit(ROWS, TARGET)
    before = model.predict(ROWS)
    model.set_params(**change)
    name = next(iter(change))
    with pytest.raises(ValueError, match=rf"{name}=.*\(fitted with .*warm_start=False"):
        getattr(model, "fit" if how == "warm_start" else how)(ROWS, TARGET)
    np.testing.assert_array_equal(model.predict(ROWS), before)


FORECASTER_CHANGES = [
    {"lookback": 6},
    {"horizon": 3},
    {"strategy": "recursive"},
    {"target": "level"},
    {"hidden_size": 8},
]


@pytest.mark.parametrize("change", FORECASTER_CHANGES, ids=str)
def test_a_forecaster_keeps_its_fitted_shape_when_parameters_change(change, tmp_path):
    forecaster = tiny_forecaster(strategy="direct", horizon=2)
    forecaster.fit(NO_COVARIATES, SERIES)
    before = forecaster.predict(NO_COVARIATES[:5])
    forecaster.set_params(**change)
    np.testing.assert_array_equal(forecaster.predict(NO_COVARIATES[:5]), before)
    for how, copied in _round_trips(forecaster, tmp_path).items():
        forecast = copied.predict(NO_COVARIATES[:5])
        np.testing.assert_array_equal(forecast, before, err_msg=how)
    forecaster.set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"\(fitted with .*warm_start=False"):
        forecaster.fit(NO_COVARIATES, SERIES)
    np.testing.assert_array_equal(forecaster.predict(NO_COVARIATES[:5]), before)
    forecaster.set_params(warm_start=False).fit(NO_COVARIATES, SERIES)
    fresh = tiny_forecaster(**{"strategy": "direct", "horizon": 2, **change})
    fresh.fit(NO_COVARIATES, SERIES)
    np.testing.assert_array_equal(
        forecaster.predict(NO_COVARIATES[:5]), fresh.predict(NO_COVARIATES[:5])
    )
