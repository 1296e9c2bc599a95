"""Missing values and time gaps: series with holes are learnt from and forecast."""

import pickle

import numpy as np
import pandas as pd
import pytest
from _factories import reloaded, tiny_forecaster, tiny_regressor
from sklearn.metrics import r2_score
from test_persistence import _tampered_file

import sklstm
from sklstm._series_transforms import fit_target_transform

RNG = np.random.default_rng(0)
N = 60


def wave(n=N, phase=0.0, level=5.0):
    return level + np.sin(0.5 * np.arange(n) + phase) + 0.05 * RNG.normal(size=n)


def holed(values, *where):
    values = np.array(values, dtype=float)
    values[list(where)] = np.nan
    return values


def no_covariates(n):
    return np.empty((n, 0))


def panel_with_holes():
    """Three series: holes in the middle, at the start, and at the end."""
    series = {
        "a": holed(wave(), 7, 8, 9, 30),
        "b": holed(wave(50, phase=1.0, level=20.0), 0, 1, 2, 25),
        "c": holed(wave(45, phase=2.0), 40, 41, 42, 43, 44),  # its last values
    }
    y = np.concatenate(list(series.values()))
    groups = np.repeat(list(series), [len(v) for v in series.values()])
    return no_covariates(len(y)), y, groups


# ------------------------------------------------------------ forecasting


def test_a_series_with_holes_gets_finite_forecasts_and_intervals():
    y = holed(wave(), 5, 20, 21, 22, 58, 59)  # the last two values missing
    # Its intervals are those of steps 3 and 4 after its last value seen: a
    # tail long enough to calibrate them.
    forecaster = tiny_forecaster(lookback=6, validation_fraction=0.2)
    forecaster.fit(no_covariates(N), y)
    forecast = forecaster.predict(no_covariates(4))
    assert np.isfinite(forecast).all()
    assert np.isfinite(forecaster.predict_interval(no_covariates(2), 0.7)).all()


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_a_hole_in_the_held_out_tail_still_leaves_the_horizon_calibrated(strategy):
    # fit grows the held-out tail until it gives the 9 errors coverage 0.9
    # needs at step `horizon`; a missing truth gives none there, so the tail
    # grows one origin further (it stopped one short, and predict_interval
    # refused the horizon the forecaster was fitted for).
    y = holed(wave(80), 75)  # the fifth value from the end
    forecaster = tiny_forecaster(lookback=6, horizon=6, strategy=strategy)
    forecaster.fit(no_covariates(80), y)
    errors = np.count_nonzero(~np.isnan(forecaster.calibration_residuals_), axis=0)
    assert errors[5] == 9  # the shortest tail that gives them
    intervals = forecaster.predict_interval(no_covariates(6), 0.9)
    assert intervals.shape == (6, 2) and np.isfinite(intervals).all()


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_a_panel_with_holes_gets_finite_forecasts_for_every_series(strategy):
    X, y, groups = panel_with_holes()
    forecaster = tiny_forecaster(
        lookback=6, horizon=3, strategy=strategy, n_networks=2
    ).fit(X, y, groups=groups)
    future = np.repeat(["a", "b", "c"], 4)
    forecast = forecaster.predict(no_covariates(12), groups=future)
    assert np.isfinite(forecast).all()
    # Each series keeps its own level: b lives near 20, the others near 5.
    assert np.abs(forecast[future == "b"] - 20).max() < 5
    assert np.abs(forecast[future == "c"] - 5).max() < 5


def test_a_missing_target_does_not_change_what_the_network_learns():
    # Series b ends with a missing value: it is only the target of b's last
    # window, which must not train. The fit equals the fit without that row.
    a = holed(wave(), 20)  # a hole in both fits: both read the mask
    b = wave(40, phase=1.0)
    params = dict(
        lookback=4,
        n_networks=1,
        season_length=None,
        series_scaling="standard",
        standardize=False,
        early_stopping=False,
        batch_size=1000,
    )

    def fit_and_forecast(b_values):
        y = np.concatenate([a, b_values])
        groups = np.repeat(["a", "b"], [len(a), len(b_values)])
        forecaster = tiny_forecaster(**params).fit(
            no_covariates(len(y)), y, groups=groups
        )
        return forecaster.predict(no_covariates(3), groups=["a"] * 3)

    with_missing_target = fit_and_forecast(np.r_[b, np.nan])
    without_that_row = fit_and_forecast(b)
    np.testing.assert_allclose(with_missing_target, without_that_row, atol=1e-3)
    observed_there = fit_and_forecast(np.r_[b, 50.0])  # would it have counted?
    assert np.abs(observed_there - without_that_row).max() > 0.05


def test_a_series_entirely_missing_is_refused_by_name():
    X, y, groups = panel_with_holes()
    y[groups == "b"] = np.nan
    with pytest.raises(ValueError, match=r"Every value of series \['b'\] is missing"):
        tiny_forecaster().fit(X, y, groups=groups)


