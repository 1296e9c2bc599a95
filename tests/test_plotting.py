"""Loss-curve and forecast plots, drawn with real matplotlib on the Agg backend."""

import subprocess
import sys
from functools import partial

import matplotlib
import numpy as np
import pandas as pd
import pytest
from _factories import tiny_forecaster, tiny_regressor
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor
from sklstm.plotting import plot_forecast, plot_loss_curve, plot_quantiles

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
    if model.validation_scores_[best] == model.best_validation_score_:
        marker = lines[marker_label]
        assert marker.get_marker() == "o"
        assert marker.get_xdata().tolist() == [best + 1]
        assert marker_label.endswith(f"(epoch {best + 1})")
    else:  # no epoch clearly beat the weights from before training: a line at 0
        assert marker_label == "kept weights: before training"
        assert list(lines[marker_label].get_xdata()) == [0, 0]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "training loss" in legend and "validation loss" in legend
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "log"


def test_loss_curve_without_validation_marks_the_last_epoch_whose_weights_are_kept():
    # It marked the lowest training loss, but without validation rows
    # training keeps its last weights: the model predicts as one trained for
    # all its epochs, not as one stopped at the marked epoch.
    model = tiny(n_iter_no_change=100, early_stopping=False).fit(ROWS, TARGET)
    lines = lines_by_label(plot_loss_curve(model))
    assert "validation loss" not in lines
    last = len(model.loss_curve_)
    marker = lines[f"kept weights: last epoch (epoch {last})"]
    assert marker.get_xdata().tolist() == [last]
    assert marker.get_ydata().tolist() == [model.loss_curve_[-1]]


@pytest.mark.filterwarnings("ignore:early_stopping=True held out a single row")
@pytest.mark.parametrize("seed", range(4))
def test_weights_kept_from_before_training_are_marked_also_without_a_validation_r2(
    seed, monkeypatch
):
    # One held-out row: R² is undefined there, so the scores could not tell
    # that no epoch beat the start, and an epoch was marked instead.
    import sklstm._regressor

    kept_start = []
    train = sklstm._regressor.train

    def recording(*args, **kwargs):
        history = train(*args, **kwargs)
        kept_start.append(history.start_is_best)
        return history

    monkeypatch.setattr(sklstm._regressor, "train", recording)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(10, 1))
    y = np.r_[0, X[:-1, 0]] + 0.3 * rng.normal(size=10)
    model = LSTMRegressor(
        lookback=2, hidden_size=4, max_iter=6, early_stopping=True, random_state=0
    ).fit(X, y)
    assert np.isnan(model.validation_scores_).all()
    lines = lines_by_label(plot_loss_curve(model))
    assert ("kept weights: before training" in lines) == kept_start[-1]


def test_an_interrupted_fit_marks_the_epoch_whose_weights_it_restored(monkeypatch):
    # Interrupted, training restores the weights of the lowest training
    # loss, not the last: the plot marked the last epoch.
    import sklstm._training

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = np.sin(3 * X[:, 0]) + 0.3 * rng.normal(size=200)
    params = dict(lookback=3, hidden_size=4, learning_rate_init=0.3, random_state=0)
    run_epoch, calls = sklstm._training._run_epoch, []

    def interrupted_in_the_fourth(*args, **kwargs):
        calls.append(None)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return run_epoch(*args, **kwargs)

    monkeypatch.setattr(sklstm._training, "_run_epoch", interrupted_in_the_fourth)
    model = LSTMRegressor(max_iter=10, early_stopping=False, **params)
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning):
        model.fit(X, y)
    monkeypatch.setattr(sklstm._training, "_run_epoch", run_epoch)
    best = int(np.argmin(model.loss_curve_)) + 1
    assert best < len(model.loss_curve_) == 3  # the restored weights are not the last
    lines = lines_by_label(plot_loss_curve(model))
    assert lines[f"kept weights: lowest training loss (epoch {best})"]
    stopped_there = LSTMRegressor(max_iter=best, early_stopping=False, **params)
    np.testing.assert_allclose(model.predict(X), stopped_there.fit(X, y).predict(X))


