"""What fit reports while it trains: nothing, a progress bar, or one line per epoch."""

import re
import sys
from functools import partial

import numpy as np
import pytest
from _factories import tiny_forecaster, tiny_regressor
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm._progress import TQDM_MISSING_NOTE

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(60, 2))
TARGET = ROWS[:, 0] + 0.1 * RNG.normal(size=60)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


tiny = partial(tiny_regressor, max_iter=5, n_iter_no_change=100)


def epoch_lines(text):
    return [line for line in text.splitlines() if line.startswith("Epoch ")]


def test_default_fit_prints_nothing(capsys):
    tiny().fit(ROWS, TARGET)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_1_draws_one_progress_bar_for_the_whole_fit(capsys):
    tiny(verbose=1, early_stopping=True).fit(ROWS, TARGET)
    captured = capsys.readouterr()
    assert epoch_lines(captured.out) == []
    final = captured.err.replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("LSTMRegressor")
    assert "5/5" in final  # epochs done out of max_iter
    assert re.search(r"<\d\d:\d\d", final)  # tqdm's time left
    assert re.search(r"loss=\d", final) and re.search(r"val_loss=\d", final)
    # One bar: the final state is drawn once, not once per epoch.
    assert captured.err.count("5/5") <= 2


def bar_lines(err):
    """The last state of every bar tqdm drew on standard error, in order."""
    lines = [line for line in err.replace("\r", "\n").splitlines() if "|" in line]
    finals, seen = [], set()
    for line in reversed(lines):
        label = line.split(":")[0]
        if label not in seen:
            seen.add(label)
            finals.append(line)
    return finals[::-1]


def test_verbose_1_bar_finishes_full_where_early_stopping_stops(capsys):
    model = tiny(verbose=1, max_iter=50, n_iter_no_change=2, tol=10.0).fit(ROWS, TARGET)
    assert model.n_iter_ < 50
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    # Done at the epoch it stopped at, not stuck part-way through max_iter.
    assert f"{model.n_iter_}/{model.n_iter_}" in final
    assert "100%" in final
    assert "/50" not in final


SERIES = np.sin(0.3 * np.arange(80)) + 0.1 * RNG.normal(size=80)


def test_verbose_1_forecaster_labels_each_bar_with_its_ensemble_member(capsys):
    forecaster = tiny_forecaster(verbose=1, n_networks=3, max_iter=4)
    forecaster.fit(np.empty((80, 0)), SERIES)
    finals = bar_lines(capsys.readouterr().err)
    assert [line.split(":")[0] for line in finals] == [
        f"LSTMForecaster member {m}/3" for m in (1, 2, 3)
    ]
    assert not any("LSTMRegressor" in line for line in finals)


def test_verbose_1_forecaster_of_one_network_is_labelled_with_its_class(capsys):
    forecaster = tiny_forecaster(
        verbose=1, max_iter=60, n_iter_no_change=2, tol=10.0
    ).fit(np.empty((80, 0)), SERIES)
    (final,) = bar_lines(capsys.readouterr().err)
    assert final.startswith("LSTMForecaster:")
    assert f"{forecaster.n_iter_}/{forecaster.n_iter_}" in final
    assert forecaster.n_iter_ < 60


def test_verbose_2_prints_one_line_per_epoch_with_both_losses(capsys):
    model = tiny(verbose=2, early_stopping=True).fit(ROWS, TARGET)
    captured = capsys.readouterr()
    lines = epoch_lines(captured.out)
    assert [line.split(":")[0] for line in lines] == [f"Epoch {n}" for n in range(1, 6)]
    third = model.loss_curve_[2]
    assert f"loss = {third:.6f}" in lines[2]
    assert f"validation loss = {model.validation_loss_curve_[2]:.6f}" in lines[2]
    assert "validation R²" in lines[2]
    assert captured.err == ""


def test_verbose_1_without_tqdm_falls_back_to_lines_with_a_note(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    tiny(verbose=1).fit(ROWS, TARGET)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == TQDM_MISSING_NOTE
    assert "sklstm[progress]" in out
    assert len(epoch_lines(out)) == 5


def test_partial_fit_with_verbose_2_numbers_epochs_across_calls(capsys):
    model = tiny(verbose=2, max_iter=2).fit(ROWS, TARGET)
    model.partial_fit(ROWS, TARGET)
    lines = epoch_lines(capsys.readouterr().out)
    assert lines[-1].startswith("Epoch 3:")


def test_a_search_over_a_quiet_model_is_quiet_and_verbose_is_asked_per_model(capsys):
    search = GridSearchCV(
        tiny(max_iter=2),
        {"hidden_size": [2, 3]},
        cv=TimeSeriesSplit(n_splits=2),
    )
    search.fit(ROWS, TARGET)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    search.set_params(estimator__verbose=2).fit(ROWS, TARGET)
    # 2 candidates x 2 folds + the refit, 2 epochs each.
    assert len(epoch_lines(capsys.readouterr().out)) == 5 * 2


def test_validation_loss_curve_is_the_mse_of_the_held_out_rows():
    model = tiny(early_stopping=True, validation_fraction=0.25, max_iter=3)
    model.fit(ROWS, TARGET)
    assert len(model.validation_loss_curve_) == model.n_iter_ == 3
    # On standardised targets, MSE = (1 - R²) x the variance of the tail.
    tail = (TARGET[45:] - TARGET.mean()) / TARGET.std()
    expected = (1 - np.array(model.validation_scores_)) * tail.var()
    np.testing.assert_allclose(model.validation_loss_curve_, expected, rtol=1e-4)
    assert tiny(early_stopping=False).fit(ROWS, TARGET).validation_loss_curve_ is None
