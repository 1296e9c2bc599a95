"""Long-format collections: y and X on a (series, time) MultiIndex, no groups."""

import numpy as np
import pandas as pd
import pytest
from _factories import tiny_forecaster

from sklstm.metrics import make_mase_scorer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MONTHS = pd.date_range("2000-01", periods=40, freq="MS")
FUTURE = pd.date_range("2003-05", periods=3, freq="MS")
_t = np.arange(40)
VALUES = {"shop_a": np.sin(_t / 3) + 2, "shop_b": 50 * (np.cos(_t / 4) + 3)}


def long_frame():
    """The statsforecast layout: one row per (unique_id, ds), a y column."""
    return pd.concat(
        pd.DataFrame({"unique_id": name, "ds": MONTHS, "y": values})
        for name, values in VALUES.items()
    ).set_index(["unique_id", "ds"])


def future_index(names=("unique_id", "ds")):
    return pd.MultiIndex.from_product([list(VALUES), FUTURE], names=list(names))


def forecaster(**params):
    return tiny_forecaster(lookback=4, n_networks=1, **params)


def test_long_format_y_fits_the_same_model_as_rows_with_groups():
    y = long_frame()["y"]
    long = forecaster().fit(pd.DataFrame(index=y.index), y)
    grouped = forecaster().fit(
        np.empty((80, 0)), y.to_numpy(), groups=y.index.get_level_values(0)
    )
    future = pd.DataFrame(index=future_index())
    expected = grouped.predict(np.empty((6, 0)), groups=np.repeat(list(VALUES), 3))

    np.testing.assert_array_equal(long.predict(future), expected)
    assert long.series_.tolist() == ["shop_a", "shop_b"]


def test_predict_series_answers_in_the_layout_it_was_asked_in():
    y = long_frame()["y"]
    model = forecaster().fit(pd.DataFrame(index=y.index), y)
    forecast = model.predict_series(pd.DataFrame(index=future_index()))

    assert forecast.index.names == ["unique_id", "ds"]
    assert forecast.index.equals(future_index())
    assert forecast.name == "y"
    np.testing.assert_array_equal(
        forecast.to_numpy(), model.predict(pd.DataFrame(index=future_index()))
    )


def test_dates_later_than_the_next_step_are_forecast_at_their_own_dates():
    y = long_frame()["y"]
    model = forecaster().fit(pd.DataFrame(index=y.index), y)
    late = pd.MultiIndex.from_product(
        [list(VALUES), pd.date_range("2003-06", periods=3, freq="MS")]
    )
    through = model.predict(np.empty((8, 0)), groups=np.repeat(list(VALUES), 4))
    forecast = model.predict_series(pd.DataFrame(index=late))
    np.testing.assert_array_equal(forecast.to_numpy(), through[[1, 2, 3, 5, 6, 7]])
    assert forecast.index.equals(late)
    early = pd.MultiIndex.from_product(
        [list(VALUES), pd.date_range("2003-04", periods=2, freq="MS")]
    )
    with pytest.raises(ValueError, match=r"dated 2003-04-01.*is 2003-05-01"):
        model.predict_series(pd.DataFrame(index=early))


def test_interleaved_series_and_a_one_column_frame_are_read_row_by_row():
    frame = long_frame()
    by_series = forecaster().fit(pd.DataFrame(index=frame.index), frame)
    interleaved = frame.sort_index(level="ds")  # a_1, b_1, a_2, b_2, ...
    by_time = forecaster().fit(pd.DataFrame(index=interleaved.index), interleaved)
    future = pd.DataFrame(index=future_index()).sort_index(level="ds")

    forecast = by_time.predict_series(future)
    assert forecast.index.equals(future.index)  # the rows as asked
    np.testing.assert_allclose(
        forecast.sort_index().to_numpy(),
        by_series.predict(pd.DataFrame(index=future_index())),
    )


