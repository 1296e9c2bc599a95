"""One fit over several processes (torch.distributed, gloo on CPUs).

The two-process tests start real processes with ``torch.multiprocessing``
(spawn) and a real gloo group; the group-of-one tests run in this process
on an in-memory store.
"""

import datetime
import io
import json
import os
import re
import signal
import socket
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from _factories import tiny_forecaster, tiny_regressor

from sklstm import load, save
from sklstm.distributed import DataParallelFitError, fit_data_parallel

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

LABELS = np.array(list("abcdef"))
#: Series of different lengths: the processes hold different numbers of windows.
LENGTHS = (50, 42, 61, 38, 55, 47)
#: The series each of two processes holds.
SHARES = (LABELS[:3], LABELS[3:])


def panel():
    """Six series with a season of 5 steps at different levels, one covariate."""
    rng = np.random.default_rng(0)
    X, y, groups = [], [], []
    for i, (label, n) in enumerate(zip(LABELS, LENGTHS, strict=True)):
        t = np.arange(n)
        season = np.sin(2 * np.pi * t / 5 + i)
        y.append((i + 1) * (3 + np.sin(0.1 * t) + season) + rng.normal(0, 0.1, n))
        X.append(np.cos(0.4 * t)[:, None])
        groups.append(np.full(n, label))
    return np.concatenate(X), np.concatenate(y), np.concatenate(groups)


def holed_panel():
    """:func:`panel` with holes in "a" and "c" (the last two values of "c"),
    none in the other series."""
    X, y, groups = panel()
    y = y.copy()
    y[np.flatnonzero(groups == "a")[[5, 6, 20, 33]]] = np.nan
    y[np.flatnonzero(groups == "c")[[10, -2, -1]]] = np.nan
    return X, y, groups


def tail_holed_panel():
    """:func:`panel` with a hole in the held-out tails of "d", "e" and "f",
    the series of the second of two processes, before their last values."""
    X, y, groups = panel()
    y = y.copy()
    for label, steps_back in zip("def", (2, 1, 1), strict=True):
        y[np.flatnonzero(groups == label)[-1 - steps_back]] = np.nan
    return X, y, groups


def misled_panel():
    """Six series that follow 3 times their covariate, except in their last
    12 steps, where they barely move: forecasts from the tails are better
    shrunk toward the last value."""
    rng = np.random.default_rng(0)
    X, y, groups = [], [], []
    for label, n in zip(LABELS, LENGTHS, strict=True):
        x = rng.normal(size=n)
        steps = 3 * x
        steps[-12:] = 0.1 * rng.normal(size=12)
        y.append(50 + np.cumsum(steps))
        X.append(x[:, None])
        groups.append(np.full(n, label))
    return np.concatenate(X), np.concatenate(y), np.concatenate(groups)


def forecaster(**params):
    """An ensemble of two direct forecasters, early stopping on the tails."""
    settings = dict(
        lookback=6,
        horizon=3,
        hidden_size=6,
        max_iter=4,
        n_networks=2,
        batch_size=16,
        n_iter_no_change=2,
    )
    return tiny_forecaster(**{**settings, **params})


def assert_same_forecasts(model, reference, steps: int, labels=LABELS) -> None:
    """The next ``steps`` forecasts of every series agree up to float rounding."""
    future = np.tile(np.cos(0.4 * np.arange(steps))[:, None], (len(labels), 1))
    future_groups = np.repeat(labels, steps)
    np.testing.assert_allclose(
        model.predict(future, groups=future_groups),
        reference.predict(future, groups=future_groups),
        rtol=1e-5,
    )


def assert_same_intervals(model, reference, steps: int) -> None:
    """The 90 % intervals of the next ``steps`` of every series agree."""
    future = np.tile(np.cos(0.4 * np.arange(steps))[:, None], (len(LABELS), 1))
    future_groups = np.repeat(LABELS, steps)
    np.testing.assert_allclose(
        model.predict_interval(future, 0.9, groups=future_groups),
        reference.predict_interval(future, 0.9, groups=future_groups),
        rtol=1e-5,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def join_group(rank: int, port: int, timeout: float = 60.0) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=2,
        timeout=datetime.timedelta(seconds=timeout),
    )


def leave_group() -> None:
    """Leave the group, then end this spawned process at once.

    At the interpreter's teardown, torch's gloo threads now and then abort a
    process that finished its work ("terminate called without an active
    exception", SIGABRT), which fails the test that spawned it; ``os._exit``
    skips that teardown.
    """
    dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def fit_share(rank: int, port: int, path: str, collection=None, settings=None) -> None:
    """One of two processes: fit ``forecaster(**settings)`` on its three
    series of ``collection()`` (:func:`panel` by default: the first three
    series it lists on rank 0, the others on rank 1); rank 0 saves."""
    join_group(rank, port)
    X, y, groups = (collection or panel)()
    mine = np.isin(groups, np.array_split(pd.unique(groups), 2)[rank])
    fit_data_parallel(
        forecaster(**(settings or {})),
        X[mine],
        y[mine],
        groups=groups[mine],
        save_to=path,
    )
    leave_group()


