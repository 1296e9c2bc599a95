"""Throughput of one data-parallel fit on 1 process against 2 (gloo on CPUs).

A synthetic panel (seasonal series with a trend and noise, each generated
from its own seed) is split by series over the processes, each of which
builds only its own series, as it would read only its share from storage.
Each process runs one thread; the fit is ``fit_data_parallel`` of one
``LSTMForecaster`` for a fixed number of epochs (no early stop before
them). The clock runs on rank 0 from a barrier before the fit to the end
of the fit (which ends with a barrier): it includes the per-series
transforms, the ridge start, the epochs and the gathering of the state.
Each line also gives the CPU seconds of all processes together: on a
shared machine, where the second process may find no free core, that sum
against the one process's shows the work the split adds, apart from
waiting.

    python benchmarks/bench_distributed.py                      # 10 000 x 500
    python benchmarks/bench_distributed.py --series 1000 --length 200
    python benchmarks/bench_distributed.py --help

The contenders: ``fit`` (``LSTMForecaster.fit`` in this process, the
reference), then ``fit_data_parallel`` on 1 and on 2 processes; speed-ups
are against ``fit``. The last line is a compact summary meant to be pasted
into a note. The same
script runs on GPUs with ``--device cuda`` (one process per GPU, ``nccl``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import tempfile
import time
import warnings

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sklstm import LSTMForecaster
from sklstm.distributed import fit_data_parallel


def series_share(rank: int, size: int, n_series: int, length: int):
    """The rows of this process's contiguous share of the panel's series."""
    share = np.array_split(np.arange(n_series), size)[rank]
    t = np.arange(length)
    values = []
    for s in share:
        rng = np.random.default_rng(s)
        level, phase = rng.uniform(10, 100), rng.uniform(0, 2 * np.pi)
        season = 1 + 0.2 * np.sin(2 * np.pi * t / 12 + phase)
        values.append(level * (1 + 0.001 * t) * season + rng.normal(0, 1, length))
    return np.concatenate(values), np.repeat(share, length)


def benchmarked(settings: dict, device: str) -> LSTMForecaster:
    """The forecaster every contender fits, for exactly ``epochs`` epochs."""
    return LSTMForecaster(
        lookback=settings["lookback"],
        horizon=6,
        season_length=12,
        hidden_size=settings["hidden_size"],
        n_networks=1,
        max_iter=settings["epochs"],
        n_iter_no_change=settings["epochs"] + 1,
        device=device,
        random_state=0,
    )


def warm_up() -> None:
    """Pay the one-off imports of a first optimiser (seconds) before the clock."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def timed_plain_fit(settings: dict) -> dict:
    """``LSTMForecaster.fit`` on all series in this process, one thread."""
    torch.set_num_threads(1)
    warm_up()
    y, groups = series_share(0, 1, settings["series"], settings["length"])
    forecaster = benchmarked(settings, settings["device"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start, cpu = time.perf_counter(), time.process_time()
        forecaster.fit(np.empty((len(y), 0)), y, groups=groups)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "steps": forecaster.regressor_.t_,
    }


def run(rank: int, size: int, port: int, settings: dict, out: str) -> None:
    """One process: join the group, fit on its share, write its times."""
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    cuda = settings["device"] == "cuda"
    if cuda:
        torch.cuda.set_device(rank)
    dist.init_process_group(
        "nccl" if cuda else "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=size,
    )
    y, groups = series_share(rank, size, settings["series"], settings["length"])
    forecaster = benchmarked(settings, f"cuda:{rank}" if cuda else "cpu")
    warm_up()
    dist.barrier()
    start, cpu = time.perf_counter(), time.process_time()
    fit_data_parallel(forecaster, np.empty((len(y), 0)), y, groups=groups)
    timing = {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "steps": forecaster.regressor_.t_,
    }
    with open(f"{out}.{rank}", "w") as file:
        json.dump(timing, file)
    dist.destroy_process_group()


def timed(size: int, settings: dict) -> dict:
    """Fit with ``size`` processes: rank 0's seconds and steps, all CPU seconds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "timing.json")
        mp.spawn(run, args=(size, port, settings, out), nprocs=size)
        timings = []
        for rank in range(size):
            with open(f"{out}.{rank}") as file:
                timings.append(json.load(file))
    return {**timings[0], "cpu": sum(timing["cpu"] for timing in timings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lookback", type=int, default=24)
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    settings = vars(parser.parse_args())
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; torch {torch.__version__}; "
        f"{settings}"
    )
    contenders = ["fit", *(f"{size} proc" for size in settings["processes"])]
    results: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(settings["rounds"]):  # alternate, to spread a shared load
        for name in contenders:
            if name == "fit":
                timing = timed_plain_fit(settings)
            else:
                timing = timed(int(name.split()[0]), settings)
            results[name].append(timing["seconds"])
            print(
                f"{name}: {timing['seconds']:.1f} s, CPU {timing['cpu']:.1f} s in "
                f"all, {timing['steps']} optimiser steps"
            )
    values = settings["series"] * settings["length"] * settings["epochs"]
    summary = []
    for name, seconds in results.items():
        best = min(seconds)
        summary.append(
            f"{name}: {best:.1f} s, {values / best / 1e3:.0f} k values/s, "
            f"x{min(results['fit']) / best:.2f}"
        )
    print(
        f"SUMMARY {settings['series']}x{settings['length']}, "
        f"{settings['epochs']} epochs, {settings['device']}, load "
        f"{os.getloadavg()[0]:.2f}: " + "; ".join(summary)
    )


if __name__ == "__main__":
    main()
