"""Loss-curve and forecast plots, drawn with real matplotlib on the Agg backend."""

import subprocess
import sys
from functools import partial

import matplotlib
import numpy as np
import pandas as pd
import pytest
from _factories import tiny_regressor

from sklstm.plotting import plot_forecast, plot_loss_curve

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(80, 2))
TARGET = ROWS[:, 0] + 0.1 * RNG.normal(size=80)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


tiny = partial(tiny_regressor, max_iter=8)


def test_importing_sklstm_does_not_import_matplotlib():
    code = (
        "import sys, sklstm, sklstm.plotting, sklstm.inspection; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_loss_curve_shows_both_losses_per_epoch_and_marks_the_kept_epoch():
    model = tiny(early_stopping=True, n_iter_no_change=100).fit(ROWS, TARGET)
    ax = plot_loss_curve(model)
    lines = lines_by_label(ax)
    training, validation = lines["training loss"], lines["validation loss"]
    np.testing.assert_array_equal(training.get_xdata(), np.arange(1, 9))
    np.testing.assert_allclose(training.get_ydata(), model.loss_curve_)
    np.testing.assert_allclose(validation.get_ydata(), model.validation_loss_curve_)
    (marker_label,) = [label for label in lines if label.startswith("kept weights")]
    best = int(np.argmax(model.validation_scores_))
    if model.validation_scores_[best] >= model.best_validation_score_:
        marker = lines[marker_label]
        assert marker.get_marker() == "o"
        assert marker.get_xdata().tolist() == [best + 1]
        assert marker_label.endswith(f"(epoch {best + 1})")
    else:  # the weights from before training were kept: a line at epoch 0
        assert marker_label == "kept weights: before training"
        assert lines[marker_label].get_xdata().tolist() == [0, 0]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "training loss" in legend and "validation loss" in legend
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "log"


def test_loss_curve_without_validation_marks_the_lowest_training_loss():
    model = tiny(n_iter_no_change=100, early_stopping=False).fit(ROWS, TARGET)
    lines = lines_by_label(plot_loss_curve(model))
    assert "validation loss" not in lines
    best = int(np.argmin(model.loss_curve_))
    marker = lines[f"lowest training loss (epoch {best + 1})"]
    assert marker.get_ydata().tolist() == [model.loss_curve_[best]]


def test_loss_curve_of_a_warm_started_fit_places_validation_on_the_last_epochs():
    model = tiny(early_stopping=True, warm_start=True, max_iter=3)
    model.set_params(n_iter_no_change=100).fit(ROWS, TARGET)
    model.fit(ROWS, TARGET)
    lines = lines_by_label(plot_loss_curve(model))
    assert len(lines["training loss"].get_xdata()) == 6
    np.testing.assert_array_equal(lines["validation loss"].get_xdata(), [4, 5, 6])


def test_loss_curve_draws_on_the_given_axes():
    _, ax = plt.subplots()
    assert plot_loss_curve(tiny().fit(ROWS, TARGET), ax=ax) is ax


def test_forecast_continues_after_the_history_with_truth_and_interval():
    history, forecast, truth = np.arange(10.0), np.full(4, 10.0), np.full(4, 11.0)
    interval = np.c_[forecast - 1, forecast + 2]
    ax = plot_forecast(
        forecast, history=history, truth=truth, interval=interval, coverage=0.9
    )
    lines = lines_by_label(ax)
    np.testing.assert_array_equal(lines["history"].get_xdata(), np.arange(10))
    np.testing.assert_array_equal(lines["forecast"].get_xdata(), np.arange(10, 14))
    np.testing.assert_array_equal(lines["truth"].get_ydata(), truth)
    (band,) = ax.collections
    assert band.get_label() == "90% interval"
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == 9.0 and vertices[:, 1].max() == 12.0
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert set(legend) == {"history", "forecast", "truth", "90% interval"}


def test_forecast_of_pandas_series_is_drawn_against_their_dates():
    dates = pd.date_range("2000-01", periods=6, freq="MS")
    history = pd.Series(np.arange(4.0), index=dates[:4])
    forecast = pd.Series([4.0, 5.0], index=dates[4:])
    lines = lines_by_label(plot_forecast(forecast, history=history))
    drawn = pd.to_datetime(lines["forecast"].get_xdata())
    assert list(drawn) == list(dates[4:])


def test_forecast_without_truth_or_interval_draws_only_what_was_given():
    ax = plot_forecast(np.ones(3))
    assert set(lines_by_label(ax)) == {"forecast"}
    assert len(ax.collections) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval": np.zeros((3, 3))}, r"interval must have shape \(n_steps, 2\)"),
        ({"truth": np.zeros(2)}, "one value per forecast step"),
    ],
)
def test_forecast_with_misaligned_truth_or_interval_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_forecast(np.ones(3), **kwargs)