def test_score_leaves_missing_truths_out():
    forecaster = tiny_forecaster(lookback=6).fit(no_covariates(N), wave())
    truth = wave(8)
    forecast = forecaster.predict(no_covariates(8))
    observed = np.ones(8, dtype=bool)
    observed[[2, 5]] = False
    score = forecaster.score(no_covariates(8), np.where(observed, truth, np.nan))
    assert score == pytest.approx(r2_score(truth[observed], forecast[observed]))


def test_update_with_holes_continues_every_series_and_refuses_an_empty_new_one():
    X, y, groups = panel_with_holes()
    forecaster = tiny_forecaster(lookback=6, n_networks=1).fit(X, y, groups=groups)
    # a: all new values missing; c: one observed after its missing tail.
    new_groups = np.array(["a", "a", "c", "c", "d", "d", "d"])
    forecaster.update(
        no_covariates(7),
        np.array([np.nan, np.nan, np.nan, 5.5, np.nan, 4.0, 4.2]),
        groups=new_groups,
    )
    forecast = forecaster.predict(
        no_covariates(6), groups=np.repeat(["a", "c", "d"], 2)
    )
    assert np.isfinite(forecast).all()
    with pytest.raises(ValueError, match=r"Every value of series \['e'\] is missing"):
        forecaster.update(
            no_covariates(3), np.array([5.0, np.nan, np.nan]), groups=["a", "e", "e"]
        )


def test_an_update_of_only_missing_values_moves_the_series_on_like_one_update():
    # Two months with no observation, recorded as they pass, then a value:
    # the same forecast as the three steps given at once.
    y = wave()
    fitted = tiny_forecaster(lookback=6).fit(no_covariates(N), y)
    as_they_come = pickle.loads(pickle.dumps(fitted))
    as_they_come.update(no_covariates(2), np.array([np.nan, np.nan]))
    as_they_come.update(no_covariates(1), np.array([5.5]))
    at_once = fitted.update(no_covariates(3), np.array([np.nan, np.nan, 5.5]))
    np.testing.assert_array_equal(
        as_they_come.predict(no_covariates(3)), at_once.predict(no_covariates(3))
    )


def test_a_forecaster_fitted_without_holes_forecasts_after_an_update_with_them():
    forecaster = tiny_forecaster(lookback=6).fit(no_covariates(N), wave())
    forecaster.update(no_covariates(3), np.array([5.0, np.nan, np.nan]))
    assert np.isfinite(forecaster.predict(no_covariates(3))).all()


def test_a_warm_start_cannot_add_a_mask_the_fitted_networks_never_read():
    forecaster = tiny_forecaster(lookback=6).fit(no_covariates(N), wave())
    forecaster.set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"warm_start=False to learn from the holes"):
        forecaster.fit(no_covariates(N), holed(wave(), 10))


def test_the_mask_of_missing_values_survives_pickling_and_saving(tmp_path):
    X, y, groups = panel_with_holes()
    forecaster = tiny_forecaster(lookback=6, n_networks=1).fit(X, y, groups=groups)
    future = np.repeat(["a", "b", "c"], 3)
    expected = forecaster.predict(no_covariates(9), groups=future)
    path = tmp_path / "holes.zip"
    sklstm.save(forecaster, path)
    for restored in (pickle.loads(pickle.dumps(forecaster)), sklstm.load(path)):
        np.testing.assert_array_equal(
            restored.predict(no_covariates(9), groups=future), expected
        )
    # Without its mask, series c (whose last values are missing) would be
    # forecast from a history the network reads differently.
    unmasked = pickle.loads(pickle.dumps(forecaster))
    unmasked._series_missing = np.zeros_like(unmasked._series_missing)
    changed = unmasked.predict(no_covariates(9), groups=future)
    assert not np.allclose(changed[future == "c"], expected[future == "c"])


def test_a_forecaster_that_reads_a_mask_is_not_exported_to_onnx():
    forecaster = tiny_forecaster(lookback=6).fit(no_covariates(N), holed(wave(), 9))
    with pytest.raises(ValueError, match=r"missing values.*mask"):
        sklstm.to_onnx(forecaster)


# ------------------------------------------------------ transforms ignore holes


def test_the_scaling_is_that_of_the_observed_values():
    values = wave()
    missing = np.zeros(N, dtype=bool)
    missing[[3, 17, 40, 41]] = True
    with_holes = fit_target_transform(
        [np.where(missing, np.nan, values)], np.array([0]), "standard", None
    )
    observed_only = fit_target_transform(
        [values[~missing]], np.array([0]), "standard", None
    )
    np.testing.assert_allclose(
        with_holes.scaling.params, observed_only.scaling.params, rtol=1e-12
    )


