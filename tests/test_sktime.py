"""The sktime adapter: sktime's own checks, evaluate, grid search, update, X."""

import copy
import subprocess
import sys
from functools import partial

import numpy as np
import pandas as pd
import pytest
from _factories import tiny_forecaster
from sktime.benchmarking.forecasting import ForecastingBenchmark
from sktime.forecasting.base import ForecastingHorizon
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


@pytest.mark.parametrize(
    "covariates, message",
    [(None, "pass X"), ("no driver", r"lacks the covariate column\(s\) \['driver'\]")],
    ids=["no X", "a column missing"],
)
def test_an_update_refused_for_its_covariates_keeps_the_cutoff(covariates, message):
    # sktime moved the cutoff to the update's end before the refusal, so
    # fh=1 then meant the fourth step.
    driver = pd.DataFrame({"driver": np.cos(2 * np.pi * _t / 25), "other": 0.0})
    wrapped = LSTMSktimeForecaster(_lstm(max_iter=2)).fit(
        SINE[:100], X=driver[["driver"]][:100]
    )
    before = wrapped.predict(fh=[1], X=driver[100:])
    X = None if covariates is None else driver[["other"]][100:103]
    with pytest.raises(ValueError, match=message):
        wrapped.update(SINE[100:103], X=X)
    assert wrapped.cutoff[0] == 99
    pd.testing.assert_series_equal(wrapped.predict(fh=[1], X=driver[100:]), before)


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


def test_months_skipped_right_after_the_end_are_missing_values():
    # Refused as a gap, although LSTMForecaster.update reads the skipped
    # months as missing values, and the months missing among the new ones
    # were read so too.
    months = pd.period_range("2000-01", periods=60, freq="M")
    monthly = pd.Series(SINE[:60].to_numpy(), index=months)
    wrapped = LSTMSktimeForecaster(_lstm(lookback=4, max_iter=2)).fit(monthly[:40])
    by_hand = copy.deepcopy(wrapped)
    wrapped.update(monthly[42:46], update_params=False)
    with_nan = monthly[40:46].copy()
    with_nan[months[40:42]] = np.nan
    by_hand.update(with_nan, update_params=False)

    forecast = wrapped.predict(fh=[1, 2])
    assert [str(month) for month in forecast.index] == ["2003-11", "2003-12"]
    pd.testing.assert_series_equal(forecast, by_hand.predict(fh=[1, 2]))
    wrapped.update(monthly[40:48])  # overlapping what it has seen
    assert wrapped.predict(fh=[1]).index.tolist() == [pd.Period("2004-01", "M")]


def _forty_months_with_a_covariate():
    """50 months of y and a covariate, and an adapter fitted on the first 40."""
    months = pd.period_range("2000-01", periods=50, freq="M")
    monthly = pd.Series(SINE[:50].to_numpy() + 3, index=months, name="y")
    X = pd.DataFrame({"c": np.cos(np.arange(50) / 5)}, index=months)
    wrapped = LSTMSktimeForecaster(_lstm(lookback=3, max_iter=2)).fit(
        monthly[:40], X=X[:40]
    )
    return months, monthly, X, wrapped


def test_months_skipped_with_their_covariates_in_x_are_missing_values():
    # X on the full grid was cut to y's months, and the update refused,
    # asking for X on the full grid.
    months, monthly, X, wrapped = _forty_months_with_a_covariate()
    by_hand = copy.deepcopy(wrapped)
    wrapped.update(monthly[42:46], X=X[40:46], update_params=False)
    with_nan = monthly[40:46].copy()
    with_nan[months[40:42]] = np.nan
    by_hand.update(with_nan, X=X[40:46], update_params=False)

    forecast = wrapped.predict(fh=[1, 2], X=X[46:])
    assert [str(month) for month in forecast.index] == ["2003-11", "2003-12"]
    pd.testing.assert_series_equal(forecast, by_hand.predict(fh=[1, 2], X=X[46:]))


def test_months_skipped_without_their_covariates_are_refused_naming_them():
    months, monthly, X, wrapped = _forty_months_with_a_covariate()
    before = wrapped.predict(fh=[1, 2], X=X[40:])
    with pytest.raises(
        ValueError,
        match=r"^X lacks the covariates of 1 step\(s\) that y skips, such as "
        r"\[Period\('2003-05', 'M'\)\]",
    ):
        wrapped.update(monthly[42:46], X=X[41:46], update_params=False)
    assert wrapped.cutoff[0] == months[39]
    pd.testing.assert_series_equal(wrapped.predict(fh=[1, 2], X=X[40:]), before)


@pytest.mark.parametrize(
    "times",
    [pd.period_range("2000-01", periods=60, freq="M"), pd.RangeIndex(0, 120, 2)],
    ids=["months", "integers"],
)
def test_a_fit_takes_the_covariates_of_a_step_y_skips_from_x(times):
    # X covered every step, but the fit kept only y's steps of it and was
    # refused, asking for X on the full grid, which it was given.
    y = pd.Series(SINE[:40].to_numpy() + 3, index=times[:40], name="y")
    X = pd.DataFrame({"c": np.cos(np.arange(60) / 5)}, index=times)
    with_nan = y.copy()
    with_nan[times[20]] = np.nan
    skipping = LSTMSktimeForecaster(_lstm(lookback=3, max_iter=2)).fit(
        y.drop(times[20]), X=X[:40]
    )
    by_hand = LSTMSktimeForecaster(_lstm(lookback=3, max_iter=2)).fit(
        with_nan, X=X[:40]
    )

    fh = ForecastingHorizon(times[40:42], is_relative=False)
    forecast = skipping.predict(fh=fh, X=X[40:])
    assert forecast.index.tolist() == times[40:42].tolist()
    pd.testing.assert_series_equal(forecast, by_hand.predict(fh=fh, X=X[40:]))


def test_a_fit_without_the_covariates_of_a_month_y_skips_is_refused_naming_it():
    months = pd.period_range("2000-01", periods=40, freq="M")
    y = pd.Series(SINE[:40].to_numpy() + 3, index=months, name="y")
    X = pd.DataFrame({"c": np.cos(np.arange(40) / 5)}, index=months)
    with pytest.raises(
        ValueError,
        match=r"^X lacks the covariates of 1 step\(s\) that y skips, such as "
        r"\[Period\('2001-09', 'M'\)\]: fit takes the values of y at those steps "
        "as missing",
    ):
        LSTMSktimeForecaster(_lstm(lookback=3, max_iter=2)).fit(
            y.drop(months[20]), X=X.drop(months[20])
        )


