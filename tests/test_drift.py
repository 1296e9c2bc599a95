"""Each series' drift taken out before the network learns, and put back.

A global forecaster of several series takes each series' mean step (its
drift) out of its values (``drift='auto'``), so that the network learns how
a series departs from the straight continuation of its own trend.
"""

import pickle

import numpy as np
import pytest
from test_persistence import _set_array, _tampered_file

import sklstm
from sklstm import LSTMForecaster

SLOPES = np.array([0.5, -0.8, 0.1])
LEVELS = np.array([10.0, 50.0, 5.0])
LENGTH = 60
HORIZON = 4


def lines(length=LENGTH, noise=0.2, seed=0):
    """Three noisy straight lines of different slopes, one after another."""
    rng = np.random.default_rng(seed)
    steps = np.arange(length)
    values = LEVELS[:, None] + SLOPES[:, None] * steps
    values = values + rng.normal(0, noise, values.shape)
    return values.ravel(), np.repeat(np.arange(len(SLOPES)), length)


def continuation(start, n_steps=HORIZON):
    """Each line's noiseless values at steps ``start`` to ``start + n_steps - 1``."""
    steps = np.arange(start, start + n_steps)
    return LEVELS[:, None] + SLOPES[:, None] * steps


def tiny(**params) -> LSTMForecaster:
    return LSTMForecaster(
        lookback=6,
        horizon=HORIZON,
        hidden_size=4,
        n_networks=1,
        max_iter=20,
        random_state=0,
        **params,
    )


def forecast(model) -> np.ndarray:
    """Each line's next ``HORIZON`` steps, one row per line."""
    groups = np.repeat(np.arange(len(SLOPES)), HORIZON)
    forecasts = model.predict(np.empty((len(groups), 0)), groups=groups)
    return forecasts.reshape(len(SLOPES), HORIZON)


@pytest.fixture(scope="module")
def fitted():
    y, groups = lines()
    return tiny().fit(np.empty((len(y), 0)), y, groups=groups)


def test_each_series_trend_is_continued_only_with_its_drift_taken_out(fitted):
    y, groups = lines()
    assert fitted._series_drift is not None  # 'auto': on for several series
    flat = tiny(drift=False).fit(np.empty((len(y), 0)), y, groups=groups)
    truth = continuation(LENGTH)
    error = np.abs(forecast(fitted) - truth).mean()
    # A short window of noisy steps shows the network each trend poorly.
    assert error < 0.3 < np.abs(forecast(flat) - truth).mean()


def test_the_drift_is_each_series_mean_step(fitted):
    y, _ = lines()
    first, last = y.reshape(3, LENGTH)[:, 0], y.reshape(3, LENGTH)[:, -1]
    np.testing.assert_allclose(
        fitted._series_drift[:, 0], (last - first) / (LENGTH - 1), rtol=1e-12
    )


def test_an_update_continues_each_line_from_the_new_end(fitted):
    model = pickle.loads(pickle.dumps(fitted))
    # The new rows: the same lines, eight steps on, without noise.
    new_values = continuation(LENGTH, 8).ravel()
    model.update(np.empty((24, 0)), new_values, groups=np.repeat([0, 1, 2], 8))
    # The drift line stays where the fit put it: forecasts follow on from
    # the new end, not eight steps of drift away from it.
    truth = continuation(LENGTH + 8)
    assert np.abs(forecast(model) - truth).mean() < 0.3
    # A new series gets its own drift from the rows update gives it.
    model.update(np.empty((20, 0)), 3.0 - 0.4 * np.arange(20), groups=[7] * 20)
    assert model._series_drift[-1, 0] == pytest.approx(-0.4)
    new = model.predict(np.empty((HORIZON, 0)), groups=[7] * HORIZON)
    np.testing.assert_allclose(new, 3.0 - 0.4 * np.arange(20, 24), atol=0.5)


def test_missing_last_values_are_forecast_along_the_drift():
    y, groups = lines()
    y = y.copy()
    y[LENGTH - 3 : LENGTH] = np.nan  # the first line's last three values
    model = tiny().fit(np.empty((len(y), 0)), y, groups=groups)
    truth = continuation(LENGTH)
    assert np.isfinite(forecast(model)).all()
    # The holes hold the line's values, not its last observed one repeated.
    assert np.abs(forecast(model)[0] - truth[0]).mean() < 0.5


