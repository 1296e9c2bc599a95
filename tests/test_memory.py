"""Memory and threads: lag windows and targets stay views; thread limits stay.

The memory check runs in a fresh Python process, so its peak resident memory
belongs to this one fit and predict alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
from _factories import tiny_forecaster
from joblib import Parallel, delayed

import sklstm._rollout
from sklstm import LSTMRegressor
from sklstm._error_growth import growth_sums
from sklstm._shrinkage import SHRINKAGE_GRID, series_gains

ROWS, FEATURES, LOOKBACK = 200_000, 8, 32
#: What all lag windows would take as one float32 array.
MATERIALISED_MB = ROWS * LOOKBACK * FEATURES * 4 / 2**20
#: What fit and predict may add on top of the data: half of that. (About
#: 60 MB is what they take: scaled copies of the rows, one batch at a time.)
BOUND_MB = 100

_CHILD = f"""
import json, resource, sys, warnings
import numpy as np
from sklstm import LSTMRegressor

def peak_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10

rng = np.random.default_rng(0)
X = rng.standard_normal(({ROWS}, {FEATURES}))
y = X[:, 0] + 0.1 * rng.standard_normal({ROWS})
model = LSTMRegressor(lookback={LOOKBACK}, hidden_size=4, max_iter=1,
                      batch_size=2048, early_stopping=True, random_state=0)
warnings.simplefilter("ignore")
model.fit(X[:500], y[:500]).predict(X[:500])  # load kernels before measuring
before = peak_mb()
model.fit(X, y)
after_fit = peak_mb()
prediction = model.predict(X)
after_predict = peak_mb()
print(json.dumps({{"fit": after_fit - before, "fit_and_predict": after_predict - before,
                  "rows": len(prediction)}}))
"""


def _peak_memory_added(child: str = _CHILD) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", child],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_fit_and_predict_on_a_long_table_never_hold_all_lag_windows():
    # Default linear_path=True: its closed-form start reads the windows too.
    added = _peak_memory_added()
    assert added["rows"] == ROWS
    assert added["fit"] < BOUND_MB, (
        f"fit added {added['fit']:.0f} MB of peak memory; all lag windows "
        f"copied would be {MATERIALISED_MB:.0f} MB"
    )
    assert added["fit_and_predict"] < BOUND_MB, (
        f"predict raised the peak to {added['fit_and_predict']:.0f} MB; all lag "
        f"windows copied would be {MATERIALISED_MB:.0f} MB"
    )


SERIES, STEPS, HORIZON = 400, 250, 48
#: One float64 copy of the direct targets (rows x horizon) of that panel.
TARGETS_MB = SERIES * STEPS * HORIZON * 8 / 2**20

_FORECASTER_CHILD = f"""
import json, resource, sys, warnings
import numpy as np
from sklstm import LSTMForecaster

def peak_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10

rng = np.random.default_rng(0)
y = np.cumsum(rng.standard_normal(({SERIES}, {STEPS})), axis=1).ravel() + 100.0
groups = np.repeat(np.arange({SERIES}), {STEPS})
X = np.empty((len(y), 0))
def model():
    return LSTMForecaster(lookback=4, horizon={HORIZON}, hidden_size=4,
                          max_iter=1, n_networks=1, random_state=0)
