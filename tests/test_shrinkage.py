"""The forecasts' shrinkage toward each series' last value.

A forecast is ``last + (1 - shrinkage) * (network - last)`` in the units the
network sees; ``'auto'`` chooses the shrinkage on the held-out tails.
"""

import numpy as np
import pytest
from _factories import reloaded
from sklearn.utils._param_validation import InvalidParameterError
from test_persistence import _tampered_file

import sklstm
from sklstm import LSTMForecaster

N_SERIES = 20
LENGTH = 50


def covariate_panel(broken: bool, seed: int = 0):
    """Series that move by 3 times a covariate known in advance.

    With ``broken``, the covariate stops moving them in their last 15
    steps (which the held-out tails hold), and the series then barely move.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_SERIES, LENGTH))
    steps = 3 * x
    if broken:
        steps[:, -15:] = 0.1 * rng.normal(size=(N_SERIES, 15))
    y = 50 + np.cumsum(steps, axis=1)
    return x.reshape(-1, 1), y.ravel(), np.repeat(np.arange(N_SERIES), LENGTH)


def tiny(**params) -> LSTMForecaster:
    defaults = dict(
        lookback=3,
        hidden_size=4,
        max_iter=5,
        validation_fraction=0.25,
        random_state=0,
    )
    return LSTMForecaster(**{**defaults, **params})


def next_steps(model, n_steps=2):
    """Every series' next ``n_steps`` forecasts, one row per series."""
    X_future = np.random.default_rng(9).normal(size=(N_SERIES * n_steps, 1))
    groups = np.repeat(np.arange(N_SERIES), n_steps)
    return model.predict(X_future, groups=groups).reshape(N_SERIES, n_steps)


def test_auto_shrinks_where_the_tails_show_the_networks_forecast_worse():
    # Trained while the covariate moved the series, the networks follow it
    # in the tails too, where it no longer does: the last value is far
    # better there. Where it still moves them, the networks are.
    X, y, groups = covariate_panel(broken=True)
    misled = tiny().fit(X, y, groups=groups)
    assert misled.shrinkage_ >= 0.8
    X, y, groups = covariate_panel(broken=False)
    assert tiny().fit(X, y, groups=groups).shrinkage_ <= 0.2


def test_a_shrinkage_keeps_that_share_of_the_networks_move():
    # The same networks (same random state) with shrinkage 0, 1 and 0.4:
    # the season, drift and scaling map the units the network sees to y's
    # by a line, so in y too the forecast keeps 60 % of the move.
    X, y, groups = covariate_panel(broken=True)
    networks, naive, shrunk = (
        next_steps(tiny(shrinkage=s).fit(X, y, groups=groups)) for s in (0.0, 1.0, 0.4)
    )
    assert np.abs(networks - naive).min() > 0.1
    np.testing.assert_allclose(shrunk, naive + 0.6 * (networks - naive), rtol=1e-9)


def test_shrinkage_one_forecasts_each_series_last_value():
    X, y, groups = covariate_panel(broken=False)
    model = tiny(shrinkage=1.0, series_scaling="none", season_length=None, drift=False)
    forecasts = next_steps(model.fit(X, y, groups=groups), n_steps=3)
    last = y.reshape(N_SERIES, LENGTH)[:, -1]
    np.testing.assert_allclose(forecasts, np.repeat(last[:, None], 3, axis=1))


def test_intervals_are_calibrated_on_the_shrunk_forecasts():
    # With shrinkage 1 every forecast, held-out ones included, is the last
    # value whatever the networks learnt: two random states then give the
    # same held-out errors and the same intervals.
    X, y, groups = covariate_panel(broken=False)
    params = dict(shrinkage=1.0, series_scaling="none", season_length=None)
    one, other = (
        tiny(random_state=seed, drift=False, **params).fit(X, y, groups=groups)
        for seed in (0, 1)
    )
    X_future, future_groups = np.zeros((2 * N_SERIES, 1)), np.repeat(np.arange(20), 2)
    np.testing.assert_allclose(
        one.calibration_residuals_, other.calibration_residuals_, rtol=1e-9
    )
    np.testing.assert_allclose(
        one.predict_interval(X_future, groups=future_groups),
        other.predict_interval(X_future, groups=future_groups),
        rtol=1e-9,
    )
    unshrunk = tiny(drift=False, series_scaling="none", season_length=None)
    unshrunk.fit(X, y, groups=groups)
    assert not np.allclose(
        unshrunk.calibration_residuals_, one.calibration_residuals_, equal_nan=True
    )


def test_one_series_keeps_its_networks_forecasts():
    # One series gives no evidence across series for 'auto' to act on.
    X, y, groups = covariate_panel(broken=True)
    alone = tiny().fit(X[groups == 0], y[groups == 0])
    assert alone.shrinkage_ == 0.0


def test_without_held_out_tails_auto_keeps_the_networks_forecasts():
    X, y, groups = covariate_panel(broken=True)
    model = tiny(early_stopping=False).fit(X, y, groups=groups)
    assert model.shrinkage_ == 0.0
    assert model.calibration_residuals_ is None


@pytest.mark.parametrize("shrinkage", [-0.1, 1.5, "none", np.nan])
def test_a_shrinkage_outside_0_and_1_is_refused(shrinkage):
    X, y, groups = covariate_panel(broken=True)
    with pytest.raises(InvalidParameterError, match="shrinkage"):
        tiny(shrinkage=shrinkage).fit(X, y, groups=groups)


@pytest.fixture(scope="module")
def shrunk():
    X, y, groups = covariate_panel(broken=True)
    return tiny().fit(X, y, groups=groups)


@pytest.mark.parametrize("round_trip", ["pickle", "save"])
def test_a_saved_forecaster_keeps_its_shrinkage(shrunk, round_trip, tmp_path):
    loaded = reloaded(shrunk, round_trip, tmp_path)
    assert loaded.shrinkage_ == shrunk.shrinkage_ > 0
    np.testing.assert_array_equal(next_steps(loaded), next_steps(shrunk))


def _set_shrinkage(value):
    def edit(document, arrays):
        document["estimator"]["fitted"]["shrinkage_"] = value

    return edit


@pytest.mark.parametrize("value", [1.5, -0.5, float("inf")])
def test_load_refuses_a_shrinkage_outside_0_and_1(shrunk, value, tmp_path):
    with pytest.raises(ValueError, match=r"shrinkage_ must be between 0 and 1"):
        sklstm.load(_tampered_file(tmp_path, _set_shrinkage(value), shrunk))


def test_a_file_without_a_shrinkage_forecasts_with_none(shrunk, tmp_path):
    # Files saved before the shrinkage existed: the networks' forecasts.
    loaded = sklstm.load(_tampered_file(tmp_path, _set_shrinkage(None), shrunk))
    unshrunk = tiny(shrinkage=0.0).fit(
        *covariate_panel(broken=True)[:2], groups=np.repeat(np.arange(N_SERIES), LENGTH)
    )
    np.testing.assert_allclose(next_steps(loaded), next_steps(unshrunk), rtol=1e-9)


def test_onnx_refuses_a_forecaster_whose_shrinkage_the_graph_would_not_hold():
    X, y, groups = covariate_panel(broken=False)
    model = tiny(shrinkage=0.5, n_networks=1).fit(X[groups == 0], y[groups == 0])
    with pytest.raises(ValueError, match=r"shrinkage_=0\.5.*shrinkage=0 to export"):
        sklstm.to_onnx(model)
