"""How the time and memory of one global fit grow with the number of series.

Data: synthetic monthly-looking series (a level, a trend, a season of 12 and
noise, each series its own), all of the same length. For each collection
size, a fresh child process fits one ``LSTMForecaster`` on every series
(``groups``) and forecasts the next ``horizon`` steps of each; it reports the
wall time of fit and predict and the peak resident memory they add over what
the process held before (the data included). Sizes run one after another, so
on a shared machine compare the rows of one run, and note the load average
printed with them.

    python benchmarks/global_scale.py                          # 1 000 .. 10 000
    python benchmarks/global_scale.py --series 1000 2000 --param max_iter=2
    python benchmarks/global_scale.py --help
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from global_accuracy import PeakMemory, parse_params


def synthetic_panel(n_series: int, steps: int, seed: int = 0):
    """``n_series`` series of ``steps`` values, stacked, and their labels."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    level = rng.uniform(50.0, 500.0, (n_series, 1))
    trend = rng.normal(0.0, 0.002, (n_series, 1)) * level * t
    season = rng.uniform(0.0, 0.2, (n_series, 1)) * level
    phase = rng.uniform(0.0, 2 * np.pi, (n_series, 1))
    noise = rng.normal(0.0, 0.03, (n_series, steps)) * level
    y = level + trend + season * np.sin(2 * np.pi * t / 12 + phase) + noise
    return y.ravel(), np.repeat(np.arange(n_series), steps)


def one_size(n_series: int, args: argparse.Namespace, params: dict) -> dict:
    """Fit and forecast one collection in this process; its figures."""
    import torch

    from sklstm import LSTMForecaster

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    y, groups = synthetic_panel(n_series, args.steps)
    model = LSTMForecaster(
        lookback=args.lookback, horizon=args.horizon, random_state=0, **params
    )
    future = np.repeat(np.arange(n_series), args.horizon)
    with PeakMemory() as memory:
        start = time.perf_counter()
        model.fit(np.empty((len(y), 0)), y, groups=groups)
        fitted = time.perf_counter()
        forecast = model.predict(np.empty((len(future), 0)), groups=future)
        done = time.perf_counter()
    assert np.isfinite(forecast).all()
    return {
        "series": n_series,
        "rows": len(y),
        "fit_s": fitted - start,
        "predict_s": done - fitted,
        "peak_mb": memory.added_mb,
        "epochs": "+".join(str(m.n_iter_) for m in model._members()),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--series", type=int, nargs="+", default=[1000, 2000, 5000, 10000]
    )
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--lookback", type=int, default=24)
    parser.add_argument("--horizon", type=int, default=18)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        help="an extra LSTMForecaster parameter, name=value (JSON value)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    params = parse_params(args.param)
    if args.one is not None:
        print(json.dumps(one_size(args.one, args, params)))
        return
    forwarded = _without_series(argv)
    print(
        f"{args.steps} steps per series, lookback {args.lookback}, horizon "
        f"{args.horizon}, {params or 'defaults'}; {os.cpu_count()} CPUs"
    )
    print(
        f"{'series':>7s} {'rows':>10s} {'fit/s':>8s} {'predict/s':>9s} "
        f"{'peak MB':>8s} {'epochs':>16s} {'load':>5s}"
    )
    for n_series in args.series:
        load = os.getloadavg()[0]
        output = subprocess.run(
            [sys.executable, __file__, *forwarded, "--one", str(n_series)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(
            f"{row['series']:7d} {row['rows']:10,d} {row['fit_s']:8.1f} "
            f"{row['predict_s']:9.1f} {row['peak_mb']:8.0f} {row['epochs']:>16s} "
            f"{load:5.1f}",
            flush=True,
        )
    print("peak MB: resident memory added by fit + predict; load: at the start")


def _without_series(argv: list[str]) -> list[str]:
    """``argv`` without the ``--series`` flag and its values."""
    kept, skipping = [], False
    for item in argv:
        if item == "--series":
            skipping = True
            continue
        if skipping and not item.startswith("--"):
            continue
        skipping = False
        kept.append(item)
    return kept


if __name__ == "__main__":
    main(sys.argv[1:])
