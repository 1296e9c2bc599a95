"""Defects found by trying to break the forecaster of many series, each pinned.

Time indexes under ``groups`` are checked as one series' are; a file whose
per-series parts do not fit together is refused at load; ``warm_start``
refuses to carry networks between one series and several; every reader
takes one snapshot of the fitted state.
"""

import threading

import numpy as np
import pandas as pd
import pytest
import torch
from _factories import reloaded
from test_persistence import _edit_document, _set_array, _tampered_file

import sklstm
from sklstm import LSTMForecaster

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

LABELS = ["a", "b", "c"]
MONTHS = pd.date_range("2010-01", periods=30, freq="MS")


def tiny(**params):
    settings = dict(lookback=4, hidden_size=4, max_iter=2, n_networks=1)
    return LSTMForecaster(**{**settings, "random_state": 0, **params})


def panel(labels=LABELS, index=MONTHS):
    """Series named ``labels``, each on ``index``, as stacked pandas objects."""
    n = len(index)
    y = np.concatenate(
        [np.sin(np.arange(n) / 3 + s) + 5 * s for s in range(len(labels))]
    )
    stacked = pd.DatetimeIndex(np.tile(index, len(labels)))
    return (
        pd.DataFrame(index=stacked),
        pd.Series(y, index=stacked),
        np.repeat(labels, n),
    )


# ---------------------------------------------------------------- time indexes


def test_update_refuses_a_series_last_date_sent_again():
    X, y, groups = panel()
    model = tiny().fit(X, y, groups=groups)
    again = pd.DatetimeIndex([MONTHS[-1]])
    with pytest.raises(ValueError, match=r"start at 2012-06-01.*must start at 2012-07"):
        model.update(pd.DataFrame(index=again), pd.Series([1.0], again), groups=["a"])


@pytest.mark.parametrize("labels", [["a"], LABELS], ids=["one series", "three"])
def test_rows_newest_first_are_refused_rather_than_forecast_into_the_past(labels):
    # Exports often list the newest row first; read in that order the series
    # would run backwards and predict() would continue it into the past.
    X, y, groups = panel(labels)
    newest_first = np.arange(len(y))[::-1]
    X, y, groups = X.iloc[newest_first], y.iloc[newest_first], groups[newest_first]
    with pytest.raises(ValueError, match=r"go back in time.*oldest first"):
        tiny().fit(X, y, groups=groups if len(labels) > 1 else None)


@pytest.mark.parametrize("method", ["predict", "predict_interval", "predict_quantiles"])
def test_rows_dated_after_the_next_steps_are_forecast_at_their_own_dates(method):
    # They were refused; asked for steps after a gap without an update, each
    # row is now forecast at its own date, never as the next step.
    X, y, _ = panel(["a"])
    model = tiny(validation_fraction=0.5).fit(X, y)  # a tail to calibrate 3 steps
    following = pd.DataFrame(index=pd.date_range("2012-07", periods=3, freq="MS"))
    later = pd.DataFrame(index=pd.date_range("2012-08", periods=2, freq="MS"))
    forecast = getattr(model, method)
    np.testing.assert_array_equal(forecast(following), forecast(np.empty((3, 0))))
    np.testing.assert_array_equal(forecast(later), forecast(np.empty((3, 0)))[1:])
    with pytest.raises(ValueError, match=r"dated 2012-06-01.*is 2012-07-01"):
        forecast(pd.DataFrame(index=pd.date_range("2012-06", periods=1, freq="MS")))


def test_months_as_periods_are_checked_against_steps_fitted_on_timestamps():
    X, y, _ = panel(["a"])
    model = tiny().fit(X, y)
    following = pd.DataFrame(index=pd.period_range("2012-07", periods=2, freq="M"))
    np.testing.assert_array_equal(
        model.predict(following), model.predict(np.empty((2, 0)))
    )
    later = pd.DataFrame(index=pd.period_range("2012-10", periods=2, freq="M"))
    np.testing.assert_array_equal(
        model.predict(later), model.predict(np.empty((5, 0)))[3:]
    )
    earlier = pd.DataFrame(index=pd.period_range("2012-05", periods=2, freq="M"))
    with pytest.raises(ValueError, match=r"dated 2012-05, which is no step after"):
        model.predict(earlier)


@pytest.mark.parametrize(
    "dates, message",
    [
        (
            pd.date_range("2012-07", periods=2, freq="MS", tz="UTC"),
            "timestamps in the time zone UTC, but .* timestamps without",
        ),
    ],
    ids=["time-zone-aware"],
)
def test_an_update_dated_another_way_than_the_fit_is_refused(dates, message):
    # pandas failed inside the gap filling: "Cannot convert Period to
    # Timestamp unambiguously", or "cannot both be tz-aware".
    X, y, _ = panel(["a"])
    model = tiny().fit(X, y)
    with pytest.raises(ValueError, match=message + r".*date them alike"):
        model.update(pd.DataFrame(index=dates), pd.Series([1.0, 2.0], index=dates))


def test_an_update_takes_the_observations_dated_as_predict_took_them():
    # predict and score take months as periods on a fit on month starts (and
    # the reverse); update refused the same rows, so the observations of the
    # forecast steps could not be given back as they were asked.
    X, y, _ = panel(["a"])
    asked = pd.period_range("2012-07", periods=3, freq="M")
    observed = pd.Series([1.0, np.nan, 2.0], index=asked)
    by_periods = (
        tiny().fit(X, y).update(pd.DataFrame(index=asked[[0, 2]]), observed.dropna())
    )
    by_dates = tiny().fit(X, y)
    by_dates.update(
        pd.DataFrame(index=asked.to_timestamp()),
        observed.set_axis(asked.to_timestamp()),
    )
    np.testing.assert_array_equal(
        by_periods.predict(np.empty((2, 0))), by_dates.predict(np.empty((2, 0)))
    )
    assert by_periods.predict_series(np.empty((1, 0))).index[0] == pd.Timestamp(
        "2012-10-01"
    )
    quarter = pd.period_range("2012-10", periods=1, freq="Q")
    with pytest.raises(
        ValueError, match=r"Row 0 .* 2012Q4, a period that holds several"
    ):
        by_periods.update(pd.DataFrame(index=quarter), pd.Series([3.0], index=quarter))
    assert by_periods.predict_series(np.empty((1, 0))).index[0] == pd.Timestamp(
        "2012-10-01"
    )
    months = pd.period_range("2010-01", periods=30, freq="M")
    on_periods = tiny().fit(pd.DataFrame(index=months), y.set_axis(months))
    on_periods.update(
        pd.DataFrame(index=asked.to_timestamp()),
        observed.set_axis(asked.to_timestamp()),
    )
    np.testing.assert_array_equal(
        on_periods.predict(np.empty((2, 0))), by_dates.predict(np.empty((2, 0)))
    )


