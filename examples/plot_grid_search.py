"""Tuning an LSTM with GridSearchCV over TimeSeriesSplit folds.

``LSTMRegressor``'s parameters are flat and validated like any scikit-learn
estimator's, so ``GridSearchCV`` tunes them directly: here the window length
``lookback``, the learning-rate schedule ``learning_rate`` and the cell type
``cell``. The series is the noisy sine ``sin(0.01 t) + N(0, 0.2²)``; the
target is the next value.

The figure is written to ``examples/figures/grid_search.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs and candidates.
"""

# %%
# Imports and settings. The full grid crosses two window lengths, two
# learning-rate schedules and two cell types (LSTM and GRU); a quick run
# (``SKLSTM_EXAMPLE_QUICK=1``) keeps only the two schedules and trains for 5
# epochs instead of 60.

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # draws with Agg, no display needed
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm import LSTMRegressor

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
FIGURES = Path(__file__).resolve().parent / "figures"
N_POINTS, N_TRAIN = 1000, 700
GRID = (
    {"lookback": [4], "learning_rate": ["constant", "cosine"], "cell": ["lstm"]}
    if QUICK
    else {
        "lookback": [4, 12],
        "learning_rate": ["constant", "cosine"],
        "cell": ["lstm", "gru"],
    }
)


# %%
# The search. ``TimeSeriesSplit`` makes every fold train on the past and score
# on the rows that follow, never the other way round. ``GridSearchCV`` fits
# every candidate on every fold, ranks the candidates by their mean
# validation error, and refits the best one on all training rows.


def search_grid(
    X_train: np.ndarray, y_train: np.ndarray, folds: TimeSeriesSplit
) -> GridSearchCV:
    return GridSearchCV(
        LSTMRegressor(hidden_size=16, max_iter=5 if QUICK else 60, random_state=0),
        GRID,
        cv=folds,
        scoring="neg_mean_squared_error",
        n_jobs=1 if QUICK else 2,  # a quick run skips starting workers
    ).fit(X_train, y_train)


# %%
# Testing. The refitted best model predicts the whole series in one pass, so
# that the first test rows see their history, and is scored on the later
# test stretch, next to the noise floor (the noise variance, 0.04).


def report_test_error(search: GridSearchCV, X: np.ndarray, y: np.ndarray) -> None:
    test_mse = mean_squared_error(y[N_TRAIN:], search.predict(X)[N_TRAIN:])
    print(f"best parameters: {search.best_params_}")
    print(f"test MSE of the refitted best model: {test_mse:.4f} (noise floor 0.04)")


# %%
# The figure. Left, the folds: each trains on the rows before its validation
# rows. Right, the mean validation MSE of each candidate, the best one in
# green.


def draw(search: GridSearchCV, folds: TimeSeriesSplit, X_train: np.ndarray) -> Figure:
    figure = Figure(figsize=(11, 4), layout="constrained")
    split_ax, score_ax = figure.subplots(1, 2, width_ratios=[1, 1.3])
    for k, (train, validation) in enumerate(folds.split(X_train)):
        split_ax.barh(k, len(train), color="tab:blue")
        split_ax.barh(k, len(validation), left=len(train), color="tab:orange")
    split_ax.set_yticks(range(3), [f"fold {k + 1}" for k in range(3)])
    split_ax.set_xlabel("row (blue: train, orange: validation)")
    split_ax.set_title("TimeSeriesSplit: train on the past only")

    labels = [
        ", ".join(str(value) for value in params.values())
        for params in search.cv_results_["params"]
    ]
    mse = -search.cv_results_["mean_test_score"]
    colors = [
        "tab:green" if r == 1 else "tab:gray"
        for r in search.cv_results_["rank_test_score"]
    ]
    score_ax.barh(labels, mse, color=colors)
    score_ax.axvline(0.04, color="black", linestyle=":", label="noise floor")
    score_ax.set_xlabel("mean validation MSE (green: best)")
    score_ax.set_title(", ".join(GRID))
    score_ax.legend()
    return figure


# %%
# Putting it together. Row i of X is the value of the noisy sine at time i and
# the target is the value at i + 1; the first 700 rows are for the search,
# the rest for testing. A short training run may stop before it converges;
# that warning is silenced here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    t = np.arange(N_POINTS)
    series = np.sin(0.01 * t) + np.random.default_rng(0).normal(0, 0.2, N_POINTS)
    X, y = series[:-1, None], series[1:]

    folds = TimeSeriesSplit(n_splits=3)
    search = search_grid(X[:N_TRAIN], y[:N_TRAIN], folds)
    report_test_error(search, X, y)

    figure = draw(search, folds, X[:N_TRAIN])
    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / "grid_search.png", dpi=110)
    print(f"figure written to {FIGURES / 'grid_search.png'}")


if __name__ == "__main__":
    main()