def test_the_season_is_found_despite_holes():
    # Its own generator: drawn from the module's, whether it passed hung on
    # the tests run before it (the factors miss by more than 0.02 in about
    # one draw in nine, a hole moving the moving average around it).
    rng = np.random.default_rng(0)
    season = np.tile([0.0, 3.0, 1.0, -2.0], 20)
    values = 10 + season + 0.05 * rng.normal(size=80)
    values[rng.choice(80, 8, replace=False)] = np.nan
    transform = fit_target_transform([values], np.array([0]), "none", 4)
    factors = transform.season.components[0]  # multiplicative: positive series
    level = 10 + season[:4]  # column k: steps k, k + 4, ... after the end
    expected = level / level.mean()
    np.testing.assert_allclose(factors, expected, atol=0.02)


def test_the_season_length_of_a_collection_is_found_despite_holes():
    from sklstm._seasonality import detect_season_length

    # A change needs two observed values, a product of changes four: with
    # 30 % missing, a quarter of the products are left. Five series of
    # noise 0.2 found 12 in 61 of 100 draws (here, whether it passed hung on
    # the draws of the tests before); twenty of noise 0.1 find it in all.
    rng = np.random.default_rng(0)
    months = np.arange(96)
    collection = []
    for phase in range(20):
        values = np.sin(months * np.pi / 6 + phase) + 0.1 * rng.normal(size=96)
        values[rng.choice(96, 29, replace=False)] = np.nan  # 30 % missing
        collection.append(values)
    assert detect_season_length(collection, max_lag=24) == 12


# ------------------------------------------------------------- time gaps


def monthly(n=N):
    return pd.date_range("2001-01-01", periods=n, freq="MS")


def test_a_gap_in_a_date_index_becomes_missing_rows():
    months = monthly()
    y = pd.Series(wave(), index=months, name="demand")
    gaps = [10, 11, 35]
    skipped = y.drop(months[gaps])
    with_gap = tiny_forecaster(lookback=6).fit(
        pd.DataFrame(index=skipped.index), skipped
    )
    explicit = tiny_forecaster(lookback=6).fit(
        pd.DataFrame(index=months), y.where(~y.index.isin(months[gaps]))
    )
    np.testing.assert_array_equal(
        with_gap.predict(no_covariates(3)), explicit.predict(no_covariates(3))
    )
    forecast = with_gap.predict_series(no_covariates(2))
    assert forecast.index[0] == pd.Timestamp("2006-01-01")


def test_update_after_a_gap_in_the_dates_continues_with_missing_rows():
    months = monthly(N + 6)
    y = pd.Series(wave(N + 6), index=months)
    fitted = tiny_forecaster(lookback=6).fit(pd.DataFrame(index=months[:N]), y[:N])
    explicit = pickle.loads(pickle.dumps(fitted))
    # Two months after the end are skipped: they are missing, not closed up.
    later = y.iloc[N + 2 :]
    fitted.update(pd.DataFrame(index=later.index), later)
    explicit.update(
        pd.DataFrame(index=months[N:]), y[N:].where(months[N:] >= months[N + 2])
    )
    np.testing.assert_array_equal(
        fitted.predict(no_covariates(3)), explicit.predict(no_covariates(3))
    )
    assert fitted.predict_series(no_covariates(1)).index[0] == months[-1] + months.freq


def assert_skipped_times_are_missing_values(first: pd.Index, second: pd.Index):
    """Two series on these 40 times each forecast alike with rows 5, 6 and
    62 left out and with their values NaN."""
    frame = pd.DataFrame(
        {
            "y": np.r_[wave(40), wave(40, phase=1.0)],
            "series": np.repeat(["a", "b"], 40),
        },
        index=first.append(second),
    )
    dropped = frame.iloc[np.setdiff1d(np.arange(80), [5, 6, 62])]
    y_explicit = frame["y"].copy()
    y_explicit.iloc[[5, 6, 62]] = np.nan

    def forecast(data, y):
        forecaster = tiny_forecaster(lookback=6, n_networks=1).fit(
            pd.DataFrame(index=data.index), y, groups=data["series"].to_numpy()
        )
        return forecaster.predict_series(no_covariates(2), groups=["a", "b"])

    np.testing.assert_array_equal(
        forecast(dropped, dropped["y"]).to_numpy(),
        forecast(frame, y_explicit).to_numpy(),
    )


def test_gaps_in_periods_of_several_series_become_missing_rows():
    periods = pd.period_range("2001-01", periods=40, freq="M")
    assert_skipped_times_are_missing_values(periods, periods)


def test_gaps_in_the_dates_of_series_decades_apart_become_missing_rows():
    # Too far apart to place both on one grid of days: each gets its own.
    assert_skipped_times_are_missing_values(
        pd.date_range("2001-01-01", periods=40, freq="D"),
        pd.date_range("2041-01-01", periods=40, freq="D"),
    )


