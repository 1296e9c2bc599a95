"""MLflow 3: sklearn and pyfunc flavours round-trip sklstm models through skops.

MLflow stores scikit-learn models with skops, which rebuilds only trusted
types; ``sklstm.trusted_types()`` names exactly the two sklstm estimators.
Everything here runs against real MLflow model directories and a real local
tracking store under ``tmp_path``.
"""

import json

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
import skops.io
from mlflow.exceptions import MlflowException
from mlflow.models import Model
from mlflow.pyfunc.scoring_server import invocations
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
import sklstm.mlflow
from sklstm import LSTMForecaster, LSTMRegressor

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    # SQLAlchemy's notice about a loader strategy MLflow's SQL store uses.
    "ignore::DeprecationWarning:mlflow.store",
)

RNG = np.random.default_rng(0)
FRAME = pd.DataFrame(
    RNG.normal(size=(60, 2)) * [1.0, 5.0] + [0.0, 3.0], columns=["load", "price"]
)
TARGET = FRAME["load"].to_numpy() - 0.1 * FRAME["price"].shift(1, fill_value=0.0)
# Pinned instead of inferred: inferring loads the model in a subprocess.
REQUIREMENTS = ["sklstm", "torch", "scikit-learn", "skops"]


def regressor():
    model = LSTMRegressor(lookback=3, hidden_size=4, max_iter=3, random_state=0)
    return model.fit(FRAME, TARGET), FRAME


def pipeline():
    model = make_pipeline(
        StandardScaler(),
        LSTMRegressor(
            lookback=4, hidden_size=4, max_iter=3, cell="gru", random_state=0
        ),
    )
    return model.fit(FRAME, TARGET), FRAME


def forecaster():
    model = LSTMForecaster(lookback=5, hidden_size=4, max_iter=3, random_state=0)
    return model.fit(FRAME.iloc[:50], TARGET[:50]), FRAME.iloc[50:]


MODELS = {"regressor": regressor, "pipeline": pipeline, "forecaster": forecaster}


def use_tracking_uri(uri, monkeypatch):
    """Point MLflow at ``uri`` until the test ends.

    ``mlflow.set_tracking_uri`` also sets ``MLFLOW_TRACKING_URI`` in the
    environment, and restoring the previous URI would pin the default store
    to the current directory for every later subprocess; instead the URI is
    unset at teardown and monkeypatch restores the environment.
    """
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)


@pytest.fixture
def tracking_store(tmp_path, monkeypatch):
    """A local file tracking store (MLflow 3 asks for an explicit opt-in)."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    use_tracking_uri((tmp_path / "mlruns").as_uri(), monkeypatch)
    yield tmp_path / "mlruns"
    mlflow.set_tracking_uri(None)


@pytest.mark.parametrize("fit", MODELS.values(), ids=MODELS.keys())
def test_log_model_and_load_model_give_back_a_model_that_predicts_the_same(
    fit, tracking_store
):
    model, X = fit()
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            skops_trusted_types=sklstm.trusted_types(),
            pip_requirements=REQUIREMENTS,
        )
    loaded = mlflow.sklearn.load_model(info.model_uri)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert any(tracking_store.rglob("model.skops"))


@pytest.mark.filterwarnings("error::sklstm.exceptions.PaddedWindowsWarning")
@pytest.mark.parametrize("fit", MODELS.values(), ids=MODELS.keys())
def test_pyfunc_with_a_dataframe_input_example_predicts_the_same(fit, tmp_path):
    model, X = fit()
    path = tmp_path / "model"
    mlflow.sklearn.save_model(
        model,
        path,
        skops_trusted_types=sklstm.trusted_types(),
        # Rows in time order, well beyond lookback: the example is predicted
        # on, and 5 rows of a lookback-4 model are mostly padded windows.
        input_example=X.iloc[:10],
        pip_requirements=REQUIREMENTS,
    )
    served = mlflow.pyfunc.load_model(str(path))
    assert served.metadata.get_input_schema().input_names() == ["load", "price"]
    np.testing.assert_array_equal(
        np.asarray(served.predict(X)).ravel(), model.predict(X)
    )


def test_the_saved_model_trusts_only_the_sklstm_estimators(tmp_path):
    model, _ = pipeline()
    mlflow.sklearn.save_model(
        model,
        tmp_path / "model",
        skops_trusted_types=sklstm.trusted_types(),
        pip_requirements=REQUIREMENTS,
    )
    flavour = Model.load(tmp_path / "model").flavors["sklearn"]
    trusted = flavour["skops_trusted_types"]
    assert trusted == [
        "sklstm._forecaster.LSTMForecaster",
        "sklstm._regressor.LSTMRegressor",
    ]
    assert flavour["serialization_format"] == "skops"


def test_without_the_trusted_types_mlflow_refuses_to_save_and_says_why(tmp_path):
    model, _ = regressor()
    with pytest.raises(MlflowException, match=r"untrusted types.*LSTMRegressor"):
        mlflow.sklearn.save_model(
            model, tmp_path / "model", pip_requirements=REQUIREMENTS
        )


@pytest.mark.parametrize("fit", MODELS.values(), ids=MODELS.keys())
def test_trusted_types_is_exactly_what_skops_asks_for_sklstm_models(fit):
    model, _ = fit()
    asked = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    assert asked
    assert set(asked) <= set(sklstm.trusted_types())
    assert all(name.startswith("sklstm.") for name in sklstm.trusted_types())


def test_the_trust_list_does_not_cover_other_types_a_model_holds(tmp_path):
    """The list is sklstm's classes: a model holding anything else is refused."""
    model, _ = regressor()
    model.callback_ = np.testing.assert_array_equal  # a function skops won't trust
    with pytest.raises(MlflowException, match="untrusted types"):
        mlflow.sklearn.save_model(
            model,
            tmp_path / "model",
            skops_trusted_types=sklstm.trusted_types(),
            pip_requirements=REQUIREMENTS,
        )


