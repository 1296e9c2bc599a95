"""Quick start: tune an LSTM on a noisy sine with GridSearchCV, as with any regressor.

The classic LSTM tutorial set-up: ``sin(0.01 t) + N(0, 0.2²)``, 1000 points,
the previous 4 values predicting the next. The model is trained on the first
600 points (tuned with ``GridSearchCV`` over ``TimeSeriesSplit`` folds inside
a ``Pipeline``) and tested on the remaining 400. The noise variance, 0.04, is
the best MSE any forecaster can reach; the naive "next = last value" forecast
is the baseline to beat.

Run it with ``make demo``; ``SKLSTM_EXAMPLE_QUICK=1`` makes a quick run with
fewer epochs.
"""

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


def noisy_sine(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(N_POINTS)
    return np.sin(0.01 * t) + rng.normal(0.0, NOISE_STD, N_POINTS)


def main() -> None:
    started = time.perf_counter()
    series = noisy_sine()
    # Row i of X is the value at time i; the target is the value at i + 1.
    # The model sees the LOOKBACK rows up to i, i.e. the previous 4 values.
    X, y = series[:-1, None], series[1:]
    X_train, y_train = X[:N_TRAIN], y[:N_TRAIN]

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

    # Predict the whole series in one pass so that the first test rows see
    # their real history, then score only the 400 test points.
    test_mse = mean_squared_error(y[N_TRAIN:], search.predict(X)[N_TRAIN:])
    naive_mse = mean_squared_error(y[N_TRAIN:], X[N_TRAIN:, 0])

    print(f"best parameters   : {search.best_params_}")
    print(f"test MSE (LSTM)   : {test_mse:.4f}")
    print(f"noise floor       : {NOISE_STD**2:.4f}  (the best any forecaster can do)")
    print(f"naive last value  : {naive_mse:.4f}")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sine-lstm.joblib"
        joblib.dump(search.best_estimator_, path)
        reloaded = joblib.load(path)
    same = np.array_equal(reloaded.predict(X), search.predict(X))
    print(f"saved and reloaded: predictions identical = {same}")
    print(f"finished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
