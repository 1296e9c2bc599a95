"""Pickle, joblib, skops and sklstm.save/load: a saved model comes back whole."""

import copy
import gzip
import io
import json
import os
import pickle
import pickletools
import stat
import sys
import tempfile
import tracemalloc
import zipfile
from functools import partial

import _factories
import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
import sklstm._device
import sklstm._saving
import sklstm._state
from sklstm import LSTMForecaster, LSTMRegressor
from sklstm.exceptions import DeviceWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(80, 3))
TARGET = ROWS[:, 0] - 0.5 * np.r_[0.0, ROWS[:-1, 1]]
FRAME = pd.DataFrame(ROWS, columns=["load", "temperature", "price"])
SEQUENCES = RNG.normal(size=(30, 5, 2))
REGRESSOR_CLASS = "sklstm._regressor.LSTMRegressor"


tiny = partial(_factories.tiny_regressor, max_iter=4)


def fitted_on_frame():
    return tiny().fit(FRAME, TARGET), FRAME


def fitted_multi_output_with_early_stopping():
    y = np.column_stack([TARGET, -TARGET])
    return tiny(early_stopping=True, num_layers=2, bidirectional=True).fit(
        ROWS, y
    ), ROWS


def fitted_gru_without_linear_path():
    return tiny(cell="gru", linear_path=False, standardize=False).fit(
        ROWS, TARGET
    ), ROWS


def fitted_on_sequences():
    return tiny().fit(SEQUENCES, SEQUENCES[:, :, 0].sum(axis=1)), SEQUENCES


FITTED_MODELS = [
    fitted_on_frame,
    fitted_multi_output_with_early_stopping,
    fitted_gru_without_linear_path,
    fitted_on_sequences,
]


def assert_same_fitted_model(loaded, model, X):
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()
    for attribute in ("n_features_in_", "n_outputs_", "window_length_", "n_iter_"):
        assert getattr(loaded, attribute) == getattr(model, attribute)
    assert loaded.loss_curve_ == model.loss_curve_
    assert hasattr(loaded, "feature_names_in_") == hasattr(model, "feature_names_in_")
    if hasattr(model, "feature_names_in_"):
        np.testing.assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)


# -------------------------------------------------------------------- pickle


@pytest.mark.parametrize("fit", FITTED_MODELS)
@pytest.mark.parametrize(
    "round_trip",
    [
        lambda model: pickle.loads(pickle.dumps(model)),
        lambda model: joblib.load(_joblib_bytes(model)),
    ],
    ids=["pickle", "joblib"],
)
def test_pickle_and_joblib_round_trips_predict_identically(fit, round_trip):
    model, X = fit()
    assert_same_fitted_model(round_trip(model), model, X)


def _joblib_bytes(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return buffer


def test_pickling_leaves_the_live_estimator_untouched():
    model, twin = tiny().fit(ROWS, TARGET), tiny().fit(ROWS, TARGET)
    network, optimizer = model.network_, model._optimizer
    pickle.dumps(model)
    assert model.network_ is network and model._optimizer is optimizer
    assert all(p.device.type == "cpu" for p in model.network_.parameters())
    # Training continues exactly as for a twin that was never pickled.
    model.partial_fit(ROWS, TARGET)
    twin.partial_fit(ROWS, TARGET)
    np.testing.assert_array_equal(model.predict(ROWS), twin.predict(ROWS))


def _pickled_globals(payload: bytes) -> set[str]:
    """Every class or function a pickle names (protocol 2 spells them out)."""
    return {
        str(arg).replace(" ", ".")
        for opcode, arg, _ in pickletools.genops(payload)
        if opcode.name == "GLOBAL"
    }


def test_the_pickle_byte_stream_holds_no_torch_objects():
    model = tiny(early_stopping=True).fit(FRAME, TARGET)
    names = _pickled_globals(pickle.dumps(model, protocol=2))
    assert REGRESSOR_CLASS in names
    assert not [name for name in names if name.startswith("torch")], names
    assert [name for name in names if name.startswith("sklstm")] == [REGRESSOR_CLASS]
    assert b"torch" not in pickle.dumps(model)


def test_a_model_trained_on_cuda_unpickles_on_a_cpu_only_machine(machine):
    machine()  # CPU only: no CUDA, no MPS
    model = tiny().fit(ROWS, TARGET)
    on_gpu = copy.deepcopy(model)
    on_gpu.device_ = "cuda:0"  # what a model fitted on a GPU says
    payload = pickle.dumps(on_gpu)
    with pytest.warns(DeviceWarning, match=r"trained on 'cuda:0'.*now runs on 'cpu'"):
        loaded = pickle.loads(payload)
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))


def test_a_pickle_of_another_format_version_warns(monkeypatch):
    model = tiny().fit(ROWS, TARGET)
    monkeypatch.setattr(sklstm._state, "PICKLE_FORMAT_VERSION", 99)
    payload = pickle.dumps(model)
    monkeypatch.undo()
    with pytest.warns(UserWarning, match=r"pickle format 99.*reads format 2"):
        pickle.loads(payload)


def test_an_unfitted_model_pickles_and_stays_unfitted():
    loaded = pickle.loads(pickle.dumps(tiny(hidden_size=7)))
    assert loaded.hidden_size == 7
    with pytest.raises(NotFittedError):
        loaded.predict(ROWS)


# --------------------------------------------------------------------- skops


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "in-pipeline"])
def test_skops_saves_sklstm_models_trusting_only_the_sklstm_class(in_pipeline):
    model = tiny().fit(FRAME, TARGET)
    if in_pipeline:
        model = make_pipeline(StandardScaler(), tiny()).fit(FRAME, TARGET)
    payload = skops.io.dumps(model)
    assert skops.io.get_untrusted_types(data=payload) == [REGRESSOR_CLASS]
    with pytest.raises(skops.io.exceptions.UntrustedTypesFoundException):
        skops.io.loads(payload)
    loaded = skops.io.loads(payload, trusted=[REGRESSOR_CLASS])
    np.testing.assert_array_equal(loaded.predict(FRAME), model.predict(FRAME))


