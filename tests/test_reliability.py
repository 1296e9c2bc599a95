"""Hostile and careless use: a fitted model survives it, or a clear error says why."""

import copy
import io
import json
import os
import pickle
import subprocess
import sys
import threading
import zipfile
from functools import partial
from pathlib import Path

import _factories
import numpy as np
import pandas as pd
import pytest
import torch
from _factories import tiny_regressor as tiny
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
import sklstm._network
import sklstm._state
from sklstm import LSTMRegressor
from sklstm.exceptions import TrainingDivergedError, TrainingInterruptedWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(60, 3))
TARGET = ROWS[:, 0] - 0.5 * np.r_[0.0, ROWS[:-1, 1]]
SERIES = np.sin(np.arange(80) / 4) + 0.05 * RNG.normal(size=80)
NO_COVARIATES = np.empty((80, 0))


tiny_forecaster = partial(_factories.tiny_forecaster, lookback=4)


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


def _as_sklstm_0_1_left_it(model, how, tmp_path):
    """``model`` read back from a file or a pickle as sklstm 0.1 wrote them,
    without the fitted architecture that version did not record."""
    if how == "pickle":
        state = model.__getstate__()
        del state["_architecture"]
        old = LSTMRegressor.__new__(LSTMRegressor)
        old.__setstate__(state)
        return old
    document, weights = _saved(tmp_path, model)
    document["format_version"] = 1
    del document["estimator"]["fitted"]["_architecture"]
    return sklstm.load(_zip(tmp_path / "old.zip", document, weights))


@pytest.mark.parametrize("change", ARCHITECTURE_CHANGES, ids=str)
@pytest.mark.parametrize("how", ["file", "pickle"])
def test_a_model_of_sklstm_0_1_keeps_its_architecture_when_parameters_change(
    change, how, tmp_path
):
    # Its network was rebuilt from the parameters as they are: after
    # set_params, copies, pickles, save and even a new fit failed in torch.
    model = _as_sklstm_0_1_left_it(tiny().fit(ROWS, TARGET), how, tmp_path)
    before = model.predict(ROWS)
    model.set_params(**change)
    np.testing.assert_array_equal(model.predict(ROWS), before)
    for copied_how, copied in _round_trips(model, tmp_path).items():
        np.testing.assert_array_equal(copied.predict(ROWS), before, err_msg=copied_how)
    name = next(iter(change))
    with pytest.raises(ValueError, match=rf"{name}=.*\(fitted with .*warm_start=False"):
        model.partial_fit(ROWS, TARGET)
    model.fit(ROWS, TARGET)
    fresh = tiny(**change).fit(ROWS, TARGET)
    np.testing.assert_array_equal(model.predict(ROWS), fresh.predict(ROWS))