def test_loss_curve_of_a_warm_started_fit_places_validation_on_the_last_epochs():
    model = tiny(early_stopping=True, warm_start=True, max_iter=3)
    model.set_params(n_iter_no_change=100).fit(ROWS, TARGET)
    model.fit(ROWS, TARGET)
    lines = lines_by_label(plot_loss_curve(model))
    assert len(lines["training loss"].get_xdata()) == 6
    np.testing.assert_array_equal(lines["validation loss"].get_xdata(), [4, 5, 6])


def test_weights_a_warm_start_kept_from_before_its_epochs_are_marked_there():
    # The second fit's epochs (5 to 8) did not beat the weights it started
    # from, which are those of epoch 4, not of epoch 0.
    X = np.sin(0.1 * np.arange(60))[:, None]
    y = np.cos(0.1 * np.arange(60))
    model = LSTMRegressor(
        lookback=3, hidden_size=4, max_iter=4, random_state=0, warm_start=True
    ).set_params(early_stopping=True)
    model.fit(X, y).fit(X, y)
    lines = lines_by_label(plot_loss_curve(model))
    np.testing.assert_array_equal(lines["validation loss"].get_xdata(), [5, 6, 7, 8])
    assert list(lines["kept weights: before training"].get_xdata()) == [4, 4]


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


def test_array_forecasts_after_a_dated_history_continue_its_dates():
    # predict and predict_quantiles return arrays; drawn at step numbers
    # beside a dated history they landed in 1970.
    dates = pd.date_range("2000-01", periods=6, freq="MS")
    history = pd.Series(np.arange(4.0), index=dates[:4])
    lines = lines_by_label(
        plot_forecast(np.array([4.0, 5.0]), history=history, truth=[4.5, 5.5])
    )
    assert list(pd.to_datetime(lines["forecast"].get_xdata())) == list(dates[4:])
    assert list(pd.to_datetime(lines["truth"].get_xdata())) == list(dates[4:])
    fan = lines_by_label(
        plot_quantiles(
            np.array([[3.0, 4.0, 5.0]] * 2), (0.1, 0.5, 0.9), history=history
        )
    )
    assert list(pd.to_datetime(fan["median"].get_xdata())) == list(dates[4:])


def test_array_forecasts_after_dates_that_skip_months_continue_the_forecasters_grid():
    # Three months never recorded: the forecaster reads a monthly grid with
    # missing values, but the fan and the forecast line refused the history
    # as having "no regular frequency".
    months = pd.date_range("2001-01-01", periods=60, freq="MS")
    sales = pd.Series(10 + np.sin(np.arange(60) / 2), index=months)
    sales = sales.drop(months[[10, 11, 35]])
    forecaster = tiny_forecaster(lookback=6, validation_fraction=0.3)
    forecaster.fit(pd.DataFrame(index=sales.index), sales)
    dates = forecaster.predict_series(np.empty((3, 0))).index
    assert list(dates) == list(pd.date_range(sales.index[-1], periods=4, freq="MS")[1:])
    levels = (0.1, 0.5, 0.9)
    quantiles = forecaster.predict_quantiles(np.empty((3, 0)), levels)
    fan = lines_by_label(plot_quantiles(quantiles, levels, history=sales))
    assert list(pd.to_datetime(fan["median"].get_xdata())) == list(dates)
    median = quantiles[:, 1]
    line = lines_by_label(plot_forecast(median, history=sales))["forecast"]
    assert list(pd.to_datetime(line.get_xdata())) == list(dates)