@pytest.mark.parametrize(
    "second_start",
    ["2001-01-01", "2041-01-01"],  # one grid for both; a grid of their own
    ids=["side by side", "decades apart"],
)
def test_update_after_gaps_in_the_dates_of_several_series_adds_missing_rows(
    second_start,
):
    first = pd.date_range("2001-01-01", periods=46, freq="D")
    second = pd.date_range(second_start, periods=46, freq="D")
    y = pd.Series(np.r_[wave(46), wave(46, phase=1.0)], index=first.append(second))
    groups = np.repeat(["a", "b"], 46)
    old, new = np.r_[0:40, 46:86], np.r_[40:46, 86:92]
    fitted = tiny_forecaster(lookback=6, n_networks=1).fit(
        pd.DataFrame(index=y.index[old]), y.iloc[old], groups=groups[old]
    )
    explicit = pickle.loads(pickle.dumps(fitted))
    skipped = np.setdiff1d(new, [41, 88])  # a day of each series
    fitted.update(
        pd.DataFrame(index=y.index[skipped]), y.iloc[skipped], groups=groups[skipped]
    )
    holed = y.iloc[new].where(~np.isin(new, [41, 88]))
    explicit.update(pd.DataFrame(index=holed.index), holed, groups=groups[new])
    future = np.empty((4, 0)), np.repeat(["a", "b"], 2)
    np.testing.assert_array_equal(
        fitted.predict(future[0], groups=future[1]),
        explicit.predict(future[0], groups=future[1]),
    )
    np.testing.assert_array_equal(fitted._series_missing, explicit._series_missing)
    assert fitted._series_missing.sum() == 2  # the skipped day of each


def test_a_new_series_of_a_coarser_frequency_is_refused_by_update_as_by_fit():
    # update took quarters among months as months with two missing between,
    # and dated the quarterly series' forecasts monthly.
    months = pd.date_range("2000-01-01", periods=40, freq="MS")
    y = pd.Series(np.r_[wave(40), wave(40, phase=1.0)], index=months.append(months))
    groups = np.repeat(["a", "b"], 40)
    quarters = pd.date_range("2001-01-01", periods=6, freq="QS")
    quarterly = pd.Series(wave(6), index=quarters)
    message = r"series 'q' is not regular: after 2001-01-01.* comes 2001-04-01"
    with pytest.raises(ValueError, match=message):
        tiny_forecaster(lookback=4, n_networks=1).fit(
            pd.DataFrame(index=y.index.append(quarters)),
            pd.concat([y, quarterly]),
            groups=np.r_[groups, ["q"] * 6],
        )
    fitted = tiny_forecaster(lookback=4, n_networks=1).fit(
        pd.DataFrame(index=y.index), y, groups=groups
    )
    with pytest.raises(ValueError, match=message):
        fitted.update(pd.DataFrame(index=quarters), quarterly, groups=["q"] * 6)
    assert fitted.series_.tolist() == ["a", "b"]


def test_a_panel_of_business_days_is_forecast_on_business_days():
    # Three business days in a row look daily; a weekend is not a gap.
    a = pd.bdate_range("2020-01-01", periods=30)
    b = pd.bdate_range("2020-02-03", periods=30)  # ends on a Friday
    y = pd.Series(np.r_[wave(30), wave(30, phase=1.0)], index=a.append(b))
    groups = np.repeat(["a", "b"], 30)
    with_dates = tiny_forecaster(lookback=6, n_networks=1).fit(
        pd.DataFrame(index=y.index), y, groups=groups
    )
    plain = tiny_forecaster(lookback=6, n_networks=1).fit(
        no_covariates(60), y.to_numpy(), groups=groups
    )
    forecast = with_dates.predict_series(no_covariates(2), groups=["b", "b"])
    assert b[-1].day_name() == "Friday"
    assert list(forecast.index.get_level_values(-1)) == list(
        pd.bdate_range(b[-1], periods=3)[1:]
    )
    np.testing.assert_array_equal(
        forecast.to_numpy(), plain.predict(no_covariates(2), groups=["b", "b"])
    )


def test_a_gap_with_covariates_is_refused_with_what_to_do():
    months = monthly()
    y = pd.Series(wave(), index=months).drop(months[[10]])
    X = pd.DataFrame({"price": np.ones(N - 1)}, index=y.index)
    with pytest.raises(ValueError, match=r"skips 1 step.*Give X on the full grid"):
        tiny_forecaster().fit(X, y)


def test_dates_without_a_regular_frequency_are_refused():
    days = pd.DatetimeIndex(
        ["2001-01-01", "2001-01-04", "2001-01-05", "2001-02-11", "2001-03-01"] * 1
    )
    y = pd.Series(np.arange(5.0), index=days)
    with pytest.raises(ValueError, match=r"no regular frequency.*resample or asfreq"):
        tiny_forecaster(lookback=2).fit(pd.DataFrame(index=days), y)


def test_semi_monthly_dates_without_their_frequency_are_refused_for_what_they_lack():
    # pandas infers no frequency from the 1st and 15th of each month: the
    # refusal named one they never followed ("not a date of the frequency
    # 2W-THU"), from three dates that happened to lie two weeks apart.
    given = pd.date_range("2001-01-01", periods=60, freq="SMS")
    dates = pd.DatetimeIndex(list(given))  # as read from a file: no freq
    y = pd.Series(wave(60), index=dates)
    with pytest.raises(ValueError, match=r"no regular frequency.*'SMS'") as refused:
        tiny_forecaster(lookback=6).fit(pd.DataFrame(index=dates), y)
    assert "2W" not in str(refused.value)
    # What it says to do is forecast on the semi-monthly grid.
    y = y.asfreq("SMS")
    forecaster = tiny_forecaster(lookback=6).fit(pd.DataFrame(index=y.index), y)
    after = pd.date_range(given[-1], periods=3, freq="SMS")[1:]
    assert list(forecaster.predict_series(no_covariates(2)).index) == list(after)