FORECASTER_CHANGES = [
    {"lookback": 6},
    {"horizon": 3},
    {"strategy": "recursive"},
    {"network_output": "change"},
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


# ------------------------------------------- 2. a single held-out row


def test_early_stopping_on_a_single_held_out_row_still_trains_and_warns():
    X, y = ROWS[:10], TARGET[:10]
    model = tiny(lookback=2, max_iter=15, early_stopping=True, n_iter_no_change=100)
    with pytest.warns(UserWarning, match="held out a single row.*R² is undefined"):
        model.fit(X, y)
    assert all(np.isnan(score) for score in model.validation_scores_)
    # The kept weights are those with the lowest loss on the held-out row,
    # not the untrained ones that a constant R² of 1.0 used to keep.
    error = (model.predict(X)[-1] - y[-1]) / model._y_scaler.scale[0]
    assert error**2 == pytest.approx(min(model.validation_loss_curve_), rel=1e-3)
    assert min(model.validation_loss_curve_) < model.validation_loss_curve_[0]


# ------------------------------------------- 7. Ctrl-C in the first epoch


def _interrupt_at_forward(number):
    """Raise KeyboardInterrupt at the ``number``-th training forward pass."""
    calls = {"n": 0}

    def hook(module, inputs):
        if isinstance(module, sklstm._network.RecurrentNetwork) and module.training:
            calls["n"] += 1
            if calls["n"] == number:
                raise KeyboardInterrupt

    return torch.nn.modules.module.register_module_forward_pre_hook(hook)


def _interrupted_fit(number, **params):
    model = tiny(batch_size=8, **params)
    handle = _interrupt_at_forward(number)
    try:
        with pytest.warns(TrainingInterruptedWarning, match="after 0 epoch"):
            with pytest.raises(KeyboardInterrupt):
                model.fit(ROWS, TARGET)
    finally:
        handle.remove()
    return model


def test_ctrl_c_in_the_first_epoch_keeps_the_initial_weights():
    before_any_step = _interrupted_fit(1)
    after_three_steps = _interrupted_fit(4)
    assert after_three_steps.n_iter_ == 0 and after_three_steps.t_ == 0
    np.testing.assert_array_equal(
        after_three_steps.predict(ROWS), before_any_step.predict(ROWS)
    )


# ------------------------------------------- 10. fit while another thread predicts


def test_a_prediction_during_a_refit_in_another_thread_is_old_or_new_never_mixed():
    X = np.tile(ROWS, (20, 1))
    model = tiny(max_iter=1)
    targets = [TARGET, 1000 * np.abs(TARGET) + 50]  # two different networks
    expected = [tiny(max_iter=1).fit(ROWS, t).predict(X) for t in targets]
    model.fit(ROWS, targets[0])
    stop, mixed, seen = threading.Event(), [], 0

    def refit():
        for i in range(30):
            model.fit(ROWS, targets[(i + 1) % 2])
        stop.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        worker = threading.Thread(target=refit)
        worker.start()
        while not stop.is_set():
            prediction = model.predict(X)
            seen += 1
            if not any(np.array_equal(prediction, e) for e in expected):
                mixed.append(prediction)
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert seen > 5
    assert not mixed, f"{len(mixed)} of {seen} predictions mixed two models"


# ------------------------------------------- 11. exploding but finite loss


def test_a_loss_exploding_far_above_its_start_is_divergence():
    model = tiny(learning_rate_init=1e6, max_iter=5)
    with pytest.raises(TrainingDivergedError, match=r"over 10000 times the loss"):
        model.fit(ROWS, TARGET)
    assert not hasattr(model, "network_")
    fitted = tiny().fit(ROWS, TARGET)
    before = fitted.predict(ROWS)
    with pytest.raises(TrainingDivergedError, match="smaller learning_rate_init"):
        fitted.set_params(learning_rate_init=1e6).fit(ROWS, TARGET)
    np.testing.assert_array_equal(fitted.predict(ROWS), before)


# ------------------------------------------- loading hostile files (3, 5, 6, 9)


def _saved(tmp_path, model=None):
    """The document and weight bytes of a file saved from ``model``."""
    model = tiny().fit(ROWS, TARGET) if model is None else model
    sklstm.save(model, tmp_path / "good.zip")
    with zipfile.ZipFile(tmp_path / "good.zip") as archive:
        return json.loads(archive.read("model.json")), archive.read(
            "weights.safetensors"
        )


def _zip(path, document, weights, compression=zipfile.ZIP_DEFLATED):
    text = document if isinstance(document, str) else json.dumps(document)
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("model.json", text)
        archive.writestr("weights.safetensors", weights)
    return path


@pytest.fixture
def networks_built(monkeypatch):
    """Counts the networks (even on the meta device) that loading builds."""
    built = []
    original = LSTMRegressor._new_network

    def counting(self, *args, **kwargs):
        built.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LSTMRegressor, "_new_network", counting)
    return built


def _with_architecture(document, **architecture):
    document["estimator"]["params"].update(architecture)
    document["estimator"]["fitted"].get("_architecture", {}).update(architecture)
    return document


def test_a_small_file_describing_a_huge_network_is_refused_before_building_it(
    tmp_path, networks_built
):
    document, weights = _saved(tmp_path)
    document = _with_architecture(document, num_layers=8000)
    path = _zip(tmp_path / "deep.zip", document, weights)
    networks_built.clear()
    with pytest.raises(ValueError, match=r"deep.zip.*too few for the 3200\d arrays"):
        sklstm.load(path)
    assert not networks_built