def test_a_panel_forecast_is_drawn_at_the_dates_the_forecaster_gave_it():
    # One store open daily, one on weekdays: the forecaster reads both on a
    # daily grid and forecasts the weekday store's Saturday and Sunday, but
    # its forecast could only be drawn as an array, placed by the weekday
    # history's own step on Monday and Tuesday; predict_series' Series of
    # it was refused.
    days = pd.date_range("2024-01-01", periods=84, freq="D")
    daily = pd.Series(3 + np.sin(np.arange(84) / 2), index=days)
    weekdays = pd.bdate_range("2024-01-01", periods=40).delete(17)
    weekday = pd.Series(5 + np.cos(np.arange(39) / 2), index=weekdays)
    y = pd.concat([daily, weekday])
    groups = np.repeat(["daily", "weekday"], [84, 39])
    forecaster = tiny_forecaster(horizon=2, validation_fraction=0.3)
    forecaster.fit(pd.DataFrame(index=y.index), y, groups=groups)
    asked = ["weekday", "weekday"]
    forecast = forecaster.predict_series(np.empty((2, 0)), groups=asked)
    weekend = pd.to_datetime(["2024-02-24", "2024-02-25"])  # after Friday 23rd
    assert list(forecast.index.get_level_values(1)) == list(weekend)

    line = lines_by_label(plot_forecast(forecast, history=weekday))["forecast"]
    assert list(pd.to_datetime(line.get_xdata())) == list(weekend)
    assert list(line.get_ydata()) == list(forecast)
    levels = (0.1, 0.5, 0.9)
    quantiles = forecaster.predict_quantiles(np.empty((2, 0)), levels, groups=asked)
    fan = plot_quantiles(
        pd.DataFrame(quantiles, index=forecast.index), levels, history=weekday
    )
    median = lines_by_label(fan)["median"]
    assert list(pd.to_datetime(median.get_xdata())) == list(weekend)

    # An array goes where the history's own step puts it: where a
    # forecaster fitted on that series alone forecasts it.
    alone = tiny_forecaster(horizon=2).fit(pd.DataFrame(index=weekdays), weekday)
    own_dates = alone.predict_series(np.empty((2, 0))).index
    line = lines_by_label(
        plot_forecast(
            forecaster.predict(np.empty((2, 0)), groups=asked), history=weekday
        )
    )["forecast"]
    assert list(pd.to_datetime(line.get_xdata())) == list(own_dates)
    assert list(own_dates) == list(pd.to_datetime(["2024-02-26", "2024-02-27"]))


def test_monthly_periods_are_drawn_at_the_months_they_start():
    # Periods reached matplotlib as objects: "float() argument must be ...
    # not 'Period'", for what predict_series returns on a PeriodIndex.
    months = pd.period_range("2000-01", periods=6, freq="M")
    history = pd.Series(np.arange(4.0), index=months[:4])
    starts = list(months[4:].to_timestamp())
    forecast = pd.Series([4.0, 5.0], index=months[4:])
    drawn = lines_by_label(plot_forecast(forecast, history=history))["forecast"]
    assert list(pd.to_datetime(drawn.get_xdata())) == starts
    quantiles = np.array([[3.0, 4.0, 5.0]] * 2)
    fan = lines_by_label(plot_quantiles(quantiles, (0.1, 0.5, 0.9), history=history))
    assert list(pd.to_datetime(fan["median"].get_xdata())) == starts


def test_a_forecast_of_several_series_is_refused_with_how_to_pick_one():
    index = pd.MultiIndex.from_product([["a", "b"], [0, 1]])
    with pytest.raises(ValueError, match=r"MultiIndex.*one series at a time"):
        plot_forecast(pd.Series(np.arange(4.0), index=index))


