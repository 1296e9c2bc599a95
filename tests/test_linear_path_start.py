"""What the defaults promise: a ridge start that training keeps, stable recursions."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import RidgeCV

from sklstm import LSTMForecaster, LSTMRegressor
from sklstm import _linear_path as linear_path
from sklstm import _regressor as regressor_module
from sklstm import _training as training
from sklstm._linear_path import RELATIVE_PENALTIES, initialise_linear_path
from sklstm._network import RecurrentNetwork
from sklstm._training import Batches, clearly_lower
from sklstm._windows import LagWindows, lag_windows
from sklstm.datasets import load_airline

T = np.arange(300)
# A quarterly-looking trending series: its lags are nearly collinear.
TREND = 100.0 + 0.8 * T + np.random.default_rng(0).normal(0.0, 1.0, len(T))


def standardised_lags(series, lookback):
    """Windows and next values, standardised as the estimator does."""
    x = (series[:-1] - series[:-1].mean()) / series[:-1].std()
    y = (series[1:] - series[1:].mean()) / series[1:].std()
    padded = np.r_[np.repeat(x[:1], lookback - 1), x]
    windows = np.lib.stride_tricks.sliding_window_view(padded, lookback)
    return x, y, windows


def ridgecv_on_the_same_grid(windows, y):
    """scikit-learn's RidgeCV over the penalties the linear path tries."""
    centred = windows - windows.mean(axis=0)
    scale = np.linalg.eigvalsh(centred.T @ centred).clip(0).mean()
    alphas = np.array(RELATIVE_PENALTIES) * scale
    return RidgeCV(alphas=alphas).fit(windows, y)


def test_the_untrained_network_is_ridgecv_on_the_lags_of_a_trending_series():
    lookback = 4
    x, y, windows = standardised_lags(TREND, lookback)
    network = RecurrentNetwork(
        1, 1, lookback, hidden_size=8, num_layers=1, dropout=0.0,
        bidirectional=False, linear_path=True,
    )  # fmt: skip
    data = Batches(
        lag_windows(torch.tensor(x, dtype=torch.float32)[:, None], lookback),
        torch.tensor(y, dtype=torch.float32)[:, None],
    )
    assert initialise_linear_path(network, data)
    with torch.no_grad():
        start = network(data.windows.slice(0, len(x))).numpy().ravel()
    expected = ridgecv_on_the_same_grid(windows, y).predict(windows)
    np.testing.assert_allclose(start, expected, atol=2e-4)


class CountedWindows(LagWindows):
    """Lag windows that count the windows read from them."""

    def slice(self, start, stop):
        batch = super().slice(start, stop)
        self.read.append(len(batch))
        return batch

    def take(self, samples):
        batch = super().take(samples)
        self.read.append(len(batch))
        return batch


def trend_start(lookback: int, most: int, monkeypatch):
    """The ridge start on the trend's lags, its penalty chosen on ``most``
    windows, and how many windows it read."""
    monkeypatch.setattr(linear_path, "LEAVE_ONE_OUT_SAMPLES", most)
    x, y, windows = standardised_lags(TREND, lookback)
    network = RecurrentNetwork(
        1, 1, lookback, hidden_size=8, num_layers=1, dropout=0.0,
        bidirectional=False, linear_path=True,
    )  # fmt: skip
    view = lag_windows(torch.tensor(x, dtype=torch.float32)[:, None], lookback)
    counted = CountedWindows(view.view, view.positions)
    object.__setattr__(counted, "read", [])
    data = Batches(counted, torch.tensor(y, dtype=torch.float32)[:, None])
    assert initialise_linear_path(network, data)
    with torch.no_grad():
        start = network(view.slice(0, len(x))).numpy().ravel()
    return start, sum(counted.read), windows, y


def test_the_ridge_start_reads_the_windows_once_and_a_bounded_sample(monkeypatch):
    # The penalty is chosen on 100 evenly spaced windows of the 299: one
    # pass solves the normal equations, the leave-one-out errors read only
    # the sample (two full passes before).
    start, read, windows, y = trend_start(4, 100, monkeypatch)
    assert read == len(windows) + 100
    # The penalty chosen on them predicts like RidgeCV on all windows.
    expected = ridgecv_on_the_same_grid(windows, y).predict(windows)
    np.testing.assert_allclose(start, expected, atol=1e-2)
    everything, read, _, _ = trend_start(4, len(windows), monkeypatch)
    assert read == 2 * len(windows)  # up to the sample size: RidgeCV exactly
    np.testing.assert_allclose(everything, expected, atol=2e-4)


