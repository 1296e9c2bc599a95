"""sklstm.to_onnx: onnxruntime predicts what predict predicts, on the same rows."""

import subprocess
import sys
from functools import partial

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from _factories import DEFAULT_LOOKBACK, tiny_regressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
from sklstm import LSTMForecaster, LSTMRegressor, to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: The agreement the export promises, in the units of y.
TOLERANCE = 1e-5

RNG = np.random.default_rng(0)
# Columns on different scales and offsets, so the scaling in the graph matters.
ROWS = RNG.normal(size=(90, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]
TARGET = np.sin(ROWS[:, 0]) + 0.05 * ROWS[:, 1] + np.r_[0.0, ROWS[:-1, 2]]
TWO_TARGETS = np.column_stack([TARGET, 2.0 - 0.3 * np.r_[0.0, 0.0, ROWS[:-2, 0]]])


tiny = partial(tiny_regressor, lookback=DEFAULT_LOOKBACK, hidden_size=5)


def run(payload: bytes, **inputs) -> np.ndarray:
    session = onnxruntime.InferenceSession(payload)
    (output,) = session.run(None, inputs)
    return output


REGRESSOR_CONFIGS = {
    "lookback-1": dict(lookback=1),
    "lstm-lookback-6": dict(lookback=6),
    "gru": dict(lookback=6, cell="gru"),
    "no-linear-path": dict(lookback=4, linear_path=False),
    "bidirectional": dict(lookback=4, bidirectional=True),
    "two-layers": dict(lookback=4, num_layers=2, dropout=0.3),
    "gru-bidirectional-two-layers": dict(
        lookback=3, cell="gru", bidirectional=True, num_layers=2
    ),
    "not-standardized": dict(lookback=4, standardize=False),
}


@pytest.mark.parametrize("multi_output", [False, True], ids=["1-output", "2-outputs"])
@pytest.mark.parametrize(
    "params", REGRESSOR_CONFIGS.values(), ids=REGRESSOR_CONFIGS.keys()
)
def test_onnx_rows_graph_predicts_what_predict_predicts(params, multi_output):
    y = TWO_TARGETS if multi_output else TARGET
    model = tiny(**params).fit(ROWS, y)
    payload = to_onnx(model)
    onnx.checker.check_model(onnx.load_from_string(payload))
    # The whole table, and tables shorter than a window (padding only).
    for n_rows in (len(ROWS), model.lookback + 1, 2, 1):
        expected = model.predict(ROWS[:n_rows])
        predicted = run(payload, X=ROWS[:n_rows])
        assert predicted.shape == expected.shape
        np.testing.assert_allclose(predicted, expected, rtol=0, atol=TOLERANCE)


def smooth_covariates(n=480, seed=0):
    """A noisy sine beside one smooth column, twice, on scales 1000 and 0.01.

    The lags of a smooth column and of its copy are collinear: only float32
    rounding and the padded windows at the start span the directions between
    them, which a tiny ridge penalty fits with coefficients in the hundreds.
    """
    t = np.arange(n + 1.0)
    wave = np.sin(0.05 * t) + np.random.default_rng(seed).normal(0.0, 0.1, n + 1)
    smooth = np.cos(0.03 * t)
    rows = np.column_stack([wave, 1000.0 * smooth, 0.01 * smooth + 5.0])
    return rows[:-1], wave[1:]


def test_onnx_agrees_with_the_linear_path_on_collinear_covariates_of_any_scale():
    X, y = smooth_covariates()
    model = tiny().fit(X, y)  # lookback 10
    np.testing.assert_allclose(
        run(to_onnx(model), X=X), model.predict(X), rtol=0, atol=TOLERANCE
    )


def test_onnx_rows_graph_pads_like_predict_not_like_a_longer_table():
    model = tiny(lookback=8).fit(ROWS, TARGET)
    payload = to_onnx(model)
    tail = ROWS[40:]
    # The first rows of a table see copies of its first row, not the rows
    # before it, whichever runtime predicts them.
    np.testing.assert_allclose(
        run(payload, X=tail), model.predict(tail), rtol=0, atol=TOLERANCE
    )
    assert np.abs(run(payload, X=tail)[:7] - model.predict(ROWS)[40:47]).max() > 1e-3


def test_onnx_sequences_graph_predicts_what_3d_predict_predicts():
    sequences = RNG.normal(size=(40, 5, 2)) * [1.0, 3.0]
    y = sequences[:, :, 0].sum(axis=1) + 0.1 * sequences[:, -1, 1]
    model = tiny().fit(sequences, y)
    payload = to_onnx(model, input_kind="sequences")
    np.testing.assert_allclose(
        run(payload, X=sequences), model.predict(sequences), rtol=0, atol=TOLERANCE
    )
    np.testing.assert_allclose(
        run(payload, X=sequences[:1]), model.predict(sequences[:1]), atol=TOLERANCE
    )


def test_a_model_fitted_on_rows_also_exports_for_ready_made_windows():
    model = tiny(lookback=4).fit(ROWS, TARGET)
    windows = np.lib.stride_tricks.sliding_window_view(ROWS, 4, axis=0)
    windows = windows.transpose(0, 2, 1)
    payload = to_onnx(model, input_kind="sequences")
    # Full windows are exactly the rows' windows from row lookback - 1 on.
    np.testing.assert_allclose(
        run(payload, X=np.ascontiguousarray(windows)),
        model.predict(ROWS)[3:],
        rtol=0,
        atol=TOLERANCE,
    )


def test_float32_graph_takes_float32_rows_and_agrees_to_float32_rounding():
    model = tiny(lookback=5).fit(ROWS, TWO_TARGETS)
    payload = to_onnx(model, dtype="float32")
    predicted = run(payload, X=ROWS.astype(np.float32))
    assert predicted.dtype == np.float32
    np.testing.assert_allclose(predicted, model.predict(ROWS), rtol=0, atol=1e-4)


def test_the_file_written_is_the_model_returned_and_the_estimator_is_untouched(
    tmp_path,
):
    model = tiny(lookback=3).fit(ROWS, TARGET)
    before = model.predict(ROWS)
    payload = to_onnx(model, tmp_path / "model.onnx")
    assert (tmp_path / "model.onnx").read_bytes() == payload
    session = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"))
    assert [i.name for i in session.get_inputs()] == ["X"]
    assert [o.name for o in session.get_outputs()] == ["y"]
    np.testing.assert_array_equal(model.predict(ROWS), before)
    assert next(model.network_.parameters()).requires_grad
    # It keeps training from where it was.
    model.set_params(warm_start=True, max_iter=1).fit(ROWS, TARGET)


def test_the_graph_refuses_rows_with_another_number_of_columns():
    model = tiny(lookback=3).fit(ROWS, TARGET)
    session = onnxruntime.InferenceSession(to_onnx(model))
    with pytest.raises(Exception, match=r"(?i)invalid dimensions.*X"):
        session.run(None, {"X": ROWS[:, :2]})


# ---------------------------------------------------------------- forecaster


def forecaster_inputs(forecaster, X_train, y_train, X_future):
    """The ONNX inputs for forecasting from the end of the training series."""
    lookback = forecaster.lookback
    block = forecaster.horizon if forecaster.strategy == "direct" else 1
    inputs = {"y": y_train[None, -lookback:]}
    if X_train.shape[1]:
        inputs["X"] = np.concatenate([X_train[-lookback:], X_future[:block]])[None]
    return inputs


def series_with_covariates(n=100, n_covariates=2):
    t = np.arange(n)
    X = np.cos(0.2 * t[:, None] + np.arange(n_covariates))
    y = 10.0 + 0.02 * t + np.sin(0.3 * t) + X.sum(axis=1)
    return X, y


FORECASTER_CONFIGS = {
    # Both network outputs, whatever the default.
    "recursive-change": dict(strategy="recursive", network_output="change"),
    "recursive-level-gru": dict(
        strategy="recursive", network_output="level", cell="gru"
    ),
    "direct-3-change": dict(strategy="direct", horizon=3, network_output="change"),
    "direct-2-level-bidirectional": dict(
        strategy="direct", horizon=2, network_output="level", bidirectional=True
    ),
}


@pytest.mark.parametrize("n_covariates", [0, 2], ids=["no-covariates", "covariates"])
@pytest.mark.parametrize(
    "params", FORECASTER_CONFIGS.values(), ids=FORECASTER_CONFIGS.keys()
)
def test_onnx_forecast_graph_forecasts_the_next_block_as_predict(params, n_covariates):
    X, y = series_with_covariates(n_covariates=n_covariates)
    X_train, y_train, X_future = X[:80], y[:80], X[80:]
    forecaster = LSTMForecaster(
        lookback=6, hidden_size=5, max_iter=3, random_state=0, **params
    ).fit(X_train, y_train)
    block = forecaster.horizon if forecaster.strategy == "direct" else 1
    payload = to_onnx(forecaster)
    session = onnxruntime.InferenceSession(payload)
    names = [i.name for i in session.get_inputs()]
    assert names == (["y", "X"] if n_covariates else ["y"])
    (forecast,) = session.run(
        None, forecaster_inputs(forecaster, X_train, y_train, X_future)
    )
    assert forecast.shape == (1, block)
    np.testing.assert_allclose(
        forecast[0], forecaster.predict(X_future[:block]), rtol=0, atol=TOLERANCE
    )


def test_feeding_onnx_forecasts_back_reproduces_a_recursive_forecast():
    X, y = series_with_covariates()
    forecaster = LSTMForecaster(
        lookback=5, hidden_size=5, max_iter=3, random_state=0
    ).fit(X[:80], y[:80])
    session = onnxruntime.InferenceSession(to_onnx(forecaster))
    values, covariates = list(y[75:80]), X[75:]
    for step in range(6):
        (forecast,) = session.run(
            None,
            {"y": np.array([values[-5:]]), "X": covariates[None, step : step + 6]},
        )
        values.append(float(forecast[0, 0]))
    np.testing.assert_allclose(
        values[5:], forecaster.predict(X[80:86]), rtol=0, atol=TOLERANCE
    )


def test_onnx_forecast_graph_forecasts_from_several_origins_at_once():
    X, y = series_with_covariates()
    forecaster = LSTMForecaster(
        lookback=5,
        hidden_size=5,
        max_iter=3,
        random_state=0,
        strategy="direct",
        horizon=2,
    ).fit(X[:80], y[:80])
    payload = to_onnx(forecaster)
    origins = [60, 70, 79]
    batch = run(
        payload,
        y=np.stack([y[o - 4 : o + 1] for o in origins]),
        X=np.stack([X[o - 4 : o + 3] for o in origins]),
    )
    for row, origin in zip(batch, origins, strict=True):
        alone = run(
            payload,
            y=y[None, origin - 4 : origin + 1],
            X=X[None, origin - 4 : origin + 3],
        )
        np.testing.assert_allclose(row, alone[0], rtol=0, atol=TOLERANCE)


# ---------------------------------------------------------------- refusals


def test_an_unfitted_model_is_refused():
    with pytest.raises(NotFittedError):
        to_onnx(LSTMRegressor())


def test_a_pipeline_is_refused_with_what_to_do_instead():
    pipeline = make_pipeline(StandardScaler(), tiny(lookback=2)).fit(ROWS, TARGET)
    with pytest.raises(TypeError, match=r"Pipeline.*pipeline\[-1\]"):
        to_onnx(pipeline)


def many_series(n_series=3, n=40):
    t = np.arange(n)
    y = np.concatenate([10.0 * (s + 1) + np.sin(0.3 * t + s) for s in range(n_series)])
    return np.empty((len(y), 0)), y, np.repeat(np.arange(n_series), n)


@pytest.mark.parametrize("n_networks", [1, 2])
def test_a_forecaster_of_many_series_is_refused_not_exported_wrongly(n_networks):
    # Its graph held no per-series scaling: its forecasts were wrong, and the
    # ensemble's refusal advised n_networks=1, which led there.
    X, y, groups = many_series()
    forecaster = LSTMForecaster(
        lookback=4, hidden_size=4, max_iter=2, random_state=0, n_networks=n_networks
    ).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match=r"fitted on 3 series \(groups=") as error:
        to_onnx(forecaster)
    message = str(error.value)
    assert "scales each series' values on their own (series_scaling='last')" in message
    assert "takes each series' drift out (drift=True)" in message
    assert "predict(X, groups=...)" in message
    # The advice names every setting in the way, so that following it exports.
    assert "fit one forecaster per series (without groups) with series_scaling=" in (
        message
    )
    assert "drift=False" in message
    assert ("n_networks=1" in message) == (n_networks > 1)


