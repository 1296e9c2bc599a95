"""Split conformal prediction intervals: calibrated on the held-out last rows."""

import pickle
import re
from functools import partial

import numpy as np
import pandas as pd
import pytest
from _factories import noisy_sine, tiny_forecaster, tiny_regressor

import sklstm._forecaster
from sklstm import LSTMRegressor, load, save
from sklstm.datasets import load_sunspots

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(100, 2))
TARGET = ROWS[:, 0] + 0.1 * RNG.normal(size=100)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def held_out_coverage(series, n_train, coverage, **params):
    """Fit on the first n_train rows; the share of later truths inside."""
    X, y = series[:-1, None], series[1:]
    defaults = dict(
        hidden_size=8,
        max_iter=40,
        early_stopping=True,
        validation_fraction=0.2,
        random_state=0,
    )
    model = LSTMRegressor(**{**defaults, **params}).fit(X[:n_train], y[:n_train])
    intervals = model.predict_interval(X, coverage=coverage)[n_train:]
    truth = y[n_train:]
    return np.mean((intervals[:, 0] <= truth) & (truth <= intervals[:, 1]))


small_model = partial(tiny_regressor, max_iter=5, early_stopping=True)


@pytest.mark.slow
def test_coverage_on_a_later_stretch_of_the_noisy_sine_is_close_to_nominal():
    coverage = held_out_coverage(noisy_sine(2000), 1500, 0.9, lookback=4)
    assert abs(coverage - 0.9) < 0.05


@pytest.mark.slow
def test_coverage_on_later_sunspots_is_close_to_nominal_on_the_square_root_scale():
    # Sunspot noise grows with the level; on the square-root scale it does
    # not, so the held-out errors look like the later ones (and squaring the
    # bounds keeps which truths fall inside).
    sunspots = load_sunspots().to_numpy(dtype=float)
    coverage = held_out_coverage(
        np.sqrt(sunspots), 2400, 0.9, lookback=12, validation_fraction=0.3
    )
    assert abs(coverage - 0.9) < 0.05


def test_half_width_is_the_conformal_quantile_of_the_held_out_errors():
    model = small_model(validation_fraction=0.2).fit(ROWS, TARGET)
    residuals = model.calibration_residuals_[:, 0]
    tail = slice(80, 100)
    np.testing.assert_allclose(
        residuals, np.abs(model.predict(ROWS)[tail] - TARGET[tail]), atol=1e-6
    )
    intervals = model.predict_interval(ROWS, coverage=0.8)
    # 20 errors: ceil(21 x 0.8) = 17th smallest.
    half_width = np.sort(residuals)[16]
    np.testing.assert_allclose(intervals[:, 1] - model.predict(ROWS), half_width)
    np.testing.assert_allclose(model.predict(ROWS) - intervals[:, 0], half_width)


def test_higher_coverage_gives_wider_nested_intervals():
    model = small_model(validation_fraction=0.3).fit(ROWS, TARGET)
    narrow = model.predict_interval(ROWS, coverage=0.5)
    wide = model.predict_interval(ROWS, coverage=0.9)
    assert (wide[:, 0] <= narrow[:, 0]).all() and (narrow[:, 1] <= wide[:, 1]).all()
    assert (wide[:, 1] - wide[:, 0]).mean() > (narrow[:, 1] - narrow[:, 0]).mean()


def test_multi_output_intervals_have_one_pair_of_bounds_per_output():
    targets = np.c_[TARGET, 10 * TARGET]
    model = small_model(validation_fraction=0.3).fit(ROWS, targets)
    intervals = model.predict_interval(ROWS)
    assert intervals.shape == (100, 2, 2)
    widths = intervals[:, :, 1] - intervals[:, :, 0]
    assert (widths[:, 1] > widths[:, 0]).all()  # in the units of each output


def test_intervals_survive_pickling():
    model = small_model(validation_fraction=0.3).fit(ROWS, TARGET)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.predict_interval(ROWS), model.predict_interval(ROWS)
    )


def test_model_without_held_out_rows_explains_how_to_get_intervals():
    model = small_model(early_stopping=False).fit(ROWS, TARGET)
    assert model.calibration_residuals_ is None
    with pytest.raises(ValueError, match="early_stopping=True"):
        model.predict_interval(ROWS)


def test_a_model_trained_on_by_partial_fit_says_its_calibration_is_gone():
    model = small_model().fit(ROWS, TARGET)
    model.partial_fit(ROWS, TARGET)
    with pytest.raises(ValueError, match="partial_fit has trained it") as refused:
        model.predict_interval(ROWS)
    assert "it was fitted with early_stopping=False" not in str(refused.value)


