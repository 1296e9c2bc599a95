"""Predict throughput: onnxruntime on the exported graph against ``predict``.

The model is an ``LSTMRegressor`` on the shape of ``bench_training.py``
(20 000 rows x 8 features, lookback 32, hidden 64, default configuration with
the linear path), trained briefly: throughput does not depend on how well it
fits. ``sklstm.to_onnx`` exports it with its scaling and lag windowing, so
both sides start from the same raw float64 table and return predictions in
the units of y:

* ``predict``: ``model.predict(X)``;
* ``onnx``: one ``InferenceSession.run`` over the whole table;
* ``onnx-chunks``: ``run`` over chunks of ``--chunk`` rows, each preceded by
  the ``lookback - 1`` rows before it (their outputs dropped), the way a
  server bounds memory on long tables.

Both runtimes are limited to ``--threads`` threads. The contenders run
alternately, round after round, and the figures are medians over the rounds.
The agreement (largest absolute difference from ``predict``) is printed too.

    python benchmarks/bench_onnx.py
    python benchmarks/bench_onnx.py --rounds 7 --threads 2
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime
import torch

from sklstm import LSTMRegressor, to_onnx

sys.path.insert(0, str(Path(__file__).parent))
from bench_training import synthetic_data  # the same data


def onnx_in_chunks(
    session: onnxruntime.InferenceSession, X: np.ndarray, lookback: int, chunk: int
) -> np.ndarray:
    """Run the rows graph chunk by chunk; each chunk sees its real history."""
    history = lookback - 1
    parts = []
    for start in range(0, len(X), chunk):
        begin = max(start - history, 0)
        (y,) = session.run(None, {"X": X[begin : start + chunk]})
        parts.append(y[start - begin :])
    return np.concatenate(parts)


def timed(function: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--lookback", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    parser.add_argument(
        "--chunk", type=int, default=512, help="rows per onnx-chunks call"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = synthetic_data(args.rows, args.features)
    model = LSTMRegressor(
        lookback=args.lookback,
        hidden_size=args.hidden,
        max_iter=1,
        batch_size=256,
        device="cpu",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        model.fit(X, y)

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        to_onnx(model), options, providers=["CPUExecutionProvider"]
    )
    contenders = {
        "predict": lambda: model.predict(X),
        "onnx": lambda: session.run(None, {"X": X})[0],
        "onnx-chunks": lambda: onnx_in_chunks(session, X, args.lookback, args.chunk),
    }
    for function in contenders.values():  # warm up caches and allocators
        function()
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    outputs: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, function in contenders.items():
            elapsed, outputs[name] = timed(function)
            seconds[name].append(elapsed)

    print(
        f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"{platform.processor() or platform.machine()}, {args.threads} thread(s)"
    )
    print(
        f"{args.rows} rows x {args.features} features, lookback {args.lookback}, "
        f"hidden {args.hidden}; median of {args.rounds} rounds"
    )
    reference = statistics.median(seconds["predict"])
    for name, times in seconds.items():
        median = statistics.median(times)
        diff = float(np.abs(outputs[name] - outputs["predict"]).max())
        print(
            f"{name:12s} {median * 1e3:8.1f} ms  {args.rows / median:10.0f} rows/s  "
            f"x{reference / median:5.2f} vs predict  max |diff| {diff:.1e}"
        )
    ratio = reference / statistics.median(seconds["onnx"])
    chunked = reference / statistics.median(seconds["onnx-chunks"])
    print(
        f"summary: onnxruntime/predict throughput ratio {ratio:.2f} (whole table), "
        f"{chunked:.2f} (chunks of {args.chunk} rows)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