def fitted_together_and_alone(tmp_path, collection, settings=None):
    """The forecaster two processes fit on ``collection()`` (by
    :func:`fit_share`), and the one a single process fits on all of it."""
    path = str(tmp_path / "model.sklstm")
    mp.spawn(fit_share, args=(free_port(), path, collection, settings), nprocs=2)
    X, y, groups = collection()
    alone = forecaster(**(settings or {})).fit(X, y, groups=groups)
    return load(path), alone


def weighted_rows():
    """Four series of two columns, weighted rows, for an LSTMRegressor."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(160, 2))
    y = X[:, 0] + 0.5 * np.roll(X[:, 1], 1)
    return X, y, rng.uniform(0.2, 2.0, size=160), np.repeat([0, 1, 2, 3], 40)


def regressor():
    return tiny_regressor(early_stopping=True, batch_size=24, max_iter=4)


def fit_rows_share(rank: int, port: int, path: str, rows=None) -> None:
    """One of two processes: fit a regressor on two of the four series of
    ``rows()`` (:func:`weighted_rows` by default)."""
    join_group(rank, port)
    X, y, weights, groups = (rows or weighted_rows)()
    mine = groups // 2 == rank
    fit_data_parallel(
        regressor(),
        X[mine],
        y[mine],
        sample_weight=weights[mine],
        groups=groups[mine],
        save_to=path,
    )
    leave_group()


def fit_until_stopped(rank: int, port: int, path: str, queue) -> None:
    """One of two processes: a fit that runs until a process is stopped."""
    join_group(rank, port, timeout=10.0)
    X, y, groups = panel()
    mine = np.isin(groups, SHARES[rank])
    endless = forecaster(max_iter=100_000, n_iter_no_change=100_000, n_networks=1)
    queue.put(("fitting", rank))
    try:
        fit_data_parallel(endless, X[mine], y[mine], groups=groups[mine], save_to=path)
    except DataParallelFitError as error:
        queue.put(("failed", str(error)))
        raise SystemExit(3) from None
    queue.put(("finished", rank))


#: Fits that one process or the processes together cannot make, and what
#: every process must say about them (a regular expression).
REFUSED_SHARES = {
    "different feature columns": (
        r"different numbers of feature columns \(\[1, 2\].*"
        r"Give every process the same columns"
    ),
    "different outputs": r"different numbers of outputs.*\[1, 2\].*the same outputs",
    "NaN in X on one process": r"rank 1: Input X contains NaN.*LSTMRegressor",
    "invalid parameter on one process": (
        r"rank 1: The 'lookback' parameter of LSTMRegressor must be"
    ),
    "sample_weight on one process": (
        r"sample_weight on some \(rank \[0\]\) and not on others.*"
        r"the weights of its rows, or none"
    ),
    "no target to judge by on one process": (
        r"rank 1: early_stopping=True holds out.*every target there is missing"
    ),
    "forecaster without groups": (
        r"LSTMForecaster fitted across processes needs groups= on every "
        r"process.*rank \[0, 1\] gave none"
    ),
    # One series per network: the process that holds none of it failed in
    # scikit-learn ("Sample weights must contain at least one non-zero
    # number") while the other waited for the group's timeout.
    "a network with no series on one process": (
        r"Network 1 of the ensemble drew 1 series \(max_series=1\), and "
        r"process\(es\) \[[01]\] hold none of them.*max_series='auto'"
    ),
    # In one process the series too short to train are kept as histories
    # beside the others; here the process holding only such series raised
    # "no window is left to train on. Pass longer series".
    "only series too short to train on one process": (
        r"rank 1: .*process\(es\) \[1\] hold only series too short to train.*"
        r"update\(\) after the fit"
    ),
    # Refused as by one process: the advice above would be wrong.
    "no window to train on any process": (
        r"^ValueError: early_stopping=True holds out.*no window is left to train "
        r"on\. Pass longer series.*early_stopping=False\.$"
    ),
    # Joined as numbers, the strings failed in NumPy's type promotion.
    "labels of different kinds": (
        r"label their series by different kinds of values \(rank 0: strings, "
        r"rank 1: numbers\)"
    ),
    # Collectives that did not match: the group hung until its timeout, or
    # gloo aborted the process ("collective mismatch").
    "another lookback on one process": (
        r"different estimators: lookback is \d+ on rank 0 and 6 on rank 1"
    ),
    # max_series=1 is one series, 1.0 all of them: equal as numbers, they
    # were let through, and each process drew its own share.
    "an int and a float on one process each": (
        r"different estimators: max_series is 1 on rank 0 and 1\.0 on rank 1"
    ),
    "another class on one process": (
        r"different estimators: estimator class is 'LSTMRegressor' on rank 0 "
        r"and 'LSTMForecaster' on rank 1"
    ),
    "negative ids beside ids beyond int64": (
        r"process\(es\) \[0\] label series by negative integers, and the "
        r"process\(es\) \[1\] by integers beyond the 64-bit signed range"
    ),
}


#: Fits whose processes were given the same estimator, or differ only where
#: they may (``verbose``, ``random_state``): each must fit.
ALIKE_SHARES = ["equal parameters held as NumPy scalars"]


def refused_share(case: str, rank: int):
    """The estimator, X, y and keywords of the process of ``rank`` in the
    fit of ``case`` (a key of :data:`REFUSED_SHARES`)."""
    t = np.arange(60.0)
    X, y = np.cos(t / 4)[:, None], np.sin(t / 3) + 5
    estimator, keywords = tiny_regressor(max_iter=2), {}
    if case == "different feature columns":
        X = np.tile(X, (1, rank + 1))
    elif case == "different outputs":
        y = np.column_stack([y] * (rank + 1))
    elif case == "NaN in X on one process" and rank == 1:
        X = X.copy()
        X[5, 0] = np.nan
    elif case == "invalid parameter on one process" and rank == 1:
        estimator = tiny_regressor(lookback=0)
    elif case == "another lookback on one process" and rank == 1:
        estimator = tiny_regressor(max_iter=2, lookback=6, verbose=1)
    elif case == "an int and a float on one process each":
        estimator = tiny_forecaster(n_networks=2, max_series=[1, 1.0][rank])
        X = np.empty((len(y), 0))
        keywords["groups"] = np.repeat([f"{rank}a", f"{rank}b"], len(y) // 2)
    elif case == "another class on one process" and rank == 1:
        estimator = tiny_forecaster(max_iter=2)
    elif case == "equal parameters held as NumPy scalars" and rank == 1:
        estimator = tiny_regressor(
            max_iter=np.int64(2), tol=np.float64(1e-4), random_state=7, verbose=1
        )
    elif case == "sample_weight on one process" and rank == 0:
        keywords["sample_weight"] = np.linspace(0.5, 1.5, len(y))
    elif case == "no target to judge by on one process":
        estimator = tiny_regressor(early_stopping=True, validation_fraction=0.1)
        if rank == 1:
            y = y.copy()
            y[-10:] = np.nan  # its held-out tail
    elif case == "forecaster without groups":
        estimator = tiny_forecaster(n_networks=1, max_iter=2)
        X = np.empty((len(y), 0))
    elif case == "a network with no series on one process":
        estimator = tiny_forecaster(n_networks=2, max_series=1, max_iter=2)
        X = np.empty((len(y), 0))
        keywords["groups"] = np.repeat([f"{rank}a", f"{rank}b"], len(y) // 2)
    elif case == "no window to train on any process":
        estimator = tiny_forecaster(
            n_networks=1, strategy="direct", horizon=4, validation_fraction=0.5
        )
        X, y = np.empty((24, 0)), y[:24]
        keywords["groups"] = np.repeat([f"{rank}a", f"{rank}b"], 12)
    elif case in ("labels of different kinds", "negative ids beside ids beyond int64"):
        estimator = tiny_forecaster(n_networks=1, max_iter=2)
        X = np.empty((len(y), 0))
        ids = {
            "labels of different kinds": [np.array(["a", "b"]), np.array([1, 2])],
            "negative ids beside ids beyond int64": [
                np.array([-1, -2]),
                np.array([2**63, 2**63 + 1], dtype=np.uint64),
            ],
        }[case][rank]
        keywords["groups"] = np.repeat(ids, len(y) // 2)
    elif case == "only series too short to train on one process":
        estimator = tiny_forecaster(n_networks=1, max_iter=2)
        if rank == 1:
            X, y = X[:6], y[:6]
        X = np.empty((len(y), 0))
        keywords["groups"] = np.repeat([f"{rank}a", f"{rank}b"], len(y) // 2)
    return estimator, X, y, keywords


def refuse_shares(rank: int, port: int, folder: str) -> None:
    """One of two processes: each fit of :data:`REFUSED_SHARES` in turn, in
    one group; writes what it raised, and after how long, to ``folder``."""
    join_group(rank, port, timeout=20.0)
    outcomes = {}
    try:
        for case in [*REFUSED_SHARES, *ALIKE_SHARES]:
            estimator, X, y, keywords = refused_share(case, rank)
            started = time.monotonic()
            try:
                fit_data_parallel(estimator, X, y, **keywords)
                outcome = "fitted"
            except Exception as error:
                outcome = f"{type(error).__name__}: {error}"
            outcomes[case] = (outcome, time.monotonic() - started)
    finally:
        with open(os.path.join(folder, f"{rank}.json"), "w") as file:
            json.dump(outcomes, file)
    leave_group()


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """What each of two processes raised in each fit of :data:`REFUSED_SHARES`."""
    folder = tmp_path_factory.mktemp("refusals")
    mp.spawn(refuse_shares, args=(free_port(), str(folder)), nprocs=2)
    return [json.loads((folder / f"{rank}.json").read_text()) for rank in range(2)]


@pytest.mark.parametrize("case", list(REFUSED_SHARES))
def test_a_share_refused_on_one_process_is_refused_at_once_on_every_one(refusals, case):
    # The regressor's were refused on one process only, or on none: the
    # other process waited for the group's timeout (20 s here), and then
    # every process raised DataParallelFitError without saying why. A
    # forecaster without groups named a series "[0]" the user never gave.
    for rank, outcomes in enumerate(refusals):
        outcome, seconds = outcomes[case]
        assert outcome.startswith("ValueError: "), (rank, outcome)
        assert re.search(REFUSED_SHARES[case], outcome, re.DOTALL), (rank, outcome)
        assert "ShareRegressor" not in outcome
        assert seconds < 10.0, (rank, seconds)


@pytest.mark.parametrize("case", ALIKE_SHARES)
def test_processes_given_the_same_estimator_fit_whatever_holds_its_numbers(
    refusals, case
):
    # Parameters compared by their text would refuse max_iter=2 beside
    # np.int64(2) (repr 'np.int64(2)').
    assert [outcomes[case][0] for outcomes in refusals] == ["fitted", "fitted"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    # Each network on 3 of the 6 series: drawn alike on both processes, from
    # the series of both, as one process draws them.
    [{}, {"max_series": 3}],
    ids=["every series", "a share of the series each"],
)
def test_two_processes_fit_the_model_one_process_fits(tmp_path, settings):
    together, alone = fitted_together_and_alone(tmp_path, panel, settings)
    assert_same_forecasts(together, alone, steps=5)
    assert together.series_.tolist() == LABELS.tolist()
    assert together.season_length_ == alone.season_length_ == 5
    assert together.n_iter_ == alone.n_iter_
    np.testing.assert_allclose(
        together.calibration_residuals_, alone.calibration_residuals_, atol=1e-5
    )


#: Hashed ids: the first three fit in int64, the last three only in uint64.
HASHED = np.array([5, 9, 2**60, 2**63 + 1, 2**64 - 2, 2**64 - 1], dtype=np.uint64)


def hashed_panel():
    """:func:`panel` with its series labelled by :data:`HASHED`."""
    X, y, groups = panel()
    return X, y, HASHED[np.searchsorted(LABELS, groups)]


@pytest.mark.slow
def test_two_processes_keep_hashed_ids_as_one_process_does(tmp_path):
    # Rank 0 held its ids as int64, rank 1 as uint64; joined, they became
    # float64: ids close together were refused as "rows on several"
    # processes, and the fitted labels lost their last digits.
    together, alone = fitted_together_and_alone(tmp_path, hashed_panel)
    assert together.series_.dtype == alone.series_.dtype == np.uint64
    assert together.series_.tolist() == HASHED.tolist()
    assert_same_forecasts(together, alone, steps=3, labels=HASHED)


@pytest.mark.slow
def test_two_processes_learn_around_the_holes_of_one_as_one_process_does(tmp_path):
    # Only the first process's series have holes: the other's windows must
    # carry the mask all the same, and the merged state say where they are.
    together, alone = fitted_together_and_alone(tmp_path, holed_panel)
    assert_same_forecasts(together, alone, steps=5)
    np.testing.assert_array_equal(together._series_missing, alone._series_missing)
    np.testing.assert_array_equal(
        together._series_missing_run, alone._series_missing_run
    )
    np.testing.assert_allclose(
        together.calibration_residuals_, alone.calibration_residuals_, atol=1e-5
    )


@pytest.mark.slow
def test_two_processes_grow_the_tails_past_holes_as_one_process_does(tmp_path):
    # Each process numbers its series from 0: the holes of the second
    # process's series count against its own tails, not the first's.
    settings = {"validation_fraction": 0.02}
    together, alone = fitted_together_and_alone(tmp_path, tail_holed_panel, settings)
    assert (
        together.regressor_.validation_fraction == alone.regressor_.validation_fraction
    )
    assert_same_intervals(together, alone, steps=3)


@pytest.mark.slow
def test_two_processes_choose_the_shrinkage_one_process_chooses(tmp_path):
    # Chosen from the held-out forecasts of the series of both processes:
    # each process alone has three series to judge by, not six.
    path = str(tmp_path / "model.sklstm")
    settings = {"validation_fraction": 0.25}
    mp.spawn(fit_share, args=(free_port(), path, misled_panel, settings), nprocs=2)
    X, y, groups = misled_panel()
    alone = forecaster(**settings).fit(X, y, groups=groups)
    together = load(path)
    assert together.shrinkage_ == alone.shrinkage_ > 0
    assert_same_forecasts(together, alone, steps=3)
    np.testing.assert_allclose(
        together.calibration_residuals_, alone.calibration_residuals_, atol=1e-5
    )


def growing_walks():
    """Six random walks of 60 steps whose steps grow e-fold every 5 steps
    (enough for six series to show the growth beyond chance)."""
    rng = np.random.default_rng(0)
    steps = rng.normal(size=(6, 60)) * np.exp(np.arange(60) / 5)
    y = 10 + np.cumsum(steps, axis=1)
    return np.empty((y.size, 0)), y.ravel(), np.repeat(LABELS, 60)


#: Forecasts that are each history's last value (nothing taken out), so
#: that the held-out errors follow from the values alone.
NAIVE = dict(
    horizon=1,
    shrinkage=1.0,
    series_scaling="none",
    season_length=None,
    drift=False,
    validation_fraction=0.3,
)


@pytest.mark.slow
def test_two_processes_carry_the_held_out_errors_as_one_process_does(tmp_path):
    # The growth of the errors along the tails is the whole collection's,
    # from the sums of both processes: each carries its own errors by it.
    from sklstm._rollout import held_out_lengths

    together, alone = fitted_together_and_alone(tmp_path, growing_walks, NAIVE)
    np.testing.assert_allclose(
        together.calibration_residuals_, alone.calibration_residuals_, rtol=1e-9
    )
    # The naive forecasts' own errors, from each tail's origins (those with
    # a full history), are carried: the first origins' most.
    (tail,) = held_out_lengths(np.array([60]), alone.regressor_.validation_fraction, 1)
    origins = np.arange(60 - 1 - tail, 60 - 1)
    origins = origins[origins >= 6]  # a history of lookback + 1 values
    values = growing_walks()[1].reshape(6, 60)
    raw = np.abs(values[:, origins + 1] - values[:, origins])
    raw = (raw / alone._series_interval_scale[:, None]).ravel()
    factors = alone.calibration_residuals_[:, 0] / raw
    assert factors.reshape(6, -1)[:, 0].min() > 2 * factors.reshape(6, -1)[:, -1].max()


def holed_rows():
    """:func:`weighted_rows` with two outputs, some missing in series 0 and 1
    (those of the first of two processes) only."""
    X, y, weights, groups = weighted_rows()
    y = np.column_stack([y, np.roll(y, 1)])
    y[[3, 17, 50], 0] = np.nan
    y[[8, 60], 1] = np.nan
    return X, y, weights, groups


def placeholder_rows():
    """:func:`weighted_rows` with placeholder targets of weight 0 in series
    2 (of the second process): they leave y's standardisation there too."""
    X, y, weights, groups = weighted_rows()
    weights[[85, 90]], y[[85, 90]] = 0.0, 1e6
    return X, y, weights, groups


