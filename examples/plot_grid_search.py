"""Tuning an LSTM with GridSearchCV over TimeSeriesSplit folds.

``LSTMRegressor``'s parameters are flat and validated like any scikit-learn
estimator's, so ``GridSearchCV`` tunes them directly: here the window length
``lookback``, the learning-rate schedule ``learning_rate`` and the cell type
``cell``. ``TimeSeriesSplit`` makes every fold train on the past and score on
the rows that follow, never the other way round.

The series is the noisy sine ``sin(0.01 t) + N(0, 0.2²)``; the target is the
next value. The figure shows the folds and the mean validation MSE of each
candidate; the best one is refitted on all training rows and scored on a
later test stretch, next to the noise floor (0.04).

The figure is written to ``examples/figures/grid_search.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs and candidates.
"""

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


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    t = np.arange(N_POINTS)
    series = np.sin(0.01 * t) + np.random.default_rng(0).normal(0, 0.2, N_POINTS)
    X, y = series[:-1, None], series[1:]

    folds = TimeSeriesSplit(n_splits=3)
    search = GridSearchCV(
        LSTMRegressor(hidden_size=16, max_iter=5 if QUICK else 60, random_state=0),
        GRID,
        cv=folds,
        scoring="neg_mean_squared_error",
        n_jobs=1 if QUICK else 2,  # a quick run skips starting workers
    ).fit(X[:N_TRAIN], y[:N_TRAIN])

    test_mse = mean_squared_error(y[N_TRAIN:], search.predict(X)[N_TRAIN:])
    print(f"best parameters: {search.best_params_}")
    print(f"test MSE of the refitted best model: {test_mse:.4f} (noise floor 0.04)")

    figure = Figure(figsize=(11, 4), layout="constrained")
    split_ax, score_ax = figure.subplots(1, 2, width_ratios=[1, 1.3])
    for k, (train, validation) in enumerate(folds.split(X[:N_TRAIN])):
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
    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / "grid_search.png", dpi=110)
    print(f"figure written to {FIGURES / 'grid_search.png'}")


if __name__ == "__main__":
    main()