@pytest.mark.slow
@pytest.mark.filterwarnings("error::sklstm.exceptions.PaddedWindowsWarning")
def test_log_model_with_inferred_requirements_into_a_sqlite_tracking_store(
    tmp_path, monkeypatch
):
    """MLflow's recommended store and its default requirement inference."""
    model, X = pipeline()
    use_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}", monkeypatch)
    try:
        experiment = mlflow.create_experiment(
            "sklstm", artifact_location=(tmp_path / "artifacts").as_uri()
        )
        with mlflow.start_run(experiment_id=experiment):
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                skops_trusted_types=sklstm.trusted_types(),
                input_example=X.iloc[:10],
            )
        served = mlflow.pyfunc.load_model(info.model_uri)
        np.testing.assert_array_equal(np.asarray(served.predict(X)), model.predict(X))
    finally:
        mlflow.set_tracking_uri(None)
    requirements = next((tmp_path / "artifacts").rglob("requirements.txt"))
    assert "sklstm" in requirements.read_text()


# ----------------------------------------------------- many series, served

PANEL_GROUPS = np.repeat(["north", "south"], 40)
PANEL_X = pd.DataFrame({"price": RNG.normal(size=80)})
PANEL_Y = np.sin(np.arange(80) / 3) * np.where(PANEL_GROUPS == "north", 1.0, 4.0)
FUTURE = pd.DataFrame({"price": RNG.normal(size=7)})
FUTURE_GROUPS = np.array(
    ["south", "north", "south", "north", "south", "north", "south"]
)


def panel_forecaster():
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=3, random_state=0)
    return model.fit(PANEL_X, PANEL_Y, groups=PANEL_GROUPS)


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch):
    """MLflow's recommended tracking store, a SQLite database under tmp_path."""
    use_tracking_uri(f"sqlite:///{tmp_path}/m.db", monkeypatch)
    experiment = mlflow.create_experiment(
        "panel", artifact_location=(tmp_path / "artifacts").as_uri()
    )
    yield experiment
    mlflow.set_tracking_uri(None)


@pytest.fixture(scope="module")
def panel_model():
    return panel_forecaster()


def log_panel(model, experiment, **kwargs):
    with mlflow.start_run(experiment_id=experiment):
        return sklstm.mlflow.log_model(
            model, name="model", pip_requirements=REQUIREMENTS, **kwargs
        )


