"""Measure candidate defaults for LSTMRegressor against Ridge on the same lags.

One-step-ahead test MSE (relative to Ridge) on a noisy sine and on the real
series shipped under ../shared/data (or sklstm.datasets once present), for a
few seeds. Prints one line per candidate: the median and worst ratio.

    python benchmarks/tune_defaults.py
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error

from sklstm import LSTMRegressor

DATA = Path(__file__).resolve().parents[1] / "sklstm" / "datasets" / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_series(name: str) -> np.ndarray:
    for folder in (DATA, SHARED):
        path = folder / f"{name}.csv"
        if path.exists():
            return pd.read_csv(path).iloc[:, 1].to_numpy(dtype=float)
    raise FileNotFoundError(name)


def problems() -> dict[str, tuple[np.ndarray, int, int]]:
    rng = np.random.default_rng(0)
    sine = np.sin(0.01 * np.arange(1000)) + rng.normal(0, 0.2, 1000)
    return {
        "sine": (sine, 4, 600),
        "sunspots": (load_series("sunspots_monthly"), 12, 2200),
        "airline": (np.log(load_series("airline")), 12, 108),
    }


def lag_matrix(series: np.ndarray, lookback: int) -> np.ndarray:
    padded = np.r_[np.repeat(series[:1], lookback - 1), series]
    return np.stack([padded[i : i + lookback] for i in range(len(series))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    candidates = {
        "lr": [1e-3, 3e-3],
        "batch_size": [32],
        "early_stopping": [False, True],
        "hidden_size": [32],
    }
    data = problems()
    ridge_mse = {}
    for name, (series, lookback, n_train) in data.items():
        X, y = series[:-1, None], series[1:]
        lags = lag_matrix(series[:-1], lookback)
        ridge = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(lags[:n_train], y[:n_train])
        ridge_mse[name] = mean_squared_error(y[n_train:], ridge.predict(lags[n_train:]))
    keys = list(candidates)
    for values in itertools.product(*candidates.values()):
        params = dict(zip(keys, values, strict=True))
        ratios, seconds = {}, 0.0
        for name, (series, lookback, n_train) in data.items():
            X, y = series[:-1, None], series[1:]
            for seed in range(args.seeds):
                model = LSTMRegressor(
                    lookback=lookback,
                    learning_rate_init=params["lr"],
                    batch_size=params["batch_size"],
                    early_stopping=params["early_stopping"],
                    hidden_size=params["hidden_size"],
                    random_state=seed,
                )
                started = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X[:n_train], y[:n_train])
                seconds += time.perf_counter() - started
                mse = mean_squared_error(y[n_train:], model.predict(X)[n_train:])
                ratios.setdefault(name, []).append(mse / ridge_mse[name])
        summary = "  ".join(
            f"{name}: median {np.median(r):.3f} worst {np.max(r):.3f}"
            for name, r in ratios.items()
        )
        print(f"{params}  ->  {summary}  ({seconds:.0f}s)", flush=True)


if __name__ == "__main__":
    main()
