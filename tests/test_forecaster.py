"""What a user of LSTMForecaster relies on: strategies, covariates, update, backtest."""

import copy
import inspect
import pickle
from functools import partial

import numpy as np
import pandas as pd
import pytest
from _factories import noisy_sine, tiny_forecaster
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMForecaster, LSTMRegressor
from sklstm.estimator_checks import expected_failed_checks

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N = 160
T = np.arange(N)
WAVE = np.sin(2 * np.pi * T / 16)  # a clean cycle of 16 steps
NO_COVARIATES = np.empty((N, 0))
COVARIATE = np.random.default_rng(0).normal(size=(N, 1))  # known in advance
DRIVEN = WAVE + 2.0 * COVARIATE[:, 0]  # the value at t moves with the covariate at t


tiny = partial(tiny_forecaster, lookback=8, hidden_size=8, max_iter=60)


# --------------------------------------------------------------- strategies


@pytest.mark.parametrize(
    "params", [dict(strategy="recursive"), dict(strategy="direct", horizon=4)]
)
def test_forecast_continues_a_cycle_from_the_end_of_the_series(params):
    forecaster = tiny(**params).fit(NO_COVARIATES[:128], WAVE[:128])
    forecast = forecaster.predict(NO_COVARIATES[128:])
    assert forecast.shape == (32,)
    naive = np.full(32, WAVE[127])
    assert mean_absolute_error(WAVE[128:], forecast) < 0.25 * mean_absolute_error(
        WAVE[128:], naive
    )


def test_recursive_forecast_feeds_each_forecast_back_as_an_observation():
    forecaster = tiny().fit(NO_COVARIATES[:128], WAVE[:128])
    forecast = forecaster.predict(NO_COVARIATES[:5])
    fed_back = copy.deepcopy(forecaster).update(NO_COVARIATES[:3], forecast[:3])
    np.testing.assert_allclose(fed_back.predict(NO_COVARIATES[:2]), forecast[3:])


def test_direct_strategy_forecasts_horizon_steps_at_once_then_block_by_block():
    forecaster = tiny(strategy="direct", horizon=4).fit(NO_COVARIATES[:128], WAVE[:128])
    assert forecaster.regressor_.n_outputs_ == 4
    forecast = forecaster.predict(NO_COVARIATES[:10])
    assert forecast.shape == (10,)
    # A forecast shorter than the horizon is the start of the block.
    np.testing.assert_allclose(forecaster.predict(NO_COVARIATES[:3]), forecast[:3])
    # The second block starts from the first one, fed back as observations.
    fed_back = copy.deepcopy(forecaster).update(NO_COVARIATES[:4], forecast[:4])
    np.testing.assert_allclose(fed_back.predict(NO_COVARIATES[:6]), forecast[4:])


def test_direct_strategy_differs_from_feeding_one_step_forecasts_back():
    # Noisy, so that neither strategy's ridge start is exact (an exact sine
    # is an AR(2): both would forecast it perfectly, and alike).
    noisy = WAVE[:128] + np.random.default_rng(3).normal(0, 0.1, 128)
    direct = tiny(strategy="direct", horizon=4).fit(NO_COVARIATES[:128], noisy)
    recursive = tiny(strategy="recursive", horizon=4).fit(NO_COVARIATES[:128], noisy)
    assert recursive.regressor_.n_outputs_ == 1
    assert not np.allclose(
        direct.predict(NO_COVARIATES[:4]), recursive.predict(NO_COVARIATES[:4])
    )


def test_default_forecast_extrapolates_a_trend_beyond_the_training_range():
    trend = 5.0 + 0.5 * T + np.sin(T)
    forecaster = tiny(max_iter=30).fit(NO_COVARIATES[:120], trend[:120])
    forecast = forecaster.predict(NO_COVARIATES[120:])
    assert forecast[-1] > trend[:120].max() + 10
    assert mean_absolute_error(trend[120:], forecast) < 2.0