@pytest.mark.filterwarnings("error")
def test_served_many_series_forecaster_forecasts_what_the_sklearn_flavour_does(
    panel_model, sqlite_store
):
    example = FUTURE.assign(series=FUTURE_GROUPS)
    info = log_panel(panel_model, sqlite_store, input_example=example.iloc[:5])
    served = mlflow.pyfunc.load_model(info.model_uri)
    expected = panel_model.predict(FUTURE, groups=FUTURE_GROUPS)
    np.testing.assert_array_equal(np.asarray(served.predict(example)), expected)
    by_param = served.predict(FUTURE, params={"groups": FUTURE_GROUPS.tolist()})
    np.testing.assert_array_equal(np.asarray(by_param), expected)
    sklearn_flavour = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(
        sklearn_flavour.predict(FUTURE, groups=FUTURE_GROUPS), expected
    )
    # The two series continue differently: the labels really reached predict.
    assert not np.allclose(expected[FUTURE_GROUPS == "north"][:3], expected[::2][:3])


def test_served_intervals_are_the_forecasters_own(panel_model, sqlite_store):
    info = log_panel(panel_model, sqlite_store)
    served = mlflow.pyfunc.load_model(info.model_uri)
    frame = served.predict(
        FUTURE.assign(series=FUTURE_GROUPS), params={"coverage": 0.5}
    )
    assert list(frame.columns) == ["prediction", "lower", "upper"]
    bounds = panel_model.predict_interval(FUTURE, 0.5, groups=FUTURE_GROUPS)
    np.testing.assert_array_equal(frame[["lower", "upper"]].to_numpy(), bounds)
    np.testing.assert_array_equal(
        frame["prediction"], panel_model.predict(FUTURE, groups=FUTURE_GROUPS)
    )


def test_the_signature_declares_the_series_column_and_the_params(panel_model, tmp_path):
    sklstm.mlflow.save_model(
        panel_model, tmp_path / "model", pip_requirements=REQUIREMENTS
    )
    signature = Model.load(tmp_path / "model").signature
    assert signature.inputs.input_names() == ["price", "series"]
    params = {spec.name: spec for spec in signature.params}
    assert set(params) == {"coverage", "groups"}
    assert params["coverage"].default is None
    # The sklearn flavour is untouched: skops, trusting only sklstm.
    flavour = Model.load(tmp_path / "model").flavors["sklearn"]
    assert flavour["serialization_format"] == "skops"
    assert flavour["skops_trusted_types"] == sklstm.trusted_types()


def test_a_served_frame_without_its_series_says_how_to_name_them(panel_model, tmp_path):
    sklstm.mlflow.save_model(
        panel_model, tmp_path / "model", pip_requirements=REQUIREMENTS
    )
    served = mlflow.pyfunc.load_model(str(tmp_path / "model"))
    with pytest.raises(ValueError, match=r"'series' column.*params=\{\"groups\""):
        served.predict(FUTURE)
    with pytest.raises(ValueError, match="came twice"):
        served.predict(
            FUTURE.assign(series=FUTURE_GROUPS),
            params={"groups": FUTURE_GROUPS.tolist()},
        )


def test_an_input_example_without_the_series_column_is_refused_with_advice(
    panel_model, tmp_path
):
    with pytest.raises(ValueError, match=r"'series' column.*Add the column"):
        sklstm.mlflow.save_model(
            panel_model,
            tmp_path / "model",
            input_example=FUTURE.iloc[:5],
            pip_requirements=REQUIREMENTS,
        )


def test_a_covariate_named_like_the_series_column_asks_for_another_name(tmp_path):
    X = PANEL_X.rename(columns={"price": "series"})
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=2, random_state=0)
    model.fit(X, PANEL_Y, groups=PANEL_GROUPS)
    with pytest.raises(ValueError, match="series_column="):
        sklstm.mlflow.save_model(model, tmp_path / "a", pip_requirements=REQUIREMENTS)
    sklstm.mlflow.save_model(
        model, tmp_path / "b", series_column="store", pip_requirements=REQUIREMENTS
    )
    served = mlflow.pyfunc.load_model(str(tmp_path / "b"))
    future = FUTURE.rename(columns={"price": "series"})
    np.testing.assert_array_equal(
        np.asarray(served.predict(future.assign(store=FUTURE_GROUPS))),
        model.predict(future, groups=FUTURE_GROUPS),
    )


