"""Predictions from mostly padded windows warn, and say to set lookback=1.

Libraries that build the lag columns themselves (skforecast, sktime's
``make_reduction``) predict one row at a time; with sklstm's default lookback
every such window is padding and the forecasts are several times worse. The
tests drive the real libraries and check both the warning and the fix.
"""

import pickle
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
from _factories import DEFAULT_LOOKBACK, tiny_regressor
from skforecast.direct import ForecasterDirect
from skforecast.recursive import ForecasterRecursive
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.compose import make_reduction

import sklstm
from sklstm import LSTMForecaster
from sklstm.exceptions import PaddedWindowsWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The benchmark's task (benchmarks/client_libraries.py): a noisy sine of
# period 25, 260 points, the last 20 forecast from the first 240.
_t = np.arange(260)
SERIES = pd.Series(
    np.sin(2 * np.pi * _t / 25) + np.random.default_rng(0).normal(0, 0.05, 260),
    name="y",
)
TRAIN, TRUTH = SERIES[:-20], SERIES[-20:].to_numpy()
ROWS = np.arange(60.0).reshape(-1, 1)


_regressor = partial(tiny_regressor, lookback=DEFAULT_LOOKBACK, max_iter=10)


def _fitted(lookback=5, rows=ROWS, **params):
    return _regressor(lookback=lookback, max_iter=2, **params).fit(rows, rows.ravel())


def _skforecast_recursive(regressor):
    forecaster = ForecasterRecursive(estimator=regressor, lags=12)
    forecaster.fit(y=TRAIN)
    return forecaster.predict(steps=20).to_numpy()


def _skforecast_direct(regressor):
    forecaster = ForecasterDirect(estimator=regressor, lags=12, steps=20, n_jobs=1)
    forecaster.fit(y=TRAIN)
    return forecaster.predict(steps=20).to_numpy()


def _sktime_reduction(regressor):
    forecaster = make_reduction(regressor, window_length=12, strategy="recursive")
    forecaster.fit(TRAIN)
    return forecaster.predict(ForecastingHorizon(np.arange(1, 21))).to_numpy()


CLIENTS = [_skforecast_recursive, _skforecast_direct, _sktime_reduction]


@pytest.mark.parametrize("client", CLIENTS, ids=lambda client: client.__name__[1:])
def test_lag_building_libraries_warn_with_the_default_lookback_and_not_with_1(client):
    with pytest.warns(PaddedWindowsWarning, match="set lookback=1"):
        padded = client(_regressor())
    with warnings.catch_warnings():
        warnings.simplefilter("error", PaddedWindowsWarning)
        forecast = client(_regressor(lookback=1))

    padded_mae = np.mean(np.abs(padded - TRUTH))
    mae = np.mean(np.abs(forecast - TRUTH))
    # Measured 0.19-0.36 with the default lookback, 0.06 with lookback=1; the
    # sine's own amplitude (what forecasting zero would cost) is 0.64.
    assert mae < 0.1
    assert mae < padded_mae / 2


def test_one_row_after_a_long_fit_warns_naming_the_rows_and_the_fix():
    model = _fitted(lookback=5)
    with pytest.warns(PaddedWindowsWarning) as caught:
        model.predict(ROWS[-1:])
    message = str(caught[0].message)
    assert "The only prediction window is padded" in message
    assert "lookback=5" in message
    assert "set lookback=1" in message
    assert "model.predict(X_all)[-n:]" in message


@pytest.mark.parametrize(("n_rows", "warns"), [(4, True), (7, True), (8, False)])
def test_warns_when_more_than_half_of_the_windows_are_padded(n_rows, warns):
    model = _fitted(lookback=5)  # 4 padded windows per series
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(ROWS[-n_rows:])
    padded = [w for w in caught if w.category is PaddedWindowsWarning]
    assert bool(padded) is warns


def test_score_on_a_few_rows_warns_too():
    with pytest.warns(PaddedWindowsWarning):
        _fitted(lookback=5).score(ROWS[-3:], ROWS[-3:].ravel())


def test_each_series_counts_on_its_own():
    model = _fitted(lookback=5)
    two_series_of_30 = np.repeat([0, 1], 30)
    ten_series_of_6 = np.repeat(np.arange(10), 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PaddedWindowsWarning)
        model.predict(ROWS, groups=two_series_of_30)
    with pytest.warns(PaddedWindowsWarning, match="over its series"):
        model.predict(ROWS, groups=ten_series_of_6)


@pytest.mark.parametrize(
    "case",
    [
        "whole table",
        "lookback=1",
        "short training rows",
        "short training series",
        "3-D",
    ],
)
def test_no_warning_where_the_windows_look_like_the_training_windows(case):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PaddedWindowsWarning)
        if case == "whole table":
            _fitted(lookback=5).predict(ROWS)
        elif case == "lookback=1":
            _fitted(lookback=1).predict(ROWS[-1:])
        elif case == "short training rows":  # trained on padding too
            _fitted(lookback=10, rows=ROWS[:4]).predict(ROWS[-2:])
        elif case == "short training series":
            groups = np.repeat(np.arange(20), 3)
            model = _regressor(lookback=5, max_iter=2)
            model.fit(ROWS, ROWS.ravel(), groups=groups)
            model.predict(ROWS[:3])
        else:
            sequences = np.arange(60.0).reshape(10, 6, 1)
            model = _regressor(max_iter=2).fit(sequences, np.arange(10.0))
            model.predict(sequences[:1])


def test_sklstm_forecasters_and_early_stopping_never_warn():
    y = SERIES.to_numpy()[:120]
    X = np.empty((120, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PaddedWindowsWarning)
        for strategy, horizon in (("recursive", 1), ("direct", 3)):
            forecaster = LSTMForecaster(
                lookback=12,
                strategy=strategy,
                horizon=horizon,
                hidden_size=4,
                max_iter=3,
                random_state=0,
            ).fit(X[:100], y[:100])
            forecaster.predict(np.empty((5, 0)))
            forecaster.predict_interval(np.empty((1, 0)), coverage=0.5)
            forecaster.update(X[100:101], y[100:101]).predict(np.empty((1, 0)))
        model = _fitted(lookback=5, early_stopping=True)
        model.predict_interval(ROWS, coverage=0.5)


def test_a_saved_loaded_or_unpickled_model_still_warns(tmp_path):
    model = _fitted(lookback=5)
    sklstm.save(model, tmp_path / "model.zip")
    for restored in (
        sklstm.load(tmp_path / "model.zip"),
        pickle.loads(pickle.dumps(model)),
    ):
        with pytest.warns(PaddedWindowsWarning):
            restored.predict(ROWS[-1:])
