"""A Pipeline with a ColumnTransformer: forecasting demand from exogenous columns.

Daily demand is forecast from a DataFrame with a numeric and a categorical
column, so the preprocessing differs per column. A ``ColumnTransformer`` does
that inside a ``Pipeline`` ending in an ``LSTMRegressor``, exactly as it would
end in a ``Ridge``.

The figure is written to ``examples/figures/pipeline_exogenous.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 10
# epochs instead of 200.

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure  # draws with Agg, no display needed
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklstm import LSTMRegressor

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
FIGURES = Path(__file__).resolve().parent / "figures"
N_DAYS, N_TRAIN = 900, 700


# %%
# The data: 900 days of demand. Daily demand depends on yesterday's demand, on
# the temperature (more demand when it is hot, with a lag: a hot spell builds
# up over five days), and on the day of the week (less on weekends). The
# table holds the temperature, the name of the weekday and yesterday's
# demand; the target is today's demand.


def demand_data(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Demand driven by its past, a lagged heat effect and the weekday."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", periods=N_DAYS, freq="D")
    season = 15 + 10 * np.sin(2 * np.pi * (np.arange(N_DAYS) - 100) / 365)
    temperature = season + rng.normal(0, 3, N_DAYS)
    heat = np.convolve(np.maximum(temperature - 20, 0), np.ones(5) / 5)[:N_DAYS]
    weekend = days.dayofweek >= 5
    demand = np.empty(N_DAYS)
    demand[0] = 100
    for i in range(1, N_DAYS):
        demand[i] = (
            0.5 * demand[i - 1] + 50 + 4 * heat[i] - 15 * weekend[i] + rng.normal(0, 2)
        )
    X = pd.DataFrame(
        {
            "temperature": temperature,
            "weekday": days.day_name(),
            "demand_yesterday": np.r_[demand[0], demand[:-1]],
        },
        index=days,
    )
    return X, pd.Series(demand, index=days, name="demand")


# %%
# The preprocessing differs per column: ``temperature`` and
# ``demand_yesterday`` are scaled, ``weekday`` is one-hot encoded.


def preprocessing() -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("numeric", StandardScaler(), ["temperature", "demand_yesterday"]),
            ("weekday", OneHotEncoder(sparse_output=False), ["weekday"]),
        ]
    )


# %%
# Two pipelines, the same preprocessing. The LSTM sees the transformed columns
# as rows of a time-ordered table and builds its own lag windows over them,
# here the last 7 rows; the Ridge regression sees only the current row. Both
# are trained on the first 700 days.


def fit_pipelines(X_train: pd.DataFrame, y_train: pd.Series) -> tuple[Pipeline, ...]:
    lstm = make_pipeline(
        preprocessing(),
        LSTMRegressor(
            lookback=7, hidden_size=16, max_iter=10 if QUICK else 200, random_state=0
        ),
    ).fit(X_train, y_train)
    ridge = make_pipeline(preprocessing(), Ridge()).fit(X_train, y_train)
    return lstm, ridge


# %%
# Testing. Both pipelines predict all rows in one pass, so that the first test
# rows see their history, and are scored on the last 200 days. Because the
# effect of temperature builds up over days, the LSTM, which sees the last 7
# rows, beats the Ridge regression on the current row. The figure shows the
# first 120 test days.


def compare(lstm: Pipeline, ridge: Pipeline, X: pd.DataFrame, y: pd.Series) -> Figure:
    lstm_pred = pd.Series(lstm.predict(X), index=X.index).iloc[N_TRAIN:]
    ridge_pred = pd.Series(ridge.predict(X), index=X.index).iloc[N_TRAIN:]
    truth = y.iloc[N_TRAIN:]
    lstm_mae = mean_absolute_error(truth, lstm_pred)
    ridge_mae = mean_absolute_error(truth, ridge_pred)
    print(f"test MAE, Pipeline(ColumnTransformer, LSTMRegressor): {lstm_mae:.2f}")
    print(f"test MAE, Pipeline(ColumnTransformer, Ridge)        : {ridge_mae:.2f}")

    figure = Figure(figsize=(11, 4), layout="constrained")
    ax = figure.subplots()
    shown = slice(0, 120)
    ax.plot(truth.iloc[shown], color="black", linewidth=1, label="demand")
    ax.plot(lstm_pred.iloc[shown], label=f"LSTM pipeline (MAE {lstm_mae:.1f})")
    ax.plot(ridge_pred.iloc[shown], label=f"Ridge pipeline (MAE {ridge_mae:.1f})")
    ax.set_title("next-day demand from temperature, weekday and yesterday's demand")
    ax.legend()
    return figure


# %%
# Putting it together. A short training run may stop before it converges; that
# warning is silenced here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = demand_data()
    lstm, ridge = fit_pipelines(X.iloc[:N_TRAIN], y.iloc[:N_TRAIN])
    figure = compare(lstm, ridge, X, y)

    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / "pipeline_exogenous.png", dpi=110)
    print(f"figure written to {FIGURES / 'pipeline_exogenous.png'}")


if __name__ == "__main__":
    main()