@pytest.mark.parametrize(
    "fit", [regressor, forecaster], ids=["regressor", "forecaster"]
)
def test_one_series_models_serve_as_through_the_sklearn_flavour(fit, tmp_path):
    model, X = fit()
    sklstm.mlflow.save_model(model, tmp_path / "model", pip_requirements=REQUIREMENTS)
    served = mlflow.pyfunc.load_model(str(tmp_path / "model"))
    np.testing.assert_array_equal(np.asarray(served.predict(X)), model.predict(X))


def served(model, tmp_path):
    sklstm.mlflow.save_model(model, tmp_path / "model", pip_requirements=REQUIREMENTS)
    return mlflow.pyfunc.load_model(str(tmp_path / "model"))


@pytest.mark.parametrize("fit", [regressor, pipeline], ids=["regressor", "pipeline"])
def test_a_served_regressor_cuts_windows_by_the_series_column(fit, tmp_path):
    # Without the column in the signature MLflow dropped it, and windows ran
    # from one series into the next.
    model, X = fit()
    groups = np.repeat([7, 9], 30)
    expected = model.predict(X, groups=groups)
    assert not np.allclose(expected, model.predict(X))  # the labels matter

    prediction = served(model, tmp_path).predict(X.assign(series=groups))
    np.testing.assert_array_equal(np.asarray(prediction), expected)


def test_a_served_pipeline_gives_its_regressors_intervals(tmp_path):
    model, X = pipeline()
    frame = served(model, tmp_path).predict(X, params={"coverage": 0.8})
    bounds = model[-1].predict_interval(model[:-1].transform(X), 0.8)
    np.testing.assert_array_equal(frame[["lower", "upper"]].to_numpy(), bounds)


def test_a_served_pipeline_of_one_step_gives_its_intervals(tmp_path):
    # Its steps before the last made an empty Pipeline, which has no
    # transform: scikit-learn's AttributeError.
    model, X = regressor()
    one_step = Pipeline([("model", model)])
    frame = served(one_step, tmp_path).predict(X, params={"coverage": 0.8})
    bounds = model.predict_interval(X, 0.8)
    np.testing.assert_array_equal(frame[["lower", "upper"]].to_numpy(), bounds)


def test_a_served_pipeline_of_a_many_series_forecaster_takes_the_series_column(
    tmp_path,
):
    model = make_pipeline(
        StandardScaler(),
        LSTMForecaster(lookback=4, hidden_size=4, max_iter=2, random_state=0),
    ).fit(PANEL_X, PANEL_Y, lstmforecaster__groups=PANEL_GROUPS)
    prediction = served(model, tmp_path).predict(FUTURE.assign(series=FUTURE_GROUPS))
    np.testing.assert_array_equal(
        np.asarray(prediction), model.predict(FUTURE, groups=FUTURE_GROUPS)
    )


@pytest.mark.parametrize(
    "labels", [[101.0, 202.0], [True, False]], ids=["float", "bool"]
)
def test_series_labelled_by_floats_or_bools_are_served(labels, tmp_path):
    groups = np.repeat(labels, 40)
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=2, random_state=0)
    model.fit(PANEL_X, PANEL_Y, groups=groups)
    future = np.array(labels * 2)
    prediction = served(model, tmp_path).predict(FUTURE.iloc[:4].assign(series=future))
    np.testing.assert_array_equal(
        np.asarray(prediction), model.predict(FUTURE.iloc[:4], groups=future)
    )


def test_a_forecaster_without_covariates_takes_its_series_from_the_groups_param(
    tmp_path,
):
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=2, random_state=0)
    model.fit(np.empty((80, 0)), PANEL_Y, groups=PANEL_GROUPS)
    prediction = served(model, tmp_path).predict(
        pd.DataFrame(index=range(7)), params={"groups": FUTURE_GROUPS.tolist()}
    )
    np.testing.assert_array_equal(
        np.asarray(prediction), model.predict(np.empty((7, 0)), groups=FUTURE_GROUPS)
    )