@pytest.mark.parametrize("fitted_with", [False, True])
def test_the_reason_for_no_intervals_is_the_training_s_not_the_parameter_set_since(
    fitted_with,
):
    # The message followed early_stopping as set since, not as trained.
    model = small_model(early_stopping=fitted_with).fit(ROWS, TARGET)
    if fitted_with:
        model.partial_fit(ROWS, TARGET)
    model.set_params(early_stopping=not fitted_with)
    with pytest.raises(ValueError) as refused:
        model.predict_interval(ROWS)
    said_partial_fit = "partial_fit has trained it" in str(refused.value)
    assert said_partial_fit == fitted_with


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1, "high"])
def test_coverage_outside_zero_to_one_is_refused(coverage):
    model = small_model().fit(ROWS, TARGET)
    with pytest.raises(ValueError, match="coverage must be a probability"):
        model.predict_interval(ROWS, coverage=coverage)


def test_coverage_beyond_what_the_held_out_rows_can_promise_is_refused():
    model = small_model(validation_fraction=0.1).fit(ROWS, TARGET)  # 10 rows
    with pytest.raises(ValueError, match=r"needs at least 19 held-out rows.*has 10"):
        model.predict_interval(ROWS, coverage=0.95)


# ---------------------------------------------------------------- forecaster


small_forecaster = partial(tiny_forecaster, lookback=4, max_iter=5)


def coverage_per_step(forecaster, X, y, first_origin, steps, every):
    """Forecast ``steps`` ahead from every ``every``-th origin (moved by update)."""
    inside = []
    for origin in range(first_origin, len(y) - steps + 1, every):
        if origin > first_origin:
            forecaster.update(X[origin - every : origin], y[origin - every : origin])
        intervals = forecaster.predict_interval(X[origin : origin + steps], 0.9)
        truth = y[origin : origin + steps]
        inside.append((intervals[:, 0] <= truth) & (truth <= intervals[:, 1]))
    return np.mean(inside, axis=0)


@pytest.mark.slow
@pytest.mark.parametrize(
    "params", [dict(strategy="recursive"), dict(strategy="direct", horizon=5)]
)
def test_multi_step_forecast_coverage_on_a_later_stretch_of_the_noisy_sine_is_nominal(
    params,
):
    series, no_covariates = noisy_sine(2000), np.empty((2000, 0))
    forecaster = small_forecaster(
        lookback=8, hidden_size=8, max_iter=40, validation_fraction=0.2, **params
    ).fit(no_covariates[:1500], series[:1500])
    # 10-step forecasts from 98 origins over the last 500 steps.
    coverage = coverage_per_step(forecaster, no_covariates, series, 1500, 10, 5)
    assert abs(coverage.mean() - 0.9) < 0.05
    assert (np.abs(coverage - 0.9) < 0.1).all()  # at each step ahead, not on average


def test_recursive_forecast_intervals_widen_with_the_horizon():
    # A random walk's h-step error grows like sqrt(h): one-step errors would
    # make the later steps' intervals far too narrow.
    walk = np.random.default_rng(1).normal(size=400).cumsum()
    forecaster = small_forecaster(validation_fraction=0.25, max_iter=20)
    forecaster.fit(np.empty((400, 0)), walk)
    intervals = forecaster.predict_interval(np.empty((20, 0)))
    width = intervals[:, 1] - intervals[:, 0]
    assert width[4] > 1.5 * width[0]
    assert width[19] > 1.5 * width[4]


def test_a_forecaster_keeps_no_residual_table_per_network(tmp_path):
    # Its intervals come from its own backtests; its networks' residual
    # tables (held-out windows x horizon each) would only fill its files.
    rng = np.random.default_rng(3)
    y = rng.normal(size=(6, 120)).cumsum(axis=1).ravel()
    groups = np.repeat(np.arange(6), 120)
    forecaster = tiny_forecaster(horizon=4, n_networks=3, max_series=1.0)
    forecaster.fit(np.empty((len(y), 0)), y, groups=groups)
    assert all(m.calibration_residuals_.size == 0 for m in forecaster._members())
    future = np.repeat(np.arange(6), 4)
    intervals = forecaster.predict_interval(np.empty((24, 0)), groups=future)
    assert np.all(intervals[:, 1] - intervals[:, 0] > 0)
    save(forecaster, tmp_path / "model.skl")
    reloaded = load(tmp_path / "model.skl")
    np.testing.assert_array_equal(
        reloaded.predict_interval(np.empty((24, 0)), groups=future), intervals
    )


