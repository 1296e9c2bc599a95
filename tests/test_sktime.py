"""The sktime adapter: sktime's own checks, evaluate, grid search, update, X."""

import subprocess
import sys
from functools import partial

import numpy as np
import pandas as pd
import pytest
from _factories import tiny_forecaster
from sktime.benchmarking.forecasting import ForecastingBenchmark
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.forecasting.naive import NaiveForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteError
from sktime.split import ExpandingWindowSplitter, SingleWindowSplitter
from sktime.utils.estimator_checks import check_estimator

from sklstm.datasets import load_airline
from sklstm.sktime import LSTMSktimeForecaster

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_t = np.arange(200)
SINE = pd.Series(
    np.sin(2 * np.pi * _t / 25) + np.random.default_rng(0).normal(0, 0.05, 200),
    name="sine",
)


_lstm = partial(tiny_forecaster, lookback=12, max_iter=10)


@pytest.mark.slow
def test_passes_sktime_check_estimator():
    results = check_estimator(LSTMSktimeForecaster, raise_exceptions=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) > 100
    assert failed == {}


def test_evaluate_backtests_every_fold_and_beats_the_naive_forecast():
    cv = ExpandingWindowSplitter(initial_window=150, step_length=10, fh=range(1, 11))
    scoring = MeanAbsoluteError()
    lstm = evaluate(LSTMSktimeForecaster(_lstm()), cv=cv, y=SINE, scoring=scoring)
    naive = evaluate(NaiveForecaster(), cv=cv, y=SINE, scoring=scoring)

    assert len(lstm) == 5
    assert lstm["test_MeanAbsoluteError"].notna().all()
    assert (
        lstm["test_MeanAbsoluteError"].mean()
        < naive["test_MeanAbsoluteError"].mean() / 3
    )


def test_sktime_benchmarking_runs_it_beside_sktimes_own_forecasters(tmp_path):
    benchmark = ForecastingBenchmark()
    benchmark.add_estimator(LSTMSktimeForecaster(_lstm()), estimator_id="lstm")
    benchmark.add_estimator(NaiveForecaster(), estimator_id="naive")
    cv = ExpandingWindowSplitter(initial_window=150, step_length=25, fh=range(1, 11))
    benchmark.add_task(lambda: SINE, cv, [MeanAbsoluteError()], task_id="sine")

    results = benchmark.run(str(tmp_path / "results.csv"))
    mae = results.set_index("model_id")["MeanAbsoluteError_mean"]
    assert mae["lstm"] < mae["naive"] / 3


def test_forecasting_grid_search_tunes_the_wrapped_parameters():
    cv = SingleWindowSplitter(fh=range(1, 11), window_length=150)
    search = ForecastingGridSearchCV(
        LSTMSktimeForecaster(_lstm()),
        cv=cv,
        param_grid={"forecaster__lookback": [1, 12]},
        scoring=MeanAbsoluteError(),
    ).fit(SINE[:180])

    # One value cannot tell a rising from a falling sine; twelve can.
    assert search.best_params_ == {"forecaster__lookback": 12}
    assert len(search.cv_results_) == 2
    forecast = search.predict(fh=range(1, 21))
    assert forecast.index.tolist() == list(range(180, 200))
    assert np.mean(np.abs(forecast - SINE[180:])) < 0.15


def test_forecasts_match_the_wrapped_forecaster_and_skip_steps_of_fh():
    wrapped = LSTMSktimeForecaster(_lstm()).fit(SINE[:180])
    direct = _lstm().fit(np.empty((180, 0)), SINE[:180].to_numpy())
    expected = direct.predict(np.empty((6, 0)))

    np.testing.assert_allclose(wrapped.predict(fh=range(1, 7)), expected)
    skipping = wrapped.predict(fh=[3, 6])
    assert skipping.index.tolist() == [182, 185]
    assert skipping.name == "sine"
    np.testing.assert_allclose(skipping, expected[[2, 5]])
    assert wrapped.forecaster.__dict__ == _lstm().__dict__  # fit cloned it


def test_update_moves_the_forecast_origin_without_retraining():
    wrapped = LSTMSktimeForecaster(_lstm()).fit(SINE[:160])
    weights = wrapped.forecaster_.regressor_.network_.state_dict()
    weights = {name: value.clone() for name, value in weights.items()}
    wrapped.update(SINE[160:180])

    direct = _lstm().fit(np.empty((160, 0)), SINE[:160].to_numpy())
    direct.update(np.empty((20, 0)), SINE[160:180].to_numpy())
    forecast = wrapped.predict(fh=[1, 2, 3])
    assert forecast.index.tolist() == [180, 181, 182]
    np.testing.assert_allclose(forecast, direct.predict(np.empty((3, 0))))
    for name, value in wrapped.forecaster_.regressor_.network_.state_dict().items():
        assert value.equal(weights[name])


def test_covariates_are_used_and_required_for_the_future_steps():
    driver = pd.DataFrame({"driver": np.cos(2 * np.pi * _t / 25)})
    wrapped = LSTMSktimeForecaster(_lstm()).fit(SINE[:180], X=driver[:180])
    direct = _lstm().fit(driver[:180].to_numpy(), SINE[:180].to_numpy())

    np.testing.assert_allclose(
        wrapped.predict(fh=[1, 2, 3], X=driver[180:]),
        direct.predict(driver[180:183].to_numpy()),
    )
    with pytest.raises(ValueError, match="pass X"):
        wrapped.predict(fh=[1, 2, 3])


def test_in_sample_horizons_are_refused_with_the_reason():
    wrapped = LSTMSktimeForecaster(_lstm(max_iter=2)).fit(SINE[:100])
    with pytest.raises(NotImplementedError, match="in-sample"):
        wrapped.predict(fh=[-1, 0, 1])


def test_a_monthly_period_index_continues_from_the_end_of_the_series():
    airline = load_airline()
    y = airline.set_axis(airline.index.to_period("M"))
    forecast = LSTMSktimeForecaster(_lstm(max_iter=3)).fit(y).predict(fh=[1, 12])
    assert [str(period) for period in forecast.index] == ["1961-01", "1961-12"]
    assert np.all(forecast > 0)


def test_the_adapter_is_not_imported_with_sklstm():
    code = "import sys, sklstm; print('sktime' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_an_update_that_leaves_a_gap_after_the_series_is_refused():
    # The adapter passes values, not their index: data starting two months
    # after the end was taken as the next two months.
    months = pd.period_range("2000-01", periods=60, freq="M")
    monthly = pd.Series(SINE[:60].to_numpy(), index=months)
    wrapped = LSTMSktimeForecaster(_lstm(lookback=4, max_iter=2)).fit(monthly[:40])
    before = wrapped.predict(fh=[1, 2])
    with pytest.raises(
        ValueError,
        match=r"ends at 2003-04: the step\(s\) "
        r"\['2003-05', '2003-06'\] are missing",
    ):
        wrapped.update(monthly[42:46])
    pd.testing.assert_series_equal(wrapped.predict(fh=[1, 2]), before)
    wrapped.update(monthly[40:46])  # contiguous, overlapping what it has seen
    assert wrapped.predict(fh=[1]).index.tolist() == [pd.Period("2003-11", "M")]
