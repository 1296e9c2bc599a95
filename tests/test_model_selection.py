"""MultiSeriesSplit: backtest folds across series of unequal lengths."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.model_selection import cross_validate

from sklstm import LSTMForecaster
from sklstm.model_selection import MultiSeriesSplit

# Three series of unequal lengths, their rows interleaved in the table.
LENGTHS = {"a": 10, "b": 7, "c": 4}


def interleaved_groups() -> np.ndarray:
    rows = []
    for step in range(max(LENGTHS.values())):
        rows += [label for label, n in LENGTHS.items() if step < n]
    return np.array(rows)


def steps(groups: np.ndarray, rows: np.ndarray) -> dict[str, list[int]]:
    """The steps (within its series) of each row, by series."""
    position = {label: np.cumsum(groups == label) - 1 for label in LENGTHS}
    found = {}
    for row in rows:
        label = str(groups[row])
        found.setdefault(label, []).append(int(position[label][row]))
    return found


def test_each_fold_holds_out_the_next_horizon_steps_of_every_series():
    groups = interleaved_groups()
    X = np.zeros((len(groups), 1))
    folds = list(MultiSeriesSplit(n_splits=3, horizon=2).split(X, groups=groups))
    assert len(folds) == 3
    # Oldest fold first: cut 6, 4, 2 steps before each series' own end.
    expected_cuts = [
        {"a": 4, "b": 1},  # "c" (4 rows) has nothing left before its cut
        {"a": 6, "b": 3},  # "c" would keep 0 rows: left out
        {"a": 8, "b": 5, "c": 2},
    ]
    for (train, test), cuts in zip(folds, expected_cuts, strict=True):
        train_steps, test_steps = steps(groups, train), steps(groups, test)
        assert set(train_steps) == set(test_steps) == set(cuts)
        for label, cut in cuts.items():
            assert train_steps[label] == list(range(cut))
            assert test_steps[label] == [cut, cut + 1]
        assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)


def test_step_and_min_train_size_move_and_filter_the_cuts():
    groups = interleaved_groups()
    X = np.zeros((len(groups), 1))
    splitter = MultiSeriesSplit(n_splits=2, horizon=3, step=1, min_train_size=4)
    (train0, test0), (train1, test1) = splitter.split(X, groups=groups)
    assert "b" not in steps(groups, train0)
    assert steps(groups, test0) == {"a": [6, 7, 8]}  # "b" keeps 3 < 4 rows
    assert steps(groups, test1) == {"a": [7, 8, 9], "b": [4, 5, 6]}
    assert "c" not in steps(groups, train1)


def test_splits_need_groups_and_enough_rows():
    X = np.zeros((21, 1))
    with pytest.raises(ValueError, match="needs groups"):
        list(MultiSeriesSplit().split(X))
    with pytest.raises(ValueError, match=r"Fold 1 of n_splits=6.*longest has 10"):
        list(
            MultiSeriesSplit(n_splits=6, horizon=2).split(
                X, groups=interleaved_groups()
            )
        )
    with pytest.raises(ValueError, match="horizon must be an integer >= 1; got 0"):
        list(MultiSeriesSplit(horizon=0).split(X, groups=interleaved_groups()))


def collection():
    t = np.arange(50)
    y = np.r_[3 + np.sin(0.6 * t), 900 + 300 * np.sin(0.6 * t[:44] + 1)]
    groups = np.repeat(["small", "large"], [50, 44])
    return np.empty((len(y), 0)), y, groups


def test_cross_validate_routes_groups_to_fit_and_score():
    X, y, groups = collection()
    forecaster = LSTMForecaster(lookback=6, hidden_size=4, max_iter=5, random_state=0)
    splitter = MultiSeriesSplit(n_splits=2, horizon=4, min_train_size=7)
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(
            forecaster,
            X,
            y,
            cv=splitter,
            params={"groups": groups},
            return_estimator=True,
            return_indices=True,
        )
    # Each fold's model knows both series and scored R² over their forecasts.
    for fitted, test, score in zip(
        result["estimator"],
        result["indices"]["test"],
        result["test_score"],
        strict=True,
    ):
        assert fitted.series_.tolist() == ["large", "small"]
        expected = fitted.score(X[test], y[test], groups=groups[test])
        assert score == pytest.approx(expected)
        assert score > 0.5  # the scales of the two series are told apart


def test_the_manual_loop_without_routing_gives_the_same_scores():
    X, y, groups = collection()
    forecaster = LSTMForecaster(lookback=6, hidden_size=4, max_iter=5, random_state=0)
    splitter = MultiSeriesSplit(n_splits=2, horizon=4, min_train_size=7)
    manual = []
    for train, test in splitter.split(X, y, groups):
        forecaster.fit(X[train], y[train], groups=groups[train])
        manual.append(forecaster.score(X[test], y[test], groups=groups[test]))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(
            forecaster, X, y, cv=splitter, params={"groups": groups}
        )
    np.testing.assert_allclose(manual, routed["test_score"])


def test_long_format_data_is_cross_validated_without_groups():
    # The long format names each row's series in its first index level; the
    # forecaster refuses groups= beside it, so the splitter must read it too.
    X, y, groups = collection()
    months = np.r_[np.arange(50), np.arange(44)]  # each series' steps
    index = pd.MultiIndex.from_arrays([groups, months], names=["unique_id", "ds"])
    y_long = pd.Series(y, index=index)
    forecaster = LSTMForecaster(lookback=6, hidden_size=4, max_iter=5, random_state=0)
    splitter = MultiSeriesSplit(n_splits=2, horizon=4, min_train_size=7)
    with sklearn.config_context(enable_metadata_routing=True):
        long = cross_validate(
            forecaster, pd.DataFrame(index=index), y_long, cv=splitter
        )
        stacked = cross_validate(
            forecaster, X, y, cv=splitter, params={"groups": groups}
        )
    np.testing.assert_allclose(long["test_score"], stacked["test_score"])


def test_long_format_rows_newest_first_are_refused_rather_than_split():
    # Read in the order given, the test rows were each series' oldest and
    # every training row came after them: a fold that scores the past.
    months = pd.date_range("2000-01", periods=6, freq="MS")[::-1]
    index = pd.MultiIndex.from_arrays([np.repeat(["a", "b"], 6), np.tile(months, 2)])
    X = pd.DataFrame(index=index)
    with pytest.raises(ValueError, match=r"series 'a' are not in time order.*sort"):
        next(MultiSeriesSplit(n_splits=1, horizon=2).split(X))


def test_a_time_a_series_skips_is_a_step_of_the_backtest_as_of_the_forecaster():
    # Rows were counted as steps: a fold tested times 47, 49 and 50 of a
    # series without time 48, and score refused them.
    _, y, groups = collection()
    times = np.r_[np.delete(np.arange(51), 48), np.arange(44)]
    index = pd.MultiIndex.from_arrays([groups, times], names=["unique_id", "ds"])
    y_long = pd.Series(y, index=index)
    with_nan = pd.Series(
        np.insert(y, 48, np.nan),
        index=pd.MultiIndex.from_arrays(
            [np.insert(groups, 48, groups[0]), np.r_[np.arange(51), np.arange(44)]],
            names=["unique_id", "ds"],
        ),
    )
    splitter = MultiSeriesSplit(n_splits=2, horizon=3, min_train_size=7)
    tested = [
        y_long.index[test].tolist()
        for _, test in splitter.split(pd.DataFrame(index=y_long.index))
    ]
    assert [t for s, t in tested[-1] if s == groups[0]] == [49, 50]
    forecaster = LSTMForecaster(lookback=6, hidden_size=4, max_iter=3, random_state=0)
    scores = [
        cross_validate(forecaster, pd.DataFrame(index=data.index), data, cv=splitter)[
            "test_score"
        ]
        for data in (y_long, with_nan)
    ]
    np.testing.assert_array_equal(scores[0], scores[1])
    assert np.isfinite(scores[0]).all()


def test_min_train_size_counts_the_rows_before_the_cut_not_the_steps():
    # With a gap, a series with 4 rows (but 12 steps) before the cut took
    # part in a fold asking for 5, and fit then failed on it.
    months = pd.date_range("2010-01-01", periods=14, freq="MS")
    dated = months[[0, 1, 2, 12, 13]]
    y = pd.Series(np.arange(5.0), index=dated)
    splitter = MultiSeriesSplit(n_splits=1, horizon=1, min_train_size=5)
    with pytest.raises(ValueError, match=r"the most any keeps before the cut is 4"):
        next(splitter.split(pd.DataFrame(index=dated), y, np.zeros(5)))
    train, _ = next(
        MultiSeriesSplit(n_splits=1, horizon=1, min_train_size=4).split(
            pd.DataFrame(index=dated), y, np.zeros(5)
        )
    )
    assert train.tolist() == [0, 1, 2, 3]


def test_small_numpy_integers_cut_the_folds_python_integers_cut():
    # back = horizon + (n_splits - 1 - fold) * step wrapped around in int8:
    # the first fold tested 88 rows from row 712 instead of 200 from 200.
    groups = np.repeat(["a", "b"], 400)
    X = np.empty((800, 0))
    as_numpy = MultiSeriesSplit(n_splits=np.int8(3), horizon=np.int8(100))
    as_python = MultiSeriesSplit(n_splits=3, horizon=100)
    for (train, test), (train_, test_) in zip(
        as_numpy.split(X, groups=groups), as_python.split(X, groups=groups), strict=True
    ):
        np.testing.assert_array_equal(train, train_)
        np.testing.assert_array_equal(test, test_)


def test_a_horizon_beyond_int64_gets_the_message_a_long_one_gets():
    # back = horizon + ... did not fit in the int64 steps: an OverflowError
    # from NumPy instead of the advice to lower horizon.
    groups = np.repeat(["a", "b"], 40)
    for horizon in (10**12, 2**62, 2**70):
        splitter = MultiSeriesSplit(n_splits=3, horizon=horizon)
        with pytest.raises(ValueError, match="Lower n_splits, horizon or step"):
            next(splitter.split(np.empty((80, 0)), groups=groups))
