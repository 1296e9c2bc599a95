"""Libraries that accept "any scikit-learn regressor" drive LSTMRegressor as one."""

from functools import partial

import numpy as np
import pytest
from _factories import tiny_regressor
from mapie.regression import SplitConformalRegressor
from skforecast.recursive import ForecasterRecursive
from sklearn.compose import TransformedTargetRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import r2_score
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.multioutput import MultiOutputRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(7)
N = 400
T = np.arange(N + 1)
CLEAN = np.sin(2 * np.pi * T / 25)
NOISE = 0.2
NOISY = CLEAN + RNG.normal(0, NOISE, len(T))
# Predict the next noisy value from the current one and the current noise-free
# signal (a stand-in for a known driver of the series).
X = np.column_stack([NOISY[:-1], CLEAN[:-1]])
Y = NOISY[1:]


_model = partial(tiny_regressor, hidden_size=8, max_iter=30)


@pytest.mark.slow
def test_skforecast_recursive_forecast_beats_repeating_the_last_value():
    series = CLEAN + RNG.normal(0, 0.05, len(CLEAN))
    train, future = series[:350], series[350:374]
    # skforecast builds the lag features itself: each row is already a window.
    forecaster = ForecasterRecursive(estimator=_model(lookback=1, max_iter=60), lags=25)
    forecaster.fit(y=_as_series(train))

    forecast = forecaster.predict(steps=len(future)).to_numpy()
    assert forecast.shape == (24,)
    model_error = np.mean(np.abs(forecast - future))
    naive_error = np.mean(np.abs(train[-1] - future))
    assert model_error < naive_error / 3


def test_float64_arrays_with_negative_strides_fit_and_predict_as_copies_do():
    reversed_X, reversed_y = X[::-1], Y[::-1]
    assert reversed_X.strides[0] < 0
    from_views = _model(max_iter=5).fit(reversed_X, reversed_y)
    from_copies = _model(max_iter=5).fit(
        np.ascontiguousarray(reversed_X), np.ascontiguousarray(reversed_y)
    )
    np.testing.assert_array_equal(
        from_views.predict(reversed_X), from_copies.predict(reversed_X.copy())
    )


# MAPIE checks that the model is fitted by predicting one row of zeros, a
# window of padding only, which sklstm rightly warns about.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklstm.exceptions.PaddedWindowsWarning")
def test_mapie_split_conformal_intervals_cover_about_the_nominal_share():
    model = _model().fit(X[:200], Y[:200])
    conformal = SplitConformalRegressor(model, confidence_level=0.9, prefit=True)
    conformal.conformalize(X[200:300], Y[200:300])

    prediction, intervals = conformal.predict_interval(X[300:])
    lower, upper = intervals[:, 0, 0], intervals[:, 1, 0]
    covered = np.mean((lower <= Y[300:]) & (Y[300:] <= upper))
    assert prediction.shape == (100,)
    assert 0.8 <= covered <= 0.99
    # Intervals as narrow as the noise allows: a 90 % band of N(0, 0.2) is
    # 0.66 wide; a model that learned nothing would need about 1.6.
    assert np.median(upper - lower) < 1.0


def test_transformed_target_regressor_fits_the_log_and_predicts_original_units():
    growth = np.exp(0.005 * T + 0.3 * CLEAN)
    X_growth, y_growth = growth[:-1, None], growth[1:]
    model = TransformedTargetRegressor(
        regressor=_model(), func=np.log, inverse_func=np.exp
    ).fit(X_growth, y_growth)

    np.testing.assert_allclose(
        model.predict(X_growth), np.exp(model.regressor_.predict(X_growth))
    )
    assert r2_score(np.log(y_growth), model.regressor_.predict(X_growth)) > 0.9
    assert model.score(X_growth, y_growth) > 0.9


def test_permutation_importance_ranks_the_informative_feature_first():
    noise_feature = RNG.normal(size=N)
    X_mixed = np.column_stack([noise_feature, CLEAN[:-1]])
    model = _model().fit(X_mixed[:300], Y[:300])
    result = permutation_importance(
        model, X_mixed[300:], Y[300:], n_repeats=3, random_state=0
    )
    assert np.argmax(result.importances_mean) == 1
    assert result.importances_mean[1] > 0.5
    assert result.importances_mean[0] < 0.1


def test_multi_output_regressor_trains_one_lstm_per_target():
    targets = np.column_stack([Y, np.cos(2 * np.pi * T[1:] / 25)])
    model = MultiOutputRegressor(_model()).fit(X[:300], targets[:300])
    prediction = model.predict(X[300:])
    assert prediction.shape == (100, 2)
    assert len(model.estimators_) == 2
    for column in range(2):
        assert r2_score(targets[300:, column], prediction[:, column]) > 0.8


def test_cross_val_score_with_time_series_split_scores_every_fold():
    scores = cross_val_score(_model(), X, Y, cv=TimeSeriesSplit(n_splits=3))
    assert scores.shape == (3,)
    # The noise caps R² near 1 - 0.2² / var(y) ≈ 0.93.
    assert np.all(scores > 0.8)


def _as_series(values):
    import pandas as pd

    return pd.Series(values, index=pd.RangeIndex(len(values)), name="y")