# ------------------------------------------------------------- covariates


@pytest.mark.parametrize("at", ["fit", "predict"])
def test_missing_covariates_are_refused_naming_the_column(at):
    X = pd.DataFrame({"price": np.ones(N), "promo": np.zeros(N)})
    forecaster = tiny_forecaster()
    if at == "fit":
        X.loc[4, "promo"] = np.nan
        with pytest.raises(ValueError, match=r"column\(s\) \['promo'\].*complete"):
            forecaster.fit(X, wave())
        return
    forecaster.fit(X, wave())
    future = pd.DataFrame({"price": [np.nan, np.nan], "promo": [0.0, 0.0]})
    with pytest.raises(ValueError, match=r"\['price'\] \(\['price'\] entirely\)"):
        forecaster.predict(future)


def test_missing_values_of_nullable_covariates_are_refused_naming_the_column():
    # pd.NA cannot be read as a float: the column was not named.
    X = pd.DataFrame({"price": np.ones(N), "promo": np.zeros(N)})
    X = X.astype({"promo": "Float64"})
    X.loc[4, "promo"] = pd.NA
    with pytest.raises(ValueError, match=r"column\(s\) \['promo'\].*complete"):
        tiny_forecaster().fit(X, wave())


# -------------------------------------------------------------- regressor


def test_the_regressor_does_not_train_on_a_missing_target():
    # A one-row series whose target is missing: its window never trains, so
    # the fit is the fit without it.
    X = RNG.normal(size=(40, 2))
    y = X[:, 0] - X[:, 1] + 0.1 * RNG.normal(size=40)
    params = dict(early_stopping=False, standardize=False, batch_size=100)
    with_missing = tiny_regressor(**params).fit(
        np.r_[X, [[3.0, -3.0]]], np.r_[y, np.nan], groups=np.r_[np.zeros(40), 1]
    )
    without = tiny_regressor(**params).fit(X, y, groups=np.zeros(40))
    observed = tiny_regressor(**params).fit(
        np.r_[X, [[3.0, -3.0]]], np.r_[y, 50.0], groups=np.r_[np.zeros(40), 1]
    )
    expected = without.predict(X)
    # Float32 rounding apart (Adam's first steps magnify it), the same fit;
    # an observed target there moves it far more.
    np.testing.assert_allclose(with_missing.predict(X), expected, atol=1e-3)
    assert np.abs(observed.predict(X) - expected).max() > 0.05


def rows_whose_last_targets_are_not_known_yet(n_unknown):
    X = RNG.normal(size=(100, 2))
    y = X[:, 0] - X[:, 1] + 0.1 * RNG.normal(size=100)
    y[len(y) - n_unknown :] = np.nan
    return X, y


def test_auto_early_stopping_trains_on_all_rows_when_the_held_out_targets_are_missing():
    # The last 10 % held out had no observed target: the validation loss was
    # 0 at every epoch, and training stopped after the patience, unjudged.
    X, y = rows_whose_last_targets_are_not_known_yet(10)
    model = tiny_regressor(early_stopping="auto", max_iter=6).fit(X, y)
    unjudged = tiny_regressor(early_stopping=False, max_iter=6).fit(X, y)
    assert model.validation_loss_curve_ is None
    np.testing.assert_array_equal(model.predict(X), unjudged.predict(X))


def test_early_stopping_on_held_out_targets_all_missing_is_refused():
    X, y = rows_whose_last_targets_are_not_known_yet(10)
    with pytest.raises(ValueError, match=r"every target there is missing.*Drop"):
        tiny_regressor(early_stopping=True).fit(X, y)
    with pytest.warns(UserWarning, match="single row with an observed target"):
        tiny_regressor(early_stopping=True).fit(
            *rows_whose_last_targets_are_not_known_yet(9)
        )


def test_held_out_rows_of_weight_0_still_validate_when_a_target_is_missing():
    # Validation is unweighted. One missing target anywhere turned the weights
    # into a table whose zeros were read as missing targets: the held-out rows
    # of weight 0 then left no row to validate on (a loss of 0 every epoch).
    X, y = rows_whose_last_targets_are_not_known_yet(0)
    weights = np.r_[np.ones(90), np.zeros(10)]
    holed = y.copy()
    holed[5] = np.nan
    model = tiny_regressor(max_iter=4, early_stopping=True)
    model.fit(X, holed, sample_weight=weights)
    complete = tiny_regressor(max_iter=4, early_stopping=True)
    complete.fit(X, y, sample_weight=weights)
    assert min(model.validation_loss_curve_) > 0
    np.testing.assert_allclose(
        model.validation_loss_curve_, complete.validation_loss_curve_, rtol=0.5
    )
    assert np.count_nonzero(~np.isnan(model.calibration_residuals_)) == 10
    assert np.isfinite(model.predict_interval(X[:3], coverage=0.8)).all()