def test_an_ensemble_of_one_series_is_refused_with_advice_that_leads_to_an_export():
    X, y = series_with_covariates()
    params = dict(lookback=4, hidden_size=4, max_iter=2, random_state=0)
    ensemble = LSTMForecaster(n_networks=2, **params).fit(X, y)
    with pytest.raises(
        ValueError, match=r"averages .* of 2 .*refit it with n_networks=1"
    ):
        to_onnx(ensemble)
    single = LSTMForecaster(n_networks=1, **params).fit(X, y)
    onnx.checker.check_model(onnx.load_from_string(to_onnx(single)))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (dict(input_kind="windows"), "input_kind must be one of.*'windows'"),
        (dict(dtype="float16"), "dtype must be one of.*'float16'"),
    ],
)
def test_unknown_options_are_refused_by_name(params, message):
    model = tiny(lookback=2).fit(ROWS, TARGET)
    with pytest.raises(ValueError, match=message):
        to_onnx(model, **params)


def test_without_the_onnx_package_the_error_names_the_extra(monkeypatch):
    model = tiny(lookback=2).fit(ROWS, TARGET)
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if not installed
    with pytest.raises(ImportError, match=r"sklstm\[onnx\]"):
        to_onnx(model)


def test_to_onnx_is_exported_at_the_top_level():
    assert sklstm.to_onnx is to_onnx
    assert "to_onnx" in sklstm.__all__