# --------------------------------------------------------------- covariates


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_forecast_follows_the_covariates_of_the_future_steps(strategy):
    forecaster = tiny(strategy=strategy, horizon=4, max_iter=80).fit(
        COVARIATE[:128], DRIVEN[:128]
    )
    forecast = forecaster.predict(COVARIATE[128:])
    blind = mean_absolute_error(DRIVEN[128:], WAVE[128:])  # ignoring the covariate
    assert mean_absolute_error(DRIVEN[128:], forecast) < 0.3 * blind


def test_covariates_of_a_later_step_do_not_change_earlier_forecasts():
    forecaster = tiny().fit(COVARIATE[:128], DRIVEN[:128])
    changed = COVARIATE[128:].copy()
    changed[10:] += 5.0
    before, after = forecaster.predict(COVARIATE[128:]), forecaster.predict(changed)
    np.testing.assert_array_equal(before[:10], after[:10])
    assert abs(after[10] - before[10]) > 1.0


def test_predict_with_another_number_of_covariates_is_refused():
    forecaster = tiny(max_iter=2).fit(COVARIATE[:128], DRIVEN[:128])
    with pytest.raises(ValueError, match=r"X has 0 features.*expecting 1"):
        forecaster.predict(np.empty((5, 0)))
    with pytest.raises(ValueError, match=r"X has 2 features.*expecting 1"):
        forecaster.predict(np.zeros((5, 2)))


def test_column_names_of_the_covariates_are_remembered_and_checked():
    frame = pd.DataFrame({"price": COVARIATE[:, 0]})
    forecaster = tiny(max_iter=2).fit(frame[:128], DRIVEN[:128])
    np.testing.assert_array_equal(forecaster.feature_names_in_, ["price"])
    with pytest.raises(ValueError, match="feature names"):
        forecaster.predict(frame[128:].rename(columns={"price": "cost"}))


# ------------------------------------------------------------ no covariates


def test_zero_column_array_and_index_only_dataframe_give_the_same_forecast():
    months = pd.date_range("2000-01", periods=N, freq="MS")
    from_array = tiny(max_iter=10).fit(np.empty((128, 0)), WAVE[:128])
    from_frame = tiny(max_iter=10).fit(pd.DataFrame(index=months[:128]), WAVE[:128])
    assert from_frame.n_features_in_ == 0
    np.testing.assert_allclose(
        from_array.predict(np.empty((8, 0))),
        from_frame.predict(pd.DataFrame(index=months[128:136])),
    )


# ------------------------------------------------------------------- update


def test_update_moves_the_forecast_origin_without_retraining():
    forecaster = tiny().fit(NO_COVARIATES[:100], WAVE[:100])
    weights = copy.deepcopy(forecaster.regressor_.network_.state_dict())
    forecaster.update(NO_COVARIATES[100:140], WAVE[100:140])
    forecast = forecaster.predict(NO_COVARIATES[:8])
    assert mean_absolute_error(WAVE[140:148], forecast) < 0.1
    for name, value in forecaster.regressor_.network_.state_dict().items():
        assert np.array_equal(value.cpu().numpy(), weights[name].cpu().numpy())


def test_update_with_fewer_rows_than_lookback_keeps_the_older_history():
    forecaster = tiny().fit(NO_COVARIATES[:100], WAVE[:100])
    in_steps = copy.deepcopy(forecaster)
    for start in range(100, 120, 3):  # 3 < lookback observations at a time
        stop = min(start + 3, 120)
        in_steps.update(NO_COVARIATES[start:stop], WAVE[start:stop])
    at_once = forecaster.update(NO_COVARIATES[100:120], WAVE[100:120])
    np.testing.assert_allclose(
        in_steps.predict(NO_COVARIATES[:5]), at_once.predict(NO_COVARIATES[:5])
    )


def test_update_with_another_number_of_covariates_is_refused():
    forecaster = tiny(max_iter=2).fit(COVARIATE[:128], DRIVEN[:128])
    with pytest.raises(ValueError, match=r"X has 0 features.*expecting 1"):
        forecaster.update(np.empty((3, 0)), DRIVEN[128:131])


def test_update_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        tiny().update(NO_COVARIATES[:3], WAVE[:3])


# ----------------------------------------------------------- pandas indexes


def monthly(values, start="2000-01", name="sales"):
    index = pd.date_range(start, periods=len(values), freq="MS")
    return pd.Series(values, index=index, name=name)


