"""scikit-learn's own estimator checks, run on sklstm's estimators.

The expected failures come from :func:`sklstm.estimator_checks.expected_failed_checks`,
the same dict users pass to ``check_estimator``: each is a check the windowing
makes impossible, with its reason. The default-constructed estimators are
checked too, as a user checking them would.
"""

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import (
    check_estimator,
    check_positive_only_tag_during_fit,
    parametrize_with_checks,
)

from sklstm import LSTMForecaster, LSTMRegressor
from sklstm.estimator_checks import expected_failed_checks


@parametrize_with_checks(
    [
        LSTMRegressor(lookback=1, hidden_size=8, max_iter=30, random_state=0),
        LSTMRegressor(lookback=3, hidden_size=8, max_iter=30, random_state=0),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The defaults train up to 200 epochs per fit: about 25 s for both.
@pytest.mark.slow
@parametrize_with_checks(
    [LSTMRegressor(), LSTMForecaster()], expected_failed_checks=expected_failed_checks
)
def test_default_estimators_are_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.slow
@pytest.mark.parametrize("estimator", [LSTMRegressor(), LSTMForecaster()])
def test_plain_check_estimator_passes_with_the_published_expected_failures(estimator):
    results = check_estimator(
        estimator,
        expected_failed_checks=expected_failed_checks(estimator),
        on_fail=None,
    )
    statuses = {result["check_name"]: result["status"] for result in results}
    expected = set(expected_failed_checks(estimator))
    assert {name for name, status in statuses.items() if status == "xfail"} == expected
    assert "failed" not in statuses.values()


def test_the_default_forecaster_names_the_feature_count_when_the_series_is_short():
    with pytest.raises(
        ValueError, match=r"got 10 sample\(s\) \(X has 1 feature\(s\)\)"
    ):
        LSTMForecaster().fit(np.ones((10, 1)), np.arange(10.0))


@pytest.mark.parametrize(
    "params", [{"lookback": 9}, {"lookback": 3, "horizon": 4, "strategy": "direct"}]
)
def test_a_series_too_short_for_the_held_out_windows_names_the_feature_count(params):
    # What check_fit2d_1feature asks of a refusal of 10 rows of one feature;
    # the held-out windows' refusal did not say it, so the check failed.
    with pytest.raises(ValueError, match=r"X has 1 feature\(s\)"):
        LSTMForecaster(**params).fit(np.ones((10, 1)), np.arange(10.0))


def test_expected_failed_checks_refuses_invalid_parameters_at_once():
    # It looped for ever on validation_fraction=1, never holding out less
    # than every window.
    with pytest.raises(ValueError, match="validation_fraction"):
        expected_failed_checks(LSTMForecaster(validation_fraction=1.0))


def test_expected_failed_checks_refuses_other_estimators():
    with pytest.raises(
        TypeError, match="LSTMRegressor or an LSTMForecaster; got Ridge"
    ):
        expected_failed_checks(Ridge())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_default_forecaster_reports_nan_and_inf_before_the_series_length(bad):
    # What check_estimators_nan_inf asks, on its own 10-row data: the expected
    # failure of the default forecaster is only its later fit on 10 clean rows.
    X = np.random.default_rng(0).uniform(size=(10, 3))
    X[0, 0] = bad
    with pytest.raises(ValueError, match=r"NaN|inf"):
        LSTMForecaster().fit(X, np.arange(10.0))


def test_regressors_have_no_classifier_methods():
    # What check_regressors_no_decision_function asks, without its 10-row fit.
    for estimator in (LSTMRegressor(), LSTMForecaster()):
        for method in ("decision_function", "predict_proba", "predict_log_proba"):
            assert not hasattr(estimator, method)


@pytest.mark.parametrize("scaling", ["log", "log_last"])
def test_logarithmic_scalings_declare_positive_targets_to_scikit_learn(scaling):
    # Undeclared, check_estimator fed them negative y: 26 checks failed.
    model = LSTMForecaster(lookback=2, series_scaling=scaling, max_iter=2)
    check_positive_only_tag_during_fit(type(model).__name__, model)
    assert LSTMForecaster().__sklearn_tags__().target_tags.positive_only is False