def test_covariates_on_the_same_index_in_another_row_order_are_aligned_to_y():
    y = long_frame()["y"]
    driver = pd.DataFrame({"driver": np.arange(80.0) % 7}, index=y.index)
    aligned = forecaster().fit(driver, y)
    shuffled = forecaster().fit(driver.iloc[::-1], y)
    future = pd.DataFrame({"driver": [1.0, 2.0, 3.0] * 2}, index=future_index())

    np.testing.assert_array_equal(shuffled.predict(future), aligned.predict(future))


def test_update_and_score_read_long_format_too():
    y = long_frame()["y"]
    first, rest = (
        y[y.index.get_level_values(1) < "2003-01"],
        y[y.index.get_level_values(1) >= "2003-01"],
    )
    model = forecaster().fit(pd.DataFrame(index=first.index), first)
    model.update(pd.DataFrame(index=rest.index), rest)
    forecast = model.predict_series(pd.DataFrame(index=future_index()))
    assert forecast.index.equals(future_index())

    refit = forecaster().fit(pd.DataFrame(index=first.index), first)
    score = refit.score(pd.DataFrame(index=rest.index), rest)
    expected = refit.score(
        np.empty((len(rest), 0)), rest.to_numpy(), groups=rest.index.get_level_values(0)
    )
    assert score == expected


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (
            lambda y: dict(X=pd.DataFrame(index=y.index), y=y, groups=np.zeros(80)),
            "already in long format.*drop groups=",
        ),
        (
            lambda y: dict(
                X=np.empty((80, 0)),
                y=y.set_axis(
                    pd.MultiIndex.from_arrays(
                        [np.zeros(80), *(y.index.get_level_values(k) for k in (0, 1))]
                    )
                ),
            ),
            "MultiIndex of 3 levels.*pass groups= explicitly",
        ),
        (
            lambda y: dict(X=pd.DataFrame(index=y.index[:-1]), y=y),
            r"different indexes: y has the rows \[\('shop_b'",
        ),
        (
            lambda y: dict(X=np.empty((80, 0)), y=y.iloc[::-1]),
            "not in time order.*sort_index",
        ),
        (
            lambda y: dict(X=pd.DataFrame(index=range(80)), y=y),
            "X is a pandas object on a single-level index",
        ),
    ],
    ids=["groups-too", "three-levels", "other-index", "unsorted", "flat-X"],
)
def test_ambiguous_long_format_is_refused_with_advice(make_input, message):
    with pytest.raises(ValueError, match=message):
        forecaster().fit(**make_input(long_frame()["y"]))


def integer_long_series(times_of: dict) -> pd.Series:
    """The long format with integer times, as the M4 files and statsforecast's
    examples lay collections out."""
    return pd.concat(
        pd.Series(
            np.sin(np.asarray(times) / 3) + 2,
            index=pd.MultiIndex.from_product([[name], times], names=["id", "t"]),
        )
        for name, times in times_of.items()
    )


def test_a_skipped_integer_time_is_a_missing_value_not_a_closed_gap():
    skipped = integer_long_series({"a": np.r_[0:10, 12:30], "b": np.arange(30)})
    completed = skipped.reindex(
        pd.MultiIndex.from_product([["a"], np.arange(30)]).append(
            pd.MultiIndex.from_product([["b"], np.arange(30)])
        )
    )
    future = pd.DataFrame(index=pd.MultiIndex.from_product([["a", "b"], [30, 31]]))

    gapped = forecaster().fit(pd.DataFrame(index=skipped.index), skipped)
    explicit = forecaster().fit(pd.DataFrame(index=completed.index), completed)

    np.testing.assert_array_equal(gapped.predict(future), explicit.predict(future))


@pytest.mark.parametrize(
    ("times_of", "message"),
    [
        ({"a": np.arange(30), "b": np.arange(0, 60, 2)}, r"\{'a': 1, 'b': 2\}"),
        ({"a": np.arange(0, 60, 2), "b": np.arange(1, 61, 2)}, "shifted"),
    ],
)
def test_integer_times_on_no_one_grid_are_refused(times_of, message):
    y = integer_long_series(times_of)

    with pytest.raises(ValueError, match=message):
        forecaster().fit(pd.DataFrame(index=y.index), y)