def test_one_step_forecast_errors_are_those_of_the_held_out_windows(monkeypatch):
    # The network's own residuals, which a forecaster does not keep, are
    # kept here to compare with.
    monkeypatch.setattr(sklstm._forecaster, "without_own_residuals", lambda m: m)
    walk = np.random.default_rng(1).normal(size=200).cumsum()
    forecaster = small_forecaster(validation_fraction=0.2).fit(np.empty((200, 0)), walk)
    held_out = forecaster.regressor_.calibration_residuals_[:, 0]
    assert forecaster.calibration_residuals_.shape == (len(held_out), len(held_out))
    np.testing.assert_allclose(
        forecaster.calibration_residuals_[:, 0], held_out, atol=1e-5
    )


@pytest.mark.parametrize(
    "params", [dict(strategy="recursive"), dict(strategy="direct", horizon=3)]
)
def test_forecast_half_width_at_each_step_is_the_conformal_quantile_of_its_errors(
    params,
):
    covariates = RNG.normal(size=(120, 1))
    series = np.sin(np.arange(120) / 4) + covariates[:, 0]
    forecaster = small_forecaster(validation_fraction=0.25, **params)
    forecaster.fit(covariates[:100], series[:100])
    intervals = forecaster.predict_interval(covariates[100:108], coverage=0.8)
    forecast = forecaster.predict(covariates[100:108])
    # One origin per held-out window: a window per step but the last block.
    block = params.get("horizon", 1)
    n_origins = int(np.ceil(0.25 * (100 - block)))
    for step in range(8):
        errors = forecaster.calibration_residuals_[:, step]
        errors = np.sort(errors[~np.isnan(errors)])
        assert len(errors) == n_origins - step  # every origin with a truth that far
        half_width = errors[int(np.ceil((len(errors) + 1) * 0.8)) - 1]
        np.testing.assert_allclose(
            intervals[step], forecast[step] + [-half_width, half_width]
        )


def test_forecast_further_ahead_than_the_held_out_tail_calibrates_is_refused():
    forecaster = small_forecaster(validation_fraction=0.1)
    forecaster.fit(np.empty((100, 0)), noisy_sine(100))  # 10 origins in the tail
    # 90 % needs 9 errors: 10 origins have a truth 1 step ahead, 9 have 2.
    assert forecaster.predict_interval(np.empty((2, 0)), coverage=0.9).shape == (2, 2)
    with pytest.raises(
        ValueError, match=r"at least 9 held-out errors.*first 2 step.*3 were asked"
    ):
        forecaster.predict_interval(np.empty((3, 0)), coverage=0.9)


def test_one_step_too_few_to_calibrate_is_not_told_to_set_horizon_1():
    # A tail of 5 origins gives 5 one-step errors, fewer than 90 % needs;
    # fit grows no tail for a horizon of 1, so the message does not say so.
    forecaster = small_forecaster(validation_fraction=0.1)
    forecaster.fit(np.empty((50, 0)), noisy_sine(50))
    with pytest.raises(ValueError, match="validation_fraction") as refused:
        forecaster.predict_interval(np.empty((1, 0)), coverage=0.9)
    assert "horizon=" not in str(refused.value)


def test_forecaster_without_a_held_out_tail_explains_how_to_get_intervals():
    forecaster = small_forecaster(early_stopping=False)
    forecaster.fit(np.empty((60, 0)), noisy_sine(60))
    assert forecaster.calibration_residuals_ is None
    with pytest.raises(ValueError, match="early_stopping=True"):
        forecaster.predict_interval(np.empty((3, 0)))
    # The message names the fit's setting, not one set since.
    forecaster.set_params(early_stopping=True)
    with pytest.raises(ValueError, match=r"fitted with early_stopping=False\."):
        forecaster.predict_interval(np.empty((3, 0)))


# ------------------------------------------------------------ forecast quantiles

LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def _calibrated_forecaster(y, groups=None):
    return small_forecaster(validation_fraction=0.3, n_networks=1).fit(
        np.empty((len(y), 0)), y, groups=groups
    )


def test_forecast_quantiles_rise_with_the_level_at_every_step():
    forecaster = _calibrated_forecaster(noisy_sine(200))
    quantiles = forecaster.predict_quantiles(np.empty((5, 0)), LEVELS)
    assert quantiles.shape == (5, len(LEVELS))
    assert (np.diff(quantiles, axis=1) >= 0).all()
    assert (quantiles[:, -1] - quantiles[:, 0] > 0).all()


