"""The regressor's held-out rows, weights and missing targets together."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _factories import tiny_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
WAVE = np.sin(0.2 * np.arange(101)) + RNG.normal(0, 0.1, 101)
X, Y = WAVE[:-1, None], WAVE[1:]
TWO_OUTPUTS = np.column_stack([Y, np.cos(0.2 * np.arange(1, 101))])


def test_auto_early_stopping_trains_on_all_rows_when_only_the_tail_is_observed():
    # Only the held-out tail had observed targets: 'auto' refused, telling
    # the user to set early_stopping=False, the choice it exists to make.
    y = Y.copy()
    y[:90] = np.nan
    model = tiny_regressor(early_stopping="auto").fit(X, y)
    unjudged = tiny_regressor(early_stopping=False).fit(X, y)
    assert model.validation_loss_curve_ is None
    np.testing.assert_array_equal(model.predict(X), unjudged.predict(X))
    with pytest.raises(ValueError, match=r"weight 0 or a missing target"):
        tiny_regressor(early_stopping=True).fit(X, y)


def test_an_output_missing_across_the_tail_is_named_and_the_others_are_judged():
    y = TWO_OUTPUTS.copy()
    y[90:, 1] = np.nan  # the last 10 rows are held out
    with pytest.warns(UserWarning, match=r"output\(s\) \[1\] have fewer than two"):
        model = tiny_regressor(early_stopping=True).fit(X, y)
    assert np.isfinite(model.validation_scores_).all()  # were NaN
    with pytest.raises(ValueError, match=r"has 0 with an observed target for output"):
        model.predict_interval(X, coverage=0.8)


@pytest.mark.parametrize("level", [0.0, 0.5, 2.0])
def test_constant_held_out_targets_score_as_scikit_learn_scores_them(level):
    # A flat tail scored R² = 1 at 0 (for errors up to 0.7) and about -1e13
    # elsewhere: the ratio of two float32 rounding errors.
    y = Y.copy()
    y[90:] = level
    model = tiny_regressor(early_stopping=True).fit(X, y)
    assert r2_score(y[90:], model.predict(X)[90:]) == 0.0
    assert model.validation_scores_ == [0.0] * len(model.validation_scores_)


def test_weights_whose_sum_overflows_weigh_as_the_same_weights_scaled_down():
    weights = np.linspace(1.0, 2.0, 100)
    small = tiny_regressor().fit(X, Y, sample_weight=weights)
    huge = tiny_regressor().fit(X, Y, sample_weight=weights * 1e307)
    np.testing.assert_allclose(huge.predict(X), small.predict(X), rtol=1e-5)


def test_an_output_never_observed_in_training_adds_nothing_to_the_loss():
    # The mask of missing targets was dropped when it was the same on every
    # training row, and the missing targets, read as 0, halved the loss.
    y = TWO_OUTPUTS.copy()
    y[:90, 1] = np.nan  # output 1 is observed in the held-out tail only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        unweighted = tiny_regressor(early_stopping=True).fit(X, y)
        weights = np.r_[1 + 1e-6, np.ones(99)]  # weights break the sameness
        weighted = tiny_regressor(early_stopping=True).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(unweighted.loss_curve_, weighted.loss_curve_, rtol=1e-4)


def test_nullable_float_columns_of_y_are_missing_where_they_hold_na():
    y = pd.DataFrame(TWO_OUTPUTS, columns=["u", "v"])
    y.iloc[[3, 40], 1] = np.nan
    nullable = y.astype("Float64")
    assert nullable["v"].isna().sum() == 2 and nullable.dtypes.iloc[1] == "Float64"
    np.testing.assert_allclose(  # up to the order of a sum's terms
        tiny_regressor().fit(X, nullable).predict(X),
        tiny_regressor().fit(X, y).predict(X),
        rtol=1e-9,
    )


def test_score_reads_na_of_nullable_columns_as_a_missing_target_as_fit_does():
    # fit took it; score refused a DataFrame of two nullable columns with
    # "Input contains NaN", though it took the same NaN as float64.
    y = pd.DataFrame(TWO_OUTPUTS, columns=["u", "v"])
    y.iloc[[3, 95], 1] = np.nan
    nullable = y.astype("Float64")
    model = tiny_regressor().fit(X, nullable)
    predicted = model.predict(X)
    observed = y["v"].notna().to_numpy()
    expected = np.mean(
        [
            r2_score(y["u"], predicted[:, 0]),
            r2_score(y["v"][observed], predicted[observed, 1]),
        ]
    )
    assert model.score(X, nullable) == pytest.approx(expected)


@pytest.mark.parametrize("placeholder", [1e3, 1e6])
def test_a_placeholder_target_of_weight_0_moves_nothing(placeholder):
    # Its row left the loss but not y's standardisation: a placeholder of
    # 1e6 set y's scale to 9e4 and the R² fell from 0.95 to 0.75.
    weights = np.r_[np.ones(50), 0.0, np.ones(49)]
    placed, missing = Y.copy(), Y.copy()
    placed[50], missing[50] = placeholder, np.nan
    with_placeholder = tiny_regressor(early_stopping=False, max_iter=5)
    with_placeholder.fit(X, placed, sample_weight=weights)
    without = tiny_regressor(early_stopping=False, max_iter=5).fit(X, missing)
    np.testing.assert_allclose(
        with_placeholder.predict(X), without.predict(X), rtol=1e-5, atol=1e-6
    )


def test_direct_targets_leave_out_the_rows_not_counted_as_a_table_does():
    from sklstm._scaling import Standardizer
    from sklstm._targets import DirectTargets

    values = np.r_[RNG.normal(size=60), 1e6, RNG.normal(size=39)]
    targets = DirectTargets(values, np.arange(0, 96), block=4)
    counted = np.ones(96, dtype=bool)
    counted[56:61] = False  # every sample whose block holds the 1e6
    direct = Standardizer.fit(targets, counted=counted)
    table = Standardizer.fit(targets.dense(), counted=counted)
    np.testing.assert_allclose(direct.mean, table.mean)
    np.testing.assert_allclose(direct.scale, table.scale)
    assert (direct.scale < 2).all()  # the 1e6 left out