def long_format_fit_and_months_after_a_gap():
    """A forecaster fitted on long-format data, and its series two months on."""
    _, y, groups = panel()
    index = pd.MultiIndex.from_arrays([groups, y.index], names=["unique_id", "ds"])
    model = tiny().fit(pd.DataFrame(index=index), pd.Series(y.to_numpy(), index=index))
    after_a_gap = pd.MultiIndex.from_product(
        [LABELS, pd.date_range("2012-09", periods=2, freq="MS")]
    )
    return model, after_a_gap


def test_long_format_rows_dated_after_a_gap_are_forecast_at_their_own_dates():
    model, after_a_gap = long_format_fit_and_months_after_a_gap()
    through = model.predict(np.empty((12, 0)), groups=np.repeat(LABELS, 4))
    at = np.add.outer(4 * np.arange(len(LABELS)), [2, 3]).ravel()
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=after_a_gap)), through[at]
    )


def test_long_format_truth_dated_after_a_gap_is_scored_at_its_own_dates():
    # It was refused (scored against the next steps, later months would give
    # a plausible, wrong R²). The steps skipped are truths not known: the
    # forecast goes through them, unscored, as an explicit NaN row is.
    model, after_a_gap = long_format_fit_and_months_after_a_gap()
    truth = pd.Series(np.arange(6.0), index=after_a_gap)
    through = pd.MultiIndex.from_product(
        [LABELS, pd.date_range("2012-07", periods=4, freq="MS")]
    )
    unknown = truth.reindex(through)
    expected = model.score(pd.DataFrame(index=through), unknown)
    for covariates in (pd.DataFrame(index=after_a_gap), np.empty((6, 0))):
        assert model.score(covariates, truth) == expected
    weights = np.arange(1.0, 7.0)
    assert model.score(
        pd.DataFrame(index=after_a_gap), truth, sample_weight=weights
    ) == model.score(
        pd.DataFrame(index=through),
        unknown,
        sample_weight=pd.Series(weights, index=after_a_gap).reindex(through).fillna(0),
    )


def test_a_single_series_truth_dated_after_a_gap_is_scored_at_its_own_dates():
    _, y, _ = panel(["a"])
    model = tiny().fit(pd.DataFrame(index=y.index), y)
    later = pd.date_range("2012-09", periods=2, freq="MS")
    through = pd.date_range("2012-07", periods=4, freq="MS")
    assert model.score(
        np.empty((2, 0)), pd.Series([1.0, 2.0], index=later)
    ) == model.score(
        np.empty((4, 0)), pd.Series([np.nan, np.nan, 1.0, 2.0], index=through)
    )
    earlier = pd.date_range("2012-05", periods=2, freq="MS")  # already seen
    with pytest.raises(ValueError, match=r"dated 2012-05-01.*is 2012-07-01"):
        model.score(np.empty((2, 0)), pd.Series([1.0, 2.0], index=earlier))


def test_covariates_dated_elsewhere_than_the_series_are_refused_at_fit():
    # Rows are matched by position: X dated five years later would be read
    # as the covariates of other months.
    _, y, _ = panel(["a"])
    X = pd.DataFrame({"price": np.arange(len(y), dtype=float)}, index=y.index)
    tiny().fit(X, y)  # the same dates: fitted
    X.index = X.index + pd.DateOffset(years=5)
    with pytest.raises(ValueError, match=r"dated differently.*X's 30 from 2015-01"):
        tiny().fit(X, y)


def test_a_new_series_keeps_the_others_dated():
    X, y, groups = panel()
    model = tiny().fit(X, y, groups=groups)
    later = pd.date_range("2011-01", periods=20, freq="MS")
    X_new, y_new, new_groups = panel(["d"], later)
    model.update(X_new, y_new, groups=new_groups)
    forecast = model.predict_series(np.empty((2, 0)), groups=["a", "d"])
    assert list(forecast.index.get_level_values(1)) == [
        pd.Timestamp("2012-07-01"),
        pd.Timestamp("2012-09-01"),
    ]


def test_daily_and_monthly_series_are_not_fitted_on_one_grid():
    X, y, groups = panel(["monthly"])
    days = pd.date_range("2010-01-01", periods=30, freq="D")
    X_daily, y_daily, daily = panel(["daily"], days)
    with pytest.raises(ValueError, match=r"series 'monthly' is not regular"):
        tiny().fit(
            pd.concat([X_daily, X]), pd.concat([y_daily, y]), groups=[*daily, *groups]
        )


def test_a_quarterly_series_among_monthly_ones_is_refused_not_filled():
    # Its dates are all month starts, but two months in three missing would
    # be another frequency read as gaps.
    X, y, groups = panel(["monthly"])
    quarters = pd.date_range("2010-01-01", periods=12, freq="QS")
    X_q, y_q, q = panel(["quarterly"], quarters)
    with pytest.raises(ValueError, match=r"series 'quarterly' is not regular"):
        tiny().fit(pd.concat([X, X_q]), pd.concat([y, y_q]), groups=[*groups, *q])


@pytest.mark.parametrize(
    "dates",
    [
        MONTHS.delete(10).insert(10, MONTHS[10] + pd.Timedelta(days=1)),
        MONTHS[:15].append(MONTHS[14:29]),
    ],
    ids=["a date off the grid", "a repeated month"],
)
def test_a_series_with_irregular_dates_is_refused(dates):
    X, y, groups = panel(["a"], dates)
    X_b, y_b, b = panel(["b"])
    with pytest.raises(ValueError, match=r"series 'a' is not regular.*resample"):
        tiny().fit(pd.concat([X, X_b]), pd.concat([y, y_b]), groups=[*groups, *b])


def test_a_series_starting_off_the_collections_frequency_is_named_by_its_first_date():
    # Weekly dates from a Monday beside monthly ones: the message named the
    # first date twice, as if it were repeated.
    X_b, y_b, b = panel(["b"], pd.date_range("2010-01-04", periods=30, freq="W-MON"))
    X, y, groups = panel(["a"])
    with pytest.raises(
        ValueError, match=r"series 'b'.*its first date, 2010-01-04.*MS.*2010-02-01"
    ):
        tiny().fit(pd.concat([X, X_b]), pd.concat([y, y_b]), groups=[*groups, *b])