def test_forecast_quantiles_are_the_bounds_of_the_intervals_and_the_forecast():
    forecaster = _calibrated_forecaster(noisy_sine(200))
    X = np.empty((4, 0))
    quantiles = forecaster.predict_quantiles(X, (0.9, 0.5, 0.1, 0.25))
    eighty = forecaster.predict_interval(X, coverage=0.8)
    fifty = forecaster.predict_interval(X, coverage=0.5)
    np.testing.assert_array_equal(quantiles[:, 0], eighty[:, 1])
    np.testing.assert_array_equal(quantiles[:, 1], forecaster.predict(X))
    np.testing.assert_array_equal(quantiles[:, 2], eighty[:, 0])
    np.testing.assert_array_equal(quantiles[:, 3], fifty[:, 0])


def test_levels_from_linspace_hold_the_median_though_it_is_not_exactly_half():
    # np.linspace(0.05, 0.95, 19)[9] is 0.49999999999999994.
    forecaster = _calibrated_forecaster(noisy_sine(200))
    X = np.empty((3, 0))
    levels = np.linspace(0.05, 0.95, 19)
    quantiles = forecaster.predict_quantiles(X, levels)
    np.testing.assert_array_equal(quantiles[:, 9], forecaster.predict(X))
    assert (np.diff(quantiles, axis=1) >= 0).all()


def test_forecast_quantiles_of_a_series_1000_times_larger_spread_1000_times_wider():
    small = noisy_sine(120) + 3
    forecaster = _calibrated_forecaster(
        np.concatenate([small, 1000 * small]), np.repeat(["small", "large"], 120)
    )
    groups = np.repeat(["small", "large"], 3)
    quantiles = forecaster.predict_quantiles(
        np.empty((6, 0)), (0.1, 0.9), groups=groups
    )
    spread = quantiles[:, 1] - quantiles[:, 0]
    assert (spread[:3] > 0).all()
    np.testing.assert_allclose(spread[3:], 1000 * spread[:3], rtol=1e-6)


def calm_and_restless(n=150, seed=0):
    """Two series on the same wave at the same level, one with 10x the noise."""
    rng = np.random.default_rng(seed)
    wave = 10 + np.sin(0.1 * np.arange(n))
    calm, restless = wave + rng.normal(0, 0.05, n), wave + rng.normal(0, 0.5, n)
    return np.concatenate([calm, restless]), np.repeat(["calm", "restless"], n)


def test_a_restless_series_gets_wider_intervals_than_a_calm_one_at_its_level():
    # Pooled alone, the errors of both would give both one width (they are
    # scaled alike, by their last value, about 10).
    y, groups = calm_and_restless()
    forecaster = _calibrated_forecaster(y, groups)
    future = np.repeat(["calm", "restless"], 3)
    intervals = forecaster.predict_interval(np.empty((6, 0)), 0.8, groups=future)
    width = intervals[:, 1] - intervals[:, 0]
    # Not 10 times: the calm wave also moves over the season of 4 the
    # collection is found to have, which counts as noise too.
    assert (width[3:] > 1.5 * width[:3]).all()
    quantiles = forecaster.predict_quantiles(
        np.empty((6, 0)), (0.1, 0.9), groups=future
    )
    np.testing.assert_allclose(quantiles, intervals)  # the same widths


def test_a_series_added_by_update_gets_the_width_of_its_own_noise():
    y, groups = calm_and_restless(seed=0)
    forecaster = _calibrated_forecaster(y, groups)
    known = np.empty((2, 0)), 0.8
    before = forecaster.predict_interval(*known, groups=["calm", "restless"])
    new_y, new_groups = calm_and_restless(n=60, seed=1)
    forecaster.update(np.empty((120, 0)), new_y, groups=np.char.add("new ", new_groups))
    added = forecaster.predict_interval(
        np.empty((2, 0)), 0.8, groups=["new calm", "new restless"]
    )
    width = added[:, 1] - added[:, 0]
    assert width[1] > 1.5 * width[0]  # the calm wave moves over a season too
    # The fitted series keep the widths their held-out errors were measured in.
    np.testing.assert_array_equal(
        forecaster.predict_interval(*known, groups=["calm", "restless"]), before
    )


def test_a_wandering_series_gets_wider_intervals_than_one_that_jitters_as_much():
    # A random walk and white noise that move alike from one step to the
    # next: by those moves alone both get one width. Over a season the walk
    # strays about sqrt(12) times as far, and its forecasts many steps ahead
    # miss by as much more.
    rng = np.random.default_rng(0)
    n = 240
    walk = 50 + np.cumsum(rng.normal(0, 1, n))
    jitter = 50 + rng.normal(0, 1 / np.sqrt(2), n)
    assert np.diff(walk).std() == pytest.approx(np.diff(jitter).std(), rel=0.1)
    forecaster = small_forecaster(
        validation_fraction=0.3,
        n_networks=1,
        horizon=6,
        series_scaling="none",
        season_length=12,
        drift=False,
    ).fit(
        np.empty((2 * n, 0)),
        np.r_[walk, jitter],
        groups=np.repeat(["walk", "jitter"], n),
    )
    future = np.repeat(["walk", "jitter"], 6)
    intervals = forecaster.predict_interval(np.empty((12, 0)), 0.8, groups=future)
    width = intervals[:, 1] - intervals[:, 0]
    assert (width[:6] > 1.4 * width[6:]).all()


