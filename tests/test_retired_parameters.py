"""Parameters that earlier versions had and this one chooses by itself."""

import json
import zipfile

import numpy as np
import pytest
from _legacy_files import format_1_file

import sklstm
from sklstm import LSTMForecaster, LSTMRegressor

ROWS = np.random.default_rng(0).normal(size=(40, 2))


def _with_param(path, target, name, value):
    """A copy of a saved file whose estimator names one more parameter."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for member in source.namelist():
            data = source.read(member)
            if member == "model.json":
                document = json.loads(data)
                document["estimator"]["params"][name] = value
                data = json.dumps(document).encode()
            copy.writestr(member, data)
    return target


def test_fused_optimizer_is_chosen_automatically_not_a_parameter():
    for estimator in (LSTMRegressor(), LSTMForecaster()):
        assert "fused_optimizer" not in estimator.get_params()


def test_a_file_that_still_names_fused_optimizer_loads_and_predicts_the_same(
    tmp_path,
):
    model = LSTMRegressor(lookback=3, hidden_size=4, max_iter=2, random_state=0)
    model.fit(ROWS, ROWS[:, 0])
    sklstm.save(model, tmp_path / "model.zip")
    older = _with_param(
        tmp_path / "model.zip", tmp_path / "older.zip", "fused_optimizer", False
    )
    loaded = sklstm.load(older)
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))
    assert "fused_optimizer" not in loaded.get_params()


@pytest.mark.parametrize("estimator", ["regressor", "forecaster"])
def test_a_pickle_that_still_holds_fused_optimizer_saves_and_predicts_the_same(
    estimator, tmp_path
):
    # Unpickled, it kept the parameter as an attribute, and sklstm.save
    # refused the model as one whose fitted state it did not know.
    params = dict(lookback=3, hidden_size=4, max_iter=2, random_state=0)
    if estimator == "regressor":
        model = LSTMRegressor(**params).fit(ROWS, ROWS[:, 0])
        future = ROWS
    else:
        model = LSTMForecaster(**params).fit(ROWS[:, 1:], ROWS[:, 0])
        future = ROWS[:3, 1:]
    state = model.__getstate__()
    state["fused_optimizer"] = False  # as a pickle of sklstm 0.1 holds it
    older = type(model).__new__(type(model))
    older.__setstate__(state)
    assert "fused_optimizer" not in vars(older)
    sklstm.save(older, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    np.testing.assert_array_equal(loaded.predict(future), model.predict(future))
    assert loaded.get_params() == model.get_params()


def test_the_deprecated_target_still_chooses_the_network_output_with_a_warning():
    series = np.sin(0.3 * np.arange(60))
    covariates = np.empty((60, 0))
    params = dict(lookback=4, hidden_size=4, max_iter=3, random_state=0)
    renamed = LSTMForecaster(network_output="change", **params)
    with pytest.warns(
        FutureWarning,
        match=r"target='change' is deprecated.*"
        r"network_output='change'",
    ):
        deprecated = LSTMForecaster(target="change", **params).fit(covariates, series)
    renamed.fit(covariates, series)
    np.testing.assert_array_equal(
        deprecated.predict(covariates[:5]), renamed.predict(covariates[:5])
    )
    level = LSTMForecaster(**params).fit(covariates, series)
    assert not np.array_equal(
        level.predict(covariates[:5]), renamed.predict(covariates[:5])
    )


def test_a_forecaster_file_from_0_1_with_target_loads_as_it_was_fitted(tmp_path):
    series = np.sin(0.3 * np.arange(60))
    covariates = np.empty((60, 0))
    model = LSTMForecaster(
        lookback=4, hidden_size=4, max_iter=3, random_state=0, network_output="change"
    ).fit(covariates, series)

    # As 0.1 wrote it: the output under its old name, no fitted architecture.
    def as_0_1(document):
        estimator = document["estimator"]
        del estimator["params"]["network_output"]
        estimator["params"]["target"] = "change"
        del estimator["fitted"]["_architecture"]

    path = format_1_file(tmp_path, model, as_0_1)
    loaded = sklstm.load(path)
    np.testing.assert_array_equal(
        loaded.predict(covariates[:5]), model.predict(covariates[:5])
    )