def test_an_update_starting_within_the_last_month_is_refused_as_it_was():
    # 2003-04-15 lies after the end, 2003-04-01, but within its month: it
    # continues no step of the series.
    months = pd.date_range("2000-01-01", periods=43, freq="MS")
    monthly = pd.Series(SINE[:43].to_numpy(), index=months, name="sine")
    wrapped = LSTMSktimeForecaster(_lstm(lookback=4, max_iter=2)).fit(monthly[:40])
    before = wrapped.predict(fh=[1, 2])
    mid_month = pd.DatetimeIndex(["2003-04-15", "2003-05-15"])
    with pytest.raises(
        ValueError,
        match=r"the series seen so far ends at 2003-04-01 00:00:00, whose next "
        r"step is 2003-05-01 00:00:00",
    ):
        wrapped.update(pd.Series([1.0, 2.0], index=mid_month, name="sine"))

    assert wrapped.cutoff.equals(months[[39]])
    pd.testing.assert_series_equal(wrapped.predict(fh=[1, 2]), before)
    wrapped.update(monthly[40:], update_params=False)  # on its steps: taken
    assert wrapped.cutoff.equals(months[[42]])


def test_a_panel_update_starting_between_two_times_is_refused_as_it_was():
    # Times step by two: 99 lies within shop_1's last step, 98.
    y = pd.concat(
        {shop: SINE[:50].to_frame("sales") + k for k, shop in enumerate(["a", "b"])},
        names=["shop", "t"],
    )
    y.index = y.index.set_levels(np.arange(0, 100, 2), level="t")
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    before = wrapped.predict(fh=[2, 4])
    overlapping = pd.DataFrame(
        {"sales": [1.0, 2.0]},
        index=pd.MultiIndex.from_product([["b"], [99, 101]], names=["shop", "t"]),
    )
    with pytest.raises(
        ValueError,
        match=r"the series 'b' seen so far ends at 98, whose next step is 100",
    ):
        wrapped.update(overlapping)

    assert wrapped.cutoff.tolist() == [98]
    pd.testing.assert_frame_equal(wrapped.predict(fh=[2, 4]), before)


def test_a_month_missing_inside_an_update_is_a_missing_value():
    # Refused as if the new values did not continue the series, although
    # 2012-09 follows its end, 2012-08.
    months = pd.period_range("2001-01", periods=150, freq="M")
    y = pd.Series(10 + np.sin(np.arange(150) / 3), index=months, name="y")
    with_nan = y[140:].copy()
    with_nan["2012-12"] = np.nan
    gapped = with_nan.drop(index=pd.Period("2012-12", "M"))
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y[:140])
    wrapped.update(gapped, update_params=False)
    direct = _panel_lstm().fit(np.empty((140, 0)), y[:140].to_numpy())
    direct.update(np.empty((10, 0)), with_nan.to_numpy())

    forecast = wrapped.predict(fh=[1, 2])
    assert [str(period) for period in forecast.index] == ["2013-07", "2013-08"]
    np.testing.assert_array_equal(forecast, direct.predict(np.empty((2, 0))))


def test_a_panel_update_takes_a_missing_month_of_one_series_as_missing():
    y = panel()
    first = y[y.index.get_level_values("month") < MONTHS[50]]
    rest = y[y.index.get_level_values("month") >= MONTHS[50]]
    with_nan = rest.copy()
    with_nan.loc[("shop_1", MONTHS[54]), "sales"] = np.nan
    expected = LSTMSktimeForecaster(_panel_lstm()).fit(first)
    expected.update(with_nan, update_params=False)
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(first)
    wrapped.update(rest.drop(index=("shop_1", MONTHS[54])), update_params=False)
    pd.testing.assert_frame_equal(
        wrapped.predict(fh=[1, 2]), expected.predict(fh=[1, 2])
    )


def test_a_panel_update_reads_the_months_skipped_after_each_end_as_missing():
    # shop_0 goes on two months after its end, the lagging shop_1 one
    # month after its own: both were refused as gaps.
    y = panel()
    months, shops = (y.index.get_level_values(level) for level in ("month", "shop"))
    first = y[(months < MONTHS[50]) & ((shops == "shop_0") | (months < MONTHS[46]))]
    skipped = [("shop_0", MONTHS[50]), ("shop_0", MONTHS[51]), ("shop_1", MONTHS[46])]
    rest = y.drop(index=first.index)
    with_nan = rest.copy()
    with_nan.loc[skipped, "sales"] = np.nan
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(first)
    by_hand = copy.deepcopy(wrapped)
    wrapped.update(rest.drop(index=skipped), update_params=False)
    by_hand.update(with_nan, update_params=False)

    forecast = wrapped.predict(fh=[1, 2])
    assert [str(t) for t in forecast.loc["shop_1"].index] == ["2005-01", "2005-02"]
    pd.testing.assert_frame_equal(forecast, by_hand.predict(fh=[1, 2]))


# 55: inside the update of the second fold; 50: the month right after the
# first cutoff, which the update skips from the end of the series.
@pytest.mark.parametrize("dropped", [55, 50])
# A fold whose test months lack the dropped one: sktime's metric says so.
@pytest.mark.filterwarnings("ignore:y_pred and y_true do not have the same row")
def test_evaluate_by_updates_reads_a_dropped_month_as_a_missing_value(dropped):
    months = pd.period_range("2000-01", periods=80, freq="M")
    y = pd.Series(SINE[:80].to_numpy() + 2, index=months, name="sine")
    gapped = y.drop(index=months[dropped])
    cv = ExpandingWindowSplitter(initial_window=50, step_length=10, fh=[1, 2, 3])
    results = evaluate(
        LSTMSktimeForecaster(_panel_lstm()),
        cv=cv,
        y=gapped,
        strategy="update",
        scoring=MeanAbsoluteError(),
        return_data=True,
    )
    assert [str(cutoff) for cutoff in results["cutoff"]] == [
        "2004-02",
        "2005-01",  # ten rows on, one month later past the dropped one
        "2005-11",
    ]
    assert np.isfinite(results["test_MeanAbsoluteError"]).all()

    # The same walk by hand, the dropped month given as NaN.
    with_nan = y.copy()
    with_nan[months[dropped]] = np.nan
    walk = LSTMSktimeForecaster(_panel_lstm()).fit(with_nan[:50])
    for fold in results.itertuples():
        walk.update(with_nan[: fold.cutoff], update_params=False)
        pd.testing.assert_series_equal(fold.y_pred, walk.predict(fh=[1, 2, 3]))