@pytest.mark.slow
@pytest.mark.parametrize(
    "rows",
    # With missing targets on one process only, that process took other
    # steps than the other (per-target weights), and the fit hung until the
    # group's timeout.
    [weighted_rows, holed_rows, placeholder_rows],
    ids=["complete", "missing targets on one process", "placeholders of weight 0"],
)
def test_two_processes_fit_the_weighted_regressor_one_process_fits(tmp_path, rows):
    path = str(tmp_path / "regressor.sklstm")
    mp.spawn(fit_rows_share, args=(free_port(), path, rows), nprocs=2)
    X, y, weights, groups = rows()
    alone = regressor().fit(X, y, sample_weight=weights, groups=groups)
    together = load(path)
    np.testing.assert_allclose(
        together.predict(X, groups=groups), alone.predict(X, groups=groups), rtol=1e-5
    )
    np.testing.assert_allclose(together.loss_curve_, alone.loss_curve_, rtol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "within"),
    [(signal.SIGKILL, 30.0), (signal.SIGSTOP, 60.0)],
    ids=["killed", "hanging"],
)
def test_a_stopped_process_fails_the_fit_of_the_others(tmp_path, stop, within):
    path = tmp_path / "model.sklstm"
    X, y, groups = panel()
    save(forecaster(max_iter=2).fit(X, y, groups=groups), path)
    before = path.read_bytes()
    context = mp.get_context("spawn")
    queue = context.Queue()
    port = free_port()
    workers = [
        context.Process(target=fit_until_stopped, args=(rank, port, str(path), queue))
        for rank in range(2)
    ]
    for worker in workers:
        worker.start()
    try:
        assert sorted(queue.get(timeout=120) for _ in workers) == [
            ("fitting", 0),
            ("fitting", 1),
        ]
        time.sleep(2.0)  # into the epochs
        os.kill(workers[1].pid, stop)
        stopped_at = time.monotonic()
        workers[0].join(within)
        assert time.monotonic() - stopped_at < within
        assert workers[0].exitcode == 3
        outcome, message = queue.get(timeout=5)
        assert outcome == "failed"
        assert "another process of the group failed" in message
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join(10)
    assert not any(worker.is_alive() for worker in workers)
    assert path.read_bytes() == before
    assert load(path).predict(X[:2], groups=["a", "a"]).shape == (2,)