def test_predict_series_continues_the_monthly_index_after_fit_and_update():
    y = monthly(WAVE[:120])
    forecaster = tiny(max_iter=5).fit(pd.DataFrame(index=y.index), y)
    forecast = forecaster.predict_series(np.empty((3, 0)))
    assert list(forecast.index) == list(pd.date_range("2010-01", periods=3, freq="MS"))
    assert forecast.name == "sales"
    np.testing.assert_allclose(
        forecast.to_numpy(), forecaster.predict(np.empty((3, 0)))
    )
    new = monthly(WAVE[120:126], start="2010-01")
    forecaster.update(pd.DataFrame(index=new.index), new)
    assert forecaster.predict_series(np.empty((2, 0))).index[0] == pd.Timestamp(
        "2010-07-01"
    )


@pytest.mark.parametrize("steps", [1, 2, 3, 5])
def test_predict_series_dates_a_forecast_of_any_length_with_the_fitted_frequency(steps):
    # The frequency was guessed from the forecast's dates: three business
    # days read as daily, two dates as none.
    days = pd.bdate_range("2000-01-03", periods=40)
    y = pd.Series(WAVE[:40], index=days)
    forecaster = tiny(max_iter=2).fit(pd.DataFrame(index=days), y)
    index = forecaster.predict_series(np.empty((steps, 0))).index
    assert index.freqstr == "B"
    assert index.shift(1)[-1] == pd.bdate_range(days[-1], periods=steps + 2)[-1]


def test_predict_series_after_an_undated_fit_says_to_fit_on_dates():
    # It advised a dated update, which dates nothing after an undated fit.
    forecaster = tiny(max_iter=2).fit(np.empty((40, 0)), WAVE[:40])
    dated = monthly(WAVE[40:46], start="2010-01")
    forecaster.update(pd.DataFrame(index=dated.index), dated)
    with pytest.raises(ValueError, match="needs the time index") as refused:
        forecaster.predict_series(np.empty((2, 0)))
    assert "update" not in str(refused.value)


def test_covariates_dated_after_a_gap_are_refused_as_their_steps_are_unknown():
    # A forecast reads the covariates of every step up to its own: rows of X
    # that skip steps leave those unknown.
    y = monthly(DRIVEN[:120])
    X = pd.DataFrame({"driver": COVARIATE[:120, 0]}, index=y.index)
    forecaster = tiny(max_iter=2).fit(X, y)
    later = pd.date_range("2011-01", periods=3, freq="MS")
    with pytest.raises(
        ValueError, match=r"dated 2011-01-01.*, but the step 2010-01-01.* comes first"
    ):
        forecaster.predict_series(pd.DataFrame({"driver": [0.0] * 3}, index=later))


def test_score_names_the_truth_when_its_dates_are_wrong_or_it_is_short():
    # A dated y one row short failed inside pandas; a y dated a month early
    # was blamed on X, which had no dates.
    y = monthly(WAVE[:124])
    forecaster = tiny(max_iter=2).fit(pd.DataFrame(index=y.index[:120]), y[:120])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[4, 3\]"):
        forecaster.score(np.empty((4, 0)), y[120:123])
    with pytest.raises(ValueError, match=r"Row 0 of y is dated 2009-12-01"):
        forecaster.score(np.empty((4, 0)), y[119:123])


def test_update_refuses_observations_that_repeat_dates_already_seen():
    # (A gap after the end is no error: its steps are missing values.)
    y = monthly(WAVE[:120])
    forecaster = tiny(max_iter=2).fit(pd.DataFrame(index=y.index), y)
    overlap = monthly(WAVE[:3], start="2009-11")
    with pytest.raises(ValueError, match="must start at 2010-01-01"):
        forecaster.update(pd.DataFrame(index=overlap.index), overlap)