def test_one_series_scaled_on_its_own_is_refused_as_a_collection_is():
    # One series is a collection of one: with its own scaling, the graph
    # (which holds none) would forecast it wrongly too.
    series = 50.0 + np.sin(0.3 * np.arange(60))
    forecaster = LSTMForecaster(
        lookback=4, hidden_size=4, max_iter=2, random_state=0, series_scaling="last"
    ).fit(np.empty((60, 0)), series)
    with pytest.raises(
        ValueError, match=r"scales the series' values on their own \(series_scaling="
    ) as error:
        to_onnx(forecaster)
    assert "refit it with series_scaling='none' to export it" in str(error.value)
    assert "groups" not in str(error.value)


def test_one_series_with_a_season_is_refused_for_its_season_not_for_groups():
    # The refusal blamed "1 series" and advised predict(X, groups=...): the
    # reason was the season taken out, and the way out season_length=None.
    t = np.arange(96.0)
    series = 5.0 + 2.0 * np.sin(2 * np.pi * t / 12)
    params = dict(lookback=6, hidden_size=4, max_iter=2, random_state=0)
    seasonal = LSTMForecaster(season_length=12, **params).fit(np.empty((96, 0)), series)
    with pytest.raises(ValueError) as error:
        to_onnx(seasonal)
    message = str(error.value)
    assert "takes the series' season out (season_length_=12)" in message
    assert "refit it with season_length=None to export it" in message
    assert "groups" not in message
    assert "series_scaling" not in message
    assert "1 series" not in message
    # The advice leads to an export.
    plain = LSTMForecaster(season_length=None, **params).fit(np.empty((96, 0)), series)
    onnx.checker.check_model(onnx.load_from_string(to_onnx(plain)))


