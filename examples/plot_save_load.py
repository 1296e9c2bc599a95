"""Saving a fitted model and loading it back, with predictions unchanged.

``sklstm.save`` and ``sklstm.load`` move a fitted model through one file
that holds plain data only. Here an ``LSTMRegressor`` with early stopping is
trained on the noisy sine, saved, loaded, and its predictions and prediction
intervals are compared.

The figure is written to ``examples/figures/save_load.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 5
# epochs instead of 100.

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # draws with Agg, no display needed
from sklearn.exceptions import ConvergenceWarning

import sklstm
from sklstm import LSTMRegressor

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
FIGURES = Path(__file__).resolve().parent / "figures"


# %%
# Saving and loading. ``sklstm.save(model, path)`` writes one zip file of plain
# data (parameters, fitted attributes as JSON, weights as safetensors) that
# ``sklstm.load`` reads back without running any code from the file, so a
# model from someone else is safe to open. The loaded model runs on whatever
# device this machine has; ``load(path, device="cpu")`` chooses. Pickle and
# joblib work too, but only for files you trust.


def save_and_load(model: LSTMRegressor) -> LSTMRegressor:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sine-lstm.zip"
        sklstm.save(model, path)
        print(f"saved {path.name}: {path.stat().st_size / 1024:.1f} KiB")
        loaded = sklstm.load(path, device="cpu")
    return loaded


# %%
# The check. The loaded model predicts exactly as the saved one: the same
# predictions and, since the errors kept for calibration travel with it, the
# same prediction intervals. The script stops with an error otherwise.


def check_identical(model: LSTMRegressor, loaded: LSTMRegressor, X: np.ndarray) -> None:
    same_predictions = np.array_equal(loaded.predict(X), model.predict(X))
    same_intervals = np.array_equal(
        loaded.predict_interval(X), model.predict_interval(X)
    )
    print(f"loaded: {loaded!r}")
    print(f"predictions identical: {same_predictions}")
    print(f"prediction intervals identical: {same_intervals}")
    if not (same_predictions and same_intervals):
        raise SystemExit("the loaded model predicts differently from the saved one")


# %%
# The figure overlays the saved model's and the loaded model's predictions on
# the rows after training: they coincide.


def draw(
    model: LSTMRegressor, loaded: LSTMRegressor, X: np.ndarray, y: np.ndarray
) -> Figure:
    t = np.arange(len(X) + 1)
    figure = Figure(figsize=(9, 4), layout="constrained")
    ax = figure.subplots()
    ax.plot(t[701:], y[700:], color="0.8", label="noisy sine")
    ax.plot(t[701:], model.predict(X)[700:], linewidth=3, label="saved model")
    ax.plot(t[701:], loaded.predict(X)[700:], linestyle="--", label="loaded model")
    ax.set_title("predictions of the saved and the loaded model coincide")
    ax.legend()
    return figure


# %%
# Putting it together. The model learns the next value of
# ``sin(0.01 t) + N(0, 0.2²)`` from the last 4 values, on the first 700 rows.
# A short training run may stop before it converges; that warning is silenced
# here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    t = np.arange(1000)
    series = np.sin(0.01 * t) + np.random.default_rng(0).normal(0, 0.2, len(t))
    X, y = series[:-1, None], series[1:]
    model = LSTMRegressor(
        lookback=4, early_stopping=True, max_iter=5 if QUICK else 100, random_state=0
    ).fit(X[:700], y[:700])

    loaded = save_and_load(model)
    check_identical(model, loaded, X)

    figure = draw(model, loaded, X, y)
    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / "save_load.png", dpi=110)
    print(f"figure written to {FIGURES / 'save_load.png'}")


if __name__ == "__main__":
    main()