@pytest.mark.parametrize(
    "fitted_labels, new_label",
    [([0, 1], "0"), ([0, 1], True), (["a", "b"], 7)],
    ids=["text-for-numbers", "bool-for-numbers", "number-for-text"],
)
def test_an_update_labelled_by_another_kind_is_refused_and_changes_nothing(
    fitted_labels, new_label
):
    # Held with the fitted labels in one array, "0" turned the series 0 into
    # "0" twice over: the fitted series was lost and the new one's rows were
    # appended to it.
    y = np.r_[np.sin(np.arange(30) / 3), 50 + np.sin(np.arange(30) / 3)]
    groups = np.repeat(fitted_labels, 30)
    model = tiny().fit(np.empty((60, 0)), y, groups=groups)
    future = np.repeat(fitted_labels, 2)
    before = model.predict(np.empty((4, 0)), groups=future)
    with pytest.raises(ValueError, match=r"labelled by .*astype"):
        model.update(np.empty((5, 0)), 500 + np.arange(5.0), groups=[new_label] * 5)
    np.testing.assert_array_equal(model.series_, fitted_labels)
    np.testing.assert_array_equal(
        model.predict(np.empty((4, 0)), groups=future), before
    )


def test_pandas_rows_on_an_integer_index_continue_a_series_by_update():
    # The regularity check built a date range of the integers: "Invalid
    # frequency: 1", for every update of pandas data on integer steps.
    y = pd.Series(np.sin(np.arange(45) / 3), index=range(100, 145), name="demand")
    model = tiny().fit(pd.DataFrame(index=y.index[:40]), y[:40])
    model.update(pd.DataFrame(index=y.index[40:43]), y[40:43])
    assert model.predict_series(np.empty((2, 0))).index.tolist() == [143, 144]
    index = pd.MultiIndex.from_product([["a", "b"], range(40)])
    long = pd.Series(np.r_[y[:40], 5 * y[:40]], index=index)
    panel_model = tiny().fit(pd.DataFrame(index=index), long)
    step_40 = pd.MultiIndex.from_product([["a", "b"], [40]])
    truth = pd.Series([0.5, 2.5], index=step_40)
    panel_model.update(pd.DataFrame(index=step_40), truth)
    step_41 = pd.MultiIndex.from_product([["a", "b"], [41]])
    forecast = panel_model.predict_series(pd.DataFrame(index=step_41))
    assert forecast.index.get_level_values(-1).tolist() == [41, 41]


def test_an_undated_new_series_is_refused_and_keeps_the_others_dated():
    # Accepted, it dropped the time grid of every series: predict_series
    # failed, and dates after a gap were no longer refused.
    X, y, groups = panel()
    model = tiny().fit(X, y, groups=groups)
    with pytest.raises(ValueError, match=r"\['d'\] are new, but their rows are not"):
        model.update(np.empty((6, 0)), np.arange(6.0), groups=["d"] * 6)
    forecast = model.predict_series(np.empty((1, 0)), groups=["a"])
    assert forecast.index.get_level_values(1).tolist() == [pd.Timestamp("2012-07-01")]


# ---------------------------------------- labels held as Python objects

# ``df["store"].to_numpy()`` and the long format's first level give labels of
# dtype object: Python strings, not NumPy scalars. Every refusal that names a
# series must name it from either.


def _object_labels(labels):
    return np.asarray(labels, dtype=object)


def test_predicting_an_unknown_series_names_it_with_object_labels():
    X, y, groups = panel()
    model = tiny().fit(X, y, groups=_object_labels(groups))
    with pytest.raises(ValueError, match=r"without a history: \['z'\]"):
        model.predict(np.empty((1, 0)), groups=_object_labels(["z"]))


def test_a_series_too_short_to_forecast_is_named_with_object_labels():
    _, y, groups = panel()
    y_short = np.r_[y.to_numpy(), 1.0]
    groups_short = _object_labels([*groups, "short"])
    with pytest.raises(ValueError, match=r"fewer: \['short'\]"):
        tiny().fit(np.empty((len(y_short), 0)), y_short, groups=groups_short)


def test_a_non_positive_series_is_named_under_log_scaling_with_object_labels():
    X, y, groups = panel()
    with pytest.raises(ValueError, match=r"series 'a' has a value <= 0"):
        tiny(series_scaling="log").fit(X, y - 100, groups=_object_labels(groups))


def test_a_long_update_resending_a_date_names_the_series_with_object_labels():
    _, y, groups = panel()
    index = pd.MultiIndex.from_arrays(
        [_object_labels(groups), y.index], names=["unique_id", "ds"]
    )
    y_long = pd.Series(y.to_numpy(), index=index)
    model = tiny().fit(pd.DataFrame(index=index), y_long)
    again = y_long.loc[[("a", MONTHS[-1])]]
    with pytest.raises(ValueError, match=r"series 'a' start at 2012-06-01"):
        model.update(pd.DataFrame(index=again.index), again)


# ------------------------------------------------------------ tampered files


@pytest.fixture(scope="module")
def three_series():
    X, y, groups = panel()
    return tiny(season_length=None).fit(X, y, groups=groups)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _edit_document(["estimator", "fitted", "series_"], ["a", "b", "c", "d"]),
            r"recent history has shape \(3, 5, 1\).*4 series",
        ),
        (
            _edit_document(["estimator", "fitted", "series_"], ["b", "a", "c"]),
            "labels must be sorted and unique",
        ),
        (
            _edit_document(["estimator", "fitted", "series_"], ["a", "a", "c"]),
            "labels must be sorted and unique",
        ),
        (
            _set_array("_series_history", np.zeros((3, 9, 1))),
            r"recent history has shape \(3, 9, 1\)",
        ),
        (
            _set_array("_time_offsets", np.array([0.0, 2.0**45, 1.0])),
            "time offsets must be 3 whole numbers",
        ),
        (
            _edit_document(["estimator", "fitted", "_architecture", "lookback"], 2**33),
            r"lookback=8589934592 does not match the network's window of 4",
        ),
        (
            _set_array(
                "regressor_/network_.head.bias", np.array([np.nan], dtype=np.float32)
            ),
            "weight 'head.bias' holds NaN",
        ),
        (
            _set_array("_series_scaling", np.array([[0.0, 1.0], [0.0, -1.0], [0, 1]])),
            "positive scale",
        ),
        (
            _set_array("_series_interval_scale", np.array([1.0, 0.0, 1.0])),
            "interval scales must be 3 positive numbers",
        ),
        (
            _set_array("_series_interval_scale", np.ones(4)),
            "interval scales must be 3 positive numbers",
        ),
        (
            _edit_document(
                ["estimator", "fitted", "_interval_noise_centre"], float("inf")
            ),
            "noise centre must be a positive number",
        ),
        (
            _edit_document(["estimator", "fitted", "_interval_noise_lag"], 0),
            r"noise was measured over 0 step\(s\), but the forecaster's season is 1",
        ),
        (
            _edit_document(["estimator", "fitted", "_interval_noise_lag"], 3),
            r"noise was measured over 3 step\(s\)",
        ),
    ],
    ids=[
        "more-labels-than-series",
        "unsorted-labels",
        "duplicate-labels",
        "history-of-wrong-width",
        "huge-time-offset",
        "huge-lookback",
        "nan-weight",
        "negative-scale",
        "zero-interval-scale",
        "interval-scales-of-four-series",
        "infinite-noise-centre",
        "noise-over-no-steps",
        "noise-over-other-steps-than-the-season",
    ],
)
def test_load_refuses_per_series_state_that_does_not_fit_together(
    three_series, edit, message, tmp_path
):
    with pytest.raises(ValueError, match=message):
        sklstm.load(_tampered_file(tmp_path, edit, three_series))