@pytest.mark.parametrize(
    "stores",
    [["store_a", "store_b"], [3, 5]],
    ids=["text labels", "numbered stores"],
)
def test_a_forecast_on_time_then_series_levels_is_refused_not_drawn_across_them(
    stores,
):
    # A one-step forecast of two stores on a (time, series) index holds one
    # value on its first level: that level was dropped as if it named the
    # one series, and the two stores drawn as one line across their labels.
    index = pd.MultiIndex.from_product(
        [pd.to_datetime(["2024-03-01"]), stores], names=["date", "store"]
    )
    forecast = pd.Series([10.0, 250.0], index=index)
    with pytest.raises(ValueError, match=r"MultiIndex.*one series at a time"):
        plot_forecast(forecast)
    quantiles = pd.DataFrame([[9.0, 10.0, 11.0], [240.0, 250.0, 260.0]], index=index)
    with pytest.raises(ValueError, match=r"MultiIndex.*one series at a time"):
        plot_quantiles(quantiles, (0.1, 0.5, 0.9))
    assert plt.get_fignums() == []


def test_one_series_on_series_then_numbered_times_is_drawn_at_its_times():
    index = pd.MultiIndex.from_product([["b"], [7, 8]], names=["series", "time"])
    forecast = pd.Series([1.0, 2.0], index=index)
    line = lines_by_label(plot_forecast(forecast))["forecast"]
    assert line.get_xdata().tolist() == [7, 8]
    assert line.get_ydata().tolist() == [1.0, 2.0]


def long_format(values_by_series, times):
    """One column of several series on a (series, time) MultiIndex."""
    return pd.concat(
        {name: pd.Series(values, index=times) for name, values in values_by_series},
        names=["series", "time"],
    )


def test_history_and_truth_of_one_series_in_long_format_are_drawn_at_their_times():
    # One series of a long-format collection, as long.loc[["b"]] gives it,
    # was refused as "several series" for the history and the truth, while
    # the forecast in that same form was drawn at its times.
    days = pd.date_range("2024-01-01", periods=8, freq="D")
    long = long_format([("a", np.zeros(8)), ("b", np.arange(8.0))], days)
    history, truth = long.loc[["b"]].iloc[:5], long.loc[["b"]].iloc[5:]
    forecast = truth + 0.5
    drawn = lines_by_label(plot_forecast(forecast, history=history, truth=truth))
    for label, values, dates in [
        ("history", history, days[:5]),
        ("truth", truth, days[5:]),
        ("forecast", forecast, days[5:]),
    ]:
        assert list(pd.to_datetime(drawn[label].get_xdata())) == list(dates)
        assert drawn[label].get_ydata().tolist() == values.tolist()

    levels = (0.1, 0.5, 0.9)
    quantiles = pd.DataFrame(
        np.column_stack([forecast - 1, forecast, forecast + 1]), index=forecast.index
    )
    fan = lines_by_label(
        plot_quantiles(quantiles, levels, history=history, truth=truth)
    )
    assert list(pd.to_datetime(fan["history"].get_xdata())) == list(days[:5])
    assert list(pd.to_datetime(fan["truth"].get_xdata())) == list(days[5:])
    assert list(pd.to_datetime(fan["median"].get_xdata())) == list(days[5:])


@pytest.mark.parametrize("given", ["history", "truth"])
def test_a_history_or_truth_of_several_series_or_swapped_levels_is_refused(given):
    days = pd.date_range("2024-01-01", periods=3, freq="D")
    long = long_format([("a", np.zeros(3)), ("b", np.ones(3))], days)
    forecast = pd.Series([2.0, 3.0, 4.0], index=days + pd.Timedelta(days=3))
    with pytest.raises(
        ValueError,
        match=rf"2 series are in the {given}, .*\['a', 'b'\].*{given}\.loc\[\['a'\]\]",
    ):
        plot_forecast(forecast, **{given: long})
    swapped = long.loc[["a"]].swaplevel()  # (time, series): one series, wrong way
    with pytest.raises(
        ValueError, match=rf"MultiIndex of the {given}, .*is not a \(series, time\)"
    ):
        plot_forecast(forecast, **{given: swapped})
    assert plt.get_fignums() == []


def test_an_array_forecast_after_dates_without_a_frequency_is_refused():
    history = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2000", "2001", "2003"]))
    with pytest.raises(ValueError, match=r"no regular frequency.*pandas Series"):
        plot_forecast(np.array([4.0]), history=history)


