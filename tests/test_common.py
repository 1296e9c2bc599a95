"""scikit-learn's own estimator checks, run on sklstm's estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMRegressor

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


def _expected_failures(estimator):
    if estimator.lookback > 1:
        return {**WINDOWING_MAKES_IMPOSSIBLE, **SAMPLE_WEIGHTS_MAKE_IMPOSSIBLE}
    return SAMPLE_WEIGHTS_MAKE_IMPOSSIBLE


@parametrize_with_checks(
    [
        LSTMRegressor(lookback=1, hidden_size=8, max_iter=30, random_state=0),
        LSTMRegressor(lookback=3, hidden_size=8, max_iter=30, random_state=0),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