def test_missing_values_in_y_are_learnt_around_as_the_forecaster_does():
    months = pd.period_range("2000-01", periods=200, freq="M")
    holed = pd.Series(SINE.to_numpy(), index=months, name="sine")
    holed.iloc[[10, 50, 51, 52, 120, 179]] = np.nan  # the last one too
    lstm = partial(_lstm, validation_fraction=0.3)
    wrapped = LSTMSktimeForecaster(lstm()).fit(holed[:180])
    direct = lstm().fit(np.empty((180, 0)), holed[:180].to_numpy())

    forecast = wrapped.predict(fh=[1, 2, 3])
    assert [str(period) for period in forecast.index] == [
        "2015-01",
        "2015-02",
        "2015-03",
    ]
    assert np.isfinite(forecast).all()
    np.testing.assert_allclose(forecast, direct.predict(np.empty((3, 0))))
    intervals = wrapped.predict_interval(fh=[1, 2], coverage=0.8)
    np.testing.assert_allclose(
        intervals[("sine", 0.8)], direct.predict_interval(np.empty((2, 0)), 0.8)
    )

    wrapped.update(holed[180:190])  # its missing values too
    direct.update(np.empty((10, 0)), holed[180:190].to_numpy())
    forecast = wrapped.predict(fh=[1, 2])
    assert [str(period) for period in forecast.index] == ["2015-11", "2015-12"]
    np.testing.assert_allclose(forecast, direct.predict(np.empty((2, 0))))


def test_missing_covariates_are_refused_naming_the_column():
    # sktime leaves NaN to the forecaster; covariates must still be complete.
    driver = pd.DataFrame({"driver": np.cos(2 * np.pi * _t / 25)})
    holed = driver.copy()
    holed.loc[[5, 181], "driver"] = np.nan
    with pytest.raises(ValueError, match=r"\['driver'\].*must be complete"):
        LSTMSktimeForecaster(_lstm()).fit(SINE[:180], X=holed[:180])
    wrapped = LSTMSktimeForecaster(_lstm(max_iter=2)).fit(SINE[:180], X=driver[:180])
    with pytest.raises(ValueError, match=r"\['driver'\].*must be complete"):
        wrapped.predict(fh=[1, 2], X=holed[180:])


PRICED_MONTHS = pd.period_range("2000-01", periods=50, freq="M")
# Covariates of very different scales: 1e36 overflows once standardised by
# the scale of the price, not by that of the temperature.
PRICED = pd.DataFrame(
    {
        "price": np.random.default_rng(1).normal(0, 1e-3, 50),
        "temp": np.random.default_rng(2).normal(0, 1, 50),
    },
    index=PRICED_MONTHS,
)
PRICED_SINE = pd.Series(SINE[:50].to_numpy() + 3, index=PRICED_MONTHS, name="y")


@pytest.mark.parametrize("call", ["predict", "predict_interval", "update"])
def test_a_covariate_that_would_overflow_is_refused_by_its_name(call):
    # The forecaster was given arrays: its refusal named "X column 0", the
    # place in fit's order, which in this X (temp first) is the temperature.
    wrapped = LSTMSktimeForecaster(
        _lstm(lookback=3, max_iter=2, validation_fraction=0.5)
    ).fit(PRICED_SINE[:40], X=PRICED[:40])
    ordinary = PRICED[40:][["temp", "price"]]
    before = wrapped.predict(fh=[1, 2], X=ordinary)
    huge = ordinary.copy()
    huge.iloc[1, huge.columns.get_loc("price")] = 1e36

    with pytest.raises(ValueError, match=r"^X column 'price' holds 1e\+36, which"):
        if call == "update":
            wrapped.update(PRICED_SINE[40:42], X=huge[:2], update_params=False)
        else:
            getattr(wrapped, call)(fh=[1, 2], X=huge)
    assert wrapped.cutoff[0] == PRICED_MONTHS[39]
    pd.testing.assert_series_equal(wrapped.predict(fh=[1, 2], X=ordinary), before)
    # The columns are read by name, whatever their order.
    pd.testing.assert_series_equal(
        wrapped.predict(fh=[1, 2], X=PRICED[40:]), before, check_exact=True
    )


def test_covariates_named_by_other_values_than_strings_are_still_read():
    # scikit-learn keeps string names only: these go on by their place.
    named = PRICED.set_axis(["price", 7], axis=1)
    wrapped = LSTMSktimeForecaster(_lstm(lookback=3, max_iter=2)).fit(
        PRICED_SINE[:40], X=named[:40]
    )
    wrapped.update(PRICED_SINE[40:42], X=named[40:42], update_params=False)
    assert np.isfinite(wrapped.predict(fh=[1, 2], X=named[42:])).all()


# ------------------------------------------------------------------ panels

MONTHS = pd.period_range("2000-01", periods=60, freq="M")


def panel(lengths=(60, 60), names=("shop", "month")):
    """A pd-multiindex panel: scaled sines, one per shop, monthly."""
    frames = [
        pd.DataFrame(
            {"sales": (k + 1) * 10 * (SINE[k * 7 : k * 7 + n].to_numpy() + 2)},
            index=pd.MultiIndex.from_product(
                [[f"shop_{k}"], MONTHS[:n]], names=list(names)
            ),
        )
        for k, n in enumerate(lengths)
    ]
    return pd.concat(frames)


_panel_lstm = partial(
    tiny_forecaster, lookback=4, n_networks=1, validation_fraction=0.4
)


def direct_fit(y):
    """LSTMForecaster fitted on the same rows with groups: what the adapter wraps."""
    groups = y.index.droplevel(-1).factorize()[0]
    model = _panel_lstm().fit(
        np.empty((len(y), 0)), y.iloc[:, 0].to_numpy(), groups=groups
    )
    return model


def test_a_panel_trains_one_global_forecaster_that_equals_groups():
    y = panel()
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    direct = direct_fit(y)
    forecast = wrapped.predict(fh=[1, 2, 3])

    # One model, two series, known by their keys.
    assert wrapped.forecaster_.series_.tolist() == ["shop_0", "shop_1"]
    assert forecast.index.names == ["shop", "month"]
    assert forecast.columns.tolist() == ["sales"]
    assert [str(t) for t in forecast.loc["shop_1"].index] == [
        "2005-01",
        "2005-02",
        "2005-03",
    ]
    expected = direct.predict(np.empty((6, 0)), groups=np.repeat([0, 1], 3))
    np.testing.assert_array_equal(forecast["sales"].to_numpy(), expected)


def test_a_series_that_ends_earlier_is_forecast_from_its_own_end():
    y = panel(lengths=(60, 56))  # shop_1 ends four months before shop_0
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    direct = direct_fit(y)
    forecast = wrapped.predict(fh=[1, 2])

    assert [str(t) for t in forecast.loc["shop_1"].index] == ["2005-01", "2005-02"]
    steps_of_shop_1 = direct.predict(np.empty((6, 0)), groups=np.ones(6, dtype=int))
    np.testing.assert_array_equal(forecast.loc["shop_1", "sales"], steps_of_shop_1[4:])