# ------------------------------------------------------------- save and load


@pytest.mark.parametrize("fit", FITTED_MODELS)
def test_save_and_load_give_a_model_that_predicts_identically(fit, tmp_path):
    model, X = fit()
    sklstm.save(model, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    assert type(loaded) is LSTMRegressor
    assert_same_fitted_model(loaded, model, X)


def test_a_loaded_model_keeps_training_where_it_stopped(tmp_path):
    model = tiny(warm_start=True).fit(ROWS, TARGET)
    sklstm.save(model, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    loaded.fit(ROWS, TARGET)
    assert loaded.n_iter_ == 2 * model.n_iter_
    assert loaded.loss_curve_[: model.n_iter_] == model.loss_curve_


def test_an_unfitted_model_saves_its_parameters_only(tmp_path):
    sklstm.save(tiny(hidden_size=7, device="cpu"), tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    assert loaded.get_params() == tiny(hidden_size=7, device="cpu").get_params()
    with pytest.raises(NotFittedError):
        loaded.predict(ROWS)


def test_the_file_is_one_zip_of_json_and_safetensors(tmp_path):
    from safetensors.numpy import load_file

    model = tiny().fit(FRAME, TARGET)
    sklstm.save(model, tmp_path / "model.zip")
    with zipfile.ZipFile(tmp_path / "model.zip") as archive:
        assert sorted(archive.namelist()) == ["model.json", "weights.safetensors"]
        document = json.loads(archive.read("model.json"))
        archive.extract("weights.safetensors", tmp_path)
    assert document["format_version"] == 2
    assert document["versions"]["sklstm"] == sklstm.__version__
    estimator = document["estimator"]
    assert estimator["class"] == "LSTMRegressor"
    assert estimator["params"] == model.get_params()
    assert estimator["fitted"]["n_features_in_"] == 3
    assert estimator["fitted"]["feature_names_in_"] == list(FRAME.columns)
    weights = load_file(tmp_path / "weights.safetensors")
    np.testing.assert_array_equal(weights["_x_scaler.mean"], FRAME.mean(axis=0))
    assert weights["network_.rnn.weight_ih_l0"].dtype == np.float32


def test_load_never_unpickles(tmp_path, monkeypatch):
    model = tiny().fit(ROWS, TARGET)
    sklstm.save(model, tmp_path / "model.zip")

    def refuse(*args, **kwargs):
        raise AssertionError("load unpickled something")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    loaded = sklstm.load(tmp_path / "model.zip")
    monkeypatch.undo()
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))


def test_without_safetensors_the_weights_go_to_npz_and_load(tmp_path, monkeypatch):
    model = tiny().fit(ROWS, TARGET)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)  # not installed
    sklstm.save(model, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    with zipfile.ZipFile(tmp_path / "model.zip") as archive:
        assert sorted(archive.namelist()) == ["model.json", "weights.npz"]
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))


def test_a_safetensors_file_without_safetensors_installed_says_what_to_install(
    tmp_path, monkeypatch
):
    sklstm.save(tiny().fit(ROWS, TARGET), tmp_path / "model.zip")
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ValueError, match=r"safetensors.*pip install sklstm\[safe\]"):
        sklstm.load(tmp_path / "model.zip")


def test_a_model_saved_on_cuda_loads_on_a_cpu_only_machine(tmp_path, machine):
    machine()  # CPU only: no CUDA, no MPS
    model = tiny().fit(ROWS, TARGET)
    on_gpu = copy.deepcopy(model)
    on_gpu.device_ = "cuda:0"
    sklstm.save(on_gpu, tmp_path / "model.zip")
    with pytest.warns(DeviceWarning, match=r"trained on 'cuda:0'.*now runs on 'cpu'"):
        loaded = sklstm.load(tmp_path / "model.zip")
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))


def test_load_puts_the_model_on_the_device_asked_for(tmp_path, machine):
    machine()  # CPU only: no CUDA, no MPS
    sklstm.save(tiny().fit(ROWS, TARGET), tmp_path / "model.zip")
    assert sklstm.load(tmp_path / "model.zip", device="auto").device_ == "cpu"
    with pytest.raises(ValueError, match="CUDA is not available"):
        sklstm.load(tmp_path / "model.zip", device="cuda")


def test_save_refuses_parameters_json_cannot_hold(tmp_path):
    model = tiny(random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"random_state=RandomState.*int or None"):
        sklstm.save(model, tmp_path / "model.zip")


def test_save_refuses_a_fitted_attribute_it_does_not_know(tmp_path):
    model = tiny().fit(ROWS, TARGET)
    model.surprise_ = 1
    with pytest.raises(ValueError, match=r"\['surprise_'\].*_fitted_state_schema"):
        sklstm.save(model, tmp_path / "model.zip")


def test_saving_into_a_missing_folder_names_the_path_asked_for(tmp_path):
    target = tmp_path / "not yet" / "model.zip"
    with pytest.raises(FileNotFoundError, match=r"model\.zip.*does not exist") as info:
        sklstm.save(tiny(), target)
    assert ".partial" not in str(info.value)  # not the temporary file's name
    assert not target.parent.exists()


def test_save_refuses_objects_that_are_not_sklstm_estimators(tmp_path):
    with pytest.raises(ValueError, match=r"stores sklstm estimators.*StandardScaler"):
        sklstm.save(StandardScaler(), tmp_path / "model.zip")