def test_every_reason_a_forecaster_cannot_be_exported_is_named():
    X, y = series_with_covariates()
    forecaster = LSTMForecaster(
        lookback=4,
        hidden_size=4,
        max_iter=2,
        random_state=0,
        season_length=4,
        drift=True,
        n_networks=2,
    ).fit(X, y)
    with pytest.raises(ValueError) as error:
        to_onnx(forecaster)
    message = str(error.value)
    assert "season out (season_length_=4)" in message
    assert "drift out (drift=True)" in message
    assert "averages the forecasts of 2 networks" in message
    assert "refit it with season_length=None, drift=False and n_networks=1" in message


#: The highest operator set the installed PyTorch's TorchScript exporter writes.
HIGHEST_OPSET = torch.onnx._constants.ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET


@pytest.mark.parametrize(
    "opset_version", [5, 11, HIGHEST_OPSET + 1, "17", 17.0, True, None]
)
def test_an_opset_version_outside_the_supported_range_is_refused_before_export(
    opset_version, capfd
):
    # Opset 5 printed the whole traced graph and raised the exporter's own
    # error; "17" raised a bare TypeError; 11 exported a graph that no
    # runtime loads.
    model = tiny(lookback=2).fit(ROWS, TARGET)
    with pytest.raises(
        ValueError, match=rf"opset_version must be an int from 12 to {HIGHEST_OPSET}"
    ):
        to_onnx(model, opset_version=opset_version)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("opset_version", [12, HIGHEST_OPSET])
