"""Tiny estimators and seeded data for the tests: small, few epochs, reproducible.

Every test module builds its models from these, passing the settings it needs
as keyword arguments (they override the defaults below). They are plain
functions so that module-level parameter lists can use them as well; the
``tiny_regressor`` and ``tiny_forecaster`` fixtures of ``conftest.py`` hand
out the same functions.
"""

import pickle

import numpy as np

import sklstm
from sklstm import LSTMForecaster, LSTMRegressor

TINY = dict(lookback=3, hidden_size=4, max_iter=3, random_state=0)

# For the tests that build on the estimators' own window length.
DEFAULT_LOOKBACK = LSTMRegressor().lookback


def tiny_regressor(**params):
    """An ``LSTMRegressor`` with the tiny defaults, overridden by ``params``."""
    return LSTMRegressor(**{**TINY, **params})


def tiny_forecaster(**params):
    """An ``LSTMForecaster`` with the tiny defaults, overridden by ``params``."""
    return LSTMForecaster(**{**TINY, **params})


def reloaded(model, round_trip: str, tmp_path):
    """``model`` after a ``"pickle"`` or a ``"save"`` (and load) round trip."""
    if round_trip == "pickle":
        return pickle.loads(pickle.dumps(model))
    sklstm.save(model, tmp_path / "model.zip")
    return sklstm.load(tmp_path / "model.zip")


def noisy_sine(n=1000, seed=0):
    """A slow sine (period about 628 steps) with N(0, 0.2) noise, seeded."""
    rng = np.random.default_rng(seed)
    return np.sin(0.01 * np.arange(n)) + rng.normal(0, 0.2, n)