@pytest.fixture
def group_of_one():
    """A gloo group of this process alone, on an in-memory store."""
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def test_a_group_of_one_fits_series_with_few_holes_as_fit_does(group_of_one):
    # Series that follow their covariate exactly, one ending in a missing
    # value and one with a hole early on: each hole is the only one its
    # window's mask marks there, and under the smallest ridge penalties
    # that window's leave-one-out error was 0 / 0. Its rounding noise chose
    # the penalty (1e-2 in one process, 3e-9 here), and the forecasts
    # differed by 0.8.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 40))
    steps = 3 * x
    steps[:, -12:] = 0.1 * rng.normal(size=(12, 12))
    y = 50 + np.cumsum(steps, axis=1)
    y[1, -1] = y[2, 5] = np.nan
    X, y, groups = x.reshape(-1, 1), y.ravel(), np.repeat(np.arange(12), 40)
    settings = dict(horizon=3, max_iter=5, validation_fraction=0.25, n_networks=1)
    alone = tiny_forecaster(hidden_size=4, **settings).fit(X, y, groups=groups)
    shared = fit_data_parallel(
        tiny_forecaster(hidden_size=4, **settings), X, y, groups=groups
    )
    np.testing.assert_allclose(
        shared.regressor_.loss_curve_, alone.regressor_.loss_curve_, rtol=1e-5
    )
    future_groups = np.repeat(np.arange(12), 3)
    np.testing.assert_allclose(
        shared.predict(np.zeros((36, 1)), groups=future_groups),
        alone.predict(np.zeros((36, 1)), groups=future_groups),
        rtol=1e-5,
    )


