"""MAE of LSTMRegressor inside forecasting libraries that build their own lags.

skforecast and sktime's ``make_reduction`` turn a series into a table of lag
columns and call ``predict`` on one row at a time. With sklstm's default
``lookback=10`` every such row becomes a window of nine padded copies plus
itself, while the training windows were full: the forecasts get much worse.
With ``lookback=1`` each row is its own window, as these libraries intend.

The task: a noisy sine of period 25 (260 points), the last 20 held out and
forecast in one go from the first 240. Each cell is the MAE over those 20
steps; "warned" says whether sklstm raised its ``PaddedWindowsWarning``
(when the installed sklstm has it). The last rows are sklstm's own
forecasters, which build their windows themselves, for reference, and the
same forecaster through the sktime adapter.

Run: ``python benchmarks/client_libraries.py`` (about a minute on a CPU).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from skforecast.direct import ForecasterDirect
from skforecast.recursive import ForecasterRecursive
from sklearn.exceptions import ConvergenceWarning
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.compose import make_reduction

from sklstm import LSTMForecaster, LSTMRegressor

N_POINTS, HELD_OUT, PERIOD, NOISE, LAGS = 260, 20, 25, 0.05, 12


def noisy_sine(seed: int) -> pd.Series:
    t = np.arange(N_POINTS)
    values = np.sin(2 * np.pi * t / PERIOD)
    values = values + np.random.default_rng(seed).normal(0, NOISE, N_POINTS)
    return pd.Series(values, index=pd.RangeIndex(N_POINTS), name="y")


def skforecast_recursive(regressor, train):
    forecaster = ForecasterRecursive(estimator=regressor, lags=LAGS)
    forecaster.fit(y=train)
    return forecaster.predict(steps=HELD_OUT).to_numpy()


def skforecast_direct(regressor, train):
    forecaster = ForecasterDirect(
        estimator=regressor, lags=LAGS, steps=HELD_OUT, n_jobs=1
    )
    forecaster.fit(y=train)
    return forecaster.predict(steps=HELD_OUT).to_numpy()


def sktime_reduction(regressor, train):
    forecaster = make_reduction(regressor, window_length=LAGS, strategy="recursive")
    forecaster.fit(train)
    horizon = ForecastingHorizon(np.arange(1, HELD_OUT + 1))
    return forecaster.predict(horizon).to_numpy()


CLIENTS = {
    "skforecast ForecasterRecursive": skforecast_recursive,
    "skforecast ForecasterDirect": skforecast_direct,
    "sktime make_reduction(recursive)": sktime_reduction,
}


def run_client(client, lookback, train, seed):
    params = dict(hidden_size=4, max_iter=10, random_state=seed)
    if lookback is not None:
        params["lookback"] = lookback
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecast = client(LSTMRegressor(**params), train)
    warned = any(type(w.message).__name__ == "PaddedWindowsWarning" for w in caught)
    return forecast, warned


def sklstm_forecaster(strategy, train):
    forecaster = LSTMForecaster(
        lookback=LAGS,
        strategy=strategy,
        horizon=HELD_OUT if strategy == "direct" else 1,
        hidden_size=4,
        max_iter=10,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        forecaster.fit(np.empty((len(train), 0)), train)
    return forecaster.predict(np.empty((HELD_OUT, 0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, default=1, help="series/model seeds to average over"
    )
    seeds = range(parser.parse_args().seeds)

    print(
        f"noisy sine (period {PERIOD}, noise sd {NOISE}), {N_POINTS} points, "
        f"last {HELD_OUT} forecast; lags={LAGS}; LSTMRegressor(hidden_size=4, "
        f"max_iter=10); MAE averaged over {len(seeds)} seed(s)\n"
    )
    header = (
        f"| {'library':34} | {'default lookback':>16} | warned | "
        f"{'lookback=1':>10} | warned |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for name, client in CLIENTS.items():
        cells = []
        for lookback in (None, 1):
            errors, warned = [], False
            for seed in seeds:
                series = noisy_sine(seed)
                train, truth = series[:-HELD_OUT], series[-HELD_OUT:].to_numpy()
                forecast, warned_here = run_client(client, lookback, train, seed)
                errors.append(np.mean(np.abs(forecast - truth)))
                warned = warned or warned_here
            cells.append((np.mean(errors), warned))
        print(
            f"| {name:34} | {cells[0][0]:16.3f} | {'yes' if cells[0][1] else 'no':6} "
            f"| {cells[1][0]:10.3f} | {'yes' if cells[1][1] else 'no':6} |"
        )

    print("\nsklstm's own forecasters (lookback=12, same network size):")
    for strategy in ("recursive", "direct"):
        errors = []
        for seed in seeds:
            series = noisy_sine(seed)
            train, truth = series[:-HELD_OUT], series[-HELD_OUT:].to_numpy()
            errors.append(np.mean(np.abs(sklstm_forecaster(strategy, train) - truth)))
        print(f"  LSTMForecaster(strategy={strategy!r}): MAE {np.mean(errors):.3f}")
    try:
        from sklstm.sktime import LSTMSktimeForecaster
    except ImportError:  # an sklstm without the sktime adapter
        return
    errors = []
    for seed in seeds:
        series = noisy_sine(seed)
        train, truth = series[:-HELD_OUT], series[-HELD_OUT:].to_numpy()
        forecaster = LSTMSktimeForecaster(
            LSTMForecaster(lookback=LAGS, hidden_size=4, max_iter=10, random_state=0)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            forecast = forecaster.fit(train).predict(fh=np.arange(1, HELD_OUT + 1))
        errors.append(np.mean(np.abs(forecast.to_numpy() - truth)))
    print(
        f"  sklstm.sktime.LSTMSktimeForecaster (recursive): MAE {np.mean(errors):.3f}"
    )


if __name__ == "__main__":
    main()