def test_weights_that_inflate_far_beyond_their_compressed_size_are_refused_unread(
    tmp_path, networks_built, monkeypatch
):
    from safetensors.numpy import save as save_safetensors

    # Below 256 MiB in all, a file may inflate as far as deflate can (the
    # state of constant series compresses so): here the floor is 1 MiB.
    monkeypatch.setattr(sklstm._saving, "INFLATION_FLOOR", 2**20)

    model = tiny().fit(ROWS, TARGET)
    document, _ = _saved(tmp_path, model)
    _with_architecture(document, num_layers=20, hidden_size=64)
    network = sklstm._network.RecurrentNetwork(
        n_features=3,
        n_outputs=1,
        lookback=3,
        hidden_size=64,
        num_layers=20,
        dropout=0.0,
        bidirectional=False,
        linear_path=True,
    )
    state = {
        f"network_.{name}": np.zeros_like(array)
        for name, array in network.state_dict().items()
    }
    for name in ("_x_scaler", "_y_scaler"):
        scaler = getattr(model, name)
        state[f"{name}.mean"], state[f"{name}.scale"] = scaler.mean, scaler.scale
    path = _zip(tmp_path / "zeros.zip", document, save_safetensors(state))
    networks_built.clear()
    with pytest.raises(ValueError, match=r"declares \d+ bytes \(\d+ compressed\)"):
        sklstm.load(path)
    assert not networks_built


def test_a_zip_bomb_is_refused_from_its_declared_size_without_inflating_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sklstm._saving, "INFLATION_FLOOR", 2**20)  # not 256 MiB
    document, _ = _saved(tmp_path)
    path = _zip(tmp_path / "bomb.zip", document, bytes(64 * 2**20))
    inflated = []
    original_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original_read(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    with pytest.raises(ValueError, match=r"bomb.zip.*declares 67108864 bytes"):
        sklstm.load(path)
    assert sum(inflated) < 2**20


def _corrupt_deflate_stream(path):
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("weights.safetensors")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + 4
    data[start : start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda tmp_path: _corrupt_deflate_stream(
                _zip(tmp_path / "c.zip", *_saved(tmp_path))
            ),
            r"c.zip.*weights.safetensors cannot be read",
            id="corrupt-deflate-stream",
        ),
        pytest.param(
            lambda tmp_path: _zip(
                tmp_path / "h.zip",
                _with_architecture(_saved(tmp_path)[0], hidden_size=10**12),
                _saved(tmp_path)[1],
            ),
            r"h.zip.*architecture implies \d+ bytes of weights, more than",
            id="hidden-size-of-a-trillion",
        ),
        pytest.param(
            lambda tmp_path: io.BytesIO(b"junk"),
            r"the file object|BytesIO.*not a zip file",
            id="junk-file-object",
        ),
        pytest.param(
            lambda tmp_path: 42,
            r"expected a path or a binary file object",
            id="not-a-file",
        ),
        pytest.param(
            lambda tmp_path: _zip(
                tmp_path / "digits.zip",
                json.dumps(_saved(tmp_path)[0]).replace(
                    '"n_iter_": 3', '"n_iter_": 1' + "0" * 5000
                ),
                _saved(tmp_path)[1],
            ),
            r"digits.zip.*model.json is not valid JSON",
            id="integer-of-5000-digits",
        ),
        pytest.param(
            lambda tmp_path: _zip(
                tmp_path / "nan.zip",
                json.dumps(_saved(tmp_path)[0]).replace(
                    '"loss_curve_": [', '"loss_curve_": [NaN, '
                ),
                _saved(tmp_path)[1],
            ),
            r"nan.zip.*'loss_curve_' must hold finite numbers only",
            id="nan-in-the-loss-curve",
        ),
    ],
)
def test_load_refuses_a_broken_file_with_a_value_error_naming_it(
    make, message, tmp_path
):
    with pytest.raises(ValueError, match=message):
        sklstm.load(make(tmp_path))


def test_load_refuses_a_directory_with_a_value_error_naming_it(tmp_path):
    # It raised IsADirectoryError, which callers catching ValueError missed.
    folder = tmp_path / "models"
    folder.mkdir()
    for path in (folder, str(folder)):
        with pytest.raises(ValueError, match=r"models'.*cannot be loaded.*directory"):
            sklstm.load(path)