# Tampered files: each edit of a good file, and the words of the refusal.


def _edit_document(key_path, value):
    def edit(document, arrays):
        *parents, last = key_path
        target = document
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return edit


_DELETE = object()


def _edit_arrays(change):
    def edit(document, arrays):
        change(arrays)

    return edit


def _set_array(name, value):
    return _edit_arrays(lambda arrays: arrays.__setitem__(name, value))


TAMPERED_FILES = [
    pytest.param(
        _edit_document(["estimator", "fitted", "_kept_epoch"], 1000),
        r"does not fit together: the weights are said to be those of epoch 1000",
        id="kept-epoch-beyond-the-loss-curve",
    ),
    pytest.param(
        _edit_document(["format_version"], 0),
        r"format version 0.*cannot read: it reads format version 2.*save it again",
        id="older-format-version",
    ),
    pytest.param(
        _edit_document(["format_version"], 3),
        r"format version 3.*newer.*Upgrade sklstm",
        id="newer-format-version",
    ),
    pytest.param(
        _edit_document(["format"], "something-else"),
        r"does not say format='sklstm-model'",
        id="other-format",
    ),
    pytest.param(
        _edit_document(["extra"], 1), r"unknown key\(s\) \['extra'\]", id="unknown-key"
    ),
    pytest.param(
        _edit_document(["estimator", "class"], "posix.system"),
        r"class 'posix.system' is not one sklstm can load",
        id="foreign-class",
    ),
    pytest.param(
        _edit_document(["estimator", "params", "evil"], 1),
        r"has no parameter\(s\) \['evil'\]",
        id="unknown-parameter",
    ),
    pytest.param(
        _edit_document(["estimator", "params", "hidden_size"], -1),
        r"parameters are invalid.*'hidden_size'.*Got -1",
        id="invalid-parameter",
    ),
    pytest.param(
        _edit_document(["estimator", "params", "lookback"], [3]),
        r"parameter lookback must be a JSON scalar",
        id="parameter-of-wrong-type",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "_architecture", "hidden_size"], 5),
        r"weight 'rnn.weight_ih_l0' has shape \(16, 3\).*needs \(20, 3\)",
        id="weights-of-another-architecture",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "_architecture", "num_layers"], 2),
        r"weights do not match the architecture.*missing: \['network_.rnn.bias_hh_l1'",
        id="weights-missing-for-the-architecture",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "n_features_in_"], "3"),
        r"'n_features_in_' must be an integer from 1 to \d+; got '3'",
        id="count-of-wrong-type",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "n_features_in_"], 10**12),
        r"'n_features_in_' must be an integer from 1 to 16777216",
        id="size-beyond-bounds",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "feature_names_in_"], ["a", "b"]),
        r"'feature_names_in_' has length 2, but must have 3",
        id="feature-names-of-wrong-length",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "secret_"], 1),
        r"fitted state of the estimator has unknown key\(s\) \['secret_'\]",
        id="unknown-fitted-attribute",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "n_outputs_"], _DELETE),
        r"fitted attribute 'n_outputs_' is missing",
        id="missing-fitted-attribute",
    ),
    pytest.param(
        _edit_document(["estimator", "fitted", "loss_curve_"], ["low"]),
        r"'loss_curve_' must be a number; got 'low'",
        id="list-of-wrong-type",
    ),
    pytest.param(
        _set_array("network_.head.weight", np.zeros((1, 4), dtype=np.float64)),
        r"'network_.head.weight' must be float32; got float64",
        id="weight-of-wrong-dtype",
    ),
    pytest.param(
        _set_array("network_.head.surplus", np.zeros(2, dtype=np.float32)),
        r"unexpected: \['network_.head.surplus'\]",
        id="unexpected-weight",
    ),
    pytest.param(
        _set_array("stray", np.zeros(2)),
        r"arrays no attribute uses: \['stray'\]",
        id="unused-array",
    ),
    pytest.param(
        _set_array("_y_scaler.scale", np.array([-1.0])),
        r"'_y_scaler' must be finite with a positive scale",
        id="negative-scale",
    ),
    pytest.param(
        _edit_arrays(
            lambda arrays: arrays.update(
                {"_x_scaler.mean": np.zeros(2), "_x_scaler.scale": np.ones(2)}
            )
        ),
        r"'_x_scaler' has length 2, but must have 3",
        id="scaler-of-wrong-length",
    ),
    pytest.param(
        _edit_arrays(lambda arrays: arrays.pop("_x_scaler.mean")),
        r"array '_x_scaler.mean' is missing",
        id="missing-array",
    ),
]


def _good_file(tmp_path, model=None):
    """The document and arrays of a file saved from ``model`` (a tiny regressor)."""
    model = tiny().fit(FRAME, TARGET) if model is None else model
    sklstm.save(model, tmp_path / "good.zip")
    with zipfile.ZipFile(tmp_path / "good.zip") as archive:
        document = json.loads(archive.read("model.json"))
        arrays = dict(np.load(io.BytesIO(_as_npz(archive)), allow_pickle=False))
    return document, arrays


def _tampered_file(tmp_path, edit, model=None):
    """A copy of a good file with ``edit`` applied, its arrays as npz."""
    document, arrays = _good_file(tmp_path, model)
    edit(document, arrays)
    document["weights"] = "weights.npz"
    return _write(
        tmp_path / "tampered.zip",
        json.dumps(document),
        {"weights.npz": _npz_bytes(arrays)},
    )


def _as_npz(archive):
    from safetensors.numpy import load

    buffer = io.BytesIO()
    np.savez(buffer, **load(archive.read("weights.safetensors")))
    return buffer.getvalue()