def test_the_ends_of_the_supported_opset_range_export_graphs_that_run(opset_version):
    model = tiny(lookback=3).fit(ROWS, TARGET)
    payload = to_onnx(model, opset_version=opset_version)
    assert onnx.load_from_string(payload).opset_import[0].version == opset_version
    np.testing.assert_allclose(
        run(payload, X=ROWS), model.predict(ROWS), rtol=0, atol=TOLERANCE
    )


def test_a_flat_history_is_forecast_flat_as_predict_forecasts_it():
    # predict forecasts a history of one value repeated flat at it, without
    # the network; the graph ran the network (2.22, 2.41, 2.65 after 2.0).
    X, y = series_with_covariates(n_covariates=0)
    y = y[:80].copy()
    y[-8:] = 2.0
    forecaster = LSTMForecaster(
        lookback=6, hidden_size=5, max_iter=3, random_state=0
    ).fit(X[:80], y)
    session = onnxruntime.InferenceSession(to_onnx(forecaster))
    values = list(y[-6:])
    for _ in range(3):
        (forecast,) = session.run(None, {"y": np.array([values[-6:]])})
        values.append(float(forecast[0, 0]))
    np.testing.assert_array_equal(values[6:], forecaster.predict(X[80:83]))
    np.testing.assert_array_equal(values[6:], [2.0, 2.0, 2.0])


_RUN_EMPTY = """
import sys
import numpy as np, onnxruntime
session = onnxruntime.InferenceSession(sys.argv[1])
inputs = {
    given.name: np.empty((0, *[d for d in given.shape[1:]]), dtype=np.float64)
    for given in session.get_inputs()
}
print(session.run(None, inputs)[0].shape)
"""


@pytest.mark.parametrize(
    "input_kind", ["rows", "sequences", "forecaster", "forecaster-covariates"]
)
def test_an_empty_batch_gets_an_empty_answer_not_an_aborted_process(
    input_kind, tmp_path
):
    # onnxruntime's LSTM kernel aborted the process on a batch of none
    # ("terminate called without an active exception"): an empty request
    # took down the server running the graph.
    if input_kind.startswith("forecaster"):
        n_covariates = 2 if input_kind == "forecaster-covariates" else 0
        model = LSTMForecaster(lookback=3, hidden_size=3, max_iter=2, random_state=0)
        model.fit(ROWS[:40, :n_covariates], np.sin(np.arange(40.0)))
        payload, expected = to_onnx(model), "(0, 1)"
    else:
        model = tiny(lookback=3).fit(ROWS, TARGET)
        payload = to_onnx(model, input_kind=input_kind)
        expected = "(0,)"
    (tmp_path / "model.onnx").write_bytes(payload)
    ran = subprocess.run(
        [sys.executable, "-c", _RUN_EMPTY, str(tmp_path / "model.onnx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (ran.returncode, ran.stdout.strip()) == (0, expected), ran.stderr