def test_a_group_of_one_fits_a_weighted_regressor_as_fit_does(group_of_one):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + 0.5 * np.roll(X[:, 1], 1)
    weights = rng.uniform(0.2, 2.0, size=80)
    groups = np.repeat([0, 1], 40)
    alone = tiny_regressor(early_stopping=True).fit(
        X, y, sample_weight=weights, groups=groups
    )
    shared = fit_data_parallel(
        tiny_regressor(early_stopping=True),
        X,
        y,
        sample_weight=weights,
        groups=groups,
    )
    assert type(shared).__name__ == "LSTMRegressor"
    np.testing.assert_allclose(shared.predict(X), alone.predict(X), rtol=1e-5)
    np.testing.assert_allclose(shared.loss_curve_, alone.loss_curve_, rtol=1e-5)


def test_a_group_of_one_fits_the_forecaster_fit_fits(group_of_one):
    X, y, groups = panel()
    alone = forecaster().fit(X, y, groups=groups)
    shared = fit_data_parallel(forecaster(), X, y, groups=groups)
    assert_same_forecasts(shared, alone, steps=3)
    assert shared.season_length_ == alone.season_length_ == 5


def test_a_group_fit_without_a_random_state_uses_rank_0s_seed_everywhere(
    group_of_one,
):
    # The seed drawn for random_state=None (the default) was set as every
    # process's random_state beyond scikit-learn's bound of 2**32 - 1.
    X, y, groups = panel()
    model = fit_data_parallel(forecaster(random_state=None), X, y, groups=groups)
    assert model.predict(X[:3], groups=["a", "a", "b"]).shape == (3,)
    assert model.random_state is None  # the parameter is the user's, unchanged
    regressor = fit_data_parallel(tiny_regressor(random_state=None), X, y)
    assert np.isfinite(regressor.predict(X)).all()