# ------------------------------------------------------------------ warm_start


@pytest.mark.parametrize("first", ["one", "many"])
def test_warm_start_refuses_to_carry_networks_between_one_series_and_many(first):
    X, y, groups = panel()
    one = slice(0, len(MONTHS))
    fits = {"one": (X.iloc[one], y.iloc[one], None), "many": (X, y, groups)}
    second = "many" if first == "one" else "one"
    model = tiny(warm_start=True)
    X_1, y_1, groups_1 = fits[first]
    model.fit(X_1, y_1, groups=groups_1)
    before = model.predict(
        np.empty((2, 0)), groups=["a", "a"] if groups_1 is not None else None
    )
    X_2, y_2, groups_2 = fits[second]
    with pytest.raises(ValueError, match=r"'auto' resolves from the collection"):
        model.fit(X_2, y_2, groups=groups_2)
    after = model.predict(
        np.empty((2, 0)), groups=["a", "a"] if groups_1 is not None else None
    )
    np.testing.assert_array_equal(before, after)


EXPLICIT = dict(
    strategy="recursive",
    series_scaling="none",
    n_networks=1,
    season_length=None,
    drift=False,
    shrinkage=0.0,
)


def test_a_warm_start_carries_networks_from_one_series_to_several_set_alike():
    # Refused for the count of series alone, though every setting that
    # one series and several resolve differently was set, and equal.
    X, y, groups = panel()
    one = slice(0, len(MONTHS))
    model = tiny(warm_start=True, max_iter=2, **EXPLICIT)
    model.fit(X.iloc[one], y.iloc[one])
    trained = model._members()[0].network_.state_dict()
    started = {name: weights.clone() for name, weights in trained.items()}
    model.fit(X, y, groups=groups)
    assert len(model._members()[0].loss_curve_) == 4  # two epochs on, not afresh
    assert model.series_.tolist() == ["a", "b", "c"]
    assert any(
        not torch.equal(started[name], weights)
        for name, weights in model._members()[0].network_.state_dict().items()
    )


def test_a_warm_start_on_the_fitted_series_after_update_added_one_continues():
    # update gave the forecaster of one series a second: the warm start on
    # the one series was refused as "fitted on 2 series", and predict
    # without groups said it was fitted on 2.
    X, y, _ = panel()
    one = slice(0, len(MONTHS))
    model = tiny(max_iter=2).fit(X.iloc[one], y.iloc[one])
    model.update(X.iloc[one], y.iloc[one] + 1.0, groups=[1] * len(MONTHS))
    with pytest.raises(ValueError, match=r"knows 2 series .*fit or update"):
        model.predict(np.empty((1, 0)))
    model.set_params(warm_start=True).fit(X.iloc[one], y.iloc[one])
    assert len(model._members()[0].loss_curve_) == 4
    assert model.series_.tolist() == [0]


# --------------------------------------------------------------------- threads


def test_readers_never_mix_the_states_of_two_fits():
    X, y, groups = panel()
    first = slice(0, len(MONTHS))
    fits = [(X.iloc[first], y.iloc[first], groups[first]), (X, y, groups)]
    model = tiny(max_iter=1).fit(*fits[1][:2], groups=fits[1][2])
    failures, done = [], threading.Event()
    future, future_groups = np.empty((3, 0)), ["a"] * 3

    def read():
        while not done.is_set():
            try:
                model.predict_interval(future, 0.5, groups=future_groups)
                model.predict_series(future, groups=future_groups)
            except Exception as error:  # any error is a failure
                failures.append(error)
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for round_ in range(8):
        X_fit, y_fit, groups_fit = fits[round_ % 2]
        model.fit(X_fit, y_fit, groups=groups_fit)
        model.update(
            pd.DataFrame(index=MONTHS[-1:] + MONTHS.freq),
            pd.Series([1.0], MONTHS[-1:] + MONTHS.freq),
            groups=["a"],
        )
    done.set()
    for reader in readers:
        reader.join()
    assert not failures


def test_bool_labels_beside_numbers_are_refused_not_merged():
    # True == 1: the two series would have been fitted as one, its history
    # both runs of values one after the other.
    y = np.r_[np.arange(40.0), 100 + np.arange(40.0)]
    groups = np.array([True] * 40 + [1] * 40, dtype=object)
    with pytest.raises(ValueError, match="mixes bool labels with numbers"):
        tiny().fit(np.empty((80, 0)), y, groups=groups)


def test_an_integer_index_of_its_own_numbers_rows_and_update_goes_on_by_count():
    # The default index of a table read from a file numbers its rows: the
    # rows given to update are new whatever they are numbered.
    values = np.r_[np.sin(np.arange(40) / 3), 10 + np.cos(np.arange(40) / 3)]
    table = pd.DataFrame({"y": values, "id": np.repeat(["a", "b"], 40)})
    new = pd.DataFrame({"y": [0.5, 10.5], "id": ["a", "b"]})
    future = np.empty((4, 0)), np.repeat(["a", "b"], 2)

    from_frames = tiny().fit(np.empty((80, 0)), table["y"], groups=table["id"])
    from_frames.update(np.empty((2, 0)), new["y"], groups=new["id"])
    from_arrays = tiny().fit(np.empty((80, 0)), values, groups=table["id"].to_numpy())
    from_arrays.update(np.empty((2, 0)), new["y"].to_numpy(), groups=["a", "b"])

    np.testing.assert_array_equal(
        from_frames.predict(future[0], groups=future[1]),
        from_arrays.predict(future[0], groups=future[1]),
    )
    one = tiny().fit(np.empty((40, 0)), pd.Series(values[:40]))
    one.update(np.empty((2, 0)), pd.Series([0.5, 0.6]))
    assert one.predict_series(np.empty((1, 0))).index.tolist() == [42]