def _write(path, document_text, members):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", document_text)
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize(("edit", "message"), TAMPERED_FILES)
def test_load_refuses_a_tampered_file_with_a_clear_message(edit, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        sklstm.load(_tampered_file(tmp_path, edit))


def test_load_refuses_files_that_are_not_sklstm_models(tmp_path):
    document, arrays = _good_file(tmp_path)
    document["weights"] = "weights.npz"
    text, weights = json.dumps(document), _npz_bytes(arrays)
    (tmp_path / "plain.txt").write_text("hello")
    cases = {
        "plain.txt": r"not a zip file written by sklstm.save",
        _write(tmp_path / "extra.zip", text, {"weights.npz": weights, "run.py": b""}): (
            r"must hold exactly model.json and weights.npz"
        ),
        _write(tmp_path / "no-weights.zip", text, {}): r"must hold exactly",
        _write(tmp_path / "bad-json.zip", text[:-5], {"weights.npz": weights}): (
            r"model.json is not valid JSON"
        ),
        _write(
            tmp_path / "duplicate-key.zip",
            text[:-1] + ', "format": "sklstm-model"}',
            {"weights.npz": weights},
        ): r"repeats a key",
        _write(
            tmp_path / "pickled-array.zip",
            text,
            {"weights.npz": _npz_bytes({**arrays, "x": np.array([{}], dtype=object)})},
        ): "its array x holds Python objects",
    }
    for path, message in cases.items():
        with pytest.raises(ValueError, match=message):
            sklstm.load(tmp_path / path)


def test_load_reads_no_more_than_its_size_bound(tmp_path, monkeypatch):
    sklstm.save(tiny().fit(ROWS, TARGET), tmp_path / "model.zip")
    monkeypatch.setattr(sklstm._saving, "MAX_WEIGHT_BYTES", 100)
    with pytest.raises(
        ValueError, match=r"implies \d+ bytes of weights, more than the 100"
    ):
        sklstm.load(tmp_path / "model.zip")


# ---------------------------------------------------------------- forecaster

DAYS = pd.date_range("2021-03-01", periods=70, freq="D", tz="Europe/Berlin")
SALES = pd.Series(np.sin(np.arange(70) / 5) + 0.1 * RNG.normal(size=70), DAYS)
WEATHER = pd.DataFrame({"temperature": np.cos(np.arange(70) / 5)}, index=DAYS)


tiny_forecaster = partial(_factories.tiny_forecaster, lookback=4)


def forecaster_on_dated_series():
    model = tiny_forecaster().fit(WEATHER[:60], SALES[:60].rename("sales"))
    return model, WEATHER[60:]


def direct_forecaster_without_covariates():
    model = tiny_forecaster(strategy="direct", horizon=3)
    return model.fit(np.empty((60, 0)), SALES.to_numpy()[:60]), np.empty((7, 0))


def forecaster_on_a_range_index():
    model = tiny_forecaster(network_output="level", early_stopping=True)
    X, y = WEATHER.reset_index(drop=True), SALES.reset_index(drop=True)
    return model.fit(X[:60], y[:60]), X[60:]


FITTED_FORECASTERS = [
    forecaster_on_dated_series,
    direct_forecaster_without_covariates,
    forecaster_on_a_range_index,
]


def _through_save_and_load(model, tmp_path):
    sklstm.save(model, tmp_path / "forecaster.zip")
    return sklstm.load(tmp_path / "forecaster.zip")


def _through_skops(model, tmp_path):
    payload = skops.io.dumps(model)
    assert skops.io.get_untrusted_types(data=payload) == [
        "sklstm._forecaster.LSTMForecaster",
        REGRESSOR_CLASS,
    ]
    return skops.io.loads(payload, trusted=skops.io.get_untrusted_types(data=payload))


def _through_pickle(model, tmp_path):
    return pickle.loads(pickle.dumps(model))


@pytest.mark.parametrize("fit", FITTED_FORECASTERS)
@pytest.mark.parametrize(
    "round_trip",
    [_through_save_and_load, _through_skops, _through_pickle],
    ids=["save-load", "skops", "pickle"],
)
def test_a_saved_forecaster_forecasts_identically(fit, round_trip, tmp_path):
    model, future = fit()
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is LSTMForecaster
    np.testing.assert_array_equal(loaded.predict(future), model.predict(future))
    np.testing.assert_array_equal(
        loaded.predict_interval(future[:3], coverage=0.5),
        model.predict_interval(future[:3], coverage=0.5),
    )
    assert loaded.get_params() == model.get_params()
    assert loaded._time_origin == model._time_origin
    assert loaded._time_step == model._time_step
    if isinstance(future, pd.DataFrame):
        forecast = loaded.predict_series(future)
        pd.testing.assert_series_equal(forecast, model.predict_series(future))
        pd.testing.assert_index_equal(forecast.index, future.index)


def test_a_loaded_forecaster_takes_new_observations(tmp_path):
    model, _ = forecaster_on_dated_series()
    loaded = _through_save_and_load(model, tmp_path)
    model.update(WEATHER[60:63], SALES[60:63])
    loaded.update(WEATHER[60:63], SALES[60:63])
    np.testing.assert_array_equal(
        loaded.predict(WEATHER[63:]), model.predict(WEATHER[63:])
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _set_array("_series_history", np.zeros((1, 3, 2))),
            r"recent history has shape \(1, 3, 2\).*make \(1, 4, 2\)",
        ),
        (
            _set_array("_series_history", np.zeros((1, 4, 3))),
            r"recent history has shape \(1, 4, 3\).*make \(1, 4, 2\)",
        ),
        (
            _edit_document(["estimator", "fitted", "_time_step"], {"offset": "7Q?"}),
            r"'_time_step' is not a valid pandas frequency",
        ),
        (
            _edit_document(
                ["estimator", "fitted", "_time_origin", "tz"], "Mars/Olympus_Mons"
            ),
            r"'_time_origin' is not a valid timestamp",
        ),
        (
            _edit_document(["estimator", "fitted", "_series_name"], ["sales"]),
            r"'_series_name' must be a JSON scalar",
        ),
        (
            _edit_document(
                ["estimator", "fitted", "regressor_", "params", "hidden_size"], 0
            ),
            r"parameters are invalid.*'hidden_size'",
        ),
        (
            _set_array("regressor_/network_.head.bias", np.zeros(2, np.float32)),
            r"weight 'head.bias' has shape \(2,\).*needs \(1,\)",
        ),
        (
            _edit_document(
                ["estimator", "fitted", "regressor_", "fitted", "_y_was_1d"], False
            ),
            r"forecasts 1 step\(s\) per window, but a network has 1 output",
        ),
        (
            _edit_document(
                ["estimator", "fitted", "regressor_", "params", "num_layers"], True
            ),
            r"true or false for \['num_layers'\]",
        ),
        (
            _set_array("calibration_residuals_", -np.ones((5, 2))),
            r"'calibration_residuals_' holds absolute errors.*negative",
        ),
        (
            _set_array("_calibration_by_rule", np.zeros(3)),
            r"3 held-out origins are flagged.*the table of held-out errors has \d+",
        ),
        (
            _edit_arrays(
                lambda arrays: arrays.__setitem__(
                    "_calibration_by_rule",
                    np.full(len(arrays["calibration_residuals_"]), 0.5),
                )
            ),
            r"forecast by rule must be 0 or 1",
        ),
    ],
    ids=[
        "recent-values-of-wrong-length",
        "recent-covariates-of-wrong-width",
        "invalid-frequency",
        "unknown-time-zone",
        "series-name-of-wrong-type",
        "invalid-nested-parameter",
        "nested-weight-of-wrong-shape",
        "outputs-other-than-the-architecture",
        "bool-for-a-number",
        "negative-errors",
        "rule-flags-of-wrong-length",
        "rule-flags-not-0-or-1",
    ],
)
def test_load_refuses_a_tampered_forecaster_file(edit, message, tmp_path):
    model, _ = forecaster_on_dated_series()
    with pytest.raises(ValueError, match=message):
        sklstm.load(_tampered_file(tmp_path, edit, model))