def test_series_labelled_by_dates_are_served_by_column_and_by_param(tmp_path):
    # The signature declared the column a string: a column of dates was
    # refused by MLflow, and the dates as strings named no fitted series.
    cohorts = np.array(["2020-01-01T12:30", "2021-06-01"], dtype="datetime64[ns]")
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=2, random_state=0)
    model.fit(np.empty((80, 0)), PANEL_Y, groups=np.repeat(cohorts, 40))
    expected = model.predict(np.empty((4, 0)), groups=np.tile(cohorts, 2))
    server = served(model, tmp_path)
    by_column = server.predict(pd.DataFrame({"series": np.tile(cohorts, 2)}))
    np.testing.assert_array_equal(np.asarray(by_column), expected)
    by_param = server.predict(
        pd.DataFrame(index=range(4)),
        params={"groups": [str(pd.Timestamp(d)) for d in np.tile(cohorts, 2)]},
    )
    np.testing.assert_array_equal(np.asarray(by_param), expected)


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(np.array([1, 2], dtype="timedelta64[D]"), id="durations"),
        pytest.param(np.array([2**63 + 5, 7], dtype=np.uint64), id="ids-beyond-int64"),
        # No 64-bit type holds both: fit holds them as Python ints, which the
        # signature declared strings, and strings found no series.
        pytest.param(np.array([2**64 - 1, -1], dtype=object), id="python-ints"),
    ],
)
def test_series_labelled_by_durations_or_large_ids_are_served(tmp_path, labels):
    # The signature declared both a long: MLflow refused a column of
    # durations and ids beyond int64, and the groups param named no series.
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=2, random_state=0)
    model.fit(np.empty((80, 0)), PANEL_Y, groups=np.repeat(labels, 40))
    asked = np.tile(labels, 2)
    expected = model.predict(np.empty((4, 0)), groups=asked)
    server = served(model, tmp_path)
    by_column = server.predict(pd.DataFrame({"series": asked}))
    np.testing.assert_array_equal(np.asarray(by_column), expected)
    as_strings = [str(label) for label in pd.Index(asked)]
    by_param = server.predict(
        pd.DataFrame(index=range(4)), params={"groups": as_strings}
    )
    np.testing.assert_array_equal(np.asarray(by_param), expected)
    # Over REST, JSON sends the column as text too.
    by_text = server.predict(pd.DataFrame({"series": as_strings}))
    np.testing.assert_array_equal(np.asarray(by_text), expected)


# ------------------------------------------- models fitted on plain arrays

ARRAY = FRAME.to_numpy()
ARRAY_GROUPS = np.repeat(["north", "south"], 30)
ARRAY_FUTURE = RNG.normal(size=(4, 2))
ARRAY_FUTURE_GROUPS = np.array(["south", "north", "south", "north"])


def array_regressor():
    model = LSTMRegressor(lookback=3, hidden_size=4, max_iter=3, random_state=0)
    return model.fit(ARRAY, TARGET), ARRAY, None


def array_regressor_by_series():
    model, X, _ = array_regressor()
    return model, X, np.repeat(["first", "second"], 30)


def array_pipeline():
    model = make_pipeline(
        StandardScaler(),
        LSTMRegressor(lookback=4, hidden_size=4, max_iter=3, random_state=0),
    )
    return model.fit(ARRAY, TARGET), ARRAY, None


def array_pipeline_starting_with_passthrough():
    # It knows no columns of its own (n_features_in_ fails on 'passthrough'):
    # its covariates were left out of the signature.
    model = Pipeline(
        [
            ("skip", "passthrough"),
            ("skip-too", Pipeline([("nothing", "passthrough")])),
            ("scale", StandardScaler()),
            (
                "model",
                LSTMRegressor(lookback=4, hidden_size=4, max_iter=3, random_state=0),
            ),
        ]
    )
    return model.fit(ARRAY, TARGET), ARRAY, None


def array_forecaster():
    model = LSTMForecaster(lookback=5, hidden_size=4, max_iter=3, random_state=0)
    return model.fit(ARRAY, TARGET), ARRAY_FUTURE, None


