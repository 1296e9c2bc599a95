"""Backtest 12-month forecasts of airline passengers with cross_validate.

A forecaster's ``score(X, y)`` is R² over the forecast of the ``len(X)``
steps after the series it was fitted on, so scikit-learn's own tools *are*
a backtest. Here the last three years of the classic airline series
(1949-1960) are forecast 12 months ahead, each from the years before it, by
two LSTM forecasters and three baselines.

The figure is written to ``examples/figures/airline_backtest.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 20
# epochs; otherwise the forecasters' default training budget is used.

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure  # draws with Agg, no display needed
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import TimeSeriesSplit, cross_validate

from sklstm import LSTMForecaster
from sklstm.datasets import load_airline

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
TRAINING = {"max_iter": 20} if QUICK else {}  # the defaults otherwise
FIGURES = Path(__file__).resolve().parent / "figures"

LOOKBACK, HORIZON, N_FOLDS = 12, 12, 3

Forecasts = dict[str, list[pd.Series]]
Scores = dict[str, np.ndarray]


# %%
# The LSTM forecasters, backtested. ``cross_validate`` with
# ``TimeSeriesSplit(test_size=12)`` fits on every month before each fold and
# forecasts the 12 months of the fold. Two strategies are compared:
#
# - ``LSTMForecaster(lookback=12)``, recursive: one month at a time, each
#   forecast fed back as an input;
# - ``LSTMForecaster(lookback=12, horizon=12, strategy="direct")``: the whole
#   year at once.
#
# The forecasters are configured with ``lookback`` (and ``horizon``) only.
# Each fitted fold, returned by ``cross_validate``, then forecasts the months
# after its own training data again, for the figure.


def backtest_lstms(
    X: pd.DataFrame, y: pd.Series, cv: TimeSeriesSplit
) -> tuple[Forecasts, Scores]:
    forecasters = {
        "LSTM recursive": LSTMForecaster(lookback=LOOKBACK, random_state=0, **TRAINING),
        "LSTM direct": LSTMForecaster(
            lookback=LOOKBACK,
            horizon=HORIZON,
            strategy="direct",
            random_state=0,
            **TRAINING,
        ),
    }
    forecasts: Forecasts = {}
    scores: Scores = {}
    for name, forecaster in forecasters.items():
        results = cross_validate(
            forecaster,
            X,
            y,
            cv=cv,
            scoring="neg_mean_absolute_error",
            return_estimator=True,
        )
        scores[name] = -results["test_score"]
        # Each fitted fold forecasts the months after its own training data.
        forecasts[name] = [
            fitted.predict_series(X.iloc[test])
            for fitted, (_, test) in zip(results["estimator"], cv.split(X), strict=True)
        ]
    return forecasts, scores


# %%
# The baselines, on the same folds: ``Ridge`` on the same 12 lags, with each
# strategy (predicting one month at a time and feeding it back, or the whole
# year at once), and the seasonal naive forecast, the same month of the
# previous year.


def ridge_on_lags(history: np.ndarray, block: int) -> np.ndarray:
    """Ridge on the last LOOKBACK values, predicting ``block`` values at a time.

    ``block=1`` is the recursive strategy, ``block=HORIZON`` the direct one.
    """
    rows = sliding_window_view(history, LOOKBACK + block)
    model = Ridge().fit(rows[:, :LOOKBACK], rows[:, LOOKBACK:])
    values = history.copy()
    while len(values) < len(history) + HORIZON:
        values = np.append(values, model.predict(values[None, -LOOKBACK:])[0])
    return values[len(history) : len(history) + HORIZON]


def seasonal_naive(history: np.ndarray) -> np.ndarray:
    """Each month as it was a year before."""
    return history[-12:][:HORIZON]


def backtest_baselines(
    X: pd.DataFrame, y: pd.Series, cv: TimeSeriesSplit
) -> tuple[Forecasts, Scores]:
    forecasts: Forecasts = {}
    scores: Scores = {}
    for name, baseline in {
        "Ridge recursive": lambda history: ridge_on_lags(history, 1),
        "Ridge direct": lambda history: ridge_on_lags(history, HORIZON),
        "seasonal naive": seasonal_naive,
    }.items():
        forecasts[name] = [
            pd.Series(baseline(y.to_numpy()[train]), index=y.index[test])
            for train, test in cv.split(X)
        ]
        scores[name] = np.array(
            [
                mean_absolute_error(y.iloc[test], forecast)
                for forecast, (_, test) in zip(
                    forecasts[name], cv.split(X), strict=True
                )
            ]
        )
    return forecasts, scores


# %%
# The results: the mean absolute error of each forecaster on each year
# forecast, and their mean.


def print_scores(scores: Scores, y: pd.Series, cv: TimeSeriesSplit) -> None:
    years = [str(y.index[test[0]].year) for _, test in cv.split(y)]
    print("MAE of 12-month forecasts (thousands of passengers), by year forecast:")
    print(f"  {'':<24}" + "".join(f"{year:>8}" for year in years) + "    mean")
    for name, values in scores.items():
        print(
            f"  {name:<24}"
            + "".join(f"{value:8.1f}" for value in values)
            + f"{values.mean():8.1f}"
        )


# %%
# The figure: the series since 1955 and every forecast, each year forecast
# from the years before it (the grey lines mark the forecast origins).


def draw(
    forecasts: Forecasts, scores: Scores, y: pd.Series, cv: TimeSeriesSplit
) -> Figure:
    figure = Figure(figsize=(10, 5), layout="tight")
    axes = figure.subplots()
    recent = y[y.index >= "1955-01-01"]
    axes.plot(recent.index, recent, color="k", lw=1.5, label="observed")
    styles = {
        "LSTM recursive": dict(color="C0"),
        "LSTM direct": dict(color="C1"),
        "Ridge recursive": dict(color="C0", ls="--"),
        "Ridge direct": dict(color="C1", ls="--"),
        "seasonal naive": dict(color="0.5", ls=":"),
    }
    for name, folds in forecasts.items():
        for fold, forecast in enumerate(folds):
            label = f"{name} (MAE {scores[name].mean():.1f})" if fold == 0 else None
            axes.plot(forecast.index, forecast, label=label, **styles[name])
    for _, test in cv.split(y):
        axes.axvline(y.index[test[0]], color="0.85", lw=0.8, zorder=0)
    axes.set_ylabel("passengers (thousands)")
    axes.set_title(
        "Backtest: each year forecast 12 months ahead from the years before it"
    )
    axes.legend(loc="upper left", fontsize=8)
    return figure


# %%
# Putting it together. The series has no covariates, so X is an empty table
# that carries only the dates. A short training run may stop before it
# converges; that warning is silenced here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    passengers = load_airline()
    X = pd.DataFrame(index=passengers.index)  # no covariates: only the dates
    y = passengers
    cv = TimeSeriesSplit(n_splits=N_FOLDS, test_size=HORIZON)

    forecasts, scores = backtest_lstms(X, y, cv)
    baseline_forecasts, baseline_scores = backtest_baselines(X, y, cv)
    forecasts.update(baseline_forecasts)
    scores.update(baseline_scores)
    print_scores(scores, y, cv)

    figure = draw(forecasts, scores, y, cv)
    FIGURES.mkdir(exist_ok=True)
    path = FIGURES / "airline_backtest.png"
    figure.savefig(path, dpi=110)
    print(f"\nFigure written to {path}")


if __name__ == "__main__":
    main()