def test_dates_in_another_time_zone_are_refused_by_name():
    days = pd.date_range("2020-01-01", periods=30, freq="D", tz="UTC")
    y = pd.Series(5 + np.sin(np.arange(30) / 3), index=days)
    model = tiny().fit(pd.DataFrame(index=days), y)
    before = model.predict(np.empty((2, 0)))
    # The very next instants, written in another zone.
    later = pd.date_range("2020-01-31", periods=2, freq="D", tz="UTC")
    elsewhere = later.tz_convert("US/Eastern")

    with pytest.raises(ValueError, match=r"time zone US/Eastern.*time zone UTC"):
        model.update(pd.DataFrame(index=elsewhere), pd.Series([5.0, 5.2], elsewhere))
    with pytest.raises(ValueError, match=r"time zone US/Eastern.*time zone UTC"):
        model.predict(pd.DataFrame(index=elsewhere))
    np.testing.assert_array_equal(model.predict(np.empty((2, 0))), before)
    np.testing.assert_array_equal(model.predict(pd.DataFrame(index=later)), before)


@pytest.mark.parametrize("scaling", ["log", "log_last"])
def test_update_refuses_a_value_whose_logarithm_the_scaling_would_take(scaling):
    y = np.r_[10 + np.sin(np.arange(30) / 3), 20 + np.cos(np.arange(30) / 3)]
    groups = np.repeat(["a", "b"], 30)
    model = tiny(series_scaling=scaling).fit(np.empty((60, 0)), y, groups=groups)
    before = model.predict(np.empty((2, 0)), groups=["a", "b"])

    with pytest.raises(ValueError, match=r"series 'a' hold -1\.0, a value <= 0"):
        model.update(np.empty((2, 0)), [12.0, -1.0], groups=["a", "a"])
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=["a", "b"]), before
    )


def test_new_labels_never_merge_integer_series_by_turning_them_into_floats():
    ids = np.array([2**60 + 1, 2**60 + 2])  # distinct as integers, one as floats
    y = np.r_[10 + np.sin(np.arange(30) / 3), 100 + np.cos(np.arange(30) / 3)]
    model = tiny().fit(np.empty((60, 0)), y, groups=np.repeat(ids, 30))
    before = model.predict(np.empty((2, 0)), groups=ids)

    with pytest.raises(ValueError, match=r"new series \[0.5\] .* not integers"):
        model.update(np.empty((3, 0)), [1.0, 2.0, 3.0], groups=[0.5] * 3)
    model.update(np.empty((10, 0)), np.arange(1.0, 11.0), groups=[7.0] * 10)

    assert model.series_.dtype == ids.dtype
    assert model.series_.tolist() == [7, *ids.tolist()]
    np.testing.assert_array_equal(model.predict(np.empty((2, 0)), groups=ids), before)


def test_dates_given_as_another_type_than_fitted_are_refused_saying_so():
    # Fitted with datetime64 labels, the same dates given as Timestamps were
    # "series without a history", listed as integer nanoseconds: the message
    # now shows them as dates and says that the types differ.
    days = pd.to_datetime([0, 1, 2], unit="D")
    _, y, groups = panel(labels=days)
    model = tiny().fit(np.empty((len(y), 0)), y, groups=groups.to_numpy())
    assert model.predict(np.empty((3, 0)), groups=days.to_numpy()).shape == (3,)
    with pytest.raises(
        ValueError,
        match=r"without a history.*knows.*\(Timestamp\('1970-01-01 .*given as "
        r"object and the series were fitted with datetime64\[ns\] labels",
    ):
        model.predict(np.empty((3, 0)), groups=_object_labels(list(days)))


def test_a_refusal_names_an_integer_series_as_the_user_wrote_it():
    # "The rows of series np.int64(0) are not in time order".
    index = pd.MultiIndex.from_arrays([np.zeros(20, dtype=int), MONTHS[:20][::-1]])
    with pytest.raises(ValueError, match=r"^The rows of series 0 are not in time"):
        tiny().fit(pd.DataFrame(index=index), pd.Series(np.arange(20.0), index=index))


def test_early_stopping_speaks_of_each_series_only_for_several():
    y = np.sin(np.arange(50.0))
    y[-5:] = np.nan  # the held-out tail of one series: nothing to judge by
    with pytest.raises(ValueError, match="every target there is missing") as alone:
        tiny().fit(np.empty((50, 0)), y)
    assert "each series" not in str(alone.value)
    groups = np.repeat(["a", "b"], 25)
    y2 = np.r_[y[:20], [np.nan] * 5, y[:20], [np.nan] * 5]
    with pytest.raises(ValueError, match=r"rows \(of each series, with groups\)"):
        tiny().fit(np.empty((50, 0)), y2, groups=groups)


# ------------------------------------------------- labels held another way


def _fitted_on_two_series(labels, n=30):
    y = np.r_[10 + np.sin(np.arange(n) / 3), 100 + np.cos(np.arange(n) / 3)]
    return tiny().fit(np.empty((2 * n, 0)), y, groups=np.repeat(labels, n))