def test_series_that_repeat_their_season_to_rounding_leave_a_walk_its_own_width():
    # Two short series repeat a season of 4 up to the rounding of their sine:
    # their noise over a season, about 1e-16, was the collection's centre,
    # and the walk's interval scale 4e7: 90 % intervals 1e8 wide.
    rng = np.random.default_rng(0)
    walk = 10 + np.cumsum(rng.normal(0, 0.5, 80))  # steps of 0.5
    t = np.arange(11)
    calm = [10 + k + (1 + k) * np.sin(2 * np.pi * t / 4 + k) for k in range(2)]
    groups = np.repeat(["a", "b", "walk"], [11, 11, 80])
    forecaster = small_forecaster(
        lookback=4, max_iter=3, n_networks=1, validation_fraction=0.3, season_length=4
    ).fit(np.empty((102, 0)), np.concatenate([*calm, walk]), groups=groups)
    intervals = forecaster.predict_interval(np.empty((3, 0)), 0.9, groups=["walk"] * 3)
    assert (intervals[:, 1] - intervals[:, 0] < 10).all()
    forecaster.update(
        np.empty((40, 0)), 10 + np.cumsum(rng.normal(0, 0.5, 40)), groups=["new"] * 40
    )
    intervals = forecaster.predict_interval(np.empty((3, 0)), 0.9, groups=["new"] * 3)
    assert (intervals[:, 1] - intervals[:, 0] < 10).all()


def test_a_season_computed_from_a_sine_of_large_arguments_does_not_move():
    # Its changes over a season, the rounding of sin(2 pi t / 7) for t up
    # to 240, are 8.6e-15 of its size: beyond 16 units in the last place,
    # they set the collection's noise centre and every other series' scale.
    from sklstm._intervals import season_noise

    t = np.arange(240)
    sines = np.concatenate([k + 3 * np.sin(2 * np.pi * t / 7 + k) for k in range(2)])
    codes = np.repeat([0, 1], 240)
    noise = season_noise(sines, codes, 2, lag=7, sizes=np.abs(sines))
    np.testing.assert_array_equal(noise, [0.0, 0.0])
    # A billionth of its swing more, and it moves.
    moved = sines + 1e-8 * (np.arange(480) % 2)
    assert (season_noise(moved, codes, 2, lag=7, sizes=np.abs(moved)) > 0).all()


def test_a_series_at_a_level_of_1e12_keeps_the_widths_it_has_at_10():
    # Its steps of 0.5 are 5e-13 of its level: read as rounding, they gave
    # it no noise, and its interval and everyone else's moved.
    rng = np.random.default_rng(0)
    walks = [10 + np.cumsum(rng.normal(0, 0.5, 60)) for _ in range(3)]
    groups = np.repeat(["a", "b", "c"], 60)

    def widths(level):
        y = np.concatenate([walks[0], walks[1], walks[2] - 10 + level])
        forecaster = small_forecaster(
            lookback=3,
            max_iter=3,
            n_networks=1,
            validation_fraction=0.3,
            season_length=None,
        ).fit(np.empty((180, 0)), y, groups=groups)
        fitted = forecaster.predict_interval(
            np.empty((3, 0)), 0.8, groups=["a", "b", "c"]
        )
        new = walks[0][:40] - 10 + level
        forecaster.update(np.empty((40, 0)), new, groups=["new"] * 40)
        added = forecaster.predict_interval(np.empty((1, 0)), 0.8, groups=["new"])
        bounds = np.r_[fitted, added]
        return bounds[:, 1] - bounds[:, 0]

    np.testing.assert_allclose(widths(1e12), widths(10.0), rtol=1e-3)


def test_a_series_added_to_a_file_saved_before_season_noise_gets_the_pooled_width():
    # Such a file's noise centre measured one-step moves: a new series'
    # noise over a season is not comparable with it.
    y, groups = calm_and_restless(seed=0)
    forecaster = _calibrated_forecaster(y, groups)
    del forecaster._interval_noise_lag  # as files saved before it hold
    new_y, new_groups = calm_and_restless(n=60, seed=1)
    forecaster.update(np.empty((120, 0)), new_y, groups=np.char.add("new ", new_groups))
    added = np.isin(forecaster.series_, ["new calm", "new restless"])
    np.testing.assert_array_equal(forecaster._series_interval_scale[added], [1, 1])


