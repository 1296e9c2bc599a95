"""The classic LSTM example: next value of a noisy sine, then a recursive forecast.

``sin(0.01 t) + N(0, 0.2²)``, 1000 points; the previous 4 values predict the
next, and the first 600 points are for training. One step ahead, the LSTM is
compared with the best linear predictor on the same lags; many steps ahead,
with the naive forecast.

The figure is written to ``examples/figures/sine_forecast.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 15
# epochs; otherwise the estimators' default training budget is used.

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # draws with Agg, no display needed
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error

from sklstm import LSTMForecaster, LSTMRegressor

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
TRAINING = {"max_iter": 15} if QUICK else {}  # the defaults otherwise
FIGURES = Path(__file__).resolve().parent / "figures"

N_POINTS, N_TRAIN, LOOKBACK, NOISE_STD = 1000, 600, 4, 0.2
HORIZON = 100
ORIGINS = range(N_TRAIN, N_POINTS - HORIZON + 1, 10)  # for the error curve


# %%
# The data: a slow sine (kept clean, to measure the forecasts against) and the
# same sine under white noise of standard deviation 0.2, which is what the
# models see.


def noisy_sine() -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(N_POINTS)
    clean = np.sin(0.01 * t)
    series = clean + np.random.default_rng(0).normal(0.0, NOISE_STD, N_POINTS)
    return clean, series


# %%
# One step ahead. ``LSTMRegressor(lookback=4)`` learns from
# ``X = series[:-1, None]`` and ``y = series[1:]``: row i of X is the value at
# i, the target the one at i + 1. It predicts all rows, since each needs its
# history, and is scored on the test rows. The reference is the best linear
# predictor on the same 4 lags (scikit-learn's ``Ridge``). The noise variance,
# 0.04, is the floor no forecaster can beat; with only 4 noisy lags both sit a
# little above it. The top panel of the figure shows both on the test points.


def one_step_ahead(clean: np.ndarray, series: np.ndarray, ax: Axes) -> None:
    X, y = series[:-1, None], series[1:]
    lstm = LSTMRegressor(lookback=LOOKBACK, random_state=0, **TRAINING)
    lstm.fit(X[:N_TRAIN], y[:N_TRAIN])
    one_step = lstm.predict(X)[N_TRAIN:]  # predict all rows: each needs its history

    lags = sliding_window_view(series[:-1], LOOKBACK)  # lags[j] ends at row j+3
    first = N_TRAIN - (LOOKBACK - 1)
    ridge = Ridge().fit(lags[:first], y[LOOKBACK - 1 : N_TRAIN])
    ridge_one_step = ridge.predict(lags[first:])

    lstm_mse = mean_squared_error(y[N_TRAIN:], one_step)
    ridge_mse = mean_squared_error(y[N_TRAIN:], ridge_one_step)
    print("One step ahead, test MSE (noise floor 0.0400):")
    print(f"  LSTMRegressor(lookback=4)  {lstm_mse:.4f}")
    print(f"  Ridge on the same 4 lags   {ridge_mse:.4f}")
    print(f"  LSTM / Ridge               {lstm_mse / ridge_mse:.3f}")

    test = np.arange(N_TRAIN + 1, N_POINTS)
    ax.plot(test, y[N_TRAIN:], ".", ms=2, color="0.6", label="observed")
    ax.plot(test, clean[test], color="k", lw=1, label="clean sine")
    ax.plot(test, one_step, lw=1, label=f"LSTM, MSE {lstm_mse:.4f}")
    ax.plot(test, ridge_one_step, lw=1, ls="--", label=f"Ridge, MSE {ridge_mse:.4f}")
    ax.set_title("One step ahead on the test points")
    ax.legend(loc="lower left", fontsize=8)


# %%
# Many steps ahead. ``LSTMForecaster(lookback=4)`` forecasts the 100 points
# after point 600 by feeding each forecast back as the next input. The series
# has no covariates, so X is an empty table with one row per step. The
# forecast is compared with the clean sine and with the naive forecast, the
# last observed value repeated (middle panel).


def recursive_forecast(
    clean: np.ndarray, series: np.ndarray, ax: Axes
) -> LSTMForecaster:
    no_covariates = np.empty((N_POINTS, 0))
    forecaster = LSTMForecaster(lookback=LOOKBACK, random_state=0, **TRAINING)
    forecaster.fit(no_covariates[:N_TRAIN], series[:N_TRAIN])
    forecast = forecaster.predict(no_covariates[:HORIZON])
    future = slice(N_TRAIN, N_TRAIN + HORIZON)
    naive = np.full(HORIZON, series[N_TRAIN - 1])
    print(
        f"\n{HORIZON}-step recursive forecast from point {N_TRAIN}, MSE vs clean sine:"
    )
    print(f"  LSTMForecaster  {mean_squared_error(clean[future], forecast):.4f}")
    print(f"  naive (last)    {mean_squared_error(clean[future], naive):.4f}")

    steps = np.arange(N_TRAIN, N_TRAIN + HORIZON)
    history = np.arange(N_TRAIN - 150, N_TRAIN)
    ax.plot(history, series[history], ".", ms=2, color="0.6", label="observed")
    ax.plot(steps, clean[steps], color="k", lw=1, label="clean sine")
    ax.plot(steps, forecast, label="recursive LSTM forecast")
    ax.plot(steps, naive, ls=":", label="naive: last value")
    ax.set_title(f"{HORIZON}-step recursive forecast from point {N_TRAIN}")
    ax.legend(loc="lower left", fontsize=8)
    return forecaster


# %%
# The error at each horizon, averaged over forecast origins 600, 610, ...
# Before each new origin, ``update`` reveals the observations up to it (the
# weights stay as fitted), and the forecaster forecasts the next 100 points
# from there. Averaged over many origins, the error grows with the horizon:
# each step inherits the errors of the steps before it (bottom panel).


def error_by_horizon(
    forecaster: LSTMForecaster, clean: np.ndarray, series: np.ndarray, ax: Axes
) -> None:
    no_covariates = np.empty((N_POINTS, 0))
    errors, naive_errors = [], []
    seen = N_TRAIN
    for origin in ORIGINS:
        if origin > seen:  # reveal the observations up to the new origin
            forecaster.update(no_covariates[seen:origin], series[seen:origin])
            seen = origin
        window = slice(origin, origin + HORIZON)
        path = forecaster.predict(no_covariates[:HORIZON])
        errors.append(np.abs(path - clean[window]))
        naive_errors.append(np.abs(series[origin - 1] - clean[window]))
    by_horizon = np.mean(errors, axis=0)
    naive_by_horizon = np.mean(naive_errors, axis=0)
    print(
        f"Mean absolute error over {len(ORIGINS)} origins, at horizon 1 / 10 / 100: "
        f"{by_horizon[0]:.3f} / {by_horizon[9]:.3f} / {by_horizon[-1]:.3f} "
        f"(naive {naive_by_horizon[0]:.3f} / {naive_by_horizon[9]:.3f} / "
        f"{naive_by_horizon[-1]:.3f})"
    )

    horizons = np.arange(1, HORIZON + 1)
    ax.plot(horizons, by_horizon, label="recursive LSTM forecast")
    ax.plot(horizons, naive_by_horizon, ls=":", label="naive: last value")
    ax.set_xlabel("steps ahead")
    ax.set_ylabel("mean absolute error vs clean sine")
    ax.set_title(f"The error grows with the horizon ({len(ORIGINS)} origins)")
    ax.legend(loc="upper left", fontsize=8)


# %%
# Putting it together: the three steps in order, each drawing its panel of
# the figure, which is then saved. A short training run may stop before it
# converges; that warning is silenced here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    clean, series = noisy_sine()
    figure = Figure(figsize=(9, 10), layout="tight")
    axes = figure.subplots(3, 1)
    one_step_ahead(clean, series, axes[0])
    forecaster = recursive_forecast(clean, series, axes[1])
    error_by_horizon(forecaster, clean, series, axes[2])

    FIGURES.mkdir(exist_ok=True)
    path = FIGURES / "sine_forecast.png"
    figure.savefig(path, dpi=110)
    print(f"\nFigure written to {path}")


if __name__ == "__main__":
    main()
