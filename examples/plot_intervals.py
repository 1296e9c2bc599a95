"""Prediction intervals by split conformal calibration, on the sine and on sunspots.

``LSTMRegressor(early_stopping=True)`` can put an interval around each
prediction that holds the truth 90 % of the time, provided later errors
behave like those it saw on held-out rows. Here the intervals are checked on
a noisy sine, whose noise does not change over time, and on monthly sunspot
numbers, whose noise does.

Figures: ``examples/figures/intervals.png`` and
``examples/figures/intervals_loss_curve.png``. Set ``SKLSTM_EXAMPLE_QUICK=1``
for a quick run with fewer epochs.
"""

# %%
# Imports and settings. A quick run (``SKLSTM_EXAMPLE_QUICK=1``) trains for 5
# epochs instead of 40.

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # draws with Agg, no display needed
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMRegressor
from sklstm.datasets import load_sunspots
from sklstm.plotting import plot_forecast, plot_loss_curve

QUICK = os.environ.get("SKLSTM_EXAMPLE_QUICK") == "1"
FIGURES = Path(__file__).resolve().parent / "figures"
COVERAGE = 0.9
N_TRAIN_SUNSPOTS = 2400  # months before the sunspot test stretch


# %%
# How the intervals are made. ``LSTMRegressor(early_stopping=True)`` holds out
# the last ``validation_fraction`` of the training rows. After training it
# keeps the absolute errors the final model makes on them, and
# ``predict_interval(X, coverage=0.9)`` puts ``prediction ± q`` around each new
# prediction, ``q`` being the ``ceil((n + 1) · 0.9)``-th smallest of those
# ``n`` errors. If later errors behave like the held-out ones, 90 % of the
# intervals hold the truth. The helper below fits on the start of a series,
# forecasts every later value one step ahead and measures how often the
# interval holds the truth.
#
# MAPIE users can get the same intervals with
# ``mapie.regression.SplitConformalRegressor(model, prefit=True)`` and
# ``conformalize`` on rows of their choice, or adaptive ones with
# ``mapie.regression.TimeSeriesRegressor``.


def one_step_intervals(series: np.ndarray, n_train: int, lookback: int):
    """Fit on the first n_train values; one-step forecasts and intervals after."""
    X, y = series[:-1, None], series[1:]
    model = LSTMRegressor(
        lookback=lookback,
        hidden_size=8,
        max_iter=5 if QUICK else 40,
        early_stopping=True,
        validation_fraction=0.2,
        random_state=0,
    ).fit(X[:n_train], y[:n_train])
    prediction = model.predict(X)[n_train:]
    interval = model.predict_interval(X, coverage=COVERAGE)[n_train:]
    truth = y[n_train:]
    inside = (interval[:, 0] <= truth) & (truth <= interval[:, 1])
    return model, prediction, interval, inside.mean()


# %%
# The noisy sine ``sin(0.01 t) + N(0, 0.2²)``, 2000 points, the first 1500 for
# training: the noise does not change over time, and the intervals on the
# later stretch hold the truth about 90 % of the time. The top panel of the
# figure shows 200 of those steps.


def sine_intervals(ax: Axes) -> LSTMRegressor:
    t = np.arange(2000)
    sine = np.sin(0.01 * t) + np.random.default_rng(0).normal(0, 0.2, len(t))
    sine_model, sine_pred, sine_interval, sine_coverage = one_step_intervals(
        sine, n_train=1500, lookback=4
    )
    print(f"noisy sine, later 499 steps: coverage {sine_coverage:.3f}")

    plot_forecast(
        sine_pred[:200],
        history=sine[1300:1501],
        truth=sine[1501:1701],
        interval=sine_interval[:200],
        coverage=COVERAGE,
        ax=ax,
    )
    ax.set_title(
        f"noisy sine, one step ahead: {sine_coverage:.0%} of the later points "
        f"inside the {COVERAGE:.0%} intervals"
    )
    return sine_model


# %%
# Monthly sunspot numbers, one month ahead: the noise grows with the activity
# of the sun, so raw intervals calibrated on a quiet stretch are too narrow on
# an active one. On the square-root scale (the classic variance-stabilising
# transform for counts) the errors are comparable across the cycle; squaring
# the bounds back keeps which months fall inside. The bottom panel shows 20
# years of these intervals, back on the scale of the counts.


def sunspot_intervals(ax: Axes) -> None:
    sunspots = load_sunspots()
    values = sunspots.to_numpy(dtype=float)
    n_train = N_TRAIN_SUNSPOTS
    _, _, _, raw_coverage = one_step_intervals(values, n_train, lookback=12)
    _, root_pred, root_interval, root_coverage = one_step_intervals(
        np.sqrt(values), n_train, lookback=12
    )
    print(f"sunspots, raw scale: coverage {raw_coverage:.3f}")
    print(f"sunspots, square-root scale: coverage {root_coverage:.3f}")

    dates = sunspots.index[1:]
    shown = slice(0, 240)
    plot_forecast(
        pd.Series(root_pred[shown] ** 2, index=dates[n_train:][shown]),
        history=sunspots.iloc[n_train - 120 : n_train + 1],
        truth=pd.Series(values[n_train + 1 :][shown], index=dates[n_train:][shown]),
        interval=np.clip(root_interval[shown], 0, None) ** 2,
        coverage=COVERAGE,
        ax=ax,
    )
    ax.set_title(
        f"monthly sunspots, one month ahead, calibrated on the square-root scale: "
        f"{root_coverage:.0%} inside (raw scale: {raw_coverage:.0%})"
    )


# %%
# Putting it together: both panels, then a second figure with the loss curve
# of the sine model, training and validation loss by epoch, with the epoch
# whose weights it kept marked. A short training run may stop before it
# converges; that warning is silenced here.


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    figure = Figure(figsize=(11, 7), layout="constrained")
    top, bottom = figure.subplots(2, 1)
    sine_model = sine_intervals(top)
    sunspot_intervals(bottom)

    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / "intervals.png", dpi=110)
    loss_figure = Figure(figsize=(6, 4), layout="constrained")
    plot_loss_curve(sine_model, ax=loss_figure.subplots())
    loss_figure.savefig(FIGURES / "intervals_loss_curve.png", dpi=110)
    print(f"figures written to {FIGURES}")


if __name__ == "__main__":
    main()