def test_a_panel_on_dates_continues_every_series_by_their_frequency():
    y = panel().rename(index=lambda month: month.to_timestamp(), level="month")
    forecast = LSTMSktimeForecaster(_panel_lstm()).fit(y).predict(fh=[1, 2])
    intervals = LSTMSktimeForecaster(_panel_lstm()).fit(y).predict_interval(fh=[2])

    dates = ["2005-01-01", "2005-02-01"]
    assert [str(t.date()) for t in forecast.loc["shop_1"].index] == dates
    assert intervals.index.get_level_values("month").unique().tolist() == [
        pd.Timestamp("2005-02-01")
    ]


def test_a_panel_with_missing_values_equals_the_forecaster_with_groups():
    y = panel().rename(index=lambda month: month.to_timestamp(), level="month")
    y.iloc[[3, 4, 30, 59, 75, 100]] = np.nan  # shop_0 ends on a missing value
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    forecast = wrapped.predict(fh=[1, 2])

    assert np.isfinite(forecast["sales"]).all()
    expected = direct_fit(y).predict(np.empty((4, 0)), groups=np.repeat([0, 1], 2))
    np.testing.assert_allclose(forecast["sales"].to_numpy(), expected)


def test_each_bottom_series_of_a_hierarchy_is_one_series_of_the_model():
    y = pd.concat({"north": panel(), "south": panel() * 3}, names=["region"])
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    forecast = wrapped.predict(fh=[1, 2])

    assert len(wrapped.forecaster_.series_) == 4
    assert forecast.index.names == ["region", "shop", "month"]
    assert forecast.index.droplevel(-1).unique().tolist() == [
        ("north", "shop_0"),
        ("north", "shop_1"),
        ("south", "shop_0"),
        ("south", "shop_1"),
    ]
    # The south shops are the north ones tripled: so are their forecasts.
    np.testing.assert_allclose(
        forecast.loc["south", "sales"], 3 * forecast.loc["north", "sales"], rtol=1e-6
    )


def test_panel_intervals_and_quantiles_are_the_forecasters_own():
    y = panel()
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    direct = direct_fit(y)
    groups = np.repeat([0, 1], 2)
    intervals = wrapped.predict_interval(fh=[1, 2], coverage=[0.5, 0.8])
    quantiles = wrapped.predict_quantiles(fh=[1, 2], alpha=[0.1, 0.9])

    assert intervals.columns.tolist() == [
        ("sales", 0.5, "lower"),
        ("sales", 0.5, "upper"),
        ("sales", 0.8, "lower"),
        ("sales", 0.8, "upper"),
    ]
    np.testing.assert_array_equal(
        intervals[("sales", 0.8)].to_numpy(),
        direct.predict_interval(np.empty((4, 0)), 0.8, groups=groups),
    )
    np.testing.assert_array_equal(
        quantiles["sales"].to_numpy(),
        direct.predict_quantiles(np.empty((4, 0)), (0.1, 0.9), groups=groups),
    )


def test_single_series_intervals_are_no_longer_refused():
    wrapped = LSTMSktimeForecaster(_lstm(validation_fraction=0.3)).fit(SINE[:180])
    intervals = wrapped.predict_interval(fh=[1, 2, 3], coverage=0.9)
    bounds = intervals[("sine", 0.9)]
    assert intervals.index.tolist() == [180, 181, 182]
    assert (bounds["lower"] < wrapped.predict(fh=[1, 2, 3])).all()
    assert (bounds["upper"] > wrapped.predict(fh=[1, 2, 3])).all()


def test_a_panel_update_moves_every_series_origin():
    y = panel()
    first = y[y.index.get_level_values("month") < MONTHS[50]]
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(first)
    direct = direct_fit(first)
    rest = y[y.index.get_level_values("month") >= MONTHS[50]]
    wrapped.update(rest)
    direct.update(
        np.empty((len(rest), 0)),
        rest["sales"].to_numpy(),
        groups=rest.index.droplevel(-1).factorize()[0],
    )

    forecast = wrapped.predict(fh=[1, 2])
    assert [str(t) for t in forecast.loc["shop_0"].index] == ["2005-01", "2005-02"]
    np.testing.assert_array_equal(
        forecast["sales"], direct.predict(np.empty((4, 0)), groups=np.repeat([0, 1], 2))
    )


def test_an_update_of_the_series_that_ends_earlier_keeps_the_latest_cutoff():
    # sktime moves its cutoff to the end of the update's rows; shop_1 ends
    # four months before shop_0, so that would be before shop_0's end.
    y = panel(lengths=(60, 56))
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    direct = direct_fit(y)
    month_57 = pd.DataFrame(
        {"sales": [25.0]},
        index=pd.MultiIndex.from_tuples(
            [("shop_1", MONTHS[56])], names=["shop", "month"]
        ),
    )
    wrapped.update(month_57)
    direct.update(np.empty((1, 0)), [25.0], groups=[1])

    assert str(wrapped.cutoff[0]) == "2004-12"
    forecast = wrapped.predict(fh=[1])
    assert [str(t) for t in forecast.index.get_level_values("month")] == [
        "2005-01",
        "2005-01",
    ]
    shop_1 = direct.predict(np.empty((4, 0)), groups=np.ones(4, dtype=int))
    np.testing.assert_array_equal(forecast.loc["shop_1", "sales"], shop_1[3:])


def test_an_update_of_rows_already_seen_changes_nothing():
    wrapped = LSTMSktimeForecaster(tiny_forecaster()).fit(SINE)
    before = wrapped.predict(fh=[1, 2])
    wrapped.update(SINE.iloc[:10])

    assert wrapped.cutoff[0] == SINE.index[-1]
    pd.testing.assert_series_equal(wrapped.predict(fh=[1, 2]), before)


def test_a_refused_new_series_leaves_the_panel_as_it_was():
    # The new key was kept although the forecaster refused its one value:
    # every later predict failed in numpy.
    y = panel()
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    before = wrapped.predict(fh=[1, 2])
    lone = pd.DataFrame(
        {"sales": [3.0]},
        index=pd.MultiIndex.from_tuples(
            [("shop_9", MONTHS[59])], names=["shop", "month"]
        ),
    )
    with pytest.raises(ValueError, match="not seen before"):
        wrapped.update(lone)
    pd.testing.assert_frame_equal(wrapped.predict(fh=[1, 2]), before)


def test_dates_of_a_panel_whose_first_series_has_two_values_are_continued():
    # A frequency is inferred from three dates; the first series has two.
    y = panel(lengths=(2, 60)).rename(
        index=lambda month: month.to_timestamp(), level="month"
    )
    forecast = LSTMSktimeForecaster(_panel_lstm()).fit(y).predict(fh=[1])

    # The horizon counts from the latest end, for every series.
    assert forecast.index.get_level_values("month").tolist() == [
        pd.Timestamp("2005-01-01"),
        pd.Timestamp("2005-01-01"),
    ]


