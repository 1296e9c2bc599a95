"""LSTMRegressor inside scikit-learn's tools: pipelines, searches, cross-validation."""

from functools import partial

import numpy as np
import pytest
from _factories import tiny_regressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

RNG = np.random.default_rng(0)
SERIES = np.sin(0.05 * np.arange(241)) + RNG.normal(0, 0.1, 241)
X, Y = SERIES[:-1, None], SERIES[1:]


# The searches below test the plumbing (pipelines, folds, parallel runs)
# on 60-row folds: training on every row keeps them about that.
small_model = partial(
    tiny_regressor, lookback=4, hidden_size=6, max_iter=8, early_stopping=False
)


def search(n_jobs):
    return GridSearchCV(
        make_pipeline(StandardScaler(), small_model()),
        param_grid={
            "lstmregressor__hidden_size": [4, 8],
            "lstmregressor__lookback": [2, 4],
        },
        cv=TimeSeriesSplit(n_splits=3),
        n_jobs=n_jobs,
    ).fit(X, Y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_over_a_pipeline_with_time_series_folds_picks_a_good_model():
    fitted = search(n_jobs=1)
    assert set(fitted.best_params_) == {
        "lstmregressor__hidden_size",
        "lstmregressor__lookback",
    }
    assert fitted.best_score_ > 0.8
    assert fitted.best_estimator_[-1].n_features_in_ == 1
    assert fitted.predict(X).shape == Y.shape


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_parallel_search_gives_the_same_results_as_a_sequential_one():
    sequential, parallel = search(n_jobs=1), search(n_jobs=2)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_allclose(
            parallel.cv_results_[key], sequential.cv_results_[key], rtol=1e-5
        )
    assert parallel.best_params_ == sequential.best_params_


def lag_matrix(series, lookback):
    padded = np.r_[np.repeat(series[:1], lookback - 1), series]
    return np.stack([padded[i : i + lookback] for i in range(len(series))])


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cross_validate_with_time_series_split_is_as_accurate_as_ridge_in_every_fold():
    # The reference is the one the defaults are held to: RidgeCV on the same
    # lags, with the default early stopping of the LSTM.
    cv = TimeSeriesSplit(n_splits=4)
    scoring = "neg_mean_squared_error"
    lstm = cross_validate(
        small_model(max_iter=20, early_stopping="auto"),
        X,
        Y,
        cv=cv,
        scoring=scoring,
    )
    ridge = cross_validate(RidgeCV(), lag_matrix(X[:, 0], 4), Y, cv=cv, scoring=scoring)
    np.testing.assert_array_less(-lstm["test_score"], -1.05 * ridge["test_score"])
