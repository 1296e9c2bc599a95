"""What the first ``fit`` of a fresh Python process costs over a warm one.

Each round starts fresh child processes that import sklstm, fit a small
``LSTMRegressor`` three times and report the first fit's time and the
fastest of the two later (warm) ones. Two kinds of child alternate: one as
a user would run it, and one that imports ``torch._dynamo`` before its first
fit, so the overhead that import accounts for can be told apart from the
rest (``torch.optim`` imports it, about 2 s, the first time an optimiser is
used; sklstm's own Adam skips the hooks that need it). The figures
are medians over the rounds; the machine's load is printed beside them.

    python benchmarks/first_fit.py
    python benchmarks/first_fit.py --rounds 5 --rows 20000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_CHILD = """
import json, sys, time, warnings
started = time.perf_counter()
import numpy as np
from sklstm import LSTMRegressor
if {preload}:
    import torch._dynamo
imported = time.perf_counter()
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
X = rng.standard_normal(({rows}, 4))
y = X[:, 0] + 0.1 * rng.standard_normal({rows})

def fit_seconds():
    start = time.perf_counter()
    LSTMRegressor(lookback=8, hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    return time.perf_counter() - start

first = fit_seconds()
warm = min(fit_seconds(), fit_seconds())
print(json.dumps({{"import": imported - started, "first": first, "warm": warm}}))
"""


def child(rows: int, preload: bool) -> dict[str, float]:
    """Run one fresh process; its import, first-fit and warm-fit seconds."""
    output = subprocess.run(
        [sys.executable, "-c", _CHILD.format(rows=rows, preload=preload)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args(argv)
    kinds = {"as a user runs it": False, "torch._dynamo imported first": True}
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    load = os.getloadavg()[0]
    for round_index in range(args.rounds):
        order = list(kinds) if round_index % 2 == 0 else list(kinds)[::-1]
        for kind in order:
            results[kind].append(child(args.rows, kinds[kind]))
    print(
        f"first fit of a fresh process, {args.rows} rows x 4 features, lookback 8, "
        f"hidden 8, 2 epochs, 1 thread; medians over {args.rounds} alternating "
        f"rounds; load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end, {os.cpu_count()} CPUs"
    )
    print(f"{'':30s} {'import/s':>9s} {'first/s':>8s} {'warm/s':>7s} {'added/s':>8s}")
    for kind, runs in results.items():
        median = {
            key: statistics.median(run[key] for run in runs)
            for key in ("import", "first", "warm")
        }
        added = statistics.median(run["first"] - run["warm"] for run in runs)
        print(
            f"{kind:30s} {median['import']:9.2f} {median['first']:8.2f} "
            f"{median['warm']:7.2f} {added:8.2f}"
        )
    print("added = first fit - warm fit of the same process, median over rounds")


if __name__ == "__main__":
    main(sys.argv[1:])