def test_a_series_too_short_to_train_is_a_history_here_as_in_one_process(
    group_of_one,
):
    X, y, groups = panel()
    X, y, groups = X[:-44], y[:-44], groups[:-44]  # "f" keeps 3 values
    alone = forecaster().fit(X, y, groups=groups)
    shared = fit_data_parallel(forecaster(), X, y, groups=groups)
    assert_same_forecasts(shared, alone, steps=3)  # "f" among them
    # A hole in it makes no network read a mask, here as in one process.
    y = y.copy()
    y[-2] = np.nan
    holed = fit_data_parallel(forecaster(), X, y, groups=groups)
    assert not holed._fitted().masked
    assert_same_forecasts(holed, forecaster().fit(X, y, groups=groups), steps=3)


@pytest.mark.parametrize("collection", [panel, tail_holed_panel])
def test_the_tails_grow_to_calibrate_the_horizon_here_as_in_one_process(
    group_of_one, collection
):
    # One held-out window per series calibrates one step: fit grows the
    # tails until, pooled over the series, they calibrate the third (past
    # the holes of the tails, which give no error).
    X, y, groups = collection()
    alone = forecaster(validation_fraction=0.02).fit(X, y, groups=groups)
    shared = fit_data_parallel(
        forecaster(validation_fraction=0.02), X, y, groups=groups
    )
    assert shared.regressor_.validation_fraction == alone.regressor_.validation_fraction
    assert alone.regressor_.validation_fraction > 0.02
    assert_same_intervals(shared, alone, steps=3)