def test_update_off_the_grid_after_a_gap_says_the_dates_are_off_the_grid():
    # It said the new rows "must start at 2010-01-01" and to "fill the gap",
    # though a start at any later month is taken, its gap as missing values.
    y = monthly(WAVE[:120])
    forecaster = tiny(max_iter=2).fit(pd.DataFrame(index=y.index), y)
    mid_month = pd.Series(
        [1.0, 2.0], index=pd.DatetimeIndex(["2010-03-15", "2010-04-15"])
    )
    with pytest.raises(
        ValueError,
        match=r"2010-03-15 00:00:00, which is not a step of the series' grid",
    ):
        forecaster.update(pd.DataFrame(index=mid_month.index), mid_month)
    on_grid = monthly([1.0, 2.0], start="2010-03")
    forecaster.update(pd.DataFrame(index=on_grid.index), on_grid)
    assert forecaster.predict_series(np.empty((1, 0))).index[0] == pd.Timestamp(
        "2010-05-01"
    )


def test_predict_series_without_a_time_index_says_how_to_get_one():
    forecaster = tiny(max_iter=2).fit(NO_COVARIATES[:120], WAVE[:120])
    with pytest.raises(ValueError, match="pandas Series on a regular DatetimeIndex"):
        forecaster.predict_series(np.empty((3, 0)))


def test_bundled_series_forecast_comes_back_dated():
    from sklstm.datasets import load_airline

    passengers = load_airline()
    forecaster = tiny(lookback=12, max_iter=5).fit(
        pd.DataFrame(index=passengers.index), passengers
    )
    forecast = forecaster.predict_series(np.empty((12, 0)))
    assert forecast.index[0] == pd.Timestamp("1961-01-01")
    assert forecast.index.freqstr == "MS"


# -------------------------------------------------------------- backtesting


def test_cross_validate_with_time_series_split_is_a_multi_step_backtest():
    y, X = WAVE, NO_COVARIATES
    cv = TimeSeriesSplit(n_splits=3, test_size=8)
    results = cross_validate(
        tiny(max_iter=30),
        X,
        y,
        cv=cv,
        scoring="neg_mean_absolute_error",
        return_estimator=True,
    )
    for (train, test), score, fitted in zip(
        cv.split(X), results["test_score"], results["estimator"], strict=True
    ):
        # Each fold forecasts its test rows from the end of its training rows.
        refitted = tiny(max_iter=30).fit(X[train], y[train])
        forecast = refitted.predict(X[test])
        assert score == pytest.approx(-mean_absolute_error(y[test], forecast))
        assert score > -0.2
        assert fitted.regressor_.n_iter_ == refitted.regressor_.n_iter_


def test_grid_search_with_time_series_split_picks_the_lookback_that_sees_a_cycle():
    search = GridSearchCV(
        tiny(max_iter=30),
        {"lookback": [1, 8]},
        cv=TimeSeriesSplit(n_splits=2, test_size=16),
    ).fit(NO_COVARIATES, WAVE)
    assert search.best_params_ == {"lookback": 8}
    assert search.best_score_ > 0.9  # R² of 16-step forecasts


# ------------------------------------------------------------------- errors


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        tiny().predict(NO_COVARIATES[:3])


@pytest.mark.parametrize(
    "params, n_rows, needed",
    [
        (dict(lookback=8, early_stopping=False), 7, 9),
        (dict(lookback=8, strategy="direct", horizon=5, early_stopping=False), 7, 13),
    ],
)
def test_too_short_a_series_names_the_length_it_needs(params, n_rows, needed):
    # One series trains on full windows only: lookback values and a target.
    with pytest.raises(
        ValueError, match=f"= {needed} observations.*got {n_rows} sample"
    ):
        tiny(**params).fit(NO_COVARIATES[:n_rows], WAVE[:n_rows])
    tiny(**params).fit(NO_COVARIATES[:needed], WAVE[:needed])


def test_a_series_with_one_window_cannot_also_hold_one_out_for_early_stopping():
    with pytest.raises(ValueError, match="early_stopping=True holds out"):
        tiny(lookback=8).fit(NO_COVARIATES[:9], WAVE[:9])
    tiny(lookback=8).fit(NO_COVARIATES[:10], WAVE[:10])  # two windows suffice


def test_a_table_of_targets_is_refused_as_the_series():
    with pytest.raises(ValueError, match="1d array"):
        tiny().fit(NO_COVARIATES, np.column_stack([WAVE, WAVE]))


