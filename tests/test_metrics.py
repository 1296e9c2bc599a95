"""sklstm.metrics: the mean MASE over series, and its scorer in cross-validation.

Expected values are worked out by hand (or with plain numpy, inline) from
the definition: each series' MAE over its forecast rows divided by the mean
absolute seasonal difference of its own history, then the mean over series.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import AdaBoostRegressor, BaggingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import LSTMForecaster, LSTMRegressor
from sklstm.metrics import make_mase_scorer, mean_absolute_scaled_error
from sklstm.model_selection import MultiSeriesSplit

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_one_series_is_its_mae_over_the_naive_mae_of_its_history():
    # Naive errors of the history: |3-1|, |2-3|, |4-2| -> mean 5/3.
    # Forecast errors: |5-4|, |6-6| -> mean 0.5.  MASE = 0.5 / (5/3) = 0.3.
    score = mean_absolute_scaled_error([5.0, 6.0], [4.0, 6.0], y_train=[1, 3, 2, 4])
    assert score == pytest.approx(0.3)


def test_season_length_compares_each_value_with_the_one_a_season_before():
    history = [1.0, 10.0, 2.0, 12.0, 4.0, 13.0]
    # m=2: |2-1|, |12-10|, |4-2|, |13-12| -> mean 1.5; errors 3 and 0 -> 1.5.
    score = mean_absolute_scaled_error(
        [5.0, 15.0], [2.0, 15.0], y_train=history, season_length=2
    )
    assert score == pytest.approx(1.0)
    # m=1 would have scaled by (9 + 8 + 10 + 8 + 9) / 5 = 8.8.
    assert mean_absolute_scaled_error(
        [5.0, 15.0], [2.0, 15.0], y_train=history
    ) == pytest.approx(1.5 / 8.8)


TRAIN = np.array([0.0, 4.0, 8.0, 100.0, 110.0, 100.0, 130.0])
TRAIN_GROUPS = np.array(["big", "big", "big", "huge", "huge", "huge", "huge"])
#: The same rows with the series interleaved, each in its own time order.
INTERLEAVED = [3, 0, 4, 1, 5, 2, 6]


@pytest.mark.parametrize(
    "y_train, train_groups",
    [
        (TRAIN, TRAIN_GROUPS),
        (TRAIN[INTERLEAVED], TRAIN_GROUPS[INTERLEAVED]),
        ({"huge": TRAIN[3:], "big": TRAIN[:3]}, None),
        (pd.Series(TRAIN, index=TRAIN_GROUPS), None),
    ],
    ids=["labelled values", "interleaved", "mapping", "series indexed by label"],
)
def test_many_series_weigh_the_same_and_match_their_history_by_label(
    y_train, train_groups
):
    # big: naive MAE 4; huge: (10 + 10 + 30) / 3 = 50/3.
    # Rows in any order of series: huge errors 5 and 15 (MAE 10), big 2.
    y_true = np.array([120.0, 9.0, 125.0])
    y_pred = np.array([115.0, 11.0, 140.0])
    groups = ["huge", "big", "huge"]
    expected = np.mean([2.0 / 4.0, 10.0 / (50.0 / 3.0)])
    score = mean_absolute_scaled_error(
        y_true, y_pred, y_train=y_train, train_groups=train_groups, groups=groups
    )
    assert score == pytest.approx(expected)
    # Pooled, the huge series would dominate: one MAE over one scale.
    assert score != pytest.approx(np.mean(np.abs(y_true - y_pred)) / 4.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(groups=["big", "gone"]),
            r"series 'gone' of y_true has no history in y_train",
        ),
        (
            dict(groups=["big", "big"], season_length=3),
            r"'big' has 3 value.*at least 4",
        ),
        (dict(groups=None), r"pass groups="),
        (dict(groups=["big", "big"], season_length=0), r"positive integer"),
    ],
)
def test_bad_input_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mean_absolute_scaled_error(
            [1.0, 2.0],
            [1.0, 2.0],
            y_train=TRAIN,
            train_groups=TRAIN_GROUPS,
            **kwargs,
        )


def test_a_history_without_change_has_no_scale_and_is_refused():
    with pytest.raises(ValueError, match=r"never changes.*undefined"):
        mean_absolute_scaled_error(
            [1.0], [2.0], y_train=[3.0, 5.0, 3.0, 5.0], season_length=2
        )


GROUPS = np.repeat(["calm", "loud"], 36)
T = np.arange(36)
Y = np.r_[np.sin(T / 3), 20 + 10 * np.sin(T / 3 + 1)]
X = np.empty((72, 0))
CV = MultiSeriesSplit(n_splits=2, horizon=3)


def forecaster():
    return LSTMForecaster(
        lookback=4, hidden_size=4, max_iter=2, n_networks=1, random_state=0
    )


def hand_mase(y_true, y_pred, test_groups):
    """Mean over series of MAE / naive MAE of the whole series, in plain numpy."""
    ratios = []
    for label in np.unique(test_groups):
        history = Y[GROUPS == label]
        scale = np.mean(np.abs(np.diff(history)))
        rows = test_groups == label
        ratios.append(np.mean(np.abs(y_true[rows] - y_pred[rows])) / scale)
    return np.mean(ratios)


def test_the_scorer_in_cross_validate_is_minus_the_mean_mase_of_each_fold():
    scorer = make_mase_scorer(Y, train_groups=GROUPS)
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_validate(
            forecaster(), X, Y, cv=CV, scoring=scorer, params={"groups": GROUPS}
        )["test_score"]
    expected = []
    for train, test in CV.split(X, Y, GROUPS):
        model = clone(forecaster()).fit(X[train], Y[train], groups=GROUPS[train])
        y_pred = model.predict(X[test], groups=GROUPS[test])
        expected.append(-hand_mase(Y[test], y_pred, GROUPS[test]))
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    assert (scores < 0).all()  # greater is better, as scikit-learn's errors


def test_a_search_ranks_by_the_scorer_with_groups_routed():
    scorer = make_mase_scorer(Y, train_groups=GROUPS)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            forecaster(), {"lookback": [2, 4]}, cv=CV, scoring=scorer
        ).fit(X, Y, groups=GROUPS)
    means = search.cv_results_["mean_test_score"]
    assert search.best_params_["lookback"] == [2, 4][int(np.argmax(means))]
    assert np.isfinite(means).all() and (means < 0).all()


LONG_INDEX = pd.MultiIndex.from_arrays(
    [GROUPS, np.tile(pd.date_range("2000-01", periods=36, freq="MS"), 2)],
    names=["unique_id", "ds"],
)
Y_LONG = pd.Series(Y, index=LONG_INDEX)
X_LONG = pd.DataFrame(index=LONG_INDEX)


def long_format_scores_by_hand() -> list:
    """Minus the MASE of each fold of CV, in plain numpy, of a forecaster
    fitted and forecasting on the long-format X_LONG."""
    scores = []
    for train, test in CV.split(X_LONG, Y_LONG):
        model = clone(forecaster()).fit(X_LONG.iloc[train], Y_LONG.iloc[train])
        y_pred = model.predict(X_LONG.iloc[test])
        scores.append(-hand_mase(Y[test], y_pred, GROUPS[test]))
    return scores


@pytest.mark.parametrize(
    "y_train", [Y_LONG, Y], ids=["long-format history", "history with train_groups"]
)
def test_the_scorer_on_long_format_data_averages_over_its_series(y_train):
    # Without groups the scorer took the collection for one series: the
    # jump from one series to the next in its scale, one MAE for all rows.
    train_groups = None if y_train is Y_LONG else GROUPS
    scorer = make_mase_scorer(y_train, train_groups=train_groups)
    scores = cross_validate(forecaster(), X_LONG, Y_LONG, cv=CV, scoring=scorer)[
        "test_score"
    ]
    np.testing.assert_allclose(scores, long_format_scores_by_hand(), rtol=1e-6)


def test_the_scorer_reads_the_series_of_long_format_y_beside_plain_rows_of_x():
    # fit and score take the series from y when X is plain rows; the scorer
    # called predict without them: "pass groups=", and NaN in every fold.
    plain = np.empty((len(Y_LONG), 0))
    scorer = make_mase_scorer(Y_LONG)
    scores = cross_validate(forecaster(), plain, Y_LONG, cv=CV, scoring=scorer)[
        "test_score"
    ]
    np.testing.assert_allclose(scores, long_format_scores_by_hand(), rtol=1e-6)


def test_the_scorer_names_the_series_to_a_pipeline_ending_in_a_forecaster():
    # The scorer put plain rows of X on y's index, which a scaler drops: the
    # Pipeline's forecaster asked for groups, and every fold scored NaN.
    plain = np.column_stack([np.sin(np.arange(len(Y_LONG)) / 5)])
    pipeline = make_pipeline(StandardScaler(), forecaster())
    scorer = make_mase_scorer(Y_LONG)
    scores = cross_validate(pipeline, plain, Y_LONG, cv=CV, scoring=scorer)
    expected = []
    for train, test in CV.split(X_LONG, Y_LONG):
        model = clone(pipeline).fit(plain[train], Y_LONG.iloc[train])
        y_pred = model.predict(plain[test], groups=GROUPS[test])
        expected.append(-hand_mase(Y[test], y_pred, GROUPS[test]))
    np.testing.assert_allclose(scores["test_score"], expected, rtol=1e-6)


def test_a_pipeline_s_forecaster_is_scored_at_the_truth_s_own_dates():
    # Given the series alone, the Pipeline's forecaster forecast the steps
    # right after training, not the truth's later dates: another score than
    # the forecaster's own on the same fold, without a word.
    plain = np.empty((len(Y_LONG), 0))
    in_series = np.tile(np.arange(36), 2)
    train = np.flatnonzero(in_series < 28)
    test = np.flatnonzero((in_series >= 31) & (in_series < 34))  # after a gap
    as_array = FunctionTransformer(np.asarray)  # drops any index, as scalers do
    pipeline = make_pipeline(as_array, forecaster())
    scorer = make_mase_scorer(Y_LONG)
    (score,) = cross_validate(
        pipeline, plain, Y_LONG, cv=[(train, test)], scoring=scorer
    )["test_score"]
    fitted = clone(pipeline).fit(plain[train], Y_LONG.iloc[train])
    dated = pd.DataFrame(fitted[0].transform(plain[test]), index=LONG_INDEX[test])
    y_pred = fitted[-1].predict(dated)
    assert score == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))


def test_one_dated_series_is_scored_at_its_own_dates_after_a_gap():
    # Only long-format truths were placed: a dated Series scored the steps
    # right after training, while score (and the docs) read its dates.
    months = pd.date_range("2000-01", periods=36, freq="MS")
    y = pd.Series(Y[:36], index=months)
    cv = TimeSeriesSplit(n_splits=2, test_size=3, gap=3)
    plain = np.empty((36, 0))
    dropping = make_pipeline(FunctionTransformer(np.asarray), forecaster())
    for model, X in [(forecaster(), plain), (dropping, pd.DataFrame(index=months))]:
        scores = cross_validate(model, X, y, cv=cv, scoring=make_mase_scorer(y))
        expected = []
        for train, test in cv.split(plain):
            fitted = clone(forecaster()).fit(plain[train], y.iloc[train])
            y_pred = fitted.predict(pd.DataFrame(index=months[test]))
            expected.append(-hand_mase(Y[test], y_pred, GROUPS[test]))
        np.testing.assert_allclose(scores["test_score"], expected, rtol=1e-6)


def test_the_scorer_reaches_a_forecaster_behind_a_search_and_its_pipeline():
    # A search's Pipeline dropped the index X was put on ("pass groups="),
    # and long-format X with covariates lost it in a scaler.
    X = pd.DataFrame({"price": np.cos(np.arange(len(Y_LONG)) / 4)}, index=LONG_INDEX)
    pipeline = make_pipeline(StandardScaler(), forecaster())
    train, test = next(CV.split(X_LONG, Y_LONG))
    search = GridSearchCV(
        pipeline,
        {"lstmforecaster__lookback": [4]},
        cv=[(np.arange(40), np.arange(40, 56))],
    ).fit(X.iloc[train], Y_LONG.iloc[train])
    scorer = make_mase_scorer(Y_LONG)
    by_search = scorer(search, X.iloc[test], Y_LONG.iloc[test])
    best = search.best_estimator_
    rows = pd.DataFrame(best[0].transform(X.iloc[test]), index=LONG_INDEX[test])
    y_pred = best[-1].predict(rows)
    assert by_search == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))


def test_a_baseline_without_groups_in_predict_is_scored_per_series_under_routing():
    # The scorer handed groups to every predict: Ridge failed on them, and a
    # Pipeline ending in it was refused by routing.
    rows = np.column_stack([np.tile(np.arange(36.0), 2)])
    scorer = make_mase_scorer(Y, train_groups=GROUPS)
    expected = []
    for train, test in CV.split(rows, Y, GROUPS):
        y_pred = Ridge().fit(rows[train], Y[train]).predict(rows[test])
        expected.append(-hand_mase(Y[test], y_pred, GROUPS[test]))
    with sklearn.config_context(enable_metadata_routing=True):
        for baseline in (Ridge(), make_pipeline(FunctionTransformer(), Ridge())):
            scores = cross_validate(
                baseline, rows, Y, cv=CV, scoring=scorer, params={"groups": GROUPS}
            )
            np.testing.assert_allclose(scores["test_score"], expected, rtol=1e-9)


def test_a_forecaster_searched_at_the_end_of_a_pipeline_is_forecast_at_its_dates():
    # A search as the Pipeline's last step hid the forecaster: its rows were
    # forecast as the steps right after training, not at the truth's dates.
    months = pd.date_range("2000-01", periods=36, freq="MS")
    y = pd.Series(Y[:36], index=months)
    search = GridSearchCV(forecaster(), {"lookback": [4]}, cv=TimeSeriesSplit(2))
    model = make_pipeline(FunctionTransformer(np.asarray), search)
    train, test = np.arange(28), np.arange(31, 34)  # a gap of three months
    model.fit(pd.DataFrame(index=months[train]), y.iloc[train])
    score = make_mase_scorer(y)(model, pd.DataFrame(index=months[test]), y.iloc[test])
    best = model[-1].best_estimator_
    y_pred = best.predict(pd.DataFrame(index=months[test]))
    assert score == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))


@pytest.mark.parametrize("request_groups", [True, False, None])
def test_a_regressor_predicts_with_the_groups_it_requests(request_groups):
    # Behind a search its request was not asked (scored without groups); an
    # explicit False was overruled, and an unset request silently resolved.
    rows = np.column_stack([np.tile(np.arange(36.0), 2)])
    train, test = np.r_[0:30, 36:66], np.r_[30:36, 66:72]
    scorer = make_mase_scorer(Y, train_groups=GROUPS)
    with sklearn.config_context(enable_metadata_routing=True):
        model = LSTMRegressor(lookback=4, hidden_size=4, max_iter=3, random_state=0)
        model.set_fit_request(groups=True).set_score_request(groups=True)
        if request_groups is not None:
            model.set_predict_request(groups=request_groups)
        search = GridSearchCV(model, {"alpha": [0.0]}, cv=MultiSeriesSplit(2, 2))
        search.fit(rows[train], Y[train], groups=GROUPS[train])
        if request_groups is None:
            with pytest.raises(ValueError, match="neither requests nor declines"):
                scorer(search, rows[test], Y[test], groups=GROUPS[test])
            return
        score = scorer(search, rows[test], Y[test], groups=GROUPS[test])
    given = {"groups": GROUPS[test]} if request_groups else {}
    y_pred = search.best_estimator_.predict(rows[test], **given)
    assert score == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))


def test_without_routing_groups_reach_predict_as_the_estimator_hands_them_on():
    # A forecaster in a TransformedTargetRegressor (which hands groups on)
    # was refused ("pass groups="); a searched regressor, refitted as one
    # series without routing, was given groups its search cannot take.
    rows = np.column_stack([np.tile(np.arange(36.0), 2)])
    train, test = np.r_[0:30, 36:66], np.r_[30:36, 66:72]
    scorer = make_mase_scorer(Y, train_groups=GROUPS)
    regressor = LSTMRegressor(lookback=4, hidden_size=4, max_iter=3, random_state=0)
    for model in (forecaster(), regressor):  # hands them on, whatever it requests
        wrapped = TransformedTargetRegressor(model, transformer=StandardScaler())
        wrapped.fit(rows[train], Y[train], groups=GROUPS[train])
        y_pred = wrapped.predict(rows[test], groups=GROUPS[test])
        score = scorer(wrapped, rows[test], Y[test], groups=GROUPS[test])
        assert score == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))
    search = GridSearchCV(regressor, {"alpha": [0.0]}, cv=MultiSeriesSplit(2, 2))
    search.fit(rows[train], Y[train], groups=GROUPS[train])
    score = scorer(search, rows[test], Y[test], groups=GROUPS[test])
    y_pred = search.predict(rows[test])
    assert score == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))


@pytest.mark.parametrize(
    "baseline",
    [
        AdaBoostRegressor(n_estimators=3, random_state=0),
        BaggingRegressor(Ridge(), n_estimators=2, random_state=0),
    ],
    ids=["no-routing-of-its-own", "takes-no-keywords"],
)
def test_without_routing_a_baseline_given_groups_is_scored_on_its_own_predict(
    baseline,
):
    # Their routing was asked without routing: AdaBoost raised that it has
    # none, and Bagging was handed groups its predict refuses.
    rows = np.column_stack([np.tile(np.arange(36.0), 2)])
    train, test = np.r_[0:30, 36:66], np.r_[30:36, 66:72]
    baseline.fit(rows[train], Y[train])
    scorer = make_mase_scorer(Y, train_groups=GROUPS)
    score = scorer(baseline, rows[test], Y[test], groups=GROUPS[test])
    y_pred = baseline.predict(rows[test])
    assert score == pytest.approx(-hand_mase(Y[test], y_pred, GROUPS[test]))


def test_the_scorer_takes_what_score_takes_and_refuses_what_it_refuses():
    months = pd.date_range("2000-01", periods=36, freq="MS")
    y = pd.Series(Y[:36], index=months)
    model = forecaster().fit(pd.DataFrame(index=months[:24]), y[:24])
    scorer = make_mase_scorer(y)
    # X dated other months than its truth: score refuses, the scorer scored.
    with pytest.raises(ValueError, match="dated differently"):
        scorer(model, pd.DataFrame(index=months[26:30]), y[24:28])
    # A one-column DataFrame truth, as fit and score take: NaN in every fold.
    as_frame = scorer(model, pd.DataFrame(index=months[24:28]), y[24:28].to_frame())
    assert as_frame == scorer(model, pd.DataFrame(index=months[24:28]), y[24:28])
    # Long-format X in another order than its truth: refused as out of time
    # order, where score aligns it to the truth.
    train = np.r_[0:30, 36:66]
    fitted = forecaster().fit(X_LONG.iloc[train], Y_LONG.iloc[train])
    test = np.r_[30:33, 66:69]
    in_order = make_mase_scorer(Y_LONG)(fitted, X_LONG.iloc[test], Y_LONG.iloc[test])
    reversed_x = X_LONG.iloc[test[::-1]]
    assert make_mase_scorer(Y_LONG)(fitted, reversed_x, Y_LONG.iloc[test]) == in_order


def test_long_format_truth_is_scored_per_series_without_groups():
    truth = Y_LONG.iloc[[30, 31, 70, 71]]
    forecast = truth.to_numpy() + np.array([1.0, 1.0, 2.0, 2.0])
    expected = hand_mase(truth.to_numpy(), forecast, GROUPS[[30, 31, 70, 71]])
    score = mean_absolute_scaled_error(truth, forecast, y_train=Y_LONG)
    assert score == pytest.approx(expected)


@pytest.mark.parametrize(
    "groups, message",
    [
        (["big", None], r"missing label \(None or NaN\) at row 1"),
        ([1.0, np.nan], r"missing label \(None or NaN\) at row 1"),
    ],
)
def test_a_missing_series_label_is_refused_by_row(groups, message):
    with pytest.raises(ValueError, match=message):
        mean_absolute_scaled_error(
            [1.0, 2.0], [1.0, 2.0], y_train={"big": [1.0, 2.0, 4.0]}, groups=groups
        )


def test_labels_of_mixed_types_are_distinct_series():
    score = mean_absolute_scaled_error(
        [10.0, 1.0],
        [12.0, 1.5],
        groups=np.array(["a", 1], dtype=object),
        y_train={"a": [0.0, 4.0, 8.0], 1: [1.0, 2.0]},
    )
    assert score == pytest.approx((2 / 4 + 0.5 / 1) / 2)
    # Given as a list, NumPy made the label 1 the string '1': the series 1
    # and '1' were merged, or 1 had no history.
    score = mean_absolute_scaled_error(
        [10.0, 1.0],
        [12.0, 1.5],
        groups=["1", 1],
        y_train={"1": [0.0, 4.0, 8.0], 1: [1.0, 2.0]},
    )
    assert score == pytest.approx((2 / 4 + 0.5 / 1) / 2)


def test_a_long_format_history_of_several_series_needs_the_truths_series():
    with pytest.raises(ValueError, match=r"long format, with several series.*groups="):
        mean_absolute_scaled_error([1.0, 2.0], [1.0, 2.0], y_train=Y_LONG)


def test_a_long_format_history_out_of_time_order_is_refused():
    # Alternating 0, 10: in time order every naive error is 10; shuffled,
    # the differences would be taken between other rows.
    times = np.arange(12)
    index = pd.MultiIndex.from_arrays([["a"] * 12, times], names=["id", "t"])
    history = pd.Series(np.where(times % 2, 10.0, 0.0), index=index)
    truth = pd.Series(
        [5.0, 5.0], index=pd.MultiIndex.from_tuples([("a", 12), ("a", 13)])
    )
    assert mean_absolute_scaled_error(truth, [0.0, 0.0], y_train=history) == 0.5
    shuffled = history.sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match="y_train: The rows of series 'a'"):
        mean_absolute_scaled_error(truth, [0.0, 0.0], y_train=shuffled)
    with pytest.raises(ValueError, match="sort_index"):
        make_mase_scorer(shuffled)


def test_missing_values_are_left_out_as_score_leaves_them_out():
    history = {"a": [0.0, 2.0, np.nan, 5.0, 9.0], "b": [1.0, 2.0, 4.0]}
    # a: the changes 2 and 4 (the two next to the NaN are left out): scale 3;
    # its truths 10 (error 1) and NaN (none): MAE 1. b: scale 1.5, MAE 3.
    mase = mean_absolute_scaled_error(
        [10.0, np.nan, 7.0],
        [11.0, 0.0, 4.0],
        groups=["a", "a", "b"],
        y_train=history,
    )
    assert mase == pytest.approx((1 / 3 + 3 / 1.5) / 2)
    # A series whose truths are all missing has no error to weigh in.
    only_b = mean_absolute_scaled_error(
        [np.nan, 7.0], [0.0, 4.0], groups=["a", "b"], y_train=history
    )
    assert only_b == pytest.approx(3 / 1.5)
    with pytest.raises(ValueError, match="y_pred holds NaN"):
        mean_absolute_scaled_error([1.0], [np.nan], y_train=[0.0, 1.0])
    with pytest.raises(ValueError, match="no two observed values a season apart"):
        mean_absolute_scaled_error([1.0], [1.0], y_train=[0.0, np.nan, 1.0])


def test_a_missing_label_in_a_list_of_strings_is_refused_not_named_nan():
    # NumPy turned NaN among strings into the series 'nan'.
    with pytest.raises(ValueError, match=r"missing label \(None or NaN\) at row 1"):
        mean_absolute_scaled_error(
            [1.0, 2.0],
            [1.0, 2.0],
            y_train={"a": [1.0, 2.0], "nan": [1.0, 3.0]},
            groups=["a", np.nan],
        )


def test_a_date_a_history_skips_is_a_missing_value_not_a_closed_gap():
    # Rows after a skipped month were compared with the row a season
    # before them, 13 months back: the scale changed by 38 %.
    months = pd.date_range("2001-01-01", periods=30, freq="MS")
    values = np.arange(30.0) ** 1.5
    skipped = pd.Series(values, index=months).drop(months[[5]])
    # Seasonal differences (m=2) of the history with month 5 missing, the
    # two that reach it left out.
    changes = np.abs(values[2:] - values[:-2])
    expected_scale = np.delete(changes, [3, 5]).mean()
    mase = mean_absolute_scaled_error([100.0], [90.0], y_train=skipped, season_length=2)
    assert mase == pytest.approx(10.0 / expected_scale)
    long = pd.Series(
        skipped.to_numpy(),
        index=pd.MultiIndex.from_arrays([["a"] * 29, np.delete(np.arange(30), 5)]),
    )
    assert mean_absolute_scaled_error(
        [100.0], [90.0], groups=["a"], y_train=long, season_length=2
    ) == pytest.approx(mase)


def test_a_skipped_date_is_missing_in_a_mapping_and_beside_train_groups_too():
    # Only a Series alone or in the long format without train_groups had it.
    months = pd.date_range("2010-01-01", periods=36, freq="MS")
    history = pd.Series(np.arange(36.0) ** 1.5, index=months).drop(months[13])
    alone = mean_absolute_scaled_error([1.0], [2.0], y_train=history, season_length=12)
    long = pd.Series(
        history.to_numpy(), index=pd.MultiIndex.from_arrays([["a"] * 35, history.index])
    )
    assert mean_absolute_scaled_error(
        [1.0], [2.0], groups=["a"], y_train={"a": history}, season_length=12
    ) == pytest.approx(alone)
    assert mean_absolute_scaled_error(
        [1.0],
        [2.0],
        groups=["a"],
        y_train=long,
        train_groups=["a"] * 35,
        season_length=12,
    ) == pytest.approx(alone)