def test_ids_held_as_int64_or_uint64_are_the_same_series(tmp_path):
    # NumPy compares int64 with uint64 as float64, which merges ids beyond
    # 2**53: the fitted ids given as uint64 were "without a history", an
    # update with a uint64 id was refused, and [1, 3] uint64 plus 2 became
    # float labels.
    ids = np.array([2**60 + 1, 2**60 + 2], dtype=np.int64)
    model = _fitted_on_two_series(ids)
    before = model.predict(np.empty((2, 0)), groups=ids)
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=ids.astype(np.uint64)), before
    )
    model.update(np.empty((5, 0)), np.arange(5.0), groups=[np.uint64(2**60 + 3)] * 5)
    assert model.series_.dtype == np.int64
    assert model.series_.tolist() == [*ids.tolist(), 2**60 + 3]

    small = _fitted_on_two_series(np.array([1, 3], dtype=np.uint64))
    small.update(np.empty((5, 0)), np.arange(5.0), groups=[2] * 5)
    assert small.series_.dtype == np.int64 and small.series_.tolist() == [1, 2, 3]

    hashed = np.array([1, 2**64 - 1], dtype=np.uint64)
    wide = _fitted_on_two_series(hashed)
    wide.update(np.empty((5, 0)), np.arange(5.0), groups=[7] * 5)
    assert wide.series_.dtype == np.uint64
    assert wide.series_.tolist() == [1, 7, 2**64 - 1]
    # As fit holds them (no 64-bit type does), update held a negative id
    # beside these: it refused it, saying no integer type holds both.
    wide.update(np.empty((5, 0)), np.arange(5.0), groups=[-7] * 5)
    assert wide.series_.tolist() == [-7, 1, 7, 2**64 - 1]
    # A whole float beside them is the id it holds, before and after saving:
    # kept a float, it made every label a float in the file.
    wide.update(np.empty((5, 0)), np.arange(5.0), groups=[9.0] * 5)
    assert [type(label) for label in wide.series_] == [int] * 5
    assert reloaded(wide, "save", tmp_path).series_.tolist() == [-7, 1, 7, 9, 2**64 - 1]
    np.testing.assert_array_equal(
        wide.predict(np.empty((2, 0)), groups=[-7, 2**64 - 1]),
        wide.predict(np.empty((2, 0)), groups=np.array([-7, 2**64 - 1], dtype=object)),
    )


def test_a_list_of_large_ids_beside_a_whole_float_keeps_every_digit():
    # NumPy held [2**60 + 1, ..., 9.0] as floats: the update for 2**60 + 1
    # went to 2**60, and predict answered 2**60's forecast for it.
    a, b = 2**60, 2**60 + 1
    model = _fitted_on_two_series(np.array([a, b]))
    before = model.predict(np.empty((1, 0)), groups=[a])
    model.update(np.empty((10, 0)), np.full(10, 100.0), groups=[b] * 5 + [9.0] * 5)
    assert model.series_.tolist() == [9, a, b]
    np.testing.assert_array_equal(model.predict(np.empty((1, 0)), groups=[a]), before)
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=[b, 9.0]),
        model.predict(np.empty((2, 0)), groups=np.array([b, 9])),
    )


@pytest.mark.parametrize("dtype", [np.int8, np.uint32, np.float16, np.float32])
def test_labels_of_any_width_are_found_as_python_numbers(dtype, tmp_path):
    # float16 labels failed inside pandas (no float16 index); labels of
    # other widths changed dtype on save.
    labels = np.array([1.0, 3.0]).astype(dtype)
    model = _fitted_on_two_series(labels)
    assert model.series_.dtype == (np.float64 if labels.dtype.kind == "f" else np.int64)
    before = model.predict(np.empty((2, 0)), groups=labels)
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=[1, 3]), before
    )
    sklstm.save(model, tmp_path / "model.zip")
    loaded = sklstm.load(tmp_path / "model.zip")
    assert loaded.series_.dtype == model.series_.dtype
    np.testing.assert_array_equal(
        loaded.predict(np.empty((2, 0)), groups=labels), before
    )


@pytest.mark.parametrize(
    "fitted, new",
    [
        (np.array(["2020-01-01", "2020-02-01"], dtype="datetime64[D]"), "timestamp"),
        (np.array(["2020-01-01", "2020-02-01"], dtype="datetime64[ns]"), "date"),
        (
            _object_labels([pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01")]),
            "numpy",
        ),
    ],
    ids=["datetime64[D]+Timestamp", "datetime64[ns]+date", "Timestamps+datetime64"],
)
def test_a_new_series_dated_another_way_than_fitted_is_refused_saying_so(fitted, new):
    # Joined with the fitted labels, they failed to sort (a TypeError from
    # NumPy), or turned datetime64[D] labels into dates that save refused.
    import datetime

    model = _fitted_on_two_series(fitted)
    before = model.predict(np.empty((2, 0)), groups=fitted)
    label = {
        "timestamp": pd.Timestamp("2020-03-01"),
        "date": datetime.date(2020, 3, 1),
        "numpy": np.datetime64("2020-03-01", "ns"),
    }[new]
    groups = np.array([label] * 5, dtype="datetime64[ns]" if new == "numpy" else object)
    with pytest.raises(ValueError, match=r"the same kind of labels held two ways"):
        model.update(np.empty((5, 0)), np.arange(5.0), groups=groups)
    assert len(model.series_) == 2
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=fitted), before
    )


def test_dates_labels_and_numbers_are_refused_as_kinds_apart():
    model = _fitted_on_two_series(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"groups holds date labels.*by numbers"):
        model.update(
            np.empty((5, 0)),
            np.arange(5.0),
            groups=np.array(["2020-01-01"] * 5, dtype="datetime64[D]"),
        )


@pytest.mark.parametrize(
    "fitted, asked",
    [([0, 1], [False, True]), ([False, True], [0, 1]), ([False, True], [0.0, 1.0])],
)
def test_bools_name_no_numbered_series_in_predict_as_in_update(fitted, asked):
    # predict found True at series 1, where update refuses bools beside numbers.
    model = _fitted_on_two_series(np.array(fitted))
    with pytest.raises(ValueError, match=r"bools and numbers are kinds apart"):
        model.predict(np.empty((2, 0)), groups=asked)


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_dates_held_in_another_unit_are_the_same_dates(unit):
    # Data read from Arrow or Parquet often holds dates in s or ms: the right
    # dates were refused ("dated 2021-01-31, but it forecasts 2021-01-31").
    days = pd.date_range("2021-01-01", periods=30, freq="D")
    y = pd.Series(np.sin(np.arange(30) / 3), index=days)
    model = tiny().fit(pd.DataFrame(index=days), y)
    future = pd.date_range("2021-01-31", periods=2, freq="D")
    before = model.predict(pd.DataFrame(index=future))
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=future.as_unit(unit))), before
    )
    truth = pd.Series([0.1, 0.2], index=future.as_unit(unit))
    assert model.score(pd.DataFrame(index=future.as_unit(unit)), truth) == (
        model.score(pd.DataFrame(index=future), truth.set_axis(future))
    )
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=future[1:].as_unit(unit))), before[1:]
    )


def test_a_new_series_whose_label_cannot_be_ordered_among_the_fitted_is_refused():
    # Timestamps beside a datetime.date failed to sort, in NumPy.
    import datetime

    fitted = _object_labels([pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01")])
    model = _fitted_on_two_series(fitted)
    before = model.predict(np.empty((2, 0)), groups=fitted)
    with pytest.raises(ValueError, match=r"cannot be ordered among.*Cannot compare"):
        model.update(
            np.empty((3, 0)),
            [1.0, 2.0, 3.0],
            groups=_object_labels([datetime.date(2020, 3, 1)] * 3),
        )
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=fitted), before
    )


