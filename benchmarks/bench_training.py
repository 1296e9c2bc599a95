"""LSTMRegressor against a minimal hand-written PyTorch loop, on the same data.

The reference is what a user would write by hand: ``nn.LSTM`` and an
``nn.Linear`` on the last step, Adam, MSE, tensors built once before the clock
starts, no DataLoader. ``LSTMRegressor`` is configured to do the same work
(``linear_path=False``, ``max_iter=epochs``, no early stop) but is timed from
the raw float64 table: its validation, scaling and windowing are inside its
time. A third line times the default configuration (``linear_path=True``).

The contenders run alternately, round after round, in one process, and the
figures are medians over the rounds: on a shared machine single timings are
noisy, alternation spreads the noise over both sides. Peak memory is measured
once per contender in a fresh child process (the growth of its peak resident
memory over what it held before training), so it does not disturb the timings.

    python benchmarks/bench_training.py                  # the default shape
    python benchmarks/bench_training.py --rounds 5 --threads 2
    python benchmarks/bench_training.py --help

The last lines are a compact summary meant to be pasted into a note.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from sklstm import LSTMRegressor

CONTENDERS = ("reference", "sklstm", "sklstm-default")


# ----------------------------------------------------------------------- data


def synthetic_data(rows: int, features: int, seed: int = 0):
    """A noisy multivariate series and a target that depends on its past."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)[:, None]
    periods = 20.0 + 7.0 * np.arange(features)
    X = np.sin(2 * np.pi * t / periods) + 0.3 * rng.standard_normal((rows, features))
    y = 0.6 * X[:, 0] + 0.3 * np.roll(X[:, -1], 3) + 0.1 * rng.standard_normal(rows)
    return X, y


def reference_tensors(X: np.ndarray, y: np.ndarray, lookback: int, device):
    """Windows built once and copied (as a hand-written script would), standardised.

    The first ``lookback - 1`` rows are padded with the first row, so the
    reference trains on as many windows as sklstm does.
    """
    scaled = (X - X.mean(axis=0)) / X.std(axis=0)
    padded = np.concatenate([np.repeat(scaled[:1], lookback - 1, axis=0), scaled])
    windows = np.lib.stride_tricks.sliding_window_view(padded, lookback, axis=0)
    windows = np.ascontiguousarray(windows.transpose(0, 2, 1), dtype=np.float32)
    target = ((y - y.mean()) / y.std()).astype(np.float32)[:, None]
    return torch.from_numpy(windows).to(device), torch.from_numpy(target).to(device)


# ------------------------------------------------------------------ reference