def test_evaluate_backtests_a_panel_with_one_global_model():
    y = panel()
    cv = ExpandingWindowSplitter(initial_window=40, step_length=8, fh=range(1, 5))
    results = evaluate(
        LSTMSktimeForecaster(_panel_lstm()),
        cv=cv,
        y=y,
        scoring=MeanAbsoluteError(),
        return_data=True,
    )
    assert len(results) == 3
    assert results["test_MeanAbsoluteError"].notna().all()
    # One forecast per shop and step of every fold: the panel stayed whole.
    assert all(len(pred) == 2 * 4 for pred in results["y_pred"])


def test_a_month_missing_inside_a_series_is_a_missing_value():
    y = panel()
    with_nan = y.copy()
    with_nan.iloc[20, 0] = np.nan
    gapped = y.drop(index=y.index[20])  # shop_0 lacks a month
    fh = [1, 2, 3]
    expected = LSTMSktimeForecaster(_panel_lstm()).fit(with_nan).predict(fh=fh)
    forecast = LSTMSktimeForecaster(_panel_lstm()).fit(gapped).predict(fh=fh)
    pd.testing.assert_frame_equal(forecast, expected)


def test_a_new_series_with_a_month_missing_is_taken_with_a_missing_value():
    y = panel(lengths=(60, 60, 30))
    known, new = y.loc[["shop_0", "shop_1"]], y.loc[["shop_2"]]
    with_nan = new.copy()
    with_nan.iloc[10, 0] = np.nan
    fh = [1, 2]
    expected = LSTMSktimeForecaster(_panel_lstm()).fit(known)
    expected.update(with_nan, update_params=False)
    forecast = LSTMSktimeForecaster(_panel_lstm()).fit(known)
    forecast.update(new.drop(index=new.index[10]), update_params=False)
    pd.testing.assert_frame_equal(forecast.predict(fh=fh), expected.predict(fh=fh))


@pytest.mark.parametrize("layout", ["one series", "panel"])
def test_a_time_missing_from_integer_times_is_a_missing_value(layout):
    # The adapter gave integer times as a plain index beside the groups,
    # which the forecaster reads as row numbers: the gap was closed up.
    y = panel()
    if layout == "one series":
        y = y.loc["shop_0", "sales"].reset_index(drop=True)
    else:
        steps = np.tile(np.arange(60), 2)
        y.index = pd.MultiIndex.from_arrays([y.index.get_level_values(0), steps])
    with_nan = y.copy()
    with_nan.iloc[20] = np.nan
    gapped = y.drop(index=y.index[20])
    fh = [1, 2, 3]
    expected = LSTMSktimeForecaster(_panel_lstm()).fit(with_nan).predict(fh=fh)
    forecast = LSTMSktimeForecaster(_panel_lstm()).fit(gapped).predict(fh=fh)
    np.testing.assert_array_equal(np.asarray(forecast), np.asarray(expected))


def test_an_absolute_horizon_of_dates_after_an_update_keeps_the_frequency():
    days = pd.date_range("2000-01-01", periods=43, freq="D")
    y = pd.Series(SINE[:43].to_numpy() + 2, index=days, name="sales")
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y[:40])
    wrapped.update(y[40:], update_params=False)
    assert wrapped.cutoff.freqstr == "D"  # was None
    absolute = ForecastingHorizon(
        pd.date_range("2000-02-13", periods=2), is_relative=False
    )
    np.testing.assert_array_equal(
        wrapped.predict(fh=absolute).to_numpy(), wrapped.predict(fh=[1, 2]).to_numpy()
    )


def test_a_month_given_twice_is_refused():
    y = panel()
    twice = pd.concat([y, y.iloc[[5]]]).sort_index()
    with pytest.raises(ValueError, match="shop_0"):
        LSTMSktimeForecaster(_panel_lstm()).fit(twice)


def test_a_refusal_names_the_series_by_its_key():
    y = panel(lengths=(60, 60, 1))  # shop_2: one month, too few to scale
    with pytest.raises(ValueError, match="shop_2"):
        LSTMSktimeForecaster(_panel_lstm()).fit(y)


@pytest.mark.parametrize("new_key", ["x", 2.5])
def test_a_new_series_keyed_by_another_kind_is_refused_leaving_the_others(new_key):
    # Numbered by its position among the keys, 'x' was given to the
    # forecaster as series 2: its values continued another series.
    y = panel()
    y.index = y.index.set_levels([1, 2], level=0)
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    before = wrapped.predict(fh=[1, 2])
    new = pd.DataFrame(
        {"sales": np.full(5, -50.0)},
        index=pd.MultiIndex.from_product(
            [[new_key], pd.period_range("2005-01", periods=5, freq="M")],
            names=["shop", "month"],
        ),
    )
    with pytest.raises(ValueError, match="labelled by"):
        wrapped.update(new)
    assert wrapped.forecaster_.series_.tolist() == [1, 2]
    pd.testing.assert_frame_equal(wrapped.predict(fh=[1, 2]), before)


def test_integer_times_that_step_by_two_are_forecast_at_their_own_times():
    # fh counts in the units of integer times (sktime's rule); the adapter
    # took each unit for a step: fh=[1] was the forecast of time 60, shown
    # at 59.
    t = np.arange(0, 120, 2)
    y = pd.Series(SINE[:60].to_numpy() + 2, index=pd.Index(t), name="sales")
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    forecast = wrapped.predict(fh=[2, 4, 6])
    assert forecast.index.tolist() == [120, 122, 124]
    long = y.set_axis(pd.MultiIndex.from_arrays([np.zeros(60, dtype=int), t]))
    direct = _panel_lstm().fit(pd.DataFrame(index=long.index), long)
    expected = direct.predict_series(np.empty((3, 0)), groups=[0, 0, 0])
    assert expected.index.get_level_values(-1).tolist() == [120, 122, 124]
    np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy())
    with pytest.raises(ValueError, match=r"between the times.*step by 2"):
        wrapped.predict(fh=[1, 2])
    wrapped.update(pd.Series([2.5, 2.7], index=pd.Index([120, 122]), name="sales"))
    assert wrapped.predict(fh=[2]).index.tolist() == [124]