def test_unsigned_64_bit_series_labels_load_back_as_they_were(tmp_path):
    # Hashed ids (pd.util.hash_array) are uint64; read back as float64 the
    # two largest collided, and the file was refused.
    ids = np.array([5, 2**64 - 2, 2**64 - 1], dtype=np.uint64)
    values = np.sin(np.arange(90) / 3) + np.repeat([0.0, 5.0, 10.0], 30)
    model = tiny_forecaster().fit(np.empty((90, 0)), values, groups=np.repeat(ids, 30))
    loaded = _through_save_and_load(model, tmp_path)
    assert loaded.series_.dtype == np.uint64
    assert loaded.series_.tolist() == model.series_.tolist() == ids.tolist()
    future = np.repeat(ids, 2)
    np.testing.assert_array_equal(
        loaded.predict(np.empty((6, 0)), groups=future),
        model.predict(np.empty((6, 0)), groups=future),
    )


@pytest.mark.parametrize(
    "ids",
    [[5, 2**64 - 1], [2**70 + 1, 1], [-1, 2**63 + 1]],
    ids=["unsigned", "beyond-64-bits", "signed-and-unsigned"],
)
def test_integer_labels_beyond_int64_given_as_lists_keep_every_digit(ids, tmp_path):
    # A list of such ids became float64 labels (2**64 - 1 and 2**64 - 2 one
    # series); labels no 64-bit type holds failed save with an OverflowError,
    # and a file mixing -1 with 2**63 was refused by load.
    values = np.sin(np.arange(60) / 3) + np.repeat([0.0, 5.0], 30)
    groups = [label for label in ids for _ in range(30)]
    model = tiny_forecaster().fit(np.empty((60, 0)), values, groups=groups)
    assert model.series_.tolist() == sorted(ids)
    loaded = _through_save_and_load(model, tmp_path)
    assert loaded.series_.tolist() == sorted(ids)
    forecasts = loaded.predict(np.empty((2, 0)), groups=ids)
    np.testing.assert_array_equal(
        forecasts, model.predict(np.empty((2, 0)), groups=ids)
    )
    assert abs(forecasts[1] - forecasts[0] - 5.0) < 2.0  # each its own level


@pytest.mark.parametrize(
    "labels",
    [
        pd.to_datetime(["2020-01-31", "2020-02-29", "2020-03-31"]).to_numpy(),
        np.array(["2020-01-01", "2020-01-02", "2021-01-01"], dtype="datetime64[D]"),
        np.array([1, 2, 48], dtype="timedelta64[h]"),
    ],
    ids=["dates-in-ns", "dates-in-days", "durations"],
)
def test_series_labelled_by_dates_or_durations_load_back_as_they_were(labels, tmp_path):
    # Dates in ns were written as their ticks and loaded as int64 labels, so
    # the loaded model refused its own series; dates in days were refused.
    values = np.sin(np.arange(90) / 3) + np.repeat([0.0, 5.0, 10.0], 30)
    model = tiny_forecaster().fit(
        np.empty((90, 0)), values, groups=np.repeat(labels, 30)
    )
    loaded = _through_save_and_load(model, tmp_path)
    assert loaded.series_.dtype == labels.dtype
    np.testing.assert_array_equal(loaded.series_, np.sort(labels))
    future = np.repeat(labels, 2)
    np.testing.assert_array_equal(
        loaded.predict(np.empty((6, 0)), groups=future),
        model.predict(np.empty((6, 0)), groups=future),
    )