def random_walks(n_series=6, length=120):
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.normal(size=length).cumsum() for _ in range(n_series)])
    return np.empty((len(y), 0)), y, np.repeat(np.arange(n_series), length)


@pytest.fixture(scope="module")
def walks_forecaster():
    X, y, groups = random_walks()
    return tiny_forecaster(lookback=8, horizon=6).fit(X, y, groups=groups)


def test_a_forecast_after_missing_values_is_as_uncertain_as_one_further_ahead(
    walks_forecaster,
):
    # Its truth is 4 steps after the last value seen: the interval kept the
    # width of one step ahead, and covered a random walk's steps ever less.
    complete = walks_forecaster.predict_interval(np.empty((6, 0)), groups=[0] * 6)
    unseen = pickle.loads(pickle.dumps(walks_forecaster))
    unseen.update(np.empty((3, 0)), np.full(3, np.nan), groups=[0, 0, 0])
    after_holes = unseen.predict_interval(np.empty((2, 0)), groups=[0, 0])
    np.testing.assert_allclose(np.diff(after_holes), np.diff(complete)[3:5])
    quantiles = unseen.predict_quantiles(np.empty((2, 0)), (0.05, 0.95), groups=[0, 0])
    np.testing.assert_allclose(np.diff(quantiles), np.diff(complete)[3:5])


def test_a_step_that_missing_values_put_beyond_the_tail_says_so(walks_forecaster):
    # The tail calibrates 11 steps at 0.9: 4 steps after 8 missing values
    # are 12 steps after the last one seen.
    assert walks_forecaster.predict_interval(np.empty((4, 0)), groups=[1] * 4).shape
    unseen = pickle.loads(pickle.dumps(walks_forecaster))
    unseen.update(np.empty((8, 0)), np.full(8, np.nan), groups=[1] * 8)
    with pytest.raises(
        ValueError, match=r"last 8 value\(s\) of series 1 are missing.*update the"
    ) as refused:
        unseen.predict_interval(np.empty((4, 0)), groups=[1] * 4)
    # It counted the 12 steps as asked for.
    assert (
        "(4 were asked for series 1, 12 counted from its last observed value.)"
        in str(refused.value)
    )
    with pytest.raises(ValueError, match=r"^coverage must be a probability"):
        unseen.predict_interval(np.empty((1, 0)), 1.5, groups=[1])


def test_missing_values_beyond_the_kept_history_still_count_for_the_intervals(
    walks_forecaster,
):
    # The forecaster keeps the last 9 values of a series (lookback 8, one
    # more for relative windows). Ten missing values, given in two updates,
    # counted as 9: the next step got the width of 10 steps ahead, not 11.
    complete = walks_forecaster.predict_interval(np.empty((11, 0)), groups=[0] * 11)
    unseen = pickle.loads(pickle.dumps(walks_forecaster))
    for _ in range(2):
        unseen.update(np.empty((5, 0)), np.full(5, np.nan), groups=[0] * 5)
    after_holes = unseen.predict_interval(np.empty((1, 0)), groups=[0])
    np.testing.assert_allclose(np.diff(after_holes), np.diff(complete)[10:])
    with pytest.raises(ValueError, match=r"last 10 value\(s\) of series 0"):
        unseen.predict_interval(np.empty((2, 0)), groups=[0, 0])
    # A value seen again ends the run.
    unseen.update(np.empty((1, 0)), [complete[0, 0]], groups=[0])
    assert unseen.predict_interval(np.empty((11, 0)), groups=[0] * 11).shape


@pytest.mark.parametrize("round_trip", ["pickle", "save"])
def test_a_fit_counts_all_the_missing_values_at_a_series_end(
    ends_unseen, round_trip, tmp_path
):
    model = reloaded(ends_unseen, round_trip, tmp_path)
    np.testing.assert_array_equal(model._series_missing_run, [0, 0, 10, 0, 0, 0])
    with pytest.raises(ValueError, match=r"last 10 value\(s\) of series 2"):
        model.predict_interval(np.empty((2, 0)), groups=[2, 2])
    assert model.predict_interval(np.empty((1, 0)), groups=[2]).shape == (1, 2)


def test_a_refusal_the_missing_end_does_not_cause_does_not_blame_it(ends_unseen):
    # coverage 0.999 needs 999 held-out errors: no update of series 2 can
    # help, yet the refusal said its missing values were the cause.
    rows = np.empty((1, 0))
    refusals = []
    for ask in (
        lambda: ends_unseen.predict_interval(rows, 0.999, groups=[2]),
        lambda: ends_unseen.predict_quantiles(rows, (0.0005, 0.5), groups=[2]),
    ):
        with pytest.raises(ValueError, match="needs at least 999 held-out") as refused:
            ask()
        refusals.append(str(refused.value))
    assert not any(message.startswith("The last") for message in refusals)
    assert not any("latest values" in message for message in refusals)
    # The same coverage over a series without missing values: the same reason.
    with pytest.raises(ValueError, match="needs at least 999 held-out"):
        ends_unseen.predict_interval(rows, 0.999, groups=[0])