def test_a_data_parallel_direct_fit_keeps_its_targets_a_view(group_of_one):
    # As in one process, a share's direct targets are the next `horizon`
    # values of every window, read from the series, never laid out as a
    # table of windows x horizon: memory grows with the rows, not the horizon.
    # The table was built here: +20 MB from horizon 4 to 48 on this panel.
    rng = np.random.default_rng(0)
    series, steps = 200, 150
    y = np.cumsum(rng.standard_normal((series, steps)), axis=1).ravel() + 100.0
    groups = np.repeat(np.arange(series), steps)
    X = np.empty((len(y), 0))

    def traced_peak_mb(horizon: int) -> float:
        model = tiny_forecaster(lookback=4, horizon=horizon, max_iter=1, n_networks=1)
        tracemalloc.start()
        try:
            fit_data_parallel(model, X, y, groups=groups)
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()

    table_mb = series * (steps - 48) * 48 * 8 / 2**20
    traced_peak_mb(4)  # the first fit also imports what the group's fit needs
    growth = traced_peak_mb(48) - traced_peak_mb(4)
    assert growth < 0.5 * table_mb, (
        f"horizon 48 took {growth:.1f} MB more than horizon 4; one float64 "
        f"table of its targets is {table_mb:.1f} MB"
    )


def test_series_with_holes_are_learnt_around_here_as_in_one_process(group_of_one):
    # Before, a data-parallel fit refused any missing value.
    X, y, groups = holed_panel()
    alone = forecaster().fit(X, y, groups=groups)
    shared = fit_data_parallel(forecaster(), X, y, groups=groups)
    assert_same_forecasts(shared, alone, steps=3)
    assert np.isfinite(shared.predict(X[:3], groups=["c"] * 3)).all()
    assert shared._series_missing[2, -2:].all()  # "c" ends in two holes
    np.testing.assert_array_equal(shared._series_missing, alone._series_missing)
    np.testing.assert_array_equal(shared._series_missing_run, [0, 0, 2, 0, 0, 0])
    np.testing.assert_array_equal(shared._series_missing_run, alone._series_missing_run)
    # Two steps after "c"'s two holes are four after its last value seen:
    # as far as the tails calibrate.
    assert_same_intervals(shared, alone, steps=2)


def test_a_gap_in_a_date_index_is_missing_rows_here_as_in_one_process(group_of_one):
    _, y, groups = panel()
    keep = np.ones(len(y), dtype=bool)
    keep[np.flatnonzero(groups == "b")[[-5, -4, -3]]] = False  # three lost months
    dates = np.concatenate(
        [pd.period_range("2001-01", periods=n, freq="M") for n in LENGTHS]
    )
    y = pd.Series(y[keep], index=pd.PeriodIndex(dates[keep]))
    X = pd.DataFrame(index=y.index)
    alone = forecaster().fit(X, y, groups=groups[keep])
    shared = fit_data_parallel(forecaster(), X, y, groups=groups[keep])
    assert shared._series_missing[1].any()
    np.testing.assert_array_equal(shared._series_missing, alone._series_missing)
    future = np.repeat(LABELS, 3)
    np.testing.assert_allclose(
        shared.predict(np.empty((len(future), 0)), groups=future),
        alone.predict(np.empty((len(future), 0)), groups=future),
        rtol=1e-5,
    )


def test_a_long_format_panel_is_read_here_as_in_one_process(group_of_one):
    # The series named by the first level of a (series, time) MultiIndex.
    X, y, groups = panel()
    times = np.concatenate([np.arange(n) for n in LENGTHS])
    index = pd.MultiIndex.from_arrays([groups, times], names=["shop", "week"])
    X_long, y_long = pd.DataFrame(X, index=index), pd.Series(y, index=index)
    alone = forecaster().fit(X, y, groups=groups)
    shared = fit_data_parallel(forecaster(), X_long, y_long)
    assert shared.series_.tolist() == LABELS.tolist()
    assert_same_forecasts(shared, alone, steps=3)


def test_a_fit_without_a_process_group_says_how_to_start_one():
    X, y, groups = panel()
    with pytest.raises(RuntimeError, match="torchrun"):
        fit_data_parallel(forecaster(), X, y, groups=groups)


def test_a_failed_fit_leaves_the_fitted_forecaster_as_it_was(group_of_one):
    X, y, groups = panel()
    fitted = forecaster(max_iter=2).fit(X, y, groups=groups)
    before = fitted.predict(X[:3], groups=["a", "b", "c"])
    short = np.isin(groups, ["a"]) & (np.arange(len(y)) % 50 < 3)
    with pytest.raises(ValueError, match=r"rank 0.*at least"):
        fit_data_parallel(fitted, X[short], y[short], groups=groups[short])
    np.testing.assert_array_equal(fitted.predict(X[:3], groups=["a", "b", "c"]), before)