def test_load_reads_a_file_object():
    buffer = io.BytesIO()
    model = tiny().fit(ROWS, TARGET)
    sklstm.save(model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(
        sklstm.load(buffer).predict(ROWS), model.predict(ROWS)
    )


@pytest.mark.parametrize("zone", ["dateutil//etc/passwd", "/etc/passwd", "../x"])
def test_load_refuses_a_time_zone_that_is_a_path(zone, tmp_path, monkeypatch):
    days = pd.date_range("2021-03-01", periods=80, freq="D", tz="Europe/Berlin")
    forecaster = tiny_forecaster().fit(NO_COVARIATES, pd.Series(SERIES, days))
    document, weights = _saved(tmp_path, forecaster)
    assert document["estimator"]["fitted"]["_time_origin"]["tz"] == "Europe/Berlin"
    document["estimator"]["fitted"]["_time_origin"]["tz"] = zone
    opened = []
    original_open = open

    def spying_open(file, *args, **kwargs):
        opened.append(str(file))
        return original_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spying_open)
    with pytest.raises(ValueError, match="neither an IANA time zone name"):
        sklstm.load(_zip(tmp_path / "zone.zip", document, weights))
    assert not [name for name in opened if "passwd" in name]


# ------------------------------------------- 4. an interrupted save