def test_an_absolute_horizon_of_dates_with_gaps_is_forecast_after_fit():
    # sktime infers no frequency from dates with gaps, and the fit did not
    # give it the forecaster's: an absolute fh failed inside pandas.
    weeks = pd.date_range("2000-01-02", periods=43, freq="W-SUN").delete([10, 11, 20])
    y = pd.Series(SINE[:40].to_numpy() + 2, index=weeks, name="sales")
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    after = pd.date_range(weeks[-1], periods=3, freq="W-SUN")[1:]
    absolute = ForecastingHorizon(pd.DatetimeIndex(list(after)), is_relative=False)
    np.testing.assert_array_equal(
        wrapped.predict(fh=absolute).to_numpy(), wrapped.predict(fh=[1, 2]).to_numpy()
    )
    assert wrapped.predict_interval(fh=absolute).shape == (2, 2)


def priced_panel(n_months=66):
    """Two shops whose sales follow a price known in advance, and the price."""
    index = pd.MultiIndex.from_product(
        [["shop_0", "shop_1"], pd.period_range("2000-01", periods=n_months, freq="M")],
        names=["shop", "month"],
    )
    price = np.random.default_rng(0).normal(size=len(index))
    sales = np.tile(np.sin(np.arange(n_months) / 3), 2) + price
    return (
        pd.DataFrame({"sales": sales}, index=index),
        pd.DataFrame({"price": price}, index=index),
    )


_direct_lstm = partial(_panel_lstm, strategy="direct", horizon=3)


def test_a_direct_forecast_reads_the_covariates_of_its_whole_block():
    # X was cut at the furthest step of fh, and the forecaster repeats the
    # last row for the rest of the block: the forecast of a month changed
    # with the other months fh asked for.
    y, X = priced_panel()
    months = y.index.get_level_values("month").unique()
    past = y.index.get_level_values("month") < months[60]
    wrapped = LSTMSktimeForecaster(_direct_lstm()).fit(y[past], X=X[past])
    future = X[~past]  # six months of each shop

    whole_block = wrapped.predict(fh=[1, 2, 3], X=future)
    first = wrapped.predict(fh=[1], X=future)
    pd.testing.assert_frame_equal(
        first, whole_block.xs(months[60], level=1, drop_level=False)
    )
    direct = _direct_lstm().fit(
        X[past].to_numpy(), y[past]["sales"].to_numpy(), groups=np.repeat([0, 1], 60)
    )
    block = future.groupby("shop").head(3)
    expected = direct.predict(block.to_numpy(), groups=np.repeat([0, 1], 3))
    np.testing.assert_allclose(first["sales"], expected[[0, 3]])
    intervals = wrapped.predict_interval(fh=[1, 2, 3], X=future)
    pd.testing.assert_frame_equal(
        wrapped.predict_interval(fh=[1], X=future),
        intervals.xs(months[60], level=1, drop_level=False),
    )


def test_a_direct_interval_of_steps_the_tail_calibrates_is_not_refused():
    # The rest of the block is read only as far as the held-out tail
    # calibrates its steps: a tail too short for step 3 still calibrates 1.
    y, X = priced_panel(n_months=30)
    y = y.loc["shop_0", "sales"].rename_axis(None)
    X = X.loc["shop_0"].rename_axis(None)
    wrapped = LSTMSktimeForecaster(_direct_lstm(validation_fraction=0.5))
    wrapped.fit(y[:20], X=X[:20])
    with pytest.raises(ValueError, match="calibrate the first 1 step"):
        wrapped.predict_interval(fh=[1, 2, 3], X=X[20:])

    intervals = wrapped.predict_interval(fh=[1], X=X[20:])
    assert intervals.index.tolist() == [y.index[20]]


def test_a_panel_fit_with_covariate_rows_missing_is_refused_naming_them():
    # pandas' KeyError from inside the adapter was all the user saw.
    y, X = priced_panel(n_months=30)
    month = y.index.get_level_values("month")[5]
    with pytest.raises(ValueError, match=r"X lacks .*'shop_1', Period\('2000-06'"):
        LSTMSktimeForecaster(_panel_lstm()).fit(y, X=X.drop(("shop_1", month)))


def test_a_panel_update_with_covariate_rows_missing_is_refused_as_it_was():
    y, X = priced_panel(n_months=30)
    months = y.index.get_level_values("month").unique()
    past = y.index.get_level_values("month") < months[24]
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y[past], X=X[past])
    new = (y.index.get_level_values("month") >= months[24]) & (
        y.index.get_level_values("month") < months[26]
    )
    before = wrapped.predict(fh=[1, 2], X=X[~past])

    with pytest.raises(ValueError, match=r"X lacks .*'shop_0', Period\('2002-02'"):
        wrapped.update(y[new], X=X[new].drop(("shop_0", months[25])))
    assert wrapped.cutoff[0] == months[23]
    pd.testing.assert_frame_equal(wrapped.predict(fh=[1, 2], X=X[~past]), before)


def test_a_panel_update_takes_the_covariates_of_each_series_skipped_months():
    # shop_0 skips two months after its end, shop_1 one among its new
    # months, and X holds them all: the update was refused, asking for X on
    # the full grid. Without them, it is refused naming them.
    y, X = priced_panel(n_months=40)
    months = y.index.get_level_values("month")
    past, new = months < MONTHS[30], (months >= MONTHS[30]) & (months < MONTHS[36])
    skipped = [("shop_0", MONTHS[30]), ("shop_0", MONTHS[31]), ("shop_1", MONTHS[33])]
    with_nan = y[new].copy()
    with_nan.loc[skipped, "sales"] = np.nan
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y[past], X=X[past])
    by_hand, refused = copy.deepcopy(wrapped), copy.deepcopy(wrapped)
    wrapped.update(y[new].drop(index=skipped), X=X, update_params=False)
    by_hand.update(with_nan, X=X[new], update_params=False)
    later = X[months >= MONTHS[36]]
    pd.testing.assert_frame_equal(
        wrapped.predict(fh=[1, 2], X=later), by_hand.predict(fh=[1, 2], X=later)
    )

    before = refused.predict(fh=[1, 2], X=X[~past])
    with pytest.raises(
        ValueError,
        match=r"^X lacks the covariates of 1 step\(s\) that y skips, such as "
        r"\[\('shop_1', Period\('2002-10', 'M'\)\)\]",
    ):
        refused.update(
            y[new].drop(index=skipped),
            X=X[new].drop(index=[skipped[2]]),
            update_params=False,
        )
    assert refused.cutoff[0] == MONTHS[29]
    pd.testing.assert_frame_equal(refused.predict(fh=[1, 2], X=X[~past]), before)