def test_an_unknown_strategy_is_refused_by_parameter_validation():
    with pytest.raises(ValueError, match="strategy"):
        tiny(strategy="multi-output").fit(NO_COVARIATES, WAVE)


# ---------------------------------------------- the estimator and its state


def test_forecaster_has_every_training_parameter_of_the_regressor_with_its_default():
    regressor = inspect.signature(LSTMRegressor).parameters
    forecaster = inspect.signature(LSTMForecaster).parameters
    for name, parameter in regressor.items():
        assert name in forecaster, f"LSTMForecaster lacks {name}"
        # early_stopping: on for forecasts, measured: see Notes; batch_size:
        # 'auto' is the regressor's 32 for one series, larger for many;
        # n_iter_no_change: 'auto' is the regressor's 10 for a short series,
        # fewer epochs for a collection whose epochs are long; hidden_size:
        # 16 forecasts collections as well as 32, in half the time.
        different = ("early_stopping", "batch_size", "n_iter_no_change", "hidden_size")
        if name not in different:
            assert forecaster[name].default == parameter.default, name
    assert forecaster["hidden_size"].default == 16
    assert forecaster["early_stopping"].default is True
    assert forecaster["batch_size"].default == "auto"
    assert forecaster["n_iter_no_change"].default == "auto"
    assert set(forecaster) - set(regressor) == {
        "horizon",
        "strategy",
        "network_output",
        "series_scaling",
        "season_length",
        "drift",
        "shrinkage",
        "n_networks",
        "max_series",
        "target",  # deprecated, removed in 0.3
    }


def test_training_parameters_reach_the_regressor():
    forecaster = tiny(max_iter=3, n_iter_no_change=50, hidden_size=5).fit(
        NO_COVARIATES[:40], WAVE[:40]
    )
    assert forecaster.regressor_.hidden_size == 5
    assert forecaster.n_iter_ == forecaster.regressor_.n_iter_ == 3


def test_warm_start_continues_training_the_same_network():
    forecaster = tiny(max_iter=3, n_iter_no_change=50, warm_start=True)
    forecaster.fit(NO_COVARIATES[:40], WAVE[:40])
    forecaster.fit(NO_COVARIATES[:40], WAVE[:40])
    assert forecaster.n_iter_ == 6


def test_clone_gives_an_unfitted_forecaster_with_the_same_parameters():
    forecaster = tiny(strategy="direct", horizon=3).fit(NO_COVARIATES[:40], WAVE[:40])
    cloned = clone(forecaster)
    assert cloned.get_params() == forecaster.get_params()
    with pytest.raises(NotFittedError):
        cloned.predict(NO_COVARIATES[:3])


def test_pickled_forecaster_forecasts_the_same_from_the_same_end():
    forecaster = tiny(max_iter=10).fit(COVARIATE[:100], DRIVEN[:100])
    forecaster.update(COVARIATE[100:110], DRIVEN[100:110])
    restored = pickle.loads(pickle.dumps(forecaster))
    np.testing.assert_array_equal(
        restored.predict(COVARIATE[110:120]), forecaster.predict(COVARIATE[110:120])
    )


@parametrize_with_checks(
    [LSTMForecaster(lookback=2, hidden_size=4, max_iter=5, random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_forecaster(estimator, check):
    check(estimator)


# ------------------------------------------------------------ the sine story


@pytest.mark.slow
def test_lstm_regressor_matches_ridge_on_the_sine_one_step_within_5_percent():
    series = noisy_sine(1000)  # the classic LSTM example
    X, y = series[:-1, None], series[1:]
    lstm = LSTMRegressor(lookback=4, random_state=0).fit(X[:600], y[:600])
    lags = np.lib.stride_tricks.sliding_window_view(series[:-1], 4)  # rows 3 ...
    ridge = Ridge().fit(lags[: 600 - 3], y[3:600])
    lstm_mse = mean_squared_error(y[600:], lstm.predict(X)[600:])
    ridge_mse = mean_squared_error(y[600:], ridge.predict(lags[600 - 3 :]))
    assert lstm_mse <= 1.05 * ridge_mse