@pytest.mark.filterwarnings("ignore:Stopped after max_iter")
def test_early_stopping_reads_the_held_out_rows_once_per_epoch_and_at_the_start(
    monkeypatch,
):
    # The start and every epoch are measured (loss, R² and the row errors
    # that decide between the best epoch and the start) from one forward
    # pass over the held-out rows each; the final choice reuses them.
    passes = []
    forward = training.predict_in_batches

    def counted(network, windows, batch_size=None):
        passes.append(len(windows))
        return forward(network, windows, batch_size)

    monkeypatch.setattr(training, "predict_in_batches", counted)
    X, y = TREND[:-1, None], TREND[1:]
    model = LSTMRegressor(
        lookback=4, hidden_size=8, max_iter=6, n_iter_no_change=50,
        early_stopping=True, random_state=0,
    ).fit(X, y)  # fmt: skip
    held_out = int(np.ceil(model.validation_fraction * len(X)))
    assert passes == [held_out] * (model.n_iter_ + 1)


def test_when_no_epoch_beats_the_ridge_start_the_model_is_ridge_on_all_rows():
    lookback = 4
    X, y = TREND[:-1, None], TREND[1:]
    # One epoch at a huge rate spoils the network: early stopping keeps the start.
    model = LSTMRegressor(
        lookback=lookback, hidden_size=8, max_iter=1, learning_rate_init=5.0,
        early_stopping=True, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert model.best_validation_score_ > max(model.validation_scores_)
    _, y_std, windows = standardised_lags(TREND, lookback)
    ridge = ridgecv_on_the_same_grid(windows, y_std)  # on every row, held-out too
    expected = ridge.predict(windows) * y.std() + y.mean()
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-3 * y.std())


