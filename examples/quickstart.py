"""Quick start: tune an LSTM on a noisy sine with GridSearchCV, as with any regressor.

The classic LSTM tutorial set-up: ``sin(0.01 t) + N(0, 0.2²)``, 1000 points,
the previous 4 values predicting the next. The model is trained on the first
600 points (tuned with ``GridSearchCV`` over ``TimeSeriesSplit`` folds inside
a ``Pipeline``) and tested on the remaining 400.

Run it with ``make demo``; ``SKLSTM_EXAMPLE_QUICK=1`` makes a quick run with
fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 5
# epochs; otherwise the estimator's default training budget is used.

from __future__ import annotations

import os
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
TRAINING = {"max_iter": 5} if QUICK else {}  # the defaults otherwise
NOISE_STD = 0.2
N_POINTS, N_TRAIN, LOOKBACK = 1000, 600, 4


# %%
# The data: 1000 points of a slow sine under white noise of standard deviation
# 0.2. The noise variance, 0.04, is the best mean squared error any forecaster
# can reach, since the noise of the next point cannot be predicted.


def noisy_sine(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(N_POINTS)
    return np.sin(0.01 * t) + rng.normal(0.0, NOISE_STD, N_POINTS)


# %%
# Tuning. The LSTM sits at the end of a ``Pipeline`` after a ``StandardScaler``,
# exactly where any scikit-learn regressor would, and ``GridSearchCV`` picks
# its ``hidden_size``. ``TimeSeriesSplit`` makes every fold train on the past
# and validate on the rows that follow, never the other way round. A short
# training run may stop before it converges; that warning is silenced here.


def tune(X_train: np.ndarray, y_train: np.ndarray) -> GridSearchCV:
    pipeline = make_pipeline(
        StandardScaler(), LSTMRegressor(lookback=LOOKBACK, random_state=0, **TRAINING)
    )
    search = GridSearchCV(
        pipeline,
        param_grid={"lstmregressor__hidden_size": [16, 32]},
        cv=TimeSeriesSplit(n_splits=3),
        scoring="neg_mean_squared_error",
        n_jobs=1 if QUICK else 2,  # a quick run skips starting workers
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    return search


# %%
# Testing. The refitted best pipeline predicts the whole series in one pass, so
# that the first test rows see their real history, and only the 400 test
# points are scored. Next to its error stand the noise floor and the naive
# "next = last value" forecast, the baseline to beat.


def report_test_error(search: GridSearchCV, X: np.ndarray, y: np.ndarray) -> None:
    test_mse = mean_squared_error(y[N_TRAIN:], search.predict(X)[N_TRAIN:])
    naive_mse = mean_squared_error(y[N_TRAIN:], X[N_TRAIN:, 0])

    print(f"best parameters   : {search.best_params_}")
    print(f"test MSE (LSTM)   : {test_mse:.4f}")
    print(f"noise floor       : {NOISE_STD**2:.4f}  (the best any forecaster can do)")
    print(f"naive last value  : {naive_mse:.4f}")


# %%
# Saving. The fitted pipeline is an ordinary Python object: ``joblib`` saves it
# and loads it back, and the reloaded pipeline predicts exactly as before.


def check_save_and_reload(search: GridSearchCV, X: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sine-lstm.joblib"
        joblib.dump(search.best_estimator_, path)
        reloaded = joblib.load(path)
    same = np.array_equal(reloaded.predict(X), search.predict(X))
    print(f"saved and reloaded: predictions identical = {same}")


# %%
# Putting it together. Row i of X is the value at time i and the target is the
# value at i + 1, so the model, which sees the ``LOOKBACK`` rows up to i,
# predicts the next value from the previous 4. The first 600 rows are for
# training and tuning, the rest for testing.


def main() -> None:
    started = time.perf_counter()
    series = noisy_sine()
    X, y = series[:-1, None], series[1:]
    X_train, y_train = X[:N_TRAIN], y[:N_TRAIN]

    search = tune(X_train, y_train)
    report_test_error(search, X, y)
    check_save_and_reload(search, X)
    print(f"finished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