def array_panel_forecaster():
    model = LSTMForecaster(lookback=4, hidden_size=4, max_iter=3, random_state=0)
    model.fit(ARRAY, TARGET + 3.0 * (ARRAY_GROUPS == "south"), groups=ARRAY_GROUPS)
    return model, ARRAY_FUTURE, ARRAY_FUTURE_GROUPS


FITTED_ON_ARRAYS = {
    "regressor": array_regressor,
    "regressor-by-series": array_regressor_by_series,
    "pipeline": array_pipeline,
    "pipeline-from-passthrough": array_pipeline_starting_with_passthrough,
    "forecaster": array_forecaster,
    "many-series-forecaster": array_panel_forecaster,
}


def expected_and_request(model, X, groups):
    """What ``predict`` answers, and the frame a user sends for it: the
    rows of the array as pandas frames them, with their series if any."""
    frame = pd.DataFrame(X)
    if groups is None:
        return model.predict(X), frame
    return model.predict(X, groups=groups), frame.assign(series=groups)


@pytest.mark.parametrize("fit", FITTED_ON_ARRAYS.values(), ids=FITTED_ON_ARRAYS.keys())
def test_a_model_fitted_on_arrays_serves_the_columns_of_a_frame_of_its_rows(
    fit, tmp_path
):
    # Only the series column was declared: MLflow dropped the covariates of
    # every request, and predict saw none.
    model, X, groups = fit()
    expected, request = expected_and_request(model, X, groups)
    server = served(model, tmp_path)
    assert server.metadata.get_input_schema().input_names()[:2] == [0, 1]
    np.testing.assert_array_equal(np.asarray(server.predict(request)), expected)
    if groups is not None:
        by_param = server.predict(pd.DataFrame(X), params={"groups": groups.tolist()})
        np.testing.assert_array_equal(np.asarray(by_param), expected)


def scoring_server_answer(server, body):
    """The predictions MLflow's scoring server returns for a JSON request."""
    response = invocations(
        json.dumps(body), "application/json", server, server.metadata.get_input_schema()
    )
    assert response.status == 200, response.response
    return np.asarray(json.loads(response.response)["predictions"])


REST_MODELS = {
    "named-regressor-by-series": lambda: (*regressor(), np.repeat(["a", "b"], 30)),
    "named-many-series-forecaster": lambda: (
        panel_forecaster(),
        FUTURE,
        FUTURE_GROUPS,
    ),
    **FITTED_ON_ARRAYS,
}


@pytest.mark.parametrize("fit", REST_MODELS.values(), ids=REST_MODELS.keys())
def test_json_requests_are_answered_as_predict_answers(fit, tmp_path):
    model, X, groups = fit()
    expected, request = expected_and_request(model, X, groups)
    server = served(model, tmp_path)
    # The split orient keeps pandas' column names (numbers for an array's).
    split = json.loads(request.to_json(orient="split", index=False))
    answer = scoring_server_answer(server, {"dataframe_split": split})
    np.testing.assert_array_equal(answer, expected)
    if groups is not None:
        covariates = json.loads(pd.DataFrame(X).to_json(orient="split", index=False))
        body = {"dataframe_split": covariates, "params": {"groups": groups.tolist()}}
        np.testing.assert_array_equal(scoring_server_answer(server, body), expected)


@pytest.mark.parametrize("fit", FITTED_ON_ARRAYS.values(), ids=FITTED_ON_ARRAYS.keys())
def test_json_rows_for_a_model_fitted_on_arrays_are_answered_as_predict_answers(
    fit, tmp_path
):
    model, X, groups = fit()
    expected, _ = expected_and_request(model, X, groups)
    body = {"inputs": X.tolist()}
    if groups is not None:
        body["params"] = {"groups": groups.tolist()}
    answer = scoring_server_answer(served(model, tmp_path), body)
    np.testing.assert_array_equal(answer, expected)


def test_json_records_cannot_name_the_numbered_columns_and_mlflow_says_so(tmp_path):
    # Documented: records name columns by text, which is not the number.
    model, X, _ = array_regressor()
    records = json.loads(pd.DataFrame(X[:5]).to_json(orient="records"))
    with pytest.raises(MlflowException, match=r"missing inputs \[0, 1\]"):
        scoring_server_answer(served(model, tmp_path), {"dataframe_records": records})
