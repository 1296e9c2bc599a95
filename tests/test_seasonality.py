"""Seasonal adjustment of many series: found, taken out, put back, kept."""

import pickle

import numpy as np
import pytest

from sklstm import LSTMForecaster
from sklstm._seasonality import (
    detect_season_length,
    fit_seasonality,
    is_seasonal,
    seasonal_components,
)

MONTHS = 12
PATTERN = np.array([1.0, 0.8, 1.1, 1.3, 0.9, 0.7, 1.2, 1.4, 1.0, 0.9, 0.8, 0.9])


def seasonal_series(n: int, level: float, phase: int = 0, noise: float = 0.0, seed=0):
    """A positive series: a slow trend times a monthly pattern, plus noise."""
    rng = np.random.default_rng(seed)
    steps = np.arange(phase, phase + n)
    trend = level * (1 + 0.005 * steps)
    return trend * PATTERN[steps % MONTHS] + rng.normal(0, noise * level, n)


def collection(lengths=(72, 60, 84, 66), noise=0.02):
    series = [
        seasonal_series(n, level=10.0**s, phase=3 * s, noise=noise, seed=s)
        for s, n in enumerate(lengths)
    ]
    y = np.concatenate(series)
    groups = np.repeat(np.arange(len(series)), [len(v) for v in series])
    return np.empty((len(y), 0)), y, groups, series


def tiny(**params) -> LSTMForecaster:
    defaults = dict(
        lookback=MONTHS, horizon=6, hidden_size=4, max_iter=4, random_state=0
    )
    return LSTMForecaster(**{**defaults, **params})


def truth_after(s: int, n: int, steps: int) -> np.ndarray:
    """The noise-free continuation of series ``s`` of ``collection()``."""
    return seasonal_series(n + steps, level=10.0**s, phase=3 * s)[n:]


@pytest.fixture(scope="module")
def fitted():
    X, y, groups, _ = collection()
    return tiny().fit(X, y, groups=groups)


def test_the_season_length_of_a_collection_is_found(fitted):
    assert fitted.season_length_ == MONTHS
    rng = np.random.default_rng(0)
    noise_only = [rng.normal(size=80).cumsum() for _ in range(6)]  # random walks
    assert detect_season_length(noise_only, max_lag=MONTHS) is None


STEPS = np.arange(96.0)
NO_SEASON_IN_REACH = {
    # The autocorrelation of the changes falls from lag 1 on: lag 2, the edge
    # of the range searched, was taken for its peak.
    "smooth": ([np.sin(STEPS / 40 + s) for s in range(5)], 24),
    "smooth-random": (
        [np.random.default_rng(s).normal(size=96).cumsum().cumsum() for s in range(5)],
        24,
    ),
    # Changes that differ by rounding only: their autocorrelation is that of
    # the rounding errors, which peaked at 16 or 8 (or 5).
    "linear-trend": ([3.7 * STEPS + 2.1 + s for s in range(5)], 24),
    "linear-trend-high": ([1e6 + 0.3 * STEPS * (s + 1) for s in range(5)], 24),
    # A season of 12 seen through lookback=6: still falling at lag 6.
    "season-beyond-lookback": (
        [np.sin(np.pi * STEPS / 6 + s) + 0.1 * np.cos(STEPS * s) for s in range(5)],
        6,
    ),
}


@pytest.mark.parametrize(
    ("series", "lookback"), NO_SEASON_IN_REACH.values(), ids=NO_SEASON_IN_REACH
)
def test_auto_finds_no_season_where_the_autocorrelation_has_no_peak(series, lookback):
    y = np.concatenate(series)
    groups = np.repeat(np.arange(len(series)), 96)
    model = tiny(lookback=lookback, horizon=1, max_iter=1, n_networks=1)
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    assert model.season_length_ is None


@pytest.mark.parametrize("lookback", [MONTHS, 2 * MONTHS])
def test_auto_finds_a_season_at_or_within_the_lookback(lookback):
    _, _, _, series = collection()
    assert detect_season_length(series, max_lag=lookback) == MONTHS


def test_the_components_are_the_pattern_counted_from_the_end():
    values = seasonal_series(96, level=50.0)  # ends after 8 whole seasons
    found = seasonal_components(values, MONTHS, multiplicative=True)
    np.testing.assert_allclose(found, PATTERN / PATTERN.mean(), rtol=0.02)
    # Two steps more: the next step is the pattern's third month.
    later = seasonal_components(seasonal_series(98, 50.0), MONTHS, True)
    np.testing.assert_allclose(later, np.roll(found, -2), rtol=0.02)


def test_only_series_that_pass_the_test_are_adjusted():
    rng = np.random.default_rng(1)
    flat = 5 + rng.normal(size=60)
    assert not is_seasonal(flat, MONTHS)
    assert not is_seasonal(seasonal_series(30, 1.0), MONTHS)  # under 3 seasons
    components, multiplicative = fit_seasonality(
        [seasonal_series(60, 1.0), flat, flat - 10], MONTHS
    )
    assert multiplicative.tolist() == [True, True, False]
    np.testing.assert_array_equal(components[1], 1.0)  # factors that change nothing
    np.testing.assert_array_equal(components[2], 0.0)  # offsets that change nothing
    assert np.ptp(components[0]) > 0.5


