"""Forecast accuracy of LSTMForecaster against Ridge on the same lags.

For each series the model is fitted once on the first part and then rolls
through the rest: forecast the next ``steps`` values, reveal them with
``update``, forecast again. One-step MAE uses ``steps=1``; 12-step MAE uses
blocks of 12 (every test value is forecast 1 to 12 steps ahead). The
reference is scikit-learn's ``Ridge()`` on the same lags, run through
skforecast's recursive and direct forecasters (an independent
implementation of the same two strategies). The forecaster is configured
with ``lookback`` (and ``horizon``) only, as a user would start.

Series: the bundled airline passengers (trend and growing season) and
monthly sunspots (cycles, no trend), and a synthetic series with a linear
trend, a yearly season and AR(1) noise whose test part lies above every
value seen in training.

    python benchmarks/forecast_accuracy.py                  # the whole table
    python benchmarks/forecast_accuracy.py --series airline --seeds 0 1 2
    python benchmarks/forecast_accuracy.py --targets change level
    python benchmarks/forecast_accuracy.py --backtest --series airline

``--backtest`` instead refits for every fold, as ``cross_validate`` with
``TimeSeriesSplit(n_splits=3, test_size=12)`` does (the documented way to
evaluate a forecaster), and reports the 12-step MAE over the three folds.
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings

import numpy as np
import pandas as pd
from skforecast.direct import ForecasterDirect
from skforecast.recursive import ForecasterRecursive
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import TimeSeriesSplit, cross_validate

from sklstm import LSTMForecaster
from sklstm.datasets import load_airline, load_sunspots

STEPS = 12


def synthetic(n: int = 300, seed: int = 0) -> np.ndarray:
    """Linear trend + yearly season + AR(1) noise, always rising out of range."""
    rng = np.random.default_rng(seed)
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.6 * noise[t - 1] + rng.normal(0.0, 2.0)
    t = np.arange(n)
    return 100.0 + 0.8 * t + 15.0 * np.sin(2 * np.pi * t / 12) + noise


def problems() -> dict[str, tuple[np.ndarray, int, int]]:
    """name -> (series, n_train, lookback)."""
    return {
        "airline": (load_airline().to_numpy(), 108, 12),
        "sunspots": (load_sunspots().to_numpy(), 2580, 24),
        "synthetic": (synthetic(), 240, 12),
    }


def rolling_mae(forecast, series: np.ndarray, n_train: int, steps: int) -> float:
    """MAE of forecasts from origins n_train, n_train + steps, ...

    ``forecast(history, n)`` returns the next ``n`` values after ``history``.
    """
    errors = []
    for origin in range(n_train, len(series), steps):
        n = min(steps, len(series) - origin)
        predicted = forecast(series[:origin], n)
        errors.append(np.abs(predicted - series[origin : origin + n]))
    return float(np.mean(np.concatenate(errors)))


def lstm_forecast(forecaster: LSTMForecaster, n_train: int):
    """``forecast(history, n)`` for a forecaster fitted on the first n_train values."""
    seen = [n_train]

    def forecast(history: np.ndarray, n: int) -> np.ndarray:
        if len(history) > seen[0]:
            new = history[seen[0] :]
            forecaster.update(np.empty((len(new), 0)), new)
            seen[0] = len(history)
        return forecaster.predict(np.empty((n, 0)))

    return forecast


def ridge_forecast(series: np.ndarray, n_train: int, lookback: int, direct: bool):
    y = pd.Series(series[:n_train])
    if direct:
        model = ForecasterDirect(Ridge(), steps=STEPS, lags=lookback)
    else:
        model = ForecasterRecursive(Ridge(), lags=lookback)
    model.fit(y)

    def forecast(history: np.ndarray, n: int) -> np.ndarray:
        last = pd.Series(
            history[-lookback:],
            index=pd.RangeIndex(len(history) - lookback, len(history)),
        )
        return model.predict(
            steps=n, last_window=last, suppress_warnings=True
        ).to_numpy()

    return forecast


def evaluate(name, series, n_train, lookback, targets, seeds) -> None:
    no_covariates = np.empty((n_train, 0))
    ridge = {
        "1-step": rolling_mae(
            ridge_forecast(series, n_train, lookback, direct=False), series, n_train, 1
        ),
        "12-step recursive": rolling_mae(
            ridge_forecast(series, n_train, lookback, direct=False),
            series,
            n_train,
            STEPS,
        ),
        "12-step direct": rolling_mae(
            ridge_forecast(series, n_train, lookback, direct=True),
            series,
            n_train,
            STEPS,
        ),
    }
    for target in targets:
        results: dict[str, list[float]] = {key: [] for key in ridge}
        started = time.perf_counter()
        for seed in seeds:
            common = dict(lookback=lookback, network_output=target, random_state=seed)
            recursive = LSTMForecaster(**common).fit(no_covariates, series[:n_train])
            results["1-step"].append(
                rolling_mae(
                    lstm_forecast(copy.deepcopy(recursive), n_train), series, n_train, 1
                )
            )
            results["12-step recursive"].append(
                rolling_mae(lstm_forecast(recursive, n_train), series, n_train, STEPS)
            )
            direct = LSTMForecaster(strategy="direct", horizon=STEPS, **common).fit(
                no_covariates, series[:n_train]
            )
            results["12-step direct"].append(
                rolling_mae(lstm_forecast(direct, n_train), series, n_train, STEPS)
            )
        elapsed = time.perf_counter() - started
        for key, values in results.items():
            print(
                f"{name:<10} {key:<18} target={target:<7} "
                f"LSTM MAE median {np.median(values):8.3f} "
                f"(seeds {', '.join(f'{v:.3f}' for v in values)})  "
                f"Ridge {ridge[key]:8.3f}  ratio {np.median(values) / ridge[key]:.3f}",
                flush=True,
            )
        print(f"{name:<10} target={target}: {elapsed:.0f}s", flush=True)


def backtest(name, series, lookback, targets, seeds) -> None:
    """12-step MAE over three refitted folds: cross_validate vs Ridge on each fold."""
    cv = TimeSeriesSplit(n_splits=3, test_size=STEPS)
    X = np.empty((len(series), 0))
    for strategy in ("recursive", "direct"):
        ridge = np.mean(
            [
                rolling_mae(
                    ridge_forecast(
                        series, train[-1] + 1, lookback, strategy == "direct"
                    ),
                    series[: test[-1] + 1],
                    train[-1] + 1,
                    STEPS,
                )
                for train, test in cv.split(X)
            ]
        )
        for target in targets:
            maes = []
            for seed in seeds:
                forecaster = LSTMForecaster(
                    lookback=lookback,
                    horizon=STEPS,
                    strategy=strategy,
                    network_output=target,
                    random_state=seed,
                )
                scores = cross_validate(
                    forecaster, X, series, cv=cv, scoring="neg_mean_absolute_error"
                )["test_score"]
                maes.append(-scores.mean())
            print(
                f"{name:<10} backtest {strategy:<9} target={target:<7} "
                f"LSTM MAE median {np.median(maes):8.3f} "
                f"(seeds {', '.join(f'{v:.3f}' for v in maes)})  "
                f"Ridge {ridge:8.3f}  ratio {np.median(maes) / ridge:.3f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(problems()))
    parser.add_argument("--targets", nargs="+", default=["level"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--backtest", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name in args.series:
        series, n_train, lookback = problems()[name]
        if args.backtest:
            backtest(name, series, lookback, args.targets, args.seeds)
        else:
            evaluate(name, series, n_train, lookback, args.targets, args.seeds)


if __name__ == "__main__":
    main()
