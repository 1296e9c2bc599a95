"""The learning-rate schedule changes the optimiser's rate as documented."""

import contextlib
import math
from functools import partial

import numpy as np
import pytest
from _factories import tiny_regressor
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from torch.optim.optimizer import register_optimizer_step_pre_hook

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(40, 2))
TARGET = ROWS[:, 0] + 0.1 * RNG.normal(size=40)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@contextlib.contextmanager
def recorded_rates():
    """The learning rate of every optimiser step taken inside the block."""
    rates = []
    handle = register_optimizer_step_pre_hook(
        lambda optimizer, args, kwargs: rates.append(optimizer.param_groups[0]["lr"])
    )
    try:
        yield rates
    finally:
        handle.remove()


one_step_per_epoch = partial(
    tiny_regressor,
    lookback=2,
    hidden_size=3,
    batch_size=1000,
    max_iter=8,
    n_iter_no_change=100,
    learning_rate_init=0.01,
)


def test_constant_schedule_keeps_the_initial_rate():
    with recorded_rates() as rates:
        one_step_per_epoch().fit(ROWS, TARGET)
    assert rates == [0.01] * 8


def test_cosine_schedule_anneals_the_rate_to_zero_over_max_iter_epochs():
    with recorded_rates() as rates:
        model = one_step_per_epoch(learning_rate="cosine").fit(ROWS, TARGET)
    expected = [0.01 * (1 + math.cos(math.pi * e / 8)) / 2 for e in range(8)]
    np.testing.assert_allclose(rates, expected, rtol=1e-9)
    assert model._optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_plateau_schedule_divides_the_rate_by_5_after_two_epochs_without_progress():
    # tol=100: after the first epoch no epoch improves the loss by tol.
    with recorded_rates() as rates:
        one_step_per_epoch(learning_rate="plateau", tol=100.0).fit(ROWS, TARGET)
    # Epoch 1 sets the reference; epochs 2-3 fail, so epoch 4 runs at 0.01 / 5;
    # epochs 4-5 fail, so epoch 6 runs at 0.01 / 25, and so on.
    expected = [0.01, 0.01, 0.01, 0.002, 0.002, 0.0004, 0.0004, 0.00008]
    np.testing.assert_allclose(rates, expected, rtol=1e-9)


def test_plateau_schedule_follows_the_training_loss_as_documented():
    with recorded_rates() as rates:
        model = one_step_per_epoch(
            learning_rate="plateau", tol=1e-3, max_iter=12, learning_rate_init=0.05
        ).fit(ROWS, TARGET)
    # The documented rule, replayed on the recorded loss curve.
    expected, rate, best, failures = [], 0.05, math.inf, 0
    for loss in model.loss_curve_:
        expected.append(rate)
        if loss < best - 1e-3:
            best, failures = loss, 0
        else:
            failures += 1
        if failures == 2:
            rate, failures = rate / 5, 0
    np.testing.assert_allclose(rates, expected, rtol=1e-9)


def test_partial_fit_after_a_cosine_fit_trains_at_the_initial_rate():
    model = one_step_per_epoch(learning_rate="cosine").fit(ROWS, TARGET)
    with recorded_rates() as rates:
        model.partial_fit(ROWS, TARGET)
    assert rates == [0.01]


def test_unknown_schedule_is_refused_at_fit_naming_the_choices():
    with pytest.raises(ValueError, match=r"learning_rate.*'cosine'"):
        one_step_per_epoch(learning_rate="adaptive").fit(ROWS, TARGET)


def test_schedule_is_a_plain_grid_searchable_parameter():
    model = one_step_per_epoch(learning_rate="plateau", max_iter=2)
    assert clone(model).get_params()["learning_rate"] == "plateau"
    search = GridSearchCV(
        model,
        {"learning_rate": ["constant", "cosine"]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(ROWS, TARGET)
    assert search.best_params_["learning_rate"] in {"constant", "cosine"}
    assert len(search.cv_results_["params"]) == 2