def test_integer_times_after_a_gap_are_forecast_and_scored_at_their_own_times():
    y = integer_long_series({"a": np.arange(30), "b": np.arange(30)})
    model = forecaster().fit(pd.DataFrame(index=y.index), y)
    asked = pd.MultiIndex.from_tuples([("a", 35), ("a", 36), ("b", 30), ("b", 31)])
    through = model.predict(np.empty((9, 0)), groups=["a"] * 7 + ["b"] * 2)
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame(index=asked)), through[[5, 6, 7, 8]]
    )
    # The steps skipped are truths not known, which the forecast goes
    # through unscored.
    truth = pd.Series(0.0, index=asked)
    through_index = pd.MultiIndex.from_tuples(
        [("a", t) for t in range(30, 37)] + [("b", 30), ("b", 31)]
    )
    unknown = pd.Series(np.r_[[np.nan] * 5, 0.0, 0.0, 0.0, 0.0], index=through_index)
    assert model.score(pd.DataFrame(index=asked), truth) == model.score(
        pd.DataFrame(index=through_index), unknown
    )
    before = pd.MultiIndex.from_tuples([("a", 29)])
    with pytest.raises(ValueError, match="dated 29, which is no step after"):
        model.predict(pd.DataFrame(index=before))


def test_a_repeated_time_is_named_as_repeated_not_as_unsorted():
    y = long_frame()["y"]
    repeated = pd.concat([y, y.iloc[[2]]]).sort_index()

    with pytest.raises(ValueError, match="'shop_a' has two rows for the time 2000-03"):
        forecaster().fit(pd.DataFrame(index=repeated.index), repeated)


def test_an_update_on_integer_times_takes_a_skipped_time_as_missing_as_fit_does():
    # fit read a time skipped inside a series as a missing value; update
    # refused one skipped after the series' end ("not regular").
    times = np.arange(40)
    y = pd.Series(
        np.r_[VALUES["shop_a"], VALUES["shop_b"]],
        index=pd.MultiIndex.from_arrays(
            [np.repeat(list(VALUES), 40), np.tile(times, 2)]
        ),
    )
    model = forecaster().fit(pd.DataFrame(index=y.index), y)
    skipped = pd.Series(
        [2.5, 2.7], index=pd.MultiIndex.from_arrays([["shop_a"] * 2, [41, 42]])
    )
    given = pd.Series(
        [np.nan, 2.5, 2.7],
        index=pd.MultiIndex.from_arrays([["shop_a"] * 3, [40, 41, 42]]),
    )
    future = pd.DataFrame(index=pd.MultiIndex.from_arrays([["shop_a"] * 2, [43, 44]]))
    expected = (
        forecaster()
        .fit(pd.DataFrame(index=y.index), y)
        .update(pd.DataFrame(index=given.index), given)
        .predict(future)
    )
    model.update(pd.DataFrame(index=skipped.index), skipped)
    np.testing.assert_array_equal(model.predict(future), expected)


def test_a_skipped_integer_time_with_covariates_is_refused_saying_why():
    # The refusal failed to describe the grid of integer times (an
    # AttributeError), in fit and in update.
    times = np.delete(np.arange(40), 5)
    index = pd.MultiIndex.from_arrays([["shop_a"] * 39, times])
    X = pd.DataFrame({"price": np.cos(times)}, index=index)
    y = pd.Series(np.delete(VALUES["shop_a"], 5), index=index)
    with pytest.raises(
        ValueError, match=r"skips 1 step.*every 1 time unit.*covariates"
    ):
        forecaster().fit(X, y)
    model = forecaster().fit(X.iloc[5:], y.iloc[5:])
    later = pd.MultiIndex.from_arrays([["shop_a"] * 2, [41, 42]])
    with pytest.raises(ValueError, match=r"skips 1 step.*covariates"):
        model.update(
            pd.DataFrame({"price": [0.1, 0.2]}, index=later),
            pd.Series([2.5, 2.6], index=later),
        )


