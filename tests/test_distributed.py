"""Searches on real distributed engines give the local results; GPUs are shared out.

A Dask ``LocalCluster`` with worker processes starts inside these tests, and
Ray's joblib backend runs when ray is installed (the ``ray`` extra).
"""

import logging
import multiprocessing
from functools import partial
from unittest import mock

import joblib
import numpy as np
import pytest
import torch
from _factories import tiny_forecaster, tiny_regressor
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate

from sklstm import _device
from sklstm._device import resolve_device, worker_index

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

T = np.arange(161)
SERIES = np.sin(0.15 * T) + np.random.default_rng(3).normal(0, 0.05, len(T))
X, Y = SERIES[:-1, None], SERIES[1:]
GRID = {"hidden_size": [4, 6], "learning_rate_init": [0.003, 0.01]}
CV = TimeSeriesSplit(n_splits=2)


_tiny_model = partial(tiny_regressor, max_iter=5)


_tiny_forecaster = partial(tiny_forecaster, lookback=4, max_iter=5)


# (estimator, grid, X, y, cv): the forecaster's folds are 10-step backtests on
# a series without covariates.
CASES = {
    "regressor": (_tiny_model, GRID, X, Y, CV),
    "forecaster": (
        _tiny_forecaster,
        {"lookback": [4, 8], "learning_rate_init": [0.003, 0.01]},
        np.empty((len(Y), 0)),
        Y,
        TimeSeriesSplit(n_splits=2, test_size=10),
    ),
}


def _search():
    return GridSearchCV(_tiny_model(), GRID, cv=CV, n_jobs=2)


def _assert_same_search_results(parallel, local):
    assert parallel["params"] == local["params"]
    for key in local:
        if key.endswith("_score") and not key.endswith("time"):
            np.testing.assert_allclose(parallel[key], local[key], rtol=1e-6)
    np.testing.assert_array_equal(parallel["rank_test_score"], local["rank_test_score"])


@pytest.fixture(scope="module")
def dask_client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_grid_search_on_a_dask_cluster_gives_the_local_cv_results(dask_client, case):
    make, grid, X_case, y_case, cv = CASES[case]
    local = GridSearchCV(make(), grid, cv=cv, n_jobs=1).fit(X_case, y_case)
    with joblib.parallel_backend("dask"):
        distributed_search = GridSearchCV(make(), grid, cv=cv, n_jobs=2)
        distributed_search.fit(X_case, y_case)

    _assert_same_search_results(distributed_search.cv_results_, local.cv_results_)
    assert distributed_search.best_params_ == local.best_params_
    np.testing.assert_allclose(
        distributed_search.predict(X_case[:10]), local.predict(X_case[:10]), rtol=1e-6
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_cross_validate_on_a_dask_cluster_gives_the_local_scores(dask_client, case):
    make, _, X_case, y_case, cv = CASES[case]
    local = cross_validate(make(), X_case, y_case, cv=cv, n_jobs=1)
    with joblib.parallel_backend("dask"):
        distributed_scores = cross_validate(make(), X_case, y_case, cv=cv, n_jobs=2)
    np.testing.assert_allclose(
        distributed_scores["test_score"], local["test_score"], rtol=1e-6
    )


@pytest.mark.slow
def test_dask_workers_each_train_on_their_own_gpu_with_cuda_auto(dask_client):
    def cuda_device_here():
        with (
            mock.patch.object(_device, "cuda_available", return_value=True),
            mock.patch.object(_device, "cuda_device_count", return_value=2),
        ):
            return str(_device.resolve_device("cuda:auto"))

    names = {
        address: info["name"]
        for address, info in dask_client.scheduler_info()["workers"].items()
    }
    # Each task runs where a search's fits would: inside a worker's task.
    devices = {
        names[address]: dask_client.submit(
            cuda_device_here, workers=[address], pure=False
        ).result(timeout=60)
        for address in names
    }
    assert devices == {0: "cuda:0", 1: "cuda:1"}


@pytest.mark.slow
def test_grid_search_with_rays_joblib_backend_gives_the_local_cv_results():
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    local = GridSearchCV(_tiny_model(), GRID, cv=CV, n_jobs=1).fit(X, Y)
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_backend("ray"):
            ray_search = _search().fit(X, Y)
    finally:
        ray.shutdown()
    _assert_same_search_results(ray_search.cv_results_, local.cv_results_)


# ----------------------------------------------------- one GPU for each worker


@pytest.fixture
def four_gpus(machine, monkeypatch):
    """A machine with four GPUs, in a process that is no worker."""
    machine(cuda_devices=4)
    monkeypatch.delenv(_device.WORKER_INDEX_VARIABLE, raising=False)


@pytest.mark.usefixtures("four_gpus")
def test_workers_take_the_gpus_round_robin_by_worker_index_with_cuda_auto(
    monkeypatch,
):
    chosen = []
    for index in range(6):
        monkeypatch.setenv(_device.WORKER_INDEX_VARIABLE, str(index))
        chosen.append(str(resolve_device("cuda:auto")))
    assert chosen == ["cuda:0", "cuda:1", "cuda:2", "cuda:3", "cuda:0", "cuda:1"]


@pytest.mark.usefixtures("four_gpus")
@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_cuda_and_auto_mean_the_current_gpu_even_in_a_worker(monkeypatch, device):
    # Spreading over GPUs is an explicit opt-in ("cuda:auto"); "cuda" keeps
    # PyTorch's meaning in every process.
    monkeypatch.setenv(_device.WORKER_INDEX_VARIABLE, "3")
    assert resolve_device(device) == torch.device("cuda")


@pytest.mark.usefixtures("four_gpus")
def test_outside_a_worker_cuda_auto_stays_the_current_gpu():
    assert worker_index() is None
    assert resolve_device("cuda:auto") == torch.device("cuda")


@pytest.mark.usefixtures("four_gpus")
def test_an_explicit_gpu_index_is_kept_in_every_worker(monkeypatch):
    monkeypatch.setenv(_device.WORKER_INDEX_VARIABLE, "1")
    assert resolve_device("cuda:3") == torch.device("cuda:3")
    assert resolve_device("cpu") == torch.device("cpu")


def test_with_one_gpu_every_worker_uses_it(machine, monkeypatch):
    machine(cuda_devices=1)
    monkeypatch.setenv(_device.WORKER_INDEX_VARIABLE, "5")
    assert resolve_device("cuda:auto") == torch.device("cuda")


def test_a_worker_index_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv(_device.WORKER_INDEX_VARIABLE, "first")
    with pytest.raises(ValueError, match="SKLSTM_WORKER_INDEX='first' must be"):
        worker_index()


def _report_device(queue):
    queue.put(str(resolve_device("cuda:auto")))


@pytest.mark.usefixtures("four_gpus")
def test_a_worker_process_takes_the_gpu_of_its_process_number():
    # A forked child inherits the mocked probes; its number is the one its
    # default name ends with, as for joblib's and multiprocessing's workers.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_report_device, args=(queue,)) for _ in range(2)]
    expected = []
    for child in children:
        child.start()
        number = int(child.name.rsplit("-", 1)[1])
        expected.append(f"cuda:{(number - 1) % 4}")
        device = queue.get(timeout=60)
        child.join(timeout=60)
        assert device == expected[-1]
    assert expected[0] != expected[1]