def test_a_series_the_network_forecasts_well_gets_narrower_intervals_than_a_guess():
    # Three phases of a regular wave and a random walk, all moving exactly as
    # much from one step to the next: by their moves alone all get one width
    # (they are read unscaled). The waves are a linear recursion of their
    # lags, which the network learns from the three of them; the walk's next
    # steps are a guess.
    n = 153  # 19 whole waves of changes: each phase moves alike
    waves = [10 + 3 * np.sin(2 * np.pi * (np.arange(n) + k) / 8) for k in range(3)]
    moves = np.diff(waves[0]).std()
    steps = np.random.default_rng(0).standard_normal(n - 1)
    walk = 10 + np.r_[0, np.cumsum((steps - steps.mean()) / steps.std() * moves)]
    for series in [*waves, walk]:
        assert np.diff(series).std() == pytest.approx(moves, rel=1e-12)
    forecaster = small_forecaster(
        validation_fraction=0.3,
        n_networks=1,
        horizon=3,
        series_scaling="none",
        season_length=None,
    ).fit(
        np.empty((4 * n, 0)),
        np.concatenate([*waves, walk]),
        groups=np.repeat(["wave 0", "wave 1", "wave 2", "walk"], n),
    )
    future = np.repeat(["walk", "wave 0"], 3)
    intervals = forecaster.predict_interval(np.empty((6, 0)), 0.8, groups=future)
    width = intervals[:, 1] - intervals[:, 0]
    assert (width[:3] > 1.3 * width[3:]).all()


@pytest.mark.parametrize(
    # A level given as a string inside a sequence was read as its number,
    # where predict_interval refuses coverage="0.5".
    "levels",
    [(0.0, 0.5), (0.5, 1.0), (1.5,), (-0.1,), "high", (), ["0.5"], [True, 0.5]],
)
def test_quantile_levels_outside_zero_to_one_are_refused(levels):
    forecaster = _calibrated_forecaster(noisy_sine(120))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        forecaster.predict_quantiles(np.empty((2, 0)), levels)


def test_no_quantile_levels_are_refused_without_naming_a_level_nan():
    forecaster = _calibrated_forecaster(noisy_sine(120))
    with pytest.raises(ValueError, match=r"got None\. The levels") as refusal:
        forecaster.predict_quantiles(np.empty((2, 0)), None)
    assert "nan" not in str(refusal.value)


def test_a_quantile_further_out_than_the_tail_calibrates_names_its_interval():
    forecaster = small_forecaster(validation_fraction=0.1)
    forecaster.fit(np.empty((100, 0)), noisy_sine(100))  # 10 origins in the tail
    with pytest.raises(
        ValueError, match=r"quantile 0.95 is the upper bound .* coverage 0.9: .*3 were"
    ):
        forecaster.predict_quantiles(np.empty((3, 0)), (0.5, 0.95))


@pytest.mark.parametrize("level", [1e-13, 1 - 1e-13, 1e-17])
def test_a_level_too_close_to_0_or_1_is_refused_for_the_errors_it_needs(level):
    # Its coverage, within 1e-12 of 1, was rounded to 1: the level was named
    # "1" and refused as a coverage that is not a probability.
    forecaster = _calibrated_forecaster(noisy_sine(150))
    with pytest.raises(ValueError) as refusal:
        forecaster.predict_quantiles(np.empty((1, 0)), [level])
    message = str(refusal.value)
    assert message.startswith(f"The quantile {level!r} is the")
    assert re.search(r"needs at least \d+ held-out errors", message)
    assert "probability" not in message


# ------------------------------------------- forecasts made by rule, apart

NOISE = 10.0


def zeros_beside_a_noisy_series(n=120):
    """Five series of zeros (labels 0-4) and one of 100 + N(0, 10) (label 5)."""
    noisy = 100 + np.random.default_rng(0).normal(0, NOISE, n)
    y = np.r_[np.zeros(5 * n), noisy]
    return np.empty((len(y), 0)), y, np.repeat(np.arange(6), n)


@pytest.fixture(scope="module")
def zeros_and_noise():
    X, y, groups = zeros_beside_a_noisy_series()
    return tiny_forecaster(lookback=8, hidden_size=8, max_iter=10).fit(
        X, y, groups=groups
    )