ASKED_AFTER_TWO_MISSING = (
    "(3 were asked for series 0, 5 counted from its last observed value, as "
    "its last 2 value(s) are missing.)"
)


@pytest.mark.parametrize(
    "ask",
    [
        lambda model: model.predict_interval(np.empty((3, 0)), coverage=0.999),
        lambda model: model.predict_quantiles(np.empty((3, 0)), (0.0005, 0.5)),
    ],
    ids=["interval", "quantiles"],
)
def test_a_refusal_tells_the_steps_asked_from_those_the_missing_end_adds(ask):
    # 3 steps were asked for, and the refusal said "5 were asked for": it
    # counted the 2 missing values without a word about them.
    y = wave(80)
    y[-2:] = np.nan
    model = tiny_forecaster(horizon=3).fit(no_covariates(80), y)
    with pytest.raises(ValueError, match="needs at least 999 held-out") as refused:
        ask(model)
    message = str(refused.value)
    assert ASKED_AFTER_TWO_MISSING in message
    # What it takes stays counted from the last observed value.
    assert "a tail of 5 + 999 - 1 = 1003 windows" in message


def test_a_panel_refusal_names_the_series_whose_missing_end_adds_steps(ends_unseen):
    # Series 2 misses its last 10 values: its 2 steps are the 12th from its
    # last observed value, beyond the 3 steps of series 0.
    rows, groups = np.empty((5, 0)), [0, 0, 0, 2, 2]
    with pytest.raises(ValueError, match="needs at least 999 held-out") as refused:
        ends_unseen.predict_interval(rows, 0.999, groups=groups)
    assert (
        "(2 were asked for series 2, 12 counted from its last observed value, "
        "as its last 10 value(s) are missing.)" in str(refused.value)
    )
    # Series 0 asks for 13 steps, as many as are counted: nothing to add.
    groups = [0] * 13 + [2]
    with pytest.raises(ValueError, match="needs at least 999 held-out") as refused:
        ends_unseen.predict_interval(np.empty((14, 0)), 0.999, groups=groups)
    assert "and 13 were asked for. Step h" in str(refused.value)
    assert "counted from" not in str(refused.value)


@pytest.fixture(scope="module")
def ends_unseen():
    """A forecaster of random walks whose series 2 misses its last 10 values."""
    X, y, groups = random_walks()
    y[np.flatnonzero(groups == 2)[-10:]] = np.nan
    return tiny_forecaster(lookback=8, horizon=6).fit(X, y, groups=groups)


def _set_missing_run(run):
    def edit(document, arrays):
        if run is None:
            document["estimator"]["fitted"]["_series_missing_run"] = None
            del arrays["_series_missing_run"]
        else:
            arrays["_series_missing_run"] = np.asarray(run, dtype=np.float64)

    return edit


@pytest.mark.parametrize(
    "run", [[0, 0, 3, 0, 0, 0], [0, 0, 10, 0, 0, -1], [0, 0, 10.5, 0, 0, 0]]
)
def test_load_refuses_runs_of_missing_values_the_mask_does_not_show(
    ends_unseen, run, tmp_path
):
    with pytest.raises(ValueError, match=r"runs of missing values"):
        sklstm.load(_tampered_file(tmp_path, _set_missing_run(run), ends_unseen))


def test_a_file_without_the_runs_counts_the_missing_values_its_history_shows(
    ends_unseen, tmp_path
):
    # Files saved before the runs were kept: as many as the 9 values kept.
    loaded = sklstm.load(_tampered_file(tmp_path, _set_missing_run(None), ends_unseen))
    assert loaded._series_missing_run is None
    assert loaded.predict_interval(np.empty((2, 0)), groups=[2, 2]).shape == (2, 2)
    with pytest.raises(ValueError, match=r"last 9 value\(s\) of series 2"):
        loaded.predict_interval(np.empty((3, 0)), groups=[2] * 3)


def test_the_regressor_learns_the_observed_outputs_of_partly_missing_rows():
    X = RNG.normal(size=(80, 2))
    y = np.column_stack([X[:, 0], X[:, 1]])
    y[::3, 0] = np.nan
    model = tiny_regressor(max_iter=5, early_stopping=True).fit(X, y)
    assert np.isfinite(model.predict(X)).all()
    assert np.isfinite(model.predict_interval(X, coverage=0.5)).all()


def regressor_and_rows():
    """A tiny regressor fitted on rows, and new rows with their targets."""
    X = RNG.normal(size=(70, 2))
    y = X[:, 0] - X[:, 1] + 0.1 * RNG.normal(size=70)
    model = tiny_regressor(max_iter=5).fit(X[:50], y[:50])
    return model, X[50:], y[50:]


