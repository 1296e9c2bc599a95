"""Fixtures shared by the test modules: tiny models and a fake machine."""

import pytest
from _factories import tiny_forecaster as _tiny_forecaster
from _factories import tiny_regressor as _tiny_regressor

from sklstm import _device


@pytest.fixture
def tiny_regressor():
    """``make(**params)``: a tiny ``LSTMRegressor``; ``params`` override."""
    return _tiny_regressor


@pytest.fixture
def tiny_forecaster():
    """``make(**params)``: a tiny ``LSTMForecaster``; ``params`` override."""
    return _tiny_forecaster


@pytest.fixture
def machine(monkeypatch):
    """Answer the availability probes as a machine with the given hardware would.

    ``machine(cuda_devices=0, mps=False)`` sets what the probes report for the
    rest of the test; call it again to change the machine. Only these probes
    are mocked: every device that can run here is real.
    """

    def configure(cuda_devices=0, mps=False):
        monkeypatch.setattr(_device, "cuda_available", lambda: cuda_devices > 0)
        monkeypatch.setattr(_device, "cuda_device_count", lambda: cuda_devices)
        monkeypatch.setattr(_device, "mps_available", lambda: mps)

    return configure