def test_a_panel_fit_takes_the_covariates_of_each_series_skipped_months():
    # Each shop skips a month inside its series and X holds them: the fit
    # was refused, asking for X on the full grid. Without one of them, it
    # is refused naming it.
    y, X = priced_panel(n_months=30)
    skipped = [("shop_0", MONTHS[10]), ("shop_1", MONTHS[15])]
    with_nan = y.copy()
    with_nan.loc[skipped, "sales"] = np.nan
    skipping = LSTMSktimeForecaster(_panel_lstm()).fit(y.drop(index=skipped), X=X)
    by_hand = LSTMSktimeForecaster(_panel_lstm()).fit(with_nan, X=X)
    _, later = priced_panel(n_months=32)
    later = later[later.index.get_level_values("month") >= MONTHS[30]]
    pd.testing.assert_frame_equal(
        skipping.predict(fh=[1, 2], X=later), by_hand.predict(fh=[1, 2], X=later)
    )

    with pytest.raises(
        ValueError,
        match=r"^X lacks the covariates of 1 step\(s\) that y skips, such as "
        r"\[\('shop_1', Period\('2001-04', 'M'\)\)\]: fit takes",
    ):
        LSTMSktimeForecaster(_panel_lstm()).fit(
            y.drop(index=skipped), X=X.drop(index=[skipped[1]])
        )


def as_panel(series, key="shop_0"):
    """``series`` as a one-series panel (its rows keyed by ``key``)."""
    return pd.concat({key: series}, names=["shop"]).to_frame()


@pytest.mark.parametrize(
    "fitted_on, message",
    [("one series", "fitted on a single series"), ("panel", "fitted on a panel")],
)
def test_an_update_of_another_kind_is_refused_and_the_model_still_predicts(
    fitted_on, message
):
    # sktime recorded the update's data type before the adapter saw it, and
    # then gave every later forecast that type: predict failed in sktime.
    y = panel()
    first = y.loc["shop_0", "sales"][:50]
    new = y.loc["shop_0", "sales"][50:52]
    if fitted_on == "panel":
        first = as_panel(first)
    else:
        new = as_panel(new)
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(first)
    before = wrapped.predict(fh=[1, 2])

    with pytest.raises(ValueError, match=message):
        wrapped.update(new, update_params=False)
    assert wrapped.cutoff[0] == MONTHS[49]
    after = wrapped.predict(fh=[1, 2])
    assert type(after) is type(before)
    assert after.index.equals(before.index)
    np.testing.assert_array_equal(np.asarray(after), np.asarray(before))


@pytest.mark.parametrize(
    "call",
    [
        lambda model, y: model.update_predict_single(y, fh=[1], update_params=False),
        lambda model, y: model.update_predict(y, update_params=False),
        lambda model, y: model.update_predict(
            y, update_params=False, reset_forecaster=False
        ),
    ],
    ids=["update_predict_single", "update_predict", "update_predict-no-reset"],
)
def test_every_update_of_another_kind_is_refused_and_the_model_still_predicts(call):
    # sktime records the type of y in these before they call update: a
    # refused call still gave every later forecast the type of a panel.
    series = panel().loc["shop_0", "sales"]
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(series[:50])
    before = wrapped.predict(fh=[1, 2])

    with pytest.raises(ValueError, match="fitted on a single series"):
        call(wrapped, as_panel(series[50:52]))
    assert wrapped.cutoff[0] == MONTHS[49]
    pd.testing.assert_series_equal(wrapped.predict(fh=[1, 2]), before)


def two_columns(y):
    """``y`` (a Series or a one-column frame) beside twice its values."""
    values = y.iloc[:, 0] if isinstance(y, pd.DataFrame) else y
    return pd.DataFrame({"sales": values, "returns": 2 * values})


@pytest.mark.parametrize(
    "fitted_on, new, message",
    [
        # islice's "Indices for islice() must be None or an integer", and
        # every later forecast a DataFrame.
        ("one column", two_columns, r"fitted on one column .* \(y\['sales'\]\)"),
        # An AttributeError from the check of the index levels itself.
        ("two columns", lambda y: y.loc["shop_0"], r"pd.concat\(\{key: y\}"),
        # Taken, each column handed to the other's forecaster.
        ("two columns", lambda y: y[["returns", "sales"]], "in that order"),
    ],
    ids=["two-columns-for-one", "one-series-for-a-panel", "columns-reordered"],
)
def test_an_update_with_other_columns_is_refused_and_the_model_still_predicts(
    fitted_on, new, message
):
    y = panel()
    if fitted_on == "one column":
        y = y.loc["shop_0", "sales"]
        first, rest = y[:50], y[50:52]
    else:
        y = two_columns(y)
        month = y.index.get_level_values("month")
        first, rest = y[month < MONTHS[50]], y[month.isin(MONTHS[50:52])]
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(first)
    before = wrapped.predict(fh=[1, 2])

    with pytest.raises(ValueError, match=message):
        wrapped.update(new(rest), update_params=False)
    assert wrapped.cutoff[0] == MONTHS[49]
    after = wrapped.predict(fh=[1, 2])
    assert type(after) is type(before)
    assert after.index.equals(before.index)
    np.testing.assert_array_equal(np.asarray(after), np.asarray(before))


def test_days_in_a_time_zone_are_local_days_across_a_change_of_daylight_saving():
    # sktime's horizon adds 24 hours a day: in Paris, the days after
    # 2022-03-27 fell at 01:00, so X on the real days and an update with
    # them were refused, although the forecaster alone takes them.
    days = pd.date_range("2022-02-20", periods=50, freq="D", tz="Europe/Paris")
    y = pd.Series(SINE[:50].to_numpy(), index=days, name="y")
    X = pd.DataFrame({"price": np.cos(np.arange(50) / 5)}, index=days)
    wrapped = LSTMSktimeForecaster(tiny_forecaster()).fit(y[:35], X=X[:35])
    alone = tiny_forecaster().fit(X[:35], y[:35])

    forecast = wrapped.predict(fh=[1, 2, 3], X=X[35:])
    assert forecast.index.equals(days[35:38])
    np.testing.assert_array_equal(forecast, alone.predict(X[35:38]))

    wrapped.update(y[35:38], X=X[35:38], update_params=False)
    alone.update(X[35:38], y[35:38])
    assert wrapped.cutoff.equals(days[[37]])
    forecast = wrapped.predict(fh=[1, 2], X=X[38:])
    assert forecast.index.equals(days[38:40])
    np.testing.assert_array_equal(forecast, alone.predict(X[38:40]))