def test_save_refuses_labels_it_cannot_write_saying_what_to_do(tmp_path):
    dates = pd.to_datetime(["2020-01-01", "2021-01-01"]).tz_localize("UTC")
    values = np.sin(np.arange(60) / 3) + np.repeat([0.0, 5.0], 30)
    model = tiny_forecaster().fit(
        np.empty((60, 0)), values, groups=pd.Series(np.repeat(dates, 30))
    )
    path = tmp_path / "model.zip"
    with pytest.raises(ValueError, match=r"of type Timestamp.*astype\(str\).*pickle"):
        sklstm.save(model, path)
    assert not path.exists()
    assert pickle.loads(pickle.dumps(model)).series_.tolist() == list(dates)


@pytest.mark.parametrize(
    "labels, message",
    [
        ({"dtype": "float64", "ticks": [1, 2]}, r"datetime64 or timedelta64 dtype"),
        ({"dtype": "datetime64[ns]", "ticks": [-(2**63), 1]}, r"none of them NaT"),
        ({"dtype": "datetime64[ns]", "ticks": [True, 1]}, r"64-bit integers"),
        ({"dtype": "datetime64[ns]", "ticks": [1]}, r"does not fit together"),
        ({"dtype": "datetime64[ns]"}, r"lacks the key"),
    ],
    ids=["not-a-date-dtype", "NaT", "bool-tick", "too-few-labels", "no-ticks"],
)
def test_load_refuses_tampered_dated_labels(labels, message, tmp_path):
    model = tiny_forecaster().fit(
        np.empty((60, 0)),
        np.sin(np.arange(60.0)),
        groups=np.repeat(np.array([0, 1], dtype="datetime64[D]"), 30),
    )
    edit = _edit_document(("estimator", "fitted", "series_"), labels)
    with pytest.raises(ValueError, match=message):
        sklstm.load(_tampered_file(tmp_path, edit, model))