@pytest.mark.parametrize("coverage, normal_quantile", [(0.5, 0.674), (0.8, 1.282)])
def test_series_of_zeros_do_not_narrow_the_interval_of_a_noisy_neighbour(
    zeros_and_noise, coverage, normal_quantile
):
    # The zeros' held-out forecasts, made flat by rule, are exactly right;
    # pooled with the network's errors they made these intervals 0 wide.
    intervals = zeros_and_noise.predict_interval(
        np.empty((3, 0)), coverage, groups=[5, 5, 5]
    )
    half_width = (intervals[:, 1] - intervals[:, 0]) / 2
    assert (half_width > 0.5 * normal_quantile * NOISE).all()


def test_series_forecast_exactly_by_rule_keep_an_interval_of_no_width(zeros_and_noise):
    intervals = zeros_and_noise.predict_interval(
        np.empty((3, 0)), 0.9, groups=[0, 0, 0]
    )
    np.testing.assert_array_equal(intervals, np.zeros((3, 2)))


def test_quantiles_of_rule_and_network_forecasts_are_the_bounds_of_their_intervals(
    zeros_and_noise,
):
    X, groups = np.empty((4, 0)), [5, 5, 0, 0]
    quantiles = zeros_and_noise.predict_quantiles(X, (0.1, 0.5, 0.9), groups=groups)
    eighty = zeros_and_noise.predict_interval(X, 0.8, groups=groups)
    np.testing.assert_array_equal(quantiles[:, [0, 2]], eighty)
    np.testing.assert_array_equal(
        quantiles[:, 1], zeros_and_noise.predict(X, groups=groups)
    )


@pytest.mark.parametrize("round_trip", ["pickle", "save"])
def test_rule_forecasts_are_calibrated_apart_after_a_round_trip(
    zeros_and_noise, round_trip, tmp_path
):
    if round_trip == "pickle":
        loaded = pickle.loads(pickle.dumps(zeros_and_noise))
    else:
        save(zeros_and_noise, tmp_path / "model.zip")
        loaded = load(tmp_path / "model.zip")
    X, groups = np.empty((4, 0)), [5, 5, 0, 0]
    np.testing.assert_array_equal(
        loaded.predict_interval(X, 0.5, groups=groups),
        zeros_and_noise.predict_interval(X, 0.5, groups=groups),
    )


def test_a_short_noisy_series_beside_zeros_gets_wider_intervals_for_more_coverage():
    # Its 3 held-out errors calibrate 50 % alone; beyond, the pool of all
    # (the zeros' exact forecasts) gave the 80 % interval a width of 0, and
    # the 90 % one less than the 50 % one.
    noisy = 20 + np.cumsum(np.random.default_rng(1).normal(0, 1, 30))
    y = np.r_[np.zeros(300), noisy]
    groups = np.repeat(
        ["zeros 1", "zeros 2", "zeros 3", "zeros 4", "zeros 5", "noisy"],
        [60] * 5 + [30],
    )
    forecaster = tiny_forecaster(lookback=6, n_networks=1).fit(
        np.empty((330, 0)), y, groups=groups
    )
    widths = [
        np.diff(forecaster.predict_interval(np.empty((1, 0)), c, groups=["noisy"]))
        for c in (0.5, 0.6, 0.7, 0.8, 0.9)
    ]
    assert widths[0] > 0
    assert (np.diff(np.ravel(widths)) >= 0).all()
    quantiles = forecaster.predict_quantiles(
        np.empty((1, 0)), np.linspace(0.05, 0.95, 19), groups=["noisy"]
    )
    assert (np.diff(quantiles) >= 0).all()


def test_a_constant_series_far_above_the_others_gets_no_interval_of_its_level():
    # Its interval scale falls back to its level (it never moves); its
    # forecasts, by rule, were exact on its tail: it was 2e9 wide.
    rng = np.random.default_rng(1)
    y = np.r_[np.full(120, 1e9), 1 + rng.normal(0, 0.1, 360)]
    forecaster = tiny_forecaster(lookback=8, max_iter=5).fit(
        np.empty((480, 0)), y, groups=np.repeat(np.arange(4), 120)
    )
    intervals = forecaster.predict_interval(np.empty((2, 0)), 0.9, groups=[0, 0])
    np.testing.assert_array_equal(intervals, np.full((2, 2), 1e9))


def quarterly_panel(n_series, length=68):
    """``n_series`` seasonal quarterly series with trends, stacked, and groups."""
    t = np.arange(length)
    y = np.concatenate(
        [
            10 + np.sin(np.pi * t / 2 + k) + 0.1 * t + RNG.normal(0, 0.2, length)
            for k in range(n_series)
        ]
    )
    return np.empty((len(y), 0)), y, np.repeat(np.arange(n_series), length)


def horizon_forecaster(**params):
    return tiny_forecaster(lookback=8, horizon=8, n_networks=1, **params)


