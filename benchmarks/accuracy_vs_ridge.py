"""How accurate is LSTMRegressor with only ``lookback`` set, next to Ridge?

One-step-ahead test MSE relative to ``RidgeCV`` on the same lags, on a noisy
sine (first 600 points for training), monthly sunspots (first 2200) and the
log of the airline passengers (first 108, a trending series), for a few
seeds. Prints the median and worst ratio per series (below 1: the LSTM wins).

    python benchmarks/accuracy_vs_ridge.py            # the shipped defaults
    python benchmarks/accuracy_vs_ridge.py --grid     # and the candidates
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error

from sklstm import LSTMRegressor
from sklstm.datasets import load_airline, load_sunspots


def problems() -> dict[str, tuple[np.ndarray, int, int]]:
    rng = np.random.default_rng(0)
    sine = np.sin(0.01 * np.arange(1000)) + rng.normal(0, 0.2, 1000)
    return {
        "sine": (sine, 4, 600),
        "sunspots": (load_sunspots().to_numpy(dtype=float), 12, 2200),
        "airline": (np.log(load_airline().to_numpy(dtype=float)), 12, 108),
    }


def lag_matrix(series: np.ndarray, lookback: int) -> np.ndarray:
    padded = np.r_[np.repeat(series[:1], lookback - 1), series]
    return np.stack([padded[i : i + lookback] for i in range(len(series))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--grid",
        action="store_true",
        help="also try the candidate defaults the shipped ones were chosen from",
    )
    args = parser.parse_args()
    candidates = {"learning_rate_init": [0.003], "early_stopping": [False]}
    if args.grid:
        candidates = {
            "learning_rate_init": [0.001, 0.003],
            "early_stopping": [False, True],
        }
    data = problems()
    ridge_mse = {}
    for name, (series, lookback, n_train) in data.items():
        X, y = series[:-1, None], series[1:]
        lags = lag_matrix(series[:-1], lookback)
        ridge = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(lags[:n_train], y[:n_train])
        ridge_mse[name] = mean_squared_error(y[n_train:], ridge.predict(lags[n_train:]))
    keys = list(candidates)
    print("one-step test MSE of LSTMRegressor / MSE of RidgeCV on the same lags")
    for values in itertools.product(*candidates.values()):
        params = dict(zip(keys, values, strict=True))
        ratios, seconds = {}, 0.0
        for name, (series, lookback, n_train) in data.items():
            X, y = series[:-1, None], series[1:]
            for seed in range(args.seeds):
                model = LSTMRegressor(lookback=lookback, random_state=seed, **params)
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
        print(f"{params}  ->  {summary}  (fit time {seconds:.0f}s)", flush=True)


if __name__ == "__main__":
    main()