warnings.simplefilter("ignore")
model().fit(X[:2000], y[:2000], groups=groups[:2000])  # load kernels first
before = peak_mb()
model().fit(X, y, groups=groups)
print(json.dumps({{"fit": peak_mb() - before}}))
"""


@pytest.mark.slow  # a fresh process and a 100 000-row panel: ~20 s
def test_a_direct_forecaster_fit_holds_its_targets_about_twice_not_six_times():
    # The direct targets would be the largest arrays of a global fit (rows x
    # horizon). Measured: 209 MB (5.7 float64 copies) when every step made
    # its own float64 copy and the ridge start's leave-one-out batches held
    # windows x penalties x horizon values; 73 MB (2.0 copies) with one
    # float64 and one float32 table. They are views now (see the traced test
    # above, which tells them apart); the resident peak of this fit, 34-58 MB
    # over runs, is then set by the held-out backtest and the network.
    added = _peak_memory_added(_FORECASTER_CHILD)["fit"]
    assert added < 3 * TARGETS_MB, (
        f"fit added {added:.0f} MB of peak memory, "
        f"{added / TARGETS_MB:.1f} float64 copies of its direct targets"
    )


def _traced_peak_of_a_direct_fit(y: np.ndarray, groups: np.ndarray, horizon: int):
    """The peak of the memory a fit allocates through Python (NumPy's arrays)."""
    model = tiny_forecaster(lookback=4, horizon=horizon, max_iter=1, n_networks=1)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(np.empty((len(y), 0)), y, groups=groups)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("missing", [False, True], ids=["whole", "with holes"])
def test_a_direct_fit_does_not_copy_its_targets_once_per_step_ahead(missing):
    # The targets of a direct fit are the next `horizon` values of every
    # window: a table of rows x horizon. Kept as views over the series, a
    # fit's memory grows with the rows, not with the horizon. Measured on
    # this panel, from horizon 4 to 48: +20 MB (2.7 float64 tables of its
    # targets) when the table was built, scaled and subset, +1.5 MB now;
    # with holes, whose weights are one per target, +30 MB then, +10 MB now.
    rng = np.random.default_rng(0)
    series, steps = 200, 150
    y = np.cumsum(rng.standard_normal((series, steps)), axis=1).ravel() + 100.0
    if missing:  # the holes' weights are still one per target
        y[rng.random(len(y)) < 0.1] = np.nan
    groups = np.repeat(np.arange(series), steps)
    table_mb = series * (steps - 48) * 48 * 8 / 2**20
    short = _traced_peak_of_a_direct_fit(y, groups, horizon=4)
    long = _traced_peak_of_a_direct_fit(y, groups, horizon=48)
    bound = (1.75 if missing else 0.5) * table_mb
    assert long - short < bound, (
        f"horizon 48 took {long - short:.1f} MB more than horizon 4; one "
        f"float64 table of its targets is {table_mb:.1f} MB"
    )


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_the_held_out_backtest_forecasts_its_origins_a_chunk_at_a_time(
    monkeypatch, strategy
):
    # Calibrating intervals forecasts from every held-out origin (a tenth of
    # the windows); a chunk of origins at a time bounds the memory of their
    # histories and forecasts, and the errors are those of one pass.
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.standard_normal((12, 60)), axis=1).ravel()
    groups = np.repeat(np.arange(12), 60)

    def residuals():
        model = tiny_forecaster(horizon=3, strategy=strategy, n_networks=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(np.empty((len(y), 0)), y, groups=groups)
        return model.calibration_residuals_

    whole = residuals()
    monkeypatch.setattr(sklstm._rollout, "ORIGINS_PER_PASS", 5)
    np.testing.assert_allclose(residuals(), whole, rtol=1e-6, atol=1e-9)


def _traced(function, *args):
    """``function(*args)`` and the peak MB it allocated through Python."""
    tracemalloc.start()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _held_out_tails(origins: int = 100_000, horizon: int = 18):
    """Held-out forecasts of 1 000 series: a tenth of the truths missing,
    a twentieth of the origins forecast by rule."""
    rng = np.random.default_rng(0)
    actual = rng.standard_normal((origins, horizon))
    actual[rng.random(actual.shape) < 0.1] = np.nan
    return sklstm._rollout.HeldOutMoves(
        predicted=rng.standard_normal((origins, horizon)),
        actual=actual,
        codes=np.repeat(np.arange(1_000), origins // 1_000),
        by_rule=rng.random(origins) < 0.05,
        distances=rng.random(origins),
    )


def test_choosing_the_shrinkage_reads_the_held_out_tails_a_slice_at_a_time():
    # The shrinkage is chosen from the held-out forecasts of every origin
    # (origins x horizon values). Measured on this table: 57 MB (4.2
    # tables) of temporaries when the whole of it was shifted and compared
    # at once; 3.1 MB a slice of origins at a time.
    tails = _held_out_tails()
    table_mb = tails.predicted.nbytes / 2**20
    gains, peak_mb = _traced(
        series_gains, tails.predicted, tails.actual, tails.codes, tails.by_rule
    )
    assert gains.shape == (1_000, len(SHRINKAGE_GRID))
    assert peak_mb < 0.5 * table_mb, (
        f"choosing the shrinkage took {peak_mb:.1f} MB; one table of the "
        f"held-out forecasts is {table_mb:.1f} MB"
    )


def test_the_growth_of_the_held_out_errors_is_summed_a_slice_at_a_time():
    # The growth test regresses every held-out error (origins x horizon)
    # on its distance to the end. Measured on this table: 71 MB (5.2
    # tables) of temporaries when all of them were logged and multiplied at
    # once; 3.3 MB a slice of origins at a time.
    tails = _held_out_tails()
    errors, by_rule = np.abs(tails.actual), tails.by_rule
    table_mb = errors.nbytes / 2**20
    sums, peak_mb = _traced(growth_sums, errors, tails.codes, tails.distances, by_rule)
    usable = ~np.isnan(errors) & ~by_rule[:, None]
    assert sums[..., 0].sum() == usable.sum()  # every usable error counted
    assert peak_mb < 0.5 * table_mb, (
        f"summing the growth took {peak_mb:.1f} MB; one table of the "
        f"held-out errors is {table_mb:.1f} MB"
    )


def test_the_held_out_errors_take_one_table():
    # The errors of the held-out forecasts (origins x horizon), shrunk and
    # scaled, are the calibration residuals a fit keeps: one new table,
    # computed in place (three tables at once before).
    moves = _held_out_tails()
    scales = np.random.default_rng(1).uniform(0.5, 2.0, 1_000)
    errors, peak_mb = _traced(moves.errors, 0.25, scales)
    kept = np.where(moves.by_rule, 1.0, 0.75)[:, None] * moves.predicted
    expected = np.abs(kept - moves.actual) / scales[moves.codes][:, None]
    np.testing.assert_allclose(errors, expected, rtol=1e-12)
    assert peak_mb < 1.5 * errors.nbytes / 2**20


def _threads_around_a_fit() -> tuple[int, int, str]:
    X = np.random.default_rng(0).standard_normal((60, 2))
    before = torch.get_num_threads()
    LSTMRegressor(lookback=3, hidden_size=4, max_iter=2, random_state=0).fit(X, X[:, 0])
    return before, torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS", "")


def test_fit_keeps_the_thread_limit_of_a_joblib_worker():
    results = Parallel(n_jobs=2, backend="loky")(
        delayed(_threads_around_a_fit)() for _ in range(2)
    )
    for before, after, limit in results:
        assert after == before
        assert str(before) == limit  # the worker's limit, as joblib set it