def test_a_lagging_series_in_a_time_zone_counts_the_hours_a_clock_change_skips():
    # sktime counts hours of local time: shop_1, two hours behind across
    # the skipped 02:00, was taken as three behind, forecast a step too far
    # and refused its real next hours.
    hours = pd.date_range("2022-03-25", periods=60, freq="h", tz="Europe/Paris")
    y = panel(lengths=(52, 50)).rename(
        index=dict(zip(MONTHS[:52], hours[:52], strict=True)), level="month"
    )
    wrapped = LSTMSktimeForecaster(_panel_lstm()).fit(y)
    alone = _panel_lstm().fit(
        np.empty((len(y), 0)),
        pd.Series(y["sales"].to_numpy(), index=y.index.get_level_values("month")),
        groups=y.index.get_level_values("shop"),
    )
    # shop_0's next hour, and shop_1's three up to it.
    shops = ["shop_0", "shop_1", "shop_1", "shop_1"]
    expected = alone.predict(np.empty((4, 0)), groups=shops)[[0, 3]]

    forecast = wrapped.predict(fh=[1])
    assert forecast.index.get_level_values("month").equals(hours[[52, 52]])
    np.testing.assert_array_equal(forecast["sales"], expected)

    shop_1 = panel(lengths=(60, 52)).loc[["shop_1"]][50:52]
    shop_1 = shop_1.set_axis(
        pd.MultiIndex.from_product([["shop_1"], hours[50:52]], names=y.index.names)
    )
    wrapped.update(shop_1, update_params=False)
    assert wrapped.cutoff.equals(hours[[51]])
    alone.update(
        np.empty((2, 0)),
        pd.Series(shop_1["sales"].to_numpy(), index=hours[50:52]),
        groups=["shop_1", "shop_1"],
    )
    expected = alone.predict(np.empty((2, 0)), groups=["shop_0", "shop_1"])
    np.testing.assert_array_equal(wrapped.predict(fh=[1])["sales"], expected)


# Days on which a zone's usual time of day does not exist, so pandas shifts
# it forward: Cairo's 2023-04-28 starts at 01:00, and Paris has no 02:30 on
# 2022-03-27 (03:00). Each with the place of that day among the dates.
LATE_DAYS = [
    pytest.param(
        pd.date_range("2023-04-10", periods=30, freq="D").tz_localize(
            "Africa/Cairo", nonexistent="shift_forward"
        ),
        18,
        id="Cairo-midnight",
    ),
    pytest.param(
        pd.date_range("2022-03-05 02:30", periods=40, freq="D").tz_localize(
            "Europe/Paris", nonexistent="shift_forward"
        ),
        22,
        id="Paris-02:30",
    ),
]


def _daily(days: pd.DatetimeIndex) -> pd.Series:
    return pd.Series(SINE[: len(days)].to_numpy(), index=days, name="y")


@pytest.mark.parametrize(("days", "late"), LATE_DAYS)
def test_a_series_ending_on_a_day_that_starts_late_goes_on_at_its_time_of_day(
    days, late
):
    # Stepped from the shifted end, every later day was labelled at 01:00
    # (03:00), and an update with the real next days was refused.
    assert days[late].hour != days[0].hour  # pandas shifted that day
    y = _daily(days)
    wrapped = LSTMSktimeForecaster(tiny_forecaster()).fit(y[: late + 1])
    alone = tiny_forecaster().fit(np.empty((late + 1, 0)), y[: late + 1])

    forecast = wrapped.predict(fh=[1, 2])
    assert forecast.index.equals(days[late + 1 : late + 3])
    expected = alone.predict_series(np.empty((2, 0)))
    pd.testing.assert_series_equal(forecast, expected, check_freq=False)

    wrapped.update(y[late + 1 : late + 3], update_params=False)
    alone.update(np.empty((2, 0)), y[late + 1 : late + 3])
    assert wrapped.cutoff.equals(days[[late + 2]])
    expected = alone.predict_series(np.empty((2, 0)))
    pd.testing.assert_series_equal(
        wrapped.predict(fh=[1, 2]), expected, check_freq=False
    )


@pytest.mark.parametrize(
    ("s0_ends", "s1_ends"), [(0, -3), (2, 0)], ids=["s0-ends-on-it", "s1-ends-on-it"]
)
@pytest.mark.parametrize(("days", "late"), LATE_DAYS)
def test_a_lagging_series_goes_on_across_a_day_that_starts_late(
    days, late, s0_ends, s1_ends
):
    # The series end on or around the shifted day (s0_ends and s1_ends
    # days after it): the lagging s1 was stepped from the shifted time, or
    # counted off the grid, and its real next days were refused.
    y = _daily(days)
    lag = s0_ends - s1_ends
    frames = {"s0": y[: late + s0_ends + 1], "s1": y[: late + s1_ends + 1]}
    data = pd.concat({k: v.to_frame() for k, v in frames.items()}, names=["shop", "t"])
    shops, times = (data.index.get_level_values(level) for level in ("shop", "t"))
    wrapped = LSTMSktimeForecaster(tiny_forecaster()).fit(data)
    alone = tiny_forecaster().fit(
        np.empty((len(data), 0)),
        pd.Series(data["y"].to_numpy(), index=times),
        groups=shops,
    )

    # s0's next two days, and s1's up to them.
    groups = ["s0"] * 2 + ["s1"] * (lag + 2)
    expected = alone.predict_series(np.empty((len(groups), 0)), groups=groups)
    forecast = wrapped.predict(fh=[1, 2])
    after_s0 = late + s0_ends + 1
    assert forecast.index.get_level_values("t").equals(
        days[[after_s0, after_s0 + 1] * 2]
    )
    np.testing.assert_array_equal(forecast["y"], expected.iloc[[0, 1, -2, -1]])

    # s1's real next days, up to the end of s0.
    rows = y[late + s1_ends + 1 : after_s0]
    new = pd.concat({"s1": rows.to_frame()}, names=["shop", "t"])
    wrapped.update(new, update_params=False)
    alone.update(np.empty((lag, 0)), rows, groups=["s1"] * lag)
    expected = alone.predict_series(np.empty((2, 0)), groups=["s0", "s1"])
    np.testing.assert_array_equal(wrapped.predict(fh=[1])["y"], expected)


@pytest.mark.parametrize(("days", "late"), LATE_DAYS)
def test_a_horizon_across_a_day_that_starts_late_is_forecast(days, late):
    # sktime's own conversion of the horizon localized the usual time of
    # day on the shifted day, and pytz raised NonExistentTimeError.
    y = _daily(days)
    wrapped = LSTMSktimeForecaster(tiny_forecaster()).fit(y[: late - 1])
    alone = tiny_forecaster().fit(np.empty((late - 1, 0)), y[: late - 1])

    forecast = wrapped.predict(fh=[1, 2, 3])
    assert forecast.index.equals(days[late - 1 : late + 2])
    expected = alone.predict_series(np.empty((3, 0)))
    pd.testing.assert_series_equal(forecast, expected, check_freq=False)

    quantiles = wrapped.predict_quantiles(fh=[1, 2, 3], alpha=[0.5])
    assert quantiles.index.equals(days[late - 1 : late + 2])
    np.testing.assert_array_equal(
        quantiles.to_numpy(), alone.predict_quantiles(np.empty((3, 0)), [0.5])
    )
