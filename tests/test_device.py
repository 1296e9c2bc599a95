"""Device resolution: 'auto' prefers CUDA, then MPS, then the CPU; nothing silent."""

import numpy as np
import pytest
import torch

from sklstm import LSTMRegressor, _device
from sklstm.exceptions import DeviceWarning


@pytest.mark.parametrize(
    ("cuda_devices", "mps", "expected"),
    [(2, True, "cuda"), (1, False, "cuda"), (0, True, "mps"), (0, False, "cpu")],
)
def test_auto_prefers_cuda_then_mps_then_cpu(machine, cuda_devices, mps, expected):
    machine(cuda_devices=cuda_devices, mps=mps)
    assert _device.resolve_device("auto").type == expected


def test_explicit_devices_resolve_when_present(machine):
    machine(cuda_devices=2, mps=True)
    assert _device.resolve_device("cuda:1") == torch.device("cuda:1")
    assert _device.resolve_device("mps") == torch.device("mps")
    assert _device.resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (torch.device("cpu", 0), "cpu"),
        ("cpu:0", "cpu"),
        ("CPU:1", "cpu"),
        (torch.device("mps", 0), "mps"),
        ("mps:0", "mps"),
    ],
)
def test_indexed_cpu_and_mps_names_resolve_as_torch_reads_them(
    machine, requested, expected
):
    # "cpu:0" was refused as an unknown device, though torch accepts it.
    machine(cuda_devices=0, mps=True)
    assert _device.resolve_device(requested) == torch.device(expected)


def test_a_model_asked_for_cpu_0_trains_on_the_cpu(machine, tiny_regressor):
    machine(cuda_devices=0, mps=False)
    rows = np.random.default_rng(0).normal(size=(30, 2))
    model = tiny_regressor(lookback=2, max_iter=2, device=torch.device("cpu", 0))
    model.fit(rows, rows[:, 0])
    assert model.device_ == "cpu"
    assert model.predict(rows).shape == (30,)


def test_mps_0_without_mps_and_another_mps_index_are_clear_errors(machine):
    machine(cuda_devices=0, mps=False)
    with pytest.raises(ValueError, match=r"device='mps:0'.*MPS backend is not avail"):
        _device.resolve_device("mps:0")
    machine(cuda_devices=0, mps=True)
    with pytest.raises(ValueError, match=r"device='mps:1'.*one MPS device, mps:0"):
        _device.resolve_device("mps:1")


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ("cuda", "CUDA is not available"),
        ("cuda:0", "CUDA is not available"),
        ("mps", "MPS backend is not available"),
        ("gpu", "Unknown device 'gpu'"),
    ],
)
def test_a_device_this_machine_lacks_is_a_clear_error(machine, requested, message):
    machine(cuda_devices=0, mps=False)
    with pytest.raises(ValueError, match=message):
        _device.resolve_device(requested)


def test_a_cuda_index_beyond_the_gpus_present_is_refused(machine):
    machine(cuda_devices=2)
    with pytest.raises(ValueError, match=r"has 2 CUDA device\(s\)"):
        _device.resolve_device("cuda:2")


def test_fit_on_an_unavailable_device_fails_before_touching_the_model(
    machine, tiny_regressor
):
    rows = np.random.default_rng(0).normal(size=(40, 2))
    model = tiny_regressor(lookback=2)
    model.fit(rows, rows[:, 0])
    before = model.predict(rows)
    machine(cuda_devices=0)
    model.set_params(device="cuda")
    with pytest.raises(ValueError, match="CUDA is not available"):
        model.fit(rows, rows[:, 1])
    assert model.device_ == "cpu"
    np.testing.assert_array_equal(model.predict(rows), before)


def test_a_model_from_a_missing_gpu_comes_back_on_the_best_device_here(machine):
    machine(cuda_devices=0, mps=False)
    with pytest.warns(DeviceWarning, match=r"trained on 'cuda:0'.*now runs on 'cpu'"):
        assert _device.device_for_loading("cuda:0") == torch.device("cpu")


def test_a_model_comes_back_on_its_own_device_when_present(machine, recwarn):
    machine(cuda_devices=1)
    assert _device.device_for_loading("cuda:0") == torch.device("cuda:0")
    assert not [w for w in recwarn if issubclass(w.category, DeviceWarning)]


def test_the_device_warning_of_an_unpickled_gpu_model_points_at_the_users_line(
    machine, tiny_regressor
):
    rows = np.random.default_rng(0).normal(size=(30, 2))
    model = tiny_regressor(lookback=2, max_iter=2)
    state = model.fit(rows, rows[:, 0]).__getstate__()
    state["device_"] = "cuda:0"  # as if trained on a GPU
    machine(cuda_devices=0, mps=False)
    copy = LSTMRegressor.__new__(LSTMRegressor)
    with pytest.warns(DeviceWarning) as caught:
        copy.__setstate__(state)
    assert caught[0].filename == __file__
