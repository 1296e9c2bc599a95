"""Split conformal prediction intervals: calibrated on the held-out last rows."""

import pickle

import numpy as np
import pytest

from sklstm import LSTMRegressor
from sklstm.datasets import load_sunspots

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(100, 2))
TARGET = ROWS[:, 0] + 0.1 * RNG.normal(size=100)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def noisy_sine(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.sin(0.01 * np.arange(n)) + rng.normal(0, 0.2, n)


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


def small_model(**params):
    defaults = dict(
        lookback=3, hidden_size=4, max_iter=5, early_stopping=True, random_state=0
    )
    return LSTMRegressor(**{**defaults, **params})


def test_coverage_on_a_later_stretch_of_the_noisy_sine_is_close_to_nominal():
    coverage = held_out_coverage(noisy_sine(2000), 1500, 0.9, lookback=4)
    assert abs(coverage - 0.9) < 0.05


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


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1, "high"])
def test_coverage_outside_zero_to_one_is_refused(coverage):
    model = small_model().fit(ROWS, TARGET)
    with pytest.raises(ValueError, match="coverage must be a probability"):
        model.predict_interval(ROWS, coverage=coverage)


def test_coverage_beyond_what_the_held_out_rows_can_promise_is_refused():
    model = small_model(validation_fraction=0.1).fit(ROWS, TARGET)  # 10 rows
    with pytest.raises(ValueError, match=r"needs at least 19 held-out rows.*has 10"):
        model.predict_interval(ROWS, coverage=0.95)