def test_an_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.zip"
    first = tiny().fit(ROWS, TARGET)
    sklstm.save(first, path)
    original_writestr = zipfile.ZipFile.writestr

    def write_then_interrupt(self, name, data, *args, **kwargs):
        if name.startswith("weights"):
            original_writestr(self, name, data[: len(data) // 2], *args, **kwargs)
            raise KeyboardInterrupt  # Ctrl-C (or a full disk) half-way through
        return original_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        sklstm.save(tiny(hidden_size=6).fit(ROWS, TARGET), path)
    monkeypatch.undo()
    np.testing.assert_array_equal(sklstm.load(path).predict(ROWS), first.predict(ROWS))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.zip"]


# ------------------------------------------- 8. Ctrl-C while torch imports on first use

_INTERRUPTED_FIRST_FIT = """
import os, signal, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
# Ctrl-C raises KeyboardInterrupt even when this process was started with
# SIGINT ignored (as background jobs of a shell are).
signal.signal(signal.SIGINT, signal.default_int_handler)

class CtrlCWhileImporting:  # Ctrl-C half-way through torch.optim's import
    fired = False
    def find_spec(self, name, path=None, target=None):
        slow = name == "sympy.printing" or name.startswith("torch._dynamo")
        if slow and not CtrlCWhileImporting.fired:
            CtrlCWhileImporting.fired = True
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlCWhileImporting())
import sklstm
X = np.random.default_rng(0).normal(size=(40, 2))
model = sklstm.LSTMRegressor(lookback=3, hidden_size=4, max_iter=2, random_state=0)
try:
    model.fit(X, X[:, 0]).partial_fit(X, X[:, 0])
    print("fitted")
except KeyboardInterrupt:
    print("interrupted")
model.fit(X, X[:, 0])
print("refitted", CtrlCWhileImporting.fired)
"""


def test_a_first_fit_imports_nothing_that_ctrl_c_could_leave_half_done():
    # torch.optim imports torch._dynamo and sympy (~2 s) the first time an
    # optimiser is used; interrupted half-way, that import broke every later
    # fit of the process. sklstm's optimiser skips the hooks that need it: a
    # first fit is as fast as the next, and there is no import to interrupt.
    root = str(Path(sklstm.__file__).resolve().parents[1])
    result = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_FIRST_FIT],
        env={**os.environ, "PYTHONPATH": root},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.split() == ["fitted", "refitted", "False"], result.stderr


# ------------------------------------------- also mended


def test_a_date_column_gets_advice_not_numpy_promotion_errors():
    frame = pd.DataFrame(
        {"load": ROWS[:, 0], "day": pd.date_range("2021-01-01", periods=60)}
    )
    for X in (frame, frame.to_numpy()):
        with pytest.raises(ValueError, match=r"holds dates or times.*drop it"):
            tiny().fit(X, TARGET)


def test_an_invalid_predict_batch_size_set_after_fit_is_refused_clearly():
    model = tiny().fit(ROWS, TARGET)
    before = model.predict(ROWS)
    model.set_params(predict_batch_size=0)
    with pytest.raises(ValueError, match="predict_batch_size must be a positive int"):
        model.predict(ROWS)
    np.testing.assert_array_equal(
        model.set_params(predict_batch_size=None).predict(ROWS), before
    )


def test_partial_fit_after_unpickling_resumes_the_optimiser_moments():
    model = tiny().fit(ROWS, TARGET)
    unpickled = pickle.loads(pickle.dumps(model))
    model.partial_fit(ROWS, TARGET)
    unpickled.partial_fit(ROWS, TARGET)
    np.testing.assert_array_equal(unpickled.predict(ROWS), model.predict(ROWS))
    assert unpickled.t_ == model.t_


# ------------------------------------------- scaling at extreme levels


def _many_series_with(first, n=60):
    """``first`` and five noisy trends of ``n`` values each, with their groups."""
    rng = np.random.default_rng(0)
    trend = 0.5 * np.arange(float(n))
    others = [rng.normal(size=n).cumsum() + trend for _ in range(5)]
    return np.concatenate([first, *others]), np.repeat(np.arange(6), n)


@pytest.mark.parametrize("series_scaling", ["last", "standard"])
@pytest.mark.parametrize("level", [1e-12, 1e12])
def test_a_series_forecasts_alike_at_any_level_among_many(level, series_scaling):
    # A series whose spread is 1e-10 of its level: at 1e12 the variance as
    # E[x²] - E[x]² cancelled to noise, and an absolute floor on the spread
    # took it for a constant; its forecast then moved by 1e10 a step.
    wave = np.sin(np.arange(60.0) / 3)

    def steps_ahead(level):
        y, groups = _many_series_with(level * (1 + 1e-10 * wave))
        forecaster = tiny_forecaster(
            season_length=None, n_networks=1, series_scaling=series_scaling
        ).fit(np.empty((360, 0)), y, groups=groups)
        forecast = forecaster.predict(np.empty((3, 0)), groups=[0, 0, 0])
        return (forecast - y[59]) / (1e-10 * level)  # in units of the wave

    at_one = steps_ahead(1.0)
    assert np.abs(at_one).max() < 3  # steps of the wave's size
    np.testing.assert_allclose(steps_ahead(level), at_one, atol=1e-3)


@pytest.mark.parametrize("level", [1e-12, 1e12])
def test_a_regressor_predicts_alike_at_any_level(level):
    # Columns at 1e-12 that vary by 1e-15 were taken for constants.
    def relative_predictions(level):
        X = level * (1 + 1e-3 * ROWS)
        y = level * (1 + 1e-3 * TARGET)
        return (tiny().fit(X, y).predict(X) / level - 1) / 1e-3

    np.testing.assert_allclose(
        relative_predictions(level), relative_predictions(1.0), atol=1e-3
    )


# ------------------------------------------- NumPy scalars as hyperparameters


def _saved_and_loaded(model, tmp_path):
    sklstm.save(model, tmp_path / "model.zip")
    return sklstm.load(tmp_path / "model.zip")


def test_a_grid_search_over_numpy_ranges_fits_and_its_best_model_saves(tmp_path):
    # torch refused hidden_size=np.int64(4), so every candidate failed, and
    # sklstm.save refused a best_estimator_ whose lookback was np.int64.
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    search = GridSearchCV(
        tiny(max_iter=2),
        {"hidden_size": np.arange(3, 5), "lookback": np.arange(2, 4)},
        cv=TimeSeriesSplit(n_splits=2),
        error_score="raise",
    ).fit(ROWS, TARGET)
    best = search.best_estimator_
    assert isinstance(best.lookback, np.integer)
    loaded = _saved_and_loaded(best, tmp_path)
    np.testing.assert_array_equal(loaded.predict(ROWS), best.predict(ROWS))
    assert loaded.get_params() == best.get_params()


@pytest.mark.parametrize(
    "params",
    [
        {"lookback": np.int64(5), "horizon": np.int32(2)},
        {"hidden_size": np.uint8(5), "num_layers": np.int64(2)},
        {"dropout": np.float32(0.25), "learning_rate_init": np.float32(0.01)},
        {"bidirectional": np.True_, "linear_path": np.False_},
        # Small integer types overflowed in the sums of a fit: 65536 out of
        # bounds for int16 (the direct targets' chunks), 200 for int8.
        {"horizon": np.int16(2), "lookback": np.int8(3)},
        {"batch_size": np.int8(100), "n_iter_no_change": np.int8(100)},
    ],
    ids=["window", "network", "float32", "numpy-bools", "int16", "int8"],
)
def test_numpy_scalars_are_taken_as_the_numbers_they_hold(params, tmp_path):
    X = np.empty((120, 0))
    y = np.concatenate([SERIES[:60], 2 + SERIES[20:80]])
    groups = np.repeat(["a", "b"], 60)
    fit = partial(tiny_forecaster, strategy="direct", n_networks=1)
    as_numpy = fit(**params).fit(X, y, groups=groups)
    python = {name: value.item() for name, value in params.items()}
    as_python = fit(**python).fit(X, y, groups=groups)
    forecast = as_numpy.predict(X[:4], groups=["a", "a", "b", "b"])
    np.testing.assert_array_equal(
        forecast, as_python.predict(X[:4], groups=["a", "a", "b", "b"])
    )
    loaded = _saved_and_loaded(as_numpy, tmp_path)
    np.testing.assert_array_equal(
        loaded.predict(X[:4], groups=["a", "a", "b", "b"]), forecast
    )


def test_a_regressor_takes_small_numpy_integers_as_the_numbers_they_hold():
    # They overflowed in the sums of a fit ("200 out of bounds for int8").
    rows = np.random.default_rng(0).normal(size=(300, 2))
    as_numpy = tiny(batch_size=np.int8(100), n_iter_no_change=np.int8(100))
    as_numpy.fit(rows, rows[:, 0])
    as_python = tiny(batch_size=100, n_iter_no_change=100).fit(rows, rows[:, 0])
    np.testing.assert_array_equal(as_numpy.predict(rows), as_python.predict(rows))


@pytest.mark.parametrize(
    "labels",
    [np.array([0.5, 1.5]), np.array([False, True]), np.array([1, 2.5], dtype=object)],
    ids=["floats", "bools", "ints-and-floats"],
)
def test_series_labels_that_fit_also_save(labels, tmp_path):
    # Float and bool labels fitted and predicted, but sklstm.save refused them.
    X = np.empty((120, 0))
    y = np.concatenate([SERIES[:60], 2 + SERIES[20:80]])
    forecaster = tiny_forecaster(n_networks=1).fit(X, y, groups=np.repeat(labels, 60))
    asked = np.repeat(labels, 2)
    loaded = _saved_and_loaded(forecaster, tmp_path)
    np.testing.assert_array_equal(loaded.series_, forecaster.series_)
    np.testing.assert_array_equal(
        loaded.predict(X[:4], groups=asked), forecaster.predict(X[:4], groups=asked)
    )


def test_a_file_whose_float_series_labels_hold_nan_is_refused(tmp_path):
    X = np.empty((120, 0))
    y = np.concatenate([SERIES[:60], 2 + SERIES[20:80]])
    forecaster = tiny_forecaster(n_networks=1).fit(
        X, y, groups=np.repeat([0.5, 1.5], 60)
    )
    document, weights = _saved(tmp_path, forecaster)
    document["estimator"]["fitted"]["series_"] = [float("nan"), 1.5]
    with pytest.raises(ValueError, match=r"'series_' must be a list of all numbers"):
        sklstm.load(_zip(tmp_path / "nan-label.zip", document, weights))


# ------------------------------------------- messages about what was passed


def test_series_too_short_for_early_stopping_are_refused_for_that_reason():
    # Five series of 3 values pass the length check, and the refusal spoke
    # of sample_weight, which the user never passed.
    y = np.random.default_rng(0).normal(size=15)
    groups = np.repeat(np.arange(5), 3)
    forecaster = tiny_forecaster(n_networks=1)
    with pytest.raises(
        ValueError,
        match=r"^early_stopping=True holds out .*of each series.*longer series.*"
        r"early_stopping=False",
    ):
        forecaster.fit(np.empty((15, 0)), y, groups=groups)
    forecaster.set_params(early_stopping=False).fit(np.empty((15, 0)), y, groups=groups)
    assert forecaster.predict(np.empty((5, 0)), groups=np.arange(5)).shape == (5,)


@pytest.mark.parametrize(
    "missing",
    [None, np.nan, pd.NA],
    ids=["None", "NaN", "pd.NA"],
)
@pytest.mark.parametrize("as_list", [False, True], ids=["object-array", "list"])
def test_a_missing_series_label_among_strings_is_reported_as_missing(missing, as_list):
    # Sorting None among strings failed first, reported as labels of mixed
    # types; and NumPy turned NaN in a list of strings into the label 'nan'.
    groups = np.repeat(np.array(["a", "b"], dtype=object), 40)
    groups[45] = missing
    groups = list(groups) if as_list else groups
    fits = [(tiny_forecaster(n_networks=1), NO_COVARIATES), (tiny(), SERIES[:, None])]
    for model, X in fits:
        with pytest.raises(
            ValueError, match=r"missing label \(NaN or None\) at row 45"
        ):
            model.fit(X, SERIES, groups=groups)
