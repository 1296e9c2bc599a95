"""Warnings name the user's line, however many library frames lie between."""

from functools import partial

import numpy as np
import pytest
from _factories import tiny_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm.exceptions import PaddedWindowsWarning

ROWS = np.random.default_rng(0).normal(size=(40, 2))


_model = partial(tiny_regressor, max_iter=1, early_stopping=False)


def test_a_convergence_warning_from_fit_points_at_the_callers_line():
    with pytest.warns(ConvergenceWarning) as caught:
        _model().fit(ROWS, ROWS[:, 0])
    assert caught[0].filename == __file__


def test_a_convergence_warning_from_a_pipeline_points_at_the_callers_line():
    with pytest.warns(ConvergenceWarning) as caught:
        make_pipeline(StandardScaler(), _model()).fit(ROWS, ROWS[:, 0])
    assert caught[0].filename == __file__


def test_a_padded_windows_warning_from_predict_points_at_the_callers_line():
    with pytest.warns(ConvergenceWarning):
        model = _model().fit(ROWS, ROWS[:, 0])
    with pytest.warns(PaddedWindowsWarning) as caught:
        model.predict(ROWS[:1])
    assert caught[0].filename == __file__