def test_a_series_that_stopped_moving_is_forecast_flat_though_it_drifted():
    y, groups = lines()
    y = y.copy()
    # A product that sold ever more, then none for the last 30 steps; and
    # one that fell to a level it has held since.
    y[LENGTH : 2 * LENGTH] = np.r_[np.linspace(5.0, 40.0, 30), np.zeros(30)]
    y[2 * LENGTH :] = np.r_[np.linspace(50.0, 30.0, 30), np.full(30, 30.0)]
    model = tiny().fit(np.empty((len(y), 0)), y, groups=groups)
    assert (np.abs(model._series_drift[1:, 0]) > 0.05).all()  # they drifted
    # As seasonal naive, ETS and Theta forecast them: where they stand.
    np.testing.assert_allclose(forecast(model)[1], 0.0, atol=1e-9)
    np.testing.assert_allclose(forecast(model)[2], 30.0, rtol=1e-12)
    bounds = model.predict_interval(np.empty((HORIZON, 0)), groups=[2] * HORIZON)
    assert (bounds[:, 0] <= 30.0).all() and (30.0 <= bounds[:, 1]).all()


def test_a_straight_line_gets_an_interval_of_its_scale_not_of_its_level():
    # A counter or a fixed schedule: constant once its drift is out.
    y, groups = lines()
    y = y.copy()
    y[2 * LENGTH :] = 1000.0 + 5.0 * np.arange(LENGTH)
    model = tiny().fit(np.empty((len(y), 0)), y, groups=groups)
    future = [2] * HORIZON
    truth = 1000.0 + 5.0 * np.arange(LENGTH, LENGTH + HORIZON)
    np.testing.assert_allclose(
        model.predict(np.empty((HORIZON, 0)), groups=future), truth, rtol=5e-3
    )
    bounds = model.predict_interval(np.empty((HORIZON, 0)), groups=future)
    # Scaled by its level, the half-width was about 600 at a level of 1300.
    assert ((bounds[:, 1] - bounds[:, 0]) / 2 < 0.1 * truth).all()
    assert ((bounds[:, 0] <= truth) & (truth <= bounds[:, 1])).all()


def test_one_series_keeps_no_drift_unless_asked():
    y, _ = lines()
    series = y[:LENGTH]
    model = tiny(strategy="recursive").fit(np.empty((LENGTH, 0)), series)
    assert model._series_drift is None
    asked = tiny(strategy="recursive", drift=True).fit(np.empty((LENGTH, 0)), series)
    steps = asked.predict(np.empty((HORIZON, 0)))
    np.testing.assert_allclose(steps, continuation(LENGTH)[0], atol=0.5)


def test_drift_with_a_logarithmic_scaling_is_refused_with_what_to_do():
    y, groups = lines()
    with pytest.raises(ValueError, match=r"drift=True.*logarithm.*drift=False"):
        tiny(series_scaling="log_last", drift=True).fit(
            np.empty((len(y), 0)), y, groups=groups
        )
    model = tiny(series_scaling="log_last").fit(np.empty((len(y), 0)), y, groups=groups)
    assert model._series_drift is None  # 'auto' takes none out of logarithms


def test_a_saved_forecaster_keeps_its_drifts(fitted, tmp_path):
    sklstm.save(fitted, tmp_path / "drift.zip")
    loaded = sklstm.load(tmp_path / "drift.zip")
    np.testing.assert_array_equal(loaded._series_drift, fitted._series_drift)
    np.testing.assert_array_equal(forecast(loaded), forecast(fitted))


def _without_drifts(document, arrays):
    document["estimator"]["fitted"]["_series_drift"] = None
    del arrays["_series_drift"]


def _drifts_without_drift(document, arrays):
    document["estimator"]["fitted"]["_architecture"]["drift"] = False


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set_array("_series_drift", np.array([[np.inf, 0.0]] * 3)), "finite slope"),
        (_set_array("_series_drift", np.array([[1e306, 0.0]] * 3)), "beyond float32"),
        (_set_array("_series_drift", np.array([[0.5, 0.5]] * 3)), "whole number"),
        (_set_array("_series_drift", np.zeros((2, 2))), "for each of 3 series"),
        (_set_array("_series_drift", np.zeros((3, 3))), r"two columns.*\(3, 3\)"),
        (_without_drifts, r"drift=True, but the file holds no drifts"),
        (_drifts_without_drift, r"drift=False, but the file holds drifts"),
    ],
    ids=[
        "infinite-slope",
        "slope-whose-line-overflows",
        "half-a-step",
        "too-few-series",
        "three-columns",
        "drift-without-drifts",
        "drifts-without-drift",
    ],
)
def test_load_refuses_tampered_drifts(fitted, edit, message, tmp_path):
    # Each would load and forecast something else than was saved: flat
    # lines, lines twice over, or infinities.
    with pytest.raises(ValueError, match=message):
        sklstm.load(_tampered_file(tmp_path, edit, fitted))