@pytest.mark.parametrize(
    "n_series, tail",
    # 68 quarters, 8 steps per window: 60 windows per series. Step 8 needs
    # 9 errors at 90 %; a tail of n windows gives n - 7 errors at step 8.
    # 10 series: 8 windows each give 10. 2 series: 12 windows give 2 x 5.
    [(10, 8), (2, 12)],
)
def test_a_quarterly_panel_gets_intervals_over_its_horizon_by_default(n_series, tail):
    X, y, groups = quarterly_panel(n_series)
    forecaster = horizon_forecaster().fit(X, y, groups=groups)
    held_out = forecaster.regressor_.validation_fraction
    assert held_out > forecaster.validation_fraction == 0.1  # 0.1 gives 6 windows
    assert int(np.ceil(held_out * 60)) == tail
    # The tail forecasts from exactly the windows early stopping held out
    # (relative windows start a step later: 59 of them, still 8 held out).
    assert len(forecaster.calibration_residuals_) == n_series * tail
    errors_per_step = (~np.isnan(forecaster.calibration_residuals_)).sum(axis=0)
    assert errors_per_step[7] == n_series * (tail - 7)
    future = np.repeat(np.arange(n_series), 8)
    intervals = forecaster.predict_interval(np.empty((len(future), 0)), groups=future)
    forecast = forecaster.predict(np.empty((len(future), 0)), groups=future)
    assert intervals.shape == (8 * n_series, 2)
    assert (intervals[:, 0] < forecast).all() and (forecast < intervals[:, 1]).all()


def test_long_series_keep_validation_fraction_as_given():
    X, y, groups = quarterly_panel(3, length=400)  # tails of 40 windows already
    forecaster = horizon_forecaster().fit(X, y, groups=groups)
    assert forecaster.regressor_.validation_fraction == 0.1
    assert forecaster.calibration_residuals_.shape[1] == 40


def test_series_too_short_to_spare_the_tail_are_refused_with_what_to_change():
    # 30 quarters: 22 windows; a tail of 8 and the 7 windows before it that
    # do not train would leave 7 of 22 to train on, under half: no growth.
    X, y, groups = quarterly_panel(10, length=30)
    forecaster = horizon_forecaster().fit(X, y, groups=groups)
    assert forecaster.regressor_.validation_fraction == 0.1
    future = np.repeat(np.arange(10), 8)
    with pytest.raises(
        ValueError,
        match=r"first 3 step.*8 were asked.*larger validation_fraction.*"
        r"tail of 8 \+ 9 - 1 = 16 windows",
    ):
        forecaster.predict_interval(np.empty((80, 0)), groups=future)


def test_a_series_kept_as_a_history_only_gets_the_intervals_update_gives_it():
    # Fitted, a series too short for a training window had its interval
    # scale halved (in logs) by an in-sample error factor of 1 it never had:
    # 1.7 times narrower than the same series given to update after the fit.
    rng = np.random.default_rng(0)
    a = 10 + np.sin(np.arange(40) / 3) + 0.1 * rng.normal(size=40)
    b = 100 + np.sin(np.arange(30) / 3) + 0.1 * rng.normal(size=30)
    short = np.array([5.0, 7.0, 6.0])
    # What the collection decides (the batch, the patience, the season) the
    # same for two series as for three.
    settings = dict(horizon=3, batch_size=32, n_iter_no_change=3, season_length=None)
    groups = np.repeat(["a", "b", "c"], [40, 30, 3])
    fitted = small_forecaster(n_networks=1, **settings).fit(
        np.empty((73, 0)), np.r_[a, b, short], groups=groups
    )
    updated = small_forecaster(n_networks=1, **settings).fit(
        np.empty((70, 0)), np.r_[a, b], groups=groups[:70]
    )
    updated.update(np.empty((3, 0)), short, groups=["c"] * 3)
    bounds = [
        model.predict_interval(np.empty((3, 0)), groups=["c"] * 3)
        for model in (fitted, updated)
    ]
    widths = [bound[:, 1] - bound[:, 0] for bound in bounds]
    # The noise centre of the fit also counts the short series: close, not equal.
    np.testing.assert_allclose(widths[0], widths[1], rtol=0.1)


def test_quantile_levels_as_numpy_or_pandas_numbers_are_the_same_levels():
    forecaster = _calibrated_forecaster(noisy_sine(120))
    expected = forecaster.predict_quantiles(np.empty((2, 0)), (0.1, 0.9))
    for levels in (
        [np.array(0.1), np.array(0.9)],
        np.array([0.1, 0.9], dtype=np.float64),
        pd.Series([0.1, 0.9]),
    ):
        np.testing.assert_array_equal(
            forecaster.predict_quantiles(np.empty((2, 0)), levels), expected
        )