@pytest.mark.parametrize(
    ("invalid", "message"),
    [
        ({"lookback": 0}, "The 'lookback' parameter of LSTMRegressor must be"),
        ({"nan_at": 5}, "LSTMRegressor does not accept missing values"),
    ],
    ids=["invalid parameter", "NaN in X"],
)
def test_a_regressor_refused_here_is_named_as_fit_names_it(
    group_of_one, invalid, message
):
    # The refusals named the class the fit trains internally, ShareRegressor.
    t = np.arange(60.0)
    X, y = np.cos(t / 4)[:, None], np.sin(t / 3)
    if "nan_at" in invalid:
        X[invalid["nan_at"], 0] = np.nan
    estimator = tiny_regressor(lookback=invalid.get("lookback", 3))
    with pytest.raises(ValueError, match="rank 0") as refusal:
        fit_data_parallel(estimator, X, y)
    assert message in str(refusal.value)
    assert "ShareRegressor" not in str(refusal.value)
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.fit(X, y)  # as fit says it


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (forecaster(shrinkage=True), "LSTMForecaster got shrinkage=True"),
        (forecaster(shrinkage=5.0), "'shrinkage' parameter of LSTMForecaster"),
        (forecaster(horizon=True), "LSTMForecaster got horizon=True"),
        # Refused before by the regressor the fit trains, named ShareRegressor.
        (forecaster(hidden_size=True), "LSTMForecaster got hidden_size=True"),
        (tiny_regressor(hidden_size=True), "LSTMRegressor got hidden_size=True"),
    ],
    ids=["shrinkage-True", "shrinkage-5", "horizon-True", "members", "regressor"],
)
def test_parameters_fit_refuses_are_refused_here(group_of_one, estimator, message):
    # The forecaster's parameters were never checked here: shrinkage=True
    # fitted the naive forecast, shrinkage=5 forecast five times past it.
    X, y, groups = panel()
    with pytest.raises(ValueError, match=re.escape(message)):
        fit_data_parallel(estimator, X, y, groups=groups)
    assert not hasattr(estimator, "n_features_in_")


def test_the_progress_of_a_shared_fit_names_the_estimator_fitted(group_of_one, capsys):
    t = np.arange(60.0)
    X, y = np.cos(t / 4)[:, None], np.sin(t / 3)
    fit_data_parallel(tiny_regressor(lookback=3, verbose=1), X, y)
    shown = capsys.readouterr()
    assert "LSTMRegressor" in shown.err + shown.out
    assert "ShareRegressor" not in shown.err + shown.out


def test_a_time_skipped_in_the_long_format_is_a_missing_value_here_as_alone(
    group_of_one,
):
    # The group fit filled no integer time skipped inside a series, and then
    # refused the series as "on grids shifted against each other".
    _, y, groups = panel()
    times = np.concatenate([np.arange(n) for n in LENGTHS])
    keep = ~((groups == "a") & (times == 5))
    index = pd.MultiIndex.from_arrays([groups[keep], times[keep]])
    long_y = pd.Series(y[keep], index=index)
    settings = dict(n_networks=1)
    alone = tiny_forecaster(**settings).fit(pd.DataFrame(index=index), long_y)
    shared = fit_data_parallel(
        tiny_forecaster(**settings), pd.DataFrame(index=index), long_y
    )
    future = pd.DataFrame(index=pd.MultiIndex.from_arrays([LABELS, np.array(LENGTHS)]))
    np.testing.assert_allclose(shared.predict(future), alone.predict(future), rtol=1e-5)


def test_a_save_target_save_would_refuse_is_refused_before_training(
    group_of_one, tmp_path
):
    # It was refused after the whole fit: a long run thrown away.
    X, y, groups = panel()
    model = forecaster()
    with pytest.raises(ValueError, match=r"rank 0: save_to=.*cannot be written"):
        fit_data_parallel(
            model, X, y, groups=groups, save_to=f"{tmp_path}/models{os.sep}"
        )
    assert not hasattr(model, "regressor_")  # nothing trained
    assert list(tmp_path.iterdir()) == []


def test_a_binary_file_object_as_save_target_takes_the_model(group_of_one):
    # The up-front check read every target as a path: a TypeError on rank 0
    # alone, where save takes a file object.
    X, y, groups = panel()
    buffer = io.BytesIO()
    model = fit_data_parallel(forecaster(), X, y, groups=groups, save_to=buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(
        load(buffer).predict(X[:2], groups=["a", "a"]),
        model.predict(X[:2], groups=["a", "a"]),
    )


def test_a_model_save_refuses_is_refused_on_every_process_saying_why(
    group_of_one, tmp_path
):
    # Rank 0 raised save's refusal alone; the others waited, then reported
    # that another process had failed.
    days = pd.bdate_range("2021-01-04", periods=40, freq="C", holidays=["2021-01-15"])
    y = pd.Series(np.sin(np.arange(40) / 3), index=days)
    with pytest.raises(ValueError, match=r"On the process of rank 0: .*frequency"):
        fit_data_parallel(
            forecaster(n_networks=1),
            pd.DataFrame(index=days),
            y,
            save_to=tmp_path / "model.zip",
        )
    assert not (tmp_path / "model.zip").exists()