def test_falling_back_to_ridge_on_all_rows_reads_only_the_held_out_rows_again(
    monkeypatch,
):
    # The start solved the training rows' normal equations; the fallback to
    # ridge on all rows adds the held-out rows' sums to them instead of
    # reading every window a second time (the penalty is chosen again from
    # leave-one-out errors, read apart).
    read = []
    sums_of = linear_path.moment_sums

    def counted(data, n_inputs):
        read.append(len(data))
        return sums_of(data, n_inputs)

    monkeypatch.setattr(linear_path, "moment_sums", counted)
    monkeypatch.setattr(regressor_module, "moment_sums", counted)
    X, y = TREND[:-1, None], TREND[1:]
    model = LSTMRegressor(
        lookback=4, hidden_size=8, max_iter=1, learning_rate_init=5.0,
        early_stopping=True, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert model.best_validation_score_ > max(model.validation_scores_)
    assert sum(read) == len(X)


def test_the_output_layer_and_linear_path_learn_at_a_rate_scaled_to_the_start_error():
    X, y = TREND[:-1, None], TREND[1:]
    model = LSTMRegressor(lookback=4, hidden_size=8, max_iter=2, random_state=0)
    model.fit(X, y)
    recurrent, output_side = model._optimizer.param_groups
    assert recurrent["lr"] == model.learning_rate_init
    # The ridge start leaves ~1 % of the spread of a trend: steps that small.
    assert output_side["lr"] < 0.05 * model.learning_rate_init
    head = {id(p) for p in model.network_.head.parameters()}
    head |= {id(p) for p in model.network_.linear.parameters()}
    assert {id(p) for p in output_side["params"]} == head
    without = LSTMRegressor(lookback=4, hidden_size=8, max_iter=2, random_state=0)
    without.set_params(linear_path=False).fit(X, y)  # random start: full rate
    assert [g["lr"] for g in without._optimizer.param_groups] == [
        model.learning_rate_init
    ] * 2


@pytest.mark.slow
def test_training_does_not_undo_the_ridge_start_beyond_the_training_range():
    X, y = TREND[:-1, None], TREND[1:]
    n_train = 240  # the last 59 rows lie above every training value
    model = LSTMRegressor(
        lookback=4, hidden_size=8, max_iter=20, early_stopping=False, random_state=0
    ).fit(X[:n_train], y[:n_train])
    lags = np.lib.stride_tricks.sliding_window_view(TREND[:-1], 4)  # rows 3 ...
    ridge = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(
        lags[: n_train - 3], y[3:n_train]
    )
    lstm_error = np.abs(model.predict(X)[n_train:] - y[n_train:]).mean()
    ridge_error = np.abs(ridge.predict(lags[n_train - 3 :]) - y[n_train:]).mean()
    assert lstm_error < 1.5 * ridge_error


def airline_with_calendar():
    """Log airline passengers beside the month's sine and cosine and a trend.

    Row t holds the value t and the columns of step t + 1; the target is the
    value t + 1. The trend column of the last rows lies beyond its training
    range.
    """
    values = np.log(load_airline().to_numpy(dtype=float))
    t = np.arange(len(values))
    angle = 2 * np.pi * (t % 12) / 12
    columns = np.column_stack([np.sin(angle), np.cos(angle), t / 12])
    return np.column_stack([values[:-1], columns[1:]]), values[1:]


@pytest.mark.parametrize("seed", [0, 1])
def test_epochs_that_beat_the_start_on_few_held_out_rows_by_chance_are_not_kept(seed):
    # Twelve held-out months err alike from one month to the next: epochs
    # that beat the ridge start on them did not beat it on the next two years.
    X, y = airline_with_calendar()
    n_train, lookback = 114, 12
    model = LSTMRegressor(lookback=lookback, random_state=seed).fit(
        X[:n_train], y[:n_train]
    )
    padded = np.concatenate([np.repeat(X[:1], lookback - 1, axis=0), X])
    windows = np.lib.stride_tricks.sliding_window_view(padded, lookback, axis=0)
    windows = windows.reshape(len(X), -1)
    ridge = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(windows[:n_train], y[:n_train])
    lstm_error = np.abs(model.predict(X)[n_train:] - y[n_train:]).mean()
    ridge_error = np.abs(ridge.predict(windows[n_train:]) - y[n_train:]).mean()
    assert lstm_error < 1.1 * ridge_error


def test_the_best_of_many_epochs_must_beat_the_start_by_more_than_one_epoch():
    # The same gains per held-out row: convincing from one epoch, not as the
    # best of fifty, which chance alone would make look that good.
    start = torch.ones(12, dtype=torch.float64)
    gains = torch.linspace(-0.1, 0.3, 12, dtype=torch.float64)
    assert clearly_lower(start - gains, start)
    assert not clearly_lower(start - gains, start, candidates=50)


@pytest.mark.parametrize(
    ("n_rows", "holds_out"), [(120, 12), (41, 5), (40, None), (1, None)]
)
def test_auto_early_stopping_holds_out_the_last_rows_only_when_there_are_enough(
    n_rows, holds_out
):
    X, y = TREND[:n_rows, None], TREND[1 : n_rows + 1]
    model = LSTMRegressor(lookback=3, hidden_size=4, max_iter=3, random_state=0)
    assert model.early_stopping == "auto"
    model.fit(X, y)
    if holds_out is None:
        assert model.validation_scores_ is None
        assert model.calibration_residuals_ is None
    else:
        assert len(model.validation_scores_) == model.n_iter_
        assert len(model.calibration_residuals_) == holds_out
    assert model.predict(X).shape == (n_rows,)


# ------------------------------------------- covariates of every kind

COVARIATE_KINDS = ("trend", "calendar", "smooth", "constant", "dummies", "collinear")


def covariate_columns(kind, t, previous, rng):
    """The columns of one kind that users put beside a series."""
    if kind == "trend":
        return [t / len(t)]
    if kind == "calendar":
        period = rng.choice([7, 12, 24])
        return [np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)]
    if kind == "smooth":
        return [np.cos(rng.uniform(0.005, 0.05) * t)]
    if kind == "constant":
        return [np.ones_like(t)]
    if kind == "dummies":
        return list((t % 4 == np.arange(4)[:, None]).astype(float))
    return [rng.uniform(-2, 2) * previous + rng.uniform(-1, 1)]  # collinear


