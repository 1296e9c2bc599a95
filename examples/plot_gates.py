"""Inside the memory cell: the forget gate of an LSTM trained on the noisy sine.

An LSTM carries a cell state from step to step of its window. At every step
the forget gate ``f_t`` decides how much of the previous cell state to keep
(0.7 keeps 70 % and forgets 30 %), the input gate how much of the new
candidate to write, and the output gate what the hidden state shows:
``c_t = f_t · c_{t-1} + i_t · g_t`` and ``h_t = o_t · tanh(c_t)``.

``sklstm.inspection.gate_activations`` recomputes all of these from a fitted
model's weights for every window of X. Here an LSTM learns the next value of
``sin(0.01 t) + N(0, 0.2²)`` from a window of 20 values, and we look at its
forget gate.

The figure is written to ``examples/figures/gates.png``. Set
``SKLSTM_EXAMPLE_QUICK=1`` for a quick run with fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 10
# epochs instead of 100.

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # draws with Agg, no display needed
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMRegressor
from sklstm.inspection import gate_activations

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
FIGURES = Path(__file__).resolve().parent / "figures"

N_POINTS, N_TRAIN, LOOKBACK, NOISE_STD = 1000, 600, 20, 0.2
WINDOW = 700  # the window (ending at this row) shown in the heat map


# %%
# Training. The model learns the next value of the noisy sine from the last 20
# values. Its linear path (a linear map of the window added to the network's
# output) is switched off, so that the recurrent cell does all the work and
# its gates are worth reading. The first 600 rows are for training; the R² on
# the rest checks that the model has learnt something.


def fit_model(X: np.ndarray, y: np.ndarray) -> LSTMRegressor:
    model = LSTMRegressor(
        lookback=LOOKBACK,
        hidden_size=8,
        linear_path=False,
        max_iter=10 if QUICK else 100,
        random_state=0,
    ).fit(X[:N_TRAIN], y[:N_TRAIN])
    print(f"test R²: {model.score(X[N_TRAIN:], y[N_TRAIN:]):.3f}")
    return model


# %%
# Reading the forget gate. ``gate_activations`` gives the forget gate of every
# unit at every step of every window. The forget gates sit around one half,
# nearly constant along a window, so the cell keeps only about half of its
# state from one step to the next; the product of the forget gates over the 20
# steps says how much of the first step survives to the last, and it is tiny.
# The model has learnt a short, fading memory: in effect an average over the
# last few noisy values, which is what a slowly varying signal under white
# noise calls for. The gates do move, slowly and in step with the level of the
# sine: the correlation of each unit's gate with that level shows it.


def forget_gates(model: LSTMRegressor, X: np.ndarray, t: np.ndarray) -> np.ndarray:
    gates = gate_activations(model, X)
    forget = gates["forget"]  # (n_windows, LOOKBACK, hidden_size)
    kept = forget[:, 1:].prod(axis=1)  # share of step 0's cell state left at the end
    print(f"mean forget gate: {forget.mean():.2f} (keeps that share per step)")
    print(
        f"share of the first step's cell state left after {LOOKBACK - 1} steps: "
        f"median {np.median(kept):.1e}"
    )
    level = np.sin(0.01 * t[:-1])
    correlations = [np.corrcoef(forget[:, -1, u], level)[0, 1] for u in range(8)]
    print(
        "correlation of each unit's last forget gate with the sine's level: "
        + " ".join(f"{c:+.2f}" for c in correlations)
    )
    return forget


# %%
# The figure. Left, a heat map of the forget gate over one window (units x
# steps): nearly constant along the window. Right, each unit's forget gate at
# the last step of every window, beside the series itself: the amount kept
# depends on where on the wave the series is.


def draw(forget: np.ndarray, series: np.ndarray, t: np.ndarray) -> Figure:
    figure = Figure(figsize=(11, 4), layout="constrained")
    heat, series_ax = figure.subplots(1, 2, width_ratios=[1, 1.4])
    image = heat.imshow(forget[WINDOW].T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    heat.set_xlabel(f"step of the window ending at row {WINDOW}")
    heat.set_ylabel("LSTM unit")
    heat.set_title("forget gate f_t (share of the cell state kept)")
    figure.colorbar(image, ax=heat)

    series_ax.plot(t[:-1], series[:-1], color="0.8", label="noisy sine")
    for unit in range(forget.shape[2]):
        series_ax.plot(t[:-1], forget[:, -1, unit], linewidth=1)
    series_ax.axvline(N_TRAIN, color="black", linestyle=":", label="end of training")
    series_ax.axvline(WINDOW, color="tab:red", linestyle="--", label="window shown")
    series_ax.set_xlabel("row")
    series_ax.set_title("each unit's forget gate at the last step, row by row")
    series_ax.legend(loc="lower left")
    return figure


# %%
# Putting it together. Row i of X is the value of the noisy sine at time i and
# the target is the value at i + 1. A short training run may stop before it
# converges; that warning is silenced here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    t = np.arange(N_POINTS)
    series = np.sin(0.01 * t) + np.random.default_rng(0).normal(0, NOISE_STD, N_POINTS)
    X, y = series[:-1, None], series[1:]

    model = fit_model(X, y)
    forget = forget_gates(model, X, t)
    figure = draw(forget, series, t)

    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / "gates.png", dpi=110)
    print(f"figure written to {FIGURES / 'gates.png'}")


if __name__ == "__main__":
    main()