def test_the_refusal_names_the_step_of_integer_times_of_any_series():
    # It read the step from the first series' grid: "every 1 time unit(s)"
    # when that series has one row, on a grid of step 2.
    times = np.r_[[0], np.delete(np.arange(0, 80, 2), 5)]
    labels = np.r_[["shop_a"], ["shop_b"] * 39]
    index = pd.MultiIndex.from_arrays([labels, times])
    X = pd.DataFrame({"price": np.cos(times)}, index=index)
    y = pd.Series(np.sin(times / 3.0), index=index)
    with pytest.raises(ValueError, match=r"every 2 time unit"):
        forecaster().fit(X, y)


def scored_panel():
    """A forecaster fitted on the first 36 months, and the last 4 of each series."""
    y = long_frame()["y"]
    train, test = y.groupby(level=0).head(36), y.groupby(level=0).tail(4)
    fitted = forecaster().fit(pd.DataFrame(index=train.index), train)
    return fitted, y, test


def test_score_aligns_long_format_x_given_in_another_order_to_y():
    # The dates were read from X before X was aligned to y, and refused.
    fitted, _, test = scored_panel()
    in_order = pd.DataFrame(index=test.index)
    interleaved = in_order.iloc[[0, 4, 1, 5, 2, 6, 3, 7]]
    assert fitted.score(interleaved, test) == fitted.score(in_order, test)


def test_the_mase_scorer_pairs_each_forecast_with_its_own_truth_in_any_order():
    # The forecasts came in X's order and the truths in y's: series b's
    # forecasts were scored against series a's values.
    fitted, y, test = scored_panel()
    scorer = make_mase_scorer(y)
    in_order = pd.DataFrame(index=test.index)
    b_first = in_order.iloc[[4, 5, 6, 7, 0, 1, 2, 3]]
    assert scorer(fitted, b_first, test) == scorer(fitted, in_order, test)
    with pytest.raises(ValueError, match="hold different rows"):
        scorer(fitted, in_order.iloc[:7], test)


def test_whole_float_times_are_the_integer_times_a_merge_made_float():
    # Float times closed a skipped time up: the values around it were read
    # as consecutive, where the same integers make it a missing value.
    times = np.delete(np.arange(41), 20)
    values = VALUES["shop_a"]

    def fitted(times):
        index = pd.MultiIndex.from_arrays([["a"] * 40, times], names=["uid", "ds"])
        return forecaster().fit(pd.DataFrame(index=index), pd.Series(values, index))

    as_floats, as_integers = fitted(times.astype(float)), fitted(times)
    future = pd.MultiIndex.from_arrays([["a", "a"], [41.0, 42.0]], names=["uid", "ds"])
    forecast = as_floats.predict_series(pd.DataFrame(index=future))
    np.testing.assert_array_equal(
        forecast.to_numpy(), as_integers.predict(np.empty((2, 0)))
    )
    assert forecast.index.get_level_values(1).tolist() == [41, 42]
    between = pd.MultiIndex.from_arrays([["a"], [41.5]], names=["uid", "ds"])
    with pytest.raises(ValueError, match=r"holds 41\.5, which is not a whole number"):
        as_floats.predict(pd.DataFrame(index=between))


@pytest.mark.parametrize("time", [np.nan, 2.5])
def test_a_float_time_that_is_no_whole_number_is_refused_saying_so(time):
    index = pd.MultiIndex.from_arrays([["a"] * 3, [0.0, 1.0, time]])
    with pytest.raises(ValueError, match=f"holds {time}, which is not a whole number"):
        forecaster().fit(pd.DataFrame(index=index), pd.Series([1.0, 2.0, 3.0], index))