def test_a_barely_trained_network_forecasts_the_season_it_was_given(fitted):
    _, _, _, series = collection()
    steps = 18
    groups = np.repeat(np.arange(4), steps)
    forecast = fitted.predict(np.empty((len(groups), 0)), groups=groups)
    without = tiny(season_length=None).fit(*collection()[:2], groups=collection()[2])
    plain = without.predict(np.empty((len(groups), 0)), groups=groups)
    errors, plain_errors = [], []
    for s, values in enumerate(series):
        truth = truth_after(s, len(values), steps)
        errors.append(np.abs(forecast[groups == s] - truth).mean() / truth.mean())
        plain_errors.append(np.abs(plain[groups == s] - truth).mean() / truth.mean())
    assert max(errors) < 0.05
    # Over the collection: one series of a network trained for 4 epochs may
    # land either way.
    assert np.mean(errors) < np.mean(plain_errors)
    assert without.season_length_ is None


def test_an_additive_season_for_series_with_negative_values():
    X, y, groups, series = collection(noise=0.01)
    shift = np.where(groups == 0, -30.0, 0.0)  # series 0 now crosses zero
    model = tiny().fit(X, y + shift, groups=groups)
    assert model._series_season[:, 0].tolist() == [0.0, 1.0, 1.0, 1.0]  # kind
    forecast = model.predict(np.empty((12, 0)), groups=np.zeros(12))
    truth = truth_after(0, len(series[0]), 12) - 30.0
    assert np.abs(forecast - truth).mean() < 0.05 * np.abs(truth).mean()


def test_update_continues_each_series_season(fitted):
    _, _, _, series = collection()
    model = pickle.loads(pickle.dumps(fitted))
    n = len(series[1])
    model.update(np.empty((5, 0)), truth_after(1, n, 5), groups=[1] * 5)
    forecast = model.predict(np.empty((12, 0)), groups=[1] * 12)
    truth = truth_after(1, n, 17)[5:]
    assert np.abs(forecast - truth).mean() < 0.05 * truth.mean()


def test_a_new_series_in_update_gets_its_own_season(fitted):
    model = pickle.loads(pickle.dumps(fitted))
    history = seasonal_series(48, level=7.0, phase=5)
    new, short = 10, 11  # labelled like the fitted series 0, 1, 2
    model.update(np.empty((48, 0)), history, groups=[new] * 48)
    row = model.series_.tolist().index(new)
    assert np.ptp(model._series_season[row]) > 0.5
    forecast = model.predict(np.empty((12, 0)), groups=[new] * 12)
    truth = seasonal_series(60, level=7.0, phase=5)[48:]
    assert np.abs(forecast - truth).mean() < 0.05 * truth.mean()
    model.update(np.empty((20, 0)), history[:20], groups=[short] * 20)
    np.testing.assert_array_equal(model._series_season[-1], 1.0)  # too short


def test_intervals_carry_the_season(fitted):
    widths = {}
    for series in (0, 2):
        groups = np.repeat([series], 6)
        forecast = fitted.predict(np.empty((6, 0)), groups=groups)
        bounds = fitted.predict_interval(np.empty((6, 0)), coverage=0.8, groups=groups)
        assert (bounds[:, 0] < forecast).all() and (forecast < bounds[:, 1]).all()
        widths[series] = bounds[:, 1] - bounds[:, 0]
    # Multiplicative: at every step both series share the pooled half-width,
    # each times its own scale and its month of the season, so the ratio of
    # their widths follows the ratio of their seasons (column 0 is the flag).
    season = fitted._series_season[:, 1:7]
    ratio, seasons = widths[2] / widths[0], season[2] / season[0]
    assert np.ptp(seasons) > 0.2  # the months differ
    np.testing.assert_allclose(ratio / ratio[0], seasons / seasons[0], rtol=1e-6)


def test_a_saved_model_keeps_each_series_season(fitted, tmp_path):
    import sklstm

    path = tmp_path / "seasonal.sklstm"
    sklstm.save(fitted, path)
    loaded = sklstm.load(path)
    assert loaded.season_length_ == MONTHS
    np.testing.assert_array_equal(loaded._series_season, fitted._series_season)
    groups = np.repeat(np.arange(4), 6)
    np.testing.assert_allclose(
        loaded.predict(np.empty((24, 0)), groups=groups),
        fitted.predict(np.empty((24, 0)), groups=groups),
    )


def test_one_series_is_adjusted_only_when_asked():
    _, y, _, _ = collection()
    # 'auto' takes no season out of one series ...
    model = tiny(horizon=1).fit(np.empty((72, 0)), y[:72])
    assert model.season_length_ is None
    # ... but one series is a collection of one: a season length set applies.
    model = tiny(horizon=1, season_length=MONTHS).fit(np.empty((72, 0)), y[:72])
    assert model.season_length_ == MONTHS
    assert model._series_season[0, 0] == 1.0  # multiplicative: a positive series
    forecast = model.predict(np.empty((12, 0)))
    truth = truth_after(0, 72, 12)
    assert np.abs(forecast - truth).mean() < 0.1 * truth.mean()


def test_a_season_longer_than_any_series_adjusts_nothing_and_allocates_nothing():
    X, y, groups, _ = collection()
    model = tiny(season_length=10**12, max_iter=1).fit(X, y, groups=groups)
    assert model.season_length_ is None and model._series_season is None
