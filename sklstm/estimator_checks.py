"""The scikit-learn estimator checks sklstm's estimators cannot pass, and why.

scikit-learn's :func:`~sklearn.utils.estimator_checks.check_estimator` and
:func:`~sklearn.utils.estimator_checks.parametrize_with_checks` take a dict of
expected failures, check name to reason. :func:`expected_failed_checks` gives
it for any sklstm estimator and its parameters, so you can check an sklstm
estimator, or your own estimator built on one, yourself::

    from sklearn.utils.estimator_checks import check_estimator
    from sklstm import LSTMRegressor
    from sklstm.estimator_checks import expected_failed_checks

    model = LSTMRegressor()
    check_estimator(model, expected_failed_checks=expected_failed_checks(model))

Every entry is a check that the windowing makes impossible, never a bug left
unfixed.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from sklstm._forecast_settings import resolve_architecture, shortest_trainable
from sklstm._forecaster import LSTMForecaster
from sklstm._regressor import LSTMRegressor

__all__ = ["expected_failed_checks"]

# With lookback > 1 a prediction depends on the rows before it, so these two
# checks cannot hold: they predict subsets or reordered rows and expect the
# same per-row answers.
WINDOWING_MAKES_IMPOSSIBLE = {
    "check_methods_subset_invariance": (
        "each prediction uses the lookback-1 rows before it; a subset has "
        "other neighbours, so other predictions"
    ),
    "check_methods_sample_order_invariance": (
        "each prediction uses the lookback-1 rows before it; reordering rows "
        "changes every window"
    ),
}

# Whatever the lookback, a weight of k cannot equal k copies of a row: copies
# of a row are new rows, which shift the lag windows of the rows after them,
# and change the number and make-up of the shuffled minibatches.
SAMPLE_WEIGHTS_MAKE_IMPOSSIBLE = {
    "check_sample_weight_equivalence_on_dense_data": (
        "repeating a row inserts rows into the lag windows of the rows after "
        "it and changes the minibatches, so it cannot match an integer weight"
    ),
}

# A forecaster's predict(X) forecasts the steps after the training series, so
# checks that compare predictions of subsets or reordered rows of the training
# X cannot hold, and X without columns is valid input.
FORECASTING_MAKES_IMPOSSIBLE = {
    "check_methods_subset_invariance": (
        "predict(X) forecasts len(X) steps after the series; a subset is a "
        "shorter forecast, whose steps have other horizons"
    ),
    "check_methods_sample_order_invariance": (
        "the rows of X are future steps in time order; reordering them "
        "changes the forecast"
    ),
    "check_estimators_empty_data_messages": (
        "X with zero columns is a series without covariates, which a forecaster accepts"
    ),
}

#: The number of rows of the data these checks fit on, fixed by scikit-learn.
CHECK_ROWS = 10
# These checks need a successful fit on CHECK_ROWS rows.
_FIT_ON_TEN_ROWS = ("check_estimators_nan_inf", "check_regressors_no_decision_function")


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The scikit-learn checks ``estimator`` cannot pass, with the reasons.

    Parameters
    ----------
    estimator : LSTMRegressor or LSTMForecaster
        The estimator to check, with the parameters it will be checked with
        (``lookback`` and, for a forecaster, ``strategy``, ``horizon`` and
        ``early_stopping`` decide what it can pass).

    Returns
    -------
    dict of str to str
        Check name to the reason it must fail, for the ``expected_failed_checks``
        argument of :func:`~sklearn.utils.estimator_checks.check_estimator` and
        :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`.

    Raises
    ------
    TypeError
        If ``estimator`` is not an sklstm estimator.

    Examples
    --------
    >>> from sklstm import LSTMForecaster, LSTMRegressor
    >>> from sklstm.estimator_checks import expected_failed_checks
    >>> sorted(expected_failed_checks(LSTMRegressor(lookback=1)))
    ['check_sample_weight_equivalence_on_dense_data']
    >>> len(expected_failed_checks(LSTMRegressor()))
    3
    >>> "check_estimators_nan_inf" in expected_failed_checks(LSTMForecaster())
    True
    >>> "check_estimators_nan_inf" in expected_failed_checks(LSTMForecaster(lookback=2))
    False
    """
    if isinstance(estimator, (LSTMForecaster, LSTMRegressor)):
        estimator._validate_params()  # as fit does, before reading them
    if isinstance(estimator, LSTMForecaster):
        expected = dict(FORECASTING_MAKES_IMPOSSIBLE)
        architecture = resolve_architecture(
            estimator.get_params(deep=False), [np.zeros(CHECK_ROWS)]
        )
        strategy = architecture["strategy"]
        shortest = shortest_trainable(
            architecture, estimator.early_stopping, estimator.validation_fraction
        )
        if shortest > CHECK_ROWS:
            reason = (
                f"the check fits on a series of {CHECK_ROWS} observations, shorter "
                f"than the {shortest} that lookback={estimator.lookback}, "
                f"strategy={strategy!r}, horizon={estimator.horizon} and "
                f"early_stopping={estimator.early_stopping} need for one training "
                "and one held-out window; fit refuses it with a ValueError saying so"
            )
            expected.update(dict.fromkeys(_FIT_ON_TEN_ROWS, reason))
        return expected
    if isinstance(estimator, LSTMRegressor):
        if estimator.lookback > 1:
            return {**WINDOWING_MAKES_IMPOSSIBLE, **SAMPLE_WEIGHTS_MAKE_IMPOSSIBLE}
        return dict(SAMPLE_WEIGHTS_MAKE_IMPOSSIBLE)
    raise TypeError(
        f"expected_failed_checks takes an LSTMRegressor or an LSTMForecaster; got "
        f"{type(estimator).__name__}."
    )