def test_the_regressor_score_leaves_missing_truths_out():
    model, X, truth = regressor_and_rows()
    prediction = model.predict(X)
    observed = np.ones(len(truth), dtype=bool)
    observed[[1, 6, 7, 15]] = False
    score = model.score(X, np.where(observed, truth, np.nan))
    assert score == pytest.approx(r2_score(truth[observed], prediction[observed]))


def test_the_regressor_score_weighs_the_rows_it_keeps():
    model, X, truth = regressor_and_rows()
    prediction = model.predict(X)
    observed = np.ones(len(truth), dtype=bool)
    observed[[0, 9]] = False
    weights = np.linspace(0.1, 3.0, len(truth))
    score = model.score(X, np.where(observed, truth, np.nan), sample_weight=weights)
    expected = r2_score(
        truth[observed], prediction[observed], sample_weight=weights[observed]
    )
    assert score == pytest.approx(expected)
    assert score != pytest.approx(r2_score(truth[observed], prediction[observed]))


def test_the_regressor_score_leaves_out_each_outputs_missing_truths():
    # As fit weighs them: output by output, so a row with one output missing
    # still scores its other output.
    X = RNG.normal(size=(90, 2))
    y = np.column_stack([X[:, 0] + X[:, 1], X[:, 0] - X[:, 1]])
    model = tiny_regressor(max_iter=5).fit(X[:60], y[:60])
    truth, prediction = y[60:], model.predict(X[60:])
    holed_truth = truth.copy()
    holed_truth[::4, 0] = np.nan
    holed_truth[[3, 10], 1] = np.nan
    observed = ~np.isnan(holed_truth)
    expected = np.mean(
        [
            r2_score(truth[observed[:, k], k], prediction[observed[:, k], k])
            for k in (0, 1)
        ]
    )
    assert model.score(X[60:], holed_truth) == pytest.approx(expected)


@pytest.mark.parametrize("outputs", [1, 2])
def test_a_regressor_score_with_every_truth_missing_is_refused(outputs):
    X = RNG.normal(size=(40, 2))
    y = np.column_stack([X[:, 0], X[:, 1]])[:, :outputs].squeeze()
    model = tiny_regressor().fit(X, y)
    truth = np.array(y[:10], dtype=float)
    if outputs == 1:
        truth[:] = np.nan
    else:
        truth[:, 1] = np.nan
    with pytest.raises(
        ValueError, match=r"is missing \(NaN\): there is nothing to score"
    ):
        model.score(X[:10], truth)


def test_a_forecaster_score_with_every_truth_missing_is_refused():
    forecaster = tiny_forecaster(lookback=6).fit(no_covariates(N), wave())
    with pytest.raises(ValueError, match="there is nothing to score"):
        forecaster.score(no_covariates(4), np.full(4, np.nan))


def test_the_regressor_score_still_refuses_missing_values_in_x():
    model, X, truth = regressor_and_rows()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.score(X, np.where(np.arange(len(truth)) == 0, np.nan, truth))


def test_a_one_column_frame_with_a_missing_date_is_a_series_with_a_hole():
    months = pd.date_range("2001-01-01", periods=30, freq="MS")
    frame = pd.DataFrame({"sales": 10 + np.sin(np.arange(30) / 2)}, index=months)
    gapped = frame.drop(months[[5, 6]])

    from_frame = tiny_forecaster(lookback=4).fit(np.empty((28, 0)), gapped)
    from_series = tiny_forecaster(lookback=4).fit(np.empty((28, 0)), gapped["sales"])

    np.testing.assert_array_equal(
        from_frame.predict(np.empty((2, 0))), from_series.predict(np.empty((2, 0)))
    )


def test_series_dated_by_different_frequencies_are_refused_not_undated():
    months = pd.period_range("2001-01", periods=30, freq="M")
    monthly = pd.Series(np.arange(30.0), index=months).drop(months[10:15])
    quarters = pd.period_range("2001Q1", periods=10, freq="Q")
    quarterly = pd.Series(np.arange(10.0), index=quarters)
    y = pd.concat([monthly, quarterly])  # an object index of periods
    groups = np.repeat(["m", "q"], [len(monthly), len(quarterly)])

    with pytest.raises(ValueError, match="frequency M; periods of frequency Q"):
        tiny_forecaster(lookback=4).fit(np.empty((len(y), 0)), y, groups=groups)


def test_update_with_dates_out_of_order_says_so():
    months = pd.date_range("2001-01-01", periods=30, freq="MS")
    model = tiny_forecaster(lookback=4)
    model.fit(np.empty((30, 0)), pd.Series(np.arange(30.0), index=months))
    swapped = pd.DatetimeIndex(["2003-08-01", "2003-07-01"])  # July is given

    with pytest.raises(ValueError, match=r"go back in time.*sort them"):
        model.update(np.empty((2, 0)), pd.Series([31.0, 30.0], index=swapped))