def _business_day_model():
    days = pd.bdate_range("2021-01-04", periods=40)
    y = pd.Series(np.sin(np.arange(40) / 3) + 5, index=days)
    return tiny().fit(pd.DataFrame(index=days), y)


@pytest.mark.parametrize(
    "asked",
    [
        pd.PeriodIndex(["2021-03-06", "2021-03-08"], freq="D"),  # a Saturday
        pd.PeriodIndex(["2021", "2022"], freq="Y"),
        pd.DatetimeIndex(["2021-03-02 12:00"]),
        pd.PeriodIndex(["2021"], freq="Y"),
    ],
    ids=["a-saturday", "years", "noon", "one-year"],
)
def test_rows_of_another_frequency_than_the_grid_are_refused(asked):
    # Counted in their own frequency, they were forecast at other dates.
    message = "which is no step after the end|a period that holds several steps"
    with pytest.raises(ValueError, match=message):
        _business_day_model().predict(pd.DataFrame(index=asked))


def test_repeated_or_backward_dates_are_refused_by_predict_and_score():
    model = _business_day_model()
    for dates in (["2021-03-02", "2021-03-02"], ["2021-03-03", "2021-03-02"]):
        index = pd.DatetimeIndex(dates)
        with pytest.raises(ValueError, match="at or before a row of the same series"):
            model.predict(pd.DataFrame(index=index))
        with pytest.raises(ValueError, match="at or before a row of the same series"):
            model.score(np.empty((2, 0)), pd.Series([1.0, 2.0], index=index))


def test_integer_times_given_to_a_fit_on_dates_are_refused():
    # They were never compared: the next steps were forecast instead.
    model = _business_day_model()
    index = pd.MultiIndex.from_tuples([(0, 45), (0, 49)])
    with pytest.raises(ValueError, match="dated by integer times, but the series"):
        model.predict(pd.DataFrame(index=index))


def test_rows_that_skip_steps_get_no_guessed_frequency():
    model = _business_day_model()
    asked = pd.DatetimeIndex(["2021-03-01", "2021-03-03", "2021-03-05"])
    forecast = model.predict_series(pd.DataFrame(index=asked))
    assert forecast.index.equals(asked) and forecast.index.freq is None


@pytest.mark.parametrize("unit", ["s", "period"])
def test_long_format_times_held_another_way_are_answered_on_them(unit):
    # predict_series compared them with the grid's dates as an Index: a
    # crash on datetime64[s], and a refusal of periods that predict took.
    model, after_a_gap = long_format_fit_and_months_after_a_gap()
    times = after_a_gap.get_level_values(1)
    times = times.as_unit("s") if unit == "s" else times.to_period("M")
    asked = pd.MultiIndex.from_arrays([after_a_gap.get_level_values(0), times])
    forecast = model.predict_series(pd.DataFrame(index=asked))
    assert forecast.index.equals(asked)
    np.testing.assert_array_equal(
        forecast.to_numpy(), model.predict(pd.DataFrame(index=after_a_gap))
    )


def test_an_interval_beyond_the_calibrated_steps_says_the_rows_date_puts_it_there():
    # One row asked for got "N step(s) calibrated, 36 asked for" and advice
    # to forecast fewer steps at a time.
    X, y, _ = panel(["a"])
    model = tiny(validation_fraction=0.5).fit(X, y)  # a tail to calibrate 3 steps
    far = pd.DataFrame(index=pd.date_range("2015-06", periods=1, freq="MS"))
    with pytest.raises(ValueError, match=r"Row 0 is dated 36 step\(s\) after the end"):
        model.predict_interval(far)


@pytest.mark.parametrize("freq, start", [("D", "2022-02-27"), ("W-SUN", "2021-12-05")])
def test_series_that_end_or_start_on_a_day_that_starts_at_one_keep_to_midnight(
    freq, start
):
    # Ending on 2022-03-13 (01:00 in Havana), a series was forecast at 01:00
    # every later day and the real next days were refused; one starting
    # then was refused as irregular; weekly data failed inside pytz.
    days = local_days(start, 30, freq, "America/Havana")
    change = days.get_loc(pd.Timestamp("2022-03-13 01:00", tz="America/Havana"))
    y = pd.Series(np.sin(np.arange(30) / 3) + 5, index=days)
    ending = tiny().fit(pd.DataFrame(index=days[: change + 1]), y[: change + 1])
    after = days[change + 1 : change + 3]
    assert ending.predict_series(np.empty((2, 0))).index.tolist() == after.tolist()
    np.testing.assert_array_equal(
        ending.predict(pd.DataFrame(index=after)), ending.predict(np.empty((2, 0)))
    )
    ending.update(pd.DataFrame(index=after), y[after])
    starting = tiny().fit(pd.DataFrame(index=days[change:]), y[change:])
    assert starting.predict_series(np.empty((1, 0))).index[0].hour == 0


def test_business_days_read_without_a_frequency_from_a_day_that_starts_at_one():
    # Cairo's Friday 2023-04-28 starts at 01:00. Read from a file (no freq),
    # the dates' step was guessed from that 01:00: no business-day grid held
    # them, and they were refused as irregular days.
    days = local_days("2023-04-28", 20, "B", "Africa/Cairo")
    y = pd.Series(np.sin(np.arange(20) / 3), index=days)
    with_freq = tiny().fit(pd.DataFrame(index=days), y)
    read = pd.DatetimeIndex(list(days))  # the same dates, no frequency
    guessed = tiny().fit(pd.DataFrame(index=read), y.set_axis(read))
    np.testing.assert_array_equal(
        guessed.predict_series(np.empty((2, 0))),
        with_freq.predict_series(np.empty((2, 0))),
    )
    assert guessed.predict_series(np.empty((1, 0))).index[0] == pd.Timestamp(
        "2023-05-26", tz="Africa/Cairo"
    )
    # A day skipped after it is a missing value: the grid that fills the gap
    # counted from 01:00 too, and the dates were refused.
    holed = read.delete(3)
    with_gap = tiny().fit(pd.DataFrame(index=holed), y.set_axis(read).drop(read[3]))
    as_nan = tiny().fit(
        pd.DataFrame(index=read), y.set_axis(read).where(read != read[3])
    )
    np.testing.assert_array_equal(
        with_gap.predict(np.empty((2, 0))), as_nan.predict(np.empty((2, 0)))
    )