def test_onnx_refuses_a_forecaster_whose_drift_the_graph_would_not_hold():
    y, _ = lines()
    model = tiny(strategy="recursive", drift=True)
    model.fit(np.empty((LENGTH, 0)), y[:LENGTH])
    with pytest.raises(ValueError, match=r"drift=True.*drift=False to export"):
        sklstm.to_onnx(model)


def test_backtests_see_each_history_with_the_drift_known_up_to_its_origin():
    from sklstm._panel import panel_of
    from sklstm._rollout import Rollout, held_out_lengths, held_out_moves

    # A series flat for 20 steps, then climbing 2 a step: its drift over all
    # 30 values is far from the drift up to any origin of its tail.
    y = np.r_[np.zeros(20), 2.0 * np.arange(1, 11)]
    drift = (y[-1] - y[0]) / 29
    z = y - drift * np.arange(30)  # the values the networks see
    rollout = Rollout(lookback=4, block=3, width=5, change=True)

    def trend_follower(windows):
        # Relative windows hold the steps: continue their mean step.
        return windows[:, :, 0].mean(axis=1, keepdims=True) * np.arange(1, 4)

    panel = panel_of(np.zeros(30, dtype=int), 30)
    errors = held_out_moves(
        trend_follower,
        rollout,
        z,
        np.empty((30, 0)),
        panel,
        0.3,
        drifts=(np.array([-drift]), 3),
    ).errors()
    # Such a forecast continues the mean step of the last 4 values of y
    # whatever drift was taken out, as a forecast from the origin does.
    n_held_out = held_out_lengths(np.array([30]), 0.3, 3)[0]
    for row, origin in enumerate(range(29 - n_held_out, 29)):
        step = (y[origin] - y[origin - 4]) / 4
        for ahead in range(1, min(3, 29 - origin) + 1):
            expected = abs(y[origin] + step * ahead - y[origin + ahead])
            assert errors[row, ahead - 1] == pytest.approx(expected, abs=1e-9)


def test_backtests_score_each_origin_with_the_drift_known_up_to_it():
    from sklstm._panel import panel_of
    from sklstm._rollout import _drifts_up_to

    # Two series in the units the network sees, their drifts taken out: the
    # first climbs 0.5 a step after its first value; the second has a hole
    # at its start, then climbs 1 a step.
    z = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 9.0, 3.0, 4.0, 5.0, 6.0])
    missing = np.zeros(10, dtype=bool)
    missing[5] = True
    panel = panel_of(np.repeat([0, 1], 5), 10)
    origins, codes = np.array([2, 4, 7, 9, 6]), np.array([0, 0, 1, 1, 1])
    unmoved = np.array([-0.1, -0.2])
    moved = _drifts_up_to(z, missing, panel, origins, codes, (unmoved, 2))
    # What each origin's own drift adds per step: the mean step since the
    # first observed value; an origin fewer than 2 changes after it (rows 7
    # and 6) is too early for a drift: its forecast loses the drift taken out.
    np.testing.assert_allclose(moved, [0.5, 0.5, -0.2, 1.0, -0.2])


@pytest.mark.parametrize("drift", [True, False])
def test_a_lookback_of_one_value_is_forecast_by_the_network(drift):
    # One value shows no run of it: it was forecast flat (the last value
    # repeated) without a network, and with the drift taken out, numpy's
    # maximum of an empty array failed the fit.
    t = np.arange(60.0)
    y = 0.5 * t + np.sin(t)
    model = LSTMForecaster(
        lookback=1, drift=drift, hidden_size=4, max_iter=20, random_state=0
    ).fit(np.empty((60, 0)), y)
    forecast = model.predict(np.empty((5, 0)))
    assert np.isfinite(forecast).all()
    assert not np.allclose(forecast, y[-1])
