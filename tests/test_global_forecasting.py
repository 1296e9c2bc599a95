"""LSTMForecaster across many series: fit, predict, update and save with ``groups``."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from _factories import reloaded

import sklstm
from sklstm import LSTMForecaster
from sklstm._forecast_windows import auto_batch_size, training_rows
from sklstm._forecaster import drawable_series, members_weights
from sklstm._panel import panel_of
from sklstm._scaling import Standardizer
from sklstm._windows import lag_windows

LOOKBACK = 6


def tiny(**params) -> LSTMForecaster:
    defaults = dict(lookback=LOOKBACK, hidden_size=4, max_iter=8, random_state=0)
    return LSTMForecaster(**{**defaults, **params})


def wave(n: int, phase: float = 0.0, level: float = 3.0) -> np.ndarray:
    return level + np.sin(0.6 * np.arange(n) + phase)


def collection():
    """Three short series of different scales, lengths and phases, stacked."""
    series = {
        "small": wave(40),
        "large": 1000 * wave(40),  # the small one, 1000 times larger
        "other": 7 * wave(33, phase=1.3),
    }
    y = np.concatenate(list(series.values()))
    groups = np.repeat(list(series), [len(v) for v in series.values()])
    return np.empty((len(y), 0)), y, groups, series


def future(labels_and_steps):
    groups = np.concatenate([[label] * n for label, n in labels_and_steps])
    return np.empty((len(groups), 0)), groups


def interleaving(groups: np.ndarray, seed: int) -> np.ndarray:
    """A row order that mixes the series at random, each still in time order."""
    slots = np.random.default_rng(seed).permutation(len(groups))
    order = np.empty(len(groups), dtype=np.intp)
    for label in np.unique(groups)[::-1]:
        rows = np.flatnonzero(groups == label)
        order[np.sort(slots[: len(rows)])] = rows
        slots = slots[len(rows) :]
    return order


@pytest.fixture(scope="module")
def fitted():
    X, y, groups, _ = collection()
    return tiny().fit(X, y, groups=groups)


# -------------------------------------------------------------- the windows


def test_no_training_window_crosses_two_series():
    # Values that say which series and step they are: series * 1000 + step.
    lengths = [9, 12, 10]
    y = np.concatenate([1000 * s + np.arange(n) for s, n in enumerate(lengths)])
    groups = np.repeat([0, 1, 2], lengths)
    interleaved = interleaving(groups, seed=0)
    panel = panel_of(groups[interleaved], len(y))
    z = y[interleaved][panel.order].astype(np.float64)
    rows, targets, weights, codes = training_rows(
        z, np.empty((len(y), 0)), panel, block=1, change=False
    )
    windows = lag_windows(torch.as_tensor(rows), LOOKBACK, codes)
    trained = windows.take(torch.as_tensor(np.flatnonzero(weights > 0)))[:, :, 0]
    # Every step but a series' last has a window (its target is the next).
    assert len(trained) == sum(n - 1 for n in lengths)
    series_of = trained // 1000
    assert (series_of == series_of[:, :1]).all()
    steps = torch.diff(trained, dim=1)
    # Consecutive steps, or the series' first value repeated before it.
    assert ((steps == 1) | ((steps == 0) & (trained[:, 1:] % 1000 == 0))).all()
    np.testing.assert_array_equal(targets.dense()[:, 0], trained[:, -1].numpy() + 1)


@pytest.mark.parametrize("holes", [False, True], ids=["whole", "with holes"])
def test_direct_targets_train_on_the_numbers_of_their_table(holes):
    # The direct targets stay a view over the series; the regressor reads
    # from it the statistics and minibatches that the table of every
    # window's next values would give, bit for bit.
    rng = np.random.default_rng(0)
    lengths = [30, 41, 25]
    y = rng.standard_normal(sum(lengths)).cumsum() * 1e3 + 1e5
    missing = rng.random(len(y)) < 0.2 if holes else None
    panel = panel_of(np.repeat([0, 1, 2], lengths), len(y))
    _, targets, *_ = training_rows(
        y, np.empty((len(y), 0)), panel, block=5, change=True, missing=missing
    )
    table = targets.dense()
    scaler = Standardizer.fit(targets)
    np.testing.assert_array_equal(scaler.mean, np.nanmean(table, axis=0))
    np.testing.assert_array_equal(scaler.scale, np.nanstd(table, axis=0))
    on_device = targets.on_device(scaler.mean, scaler.scale, torch.device("cpu"))
    samples = torch.as_tensor(rng.permutation(len(table))[:40])
    scaled = np.nan_to_num(scaler.transform(table), nan=0.0)
    np.testing.assert_array_equal(on_device[samples].numpy(), scaled[samples])
    kept = on_device.subset(samples[:10])
    np.testing.assert_array_equal(kept[:].numpy(), scaled[samples[:10]])


def test_series_shorter_than_the_lookback_train_and_are_forecast():
    long = wave(60)
    short = wave(6, phase=0.4)  # far shorter than LOOKBACK
    y = np.concatenate([long, short])
    groups = np.repeat(["long", "short"], [len(long), len(short)])
    model = tiny(max_iter=5, drift=False)
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    X_future, future_groups = future([("short", 3)])
    forecast = model.predict(X_future, groups=future_groups)
    assert np.isfinite(forecast).all()
    # Its history is padded by repeating its first value, as in training.
    np.testing.assert_array_equal(
        model._series_history[1, :, 0], np.r_[[short[0]] * (LOOKBACK + 1 - 6), short]
    )


def test_the_default_batch_grows_with_the_windows_of_many_series(fitted):
    X, y, _, _ = collection()
    assert tiny(max_iter=1).fit(X[:40], y[:40]).regressor_.batch_size == 32
    assert fitted.regressor_.batch_size == 32  # few windows
    # An epoch over many windows stays a few hundred steps.
    assert auto_batch_size(12_800) == 64
    assert auto_batch_size(140_000) == 512
    assert auto_batch_size(10**7) == 1024


def test_a_large_collection_stops_three_epochs_after_its_best():
    # 30 series x 250 steps: about 7 000 windows, epochs of 200+ steps, so
    # 'auto' waits 3 epochs for the held-out loss to improve (10 before).
    # Without the linear path the network starts untrained, so an epoch,
    # not the start, holds the best held-out loss.
    rng = np.random.default_rng(0)
    n_series, length = 30, 250
    y = np.concatenate(
        [
            np.sign(np.sin(0.3 * np.arange(length) + rng.uniform(0, 6)))
            + rng.normal(0, 0.1, length)
            for _ in range(n_series)
        ]
    )
    groups = np.repeat(np.arange(n_series), length)
    model = tiny(max_iter=60, n_networks=1, linear_path=False)
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    curve = model.regressor_.validation_loss_curve_
    assert model.get_params()["n_iter_no_change"] == "auto"
    assert model.regressor_.n_iter_no_change == 3
    assert model.n_iter_ < 60, "the fit should stop early, not at max_iter"
    # It stopped 3 epochs after the last that improved on the best by tol.
    best, last_improved = np.inf, None
    for epoch, loss in enumerate(curve):
        if loss < best - model.tol:
            last_improved = epoch
        best = min(best, loss)
    assert len(curve) - 1 - last_improved == 3


def test_a_short_series_keeps_ten_epochs_of_patience_and_an_int_is_kept():
    X, y, _, _ = collection()
    assert tiny(max_iter=1).fit(X[:40], y[:40]).regressor_.n_iter_no_change == 10
    fitted = tiny(max_iter=1, n_iter_no_change=4).fit(X[:40], y[:40])
    assert fitted.regressor_.n_iter_no_change == 4


def windows_per_epoch(network) -> float:
    """Training windows a network saw per epoch (one step each, batch 1)."""
    return network.t_ / network.n_iter_


def trained_windows(n_series: int, length: int, **params) -> list[float]:
    """The windows each network of a fit on ``n_series`` waves trained on."""
    y = np.concatenate([wave(length, 0.1 * i) for i in range(n_series)])
    groups = np.repeat(np.arange(n_series), length)
    settings = dict(batch_size=1, max_iter=1, early_stopping=False, season_length=None)
    model = tiny(lookback=2, **{**settings, **params})
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    return [windows_per_epoch(network) for network in model._members()]


def test_each_network_of_an_ensemble_trains_on_its_share_of_the_series():
    # Four waves of equal length: two of them hold half the windows.
    every = trained_windows(4, 30, n_networks=3, max_series=1.0, horizon=2)
    assert (
        trained_windows(4, 30, n_networks=3, max_series=2, horizon=2)
        == [every[0] / 2] * 3
    )
    assert (
        trained_windows(4, 30, n_networks=3, max_series=0.5, horizon=2)
        == [every[0] / 2] * 3
    )
    # Every network still forecasts every series.
    y = np.concatenate([wave(30, phase) for phase in (0.0, 0.7, 1.4, 2.1)])
    model = tiny(n_networks=3, max_series=1, horizon=2, max_iter=2)
    model.fit(np.empty((120, 0)), y, groups=np.repeat(list("abcd"), 30))
    future = np.repeat(list("abcd"), 2)
    assert np.isfinite(model.predict(np.empty((8, 0)), groups=future)).all()


def test_auto_trains_every_network_on_every_series_of_a_large_collection():
    # 'auto': every series for every network, however many there are (2/5
    # of them before, in a collection of 100 series or more).
    every = trained_windows(250, 4, n_networks=2, max_series=1.0)
    assert trained_windows(250, 4, n_networks=2) == every
    assert trained_windows(250, 4, n_networks=2, max_series=0.4) == [0.4 * every[0]] * 2


def test_a_network_draws_only_series_with_a_window_left_to_train_on():
    # Four waves beside ten new series of 3 values, whose one or two windows
    # early stopping holds out: a network of one series that drew one of
    # those had nothing to train on, and fit failed for most random states.
    lengths = [40] * 4 + [3] * 10
    y = np.concatenate([wave(n, 0.3 * i) for i, n in enumerate(lengths)])
    groups = np.repeat(np.arange(len(lengths)), lengths)
    settings = dict(batch_size=1, max_iter=1, season_length=None)
    for seed in range(6):
        model = tiny(n_networks=3, max_series=1, random_state=seed, **settings)
        model.fit(np.empty((len(y), 0)), y, groups=groups)
        # Each network trained on the windows of one wave, none held out.
        assert [windows_per_epoch(network) for network in model._members()] == [
            windows_per_epoch(model.regressor_)
        ] * 3
        assert windows_per_epoch(model.regressor_) > 20


def test_a_draw_of_every_trainable_series_leaves_every_window_its_weight():
    # Series "c" has one window, which early stopping holds out: it cannot
    # be drawn, but its held-out window keeps its weight in every network
    # (it counts in the scale of the targets), and it counts among the
    # series a network trains on (which sets batch_size='auto'), as before
    # draws left it out. Series "d" has no window of positive weight.
    codes = np.repeat([0, 1, 2, 3], [10, 10, 1, 2])
    weights = np.r_[np.ones(21), 0.0, 0.0]
    labels = np.array(["a", "b", "c", "d"])
    held_out = np.zeros(len(codes), dtype=bool)
    held_out[[9, 19, 20, 22]] = True
    drawable = drawable_series(labels, weights, codes, held_out)
    assert (drawable[0].tolist(), drawable[1]) == (["a", "b"], 1)
    windows = (weights, codes, labels)
    for max_series in ("auto", 1.0, 2):
        model = LSTMForecaster(max_series=max_series)
        for own, n_series in members_weights(model, 3, drawable, 0, windows):
            np.testing.assert_array_equal(own, weights)
            assert n_series == 3
    (own, n_series), *_ = members_weights(
        LSTMForecaster(max_series=1), 3, drawable, 0, windows
    )
    assert own[20] == 1.0 and own[:20].sum() == 10  # one of "a" and "b", and "c"
    assert n_series == 2


@pytest.mark.parametrize("max_series", [0, 1.5, -0.2, "all"])
def test_a_share_of_series_outside_zero_to_one_is_refused(max_series):
    X, y, groups, _ = collection()
    with pytest.raises(ValueError, match="max_series"):
        tiny(max_series=max_series).fit(X, y, groups=groups)


# ----------------------------------------------------------------- forecasts


def test_a_series_1000_times_larger_is_forecast_as_well_as_its_small_copy(fitted):
    X_future, groups = future([("small", 5), ("large", 5)])
    forecast = fitted.predict(X_future, groups=groups)
    small, large = forecast[:5], forecast[5:]
    np.testing.assert_allclose(large, 1000 * small, rtol=1e-5)
    truth = wave(45)[40:]
    assert np.abs(small - truth).mean() < 0.5  # the shape was learned


def test_windows_relative_to_their_last_value_ignore_the_level(fitted):
    assert fitted._fitted_architecture()["series_scaling"] == "last"  # by 'auto'
    recent = wave(LOOKBACK + 1, phase=0.7)
    forecasts = []
    for level in (0.0, 10.0):
        forecaster = pickle.loads(pickle.dumps(fitted))
        forecaster.update(
            np.empty((LOOKBACK + 1, 0)), recent + level, groups=["small"] * 7
        )
        forecasts.append(forecaster.predict(np.empty((4, 0)), groups=["small"] * 4))
    # The same steps at another level: the same forecast, moved with the level.
    np.testing.assert_allclose(forecasts[1], forecasts[0] + 10.0, rtol=1e-6)


def test_without_per_series_scaling_the_scales_collide():
    X, y, groups, _ = collection()
    # The recurrent network alone: a linear map of the lags (linear_path)
    # started at the ridge solution is scale-equivariant, and a clean sine
    # on a level is a linear recursion of its last three values, so it would
    # hide the collision the network suffers.
    raw = tiny(series_scaling="none", linear_path=False).fit(X, y, groups=groups)
    X_future, future_groups = future([("small", 5), ("large", 5)])
    forecast = raw.predict(X_future, groups=future_groups)
    assert not np.allclose(forecast[5:], 1000 * forecast[:5], rtol=0.05)


def test_series_order_in_the_table_does_not_change_a_forecast(fitted):
    X, y, groups, _ = collection()
    interleaved = interleaving(groups, seed=1)
    assert not (groups[interleaved][:40] == "small").all()
    other = tiny().fit(X[interleaved], y[interleaved], groups=groups[interleaved])
    X_future, future_groups = future([("other", 4), ("small", 3)])
    np.testing.assert_allclose(
        other.predict(X_future, groups=future_groups),
        fitted.predict(X_future, groups=future_groups),
    )


def test_each_row_gets_its_series_forecast_whatever_the_row_order(fitted):
    X_future, groups = future([("small", 4), ("other", 6)])
    together = fitted.predict(X_future, groups=groups)
    mixed_rows = np.array([4, 0, 5, 1, 2, 6, 7, 3, 8, 9])  # each series in order
    mixed = fitted.predict(X_future[mixed_rows], groups=groups[mixed_rows])
    alone_small = fitted.predict(np.empty((4, 0)), groups=["small"] * 4)
    alone_other = fitted.predict(np.empty((6, 0)), groups=["other"] * 6)
    np.testing.assert_allclose(together, np.r_[alone_small, alone_other])
    np.testing.assert_allclose(mixed, together[mixed_rows])


def test_covariates_and_the_direct_strategy_forecast_each_series_alone():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(70, 1))
    y = np.r_[wave(36), 50 * wave(34, phase=2.0)] + X[:, 0]
    groups = np.repeat(["a", "b"], [36, 34])
    forecaster = tiny(strategy="direct", horizon=3).fit(X, y, groups=groups)
    X_future = rng.normal(size=(9, 1))
    future_groups = np.array(["b", "a"] * 2 + ["a"] * 5)
    both = forecaster.predict(X_future, groups=future_groups)
    a, b = future_groups == "a", future_groups == "b"
    # The network computes in float32: a forecast in a batch of other series
    # may differ from the same forecast alone in its last bits.
    np.testing.assert_allclose(
        both[a], forecaster.predict(X_future[a], groups=future_groups[a]), rtol=1e-6
    )
    np.testing.assert_allclose(
        both[b], forecaster.predict(X_future[b], groups=future_groups[b]), rtol=1e-6
    )


def test_predict_series_continues_each_series_own_time_index():
    X, y, groups, series = collection()
    starts = {"small": "2001-01", "large": "2002-06", "other": "2000-03"}
    index = pd.DatetimeIndex(
        np.concatenate(
            [
                pd.date_range(starts[label], periods=len(values), freq="MS")
                for label, values in series.items()
            ]
        )
    )
    forecaster = tiny(max_iter=2).fit(
        X, pd.Series(y, index=index, name="sales"), groups=groups
    )
    X_future, future_groups = future([("large", 2), ("other", 1)])
    forecast = forecaster.predict_series(X_future, groups=future_groups)
    assert forecast.name == "sales"
    assert forecast.index.names == ["series", "time"]
    assert list(forecast.index) == [
        ("large", pd.Timestamp("2005-10-01")),
        ("large", pd.Timestamp("2005-11-01")),
        ("other", pd.Timestamp("2002-12-01")),
    ]
    np.testing.assert_allclose(
        forecast.to_numpy(), forecaster.predict(X_future, groups=future_groups)
    )


def test_predict_series_takes_series_keyed_by_tuples_in_a_plain_list():
    months = pd.date_range("2000-01", periods=30, freq="MS")
    stores = [("store", 1), ("store", 2)]
    y = pd.Series(
        np.r_[wave(30), 5 + wave(30)], index=months.append(months), name="sales"
    )
    groups = [stores[0]] * 30 + [stores[1]] * 30
    forecaster = tiny(max_iter=2).fit(np.empty((60, 0)), y, groups=groups)
    keys = [stores[0]] * 2 + [stores[1]] * 2
    X_future = np.empty((4, 0))

    forecast = forecaster.predict_series(X_future, groups=keys)

    np.testing.assert_array_equal(
        forecast.to_numpy(), forecaster.predict(X_future, groups=keys)
    )
    for held in (
        pd.MultiIndex.from_tuples(keys),
        pd.Index(keys, tupleize_cols=False).to_numpy(),
    ):
        assert forecast.index.equals(
            forecaster.predict_series(X_future, groups=held).index
        )
    assert forecast.index[0] == (stores[0], months[-1] + months.freq)


def test_intervals_are_scaled_like_each_series(fitted):
    X_future, groups = future([("small", 3), ("large", 3)])
    intervals = fitted.predict_interval(X_future, coverage=0.8, groups=groups)
    forecast = fitted.predict(X_future, groups=groups)
    assert (intervals[:, 0] <= forecast).all() and (forecast <= intervals[:, 1]).all()
    width = intervals[:, 1] - intervals[:, 0]
    assert (width > 0).all()
    np.testing.assert_allclose(width[3:], 1000 * width[:3], rtol=1e-5)


def test_score_is_r2_over_the_forecasts_of_all_series(fitted):
    X_future, groups = future([("small", 5), ("other", 5)])
    truth = np.r_[wave(45)[40:], 7 * wave(38, phase=1.3)[33:]]
    forecast = fitted.predict(X_future, groups=groups)
    expected = 1 - ((truth - forecast) ** 2).sum() / ((truth - truth.mean()) ** 2).sum()
    assert fitted.score(X_future, truth, groups=groups) == pytest.approx(expected)


# -------------------------------------------------------------- update


def test_an_unseen_series_is_refused_until_update_gives_its_history(fitted):
    forecaster = pickle.loads(pickle.dumps(fitted))
    X_future, groups = future([("small", 2), ("new", 2)])
    with pytest.raises(
        ValueError, match=r"series without a history: \['new'\].*update"
    ):
        forecaster.predict(X_future, groups=groups)
    history = 5 * wave(20, phase=0.4)
    forecaster.update(np.empty((20, 0)), history, groups=["new"] * 20)
    forecast = forecaster.predict(X_future, groups=groups)
    np.testing.assert_allclose(
        forecast[:2], fitted.predict(X_future[:2], groups=groups[:2])
    )
    truth = 5 * wave(22, phase=0.4)[20:]
    assert np.abs(forecast[2:] - truth).mean() < 0.2 * 5


def test_update_moves_a_known_series_forward(fitted):
    forecaster = pickle.loads(pickle.dumps(fitted))
    steps = wave(43)[40:]
    forecaster.update(np.empty((3, 0)), steps, groups=["small"] * 3)
    after = forecaster.predict(np.empty((2, 0)), groups=["small"] * 2)
    before = fitted.predict(np.empty((5, 0)), groups=["small"] * 5)
    assert not np.allclose(after, before[:2])
    assert abs(after[0] - wave(44)[43]) < 0.5


# ---------------------------------------------------------------- bad input


def test_groups_of_the_wrong_length_are_refused():
    X, y, groups, _ = collection()
    with pytest.raises(ValueError, match=r"groups has 10 labels, but X has \d+ rows"):
        tiny().fit(X, y, groups=groups[:10])


def test_a_missing_series_label_is_refused():
    X, y, _, _ = collection()
    groups = np.repeat([1.0, 2.0, np.nan], [40, 40, 33])
    with pytest.raises(ValueError, match=r"missing label.*row 80"):
        tiny().fit(X, y, groups=groups)


def test_a_series_too_short_to_train_is_forecast_by_the_network_of_the_others():
    # "other" keeps 4 rows: two values make a step, then 3 targets would
    # follow it, so it makes no training window; it used to make fit refuse
    # the whole collection.
    X_all, y_all, groups_all, _ = collection()
    params = dict(strategy="direct", horizon=3, season_length=None, max_iter=3)
    with_short = tiny(**params).fit(X_all[:84], y_all[:84], groups=groups_all[:84])
    # The same as training on the others, then giving it to update().
    without = tiny(**params).fit(X_all[:80], y_all[:80], groups=groups_all[:80])
    without.update(X_all[80:84], y_all[80:84], groups=groups_all[80:84])
    X_future, groups_future = future([("other", 3), ("small", 3), ("large", 3)])
    forecast = with_short.predict(X_future, groups=groups_future)
    assert np.isfinite(forecast).all()
    np.testing.assert_allclose(
        forecast, without.predict(X_future, groups=groups_future), rtol=1e-6
    )
    intervals = with_short.predict_interval(X_future, groups=groups_future)
    assert (intervals[:, 0] <= forecast).all() and (forecast <= intervals[:, 1]).all()


def test_a_hole_in_a_series_too_short_to_train_changes_no_network():
    # Its hole made every network read a mask of missing values, though the
    # series adds no training window: every series' forecast changed.
    X_all, y_all, groups_all, _ = collection()
    y_all = y_all.copy()
    y_all[81] = np.nan  # "other" keeps 4 rows, the second missing
    params = dict(strategy="direct", horizon=3, season_length=None, max_iter=3)
    with_short = tiny(**params).fit(X_all[:84], y_all[:84], groups=groups_all[:84])
    without = tiny(**params).fit(X_all[:80], y_all[:80], groups=groups_all[:80])
    without.update(X_all[80:84], y_all[80:84], groups=groups_all[80:84])
    X_future, groups_future = future([("other", 3), ("small", 3), ("large", 3)])
    np.testing.assert_array_equal(
        with_short.predict(X_future, groups=groups_future),
        without.predict(X_future, groups=groups_future),
    )


def test_a_collection_without_a_series_long_enough_to_train_is_refused():
    X_all, y_all, groups_all, _ = collection()
    keep = np.r_[0:4, 40:44, 80:84]  # 4 rows of each series
    with pytest.raises(ValueError, match=r"at least 5 .*'direct'.*\(4\)"):
        tiny(strategy="auto", horizon=3).fit(
            X_all[keep], y_all[keep], groups=groups_all[keep]
        )


@pytest.mark.parametrize(
    ("series_scaling", "refused"), [("last", True), ("standard", False)]
)
def test_a_series_of_one_value_is_forecast_flat_unless_it_lacks_a_step(
    series_scaling, refused
):
    X_all, y_all, groups_all, _ = collection()
    X, y, groups = X_all[:81], y_all[:81], groups_all[:81]  # "other": 1 value
    model = tiny(series_scaling=series_scaling, max_iter=2)
    if refused:
        with pytest.raises(ValueError, match=r"takes 2 values.*\['other'\]"):
            model.fit(X, y, groups=groups)
        return
    model.fit(X, y, groups=groups)
    X_future, groups_future = future([("other", 4)])
    np.testing.assert_array_equal(model.predict(X_future, groups=groups_future), y[80])


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_a_constant_series_is_forecast_flat_at_its_value(strategy):
    # The network learns the others' average drift and used to add it to
    # a series of zeros (forecasts of 0.01 to 0.14): seasonal naive is exact.
    _, y_all, groups_all, _ = collection()
    y = np.r_[y_all, np.zeros(30), np.full(30, 250.0)]
    groups = np.r_[groups_all, ["zeros"] * 30, ["level"] * 30]
    model = tiny(strategy=strategy, horizon=4, max_iter=3)
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    X_future, groups_future = future([("zeros", 4), ("level", 4), ("small", 4)])
    forecast = model.predict(X_future, groups=groups_future)
    np.testing.assert_array_equal(forecast[:8], np.r_[np.zeros(4), np.full(4, 250.0)])
    assert np.ptp(forecast[8:]) > 0.05  # the others still follow their wave
    # Once the series moves, the network forecasts it again.
    model.update(np.empty((2, 0)), np.array([1.0, 3.0]), groups=["zeros"] * 2)
    assert not np.all(model.predict(X_future[:4], groups=groups_future[:4]) == 3.0)


def test_a_constant_series_with_covariates_is_left_to_the_network():
    # Covariates can move a series that has not moved yet (a promotion).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(110, 1))
    y = np.r_[wave(40) + X[:40, 0], wave(40, 1.0) + X[40:80, 0], np.zeros(30)]
    groups = np.repeat(["a", "b", "zeros"], [40, 40, 30])
    model = tiny(max_iter=3).fit(X, y, groups=groups)
    forecast = model.predict(np.array([[3.0], [-3.0]]), groups=["zeros"] * 2)
    assert forecast[0] != forecast[1]


def test_a_new_series_in_update_needs_one_step_of_history(fitted):
    forecaster = pickle.loads(pickle.dumps(fitted))
    with pytest.raises(ValueError, match=r"at least 2 value.*\['tiny'\]"):
        forecaster.update(np.empty((1, 0)), np.ones(1), groups=["tiny"])
    # Shorter than lookback: padded by its first value, as short series train
    # (to lookback + 1 values, the lookback steps of a relative window). The
    # history holds the values with the series' drift taken out: its mean
    # step, 1.5, times the steps from its end (-3, -2, -1).
    forecaster.update(np.empty((3, 0)), np.array([1.0, 2, 4]), groups=["tiny"] * 3)
    tiny_row = np.flatnonzero(forecaster.series_ == "tiny")[0]
    level = np.array([1.0, 2, 4]) + 1.5 * np.array([3, 2, 1])
    np.testing.assert_array_equal(
        forecaster._series_history[tiny_row, :, 0],
        [level[0]] * (LOOKBACK + 1 - 3) + level.tolist(),
    )


def test_groups_must_match_how_the_forecaster_was_fitted(fitted):
    X, y, _, _ = collection()
    with pytest.raises(ValueError, match=r"knows 3 series.*pass groups="):
        fitted.predict(np.empty((2, 0)))
    single = tiny(max_iter=2).fit(X[:40], y[:40])
    # One series fitted without groups is the collection of the series 0.
    with pytest.raises(ValueError, match=r"without a history: \['a'\].*\(0\)"):
        single.predict(np.empty((2, 0)), groups=["a", "a"])
    np.testing.assert_array_equal(
        single.predict(np.empty((2, 0)), groups=[0, 0]),
        single.predict(np.empty((2, 0))),
    )


def test_log_scaling_refuses_a_non_positive_series():
    X, y, groups, _ = collection()
    y = y.copy()
    y[45] = 0.0
    with pytest.raises(ValueError, match=r"series_scaling='log'.*'large'"):
        tiny(series_scaling="log").fit(X, y, groups=groups)


def test_a_refit_on_many_series_publishes_its_state_only_when_it_is_complete(
    monkeypatch,
):
    # A forecast in another thread during the refit must see the old model
    # whole: until the refit ends, the forecaster keeps its earlier state.
    X, y, groups, _ = collection()
    forecaster = tiny(max_iter=2).fit(X, y, groups=groups)
    X_future, future_groups = future([("small", 3)])
    before = forecaster.predict(X_future, groups=future_groups)
    old_series = forecaster.series_.tolist()
    calibrate = sklstm._forecaster.held_out_moves
    seen_mid_fit = []

    def calibrate_and_look(*args):
        forecast = forecaster.predict(X_future, groups=future_groups)
        seen_mid_fit.append((forecaster.series_.tolist(), forecast))
        return calibrate(*args)

    monkeypatch.setattr(sklstm._forecaster, "held_out_moves", calibrate_and_look)
    keep = groups != "other"
    forecaster.set_params(max_iter=3).fit(X[keep], y[keep], groups=groups[keep])
    series_mid_fit, forecast_mid_fit = seen_mid_fit[0]
    assert series_mid_fit == old_series
    np.testing.assert_array_equal(forecast_mid_fit, before)
    assert forecaster.series_.tolist() == ["large", "small"]


def test_refitting_on_one_series_forgets_the_many():
    X, y, groups, _ = collection()
    forecaster = tiny(max_iter=2).fit(X, y, groups=groups)
    forecaster.fit(X[:40], y[:40])
    assert forecaster.predict(np.empty((2, 0))).shape == (2,)
    assert forecaster.series_.tolist() == [0]
    assert forecaster._series_history.shape[0] == 1


# ----------------------------------------------------------------- state


@pytest.mark.parametrize("round_trip", ["pickle", "save"])
def test_saving_keeps_the_state_of_every_series(fitted, round_trip, tmp_path):
    loaded = reloaded(fitted, round_trip, tmp_path)
    assert loaded.series_.tolist() == fitted.series_.tolist()
    X_future, groups = future([("large", 3), ("small", 2), ("other", 4)])
    np.testing.assert_array_equal(
        loaded.predict(X_future, groups=groups), fitted.predict(X_future, groups=groups)
    )
    np.testing.assert_array_equal(
        loaded.predict_interval(X_future, coverage=0.5, groups=groups),
        fitted.predict_interval(X_future, coverage=0.5, groups=groups),
    )
    history = 2 * wave(10)
    loaded.update(np.empty((10, 0)), history, groups=["zz"] * 10)
    assert loaded.predict(np.empty((1, 0)), groups=["zz"]).shape == (1,)


def test_integer_series_labels_survive_saving(tmp_path):
    X, y, groups, _ = collection()
    codes = np.unique(groups, return_inverse=True)[1] + 10
    forecaster = tiny(max_iter=2).fit(X, y, groups=codes)
    sklstm.save(forecaster, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    assert loaded.series_.tolist() == [10, 11, 12]
    np.testing.assert_array_equal(
        loaded.predict(np.empty((2, 0)), groups=[11, 11]),
        forecaster.predict(np.empty((2, 0)), groups=[11, 11]),
    )


# --------------------------------------------------------------- ensembles


def test_many_series_train_an_ensemble_whose_forecast_is_the_mean(fitted):
    assert len(fitted._members()) == 2  # n_networks='auto' with groups
    weights = [m.network_.rnn.weight_hh_l0.detach() for m in fitted._members()]
    assert not torch.equal(weights[0], weights[1])  # each its own start
    # One step: later recursive steps feed the ensemble's mean back.
    X_future, groups = future([("small", 1), ("other", 1), ("large", 1)])
    alone = []
    for member in fitted._members():
        single = pickle.loads(pickle.dumps(fitted))
        single.regressor_, single._ensemble = member, None
        alone.append(single.predict(X_future, groups=groups))
    np.testing.assert_allclose(
        fitted.predict(X_future, groups=groups), np.mean(alone, axis=0), rtol=1e-6
    )


def test_one_network_is_the_first_of_the_ensemble(fitted):
    X, y, groups, _ = collection()
    one = tiny(n_networks=1).fit(X, y, groups=groups)
    assert one._ensemble is None
    np.testing.assert_array_equal(
        one.regressor_.network_.rnn.weight_hh_l0.detach(),
        fitted.regressor_.network_.rnn.weight_hh_l0.detach(),
    )
    assert tiny(max_iter=1).fit(X[:40], y[:40])._ensemble is None  # one series


def test_a_changed_ensemble_size_is_refused_by_warm_start(fitted):
    X, y, groups, _ = collection()
    model = pickle.loads(pickle.dumps(fitted)).set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"n_networks=3 \(fitted with 2\)"):
        model.set_params(n_networks=3).fit(X, y, groups=groups)


def test_a_warm_start_with_auto_continues_the_fitted_ensemble():
    # A model fitted when 'auto' meant 5 networks keeps its 5 when continued
    # with 'auto', the value its parameters recorded.
    X, y, groups, _ = collection()
    model = tiny(n_networks=5, max_iter=2).fit(X, y, groups=groups)
    before = [member.n_iter_ for member in model._members()]
    model.set_params(n_networks="auto", warm_start=True, max_iter=1)
    model.fit(X, y, groups=groups)
    assert len(model._members()) == 5
    assert [member.n_iter_ for member in model._members()] == [n + 1 for n in before]


def test_a_warm_start_with_auto_keeps_the_season_found_at_the_fit():
    # Six series whose season of 4 steps shows only after their 30th: the
    # first fit finds none, the longer data would find 4. The warm start was
    # refused, asking to "set back" a season_length the user never changed.
    rng = np.random.default_rng(0)

    def observed(n: int):
        t = np.arange(n)
        y = np.concatenate(
            [
                10 + np.sin(np.pi / 2 * t + phase) * (t > 30) + rng.normal(0, 0.3, n)
                for phase in range(6)
            ]
        )
        return np.empty((len(y), 0)), y, np.repeat(np.arange(6), n)

    X, y, groups = observed(30)
    model = tiny(max_iter=2, lookback=8).fit(X, y, groups=groups)
    assert model.season_length_ is None
    X, y, groups = observed(80)
    assert tiny(max_iter=1, lookback=8).fit(X, y, groups=groups).season_length_ == 4
    before = model.n_iter_
    model.set_params(warm_start=True, max_iter=1).fit(X, y, groups=groups)
    assert model.season_length_ is None
    assert model.n_iter_ == before + 1


def test_a_warm_start_keeps_a_given_season_on_series_too_short_to_test_it():
    # season_length=4, never changed, resolved to None on 10 values (fewer
    # than three seasons): the warm start was refused as a change of it.
    t = np.arange(60)
    y = np.concatenate([5 + np.sin(np.pi / 2 * t + phase) for phase in range(6)])
    groups = np.repeat(np.arange(6), 60)
    model = tiny(max_iter=1, lookback=8, season_length=4)
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    assert model.season_length_ == 4
    recent = np.tile(np.arange(60) >= 50, 6)
    model.set_params(warm_start=True).fit(
        np.empty((60, 0)), y[recent], groups=groups[recent]
    )
    assert model.season_length_ == 4
    assert model.n_iter_ == 2


@pytest.mark.filterwarnings("ignore:target=:FutureWarning")
def test_a_warm_start_refuses_a_change_made_through_the_deprecated_target():
    # network_output was left as fitted while target='change' set it; a
    # warm start compared the parameter, kept 'level', and trained on.
    X, y, groups, _ = collection()
    model = tiny(max_iter=1).fit(X, y, groups=groups)
    model.set_params(warm_start=True, target="change")
    with pytest.raises(ValueError, match=r"network_output='change' \(fitted with"):
        model.fit(X, y, groups=groups)
    assert model._fitted_architecture()["network_output"] == "level"


def test_a_warm_start_on_several_series_after_update_added_one_is_refused():
    # A forecaster of one series, given a second by update, is then warm
    # started on both: refused (the scaling and strategy of several series
    # are not those of one), as it is without the update.
    one = wave(60)
    model = tiny(max_iter=1, horizon=2).fit(np.empty((60, 0)), one)
    model.update(np.empty((30, 0)), wave(30, 1.0), groups=np.full(30, 1))
    y = np.r_[one, wave(60, 1.0)]
    groups = np.repeat([0, 1], 60)
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"strategy='direct' \(fitted with"):
        model.fit(np.empty((120, 0)), y, groups=groups)
    assert model._fitted_architecture()["strategy"] == "recursive"


def test_onnx_refuses_an_ensemble_of_many_series_as_many_series(fitted):
    with pytest.raises(ValueError, match=r"fitted on \d+ series.*per series"):
        sklstm.to_onnx(fitted)


def test_a_file_saved_before_ensembles_and_seasons_loads_and_refits(tmp_path):
    from _legacy_files import format_1_file

    X, y, groups, _ = collection()
    model = tiny(n_networks=1, season_length=None, drift=False)
    model.fit(X, y, groups=groups)

    # What sklstm 0.1 wrote: neither parameter, nor their state.
    def before_ensembles(document):
        estimator = document["estimator"]
        for name in ("n_networks", "season_length"):
            del estimator["params"][name]
            del estimator["fitted"]["_architecture"][name]

    path = format_1_file(tmp_path, model, before_ensembles)
    old = sklstm.load(path)
    X_future, future_groups = future([("small", 3), ("other", 2)])
    np.testing.assert_array_equal(
        old.predict(X_future, groups=future_groups),
        model.predict(X_future, groups=future_groups),
    )
    # Continuing with 'auto' (what it loads with) trains the one network it
    # has; asking for another number is refused.
    old.set_params(warm_start=True, max_iter=1, season_length=None)
    with pytest.raises(ValueError, match=r"n_networks=2 \(fitted with 1\)"):
        old.set_params(n_networks=2).fit(X, y, groups=groups)
    assert old.get_params()["n_networks"] == 2
    old.set_params(n_networks="auto").fit(X, y, groups=groups)
    assert len(old._members()) == 1 and old.n_iter_ == model.n_iter_ + 1


def test_no_window_is_left_when_the_gap_before_the_tail_takes_the_rest():
    # Each series makes two windows: the first holds no step, the second is
    # held out; with horizon 3, a third would leak into it: none trains.
    y = np.r_[wave(5), 2 * wave(5, phase=1.0)]
    groups = np.repeat(["a", "b"], 5)
    with pytest.raises(ValueError, match=r"strategy='direct' the 2 windows before"):
        tiny(horizon=3).fit(np.empty((10, 0)), y, groups=groups)
    # One series: 8 windows, 1 held out, 5 before it leak; 2 train.
    one = tiny(lookback=2, strategy="direct", horizon=6, max_iter=1)
    one.fit(np.empty((15, 0)), wave(15))
    assert one.regressor_.n_iter_ == 1
    with pytest.raises(ValueError, match="no window is left to train on"):
        one.fit(np.empty((9, 0)), wave(9))