@pytest.mark.parametrize("method", ["predict_interval", "predict_quantiles"])
def test_a_row_dated_beyond_the_calibrated_steps_is_refused_before_any_forecast(
    method, monkeypatch
):
    # A year typed wrong on hourly data put a row 87 600 steps ahead: the
    # interval was refused only after the rollout to it (36 s).
    X, y, _ = panel(["a"])
    model = tiny(validation_fraction=0.5).fit(X, y)
    rollouts = []
    forecast = sklstm._forecaster.forecast_from_ends
    monkeypatch.setattr(
        sklstm._forecaster,
        "forecast_from_ends",
        lambda *args, **kwargs: rollouts.append(args[4]) or forecast(*args, **kwargs),
    )
    far = pd.DataFrame(index=pd.date_range("2215-06", periods=1, freq="MS"))
    with pytest.raises(ValueError, match=r"Row 0 is dated 2436 step\(s\) after"):
        getattr(model, method)(far)
    assert rollouts == []
    near = pd.DataFrame(index=pd.date_range("2012-07", periods=2, freq="MS"))
    bounds = getattr(model, method)(near)
    assert len(rollouts) == 1 and bounds.shape[0] == 2


@pytest.mark.parametrize(
    "fitted_freq, period_freq, steps",
    [
        ("B", "D", [0, 2, 5]),
        ("QS", "M", [0, 2]),
        ("ME", "M", [1, 3]),
        ("BME", "M", [0, 2]),  # a month's last business day, not its last day
        ("W-SUN", "W-MON", [0, 3]),
    ],
)
def test_periods_that_skip_steps_of_a_grid_of_timestamps_are_placed_on_it(
    fitted_freq, period_freq, steps
):
    # Counted in their own frequency, business days given as daily periods
    # (and months of a quarterly grid) were refused once they skipped.
    index = pd.date_range("2021-01-01", periods=30, freq=fitted_freq)
    y = pd.Series(np.sin(np.arange(30) / 3), index=index)
    model = tiny().fit(pd.DataFrame(index=index), y)
    through = model.predict(np.empty((max(steps) + 1, 0)))
    grid = model.predict_series(np.empty((max(steps) + 1, 0))).index
    asked = grid[steps].to_period(period_freq)
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=asked)), through[steps]
    )


def test_days_in_a_time_zone_go_on_at_local_midnight_across_daylight_saving():
    # 24 hours were added per step: after the change every day fell at
    # 01:00, and the next local days were refused as off the grid.
    days = pd.date_range("2021-03-01", periods=20, freq="D", tz="Europe/Paris")
    y = pd.Series(np.sin(np.arange(20) / 3) + 5, index=days)
    model = tiny().fit(pd.DataFrame(index=days), y)
    following = pd.date_range("2021-03-21", periods=10, freq="D", tz="Europe/Paris")
    assert model.predict_series(np.empty((10, 0))).index.equals(following)
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=following)), model.predict(np.empty((10, 0)))
    )


def test_a_period_holding_several_steps_is_refused_saying_so():
    # The refusal said the quarter lay off the grid, though it holds the
    # first step to forecast (and two more).
    months = pd.date_range("2021-01-01", periods=30, freq="MS")
    model = tiny().fit(
        pd.DataFrame(index=months), pd.Series(np.sin(np.arange(30) / 3), months)
    )
    quarter = pd.PeriodIndex(["2023Q3"], freq="Q")
    with pytest.raises(ValueError, match="a period that holds several steps"):
        model.predict(pd.DataFrame(index=quarter))


def test_a_period_holding_the_last_step_observed_and_the_next_is_refused():
    # The quarter of the last month observed and the next was taken as the
    # next month alone.
    months = pd.date_range("2019-01-01", "2021-08-01", freq="MS")
    model = tiny().fit(
        pd.DataFrame(index=months), pd.Series(np.sin(np.arange(32) / 3), months)
    )
    with pytest.raises(ValueError, match="a period that holds several steps"):
        model.predict(pd.DataFrame(index=pd.PeriodIndex(["2021Q3"], freq="Q")))


def test_rows_that_skip_a_day_a_time_zone_starts_at_one_are_placed_on_it():
    # Daylight saving in Sao Paulo began at midnight on 2018-11-04: the day
    # has no midnight, and every row skipping steps across it was refused.
    days = pd.date_range("2018-10-10", periods=20, freq="D", tz="America/Sao_Paulo")
    y = pd.Series(np.sin(np.arange(20) / 3) + 5, index=days)
    model = tiny().fit(pd.DataFrame(index=days), y)
    steps = model.predict_series(np.empty((8, 0))).index
    through = model.predict(np.empty((8, 0)))
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=steps[[0, 5, 7]])), through[[0, 5, 7]]
    )


def local_days(start, periods: int, freq, tz: str) -> pd.DatetimeIndex:
    """Dates of a time zone; a day without its midnight starts at 01:00."""
    return pd.date_range(
        start, periods=periods, freq=freq, tz=tz, nonexistent="shift_forward"
    )


def test_daily_data_across_a_day_a_time_zone_starts_at_one_fits_and_updates():
    # Havana's clocks went forward at midnight on 2022-03-13: that day starts
    # at 01:00. fit on days spanning it, and update across it, failed inside
    # pytz ("NonExistentTimeError"), and a missing day there was no help.
    days = local_days("2022-03-01", 30, "D", "America/Havana")
    y = pd.Series(np.sin(np.arange(30) / 3) + 5, index=days)
    naive_days = days.tz_localize(None).normalize()
    expected = tiny().fit(pd.DataFrame(index=naive_days), y.set_axis(naive_days))
    fitted = tiny().fit(pd.DataFrame(index=days), y)
    np.testing.assert_array_equal(
        fitted.predict(np.empty((3, 0))), expected.predict(np.empty((3, 0)))
    )
    with_hole = tiny().fit(pd.DataFrame(index=days.delete(12)), y.drop(days[12]))
    held_as_nan = tiny().fit(pd.DataFrame(index=days), y.where(days != days[12]))
    np.testing.assert_array_equal(
        with_hole.predict(np.empty((3, 0))), held_as_nan.predict(np.empty((3, 0)))
    )
    updated = tiny().fit(pd.DataFrame(index=days[:10]), y[:10])
    updated.update(pd.DataFrame(index=days[10:]), y[10:])
    assert updated.predict_series(np.empty((2, 0))).index.tolist() == [
        pd.Timestamp("2022-03-31", tz="America/Havana"),
        pd.Timestamp("2022-04-01", tz="America/Havana"),
    ]