def test_forecast_without_truth_or_interval_draws_only_what_was_given():
    ax = plot_forecast(np.ones(3))
    assert set(lines_by_label(ax)) == {"forecast"}
    assert len(ax.collections) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval": np.zeros((3, 3))}, r"interval must have shape \(n_steps, 2\)"),
        ({"truth": np.zeros(2)}, "one value per forecast step"),
        # Both drew a band labelled "8000% interval" or failed to format one.
        ({"interval": np.zeros((3, 2)), "coverage": 80}, "coverage must be a"),
        ({"interval": np.zeros((3, 2)), "coverage": "80%"}, "coverage must be a"),
        ({"ax": "x"}, "ax must be a matplotlib Axes"),  # was an AttributeError
    ],
)
def test_forecast_with_misaligned_truth_or_interval_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_forecast(np.ones(3), **kwargs)


def test_fan_chart_draws_each_pair_of_levels_as_a_band_darker_inside():
    history = np.arange(6.0)
    steps = np.arange(3.0)
    levels = (0.9, 0.1, 0.5, 0.25, 0.75)  # any column order
    quantiles = np.c_[steps + 9, steps + 1, steps + 5, steps + 3, steps + 7]
    ax = plot_quantiles(quantiles, levels, history=history, truth=steps + 6)
    outer, inner = ax.collections
    assert outer.get_label() == "80% (0.1 to 0.9)"
    assert inner.get_label() == "50% (0.25 to 0.75)"
    assert outer.get_alpha() < inner.get_alpha()
    outer_y = outer.get_paths()[0].vertices[:, 1]
    inner_y = inner.get_paths()[0].vertices[:, 1]
    assert (outer_y.min(), outer_y.max()) == (1.0, 11.0)
    assert (inner_y.min(), inner_y.max()) == (3.0, 9.0)
    lines = lines_by_label(ax)
    np.testing.assert_array_equal(lines["median"].get_xdata(), np.arange(6, 9))
    np.testing.assert_array_equal(lines["median"].get_ydata(), steps + 5)
    np.testing.assert_array_equal(lines["truth"].get_ydata(), steps + 6)


def test_fan_chart_of_a_forecasters_quantiles_holds_its_forecast_inside():
    y = np.sin(0.3 * np.arange(120)) + RNG.normal(0, 0.1, 120)
    forecaster = tiny_forecaster(validation_fraction=0.3, n_networks=1)
    forecaster.fit(np.empty((120, 0)), y)
    X = np.empty((4, 0))
    levels = (0.1, 0.5, 0.9)
    ax = plot_quantiles(forecaster.predict_quantiles(X, levels), levels, history=y)
    (band,) = ax.collections
    low, high = forecaster.predict_interval(X, coverage=0.8).T
    band_y = band.get_paths()[0].vertices[:, 1]
    assert np.isclose(band_y.min(), low.min()) and np.isclose(band_y.max(), high.max())
    np.testing.assert_allclose(
        lines_by_label(ax)["median"].get_ydata(), forecaster.predict(X)
    )


def test_fan_chart_draws_float32_levels_predict_quantiles_accepts():
    # Read as float64, float32 0.1 and 0.9 do not sum to 1 exactly: the fan
    # refused them as levels without a mirror.
    y = np.sin(0.3 * np.arange(120)) + RNG.normal(0, 0.1, 120)
    forecaster = tiny_forecaster(validation_fraction=0.3, n_networks=1)
    forecaster.fit(np.empty((120, 0)), y)
    levels = np.array([0.1, 0.5, 0.9], dtype=np.float32)
    quantiles = forecaster.predict_quantiles(np.empty((3, 0)), levels)
    ax = plot_quantiles(quantiles, levels, history=y)
    (band,) = ax.collections
    assert band.get_label() == "80% (0.1 to 0.9)"
    band_y = band.get_paths()[0].vertices[:, 1]
    assert (band_y.min(), band_y.max()) == (
        quantiles[:, 0].min(),
        quantiles[:, 2].max(),
    )
    np.testing.assert_array_equal(
        lines_by_label(ax)["median"].get_ydata(), quantiles[:, 1]
    )


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((0.1, 0.5), r"\[0.1\] have none"),
        ((0.5, 0.9), r"\[0.9\] have none"),
        ((0.3,), "have none"),
    ],
)
def test_fan_chart_refuses_a_level_without_its_mirror(levels, message):
    with pytest.raises(ValueError, match=message):
        plot_quantiles(np.zeros((2, len(levels))), levels)