class Reference(nn.Module):
    def __init__(self, features: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def reference_fit(windows, target, args) -> Reference:
    model = Reference(windows.shape[2], args.hidden, args.layers).to(windows.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    n = len(windows)
    for _ in range(args.epochs):
        order = torch.randperm(n, device=windows.device)
        for start in range(0, n, args.batch):
            idx = order[start : start + args.batch]
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(windows[idx]), target[idx])
            loss.backward()
            optimizer.step()
    return model


def reference_predict(model: Reference, windows, batch: int) -> np.ndarray:
    model.eval()
    with torch.inference_mode():
        out = [model(windows[i : i + batch]) for i in range(0, len(windows), batch)]
    return torch.cat(out).cpu().numpy()


# --------------------------------------------------------------------- sklstm


def sklstm_model(args, default: bool = False) -> LSTMRegressor:
    same_work = {} if default else {"linear_path": False}
    return LSTMRegressor(
        lookback=args.lookback,
        hidden_size=args.hidden,
        num_layers=args.layers,
        batch_size=args.batch,
        max_iter=args.epochs,
        n_iter_no_change=args.epochs + 1,
        tol=0.0,
        learning_rate_init=args.lr,
        device=args.device,
        random_state=0,
        **same_work,
    )


# --------------------------------------------------------------------- timing


class Timing(NamedTuple):
    """Wall-clock and process CPU seconds of one fit and one predict."""

    fit: float
    predict: float
    fit_cpu: float
    predict_cpu: float


def timed(function: Callable[[], object]) -> tuple[float, float, object]:
    """Run ``function``; return its wall and CPU seconds and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def one_round(name: str, X, y, tensors, args) -> Timing:
    """Fit and predict once with contender ``name``."""
    if name == "reference":
        windows, target = tensors
        fit_s, fit_cpu, model = timed(lambda: reference_fit(windows, target, args))
        predict_s, predict_cpu, _ = timed(
            lambda: reference_predict(model, windows, args.predict_batch)
        )
        return Timing(fit_s, predict_s, fit_cpu, predict_cpu)
    model = sklstm_model(args, default=name == "sklstm-default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_s, fit_cpu, _ = timed(lambda: model.fit(X, y))
    predict_s, predict_cpu, _ = timed(lambda: model.predict(X))
    return Timing(fit_s, predict_s, fit_cpu, predict_cpu)


# --------------------------------------------------------------------- memory


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def peak_added_mb(function: Callable[[], object]) -> float:
    """How far ``function`` raises this process's peak resident memory, in MB."""
    if _reset_peak_rss():
        before = _rss_mb("VmRSS")
        function()
        return _rss_mb("VmHWM") - before
    import resource  # not Linux: the lifetime peak, good in a fresh process

    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    function()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale - before


def memory_probe(name: str, args) -> dict[str, float]:
    """Run in a child process: peak memory added by fit, then by predict.

    A small untimed run first loads the kernels' code and lazy state, which
    would otherwise be counted as the first contender's memory.
    """
    X, y = synthetic_data(args.rows, args.features)
    small = argparse.Namespace(**{**vars(args), "epochs": 1})
    one_round(
        name,
        X[:512],
        y[:512],
        reference_tensors(X[:512], y[:512], args.lookback, "cpu"),
        small,
    )
    held: dict[str, object] = {}
    if name == "reference":
        # The reference's fit includes building its copied windows.
        def fit():
            held["tensors"] = reference_tensors(X, y, args.lookback, "cpu")
            held["model"] = reference_fit(*held["tensors"], args)

        fit_mb = peak_added_mb(fit)
        predict_mb = peak_added_mb(
            lambda: reference_predict(
                held["model"], held["tensors"][0], args.predict_batch
            )
        )
        return {"fit": fit_mb, "predict": predict_mb}
    model = sklstm_model(args, default=name == "sklstm-default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_mb = peak_added_mb(lambda: model.fit(X, y))
    predict_mb = peak_added_mb(lambda: model.predict(X))
    return {"fit": fit_mb, "predict": predict_mb}


def measure_memory(name: str, argv: list[str]) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, *argv, "--memory-probe", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# ----------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--lookback", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument(
        "--predict-batch",
        type=int,
        default=4096,
        help="windows per forward pass in the reference's prediction",
    )
    parser.add_argument(
        "--contenders",
        default=",".join(CONTENDERS),
        help=f"comma-separated subset of {','.join(CONTENDERS)}",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip memory")
    parser.add_argument("--memory-probe", choices=CONTENDERS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def median_ratio(rounds: list[Timing], reference: list[Timing], field: str) -> float:
    """Median over rounds of this round's time over the reference's same round."""
    return statistics.median(
        getattr(mine, field) / getattr(ref, field)
        for mine, ref in zip(rounds, reference, strict=True)
    )


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)  # this script's own process only
    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe, args)))
        return
    names = args.contenders.split(",")
    X, y = synthetic_data(args.rows, args.features)
    tensors = reference_tensors(X, y, args.lookback, args.device)

    # One untimed warm-up of each, so one-off costs (lazy initialisation of
    # kernels and allocators) are not charged to whoever runs first.
    warm = argparse.Namespace(**{**vars(args), "epochs": 1})
    for name in names:
        one_round(name, X[:2048], y[:2048], tuple(t[:2048] for t in tensors), warm)

    times: dict[str, list[Timing]] = {name: [] for name in names}
    for round_index in range(args.rounds):
        order = names if round_index % 2 == 0 else names[::-1]
        for name in order:
            timing = one_round(name, X, y, tensors, args)
            times[name].append(timing)
            print(
                f"  round {round_index + 1} {name:15s} fit {timing.fit:7.3f}s "
                f"(cpu {timing.fit_cpu:7.3f}s)  predict {timing.predict:6.3f}s "
                f"(cpu {timing.predict_cpu:6.3f}s)",
                flush=True,
            )

    memory = {}
    if not args.no_memory:
        memory = {name: measure_memory(name, argv) for name in names}

    print()
    print(
        f"sklstm benchmark: {args.rows} rows x {args.features} features, lookback "
        f"{args.lookback}, hidden {args.hidden}, layers {args.layers}, batch "
        f"{args.batch}, {args.epochs} epochs, {args.threads} thread(s), "
        f"device {args.device}"
    )
    print(
        f"torch {torch.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; medians over {args.rounds} "
        "alternating rounds"
    )
    print(
        f"{'':15s} {'train/s':>8s} {'predict/s':>9s} {'train ratio':>18s} "
        f"{'predict ratio':>18s} {'peak MB fit/pred':>17s}"
    )
    reference = times.get("reference")
    for name in names:
        rounds = times[name]
        fit_median = statistics.median(t.fit for t in rounds)
        predict_median = statistics.median(t.predict for t in rounds)
        if reference is not None:
            ratios = "".join(
                f"{median_ratio(rounds, reference, wall):9.2f}x "
                f"(cpu {median_ratio(rounds, reference, cpu):.2f}x)"
                for wall, cpu in (("fit", "fit_cpu"), ("predict", "predict_cpu"))
            )
        else:
            ratios = f"{'-':>18s} {'-':>18s}"
        mem = memory.get(name)
        mem_text = f"{mem['fit']:.0f} / {mem['predict']:.0f}" if mem else "-"
        print(
            f"{name:15s} {args.rows * args.epochs / fit_median:8,.0f} "
            f"{args.rows / predict_median:9,.0f} {ratios} {mem_text:>17s}"
        )
    print(
        "samples/s from median wall time; ratio = sklstm / reference time, median "
        "of per-round ratios, wall clock (process CPU time in brackets: less "
        "sensitive to other load on a shared machine); < 1 is faster. sklstm's "
        "time includes validation, scaling and windowing; the reference's peak "
        "memory includes its copied windows."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
