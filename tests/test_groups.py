"""Several series in one fit: ``groups`` keeps every lag window inside its series."""

from functools import partial

import numpy as np
import pandas as pd
import pytest
from _factories import tiny_regressor
from sklearn import config_context
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm._row_metadata import series_tails

RNG = np.random.default_rng(0)
N_PER_SERIES = 120
T = np.arange(N_PER_SERIES + 1)


def _series(frequency, level):
    values = level + np.sin(frequency * T) + RNG.normal(0, 0.05, len(T))
    return values[:-1, None], values[1:]


X_A, Y_A = _series(0.15, 0.0)
X_B, Y_B = _series(0.4, 2.0)
X = np.vstack([X_A, X_B])
Y = np.concatenate([Y_A, Y_B])
GROUPS = np.repeat(["a", "b"], N_PER_SERIES)
IS_B = GROUPS == "b"


_model = partial(tiny_regressor, lookback=5, max_iter=15)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_changing_one_series_leaves_the_other_series_predictions_unchanged():
    model = _model().fit(X, Y, groups=GROUPS)
    X_changed = X.copy()
    X_changed[~IS_B] += 10.0

    before = model.predict(X, groups=GROUPS)[IS_B]
    after = model.predict(X_changed, groups=GROUPS)[IS_B]
    np.testing.assert_array_equal(after, before)

    # Without labels the first windows of series b reach back into series a.
    ungrouped = model.predict(X_changed)[IS_B]
    assert not np.allclose(ungrouped[:4], model.predict(X)[IS_B][:4])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predicting_with_groups_equals_predicting_each_series_alone():
    model = _model().fit(X, Y, groups=GROUPS)
    together = model.predict(X, groups=GROUPS)
    np.testing.assert_allclose(together[~IS_B], model.predict(X_A), rtol=1e-5)
    np.testing.assert_allclose(together[IS_B], model.predict(X_B), rtol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_interleaved_rows_of_labelled_series_train_the_same_model_as_blocks():
    # One minibatch holding every window: only the set of windows matters, so
    # two layouts of the same labelled series must give the same model.
    interleave = np.argsort(np.tile(np.arange(N_PER_SERIES), 2), kind="stable")
    X_mixed, Y_mixed, groups_mixed = X[interleave], Y[interleave], GROUPS[interleave]
    full_batch = dict(batch_size=2 * N_PER_SERIES, max_iter=5)

    blocks = _model(**full_batch).fit(X, Y, groups=GROUPS)
    mixed = _model(**full_batch).fit(X_mixed, Y_mixed, groups=groups_mixed)

    np.testing.assert_allclose(
        mixed.predict(X_mixed, groups=groups_mixed),
        blocks.predict(X, groups=GROUPS)[interleave],
        atol=2e-3,  # float sums in another order, compounded over the epochs
    )
    # Read as one series, the interleaved table is a different (jumbled) one.
    assert not np.allclose(
        mixed.predict(X_mixed), mixed.predict(X_mixed, groups=groups_mixed)
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_group_k_fold_routes_groups_to_fit_and_score():
    series = [_series(0.1 + 0.05 * k, float(k)) for k in range(6)]
    X6 = np.vstack([x for x, _ in series])
    y6 = np.concatenate([y for _, y in series])
    g6 = np.repeat(np.arange(6), N_PER_SERIES)
    cv = GroupKFold(n_splits=3)
    model = _model(max_iter=8)

    with config_context(enable_metadata_routing=True):
        routed = cross_validate(
            clone(model).set_fit_request(groups=True).set_score_request(groups=True),
            X6,
            y6,
            cv=cv,
            params={"groups": g6},
        )["test_score"]

    by_hand, unlabelled = [], []
    for train, test in cv.split(X6, y6, g6):
        fitted = clone(model).fit(X6[train], y6[train], groups=g6[train])
        by_hand.append(fitted.score(X6[test], y6[test], groups=g6[test]))
        plain = clone(model).fit(X6[train], y6[train])
        unlabelled.append(plain.score(X6[test], y6[test]))

    np.testing.assert_allclose(routed, by_hand)
    assert not np.allclose(routed, unlabelled)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_pipeline_routes_groups_to_fit_and_predict_when_requested():
    with config_context(enable_metadata_routing=True):
        lstm = _model().set_fit_request(groups=True).set_predict_request(groups=True)
        pipeline = make_pipeline(StandardScaler(), lstm).fit(X, Y, groups=GROUPS)
        routed = pipeline.predict(X, groups=GROUPS)

    scaled = StandardScaler().fit_transform(X)
    by_hand = _model().fit(scaled, Y, groups=GROUPS).predict(scaled, groups=GROUPS)
    np.testing.assert_allclose(routed, by_hand)
    assert not np.allclose(routed, pipeline.predict(X))


def test_early_stopping_holds_out_the_last_rows_of_every_series():
    groups = np.array(["a"] * 10 + ["b"] * 5)
    mixed = np.array([0, 1] * 5 + [1] * 5)  # a and b rows interleaved, then b
    assert np.flatnonzero(series_tails(groups, 15, 0.2)).tolist() == [8, 9, 14]
    held = series_tails(mixed, 15, 0.2)
    # series 0 (5 rows) keeps its last row; series 1 (10 rows) its last two.
    assert np.flatnonzero(held).tolist() == [8, 13, 14]


def test_early_stopping_refuses_series_too_short_to_leave_training_rows():
    with pytest.raises(ValueError, match="leaves no rows to train on"):
        _model(early_stopping=True, validation_fraction=0.5).fit(
            X[:1], Y[:1], groups=["a"]
        )


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (np.zeros(5), "groups has 5 labels, but X has 240 rows"),
        (np.zeros((240, 2)), "groups must be 1-D"),
        (np.array([1, "a"] * 120, dtype=object), "one comparable type"),
        # As lists, NumPy merged 1 with '1' (as strings) and True with 1.
        ([1, "1"] * 120, "one comparable type"),
        ([True, 1] * 120, "mixes bool labels with numbers"),
        ([["a"]] * 240, "groups must be 1-D"),
        (pd.Series([["a"], ["b"]] * 120), "one comparable type.*unhashable"),
        (["a", ["b"], "c"] * 80, "one comparable type"),
        ([(("s", np.nan), 1), (("s", 2.0), 1)] * 120, r"one of whose keys is missing"),
        # NaN equals no NaN: the series could not be found again.
        ([("s", np.nan), ("s", 1)] * 120, r"label \('s', nan\).*key.*missing"),
    ],
)
def test_bad_groups_are_refused_with_what_to_pass(groups, message):
    with pytest.raises(ValueError, match=message):
        _model().fit(X, Y, groups=groups)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_prediction_intervals_window_each_series_on_its_own_like_predict():
    model = _model(early_stopping=True).fit(X, Y, groups=GROUPS)
    intervals = model.predict_interval(X, coverage=0.8, groups=GROUPS)
    centres = intervals.mean(axis=1)
    np.testing.assert_allclose(centres, model.predict(X, groups=GROUPS), atol=1e-6)
    assert not np.allclose(centres, model.predict(X))


def test_series_keyed_by_tuples_are_found_as_a_multiindex_or_a_list_of_tuples():
    # A MultiIndex failed inside pandas (isna), and a list of tuples was
    # refused as a 2-D array, for a model fitted on the same keys.
    keys = pd.MultiIndex.from_arrays([np.repeat(["s", "t"], 120), np.tile([1, 2], 120)])
    model = _model().fit(X, Y, groups=keys)
    expected = model.predict(X, groups=keys.to_flat_index().to_numpy())
    np.testing.assert_array_equal(model.predict(X, groups=keys), expected)
    np.testing.assert_array_equal(model.predict(X, groups=list(keys)), expected)