def test_fan_chart_refuses_quantiles_with_other_columns_than_levels():
    with pytest.raises(ValueError, match=r"shape \(n_steps, n_levels\)"):
        plot_quantiles(np.zeros((2, 3)), (0.1, 0.9))


def test_a_forecast_after_integer_times_with_one_missing_steps_as_the_forecaster():
    # The step was read from the last two times: 2 after a missing 38. The
    # forecaster reads times 0 ... 39 by the step 1 (38 a missing value).
    times = np.r_[np.arange(38), 39]
    history = pd.Series(np.sin(times / 3.0), index=times)
    ax = plot_forecast(np.zeros(3), history=history)
    assert ax.get_lines()[1].get_xdata().tolist() == [40, 41, 42]


def test_truth_as_values_is_drawn_at_the_forecasts_own_dates():
    dates = pd.date_range("2020-01-11", periods=3, freq="D")
    forecast = pd.Series([10.0, 11.0, 12.0], index=dates)
    ax = plot_forecast(forecast, truth=np.array([10.5, 11.5, 12.5]))
    forecast_line, truth_line = (
        next(line for line in ax.get_lines() if line.get_label() == label)
        for label in ("forecast", "truth")
    )
    assert list(truth_line.get_xdata()) == list(forecast_line.get_xdata())


@pytest.mark.parametrize("levels", [(-0.5, 1.5), (0.0, 1.0)])
def test_quantile_levels_outside_zero_and_one_are_refused(levels):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        plot_quantiles(np.array([[1.0, 5.0], [2.0, 6.0]]), levels)


@pytest.mark.parametrize(
    "draw",
    [
        lambda ax: plot_forecast(np.ones((3, 2)), history=np.arange(5.0), ax=ax),
        lambda ax: plot_forecast(
            np.ones(3), history=np.arange(5.0), interval=np.ones((2, 2)), ax=ax
        ),
        lambda ax: plot_quantiles(
            np.ones((3, 3)),
            (0.1, 0.5, 0.9),
            history=np.arange(5.0),
            truth=np.ones(2),
            ax=ax,
        ),
    ],
    ids=["2-D forecast", "interval of another length", "truth of another length"],
)
def test_a_refused_plot_leaves_no_figure_and_the_given_axes_as_they_were(draw):
    # Each refusal left a new empty figure open (matplotlib warns after 20),
    # or the history drawn on the caller's axes.
    with pytest.raises(ValueError):
        draw(None)
    assert plt.get_fignums() == []
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="mine")
    limits = ax.get_xlim(), ax.get_ylim()
    with pytest.raises(ValueError):
        draw(ax)
    assert [line.get_label() for line in ax.get_lines()] == ["mine"]
    assert (ax.get_xlim(), ax.get_ylim()) == limits
    assert len(plt.get_fignums()) == 1


def test_coverages_are_labelled_with_the_digits_they_need():
    # 0.975 was labelled "98% interval", and the levels 0.0005/0.9995 "100%".
    ax = plot_forecast(np.ones(2), interval=np.ones((2, 2)), coverage=0.975)
    assert "97.5% interval" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax = plot_quantiles(np.ones((2, 3)), (0.0005, 0.5, 0.9995))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "99.9% (0.0005 to 0.9995)" in labels