def covariate_mixture(seed):
    """A noisy sine beside one to three kinds of covariates, and a lookback.

    Every column gets its own scale and offset (1e-3 to 1e4). What
    standardising leaves is how collinear their lags are: those of a trend,
    a smooth cosine or a calendar sine span two directions, those of dummies
    are permutations of each other, a constant has no spread, and a
    collinear column is an affine copy of the column before it.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(120, 300))
    t = np.arange(n + 1.0)
    series = np.sin(2 * np.pi * t / rng.uniform(20, 60)) + rng.normal(0, 0.1, n + 1)
    columns = [series]
    for kind in rng.choice(COVARIATE_KINDS, size=int(rng.integers(1, 4))):
        columns += covariate_columns(kind, t, columns[-1], rng)
    X = np.column_stack(columns)[:-1]
    X = X * 10.0 ** rng.uniform(-3, 4, X.shape[1])
    X = X + 10.0 ** rng.uniform(-1, 4, X.shape[1])
    return X, series[1:], int(rng.integers(3, 9))


def float32_windows(rows, lookback):
    """Lag windows of float32 rows, the first row repeated before them."""
    padded = np.concatenate([np.repeat(rows[:1], lookback - 1, axis=0), rows])
    windows = np.lib.stride_tricks.sliding_window_view(padded, lookback, axis=0)
    return np.ascontiguousarray(windows.transpose(0, 2, 1))


def standardised_float32(X, y, n_train):
    """Rows and targets standardised on the training rows, as fit does."""
    mean, std = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
    std[std <= 1e-12 * np.maximum(np.abs(mean), 1.0)] = 1.0  # constant columns
    rows = ((X - mean) / std).astype(np.float32)
    targets = ((y - y[:n_train].mean()) / y[:n_train].std()).astype(np.float32)
    return rows, targets


def untrained_network(rows, targets, lookback):
    """A network whose linear path starts at the ridge fit of these rows."""
    network = RecurrentNetwork(
        rows.shape[1], 1, lookback, hidden_size=2, num_layers=1, dropout=0.0,
        bidirectional=False, linear_path=True,
    )  # fmt: skip
    data = Batches(
        lag_windows(torch.from_numpy(rows), lookback),
        torch.from_numpy(targets[:, None]),
    )
    assert initialise_linear_path(network, data) is not None
    return network


# 40 mixtures in the fast suite, 300 with the slow tests.
MIXTURE_SEEDS = [
    *range(40),
    *(pytest.param(seed, marks=pytest.mark.slow) for seed in range(40, 300)),
]


@pytest.mark.parametrize("seed", MIXTURE_SEEDS)
def test_the_untrained_network_is_as_accurate_as_ridgecv_with_covariates_of_any_kind(
    seed,
):
    X, y, lookback = covariate_mixture(seed)
    n_train = int(0.8 * len(y))
    rows, targets = standardised_float32(X, y, n_train)
    network = untrained_network(rows[:n_train], targets[:n_train], lookback)
    train = float32_windows(rows[:n_train], lookback)
    ridge = RidgeCV(alphas=np.logspace(-4, 2, 13))
    ridge.fit(train.reshape(n_train, -1).astype(np.float64), targets[:n_train])
    # The unseen rows after the training rows, and on their own: then their
    # first windows are padded, as when predict is given only the new rows.
    unseen = float32_windows(rows, lookback)[n_train:]
    alone = float32_windows(rows[n_train:], lookback)
    cases = {
        "training rows": (train, targets[:n_train], 1.25),
        "unseen rows": (unseen, targets[n_train:], 1.25),
        "unseen rows alone": (alone, targets[n_train:], 6.0),
    }
    for case, (windows, truth, factor) in cases.items():
        with torch.no_grad():
            start = network(torch.from_numpy(windows)).numpy().ravel()
        flat = windows.reshape(len(windows), -1).astype(np.float64)
        start_error = np.mean((start - truth) ** 2)
        ridge_error = np.mean((ridge.predict(flat) - truth) ** 2)
        assert start_error <= factor * ridge_error, case


def test_the_start_beside_a_smooth_column_predicts_new_rows_given_alone():
    # A noisy sine beside cos(0.03 t), lookback 10, the last 120 of 600 rows
    # predicted on their own: the 9 padded windows at their start lie off the
    # collinear lags of the cosine, along which the start had fitted the
    # padded training windows with coefficients of about 400 (R² -0.69,
    # RidgeCV 0.98).
    t = np.arange(601.0)
    wave = np.sin(0.05 * t) + np.random.default_rng(0).normal(0.0, 0.1, len(t))
    X, y, lookback, n_train = np.c_[wave, np.cos(0.03 * t)][:-1], wave[1:], 10, 480
    rows, targets = standardised_float32(X, y, n_train)
    network = untrained_network(rows[:n_train], targets[:n_train], lookback)
    train = float32_windows(rows[:n_train], lookback).reshape(n_train, -1)
    ridge = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(train, targets[:n_train])
    new_rows = float32_windows(rows[n_train:], lookback)
    with torch.no_grad():
        start = network(torch.from_numpy(new_rows)).numpy().ravel()
    reference = ridge.predict(new_rows.reshape(len(new_rows), -1))
    start_error = np.mean((start - targets[n_train:]) ** 2)
    ridge_error = np.mean((reference - targets[n_train:]) ** 2)
    assert start_error <= 1.25 * ridge_error


# -------------------------------------------------- recursive forecasts


PERIOD = 25
WAVE = np.sin(2 * np.pi * np.arange(400) / PERIOD)


def recursive_forecast(model, history, steps, lookback):
    """Feed the regressor's own predictions back as its newest inputs."""
    values = list(history[-lookback:])
    for _ in range(steps):
        window = np.array(values[-lookback:])[None, :, None]
        values.append(float(model.predict(window)[0]))
    return np.array(values[lookback:])