def _npz_with_member(arrays, name, data, compression=zipfile.ZIP_STORED):
    """``_npz_bytes(arrays)`` with the member ``name`` replaced by ``data``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_npz_bytes(arrays))) as good,
        zipfile.ZipFile(buffer, "w") as npz,
    ):
        for member in good.namelist():
            content = data if member == name else good.read(member)
            npz.writestr(member, content, compress_type=compression)
    return buffer.getvalue()


def test_load_bounds_the_arrays_inside_an_npz_before_building_them(tmp_path):
    # A model whose arrays the architecture sizes whole (no held-out errors,
    # whose number only the file bounds: about a thousand times its size).
    document, arrays = _good_file(
        tmp_path, tiny(early_stopping=False).fit(FRAME, TARGET)
    )
    document["weights"] = "weights.npz"
    name = sorted(arrays)[0]
    # A small file whose array header declares 10**12 values (7 TiB) ...
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    huge_shape = _npz_with_member(arrays, f"{name}.npy", header.getvalue() + bytes(64))
    # ... and one whose array member inflates to 200 MB of zeros.
    bomb = _npz_with_member(
        arrays, f"{name}.npy", bytes(200 * 2**20), compression=zipfile.ZIP_DEFLATED
    )
    for payload, message in [(huge_shape, "declares the shape"), (bomb, "declare")]:
        path = _write(
            tmp_path / "hostile.zip", json.dumps(document), {"weights.npz": payload}
        )
        assert path.stat().st_size < 2**20
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match=message):
                sklstm.load(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 20 * 2**20  # nothing near what the file declares was built


def _dated_forecaster(index):
    y = pd.Series(np.sin(np.arange(len(index), dtype=float)), index=index)
    forecaster = _factories.tiny_forecaster(lookback=2, max_iter=1)
    return forecaster.fit(pd.DataFrame(index=index), y)


@pytest.mark.parametrize("freq", ["M", "W-SUN", "Q"])
def test_a_forecaster_of_periods_saves_and_loads_with_its_dates(freq, tmp_path):
    index = pd.period_range("2020-01-01", periods=30, freq=freq)
    forecaster = _dated_forecaster(index)
    expected = forecaster.predict_series(np.empty((3, 0)))
    sklstm.save(forecaster, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip").predict_series(np.empty((3, 0)))
    pd.testing.assert_series_equal(loaded, expected)
    untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(forecaster))
    assert not [name for name in untrusted if name.startswith("pandas")]


@pytest.mark.parametrize(
    "freq",
    [
        pd.offsets.CustomBusinessDay(holidays=["2001-02-27", "2001-02-28"]),
        pd.DateOffset(months=1, days=2),
    ],
)
def test_a_frequency_its_name_does_not_describe_is_pickled_whole(freq, tmp_path):
    forecaster = _dated_forecaster(pd.date_range("2001-01-01", periods=40, freq=freq))
    expected = forecaster.predict_series(np.empty((3, 0)))
    unpickled = pickle.loads(pickle.dumps(forecaster))
    pd.testing.assert_series_equal(unpickled.predict_series(np.empty((3, 0))), expected)
    # Written as text it would read back as another frequency: refused.
    with pytest.raises(ValueError, match="cannot store the dates"):
        sklstm.save(forecaster, tmp_path / "model.zip")
    assert not (tmp_path / "model.zip").exists()


def test_saving_through_a_link_writes_the_file_it_points_at(tmp_path):
    old, new = tiny().fit(FRAME, TARGET), tiny(random_state=1).fit(FRAME, TARGET)
    sklstm.save(old, tmp_path / "v1.zip")
    (tmp_path / "current.zip").symlink_to(tmp_path / "v1.zip")
    sklstm.save(new, tmp_path / "current.zip")
    assert (tmp_path / "current.zip").is_symlink()
    np.testing.assert_array_equal(
        sklstm.load(tmp_path / "v1.zip").predict(FRAME), new.predict(FRAME)
    )


def test_saving_onto_a_folder_names_the_folder_not_a_temporary_file(tmp_path):
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder") as caught:
        sklstm.save(tiny().fit(FRAME, TARGET), tmp_path / "models")
    assert "partial" not in str(caught.value)


def test_a_trailing_separator_names_a_folder_and_writes_nothing(tmp_path):
    # "models/" wrote a file named models (the separator was dropped).
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        sklstm.save(LSTMRegressor(), f"{tmp_path}/models/")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "target, message",
    [
        (None, "a path .* or a binary file object .* got NoneType"),
        (b"model.zip", "got bytes"),
        (3, "got int"),
    ],
)
def test_save_refuses_a_target_that_is_no_file_saying_what_to_pass(target, message):
    # These failed inside zipfile with an AttributeError.
    with pytest.raises(TypeError, match=message):
        sklstm.save(LSTMRegressor(), target)


def test_save_refuses_a_file_opened_as_text_saying_how_to_open_it(tmp_path):
    with open(tmp_path / "model.zip", "w") as file:
        with pytest.raises(TypeError, match="mode 'wb'"):
            sklstm.save(LSTMRegressor(), file)


def test_a_write_protected_file_is_not_replaced(tmp_path, monkeypatch):
    # Renaming a new file over it skipped the file's own permission.
    path = tmp_path / "released.zip"
    sklstm.save(LSTMRegressor(lookback=2), path)
    path.chmod(0o444)
    if os.geteuid() == 0:  # root may write any file: probe as another user
        real_access = os.access
        monkeypatch.setattr(
            os,
            "access",
            lambda where, mode: mode != os.W_OK and real_access(where, mode),
        )
    with pytest.raises(PermissionError, match="is write-protected"):
        sklstm.save(LSTMRegressor(lookback=3), path)
    monkeypatch.undo()
    assert sklstm.load(path).lookback == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["released.zip"]


def test_load_refuses_a_document_of_millions_of_empty_lists_before_parsing(tmp_path):
    # 64 MiB of empty lists, 65 KB compressed, were parsed (1.5 GB) before
    # their key was refused.
    text = b'{"x": [' + b"[]," * (2**22) + b"[]]}"
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", text)
    with pytest.raises(ValueError, match=r"about \d+ JSON values, more than the"):
        sklstm.load(tmp_path / "bomb.zip")


def test_load_builds_at_most_about_a_thousand_times_the_files_size(tmp_path):
    # Deflate's own limit: no file save writes is refused, and a small file
    # whose held-out errors inflate from zeros cannot build much more.
    model = tiny().fit(FRAME, TARGET)
    document, arrays = _good_file(tmp_path, model)
    document["weights"] = "weights.npz"
    arrays["calibration_residuals_"] = np.zeros((2**22, 1))  # 32 MiB of zeros
    npz = io.BytesIO()
    np.savez_compressed(npz, **arrays)
    path = tmp_path / "inflating.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", json.dumps(document))
        archive.writestr("weights.npz", npz.getvalue())
    tracemalloc.start()
    try:
        with pytest.raises(ValueError):  # the errors do not fit the model
            sklstm.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1100 * path.stat().st_size + 20 * 2**20


def test_series_labels_sharing_a_long_prefix_save_and_load(tmp_path):
    # They compress hundreds of times: a bound on model.json's inflation
    # refused the file that save had written.
    prefix = "warehouse=central-europe/" * 40
    model = tiny_forecaster(n_networks=1).fit(
        np.empty((40, 0)), np.sin(np.arange(40.0)), groups=[prefix + "a"] * 40
    )
    labels = np.repeat([f"{prefix}sku-{i:05d}" for i in range(3000)], 5)
    model.update(
        np.empty((len(labels), 0)), np.tile(np.arange(5.0), 3000), groups=labels
    )
    sklstm.save(model, tmp_path / "many.zip")
    with zipfile.ZipFile(tmp_path / "many.zip") as archive:
        info = archive.getinfo("model.json")
    assert info.file_size > 64 * info.compress_size
    assert sklstm.load(tmp_path / "many.zip").series_.tolist() == model.series_.tolist()


def _peak_mib(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_one_long_label_among_many_builds_no_array_at_its_width(tmp_path):
    # NumPy held string labels at the width of the longest: one label of
    # 32 768 characters among 300 series built 225 MiB in fit (every row)
    # and 38 MiB in load; a crafted file of a few KB could build gigabytes.
    labels = [f"s{i}" for i in range(300)]
    labels[7] = "x" * 2**15
    groups = [label for label in labels for _ in range(4)]
    y = np.sin(np.arange(len(groups)) * 0.3)
    model, fit_peak = _peak_mib(
        lambda: tiny_forecaster(n_networks=1, lookback=2, horizon=1).fit(
            np.empty((len(groups), 0)), y, groups=groups
        )
    )
    sklstm.save(model, tmp_path / "model.zip")
    loaded, load_peak = _peak_mib(lambda: sklstm.load(tmp_path / "model.zip"))
    assert fit_peak < 16 and load_peak < 4
    asked = [labels[7], "s3"]
    np.testing.assert_array_equal(
        loaded.predict(np.empty((2, 0)), groups=asked),
        model.predict(np.empty((2, 0)), groups=asked),
    )


def test_a_collection_of_intermittent_series_saves_and_loads(tmp_path):
    # Their state (zeros, masks) compresses far more than weights do: load
    # refused the file save had written ("declares more than ... allow").
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(2000), 24)
    demand = (rng.random(len(labels)) < 0.02).astype(float)
    model = tiny_forecaster(n_networks=1).fit(
        np.empty((60, 0)), np.r_[np.sin(np.arange(60.0))], groups=[-1] * 60
    )
    model.update(np.empty((len(labels), 0)), demand, groups=labels)
    sklstm.save(model, tmp_path / "intermittent.zip")
    loaded = sklstm.load(tmp_path / "intermittent.zip")
    asked = np.arange(-1, 2000)
    np.testing.assert_array_equal(
        loaded.predict(np.empty((2001, 0)), groups=asked),
        model.predict(np.empty((2001, 0)), groups=asked),
    )


def test_one_intermittent_series_with_the_defaults_saves_and_loads():
    # Its held-out errors are mostly zeros: load refused the file as
    # inflating more than 8 times.
    demand = (np.random.default_rng(0).random(2000) < 0.02).astype(float)
    model = LSTMForecaster(max_iter=1, random_state=0).fit(np.empty((2000, 0)), demand)
    buffer = io.BytesIO()
    sklstm.save(model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(
        sklstm.load(buffer).predict_interval(np.empty((3, 0))),
        model.predict_interval(np.empty((3, 0))),
    )


def test_save_refuses_a_model_whose_labels_load_could_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(sklstm._saving, "MAX_DOCUMENT_BYTES", 500)
    with pytest.raises(ValueError, match="shorter labels"):
        sklstm.save(LSTMRegressor(), tmp_path / "model.zip")
    assert not (tmp_path / "model.zip").exists()


def test_save_refuses_a_file_load_would_refuse_and_writes_nothing(
    tmp_path, monkeypatch
):
    # Past 256 MiB of state compressing more than 8 times (a large
    # collection of intermittent series), save wrote a file load refused.
    monkeypatch.setattr(sklstm._saving, "INFLATION_FLOOR", 2**16)
    demand = (np.random.default_rng(0).random(4000) < 0.02).astype(float)
    model = tiny_forecaster(n_networks=1).fit(np.empty((4000, 0)), demand)
    sklstm.save(LSTMRegressor(), tmp_path / "model.zip")
    before = (tmp_path / "model.zip").read_bytes()
    with pytest.raises(ValueError, match="load would refuse the file it writes"):
        sklstm.save(model, tmp_path / "model.zip")
    assert (tmp_path / "model.zip").read_bytes() == before
    monkeypatch.setattr(sklstm._saving, "MAX_DOCUMENT_VALUES", 10)
    with pytest.raises(ValueError, match="JSON values"):
        sklstm.save(LSTMRegressor(), io.BytesIO())


def test_save_writes_to_a_stream_that_cannot_seek(tmp_path):
    # zipfile seeks back to write its headers: a gzip stream failed half-way.
    with gzip.open(tmp_path / "model.zip.gz", "wb") as stream:
        sklstm.save(LSTMRegressor(lookback=7), stream)
    with gzip.open(tmp_path / "model.zip.gz", "rb") as stream:
        assert sklstm.load(io.BytesIO(stream.read())).lookback == 7


def test_save_refuses_a_file_opened_for_appending(tmp_path):
    # zipfile's rewritten headers went to the end: an unreadable file.
    with open(tmp_path / "model.zip", "ab") as file:
        with pytest.raises(TypeError, match="appending"):
            sklstm.save(LSTMRegressor(), file)


def test_save_refuses_a_pipe_rather_than_replace_it(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OSError, match="not a regular file"):
        sklstm.save(LSTMRegressor(), tmp_path / "pipe")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_save_refuses_a_file_opened_for_reading_or_as_a_text_wrapper(tmp_path):
    sklstm.save(LSTMRegressor(), tmp_path / "model.zip")
    with open(tmp_path / "model.zip", "rb") as file:
        with pytest.raises(TypeError, match="reading only"):
            sklstm.save(LSTMRegressor(), file)
    with tempfile.NamedTemporaryFile(mode="w+", dir=tmp_path) as file:
        with pytest.raises(TypeError, match="mode 'wb'"):
            sklstm.save(LSTMRegressor(), file)


def test_load_counts_a_documents_values_before_building_them(tmp_path, monkeypatch):
    sklstm.save(LSTMRegressor(), tmp_path / "model.zip")
    with zipfile.ZipFile(tmp_path / "model.zip") as archive:
        document = json.loads(archive.read("model.json"))
        weights = {name: archive.read(name) for name in archive.namelist()}
    document["x"] = [[]] * 5000
    weights["model.json"] = json.dumps(document)
    with zipfile.ZipFile(tmp_path / "packed.zip", "w") as archive:
        for name, data in weights.items():
            archive.writestr(name, data)
    monkeypatch.setattr(sklstm._saving, "MAX_DOCUMENT_VALUES", 4000)
    with pytest.raises(ValueError, match=r"about \d+ JSON values, more than the 4000"):
        sklstm.load(tmp_path / "packed.zip")


def test_save_refuses_parameters_that_load_would_refuse(tmp_path):
    model = tiny().fit(FRAME, TARGET).set_params(learning_rate="sometimes")
    with pytest.raises(ValueError, match=r"learning_rate.*set_params"):
        sklstm.save(model, tmp_path / "model.zip")
    assert not (tmp_path / "model.zip").exists()


@pytest.mark.parametrize("name", ["_series_history", "_series_scaling"])
def test_load_refuses_a_state_beyond_what_float32_holds(name, tmp_path):
    # fit refuses such values, so only a tampered file holds them; loaded,
    # they made infinite forecasts or a message about the user's X.
    y = np.sin(np.arange(60) / 3)
    model = _factories.tiny_forecaster(lookback=3, max_iter=1)
    model.fit(np.empty((60, 0)), y)

    def edit(document, arrays):
        arrays[name] = np.full_like(arrays[name], 1e300)

    with pytest.raises(ValueError, match=f"'{name}' holds values beyond float32"):
        sklstm.load(_tampered_file(tmp_path, edit, model))