def test_values_at_places_of_other_kinds_are_refused_leaving_nothing():
    # A history on text labels beside a dated forecast: matplotlib's
    # TypeError came half-way, with the history left drawn.
    history = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    forecast = pd.Series([4.0, 5.0], index=pd.date_range("2021-01-04", periods=2))
    message = r"the history at labels, the forecast at dates.*one kind"
    with pytest.raises(ValueError, match=message):
        plot_forecast(forecast, history=history)
    with pytest.raises(ValueError, match=r"the history at labels"):
        plot_quantiles(np.ones((2, 1)), (0.5,), history=history, truth=forecast)
    assert plt.get_fignums() == []
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="mine")
    limits = ax.get_xlim(), ax.get_ylim()
    with pytest.raises(ValueError, match=message):
        plot_forecast(forecast, history=history, ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["mine"]
    assert (ax.get_xlim(), ax.get_ylim()) == limits
    # The axes take a dated plot afterwards, as before the refusal.
    plot_forecast(forecast, history=forecast.shift(-2, freq="D"), ax=ax)


def test_a_forecast_after_a_history_on_text_labels_is_drawn_at_the_next_positions():
    history = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    lines = lines_by_label(plot_forecast(np.array([4.0, 5.0]), history=history))
    assert list(lines["forecast"].get_xdata()) == [3, 4]


def test_a_fan_of_quantiles_on_dates_is_drawn_at_those_dates():
    # The fan of rows that skip steps was drawn at the next steps after the
    # history, whatever the index the quantiles came on.
    history = pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2005-01", periods=3))
    asked = pd.period_range("2005-05", periods=2)
    quantiles = pd.DataFrame([[2.0, 3.0, 4.0], [2.5, 3.5, 4.5]], index=asked)
    ax = plot_quantiles(quantiles, (0.1, 0.5, 0.9), history=history)
    median = ax.get_lines()[1]
    assert list(median.get_xdata()) == list(asked.to_timestamp().to_numpy())


def test_a_pipeline_s_loss_curve_is_its_estimator_s_and_a_search_is_told_what_to_pass():
    # plot_loss_curve refused a Pipeline, saying gate_activations takes one.
    pipeline = make_pipeline(StandardScaler(), tiny_regressor(max_iter=3)).fit(
        ROWS, TARGET
    )
    lines = lines_by_label(plot_loss_curve(pipeline))
    np.testing.assert_allclose(
        lines["training loss"].get_ydata(), pipeline[-1].loss_curve_, rtol=1e-12
    )
    search = GridSearchCV(
        tiny_regressor(max_iter=2), {"hidden_size": [2]}, cv=TimeSeriesSplit(2)
    ).fit(ROWS, TARGET)
    with pytest.raises(TypeError, match=r"plot_loss_curve reads .* best_estimator_"):
        plot_loss_curve(search)


def test_a_forecast_after_elapsed_times_continues_from_the_last_of_them():
    # Durations were labels without an order: the forecast went at positions
    # 3 and 4, nanoseconds after the history's start.
    hours = pd.timedelta_range("0s", periods=3, freq="1h")
    history = pd.Series([1.0, 2.0, 3.0], index=hours)
    for ax in (
        plot_forecast(np.array([9.0, 8.0]), history=history),
        plot_quantiles(
            np.array([[8.0, 9.0, 10.0]] * 2), [0.1, 0.5, 0.9], history=history
        ),
    ):
        lines = lines_by_label(ax)
        forecast = lines["forecast" if "forecast" in lines else "median"]
        drawn = np.asarray(forecast.get_xydata()[:, 0])
        history_drawn = np.asarray(lines["history"].get_xydata()[:, 0])
        step = pd.Timedelta("1h").value
        np.testing.assert_array_equal(drawn, history_drawn[-1] + step * np.arange(1, 3))
    with pytest.raises(ValueError, match="all durations"):
        plot_forecast(
            np.array([9.0, 8.0]), history=history, truth=pd.Series([1.0, 2.0])
        )