def assert_bounded_and_in_phase(forecast, truth):
    assert np.abs(forecast).max() < 1.25  # the wave's amplitude is 1
    assert np.corrcoef(forecast, truth)[0, 1] > 0.95
    # Peaks where the wave peaks: the same step within each period.
    assert np.array_equal(
        forecast.reshape(-1, PERIOD).argmax(axis=1),
        truth.reshape(-1, PERIOD).argmax(axis=1),
    )


def test_regressor_fed_its_own_predictions_follows_a_clean_sine_for_100_steps():
    X, y = WAVE[:299, None], WAVE[1:300]
    model = LSTMRegressor(lookback=8, hidden_size=8, max_iter=20, random_state=0)
    model.fit(X, y)
    forecast = recursive_forecast(model, WAVE[:300], 100, lookback=8)
    assert_bounded_and_in_phase(forecast, WAVE[300:400])


def test_recursive_forecaster_follows_a_clean_sine_for_100_steps():
    forecaster = LSTMForecaster(
        lookback=8, strategy="recursive", hidden_size=8, max_iter=20, random_state=0
    ).fit(np.empty((300, 0)), WAVE[:300])
    forecast = forecaster.predict(np.empty((100, 0)))
    assert_bounded_and_in_phase(forecast, WAVE[300:400])


@pytest.mark.parametrize("off", [False, np.False_])
def test_early_stopping_switched_off_holds_nothing_out(off):
    X, y = TREND[:120, None], TREND[1:121]
    model = LSTMRegressor(lookback=3, hidden_size=4, max_iter=2, early_stopping=off)
    assert model.fit(X, y).validation_scores_ is None


@pytest.mark.parametrize(("n_outputs", "weighted"), [(1, False), (3, True)])
def test_the_start_error_from_the_normal_equations_is_the_networks_error(
    n_outputs, weighted
):
    # The output-side learning rate is scaled by this error: it is solved
    # from the moments instead of running the network over every window.
    rng = np.random.default_rng(n_outputs)
    t = np.arange(300)
    rows = np.c_[np.sin(t / 7), rng.normal(size=len(t))].astype(np.float32)
    targets = np.stack(
        [np.roll(rows[:, 0], -k - 1) + 0.1 * rng.normal(size=len(t))
         for k in range(n_outputs)], axis=1,
    ).astype(np.float32)  # fmt: skip
    weights = None
    if weighted:
        weights = rng.uniform(0.0, 2.0, len(t))
        weights[:20] = 0.0
        weights = torch.tensor(weights / weights.mean(), dtype=torch.float32)
    network = RecurrentNetwork(
        2, n_outputs, 6, hidden_size=4, num_layers=1, dropout=0.0,
        bidirectional=False, linear_path=True,
    )  # fmt: skip
    data = Batches(
        lag_windows(torch.from_numpy(rows), 6), torch.from_numpy(targets), weights
    )
    start = initialise_linear_path(network, data)
    with torch.no_grad():
        squared = (network(data.windows.slice(0, len(t))) - data.targets).square()
    squared = squared.mean(dim=1) * (1.0 if weights is None else weights)
    measured = float(squared.mean().sqrt())
    assert 0.05 < measured < 0.5  # a start that fits some, not all
    assert start.rms_error == pytest.approx(measured, rel=1e-5)


@pytest.mark.parametrize("n_train", [30, 40, 46])
def test_with_no_more_windows_than_inputs_the_start_predicts_as_ridgecv(n_train):
    # 46 windows of 48 inputs: under the smallest penalties every window is
    # fitted alone (leverage 1), and its leave-one-out error is 0 / 0. The
    # start once took the smallest penalty, an interpolation: test R² -3.1
    # at 46 windows, where RidgeCV on the same windows scores 0.4.
    lookback, n_features = 6, 8
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_train + 300, n_features))
    y = X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.normal(size=len(X))
    rows, targets = standardised_float32(X, y, n_train)
    windows = float32_windows(rows, lookback)
    network = untrained_network(rows[:n_train], targets[:n_train], lookback)
    with torch.no_grad():
        start = network(torch.from_numpy(windows[n_train:])).numpy().ravel()
    flat = windows.reshape(len(windows), -1).astype(np.float64)
    ridge = ridgecv_on_the_same_grid(flat[:n_train], targets[:n_train])
    truth = targets[n_train:]

    def r2(prediction):
        return 1 - np.mean((prediction - truth) ** 2) / np.var(truth)

    assert r2(start) > 0
    assert r2(start) == pytest.approx(r2(ridge.predict(flat[n_train:])), abs=0.02)
